/* hostcmd.c -- dispatch of host commands: find the command, check its keys,
 * run it, wrap the result or the reason in a reply. */
#include "sim/devices/hostcmd.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

const struct hostcmd_def *hostcmd_find(const char *name)
{
	for (const struct hostcmd_def *const *d = hostcmd_defs; *d; d++)
		if (strcmp((*d)->name, name) == 0)
			return *d;
	return NULL;
}

json_t *hostcmd_reply_error(json_t *id, const char *fmt, ...)
{
	char why[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	json_t *r = json_object();
	if (!r)
		return NULL;
	json_object_set_new(r, "ok", json_false());
	if (id)
		json_object_set(r, "id", id);
	json_object_set_new(r, "error", json_string(why));
	return r;
}

/* "cmd" and "id" are common to every request; the rest must be the
 * command's own keys. */
static bool hostcmd_keys_ok(const struct hostcmd_def *d, json_t *req, char *bad, size_t cap)
{
	const char *key;
	json_t *val;
	json_object_foreach(req, key, val) {
		if (strcmp(key, "cmd") == 0 || strcmp(key, "id") == 0)
			continue;
		bool ok = false;
		for (const char *const *k = d->keys; k && *k; k++)
			if (strcmp(*k, key) == 0)
				ok = true;
		if (!ok) {
			snprintf(bad, cap, "%s", key);
			return false;
		}
	}
	return true;
}

json_t *hostcmd_exec(struct hostside *hs, json_t *req)
{
	if (!json_is_object(req))
		return hostcmd_reply_error(NULL, "a request must be a JSON object");
	json_t *id = json_object_get(req, "id");
	json_t *cmd = json_object_get(req, "cmd");
	if (!json_is_string(cmd))
		return hostcmd_reply_error(id, "a request needs \"cmd\": a string (try \"help\")");
	const struct hostcmd_def *d = hostcmd_find(json_string_value(cmd));
	if (!d)
		return hostcmd_reply_error(id, "unknown command \"%s\" (try \"help\")",
				     json_string_value(cmd));
	char bad[128];
	if (!hostcmd_keys_ok(d, req, bad, sizeof bad))
		return hostcmd_reply_error(id, "%s: unknown argument \"%s\" (takes: %s)", d->name, bad,
				     d->args[0] ? d->args : "nothing");
	json_t *reply = json_object();
	if (!reply)
		return NULL;
	char err[512] = "";
	if (d->run(hs, req, reply, err, sizeof err) != 0) {
		json_decref(reply);
		return hostcmd_reply_error(id, "%s: %s", d->name, err[0] ? err : "failed");
	}
	json_object_set_new(reply, "ok", json_true());
	if (id)
		json_object_set(reply, "id", id);
	return reply;
}

json_t *hostcmd_exec_text(struct hostside *hs, const char *text, size_t len)
{
	json_error_t je;
	json_t *req = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!req)
		return hostcmd_reply_error(NULL, "not JSON: %s (column %d)", je.text, je.column);
	json_t *r = hostcmd_exec(hs, req);
	json_decref(req);
	return r;
}

__attribute__((format(printf, 3, 4)))
static int hostcmd_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

int hostcmd_get_str(json_t *req, const char *key, const char **out, bool required,
		    char *err, size_t errlen)
{
	json_t *j = json_object_get(req, key);
	if (!j)
		return required ? hostcmd_fail(err, errlen, "missing \"%s\"", key) : 1;
	if (!json_is_string(j) || strlen(json_string_value(j)) != json_string_length(j))
		return hostcmd_fail(err, errlen, "\"%s\" must be a string without NULs", key);
	*out = json_string_value(j);
	return 0;
}

int hostcmd_get_int(json_t *req, const char *key, long long min, long long max,
		    long long *out, bool required, char *err, size_t errlen)
{
	json_t *j = json_object_get(req, key);
	if (!j)
		return required ? hostcmd_fail(err, errlen, "missing \"%s\"", key) : 1;
	if (!json_is_integer(j) || json_integer_value(j) < min || json_integer_value(j) > max)
		return hostcmd_fail(err, errlen, "\"%s\" must be an integer in %lld..%lld", key,
				    min, max);
	*out = json_integer_value(j);
	return 0;
}

int hostcmd_get_bool(json_t *req, const char *key, bool *out, char *err, size_t errlen)
{
	json_t *j = json_object_get(req, key);
	if (!j)
		return 1;
	if (!json_is_boolean(j))
		return hostcmd_fail(err, errlen, "\"%s\" must be true or false", key);
	*out = json_is_true(j);
	return 0;
}
