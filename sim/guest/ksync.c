/* ksync.c -- guest locks and wait queues; kern_wait hands off to the
 * scheduler of the current runtime. */
#include <stdlib.h>

#include "sim/guest/runtime_var.h"

/* inproc: one thread, so a lock is a flag that catches the two bugs a real
 * kernel would deadlock on (recursive acquire, release of a free lock).
 * THREADS: a pthread mutex. */
struct kern_lock {
	bool threaded;
	bool held;
	const char *name;
	pthread_mutex_t m;
};

struct kern_lock *kern_lock_create(const char *name)
{
	if (!gk_alloc_take())
		return NULL;
	struct kern_lock *l = calloc(1, sizeof *l);
	if (!l)
		return NULL;
	l->name = name ? name : "lock";
	l->threaded = !gk_cur || gk_threaded(gk_cur);
	if (l->threaded)
		pthread_mutex_init(&l->m, NULL);
	return l;
}

void kern_lock_destroy(struct kern_lock *l)
{
	if (!l)
		return;
	if (l->threaded)
		pthread_mutex_destroy(&l->m);
	free(l);
}

void kern_lock_acquire(struct kern_lock *l)
{
	if (l->threaded) {
		pthread_mutex_lock(&l->m);
		return;
	}
	if (l->held) {
		kern_log(KERN_ERR, "lock", "%s: recursive acquire (would deadlock)", l->name);
		abort();
	}
	l->held = true;
}

void kern_lock_release(struct kern_lock *l)
{
	if (l->threaded) {
		pthread_mutex_unlock(&l->m);
		return;
	}
	if (!l->held) {
		kern_log(KERN_ERR, "lock", "%s: release of a free lock", l->name);
		abort();
	}
	l->held = false;
}

/* A wait queue carries no state of its own: waiters re-check their
 * condition on every wakeup, and kern_wakeup wakes the whole runtime
 * (inproc: nothing to do, the waiting loop re-checks after every unit). */
struct kern_waitq {
	int unused;
};

struct kern_waitq *kern_waitq_create(void)
{
	if (!gk_alloc_take())
		return NULL;
	return calloc(1, sizeof(struct kern_waitq));
}

void kern_waitq_destroy(struct kern_waitq *wq)
{
	free(wq);
}

void kern_wakeup(struct kern_waitq *wq)
{
	struct gk_runtime *rt = gk_cur;
	(void)wq;
	if (rt && gk_threaded(rt))
		gk_threads_wakeup(rt);
}

int kern_wait(struct kern_waitq *wq, bool (*cond)(void *arg), void *arg,
	      uint64_t timeout_ns)
{
	struct gk_runtime *rt = gk_cur;
	if (!rt)
		return cond(arg) ? 0 : -ENODEV;
	if (gk_threaded(rt))
		return gk_threads_wait(rt, wq, cond, arg, timeout_ns);
	return gk_inproc_wait(rt, wq, cond, arg, timeout_ns);
}
