/* test_wire_tlfs.c -- golden bytes for the TLFS wire formats in
 * include/hyperv/hv_tlfs.h: structs are filled field by field and compared
 * with byte arrays written by hand from shared/protocol/vmbus.md 1-4, and
 * every constant the sheet gives a value for is checked. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hyperv/hv_tlfs.h"

/* Serialise a u64 as the 8 little-endian bytes a guest or host would see. */
static void put_le64(uint8_t out[8], uint64_t v)
{
	for (int i = 0; i < 8; i++)
		out[i] = (uint8_t)(v >> (8 * i));
}

static void assert_le64(uint64_t v, const uint8_t want[8])
{
	uint8_t got[8];

	put_le64(got, v);
	assert_memory_equal(got, want, 8);
}

/* ---- CPUID ---------------------------------------------------------------- */

static void test_tlfs_cpuid__vendor_registers__spell_microsoft_hv(void **state)
{
	(void)state;
	uint32_t regs[3] = { HV_CPUID_VENDOR_EBX, HV_CPUID_VENDOR_ECX, HV_CPUID_VENDOR_EDX };
	uint8_t bytes[12];
	for (int r = 0; r < 3; r++)
		for (int i = 0; i < 4; i++)
			bytes[r * 4 + i] = (uint8_t)(regs[r] >> (8 * i));
	assert_memory_equal(bytes, "Microsoft Hv", 12);

	uint32_t sig = HV_CPUID_INTERFACE_HV1;
	const uint8_t hv1[4] = { 'H', 'v', '#', '1' };
	uint8_t sb[4] = { (uint8_t)sig, (uint8_t)(sig >> 8), (uint8_t)(sig >> 16),
			  (uint8_t)(sig >> 24) };
	assert_memory_equal(sb, hv1, 4);
	assert_int_equal(HV_CPUID_VENDOR_EBX, 0x7263694D);
	assert_int_equal(HV_CPUID_VENDOR_ECX, 0x666F736F);
	assert_int_equal(HV_CPUID_VENDOR_EDX, 0x76482074);
	assert_int_equal(HV_CPUID_INTERFACE_HV1, 0x31237648);
	assert_int_equal(HV_CPUID_FEATURES_ECX_HYPERVISOR, 0x80000000u);
}

static void test_tlfs_cpuid__leaf_numbers__match_sheet(void **state)
{
	(void)state;
	assert_int_equal(HV_CPUID_VENDOR_AND_MAX, 0x40000000u);
	assert_int_equal(HV_CPUID_INTERFACE, 0x40000001u);
	assert_int_equal(HV_CPUID_VERSION, 0x40000002u);
	assert_int_equal(HV_CPUID_FEATURES, 0x40000003u);
	assert_int_equal(HV_CPUID_ENLIGHTENMENT_INFO, 0x40000004u);
	assert_int_equal(HV_CPUID_IMPLEMENT_LIMITS, 0x40000005u);
	assert_int_equal(HV_CPUID_HW_FEATURES, 0x40000006u);
	assert_int_equal(HV_CPUID_CPU_MGMT_FEATURES, 0x40000007u);
	assert_int_equal(HV_CPUID_SVM_FEATURES, 0x40000008u);
	assert_int_equal(HV_CPUID_SKIP_LEVEL, 0x40000009u);
	assert_int_equal(HV_CPUID_NESTED_FEATURES, 0x4000000Au);
	assert_int_equal(HV_CPUID_IPT_FEATURES, 0x4000000Bu);
	assert_int_equal(HV_CPUID_ISOLATION_CONFIG, 0x4000000Cu);
	assert_int_equal(HV_CPUID_MAX_LEAF_MIN, 0x40000005u);
	assert_int_equal(HV_CPUID_MAX_LEAF_MAX, 0x4000FFFFu);
}

static void test_tlfs_cpuid__privilege_bits__match_sheet(void **state)
{
	(void)state;
	/* EAX: the minimal VMBus set is bits 1, 2, 3, 5, 6, 9 = 0x26E. */
	assert_int_equal(HV_PRIV_TIME_REF_COUNT | HV_PRIV_SYNIC_REGS | HV_PRIV_SYNTIMER_REGS |
			 HV_PRIV_HYPERCALL_REGS | HV_PRIV_VP_INDEX | HV_PRIV_REFERENCE_TSC,
			 0x26E);
	assert_int_equal(HV_PRIV_EAX_VMBUS_MINIMAL, 0x26E);
	assert_int_equal(HV_PRIV_EAX_VMBUS_MINIMAL | HV_PRIV_FREQUENCY_REGS, 0xA6E);
	assert_int_equal(HV_PRIV_VP_RUNTIME, 0x1);
	assert_int_equal(HV_PRIV_APIC_REGS, 0x10);
	assert_int_equal(HV_PRIV_RESET, 0x80);
	assert_int_equal(HV_PRIV_STATS, 0x100);
	assert_int_equal(HV_PRIV_GUEST_IDLE, 0x400);
	assert_int_equal(HV_PRIV_DEBUG_REGS, 0x1000);
	assert_int_equal(HV_PRIV_REENLIGHTENMENT, 0x2000);
	assert_int_equal(HV_PRIV_ROOT_SCHEDULER, 0x4000);
	assert_int_equal(HV_PRIV_TSC_INVARIANT, 0x8000);
	/* EBX: PostMessages | SignalEvents = 0x30. */
	assert_int_equal(HV_PRIV_EBX_POST_MESSAGES | HV_PRIV_EBX_SIGNAL_EVENTS, 0x30);
	assert_int_equal(HV_PRIV_EBX_CREATE_PARTITIONS, 0x1);
	assert_int_equal(HV_PRIV_EBX_ACCESS_PARTITION_ID, 0x2);
	assert_int_equal(HV_PRIV_EBX_ACCESS_MEMORY_POOL, 0x4);
	assert_int_equal(HV_PRIV_EBX_ADJUST_MSG_BUFFERS, 0x8);
	assert_int_equal(HV_PRIV_EBX_CREATE_PORT, 0x40);
	assert_int_equal(HV_PRIV_EBX_CONNECT_PORT, 0x80);
	assert_int_equal(HV_PRIV_EBX_ACCESS_STATS, 0x100);
	assert_int_equal(HV_PRIV_EBX_DEBUGGING, 0x800);
	assert_int_equal(HV_PRIV_EBX_CPU_MANAGEMENT, 0x1000);
	assert_int_equal(HV_PRIV_EBX_ACCESS_VSM, 0x10000);
	assert_int_equal(HV_PRIV_EBX_ACCESS_VP_REGS, 0x20000);
	assert_int_equal(HV_PRIV_EBX_FAST_HYPERCALL_OUTPUT, 0x80000);
	assert_int_equal(HV_PRIV_EBX_EXTENDED_HYPERCALLS, 0x100000);
	assert_int_equal(HV_PRIV_EBX_START_VP, 0x200000);
	assert_int_equal(HV_PRIV_EBX_ISOLATION, 0x400000);
}

static void test_tlfs_cpuid__feature_and_recommendation_bits__match_sheet(void **state)
{
	(void)state;
	/* Leaf 0x40000003 ECX */
	assert_int_equal(HV_FEAT_ECX_MAX_CSTATE_MASK, 0xF);
	assert_int_equal(HV_FEAT_ECX_INVARIANT_MPERF, 0x20);
	assert_int_equal(HV_FEAT_ECX_SUPERVISOR_SHSTK, 0x40);
	assert_int_equal(HV_FEAT_ECX_ARCH_PMU, 0x80);
	assert_int_equal(HV_FEAT_ECX_EXCEPTION_TRAP_INTERCEPT, 0x100);
	assert_int_equal(HV_FEAT_ECX_VP_DISPATCH_INTERRUPT, 0x200);
	/* Leaf 0x40000003 EDX: every bit 0..31 named once, in order. */
	const uint32_t edx[32] = {
		HV_FEAT_EDX_MWAIT, HV_FEAT_EDX_GUEST_DEBUGGING, HV_FEAT_EDX_PERF_MONITOR,
		HV_FEAT_EDX_CPU_DYN_PARTITIONING, HV_FEAT_EDX_XMM_HYPERCALL_INPUT,
		HV_FEAT_EDX_GUEST_IDLE, HV_FEAT_EDX_SLEEP_STATE, HV_FEAT_EDX_NUMA_DISTANCE,
		HV_FEAT_EDX_FREQUENCY_MSRS, HV_FEAT_EDX_SYNTHETIC_MCE,
		HV_FEAT_EDX_GUEST_CRASH_MSRS, HV_FEAT_EDX_DEBUG_MSRS, HV_FEAT_EDX_NPIEP,
		HV_FEAT_EDX_DISABLE_HYPERVISOR, HV_FEAT_EDX_EXT_GVA_RANGES_FLUSH,
		HV_FEAT_EDX_XMM_HYPERCALL_OUTPUT, HV_FEAT_EDX_SVM, HV_FEAT_EDX_SINT_POLLING,
		HV_FEAT_EDX_HYPERCALL_MSR_LOCK, HV_FEAT_EDX_STIMER_DIRECT_MODE,
		HV_FEAT_EDX_PAT_REG, HV_FEAT_EDX_BNDCFGS_REG, HV_FEAT_EDX_WATCHDOG_TIMER,
		HV_FEAT_EDX_SYNTH_TIME_UNHALTED, HV_FEAT_EDX_DEVICE_DOMAINS,
		HV_FEAT_EDX_S1_DEVICE_DOMAINS, HV_FEAT_EDX_LBR, HV_FEAT_EDX_IPT,
		HV_FEAT_EDX_CROSS_VTL_FLUSH, HV_FEAT_EDX_IDLE_SPEC_CTRL,
		HV_FEAT_EDX_TRANSLATE_GVA_FLAGS, HV_FEAT_EDX_APIC_EOI_INTERCEPT,
	};
	for (unsigned i = 0; i < 32; i++)
		assert_int_equal(edx[i], 1u << i);
	assert_int_equal(HV_FEAT_EDX_STIMER_DIRECT_MODE, 0x80000);
	/* Leaf 0x40000004 EAX */
	assert_int_equal(HV_REC_AS_SWITCH, 0x1);
	assert_int_equal(HV_REC_LOCAL_TLB_FLUSH, 0x2);
	assert_int_equal(HV_REC_REMOTE_TLB_FLUSH, 0x4);
	assert_int_equal(HV_REC_APIC_MSRS, 0x8);
	assert_int_equal(HV_REC_RESET_MSR, 0x10);
	assert_int_equal(HV_REC_RELAXED_TIMING, 0x20);
	assert_int_equal(HV_REC_X2APIC_MSRS, 0x100);
	assert_int_equal(HV_REC_DEPRECATE_AUTO_EOI, 0x200);
	assert_int_equal(HV_REC_CLUSTER_IPI, 0x400);
	assert_int_equal(HV_REC_EX_PROCESSOR_MASKS, 0x800);
	assert_int_equal(HV_REC_NESTED, 0x1000);
	assert_int_equal(HV_REC_ENLIGHTENED_VMCS, 0x4000);
	assert_int_equal(HV_REC_NO_NONARCH_CORESHARING, 0x40000);
	assert_int_equal(HV_REC_USE_X2APIC, 0x80000);
	assert_int_equal(HV_REC_MMIO_HYPERCALLS, 0x200000);
	assert_int_equal(HV_REC_SPINLOCK_RETRIES_NEVER, 0xFFFFFFFFu);
}

static void test_tlfs_cpuid__hw_nested_isolation_bits__match_sheet(void **state)
{
	(void)state;
	/* Leaf 0x40000006 EAX */
	assert_int_equal(HV_HWFEAT_APIC_OVERLAY_ASSIST, 1u << 0);
	assert_int_equal(HV_HWFEAT_MSR_BITMAPS, 1u << 1);
	assert_int_equal(HV_HWFEAT_ARCH_PERF_COUNTERS, 1u << 2);
	assert_int_equal(HV_HWFEAT_SLAT, 1u << 3);
	assert_int_equal(HV_HWFEAT_DMA_REMAPPING, 1u << 4);
	assert_int_equal(HV_HWFEAT_INTERRUPT_REMAPPING, 1u << 5);
	assert_int_equal(HV_HWFEAT_MEMORY_PATROL_SCRUBBER, 1u << 6);
	assert_int_equal(HV_HWFEAT_DMA_PROTECTION, 1u << 7);
	assert_int_equal(HV_HWFEAT_HPET_REQUESTED, 1u << 8);
	assert_int_equal(HV_HWFEAT_STIMERS_VOLATILE, 1u << 9);
	assert_int_equal(HV_HWFEAT_HV_LEVEL_MASK, 0x3C00u);
	assert_int_equal(HV_HWFEAT_PHYS_DEST_MODE_REQ, 1u << 14);
	assert_int_equal(HV_HWFEAT_VMFUNC_ALIAS_MAP, 1u << 15);
	assert_int_equal(HV_HWFEAT_MEMORY_ZEROING_REG, 1u << 16);
	assert_int_equal(HV_HWFEAT_UNRESTRICTED_GUEST, 1u << 17);
	assert_int_equal(HV_HWFEAT_RDT_A, 1u << 18);
	assert_int_equal(HV_HWFEAT_RDT_M, 1u << 19);
	assert_int_equal(HV_HWFEAT_CHILD_PERFMON_PMU, 1u << 20);
	assert_int_equal(HV_HWFEAT_CHILD_PERFMON_LBR, 1u << 21);
	assert_int_equal(HV_HWFEAT_CHILD_PERFMON_IPT, 1u << 22);
	assert_int_equal(HV_HWFEAT_APIC_EMULATION, 1u << 23);
	assert_int_equal(HV_HWFEAT_CHILD_X2APIC_RECOMMENDED, 1u << 24);
	assert_int_equal(HV_HWFEAT_HW_WATCHDOG_RSVD, 1u << 25);
	assert_int_equal(HV_HWFEAT_DEVICE_ACCESS_TRACKING, 1u << 26);
	assert_int_equal(HV_HWFEAT_HW_GPA_ACCESS_TRACKING, 1u << 27);
	assert_int_equal(HV_HWFEAT_EBX_DEVICE_DOMAIN_WIDTH_MASK, 0xFF);
	/* Leaf 0x4000000A EAX: eVMCS 1.0 plus direct flush and MSR bitmap. */
	uint32_t nested = 0x01u | (0x01u << HV_NESTED_EVMCS_VERSION_HIGH_SHIFT) |
			  HV_NESTED_DIRECT_FLUSH | HV_NESTED_MSR_BITMAP;
	assert_int_equal(nested, 0x000A0101u);
	assert_int_equal(HV_NESTED_EVMCS_VERSION_LOW_MASK, 0xFF);
	assert_int_equal(HV_NESTED_EVMCS_VERSION_HIGH_MASK, 0xFF00);
	assert_int_equal(HV_NESTED_GUEST_MAPPING_FLUSH, 0x40000);
	assert_int_equal(HV_NESTED_VIRT_EXCEPTION, 0x100000);
	assert_int_equal(HV_NESTED_DEBUG_CTL, 0x200000);
	assert_int_equal(HV_NESTED_ENLIGHTENED_NPT_TLB, 0x400000);
	/* Leaf 0x4000000C: SNP with a 46-bit shared-GPA boundary. */
	uint32_t iso_ebx = HV_ISO_TYPE_SNP | HV_ISO_EBX_SHARED_GPA_BOUNDARY_ACTIVE |
			   (46u << HV_ISO_EBX_SHARED_GPA_BITS_SHIFT);
	assert_int_equal(iso_ebx, 0x00000BA2u);
	assert_int_equal(HV_ISO_EBX_SHARED_GPA_BITS_MASK, 0xFC0);
	assert_int_equal(HV_ISO_EAX_PARAVISOR_PRESENT, 1);
	assert_int_equal(HV_ISO_TYPE_NONE, 0);
	assert_int_equal(HV_ISO_TYPE_VBS, 1);
	assert_int_equal(HV_ISO_TYPE_TDX, 3);
}

/* ---- MSRs ------------------------------------------------------------------ */

static void test_tlfs_msr__numbers__match_sheet(void **state)
{
	(void)state;
	assert_int_equal(HV_MSR_GUEST_OS_ID, 0x40000000u);
	assert_int_equal(HV_MSR_HYPERCALL, 0x40000001u);
	assert_int_equal(HV_MSR_VP_INDEX, 0x40000002u);
	assert_int_equal(HV_MSR_RESET, 0x40000003u);
	assert_int_equal(HV_MSR_VP_RUNTIME, 0x40000010u);
	assert_int_equal(HV_MSR_TIME_REF_COUNT, 0x40000020u);
	assert_int_equal(HV_MSR_REFERENCE_TSC, 0x40000021u);
	assert_int_equal(HV_MSR_TSC_FREQUENCY, 0x40000022u);
	assert_int_equal(HV_MSR_APIC_FREQUENCY, 0x40000023u);
	assert_int_equal(HV_MSR_EOI, 0x40000070u);
	assert_int_equal(HV_MSR_ICR, 0x40000071u);
	assert_int_equal(HV_MSR_TPR, 0x40000072u);
	assert_int_equal(HV_MSR_VP_ASSIST_PAGE, 0x40000073u);
	assert_int_equal(HV_MSR_SCONTROL, 0x40000080u);
	assert_int_equal(HV_MSR_SVERSION, 0x40000081u);
	assert_int_equal(HV_MSR_SIEFP, 0x40000082u);
	assert_int_equal(HV_MSR_SIMP, 0x40000083u);
	assert_int_equal(HV_MSR_EOM, 0x40000084u);
	assert_int_equal(HV_MSR_SIRBP, 0x40000085u);
	assert_int_equal(HV_MSR_SINT0, 0x40000090u);
	assert_int_equal(HV_MSR_SINT0 + 2, 0x40000092u); /* SINT2, VMBus */
	assert_int_equal(HV_MSR_SINT_LAST, HV_MSR_SINT0 + HV_SINT_COUNT - 1);
	assert_int_equal(HV_MSR_SINT_LAST, 0x4000009Fu);
	assert_int_equal(HV_MSR_STIMER0_CONFIG, 0x400000B0u);
	assert_int_equal(HV_MSR_STIMER0_COUNT, 0x400000B1u);
	assert_int_equal(HV_MSR_STIMER0_CONFIG + 2 * 3, 0x400000B6u); /* STIMER3_CONFIG */
	assert_int_equal(HV_MSR_STIMER3_COUNT, HV_MSR_STIMER0_COUNT + 2 * (HV_STIMER_COUNT - 1));
	assert_int_equal(HV_MSR_GUEST_IDLE, 0x400000F0u);
	assert_int_equal(HV_MSR_CRASH_P0, 0x40000100u);
	assert_int_equal(HV_MSR_CRASH_P4, 0x40000104u);
	assert_int_equal(HV_MSR_CRASH_CTL, 0x40000105u);
	assert_int_equal(HV_MSR_REENLIGHTENMENT_CONTROL, 0x40000106u);
	assert_int_equal(HV_MSR_TSC_EMULATION_CONTROL, 0x40000107u);
	assert_int_equal(HV_MSR_TSC_EMULATION_STATUS, 0x40000108u);
	assert_int_equal(HV_MSR_TSC_INVARIANT_CONTROL, 0x40000118u);
	assert_int_equal(HV_MSR_NESTED_SCONTROL, HV_MSR_SCONTROL + 0x1000);
	assert_int_equal(HV_MSR_NESTED_SINT0, HV_MSR_SINT0 + 0x1000);
	assert_int_equal(HV_SINT_COUNT, 16);
	assert_int_equal(HV_STIMER_COUNT, 4);
	assert_int_equal(HV_SVERSION, 1);
	/* ARM64 register names */
	assert_int_equal(HV_REG_SINT0, 0x000A0000u);
	assert_int_equal(HV_REG_SCONTROL, 0x000A0010u);
	assert_int_equal(HV_REG_SVERSION, 0x000A0011u);
	assert_int_equal(HV_REG_SIEFP, 0x000A0012u);
	assert_int_equal(HV_REG_SIMP, 0x000A0013u);
	assert_int_equal(HV_REG_EOM, 0x000A0014u);
	assert_int_equal(HV_REG_STIMER0_CONFIG, 0x000B0000u);
	assert_int_equal(HV_REG_STIMER0_COUNT, 0x000B0001u);
	assert_int_equal(HV_REG_GUEST_OS_ID, 0x00090002u);
	assert_int_equal(HV_REG_VP_INDEX, 0x00090003u);
	assert_int_equal(HV_REG_TIME_REF_COUNT, 0x00090004u);
	assert_int_equal(HV_REG_REFERENCE_TSC, 0x00090017u);
}

static void test_tlfs_msr__guest_os_id_linux_5_15__is_sheet_value(void **state)
{
	(void)state;
	uint64_t id = HV_GUEST_OS_ID_OPENSOURCE |
		      ((uint64_t)HV_GUEST_OS_TYPE_LINUX << HV_GUEST_OS_TYPE_SHIFT) |
		      ((uint64_t)0x050F00u << HV_GUEST_OS_ID_VERSION_SHIFT);
	const uint8_t want[8] = { 0x00, 0x00, 0x00, 0x0F, 0x05, 0x00, 0x00, 0x81 };
	assert_true(id == 0x810000050F000000ull);
	assert_le64(id, want);
	assert_true((id & HV_GUEST_OS_TYPE_MASK) >> HV_GUEST_OS_TYPE_SHIFT == HV_GUEST_OS_TYPE_LINUX);
	assert_int_equal(HV_GUEST_OS_TYPE_FREEBSD, 2);
	assert_int_equal(HV_GUEST_OS_TYPE_XEN, 3);
	assert_int_equal(HV_GUEST_OS_TYPE_ILLUMOS, 4);
	/* Microsoft encoding: vendor 1 in [63:48], bit 63 clear. */
	uint64_t ms = (uint64_t)HV_GUEST_OS_VENDOR_MICROSOFT << HV_GUEST_OS_VENDOR_SHIFT;
	assert_true(ms == 0x0001000000000000ull);
	assert_false(ms & HV_GUEST_OS_ID_OPENSOURCE);
}

static void test_tlfs_msr__overlay_and_sint_values__golden(void **state)
{
	(void)state;
	/* SIMP enabled at GPA 0x12345000 */
	uint64_t simp = 0x12345000ull | HV_OVERLAY_ENABLE;
	const uint8_t want_simp[8] = { 0x01, 0x50, 0x34, 0x12, 0x00, 0x00, 0x00, 0x00 };
	assert_le64(simp, want_simp);
	assert_true((simp & HV_OVERLAY_PFN_MASK) >> HV_OVERLAY_PFN_SHIFT == 0x12345);
	assert_true(HV_OVERLAY_RSVDP_MASK == 0x7FEull);
	/* HYPERCALL enabled + locked at PFN 0x7F */
	uint64_t hc = (0x7Full << HV_PAGE_SHIFT) | HV_HYPERCALL_ENABLE | HV_HYPERCALL_LOCKED;
	const uint8_t want_hc[8] = { 0x03, 0xF0, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00 };
	assert_le64(hc, want_hc);
	assert_true(HV_HYPERCALL_RSVDP_MASK == 0xFFCull);
	/* Linux's SINT2: vector 0xF3, unmasked, auto-EOI */
	uint64_t sint = 0xF3u | HV_SINT_AUTO_EOI;
	const uint8_t want_sint[8] = { 0xF3, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00 };
	assert_le64(sint, want_sint);
	assert_true(HV_SINT_RESET_VALUE == 0x10000ull);
	assert_true(HV_SINT_MASKED == 0x10000ull);
	assert_true(HV_SINT_POLLING == 0x40000ull);
	assert_true(HV_SINT_AS_INTERCEPT == 0x80000ull);
	assert_true(HV_SINT_PROXY == 0x100000ull);
	assert_true(HV_SINT_VECTOR_MASK == 0xFFull);
	assert_int_equal(HV_SINT_VECTOR_MIN, 0x10);
	assert_true((HV_SINT_RSVD_MASK & (HV_SINT_VECTOR_MASK | HV_SINT_MASKED | HV_SINT_AUTO_EOI |
					  HV_SINT_POLLING | HV_SINT_AS_INTERCEPT |
					  HV_SINT_PROXY)) == 0);
	assert_true(HV_SINT_RSVD_MASK == 0xFFFFFFFFFFE0FF00ull);
	assert_true(HV_SCONTROL_ENABLE == 1);
	assert_true(HV_CRASH_CTL_NOTIFY == 0x8000000000000000ull);
	assert_true(HV_CRASH_CTL_NOTIFY_MSG == 0x4000000000000000ull);
	assert_true(HV_TSC_INVARIANT_EXPOSE == 1);
	assert_true(HV_RESET_PARTITION == 1);
}

static void test_tlfs_msr__hypercall_page__vmcall_ret_bytes(void **state)
{
	(void)state;
	const uint8_t intel[] = HV_HYPERCALL_PAGE_INTEL;
	const uint8_t amd[] = HV_HYPERCALL_PAGE_AMD;
	const uint8_t want_intel[4] = { 0x0F, 0x01, 0xC1, 0xC3 };
	const uint8_t want_amd[4] = { 0x0F, 0x01, 0xD9, 0xC3 };
	assert_int_equal(sizeof(intel), 4);
	assert_memory_equal(intel, want_intel, 4);
	assert_memory_equal(amd, want_amd, 4);
	assert_int_equal(HV_HYPERCALL_PAGE_FILL, 0xCC);
}

/* ---- Hypercalls ------------------------------------------------------------- */

static void test_tlfs_hcall__post_message_control_with_reps__golden(void **state)
{
	(void)state;
	/* PostMessage (0x5C) with rep count 2 and rep start 1: a word that a
	 * simple call must reject, built from the field constants. */
	uint64_t ctl = HVCALL_POST_MESSAGE | (2ull << HV_HC_REP_COUNT_SHIFT) |
		       (1ull << HV_HC_REP_START_SHIFT);
	const uint8_t want[8] = { 0x5C, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01, 0x00 };
	assert_le64(ctl, want);
	assert_true((ctl & HV_HC_CODE_MASK) == 0x5C);
	assert_true((ctl & HV_HC_REP_COUNT_MASK) >> HV_HC_REP_COUNT_SHIFT == 2);
	assert_true((ctl & HV_HC_REP_START_MASK) >> HV_HC_REP_START_SHIFT == 1);
	assert_true((ctl & HV_HC_RSVDZ_MASK) == 0);
	assert_false(ctl & HV_HC_FAST);

	/* The plain simple call: 8 bytes 5C 00 .. 00. */
	const uint8_t want_plain[8] = { 0x5C, 0, 0, 0, 0, 0, 0, 0 };
	assert_le64(HVCALL_POST_MESSAGE, want_plain);
}

static void test_tlfs_hcall__fast_signal_event_and_masks__golden(void **state)
{
	(void)state;
	uint64_t ctl = HVCALL_SIGNAL_EVENT | HV_HC_FAST;
	const uint8_t want[8] = { 0x5D, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00 };
	assert_le64(ctl, want);
	/* Masks: code 15:0, fast 16, varhdr 26:17, nested 31, reps 43:32,
	 * start 59:48, RsvdZ 30:27, 47:44, 63:60 -- together all 64 bits. */
	assert_true(HV_HC_VARHDR_MASK == 0x7FE0000ull);
	assert_true(HV_HC_NESTED == 0x80000000ull);
	assert_true(HV_HC_REP_COUNT_MASK == 0x00000FFF00000000ull);
	assert_true(HV_HC_REP_START_MASK == 0x0FFF000000000000ull);
	assert_true(HV_HC_RSVDZ_MASK == 0xF000F00078000000ull);
	assert_true((HV_HC_CODE_MASK | HV_HC_FAST | HV_HC_VARHDR_MASK | HV_HC_NESTED |
		     HV_HC_REP_COUNT_MASK | HV_HC_REP_START_MASK | HV_HC_RSVDZ_MASK) == ~0ull);
	assert_int_equal(HV_HC_VARHDR_SHIFT, 17);
	/* Fast HvSignalEvent RDX: connection 0x2005, flag 3. */
	uint64_t rdx = 0x2005u | (3ull << HV_SIGNAL_EVENT_FAST_FLAG_SHIFT);
	const uint8_t want_rdx[8] = { 0x05, 0x20, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00 };
	assert_le64(rdx, want_rdx);
	assert_int_equal(HVCALL_GET_VP_REGISTERS, 0x50);
	assert_int_equal(HVCALL_SET_VP_REGISTERS, 0x51);
	assert_int_equal(HVCALL_SIGNAL_EVENT_DIRECT, 0xC0);
	assert_int_equal(HVCALL_POST_MESSAGE_DIRECT, 0xC1);
}

static void test_tlfs_hcall__result_value__golden(void **state)
{
	(void)state;
	/* INSUFFICIENT_BUFFERS, 3 reps completed. */
	uint64_t res = HV_STATUS_INSUFFICIENT_BUFFERS | (3ull << HV_HC_RESULT_REPS_SHIFT);
	const uint8_t want[8] = { 0x13, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00 };
	assert_le64(res, want);
	assert_true((res & HV_HC_RESULT_STATUS_MASK) == HV_STATUS_INSUFFICIENT_BUFFERS);
	assert_true((res & HV_HC_RESULT_REPS_MASK) >> HV_HC_RESULT_REPS_SHIFT == 3);
}

static void test_tlfs_hcall__status_codes__match_sheet(void **state)
{
	(void)state;
	static const struct { unsigned got, want; } t[] = {
		{ HV_STATUS_SUCCESS, 0x0000 },
		{ HV_STATUS_INVALID_HYPERCALL_CODE, 0x0002 },
		{ HV_STATUS_INVALID_HYPERCALL_INPUT, 0x0003 },
		{ HV_STATUS_INVALID_ALIGNMENT, 0x0004 },
		{ HV_STATUS_INVALID_PARAMETER, 0x0005 },
		{ HV_STATUS_ACCESS_DENIED, 0x0006 },
		{ HV_STATUS_INVALID_PARTITION_STATE, 0x0007 },
		{ HV_STATUS_OPERATION_DENIED, 0x0008 },
		{ HV_STATUS_UNKNOWN_PROPERTY, 0x0009 },
		{ HV_STATUS_PROPERTY_VALUE_OUT_OF_RANGE, 0x000A },
		{ HV_STATUS_INSUFFICIENT_MEMORY, 0x000B },
		{ HV_STATUS_PARTITION_TOO_DEEP, 0x000C },
		{ HV_STATUS_INVALID_PARTITION_ID, 0x000D },
		{ HV_STATUS_INVALID_VP_INDEX, 0x000E },
		{ HV_STATUS_NOT_FOUND, 0x0010 },
		{ HV_STATUS_INVALID_PORT_ID, 0x0011 },
		{ HV_STATUS_INVALID_CONNECTION_ID, 0x0012 },
		{ HV_STATUS_INSUFFICIENT_BUFFERS, 0x0013 },
		{ HV_STATUS_NOT_ACKNOWLEDGED, 0x0014 },
		{ HV_STATUS_INVALID_VP_STATE, 0x0015 },
		{ HV_STATUS_ACKNOWLEDGED, 0x0016 },
		{ HV_STATUS_INVALID_SAVE_RESTORE_STATE, 0x0017 },
		{ HV_STATUS_INVALID_SYNIC_STATE, 0x0018 },
		{ HV_STATUS_OBJECT_IN_USE, 0x0019 },
		{ HV_STATUS_INVALID_PROXIMITY_DOMAIN_INFO, 0x001A },
		{ HV_STATUS_NO_DATA, 0x001B },
		{ HV_STATUS_INACTIVE, 0x001C },
		{ HV_STATUS_NO_RESOURCES, 0x001D },
		{ HV_STATUS_FEATURE_UNAVAILABLE, 0x001E },
		{ HV_STATUS_PARTIAL_PACKET, 0x001F },
		{ HV_STATUS_PROCESSOR_FEATURE_NOT_SUPPORTED, 0x0020 },
		{ HV_STATUS_INSUFFICIENT_BUFFER, 0x0033 },
		{ HV_STATUS_INVALID_LP_INDEX, 0x0041 },
		{ HV_STATUS_INVALID_REGISTER_VALUE, 0x0050 },
		{ HV_STATUS_INVALID_VTL_STATE, 0x0051 },
		{ HV_STATUS_OPERATION_FAILED, 0x0071 },
		{ HV_STATUS_TIMEOUT, 0x0078 },
		{ HV_STATUS_CALL_PENDING, 0x0079 },
		{ HV_STATUS_VTL_ALREADY_ENABLED, 0x0086 },
		{ HV_STATUS_UNKNOWN_REGISTER_NAME, 0x0087 },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		assert_int_equal(t[i].got, t[i].want);
	assert_int_equal(HVCALL_POST_MESSAGE, 0x005C);
	assert_int_equal(HVCALL_SIGNAL_EVENT, 0x005D);
}

static void test_tlfs_hcall__post_message_input__golden(void **state)
{
	(void)state;
	/* A guest posting REQUESTOFFERS (8 bytes: 03 00 00 00 00 00 00 00) on
	 * connection 1 with message type 1. */
	struct hv_input_post_message in;
	memset(&in, 0, sizeof(in));
	in.connection_id = 1;
	in.message_type = HVMSG_VMBUS;
	in.payload_size = 8;
	in.payload[0] = 0x03;

	uint8_t want[256] = {
		/* @0 ConnectionId */ 0x01, 0x00, 0x00, 0x00,
		/* @4 RsvdZ */        0x00, 0x00, 0x00, 0x00,
		/* @8 MessageType */  0x01, 0x00, 0x00, 0x00,
		/* @12 PayloadSize */ 0x08, 0x00, 0x00, 0x00,
		/* @16 payload */     0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		/* rest zero */
	};
	assert_int_equal(sizeof(in), 256);
	assert_int_equal(HV_POST_MESSAGE_INPUT_SIZE, 256);
	assert_memory_equal(&in, want, 256);
	assert_int_equal(HV_MESSAGE_PAYLOAD_BYTES, 240);
	assert_int_equal(HV_CONNECTION_ID_MASK, 0x00FFFFFF);
}

static void test_tlfs_hcall__signal_event_input__golden(void **state)
{
	(void)state;
	struct hv_input_signal_event in;
	memset(&in, 0, sizeof(in));
	in.connection_id = 0x2005;
	in.flag_number = 0;
	const uint8_t want[8] = { 0x05, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 };
	assert_int_equal(sizeof(in), 8);
	assert_memory_equal(&in, want, 8);

	in.flag_number = 0x0102;
	const uint8_t want2[8] = { 0x05, 0x20, 0x00, 0x00, 0x02, 0x01, 0x00, 0x00 };
	assert_memory_equal(&in, want2, 8);
}

static void test_tlfs_hcall__post_message_direct_input__golden(void **state)
{
	(void)state;
	struct hv_input_post_message_direct in;
	memset(&in, 0, sizeof(in));
	in.partition_id = 0x1122334455667788ull;
	in.vp_index = 3;
	in.vtl = 2;
	in.sint = 7;
	in.message.header.message_type = HVMSG_VMBUS;
	in.message.header.payload_size = 8;

	uint8_t want[280] = {
		/* @0 partition id */ 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11,
		/* @8 vp */           0x03, 0x00, 0x00, 0x00,
		/* @12 vtl + pad */   0x02, 0x00, 0x00, 0x00,
		/* @16 sint + pad */  0x07, 0x00, 0x00, 0x00,
		/* @20 hv_message */  0x01, 0x00, 0x00, 0x00, 0x08,
	};
	assert_memory_equal(&in, want, sizeof(want));
}

/* ---- SynIC ------------------------------------------------------------------- */

static void test_tlfs_synic__vmbus_slot_with_pending__golden(void **state)
{
	(void)state;
	/* Host posts a VERSION_RESPONSE (16 bytes) into SINT2 from port 1 while
	 * another message waits: MessagePending set. */
	struct hv_message_page page;
	memset(&page, 0, sizeof(page));
	struct hv_message *m = &page.slot[HV_SINT_VMBUS];
	m->header.message_type = HVMSG_VMBUS;
	m->header.payload_size = 16;
	m->header.flags = HV_MSG_FLAG_PENDING;
	m->header.origination_id = 1;
	m->payload[0] = 0x0F;  /* msgtype 15 */
	m->payload[8] = 0x01;  /* version_supported */
	m->payload[12] = 0x01; /* message connection id 1 */

	const uint8_t want[32] = {
		/* @0 MessageType */ 0x01, 0x00, 0x00, 0x00,
		/* @4 size, flags */ 0x10, 0x01,
		/* @6 reserved */    0x00, 0x00,
		/* @8 origin */      0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		/* @16 payload */    0x0F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
				     0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
	};
	const uint8_t *raw = (const uint8_t *)&page;
	/* Slot n sits at n * 256. */
	assert_memory_equal(raw + 2 * 256, want, sizeof(want));
	for (size_t i = 0; i < sizeof(page); i++)
		if (i < 512 || i >= 512 + sizeof(want))
			assert_int_equal(raw[i], 0);
	assert_int_equal(HV_MESSAGE_SIZE, 256);
	assert_int_equal(HV_MSG_FLAG_RSVD_MASK, 0xFE);
	assert_int_equal(HV_PORT_ID_MASK, 0xFFFFFF);
}

static void test_tlfs_synic__timer_message__golden(void **state)
{
	(void)state;
	struct hv_message m;
	memset(&m, 0, sizeof(m));
	struct hv_timer_message_payload p = {
		.timer_index = 1,
		.expiration_time = 0x0000000000989680ull,  /* 1 s */
		.delivery_time = 0x00000000009896A5ull,    /* 1 s + 3.7 us */
	};
	m.header.message_type = HVMSG_TIMER_EXPIRED;
	m.header.payload_size = HV_TIMER_MESSAGE_PAYLOAD_SIZE;
	m.header.origination_id = 0;
	memcpy(m.payload, &p, sizeof(p));

	const uint8_t want[40] = {
		0x10, 0x00, 0x00, 0x80, /* type 0x80000010 */
		0x18, 0x00, 0x00, 0x00, /* 24 bytes, no flags */
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* origin 0 */
		0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* timer 1, rsvd */
		0x80, 0x96, 0x98, 0x00, 0x00, 0x00, 0x00, 0x00, /* expiration */
		0xA5, 0x96, 0x98, 0x00, 0x00, 0x00, 0x00, 0x00, /* delivery */
	};
	assert_memory_equal(&m, want, sizeof(want));
}

static void test_tlfs_synic__message_types__match_sheet(void **state)
{
	(void)state;
	assert_int_equal(HVMSG_NONE, 0);
	assert_int_equal(HVMSG_VMBUS, 1);
	assert_int_equal(HVMSG_UNMAPPED_GPA, 0x80000000u);
	assert_int_equal(HVMSG_GPA_INTERCEPT, 0x80000001u);
	assert_int_equal(HVMSG_UNACCEPTED_GPA, 0x80000003u);
	assert_int_equal(HVMSG_GPA_ATTRIBUTE_INTERCEPT, 0x80000004u);
	assert_int_equal(HVMSG_TIMER_EXPIRED, 0x80000010u);
	assert_int_equal(HVMSG_INVALID_VP_REGISTER_VALUE, 0x80000020u);
	assert_int_equal(HVMSG_UNRECOVERABLE_EXCEPTION, 0x80000021u);
	assert_int_equal(HVMSG_UNSUPPORTED_FEATURE, 0x80000022u);
	assert_int_equal(HVMSG_OPAQUE_INTERCEPT, 0x8000003Fu);
	assert_int_equal(HVMSG_EVENTLOG_BUFFERCOMPLETE, 0x80000040u);
	assert_int_equal(HVMSG_HYPERCALL_INTERCEPT, 0x80000050u);
	assert_int_equal(HVMSG_SYNIC_EVENT_INTERCEPT, 0x80000060u);
	assert_int_equal(HVMSG_SYNIC_SINT_INTERCEPT, 0x80000061u);
	assert_int_equal(HVMSG_SYNIC_SINT_DELIVERABLE, 0x80000062u);
	assert_int_equal(HVMSG_ASYNC_CALL_COMPLETION, 0x80000070u);
	assert_int_equal(HVMSG_X64_IO_PORT_INTERCEPT, 0x80010000u);
	assert_int_equal(HVMSG_X64_MSR_INTERCEPT, 0x80010001u);
	assert_int_equal(HVMSG_X64_CPUID_INTERCEPT, 0x80010002u);
	assert_int_equal(HVMSG_X64_EXCEPTION_INTERCEPT, 0x80010003u);
	assert_int_equal(HVMSG_X64_APIC_EOI, 0x80010004u);
	assert_int_equal(HVMSG_X64_LEGACY_FP_ERROR, 0x80010005u);
	assert_int_equal(HVMSG_X64_HALT, 0x80010007u);
	assert_int_equal(HVMSG_X64_INTERRUPTION_DELIVERABLE, 0x80010008u);
	assert_int_equal(HVMSG_X64_SIPI_INTERCEPT, 0x80010009u);
	assert_true(HVMSG_TIMER_EXPIRED & HVMSG_HYPERVISOR_RESERVED);
	assert_false(HVMSG_VMBUS & HVMSG_HYPERVISOR_RESERVED);
	assert_int_equal(HV_SINT_INTERCEPTION, 0);
	assert_int_equal(HV_SINT_IOMMU_FAULT, 1);
	assert_int_equal(HV_SINT_VMBUS, 2);
	assert_int_equal(HV_SINT_HAL_TIMER, 3);
	assert_int_equal(HV_SINT_HVL_SHARED, 4);
	assert_int_equal(HV_SINT_FIRST_UNUSED, 5);
}

static void test_tlfs_synic__event_flag_position__sheet_formula(void **state)
{
	(void)state;
	/* Flag f of SINT n is bit f % 8 of byte n * 256 + f / 8. */
	struct hv_event_flags_page page;
	memset(&page, 0, sizeof(page));
	page.sint[2].flags[13 / 8] |= (uint8_t)(1u << (13 % 8));   /* relid 13 */
	page.sint[2].flags[2047 / 8] |= (uint8_t)(1u << (2047 % 8)); /* last flag */
	const uint8_t *raw = (const uint8_t *)&page;
	assert_int_equal(raw[513], 0x20);
	assert_int_equal(raw[767], 0x80);
	for (size_t i = 0; i < sizeof(page); i++)
		if (i != 513 && i != 767)
			assert_int_equal(raw[i], 0);
	assert_int_equal(HV_EVENT_FLAGS_PER_SINT, 2048);
	assert_int_equal(sizeof(page), 4096);
}

/* ---- Reference TSC page and timers ------------------------------------------ */

static void test_tlfs_tsc__ref_page_2_5ghz__golden(void **state)
{
	(void)state;
	struct hv_ref_tsc_page pg;
	memset(&pg, 0, sizeof(pg));
	pg.tsc_sequence = 1;
	pg.tsc_scale = 0x010624DD2F1A9FBEull;
	pg.tsc_offset = -5;
	const uint8_t want[24] = {
		0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  /* sequence, rsvd */
		0xBE, 0x9F, 0x1A, 0x2F, 0xDD, 0x24, 0x06, 0x01,  /* scale */
		0xFB, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,  /* offset -5 */
	};
	assert_memory_equal(&pg, want, sizeof(want));
	assert_int_equal(HV_REF_TSC_SEQUENCE_INVALID, 0);

	/* The sheet's scale is (10^7 << 64) / TSC_Hz at 2.5 GHz, and one
	 * second of TSC ticks maps to one second of 100 ns units (floor). */
	unsigned __int128 scale = ((unsigned __int128)HV_REF_TIME_HZ << 64) / 2500000000u;
	assert_true((uint64_t)scale == pg.tsc_scale);
	uint64_t t = (uint64_t)(((unsigned __int128)2500000000u * pg.tsc_scale) >> 64);
	assert_true(t == 9999999u || t == 10000000u);
}

static void test_tlfs_stimer__config_values__golden(void **state)
{
	(void)state;
	/* Linux legacy stimer0: enable, auto-enable, SINTx = 2. */
	uint64_t cfg = HV_STIMER_ENABLE | HV_STIMER_AUTOENABLE |
		       (2ull << HV_STIMER_SINT_SHIFT);
	const uint8_t want[8] = { 0x09, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00 };
	assert_le64(cfg, want);
	/* Direct mode, periodic, vector 0xF3. */
	uint64_t dcfg = HV_STIMER_ENABLE | HV_STIMER_PERIODIC | HV_STIMER_DIRECT_MODE |
			(0xF3ull << HV_STIMER_APIC_VECTOR_SHIFT);
	const uint8_t want_d[8] = { 0x33, 0x1F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 };
	assert_le64(dcfg, want_d);
	assert_true(HV_STIMER_LAZY == 0x4);
	assert_true(HV_STIMER_APIC_VECTOR_MASK == 0xFF0ull);
	assert_true(HV_STIMER_SINT_MASK == 0xF0000ull);
	assert_true(HV_STIMER_RSVD_MASK == 0xFFFFFFFFFFF0E000ull);
	assert_true((cfg & HV_STIMER_RSVD_MASK) == 0 && (dcfg & HV_STIMER_RSVD_MASK) == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tlfs_cpuid__vendor_registers__spell_microsoft_hv),
		cmocka_unit_test(test_tlfs_cpuid__leaf_numbers__match_sheet),
		cmocka_unit_test(test_tlfs_cpuid__privilege_bits__match_sheet),
		cmocka_unit_test(test_tlfs_cpuid__feature_and_recommendation_bits__match_sheet),
		cmocka_unit_test(test_tlfs_cpuid__hw_nested_isolation_bits__match_sheet),
		cmocka_unit_test(test_tlfs_msr__numbers__match_sheet),
		cmocka_unit_test(test_tlfs_msr__guest_os_id_linux_5_15__is_sheet_value),
		cmocka_unit_test(test_tlfs_msr__overlay_and_sint_values__golden),
		cmocka_unit_test(test_tlfs_msr__hypercall_page__vmcall_ret_bytes),
		cmocka_unit_test(test_tlfs_hcall__post_message_control_with_reps__golden),
		cmocka_unit_test(test_tlfs_hcall__fast_signal_event_and_masks__golden),
		cmocka_unit_test(test_tlfs_hcall__result_value__golden),
		cmocka_unit_test(test_tlfs_hcall__status_codes__match_sheet),
		cmocka_unit_test(test_tlfs_hcall__post_message_input__golden),
		cmocka_unit_test(test_tlfs_hcall__signal_event_input__golden),
		cmocka_unit_test(test_tlfs_hcall__post_message_direct_input__golden),
		cmocka_unit_test(test_tlfs_synic__vmbus_slot_with_pending__golden),
		cmocka_unit_test(test_tlfs_synic__timer_message__golden),
		cmocka_unit_test(test_tlfs_synic__message_types__match_sheet),
		cmocka_unit_test(test_tlfs_synic__event_flag_position__sheet_formula),
		cmocka_unit_test(test_tlfs_tsc__ref_page_2_5ghz__golden),
		cmocka_unit_test(test_tlfs_stimer__config_values__golden),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
