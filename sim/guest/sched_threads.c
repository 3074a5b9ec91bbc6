/* sched_threads.c -- the threaded scheduler: one pthread per vCPU, real
 * time.  Each vCPU thread runs its interrupts and tasks and sleeps in
 * ppoll() on its wake eventfd and the transport's interrupt fd; vCPU 0
 * also fires the guest timers.  kern_wait on a vCPU thread keeps serving
 * that vCPU (a sleeping driver must not block its own interrupts); on any
 * other thread it blocks on the runtime's condvar. */
#include <poll.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "sim/guest/runtime_var.h"

static bool stopping(struct gk_runtime *rt)
{
	return __atomic_load_n(&rt->stopping, __ATOMIC_ACQUIRE);
}

/* Run everything ready on cpu: interrupts first, then queued tasks. */
static void service(struct gk_runtime *rt, int cpu)
{
	while (!stopping(rt)) {
		if (cpu == 0) {
			uint64_t now = gk_now(rt);
			pthread_mutex_lock(&rt->mu);
			gk_timers_fire_due(rt, now);
			pthread_mutex_unlock(&rt->mu);
		}
		if (gk_irq_run_one(rt, cpu))
			continue;
		if (rt->cpu[cpu].in_irq)
			return;
		pthread_mutex_lock(&rt->mu);
		struct kern_task *k = gk_task_pop(rt, cpu);
		pthread_mutex_unlock(&rt->mu);
		if (!k)
			return;
		gk_task_run(rt, cpu, k);
	}
}

/* Sleep until cpu has something to do or 'deadline' (runtime clock). */
static void idle(struct gk_runtime *rt, int cpu, uint64_t deadline)
{
	struct gk_transport *t = rt->t;
	struct gk_cpu *c = &rt->cpu[cpu];
	if (cpu == 0) {
		pthread_mutex_lock(&rt->mu);
		uint64_t next = gk_timers_next(rt);
		pthread_mutex_unlock(&rt->mu);
		if (next < deadline)
			deadline = next;
	}
	struct pollfd fds[2] = { { .fd = c->wakefd, .events = POLLIN } };
	nfds_t nfds = 1;
	int irqfd = t->ops->irq_fd ? t->ops->irq_fd(t, (uint32_t)cpu) : -1;
	if (irqfd >= 0) {
		fds[1] = (struct pollfd){ .fd = irqfd, .events = POLLIN };
		nfds = 2;
	}
	struct timespec ts, *tsp = NULL;
	if (deadline != UINT64_MAX) {
		uint64_t now = gk_now(rt);
		uint64_t rel = deadline > now ? deadline - now : 0;
		ts.tv_sec = (time_t)(rel / 1000000000u);
		ts.tv_nsec = (long)(rel % 1000000000u);
		tsp = &ts;
	}
	if (ppoll(fds, nfds, tsp, NULL) <= 0)
		return;
	if (fds[0].revents & POLLIN) {
		uint64_t v;
		if (read(c->wakefd, &v, sizeof v) < 0) {
			/* EAGAIN: another reader drained it (nested wait). */
		}
	}
	if (nfds == 2 && (fds[1].revents & (POLLIN | POLLERR | POLLHUP)) && t->ops->irq_drain)
		t->ops->irq_drain(t, (uint32_t)cpu);
}

/* Take the oldest call from outside the vCPUs and mark it running on
 * cpu, as gk_task_pop does for queued tasks.  Under mu. */
static struct kern_task *top_pop(struct gk_runtime *rt, int cpu)
{
	struct gk_cpu *c = &rt->cpu[cpu];
	struct kern_task *t = rt->top_head;
	if (!t || c->nrunning >= GK_MAX_NEST)
		return NULL;
	rt->top_head = t->next;
	if (!rt->top_head)
		rt->top_tail = NULL;
	t->next = NULL;
	t->pending = false;
	c->running[c->nrunning++] = t;
	return t;
}

/* Remove t from the outside-call queue if it is still there.  Under mu. */
static bool top_unlink(struct gk_runtime *rt, struct kern_task *t)
{
	struct kern_task *prev = NULL;
	for (struct kern_task **pp = &rt->top_head; *pp; prev = *pp, pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			if (rt->top_tail == t)
				rt->top_tail = prev;
			t->next = NULL;
			t->pending = false;
			return true;
		}
	}
	return false;
}

static void *vcpu_main(void *arg)
{
	struct gk_cpu *c = arg;
	struct gk_runtime *rt = gk_cur;
	gk_tls_cpu = c->id;
	while (!stopping(rt)) {
		service(rt, c->id);
		if (stopping(rt))
			break;
		/* Here, and only here, nothing runs below us on this vCPU. */
		if (c->id == 0) {
			pthread_mutex_lock(&rt->mu);
			struct kern_task *t = top_pop(rt, 0);
			pthread_mutex_unlock(&rt->mu);
			if (t) {
				gk_task_run(rt, 0, t);
				continue;
			}
		}
		idle(rt, c->id, UINT64_MAX);
	}
	gk_tls_cpu = -1;
	return NULL;
}

int gk_threads_start(struct gk_runtime *rt)
{
	pthread_mutex_lock(&rt->mu);
	if (rt->threads_started) {
		pthread_mutex_unlock(&rt->mu);
		return 0;
	}
	rt->threads_started = true;
	pthread_mutex_unlock(&rt->mu);
	for (uint32_t i = 0; i < rt->ncpus; i++) {
		struct gk_cpu *c = &rt->cpu[i];
		int err = pthread_create(&c->thread, NULL, vcpu_main, c);
		if (err) {
			kern_log(KERN_ERR, "sched", "vCPU %u thread: error %d", i, err);
			return -err;
		}
		c->thread_started = true;
	}
	return 0;
}

void gk_threads_stop(struct gk_runtime *rt)
{
	__atomic_store_n(&rt->stopping, true, __ATOMIC_RELEASE);
	gk_threads_wakeup(rt);
	for (uint32_t i = 0; i < rt->ncpus; i++) {
		gk_kick(rt, (int)i);
		if (rt->cpu[i].thread_started) {
			pthread_join(rt->cpu[i].thread, NULL);
			rt->cpu[i].thread_started = false;
		}
	}
}

void gk_threads_wakeup(struct gk_runtime *rt)
{
	pthread_mutex_lock(&rt->mu);
	rt->wake_gen++;
	pthread_cond_broadcast(&rt->cv);
	pthread_mutex_unlock(&rt->mu);
	/* Pairs with the fence in gk_threads_wait: either the waiter sees the
	 * new condition, or we see it waiting and kick it. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	bool all = __atomic_load_n(&rt->lost, __ATOMIC_SEQ_CST) || stopping(rt);
	for (uint32_t i = 0; i < rt->ncpus; i++)
		if (all || __atomic_load_n(&rt->cpu[i].waiting, __ATOMIC_SEQ_CST))
			gk_kick(rt, (int)i);
}

static int wait_other_thread(struct gk_runtime *rt, bool (*cond)(void *), void *arg,
			     uint64_t timeout_ns)
{
	struct timespec abs;
	clock_gettime(CLOCK_MONOTONIC, &abs);
	bool forever = timeout_ns > (uint64_t)INT64_MAX / 2;
	if (!forever) {
		uint64_t ns = (uint64_t)abs.tv_nsec + timeout_ns % 1000000000u;
		abs.tv_sec += (time_t)(timeout_ns / 1000000000u + ns / 1000000000u);
		abs.tv_nsec = (long)(ns % 1000000000u);
	}
	pthread_mutex_lock(&rt->mu);
	for (;;) {
		uint64_t gen = rt->wake_gen;
		pthread_mutex_unlock(&rt->mu);
		if (__atomic_load_n(&rt->lost, __ATOMIC_SEQ_CST) || stopping(rt))
			return -ENODEV;
		if (cond(arg))
			return 0;
		pthread_mutex_lock(&rt->mu);
		while (gen == rt->wake_gen && !__atomic_load_n(&rt->lost, __ATOMIC_SEQ_CST)) {
			int e = forever ? pthread_cond_wait(&rt->cv, &rt->mu)
					: pthread_cond_timedwait(&rt->cv, &rt->mu, &abs);
			if (e == ETIMEDOUT) {
				pthread_mutex_unlock(&rt->mu);
				return cond(arg) ? 0 : -ETIMEDOUT;
			}
		}
	}
}

int gk_threads_wait(struct gk_runtime *rt, struct kern_waitq *wq,
		    bool (*cond)(void *), void *arg, uint64_t timeout_ns)
{
	(void)wq;
	int cpu = gk_tls_cpu;
	if (cpu < 0)
		return wait_other_thread(rt, cond, arg, timeout_ns);
	struct gk_cpu *c = &rt->cpu[cpu];
	if (c->in_irq) {
		kern_log(KERN_ERR, "sched", "kern_wait from an interrupt handler refused");
		return -EDEADLK;
	}
	if (c->wait_depth >= GK_MAX_NEST) {
		kern_log(KERN_ERR, "sched", "kern_wait nested too deep");
		return -EDEADLK;
	}
	uint64_t deadline = gk_sat_add(gk_now(rt), timeout_ns);
	int rc;
	c->wait_depth++;
	__atomic_add_fetch(&c->waiting, 1, __ATOMIC_SEQ_CST);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	for (;;) {
		if (__atomic_load_n(&rt->lost, __ATOMIC_SEQ_CST) || stopping(rt)) {
			rc = -ENODEV;
			break;
		}
		if (cond(arg)) {
			rc = 0;
			break;
		}
		service(rt, cpu);
		if (cond(arg)) {
			rc = 0;
			break;
		}
		if (gk_now(rt) >= deadline) {
			rc = -ETIMEDOUT;
			break;
		}
		idle(rt, cpu, deadline);
	}
	__atomic_sub_fetch(&c->waiting, 1, __ATOMIC_SEQ_CST);
	c->wait_depth--;
	return rc;
}

/* ---- running a function on a given vCPU ------------------------------------ */

struct gk_call {
	struct kern_task task;
	int (*fn)(void *arg, int cpu);
	void *arg;
	int cpu, caller;
	int rc;
	bool done;
};

static void call_task(void *arg)
{
	struct gk_call *cl = arg;
	struct gk_runtime *rt = gk_cur;
	int rc = cl->fn(cl->arg, cl->cpu);
	int caller = cl->caller; /* cl dies with the caller's frame once done is seen */
	pthread_mutex_lock(&rt->mu);
	cl->rc = rc;
	__atomic_store_n(&cl->done, true, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&rt->cv);
	pthread_mutex_unlock(&rt->mu);
	if (caller >= 0)
		gk_kick(rt, caller);
}

static bool call_done(void *arg)
{
	struct gk_call *cl = arg;
	return __atomic_load_n(&cl->done, __ATOMIC_ACQUIRE);
}

int gk_threads_call(struct gk_runtime *rt, int cpu, int (*fn)(void *arg, int cpu), void *arg)
{
	int err = gk_threads_start(rt);
	if (err)
		return err;
	struct gk_call cl = { .fn = fn, .arg = arg, .cpu = cpu, .caller = gk_tls_cpu };
	kern_task_init(&cl.task, call_task, &cl);
	if (cl.caller < 0 && cpu == 0) {
		/* From outside the guest (the runner): top level of vCPU 0 only. */
		pthread_mutex_lock(&rt->mu);
		cl.task.pending = true;
		if (rt->top_tail)
			rt->top_tail->next = &cl.task;
		else
			rt->top_head = &cl.task;
		rt->top_tail = &cl.task;
		pthread_mutex_unlock(&rt->mu);
		gk_kick(rt, 0);
	} else {
		kern_task_enqueue(cpu, &cl.task);
	}
	if (cl.caller >= 0) {
		/* A vCPU waiting for another keeps serving its own work, so two
		 * vCPUs calling each other cannot deadlock.  The call struct is
		 * on this stack: wait for completion even if the host is lost. */
		while (!call_done(&cl)) {
			service(rt, cl.caller);
			if (call_done(&cl))
				break;
			if (stopping(rt)) {
				kern_task_cancel(&cl.task);
				if (!call_done(&cl))
					return -ENODEV;
				break;
			}
			idle(rt, cl.caller, gk_sat_add(gk_now(rt), 1000000u));
		}
		return cl.rc;
	}
	pthread_mutex_lock(&rt->mu);
	while (!cl.done && !stopping(rt))
		pthread_cond_wait(&rt->cv, &rt->mu);
	bool unqueued = !cl.done && top_unlink(rt, &cl.task);
	pthread_mutex_unlock(&rt->mu);
	if (unqueued)
		return -ENODEV;
	if (!cl.done) {
		kern_task_cancel(&cl.task);
		return cl.done ? cl.rc : -ENODEV;
	}
	return cl.rc;
}
