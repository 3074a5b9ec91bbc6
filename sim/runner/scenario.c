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

#include <limits.h>
#include <jansson.h>

#include "sim/hostd/profile.h"
#include "sim/runner/scn_json.h"
#include "sim/runner/scn_step.h"

#define SCN_DEFAULT_STEP_TIMEOUT_MS 10000u
#define SCN_DEFAULT_TIME_LIMIT_MS   60000u
#define SCN_MAX_TIMEOUT_MS          (24ull * 3600 * 1000)

static void parse_host(struct scn_vctx *v, json_t *root, struct scenario *s)
{
	static const char *const keys[] = { "profile", "checker", NULL };
	static const char *const checker_modes[] = { "enforce", "report", "off", NULL };
	strcpy(s->profile, "ws2022");
	json_t *host = scn_want_object(v, root, "host", false);
	if (!host)
		return;
	scn_push_key(v, "host");
	if (scn_check_keys(v, host, keys) &&
	    scn_get_string(v, host, "profile", s->profile, sizeof s->profile, false) &&
	    !hv_profile_find(s->profile)) {
		scn_push_key(v, "profile");
		char list[256] = "";
		size_t n = 0;
		for (size_t i = 0; i < hv_profile_count() && n < sizeof list; i++)
			n += (size_t)snprintf(list + n, sizeof list - n, "%s%s", i ? ", " : "",
					      hv_profile_at(i)->name);
		scn_fail(v, "unknown profile \"%s\" (known: %s)", s->profile, list);
		scn_pop(v);
	}
	unsigned mode;
	if (!v->failed && scn_get_enum(v, host, "checker", checker_modes, false, &mode))
		s->checker = (enum scn_checker)mode;
	scn_pop(v);
}

static void parse_guest(struct scn_vctx *v, json_t *root, struct scenario *s)
{
	static const char *const keys[] = { "vcpus", "memory_mb", NULL };
	s->vcpus = 1;
	s->memory_mb = 128;
	json_t *guest = scn_want_object(v, root, "guest", false);
	if (!guest)
		return;
	scn_push_key(v, "guest");
	uint64_t x;
	if (scn_check_keys(v, guest, keys)) {
		if (scn_get_uint(v, guest, "vcpus", 1, SCN_MAX_VCPUS, false, &x))
			s->vcpus = (uint32_t)x;
		if (scn_get_uint(v, guest, "memory_mb", SCN_MIN_MEMORY_MB, SCN_MAX_MEMORY_MB, false, &x))
			s->memory_mb = x;
	}
	scn_pop(v);
}

/* The devices section has one parser shared with hvsim-hostd (devspec.c);
 * its error path is spliced under ours so the line number is right.  A
 * scenario read from a file has its paths made absolute (images relative
 * to the file, pcaps to the working directory) and its images checked
 * before anything runs. */
static void parse_devices(struct scn_vctx *v, json_t *root, struct scenario *s)
{
	json_t *dev = scn_want_object(v, root, "devices", false);
	if (!dev)
		return;
	scn_push_key(v, "devices");
	struct devspec_err e;
	if (devspec_parse(dev, &s->dev, &e) != 0) {
		for (size_t i = 0; i < e.depth && i < DEVSPEC_ERR_DEPTH; i++) {
			if (e.path[i].key)
				scn_push_key(v, e.path[i].key);
			else
				scn_push_index(v, e.path[i].index);
		}
		scn_fail(v, "%s", e.msg);
		return;
	}
	/* Files the run writes stay below the working directory; images
	 * resolve from the scenario's directory and stay under the image
	 * root (RELIABILITY 5.11, row 106). */
	for (unsigned i = 0; i < s->dev.nnics && !v->failed; i++) {
		struct devspec_nic *n = &s->dev.nics[i];
		if (!n->pcap[0])
			continue;
		char abs[DEVSPEC_PATH_MAX];
		scn_push_key(v, "nics");
		scn_push_index(v, i);
		scn_push_key(v, "pcap");
		if (scn_out_path(v, n->pcap, abs, sizeof abs))
			memcpy(n->pcap, abs, sizeof abs);
		scn_pop(v);
		scn_pop(v);
		scn_pop(v);
	}
	for (unsigned i = 0; i < s->dev.nluns && !v->failed; i++) {
		struct devspec_disk *dd = &s->dev.luns[i].disk;
		if (!dd->image[0])
			continue;
		char abs[DEVSPEC_PATH_MAX];
		scn_push_key(v, "scsi");
		scn_push_key(v, "luns");
		scn_push_index(v, i);
		scn_push_key(v, "image");
		if (scn_image_path(v, dd->image, dd->sector, dd->read_only, abs, sizeof abs))
			memcpy(dd->image, abs, sizeof abs);
		for (int k = 0; k < 4; k++)
			scn_pop(v);
	}
	if (s->dev.ata && s->dev.ata_disk.image[0] && !v->failed) {
		struct devspec_disk *dd = &s->dev.ata_disk;
		char abs[DEVSPEC_PATH_MAX];
		scn_push_key(v, "ata");
		scn_push_key(v, "image");
		if (scn_image_path(v, dd->image, dd->sector, dd->read_only, abs, sizeof abs))
			memcpy(dd->image, abs, sizeof abs);
		scn_pop(v);
		scn_pop(v);
	}
	scn_pop(v);
}

static void parse_limits(struct scn_vctx *v, json_t *root, struct scenario *s)
{
	static const char *const keys[] = { "time_ms", NULL };
	s->time_limit_ms = SCN_DEFAULT_TIME_LIMIT_MS;
	json_t *lim = scn_want_object(v, root, "limits", false);
	if (!lim)
		return;
	scn_push_key(v, "limits");
	if (scn_check_keys(v, lim, keys))
		scn_get_uint(v, lim, "time_ms", 1, SCN_MAX_TIMEOUT_MS, false, &s->time_limit_ms);
	scn_pop(v);
}

static void parse_step(struct scn_vctx *v, json_t *js, struct scn_step *st)
{
	if (!json_is_object(js)) {
		scn_fail(v, "a step must be an object, not %s", scn_json_kind(js));
		return;
	}
	st->line = scn_line(v);
	/* Exactly one key names the action; "name" and "timeout_ms" are common. */
	const char *found = NULL;
	const char *key;
	json_t *val;
	json_object_foreach(js, key, val) {
		if (strcmp(key, "name") == 0 || strcmp(key, "timeout_ms") == 0)
			continue;
		const struct scn_step_def *d = scn_step_find(key);
		if (!d) {
			scn_push_key(v, key);
			char list[1024] = "";
			size_t n = 0;
			for (const struct scn_step_def *const *x = scn_step_defs; *x && n < sizeof list; x++)
				n += (size_t)snprintf(list + n, sizeof list - n, "%s%s",
						      x == scn_step_defs ? "" : ", ", (*x)->key);
			scn_fail(v, "unknown key \"%s\" (expected name, timeout_ms or one action: %s)",
				 key, list);
			scn_pop(v);
			return;
		}
		if (found) {
			scn_fail(v, "a step has exactly one action, this one has \"%s\" and \"%s\"",
				 found, key);
			return;
		}
		found = key;
		st->def = d;
	}
	if (!found) {
		scn_fail(v, "a step needs one action (see `hvsim list steps`)");
		return;
	}
	st->timeout_ms = SCN_DEFAULT_STEP_TIMEOUT_MS;
	scn_get_uint(v, js, "timeout_ms", 1, SCN_MAX_TIMEOUT_MS, false, &st->timeout_ms);
	if (!scn_get_string(v, js, "name", st->label, sizeof st->label, false))
		snprintf(st->label, sizeof st->label, "%s", found);
	st->args = calloc(1, st->def->args_size ? st->def->args_size : 1);
	if (!st->args) {
		scn_fail(v, "out of memory");
		return;
	}
	scn_push_key(v, found);
	st->def->parse(v, json_object_get(js, found), st->args);
	scn_pop(v);
}

static void parse_steps(struct scn_vctx *v, json_t *root, struct scenario *s)
{
	json_t *steps = json_object_get(root, "steps");
	if (!steps) {
		scn_fail(v, "missing required key \"steps\"");
		return;
	}
	scn_push_key(v, "steps");
	if (!json_is_array(steps)) {
		scn_fail(v, "must be an array, not %s", scn_json_kind(steps));
	} else if (json_array_size(steps) == 0) {
		scn_fail(v, "must hold at least one step");
	} else if (json_array_size(steps) > SCN_MAX_STEPS) {
		scn_fail(v, "%zu steps; at most %u", json_array_size(steps), SCN_MAX_STEPS);
	} else {
		s->steps = calloc(json_array_size(steps), sizeof *s->steps);
		s->nsteps_alloc = s->steps ? json_array_size(steps) : 0;
		if (!s->steps) {
			scn_fail(v, "out of memory");
		} else {
			size_t i;
			json_t *js;
			json_array_foreach(steps, i, js) {
				scn_push_index(v, i);
				parse_step(v, js, &s->steps[i]);
				scn_pop(v);
				if (v->failed)
					break;
				s->nsteps++;
			}
		}
	}
	scn_pop(v);
}

static struct scenario *parse_text(const char *name, const char *text, size_t len,
				   bool from_file, const struct scenario_load_opts *o, char *err,
				   size_t errlen)
{
	static const char *const keys[] = { "name", "description", "host", "guest",
					    "devices", "limits", "steps", NULL };
	struct scn_vctx v = { .file = name, .text = text, .len = len, .err = err, .errlen = errlen };
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
	v.s = s;
	char dir[sizeof s->path], cwd[PATH_MAX];
	if (from_file) {
		snprintf(dir, sizeof dir, "%s", name);
		char *slash = strrchr(dir, '/');
		if (slash)
			*slash = '\0';
		else
			snprintf(dir, sizeof dir, ".");
		v.dir = dir;
		v.image_root = o && o->image_root ? o->image_root : dir;
		if (getcwd(cwd, sizeof cwd))
			v.cwd = cwd;
		else
			scn_fail(&v, "cannot read the working directory: %s", strerror(errno));
	}
	if (v.failed) {
		/* reported */
	} else if (!json_is_object(root)) {
		scn_fail(&v, "the top level must be an object, not %s", scn_json_kind(root));
	} else if (scn_max_depth(root, 0) > SCN_MAX_DEPTH) {
		scn_fail(&v, "nested deeper than %u levels", SCN_MAX_DEPTH);
	} else if (scn_check_keys(&v, root, keys)) {
		scn_get_string(&v, root, "name", s->name, sizeof s->name, false);
		scn_get_string(&v, root, "description", s->description, sizeof s->description, false);
		parse_host(&v, root, s);
		parse_guest(&v, root, s);
		parse_devices(&v, root, s);
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

struct scenario *scenario_parse(const char *name, const char *text, size_t len,
				char *err, size_t errlen)
{
	return parse_text(name, text, len, false, NULL, err, errlen);
}

struct scenario *scenario_load(const char *path, char *err, size_t errlen)
{
	return scenario_load_with(path, NULL, err, errlen);
}

struct scenario *scenario_load_with(const char *path, const struct scenario_load_opts *o,
				    char *err, size_t errlen)
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
	struct scenario *s = parse_text(path, buf, n, true, o, err, errlen);
	free(buf);
	return s;
}

void scenario_free(struct scenario *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nsteps_alloc; i++) {
		struct scn_step *st = &s->steps[i];
		if (st->def && st->def->free_args && st->args)
			st->def->free_args(st->args);
		free(st->args);
	}
	free(s->steps);
	free(s);
}
