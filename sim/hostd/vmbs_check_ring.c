/* vmbs_check_ring.c -- the protocol checker's channel checks: ring control
 * fields (interrupt_mask, pending_send_sz), signals, in-flight transaction
 * ids, packets the ring refused, and the end-of-step sweep (lost wake-ups,
 * masks left set, GPADLs left behind). */
#include "sim/hostd/vmbs_check_var.h"

#include <string.h>

#include "sim/hostd/gmem.h"

static uint32_t vchk_ld(const struct hring *r, unsigned w)
{
	return __atomic_load_n(&r->hr_ctl[w], __ATOMIC_ACQUIRE);
}

/* ---- transaction ids ------------------------------------------------------------ */

static bool tids_find(struct vchk_tids *t, uint64_t id, bool remove)
{
	for (uint32_t i = 0; i < t->t_n; i++) {
		if (t->t_id[i] != id)
			continue;
		if (remove)
			t->t_id[i] = t->t_id[--t->t_n];
		return true;
	}
	return false;
}

static void tids_add(struct vchk_tids *t, uint64_t id)
{
	if (t->t_n == VCHK_MAX_TIDS) {
		t->t_overflow = true;
		return;
	}
	t->t_id[t->t_n++] = id;
}

/* ---- lifetime ------------------------------------------------------------------ */

void vchk_open(struct vmbs_chan *ch)
{
	struct vchk_chan *c = vchk_chan(ch->ch_vb, ch->ch_relid);
	if (c)
		memset(c, 0, sizeof *c);
}

void vchk_close(struct vmbs_chan *ch)
{
	struct vchk_chan *c = vchk_chan(ch->ch_vb, ch->ch_relid);
	if (c)
		c->c_guest_closed = true;
}

/* ---- ring fields ------------------------------------------------------------------ */

/* Fields the guest must not touch or must use consistently; checked at
 * every processing of the channel and at the sweep, reported once per open. */
void vchk_rings(struct vmbs_chan *ch)
{
	const struct hring *a = &ch->ch_in, *b = &ch->ch_out;
	if (!a->hr_ctl || !b->hr_ctl)
		return;
	/* Ring A's consumer is the host: its interrupt_mask is ours (we
	 * leave it 0).  A guest writing it masks its own producer edge. */
	uint32_t mask_a = vchk_ld(a, HRING_W_MASK);
	if (mask_a)
		vchk_report_once(ch, VMBS_CHK_MASK_WRONG_RING,
				 "guest wrote interrupt_mask=%u in its send ring (the host's field)",
				 mask_a);
	uint32_t pss_a = vchk_ld(a, HRING_W_PENDING);
	if (pss_a) {
		if (!(vchk_ld(a, HRING_W_FEATURES) & VMBUS_RING_FEATURE_PENDING_SEND_SZ))
			vchk_report_once(ch, VMBS_CHK_PSS_NO_FEATURE,
					 "pending_send_sz=%u in the send ring without feature bit 0: "
					 "the host will never signal space", pss_a);
		if ((pss_a & VMBUS_RING_PENDING_SEND_SZ_MASK) >= a->hr_dsize)
			vchk_report_once(ch, VMBS_CHK_PSS_TOO_LARGE,
					 "pending_send_sz=%u >= ring data size %u: never satisfiable",
					 pss_a, a->hr_dsize);
	}
	/* Ring B's producer is the host: pending_send_sz is what we stored. */
	uint32_t pss_b = vchk_ld(b, HRING_W_PENDING);
	uint32_t ours = b->hr_blocked ? b->hr_need : 0;
	if (pss_b != ours)
		vchk_report_once(ch, VMBS_CHK_PSS_WRONG_RING,
				 "guest wrote pending_send_sz=%u in its receive ring (host has %u)",
				 pss_b, ours);
}

/* ---- signals ------------------------------------------------------------------------ */

void vchk_signal(struct vmbs_chan *ch)
{
	if (ch->ch_state != VMBS_CHS_OPEN)
		return;
	/* Needed: new data for us, or space for us when we wait for it. */
	if (hring_in_pending(&ch->ch_in) || ch->ch_out.hr_blocked)
		return;
	vchk_report(ch->ch_vb, VMBS_CHK_SIGNAL_UNNEEDED, ch->ch_relid,
		    "signal with no new data and no host waiting for space");
}

/* ---- packets ------------------------------------------------------------------------ */

void vchk_packet_in(struct vmbs_chan *ch, const struct vmbus_pkt_desc *d)
{
	struct vchk_chan *c = vchk_chan(ch->ch_vb, ch->ch_relid);
	if (!c)
		return;
	if (d->type == VMBUS_PKT_COMP) {
		if (!c->c_h2g.t_overflow && !tids_find(&c->c_h2g, d->trans_id, true))
			vchk_report(ch->ch_vb, VMBS_CHK_COMP_UNSOLICITED, ch->ch_relid,
				    "completion for tid 0x%llx: no host request outstanding",
				    (unsigned long long)d->trans_id);
		return;
	}
	if (!(d->flags & VMBUS_PKT_FLAG_COMPLETION_REQUESTED) || c->c_g2h.t_overflow)
		return;
	if (tids_find(&c->c_g2h, d->trans_id, false)) {
		vchk_report(ch->ch_vb, VMBS_CHK_TID_REUSE, ch->ch_relid,
			    "tid 0x%llx reused before its completion came back",
			    (unsigned long long)d->trans_id);
		return;
	}
	tids_add(&c->c_g2h, d->trans_id);
}

void vchk_sent(struct vmbs_chan *ch, uint16_t type, uint64_t tid, bool want_completion)
{
	struct vchk_chan *c = vchk_chan(ch->ch_vb, ch->ch_relid);
	if (!c)
		return;
	if (type == VMBUS_PKT_COMP) {
		tids_find(&c->c_g2h, tid, true);
		return;
	}
	/* A device reusing its own id is not the guest's fault: keep one. */
	if (want_completion && !c->c_h2g.t_overflow && !tids_find(&c->c_h2g, tid, false))
		tids_add(&c->c_h2g, tid);
}

/* The server closed the channel; classify its reason (hring's static
 * strings, or the device's). */
void vchk_fail(struct vmbs_chan *ch, const char *why)
{
	enum vmbs_chk code = VMBS_CHK_CHAN_FAILED;
	if (!why)
		why = "?";
	if (ch->ch_in.hr_err == why || ch->ch_out.hr_err == why) {
		if (strstr(why, "misaligned"))
			code = VMBS_CHK_PKT_MISALIGNED;
		else if (strstr(why, "longer than") || strstr(why, "larger than"))
			code = VMBS_CHK_PKT_OVERSIZE;
		else
			code = VMBS_CHK_RING_CORRUPT;
	}
	vchk_report(ch->ch_vb, code, ch->ch_relid, "channel closed: %s", why);
}

/* ---- the sweep ------------------------------------------------------------------------ */

/* A signal the host has not taken yet: a monitor bit or interrupt-page
 * bit still set (the guest wrote memory after the last pump). */
static bool vchk_signal_waiting(struct vmbs_chan *ch)
{
	struct vmbs *vb = ch->ch_vb;
	if (ch->ch_pending)
		return true;
	uint8_t m = ch->ch_monitor_id;
	if (vb->vb_mon2 && m < VMBUS_MONITOR_COUNT) {
		const uint8_t *mp = gmem_ptr(vb->vb_gm, vb->vb_mon2, HV_PAGE_SIZE);
		if (mp) {
			uint32_t pend;
			memcpy(&pend, mp + offsetof(struct vmbus_monitor_page, trigger_group) +
				      (m / VMBUS_MONITORS_PER_GROUP) *
				      sizeof(struct vmbus_monitor_trigger_group), 4);
			if (pend & (1u << (m % VMBUS_MONITORS_PER_GROUP)))
				return true;
		}
	}
	if (vb->vb_int_page) {
		const uint8_t *b = gmem_ptr(vb->vb_gm, vb->vb_int_page + VMBUS_INT_PAGE_HALF_BYTES +
					    ch->ch_relid / 8, 1);
		if (b && (*b & (1u << (ch->ch_relid % 8))))
			return true;
	}
	return false;
}

void vmbs_check_sweep(struct vmbs *vb)
{
	if (!vchk_on(vb))
		return;
	for (uint32_t r = 1; r < VMBUS_RELID_LIMIT; r++) {
		struct vmbs_chan *ch = vb->vb_chan[r];
		if (!ch)
			continue;
		if (ch->ch_state != VMBS_CHS_OPEN) {
			struct vchk_chan *c = vb->vb_check->k_chan[r];
			if (c && c->c_guest_closed && ch->ch_ngpadl)
				vchk_report_once(ch, VMBS_CHK_GPADL_LEAK,
						 "%u GPADL(s) left after CLOSECHANNEL", ch->ch_ngpadl);
			continue;
		}
		vchk_rings(ch);
		if (hring_in_pending(&ch->ch_in) && !vchk_signal_waiting(ch))
			vchk_report(vb, VMBS_CHK_LOST_WAKEUP, r,
				    "send ring holds unread data and the guest never signalled");
		const struct hring *b = &ch->ch_out;
		if (vchk_ld(b, HRING_W_MASK) && vchk_ld(b, HRING_W_READ) != b->hr_priv)
			vchk_report(vb, VMBS_CHK_MASK_STUCK, r,
				    "receive ring masked over unread data: no interrupt will come");
	}
}
