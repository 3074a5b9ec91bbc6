/* test_vmbus_guest_conn.c -- the guest VMBus driver's connection against a
 * scripted host: version fallback (refusals, no connection 4), the
 * INITIATE_CONTACT bytes per era, the message connection id, hosts that
 * never answer, UNLOAD, allocation failures; and against the real server
 * on every profile. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "guest_drivers/kern.h"
#include "guest_drivers/vmbus/vmbus.h"
#include "hyperv/vmbus_msg.h"
#include "sim/guest/guest_vmbus.h"
#include "sim/guest/runtime.h"
#include "sim/hostd/vmbs.h"
#include "tests/unit/helpers/fake_vmbus_host.h"

#define MS 1000000ull

struct init_call {
	struct vmbus_config cfg;
	int rc;
	uint32_t version;
	struct vmbus_stats st;
};

static int init_fn(void *arg)
{
	struct init_call *c = arg;
	c->rc = vmbus_init(&c->cfg);
	c->version = vmbus_version();
	vmbus_get_stats(&c->st);
	return 0;
}

static int fini_fn(void *arg)
{
	(void)arg;
	vmbus_fini();
	return 0;
}

static struct init_call connect(struct gvx *gx, uint32_t max)
{
	struct init_call c = { .cfg = { .max_version = max, .timeout_ns = 50 * MS } };
	gvx_call(gx, init_fn, &c);
	return c;
}

static void test_vmbus_guest__newest_host__53_on_connection_4(void **state)
{
	(void)state;
	long before = gk_alloc_outstanding();
	struct gvx *gx = gvx_new("ws2022", 1, 1, GVX_FAKE);
	struct init_call c = connect(gx, 0);
	assert_int_equal(c.rc, 0);
	assert_int_equal(c.version, VMBUS_VERSION_WIN10_V5_3);
	assert_int_equal(gx->fh.ntried, 1);
	assert_int_equal(gx->fh.tried_conn[0], 4);
	/* INITIATE_CONTACT, byte for byte (vmbus.md 5.2): 40 bytes, type 14,
	 * version, target vcpu 0, SINT 2 and VTL 0 at 16, both monitor pages. */
	const struct fvh_msg *m = fvh_last(&gx->fh, 14);
	assert_non_null(m);
	assert_int_equal(m->len, 40);
	assert_int_equal(fvh_get32(m->b, 4), 0);
	assert_int_equal(fvh_get32(m->b, 8), 0x00050003u);
	assert_int_equal(fvh_get32(m->b, 12), 0);
	assert_int_equal(m->b[16], 2);
	assert_int_equal(m->b[17], 0);
	assert_int_equal(fvh_get32(m->b, 20), 0);
	uint64_t mon1 = fvh_get64(m->b, 24), mon2 = fvh_get64(m->b, 32);
	assert_true(mon1 && mon2 && mon1 != mon2);
	assert_int_equal(mon1 % 4096, 0);
	assert_int_equal(mon2 % 4096, 0);
	/* Then REQUESTOFFERS (8 bytes, type 3) on the returned connection 1. */
	const struct fvh_msg *ro = fvh_last(&gx->fh, 3);
	assert_non_null(ro);
	assert_int_equal(ro->len, 8);
	assert_int_equal(ro->conn, 1);
	gvx_call(gx, fini_fn, NULL);
	assert_int_equal(fvh_count(&gx->fh, 16), 1); /* UNLOAD at >= 3.0 */
	gvx_free(gx);
	assert_int_equal(gk_alloc_outstanding(), before);
}

static void test_vmbus_guest__no_port4__falls_back_to_41_on_connection_1(void **state)
{
	(void)state;
	struct gvx *gx = gvx_new("ws2016", 1, 2, GVX_FAKE);
	gx->fh.port4 = false;
	gx->fh.max_version = VMBUS_VERSION_WIN10;
	struct init_call c = connect(gx, 0);
	assert_int_equal(c.rc, 0);
	assert_int_equal(c.version, VMBUS_VERSION_WIN10);
	/* 5.3..5.0 never reached the host (INVALID_CONNECTION_ID); 4.1 was
	 * refused, 4.0 accepted, both on connection 1. */
	assert_int_equal(gx->fh.ntried, 2);
	assert_int_equal(gx->fh.tried[0], VMBUS_VERSION_WIN10_V4_1);
	assert_int_equal(gx->fh.tried[1], VMBUS_VERSION_WIN10);
	assert_int_equal(gx->fh.tried_conn[0], 1);
	assert_int_equal(gx->fh.tried_conn[1], 1);
	/* < 5.0 and >= 2.4: no interrupt page at offset 16. */
	assert_int_equal(fvh_get64(fvh_last(&gx->fh, 14)->b, 16), 0);
	gvx_free(gx);
}

static void test_vmbus_guest__host_refuses_versions__each_tried_newest_first(void **state)
{
	(void)state;
	struct gvx *gx = gvx_new("ws2022", 1, 3, GVX_FAKE);
	gx->fh.max_version = VMBUS_VERSION_WIN10_V5;
	gx->fh.msg_conn_id = 0x77;
	struct init_call c = connect(gx, 0);
	assert_int_equal(c.rc, 0);
	assert_int_equal(c.version, VMBUS_VERSION_WIN10_V5);
	assert_int_equal(gx->fh.ntried, 4);
	static const uint32_t want[] = { 0x50003, 0x50002, 0x50001, 0x50000 };
	for (int i = 0; i < 4; i++) {
		assert_int_equal(gx->fh.tried[i], want[i]);
		assert_int_equal(gx->fh.tried_conn[i], 4);
	}
	/* Messages after the handshake go to the connection id returned. */
	assert_int_equal(fvh_last(&gx->fh, 3)->conn, 0x77);
	gvx_free(gx);
}

static void test_vmbus_guest__max_version_knob__old_eras_pass_interrupt_page(void **state)
{
	(void)state;
	struct gvx *gx = gvx_new("ws2008r2", 1, 4, GVX_FAKE);
	gx->fh.refuse_version = VMBUS_VERSION_WIN8;
	struct init_call c = connect(gx, VMBUS_VERSION_WIN8);
	assert_int_equal(c.rc, 0);
	assert_int_equal(c.version, VMBUS_VERSION_WIN7);
	assert_int_equal(gx->fh.ntried, 2);
	assert_int_equal(gx->fh.tried[0], VMBUS_VERSION_WIN8);
	const struct fvh_msg *m = fvh_last(&gx->fh, 14);
	assert_int_equal(fvh_get32(m->b, 8), VMBUS_VERSION_WIN7);
	uint64_t ip = fvh_get64(m->b, 16);
	assert_true(ip != 0 && ip % 4096 == 0);
	gvx_call(gx, fini_fn, NULL);
	assert_int_equal(fvh_count(&gx->fh, 16), 0); /* no UNLOAD below 3.0 */
	gvx_free(gx);
}

static void test_vmbus_guest__ws2008_host__013_negotiated(void **state)
{
	(void)state;
	struct gvx *gx = gvx_new("ws2008r2", 1, 5, GVX_FAKE);
	gx->fh.max_version = VMBUS_VERSION_WS2008;
	gx->fh.port4 = false;
	struct init_call c = connect(gx, 0);
	assert_int_equal(c.rc, 0);
	assert_int_equal(c.version, VMBUS_VERSION_WS2008);
	assert_int_equal(gx->fh.ntried, 10 - 4); /* 5.x never reached it */
	gvx_free(gx);
}

static void test_vmbus_guest__every_version_refused__eprotonosupport(void **state)
{
	(void)state;
	long before = gk_alloc_outstanding();
	struct gvx *gx = gvx_new("ws2022", 1, 6, GVX_FAKE);
	gx->fh.max_version = 0;
	struct init_call c = connect(gx, 0);
	assert_int_equal(c.rc, -EPROTONOSUPPORT);
	assert_int_equal(c.version, 0);
	assert_int_equal(gx->fh.ntried, 10);
	assert_int_equal(gx->fh.tried[9], VMBUS_VERSION_WS2008);
	gvx_free(gx);
	assert_int_equal(gk_alloc_outstanding(), before);
}

static void test_vmbus_guest__silent_host__etimedout_nothing_leaked(void **state)
{
	(void)state;
	long before = gk_alloc_outstanding();
	struct gvx *gx = gvx_new("ws2022", 1, 7, GVX_FAKE);
	gx->fh.mute_contact = true;
	struct init_call c = connect(gx, 0);
	assert_int_equal(c.rc, -ETIMEDOUT);
	assert_int_equal(gx->fh.ntried, 1);
	gvx_free(gx);
	assert_int_equal(gk_alloc_outstanding(), before);
}

static void test_vmbus_guest__alloffers_never_comes__etimedout(void **state)
{
	(void)state;
	struct gvx *gx = gvx_new("ws2022", 1, 8, GVX_FAKE);
	gx->fh.mute_offers_done = true;
	struct init_call c = connect(gx, 0);
	assert_int_equal(c.rc, -ETIMEDOUT);
	assert_false(c.version);
	gvx_free(gx);
}

static void test_vmbus_guest__connection_state_failure__econnrefused(void **state)
{
	(void)state;
	struct gvx *gx = gvx_new("ws2022", 1, 9, GVX_FAKE);
	gx->fh.conn_state = 2;
	struct init_call c = connect(gx, 0);
	assert_int_equal(c.rc, -ECONNREFUSED);
	gvx_free(gx);
}

static void test_vmbus_guest__bad_message_connection_id__eproto(void **state)
{
	(void)state;
	struct gvx *gx = gvx_new("ws2022", 1, 10, GVX_FAKE);
	gx->fh.msg_conn_id = 0;
	struct init_call c = connect(gx, 0);
	assert_int_equal(c.rc, -EPROTO);
	gvx_free(gx);
}

static void test_vmbus_guest__unload_never_answered__fini_returns(void **state)
{
	(void)state;
	struct gvx *gx = gvx_new("ws2022", 1, 11, GVX_FAKE);
	gx->fh.mute_unload = true;
	struct init_call c = connect(gx, 0);
	assert_int_equal(c.rc, 0);
	gvx_call(gx, fini_fn, NULL);
	assert_int_equal(fvh_count(&gx->fh, 16), 1);
	gvx_free(gx);
}

static bool junk_hook(struct fvh *h, const struct fvh_msg *m)
{
	if (fvh_get32(m->b, 0) != 14)
		return false;
	/* Before the answer: a short VERSION_RESPONSE, an unknown type, a
	 * guest-to-host type, an OPEN_RESULT nobody waits for. */
	uint8_t b[240];
	memset(b, 0, sizeof b);
	fvh_put32(b, 0, 15);
	b[8] = 1;
	fvh_send(h, b, 12);
	fvh_put32(b, 0, 99);
	fvh_send(h, b, 16);
	fvh_put32(b, 0, 5);
	fvh_send(h, b, 148);
	uint32_t w[3] = { 1, 1, 0 };
	fvh_send_u32s(h, 6, w, 3);
	return false; /* and then the normal answer */
}

static void test_vmbus_guest__junk_during_contact__dropped_and_counted(void **state)
{
	(void)state;
	struct gvx *gx = gvx_new("ws2022", 1, 12, GVX_FAKE);
	gx->fh.hook = junk_hook;
	struct init_call c = connect(gx, 0);
	assert_int_equal(c.rc, 0);
	assert_int_equal(c.version, VMBUS_VERSION_WIN10_V5_3);
	assert_int_equal(c.st.msgs_short, 1);
	assert_int_equal(c.st.msgs_bad_type, 2);
	assert_int_equal(c.st.msgs_unexpected, 1);
	gvx_free(gx);
}

static void test_vmbus_guest__alloc_failures_during_init__clean_unwind(void **state)
{
	(void)state;
	long before = gk_alloc_outstanding();
	for (long n = 0; n < 64; n++) {
		struct gvx *gx = gvx_new("ws2022", 2, 13, GVX_FAKE);
		uint8_t cls[16] = VMBUS_GUID_NETVSC, inst[16] = { 1 };
		fvh_add_offer(&gx->fh, cls, inst, 1, 0, 0x2001, -1);
		inst[0] = 2;
		fvh_add_offer(&gx->fh, cls, inst, 2, 0, 0x2002, 3);
		gk_alloc_fail_after(n);
		struct init_call c = connect(gx, 0);
		bool failed = gk_alloc_failed();
		gk_alloc_fail_after(-1);
		if (!failed) {
			assert_int_equal(c.rc, 0);
			gvx_free(gx);
			break;
		}
		/* Either init failed cleanly, or an offer was refused. */
		assert_true(c.rc == 0 || c.rc == -ENOMEM);
		gvx_free(gx);
		assert_int_equal(gk_alloc_outstanding(), before);
	}
	assert_int_equal(gk_alloc_outstanding(), before);
}

/* ---- against the real server -------------------------------------------- */

static void real_profile(const char *profile, uint32_t want)
{
	struct gvx *gx = gvx_new(profile, 2, 21, GVX_REAL);
	struct gk_vmbus_report r;
	assert_int_equal(gk_guest_vmbus_connect(gx->rt, 0, false, &r), 0);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.version, want);
	assert_int_equal(vmbs_version(gx->vb), want);
	assert_int_equal(gk_guest_vmbus_disconnect(gx->rt), 0);
	if (want >= VMBUS_VERSION_WIN8_1) {
		struct vmbs_stats st;
		vmbs_get_stats(gx->vb, &st);
		assert_int_equal(st.unloads, 1);
	}
	gvx_free(gx);
}

static void test_vmbus_guest__real_host_every_profile__ceiling_negotiated(void **state)
{
	(void)state;
	real_profile("ws2008r2", VMBUS_VERSION_WIN7);
	real_profile("ws2012r2", VMBUS_VERSION_WIN8_1);
	real_profile("ws2016", VMBUS_VERSION_WIN10);
	real_profile("ws2019", VMBUS_VERSION_WIN10_V5_2);
	real_profile("ws2022", VMBUS_VERSION_WIN10_V5_3);
	real_profile("azure", VMBUS_VERSION_WIN10_V5_3);
}

static void test_vmbus_guest__real_host_version_matrix__min_of_ceilings(void **state)
{
	(void)state;
	static const char *profiles[] = { "ws2008r2", "ws2012r2", "ws2016", "ws2019", "ws2022" };
	static const uint32_t ceil[] = { VMBUS_VERSION_WIN7, VMBUS_VERSION_WIN8_1, VMBUS_VERSION_WIN10,
					 VMBUS_VERSION_WIN10_V5_2, VMBUS_VERSION_WIN10_V5_3 };
	static const uint32_t guest[] = { VMBUS_VERSION_WS2008, VMBUS_VERSION_WIN7, VMBUS_VERSION_WIN8,
					  VMBUS_VERSION_WIN8_1, VMBUS_VERSION_WIN10,
					  VMBUS_VERSION_WIN10_V4_1, VMBUS_VERSION_WIN10_V5,
					  VMBUS_VERSION_WIN10_V5_1, VMBUS_VERSION_WIN10_V5_2,
					  VMBUS_VERSION_WIN10_V5_3 };
	for (size_t p = 0; p < 5; p++) {
		for (size_t g = 0; g < 10; g++) {
			struct gvx *gx = gvx_new(profiles[p], 1, 30 + g, GVX_REAL);
			struct gk_vmbus_report r;
			assert_int_equal(gk_guest_vmbus_connect(gx->rt, guest[g], false, &r), 0);
			uint32_t want = guest[g] < ceil[p] ? guest[g] : ceil[p];
			if (want == VMBUS_VERSION_WS2008 || r.status) {
				/* The real server may not speak 0.13. */
				assert_true(r.status == 0 || want <= VMBUS_VERSION_WIN7);
			}
			if (r.status == 0)
				assert_int_equal(r.version, want);
			gvx_free(gx);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vmbus_guest__newest_host__53_on_connection_4),
		cmocka_unit_test(test_vmbus_guest__no_port4__falls_back_to_41_on_connection_1),
		cmocka_unit_test(test_vmbus_guest__host_refuses_versions__each_tried_newest_first),
		cmocka_unit_test(test_vmbus_guest__max_version_knob__old_eras_pass_interrupt_page),
		cmocka_unit_test(test_vmbus_guest__ws2008_host__013_negotiated),
		cmocka_unit_test(test_vmbus_guest__every_version_refused__eprotonosupport),
		cmocka_unit_test(test_vmbus_guest__silent_host__etimedout_nothing_leaked),
		cmocka_unit_test(test_vmbus_guest__alloffers_never_comes__etimedout),
		cmocka_unit_test(test_vmbus_guest__connection_state_failure__econnrefused),
		cmocka_unit_test(test_vmbus_guest__bad_message_connection_id__eproto),
		cmocka_unit_test(test_vmbus_guest__unload_never_answered__fini_returns),
		cmocka_unit_test(test_vmbus_guest__junk_during_contact__dropped_and_counted),
		cmocka_unit_test(test_vmbus_guest__alloc_failures_during_init__clean_unwind),
		cmocka_unit_test(test_vmbus_guest__real_host_every_profile__ceiling_negotiated),
		cmocka_unit_test(test_vmbus_guest__real_host_version_matrix__min_of_ceilings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
