/* fake_vmbus_host.c -- the scripted VMBus host and the guest fixture (see
 * fake_vmbus_host.h).  Replies are built byte by byte at the offsets of
 * shared/protocol/vmbus.md 5.2, independent of include/hyperv structs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/helpers/fake_vmbus_host.h"

#include "guest_drivers/hyperv/hyperv.h"
#include "guest_drivers/kern.h"
#include "guest_drivers/vmbus/vmbus.h"
#include "sim/guest/runtime.h"
#include "sim/guest/transport.h"
#include "sim/hostd/gmem.h"
#include "sim/hostd/profile.h"
#include "sim/hostd/vmbs.h"

/* Message numbers and versions from the sheet (5.1, 5.3). */
enum {
	M_OFFER = 1, M_RESCIND = 2, M_REQUESTOFFERS = 3, M_ALLOFFERS = 4, M_OPEN = 5,
	M_OPEN_RESULT = 6, M_CLOSE = 7, M_GPADL_HEADER = 8, M_GPADL_BODY = 9,
	M_GPADL_CREATED = 10, M_GPADL_TEARDOWN = 11, M_GPADL_TORNDOWN = 12,
	M_RELID_RELEASED = 13, M_INITIATE = 14, M_VERSION_RESPONSE = 15, M_UNLOAD = 16,
	M_UNLOAD_RESPONSE = 17,
};
#define V5_0 0x00050000u

static void fvh_ready(void *arg);

void fvh_put16(uint8_t *b, size_t off, uint16_t v)
{
	b[off] = (uint8_t)v;
	b[off + 1] = (uint8_t)(v >> 8);
}

void fvh_put32(uint8_t *b, size_t off, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		b[off + i] = (uint8_t)(v >> (8 * i));
}

void fvh_put64(uint8_t *b, size_t off, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		b[off + i] = (uint8_t)(v >> (8 * i));
}

uint32_t fvh_get32(const uint8_t *b, size_t off)
{
	uint32_t v = 0;
	for (int i = 3; i >= 0; i--)
		v = v << 8 | b[off + i];
	return v;
}

uint64_t fvh_get64(const uint8_t *b, size_t off)
{
	return fvh_get32(b, off) | (uint64_t)fvh_get32(b, off + 4) << 32;
}

uint32_t fvh_offer_bytes(uint8_t *buf, const uint8_t class_id[16], const uint8_t inst[16],
			 uint32_t relid, uint16_t subidx, uint32_t conn_id, int monitor_id)
{
	memset(buf, 0, 240);
	fvh_put32(buf, 0, M_OFFER);
	memcpy(buf + 8, class_id, 16);
	memcpy(buf + 24, inst, 16);
	fvh_put16(buf, 180, subidx);
	fvh_put32(buf, 184, relid);
	buf[188] = monitor_id >= 0 ? (uint8_t)monitor_id : 0xFF;
	buf[189] = monitor_id >= 0 ? 1 : 0;
	fvh_put16(buf, 190, 1);
	fvh_put32(buf, 192, conn_id);
	return 196;
}

void fvh_add_offer(struct fvh *h, const uint8_t class_id[16], const uint8_t inst[16],
		   uint32_t relid, uint16_t subidx, uint32_t conn_id, int monitor_id)
{
	assert_true(h->noffers < FVH_MAX_OFFERS);
	h->offer_len[h->noffers] = fvh_offer_bytes(h->offer[h->noffers], class_id, inst, relid,
						   subidx, conn_id, monitor_id);
	h->noffers++;
}

void fvh_send(struct fvh *h, const void *msg, uint32_t len)
{
	assert_int_equal(synic_post(h->p, h->reply_vp, 2, 1, 0, msg, len), 0);
}

void fvh_send_u32s(struct fvh *h, uint32_t type, const uint32_t *w, unsigned n)
{
	uint8_t b[240];
	memset(b, 0, sizeof b);
	fvh_put32(b, 0, type);
	for (unsigned i = 0; i < n; i++)
		fvh_put32(b, 8 + 4 * i, w[i]);
	fvh_send(h, b, 8 + 4 * n);
}

void fvh_send_rescind(struct fvh *h, uint32_t relid)
{
	fvh_send_u32s(h, M_RESCIND, &relid, 1);
}

static void on_signal(void *arg, uint32_t vp, uint16_t flag)
{
	(void)vp;
	(void)flag;
	struct fvh *h = arg;
	h->signals++;
}

void fvh_event_port(struct fvh *h, uint32_t conn)
{
	assert_int_equal(part_event_port_add(h->p, conn, 1, on_signal, h), 0);
	assert_true(h->ev_ports < 16);
	h->ev_port_ids[h->ev_ports++] = conn;
}

unsigned fvh_count(const struct fvh *h, uint32_t type)
{
	unsigned n = 0;
	for (unsigned i = 0; i < h->nlog && i < FVH_LOG; i++)
		n += fvh_get32(h->log[i].b, 0) == type;
	return n;
}

const struct fvh_msg *fvh_last(const struct fvh *h, uint32_t type)
{
	const struct fvh_msg *m = NULL;
	for (unsigned i = 0; i < h->nlog && i < FVH_LOG; i++)
		if (fvh_get32(h->log[i].b, 0) == type)
			m = &h->log[i];
	return m;
}

static void on_contact(struct fvh *h, const struct fvh_msg *m)
{
	uint32_t ver = fvh_get32(m->b, 8);
	if (h->ntried < 16) {
		h->tried[h->ntried] = ver;
		h->tried_conn[h->ntried] = m->conn;
	}
	h->ntried++;
	if (h->mute_contact)
		return;
	bool ok = ver <= h->max_version && ver != h->refuse_version;
	uint8_t r[16];
	memset(r, 0, sizeof r);
	fvh_put32(r, 0, M_VERSION_RESPONSE);
	r[8] = ok;
	r[9] = ok ? h->conn_state : 0;
	fvh_put32(r, 12, ver >= V5_0 ? h->msg_conn_id : ver);
	if (ok) {
		h->version = ver;
		if (ver >= V5_0 && h->msg_conn_id != 1 && h->msg_conn_id != 4 && h->msg_conn_id &&
		    h->msg_conn_id <= 0xFFFFFF)
			part_msg_port_add(h->p, h->msg_conn_id, fvh_ready, h);
	}
	fvh_send(h, r, sizeof r);
}

static void on_gpadl_header(struct fvh *h, const struct fvh_msg *m)
{
	h->gpadl_headers++;
	h->gpadl_relid = fvh_get32(m->b, 8);
	h->gpadl_handle = fvh_get32(m->b, 12);
	uint32_t buflen = m->b[16] | (uint32_t)m->b[17] << 8;
	h->gpadl_npfn_expected = (buflen - 8) / 8;
	h->gpadl_npfn = 0;
	for (uint32_t off = 28; off + 8 <= m->len && h->gpadl_npfn < 8192; off += 8)
		h->gpadl_pfn[h->gpadl_npfn++] = fvh_get64(m->b, off);
}

static void gpadl_maybe_done(struct fvh *h)
{
	if (h->gpadl_npfn < h->gpadl_npfn_expected || h->mute_gpadl)
		return;
	uint32_t w[3] = { h->gpadl_relid, h->gpadl_handle, h->gpadl_status };
	fvh_send_u32s(h, M_GPADL_CREATED, w, 3);
}

static void handle(struct fvh *h, const struct fvh_msg *m)
{
	if (h->nlog < FVH_LOG)
		h->log[h->nlog] = *m;
	h->nlog++;
	if (h->hook && h->hook(h, m))
		return;
	uint32_t type = fvh_get32(m->b, 0);
	switch (type) {
	case M_INITIATE:
		on_contact(h, m);
		break;
	case M_REQUESTOFFERS:
		for (unsigned i = 0; i < h->noffers; i++)
			fvh_send(h, h->offer[i], h->offer_len[i]);
		if (!h->mute_offers_done)
			fvh_send_u32s(h, M_ALLOFFERS, NULL, 0);
		break;
	case M_GPADL_HEADER:
		on_gpadl_header(h, m);
		gpadl_maybe_done(h);
		break;
	case M_GPADL_BODY:
		h->gpadl_bodies++;
		for (uint32_t off = 16; off + 8 <= m->len && h->gpadl_npfn < 8192; off += 8)
			h->gpadl_pfn[h->gpadl_npfn++] = fvh_get64(m->b, off);
		gpadl_maybe_done(h);
		break;
	case M_GPADL_TEARDOWN:
		if (!h->mute_torndown) {
			uint32_t w = fvh_get32(m->b, 12);
			fvh_send_u32s(h, M_GPADL_TORNDOWN, &w, 1);
		}
		break;
	case M_OPEN:
		if (!h->mute_open) {
			uint32_t w[3] = { fvh_get32(m->b, 8), fvh_get32(m->b, 12) + h->open_result_openid_delta,
					  h->open_status };
			fvh_send_u32s(h, M_OPEN_RESULT, w, 3);
		}
		break;
	case M_UNLOAD:
		if (!h->mute_unload)
			fvh_send_u32s(h, M_UNLOAD_RESPONSE, NULL, 0);
		break;
	default:
		break;
	}
}

/* NOTE: the inproc scheduler only polls the host after guest work ran or
 * time moved; a message posted from inside a nested wait would sit in the
 * port until the wait times out.  Workaround until the runtime clears its
 * host-idle flag on hypercalls: a port that becomes non-empty makes a host
 * deadline due "now" (the partition's own deadline is restored after the
 * pump). */
static void host_due_now(struct gk_transport *t, struct part *p)
{
	gk_inproc_part_notify()->deadline(t, part_time(p));
}

static void host_deadline_restore(struct gk_transport *t, struct part *p)
{
	gk_inproc_part_notify()->deadline(t, part_next_deadline(p));
}

static void fvh_ready(void *arg)
{
	struct fvh *h = arg;
	host_due_now(h->t, h->p);
}

static bool fvh_pump(void *arg)
{
	struct fvh *h = arg;
	bool did = false;
	host_deadline_restore(h->t, h->p);
	uint32_t conns[3] = { 1, 4, h->msg_conn_id };
	for (int c = 0; c < 3; c++) {
		if (c == 2 && (conns[2] == 1 || conns[2] == 4))
			break;
		struct part_posted_msg pm;
		while (part_port_recv(h->p, conns[c], &pm) == 0) {
			struct fvh_msg m;
			memset(&m, 0, sizeof m);
			m.conn = conns[c];
			m.vp = pm.vp;
			m.len = pm.payload_size;
			memcpy(m.b, pm.payload, pm.payload_size);
			handle(h, &m);
			did = true;
		}
	}
	return did;
}

/* ---- the guest fixture ------------------------------------------------------ */

#define GVX_MEM (64u << 20)


static void vb_kick(void *arg)
{
	struct gvx *gx = arg;
	gx->vb_kicked = true;
	host_due_now(gx->t, gx->p);
}

/* The real server has no "did anything" answer: compare its counters. */
static bool real_pump(void *arg)
{
	struct gvx *gx = arg;
	struct vmbs_stats a, b;
	host_deadline_restore(gx->t, gx->p);
	vmbs_get_stats(gx->vb, &a);
	bool more = vmbs_pump(gx->vb);
	vmbs_get_stats(gx->vb, &b);
	bool kicked = gx->vb_kicked;
	gx->vb_kicked = false;
	return more || kicked || a.msgs_in != b.msgs_in || a.msgs_out != b.msgs_out ||
	       a.signals_in != b.signals_in || a.pkts_in != b.pkts_in || a.pkts_out != b.pkts_out ||
	       a.outq_retries != b.outq_retries;
}

static int boot_fn(void *arg)
{
	(void)arg;
	return hyperv_init(NULL);
}

struct gvx *gvx_new(const char *profile, uint32_t ncpus, uint64_t seed, enum gvx_host kind)
{
	struct gvx *gx = calloc(1, sizeof *gx);
	assert_non_null(gx);
	gx->kind = kind;
	gx->mem_size = GVX_MEM;
	gx->gm = gmem_create(GVX_MEM);
	assert_non_null(gx->gm);
	gx->mem = gmem_ptr(gx->gm, 0, GVX_MEM);
	gx->t = gk_inproc_create(gx->mem, GVX_MEM, ncpus);
	assert_non_null(gx->t);
	struct part_config pc = { .profile = hv_profile_find(profile), .nvcpus = ncpus };
	assert_non_null(pc.profile);
	gx->p = part_create(gx->gm, &pc, gk_inproc_part_notify(), gx->t);
	assert_non_null(gx->p);
	gk_inproc_attach(gx->t, gx->p);
	if (kind == GVX_FAKE) {
		struct fvh *h = &gx->fh;
		h->p = gx->p;
		h->mem = gx->mem;
		h->mem_size = GVX_MEM;
		h->port4 = true;
		h->max_version = 0x00050003u;
		h->msg_conn_id = 1;
		h->t = gx->t;
		assert_int_equal(part_msg_port_add(gx->p, 1, fvh_ready, h), 0);
		gk_inproc_set_pump(gx->t, fvh_pump, h);
	} else {
		struct vmbs_notify out = { .kick = vb_kick };
		gx->vb = vmbs_create(gx->p, gx->gm, NULL, &out, gx);
		assert_non_null(gx->vb);
		gk_inproc_set_pump(gx->t, real_pump, gx);
	}
	struct gk_runtime_config rc = { .sched = GK_SCHED_INPROC, .seed = seed,
					 .log_level = getenv("GVX_LOG") ? atoi(getenv("GVX_LOG")) : 0 };
	gx->rt = gk_runtime_create(gx->t, &rc);
	assert_non_null(gx->rt);
	assert_int_equal(gk_runtime_call(gx->rt, boot_fn, NULL), 0);
	return gx;
}

static int fini_fn(void *arg)
{
	(void)arg;
	vmbus_fini();
	hyperv_fini();
	return 0;
}

void gvx_free(struct gvx *gx)
{
	if (!gx)
		return;
	gk_alloc_fail_after(-1);
	gk_runtime_call(gx->rt, fini_fn, NULL);
	assert_int_equal(gk_dma_pages_used(), 0);
	gk_runtime_destroy(gx->rt);
	vmbs_destroy(gx->vb);
	if (gx->kind == GVX_FAKE) {
		part_port_remove(gx->p, 1);
		part_port_remove(gx->p, 4);
		if (gx->fh.msg_conn_id > 4)
			part_port_remove(gx->p, gx->fh.msg_conn_id);
		for (unsigned i = 0; i < gx->fh.ev_ports; i++)
			part_port_remove(gx->p, gx->fh.ev_port_ids[i]);
	}
	part_destroy(gx->p);
	gx->t->ops->close(gx->t);
	gmem_destroy(gx->gm);
	free(gx);
}

/* Port 4 is added when the test connects (knob read then). */
int gvx_call(struct gvx *gx, int (*fn)(void *), void *arg)
{
	if (gx->kind == GVX_FAKE && gx->fh.port4 && part_port_queued(gx->p, 4) < 0)
		assert_int_equal(part_msg_port_add(gx->p, 4, fvh_ready, &gx->fh), 0);
	return gk_runtime_call(gx->rt, fn, arg);
}

static bool never(void *arg)
{
	(void)arg;
	return false;
}

static int sleep_fn(void *arg)
{
	struct kern_waitq *wq = kern_waitq_create();
	int rc = kern_wait(wq, never, NULL, *(uint64_t *)arg);
	kern_waitq_destroy(wq);
	return rc == -ETIMEDOUT ? 0 : rc;
}

void gvx_sleep(struct gvx *gx, uint64_t ns)
{
	assert_int_equal(gvx_call(gx, sleep_fn, &ns), 0);
}
