/* synic.c -- the synthetic interrupt controller, host side: SynIC MSRs,
 * message delivery into SIMP slots with the MessagePending/EOM protocol,
 * bounded per-SINT queues, and event flags in the SIEF page.
 *
 * The slot contract (TLFS, vmbus.md 3.6): the host writes a message only
 * into a slot whose type is NONE, payload and header first and the type
 * last with release ordering.  The guest copies the message out, writes
 * NONE, does a full barrier, and writes EOM only if MessagePending was set.
 * So whenever a message stays behind, the host sets MessagePending in the
 * occupant, then re-reads the type: if the guest emptied the slot in
 * between it may already have looked at the flags, so the host delivers
 * into the now-free slot itself instead of waiting for an EOM that will
 * not come. */
#include "sim/hostd/partition_var.h"

#include <errno.h>
#include <string.h>

#include "sim/hostd/gmem.h"

#define SYNIC_SINT_RSVD    (0xFF00ull | (~0ull << 21))
#define SYNIC_OVERLAY_RSVD 0xFFEull
#define SYNIC_SCONTROL_RSVD (~1ull)
/* Retries of the set-pending/re-read dance before we leave the message
 * queued; a guest flipping the type faster than that only hurts itself. */
#define SYNIC_SLOT_TRIES 4

static bool synic_sint_deliverable(const struct part_vcpu *v, uint32_t sint)
{
	uint64_t s = v->vc_sint[sint];
	return (v->vc_scontrol & HV_SCONTROL_ENABLE) && !(s & HV_SINT_MASKED) &&
	       !(s & HV_SINT_PROXY);
}

static void synic_raise(struct part *p, struct part_vcpu *v, uint32_t sint)
{
	uint64_t s = v->vc_sint[sint];
	if (s & HV_SINT_POLLING)
		return; /* the guest polls: no interrupt */
	if (p->p_out.irq)
		p->p_out.irq(p->p_arg, v->vc_index, (uint8_t)(s & HV_SINT_VECTOR_MASK));
}

enum synic_put { SYNIC_PUT_DONE, SYNIC_PUT_BUSY, SYNIC_PUT_BLOCKED };

/* Try to place 'm' in the slot of (v, sint).  'more' sets MessagePending in
 * it because something else still waits behind it.  BUSY: the occupant now
 * carries MessagePending.  BLOCKED: SynIC/SIMP off or the SINT masked. */
static enum synic_put synic_slot_put(struct part *p, struct part_vcpu *v, uint32_t sint,
				     const struct hv_message *m, bool more)
{
	if (!synic_sint_deliverable(v, sint) || !(v->vc_simp & HV_OVERLAY_ENABLE))
		return SYNIC_PUT_BLOCKED;
	uint8_t *slot = gmem_ptr(p->p_gm, (v->vc_simp & HV_OVERLAY_PFN_MASK) +
				 (uint64_t)sint * sizeof(struct hv_message),
				 sizeof(struct hv_message));
	if (!slot) /* validated at the SIMP write; cannot happen */
		return SYNIC_PUT_BLOCKED;
	uint32_t *type = (uint32_t *)(void *)slot; /* 256-byte aligned */
	uint8_t *flags = slot + offsetof(struct hv_message_header, flags);

	for (int i = 0; i < SYNIC_SLOT_TRIES; i++) {
		if (__atomic_load_n(type, __ATOMIC_ACQUIRE) == HVMSG_NONE) {
			struct hv_message c = *m;
			c.header.flags = more ? HV_MSG_FLAG_PENDING : 0;
			memcpy(slot + sizeof c.header.message_type,
			       (const uint8_t *)&c + sizeof c.header.message_type,
			       sizeof c - sizeof c.header.message_type);
			__atomic_store_n(type, c.header.message_type, __ATOMIC_RELEASE);
			v->vc_delivered++;
			p->p_st.synic_delivered++;
			synic_raise(p, v, sint);
			return SYNIC_PUT_DONE;
		}
		__atomic_fetch_or(flags, HV_MSG_FLAG_PENDING, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(type, __ATOMIC_SEQ_CST) != HVMSG_NONE)
			return SYNIC_PUT_BUSY;
	}
	return SYNIC_PUT_BUSY;
}

void synic_flush(struct part *p, struct part_vcpu *v, uint32_t sint)
{
	struct part_sint_queue *q = &v->vc_q[sint];
	/* Each turn delivers one message or stops; a delivered message makes
	 * the slot busy, so this runs at most twice. */
	for (;;) {
		int t = stimer_held_for(v, sint);
		if (q->sq_count > 0) {
			bool more = q->sq_count > 1 || t >= 0;
			if (synic_slot_put(p, v, sint, &q->sq_msgs[q->sq_head], more) != SYNIC_PUT_DONE)
				return;
			memset(&q->sq_msgs[q->sq_head], 0, sizeof q->sq_msgs[0]);
			q->sq_head = (q->sq_head + 1) % PART_SINT_QUEUE_DEPTH;
			q->sq_count--;
		} else if (t >= 0) {
			struct hv_message m;
			stimer_held_message(p, v, (unsigned)t, &m);
			/* another held timer on this SINT? */
			v->vc_stimer[t].st_held = false;
			bool more = stimer_held_for(v, sint) >= 0;
			v->vc_stimer[t].st_held = true;
			if (synic_slot_put(p, v, sint, &m, more) != SYNIC_PUT_DONE)
				return;
			stimer_held_delivered(p, v, (unsigned)t);
		} else {
			return;
		}
	}
}

void synic_flush_all(struct part *p, struct part_vcpu *v)
{
	for (uint32_t s = 0; s < HV_SINT_COUNT; s++)
		synic_flush(p, v, s);
}

int synic_post(struct part *p, uint32_t vp, uint32_t sint, uint32_t msg_type,
	       uint64_t origin, const void *payload, uint32_t len)
{
	struct part_vcpu *v = part_vcpu_get(p, vp);
	if (!v || sint >= HV_SINT_COUNT || len > HV_MESSAGE_PAYLOAD_BYTES ||
	    msg_type == HVMSG_NONE || (len && !payload))
		return -EINVAL;
	struct hv_message m;
	memset(&m, 0, sizeof m);
	m.header.message_type = msg_type;
	m.header.payload_size = (uint8_t)len;
	m.header.origination_id = origin;
	if (len)
		memcpy(m.payload, payload, len);

	struct part_sint_queue *q = &v->vc_q[sint];
	if (q->sq_count == 0 && stimer_held_for(v, sint) < 0) {
		enum synic_put r = synic_slot_put(p, v, sint, &m, false);
		if (r == SYNIC_PUT_DONE)
			return 0;
	}
	if (q->sq_count >= PART_SINT_QUEUE_DEPTH) {
		p->p_st.synic_dropped++;
		return -ENOSPC;
	}
	if (!q->sq_msgs) {
		q->sq_msgs = part_zalloc(sizeof *q->sq_msgs * PART_SINT_QUEUE_DEPTH);
		if (!q->sq_msgs)
			return -ENOMEM;
	}
	q->sq_msgs[(q->sq_head + q->sq_count) % PART_SINT_QUEUE_DEPTH] = m;
	q->sq_count++;
	p->p_st.synic_queued++;
	/* Marks the occupant MessagePending (or delivers if the guest freed
	 * the slot meanwhile). */
	synic_flush(p, v, sint);
	return 0;
}

int synic_signal(struct part *p, uint32_t vp, uint32_t sint, uint32_t flag)
{
	struct part_vcpu *v = part_vcpu_get(p, vp);
	if (!v || sint >= HV_SINT_COUNT || flag >= HV_EVENT_FLAGS_PER_SINT)
		return -EINVAL;
	if (!synic_sint_deliverable(v, sint) || !(v->vc_siefp & HV_OVERLAY_ENABLE))
		return -EAGAIN;
	uint8_t *byte = gmem_ptr(p->p_gm, (v->vc_siefp & HV_OVERLAY_PFN_MASK) +
				 (uint64_t)sint * sizeof(struct hv_event_flags) + flag / 8, 1);
	if (!byte)
		return -EAGAIN;
	uint8_t bit = (uint8_t)(1u << (flag % 8));
	uint8_t old = __atomic_fetch_or(byte, bit, __ATOMIC_SEQ_CST);
	if (!(old & bit)) /* edge: only a 0 -> 1 change interrupts */
		synic_raise(p, v, sint);
	return 0;
}

int synic_get_state(const struct part *p, uint32_t vp, struct synic_state *out)
{
	if (vp >= p->p_nvcpus)
		return -EINVAL;
	const struct part_vcpu *v = &p->p_vcpu[vp];
	memset(out, 0, sizeof *out);
	out->scontrol_enabled = v->vc_scontrol & HV_SCONTROL_ENABLE;
	out->simp = v->vc_simp;
	out->siefp = v->vc_siefp;
	for (unsigned s = 0; s < HV_SINT_COUNT; s++) {
		out->sint[s] = v->vc_sint[s];
		out->queued[s] = v->vc_q[s].sq_count;
	}
	out->delivered = v->vc_delivered;
	out->eoms = v->vc_eoms;
	return 0;
}

/* ---- MSRs --------------------------------------------------------------------- */

int synic_rdmsr(struct part *p, struct part_vcpu *v, uint32_t msr, uint64_t *val)
{
	switch (msr) {
	case HV_MSR_SCONTROL:
		*val = v->vc_scontrol;
		return 0;
	case HV_MSR_SVERSION:
		*val = HV_SVERSION;
		return 0;
	case HV_MSR_SIEFP:
		*val = v->vc_siefp;
		return 0;
	case HV_MSR_SIMP:
		*val = v->vc_simp;
		return 0;
	case HV_MSR_EOM:
		*val = 0; /* write-only; reads return 0 */
		return 0;
	default:
		if (msr >= HV_MSR_SINT0 && msr < HV_MSR_SINT0 + HV_SINT_COUNT) {
			*val = v->vc_sint[msr - HV_MSR_SINT0];
			return 0;
		}
		return -EINVAL;
	}
}

/* SIMP/SIEFP: validate, and zero the page when it becomes enabled or moves.
 * The TLFS has the hypervisor zero these pages at VP reset; KVM zeroes them
 * on every enabling write.  Either way stale bytes the guest left there
 * (CVE-2020-0890 pattern: garbage message types) must not look like
 * occupied slots.  A rewrite of the same enabled value keeps the content so
 * a message already in a slot is not lost. */
static int synic_overlay_write(struct part *p, uint64_t *reg, uint64_t val)
{
	if (val & SYNIC_OVERLAY_RSVD)
		return -EINVAL;
	if (val & HV_OVERLAY_ENABLE) {
		uint8_t *pg = gmem_ptr(p->p_gm, val & HV_OVERLAY_PFN_MASK, HV_PAGE_SIZE);
		if (!pg)
			return -EINVAL;
		bool same = (*reg & HV_OVERLAY_ENABLE) &&
			    (*reg & HV_OVERLAY_PFN_MASK) == (val & HV_OVERLAY_PFN_MASK);
		if (!same)
			memset(pg, 0, HV_PAGE_SIZE);
	}
	*reg = val;
	return 0;
}

int synic_wrmsr(struct part *p, struct part_vcpu *v, uint32_t msr, uint64_t val)
{
	int rc;
	switch (msr) {
	case HV_MSR_SCONTROL:
		if (val & SYNIC_SCONTROL_RSVD)
			return -EINVAL;
		v->vc_scontrol = val;
		synic_flush_all(p, v);
		return 0;
	case HV_MSR_SIEFP:
		return synic_overlay_write(p, &v->vc_siefp, val);
	case HV_MSR_SIMP:
		rc = synic_overlay_write(p, &v->vc_simp, val);
		if (rc == 0)
			synic_flush_all(p, v);
		return rc;
	case HV_MSR_EOM:
		/* Any value; an EOM with nothing waiting does nothing. */
		v->vc_eoms++;
		synic_flush_all(p, v);
		return 0;
	default:
		break;
	}
	if (msr < HV_MSR_SINT0 || msr >= HV_MSR_SINT0 + HV_SINT_COUNT)
		return -EINVAL; /* SVERSION is read-only; the rest unknown */
	uint32_t sint = msr - HV_MSR_SINT0;
	if (val & SYNIC_SINT_RSVD)
		return -EINVAL;
	/* Vectors 0-15 are exceptions, not interrupts; a masked SINT may
	 * carry any vector (the reset value is vector 0, masked). */
	if (!(val & HV_SINT_MASKED) && (val & HV_SINT_VECTOR_MASK) < HV_SINT_VECTOR_MIN)
		return -EINVAL;
	v->vc_sint[sint] = val;
	synic_flush(p, v, sint);
	return 0;
}
