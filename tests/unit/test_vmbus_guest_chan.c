/* test_vmbus_guest_chan.c -- GPADLs and channels: multi-message GPADLs
 * byte for byte, statuses and silent hosts (timeouts, nothing leaked),
 * OPENCHANNEL bytes, then the data path end to end against the real
 * server in every era: echo with completions, GPA-direct packets, a sender
 * blocked on a full ring woken by pending_send_sz, monitor-page and
 * hypercall signalling, target vCPU and interrupt counters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "guest_drivers/kern.h"
#include "guest_drivers/vmbus/vmbus.h"
#include "hyperv/vmbus_msg.h"
#include "hyperv/vmbus_ring.h"
#include "sim/guest/runtime.h"
#include "sim/hostd/vmbs.h"
#include "sim/hostd/vmbs_dev.h"
#include "tests/unit/helpers/fake_vmbus_host.h"
#include "tests/unit/helpers/vmbs_fixture.h"

#define MS 1000000ull

static const uint8_t NIC[16] = VMBUS_GUID_NETVSC;

/* One guest-context context for every call. */
struct cx {
	struct vmbus_config cfg;
	int rc;
	struct vmbus_channel *ch;
	uint64_t pfn[8192];
	uint32_t npfn;
	uint32_t handle;
	/* receive side */
	unsigned npkts, ncomps;
	uint64_t tids[256];
	uint8_t last[2048];
	uint32_t last_len;
	int cb_cpu;
	/* send loop */
	unsigned nsend;
	uint32_t send_len;
	bool want_comp;
	int send_rc;
};

static void on_pkt(struct vmbus_channel *ch, const struct vmbus_pkt *p, void *arg)
{
	(void)ch;
	struct cx *c = arg;
	if (c->npkts < 256)
		c->tids[c->npkts] = p->trans_id;
	c->npkts++;
	c->ncomps += p->type == VMBUS_PKT_COMP;
	c->cb_cpu = kern_curcpu();
	c->last_len = p->payload_len < sizeof c->last ? p->payload_len : sizeof c->last;
	memcpy(c->last, p->payload, c->last_len);
}

static int init_fn(void *arg)
{
	struct cx *c = arg;
	c->rc = vmbus_init(&c->cfg);
	if (!c->rc && vmbus_device_count())
		c->ch = vmbus_device_channel(vmbus_device_at(0));
	return 0;
}

static int gpadl_fn(void *arg)
{
	struct cx *c = arg;
	c->rc = vmbus_gpadl_create(c->ch, c->pfn, c->npfn, &c->handle);
	return 0;
}

static int gpadl_destroy_fn(void *arg)
{
	struct cx *c = arg;
	c->rc = vmbus_gpadl_destroy(c->ch, c->handle);
	return 0;
}

static int open_fn(void *arg)
{
	struct cx *c = arg;
	static const uint8_t ud[4] = { 0xde, 0xad, 0xbe, 0xef };
	c->rc = vmbus_chan_open(c->ch, 3 * 4096, 16 * 4096, ud, sizeof ud, on_pkt, c);
	return 0;
}

static int close_fn(void *arg)
{
	struct cx *c = arg;
	vmbus_chan_close(c->ch);
	return 0;
}

static bool got_n(void *arg)
{
	struct cx *c = arg;
	return c->npkts >= c->nsend;
}

static int send_fn(void *arg)
{
	struct cx *c = arg;
	uint8_t buf[4096];
	for (unsigned i = 0; i < c->nsend; i++) {
		memset(buf, (int)(i & 0xFF), sizeof buf);
		c->send_rc = vmbus_chan_send(c->ch, buf, c->send_len, 1000 + i, c->want_comp);
		if (c->send_rc)
			return 0;
	}
	return 0;
}

static int wait_rx_fn(void *arg)
{
	struct kern_waitq *wq = kern_waitq_create();
	int rc = kern_wait(wq, got_n, arg, 1000 * MS);
	kern_waitq_destroy(wq);
	((struct cx *)arg)->rc = rc;
	return 0;
}

static struct cx *cx_new(void)
{
	struct cx *c = calloc(1, sizeof *c);
	assert_non_null(c);
	c->cfg.timeout_ns = 50 * MS;
	return c;
}

static struct gvx *fake_with_nic(struct cx *c, uint64_t seed)
{
	struct gvx *gx = gvx_new("ws2022", 1, seed, GVX_FAKE);
	uint8_t inst[16] = { 7 };
	fvh_add_offer(&gx->fh, NIC, inst, 3, 0, 0x2003, -1);
	gvx_call(gx, init_fn, c);
	assert_int_equal(c->rc, 0);
	assert_non_null(c->ch);
	return gx;
}

/* ---- GPADLs against the scripted host --------------------------------------- */

static void test_vmbus_guest_gpadl__100_pages__header_26_then_bodies_of_28(void **state)
{
	(void)state;
	struct cx *c = cx_new();
	struct gvx *gx = fake_with_nic(c, 1);
	c->npfn = 100;
	for (uint32_t i = 0; i < 100; i++)
		c->pfn[i] = 0x1000 + 3 * i;
	gvx_call(gx, gpadl_fn, c);
	assert_int_equal(c->rc, 0);
	assert_int_equal(c->handle, 0xE1E10);
	assert_int_equal(gx->fh.gpadl_headers, 1);
	assert_int_equal(gx->fh.gpadl_bodies, 3);
	assert_int_equal(gx->fh.gpadl_npfn, 100);
	assert_memory_equal(gx->fh.gpadl_pfn, c->pfn, 100 * 8);
	/* Header bytes (vmbus.md 5.2): relid @8, handle @12, range_buflen
	 * @16 = 8 + 8 * 100 (bodies included), rangecount 1, byte_count,
	 * byte_offset 0, 26 PFNs: 236 bytes. */
	const struct fvh_msg *h = fvh_last(&gx->fh, 8);
	assert_int_equal(h->len, 236);
	assert_int_equal(fvh_get32(h->b, 8), 3);
	assert_int_equal(fvh_get32(h->b, 12), 0xE1E10);
	assert_int_equal(h->b[16] | h->b[17] << 8, 808);
	assert_int_equal(h->b[18] | h->b[19] << 8, 1);
	assert_int_equal(fvh_get32(h->b, 20), 100 * 4096);
	assert_int_equal(fvh_get32(h->b, 24), 0);
	/* Last body: 16 + 8 * 18 bytes, msgnumber 0, handle @12. */
	const struct fvh_msg *b = fvh_last(&gx->fh, 9);
	assert_int_equal(b->len, 16 + 18 * 8);
	assert_int_equal(fvh_get32(b->b, 12), 0xE1E10);
	/* The next handle counts up; teardown is answered. */
	gvx_call(gx, gpadl_fn, c);
	assert_int_equal(c->handle, 0xE1E11);
	gvx_call(gx, gpadl_destroy_fn, c);
	assert_int_equal(c->rc, 0);
	const struct fvh_msg *t = fvh_last(&gx->fh, 11);
	assert_int_equal(t->len, 16);
	assert_int_equal(fvh_get32(t->b, 8), 3);
	assert_int_equal(fvh_get32(t->b, 12), 0xE1E11);
	gvx_free(gx);
	free(c);
}

static void test_vmbus_guest_gpadl__sizes_1_26_27_8190__message_counts(void **state)
{
	(void)state;
	struct cx *c = cx_new();
	struct gvx *gx = fake_with_nic(c, 2);
	static const uint32_t sizes[] = { 1, 26, 27, 54, 55, 8190 };
	static const unsigned bodies[] = { 0, 0, 1, 1, 2, 292 };
	for (int i = 0; i < 6; i++) {
		unsigned b0 = gx->fh.gpadl_bodies;
		c->npfn = sizes[i];
		for (uint32_t k = 0; k < sizes[i]; k++)
			c->pfn[k] = k + 1;
		gvx_call(gx, gpadl_fn, c);
		assert_int_equal(c->rc, 0);
		assert_int_equal(gx->fh.gpadl_bodies - b0, bodies[i]);
		assert_int_equal(gx->fh.gpadl_npfn, sizes[i]);
		assert_memory_equal(gx->fh.gpadl_pfn, c->pfn, sizes[i] * 8u);
	}
	c->npfn = 8191;
	gvx_call(gx, gpadl_fn, c);
	assert_int_equal(c->rc, -EINVAL);
	c->npfn = 0;
	gvx_call(gx, gpadl_fn, c);
	assert_int_equal(c->rc, -EINVAL);
	gvx_free(gx);
	free(c);
}

static void test_vmbus_guest_gpadl__refused_or_silent__eio_etimedout_no_leak(void **state)
{
	(void)state;
	long before = gk_alloc_outstanding();
	struct cx *c = cx_new();
	struct gvx *gx = fake_with_nic(c, 3);
	c->npfn = 30;
	gx->fh.gpadl_status = 0xC0000001u;
	gvx_call(gx, gpadl_fn, c);
	assert_int_equal(c->rc, -EIO);
	gx->fh.gpadl_status = 0;
	gx->fh.mute_gpadl = true;
	gvx_call(gx, gpadl_fn, c);
	assert_int_equal(c->rc, -ETIMEDOUT);
	/* A GPADL_CREATED for it that comes late, and one with a wrong relid,
	 * are dropped and counted. */
	uint32_t w[3] = { 3, gx->fh.gpadl_handle, 0 };
	fvh_send_u32s(&gx->fh, 10, w, 3);
	w[0] = 9;
	fvh_send_u32s(&gx->fh, 10, w, 3);
	uint32_t td = 0x12345;
	fvh_send_u32s(&gx->fh, 12, &td, 1);
	gvx_sleep(gx, MS);
	struct vmbus_stats st;
	vmbus_get_stats(&st);
	assert_int_equal(st.msgs_unexpected, 3);
	assert_int_equal(st.gpadls_failed, 2);
	gx->fh.mute_torndown = true;
	c->handle = 0xE1E10;
	gvx_call(gx, gpadl_destroy_fn, c);
	assert_int_equal(c->rc, -ETIMEDOUT);
	gvx_free(gx);
	free(c);
	assert_int_equal(gk_alloc_outstanding(), before);
}

/* Index in the host's log of the first message of a type, or -1. */
static int log_index(const struct fvh *h, uint32_t type)
{
	for (unsigned i = 0; i < h->nlog && i < FVH_LOG; i++)
		if (fvh_get32(h->log[i].b, 0) == type)
			return (int)i;
	return -1;
}

static void test_vmbus_guest_gpadl__created_never_arrives__teardown_sent_after_timeout(void **state)
{
	(void)state;
	long before = gk_alloc_outstanding();
	struct cx *c = cx_new();
	struct gvx *gx = fake_with_nic(c, 7);
	c->npfn = 4;
	for (uint32_t i = 0; i < 4; i++)
		c->pfn[i] = 0x2000 + i;
	gx->fh.mute_gpadl = true; /* the host made it; its GPADL_CREATED is lost */
	gvx_call(gx, gpadl_fn, c);
	assert_int_equal(c->rc, -ETIMEDOUT);
	/* GPADL_TEARDOWN (vmbus.md 5.2: relid @8, handle @12, 16 bytes) for
	 * the handle the header carried, answered by GPADL_TORNDOWN. */
	assert_int_equal(fvh_count(&gx->fh, 11), 1);
	const struct fvh_msg *t = fvh_last(&gx->fh, 11);
	assert_int_equal(t->len, 16);
	assert_int_equal(fvh_get32(t->b, 8), 3);
	assert_int_equal(fvh_get32(t->b, 12), gx->fh.gpadl_handle);
	struct vmbus_stats st;
	vmbus_get_stats(&st);
	assert_int_equal(st.gpadls_failed, 1);
	assert_int_equal(st.gpadls_abandoned, 1);
	assert_int_equal(st.msgs_unexpected, 0);
	/* A refused header (status != 0) made nothing: no teardown. */
	gx->fh.mute_gpadl = false;
	gx->fh.gpadl_status = 0xC0000001u;
	gvx_call(gx, gpadl_fn, c);
	assert_int_equal(c->rc, -EIO);
	assert_int_equal(fvh_count(&gx->fh, 11), 1);
	gvx_free(gx);
	free(c);
	assert_int_equal(gk_alloc_outstanding(), before);
}

/* Rescind the channel as its GPADL_HEADER arrives, then answer the header
 * anyway (the host takes it until the relid is released). */
static bool rescind_on_header(struct fvh *h, const struct fvh_msg *m)
{
	if (fvh_get32(m->b, 0) == 8 && !h->hook_arg) {
		h->hook_arg = h;
		fvh_send_rescind(h, fvh_get32(m->b, 8));
	}
	return false;
}

static void test_vmbus_guest_gpadl__rescind_during_create__torn_down_before_relid_released(void **state)
{
	(void)state;
	long before = gk_alloc_outstanding();
	struct cx *c = cx_new();
	struct gvx *gx = fake_with_nic(c, 8);
	size_t pages = gk_dma_pages_used();
	gx->fh.hook = rescind_on_header;
	gvx_call(gx, open_fn, c);
	assert_int_equal(c->rc, -ENODEV);
	gvx_sleep(gx, 10 * MS);
	/* The ring GPADL the host made is torn down once, and before the
	 * relid goes back (RELID_RELEASED, type 13). */
	assert_int_equal(fvh_count(&gx->fh, 11), 1);
	assert_int_equal(fvh_get32(fvh_last(&gx->fh, 11)->b, 12), gx->fh.gpadl_handle);
	assert_int_equal(fvh_count(&gx->fh, 13), 1);
	assert_true(log_index(&gx->fh, 11) < log_index(&gx->fh, 13));
	assert_int_equal(fvh_count(&gx->fh, 5), 0); /* no OPENCHANNEL after the rescind */
	assert_int_equal(vmbus_device_count(), 0);
	assert_int_equal(gk_dma_pages_used(), pages);
	gvx_free(gx);
	free(c);
	assert_int_equal(gk_alloc_outstanding(), before);
}

/* ---- open / close against the scripted host ---------------------------------- */

static void test_vmbus_guest_open__openchannel_bytes__then_close_and_teardown(void **state)
{
	(void)state;
	long before = gk_alloc_outstanding();
	struct cx *c = cx_new();
	struct gvx *gx = fake_with_nic(c, 4);
	gvx_call(gx, open_fn, c);
	assert_int_equal(c->rc, 0);
	assert_int_equal(gx->fh.gpadl_npfn, 3 + 16);
	const struct fvh_msg *m = fvh_last(&gx->fh, 5);
	assert_int_equal(m->len, 148);
	assert_int_equal(fvh_get32(m->b, 8), 3);               /* relid */
	assert_int_equal(fvh_get32(m->b, 12), 3);              /* openid = relid */
	assert_int_equal(fvh_get32(m->b, 16), gx->fh.gpadl_handle);
	assert_int_equal(fvh_get32(m->b, 20), 0);              /* target VP */
	assert_int_equal(fvh_get32(m->b, 24), 3);              /* tx pages */
	assert_int_equal(fvh_get32(m->b, 28), 0xefbeadde);     /* user data */
	assert_int_equal(fvh_get32(m->b, 32), 0);
	/* The ring's tx control page carries the pending_send_sz feature. */
	uint64_t ring = gx->fh.gpadl_pfn[0] * 4096;
	assert_int_equal(fvh_get32(gx->mem + ring, 64), 1);
	gvx_call(gx, open_fn, c);
	assert_int_equal(c->rc, -EBUSY);
	gvx_call(gx, close_fn, c);
	assert_int_equal(fvh_count(&gx->fh, 7), 1);
	assert_int_equal(fvh_count(&gx->fh, 11), 1);
	assert_int_equal(fvh_get32(fvh_last(&gx->fh, 11)->b, 12), gx->fh.gpadl_handle);
	gvx_free(gx);
	free(c);
	assert_int_equal(gk_alloc_outstanding(), before);
}

static void test_vmbus_guest_open__refused_silent_wrong_openid__errors_no_leak(void **state)
{
	(void)state;
	long before = gk_alloc_outstanding();
	struct cx *c = cx_new();
	struct gvx *gx = fake_with_nic(c, 5);
	size_t pages = gk_dma_pages_used();
	gx->fh.open_status = VMBUS_STATUS_UNSUCCESSFUL;
	gvx_call(gx, open_fn, c);
	assert_int_equal(c->rc, -EIO);
	assert_int_equal(fvh_count(&gx->fh, 11), 1); /* ring GPADL torn down */
	assert_int_equal(gk_dma_pages_used(), pages);
	gx->fh.open_status = 0;
	gx->fh.open_result_openid_delta = 1;
	gvx_call(gx, open_fn, c);
	assert_int_equal(c->rc, -ETIMEDOUT);
	gx->fh.open_result_openid_delta = 0;
	gx->fh.mute_open = true;
	gvx_call(gx, open_fn, c);
	assert_int_equal(c->rc, -ETIMEDOUT);
	assert_int_equal(gk_dma_pages_used(), pages);
	/* After all that a good open works. */
	gx->fh.mute_open = false;
	gvx_call(gx, open_fn, c);
	assert_int_equal(c->rc, 0);
	gvx_free(gx);
	free(c);
	assert_int_equal(gk_alloc_outstanding(), before);
}

static void test_vmbus_guest_open__alloc_failures__clean(void **state)
{
	(void)state;
	long before = gk_alloc_outstanding();
	struct cx *c = cx_new();
	struct gvx *gx = fake_with_nic(c, 6);
	size_t pages = gk_dma_pages_used();
	for (long n = 0; n < 32; n++) {
		gk_alloc_fail_after(n);
		gvx_call(gx, open_fn, c);
		bool failed = gk_alloc_failed();
		gk_alloc_fail_after(-1);
		if (!failed) {
			assert_int_equal(c->rc, 0);
			break;
		}
		assert_int_equal(c->rc, -ENOMEM);
		assert_int_equal(gk_dma_pages_used(), pages);
	}
	gvx_free(gx);
	free(c);
	assert_int_equal(gk_alloc_outstanding(), before);
}

/* ---- end to end against the real server --------------------------------------- */

static struct gvx *real_with_echo(struct cx *c, const char *profile, uint32_t ncpus,
				  uint32_t max_version, bool monitor, struct echo_dev *e)
{
	struct gvx *gx = gvx_new(profile, ncpus, 9, GVX_REAL);
	memset(e, 0, sizeof *e);
	assert_non_null(echo_dev_add(gx->vb, e, NIC, 1, monitor, 0));
	c->cfg.max_version = max_version;
	c->cfg.timeout_ns = 100 * MS;
	gvx_call(gx, init_fn, c);
	assert_int_equal(c->rc, 0);
	assert_non_null(c->ch);
	return gx;
}

static void echo_round(struct gvx *gx, struct cx *c, struct echo_dev *e)
{
	gvx_call(gx, open_fn, c);
	assert_int_equal(c->rc, 0);
	assert_int_equal(e->opens, 1);
	c->nsend = 100;
	c->send_len = 1500;
	c->want_comp = true;
	gvx_call(gx, send_fn, c);
	assert_int_equal(c->send_rc, 0);
	gvx_call(gx, wait_rx_fn, c);
	assert_int_equal(c->rc, 0);
	assert_int_equal(c->npkts, 100);
	assert_int_equal(c->ncomps, 100);
	for (unsigned i = 0; i < 100; i++)
		assert_int_equal(c->tids[i], 1000 + i);
	assert_int_equal(c->last_len, 1504);
	assert_int_equal(c->last[0], 99);
	assert_int_equal(e->packets, 100);
	assert_true(vmbus_chan_intr_count(c->ch) > 0);
	gvx_call(gx, close_fn, c);
	assert_int_equal(e->closes, 1);
	assert_int_equal(vmbs_gpadl_count(gx->vb), 0);
}

static void test_vmbus_guest_chan__real_host_every_era__echo_with_completions(void **state)
{
	(void)state;
	static const uint32_t vers[] = { VMBUS_VERSION_WS2008, VMBUS_VERSION_WIN7, VMBUS_VERSION_WIN8,
					 VMBUS_VERSION_WIN8_1, VMBUS_VERSION_WIN10,
					 VMBUS_VERSION_WIN10_V5, VMBUS_VERSION_WIN10_V5_3 };
	for (size_t v = 0; v < sizeof vers / sizeof vers[0]; v++) {
		for (int mon = 0; mon < 2; mon++) {
			long before = gk_alloc_outstanding();
			struct cx *c = cx_new();
			struct echo_dev e;
			struct gvx *gx = real_with_echo(c, "ws2022", 2, vers[v], mon, &e);
			assert_int_equal(vmbs_version(gx->vb), vers[v]);
			echo_round(gx, c, &e);
			struct vmbs_stats st;
			vmbs_get_stats(gx->vb, &st);
			assert_int_equal(st.ring_corrupt, 0);
			if (mon && vers[v] > VMBUS_VERSION_WS2008)
				assert_true(st.monitor_hits > 0);
			gvx_free(gx);
			free(c);
			assert_int_equal(gk_alloc_outstanding(), before);
		}
	}
}

static void test_vmbus_guest_chan__force_hypercall__no_monitor_signals(void **state)
{
	(void)state;
	struct cx *c = cx_new();
	c->cfg.force_hypercall = true;
	struct echo_dev e;
	struct gvx *gx = real_with_echo(c, "ws2012r2", 1, 0, true, &e);
	echo_round(gx, c, &e);
	struct vmbs_stats st;
	vmbs_get_stats(gx->vb, &st);
	assert_int_equal(st.monitor_hits, 0);
	assert_true(st.signals_in > 0);
	struct vmbus_stats gs;
	vmbus_get_stats(&gs);
	assert_int_equal(gs.monitor_signals, 0);
	gvx_free(gx);
	free(c);
}

static int target_fn(void *arg)
{
	struct cx *c = arg;
	c->rc = vmbus_chan_set_target_cpu(c->ch, 1);
	return 0;
}

static void test_vmbus_guest_chan__target_vcpu_1__callback_and_interrupts_there(void **state)
{
	(void)state;
	struct cx *c = cx_new();
	struct echo_dev e;
	struct gvx *gx = real_with_echo(c, "ws2022", 2, 0, false, &e);
	gvx_call(gx, target_fn, c);
	assert_int_equal(c->rc, 0);
	gvx_call(gx, open_fn, c);
	assert_int_equal(c->rc, 0);
	assert_int_equal(vmbs_chan_target_vp(e.primary), 1);
	c->nsend = 10;
	c->send_len = 64;
	gvx_call(gx, send_fn, c);
	gvx_call(gx, wait_rx_fn, c);
	assert_int_equal(c->npkts, 10);
	assert_int_equal(c->cb_cpu, 1);
	assert_true(vmbus_cpu_intr_count(1) > 0);
	gvx_call(gx, target_fn, c);
	assert_int_equal(c->rc, -EBUSY); /* open: too late */
	gvx_free(gx);
	free(c);
}

static void test_vmbus_guest_chan__full_tx_ring__sender_sleeps_and_wakes(void **state)
{
	(void)state;
	struct cx *c = cx_new();
	struct echo_dev e;
	struct gvx *gx = real_with_echo(c, "ws2022", 1, 0, false, &e);
	e.no_echo = true;
	gvx_call(gx, open_fn, c); /* tx ring: 2 data pages */
	assert_int_equal(c->rc, 0);
	c->nsend = 500;
	c->send_len = 3000;
	c->want_comp = false;
	gvx_call(gx, send_fn, c);
	assert_int_equal(c->send_rc, 0);
	gvx_sleep(gx, MS);
	assert_int_equal(e.packets, 500);
	struct vmbus_stats gs;
	vmbus_get_stats(&gs);
	assert_int_equal(gs.pkts_out, 500);
	gvx_free(gx);
	free(c);
}

static int gpa_fn(void *arg)
{
	struct cx *c = arg;
	struct vmbus_gpa pb[3] = { { 100, 0, 0x200 }, { 4096, 0, 0x201 }, { 10, 4000, 0x202 } };
	static const uint8_t msg[12] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
	c->rc = vmbus_chan_send_pagebuf(c->ch, pb, 3, msg, sizeof msg, 77);
	if (c->rc)
		return 0;
	uint64_t pfn[3] = { 0x300, 0x301, 0x302 };
	c->rc = vmbus_chan_send_mpb(c->ch, 100, 8192, pfn, 3, msg, sizeof msg, 78);
	if (c->rc)
		return 0;
	/* Bad shapes refused before anything is written. */
	struct vmbus_gpa bad = { 10, 4090, 1 };
	if (vmbus_chan_send_pagebuf(c->ch, &bad, 1, msg, 4, 79) != -EINVAL ||
	    vmbus_chan_send_pagebuf(c->ch, pb, 33, msg, 4, 79) != -EINVAL ||
	    vmbus_chan_send_mpb(c->ch, 100, 8192, pfn, 2, msg, 4, 80) != -EINVAL ||
	    vmbus_chan_send(c->ch, msg, 4, 0, true) != -EINVAL)
		c->rc = -1;
	return 0;
}

static void test_vmbus_guest_chan__gpa_direct__pagebuf_and_mpb_reach_host(void **state)
{
	(void)state;
	struct cx *c = cx_new();
	struct echo_dev e;
	struct gvx *gx = real_with_echo(c, "ws2022", 1, 0, false, &e);
	gvx_call(gx, open_fn, c);
	assert_int_equal(c->rc, 0);
	gvx_call(gx, gpa_fn, c);
	assert_int_equal(c->rc, 0);
	gvx_sleep(gx, MS);
	assert_int_equal(e.packets, 2);
	assert_int_equal(e.last_tid, 78);
	assert_int_equal(e.last_len, 16); /* 12 bytes padded to 8 */
	assert_int_equal(e.last[11], 12);
	struct vmbs_stats st;
	vmbs_get_stats(gx->vb, &st);
	assert_int_equal(st.ring_corrupt, 0);
	gvx_free(gx);
	free(c);
}

static void test_vmbus_guest_chan__rescind_during_io__sends_fail_enodev(void **state)
{
	(void)state;
	long before = gk_alloc_outstanding();
	struct cx *c = cx_new();
	struct echo_dev e;
	struct gvx *gx = real_with_echo(c, "ws2022", 1, 0, false, &e);
	gvx_call(gx, open_fn, c);
	assert_int_equal(c->rc, 0);
	assert_int_equal(vmbs_dev_remove(e.primary), 0);
	c->nsend = 50;
	c->send_len = 100;
	gvx_call(gx, send_fn, c);
	assert_true(c->send_rc == 0 || c->send_rc == -ENODEV || c->send_rc == -ENOTCONN);
	gvx_sleep(gx, 10 * MS);
	assert_int_equal(vmbus_device_count(), 0);
	assert_int_equal(e.rescinded, 1);
	assert_int_equal(vmbs_gpadl_count(gx->vb), 0);
	gvx_free(gx);
	free(c);
	assert_int_equal(gk_alloc_outstanding(), before);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vmbus_guest_gpadl__100_pages__header_26_then_bodies_of_28),
		cmocka_unit_test(test_vmbus_guest_gpadl__sizes_1_26_27_8190__message_counts),
		cmocka_unit_test(test_vmbus_guest_gpadl__refused_or_silent__eio_etimedout_no_leak),
		cmocka_unit_test(test_vmbus_guest_gpadl__created_never_arrives__teardown_sent_after_timeout),
		cmocka_unit_test(test_vmbus_guest_gpadl__rescind_during_create__torn_down_before_relid_released),
		cmocka_unit_test(test_vmbus_guest_open__openchannel_bytes__then_close_and_teardown),
		cmocka_unit_test(test_vmbus_guest_open__refused_silent_wrong_openid__errors_no_leak),
		cmocka_unit_test(test_vmbus_guest_open__alloc_failures__clean),
		cmocka_unit_test(test_vmbus_guest_chan__real_host_every_era__echo_with_completions),
		cmocka_unit_test(test_vmbus_guest_chan__force_hypercall__no_monitor_signals),
		cmocka_unit_test(test_vmbus_guest_chan__target_vcpu_1__callback_and_interrupts_there),
		cmocka_unit_test(test_vmbus_guest_chan__full_tx_ring__sender_sleeps_and_wakes),
		cmocka_unit_test(test_vmbus_guest_chan__gpa_direct__pagebuf_and_mpb_reach_host),
		cmocka_unit_test(test_vmbus_guest_chan__rescind_during_io__sends_fail_enodev),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
