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
/* Leaf 0x40000003 EBX: privilege mask bits 32-63. */
#define HV_PRIV_EBX_POST_MESSAGES  (1u << 4)
#define HV_PRIV_EBX_SIGNAL_EVENTS  (1u << 5)
/* Leaf 0x40000003 EDX: feature flags. */
#define HV_FEAT_EDX_XMM_HYPERCALL_INPUT (1u << 4)
#define HV_FEAT_EDX_FREQUENCY_MSRS      (1u << 8)
#define HV_FEAT_EDX_GUEST_CRASH_MSRS    (1u << 10)
#define HV_FEAT_EDX_STIMER_DIRECT_MODE  (1u << 19)
/* Leaf 0x40000004 EAX: recommendations. */
#define HV_REC_RELAXED_TIMING      (1u << 5)
#define HV_REC_DEPRECATE_AUTO_EOI  (1u << 9)

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

#define HV_SINT_COUNT   16u
#define HV_STIMER_COUNT 4u
#define HV_SVERSION     1u

/* GUEST_OS_ID open-source encoding: bit 63 set, [62:56] OS type. */
#define HV_GUEST_OS_ID_OPENSOURCE (1ull << 63)
#define HV_GUEST_OS_TYPE_LINUX    1u
#define HV_GUEST_OS_TYPE_FREEBSD  2u

/* HYPERCALL MSR: bit 0 enable, bit 1 locked, [11:2] RsvdP, [63:12] PFN. */
#define HV_HYPERCALL_ENABLE   (1ull << 0)
#define HV_HYPERCALL_LOCKED   (1ull << 1)
/* SIMP, SIEFP, REFERENCE_TSC, VP_ASSIST: bit 0 enable, [63:12] PFN. */
#define HV_OVERLAY_ENABLE     (1ull << 0)
#define HV_OVERLAY_PFN_SHIFT  12u
#define HV_OVERLAY_PFN_MASK   (~0xFFFull)
/* SCONTROL bit 0. */
#define HV_SCONTROL_ENABLE    (1ull << 0)

/* SINTn: [7:0] vector, 16 masked, 17 auto-EOI, 18 polling, [63:21] rsvd. */
#define HV_SINT_VECTOR_MASK   0xFFull
#define HV_SINT_MASKED        (1ull << 16)
#define HV_SINT_AUTO_EOI      (1ull << 17)
#define HV_SINT_POLLING       (1ull << 18)
#define HV_SINT_AS_INTERCEPT  (1ull << 19)
#define HV_SINT_PROXY         (1ull << 20)
#define HV_SINT_RESET_VALUE   HV_SINT_MASKED
#define HV_SINT_VECTOR_MIN    0x10u

/* The hypercall page: vmcall; ret (Intel) and vmmcall; ret (AMD). */
#define HV_HYPERCALL_PAGE_INTEL { 0x0F, 0x01, 0xC1, 0xC3 }
#define HV_HYPERCALL_PAGE_AMD   { 0x0F, 0x01, 0xD9, 0xC3 }

/* ---- Hypercalls (vmbus.md section 3.1-3.4) ------------------------------ */

#define HVCALL_POST_MESSAGE   0x005Cu
#define HVCALL_SIGNAL_EVENT   0x005Du

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

/* HV_STATUS_* (vmbus.md 3.2). */
#define HV_STATUS_SUCCESS                 0x0000u
#define HV_STATUS_INVALID_HYPERCALL_CODE  0x0002u
#define HV_STATUS_INVALID_HYPERCALL_INPUT 0x0003u
#define HV_STATUS_INVALID_ALIGNMENT       0x0004u
#define HV_STATUS_INVALID_PARAMETER       0x0005u
#define HV_STATUS_ACCESS_DENIED           0x0006u
#define HV_STATUS_INVALID_PARTITION_STATE 0x0007u
#define HV_STATUS_OPERATION_DENIED        0x0008u
#define HV_STATUS_INSUFFICIENT_MEMORY     0x000Bu
#define HV_STATUS_INVALID_VP_INDEX        0x000Eu
#define HV_STATUS_NOT_FOUND               0x0010u
#define HV_STATUS_INVALID_PORT_ID         0x0011u
#define HV_STATUS_INVALID_CONNECTION_ID   0x0012u
#define HV_STATUS_INSUFFICIENT_BUFFERS    0x0013u
#define HV_STATUS_NOT_ACKNOWLEDGED        0x0014u
#define HV_STATUS_INVALID_VP_STATE        0x0015u
#define HV_STATUS_ACKNOWLEDGED            0x0016u
#define HV_STATUS_INVALID_SYNIC_STATE     0x0018u
#define HV_STATUS_OBJECT_IN_USE           0x0019u
#define HV_STATUS_NO_DATA                 0x001Bu
#define HV_STATUS_INACTIVE                0x001Cu
#define HV_STATUS_NO_RESOURCES            0x001Du
#define HV_STATUS_FEATURE_UNAVAILABLE     0x001Eu
#define HV_STATUS_INSUFFICIENT_BUFFER     0x0033u
#define HV_STATUS_OPERATION_FAILED        0x0071u
#define HV_STATUS_TIMEOUT                 0x0078u

#define HV_MESSAGE_PAYLOAD_BYTES 240u
#define HV_CONNECTION_ID_MASK    0x00FFFFFFu
#define HV_EVENT_FLAGS_PER_SINT  2048u

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

/* hv_message.flags */
#define HV_MSG_FLAG_PENDING 0x01u

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

/* Statically assigned SINTs. */
#define HV_SINT_VMBUS 2u

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

#endif /* HYPERV_HV_TLFS_H */
