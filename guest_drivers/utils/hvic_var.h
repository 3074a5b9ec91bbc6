/* hvic_var.h -- internal state of the guest IC drivers, shared by hvic.c
 * (framework: attach, framing checks, negotiation, replies) and the per-IC
 * files.  Not an API. */
#ifndef GUEST_DRIVERS_UTILS_HVIC_VAR_H
#define GUEST_DRIVERS_UTILS_HVIC_VAR_H

#include <stdbool.h>
#include <stdint.h>

#include "guest_drivers/utils/hvic.h"
#include "hyperv/vmbus_guid.h"
#include "hyperv/vmbus_ic.h"

struct vmbus_channel;
struct vmbus_device;
struct kern_lock;
struct kern_timer;

/* The largest message we hold: KVP IP info. */
#define HVIC_MSG_MAX (VMBUS_IC_HDRS_SIZE + VMBUS_KVP_MAX_BODY)
#define HVIC_RING_BYTES (4u * 4096u)

struct hvic_sc;
/* Handle one request of the IC's own type in sc->buf (body at
 * VMBUS_IC_HDRS_SIZE, body_len bytes, checked to lie inside the message).
 * Returns the status to reply with, or HVIC_NO_REPLY when the IC replies
 * later itself. */
#define HVIC_NO_REPLY 0xFFFFFFFFu
struct hvic_ic {
	const char *name;
	uint16_t msgtype;
	uint8_t  class_id[16];
	uint32_t versions[6];
	unsigned nversions;
	uint32_t (*request)(struct hvic_sc *sc, uint8_t *body, uint32_t body_len, uint64_t tid);
	void (*detach)(struct hvic_sc *sc);
};
extern const struct hvic_ic hvic_ic_heartbeat, hvic_ic_shutdown, hvic_ic_timesync, hvic_ic_kvp;

struct hvic_sc {
	enum hvic_kind sc_kind;
	const struct hvic_ic *sc_ic;
	struct vmbus_device *sc_dev;
	struct vmbus_channel *sc_ch;
	bool sc_ready;
	uint32_t sc_framework, sc_msg_version;
	uint32_t sc_len;                /* bytes of the message in sc_buf */
	struct hvic_stats sc_st;
	uint8_t sc_buf[HVIC_MSG_MAX];   /* private copy of the current request */
};

struct hvic_globals {
	bool inited;
	struct hvic_config cfg;
	struct hvic_sc *sc[HVIC_KIND_COUNT];
	struct hvic_stats last[HVIC_KIND_COUNT]; /* kept after detach */
	hvic_shutdown_fn *sd_hook;
	void *sd_arg;
};
extern struct hvic_globals hvic_g;

/* hvic.c: set the reply header fields and send 'len' bytes of buf. */
int hvic_send_reply(struct hvic_sc *sc, uint8_t *buf, uint32_t len, uint64_t tid, uint32_t status);

/* Fuzzing entry (fuzz/targets/fuzz_ic_guest.c): hand one host packet to a
 * channel-less instance of IC k (ready: negotiation assumed done at the
 * newest versions).  Needs hvic_init.  hvic_fuzz_reset drops all state. */
struct vmbus_pkt;
void hvic_fuzz_packet(enum hvic_kind k, bool ready, const struct vmbus_pkt *pkt);
void hvic_fuzz_reset(void);

/* hvic_utf.c: the guest's own UTF-16LE <-> UTF-8 (strict). */
int hvic_utf16_to_utf8(const uint8_t *in, uint32_t size, char *out, uint32_t cap);
int hvic_utf8_to_utf16(const char *in, uint8_t *out, uint32_t cap, uint32_t *size);

/* hvic_timesync.c / hvic_kvp.c */
void hvic_ts_reset(void);
int  hvic_kvp_global_init(void);
void hvic_kvp_global_fini(void);

#endif /* GUEST_DRIVERS_UTILS_HVIC_VAR_H */
