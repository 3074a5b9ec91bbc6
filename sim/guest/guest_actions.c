/* guest_actions.c -- the runner's requests, carried out in guest context
 * by the guest drivers (see guest_actions.h). */
#include "sim/guest/guest_actions.h"

#include <errno.h>
#include <string.h>

#include "guest_drivers/hyperv/hyperv.h"
#include "guest_drivers/kern.h"
#include "sim/guest/runtime.h"

struct boot_call {
	struct gk_boot_report *out;
};

static int boot_in_guest(void *arg)
{
	struct boot_call *bc = arg;
	struct gk_boot_report *r = bc->out;
	struct hyperv_info info;

	memset(&info, 0, sizeof info);
	r->status = hyperv_init(&info);
	r->hypervisor_bit = info.hypervisor_bit;
	memcpy(r->vendor, info.vendor, sizeof r->vendor);
	r->vendor[sizeof r->vendor - 1] = '\0';
	r->max_leaf = info.max_leaf;
	r->hyperv = info.hyperv;
	r->interface = info.interface;
	r->build = info.build;
	r->ver_major = info.ver_major;
	r->ver_minor = info.ver_minor;
	r->features_eax = info.features_eax;
	r->features_ebx = info.features_ebx;
	r->features_edx = info.features_edx;
	r->guest_os_id = info.guest_os_id;
	r->hypercall_page = info.hypercall_page;
	r->ncpus = info.ncpus < GK_REPORT_MAX_CPUS ? info.ncpus : GK_REPORT_MAX_CPUS;
	for (uint32_t i = 0; i < r->ncpus; i++) {
		r->cpu[i].vp_index = info.cpu[i].vp_index;
		r->cpu[i].synic = info.cpu[i].synic;
		r->cpu[i].simp_gpa = info.cpu[i].simp_gpa;
		r->cpu[i].siefp_gpa = info.cpu[i].siefp_gpa;
		r->cpu[i].vector = info.cpu[i].vector;
	}
	strncpy(r->clock, info.clock ? info.clock : kern_clock_name(), sizeof r->clock - 1);
	r->tsc_hz = info.tsc_hz;
	if (r->status == 0)
		r->ref_time = hyperv_ref_time();
	return 0;
}

int gk_guest_boot(struct gk_runtime *rt, struct gk_boot_report *out)
{
	struct boot_call bc = { .out = out };
	memset(out, 0, sizeof *out);
	return gk_runtime_call(rt, boot_in_guest, &bc);
}

static int shutdown_in_guest(void *arg)
{
	(void)arg;
	hyperv_fini();
	return 0;
}

int gk_guest_shutdown(struct gk_runtime *rt)
{
	return gk_runtime_call(rt, shutdown_in_guest, NULL);
}

static bool never(void *arg)
{
	(void)arg;
	return false;
}

static int sleep_in_guest(void *arg)
{
	const uint64_t *ns = arg;
	struct kern_waitq *wq = kern_waitq_create();
	if (!wq)
		return -ENOMEM;
	int rc = kern_wait(wq, never, NULL, *ns);
	kern_waitq_destroy(wq);
	return rc == -ETIMEDOUT ? 0 : rc;
}

int gk_guest_sleep(struct gk_runtime *rt, uint64_t ns)
{
	return gk_runtime_call(rt, sleep_in_guest, &ns);
}

static int now_in_guest(void *arg)
{
	*(uint64_t *)arg = kern_uptime_ns();
	return 0;
}

uint64_t gk_guest_now(struct gk_runtime *rt)
{
	uint64_t ns = 0;
	gk_runtime_call(rt, now_in_guest, &ns);
	return ns;
}
