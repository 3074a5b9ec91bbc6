/* test_netvsp_nvsp.c -- netvsp's NVSP side driven by a fake guest through
 * real VMBus rings: version negotiation 1..6.1 under every profile ceiling,
 * golden completions, buffers, sub-channels and the indirection table, and
 * every bad input of RELIABILITY.md 5.6. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/netvsp_fixture.h"

static void test_netvsp_nvsp__offer__network_class_guid(void **state)
{
	(void)state;
	struct nfx *n = nfx_new("ws2022");
	static const uint8_t cls[16] = VMBUS_GUID_NETVSC;
	struct vmbus_msg_offer o[2];
	(void)o;
	assert_true(nfx_open(n));
	assert_int_equal(vmbs_chan_subidx(netvsp_primary(n->nic)), 0);
	(void)cls;
	nfx_free(n);
}

static void test_netvsp_nvsp__init_every_version__negotiated_up_to_profile(void **state)
{
	(void)state;
	static const uint32_t v[] = { NVSP_PROTOCOL_VERSION_1, NVSP_PROTOCOL_VERSION_2,
		NVSP_PROTOCOL_VERSION_4, NVSP_PROTOCOL_VERSION_5, NVSP_PROTOCOL_VERSION_6,
		NVSP_PROTOCOL_VERSION_61 };
	static const struct { const char *prof; uint32_t max; } p[] = {
		{ "ws2008r2", NVSP_PROTOCOL_VERSION_2 }, { "ws2012r2", NVSP_PROTOCOL_VERSION_4 },
		{ "ws2016", NVSP_PROTOCOL_VERSION_5 }, { "ws2022", NVSP_PROTOCOL_VERSION_61 },
	};
	for (size_t i = 0; i < sizeof p / sizeof p[0]; i++) {
		for (size_t j = 0; j < sizeof v / sizeof v[0]; j++) {
			struct nfx *n = nfx_new(p[i].prof);
			uint32_t st = nfx_init(n, v[j]);
			assert_int_equal(st, v[j] <= p[i].max ? NVSP_STAT_SUCCESS : NVSP_STAT_FAIL);
			struct netvsp_info info;
			netvsp_get_info(n->nic, &info);
			assert_int_equal(info.nvsp_version, v[j] <= p[i].max ? v[j] : 0);
			nfx_free(n);
		}
	}
}

static void test_netvsp_nvsp__init_complete__golden_28_and_40_bytes(void **state)
{
	(void)state;
	static const uint8_t golden[28] = { 2, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 34, 0, 0, 0,
					    1, 0, 0, 0 };
	uint8_t out[64];
	struct nfx *n = nfx_new("ws2016");
	struct nvsp_init m = { NVSP_MSG_INIT, NVSP_PROTOCOL_VERSION_5, NVSP_PROTOCOL_VERSION_5 };
	/* 28 bytes, padded to 32 by the ring (packets are 8-byte multiples). */
	memset(out, 0xEE, sizeof out);
	assert_int_equal(nfx_request(n, 0, &m, sizeof m, out), 32);
	assert_memory_equal(out, golden, 28);
	nfx_free(n);
	n = nfx_new("ws2022");
	m.protocol_version = m.protocol_version2 = NVSP_PROTOCOL_VERSION_61;
	assert_int_equal(nfx_request(n, 0, &m, sizeof m, out), 40);
	assert_memory_equal(out, golden, 28);
	nfx_free(n);
}

static void test_netvsp_nvsp__init_min_above_max__fails(void **state)
{
	(void)state;
	struct nfx *n = nfx_new("ws2022");
	struct nvsp_init m = { NVSP_MSG_INIT, NVSP_PROTOCOL_VERSION_5, NVSP_PROTOCOL_VERSION_2 };
	uint8_t out[64];
	nfx_request(n, 0, &m, sizeof m, out);
	assert_int_equal(nfx_u32(out, 12), NVSP_STAT_FAIL);
	/* Old range form: the newest supported inside [1, 5]. */
	m.protocol_version = NVSP_PROTOCOL_VERSION_1;
	m.protocol_version2 = NVSP_PROTOCOL_VERSION_5;
	nfx_request(n, 0, &m, sizeof m, out);
	assert_int_equal(nfx_u32(out, 12), NVSP_STAT_SUCCESS);
	struct netvsp_info info;
	netvsp_get_info(n->nic, &info);
	assert_int_equal(info.nvsp_version, NVSP_PROTOCOL_VERSION_5);
	assert_true(nfx_open(n));
	nfx_free(n);
}

static void test_netvsp_nvsp__init_unknown_version__fails(void **state)
{
	(void)state;
	struct nfx *n = nfx_new("ws2022");
	assert_int_equal(nfx_init(n, 0x00030000), NVSP_STAT_FAIL);
	assert_int_equal(nfx_init(n, NVSP_PROTOCOL_VERSION_INVALID), NVSP_STAT_FAIL);
	assert_true(nfx_stats(n).nvsp_rejected >= 2);
	nfx_free(n);
}

static void test_netvsp_nvsp__buffers__golden_completions(void **state)
{
	(void)state;
	struct nfx *n = nfx_new("ws2019");
	assert_int_equal(nfx_init(n, NVSP_PROTOCOL_VERSION_61), NVSP_STAT_SUCCESS);
	struct nvsp_ndis_config c = { NVSP_MSG2_SEND_NDIS_CONFIG, 1514, 0, 0 };
	nfx_send(n, 0, 0, &c, sizeof c);
	nfx_gpadls(n);
	uint8_t out[64];
	struct nvsp_send_buf rb = { NVSP_MSG1_SEND_RECV_BUF, NFX_RBUF_GPADL, 0xCAFE, 0 };
	assert_int_equal(nfx_request(n, 0, &rb, sizeof rb, out), 40);
	/* 256 KiB / 1806 = 145 sub-allocations; end 145 * 1806 = 261870. */
	static const uint8_t g102[28] = { 102, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0,
		0, 0, 0, 0, 0x0e, 0x07, 0, 0, 145, 0, 0, 0, 0xee, 0xfe, 0x03, 0x00 };
	assert_memory_equal(out, g102, 28);
	struct nvsp_send_buf sb = { NVSP_MSG1_SEND_SEND_BUF, NFX_SBUF_GPADL, 0, 0 };
	nfx_request(n, 0, &sb, sizeof sb, out);
	static const uint8_t g105[12] = { 105, 0, 0, 0, 1, 0, 0, 0, 0x00, 0x18, 0, 0 };
	assert_memory_equal(out, g105, 12);
	struct netvsp_info info;
	netvsp_get_info(n->nic, &info);
	assert_int_equal(info.send_sections, 10);
	assert_int_equal(info.recv_sub_allocs, 145);
	nfx_free(n);
}

static void test_netvsp_nvsp__shorter_than_header__channel_closed(void **state)
{
	(void)state;
	struct nfx *n = nfx_new("ws2022");
	uint8_t two[2] = { 1, 0 };
	nfx_send(n, 0, 1, two, sizeof two);
	assert_false(nfx_open(n));
	assert_int_equal(nfx_stats(n).nvsp_bad_len, 1);
	nfx_free(n);
}

static void test_netvsp_nvsp__unknown_type__channel_closed(void **state)
{
	(void)state;
	struct nfx *n = nfx_new("ws2022");
	assert_int_equal(nfx_init(n, NVSP_PROTOCOL_VERSION_61), NVSP_STAT_SUCCESS);
	uint32_t m[10] = { 0xDEAD };
	nfx_send(n, 0, 1, m, sizeof m);
	assert_false(nfx_open(n));
	assert_int_equal(nfx_stats(n).nvsp_bad_type, 1);
	nfx_free(n);
}

static void test_netvsp_nvsp__v5_message_after_v2__channel_closed(void **state)
{
	(void)state;
	struct nfx *n = nfx_new("ws2022");
	nfx_nvsp_up(n, NVSP_PROTOCOL_VERSION_2);
	struct nvsp_subchannel_req r = { NVSP_MSG5_SUBCHANNEL, NVSP_SUBCHANNEL_OP_ALLOCATE, 1 };
	nfx_send(n, 0, 7, &r, sizeof r);
	assert_false(nfx_open(n));
	assert_int_equal(nfx_stats(n).nvsp_bad_version, 1);
	nfx_free(n);
}

static void test_netvsp_nvsp__message_shorter_than_body__channel_closed(void **state)
{
	(void)state;
	struct nfx *n = nfx_new("ws2022");
	struct nvsp_init m = { NVSP_MSG_INIT, NVSP_PROTOCOL_VERSION_61, 0 };
	nfx_send(n, 0, 1, &m, 8);
	assert_false(nfx_open(n));
	nfx_free(n);
}

static void test_netvsp_nvsp__before_init__refused_not_closed(void **state)
{
	(void)state;
	struct nfx *n = nfx_new("ws2022");
	nfx_gpadls(n);
	struct nvsp_send_buf rb = { NVSP_MSG1_SEND_RECV_BUF, NFX_RBUF_GPADL, 0xCAFE, 0 };
	nfx_send(n, 0, 5, &rb, sizeof rb);
	assert_true(nfx_open(n));
	assert_int_equal(nfx_stats(n).nvsp_bad_state, 1);
	nfx_free(n);
}

static void test_netvsp_nvsp__recv_buf_unknown_gpadl__fail(void **state)
{
	(void)state;
	struct nfx *n = nfx_new("ws2022");
	assert_int_equal(nfx_init(n, NVSP_PROTOCOL_VERSION_61), NVSP_STAT_SUCCESS);
	struct nvsp_send_buf rb = { NVSP_MSG1_SEND_RECV_BUF, 0x777, 0xCAFE, 0 };
	uint8_t out[64];
	nfx_request(n, 0, &rb, sizeof rb, out);
	assert_int_equal(nfx_u32(out, 0), NVSP_MSG1_SEND_RECV_BUF_COMPLETE);
	assert_int_equal(nfx_u32(out, 4), NVSP_STAT_FAIL);
	nfx_free(n);
}

static void test_netvsp_nvsp__recv_buf_too_small__fail(void **state)
{
	(void)state;
	struct nfx *n = nfx_new("ws2022");
	assert_int_equal(nfx_init(n, NVSP_PROTOCOL_VERSION_61), NVSP_STAT_SUCCESS);
	uint64_t gpa = vfx_alloc(n->f, 4), pfn[4];
	for (int i = 0; i < 4; i++)
		pfn[i] = (gpa >> 12) + (uint64_t)i;
	assert_int_equal(vfx_gpadl(n->f, n->relid[0], 0x55, pfn, 4), 0);
	struct nvsp_send_buf rb = { NVSP_MSG1_SEND_RECV_BUF, 0x55, 0xCAFE, 0 };
	uint8_t out[64];
	nfx_request(n, 0, &rb, sizeof rb, out);
	assert_int_equal(nfx_u32(out, 4), NVSP_STAT_FAIL);
	/* The pin was dropped: the guest can tear the GPADL down at once. */
	vfx_teardown(n->f, n->relid[0], 0x55);
	uint8_t msg[256];
	uint32_t len;
	vfx_expect(n->f, 0, VMBUS_MSG_GPADL_TORNDOWN, msg, &len);
	nfx_free(n);
}

static void test_netvsp_nvsp__recv_buf_twice__fail_already_exists(void **state)
{
	(void)state;
	struct nfx *n = nfx_new("ws2022");
	nfx_nvsp_up(n, NVSP_PROTOCOL_VERSION_61);
	struct nvsp_send_buf rb = { NVSP_MSG1_SEND_RECV_BUF, NFX_RBUF_GPADL, 0xCAFE, 0 };
	uint8_t out[64];
	nfx_request(n, 0, &rb, sizeof rb, out);
	assert_int_equal(nfx_u32(out, 4), NVSP_STAT_FAIL);
	struct nvsp_send_buf sb = { NVSP_MSG1_SEND_SEND_BUF, NFX_SBUF_GPADL, 0, 0 };
	nfx_request(n, 0, &sb, sizeof sb, out);
	assert_int_equal(nfx_u32(out, 4), NVSP_STAT_FAIL);
	nfx_free(n);
}

static void test_netvsp_nvsp__rndis_pkt_bad_section__failure_completion(void **state)
{
	(void)state;
	struct nfx *n = nfx_new("ws2022");
	nfx_nvsp_up(n, NVSP_PROTOCOL_VERSION_61);
	uint8_t out[64];
	struct nvsp_rndis_pkt p = { NVSP_MSG1_SEND_RNDIS_PKT, 0, 10, 64 }; /* 10 sections: 0..9 */
	nfx_request(n, 0, &p, sizeof p, out);
	assert_int_equal(nfx_u32(out, 4), NVSP_STAT_FAIL);
	p.section_index = NVSP_SEND_SECTION_INVALID;   /* no section, but a size */
	p.section_size = 64;
	nfx_request(n, 0, &p, sizeof p, out);
	assert_int_equal(nfx_u32(out, 4), NVSP_STAT_FAIL);
	p.section_index = 0;                            /* larger than a section */
	p.section_size = 6145;
	nfx_request(n, 0, &p, sizeof p, out);
	assert_int_equal(nfx_u32(out, 4), NVSP_STAT_FAIL);
	p.section_index = NVSP_SEND_SECTION_INVALID;   /* no data at all */
	p.section_size = 0;
	nfx_request(n, 0, &p, sizeof p, out);
	assert_int_equal(nfx_u32(out, 4), NVSP_STAT_FAIL);
	assert_true(nfx_open(n));
	assert_int_equal(nfx_stats(n).nvsp_rejected, 4);
	nfx_free(n);
}

static void test_netvsp_nvsp__ndis_config_mtu_out_of_range__rejected(void **state)
{
	(void)state;
	static const uint32_t bad[] = { 0, 1513, 9217, 0xFFFFFFFF };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct nfx *n = nfx_new("ws2022");
		assert_int_equal(nfx_init(n, NVSP_PROTOCOL_VERSION_61), NVSP_STAT_SUCCESS);
		struct nvsp_ndis_config c = { NVSP_MSG2_SEND_NDIS_CONFIG, bad[i], 0, 0 };
		nfx_send(n, 0, 0, &c, sizeof c);
		struct netvsp_info info;
		netvsp_get_info(n->nic, &info);
		assert_int_equal(info.mtu, 1514);
		assert_int_equal(nfx_stats(n).nvsp_rejected, 1);
		nfx_free(n);
	}
	struct nfx *n = nfx_new("ws2022");
	assert_int_equal(nfx_init(n, NVSP_PROTOCOL_VERSION_61), NVSP_STAT_SUCCESS);
	struct nvsp_ndis_config c = { NVSP_MSG2_SEND_NDIS_CONFIG, 9014, 0, 0 };
	nfx_send(n, 0, 0, &c, sizeof c);
	struct netvsp_info info;
	netvsp_get_info(n->nic, &info);
	assert_int_equal(info.mtu, 9014);
	nfx_free(n);
}

static unsigned take_offers(struct nfx *n, unsigned max)
{
	unsigned got = 0;
	uint8_t buf[256];
	uint32_t len;
	unsigned qs[NFX_MAXQ];
	while (got < max && vfx_recv(n->f, 0, buf, &len) == VMBUS_MSG_OFFERCHANNEL) {
		struct vmbus_msg_offer o;
		memcpy(&o, buf, sizeof o);
		unsigned q = o.sub_channel_index;
		assert_true(q > 0 && q < NFX_MAXQ);
		n->relid[q] = o.child_relid;
		n->conn[q] = o.connection_id;
		qs[got++] = q;
	}
	for (unsigned i = 0; i < got; i++)
		assert_int_equal(vfx_ring_open(n->f, &n->r[qs[i]], n->relid[qs[i]], 8, 4, false, 1), 0);
	return got;
}

static void test_netvsp_nvsp__subchannels__granted_offered_and_table_sent(void **state)
{
	(void)state;
	struct nfx *n = nfx_new("ws2022");   /* max_queues 4 */
	nfx_nvsp_up(n, NVSP_PROTOCOL_VERSION_61);
	struct nvsp_subchannel_req r = { NVSP_MSG5_SUBCHANNEL, NVSP_SUBCHANNEL_OP_ALLOCATE, 0xFFFF };
	uint8_t out[128];
	nfx_request(n, 0, &r, sizeof r, out);
	static const uint8_t g[12] = { 133, 0, 0, 0, 1, 0, 0, 0, 3, 0, 0, 0 };
	assert_memory_equal(out, g, 12);
	/* Then the send indirection table: table at 40, entries i % 4. */
	uint32_t len;
	uint64_t tid;
	assert_int_equal(nfx_recv(n, 0, out, &len, &tid, NULL, NULL), VMBUS_PKT_DATA_INBAND);
	assert_int_equal(len, 104);
	assert_int_equal(nfx_u32(out, 0), NVSP_MSG5_SEND_INDIRECTION_TABLE);
	assert_int_equal(nfx_u32(out, 4), 16);
	assert_int_equal(nfx_u32(out, 8), 40);
	for (uint32_t i = 0; i < 16; i++)
		assert_int_equal(nfx_u32(out, 40 + 4 * i), i % 4);
	assert_int_equal(take_offers(n, 8), 3);
	struct netvsp_info info;
	netvsp_get_info(n->nic, &info);
	assert_int_equal(info.subchannels, 3);
	assert_int_equal(info.open_queues, 4);
	nfx_free(n);
}

static void test_netvsp_nvsp__subchannel_counts_0_65_ffff__never_above_cap(void **state)
{
	(void)state;
	static const uint32_t req[] = { 0, 65, 0xFFFF };
	static const uint32_t want[] = { 0, 63, 63 }; /* the fixture's server: 64 channels */
	for (size_t i = 0; i < 3; i++) {
		struct netvsp_config cfg;
		memset(&cfg, 0, sizeof cfg);
		cfg.max_queues = NETVSP_MAX_QUEUES;
		struct nfx *n = nfx_new_cfg("ws2022", VMBUS_VERSION_WIN10_V5_3, &cfg);
		nfx_nvsp_up(n, NVSP_PROTOCOL_VERSION_61);
		struct nvsp_subchannel_req r = { NVSP_MSG5_SUBCHANNEL, NVSP_SUBCHANNEL_OP_ALLOCATE,
						 req[i] };
		uint8_t out[64];
		nfx_request(n, 0, &r, sizeof r, out);
		assert_int_equal(nfx_u32(out, 4), NVSP_STAT_SUCCESS);
		assert_int_equal(nfx_u32(out, 8), want[i]);
		nfx_free(n);
	}
}

static void test_netvsp_nvsp__stray_rx_completion__dropped(void **state)
{
	(void)state;
	struct nfx *n = nfx_new("ws2022");
	nfx_nvsp_up(n, NVSP_PROTOCOL_VERSION_61);
	struct nvsp_rndis_pkt_complete c = { NVSP_MSG1_SEND_RNDIS_PKT_COMPLETE, 1 };
	static const uint64_t tids[] = { 0, 1, 146, 0xFFFFFFFFFFFFFFFFull };
	for (size_t i = 0; i < 4; i++) {
		assert_true(vfx_ring_send(&n->r[0], VMBUS_PKT_COMP, 0, tids[i], &c, sizeof c) >= 0);
		vfx_signal(n->f, n->conn[0]);
	}
	assert_int_equal(nfx_stats(n).stray_completions, 4);
	assert_true(nfx_open(n));
	nfx_free(n);
}

static void test_netvsp_nvsp__revoke_unknown_id__ignored_then_real_revoke_unpins(void **state)
{
	(void)state;
	struct nfx *n = nfx_new("ws2022");
	nfx_nvsp_up(n, NVSP_PROTOCOL_VERSION_61);
	struct nvsp_revoke_buf r = { NVSP_MSG1_REVOKE_RECV_BUF, 0x1234 };
	nfx_send(n, 0, 0, &r, sizeof r);
	struct netvsp_info info;
	netvsp_get_info(n->nic, &info);
	assert_int_equal(info.recv_sub_allocs, 145);
	r.id = 0xCAFE;
	nfx_send(n, 0, 0, &r, sizeof r);
	r.type = NVSP_MSG1_REVOKE_SEND_BUF;
	r.id = 0;
	nfx_send(n, 0, 0, &r, sizeof r);
	netvsp_get_info(n->nic, &info);
	assert_int_equal(info.recv_sub_allocs, 0);
	assert_int_equal(info.send_sections, 0);
	/* Unpinned: teardown is answered at once. */
	uint8_t msg[256];
	uint32_t len;
	vfx_teardown(n->f, n->relid[0], NFX_RBUF_GPADL);
	vfx_expect(n->f, 0, VMBUS_MSG_GPADL_TORNDOWN, msg, &len);
	nfx_free(n);
}

static void test_netvsp_nvsp__teardown_of_pinned_buffer__deferred_until_released(void **state)
{
	(void)state;
	struct nfx *n = nfx_new("ws2022");
	nfx_nvsp_up(n, NVSP_PROTOCOL_VERSION_61);
	vfx_teardown(n->f, n->relid[0], NFX_SBUF_GPADL);
	/* ops->gpadl_teardown released the send buffer: TORNDOWN follows. */
	uint8_t msg[256];
	uint32_t len;
	vfx_expect(n->f, 0, VMBUS_MSG_GPADL_TORNDOWN, msg, &len);
	struct netvsp_info info;
	netvsp_get_info(n->nic, &info);
	assert_int_equal(info.send_sections, 0);
	assert_int_equal(info.recv_sub_allocs, 145);
	nfx_free(n);
}

static void test_netvsp_nvsp__switch_data_path_and_oid_query_ex__answered(void **state)
{
	(void)state;
	struct nfx *n = nfx_new("ws2022");
	nfx_nvsp_up(n, NVSP_PROTOCOL_VERSION_61);
	uint8_t out[64];
	struct nvsp_switch_data_path s = { NVSP_MSG4_SWITCH_DATA_PATH, NVSP_DATAPATH_VF };
	assert_int_equal(nfx_request(n, 0, &s, sizeof s, out), 0);
	struct nvsp_oid_query_ex q = { NVSP_MSG5_OID_QUERY_EX, 0, RNDIS_OID_GEN_LINK_STATE };
	nfx_request(n, 0, &q, sizeof q, out);
	assert_int_equal(nfx_u32(out, 0), NVSP_MSG5_OID_QUERY_EX_COMPLETE);
	assert_int_equal(nfx_u32(out, 4), RNDIS_STATUS_NOT_SUPPORTED);
	nfx_free(n);
}

static void test_netvsp_nvsp__ring_full__completions_kept_and_sent_later(void **state)
{
	(void)state;
	struct nfx *n = nfx_new("ws2022");
	nfx_nvsp_up(n, NVSP_PROTOCOL_VERSION_61);
	/* The guest posts 1500 sends and reads nothing: the host->guest ring
	 * (32 KiB) fills; no completion may be lost. */
	struct nvsp_rndis_pkt p = { NVSP_MSG1_SEND_RNDIS_PKT, 0, 99, 64 };
	unsigned sent = 0;
	for (unsigned i = 0; i < 1500; i++) {
		if (vfx_ring_send(&n->r[0], VMBUS_PKT_DATA_INBAND, 1, 1000 + i, &p, sizeof p) < 0)
			break;
		vfx_signal(n->f, n->conn[0]);
		sent++;
	}
	assert_int_equal(sent, 1500);
	unsigned got = 0, idle = 0;
	uint64_t next = 1000;
	while (got < sent && idle < 4) {
		uint8_t out[64];
		uint32_t len;
		uint64_t tid;
		if (nfx_recv(n, 0, out, &len, &tid, NULL, NULL) == VMBUS_PKT_COMP) {
			assert_int_equal(tid, next++);   /* in order */
			got++;
			idle = 0;
			continue;
		}
		vfx_signal(n->f, n->conn[0]);     /* host: writable() -> flush */
		idle++;
	}
	assert_int_equal(got, sent);
	assert_true(nfx_open(n));
	nfx_free(n);
}

static void test_netvsp_nvsp__alloc_failures__no_leak(void **state)
{
	(void)state;
	for (long i = 0; i < 4; i++) {
		struct vfx *f = vfx_new("ws2022", 1, NULL);
		struct netvsp_config cfg;
		memset(&cfg, 0, sizeof cfg);
		cfg.no_backend = true;
		struct netvsp *nic = NULL;
		netvsp_alloc_fail_after(i);
		int rc = netvsp_create(f->vb, NULL, &cfg, NULL, NULL, &nic);
		netvsp_alloc_fail_after(-1);
		if (rc == 0)
			netvsp_destroy(nic);
		else
			assert_int_equal(rc, -ENOMEM);
		vfx_free(f);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_netvsp_nvsp__offer__network_class_guid),
		cmocka_unit_test(test_netvsp_nvsp__init_every_version__negotiated_up_to_profile),
		cmocka_unit_test(test_netvsp_nvsp__init_complete__golden_28_and_40_bytes),
		cmocka_unit_test(test_netvsp_nvsp__init_min_above_max__fails),
		cmocka_unit_test(test_netvsp_nvsp__init_unknown_version__fails),
		cmocka_unit_test(test_netvsp_nvsp__buffers__golden_completions),
		cmocka_unit_test(test_netvsp_nvsp__shorter_than_header__channel_closed),
		cmocka_unit_test(test_netvsp_nvsp__unknown_type__channel_closed),
		cmocka_unit_test(test_netvsp_nvsp__v5_message_after_v2__channel_closed),
		cmocka_unit_test(test_netvsp_nvsp__message_shorter_than_body__channel_closed),
		cmocka_unit_test(test_netvsp_nvsp__before_init__refused_not_closed),
		cmocka_unit_test(test_netvsp_nvsp__recv_buf_unknown_gpadl__fail),
		cmocka_unit_test(test_netvsp_nvsp__recv_buf_too_small__fail),
		cmocka_unit_test(test_netvsp_nvsp__recv_buf_twice__fail_already_exists),
		cmocka_unit_test(test_netvsp_nvsp__rndis_pkt_bad_section__failure_completion),
		cmocka_unit_test(test_netvsp_nvsp__ndis_config_mtu_out_of_range__rejected),
		cmocka_unit_test(test_netvsp_nvsp__subchannels__granted_offered_and_table_sent),
		cmocka_unit_test(test_netvsp_nvsp__subchannel_counts_0_65_ffff__never_above_cap),
		cmocka_unit_test(test_netvsp_nvsp__stray_rx_completion__dropped),
		cmocka_unit_test(test_netvsp_nvsp__revoke_unknown_id__ignored_then_real_revoke_unpins),
		cmocka_unit_test(test_netvsp_nvsp__teardown_of_pinned_buffer__deferred_until_released),
		cmocka_unit_test(test_netvsp_nvsp__switch_data_path_and_oid_query_ex__answered),
		cmocka_unit_test(test_netvsp_nvsp__ring_full__completions_kept_and_sent_later),
		cmocka_unit_test(test_netvsp_nvsp__alloc_failures__no_leak),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
