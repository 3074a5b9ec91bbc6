/* hostcmd_ic.c -- host commands for the integration components: ask for a
 * shutdown, read heartbeat health, jump the host clock, and the host's KVP
 * pools. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hyperv/vmbus_ic.h"
#include "sim/devices/hostcmd.h"
#include "sim/devices/hostside.h"
#include "sim/devices/ic/icvsp.h"

static struct icvsp *need_ic(struct hostside *hs, char *err, size_t errlen)
{
	struct icvsp *ic = hs ? hostside_ic(hs) : NULL;
	if (!ic)
		snprintf(err, errlen, "this host offers no integration components");
	return ic;
}

static int ic_errno(int rc, char *err, size_t errlen)
{
	if (rc == 0)
		return 0;
	snprintf(err, errlen, "%s", rc == -EBUSY ? "a request is already in flight"
			       : rc == -EINVAL ? "refused (IC not offered, bad pool, key or value)"
			       : rc == -ENOSPC ? "no room (pool or request queue full)"
			       : rc == -ENOENT ? "no such key" : strerror(-rc));
	return -1;
}

static const char *const sd_keys[] = { "action", "force", "reason", "message", NULL };
static int cmd_shutdown(struct hostside *hs, json_t *req, json_t *reply, char *err, size_t errlen)
{
	struct icvsp *ic = need_ic(hs, err, errlen);
	if (!ic)
		return -1;
	const char *action = "shutdown", *message = NULL;
	bool force = false;
	long long reason = 0;
	if (hostcmd_get_str(req, "action", &action, false, err, errlen) < 0 ||
	    hostcmd_get_bool(req, "force", &force, err, errlen) < 0 ||
	    hostcmd_get_int(req, "reason", 0, 0xFFFFFFFFll, &reason, false, err, errlen) < 0 ||
	    hostcmd_get_str(req, "message", &message, false, err, errlen) < 0)
		return -1;
	uint32_t flags;
	if (strcmp(action, "shutdown") == 0)
		flags = 0;
	else if (strcmp(action, "reboot") == 0)
		flags = VMBUS_IC_SHUTDOWN_FLAG_RESTART;
	else if (strcmp(action, "hibernate") == 0)
		flags = VMBUS_IC_SHUTDOWN_FLAG_HIBERNATE;
	else {
		snprintf(err, errlen, "\"action\" must be shutdown, reboot or hibernate");
		return -1;
	}
	if (force)
		flags |= VMBUS_IC_SHUTDOWN_FLAG_FORCE;
	return ic_errno(icvsp_shutdown_request(ic, flags, (uint32_t)reason, 0, message), err,
			errlen);
}

static int cmd_shutdown_status(struct hostside *hs, json_t *req, json_t *reply, char *err,
			       size_t errlen)
{
	(void)req;
	struct icvsp *ic = need_ic(hs, err, errlen);
	struct icvsp_sd_info in;
	if (!ic || ic_errno(icvsp_sd_info(ic, &in), err, errlen))
		return -1;
	json_object_set_new(reply, "result", json_string(icvsp_sd_result_name(in.result)));
	json_object_set_new(reply, "flags", json_integer(in.flags));
	json_object_set_new(reply, "status", json_integer(in.status));
	json_object_set_new(reply, "requests", json_integer((json_int_t)in.requests));
	return 0;
}

static int cmd_heartbeat(struct hostside *hs, json_t *req, json_t *reply, char *err,
			 size_t errlen)
{
	(void)req;
	struct icvsp *ic = need_ic(hs, err, errlen);
	struct icvsp_hb_info in;
	if (!ic || ic_errno(icvsp_hb_info(ic, &in), err, errlen))
		return -1;
	json_object_set_new(reply, "health", json_string(icvsp_hb_health_name(in.health)));
	json_object_set_new(reply, "beats_sent", json_integer((json_int_t)in.beats_sent));
	json_object_set_new(reply, "beats_answered", json_integer((json_int_t)in.beats_answered));
	json_object_set_new(reply, "missed", json_integer(in.missed));
	json_object_set_new(reply, "unresponsive_events",
			    json_integer((json_int_t)in.unresponsive_events));
	return 0;
}

static const char *const jump_keys[] = { "ms", NULL };
static int cmd_time_jump(struct hostside *hs, json_t *req, json_t *reply, char *err,
			 size_t errlen)
{
	(void)reply;
	struct icvsp *ic = need_ic(hs, err, errlen);
	long long ms;
	/* Ten years either way is plenty and keeps 100 ns arithmetic exact. */
	if (!ic || hostcmd_get_int(req, "ms", -315360000000ll, 315360000000ll, &ms, true, err,
				   errlen) < 0)
		return -1;
	return ic_errno(icvsp_ts_jump(ic, ms * 10000), err, errlen);
}

static int cmd_timesync(struct hostside *hs, json_t *req, json_t *reply, char *err,
			size_t errlen)
{
	(void)req;
	struct icvsp *ic = need_ic(hs, err, errlen);
	struct icvsp_ts_info in;
	if (!ic || ic_errno(icvsp_ts_info(ic, &in), err, errlen))
		return -1;
	json_object_set_new(reply, "syncs_sent", json_integer((json_int_t)in.syncs_sent));
	json_object_set_new(reply, "samples_sent", json_integer((json_int_t)in.samples_sent));
	json_object_set_new(reply, "host_offset_ms", json_integer(in.host_offset / 10000));
	/* The host's wall clock now, 100 ns units since 1601 (what the guest
	 * should read when in sync). */
	json_object_set_new(reply, "wall_100ns", json_integer((json_int_t)in.wall_now));
	return 0;
}

/* pool + key (+ value) common to the KVP commands. */
static int kvp_args(json_t *req, bool want_key, long long *pool, const char **key,
		    char *err, size_t errlen)
{
	if (hostcmd_get_int(req, "pool", 0, 4, pool, true, err, errlen) < 0)
		return -1;
	if (want_key && hostcmd_get_str(req, "key", key, true, err, errlen) < 0)
		return -1;
	return 0;
}

static const char *const kvp_set_keys[] = { "pool", "key", "value", NULL };
static int cmd_kvp_set(struct hostside *hs, json_t *req, json_t *reply, char *err,
		       size_t errlen)
{
	(void)reply;
	struct icvsp *ic = need_ic(hs, err, errlen);
	long long pool;
	const char *key, *value;
	if (!ic || kvp_args(req, true, &pool, &key, err, errlen) ||
	    hostcmd_get_str(req, "value", &value, true, err, errlen) < 0)
		return -1;
	return ic_errno(icvsp_kvp_set(ic, (uint8_t)pool, key, value), err, errlen);
}

static const char *const kvp_key_keys[] = { "pool", "key", NULL };
static int cmd_kvp_delete(struct hostside *hs, json_t *req, json_t *reply, char *err,
			  size_t errlen)
{
	(void)reply;
	struct icvsp *ic = need_ic(hs, err, errlen);
	long long pool;
	const char *key;
	if (!ic || kvp_args(req, true, &pool, &key, err, errlen))
		return -1;
	return ic_errno(icvsp_kvp_delete(ic, (uint8_t)pool, key), err, errlen);
}

static int cmd_kvp_get(struct hostside *hs, json_t *req, json_t *reply, char *err,
		       size_t errlen)
{
	struct icvsp *ic = need_ic(hs, err, errlen);
	long long pool;
	const char *key;
	char value[ICVSP_KVP_VALUE_UTF8_MAX];
	if (!ic || kvp_args(req, true, &pool, &key, err, errlen) ||
	    ic_errno(icvsp_kvp_get(ic, (uint8_t)pool, key, value, sizeof value), err, errlen))
		return -1;
	json_object_set_new(reply, "value", json_string(value));
	return 0;
}

static const char *const kvp_pool_keys[] = { "pool", NULL };
static int cmd_kvp_list(struct hostside *hs, json_t *req, json_t *reply, char *err,
			size_t errlen)
{
	struct icvsp *ic = need_ic(hs, err, errlen);
	long long pool;
	if (!ic || kvp_args(req, false, &pool, NULL, err, errlen))
		return -1;
	json_t *items = json_object();
	unsigned n = icvsp_kvp_count(ic, (uint8_t)pool);
	for (unsigned i = 0; i < n; i++) {
		const char *k, *v;
		if (icvsp_kvp_item(ic, (uint8_t)pool, i, &k, &v) == 0)
			json_object_set_new(items, k, json_string(v));
	}
	json_object_set_new(reply, "items", items);
	return 0;
}

static int cmd_kvp_refresh(struct hostside *hs, json_t *req, json_t *reply, char *err,
			   size_t errlen)
{
	(void)req; (void)reply;
	struct icvsp *ic = need_ic(hs, err, errlen);
	return ic ? ic_errno(icvsp_kvp_refresh(ic), err, errlen) : -1;
}

static int cmd_kvp_status(struct hostside *hs, json_t *req, json_t *reply, char *err,
			  size_t errlen)
{
	(void)req;
	struct icvsp *ic = need_ic(hs, err, errlen);
	struct icvsp_kvp_info in;
	if (!ic || ic_errno(icvsp_kvp_info(ic, &in), err, errlen))
		return -1;
	json_object_set_new(reply, "requests", json_integer((json_int_t)in.requests));
	json_object_set_new(reply, "completed", json_integer((json_int_t)in.ok));
	json_object_set_new(reply, "errors", json_integer((json_int_t)in.errors));
	json_object_set_new(reply, "timeouts", json_integer((json_int_t)in.timeouts));
	json_object_set_new(reply, "queued", json_integer(in.queued));
	json_object_set_new(reply, "enumerations", json_integer((json_int_t)in.enumerations));
	return 0;
}

const struct hostcmd_def hostcmd_ic_shutdown = {
	.name = "ic.shutdown", .args = "action (shutdown|reboot|hibernate), force, reason, message",
	.help = "ask the guest to shut down through the shutdown IC", .keys = sd_keys,
	.run = cmd_shutdown,
};
const struct hostcmd_def hostcmd_ic_shutdown_status = {
	.name = "ic.shutdown.status", .args = "",
	.help = "the last shutdown request: pending, sent, accepted, refused or timeout",
	.run = cmd_shutdown_status,
};
const struct hostcmd_def hostcmd_ic_heartbeat = {
	.name = "ic.heartbeat", .args = "",
	.help = "heartbeat health (healthy / unresponsive) and beat counters", .run = cmd_heartbeat,
};
const struct hostcmd_def hostcmd_ic_time_jump = {
	.name = "ic.time_jump", .args = "ms (may be negative)",
	.help = "step the host's wall clock; timesync carries it to the guest", .keys = jump_keys,
	.run = cmd_time_jump,
};
const struct hostcmd_def hostcmd_ic_timesync = {
	.name = "ic.timesync", .args = "", .help = "timesync counters and the host clock offset",
	.run = cmd_timesync,
};
const struct hostcmd_def hostcmd_kvp_set = {
	.name = "kvp.set", .args = "pool (0 external, 3 auto external), key, value",
	.help = "set a key in a host-owned pool; pushed to the guest", .keys = kvp_set_keys,
	.run = cmd_kvp_set,
};
const struct hostcmd_def hostcmd_kvp_delete = {
	.name = "kvp.delete", .args = "pool, key", .help = "delete a key from a host-owned pool",
	.keys = kvp_key_keys, .run = cmd_kvp_delete,
};
const struct hostcmd_def hostcmd_kvp_get = {
	.name = "kvp.get", .args = "pool, key",
	.help = "a key in the host's view of a pool (guest pools as last enumerated)",
	.keys = kvp_key_keys, .run = cmd_kvp_get,
};
const struct hostcmd_def hostcmd_kvp_list = {
	.name = "kvp.list", .args = "pool", .help = "every key of the host's view of a pool",
	.keys = kvp_pool_keys, .run = cmd_kvp_list,
};
const struct hostcmd_def hostcmd_kvp_refresh = {
	.name = "kvp.refresh", .args = "",
	.help = "re-read the guest's pools (1 guest, 2 auto) by enumeration", .run = cmd_kvp_refresh,
};
const struct hostcmd_def hostcmd_kvp_status = {
	.name = "kvp.status", .args = "", .help = "KVP request counters (timeouts show a hung guest)",
	.run = cmd_kvp_status,
};
