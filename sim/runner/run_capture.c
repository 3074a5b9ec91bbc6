/* run_capture.c -- `hvsim run --capture DIR`: ask the host to capture the
 * run (host commands capture.start / capture.stop, so inproc and split
 * behave alike) into DIR, or DIR/<scenario>-seed<N> when one invocation
 * makes several runs. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "sim/runner/run_var.h"
#include "sim/runner/scenario.h"

/* The run's directory: the scenario name with anything but [A-Za-z0-9._-]
 * made '_', so a name cannot climb out of DIR. */
static void run_capture_path(const struct run_state *st, char *out, size_t cap)
{
	const struct run_opts *o = st->o;
	if (!o->capture_per_run) {
		snprintf(out, cap, "%s", o->capture_dir);
		return;
	}
	char name[sizeof st->s->name];
	size_t i;
	for (i = 0; st->s->name[i] && i + 1 < sizeof name; i++) {
		char c = st->s->name[i];
		bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || c == '-' || c == '_' || (c == '.' && i > 0);
		name[i] = keep ? c : '_';
	}
	name[i] = '\0';
	snprintf(out, cap, "%s/%s-seed%" PRIu64, o->capture_dir, i ? name : "run",
		 o->session.seed);
}

int run_capture_start(struct run_state *st)
{
	if (!st->o->capture_dir)
		return 0;
	char dir[4200];
	run_capture_path(st, dir, sizeof dir);
	json_t *req = json_pack("{s:s, s:s}", "cmd", "capture.start", "dir", dir);
	char err[256];
	json_t *r = req ? session_host_cmd(st->ss, req, err, sizeof err) : NULL;
	json_decref(req);
	if (!r)
		return run_fail(st, "capture: the host could not be asked: %s", err);
	int rc = 0;
	if (!json_is_true(json_object_get(r, "ok")))
		rc = run_fail(st, "%s", json_string_value(json_object_get(r, "error")));
	else
		run_info(st, "capture: %s", dir);
	json_decref(r);
	return rc;
}

void run_capture_stop(struct run_state *st)
{
	if (!st->o->capture_dir || !st->capturing)
		return;
	st->capturing = false;
	json_t *req = json_pack("{s:s}", "cmd", "capture.stop");
	char err[256];
	json_t *r = req ? session_host_cmd(st->ss, req, err, sizeof err) : NULL;
	json_decref(req);
	if (!r) {
		fprintf(st->o->out, "  capture: not stopped: %s\n", err);
		return;
	}
	json_t *stats = json_object_get(r, "stats");
	if (!json_is_true(json_object_get(r, "ok")))
		fprintf(st->o->out, "  capture: %s\n", json_string_value(json_object_get(r, "error")));
	else if (!st->o->quiet)
		fprintf(st->o->out, "  capture: %" JSON_INTEGER_FORMAT " VMBus records (%"
			JSON_INTEGER_FORMAT " messages, %" JSON_INTEGER_FORMAT " packets), %"
			JSON_INTEGER_FORMAT " NIC file%s\n",
			json_integer_value(json_object_get(stats, "records")),
			json_integer_value(json_object_get(stats, "messages")),
			json_integer_value(json_object_get(stats, "packets")),
			json_integer_value(json_object_get(stats, "nics")),
			json_integer_value(json_object_get(stats, "nics")) == 1 ? "" : "s");
	json_decref(r);
}
