/* test_check_vmbs.c -- the protocol checker against a misbehaving fake
 * guest (the VMBus fixture plays the guest byte by byte): each finding
 * code is triggered by the guest behaviour it describes, and a well-behaved
 * exchange produces none. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sim/hostd/vmbs_check.h"
#include "tests/unit/helpers/vmbs_fixture.h"

static const uint8_t cls[16] = { 0xC7 };

struct kfx {
	struct vfx *f;
	struct echo_dev e;
	struct vfx_ring r;
};

/* One echo channel (relid 1) opened on ws2022 / 5.3 with the checker on. */
static struct kfx *kfx_new(void)
{
	struct kfx *k = calloc(1, sizeof *k);
	assert_non_null(k);
	k->f = vfx_new("ws2022", 1, NULL);
	assert_int_equal(vmbs_check_enable(k->f->vb), 0);
	echo_dev_add(k->f->vb, &k->e, cls, 1, false, 0);
	assert_int_equal(vfx_connect(k->f, VMBUS_VERSION_WIN10_V5_3), 1);
	assert_int_equal(vfx_request_offers(k->f, NULL, 0), 1);
	assert_int_equal(vfx_ring_open(k->f, &k->r, 1, 8, 4, false, 0), 0);
	return k;
}

static void kfx_free(struct kfx *k)
{
	vfx_free(k->f);
	free(k);
}

static uint64_t cnt(struct kfx *k, enum vmbs_chk c)
{
	return vmbs_check_count(k->f->vb, c, VMBS_CHK_ANY_RELID);
}

static void send_sig(struct kfx *k, uint16_t type, uint16_t flags, uint64_t tid)
{
	static const char msg[] = "ping";
	assert_true(vfx_ring_send(&k->r, type, flags, tid, msg, sizeof msg) >= 0);
	assert_int_equal(vfx_signal(k->f, 0x2001), HV_STATUS_SUCCESS);
}

/* Drain ring B so that host sends never block. */
static void drain(struct kfx *k)
{
	uint8_t buf[512];
	while (vfx_ring_recv(&k->r, buf, sizeof buf) > 0)
		;
}

static void test_check__well_behaved_guest__no_findings(void **state)
{
	(void)state;
	struct kfx *k = kfx_new();
	for (uint64_t tid = 1; tid <= 5; tid++) {
		send_sig(k, VMBUS_PKT_DATA_INBAND, VMBUS_PKT_FLAG_COMPLETION_REQUESTED, tid);
		drain(k);
	}
	/* The same id again after its completion came back is fine. */
	send_sig(k, VMBUS_PKT_DATA_INBAND, VMBUS_PKT_FLAG_COMPLETION_REQUESTED, 1);
	drain(k);
	vfx_pump(k->f);
	vmbs_check_sweep(k->f->vb);
	assert_int_equal(vmbs_check_total(k->f->vb, true), 0);
	assert_int_equal(vmbs_check_findings(k->f->vb, NULL, NULL), 0);
	assert_int_equal(k->e.packets, 6);
	kfx_free(k);
}

static void test_check__data_without_signal__lost_wakeup(void **state)
{
	(void)state;
	struct kfx *k = kfx_new();
	static const char msg[] = "never signalled";
	/* The ring was empty: the guest had to signal and does not. */
	assert_int_equal(vfx_ring_send(&k->r, VMBUS_PKT_DATA_INBAND, 0, 9, msg, sizeof msg), 1);
	vfx_pump(k->f);
	vmbs_check_sweep(k->f->vb);
	assert_int_equal(vmbs_check_count(k->f->vb, VMBS_CHK_LOST_WAKEUP, 1), 1);
	assert_int_equal(k->e.packets, 0);
	/* Signalled late: processed, and the next sweep finds nothing new. */
	assert_int_equal(vfx_signal(k->f, 0x2001), HV_STATUS_SUCCESS);
	assert_int_equal(k->e.packets, 1);
	vmbs_check_sweep(k->f->vb);
	assert_int_equal(cnt(k, VMBS_CHK_LOST_WAKEUP), 1);
	kfx_free(k);
}

static void test_check__signal_on_empty_ring__unneeded_hint_only(void **state)
{
	(void)state;
	struct kfx *k = kfx_new();
	assert_int_equal(vfx_signal(k->f, 0x2001), HV_STATUS_SUCCESS);
	assert_int_equal(vfx_signal(k->f, 0x2001), HV_STATUS_SUCCESS);
	assert_int_equal(vmbs_check_count(k->f->vb, VMBS_CHK_SIGNAL_UNNEEDED, 1), 2);
	/* A hint is not a violation. */
	assert_int_equal(vmbs_check_total(k->f->vb, false), 0);
	assert_int_equal(vmbs_check_total(k->f->vb, true), 2);
	kfx_free(k);
}

static void test_check__guest_masks_send_ring__mask_wrong_ring(void **state)
{
	(void)state;
	struct kfx *k = kfx_new();
	vfx_ring_ctl(&k->r, false)[VFX_W_MASK] = 1;
	send_sig(k, VMBUS_PKT_DATA_INBAND, 0, 1);
	send_sig(k, VMBUS_PKT_DATA_INBAND, 0, 2);
	/* Once per open, not once per packet. */
	assert_int_equal(vmbs_check_count(k->f->vb, VMBS_CHK_MASK_WRONG_RING, 1), 1);
	kfx_free(k);
}

static void test_check__receive_ring_masked_over_data__mask_stuck(void **state)
{
	(void)state;
	struct kfx *k = kfx_new();
	vfx_ring_ctl(&k->r, true)[VFX_W_MASK] = 1;
	send_sig(k, VMBUS_PKT_DATA_INBAND, 0, 1);     /* echoed into ring B, no interrupt */
	assert_false(vfx_sief_take(k->f, 0, 1));
	vfx_pump(k->f);
	vmbs_check_sweep(k->f->vb);
	assert_int_equal(vmbs_check_count(k->f->vb, VMBS_CHK_MASK_STUCK, 1), 1);
	/* Unmasked and drained: nothing more. */
	vfx_ring_ctl(&k->r, true)[VFX_W_MASK] = 0;
	drain(k);
	vmbs_check_sweep(k->f->vb);
	assert_int_equal(cnt(k, VMBS_CHK_MASK_STUCK), 1);
	kfx_free(k);
}

static void test_check__pending_send_sz_misuse__three_findings(void **state)
{
	(void)state;
	struct kfx *k = kfx_new();
	uint32_t *a = vfx_ring_ctl(&k->r, false), *b = vfx_ring_ctl(&k->r, true);
	/* The host's field in ring B. */
	b[VFX_W_PENDING] = 64;
	/* Ring A: no feature bit, and more than the ring can ever free. */
	a[VFX_W_FEATURES] = 0;
	a[VFX_W_PENDING] = vfx_ring_dsize(&k->r, false);
	vmbs_check_sweep(k->f->vb);
	assert_int_equal(cnt(k, VMBS_CHK_PSS_WRONG_RING), 1);
	assert_int_equal(cnt(k, VMBS_CHK_PSS_NO_FEATURE), 1);
	assert_int_equal(cnt(k, VMBS_CHK_PSS_TOO_LARGE), 1);
	kfx_free(k);
}

static void test_check__write_index_misaligned__pkt_misaligned_and_closed(void **state)
{
	(void)state;
	struct kfx *k = kfx_new();
	vfx_ring_ctl(&k->r, false)[VFX_W_WRITE] = 12;
	assert_int_equal(vfx_signal(k->f, 0x2001), HV_STATUS_SUCCESS);
	assert_int_equal(vmbs_check_count(k->f->vb, VMBS_CHK_PKT_MISALIGNED, 1), 1);
	assert_false(vmbs_chan_is_open(vmbs_chan_by_relid(k->f->vb, 1)));
	kfx_free(k);
}

static void test_check__packet_longer_than_written__pkt_oversize(void **state)
{
	(void)state;
	struct kfx *k = kfx_new();
	struct vmbus_pkt_desc d = { .type = VMBUS_PKT_DATA_INBAND, .offset8 = 2, .len8 = 200 };
	vfx_ring_poke(&k->r, 0, &d, sizeof d);
	vfx_ring_ctl(&k->r, false)[VFX_W_WRITE] = 32;
	assert_int_equal(vfx_signal(k->f, 0x2001), HV_STATUS_SUCCESS);
	assert_int_equal(cnt(k, VMBS_CHK_PKT_OVERSIZE), 1);
	kfx_free(k);
}

static void test_check__unknown_packet_type__ring_corrupt(void **state)
{
	(void)state;
	struct kfx *k = kfx_new();
	send_sig(k, 0x8, 0, 1);
	assert_int_equal(cnt(k, VMBS_CHK_RING_CORRUPT), 1);
	kfx_free(k);
}

static void test_check__device_refuses_packet__chan_failed(void **state)
{
	(void)state;
	struct kfx *k = kfx_new();
	k->e.packet_rc = -EPROTO;
	send_sig(k, VMBUS_PKT_DATA_INBAND, 0, 1);
	assert_int_equal(cnt(k, VMBS_CHK_CHAN_FAILED), 1);
	kfx_free(k);
}

static void test_check__tid_reused_in_flight__tid_reuse(void **state)
{
	(void)state;
	struct kfx *k = kfx_new();
	k->e.no_echo = true;   /* the host holds the requests: ids stay in flight */
	send_sig(k, VMBUS_PKT_DATA_INBAND, VMBUS_PKT_FLAG_COMPLETION_REQUESTED, 7);
	send_sig(k, VMBUS_PKT_DATA_INBAND, VMBUS_PKT_FLAG_COMPLETION_REQUESTED, 8);
	send_sig(k, VMBUS_PKT_DATA_INBAND, VMBUS_PKT_FLAG_COMPLETION_REQUESTED, 7);
	assert_int_equal(vmbs_check_count(k->f->vb, VMBS_CHK_TID_REUSE, 1), 1);
	/* Once the host completes 7, 7 is free again. */
	struct vmbs_chan *ch = vmbs_chan_by_relid(k->f->vb, 1);
	assert_int_equal(vmbs_chan_send_completion(ch, 7, "ok", 2), 0);
	send_sig(k, VMBUS_PKT_DATA_INBAND, VMBUS_PKT_FLAG_COMPLETION_REQUESTED, 7);
	assert_int_equal(cnt(k, VMBS_CHK_TID_REUSE), 1);
	kfx_free(k);
}

static void test_check__completion_nobody_asked_for__comp_unsolicited(void **state)
{
	(void)state;
	struct kfx *k = kfx_new();
	struct vmbs_chan *ch = vmbs_chan_by_relid(k->f->vb, 1);
	assert_int_equal(vmbs_chan_send_inband(ch, 0x55, "req", 3, true), 0);
	drain(k);
	send_sig(k, VMBUS_PKT_COMP, 0, 0x55);       /* the right answer */
	assert_int_equal(cnt(k, VMBS_CHK_COMP_UNSOLICITED), 0);
	send_sig(k, VMBUS_PKT_COMP, 0, 0x55);       /* twice */
	send_sig(k, VMBUS_PKT_COMP, 0, 0x99);       /* never asked */
	assert_int_equal(vmbs_check_count(k->f->vb, VMBS_CHK_COMP_UNSOLICITED, 1), 2);
	kfx_free(k);
}

static void test_check__close_without_teardown__gpadl_leak(void **state)
{
	(void)state;
	struct kfx *k = kfx_new();
	vfx_close(k->f, 1);
	vmbs_check_sweep(k->f->vb);
	vmbs_check_sweep(k->f->vb);
	assert_int_equal(vmbs_check_count(k->f->vb, VMBS_CHK_GPADL_LEAK, 1), 1);
	kfx_free(k);
}

static void test_check__close_then_teardown__no_leak(void **state)
{
	(void)state;
	struct kfx *k = kfx_new();
	vfx_close(k->f, 1);
	vfx_teardown(k->f, 1, k->r.gpadl);
	vfx_expect(k->f, 0, VMBUS_MSG_GPADL_TORNDOWN, NULL, NULL);
	vmbs_check_sweep(k->f->vb);
	assert_int_equal(vmbs_check_total(k->f->vb, true), 0);
	kfx_free(k);
}

static void test_check__unload_with_open_channel__chan_and_gpadl_leak(void **state)
{
	(void)state;
	struct kfx *k = kfx_new();
	struct vmbus_msg_unload u = { .hdr.msgtype = VMBUS_MSG_UNLOAD };
	vfx_post(k->f, 0, 1, &u, sizeof u);
	vfx_expect(k->f, 0, VMBUS_MSG_UNLOAD_RESPONSE, NULL, NULL);
	assert_int_equal(vmbs_check_count(k->f->vb, VMBS_CHK_CHAN_LEAK, 1), 1);
	assert_int_equal(vmbs_check_count(k->f->vb, VMBS_CHK_GPADL_LEAK, 1), 1);
	kfx_free(k);
}

static void test_check__messages_in_wrong_state__msg_state_and_malformed(void **state)
{
	(void)state;
	struct kfx *k = kfx_new();
	/* REQUESTOFFERS twice; RELID_RELEASED of a live channel. */
	struct vmbus_msg_request_offers ro = { .hdr.msgtype = VMBUS_MSG_REQUESTOFFERS };
	vfx_post(k->f, 0, 1, &ro, sizeof ro);
	struct vmbus_msg_relid_released rr = { .hdr.msgtype = VMBUS_MSG_RELID_RELEASED,
					       .child_relid = 1 };
	vfx_post(k->f, 0, 1, &rr, sizeof rr);
	assert_int_equal(vmbs_check_count(k->f->vb, VMBS_CHK_MSG_STATE, 0), 1);
	assert_int_equal(vmbs_check_count(k->f->vb, VMBS_CHK_MSG_STATE, 1), 1);
	/* A CLOSECHANNEL cut short. */
	struct vmbus_msg_close cm = { .hdr.msgtype = VMBUS_MSG_CLOSECHANNEL, .child_relid = 1 };
	vfx_post(k->f, 0, 1, &cm, 8);
	assert_int_equal(cnt(k, VMBS_CHK_MSG_MALFORMED), 1);
	kfx_free(k);
}

struct lister { unsigned n; char names[8][32]; uint32_t relid[8]; };

static void list_cb(void *arg, const struct vmbs_finding *f)
{
	struct lister *l = arg;
	if (l->n < 8) {
		strncpy(l->names[l->n], f->name, sizeof l->names[0] - 1);
		l->relid[l->n] = f->relid;
	}
	l->n++;
	assert_true(f->why[0] != '\0');
}

static void test_check__list_clear_disable__api_behaves(void **state)
{
	(void)state;
	struct kfx *k = kfx_new();
	assert_true(vmbs_check_enabled(k->f->vb));
	assert_int_equal(vfx_signal(k->f, 0x2001), HV_STATUS_SUCCESS);
	vfx_close(k->f, 1);
	vmbs_check_sweep(k->f->vb);
	struct lister l = { 0 };
	assert_int_equal(vmbs_check_findings(k->f->vb, list_cb, &l), 2);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.names[0], "HV-CHK-SIGNAL-UNNEEDED");
	assert_string_equal(l.names[1], "HV-CHK-GPADL-LEAK");
	assert_int_equal(l.relid[1], 1);
	vmbs_check_clear(k->f->vb);
	assert_int_equal(vmbs_check_findings(k->f->vb, NULL, NULL), 0);
	/* Off: nothing is recorded. */
	vmbs_check_disable(k->f->vb);
	assert_false(vmbs_check_enabled(k->f->vb));
	struct vmbus_msg_request_offers ro = { .hdr.msgtype = VMBUS_MSG_REQUESTOFFERS };
	vfx_post(k->f, 0, 1, &ro, sizeof ro);
	assert_int_equal(vmbs_check_total(k->f->vb, true), 0);
	kfx_free(k);
}

static void test_check__names__round_trip(void **state)
{
	(void)state;
	for (int c = 0; c < VMBS_CHK_COUNT; c++) {
		const char *n = vmbs_chk_name((enum vmbs_chk)c);
		assert_int_equal(strncmp(n, "HV-CHK-", 7), 0);
		assert_int_equal(vmbs_chk_from_name(n), c);
		assert_int_equal(vmbs_chk_from_name(n + 7), c);
	}
	assert_int_equal(vmbs_chk_from_name("lost-wakeup"), VMBS_CHK_LOST_WAKEUP);
	assert_int_equal(vmbs_chk_from_name("HV-CHK-NOPE"), -1);
	assert_string_equal(vmbs_chk_name(VMBS_CHK_COUNT), "?");
	assert_true(vmbs_chk_is_hint(VMBS_CHK_SIGNAL_UNNEEDED));
	assert_false(vmbs_chk_is_hint(VMBS_CHK_LOST_WAKEUP));
}

static void test_check__enable_out_of_memory__enomem_then_works(void **state)
{
	(void)state;
	struct vfx *f = vfx_new("ws2022", 1, NULL);
	vmbs_check_alloc_fail_after(0);
	assert_int_equal(vmbs_check_enable(f->vb), -ENOMEM);
	vmbs_check_alloc_fail_after(-1);
	assert_false(vmbs_check_enabled(f->vb));
	assert_int_equal(vmbs_check_enable(f->vb), 0);
	vfx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check__well_behaved_guest__no_findings),
		cmocka_unit_test(test_check__data_without_signal__lost_wakeup),
		cmocka_unit_test(test_check__signal_on_empty_ring__unneeded_hint_only),
		cmocka_unit_test(test_check__guest_masks_send_ring__mask_wrong_ring),
		cmocka_unit_test(test_check__receive_ring_masked_over_data__mask_stuck),
		cmocka_unit_test(test_check__pending_send_sz_misuse__three_findings),
		cmocka_unit_test(test_check__write_index_misaligned__pkt_misaligned_and_closed),
		cmocka_unit_test(test_check__packet_longer_than_written__pkt_oversize),
		cmocka_unit_test(test_check__unknown_packet_type__ring_corrupt),
		cmocka_unit_test(test_check__device_refuses_packet__chan_failed),
		cmocka_unit_test(test_check__tid_reused_in_flight__tid_reuse),
		cmocka_unit_test(test_check__completion_nobody_asked_for__comp_unsolicited),
		cmocka_unit_test(test_check__close_without_teardown__gpadl_leak),
		cmocka_unit_test(test_check__close_then_teardown__no_leak),
		cmocka_unit_test(test_check__unload_with_open_channel__chan_and_gpadl_leak),
		cmocka_unit_test(test_check__messages_in_wrong_state__msg_state_and_malformed),
		cmocka_unit_test(test_check__list_clear_disable__api_behaves),
		cmocka_unit_test(test_check__names__round_trip),
		cmocka_unit_test(test_check__enable_out_of_memory__enomem_then_works),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
