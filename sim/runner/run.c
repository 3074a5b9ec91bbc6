/* run.c -- execute a scenario's steps on a session: one line per step with
 * a mark, guest (virtual in inproc) time and wall time, then a summary. */
#include "sim/runner/run.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>

#include "sim/guest/guest_actions.h"
#include "sim/guest/guest_ic.h"
#include "sim/guest/guest_vmbus.h"
#include "sim/runner/scenario.h"

struct run_state {
	const struct scenario *s;
	const struct run_opts *o;
	struct session        *ss;
	struct gk_boot_report  boot;
	bool                   booted;
	struct gk_vmbus_report vmbus;
	bool                   ics_started, vmbus_up;
	char                   why[512];
};

static double wall_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

__attribute__((format(printf, 2, 3)))
static int step_fail(struct run_state *st, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(st->why, sizeof st->why, fmt, ap);
	va_end(ap);
	return -1;
}

static void print_boot(struct run_state *st)
{
	const struct gk_boot_report *r = &st->boot;
	FILE *f = st->o->out;
	if (st->o->quiet)
		return;
	if (!r->hypervisor_bit) {
		fprintf(f, "      hypervisor: none (CPUID.1:ECX[31] clear)\n");
	} else if (!r->hyperv) {
		fprintf(f, "      hypervisor: \"%s\", not Hyper-V: no synthetic drivers start\n",
			r->vendor);
	} else {
		fprintf(f, "      hypervisor: Microsoft Hv (Hv#1), build %" PRIu32 ", version %u.%u, "
			"privileges eax=%#" PRIx32 " ebx=%#" PRIx32 "\n",
			r->build, r->ver_major, r->ver_minor, r->features_eax, r->features_ebx);
		fprintf(f, "      guest OS id %#" PRIx64 ", hypercall page %s\n", r->guest_os_id,
			r->hypercall_page ? "enabled" : "off");
		for (uint32_t i = 0; i < r->ncpus; i++)
			fprintf(f, "      vp%" PRIu32 ": SynIC %s, SIMP %#" PRIx64 ", SIEFP %#" PRIx64
				", SINT2 vector %#x\n", r->cpu[i].vp_index,
				r->cpu[i].synic ? "on" : "OFF", r->cpu[i].simp_gpa,
				r->cpu[i].siefp_gpa, r->cpu[i].vector);
	}
	if (r->tsc_hz)
		fprintf(f, "      clock: %s, TSC %" PRIu64 " Hz (from HV_MSR_TSC_FREQUENCY)\n",
			r->clock, r->tsc_hz);
	else
		fprintf(f, "      clock: %s\n", r->clock);
}

static const char *why_errno(int rc)
{
	if (rc == -ENODEV)
		return "the host went away (hvsim-hostd died or closed the connection)";
	return strerror(-rc);
}

static void print_vmbus(struct run_state *st)
{
	const struct gk_vmbus_report *r = &st->vmbus;
	FILE *f = st->o->out;
	if (st->o->quiet)
		return;
	fprintf(f, "      vmbus: version %s, message connection %" PRIu32 ", %" PRIu32 " offer%s\n",
		r->version_str, r->msg_conn_id, r->noffers, r->noffers == 1 ? "" : "s");
	for (uint32_t i = 0; i < r->noffers && i < GK_VMBUS_MAX_OFFERS; i++) {
		const struct gk_vmbus_offer *o = &r->offer[i];
		fprintf(f, "      relid %-3" PRIu32 " class %s sub %u conn %#" PRIx32 "%s -> %s\n",
			o->relid, o->class_id, o->subidx, o->conn_id, o->monitor ? " monitor" : "",
			o->driver[0] ? o->driver : "(no driver)");
	}
}

static int boot_vmbus(struct run_state *st, const struct scn_boot *b)
{
	struct gk_runtime *rt = session_runtime(st->ss);
	struct gk_ic_config icc = { .kvp_timeout_ns = 0 };
	int rc = gk_guest_ic_start(rt, &icc);
	if (rc != 0)
		return step_fail(st, "cannot register the IC drivers: %s", why_errno(rc));
	st->ics_started = true;
	rc = gk_guest_vmbus_connect(rt, b->vmbus_max_version, b->force_hypercall, &st->vmbus);
	if (rc != 0)
		return step_fail(st, "VMBus connect could not run: %s", why_errno(rc));
	if (st->vmbus.status != 0)
		return step_fail(st, "VMBus connect failed: %s", why_errno(st->vmbus.status));
	st->vmbus_up = true;
	print_vmbus(st);
	return 0;
}

static int do_boot(struct run_state *st, const struct scn_boot *b)
{
	int rc = gk_guest_boot(session_runtime(st->ss), &st->boot);
	if (rc != 0)
		return step_fail(st, "the guest could not run: %s", why_errno(rc));
	if (st->boot.status != 0 && st->boot.status != -ENODEV)
		return step_fail(st, "platform set-up failed: %s", why_errno(st->boot.status));
	st->booted = st->boot.status == 0;
	print_boot(st);
	/* As a real OS does: synthetic buses only once Hyper-V was detected. */
	if (st->booted && b->vmbus)
		return boot_vmbus(st, b);
	return 0;
}

static int expect_attached(struct run_state *st, const struct scn_expect *e)
{
	char found[512] = "";
	size_t n = 0;
	uint32_t k = 0;
	bool same = true;
	for (uint32_t i = 0; i < st->vmbus.noffers && i < GK_VMBUS_MAX_OFFERS; i++) {
		const char *unit = st->vmbus.offer[i].driver;
		if (!unit[0] || st->vmbus.offer[i].subidx != 0)
			continue;
		if (k >= e->nattached || strcmp(unit, e->attached[k]) != 0)
			same = false;
		k++;
		if (n < sizeof found)
			n += (size_t)snprintf(found + n, sizeof found - n, "%s%s", n ? " " : "", unit);
	}
	if (same && k == e->nattached)
		return 0;
	char want[512] = "";
	n = 0;
	for (uint32_t i = 0; i < e->nattached && n < sizeof want; i++)
		n += (size_t)snprintf(want + n, sizeof want - n, "%s%s", i ? " " : "", e->attached[i]);
	return step_fail(st, "attached: expected [%s] in offer order, found [%s]", want, found);
}

static int do_expect(struct run_state *st, const struct scn_expect *e)
{
	const struct gk_boot_report *r = &st->boot;
	if (e->has_hyperv && r->hyperv != e->hyperv)
		return step_fail(st, "hyperv: expected %s, found %s", e->hyperv ? "true" : "false",
				 r->hyperv ? "true" : "false");
	if (e->has_vendor && strcmp(r->vendor, e->vendor) != 0)
		return step_fail(st, "vendor: expected \"%s\", found \"%s\"", e->vendor, r->vendor);
	if (e->has_clock && strcmp(r->clock, e->clock) != 0)
		return step_fail(st, "clock: expected \"%s\", found \"%s\"", e->clock, r->clock);
	if (e->has_vcpus && r->ncpus != e->vcpus)
		return step_fail(st, "vcpus: expected %" PRIu32 ", found %" PRIu32, e->vcpus,
				 r->ncpus);
	if (e->has_build && r->build != e->build)
		return step_fail(st, "build: expected %" PRIu32 ", found %" PRIu32, e->build,
				 r->build);
	if (e->has_tsc_hz && r->tsc_hz != e->tsc_hz)
		return step_fail(st, "tsc_hz: expected %" PRIu64 ", found %" PRIu64, e->tsc_hz,
				 r->tsc_hz);
	if (e->has_vmbus_version && st->vmbus.version != e->vmbus_version) {
		char want[12];
		gk_vmbus_version_str(e->vmbus_version, want, sizeof want);
		return step_fail(st, "vmbus_version: expected %s, found %s", want,
				 st->vmbus_up ? st->vmbus.version_str : "(not connected)");
	}
	if (e->has_attached && expect_attached(st, e) != 0)
		return -1;
	if (e->has_synic_all) {
		bool all = r->ncpus > 0;
		for (uint32_t i = 0; i < r->ncpus; i++)
			all = all && r->cpu[i].synic;
		if (all != e->synic_all)
			return step_fail(st, "synic_all_cpus: expected %s, found %s",
					 e->synic_all ? "true" : "false", all ? "true" : "false");
	}
	return 0;
}

static int do_step(struct run_state *st, const struct scn_step *step)
{
	switch (step->kind) {
	case SCN_STEP_BOOT:
		return do_boot(st, &step->u.boot);
	case SCN_STEP_EXPECT:
		return do_expect(st, &step->u.expect);
	case SCN_STEP_WAIT: {
		int rc = gk_guest_sleep(session_runtime(st->ss), step->u.wait.ms * 1000000ull);
		return rc ? step_fail(st, "wait: %s", why_errno(rc)) : 0;
	}
	}
	return step_fail(st, "unknown step kind");
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
	uint64_t v_start = session_now_ns(st.ss);
	for (size_t i = 0; i < s->nsteps; i++) {
		const struct scn_step *step = &s->steps[i];
		double sw0 = wall_now();
		uint64_t sv0 = session_now_ns(st.ss);
		st.why[0] = '\0';
		int rc = do_step(&st, step);
		uint64_t sv1 = session_now_ns(st.ss);
		double virt = (double)(sv1 - sv0) / 1e9;
		if (rc == 0 && sv1 - sv0 > step->timeout_ms * 1000000ull)
			rc = step_fail(&st, "took %.3f s of guest time; the limit is %.3f s", virt,
				       (double)step->timeout_ms / 1000);
		if (rc == 0 && sv1 - v_start > s->time_limit_ms * 1000000ull)
			rc = step_fail(&st, "the run passed its time limit of %.3f s",
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
	res->virt_s = (double)(session_now_ns(st.ss) - v_start) / 1e9;
	/* Orderly guest shutdown: drivers detach, channels close, UNLOAD. */
	if (st.vmbus_up)
		gk_guest_vmbus_disconnect(session_runtime(st.ss));
	if (st.ics_started)
		gk_guest_ic_stop(session_runtime(st.ss));
	if (st.booted)
		gk_guest_shutdown(session_runtime(st.ss));
	session_close(st.ss);
	res->wall_s = wall_now() - w0;
	fprintf(o->out, "%s %s: %u/%zu steps, %.3f s guest, %.3f s wall\n",
		res->verdict == RUN_PASS ? (o->color ? "\033[32mPASS\033[0m" : "PASS")
					 : (o->color ? "\033[1;31mFAIL\033[0m" : "FAIL"),
		s->path, res->steps_passed, s->nsteps, res->virt_s, res->wall_s);
	return res->verdict;
}
