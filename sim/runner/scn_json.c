/* scn_json.c -- the scenario parser's validation kit: JSON paths, strict
 * keys, typed getters with ranges; the first error wins. */
#include "sim/runner/scn_json.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sim/devices/devspec.h"

void scn_push_key(struct scn_vctx *v, const char *key)
{
	if (v->depth < sizeof v->path / sizeof v->path[0])
		v->path[v->depth] = (struct jpath_elem){ .key = key };
	v->depth++;
}

void scn_push_index(struct scn_vctx *v, size_t i)
{
	if (v->depth < sizeof v->path / sizeof v->path[0])
		v->path[v->depth] = (struct jpath_elem){ .key = NULL, .index = i };
	v->depth++;
}

void scn_pop(struct scn_vctx *v)
{
	v->depth--;
}

static void scn_path_format(const struct scn_vctx *v, char *out, size_t cap)
{
	size_t n = (size_t)snprintf(out, cap, "$");
	size_t d = v->depth < SCN_MAX_DEPTH + 4 ? v->depth : SCN_MAX_DEPTH + 4;
	for (size_t i = 0; i < d && n < cap; i++) {
		if (v->path[i].key)
			n += (size_t)snprintf(out + n, cap - n, ".%s", v->path[i].key);
		else
			n += (size_t)snprintf(out + n, cap - n, "[%zu]", v->path[i].index);
	}
}

void scn_fail(struct scn_vctx *v, const char *fmt, ...)
{
	if (v->failed)
		return;
	v->failed = true;
	char where[512], why[512];
	scn_path_format(v, where, sizeof where);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	size_t d = v->depth < SCN_MAX_DEPTH + 4 ? v->depth : SCN_MAX_DEPTH + 4;
	unsigned line = jsonpos_line(v->text, v->len, v->path, d);
	snprintf(v->err, v->errlen, "%s:%u: %s: %s", v->file, line, where, why);
}

const char *scn_json_kind(const json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT:  return "an object";
	case JSON_ARRAY:   return "an array";
	case JSON_STRING:  return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL:    return "a real number";
	case JSON_TRUE:
	case JSON_FALSE:   return "a boolean";
	case JSON_NULL:    return "null";
	}
	return "?";
}

/* Reject keys not in 'allowed' (NULL-terminated). */
bool scn_check_keys(struct scn_vctx *v, json_t *obj, const char *const *allowed)
{
	const char *key;
	json_t *val;
	json_object_foreach(obj, key, val) {
		bool ok = false;
		for (const char *const *a = allowed; *a; a++)
			if (strcmp(*a, key) == 0)
				ok = true;
		if (!ok) {
			scn_push_key(v, key);
			char list[256] = "";
			size_t n = 0;
			for (const char *const *a = allowed; *a && n < sizeof list; a++)
				n += (size_t)snprintf(list + n, sizeof list - n, "%s%s",
						      a == allowed ? "" : ", ", *a);
			scn_fail(v, "unknown key \"%s\" (expected one of: %s)", key, list);
			scn_pop(v);
			return false;
		}
	}
	return true;
}

json_t *scn_want_object(struct scn_vctx *v, json_t *parent, const char *key, bool required)
{
	json_t *j = json_object_get(parent, key);
	if (!j) {
		if (required)
			scn_fail(v, "missing required key \"%s\"", key);
		return NULL;
	}
	if (!json_is_object(j)) {
		scn_push_key(v, key);
		scn_fail(v, "must be an object, not %s", scn_json_kind(j));
		scn_pop(v);
		return NULL;
	}
	return j;
}

bool scn_get_uint(struct scn_vctx *v, json_t *obj, const char *key, uint64_t min,
		     uint64_t max, bool required, uint64_t *out)
{
	json_t *j = json_object_get(obj, key);
	if (!j) {
		if (required)
			scn_fail(v, "missing required key \"%s\"", key);
		return false;
	}
	scn_push_key(v, key);
	bool ok = false;
	if (!json_is_integer(j)) {
		scn_fail(v, "must be an integer in %" PRIu64 "..%" PRIu64 ", not %s", min, max,
		     scn_json_kind(j));
	} else {
		json_int_t x = json_integer_value(j);
		if (x < 0 || (uint64_t)x < min || (uint64_t)x > max)
			scn_fail(v, "%" JSON_INTEGER_FORMAT " is out of range %" PRIu64 "..%" PRIu64,
			     x, min, max);
		else {
			*out = (uint64_t)x;
			ok = true;
		}
	}
	scn_pop(v);
	return ok;
}

bool scn_get_bool(struct scn_vctx *v, json_t *obj, const char *key, bool *out)
{
	json_t *j = json_object_get(obj, key);
	if (!j)
		return false;
	if (!json_is_boolean(j)) {
		scn_push_key(v, key);
		scn_fail(v, "must be true or false, not %s", scn_json_kind(j));
		scn_pop(v);
		return false;
	}
	*out = json_is_true(j);
	return true;
}

bool scn_get_string(struct scn_vctx *v, json_t *obj, const char *key, char *out,
		       size_t cap, bool required)
{
	json_t *j = json_object_get(obj, key);
	if (!j) {
		if (required)
			scn_fail(v, "missing required key \"%s\"", key);
		return false;
	}
	scn_push_key(v, key);
	bool ok = false;
	if (!json_is_string(j))
		scn_fail(v, "must be a string, not %s", scn_json_kind(j));
	else if (json_string_length(j) >= cap)
		scn_fail(v, "longer than %zu bytes", cap - 1);
	else if (strlen(json_string_value(j)) != json_string_length(j))
		scn_fail(v, "contains a NUL character");
	else {
		memcpy(out, json_string_value(j), json_string_length(j) + 1);
		ok = true;
	}
	scn_pop(v);
	return ok;
}

/* "5.3" -> VMBUS_VERSION value (major << 16 | minor); "0.13" is WS2008. */
bool scn_get_version(struct scn_vctx *v, json_t *obj, const char *key, uint32_t *out)
{
	char text[16];
	if (!scn_get_string(v, obj, key, text, sizeof text, false))
		return false;
	static const char *const known[] = { "0.13", "1.1", "2.4", "3.0", "4.0", "4.1",
					     "5.0", "5.1", "5.2", "5.3", NULL };
	for (const char *const *k = known; *k; k++) {
		if (strcmp(*k, text) == 0) {
			unsigned major = 0, minor = 0;
			sscanf(text, "%u.%u", &major, &minor);
			*out = major << 16 | minor;
			return true;
		}
	}
	scn_push_key(v, key);
	scn_fail(v, "unknown VMBus version \"%s\" (0.13, 1.1, 2.4, 3.0, 4.0, 4.1, 5.0-5.3)", text);
	scn_pop(v);
	return false;
}

unsigned scn_max_depth(json_t *j, unsigned level)
{
	unsigned deepest = level;
	if (level > SCN_MAX_DEPTH)
		return level;
	if (json_is_object(j)) {
		const char *k;
		json_t *c;
		json_object_foreach(j, k, c) {
			unsigned d = scn_max_depth(c, level + 1);
			if (d > deepest)
				deepest = d;
		}
	} else if (json_is_array(j)) {
		size_t i;
		json_t *c;
		json_array_foreach(j, i, c) {
			unsigned d = scn_max_depth(c, level + 1);
			if (d > deepest)
				deepest = d;
		}
	}
	return deepest;
}


unsigned scn_line(const struct scn_vctx *v)
{
	size_t d = v->depth < SCN_MAX_DEPTH + 4 ? v->depth : SCN_MAX_DEPTH + 4;
	return jsonpos_line(v->text, v->len, v->path, d);
}

json_t *scn_want_array(struct scn_vctx *v, json_t *parent, const char *key, size_t max,
		       bool required)
{
	json_t *j = json_object_get(parent, key);
	if (!j) {
		if (required)
			scn_fail(v, "missing required key \"%s\"", key);
		return NULL;
	}
	scn_push_key(v, key);
	json_t *ret = NULL;
	if (!json_is_array(j))
		scn_fail(v, "must be an array, not %s", scn_json_kind(j));
	else if (json_array_size(j) > max)
		scn_fail(v, "%zu entries; at most %zu", json_array_size(j), max);
	else
		ret = j;
	scn_pop(v);
	return ret;
}

bool scn_get_int(struct scn_vctx *v, json_t *obj, const char *key, int64_t min, int64_t max,
		 bool required, int64_t *out)
{
	json_t *j = json_object_get(obj, key);
	if (!j) {
		if (required)
			scn_fail(v, "missing required key \"%s\"", key);
		return false;
	}
	scn_push_key(v, key);
	bool ok = false;
	if (!json_is_integer(j))
		scn_fail(v, "must be an integer in %" PRId64 "..%" PRId64 ", not %s", min, max,
			 scn_json_kind(j));
	else if (json_integer_value(j) < min || json_integer_value(j) > max)
		scn_fail(v, "%" JSON_INTEGER_FORMAT " is out of range %" PRId64 "..%" PRId64,
			 json_integer_value(j), min, max);
	else {
		*out = json_integer_value(j);
		ok = true;
	}
	scn_pop(v);
	return ok;
}

bool scn_get_enum(struct scn_vctx *v, json_t *obj, const char *key, const char *const *names,
		  bool required, unsigned *out)
{
	char text[64];
	if (!scn_get_string(v, obj, key, text, sizeof text, required))
		return false;
	for (unsigned i = 0; names[i]; i++) {
		if (strcmp(names[i], text) == 0) {
			*out = i;
			return true;
		}
	}
	char list[256] = "";
	size_t n = 0;
	for (unsigned i = 0; names[i] && n < sizeof list; i++)
		n += (size_t)snprintf(list + n, sizeof list - n, "%s%s", i ? ", " : "", names[i]);
	scn_push_key(v, key);
	scn_fail(v, "unknown value \"%s\" (expected one of: %s)", text, list);
	scn_pop(v);
	return false;
}

bool scn_body(struct scn_vctx *v, json_t *body, const char *const *allowed)
{
	if (!json_is_object(body)) {
		scn_fail(v, "must be an object, not %s", scn_json_kind(body));
		return false;
	}
	return scn_check_keys(v, body, allowed);
}

bool scn_get_ipv4(struct scn_vctx *v, json_t *obj, const char *key, uint32_t *out)
{
	char text[20];
	if (!scn_get_string(v, obj, key, text, sizeof text, false))
		return false;
	unsigned a, b, c, d;
	char tail;
	if (sscanf(text, "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) != 4 || a > 255 || b > 255 ||
	    c > 255 || d > 255) {
		scn_push_key(v, key);
		scn_fail(v, "\"%s\" is not an IPv4 address like 10.0.0.1", text);
		scn_pop(v);
		return false;
	}
	*out = a << 24 | b << 16 | c << 8 | d;
	return true;
}

bool scn_get_errno(struct scn_vctx *v, json_t *obj, const char *key, int *out)
{
	static const char *const names[] = { "ok", "EINVAL", "EMSGSIZE", "EOPNOTSUPP", "ENETDOWN",
					     "EIO", "ETIMEDOUT", "ENOSPC", "EROFS", "ENODEV",
					     "EBUSY", "ENOENT", NULL };
	static const int values[] = { 0, -EINVAL, -EMSGSIZE, -EOPNOTSUPP, -ENETDOWN, -EIO,
				      -ETIMEDOUT, -ENOSPC, -EROFS, -ENODEV, -EBUSY, -ENOENT };
	unsigned i;
	if (!scn_get_enum(v, obj, key, names, false, &i))
		return false;
	*out = values[i];
	return true;
}

bool scn_out_path(struct scn_vctx *v, const char *in, char *out, size_t cap)
{
	if (!in[0]) {
		scn_fail(v, "must not be empty");
		return false;
	}
	if (!v->cwd) {
		snprintf(out, cap, "%s", in);
		return true;
	}
	if (in[0] == '/') {
		scn_fail(v, "\"%s\" must be relative: a scenario writes only below the working "
			 "directory", in);
		return false;
	}
	for (const char *p = in; *p;) {
		size_t n = strcspn(p, "/");
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			scn_fail(v, "\"%s\" must not climb out with \"..\": a scenario writes only "
				 "below the working directory", in);
			return false;
		}
		p += n;
		p += strspn(p, "/");
	}
	int n = snprintf(out, cap, "%s/%s", v->cwd, in);
	if (n < 0 || (size_t)n >= cap) {
		scn_fail(v, "\"%s\" is too long once made absolute", in);
		return false;
	}
	return true;
}

bool scn_image_path(struct scn_vctx *v, const char *in, uint32_t sector, bool read_only,
		    char *out, size_t cap)
{
	if (!v->dir) {
		snprintf(out, cap, "%s", in);
		return true;
	}
	int n = in[0] == '/' ? snprintf(out, cap, "%s", in) : snprintf(out, cap, "%s/%s", v->dir, in);
	if (n < 0 || (size_t)n >= cap) {
		scn_fail(v, "\"%s\" is too long once made absolute", in);
		return false;
	}
	char why[512];
	if (devspec_check_image(out, sector, read_only, v->image_root, why, sizeof why) != 0) {
		scn_fail(v, "%s", why);
		return false;
	}
	return true;
}
