/* run.c -- execute a scenario's steps on a session: one line per step with
 * a mark, guest (virtual in inproc) time and wall time, then a summary. */
#include "sim/runner/run.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>

#include "sim/guest/guest_actions.h"
#include "sim/guest/guest_disk.h"
#include "sim/guest/guest_ic.h"
#include "sim/guest/guest_net.h"
#include "sim/guest/guest_vmbus.h"
#include "sim/runner/run_var.h"
#include "sim/runner/scenario.h"
#include "sim/runner/scn_step.h"

static double wall_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int run_fail(struct run_state *st, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(st->why, sizeof st->why, fmt, ap);
	va_end(ap);
	return -1;
}

void run_info(struct run_state *st, const char *fmt, ...)
{
	if (st->o->quiet)
		return;
	fputs("      ", st->o->out);
	va_list ap;
	va_start(ap, fmt);
	vfprintf(st->o->out, fmt, ap);
	va_end(ap);
	fputc('\n', st->o->out);
}

const char *run_why_errno(int rc)
{
	if (rc == -ENODEV)
		return "the host went away (hvsim-hostd died or closed the connection)";
	return strerror(-rc);
}

int run_need_guest(struct run_state *st, const char *what)
{
	if (st->guest_down)
		return run_fail(st, "%s: the guest has shut down", what);
	if (!st->booted)
		return run_fail(st, "%s: the guest has not booted (no boot step, or no Hyper-V)", what);
	return 0;
}

int run_need_os(struct run_state *st, const char *what)
{
	if (st->guest_down)
		return run_fail(st, "%s: the guest has shut down", what);
	if (!st->os_up)
		return run_fail(st, "%s: the guest has not booted (no boot step)", what);
	return 0;
}

void run_on_guest_shutdown(void *arg, uint32_t flags, uint32_t reason)
{
	struct run_state *st = arg;
	(void)reason;
	__atomic_store_n(&st->shutdown_flags, flags, __ATOMIC_RELAXED);
	__atomic_store_n(&st->shutdown_requested, 1, __ATOMIC_RELEASE);
}

int run_guest_shutdown_in_order(struct run_state *st)
{
	if (st->guest_down)
		return 0;
	struct gk_runtime *rt = session_runtime(st->ss);
	int rc = 0;
	gk_guest_ic_on_shutdown(NULL, NULL);
	if (st->vmbus_up && (rc = gk_guest_vmbus_disconnect(rt)) != 0)
		run_fail(st, "shutdown: VMBus disconnect: %s", run_why_errno(rc));
	if (st->ics_started && rc == 0 && (rc = gk_guest_ic_stop(rt)) != 0)
		run_fail(st, "shutdown: stopping the ICs: %s", run_why_errno(rc));
	if (st->net_started && rc == 0 && (rc = gk_guest_net_stop(rt)) != 0)
		run_fail(st, "shutdown: stopping hn: %s", run_why_errno(rc));
	if (st->disks_started && rc == 0 && (rc = gk_guest_disk_stop(rt)) != 0)
		run_fail(st, "shutdown: stopping the disk drivers: %s", run_why_errno(rc));
	if (st->booted && rc == 0 && (rc = gk_guest_shutdown(rt)) != 0)
		run_fail(st, "shutdown: platform: %s", run_why_errno(rc));
	st->guest_down = true;
	uint32_t f = __atomic_load_n(&st->shutdown_flags, __ATOMIC_RELAXED);
	run_info(st, "guest: %s%s in order (drivers detached, channels closed, UNLOAD)%s",
		 f & 2 ? "rebooting" : f & 4 ? "hibernating" : "shut down",
		 f & 1 ? " (forced)" : "", rc ? ": FAILED" : "");
	return rc ? -1 : 0;
}

/* List the protocol checker's findings; a violation fails the run unless
 * the scenario asked only for a report. */
static int run_checker_verdict(struct run_state *st)
{
	if (st->s->checker == SCN_CHECKER_OFF || !st->vmbus_up || st->host_lost)
		return 0;
	json_t *req = json_pack("{s:s}", "cmd", "check.findings");
	char err[256];
	json_t *r = req ? session_host_cmd(st->ss, req, err, sizeof err) : NULL;
	json_decref(req);
	if (!r || !json_is_true(json_object_get(r, "ok"))) {
		json_decref(r);
		return 0; /* the host is gone: the run already says so */
	}
	json_int_t violations = json_integer_value(json_object_get(r, "violations"));
	json_t *list = json_object_get(r, "findings");
	size_t i;
	json_t *f;
	json_array_foreach(list, i, f) {
		bool hint = json_is_true(json_object_get(f, "hint"));
		if (hint && !st->o->session.verbose)
			continue;
		fprintf(st->o->out, "  %s %s relid %" JSON_INTEGER_FORMAT " x%" JSON_INTEGER_FORMAT
			": %s\n", hint ? "hint" : "CHECK",
			json_string_value(json_object_get(f, "code")),
			json_integer_value(json_object_get(f, "relid")),
			json_integer_value(json_object_get(f, "count")),
			json_string_value(json_object_get(f, "why")));
	}
	json_decref(r);
	if (violations && st->s->checker == SCN_CHECKER_ENFORCE)
		return run_fail(st, "the protocol checker found %" JSON_INTEGER_FORMAT
				" violation%s (docs/checker.md)", violations, violations == 1 ? "" : "s");
	return 0;
}

static int do_step(struct run_state *st, const struct scn_step *step)
{
	return step->def->run(st, step->args);
}

static const char *mark(const struct run_opts *o, bool ok)
{
	if (o->color)
		return ok ? "\033[32mok  \033[0m" : "\033[1;31mFAIL\033[0m";
	return ok ? "ok  " : "FAIL";
}

enum run_verdict run_scenario(const struct scenario *s, const struct run_opts *o,
			      struct run_result *res)
{
	struct run_state st = { .s = s, .o = o };
	memset(res, 0, sizeof *res);
	const char *mode = o->session.mode == RUN_INPROC ? "inproc" : "split";
	double w0 = wall_now();

	if (!o->quiet)
		fprintf(o->out, "%s: profile %s, %" PRIu32 " vCPU%s, %" PRIu64 " MiB, %s, seed %" PRIu64 "\n",
			s->path, s->profile, s->vcpus, s->vcpus == 1 ? "" : "s", s->memory_mb, mode,
			o->session.seed);
	char err[512];
	st.ss = session_open(&o->session, s, err, sizeof err);
	if (!st.ss) {
		snprintf(res->reason, sizeof res->reason, "%s", err);
		fprintf(o->out, "%s %s: %s\n", mark(o, false), s->path, err);
		res->verdict = RUN_FAIL;
		return res->verdict;
	}
	res->verdict = RUN_PASS;
	if (run_capture_start(&st) != 0) {
		snprintf(res->reason, sizeof res->reason, "%s", st.why);
		fprintf(o->out, "%s %s: %s\n", mark(o, false), s->path, st.why);
		session_close(st.ss);
		res->verdict = RUN_FAIL;
		return res->verdict;
	}
	st.capturing = o->capture_dir != NULL;
	uint64_t v_start = session_now_ns(st.ss);
	for (size_t i = 0; i < s->nsteps; i++) {
		const struct scn_step *step = &s->steps[i];
		double sw0 = wall_now();
		uint64_t sv0 = session_now_ns(st.ss);
		st.why[0] = '\0';
		res->step_now = (unsigned)i + 1;
		int rc = do_step(&st, step);
		/* The guest accepted a shutdown request during the step: it goes
		 * down now, as its OS would, whatever the scenario does next. */
		if (rc == 0 && !st.guest_down &&
		    __atomic_load_n(&st.shutdown_requested, __ATOMIC_ACQUIRE))
			rc = run_guest_shutdown_in_order(&st);
		uint64_t sv1 = session_now_ns(st.ss);
		double virt = (double)(sv1 - sv0) / 1e9;
		if (rc == 0 && sv1 - sv0 > step->timeout_ms * 1000000ull)
			rc = run_fail(&st, "took %.3f s of guest time; the limit is %.3f s", virt,
				       (double)step->timeout_ms / 1000);
		if (rc == 0 && sv1 - v_start > s->time_limit_ms * 1000000ull)
			rc = run_fail(&st, "the run passed its time limit of %.3f s",
				       (double)s->time_limit_ms / 1000);
		res->steps_run++;
		if (!o->quiet || rc != 0)
			fprintf(o->out, "  %s %-28s %9.6f s guest %9.3f ms wall  (line %u)\n",
				mark(o, rc == 0), step->label, virt, (wall_now() - sw0) * 1e3,
				step->line);
		if (rc != 0) {
			fprintf(o->out, "       %s\n", st.why);
			snprintf(res->reason, sizeof res->reason, "step %zu (%s, line %u): %s", i + 1,
				 step->label, step->line, st.why);
			res->verdict = RUN_FAIL;
			break;
		}
		res->steps_passed++;
	}
	res->step_now = (unsigned)s->nsteps + 1; /* the shutdown below */
	res->virt_s = (double)(session_now_ns(st.ss) - v_start) / 1e9;
	gk_guest_ic_on_shutdown(NULL, NULL);
	/* Orderly guest shutdown: drivers detach, channels close, UNLOAD. */
	if (st.vmbus_up && !st.guest_down)
		gk_guest_vmbus_disconnect(session_runtime(st.ss));
	if (st.ics_started && !st.guest_down)
		gk_guest_ic_stop(session_runtime(st.ss));
	if (st.net_started && !st.guest_down)
		gk_guest_net_stop(session_runtime(st.ss));
	if (st.disks_started && !st.guest_down)
		gk_guest_disk_stop(session_runtime(st.ss));
	if (st.booted && !st.guest_down)
		gk_guest_shutdown(session_runtime(st.ss));
	/* After the guest let go of everything: leaks at close and UNLOAD
	 * show now. */
	if (run_checker_verdict(&st) != 0 && res->verdict == RUN_PASS) {
		snprintf(res->reason, sizeof res->reason, "%s", st.why);
		res->verdict = RUN_FAIL;
	}
	run_capture_stop(&st);
	session_close(st.ss);
	res->step_now = 0;
	res->wall_s = wall_now() - w0;
	fprintf(o->out, "%s %s: %u/%zu steps, %.3f s guest, %.3f s wall\n",
		res->verdict == RUN_PASS ? (o->color ? "\033[32mPASS\033[0m" : "PASS")
					 : (o->color ? "\033[1;31mFAIL\033[0m" : "FAIL"),
		s->path, res->steps_passed, s->nsteps, res->virt_s, res->wall_s);
	return res->verdict;
}
