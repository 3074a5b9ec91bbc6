/* test_vmbs_offer.c -- VMBus server offers: every field, relid numbering and
 * lookup, monitor ids by era, hot add, rescind and relid release,
 * sub-channels. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/helpers/vmbs_fixture.h"

static const uint8_t netvsc_guid[16] = VMBUS_GUID_NETVSC;
static const uint8_t hb_guid[16] = VMBUS_GUID_HEARTBEAT;

static struct vmbs_stats stats(struct vfx *f)
{
	struct vmbs_stats st;
	vmbs_get_stats(f->vb, &st);
	return st;
}

static void test_vmbs__offer_fields__as_hyperv_sets_them(void **state)
{
	(void)state;
	struct vfx *f = vfx_new("ws2022", 1, NULL);
	struct echo_dev e = { 0 };
	echo_dev_add(f->vb, &e, netvsc_guid, 0x42, true, 0);
	assert_int_equal(vfx_connect(f, VMBUS_VERSION_WIN10_V5_3), 1);
	struct vmbus_msg_offer o;
	assert_int_equal(vfx_request_offers(f, &o, 1), 1);
	/* Golden: type 1 at 0, class GUID bytes at 8. */
	const uint8_t *b = (const uint8_t *)&o;
	assert_int_equal(b[0], 1);
	assert_memory_equal(b + 8, netvsc_guid, 16);
	assert_int_equal(b[24 + 15], 0x42);
	for (unsigned i = 40; i < 56; i++)
		assert_int_equal(b[i], 0); /* reserved: send 0 */
	assert_int_equal(o.chan_flags, 0);
	assert_int_equal(o.sub_channel_index, 0);
	assert_int_equal(o.child_relid, 1);
	assert_int_equal(o.monitorid, 0);
	assert_int_equal(o.monitor_allocated, 1);
	assert_int_equal(o.is_dedicated_interrupt, 1);
	assert_int_equal(o.connection_id, 0x2001);
	assert_int_equal(b[184], 1);            /* relid @184 */
	assert_int_equal(b[192] | b[193] << 8, 0x2001); /* conn id @192 */
	vfx_free(f);
}

static void test_vmbs__pipe_device__flags_and_pipe_mode(void **state)
{
	(void)state;
	struct vfx *f = vfx_new("ws2022", 1, NULL);
	struct vmbs_dev_params p;
	memset(&p, 0, sizeof p);
	memcpy(&p.class_id, hb_guid, 16);
	p.chan_flags = VMBUS_OFFER_FLAG_ENUMERATE_DEVICE_INTERFACE |
		       VMBUS_OFFER_FLAG_CONFIDENTIAL_RING; /* 0x2 must never go out */
	p.pipe = true;
	p.pipe_mode = VMBUS_PIPE_MODE_MESSAGE;
	p.mmio_megabytes = 8;
	p.user_defined[10] = 0x77;
	struct echo_dev e = { 0 };
	assert_non_null(vmbs_dev_add(f->vb, &p, &echo_dev_ops, &e));
	assert_int_equal(vfx_connect(f, VMBUS_VERSION_WIN10_V5_3), 1);
	struct vmbus_msg_offer o;
	vfx_request_offers(f, &o, 1);
	assert_int_equal(o.chan_flags, VMBUS_OFFER_FLAGS_IC_PIPE);
	uint32_t mode;
	memcpy(&mode, o.user_defined, 4);
	assert_int_equal(mode, VMBUS_PIPE_MODE_MESSAGE);
	assert_int_equal(o.user_defined[10], 0x77);
	assert_int_equal(o.mmio_megabytes, 8);
	assert_int_equal(o.monitorid, VMBUS_MONITOR_ID_NONE);
	assert_int_equal(o.monitor_allocated, 0);
	vfx_free(f);
}

static void test_vmbs__pre_win8__every_channel_monitored(void **state)
{
	(void)state;
	struct vfx *f = vfx_new("ws2008r2", 1, NULL);
	struct echo_dev e[2] = { 0 };
	echo_dev_add(f->vb, &e[0], hb_guid, 1, false, 0);
	echo_dev_add(f->vb, &e[1], hb_guid, 2, false, 0);
	assert_int_equal(vfx_connect(f, VMBUS_VERSION_WIN7), 1);
	struct vmbus_msg_offer o[2];
	assert_int_equal(vfx_request_offers(f, o, 2), 2);
	assert_int_equal(o[0].monitorid, 0);
	assert_int_equal(o[1].monitorid, 1);
	assert_int_equal(o[1].monitor_allocated, 1);
	assert_int_equal(o[0].connection_id, 0x2001); /* 1.1 has per-channel ids */
	assert_int_equal(o[0].is_dedicated_interrupt, 1);
	/* 0.13: no connection id, no dedicated interrupt. */
	assert_int_equal(vfx_connect(f, VMBUS_VERSION_WS2008), 1);
	assert_int_equal(vfx_request_offers(f, o, 2), 2);
	assert_int_equal(o[0].connection_id, 0);
	assert_int_equal(o[0].is_dedicated_interrupt, 0);
	assert_int_equal(o[0].monitorid, 0); /* ids reused after the reset */
	vfx_free(f);
}

static void test_vmbs__win8_plain_device__no_monitor(void **state)
{
	(void)state;
	struct vfx *f = vfx_new("ws2016", 1, NULL);
	struct echo_dev e = { 0 };
	echo_dev_add(f->vb, &e, hb_guid, 1, false, 0);
	assert_int_equal(vfx_connect(f, VMBUS_VERSION_WIN8), 1);
	struct vmbus_msg_offer o;
	vfx_request_offers(f, &o, 1);
	assert_int_equal(o.monitorid, 0xFF);
	assert_int_equal(o.monitor_allocated, 0);
	vfx_free(f);
}

static void test_vmbs__no_monitor_pages__no_monitor_ids(void **state)
{
	(void)state;
	struct vfx *f = vfx_new("ws2022", 1, NULL);
	struct echo_dev e = { 0 };
	echo_dev_add(f->vb, &e, netvsc_guid, 1, true, 0);
	struct vmbus_msg_initiate_contact ic;
	vfx_contact_msg(&ic, VMBUS_VERSION_WIN10_V5_3);
	ic.monitor_page1 = ic.monitor_page2 = 0;
	assert_int_equal(vfx_connect_msg(f, 4, &ic, 0, NULL), 1);
	struct vmbus_msg_offer o;
	vfx_request_offers(f, &o, 1);
	assert_int_equal(o.monitor_allocated, 0);
	assert_int_equal(o.monitorid, 0xFF);
	vfx_free(f);
}

static void test_vmbs__relids__dense_in_offer_order_with_o1_lookup(void **state)
{
	(void)state;
	struct vfx *f = vfx_new("ws2022", 1, NULL);
	struct echo_dev e[5] = { 0 };
	struct vmbs_chan *ch[5];
	for (unsigned i = 0; i < 5; i++)
		ch[i] = echo_dev_add(f->vb, &e[i], hb_guid, (uint8_t)i, false, 0);
	assert_int_equal(vfx_connect(f, VMBUS_VERSION_WIN10_V5_3), 1);
	struct vmbus_msg_offer o[5];
	assert_int_equal(vfx_request_offers(f, o, 5), 5);
	for (unsigned i = 0; i < 5; i++) {
		assert_int_equal(o[i].child_relid, i + 1);
		assert_int_equal(o[i].if_instance.bytes[15], i);
		assert_ptr_equal(vmbs_chan_by_relid(f->vb, i + 1), ch[i]);
		assert_ptr_equal(vmbs_chan_by_event_flag(f->vb, i + 1), ch[i]);
	}
	assert_null(vmbs_chan_by_relid(f->vb, 0));
	assert_null(vmbs_chan_by_relid(f->vb, 2048));
	assert_null(vmbs_chan_by_relid(f->vb, 6));
	vfx_free(f);
}

static void test_vmbs__channel_cap__add_refused(void **state)
{
	(void)state;
	struct vmbs_config cfg = { .max_channels = 2 };
	struct vfx *f = vfx_new("ws2022", 1, &cfg);
	struct echo_dev e[3] = { 0 };
	assert_non_null(echo_dev_add(f->vb, &e[0], hb_guid, 0, false, 0));
	assert_non_null(echo_dev_add(f->vb, &e[1], hb_guid, 1, false, 0));
	assert_null(echo_dev_add(f->vb, &e[2], hb_guid, 2, false, 0));
	assert_int_equal(errno, ENOSPC);
	vfx_free(f);
}

static void test_vmbs__hot_add_after_offers__offer_sent_at_once(void **state)
{
	(void)state;
	struct vfx *f = vfx_new("ws2022", 1, NULL);
	struct echo_dev e[2] = { 0 };
	echo_dev_add(f->vb, &e[0], hb_guid, 0, false, 0);
	/* Before REQUESTOFFERS: nothing goes out. */
	vfx_expect_none(f, 0);
	assert_int_equal(vfx_connect(f, VMBUS_VERSION_WIN10_V5_3), 1);
	vfx_request_offers(f, NULL, 0);
	echo_dev_add(f->vb, &e[1], hb_guid, 1, false, 0);
	struct vmbus_msg_offer o;
	vfx_expect(f, 0, VMBUS_MSG_OFFERCHANNEL, &o, NULL);
	assert_int_equal(o.child_relid, 2);
	vfx_expect_none(f, 0); /* no second ALLOFFERS */
	vfx_free(f);
}

static void test_vmbs__rescind__subchannels_first_release_frees_relid(void **state)
{
	(void)state;
	struct vfx *f = vfx_new("ws2022", 1, NULL);
	struct echo_dev e = { 0 }, e2 = { 0 };
	echo_dev_add(f->vb, &e, netvsc_guid, 0, true, 4);
	assert_int_equal(vfx_connect(f, VMBUS_VERSION_WIN10_V5_3), 1);
	vfx_request_offers(f, NULL, 0);
	assert_int_equal(vmbs_chan_offer_subchannels(e.primary, 2), 2);
	struct vmbus_msg_offer o;
	vfx_expect(f, 0, VMBUS_MSG_OFFERCHANNEL, &o, NULL);
	assert_int_equal(o.sub_channel_index, 1);
	assert_int_equal(o.child_relid, 2);
	assert_int_equal(o.monitorid, 1); /* sub-channels of net are monitored too */
	assert_memory_equal(&o.if_instance, &((uint8_t[16]){ 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
		0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x00 }), 16);
	vfx_expect(f, 0, VMBUS_MSG_OFFERCHANNEL, &o, NULL);
	assert_int_equal(o.sub_channel_index, 2);

	assert_int_equal(vmbs_dev_remove(e.primary), 0);
	assert_int_equal(vmbs_dev_remove(e.primary), -EINVAL);
	struct vmbus_msg_rescind rs;
	uint32_t order[3];
	for (unsigned i = 0; i < 3; i++) {
		uint32_t len;
		vfx_expect(f, 0, VMBUS_MSG_RESCIND_CHANNELOFFER, &rs, &len);
		assert_int_equal(len, 12);
		order[i] = rs.child_relid;
	}
	assert_int_equal(order[0], 2);
	assert_int_equal(order[1], 3);
	assert_int_equal(order[2], 1);
	/* Relids stay taken until released: a new device gets 4. */
	assert_non_null(echo_dev_add(f->vb, &e2, hb_guid, 9, false, 0));
	vfx_expect(f, 0, VMBUS_MSG_OFFERCHANNEL, &o, NULL);
	assert_int_equal(o.child_relid, 4);
	/* Sub-channels first, as Linux releases them. */
	static const uint32_t rel[3] = { 2, 3, 1 };
	for (uint32_t i = 0; i < 3; i++) {
		struct vmbus_msg_relid_released rr = { .hdr.msgtype = VMBUS_MSG_RELID_RELEASED,
						       .child_relid = rel[i] };
		vfx_post(f, 0, 1, &rr, sizeof rr);
	}
	assert_int_equal(e.rescinded, 3);
	assert_int_equal(stats(f).relids_released, 3);
	assert_null(vmbs_chan_by_relid(f->vb, 1));
	struct echo_dev e3 = { 0 };
	echo_dev_add(f->vb, &e3, hb_guid, 10, false, 0);
	vfx_expect(f, 0, VMBUS_MSG_OFFERCHANNEL, &o, NULL);
	assert_int_equal(o.child_relid, 1);
	vfx_free(f);
}

static void test_vmbs__relid_released_not_rescinded__dropped(void **state)
{
	(void)state;
	struct vfx *f = vfx_new("ws2022", 1, NULL);
	struct echo_dev e = { 0 };
	echo_dev_add(f->vb, &e, hb_guid, 0, false, 0);
	assert_int_equal(vfx_connect(f, VMBUS_VERSION_WIN10_V5_3), 1);
	vfx_request_offers(f, NULL, 0);
	struct vmbus_msg_relid_released rr = { .hdr.msgtype = VMBUS_MSG_RELID_RELEASED,
					       .child_relid = 1 };
	vfx_post(f, 0, 1, &rr, sizeof rr);
	assert_int_equal(stats(f).rej[VMBS_REJ_RELEASE_NOT_RESCINDED], 1);
	assert_non_null(vmbs_chan_by_relid(f->vb, 1));
	rr.child_relid = 99;
	vfx_post(f, 0, 1, &rr, sizeof rr);
	assert_int_equal(stats(f).rej[VMBS_REJ_UNKNOWN_RELID], 1);
	vfx_free(f);
}

static void test_vmbs__second_requestoffers__dropped(void **state)
{
	(void)state;
	struct vfx *f = vfx_new("ws2022", 1, NULL);
	struct echo_dev e = { 0 };
	echo_dev_add(f->vb, &e, hb_guid, 0, false, 0);
	assert_int_equal(vfx_connect(f, VMBUS_VERSION_WIN10_V5_3), 1);
	assert_int_equal(vfx_request_offers(f, NULL, 0), 1);
	struct vmbus_msg_request_offers ro = { .hdr.msgtype = VMBUS_MSG_REQUESTOFFERS };
	vfx_post(f, 0, 1, &ro, sizeof ro);
	vfx_expect_none(f, 0);
	assert_int_equal(stats(f).rej[VMBS_REJ_OFFERS_TWICE], 1);
	vfx_free(f);
}

static void test_vmbs__remove_before_offered__freed_at_once(void **state)
{
	(void)state;
	struct vfx *f = vfx_new("ws2022", 1, NULL);
	struct echo_dev e = { 0 };
	echo_dev_add(f->vb, &e, hb_guid, 0, false, 0);
	assert_int_equal(vmbs_dev_remove(e.primary), 0);
	assert_int_equal(e.rescinded, 1);
	assert_null(vmbs_chan_by_relid(f->vb, 1));
	vfx_expect_none(f, 0);
	vfx_free(f);
}

static void test_vmbs__subchannels_before_win8_or_offers__refused(void **state)
{
	(void)state;
	struct vfx *f = vfx_new("ws2022", 1, NULL);
	struct echo_dev e = { 0 };
	echo_dev_add(f->vb, &e, netvsc_guid, 0, false, 2);
	assert_int_equal(vmbs_chan_offer_subchannels(e.primary, 1), -ENOTCONN);
	assert_int_equal(vfx_connect(f, VMBUS_VERSION_WIN7), 1);
	vfx_request_offers(f, NULL, 0);
	assert_int_equal(vmbs_chan_offer_subchannels(e.primary, 1), -ENOTCONN);
	assert_int_equal(vfx_connect(f, VMBUS_VERSION_WIN10_V5_3), 1);
	vfx_request_offers(f, NULL, 0);
	/* The device granted 2: a request for 5 gets 2, then none. */
	assert_int_equal(vmbs_chan_offer_subchannels(e.primary, 5), 2);
	assert_int_equal(vmbs_chan_offer_subchannels(e.primary, 1), -ENOSPC);
	vfx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vmbs__offer_fields__as_hyperv_sets_them),
		cmocka_unit_test(test_vmbs__pipe_device__flags_and_pipe_mode),
		cmocka_unit_test(test_vmbs__pre_win8__every_channel_monitored),
		cmocka_unit_test(test_vmbs__win8_plain_device__no_monitor),
		cmocka_unit_test(test_vmbs__no_monitor_pages__no_monitor_ids),
		cmocka_unit_test(test_vmbs__relids__dense_in_offer_order_with_o1_lookup),
		cmocka_unit_test(test_vmbs__channel_cap__add_refused),
		cmocka_unit_test(test_vmbs__hot_add_after_offers__offer_sent_at_once),
		cmocka_unit_test(test_vmbs__rescind__subchannels_first_release_frees_relid),
		cmocka_unit_test(test_vmbs__relid_released_not_rescinded__dropped),
		cmocka_unit_test(test_vmbs__second_requestoffers__dropped),
		cmocka_unit_test(test_vmbs__remove_before_offered__freed_at_once),
		cmocka_unit_test(test_vmbs__subchannels_before_win8_or_offers__refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
