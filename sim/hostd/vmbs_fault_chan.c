/* vmbs_fault_chan.c -- the fault injector's channel faults: lost and
 * spurious interrupts, ring bytes rewritten after the guest consumed them,
 * failed GPADLs, rescinds in any state, stalled rings. */
#include "sim/hostd/vmbs_fault_var.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* The first live fault of 'kind' for relid (fault relid 0 = any). */
static struct vflt *vflt_find(struct vmbs *vb, enum vmbs_fault_kind kind, uint32_t relid)
{
	struct vmbs_faults *s = vb->vb_fault;
	for (unsigned i = 0; i < s->s_n; i++) {
		struct vflt *f = &s->s_f[i];
		if (f->fi.f.kind == kind && !f->fi.done && (!f->fi.f.relid || f->fi.f.relid == relid))
			return f;
	}
	return NULL;
}

bool vflt_irq_lose(struct vmbs_chan *ch)
{
	struct vflt *f = vflt_find(ch->ch_vb, VMBS_FAULT_IRQ_LOSE, ch->ch_relid);
	if (!f)
		return false;
	char what[48];
	snprintf(what, sizeof what, "interrupt for relid %u lost", ch->ch_relid);
	vflt_fire(ch->ch_vb, f, what);
	return true;
}

bool vflt_gpadl_fail(struct vmbs *vb, uint32_t relid)
{
	struct vflt *f = vflt_find(vb, VMBS_FAULT_GPADL_FAIL, relid);
	if (!f)
		return false;
	char what[48];
	snprintf(what, sizeof what, "GPADL of relid %u refused", relid);
	vflt_fire(vb, f, what);
	return true;
}

int vflt_rescind(struct vmbs *vb, struct vflt *f)
{
	struct vmbs_chan *ch = vmbs_chan_by_relid(vb, f->fi.f.relid);
	if (!ch || ch->ch_removed)
		return -ENOENT;
	char what[64];
	snprintf(what, sizeof what, "relid %u rescinded while %s", ch->ch_relid,
		 vmbs_chan_state_name(ch->ch_state));
	vflt_fire(vb, f, what);
	f->fi.done = true; /* a channel is rescinded once */
	if (ch->ch_primary == ch)
		return vmbs_dev_remove(ch);
	vmbs_chan_rescind(ch);
	return 0;
}

bool vflt_stalled(struct vmbs_chan *ch)
{
	struct vmbs *vb = ch->ch_vb;
	struct vmbs_faults *s = vb->vb_fault;
	uint64_t now = part_time(vb->vb_part);
	for (unsigned i = 0; i < s->s_n; i++) {
		struct vflt *f = &s->s_f[i];
		if (f->fi.f.kind != VMBS_FAULT_RING_STALL || f->fi.f.relid != ch->ch_relid)
			continue;
		if (f->active) {
			if (now < f->until)
				return true;
			f->active = false;
			f->fi.done = f->fi.fired >= f->fi.f.count;
			vmbs_trace(vb, "vmbs: fault #%d ring_stall of relid %u ends", f->fi.id,
				   ch->ch_relid);
			continue;
		}
		if (f->fi.done)
			continue;
		f->active = true;
		f->until = now + f->fi.f.time;
		char what[48];
		snprintf(what, sizeof what, "ring of relid %u stalled", ch->ch_relid);
		vflt_fire(vb, f, what);
		vflt_rearm(vb);
		return true;
	}
	return false;
}

/* Overwrite n bytes of ring B's data that end at 'end' (wrapping). */
static void vflt_scribble(struct hring *r, uint32_t end, uint32_t n)
{
	uint32_t off = end >= n ? end - n : r->hr_dsize - (n - end);
	while (n) {
		uint32_t k;
		uint8_t *dst;
		if (r->hr_flat) {
			k = r->hr_dsize - off;
			dst = r->hr_flat + off;
		} else {
			k = HV_PAGE_SIZE - (off & (HV_PAGE_SIZE - 1));
			dst = r->hr_pages[off / HV_PAGE_SIZE] + (off & (HV_PAGE_SIZE - 1));
		}
		if (k > n)
			k = n;
		memset(dst, 0xA5, k);
		n -= k;
		off += k;
		if (off == r->hr_dsize)
			off = 0;
	}
}

/* Scribble over what the guest consumed since we last looked, never over
 * unread data: only bytes in the free part of the ring, ending at rd. */
static void vflt_rewrite(struct vmbs *vb, struct vflt *f)
{
	struct vmbs_chan *ch = vmbs_chan_by_relid(vb, f->fi.f.relid);
	if (!ch || ch->ch_state != VMBS_CHS_OPEN || !ch->ch_out.hr_ctl) {
		f->primed = false;
		return;
	}
	struct hring *r = &ch->ch_out;
	uint32_t rd = __atomic_load_n(&r->hr_ctl[HRING_W_READ], __ATOMIC_ACQUIRE);
	if (rd >= r->hr_dsize || (rd & 7u))
		return; /* corrupt: the next write closes the channel */
	if (!f->primed || rd == f->last_rd) {
		f->primed = true;
		f->last_rd = rd;
		return;
	}
	uint32_t consumed = rd >= f->last_rd ? rd - f->last_rd : r->hr_dsize - f->last_rd + rd;
	uint32_t free_b = hring_raw_free(r->hr_dsize, r->hr_priv, rd);
	uint32_t n = consumed < free_b ? consumed : free_b;
	f->last_rd = rd;
	if (!n)
		return;
	vflt_scribble(r, rd, n);
	char what[64];
	snprintf(what, sizeof what, "%u consumed bytes of relid %u rewritten", n, ch->ch_relid);
	vflt_fire(vb, f, what);
}

void vflt_pump_chan(struct vmbs *vb)
{
	struct vmbs_faults *s = vb->vb_fault;
	uint64_t now = part_time(vb->vb_part);
	for (unsigned i = 0; i < s->s_n; i++) {
		struct vflt *f = &s->s_f[i];
		switch (f->fi.f.kind) {
		case VMBS_FAULT_RING_REWRITE:
			if (!f->fi.done)
				vflt_rewrite(vb, f);
			break;
		case VMBS_FAULT_RING_STALL: {
			/* The stall is over: process what the guest sent meanwhile. */
			struct vmbs_chan *ch = vmbs_chan_by_relid(vb, f->fi.f.relid);
			if (f->active && now >= f->until && ch)
				vmbs_chan_mark(ch);
			break;
		}
		case VMBS_FAULT_IRQ_SPURIOUS: {
			if (f->fi.done || now < f->until)
				break;
			struct vmbs_chan *ch = NULL;
			for (uint32_t r = 1; r < VMBUS_RELID_LIMIT && !ch; r++) {
				struct vmbs_chan *c = vb->vb_chan[r];
				if (c && c->ch_state == VMBS_CHS_OPEN &&
				    (!f->fi.f.relid || f->fi.f.relid == r))
					ch = c;
			}
			if (!ch)
				break;
			char what[48];
			snprintf(what, sizeof what, "spurious interrupt for relid %u", ch->ch_relid);
			vflt_fire(vb, f, what);
			f->until = now + f->fi.f.time;
			vmbs_chan_signal_guest(ch);
			break;
		}
		default:
			break;
		}
	}
}
