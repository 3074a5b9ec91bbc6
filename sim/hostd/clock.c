/* clock.c -- the partition's reference clock as the guest sees it: TSC
 * conversion and the reference TSC page (vmbus.md section 4). */
#include "sim/hostd/partition_var.h"

#include <errno.h>
#include <string.h>

#include "sim/hostd/gmem.h"

/* TscScale = (10^7 << 64) / tsc_hz, a 64.64 fixed-point multiplier.
 * part_create() refuses tsc_hz < 10^7, so the quotient fits 64 bits. */
uint64_t part_tsc_scale(uint64_t tsc_hz)
{
	return (uint64_t)(((unsigned __int128)PART_REF_HZ << 64) / tsc_hz);
}

uint64_t part_tsc_at(const struct part *p, uint64_t ref_time)
{
	unsigned __int128 t = (unsigned __int128)ref_time * p->p_tsc_hz / PART_REF_HZ;
	return t > UINT64_MAX ? UINT64_MAX : (uint64_t)t;
}

uint64_t part_tsc_hz(const struct part *p)
{
	return p->p_tsc_hz;
}

int part_ref_tsc_page_write(struct part *p, uint64_t gpa)
{
	uint8_t *pg = gmem_ptr(p->p_gm, gpa, HV_PAGE_SIZE);
	if (!pg)
		return -EFAULT;
	uint32_t *seq = (uint32_t *)(void *)pg; /* page aligned */
	/* Sequence 0 tells a reader mid-update to retry or use the MSR. */
	__atomic_store_n(seq, 0, __ATOMIC_RELEASE);
	uint64_t scale = part_tsc_scale(p->p_tsc_hz);
	int64_t offset = 0; /* guest TSC and reference time both start at 0 */
	memset(pg + 4, 0, HV_PAGE_SIZE - 4);
	memcpy(pg + offsetof(struct hv_ref_tsc_page, tsc_scale), &scale, sizeof scale);
	memcpy(pg + offsetof(struct hv_ref_tsc_page, tsc_offset), &offset, sizeof offset);
	if (++p->p_tsc_seq == 0)
		p->p_tsc_seq = 1;
	/* Release: scale and offset are visible before the new sequence. */
	__atomic_store_n(seq, p->p_tsc_seq, __ATOMIC_RELEASE);
	return 0;
}
