/* netbe.c -- network back-end front door: config dispatch, the software
 * offload path, the bounded RX queue, stats, the null sink. */
#include "sim/devices/net/netbe_var.h"
#include "sim/devices/net/netpkt.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- allocation hook ---------------------------------------------------------- */

static long netbe_fail_after = -1;

void netbe_alloc_fail_after(long n)
{
	netbe_fail_after = n;
}

void *netbe_zalloc(size_t n)
{
	if (netbe_fail_after >= 0 && netbe_fail_after-- == 0)
		return NULL;
	return calloc(1, n);
}

void netbe_free(void *p)
{
	free(p);
}

const char *netbe_kind_name(enum netbe_kind k)
{
	switch (k) {
	case NETBE_NULL: return "null";
	case NETBE_PCAP: return "pcap";
	case NETBE_PEER: return "peer";
	case NETBE_TAP:  return "tap";
	case NETBE_PAIR: return "pair";
	}
	return "?";
}

/* ---- null sink (and pcap-only: the capture is the whole back end) -------------- */

static int null_send(struct netbe *be, const uint8_t *frame, size_t len, const struct netbe_meta *m)
{
	return 0;
}

const struct netbe_ops netbe_null_ops = { .send = null_send };

/* ---- RX queue ------------------------------------------------------------------ */

bool netbe_rxq_push(struct netbe *be, const uint8_t *frame, size_t len, const struct netbe_meta *m)
{
	struct netbe_queue *q = &be->be_rxq;
	if (q->q_count >= NETBE_QUEUE_MAX)
		return false;
	uint8_t *buf = netbe_zalloc(len ? len : 1);
	if (!buf)
		return false;
	memcpy(buf, frame, len);
	struct netbe_qent *e = &q->q_ent[(q->q_head + q->q_count) % NETBE_QUEUE_MAX];
	e->q_buf = buf;
	e->q_len = len;
	if (m)
		e->q_meta = *m;
	else
		memset(&e->q_meta, 0, sizeof e->q_meta);
	if (q->q_count++ == 0 && be->be_cb && be->be_cb->rx_ready)
		be->be_cb->rx_ready(be->be_arg);
	return true;
}

void netbe_deliver(struct netbe *be, const uint8_t *frame, size_t len, const struct netbe_meta *m)
{
	be->be_stats.rx_frames++;
	be->be_stats.rx_bytes += len;
	if (be->be_pcap)
		netbe_pcap_write(be->be_pcap, frame, len);
	if (be->be_cap)
		netbe_pcap_write(be->be_cap, frame, len);
	if (be->be_cb && be->be_cb->rx)
		be->be_cb->rx(be->be_arg, frame, len, m);
}

/* Space appeared in be's queue: wake whoever was refused (the pair's
 * other end sends into this queue). */
static void rxq_space(struct netbe *be)
{
	struct netbe *src = be->be_pair;
	if (src && src->be_want_writable) {
		src->be_want_writable = false;
		if (src->be_cb && src->be_cb->writable)
			src->be_cb->writable(src->be_arg);
	}
}

unsigned netbe_rxq_deliver(struct netbe *be, unsigned budget)
{
	struct netbe_queue *q = &be->be_rxq;
	unsigned n = 0;
	while (n < budget && q->q_count) {
		/* Pop first: cb->rx may send on this back end and push more. */
		struct netbe_qent e = q->q_ent[q->q_head];
		q->q_head = (q->q_head + 1) % NETBE_QUEUE_MAX;
		q->q_count--;
		netbe_deliver(be, e.q_buf, e.q_len, &e.q_meta);
		netbe_free(e.q_buf);
		n++;
	}
	if (n)
		rxq_space(be);
	return n;
}

void netbe_rxq_clear(struct netbe *be)
{
	struct netbe_queue *q = &be->be_rxq;
	while (q->q_count) {
		netbe_free(q->q_ent[q->q_head].q_buf);
		q->q_head = (q->q_head + 1) % NETBE_QUEUE_MAX;
		q->q_count--;
	}
}

/* ---- software offload ---------------------------------------------------------- */

/* Insert an 802.1Q tag after the MAC addresses. */
static int emit_tagged(const uint8_t *f, size_t len, uint16_t tci,
                       int (*emit)(void *arg, const uint8_t *f, size_t flen), void *arg)
{
	if (len < 12 || len > NETBE_FRAME_MAX)
		return -EINVAL;
	uint8_t *t = netbe_zalloc(len + 4);
	if (!t)
		return -ENOMEM;
	memcpy(t, f, 12);
	t[12] = 0x81; t[13] = 0x00;
	t[14] = (uint8_t)(tci >> 8); t[15] = (uint8_t)tci;
	memcpy(t + 16, f + 12, len - 12);
	int rc = emit(arg, t, len + 4);
	netbe_free(t);
	return rc;
}

struct soft_ctx {
	uint16_t tci;
	bool tag;
	int (*emit)(void *arg, const uint8_t *f, size_t flen);
	void *arg;
};

static int soft_emit(void *arg, const uint8_t *f, size_t len)
{
	struct soft_ctx *c = arg;
	if (c->tag)
		return emit_tagged(f, len, c->tci, c->emit, c->arg);
	return c->emit(c->arg, f, len);
}

static int meta_check(size_t len, const struct netbe_meta *m)
{
	if (m->csum_partial &&
	    !(m->csum_start < len && m->csum_offset <= len - m->csum_start &&
	      2u <= len - m->csum_start - m->csum_offset))
		return -EINVAL;
	switch (m->gso_type) {
	case NETBE_GSO_NONE:
		return 0;
	case NETBE_GSO_TCPV4:
	case NETBE_GSO_TCPV6:
		return m->gso_size ? 0 : -EINVAL;
	default:
		return -EINVAL; /* UDP_L4 not segmented here yet */
	}
}

size_t netbe_soft_count(const uint8_t *frame, size_t len, const struct netbe_meta *m)
{
	if (!m || m->gso_type == NETBE_GSO_NONE || !m->gso_size)
		return 1;
	struct netpkt_info pi;
	if (netpkt_parse(frame, len, &pi) || !pi.l4_off || pi.l4_proto != 6)
		return 1;
	size_t hdr = (size_t)pi.l4_off + pi.l4_hdr_len;
	if (pi.ip_end <= hdr)
		return 1;
	size_t pay = pi.ip_end - hdr;
	return (pay + m->gso_size - 1) / m->gso_size;
}

int netbe_soft_offload(const uint8_t *frame, size_t len, const struct netbe_meta *m, bool tag_vlan,
                       int (*emit)(void *arg, const uint8_t *f, size_t flen), void *arg)
{
	struct netbe_meta none;
	if (!m) {
		memset(&none, 0, sizeof none);
		m = &none;
	}
	int rc = meta_check(len, m);
	if (rc)
		return rc;
	struct soft_ctx c = { .tci = m->vlan_tci, .tag = tag_vlan && m->vlan, .emit = emit, .arg = arg };
	if (m->gso_type != NETBE_GSO_NONE) {
		struct netpkt_info pi;
		if (netpkt_parse(frame, len, &pi) || pi.l4_proto != 6 || !pi.l4_off ||
		    pi.ip_ver != (m->gso_type == NETBE_GSO_TCPV4 ? 4 : 6))
			return -EINVAL;
		return netpkt_segment_tcp(frame, len, m->gso_size, soft_emit, &c);
	}
	if (!m->csum_partial)
		return soft_emit(&c, frame, len);
	uint8_t *copy = netbe_zalloc(len);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, frame, len);
	rc = netpkt_csum_complete(copy, len, m->csum_start, m->csum_offset);
	if (!rc)
		rc = soft_emit(&c, copy, len);
	netbe_free(copy);
	return rc;
}

/* ---- front door ---------------------------------------------------------------- */

static struct netbe *be_alloc(enum netbe_kind kind, const struct netbe_ops *ops,
                              const struct netbe_cb *cb, void *arg)
{
	struct netbe *be = netbe_zalloc(sizeof *be);
	if (!be)
		return NULL;
	be->be_kind = kind;
	be->be_ops = ops;
	be->be_cb = cb;
	be->be_arg = arg;
	be->be_fd = -1;
	return be;
}

int netbe_open(const struct netbe_config *cfg, const struct netbe_cb *cb, void *arg, struct netbe **out)
{
	const struct netbe_ops *ops;
	if (!cfg || !out)
		return -EINVAL;
	*out = NULL;
	switch (cfg->kind) {
	case NETBE_NULL: ops = &netbe_null_ops; break;
	case NETBE_PCAP:
		if (!cfg->pcap_path)
			return -EINVAL;
		ops = &netbe_null_ops;
		break;
	case NETBE_PEER: ops = &netbe_peer_ops; break;
	case NETBE_TAP:  ops = &netbe_tap_ops; break;
	default:         return -EINVAL; /* PAIR: netbe_pair */
	}
	struct netbe *be = be_alloc(cfg->kind, ops, cb, arg);
	if (!be)
		return -ENOMEM;
	/* Sinks and queue-backed kinds take every offload and fix it up in
	 * software; TAP passes offloads to the kernel only when asked. */
	be->be_caps.tx_csum_partial = true;
	be->be_caps.tx_gso = true;
	if (cfg->kind == NETBE_NULL || cfg->kind == NETBE_PCAP)
		be->be_raw = be->be_caps;    /* dropped, or captured via the soft path */
	int rc = 0;
	if (cfg->kind == NETBE_PEER)
		rc = netbe_peer_init(be, cfg);
	else if (cfg->kind == NETBE_TAP)
		rc = netbe_tap_init(be, cfg);
	if (rc)
		goto fail_free;
	if (cfg->pcap_path) {
		rc = netbe_pcap_open(cfg->pcap_path, &be->be_pcap);
		if (rc)
			goto fail_close;
	}
	*out = be;
	return 0;
fail_close:
	if (be->be_ops->close)
		be->be_ops->close(be);
fail_free:
	netbe_free(be);
	return rc;
}

int netbe_pair(const struct netbe_cb *cba, void *arga, const struct netbe_cb *cbb, void *argb,
               struct netbe **a, struct netbe **b)
{
	if (!a || !b)
		return -EINVAL;
	*a = *b = NULL;
	struct netbe *x = be_alloc(NETBE_PAIR, &netbe_pair_ops, cba, arga);
	struct netbe *y = be_alloc(NETBE_PAIR, &netbe_pair_ops, cbb, argb);
	if (!x || !y) {
		netbe_free(x);
		netbe_free(y);
		return -ENOMEM;
	}
	x->be_caps.tx_csum_partial = x->be_caps.tx_gso = true; /* fixed up in software */
	y->be_caps = x->be_caps;
	x->be_pair = y;
	y->be_pair = x;
	*a = x;
	*b = y;
	return 0;
}

void netbe_caps(const struct netbe *be, struct netbe_caps *out)
{
	*out = be->be_caps;
}

enum netbe_kind netbe_kind(const struct netbe *be)
{
	return be->be_kind;
}

struct send_ctx {
	struct netbe *be;
	const struct netbe_meta *m;
};

static int send_emit(void *arg, const uint8_t *f, size_t len)
{
	struct send_ctx *c = arg;
	struct netbe_meta plain;
	memset(&plain, 0, sizeof plain);
	return c->be->be_ops->send(c->be, f, len, &plain);
}

int netbe_send(struct netbe *be, const uint8_t *frame, size_t len, const struct netbe_meta *m)
{
	if (!be || !frame || len < NETBE_FRAME_MIN)
		return -EINVAL;
	if (len > NETBE_FRAME_MAX) {
		be->be_stats.tx_dropped++;
		return -EMSGSIZE;
	}
	struct netbe_meta none;
	if (!m) {
		memset(&none, 0, sizeof none);
		m = &none;
	}
	int rc = meta_check(len, m);
	if (rc) {
		be->be_stats.tx_dropped++;
		return rc;
	}
	if (be->be_kind == NETBE_PAIR) {
		rc = netbe_pair_room(be, netbe_soft_count(frame, len, m));
		if (rc == -EAGAIN) {
			be->be_want_writable = true;
			return rc;
		}
		if (rc) {
			be->be_stats.tx_dropped++;
			return rc;
		}
	}
	bool need_gso = m->gso_type != NETBE_GSO_NONE && !be->be_raw.tx_gso;
	bool need_csum = m->csum_partial && !be->be_raw.tx_csum_partial;
	if (!need_gso && !need_csum && !m->vlan) {
		rc = be->be_ops->send(be, frame, len, m);
	} else if (!need_gso && !need_csum && be->be_kind == NETBE_TAP) {
		rc = be->be_ops->send(be, frame, len, m); /* TAP inserts the tag itself */
	} else {
		struct send_ctx c = { .be = be, .m = m };
		rc = netbe_soft_offload(frame, len, m, true, send_emit, &c);
	}
	if (rc == -EAGAIN) {
		be->be_want_writable = true;
		return rc;
	}
	if (rc) {
		be->be_stats.tx_dropped++;
		return rc;
	}
	be->be_stats.tx_frames++;
	be->be_stats.tx_bytes += len;
	if (be->be_pcap)
		netbe_pcap_write_meta(be->be_pcap, frame, len, m);
	if (be->be_cap)
		netbe_pcap_write_meta(be->be_cap, frame, len, m);
	return 0;
}

int netbe_fd(const struct netbe *be)
{
	return be ? be->be_fd : -1;
}

unsigned netbe_rx_pending(const struct netbe *be)
{
	return be ? be->be_rxq.q_count : 0;
}

unsigned netbe_poll(struct netbe *be, unsigned budget)
{
	if (!be)
		return 0;
	unsigned n = netbe_rxq_deliver(be, budget);
	if (n < budget && be->be_ops->poll)
		n += be->be_ops->poll(be, budget - n);
	return n;
}

void netbe_get_stats(const struct netbe *be, struct netbe_stats *out)
{
	*out = be->be_stats;
}

void netbe_close(struct netbe *be)
{
	if (!be)
		return;
	if (be->be_ops->close)
		be->be_ops->close(be);
	if (be->be_pair)
		be->be_pair->be_pair = NULL;
	netbe_rxq_clear(be);
	netbe_pcap_close(be->be_pcap);
	netbe_pcap_close(be->be_cap);
	netbe_free(be);
}
