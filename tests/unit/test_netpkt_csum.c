/* test_netpkt_csum.c -- parsing, checksums (golden values), partial
 * checksum completion and TCP segmentation of large sends. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "sim/devices/net/netpkt.h"
#include "tests/unit/test_netpkt_frames.h"

#define A TF_IP(10, 0, 0, 1)
#define B TF_IP(10, 0, 0, 2)

static void test_netpkt_csum__rfc1071_and_ipv4_header__golden(void **state)
{
	static const uint8_t rfc[8] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	assert_int_equal(netpkt_csum(rfc, sizeof rfc, 0), 0xddf2);
	/* The classic IPv4 header example: checksum b861. */
	static const uint8_t ip[20] = { 0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
					0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7 };
	assert_int_equal((uint16_t)~netpkt_csum(ip, 20, 0), 0xb861);
	/* Odd length: the last byte is the high half of a word. */
	assert_int_equal(netpkt_csum(rfc, 1, 0), 0x0000);
	assert_int_equal(netpkt_csum(rfc + 2, 1, 0), 0xf200);
}

static void test_netpkt_fix__tcp_and_udp_ipv4__golden_checksums(void **state)
{
	uint8_t f[128];
	size_t len = tf_ip4(f, -1, A, B, 6, 1000, 80, (const uint8_t *)"hello", 5);
	assert_int_equal(netpkt_fix_checksums(f, len, NETPKT_FIX_IP4 | NETPKT_FIX_TCP), 0);
	assert_int_equal(tf_rd16(f + 24), 0x1495);
	assert_int_equal(tf_rd16(f + 34 + 16), 0x135b);
	len = tf_ip4(f, -1, A, B, 17, 40000, 7, (const uint8_t *)"hello", 5);
	assert_int_equal(netpkt_fix_checksums(f, len, NETPKT_FIX_UDP), 0);
	assert_int_equal(tf_rd16(f + 34 + 6), 0x0bb8);
	assert_int_equal(tf_rd16(f + 24), 0);     /* IP4 not asked for */
	/* With a VLAN tag and Ethernet padding the values are the same. */
	uint8_t g[128] = { 0 };
	len = tf_ip4(g, 100, A, B, 6, 1000, 80, (const uint8_t *)"hello", 5);
	assert_int_equal(netpkt_fix_checksums(g, 64 > len ? 64 : len, NETPKT_FIX_IP4 | NETPKT_FIX_TCP), 0);
	assert_int_equal(tf_rd16(g + 18 + 20 + 16), 0x135b);
}

static void test_netpkt_csum_complete__pseudo_header_seed__equals_full_checksum(void **state)
{
	uint8_t f[256], want[256];
	uint8_t pay[101];
	for (size_t i = 0; i < sizeof pay; i++)
		pay[i] = (uint8_t)(i * 13 + 1);
	size_t len = tf_ip4(f, -1, A, B, 6, 1234, 443, pay, sizeof pay);
	memcpy(want, f, len);
	assert_int_equal(netpkt_fix_checksums(want, len, NETPKT_FIX_TCP), 0);
	/* What a stack with checksum offload leaves: the folded pseudo-header sum. */
	uint8_t ph[12] = { 10, 0, 0, 1, 10, 0, 0, 2, 0, 6 };
	tf_wr16(ph + 10, (uint16_t)(len - 34));
	tf_wr16(f + 34 + 16, netpkt_csum(ph, sizeof ph, 0));
	assert_int_equal(netpkt_csum_complete(f, len, 34, 16), 0);
	assert_memory_equal(f, want, len);
}

static void test_netpkt_csum_complete__offsets_out_of_range__einval(void **state)
{
	uint8_t f[60] = { 0 };
	assert_int_equal(netpkt_csum_complete(f, 60, 60, 0), -EINVAL);
	assert_int_equal(netpkt_csum_complete(f, 60, 58, 1), -EINVAL);
	assert_int_equal(netpkt_csum_complete(f, 60, 34, 0xffff), -EINVAL);
	assert_int_equal(netpkt_csum_complete(f, 60, 58, 0), 0);
}

static void test_netpkt_parse__malformed_headers__einval(void **state)
{
	uint8_t f[128];
	struct netpkt_info pi;
	size_t len = tf_ip4(f, -1, A, B, 6, 1, 2, NULL, 0);
	assert_int_equal(netpkt_parse(f, len, &pi), 0);
	assert_int_equal(pi.l4_off, 34);
	assert_int_equal(pi.l4_hdr_len, 20);
	assert_int_equal(netpkt_parse(f, 13, &pi), -EINVAL);   /* short Ethernet */
	assert_int_equal(netpkt_parse(f, 30, &pi), -EINVAL);   /* short IPv4 header */
	f[14] = 0x44;                                          /* IHL 4 */
	assert_int_equal(netpkt_parse(f, len, &pi), -EINVAL);
	f[14] = 0x4f;                                          /* IHL 15: past the total length */
	assert_int_equal(netpkt_parse(f, len, &pi), -EINVAL);
	f[14] = 0x45;
	tf_wr16(f + 16, 200);                                  /* total length past the frame */
	assert_int_equal(netpkt_parse(f, len, &pi), -EINVAL);
	tf_wr16(f + 16, 40);
	f[34 + 12] = 0xf0;                                     /* TCP data offset 60 > segment */
	assert_int_equal(netpkt_parse(f, len, &pi), -EINVAL);
	f[34 + 12] = 0x40;                                     /* data offset 16 < 20 */
	assert_int_equal(netpkt_parse(f, len, &pi), -EINVAL);
	tf_wr16(f + 12, 0x88cc);                               /* LLDP: not IP, fine */
	assert_int_equal(netpkt_parse(f, len, &pi), 0);
	assert_int_equal(pi.ip_ver, 0);
	assert_int_equal(netpkt_fix_checksums(f, len, NETPKT_FIX_IP4), -EINVAL);
}

static void test_netpkt_parse__ipv6_extension_headers__skipped_to_tcp(void **state)
{
	static const uint8_t z[16];
	uint8_t f[256];
	size_t len = tf_ip6_tcp(f, z, z, 1, 2, NULL, 0);
	/* Insert an 8-byte hop-by-hop header before TCP. */
	memmove(f + 54 + 8, f + 54, len - 54);
	memset(f + 54, 0, 8);
	f[54] = 6;                /* next header TCP, length 0 (8 bytes) */
	f[20] = 0;                /* IPv6 next header: hop-by-hop */
	tf_wr16(f + 18, 28);
	struct netpkt_info pi;
	assert_int_equal(netpkt_parse(f, len + 8, &pi), 0);
	assert_int_equal(pi.l3_len, 48);
	assert_int_equal(pi.l4_off, 62);
	assert_int_equal(pi.l4_proto, 6);
	/* An extension header running past the payload. */
	f[55] = 10;
	assert_int_equal(netpkt_parse(f, len + 8, &pi), -EINVAL);
}

struct segs {
	unsigned n;
	uint8_t seg[8][1600];
	size_t len[8];
};

static int collect(void *arg, const uint8_t *s, size_t len)
{
	struct segs *c = arg;
	assert_true(c->n < 8 && len <= 1600);
	memcpy(c->seg[c->n], s, len);
	c->len[c->n++] = len;
	return 0;
}

static uint32_t rd32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static void assert_checksums_valid(uint8_t *s, size_t len)
{
	uint8_t copy[1600];
	memcpy(copy, s, len);
	assert_int_equal(netpkt_fix_checksums(copy, len, NETPKT_FIX_IP4 | NETPKT_FIX_TCP), 0);
	assert_memory_equal(copy, s, len);
}

static void test_netpkt_segment__ipv4_3000_bytes_mss_1448__three_correct_segments(void **state)
{
	static uint8_t f[4096];
	static uint8_t pay[3000];
	for (size_t i = 0; i < sizeof pay; i++)
		pay[i] = (uint8_t)(i ^ (i >> 8));
	size_t len = tf_ip4(f, -1, A, B, 6, 5000, 80, pay, sizeof pay);
	f[34 + 13] = 0x98;        /* CWR|PSH|ACK */
	struct segs *c = calloc(1, sizeof *c);
	assert_int_equal(netpkt_segment_tcp(f, len, 1448, collect, c), 0);
	assert_int_equal(c->n, 3);
	static const size_t plen[3] = { 1448, 1448, 104 };
	static const uint8_t flags[3] = { 0x90, 0x10, 0x18 };
	for (unsigned i = 0; i < 3; i++) {
		uint8_t *s = c->seg[i];
		assert_int_equal(c->len[i], 54 + plen[i]);
		assert_int_equal(tf_rd16(s + 16), 40 + plen[i]);             /* IP total length */
		assert_int_equal(tf_rd16(s + 18), 0x1234 + i);                /* IP id */
		assert_int_equal(rd32(s + 38), 0x10203040u + 1448u * i);      /* sequence */
		assert_int_equal(s[47], flags[i]);
		assert_memory_equal(s + 54, pay + 1448 * i, plen[i]);
		assert_checksums_valid(s, c->len[i]);
	}
	free(c);
}

static void test_netpkt_segment__ipv6_fin__fin_on_last_only(void **state)
{
	static const uint8_t s6[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
	static const uint8_t d6[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 };
	static uint8_t f[4096];
	static uint8_t pay[2500];
	memset(pay, 0x5a, sizeof pay);
	size_t len = tf_ip6_tcp(f, s6, d6, 1, 2, pay, sizeof pay);
	struct segs *c = calloc(1, sizeof *c);
	assert_int_equal(netpkt_segment_tcp(f, len, 1440, collect, c), 0);
	assert_int_equal(c->n, 2);
	assert_int_equal(tf_rd16(c->seg[0] + 18), 20 + 1440);    /* payload length */
	assert_int_equal(tf_rd16(c->seg[1] + 18), 20 + 1060);
	assert_int_equal(c->seg[0][54 + 13], 0x10);
	assert_int_equal(c->seg[1][54 + 13], 0x19);
	assert_int_equal(rd32(c->seg[1] + 54 + 4), 1 + 1440);
	assert_checksums_valid(c->seg[0], c->len[0]);
	assert_checksums_valid(c->seg[1], c->len[1]);
	free(c);
}

static void test_netpkt_segment__bad_inputs__einval_without_emitting(void **state)
{
	uint8_t f[256];
	struct segs *c = calloc(1, sizeof *c);
	size_t len = tf_ip4(f, -1, A, B, 6, 1, 2, (const uint8_t *)"abc", 3);
	assert_int_equal(netpkt_segment_tcp(f, len, 0, collect, c), -EINVAL);     /* MSS 0 */
	len = tf_ip4(f, -1, A, B, 17, 1, 2, (const uint8_t *)"abc", 3);
	assert_int_equal(netpkt_segment_tcp(f, len, 100, collect, c), -EINVAL);   /* UDP */
	len = tf_ip4(f, -1, A, B, 6, 1, 2, (const uint8_t *)"abc", 3);
	tf_wr16(f + 20, 0x2000);                                                   /* fragment */
	assert_int_equal(netpkt_segment_tcp(f, len, 100, collect, c), -EINVAL);
	assert_int_equal(c->n, 0);
	/* A payload under the MSS is one segment. */
	tf_wr16(f + 20, 0);
	assert_int_equal(netpkt_segment_tcp(f, len, 100, collect, c), 0);
	assert_int_equal(c->n, 1);
	assert_int_equal(c->len[0], len);
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_netpkt_csum__rfc1071_and_ipv4_header__golden),
		cmocka_unit_test(test_netpkt_fix__tcp_and_udp_ipv4__golden_checksums),
		cmocka_unit_test(test_netpkt_csum_complete__pseudo_header_seed__equals_full_checksum),
		cmocka_unit_test(test_netpkt_csum_complete__offsets_out_of_range__einval),
		cmocka_unit_test(test_netpkt_parse__malformed_headers__einval),
		cmocka_unit_test(test_netpkt_parse__ipv6_extension_headers__skipped_to_tcp),
		cmocka_unit_test(test_netpkt_segment__ipv4_3000_bytes_mss_1448__three_correct_segments),
		cmocka_unit_test(test_netpkt_segment__ipv6_fin__fin_on_last_only),
		cmocka_unit_test(test_netpkt_segment__bad_inputs__einval_without_emitting),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
