/* step_net.c -- guest network steps on the hn driver: ping the host's
 * built-in peer (ARP + ICMP echo through hn, VMBus, netvsp and the back
 * end) and check an interface's state (name, link, queues, MTU). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "sim/guest/guest_actions.h"
#include "sim/guest/guest_net.h"
#include "sim/runner/run_var.h"
#include "sim/runner/scn_step.h"
#include "sim/runner/session.h"

#define NET_POLL_MS       10u
#define NET_MAX_WITHIN_MS (3600u * 1000u)

/* ---- net_ping ------------------------------------------------------------------- */

struct scn_ping {
	uint64_t unit, count, expect_received, timeout_ms;
	uint32_t src, dst;
	bool unreachable;
};

static void parse_ping(struct scn_vctx *v, json_t *body, void *args)
{
	static const char *const keys[] = { "unit", "src", "dst", "count", "received",
					    "timeout_ms", "unreachable", NULL };
	struct scn_ping *p = args;
	p->src = 0x0A000002u;
	p->dst = 0x0A000001u;
	p->count = 3;
	p->timeout_ms = 100;
	if (!scn_body(v, body, keys))
		return;
	scn_get_uint(v, body, "unit", 0, DEVSPEC_MAX_NICS - 1, false, &p->unit);
	scn_get_ipv4(v, body, "src", &p->src);
	scn_get_ipv4(v, body, "dst", &p->dst);
	scn_get_uint(v, body, "count", 1, 1000, false, &p->count);
	p->expect_received = p->count;
	scn_get_uint(v, body, "received", 0, 1000, false, &p->expect_received);
	scn_get_uint(v, body, "timeout_ms", 1, 60000, false, &p->timeout_ms);
	scn_get_bool(v, body, "unreachable", &p->unreachable);
	if (!v->failed && p->unit >= v->s->dev.nnics)
		scn_fail(v, "hn%" PRIu64 ": the scenario has %u NIC%s (devices.nics)", p->unit,
			 v->s->dev.nnics, v->s->dev.nnics == 1 ? "" : "s");
}

static int do_ping(struct run_state *st, const void *args)
{
	const struct scn_ping *p = args;
	if (run_need_guest(st, "net_ping"))
		return -1;
	struct gk_net_ping r;
	int rc = gk_guest_net_ping(session_runtime(st->ss), (unsigned)p->unit, p->src, p->dst,
				   (unsigned)p->count, p->timeout_ms * 1000000ull, &r);
	if (rc)
		return run_fail(st, "ping: %s", run_why_errno(rc));
	if (p->unreachable)
		return r.status == -EHOSTUNREACH ? 0
			: run_fail(st, "ping: expected no ARP answer, got status %d with %u/%u "
				   "replies", r.status, r.received, r.sent);
	if (r.status)
		return run_fail(st, "ping hn%" PRIu64 ": %s", p->unit, run_why_errno(r.status));
	run_info(st, "ping hn%" PRIu64 ": %u sent, %u received, peer %02x:%02x:%02x:%02x:%02x:%02x",
		 p->unit, r.sent, r.received, r.dst_mac[0], r.dst_mac[1], r.dst_mac[2],
		 r.dst_mac[3], r.dst_mac[4], r.dst_mac[5]);
	if (r.received != p->expect_received)
		return run_fail(st, "ping hn%" PRIu64 ": expected %" PRIu64 " replies, got %u of %u",
				p->unit, p->expect_received, r.received, r.sent);
	return 0;
}

/* ---- expect_net ------------------------------------------------------------------ */

struct scn_expect_net {
	uint64_t unit, within_ms;
	bool has_name;   char name[16];
	bool has_link;   bool link_up;
	bool has_queues; uint64_t queues_min;
	bool has_mtu;    uint64_t mtu;
};

static void parse_expect_net(struct scn_vctx *v, json_t *body, void *args)
{
	static const char *const keys[] = { "unit", "name", "link_up", "queues_min", "mtu",
					    "within_ms", NULL };
	struct scn_expect_net *e = args;
	if (!scn_body(v, body, keys))
		return;
	scn_get_uint(v, body, "unit", 0, DEVSPEC_MAX_NICS - 1, false, &e->unit);
	e->has_name = scn_get_string(v, body, "name", e->name, sizeof e->name, false);
	e->has_link = scn_get_bool(v, body, "link_up", &e->link_up);
	e->has_queues = scn_get_uint(v, body, "queues_min", 1, 64, false, &e->queues_min);
	e->has_mtu = scn_get_uint(v, body, "mtu", 68, 65535, false, &e->mtu);
	scn_get_uint(v, body, "within_ms", 0, NET_MAX_WITHIN_MS, false, &e->within_ms);
	if (!v->failed && !(e->has_name || e->has_link || e->has_queues || e->has_mtu))
		scn_fail(v, "expect_net must check something: name, link_up, queues_min or mtu");
}

static int net_mismatch(const struct scn_expect_net *e, const struct gk_net_status *ns,
			char *why, size_t cap)
{
	if (!ns->present)
		return snprintf(why, cap, "hn%" PRIu64 " is not attached", e->unit), -1;
	if (e->has_name && strcmp(ns->name, e->name) != 0)
		return snprintf(why, cap, "name: expected %s, found %s", e->name, ns->name), -1;
	if (e->has_link && ns->link_up != e->link_up)
		return snprintf(why, cap, "link: expected %s, found %s", e->link_up ? "up" : "down",
				ns->link_up ? "up" : "down"), -1;
	if (e->has_queues && ns->nqueues < e->queues_min)
		return snprintf(why, cap, "queues: expected at least %" PRIu64 ", found %u",
				e->queues_min, ns->nqueues), -1;
	if (e->has_mtu && ns->mtu != e->mtu)
		return snprintf(why, cap, "mtu: expected %" PRIu64 ", found %u", e->mtu, ns->mtu), -1;
	return 0;
}

static int do_expect_net(struct run_state *st, const void *args)
{
	const struct scn_expect_net *e = args;
	if (run_need_guest(st, "expect_net"))
		return -1;
	char why[256];
	for (uint64_t waited = 0;; waited += NET_POLL_MS) {
		struct gk_net_status ns;
		int rc = gk_guest_net_status(session_runtime(st->ss), (unsigned)e->unit, &ns);
		if (rc)
			return run_fail(st, "expect_net: %s", run_why_errno(rc));
		if (net_mismatch(e, &ns, why, sizeof why) == 0)
			return 0;
		if (waited >= e->within_ms)
			return run_fail(st, "%s", why);
		rc = gk_guest_sleep(session_runtime(st->ss), NET_POLL_MS * 1000000ull);
		if (rc)
			return run_fail(st, "while waiting: %s", run_why_errno(rc));
	}
}

const struct scn_step_def scn_step_net_ping = {
	.key = "net_ping",
	.summary = "ping from the guest's hn<unit> (ARP + ICMP echo): src, dst, count, received",
	.args_size = sizeof(struct scn_ping),
	.parse = parse_ping,
	.run = do_ping,
};

const struct scn_step_def scn_step_expect_net = {
	.key = "expect_net",
	.summary = "a guest interface's state: name, link_up, queues_min, mtu (within_ms)",
	.args_size = sizeof(struct scn_expect_net),
	.parse = parse_expect_net,
	.run = do_expect_net,
};
