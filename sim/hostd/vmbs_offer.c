/* vmbs_offer.c -- devices and their channels: the relid table, offers
 * (REQUESTOFFERS, hot add, sub-channels), rescind and relid release. */
#include "sim/hostd/vmbs_var.h"
#include "sim/hostd/vmbs_check_var.h"

#include <errno.h>
#include <string.h>

/* Lowest free relid (dense from 1 in offer order, as on real hosts), or 0. */
static uint32_t vmbs_relid_alloc(struct vmbs *vb)
{
	if (vb->vb_nchan >= vb->vb_cfg.max_channels)
		return 0;
	for (uint32_t r = 1; r < VMBUS_RELID_LIMIT; r++)
		if (!vb->vb_chan[r])
			return r;
	return 0;
}

static struct vmbs_chan *vmbs_chan_new(struct vmbs *vb, struct vmbs_chan *primary,
				       const struct vmbs_dev_ops *ops, void *ctx)
{
	uint32_t relid = vmbs_relid_alloc(vb);
	if (!relid) {
		errno = ENOSPC;
		return NULL;
	}
	struct vmbs_chan *ch = vmbs_zalloc(sizeof *ch);
	if (!ch) {
		errno = ENOMEM;
		return NULL;
	}
	ch->ch_vb = vb;
	ch->ch_primary = primary ? primary : ch;
	ch->ch_ops = ops;
	ch->ch_ctx = ctx;
	ch->ch_relid = relid;
	ch->ch_conn_id = VMBS_CHAN_CONN_BASE + relid;
	ch->ch_monitor_id = VMBUS_MONITOR_ID_NONE;
	ch->ch_state = VMBS_CHS_CLOSED;
	vb->vb_chan[relid] = ch;
	vb->vb_nchan++;
	if (relid >= vb->vb_relid_end)
		vb->vb_relid_end = relid + 1;
	return ch;
}

struct vmbs_chan *vmbs_dev_add(struct vmbs *vb, const struct vmbs_dev_params *params,
			       const struct vmbs_dev_ops *ops, void *ctx)
{
	if (!vb || !params || !ops || !ops->packet) {
		errno = EINVAL;
		return NULL;
	}
	struct vmbs_dev_params *pc = vmbs_zalloc(sizeof *pc);
	if (!pc) {
		errno = ENOMEM;
		return NULL;
	}
	*pc = *params;
	struct vmbs_chan *ch = vmbs_chan_new(vb, NULL, ops, ctx);
	if (!ch) {
		vmbs_free(pc);
		return NULL;
	}
	ch->ch_params = pc;
	vmbs_trace(vb, "vmbs: device added, relid %u", ch->ch_relid);
	/* Hot add: a guest that already has its offers gets this one now. */
	if (vb->vb_state == VMBS_CONN_OFFERED)
		vmbs_offer_send(vb, ch);
	return ch;
}

void vmbs_offer_send(struct vmbs *vb, struct vmbs_chan *ch)
{
	const struct vmbs_dev_params *pp = ch->ch_params;
	struct vmbus_msg_offer o;
	memset(&o, 0, sizeof o);
	o.hdr.msgtype = VMBUS_MSG_OFFERCHANNEL;
	o.if_type = pp->class_id;
	o.if_instance = pp->instance_id;
	/* 0x2/0x4 mean confidential channels under 6.0 (vmbus.md 10 item 5);
	 * we never negotiate that, so they are never sent. */
	o.chan_flags = pp->chan_flags & (uint16_t)~(VMBUS_OFFER_FLAG_CONFIDENTIAL_RING |
						    VMBUS_OFFER_FLAG_CONFIDENTIAL_EXT_MEMORY);
	o.mmio_megabytes = pp->mmio_megabytes;
	memcpy(o.user_defined, pp->user_defined, sizeof o.user_defined);
	if (pp->pipe) {
		o.chan_flags |= VMBUS_OFFER_FLAG_NAMED_PIPE_MODE;
		memcpy(o.user_defined, &pp->pipe_mode, sizeof pp->pipe_mode);
	}
	/* Sub-channels exist from 2.4 (Win8). */
	o.sub_channel_index = vb->vb_version >= VMBUS_VERSION_WIN8 ? ch->ch_subidx : 0;
	o.child_relid = ch->ch_relid;
	vmbs_monitor_assign(vb, ch);
	o.monitorid = ch->ch_monitor_id;
	o.monitor_allocated = ch->ch_monitor_id != VMBUS_MONITOR_ID_NONE ?
			      VMBUS_OFFER_MONITOR_ALLOCATED : 0;
	/* is_dedicated_interrupt and connection_id exist from 1.1 (Win7);
	 * OVMM always sends dedicated = 1.  A 0.13 guest signals us on
	 * connection 2 through the interrupt page instead. */
	if (vb->vb_version >= VMBUS_VERSION_WIN7) {
		o.is_dedicated_interrupt = VMBUS_OFFER_DEDICATED_INTERRUPT;
		o.connection_id = ch->ch_conn_id;
	}
	ch->ch_offered = true;
	vb->vb_st.offers_sent++;
	vmbs_trace(vb, "vmbs: offer relid %u sub %u monitor %u conn 0x%x", ch->ch_relid,
		   ch->ch_subidx, ch->ch_monitor_id, o.connection_id);
	vmbs_send_msg(vb, &o, sizeof o);
}

void vmbs_h_request_offers(struct vmbs *vb, const struct part_posted_msg *m, uint32_t conn)
{
	(void)m;
	(void)conn;
	/* OVMM refuses a second REQUESTOFFERS on one connection: the guest
	 * would get every channel twice. */
	if (vb->vb_state == VMBS_CONN_OFFERED) {
		vmbs_reject(vb, VMBS_REJ_OFFERS_TWICE);
		return;
	}
	/* Primaries first, then sub-channels (vmbus.md 5.4 step 5). */
	for (int pass = 0; pass < 2; pass++) {
		for (uint32_t r = 1; r < vb->vb_relid_end; r++) {
			struct vmbs_chan *ch = vb->vb_chan[r];
			if (!ch || ch->ch_removed || ch->ch_offered)
				continue;
			if ((ch->ch_primary == ch) == (pass == 0))
				vmbs_offer_send(vb, ch);
		}
	}
	struct vmbus_msg_all_offers_delivered ad;
	memset(&ad, 0, sizeof ad);
	ad.hdr.msgtype = VMBUS_MSG_ALLOFFERS_DELIVERED;
	vmbs_trace(vb, "vmbs: state %s -> %s", vmbs_conn_state_name(vb->vb_state),
		   vmbs_conn_state_name(VMBS_CONN_OFFERED));
	vb->vb_state = VMBS_CONN_OFFERED;
	vmbs_send_msg(vb, &ad, sizeof ad);
}

struct vmbs_chan *vmbs_chan_lookup(struct vmbs *vb, uint32_t relid)
{
	if (!vmbs_relid_ok(relid))
		return NULL;
	struct vmbs_chan *ch = vb->vb_chan[relid];
	return ch && ch->ch_offered ? ch : NULL;
}

void vmbs_chan_free(struct vmbs_chan *ch)
{
	struct vmbs *vb = ch->ch_vb;
	if (ch->ch_primary == ch) {
		/* Sub-channels share the primary's parameters: they go first. */
		for (uint32_t r = 1; r < vb->vb_relid_end; r++) {
			struct vmbs_chan *s = vb->vb_chan[r];
			if (s && s != ch && s->ch_primary == ch)
				vmbs_chan_free(s);
		}
	}
	if (ch->ch_state != VMBS_CHS_CLOSED)
		vmbs_chan_shutdown(ch);
	vmbs_gpadl_free_all(vb, ch);
	vmbs_monitor_release(vb, ch);
	vb->vb_chan[ch->ch_relid] = NULL;
	vb->vb_nchan--;
	vb->vb_pending[ch->ch_relid / 64] &= ~(1ull << (ch->ch_relid % 64));
	vmbs_trace(vb, "vmbs: relid %u freed", ch->ch_relid);
	if (ch->ch_ops->rescinded)
		ch->ch_ops->rescinded(ch);
	if (ch->ch_primary == ch)
		vmbs_free(ch->ch_params);
	vmbs_free(ch);
}

void vmbs_chan_rescind(struct vmbs_chan *ch)
{
	struct vmbs *vb = ch->ch_vb;
	ch->ch_removed = true;
	if (!ch->ch_offered) {
		/* The guest never saw it: nothing to wait for. */
		vmbs_chan_free(ch);
		return;
	}
	struct vmbus_msg_rescind rm;
	memset(&rm, 0, sizeof rm);
	rm.hdr.msgtype = VMBUS_MSG_RESCIND_CHANNELOFFER;
	rm.child_relid = ch->ch_relid;
	ch->ch_rescinded = true;
	vb->vb_st.rescinds_sent++;
	vmbs_send_msg(vb, &rm, sizeof rm);
}

int vmbs_dev_remove(struct vmbs_chan *primary)
{
	if (!primary || primary->ch_primary != primary || primary->ch_removed)
		return -EINVAL;
	struct vmbs *vb = primary->ch_vb;
	/* Sub-channel rescinds go out before the primary's (OVMM). */
	for (uint32_t r = 1; r < vb->vb_relid_end; r++) {
		struct vmbs_chan *s = vb->vb_chan[r];
		if (s && s != primary && s->ch_primary == primary && !s->ch_removed)
			vmbs_chan_rescind(s);
	}
	vmbs_chan_rescind(primary);
	return 0;
}

void vmbs_h_relid_released(struct vmbs *vb, const struct part_posted_msg *m, uint32_t conn)
{
	(void)conn;
	struct vmbus_msg_relid_released rr;
	memcpy(&rr, m->payload, sizeof rr);
	struct vmbs_chan *ch = vmbs_chan_lookup(vb, rr.child_relid);
	if (!ch) {
		vmbs_reject(vb, VMBS_REJ_UNKNOWN_RELID);
		return;
	}
	/* RELIABILITY 5.3 #26: releasing a live channel is dropped (OVMM
	 * accepts it for a closed channel; we do not need to). */
	if (!ch->ch_rescinded) {
		vmbs_reject(vb, VMBS_REJ_RELEASE_NOT_RESCINDED);
		return;
	}
	/* A primary whose sub-channels are still waiting keeps them: they are
	 * released one by one; vmbs_chan_free takes any left with it. */
	vb->vb_st.relids_released++;
	VCHK_HOOK(vb, vchk_released(ch));
	vmbs_chan_free(ch);
}

int vmbs_chan_offer_subchannels(struct vmbs_chan *primary, uint16_t n)
{
	if (!primary || primary->ch_primary != primary || primary->ch_removed)
		return -EINVAL;
	struct vmbs *vb = primary->ch_vb;
	if (vb->vb_state != VMBS_CONN_OFFERED || vb->vb_version < VMBUS_VERSION_WIN8)
		return -ENOTCONN;
	if (n == 0)
		return 0;
	int done = 0;
	while (n-- && primary->ch_nsub < primary->ch_params->max_subchannels) {
		struct vmbs_chan *s = vmbs_chan_new(vb, primary, primary->ch_ops, primary->ch_ctx);
		if (!s)
			break;
		s->ch_params = primary->ch_params;
		s->ch_subidx = ++primary->ch_nsub;
		vmbs_offer_send(vb, s);
		done++;
	}
	return done ? done : -ENOSPC;
}
