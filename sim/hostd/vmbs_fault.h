/* vmbs_fault.h -- fault injection at the VMBus transport, host side (both
 * the inproc and the split transport see it): drop, delay, duplicate or
 * reorder channel messages in either direction; keep the message slot
 * busy; lose or add channel interrupts; rewrite ring bytes after the guest
 * has read them; fail GPADL creation; rescind a channel in any state;
 * stall a ring.  Each armed fault fires for the next 'count' matching
 * events, counts each firing and traces it ("vmbs: fault #3 drop fired
 * 1/2: ...").  Time is the partition's reference time (virtual in inproc,
 * so every run is deterministic); delays end through a host timer. */
#ifndef SIM_HOSTD_VMBS_FAULT_H
#define SIM_HOSTD_VMBS_FAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vmbs;

enum vmbs_fault_kind {
	VMBS_FAULT_DROP = 0,      /* message (dir, msgtype, relid) is lost */
	VMBS_FAULT_DELAY,         /* message held for 'time', then delivered */
	VMBS_FAULT_DUPLICATE,     /* message delivered twice */
	VMBS_FAULT_REORDER,       /* message held until the next one of that direction
				   * passed (or 'time' ran out) */
	VMBS_FAULT_SLOT_BUSY,     /* host->guest messages wait 'time' as if the
				   * SynIC slot stayed busy (count = periods) */
	VMBS_FAULT_IRQ_LOSE,      /* the next channel interrupt(s) to the guest vanish */
	VMBS_FAULT_IRQ_SPURIOUS,  /* interrupts with nothing in the ring, 'time' apart */
	VMBS_FAULT_RING_REWRITE,  /* bytes the guest consumed from its receive ring
				   * are overwritten with 0xA5 */
	VMBS_FAULT_GPADL_FAIL,    /* GPADL_CREATED with a failure status */
	VMBS_FAULT_RESCIND,       /* rescind relid now, or when the guest sends msgtype for it */
	VMBS_FAULT_RING_STALL,    /* the host stops reading relid's ring for 'time' */
	VMBS_FAULT_KIND_COUNT
};

enum vmbs_fault_dir {
	VMBS_FAULT_G2H = 0,       /* guest -> host (HvPostMessage) */
	VMBS_FAULT_H2G,           /* host -> guest (SynIC SINT 2) */
};

struct vmbs_fault {
	enum vmbs_fault_kind kind;
	enum vmbs_fault_dir dir;  /* message kinds */
	uint32_t msgtype;         /* VMBUS_MSG_*, 0 = any (message kinds; RESCIND trigger) */
	uint32_t relid;           /* 0 = any channel (required for RESCIND, RING_STALL) */
	uint32_t count;           /* times it fires, 0 means 1 */
	uint64_t time;            /* 100 ns units; 0 = default (10 ms; SPURIOUS 1 ms) */
};

#define VMBS_FAULT_MAX      32u  /* armed at once per server */
#define VMBS_FAULT_MAX_HELD 64u  /* messages held by delay/reorder at once */

/* Arm a fault.  Returns its id (>= 1), -EINVAL (bad kind, direction,
 * relid missing), -ENOSPC (VMBS_FAULT_MAX armed), -ENOMEM.  A RESCIND
 * without msgtype fires at once (-ENOENT: no such channel, nothing armed). */
int  vmbs_fault_arm(struct vmbs *vb, const struct vmbs_fault *f);

struct vmbs_fault_info {
	int id;
	struct vmbs_fault f;
	uint32_t fired;           /* 0..count */
	bool done;                /* fired count times (or disarmed) */
};
/* One fault by id: 0 or -ENOENT. */
int  vmbs_fault_get(const struct vmbs *vb, int id, struct vmbs_fault_info *out);
/* Every fault armed since the last clear, in arming order; returns how many. */
typedef void vmbs_fault_fn(void *arg, const struct vmbs_fault_info *fi);
unsigned vmbs_fault_list(const struct vmbs *vb, vmbs_fault_fn *cb, void *arg);
/* Disarm everything; held messages are delivered now (in order). */
void vmbs_fault_clear(struct vmbs *vb);

const char *vmbs_fault_kind_name(enum vmbs_fault_kind k); /* "drop", ... "?" */
/* Parse "kind[,dir=g2h|h2g][,msg=NAME|N][,relid=N][,count=N][,ms=N|us=N]",
 * e.g. "drop,dir=h2g,msg=OPENCHANNEL_RESULT,count=2".  0 or -EINVAL. */
int  vmbs_fault_parse(const char *spec, struct vmbs_fault *out);
/* VMBUS_MSG_* for "OPENCHANNEL" (any case, also "openchannel_result"), or -1. */
int  vmbs_fault_msg_from_name(const char *name);
const char *vmbs_fault_msg_name(uint32_t msgtype);

#endif /* SIM_HOSTD_VMBS_FAULT_H */
