/* netpkt.h -- Ethernet/IP packet helpers for the host NIC: parsing,
 * checksums, LSO segmentation, Toeplitz RSS hashing.  Pure functions over
 * caller buffers; every offset is checked against the frame length. */
#ifndef SIM_DEVICES_NET_NETPKT_H
#define SIM_DEVICES_NET_NETPKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Internet checksum (RFC 1071) of data, folded, NOT inverted, added to
 * 'initial' (a running 32-bit sum).  Store ~result in a header. */
uint16_t netpkt_csum(const void *data, size_t len, uint32_t initial);

/* Complete a partial checksum (virtio NEEDS_CSUM): the 16-bit field at
 * csum_start+csum_offset holds the pseudo-header sum; sum [csum_start, len)
 * and store the inverted result there.  0 or -EINVAL (out of range). */
int netpkt_csum_complete(uint8_t *frame, size_t len, uint16_t csum_start, uint16_t csum_offset);

/* Fill in IPv4 header / TCP / UDP checksums of a frame (IPv4 or IPv6, with
 * or without 802.1Q), computed from scratch.  Flags not applicable to the
 * frame are ignored.  0, or -EINVAL when the frame does not parse. */
#define NETPKT_FIX_IP4  0x1u
#define NETPKT_FIX_TCP  0x2u
#define NETPKT_FIX_UDP  0x4u
int netpkt_fix_checksums(uint8_t *frame, size_t len, unsigned flags);

/* Segment a large TCP send (IPv4/IPv6, optional 802.1Q) into frames of at
 * most mss payload bytes; calls emit per segment with correct IP
 * ids/lengths, sequence numbers, flags (FIN/PSH last only, CWR first only)
 * and checksums.  The input's checksum fields are ignored.  A payload of
 * at most mss gives one segment.  0, -EINVAL (not TCP, mss 0, bad
 * lengths), -ENOMEM, or emit's negative return (stops). */
int netpkt_segment_tcp(const uint8_t *frame, size_t len, uint16_t mss,
                       int (*emit)(void *arg, const uint8_t *seg, size_t seglen), void *arg);

/* The Toeplitz hash of input under key (keylen >= inlen + 4). */
uint32_t netpkt_toeplitz(const uint8_t *key, size_t keylen, const uint8_t *input, size_t inlen);

/* NDIS hash types (the values of NDIS_HASH_* in the RSS parameters). */
#define NETPKT_HASH_IPV4        0x00000100u
#define NETPKT_HASH_TCP_IPV4    0x00000200u
#define NETPKT_HASH_IPV6        0x00000400u
#define NETPKT_HASH_IPV6_EX     0x00000800u
#define NETPKT_HASH_TCP_IPV6    0x00001000u
#define NETPKT_HASH_TCP_IPV6_EX 0x00002000u

/* Parse a frame and compute the RSS hash for the enabled hash types
 * (NETPKT_HASH_IPV4, TCP_IPV4, IPV6, TCP_IPV6); returns the hash type used
 * (0 = none: not IP, or no enabled type applies) and *hash (0 if none).
 * The TCP types apply to unfragmented TCP only. */
uint32_t netpkt_rss_hash(const uint8_t *key, size_t keylen, uint32_t hash_types,
                         const uint8_t *frame, size_t len, uint32_t *hash);

/* Parsed L2/L3/L4 offsets.  Lengths are bounded by the frame (and by the
 * IP length field: trailing Ethernet padding is excluded from l4 data). */
struct netpkt_info {
	uint16_t ethertype;     /* after any 802.1Q tag (host order) */
	bool     vlan; uint16_t vlan_tci;
	uint16_t l3_off;        /* 14 or 18 */
	uint8_t  ip_ver;        /* 0 (not IP), 4, 6 */
	uint16_t l3_len;        /* IPv4 IHL*4, or 40 + IPv6 extension headers skipped */
	uint8_t  l4_proto;      /* IPPROTO_* (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6), 0 when none */
	bool     frag;          /* IPv4 MF/offset, or an IPv6 fragment header */
	uint16_t l4_off;        /* 0 when no L4 */
	uint16_t l4_hdr_len;    /* TCP data offset*4, UDP 8, ICMP 8 (0 when absent) */
	uint32_t ip_end;        /* end of the IP packet per its length field (<= frame len) */
};
/* 0, or -EINVAL (shorter than Ethernet; malformed IP header).  A non-IP
 * frame parses with ip_ver 0. */
int netpkt_parse(const uint8_t *frame, size_t len, struct netpkt_info *out);

#endif
