/* profile.c -- the built-in host profiles: CPUID answers, VMBus and device
 * protocol ceilings and quirks of real Hyper-V releases (and two non-Hyper-V
 * hosts so guests can test detection and fallback). */
#include "sim/hostd/profile.h"

#include <string.h>

#include "hyperv/hv_tlfs.h"

/* VMBus versions (major << 16 | minor), vmbus.md 5.3. */
#define PROF_VMBUS_WIN7    0x00010001u /* 1.1, WS2008R2 */
#define PROF_VMBUS_WIN8_1  0x00030000u /* 3.0, WS2012R2 */
#define PROF_VMBUS_WIN10   0x00040000u /* 4.0, WS2016 */
#define PROF_VMBUS_V5_2    0x00050002u /* 5.2, WS2019 */
#define PROF_VMBUS_V5_3    0x00050003u /* 5.3, WS2022 */
/* NVSP versions, devices.md A.1. */
#define PROF_NVSP_2        0x00030002u
#define PROF_NVSP_4        0x00040000u
#define PROF_NVSP_5        0x00050000u
#define PROF_NVSP_61       0x00060001u
/* VSTOR versions (major << 8 | minor), devices.md C.2. */
#define PROF_VSTOR_WIN7    0x0402u
#define PROF_VSTOR_WIN8_1  0x0600u
#define PROF_VSTOR_WIN10   0x0602u

/* Privileges every Hyper-V profile grants (vmbus.md "Minimal feature set"):
 * reference counter, SynIC, synthetic timers, hypercall MSRs, VP index. */
#define PROF_PRIV_BASE (HV_PRIV_TIME_REF_COUNT | HV_PRIV_SYNIC_REGS | \
			HV_PRIV_SYNTIMER_REGS | HV_PRIV_HYPERCALL_REGS | HV_PRIV_VP_INDEX)
/* 0x26E: adds the reference TSC page. */
#define PROF_PRIV_TSC  (PROF_PRIV_BASE | HV_PRIV_REFERENCE_TSC)
/* 0xA6E: adds the TSC/APIC frequency MSRs. */
#define PROF_PRIV_FREQ (PROF_PRIV_TSC | HV_PRIV_FREQUENCY_REGS)
#define PROF_PRIV_EBX  (HV_PRIV_EBX_POST_MESSAGES | HV_PRIV_EBX_SIGNAL_EVENTS)

/* Highest hypervisor leaf.  Real Hyper-V's value is UNVERIFIED (vmbus.md
 * section 10 item 10); these are our choice: 2008R2 stops at the limits
 * leaf, 2012R2 adds the hardware-features leaf, 2016+ the nested leaf. */
#define PROF_LEAF_2008R2 0x40000005u
#define PROF_LEAF_2012R2 0x40000006u
#define PROF_LEAF_2016   0x4000000Au

static const struct hv_profile prof_table[] = {
	{
		.name = "ws2008r2",
		.description = "Windows Server 2008 R2 SP1: VMBus 1.1, NVSP 2, VSTOR WIN7; "
			       "no TSC page, no frequency MSRs",
		.kind = HV_PROFILE_HYPERV,
		.vmbus_max_version = PROF_VMBUS_WIN7,
		.nvsp_max_version = PROF_NVSP_2,
		.vstor_max_version = PROF_VSTOR_WIN7,
		.build_number = 7601, .version_major = 6, .version_minor = 1,
		.max_leaf = PROF_LEAF_2008R2,
		/* NOTE: ws2008r2: no reference TSC page (bit 9) and no
		 * frequency MSRs: guests must fall back to TIME_REF_COUNT. */
		.features_eax = PROF_PRIV_BASE,
		.features_ebx = PROF_PRIV_EBX,
		.features_edx = 0,
		.recommendations = HV_REC_RELAXED_TIMING,
		.max_vps = 4,
	},
	{
		.name = "ws2012r2",
		.description = "Windows Server 2012 R2: VMBus 3.0, NVSP 4, VSTOR WIN8.1",
		.kind = HV_PROFILE_HYPERV,
		.vmbus_max_version = PROF_VMBUS_WIN8_1,
		.nvsp_max_version = PROF_NVSP_4,
		.vstor_max_version = PROF_VSTOR_WIN8_1,
		.build_number = 9600, .version_major = 6, .version_minor = 3,
		.max_leaf = PROF_LEAF_2012R2,
		.features_eax = PROF_PRIV_FREQ,
		.features_ebx = PROF_PRIV_EBX,
		.features_edx = HV_FEAT_EDX_FREQUENCY_MSRS,
		.recommendations = HV_REC_RELAXED_TIMING,
		.max_vps = 64,
	},
	{
		.name = "ws2016",
		.description = "Windows Server 2016: VMBus 4.0, NVSP 5, VSTOR WIN10; "
			       "answers INQUIRY for absent LUNs",
		.kind = HV_PROFILE_HYPERV,
		.vmbus_max_version = PROF_VMBUS_WIN10,
		.nvsp_max_version = PROF_NVSP_5,
		.vstor_max_version = PROF_VSTOR_WIN10,
		.build_number = 14393, .version_major = 10, .version_minor = 0,
		.max_leaf = PROF_LEAF_2016,
		.features_eax = PROF_PRIV_FREQ,
		.features_ebx = PROF_PRIV_EBX,
		.features_edx = HV_FEAT_EDX_FREQUENCY_MSRS | HV_FEAT_EDX_STIMER_DIRECT_MODE,
		.recommendations = HV_REC_RELAXED_TIMING,
		.max_vps = 240,
		.quirks = HV_QUIRK_PHANTOM_LUNS,
	},
	{
		.name = "ws2019",
		.description = "Windows Server 2019: VMBus 5.2, NVSP 6.1, VSTOR WIN10",
		.kind = HV_PROFILE_HYPERV,
		.vmbus_max_version = PROF_VMBUS_V5_2,
		.nvsp_max_version = PROF_NVSP_61,
		.vstor_max_version = PROF_VSTOR_WIN10,
		.build_number = 17763, .version_major = 10, .version_minor = 0,
		.max_leaf = PROF_LEAF_2016,
		.features_eax = PROF_PRIV_FREQ,
		.features_ebx = PROF_PRIV_EBX,
		.features_edx = HV_FEAT_EDX_FREQUENCY_MSRS | HV_FEAT_EDX_STIMER_DIRECT_MODE,
		.recommendations = HV_REC_RELAXED_TIMING,
		.max_vps = 240,
	},
	{
		.name = "ws2022",
		.description = "Windows Server 2022: VMBus 5.3, NVSP 6.1, VSTOR WIN10",
		.kind = HV_PROFILE_HYPERV,
		.vmbus_max_version = PROF_VMBUS_V5_3,
		.nvsp_max_version = PROF_NVSP_61,
		.vstor_max_version = PROF_VSTOR_WIN10,
		.build_number = 20348, .version_major = 10, .version_minor = 0,
		.max_leaf = PROF_LEAF_2016,
		.features_eax = PROF_PRIV_FREQ,
		.features_ebx = PROF_PRIV_EBX,
		.features_edx = HV_FEAT_EDX_FREQUENCY_MSRS | HV_FEAT_EDX_STIMER_DIRECT_MODE,
		.recommendations = HV_REC_RELAXED_TIMING | HV_REC_DEPRECATE_AUTO_EOI,
		.max_vps = 1024,
	},
	{
		.name = "azure",
		.description = "Azure host (WS2022 generation): VMBus 5.3, NVSP 6.1, VSTOR WIN10",
		.kind = HV_PROFILE_HYPERV,
		.vmbus_max_version = PROF_VMBUS_V5_3,
		.nvsp_max_version = PROF_NVSP_61,
		.vstor_max_version = PROF_VSTOR_WIN10,
		.build_number = 20348, .version_major = 10, .version_minor = 0,
		.max_leaf = PROF_LEAF_2016,
		.features_eax = PROF_PRIV_FREQ,
		.features_ebx = PROF_PRIV_EBX,
		.features_edx = HV_FEAT_EDX_FREQUENCY_MSRS | HV_FEAT_EDX_STIMER_DIRECT_MODE,
		.recommendations = HV_REC_RELAXED_TIMING | HV_REC_DEPRECATE_AUTO_EOI,
		.max_vps = 1024,
	},
	{
		.name = "kvm",
		.description = "KVM without Hyper-V enlightenments: another hypervisor's "
			       "signature, no VMBus",
		.kind = HV_PROFILE_OTHER_HV,
		.max_leaf = 0x40000001u,
		/* "KVMKVMKVM\0\0\0" in EBX, ECX, EDX. */
		.other_vendor = { 0x4B4D564Bu, 0x564B4D56u, 0x0000004Du },
	},
	{
		.name = "none",
		.description = "bare metal: no hypervisor bit, no hypervisor leaves",
		.kind = HV_PROFILE_NONE,
	},
};

#define PROF_COUNT (sizeof prof_table / sizeof prof_table[0])

const struct hv_profile *hv_profile_find(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < PROF_COUNT; i++)
		if (strcmp(prof_table[i].name, name) == 0)
			return &prof_table[i];
	return NULL;
}

size_t hv_profile_count(void)
{
	return PROF_COUNT;
}

const struct hv_profile *hv_profile_at(size_t i)
{
	return i < PROF_COUNT ? &prof_table[i] : NULL;
}
