/* vmbs_capture.h -- the VMBus server's capture tap: one callback that sees
 * every channel message and every ring packet, in both directions, as the
 * other side sees it (guest messages as taken from the port, host messages
 * once the SynIC accepted them, packets as copied from or written to the
 * rings).  The tap only observes; it never changes what the server does.
 * Off (and free: one NULL test per message and packet) until set. */
#ifndef SIM_HOSTD_VMBS_CAPTURE_H
#define SIM_HOSTD_VMBS_CAPTURE_H

#include <stdint.h>

struct vmbs;
struct vmbus_guid;

enum vmbs_cap_kind { VMBS_CAP_MSG = 0, VMBS_CAP_PKT = 1 };
enum vmbs_cap_dir { VMBS_CAP_G2H = 0, VMBS_CAP_H2G = 1 };

struct vmbs_cap_rec {
	uint8_t  kind;       /* VMBS_CAP_* kind */
	uint8_t  dir;        /* VMBS_CAP_G2H / VMBS_CAP_H2G */
	uint16_t type;       /* message: VMBUS_MSG_* (0 if shorter than a header);
	                        packet: descriptor type VMBUS_PKT_* */
	uint32_t relid;      /* packet: its channel; message: the relid it names, 0 none */
	uint16_t subidx;     /* packet: the channel's sub-channel index */
	uint16_t conn;       /* message: SynIC connection id (1, or 4 for 5.0+ contact) */
	uint32_t vp;         /* message: the vCPU that posted / receives it */
	const struct vmbus_guid *class_id; /* packet: the channel's interface type; else NULL */
	uint64_t ref_time;   /* partition reference time (100 ns) */
};

/* A record's bytes in pieces (a host packet is written from several). */
struct vmbs_cap_seg {
	const void *base;
	uint32_t len;
};

/* Called synchronously from inside the server; everything pointed to lives
 * for the call only.  Must not call back into the server. */
typedef void vmbs_capture_fn(void *arg, const struct vmbs_cap_rec *r,
			     const struct vmbs_cap_seg *seg, unsigned nseg);

/* Install (fn != NULL) or remove (fn == NULL) the tap.  One per server:
 * a new one replaces the old. */
void vmbs_capture_set(struct vmbs *vb, vmbs_capture_fn *fn, void *arg);

#endif /* SIM_HOSTD_VMBS_CAPTURE_H */
