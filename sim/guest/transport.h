/* transport.h -- how the guest runtime reaches the host: the "hardware"
 * calls of a vCPU and guest memory.  Two implementations sit behind it:
 * inproc (direct calls into a struct part in this process) and split (a
 * Unix socket to hvsim-hostd, shared memory, doorbells and eventfds). */
#ifndef SIM_GUEST_TRANSPORT_H
#define SIM_GUEST_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct gk_transport;

/* Host -> guest interrupt sink, installed by the runtime.  May be called
 * from any thread (split) or from inside a transport call (inproc). */
typedef void gk_irq_fn(void *rt, uint32_t cpu, uint8_t vector);

struct gk_transport_ops {
	void     (*cpuid)(struct gk_transport *t, uint32_t cpu, uint32_t leaf,
			  uint32_t sub, uint32_t regs[4]);
	int      (*rdmsr)(struct gk_transport *t, uint32_t cpu, uint32_t msr, uint64_t *val);
	int      (*wrmsr)(struct gk_transport *t, uint32_t cpu, uint32_t msr, uint64_t val);
	uint64_t (*hypercall)(struct gk_transport *t, uint32_t cpu, uint64_t control,
			      uint64_t in, uint64_t out);
	uint32_t (*pio_read)(struct gk_transport *t, uint32_t cpu, uint16_t port, unsigned size);
	void     (*pio_write)(struct gk_transport *t, uint32_t cpu, uint16_t port, unsigned size,
			      uint32_t val);
	/* Guest time in ns since the partition was created (virtual in inproc,
	 * CLOCK_MONOTONIC against a shared origin in split), and the TSC the
	 * guest reads (consistent with the host's reference TSC page). */
	uint64_t (*now_ns)(struct gk_transport *t);
	uint64_t (*rdtsc)(struct gk_transport *t);
	/* inproc only (NULL in split): let the host model run work that is due
	 * (drain message ports, fire timers up to now).  Returns true if it did
	 * anything.  next_event_ns(): the next host deadline, UINT64_MAX if none. */
	bool     (*poll_host)(struct gk_transport *t);
	uint64_t (*next_event_ns)(struct gk_transport *t);
	/* inproc only: move virtual time forward to 'ns'. */
	void     (*advance_to)(struct gk_transport *t, uint64_t ns);
	void     (*close)(struct gk_transport *t);
};

struct gk_transport {
	const struct gk_transport_ops *ops;
	void    *mem;          /* guest memory, GPA 0 at mem */
	uint64_t mem_size;
	uint32_t ncpus;
	bool     host_lost;    /* set when the host went away (split) */
	gk_irq_fn *irq;        /* set by the runtime before the first call */
	void    *irq_arg;
};

#endif /* SIM_GUEST_TRANSPORT_H */
