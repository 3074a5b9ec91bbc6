/* part_fixture.h -- a small partition over 1 MiB of guest memory with
 * recorded outputs, shared by the host partition unit tests. */
#ifndef TESTS_UNIT_PART_FIXTURE_H
#define TESTS_UNIT_PART_FIXTURE_H

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hyperv/hv_tlfs.h"
#include "sim/hostd/gmem.h"
#include "sim/hostd/partition.h"
#include "sim/hostd/profile.h"

#define FX_MEM        (1u << 20)
#define FX_HCALL_GPA  0x1000ull
#define FX_SIMP_GPA(vp)  (0x10000ull + (uint64_t)(vp) * 0x2000)
#define FX_SIEFP_GPA(vp) (0x11000ull + (uint64_t)(vp) * 0x2000)
#define FX_TSC_GPA    0x3000ull
#define FX_IN_GPA     0x20000ull
#define FX_VECTOR     0xF3u
#define FX_MAX_IRQS   256u

struct fx {
	struct gmem *gm;
	struct part *p;
	unsigned nirq;
	uint32_t irq_vp[FX_MAX_IRQS];
	uint8_t irq_vec[FX_MAX_IRQS];
	unsigned ndeadline;
	uint64_t last_deadline;
	unsigned nready, nsignal;
	uint32_t sig_vp;
	uint16_t sig_flag;
};

static inline void fx_irq(void *arg, uint32_t vp, uint8_t vector)
{
	struct fx *f = arg;
	if (f->nirq < FX_MAX_IRQS) {
		f->irq_vp[f->nirq] = vp;
		f->irq_vec[f->nirq] = vector;
	}
	f->nirq++;
}

static inline void fx_deadline(void *arg, uint64_t t)
{
	struct fx *f = arg;
	f->ndeadline++;
	f->last_deadline = t;
}

static inline void fx_ready(void *arg)
{
	((struct fx *)arg)->nready++;
}

static inline void fx_signal(void *arg, uint32_t vp, uint16_t flag)
{
	struct fx *f = arg;
	f->nsignal++;
	f->sig_vp = vp;
	f->sig_flag = flag;
}

static inline struct fx *fx_new(const char *profile, uint32_t nvcpus)
{
	struct fx *f = calloc(1, sizeof *f);
	assert_non_null(f);
	f->gm = gmem_create(FX_MEM);
	assert_non_null(f->gm);
	struct part_config cfg = { .profile = hv_profile_find(profile), .nvcpus = nvcpus };
	assert_non_null(cfg.profile);
	struct part_notify out = { .irq = fx_irq, .deadline = fx_deadline };
	f->p = part_create(f->gm, &cfg, &out, f);
	assert_non_null(f->p);
	return f;
}

static inline void fx_free(struct fx *f)
{
	if (!f)
		return;
	part_destroy(f->p);
	gmem_destroy(f->gm);
	free(f);
}

static inline void fx_wr(struct fx *f, uint32_t vp, uint32_t msr, uint64_t val)
{
	assert_int_equal(part_wrmsr(f->p, vp, msr, val), 0);
}

static inline uint64_t fx_rd(struct fx *f, uint32_t vp, uint32_t msr)
{
	uint64_t v = 0xDEAD;
	assert_int_equal(part_rdmsr(f->p, vp, msr, &v), 0);
	return v;
}

/* Linux's order: guest OS id, hypercall page, SIMP, SIEFP, SINT2, SCONTROL. */
static inline void fx_hcall_enable(struct fx *f)
{
	fx_wr(f, 0, HV_MSR_GUEST_OS_ID, 0x810000050F000000ull);
	fx_wr(f, 0, HV_MSR_HYPERCALL, FX_HCALL_GPA | HV_HYPERCALL_ENABLE);
}

static inline void fx_synic_enable(struct fx *f, uint32_t vp)
{
	fx_wr(f, vp, HV_MSR_SIMP, FX_SIMP_GPA(vp) | HV_OVERLAY_ENABLE);
	fx_wr(f, vp, HV_MSR_SIEFP, FX_SIEFP_GPA(vp) | HV_OVERLAY_ENABLE);
	fx_wr(f, vp, HV_MSR_SINT0 + HV_SINT_VMBUS, FX_VECTOR);
	fx_wr(f, vp, HV_MSR_SCONTROL, HV_SCONTROL_ENABLE);
}

static inline struct hv_message *fx_slot(struct fx *f, uint32_t vp, uint32_t sint)
{
	struct hv_message *m = gmem_ptr(f->gm, FX_SIMP_GPA(vp) + sint * 256ull, 256);
	assert_non_null(m);
	return m;
}

static inline uint8_t *fx_sief(struct fx *f, uint32_t vp, uint32_t sint)
{
	uint8_t *b = gmem_ptr(f->gm, FX_SIEFP_GPA(vp) + sint * 256ull, 256);
	assert_non_null(b);
	return b;
}

/* What a guest does after reading a slot: NONE, barrier, EOM if pending. */
static inline void fx_ack(struct fx *f, uint32_t vp, uint32_t sint, int *was_pending)
{
	struct hv_message *m = fx_slot(f, vp, sint);
	m->header.message_type = HVMSG_NONE;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	int pend = m->header.flags & HV_MSG_FLAG_PENDING;
	if (was_pending)
		*was_pending = pend;
	if (pend)
		fx_wr(f, vp, HV_MSR_EOM, 0);
}

#endif /* TESTS_UNIT_PART_FIXTURE_H */
