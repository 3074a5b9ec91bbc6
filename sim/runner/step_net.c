/* step_net.c -- guest network steps on the hn driver: ping the host's
 * built-in peer (ARP + ICMP echo through hn, VMBus, netvsp and the back
 * end), check an interface's state (name, MAC, link, speed, queues, MTU,
 * receive spreading) and change its MTU.  Steps that send built frames
 * (UDP flows, TCP with checksum offload) are in step_net_tx.c. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "sim/guest/guest_actions.h"
#include "sim/guest/guest_net.h"
#include "sim/runner/run_var.h"
#include "sim/runner/scn_step.h"
#include "sim/runner/session.h"
#include "sim/runner/step_net.h"

#define NET_POLL_MS       10u
#define NET_MAX_WITHIN_MS (3600u * 1000u)

/* ---- net_ping ------------------------------------------------------------------- */

struct scn_ping {
	uint64_t unit, count, expect_received, timeout_ms, size;
	uint32_t src, dst;
	bool unreachable;
	int send_error;          /* expected hn_send failure (-errno), 0 = none */
};

static void parse_ping(struct scn_vctx *v, json_t *body, void *args)
{
	static const char *const keys[] = { "unit", "src", "dst", "count", "received",
					    "timeout_ms", "unreachable", "size", "send_error", NULL };
	struct scn_ping *p = args;
	p->src = 0x0A000002u;
	p->dst = 0x0A000001u;
	p->count = 3;
	p->timeout_ms = 100;
	p->size = 56;
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
	scn_get_uint(v, body, "size", 0, GK_NET_PING_MAX, false, &p->size);
	bool has_err = scn_get_errno(v, body, "send_error", &p->send_error) && p->send_error;
	if (!v->failed && has_err && p->unreachable)
		scn_fail(v, "send_error and unreachable exclude each other");
	if (!v->failed && has_err && json_object_get(body, "received"))
		scn_fail(v, "send_error means no request left: drop \"received\"");
	if (has_err)
		p->expect_received = 0;
	net_check_unit(v, p->unit);
}

static int do_ping(struct run_state *st, const void *args)
{
	const struct scn_ping *p = args;
	if (run_need_guest(st, "net_ping"))
		return -1;
	struct gk_net_ping r;
	struct gk_net_ping_req q = { .unit = (unsigned)p->unit, .src_ip = p->src, .dst_ip = p->dst,
				     .count = (unsigned)p->count, .size = (uint32_t)p->size,
				     .timeout_ns = p->timeout_ms * 1000000ull };
	int rc = gk_guest_net_ping_ex(session_runtime(st->ss), &q, &r);
	if (rc)
		return run_fail(st, "ping: %s", run_why_errno(rc));
	if (p->unreachable)
		return r.status == -EHOSTUNREACH ? 0
			: run_fail(st, "ping: expected no ARP answer, got status %d with %u/%u "
				   "replies", r.status, r.received, r.sent);
	if (r.status)
		return run_fail(st, "ping hn%" PRIu64 ": %s", p->unit, run_why_errno(r.status));
	if (r.send_error != p->send_error || (p->send_error && r.sent))
		return run_fail(st, "ping hn%" PRIu64 " with %" PRIu64 " data bytes: sends %s, expected %s",
				p->unit, p->size, r.send_error ? strerror(-r.send_error) : "passed",
				p->send_error ? strerror(-p->send_error) : "to pass");
	run_info(st, "ping hn%" PRIu64 ": %u sent, %u received, peer %02x:%02x:%02x:%02x:%02x:%02x",
		 p->unit, r.sent, r.received, r.dst_mac[0], r.dst_mac[1], r.dst_mac[2],
		 r.dst_mac[3], r.dst_mac[4], r.dst_mac[5]);
	if (r.received != p->expect_received)
		return run_fail(st, "ping hn%" PRIu64 ": expected %" PRIu64 " replies, got %u of %u",
				p->unit, p->expect_received, r.received, r.sent);
	return 0;
}

/* ---- net_mtu ------------------------------------------------------------------------- */

struct scn_mtu {
	uint64_t unit, mtu;
	int result;              /* expected hn_set_mtu return */
};

static void parse_mtu(struct scn_vctx *v, json_t *body, void *args)
{
	static const char *const keys[] = { "unit", "mtu", "result", NULL };
	struct scn_mtu *m = args;
	if (!scn_body(v, body, keys))
		return;
	scn_get_uint(v, body, "unit", 0, DEVSPEC_MAX_NICS - 1, false, &m->unit);
	scn_get_uint(v, body, "mtu", 0, 65535, true, &m->mtu);
	scn_get_errno(v, body, "result", &m->result);
	net_check_unit(v, m->unit);
}

static int do_mtu(struct run_state *st, const void *args)
{
	const struct scn_mtu *m = args;
	if (run_need_guest(st, "net_mtu"))
		return -1;
	int r;
	int rc = gk_guest_net_set_mtu(session_runtime(st->ss), (unsigned)m->unit, (uint32_t)m->mtu, &r);
	if (rc)
		return run_fail(st, "net_mtu: %s", run_why_errno(rc));
	if (r != m->result)
		return run_fail(st, "hn%" PRIu64 " MTU %" PRIu64 ": %s, expected %s", m->unit, m->mtu,
				r ? strerror(-r) : "accepted",
				m->result ? strerror(-m->result) : "success");
	run_info(st, "hn%" PRIu64 " MTU %" PRIu64 ": %s", m->unit, m->mtu,
		 r ? strerror(-r) : "set");
	return 0;
}

/* ---- expect_net ------------------------------------------------------------------ */

struct scn_expect_net {
	uint64_t unit, within_ms;
	bool has_name;   char name[16];
	bool has_link;   bool link_up;
	bool has_queues; uint64_t queues_min;
	bool has_mtu;    uint64_t mtu;
	bool has_mac;    uint8_t mac[6];
	bool has_speed;  uint64_t speed_bps;
	bool has_rxq;    uint64_t rx_queues_min;
	bool has_present, present;
};

static void parse_expect_net(struct scn_vctx *v, json_t *body, void *args)
{
	static const char *const keys[] = { "unit", "name", "link_up", "queues_min", "mtu",
					    "within_ms", "mac", "speed_bps", "rx_queues_min", "present",
					    NULL };
	struct scn_expect_net *e = args;
	if (!scn_body(v, body, keys))
		return;
	scn_get_uint(v, body, "unit", 0, DEVSPEC_MAX_NICS - 1, false, &e->unit);
	e->has_name = scn_get_string(v, body, "name", e->name, sizeof e->name, false);
	e->has_link = scn_get_bool(v, body, "link_up", &e->link_up);
	e->has_queues = scn_get_uint(v, body, "queues_min", 1, 64, false, &e->queues_min);
	e->has_mtu = scn_get_uint(v, body, "mtu", 68, 65535, false, &e->mtu);
	e->has_mac = net_get_mac(v, body, "mac", e->mac);
	e->has_speed = scn_get_uint(v, body, "speed_bps", 0, UINT64_MAX >> 1, false, &e->speed_bps);
	e->has_rxq = scn_get_uint(v, body, "rx_queues_min", 0, GK_NET_MAX_QUEUES, false,
				  &e->rx_queues_min);
	scn_get_uint(v, body, "within_ms", 0, NET_MAX_WITHIN_MS, false, &e->within_ms);
	e->has_present = scn_get_bool(v, body, "present", &e->present);
	if (!v->failed && e->has_present && !e->present &&
	    (e->has_name || e->has_link || e->has_queues || e->has_mtu || e->has_mac ||
	     e->has_speed || e->has_rxq))
		scn_fail(v, "\"present\": false checks nothing else");
	if (!v->failed && !(e->has_present || e->has_name || e->has_link || e->has_queues || e->has_mtu ||
			    e->has_mac || e->has_speed || e->has_rxq))
		scn_fail(v, "expect_net must check something: present, name, mac, link_up, "
			 "speed_bps, queues_min, rx_queues_min or mtu");
	net_check_unit(v, e->unit);
}

static int net_mismatch(const struct scn_expect_net *e, const struct gk_net_status *ns,
			char *why, size_t cap)
{
	if (e->has_present && !e->present)
		return ns->present ? (snprintf(why, cap, "hn%" PRIu64 " is still attached", e->unit),
				      -1) : 0;
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
	if (e->has_mac && memcmp(ns->mac, e->mac, 6) != 0)
		return snprintf(why, cap, "%s: MAC expected %02x:%02x:%02x:%02x:%02x:%02x, found "
				"%02x:%02x:%02x:%02x:%02x:%02x", ns->name, e->mac[0], e->mac[1],
				e->mac[2], e->mac[3], e->mac[4], e->mac[5], ns->mac[0], ns->mac[1],
				ns->mac[2], ns->mac[3], ns->mac[4], ns->mac[5]), -1;
	if (e->has_speed && ns->speed_bps != e->speed_bps)
		return snprintf(why, cap, "speed: expected %" PRIu64 " bit/s, found %" PRIu64,
				e->speed_bps, ns->speed_bps), -1;
	unsigned used = 0;
	for (unsigned q = 0; q < GK_NET_MAX_QUEUES; q++)
		used += ns->rx_per_queue[q] != 0;
	if (e->has_rxq && used < e->rx_queues_min)
		return snprintf(why, cap, "receive queues used: expected at least %" PRIu64
				", found %u of %u", e->rx_queues_min, used, ns->nqueues), -1;
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

const struct scn_step_def scn_step_net_mtu = {
	.key = "net_mtu",
	.summary = "change hn<unit>'s MTU (the device re-initialises): mtu, result",
	.args_size = sizeof(struct scn_mtu),
	.parse = parse_mtu,
	.run = do_mtu,
};

const struct scn_step_def scn_step_expect_net = {
	.key = "expect_net",
	.summary = "a guest interface's state: name, mac, link_up, speed_bps, queues_min, "
		   "rx_queues_min, mtu (within_ms)",
	.args_size = sizeof(struct scn_expect_net),
	.parse = parse_expect_net,
	.run = do_expect_net,
};

/* ---- shared validation (step_net.h) ------------------------------------------------------ */

void net_check_unit(struct scn_vctx *v, uint64_t unit)
{
	unsigned n = v->s->dev.nnics + v->s->hot_nics;
	if (!v->failed && unit >= n)
		scn_fail(v, "hn%" PRIu64 ": the scenario has %u NIC%s (devices.nics and nic.add "
			 "steps before this one)", unit, n, n == 1 ? "" : "s");
}

bool net_get_mac(struct scn_vctx *v, json_t *obj, const char *key, uint8_t mac[6])
{
	char text[24];
	if (!scn_get_string(v, obj, key, text, sizeof text, false))
		return false;
	unsigned b[6];
	int used = 0;
	bool ok = strlen(text) == 17 &&
		  sscanf(text, "%2x:%2x:%2x:%2x:%2x:%2x%n", &b[0], &b[1], &b[2], &b[3], &b[4],
			 &b[5], &used) == 6 && used == 17;
	for (unsigned i = 0; ok && i < 17; i++)
		ok = (i % 3 == 2) ? text[i] == ':' : isxdigit((unsigned char)text[i]) != 0;
	if (!ok) {
		scn_push_key(v, key);
		scn_fail(v, "\"%s\" is not a MAC address like 00:15:5d:00:00:01", text);
		scn_pop(v);
		return false;
	}
	for (unsigned i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return true;
}

