/* guest_net.c -- the runner's requests to the guest's synthetic NICs,
 * carried out in guest context by the hn driver (see guest_net.h); ping,
 * ARP and UDP echo live in guest_net_ping.c. */
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
