/* test_check_e2e.c -- the protocol checker watching the real guest drivers
 * (bus driver + the four IC drivers) in inproc mode on every protocol era:
 * a correct driver must produce no finding at all, hints included. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sim/devices/hostside.h"
#include "sim/guest/guest_actions.h"
#include "sim/guest/guest_ic.h"
#include "sim/guest/guest_vmbus.h"
#include "sim/guest/runtime.h"
#include "sim/guest/transport.h"
#include "sim/hostd/gmem.h"
#include "sim/hostd/partition.h"
#include "sim/hostd/profile.h"
#include "sim/hostd/vmbs.h"
#include "sim/hostd/vmbs_check.h"

#define MEM   (32u << 20)
#define MS_NS 1000000ull

struct cex {
	struct gmem *gm;
	struct gk_transport *t;
	struct part *p;
	struct hostside *hs;
	struct gk_runtime *rt;
};

static bool cex_pump(void *arg)
{
	bool did = false;
	for (int i = 0; i < 16 && hostside_pump(arg); i++)
		did = true;
	return did;
}

static void print_finding(void *arg, const struct vmbs_finding *f)
{
	(void)arg;
	print_message("finding %s relid %u x%llu: %s\n", f->name, f->relid,
		      (unsigned long long)f->count, f->why);
}

static void cex_assert_clean(struct cex *x)
{
	struct vmbs *vb = hostside_vmbs(x->hs);
	/* End of step: the guest is idle, the host has nothing pending. */
	for (int i = 0; i < 64 && hostside_pump(x->hs); i++)
		;
	vmbs_check_sweep(vb);
	if (vmbs_check_findings(vb, print_finding, NULL) != 0)
		fail_msg("the checker reported findings for the real guest driver");
}

static struct cex *cex_new(const char *profile, uint32_t ncpus)
{
	struct cex *x = calloc(1, sizeof *x);
	assert_non_null(x);
	x->gm = gmem_create(MEM);
	assert_non_null(x->gm);
	x->t = gk_inproc_create(gmem_ptr(x->gm, 0, MEM), MEM, ncpus);
	struct part_config pc = { .profile = hv_profile_find(profile), .nvcpus = ncpus };
	x->p = part_create(x->gm, &pc, gk_inproc_part_notify(), x->t);
	assert_non_null(x->p);
	gk_inproc_attach(x->t, x->p);
	struct hostside_config hc = { .vmbus = true, .check = true,
		.ic = { .heartbeat = true, .shutdown = true, .timesync = true, .kvp = true } };
	x->hs = hostside_create(x->p, x->gm, &hc, NULL, NULL);
	assert_non_null(x->hs);
	assert_true(vmbs_check_enabled(hostside_vmbs(x->hs)));
	gk_inproc_set_pump(x->t, cex_pump, x->hs);
	struct gk_runtime_config rc = { .sched = GK_SCHED_INPROC, .seed = 1 };
	x->rt = gk_runtime_create(x->t, &rc);
	assert_non_null(x->rt);
	struct gk_boot_report br;
	assert_int_equal(gk_guest_boot(x->rt, &br), 0);
	assert_int_equal(br.status, 0);
	return x;
}

static void cex_free(struct cex *x)
{
	assert_int_equal(gk_guest_shutdown(x->rt), 0);
	gk_runtime_destroy(x->rt);
	hostside_destroy(x->hs);
	part_destroy(x->p);
	x->t->ops->close(x->t);
	gmem_destroy(x->gm);
	free(x);
}

/* Bring-up, IC traffic both ways, then an orderly unload. */
static void run_profile(const char *profile, uint32_t ncpus)
{
	struct cex *x = cex_new(profile, ncpus);
	struct gk_vmbus_report vr;
	assert_int_equal(gk_guest_ic_start(x->rt, NULL), 0);
	assert_int_equal(gk_guest_vmbus_connect(x->rt, 0, false, &vr), 0);
	assert_int_equal(vr.status, 0);
	assert_int_equal(gk_guest_sleep(x->rt, 50 * MS_NS), 0);
	cex_assert_clean(x);

	assert_int_equal(hostside_ic_kvp_set(x->hs, 0, "checker", "clean"), 0);
	assert_int_equal(hostside_ic_time_jump(x->hs, 10000000), 0);
	assert_int_equal(gk_guest_ic_kvp_set(x->rt, 1, "guest", "value"), 0);
	assert_int_equal(gk_guest_sleep(x->rt, 3000 * MS_NS), 0);   /* heartbeats */
	cex_assert_clean(x);
	/* The checker had something to look at. */
	struct vmbs_stats st;
	vmbs_get_stats(hostside_vmbs(x->hs), &st);
	assert_true(st.pkts_in >= 8);
	assert_true(st.signals_in >= 4);
	assert_true(st.opens >= 4);

	assert_int_equal(gk_guest_ic_stop(x->rt), 0);
	assert_int_equal(gk_guest_sleep(x->rt, 10 * MS_NS), 0);
	cex_assert_clean(x);
	assert_int_equal(gk_guest_vmbus_disconnect(x->rt), 0);
	cex_assert_clean(x);
	assert_int_equal(vmbs_gpadl_count(hostside_vmbs(x->hs)), 0);
	cex_free(x);
}

static void test_check_e2e__ws2008r2_era__no_findings(void **state)
{
	(void)state;
	run_profile("ws2008r2", 1);
}

static void test_check_e2e__ws2012r2__no_findings(void **state)
{
	(void)state;
	run_profile("ws2012r2", 2);
}

static void test_check_e2e__ws2019__no_findings(void **state)
{
	(void)state;
	run_profile("ws2019", 2);
}

static void test_check_e2e__ws2022__no_findings(void **state)
{
	(void)state;
	run_profile("ws2022", 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_e2e__ws2008r2_era__no_findings),
		cmocka_unit_test(test_check_e2e__ws2012r2__no_findings),
		cmocka_unit_test(test_check_e2e__ws2019__no_findings),
		cmocka_unit_test(test_check_e2e__ws2022__no_findings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
