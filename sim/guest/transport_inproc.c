/* transport_inproc.c -- the in-process transport: the guest's hardware
 * calls are direct calls into a struct part in this process, interrupts
 * arrive through the partition's notifier, time is virtual. */
#include <errno.h>
#include <stdlib.h>

#include "sim/guest/transport.h"
#include "sim/hostd/partition.h"

struct gk_inproc {
	struct gk_transport t;          /* first: the transport is the struct */
	struct part *p;                 /* borrowed */
	uint64_t now_ns;                /* virtual time */
	uint64_t host_deadline_ns;      /* from part_notify.deadline */
	bool (*pump)(void *arg);
	void *pump_arg;
};

static struct gk_inproc *ip(struct gk_transport *t)
{
	return (struct gk_inproc *)t;
}

static void ip_cpuid(struct gk_transport *t, uint32_t cpu, uint32_t leaf, uint32_t sub,
		     uint32_t regs[4])
{
	regs[0] = regs[1] = regs[2] = regs[3] = 0;
	if (ip(t)->p)
		part_cpuid(ip(t)->p, cpu, leaf, sub, regs);
}

static int ip_rdmsr(struct gk_transport *t, uint32_t cpu, uint32_t msr, uint64_t *val)
{
	*val = 0;
	return ip(t)->p ? part_rdmsr(ip(t)->p, cpu, msr, val) : -EINVAL;
}

static int ip_wrmsr(struct gk_transport *t, uint32_t cpu, uint32_t msr, uint64_t val)
{
	return ip(t)->p ? part_wrmsr(ip(t)->p, cpu, msr, val) : -EINVAL;
}

static uint64_t ip_hypercall(struct gk_transport *t, uint32_t cpu, uint64_t control,
			     uint64_t in, uint64_t out)
{
	return ip(t)->p ? part_hypercall(ip(t)->p, cpu, control, in, out) : UINT64_MAX;
}

/* Port I/O goes to the partition's traps; with no partition (or an
 * unclaimed port) reads float high and writes vanish, as on a real bus. */
static uint32_t ip_pio_read(struct gk_transport *t, uint32_t cpu, uint16_t port, unsigned size)
{
	if (ip(t)->p)
		return part_pio_read(ip(t)->p, cpu, port, size);
	return size == 1 ? 0xFFu : size == 2 ? 0xFFFFu : 0xFFFFFFFFu;
}

static void ip_pio_write(struct gk_transport *t, uint32_t cpu, uint16_t port, unsigned size,
			 uint32_t val)
{
	if (ip(t)->p)
		part_pio_write(ip(t)->p, cpu, port, size, val);
}

static uint64_t ip_now(struct gk_transport *t)
{
	return ip(t)->now_ns;
}

/* The guest TSC is derived from the same reference time the host's TSC
 * page describes, so a TSC-page read in the guest agrees with the host. */
static uint64_t ip_rdtsc(struct gk_transport *t)
{
	struct gk_inproc *s = ip(t);
	if (!s->p)
		return s->now_ns * 5 / 2; /* 2.5 GHz without a partition */
	return part_tsc_at(s->p, s->now_ns / 100);
}

static bool ip_poll_host(struct gk_transport *t)
{
	struct gk_inproc *s = ip(t);
	return s->pump ? s->pump(s->pump_arg) : false;
}

static uint64_t ip_next_event(struct gk_transport *t)
{
	return ip(t)->host_deadline_ns;
}

static void ip_advance_to(struct gk_transport *t, uint64_t ns)
{
	struct gk_inproc *s = ip(t);
	if (ns > s->now_ns)
		s->now_ns = ns;
	if (s->p)
		part_set_time(s->p, s->now_ns / 100);
}

static void ip_close(struct gk_transport *t)
{
	free(t);
}

static const struct gk_transport_ops ip_ops = {
	.cpuid = ip_cpuid,
	.rdmsr = ip_rdmsr,
	.wrmsr = ip_wrmsr,
	.hypercall = ip_hypercall,
	.pio_read = ip_pio_read,
	.pio_write = ip_pio_write,
	.now_ns = ip_now,
	.rdtsc = ip_rdtsc,
	.poll_host = ip_poll_host,
	.next_event_ns = ip_next_event,
	.advance_to = ip_advance_to,
	.close = ip_close,
};

struct gk_transport *gk_inproc_create(void *mem, uint64_t mem_size, uint32_t ncpus)
{
	struct gk_inproc *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->t.ops = &ip_ops;
	s->t.mem = mem;
	s->t.mem_size = mem_size;
	s->t.ncpus = ncpus;
	s->host_deadline_ns = UINT64_MAX;
	return &s->t;
}

void gk_inproc_attach(struct gk_transport *t, struct part *p)
{
	struct gk_inproc *s = ip(t);
	s->p = p;
	if (p)
		part_set_time(p, s->now_ns / 100);
}

void gk_inproc_set_pump(struct gk_transport *t, bool (*pump)(void *arg), void *arg)
{
	ip(t)->pump = pump;
	ip(t)->pump_arg = arg;
}

static void ip_notify_irq(void *arg, uint32_t vp, uint8_t vector)
{
	struct gk_transport *t = arg;
	gk_irq_fn *fn = __atomic_load_n(&t->irq, __ATOMIC_ACQUIRE);
	if (fn)
		fn(t->irq_arg, vp, vector);
}

static void ip_notify_deadline(void *arg, uint64_t ref_time)
{
	struct gk_inproc *s = arg;
	s->host_deadline_ns = ref_time > UINT64_MAX / 100 ? UINT64_MAX : ref_time * 100;
}

static const struct part_notify ip_notify = {
	.irq = ip_notify_irq,
	.deadline = ip_notify_deadline,
};

const struct part_notify *gk_inproc_part_notify(void)
{
	return &ip_notify;
}
