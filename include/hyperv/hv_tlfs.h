/* hv_tlfs.h -- Hypervisor TLFS wire formats: CPUID leaves, synthetic MSRs,
 * hypercall control/result words, HvPostMessage/HvSignalEvent inputs,
 * status codes, SynIC message slots, event flags, reference TSC page and
 * synthetic timers.  Numbers from shared/protocol/vmbus.md sections 1-4.
 * Header only: no code, both sides include it. */
#ifndef HYPERV_HV_TLFS_H
#define HYPERV_HV_TLFS_H

#include <stddef.h>
#include <stdint.h>

#define HV_PAGE_SIZE  4096u
#define HV_PAGE_SHIFT 12u

/* ---- CPUID (vmbus.md section 1) ---------------------------------------- */

#define HV_CPUID_FEATURES_ECX_HYPERVISOR (1u << 31) /* CPUID.1:ECX */

#define HV_CPUID_VENDOR_AND_MAX     0x40000000u
#define HV_CPUID_INTERFACE          0x40000001u
#define HV_CPUID_VERSION            0x40000002u
#define HV_CPUID_FEATURES           0x40000003u
#define HV_CPUID_ENLIGHTENMENT_INFO 0x40000004u
#define HV_CPUID_IMPLEMENT_LIMITS   0x40000005u
#define HV_CPUID_HW_FEATURES        0x40000006u
#define HV_CPUID_CPU_MGMT_FEATURES  0x40000007u
#define HV_CPUID_SVM_FEATURES       0x40000008u
#define HV_CPUID_SKIP_LEVEL         0x40000009u
#define HV_CPUID_NESTED_FEATURES    0x4000000Au
#define HV_CPUID_IPT_FEATURES       0x4000000Bu /* contents UNVERIFIED */
#define HV_CPUID_ISOLATION_CONFIG   0x4000000Cu
/* Linux accepts max leaf in [MIN, MAX]; OVMM reports 0x4000000C. */
#define HV_CPUID_MAX_LEAF_MIN       0x40000005u
#define HV_CPUID_MAX_LEAF_MAX       0x4000FFFFu

/* "Microsoft Hv" in EBX, ECX, EDX of leaf 0x40000000. */
#define HV_CPUID_VENDOR_EBX 0x7263694Du /* "Micr" */
#define HV_CPUID_VENDOR_ECX 0x666F736Fu /* "osof" */
#define HV_CPUID_VENDOR_EDX 0x76482074u /* "t Hv" */
/* "Hv#1" in EAX of leaf 0x40000001. */
#define HV_CPUID_INTERFACE_HV1 0x31237648u

/* Leaf 0x40000003 EAX: partition privilege mask bits 0-31. */
#define HV_PRIV_VP_RUNTIME         (1u << 0)
#define HV_PRIV_TIME_REF_COUNT     (1u << 1)
#define HV_PRIV_SYNIC_REGS         (1u << 2)
#define HV_PRIV_SYNTIMER_REGS      (1u << 3)
#define HV_PRIV_APIC_REGS          (1u << 4)
#define HV_PRIV_HYPERCALL_REGS     (1u << 5)
#define HV_PRIV_VP_INDEX           (1u << 6)
#define HV_PRIV_RESET              (1u << 7)
#define HV_PRIV_STATS              (1u << 8)
#define HV_PRIV_REFERENCE_TSC      (1u << 9)
#define HV_PRIV_GUEST_IDLE         (1u << 10)
#define HV_PRIV_FREQUENCY_REGS     (1u << 11)
#define HV_PRIV_DEBUG_REGS         (1u << 12)
#define HV_PRIV_REENLIGHTENMENT    (1u << 13)
#define HV_PRIV_ROOT_SCHEDULER     (1u << 14)
#define HV_PRIV_TSC_INVARIANT      (1u << 15)
/* OVMM's SUPPORTED_PRIVILEGES set for VMBus guests (bits 1,2,3,5,6,9). */
#define HV_PRIV_EAX_VMBUS_MINIMAL  0x26Eu
/* Leaf 0x40000003 EBX: privilege mask bits 32-63. */
#define HV_PRIV_EBX_POST_MESSAGES  (1u << 4)
#define HV_PRIV_EBX_SIGNAL_EVENTS  (1u << 5)
#define HV_PRIV_EBX_CREATE_PARTITIONS  (1u << 0)
#define HV_PRIV_EBX_ACCESS_PARTITION_ID (1u << 1)
#define HV_PRIV_EBX_ACCESS_MEMORY_POOL (1u << 2)
#define HV_PRIV_EBX_ADJUST_MSG_BUFFERS (1u << 3)
#define HV_PRIV_EBX_CREATE_PORT    (1u << 6)
#define HV_PRIV_EBX_CONNECT_PORT   (1u << 7)
#define HV_PRIV_EBX_ACCESS_STATS   (1u << 8)
#define HV_PRIV_EBX_DEBUGGING      (1u << 11)
#define HV_PRIV_EBX_CPU_MANAGEMENT (1u << 12)
#define HV_PRIV_EBX_ACCESS_VSM     (1u << 16)
#define HV_PRIV_EBX_ACCESS_VP_REGS (1u << 17)
#define HV_PRIV_EBX_FAST_HYPERCALL_OUTPUT (1u << 19)
#define HV_PRIV_EBX_EXTENDED_HYPERCALLS   (1u << 20)
#define HV_PRIV_EBX_START_VP       (1u << 21)
#define HV_PRIV_EBX_ISOLATION      (1u << 22)
/* Leaf 0x40000003 ECX: [3:0] max C-state, then power/misc flags. */
#define HV_FEAT_ECX_MAX_CSTATE_MASK     0xFu
#define HV_FEAT_ECX_INVARIANT_MPERF     (1u << 5)
#define HV_FEAT_ECX_SUPERVISOR_SHSTK    (1u << 6)
#define HV_FEAT_ECX_ARCH_PMU            (1u << 7)
#define HV_FEAT_ECX_EXCEPTION_TRAP_INTERCEPT (1u << 8)
#define HV_FEAT_ECX_VP_DISPATCH_INTERRUPT    (1u << 9) /* LNX name */
/* Leaf 0x40000003 EDX: feature flags. */
#define HV_FEAT_EDX_XMM_HYPERCALL_INPUT (1u << 4)
#define HV_FEAT_EDX_MWAIT               (1u << 0)
#define HV_FEAT_EDX_GUEST_DEBUGGING     (1u << 1)
#define HV_FEAT_EDX_PERF_MONITOR        (1u << 2)
#define HV_FEAT_EDX_CPU_DYN_PARTITIONING (1u << 3)
#define HV_FEAT_EDX_GUEST_IDLE          (1u << 5)
#define HV_FEAT_EDX_SLEEP_STATE         (1u << 6)
#define HV_FEAT_EDX_NUMA_DISTANCE       (1u << 7)
#define HV_FEAT_EDX_SYNTHETIC_MCE       (1u << 9)
#define HV_FEAT_EDX_DEBUG_MSRS          (1u << 11)
#define HV_FEAT_EDX_NPIEP               (1u << 12)
#define HV_FEAT_EDX_DISABLE_HYPERVISOR  (1u << 13)
#define HV_FEAT_EDX_EXT_GVA_RANGES_FLUSH (1u << 14)
#define HV_FEAT_EDX_XMM_HYPERCALL_OUTPUT (1u << 15)
#define HV_FEAT_EDX_SVM                 (1u << 16)
#define HV_FEAT_EDX_SINT_POLLING        (1u << 17)
#define HV_FEAT_EDX_HYPERCALL_MSR_LOCK  (1u << 18)
#define HV_FEAT_EDX_PAT_REG             (1u << 20)
#define HV_FEAT_EDX_BNDCFGS_REG         (1u << 21)
#define HV_FEAT_EDX_WATCHDOG_TIMER      (1u << 22)
#define HV_FEAT_EDX_SYNTH_TIME_UNHALTED (1u << 23)
#define HV_FEAT_EDX_DEVICE_DOMAINS      (1u << 24)
#define HV_FEAT_EDX_S1_DEVICE_DOMAINS   (1u << 25)
#define HV_FEAT_EDX_LBR                 (1u << 26)
#define HV_FEAT_EDX_IPT                 (1u << 27)
#define HV_FEAT_EDX_CROSS_VTL_FLUSH     (1u << 28)
#define HV_FEAT_EDX_IDLE_SPEC_CTRL      (1u << 29)
#define HV_FEAT_EDX_TRANSLATE_GVA_FLAGS (1u << 30)
#define HV_FEAT_EDX_APIC_EOI_INTERCEPT  (1u << 31)
#define HV_FEAT_EDX_FREQUENCY_MSRS      (1u << 8)
#define HV_FEAT_EDX_GUEST_CRASH_MSRS    (1u << 10)
#define HV_FEAT_EDX_STIMER_DIRECT_MODE  (1u << 19)
/* Leaf 0x40000004 EAX: recommendations. */
#define HV_REC_RELAXED_TIMING      (1u << 5)
#define HV_REC_DEPRECATE_AUTO_EOI  (1u << 9)
#define HV_REC_AS_SWITCH           (1u << 0)
#define HV_REC_LOCAL_TLB_FLUSH     (1u << 1)
#define HV_REC_REMOTE_TLB_FLUSH    (1u << 2)
#define HV_REC_APIC_MSRS           (1u << 3)
#define HV_REC_RESET_MSR           (1u << 4)
#define HV_REC_X2APIC_MSRS         (1u << 8)
#define HV_REC_CLUSTER_IPI         (1u << 10)
#define HV_REC_EX_PROCESSOR_MASKS  (1u << 11)
#define HV_REC_NESTED              (1u << 12)
#define HV_REC_ENLIGHTENED_VMCS    (1u << 14)
#define HV_REC_NO_NONARCH_CORESHARING (1u << 18)
#define HV_REC_USE_X2APIC          (1u << 19)
#define HV_REC_MMIO_HYPERCALLS     (1u << 21)
/* Leaf 0x40000004 EBX: spin-lock retries; this value means never notify. */
#define HV_REC_SPINLOCK_RETRIES_NEVER 0xFFFFFFFFu

/* Leaf 0x40000006 EAX: hardware features in use (OVMM HvHardwareFeatures). */
#define HV_HWFEAT_APIC_OVERLAY_ASSIST (1u << 0)
#define HV_HWFEAT_MSR_BITMAPS         (1u << 1)
#define HV_HWFEAT_ARCH_PERF_COUNTERS  (1u << 2)
#define HV_HWFEAT_SLAT                (1u << 3)
#define HV_HWFEAT_DMA_REMAPPING       (1u << 4)
#define HV_HWFEAT_INTERRUPT_REMAPPING (1u << 5)
#define HV_HWFEAT_MEMORY_PATROL_SCRUBBER (1u << 6)
#define HV_HWFEAT_DMA_PROTECTION      (1u << 7)
#define HV_HWFEAT_HPET_REQUESTED      (1u << 8)
#define HV_HWFEAT_STIMERS_VOLATILE    (1u << 9)
#define HV_HWFEAT_HV_LEVEL_SHIFT      10u
#define HV_HWFEAT_HV_LEVEL_MASK       (0xFu << 10)
#define HV_HWFEAT_PHYS_DEST_MODE_REQ  (1u << 14)
#define HV_HWFEAT_VMFUNC_ALIAS_MAP    (1u << 15)
#define HV_HWFEAT_MEMORY_ZEROING_REG  (1u << 16)
#define HV_HWFEAT_UNRESTRICTED_GUEST  (1u << 17)
#define HV_HWFEAT_RDT_A               (1u << 18)
#define HV_HWFEAT_RDT_M               (1u << 19)
#define HV_HWFEAT_CHILD_PERFMON_PMU   (1u << 20)
#define HV_HWFEAT_CHILD_PERFMON_LBR   (1u << 21)
#define HV_HWFEAT_CHILD_PERFMON_IPT   (1u << 22)
#define HV_HWFEAT_APIC_EMULATION      (1u << 23)
#define HV_HWFEAT_CHILD_X2APIC_RECOMMENDED (1u << 24)
#define HV_HWFEAT_HW_WATCHDOG_RSVD    (1u << 25)
#define HV_HWFEAT_DEVICE_ACCESS_TRACKING (1u << 26)
#define HV_HWFEAT_HW_GPA_ACCESS_TRACKING (1u << 27)
/* Leaf 0x40000006 EBX [7:0]: device-domain input width. */
#define HV_HWFEAT_EBX_DEVICE_DOMAIN_WIDTH_MASK 0xFFu

/* Leaf 0x4000000A EAX: nested virtualization (LNX, OVMM). */
#define HV_NESTED_EVMCS_VERSION_LOW_MASK  0xFFu
#define HV_NESTED_EVMCS_VERSION_HIGH_SHIFT 8u
#define HV_NESTED_EVMCS_VERSION_HIGH_MASK (0xFFu << 8)
#define HV_NESTED_DIRECT_FLUSH        (1u << 17)
#define HV_NESTED_GUEST_MAPPING_FLUSH (1u << 18)
#define HV_NESTED_MSR_BITMAP          (1u << 19)
#define HV_NESTED_VIRT_EXCEPTION      (1u << 20)
#define HV_NESTED_DEBUG_CTL           (1u << 21)
#define HV_NESTED_ENLIGHTENED_NPT_TLB (1u << 22)

/* Leaf 0x4000000C: isolation configuration. */
#define HV_ISO_EAX_PARAVISOR_PRESENT  (1u << 0)
#define HV_ISO_EBX_TYPE_MASK          0xFu
#define HV_ISO_TYPE_NONE              0u
#define HV_ISO_TYPE_VBS               1u
#define HV_ISO_TYPE_SNP               2u
#define HV_ISO_TYPE_TDX               3u
#define HV_ISO_EBX_SHARED_GPA_BOUNDARY_ACTIVE (1u << 5)
#define HV_ISO_EBX_SHARED_GPA_BITS_SHIFT 6u
#define HV_ISO_EBX_SHARED_GPA_BITS_MASK  (0x3Fu << 6)

/* ---- Synthetic MSRs (vmbus.md section 2) -------------------------------- */

#define HV_MSR_GUEST_OS_ID      0x40000000u
#define HV_MSR_HYPERCALL        0x40000001u
#define HV_MSR_VP_INDEX         0x40000002u
#define HV_MSR_RESET            0x40000003u
#define HV_MSR_VP_RUNTIME       0x40000010u
#define HV_MSR_TIME_REF_COUNT   0x40000020u
#define HV_MSR_REFERENCE_TSC    0x40000021u
#define HV_MSR_TSC_FREQUENCY    0x40000022u
#define HV_MSR_APIC_FREQUENCY   0x40000023u
#define HV_MSR_EOI              0x40000070u
#define HV_MSR_ICR              0x40000071u
#define HV_MSR_TPR              0x40000072u
#define HV_MSR_VP_ASSIST_PAGE   0x40000073u
#define HV_MSR_SCONTROL         0x40000080u
#define HV_MSR_SVERSION         0x40000081u
#define HV_MSR_SIEFP            0x40000082u
#define HV_MSR_SIMP             0x40000083u
#define HV_MSR_EOM              0x40000084u
#define HV_MSR_SIRBP            0x40000085u
#define HV_MSR_SINT0            0x40000090u /* SINTn = SINT0 + n, n < 16 */
#define HV_MSR_STIMER0_CONFIG   0x400000B0u /* STIMERn_CONFIG = + 2n */
#define HV_MSR_STIMER0_COUNT    0x400000B1u /* STIMERn_COUNT  = + 2n */
#define HV_MSR_GUEST_IDLE       0x400000F0u
#define HV_MSR_CRASH_P0         0x40000100u
#define HV_MSR_CRASH_CTL        0x40000105u
#define HV_MSR_CRASH_P4         0x40000104u
#define HV_MSR_REENLIGHTENMENT_CONTROL 0x40000106u
#define HV_MSR_TSC_EMULATION_CONTROL   0x40000107u
#define HV_MSR_TSC_EMULATION_STATUS    0x40000108u
#define HV_MSR_TSC_INVARIANT_CONTROL   0x40000118u
#define HV_MSR_NESTED_SCONTROL  0x40001080u /* nested SynIC: normal + 0x1000 */
#define HV_MSR_NESTED_SINT0     0x40001090u
#define HV_MSR_SINT_LAST        0x4000009Fu
#define HV_MSR_STIMER3_COUNT    0x400000B7u

/* CRASH_CTL bits. */
#define HV_CRASH_CTL_NOTIFY     (1ull << 63)
#define HV_CRASH_CTL_NOTIFY_MSG (1ull << 62) /* P3 = msg GPA, P4 = size */
/* TSC_INVARIANT_CONTROL bit 0 exposes invariant TSC. */
#define HV_TSC_INVARIANT_EXPOSE (1ull << 0)
/* RESET MSR: writing bit 0 resets the partition. */
#define HV_RESET_PARTITION      (1ull << 0)

#define HV_SINT_COUNT   16u
#define HV_STIMER_COUNT 4u
#define HV_SVERSION     1u

/* GUEST_OS_ID open-source encoding: bit 63 set, [62:56] OS type. */
#define HV_GUEST_OS_ID_OPENSOURCE (1ull << 63)
#define HV_GUEST_OS_TYPE_LINUX    1u
#define HV_GUEST_OS_TYPE_FREEBSD  2u
#define HV_GUEST_OS_TYPE_XEN      3u
#define HV_GUEST_OS_TYPE_ILLUMOS  4u
#define HV_GUEST_OS_TYPE_SHIFT    56u
#define HV_GUEST_OS_TYPE_MASK     (0x7Full << 56)
#define HV_GUEST_OS_ID_OS_SHIFT   48u       /* [55:48] OS id */
#define HV_GUEST_OS_ID_VERSION_SHIFT 16u    /* [47:16] version */
#define HV_GUEST_OS_ID_BUILD_MASK 0xFFFFull /* [15:0] build */
/* Microsoft encoding (bit 63 clear): [63:48] vendor, 1 = Microsoft. */
#define HV_GUEST_OS_VENDOR_SHIFT  48u
#define HV_GUEST_OS_VENDOR_MICROSOFT 1u

/* HYPERCALL MSR: bit 0 enable, bit 1 locked, [11:2] RsvdP, [63:12] PFN. */
#define HV_HYPERCALL_ENABLE   (1ull << 0)
#define HV_HYPERCALL_LOCKED   (1ull << 1)
#define HV_HYPERCALL_RSVDP_MASK (0x3FFull << 2)
/* SIMP, SIEFP, REFERENCE_TSC, VP_ASSIST: bit 0 enable, [63:12] PFN. */
#define HV_OVERLAY_ENABLE     (1ull << 0)
#define HV_OVERLAY_PFN_SHIFT  12u
#define HV_OVERLAY_PFN_MASK   (~0xFFFull)
/* SCONTROL bit 0. */
#define HV_SCONTROL_ENABLE    (1ull << 0)
/* RsvdP bits of the overlay MSRs (preserve on write). */
#define HV_OVERLAY_RSVDP_MASK (0x7FEull)

/* SINTn: [7:0] vector, 16 masked, 17 auto-EOI, 18 polling, [63:21] rsvd. */
#define HV_SINT_VECTOR_MASK   0xFFull
#define HV_SINT_MASKED        (1ull << 16)
#define HV_SINT_AUTO_EOI      (1ull << 17)
#define HV_SINT_POLLING       (1ull << 18)
#define HV_SINT_AS_INTERCEPT  (1ull << 19)
#define HV_SINT_PROXY         (1ull << 20)
#define HV_SINT_RESET_VALUE   HV_SINT_MASKED
#define HV_SINT_VECTOR_MIN    0x10u
#define HV_SINT_RSVD_MASK     ((0xFFull << 8) | (~0ull << 21))

/* The hypercall page: vmcall; ret (Intel) and vmmcall; ret (AMD). */
#define HV_HYPERCALL_PAGE_INTEL { 0x0F, 0x01, 0xC1, 0xC3 }
#define HV_HYPERCALL_PAGE_AMD   { 0x0F, 0x01, 0xD9, 0xC3 }
/* OVMM fills the rest of the page with int3. */
#define HV_HYPERCALL_PAGE_FILL  0xCCu

/* ARM64 VP register names (HvCallGet/SetVpRegisters). */
#define HV_REG_GUEST_OS_ID     0x00090002u
#define HV_REG_VP_INDEX        0x00090003u
#define HV_REG_TIME_REF_COUNT  0x00090004u
#define HV_REG_REFERENCE_TSC   0x00090017u
#define HV_REG_SINT0           0x000A0000u
#define HV_REG_SCONTROL        0x000A0010u
#define HV_REG_SVERSION        0x000A0011u
#define HV_REG_SIEFP           0x000A0012u
#define HV_REG_SIMP            0x000A0013u
#define HV_REG_EOM             0x000A0014u
#define HV_REG_STIMER0_CONFIG  0x000B0000u
#define HV_REG_STIMER0_COUNT   0x000B0001u

/* ---- Hypercalls (vmbus.md section 3.1-3.4) ------------------------------ */

#define HVCALL_POST_MESSAGE   0x005Cu
#define HVCALL_SIGNAL_EVENT   0x005Du
#define HVCALL_GET_VP_REGISTERS     0x0050u
#define HVCALL_SET_VP_REGISTERS     0x0051u
#define HVCALL_SIGNAL_EVENT_DIRECT  0x00C0u
#define HVCALL_POST_MESSAGE_DIRECT  0x00C1u

/* Input control value. */
#define HV_HC_CODE_MASK         0xFFFFull
#define HV_HC_FAST              (1ull << 16)
#define HV_HC_VARHDR_SHIFT      17u
#define HV_HC_VARHDR_MASK       (0x3FFull << 17) /* 10 bits, 26:17 */
#define HV_HC_NESTED            (1ull << 31)
#define HV_HC_REP_COUNT_SHIFT   32u
#define HV_HC_REP_COUNT_MASK    (0xFFFull << 32)
#define HV_HC_REP_START_SHIFT   48u
#define HV_HC_REP_START_MASK    (0xFFFull << 48)
/* RsvdZ: 30:27, 47:44, 63:60. */
#define HV_HC_RSVDZ_MASK        ((0xFull << 27) | (0xFull << 44) | (0xFull << 60))

/* Result value: [15:0] status, [43:32] reps completed. */
#define HV_HC_RESULT_STATUS_MASK 0xFFFFull
#define HV_HC_RESULT_REPS_SHIFT  32u
#define HV_HC_RESULT_REPS_MASK   (0xFFFull << 32)

/* HV_STATUS_* (vmbus.md 3.2). */
#define HV_STATUS_SUCCESS                 0x0000u
#define HV_STATUS_INVALID_HYPERCALL_CODE  0x0002u
#define HV_STATUS_INVALID_HYPERCALL_INPUT 0x0003u
#define HV_STATUS_INVALID_ALIGNMENT       0x0004u
#define HV_STATUS_INVALID_PARAMETER       0x0005u
#define HV_STATUS_ACCESS_DENIED           0x0006u
#define HV_STATUS_INVALID_PARTITION_STATE 0x0007u
#define HV_STATUS_OPERATION_DENIED        0x0008u
#define HV_STATUS_UNKNOWN_PROPERTY        0x0009u
#define HV_STATUS_PROPERTY_VALUE_OUT_OF_RANGE 0x000Au
#define HV_STATUS_INSUFFICIENT_MEMORY     0x000Bu
#define HV_STATUS_PARTITION_TOO_DEEP      0x000Cu
#define HV_STATUS_INVALID_PARTITION_ID    0x000Du
#define HV_STATUS_INVALID_VP_INDEX        0x000Eu
#define HV_STATUS_NOT_FOUND               0x0010u
#define HV_STATUS_INVALID_PORT_ID         0x0011u
#define HV_STATUS_INVALID_CONNECTION_ID   0x0012u
#define HV_STATUS_INSUFFICIENT_BUFFERS    0x0013u
#define HV_STATUS_NOT_ACKNOWLEDGED        0x0014u
#define HV_STATUS_INVALID_VP_STATE        0x0015u
#define HV_STATUS_ACKNOWLEDGED            0x0016u
#define HV_STATUS_INVALID_SAVE_RESTORE_STATE 0x0017u
#define HV_STATUS_INVALID_SYNIC_STATE     0x0018u
#define HV_STATUS_OBJECT_IN_USE           0x0019u
#define HV_STATUS_INVALID_PROXIMITY_DOMAIN_INFO 0x001Au
#define HV_STATUS_NO_DATA                 0x001Bu
#define HV_STATUS_INACTIVE                0x001Cu
#define HV_STATUS_NO_RESOURCES            0x001Du
#define HV_STATUS_FEATURE_UNAVAILABLE     0x001Eu
#define HV_STATUS_PARTIAL_PACKET          0x001Fu
#define HV_STATUS_PROCESSOR_FEATURE_NOT_SUPPORTED 0x0020u
#define HV_STATUS_INSUFFICIENT_BUFFER     0x0033u
#define HV_STATUS_INVALID_LP_INDEX        0x0041u
#define HV_STATUS_INVALID_REGISTER_VALUE  0x0050u
#define HV_STATUS_INVALID_VTL_STATE       0x0051u
#define HV_STATUS_OPERATION_FAILED        0x0071u
#define HV_STATUS_TIMEOUT                 0x0078u
#define HV_STATUS_CALL_PENDING            0x0079u
#define HV_STATUS_VTL_ALREADY_ENABLED     0x0086u
#define HV_STATUS_UNKNOWN_REGISTER_NAME   0x0087u

#define HV_MESSAGE_PAYLOAD_BYTES 240u
#define HV_CONNECTION_ID_MASK    0x00FFFFFFu
#define HV_EVENT_FLAGS_PER_SINT  2048u
#define HV_MESSAGE_SIZE          256u
#define HV_POST_MESSAGE_INPUT_SIZE 256u
/* Fast HvSignalEvent: RDX = connection_id | flag_number << 32. */
#define HV_SIGNAL_EVENT_FAST_FLAG_SHIFT 32u

/* HvPostMessage input block (call 0x005C), guest -> host, 256 bytes. */
struct hv_input_post_message {
	uint32_t connection_id;  /* @0, low 24 bits significant */
	uint32_t reserved;       /* @4, RsvdZ */
	uint32_t message_type;   /* @8, nonzero, MSB clear; VMBus uses 1 */
	uint32_t payload_size;   /* @12, <= 240 */
	uint8_t  payload[HV_MESSAGE_PAYLOAD_BYTES]; /* @16 */
} __attribute__((packed));
_Static_assert(sizeof(struct hv_input_post_message) == 256, "post message input");
_Static_assert(offsetof(struct hv_input_post_message, message_type) == 8, "");
_Static_assert(offsetof(struct hv_input_post_message, payload_size) == 12, "");
_Static_assert(offsetof(struct hv_input_post_message, payload) == 16, "");

/* HvSignalEvent input (call 0x005D), guest -> host, 8 bytes.  In the fast
 * form RDX = connection_id | (flag_number << 32). */
struct hv_input_signal_event {
	uint32_t connection_id;  /* @0 */
	uint16_t flag_number;    /* @4, relative to the port's base flag */
	uint16_t reserved;       /* @6, RsvdZ */
} __attribute__((packed));
_Static_assert(sizeof(struct hv_input_signal_event) == 8, "signal event input");
_Static_assert(offsetof(struct hv_input_signal_event, flag_number) == 4, "");

/* ---- SynIC message slot (vmbus.md 3.5) ---------------------------------- */

/* HVMSG_* message types (field hv_message.message_type). */
#define HVMSG_NONE          0x00000000u
#define HVMSG_VMBUS         0x00000001u
#define HVMSG_TIMER_EXPIRED 0x80000010u
#define HVMSG_HYPERVISOR_RESERVED 0x80000000u /* high bit: not postable */
#define HVMSG_UNMAPPED_GPA          0x80000000u
#define HVMSG_GPA_INTERCEPT         0x80000001u
#define HVMSG_UNACCEPTED_GPA        0x80000003u
#define HVMSG_GPA_ATTRIBUTE_INTERCEPT 0x80000004u
#define HVMSG_INVALID_VP_REGISTER_VALUE 0x80000020u
#define HVMSG_UNRECOVERABLE_EXCEPTION 0x80000021u
#define HVMSG_UNSUPPORTED_FEATURE   0x80000022u
#define HVMSG_OPAQUE_INTERCEPT      0x8000003Fu
#define HVMSG_EVENTLOG_BUFFERCOMPLETE 0x80000040u
#define HVMSG_HYPERCALL_INTERCEPT   0x80000050u
#define HVMSG_SYNIC_EVENT_INTERCEPT 0x80000060u
#define HVMSG_SYNIC_SINT_INTERCEPT  0x80000061u
#define HVMSG_SYNIC_SINT_DELIVERABLE 0x80000062u
#define HVMSG_ASYNC_CALL_COMPLETION 0x80000070u
#define HVMSG_X64_IO_PORT_INTERCEPT 0x80010000u
#define HVMSG_X64_MSR_INTERCEPT     0x80010001u
#define HVMSG_X64_CPUID_INTERCEPT   0x80010002u
#define HVMSG_X64_EXCEPTION_INTERCEPT 0x80010003u
#define HVMSG_X64_APIC_EOI          0x80010004u
#define HVMSG_X64_LEGACY_FP_ERROR   0x80010005u
#define HVMSG_X64_HALT              0x80010007u
#define HVMSG_X64_INTERRUPTION_DELIVERABLE 0x80010008u
#define HVMSG_X64_SIPI_INTERCEPT    0x80010009u

/* hv_message.flags */
#define HV_MSG_FLAG_PENDING 0x01u
#define HV_MSG_FLAG_RSVD_MASK 0xFEu
/* Port ids are 24 bits (origination_id of a posted message). */
#define HV_PORT_ID_MASK     0x00FFFFFFu

/* One SIMP slot, host -> guest, 256 bytes.  The host writes payload and
 * header first and message_type last (release), the guest copies it out,
 * writes HVMSG_NONE, full barrier, and writes EOM only if PENDING was set. */
struct hv_message_header {
	uint32_t message_type;   /* @0, HVMSG_* */
	uint8_t  payload_size;   /* @4 */
	uint8_t  flags;          /* @5, HV_MSG_FLAG_* */
	uint16_t reserved;       /* @6 */
	uint64_t origination_id; /* @8, port id, or 0 for timer messages */
} __attribute__((packed));
_Static_assert(sizeof(struct hv_message_header) == 16, "message header");

struct hv_message {
	struct hv_message_header header;               /* @0 */
	uint8_t payload[HV_MESSAGE_PAYLOAD_BYTES];     /* @16 */
} __attribute__((packed));
_Static_assert(sizeof(struct hv_message) == 256, "SynIC message slot");
_Static_assert(offsetof(struct hv_message, payload) == 16, "");
_Static_assert(offsetof(struct hv_message_header, payload_size) == 4, "");
_Static_assert(offsetof(struct hv_message_header, flags) == 5, "");
_Static_assert(offsetof(struct hv_message_header, origination_id) == 8, "");

/* SIMP page: one slot per SINT at n * 256. */
struct hv_message_page {
	struct hv_message slot[HV_SINT_COUNT];
} __attribute__((packed));
_Static_assert(sizeof(struct hv_message_page) == HV_PAGE_SIZE, "SIMP page");

/* SIEFP page: 2048 flag bits per SINT at n * 256; flag f is bit f % 8 of
 * byte f / 8 of that block. */
struct hv_event_flags {
	uint8_t flags[HV_EVENT_FLAGS_PER_SINT / 8];
} __attribute__((packed));
_Static_assert(sizeof(struct hv_event_flags) == 256, "SINT event flags");

struct hv_event_flags_page {
	struct hv_event_flags sint[HV_SINT_COUNT];
} __attribute__((packed));
_Static_assert(sizeof(struct hv_event_flags_page) == HV_PAGE_SIZE, "SIEFP page");
_Static_assert(offsetof(struct hv_event_flags_page, sint[2]) == 512, "");
_Static_assert(offsetof(struct hv_message_page, slot[2]) == 512, "");

/* Statically assigned SINTs. */
#define HV_SINT_VMBUS 2u
#define HV_SINT_INTERCEPTION 0u
#define HV_SINT_IOMMU_FAULT  1u
#define HV_SINT_HAL_TIMER    3u
#define HV_SINT_HVL_SHARED   4u
#define HV_SINT_FIRST_UNUSED 5u

/* ---- Reference TSC page (vmbus.md 4) ------------------------------------- */

/* ReferenceTime = ((TSC * tsc_scale) >> 64) + tsc_offset, 100 ns units.
 * tsc_sequence 0 means invalid: use HV_MSR_TIME_REF_COUNT. */
struct hv_ref_tsc_page {
	uint32_t tsc_sequence;   /* @0 */
	uint32_t reserved1;      /* @4 */
	uint64_t tsc_scale;      /* @8, unsigned 64.64 */
	int64_t  tsc_offset;     /* @16 */
	uint64_t timeline_bias;  /* @24 */
	uint64_t tsc_multiplier; /* @32 */
	uint8_t  reserved2[HV_PAGE_SIZE - 40];
} __attribute__((packed));
_Static_assert(sizeof(struct hv_ref_tsc_page) == HV_PAGE_SIZE, "ref TSC page");
_Static_assert(offsetof(struct hv_ref_tsc_page, tsc_scale) == 8, "");
_Static_assert(offsetof(struct hv_ref_tsc_page, tsc_offset) == 16, "");
_Static_assert(offsetof(struct hv_ref_tsc_page, timeline_bias) == 24, "");
_Static_assert(offsetof(struct hv_ref_tsc_page, tsc_multiplier) == 32, "");
#define HV_REF_TSC_SEQUENCE_INVALID 0u /* TLFS <= 4.0b wrongly says -1 */
/* Reference time ticks per second (100 ns units). */
#define HV_REF_TIME_HZ 10000000ull

/* ---- Synthetic timers ----------------------------------------------------- */

/* STIMERn_CONFIG bits. */
#define HV_STIMER_ENABLE       (1ull << 0)
#define HV_STIMER_PERIODIC     (1ull << 1)
#define HV_STIMER_LAZY         (1ull << 2)
#define HV_STIMER_AUTOENABLE   (1ull << 3)
#define HV_STIMER_APIC_VECTOR_SHIFT 4u
#define HV_STIMER_APIC_VECTOR_MASK  (0xFFull << 4)
#define HV_STIMER_DIRECT_MODE  (1ull << 12)
#define HV_STIMER_SINT_SHIFT   16u
#define HV_STIMER_SINT_MASK    (0xFull << 16)
#define HV_STIMER_RSVD_MASK    ((0x7ull << 13) | (~0ull << 20))

/* HVMSG_TIMER_EXPIRED payload, host -> guest, 24 bytes. */
struct hv_timer_message_payload {
	uint32_t timer_index;     /* @0 */
	uint32_t reserved;        /* @4 */
	uint64_t expiration_time; /* @8, scheduled reference time */
	uint64_t delivery_time;   /* @16, reference time at delivery */
} __attribute__((packed));
_Static_assert(sizeof(struct hv_timer_message_payload) == 24, "timer payload");
_Static_assert(offsetof(struct hv_timer_message_payload, expiration_time) == 8, "");
_Static_assert(offsetof(struct hv_timer_message_payload, delivery_time) == 16, "");

#define HV_TIMER_MESSAGE_PAYLOAD_SIZE 24u

/* HvPostMessageDirect input (call 0x00C1, OVMM layout), 280 bytes.  Used by
 * paravisor/VTL setups only; plain guests use HvPostMessage. */
struct hv_input_post_message_direct {
	uint64_t partition_id;      /* @0 */
	uint32_t vp_index;          /* @8 */
	uint8_t  vtl;               /* @12 */
	uint8_t  pad1[3];           /* @13 */
	uint8_t  sint;              /* @16 */
	uint8_t  pad2[3];           /* @17 */
	struct hv_message message;  /* @20 */
	uint8_t  pad3[4];           /* @276 */
} __attribute__((packed));
_Static_assert(sizeof(struct hv_input_post_message_direct) == 280, "post direct");
_Static_assert(offsetof(struct hv_input_post_message_direct, message) == 20, "");

#endif /* HYPERV_HV_TLFS_H */
