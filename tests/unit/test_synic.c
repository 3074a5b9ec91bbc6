/* test_synic.c -- SynIC delivery: slot/queue/MessagePending/EOM ordering,
 * masked and polling SINTs, event-flag edges, stale page content. */
#include "part_fixture.h"

#define S HV_SINT_VMBUS

static void post_n(struct fx *f, uint32_t n, uint32_t first)
{
	for (uint32_t i = first; i < first + n; i++)
		assert_int_equal(synic_post(f->p, 0, S, 1, 7, &i, sizeof i), 0);
}

static uint32_t slot_seq(struct fx *f)
{
	uint32_t v;
	memcpy(&v, fx_slot(f, 0, S)->payload, 4);
	return v;
}

static void test_synic__post_free_slot__header_payload_irq(void **state)
{
	(void)state;
	struct fx *f = fx_new("ws2019", 2);
	fx_synic_enable(f, 0);
	assert_int_equal(synic_post(f->p, 0, S, 1, 0x2A, "abc", 3), 0);
	const struct hv_message *m = fx_slot(f, 0, S);
	const uint8_t want[] = { 1, 0, 0, 0, 3, 0, 0, 0, 0x2A, 0, 0, 0, 0, 0, 0, 0, 'a', 'b', 'c', 0 };
	assert_memory_equal(m, want, sizeof want);
	assert_int_equal(f->nirq, 1);
	assert_int_equal(f->irq_vp[0], 0);
	assert_int_equal(f->irq_vec[0], FX_VECTOR);
	assert_int_equal(synic_post(f->p, 2, S, 1, 0, NULL, 0), -EINVAL);
	assert_int_equal(synic_post(f->p, 0, 16, 1, 0, NULL, 0), -EINVAL);
	assert_int_equal(synic_post(f->p, 0, S, 0, 0, NULL, 0), -EINVAL);
	assert_int_equal(synic_post(f->p, 0, S, 1, 0, "x", 241), -EINVAL);
	fx_free(f);
}

static void test_synic__full_queue__eom_delivers_in_order(void **state)
{
	(void)state;
	struct fx *f = fx_new("ws2019", 1);
	fx_synic_enable(f, 0);
	post_n(f, 1, 0); /* fills the slot */
	assert_int_equal(fx_slot(f, 0, S)->header.flags, 0);
	post_n(f, PART_SINT_QUEUE_DEPTH, 1); /* queue to the cap */
	assert_int_equal(fx_slot(f, 0, S)->header.flags & HV_MSG_FLAG_PENDING, HV_MSG_FLAG_PENDING);
	uint32_t x = 999;
	assert_int_equal(synic_post(f->p, 0, S, 1, 0, &x, 4), -ENOSPC);
	struct synic_state ss;
	assert_int_equal(synic_get_state(f->p, 0, &ss), 0);
	assert_int_equal(ss.queued[S], PART_SINT_QUEUE_DEPTH);
	struct part_stats st;
	part_get_stats(f->p, &st);
	assert_int_equal(st.synic_dropped, 1);
	assert_int_equal(st.synic_queued, PART_SINT_QUEUE_DEPTH);

	/* EOM without freeing the slot delivers nothing */
	fx_wr(f, 0, HV_MSR_EOM, 0);
	assert_int_equal(slot_seq(f), 0);
	assert_int_equal(f->nirq, 1);

	for (uint32_t i = 1; i <= PART_SINT_QUEUE_DEPTH; i++) {
		int pend;
		fx_ack(f, 0, S, &pend);
		assert_true(pend); /* every message but the last had followers */
		assert_int_equal(fx_slot(f, 0, S)->header.message_type, 1);
		assert_int_equal(slot_seq(f), i);
		bool last = i == PART_SINT_QUEUE_DEPTH;
		assert_int_equal(fx_slot(f, 0, S)->header.flags & HV_MSG_FLAG_PENDING,
				 last ? 0 : HV_MSG_FLAG_PENDING);
		assert_int_equal(f->nirq, i + 1);
	}
	int pend;
	fx_ack(f, 0, S, &pend);
	assert_false(pend);
	assert_int_equal(synic_get_state(f->p, 0, &ss), 0);
	assert_int_equal(ss.queued[S], 0);
	assert_int_equal(ss.delivered, PART_SINT_QUEUE_DEPTH + 1);
	/* EOM with nothing pending is harmless */
	fx_wr(f, 0, HV_MSR_EOM, 0);
	assert_int_equal(f->nirq, PART_SINT_QUEUE_DEPTH + 1);
	fx_free(f);
}

static void test_synic__guest_cleared_before_pending_set__delivered_anyway(void **state)
{
	(void)state;
	/* The guest empties the slot without EOM (it saw no pending flag);
	 * a later post must go straight in, not wait for an EOM. */
	struct fx *f = fx_new("ws2019", 1);
	fx_synic_enable(f, 0);
	post_n(f, 1, 0);
	fx_slot(f, 0, S)->header.message_type = HVMSG_NONE;
	post_n(f, 1, 1);
	assert_int_equal(slot_seq(f), 1);
	assert_int_equal(fx_slot(f, 0, S)->header.flags, 0);
	fx_free(f);
}

static void test_synic__masked_sint__kept_until_unmask(void **state)
{
	(void)state;
	struct fx *f = fx_new("ws2019", 1);
	fx_synic_enable(f, 0);
	fx_wr(f, 0, HV_MSR_SINT0 + S, HV_SINT_MASKED | FX_VECTOR);
	post_n(f, 3, 0);
	assert_int_equal(fx_slot(f, 0, S)->header.message_type, HVMSG_NONE);
	assert_int_equal(f->nirq, 0);
	assert_int_equal(synic_signal(f->p, 0, S, 5), -EAGAIN);
	fx_wr(f, 0, HV_MSR_SINT0 + S, FX_VECTOR);
	assert_int_equal(slot_seq(f), 0);
	assert_int_equal(fx_slot(f, 0, S)->header.flags, HV_MSG_FLAG_PENDING);
	assert_int_equal(f->nirq, 1);
	fx_ack(f, 0, S, NULL);
	fx_ack(f, 0, S, NULL);
	assert_int_equal(slot_seq(f), 2);
	fx_free(f);
}

static void test_synic__synic_or_simp_off__kept_until_enabled(void **state)
{
	(void)state;
	struct fx *f = fx_new("ws2019", 1);
	/* nothing enabled yet: queued */
	post_n(f, 2, 0);
	struct synic_state ss;
	synic_get_state(f->p, 0, &ss);
	assert_int_equal(ss.queued[S], 2);
	fx_synic_enable(f, 0); /* SCONTROL last flushes */
	assert_int_equal(slot_seq(f), 0);
	fx_wr(f, 0, HV_MSR_SCONTROL, 0);
	fx_ack(f, 0, S, NULL); /* EOM while SynIC is off: stays queued */
	assert_int_equal(fx_slot(f, 0, S)->header.message_type, HVMSG_NONE);
	fx_wr(f, 0, HV_MSR_SCONTROL, 1);
	assert_int_equal(slot_seq(f), 1);
	fx_free(f);
}

static void test_synic__stale_simp_content__ignored(void **state)
{
	(void)state;
	struct fx *f = fx_new("ws2019", 1);
	/* CVE-2020-0890 pattern: garbage types and pending flags before enable */
	memset(gmem_ptr(f->gm, FX_SIMP_GPA(0), 4096), 0xFF, 4096);
	memset(gmem_ptr(f->gm, FX_SIEFP_GPA(0), 4096), 0xFF, 4096);
	fx_synic_enable(f, 0);
	post_n(f, 1, 42);
	assert_int_equal(slot_seq(f), 42);
	assert_int_equal(fx_slot(f, 0, S)->header.flags, 0);
	assert_int_equal(fx_slot(f, 0, 3)->header.message_type, 0);
	assert_int_equal(fx_sief(f, 0, S)[0], 0);
	/* rewriting the same enabled SIMP value keeps the slot */
	fx_wr(f, 0, HV_MSR_SIMP, FX_SIMP_GPA(0) | 1);
	assert_int_equal(slot_seq(f), 42);
	fx_free(f);
}

static void test_synic__polling_sint__no_irq(void **state)
{
	(void)state;
	struct fx *f = fx_new("ws2019", 1);
	fx_synic_enable(f, 0);
	fx_wr(f, 0, HV_MSR_SINT0 + 4, HV_SINT_POLLING | 0x40);
	assert_int_equal(synic_post(f->p, 0, 4, 1, 0, "p", 1), 0);
	assert_int_equal(fx_slot(f, 0, 4)->header.message_type, 1);
	assert_int_equal(synic_signal(f->p, 0, 4, 3), 0);
	assert_int_equal(fx_sief(f, 0, 4)[0], 0x08);
	assert_int_equal(f->nirq, 0);
	fx_free(f);
}

static void test_synic__event_flags__irq_on_edge_only(void **state)
{
	(void)state;
	struct fx *f = fx_new("ws2019", 2);
	fx_synic_enable(f, 1);
	assert_int_equal(synic_signal(f->p, 1, S, 13), 0);
	assert_int_equal(fx_sief(f, 1, S)[1], 0x20);
	assert_int_equal(f->nirq, 1);
	assert_int_equal(f->irq_vp[0], 1);
	assert_int_equal(synic_signal(f->p, 1, S, 13), 0); /* already set */
	assert_int_equal(f->nirq, 1);
	assert_int_equal(synic_signal(f->p, 1, S, 2047), 0);
	assert_int_equal(fx_sief(f, 1, S)[255], 0x80);
	assert_int_equal(f->nirq, 2);
	fx_sief(f, 1, S)[1] = 0; /* the guest test-and-clears */
	assert_int_equal(synic_signal(f->p, 1, S, 13), 0);
	assert_int_equal(f->nirq, 3);
	assert_int_equal(synic_signal(f->p, 1, S, 2048), -EINVAL);
	assert_int_equal(synic_signal(f->p, 0, S, 1), -EAGAIN); /* vp0 SynIC off */
	fx_wr(f, 1, HV_MSR_SIEFP, 0);
	assert_int_equal(synic_signal(f->p, 1, S, 1), -EAGAIN);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_synic__post_free_slot__header_payload_irq),
		cmocka_unit_test(test_synic__full_queue__eom_delivers_in_order),
		cmocka_unit_test(test_synic__guest_cleared_before_pending_set__delivered_anyway),
		cmocka_unit_test(test_synic__masked_sint__kept_until_unmask),
		cmocka_unit_test(test_synic__synic_or_simp_off__kept_until_enabled),
		cmocka_unit_test(test_synic__stale_simp_content__ignored),
		cmocka_unit_test(test_synic__polling_sint__no_irq),
		cmocka_unit_test(test_synic__event_flags__irq_on_edge_only),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
