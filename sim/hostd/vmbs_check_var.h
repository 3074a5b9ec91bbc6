/* vmbs_check_var.h -- internal state of the protocol checker and the hooks
 * the VMBus server calls (each a NULL test when the checker is off).  Not
 * an API. */
#ifndef SIM_HOSTD_VMBS_CHECK_VAR_H
#define SIM_HOSTD_VMBS_CHECK_VAR_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/hostd/vmbs_check.h"
#include "sim/hostd/vmbs_var.h"

#define VCHK_MAX_TIDS 1024u  /* tracked in-flight ids per channel and direction */

/* Transaction ids awaiting a completion, unordered, capped. */
struct vchk_tids {
	uint64_t t_id[VCHK_MAX_TIDS];
	uint32_t t_n;
	bool     t_overflow;     /* stopped tracking: reuse checks off */
};

/* Per relid, reset at each open. */
struct vchk_chan {
	struct vchk_tids c_g2h;  /* guest requests the host must complete */
	struct vchk_tids c_h2g;  /* host requests the guest must complete */
	bool c_guest_closed;     /* CLOSECHANNEL seen since the last open */
	uint32_t c_reported;     /* 1 << code: once-per-open findings */
};

struct vmbs_check {
	bool k_on;
	struct vmbs_finding k_f[VMBS_CHK_MAX_FINDINGS];
	unsigned k_nf;
	uint64_t k_overflow;
	struct vchk_chan *k_chan[VMBUS_RELID_LIMIT];  /* lazily allocated */
	/* the guest message being dispatched, for rejections */
	uint32_t k_msgtype, k_msgrelid;
};

/* vmbs_check.c */
void *vchk_zalloc(size_t size);
void vchk_report(struct vmbs *vb, enum vmbs_chk code, uint32_t relid, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Report once per open of the channel. */
void vchk_report_once(struct vmbs_chan *ch, enum vmbs_chk code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
struct vchk_chan *vchk_chan(struct vmbs *vb, uint32_t relid); /* NULL: no memory */
void vchk_destroy(struct vmbs *vb);
void vchk_msg_in(struct vmbs *vb, const struct part_posted_msg *m);
void vchk_reject(struct vmbs *vb, enum vmbs_rej why);
void vchk_unload(struct vmbs *vb);
void vchk_released(struct vmbs_chan *ch);

/* vmbs_check_ring.c */
void vchk_open(struct vmbs_chan *ch);
void vchk_close(struct vmbs_chan *ch);
void vchk_signal(struct vmbs_chan *ch);
void vchk_packet_in(struct vmbs_chan *ch, const struct vmbus_pkt_desc *d);
void vchk_sent(struct vmbs_chan *ch, uint16_t type, uint64_t tid, bool want_completion);
void vchk_fail(struct vmbs_chan *ch, const char *why);
void vchk_rings(struct vmbs_chan *ch);

static inline bool vchk_on(const struct vmbs *vb)
{
	return vb->vb_check && vb->vb_check->k_on;
}

/* ---- hooks, called from vmbs*.c ---- */
#define VCHK_HOOK(vb, call) do { if (vchk_on(vb)) call; } while (0)

#endif /* SIM_HOSTD_VMBS_CHECK_VAR_H */
