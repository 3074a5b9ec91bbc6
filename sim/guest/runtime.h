/* runtime.h -- the userspace kernel that hosts guest drivers: implements
 * guest_drivers/kern.h over a gk_transport.
 *
 * Two schedulers behind one API:
 *  - GK_SCHED_INPROC: one thread, a virtual clock and a seed.  kern_wait
 *    runs the whole simulation (host work, interrupts, tasks, timers) until
 *    its condition holds or virtual time passes its timeout; the same seed
 *    gives the same run, bit for bit.
 *  - GK_SCHED_THREADS: one thread per vCPU, real time; used by split mode.
 *    A kern_wait on a vCPU thread keeps running that vCPU's interrupts and
 *    tasks (and vCPU 0's timers) while it sleeps; kern_wakeup kicks the
 *    waiting vCPUs.  Waits on other threads block on a condvar.
 * Both: kern_wait from an interrupt handler is refused with -EDEADLK;
 * waits nested inside tasks work up to 8 deep and never re-enter a task
 * that is already running.  inproc only: a wait with no deadline and
 * nothing left that could ever happen returns -ETIMEDOUT at once, and work
 * that keeps itself ready forever (a self-re-enqueuing task) moves virtual
 * time by 1 us per million units so deadlines still pass.
 * One runtime per process at a time (kern.h is a global API). */
#ifndef SIM_GUEST_RUNTIME_H
#define SIM_GUEST_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/guest/transport.h"

enum gk_sched { GK_SCHED_INPROC, GK_SCHED_THREADS };

struct gk_runtime_config {
	enum gk_sched sched;
	uint64_t seed;          /* inproc: picks among ready work */
	int      log_level;     /* enum kern_log_level; messages above it are dropped */
	FILE    *log;           /* NULL = stderr */
	uint64_t dma_base;      /* first GPA the page allocator hands out */
};

struct gk_runtime;

/* Create the runtime over transport t (borrowed; must outlive it) and make
 * it the process's current kernel.  NULL with errno EBUSY if one exists. */
struct gk_runtime *gk_runtime_create(struct gk_transport *t,
				     const struct gk_runtime_config *cfg);
/* Stop vCPU threads, drop pending work, free everything.  NULL-tolerant. */
void gk_runtime_destroy(struct gk_runtime *rt);

/* Run fn(arg) in guest context on vCPU 0 and return its result.  In
 * THREADS mode the vCPU threads start on the first call and keep running
 * between calls (interrupts and tasks go on). */
int gk_runtime_call(struct gk_runtime *rt, int (*fn)(void *arg), void *arg);

/* The host went away: every kern_wait returns -ENODEV from now on. */
void gk_runtime_host_lost(struct gk_runtime *rt);

/* Interrupts taken and tasks run per vCPU, for reports and tests. */
struct gk_cpu_stats { uint64_t irqs, tasks, spurious_irqs; };
int gk_runtime_cpu_stats(const struct gk_runtime *rt, uint32_t cpu, struct gk_cpu_stats *out);

/* Test hook: make the Nth allocation from now fail (kern_malloc and
 * kern_dma_alloc), -1 to disable.  Counts are process-wide.
 * n = 0 fails the very next allocation.  Exactly one allocation fails;
 * later ones succeed again.  kern_zalloc, kern_lock_create,
 * kern_waitq_create and kern_timer_create go through the same hook. */
void gk_alloc_fail_after(long n);
/* True once the failure armed by the last gk_alloc_fail_after() happened
 * (so a test looping n = 0, 1, 2, ... knows when init got past it). */
bool gk_alloc_failed(void);
/* kern_malloc/kern_zalloc blocks not yet freed (process-wide), and DMA
 * pages in use in the current runtime: leak checks for tests and fuzzers
 * (LeakSanitizer cannot see DMA pages, they live in guest memory). */
long   gk_alloc_outstanding(void);
size_t gk_dma_pages_used(void);

/* inproc: a hash of every scheduling decision so far (unit kind, vCPU,
 * time advances).  Same seed and same inputs give the same hash; the
 * runner prints it next to the seed. */
uint64_t gk_runtime_trace_hash(const struct gk_runtime *rt);

#endif /* SIM_GUEST_RUNTIME_H */
