/* runtime_var.h -- internal state of the userspace guest kernel (gk_runtime),
 * shared by its files: memory, sync, tasks, timers, schedulers. */
#ifndef SIM_GUEST_RUNTIME_VAR_H
#define SIM_GUEST_RUNTIME_VAR_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "guest_drivers/kern.h"
#include "sim/guest/runtime.h"
#include "sim/guest/transport.h"

#define GK_MAX_CPUS       64
#define GK_MAX_NEST       8    /* nested kern_wait / running tasks per vCPU */
#define GK_DEFAULT_DMA_BASE (1ull << 20)
/* inproc: units of work run without virtual time moving before the clock
 * is nudged by GK_SPIN_NUDGE_NS, so a driver that spins (a task that
 * re-enqueues itself) still reaches its deadline instead of hanging. */
#define GK_SPIN_BUDGET    1000000u
#define GK_SPIN_NUDGE_NS  1000u

struct gk_cpu {
	int       id;
	uint64_t  irr[4];              /* pending vectors, atomic bit ops */
	struct kern_task *tq_head, *tq_tail; /* under rt->mu */
	struct kern_task *running[GK_MAX_NEST]; /* tasks executing (nested), under rt->mu */
	int       nrunning;
	int       wait_depth;          /* kern_wait nesting on this vCPU */
	bool      in_irq;              /* a handler is running on this vCPU */
	int       waiting;             /* THREADS: kern_wait active (atomic) */
	int       wakefd;              /* THREADS: eventfd kicked on new work */
	pthread_t thread;
	bool      thread_started;
	struct gk_cpu_stats stats;     /* atomic increments */
};

struct gk_intr {
	kern_intr_fn *fn;
	void         *arg;
};

struct kern_timer {
	void (*fn)(void *arg);
	void *arg;
	uint64_t deadline;             /* runtime clock ns, valid when armed */
	uint64_t seq;                  /* arm order, breaks deadline ties */
	bool     armed;
	struct kern_task task;         /* runs fn on cpu 0 once due */
	struct kern_timer *next;       /* rt->timers list (all timers) */
};

struct gk_runtime {
	struct gk_transport *t;
	struct gk_runtime_config cfg;
	uint32_t ncpus;
	struct gk_cpu cpu[GK_MAX_CPUS];

	pthread_mutex_t mu;            /* tasks, timers, dma bitmap, waits */
	pthread_cond_t  cv;            /* THREADS: non-vCPU waiters, task/call completion */
	uint64_t wake_gen;             /* bumped by kern_wakeup, under mu */

	struct gk_intr intr[256];      /* under mu for writes; read racily by handlers */

	/* dma page allocator over [dma_base, mem_size) */
	uint8_t *dma_map;              /* one bit per page */
	uint64_t dma_npages;
	uint64_t dma_used;

	/* timers */
	struct kern_timer *timers;
	uint64_t timer_seq;

	/* clock source */
	const char *clock_name;
	uint64_t (*clock_read)(void *arg);
	void *clock_arg;

	/* inproc scheduler */
	uint64_t rng;
	bool     host_idle;
	uint64_t spin;                 /* units since virtual time last moved */
	uint64_t trace_hash;

	/* THREADS */
	bool threads_started;
	bool stopping;
	/* Calls from outside the vCPUs (the runner's gk_runtime_call), FIFO,
	 * under mu: vCPU 0 runs them only at its top level, never nested
	 * above a task that waits, as inproc does (a teardown nested above
	 * a waiting attach or rescan freed what that task used after). */
	struct kern_task *top_head, *top_tail;

	bool lost;                     /* host went away (atomic) */
};

extern struct gk_runtime *gk_cur;
extern __thread int gk_tls_cpu; /* -1 outside any vCPU context */

/* runtime.c */
uint64_t gk_now(struct gk_runtime *rt);
int gk_self_cpu(void);               /* current vCPU, 0 when outside one */
void gk_irq_raise(void *rt, uint32_t cpu, uint8_t vector);
void gk_kick(struct gk_runtime *rt, int cpu);

/* kmem.c */
bool gk_alloc_take(void);            /* false: this allocation must fail */
int  gk_dma_init(struct gk_runtime *rt);
void gk_dma_fini(struct gk_runtime *rt);

/* ktask.c */
struct kern_task *gk_task_pop(struct gk_runtime *rt, int cpu); /* under mu */
void gk_task_run(struct gk_runtime *rt, int cpu, struct kern_task *t);
bool gk_irq_run_one(struct gk_runtime *rt, int cpu);
bool gk_cpu_has_irq(const struct gk_runtime *rt, int cpu);
void gk_tasks_drop(struct gk_runtime *rt);

/* ktimer.c */
void     gk_timers_fire_due(struct gk_runtime *rt, uint64_t now); /* under mu */
uint64_t gk_timers_next(struct gk_runtime *rt);                   /* under mu */
void     gk_timers_drop(struct gk_runtime *rt);

/* sched_inproc.c */
int  gk_inproc_wait(struct gk_runtime *rt, struct kern_waitq *wq,
		    bool (*cond)(void *), void *arg, uint64_t timeout_ns);
uint64_t gk_rng_next(struct gk_runtime *rt);

/* sched_threads.c */
int  gk_threads_wait(struct gk_runtime *rt, struct kern_waitq *wq,
		     bool (*cond)(void *), void *arg, uint64_t timeout_ns);
int  gk_threads_start(struct gk_runtime *rt);
void gk_threads_stop(struct gk_runtime *rt);
int  gk_threads_call(struct gk_runtime *rt, int cpu, int (*fn)(void *arg, int cpu),
		     void *arg);
void gk_threads_wakeup(struct gk_runtime *rt);

static inline uint64_t gk_sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static inline bool gk_threaded(const struct gk_runtime *rt)
{
	return rt->cfg.sched == GK_SCHED_THREADS;
}

#endif /* SIM_GUEST_RUNTIME_VAR_H */
