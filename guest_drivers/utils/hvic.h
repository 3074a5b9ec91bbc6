/* hvic.h -- the guest's integration component drivers (heartbeat, shutdown,
 * timesync, KVP) on the VMBus bus driver, and what user level sees of
 * them: the shutdown hook, the timesync clock offset, and the KVP
 * request handler (the "daemon" interface, which never blocks a channel).
 *
 * Contexts: hvic_init/hvic_fini in task or call context.  Hooks and the KVP
 * handler run in task context; hvic_kvp_answer may be called from any
 * context but an interrupt handler. */
#ifndef GUEST_DRIVERS_UTILS_HVIC_H
#define GUEST_DRIVERS_UTILS_HVIC_H

#include <stdbool.h>
#include <stdint.h>

enum hvic_kind { HVIC_HEARTBEAT = 0, HVIC_SHUTDOWN, HVIC_TIMESYNC, HVIC_KVP, HVIC_KIND_COUNT };

struct hvic_config {
	uint64_t kvp_timeout_ns;     /* the handler's deadline; 0 = 5 s (Linux) */
	uint64_t ts_slew_max;        /* largest correction per SAMPLE, 100 ns; 0 = 5 ms */
	uint64_t ts_step_min;        /* a SAMPLE this far off steps; 0 = 5 s (Linux) */
	bool     hibernate;          /* hibernation supported (else E_FAIL) */
	/* Version ceilings (major << 16 | minor), 0 = everything we know. */
	uint32_t max_framework;
	uint32_t max_msg_version[HVIC_KIND_COUNT];
};
#define HVIC_DEFAULT_KVP_TIMEOUT_NS (5ull * 1000000000ull)
#define HVIC_DEFAULT_SLEW_MAX       50000ull      /* 5 ms */
#define HVIC_DEFAULT_STEP_MIN       50000000ull   /* 5 s */
#define HVIC_MAX_VERCNT             16u           /* per array in a NEGOTIATE */

/* Register the four drivers (they attach to the IC offers in offer order
 * as the bus finds them).  0, -EBUSY (already), -ENOMEM. */
int  hvic_init(const struct hvic_config *cfg);
/* Unregister (channels close); a KVP request still pending is dropped. */
void hvic_fini(void);

/* ---- shutdown ---------------------------------------------------------------- */
/* Called in task context after the guest answered S_OK to a shutdown
 * request (flags VMBUS_IC_SHUTDOWN_FLAG_*): the place to detach drivers,
 * close channels and UNLOAD.  NULL removes it. */
typedef void hvic_shutdown_fn(void *arg, uint32_t flags, uint32_t reason);
void hvic_set_shutdown_hook(hvic_shutdown_fn *fn, void *arg);

/* ---- timesync ----------------------------------------------------------------- */
struct hvic_ts_state {
	bool     synced;             /* a SYNC (or a large SAMPLE) was applied */
	int64_t  offset;             /* wall clock = reference time + offset (100 ns) */
	uint64_t syncs, samples, steps, slews, ignored;
};
void hvic_ts_get(struct hvic_ts_state *out);
/* UTC in 100 ns units since 1601 as the guest believes it (0 before any sync). */
uint64_t hvic_wall_time(void);

/* ---- KVP ----------------------------------------------------------------------- */
#define HVIC_KVP_KEY_MAX   768u   /* UTF-8 bytes incl. NUL of the largest wire key */
#define HVIC_KVP_VALUE_MAX 3072u
struct hvic_kvp_req {
	uint32_t token;              /* pass to hvic_kvp_answer */
	uint8_t  op;                 /* VMBUS_KVP_OP_GET .. ENUMERATE */
	uint8_t  pool;               /* VMBUS_KVP_POOL_*, < 5 */
	uint32_t index;              /* ENUMERATE */
	char     key[HVIC_KVP_KEY_MAX];     /* GET/SET/DELETE, UTF-8 */
	char     value[HVIC_KVP_VALUE_MAX]; /* SET (numbers as decimal text) */
};
/* request() must not block: it takes the request (valid during the call)
 * and answers now or later with hvic_kvp_answer.  An answer that does not
 * come within kvp_timeout_ns is replaced by an E_FAIL reply. */
struct hvic_kvp_handler {
	void (*request)(void *arg, const struct hvic_kvp_req *req);
	void *arg;
};
/* Install (NULL: none; requests then get E_FAIL at once). */
void hvic_kvp_set_handler(const struct hvic_kvp_handler *h);
/* Answer request 'token' with an IC status (VMBUS_IC_S_OK, _S_CONT, _E_FAIL
 * ...); key/value (UTF-8) fill the record of a GET or ENUMERATE answer.
 * 0; -ESTALE (timed out, answered, or never issued); -EINVAL. */
int hvic_kvp_answer(uint32_t token, uint32_t status, const char *key, const char *value);

/* ---- counters --------------------------------------------------------------------- */
enum hvic_drop {
	HVIC_DROP_PKT_TYPE = 0,   /* not in-band */
	HVIC_DROP_SHORT,          /* shorter than pipe + IC header (RELIABILITY 85) */
	HVIC_DROP_PIPE,           /* pipe type / length */
	HVIC_DROP_SIZE,           /* msgsize past the pipe payload, or larger than we hold */
	HVIC_DROP_MSGTYPE,        /* unknown type, or another IC's (87) */
	HVIC_DROP_FLAGS,          /* not a request, or RESPONSE set (87) */
	HVIC_DROP_STATE,          /* a message before negotiation */
	HVIC_DROP_COUNT
};
struct hvic_stats {
	bool     attached, ready;
	uint32_t framework, msg_version;  /* negotiated */
	uint64_t requests, replies, send_errors;
	uint64_t negotiate_failures;      /* incl. bad version arrays (86) */
	uint64_t bad_body;                /* answered with an error status */
	uint64_t drop[HVIC_DROP_COUNT];
	/* shutdown */
	uint64_t sd_accepted, sd_refused;
	uint32_t sd_last_flags;
	/* KVP */
	uint64_t kvp_handled, kvp_timeouts, kvp_late_answers, kvp_busy;
};
void hvic_get_stats(enum hvic_kind k, struct hvic_stats *out);

#endif /* GUEST_DRIVERS_UTILS_HVIC_H */
