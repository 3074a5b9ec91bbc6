/* test_hyperv_guest.c -- the guest's Hyper-V platform driver against a
 * real in-process partition: message delivery end to end, the queue/EOM
 * protocol seen from the guest, event flags, timer messages, hypercalls,
 * hostile slot contents, and allocation failures during init. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "guest_drivers/hyperv/hyperv.h"
#include "guest_drivers/kern.h"
#include "hyperv/hv_tlfs.h"
#include "sim/guest/runtime.h"
#include "sim/guest/transport.h"
#include "sim/hostd/gmem.h"
#include "sim/hostd/partition.h"
#include "sim/hostd/profile.h"

#define MEM (16u << 20)

struct gfx {
	struct gmem *gm;
	struct gk_transport *t;
	struct part *p;
	struct gk_runtime *rt;
	uint8_t *mem;
	/* what the consumer saw */
	int nmsg, nev;
	struct hv_message msg[8];
	int msg_cpu[8];
	uint32_t ev_flag[8];
	int ev_cpu[8];
};

static struct gfx *gfx_new(const char *profile, uint32_t ncpus)
{
	struct gfx *f = calloc(1, sizeof *f);
	assert_non_null(f);
	f->gm = gmem_create(MEM);
	assert_non_null(f->gm);
	f->mem = gmem_ptr(f->gm, 0, MEM);
	f->t = gk_inproc_create(f->mem, MEM, ncpus);
	assert_non_null(f->t);
	struct part_config pc = { .profile = hv_profile_find(profile), .nvcpus = ncpus };
	assert_non_null(pc.profile);
	f->p = part_create(f->gm, &pc, gk_inproc_part_notify(), f->t);
	assert_non_null(f->p);
	gk_inproc_attach(f->t, f->p);
	struct gk_runtime_config rc = { .sched = GK_SCHED_INPROC, .seed = 7 };
	f->rt = gk_runtime_create(f->t, &rc);
	assert_non_null(f->rt);
	return f;
}

static void gfx_free(struct gfx *f)
{
	hyperv_fini();
	assert_int_equal(gk_dma_pages_used(), 0);
	gk_runtime_destroy(f->rt);
	part_destroy(f->p);
	f->t->ops->close(f->t);
	gmem_destroy(f->gm);
	free(f);
	gk_alloc_fail_after(-1);
}

static void on_msg(void *arg, int cpu, const struct hv_message *m)
{
	struct gfx *f = arg;
	assert_true(m->header.payload_size <= HV_MESSAGE_PAYLOAD_BYTES);
	if (f->nmsg < 8) {
		f->msg[f->nmsg] = *m;
		f->msg_cpu[f->nmsg] = cpu;
	}
	f->nmsg++;
}

static void on_event(void *arg, int cpu, uint32_t flag)
{
	struct gfx *f = arg;
	if (f->nev < 8) {
		f->ev_flag[f->nev] = flag;
		f->ev_cpu[f->nev] = cpu;
	}
	f->nev++;
}

struct boot {
	struct hyperv_info info;
	int rc;
};

static int boot_fn(void *arg)
{
	struct boot *b = arg;
	b->rc = hyperv_init(&b->info);
	return b->rc;
}

static struct gfx *gfx_boot(const char *profile, uint32_t ncpus, struct hyperv_info *info)
{
	struct gfx *f = gfx_new(profile, ncpus);
	struct boot b;
	assert_int_equal(gk_runtime_call(f->rt, boot_fn, &b), 0);
	assert_int_equal(hyperv_set_sint_handler(HV_SINT_VMBUS, on_msg, on_event, f), 0);
	if (info)
		*info = b.info;
	return f;
}

struct waitn {
	int *counter;
	int goal;
};

static bool reached(void *arg)
{
	struct waitn *w = arg;
	return *w->counter >= w->goal;
}

static int wait_count(int *counter, int goal)
{
	struct waitn w = { counter, goal };
	return kern_wait(NULL, reached, &w, 10000000);
}

static bool never(void *arg) { (void)arg; return false; }

/* ---- messages ------------------------------------------------------------------ */

static void test_hyperv__host_posts_message__consumer_gets_copy_slot_released(void **state)
{
	(void)state;
	struct hyperv_info info;
	struct gfx *f = gfx_boot("ws2019", 2, &info);
	uint8_t payload[40];
	for (unsigned i = 0; i < sizeof payload; i++)
		payload[i] = (uint8_t)(i * 3 + 1);
	assert_int_equal(synic_post(f->p, 1, HV_SINT_VMBUS, HVMSG_VMBUS, 0x1234, payload, 40), 0);
	assert_int_equal(wait_count(&f->nmsg, 1), 0);
	assert_int_equal(f->nmsg, 1);
	assert_int_equal(f->msg_cpu[0], 1);
	assert_int_equal(f->msg[0].header.message_type, HVMSG_VMBUS);
	assert_int_equal(f->msg[0].header.payload_size, 40);
	assert_int_equal(f->msg[0].header.origination_id, 0x1234);
	assert_memory_equal(f->msg[0].payload, payload, 40);
	/* The slot in guest memory is free again. */
	const struct hv_message *slot =
		(const void *)(f->mem + info.cpu[1].simp_gpa + HV_SINT_VMBUS * 256);
	assert_int_equal(slot->header.message_type, HVMSG_NONE);
	struct hyperv_stats st;
	hyperv_get_stats(1, &st);
	assert_int_equal(st.messages, 1);
	assert_int_equal(st.eoms, 0);
	assert_int_equal(st.bad_messages, 0);
	gfx_free(f);
}

static void test_hyperv__three_queued_messages__in_order_with_two_eoms(void **state)
{
	(void)state;
	struct gfx *f = gfx_boot("ws2019", 1, NULL);
	for (uint8_t i = 0; i < 3; i++)
		assert_int_equal(synic_post(f->p, 0, HV_SINT_VMBUS, HVMSG_VMBUS, 0, &i, 1), 0);
	struct synic_state ss;
	assert_int_equal(synic_get_state(f->p, 0, &ss), 0);
	assert_int_equal(ss.queued[HV_SINT_VMBUS], 2);
	assert_int_equal(wait_count(&f->nmsg, 3), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(f->msg[i].payload[0], i);
	/* The first two carried MessagePending (one was queued behind each);
	 * the guest wrote EOM for exactly those. */
	assert_true(f->msg[0].header.flags & HV_MSG_FLAG_PENDING);
	assert_true(f->msg[1].header.flags & HV_MSG_FLAG_PENDING);
	assert_false(f->msg[2].header.flags & HV_MSG_FLAG_PENDING);
	struct hyperv_stats st;
	hyperv_get_stats(0, &st);
	assert_int_equal(st.eoms, 2);
	assert_int_equal(synic_get_state(f->p, 0, &ss), 0);
	assert_int_equal(ss.queued[HV_SINT_VMBUS], 0);
	gfx_free(f);
}

static void test_hyperv__event_flags__each_set_flag_once_then_cleared(void **state)
{
	(void)state;
	struct hyperv_info info;
	struct gfx *f = gfx_boot("ws2019", 4, &info);
	assert_int_equal(synic_signal(f->p, 2, HV_SINT_VMBUS, 5), 0);
	assert_int_equal(synic_signal(f->p, 2, HV_SINT_VMBUS, 100), 0);
	assert_int_equal(synic_signal(f->p, 2, HV_SINT_VMBUS, 2047), 0);
	assert_int_equal(wait_count(&f->nev, 3), 0);
	assert_int_equal(kern_wait(NULL, never, NULL, 100000), -ETIMEDOUT);
	assert_int_equal(f->nev, 3);
	assert_int_equal(f->ev_flag[0], 5);
	assert_int_equal(f->ev_flag[1], 100);
	assert_int_equal(f->ev_flag[2], 2047);
	for (int i = 0; i < 3; i++)
		assert_int_equal(f->ev_cpu[i], 2);
	const uint8_t *flags = f->mem + info.cpu[2].siefp_gpa + HV_SINT_VMBUS * 256;
	for (int i = 0; i < 256; i++)
		assert_int_equal(flags[i], 0);
	struct hyperv_stats st;
	hyperv_get_stats(2, &st);
	assert_int_equal(st.events, 3);
	gfx_free(f);
}

static int arm_stimer(void *arg)
{
	(void)arg;
	uint64_t cfg = HV_STIMER_ENABLE | HV_STIMER_AUTOENABLE |
		       ((uint64_t)HV_SINT_VMBUS << HV_STIMER_SINT_SHIFT);
	if (kern_wrmsr(HV_MSR_STIMER0_CONFIG, cfg))
		return -EIO;
	return kern_wrmsr(HV_MSR_STIMER0_COUNT, hyperv_ref_time() + 1000);
}

static bool timer_msg_seen(void *arg)
{
	(void)arg;
	struct hyperv_stats st;
	hyperv_get_stats(0, &st);
	return st.timer_messages > 0;
}

static void test_hyperv__stimer_message__counted_not_handed_to_vmbus(void **state)
{
	(void)state;
	struct gfx *f = gfx_boot("ws2019", 1, NULL);
	assert_int_equal(gk_runtime_call(f->rt, arm_stimer, NULL), 0);
	assert_int_equal(kern_wait(NULL, timer_msg_seen, NULL, 10000000), 0);
	assert_true(part_time(f->p) >= 1000);
	assert_int_equal(f->nmsg, 0);
	gfx_free(f);
}

/* ---- hostile slot contents --------------------------------------------------------- */

static void test_hyperv__slot_with_payload_241__dropped_counted_released(void **state)
{
	(void)state;
	struct hyperv_info info;
	struct gfx *f = gfx_boot("ws2019", 1, &info);
	struct hv_message *slot = (void *)(f->mem + info.cpu[0].simp_gpa + HV_SINT_VMBUS * 256);
	slot->header.payload_size = 241;
	slot->header.message_type = HVMSG_VMBUS;
	f->t->irq(f->t->irq_arg, 0, HYPERV_SINT_VECTOR);
	assert_int_equal(kern_wait(NULL, never, NULL, 1000), -ETIMEDOUT);
	struct hyperv_stats st;
	hyperv_get_stats(0, &st);
	assert_int_equal(st.bad_messages, 1);
	assert_int_equal(f->nmsg, 0);
	assert_int_equal(slot->header.message_type, HVMSG_NONE);
	gfx_free(f);
}

/* ---- hypercalls --------------------------------------------------------------------- */

static bool ready_called;
static void port_ready(void *arg) { (void)arg; ready_called = true; }
static uint32_t sig_vp;
static uint16_t sig_flag;
static int nsig;
static void port_signal(void *arg, uint32_t vp, uint16_t flag)
{
	(void)arg;
	sig_vp = vp;
	sig_flag = flag;
	nsig++;
}

static int post_fn(void *arg)
{
	uint16_t *st = arg;
	st[0] = hyperv_post_message(7, HVMSG_VMBUS, "hello", 5);
	st[1] = hyperv_post_message(8, HVMSG_VMBUS, "x", 1);
	st[2] = hyperv_post_message(7, HVMSG_VMBUS, "x", 241);
	st[3] = hyperv_signal_event(9, 3);
	st[4] = hyperv_signal_event(10, 0);
	return 0;
}

static void test_hyperv__post_message_and_signal_event__reach_host_ports(void **state)
{
	(void)state;
	struct gfx *f = gfx_boot("ws2019", 1, NULL);
	assert_int_equal(part_msg_port_add(f->p, 7, port_ready, NULL), 0);
	assert_int_equal(part_event_port_add(f->p, 9, 4, port_signal, NULL), 0);
	uint16_t st[5];
	ready_called = false;
	nsig = 0;
	gk_runtime_call(f->rt, post_fn, st);
	assert_int_equal(st[0], HV_STATUS_SUCCESS);
	assert_int_equal(st[1], HV_STATUS_INVALID_CONNECTION_ID);
	assert_int_equal(st[2], HV_STATUS_INVALID_PARAMETER);
	assert_int_equal(st[3], HV_STATUS_SUCCESS);
	assert_int_equal(st[4], HV_STATUS_INVALID_CONNECTION_ID);
	assert_true(ready_called);
	struct part_posted_msg m;
	assert_int_equal(part_port_recv(f->p, 7, &m), 0);
	assert_int_equal(m.vp, 0);
	assert_int_equal(m.message_type, HVMSG_VMBUS);
	assert_int_equal(m.payload_size, 5);
	assert_memory_equal(m.payload, "hello", 5);
	assert_int_equal(nsig, 1);
	assert_int_equal(sig_flag, 3);
	assert_int_equal(sig_vp, 0);
	gfx_free(f);
}

/* ---- clock ------------------------------------------------------------------------- */

static void test_hyperv__tsc_page_clock__agrees_with_host_reference_time(void **state)
{
	(void)state;
	struct gfx *f = gfx_boot("ws2019", 1, NULL);
	assert_string_equal(kern_clock_name(), "hyperv_tsc_page");
	for (int i = 0; i < 5; i++) {
		assert_int_equal(kern_wait(NULL, never, NULL, 1234567), -ETIMEDOUT);
		uint64_t host = part_time(f->p);
		uint64_t guest = hyperv_ref_time();
		assert_true(guest + 1 >= host && guest <= host + 1);
		uint64_t ns = kern_uptime_ns();
		assert_true(ns / 100 + 1 >= host && ns / 100 <= host + 1);
	}
	gfx_free(f);
}

/* ---- failure injection ------------------------------------------------------------ */

static void assert_host_clean(struct gfx *f)
{
	uint64_t v;
	for (uint32_t vp = 0; vp < part_nvcpus(f->p); vp++) {
		struct synic_state ss;
		assert_int_equal(synic_get_state(f->p, vp, &ss), 0);
		assert_false(ss.scontrol_enabled);
		assert_int_equal(ss.simp & HV_OVERLAY_ENABLE, 0);
		assert_int_equal(ss.siefp & HV_OVERLAY_ENABLE, 0);
		assert_true(ss.sint[HV_SINT_VMBUS] & HV_SINT_MASKED);
	}
	assert_int_equal(part_rdmsr(f->p, 0, HV_MSR_HYPERCALL, &v), 0);
	assert_int_equal(v & HV_HYPERCALL_ENABLE, 0);
	assert_int_equal(part_rdmsr(f->p, 0, HV_MSR_GUEST_OS_ID, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(part_rdmsr(f->p, 0, HV_MSR_REFERENCE_TSC, &v), 0);
	assert_int_equal(v & HV_OVERLAY_ENABLE, 0);
}

static void test_hyperv__allocation_fails_at_each_step__init_unwinds_cleanly(void **state)
{
	(void)state;
	struct gfx *f = gfx_new("ws2019", 4);
	long base = gk_alloc_outstanding();
	int steps = 0;
	for (long n = 0; n < 1000; n++) {
		struct boot b;
		gk_alloc_fail_after(n);
		gk_runtime_call(f->rt, boot_fn, &b);
		if (!gk_alloc_failed()) {
			assert_int_equal(b.rc, 0);
			break;
		}
		steps++;
		assert_int_equal(b.rc, -ENOMEM);
		assert_false(hyperv_present());
		assert_false(b.info.hypercall_page);
		assert_int_equal(gk_dma_pages_used(), 0);
		assert_int_equal(gk_alloc_outstanding(), base);
		assert_string_equal(kern_clock_name(), "runtime");
		assert_host_clean(f);
	}
	gk_alloc_fail_after(-1);
	/* hypercall page + 4 x (input page, lock, SIMP, SIEFP) + TSC page */
	assert_true(steps >= 18);
	assert_true(hyperv_present());
	hyperv_fini();
	assert_host_clean(f);
	gfx_free(f);
}

static void test_hyperv__init_twice__ebusy_fini_then_init_again_ok(void **state)
{
	(void)state;
	struct gfx *f = gfx_boot("ws2019", 2, NULL);
	struct boot b;
	assert_int_equal(gk_runtime_call(f->rt, boot_fn, &b), -EBUSY);
	hyperv_fini();
	assert_false(hyperv_present());
	assert_host_clean(f);
	assert_int_equal(gk_runtime_call(f->rt, boot_fn, &b), 0);
	assert_true(hyperv_present());
	gfx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hyperv__host_posts_message__consumer_gets_copy_slot_released),
		cmocka_unit_test(test_hyperv__three_queued_messages__in_order_with_two_eoms),
		cmocka_unit_test(test_hyperv__event_flags__each_set_flag_once_then_cleared),
		cmocka_unit_test(test_hyperv__stimer_message__counted_not_handed_to_vmbus),
		cmocka_unit_test(test_hyperv__slot_with_payload_241__dropped_counted_released),
		cmocka_unit_test(test_hyperv__post_message_and_signal_event__reach_host_ports),
		cmocka_unit_test(test_hyperv__tsc_page_clock__agrees_with_host_reference_time),
		cmocka_unit_test(test_hyperv__allocation_fails_at_each_step__init_unwinds_cleanly),
		cmocka_unit_test(test_hyperv__init_twice__ebusy_fini_then_init_again_ok),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
