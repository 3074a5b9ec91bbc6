/* step_net_tx.c -- guest network steps that send built traffic: UDP echo
 * from many flows (does the host spread them over the vRSS channels?) and
 * a TCP or UDP frame with a checksum request (is a partly computed
 * checksum completed before the frame reaches the wire?). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/guest/guest_net.h"
#include "sim/runner/run_var.h"
#include "sim/runner/scn_step.h"
#include "sim/runner/session.h"
#include "sim/runner/step_net.h"

/* ---- net_udp -------------------------------------------------------------------------- */

struct scn_udp {
	uint64_t unit, sport, flows, count, size, timeout_ms, expect_received, queues_min;
	uint32_t src, dst;
};

static void parse_udp(struct scn_vctx *v, json_t *body, void *args)
{
	static const char *const keys[] = { "unit", "src", "dst", "sport", "flows", "count", "size",
					    "timeout_ms", "received", "queues_min", NULL };
	struct scn_udp *u = args;
	u->src = 0x0A000002u;
	u->dst = 0x0A000001u;
	u->sport = 40000;
	u->flows = 16;
	u->count = 1;
	u->size = 32;
	u->timeout_ms = 100;
	if (!scn_body(v, body, keys))
		return;
	scn_get_uint(v, body, "unit", 0, DEVSPEC_MAX_NICS - 1, false, &u->unit);
	scn_get_ipv4(v, body, "src", &u->src);
	scn_get_ipv4(v, body, "dst", &u->dst);
	scn_get_uint(v, body, "sport", 1, 65535, false, &u->sport);
	scn_get_uint(v, body, "flows", 1, GK_NET_UDP_MAX_FLOWS, false, &u->flows);
	scn_get_uint(v, body, "count", 1, 16, false, &u->count);
	scn_get_uint(v, body, "size", 0, GK_NET_UDP_MAX_SIZE, false, &u->size);
	scn_get_uint(v, body, "timeout_ms", 1, 60000, false, &u->timeout_ms);
	u->expect_received = u->flows * u->count;
	scn_get_uint(v, body, "received", 0, GK_NET_UDP_MAX_FLOWS * 16u, false,
		     &u->expect_received);
	scn_get_uint(v, body, "queues_min", 0, GK_NET_MAX_QUEUES, false, &u->queues_min);
	if (!v->failed && u->sport + u->flows - 1 > 65535)
		scn_fail(v, "sport %" PRIu64 " + %" PRIu64 " flows runs past port 65535", u->sport,
			 u->flows);
	if (!v->failed && (uint64_t)(u->src & 0xFFu) + u->flows - 1 > 254)
		scn_fail(v, "src + %" PRIu64 " flows leaves the /24 (flow i sends from src + i)",
			 u->flows);
	net_check_unit(v, u->unit);
}

static int do_udp(struct run_state *st, const void *args)
{
	const struct scn_udp *u = args;
	if (run_need_guest(st, "net_udp"))
		return -1;
	struct gk_net_udp_req q = { .unit = (unsigned)u->unit, .src_ip = u->src, .dst_ip = u->dst,
				    .sport = (uint16_t)u->sport, .flows = (unsigned)u->flows,
				    .count = (unsigned)u->count, .size = (uint32_t)u->size,
				    .timeout_ns = u->timeout_ms * 1000000ull };
	struct gk_net_udp *r = calloc(1, sizeof *r);
	if (!r)
		return run_fail(st, "net_udp: out of memory");
	int rc = gk_guest_net_udp(session_runtime(st->ss), &q, r);
	if (rc) {
		free(r);
		return run_fail(st, "net_udp: %s", run_why_errno(rc));
	}
	char spread[16 * 24] = "";
	size_t n = 0;
	for (unsigned i = 0; i < GK_NET_MAX_QUEUES && n < sizeof spread; i++)
		if (r->rx_per_queue[i])
			n += (size_t)snprintf(spread + n, sizeof spread - n, " q%u:%" PRIu64, i,
					      r->rx_per_queue[i]);
	struct gk_net_udp res = *r;
	free(r);
	if (res.status)
		return run_fail(st, "net_udp hn%" PRIu64 ": %s", u->unit, run_why_errno(res.status));
	if (res.send_error)
		return run_fail(st, "net_udp hn%" PRIu64 ": a send failed: %s", u->unit,
				strerror(-res.send_error));
	run_info(st, "udp hn%" PRIu64 ": %" PRIu64 " flows, %u sent, %u echoed, per queue:%s",
		 u->unit, u->flows, res.sent, res.received, spread[0] ? spread : " none");
	if (res.received != u->expect_received)
		return run_fail(st, "net_udp hn%" PRIu64 ": expected %" PRIu64 " echoes, got %u of %u",
				u->unit, u->expect_received, res.received, res.sent);
	if (res.queues_used < u->queues_min)
		return run_fail(st, "net_udp hn%" PRIu64 ": echoes arrived on %u queue%s (%s), "
				"expected at least %" PRIu64, u->unit, res.queues_used,
				res.queues_used == 1 ? "" : "s", spread[0] ? spread + 1 : "none",
				u->queues_min);
	return 0;
}

/* ---- net_send ------------------------------------------------------------------------- */

enum net_csum { CSUM_PARTIAL = 0, CSUM_FULL, CSUM_BAD };

struct scn_send {
	uint64_t unit, sport, dport, size, count, timeout_ms;
	uint32_t src, dst, via;
	unsigned proto;          /* 0 tcp, 1 udp */
	unsigned csum;           /* enum net_csum */
	int result;
};

#define SEND_MAX_PAYLOAD 1400u

static void parse_send(struct scn_vctx *v, json_t *body, void *args)
{
	static const char *const keys[] = { "unit", "src", "dst", "via", "proto", "sport", "dport",
					    "size", "csum", "count", "timeout_ms", "result", NULL };
	static const char *const protos[] = { "tcp", "udp", NULL };
	static const char *const csums[] = { "partial", "full", "bad", NULL };
	struct scn_send *p = args;
	p->src = 0x0A000002u;
	p->dst = 0x0A000001u;
	p->sport = 40000;
	p->dport = 80;
	p->size = 100;
	p->count = 1;
	p->timeout_ms = 100;
	if (!scn_body(v, body, keys))
		return;
	scn_get_uint(v, body, "unit", 0, DEVSPEC_MAX_NICS - 1, false, &p->unit);
	scn_get_ipv4(v, body, "src", &p->src);
	scn_get_ipv4(v, body, "dst", &p->dst);
	p->via = p->dst;
	scn_get_ipv4(v, body, "via", &p->via);
	scn_get_enum(v, body, "proto", protos, false, &p->proto);
	scn_get_uint(v, body, "sport", 1, 65535, false, &p->sport);
	scn_get_uint(v, body, "dport", 1, 65535, false, &p->dport);
	scn_get_uint(v, body, "size", 0, SEND_MAX_PAYLOAD, false, &p->size);
	scn_get_enum(v, body, "csum", csums, false, &p->csum);
	scn_get_uint(v, body, "count", 1, 100, false, &p->count);
	scn_get_uint(v, body, "timeout_ms", 1, 60000, false, &p->timeout_ms);
	scn_get_errno(v, body, "result", &p->result);
	net_check_unit(v, p->unit);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* Folded one's-complement sum, not inverted. */
static uint32_t sum16(uint32_t s, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xFFFF) + (s >> 16);
	return (uint16_t)s;
}

/* Ethernet + IPv4 (checksum complete) + TCP/UDP with the L4 checksum as
 * asked: the pseudo-header sum only (what a stack that forwards a packet
 * with CHECKSUM_PARTIAL hands the driver), complete, or complete and then
 * wrong.  Returns the frame length. */
static size_t build(const struct scn_send *p, const uint8_t dst_mac[6], const uint8_t src_mac[6],
		    uint32_t seq, uint8_t *f)
{
	bool tcp = p->proto == 0;
	size_t l4h = tcp ? 20 : 8, tot = 20 + l4h + p->size;
	memset(f, 0, 14 + tot);
	memcpy(f, dst_mac, 6);
	memcpy(f + 6, src_mac, 6);
	put16(f + 12, 0x0800);
	uint8_t *ip = f + 14;
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)tot);
	put16(ip + 4, (uint16_t)seq);
	ip[6] = 0x40;                       /* DF */
	ip[8] = 63;                         /* one hop already: forwarded */
	ip[9] = tcp ? 6 : 17;
	put32(ip + 12, p->src);
	put32(ip + 16, p->dst);
	put16(ip + 10, (uint16_t)~fold(sum16(0, ip, 20)));
	uint8_t *l4 = ip + 20;
	put16(l4, (uint16_t)p->sport);
	put16(l4 + 2, (uint16_t)p->dport);
	if (tcp) {
		put32(l4 + 4, 0x10000000u + seq * (uint32_t)p->size);
		put32(l4 + 8, 1);
		l4[12] = 0x50;
		l4[13] = 0x18;                  /* PSH | ACK */
		put16(l4 + 14, 0xFFFF);
	} else {
		put16(l4 + 4, (uint16_t)(l4h + p->size));
	}
	for (size_t i = 0; i < p->size; i++)
		l4[l4h + i] = (uint8_t)(i * 13 + seq);
	size_t field = tcp ? 16 : 6;
	uint32_t ph = sum16(0, ip + 12, 8) + ip[9] + (uint32_t)(l4h + p->size);
	if (p->csum == CSUM_PARTIAL) {
		put16(l4 + field, fold(ph));
	} else {
		uint16_t c = (uint16_t)~fold(sum16(ph, l4, l4h + p->size));
		if (!tcp && c == 0)
			c = 0xFFFF;
		put16(l4 + field, p->csum == CSUM_BAD ? (uint16_t)(c ^ 0x5A5A) : c);
	}
	return 14 + tot;
}

static int do_send(struct run_state *st, const void *args)
{
	const struct scn_send *p = args;
	if (run_need_guest(st, "net_send"))
		return -1;
	struct gk_runtime *rt = session_runtime(st->ss);
	struct gk_net_status ns;
	int rc = gk_guest_net_status(rt, (unsigned)p->unit, &ns);
	if (rc)
		return run_fail(st, "net_send: %s", run_why_errno(rc));
	if (!ns.present || !ns.running)
		return run_fail(st, "net_send: hn%" PRIu64 " is %s", p->unit,
				ns.present ? "down" : "not attached");
	uint8_t peer[6];
	int status;
	/* The next hop: dst itself, or the router it is reached through. */
	rc = gk_guest_net_arp(rt, (unsigned)p->unit, p->src, p->via, p->timeout_ms * 1000000ull,
			      peer, &status);
	if (rc)
		return run_fail(st, "net_send: %s", run_why_errno(rc));
	if (status)
		return run_fail(st, "net_send: ARP for the next hop: %s", run_why_errno(status));
	uint8_t f[14 + 20 + 20 + SEND_MAX_PAYLOAD];
	struct gk_net_txmeta m = { .csum_partial = true, .csum_start = 34,
				   .csum_offset = p->proto == 0 ? 16 : 6 };
	for (uint64_t i = 0; i < p->count; i++) {
		size_t n = build(p, peer, ns.mac, (uint32_t)i + 1, f);
		int r;
		rc = gk_guest_net_send(rt, (unsigned)p->unit, f, n,
				       p->csum == CSUM_PARTIAL ? &m : NULL, &r);
		if (rc)
			return run_fail(st, "net_send: %s", run_why_errno(rc));
		if (r != p->result)
			return run_fail(st, "net_send hn%" PRIu64 " frame %" PRIu64 ": %s, expected %s",
					p->unit, i + 1, r ? strerror(-r) : "sent",
					p->result ? strerror(-p->result) : "success");
	}
	struct gk_net_status after;
	rc = gk_guest_net_status(rt, (unsigned)p->unit, &after);
	if (rc)
		return run_fail(st, "net_send: %s", run_why_errno(rc));
	run_info(st, "sent %" PRIu64 " %s frame%s on hn%" PRIu64 " (checksum %s): "
		 "%" PRIu64 " completed by the driver, %" PRIu64 " left to the host so far",
		 p->count, p->proto == 0 ? "TCP" : "UDP", p->count == 1 ? "" : "s", p->unit,
		 p->csum == CSUM_PARTIAL ? "partial" : p->csum == CSUM_FULL ? "complete" : "wrong",
		 after.tx_csum_sw, after.tx_csum_offload);
	return 0;
}

const struct scn_step_def scn_step_net_udp = {
	.key = "net_udp",
	.summary = "UDP echo from many flows on hn<unit>: flows, count, received, queues_min",
	.args_size = sizeof(struct scn_udp),
	.parse = parse_udp,
	.run = do_udp,
};

const struct scn_step_def scn_step_net_send = {
	.key = "net_send",
	.summary = "send TCP/UDP frames from hn<unit> with a checksum that is partial, full or bad",
	.args_size = sizeof(struct scn_send),
	.parse = parse_send,
	.run = do_send,
};
