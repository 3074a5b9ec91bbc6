/* vmbs.h -- the host's VMBus server: version negotiation, offers and the
 * relid table, GPADLs, channel open/close, signalling of every protocol era.
 *
 * Sans-I/O, like the partition under it: inputs are the messages and
 * events the guest posts to the partition's ports (drained by vmbs_pump),
 * the monitor page it writes, and device calls (vmbs_dev.h); outputs are
 * synic_post()/synic_signal() on the partition and calls into device ops.
 * Nothing here blocks, sleeps or reads a clock.  Not thread-safe: the
 * partition's driver thread owns the server. */
#ifndef SIM_HOSTD_VMBS_H
#define SIM_HOSTD_VMBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct gmem;
struct part;
struct vmbs;
struct vmbs_chan;

/* Caps (RELIABILITY.md 4.4).  Per-server values come from vmbs_config. */
#define VMBS_MAX_CHANNELS_LIMIT    2047u /* one SIEF flag per relid, relid 0 unused */
#define VMBS_DEFAULT_MAX_CHANNELS  64u
#define VMBS_GPADL_MAX_PFNS        8190u /* range_buflen is a u16 */
#define VMBS_GPADL_MAX_PER_CHANNEL 64u
#define VMBS_DEFAULT_MAX_GPADLS    1024u /* per guest */
#define VMBS_RING_MAX_BYTES        (16u << 20)
#define VMBS_PKT_BUDGET            64u   /* packets per channel per pump */
#define VMBS_OUTQ_SLACK            256u  /* outbound queue = channels + slack */

/* Connection states (one per server). */
enum vmbs_conn_state {
	VMBS_CONN_DISCONNECTED = 0, /* no version negotiated (also after UNLOAD) */
	VMBS_CONN_CONNECTED,        /* VERSION_RESPONSE accepted sent */
	VMBS_CONN_OFFERED,          /* REQUESTOFFERS answered: hot add goes out at once */
	VMBS_CONN_STATE_COUNT
};
const char *vmbs_conn_state_name(enum vmbs_conn_state s);

/* Why a guest message was dropped or refused.  Each is counted in
 * vmbs_stats.rej[] so a hostile scenario can assert the right one. */
enum vmbs_rej {
	VMBS_REJ_BAD_TYPE = 0,      /* type 0, >= VMBUS_MSG_COUNT, or not implemented */
	VMBS_REJ_HOST_ONLY,         /* a H->G type sent by the guest */
	VMBS_REJ_SHORT,             /* shorter than its structure */
	VMBS_REJ_STATE,             /* not allowed in this connection state */
	VMBS_REJ_VERSION,           /* type newer than the negotiated version */
	VMBS_REJ_WRONG_PORT,        /* only INITIATE_CONTACT may use connection 4 */
	VMBS_REJ_VERSION_REFUSED,   /* INITIATE_CONTACT: unknown / above ceiling */
	VMBS_REJ_CONTACT_PARAMS,    /* INITIATE_CONTACT: vcpu, SINT, VTL, pages */
	VMBS_REJ_OFFERS_TWICE,      /* second REQUESTOFFERS on one connection */
	VMBS_REJ_UNKNOWN_RELID,     /* relid not offered on this connection */
	VMBS_REJ_GPADL_DUP,         /* handle in use (in progress anywhere, or on the channel) */
	VMBS_REJ_GPADL_CAP,         /* per-channel or per-guest GPADL cap */
	VMBS_REJ_GPADL_HEADER,      /* range_buflen / rangecount inconsistent */
	VMBS_REJ_GPADL_RANGE,       /* a range: byte_count 0, offset > 0xFFF, PFN count */
	VMBS_REJ_GPADL_PFN,         /* PFN outside guest memory */
	VMBS_REJ_GPADL_BODY_UNKNOWN,/* BODY for no GPADL in progress */
	VMBS_REJ_GPADL_NOMEM,       /* allocation failed */
	VMBS_REJ_TEARDOWN_UNKNOWN,  /* TEARDOWN for no complete GPADL of the channel */
	VMBS_REJ_OPEN_STATE,        /* OPENCHANNEL: already open, rescinded, failed */
	VMBS_REJ_OPEN_GPADL,        /* OPENCHANNEL: GPADL unknown, incomplete, foreign, not page-shaped */
	VMBS_REJ_OPEN_OFFSET,       /* OPENCHANNEL: downstream offset / ring sizes */
	VMBS_REJ_OPEN_VP,           /* OPENCHANNEL / MODIFYCHANNEL: target VP invalid */
	VMBS_REJ_OPEN_DEVICE,       /* the device refused open (or no memory) */
	VMBS_REJ_CLOSE_NOT_OPEN,    /* CLOSECHANNEL for a channel that is not open */
	VMBS_REJ_RELEASE_NOT_RESCINDED, /* RELID_RELEASED for a live channel */
	VMBS_REJ_OUTQ_FULL,         /* our outbound message queue was full: message lost */
	VMBS_REJ_COUNT
};
const char *vmbs_rej_name(enum vmbs_rej r);

struct vmbs_stats {
	uint64_t msgs_in;            /* guest messages taken from the ports */
	uint64_t accepted[32];       /* per VMBUS_MSG_* type, passed the table */
	uint64_t rej[VMBS_REJ_COUNT];
	uint64_t msgs_out;           /* messages handed to synic_post */
	uint64_t outq_retries;       /* synic_post said -ENOSPC, kept for later */
	uint64_t contacts, bus_resets, unloads;
	uint64_t offers_sent, rescinds_sent, relids_released;
	uint64_t gpadls_created, gpadls_failed, gpadls_torndown, teardowns_deferred;
	uint64_t opens, open_failures, closes;
	uint64_t ring_corrupt;       /* channels closed for a corrupt ring */
	uint64_t pkts_in, pkts_out;
	uint64_t signals_in;         /* events, interrupt-page bits, monitor bits taken */
	uint64_t monitor_hits;       /* of those, from the monitor page */
	uint64_t signals_out;        /* synic_signal calls for channels */
	uint64_t signals_lost;       /* synic_signal refused (SIEF off, SINT masked) */
	uint64_t budget_exhausted;   /* a channel hit VMBS_PKT_BUDGET in one pump */
};

/* Outputs.  Each may be NULL.  Called synchronously. */
struct vmbs_notify {
	/* Work became pending (a message arrived, a channel was signalled):
	 * call vmbs_pump() soon.  Must not call back into the server. */
	void (*kick)(void *arg);
	/* One line of trace per message in each direction and per state
	 * change; warnings (corrupt rings) are prefixed "vmbs: error:". */
	void (*trace)(void *arg, const char *line);
};

struct vmbs_config {
	uint32_t max_channels;  /* 1..VMBS_MAX_CHANNELS_LIMIT, 0 = default 64 */
	uint32_t max_gpadls;    /* per guest, 0 = default 1024 */
};

/* Create the server for partition 'p' over guest memory 'gm' (both
 * borrowed: they must outlive it).  Registers message port 1, message port
 * 4 when the profile's ceiling is 5.0 or more (an older host has none, and
 * a guest falls back when HvPostMessage says INVALID_CONNECTION_ID), and
 * the 0.13 event port 2.  The version ceiling is
 * part_profile(p)->vmbus_max_version.  NULL with errno on bad config,
 * out of memory, or ports already taken. */
struct vmbs *vmbs_create(struct part *p, struct gmem *gm, const struct vmbs_config *cfg,
			 const struct vmbs_notify *out, void *arg);
/* Closes every channel (device close ops run), frees every channel
 * (rescinded ops run), removes the ports.  NULL-tolerant. */
void vmbs_destroy(struct vmbs *vb);

/* Do everything pending: drain the message ports, take guest signals
 * (event ports, the 0.13 interrupt page, monitor pending bits), process
 * signalled channels within VMBS_PKT_BUDGET packets each, retry outbound
 * messages the SynIC could not take.  The driver calls it after every
 * guest input (hypercall, EOM or other MSR write) and after kick.
 * Returns true when work is left over (a budget ran out): call again. */
bool vmbs_pump(struct vmbs *vb);
/* True while an open channel has a monitor id: the guest may signal it
 * only through the monitor page, which nothing but polling (vmbs_pump)
 * notices.  A driver polls while this holds and may stop otherwise. */
bool vmbs_monitor_active(const struct vmbs *vb);

enum vmbs_conn_state vmbs_state(const struct vmbs *vb);
/* The negotiated version (VMBUS_VERSION_*), 0 when disconnected. */
uint32_t vmbs_version(const struct vmbs *vb);
/* The VP that receives channel messages (INITIATE_CONTACT target from 3.0). */
uint32_t vmbs_msg_vp(const struct vmbs *vb);
void vmbs_get_stats(const struct vmbs *vb, struct vmbs_stats *out);
/* GPADLs held now (in progress + complete), for leak checks. */
uint32_t vmbs_gpadl_count(const struct vmbs *vb);
/* Messages waiting in our outbound queue. */
uint32_t vmbs_outq_len(const struct vmbs *vb);

/* O(1) lookups.  Host->guest event flag == relid from 2.4 on, so one
 * table serves both.  NULL if none. */
struct vmbs_chan *vmbs_chan_by_relid(struct vmbs *vb, uint32_t relid);
struct vmbs_chan *vmbs_chan_by_event_flag(struct vmbs *vb, uint32_t flag);

/* Test hook: the Nth allocation of the VMBus server from now fails (0 = the
 * next one), -1 disables.  Process-wide. */
void vmbs_alloc_fail_after(long n);

#endif /* SIM_HOSTD_VMBS_H */
