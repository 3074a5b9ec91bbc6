/* netpkt.c -- frame parsing and Internet checksums (compute, complete a
 * partial one, fix every checksum of a frame). */
#include "sim/devices/net/netpkt_var.h"

#include <errno.h>
#include <string.h>

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

uint16_t netpkt_csum(const void *data, size_t len, uint32_t initial)
{
	const uint8_t *p = data;
	uint64_t sum = initial;
	while (len >= 2) {
		sum += (uint32_t)((p[0] << 8) | p[1]);
		p += 2;
		len -= 2;
	}
	if (len)
		sum += (uint32_t)p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

int netpkt_csum_complete(uint8_t *frame, size_t len, uint16_t csum_start, uint16_t csum_offset)
{
	if (!frame || csum_start >= len || csum_offset > len - csum_start ||
	    len - csum_start - csum_offset < 2)
		return -EINVAL;
	/* The field holds the pseudo-header sum: it is part of the data summed. */
	uint16_t s = netpkt_csum(frame + csum_start, len - csum_start, 0);
	wr16(frame + csum_start + csum_offset, (uint16_t)~s);
	return 0;
}

/* IPv6 extension headers we step over to find L4 (bounded count). */
static bool ip6_ext(uint8_t nh)
{
	return nh == 0 || nh == 43 || nh == 44 || nh == 60 || nh == 51;
}

int netpkt_parse(const uint8_t *frame, size_t len, struct netpkt_info *out)
{
	memset(out, 0, sizeof *out);
	if (!frame || len < 14 || len > 0xffffffu)
		return -EINVAL;
	uint16_t et = rd16(frame + 12);
	size_t off = 14;
	if (et == 0x8100 || et == 0x88a8) {
		if (len < 18)
			return -EINVAL;
		out->vlan = true;
		out->vlan_tci = rd16(frame + 14);
		et = rd16(frame + 16);
		off = 18;
	}
	out->ethertype = et;
	out->l3_off = (uint16_t)off;
	out->ip_end = (uint32_t)len;
	const uint8_t *ip = frame + off;
	size_t room = len - off;
	uint8_t proto;
	size_t l4;
	if (et == 0x0800) {
		if (room < 20 || (ip[0] >> 4) != 4)
			return -EINVAL;
		size_t ihl = (size_t)(ip[0] & 0xf) * 4;
		size_t tot = rd16(ip + 2);
		if (ihl < 20 || tot < ihl || tot > room)
			return -EINVAL;
		out->ip_ver = 4;
		out->l3_len = (uint16_t)ihl;
		out->ip_end = (uint32_t)(off + tot);
		out->frag = (rd16(ip + 6) & 0x3fff) != 0;
		proto = ip[9];
		l4 = off + ihl;
		if (out->frag && (rd16(ip + 6) & 0x1fff)) {
			out->l4_proto = proto;   /* a non-first fragment: no L4 header */
			return 0;
		}
	} else if (et == 0x86dd) {
		if (room < 40 || (ip[0] >> 4) != 6)
			return -EINVAL;
		size_t pl = rd16(ip + 4);
		if (pl > room - 40)
			return -EINVAL;
		out->ip_ver = 6;
		out->ip_end = (uint32_t)(off + 40 + pl);
		proto = ip[6];
		l4 = off + 40;
		for (int i = 0; i < 8 && ip6_ext(proto); i++) {
			if (out->ip_end - l4 < 8)
				return -EINVAL;
			const uint8_t *x = frame + l4;
			size_t xl;
			if (proto == 44) {
				out->frag = true;
				xl = 8;
				if (rd16(x + 2) & 0xfff8) {   /* not the first fragment */
					out->l4_proto = x[0];
					out->l3_len = (uint16_t)(l4 + 8 - off);
					return 0;
				}
			} else if (proto == 51) {
				xl = ((size_t)x[1] + 2) * 4;
			} else {
				xl = ((size_t)x[1] + 1) * 8;
			}
			if (xl > out->ip_end - l4)
				return -EINVAL;
			proto = x[0];
			l4 += xl;
		}
		if (ip6_ext(proto))
			return -EINVAL;    /* too many extension headers */
		out->l3_len = (uint16_t)(l4 - off);
	} else {
		return 0;                  /* not IP */
	}
	out->l4_proto = proto;
	size_t l4room = out->ip_end - l4;
	size_t need;
	switch (proto) {
	case 6:
		if (l4room < 20)
			return -EINVAL;
		need = (size_t)(frame[l4 + 12] >> 4) * 4;
		if (need < 20 || need > l4room)
			return -EINVAL;
		break;
	case 17:
	case 1:
	case 58:
		need = 8;
		if (l4room < 8)
			return -EINVAL;
		break;
	default:
		return 0;                  /* other L4: offsets not known */
	}
	out->l4_off = (uint16_t)l4;
	out->l4_hdr_len = (uint16_t)need;
	return 0;
}

/* Sum of the pseudo header for L4 length l4len (not folded). */
static uint32_t pseudo_sum(const uint8_t *frame, const struct netpkt_info *pi, size_t l4len)
{
	const uint8_t *ip = frame + pi->l3_off;
	uint32_t s = 0;
	if (pi->ip_ver == 4) {
		for (int i = 12; i < 20; i += 2)
			s += rd16(ip + i);
	} else {
		for (int i = 8; i < 40; i += 2)
			s += rd16(ip + i);
		s += (uint32_t)(l4len >> 16);
	}
	s += pi->l4_proto;
	s += (uint32_t)(l4len & 0xffff);
	return s;
}

/* Compute the L4 checksum in place for a parsed TCP/UDP/ICMP segment. */
static void l4_fix(uint8_t *frame, const struct netpkt_info *pi)
{
	size_t l4len = pi->ip_end - pi->l4_off;
	uint8_t *l4 = frame + pi->l4_off;
	size_t at = pi->l4_proto == 6 ? 16 : pi->l4_proto == 17 ? 6 : 2;
	wr16(l4 + at, 0);
	uint32_t init = pi->l4_proto == 1 ? 0 : pseudo_sum(frame, pi, l4len);
	uint16_t c = (uint16_t)~netpkt_csum(l4, l4len, init);
	if (pi->l4_proto == 17 && c == 0)
		c = 0xffff;        /* UDP: 0 means "no checksum" */
	wr16(l4 + at, c);
}

static void ip4_fix(uint8_t *frame, const struct netpkt_info *pi)
{
	uint8_t *ip = frame + pi->l3_off;
	wr16(ip + 10, 0);
	wr16(ip + 10, (uint16_t)~netpkt_csum(ip, pi->l3_len, 0));
}

void netpkt_fix_parsed(uint8_t *frame, const struct netpkt_info *pi, unsigned flags)
{
	if (pi->ip_ver == 4 && (flags & NETPKT_FIX_IP4))
		ip4_fix(frame, pi);
	if (!pi->l4_off || pi->frag)
		return;   /* a fragment's L4 checksum covers data we do not have */
	if ((pi->l4_proto == 6 && (flags & NETPKT_FIX_TCP)) ||
	    (pi->l4_proto == 17 && (flags & NETPKT_FIX_UDP)))
		l4_fix(frame, pi);
}

int netpkt_fix_checksums(uint8_t *frame, size_t len, unsigned flags)
{
	struct netpkt_info pi;
	int rc = netpkt_parse(frame, len, &pi);
	if (rc)
		return rc;
	if (!pi.ip_ver)
		return -EINVAL;
	netpkt_fix_parsed(frame, &pi, flags);
	return 0;
}
