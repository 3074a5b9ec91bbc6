/* guest_net_ping.c -- a tiny IPv4 client on top of hn_send / hn_recv for
 * the runner: ARP, ICMP echo (ping, any size up to jumbo frames) and UDP
 * echo from many flows (vRSS spreading), all in guest context. */
#include "sim/guest/guest_net.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "guest_drivers/kern.h"
#include "guest_drivers/netvsc/hn.h"
#include "sim/guest/runtime.h"

#define ETH_HLEN   14u
#define IP_HLEN    20u
#define ICMP_HLEN  8u
#define UDP_HLEN   8u
#define ARP_FRAME  60u      /* ARP request padded to the Ethernet minimum */
#define DEFAULT_TIMEOUT_NS 1000000000ull
/* Large enough for any frame the host delivers (NDIS MTU 9216 + a tag). */
#define RX_BUF     (9216u + 4u + 64u)

static void be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void be32(uint8_t *p, uint32_t v)
{
	be16(p, (uint16_t)(v >> 16));
	be16(p + 2, (uint16_t)v);
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint16_t cksum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xFFFF) + (s >> 16);
	return (uint16_t)~s;
}

static bool never(void *arg)
{
	(void)arg;
	return false;
}

/* Poll the receive queue until match() accepts a frame (1; *queue = the
 * channel it came on), the deadline (0) or a lost host (-ENODEV). */
static int wait_frame(struct hn_if *hn, uint64_t deadline, uint8_t *buf, size_t cap,
		      bool (*match)(const uint8_t *f, int len, const void *arg), const void *arg,
		      unsigned *queue)
{
	for (;;) {
		int n;
		struct hn_rxmeta m;
		while ((n = hn_recv(hn, buf, (uint32_t)cap, &m)) >= 0)
			if ((size_t)n <= cap && match(buf, n, arg)) {
				if (queue)
					*queue = m.queue;
				return 1;
			}
		if (kern_uptime_ns() >= deadline)
			return 0;
		/* A lost host answers nothing: give up now, not after every
		 * remaining packet's timeout (a ping of 100 would hang 100 s). */
		if (kern_wait(NULL, never, NULL, 1000000) == -ENODEV) /* 1 ms */
			return -ENODEV;
	}
}

/* An IPv4 header for a packet of 'total' bytes, checksum filled in. */
static void ip4_header(uint8_t *ip, uint16_t total, uint16_t id, uint8_t proto, uint32_t src,
		       uint32_t dst)
{
	memset(ip, 0, IP_HLEN);
	ip[0] = 0x45;
	be16(ip + 2, total);
	be16(ip + 4, id);
	ip[8] = 64;
	ip[9] = proto;
	be32(ip + 12, src);
	be32(ip + 16, dst);
	be16(ip + 10, cksum(ip, IP_HLEN));
}

/* ---- ARP ------------------------------------------------------------------------------- */

static bool is_arp_reply(const uint8_t *f, int n, const void *arg)
{
	const uint32_t *dst = arg;
	return n >= 42 && rd16(f + 12) == 0x0806 && rd16(f + 20) == 2 && rd32(f + 28) == *dst;
}

/* 0 and mac; -EHOSTUNREACH; hn_send's error. */
static int arp(struct hn_if *hn, const uint8_t own[6], uint32_t src, uint32_t dst,
	       uint64_t timeout_ns, uint8_t mac[6], uint8_t *rx, size_t cap)
{
	uint8_t f[ARP_FRAME];
	memset(f, 0, sizeof f);
	memset(f, 0xFF, 6);
	memcpy(f + 6, own, 6);
	be16(f + 12, 0x0806);
	be16(f + 14, 1);
	be16(f + 16, 0x0800);
	f[18] = 6;
	f[19] = 4;
	be16(f + 20, 1);
	memcpy(f + 22, own, 6);
	be32(f + 28, src);
	be32(f + 38, dst);
	struct hn_txmeta m = { .queue = -1 };
	int rc = hn_send(hn, f, ARP_FRAME, &m, HN_TX_WAIT);
	if (rc)
		return rc;
	rc = wait_frame(hn, kern_uptime_ns() + timeout_ns, rx, cap, is_arp_reply, &dst, NULL);
	if (rc <= 0)
		return rc < 0 ? rc : -EHOSTUNREACH;
	memcpy(mac, rx + 22, 6);
	return 0;
}

/* The interface, up, with its MAC; else *status says why not. */
static struct hn_if *usable(unsigned unit, uint8_t mac[6], int *status)
{
	struct hn_if *hn = hn_find(unit);
	struct hn_info in;
	if (!hn) {
		*status = -ENODEV;
		return NULL;
	}
	if (hn_get_info(hn, &in)) {
		*status = -ENETDOWN;
		return NULL;
	}
	memcpy(mac, in.mac, 6);
	*status = 0;
	return hn;
}

struct arp_call {
	unsigned unit;
	uint32_t src, dst;
	uint64_t timeout_ns;
	uint8_t *mac;
	int status;
};

static int arp_in_guest(void *arg)
{
	struct arp_call *c = arg;
	uint8_t own[6];
	struct hn_if *hn = usable(c->unit, own, &c->status);
	if (!hn)
		return 0;
	uint8_t *rx = kern_malloc(RX_BUF);
	if (!rx)
		return -ENOMEM;
	c->status = arp(hn, own, c->src, c->dst, c->timeout_ns, c->mac, rx, RX_BUF);
	kern_free(rx);
	return 0;
}

int gk_guest_net_arp(struct gk_runtime *rt, unsigned unit, uint32_t src_ip, uint32_t dst_ip,
		     uint64_t timeout_ns, uint8_t mac[6], int *status)
{
	struct arp_call c = { unit, src_ip, dst_ip, timeout_ns ? timeout_ns : DEFAULT_TIMEOUT_NS,
			      mac, 0 };
	int rc = gk_runtime_call(rt, arp_in_guest, &c);
	*status = c.status;
	return rc;
}

/* ---- ICMP echo ------------------------------------------------------------------------------ */

struct echo_match {
	uint32_t from;
	uint16_t seq;
};

static bool is_echo_reply(const uint8_t *f, int n, const void *arg)
{
	const struct echo_match *e = arg;
	return n >= 42 && rd16(f + 12) == 0x0800 && f[23] == 1 && rd32(f + 26) == e->from &&
	       f[34] == 0 && rd16(f + 40) == e->seq;
}

struct ping_call {
	const struct gk_net_ping_req *req;
	struct gk_net_ping *out;
};

static int ping_in_guest(void *arg)
{
	struct ping_call *c = arg;
	const struct gk_net_ping_req *r = c->req;
	struct gk_net_ping *o = c->out;
	memset(o, 0, sizeof *o);
	if (r->size > GK_NET_PING_MAX)
		return -EINVAL;
	uint64_t tmo = r->timeout_ns ? r->timeout_ns : DEFAULT_TIMEOUT_NS;
	uint8_t own[6];
	struct hn_if *hn = usable(r->unit, own, &o->status);
	if (!hn)
		return 0;
	size_t flen = ETH_HLEN + IP_HLEN + ICMP_HLEN + r->size;
	uint8_t *f = kern_malloc(flen < ARP_FRAME ? ARP_FRAME : flen);
	uint8_t *rx = kern_malloc(RX_BUF);
	int rc = 0;
	if (!f || !rx) {
		rc = -ENOMEM;
		goto out_free;
	}
	o->status = arp(hn, own, r->src_ip, r->dst_ip, tmo, o->dst_mac, rx, RX_BUF);
	if (o->status)
		goto out_free;
	struct hn_txmeta m = { .queue = -1 };
	for (unsigned i = 0; i < r->count; i++) {
		uint16_t seq = (uint16_t)(i + 1);
		memset(f, 0, flen < ARP_FRAME ? ARP_FRAME : flen);
		memcpy(f, o->dst_mac, 6);
		memcpy(f + 6, own, 6);
		be16(f + 12, 0x0800);
		ip4_header(f + ETH_HLEN, (uint16_t)(flen - ETH_HLEN), seq, 1, r->src_ip, r->dst_ip);
		uint8_t *icmp = f + ETH_HLEN + IP_HLEN;
		icmp[0] = 8;
		be16(icmp + 4, 0x4876);
		be16(icmp + 6, seq);
		for (uint32_t b = 0; b < r->size; b++)
			icmp[ICMP_HLEN + b] = (uint8_t)b;
		be16(icmp + 2, cksum(icmp, ICMP_HLEN + r->size));
		/* Short frames are padded to the Ethernet minimum, as a NIC does. */
		int err = hn_send(hn, f, (uint32_t)(flen < ARP_FRAME ? ARP_FRAME : flen), &m,
				  HN_TX_WAIT);
		if (err) {
			if (!o->send_error)
				o->send_error = err;
			continue;
		}
		o->sent++;
		struct echo_match e = { r->dst_ip, seq };
		int w = wait_frame(hn, kern_uptime_ns() + tmo, rx, RX_BUF, is_echo_reply, &e, NULL);
		if (w < 0) {
			o->status = w;
			break;
		}
		o->received += w > 0;
	}
out_free:
	kern_free(rx);
	kern_free(f);
	return rc;
}

int gk_guest_net_ping_ex(struct gk_runtime *rt, const struct gk_net_ping_req *req,
			 struct gk_net_ping *out)
{
	struct ping_call c = { req, out };
	return gk_runtime_call(rt, ping_in_guest, &c);
}

int gk_guest_net_ping(struct gk_runtime *rt, unsigned unit, uint32_t src_ip, uint32_t dst_ip,
		      unsigned count, uint64_t timeout_ns, struct gk_net_ping *out)
{
	struct gk_net_ping_req r = { .unit = unit, .src_ip = src_ip, .dst_ip = dst_ip,
				     .count = count, .size = 56, .timeout_ns = timeout_ns };
	return gk_guest_net_ping_ex(rt, &r, out);
}

/* ---- UDP echo from many flows ------------------------------------------------------------- */

struct udp_match {
	uint32_t from, to;
	uint16_t to_port;
};

static bool is_udp_echo(const uint8_t *f, int n, const void *arg)
{
	const struct udp_match *u = arg;
	return n >= 42 && rd16(f + 12) == 0x0800 && f[14] == 0x45 && f[23] == 17 &&
	       rd32(f + 26) == u->from && rd32(f + 30) == u->to && rd16(f + 34) == 7 &&
	       rd16(f + 36) == u->to_port;
}

struct udp_call {
	const struct gk_net_udp_req *req;
	struct gk_net_udp *out;
};

static int udp_in_guest(void *arg)
{
	struct udp_call *c = arg;
	const struct gk_net_udp_req *r = c->req;
	struct gk_net_udp *o = c->out;
	memset(o, 0, sizeof *o);
	if (r->flows > GK_NET_UDP_MAX_FLOWS || r->size > GK_NET_UDP_MAX_SIZE)
		return -EINVAL;
	uint64_t tmo = r->timeout_ns ? r->timeout_ns : DEFAULT_TIMEOUT_NS;
	uint8_t own[6], peer[6];
	struct hn_if *hn = usable(r->unit, own, &o->status);
	if (!hn)
		return 0;
	size_t flen = ETH_HLEN + IP_HLEN + UDP_HLEN + r->size;
	size_t fcap = flen < ARP_FRAME ? ARP_FRAME : flen;
	uint8_t *f = kern_malloc(fcap);
	uint8_t *rx = kern_malloc(RX_BUF);
	int rc = 0;
	if (!f || !rx) {
		rc = -ENOMEM;
		goto out_free;
	}
	o->status = arp(hn, own, r->src_ip, r->dst_ip, tmo, peer, rx, RX_BUF);
	if (o->status)
		goto out_free;
	struct hn_txmeta m = { .queue = -1 };
	for (unsigned fl = 0; fl < r->flows; fl++) {
		uint32_t src = r->src_ip + fl;
		uint16_t sport = (uint16_t)(r->sport + fl);
		for (unsigned i = 0; i < r->count; i++) {
			memset(f, 0, fcap);
			memcpy(f, peer, 6);
			memcpy(f + 6, own, 6);
			be16(f + 12, 0x0800);
			ip4_header(f + ETH_HLEN, (uint16_t)(flen - ETH_HLEN), (uint16_t)(i + 1), 17,
				   src, r->dst_ip);
			uint8_t *udp = f + ETH_HLEN + IP_HLEN;
			be16(udp, sport);
			be16(udp + 2, 7);
			be16(udp + 4, (uint16_t)(UDP_HLEN + r->size));
			for (uint32_t b = 0; b < r->size; b++)
				udp[UDP_HLEN + b] = (uint8_t)(fl + b);
			/* UDP checksum 0: none (IPv4 allows it). */
			int err = hn_send(hn, f, (uint32_t)fcap, &m, HN_TX_WAIT);
			if (err) {
				if (!o->send_error)
					o->send_error = err;
				continue;
			}
			o->sent++;
			struct udp_match u = { r->dst_ip, src, sport };
			unsigned q = 0;
			int w = wait_frame(hn, kern_uptime_ns() + tmo, rx, RX_BUF, is_udp_echo, &u, &q);
			if (w < 0) {
				o->status = w;
				goto out_free;
			}
			if (w > 0) {
				o->received++;
				if (q < GK_NET_MAX_QUEUES && o->rx_per_queue[q]++ == 0)
					o->queues_used++;
			}
		}
	}
out_free:
	kern_free(rx);
	kern_free(f);
	return rc;
}

int gk_guest_net_udp(struct gk_runtime *rt, const struct gk_net_udp_req *req,
		     struct gk_net_udp *out)
{
	struct udp_call c = { req, out };
	return gk_runtime_call(rt, udp_in_guest, &c);
}
