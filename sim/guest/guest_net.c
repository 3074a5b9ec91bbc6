/* guest_net.c -- the runner's requests to the guest's synthetic NICs,
 * carried out in guest context by the hn driver (see guest_net.h); ping is
 * a tiny ARP + ICMP echo client on top of hn_send / hn_recv. */
#include "sim/guest/guest_net.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest_drivers/kern.h"
#include "guest_drivers/netvsc/hn.h"
#include "sim/guest/runtime.h"

static int start_in_guest(void *arg)
{
	const struct gk_net_config *c = arg;
	struct hn_config hc;
	memset(&hc, 0, sizeof hc);
	if (c) {
		hc.max_nvsp = c->max_nvsp;
		hc.mtu = c->mtu;
		hc.max_queues = c->max_queues;
		hc.no_offload = c->no_offload;
		hc.timeout_ns = c->timeout_ns;
	}
	return hn_init(&hc);
}

int gk_guest_net_start(struct gk_runtime *rt, const struct gk_net_config *cfg)
{
	return gk_runtime_call(rt, start_in_guest, (void *)cfg);
}

static int stop_in_guest(void *arg)
{
	(void)arg;
	hn_fini();
	return 0;
}

int gk_guest_net_stop(struct gk_runtime *rt)
{
	return gk_runtime_call(rt, stop_in_guest, NULL);
}

struct unit_call {
	unsigned unit;
	void *out;
	const void *in;
	size_t len;
	uint32_t u32;
	const struct gk_net_txmeta *m;
	int result;
};

static int status_in_guest(void *arg)
{
	struct unit_call *c = arg;
	struct gk_net_status *o = c->out;
	struct hn_if *hn = hn_find(c->unit);
	memset(o, 0, sizeof *o);
	if (!hn)
		return 0;
	o->present = true;
	snprintf(o->name, sizeof o->name, "%s", hn_name(hn));
	struct hn_info in;
	o->running = hn_get_info(hn, &in) == 0;
	if (o->running) {
		o->nvsp_version = in.nvsp_version;
		o->ndis_version = in.ndis_version;
		memcpy(o->mac, in.mac, 6);
		o->mtu = in.mtu;
		o->nqueues = in.nqueues;
		o->rss = in.rss;
		o->csum_tcp4 = in.csum_tcp4;
		o->csum_udp4 = in.csum_udp4;
		o->csum_tcp6 = in.csum_tcp6;
		o->csum_udp6 = in.csum_udp6;
		o->lso4 = in.lso4;
		o->lso6 = in.lso6;
	}
	struct hn_link l;
	hn_link_state(hn, &l);
	o->link_up = l.up;
	o->speed_bps = l.speed_bps;
	o->link_changes = l.changes;
	struct hn_stats *st = kern_malloc(sizeof *st);
	if (!st)
		return -ENOMEM;
	hn_get_stats(hn, st);
	for (unsigned q = 0; q < HN_MAX_QUEUES && q < GK_NET_MAX_QUEUES; q++) {
		o->tx_pkts += st->q[q].tx_pkts;
		o->rx_pkts += st->q[q].rx_pkts;
		o->tx_csum_sw += st->q[q].tx_csum_sw;
		o->tx_csum_offload += st->q[q].tx_csum_offload;
		o->rx_per_queue[q] = st->q[q].rx_pkts;
	}
	for (unsigned d = 0; d < HN_DROP_COUNT; d++)
		o->drops += st->drop[d];
	kern_free(st);
	return 0;
}

int gk_guest_net_status(struct gk_runtime *rt, unsigned unit, struct gk_net_status *out)
{
	struct unit_call c = { .unit = unit, .out = out };
	return gk_runtime_call(rt, status_in_guest, &c);
}

static int mtu_in_guest(void *arg)
{
	struct unit_call *c = arg;
	c->result = hn_set_mtu(hn_find(c->unit), c->u32);
	return 0;
}

int gk_guest_net_set_mtu(struct gk_runtime *rt, unsigned unit, uint32_t mtu, int *result)
{
	struct unit_call c = { .unit = unit, .u32 = mtu };
	int rc = gk_runtime_call(rt, mtu_in_guest, &c);
	*result = c.result;
	return rc;
}

static int send_in_guest(void *arg)
{
	struct unit_call *c = arg;
	struct hn_if *hn = hn_find(c->unit);
	struct hn_txmeta m = { .queue = -1 };
	if (c->m) {
		m.csum_partial = c->m->csum_partial;
		m.csum_start = c->m->csum_start;
		m.csum_offset = c->m->csum_offset;
		m.mss = c->m->mss;
	}
	if (c->len > UINT32_MAX)
		return c->result = -EMSGSIZE, 0;
	c->result = hn_send(hn, c->in, (uint32_t)c->len, &m, HN_TX_WAIT);
	if (!c->result)
		c->result = hn_tx_drain(hn);
	return 0;
}

int gk_guest_net_send(struct gk_runtime *rt, unsigned unit, const void *frame, size_t len,
		      const struct gk_net_txmeta *m, int *result)
{
	struct unit_call c = { .unit = unit, .in = frame, .len = len, .m = m };
	int rc = gk_runtime_call(rt, send_in_guest, &c);
	*result = c.result;
	return rc;
}

static int recv_in_guest(void *arg)
{
	struct unit_call *c = arg;
	c->result = hn_recv(hn_find(c->unit), c->out, c->len > UINT32_MAX ? UINT32_MAX
									 : (uint32_t)c->len, NULL);
	return 0;
}

int gk_guest_net_recv(struct gk_runtime *rt, unsigned unit, void *buf, size_t cap, int *len)
{
	struct unit_call c = { .unit = unit, .out = buf, .len = cap };
	int rc = gk_runtime_call(rt, recv_in_guest, &c);
	*len = c.result;
	return rc;
}

/* ---- ping ------------------------------------------------------------------------------ */

struct ping_call {
	unsigned unit;
	uint32_t src, dst;
	unsigned count;
	uint64_t timeout_ns;
	struct gk_net_ping *out;
};

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

/* Poll the receive queue until match() accepts a frame or the deadline. */
static bool wait_frame(struct hn_if *hn, uint64_t deadline, uint8_t *buf, size_t cap,
		       bool (*match)(const uint8_t *f, int len, void *arg), void *arg)
{
	for (;;) {
		int n;
		while ((n = hn_recv(hn, buf, (uint32_t)cap, NULL)) >= 0)
			if (n <= (int)cap && match(buf, n, arg))
				return true;
		if (kern_uptime_ns() >= deadline)
			return false;
		(void)kern_wait(NULL, never, NULL, 1000000); /* 1 ms */
	}
}

static bool is_arp_reply(const uint8_t *f, int n, void *arg)
{
	const struct ping_call *c = arg;
	return n >= 42 && f[12] == 0x08 && f[13] == 0x06 && f[20] == 0 && f[21] == 2 &&
	       rd32(f + 28) == c->dst;
}

struct echo_match {
	const struct ping_call *c;
	uint16_t seq;
};

static bool is_echo_reply(const uint8_t *f, int n, void *arg)
{
	const struct echo_match *e = arg;
	return n >= 42 && f[12] == 0x08 && f[13] == 0x00 && f[23] == 1 && rd32(f + 26) == e->c->dst &&
	       f[34] == 0 && (uint16_t)(f[40] << 8 | f[41]) == e->seq;
}

static int ping_in_guest(void *arg)
{
	struct ping_call *c = arg;
	struct gk_net_ping *o = c->out;
	memset(o, 0, sizeof *o);
	struct hn_if *hn = hn_find(c->unit);
	struct hn_info in;
	if (!hn) {
		o->status = -ENODEV;
		return 0;
	}
	if (hn_get_info(hn, &in)) {
		o->status = -ENETDOWN;
		return 0;
	}
	uint8_t f[128], rx[2048];
	memset(f, 0, sizeof f);
	memset(f, 0xFF, 6);
	memcpy(f + 6, in.mac, 6);
	be16(f + 12, 0x0806);
	be16(f + 14, 1);
	be16(f + 16, 0x0800);
	f[18] = 6;
	f[19] = 4;
	be16(f + 20, 1);
	memcpy(f + 22, in.mac, 6);
	be32(f + 28, c->src);
	be32(f + 38, c->dst);
	struct hn_txmeta m = { .queue = -1 };
	int rc = hn_send(hn, f, 60, &m, HN_TX_WAIT);
	if (rc) {
		o->status = rc;
		return 0;
	}
	if (!wait_frame(hn, kern_uptime_ns() + c->timeout_ns, rx, sizeof rx, is_arp_reply, c)) {
		o->status = -EHOSTUNREACH;
		return 0;
	}
	memcpy(o->dst_mac, rx + 22, 6);
	for (unsigned i = 0; i < c->count; i++) {
		uint16_t seq = (uint16_t)(i + 1);
		memset(f, 0, sizeof f);
		memcpy(f, o->dst_mac, 6);
		memcpy(f + 6, in.mac, 6);
		be16(f + 12, 0x0800);
		uint8_t *ip = f + 14;
		ip[0] = 0x45;
		be16(ip + 2, 20 + 8 + 56);
		be16(ip + 4, seq);
		ip[8] = 64;
		ip[9] = 1;
		be32(ip + 12, c->src);
		be32(ip + 16, c->dst);
		be16(ip + 10, cksum(ip, 20));
		uint8_t *icmp = ip + 20;
		icmp[0] = 8;
		be16(icmp + 4, 0x4876);
		be16(icmp + 6, seq);
		for (unsigned b = 0; b < 56; b++)
			icmp[8 + b] = (uint8_t)b;
		be16(icmp + 2, cksum(icmp, 64));
		if (hn_send(hn, f, 14 + 84, &m, HN_TX_WAIT))
			continue;
		o->sent++;
		struct echo_match e = { c, seq };
		if (wait_frame(hn, kern_uptime_ns() + c->timeout_ns, rx, sizeof rx, is_echo_reply, &e))
			o->received++;
	}
	return 0;
}

int gk_guest_net_ping(struct gk_runtime *rt, unsigned unit, uint32_t src_ip, uint32_t dst_ip,
		      unsigned count, uint64_t timeout_ns, struct gk_net_ping *out)
{
	struct ping_call c = { unit, src_ip, dst_ip, count, timeout_ns ? timeout_ns : 1000000000ull,
			       out };
	return gk_runtime_call(rt, ping_in_guest, &c);
}
