/* vmbs_chan.c -- channel lifetime (OPENCHANNEL, CLOSECHANNEL,
 * MODIFYCHANNEL), ring processing within a budget, signalling the guest by
 * era, and the send calls devices use. */
#include "sim/hostd/vmbs_var.h"
#include "sim/hostd/vmbs_check_var.h"
#include "sim/hostd/vmbs_fault_var.h"

#include <errno.h>
#include <string.h>

const char *vmbs_chan_state_name(enum vmbs_chan_state s)
{
	static const char *const names[] = {
		[VMBS_CHS_CLOSED] = "closed",
		[VMBS_CHS_OPEN] = "open",
		[VMBS_CHS_FAILED] = "failed",
	};
	return (unsigned)s < VMBS_CHS_COUNT ? names[s] : "?";
}

void vmbs_chan_set_state(struct vmbs_chan *ch, enum vmbs_chan_state s)
{
	if (ch->ch_state == s)
		return;
	vmbs_trace(ch->ch_vb, "vmbs: relid %u %s -> %s", ch->ch_relid,
		   vmbs_chan_state_name(ch->ch_state), vmbs_chan_state_name(s));
	ch->ch_state = s;
}

/* ---- accessors ---------------------------------------------------------------- */

void *vmbs_chan_ctx(const struct vmbs_chan *ch) { return ch->ch_ctx; }
void vmbs_chan_set_priv(struct vmbs_chan *ch, void *priv) { ch->ch_priv = priv; }
void *vmbs_chan_priv(const struct vmbs_chan *ch) { return ch->ch_priv; }
uint32_t vmbs_chan_relid(const struct vmbs_chan *ch) { return ch->ch_relid; }
uint16_t vmbs_chan_subidx(const struct vmbs_chan *ch) { return ch->ch_subidx; }
struct vmbs_chan *vmbs_chan_primary(struct vmbs_chan *ch) { return ch->ch_primary; }
bool vmbs_chan_is_open(const struct vmbs_chan *ch) { return ch->ch_state == VMBS_CHS_OPEN; }
uint32_t vmbs_chan_target_vp(const struct vmbs_chan *ch) { return ch->ch_target_vp; }
const uint8_t *vmbs_chan_open_data(const struct vmbs_chan *ch) { return ch->ch_open_data; }
uint32_t vmbs_chan_version(const struct vmbs_chan *ch) { return ch->ch_vb->vb_version; }
struct vmbs *vmbs_chan_server(const struct vmbs_chan *ch) { return ch->ch_vb; }
const struct vmbs_dev_params *vmbs_chan_params(const struct vmbs_chan *ch) { return ch->ch_params; }

/* ---- guest signals ---------------------------------------------------------------- */

void vmbs_chan_mark(struct vmbs_chan *ch)
{
	if (ch->ch_pending)
		return;
	ch->ch_pending = true;
	ch->ch_vb->vb_pending[ch->ch_relid / 64] |= 1ull << (ch->ch_relid % 64);
}

/* HvSignalEvent on the channel's connection id (1.1+). */
static void vmbs_chan_event(void *arg, uint32_t vp, uint16_t flag)
{
	(void)vp;
	(void)flag;
	struct vmbs_chan *ch = arg;
	ch->ch_vb->vb_st.signals_in++;
	VCHK_HOOK(ch->ch_vb, vchk_signal(ch));
	vmbs_chan_mark(ch);
	vmbs_kick(ch->ch_vb);
}

void vmbs_chan_signal_guest(struct vmbs_chan *ch)
{
	struct vmbs *vb = ch->ch_vb;
	int rc;
	if (vflt_on(vb) && vflt_irq_lose(ch))
		return;
	if (vb->vb_version < VMBUS_VERSION_WIN8) {
		/* 0.13 / 1.1: relid bit in the interrupt page, then the shared
		 * flag 0 of SINT 2 on VP 0. */
		vmbs_int_page_set(vb, ch->ch_relid);
		rc = synic_signal(vb->vb_part, 0, VMBUS_MESSAGE_SINT, VMBUS_LEGACY_EVENT_FLAG);
	} else {
		if (ch->ch_target_vp == VMBUS_TARGET_VP_NO_INTERRUPT)
			return;
		rc = synic_signal(vb->vb_part, ch->ch_target_vp, VMBUS_MESSAGE_SINT, ch->ch_relid);
	}
	vb->vb_st.signals_out++;
	if (rc)
		vb->vb_st.signals_lost++;
}

/* ---- open / close -------------------------------------------------------------- */

/* Stop the channel's I/O: device close (it may still send while it
 * finishes), unmap the rings, stop taking signals. */
static void vmbs_chan_stop(struct vmbs_chan *ch)
{
	struct vmbs *vb = ch->ch_vb;
	if (ch->ch_state == VMBS_CHS_OPEN && ch->ch_ops->close && !ch->ch_closing) {
		ch->ch_closing = true;
		ch->ch_ops->close(ch);
		ch->ch_closing = false;
	}
	vmbs_gpadl_drop_pins(vb, ch);
	hring_unmap(&ch->ch_in);
	hring_unmap(&ch->ch_out);
	if (!ch->ch_in_packet) {
		vmbs_free(ch->ch_pktbuf);
		ch->ch_pktbuf = NULL;
		ch->ch_pktcap = 0;
	}
	if (ch->ch_port) {
		part_port_remove(vb->vb_part, ch->ch_conn_id);
		ch->ch_port = false;
	}
	vb->vb_pending[ch->ch_relid / 64] &= ~(1ull << (ch->ch_relid % 64));
	ch->ch_pending = false;
}

void vmbs_chan_shutdown(struct vmbs_chan *ch)
{
	struct vmbs *vb = ch->ch_vb;
	if (ch->ch_state == VMBS_CHS_CLOSED)
		return;
	vmbs_chan_stop(ch);
	struct vmbs_gpadl *gp = ch->ch_ring_gpadl;
	ch->ch_ring_gpadl = NULL;
	vmbs_chan_set_state(ch, VMBS_CHS_CLOSED);
	vb->vb_st.closes++;
	vmbs_gpadl_ring_released(vb, gp);
}

void vmbs_chan_fail(struct vmbs_chan *ch, const char *why)
{
	struct vmbs *vb = ch->ch_vb;
	if (ch->ch_state != VMBS_CHS_OPEN || ch->ch_closing)
		return;
	vmbs_trace(vb, "vmbs: error: relid %u closed: %s", ch->ch_relid, why ? why : "?");
	VCHK_HOOK(vb, vchk_fail(ch, why));
	vb->vb_st.ring_corrupt++;
	vmbs_chan_stop(ch);
	vmbs_chan_set_state(ch, VMBS_CHS_FAILED);
}

static void vmbs_open_result(struct vmbs *vb, uint32_t relid, uint32_t openid, uint32_t status)
{
	struct vmbus_msg_open_result r;
	memset(&r, 0, sizeof r);
	r.hdr.msgtype = VMBUS_MSG_OPENCHANNEL_RESULT;
	r.child_relid = relid;
	r.openid = openid;
	r.status = status;
	if (status == VMBUS_STATUS_SUCCESS)
		vb->vb_st.opens++;
	else
		vb->vb_st.open_failures++;
	vmbs_send_msg(vb, &r, sizeof r);
}

static bool vmbs_vp_ok(const struct vmbs *vb, uint32_t vp)
{
	return vp < vb->vb_nvcpus || vp == VMBUS_TARGET_VP_NO_INTERRUPT;
}

/* Map the rings and start the device.  0 or the rejection. */
static int vmbs_chan_start(struct vmbs_chan *ch, const struct vmbus_msg_open *op,
			   enum vmbs_rej *why)
{
	struct vmbs *vb = ch->ch_vb;
	struct vmbs_gpadl *gp = vmbs_gpadl_find(vb, ch, op->ring_gpadl);
	const uint64_t *pfns = NULL;
	uint32_t npages = gp ? vmbs_gpadl_pages(gp, &pfns) : 0;
	if (!npages || gp->gp_in_use) {
		*why = VMBS_REJ_OPEN_GPADL; /* unknown, foreign, incomplete, torn down, odd shape */
		return -1;
	}
	uint32_t off = op->downstream_ring_pageoff;
	/* Each ring: one control page and at least one data page (QEMU);
	 * the total is whole pages by construction. */
	if (off < VMBUS_RING_MIN_PAGES || off > npages - VMBUS_RING_MIN_PAGES ||
	    npages < 2 * VMBUS_RING_MIN_PAGES ||
	    off > VMBS_RING_MAX_BYTES / HV_PAGE_SIZE ||
	    npages - off > VMBS_RING_MAX_BYTES / HV_PAGE_SIZE) {
		*why = VMBS_REJ_OPEN_OFFSET;
		return -1;
	}
	uint32_t vp = 0; /* below 2.4 channel interrupts go to VP 0 */
	if (vb->vb_version >= VMBUS_VERSION_WIN8) {
		if (!vmbs_vp_ok(vb, op->target_vp)) {
			*why = VMBS_REJ_OPEN_VP;
			return -1;
		}
		vp = op->target_vp;
	}
	int rc = hring_map(&ch->ch_in, vb->vb_gm, pfns, off, false);
	if (rc == 0)
		rc = hring_map(&ch->ch_out, vb->vb_gm, pfns + off, npages - off, true);
	if (rc) {
		vmbs_trace(vb, "vmbs: relid %u ring map failed (%d): %s", ch->ch_relid, rc,
			   ch->ch_in.hr_err ? ch->ch_in.hr_err :
			   ch->ch_out.hr_err ? ch->ch_out.hr_err : "-");
		*why = rc == -ENOMEM ? VMBS_REJ_OPEN_DEVICE : VMBS_REJ_OPEN_GPADL;
		goto fail_rings;
	}
	ch->ch_pktcap = ch->ch_in.hr_dsize < VMBUS_PKT_MAX_LEN ? ch->ch_in.hr_dsize
							       : VMBUS_PKT_MAX_LEN;
	/* Up to 128 KiB per channel that hring_in_next fills before anyone
	 * reads it: zeroing it cost more than the rest of an open. */
	ch->ch_pktbuf = vmbs_malloc(ch->ch_pktcap);
	if (!ch->ch_pktbuf) {
		*why = VMBS_REJ_OPEN_DEVICE;
		goto fail_rings;
	}
	/* 0.13 guests signal through connection 2; from 1.1 each channel has
	 * its own connection id (flag 0). */
	if (vb->vb_version >= VMBUS_VERSION_WIN7) {
		if (part_event_port_add(vb->vb_part, ch->ch_conn_id, 1, vmbs_chan_event, ch)) {
			*why = VMBS_REJ_OPEN_DEVICE;
			goto fail_buf;
		}
		ch->ch_port = true;
	}
	ch->ch_target_vp = vp;
	ch->ch_openid = op->openid;
	memcpy(ch->ch_open_data, op->user_data, sizeof ch->ch_open_data);
	/* Open before the device runs: it may send from open(). */
	ch->ch_state = VMBS_CHS_OPEN;
	if (ch->ch_ops->open && ch->ch_ops->open(ch) != 0) {
		ch->ch_state = VMBS_CHS_CLOSED;
		*why = VMBS_REJ_OPEN_DEVICE;
		goto fail_port;
	}
	ch->ch_state = VMBS_CHS_CLOSED;
	vmbs_chan_set_state(ch, VMBS_CHS_OPEN);
	gp->gp_in_use = true;
	ch->ch_ring_gpadl = gp;
	VCHK_HOOK(vb, vchk_open(ch));
	return 0;

fail_port:
	if (ch->ch_port) {
		part_port_remove(vb->vb_part, ch->ch_conn_id);
		ch->ch_port = false;
	}
fail_buf:
	vmbs_free(ch->ch_pktbuf);
	ch->ch_pktbuf = NULL;
fail_rings:
	hring_unmap(&ch->ch_in);
	hring_unmap(&ch->ch_out);
	return -1;
}

void vmbs_h_open(struct vmbs *vb, const struct part_posted_msg *m, uint32_t conn)
{
	(void)conn;
	struct vmbus_msg_open op;
	memcpy(&op, m->payload, sizeof op);
	struct vmbs_chan *ch = vmbs_chan_lookup(vb, op.child_relid);
	enum vmbs_rej why;
	if (!ch) {
		why = VMBS_REJ_UNKNOWN_RELID;
	} else if (ch->ch_rescinded || ch->ch_state != VMBS_CHS_CLOSED) {
		why = VMBS_REJ_OPEN_STATE;
	} else if (vmbs_chan_start(ch, &op, &why) == 0) {
		vmbs_open_result(vb, op.child_relid, op.openid, VMBUS_STATUS_SUCCESS);
		/* The guest may have queued packets before the result. */
		vmbs_chan_mark(ch);
		return;
	}
	/* RELIABILITY 5.3 #22: a failure status, the channel stays closed. */
	vmbs_reject(vb, why);
	vmbs_open_result(vb, op.child_relid, op.openid, VMBUS_STATUS_UNSUCCESSFUL);
}

void vmbs_h_close(struct vmbs *vb, const struct part_posted_msg *m, uint32_t conn)
{
	(void)conn;
	struct vmbus_msg_close cm;
	memcpy(&cm, m->payload, sizeof cm);
	struct vmbs_chan *ch = vmbs_chan_lookup(vb, cm.child_relid);
	if (!ch) {
		vmbs_reject(vb, VMBS_REJ_UNKNOWN_RELID);
		return;
	}
	if (ch->ch_state == VMBS_CHS_CLOSED) {
		vmbs_reject(vb, VMBS_REJ_CLOSE_NOT_OPEN);
		return;
	}
	VCHK_HOOK(vb, vchk_close(ch));
	vmbs_chan_shutdown(ch);
}

void vmbs_h_modify(struct vmbs *vb, const struct part_posted_msg *m, uint32_t conn)
{
	(void)conn;
	struct vmbus_msg_modify_channel mc;
	memcpy(&mc, m->payload, sizeof mc);
	struct vmbs_chan *ch = vmbs_chan_lookup(vb, mc.child_relid);
	if (!ch) {
		vmbs_reject(vb, VMBS_REJ_UNKNOWN_RELID);
		return;
	}
	uint32_t status = VMBUS_STATUS_SUCCESS;
	if (!vmbs_vp_ok(vb, mc.target_vp)) {
		vmbs_reject(vb, VMBS_REJ_OPEN_VP);
		status = VMBUS_STATUS_UNSUCCESSFUL;
	} else {
		ch->ch_target_vp = mc.target_vp;
	}
	/* The acknowledgement exists from 5.3. */
	if (vb->vb_version >= VMBUS_VERSION_WIN10_V5_3) {
		struct vmbus_msg_modify_channel_response r;
		memset(&r, 0, sizeof r);
		r.hdr.msgtype = VMBUS_MSG_MODIFYCHANNEL_RESPONSE;
		r.child_relid = mc.child_relid;
		r.status = (int32_t)status;
		vmbs_send_msg(vb, &r, sizeof r);
	}
}

/* ---- ring processing --------------------------------------------------------------- */

bool vmbs_chan_process(struct vmbs_chan *ch)
{
	struct vmbs *vb = ch->ch_vb;
	if (ch->ch_state != VMBS_CHS_OPEN)
		return false;
	if (vflt_on(vb) && vflt_stalled(ch))
		return false;
	/* A signal also means "space freed in the ring you write". */
	if (hring_out_unblocked(&ch->ch_out) && ch->ch_ops->writable) {
		ch->ch_ops->writable(ch);
		if (ch->ch_state != VMBS_CHS_OPEN)
			return false;
	}
	VCHK_HOOK(vb, vchk_rings(ch));
	struct hring_batch b;
	if (hring_in_begin(&ch->ch_in, &b) != 0) {
		vmbs_chan_fail(ch, ch->ch_in.hr_err);
		return false;
	}
	unsigned n;
	for (n = 0; n < VMBS_PKT_BUDGET; n++) {
		struct vmbus_pkt_desc d;
		uint32_t len;
		int rc = hring_in_next(&ch->ch_in, &b, ch->ch_pktbuf, ch->ch_pktcap, &d, &len);
		if (rc == -EAGAIN)
			break;
		if (rc) {
			vmbs_chan_fail(ch, ch->ch_in.hr_err);
			return false;
		}
		vb->vb_st.pkts_in++;
		if (vb->vb_cap_fn) {
			struct hring_iov whole = { ch->ch_pktbuf, len };
			vcap_pkt(ch, VMBS_CAP_G2H, &whole, 1);
		}
		VCHK_HOOK(vb, vchk_packet_in(ch, &d));
		ch->ch_in_packet = true;
		rc = ch->ch_ops->packet(ch, &d, ch->ch_pktbuf, len);
		ch->ch_in_packet = false;
		if (ch->ch_state != VMBS_CHS_OPEN) {
			/* Stopped while the device held the packet (its own send
			 * found the out ring corrupt): the buffer goes now. */
			vmbs_free(ch->ch_pktbuf);
			ch->ch_pktbuf = NULL;
			ch->ch_pktcap = 0;
			return false;
		}
		if (rc < 0) {
			vmbs_chan_fail(ch, "the device refused a packet");
			return false;
		}
	}
	if (hring_in_end(&ch->ch_in, &b))
		vmbs_chan_signal_guest(ch);
	if (n == VMBS_PKT_BUDGET) {
		vb->vb_st.budget_exhausted++;
		return true;
	}
	/* Packets written after our snapshot got no signal if the guest saw
	 * the ring non-empty: look again once read_index is published. */
	return hring_in_pending(&ch->ch_in);
}

/* ---- sending ------------------------------------------------------------------------ */

static int vmbs_chan_write(struct vmbs_chan *ch, const struct hring_iov *iov, unsigned niov)
{
	if (ch->ch_state != VMBS_CHS_OPEN)
		return -ENOTCONN;
	bool sig = false;
	int rc = hring_out_write(&ch->ch_out, iov, niov, &sig);
	if (rc == -EIO) {
		vmbs_chan_fail(ch, ch->ch_out.hr_err);
		return -EIO;
	}
	if (rc)
		return rc;
	ch->ch_vb->vb_st.pkts_out++;
	if (ch->ch_vb->vb_cap_fn)
		vcap_pkt(ch, VMBS_CAP_H2G, iov, niov);
	if (vchk_on(ch->ch_vb)) {
		struct vmbus_pkt_desc d;
		memcpy(&d, iov[0].base, sizeof d);
		vchk_sent(ch, d.type, d.trans_id, d.flags & VMBUS_PKT_FLAG_COMPLETION_REQUESTED);
	}
	if (sig)
		vmbs_chan_signal_guest(ch);
	return 0;
}

static int vmbs_desc_fill(struct vmbus_pkt_desc *d, uint16_t type, uint32_t hdr_len,
			  uint32_t payload_len, uint16_t flags, uint64_t tid)
{
	uint64_t total = (uint64_t)hdr_len + payload_len;
	if (total > VMBUS_PKT_MAX_LEN)
		return -EMSGSIZE;
	d->type = type;
	d->offset8 = (uint16_t)(hdr_len / 8u);
	d->len8 = (uint16_t)((total + 7u) / 8u);
	d->flags = flags;
	d->trans_id = tid;
	return 0;
}

int vmbs_chan_send_inband(struct vmbs_chan *ch, uint64_t tid, const void *payload,
			  uint32_t len, bool want_completion)
{
	struct vmbus_pkt_desc d;
	int rc = vmbs_desc_fill(&d, VMBUS_PKT_DATA_INBAND, sizeof d, len,
				want_completion ? VMBUS_PKT_FLAG_COMPLETION_REQUESTED : 0, tid);
	if (rc)
		return rc;
	struct hring_iov iov[2] = { { &d, sizeof d }, { payload, len } };
	return vmbs_chan_write(ch, iov, 2);
}

int vmbs_chan_send_completion(struct vmbs_chan *ch, uint64_t tid, const void *payload,
			      uint32_t len)
{
	struct vmbus_pkt_desc d;
	int rc = vmbs_desc_fill(&d, VMBUS_PKT_COMP, sizeof d, len, 0, tid);
	if (rc)
		return rc;
	struct hring_iov iov[2] = { { &d, sizeof d }, { payload, len } };
	return vmbs_chan_write(ch, iov, 2);
}

int vmbs_chan_send_xfer_pages(struct vmbs_chan *ch, uint64_t tid, uint16_t pageset_id,
			      const struct vmbus_xfer_page_range *ranges, uint32_t nranges,
			      const void *payload, uint32_t len)
{
	if (nranges == 0 || nranges > VMBUS_PKT_MAX_LEN / sizeof *ranges)
		return -EMSGSIZE;
	struct vmbus_pkt_xfer_pages h;
	memset(&h, 0, sizeof h);
	uint32_t hdr_len = (uint32_t)sizeof h + nranges * (uint32_t)sizeof *ranges;
	int rc = vmbs_desc_fill(&h.d, VMBUS_PKT_DATA_USING_XFER_PAGES, hdr_len, len,
				VMBUS_PKT_FLAG_COMPLETION_REQUESTED, tid);
	if (rc)
		return rc;
	h.xfer_pageset_id = pageset_id;
	h.range_count = nranges;
	struct hring_iov iov[3] = {
		{ &h, sizeof h },
		{ ranges, nranges * (uint32_t)sizeof *ranges },
		{ payload, len },
	};
	return vmbs_chan_write(ch, iov, 3);
}
