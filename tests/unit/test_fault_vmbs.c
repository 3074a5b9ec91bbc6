/* test_fault_vmbs.c -- host-side fault injection against the VMBus fixture
 * playing the guest: each fault fires exactly 'count' times, is counted and
 * stops; delays end in virtual time through the host timer. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sim/hostd/vmbs_fault.h"
#include "tests/unit/helpers/vmbs_fixture.h"

static const uint8_t cls[16] = { 0xF1 };

struct ffx {
	struct vfx *f;
	struct echo_dev e[2];
	struct vfx_ring r;
};

static struct ffx *ffx_new(bool offers)
{
	struct ffx *x = calloc(1, sizeof *x);
	assert_non_null(x);
	x->f = vfx_new("ws2022", 1, NULL);
	echo_dev_add(x->f->vb, &x->e[0], cls, 1, false, 0);
	echo_dev_add(x->f->vb, &x->e[1], cls, 2, false, 0);
	assert_int_equal(vfx_connect(x->f, VMBUS_VERSION_WIN10_V5_3), 1);
	if (offers)
		assert_int_equal(vfx_request_offers(x->f, NULL, 0), 2);
	return x;
}

static void ffx_free(struct ffx *x)
{
	vfx_free(x->f);
	free(x);
}

static int arm(struct ffx *x, const char *spec)
{
	struct vmbs_fault f;
	assert_int_equal(vmbs_fault_parse(spec, &f), 0);
	int id = vmbs_fault_arm(x->f->vb, &f);
	assert_true(id >= 1);
	return id;
}

static uint32_t fired(struct ffx *x, int id, bool *done)
{
	struct vmbs_fault_info fi;
	assert_int_equal(vmbs_fault_get(x->f->vb, id, &fi), 0);
	if (done)
		*done = fi.done;
	return fi.fired;
}

static void advance_ms(struct ffx *x, uint64_t ms)
{
	part_set_time(x->f->p, part_time(x->f->p) + ms * 10000u);
	vfx_pump(x->f);
}

static uint32_t ring_gpadl(struct ffx *x, uint32_t relid, uint32_t handle)
{
	uint64_t gpa = vfx_alloc(x->f, 4);
	uint64_t pfns[4];
	for (uint32_t i = 0; i < 4; i++)
		pfns[i] = (gpa >> 12) + i;
	return vfx_gpadl(x->f, relid, handle, pfns, 4);
}

static void post_open(struct ffx *x, uint32_t relid, uint32_t gpadl)
{
	struct vmbus_msg_open op = { .hdr.msgtype = VMBUS_MSG_OPENCHANNEL, .child_relid = relid,
				     .openid = relid, .ring_gpadl = gpadl,
				     .downstream_ring_pageoff = 2 };
	assert_int_equal(vfx_post(x->f, 0, 1, &op, sizeof op), HV_STATUS_SUCCESS);
}

/* A one-page GPADL header (complete in one message); no reply read. */
static void post_gpadl1(struct ffx *x, uint32_t relid, uint32_t handle)
{
	uint64_t gpa = vfx_alloc(x->f, 1);
	uint8_t msg[240] = { 0 };
	struct vmbus_msg_gpadl_header gh = { .hdr.msgtype = VMBUS_MSG_GPADL_HEADER,
		.child_relid = relid, .gpadl = handle, .range_buflen = 8 + 8, .rangecount = 1 };
	struct vmbus_gpa_range_hdr rh = { .byte_count = 4096 };
	uint64_t pfn = gpa >> 12;
	memcpy(msg, &gh, sizeof gh);
	memcpy(msg + sizeof gh, &rh, sizeof rh);
	memcpy(msg + sizeof gh + sizeof rh, &pfn, 8);
	vfx_post(x->f, 0, 1, msg, sizeof gh + sizeof rh + 8);
}

static void test_fault__drop_h2g_open_result_once__lost_then_normal(void **state)
{
	(void)state;
	struct ffx *x = ffx_new(true);
	int id = arm(x, "drop,dir=h2g,msg=OPENCHANNEL_RESULT,count=1");
	assert_int_equal(ring_gpadl(x, 1, 10), 0);
	post_open(x, 1, 10);
	vfx_expect_none(x->f, 0);
	bool done;
	assert_int_equal(fired(x, id, &done), 1);
	assert_true(done);
	/* The channel did open; a second OPEN is refused, and that answer passes. */
	post_open(x, 1, 10);
	struct vmbus_msg_open_result r;
	vfx_expect(x->f, 0, VMBUS_MSG_OPENCHANNEL_RESULT, &r, NULL);
	assert_int_equal(r.status, VMBUS_STATUS_UNSUCCESSFUL);
	assert_int_equal(fired(x, id, NULL), 1);
	ffx_free(x);
}

static void test_fault__drop_g2h_requestoffers_twice__third_answered(void **state)
{
	(void)state;
	struct ffx *x = ffx_new(false);
	int id = arm(x, "drop,dir=g2h,msg=REQUESTOFFERS,count=2");
	struct vmbus_msg_request_offers ro = { .hdr.msgtype = VMBUS_MSG_REQUESTOFFERS };
	vfx_post(x->f, 0, 1, &ro, sizeof ro);
	vfx_post(x->f, 0, 1, &ro, sizeof ro);
	vfx_expect_none(x->f, 0);
	assert_int_equal(fired(x, id, NULL), 2);
	assert_int_equal(vfx_request_offers(x->f, NULL, 0), 2);
	assert_int_equal(fired(x, id, NULL), 2);
	ffx_free(x);
}

static void test_fault__duplicate_h2g_open_result__arrives_twice(void **state)
{
	(void)state;
	struct ffx *x = ffx_new(true);
	int id = arm(x, "duplicate,dir=h2g,msg=OPENCHANNEL_RESULT");
	assert_int_equal(ring_gpadl(x, 1, 10), 0);
	post_open(x, 1, 10);
	vfx_expect(x->f, 0, VMBUS_MSG_OPENCHANNEL_RESULT, NULL, NULL);
	vfx_expect(x->f, 0, VMBUS_MSG_OPENCHANNEL_RESULT, NULL, NULL);
	vfx_expect_none(x->f, 0);
	assert_int_equal(fired(x, id, NULL), 1);
	ffx_free(x);
}

static void test_fault__delay_h2g_5ms__delivered_after_virtual_time(void **state)
{
	(void)state;
	struct ffx *x = ffx_new(true);
	int id = arm(x, "delay,dir=h2g,msg=GPADL_CREATED,ms=5");
	post_gpadl1(x, 1, 33);
	vfx_expect_none(x->f, 0);
	assert_int_equal(fired(x, id, NULL), 1);
	advance_ms(x, 4);
	vfx_expect_none(x->f, 0);
	advance_ms(x, 1);
	vfx_expect(x->f, 0, VMBUS_MSG_GPADL_CREATED, NULL, NULL);
	ffx_free(x);
}

static void test_fault__reorder_h2g_offer__second_offer_first(void **state)
{
	(void)state;
	struct ffx *x = ffx_new(false);
	int id = arm(x, "reorder,dir=h2g,msg=OFFERCHANNEL,relid=1");
	struct vmbus_msg_offer o[2];
	assert_int_equal(vfx_request_offers(x->f, o, 2), 2);
	assert_int_equal(o[0].child_relid, 2);
	assert_int_equal(o[1].child_relid, 1);
	assert_int_equal(fired(x, id, NULL), 1);
	ffx_free(x);
}

static void test_fault__slot_busy_5ms__reply_waits_then_comes(void **state)
{
	(void)state;
	struct ffx *x = ffx_new(true);
	int id = arm(x, "slot_busy,ms=5");
	post_gpadl1(x, 1, 10);
	vfx_expect_none(x->f, 0);
	assert_int_equal(fired(x, id, NULL), 1);
	advance_ms(x, 4);
	vfx_expect_none(x->f, 0);
	advance_ms(x, 1);
	vfx_expect(x->f, 0, VMBUS_MSG_GPADL_CREATED, NULL, NULL);
	/* One period only: the next reply goes straight out. */
	post_gpadl1(x, 1, 11);
	vfx_expect(x->f, 0, VMBUS_MSG_GPADL_CREATED, NULL, NULL);
	assert_int_equal(fired(x, id, NULL), 1);
	ffx_free(x);
}

static void open_ring(struct ffx *x)
{
	assert_int_equal(vfx_ring_open(x->f, &x->r, 1, 8, 4, false, 0), 0);
}

static void send_sig(struct ffx *x, uint64_t tid)
{
	static const char msg[] = "ping";
	assert_true(vfx_ring_send(&x->r, VMBUS_PKT_DATA_INBAND, 0, tid, msg, sizeof msg) >= 0);
	assert_int_equal(vfx_signal(x->f, 0x2001), HV_STATUS_SUCCESS);
}

static void drain(struct ffx *x)
{
	uint8_t buf[256];
	while (vfx_ring_recv(&x->r, buf, sizeof buf) > 0)
		;
}

static void test_fault__irq_lose_once__first_interrupt_missing(void **state)
{
	(void)state;
	struct ffx *x = ffx_new(true);
	open_ring(x);
	int id = arm(x, "irq_lose,relid=1");
	send_sig(x, 1);
	assert_int_equal(x->e[0].packets, 1);
	assert_false(vfx_sief_take(x->f, 0, 1));
	drain(x);
	send_sig(x, 2);
	assert_true(vfx_sief_take(x->f, 0, 1));
	assert_int_equal(fired(x, id, NULL), 1);
	ffx_free(x);
}

static void test_fault__irq_spurious_twice__two_interrupts_1ms_apart(void **state)
{
	(void)state;
	struct ffx *x = ffx_new(true);
	open_ring(x);
	int id = arm(x, "irq_spurious,relid=1,count=2,ms=1");
	vfx_pump(x->f);
	assert_true(vfx_sief_take(x->f, 0, 1));
	vfx_pump(x->f);
	assert_false(vfx_sief_take(x->f, 0, 1));
	advance_ms(x, 1);
	assert_true(vfx_sief_take(x->f, 0, 1));
	advance_ms(x, 5);
	assert_false(vfx_sief_take(x->f, 0, 1));
	bool done;
	assert_int_equal(fired(x, id, &done), 2);
	assert_true(done);
	ffx_free(x);
}

static void test_fault__ring_rewrite__consumed_bytes_overwritten(void **state)
{
	(void)state;
	struct ffx *x = ffx_new(true);
	open_ring(x);
	int id = arm(x, "ring_rewrite,relid=1");
	vfx_pump(x->f);                       /* notes where the guest is */
	send_sig(x, 0x77);                    /* echoed into ring B */
	uint8_t buf[256];
	int len = vfx_ring_recv(&x->r, buf, sizeof buf);
	assert_true(len > 16);
	vfx_pump(x->f);
	assert_int_equal(fired(x, id, NULL), 1);
	/* The packet's bytes (at data offset 0 of ring B) are now 0xA5. */
	uint32_t pg = x->r.off + 1;           /* ring B's first data page */
	for (int i = 0; i < len + 8; i++)
		assert_int_equal(x->r.pg[pg][i], 0xA5);
	ffx_free(x);
}

static void test_fault__gpadl_fail_once__failure_status_then_ok(void **state)
{
	(void)state;
	struct ffx *x = ffx_new(true);
	int id = arm(x, "gpadl_fail,relid=1");
	assert_int_equal(ring_gpadl(x, 1, 10), VMBUS_STATUS_UNSUCCESSFUL);
	assert_int_equal(vmbs_gpadl_count(x->f->vb), 0);
	assert_int_equal(ring_gpadl(x, 2, 11), 0);
	assert_int_equal(ring_gpadl(x, 1, 12), 0);
	assert_int_equal(fired(x, id, NULL), 1);
	ffx_free(x);
}

static void test_fault__rescind_on_open__rescind_before_result(void **state)
{
	(void)state;
	struct ffx *x = ffx_new(true);
	int id = arm(x, "rescind,relid=1,msg=OPENCHANNEL");
	assert_int_equal(ring_gpadl(x, 1, 10), 0);
	post_open(x, 1, 10);
	vfx_expect(x->f, 0, VMBUS_MSG_RESCIND_CHANNELOFFER, NULL, NULL);
	struct vmbus_msg_open_result r;
	vfx_expect(x->f, 0, VMBUS_MSG_OPENCHANNEL_RESULT, &r, NULL);
	assert_int_equal(r.status, VMBUS_STATUS_UNSUCCESSFUL);
	assert_int_equal(fired(x, id, NULL), 1);
	/* Immediate form, on an idle channel. */
	assert_true(arm(x, "rescind,relid=2") >= 1);
	vfx_expect(x->f, 0, VMBUS_MSG_RESCIND_CHANNELOFFER, NULL, NULL);
	assert_int_equal(x->e[1].rescinded, 0); /* until RELID_RELEASED */
	struct vmbus_msg_relid_released rr = { .hdr.msgtype = VMBUS_MSG_RELID_RELEASED,
					       .child_relid = 2 };
	vfx_post(x->f, 0, 1, &rr, sizeof rr);
	assert_int_equal(x->e[1].rescinded, 1);
	ffx_free(x);
}

static void test_fault__ring_stall_5ms__packets_wait_then_processed(void **state)
{
	(void)state;
	struct ffx *x = ffx_new(true);
	open_ring(x);
	int id = arm(x, "ring_stall,relid=1,ms=5");
	send_sig(x, 1);
	assert_int_equal(x->e[0].packets, 0);
	advance_ms(x, 2);
	assert_int_equal(x->e[0].packets, 0);
	advance_ms(x, 3);
	assert_int_equal(x->e[0].packets, 1);
	bool done;
	assert_int_equal(fired(x, id, &done), 1);
	assert_true(done);
	ffx_free(x);
}

static void test_fault__arm_bad_and_list_clear__validated(void **state)
{
	(void)state;
	struct ffx *x = ffx_new(true);
	struct vmbs_fault f = { .kind = VMBS_FAULT_KIND_COUNT };
	assert_int_equal(vmbs_fault_arm(x->f->vb, &f), -EINVAL);
	f.kind = VMBS_FAULT_RING_STALL;       /* needs a relid */
	assert_int_equal(vmbs_fault_arm(x->f->vb, &f), -EINVAL);
	f.kind = VMBS_FAULT_RESCIND;
	f.relid = 9;                          /* no such channel */
	assert_int_equal(vmbs_fault_arm(x->f->vb, &f), -ENOENT);
	arm(x, "delay,dir=h2g,ms=1000");
	post_gpadl1(x, 1, 10);
	vfx_expect_none(x->f, 0);
	assert_int_equal(vmbs_fault_list(x->f->vb, NULL, NULL), 1);
	vmbs_fault_clear(x->f->vb);           /* the held GPADL_CREATED goes out */
	vfx_expect(x->f, 0, VMBUS_MSG_GPADL_CREATED, NULL, NULL);
	assert_int_equal(vmbs_fault_list(x->f->vb, NULL, NULL), 0);
	for (int i = 0; i < (int)VMBS_FAULT_MAX; i++)
		arm(x, "irq_lose");
	struct vmbs_fault g = { .kind = VMBS_FAULT_IRQ_LOSE };
	assert_int_equal(vmbs_fault_arm(x->f->vb, &g), -ENOSPC);
	ffx_free(x);
}

static void test_fault__parse__specs_and_errors(void **state)
{
	(void)state;
	struct vmbs_fault f;
	assert_int_equal(vmbs_fault_parse("drop,dir=h2g,msg=gpadl_created,relid=3,count=2,ms=7", &f), 0);
	assert_int_equal(f.kind, VMBS_FAULT_DROP);
	assert_int_equal(f.dir, VMBS_FAULT_H2G);
	assert_int_equal(f.msgtype, VMBUS_MSG_GPADL_CREATED);
	assert_int_equal(f.relid, 3);
	assert_int_equal(f.count, 2);
	assert_int_equal(f.time, 70000);
	assert_int_equal(vmbs_fault_parse("ring_stall,relid=1,us=15,msg=5", &f), 0);
	assert_int_equal(f.time, 150);
	assert_int_equal(f.msgtype, VMBUS_MSG_OPENCHANNEL);
	static const char *const bad[] = {
		"", "nope", "drop,dir=sideways", "drop,msg=NOPE", "drop,msg=0", "drop,relid=0",
		"drop,relid=2048", "drop,count=0", "drop,count=-1", "drop,ms=0", "drop,ms=1e3",
		"drop,dir", "drop,colour=red", "drop,count=99999999999999999999",
	};
	for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(vmbs_fault_parse(bad[i], &f), -EINVAL);
	assert_string_equal(vmbs_fault_kind_name(VMBS_FAULT_IRQ_SPURIOUS), "irq_spurious");
	assert_string_equal(vmbs_fault_msg_name(VMBUS_MSG_UNLOAD), "UNLOAD");
	assert_int_equal(vmbs_fault_msg_from_name("unload_response"), VMBUS_MSG_UNLOAD_RESPONSE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fault__drop_h2g_open_result_once__lost_then_normal),
		cmocka_unit_test(test_fault__drop_g2h_requestoffers_twice__third_answered),
		cmocka_unit_test(test_fault__duplicate_h2g_open_result__arrives_twice),
		cmocka_unit_test(test_fault__delay_h2g_5ms__delivered_after_virtual_time),
		cmocka_unit_test(test_fault__reorder_h2g_offer__second_offer_first),
		cmocka_unit_test(test_fault__slot_busy_5ms__reply_waits_then_comes),
		cmocka_unit_test(test_fault__irq_lose_once__first_interrupt_missing),
		cmocka_unit_test(test_fault__irq_spurious_twice__two_interrupts_1ms_apart),
		cmocka_unit_test(test_fault__ring_rewrite__consumed_bytes_overwritten),
		cmocka_unit_test(test_fault__gpadl_fail_once__failure_status_then_ok),
		cmocka_unit_test(test_fault__rescind_on_open__rescind_before_result),
		cmocka_unit_test(test_fault__ring_stall_5ms__packets_wait_then_processed),
		cmocka_unit_test(test_fault__arm_bad_and_list_clear__validated),
		cmocka_unit_test(test_fault__parse__specs_and_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
