/* step_host.c -- steps that act on the host or watch it: "host" runs one
 * host command (the same commands as `hvsim ctl`), "host_expect" polls a
 * command until fields of its reply match, within a guest-time limit. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "sim/devices/devspec.h"
#include "sim/devices/hostcmd.h"
#include "sim/guest/guest_actions.h"
#include "sim/runner/run_var.h"
#include "sim/runner/scn_step.h"
#include "sim/runner/session.h"

#define HOST_POLL_MS        10u
#define HOST_MAX_WITHIN_MS  (3600u * 1000u)
#define HOST_MAX_FIELDS     16u

struct scn_host {
	json_t *req;            /* the command object as written */
	json_t *fields;         /* host_expect: {"field": value, ...} */
	uint64_t within_ms;     /* host_expect */
	char     expect_error[256]; /* host: must fail with a reason containing this */
};

/* Paths in host commands follow the scenario's rules, not the control
 * socket's (which wants absolute paths from a trusted operator): an image
 * ("scsi.add") is taken from the scenario's directory and must stay under
 * the image root; what the run writes ("capture.start" dir, "nic.add"
 * pcap) stays below the working directory. */
static void fix_paths(struct scn_vctx *v, json_t *req)
{
	static const char *const out_keys[] = { "dir", "pcap", NULL };
	char abs[DEVSPEC_PATH_MAX];
	for (const char *const *k = out_keys; *k; k++) {
		json_t *p = json_object_get(req, *k);
		if (!json_is_string(p))
			continue;
		scn_push_key(v, *k);
		if (scn_out_path(v, json_string_value(p), abs, sizeof abs))
			json_object_set_new(req, *k, json_string(abs));
		scn_pop(v);
	}
	json_t *img = json_object_get(req, "image");
	if (json_is_string(img)) {
		json_t *sec = json_object_get(req, "sector");
		json_int_t sector = json_is_integer(sec) ? json_integer_value(sec) : 512;
		if (sector != 512 && sector != 4096)
			sector = 512; /* the command refuses it; the file check needs a size */
		scn_push_key(v, "image");
		if (scn_image_path(v, json_string_value(img), (uint32_t)sector,
				   json_is_true(json_object_get(req, "read_only")), abs, sizeof abs))
			json_object_set_new(req, "image", json_string(abs));
		scn_pop(v);
	}
}

/* The command must exist and take these keys: checked before anything runs. */
static void parse_cmd(struct scn_vctx *v, json_t *body, const char *const *extra,
		      struct scn_host *h)
{
	json_t *cmd = json_object_get(body, "cmd");
	if (!cmd) {
		scn_fail(v, "missing required key \"cmd\" (a host command; `hvsim ctl help` lists them)");
		return;
	}
	scn_push_key(v, "cmd");
	const struct hostcmd_def *d = json_is_string(cmd) ? hostcmd_find(json_string_value(cmd))
							  : NULL;
	if (!json_is_string(cmd))
		scn_fail(v, "must be a string, not %s", scn_json_kind(cmd));
	else if (!d)
		scn_fail(v, "unknown host command \"%s\" (`hvsim ctl help` lists them)",
			 json_string_value(cmd));
	scn_pop(v);
	if (!d)
		return;
	const char *key;
	json_t *val;
	json_object_foreach(body, key, val) {
		bool ok = strcmp(key, "cmd") == 0;
		for (const char *const *k = d->keys; !ok && k && *k; k++)
			ok = strcmp(*k, key) == 0;
		for (const char *const *k = extra; !ok && k && *k; k++)
			ok = strcmp(*k, key) == 0;
		if (!ok) {
			scn_push_key(v, key);
			scn_fail(v, "unknown key \"%s\" (%s takes: %s)", key, d->name,
				 d->args[0] ? d->args : "nothing");
			scn_pop(v);
			return;
		}
	}
	/* A hot-added NIC is a unit later steps may name. */
	if (strcmp(d->name, "nic.add") == 0)
		v->s->hot_nics++;
	h->req = json_deep_copy(body);
	for (const char *const *k = extra; h->req && k && *k; k++)
		json_object_del(h->req, *k);
	if (!h->req)
		scn_fail(v, "out of memory");
	else
		fix_paths(v, h->req);
}

static void parse_host(struct scn_vctx *v, json_t *body, void *args)
{
	if (!json_is_object(body)) {
		scn_fail(v, "must be an object, not %s", scn_json_kind(body));
		return;
	}
	static const char *const extra[] = { "expect_error", NULL };
	struct scn_host *h = args;
	parse_cmd(v, body, extra, h);
	if (!v->failed)
		scn_get_string(v, body, "expect_error", h->expect_error, sizeof h->expect_error,
			       false);
}

static void parse_host_expect(struct scn_vctx *v, json_t *body, void *args)
{
	static const char *const extra[] = { "fields", "within_ms", NULL };
	struct scn_host *h = args;
	if (!json_is_object(body)) {
		scn_fail(v, "must be an object, not %s", scn_json_kind(body));
		return;
	}
	parse_cmd(v, body, extra, h);
	if (v->failed)
		return;
	h->within_ms = 0;
	scn_get_uint(v, body, "within_ms", 0, HOST_MAX_WITHIN_MS, false, &h->within_ms);
	json_t *f = scn_want_object(v, body, "fields", true);
	if (!f)
		return;
	if (json_object_size(f) == 0 || json_object_size(f) > HOST_MAX_FIELDS) {
		scn_push_key(v, "fields");
		scn_fail(v, "name 1..%u reply fields and the values they must have", HOST_MAX_FIELDS);
		scn_pop(v);
		return;
	}
	h->fields = json_deep_copy(f);
}

static void free_host(void *args)
{
	struct scn_host *h = args;
	json_decref(h->req);
	json_decref(h->fields);
}

static json_t *ask(struct run_state *st, json_t *req)
{
	char err[256];
	json_t *r = session_host_cmd(st->ss, req, err, sizeof err);
	if (!r)
		run_fail(st, "%s", err);
	return r;
}

static int reply_error(struct run_state *st, json_t *r)
{
	const char *e = json_string_value(json_object_get(r, "error"));
	return run_fail(st, "host: %s", e ? e : "failed");
}

static int do_host(struct run_state *st, const void *args)
{
	const struct scn_host *h = args;
	json_t *r = ask(st, h->req);
	if (!r)
		return -1;
	bool ok = json_is_true(json_object_get(r, "ok"));
	if (h->expect_error[0]) {
		const char *e = json_string_value(json_object_get(r, "error"));
		int erc = ok ? run_fail(st, "host: expected an error with \"%s\", the command "
					"succeeded", h->expect_error)
			: e && strstr(e, h->expect_error) ? 0
			: run_fail(st, "host: expected an error with \"%s\", got \"%s\"",
				   h->expect_error, e ? e : "");
		if (erc == 0)
			run_info(st, "host refused as expected: %s", e);
		json_decref(r);
		return erc;
	}
	int rc = ok ? 0 : reply_error(st, r);
	if (rc == 0 && st->o->session.verbose) {
		char *text = json_dumps(r, JSON_COMPACT);
		if (text)
			run_info(st, "host: %s", text);
		free(text);
	}
	json_decref(r);
	return rc;
}

/* The first field that differs, described in 'why'; NULL when all match. */
static const char *mismatch(json_t *fields, json_t *reply, char *why, size_t cap)
{
	const char *key;
	json_t *want;
	json_object_foreach(fields, key, want) {
		json_t *got = json_object_get(reply, key);
		if (got && json_equal(got, want))
			continue;
		char *w = json_dumps(want, JSON_ENCODE_ANY | JSON_COMPACT);
		char *g = got ? json_dumps(got, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
		snprintf(why, cap, "%s: expected %s, found %s", key, w ? w : "?",
			 g ? g : "(no such field)");
		free(w);
		free(g);
		return key;
	}
	return NULL;
}

static int do_host_expect(struct run_state *st, const void *args)
{
	const struct scn_host *h = args;
	uint64_t waited = 0;
	for (;;) {
		json_t *r = ask(st, h->req);
		if (!r)
			return -1;
		char why[512];
		bool match;
		if (!json_is_true(json_object_get(r, "ok"))) {
			/* Not ready yet counts as not matching: the wait covers it. */
			const char *e = json_string_value(json_object_get(r, "error"));
			snprintf(why, sizeof why, "host: %s", e ? e : "failed");
			match = false;
		} else {
			match = mismatch(h->fields, r, why, sizeof why) == NULL;
		}
		json_decref(r);
		if (match)
			return 0;
		if (waited >= h->within_ms)
			return run_fail(st, "%s%s", why, h->within_ms ? " (after the wait)" : "");
		/* Guest time passes while we poll: virtual in inproc. */
		int rc = gk_guest_sleep(session_runtime(st->ss), HOST_POLL_MS * 1000000ull);
		if (rc)
			return run_fail(st, "while waiting: %s", run_why_errno(rc));
		waited += HOST_POLL_MS;
	}
}

const struct scn_step_def scn_step_host = {
	.key = "host",
	.summary = "run a host command: {\"cmd\": \"kvp.set\", \"pool\": 0, ...} (`hvsim ctl help`)",
	.args_size = sizeof(struct scn_host),
	.parse = parse_host,
	.run = do_host,
	.free_args = free_host,
};

const struct scn_step_def scn_step_host_expect = {
	.key = "host_expect",
	.summary = "poll a host command until reply fields match: {\"cmd\", \"fields\", \"within_ms\"}",
	.args_size = sizeof(struct scn_host),
	.parse = parse_host_expect,
	.run = do_host_expect,
	.free_args = free_host,
};
