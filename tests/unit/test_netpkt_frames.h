/* test_netpkt_frames.h -- frame builders shared by the netpkt/netbe tests
 * (static, header-only: each test program includes it once). */
#ifndef TESTS_UNIT_TEST_NETPKT_FRAMES_H
#define TESTS_UNIT_TEST_NETPKT_FRAMES_H

#include <stdint.h>
#include <string.h>

static const uint8_t tf_mac_a[6] = { 0x00, 0x15, 0x5d, 0x00, 0x00, 0x01 };
static const uint8_t tf_mac_b[6] = { 0x00, 0x15, 0x5d, 0x00, 0x00, 0x02 };

static inline void tf_wr16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline uint16_t tf_rd16(const uint8_t *p) { return (uint16_t)((p[0] << 8) | p[1]); }

/* Ethernet header (+ optional 802.1Q tag); returns its length. */
static inline size_t tf_eth(uint8_t *f, const uint8_t dst[6], const uint8_t src[6], uint16_t et, int vlan_tci)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	if (vlan_tci >= 0) {
		tf_wr16(f + 12, 0x8100);
		tf_wr16(f + 14, (uint16_t)vlan_tci);
		tf_wr16(f + 16, et);
		return 18;
	}
	tf_wr16(f + 12, et);
	return 14;
}

/* IPv4 + L4 header + payload, checksums left 0; returns the frame length. */
static inline size_t tf_ip4(uint8_t *f, int vlan, uint32_t src, uint32_t dst, uint8_t proto,
                            uint16_t sport, uint16_t dport, const uint8_t *pay, size_t plen)
{
	size_t l3 = tf_eth(f, tf_mac_b, tf_mac_a, 0x0800, vlan);
	uint8_t *ip = f + l3;
	size_t l4h = proto == 6 ? 20 : 8;
	memset(ip, 0, 20 + l4h);
	ip[0] = 0x45;
	tf_wr16(ip + 2, (uint16_t)(20 + l4h + plen));
	tf_wr16(ip + 4, 0x1234);
	tf_wr16(ip + 6, 0x4000);          /* DF */
	ip[8] = 64;
	ip[9] = proto;
	for (int i = 0; i < 4; i++) {
		ip[12 + i] = (uint8_t)(src >> (24 - 8 * i));
		ip[16 + i] = (uint8_t)(dst >> (24 - 8 * i));
	}
	uint8_t *l4 = ip + 20;
	if (proto == 1) {
		l4[0] = 8;                    /* echo request */
		tf_wr16(l4 + 4, sport);       /* id */
		tf_wr16(l4 + 6, dport);       /* seq */
	} else {
		tf_wr16(l4, sport);
		tf_wr16(l4 + 2, dport);
	}
	if (proto == 6) {
		l4[4] = 0x10; l4[5] = 0x20; l4[6] = 0x30; l4[7] = 0x40;   /* seq */
		l4[12] = 0x50;                /* data offset 5 */
		l4[13] = 0x18;                /* PSH|ACK */
		tf_wr16(l4 + 14, 0xffff);
	} else if (proto == 17) {
		tf_wr16(l4 + 4, (uint16_t)(8 + plen));
	}
	if (plen)
		memcpy(l4 + l4h, pay, plen);
	return l3 + 20 + l4h + plen;
}

/* IPv6 + TCP (20-byte header) + payload, checksum 0. */
static inline size_t tf_ip6_tcp(uint8_t *f, const uint8_t src[16], const uint8_t dst[16],
                                uint16_t sport, uint16_t dport, const uint8_t *pay, size_t plen)
{
	size_t l3 = tf_eth(f, tf_mac_b, tf_mac_a, 0x86dd, -1);
	uint8_t *ip = f + l3;
	memset(ip, 0, 60);
	ip[0] = 0x60;
	tf_wr16(ip + 4, (uint16_t)(20 + plen));
	ip[6] = 6;
	ip[7] = 64;
	memcpy(ip + 8, src, 16);
	memcpy(ip + 24, dst, 16);
	uint8_t *l4 = ip + 40;
	tf_wr16(l4, sport);
	tf_wr16(l4 + 2, dport);
	l4[7] = 1;
	l4[12] = 0x50;
	l4[13] = 0x19;                        /* FIN|PSH|ACK */
	tf_wr16(l4 + 14, 0x1000);
	if (plen)
		memcpy(l4 + 20, pay, plen);
	return l3 + 40 + 20 + plen;
}

#define TF_IP(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (uint32_t)(d))

#endif
