/* partition.h -- the host's model of one guest partition: vCPUs with
 * synthetic MSR state, CPUID, hypercalls, SynIC (message slots, event
 * flags), the reference clock and synthetic timers.
 *
 * Sans-I/O: every input is a call, every output goes through struct
 * part_notify.  Nothing here blocks, sleeps, reads a clock or does I/O; the
 * driver (in-process runner, hostd, a fuzzer) supplies time with
 * part_set_time().  Not thread-safe: one driver thread owns a partition. */
#ifndef SIM_HOSTD_PARTITION_H
#define SIM_HOSTD_PARTITION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct gmem;
struct hv_profile;
struct part;

#define PART_MAX_VCPUS        64u
#define PART_PORT_QUEUE_DEPTH 16u  /* "every message port has 16 buffers" */
#define PART_SINT_QUEUE_DEPTH 64u  /* host->guest messages waiting per SINT */
#define PART_MAX_PORTS        4096u

/* Outputs.  Each may be NULL.  Called synchronously from inside the input
 * call that caused them; they must not call back into the partition. */
struct part_notify {
	/* Raise 'vector' on vCPU 'vp' (a SINT became pending, a direct timer). */
	void (*irq)(void *arg, uint32_t vp, uint8_t vector);
	/* The earliest timer deadline changed (reference time, 100 ns units;
	 * UINT64_MAX for none): call part_set_time() when it passes. */
	void (*deadline)(void *arg, uint64_t ref_time);
	/* The guest wrote HV_MSR_RESET bit 0, or GUEST_OS_ID etc. for traces. */
	void (*reset)(void *arg);
	/* One line of trace ("vp0 wrmsr SIMP=0x5001"), for -v and captures. */
	void (*trace)(void *arg, const char *line);
};

struct part_config {
	const struct hv_profile *profile; /* borrowed; static profiles live forever */
	uint32_t nvcpus;                  /* 1..PART_MAX_VCPUS */
	uint64_t tsc_hz;                  /* the guest's TSC frequency, 0 = 2.5 GHz */
};

/* Create a partition over guest memory 'gm' (borrowed: must outlive it).
 * NULL on bad config (errno EINVAL) or out of memory (ENOMEM). */
struct part *part_create(struct gmem *gm, const struct part_config *cfg,
			 const struct part_notify *out, void *arg);
void part_destroy(struct part *p); /* NULL-tolerant */

uint32_t part_nvcpus(const struct part *p);
const struct hv_profile *part_profile(const struct part *p);

/* ---- the CPU interface (what a vCPU exit would carry) -------------------- */

/* CPUID as the profile answers it, for leaf 1 (hypervisor bit only; other
 * bits 0) and 0x40000000-0x400000FF.  Unknown leaves give zeros. */
void part_cpuid(struct part *p, uint32_t vp, uint32_t leaf, uint32_t subleaf,
		uint32_t regs[4]);

/* Synthetic MSR access on vCPU vp.  0 on success; -EINVAL where the CPU
 * would raise #GP (unknown MSR, reserved bits, read-only MSR, a GPA outside
 * guest memory, a privilege the profile does not grant); state unchanged. */
int part_rdmsr(struct part *p, uint32_t vp, uint32_t msr, uint64_t *val);
int part_wrmsr(struct part *p, uint32_t vp, uint32_t msr, uint64_t val);

/* The hypercall instruction on vCPU vp: RCX = control, RDX = in (GPA or
 * fast qword 0), R8 = out (GPA or fast qword 1).  Returns RAX (status in
 * bits 15:0).  Returns UINT64_MAX when the hypercall page is not enabled
 * (a real CPU would #UD on the unpatched page). */
uint64_t part_hypercall(struct part *p, uint32_t vp, uint64_t control,
			uint64_t in, uint64_t out);

/* ---- time ----------------------------------------------------------------- */

/* Set the partition reference time (100 ns units, monotonic, 0 at creation)
 * and fire every timer that is due.  Going backwards is ignored. */
void     part_set_time(struct part *p, uint64_t ref_time);
uint64_t part_time(const struct part *p);
/* Earliest pending timer deadline, UINT64_MAX if none. */
uint64_t part_next_deadline(const struct part *p);
/* The guest TSC at reference time t: t * tsc_hz / 10^7. */
uint64_t part_tsc_at(const struct part *p, uint64_t ref_time);
uint64_t part_tsc_hz(const struct part *p);

/* ---- ports: what HvPostMessage and HvSignalEvent reach ------------------- */

/* A message port: HvPostMessage to conn_id queues up to
 * PART_PORT_QUEUE_DEPTH messages (then HV_STATUS_INSUFFICIENT_BUFFERS) and
 * calls ready(arg) when the queue goes from empty to non-empty.  The owner
 * drains with part_port_recv().
 * An event port: HvSignalEvent to conn_id with flag < flag_count calls
 * signal(arg, vp, flag) at once.
 * Returns 0, -EEXIST, -EINVAL (conn_id > 24 bits), -ENOSPC, -ENOMEM. */
int part_msg_port_add(struct part *p, uint32_t conn_id,
		      void (*ready)(void *arg), void *arg);
int part_event_port_add(struct part *p, uint32_t conn_id, uint16_t flag_count,
			void (*signal)(void *arg, uint32_t vp, uint16_t flag),
			void *arg);
int part_port_remove(struct part *p, uint32_t conn_id); /* 0 or -ENOENT */
/* True if conn_id names an event port (the split transport's fast path
 * asks this before it rings a doorbell instead of calling the host). */
bool part_event_port_ok(const struct part *p, uint32_t conn_id, uint16_t flag);

struct part_posted_msg {
	uint32_t vp;            /* the vCPU that posted it */
	uint32_t message_type;
	uint32_t payload_size;  /* <= 240 */
	uint8_t  payload[240];
};
/* Pop the oldest message of a message port: 0, or -EAGAIN when empty,
 * -ENOENT for an unknown port. */
int part_port_recv(struct part *p, uint32_t conn_id, struct part_posted_msg *out);
/* Messages waiting in a message port (0..PART_PORT_QUEUE_DEPTH), or
 * -ENOENT for an unknown port or an event port. */
int part_port_queued(const struct part *p, uint32_t conn_id);

/* ---- SynIC, host side ------------------------------------------------------- */

/* Post a message into SIMP slot 'sint' of vCPU vp.  If the slot is free and
 * the SINT deliverable it is written at once and the vector raised;
 * otherwise it waits in that SINT's queue (the occupant gets
 * MessagePending) and goes out on EOM or unmask.  0, -EINVAL (bad vp, sint,
 * len > 240, type 0), -ENOSPC (queue full: the caller keeps it). */
int synic_post(struct part *p, uint32_t vp, uint32_t sint, uint32_t msg_type,
	       uint64_t origin, const void *payload, uint32_t len);
/* Set event flag 'flag' of SINT 'sint' in vCPU vp's SIEF page, raising the
 * vector on a 0->1 edge.  0 (set or already set), -EAGAIN when the SIEF
 * page or SynIC is disabled or the SINT masked (nothing set), -EINVAL. */
int synic_signal(struct part *p, uint32_t vp, uint32_t sint, uint32_t flag);

/* A snapshot of one vCPU's SynIC state, for reports and tests. */
struct synic_state {
	bool     scontrol_enabled;
	uint64_t simp, siefp;          /* raw MSR values */
	uint64_t sint[16];             /* raw MSR values */
	uint32_t queued[16];           /* messages waiting per SINT */
	uint64_t delivered, eoms;      /* counters */
};
int synic_get_state(const struct part *p, uint32_t vp, struct synic_state *out);

/* Counters per partition, for tests and `hvsim` reports. */
struct part_stats {
	uint64_t hypercalls, hc_errors;
	uint64_t msr_gp;               /* rdmsr/wrmsr refused */
	uint64_t messages_posted;      /* HvPostMessage success */
	uint64_t events_signalled;
	uint64_t synic_delivered, synic_queued, synic_dropped;
	uint64_t timer_expiries;
};
void part_get_stats(const struct part *p, struct part_stats *out);

/* ---- host timers: deadlines of host-side work (device back ends) ------------
 * A host timer fires fn(arg) from inside part_set_time() once the reference
 * time reaches its deadline; its deadline counts in part_next_deadline()
 * and the deadline notifier like a synthetic timer's, so every driver of
 * the partition (inproc runtime, hvsim-hostd) runs them with no extra code.
 * One-shot: fn re-arms for periodic work.  fn may arm, cancel or destroy
 * any host timer (itself included) and may post/signal to the guest; it
 * must not call part_set_time() or destroy the partition.  Timers belong to
 * their creator and must be destroyed before the partition. */
struct part_host_timer;
/* NULL with errno ENOMEM. */
struct part_host_timer *part_host_timer_create(struct part *p, void (*fn)(void *arg),
					       void *arg);
void part_host_timer_destroy(struct part_host_timer *t); /* NULL-tolerant; cancels */
/* (Re-)arm for absolute reference time ref_time (100 ns); a time already
 * past fires at the next part_set_time(). */
void part_host_timer_arm(struct part_host_timer *t, uint64_t ref_time);
void part_host_timer_cancel(struct part_host_timer *t);
bool part_host_timer_armed(const struct part_host_timer *t);

/* ---- port I/O traps: the legacy devices (emulated IDE) ----------------------
 * Every IN/OUT the guest executes is a trap into the host (one RPC in split
 * mode), which is what makes emulated devices slow.  A handler claims
 * [base, base+count); unclaimed ports read all ones and drop writes.
 * read() returns the value (masked to 'size' bytes by the caller); both run
 * synchronously inside part_pio_read/write and may post/signal to the guest
 * but must not register or unregister traps. */
#define PART_MAX_PIO_RANGES 16u
struct part_pio_ops {
	uint32_t (*read)(void *arg, uint16_t port, unsigned size);
	void     (*write)(void *arg, uint16_t port, unsigned size, uint32_t val);
};
/* 0, -EINVAL (count 0, range past 0xFFFF, no ops), -EEXIST (overlaps a
 * claimed range), -ENOSPC (PART_MAX_PIO_RANGES), -ENOMEM. */
int  part_pio_register(struct part *p, uint16_t base, uint16_t count,
		       const struct part_pio_ops *ops, void *arg);
int  part_pio_unregister(struct part *p, uint16_t base);   /* 0 or -ENOENT */
/* The guest's IN/OUT on vCPU vp; size 1, 2 or 4 (others: all ones / dropped). */
uint32_t part_pio_read(struct part *p, uint32_t vp, uint16_t port, unsigned size);
void     part_pio_write(struct part *p, uint32_t vp, uint16_t port, unsigned size, uint32_t val);
uint64_t part_pio_exits(const struct part *p);             /* traps taken, claimed or not */

/* Test hook: the Nth allocation of the host partition core from now fails
 * (0 = the next one), -1 disables.  Process-wide. */
void part_alloc_fail_after(long n);

#endif /* SIM_HOSTD_PARTITION_H */
