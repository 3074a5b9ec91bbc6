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
	/* split only (NULL in inproc): an fd that becomes readable when
	 * interrupts are pending for 'cpu' (the vCPU thread polls it), and the
	 * call that consumes them, calling t->irq for each pending vector in
	 * the calling thread. */
	int      (*irq_fd)(struct gk_transport *t, uint32_t cpu);
	void     (*irq_drain)(struct gk_transport *t, uint32_t cpu);
	/* Optional: stop calling t->irq and t->lost, and return only when no
	 * such call is still running (split: joins the watcher thread).  The
	 * runtime calls it before it frees itself; the transport stays usable
	 * for everything else until close. */
	void     (*quiesce)(struct gk_transport *t);
	/* Release everything; the transport struct itself is freed too. */
	void     (*close)(struct gk_transport *t);
};

/* Called once when the host goes away (split: socket EOF or error). */
typedef void gk_lost_fn(void *rt);

struct gk_transport {
	const struct gk_transport_ops *ops;
	void    *mem;          /* guest memory, GPA 0 at mem */
	uint64_t mem_size;
	uint32_t ncpus;
	bool     host_lost;    /* set when the host went away (split) */
	gk_irq_fn *irq;        /* set by the runtime before the first call */
	gk_lost_fn *lost;      /* set by the runtime; may be called from any thread */
	void    *irq_arg;      /* argument of irq and lost */
};

/* The inproc transport: the host partition lives in this process.  It
 * owns nothing it is given: 'p' must outlive it.  pump(arg) is the host's
 * own deferred work (the VMBus server draining message ports, device back
 * ends), run from poll_host; NULL for none.  The partition's notifier must
 * be gk_inproc_part_notify() with the returned transport as its argument:
 * create the transport first, then the partition, then attach it. */
struct part;
struct part_notify;
struct gk_transport *gk_inproc_create(void *mem, uint64_t mem_size, uint32_t ncpus);
void gk_inproc_attach(struct gk_transport *t, struct part *p);
void gk_inproc_set_pump(struct gk_transport *t, bool (*pump)(void *arg), void *arg);
const struct part_notify *gk_inproc_part_notify(void);

#endif /* SIM_GUEST_TRANSPORT_H */
