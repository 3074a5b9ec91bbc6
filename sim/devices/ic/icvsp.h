/* icvsp.h -- the host's integration components (heartbeat, shutdown,
 * timesync, KVP): message-mode pipe channels with the IC framework's
 * version negotiation, and the controls a scenario uses on them.
 *
 * Sans-I/O like the VMBus server under it: inputs are guest packets (device
 * ops), host timers on the partition (intervals, reply timeouts) and the
 * calls below; outputs are packets on the channels.  Not thread-safe: the
 * partition's driver thread owns it. */
#ifndef SIM_DEVICES_IC_ICVSP_H
#define SIM_DEVICES_IC_ICVSP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct part;
struct vmbs;
struct icvsp;

enum icvsp_kind {
	ICVSP_HEARTBEAT = 0,
	ICVSP_SHUTDOWN,
	ICVSP_TIMESYNC,
	ICVSP_KVP,
	ICVSP_KIND_COUNT
};
const char *icvsp_kind_name(enum icvsp_kind k);

#define ICVSP_REF_HZ 10000000ull /* reference time: 100 ns units */

/* Zero means the default everywhere. */
struct icvsp_config {
	bool     heartbeat, shutdown, timesync, kvp; /* which ICs to offer */
	uint64_t hb_interval;      /* 100 ns; default 1 s */
	uint32_t hb_max_missed;    /* beats missed before "unresponsive"; default 3 */
	uint64_t hb_first_seq;     /* sequence number of the first beat (wrap tests) */
	uint64_t ts_sample_interval; /* 100 ns between SAMPLEs; default 5 s */
	uint64_t ts_wall_base;     /* UTC (100 ns since 1601) at reference time 0;
				    * default 2024-01-01T00:00:00Z */
	uint64_t reply_timeout;    /* host wait for a guest reply (negotiate,
				    * shutdown, KVP); default 10 s */
	/* Version ceilings for profile tests (major << 16 | minor); 0 = all. */
	uint32_t max_framework;
	uint32_t max_msg_version[ICVSP_KIND_COUNT];
};
#define ICVSP_DEFAULT_HB_INTERVAL   (1ull * ICVSP_REF_HZ)
#define ICVSP_DEFAULT_HB_MAX_MISSED 3u
#define ICVSP_DEFAULT_TS_INTERVAL   (5ull * ICVSP_REF_HZ)
#define ICVSP_DEFAULT_WALL_BASE     133485408000000000ull /* 2024-01-01 UTC */
#define ICVSP_DEFAULT_REPLY_TIMEOUT (10ull * ICVSP_REF_HZ)

struct icvsp_notify {
	void (*kick)(void *arg);                    /* call icvsp_pump soon */
	void (*trace)(void *arg, const char *line); /* one line per message/transition */
};

/* Offer the configured ICs on vb (message-mode pipes, the well-known
 * instance GUIDs).  vb, p and the notifier are borrowed: they must outlive
 * the set.  Destroy the VMBus server BEFORE the set (its close/rescinded
 * ops still reach the devices).  NULL with errno on failure. */
struct icvsp *icvsp_create(struct vmbs *vb, struct part *p, const struct icvsp_config *cfg,
			   const struct icvsp_notify *out, void *arg);
void icvsp_destroy(struct icvsp *s); /* NULL-tolerant */
/* Send what became due (the NEGOTIATE after an open, queued requests).
 * Returns true when it did something. */
bool icvsp_pump(struct icvsp *s);

/* Per-IC state of the framework. */
enum icvsp_state {
	ICVSP_ST_OFFERED = 0,   /* channel not open */
	ICVSP_ST_NEGOTIATING,   /* NEGOTIATE sent, waiting for the reply */
	ICVSP_ST_READY,         /* versions agreed */
	ICVSP_ST_FAILED,        /* no common version, or a bad reply */
	ICVSP_ST_COUNT
};
const char *icvsp_state_name(enum icvsp_state st);

/* Why a guest packet was dropped; counted per IC. */
enum icvsp_drop {
	ICVSP_DROP_PKT_TYPE = 0,  /* not an in-band packet */
	ICVSP_DROP_SHORT,         /* shorter than pipe + IC header (RELIABILITY 85) */
	ICVSP_DROP_PIPE,          /* pipe type not DATA, or length past the packet */
	ICVSP_DROP_SIZE,          /* icmsg msgsize past the pipe payload */
	ICVSP_DROP_MSGTYPE,       /* type not NEGOTIATE or this IC's (87) */
	ICVSP_DROP_FLAGS,         /* not TRANSACTION|RESPONSE, or REQUEST set (87) */
	ICVSP_DROP_UNEXPECTED,    /* nothing outstanding, other tid / type, stale */
	ICVSP_DROP_BODY,          /* body too short or invalid for its type */
	ICVSP_DROP_COUNT
};
const char *icvsp_drop_name(enum icvsp_drop d);

struct icvsp_stats {
	enum icvsp_state state;
	bool     offered, open;
	uint32_t framework;       /* negotiated, major << 16 | minor */
	uint32_t msg_version;
	uint64_t sent, replies, timeouts, send_errors;
	uint64_t negotiations, negotiate_failures;
	uint64_t drop[ICVSP_DROP_COUNT];
};
/* -EINVAL when kind is not configured. */
int icvsp_get_stats(const struct icvsp *s, enum icvsp_kind k, struct icvsp_stats *out);

/* ---- heartbeat ------------------------------------------------------------- */
enum icvsp_hb_health {
	ICVSP_HB_UNKNOWN = 0,     /* no beat answered yet */
	ICVSP_HB_HEALTHY,
	ICVSP_HB_UNRESPONSIVE     /* hb_max_missed beats in a row unanswered */
};
const char *icvsp_hb_health_name(enum icvsp_hb_health h);
struct icvsp_hb_info {
	enum icvsp_hb_health health;
	uint64_t beats_sent, beats_answered, bad_seq;
	uint32_t missed;          /* consecutive, now */
	uint64_t missed_total;
	uint64_t last_seq_sent, last_seq_answered;
	uint64_t transitions;     /* health changes */
	uint64_t last_transition; /* reference time of the last change */
	uint64_t unresponsive_events; /* changes into UNRESPONSIVE */
};
int icvsp_hb_info(const struct icvsp *s, struct icvsp_hb_info *out);

/* ---- shutdown ---------------------------------------------------------------- */
enum icvsp_sd_result {
	ICVSP_SD_NONE = 0,        /* nothing requested */
	ICVSP_SD_PENDING,         /* queued until the channel is ready */
	ICVSP_SD_SENT,            /* waiting for the reply */
	ICVSP_SD_ACCEPTED,        /* status S_OK: the guest goes down */
	ICVSP_SD_REFUSED,         /* an error status */
	ICVSP_SD_TIMEOUT
};
const char *icvsp_sd_result_name(enum icvsp_sd_result r);
/* Ask the guest to shut down / reboot / hibernate (flags
 * VMBUS_IC_SHUTDOWN_FLAG_*; raw: unknown bits go out as given so hostile
 * scenarios can send them).  'message' (ASCII, may be NULL) goes into the
 * display message.  Sent at once when the IC is ready, otherwise when it
 * becomes ready.  0; -EINVAL (not configured); -EBUSY (one in flight). */
int icvsp_shutdown_request(struct icvsp *s, uint32_t flags, uint32_t reason,
			   uint32_t timeout_s, const char *message);
struct icvsp_sd_info {
	enum icvsp_sd_result result;
	uint32_t flags, status;   /* the request's flags, the reply's status */
	uint64_t requests;
};
int icvsp_sd_info(const struct icvsp *s, struct icvsp_sd_info *out);

/* ---- timesync ------------------------------------------------------------------ */
/* Host wall clock = ts_wall_base + reference time + jumps.  A jump moves
 * it and sends a SYNC at once (as after a resume). */
int icvsp_ts_jump(struct icvsp *s, int64_t delta_100ns);
/* Send one message with exactly these fields (fault injection: garbage
 * times, unknown flags).  -ENOTCONN when not ready, -EBUSY. */
int icvsp_ts_send_raw(struct icvsp *s, uint8_t flags, uint64_t parent_time,
		      uint64_t ref_time);
struct icvsp_ts_info {
	uint64_t syncs_sent, samples_sent;
	uint64_t last_parent_time;   /* of the last message sent */
	int64_t  host_offset;        /* the sum of the jumps */
	uint64_t wall_now;           /* the host's wall clock now */
};
int icvsp_ts_info(const struct icvsp *s, struct icvsp_ts_info *out);

/* ---- KVP ------------------------------------------------------------------------ */
/* Host-side pools (VMBUS_KVP_POOL_*).  Strings are UTF-8 here and UTF-16
 * on the wire.
 *  - EXTERNAL (0) and AUTO_EXTERNAL (3) belong to the host: a set or delete
 *    here is stored and pushed to the guest (SET/DELETE) when the IC is
 *    ready.
 *  - GUEST (1) and AUTO (2) belong to the guest: here they hold what the
 *    host last read from the guest (ENUMERATE after negotiation and on
 *    icvsp_kvp_refresh, GET on icvsp_kvp_query); set/delete are refused.
 *  - AUTO_INTERNAL (4) is host-local, never on the wire. */
#define ICVSP_KVP_MAX_ITEMS  256u  /* per pool: caps what a guest can make us keep */
#define ICVSP_KVP_QUEUE_MAX  64u   /* queued host requests */
/* UTF-8 buffer sizes (incl. NUL) of the largest wire key (255 UTF-16 units
 * + NUL) and value (1023 + NUL): at most 3 bytes per unit. */
#define ICVSP_KVP_KEY_UTF8_MAX   768u
#define ICVSP_KVP_VALUE_UTF8_MAX 3072u
/* 0; -EINVAL (pool, sizes, not UTF-8, guest-owned pool); -ENOSPC (pool full
 * or request queue full). */
int icvsp_kvp_set(struct icvsp *s, uint8_t pool, const char *key, const char *value);
int icvsp_kvp_delete(struct icvsp *s, uint8_t pool, const char *key);
/* Copy the value of key in the host's view of pool into buf (NUL-terminated).
 * 0; -ENOENT; -ENOSPC (buf too small); -EINVAL. */
int icvsp_kvp_get(const struct icvsp *s, uint8_t pool, const char *key, char *buf, size_t cap);
/* Items held for a pool, and the i-th one (key and value borrowed until the
 * next change of the pool). */
unsigned icvsp_kvp_count(const struct icvsp *s, uint8_t pool);
int icvsp_kvp_item(const struct icvsp *s, uint8_t pool, unsigned i, const char **key,
		   const char **value);
/* Re-read the guest's pools GUEST and AUTO by enumeration. */
int icvsp_kvp_refresh(struct icvsp *s);
/* GET key from the guest's pool; the answer lands in the host's view. */
int icvsp_kvp_query(struct icvsp *s, uint8_t pool, const char *key);
struct icvsp_kvp_info {
	uint64_t requests, ok, errors, timeouts;
	uint32_t last_status;
	uint32_t queued;          /* requests waiting */
	uint64_t enumerations;    /* completed */
};
int icvsp_kvp_info(const struct icvsp *s, struct icvsp_kvp_info *out);

/* Test hook: the Nth allocation of the IC code from now fails, -1 disables. */
void icvsp_alloc_fail_after(long n);

#endif /* SIM_DEVICES_IC_ICVSP_H */
