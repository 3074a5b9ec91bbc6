/* scenario.c -- load a scenario file with jansson and validate it whole
 * (unknown keys, types, ranges, caps) before anything runs; errors name
 * the file, the line and the JSON path. */
#include "sim/runner/scenario.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include <jansson.h>

#include "sim/hostd/profile.h"
#include "sim/runner/jsonpos.h"

#define SCN_DEFAULT_STEP_TIMEOUT_MS 10000u
#define SCN_DEFAULT_TIME_LIMIT_MS   60000u
#define SCN_MAX_TIMEOUT_MS          (24ull * 3600 * 1000)

/* Validation context: where we are in the tree, and the first error. */
struct vctx {
	const char *file;
	const char *text;
	size_t      len;
	struct jpath_elem path[SCN_MAX_DEPTH + 4];
	size_t      depth;
	char       *err;
	size_t      errlen;
	bool        failed;
};

static void path_push_key(struct vctx *v, const char *key)
{
	if (v->depth < sizeof v->path / sizeof v->path[0])
		v->path[v->depth] = (struct jpath_elem){ .key = key };
	v->depth++;
}

static void path_push_index(struct vctx *v, size_t i)
{
	if (v->depth < sizeof v->path / sizeof v->path[0])
		v->path[v->depth] = (struct jpath_elem){ .key = NULL, .index = i };
	v->depth++;
}

static void path_pop(struct vctx *v)
{
	v->depth--;
}

static void path_format(const struct vctx *v, char *out, size_t cap)
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

__attribute__((format(printf, 2, 3)))
static void fail(struct vctx *v, const char *fmt, ...)
{
	if (v->failed)
		return;
	v->failed = true;
	char where[512], why[512];
	path_format(v, where, sizeof where);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	size_t d = v->depth < SCN_MAX_DEPTH + 4 ? v->depth : SCN_MAX_DEPTH + 4;
	unsigned line = jsonpos_line(v->text, v->len, v->path, d);
	snprintf(v->err, v->errlen, "%s:%u: %s: %s", v->file, line, where, why);
}

static const char *json_kind(const json_t *j)
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
static bool check_keys(struct vctx *v, json_t *obj, const char *const *allowed)
{
	const char *key;
	json_t *val;
	json_object_foreach(obj, key, val) {
		bool ok = false;
		for (const char *const *a = allowed; *a; a++)
			if (strcmp(*a, key) == 0)
				ok = true;
		if (!ok) {
			path_push_key(v, key);
			char list[256] = "";
			size_t n = 0;
			for (const char *const *a = allowed; *a && n < sizeof list; a++)
				n += (size_t)snprintf(list + n, sizeof list - n, "%s%s",
						      a == allowed ? "" : ", ", *a);
			fail(v, "unknown key \"%s\" (expected one of: %s)", key, list);
			path_pop(v);
			return false;
		}
	}
	return true;
}

static json_t *want_object(struct vctx *v, json_t *parent, const char *key, bool required)
{
	json_t *j = json_object_get(parent, key);
	if (!j) {
		if (required)
			fail(v, "missing required key \"%s\"", key);
		return NULL;
	}
	if (!json_is_object(j)) {
		path_push_key(v, key);
		fail(v, "must be an object, not %s", json_kind(j));
		path_pop(v);
		return NULL;
	}
	return j;
}

static bool get_uint(struct vctx *v, json_t *obj, const char *key, uint64_t min,
		     uint64_t max, bool required, uint64_t *out)
{
	json_t *j = json_object_get(obj, key);
	if (!j) {
		if (required)
			fail(v, "missing required key \"%s\"", key);
		return false;
	}
	path_push_key(v, key);
	bool ok = false;
	if (!json_is_integer(j)) {
		fail(v, "must be an integer in %" PRIu64 "..%" PRIu64 ", not %s", min, max,
		     json_kind(j));
	} else {
		json_int_t x = json_integer_value(j);
		if (x < 0 || (uint64_t)x < min || (uint64_t)x > max)
			fail(v, "%" JSON_INTEGER_FORMAT " is out of range %" PRIu64 "..%" PRIu64,
			     x, min, max);
		else {
			*out = (uint64_t)x;
			ok = true;
		}
	}
	path_pop(v);
	return ok;
}

static bool get_bool(struct vctx *v, json_t *obj, const char *key, bool *out)
{
	json_t *j = json_object_get(obj, key);
	if (!j)
		return false;
	if (!json_is_boolean(j)) {
		path_push_key(v, key);
		fail(v, "must be true or false, not %s", json_kind(j));
		path_pop(v);
		return false;
	}
	*out = json_is_true(j);
	return true;
}

static bool get_string(struct vctx *v, json_t *obj, const char *key, char *out,
		       size_t cap, bool required)
{
	json_t *j = json_object_get(obj, key);
	if (!j) {
		if (required)
			fail(v, "missing required key \"%s\"", key);
		return false;
	}
	path_push_key(v, key);
	bool ok = false;
	if (!json_is_string(j))
		fail(v, "must be a string, not %s", json_kind(j));
	else if (json_string_length(j) >= cap)
		fail(v, "longer than %zu bytes", cap - 1);
	else if (strlen(json_string_value(j)) != json_string_length(j))
		fail(v, "contains a NUL character");
	else {
		memcpy(out, json_string_value(j), json_string_length(j) + 1);
		ok = true;
	}
	path_pop(v);
	return ok;
}

/* "5.3" -> VMBUS_VERSION value (major << 16 | minor); "0.13" is WS2008. */
static bool get_version(struct vctx *v, json_t *obj, const char *key, uint32_t *out)
{
	char text[16];
	if (!get_string(v, obj, key, text, sizeof text, false))
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
	path_push_key(v, key);
	fail(v, "unknown VMBus version \"%s\" (0.13, 1.1, 2.4, 3.0, 4.0, 4.1, 5.0-5.3)", text);
	path_pop(v);
	return false;
}

static unsigned max_depth(json_t *j, unsigned level)
{
	unsigned deepest = level;
	if (level > SCN_MAX_DEPTH)
		return level;
	if (json_is_object(j)) {
		const char *k;
		json_t *c;
		json_object_foreach(j, k, c) {
			unsigned d = max_depth(c, level + 1);
			if (d > deepest)
				deepest = d;
		}
	} else if (json_is_array(j)) {
		size_t i;
		json_t *c;
		json_array_foreach(j, i, c) {
			unsigned d = max_depth(c, level + 1);
			if (d > deepest)
				deepest = d;
		}
	}
	return deepest;
}

static void parse_host(struct vctx *v, json_t *root, struct scenario *s)
{
	static const char *const keys[] = { "profile", NULL };
	strcpy(s->profile, "ws2022");
	json_t *host = want_object(v, root, "host", false);
	if (!host)
		return;
	path_push_key(v, "host");
	if (check_keys(v, host, keys) &&
	    get_string(v, host, "profile", s->profile, sizeof s->profile, false) &&
	    !hv_profile_find(s->profile)) {
		path_push_key(v, "profile");
		char list[256] = "";
		size_t n = 0;
		for (size_t i = 0; i < hv_profile_count() && n < sizeof list; i++)
			n += (size_t)snprintf(list + n, sizeof list - n, "%s%s", i ? ", " : "",
					      hv_profile_at(i)->name);
		fail(v, "unknown profile \"%s\" (known: %s)", s->profile, list);
		path_pop(v);
	}
	path_pop(v);
}

static void parse_guest(struct vctx *v, json_t *root, struct scenario *s)
{
	static const char *const keys[] = { "vcpus", "memory_mb", NULL };
	s->vcpus = 1;
	s->memory_mb = 128;
	json_t *guest = want_object(v, root, "guest", false);
	if (!guest)
		return;
	path_push_key(v, "guest");
	uint64_t x;
	if (check_keys(v, guest, keys)) {
		if (get_uint(v, guest, "vcpus", 1, SCN_MAX_VCPUS, false, &x))
			s->vcpus = (uint32_t)x;
		if (get_uint(v, guest, "memory_mb", SCN_MIN_MEMORY_MB, SCN_MAX_MEMORY_MB, false, &x))
			s->memory_mb = x;
	}
	path_pop(v);
}

static void parse_limits(struct vctx *v, json_t *root, struct scenario *s)
{
	static const char *const keys[] = { "time_ms", NULL };
	s->time_limit_ms = SCN_DEFAULT_TIME_LIMIT_MS;
	json_t *lim = want_object(v, root, "limits", false);
	if (!lim)
		return;
	path_push_key(v, "limits");
	if (check_keys(v, lim, keys))
		get_uint(v, lim, "time_ms", 1, SCN_MAX_TIMEOUT_MS, false, &s->time_limit_ms);
	path_pop(v);
}

static void parse_expect(struct vctx *v, json_t *body, struct scn_expect *e)
{
	static const char *const keys[] = { "hyperv", "vendor", "clock", "synic_all_cpus",
					    "vcpus", "build", "tsc_hz", "vmbus_version",
					    "attached", NULL };
	if (!check_keys(v, body, keys))
		return;
	uint64_t x;
	e->has_hyperv = get_bool(v, body, "hyperv", &e->hyperv);
	e->has_synic_all = get_bool(v, body, "synic_all_cpus", &e->synic_all);
	e->has_vendor = get_string(v, body, "vendor", e->vendor, sizeof e->vendor, false);
	e->has_clock = get_string(v, body, "clock", e->clock, sizeof e->clock, false);
	if ((e->has_vcpus = get_uint(v, body, "vcpus", 1, SCN_MAX_VCPUS, false, &x)))
		e->vcpus = (uint32_t)x;
	if ((e->has_build = get_uint(v, body, "build", 0, UINT32_MAX, false, &x)))
		e->build = (uint32_t)x;
	e->has_tsc_hz = get_uint(v, body, "tsc_hz", 0, UINT64_MAX >> 1, false, &e->tsc_hz);
	e->has_vmbus_version = get_version(v, body, "vmbus_version", &e->vmbus_version);
	json_t *att = json_object_get(body, "attached");
	if (att) {
		path_push_key(v, "attached");
		if (!json_is_array(att)) {
			fail(v, "must be an array of unit names, not %s", json_kind(att));
		} else if (json_array_size(att) > SCN_MAX_ATTACHED) {
			fail(v, "at most %u units", SCN_MAX_ATTACHED);
		} else {
			size_t i;
			json_t *u;
			json_array_foreach(att, i, u) {
				path_push_index(v, i);
				if (!json_is_string(u) || json_string_length(u) == 0 ||
				    json_string_length(u) >= sizeof e->attached[0] ||
				    strlen(json_string_value(u)) != json_string_length(u))
					fail(v, "must be a unit name such as \"kvp0\" (1..%zu bytes)",
					     sizeof e->attached[0] - 1);
				else
					strcpy(e->attached[e->nattached++], json_string_value(u));
				path_pop(v);
			}
			e->has_attached = !v->failed;
		}
		path_pop(v);
	}
	if (!v->failed && !(e->has_hyperv || e->has_synic_all || e->has_vendor ||
			    e->has_clock || e->has_vcpus || e->has_build || e->has_tsc_hz ||
			    e->has_vmbus_version || e->has_attached))
		fail(v, "an expect step must check something");
}

static const struct {
	const char *key;
	enum scn_step_kind kind;
} step_kinds[] = {
	{ "boot", SCN_STEP_BOOT },
	{ "expect", SCN_STEP_EXPECT },
	{ "wait", SCN_STEP_WAIT },
};

static void parse_step(struct vctx *v, json_t *js, struct scn_step *st)
{
	static const char *const keys[] = { "name", "timeout_ms", "boot", "expect", "wait", NULL };
	if (!json_is_object(js)) {
		fail(v, "a step must be an object, not %s", json_kind(js));
		return;
	}
	if (!check_keys(v, js, keys))
		return;
	st->line = jsonpos_line(v->text, v->len, v->path, v->depth);
	const char *found = NULL;
	for (size_t i = 0; i < sizeof step_kinds / sizeof step_kinds[0]; i++) {
		if (!json_object_get(js, step_kinds[i].key))
			continue;
		if (found) {
			fail(v, "a step has exactly one action, this one has \"%s\" and \"%s\"",
			     found, step_kinds[i].key);
			return;
		}
		found = step_kinds[i].key;
		st->kind = step_kinds[i].kind;
	}
	if (!found) {
		fail(v, "a step needs one action: boot, expect or wait");
		return;
	}
	st->timeout_ms = SCN_DEFAULT_STEP_TIMEOUT_MS;
	get_uint(v, js, "timeout_ms", 1, SCN_MAX_TIMEOUT_MS, false, &st->timeout_ms);
	if (!get_string(v, js, "name", st->label, sizeof st->label, false))
		snprintf(st->label, sizeof st->label, "%s", found);

	json_t *body = json_object_get(js, found);
	path_push_key(v, found);
	if (!json_is_object(body)) {
		fail(v, "must be an object, not %s", json_kind(body));
	} else if (st->kind == SCN_STEP_BOOT) {
		static const char *const bkeys[] = { "vmbus", "vmbus_max_version",
						     "force_hypercall", NULL };
		st->u.boot.vmbus = true;
		if (check_keys(v, body, bkeys)) {
			get_bool(v, body, "vmbus", &st->u.boot.vmbus);
			get_bool(v, body, "force_hypercall", &st->u.boot.force_hypercall);
			get_version(v, body, "vmbus_max_version", &st->u.boot.vmbus_max_version);
		}
	} else if (st->kind == SCN_STEP_EXPECT) {
		parse_expect(v, body, &st->u.expect);
	} else if (st->kind == SCN_STEP_WAIT) {
		static const char *const wkeys[] = { "ms", NULL };
		if (check_keys(v, body, wkeys))
			get_uint(v, body, "ms", 1, SCN_MAX_TIMEOUT_MS, true, &st->u.wait.ms);
	}
	path_pop(v);
}

static void parse_steps(struct vctx *v, json_t *root, struct scenario *s)
{
	json_t *steps = json_object_get(root, "steps");
	if (!steps) {
		fail(v, "missing required key \"steps\"");
		return;
	}
	path_push_key(v, "steps");
	if (!json_is_array(steps)) {
		fail(v, "must be an array, not %s", json_kind(steps));
	} else if (json_array_size(steps) == 0) {
		fail(v, "must hold at least one step");
	} else if (json_array_size(steps) > SCN_MAX_STEPS) {
		fail(v, "%zu steps; at most %u", json_array_size(steps), SCN_MAX_STEPS);
	} else {
		s->steps = calloc(json_array_size(steps), sizeof *s->steps);
		if (!s->steps) {
			fail(v, "out of memory");
		} else {
			size_t i;
			json_t *js;
			json_array_foreach(steps, i, js) {
				path_push_index(v, i);
				parse_step(v, js, &s->steps[i]);
				path_pop(v);
				if (v->failed)
					break;
				s->nsteps++;
			}
		}
	}
	path_pop(v);
}

struct scenario *scenario_parse(const char *name, const char *text, size_t len,
				char *err, size_t errlen)
{
	static const char *const keys[] = { "name", "description", "host", "guest",
					    "limits", "steps", NULL };
	struct vctx v = { .file = name, .text = text, .len = len, .err = err, .errlen = errlen };
	if (len > SCN_MAX_FILE_BYTES) {
		snprintf(err, errlen, "%s: %zu bytes; a scenario may be at most %u", name, len,
			 SCN_MAX_FILE_BYTES);
		return NULL;
	}
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
		snprintf(err, errlen, "%s:1: starts with a byte-order mark; save it as plain UTF-8",
			 name);
		return NULL;
	}
	json_error_t je;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		snprintf(err, errlen, "%s:%d:%d: %s", name, je.line, je.column, je.text);
		return NULL;
	}
	struct scenario *s = calloc(1, sizeof *s);
	if (!s) {
		json_decref(root);
		snprintf(err, errlen, "%s: out of memory", name);
		return NULL;
	}
	snprintf(s->path, sizeof s->path, "%s", name);
	if (!json_is_object(root)) {
		fail(&v, "the top level must be an object, not %s", json_kind(root));
	} else if (max_depth(root, 0) > SCN_MAX_DEPTH) {
		fail(&v, "nested deeper than %u levels", SCN_MAX_DEPTH);
	} else if (check_keys(&v, root, keys)) {
		get_string(&v, root, "name", s->name, sizeof s->name, false);
		get_string(&v, root, "description", s->description, sizeof s->description, false);
		parse_host(&v, root, s);
		parse_guest(&v, root, s);
		parse_limits(&v, root, s);
		parse_steps(&v, root, s);
	}
	json_decref(root);
	if (v.failed) {
		scenario_free(s);
		return NULL;
	}
	if (!s->name[0]) {
		const char *base = strrchr(name, '/');
		snprintf(s->name, sizeof s->name, "%s", base ? base + 1 : name);
	}
	return s;
}

struct scenario *scenario_load(const char *path, char *err, size_t errlen)
{
	/* O_NONBLOCK: opening a FIFO must not wait for a writer; we refuse
	 * anything but a regular file right after. */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(fd);
		return NULL;
	}
	FILE *f = fdopen(fd, "rb");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	if (st.st_size > (off_t)SCN_MAX_FILE_BYTES) {
		snprintf(err, errlen, "%s: %lld bytes; a scenario may be at most %u", path,
			 (long long)st.st_size, SCN_MAX_FILE_BYTES);
		fclose(f);
		return NULL;
	}
	char *buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		snprintf(err, errlen, "%s: out of memory", path);
		fclose(f);
		return NULL;
	}
	size_t n = fread(buf, 1, (size_t)st.st_size, f);
	bool rerr = ferror(f);
	fclose(f);
	if (rerr) {
		snprintf(err, errlen, "%s: read error", path);
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	struct scenario *s = scenario_parse(path, buf, n, err, errlen);
	free(buf);
	return s;
}

void scenario_free(struct scenario *s)
{
	if (!s)
		return;
	free(s->steps);
	free(s);
}

const char *scn_step_kind_name(enum scn_step_kind k)
{
	for (size_t i = 0; i < sizeof step_kinds / sizeof step_kinds[0]; i++)
		if (step_kinds[i].kind == k)
			return step_kinds[i].key;
	return "?";
}
