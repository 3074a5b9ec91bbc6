/* test_netvsc_data.c -- the hn data path against the scripted netvsp host:
 * TX through sections and page buffers, checksum offload only when
 * negotiated and software completion otherwise (the NAT partial-checksum
 * case), LSOv2 preparation, RX with checksum/hash info and prompt
 * completions, the bounded receive queue, and every hostile receive input
 * of RELIABILITY 96-99 counted and dropped. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "guest_drivers/netvsc/hn.h"
#include "helpers/netvsc_fake.h"
#include "hyperv/nvsp.h"
#include "hyperv/rndis.h"
#include "sim/guest/runtime.h"

static const uint8_t guest_mac[6] = { 0x00, 0x15, 0x5d, 0x00, 0x00, 0x10 };
static const uint8_t peer_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };

/* ---- an independent checksum for verification --------------------------------------------- */

static uint32_t sum16(uint32_t s, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xFFFF) + (s >> 16);
	return (uint16_t)s;
}

static uint32_t pseudo4(const uint8_t *ip, uint8_t proto, uint32_t l4len)
{
	uint32_t s = sum16(0, ip + 12, 8);
	return s + proto + l4len;
}

/* True when the L4 checksum of an IPv4 frame verifies. */
static bool l4_ok(const uint8_t *f, size_t len)
{
	const uint8_t *ip = f + 14;
	size_t ihl = (ip[0] & 0xF) * 4u;
	size_t tot = (size_t)(ip[2] << 8 | ip[3]);
	assert_true(tot <= len - 14);
	uint32_t s = pseudo4(ip, ip[9], (uint32_t)(tot - ihl));
	s = sum16(s, ip + ihl, tot - ihl);
	return fold(s) == 0xFFFF;
}

/* Ethernet + IPv4 + TCP (proto 6) or UDP (17) with 'pl' payload bytes; the
 * L4 checksum field holds the folded pseudo-header sum (CHECKSUM_PARTIAL),
 * the IP header checksum is complete. */
static size_t mkframe(uint8_t *f, uint8_t proto, size_t pl, const uint8_t *dst)
{
	size_t l4 = proto == 6 ? 20 : 8;
	size_t tot = 20 + l4 + pl;
	memset(f, 0, 14 + tot);
	memcpy(f, dst, 6);
	memcpy(f + 6, proto == 6 ? guest_mac : peer_mac, 6);
	f[12] = 0x08;
	uint8_t *ip = f + 14;
	ip[0] = 0x45;
	ip[2] = (uint8_t)(tot >> 8);
	ip[3] = (uint8_t)tot;
	ip[8] = 64;
	ip[9] = proto;
	ip[12] = 10; ip[13] = 0; ip[14] = 0; ip[15] = 2;
	ip[16] = 10; ip[17] = 0; ip[18] = 0; ip[19] = 1;
	uint16_t ic = (uint16_t)~fold(sum16(0, ip, 20));
	ip[10] = (uint8_t)(ic >> 8);
	ip[11] = (uint8_t)ic;
	uint8_t *t = ip + 20;
	t[0] = 0x9c; t[1] = 0x40; t[2] = 0x00; t[3] = 0x50;
	if (proto == 6) {
		t[4] = 1; t[12] = 0x50; t[13] = 0x18; t[14] = 0xFF;
	} else {
		t[4] = (uint8_t)((8 + pl) >> 8);
		t[5] = (uint8_t)(8 + pl);
	}
	for (size_t i = 0; i < pl; i++)
		t[l4 + i] = (uint8_t)(i * 7 + 3);
	uint16_t ps = fold(pseudo4(ip, proto, (uint32_t)(l4 + pl)));
	size_t co = proto == 6 ? 16 : 6;
	t[co] = (uint8_t)(ps >> 8);
	t[co + 1] = (uint8_t)ps;
	return 14 + tot;
}

/* ---- guest-context calls -------------------------------------------------------------------- */

struct gsend {
	const uint8_t *f;
	uint32_t len;
	struct hn_txmeta m;
	bool meta;
	int rc;
};

static int send_in_guest(void *arg)
{
	struct gsend *s = arg;
	struct hn_if *hn = hn_find(0);
	s->rc = hn_send(hn, s->f, s->len, s->meta ? &s->m : NULL, HN_TX_WAIT);
	if (!s->rc)
		s->rc = hn_tx_drain(hn);
	return 0;
}

static int gsend(struct nf_fix *x, const uint8_t *f, size_t len, const struct hn_txmeta *m)
{
	struct gsend s = { f, (uint32_t)len, { 0 }, m != NULL, 0 };
	if (m)
		s.m = *m;
	assert_int_equal(nf_call(x, send_in_guest, &s), 0);
	return s.rc;
}

struct grecv {
	uint8_t buf[2048];
	int len;
	struct hn_rxmeta m;
};

static int recv_in_guest(void *arg)
{
	struct grecv *r = arg;
	r->len = hn_recv(hn_find(0), r->buf, sizeof r->buf, &r->m);
	return 0;
}

static int grecv(struct nf_fix *x, struct grecv *r)
{
	memset(r, 0, sizeof *r);
	assert_int_equal(nf_call(x, recv_in_guest, r), 0);
	return r->len;
}

static int stats_in_guest(void *arg)
{
	return hn_get_stats(hn_find(0), arg);
}

static struct hn_stats gstats(struct nf_fix *x)
{
	struct hn_stats st;
	assert_int_equal(nf_call(x, stats_in_guest, &st), 0);
	return st;
}

static int info_in_guest(void *arg)
{
	return hn_get_info(hn_find(0), arg);
}

static struct nf_host knobs(void)
{
	struct nf_host k;
	memset(&k, 0, sizeof k);
	k.subchan_grant = -1;
	k.link_up = true;
	k.link_speed = 100000000;
	return k;
}

static struct nf_fix *up(const struct nf_host *k, const struct hn_config *c, uint64_t seed)
{
	struct nf_fix *x = nf_new("ws2019", 1, 1, k, seed);
	assert_int_equal(nf_hn_start(x, c), 0);
	struct hn_info info;
	assert_int_equal(nf_call(x, info_in_guest, &info), 0);
	nf_sleep_ms(x, 2); /* the last control response's completion reaches the host */
	return x;
}

/* ---- TX ---------------------------------------------------------------------------------------- */

static void test_hn_tx__small_frame__one_section_nvsp_and_rndis_bytes(void **state)
{
	(void)state;
	struct nf_fix *x = up(NULL, NULL, 1);
	struct nf_host *h = x->host[0];
	uint8_t f[128];
	size_t n = mkframe(f, 17, 18, peer_mac); /* 60 bytes */
	assert_int_equal(n, 60);
	assert_int_equal(gsend(x, f, n, NULL), 0);
	assert_int_equal(h->nframes, 1);
	assert_true(h->frames[0].from_section);
	assert_int_equal(h->frames[0].len, 60);
	assert_memory_equal(h->frames[0].data, f, 60);
	assert_false(h->frames[0].has_csum);
	/* The last NVSP message: SEND_RNDIS_PKT, data channel, a section, 44 + 60 bytes. */
	const struct nf_msg *m = &h->log[h->nlog - 1];
	uint32_t w[4];
	memcpy(w, m->b, 16);
	assert_int_equal(w[0], NVSP_MSG1_SEND_RNDIS_PKT);
	assert_int_equal(w[1], NVSP_CHANNEL_TYPE_DATA);
	assert_true(w[2] != NVSP_SEND_SECTION_INVALID);
	assert_int_equal(w[3], 104);
	struct hn_stats st = gstats(x);
	assert_int_equal(st.q[0].tx_section, 1);
	assert_int_equal(st.q[0].tx_completions, 1);
	nf_free(x);
}

static void test_hn_tx__frame_larger_than_section__page_buffers(void **state)
{
	(void)state;
	struct nf_host k = knobs();
	k.tx_section = 512;
	struct nf_fix *x = up(&k, NULL, 2);
	struct nf_host *h = x->host[0];
	uint8_t f[1600];
	size_t n = mkframe(f, 6, 1460, peer_mac);
	assert_int_equal(gsend(x, f, n, NULL), 0);
	assert_int_equal(h->nframes, 1);
	assert_false(h->frames[0].from_section);
	assert_int_equal(h->frames[0].len, n);
	assert_memory_equal(h->frames[0].data, f, n);
	assert_int_equal(h->log[h->nlog - 1].pkt_type, 9); /* GPA direct */
	assert_int_equal(gstats(x).q[0].tx_pagebuf, 1);
	/* Too big for the MTU without LSO. */
	uint8_t *big = calloc(1, 4000);
	assert_non_null(big);
	n = mkframe(big, 6, 3000, peer_mac);
	assert_int_equal(gsend(x, big, n, NULL), -EMSGSIZE);
	free(big);
	nf_free(x);
}

static void test_hn_tx__tcp_partial_with_tcp_offload__ppi_field_left_for_host(void **state)
{
	(void)state;
	struct nf_fix *x = up(NULL, NULL, 3);
	struct nf_host *h = x->host[0];
	uint8_t f[256];
	size_t n = mkframe(f, 6, 100, peer_mac);
	struct hn_txmeta m = { .csum_partial = true, .csum_start = 34, .csum_offset = 16,
			       .queue = -1 };
	assert_int_equal(gsend(x, f, n, &m), 0);
	assert_true(h->frames[0].has_csum);
	/* is_ipv4 | tcp | transport offset 34 << 16. */
	assert_int_equal(h->frames[0].csum_ppi, 0x00220005);
	assert_memory_equal(h->frames[0].data, f, n); /* untouched: the host finishes it */
	assert_int_equal(gstats(x).q[0].tx_csum_offload, 1);
	nf_free(x);
}

static void test_hn_tx__udp_partial_host_offers_tcp_only__driver_completes_checksum(void **state)
{
	(void)state;
	struct nf_fix *x = up(NULL, NULL, 4);
	struct nf_host *h = x->host[0];
	uint8_t f[256];
	size_t n = mkframe(f, 17, 77, peer_mac);
	assert_false(l4_ok(f, n));
	struct hn_txmeta m = { .csum_partial = true, .csum_start = 34, .csum_offset = 6,
			       .queue = -1 };
	assert_int_equal(gsend(x, f, n, &m), 0);
	assert_false(h->frames[0].has_csum);
	assert_true(l4_ok(h->frames[0].data, h->frames[0].len));
	assert_int_equal(gstats(x).q[0].tx_csum_sw, 1);
	nf_free(x);
}

static void test_hn_tx__forwarded_tcp_pseudo_sum_only_no_offload__leaves_complete(void **state)
{
	(void)state;
	/* The NAT case: a forwarded TCP segment carries only the
	 * pseudo-header sum; the host offers no offload at all.  The frame
	 * must still leave with a correct checksum. */
	struct nf_host k = knobs();
	k.offload_none = true;
	struct nf_fix *x = up(&k, NULL, 5);
	struct nf_host *h = x->host[0];
	uint8_t f[1600];
	size_t n = mkframe(f, 6, 1000, peer_mac);
	struct hn_txmeta m = { .csum_partial = true, .csum_start = 34, .csum_offset = 16,
			       .queue = -1 };
	assert_int_equal(gsend(x, f, n, &m), 0);
	assert_false(h->frames[0].has_csum);
	assert_true(l4_ok(h->frames[0].data, h->frames[0].len));
	/* Same with checksum offload turned off by the guest. */
	nf_free(x);
	struct hn_config c = { .no_offload = true };
	x = up(NULL, &c, 5);
	h = x->host[0];
	assert_int_equal(gsend(x, f, n, &m), 0);
	assert_false(h->frames[0].has_csum);
	assert_true(l4_ok(h->frames[0].data, h->frames[0].len));
	nf_free(x);
}

static void test_hn_tx__lso_negotiated__ppi_and_linux_header_prep(void **state)
{
	(void)state;
	struct nf_host k = knobs();
	k.lso = true;
	struct nf_fix *x = up(&k, NULL, 6);
	struct nf_host *h = x->host[0];
	uint8_t *f = calloc(1, 20000);
	assert_non_null(f);
	size_t n = mkframe(f, 6, 14600, peer_mac);
	struct hn_txmeta m = { .csum_partial = true, .csum_start = 34, .csum_offset = 16,
			       .mss = 1460, .queue = -1 };
	assert_int_equal(gsend(x, f, n, &m), 0);
	struct nf_frame *fr = &h->frames[0];
	assert_true(fr->has_lso);
	assert_int_equal(fr->lso_ppi, 1460u | (34u << 20) | 0x40000000u);
	assert_false(fr->from_section);
	/* IPv4 total length and header checksum zero; TCP checksum = the
	 * pseudo-header sum with length 0. */
	assert_int_equal(fr->data[16] | fr->data[17], 0);
	assert_int_equal(fr->data[24] | fr->data[25], 0);
	uint16_t want = fold(pseudo4(f + 14, 6, 0));
	assert_int_equal((fr->data[50] << 8) | fr->data[51], want);
	assert_memory_equal(fr->data + 54, f + 54, n - 54);
	nf_free(x);
	free(f);
}

static void test_hn_tx__lso_not_negotiated__eopnotsupp(void **state)
{
	(void)state;
	struct nf_fix *x = up(NULL, NULL, 7);
	uint8_t *f = calloc(1, 20000);
	assert_non_null(f);
	size_t n = mkframe(f, 6, 14600, peer_mac);
	struct hn_txmeta m = { .mss = 1460, .queue = -1 };
	assert_int_equal(gsend(x, f, n, &m), -EOPNOTSUPP);
	assert_int_equal(x->host[0]->nframes, 0);
	free(f);
	nf_free(x);
}

/* The MTU bounds the IP packet: an untagged frame may be MTU + 14 bytes,
 * one that carries its own 802.1Q tag 4 more; a byte above either is
 * refused before anything reaches the host. */
static void test_hn_tx__frame_one_byte_above_mtu__emsgsize_tag_allowed(void **state)
{
	(void)state;
	struct nf_fix *x = up(NULL, NULL, 9);
	uint8_t *f = calloc(1, 1600);
	assert_non_null(f);
	size_t n = mkframe(f, 17, 1500 - 28, peer_mac);
	assert_int_equal(n, 1514);
	assert_int_equal(gsend(x, f, n, NULL), 0);
	n = mkframe(f, 17, 1500 - 28 + 1, peer_mac);
	assert_int_equal(gsend(x, f, n, NULL), -EMSGSIZE);
	/* The same 1515..1518 bytes with an in-band tag: still an MTU packet. */
	size_t m = mkframe(f + 4, 17, 1500 - 28, peer_mac) + 4;
	memmove(f, f + 4, 12);
	f[12] = 0x81; f[13] = 0x00; f[14] = 0x00; f[15] = 0x05;
	assert_int_equal(m, 1518);
	assert_int_equal(gsend(x, f, m, NULL), 0);
	assert_int_equal(gsend(x, f, m + 1, NULL), -EMSGSIZE);
	assert_int_equal(x->host[0]->nframes, 2);
	free(f);
	nf_free(x);
}

static void test_hn_tx__many_frames__slots_recycled_all_completed(void **state)
{
	(void)state;
	struct nf_fix *x = up(NULL, NULL, 8);
	uint8_t f[128];
	size_t n = mkframe(f, 17, 18, peer_mac);
	for (unsigned i = 0; i < 100; i++) {
		assert_int_equal(gsend(x, f, n, NULL), 0);
		if (x->host[0]->nframes >= 64)
			nf_frames_clear(x->host[0]);
	}
	struct hn_stats st = gstats(x);
	assert_int_equal(st.q[0].tx_pkts, 100);
	assert_int_equal(st.q[0].tx_completions, 100);
	assert_int_equal(st.q[0].tx_errors, 0);
	nf_free(x);
}

/* ---- RX ---------------------------------------------------------------------------------------- */

static void test_hn_rx__frame_with_csum_and_hash__delivered_section_returned(void **state)
{
	(void)state;
	struct nf_fix *x = up(NULL, NULL, 9);
	struct nf_host *h = x->host[0];
	uint8_t f[256];
	size_t n = mkframe(f, 6, 40, guest_mac);
	assert_int_equal(nf_rx_frame(h, 0, f, (uint32_t)n, 0x8 | 0x20, 0x51ccc178,
				     NDIS_HASH_TCP_IPV4), 0);
	nf_sleep_ms(x, 2);
	struct grecv r;
	assert_int_equal(grecv(x, &r), (int)n);
	assert_memory_equal(r.buf, f, n);
	assert_true(r.m.csum_ok);
	assert_false(r.m.csum_bad);
	assert_true(r.m.hash_valid);
	assert_int_equal(r.m.hash, 0x51ccc178);
	assert_int_equal(r.m.hash_type, NDIS_HASH_TCP_IPV4);
	assert_int_equal(grecv(x, &r), -EAGAIN);
	assert_int_equal(h->rx_completions, h->rx_sent);
	assert_int_equal(h->rx_completion_fail, 0);
	for (uint32_t i = 0; i < h->rx_count; i++)
		assert_int_equal(h->rx_busy[i], 0);
	nf_free(x);
}

static void test_hn_rx__queue_full__dropped_and_counted_sections_still_returned(void **state)
{
	(void)state;
	struct hn_config c = { .rxq_frames = 4 };
	struct nf_fix *x = up(NULL, &c, 10);
	struct nf_host *h = x->host[0];
	uint8_t f[128];
	size_t n = mkframe(f, 17, 18, guest_mac);
	unsigned c0 = h->rx_completions;
	for (unsigned i = 0; i < 6; i++)
		assert_int_equal(nf_rx_frame(h, 0, f, (uint32_t)n, 0, 0, 0), 0);
	nf_sleep_ms(x, 2);
	assert_int_equal(gstats(x).drop[HN_DROP_RXQ_FULL], 2);
	assert_int_equal(h->rx_completions - c0, 6);
	struct grecv r;
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(grecv(x, &r), (int)n);
	assert_int_equal(grecv(x, &r), -EAGAIN);
	nf_free(x);
}

/* ---- hostile host (RELIABILITY 96-99) --------------------------------------------------------- */

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static uint64_t drops(struct nf_fix *x, enum hn_drop d)
{
	return gstats(x).drop[d];
}

static void expect_drop(struct nf_fix *x, enum hn_drop d, uint64_t before)
{
	nf_sleep_ms(x, 2);
	assert_int_equal(drops(x, d), before + 1);
}

static void test_hn_rx__hostile_transfer_pages__dropped_completed_with_failure(void **state)
{
	(void)state;
	struct nf_fix *x = up(NULL, NULL, 11);
	struct nf_host *h = x->host[0];
	uint8_t m[128];
	memset(m, 0, sizeof m);
	put32(m, RNDIS_MSG_PACKET);
	put32(m + 4, 64);
	uint32_t r1[2] = { 64, 0 };
	/* Wrong page set id. */
	uint64_t b = drops(x, HN_DROP_XFER_HDR);
	unsigned fails = h->rx_completion_fail;
	assert_int_equal(nf_raw_xfer(h, 0, 0xBEEF, m, 64, r1, 1, NVSP_MSG1_SEND_RNDIS_PKT), 0);
	expect_drop(x, HN_DROP_XFER_HDR, b);
	assert_int_equal(h->rx_completion_fail, fails + 1);
	/* Not an RNDIS packet message inside. */
	b = drops(x, HN_DROP_NVSP_TYPE);
	assert_int_equal(nf_raw_xfer(h, 0, 0xCAFE, m, 64, r1, 1, 999), 0);
	expect_drop(x, HN_DROP_NVSP_TYPE, b);
	/* A range past the buffer, one whose offset + length wraps u32, one
	 * longer than a section, one of length 0. */
	uint32_t bad[4][2] = { { 100, h->rxbuf_len - 10 }, { 0x20, 0xFFFFFFF0u },
			       { h->rx_sub + 1, 0 }, { 0, 0 } };
	for (unsigned i = 0; i < 4; i++) {
		b = drops(x, HN_DROP_XFER_RANGE);
		fails = h->rx_completion_fail;
		assert_int_equal(nf_raw_xfer(h, 0, 0xCAFE, m, 64, bad[i], 1,
					     NVSP_MSG1_SEND_RNDIS_PKT), 0);
		expect_drop(x, HN_DROP_XFER_RANGE, b);
		assert_int_equal(h->rx_completion_fail, fails + 1);
	}
	/* RNDIS message length larger than its range. */
	put32(m + 4, 100);
	b = drops(x, HN_DROP_RNDIS_LEN);
	assert_int_equal(nf_raw_xfer(h, 0, 0xCAFE, m, 64, r1, 1, NVSP_MSG1_SEND_RNDIS_PKT), 0);
	expect_drop(x, HN_DROP_RNDIS_LEN, b);
	/* PACKET_MSG data past the end. */
	put32(m + 4, 64);
	put32(m + 8, 36);
	put32(m + 12, 1000);
	b = drops(x, HN_DROP_PKT_BAD);
	assert_int_equal(nf_raw_xfer(h, 0, 0xCAFE, m, 64, r1, 1, NVSP_MSG1_SEND_RNDIS_PKT), 0);
	expect_drop(x, HN_DROP_PKT_BAD, b);
	/* A PPI of size 0 (the infinite-loop trap). */
	put32(m + 4, 120);
	put32(m + 8, 36 + 12);
	put32(m + 12, 60);
	put32(m + 28, 36);
	put32(m + 32, 12);
	put32(m + 44, 0);
	uint32_t r2[2] = { 120, 0 };
	b = drops(x, HN_DROP_PPI);
	assert_int_equal(nf_raw_xfer(h, 0, 0xCAFE, m, 120, r2, 1, NVSP_MSG1_SEND_RNDIS_PKT), 0);
	expect_drop(x, HN_DROP_PPI, b);
	/* Data before nothing else broke: a good frame still arrives. */
	uint8_t f[128];
	size_t n = mkframe(f, 17, 18, guest_mac);
	assert_int_equal(nf_rx_frame(h, 0, f, (uint32_t)n, 0, 0, 0), 0);
	nf_sleep_ms(x, 2);
	struct grecv r;
	assert_int_equal(grecv(x, &r), (int)n);
	nf_free(x);
}

static void test_hn_rx__rndis_completion_unknown_request__dropped(void **state)
{
	(void)state;
	struct nf_fix *x = up(NULL, NULL, 12);
	struct nf_host *h = x->host[0];
	uint8_t m[24];
	memset(m, 0, sizeof m);
	put32(m, RNDIS_MSG_QUERY_C);
	put32(m + 4, 24);
	put32(m + 8, 0x4242);
	uint32_t r[2] = { 24, 0 };
	uint64_t b = drops(x, HN_DROP_RNDIS_REQID);
	assert_int_equal(nf_raw_xfer(h, 0, 0xCAFE, m, 24, r, 1, NVSP_MSG1_SEND_RNDIS_PKT), 0);
	expect_drop(x, HN_DROP_RNDIS_REQID, b);
	/* Shorter than header + request id (RELIABILITY 99). */
	put32(m + 4, 8);
	b = drops(x, HN_DROP_RNDIS_LEN);
	assert_int_equal(nf_raw_xfer(h, 0, 0xCAFE, m, 24, r, 1, NVSP_MSG1_SEND_RNDIS_PKT), 0);
	expect_drop(x, HN_DROP_RNDIS_LEN, b);
	nf_free(x);
}

static void test_hn_nvsp__completion_unknown_tid_and_bad_itab__dropped(void **state)
{
	(void)state;
	struct nf_fix *x = up(NULL, NULL, 13);
	struct nf_host *h = x->host[0];
	uint8_t c[8];
	put32(c, NVSP_MSG1_SEND_RNDIS_PKT_COMPLETE);
	put32(c + 4, 1);
	uint64_t b = drops(x, HN_DROP_UNKNOWN_TID);
	assert_int_equal(nf_raw_completion(h, 0, 0x5400000100000007ull, c, 8), 0);
	expect_drop(x, HN_DROP_UNKNOWN_TID, b);
	b = drops(x, HN_DROP_UNKNOWN_TID);
	assert_int_equal(nf_raw_completion(h, 0, 0x1234, c, 8), 0);
	expect_drop(x, HN_DROP_UNKNOWN_TID, b);
	/* Indirection table: count 15, then an offset past the message. */
	uint32_t tab[16];
	for (unsigned i = 0; i < 16; i++)
		tab[i] = i & 1;
	b = drops(x, HN_DROP_ITAB);
	assert_int_equal(nf_send_itab(h, tab, 12, 76, 15), 0);
	expect_drop(x, HN_DROP_ITAB, b);
	b = drops(x, HN_DROP_ITAB);
	assert_int_equal(nf_send_itab(h, tab, 200, 76, 16), 0);
	expect_drop(x, HN_DROP_ITAB, b);
	/* Unknown NVSP type in-band. */
	uint8_t u[8] = { 0xEE, 0, 0, 0 };
	b = drops(x, HN_DROP_NVSP_TYPE);
	assert_int_equal(nf_raw_inband(h, 0, u, 8), 0);
	expect_drop(x, HN_DROP_NVSP_TYPE, b);
	/* A good table (6.1: the offset is trusted). */
	assert_int_equal(nf_send_itab(h, tab, 12, 76, 16), 0);
	nf_sleep_ms(x, 2);
	struct hn_info info;
	assert_int_equal(nf_call(x, info_in_guest, &info), 0);
	assert_true(info.tx_table);
	assert_int_equal(info.tx_table_entries[1], 1);
	nf_free(x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hn_tx__small_frame__one_section_nvsp_and_rndis_bytes),
		cmocka_unit_test(test_hn_tx__frame_larger_than_section__page_buffers),
		cmocka_unit_test(test_hn_tx__tcp_partial_with_tcp_offload__ppi_field_left_for_host),
		cmocka_unit_test(test_hn_tx__udp_partial_host_offers_tcp_only__driver_completes_checksum),
		cmocka_unit_test(test_hn_tx__forwarded_tcp_pseudo_sum_only_no_offload__leaves_complete),
		cmocka_unit_test(test_hn_tx__lso_negotiated__ppi_and_linux_header_prep),
		cmocka_unit_test(test_hn_tx__lso_not_negotiated__eopnotsupp),
		cmocka_unit_test(test_hn_tx__frame_one_byte_above_mtu__emsgsize_tag_allowed),
		cmocka_unit_test(test_hn_tx__many_frames__slots_recycled_all_completed),
		cmocka_unit_test(test_hn_rx__frame_with_csum_and_hash__delivered_section_returned),
		cmocka_unit_test(test_hn_rx__queue_full__dropped_and_counted_sections_still_returned),
		cmocka_unit_test(test_hn_rx__hostile_transfer_pages__dropped_completed_with_failure),
		cmocka_unit_test(test_hn_rx__rndis_completion_unknown_request__dropped),
		cmocka_unit_test(test_hn_nvsp__completion_unknown_tid_and_bad_itab__dropped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
