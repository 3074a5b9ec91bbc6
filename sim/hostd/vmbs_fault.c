/* vmbs_fault.c -- the fault injector: arming and listing faults, and the
 * channel-message faults (drop, delay, duplicate, reorder in either
 * direction; the busy message slot).  Held messages are copies; they are
 * delivered in arrival order once due, through the server's own paths
 * with faults bypassed. */
#include "sim/hostd/vmbs_fault_var.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sim/hostd/vmbs_check_var.h"

static const char *const vflt_kind_names[VMBS_FAULT_KIND_COUNT] = {
	[VMBS_FAULT_DROP] = "drop",
	[VMBS_FAULT_DELAY] = "delay",
	[VMBS_FAULT_DUPLICATE] = "duplicate",
	[VMBS_FAULT_REORDER] = "reorder",
	[VMBS_FAULT_SLOT_BUSY] = "slot_busy",
	[VMBS_FAULT_IRQ_LOSE] = "irq_lose",
	[VMBS_FAULT_IRQ_SPURIOUS] = "irq_spurious",
	[VMBS_FAULT_RING_REWRITE] = "ring_rewrite",
	[VMBS_FAULT_GPADL_FAIL] = "gpadl_fail",
	[VMBS_FAULT_RESCIND] = "rescind",
	[VMBS_FAULT_RING_STALL] = "ring_stall",
};

const char *vmbs_fault_kind_name(enum vmbs_fault_kind k)
{
	return (unsigned)k < VMBS_FAULT_KIND_COUNT ? vflt_kind_names[k] : "?";
}

static void vflt_timer_fn(void *arg)
{
	vmbs_kick(arg);
}

/* The earliest moment something held or paused must resume. */
void vflt_rearm(struct vmbs *vb)
{
	struct vmbs_faults *s = vb->vb_fault;
	uint64_t t = UINT64_MAX;
	for (unsigned i = 0; i < VMBS_FAULT_MAX_HELD; i++)
		if (s->s_held[i].used && s->s_held[i].due < t)
			t = s->s_held[i].due;
	for (unsigned i = 0; i < s->s_n; i++) {
		const struct vflt *f = &s->s_f[i];
		bool timed = f->active || (f->fi.f.kind == VMBS_FAULT_IRQ_SPURIOUS && !f->fi.done);
		if (timed && f->until < t)
			t = f->until;
	}
	if (t == UINT64_MAX)
		part_host_timer_cancel(s->s_timer);
	else
		part_host_timer_arm(s->s_timer, t);
}

void vflt_fire(struct vmbs *vb, struct vflt *f, const char *what)
{
	f->fi.fired++;
	if (f->fi.fired >= f->fi.f.count && !f->active)
		f->fi.done = true;
	vmbs_trace(vb, "vmbs: fault #%d %s fired %u/%u: %s", f->fi.id,
		   vmbs_fault_kind_name(f->fi.f.kind), f->fi.fired, f->fi.f.count, what);
}

static bool vflt_needs_relid(enum vmbs_fault_kind k)
{
	return k == VMBS_FAULT_RESCIND || k == VMBS_FAULT_RING_STALL ||
	       k == VMBS_FAULT_RING_REWRITE;
}

int vmbs_fault_arm(struct vmbs *vb, const struct vmbs_fault *in)
{
	if (!vb || !in || (unsigned)in->kind >= VMBS_FAULT_KIND_COUNT ||
	    (unsigned)in->dir > VMBS_FAULT_H2G || in->msgtype >= VMBUS_MSG_COUNT ||
	    in->relid >= VMBUS_RELID_LIMIT || (vflt_needs_relid(in->kind) && !in->relid))
		return -EINVAL;
	if (!vb->vb_fault) {
		struct vmbs_faults *s = vchk_zalloc(sizeof *s);
		if (!s)
			return -ENOMEM;
		s->s_timer = part_host_timer_create(vb->vb_part, vflt_timer_fn, vb);
		if (!s->s_timer) {
			vmbs_free(s);
			return -ENOMEM;
		}
		vb->vb_fault = s;
	}
	struct vmbs_faults *s = vb->vb_fault;
	if (s->s_n == VMBS_FAULT_MAX)
		return -ENOSPC;
	struct vflt *f = &s->s_f[s->s_n];
	memset(f, 0, sizeof *f);
	f->fi.f = *in;
	if (!f->fi.f.count)
		f->fi.f.count = 1;
	if (!f->fi.f.time)
		f->fi.f.time = in->kind == VMBS_FAULT_IRQ_SPURIOUS ? VFLT_SPURIOUS_TIME
								    : VFLT_DEFAULT_TIME;
	f->fi.id = ++s->s_next_id;
	f->until = part_time(vb->vb_part); /* SPURIOUS: the first one at once */
	s->s_n++;
	vmbs_trace(vb, "vmbs: fault #%d %s armed: dir %s msg %u relid %u count %u", f->fi.id,
		   vmbs_fault_kind_name(in->kind), in->dir == VMBS_FAULT_H2G ? "h2g" : "g2h",
		   in->msgtype, in->relid, f->fi.f.count);
	if (in->kind == VMBS_FAULT_RESCIND && !in->msgtype) {
		int rc = vflt_rescind(vb, f);
		if (rc) {
			s->s_n--;
			return rc;
		}
	}
	vmbs_kick(vb);
	return f->fi.id;
}

int vmbs_fault_get(const struct vmbs *vb, int id, struct vmbs_fault_info *out)
{
	const struct vmbs_faults *s = vb->vb_fault;
	for (unsigned i = 0; s && i < s->s_n; i++) {
		if (s->s_f[i].fi.id == id) {
			*out = s->s_f[i].fi;
			return 0;
		}
	}
	return -ENOENT;
}

unsigned vmbs_fault_list(const struct vmbs *vb, vmbs_fault_fn *cb, void *arg)
{
	const struct vmbs_faults *s = vb->vb_fault;
	if (!s)
		return 0;
	for (unsigned i = 0; cb && i < s->s_n; i++)
		cb(arg, &s->s_f[i].fi);
	return s->s_n;
}

/* ---- held messages -------------------------------------------------------- */

static void vflt_deliver(struct vmbs *vb, struct vflt_held *h)
{
	struct vmbs_faults *s = vb->vb_fault;
	h->used = false;
	s->s_bypass = true;
	if (h->dir == VMBS_FAULT_G2H) {
		if (s->s_dispatch)
			s->s_dispatch(vb, &h->in, h->conn);
	} else {
		vmbs_send_msg(vb, h->out, h->len);
	}
	s->s_bypass = false;
}

/* Deliver held messages in arrival order: all of them (force), those due,
 * or (dir_reorder >= 0) those waiting for the next message of that dir. */
static void vflt_release(struct vmbs *vb, bool force, int dir_reorder)
{
	struct vmbs_faults *s = vb->vb_fault;
	uint64_t now = part_time(vb->vb_part);
	for (;;) {
		struct vflt_held *pick = NULL;
		for (unsigned i = 0; i < VMBS_FAULT_MAX_HELD; i++) {
			struct vflt_held *h = &s->s_held[i];
			if (!h->used)
				continue;
			bool go = force || h->due <= now ||
				  (dir_reorder >= 0 && h->reorder && (int)h->dir == dir_reorder);
			if (go && (!pick || h->seq < pick->seq))
				pick = h;
		}
		if (!pick)
			break;
		vflt_deliver(vb, pick);
	}
}

static bool vflt_hold(struct vmbs *vb, struct vflt *f, enum vmbs_fault_dir dir,
		      const struct part_posted_msg *m, uint32_t conn, const void *msg, uint32_t len)
{
	struct vmbs_faults *s = vb->vb_fault;
	for (unsigned i = 0; i < VMBS_FAULT_MAX_HELD; i++) {
		struct vflt_held *h = &s->s_held[i];
		if (h->used)
			continue;
		memset(h, 0, sizeof *h);
		h->used = true;
		h->dir = dir;
		h->reorder = f->fi.f.kind == VMBS_FAULT_REORDER;
		h->due = part_time(vb->vb_part) + f->fi.f.time;
		h->seq = ++s->s_seq;
		h->conn = conn;
		if (m)
			h->in = *m;
		else
			memcpy(h->out, msg, len);
		h->len = len;
		vflt_rearm(vb);
		return true;
	}
	return false; /* full: the message passes untouched */
}

static bool vflt_has_reorder(const struct vmbs_faults *s, enum vmbs_fault_dir dir)
{
	for (unsigned i = 0; i < VMBS_FAULT_MAX_HELD; i++)
		if (s->s_held[i].used && s->s_held[i].reorder && s->s_held[i].dir == dir)
			return true;
	return false;
}

/* ---- matching ---------------------------------------------------------------- */

uint32_t vflt_msg_relid(uint32_t type, const uint8_t *p, uint32_t len, bool h2g)
{
	uint32_t off = 8, relid = 0;
	switch (type) {
	case VMBUS_MSG_OFFERCHANNEL:
		off = offsetof(struct vmbus_msg_offer, child_relid);
		break;
	case VMBUS_MSG_RESCIND_CHANNELOFFER:
	case VMBUS_MSG_OPENCHANNEL_RESULT:
	case VMBUS_MSG_GPADL_CREATED:
	case VMBUS_MSG_MODIFYCHANNEL_RESPONSE:
		if (!h2g)
			return 0;
		break;
	case VMBUS_MSG_OPENCHANNEL:
	case VMBUS_MSG_CLOSECHANNEL:
	case VMBUS_MSG_GPADL_HEADER:
	case VMBUS_MSG_GPADL_TEARDOWN:
	case VMBUS_MSG_RELID_RELEASED:
	case VMBUS_MSG_MODIFYCHANNEL:
		if (h2g)
			return 0;
		break;
	default:
		return 0;
	}
	if (len >= off + 4)
		memcpy(&relid, p + off, 4);
	return relid;
}

static bool vflt_is_msg_kind(enum vmbs_fault_kind k)
{
	return k <= VMBS_FAULT_REORDER;
}

/* The first live message fault for this message, or NULL. */
static struct vflt *vflt_match(struct vmbs_faults *s, enum vmbs_fault_dir dir, uint32_t type,
			       uint32_t relid)
{
	for (unsigned i = 0; i < s->s_n; i++) {
		struct vflt *f = &s->s_f[i];
		const struct vmbs_fault *x = &f->fi.f;
		if (f->fi.done || !vflt_is_msg_kind(x->kind) || x->dir != dir)
			continue;
		if ((x->msgtype && x->msgtype != type) || (x->relid && x->relid != relid))
			continue;
		return f;
	}
	return NULL;
}

/* Apply a message fault; true when the message was consumed. */
static bool vflt_apply(struct vmbs *vb, struct vflt *f, enum vmbs_fault_dir dir,
		       const struct part_posted_msg *m, uint32_t conn, const void *msg,
		       uint32_t len, uint32_t type)
{
	struct vmbs_faults *s = vb->vb_fault;
	char what[64];
	snprintf(what, sizeof what, "%s message type %u", dir == VMBS_FAULT_H2G ? "h2g" : "g2h",
		 type);
	switch (f->fi.f.kind) {
	case VMBS_FAULT_DROP:
		vflt_fire(vb, f, what);
		return true;
	case VMBS_FAULT_DELAY:
	case VMBS_FAULT_REORDER:
		if (!vflt_hold(vb, f, dir, m, conn, msg, len))
			return false;
		vflt_fire(vb, f, what);
		return true;
	case VMBS_FAULT_DUPLICATE:
		vflt_fire(vb, f, what);
		s->s_bypass = true;
		for (int i = 0; i < 2; i++) {
			if (m)
				s->s_dispatch(vb, m, conn);
			else
				vmbs_send_msg(vb, msg, len);
		}
		s->s_bypass = false;
		return true;
	default:
		return false;
	}
}

/* A message that passes: if a reorder is waiting in its direction, this
 * one goes first, then the held one(s). */
static bool vflt_pass(struct vmbs *vb, enum vmbs_fault_dir dir, const struct part_posted_msg *m,
		      uint32_t conn, const void *msg, uint32_t len)
{
	struct vmbs_faults *s = vb->vb_fault;
	if (!vflt_has_reorder(s, dir))
		return false;
	s->s_bypass = true;
	if (m)
		s->s_dispatch(vb, m, conn);
	else
		vmbs_send_msg(vb, msg, len);
	s->s_bypass = false;
	vflt_release(vb, false, (int)dir);
	vflt_rearm(vb);
	return true;
}

bool vflt_in(struct vmbs *vb, const struct part_posted_msg *m, uint32_t conn,
	     vflt_dispatch_fn *dispatch)
{
	struct vmbs_faults *s = vb->vb_fault;
	s->s_dispatch = dispatch;
	struct vmbus_msg_hdr h;
	if (m->payload_size < sizeof h || m->payload_size > sizeof m->payload)
		return false; /* the dispatcher rejects it */
	memcpy(&h, m->payload, sizeof h);
	uint32_t relid = vflt_msg_relid(h.msgtype, m->payload, m->payload_size, false);
	/* A rescind triggered by this message goes out before it is handled. */
	for (unsigned i = 0; i < s->s_n; i++) {
		struct vflt *f = &s->s_f[i];
		if (!f->fi.done && f->fi.f.kind == VMBS_FAULT_RESCIND && f->fi.f.msgtype &&
		    f->fi.f.msgtype == h.msgtype && f->fi.f.relid == relid)
			vflt_rescind(vb, f);
	}
	struct vflt *f = vflt_match(s, VMBS_FAULT_G2H, h.msgtype, relid);
	if (f && vflt_apply(vb, f, VMBS_FAULT_G2H, m, conn, NULL, 0, h.msgtype))
		return true;
	return vflt_pass(vb, VMBS_FAULT_G2H, m, conn, NULL, 0);
}

bool vflt_out(struct vmbs *vb, const void *msg, uint32_t len)
{
	struct vmbs_faults *s = vb->vb_fault;
	struct vmbus_msg_hdr h;
	if (len < sizeof h || len > HV_MESSAGE_PAYLOAD_BYTES)
		return false;
	memcpy(&h, msg, sizeof h);
	uint32_t relid = vflt_msg_relid(h.msgtype, msg, len, true);
	struct vflt *f = vflt_match(s, VMBS_FAULT_H2G, h.msgtype, relid);
	if (f && vflt_apply(vb, f, VMBS_FAULT_H2G, NULL, 0, msg, len, h.msgtype))
		return true;
	return vflt_pass(vb, VMBS_FAULT_H2G, NULL, 0, msg, len);
}

bool vflt_outq_blocked(struct vmbs *vb)
{
	struct vmbs_faults *s = vb->vb_fault;
	uint64_t now = part_time(vb->vb_part);
	for (unsigned i = 0; i < s->s_n; i++) {
		struct vflt *f = &s->s_f[i];
		if (f->fi.f.kind != VMBS_FAULT_SLOT_BUSY)
			continue;
		if (f->active) {
			if (now < f->until)
				return true;
			f->active = false;
			f->fi.done = f->fi.fired >= f->fi.f.count;
			continue;
		}
		if (!f->fi.done && vb->vb_outq_len) {
			f->active = true;
			f->until = now + f->fi.f.time;
			vflt_fire(vb, f, "message slot busy");
			vflt_rearm(vb);
			return true;
		}
	}
	return false;
}

void vflt_pump(struct vmbs *vb, vflt_dispatch_fn *dispatch)
{
	struct vmbs_faults *s = vb->vb_fault;
	s->s_dispatch = dispatch;
	vflt_release(vb, false, -1);
	vflt_pump_chan(vb);
	vflt_rearm(vb);
}

void vmbs_fault_clear(struct vmbs *vb)
{
	struct vmbs_faults *s = vb->vb_fault;
	if (!s)
		return;
	vflt_release(vb, true, -1);
	s->s_n = 0;
	part_host_timer_cancel(s->s_timer);
	vmbs_kick(vb); /* stalled rings and a busy slot resume */
	for (uint32_t r = 1; r < VMBUS_RELID_LIMIT; r++)
		if (vb->vb_chan[r] && vb->vb_chan[r]->ch_state == VMBS_CHS_OPEN)
			vmbs_chan_mark(vb->vb_chan[r]);
}

void vflt_destroy(struct vmbs *vb)
{
	struct vmbs_faults *s = vb->vb_fault;
	if (!s)
		return;
	part_host_timer_destroy(s->s_timer);
	vmbs_free(s);
	vb->vb_fault = NULL;
}
