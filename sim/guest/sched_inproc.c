/* sched_inproc.c -- the single-threaded scheduler: kern_wait runs the
 * whole simulation one unit of work at a time (an interrupt, a task, the
 * host's deferred work), choosing among ready units with a seeded PRNG, and
 * moves virtual time to the next deadline when nothing is ready.
 *
 * Nested waits: a task (or the top-level guest call) may wait; the inner
 * loop runs other work but never re-enters a task that is already running.
 * An interrupt handler may not wait (interrupts are "disabled" while it
 * runs): kern_wait from one returns -EDEADLK at once. */
#include "sim/guest/runtime_var.h"

enum unit_kind { UNIT_IRQ, UNIT_TASK, UNIT_HOST };

struct unit {
	enum unit_kind kind;
	int cpu;
};

static void trace_mix(struct gk_runtime *rt, uint64_t v)
{
	/* FNV-1a over 64-bit words: order-sensitive, cheap, reproducible. */
	rt->trace_hash ^= v;
	rt->trace_hash *= 0x100000001B3ull;
}

/* Run one ready unit.  Returns false when nothing was ready. */
static bool run_one(struct gk_runtime *rt)
{
	struct gk_transport *t = rt->t;
	struct unit u[2 * GK_MAX_CPUS + 1];
	for (;;) {
		int n = 0;
		pthread_mutex_lock(&rt->mu);
		for (uint32_t i = 0; i < rt->ncpus; i++) {
			if (!rt->cpu[i].in_irq && gk_cpu_has_irq(rt, (int)i))
				u[n++] = (struct unit){ UNIT_IRQ, (int)i };
		}
		for (uint32_t i = 0; i < rt->ncpus; i++) {
			struct gk_cpu *c = &rt->cpu[i];
			if (c->in_irq || c->nrunning >= GK_MAX_NEST)
				continue;
			for (struct kern_task *k = c->tq_head; k; k = k->next) {
				bool busy = false;
				for (int j = 0; j < c->nrunning; j++)
					busy |= c->running[j] == k;
				if (!busy) {
					u[n++] = (struct unit){ UNIT_TASK, (int)i };
					break;
				}
			}
		}
		pthread_mutex_unlock(&rt->mu);
		if (!rt->host_idle && t->ops->poll_host)
			u[n++] = (struct unit){ UNIT_HOST, -1 };
		if (n == 0)
			return false;

		struct unit pick = u[n == 1 ? 0 : gk_rng_next(rt) % (uint64_t)n];
		switch (pick.kind) {
		case UNIT_IRQ:
			trace_mix(rt, 0x100u | (uint64_t)pick.cpu);
			gk_irq_run_one(rt, pick.cpu);
			rt->host_idle = false;
			return true;
		case UNIT_TASK: {
			pthread_mutex_lock(&rt->mu);
			struct kern_task *k = gk_task_pop(rt, pick.cpu);
			pthread_mutex_unlock(&rt->mu);
			trace_mix(rt, 0x200u | (uint64_t)pick.cpu);
			if (k)
				gk_task_run(rt, pick.cpu, k);
			rt->host_idle = false;
			return true;
		}
		case UNIT_HOST:
			if (t->ops->poll_host(t)) {
				trace_mix(rt, 0x300u);
				return true;
			}
			/* Nothing for the host: drop it from the choice until guest
			 * work runs or time moves, then choose again. */
			rt->host_idle = true;
			break;
		}
	}
}

static void advance(struct gk_runtime *rt, uint64_t ns)
{
	struct gk_transport *t = rt->t;
	if (t->ops->advance_to)
		t->ops->advance_to(t, ns);
	rt->host_idle = false;
	rt->spin = 0;
	trace_mix(rt, 0x400u ^ ns);
}

int gk_inproc_wait(struct gk_runtime *rt, struct kern_waitq *wq,
		   bool (*cond)(void *), void *arg, uint64_t timeout_ns)
{
	struct gk_transport *t = rt->t;
	int cpu = gk_self_cpu();
	struct gk_cpu *c = &rt->cpu[cpu];
	(void)wq;
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
	int saved_cpu = gk_tls_cpu;
	c->wait_depth++;
	/* The caller may have written a ring or a monitor page (no trap):
	 * give the host a look before anything is called idle. */
	rt->host_idle = false;
	for (;;) {
		if (__atomic_load_n(&rt->lost, __ATOMIC_SEQ_CST)) {
			rc = -ENODEV;
			break;
		}
		if (cond(arg)) {
			rc = 0;
			break;
		}
		uint64_t now = gk_now(rt);
		pthread_mutex_lock(&rt->mu);
		gk_timers_fire_due(rt, now);
		pthread_mutex_unlock(&rt->mu);
		if (run_one(rt)) {
			gk_tls_cpu = saved_cpu;
			if (++rt->spin >= GK_SPIN_BUDGET)
				advance(rt, gk_sat_add(now, GK_SPIN_NUDGE_NS));
			continue;
		}
		pthread_mutex_lock(&rt->mu);
		uint64_t next = gk_timers_next(rt);
		pthread_mutex_unlock(&rt->mu);
		uint64_t host = t->ops->next_event_ns ? t->ops->next_event_ns(t) : UINT64_MAX;
		if (host < next)
			next = host;
		if (next < now)
			next = now;
		if (next > deadline || next == UINT64_MAX) {
			/* Nothing can happen before the deadline: let the time pass
			 * (a wait with no deadline and nothing scheduled would sleep
			 * forever; it times out at once instead). */
			if (deadline != UINT64_MAX && deadline > now)
				advance(rt, deadline);
			rc = cond(arg) ? 0 : -ETIMEDOUT;
			break;
		}
		if (next == now) {
			/* A host deadline at "now" that poll_host did not consume:
			 * re-deliver the time so the host fires it. */
			advance(rt, now);
			if (!run_one(rt) && gk_timers_next(rt) > now &&
			    (t->ops->next_event_ns ? t->ops->next_event_ns(t) : UINT64_MAX) <= now) {
				kern_log(KERN_ERR, "sched", "host deadline %llu never fires",
					 (unsigned long long)now);
				rc = -ETIMEDOUT;
				break;
			}
			continue;
		}
		advance(rt, next);
	}
	c->wait_depth--;
	gk_tls_cpu = saved_cpu;
	return rc;
}
