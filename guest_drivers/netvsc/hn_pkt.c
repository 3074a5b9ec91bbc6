/* hn_pkt.c -- the hn driver's own frame helpers: find the IP and L4
 * headers, Internet checksums (software completion when the host does not
 * offload), and the Toeplitz hash for TX queue selection.  The host keeps
 * its own copies (sim/devices/net): both sides are tested against vectors. */
#include <string.h>

#include "guest_drivers/netvsc/hn_var.h"

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

int hn_frame_parse(const uint8_t *f, uint32_t len, struct hn_frame *out)
{
	memset(out, 0, sizeof *out);
	if (len < HN_ETH_HLEN)
		return -EINVAL;
	uint32_t off = 12;
	uint16_t et = be16(f + off);
	off += 2;
	if (et == 0x8100) { /* one 802.1Q tag */
		if (len < off + 4)
			return -EINVAL;
		et = be16(f + off + 2);
		off += 4;
	}
	out->ethertype = et;
	out->l3_off = (uint16_t)off;
	if (et == 0x0800) {
		if (len - off < 20)
			return 0;
		uint8_t vihl = f[off];
		uint32_t ihl = (vihl & 0xFu) * 4u;
		if ((vihl >> 4) != 4 || ihl < 20 || len - off < ihl)
			return 0;
		uint32_t tot = be16(f + off + 2);
		/* LSO frames carry tot_len 0: the payload runs to the frame end. */
		if (tot == 0 || tot > len - off)
			tot = len - off;
		if (tot < ihl)
			return 0;
		out->ipver = 4;
		out->l4proto = f[off + 9];
		/* Fragments carry no L4 header we could use. */
		if (be16(f + off + 6) & 0x3FFF)
			out->l4proto = 0;
		out->l4_off = (uint16_t)(off + ihl);
		out->l4_len = (uint16_t)(tot - ihl);
	} else if (et == 0x86DD) {
		if (len - off < 40)
			return 0;
		if ((f[off] >> 4) != 6)
			return 0;
		uint32_t pl = be16(f + off + 4);
		if (pl == 0 || pl > len - off - 40)
			pl = len - off - 40;
		out->ipver = 6;
		out->l4proto = f[off + 6]; /* extension headers: not an L4 we know */
		out->l4_off = (uint16_t)(off + 40);
		out->l4_len = (uint16_t)pl;
	}
	return 0;
}

uint32_t hn_csum_add(uint32_t sum, const uint8_t *p, uint32_t len)
{
	uint64_t s = sum;
	uint32_t i = 0;
	for (; i + 1 < len; i += 2)
		s += (uint32_t)((p[i] << 8) | p[i + 1]);
	if (i < len)
		s += (uint32_t)p[i] << 8;
	while (s >> 32)
		s = (s & 0xFFFFFFFFu) + (s >> 32);
	return (uint32_t)s;
}

uint16_t hn_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xFFFFu) + (sum >> 16);
	return (uint16_t)sum;
}

uint32_t hn_pseudo_sum(const uint8_t *f, const struct hn_frame *fr, uint32_t l4len)
{
	uint32_t s = 0;
	if (fr->ipver == 4)
		s = hn_csum_add(0, f + fr->l3_off + 12, 8);
	else if (fr->ipver == 6)
		s = hn_csum_add(0, f + fr->l3_off + 8, 32);
	s += fr->l4proto;
	s += l4len & 0xFFFFu;
	s += l4len >> 16;
	return s;
}

uint32_t hn_toeplitz(const uint8_t *key, const uint8_t *in, uint32_t len)
{
	/* The leftmost 32 key bits slide one bit per input bit (B.8). */
	uint32_t hash = 0;
	uint32_t win = ((uint32_t)key[0] << 24) | ((uint32_t)key[1] << 16) |
		       ((uint32_t)key[2] << 8) | key[3];
	for (uint32_t i = 0; i < len; i++) {
		uint8_t next = (i + 4 < NDIS_RSS_KEY_SIZE) ? key[i + 4] : 0;
		for (int b = 7; b >= 0; b--) {
			if (in[i] & (1u << b))
				hash ^= win;
			win = (win << 1) | ((next >> b) & 1u);
		}
	}
	return hash;
}

uint32_t hn_frame_hash(const uint8_t *key, const uint8_t *f, uint32_t len, uint32_t *hash)
{
	struct hn_frame fr;
	uint8_t in[36];
	*hash = 0;
	if (hn_frame_parse(f, len, &fr) || !fr.ipver)
		return 0;
	uint32_t alen = fr.ipver == 4 ? 8u : 32u;
	memcpy(in, f + fr.l3_off + (fr.ipver == 4 ? 12u : 8u), alen);
	uint32_t type = fr.ipver == 4 ? NDIS_HASH_IPV4 : NDIS_HASH_IPV6;
	uint32_t n = alen;
	if (fr.l4proto == 6 && fr.l4_len >= 4 && len - fr.l4_off >= 4) {
		memcpy(in + alen, f + fr.l4_off, 4);
		n += 4;
		type = fr.ipver == 4 ? NDIS_HASH_TCP_IPV4 : NDIS_HASH_TCP_IPV6;
	}
	*hash = hn_toeplitz(key, in, n);
	return type;
}
