/* partition_var.h -- internal state of a partition (vCPUs, SynIC queues,
 * synthetic timers, ports) shared by partition.c, cpuid.c, msr.c,
 * hypercall.c, synic.c, stimer.c and clock.c.  Not an API. */
#ifndef SIM_HOSTD_PARTITION_VAR_H
#define SIM_HOSTD_PARTITION_VAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hyperv/hv_tlfs.h"
#include "sim/hostd/partition.h"

#define PART_NO_DEADLINE UINT64_MAX
/* The APIC timer frequency HV_MSR_APIC_FREQUENCY reports.  Our choice:
 * nothing in the simulator runs an APIC timer. */
#define PART_APIC_HZ     200000000ull
#define PART_DEFAULT_TSC_HZ 2500000000ull
#define PART_REF_HZ      10000000ull /* reference time: 100 ns units */

/* Messages waiting for one SINT's slot (host -> guest), oldest at sq_head.
 * sq_msgs is allocated on first use and holds PART_SINT_QUEUE_DEPTH. */
struct part_sint_queue {
	struct hv_message *sq_msgs;
	uint32_t sq_head, sq_count;
};

/* One synthetic timer.  st_deadline is the next expiry (absolute reference
 * time) or PART_NO_DEADLINE when not armed; st_held is an expiry whose
 * message could not be delivered yet (slot busy, SINT masked...). */
struct part_stimer {
	uint64_t st_config, st_count;
	uint64_t st_deadline;
	bool     st_held;
	uint64_t st_held_exp;
};

struct part_vcpu {
	uint32_t vc_index;
	uint64_t vc_scontrol, vc_simp, vc_siefp;
	uint64_t vc_sint[HV_SINT_COUNT];
	struct part_sint_queue vc_q[HV_SINT_COUNT];
	struct part_stimer vc_stimer[HV_STIMER_COUNT];
	uint64_t vc_delivered, vc_eoms;
};

enum part_port_kind { PART_PORT_MSG, PART_PORT_EVENT };

struct part_port {
	uint32_t pt_conn;
	enum part_port_kind pt_kind;
	uint16_t pt_flag_count;
	void (*pt_ready)(void *arg);
	void (*pt_signal)(void *arg, uint32_t vp, uint16_t flag);
	void *pt_arg;
	/* message ports: a ring of PART_PORT_QUEUE_DEPTH posted messages */
	uint32_t pt_head, pt_count;
	struct part_posted_msg pt_q[PART_PORT_QUEUE_DEPTH];
};

struct part {
	struct gmem *p_gm;
	const struct hv_profile *p_prof;
	struct part_notify p_out;
	void *p_arg;
	uint32_t p_nvcpus;
	uint64_t p_tsc_hz;

	/* partition-wide MSRs */
	uint64_t p_guest_os_id, p_hypercall, p_ref_tsc;
	uint32_t p_tsc_seq;          /* last TscSequence written, never 0 */

	uint64_t p_now;              /* reference time, 100 ns */
	uint64_t p_notified_deadline;

	struct part_vcpu *p_vcpu;    /* p_nvcpus entries */
	struct part_port **p_ports;  /* sorted by pt_conn */
	uint32_t p_nports, p_ports_cap;

	struct part_stats p_st;

	struct part_host_timer *p_htimers; /* host_timer.c: every created timer */

	struct part_pio *p_pio;      /* pio.c: port I/O traps, allocated on first register */
};

/* partition.c */
void *part_zalloc(size_t size);
void  part_free(void *ptr);
struct part_vcpu *part_vcpu_get(struct part *p, uint32_t vp);
struct part_port *part_port_find(struct part *p, uint32_t conn_id);
bool part_is_hyperv(const struct part *p);
void part_trace(const struct part *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* pio.c */
void part_pio_free(struct part *p);

/* synic.c: MSR half and delivery */
int  synic_rdmsr(struct part *p, struct part_vcpu *v, uint32_t msr, uint64_t *val);
int  synic_wrmsr(struct part *p, struct part_vcpu *v, uint32_t msr, uint64_t val);
/* Deliver whatever is waiting for (v, sint) while the slot is free. */
void synic_flush(struct part *p, struct part_vcpu *v, uint32_t sint);
void synic_flush_all(struct part *p, struct part_vcpu *v);

/* stimer.c */
int  stimer_rdmsr(struct part *p, struct part_vcpu *v, uint32_t msr, uint64_t *val);
int  stimer_wrmsr(struct part *p, struct part_vcpu *v, uint32_t msr, uint64_t val);
/* The held expiry of a timer targeting 'sint', or -1. */
int  stimer_held_for(const struct part_vcpu *v, uint32_t sint);
/* Build the HVMSG_TIMER_EXPIRED message for held timer i. */
void stimer_held_message(const struct part *p, const struct part_vcpu *v,
			 unsigned i, struct hv_message *m);
/* The held message of timer i went out: rearm a periodic timer. */
void stimer_held_delivered(struct part *p, struct part_vcpu *v, unsigned i);
/* Tell the driver if the earliest deadline moved. */
void stimer_deadline_update(struct part *p);

/* host_timer.c */
/* Earliest armed host timer, PART_NO_DEADLINE if none. */
uint64_t host_timer_earliest(const struct part *p);
/* Fire every host timer due at p_now (each at most once per call). */
void host_timer_run(struct part *p);
/* The partition goes away: orphan the remaining timers. */
void host_timer_detach_all(struct part *p);

/* clock.c */
uint64_t part_tsc_scale(uint64_t tsc_hz);
/* Rewrite the reference TSC page at GPA 'gpa'. 0 or -EFAULT. */
int part_ref_tsc_page_write(struct part *p, uint64_t gpa);

#endif /* SIM_HOSTD_PARTITION_VAR_H */
