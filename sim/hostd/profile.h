/* profile.h -- host profiles: named sets of host behaviour (CPUID answers,
 * VMBus version ceiling, device protocol ceilings, quirks of real releases). */
#ifndef SIM_HOSTD_PROFILE_H
#define SIM_HOSTD_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum hv_profile_kind {
	HV_PROFILE_HYPERV,   /* Microsoft Hv, Hv#1 */
	HV_PROFILE_OTHER_HV, /* another hypervisor's signature (KVM) */
	HV_PROFILE_NONE,     /* bare metal: no hypervisor bit at all */
};

/* Quirk bits (hv_profile.quirks). */
#define HV_QUIRK_PHANTOM_LUNS         (1u << 0) /* NOTE: ws2016: INQUIRY answered for absent LUNs */
#define HV_QUIRK_LEGACY_STATUS_LENGTH (1u << 1) /* RNDIS status indications with short msg_len */

struct hv_profile {
	const char *name;
	const char *description;
	enum hv_profile_kind kind;
	uint32_t vmbus_max_version; /* VMBUS_VERSION_*, 0 when no VMBus */
	uint32_t nvsp_max_version;
	uint32_t vstor_max_version;
	uint32_t build_number;      /* CPUID 0x40000002 EAX */
	uint16_t version_major, version_minor; /* CPUID 0x40000002 EBX */
	uint32_t max_leaf;          /* CPUID 0x40000000 EAX */
	uint32_t features_eax;      /* privilege mask 31:0 */
	uint32_t features_ebx;      /* privilege mask 63:32 */
	uint32_t features_edx;      /* feature flags */
	uint32_t recommendations;   /* CPUID 0x40000004 EAX */
	uint32_t max_vps;           /* CPUID 0x40000005 EAX */
	uint32_t other_vendor[3];   /* EBX, ECX, EDX for HV_PROFILE_OTHER_HV */
	uint32_t quirks;            /* HV_QUIRK_* */
};

/* The built-in profiles, by name ("ws2008r2", "ws2012r2", "ws2016",
 * "ws2019", "ws2022", "azure", "kvm", "none").  NULL if unknown. */
const struct hv_profile *hv_profile_find(const char *name);
/* Iterate: index 0..hv_profile_count()-1. */
size_t hv_profile_count(void);
const struct hv_profile *hv_profile_at(size_t i);

#endif /* SIM_HOSTD_PROFILE_H */
