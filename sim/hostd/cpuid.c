/* cpuid.c -- CPUID leaf 1 (hypervisor bit) and the hypervisor leaves
 * 0x40000000+ as the partition's profile answers them. */
#include "sim/hostd/partition_var.h"

#include <string.h>

#include "sim/hostd/profile.h"

/* Real Hyper-V's spin-lock retry count is "never notify". */
#define CPUID_SPINLOCK_NEVER 0xFFFFFFFFu

static void cpuid_hyperv(const struct hv_profile *pr, uint32_t leaf, uint32_t r[4])
{
	if (leaf > pr->max_leaf)
		return;
	switch (leaf) {
	case HV_CPUID_VENDOR_AND_MAX:
		r[0] = pr->max_leaf;
		r[1] = HV_CPUID_VENDOR_EBX;
		r[2] = HV_CPUID_VENDOR_ECX;
		r[3] = HV_CPUID_VENDOR_EDX;
		break;
	case HV_CPUID_INTERFACE:
		r[0] = HV_CPUID_INTERFACE_HV1;
		break;
	case HV_CPUID_VERSION:
		r[0] = pr->build_number;
		r[1] = (uint32_t)pr->version_major << 16 | pr->version_minor;
		break;
	case HV_CPUID_FEATURES:
		r[0] = pr->features_eax;
		r[1] = pr->features_ebx;
		r[3] = pr->features_edx;
		break;
	case HV_CPUID_ENLIGHTENMENT_INFO:
		r[0] = pr->recommendations;
		r[1] = CPUID_SPINLOCK_NEVER;
		break;
	case HV_CPUID_IMPLEMENT_LIMITS:
		r[0] = pr->max_vps;
		r[1] = pr->max_vps;
		break;
	default: /* 0x40000006.. max_leaf: nothing offered */
		break;
	}
}

void part_cpuid(struct part *p, uint32_t vp, uint32_t leaf, uint32_t subleaf, uint32_t regs[4])
{
	const struct hv_profile *pr = p->p_prof;
	memset(regs, 0, 4 * sizeof regs[0]);
	if (leaf == 1) {
		if (pr->kind != HV_PROFILE_NONE)
			regs[2] = HV_CPUID_FEATURES_ECX_HYPERVISOR;
		return;
	}
	if (leaf < HV_CPUID_VENDOR_AND_MAX || leaf > 0x400000FFu)
		return;
	switch (pr->kind) {
	case HV_PROFILE_HYPERV:
		cpuid_hyperv(pr, leaf, regs);
		break;
	case HV_PROFILE_OTHER_HV:
		if (leaf == HV_CPUID_VENDOR_AND_MAX) {
			regs[0] = pr->max_leaf;
			regs[1] = pr->other_vendor[0];
			regs[2] = pr->other_vendor[1];
			regs[3] = pr->other_vendor[2];
		}
		break;
	case HV_PROFILE_NONE:
		break;
	}
}
