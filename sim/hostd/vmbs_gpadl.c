/* vmbs_gpadl.c -- GPADLs: GPADL_HEADER + GPADL_BODY assembly, validation of
 * every range and PFN (RELIABILITY.md 5.4), caps, teardown (deferred while a
 * ring uses it). */
#include "sim/hostd/vmbs_var.h"
#include "sim/hostd/vmbs_fault_var.h"

#include <errno.h>
#include <string.h>

#include "sim/hostd/gmem.h"

static void vmbs_gpadl_created(struct vmbs *vb, uint32_t relid, uint32_t handle, uint32_t status)
{
	struct vmbus_msg_gpadl_created gc;
	memset(&gc, 0, sizeof gc);
	gc.hdr.msgtype = VMBUS_MSG_GPADL_CREATED;
	gc.child_relid = relid;
	gc.gpadl = handle;
	gc.creation_status = status;
	if (status == VMBUS_STATUS_SUCCESS)
		vb->vb_st.gpadls_created++;
	else
		vb->vb_st.gpadls_failed++;
	vmbs_send_msg(vb, &gc, sizeof gc);
}

/* Refuse a GPADL: counted, answered with a failure status so the guest
 * does not wait (OpenVMM's 0x8000FFFF). */
static void vmbs_gpadl_refuse(struct vmbs *vb, uint32_t relid, uint32_t handle, enum vmbs_rej why)
{
	vmbs_reject(vb, why);
	vmbs_gpadl_created(vb, relid, handle, VMBUS_STATUS_UNSUCCESSFUL);
}

/* The GPADL 'handle' of channel 'ch'; ch NULL: the one being built under
 * that handle on any channel (BODY messages carry no relid). */
struct vmbs_gpadl *vmbs_gpadl_find(struct vmbs *vb, struct vmbs_chan *ch, uint32_t handle)
{
	for (struct vmbs_gpadl *gp = vb->vb_gpadls; gp; gp = gp->gp_next) {
		if (gp->gp_handle != handle)
			continue;
		if (ch ? gp->gp_chan == ch : gp->gp_state == VMBS_GP_BUILDING)
			return gp;
	}
	return NULL;
}

static void vmbs_gpadl_free(struct vmbs *vb, struct vmbs_gpadl *gp)
{
	for (struct vmbs_gpadl **pp = &vb->vb_gpadls; *pp; pp = &(*pp)->gp_next) {
		if (*pp == gp) {
			*pp = gp->gp_next;
			break;
		}
	}
	gp->gp_chan->ch_ngpadl--;
	vb->vb_ngpadl--;
	vmbs_free(gp->gp_buf);
	vmbs_free(gp);
}

void vmbs_gpadl_free_all(struct vmbs *vb, struct vmbs_chan *ch)
{
	struct vmbs_gpadl **pp = &vb->vb_gpadls;
	while (*pp) {
		struct vmbs_gpadl *gp = *pp;
		if (ch && gp->gp_chan != ch) {
			pp = &gp->gp_next;
			continue;
		}
		*pp = gp->gp_next;
		gp->gp_chan->ch_ngpadl--;
		vb->vb_ngpadl--;
		if (gp->gp_chan->ch_ring_gpadl == gp)
			gp->gp_chan->ch_ring_gpadl = NULL;
		vmbs_free(gp->gp_buf);
		vmbs_free(gp);
	}
}

/* All range bytes arrived: check every range (OVMM checks once the whole
 * buffer is there).  0 or the rejection. */
static int vmbs_gpadl_parse(struct vmbs *vb, const struct vmbs_gpadl *gp, enum vmbs_rej *why)
{
	uint32_t off = 0, len = gp->gp_buflen;
	/* rangecount <= buflen / 16 was checked at the header: bounded. */
	for (uint32_t i = 0; i < gp->gp_rangecount; i++) {
		struct vmbus_gpa_range_hdr rh;
		if (len - off < sizeof rh) {
			*why = VMBS_REJ_GPADL_HEADER; /* fewer ranges than rangecount */
			return -1;
		}
		memcpy(&rh, gp->gp_buf + off, sizeof rh);
		off += sizeof rh;
		if (rh.byte_count == 0 || rh.byte_offset > VMBUS_GPA_RANGE_MAX_OFFSET) {
			*why = VMBS_REJ_GPADL_RANGE;
			return -1;
		}
		/* u64: byte_offset + byte_count cannot wrap. */
		uint64_t npfn = ((uint64_t)rh.byte_offset + rh.byte_count + HV_PAGE_SIZE - 1) /
				HV_PAGE_SIZE;
		if (npfn > (len - off) / 8u) {
			*why = VMBS_REJ_GPADL_RANGE; /* too few PFNs for the range */
			return -1;
		}
		for (uint64_t k = 0; k < npfn; k++) {
			uint64_t pfn;
			memcpy(&pfn, gp->gp_buf + off, sizeof pfn);
			off += 8;
			if (!gmem_pfn_ok(vb->vb_gm, pfn)) {
				*why = VMBS_REJ_GPADL_PFN;
				return -1;
			}
		}
	}
	if (off != len) {
		*why = VMBS_REJ_GPADL_RANGE; /* more PFNs than the ranges describe */
		return -1;
	}
	return 0;
}

static void vmbs_gpadl_complete(struct vmbs *vb, struct vmbs_gpadl *gp)
{
	enum vmbs_rej why;
	uint32_t relid = gp->gp_chan->ch_relid, handle = gp->gp_handle;
	if (vflt_on(vb) && vflt_gpadl_fail(vb, relid)) {
		vmbs_gpadl_free(vb, gp);
		vmbs_gpadl_created(vb, relid, handle, VMBUS_STATUS_UNSUCCESSFUL);
		return;
	}
	if (vmbs_gpadl_parse(vb, gp, &why) != 0) {
		vmbs_gpadl_free(vb, gp);
		vmbs_gpadl_refuse(vb, relid, handle, why);
		return;
	}
	gp->gp_state = VMBS_GP_READY;
	vmbs_trace(vb, "vmbs: gpadl 0x%x relid %u ready, %u range bytes", handle, relid,
		   gp->gp_buflen);
	vmbs_gpadl_created(vb, relid, handle, VMBUS_STATUS_SUCCESS);
}

/* Append up to 'avail' bytes of ranges; excess beyond range_buflen is
 * ignored (RELIABILITY 5.4 #34), a partial PFN too. */
static void vmbs_gpadl_append(struct vmbs_gpadl *gp, const uint8_t *src, uint32_t avail)
{
	avail &= ~7u;
	uint32_t room = gp->gp_buflen - gp->gp_have;
	uint32_t n = avail < room ? avail : room;
	memcpy(gp->gp_buf + gp->gp_have, src, n);
	gp->gp_have += n;
}

void vmbs_h_gpadl_header(struct vmbs *vb, const struct part_posted_msg *m, uint32_t conn)
{
	(void)conn;
	struct vmbus_msg_gpadl_header gh;
	memcpy(&gh, m->payload, sizeof gh);
	/* Accepted on a rescinded channel until its relid is released (OVMM). */
	struct vmbs_chan *ch = vmbs_chan_lookup(vb, gh.child_relid);
	if (!ch) {
		vmbs_reject(vb, VMBS_REJ_UNKNOWN_RELID);
		return;
	}
	/* In-progress handles are unique across channels (BODY has no relid);
	 * complete ones per channel. */
	if (vmbs_gpadl_find(vb, NULL, gh.gpadl) || vmbs_gpadl_find(vb, ch, gh.gpadl)) {
		vmbs_gpadl_refuse(vb, ch->ch_relid, gh.gpadl, VMBS_REJ_GPADL_DUP);
		return;
	}
	if (ch->ch_ngpadl >= VMBS_GPADL_MAX_PER_CHANNEL || vb->vb_ngpadl >= vb->vb_cfg.max_gpadls) {
		vmbs_gpadl_refuse(vb, ch->ch_relid, gh.gpadl, VMBS_REJ_GPADL_CAP);
		return;
	}
	/* Each range is 8 bytes of header and at least one PFN; the buffer is
	 * whole u64s (RELIABILITY 5.4 #28, #29: the QEMU underflow). */
	if (gh.rangecount == 0 || gh.range_buflen % 8u ||
	    gh.range_buflen < 16u * (uint32_t)gh.rangecount) {
		vmbs_gpadl_refuse(vb, ch->ch_relid, gh.gpadl, VMBS_REJ_GPADL_HEADER);
		return;
	}
	if ((gh.range_buflen - 8u * (uint32_t)gh.rangecount) / 8u > VMBS_GPADL_MAX_PFNS) {
		vmbs_gpadl_refuse(vb, ch->ch_relid, gh.gpadl, VMBS_REJ_GPADL_CAP);
		return;
	}
	struct vmbs_gpadl *gp = vmbs_zalloc(sizeof *gp);
	uint8_t *buf = gp ? vmbs_zalloc(gh.range_buflen) : NULL;
	if (!buf) {
		vmbs_free(gp);
		vmbs_gpadl_refuse(vb, ch->ch_relid, gh.gpadl, VMBS_REJ_GPADL_NOMEM);
		return;
	}
	gp->gp_chan = ch;
	gp->gp_handle = gh.gpadl;
	gp->gp_state = VMBS_GP_BUILDING;
	gp->gp_rangecount = gh.rangecount;
	gp->gp_buflen = gh.range_buflen;
	gp->gp_buf = buf;
	gp->gp_next = vb->vb_gpadls;
	vb->vb_gpadls = gp;
	ch->ch_ngpadl++;
	vb->vb_ngpadl++;
	vmbs_gpadl_append(gp, m->payload + sizeof gh, m->payload_size - (uint32_t)sizeof gh);
	if (gp->gp_have == gp->gp_buflen)
		vmbs_gpadl_complete(vb, gp);
}

void vmbs_h_gpadl_body(struct vmbs *vb, const struct part_posted_msg *m, uint32_t conn)
{
	(void)conn;
	struct vmbus_msg_gpadl_body gb;
	memcpy(&gb, m->payload, sizeof gb);
	struct vmbs_gpadl *gp = vmbs_gpadl_find(vb, NULL, gb.gpadl);
	if (!gp) {
		vmbs_reject(vb, VMBS_REJ_GPADL_BODY_UNKNOWN);
		return;
	}
	vmbs_gpadl_append(gp, m->payload + sizeof gb, m->payload_size - (uint32_t)sizeof gb);
	if (gp->gp_have == gp->gp_buflen)
		vmbs_gpadl_complete(vb, gp);
}

static void vmbs_gpadl_torndown(struct vmbs *vb, struct vmbs_gpadl *gp)
{
	struct vmbus_msg_gpadl_torndown td;
	memset(&td, 0, sizeof td);
	td.hdr.msgtype = VMBUS_MSG_GPADL_TORNDOWN;
	td.gpadl = gp->gp_handle;
	vmbs_gpadl_free(vb, gp);
	vb->vb_st.gpadls_torndown++;
	vmbs_send_msg(vb, &td, sizeof td);
}

void vmbs_h_gpadl_teardown(struct vmbs *vb, const struct part_posted_msg *m, uint32_t conn)
{
	(void)conn;
	struct vmbus_msg_gpadl_teardown gt;
	memcpy(&gt, m->payload, sizeof gt);
	struct vmbs_chan *ch = vmbs_chan_lookup(vb, gt.child_relid);
	if (!ch) {
		vmbs_reject(vb, VMBS_REJ_UNKNOWN_RELID);
		return;
	}
	struct vmbs_gpadl *gp = vmbs_gpadl_find(vb, ch, gt.gpadl);
	if (!gp || gp->gp_state == VMBS_GP_TEARDOWN) {
		vmbs_reject(vb, VMBS_REJ_TEARDOWN_UNKNOWN); /* unknown, or twice */
		return;
	}
	if (gp->gp_in_use || gp->gp_pins) {
		/* The open ring or the device still maps it (RELIABILITY 5.4
		 * #36): answer when they let go, never leave a dangling mapping. */
		gp->gp_state = VMBS_GP_TEARDOWN;
		vb->vb_st.teardowns_deferred++;
		vmbs_trace(vb, "vmbs: gpadl 0x%x teardown deferred until relid %u lets go",
			   gp->gp_handle, ch->ch_relid);
		/* Last use of gp here: the callback may unpin, which frees it. */
		if (gp->gp_pins && ch->ch_ops->gpadl_teardown)
			ch->ch_ops->gpadl_teardown(ch, gt.gpadl);
		return;
	}
	/* Includes a GPADL still being built: the guest gave up on it. */
	vmbs_gpadl_torndown(vb, gp);
}

void vmbs_gpadl_ring_released(struct vmbs *vb, struct vmbs_gpadl *gp)
{
	if (!gp)
		return;
	gp->gp_in_use = false;
	if (gp->gp_state == VMBS_GP_TEARDOWN && !gp->gp_pins)
		vmbs_gpadl_torndown(vb, gp);
}

void vmbs_gpadl_drop_pins(struct vmbs *vb, struct vmbs_chan *ch)
{
	struct vmbs_gpadl *gp = vb->vb_gpadls;
	while (gp) {
		struct vmbs_gpadl *next = gp->gp_next;
		if (gp->gp_chan == ch && gp->gp_pins) {
			gp->gp_pins = 0;
			if (gp->gp_state == VMBS_GP_TEARDOWN && !gp->gp_in_use)
				vmbs_gpadl_torndown(vb, gp);
		}
		gp = next;
	}
}

int vmbs_gpadl_pin(struct vmbs_chan *ch, uint32_t handle, struct vmbs_pages *out)
{
	struct vmbs *vb = ch->ch_vb;
	struct vmbs_gpadl *gp = vmbs_gpadl_find(vb, ch, handle);
	if (!gp)
		return -ENOENT;
	if (gp->gp_state != VMBS_GP_READY)
		return -EBUSY;
	const uint64_t *pfn;
	uint32_t npfn = vmbs_gpadl_pages(gp, &pfn);
	if (!npfn)
		return -EINVAL;
	for (uint32_t i = 0; i < npfn; i++)
		if (!gmem_pfn_ok(vb->vb_gm, pfn[i]))
			return -EFAULT;
	gp->gp_pins++;
	out->pfn = pfn;
	out->npfn = npfn;
	out->offset = 0;
	out->len = (uint64_t)npfn * HV_PAGE_SIZE;
	return 0;
}

void vmbs_gpadl_unpin(struct vmbs_chan *ch, uint32_t handle)
{
	struct vmbs *vb = ch->ch_vb;
	struct vmbs_gpadl *gp = vmbs_gpadl_find(vb, ch, handle);
	if (!gp || !gp->gp_pins)
		return;
	if (--gp->gp_pins == 0 && gp->gp_state == VMBS_GP_TEARDOWN && !gp->gp_in_use)
		vmbs_gpadl_torndown(vb, gp);
}

uint32_t vmbs_gpadl_pages(const struct vmbs_gpadl *gp, const uint64_t **pfns)
{
	if (gp->gp_state != VMBS_GP_READY || gp->gp_rangecount != 1)
		return 0;
	struct vmbus_gpa_range_hdr rh;
	memcpy(&rh, gp->gp_buf, sizeof rh);
	uint32_t npfn = (gp->gp_buflen - (uint32_t)sizeof rh) / 8u;
	if (rh.byte_offset != 0 || (uint64_t)rh.byte_count != (uint64_t)npfn * HV_PAGE_SIZE)
		return 0;
	/* gp_buf comes from calloc, so +8 is u64-aligned. */
	*pfns = (const uint64_t *)(const void *)(gp->gp_buf + sizeof rh);
	return npfn;
}
