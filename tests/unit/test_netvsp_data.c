/* test_netvsp_data.c -- netvsp's data path through a fake guest and the far
 * end of a NIC-to-NIC pair: TX from send-buffer sections (batched) and from
 * GPA ranges, checksum completion and LSO so frames leave correct, bad
 * packets and PPIs (RELIABILITY 5.7), RX with PPIs and section return, the
 * packet filter, and vRSS queue choice by Toeplitz hash. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "sim/devices/hostside.h"
#include "tests/unit/netvsp_fixture.h"

static const uint8_t peer_mac[6] = { 0x02, 0, 0, 0, 0, 0x02 };

static struct nfx *up(void)
{
	struct nfx *n = nfx_new("ws2022");
	nfx_full_up(n, NVSP_PROTOCOL_VERSION_61);
	return n;
}

/* IPv4 UDP (proto 17) or TCP (6) frame from peer to dst with a payload of
 * 'pay' bytes; checksums left 0. */
static size_t ip4_frame(uint8_t *f, const uint8_t *dst, const uint8_t *src, uint8_t proto,
			uint32_t sip, uint32_t dip, uint16_t sport, uint16_t dport, size_t pay)
{
	size_t l4 = proto == 6 ? 20 : 8;
	memset(f, 0, 34 + l4 + pay);
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = 0x08;
	uint8_t *ip = f + 14;
	size_t tot = 20 + l4 + pay;
	ip[0] = 0x45; ip[2] = (uint8_t)(tot >> 8); ip[3] = (uint8_t)tot; ip[8] = 64; ip[9] = proto;
	for (int i = 0; i < 4; i++) {
		ip[12 + i] = (uint8_t)(sip >> (24 - 8 * i));
		ip[16 + i] = (uint8_t)(dip >> (24 - 8 * i));
	}
	uint8_t *t = ip + 20;
	t[0] = (uint8_t)(sport >> 8); t[1] = (uint8_t)sport;
	t[2] = (uint8_t)(dport >> 8); t[3] = (uint8_t)dport;
	if (proto == 6) {
		t[12] = 0x50; t[13] = 0x18; t[14] = 0xff;
	} else {
		t[4] = (uint8_t)((8 + pay) >> 8); t[5] = (uint8_t)(8 + pay);
	}
	for (size_t i = 0; i < pay; i++)
		t[l4 + i] = (uint8_t)(i * 7);
	return 34 + l4 + pay;
}

/* An RNDIS PACKET_MSG with the given u32 PPIs (type, value pairs). */
static uint32_t pkt_msg(uint8_t *m, const uint8_t *frame, size_t flen, const uint32_t *ppi,
			unsigned nppi)
{
	uint32_t pl = 16u * nppi;
	struct rndis_packet p = { { RNDIS_MSG_PACKET, (uint32_t)(44 + pl + flen) },
		36 + pl, (uint32_t)flen, 0, 0, 0, nppi ? 36u : 0u, pl, 0, 0 };
	memcpy(m, &p, sizeof p);
	for (unsigned i = 0; i < nppi; i++) {
		struct rndis_ppi h = { 16, ppi[2 * i], 12 };
		memcpy(m + 44 + 16 * i, &h, 12);
		memcpy(m + 44 + 16 * i + 12, &ppi[2 * i + 1], 4);
	}
	memcpy(m + 44 + pl, frame, flen);
	return (uint32_t)(44 + pl + flen);
}

static bool csum_ok(const uint8_t *f, size_t len)
{
	uint8_t c[2048];
	assert_true(len <= sizeof c);
	memcpy(c, f, len);
	assert_int_equal(netpkt_fix_checksums(c, len, NETPKT_FIX_IP4 | NETPKT_FIX_TCP | NETPKT_FIX_UDP), 0);
	return memcmp(c, f, len) == 0;
}

static void test_netvsp_tx__udp_csum_ppi__frame_leaves_with_checksums(void **state)
{
	(void)state;
	struct nfx *n = up();
	uint8_t f[256], m[512];
	size_t fl = ip4_frame(f, peer_mac, nfx_mac, 17, 0x0a000001, 0x0a000002, 1000, 7, 50);
	f[14 + 20 + 6] = 0x12;   /* a partial (wrong) sum left by a forwarding guest */
	uint32_t ppi[2] = { RNDIS_PPI_CHECKSUM, NDIS_TXCSUM_IPV4 | NDIS_TXCSUM_UDP |
			    NDIS_TXCSUM_IP_HDR | (34u << NDIS_TXCSUM_THOFF_SHIFT) };
	uint32_t ml = pkt_msg(m, f, fl, ppi, 1);
	assert_int_equal(nfx_rndis_send(n, 0, 0, 2, m, ml), NVSP_STAT_SUCCESS);
	nfx_pump(n);
	assert_int_equal(n->nframes, 1);
	assert_int_equal(n->flen[0], fl);
	assert_true(csum_ok(n->frame[0], n->flen[0]));
	assert_int_not_equal(n->frame[0][14 + 20 + 6] | n->frame[0][14 + 20 + 7], 0);
	assert_int_equal(nfx_stats(n).tx_csum_fixed, 1);
	nfx_free(n);
}

static void test_netvsp_tx__three_packets_in_one_section__three_frames(void **state)
{
	(void)state;
	struct nfx *n = up();
	uint8_t f[256], m[1024];
	uint32_t off = 0;
	for (int i = 0; i < 3; i++) {
		size_t fl = ip4_frame(f, peer_mac, nfx_mac, 17, 0x0a000001, 0x0a000002,
				      (uint16_t)(1000 + i), 7, 10 + (size_t)i);
		uint32_t l = pkt_msg(m + off, f, fl, NULL, 0);
		/* Pad each message to 8 bytes as Linux batches them. */
		uint32_t padded = (l + 7u) & ~7u;
		memset(m + off + l, 0, padded - l);
		memcpy(m + off + 4, &padded, 4);
		off += padded;
	}
	assert_int_equal(nfx_rndis_send(n, 0, 0, 3, m, off), NVSP_STAT_SUCCESS);
	nfx_pump(n);
	assert_int_equal(n->nframes, 3);
	assert_int_equal(n->frame[2][14 + 20 + 1], (1002) & 0xff);
	nfx_free(n);
}

static void test_netvsp_tx__junk_after_packet__channel_closed(void **state)
{
	(void)state;
	struct nfx *n = up();
	uint8_t f[128], m[512];
	size_t fl = ip4_frame(f, peer_mac, nfx_mac, 17, 1, 2, 3, 7, 10);
	uint32_t l = pkt_msg(m, f, fl, NULL, 0);
	memset(m + l, 0xAB, 5);
	nfx_rndis_post(n, 0, 0, 0, m, l + 5);
	assert_false(nfx_open(n));
	assert_int_equal(nfx_stats(n).rndis_bad, 1);
	nfx_free(n);
}

static void test_netvsp_tx__control_after_packet__channel_closed(void **state)
{
	(void)state;
	struct nfx *n = up();
	uint8_t f[128], m[512];
	size_t fl = ip4_frame(f, peer_mac, nfx_mac, 17, 1, 2, 3, 7, 10);
	uint32_t l = pkt_msg(m, f, fl, NULL, 0);
	struct rndis_keepalive_req k = { { RNDIS_MSG_KEEPALIVE, 12 }, 1 };
	memcpy(m + l, &k, sizeof k);
	nfx_rndis_post(n, 0, 0, 0, m, l + 12);
	assert_false(nfx_open(n));
	nfx_free(n);
}

static void test_netvsp_tx__bad_packet_fields__frame_dropped_channel_kept(void **state)
{
	(void)state;
	struct nfx *n = up();
	uint8_t f[128], m[512];
	size_t fl = ip4_frame(f, peer_mac, nfx_mac, 17, 1, 2, 3, 7, 10);
	for (int c = 0; c < 5; c++) {
		uint32_t l = pkt_msg(m, f, fl, NULL, 0);
		struct rndis_packet p;
		memcpy(&p, m, sizeof p);
		switch (c) {
		case 0: p.data_offset = l; break;              /* past end */
		case 1: p.data_len = 0; break;                 /* empty */
		case 2: p.data_len = l; break;                 /* past end */
		case 3: p.oob_data_offset = 36; p.oob_data_len = 4; break;
		case 4: p.vc_handle = 1; break;
		}
		memcpy(m, &p, sizeof p);
		assert_int_equal(nfx_rndis_send(n, 0, 0, 0, m, l), NVSP_STAT_SUCCESS);
	}
	nfx_pump(n);
	assert_int_equal(n->nframes, 0);
	assert_int_equal(nfx_stats(n).tx_dropped, 5);
	assert_true(nfx_open(n));
	nfx_free(n);
}

static void test_netvsp_tx__bad_ppis__dropped_without_looping(void **state)
{
	(void)state;
	struct nfx *n = up();
	uint8_t f[128], m[512];
	size_t fl = ip4_frame(f, peer_mac, nfx_mac, 17, 1, 2, 3, 7, 10);
	for (int c = 0; c < 5; c++) {
		uint32_t ppi[2] = { RNDIS_PPI_CHECKSUM, NDIS_TXCSUM_IPV4 | NDIS_TXCSUM_UDP |
				    (34u << NDIS_TXCSUM_THOFF_SHIFT) };
		if (c == 3)
			ppi[1] = NDIS_TXCSUM_UDP | (900u << NDIS_TXCSUM_THOFF_SHIFT); /* past frame */
		if (c == 4) {
			ppi[0] = RNDIS_PPI_LSO;
			ppi[1] = 34u << NDIS_LSO2_THOFF_SHIFT;   /* MSS 0 */
		}
		uint32_t l = pkt_msg(m, f, fl, ppi, 1);
		struct rndis_ppi h;
		memcpy(&h, m + 44, 12);
		if (c == 0)
			h.size = 0;              /* the infinite-loop trap */
		if (c == 1)
			h.size = 200;            /* larger than the PPI area */
		if (c == 2)
			h.ppi_offset = 17;       /* data past the element */
		memcpy(m + 44, &h, 12);
		assert_int_equal(nfx_rndis_send(n, 0, 0, 0, m, l), NVSP_STAT_SUCCESS);
	}
	nfx_pump(n);
	assert_int_equal(n->nframes, 0);
	assert_int_equal(nfx_stats(n).ppi_bad, 5);
	assert_true(nfx_open(n));
	nfx_free(n);
}

static void test_netvsp_tx__lso_64k__segments_or_gso_all_correct(void **state)
{
	(void)state;
	struct nfx *n = up();
	static uint8_t f[8192], m[9000];
	size_t fl = ip4_frame(f, peer_mac, nfx_mac, 6, 0x0a000001, 0x0a000002, 40000, 80, 4000);
	f[16] = f[17] = 0;      /* Linux LSO prep: IPv4 total length 0 */
	uint32_t ppi[4] = { RNDIS_PPI_LSO, NDIS_LSO2_TYPE_V2 | (34u << NDIS_LSO2_THOFF_SHIFT) | 1000u,
			    RNDIS_PPI_IEEE_8021Q, (7u << NDIS_VLAN_ID_SHIFT) | 3u };
	uint32_t ml = pkt_msg(m, f, fl, ppi, 2);
	/* 4098 bytes: two sections' worth does not fit one; use GPA-less
	 * section 0 with a larger message split across sections 0-1. */
	assert_true(ml <= 2 * 6144);
	uint8_t *sb = gmem_ptr(n->f->gm, n->sbuf_gpa, ml);
	memcpy(sb, m, ml);
	assert_true(ml <= 6144);
	assert_int_equal(nfx_rndis_send(n, 0, 0, 0, m, ml), NVSP_STAT_SUCCESS);
	nfx_pump(n);
	/* Whether netvsp segments (no GSO back end) or hands a GSO frame to
	 * the pair (which segments before delivery), the peer sees four
	 * correct MSS-sized segments. */
	struct netbe_caps caps;
	netbe_caps(netvsp_backend(n->nic), &caps);
	assert_int_equal(n->nframes, 4);
	for (unsigned i = 0; i < 4; i++) {
		const uint8_t *fr = n->frame[i];
		if (n->fmeta[i].vlan) {          /* tag out of band */
			assert_int_equal(n->flen[i], 54 + 1000);
			assert_int_equal(n->fmeta[i].vlan_tci, (3u << 13) | 7u);
		} else {                         /* or put into the frame */
			assert_int_equal(n->flen[i], 58 + 1000);
			assert_int_equal(fr[12], 0x81);
			assert_int_equal(fr[14] << 8 | fr[15], (3u << 13) | 7u);
		}
		assert_true(csum_ok(n->frame[i], n->flen[i]));
	}
	assert_int_equal(nfx_stats(n).tx_segments, caps.tx_gso ? 0 : 4);
	nfx_free(n);
}

static void test_netvsp_tx__gpa_direct_page_buffer__frame_sent(void **state)
{
	(void)state;
	struct nfx *n = up();
	uint8_t f[256], m[512];
	size_t fl = ip4_frame(f, peer_mac, nfx_mac, 17, 1, 2, 3, 7, 60);
	uint32_t ml = pkt_msg(m, f, fl, NULL, 0);
	uint64_t gpa = vfx_alloc(n->f, 1);
	memcpy(gmem_ptr(n->f->gm, gpa + 100, ml), m, ml);
	/* type 9: header 24 + one range {count, offset, pfn} = 40; NVSP 16. */
	uint8_t pkt[64];
	memset(pkt, 0, sizeof pkt);
	struct vmbus_pkt_desc d = { VMBUS_PKT_DATA_USING_GPA_DIRECT, 5, 8,
				    VMBUS_PKT_FLAG_COMPLETION_REQUESTED, 0x777 };
	memcpy(pkt, &d, sizeof d);
	uint32_t one = 1, off = 100;
	memcpy(pkt + 20, &one, 4);
	memcpy(pkt + 24, &ml, 4);
	memcpy(pkt + 28, &off, 4);
	uint64_t pfn = gpa >> 12;
	memcpy(pkt + 32, &pfn, 8);
	struct nvsp_rndis_pkt p = { NVSP_MSG1_SEND_RNDIS_PKT, 0, NVSP_SEND_SECTION_INVALID, 0 };
	memcpy(pkt + 40, &p, sizeof p);
	assert_true(vfx_ring_send_pkt(&n->r[0], pkt, 64) >= 0);
	vfx_signal(n->f, n->conn[0]);
	uint8_t out[64];
	uint32_t len;
	uint64_t tid;
	assert_int_equal(nfx_recv(n, 0, out, &len, &tid, NULL, NULL), VMBUS_PKT_COMP);
	assert_int_equal(tid, 0x777);
	assert_int_equal(nfx_u32(out, 4), NVSP_STAT_SUCCESS);
	nfx_pump(n);
	assert_int_equal(n->nframes, 1);
	assert_memory_equal(n->frame[0], f, fl);
	nfx_free(n);
}

static void test_netvsp_rx__frame__rndis_packet_with_csum_ppi_and_section_returned(void **state)
{
	(void)state;
	struct nfx *n = up();
	uint8_t f[256];
	size_t fl = ip4_frame(f, nfx_mac, peer_mac, 17, 0x0a000002, 0x0a000001, 7, 1000, 30);
	struct netbe_meta meta = { .csum_valid = true };
	assert_int_equal(netbe_send(n->peer, f, fl, &meta), 0);
	nfx_pump(n);
	uint8_t m[2048];
	uint32_t ct;
	uint32_t len = nfx_rx(n, 0, m, sizeof m, &ct, false);
	assert_int_equal(ct, NVSP_CHANNEL_TYPE_DATA);
	struct rndis_packet p;
	memcpy(&p, m, sizeof p);
	assert_int_equal(p.hdr.type, RNDIS_MSG_PACKET);
	assert_int_equal(p.hdr.msg_len, len);
	assert_int_equal(p.ppi_offset, 36);
	assert_int_equal(p.data_len, fl);
	assert_memory_equal(m + 8 + p.data_offset, f, fl);
	assert_int_equal(nfx_u32(m, 44 + 4), RNDIS_PPI_CHECKSUM);
	uint32_t csum = nfx_u32(m, 44 + 12);
	if (csum)   /* back ends that verified: UDP and IP good */
		assert_int_equal(csum, NDIS_RXCSUM_UDP_OK | NDIS_RXCSUM_IP_OK);
	struct netvsp_stats st = nfx_stats(n);
	assert_int_equal(st.rx_frames, 1);
	assert_int_equal(st.stray_completions, 0);
	nfx_free(n);
}

static void test_netvsp_rx__no_sections_returned__drops_but_keeps_control_room(void **state)
{
	(void)state;
	struct nfx *n = up();
	uint8_t f[256], m[2048];
	size_t fl = ip4_frame(f, nfx_mac, peer_mac, 17, 2, 1, 7, 1000, 30);
	for (int i = 0; i < 200; i++) {
		(void)netvsp_rx(n->nic, f, fl, NULL);
		uint32_t ct;
		while (nfx_rx(n, 0, m, sizeof m, &ct, true))
			;   /* read but never complete */
	}
	struct netvsp_stats st = nfx_stats(n);
	assert_int_equal(st.rx_frames, 145 - 16);
	assert_int_equal(st.rx_no_buffer, 200 - (145 - 16));
	/* Control replies still get through on the reserved sections. */
	assert_int_equal(nfx_set_filter(n, 0x0D), RNDIS_STATUS_SUCCESS);
	nfx_free(n);
}

static void test_netvsp_rx__filter_zero_or_other_mac__not_delivered(void **state)
{
	(void)state;
	struct nfx *n = up();
	uint8_t f[256];
	static const uint8_t other[6] = { 0x00, 0x15, 0x5d, 9, 9, 9 };
	size_t fl = ip4_frame(f, other, peer_mac, 17, 2, 1, 7, 1000, 30);
	assert_int_equal(netvsp_rx(n->nic, f, fl, NULL), -ENOTCONN);
	memset(f, 0xff, 6);     /* broadcast passes 0x0D */
	assert_int_equal(netvsp_rx(n->nic, f, fl, NULL), 0);
	uint8_t m[2048];
	uint32_t ct;
	assert_int_equal(nfx_rx(n, 0, m, sizeof m, &ct, false), 44 + 16 + fl);
	assert_int_equal(nfx_set_filter(n, 0), RNDIS_STATUS_SUCCESS);
	assert_int_equal(netvsp_rx(n->nic, f, fl, NULL), -ENOTCONN);
	assert_int_equal(nfx_stats(n).rx_filtered, 2);
	nfx_free(n);
}

static unsigned take_offers(struct nfx *n)
{
	unsigned got = 0, qs[NFX_MAXQ];
	uint8_t buf[256];
	uint32_t len;
	while (vfx_recv(n->f, 0, buf, &len) == VMBUS_MSG_OFFERCHANNEL) {
		struct vmbus_msg_offer o;
		memcpy(&o, buf, sizeof o);
		n->relid[o.sub_channel_index] = o.child_relid;
		n->conn[o.sub_channel_index] = o.connection_id;
		qs[got++] = o.sub_channel_index;
	}
	for (unsigned i = 0; i < got; i++)
		assert_int_equal(vfx_ring_open(n->f, &n->r[qs[i]], n->relid[qs[i]], 8, 4, false, 1), 0);
	return got;
}

static void test_netvsp_rx__vrss__frames_on_the_queue_the_table_names(void **state)
{
	(void)state;
	struct nfx *n = up();
	struct nvsp_subchannel_req r = { NVSP_MSG5_SUBCHANNEL, NVSP_SUBCHANNEL_OP_ALLOCATE, 3 };
	uint8_t out[2048];
	nfx_request(n, 0, &r, sizeof r, out);
	assert_int_equal(nfx_u32(out, 8), 3);
	assert_int_equal(take_offers(n), 3);
	uint32_t plen;
	uint64_t tid;
	assert_int_equal(nfx_recv(n, 0, out, &plen, &tid, NULL, NULL), VMBUS_PKT_DATA_INBAND);
	/* RSS: 128 entries, entry i -> (i * 3) % 4, standard key, IPv4 + TCP/IPv4. */
	static const uint8_t key[40] = NDIS_RSS_STANDARD_KEY_INIT;
	static uint8_t b[40 + 512 + 40];
	struct ndis_rss_params p = { .hdr = { NDIS_OBJTYPE_RSS_PARAMS, 2, 40 },
		.hash_info = 0x1701, .itab_size = 512, .itab_offset = 40, .hash_key_size = 40,
		.hash_key_offset = 552 };
	uint32_t itab[128];
	for (uint32_t i = 0; i < 128; i++)
		itab[i] = (i * 3u) % 4u;
	memcpy(b, &p, sizeof p);
	memcpy(b + 40, itab, 512);
	memcpy(b + 552, key, 40);
	assert_int_equal(nfx_oid(n, RNDIS_MSG_SET, RNDIS_OID_GEN_RECEIVE_SCALE_PARAMETERS, b,
				 sizeof b, out, sizeof out), 16);
	assert_int_equal(nfx_u32(out, 12), RNDIS_STATUS_SUCCESS);
	unsigned seen[4] = { 0 };
	for (uint16_t port = 1000; port < 1032; port++) {
		uint8_t f[256];
		size_t fl = ip4_frame(f, nfx_mac, peer_mac, 6, 0x42099bbb, 0xa18e6450, port, 1766, 20);
		uint32_t hash;
		assert_int_equal(netpkt_rss_hash(key, 40, 0x1700, f, fl, &hash), NDIS_HASH_TCP_IPV4);
		unsigned q = itab[hash & 127];
		assert_int_equal(netvsp_rx(n->nic, f, fl, NULL), 0);
		uint32_t ct, len = nfx_rx(n, q, out, sizeof out, &ct, false);
		assert_true(len > 0);
		seen[q]++;
		/* Hash PPIs: value then info, after the checksum PPI. */
		assert_int_equal(nfx_u32(out, 44 + 16 + 4), RNDIS_PPI_HASH_VALUE);
		assert_int_equal(nfx_u32(out, 44 + 16 + 12), hash);
		assert_int_equal(nfx_u32(out, 44 + 32 + 4), RNDIS_PPI_HASH_INFO);
		assert_int_equal(nfx_u32(out, 44 + 32 + 12), NDIS_HASH_FUNCTION_TOEPLITZ | NDIS_HASH_TCP_IPV4);
	}
	unsigned used = 0;
	for (int i = 0; i < 4; i++)
		used += seen[i] > 0;
	assert_true(used >= 3);
	struct netvsp_stats st = nfx_stats(n);
	for (int i = 0; i < 4; i++)
		assert_int_equal(st.rx_per_queue[i], seen[i]);
	nfx_free(n);
}

static void test_netvsp_rx__microsoft_vector__hash_in_ppi(void **state)
{
	(void)state;
	/* 66.9.149.187:2794 -> 161.142.100.80:1766: TCP/IPv4 hash 0x51ccc178. */
	struct nfx *n = up();
	static const uint8_t key[40] = NDIS_RSS_STANDARD_KEY_INIT;
	uint8_t b[40 + 64 + 40], out[2048];
	struct ndis_rss_params p = { .hdr = { NDIS_OBJTYPE_RSS_PARAMS, 2, 40 },
		.hash_info = 0x1701, .itab_size = 64, .itab_offset = 40, .hash_key_size = 40,
		.hash_key_offset = 104 };
	memset(b, 0, sizeof b);
	memcpy(b, &p, sizeof p);
	memcpy(b + 104, key, 40);
	assert_int_equal(nfx_oid(n, RNDIS_MSG_SET, RNDIS_OID_GEN_RECEIVE_SCALE_PARAMETERS, b,
				 sizeof b, out, sizeof out), 16);
	assert_int_equal(nfx_u32(out, 12), 0);
	uint8_t f[256];
	size_t fl = ip4_frame(f, nfx_mac, peer_mac, 6, 0x420995bb, 0xa18e6450, 2794, 1766, 10);
	assert_int_equal(netvsp_rx(n->nic, f, fl, NULL), 0);
	uint32_t ct;
	assert_true(nfx_rx(n, 0, out, sizeof out, &ct, false) > 0);
	assert_int_equal(nfx_u32(out, 44 + 16 + 12), 0x51ccc178u);
	nfx_free(n);
}

static void test_netvsp_hostside__two_paired_nics__created_linked_and_freed(void **state)
{
	(void)state;
	struct gmem *gm = gmem_create(8u << 20);
	assert_non_null(gm);
	struct part_config pc = { .profile = hv_profile_find("ws2022"), .nvcpus = 2 };
	struct part *p = part_create(gm, &pc, NULL, NULL);
	assert_non_null(p);
	struct hostside_config hc;
	memset(&hc, 0, sizeof hc);
	hc.vmbus = true;
	hc.nnics = 3;
	hc.nic[0].be.kind = NETBE_PAIR;
	hc.nic[1].be.kind = NETBE_PAIR;
	hc.nic[2].be.kind = NETBE_NULL;
	hc.nic[2].link_down = true;
	struct hostside *hs = hostside_create(p, gm, &hc, NULL, NULL);
	assert_non_null(hs);
	assert_non_null(hostside_nic(hs, 2));
	assert_null(hostside_nic(hs, 3));
	assert_non_null(netvsp_backend(hostside_nic(hs, 0)));
	assert_int_equal(netbe_kind(netvsp_backend(hostside_nic(hs, 1))), NETBE_PAIR);
	assert_int_equal(hostside_nic_link(hs, 2, true, 40000000000ull), 0);
	assert_int_equal(hostside_nic_link(hs, 5, true, 0), -ENODEV);
	struct netvsp_info info;
	assert_int_equal(hostside_nic_stats(hs, 2, NULL, &info), 0);
	assert_true(info.link_up);
	assert_int_equal(info.link_speed_bps, 40000000000ull);
	(void)hostside_pump(hs);
	hostside_destroy(hs);
	part_destroy(p);
	gmem_destroy(gm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_netvsp_tx__udp_csum_ppi__frame_leaves_with_checksums),
		cmocka_unit_test(test_netvsp_tx__three_packets_in_one_section__three_frames),
		cmocka_unit_test(test_netvsp_tx__junk_after_packet__channel_closed),
		cmocka_unit_test(test_netvsp_tx__control_after_packet__channel_closed),
		cmocka_unit_test(test_netvsp_tx__bad_packet_fields__frame_dropped_channel_kept),
		cmocka_unit_test(test_netvsp_tx__bad_ppis__dropped_without_looping),
		cmocka_unit_test(test_netvsp_tx__lso_64k__segments_or_gso_all_correct),
		cmocka_unit_test(test_netvsp_tx__gpa_direct_page_buffer__frame_sent),
		cmocka_unit_test(test_netvsp_rx__frame__rndis_packet_with_csum_ppi_and_section_returned),
		cmocka_unit_test(test_netvsp_rx__no_sections_returned__drops_but_keeps_control_room),
		cmocka_unit_test(test_netvsp_rx__filter_zero_or_other_mac__not_delivered),
		cmocka_unit_test(test_netvsp_rx__vrss__frames_on_the_queue_the_table_names),
		cmocka_unit_test(test_netvsp_rx__microsoft_vector__hash_in_ppi),
		cmocka_unit_test(test_netvsp_hostside__two_paired_nics__created_linked_and_freed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
