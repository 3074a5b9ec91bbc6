/* test_hypercall.c -- every status path of HvPostMessage / HvSignalEvent
 * and the control-word decode, table-driven. */
#include "part_fixture.h"

#define MSG_CONN 1u
#define EVT_CONN 0x2001u
#define PM       HVCALL_POST_MESSAGE
#define SE       HVCALL_SIGNAL_EVENT
#define IN       FX_IN_GPA

struct hc_case {
	const char *what;
	uint64_t control, in, out;
	bool write_msg; /* write a post-message block at 'in' first */
	struct hv_input_post_message msg;
	uint16_t status;
};

#define GOODMSG { .connection_id = MSG_CONN, .message_type = 1, .payload_size = 8 }

static const struct hc_case cases[] = {
	{ "unknown code", 0xFFFF, IN, 0, false, { 0 }, HV_STATUS_INVALID_HYPERCALL_CODE },
	{ "code 0", 0, IN, 0, false, { 0 }, HV_STATUS_INVALID_HYPERCALL_CODE },
	{ "rsvdz 27", PM | (1ull << 27), IN, 0, true, GOODMSG, HV_STATUS_INVALID_HYPERCALL_INPUT },
	{ "rsvdz 30", PM | (1ull << 30), IN, 0, true, GOODMSG, HV_STATUS_INVALID_HYPERCALL_INPUT },
	{ "rsvdz 44", PM | (1ull << 44), IN, 0, true, GOODMSG, HV_STATUS_INVALID_HYPERCALL_INPUT },
	{ "rsvdz 63", SE | HV_HC_FAST | (1ull << 63), EVT_CONN, 0, false, { 0 }, HV_STATUS_INVALID_HYPERCALL_INPUT },
	{ "rsvdz on unknown code", 0xFFFF | (1ull << 60), 0, 0, false, { 0 }, HV_STATUS_INVALID_HYPERCALL_INPUT },
	{ "nested bit", PM | HV_HC_NESTED, IN, 0, true, GOODMSG, HV_STATUS_INVALID_HYPERCALL_INPUT },
	{ "rep count on simple", PM | (1ull << 32), IN, 0, true, GOODMSG, HV_STATUS_INVALID_HYPERCALL_INPUT },
	{ "rep start on simple", SE | HV_HC_FAST | (1ull << 48), EVT_CONN, 0, false, { 0 }, HV_STATUS_INVALID_HYPERCALL_INPUT },
	{ "rep start > count", PM | (1ull << 32) | (5ull << 48), IN, 0, true, GOODMSG, HV_STATUS_INVALID_HYPERCALL_INPUT },
	{ "var header size", PM | (1ull << 17), IN, 0, true, GOODMSG, HV_STATUS_INVALID_HYPERCALL_INPUT },
	{ "var header max", SE | HV_HC_FAST | HV_HC_VARHDR_MASK, EVT_CONN, 0, false, { 0 }, HV_STATUS_INVALID_HYPERCALL_INPUT },
	{ "post fast", PM | HV_HC_FAST, MSG_CONN, 0, false, { 0 }, HV_STATUS_INVALID_HYPERCALL_INPUT },
	{ "post misaligned", PM, IN + 4, 0, false, { 0 }, HV_STATUS_INVALID_ALIGNMENT },
	{ "post crosses page", PM, IN + 0xF08, 0, false, { 0 }, HV_STATUS_INVALID_ALIGNMENT },
	{ "post past RAM", PM, FX_MEM, 0, false, { 0 }, HV_STATUS_INVALID_ALIGNMENT },
	{ "post wraps", PM, 0xFFFFFFFFFFFFFF00ull, 0, false, { 0 }, HV_STATUS_INVALID_ALIGNMENT },
	{ "out misaligned", PM, IN, IN + 0x1004, true, GOODMSG, HV_STATUS_INVALID_ALIGNMENT },
	{ "out past RAM", PM, IN, FX_MEM + 0x1000, true, GOODMSG, HV_STATUS_INVALID_ALIGNMENT },
	{ "out overlaps in", PM, IN, IN + 0x80, true, GOODMSG, HV_STATUS_INVALID_PARAMETER },
	{ "post type 0", PM, IN, 0, true, { .connection_id = MSG_CONN, .message_type = 0, .payload_size = 8 }, HV_STATUS_INVALID_PARAMETER },
	{ "post type MSB", PM, IN, 0, true, { .connection_id = MSG_CONN, .message_type = 0x80000001u, .payload_size = 8 }, HV_STATUS_INVALID_PARAMETER },
	{ "post size 241", PM, IN, 0, true, { .connection_id = MSG_CONN, .message_type = 1, .payload_size = 241 }, HV_STATUS_INVALID_PARAMETER },
	{ "post size ~0", PM, IN, 0, true, { .connection_id = MSG_CONN, .message_type = 1, .payload_size = 0xFFFFFFFFu }, HV_STATUS_INVALID_PARAMETER },
	{ "post reserved", PM, IN, 0, true, { .connection_id = MSG_CONN, .reserved = 1, .message_type = 1 }, HV_STATUS_INVALID_HYPERCALL_INPUT },
	{ "post unknown conn", PM, IN, 0, true, { .connection_id = 77, .message_type = 1 }, HV_STATUS_INVALID_CONNECTION_ID },
	{ "post to event port", PM, IN, 0, true, { .connection_id = EVT_CONN, .message_type = 1 }, HV_STATUS_INVALID_PORT_ID },
	{ "post ok", PM, IN, 0, true, GOODMSG, HV_STATUS_SUCCESS },
	{ "post ok, size 240, out ok", PM, IN, IN + 0x800, true, { .connection_id = MSG_CONN, .message_type = 1, .payload_size = 240 }, HV_STATUS_SUCCESS },
	{ "post conn high byte masked", PM, IN, 0, true, { .connection_id = 0xFF000000u | MSG_CONN, .message_type = 1 }, HV_STATUS_SUCCESS },
	{ "signal fast ok", SE | HV_HC_FAST, EVT_CONN, 0, false, { 0 }, HV_STATUS_SUCCESS },
	{ "signal fast flag >= count", SE | HV_HC_FAST, EVT_CONN | (1ull << 32), 0, false, { 0 }, HV_STATUS_INVALID_PARAMETER },
	{ "signal fast flag 2048", SE | HV_HC_FAST, EVT_CONN | (2048ull << 32), 0, false, { 0 }, HV_STATUS_INVALID_PARAMETER },
	{ "signal fast reserved 63:48", SE | HV_HC_FAST, EVT_CONN | (1ull << 48), 0, false, { 0 }, HV_STATUS_INVALID_HYPERCALL_INPUT },
	{ "signal fast conn 31:24", SE | HV_HC_FAST, EVT_CONN | (1ull << 24), 0, false, { 0 }, HV_STATUS_INVALID_HYPERCALL_INPUT },
	{ "signal unknown conn", SE | HV_HC_FAST, 0x3333, 0, false, { 0 }, HV_STATUS_INVALID_CONNECTION_ID },
	{ "signal to message port", SE | HV_HC_FAST, MSG_CONN, 0, false, { 0 }, HV_STATUS_INVALID_PORT_ID },
	{ "signal memory misaligned", SE, IN + 2, 0, false, { 0 }, HV_STATUS_INVALID_ALIGNMENT },
	{ "signal memory past RAM", SE, FX_MEM - 4, 0, false, { 0 }, HV_STATUS_INVALID_ALIGNMENT },
	{ "signal memory crosses page", SE, IN + 0xFFC, 0, false, { 0 }, HV_STATUS_INVALID_ALIGNMENT },
	/* memory form: the first 8 bytes of the block are conn | flag << 32 */
	{ "signal memory ok", SE, IN, 0, true, { .connection_id = EVT_CONN }, HV_STATUS_SUCCESS },
	{ "signal memory reserved", SE, IN, 0, true, { .connection_id = EVT_CONN, .reserved = 0x10000 }, HV_STATUS_INVALID_HYPERCALL_INPUT },
	{ "signal memory flag 1", SE, IN, 0, true, { .connection_id = EVT_CONN, .reserved = 1 }, HV_STATUS_INVALID_PARAMETER },
};

static struct fx *hc_setup(void)
{
	struct fx *f = fx_new("ws2019", 2);
	fx_hcall_enable(f);
	assert_int_equal(part_msg_port_add(f->p, MSG_CONN, fx_ready, f), 0);
	assert_int_equal(part_event_port_add(f->p, EVT_CONN, 1, fx_signal, f), 0);
	return f;
}

static void test_hcall__status_table__each_status(void **state)
{
	(void)state;
	struct fx *f = hc_setup();
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct hc_case *c = &cases[i];
		if (c->write_msg)
			assert_int_equal(gmem_write(f->gm, c->in, &c->msg, sizeof c->msg), 0);
		struct part_stats before, after;
		part_get_stats(f->p, &before);
		unsigned nsig = f->nsignal;
		uint64_t rax = part_hypercall(f->p, 1, c->control, c->in, c->out);
		if ((rax & 0xFFFF) != c->status || (rax >> 16) != 0)
			fail_msg("%s: rax 0x%llx, want status 0x%x", c->what,
				 (unsigned long long)rax, c->status);
		part_get_stats(f->p, &after);
		assert_int_equal(after.hypercalls, before.hypercalls + 1);
		assert_int_equal(after.hc_errors, before.hc_errors + (c->status != 0));
		bool is_se = (c->control & 0xFFFF) == SE;
		assert_int_equal(f->nsignal, nsig + (is_se && c->status == 0));
		if (is_se && c->status == 0)
			assert_int_equal(f->sig_vp, 1);
		struct part_posted_msg pm;
		while (part_port_recv(f->p, MSG_CONN, &pm) == 0)
			;
	}
	fx_free(f);
}

static void test_hcall__post_message__payload_copied_out(void **state)
{
	(void)state;
	struct fx *f = hc_setup();
	struct hv_input_post_message m = { .connection_id = MSG_CONN, .message_type = 1,
					   .payload_size = 5 };
	memcpy(m.payload, "hello-and-more", 14);
	assert_int_equal(gmem_write(f->gm, IN, &m, sizeof m), 0);
	assert_int_equal(part_hypercall(f->p, 0, PM, IN, 0), HV_STATUS_SUCCESS);
	assert_int_equal(f->nready, 1);
	/* the guest rewriting its block afterwards changes nothing */
	memset(gmem_ptr(f->gm, IN, 256), 0xEE, 256);
	struct part_posted_msg pm;
	assert_int_equal(part_port_recv(f->p, MSG_CONN, &pm), 0);
	assert_int_equal(pm.vp, 0);
	assert_int_equal(pm.message_type, 1);
	assert_int_equal(pm.payload_size, 5);
	assert_memory_equal(pm.payload, "hello", 5);
	assert_int_equal(pm.payload[5], 0); /* bytes past size never copied */
	assert_int_equal(part_port_recv(f->p, MSG_CONN, &pm), -EAGAIN);
	assert_int_equal(part_port_recv(f->p, 999, &pm), -ENOENT);
	assert_int_equal(part_port_recv(f->p, EVT_CONN, &pm), -ENOENT);
	fx_free(f);
}

static void test_hcall__seventeenth_message__insufficient_buffers(void **state)
{
	(void)state;
	struct fx *f = hc_setup();
	struct hv_input_post_message m = { .connection_id = MSG_CONN, .message_type = 1,
					   .payload_size = 4 };
	for (uint32_t i = 0; i < PART_PORT_QUEUE_DEPTH; i++) {
		memcpy(m.payload, &i, 4);
		gmem_write(f->gm, IN, &m, sizeof m);
		assert_int_equal(part_hypercall(f->p, 0, PM, IN, 0), HV_STATUS_SUCCESS);
	}
	assert_int_equal(f->nready, 1); /* only on empty -> non-empty */
	assert_int_equal(part_port_queued(f->p, MSG_CONN), PART_PORT_QUEUE_DEPTH);
	assert_int_equal(part_hypercall(f->p, 0, PM, IN, 0), HV_STATUS_INSUFFICIENT_BUFFERS);
	struct part_posted_msg pm;
	for (uint32_t i = 0; i < PART_PORT_QUEUE_DEPTH; i++) {
		assert_int_equal(part_port_recv(f->p, MSG_CONN, &pm), 0);
		uint32_t got;
		memcpy(&got, pm.payload, 4);
		assert_int_equal(got, i); /* FIFO */
	}
	assert_int_equal(part_hypercall(f->p, 0, PM, IN, 0), HV_STATUS_SUCCESS);
	assert_int_equal(f->nready, 2);
	fx_free(f);
}

static void test_hcall__no_privilege__access_denied(void **state)
{
	(void)state;
	struct hv_profile prof = *hv_profile_find("ws2019");
	prof.features_ebx = 0;
	struct gmem *gm = gmem_create(FX_MEM);
	struct part_config cfg = { .profile = &prof, .nvcpus = 1 };
	struct part *p = part_create(gm, &cfg, NULL, NULL);
	assert_int_equal(part_wrmsr(p, 0, HV_MSR_GUEST_OS_ID, 1), 0);
	assert_int_equal(part_wrmsr(p, 0, HV_MSR_HYPERCALL, FX_HCALL_GPA | 1), 0);
	assert_int_equal(part_msg_port_add(p, MSG_CONN, NULL, NULL), 0);
	assert_int_equal(part_event_port_add(p, EVT_CONN, 1, NULL, NULL), 0);
	assert_int_equal(part_hypercall(p, 0, PM, IN, 0), HV_STATUS_ACCESS_DENIED);
	assert_int_equal(part_hypercall(p, 0, SE | HV_HC_FAST, EVT_CONN, 0), HV_STATUS_ACCESS_DENIED);
	part_destroy(p);
	gmem_destroy(gm);
}

static void test_hcall__ports__validated_and_removable(void **state)
{
	(void)state;
	struct fx *f = hc_setup();
	assert_int_equal(part_msg_port_add(f->p, MSG_CONN, NULL, NULL), -EEXIST);
	assert_int_equal(part_event_port_add(f->p, MSG_CONN, 1, NULL, NULL), -EEXIST);
	assert_int_equal(part_msg_port_add(f->p, 0x1000000, NULL, NULL), -EINVAL);
	assert_int_equal(part_event_port_add(f->p, 5, 0, NULL, NULL), -EINVAL);
	assert_true(part_event_port_ok(f->p, EVT_CONN, 0));
	assert_false(part_event_port_ok(f->p, EVT_CONN, 1));
	assert_false(part_event_port_ok(f->p, MSG_CONN, 0));
	assert_int_equal(part_port_remove(f->p, EVT_CONN), 0);
	assert_int_equal(part_port_remove(f->p, EVT_CONN), -ENOENT);
	assert_int_equal(part_hypercall(f->p, 0, SE | HV_HC_FAST, EVT_CONN, 0),
			 HV_STATUS_INVALID_CONNECTION_ID);
	/* up to the cap, in any order, then ENOSPC */
	int rc = 0;
	uint32_t n = 0;
	for (uint32_t c = 0x5000; rc == 0; c = (c * 7 + 13) & 0xFFFFFF, n++)
		rc = part_event_port_add(f->p, c, 1, NULL, NULL);
	assert_int_equal(rc, -ENOSPC);
	assert_int_equal(n, PART_MAX_PORTS - 1 + 1); /* 1 port already present */
	assert_true(part_event_port_ok(f->p, 0x5000, 0));
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hcall__status_table__each_status),
		cmocka_unit_test(test_hcall__post_message__payload_copied_out),
		cmocka_unit_test(test_hcall__seventeenth_message__insufficient_buffers),
		cmocka_unit_test(test_hcall__no_privilege__access_denied),
		cmocka_unit_test(test_hcall__ports__validated_and_removable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
