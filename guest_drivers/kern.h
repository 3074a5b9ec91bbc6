/* kern.h -- the kernel services guest drivers may use, and nothing else.
 *
 * Drivers under guest_drivers/ include this file and include/hyperv/ only.
 * sim/guest implements it in userspace (inproc: one thread, virtual clock;
 * split: one thread per vCPU, real clock).  A port to a real kernel would
 * re-implement this header and nothing else.
 *
 * Conventions: functions return 0 or a negative errno; pointers returned
 * allocated have a named free; "cpu" is a vCPU index in [0, kern_ncpus()). */
#ifndef GUEST_DRIVERS_KERN_H
#define GUEST_DRIVERS_KERN_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- memory ------------------------------------------------------------- */

/* Heap memory through the runtime's one allocation hook (tests can make it
 * fail after N calls).  kern_zalloc zeroes.  kern_free(NULL) does nothing. */
void *kern_malloc(size_t size);
void *kern_zalloc(size_t size);
void  kern_free(void *p);

/* Physically contiguous guest pages, zeroed, for anything the host must see
 * (rings, SynIC pages, buffers).  On success fills *out.  -ENOMEM when guest
 * memory is exhausted.  Free with kern_dma_free (NULL-tolerant). */
struct kern_dma {
	void    *va;      /* where the driver reads and writes it */
	uint64_t gpa;     /* guest physical address, page aligned */
	size_t   npages;  /* 4 KiB pages */
};
int  kern_dma_alloc(size_t npages, struct kern_dma *out);
void kern_dma_free(struct kern_dma *d);

/* ---- locks -------------------------------------------------------------- */

/* A sleeping mutex.  Not held across kern_wait. */
struct kern_lock;
struct kern_lock *kern_lock_create(const char *name);
void kern_lock_destroy(struct kern_lock *l); /* NULL-tolerant */
void kern_lock_acquire(struct kern_lock *l);
void kern_lock_release(struct kern_lock *l);

/* ---- sleep and wakeup ---------------------------------------------------- */

/* A wait queue.  kern_wait sleeps until cond(arg) is true or timeout_ns of
 * guest time pass; cond is evaluated first and after every wakeup.  In the
 * inproc runtime the wait runs the simulation (host, interrupts, timers)
 * until then.  Returns 0 when cond held, -ETIMEDOUT otherwise, -ENODEV if
 * the host went away. */
struct kern_waitq;
struct kern_waitq *kern_waitq_create(void);
void kern_waitq_destroy(struct kern_waitq *wq); /* NULL-tolerant */
void kern_wakeup(struct kern_waitq *wq);
int  kern_wait(struct kern_waitq *wq, bool (*cond)(void *arg), void *arg,
	       uint64_t timeout_ns);

/* ---- deferred work --------------------------------------------------------- */

/* A task runs fn(arg) later on the named vCPU's context, once per enqueue
 * (enqueueing an already pending task does nothing).  The task structure is
 * owned by the caller and must outlive any pending run: cancel first. */
struct kern_task {
	void (*fn)(void *arg);
	void *arg;
	int   cpu;
	bool  pending;
	struct kern_task *next;
};
void kern_task_init(struct kern_task *t, void (*fn)(void *), void *arg);
void kern_task_enqueue(int cpu, struct kern_task *t);
void kern_task_cancel(struct kern_task *t);

/* Run fn(arg, cpu) on every vCPU in turn and return when all have run
 * (smp_call_function).  Returns the first non-zero result, or 0. */
int kern_on_each_cpu(int (*fn)(void *arg, int cpu), void *arg);

/* ---- timers ---------------------------------------------------------------- */

/* One-shot timer in guest time; fires fn(arg) in task context on cpu 0.
 * Re-arming a pending timer moves it. */
struct kern_timer;
struct kern_timer *kern_timer_create(void (*fn)(void *arg), void *arg);
void kern_timer_destroy(struct kern_timer *t); /* cancels; NULL-tolerant */
void kern_timer_arm(struct kern_timer *t, uint64_t delay_ns);
void kern_timer_cancel(struct kern_timer *t);

/* Monotonic guest time in ns.  Before a clock source is registered this is
 * the runtime's own clock; afterwards the registered source. */
uint64_t kern_uptime_ns(void);
/* Register the platform's clock source (the TSC page reader, say).  read()
 * returns ns; name appears in logs and reports. */
void kern_clock_register(const char *name, uint64_t (*read)(void *arg), void *arg);
const char *kern_clock_name(void);

/* ---- interrupts ---------------------------------------------------------- */

/* Install a handler for an interrupt vector (16..255) on every vCPU.  The
 * handler runs on the vCPU that took the interrupt.  -EBUSY if taken. */
typedef void kern_intr_fn(void *arg, int cpu, uint8_t vector);
int  kern_intr_register(uint8_t vector, kern_intr_fn *fn, void *arg);
void kern_intr_unregister(uint8_t vector);

/* ---- CPUs ------------------------------------------------------------------ */

int kern_ncpus(void);
int kern_curcpu(void);

/* ---- logging -------------------------------------------------------------- */

enum kern_log_level { KERN_ERR = 0, KERN_WARN = 1, KERN_INFO = 2, KERN_DEBUG = 3 };
void kern_log(enum kern_log_level lvl, const char *subsys, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- "hardware": the calls a real kernel makes to the CPU ---------------- */

/* All act on the current vCPU. */
void kern_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t regs[4]); /* eax..edx */
/* Returns 0, or -EIO where the CPU would raise #GP. */
int  kern_rdmsr(uint32_t msr, uint64_t *val);
int  kern_wrmsr(uint32_t msr, uint64_t val);
/* The hypercall instruction: RCX = control, RDX = input GPA (or first fast
 * qword), R8 = output GPA (or second fast qword).  Returns RAX.  -1 (all
 * ones) when no hypercall page is enabled (the #UD a real CPU raises). */
uint64_t kern_hypercall(uint64_t control, uint64_t in, uint64_t out);
/* Read the time-stamp counter of the current vCPU. */
uint64_t kern_rdtsc(void);
/* Port I/O; an unclaimed port reads all ones and drops writes. */
uint8_t  kern_inb(uint16_t port);
uint16_t kern_inw(uint16_t port);
uint32_t kern_inl(uint16_t port);
void kern_outb(uint16_t port, uint8_t v);
void kern_outw(uint16_t port, uint16_t v);
void kern_outl(uint16_t port, uint32_t v);
/* REP INSW / REP OUTSW: 'count' 16-bit transfers, each one a trap (as an
 * emulated device sees them). */
void kern_insw(uint16_t port, void *buf, size_t count);
void kern_outsw(uint16_t port, const void *buf, size_t count);

/* ---- barriers ------------------------------------------------------------- */

#define kern_mb()      __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define kern_rmb()     __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define kern_wmb()     __atomic_thread_fence(__ATOMIC_RELEASE)
#define KERN_READ_ONCE(x)     __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define KERN_WRITE_ONCE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

#endif /* GUEST_DRIVERS_KERN_H */
