/* guest_ic.h -- what the runner may ask of the guest's integration
 * components: start them (with the built-in user-level KVP daemon), the
 * shutdown request and a hook for it, the timesync clock offset, the
 * guest's KVP pools.  Sim-side types only; guest context inside. */
#ifndef SIM_GUEST_GUEST_IC_H
#define SIM_GUEST_GUEST_IC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct gk_runtime;

struct gk_ic_config {
	uint64_t kvp_timeout_ns;   /* driver's deadline for the daemon; 0 = 5 s */
	bool     hibernate;        /* the guest can hibernate */
	uint32_t max_framework;    /* IC version ceilings, 0 = all */
	uint32_t max_msg_version[4]; /* heartbeat, shutdown, timesync, KVP */
};

/* Register the IC drivers (before or after gk_guest_vmbus_connect) and
 * the KVP daemon.  0 when the action ran and the drivers registered;
 * -EBUSY, -ENOMEM, -ENODEV (host gone). */
int gk_guest_ic_start(struct gk_runtime *rt, const struct gk_ic_config *cfg);
/* Unregister them (channels close). */
int gk_guest_ic_stop(struct gk_runtime *rt);

/* ---- shutdown ------------------------------------------------------------------- */
/* The runner's hook: called in guest context after the guest answered a
 * shutdown request with S_OK (flags VMBUS_IC_SHUTDOWN_FLAG_*: 0 shut down,
 * 2 reboot, 4 hibernate, | 1 forced).  It should detach drivers, close
 * channels, UNLOAD (gk_guest_vmbus_disconnect's work) and make the guest
 * exit.  NULL removes it. */
typedef void gk_ic_shutdown_fn(void *arg, uint32_t flags, uint32_t reason);
void gk_guest_ic_on_shutdown(gk_ic_shutdown_fn *fn, void *arg);
struct gk_ic_shutdown_status {
	bool     requested;        /* a request was accepted */
	uint32_t flags, reason;
	uint64_t accepted, refused;
};
int gk_guest_ic_shutdown_status(struct gk_runtime *rt, struct gk_ic_shutdown_status *out);

/* ---- heartbeat ------------------------------------------------------------------ */
/* Beats answered by the guest. */
int gk_guest_ic_heartbeats(struct gk_runtime *rt, uint64_t *answered);

/* ---- timesync ------------------------------------------------------------------- */
struct gk_ic_timesync {
	bool     synced;
	int64_t  offset;           /* guest wall clock - reference time, 100 ns */
	uint64_t wall;             /* guest wall clock now, 100 ns since 1601 */
	uint64_t syncs, samples, steps, slews, ignored;
};
int gk_guest_ic_timesync(struct gk_runtime *rt, struct gk_ic_timesync *out);

/* ---- KVP: the user-level daemon's pools ------------------------------------------- */
#define GK_KVPD_MAX_ITEMS 128u   /* per pool */
/* The guest's own writes: pools GUEST (1) and AUTO (2).  0, -EINVAL,
 * -ENOSPC. */
int gk_guest_ic_kvp_set(struct gk_runtime *rt, uint8_t pool, const char *key, const char *value);
int gk_guest_ic_kvp_delete(struct gk_runtime *rt, uint8_t pool, const char *key);
/* Any pool (0 and 3 hold what the host pushed).  0, -ENOENT, -ENOSPC. */
int gk_guest_ic_kvp_get(struct gk_runtime *rt, uint8_t pool, const char *key, char *buf,
			size_t cap);
/* How the daemon answers, for tests of the driver's timeout. */
enum gk_kvpd_mode { GK_KVPD_ANSWER = 0, GK_KVPD_NEVER, GK_KVPD_LATE };
void gk_guest_ic_kvpd_mode(enum gk_kvpd_mode mode, uint64_t delay_ns);
struct gk_ic_kvp_status {
	uint64_t handled, timeouts, late_answers, busy, bad_body;
	uint64_t daemon_requests;   /* seen by the daemon */
};
int gk_guest_ic_kvp_status(struct gk_runtime *rt, struct gk_ic_kvp_status *out);

#endif /* SIM_GUEST_GUEST_IC_H */
