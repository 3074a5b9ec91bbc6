/* vmbs_capture.c -- the capture tap: turn a message or ring packet the
 * server handled into one record for the installed callback. */
#include "sim/hostd/vmbs_var.h"
#include "sim/hostd/vmbs_fault_var.h"

#include <string.h>

void vmbs_capture_set(struct vmbs *vb, vmbs_capture_fn *fn, void *arg)
{
	vb->vb_cap_fn = fn;
	vb->vb_cap_arg = fn ? arg : NULL;
}

void vcap_msg(struct vmbs *vb, uint8_t dir, uint32_t conn, uint32_t vp, const void *msg,
	      uint32_t len)
{
	struct vmbs_cap_rec r;
	memset(&r, 0, sizeof r);
	r.kind = VMBS_CAP_MSG;
	r.dir = dir;
	r.conn = (uint16_t)conn;
	r.vp = vp;
	r.ref_time = part_time(vb->vb_part);
	struct vmbus_msg_hdr h;
	if (len >= sizeof h) {
		memcpy(&h, msg, sizeof h);
		/* Types beyond u16 are garbage from the guest; keep the low
		 * bits, the payload still carries the real value. */
		r.type = (uint16_t)h.msgtype;
		r.relid = vflt_msg_relid(h.msgtype, msg, len, dir == VMBS_CAP_H2G);
	}
	struct vmbs_cap_seg seg = { msg, len };
	vb->vb_cap_fn(vb->vb_cap_arg, &r, &seg, 1);
}

void vcap_pkt(struct vmbs_chan *ch, uint8_t dir, const struct hring_iov *iov, unsigned niov)
{
	struct vmbs *vb = ch->ch_vb;
	struct vmbs_cap_rec r;
	memset(&r, 0, sizeof r);
	r.kind = VMBS_CAP_PKT;
	r.dir = dir;
	r.relid = ch->ch_relid;
	r.subidx = ch->ch_subidx;
	r.vp = ch->ch_target_vp;
	r.class_id = ch->ch_params ? &ch->ch_params->class_id : NULL;
	r.ref_time = part_time(vb->vb_part);
	struct vmbus_pkt_desc d;
	if (niov && iov[0].len >= sizeof d) {
		memcpy(&d, iov[0].base, sizeof d);
		r.type = d.type;
	}
	/* Every caller passes at most 3 pieces (xfer-page header, ranges,
	 * payload); more would be a server bug, cut rather than overflow. */
	struct vmbs_cap_seg seg[4];
	unsigned n = niov < 4 ? niov : 4;
	for (unsigned i = 0; i < n; i++) {
		seg[i].base = iov[i].base;
		seg[i].len = iov[i].len;
	}
	vb->vb_cap_fn(vb->vb_cap_arg, &r, seg, n);
}
