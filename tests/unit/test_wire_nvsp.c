/* test_wire_nvsp.c -- golden bytes for include/hyperv/nvsp.h: every message
 * struct is filled field by field and compared with bytes written by hand from
 * the offset tables in shared/protocol/devices.md A.1-A.10. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hyperv/nvsp.h"

#define GOLDEN(obj, bytes) do { \
	_Static_assert(sizeof(obj) == sizeof(bytes), "golden size"); \
	assert_memory_equal(&(obj), (bytes), sizeof(bytes)); \
} while (0)

static void test_wire_nvsp__versions_and_types__match_sheet(void **state)
{
	(void)state;
	assert_int_equal(NVSP_PROTOCOL_VERSION_1, 0x2);
	assert_int_equal(NVSP_PROTOCOL_VERSION_2, 0x30002);
	assert_int_equal(NVSP_PROTOCOL_VERSION_4, 0x40000);
	assert_int_equal(NVSP_PROTOCOL_VERSION_5, 0x50000);
	assert_int_equal(NVSP_PROTOCOL_VERSION_6, 0x60000);
	assert_int_equal(NVSP_PROTOCOL_VERSION_61, 0x60001);
	assert_int_equal(NDIS_VERSION_6_30, 0x6001E);
	assert_int_equal(NDIS_VERSION_6_20, 0x60014);
	assert_int_equal(NVSP_MSG_INIT, 1);
	assert_int_equal(NVSP_MSG_INIT_COMPLETE, 2);
	assert_int_equal(NVSP_MSG1_SEND_NDIS_VERSION, 100);
	assert_int_equal(NVSP_MSG1_SEND_RECV_BUF, 101);
	assert_int_equal(NVSP_MSG1_SEND_RECV_BUF_COMPLETE, 102);
	assert_int_equal(NVSP_MSG1_REVOKE_RECV_BUF, 103);
	assert_int_equal(NVSP_MSG1_SEND_SEND_BUF, 104);
	assert_int_equal(NVSP_MSG1_SEND_SEND_BUF_COMPLETE, 105);
	assert_int_equal(NVSP_MSG1_REVOKE_SEND_BUF, 106);
	assert_int_equal(NVSP_MSG1_SEND_RNDIS_PKT, 107);
	assert_int_equal(NVSP_MSG1_SEND_RNDIS_PKT_COMPLETE, 108);
	assert_int_equal(NVSP_MSG2_SEND_NDIS_CONFIG, 125);
	assert_int_equal(NVSP_MSG4_SEND_VF_ASSOCIATION, 128);
	assert_int_equal(NVSP_MSG4_SWITCH_DATA_PATH, 129);
	assert_int_equal(NVSP_MSG5_OID_QUERY_EX, 131);
	assert_int_equal(NVSP_MSG5_SUBCHANNEL, 133);
	assert_int_equal(NVSP_MSG5_SEND_INDIRECTION_TABLE, 134);
	assert_int_equal(NVSP_MSG6_PD_POST_BATCH, 136);
	assert_int_equal(NVSP_STAT_SUCCESS, 1);
	assert_int_equal(NVSP_STAT_FAIL, 2);
	assert_int_equal(NVSP_STAT_PROTOCOL_UNSUPPORTED, 7);
	assert_int_equal(NVSP_NDIS_CAP_SRIOV, 0x4);
	assert_int_equal(NVSP_NDIS_CAP_IEEE8021Q, 0x8);
	assert_int_equal(NVSP_NDIS_CAP_TEAMING, 0x20);
	assert_int_equal(NVSP_NDIS_CAP_RSC, 0x80);
}

static void test_wire_nvsp__init_v61__golden(void **state)
{
	static const uint8_t bytes[] = {
		0x01, 0, 0, 0, 0x01, 0x00, 0x06, 0x00, 0x01, 0x00, 0x06, 0x00,
	};
	struct nvsp_init m = { .type = NVSP_MSG_INIT,
		.protocol_version = NVSP_PROTOCOL_VERSION_61,
		.protocol_version2 = NVSP_PROTOCOL_VERSION_61 };
	(void)state;
	GOLDEN(m, bytes);
}

static void test_wire_nvsp__init_complete__golden(void **state)
{
	static const uint8_t bytes[] = {
		0x02, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 34, 0, 0, 0, 1, 0, 0, 0,
	};
	struct nvsp_init_complete m = { .type = NVSP_MSG_INIT_COMPLETE,
		.negotiated_version = 0xFFFFFFFFu,
		.max_mdl_chain_length = NVSP_MAX_MDL_CHAIN_LENGTH,
		.status = NVSP_STAT_SUCCESS };
	(void)state;
	GOLDEN(m, bytes);
}

static void test_wire_nvsp__ndis_version_630__golden(void **state)
{
	static const uint8_t bytes[] = {
		100, 0, 0, 0, 0x06, 0, 0, 0, 0x1e, 0, 0, 0,
	};
	struct nvsp_ndis_version m = { .type = NVSP_MSG1_SEND_NDIS_VERSION,
		.ndis_major = NDIS_VERSION_MAJOR_6, .ndis_minor = NDIS_VERSION_MINOR_30 };
	(void)state;
	GOLDEN(m, bytes);
}

static void test_wire_nvsp__send_recv_buf_cafe__golden(void **state)
{
	static const uint8_t bytes[] = {
		101, 0, 0, 0, 0x78, 0x56, 0x34, 0x12, 0xfe, 0xca, 0, 0,
	};
	struct nvsp_send_buf m = { .type = NVSP_MSG1_SEND_RECV_BUF,
		.gpadl_handle = 0x12345678, .id = NVSP_RECV_BUF_ID_LINUX };
	(void)state;
	GOLDEN(m, bytes);
}

static void test_wire_nvsp__recv_buf_complete_one_section__golden(void **state)
{
	/* 1806-byte sub-allocations (openvmm at MTU 1514), 100 of them. */
	static const uint8_t bytes[] = {
		102, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0,
		0, 0, 0, 0, 0x0e, 0x07, 0, 0, 100, 0, 0, 0, 0x78, 0xc1, 0x02, 0x00,
	};
	struct nvsp_recv_buf_complete m = { .type = NVSP_MSG1_SEND_RECV_BUF_COMPLETE,
		.status = NVSP_STAT_SUCCESS, .num_sections = 1,
		.sections = { { .offset = 0, .sub_alloc_size = 1806,
				.num_sub_allocs = 100, .end_offset = 180600 } } };
	(void)state;
	GOLDEN(m, bytes);
	assert_int_equal(sizeof(m), NVSP_MSG_SIZE_LEGACY);
}

static void test_wire_nvsp__revoke_and_send_buf_complete__golden(void **state)
{
	static const uint8_t rv[] = { 106, 0, 0, 0, 0xce, 0xfa };
	static const uint8_t sc[] = { 105, 0, 0, 0, 1, 0, 0, 0, 0x00, 0x18, 0, 0 };
	struct nvsp_revoke_buf r = { .type = NVSP_MSG1_REVOKE_SEND_BUF,
		.id = NVSP_SEND_BUF_ID_BSD };
	struct nvsp_send_buf_complete c = { .type = NVSP_MSG1_SEND_SEND_BUF_COMPLETE,
		.status = NVSP_STAT_SUCCESS, .section_size = NVSP_SEND_SECTION_SIZE_DEFAULT };
	(void)state;
	GOLDEN(r, rv);
	GOLDEN(c, sc);
}

static void test_wire_nvsp__rndis_pkt_forms__golden(void **state)
{
	static const uint8_t sect[] = {
		107, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0x2a, 0x01, 0, 0,
	};
	static const uint8_t gpa[] = {
		107, 0, 0, 0, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0,
	};
	static const uint8_t comp[] = { 108, 0, 0, 0, 1, 0, 0, 0 };
	struct nvsp_rndis_pkt a = { .type = NVSP_MSG1_SEND_RNDIS_PKT,
		.channel_type = NVSP_CHANNEL_TYPE_DATA, .section_index = 3,
		.section_size = 298 };
	struct nvsp_rndis_pkt b = { .type = NVSP_MSG1_SEND_RNDIS_PKT,
		.channel_type = NVSP_CHANNEL_TYPE_CONTROL,
		.section_index = NVSP_SEND_SECTION_INVALID, .section_size = 0 };
	struct nvsp_rndis_pkt_complete c = { .type = NVSP_MSG1_SEND_RNDIS_PKT_COMPLETE,
		.status = NVSP_STAT_SUCCESS };
	(void)state;
	GOLDEN(a, sect);
	GOLDEN(b, gpa);
	GOLDEN(c, comp);
}

static void test_wire_nvsp__ndis_config_unaligned_caps__golden(void **state)
{
	/* Linux at NVSP 6.1: 1514, caps ieee8021q|sriov|teaming|rsc = 0xAC. */
	static const uint8_t bytes[] = {
		125, 0, 0, 0, 0xea, 0x05, 0, 0, 0, 0, 0, 0,
		0xac, 0, 0, 0, 0, 0, 0, 0,
	};
	struct nvsp_ndis_config m = { .type = NVSP_MSG2_SEND_NDIS_CONFIG,
		.mtu = 1514, .capabilities = NVSP_NDIS_CAP_IEEE8021Q |
		NVSP_NDIS_CAP_SRIOV | NVSP_NDIS_CAP_TEAMING | NVSP_NDIS_CAP_RSC };
	(void)state;
	GOLDEN(m, bytes);
}

static void test_wire_nvsp__v4_v5_messages__golden(void **state)
{
	static const uint8_t vf[] = { 128, 0, 0, 0, 1, 0, 0, 0, 7, 0, 0, 0 };
	static const uint8_t sw[] = { 129, 0, 0, 0, 1, 0, 0, 0 };
	static const uint8_t oq[] = { 131, 0, 0, 0, 0x96, 1, 0x0c, 0, 0x0b, 0x02, 0x01, 0xfc };
	static const uint8_t oc[] = { 132, 0, 0, 0, 0xbb, 0, 0, 0xc0, 0, 0, 0, 0 };
	static const uint8_t sr[] = { 133, 0, 0, 0, 1, 0, 0, 0, 3, 0, 0, 0 };
	static const uint8_t sc[] = { 133, 0, 0, 0, 1, 0, 0, 0, 3, 0, 0, 0 };
	struct nvsp_vf_association v = { .type = NVSP_MSG4_SEND_VF_ASSOCIATION,
		.allocated = 1, .serial = 7 };
	struct nvsp_switch_data_path s = { .type = NVSP_MSG4_SWITCH_DATA_PATH,
		.active_datapath = NVSP_DATAPATH_VF };
	struct nvsp_oid_query_ex q = { .type = NVSP_MSG5_OID_QUERY_EX,
		.ndis_header = 0x000c0196u, .oid = 0xFC01020Bu };
	struct nvsp_oid_query_ex_complete qc = { .type = NVSP_MSG5_OID_QUERY_EX_COMPLETE,
		.status = 0xC00000BBu, .bytes = 0 };
	struct nvsp_subchannel_req r = { .type = NVSP_MSG5_SUBCHANNEL,
		.op = NVSP_SUBCHANNEL_OP_ALLOCATE, .num_subchannels = 3 };
	struct nvsp_subchannel_complete c = { .type = NVSP_MSG5_SUBCHANNEL,
		.status = NVSP_STAT_SUCCESS, .num_subchannels = 3 };
	(void)state;
	GOLDEN(v, vf);
	GOLDEN(s, sw);
	GOLDEN(q, oq);
	GOLDEN(qc, oc);
	GOLDEN(r, sr);
	GOLDEN(c, sc);
}

static void test_wire_nvsp__indirection_table_at_40__golden(void **state)
{
	/* The safe layout of A.10: header, offset field 40, table at byte 40. */
	uint8_t msg[NVSP_INDIRECTION_MSG_SIZE];
	struct nvsp_indirection_table h = { .type = NVSP_MSG5_SEND_INDIRECTION_TABLE,
		.count = NVSP_INDIRECTION_TABLE_COUNT,
		.offset = NVSP_INDIRECTION_TABLE_OFFSET };
	static const uint8_t head[] = { 134, 0, 0, 0, 16, 0, 0, 0, 40, 0, 0, 0 };
	(void)state;
	memset(msg, 0, sizeof(msg));
	memcpy(msg, &h, sizeof(h));
	for (uint32_t i = 0; i < NVSP_INDIRECTION_TABLE_COUNT; i++) {
		uint32_t v = i % 3;
		memcpy(msg + NVSP_INDIRECTION_TABLE_OFFSET + 4 * i, &v, 4);
	}
	assert_memory_equal(msg, head, sizeof(head));
	assert_int_equal(sizeof(msg), 104);
	assert_int_equal(msg[40], 0);
	assert_int_equal(msg[44], 1);
	assert_int_equal(msg[48], 2);
	assert_int_equal(msg[52], 0);
	assert_int_equal(msg[100], 0); /* entry 15 = 15 % 3 = 0 */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wire_nvsp__versions_and_types__match_sheet),
		cmocka_unit_test(test_wire_nvsp__init_v61__golden),
		cmocka_unit_test(test_wire_nvsp__init_complete__golden),
		cmocka_unit_test(test_wire_nvsp__ndis_version_630__golden),
		cmocka_unit_test(test_wire_nvsp__send_recv_buf_cafe__golden),
		cmocka_unit_test(test_wire_nvsp__recv_buf_complete_one_section__golden),
		cmocka_unit_test(test_wire_nvsp__revoke_and_send_buf_complete__golden),
		cmocka_unit_test(test_wire_nvsp__rndis_pkt_forms__golden),
		cmocka_unit_test(test_wire_nvsp__ndis_config_unaligned_caps__golden),
		cmocka_unit_test(test_wire_nvsp__v4_v5_messages__golden),
		cmocka_unit_test(test_wire_nvsp__indirection_table_at_40__golden),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
