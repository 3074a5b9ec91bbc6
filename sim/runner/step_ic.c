/* step_ic.c -- guest-side integration-component steps: the guest's KVP
 * pools and its user-level daemon's behaviour, what the ICs saw (heartbeats,
 * timesync offset), and waiting for a host-requested shutdown to take the
 * guest down in order. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/guest/guest_actions.h"
#include "sim/guest/guest_ic.h"
#include "sim/runner/run_var.h"
#include "sim/runner/scn_step.h"
#include "sim/runner/session.h"

#define IC_POLL_MS       10u
#define IC_MAX_WITHIN_MS (3600u * 1000u)
#define IC_KEY_MAX       512u
#define IC_VALUE_MAX     2048u

/* ---- guest_kvp ------------------------------------------------------------------ */

enum kvp_op { KVP_SET, KVP_GET, KVP_DELETE };
static const char *const kvp_ops[] = { "set", "get", "delete", NULL };

struct scn_guest_kvp {
	unsigned op;
	uint64_t pool;
	char key[IC_KEY_MAX];
	char value[IC_VALUE_MAX];
	bool has_value, expect_missing;
	uint64_t within_ms;
};

static void parse_guest_kvp(struct scn_vctx *v, json_t *body, void *args)
{
	static const char *const keys[] = { "op", "pool", "key", "value", "missing", "within_ms",
					    NULL };
	struct scn_guest_kvp *k = args;
	if (!scn_body(v, body, keys))
		return;
	scn_get_enum(v, body, "op", kvp_ops, true, &k->op);
	scn_get_uint(v, body, "pool", 0, 4, true, &k->pool);
	scn_get_string(v, body, "key", k->key, sizeof k->key, true);
	k->has_value = scn_get_string(v, body, "value", k->value, sizeof k->value, false);
	scn_get_bool(v, body, "missing", &k->expect_missing);
	scn_get_uint(v, body, "within_ms", 0, IC_MAX_WITHIN_MS, false, &k->within_ms);
	if (v->failed)
		return;
	if (k->op == KVP_SET && !k->has_value)
		scn_fail(v, "set needs \"value\"");
	else if (k->op == KVP_SET && k->pool != 1 && k->pool != 2)
		scn_fail(v, "the guest writes pools 1 (guest) and 2 (auto); the host owns 0 and 3");
	else if (k->op == KVP_DELETE && k->has_value)
		scn_fail(v, "delete takes no \"value\"");
	else if (k->op == KVP_GET && k->has_value == k->expect_missing)
		scn_fail(v, "get checks either \"value\" (what the guest must see) or "
			 "\"missing\": true");
}

static int do_guest_kvp(struct run_state *st, const void *args)
{
	const struct scn_guest_kvp *k = args;
	if (run_need_guest(st, "guest_kvp"))
		return -1;
	struct gk_runtime *rt = session_runtime(st->ss);
	int rc;
	if (k->op == KVP_SET)
		rc = gk_guest_ic_kvp_set(rt, (uint8_t)k->pool, k->key, k->value);
	else if (k->op == KVP_DELETE)
		rc = gk_guest_ic_kvp_delete(rt, (uint8_t)k->pool, k->key);
	else {
		static char got[IC_VALUE_MAX + 1024];
		uint64_t waited = 0;
		for (;;) {
			rc = gk_guest_ic_kvp_get(rt, (uint8_t)k->pool, k->key, got, sizeof got);
			bool match = k->expect_missing ? rc == -ENOENT
						       : rc == 0 && strcmp(got, k->value) == 0;
			if (match)
				return 0;
			if (waited >= k->within_ms)
				break;
			int w = gk_guest_sleep(rt, IC_POLL_MS * 1000000ull);
			if (w)
				return run_fail(st, "while waiting: %s", run_why_errno(w));
			waited += IC_POLL_MS;
		}
		if (k->expect_missing)
			return run_fail(st, "pool %" PRIu64 " key \"%s\": expected no such key, found "
					"\"%s\"", k->pool, k->key, got);
		if (rc == -ENOENT)
			return run_fail(st, "pool %" PRIu64 " key \"%s\": expected \"%s\", the guest "
					"has no such key", k->pool, k->key, k->value);
		if (rc)
			return run_fail(st, "pool %" PRIu64 " key \"%s\": %s", k->pool, k->key,
					run_why_errno(rc));
		return run_fail(st, "pool %" PRIu64 " key \"%s\": expected \"%s\", found \"%s\"",
				k->pool, k->key, k->value, got);
	}
	return rc ? run_fail(st, "%s pool %" PRIu64 " key \"%s\": %s", kvp_ops[k->op], k->pool,
			     k->key, run_why_errno(rc)) : 0;
}

/* ---- guest_kvpd: how the user-level KVP daemon answers ------------------------------ */

static const char *const kvpd_modes[] = { "answer", "never", "late", NULL };
struct scn_kvpd {
	unsigned mode;
	uint64_t delay_ms;
};

static void parse_kvpd(struct scn_vctx *v, json_t *body, void *args)
{
	static const char *const keys[] = { "mode", "delay_ms", NULL };
	struct scn_kvpd *k = args;
	if (!scn_body(v, body, keys))
		return;
	scn_get_enum(v, body, "mode", kvpd_modes, true, &k->mode);
	scn_get_uint(v, body, "delay_ms", 0, IC_MAX_WITHIN_MS, false, &k->delay_ms);
}

static int do_kvpd(struct run_state *st, const void *args)
{
	const struct scn_kvpd *k = args;
	gk_guest_ic_kvpd_mode((enum gk_kvpd_mode)k->mode, k->delay_ms * 1000000ull);
	return 0;
}

/* ---- expect_ic: what the guest's ICs saw ------------------------------------------- */

struct scn_expect_ic {
	bool has_heartbeats; uint64_t heartbeats_min;
	bool has_synced;     bool synced;
	bool has_offset;     uint64_t offset_ms_max;   /* |guest wall - host reference| */
	bool has_kvp_timeouts; uint64_t kvp_timeouts_min;
	uint64_t within_ms;
};

static void parse_expect_ic(struct scn_vctx *v, json_t *body, void *args)
{
	static const char *const keys[] = { "heartbeats_min", "timesync_synced", "offset_ms_max",
					    "kvp_timeouts_min", "within_ms", NULL };
	struct scn_expect_ic *e = args;
	if (!scn_body(v, body, keys))
		return;
	e->has_heartbeats = scn_get_uint(v, body, "heartbeats_min", 0, UINT32_MAX, false,
					 &e->heartbeats_min);
	e->has_synced = scn_get_bool(v, body, "timesync_synced", &e->synced);
	e->has_offset = scn_get_uint(v, body, "offset_ms_max", 0, UINT32_MAX, false,
				     &e->offset_ms_max);
	e->has_kvp_timeouts = scn_get_uint(v, body, "kvp_timeouts_min", 0, UINT32_MAX, false,
					   &e->kvp_timeouts_min);
	scn_get_uint(v, body, "within_ms", 0, IC_MAX_WITHIN_MS, false, &e->within_ms);
	if (!v->failed && !(e->has_heartbeats || e->has_synced || e->has_offset ||
			    e->has_kvp_timeouts))
		scn_fail(v, "expect_ic must check something: heartbeats_min, timesync_synced, "
			 "offset_ms_max or kvp_timeouts_min");
}

static int check_ic(struct run_state *st, const struct scn_expect_ic *e, char *why, size_t cap)
{
	struct gk_runtime *rt = session_runtime(st->ss);
	if (e->has_heartbeats) {
		uint64_t n = 0;
		int rc = gk_guest_ic_heartbeats(rt, &n);
		if (rc)
			return snprintf(why, cap, "heartbeats: %s", run_why_errno(rc)), -1;
		if (n < e->heartbeats_min)
			return snprintf(why, cap, "heartbeats: expected at least %" PRIu64
					" answered, found %" PRIu64, e->heartbeats_min, n), -1;
	}
	if (e->has_synced || e->has_offset) {
		struct gk_ic_timesync ts;
		int rc = gk_guest_ic_timesync(rt, &ts);
		if (rc)
			return snprintf(why, cap, "timesync: %s", run_why_errno(rc)), -1;
		if (e->has_synced && ts.synced != e->synced)
			return snprintf(why, cap, "timesync_synced: expected %s, found %s",
					e->synced ? "true" : "false", ts.synced ? "true" : "false"), -1;
		if (e->has_offset) {
			/* Against the host's wall clock read now: virtual time stands
			 * still between the two reads inproc; split adds a few µs. */
			json_t *req = json_pack("{s:s}", "cmd", "ic.timesync");
			char err[256];
			json_t *r = req ? session_host_cmd(st->ss, req, err, sizeof err) : NULL;
			json_decref(req);
			json_t *w = r ? json_object_get(r, "wall_100ns") : NULL;
			if (!json_is_integer(w)) {
				json_decref(r);
				return snprintf(why, cap, "offset: cannot read the host's clock"), -1;
			}
			int64_t host_wall = (int64_t)json_integer_value(w);
			json_decref(r);
			int64_t off_ms = ((int64_t)ts.wall - host_wall) / 10000;
			uint64_t mag = off_ms < 0 ? (uint64_t)-off_ms : (uint64_t)off_ms;
			if (mag > e->offset_ms_max)
				return snprintf(why, cap, "offset: the guest's wall clock is %" PRId64
						" ms off the host's; at most %" PRIu64 " allowed",
						off_ms, e->offset_ms_max), -1;
		}
	}
	if (e->has_kvp_timeouts) {
		struct gk_ic_kvp_status ks;
		int rc = gk_guest_ic_kvp_status(rt, &ks);
		if (rc)
			return snprintf(why, cap, "kvp: %s", run_why_errno(rc)), -1;
		if (ks.timeouts < e->kvp_timeouts_min)
			return snprintf(why, cap, "kvp_timeouts: expected at least %" PRIu64
					", found %" PRIu64, e->kvp_timeouts_min, ks.timeouts), -1;
	}
	return 0;
}

static int do_expect_ic(struct run_state *st, const void *args)
{
	const struct scn_expect_ic *e = args;
	if (run_need_guest(st, "expect_ic"))
		return -1;
	char why[512];
	for (uint64_t waited = 0;; waited += IC_POLL_MS) {
		if (check_ic(st, e, why, sizeof why) == 0)
			return 0;
		if (waited >= e->within_ms)
			return run_fail(st, "%s", why);
		int rc = gk_guest_sleep(session_runtime(st->ss), IC_POLL_MS * 1000000ull);
		if (rc)
			return run_fail(st, "while waiting: %s", run_why_errno(rc));
	}
}

/* ---- expect_shutdown ---------------------------------------------------------------- */

static const char *const sd_actions[] = { "shutdown", "reboot", "hibernate", NULL };
struct scn_expect_shutdown {
	uint64_t within_ms;
	bool has_action;
	unsigned action;
};

static void parse_expect_shutdown(struct scn_vctx *v, json_t *body, void *args)
{
	static const char *const keys[] = { "within_ms", "action", NULL };
	struct scn_expect_shutdown *e = args;
	e->within_ms = 5000;
	if (!scn_body(v, body, keys))
		return;
	scn_get_uint(v, body, "within_ms", 0, IC_MAX_WITHIN_MS, false, &e->within_ms);
	e->has_action = scn_get_enum(v, body, "action", sd_actions, false, &e->action);
}

static int do_expect_shutdown(struct run_state *st, const void *args)
{
	const struct scn_expect_shutdown *e = args;
	if (!st->guest_down && run_need_guest(st, "expect_shutdown"))
		return -1;
	uint64_t waited = 0;
	while (!st->guest_down && !__atomic_load_n(&st->shutdown_requested, __ATOMIC_ACQUIRE)) {
		if (waited >= e->within_ms)
			return run_fail(st, "the guest did not accept a shutdown within %" PRIu64
					" ms", e->within_ms);
		int rc = gk_guest_sleep(session_runtime(st->ss), IC_POLL_MS * 1000000ull);
		if (rc)
			return run_fail(st, "while waiting: %s", run_why_errno(rc));
		waited += IC_POLL_MS;
	}
	uint32_t f = __atomic_load_n(&st->shutdown_flags, __ATOMIC_RELAXED);
	unsigned got = f & 2 ? 1 : f & 4 ? 2 : 0;
	if (e->has_action && got != e->action)
		return run_fail(st, "action: expected %s, the host asked for %s",
				sd_actions[e->action], sd_actions[got]);
	return run_guest_shutdown_in_order(st);
}

const struct scn_step_def scn_step_guest_kvp = {
	.key = "guest_kvp",
	.summary = "the guest's KVP pools: set / delete (pools 1, 2) or get and compare (any pool)",
	.args_size = sizeof(struct scn_guest_kvp),
	.parse = parse_guest_kvp,
	.run = do_guest_kvp,
};

const struct scn_step_def scn_step_guest_kvpd = {
	.key = "guest_kvpd",
	.summary = "how the guest's user-level KVP daemon answers: answer, never, late (delay_ms)",
	.args_size = sizeof(struct scn_kvpd),
	.parse = parse_kvpd,
	.run = do_kvpd,
};

const struct scn_step_def scn_step_expect_ic = {
	.key = "expect_ic",
	.summary = "what the guest's ICs saw: heartbeats_min, timesync_synced, offset_ms_max, "
		   "kvp_timeouts_min",
	.args_size = sizeof(struct scn_expect_ic),
	.parse = parse_expect_ic,
	.run = do_expect_ic,
};

const struct scn_step_def scn_step_expect_shutdown = {
	.key = "expect_shutdown",
	.summary = "wait for the guest to accept a host shutdown request and go down in order",
	.args_size = sizeof(struct scn_expect_shutdown),
	.parse = parse_expect_shutdown,
	.run = do_expect_shutdown,
};
