/* ktimer.c -- one-shot guest timers (run as tasks on vCPU 0 once due) and
 * the guest clock source. */
#include <stdlib.h>

#include "sim/guest/runtime_var.h"

static void timer_task(void *arg)
{
	struct kern_timer *tm = arg;
	tm->fn(tm->arg);
}

struct kern_timer *kern_timer_create(void (*fn)(void *arg), void *arg)
{
	struct gk_runtime *rt = gk_cur;
	if (!rt || !fn || !gk_alloc_take())
		return NULL;
	struct kern_timer *tm = calloc(1, sizeof *tm);
	if (!tm)
		return NULL;
	tm->fn = fn;
	tm->arg = arg;
	kern_task_init(&tm->task, timer_task, tm);
	pthread_mutex_lock(&rt->mu);
	tm->next = rt->timers;
	rt->timers = tm;
	pthread_mutex_unlock(&rt->mu);
	return tm;
}

void kern_timer_destroy(struct kern_timer *tm)
{
	struct gk_runtime *rt = gk_cur;
	if (!tm)
		return;
	if (!rt) {
		free(tm);
		return;
	}
	kern_timer_cancel(tm);
	pthread_mutex_lock(&rt->mu);
	for (struct kern_timer **pp = &rt->timers; *pp; pp = &(*pp)->next) {
		if (*pp == tm) {
			*pp = tm->next;
			break;
		}
	}
	pthread_mutex_unlock(&rt->mu);
	free(tm);
}

void kern_timer_arm(struct kern_timer *tm, uint64_t delay_ns)
{
	struct gk_runtime *rt = gk_cur;
	if (!rt || !tm)
		return;
	/* A fire already queued for the old deadline must not run early. */
	kern_task_cancel(&tm->task);
	uint64_t now = gk_now(rt);
	pthread_mutex_lock(&rt->mu);
	tm->deadline = gk_sat_add(now, delay_ns);
	tm->seq = ++rt->timer_seq;
	tm->armed = true;
	pthread_mutex_unlock(&rt->mu);
	if (gk_threaded(rt))
		gk_kick(rt, 0); /* vCPU 0 recomputes its sleep */
}

void kern_timer_cancel(struct kern_timer *tm)
{
	struct gk_runtime *rt = gk_cur;
	if (!rt || !tm)
		return;
	pthread_mutex_lock(&rt->mu);
	tm->armed = false;
	pthread_mutex_unlock(&rt->mu);
	kern_task_cancel(&tm->task);
}

/* Queue the fire task of every armed timer due at 'now', earliest first
 * (ties by arm order) so runs are reproducible.  Under mu. */
void gk_timers_fire_due(struct gk_runtime *rt, uint64_t now)
{
	for (;;) {
		struct kern_timer *best = NULL;
		for (struct kern_timer *tm = rt->timers; tm; tm = tm->next) {
			if (!tm->armed || tm->deadline > now)
				continue;
			if (!best || tm->deadline < best->deadline ||
			    (tm->deadline == best->deadline && tm->seq < best->seq))
				best = tm;
		}
		if (!best)
			return;
		best->armed = false;
		/* Inline enqueue on cpu 0: we already hold mu. */
		struct kern_task *t = &best->task;
		if (t->pending)
			continue;
		struct gk_cpu *c = &rt->cpu[0];
		t->pending = true;
		t->cpu = 0;
		t->next = NULL;
		if (c->tq_tail)
			c->tq_tail->next = t;
		else
			c->tq_head = t;
		c->tq_tail = t;
	}
}

uint64_t gk_timers_next(struct gk_runtime *rt)
{
	uint64_t next = UINT64_MAX;
	for (struct kern_timer *tm = rt->timers; tm; tm = tm->next)
		if (tm->armed && tm->deadline < next)
			next = tm->deadline;
	return next;
}

/* Runtime teardown: the timers belong to their drivers; just disarm. */
void gk_timers_drop(struct gk_runtime *rt)
{
	pthread_mutex_lock(&rt->mu);
	for (struct kern_timer *tm = rt->timers; tm; tm = tm->next)
		tm->armed = false;
	rt->timers = NULL;
	pthread_mutex_unlock(&rt->mu);
}

/* ---- clock ----------------------------------------------------------------- */

uint64_t kern_uptime_ns(void)
{
	struct gk_runtime *rt = gk_cur;
	if (!rt)
		return 0;
	uint64_t (*rd)(void *) = __atomic_load_n(&rt->clock_read, __ATOMIC_ACQUIRE);
	if (rd)
		return rd(rt->clock_arg);
	return gk_now(rt);
}

void kern_clock_register(const char *name, uint64_t (*read)(void *arg), void *arg)
{
	struct gk_runtime *rt = gk_cur;
	if (!rt)
		return;
	__atomic_store_n(&rt->clock_read, NULL, __ATOMIC_RELEASE);
	rt->clock_arg = arg;
	rt->clock_name = read ? name : NULL;
	__atomic_store_n(&rt->clock_read, read, __ATOMIC_RELEASE);
	kern_log(KERN_INFO, "clock", "clock source %s", read ? name : "runtime");
}

const char *kern_clock_name(void)
{
	struct gk_runtime *rt = gk_cur;
	return rt && rt->clock_name ? rt->clock_name : "runtime";
}
