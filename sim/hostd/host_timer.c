/* host_timer.c -- one-shot deadlines for host-side work (IC heartbeats,
 * timesync samples, reply timeouts), run by part_set_time() beside the
 * synthetic timers so every driver of the partition honours them. */
#include <errno.h>

#include "sim/hostd/partition_var.h"

struct part_host_timer {
	struct part *ht_part;          /* NULL once the partition is gone */
	void (*ht_fn)(void *arg);
	void *ht_arg;
	uint64_t ht_deadline;          /* PART_NO_DEADLINE when not armed */
	bool ht_due;                   /* picked for firing by this host_timer_run */
	struct part_host_timer *ht_next;
};

struct part_host_timer *part_host_timer_create(struct part *p, void (*fn)(void *arg), void *arg)
{
	if (!p || !fn) {
		errno = EINVAL;
		return NULL;
	}
	struct part_host_timer *t = part_zalloc(sizeof *t);
	if (!t) {
		errno = ENOMEM;
		return NULL;
	}
	t->ht_part = p;
	t->ht_fn = fn;
	t->ht_arg = arg;
	t->ht_deadline = PART_NO_DEADLINE;
	t->ht_next = p->p_htimers;
	p->p_htimers = t;
	return t;
}

void part_host_timer_destroy(struct part_host_timer *t)
{
	if (!t)
		return;
	struct part *p = t->ht_part;
	if (p) {
		for (struct part_host_timer **pp = &p->p_htimers; *pp; pp = &(*pp)->ht_next)
			if (*pp == t) {
				*pp = t->ht_next;
				break;
			}
		if (t->ht_deadline != PART_NO_DEADLINE)
			stimer_deadline_update(p);
	}
	part_free(t);
}

void part_host_timer_arm(struct part_host_timer *t, uint64_t ref_time)
{
	if (!t || !t->ht_part)
		return;
	/* UINT64_MAX means "none" in the notifier; the latest real deadline
	 * is one below. */
	t->ht_deadline = ref_time == PART_NO_DEADLINE ? PART_NO_DEADLINE - 1 : ref_time;
	t->ht_due = false;
	stimer_deadline_update(t->ht_part);
}

void part_host_timer_cancel(struct part_host_timer *t)
{
	if (!t)
		return;
	bool was = t->ht_deadline != PART_NO_DEADLINE;
	t->ht_deadline = PART_NO_DEADLINE;
	t->ht_due = false;
	if (was && t->ht_part)
		stimer_deadline_update(t->ht_part);
}

bool part_host_timer_armed(const struct part_host_timer *t)
{
	return t->ht_deadline != PART_NO_DEADLINE;
}

uint64_t host_timer_earliest(const struct part *p)
{
	uint64_t d = PART_NO_DEADLINE;
	for (const struct part_host_timer *t = p->p_htimers; t; t = t->ht_next)
		if (t->ht_deadline < d)
			d = t->ht_deadline;
	return d;
}

void host_timer_run(struct part *p)
{
	/* Pick the due timers first: a callback that re-arms for a time
	 * already past waits for the next call instead of looping here. */
	for (struct part_host_timer *t = p->p_htimers; t; t = t->ht_next)
		t->ht_due = t->ht_deadline <= p->p_now;
	/* Callbacks may create, arm or destroy timers: rescan from the head
	 * after each one.  Lists are a handful of timers long. */
	for (;;) {
		struct part_host_timer *t = p->p_htimers;
		while (t && !t->ht_due)
			t = t->ht_next;
		if (!t)
			break;
		t->ht_due = false;
		t->ht_deadline = PART_NO_DEADLINE;
		t->ht_fn(t->ht_arg);
	}
}

void host_timer_detach_all(struct part *p)
{
	struct part_host_timer *t = p->p_htimers;
	while (t) {
		struct part_host_timer *n = t->ht_next;
		t->ht_part = NULL;
		t->ht_next = NULL;
		t = n;
	}
	p->p_htimers = NULL;
}
