/* test_netvsp_rndis.c -- netvsp's RNDIS side through a fake guest: control
 * replies with golden bytes, the OID allow-list (CVE-2021-28476), status
 * indications (link up/down/speed, legacy length quirk), every bad input of
 * RELIABILITY.md 5.7, and the 100 KiB control-queue cap. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/netvsp_fixture.h"

static struct nfx *up(const char *profile)
{
	struct nfx *n = nfx_new(profile);
	nfx_nvsp_up(n, hv_profile_find(profile)->nvsp_max_version);
	nfx_rndis_up(n);
	return n;
}

static uint32_t query(struct nfx *n, uint32_t oid, uint8_t *data, uint32_t *dlen)
{
	uint8_t out[1024];
	uint32_t len = nfx_oid(n, RNDIS_MSG_QUERY, oid, NULL, 0, out, sizeof out);
	assert_true(len >= 24);
	assert_int_equal(nfx_u32(out, 0), RNDIS_MSG_QUERY_C);
	uint32_t st = nfx_u32(out, 12), il = nfx_u32(out, 16), io = nfx_u32(out, 20);
	if (dlen) {
		*dlen = il;
		if (il) {
			assert_true(8 + io + il <= len);
			memcpy(data, out + 8 + io, il);
		}
	}
	return st;
}

static uint32_t set(struct nfx *n, uint32_t oid, const void *data, uint32_t dlen)
{
	uint8_t out[64];
	assert_int_equal(nfx_oid(n, RNDIS_MSG_SET, oid, data, dlen, out, sizeof out), 16);
	assert_int_equal(nfx_u32(out, 0), RNDIS_MSG_SET_C);
	return nfx_u32(out, 12);
}

static void test_netvsp_rndis__initialize__golden_cmplt(void **state)
{
	(void)state;
	struct nfx *n = nfx_new("ws2022");
	nfx_nvsp_up(n, NVSP_PROTOCOL_VERSION_61);
	struct rndis_init_req r = { { RNDIS_MSG_INIT, 24 }, 0x77, 1, 0, 0 }; /* max_xfer 0 */
	uint8_t out[256];
	static const uint8_t g[52] = {
		2, 0, 0, 0x80, 52, 0, 0, 0, 0x77, 0, 0, 0, 0, 0, 0, 0,
		1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0,
		8, 0, 0, 0, 0xff, 0xff, 0xff, 0xef, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	assert_int_equal(nfx_ctrl(n, &r, sizeof r, out, sizeof out), 52);
	assert_memory_equal(out, g, 52);
	nfx_free(n);
}

static void test_netvsp_rndis__query_frame_size__golden_cmplt(void **state)
{
	(void)state;
	struct nfx *n = up("ws2022");
	uint8_t out[256];
	n->tid = 8;   /* request id 9 */
	assert_int_equal(nfx_oid(n, RNDIS_MSG_QUERY, RNDIS_OID_GEN_MAXIMUM_FRAME_SIZE, NULL, 0,
				 out, sizeof out), 28);
	static const uint8_t g[28] = { 4, 0, 0, 0x80, 28, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0,
				       4, 0, 0, 0, 16, 0, 0, 0, 0xdc, 0x05, 0, 0 };
	assert_memory_equal(out, g, 28);
	nfx_free(n);
}

static void test_netvsp_rndis__linux_bringup_queries__answered(void **state)
{
	(void)state;
	struct nfx *n = up("ws2022");
	uint8_t d[512];
	uint32_t l;
	assert_int_equal(query(n, RNDIS_OID_802_3_PERMANENT_ADDRESS, d, &l), 0);
	assert_int_equal(l, 6);
	assert_memory_equal(d, nfx_mac, 6);
	assert_int_equal(query(n, RNDIS_OID_GEN_MEDIA_CONNECT_STATUS, d, &l), 0);
	assert_int_equal(nfx_u32(d, 0), RNDIS_MEDIA_STATE_CONNECTED);
	assert_int_equal(query(n, RNDIS_OID_GEN_LINK_SPEED, d, &l), 0);
	assert_int_equal(nfx_u32(d, 0), 100000000u);  /* 10 Gbit/s in 100 bit/s */
	assert_int_equal(query(n, RNDIS_OID_GEN_MAXIMUM_TOTAL_SIZE, d, &l), 0);
	assert_int_equal(nfx_u32(d, 0), 1514);
	assert_int_equal(query(n, RNDIS_OID_GEN_FRIENDLY_NAME, d, &l), RNDIS_STATUS_NOT_SUPPORTED);
	assert_int_equal(query(n, RNDIS_OID_GEN_RECEIVE_SCALE_CAPABILITIES, d, &l), 0);
	assert_int_equal(l, 18);
	assert_int_equal(d[0], NDIS_OBJTYPE_RSS_CAPS);
	assert_int_equal(nfx_u32(d, 12), 4);   /* queues */
	assert_int_equal(query(n, RNDIS_OID_GEN_SUPPORTED_LIST, d, &l), 0);
	assert_true(l >= 4 * 20);
	assert_int_equal(nfx_u32(d, 0), RNDIS_OID_GEN_SUPPORTED_LIST);
	assert_int_equal(query(n, RNDIS_OID_GEN_LINK_STATE, d, &l), 0);
	assert_int_equal(l, 40);
	assert_int_equal(nfx_u32(d, 4), NDIS_MEDIA_CONNECT_STATE_CONNECTED);
	nfx_free(n);
}

static void test_netvsp_rndis__hw_offload_caps__udp_only_on_newer_profiles(void **state)
{
	(void)state;
	static const struct { const char *p; bool udp; } c[] = {
		{ "ws2012r2", false }, { "ws2016", true }, { "ws2022", true } };
	for (size_t i = 0; i < 3; i++) {
		struct nfx *n = up(c[i].p);
		uint8_t d[512];
		uint32_t l;
		assert_int_equal(query(n, RNDIS_OID_TCP_OFFLOAD_HARDWARE_CAPABILITIES, d, &l), 0);
		assert_int_equal(l, 156);
		struct ndis_offload o;
		memcpy(&o, d, sizeof o);
		assert_int_equal(o.hdr.type, NDIS_OBJTYPE_OFFLOAD);
		assert_int_equal(o.hdr.revision, 3);
		assert_int_equal(o.csum.ip4_txcsum & 0x14, 0x14);   /* Linux's TCP test */
		assert_int_equal(!!(o.csum.ip4_txcsum & NDIS_TXCSUM_CAP_IP4_UDP), c[i].udp);
		assert_int_equal(!!(o.csum.ip6_txcsum & NDIS_TXCSUM_CAP_IP6_UDP), c[i].udp);
		assert_int_equal(o.lsov2.ip4_encap, NDIS_OFFLOAD_ENCAP_8023);
		assert_int_equal(o.lsov2.ip4_maxsz, 62780);
		assert_int_equal(o.lsov2.ip6_opts & 5, 5);
		nfx_free(n);
	}
}

static void test_netvsp_rndis__offload_params__applied(void **state)
{
	(void)state;
	struct nfx *n = up("ws2022");
	struct ndis_offload_params p = { .hdr = { NDIS_OBJTYPE_DEFAULT, 3, 28 },
		.ip4_csum = 1, .tcp4_csum = 4, .udp4_csum = 4, .tcp6_csum = 4, .udp6_csum = 2,
		.lsov2_ip4 = 2, .lsov2_ip6 = 2 };
	assert_int_equal(set(n, RNDIS_OID_TCP_OFFLOAD_PARAMETERS, &p, sizeof p), 0);
	struct netvsp_info info;
	netvsp_get_info(n->nic, &info);
	assert_int_equal(info.tx_csum_v4, NDIS_TXCSUM_TCP | NDIS_TXCSUM_UDP);
	assert_int_equal(info.tx_csum_v6, NDIS_TXCSUM_TCP | NDIS_TXCSUM_UDP);
	assert_true(info.lso_v4 && info.lso_v6);
	p.lsov1 = NDIS_OFFLOAD_LSOV1_ON;
	assert_int_equal(set(n, RNDIS_OID_TCP_OFFLOAD_PARAMETERS, &p, sizeof p),
			 RNDIS_STATUS_NOT_SUPPORTED);
	assert_int_equal(set(n, RNDIS_OID_TCP_OFFLOAD_PARAMETERS, &p, 12),
			 RNDIS_STATUS_INVALID_LENGTH);
	nfx_free(n);
}

static void test_netvsp_rndis__cve_2021_28476_switch_nic_request__not_supported(void **state)
{
	(void)state;
	struct nfx *n = up("ws2022");
	/* An NDIS_SWITCH_NIC_OID_REQUEST-shaped body with a wild "pointer". */
	uint8_t body[64];
	memset(body, 0, sizeof body);
	body[0] = NDIS_OBJTYPE_DEFAULT;
	body[1] = 1;
	body[2] = sizeof body;
	uint64_t ptr = 0xdeadbeefbaadc0deull;
	memcpy(body + 32, &ptr, 8);
	assert_int_equal(set(n, RNDIS_OID_SWITCH_NIC_REQUEST, body, sizeof body),
			 RNDIS_STATUS_NOT_SUPPORTED);
	assert_int_equal(query(n, RNDIS_OID_SWITCH_NIC_REQUEST, NULL, NULL),
			 RNDIS_STATUS_NOT_SUPPORTED);
	assert_int_equal(nfx_stats(n).oid_unsupported, 2);
	assert_true(nfx_open(n));
	nfx_free(n);
}

static void test_netvsp_rndis__unknown_oid__not_supported(void **state)
{
	(void)state;
	struct nfx *n = up("ws2022");
	uint32_t v = 1;
	assert_int_equal(set(n, 0xDEADBEEF, &v, 4), RNDIS_STATUS_NOT_SUPPORTED);
	assert_int_equal(query(n, 0xDEADBEEF, NULL, NULL), RNDIS_STATUS_NOT_SUPPORTED);
	/* A query-only OID cannot be set. */
	assert_int_equal(set(n, RNDIS_OID_802_3_PERMANENT_ADDRESS, nfx_mac, 6),
			 RNDIS_STATUS_NOT_SUPPORTED);
	nfx_free(n);
}

static void test_netvsp_rndis__info_buffer_past_end__invalid_data(void **state)
{
	(void)state;
	struct nfx *n = up("ws2022");
	static const uint32_t off[] = { 0xFFFFFFF0u, 21, 100 };
	static const uint32_t len[] = { 0x20, 8, 4 };
	for (size_t i = 0; i < 3; i++) {
		uint8_t req[32];
		struct rndis_query_req q = { { RNDIS_MSG_SET, 32 }, 5,
			RNDIS_OID_GEN_CURRENT_PACKET_FILTER, len[i], off[i], 0 };
		memcpy(req, &q, sizeof q);
		memset(req + 28, 0, 4);
		uint8_t out[64];
		assert_int_equal(nfx_ctrl(n, req, sizeof req, out, sizeof out), 16);
		assert_int_equal(nfx_u32(out, 12), RNDIS_STATUS_INVALID_DATA);
		q.hdr.type = RNDIS_MSG_QUERY;
		memcpy(req, &q, sizeof q);
		assert_int_equal(nfx_ctrl(n, req, sizeof req, out, sizeof out), 24);
		assert_int_equal(nfx_u32(out, 12), RNDIS_STATUS_INVALID_DATA);
	}
	nfx_free(n);
}

static void put_u16s(uint8_t *p, const char *s)
{
	for (size_t i = 0; s[i]; i++) {
		p[2 * i] = (uint8_t)s[i];
		p[2 * i + 1] = 0;
	}
}

static void test_netvsp_rndis__config_param_network_address__mac_changed(void **state)
{
	(void)state;
	struct nfx *n = up("ws2022");
	uint8_t b[20 + 28 + 24];
	struct rndis_config_param p = { 20, 28, RNDIS_CONFIG_PARAM_TYPE_STRING, 48, 24 };
	memcpy(b, &p, sizeof p);
	put_u16s(b + 20, "NetworkAddress");
	put_u16s(b + 48, "02AABBCCDDEE");
	assert_int_equal(set(n, RNDIS_OID_GEN_RNDIS_CONFIG_PARAMETER, b, sizeof b), 0);
	uint8_t d[16];
	uint32_t l;
	assert_int_equal(query(n, RNDIS_OID_802_3_CURRENT_ADDRESS, d, &l), 0);
	static const uint8_t want[6] = { 0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee };
	assert_memory_equal(d, want, 6);
	assert_int_equal(query(n, RNDIS_OID_802_3_PERMANENT_ADDRESS, d, &l), 0);
	assert_memory_equal(d, nfx_mac, 6);
	nfx_free(n);
}

static void test_netvsp_rndis__config_param_bad_offsets_or_odd_length__invalid_data(void **state)
{
	(void)state;
	struct nfx *n = up("ws2022");
	static const struct rndis_config_param bad[] = {
		{ 20, 27, 2, 48, 24 },          /* odd name length */
		{ 20, 28, 2, 48, 23 },          /* odd string value */
		{ 0xFFFFFFF0u, 28, 2, 48, 24 }, /* name offset wraps */
		{ 20, 28, 2, 60, 24 },          /* value past the end */
		{ 20, 0, 2, 48, 24 },           /* empty name */
		{ 20, 28, 9, 48, 24 },          /* unknown type */
		{ 20, 28, 2, 48, 22 },          /* NetworkAddress not 12 digits */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		uint8_t b[20 + 28 + 24];
		memcpy(b, &bad[i], sizeof bad[i]);
		put_u16s(b + 20, "NetworkAddress");
		put_u16s(b + 48, "02AABBCCDDEE");
		assert_int_equal(set(n, RNDIS_OID_GEN_RNDIS_CONFIG_PARAMETER, b, sizeof b),
				 RNDIS_STATUS_INVALID_DATA);
	}
	nfx_free(n);
}

static uint32_t set_rss(struct nfx *n, uint16_t flags, uint32_t hash_info, uint32_t nent,
			const uint32_t *ent, uint16_t keylen)
{
	static uint8_t b[40 + 4 * 256 + 64];
	static const uint8_t key[40] = NDIS_RSS_STANDARD_KEY_INIT;
	struct ndis_rss_params p = { .hdr = { NDIS_OBJTYPE_RSS_PARAMS, 2, 40 }, .flags = flags,
		.hash_info = hash_info, .itab_size = (uint16_t)(4 * nent), .itab_offset = 40,
		.hash_key_size = keylen, .hash_key_offset = 40 + 4 * nent };
	memcpy(b, &p, sizeof p);
	memcpy(b + 40, ent, 4 * nent);
	memcpy(b + 40 + 4 * nent, key, 40);
	return set(n, RNDIS_OID_GEN_RECEIVE_SCALE_PARAMETERS, b, 40 + 4 * nent + 40);
}

static void test_netvsp_rndis__rss_params_bad__invalid_data(void **state)
{
	(void)state;
	struct nfx *n = nfx_new("ws2022");
	nfx_nvsp_up(n, NVSP_PROTOCOL_VERSION_61);
	nfx_rndis_up(n);
	struct nvsp_subchannel_req r = { NVSP_MSG5_SUBCHANNEL, NVSP_SUBCHANNEL_OP_ALLOCATE, 3 };
	uint8_t out[64];
	nfx_request(n, 0, &r, sizeof r, out);
	uint32_t e[256];
	for (int i = 0; i < 256; i++)
		e[i] = (uint32_t)i % 4;
	assert_int_equal(set_rss(n, 0, 0x1701, 0, e, 40), RNDIS_STATUS_INVALID_DATA);   /* size 0 */
	assert_int_equal(set_rss(n, 0, 0x1701, 12, e, 40), RNDIS_STATUS_INVALID_DATA);  /* not 2^n */
	assert_int_equal(set_rss(n, 0, 0x1701, 256, e, 40), RNDIS_STATUS_INVALID_DATA); /* > 128 */
	assert_int_equal(set_rss(n, 0, 0x1701, 128, e, 16), RNDIS_STATUS_INVALID_DATA); /* key 16 */
	assert_int_equal(set_rss(n, 0, 0x1702, 128, e, 40), RNDIS_STATUS_INVALID_DATA); /* not Toeplitz */
	e[5] = 4;                                                                        /* >= queues */
	assert_int_equal(set_rss(n, 0, 0x1701, 128, e, 40), RNDIS_STATUS_INVALID_DATA);
	e[5] = 1;
	assert_int_equal(set_rss(n, NDIS_RSS_FLAG_DISABLE_RSS, 0x1701, 128, e, 40), 0);
	assert_int_equal(set_rss(n, 0, 0x1701, 128, e, 40), 0);
	struct netvsp_info info;
	netvsp_get_info(n->nic, &info);
	assert_true(info.rss_enabled);
	assert_int_equal(info.rss_itab_entries, 128);
	nfx_free(n);
}

static void test_netvsp_rndis__reset_keepalive_halt__answered_then_dropped(void **state)
{
	(void)state;
	struct nfx *n = up("ws2022");
	uint8_t out[64];
	struct rndis_keepalive_req k = { { RNDIS_MSG_KEEPALIVE, 12 }, 0x4242 };
	assert_int_equal(nfx_ctrl(n, &k, sizeof k, out, sizeof out), 16);
	static const uint8_t gk[16] = { 8, 0, 0, 0x80, 16, 0, 0, 0, 0x42, 0x42, 0, 0, 0, 0, 0, 0 };
	assert_memory_equal(out, gk, 16);
	struct rndis_reset_req rs = { { RNDIS_MSG_RESET, 12 }, 0 };
	assert_int_equal(nfx_ctrl(n, &rs, sizeof rs, out, sizeof out), 16);
	assert_int_equal(nfx_u32(out, 0), RNDIS_MSG_RESET_C);
	assert_int_equal(nfx_u32(out, 8), RNDIS_STATUS_SUCCESS);
	struct rndis_halt_req h = { { RNDIS_MSG_HALT, 12 }, 1 };
	assert_int_equal(nfx_ctrl(n, &h, sizeof h, out, sizeof out), 0);  /* no reply */
	/* After HALT: queries are dropped, no reply. */
	assert_int_equal(nfx_oid(n, RNDIS_MSG_QUERY, RNDIS_OID_GEN_LINK_SPEED, NULL, 0, out,
				 sizeof out), 0);
	assert_true(nfx_stats(n).rndis_dropped >= 1);
	nfx_free(n);
}

static void test_netvsp_rndis__msg_len_short_or_past_buffer__channel_closed(void **state)
{
	(void)state;
	static const uint32_t lens[] = { 0, 7, 200, 12 };
	for (size_t i = 0; i < 4; i++) {
		struct nfx *n = up("ws2022");
		/* QUERY whose msg_len (12) does not cover its fixed 28 bytes, etc. */
		struct rndis_query_req q = { { RNDIS_MSG_QUERY, lens[i] }, 1, RNDIS_OID_GEN_LINK_SPEED,
					     0, 0, 0 };
		struct nvsp_rndis_pkt p = { NVSP_MSG1_SEND_RNDIS_PKT, 1, 0, sizeof q };
		memcpy(gmem_ptr(n->f->gm, n->sbuf_gpa, sizeof q), &q, sizeof q);
		nfx_send(n, 0, 99, &p, sizeof p);
		assert_false(nfx_open(n));
		assert_int_equal(nfx_stats(n).rndis_bad, 1);
		nfx_free(n);
	}
}

/* A UDP/IPv4 frame 02:..:02 -> our MAC, 10.0.0.2:1234 -> 10.0.0.1:7. */
static size_t udp_frame(uint8_t *f, size_t payload, uint16_t sport)
{
	memset(f, 0, 42 + payload);
	memcpy(f, nfx_mac, 6);
	f[6] = 2; f[11] = 2;
	f[12] = 0x08; f[13] = 0x00;
	uint8_t *ip = f + 14;
	ip[0] = 0x45; ip[2] = (uint8_t)((28 + payload) >> 8); ip[3] = (uint8_t)(28 + payload);
	ip[8] = 64; ip[9] = 17;
	ip[12] = 10; ip[15] = 2; ip[16] = 10; ip[19] = 1;
	uint8_t *u = ip + 20;
	u[0] = (uint8_t)(sport >> 8); u[1] = (uint8_t)sport; u[3] = 7;
	u[4] = (uint8_t)((8 + payload) >> 8); u[5] = (uint8_t)(8 + payload);
	for (size_t i = 0; i < payload; i++)
		u[8 + i] = (uint8_t)i;
	return 42 + payload;
}

static void test_netvsp_rndis__packets_before_init__dropped(void **state)
{
	(void)state;
	struct nfx *n = nfx_new("ws2022");
	nfx_nvsp_up(n, NVSP_PROTOCOL_VERSION_61);
	uint8_t m[44 + 128];
	size_t fl = udp_frame(m + 44, 20, 1);
	struct rndis_packet p = { { RNDIS_MSG_PACKET, (uint32_t)(44 + fl) }, 36, (uint32_t)fl,
				  0, 0, 0, 0, 0, 0, 0 };
	memcpy(m, &p, sizeof p);
	assert_int_equal(nfx_rndis_send(n, 0, 0, 1, m, (uint32_t)(44 + fl)), NVSP_STAT_SUCCESS);
	nfx_pump(n);
	assert_int_equal(n->nframes, 0);
	assert_int_equal(nfx_stats(n).rndis_dropped, 1);
	nfx_free(n);
}

static void test_netvsp_rndis__link_down_up_speed__indications(void **state)
{
	(void)state;
	struct nfx *n = up("ws2022");
	uint8_t out[256];
	uint32_t ct;
	assert_int_equal(netvsp_set_link(n->nic, false, 0), 0);
	assert_int_equal(nfx_rx(n, 0, out, sizeof out, &ct, false), 20);
	static const uint8_t gd[20] = { 7, 0, 0, 0, 20, 0, 0, 0, 0x0c, 0, 0x01, 0x40,
					0, 0, 0, 0, 0, 0, 0, 0 };
	assert_memory_equal(out, gd, 20);
	assert_int_equal(ct, NVSP_CHANNEL_TYPE_CONTROL);
	uint8_t d[8];
	uint32_t l;
	assert_int_equal(query(n, RNDIS_OID_GEN_MEDIA_CONNECT_STATUS, d, &l), 0);
	assert_int_equal(nfx_u32(d, 0), RNDIS_MEDIA_STATE_DISCONNECTED);
	/* Speed change while up: LINK_SPEED_CHANGE with the 100 bit/s count. */
	assert_int_equal(netvsp_set_link(n->nic, true, 0), 0);
	assert_int_equal(nfx_rx(n, 0, out, sizeof out, &ct, false), 20);
	assert_int_equal(nfx_u32(out, 8), RNDIS_STATUS_MEDIA_CONNECT);
	assert_int_equal(netvsp_set_link(n->nic, true, 1000000000ull), 0);
	assert_int_equal(nfx_rx(n, 0, out, sizeof out, &ct, false), 24);
	static const uint8_t gs[24] = { 7, 0, 0, 0, 24, 0, 0, 0, 0x13, 0, 0x01, 0x40,
					4, 0, 0, 0, 12, 0, 0, 0, 0x80, 0x96, 0x98, 0x00 };
	assert_memory_equal(out, gs, 24);
	assert_int_equal(nfx_stats(n).indications, 3);
	nfx_free(n);
}

static void test_netvsp_rndis__legacy_status_quirk__short_msg_len_full_range(void **state)
{
	(void)state;
	struct netvsp_config cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.max_queues = 1;
	cfg.legacy_status_len = true;
	struct nfx *n = nfx_new_cfg("ws2022", VMBUS_VERSION_WIN10_V5_3, &cfg);
	nfx_nvsp_up(n, NVSP_PROTOCOL_VERSION_61);
	nfx_rndis_up(n);
	uint8_t out[64];
	uint32_t ct;
	assert_int_equal(netvsp_set_link(n->nic, true, 25000000000ull), 0);
	assert_int_equal(nfx_rx(n, 0, out, sizeof out, &ct, false), 24); /* range covers it */
	assert_int_equal(nfx_u32(out, 4), 20);                          /* msg_len does not */
	assert_int_equal(nfx_u32(out, 20), 250000000u);
	nfx_free(n);
}

static void test_netvsp_rndis__control_flood_without_returns__capped_and_closed(void **state)
{
	(void)state;
	struct nfx *n = up("ws2022");
	/* The guest never completes receive sections: replies pile up until
	 * the 100 KiB cap closes the channel. */
	struct rndis_query_req q = { { RNDIS_MSG_QUERY, 28 }, 1, RNDIS_OID_GEN_SUPPORTED_LIST, 0, 0, 0 };
	memcpy(gmem_ptr(n->f->gm, n->sbuf_gpa, sizeof q), &q, sizeof q);
	struct nvsp_rndis_pkt p = { NVSP_MSG1_SEND_RNDIS_PKT, 1, 0, sizeof q };
	unsigned i;
	for (i = 0; i < 2000 && nfx_open(n); i++) {
		if (vfx_ring_send(&n->r[0], VMBUS_PKT_DATA_INBAND, 1, 100 + i, &p, sizeof p) < 0) {
			/* Guest ring full: drain the host->guest ring without
			 * completing anything. */
			uint8_t tmp[4096];
			while (vfx_ring_recv(&n->r[0], tmp, sizeof tmp) > 0)
				;
			continue;
		}
		vfx_signal(n->f, n->conn[0]);
		uint8_t tmp[4096];
		while (vfx_ring_recv(&n->r[0], tmp, sizeof tmp) > 0)
			;
	}
	assert_false(nfx_open(n));
	struct netvsp_stats st = nfx_stats(n);
	assert_true(st.ctrl_queued_max <= NETVSP_CTRL_QUEUE_BYTES);
	assert_true(st.ctrl_queued_max > NETVSP_CTRL_QUEUE_BYTES - 1024);
	nfx_free(n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_netvsp_rndis__initialize__golden_cmplt),
		cmocka_unit_test(test_netvsp_rndis__query_frame_size__golden_cmplt),
		cmocka_unit_test(test_netvsp_rndis__linux_bringup_queries__answered),
		cmocka_unit_test(test_netvsp_rndis__hw_offload_caps__udp_only_on_newer_profiles),
		cmocka_unit_test(test_netvsp_rndis__offload_params__applied),
		cmocka_unit_test(test_netvsp_rndis__cve_2021_28476_switch_nic_request__not_supported),
		cmocka_unit_test(test_netvsp_rndis__unknown_oid__not_supported),
		cmocka_unit_test(test_netvsp_rndis__info_buffer_past_end__invalid_data),
		cmocka_unit_test(test_netvsp_rndis__config_param_network_address__mac_changed),
		cmocka_unit_test(test_netvsp_rndis__config_param_bad_offsets_or_odd_length__invalid_data),
		cmocka_unit_test(test_netvsp_rndis__rss_params_bad__invalid_data),
		cmocka_unit_test(test_netvsp_rndis__reset_keepalive_halt__answered_then_dropped),
		cmocka_unit_test(test_netvsp_rndis__msg_len_short_or_past_buffer__channel_closed),
		cmocka_unit_test(test_netvsp_rndis__packets_before_init__dropped),
		cmocka_unit_test(test_netvsp_rndis__link_down_up_speed__indications),
		cmocka_unit_test(test_netvsp_rndis__legacy_status_quirk__short_msg_len_full_range),
		cmocka_unit_test(test_netvsp_rndis__control_flood_without_returns__capped_and_closed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
