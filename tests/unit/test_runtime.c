/* test_runtime.c -- the userspace guest kernel: allocation hook, DMA page
 * allocator, timers and waits in virtual time, tasks, interrupts, seeded
 * interleavings, and the threaded scheduler over a fake transport. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "guest_drivers/kern.h"
#include "sim/guest/runtime.h"
#include "sim/guest/transport.h"

#define MEM_SIZE (4u << 20)
#define PAGE 4096u

struct fixture {
	void *mem;
	struct gk_transport *t;
	struct gk_runtime *rt;
};

static struct fixture *fx_new(uint32_t ncpus, uint64_t seed)
{
	struct fixture *f = calloc(1, sizeof *f);
	assert_non_null(f);
	f->mem = calloc(1, MEM_SIZE);
	assert_non_null(f->mem);
	f->t = gk_inproc_create(f->mem, MEM_SIZE, ncpus);
	assert_non_null(f->t);
	struct gk_runtime_config cfg = { .sched = GK_SCHED_INPROC, .seed = seed };
	f->rt = gk_runtime_create(f->t, &cfg);
	assert_non_null(f->rt);
	return f;
}

static void fx_free(struct fixture *f)
{
	gk_runtime_destroy(f->rt);
	f->t->ops->close(f->t);
	free(f->mem);
	free(f);
	gk_alloc_fail_after(-1);
}

static int setup1(void **state) { *state = fx_new(1, 1); return 0; }
static int setup4(void **state) { *state = fx_new(4, 1); return 0; }
static int teardown(void **state) { fx_free(*state); return 0; }

static bool never(void *arg) { (void)arg; return false; }
static bool flag_set(void *arg) { return *(volatile bool *)arg; }
static bool count_reached(void *arg) { return ((int *)arg)[0] >= ((int *)arg)[1]; }

/* ---- allocation hook ------------------------------------------------------- */

static void test_gk_alloc__fail_after_2__third_allocation_fails_once(void **state)
{
	(void)state;
	long base = gk_alloc_outstanding();
	gk_alloc_fail_after(2);
	void *a = kern_malloc(8), *b = kern_zalloc(8);
	assert_non_null(a);
	assert_non_null(b);
	assert_false(gk_alloc_failed());
	assert_null(kern_malloc(8));
	assert_true(gk_alloc_failed());
	void *c = kern_malloc(8);
	assert_non_null(c);
	assert_int_equal(gk_alloc_outstanding(), base + 3);
	kern_free(a);
	kern_free(b);
	kern_free(c);
	kern_free(NULL);
	assert_int_equal(gk_alloc_outstanding(), base);
}

static void test_gk_alloc__hook_armed__lock_waitq_timer_create_return_null(void **state)
{
	(void)state;
	gk_alloc_fail_after(0);
	assert_null(kern_lock_create("x"));
	gk_alloc_fail_after(0);
	assert_null(kern_waitq_create());
	gk_alloc_fail_after(0);
	assert_null(kern_timer_create((void (*)(void *))abort, NULL));
	gk_alloc_fail_after(0);
	struct kern_dma d;
	assert_int_equal(kern_dma_alloc(1, &d), -ENOMEM);
	assert_null(d.va);
}

/* ---- DMA pages ---------------------------------------------------------------- */

static void test_gk_dma__alloc_free__first_fit_reuses_freed_pages(void **state)
{
	struct fixture *f = *state;
	struct kern_dma a, b, c, d;
	assert_int_equal(kern_dma_alloc(1, &a), 0);
	assert_int_equal(a.gpa, 1u << 20);
	assert_ptr_equal(a.va, (uint8_t *)f->mem + a.gpa);
	assert_int_equal(kern_dma_alloc(3, &b), 0);
	assert_int_equal(b.gpa, (1u << 20) + PAGE);
	assert_int_equal(gk_dma_pages_used(), 4);
	memset(a.va, 0xAB, PAGE);
	kern_dma_free(&a);
	assert_null(a.va);
	/* A 2-page run does not fit the 1-page hole: it goes after b. */
	assert_int_equal(kern_dma_alloc(2, &c), 0);
	assert_int_equal(c.gpa, (1u << 20) + 4 * PAGE);
	/* The freed page comes back zeroed. */
	assert_int_equal(kern_dma_alloc(1, &d), 0);
	assert_int_equal(d.gpa, 1u << 20);
	for (unsigned i = 0; i < PAGE; i++)
		assert_int_equal(((uint8_t *)d.va)[i], 0);
	kern_dma_free(&b);
	kern_dma_free(&c);
	kern_dma_free(&d);
	kern_dma_free(NULL);
	assert_int_equal(gk_dma_pages_used(), 0);
}

static void test_gk_dma__memory_exhausted__enomem(void **state)
{
	(void)state;
	size_t total = (MEM_SIZE - (1u << 20)) / PAGE;
	struct kern_dma all, one;
	assert_int_equal(kern_dma_alloc(total + 1, &one), -ENOMEM);
	assert_int_equal(kern_dma_alloc(total, &all), 0);
	assert_int_equal(kern_dma_alloc(1, &one), -ENOMEM);
	kern_dma_free(&all);
	assert_int_equal(kern_dma_alloc(1, &one), 0);
	kern_dma_free(&one);
}

/* ---- timers and waits in virtual time ------------------------------------------- */

static void set_flag(void *arg) { *(bool *)arg = true; }

static void test_gk_timer__armed_5ms__fires_at_exactly_5ms_virtual(void **state)
{
	(void)state;
	bool fired = false;
	struct kern_timer *tm = kern_timer_create(set_flag, &fired);
	assert_non_null(tm);
	uint64_t t0 = kern_uptime_ns();
	kern_timer_arm(tm, 5000000);
	assert_int_equal(kern_wait(NULL, flag_set, &fired, 10000000), 0);
	assert_int_equal(kern_uptime_ns() - t0, 5000000);
	kern_timer_destroy(tm);
}

static void test_gk_wait__nothing_scheduled__etimedout_at_deadline(void **state)
{
	(void)state;
	uint64_t t0 = kern_uptime_ns();
	assert_int_equal(kern_wait(NULL, never, NULL, 3000000), -ETIMEDOUT);
	assert_int_equal(kern_uptime_ns() - t0, 3000000);
}

static void test_gk_timer__rearm_moves_cancel_stops(void **state)
{
	(void)state;
	bool fired = false;
	struct kern_timer *tm = kern_timer_create(set_flag, &fired);
	uint64_t t0 = kern_uptime_ns();
	kern_timer_arm(tm, 1000);
	kern_timer_arm(tm, 7000);
	assert_int_equal(kern_wait(NULL, flag_set, &fired, 100000), 0);
	assert_int_equal(kern_uptime_ns() - t0, 7000);
	fired = false;
	kern_timer_arm(tm, 1000);
	kern_timer_cancel(tm);
	assert_int_equal(kern_wait(NULL, flag_set, &fired, 50000), -ETIMEDOUT);
	assert_false(fired);
	kern_timer_destroy(tm);
}

struct rec {
	int *log, *n, id;
};

static void rec_fn(void *arg)
{
	struct rec *r = arg;
	r->log[(*r->n)++] = r->id;
}

static void test_gk_timer__two_timers__fire_in_deadline_order(void **state)
{
	(void)state;
	int log[2], n = 0;
	struct rec r1 = { log, &n, 1 }, r2 = { log, &n, 2 };
	struct kern_timer *a = kern_timer_create(rec_fn, &r1);
	struct kern_timer *b = kern_timer_create(rec_fn, &r2);
	kern_timer_arm(a, 2000);
	kern_timer_arm(b, 1000);
	assert_int_equal(kern_wait(NULL, flag_set, &(bool){ false }, 5000), -ETIMEDOUT);
	assert_int_equal(n, 2);
	assert_int_equal(log[0], 2);
	assert_int_equal(log[1], 1);
	kern_timer_destroy(a);
	kern_timer_destroy(b);
}

/* ---- tasks ---------------------------------------------------------------------- */

struct tlog {
	int n;
	int goal;
	int id[64];
	int cpu[64];
};

struct titem {
	struct kern_task task;
	struct tlog *log;
	int id;
};

static void titem_fn(void *arg)
{
	struct titem *it = arg;
	it->log->cpu[it->log->n] = kern_curcpu();
	it->log->id[it->log->n++] = it->id;
}

static void test_gk_task__same_cpu__fifo_on_that_cpu(void **state)
{
	(void)state;
	struct tlog log = { .goal = 3 };
	struct titem it[3];
	for (int i = 0; i < 3; i++) {
		it[i] = (struct titem){ .log = &log, .id = i };
		kern_task_init(&it[i].task, titem_fn, &it[i]);
		kern_task_enqueue(2, &it[i].task);
	}
	kern_task_enqueue(2, &it[0].task); /* already pending: no second run */
	assert_int_equal(kern_wait(NULL, count_reached, &log, 1000), 0);
	assert_int_equal(kern_wait(NULL, never, NULL, 1000), -ETIMEDOUT);
	assert_int_equal(log.n, 3);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(log.id[i], i);
		assert_int_equal(log.cpu[i], 2);
	}
	struct gk_cpu_stats st;
	assert_int_equal(gk_runtime_cpu_stats(((struct fixture *)*state)->rt, 2, &st), 0);
	assert_int_equal(st.tasks, 3);
}

static void test_gk_task__cancelled__never_runs(void **state)
{
	(void)state;
	struct tlog log = { 0 };
	struct titem it = { .log = &log };
	kern_task_init(&it.task, titem_fn, &it);
	kern_task_enqueue(1, &it.task);
	kern_task_cancel(&it.task);
	assert_false(it.task.pending);
	assert_int_equal(kern_wait(NULL, never, NULL, 1000), -ETIMEDOUT);
	assert_int_equal(log.n, 0);
}

/* Run 4 tasks on each of 4 vCPUs and return the order they ran in as one
 * number per position (cpu * 4 + index). */
static void run_interleaving(uint64_t seed, int out[16], uint64_t *hash)
{
	struct fixture *f = fx_new(4, seed);
	struct tlog log = { .goal = 16 };
	struct titem it[16];
	for (int i = 0; i < 16; i++) {
		it[i] = (struct titem){ .log = &log, .id = i };
		kern_task_init(&it[i].task, titem_fn, &it[i]);
		kern_task_enqueue(i / 4, &it[i].task);
	}
	assert_int_equal(kern_wait(NULL, count_reached, &log, 1000), 0);
	memcpy(out, log.id, 16 * sizeof(int));
	*hash = gk_runtime_trace_hash(f->rt);
	/* Per vCPU the order stays FIFO whatever the seed. */
	int last[4] = { -1, -1, -1, -1 };
	for (int i = 0; i < 16; i++) {
		assert_true(out[i] > last[out[i] / 4]);
		last[out[i] / 4] = out[i];
	}
	fx_free(f);
}

static void test_gk_sched__same_seed__same_interleaving(void **state)
{
	(void)state;
	int a[16], b[16];
	uint64_t ha, hb;
	run_interleaving(42, a, &ha);
	run_interleaving(42, b, &hb);
	assert_memory_equal(a, b, sizeof a);
	assert_int_equal(ha, hb);
}

static void test_gk_sched__different_seeds__different_interleavings(void **state)
{
	(void)state;
	int first[16], other[16];
	uint64_t h0, h;
	run_interleaving(1, first, &h0);
	int differ = 0;
	for (uint64_t seed = 2; seed < 10; seed++) {
		run_interleaving(seed, other, &h);
		if (memcmp(first, other, sizeof first) != 0) {
			differ++;
			assert_int_not_equal(h, h0);
		}
	}
	assert_true(differ >= 7);
}

/* A task that waits (nested) for work another vCPU's task does. */
struct nest {
	struct kern_task waiter, helper;
	bool helped, waiter_done;
	int rc;
};

static void nest_helper(void *arg) { ((struct nest *)arg)->helped = true; }

static void nest_waiter(void *arg)
{
	struct nest *n = arg;
	kern_task_enqueue(3, &n->helper);
	n->rc = kern_wait(NULL, flag_set, &n->helped, 1000);
	n->waiter_done = true;
}

static void test_gk_wait__nested_in_task__runs_other_work(void **state)
{
	(void)state;
	struct nest n = { 0 };
	kern_task_init(&n.waiter, nest_waiter, &n);
	kern_task_init(&n.helper, nest_helper, &n);
	kern_task_enqueue(0, &n.waiter);
	assert_int_equal(kern_wait(NULL, flag_set, &n.waiter_done, 1000), 0);
	assert_int_equal(n.rc, 0);
}

/* ---- interrupts ------------------------------------------------------------------- */

struct irqrec {
	int count, cpu, curcpu, wait_rc;
	uint8_t vector;
	bool try_wait;
};

static void irq_handler(void *arg, int cpu, uint8_t vector)
{
	struct irqrec *r = arg;
	r->cpu = cpu;
	r->curcpu = kern_curcpu();
	r->vector = vector;
	if (r->try_wait)
		r->wait_rc = kern_wait(NULL, never, NULL, 10);
	__atomic_add_fetch(&r->count, 1, __ATOMIC_SEQ_CST);
	kern_wakeup(NULL); /* the waiter may sleep on another vCPU */
}

static bool irq_seen(void *arg) { return ((struct irqrec *)arg)->count > 0; }

static void test_gk_irq__raised_on_cpu2__handler_runs_there(void **state)
{
	struct fixture *f = *state;
	struct irqrec r = { 0 };
	assert_int_equal(kern_intr_register(0x40, irq_handler, &r), 0);
	assert_int_equal(kern_intr_register(0x40, irq_handler, &r), -EBUSY);
	assert_int_equal(kern_intr_register(0x05, irq_handler, &r), -EINVAL);
	f->t->irq(f->t->irq_arg, 2, 0x40);
	f->t->irq(f->t->irq_arg, 2, 0x40); /* coalesces like an APIC IRR */
	assert_int_equal(kern_wait(NULL, irq_seen, &r, 1000), 0);
	assert_int_equal(kern_wait(NULL, never, NULL, 1000), -ETIMEDOUT);
	assert_int_equal(r.count, 1);
	assert_int_equal(r.cpu, 2);
	assert_int_equal(r.curcpu, 2);
	assert_int_equal(r.vector, 0x40);
	struct gk_cpu_stats st;
	gk_runtime_cpu_stats(f->rt, 2, &st);
	assert_int_equal(st.irqs, 1);
	kern_intr_unregister(0x40);
}

static void test_gk_irq__no_handler__counted_spurious(void **state)
{
	struct fixture *f = *state;
	f->t->irq(f->t->irq_arg, 1, 0x77);
	assert_int_equal(kern_wait(NULL, never, NULL, 1000), -ETIMEDOUT);
	struct gk_cpu_stats st;
	gk_runtime_cpu_stats(f->rt, 1, &st);
	assert_int_equal(st.spurious_irqs, 1);
	assert_int_equal(st.irqs, 0);
}

static void test_gk_wait__from_irq_handler__edeadlk(void **state)
{
	struct fixture *f = *state;
	struct irqrec r = { .try_wait = true };
	assert_int_equal(kern_intr_register(0x41, irq_handler, &r), 0);
	f->t->irq(f->t->irq_arg, 0, 0x41);
	assert_int_equal(kern_wait(NULL, irq_seen, &r, 1000), 0);
	assert_int_equal(r.wait_rc, -EDEADLK);
	kern_intr_unregister(0x41);
}

static void test_gk_wait__host_lost__enodev(void **state)
{
	struct fixture *f = *state;
	gk_runtime_host_lost(f->rt);
	assert_int_equal(kern_wait(NULL, never, NULL, 1000), -ENODEV);
}

/* ---- on_each_cpu, call, locks ------------------------------------------------------ */

static int each_fn(void *arg, int cpu)
{
	struct tlog *log = arg;
	log->id[log->n] = cpu;
	log->cpu[log->n++] = kern_curcpu();
	return cpu == 2 ? -EIO : cpu == 3 ? -EINVAL : 0;
}

static void test_gk_on_each_cpu__four_cpus__each_in_turn_first_error(void **state)
{
	(void)state;
	struct tlog log = { 0 };
	assert_int_equal(kern_on_each_cpu(each_fn, &log), -EIO);
	assert_int_equal(log.n, 4);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(log.id[i], i);
		assert_int_equal(log.cpu[i], i);
	}
}

static int call_fn(void *arg)
{
	*(int *)arg = kern_curcpu() + 100;
	return 7;
}

static void test_gk_runtime__call__runs_on_cpu0(void **state)
{
	struct fixture *f = *state;
	int seen = -1;
	assert_int_equal(gk_runtime_call(f->rt, call_fn, &seen), 7);
	assert_int_equal(seen, 100);
	assert_int_equal(kern_ncpus(), 4);
}

static void test_gk_runtime__second_create__ebusy(void **state)
{
	struct fixture *f = *state;
	errno = 0;
	assert_null(gk_runtime_create(f->t, NULL));
	assert_int_equal(errno, EBUSY);
}

static void test_gk_lock__acquire_release__ok(void **state)
{
	(void)state;
	struct kern_lock *l = kern_lock_create("t");
	assert_non_null(l);
	kern_lock_acquire(l);
	kern_lock_release(l);
	kern_lock_destroy(l);
	kern_lock_destroy(NULL);
}

static void test_gk_hw__no_partition__unclaimed_port_all_ones_msr_gp(void **state)
{
	(void)state;
	uint64_t v;
	assert_int_equal(kern_inb(0x80), 0xFF);
	assert_int_equal(kern_inw(0x80), 0xFFFF);
	assert_int_equal(kern_inl(0x80), 0xFFFFFFFFu);
	kern_outb(0x80, 1);
	assert_int_equal(kern_rdmsr(0x40000000, &v), -EIO);
	assert_int_equal(kern_hypercall(0x5c, 0, 0), UINT64_MAX);
	assert_string_equal(kern_clock_name(), "runtime");
}

/* ---- THREADS scheduler over a fake real-time transport ---------------------------- */

static uint64_t rt_now(struct gk_transport *t)
{
	(void)t;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void fake_close(struct gk_transport *t) { (void)t; }

static const struct gk_transport_ops fake_ops = {
	.now_ns = rt_now,
	.rdtsc = rt_now,
	.close = fake_close,
};

struct thr {
	struct kern_task task;
	bool done;
	int cpu;
};

static void thr_task(void *arg)
{
	struct thr *x = arg;
	x->cpu = kern_curcpu();
	__atomic_store_n(&x->done, true, __ATOMIC_SEQ_CST);
	kern_wakeup(NULL);
}

static bool thr_done(void *arg)
{
	return __atomic_load_n(&((struct thr *)arg)->done, __ATOMIC_SEQ_CST);
}

struct thr_call {
	struct thr x;
	struct irqrec irq;
	struct gk_transport *t;
	int wait_rc, irq_rc, timeout_rc, self;
};

static bool irq_seen_atomic(void *arg)
{
	return __atomic_load_n(&((struct irqrec *)arg)->count, __ATOMIC_SEQ_CST) > 0;
}

static int thr_guest(void *arg)
{
	struct thr_call *c = arg;
	c->self = kern_curcpu();
	kern_task_init(&c->x.task, thr_task, &c->x);
	kern_task_enqueue(1, &c->x.task);
	c->wait_rc = kern_wait(NULL, thr_done, &c->x, 5000000000ull);
	/* An interrupt raised from a foreign thread runs on vCPU 1's thread. */
	c->t->irq(c->t->irq_arg, 1, 0x50);
	c->irq_rc = kern_wait(NULL, irq_seen_atomic, &c->irq, 5000000000ull);
	c->timeout_rc = kern_wait(NULL, never, NULL, 1000000);
	return 5;
}

static void test_gk_threads__call_task_irq_timeout_and_host_lost(void **state)
{
	(void)state;
	struct gk_transport t = { .ops = &fake_ops, .ncpus = 2 };
	struct gk_runtime_config cfg = { .sched = GK_SCHED_THREADS };
	struct gk_runtime *rt = gk_runtime_create(&t, &cfg);
	assert_non_null(rt);
	struct thr_call c = { .t = &t };
	assert_int_equal(kern_intr_register(0x50, irq_handler, &c.irq), 0);
	assert_int_equal(gk_runtime_call(rt, thr_guest, &c), 5);
	assert_int_equal(c.self, 0);
	assert_int_equal(c.wait_rc, 0);
	assert_int_equal(c.x.cpu, 1);
	assert_int_equal(c.irq_rc, 0);
	assert_int_equal(c.irq.cpu, 1);
	assert_int_equal(c.irq.curcpu, 1);
	assert_int_equal(c.timeout_rc, -ETIMEDOUT);
	/* Host loss: a wait from a non-vCPU thread fails at once. */
	t.lost(t.irq_arg);
	assert_int_equal(kern_wait(NULL, never, NULL, 5000000000ull), -ENODEV);
	struct kern_dma d;
	assert_int_equal(kern_dma_alloc(1, &d), -ENOMEM); /* no guest memory */
	gk_runtime_destroy(rt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_gk_alloc__fail_after_2__third_allocation_fails_once, setup1, teardown),
		cmocka_unit_test_setup_teardown(test_gk_alloc__hook_armed__lock_waitq_timer_create_return_null, setup1, teardown),
		cmocka_unit_test_setup_teardown(test_gk_dma__alloc_free__first_fit_reuses_freed_pages, setup1, teardown),
		cmocka_unit_test_setup_teardown(test_gk_dma__memory_exhausted__enomem, setup1, teardown),
		cmocka_unit_test_setup_teardown(test_gk_timer__armed_5ms__fires_at_exactly_5ms_virtual, setup1, teardown),
		cmocka_unit_test_setup_teardown(test_gk_wait__nothing_scheduled__etimedout_at_deadline, setup1, teardown),
		cmocka_unit_test_setup_teardown(test_gk_timer__rearm_moves_cancel_stops, setup1, teardown),
		cmocka_unit_test_setup_teardown(test_gk_timer__two_timers__fire_in_deadline_order, setup1, teardown),
		cmocka_unit_test_setup_teardown(test_gk_task__same_cpu__fifo_on_that_cpu, setup4, teardown),
		cmocka_unit_test_setup_teardown(test_gk_task__cancelled__never_runs, setup4, teardown),
		cmocka_unit_test(test_gk_sched__same_seed__same_interleaving),
		cmocka_unit_test(test_gk_sched__different_seeds__different_interleavings),
		cmocka_unit_test_setup_teardown(test_gk_wait__nested_in_task__runs_other_work, setup4, teardown),
		cmocka_unit_test_setup_teardown(test_gk_irq__raised_on_cpu2__handler_runs_there, setup4, teardown),
		cmocka_unit_test_setup_teardown(test_gk_irq__no_handler__counted_spurious, setup4, teardown),
		cmocka_unit_test_setup_teardown(test_gk_wait__from_irq_handler__edeadlk, setup4, teardown),
		cmocka_unit_test_setup_teardown(test_gk_wait__host_lost__enodev, setup1, teardown),
		cmocka_unit_test_setup_teardown(test_gk_on_each_cpu__four_cpus__each_in_turn_first_error, setup4, teardown),
		cmocka_unit_test_setup_teardown(test_gk_runtime__call__runs_on_cpu0, setup4, teardown),
		cmocka_unit_test_setup_teardown(test_gk_runtime__second_create__ebusy, setup1, teardown),
		cmocka_unit_test_setup_teardown(test_gk_lock__acquire_release__ok, setup1, teardown),
		cmocka_unit_test_setup_teardown(test_gk_hw__no_partition__unclaimed_port_all_ones_msr_gp, setup1, teardown),
		cmocka_unit_test(test_gk_threads__call_task_irq_timeout_and_host_lost),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
