/* test_wire_vmbus.c -- golden bytes for the VMBus wire headers
 * (include/hyperv/vmbus_msg.h, vmbus_ring.h, vmbus_guid.h): every struct is
 * filled field by field and compared with bytes written by hand from the
 * offset tables in shared/protocol/vmbus.md 5-9 and devices.md 0; every
 * constant the sheet gives a value for is checked. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hyperv/hv_tlfs.h"
#include "hyperv/vmbus_guid.h"
#include "hyperv/vmbus_msg.h"
#include "hyperv/vmbus_ring.h"

/* Hand-converted from the sheet's text forms (mixed-endian). */
static const uint8_t netvsc_guid_bytes[16] = {
	0x63, 0x51, 0x61, 0xf8, 0x3e, 0xdf, 0xc5, 0x46,
	0x91, 0x3f, 0xf2, 0xd2, 0xf9, 0x65, 0xed, 0x0e,
};
static const uint8_t kvp_guid_bytes[16] = { /* a9a0f4e7-5a45-4d96-b827-8a841e8c03e6 */
	0xe7, 0xf4, 0xa0, 0xa9, 0x45, 0x5a, 0x96, 0x4d,
	0xb8, 0x27, 0x8a, 0x84, 0x1e, 0x8c, 0x03, 0xe6,
};
static const uint8_t kvp_inst_bytes[16] = { /* 242ff919-07db-4180-9c2e-b86cb68c8c55 */
	0x19, 0xf9, 0x2f, 0x24, 0xdb, 0x07, 0x80, 0x41,
	0x9c, 0x2e, 0xb8, 0x6c, 0xb6, 0x8c, 0x8c, 0x55,
};
/* Azure-style NIC instance 000d3a03-1646-000d-3a03-1646000d3a03 */
static const struct vmbus_guid azure_nic_inst = { {
	0x03, 0x3a, 0x0d, 0x00, 0x46, 0x16, 0x0d, 0x00,
	0x3a, 0x03, 0x16, 0x46, 0x00, 0x0d, 0x3a, 0x03,
} };

/* ---- GUIDs ------------------------------------------------------------------ */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* An independent text-to-wire conversion used to check the macros: the
 * first three groups are little-endian numbers, the last two raw bytes. */
static void guid_from_text(const char *s, uint8_t out[16])
{
	uint8_t txt[16];
	int n = 0;

	assert_int_equal(strlen(s), VMBUS_GUID_STR_LEN);
	for (size_t i = 0; i < VMBUS_GUID_STR_LEN; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			assert_int_equal(s[i], '-');
			continue;
		}
		int hi = hexval(s[i]), lo = hexval(s[i + 1]);
		assert_true(hi >= 0 && lo >= 0);
		txt[n++] = (uint8_t)(hi << 4 | lo);
		i++;
	}
	assert_int_equal(n, 16);
	const int order[16] = { 3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15 };
	for (int i = 0; i < 16; i++)
		out[i] = txt[order[i]];
}

static void test_vmbus_guid__sheet_example__netvsc_bytes(void **state)
{
	(void)state;
	const struct vmbus_guid g = { VMBUS_GUID_NETVSC };
	assert_memory_equal(g.bytes, netvsc_guid_bytes, 16);
	const uint8_t kvp[16] = VMBUS_GUID_KVP;
	assert_memory_equal(kvp, kvp_guid_bytes, 16);
	const uint8_t kvpi[16] = VMBUS_INST_KVP;
	assert_memory_equal(kvpi, kvp_inst_bytes, 16);
	assert_int_equal(sizeof(struct vmbus_guid), 16);
	assert_int_equal(VMBUS_GUID_DATA2_OFF, 4);
	assert_int_equal(VMBUS_GUID_DATA3_OFF, 6);
	assert_int_equal(VMBUS_GUID_DATA4_OFF, 8);
}

static void test_vmbus_guid__every_macro__matches_its_text_form(void **state)
{
	(void)state;
	static const struct { const char *name; uint8_t bytes[16]; const char *text; } t[] = {
#define G(x) { #x, VMBUS_GUID_##x, VMBUS_GUID_##x##_STR }
#define I(x) { "inst " #x, VMBUS_INST_##x, VMBUS_INST_##x##_STR }
		G(NETVSC), G(STORVSC), G(IDE), G(HEARTBEAT), G(SHUTDOWN), G(TIMESYNC),
		G(KVP), G(VSS), G(FCOPY), G(BALLOON), G(KEYBOARD), G(MOUSE), G(SYNTHVID),
		G(PCI), G(SYNTHFC), G(ND), G(AVMA1), G(AVMA2), G(RDV), G(IMC),
		I(HEARTBEAT), I(SHUTDOWN), I(TIMESYNC), I(KVP), I(VSS), I(FCOPY),
		I(BALLOON), I(KEYBOARD), I(MOUSE), I(SYNTHVID), I(AVMA1), I(AVMA2),
		I(RDV), I(IMC), I(IDE0), I(IDE1), I(AZURE_SCSI0),
#undef G
#undef I
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		uint8_t want[16];
		guid_from_text(t[i].text, want);
		if (memcmp(t[i].bytes, want, 16) != 0)
			fail_msg("GUID %s does not match %s", t[i].name, t[i].text);
	}
	/* The text forms are the sheet's section 9 values. */
	assert_string_equal(VMBUS_GUID_NETVSC_STR, "f8615163-df3e-46c5-913f-f2d2f965ed0e");
	assert_string_equal(VMBUS_GUID_STORVSC_STR, "ba6163d9-04a1-4d29-b605-72e2ffb1dc7f");
	assert_string_equal(VMBUS_GUID_IDE_STR, "32412632-86cb-44a2-9b5c-50d1417354f5");
	assert_string_equal(VMBUS_GUID_HEARTBEAT_STR, "57164f39-9115-4e78-ab55-382f3bd5422d");
	assert_string_equal(VMBUS_GUID_SHUTDOWN_STR, "0e0b6031-5213-4934-818b-38d90ced39db");
	assert_string_equal(VMBUS_GUID_TIMESYNC_STR, "9527e630-d0ae-497b-adce-e80ab0175caf");
	assert_string_equal(VMBUS_GUID_VSS_STR, "35fa2e29-ea23-4236-96ae-3a6ebacba440");
	assert_string_equal(VMBUS_GUID_FCOPY_STR, "34d14be3-dee4-41c8-9ae7-6b174977c192");
	assert_string_equal(VMBUS_GUID_BALLOON_STR, "525074dc-8985-46e2-8057-a307dc18a502");
	assert_string_equal(VMBUS_GUID_KEYBOARD_STR, "f912ad6d-2b17-48ea-bd65-f927a61c7684");
	assert_string_equal(VMBUS_GUID_MOUSE_STR, "cfa8b69e-5b4a-4cc0-b98b-8ba1a1f3f95a");
	assert_string_equal(VMBUS_GUID_SYNTHVID_STR, "da0a7802-e377-4aac-8e77-0558eb1073f8");
	assert_string_equal(VMBUS_GUID_PCI_STR, "44c4f61d-4444-4400-9d52-802e27ede19f");
	assert_string_equal(VMBUS_INST_IDE0_STR, "00000000-0000-8899-0000-000000000000");
	/* IDE instance 1: target in bytes 4-5 (Data2 = 0x0001, little-endian). */
	const uint8_t ide1[16] = VMBUS_INST_IDE1;
	const uint8_t want_ide1[16] = { 0, 0, 0, 0, 0x01, 0x00, 0x99, 0x88, 0, 0, 0, 0, 0, 0, 0, 0 };
	assert_memory_equal(ide1, want_ide1, 16);
}

/* ---- Constants ----------------------------------------------------------------- */

static void test_vmbus_msg__type_numbers__match_sheet(void **state)
{
	(void)state;
	const unsigned types[] = {
		VMBUS_MSG_INVALID, VMBUS_MSG_OFFERCHANNEL, VMBUS_MSG_RESCIND_CHANNELOFFER,
		VMBUS_MSG_REQUESTOFFERS, VMBUS_MSG_ALLOFFERS_DELIVERED, VMBUS_MSG_OPENCHANNEL,
		VMBUS_MSG_OPENCHANNEL_RESULT, VMBUS_MSG_CLOSECHANNEL, VMBUS_MSG_GPADL_HEADER,
		VMBUS_MSG_GPADL_BODY, VMBUS_MSG_GPADL_CREATED, VMBUS_MSG_GPADL_TEARDOWN,
		VMBUS_MSG_GPADL_TORNDOWN, VMBUS_MSG_RELID_RELEASED, VMBUS_MSG_INITIATE_CONTACT,
		VMBUS_MSG_VERSION_RESPONSE, VMBUS_MSG_UNLOAD, VMBUS_MSG_UNLOAD_RESPONSE,
		VMBUS_MSG_OPEN_RESERVED_CHANNEL, VMBUS_MSG_CLOSE_RESERVED_CHANNEL,
		VMBUS_MSG_CLOSE_RESERVED_RESPONSE, VMBUS_MSG_TL_CONNECT_REQUEST,
		VMBUS_MSG_MODIFYCHANNEL, VMBUS_MSG_TL_CONNECT_RESULT,
		VMBUS_MSG_MODIFYCHANNEL_RESPONSE, VMBUS_MSG_MODIFY_CONNECTION,
		VMBUS_MSG_MODIFY_CONNECTION_RESPONSE, VMBUS_MSG_PAUSE, VMBUS_MSG_PAUSE_RESPONSE,
		VMBUS_MSG_RESUME,
	};
	for (unsigned i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		assert_int_equal(types[i], i);
	assert_int_equal(VMBUS_MSG_COUNT, 30);
	assert_int_equal(sizeof(types) / sizeof(types[0]), VMBUS_MSG_COUNT);
}

static void test_vmbus_msg__versions_and_ids__match_sheet(void **state)
{
	(void)state;
	assert_int_equal(VMBUS_VERSION_WS2008, 0x0000000D);
	assert_int_equal(VMBUS_VERSION_WIN7, 0x00010001);
	assert_int_equal(VMBUS_VERSION_WIN8, 0x00020004);
	assert_int_equal(VMBUS_VERSION_WIN8_1, 0x00030000);
	assert_int_equal(VMBUS_VERSION_WIN10, 0x00040000);
	assert_int_equal(VMBUS_VERSION_WIN10_V4_1, 0x00040001);
	assert_int_equal(VMBUS_VERSION_WIN10_V5, 0x00050000);
	assert_int_equal(VMBUS_VERSION_WIN10_V5_1, 0x00050001);
	assert_int_equal(VMBUS_VERSION_WIN10_V5_2, 0x00050002);
	assert_int_equal(VMBUS_VERSION_WIN10_V5_3, 0x00050003);
	assert_int_equal(VMBUS_VERSION_WIN10_V6_0, 0x00060000);
	assert_int_equal(VMBUS_VERSION_WIN8 >> VMBUS_VERSION_MAJOR_SHIFT, 2);
	assert_int_equal(VMBUS_VERSION_WIN8 & VMBUS_VERSION_MINOR_MASK, 4);

	assert_int_equal(VMBUS_MESSAGE_SINT, 2);
	assert_int_equal(VMBUS_MESSAGE_CONNECTION_ID, 1);
	assert_int_equal(VMBUS_MESSAGE_CONNECTION_ID_4, 4);
	assert_int_equal(VMBUS_MESSAGE_PORT_ID, 1);
	assert_int_equal(VMBUS_EVENT_CONNECTION_ID, 2);
	assert_int_equal(VMBUS_EVENT_PORT_ID, 2);
	assert_int_equal(VMBUS_MONITOR_CONNECTION_ID, 3);
	assert_int_equal(VMBUS_MONITOR_PORT_ID, 3);
	assert_int_equal(VMBUS_RELID_LIMIT, 2048);
	assert_int_equal(VMBUS_TARGET_VP_NO_INTERRUPT, 0xFFFFFFFFu);
	assert_int_equal(VMBUS_MONITOR_ID_NONE, 0xFF);
	assert_int_equal(VMBUS_STATUS_SUCCESS, 0);
	assert_int_equal(VMBUS_STATUS_UNSUCCESSFUL, 0x8000FFFFu);
	assert_int_equal(VMBUS_STATUS_CONNECTION_REFUSED, 0xC0000236u);
	assert_int_equal(VMBUS_CONN_STATE_SUCCESS, 0);
	assert_int_equal(VMBUS_CONN_STATE_LOW_RESOURCES, 1);
	assert_int_equal(VMBUS_CONN_STATE_UNKNOWN_FAILURE, 2);
}

static void test_vmbus_msg__flag_values__match_sheet(void **state)
{
	(void)state;
	const unsigned feat[8] = {
		VMBUS_FEATURE_GUEST_SIGNAL_PARAMS, VMBUS_FEATURE_INTERRUPT_REDIRECTION,
		VMBUS_FEATURE_MODIFY_CONNECTION, VMBUS_FEATURE_CLIENT_ID,
		VMBUS_FEATURE_CONFIDENTIAL_CHANNELS, VMBUS_FEATURE_PAUSE_RESUME,
		VMBUS_FEATURE_SERVER_MONITOR_PAGES, VMBUS_FEATURE_GPA_PINNING,
	};
	for (unsigned i = 0; i < 8; i++)
		assert_int_equal(feat[i], 1u << i);
	assert_int_equal(VMBUS_OFFER_FLAG_ENUMERATE_DEVICE_INTERFACE, 0x0001);
	assert_int_equal(VMBUS_OFFER_FLAG_CONFIDENTIAL_RING, 0x0002);
	assert_int_equal(VMBUS_OFFER_FLAG_CONFIDENTIAL_EXT_MEMORY, 0x0004);
	assert_int_equal(VMBUS_OFFER_FLAG_REQUIRE_PINNED_MEMORY, 0x0008);
	assert_int_equal(VMBUS_OFFER_FLAG_NAMED_PIPE_MODE, 0x0010);
	assert_int_equal(VMBUS_OFFER_FLAG_LOOPBACK, 0x0100);
	assert_int_equal(VMBUS_OFFER_FLAG_PARENT, 0x0200);
	assert_int_equal(VMBUS_OFFER_FLAG_REQUEST_MONITORED_NOTIFY, 0x0400);
	assert_int_equal(VMBUS_OFFER_FLAG_TLNPI_PROVIDER, 0x2000);
	assert_int_equal(VMBUS_OFFER_FLAGS_HVSOCK,
			 VMBUS_OFFER_FLAG_TLNPI_PROVIDER | VMBUS_OFFER_FLAG_NAMED_PIPE_MODE |
			 VMBUS_OFFER_FLAG_ENUMERATE_DEVICE_INTERFACE);
	assert_int_equal(VMBUS_OFFER_FLAGS_HVSOCK, 0x2011);
	assert_int_equal(VMBUS_OFFER_FLAGS_IC_PIPE, 0x0011);
	assert_int_equal(VMBUS_PIPE_MODE_BYTE, 0);
	assert_int_equal(VMBUS_PIPE_MODE_MESSAGE, 4);
	assert_int_equal(VMBUS_OPEN_FLAG_REDIRECT_INTERRUPT, 1);
	assert_int_equal(VMBUS_GPADL_HEADER_MAX_PFNS, 26);
	assert_int_equal(VMBUS_GPADL_BODY_MAX_PFNS, 28);
	assert_int_equal(VMBUS_GPADL_HEADER_PFN_OFF, 28);
	assert_int_equal(VMBUS_GPADL_BODY_PFN_OFF, 16);
}

/* ---- Channel messages ---------------------------------------------------------- */

static void test_vmbus_msg__offer_netvsc_relid5__golden(void **state)
{
	(void)state;
	struct vmbus_msg_offer o;
	memset(&o, 0, sizeof(o));
	o.hdr.msgtype = VMBUS_MSG_OFFERCHANNEL;
	o.if_type = (struct vmbus_guid){ VMBUS_GUID_NETVSC };
	o.if_instance = azure_nic_inst;
	o.chan_flags = 0;
	o.mmio_megabytes = 0;
	o.sub_channel_index = 0;
	o.child_relid = 5;
	o.monitorid = VMBUS_MONITOR_ID_NONE;
	o.monitor_allocated = 0;
	o.is_dedicated_interrupt = VMBUS_OFFER_DEDICATED_INTERRUPT;
	o.connection_id = 0x2005;

	static const uint8_t want[196] = {
		/* @0   hdr */          0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		/* @8   if_type */      0x63, 0x51, 0x61, 0xf8, 0x3e, 0xdf, 0xc5, 0x46,
		/* @16  */              0x91, 0x3f, 0xf2, 0xd2, 0xf9, 0x65, 0xed, 0x0e,
		/* @24  if_instance */  0x03, 0x3a, 0x0d, 0x00, 0x46, 0x16, 0x0d, 0x00,
		/* @32  */              0x3a, 0x03, 0x16, 0x46, 0x00, 0x0d, 0x3a, 0x03,
		/* @40  reserved */     0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		/* @48  reserved */     0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		/* @56  flags, mmio, user_defined[0..3] */
					0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		/* @64  user_defined */ 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		/* @72  */              0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		/* @80  */              0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		/* @88  */              0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		/* @96  */              0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		/* @104 */              0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		/* @112 */              0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		/* @120 */              0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		/* @128 */              0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		/* @136 */              0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		/* @144 */              0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		/* @152 */              0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		/* @160 */              0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		/* @168 */              0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		/* @176 user_defined[116..119], sub_channel_index, reserved */
					0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		/* @184 relid 5, monitorid 0xFF, allocated 0, dedicated 1 */
					0x05, 0x00, 0x00, 0x00, 0xff, 0x00, 0x01, 0x00,
		/* @192 connection_id 0x2005 */
					0x05, 0x20, 0x00, 0x00,
	};
	assert_int_equal(sizeof(o), 196);
	assert_memory_equal(&o, want, 196);
}

static void test_vmbus_msg__offer_kvp_pipe_mode__golden(void **state)
{
	(void)state;
	struct vmbus_msg_offer o;
	memset(&o, 0, sizeof(o));
	o.hdr.msgtype = VMBUS_MSG_OFFERCHANNEL;
	memcpy(o.if_type.bytes, (uint8_t[16])VMBUS_GUID_KVP, 16);
	memcpy(o.if_instance.bytes, (uint8_t[16])VMBUS_INST_KVP, 16);
	o.chan_flags = VMBUS_OFFER_FLAGS_IC_PIPE;
	uint32_t mode = VMBUS_PIPE_MODE_MESSAGE;
	memcpy(o.user_defined, &mode, 4);
	o.sub_channel_index = 3;
	o.child_relid = 12;
	o.monitorid = 37;
	o.monitor_allocated = VMBUS_OFFER_MONITOR_ALLOCATED;
	o.is_dedicated_interrupt = 1;
	o.connection_id = 0x200C;

	uint8_t want[196] = {
		[0] = 0x01,
		[8] = 0xe7, 0xf4, 0xa0, 0xa9, 0x45, 0x5a, 0x96, 0x4d,
		      0xb8, 0x27, 0x8a, 0x84, 0x1e, 0x8c, 0x03, 0xe6,
		[24] = 0x19, 0xf9, 0x2f, 0x24, 0xdb, 0x07, 0x80, 0x41,
		       0x9c, 0x2e, 0xb8, 0x6c, 0xb6, 0x8c, 0x8c, 0x55,
		[56] = 0x11, 0x00,             /* ENUMERATE | NAMED_PIPE */
		[60] = 0x04,                   /* pipe mode: message */
		[180] = 0x03,                  /* sub_channel_index */
		[184] = 0x0c,                  /* relid 12 */
		[188] = 0x25, 0x01,            /* monitor 37, allocated */
		[190] = 0x01,
		[192] = 0x0c, 0x20,
	};
	assert_memory_equal(&o, want, 196);
}

static void test_vmbus_msg__small_relid_messages__golden(void **state)
{
	(void)state;
	struct vmbus_msg_rescind r = { .hdr.msgtype = VMBUS_MSG_RESCIND_CHANNELOFFER,
				       .child_relid = 5 };
	const uint8_t want_r[12] = { 0x02, 0, 0, 0, 0, 0, 0, 0, 0x05, 0, 0, 0 };
	assert_memory_equal(&r, want_r, 12);

	struct vmbus_msg_close c = { .hdr.msgtype = VMBUS_MSG_CLOSECHANNEL, .child_relid = 5 };
	const uint8_t want_c[12] = { 0x07, 0, 0, 0, 0, 0, 0, 0, 0x05, 0, 0, 0 };
	assert_memory_equal(&c, want_c, 12);

	struct vmbus_msg_relid_released rr = { .hdr.msgtype = VMBUS_MSG_RELID_RELEASED,
					       .child_relid = 0x7FF };
	const uint8_t want_rr[12] = { 0x0d, 0, 0, 0, 0, 0, 0, 0, 0xff, 0x07, 0, 0 };
	assert_memory_equal(&rr, want_rr, 12);

	struct vmbus_msg_gpadl_torndown td = { .hdr.msgtype = VMBUS_MSG_GPADL_TORNDOWN,
					       .gpadl = 0xE1E10 };
	const uint8_t want_td[12] = { 0x0c, 0, 0, 0, 0, 0, 0, 0, 0x10, 0x1e, 0x0e, 0x00 };
	assert_memory_equal(&td, want_td, 12);

	struct vmbus_msg_close_reserved_response crr = {
		.hdr.msgtype = VMBUS_MSG_CLOSE_RESERVED_RESPONSE, .child_relid = 9 };
	const uint8_t want_crr[12] = { 0x14, 0, 0, 0, 0, 0, 0, 0, 0x09, 0, 0, 0 };
	assert_memory_equal(&crr, want_crr, 12);
}

static void test_vmbus_msg__header_only_messages__golden(void **state)
{
	(void)state;
	struct { unsigned type; size_t size; uint8_t first; } t[] = {
		{ VMBUS_MSG_REQUESTOFFERS, sizeof(struct vmbus_msg_request_offers), 0x03 },
		{ VMBUS_MSG_ALLOFFERS_DELIVERED, sizeof(struct vmbus_msg_all_offers_delivered), 0x04 },
		{ VMBUS_MSG_UNLOAD, sizeof(struct vmbus_msg_unload), 0x10 },
		{ VMBUS_MSG_UNLOAD_RESPONSE, sizeof(struct vmbus_msg_unload_response), 0x11 },
		{ VMBUS_MSG_PAUSE, sizeof(struct vmbus_msg_pause), 0x1b },
		{ VMBUS_MSG_PAUSE_RESPONSE, sizeof(struct vmbus_msg_pause_response), 0x1c },
		{ VMBUS_MSG_RESUME, sizeof(struct vmbus_msg_resume), 0x1d },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct vmbus_msg_hdr h = { .msgtype = t[i].type, .padding = 0 };
		const uint8_t want[8] = { t[i].first, 0, 0, 0, 0, 0, 0, 0 };
		assert_int_equal(t[i].size, 8);
		assert_memory_equal(&h, want, 8);
	}
	struct vmbus_msg_unload u = { .hdr.msgtype = VMBUS_MSG_UNLOAD };
	const uint8_t want_u[8] = { 0x10, 0, 0, 0, 0, 0, 0, 0 };
	assert_memory_equal(&u, want_u, 8);
}

static void test_vmbus_msg__openchannel__golden(void **state)
{
	(void)state;
	struct vmbus_msg_open m;
	memset(&m, 0, sizeof(m));
	m.hdr.msgtype = VMBUS_MSG_OPENCHANNEL;
	m.child_relid = 5;
	m.openid = 5;
	m.ring_gpadl = 0xE1E10;
	m.target_vp = 1;
	m.downstream_ring_pageoff = 0x100;
	m.user_data[0] = 0xde;
	m.user_data[1] = 0xad;
	m.user_data[2] = 0xbe;
	m.user_data[3] = 0xef;
	m.user_data[119] = 0x77;

	uint8_t want[148] = {
		/* @0  */ 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		/* @8  relid, openid */ 0x05, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00,
		/* @16 gpadl, target_vp */ 0x10, 0x1e, 0x0e, 0x00, 0x01, 0x00, 0x00, 0x00,
		/* @24 pageoff, user data */ 0x00, 0x01, 0x00, 0x00, 0xde, 0xad, 0xbe, 0xef,
		[147] = 0x77,
	};
	assert_int_equal(sizeof(m), 148);
	assert_memory_equal(&m, want, 148);

	/* 6.0 form: connection id, event flag, redirect flag appended. */
	struct vmbus_msg_open2 m2;
	memset(&m2, 0, sizeof(m2));
	m2.open = m;
	m2.connection_id = 0x2005;
	m2.event_flag = 5;
	m2.open_flags = VMBUS_OPEN_FLAG_REDIRECT_INTERRUPT;
	uint8_t want2[156];
	memcpy(want2, want, 148);
	const uint8_t tail[8] = { 0x05, 0x20, 0x00, 0x00, 0x05, 0x00, 0x01, 0x00 };
	memcpy(want2 + 148, tail, 8);
	assert_memory_equal(&m2, want2, 156);
}

static void test_vmbus_msg__open_result_and_gpadl_replies__golden(void **state)
{
	(void)state;
	struct vmbus_msg_open_result r = { .hdr.msgtype = VMBUS_MSG_OPENCHANNEL_RESULT,
		.child_relid = 5, .openid = 5, .status = VMBUS_STATUS_UNSUCCESSFUL };
	const uint8_t want_r[20] = {
		0x06, 0, 0, 0, 0, 0, 0, 0,
		0x05, 0, 0, 0, 0x05, 0, 0, 0,
		0xff, 0xff, 0x00, 0x80,
	};
	assert_memory_equal(&r, want_r, 20);

	struct vmbus_msg_gpadl_created gc = { .hdr.msgtype = VMBUS_MSG_GPADL_CREATED,
		.child_relid = 5, .gpadl = 0xE1E10, .creation_status = 0 };
	const uint8_t want_gc[20] = {
		0x0a, 0, 0, 0, 0, 0, 0, 0,
		0x05, 0, 0, 0, 0x10, 0x1e, 0x0e, 0x00,
		0, 0, 0, 0,
	};
	assert_memory_equal(&gc, want_gc, 20);

	struct vmbus_msg_gpadl_teardown t = { .hdr.msgtype = VMBUS_MSG_GPADL_TEARDOWN,
		.child_relid = 5, .gpadl = 0xE1E11 };
	const uint8_t want_t[16] = {
		0x0b, 0, 0, 0, 0, 0, 0, 0,
		0x05, 0, 0, 0, 0x11, 0x1e, 0x0e, 0x00,
	};
	assert_memory_equal(&t, want_t, 16);
}

static void test_vmbus_msg__gpadl_header_one_range_three_pfns__golden(void **state)
{
	(void)state;
	struct vmbus_msg_gpadl_header_1range m;
	memset(&m, 0, sizeof(m));
	m.gh.hdr.msgtype = VMBUS_MSG_GPADL_HEADER;
	m.gh.child_relid = 5;
	m.gh.gpadl = 0xE1E10;
	m.gh.range_buflen = (uint16_t)(sizeof(struct vmbus_gpa_range_hdr) + 3 * 8);
	m.gh.rangecount = 1;
	m.range.byte_count = 0x3000;
	m.range.byte_offset = 0;
	m.pfn[0] = 0x12345;
	m.pfn[1] = 0x12346;
	m.pfn[2] = 0x1abcdef01ull;

	const uint8_t want[52] = {
		/* @0  */ 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		/* @8  relid 5, gpadl 0xE1E10 */ 0x05, 0x00, 0x00, 0x00, 0x10, 0x1e, 0x0e, 0x00,
		/* @16 buflen 32, count 1, byte_count 0x3000 */
			  0x20, 0x00, 0x01, 0x00, 0x00, 0x30, 0x00, 0x00,
		/* @24 byte_offset 0, pfn0 lo */ 0x00, 0x00, 0x00, 0x00, 0x45, 0x23, 0x01, 0x00,
		/* @32 pfn0 hi, pfn1 lo */ 0x00, 0x00, 0x00, 0x00, 0x46, 0x23, 0x01, 0x00,
		/* @40 pfn1 hi, pfn2 lo */ 0x00, 0x00, 0x00, 0x00, 0x01, 0xef, 0xcd, 0xab,
		/* @48 pfn2 hi */ 0x01, 0x00, 0x00, 0x00,
	};
	/* The message on the wire is 28 + 3 * 8 = 52 bytes. */
	assert_int_equal(offsetof(struct vmbus_msg_gpadl_header_1range, pfn[3]), 52);
	assert_memory_equal(&m, want, 52);

	/* The 26th PFN ends exactly at 236 <= 240: a full header fits a slot. */
	assert_int_equal(sizeof(m), 236);
	assert_true(sizeof(m) <= HV_MESSAGE_PAYLOAD_BYTES);
}

static void test_vmbus_msg__gpadl_body_two_pfns__golden(void **state)
{
	(void)state;
	uint8_t buf[VMBUS_GPADL_BODY_PFN_OFF + 2 * 8];
	memset(buf, 0, sizeof(buf));
	struct vmbus_msg_gpadl_body *b = (struct vmbus_msg_gpadl_body *)buf;
	b->hdr.msgtype = VMBUS_MSG_GPADL_BODY;
	b->msgnumber = 0;
	b->gpadl = 0xE1E10;
	b->pfn[0] = 0x100;
	b->pfn[1] = 0xFFFFFFFFFull;
	const uint8_t want[32] = {
		0x09, 0, 0, 0, 0, 0, 0, 0,
		0x00, 0, 0, 0, 0x10, 0x1e, 0x0e, 0x00,
		0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0xff, 0xff, 0xff, 0xff, 0x0f, 0x00, 0x00, 0x00,
	};
	assert_memory_equal(buf, want, 32);
	/* A full body: 16 + 28 * 8 = 240. */
	assert_int_equal(VMBUS_GPADL_BODY_PFN_OFF + VMBUS_GPADL_BODY_MAX_PFNS * 8,
			 HV_MESSAGE_PAYLOAD_BYTES);
}

static void test_vmbus_msg__initiate_contact_v5_sint2__golden(void **state)
{
	(void)state;
	struct vmbus_msg_initiate_contact m;
	memset(&m, 0, sizeof(m));
	m.hdr.msgtype = VMBUS_MSG_INITIATE_CONTACT;
	m.version_requested = VMBUS_VERSION_WIN10_V5;
	m.target_vcpu = 0;
	m.u.v5.msg_sint = VMBUS_MESSAGE_SINT;
	m.u.v5.msg_vtl = 0;
	m.monitor_page1 = 0x7000;
	m.monitor_page2 = 0x8000;
	const uint8_t want[40] = {
		/* @0  */ 0x0e, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		/* @8  version 5.0, target_vcpu 0 */ 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00,
		/* @16 SINT 2, VTL 0, pad, features 0 */ 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		/* @24 monitor_page1 */ 0x00, 0x70, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		/* @32 monitor_page2 */ 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	};
	assert_memory_equal(&m, want, 40);
	/* The same bytes read as the pre-5.0 interrupt-page view. */
	assert_true(m.u.interrupt_page == 2);
}

static void test_vmbus_msg__initiate_contact_v3_interrupt_page__golden(void **state)
{
	(void)state;
	struct vmbus_msg_initiate_contact m;
	memset(&m, 0, sizeof(m));
	m.hdr.msgtype = VMBUS_MSG_INITIATE_CONTACT;
	m.version_requested = VMBUS_VERSION_WIN8_1;
	m.target_vcpu = 1;
	m.u.interrupt_page = 0x6000;
	const uint8_t want[40] = {
		0x0e, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00,
		0x00, 0x60, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	};
	assert_memory_equal(&m, want, 40);
}

static void test_vmbus_msg__initiate_contact_v6_client_id__golden(void **state)
{
	(void)state;
	struct vmbus_msg_initiate_contact2 m;
	memset(&m, 0, sizeof(m));
	m.ic.hdr.msgtype = VMBUS_MSG_INITIATE_CONTACT;
	m.ic.version_requested = VMBUS_VERSION_WIN10_V6_0;
	m.ic.u.v5.msg_sint = 2;
	m.ic.u.v5.msg_vtl = 0;
	m.ic.u.v5.feature_flags = VMBUS_FEATURE_MODIFY_CONNECTION | VMBUS_FEATURE_CLIENT_ID;
	m.client_id = azure_nic_inst;
	const uint8_t want[56] = {
		0x0e, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00,
		/* @16 SINT 2, VTL 0, pad, features 0x0C */
		0x02, 0x00, 0x00, 0x00, 0x0c, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		/* @40 client id */
		0x03, 0x3a, 0x0d, 0x00, 0x46, 0x16, 0x0d, 0x00,
		0x3a, 0x03, 0x16, 0x46, 0x00, 0x0d, 0x3a, 0x03,
	};
	assert_memory_equal(&m, want, 56);
}

static void test_vmbus_msg__version_response_forms__golden(void **state)
{
	(void)state;
	struct vmbus_msg_version_response vr;
	memset(&vr, 0, sizeof(vr));
	vr.hdr.msgtype = VMBUS_MSG_VERSION_RESPONSE;
	vr.version_supported = 1;
	vr.connection_state = VMBUS_CONN_STATE_SUCCESS;
	vr.msg_conn_id = VMBUS_MESSAGE_CONNECTION_ID;
	const uint8_t want[16] = {
		0x0f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
	};
	assert_memory_equal(&vr, want, 16);

	/* Refused with a failure state (2.4+ style). */
	vr.version_supported = 0;
	vr.connection_state = VMBUS_CONN_STATE_UNKNOWN_FAILURE;
	vr.msg_conn_id = 0;
	const uint8_t want_ref[16] = {
		0x0f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	};
	assert_memory_equal(&vr, want_ref, 16);

	struct vmbus_msg_version_response3 v3;
	memset(&v3, 0, sizeof(v3));
	v3.vr2.vr.hdr.msgtype = VMBUS_MSG_VERSION_RESPONSE;
	v3.vr2.vr.version_supported = 1;
	v3.vr2.vr.msg_conn_id = 1;
	v3.vr2.supported_features = VMBUS_FEATURE_CLIENT_ID | VMBUS_FEATURE_PAUSE_RESUME |
				    VMBUS_FEATURE_SERVER_MONITOR_PAGES;
	v3.monitor_page1 = 0x123000;
	v3.monitor_page2 = 0x124000;
	const uint8_t want3[40] = {
		0x0f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
		/* @16 features 0x68, @20 padding */
		0x68, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x30, 0x12, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x40, 0x12, 0x00, 0x00, 0x00, 0x00, 0x00,
	};
	assert_memory_equal(&v3, want3, 40);
	/* VersionResponse2 is the first 20 bytes. */
	assert_int_equal(sizeof(struct vmbus_msg_version_response2), 20);
	assert_memory_equal(&v3.vr2, want3, 20);
}

static void test_vmbus_msg__reserved_channel_messages__golden(void **state)
{
	(void)state;
	struct vmbus_msg_open_reserved o = { .hdr.msgtype = VMBUS_MSG_OPEN_RESERVED_CHANNEL,
		.child_relid = 9, .target_vp = 1, .target_sint = 2, .ring_gpadl = 0xE1E12,
		.downstream_ring_pageoff = 4 };
	const uint8_t want_o[28] = {
		0x12, 0, 0, 0, 0, 0, 0, 0,
		0x09, 0, 0, 0, 0x01, 0, 0, 0,
		0x02, 0, 0, 0, 0x12, 0x1e, 0x0e, 0x00,
		0x04, 0, 0, 0,
	};
	assert_memory_equal(&o, want_o, 28);

	struct vmbus_msg_close_reserved c = { .hdr.msgtype = VMBUS_MSG_CLOSE_RESERVED_CHANNEL,
		.child_relid = 9, .target_vp = 1, .target_sint = 2 };
	const uint8_t want_c[20] = {
		0x13, 0, 0, 0, 0, 0, 0, 0,
		0x09, 0, 0, 0, 0x01, 0, 0, 0, 0x02, 0, 0, 0,
	};
	assert_memory_equal(&c, want_c, 20);
}

static void test_vmbus_msg__tl_connect_messages__golden(void **state)
{
	(void)state;
	struct vmbus_msg_tl_connect_request2 rq;
	memset(&rq, 0, sizeof(rq));
	rq.req.hdr.msgtype = VMBUS_MSG_TL_CONNECT_REQUEST;
	rq.req.guest_endpoint_id = azure_nic_inst;
	memcpy(rq.req.host_service_id.bytes, kvp_guid_bytes, 16);
	memcpy(rq.silo_id.bytes, kvp_inst_bytes, 16);
	uint8_t want[56] = { 0x15, 0, 0, 0, 0, 0, 0, 0 };
	memcpy(want + 8, azure_nic_inst.bytes, 16);
	memcpy(want + 24, kvp_guid_bytes, 16);
	memcpy(want + 40, kvp_inst_bytes, 16);
	assert_memory_equal(&rq, want, 56);
	/* The pre-5.2 form is the first 40 bytes. */
	assert_int_equal(sizeof(rq.req), 40);

	struct vmbus_msg_tl_connect_result rs;
	memset(&rs, 0, sizeof(rs));
	rs.hdr.msgtype = VMBUS_MSG_TL_CONNECT_RESULT;
	rs.guest_endpoint_id = rq.req.guest_endpoint_id;
	rs.host_service_id = rq.req.host_service_id;
	rs.status = (int32_t)VMBUS_STATUS_CONNECTION_REFUSED;
	uint8_t want_rs[44];
	memcpy(want_rs, want, 40);
	want_rs[0] = 0x17;
	want_rs[40] = 0x36;
	want_rs[41] = 0x02;
	want_rs[42] = 0x00;
	want_rs[43] = 0xc0;
	assert_memory_equal(&rs, want_rs, 44);
}

static void test_vmbus_msg__modify_messages__golden(void **state)
{
	(void)state;
	struct vmbus_msg_modify_channel mc = { .hdr.msgtype = VMBUS_MSG_MODIFYCHANNEL,
					       .child_relid = 5, .target_vp = 3 };
	const uint8_t want_mc[16] = { 0x16, 0, 0, 0, 0, 0, 0, 0, 0x05, 0, 0, 0, 0x03, 0, 0, 0 };
	assert_memory_equal(&mc, want_mc, 16);

	struct vmbus_msg_modify_channel_response mr = {
		.hdr.msgtype = VMBUS_MSG_MODIFYCHANNEL_RESPONSE, .child_relid = 5, .status = -1 };
	const uint8_t want_mr[16] = { 0x18, 0, 0, 0, 0, 0, 0, 0,
				      0x05, 0, 0, 0, 0xff, 0xff, 0xff, 0xff };
	assert_memory_equal(&mr, want_mr, 16);

	struct vmbus_msg_modify_connection mn = { .hdr.msgtype = VMBUS_MSG_MODIFY_CONNECTION,
		.monitor_page1 = 0x9000, .monitor_page2 = 0xA000 };
	const uint8_t want_mn[24] = {
		0x19, 0, 0, 0, 0, 0, 0, 0,
		0x00, 0x90, 0, 0, 0, 0, 0, 0,
		0x00, 0xa0, 0, 0, 0, 0, 0, 0,
	};
	assert_memory_equal(&mn, want_mn, 24);

	struct vmbus_msg_modify_connection_response mnr = {
		.hdr.msgtype = VMBUS_MSG_MODIFY_CONNECTION_RESPONSE,
		.connection_state = VMBUS_CONN_STATE_LOW_RESOURCES };
	const uint8_t want_mnr[9] = { 0x1a, 0, 0, 0, 0, 0, 0, 0, 0x01 };
	assert_int_equal(sizeof(mnr), 9);
	assert_memory_equal(&mnr, want_mnr, 9);
}

/* ---- Interrupt and monitor pages ---------------------------------------------- */

static void test_vmbus_pages__interrupt_page_halves__golden(void **state)
{
	(void)state;
	struct vmbus_int_page p;
	memset(&p, 0, sizeof(p));
	p.h2g[13 / 8] |= (uint8_t)(1u << (13 % 8));  /* host signals relid 13 */
	p.g2h[5 / 8] |= (uint8_t)(1u << (5 % 8));    /* guest signals relid 5 */
	const uint8_t *raw = (const uint8_t *)&p;
	assert_int_equal(raw[1], 0x20);
	assert_int_equal(raw[2048], 0x20);
	for (size_t i = 0; i < sizeof(p); i++)
		if (i != 1 && i != 2048)
			assert_int_equal(raw[i], 0);
}

static void test_vmbus_pages__monitor_page_id37__golden(void **state)
{
	(void)state;
	/* Monitor id 37 = group 1, bit 5. */
	struct vmbus_monitor_page p;
	memset(&p, 0, sizeof(p));
	p.trigger_state = VMBUS_MONITOR_TRIGGER_GROUP_ENABLE_MASK;
	p.trigger_group[37 / 32].pending |= 1u << (37 % 32);
	p.latency[37 / 32][37 % 32] = 1000;         /* 100 us */
	p.parameter[37 / 32][37 % 32].connection_id = 0x2005;
	p.parameter[37 / 32][37 % 32].flag_number = 0;
	p.next_check_time[3][31] = -1;

	const uint8_t *raw = (const uint8_t *)&p;
	assert_int_equal(raw[0x000], 0x0f);          /* trigger_state */
	assert_int_equal(raw[0x010], 0x20);          /* group 1 pending @ 0x8 + 8 */
	assert_int_equal(raw[0x28a], 0xe8);          /* latency @ 0x240 + 37 * 2 */
	assert_int_equal(raw[0x28b], 0x03);
	assert_int_equal(raw[0x568], 0x05);          /* parameter @ 0x440 + 37 * 8 */
	assert_int_equal(raw[0x569], 0x20);
	assert_int_equal(raw[0x23c], 0xff);          /* next_check_time[3][31] @ 0x40 + 127 * 4 */
	assert_int_equal(raw[0x23f], 0xff);
	size_t set = 0;
	for (size_t i = 0; i < sizeof(p); i++)
		set += raw[i] != 0;
	assert_int_equal(set, 10);
	assert_int_equal(VMBUS_MONITOR_COUNT, 128);
	assert_int_equal(VMBUS_MONITOR_GROUPS * VMBUS_MONITORS_PER_GROUP, VMBUS_MONITOR_COUNT);
}

/* ---- Ring buffers and packets ------------------------------------------------- */

static void test_vmbus_ring__control_page_with_feature_bit__golden(void **state)
{
	(void)state;
	struct vmbus_ring_ctl c;
	memset(&c, 0, sizeof(c));
	c.write_index = 0x100;
	c.read_index = 0x80;
	c.interrupt_mask = 1;
	c.pending_send_sz = 0x1008;
	c.feature_bits = VMBUS_RING_FEATURE_PENDING_SEND_SZ;
	const uint8_t want[68] = {
		0x00, 0x01, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00,
		0x01, 0x00, 0x00, 0x00, 0x08, 0x10, 0x00, 0x00,
		[64] = 0x01,
	};
	const uint8_t *raw = (const uint8_t *)&c;
	assert_memory_equal(raw, want, 68);
	for (size_t i = 68; i < sizeof(c); i++)
		assert_int_equal(raw[i], 0);
	assert_int_equal(sizeof(c), 4096);
	assert_int_equal(VMBUS_RING_FEATURE_PENDING_SEND_SZ, 1);
	assert_int_equal(0x100F & VMBUS_RING_PENDING_SEND_SZ_MASK, 0x1008);
}

static void test_vmbus_ring__packet_types__match_sheet(void **state)
{
	(void)state;
	const unsigned t[] = {
		VMBUS_PKT_INVALID, VMBUS_PKT_SYNCH, VMBUS_PKT_ADD_XFER_PAGESET,
		VMBUS_PKT_RM_XFER_PAGESET, VMBUS_PKT_ESTABLISH_GPADL, VMBUS_PKT_TEARDOWN_GPADL,
		VMBUS_PKT_DATA_INBAND, VMBUS_PKT_DATA_USING_XFER_PAGES, VMBUS_PKT_DATA_USING_GPADL,
		VMBUS_PKT_DATA_USING_GPA_DIRECT, VMBUS_PKT_CANCEL_REQUEST, VMBUS_PKT_COMP,
		VMBUS_PKT_DATA_USING_ADDITIONAL_PKT, VMBUS_PKT_ADDITIONAL_DATA,
	};
	for (unsigned i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		assert_int_equal(t[i], i);
	assert_int_equal(VMBUS_PKT_FLAG_COMPLETION_REQUESTED, 1);
	assert_int_equal(VMBUS_PKT_DESC_SIZE, 16);
	assert_int_equal(VMBUS_PKT_TRAILER_SIZE, 8);
	assert_int_equal(VMBUS_PKT_MIN_OFFSET8, 2);
	assert_int_equal(VMBUS_PKT_MAX_LEN, 0x7FFF8);
	assert_int_equal(VMBUS_PAGEBUF_MAX, 32);
	assert_int_equal(VMBUS_PKT_MPB_HDR_SIZE, 0x18);
	assert_int_equal(VMBUS_PKT_GPA_DIRECT_HDR_SIZE, 24);
}

static void test_vmbus_ring__inband_and_completion__golden(void **state)
{
	(void)state;
	/* 12-byte payload: len8 = ceil((16 + 12) / 8) = 4, padded with zeros. */
	uint8_t buf[32];
	memset(buf, 0, sizeof(buf));
	struct vmbus_pkt_desc d = { .type = VMBUS_PKT_DATA_INBAND, .offset8 = 2, .len8 = 4,
		.flags = VMBUS_PKT_FLAG_COMPLETION_REQUESTED, .trans_id = 0x1122334455667788ull };
	memcpy(buf, &d, sizeof(d));
	const uint8_t payload[12] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
	memcpy(buf + 16, payload, 12);
	const uint8_t want[32] = {
		0x06, 0x00, 0x02, 0x00, 0x04, 0x00, 0x01, 0x00,
		0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11,
		1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0, 0, 0, 0,
	};
	assert_memory_equal(buf, want, 32);

	struct vmbus_pkt_desc c = { .type = VMBUS_PKT_COMP, .offset8 = 2, .len8 = 3,
				    .flags = 0, .trans_id = d.trans_id };
	const uint8_t want_c[16] = {
		0x0b, 0x00, 0x02, 0x00, 0x03, 0x00, 0x00, 0x00,
		0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11,
	};
	assert_memory_equal(&c, want_c, 16);

	/* Trailer of a packet that started at ring offset 0x40: u64 0x40 << 32. */
	struct vmbus_pkt_trailer t = { .reserved = 0, .pkt_start = 0x40 };
	const uint8_t want_t[8] = { 0, 0, 0, 0, 0x40, 0, 0, 0 };
	assert_memory_equal(&t, want_t, 8);
	uint64_t as_u64 = (uint64_t)0x40 << VMBUS_PKT_TRAILER_START_SHIFT;
	assert_memory_equal(&t, &as_u64, 8); /* little-endian host */
}

static void test_vmbus_ring__gpa_direct_two_ranges__golden(void **state)
{
	(void)state;
	/* Range 1: 0x1800 bytes at offset 0x800 -> 2 PFNs; range 2: 0x100 at
	 * 0x10 -> 1 PFN.  Ranges = 24 + 16 = 40 bytes, offset8 = (24+40)/8 = 8,
	 * plus an 8-byte in-band payload: len8 = 9. */
	uint8_t buf[72];
	memset(buf, 0, sizeof(buf));
	struct vmbus_pkt_gpa_direct h = {
		.d = { .type = VMBUS_PKT_DATA_USING_GPA_DIRECT, .offset8 = 8, .len8 = 9,
		       .flags = VMBUS_PKT_FLAG_COMPLETION_REQUESTED, .trans_id = 0x1234 },
		.reserved = 0, .range_count = 2 };
	struct vmbus_pkt_range_hdr r1 = { .byte_count = 0x1800, .byte_offset = 0x800 };
	struct vmbus_pkt_range_hdr r2 = { .byte_count = 0x100, .byte_offset = 0x10 };
	const uint64_t p1[2] = { 0x2000, 0x2001 }, p2[1] = { 0x3000 };
	size_t off = 0;
	memcpy(buf + off, &h, sizeof(h)); off += sizeof(h);
	memcpy(buf + off, &r1, sizeof(r1)); off += sizeof(r1);
	memcpy(buf + off, p1, sizeof(p1)); off += sizeof(p1);
	memcpy(buf + off, &r2, sizeof(r2)); off += sizeof(r2);
	memcpy(buf + off, p2, sizeof(p2)); off += sizeof(p2);
	assert_int_equal(off, 8u * h.d.offset8);
	const uint8_t payload[8] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88 };
	memcpy(buf + off, payload, 8);

	const uint8_t want[72] = {
		/* @0  */ 0x09, 0x00, 0x08, 0x00, 0x09, 0x00, 0x01, 0x00,
		/* @8  */ 0x34, 0x12, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		/* @16 reserved, range_count 2 */ 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
		/* @24 r1 count, offset */ 0x00, 0x18, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00,
		/* @32 */ 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		/* @40 */ 0x01, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		/* @48 r2 */ 0x00, 0x01, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00,
		/* @56 */ 0x00, 0x30, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		/* @64 payload */ 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
	};
	assert_memory_equal(buf, want, 72);
}

static void test_vmbus_ring__pagebuf_and_mpb__golden(void **state)
{
	(void)state;
	/* Page-buffer packet with one entry. */
	uint8_t pb[40];
	memset(pb, 0, sizeof(pb));
	struct vmbus_pkt_pagebuf *p = (struct vmbus_pkt_pagebuf *)pb;
	p->h.d.type = VMBUS_PKT_DATA_USING_GPA_DIRECT;
	p->h.d.offset8 = 5;
	p->h.d.len8 = 5;
	p->h.d.flags = VMBUS_PKT_FLAG_COMPLETION_REQUESTED;
	p->h.d.trans_id = 1;
	p->h.range_count = 1;
	p->range[0].len = 0x200;
	p->range[0].offset = 0x100;
	p->range[0].pfn = 0x4242;
	const uint8_t want_pb[40] = {
		0x09, 0x00, 0x05, 0x00, 0x05, 0x00, 0x01, 0x00,
		0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
		0x00, 0x02, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
		0x42, 0x42, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	};
	assert_memory_equal(pb, want_pb, 40);

	/* Multi-page buffer: one range of 0x2800 bytes at 0x400 -> 3 PFNs. */
	uint8_t mb[56];
	memset(mb, 0, sizeof(mb));
	struct vmbus_pkt_mpb *m = (struct vmbus_pkt_mpb *)mb;
	m->h.d.type = VMBUS_PKT_DATA_USING_GPA_DIRECT;
	m->h.d.offset8 = 7;
	m->h.d.len8 = 7;
	m->h.range_count = 1;
	m->range.byte_count = 0x2800;
	m->range.byte_offset = 0x400;
	m->pfn[0] = 0x10;
	m->pfn[1] = 0x11;
	m->pfn[2] = 0x20;
	const uint8_t want_mb[56] = {
		0x09, 0x00, 0x07, 0x00, 0x07, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
		0x00, 0x28, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00,
		0x10, 0, 0, 0, 0, 0, 0, 0,
		0x11, 0, 0, 0, 0, 0, 0, 0,
		0x20, 0, 0, 0, 0, 0, 0, 0,
	};
	assert_memory_equal(mb, want_mb, 56);
}

static void test_vmbus_ring__transfer_page_packet__golden(void **state)
{
	(void)state;
	/* netvsc RX: pageset 0xCAFE, two frames; offset8 = (24 + 16) / 8 = 5;
	 * an 8-byte NVSP message (107, channel type 1) follows: len8 = 6. */
	uint8_t buf[48];
	memset(buf, 0, sizeof(buf));
	struct vmbus_pkt_xfer_pages *x = (struct vmbus_pkt_xfer_pages *)buf;
	x->d.type = VMBUS_PKT_DATA_USING_XFER_PAGES;
	x->d.offset8 = 5;
	x->d.len8 = 6;
	x->d.flags = VMBUS_PKT_FLAG_COMPLETION_REQUESTED;
	x->d.trans_id = 7;
	x->xfer_pageset_id = 0xCAFE;
	x->sender_owns_set = 0;
	x->range_count = 2;
	x->range[0].byte_count = 0x5EA;
	x->range[0].byte_offset = 0;
	x->range[1].byte_count = 0x3C;
	x->range[1].byte_offset = 0x1000;
	const uint8_t nvsp[8] = { 0x6b, 0, 0, 0, 0x01, 0, 0, 0 };
	memcpy(buf + 40, nvsp, 8);
	const uint8_t want[48] = {
		0x07, 0x00, 0x05, 0x00, 0x06, 0x00, 0x01, 0x00,
		0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0xfe, 0xca, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
		0xea, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x3c, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00,
		0x6b, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
	};
	assert_memory_equal(buf, want, 48);
}

static void test_vmbus_ring__legacy_gpadl_packets__golden(void **state)
{
	(void)state;
	struct vmbus_pkt_establish_gpadl e;
	memset(&e, 0, sizeof(e));
	e.d.type = VMBUS_PKT_ESTABLISH_GPADL;
	e.d.offset8 = 3;
	e.d.len8 = 3;
	e.gpadl = 0x42;
	e.range_count = 1;
	const uint8_t want_e[24] = {
		0x04, 0x00, 0x03, 0x00, 0x03, 0x00, 0x00, 0x00,
		0, 0, 0, 0, 0, 0, 0, 0,
		0x42, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
	};
	assert_memory_equal(&e, want_e, 24);

	struct vmbus_pkt_teardown_gpadl t;
	memset(&t, 0, sizeof(t));
	t.d.type = VMBUS_PKT_TEARDOWN_GPADL;
	t.d.offset8 = 3;
	t.d.len8 = 3;
	t.gpadl = 0x42;
	const uint8_t want_t[24] = {
		0x05, 0x00, 0x03, 0x00, 0x03, 0x00, 0x00, 0x00,
		0, 0, 0, 0, 0, 0, 0, 0,
		0x42, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	};
	assert_memory_equal(&t, want_t, 24);

	struct vmbus_pkt_additional_data a;
	memset(&a, 0, sizeof(a));
	a.d.type = VMBUS_PKT_ADDITIONAL_DATA;
	a.d.offset8 = 4;
	a.d.len8 = 4;
	a.total_bytes = 0x10000;
	a.offset = 0x200;
	a.byte_count = 0x100;
	const uint8_t want_a[32] = {
		0x0d, 0x00, 0x04, 0x00, 0x04, 0x00, 0x00, 0x00,
		0, 0, 0, 0, 0, 0, 0, 0,
		0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x02, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
	};
	assert_memory_equal(&a, want_a, 32);
}

static void test_vmbus_ring__pipe_and_ic_header__golden(void **state)
{
	(void)state;
	/* A heartbeat request: pipe header, IC header, 40 bytes of data. */
	struct {
		struct vmbus_pipe_hdr pipe;
		struct vmbus_icmsg_hdr ic;
	} __attribute__((packed)) m;
	memset(&m, 0, sizeof(m));
	m.pipe.type = VMBUS_PIPE_TYPE_DATA;
	m.pipe.len = 20 + 40;
	m.ic.framework_ver.major = 3;
	m.ic.framework_ver.minor = 0;
	m.ic.msgtype = VMBUS_ICMSG_HEARTBEAT;
	m.ic.msg_ver.major = 3;
	m.ic.msg_ver.minor = 0;
	m.ic.msgsize = 40;
	m.ic.status = 0;
	m.ic.trans_id = 5;
	m.ic.flags = VMBUS_ICMSG_FLAG_TRANSACTION | VMBUS_ICMSG_FLAG_REQUEST;
	const uint8_t want[28] = {
		/* pipe */ 0x01, 0x00, 0x00, 0x00, 0x3c, 0x00, 0x00, 0x00,
		/* @0 framework 3.0 */ 0x03, 0x00, 0x00, 0x00,
		/* @4 type 1 */ 0x01, 0x00,
		/* @6 msg version 3.0 */ 0x03, 0x00, 0x00, 0x00,
		/* @10 size 40 */ 0x28, 0x00,
		/* @12 status */ 0x00, 0x00, 0x00, 0x00,
		/* @16 txid, flags, reserved */ 0x05, 0x03, 0x00, 0x00,
	};
	assert_memory_equal(&m, want, 28);

	assert_int_equal(VMBUS_PIPE_TYPE_DATA, 1);
	assert_int_equal(VMBUS_PIPE_TYPE_PARTIAL, 2);
	assert_int_equal(VMBUS_PIPE_TYPE_SETUP_GPA_DIRECT, 3);
	assert_int_equal(VMBUS_PIPE_TYPE_TEARDOWN_GPA_DIRECT, 4);
	assert_int_equal(VMBUS_ICMSG_NEGOTIATE, 0);
	assert_int_equal(VMBUS_ICMSG_KVP, 2);
	assert_int_equal(VMBUS_ICMSG_SHUTDOWN, 3);
	assert_int_equal(VMBUS_ICMSG_TIMESYNC, 4);
	assert_int_equal(VMBUS_ICMSG_VSS, 5);
	assert_int_equal(VMBUS_ICMSG_FCOPY, 7);
	assert_int_equal(VMBUS_ICMSG_FLAG_RESPONSE, 4);
}

static void test_vmbus_msg__offer_in_synic_slot__fits_payload(void **state)
{
	(void)state;
	/* The host delivers an offer as one SynIC message: 16-byte header, 196
	 * bytes of payload, type 1. */
	struct hv_message slot;
	memset(&slot, 0, sizeof(slot));
	struct vmbus_msg_offer o;
	memset(&o, 0, sizeof(o));
	o.hdr.msgtype = VMBUS_MSG_OFFERCHANNEL;
	o.child_relid = 1;
	slot.header.message_type = HVMSG_VMBUS;
	slot.header.payload_size = (uint8_t)sizeof(o);
	memcpy(slot.payload, &o, sizeof(o));
	const uint8_t *raw = (const uint8_t *)&slot;
	assert_int_equal(raw[0], 0x01);
	assert_int_equal(raw[4], 196);
	assert_int_equal(raw[16], 0x01);        /* msgtype */
	assert_int_equal(raw[16 + 184], 0x01);  /* child_relid */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vmbus_guid__sheet_example__netvsc_bytes),
		cmocka_unit_test(test_vmbus_guid__every_macro__matches_its_text_form),
		cmocka_unit_test(test_vmbus_msg__type_numbers__match_sheet),
		cmocka_unit_test(test_vmbus_msg__versions_and_ids__match_sheet),
		cmocka_unit_test(test_vmbus_msg__flag_values__match_sheet),
		cmocka_unit_test(test_vmbus_msg__offer_netvsc_relid5__golden),
		cmocka_unit_test(test_vmbus_msg__offer_kvp_pipe_mode__golden),
		cmocka_unit_test(test_vmbus_msg__small_relid_messages__golden),
		cmocka_unit_test(test_vmbus_msg__header_only_messages__golden),
		cmocka_unit_test(test_vmbus_msg__openchannel__golden),
		cmocka_unit_test(test_vmbus_msg__open_result_and_gpadl_replies__golden),
		cmocka_unit_test(test_vmbus_msg__gpadl_header_one_range_three_pfns__golden),
		cmocka_unit_test(test_vmbus_msg__gpadl_body_two_pfns__golden),
		cmocka_unit_test(test_vmbus_msg__initiate_contact_v5_sint2__golden),
		cmocka_unit_test(test_vmbus_msg__initiate_contact_v3_interrupt_page__golden),
		cmocka_unit_test(test_vmbus_msg__initiate_contact_v6_client_id__golden),
		cmocka_unit_test(test_vmbus_msg__version_response_forms__golden),
		cmocka_unit_test(test_vmbus_msg__reserved_channel_messages__golden),
		cmocka_unit_test(test_vmbus_msg__tl_connect_messages__golden),
		cmocka_unit_test(test_vmbus_msg__modify_messages__golden),
		cmocka_unit_test(test_vmbus_msg__offer_in_synic_slot__fits_payload),
		cmocka_unit_test(test_vmbus_pages__interrupt_page_halves__golden),
		cmocka_unit_test(test_vmbus_pages__monitor_page_id37__golden),
		cmocka_unit_test(test_vmbus_ring__control_page_with_feature_bit__golden),
		cmocka_unit_test(test_vmbus_ring__packet_types__match_sheet),
		cmocka_unit_test(test_vmbus_ring__inband_and_completion__golden),
		cmocka_unit_test(test_vmbus_ring__gpa_direct_two_ranges__golden),
		cmocka_unit_test(test_vmbus_ring__pagebuf_and_mpb__golden),
		cmocka_unit_test(test_vmbus_ring__transfer_page_packet__golden),
		cmocka_unit_test(test_vmbus_ring__legacy_gpadl_packets__golden),
		cmocka_unit_test(test_vmbus_ring__pipe_and_ic_header__golden),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
