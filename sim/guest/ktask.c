/* ktask.c -- deferred work and interrupts: per-vCPU task queues, pending
 * vector bitmaps, handler dispatch, kern_on_each_cpu. */
#include <string.h>

#include "sim/guest/runtime_var.h"

void kern_task_init(struct kern_task *t, void (*fn)(void *), void *arg)
{
	memset(t, 0, sizeof *t);
	t->fn = fn;
	t->arg = arg;
}

static bool task_running(const struct gk_cpu *c, const struct kern_task *t)
{
	for (int i = 0; i < c->nrunning; i++)
		if (c->running[i] == t)
			return true;
	return false;
}

void kern_task_enqueue(int cpu, struct kern_task *t)
{
	struct gk_runtime *rt = gk_cur;
	if (!rt || !t)
		return;
	if (cpu < 0 || (uint32_t)cpu >= rt->ncpus) {
		kern_log(KERN_WARN, "task", "enqueue on vCPU %d out of range, using 0", cpu);
		cpu = 0;
	}
	pthread_mutex_lock(&rt->mu);
	if (t->pending) {
		pthread_mutex_unlock(&rt->mu);
		return;
	}
	struct gk_cpu *c = &rt->cpu[cpu];
	t->pending = true;
	t->cpu = cpu;
	t->next = NULL;
	if (c->tq_tail)
		c->tq_tail->next = t;
	else
		c->tq_head = t;
	c->tq_tail = t;
	pthread_mutex_unlock(&rt->mu);
	if (gk_threaded(rt))
		gk_kick(rt, cpu);
}

/* Unlink t from its queue; under mu. */
static void task_unlink(struct gk_runtime *rt, struct kern_task *t)
{
	struct gk_cpu *c = &rt->cpu[t->cpu];
	struct kern_task **pp = &c->tq_head, *prev = NULL;
	while (*pp && *pp != t) {
		prev = *pp;
		pp = &(*pp)->next;
	}
	if (*pp) {
		*pp = t->next;
		if (c->tq_tail == t)
			c->tq_tail = prev;
	}
	t->next = NULL;
	t->pending = false;
}

void kern_task_cancel(struct kern_task *t)
{
	struct gk_runtime *rt = gk_cur;
	if (!rt || !t)
		return;
	pthread_mutex_lock(&rt->mu);
	if (t->pending)
		task_unlink(rt, t);
	/* THREADS: a run already under way on another thread finishes before
	 * we return, so the caller may free t (cancel_work_sync).  A task
	 * cancelling itself from its own vCPU does not wait for itself. */
	if (gk_threaded(rt) && (uint32_t)t->cpu < rt->ncpus) {
		struct gk_cpu *c = &rt->cpu[t->cpu];
		while (task_running(c, t) && gk_tls_cpu != t->cpu)
			pthread_cond_wait(&rt->cv, &rt->mu);
	}
	pthread_mutex_unlock(&rt->mu);
}

/* The oldest queued task of cpu that is not already running there (a
 * nested wait inside a task must not re-enter that same task).  Under mu;
 * unlinks it and marks it running in the same step: a cancel must never
 * find it neither queued nor running while it is about to run. */
struct kern_task *gk_task_pop(struct gk_runtime *rt, int cpu)
{
	struct gk_cpu *c = &rt->cpu[cpu];
	if (c->nrunning >= GK_MAX_NEST)
		return NULL;
	for (struct kern_task *t = c->tq_head; t; t = t->next) {
		if (!task_running(c, t)) {
			task_unlink(rt, t);
			c->running[c->nrunning++] = t;
			return t;
		}
	}
	return NULL;
}

/* Run a task gk_task_pop() gave out, in that vCPU's context. */
void gk_task_run(struct gk_runtime *rt, int cpu, struct kern_task *t)
{
	struct gk_cpu *c = &rt->cpu[cpu];

	int saved = gk_tls_cpu;
	gk_tls_cpu = cpu;
	__atomic_add_fetch(&c->stats.tasks, 1, __ATOMIC_RELAXED);
	t->fn(t->arg);
	gk_tls_cpu = saved;

	pthread_mutex_lock(&rt->mu);
	/* Nested runs finish in LIFO order, so t is on top. */
	c->nrunning--;
	if (gk_threaded(rt))
		pthread_cond_broadcast(&rt->cv);
	pthread_mutex_unlock(&rt->mu);
}

bool gk_cpu_has_irq(const struct gk_runtime *rt, int cpu)
{
	const struct gk_cpu *c = &rt->cpu[cpu];
	for (int i = 0; i < 4; i++)
		if (__atomic_load_n(&c->irr[i], __ATOMIC_ACQUIRE))
			return true;
	return false;
}

/* Take the highest pending vector of cpu (APIC priority order) and run its
 * handler with interrupts "disabled" (in_irq: no waits, no nesting). */
bool gk_irq_run_one(struct gk_runtime *rt, int cpu)
{
	struct gk_cpu *c = &rt->cpu[cpu];
	if (c->in_irq)
		return false;
	for (int w = 3; w >= 0; w--) {
		uint64_t bits = __atomic_load_n(&c->irr[w], __ATOMIC_ACQUIRE);
		while (bits) {
			int b = 63 - __builtin_clzll(bits);
			uint64_t m = 1ull << b;
			uint64_t old = __atomic_fetch_and(&c->irr[w], ~m, __ATOMIC_ACQ_REL);
			if (!(old & m)) {
				bits = __atomic_load_n(&c->irr[w], __ATOMIC_ACQUIRE);
				continue;
			}
			uint8_t vec = (uint8_t)(w * 64 + b);
			struct gk_intr h = rt->intr[vec];
			if (!h.fn) {
				__atomic_add_fetch(&c->stats.spurious_irqs, 1, __ATOMIC_RELAXED);
				return true;
			}
			int saved = gk_tls_cpu;
			gk_tls_cpu = cpu;
			c->in_irq = true;
			__atomic_add_fetch(&c->stats.irqs, 1, __ATOMIC_RELAXED);
			h.fn(h.arg, cpu, vec);
			c->in_irq = false;
			gk_tls_cpu = saved;
			return true;
		}
	}
	return false;
}

/* Forget every queued task (runtime teardown). */
void gk_tasks_drop(struct gk_runtime *rt)
{
	pthread_mutex_lock(&rt->mu);
	for (uint32_t i = 0; i < rt->ncpus; i++) {
		struct gk_cpu *c = &rt->cpu[i];
		while (c->tq_head)
			task_unlink(rt, c->tq_head);
		memset(c->irr, 0, sizeof c->irr);
	}
	pthread_mutex_unlock(&rt->mu);
}

int kern_intr_register(uint8_t vector, kern_intr_fn *fn, void *arg)
{
	struct gk_runtime *rt = gk_cur;
	if (!rt || !fn || vector < 16)
		return -EINVAL;
	pthread_mutex_lock(&rt->mu);
	if (rt->intr[vector].fn) {
		pthread_mutex_unlock(&rt->mu);
		return -EBUSY;
	}
	rt->intr[vector].arg = arg;
	__atomic_store_n(&rt->intr[vector].fn, fn, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&rt->mu);
	return 0;
}

void kern_intr_unregister(uint8_t vector)
{
	struct gk_runtime *rt = gk_cur;
	if (!rt)
		return;
	pthread_mutex_lock(&rt->mu);
	__atomic_store_n(&rt->intr[vector].fn, NULL, __ATOMIC_RELEASE);
	rt->intr[vector].arg = NULL;
	pthread_mutex_unlock(&rt->mu);
}

int kern_on_each_cpu(int (*fn)(void *arg, int cpu), void *arg)
{
	struct gk_runtime *rt = gk_cur;
	if (!rt)
		return -ENODEV;
	int first = 0;
	for (uint32_t i = 0; i < rt->ncpus; i++) {
		int rc;
		if (gk_threaded(rt) && gk_tls_cpu != (int)i) {
			rc = gk_threads_call(rt, (int)i, fn, arg);
		} else {
			int saved = gk_tls_cpu;
			gk_tls_cpu = (int)i;
			rc = fn(arg, (int)i);
			gk_tls_cpu = saved;
		}
		if (rc && !first)
			first = rc;
	}
	return first;
}
