/* icvsp_var.h -- internal state of the host ICs, shared by icvsp.c (the
 * framework: channels, framing, negotiation, transactions) and the per-IC
 * files.  Not an API. */
#ifndef SIM_DEVICES_IC_ICVSP_VAR_H
#define SIM_DEVICES_IC_ICVSP_VAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hyperv/vmbus_guid.h"
#include "hyperv/vmbus_ic.h"
#include "sim/devices/ic/icvsp.h"

struct vmbs_chan;
struct part_host_timer;

#define ICVSP_MAX_VERSIONS 8u
/* Room for the largest message we send or accept (KVP IP info). */
#define ICVSP_MSG_MAX (VMBUS_IC_HDRS_SIZE + VMBUS_KVP_MAX_BODY)

/* What differs between the four ICs. */
struct icvsp_dev;
struct icvsp_ic {
	const char *name;
	uint16_t msgtype;                  /* VMBUS_ICMSG_* of its messages */
	uint8_t  class_id[16], instance_id[16];
	uint32_t versions[ICVSP_MAX_VERSIONS]; /* message versions, ascending */
	unsigned nversions;
	bool     reply_timer;              /* arm the reply timeout per request */
	void (*opened)(struct icvsp_dev *d);   /* the guest opened the channel */
	void (*ready)(struct icvsp_dev *d);    /* negotiation done */
	/* A reply to our request of this IC's type: header and body copied,
	 * header checked, body_len <= msgsize bounds checked. */
	void (*reply)(struct icvsp_dev *d, const struct vmbus_icmsg_hdr *h,
		      const uint8_t *body, uint32_t body_len);
	void (*timeout)(struct icvsp_dev *d);  /* the outstanding request timed out */
	void (*closed)(struct icvsp_dev *d);   /* channel closed or gone */
	bool (*pump)(struct icvsp_dev *d);     /* send queued work; true if any */
	void (*tick)(struct icvsp_dev *d);     /* d_tick fired */
};
extern const struct icvsp_ic icvsp_ic_heartbeat, icvsp_ic_shutdown, icvsp_ic_timesync,
	icvsp_ic_kvp;

struct icvsp_dev {
	struct icvsp *d_set;
	enum icvsp_kind d_kind;
	const struct icvsp_ic *d_ic;
	struct vmbs_chan *d_chan;          /* NULL once rescinded */
	enum icvsp_state d_state;
	bool d_orphan;                     /* set gone, waiting for the server's rescinded() */
	bool d_need_negotiate;             /* send NEGOTIATE at the next pump */
	/* The one outstanding transaction (devices.md D.1). */
	bool d_busy;
	uint16_t d_busy_type;
	uint64_t d_busy_tid;
	uint64_t d_next_tid;               /* VMBus transaction ids, never 0 */
	bool d_resend;                     /* d_out waits for ring space */
	uint32_t d_out_len;
	struct part_host_timer *d_reply_timer;
	struct part_host_timer *d_tick;    /* heartbeat / timesync period */
	uint32_t d_framework, d_msg_version; /* negotiated, major << 16 | minor */
	struct icvsp_stats d_st;
	uint8_t d_out[ICVSP_MSG_MAX];      /* the message last built */
};

struct icvsp_kvp_item {
	char *key, *value;
};
struct icvsp_kvp_pool {
	struct icvsp_kvp_item *items;
	unsigned n, cap;
};

enum icvsp_kq_kind { ICVSP_KQ_SET, ICVSP_KQ_DELETE, ICVSP_KQ_GET, ICVSP_KQ_ENUM,
		     ICVSP_KQ_PUSH };
struct icvsp_kq {
	enum icvsp_kq_kind kind;
	uint8_t  pool;
	uint32_t index;                    /* ENUM: next index; PUSH: next item */
	char    *key, *value;              /* SET/DELETE/GET */
};

struct icvsp {
	struct vmbs *s_vb;
	struct part *s_part;
	struct icvsp_config s_cfg;         /* defaults filled in */
	struct icvsp_notify s_out;
	void *s_arg;
	struct icvsp_dev *s_dev[ICVSP_KIND_COUNT];

	/* heartbeat */
	struct icvsp_hb_info s_hb;
	uint64_t s_hb_next_seq;
	/* shutdown */
	struct icvsp_sd_info s_sd;
	uint32_t s_sd_reason, s_sd_timeout;
	char s_sd_msg[VMBUS_IC_SHUTDOWN_MSG_BYTES];
	/* timesync */
	struct icvsp_ts_info s_ts;
	bool s_ts_sync_due;
	bool s_ts_raw_due;
	uint8_t s_ts_raw_flags;
	uint64_t s_ts_raw_parent, s_ts_raw_ref;
	/* KVP */
	struct icvsp_kvp_pool s_pool[VMBUS_KVP_POOL_COUNT];
	struct icvsp_kvp_pool s_stage;     /* enumeration in progress */
	struct icvsp_kq s_kq[ICVSP_KVP_QUEUE_MAX];
	unsigned s_kq_head, s_kq_n;
	struct icvsp_kvp_info s_kvp;
};

/* icvsp.c */
void *icvsp_zalloc(size_t n);
void  icvsp_free(void *p);
char *icvsp_strdup(const char *s);
void  icvsp_trace(const struct icvsp *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void  icvsp_kick(struct icvsp *s);
uint64_t icvsp_now(const struct icvsp *s);
/* Build and send a request of the IC's own type with 'body'; marks the
 * transaction outstanding.  0, -EBUSY (one outstanding), -ENOTCONN (not
 * ready), -EMSGSIZE, or the send error. */
int icvsp_send_request(struct icvsp_dev *d, const void *body, uint32_t len);
/* Forget the outstanding transaction (a late reply will be dropped). */
void icvsp_abandon(struct icvsp_dev *d);
bool icvsp_ready(const struct icvsp_dev *d);
/* Validate a guest packet's framing and copy header and body out.
 * Returns 0 and fills *h, *body_off, *body_len; or the drop reason. */
int icvsp_parse(const uint8_t *payload, uint32_t len, struct vmbus_icmsg_hdr *h,
		uint32_t *body_off, uint32_t *body_len);

/* Fuzzing entry (fuzz/targets/fuzz_ic_host.c): feed a guest packet to IC k
 * as if it arrived on its channel, with the device forced into 'ready' or
 * negotiating and a transaction outstanding (outstanding: -1 none, 0 a
 * NEGOTIATE, 1 a request of the IC's type) under desc->trans_id.  Sends
 * fail while the channel is not open, so only the parsers run. */
int icvsp_fuzz_input(struct icvsp *s, enum icvsp_kind k, int outstanding, bool ready,
		     const struct vmbus_pkt_desc *desc, const uint8_t *pkt, uint32_t len);

/* icvsp_utf.c: the host's own UTF-8 <-> UTF-16LE conversion. */
/* UTF-8 (NUL-terminated) to UTF-16LE with a NUL unit; *size = bytes
 * written incl. the NUL.  -EINVAL (bad UTF-8), -ENOSPC. */
int icvsp_utf8_to_utf16(const char *in, uint8_t *out, uint32_t cap, uint32_t *size);
/* UTF-16LE of 'size' bytes (even, last unit NUL; stops at the first NUL)
 * to UTF-8 in out (NUL-terminated).  -EINVAL (odd, no NUL, bad
 * surrogates), -ENOSPC. */
int icvsp_utf16_to_utf8(const uint8_t *in, uint32_t size, char *out, size_t cap);

/* icvsp_kvp.c */
void icvsp_kvp_free_all(struct icvsp *s);

#endif /* SIM_DEVICES_IC_ICVSP_VAR_H */
