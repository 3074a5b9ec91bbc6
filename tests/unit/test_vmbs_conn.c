/* test_vmbs_conn.c -- VMBus server: the dispatch table's rejections, version
 * negotiation against every profile ceiling, contact parameters, bus reset,
 * UNLOAD, and the outbound queue. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sim/hostd/profile.h"
#include "tests/unit/helpers/vmbs_fixture.h"

static const uint32_t all_versions[] = {
	VMBUS_VERSION_WS2008,    VMBUS_VERSION_WIN7,       VMBUS_VERSION_WIN8,
	VMBUS_VERSION_WIN8_1,    VMBUS_VERSION_WIN10,      VMBUS_VERSION_WIN10_V4_1,
	VMBUS_VERSION_WIN10_V5,  VMBUS_VERSION_WIN10_V5_1, VMBUS_VERSION_WIN10_V5_2,
	VMBUS_VERSION_WIN10_V5_3, VMBUS_VERSION_WIN10_V6_0,
};

static struct vmbs_stats stats(struct vfx *f)
{
	struct vmbs_stats st;
	vmbs_get_stats(f->vb, &st);
	return st;
}

static void test_vmbs__version_matrix__accepted_up_to_profile_ceiling(void **state)
{
	(void)state;
	unsigned checked = 0;
	for (size_t pi = 0; pi < hv_profile_count(); pi++) {
		const struct hv_profile *prof = hv_profile_at(pi);
		if (prof->kind != HV_PROFILE_HYPERV)
			continue; /* no SynIC to talk through */
		for (size_t vi = 0; vi < sizeof all_versions / sizeof all_versions[0]; vi++) {
			uint32_t v = all_versions[vi];
			struct vfx *f = vfx_new(prof->name, 1, NULL);
			struct vmbus_msg_initiate_contact ic;
			vfx_contact_msg(&ic, v);
			bool v5 = v >= VMBUS_VERSION_WIN10_V5;
			uint32_t conn = v5 ? VMBUS_MESSAGE_CONNECTION_ID_4 : VMBUS_MESSAGE_CONNECTION_ID;
			bool port4 = prof->vmbus_max_version >= VMBUS_VERSION_WIN10_V5;
			uint16_t hs = vfx_post(f, 0, conn, &ic, sizeof ic);
			if (v5 && !port4) {
				/* No port 4 on an older host: Linux moves on to 4.1. */
				assert_int_equal(hs, HV_STATUS_INVALID_CONNECTION_ID);
				vfx_expect_none(f, 0);
			} else {
				assert_int_equal(hs, HV_STATUS_SUCCESS);
				struct vmbus_msg_version_response vr;
				vfx_expect(f, 0, VMBUS_MSG_VERSION_RESPONSE, &vr, NULL);
				bool ok = v <= prof->vmbus_max_version && v != VMBUS_VERSION_WIN10_V6_0;
				assert_int_equal(vr.version_supported, ok);
				assert_int_equal(vmbs_version(f->vb), ok ? v : 0);
				assert_int_equal(vmbs_state(f->vb),
						 ok ? VMBS_CONN_CONNECTED : VMBS_CONN_DISCONNECTED);
				if (ok)
					assert_int_equal(vr.msg_conn_id, v5 ? 1u : v);
			}
			vfx_free(f);
			checked++;
		}
	}
	assert_true(checked >= 6 * 11);
}

static void test_vmbs__v5_contact__reply_names_message_connection_1(void **state)
{
	(void)state;
	struct vfx *f = vfx_new("ws2022", 1, NULL);
	struct vmbus_msg_initiate_contact ic;
	vfx_contact_msg(&ic, VMBUS_VERSION_WIN10_V5_3);
	struct vmbus_msg_version_response vr;
	assert_int_equal(vfx_connect_msg(f, 4, &ic, 0, &vr), 1);
	/* Golden bytes: type 15, supported 1, state 0, conn id 1. */
	static const uint8_t golden[16] = { 15, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0 };
	assert_memory_equal(&vr, golden, sizeof golden);
	vfx_free(f);
}

static void test_vmbs__target_vcpu_out_of_range__refused(void **state)
{
	(void)state;
	struct vfx *f = vfx_new("ws2022", 2, NULL);
	struct vmbus_msg_initiate_contact ic;
	vfx_contact_msg(&ic, VMBUS_VERSION_WIN10_V5_3);
	ic.target_vcpu = 2;
	struct vmbus_msg_version_response vr;
	/* From 2.4 a parameter failure is version 1 + connection_state 2. */
	assert_int_equal(vfx_connect_msg(f, 4, &ic, 0, &vr), 1);
	assert_int_equal(vr.connection_state, VMBUS_CONN_STATE_UNKNOWN_FAILURE);
	assert_int_equal(vmbs_state(f->vb), VMBS_CONN_DISCONNECTED);
	assert_int_equal(stats(f).rej[VMBS_REJ_CONTACT_PARAMS], 1);
	/* Below 2.4 it can only be "unsupported". */
	vfx_contact_msg(&ic, VMBUS_VERSION_WIN7);
	ic.target_vcpu = 7;
	assert_int_equal(vfx_connect_msg(f, 1, &ic, 0, &vr), 0);
	assert_int_equal(stats(f).rej[VMBS_REJ_CONTACT_PARAMS], 2);
	vfx_free(f);
}

static void test_vmbs__target_vcpu_from_3_0__reply_on_that_vp(void **state)
{
	(void)state;
	struct vfx *f = vfx_new("ws2022", 2, NULL);
	struct vmbus_msg_initiate_contact ic;
	vfx_contact_msg(&ic, VMBUS_VERSION_WIN8_1);
	ic.target_vcpu = 1;
	assert_int_equal(vfx_connect_msg(f, 1, &ic, 1, NULL), 1);
	assert_int_equal(vmbs_msg_vp(f->vb), 1);
	/* 2.4 ignores it: VP 0. */
	vfx_contact_msg(&ic, VMBUS_VERSION_WIN8);
	ic.target_vcpu = 1;
	assert_int_equal(vfx_connect_msg(f, 1, &ic, 0, NULL), 1);
	assert_int_equal(vmbs_msg_vp(f->vb), 0);
	vfx_free(f);
}

static void test_vmbs__v5_message_sint_not_2__refused(void **state)
{
	(void)state;
	struct vfx *f = vfx_new("ws2019", 1, NULL);
	struct vmbus_msg_initiate_contact ic;
	vfx_contact_msg(&ic, VMBUS_VERSION_WIN10_V5_2);
	ic.u.v5.msg_sint = 3;
	struct vmbus_msg_version_response vr;
	vfx_connect_msg(f, 4, &ic, 0, &vr);
	assert_int_equal(vr.connection_state, VMBUS_CONN_STATE_UNKNOWN_FAILURE);
	assert_int_equal(vmbs_state(f->vb), VMBS_CONN_DISCONNECTED);
	vfx_contact_msg(&ic, VMBUS_VERSION_WIN10_V5_2);
	ic.u.v5.msg_vtl = 1;
	vfx_connect_msg(f, 4, &ic, 0, &vr);
	assert_int_equal(vmbs_state(f->vb), VMBS_CONN_DISCONNECTED);
	assert_int_equal(stats(f).rej[VMBS_REJ_CONTACT_PARAMS], 2);
	vfx_free(f);
}

static void test_vmbs__one_monitor_page_only__refused(void **state)
{
	(void)state;
	struct vfx *f = vfx_new("ws2016", 1, NULL);
	struct vmbus_msg_initiate_contact ic;
	vfx_contact_msg(&ic, VMBUS_VERSION_WIN10);
	ic.monitor_page2 = 0;
	vfx_connect_msg(f, 1, &ic, 0, NULL);
	assert_int_equal(vmbs_state(f->vb), VMBS_CONN_DISCONNECTED);
	vfx_contact_msg(&ic, VMBUS_VERSION_WIN10);
	ic.monitor_page2 = VFX_MEM; /* just past the end */
	vfx_connect_msg(f, 1, &ic, 0, NULL);
	assert_int_equal(vmbs_state(f->vb), VMBS_CONN_DISCONNECTED);
	vfx_contact_msg(&ic, VMBUS_VERSION_WIN10);
	ic.monitor_page1 = VFX_MON1 + 8; /* misaligned */
	vfx_connect_msg(f, 1, &ic, 0, NULL);
	assert_int_equal(stats(f).rej[VMBS_REJ_CONTACT_PARAMS], 3);
	/* Neither is fine. */
	vfx_contact_msg(&ic, VMBUS_VERSION_WIN10);
	ic.monitor_page1 = ic.monitor_page2 = 0;
	assert_int_equal(vfx_connect_msg(f, 1, &ic, 0, NULL), 1);
	assert_int_equal(vmbs_state(f->vb), VMBS_CONN_CONNECTED);
	vfx_free(f);
}

static void test_vmbs__pre_win8_without_interrupt_page__refused(void **state)
{
	(void)state;
	struct vfx *f = vfx_new("ws2008r2", 1, NULL);
	struct vmbus_msg_initiate_contact ic;
	vfx_contact_msg(&ic, VMBUS_VERSION_WIN7);
	ic.u.interrupt_page = 0;
	assert_int_equal(vfx_connect_msg(f, 1, &ic, 0, NULL), 0);
	vfx_contact_msg(&ic, VMBUS_VERSION_WS2008);
	ic.u.interrupt_page = 0x7FFFFFFFF000ull;
	assert_int_equal(vfx_connect_msg(f, 1, &ic, 0, NULL), 0);
	assert_int_equal(stats(f).rej[VMBS_REJ_CONTACT_PARAMS], 2);
	vfx_free(f);
}

static void test_vmbs__old_version_on_connection_4__refused(void **state)
{
	(void)state;
	struct vfx *f = vfx_new("ws2022", 1, NULL);
	struct vmbus_msg_initiate_contact ic;
	vfx_contact_msg(&ic, VMBUS_VERSION_WIN10);
	assert_int_equal(vfx_connect_msg(f, 4, &ic, 0, NULL), 0);
	assert_int_equal(stats(f).rej[VMBS_REJ_VERSION_REFUSED], 1);
	vfx_free(f);
}

static void test_vmbs__second_initiate_contact__resets_bus(void **state)
{
	(void)state;
	struct vfx *f = vfx_new("ws2022", 1, NULL);
	struct echo_dev e = { 0 };
	static const uint8_t cls[16] = { 1 };
	assert_non_null(echo_dev_add(f->vb, &e, cls, 1, false, 2));
	assert_int_equal(vfx_connect(f, VMBUS_VERSION_WIN10_V5_3), 1);
	struct vmbus_msg_offer o[4];
	assert_int_equal(vfx_request_offers(f, o, 4), 1);
	assert_int_equal(vmbs_chan_offer_subchannels(e.primary, 2), 2);
	vfx_expect(f, 0, VMBUS_MSG_OFFERCHANNEL, NULL, NULL);
	vfx_expect(f, 0, VMBUS_MSG_OFFERCHANNEL, NULL, NULL);
	struct vfx_ring r;
	assert_int_equal(vfx_ring_open(f, &r, 1, 8, 4, false, 0), 0);
	assert_int_equal(vmbs_gpadl_count(f->vb), 1);

	assert_int_equal(vfx_connect(f, VMBUS_VERSION_WIN10_V5_3), 1);
	assert_int_equal(e.closes, 1);
	assert_int_equal(e.rescinded, 2); /* the two sub-channels */
	assert_int_equal(vmbs_gpadl_count(f->vb), 0);
	assert_int_equal(stats(f).bus_resets, 1);
	/* The device is offered again, with the same relid. */
	assert_int_equal(vfx_request_offers(f, o, 4), 1);
	assert_int_equal(o[0].child_relid, 1);
	vfx_free(f);
}

static void test_vmbs__unload__closes_everything_and_answers_once(void **state)
{
	(void)state;
	struct vfx *f = vfx_new("ws2012r2", 1, NULL);
	struct echo_dev e = { 0 };
	static const uint8_t cls[16] = { 2 };
	echo_dev_add(f->vb, &e, cls, 1, false, 0);
	assert_int_equal(vfx_connect(f, VMBUS_VERSION_WIN8_1), 1);
	vfx_request_offers(f, NULL, 0);
	struct vfx_ring r;
	assert_int_equal(vfx_ring_open(f, &r, 1, 4, 2, false, 0), 0);
	struct vmbus_msg_unload u = { .hdr.msgtype = VMBUS_MSG_UNLOAD };
	assert_int_equal(vfx_post(f, 0, 1, &u, sizeof u), 0);
	uint32_t len;
	vfx_expect(f, 0, VMBUS_MSG_UNLOAD_RESPONSE, NULL, &len);
	assert_int_equal(len, 8);
	assert_int_equal(e.closes, 1);
	assert_int_equal(vmbs_gpadl_count(f->vb), 0);
	assert_int_equal(vmbs_state(f->vb), VMBS_CONN_DISCONNECTED);
	/* Again: no second response. */
	assert_int_equal(vfx_post(f, 0, 1, &u, sizeof u), 0);
	vfx_expect_none(f, 0);
	assert_int_equal(stats(f).rej[VMBS_REJ_STATE], 1);
	assert_int_equal(stats(f).unloads, 1);
	vfx_free(f);
}

static void test_vmbs__messages_before_contact__dropped(void **state)
{
	(void)state;
	struct vfx *f = vfx_new("ws2022", 1, NULL);
	struct vmbus_msg_request_offers ro = { .hdr.msgtype = VMBUS_MSG_REQUESTOFFERS };
	vfx_post(f, 0, 1, &ro, sizeof ro);
	struct vmbus_msg_open op = { .hdr.msgtype = VMBUS_MSG_OPENCHANNEL, .child_relid = 1 };
	vfx_post(f, 0, 1, &op, sizeof op);
	struct vmbus_msg_gpadl_teardown gt = { .hdr.msgtype = VMBUS_MSG_GPADL_TEARDOWN };
	vfx_post(f, 0, 1, &gt, sizeof gt);
	vfx_expect_none(f, 0);
	assert_int_equal(stats(f).rej[VMBS_REJ_STATE], 3);
	vfx_free(f);
}

static void test_vmbs__bad_types_and_host_only_types__dropped(void **state)
{
	(void)state;
	struct vfx *f = vfx_new("ws2022", 1, NULL);
	assert_int_equal(vfx_connect(f, VMBUS_VERSION_WIN10_V5_3), 1);
	uint8_t msg[240] = { 0 };
	uint32_t types[] = { 0, 30, 0xFFFFFFFF };
	for (unsigned i = 0; i < 3; i++) {
		memcpy(msg, &types[i], 4);
		vfx_post(f, 0, 1, msg, 8);
	}
	assert_int_equal(stats(f).rej[VMBS_REJ_BAD_TYPE], 3);
	uint32_t host_only[] = { VMBUS_MSG_OFFERCHANNEL, VMBUS_MSG_VERSION_RESPONSE,
				 VMBUS_MSG_GPADL_CREATED, VMBUS_MSG_UNLOAD_RESPONSE };
	for (unsigned i = 0; i < 4; i++) {
		memcpy(msg, &host_only[i], 4);
		vfx_post(f, 0, 1, msg, 196);
	}
	assert_int_equal(stats(f).rej[VMBS_REJ_HOST_ONLY], 4);
	vfx_expect_none(f, 0);
	vfx_free(f);
}

static void test_vmbs__message_shorter_than_structure__dropped(void **state)
{
	(void)state;
	struct vfx *f = vfx_new("ws2022", 1, NULL);
	assert_int_equal(vfx_connect(f, VMBUS_VERSION_WIN10_V5_3), 1);
	struct vmbus_msg_open op = { .hdr.msgtype = VMBUS_MSG_OPENCHANNEL, .child_relid = 1 };
	vfx_post(f, 0, 1, &op, sizeof op - 1);
	struct vmbus_msg_initiate_contact ic;
	vfx_contact_msg(&ic, VMBUS_VERSION_WIN10_V5_3);
	vfx_post(f, 0, 4, &ic, 39);
	vfx_post(f, 0, 1, &ic, 4); /* not even a header */
	assert_int_equal(stats(f).rej[VMBS_REJ_SHORT], 3);
	assert_int_equal(vmbs_state(f->vb), VMBS_CONN_CONNECTED); /* no reset */
	vfx_expect_none(f, 0);
	vfx_free(f);
}

static void test_vmbs__type_newer_than_version__dropped(void **state)
{
	(void)state;
	struct vfx *f = vfx_new("ws2022", 1, NULL);
	assert_int_equal(vfx_connect(f, VMBUS_VERSION_WIN8_1), 1);
	struct vmbus_msg_modify_channel mc = { .hdr.msgtype = VMBUS_MSG_MODIFYCHANNEL };
	vfx_post(f, 0, 1, &mc, sizeof mc);
	struct vmbus_msg_tl_connect_request tl = { .hdr.msgtype = VMBUS_MSG_TL_CONNECT_REQUEST };
	vfx_post(f, 0, 1, &tl, sizeof tl);
	assert_int_equal(stats(f).rej[VMBS_REJ_VERSION], 2);
	vfx_free(f);
}

static void test_vmbs__tl_connect__refused_with_result(void **state)
{
	(void)state;
	struct vfx *f = vfx_new("ws2022", 1, NULL);
	assert_int_equal(vfx_connect(f, VMBUS_VERSION_WIN10_V5_3), 1);
	struct vmbus_msg_tl_connect_request tl = { .hdr.msgtype = VMBUS_MSG_TL_CONNECT_REQUEST };
	memset(&tl.guest_endpoint_id, 0x5A, 16);
	vfx_post(f, 0, 1, &tl, sizeof tl);
	struct vmbus_msg_tl_connect_result res;
	vfx_expect(f, 0, VMBUS_MSG_TL_CONNECT_RESULT, &res, NULL);
	assert_memory_equal(&res.guest_endpoint_id, &tl.guest_endpoint_id, 16);
	assert_int_not_equal(res.status, 0);
	vfx_free(f);
}

static void test_vmbs__request_on_connection_4__dropped(void **state)
{
	(void)state;
	struct vfx *f = vfx_new("ws2022", 1, NULL);
	assert_int_equal(vfx_connect(f, VMBUS_VERSION_WIN10_V5_3), 1);
	struct vmbus_msg_request_offers ro = { .hdr.msgtype = VMBUS_MSG_REQUESTOFFERS };
	vfx_post(f, 0, 4, &ro, sizeof ro);
	assert_int_equal(stats(f).rej[VMBS_REJ_WRONG_PORT], 1);
	vfx_expect_none(f, 0);
	vfx_free(f);
}

static void test_vmbs__flood_without_pump__port_cap_then_drained(void **state)
{
	(void)state;
	struct vfx *f = vfx_new("ws2022", 1, NULL);
	assert_int_equal(vfx_connect(f, VMBUS_VERSION_WIN10_V5_3), 1);
	struct vmbus_msg_gpadl_body gb = { .hdr.msgtype = VMBUS_MSG_GPADL_BODY, .gpadl = 9 };
	struct hv_input_post_message in = { .connection_id = 1, .message_type = HVMSG_VMBUS,
					    .payload_size = sizeof gb };
	memcpy(in.payload, &gb, sizeof gb);
	gmem_write(f->gm, VFX_IN_GPA, &in, sizeof in);
	unsigned ok = 0, full = 0;
	for (int i = 0; i < 1000; i++) {
		uint64_t rax = part_hypercall(f->p, 0, HVCALL_POST_MESSAGE, VFX_IN_GPA, 0);
		if ((rax & 0xFFFF) == HV_STATUS_SUCCESS)
			ok++;
		else if ((rax & 0xFFFF) == HV_STATUS_INSUFFICIENT_BUFFERS)
			full++;
	}
	assert_int_equal(ok, 16);
	assert_int_equal(full, 1000 - 16);
	vmbs_pump(f->vb);
	assert_int_equal(stats(f).rej[VMBS_REJ_GPADL_BODY_UNKNOWN], 16);
	assert_int_equal(part_port_queued(f->p, 1), 0);
	vfx_free(f);
}

static void test_vmbs__guest_not_reading__outq_holds_then_delivers_in_order(void **state)
{
	(void)state;
	struct vmbs_config cfg = { .max_channels = 200 };
	struct vfx *f = vfx_new("ws2022", 1, &cfg);
	static const uint8_t cls[16] = { 3 };
	struct echo_dev e[150];
	memset(e, 0, sizeof e);
	for (unsigned i = 0; i < 150; i++)
		assert_non_null(echo_dev_add(f->vb, &e[i], cls, (uint8_t)i, false, 0));
	assert_int_equal(vfx_connect(f, VMBUS_VERSION_WIN10_V5_3), 1);
	struct vmbus_msg_request_offers ro = { .hdr.msgtype = VMBUS_MSG_REQUESTOFFERS };
	vfx_post(f, 0, 1, &ro, sizeof ro);
	/* 1 in the slot + PART_SINT_QUEUE_DEPTH in the SynIC, the rest ours. */
	assert_int_equal(vmbs_outq_len(f->vb), 151 - 1 - PART_SINT_QUEUE_DEPTH);
	assert_true(stats(f).outq_retries > 0);
	for (unsigned i = 0; i < 150; i++) {
		struct vmbus_msg_offer o;
		vfx_expect(f, 0, VMBUS_MSG_OFFERCHANNEL, &o, NULL);
		assert_int_equal(o.child_relid, i + 1);
	}
	vfx_expect(f, 0, VMBUS_MSG_ALLOFFERS_DELIVERED, NULL, NULL);
	assert_int_equal(vmbs_outq_len(f->vb), 0);
	vfx_free(f);
}

static void test_vmbs__create_twice_on_one_partition__refused(void **state)
{
	(void)state;
	struct vfx *f = vfx_new("ws2022", 1, NULL);
	struct vmbs *vb2 = vmbs_create(f->p, f->gm, NULL, NULL, NULL);
	assert_null(vb2);
	assert_int_equal(errno, EEXIST);
	struct vmbs_config bad = { .max_channels = 5000 };
	assert_null(vmbs_create(f->p, f->gm, &bad, NULL, NULL));
	vmbs_destroy(NULL);
	vfx_free(f);
}

static void test_vmbs__allocation_failures__no_crash_no_leak(void **state)
{
	(void)state;
	for (long n = 0; n < 12; n++) {
		struct vfx *f = vfx_new("ws2022", 1, NULL);
		struct echo_dev e = { 0 };
		static const uint8_t cls[16] = { 4 };
		echo_dev_add(f->vb, &e, cls, 1, false, 0);
		vfx_connect(f, VMBUS_VERSION_WIN10_V5_3);
		vfx_request_offers(f, NULL, 0);
		vmbs_alloc_fail_after(n);
		uint64_t gpa = vfx_alloc(f, 4);
		uint64_t pfns[4] = { gpa >> 12, (gpa >> 12) + 1, (gpa >> 12) + 2, (gpa >> 12) + 3 };
		uint32_t st = vfx_gpadl(f, 1, 77, pfns, 4);
		if (st == 0)
			vfx_open(f, 1, 1, 77, 0, 2);
		vmbs_alloc_fail_after(-1);
		vfx_free(f);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vmbs__version_matrix__accepted_up_to_profile_ceiling),
		cmocka_unit_test(test_vmbs__v5_contact__reply_names_message_connection_1),
		cmocka_unit_test(test_vmbs__target_vcpu_out_of_range__refused),
		cmocka_unit_test(test_vmbs__target_vcpu_from_3_0__reply_on_that_vp),
		cmocka_unit_test(test_vmbs__v5_message_sint_not_2__refused),
		cmocka_unit_test(test_vmbs__one_monitor_page_only__refused),
		cmocka_unit_test(test_vmbs__pre_win8_without_interrupt_page__refused),
		cmocka_unit_test(test_vmbs__old_version_on_connection_4__refused),
		cmocka_unit_test(test_vmbs__second_initiate_contact__resets_bus),
		cmocka_unit_test(test_vmbs__unload__closes_everything_and_answers_once),
		cmocka_unit_test(test_vmbs__messages_before_contact__dropped),
		cmocka_unit_test(test_vmbs__bad_types_and_host_only_types__dropped),
		cmocka_unit_test(test_vmbs__message_shorter_than_structure__dropped),
		cmocka_unit_test(test_vmbs__type_newer_than_version__dropped),
		cmocka_unit_test(test_vmbs__tl_connect__refused_with_result),
		cmocka_unit_test(test_vmbs__request_on_connection_4__dropped),
		cmocka_unit_test(test_vmbs__flood_without_pump__port_cap_then_drained),
		cmocka_unit_test(test_vmbs__guest_not_reading__outq_holds_then_delivers_in_order),
		cmocka_unit_test(test_vmbs__create_twice_on_one_partition__refused),
		cmocka_unit_test(test_vmbs__allocation_failures__no_crash_no_leak),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
