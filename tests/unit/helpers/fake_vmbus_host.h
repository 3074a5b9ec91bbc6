/* fake_vmbus_host.h -- a scripted VMBus host for guest-driver tests: it
 * sits on an inproc partition (message ports 1 and 4, event ports), reads
 * what the guest posts and answers with byte-exact messages built from the
 * protocol sheet (vmbus.md 5.2) at explicit offsets, not from the wire
 * structs under test.  Knobs make it refuse, stay silent or misbehave.
 * Also the guest fixture: partition + runtime + booted platform, with
 * either this fake host or the real server (sim/hostd/vmbs). */
#ifndef TESTS_UNIT_HELPERS_FAKE_VMBUS_HOST_H
#define TESTS_UNIT_HELPERS_FAKE_VMBUS_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/hostd/partition.h"

struct gk_runtime;
struct gk_transport;
struct gmem;
struct vmbs;

#define FVH_MAX_OFFERS 64
#define FVH_LOG 512

struct fvh_msg {
	uint32_t conn;                 /* connection it was posted on */
	uint32_t vp;
	uint32_t len;
	uint8_t  b[240];
};

struct fvh {
	struct part *p;
	struct gk_transport *t;
	uint8_t *mem;                  /* guest memory, GPA 0 */
	uint64_t mem_size;
	/* knobs */
	bool     port4;                /* register connection 4 (>= 5.0 hosts) */
	uint32_t max_version;          /* highest version accepted */
	uint32_t refuse_version;       /* one more version refused (0 = none) */
	uint8_t  conn_state;           /* VERSION_RESPONSE connection_state */
	uint32_t msg_conn_id;          /* returned for >= 5.0 */
	bool     mute_contact, mute_offers_done, mute_gpadl, mute_open, mute_torndown, mute_unload;
	uint32_t gpadl_status, open_status;
	uint32_t open_result_openid_delta; /* added to the echoed openid (wrong ids) */
	uint32_t reply_vp;
	/* what the host offers after REQUESTOFFERS (raw bytes, any length) */
	uint8_t  offer[FVH_MAX_OFFERS][240];
	uint32_t offer_len[FVH_MAX_OFFERS];
	unsigned noffers;
	/* what happened */
	struct fvh_msg log[FVH_LOG];
	unsigned nlog;
	uint32_t tried[16];            /* INITIATE_CONTACT versions, in order */
	uint32_t tried_conn[16];
	unsigned ntried;
	uint32_t version;              /* accepted version */
	uint32_t gpadl_handle;         /* last GPADL header's handle */
	uint32_t gpadl_relid;
	uint32_t gpadl_npfn_expected;
	uint32_t gpadl_npfn;           /* PFNs received so far (header + bodies) */
	uint64_t gpadl_pfn[8192];
	unsigned gpadl_headers, gpadl_bodies;
	unsigned signals;              /* event-port signals */
	uint32_t last_signal_conn;
	unsigned ev_ports;
	uint32_t ev_port_ids[16];
	/* a hook that sees every message first; return true when it answered */
	bool (*hook)(struct fvh *h, const struct fvh_msg *m);
	void *hook_arg;
};

/* Byte helpers for messages built from the sheet's offsets. */
void fvh_put16(uint8_t *b, size_t off, uint16_t v);
void fvh_put32(uint8_t *b, size_t off, uint32_t v);
void fvh_put64(uint8_t *b, size_t off, uint64_t v);
uint32_t fvh_get32(const uint8_t *b, size_t off);
uint64_t fvh_get64(const uint8_t *b, size_t off);

/* Append an OFFERCHANNEL (196 bytes, vmbus.md 5.2) to the offer script. */
void fvh_add_offer(struct fvh *h, const uint8_t class_id[16], const uint8_t inst[16],
		   uint32_t relid, uint16_t subidx, uint32_t conn_id, int monitor_id);
/* Build one into buf (240 bytes); returns 196. */
uint32_t fvh_offer_bytes(uint8_t *buf, const uint8_t class_id[16], const uint8_t inst[16],
			 uint32_t relid, uint16_t subidx, uint32_t conn_id, int monitor_id);
/* Post a raw message to the guest's SINT2 on reply_vp (asserts success). */
void fvh_send(struct fvh *h, const void *msg, uint32_t len);
/* Short forms. */
void fvh_send_rescind(struct fvh *h, uint32_t relid);
void fvh_send_u32s(struct fvh *h, uint32_t type, const uint32_t *w, unsigned n);
/* Register an event port for a connection id (signals are counted). */
void fvh_event_port(struct fvh *h, uint32_t conn);
/* Number of logged messages of a type, and the last one. */
unsigned fvh_count(const struct fvh *h, uint32_t type);
const struct fvh_msg *fvh_last(const struct fvh *h, uint32_t type);

/* ---- the guest fixture ---------------------------------------------------- */

enum gvx_host { GVX_FAKE, GVX_REAL };

struct gvx {
	struct gmem *gm;
	struct gk_transport *t;
	struct part *p;
	struct gk_runtime *rt;
	uint8_t *mem;
	uint64_t mem_size;
	enum gvx_host kind;
	struct fvh fh;                 /* GVX_FAKE */
	struct vmbs *vb;               /* GVX_REAL */
	bool vb_kicked;
};

/* Partition of ncpus on 'profile', runtime with 'seed', platform booted
 * (hyperv_init) in guest context.  GVX_FAKE: fake host with port 4 and
 * max_version 5.3 by default (adjust gx->fh before connecting);
 * GVX_REAL: the real VMBus server. */
struct gvx *gvx_new(const char *profile, uint32_t ncpus, uint64_t seed, enum gvx_host kind);
/* vmbus_fini, hyperv_fini, check no DMA page and no heap block leaked,
 * free everything. */
void gvx_free(struct gvx *gx);
/* Run fn in guest context. */
int gvx_call(struct gvx *gx, int (*fn)(void *), void *arg);
/* Let guest time pass (host work and interrupts run). */
void gvx_sleep(struct gvx *gx, uint64_t ns);

#endif /* TESTS_UNIT_HELPERS_FAKE_VMBUS_HOST_H */
