/* vmbs_fixture.c -- a guest-shaped driver for the host VMBus server in unit
 * tests: hypercalls in, SIMP slots out, a minimal guest ring end. */
#include "vmbs_fixture.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sim/hostd/profile.h"

static void vfx_kick(void *arg)
{
	((struct vfx *)arg)->nkick++;
}

static void vfx_trace(void *arg, const char *line)
{
	struct vfx *f = arg;
	f->ntrace++;
	if (strstr(line, "error:")) {
		f->nerror++;
		snprintf(f->last_error, sizeof f->last_error, "%s", line);
	}
	if (getenv("VFX_TRACE"))
		fprintf(stderr, "%s\n", line);
}

struct vfx *vfx_new(const char *profile, uint32_t nvcpus, const struct vmbs_config *cfg)
{
	struct vfx *f = calloc(1, sizeof *f);
	assert_non_null(f);
	f->gm = gmem_create(VFX_MEM);
	assert_non_null(f->gm);
	struct part_config pc = { .profile = hv_profile_find(profile), .nvcpus = nvcpus };
	assert_non_null(pc.profile);
	f->p = part_create(f->gm, &pc, NULL, f);
	assert_non_null(f->p);
	f->nvcpus = nvcpus;
	struct vmbs_notify out = { .kick = vfx_kick, .trace = vfx_trace };
	f->vb = vmbs_create(f->p, f->gm, cfg, &out, f);
	assert_non_null(f->vb);
	assert_int_equal(part_wrmsr(f->p, 0, HV_MSR_GUEST_OS_ID, 0x810000050F000000ull), 0);
	assert_int_equal(part_wrmsr(f->p, 0, HV_MSR_HYPERCALL, VFX_HCALL_GPA | HV_HYPERCALL_ENABLE), 0);
	for (uint32_t vp = 0; vp < nvcpus; vp++) {
		assert_int_equal(part_wrmsr(f->p, vp, HV_MSR_SIMP, VFX_SIMP_GPA(vp) | HV_OVERLAY_ENABLE), 0);
		assert_int_equal(part_wrmsr(f->p, vp, HV_MSR_SIEFP, VFX_SIEFP_GPA(vp) | HV_OVERLAY_ENABLE), 0);
		assert_int_equal(part_wrmsr(f->p, vp, HV_MSR_SINT0 + HV_SINT_VMBUS, VFX_VECTOR), 0);
		assert_int_equal(part_wrmsr(f->p, vp, HV_MSR_SCONTROL, HV_SCONTROL_ENABLE), 0);
	}
	f->heap = VFX_HEAP_GPA;
	return f;
}

void vfx_free(struct vfx *f)
{
	if (!f)
		return;
	vmbs_destroy(f->vb);
	part_destroy(f->p);
	gmem_destroy(f->gm);
	free(f);
}

void vfx_pump(struct vfx *f)
{
	for (int i = 0; i < 10000 && vmbs_pump(f->vb); i++)
		;
}

uint16_t vfx_post(struct vfx *f, uint32_t vp, uint32_t conn, const void *msg, uint32_t len)
{
	struct hv_input_post_message in;
	memset(&in, 0, sizeof in);
	in.connection_id = conn;
	in.message_type = HVMSG_VMBUS;
	in.payload_size = len;
	memcpy(in.payload, msg, len > sizeof in.payload ? sizeof in.payload : len);
	assert_int_equal(gmem_write(f->gm, VFX_IN_GPA, &in, sizeof in), 0);
	uint64_t rax = part_hypercall(f->p, vp, HVCALL_POST_MESSAGE, VFX_IN_GPA, 0);
	vmbs_pump(f->vb);
	return (uint16_t)(rax & HV_HC_RESULT_STATUS_MASK);
}

uint16_t vfx_signal(struct vfx *f, uint32_t conn)
{
	uint64_t rax = part_hypercall(f->p, 0, HVCALL_SIGNAL_EVENT | HV_HC_FAST, conn, 0);
	vmbs_pump(f->vb);
	return (uint16_t)(rax & HV_HC_RESULT_STATUS_MASK);
}

uint32_t vfx_recv(struct vfx *f, uint32_t vp, void *buf, uint32_t *len)
{
	struct hv_message *slot = gmem_ptr(f->gm, VFX_SIMP_GPA(vp) + HV_SINT_VMBUS * 256ull, 256);
	assert_non_null(slot);
	struct hv_message m;
	memcpy(&m, slot, sizeof m);
	if (m.header.message_type == HVMSG_NONE)
		return 0;
	assert_int_equal(m.header.message_type, HVMSG_VMBUS);
	assert_true(m.header.payload_size >= 8 && m.header.payload_size <= 240);
	slot->header.message_type = HVMSG_NONE;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (slot->header.flags & HV_MSG_FLAG_PENDING)
		assert_int_equal(part_wrmsr(f->p, vp, HV_MSR_EOM, 0), 0);
	vmbs_pump(f->vb);
	if (buf)
		memcpy(buf, m.payload, m.header.payload_size);
	if (len)
		*len = m.header.payload_size;
	uint32_t type;
	memcpy(&type, m.payload, sizeof type);
	return type;
}

void vfx_expect(struct vfx *f, uint32_t vp, uint32_t type, void *buf, uint32_t *len)
{
	uint8_t tmp[240];
	uint32_t l = 0;
	assert_int_equal(vfx_recv(f, vp, tmp, &l), type);
	if (buf)
		memcpy(buf, tmp, l);
	if (len)
		*len = l;
}

void vfx_expect_none(struct vfx *f, uint32_t vp)
{
	assert_int_equal(vfx_recv(f, vp, NULL, NULL), 0);
}

bool vfx_sief_take(struct vfx *f, uint32_t vp, uint32_t flag)
{
	uint8_t *b = gmem_ptr(f->gm, VFX_SIEFP_GPA(vp) + HV_SINT_VMBUS * 256ull + flag / 8, 1);
	assert_non_null(b);
	uint8_t bit = (uint8_t)(1u << (flag % 8));
	return __atomic_fetch_and(b, (uint8_t)~bit, __ATOMIC_SEQ_CST) & bit;
}

void vfx_contact_msg(struct vmbus_msg_initiate_contact *ic, uint32_t version)
{
	memset(ic, 0, sizeof *ic);
	ic->hdr.msgtype = VMBUS_MSG_INITIATE_CONTACT;
	ic->version_requested = version;
	ic->target_vcpu = 0;
	if (version >= VMBUS_VERSION_WIN10_V5)
		ic->u.v5.msg_sint = VMBUS_MESSAGE_SINT;
	else
		ic->u.interrupt_page = VFX_INT_PAGE;
	ic->monitor_page1 = VFX_MON1;
	ic->monitor_page2 = VFX_MON2;
}

int vfx_connect_msg(struct vfx *f, uint32_t conn, const struct vmbus_msg_initiate_contact *ic,
		    uint32_t reply_vp, struct vmbus_msg_version_response *vr)
{
	assert_int_equal(vfx_post(f, 0, conn, ic, sizeof *ic), HV_STATUS_SUCCESS);
	struct vmbus_msg_version_response r;
	uint32_t len = 0;
	vfx_expect(f, reply_vp, VMBUS_MSG_VERSION_RESPONSE, &r, &len);
	assert_int_equal(len, sizeof r);
	if (vr)
		*vr = r;
	return r.version_supported;
}

int vfx_connect(struct vfx *f, uint32_t version)
{
	struct vmbus_msg_initiate_contact ic;
	vfx_contact_msg(&ic, version);
	uint32_t conn = version >= VMBUS_VERSION_WIN10_V5 ? VMBUS_MESSAGE_CONNECTION_ID_4
							  : VMBUS_MESSAGE_CONNECTION_ID;
	return vfx_connect_msg(f, conn, &ic, 0, NULL);
}

unsigned vfx_request_offers(struct vfx *f, struct vmbus_msg_offer *offers, unsigned max)
{
	struct vmbus_msg_request_offers ro = { .hdr.msgtype = VMBUS_MSG_REQUESTOFFERS };
	assert_int_equal(vfx_post(f, 0, VMBUS_MESSAGE_CONNECTION_ID, &ro, sizeof ro), 0);
	unsigned n = 0;
	for (;;) {
		uint8_t buf[240];
		uint32_t len = 0;
		uint32_t t = vfx_recv(f, vmbs_msg_vp(f->vb), buf, &len);
		assert_int_not_equal(t, 0);
		if (t == VMBUS_MSG_ALLOFFERS_DELIVERED)
			return n;
		assert_int_equal(t, VMBUS_MSG_OFFERCHANNEL);
		assert_int_equal(len, sizeof(struct vmbus_msg_offer));
		if (n < max)
			memcpy(&offers[n], buf, sizeof offers[n]);
		n++;
	}
}

uint64_t vfx_alloc(struct vfx *f, uint32_t npages)
{
	uint64_t gpa = f->heap;
	assert_true(gpa + (uint64_t)npages * HV_PAGE_SIZE <= VFX_MEM);
	void *p = gmem_ptr(f->gm, gpa, (uint64_t)npages * HV_PAGE_SIZE);
	assert_non_null(p);
	memset(p, 0, (size_t)npages * HV_PAGE_SIZE);
	f->heap += (uint64_t)npages * HV_PAGE_SIZE;
	return gpa;
}

uint32_t vfx_gpadl(struct vfx *f, uint32_t relid, uint32_t handle, const uint64_t *pfns,
		   uint32_t npfn)
{
	uint8_t msg[240];
	memset(msg, 0, sizeof msg);
	struct vmbus_msg_gpadl_header gh = {
		.hdr.msgtype = VMBUS_MSG_GPADL_HEADER,
		.child_relid = relid,
		.gpadl = handle,
		.range_buflen = (uint16_t)(sizeof(struct vmbus_gpa_range_hdr) + 8u * npfn),
		.rangecount = 1,
	};
	struct vmbus_gpa_range_hdr rh = { .byte_count = npfn * HV_PAGE_SIZE, .byte_offset = 0 };
	memcpy(msg, &gh, sizeof gh);
	memcpy(msg + sizeof gh, &rh, sizeof rh);
	uint32_t first = npfn < VMBUS_GPADL_HEADER_MAX_PFNS ? npfn : VMBUS_GPADL_HEADER_MAX_PFNS;
	memcpy(msg + VMBUS_GPADL_HEADER_PFN_OFF, pfns, first * 8u);
	assert_int_equal(vfx_post(f, 0, 1, msg, VMBUS_GPADL_HEADER_PFN_OFF + first * 8u), 0);
	for (uint32_t done = first; done < npfn;) {
		uint32_t n = npfn - done;
		if (n > VMBUS_GPADL_BODY_MAX_PFNS)
			n = VMBUS_GPADL_BODY_MAX_PFNS;
		struct vmbus_msg_gpadl_body gb = { .hdr.msgtype = VMBUS_MSG_GPADL_BODY, .gpadl = handle };
		memcpy(msg, &gb, sizeof gb);
		memcpy(msg + VMBUS_GPADL_BODY_PFN_OFF, pfns + done, n * 8u);
		assert_int_equal(vfx_post(f, 0, 1, msg, VMBUS_GPADL_BODY_PFN_OFF + n * 8u), 0);
		done += n;
		/* Keep the SINT queue short: a reply only comes at the end. */
	}
	struct vmbus_msg_gpadl_created gc;
	vfx_expect(f, vmbs_msg_vp(f->vb), VMBUS_MSG_GPADL_CREATED, &gc, NULL);
	assert_int_equal(gc.child_relid, relid);
	assert_int_equal(gc.gpadl, handle);
	return gc.creation_status;
}

uint32_t vfx_open(struct vfx *f, uint32_t relid, uint32_t openid, uint32_t gpadl,
		  uint32_t target_vp, uint32_t pageoff)
{
	struct vmbus_msg_open op;
	memset(&op, 0, sizeof op);
	op.hdr.msgtype = VMBUS_MSG_OPENCHANNEL;
	op.child_relid = relid;
	op.openid = openid;
	op.ring_gpadl = gpadl;
	op.target_vp = target_vp;
	op.downstream_ring_pageoff = pageoff;
	op.user_data[0] = 0xAB;
	assert_int_equal(vfx_post(f, 0, 1, &op, sizeof op), 0);
	struct vmbus_msg_open_result r;
	vfx_expect(f, vmbs_msg_vp(f->vb), VMBUS_MSG_OPENCHANNEL_RESULT, &r, NULL);
	assert_int_equal(r.child_relid, relid);
	assert_int_equal(r.openid, openid);
	return r.status;
}

void vfx_close(struct vfx *f, uint32_t relid)
{
	struct vmbus_msg_close c = { .hdr.msgtype = VMBUS_MSG_CLOSECHANNEL, .child_relid = relid };
	assert_int_equal(vfx_post(f, 0, 1, &c, sizeof c), 0);
}

void vfx_teardown(struct vfx *f, uint32_t relid, uint32_t handle)
{
	struct vmbus_msg_gpadl_teardown t = { .hdr.msgtype = VMBUS_MSG_GPADL_TEARDOWN,
					      .child_relid = relid, .gpadl = handle };
	assert_int_equal(vfx_post(f, 0, 1, &t, sizeof t), 0);
}

/* ---- the guest's ring end ------------------------------------------------------- */

uint32_t vfx_ring_open(struct vfx *f, struct vfx_ring *r, uint32_t relid, uint32_t npages,
		       uint32_t off, bool scattered, uint32_t target_vp)
{
	assert_true(npages <= 512);
	memset(r, 0, sizeof *r);
	r->npages = npages;
	r->off = off;
	r->relid = relid;
	r->gpadl = 0xE1E10u + relid;
	uint64_t gpa = vfx_alloc(f, npages);
	for (uint32_t i = 0; i < npages; i++) {
		/* Scattered: each ring's data pages in reverse order. */
		uint32_t src = i;
		if (scattered && i != 0 && i != off && i < off)
			src = off - i;
		else if (scattered && i > off)
			src = npages - (i - off);
		r->pfn[i] = (gpa >> 12) + src;
		r->pg[i] = gmem_ptr(f->gm, r->pfn[i] << 12, HV_PAGE_SIZE);
		assert_non_null(r->pg[i]);
	}
	uint32_t st = vfx_gpadl(f, relid, r->gpadl, r->pfn, npages);
	assert_int_equal(st, 0);
	return vfx_open(f, relid, relid, r->gpadl, target_vp, off);
}

uint32_t *vfx_ring_ctl(struct vfx_ring *r, bool ring_b)
{
	return (uint32_t *)(void *)r->pg[ring_b ? r->off : 0];
}

uint32_t vfx_ring_dsize(const struct vfx_ring *r, bool ring_b)
{
	return (ring_b ? r->npages - r->off - 1 : r->off - 1) * HV_PAGE_SIZE;
}

static uint8_t *vfx_ring_byte(struct vfx_ring *r, bool ring_b, uint32_t off)
{
	uint32_t first = ring_b ? r->off + 1 : 1;
	return r->pg[first + off / HV_PAGE_SIZE] + off % HV_PAGE_SIZE;
}

static void vfx_ring_copy_to(struct vfx_ring *r, bool ring_b, uint32_t off, const void *src,
			     uint32_t len)
{
	uint32_t d = vfx_ring_dsize(r, ring_b);
	const uint8_t *s = src;
	for (uint32_t i = 0; i < len; i++)
		*vfx_ring_byte(r, ring_b, (off + i) % d) = s ? s[i] : 0;
}

static void vfx_ring_copy_from(struct vfx_ring *r, bool ring_b, uint32_t off, void *dst,
			       uint32_t len)
{
	uint32_t d = vfx_ring_dsize(r, ring_b);
	uint8_t *o = dst;
	for (uint32_t i = 0; i < len; i++)
		o[i] = *vfx_ring_byte(r, ring_b, (off + i) % d);
}

void vfx_ring_poke(struct vfx_ring *r, uint32_t off, const void *src, uint32_t len)
{
	vfx_ring_copy_to(r, false, off, src, len);
}

int vfx_ring_send(struct vfx_ring *r, uint16_t type, uint16_t flags, uint64_t tid,
		  const void *payload, uint32_t len)
{
	uint32_t *c = vfx_ring_ctl(r, false);
	uint32_t d = vfx_ring_dsize(r, false);
	uint32_t wr = __atomic_load_n(&c[VFX_W_WRITE], __ATOMIC_ACQUIRE);
	uint32_t rd = __atomic_load_n(&c[VFX_W_READ], __ATOMIC_ACQUIRE);
	uint32_t padded = (16u + len + 7u) & ~7u;
	uint32_t need = padded + 8u;
	uint32_t freeb = wr >= rd ? d - (wr - rd) : rd - wr;
	if (freeb <= need)
		return -EAGAIN;
	struct vmbus_pkt_desc desc = { .type = type, .offset8 = 2, .len8 = (uint16_t)(padded / 8),
				       .flags = flags, .trans_id = tid };
	vfx_ring_copy_to(r, false, wr, &desc, sizeof desc);
	vfx_ring_copy_to(r, false, (wr + 16) % d, payload, len);
	vfx_ring_copy_to(r, false, (wr + 16 + len) % d, NULL, padded - 16 - len);
	uint64_t trailer = (uint64_t)wr << 32;
	vfx_ring_copy_to(r, false, (wr + padded) % d, &trailer, 8);
	uint32_t nw = (wr + need) % d;
	__atomic_store_n(&c[VFX_W_WRITE], nw, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return (__atomic_load_n(&c[VFX_W_MASK], __ATOMIC_ACQUIRE) == 0 &&
		__atomic_load_n(&c[VFX_W_READ], __ATOMIC_ACQUIRE) == wr) ? 1 : 0;
}

int vfx_ring_send_pkt(struct vfx_ring *r, const void *pkt, uint32_t len)
{
	uint32_t *c = vfx_ring_ctl(r, false);
	uint32_t d = vfx_ring_dsize(r, false);
	uint32_t wr = __atomic_load_n(&c[VFX_W_WRITE], __ATOMIC_ACQUIRE);
	uint32_t rd = __atomic_load_n(&c[VFX_W_READ], __ATOMIC_ACQUIRE);
	uint32_t freeb = wr >= rd ? d - (wr - rd) : rd - wr;
	assert_true(len % 8 == 0);
	if (freeb <= len + 8u)
		return -EAGAIN;
	vfx_ring_copy_to(r, false, wr, pkt, len);
	uint64_t trailer = (uint64_t)wr << 32;
	vfx_ring_copy_to(r, false, (wr + len) % d, &trailer, 8);
	__atomic_store_n(&c[VFX_W_WRITE], (wr + len + 8u) % d, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return (__atomic_load_n(&c[VFX_W_MASK], __ATOMIC_ACQUIRE) == 0 &&
		__atomic_load_n(&c[VFX_W_READ], __ATOMIC_ACQUIRE) == wr) ? 1 : 0;
}

int vfx_ring_recv(struct vfx_ring *r, void *buf, uint32_t cap)
{
	uint32_t *c = vfx_ring_ctl(r, true);
	uint32_t d = vfx_ring_dsize(r, true);
	uint32_t wr = __atomic_load_n(&c[VFX_W_WRITE], __ATOMIC_ACQUIRE);
	uint32_t rd = __atomic_load_n(&c[VFX_W_READ], __ATOMIC_ACQUIRE);
	if (wr == rd)
		return -EAGAIN;
	struct vmbus_pkt_desc desc;
	vfx_ring_copy_from(r, true, rd, &desc, sizeof desc);
	uint32_t len = desc.len8 * 8u;
	assert_true(len >= 16 && len <= cap);
	vfx_ring_copy_from(r, true, rd, buf, len);
	uint64_t trailer;
	vfx_ring_copy_from(r, true, (rd + len) % d, &trailer, 8);
	assert_int_equal(trailer >> 32, rd);
	__atomic_store_n(&c[VFX_W_READ], (rd + len + 8) % d, __ATOMIC_RELEASE);
	return (int)len;
}
