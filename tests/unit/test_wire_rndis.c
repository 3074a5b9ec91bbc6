/* test_wire_rndis.c -- golden bytes for include/hyperv/rndis.h: RNDIS messages,
 * PPIs, NDIS offload / offload parameters / RSS / link-state / config-parameter
 * structures, written by hand from shared/protocol/devices.md B.1-B.8. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hyperv/rndis.h"

#define GOLDEN(obj, bytes) do { \
	_Static_assert(sizeof(obj) == sizeof(bytes), "golden size"); \
	assert_memory_equal(&(obj), (bytes), sizeof(bytes)); \
} while (0)

static void test_wire_rndis__constants__match_sheet(void **state)
{
	(void)state;
	assert_int_equal(RNDIS_MSG_INIT_C, 0x80000002u);
	assert_int_equal(RNDIS_MSG_KEEPALIVE_C, 0x80000008u);
	assert_int_equal(RNDIS_MSG_INDICATE, 7);
	assert_int_equal(RNDIS_STATUS_MEDIA_CONNECT, 0x4001000Bu);
	assert_int_equal(RNDIS_STATUS_MEDIA_DISCONNECT, 0x4001000Cu);
	assert_int_equal(RNDIS_STATUS_LINK_SPEED_CHANGE, 0x40010013u);
	assert_int_equal(RNDIS_STATUS_NETWORK_CHANGE, 0x40010018u);
	assert_int_equal(RNDIS_STATUS_NOT_SUPPORTED, 0xC00000BBu);
	assert_int_equal(RNDIS_STATUS_INVALID_DATA, 0xC0010015u);
	assert_int_equal(RNDIS_STATUS_INVALID_LENGTH, 0xC0010014u);
	assert_int_equal(RNDIS_OID_GEN_RNDIS_CONFIG_PARAMETER, 0x0001021Bu);
	assert_int_equal(RNDIS_OID_GEN_RECEIVE_SCALE_PARAMETERS, 0x00010204u);
	assert_int_equal(RNDIS_OID_TCP_OFFLOAD_HARDWARE_CAPABILITIES, 0xFC01020Du);
	assert_int_equal(RNDIS_OID_802_3_PERMANENT_ADDRESS, 0x01010101u);
	assert_int_equal(RNDIS_OID_SWITCH_NIC_REQUEST, 66160);
	assert_int_equal(NDIS_HASH_FUNCTION_TOEPLITZ | NDIS_HASH_IPV4 |
			 NDIS_HASH_TCP_IPV4 | NDIS_HASH_IPV6 | NDIS_HASH_TCP_IPV6, 0x1701);
	assert_int_equal(NDIS_TXCSUM_CAP_IP4_TCP | NDIS_TXCSUM_CAP_IP4_TCPOPTS, 0x14);
}

static void test_wire_rndis__init_and_cmplt__golden(void **state)
{
	static const uint8_t req[] = {
		2, 0, 0, 0, 24, 0, 0, 0, 5, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0,
		0x00, 0x40, 0, 0,
	};
	static const uint8_t cmp[] = {
		2, 0, 0, 0x80, 52, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0,
		1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0,
		8, 0, 0, 0, 0xff, 0xff, 0xff, 0xef, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	};
	struct rndis_init_req r = { .hdr = { RNDIS_MSG_INIT, 24 }, .request_id = 5,
		.major = 1, .minor = 0, .max_xfer_size = 0x4000 };
	struct rndis_init_comp c = { .hdr = { RNDIS_MSG_INIT_C, 52 }, .request_id = 5,
		.status = RNDIS_STATUS_SUCCESS, .major = 1, .minor = 0,
		.dev_flags = RNDIS_DF_CONNECTIONLESS, .medium = RNDIS_MEDIUM_802_3,
		.max_pkts_per_msg = RNDIS_HOST_MAX_PKTS_PER_MSG,
		.max_xfer_size = RNDIS_HOST_MAX_XFER_SIZE,
		.pkt_align_factor = RNDIS_HOST_PKT_ALIGN_FACTOR };
	(void)state;
	GOLDEN(r, req);
	GOLDEN(c, cmp);
}

static void test_wire_rndis__query_and_cmplt__golden(void **state)
{
	/* QUERY MAXIMUM_FRAME_SIZE with a 4-byte buffer at byte 28; reply 1500 at 24. */
	static const uint8_t req[] = {
		4, 0, 0, 0, 32, 0, 0, 0, 9, 0, 0, 0, 0x06, 0x01, 0x01, 0x00,
		4, 0, 0, 0, 20, 0, 0, 0, 0, 0, 0, 0,
	};
	static const uint8_t cmp[] = {
		4, 0, 0, 0x80, 28, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0,
		4, 0, 0, 0, 16, 0, 0, 0,
	};
	struct rndis_query_req q = { .hdr = { RNDIS_MSG_QUERY, 32 }, .request_id = 9,
		.oid = RNDIS_OID_GEN_MAXIMUM_FRAME_SIZE, .info_buf_len = 4,
		.info_buf_offset = 20 };
	struct rndis_query_comp c = { .hdr = { RNDIS_MSG_QUERY_C, 28 }, .request_id = 9,
		.status = RNDIS_STATUS_SUCCESS, .info_buf_len = 4, .info_buf_offset = 16 };
	(void)state;
	GOLDEN(q, req);
	GOLDEN(c, cmp);
	assert_int_equal(RNDIS_OFFSET_BASE + q.info_buf_offset, sizeof(q));
	assert_int_equal(RNDIS_OFFSET_BASE + c.info_buf_offset, sizeof(c));
}

static void test_wire_rndis__set_reset_keepalive_halt__golden(void **state)
{
	static const uint8_t sc[] = { 5, 0, 0, 0x80, 16, 0, 0, 0, 7, 0, 0, 0, 0xbb, 0, 0, 0xc0 };
	static const uint8_t rs[] = { 6, 0, 0, 0, 12, 0, 0, 0, 0, 0, 0, 0 };
	static const uint8_t rc[] = { 6, 0, 0, 0x80, 16, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0 };
	static const uint8_t ka[] = { 8, 0, 0, 0, 12, 0, 0, 0, 0x44, 0x33, 0x22, 0x11 };
	static const uint8_t ht[] = { 3, 0, 0, 0, 12, 0, 0, 0, 1, 0, 0, 0 };
	struct rndis_set_comp s = { .hdr = { RNDIS_MSG_SET_C, 16 }, .request_id = 7,
		.status = RNDIS_STATUS_NOT_SUPPORTED };
	struct rndis_reset_req r = { .hdr = { RNDIS_MSG_RESET, 12 } };
	struct rndis_reset_comp c = { .hdr = { RNDIS_MSG_RESET_C, 16 },
		.status = RNDIS_STATUS_SUCCESS, .addressing_reset = 1 };
	struct rndis_keepalive_req k = { .hdr = { RNDIS_MSG_KEEPALIVE, 12 },
		.request_id = 0x11223344 };
	struct rndis_halt_req h = { .hdr = { RNDIS_MSG_HALT, 12 }, .request_id = 1 };
	(void)state;
	GOLDEN(s, sc);
	GOLDEN(r, rs);
	GOLDEN(c, rc);
	GOLDEN(k, ka);
	GOLDEN(h, ht);
}

static void test_wire_rndis__indicate_link_speed__golden(void **state)
{
	/* LINK_SPEED_CHANGE with a u32 speed (10 Gbit/s = 100000000 x 100 bit/s). */
	static const uint8_t bytes[] = {
		7, 0, 0, 0, 24, 0, 0, 0, 0x13, 0, 0x01, 0x40, 4, 0, 0, 0, 12, 0, 0, 0,
		0x00, 0xe1, 0xf5, 0x05,
	};
	uint8_t msg[24];
	struct rndis_indicate_status m = { .hdr = { RNDIS_MSG_INDICATE, 24 },
		.status = RNDIS_STATUS_LINK_SPEED_CHANGE, .status_buf_len = 4,
		.status_buf_offset = 12 };
	uint32_t speed = 100000000u;
	(void)state;
	memcpy(msg, &m, sizeof(m));
	memcpy(msg + RNDIS_OFFSET_BASE + m.status_buf_offset, &speed, 4);
	assert_memory_equal(msg, bytes, sizeof(bytes));
}

static void test_wire_rndis__packet_with_csum_ppi__golden(void **state)
{
	/* Linux TX: ppi at 36 (byte 44), one 16-byte csum PPI (IPv4|TCP, thoff 34),
	 * frame at data_offset 52 (byte 60), 60-byte frame. */
	static const uint8_t bytes[] = {
		1, 0, 0, 0, 120, 0, 0, 0, 52, 0, 0, 0, 60, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 36, 0, 0, 0,
		16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		16, 0, 0, 0, 0, 0, 0, 0, 12, 0, 0, 0, 0x05, 0x00, 0x22, 0x00,
	};
	uint8_t msg[60];
	struct rndis_packet p = { .hdr = { RNDIS_MSG_PACKET, 120 }, .data_offset = 52,
		.data_len = 60, .ppi_offset = 36, .ppi_len = 16 };
	struct rndis_ppi pi = { .size = RNDIS_PPI_U32_SIZE, .type = RNDIS_PPI_CHECKSUM,
		.ppi_offset = 12 };
	uint32_t cs = NDIS_TXCSUM_IPV4 | NDIS_TXCSUM_TCP | (34u << NDIS_TXCSUM_THOFF_SHIFT);
	(void)state;
	memcpy(msg, &p, sizeof(p));
	memcpy(msg + 44, &pi, sizeof(pi));
	memcpy(msg + 56, &cs, 4);
	assert_memory_equal(msg, bytes, sizeof(bytes));
	assert_int_equal((cs & NDIS_TXCSUM_THOFF_MASK) >> NDIS_TXCSUM_THOFF_SHIFT, 34);
}

static void test_wire_rndis__lso_vlan_hash_values__golden(void **state)
{
	/* LSOv2 IPv6, TCP header at 54, MSS 1440: 0x80000000|54<<20|1440. */
	uint32_t lso = NDIS_LSO2_IPV6 | (54u << NDIS_LSO2_THOFF_SHIFT) | 1440u;
	/* VLAN 100, priority 5: 100<<4 | 5. */
	uint32_t vlan = (100u << NDIS_VLAN_ID_SHIFT) | 5u;
	(void)state;
	assert_int_equal(lso, 0x836005A0u);
	assert_int_equal((lso & NDIS_LSO2_THOFF_MASK) >> NDIS_LSO2_THOFF_SHIFT, 54);
	assert_int_equal(lso & NDIS_LSO2_MSS_MASK, 1440);
	assert_int_equal(vlan, 0x645);
	assert_int_equal((vlan & NDIS_VLAN_ID_MASK) >> NDIS_VLAN_ID_SHIFT, 100);
	assert_int_equal(RNDIS_PPI_HASH_VALUE, 8);
	assert_int_equal(RNDIS_PPI_HASH_INFO, 9);
	assert_int_equal(RNDIS_PPI_IEEE_8021Q, 6);
	assert_int_equal(RNDIS_PPI_LSO, 2);
	assert_int_equal(RNDIS_PPI_RSC_ID, 0x80000001u);
	assert_int_equal(NDIS_RXCSUM_TCP_OK | NDIS_RXCSUM_IP_OK, 0x28);
}

static void test_wire_rndis__ndis_offload_rev3__golden(void **state)
{
	struct ndis_offload o;
	uint8_t b[156];
	(void)state;
	memset(&o, 0, sizeof(o));
	o.hdr = (struct ndis_obj_header){ NDIS_OBJTYPE_OFFLOAD, NDIS_OFFLOAD_REV_3,
		NDIS_OFFLOAD_SIZE_6_30 };
	o.csum.ip4_txenc = NDIS_OFFLOAD_ENCAP_8023;
	o.csum.ip4_txcsum = 0x15;
	o.lsov2.ip4_encap = NDIS_OFFLOAD_ENCAP_8023;
	o.lsov2.ip4_maxsz = NDIS_LSOV2_MAX_SIZE;
	o.lsov2.ip4_minsg = NDIS_LSOV2_MIN_SEGS;
	o.lsov2.ip6_opts = NDIS_LSOV2_CAP_IP6_EXT | NDIS_LSOV2_CAP_IP6_TCPOPTS;
	o.rsc.ip4 = 1;
	memset(b, 0, sizeof(b));
	b[0] = 0xa7; b[1] = 3; b[2] = 156; b[3] = 0;
	b[4] = 2; b[8] = 0x15;
	b[80] = 2; b[84] = 0x3c; b[85] = 0xf5; b[88] = 2; b[104] = 5;
	b[144] = 1;
	assert_memory_equal(&o, b, sizeof(b));
}

static void test_wire_rndis__offload_params_rev3__golden(void **state)
{
	/* Linux at NVSP 5: ip4 off, tcp4/tcp6/udp4/udp6 TX+RX, LSOv2 on both. */
	static const uint8_t bytes[] = {
		0x80, 3, 28, 0, 1, 4, 4, 4, 4, 0, 0, 2, 2, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	};
	struct ndis_offload_params p = {
		.hdr = { NDIS_OBJTYPE_DEFAULT, 3, NDIS_OFFLOAD_PARAMS_SIZE_REV3 },
		.ip4_csum = NDIS_OFFLOAD_PARAM_OFF, .tcp4_csum = NDIS_OFFLOAD_PARAM_TXRX,
		.udp4_csum = NDIS_OFFLOAD_PARAM_TXRX, .tcp6_csum = NDIS_OFFLOAD_PARAM_TXRX,
		.udp6_csum = NDIS_OFFLOAD_PARAM_TXRX, .lsov2_ip4 = NDIS_OFFLOAD_LSOV2_ON,
		.lsov2_ip6 = NDIS_OFFLOAD_LSOV2_ON };
	(void)state;
	GOLDEN(p, bytes);
	assert_int_equal(offsetof(struct ndis_offload_params, flags), 16);
	assert_int_equal(offsetof(struct ndis_offload_params, rsc_ip4), 22);
}

static void test_wire_rndis__rss_caps_and_params__golden(void **state)
{
	static const uint8_t caps[] = {
		0x88, 2, 18, 0, 0x01, 0x03, 0, 0, 1, 0, 0, 0, 8, 0, 0, 0, 128, 0,
	};
	static const uint8_t params[] = {
		0x89, 2, 40, 0, 0, 0, 0, 0, 0x01, 0x17, 0, 0, 0x00, 0x02, 0, 0,
		40, 0, 0, 0, 40, 0, 0, 0, 0x28, 0x02, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0,
	};
	struct ndis_rss_caps c = { .hdr = { NDIS_OBJTYPE_RSS_CAPS, NDIS_RSS_CAPS_REV_2,
		NDIS_RSS_CAPS_SIZE_2 }, .caps = NDIS_RSS_CAP_HASH_TOEPLITZ |
		NDIS_RSS_CAP_TCP_IPV4 | NDIS_RSS_CAP_TCP_IPV6, .num_int_msgs = 1,
		.num_recv_que = 8, .num_ind_tbl_ent = 128 };
	struct ndis_rss_params p = { .hdr = { NDIS_OBJTYPE_RSS_PARAMS,
		NDIS_RSS_PARAMS_REV_2, NDIS_RSS_PARAMS_SIZE_2 },
		.hash_info = 0x1701, .itab_size = 512, .itab_offset = 40,
		.hash_key_size = NDIS_RSS_KEY_SIZE, .hash_key_offset = 552 };
	(void)state;
	GOLDEN(c, caps);
	GOLDEN(p, params);
}

static void test_wire_rndis__link_state_and_config_param__golden(void **state)
{
	static const uint8_t ls[] = {
		0x80, 1, 40, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0,
		0x00, 0xe4, 0x0b, 0x54, 0x02, 0, 0, 0, 0x00, 0xe4, 0x0b, 0x54, 0x02, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0,
	};
	static const uint8_t cp[] = {
		20, 0, 0, 0, 28, 0, 0, 0, 2, 0, 0, 0, 48, 0, 0, 0, 24, 0, 0, 0,
	};
	struct ndis_link_state l = { .hdr = { NDIS_OBJTYPE_DEFAULT, 1, 40 },
		.media_connect_state = NDIS_MEDIA_CONNECT_STATE_CONNECTED,
		.duplex = NDIS_MEDIA_DUPLEX_FULL, .xmit_speed = 10000000000ull,
		.rcv_speed = 10000000000ull };
	/* Linux "NetworkAddress" (28 B) then 12 UTF-16 hex digits (24 B). */
	struct rndis_config_param c = { .name_offset = 20, .name_len = 28,
		.type = RNDIS_CONFIG_PARAM_TYPE_STRING, .value_offset = 48, .value_len = 24 };
	(void)state;
	GOLDEN(l, ls);
	GOLDEN(c, cp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wire_rndis__constants__match_sheet),
		cmocka_unit_test(test_wire_rndis__init_and_cmplt__golden),
		cmocka_unit_test(test_wire_rndis__query_and_cmplt__golden),
		cmocka_unit_test(test_wire_rndis__set_reset_keepalive_halt__golden),
		cmocka_unit_test(test_wire_rndis__indicate_link_speed__golden),
		cmocka_unit_test(test_wire_rndis__packet_with_csum_ppi__golden),
		cmocka_unit_test(test_wire_rndis__lso_vlan_hash_values__golden),
		cmocka_unit_test(test_wire_rndis__ndis_offload_rev3__golden),
		cmocka_unit_test(test_wire_rndis__offload_params_rev3__golden),
		cmocka_unit_test(test_wire_rndis__rss_caps_and_params__golden),
		cmocka_unit_test(test_wire_rndis__link_state_and_config_param__golden),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
