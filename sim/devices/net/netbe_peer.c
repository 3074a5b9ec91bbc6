/* netbe_peer.c -- the built-in peer: one IPv4 host on the wire that answers
 * ARP requests, ICMP echo and UDP echo (port 7) for its address, so a
 * scenario can ping without root.  Everything else is dropped.  Replies are
 * queued (bounded) and delivered by netbe_poll.  Every IP frame that
 * arrives is checked as a capture tool would: a wrong checksum is counted
 * (tx_bad_csum), so a scenario can prove that offloaded checksums were
 * completed before the frame left the host. */
#include "sim/devices/net/netbe_var.h"
#include "sim/devices/net/netpkt.h"

#include <errno.h>
#include <string.h>

#define ETH_ARP   0x0806
#define ETH_IP4   0x0800
/* Echo replies are never larger than the request, and no Hyper-V NIC sends
 * a frame above its largest NDIS MTU (9216, L2 header included). */
#define PEER_REPLY_MAX 9216u

static uint16_t rd16(const uint8_t *p) { return (uint16_t)((p[0] << 8) | p[1]); }
static uint32_t rd32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}
static void wr16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

int netbe_peer_init(struct netbe *be, const struct netbe_config *cfg)
{
	static const uint8_t zero[6];
	/* A unicast, non-zero MAC and a usable address. */
	if (!memcmp(cfg->peer_mac, zero, 6) || (cfg->peer_mac[0] & 1) || !cfg->peer_ipv4 ||
	    cfg->peer_ipv4 == 0xffffffffu)
		return -EINVAL;
	memcpy(be->be_peer_mac, cfg->peer_mac, 6);
	be->be_peer_ip = cfg->peer_ipv4;
	return 0;
}

static void peer_reply(struct netbe *be, const uint8_t *f, size_t len)
{
	struct netbe_meta m = { .csum_valid = true };
	if (!netbe_rxq_push(be, f, len, &m))
		be->be_stats.rx_dropped++;
}

/* ARP request "who has peer_ip" -> reply.  l3 = offset of the ARP body. */
static void peer_arp(struct netbe *be, const uint8_t *f, size_t len, size_t l3)
{
	if (len - l3 < 28)
		return;
	const uint8_t *a = f + l3;
	if (rd16(a) != 1 || rd16(a + 2) != ETH_IP4 || a[4] != 6 || a[5] != 4 || rd16(a + 6) != 1)
		return;
	if (rd32(a + 24) != be->be_peer_ip)
		return;
	uint8_t r[60];
	memset(r, 0, sizeof r);        /* padded to the Ethernet minimum */
	memcpy(r, f, l3);              /* keeps any 802.1Q tag */
	memcpy(r, a + 8, 6);           /* to the sender's hardware address */
	memcpy(r + 6, be->be_peer_mac, 6);
	uint8_t *b = r + l3;
	wr16(b, 1); wr16(b + 2, ETH_IP4); b[4] = 6; b[5] = 4; wr16(b + 6, 2);
	memcpy(b + 8, be->be_peer_mac, 6);
	wr32(b + 14, be->be_peer_ip);
	memcpy(b + 18, a + 8, 10);     /* target = the requester's MAC and IP */
	peer_reply(be, r, l3 + 28 < 60 ? 60 : l3 + 28);
}

static void peer_ip4(struct netbe *be, const uint8_t *f, size_t len, const struct netpkt_info *pi)
{
	const uint8_t *ip = f + pi->l3_off;
	if (rd32(ip + 16) != be->be_peer_ip || pi->frag || !pi->l4_off)
		return;
	if (memcmp(f, be->be_peer_mac, 6))
		return;                    /* not addressed to us at L2 */
	/* Verify before answering, as a real stack would. */
	if (netpkt_csum(ip, pi->l3_len, 0) != 0xffff)
		return;
	size_t l4len = pi->ip_end - pi->l4_off;
	const uint8_t *l4 = f + pi->l4_off;
	bool icmp = pi->l4_proto == 1, udp = pi->l4_proto == 17;
	if (icmp) {
		if (l4[0] != 8 || l4[1] != 0 || netpkt_csum(l4, l4len, 0) != 0xffff)
			return;
	} else if (udp) {
		if (rd16(l4 + 2) != 7 || rd16(l4 + 4) != l4len)
			return;
	} else {
		return;
	}
	size_t rlen = pi->ip_end;
	if (rlen > PEER_REPLY_MAX + 4u)
		return;
	uint8_t r[PEER_REPLY_MAX + 4u];
	memcpy(r, f, rlen);
	if (rlen < 60)
		memset(r + rlen, 0, 60 - rlen);
	memcpy(r, f + 6, 6);
	memcpy(r + 6, be->be_peer_mac, 6);
	uint8_t *rip = r + pi->l3_off;
	memcpy(rip + 12, ip + 16, 4);
	memcpy(rip + 16, ip + 12, 4);
	rip[8] = 64;                   /* fresh TTL */
	uint8_t *rl4 = r + pi->l4_off;
	if (icmp) {
		rl4[0] = 0;                /* echo reply */
	} else {
		memcpy(rl4, l4 + 2, 2);    /* swap ports */
		memcpy(rl4 + 2, l4, 2);
	}
	netpkt_fix_checksums(r, rlen, NETPKT_FIX_IP4 | NETPKT_FIX_UDP);
	if (icmp) {
		wr16(rl4 + 2, 0);
		wr16(rl4 + 2, (uint16_t)~netpkt_csum(rl4, l4len, 0));
	}
	peer_reply(be, r, rlen < 60 ? 60 : rlen);
}

/* The L4 checksum of an unfragmented IPv4/IPv6 TCP, UDP, ICMP or ICMPv6
 * packet verifies (a UDP/IPv4 checksum of 0 means none).  Others: true. */
static bool peer_l4_ok(const uint8_t *f, const struct netpkt_info *pi)
{
	if (pi->frag || !pi->l4_off || pi->ip_end < pi->l4_off)
		return true;
	const uint8_t *ip = f + pi->l3_off, *l4 = f + pi->l4_off;
	size_t l4len = pi->ip_end - pi->l4_off;
	uint8_t p = pi->l4_proto;
	size_t field = p == 6 ? 16 : p == 17 ? 6 : (p == 1 || p == 58) ? 2 : 0;
	if (!field)
		return true;
	if (l4len < field + 2)
		return false;
	if (p == 17 && pi->ip_ver == 4 && rd16(l4 + 6) == 0)
		return true;
	uint32_t s = 0;
	if (p != 1) {                   /* ICMPv4 has no pseudo-header */
		uint8_t ph[4];
		wr16(ph, 0);
		wr16(ph + 2, p);
		s = netpkt_csum(pi->ip_ver == 4 ? ip + 12 : ip + 8, pi->ip_ver == 4 ? 8 : 32, 0);
		s = netpkt_csum(ph, 4, s);
		wr32(ph, (uint32_t)l4len);
		s = netpkt_csum(ph, 4, s);
	}
	return netpkt_csum(l4, l4len, s) == 0xffff;
}

static int peer_send(struct netbe *be, const uint8_t *f, size_t len, const struct netbe_meta *m)
{
	struct netpkt_info pi;
	if (netpkt_parse(f, len, &pi))
		return 0;                  /* malformed: the wire drops it */
	if ((pi.ip_ver == 4 && netpkt_csum(f + pi.l3_off, pi.l3_len, 0) != 0xffff) ||
	    (pi.ip_ver && !peer_l4_ok(f, &pi)))
		be->be_stats.tx_bad_csum++;
	if (pi.ethertype == ETH_ARP)
		peer_arp(be, f, len, pi.l3_off);
	else if (pi.ip_ver == 4)
		peer_ip4(be, f, len, &pi);
	return 0;
}

const struct netbe_ops netbe_peer_ops = { .send = peer_send };
