/* test_hostd_poll.c -- the split daemon's adaptive monitor-page poll: the
 * period rule (fast while polls find work, doubling to a ceiling while
 * they find none), and the activity counter it reads (moves with guest
 * work, not with pumps that find nothing). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sim/devices/hostside.h"
#include "sim/hostd/daemon/ctl_proto.h"
#include "sim/hostd/daemon/hostd_var.h"
#include "sim/hostd/daemon/hsess.h"
#include "sim/hostd/vmbs.h"
#include "tests/unit/helpers/vmbs_fixture.h"

/* ---- hconn_poll_next ---------------------------------------------------------- */

static void test_hconn_poll_next__idle_polls__double_up_to_the_ceiling(void **state)
{
	(void)state;
	static const uint64_t want[] = { 200000, 400000, 800000, 1600000, 2000000, 2000000 };
	uint64_t ns = 100000;
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		ns = hconn_poll_next(ns, 100000, 2000000, false);
		assert_int_equal(ns, want[i]);
	}
}

static void test_hconn_poll_next__work_found__back_to_fast_at_once(void **state)
{
	(void)state;
	assert_int_equal(hconn_poll_next(2000000, 100000, 2000000, true), 100000);
	assert_int_equal(hconn_poll_next(400000, 100000, 2000000, true), 100000);
	assert_int_equal(hconn_poll_next(100000, 100000, 2000000, true), 100000);
}

static void test_hconn_poll_next__no_ceiling__fixed_period(void **state)
{
	(void)state;
	/* poll_max_ns 0 (the old fixed poll) or not above poll_ns. */
	assert_int_equal(hconn_poll_next(100000, 100000, 0, false), 100000);
	assert_int_equal(hconn_poll_next(100000, 100000, 100000, false), 100000);
	assert_int_equal(hconn_poll_next(100000, 100000, 50000, false), 100000);
}

static void test_hconn_poll_next__odd_ceiling__never_overshoots(void **state)
{
	(void)state;
	uint64_t ns = 100000;
	for (int i = 0; i < 64; i++) {
		ns = hconn_poll_next(ns, 100000, 1500000, false);
		assert_true(ns <= 1500000);
	}
	assert_int_equal(ns, 1500000);
	/* A huge ceiling does not overflow the doubling. */
	ns = 100000;
	for (int i = 0; i < 80; i++)
		ns = hconn_poll_next(ns, 100000, UINT64_MAX, false);
	assert_int_equal(ns, UINT64_MAX);
}

/* ---- hostside_activity --------------------------------------------------------- */

/* The fixture's partition with hostside's server in place of its own. */
struct afx {
	struct vfx *f;
	struct hostside *hs;
};

static void afx_new(struct afx *a)
{
	a->f = vfx_new("ws2022", 1, NULL);
	assert_non_null(a->f);
	vmbs_destroy(a->f->vb);  /* frees the message ports for hostside's */
	struct hostside_config hc = { .vmbus = true };
	hc.ic.heartbeat = hc.ic.shutdown = hc.ic.timesync = hc.ic.kvp = true;
	a->hs = hostside_create(a->f->p, a->f->gm, &hc, NULL, NULL);
	assert_non_null(a->hs);
	a->f->vb = hostside_vmbs(a->hs);
}

static void afx_free(struct afx *a)
{
	hostside_destroy(a->hs);
	a->f->vb = NULL;
	vfx_free(a->f);
}

static void test_hostside_activity__idle_pumps__unchanged(void **state)
{
	(void)state;
	struct afx a;
	afx_new(&a);
	uint64_t before = hostside_activity(a.hs);
	for (int i = 0; i < 5; i++)
		hostside_pump(a.hs);
	assert_int_equal(hostside_activity(a.hs), before);
	afx_free(&a);
}

static void test_hostside_activity__guest_contacts__moves(void **state)
{
	(void)state;
	struct afx a;
	afx_new(&a);
	uint64_t before = hostside_activity(a.hs);
	assert_int_equal(vfx_connect(a.f, VMBUS_VERSION_WIN10_V5_3), 1);
	uint64_t after = hostside_activity(a.hs);
	assert_true(after > before);
	/* Connected and quiet again: polls find nothing. */
	for (int i = 0; i < 5; i++)
		hostside_pump(a.hs);
	assert_int_equal(hostside_activity(a.hs), after);
	afx_free(&a);
}

/* ---- hsess_activity ------------------------------------------------------------- */

static uint64_t fake_count;

static int fake_attach(struct hsess *s, void *arg, void **ctx)
{
	(void)s;
	(void)arg;
	*ctx = &fake_count;
	return 0;
}

static bool fake_pump(void *ctx)
{
	(void)ctx;
	return false;
}

static void fake_detach(void *ctx)
{
	(void)ctx;
}

static uint64_t fake_activity(void *ctx)
{
	return *(uint64_t *)ctx;
}

static int send_hello(struct hsess *s)
{
	struct ctl_hello h;
	memset(&h, 0, sizeof h);
	h.h.magic = CTL_MAGIC;
	h.h.type = CTL_HELLO;
	h.h.len = sizeof h;
	h.h.seq = 1;
	h.version = CTL_PROTO_VERSION;
	h.ncpus = 1;
	h.mem_bytes = 1u << 20;
	strcpy(h.profile, "ws2022");
	static struct hsess_out out;
	return hsess_input(s, &h, sizeof h, &out);
}

static void test_hsess_activity__follows_the_extension_after_hello(void **state)
{
	(void)state;
	static const struct hsess_ext ext = {
		.attach = fake_attach, .pump = fake_pump, .detach = fake_detach,
		.poll_ns = 100000, .poll_max_ns = 2000000, .activity = fake_activity,
	};
	struct hsess_env env = { .ext = &ext };
	struct hsess *s = hsess_new(&env);
	assert_non_null(s);
	fake_count = 7;
	assert_int_equal(hsess_activity(s), 0);  /* no extension before HELLO */
	assert_int_equal(send_hello(s), 0);
	assert_int_equal(hsess_activity(s), 7);
	fake_count = 9;
	assert_int_equal(hsess_activity(s), 9);
	hsess_free(s);
}

static void test_hsess_activity__no_callback__zero(void **state)
{
	(void)state;
	static const struct hsess_ext ext = {
		.attach = fake_attach, .pump = fake_pump, .detach = fake_detach,
		.poll_ns = 100000,
	};
	struct hsess_env env = { .ext = &ext };
	struct hsess *s = hsess_new(&env);
	assert_non_null(s);
	assert_int_equal(send_hello(s), 0);
	fake_count = 5;
	assert_int_equal(hsess_activity(s), 0);
	hsess_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hconn_poll_next__idle_polls__double_up_to_the_ceiling),
		cmocka_unit_test(test_hconn_poll_next__work_found__back_to_fast_at_once),
		cmocka_unit_test(test_hconn_poll_next__no_ceiling__fixed_period),
		cmocka_unit_test(test_hconn_poll_next__odd_ceiling__never_overshoots),
		cmocka_unit_test(test_hostside_activity__idle_pumps__unchanged),
		cmocka_unit_test(test_hostside_activity__guest_contacts__moves),
		cmocka_unit_test(test_hsess_activity__follows_the_extension_after_hello),
		cmocka_unit_test(test_hsess_activity__no_callback__zero),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
