/* hyperv_synic.c -- per-vCPU SynIC set-up/teardown and the SynIC interrupt
 * handler: event flags first, then the message slot (copy, validate,
 * release, EOM if pending, hand the copy on). */
#include <string.h>

#include "guest_drivers/hyperv/hyperv_var.h"

/* SIMP/SIEFP: keep the RsvdP bits [11:1] of what we read. */
#define OVERLAY_RSVDP 0xFFEull
#define SINT_OURS (HV_SINT_VECTOR_MASK | HV_SINT_MASKED | HV_SINT_AUTO_EOI | HV_SINT_POLLING)

static int overlay_on(uint32_t msr, uint64_t gpa)
{
	uint64_t v;
	if (kern_rdmsr(msr, &v))
		return -EIO;
	return kern_wrmsr(msr, (v & OVERLAY_RSVDP) | gpa | HV_OVERLAY_ENABLE) ? -EIO : 0;
}

static void overlay_off(uint32_t msr)
{
	uint64_t v;
	if (!kern_rdmsr(msr, &v))
		kern_wrmsr(msr, v & OVERLAY_RSVDP);
}

/* kern_on_each_cpu callback: bring up the SynIC of this vCPU in Linux's
 * order (SIMP, SIEFP, SINT2, SCONTROL).  Records each step so the teardown
 * undoes exactly what was done. */
int hyperv_synic_cpu_init(void *arg, int cpu)
{
	struct hyperv_softc *sc = arg;
	if (cpu < 0 || (uint32_t)cpu >= sc->ncpus)
		return 0;
	struct hyperv_cpu *c = &sc->cpu[cpu];
	uint64_t v;
	if (kern_rdmsr(HV_MSR_VP_INDEX, &v))
		return -EIO;
	c->vp_index = (uint32_t)v;
	if (kern_dma_alloc(1, &c->simp) || kern_dma_alloc(1, &c->siefp))
		return -ENOMEM;
	if (overlay_on(HV_MSR_SIMP, c->simp.gpa))
		return -EIO;
	c->simp_on = true;
	if (overlay_on(HV_MSR_SIEFP, c->siefp.gpa))
		return -EIO;
	c->siefp_on = true;
	uint32_t sint_msr = HV_MSR_SINT0 + HV_SINT_VMBUS;
	if (kern_rdmsr(sint_msr, &v))
		return -EIO;
	v = (v & ~SINT_OURS) | HYPERV_SINT_VECTOR | (sc->auto_eoi ? HV_SINT_AUTO_EOI : 0);
	if (kern_wrmsr(sint_msr, v))
		return -EIO;
	c->sint_on = true;
	if (kern_rdmsr(HV_MSR_SCONTROL, &v) || kern_wrmsr(HV_MSR_SCONTROL, v | HV_SCONTROL_ENABLE))
		return -EIO;
	c->scontrol_on = true;
	return 0;
}

/* kern_on_each_cpu callback: the reverse, for whatever steps happened. */
int hyperv_synic_cpu_fini(void *arg, int cpu)
{
	struct hyperv_softc *sc = arg;
	if (cpu < 0 || (uint32_t)cpu >= sc->ncpus)
		return 0;
	struct hyperv_cpu *c = &sc->cpu[cpu];
	uint64_t v;
	if (c->scontrol_on && !kern_rdmsr(HV_MSR_SCONTROL, &v))
		kern_wrmsr(HV_MSR_SCONTROL, v & ~HV_SCONTROL_ENABLE);
	c->scontrol_on = false;
	uint32_t sint_msr = HV_MSR_SINT0 + HV_SINT_VMBUS;
	if (c->sint_on && !kern_rdmsr(sint_msr, &v))
		kern_wrmsr(sint_msr, (v & ~SINT_OURS) | HV_SINT_MASKED);
	c->sint_on = false;
	if (c->siefp_on)
		overlay_off(HV_MSR_SIEFP);
	c->siefp_on = false;
	if (c->simp_on)
		overlay_off(HV_MSR_SIMP);
	c->simp_on = false;
	kern_dma_free(&c->siefp);
	kern_dma_free(&c->simp);
	return 0;
}

/* Event flags of one SINT: atomically take each 64-bit word (test-and-
 * clear of every bit in it) and hand each set flag to the consumer.  At
 * most 2048 flags per call: bounded by the page, not by the host. */
static void isr_events(struct hyperv_softc *sc, struct hyperv_cpu *c, int cpu, uint32_t sint)
{
	hyperv_event_fn *ev = __atomic_load_n(&sc->sint[sint].ev, __ATOMIC_ACQUIRE);
	if (!ev)
		return;
	uint64_t *w = (uint64_t *)((uint8_t *)c->siefp.va + sint * sizeof(struct hv_event_flags));
	for (uint32_t i = 0; i < HV_EVENT_FLAGS_PER_SINT / 64; i++) {
		if (!__atomic_load_n(&w[i], __ATOMIC_RELAXED))
			continue;
		uint64_t bits = __atomic_exchange_n(&w[i], 0, __ATOMIC_ACQ_REL);
		while (bits) {
			int b = __builtin_ctzll(bits);
			bits &= bits - 1;
			c->stats.events++;
			ev(sc->sint[sint].arg, cpu, i * 64 + (uint32_t)b);
		}
	}
}

/* The message slot of one SINT.  The slot is shared with a host we do not
 * trust: copy it once, decide everything from the copy. */
static void isr_message(struct hyperv_softc *sc, struct hyperv_cpu *c, int cpu, uint32_t sint)
{
	/* Byte pointer, not a packed-struct pointer: the type word is 4-byte
	 * aligned in the page and must be accessed atomically. */
	uint8_t *slot = (uint8_t *)c->simp.va + sint * sizeof(struct hv_message);
	uint32_t *type = (uint32_t *)(void *)(slot + offsetof(struct hv_message_header, message_type));
	if (__atomic_load_n(type, __ATOMIC_ACQUIRE) == HVMSG_NONE)
		return;
	struct hv_message msg;
	memcpy(&msg, slot, sizeof msg);
	kern_rmb();

	/* Release the slot, then EOM: the order matters, an EOM while the
	 * slot is busy delivers nothing (vmbus.md 3.6). */
	__atomic_store_n(type, HVMSG_NONE, __ATOMIC_RELEASE);
	kern_mb();
	if (msg.header.flags & HV_MSG_FLAG_PENDING) {
		kern_wrmsr(HV_MSR_EOM, 0);
		c->stats.eoms++;
	}

	if (msg.header.message_type == HVMSG_NONE ||
	    msg.header.payload_size > HV_MESSAGE_PAYLOAD_BYTES) {
		c->stats.bad_messages++;
		kern_log(KERN_WARN, "hyperv", "vCPU %d SINT%u: bad message (type %#x, size %u) dropped",
			 cpu, sint, msg.header.message_type, msg.header.payload_size);
		return;
	}
	if (msg.header.message_type == HVMSG_TIMER_EXPIRED) {
		c->stats.timer_messages++;
		return;
	}
	hyperv_msg_fn *fn = __atomic_load_n(&sc->sint[sint].msg, __ATOMIC_ACQUIRE);
	if (!fn) {
		c->stats.bad_messages++;
		return;
	}
	c->stats.messages++;
	fn(sc->sint[sint].arg, cpu, &msg);
}

void hyperv_isr(void *arg, int cpu, uint8_t vector)
{
	struct hyperv_softc *sc = arg;
	(void)vector;
	if (cpu < 0 || (uint32_t)cpu >= sc->ncpus)
		return;
	struct hyperv_cpu *c = &sc->cpu[cpu];
	if (!c->scontrol_on || !c->simp.va || !c->siefp.va)
		return;
	for (uint32_t s = 0; s < HV_SINT_COUNT; s++)
		if (sc->sint_mask & (1u << s))
			isr_events(sc, c, cpu, s);
	for (uint32_t s = 0; s < HV_SINT_COUNT; s++)
		if (sc->sint_mask & (1u << s))
			isr_message(sc, c, cpu, s);
}
