/* msr.c -- synthetic MSR dispatch: privilege gating by the profile and the
 * partition-wide MSRs (guest OS id, hypercall page, reference counter and
 * TSC page, frequencies); SynIC and timer MSRs go to synic.c / stimer.c. */
#include "sim/hostd/partition_var.h"

#include <errno.h>
#include <string.h>

#include "sim/hostd/gmem.h"
#include "sim/hostd/profile.h"

/* HYPERCALL and REFERENCE_TSC: [11:2] / [11:1] are RsvdP.  We return 0 in
 * them, so a guest that reads-modifies-writes writes 0; any other value is
 * refused with #GP to catch drivers that fabricate them. */
#define MSR_HYPERCALL_RSVD (0xFFCull)
#define MSR_OVERLAY_RSVD   (0xFFEull)

/* The privilege (leaf 0x40000003 EAX bit) an MSR needs, 0 if unknown. */
static uint32_t msr_privilege(uint32_t msr)
{
	switch (msr) {
	case HV_MSR_GUEST_OS_ID:
	case HV_MSR_HYPERCALL:
		return HV_PRIV_HYPERCALL_REGS;
	case HV_MSR_VP_INDEX:
		return HV_PRIV_VP_INDEX;
	case HV_MSR_RESET:
		return HV_PRIV_RESET;
	case HV_MSR_TIME_REF_COUNT:
		return HV_PRIV_TIME_REF_COUNT;
	case HV_MSR_REFERENCE_TSC:
		return HV_PRIV_REFERENCE_TSC;
	case HV_MSR_TSC_FREQUENCY:
	case HV_MSR_APIC_FREQUENCY:
		return HV_PRIV_FREQUENCY_REGS;
	case HV_MSR_SCONTROL:
	case HV_MSR_SVERSION:
	case HV_MSR_SIEFP:
	case HV_MSR_SIMP:
	case HV_MSR_EOM:
		return HV_PRIV_SYNIC_REGS;
	default:
		break;
	}
	if (msr >= HV_MSR_SINT0 && msr < HV_MSR_SINT0 + HV_SINT_COUNT)
		return HV_PRIV_SYNIC_REGS;
	if (msr >= HV_MSR_STIMER0_CONFIG && msr < HV_MSR_STIMER0_CONFIG + 2 * HV_STIMER_COUNT)
		return HV_PRIV_SYNTIMER_REGS;
	return 0;
}

/* The vCPU for an access that the profile allows, else NULL (#GP). */
static struct part_vcpu *msr_access(struct part *p, uint32_t vp, uint32_t msr)
{
	struct part_vcpu *v = part_vcpu_get(p, vp);
	if (!v || !part_is_hyperv(p))
		return NULL;
	uint32_t priv = msr_privilege(msr);
	if (priv == 0 || !(p->p_prof->features_eax & priv))
		return NULL;
	return v;
}

static int msr_gp(struct part *p, uint32_t vp, const char *op, uint32_t msr, uint64_t val)
{
	p->p_st.msr_gp++;
	part_trace(p, "vp%u %s 0x%x=0x%llx #GP", vp, op, msr, (unsigned long long)val);
	return -EINVAL;
}

int part_rdmsr(struct part *p, uint32_t vp, uint32_t msr, uint64_t *val)
{
	struct part_vcpu *v = msr_access(p, vp, msr);
	if (!v)
		return msr_gp(p, vp, "rdmsr", msr, 0);
	switch (msr) {
	case HV_MSR_GUEST_OS_ID:
		*val = p->p_guest_os_id;
		return 0;
	case HV_MSR_HYPERCALL:
		*val = p->p_hypercall;
		return 0;
	case HV_MSR_VP_INDEX:
		*val = v->vc_index;
		return 0;
	case HV_MSR_RESET:
		*val = 0;
		return 0;
	case HV_MSR_TIME_REF_COUNT:
		*val = p->p_now;
		return 0;
	case HV_MSR_REFERENCE_TSC:
		*val = p->p_ref_tsc;
		return 0;
	case HV_MSR_TSC_FREQUENCY:
		*val = p->p_tsc_hz;
		return 0;
	case HV_MSR_APIC_FREQUENCY:
		*val = PART_APIC_HZ;
		return 0;
	default:
		break;
	}
	int rc = msr >= HV_MSR_STIMER0_CONFIG ? stimer_rdmsr(p, v, msr, val)
					     : synic_rdmsr(p, v, msr, val);
	return rc == 0 ? 0 : msr_gp(p, vp, "rdmsr", msr, 0);
}

/* Enable or move the hypercall page: vmcall; ret, the rest int3. */
static int msr_hypercall_write(struct part *p, uint64_t val)
{
	if (p->p_hypercall & HV_HYPERCALL_LOCKED)
		return -EINVAL;
	if (val & MSR_HYPERCALL_RSVD)
		return -EINVAL;
	if (val & HV_HYPERCALL_ENABLE) {
		/* TLFS: the page cannot be enabled before the guest says who
		 * it is. */
		if (p->p_guest_os_id == 0)
			return -EINVAL;
		uint8_t *pg = gmem_ptr(p->p_gm, val & HV_OVERLAY_PFN_MASK, HV_PAGE_SIZE);
		if (!pg)
			return -EINVAL;
		static const uint8_t code[] = HV_HYPERCALL_PAGE_INTEL;
		memset(pg, 0xCC, HV_PAGE_SIZE);
		memcpy(pg, code, sizeof code);
	}
	p->p_hypercall = val;
	return 0;
}

static int msr_ref_tsc_write(struct part *p, uint64_t val)
{
	if (val & MSR_OVERLAY_RSVD)
		return -EINVAL;
	if ((val & HV_OVERLAY_ENABLE) &&
	    part_ref_tsc_page_write(p, val & HV_OVERLAY_PFN_MASK) != 0)
		return -EINVAL;
	p->p_ref_tsc = val;
	return 0;
}

int part_wrmsr(struct part *p, uint32_t vp, uint32_t msr, uint64_t val)
{
	struct part_vcpu *v = msr_access(p, vp, msr);
	if (!v)
		return msr_gp(p, vp, "wrmsr", msr, val);
	int rc;
	switch (msr) {
	case HV_MSR_GUEST_OS_ID:
		p->p_guest_os_id = val;
		/* Writing 0 disables the hypercall page (TLFS). */
		if (val == 0)
			p->p_hypercall &= ~HV_HYPERCALL_ENABLE;
		rc = 0;
		break;
	case HV_MSR_HYPERCALL:
		rc = msr_hypercall_write(p, val);
		break;
	case HV_MSR_RESET:
		rc = (val & ~1ull) ? -EINVAL : 0;
		if (rc == 0 && (val & 1) && p->p_out.reset)
			p->p_out.reset(p->p_arg);
		break;
	case HV_MSR_REFERENCE_TSC:
		rc = msr_ref_tsc_write(p, val);
		break;
	case HV_MSR_VP_INDEX:
	case HV_MSR_TIME_REF_COUNT:
	case HV_MSR_TSC_FREQUENCY:
	case HV_MSR_APIC_FREQUENCY:
		rc = -EINVAL; /* read-only */
		break;
	default:
		rc = msr >= HV_MSR_STIMER0_CONFIG ? stimer_wrmsr(p, v, msr, val)
						  : synic_wrmsr(p, v, msr, val);
		break;
	}
	if (rc != 0)
		return msr_gp(p, vp, "wrmsr", msr, val);
	part_trace(p, "vp%u wrmsr 0x%x=0x%llx", vp, msr, (unsigned long long)val);
	return 0;
}
