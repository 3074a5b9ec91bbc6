/* step_platform.c -- the platform steps: boot (detect the hypervisor,
 * bring up SynIC and the clock, connect VMBus and attach drivers), expect
 * (check what boot found) and wait (let guest time pass). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "sim/guest/guest_actions.h"
#include "sim/guest/guest_disk.h"
#include "sim/guest/guest_ic.h"
#include "sim/guest/guest_net.h"
#include "sim/guest/guest_vmbus.h"
#include "sim/runner/run_var.h"
#include "sim/runner/scn_step.h"
#include "sim/runner/session.h"
#include "sim/runner/step_platform.h"

#define SCN_MAX_WAIT_MS (24ull * 3600 * 1000)

static void parse_boot(struct scn_vctx *v, json_t *body, void *args)
{
	static const char *const keys[] = { "vmbus", "vmbus_max_version", "force_hypercall", NULL };
	struct scn_boot *b = args;
	b->vmbus = true;
	if (!scn_body(v, body, keys))
		return;
	scn_get_bool(v, body, "vmbus", &b->vmbus);
	scn_get_bool(v, body, "force_hypercall", &b->force_hypercall);
	scn_get_version(v, body, "vmbus_max_version", &b->vmbus_max_version);
}

static void parse_expect(struct scn_vctx *v, json_t *body, void *args)
{
	struct scn_expect *e = args;
	static const char *const keys[] = { "hyperv", "vendor", "clock", "synic_all_cpus",
					    "vcpus", "build", "tsc_hz", "vmbus_version",
					    "attached", NULL };
	if (!scn_body(v, body, keys))
		return;
	uint64_t x;
	e->has_hyperv = scn_get_bool(v, body, "hyperv", &e->hyperv);
	e->has_synic_all = scn_get_bool(v, body, "synic_all_cpus", &e->synic_all);
	e->has_vendor = scn_get_string(v, body, "vendor", e->vendor, sizeof e->vendor, false);
	e->has_clock = scn_get_string(v, body, "clock", e->clock, sizeof e->clock, false);
	if ((e->has_vcpus = scn_get_uint(v, body, "vcpus", 1, SCN_MAX_VCPUS, false, &x)))
		e->vcpus = (uint32_t)x;
	if ((e->has_build = scn_get_uint(v, body, "build", 0, UINT32_MAX, false, &x)))
		e->build = (uint32_t)x;
	e->has_tsc_hz = scn_get_uint(v, body, "tsc_hz", 0, UINT64_MAX >> 1, false, &e->tsc_hz);
	e->has_vmbus_version = scn_get_version(v, body, "vmbus_version", &e->vmbus_version);
	json_t *att = json_object_get(body, "attached");
	if (att) {
		scn_push_key(v, "attached");
		if (!json_is_array(att)) {
			scn_fail(v, "must be an array of unit names, not %s", scn_json_kind(att));
		} else if (json_array_size(att) > SCN_MAX_ATTACHED) {
			scn_fail(v, "at most %u units", SCN_MAX_ATTACHED);
		} else {
			size_t i;
			json_t *u;
			json_array_foreach(att, i, u) {
				scn_push_index(v, i);
				if (!json_is_string(u) || json_string_length(u) == 0 ||
				    json_string_length(u) >= sizeof e->attached[0] ||
				    strlen(json_string_value(u)) != json_string_length(u))
					scn_fail(v, "must be a unit name such as \"kvp0\" (1..%zu bytes)",
					     sizeof e->attached[0] - 1);
				else
					strcpy(e->attached[e->nattached++], json_string_value(u));
				scn_pop(v);
			}
			e->has_attached = !v->failed;
		}
		scn_pop(v);
	}
	if (!v->failed && !(e->has_hyperv || e->has_synic_all || e->has_vendor ||
			    e->has_clock || e->has_vcpus || e->has_build || e->has_tsc_hz ||
			    e->has_vmbus_version || e->has_attached))
		scn_fail(v, "an expect step must check something");
}

static void parse_wait(struct scn_vctx *v, json_t *body, void *args)
{
	static const char *const keys[] = { "ms", NULL };
	struct scn_wait *w = args;
	if (scn_body(v, body, keys))
		scn_get_uint(v, body, "ms", 1, SCN_MAX_WAIT_MS, true, &w->ms);
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
	gk_guest_ic_on_shutdown(run_on_guest_shutdown, st);
	int rc = gk_guest_ic_start(rt, &icc);
	if (rc != 0)
		return run_fail(st, "cannot register the IC drivers: %s", run_why_errno(rc));
	st->ics_started = true;
	if (st->s->dev.nnics) {
		/* Registered before the bus comes up, so NICs attach in offer order. */
		struct gk_net_config nc = { .max_nvsp = 0 };
		rc = gk_guest_net_start(rt, &nc);
		if (rc != 0)
			return run_fail(st, "cannot register the hn driver: %s", run_why_errno(rc));
		st->net_started = true;
	}
	if (st->s->dev.scsi) {
		struct gk_disk_config dc = { .storvsc = true };
		rc = gk_guest_disk_start(rt, &dc);
		if (rc != 0)
			return run_fail(st, "cannot register the storvsc driver: %s", run_why_errno(rc));
		st->disks_started = true;
	}
	rc = gk_guest_vmbus_connect(rt, b->vmbus_max_version, b->force_hypercall, &st->vmbus);
	if (rc != 0)
		return run_fail(st, "VMBus connect could not run: %s", run_why_errno(rc));
	if (st->vmbus.status != 0)
		return run_fail(st, "VMBus connect failed: %s", run_why_errno(st->vmbus.status));
	st->vmbus_up = true;
	print_vmbus(st);
	return 0;
}

static int boot_ata(struct run_state *st)
{
	int result, rc = gk_guest_disk_probe_ata(session_runtime(st->ss), &result);
	if (rc != 0)
		return run_fail(st, "the ata probe could not run: %s", run_why_errno(rc));
	st->disks_started = true;
	if (result == -EBUSY)
		run_info(st, "ata: the disk belongs to another driver (driver-priority.conf): "
			 "ata stays detached");
	else if (result != 0)
		run_info(st, "ata: no disk attached: %s", strerror(-result));
	else
		run_info(st, "ata: ada0 attached");
	return 0;
}

static int do_boot(struct run_state *st, const void *args)
{
	const struct scn_boot *b = args;
	int rc = gk_guest_boot(session_runtime(st->ss), &st->boot);
	if (rc != 0)
		return run_fail(st, "the guest could not run: %s", run_why_errno(rc));
	if (st->boot.status != 0 && st->boot.status != -ENODEV)
		return run_fail(st, "platform set-up failed: %s", run_why_errno(st->boot.status));
	st->booted = st->boot.status == 0;
	st->os_up = true;
	print_boot(st);
	/* As a real OS does: synthetic buses only once Hyper-V was detected. */
	if (st->booted && b->vmbus && boot_vmbus(st, b) != 0)
		return -1;
	/* The emulated disk is probed after the synthetic buses had their
	 * chance; the priority table decides who owns it. */
	return st->s->dev.ata ? boot_ata(st) : 0;
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
	return run_fail(st, "attached: expected [%s] in offer order, found [%s]", want, found);
}

static int do_expect(struct run_state *st, const void *args)
{
	const struct scn_expect *e = args;
	const struct gk_boot_report *r = &st->boot;
	if (e->has_hyperv && r->hyperv != e->hyperv)
		return run_fail(st, "hyperv: expected %s, found %s", e->hyperv ? "true" : "false",
				 r->hyperv ? "true" : "false");
	if (e->has_vendor && strcmp(r->vendor, e->vendor) != 0)
		return run_fail(st, "vendor: expected \"%s\", found \"%s\"", e->vendor, r->vendor);
	if (e->has_clock && strcmp(r->clock, e->clock) != 0)
		return run_fail(st, "clock: expected \"%s\", found \"%s\"", e->clock, r->clock);
	if (e->has_vcpus && r->ncpus != e->vcpus)
		return run_fail(st, "vcpus: expected %" PRIu32 ", found %" PRIu32, e->vcpus,
				 r->ncpus);
	if (e->has_build && r->build != e->build)
		return run_fail(st, "build: expected %" PRIu32 ", found %" PRIu32, e->build,
				 r->build);
	if (e->has_tsc_hz && r->tsc_hz != e->tsc_hz)
		return run_fail(st, "tsc_hz: expected %" PRIu64 ", found %" PRIu64, e->tsc_hz,
				 r->tsc_hz);
	if (e->has_vmbus_version && st->vmbus.version != e->vmbus_version) {
		char want[12];
		gk_vmbus_version_str(e->vmbus_version, want, sizeof want);
		return run_fail(st, "vmbus_version: expected %s, found %s", want,
				 st->vmbus_up ? st->vmbus.version_str : "(not connected)");
	}
	if (e->has_attached && expect_attached(st, e) != 0)
		return -1;
	if (e->has_synic_all) {
		bool all = r->ncpus > 0;
		for (uint32_t i = 0; i < r->ncpus; i++)
			all = all && r->cpu[i].synic;
		if (all != e->synic_all)
			return run_fail(st, "synic_all_cpus: expected %s, found %s",
					 e->synic_all ? "true" : "false", all ? "true" : "false");
	}
	return 0;
}

static int do_wait(struct run_state *st, const void *args)
{
	const struct scn_wait *w = args;
	int rc = gk_guest_sleep(session_runtime(st->ss), w->ms * 1000000ull);
	return rc ? run_fail(st, "wait: %s", run_why_errno(rc)) : 0;
}

const struct scn_step_def scn_step_boot = {
	.key = "boot",
	.summary = "detect the hypervisor, set up SynIC and the clock, connect VMBus, attach drivers",
	.args_size = sizeof(struct scn_boot),
	.parse = parse_boot,
	.run = do_boot,
};

const struct scn_step_def scn_step_expect = {
	.key = "expect",
	.summary = "check what boot found: hyperv, vendor, clock, vcpus, build, vmbus_version, attached",
	.args_size = sizeof(struct scn_expect),
	.parse = parse_expect,
	.run = do_expect,
};

const struct scn_step_def scn_step_wait = {
	.key = "wait",
	.summary = "let guest time pass (ms)",
	.args_size = sizeof(struct scn_wait),
	.parse = parse_wait,
	.run = do_wait,
};
