/* runtime.c -- the gk_runtime object: create/destroy, guest calls, host
 * loss, per-vCPU stats, logging, CPUs and the "hardware" calls of kern.h
 * forwarded to the transport for the current vCPU. */
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "sim/guest/runtime_var.h"

struct gk_runtime *gk_cur;
__thread int gk_tls_cpu = -1;

uint64_t gk_now(struct gk_runtime *rt)
{
	return rt->t->ops->now_ns ? rt->t->ops->now_ns(rt->t) : 0;
}

int gk_self_cpu(void)
{
	return gk_tls_cpu < 0 ? 0 : gk_tls_cpu;
}

void gk_kick(struct gk_runtime *rt, int cpu)
{
	uint64_t one = 1;
	int fd = rt->cpu[cpu].wakefd;
	if (fd >= 0 && write(fd, &one, sizeof one) < 0) {
		/* EAGAIN: the counter is already huge, the thread will wake. */
	}
}

/* The transport's interrupt sink: latch the vector in the vCPU's pending
 * set (repeated raises coalesce like an APIC IRR); the vCPU's scheduler
 * runs the handler. */
void gk_irq_raise(void *arg, uint32_t cpu, uint8_t vector)
{
	struct gk_runtime *rt = arg;
	if (cpu >= rt->ncpus) {
		kern_log(KERN_WARN, "irq", "vector %#x for vCPU %u out of range, dropped",
			 vector, cpu);
		return;
	}
	__atomic_fetch_or(&rt->cpu[cpu].irr[vector / 64], 1ull << (vector % 64),
			  __ATOMIC_ACQ_REL);
	if (gk_threaded(rt))
		gk_kick(rt, (int)cpu);
}

static void gk_lost_cb(void *arg)
{
	gk_runtime_host_lost(arg);
}

void gk_runtime_host_lost(struct gk_runtime *rt)
{
	if (!rt || __atomic_exchange_n(&rt->lost, true, __ATOMIC_SEQ_CST))
		return;
	kern_log(KERN_ERR, "runtime", "host went away: all waits fail with ENODEV");
	if (gk_threaded(rt))
		gk_threads_wakeup(rt);
}

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

uint64_t gk_rng_next(struct gk_runtime *rt)
{
	return splitmix64(&rt->rng);
}

struct gk_runtime *gk_runtime_create(struct gk_transport *t,
				     const struct gk_runtime_config *cfg)
{
	if (gk_cur) {
		errno = EBUSY;
		return NULL;
	}
	if (!t || !t->ops || t->ncpus == 0 || t->ncpus > GK_MAX_CPUS) {
		errno = EINVAL;
		return NULL;
	}
	struct gk_runtime *rt = calloc(1, sizeof *rt);
	if (!rt) {
		errno = ENOMEM;
		return NULL;
	}
	rt->t = t;
	if (cfg)
		rt->cfg = *cfg;
	if (!rt->cfg.dma_base)
		rt->cfg.dma_base = GK_DEFAULT_DMA_BASE;
	rt->cfg.dma_base = (rt->cfg.dma_base + 4095) & ~4095ull;
	rt->ncpus = t->ncpus;
	rt->rng = rt->cfg.seed;
	for (uint32_t i = 0; i < rt->ncpus; i++) {
		rt->cpu[i].id = (int)i;
		rt->cpu[i].wakefd = -1;
	}
	pthread_mutex_init(&rt->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&rt->cv, &ca);
	pthread_condattr_destroy(&ca);

	int err = gk_dma_init(rt);
	if (err)
		goto fail_sync;
	if (gk_threaded(rt)) {
		for (uint32_t i = 0; i < rt->ncpus; i++) {
			rt->cpu[i].wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
			if (rt->cpu[i].wakefd < 0) {
				err = -errno;
				goto fail_fds;
			}
		}
	}
	t->irq_arg = rt;
	/* Store the callback, full fence, then look at host_lost: the split
	 * watcher does the mirror image, so one of us sees the other. */
	__atomic_store_n(&t->lost, gk_lost_cb, __ATOMIC_SEQ_CST);
	__atomic_store_n(&t->irq, gk_irq_raise, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (__atomic_load_n(&t->host_lost, __ATOMIC_SEQ_CST))
		rt->lost = true;
	gk_cur = rt;
	return rt;

fail_fds:
	for (uint32_t i = 0; i < rt->ncpus; i++)
		if (rt->cpu[i].wakefd >= 0)
			close(rt->cpu[i].wakefd);
	gk_dma_fini(rt);
fail_sync:
	pthread_cond_destroy(&rt->cv);
	pthread_mutex_destroy(&rt->mu);
	free(rt);
	errno = -err;
	return NULL;
}

void gk_runtime_destroy(struct gk_runtime *rt)
{
	if (!rt)
		return;
	if (gk_threaded(rt))
		gk_threads_stop(rt);
	/* No transport thread may still be inside a callback into rt. */
	if (rt->t->ops->quiesce)
		rt->t->ops->quiesce(rt->t);
	__atomic_store_n(&rt->t->irq, NULL, __ATOMIC_RELEASE);
	__atomic_store_n(&rt->t->lost, NULL, __ATOMIC_SEQ_CST);
	gk_tasks_drop(rt);
	gk_timers_drop(rt);
	for (uint32_t i = 0; i < rt->ncpus; i++)
		if (rt->cpu[i].wakefd >= 0)
			close(rt->cpu[i].wakefd);
	gk_dma_fini(rt);
	pthread_cond_destroy(&rt->cv);
	pthread_mutex_destroy(&rt->mu);
	if (gk_cur == rt)
		gk_cur = NULL;
	free(rt);
}

struct call_adapter {
	int (*fn)(void *arg);
	void *arg;
};

static int call_on_cpu0(void *arg, int cpu)
{
	struct call_adapter *a = arg;
	(void)cpu;
	return a->fn(a->arg);
}

int gk_runtime_call(struct gk_runtime *rt, int (*fn)(void *arg), void *arg)
{
	if (!rt || !fn)
		return -EINVAL;
	if (gk_threaded(rt)) {
		struct call_adapter a = { fn, arg };
		if (gk_tls_cpu == 0)
			return fn(arg);
		return gk_threads_call(rt, 0, call_on_cpu0, &a);
	}
	int saved = gk_tls_cpu;
	gk_tls_cpu = 0;
	int rc = fn(arg);
	gk_tls_cpu = saved;
	return rc;
}

int gk_runtime_cpu_stats(const struct gk_runtime *rt, uint32_t cpu, struct gk_cpu_stats *out)
{
	if (!rt || cpu >= rt->ncpus)
		return -EINVAL;
	const struct gk_cpu_stats *s = &rt->cpu[cpu].stats;
	out->irqs = __atomic_load_n(&s->irqs, __ATOMIC_RELAXED);
	out->tasks = __atomic_load_n(&s->tasks, __ATOMIC_RELAXED);
	out->spurious_irqs = __atomic_load_n(&s->spurious_irqs, __ATOMIC_RELAXED);
	return 0;
}

uint64_t gk_runtime_trace_hash(const struct gk_runtime *rt)
{
	return rt ? rt->trace_hash : 0;
}

/* ---- CPUs and logging ----------------------------------------------------- */

int kern_ncpus(void)
{
	return gk_cur ? (int)gk_cur->ncpus : 1;
}

int kern_curcpu(void)
{
	return gk_self_cpu();
}

static const char *const lvl_name[] = { "err", "warn", "info", "debug" };

void kern_log(enum kern_log_level lvl, const char *subsys, const char *fmt, ...)
{
	struct gk_runtime *rt = gk_cur;
	int max = rt ? rt->cfg.log_level : KERN_WARN;
	if ((int)lvl > max)
		return;
	FILE *f = rt && rt->cfg.log ? rt->cfg.log : stderr;
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	uint64_t ns = rt ? gk_now(rt) : 0;
	unsigned l = (unsigned)lvl < 4 ? (unsigned)lvl : 3;
	fprintf(f, "[%6llu.%06llu] vcpu%d %s %s: %s\n",
		(unsigned long long)(ns / 1000000000u),
		(unsigned long long)(ns / 1000u % 1000000u),
		gk_self_cpu(), lvl_name[l], subsys ? subsys : "-", buf);
}

/* ---- hardware -------------------------------------------------------------- */

static struct gk_transport *hw(void)
{
	return gk_cur ? gk_cur->t : NULL;
}

void kern_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t regs[4])
{
	struct gk_transport *t = hw();
	memset(regs, 0, 4 * sizeof regs[0]);
	if (t && t->ops->cpuid)
		t->ops->cpuid(t, (uint32_t)gk_self_cpu(), leaf, subleaf, regs);
}

int kern_rdmsr(uint32_t msr, uint64_t *val)
{
	struct gk_transport *t = hw();
	*val = 0;
	if (!t || !t->ops->rdmsr)
		return -EIO;
	return t->ops->rdmsr(t, (uint32_t)gk_self_cpu(), msr, val) ? -EIO : 0;
}

/* The guest just gave the host something to do (inproc: the scheduler
 * must poll the host again before it may call it idle). */
static void host_input(void)
{
	if (gk_cur) /* atomic: vCPU threads may all get here in split mode */
		__atomic_store_n(&gk_cur->host_idle, false, __ATOMIC_RELAXED);
}

int kern_wrmsr(uint32_t msr, uint64_t val)
{
	struct gk_transport *t = hw();
	host_input();
	if (!t || !t->ops->wrmsr)
		return -EIO;
	return t->ops->wrmsr(t, (uint32_t)gk_self_cpu(), msr, val) ? -EIO : 0;
}

uint64_t kern_hypercall(uint64_t control, uint64_t in, uint64_t out)
{
	struct gk_transport *t = hw();
	host_input();
	if (!t || !t->ops->hypercall)
		return UINT64_MAX;
	return t->ops->hypercall(t, (uint32_t)gk_self_cpu(), control, in, out);
}

uint64_t kern_rdtsc(void)
{
	struct gk_transport *t = hw();
	return t && t->ops->rdtsc ? t->ops->rdtsc(t) : 0;
}

static uint32_t pio_in(uint16_t port, unsigned size)
{
	struct gk_transport *t = hw();
	uint32_t ones = size == 1 ? 0xFFu : size == 2 ? 0xFFFFu : 0xFFFFFFFFu;
	host_input();
	if (!t || !t->ops->pio_read)
		return ones;
	return t->ops->pio_read(t, (uint32_t)gk_self_cpu(), port, size) & ones;
}

static void pio_out(uint16_t port, unsigned size, uint32_t v)
{
	struct gk_transport *t = hw();
	host_input();
	if (t && t->ops->pio_write)
		t->ops->pio_write(t, (uint32_t)gk_self_cpu(), port, size, v);
}

uint8_t  kern_inb(uint16_t port) { return (uint8_t)pio_in(port, 1); }
uint16_t kern_inw(uint16_t port) { return (uint16_t)pio_in(port, 2); }
uint32_t kern_inl(uint16_t port) { return pio_in(port, 4); }
void kern_outb(uint16_t port, uint8_t v) { pio_out(port, 1, v); }
void kern_outw(uint16_t port, uint16_t v) { pio_out(port, 2, v); }
void kern_outl(uint16_t port, uint32_t v) { pio_out(port, 4, v); }

void kern_insw(uint16_t port, void *buf, size_t count)
{
	uint8_t *p = buf;
	for (size_t i = 0; i < count; i++) {
		uint16_t w = (uint16_t)pio_in(port, 2);
		memcpy(p + 2 * i, &w, 2);
	}
}

void kern_outsw(uint16_t port, const void *buf, size_t count)
{
	const uint8_t *p = buf;
	for (size_t i = 0; i < count; i++) {
		uint16_t w;
		memcpy(&w, p + 2 * i, 2);
		pio_out(port, 2, w);
	}
}
