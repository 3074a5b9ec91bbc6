/* guest_ic.c -- the runner's requests to the guest's integration
 * components, carried out in guest context (see guest_ic.h). */
#include "sim/guest/guest_ic.h"

#include <errno.h>
#include <string.h>

#include "guest_drivers/utils/hvic.h"
#include "hyperv/vmbus_ic.h"
#include "sim/guest/guest_ic_var.h"
#include "sim/guest/runtime.h"

static struct {
	gk_ic_shutdown_fn *fn;
	void *arg;
	bool requested;
	uint32_t flags, reason;
} gic_sd;

static void gic_shutdown_hook(void *arg, uint32_t flags, uint32_t reason)
{
	(void)arg;
	gic_sd.requested = true;
	gic_sd.flags = flags;
	gic_sd.reason = reason;
	if (gic_sd.fn)
		gic_sd.fn(gic_sd.arg, flags, reason);
}

void gk_guest_ic_on_shutdown(gk_ic_shutdown_fn *fn, void *arg)
{
	gic_sd.fn = fn;
	gic_sd.arg = arg;
}

struct start_call {
	const struct gk_ic_config *cfg;
};

static int start_in_guest(void *arg)
{
	const struct gk_ic_config *c = ((struct start_call *)arg)->cfg;
	struct hvic_config hc;
	memset(&hc, 0, sizeof hc);
	if (c) {
		hc.kvp_timeout_ns = c->kvp_timeout_ns;
		hc.hibernate = c->hibernate;
		hc.max_framework = c->max_framework;
		memcpy(hc.max_msg_version, c->max_msg_version, sizeof hc.max_msg_version);
	}
	gic_sd.requested = false;
	int rc = gk_kvpd_start();
	if (rc)
		goto fail;
	hvic_set_shutdown_hook(gic_shutdown_hook, NULL);
	rc = hvic_init(&hc);
	if (rc)
		goto fail;
	return 0;
fail:
	hvic_set_shutdown_hook(NULL, NULL);
	gk_kvpd_stop();
	return rc;
}

int gk_guest_ic_start(struct gk_runtime *rt, const struct gk_ic_config *cfg)
{
	struct start_call sc = { cfg };
	return gk_runtime_call(rt, start_in_guest, &sc);
}

static int stop_in_guest(void *arg)
{
	(void)arg;
	hvic_fini();
	hvic_set_shutdown_hook(NULL, NULL);
	gk_kvpd_stop();
	return 0;
}

int gk_guest_ic_stop(struct gk_runtime *rt)
{
	return gk_runtime_call(rt, stop_in_guest, NULL);
}

static int sd_status_in_guest(void *arg)
{
	struct gk_ic_shutdown_status *o = arg;
	struct hvic_stats st;
	hvic_get_stats(HVIC_SHUTDOWN, &st);
	o->requested = gic_sd.requested;
	o->flags = gic_sd.flags;
	o->reason = gic_sd.reason;
	o->accepted = st.sd_accepted;
	o->refused = st.sd_refused;
	return 0;
}

int gk_guest_ic_shutdown_status(struct gk_runtime *rt, struct gk_ic_shutdown_status *out)
{
	memset(out, 0, sizeof *out);
	return gk_runtime_call(rt, sd_status_in_guest, out);
}

static int hb_in_guest(void *arg)
{
	struct hvic_stats st;
	hvic_get_stats(HVIC_HEARTBEAT, &st);
	/* Every request after the NEGOTIATE is a beat. */
	*(uint64_t *)arg = st.replies ? st.replies - 1 : 0;
	return 0;
}

int gk_guest_ic_heartbeats(struct gk_runtime *rt, uint64_t *answered)
{
	return gk_runtime_call(rt, hb_in_guest, answered);
}

static int ts_in_guest(void *arg)
{
	struct gk_ic_timesync *o = arg;
	struct hvic_ts_state s;
	hvic_ts_get(&s);
	o->synced = s.synced;
	o->offset = s.offset;
	o->wall = hvic_wall_time();
	o->syncs = s.syncs;
	o->samples = s.samples;
	o->steps = s.steps;
	o->slews = s.slews;
	o->ignored = s.ignored;
	return 0;
}

int gk_guest_ic_timesync(struct gk_runtime *rt, struct gk_ic_timesync *out)
{
	memset(out, 0, sizeof *out);
	return gk_runtime_call(rt, ts_in_guest, out);
}

struct kvp_call {
	int op;                   /* 0 set, 1 delete, 2 get */
	uint8_t pool;
	const char *key, *value;
	char *buf;
	size_t cap;
	int rc;
};

static int kvp_in_guest(void *arg)
{
	struct kvp_call *k = arg;
	if (k->op == 0 || k->op == 1) {
		/* The guest writes only its own pools. */
		if (k->pool != VMBUS_KVP_POOL_GUEST && k->pool != VMBUS_KVP_POOL_AUTO) {
			k->rc = -EINVAL;
			return 0;
		}
		k->rc = k->op == 0 ? gk_kvpd_put(k->pool, k->key, k->value)
				   : gk_kvpd_del(k->pool, k->key);
		return 0;
	}
	const char *v = gk_kvpd_lookup(k->pool, k->key);
	if (!v)
		k->rc = -ENOENT;
	else if (strlen(v) >= k->cap)
		k->rc = -ENOSPC;
	else
		memcpy(k->buf, v, strlen(v) + 1), k->rc = 0;
	return 0;
}

static int kvp_call(struct gk_runtime *rt, struct kvp_call *k)
{
	int rc = gk_runtime_call(rt, kvp_in_guest, k);
	return rc ? rc : k->rc;
}

int gk_guest_ic_kvp_set(struct gk_runtime *rt, uint8_t pool, const char *key, const char *value)
{
	struct kvp_call k = { .op = 0, .pool = pool, .key = key, .value = value };
	return kvp_call(rt, &k);
}

int gk_guest_ic_kvp_delete(struct gk_runtime *rt, uint8_t pool, const char *key)
{
	struct kvp_call k = { .op = 1, .pool = pool, .key = key };
	return kvp_call(rt, &k);
}

int gk_guest_ic_kvp_get(struct gk_runtime *rt, uint8_t pool, const char *key, char *buf,
			size_t cap)
{
	struct kvp_call k = { .op = 2, .pool = pool, .key = key, .buf = buf, .cap = cap };
	return kvp_call(rt, &k);
}

static int kvp_status_in_guest(void *arg)
{
	struct gk_ic_kvp_status *o = arg;
	struct hvic_stats st;
	hvic_get_stats(HVIC_KVP, &st);
	o->handled = st.kvp_handled;
	o->timeouts = st.kvp_timeouts;
	o->late_answers = st.kvp_late_answers;
	o->busy = st.kvp_busy;
	o->bad_body = st.bad_body;
	o->daemon_requests = gk_kvpd_requests();
	return 0;
}

int gk_guest_ic_kvp_status(struct gk_runtime *rt, struct gk_ic_kvp_status *out)
{
	memset(out, 0, sizeof *out);
	return gk_runtime_call(rt, kvp_status_in_guest, out);
}
