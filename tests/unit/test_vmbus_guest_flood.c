/* test_vmbus_guest_flood.c -- RELIABILITY #101: the host floods a guest
 * channel with completions (it refills the ring every time the guest frees
 * room); the guest's receive task must yield after its budget
 * (VMBUS_RX_BUDGET packets per run, the analogue of storvsc's 2 ms), so
 * other work on the same vCPU keeps running, nothing piles up, and every
 * packet is still delivered exactly once and in order. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "guest_drivers/kern.h"
#include "guest_drivers/vmbus/vmbus.h"
#include "guest_drivers/vmbus/vmbus_var.h"
#include "hyperv/vmbus_msg.h"
#include "sim/guest/runtime.h"
#include "sim/hostd/vmbs.h"
#include "sim/hostd/vmbs_dev.h"
#include "tests/unit/helpers/fake_vmbus_host.h"

#define MS 1000000ull

static const uint8_t NIC[16] = VMBUS_GUID_NETVSC;

/* ---- the host: a device that floods completions -------------------------- */

struct flood_dev {
	struct vmbs_chan *primary;
	uint64_t total;        /* completions to send */
	uint64_t sent;
	bool started;          /* the guest's start packet arrived */
	unsigned eagain;       /* ring-full stops (each followed by writable) */
	unsigned writables;
	int bad_rc;            /* first send error other than -EAGAIN */
};

static void flood_fill(struct vmbs_chan *ch)
{
	struct flood_dev *f = vmbs_chan_ctx(ch);
	while (f->started && f->sent < f->total) {
		uint64_t payload = ~f->sent;
		int rc = vmbs_chan_send_completion(ch, f->sent, &payload, sizeof payload);
		if (rc == -EAGAIN) {
			f->eagain++;
			return; /* writable() follows when the guest frees room */
		}
		if (rc) {
			if (!f->bad_rc)
				f->bad_rc = rc;
			return;
		}
		f->sent++;
	}
}

static int flood_open(struct vmbs_chan *ch)
{
	(void)ch;
	return 0;
}

static int flood_packet(struct vmbs_chan *ch, const struct vmbus_pkt_desc *d, const uint8_t *pkt,
			uint32_t len)
{
	(void)d, (void)pkt, (void)len;
	struct flood_dev *f = vmbs_chan_ctx(ch);
	f->started = true;
	flood_fill(ch);
	return 0;
}

static void flood_writable(struct vmbs_chan *ch)
{
	struct flood_dev *f = vmbs_chan_ctx(ch);
	f->writables++;
	flood_fill(ch);
}

static void flood_rescinded(struct vmbs_chan *ch)
{
	struct flood_dev *f = vmbs_chan_ctx(ch);
	if (ch == f->primary)
		f->primary = NULL;
}

static const struct vmbs_dev_ops flood_ops = {
	.open = flood_open,
	.packet = flood_packet,
	.rescinded = flood_rescinded,
	.writable = flood_writable,
};

/* ---- the guest: a receiver and a ticker on the same vCPU ------------------- */

struct gx_ctx {
	struct vmbus_config cfg;
	struct vmbus_channel *ch;
	int rc;
	uint64_t total;
	/* receive side */
	uint64_t npkts;        /* delivered so far */
	uint64_t bad_order;    /* packets out of sequence or not completions */
	unsigned burst;        /* packets since the ticker last ran */
	unsigned max_burst;
	int cb_cpu;
	/* the ticker: other work on the vCPU */
	struct kern_task tick;
	uint64_t ticks;
	uint64_t ticks_during;  /* ticks while packets were still due */
	long alloc_base;
	long max_alloc_growth;
	bool stop;
};

static void on_pkt(struct vmbus_channel *ch, const struct vmbus_pkt *p, void *arg)
{
	(void)ch;
	struct gx_ctx *c = arg;
	uint64_t v = 0;
	if (p->payload_len >= sizeof v)
		memcpy(&v, p->payload, sizeof v);
	if (p->type != VMBUS_PKT_COMP || p->trans_id != c->npkts || v != ~c->npkts)
		c->bad_order++;
	c->npkts++;
	c->burst++;
	c->cb_cpu = kern_curcpu();
}

static void tick_fn(void *arg)
{
	struct gx_ctx *c = arg;
	if (c->burst > c->max_burst)
		c->max_burst = c->burst;
	c->burst = 0;
	c->ticks++;
	if (c->npkts < c->total)
		c->ticks_during++;
	long g = gk_alloc_outstanding() - c->alloc_base;
	if (g > c->max_alloc_growth)
		c->max_alloc_growth = g;
	if (!c->stop)
		kern_task_enqueue(0, &c->tick);
}

static int init_fn(void *arg)
{
	struct gx_ctx *c = arg;
	c->rc = vmbus_init(&c->cfg);
	if (!c->rc && vmbus_device_count())
		c->ch = vmbus_device_channel(vmbus_device_at(0));
	return 0;
}

static int open_fn(void *arg)
{
	struct gx_ctx *c = arg;
	c->rc = vmbus_chan_open(c->ch, 4 * 4096, 16 * 4096, NULL, 0, on_pkt, c);
	return 0;
}

static int close_fn(void *arg)
{
	struct gx_ctx *c = arg;
	vmbus_chan_close(c->ch);
	return 0;
}

static bool all_in(void *arg)
{
	struct gx_ctx *c = arg;
	return c->npkts >= c->total;
}

/* Start the ticker, ask the host to start, wait for every packet. */
static int flood_fn(void *arg)
{
	struct gx_ctx *c = arg;
	c->alloc_base = gk_alloc_outstanding();
	kern_task_init(&c->tick, tick_fn, c);
	kern_task_enqueue(0, &c->tick);
	static const uint8_t go[8] = { 'g', 'o' };
	c->rc = vmbus_chan_send(c->ch, go, sizeof go, 1, false);
	if (c->rc)
		return 0;
	struct kern_waitq *wq = kern_waitq_create();
	c->rc = kern_wait(wq, all_in, c, 600000 * MS);
	kern_waitq_destroy(wq);
	c->stop = true;
	kern_task_cancel(&c->tick);
	return 0;
}

/* 10^6 completions at up to 64 per receive task run, with a ticker task
 * queued on the same vCPU all along: between two ticks at most one budget
 * of packets is delivered (without the budget one run would drain the
 * whole ring, thousands of 24-byte packets), the ticker runs once per
 * budget, the guest allocates nothing per packet, and all 10^6 arrive once,
 * in order. */
static void test_vmbus_guest_chan__host_floods_1e6_completions__rx_task_yields_per_budget(void **state)
{
	(void)state;
	long before = gk_alloc_outstanding();
	struct gvx *gx = gvx_new("ws2022", 1, 101, GVX_REAL);
	struct flood_dev f;
	memset(&f, 0, sizeof f);
	f.total = 1000000;
	struct vmbs_dev_params p;
	memset(&p, 0, sizeof p);
	memcpy(&p.class_id, NIC, sizeof p.class_id);
	memset(&p.instance_id, 0x65, sizeof p.instance_id);
	f.primary = vmbs_dev_add(gx->vb, &p, &flood_ops, &f);
	assert_non_null(f.primary);

	struct gx_ctx *c = calloc(1, sizeof *c);
	assert_non_null(c);
	c->cfg.timeout_ns = 100 * MS;
	c->total = f.total;
	gvx_call(gx, init_fn, c);
	assert_int_equal(c->rc, 0);
	assert_non_null(c->ch);
	gvx_call(gx, open_fn, c);
	assert_int_equal(c->rc, 0);

	gvx_call(gx, flood_fn, c);
	assert_int_equal(c->rc, 0);
	assert_int_equal(f.bad_rc, 0);
	assert_int_equal(f.sent, f.total);
	/* Every packet once, in order, on the channel's vCPU. */
	assert_int_equal(c->npkts, f.total);
	assert_int_equal(c->bad_order, 0);
	assert_int_equal(c->cb_cpu, 0);
	/* The receive task yielded after each budget: other work ran in
	 * between, at least once per budget of packets (the last budget
	 * needs no tick after it).  The budget is a small part of what the
	 * ring holds (16 pages of 24-byte packets: about 2700), so a task
	 * that drained the ring would show bursts far above it. */
	assert_true(c->max_burst > 0);
	assert_true(c->max_burst <= VMBUS_RX_BUDGET);
	assert_true(c->max_burst * 8 < 16 * 4096 / 24);
	assert_true(c->ticks_during >= f.total / VMBUS_RX_BUDGET - 1);
	/* The host really flooded: the ring was full again and again. */
	assert_true(f.eagain > 1000);
	assert_true(f.writables > 1000);
	/* Nothing was queued per packet on the guest side. */
	assert_true(c->max_alloc_growth <= 0);

	gvx_call(gx, close_fn, c);
	struct vmbs_stats st;
	vmbs_get_stats(gx->vb, &st);
	assert_int_equal(st.ring_corrupt, 0);
	gvx_free(gx);
	free(c);
	assert_int_equal(gk_alloc_outstanding(), before);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vmbus_guest_chan__host_floods_1e6_completions__rx_task_yields_per_budget),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
