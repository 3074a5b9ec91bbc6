/* vmbs_fault_var.h -- internal state of the fault injector and the hooks
 * the VMBus server calls (each a NULL test when nothing was ever armed).
 * Not an API. */
#ifndef SIM_HOSTD_VMBS_FAULT_VAR_H
#define SIM_HOSTD_VMBS_FAULT_VAR_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/hostd/vmbs_fault.h"
#include "sim/hostd/vmbs_var.h"

#define VFLT_DEFAULT_TIME    100000ull  /* 10 ms in 100 ns units */
#define VFLT_SPURIOUS_TIME   10000ull   /* 1 ms */

struct vflt {
	struct vmbs_fault_info fi;
	bool     active;          /* SLOT_BUSY / RING_STALL period running */
	uint64_t until;           /* end of that period, or next SPURIOUS */
	bool     primed;          /* RING_REWRITE: last_rd valid */
	uint32_t last_rd;
};

struct vflt_held {
	bool     used, reorder;
	enum vmbs_fault_dir dir;
	uint64_t due;             /* reference time of release */
	uint64_t seq;             /* arrival order */
	uint32_t conn, len;
	struct part_posted_msg in;
	uint8_t  out[HV_MESSAGE_PAYLOAD_BYTES];
};

typedef void vflt_dispatch_fn(struct vmbs *vb, const struct part_posted_msg *m, uint32_t conn);

struct vmbs_faults {
	struct vflt s_f[VMBS_FAULT_MAX];
	unsigned s_n;
	int s_next_id;
	struct vflt_held s_held[VMBS_FAULT_MAX_HELD];
	uint64_t s_seq;
	bool s_bypass;            /* re-delivering: faults do not apply */
	vflt_dispatch_fn *s_dispatch;
	struct part_host_timer *s_timer;
};

/* vmbs_fault.c: messages */
bool vflt_in(struct vmbs *vb, const struct part_posted_msg *m, uint32_t conn,
	     vflt_dispatch_fn *dispatch);
bool vflt_out(struct vmbs *vb, const void *msg, uint32_t len);
bool vflt_outq_blocked(struct vmbs *vb);
void vflt_pump(struct vmbs *vb, vflt_dispatch_fn *dispatch);
void vflt_destroy(struct vmbs *vb);
void vflt_fire(struct vmbs *vb, struct vflt *f, const char *what);
void vflt_rearm(struct vmbs *vb);
uint32_t vflt_msg_relid(uint32_t type, const uint8_t *p, uint32_t len, bool h2g);

/* vmbs_fault_chan.c: channels */
bool vflt_irq_lose(struct vmbs_chan *ch);
bool vflt_stalled(struct vmbs_chan *ch);
bool vflt_gpadl_fail(struct vmbs *vb, uint32_t relid);
int  vflt_rescind(struct vmbs *vb, struct vflt *f);
void vflt_pump_chan(struct vmbs *vb);

static inline bool vflt_on(const struct vmbs *vb)
{
	return vb->vb_fault && vb->vb_fault->s_n && !vb->vb_fault->s_bypass;
}

#endif /* SIM_HOSTD_VMBS_FAULT_VAR_H */
