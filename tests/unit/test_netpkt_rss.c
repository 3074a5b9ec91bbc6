/* test_netpkt_rss.c -- Toeplitz and the frame RSS hash against Microsoft's
 * "Verifying the RSS Hash Calculation" table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sim/devices/net/netpkt.h"
#include "tests/unit/test_netpkt_frames.h"

static const uint8_t ms_key[40] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
	0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
	0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

struct v4row { uint32_t dst; uint16_t dport; uint32_t src; uint16_t sport; uint32_t ip, tcp; };
static const struct v4row v4rows[] = {
	{ TF_IP(161, 142, 100, 80), 1766,  TF_IP(66, 9, 149, 187),   2794,  0x323e8fc2, 0x51ccc178 },
	{ TF_IP(65, 69, 140, 83),   4739,  TF_IP(199, 92, 111, 2),   14230, 0xd718262a, 0xc626b0ea },
	{ TF_IP(12, 22, 207, 184),  38024, TF_IP(24, 19, 198, 95),   12898, 0xd2d0a5de, 0x5c2b394a },
	{ TF_IP(209, 142, 163, 6),  2217,  TF_IP(38, 27, 205, 30),   48228, 0x82989176, 0xafc7327f },
	{ TF_IP(202, 188, 127, 2),  1303,  TF_IP(153, 39, 163, 191), 44251, 0x5d1809c5, 0x10e828a2 },
};

struct v6row { uint8_t dst[16]; uint16_t dport; uint8_t src[16]; uint16_t sport; uint32_t ip, tcp; };
static const struct v6row v6rows[] = {
	{ { 0x3f, 0xfe, 0x25, 0x01, 0x02, 0x00, 0x00, 0x03, 0, 0, 0, 0, 0, 0, 0, 1 }, 1766,
	  { 0x3f, 0xfe, 0x25, 0x01, 0x02, 0x00, 0x1f, 0xff, 0, 0, 0, 0, 0, 0, 0, 7 }, 2794,
	  0x2cc18cd5, 0x40207d3d },
	{ { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }, 4739,
	  { 0x3f, 0xfe, 0x05, 0x01, 0x00, 0x08, 0, 0, 0x02, 0x60, 0x97, 0xff, 0xfe, 0x40, 0xef, 0xab }, 14230,
	  0x0f0c461c, 0xdde51bbf },
	{ { 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0x02, 0x00, 0xf8, 0xff, 0xfe, 0x21, 0x67, 0xcf }, 38024,
	  { 0x3f, 0xfe, 0x19, 0x00, 0x45, 0x45, 0x00, 0x03, 0x02, 0x00, 0xf8, 0xff, 0xfe, 0x21, 0x67, 0xcf }, 44251,
	  0x4b61e985, 0x02d1feef },
};

static void test_netpkt_rss__toeplitz_ipv4_tuples__match_published_values(void **state)
{
	for (size_t i = 0; i < sizeof v4rows / sizeof v4rows[0]; i++) {
		const struct v4row *r = &v4rows[i];
		uint8_t in[12];
		for (int b = 0; b < 4; b++) {
			in[b] = (uint8_t)(r->src >> (24 - 8 * b));
			in[4 + b] = (uint8_t)(r->dst >> (24 - 8 * b));
		}
		tf_wr16(in + 8, r->sport);
		tf_wr16(in + 10, r->dport);
		assert_int_equal(netpkt_toeplitz(ms_key, sizeof ms_key, in, 8), r->ip);
		assert_int_equal(netpkt_toeplitz(ms_key, sizeof ms_key, in, 12), r->tcp);
	}
}

static void test_netpkt_rss__ipv4_frames__hash_and_type_per_enabled_types(void **state)
{
	uint8_t f[128];
	uint32_t h;
	for (size_t i = 0; i < sizeof v4rows / sizeof v4rows[0]; i++) {
		const struct v4row *r = &v4rows[i];
		size_t len = tf_ip4(f, -1, r->src, r->dst, 6, r->sport, r->dport, NULL, 0);
		uint32_t all = NETPKT_HASH_IPV4 | NETPKT_HASH_TCP_IPV4;
		assert_int_equal(netpkt_rss_hash(ms_key, 40, all, f, len, &h), NETPKT_HASH_TCP_IPV4);
		assert_int_equal(h, r->tcp);
		assert_int_equal(netpkt_rss_hash(ms_key, 40, NETPKT_HASH_IPV4, f, len, &h), NETPKT_HASH_IPV4);
		assert_int_equal(h, r->ip);
		/* UDP: the TCP type never applies; with a VLAN tag the same values. */
		len = tf_ip4(f, 5, r->src, r->dst, 17, r->sport, r->dport, NULL, 0);
		assert_int_equal(netpkt_rss_hash(ms_key, 40, all, f, len, &h), NETPKT_HASH_IPV4);
		assert_int_equal(h, r->ip);
	}
}

static void test_netpkt_rss__ipv6_frames__match_published_values(void **state)
{
	uint8_t f[128];
	uint32_t h;
	for (size_t i = 0; i < sizeof v6rows / sizeof v6rows[0]; i++) {
		const struct v6row *r = &v6rows[i];
		size_t len = tf_ip6_tcp(f, r->src, r->dst, r->sport, r->dport, NULL, 0);
		uint32_t all = NETPKT_HASH_IPV6 | NETPKT_HASH_TCP_IPV6;
		assert_int_equal(netpkt_rss_hash(ms_key, 40, all, f, len, &h), NETPKT_HASH_TCP_IPV6);
		assert_int_equal(h, r->tcp);
		assert_int_equal(netpkt_rss_hash(ms_key, 40, NETPKT_HASH_IPV6, f, len, &h), NETPKT_HASH_IPV6);
		assert_int_equal(h, r->ip);
	}
}

static void test_netpkt_rss__no_type_enabled_or_not_ip__returns_zero(void **state)
{
	uint8_t f[128];
	uint32_t h = 1;
	size_t len = tf_ip4(f, -1, TF_IP(10, 0, 0, 1), TF_IP(10, 0, 0, 2), 6, 1, 2, NULL, 0);
	assert_int_equal(netpkt_rss_hash(ms_key, 40, NETPKT_HASH_IPV6, f, len, &h), 0);
	assert_int_equal(h, 0);
	tf_wr16(f + 12, 0x0806);   /* ARP */
	assert_int_equal(netpkt_rss_hash(ms_key, 40, ~0u, f, len, &h), 0);
	/* A truncated IPv4 header does not hash. */
	tf_wr16(f + 12, 0x0800);
	assert_int_equal(netpkt_rss_hash(ms_key, 40, ~0u, f, 20, &h), 0);
	/* A key too short for the input hashes nothing. */
	uint8_t in[12] = { 0 };
	assert_int_equal(netpkt_toeplitz(ms_key, 15, in, 12), 0);
}

static void test_netpkt_rss__ipv4_fragment__hashed_on_addresses_only(void **state)
{
	uint8_t f[128];
	uint32_t h;
	const struct v4row *r = &v4rows[0];
	size_t len = tf_ip4(f, -1, r->src, r->dst, 6, r->sport, r->dport, NULL, 0);
	tf_wr16(f + 14 + 6, 0x2000);   /* MF */
	assert_int_equal(netpkt_rss_hash(ms_key, 40, NETPKT_HASH_IPV4 | NETPKT_HASH_TCP_IPV4, f, len, &h),
			 NETPKT_HASH_IPV4);
	assert_int_equal(h, r->ip);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_netpkt_rss__toeplitz_ipv4_tuples__match_published_values),
		cmocka_unit_test(test_netpkt_rss__ipv4_frames__hash_and_type_per_enabled_types),
		cmocka_unit_test(test_netpkt_rss__ipv6_frames__match_published_values),
		cmocka_unit_test(test_netpkt_rss__no_type_enabled_or_not_ip__returns_zero),
		cmocka_unit_test(test_netpkt_rss__ipv4_fragment__hashed_on_addresses_only),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
