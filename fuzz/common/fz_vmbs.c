/* fz_vmbs.c -- the negotiated host VMBus fixture shared by fuzz targets. */
#include "fuzz/common/fz_vmbs.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "hyperv/hv_tlfs.h"
#include "hyperv/vmbus_msg.h"
#include "sim/hostd/gmem.h"
#include "sim/hostd/partition.h"
#include "sim/hostd/profile.h"
#include "sim/hostd/vmbs.h"
#include "sim/hostd/vmbs_check.h"
#include "sim/hostd/vmbs_dev.h"

static struct gmem *fz_gm;

/* The device: GPA-direct packets go through the guest-memory API, in-band
 * 0xDD/0xDC + u32 handle pins/unpins a GPADL, 0xEE is a protocol error. */
static int fz_packet(struct vmbs_chan *ch, const struct vmbus_pkt_desc *d, const uint8_t *pkt,
		     uint32_t len)
{
	uint32_t off = d->offset8 * 8u;
	if (d->type == VMBUS_PKT_DATA_USING_GPA_DIRECT) {
		static struct vmbs_gpa_list gl;
		if (vmbs_pkt_gpa_parse(ch, d, pkt, len, &gl) == 0) {
			uint8_t tmp[64];
			const struct vmbs_pages *r = &gl.range[0];
			size_t n = r->len < sizeof tmp ? (size_t)r->len : sizeof tmp;
			if (vmbs_pages_read(ch, r, 0, tmp, n) == 0)
				(void)vmbs_pages_write(ch, r, r->len - n, tmp, n);
		}
	}
	if (d->type == VMBUS_PKT_DATA_INBAND && len - off >= 5 &&
	    (pkt[off] == 0xDD || pkt[off] == 0xDC)) {
		uint32_t h;
		memcpy(&h, pkt + off + 1, sizeof h);
		struct vmbs_pages pg;
		if (pkt[off] == 0xDD)
			(void)vmbs_gpadl_pin(ch, h, &pg);
		else
			vmbs_gpadl_unpin(ch, h);
	}
	if (d->type == VMBUS_PKT_DATA_INBAND && (d->flags & VMBUS_PKT_FLAG_COMPLETION_REQUESTED))
		(void)vmbs_chan_send_completion(ch, d->trans_id, pkt + off, len - off);
	if (len - off > 0 && pkt[off] == 0xEE)
		return -1;
	return 0;
}

/* The fixture in use (one at a time per process). */
static struct fz_vmbs *fz_cur;

/* The server freed a channel (rescind + release, or bus reset after a
 * removal): forget our pointer to it. */
static void fz_rescinded(struct vmbs_chan *ch)
{
	if (fz_cur && fz_cur->dev1 == ch)
		fz_cur->dev1 = NULL;
	if (fz_cur && fz_cur->dev2 == ch)
		fz_cur->dev2 = NULL;
}

static const struct vmbs_dev_ops fz_ops = { .packet = fz_packet, .rescinded = fz_rescinded };

static struct vmbs_chan *fz_add(struct vmbs *vb, uint8_t tag, bool monitor)
{
	struct vmbs_dev_params p;
	memset(&p, 0, sizeof p);
	p.class_id.bytes[0] = tag;
	p.instance_id.bytes[15] = tag;
	p.wants_monitor = monitor;
	p.max_subchannels = 4;
	return vmbs_dev_add(vb, &p, &fz_ops, NULL);
}

void fz_vmbs_post(struct fz_vmbs *f, uint32_t conn, const void *msg, uint32_t len)
{
	struct hv_input_post_message in;
	memset(&in, 0, sizeof in);
	in.connection_id = conn;
	in.message_type = HVMSG_VMBUS;
	in.payload_size = len > 240 ? 240 : len;
	memcpy(in.payload, msg, in.payload_size);
	gmem_write(f->gm, FZ_VMBS_IN, &in, sizeof in);
	(void)part_hypercall(f->p, 0, HVCALL_POST_MESSAGE, FZ_VMBS_IN, 0);
}

void fz_vmbs_drain(struct fz_vmbs *f)
{
	for (uint32_t vp = 0; vp < 2; vp++) {
		struct hv_message *m = gmem_ptr(f->gm, FZ_VMBS_SIMP(vp) + 2 * 256, 256);
		if (m->header.message_type == HVMSG_NONE)
			continue;
		m->header.message_type = HVMSG_NONE;
		if (m->header.flags & HV_MSG_FLAG_PENDING)
			(void)part_wrmsr(f->p, vp, HV_MSR_EOM, 0);
	}
}

void fz_vmbs_pump(struct fz_vmbs *f)
{
	for (int k = 0; k < 4 && vmbs_pump(f->vb); k++)
		;
	if (vmbs_gpadl_count(f->vb) > FZ_VMBS_MAX_GPADLS)
		abort();
}

void fz_vmbs_setup(struct fz_vmbs *f, bool check)
{
	if (!fz_gm) {
		fz_gm = gmem_create(FZ_VMBS_MEM);
		if (!fz_gm)
			abort();
	}
	memset(f, 0, sizeof *f);
	fz_cur = f;
	f->gm = fz_gm;
	memset(gmem_ptr(fz_gm, 0, FZ_VMBS_MEM), 0, FZ_VMBS_MEM);
	struct part_config pc = { .profile = hv_profile_find("ws2022"), .nvcpus = 2 };
	f->p = part_create(fz_gm, &pc, NULL, NULL);
	if (!f->p)
		abort();
	part_wrmsr(f->p, 0, HV_MSR_GUEST_OS_ID, 0x810000050F000000ull);
	part_wrmsr(f->p, 0, HV_MSR_HYPERCALL, 0x1000 | HV_HYPERCALL_ENABLE);
	for (uint32_t vp = 0; vp < 2; vp++) {
		part_wrmsr(f->p, vp, HV_MSR_SIMP, FZ_VMBS_SIMP(vp) | HV_OVERLAY_ENABLE);
		part_wrmsr(f->p, vp, HV_MSR_SIEFP, FZ_VMBS_SIEF(vp) | HV_OVERLAY_ENABLE);
		part_wrmsr(f->p, vp, HV_MSR_SINT0 + 2, 0xF3);
		part_wrmsr(f->p, vp, HV_MSR_SCONTROL, HV_SCONTROL_ENABLE);
	}
	struct vmbs_config cfg = { .max_channels = 16, .max_gpadls = FZ_VMBS_MAX_GPADLS };
	f->vb = vmbs_create(f->p, fz_gm, &cfg, NULL, NULL);
	if (!f->vb || (check && vmbs_check_enable(f->vb) != 0))
		abort();
	f->dev1 = fz_add(f->vb, 1, true);
	f->dev2 = fz_add(f->vb, 2, false);

	struct vmbus_msg_initiate_contact ic;
	memset(&ic, 0, sizeof ic);
	ic.hdr.msgtype = VMBUS_MSG_INITIATE_CONTACT;
	ic.version_requested = VMBUS_VERSION_WIN10_V5_3;
	ic.u.v5.msg_sint = 2;
	ic.monitor_page1 = FZ_VMBS_MON1;
	ic.monitor_page2 = FZ_VMBS_MON2;
	fz_vmbs_post(f, 4, &ic, sizeof ic);
	vmbs_pump(f->vb);
	fz_vmbs_drain(f);
	struct vmbus_msg_request_offers ro = { .hdr.msgtype = VMBUS_MSG_REQUESTOFFERS };
	fz_vmbs_post(f, 1, &ro, sizeof ro);
	vmbs_pump(f->vb);
	for (int i = 0; i < 4; i++) {
		fz_vmbs_drain(f);
		vmbs_pump(f->vb);
	}
	uint8_t gm[240] = { 0 };
	struct vmbus_msg_gpadl_header gh = { .hdr.msgtype = VMBUS_MSG_GPADL_HEADER, .child_relid = 1,
					     .gpadl = 0x100, .range_buflen = 8 + 8 * 8, .rangecount = 1 };
	struct vmbus_gpa_range_hdr rh = { .byte_count = 8 * 4096 };
	memcpy(gm, &gh, sizeof gh);
	memcpy(gm + 20, &rh, sizeof rh);
	for (uint64_t i = 0; i < 8; i++) {
		uint64_t pfn = (FZ_VMBS_RING >> 12) + i;
		memcpy(gm + 28 + i * 8, &pfn, 8);
	}
	fz_vmbs_post(f, 1, gm, 28 + 64);
	vmbs_pump(f->vb);
	fz_vmbs_drain(f);
	struct vmbus_msg_open op = { .hdr.msgtype = VMBUS_MSG_OPENCHANNEL, .child_relid = 1,
				     .openid = 1, .ring_gpadl = 0x100, .target_vp = 1,
				     .downstream_ring_pageoff = 4 };
	fz_vmbs_post(f, 1, &op, sizeof op);
	vmbs_pump(f->vb);
	fz_vmbs_drain(f);
}

void fz_vmbs_teardown(struct fz_vmbs *f)
{
	vmbs_destroy(f->vb);
	part_destroy(f->p);
	fz_cur = NULL;
	f->vb = NULL;
	f->p = NULL;
}

void fz_vmbs_action(struct fz_vmbs *f, uint8_t op, const uint8_t *b, uint8_t len)
{
	switch (op % 8) {
	case 0:
	case 1:
		fz_vmbs_post(f, op % 8 ? 4 : 1, b, len);
		break;
	case 2:
		if (len >= 2) {
			uint16_t off;
			memcpy(&off, b, 2);
			size_t n = (size_t)len - 2;
			if (n > 0x10000u - off)
				n = 0x10000u - off;
			gmem_write(f->gm, FZ_VMBS_AREA + off, b + 2, n);
		}
		break;
	case 3:
		(void)part_hypercall(f->p, 0, HVCALL_SIGNAL_EVENT | HV_HC_FAST,
				     0x2000u + (len ? b[0] : 1), 0);
		(void)part_hypercall(f->p, 0, HVCALL_SIGNAL_EVENT | HV_HC_FAST, 2, 0);
		break;
	case 4:
		fz_vmbs_drain(f);
		break;
	case 5:
		if (f->dev2) {
			vmbs_dev_remove(f->dev2);
			f->dev2 = NULL;
		} else {
			f->dev2 = fz_add(f->vb, 2, len & 1);
		}
		break;
	case 6:
		gmem_write(f->gm, FZ_VMBS_MON2 + 8, b, len > 32 ? 32 : len);
		break;
	case 7:
		if (f->dev1 && vmbs_chan_by_relid(f->vb, vmbs_chan_relid(f->dev1)) == f->dev1)
			(void)vmbs_chan_offer_subchannels(f->dev1, len ? b[0] % 8 : 1);
		break;
	}
}
