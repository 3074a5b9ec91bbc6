/* fuzz_hypercall.c -- fuzz the partition's guest-facing surface: synthetic
 * MSR writes, hypercalls with hostile control words and input blocks,
 * guest memory scribbles on the SynIC pages, time, host-side posts and
 * signals, EOMs.  Checks queue caps, counters and the deadline notifier
 * after every action.
 *
 * Input: byte 0 bit 0 = set up the hypercall page and SynIC first (so
 * mutations start deep); then actions, each an opcode byte and fixed
 * little-endian arguments (see the switch).  A short action ends the run. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hyperv/hv_tlfs.h"
#include "sim/hostd/gmem.h"
#include "sim/hostd/partition.h"
#include "sim/hostd/profile.h"

#define FZ_MEM      (1u << 20)
#define FZ_NVCPUS   2u
#define FZ_MSG_CONN 1u
#define FZ_EVT_CONN 0x2001u
#define FZ_MAX_ACTIONS 4096u

#define FZ_CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)

struct fz {
	const uint8_t *d;
	size_t n, off;
	uint64_t irqs, readies, signals;
	uint64_t deadline; /* last value the notifier reported */
	uint64_t received;
};

static bool fz_take(struct fz *z, void *dst, size_t len)
{
	if (z->n - z->off < len)
		return false;
	memcpy(dst, z->d + z->off, len);
	z->off += len;
	return true;
}

static void fz_irq(void *arg, uint32_t vp, uint8_t vector)
{
	struct fz *z = arg;
	FZ_CHECK(vp < FZ_NVCPUS);
	z->irqs++;
}

static void fz_deadline(void *arg, uint64_t t)
{
	((struct fz *)arg)->deadline = t;
}

static void fz_ready(void *arg)
{
	((struct fz *)arg)->readies++;
}

static void fz_signal(void *arg, uint32_t vp, uint16_t flag)
{
	struct fz *z = arg;
	FZ_CHECK(vp < FZ_NVCPUS && flag < 4);
	z->signals++;
}

static const uint32_t fz_msrs[] = {
	HV_MSR_GUEST_OS_ID, HV_MSR_HYPERCALL, HV_MSR_VP_INDEX, HV_MSR_RESET,
	HV_MSR_TIME_REF_COUNT, HV_MSR_REFERENCE_TSC, HV_MSR_TSC_FREQUENCY,
	HV_MSR_APIC_FREQUENCY, HV_MSR_SCONTROL, HV_MSR_SVERSION, HV_MSR_SIEFP,
	HV_MSR_SIMP, HV_MSR_EOM, HV_MSR_SINT0 + 2, HV_MSR_SINT0 + 5,
	HV_MSR_STIMER0_CONFIG, HV_MSR_STIMER0_COUNT, HV_MSR_STIMER0_CONFIG + 6,
	HV_MSR_STIMER0_COUNT + 6,
};
#define FZ_NMSRS (sizeof fz_msrs / sizeof fz_msrs[0])

static uint32_t fz_msr(uint8_t sel)
{
	return sel < FZ_NMSRS ? fz_msrs[sel] : 0x40000000u + sel;
}

static void fz_setup(struct part *p)
{
	part_wrmsr(p, 0, HV_MSR_GUEST_OS_ID, 0x8100000000000000ull);
	part_wrmsr(p, 0, HV_MSR_HYPERCALL, 0x1000 | 1);
	for (uint32_t vp = 0; vp < FZ_NVCPUS; vp++) {
		part_wrmsr(p, vp, HV_MSR_SIMP, (0x10000 + vp * 0x2000) | 1);
		part_wrmsr(p, vp, HV_MSR_SIEFP, (0x11000 + vp * 0x2000) | 1);
		part_wrmsr(p, vp, HV_MSR_SINT0 + 2, 0xF3);
		part_wrmsr(p, vp, HV_MSR_SCONTROL, 1);
	}
}

/* The guest's side of a slot: clear the type, EOM if pending. */
static void fz_ack(struct part *p, struct gmem *gm, uint32_t vp, uint32_t sint)
{
	uint64_t simp = 0;
	if (part_rdmsr(p, vp, HV_MSR_SIMP, &simp) != 0 || !(simp & 1))
		return;
	uint8_t *slot = gmem_ptr(gm, (simp & ~0xFFFull) + sint * 256ull, 256);
	FZ_CHECK(slot != NULL); /* the MSR write validated it */
	memset(slot, 0, 4);
	if (slot[5] & HV_MSG_FLAG_PENDING)
		part_wrmsr(p, vp, HV_MSR_EOM, 0);
}

static void fz_invariants(struct fz *z, struct part *p)
{
	struct part_stats st;
	part_get_stats(p, &st);
	FZ_CHECK(st.hc_errors <= st.hypercalls);
	int q = part_port_queued(p, FZ_MSG_CONN);
	FZ_CHECK(q >= 0 && (uint32_t)q <= PART_PORT_QUEUE_DEPTH);
	FZ_CHECK(st.messages_posted == z->received + (uint64_t)q);
	FZ_CHECK(st.events_signalled == z->signals);
	FZ_CHECK(z->deadline == part_next_deadline(p));
	uint64_t delivered = 0;
	for (uint32_t vp = 0; vp < FZ_NVCPUS; vp++) {
		struct synic_state ss;
		FZ_CHECK(synic_get_state(p, vp, &ss) == 0);
		for (unsigned s = 0; s < 16; s++)
			FZ_CHECK(ss.queued[s] <= PART_SINT_QUEUE_DEPTH);
		delivered += ss.delivered;
	}
	FZ_CHECK(delivered == st.synic_delivered);
}

static void fz_action(struct fz *z, struct part *p, struct gmem *gm, uint8_t op)
{
	uint8_t vp8 = 0, sel = 0, len = 0;
	uint64_t a = 0, b = 0, c = 0;
	uint32_t u32 = 0;
	uint16_t u16 = 0;
	uint8_t buf[256];

	switch (op % 11) {
	case 0: /* wrmsr vp, sel, val */
		if (fz_take(z, &vp8, 1) && fz_take(z, &sel, 1) && fz_take(z, &a, 8))
			part_wrmsr(p, vp8 % (FZ_NVCPUS + 1), fz_msr(sel), a);
		break;
	case 1: /* rdmsr vp, sel */
		if (fz_take(z, &vp8, 1) && fz_take(z, &sel, 1))
			part_rdmsr(p, vp8 % (FZ_NVCPUS + 1), fz_msr(sel), &a);
		break;
	case 2: /* raw hypercall vp, control, in, out */
		if (fz_take(z, &vp8, 1) && fz_take(z, &a, 8) && fz_take(z, &b, 8) && fz_take(z, &c, 8))
			part_hypercall(p, vp8 % (FZ_NVCPUS + 1), a, b, c);
		break;
	case 3: /* hypercall with an in-RAM input GPA: vp, control(u16), in off(u32) */
		if (fz_take(z, &vp8, 1) && fz_take(z, &u16, 2) && fz_take(z, &u32, 4))
			part_hypercall(p, vp8 % FZ_NVCPUS, u16, u32 % FZ_MEM, 0);
		break;
	case 4: /* scribble guest memory: off(u32), len, bytes */
		if (fz_take(z, &u32, 4) && fz_take(z, &len, 1) && fz_take(z, buf, len))
			gmem_write(gm, u32 % FZ_MEM, buf, len);
		break;
	case 5: /* time += delta(u32) */
		if (fz_take(z, &u32, 4))
			part_set_time(p, part_time(p) + u32);
		break;
	case 6: /* host posts: vp, sint, type(u32), len, bytes */
		if (fz_take(z, &vp8, 1) && fz_take(z, &sel, 1) && fz_take(z, &u32, 4) &&
		    fz_take(z, &len, 1) && fz_take(z, buf, len))
			synic_post(p, vp8 % (FZ_NVCPUS + 1), sel % 17, u32, 0, buf, len);
		break;
	case 7: /* host signals: vp, sint, flag(u16) */
		if (fz_take(z, &vp8, 1) && fz_take(z, &sel, 1) && fz_take(z, &u16, 2))
			synic_signal(p, vp8 % (FZ_NVCPUS + 1), sel % 17, u16);
		break;
	case 8: /* EOM */
		if (fz_take(z, &vp8, 1))
			part_wrmsr(p, vp8 % FZ_NVCPUS, HV_MSR_EOM, 0);
		break;
	case 9: /* guest acks a slot: vp, sint */
		if (fz_take(z, &vp8, 1) && fz_take(z, &sel, 1))
			fz_ack(p, gm, vp8 % FZ_NVCPUS, sel % 16);
		break;
	case 10: { /* host drains one posted message */
		struct part_posted_msg pm;
		if (part_port_recv(p, FZ_MSG_CONN, &pm) == 0) {
			FZ_CHECK(pm.payload_size <= 240 && pm.message_type != 0 &&
				 !(pm.message_type & 0x80000000u) && pm.vp < FZ_NVCPUS);
			z->received++;
		}
		break;
	}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	struct fz z = { .d = data, .n = size, .off = 1, .deadline = UINT64_MAX };
	struct gmem *gm = gmem_create(FZ_MEM);
	FZ_CHECK(gm != NULL);
	struct part_config cfg = { .profile = hv_profile_find("ws2019"), .nvcpus = FZ_NVCPUS };
	struct part_notify out = { .irq = fz_irq, .deadline = fz_deadline };
	struct part *p = part_create(gm, &cfg, &out, &z);
	FZ_CHECK(p != NULL);
	FZ_CHECK(part_msg_port_add(p, FZ_MSG_CONN, fz_ready, &z) == 0);
	FZ_CHECK(part_event_port_add(p, FZ_EVT_CONN, 4, fz_signal, &z) == 0);
	if (data[0] & 1)
		fz_setup(p);

	uint8_t op;
	for (unsigned n = 0; n < FZ_MAX_ACTIONS && fz_take(&z, &op, 1); n++) {
		fz_action(&z, p, gm, op);
		fz_invariants(&z, p);
	}
	part_destroy(p);
	gmem_destroy(gm);
	return 0;
}
