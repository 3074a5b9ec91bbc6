/* test_stimer.c -- synthetic timers: one-shot, periodic, AutoEnable,
 * held expiries, direct mode, deadline notifications. */
#include "part_fixture.h"

#define S HV_SINT_VMBUS
#define CFG_MSG(sint) (HV_STIMER_ENABLE | HV_STIMER_AUTOENABLE | ((uint64_t)(sint) << 16))

static struct hv_timer_message_payload slot_timer(struct fx *f)
{
	struct hv_message *m = fx_slot(f, 0, S);
	assert_int_equal(m->header.message_type, HVMSG_TIMER_EXPIRED);
	assert_int_equal(m->header.payload_size, 24);
	assert_int_equal(m->header.origination_id, 0);
	struct hv_timer_message_payload pl;
	memcpy(&pl, m->payload, sizeof pl);
	return pl;
}

static void test_stimer__one_shot__fires_at_deadline_and_disables(void **state)
{
	(void)state;
	struct fx *f = fx_new("ws2019", 1);
	fx_synic_enable(f, 0);
	/* Linux: config once (count 0 keeps it disabled), then count = now + delta */
	fx_wr(f, 0, HV_MSR_STIMER0_CONFIG, CFG_MSG(S));
	assert_int_equal(fx_rd(f, 0, HV_MSR_STIMER0_CONFIG) & HV_STIMER_ENABLE, 0);
	fx_wr(f, 0, HV_MSR_STIMER0_COUNT, 1000);
	assert_int_equal(fx_rd(f, 0, HV_MSR_STIMER0_CONFIG) & HV_STIMER_ENABLE, HV_STIMER_ENABLE);
	assert_int_equal(part_next_deadline(f->p), 1000);
	assert_int_equal(f->last_deadline, 1000);
	part_set_time(f->p, 999);
	assert_int_equal(fx_slot(f, 0, S)->header.message_type, 0);
	part_set_time(f->p, 1005);
	struct hv_timer_message_payload pl = slot_timer(f);
	assert_int_equal(pl.timer_index, 0);
	assert_int_equal(pl.expiration_time, 1000);
	assert_int_equal(pl.delivery_time, 1005);
	assert_int_equal(f->nirq, 1);
	assert_int_equal(fx_rd(f, 0, HV_MSR_STIMER0_CONFIG) & HV_STIMER_ENABLE, 0);
	assert_int_equal(part_next_deadline(f->p), UINT64_MAX);
	assert_int_equal(f->last_deadline, UINT64_MAX);
	struct part_stats st;
	part_get_stats(f->p, &st);
	assert_int_equal(st.timer_expiries, 1);
	fx_free(f);
}

static void test_stimer__one_shot_in_past__fires_at_once(void **state)
{
	(void)state;
	struct fx *f = fx_new("ws2019", 1);
	fx_synic_enable(f, 0);
	part_set_time(f->p, 5000);
	fx_wr(f, 0, HV_MSR_STIMER0_CONFIG + 2, CFG_MSG(S)); /* stimer1 */
	fx_wr(f, 0, HV_MSR_STIMER0_COUNT + 2, 10);
	struct hv_timer_message_payload pl = slot_timer(f);
	assert_int_equal(pl.timer_index, 1);
	assert_int_equal(pl.expiration_time, 10);
	assert_int_equal(pl.delivery_time, 5000);
	fx_free(f);
}

static void test_stimer__periodic__rearms_each_period(void **state)
{
	(void)state;
	struct fx *f = fx_new("ws2019", 1);
	fx_synic_enable(f, 0);
	part_set_time(f->p, 100);
	fx_wr(f, 0, HV_MSR_STIMER0_COUNT, 50);
	fx_wr(f, 0, HV_MSR_STIMER0_CONFIG, CFG_MSG(S) | HV_STIMER_PERIODIC);
	assert_int_equal(part_next_deadline(f->p), 150);
	part_set_time(f->p, 150);
	assert_int_equal(slot_timer(f).expiration_time, 150);
	assert_int_equal(part_next_deadline(f->p), 200);
	fx_ack(f, 0, S, NULL);
	part_set_time(f->p, 210);
	assert_int_equal(slot_timer(f).expiration_time, 200);
	assert_int_equal(part_next_deadline(f->p), 250);
	fx_ack(f, 0, S, NULL);
	/* a long jump fires once and skips missed periods */
	part_set_time(f->p, 1000);
	assert_int_equal(slot_timer(f).expiration_time, 250);
	assert_int_equal(part_next_deadline(f->p), 1050);
	/* COUNT 0 disables */
	fx_wr(f, 0, HV_MSR_STIMER0_COUNT, 0);
	assert_int_equal(fx_rd(f, 0, HV_MSR_STIMER0_CONFIG) & HV_STIMER_ENABLE, 0);
	assert_int_equal(part_next_deadline(f->p), UINT64_MAX);
	fx_free(f);
}

static void test_stimer__busy_slot__expiry_held_until_eom(void **state)
{
	(void)state;
	struct fx *f = fx_new("ws2019", 1);
	fx_synic_enable(f, 0);
	uint32_t x = 7;
	assert_int_equal(synic_post(f->p, 0, S, 1, 0, &x, 4), 0); /* occupy the slot */
	fx_wr(f, 0, HV_MSR_STIMER0_CONFIG, CFG_MSG(S));
	fx_wr(f, 0, HV_MSR_STIMER0_COUNT, 100);
	part_set_time(f->p, 100);
	assert_int_equal(fx_slot(f, 0, S)->header.message_type, 1);
	assert_int_equal(fx_slot(f, 0, S)->header.flags, HV_MSG_FLAG_PENDING);
	part_set_time(f->p, 300);
	int pend;
	fx_ack(f, 0, S, &pend);
	assert_true(pend);
	struct hv_timer_message_payload pl = slot_timer(f);
	assert_int_equal(pl.expiration_time, 100);
	assert_int_equal(pl.delivery_time, 300);
	assert_int_equal(fx_slot(f, 0, S)->header.flags, 0);
	fx_free(f);
}

static void test_stimer__masked_sint__held_until_unmask(void **state)
{
	(void)state;
	struct fx *f = fx_new("ws2019", 1);
	fx_synic_enable(f, 0);
	fx_wr(f, 0, HV_MSR_SINT0 + 5, HV_SINT_MASKED | 0x50);
	fx_wr(f, 0, HV_MSR_STIMER0_CONFIG + 6, CFG_MSG(5)); /* stimer3 */
	fx_wr(f, 0, HV_MSR_STIMER0_COUNT + 6, 10);
	part_set_time(f->p, 20);
	assert_int_equal(fx_slot(f, 0, 5)->header.message_type, 0);
	fx_wr(f, 0, HV_MSR_SINT0 + 5, 0x50);
	assert_int_equal(fx_slot(f, 0, 5)->header.message_type, HVMSG_TIMER_EXPIRED);
	assert_int_equal(f->irq_vec[0], 0x50);
	fx_free(f);
}

static void test_stimer__direct_mode__raises_vector_no_message(void **state)
{
	(void)state;
	struct fx *f = fx_new("ws2019", 1);
	fx_synic_enable(f, 0);
	fx_wr(f, 0, HV_MSR_STIMER0_COUNT, 40);
	fx_wr(f, 0, HV_MSR_STIMER0_CONFIG, HV_STIMER_ENABLE | HV_STIMER_DIRECT_MODE | (0xECull << 4));
	part_set_time(f->p, 40);
	assert_int_equal(f->nirq, 1);
	assert_int_equal(f->irq_vec[0], 0xEC);
	assert_int_equal(fx_slot(f, 0, 0)->header.message_type, 0);
	fx_free(f);

	/* ws2012r2 does not offer direct mode */
	f = fx_new("ws2012r2", 1);
	assert_int_equal(part_wrmsr(f->p, 0, HV_MSR_STIMER0_CONFIG,
				    HV_STIMER_DIRECT_MODE | (0xECull << 4)), -EINVAL);
	fx_free(f);
}

static void test_stimer__sintx_zero_message_mode__disabled(void **state)
{
	(void)state;
	struct fx *f = fx_new("ws2019", 1);
	fx_wr(f, 0, HV_MSR_STIMER0_COUNT, 40);
	fx_wr(f, 0, HV_MSR_STIMER0_CONFIG, HV_STIMER_ENABLE);
	assert_int_equal(fx_rd(f, 0, HV_MSR_STIMER0_CONFIG) & HV_STIMER_ENABLE, 0);
	assert_int_equal(part_next_deadline(f->p), UINT64_MAX);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stimer__one_shot__fires_at_deadline_and_disables),
		cmocka_unit_test(test_stimer__one_shot_in_past__fires_at_once),
		cmocka_unit_test(test_stimer__periodic__rearms_each_period),
		cmocka_unit_test(test_stimer__busy_slot__expiry_held_until_eom),
		cmocka_unit_test(test_stimer__masked_sint__held_until_unmask),
		cmocka_unit_test(test_stimer__direct_mode__raises_vector_no_message),
		cmocka_unit_test(test_stimer__sintx_zero_message_mode__disabled),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
