/* hyperv.h -- the guest's Hyper-V platform driver: hypervisor detection
 * (before any bus is probed), guest OS id, hypercall page, SynIC on every
 * vCPU, the SynIC interrupt handler that feeds message and event consumers,
 * and the clock (reference TSC page, TIME_REF_COUNT fallback). */
#ifndef GUEST_DRIVERS_HYPERV_HYPERV_H
#define GUEST_DRIVERS_HYPERV_HYPERV_H

#include <stdbool.h>
#include <stdint.h>

#define HYPERV_MAX_CPUS 64
#define HYPERV_SINT_VECTOR 0xD0 /* vector programmed into SINT2 (VMBus) */

/* What detection and set-up found; filled by hyperv_init. */
struct hyperv_info {
	bool     hypervisor_bit;     /* CPUID.1:ECX[31] */
	char     vendor[13];         /* leaf 0x40000000 EBX,ECX,EDX */
	uint32_t max_leaf;
	bool     hyperv;             /* "Microsoft Hv" + "Hv#1" + hypercall/VP index privileges */
	uint32_t interface;          /* leaf 0x40000001 EAX */
	uint32_t build;              /* leaf 0x40000002 EAX */
	uint16_t ver_major, ver_minor;
	uint32_t features_eax, features_ebx, features_edx, recommendations;
	uint64_t guest_os_id;
	bool     hypercall_page;
	uint32_t ncpus;
	struct {
		uint32_t vp_index;
		bool     synic;          /* SCONTROL, SIMP, SIEFP enabled, SINT2 unmasked */
		uint64_t simp_gpa, siefp_gpa;
		uint8_t  vector;
	} cpu[HYPERV_MAX_CPUS];
	const char *clock;           /* "hyperv_tsc_page", "hyperv_ref_count", "runtime" */
	uint64_t tsc_hz;             /* from HV_MSR_TSC_FREQUENCY, 0 if not offered */
};

/* Detect Hyper-V and set up the platform.  -ENODEV when no Hyper-V is
 * found (another hypervisor or none: info still says what was seen, and no
 * synthetic driver may start); other -errno on a set-up failure, with
 * everything undone.  Must run before any VMBus driver. */
int  hyperv_init(struct hyperv_info *info);
void hyperv_fini(void);
bool hyperv_present(void);

/* Consumers of SINT traffic (the VMBus driver registers them).  msg is a
 * private copy of the slot, already validated for payload_size <= 240;
 * the slot itself has been released (and EOM written) before the call. */
struct hv_message;
typedef void hyperv_msg_fn(void *arg, int cpu, const struct hv_message *msg);
/* Called for each event flag found set (and cleared) in SINT 'sint'. */
typedef void hyperv_event_fn(void *arg, int cpu, uint32_t flag);
/* Only SINT2 (HV_SINT_VMBUS) is programmed: another sint gives -EINVAL;
 * -EBUSY if a consumer is already set; msg = ev = NULL removes it.  May be
 * called before hyperv_init (it survives init; hyperv_fini clears it).
 * Messages that arrive with no consumer, and malformed ones, are released,
 * dropped and counted in bad_messages; HVMSG_TIMER_EXPIRED messages go to
 * timer_messages and never to the consumer. */
int  hyperv_set_sint_handler(uint32_t sint, hyperv_msg_fn *msg, hyperv_event_fn *ev, void *arg);

/* Post a message / signal an event through the hypercall page; return the
 * HV_STATUS_* of the call.  Post uses the calling vCPU's input page (zeroed
 * before each use); signal uses the fast form (RDX = conn_id | flag << 32).
 * Before hyperv_init: HV_STATUS_INVALID_PARTITION_STATE; len > 240:
 * HV_STATUS_INVALID_PARAMETER without a hypercall. */
uint16_t hyperv_post_message(uint32_t conn_id, uint32_t type, const void *payload, uint32_t len);
uint16_t hyperv_signal_event(uint32_t conn_id, uint16_t flag);

/* Reference time in 100 ns units from the best source found. */
uint64_t hyperv_ref_time(void);

/* Counters the SynIC handler keeps (per vCPU), for tests and reports. */
struct hyperv_stats { uint64_t messages, events, eoms, bad_messages, timer_messages; };
void hyperv_get_stats(int cpu, struct hyperv_stats *out);

#endif /* GUEST_DRIVERS_HYPERV_HYPERV_H */
