/* fuzz_vmbs_msg.c -- the host VMBus server's channel-message dispatcher,
 * starting from a negotiated state (5.3 on ws2022, 2 vCPUs, two devices
 * offered, channel 1 open on an 8-page ring).  Input: a sequence of
 * records {u8 op, u8 len, len bytes}:
 *   op % 8 == 0: HvPostMessage of the bytes on connection 1
 *   1: the same on connection 4
 *   2: write bytes into guest memory at the ring/GPADL area (u16 offset first)
 *   3: HvSignalEvent on connection 0x2000 + byte 0 (and on 2)
 *   4: take and EOM the SIMP slots of both vCPUs
 *   5: device 2 removed / added again
 *   6: write the monitor page's pending words (4 x u32)
 *   7: sub-channels offered for device 1 (count = byte 0)
 * The device parses GPA-direct packets (vmbs_pkt_gpa_parse, then copies
 * through range 0) and pins / unpins GPADLs on in-band 0xDD / 0xDC + handle.
 * After each record the server is pumped.  Invariants: GPADLs within the
 * cap, outbound queue within its capacity, no leak after destroy. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hyperv/hv_tlfs.h"
#include "hyperv/vmbus_msg.h"
#include "sim/hostd/gmem.h"
#include "sim/hostd/partition.h"
#include "sim/hostd/profile.h"
#include "sim/hostd/vmbs.h"
#include "sim/hostd/vmbs_dev.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_MEM      (2u << 20)
#define FZ_SIMP(vp)  (0x10000ull + (vp) * 0x2000ull)
#define FZ_SIEF(vp)  (0x11000ull + (vp) * 0x2000ull)
#define FZ_IN       0x20000ull
#define FZ_MON1     0x21000ull
#define FZ_MON2     0x22000ull
#define FZ_RING     0x40000ull  /* 8 pages, GPADL 0x100 of relid 1 */
#define FZ_AREA     0x40000ull  /* what op 2 may write: 64 KiB */

static struct gmem *fz_gm;

static int fz_packet(struct vmbs_chan *ch, const struct vmbus_pkt_desc *d, const uint8_t *pkt,
		     uint32_t len)
{
	uint32_t off = d->offset8 * 8u;
	if (d->type == VMBUS_PKT_DATA_USING_GPA_DIRECT) {
		/* The device-memory path: parse, then touch both ends of range 0. */
		static struct vmbs_gpa_list gl;
		if (vmbs_pkt_gpa_parse(ch, d, pkt, len, &gl) == 0) {
			uint8_t tmp[64];
			const struct vmbs_pages *r = &gl.range[0];
			size_t n = r->len < sizeof tmp ? (size_t)r->len : sizeof tmp;
			if (vmbs_pages_read(ch, r, 0, tmp, n) == 0)
				(void)vmbs_pages_write(ch, r, r->len - n, tmp, n);
		}
	}
	/* In-band 0xDD <u32 handle>: pin that GPADL; 0xDC: unpin. */
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
		return -1; /* device-detected violation */
	return 0;
}

static const struct vmbs_dev_ops fz_ops = { .packet = fz_packet };

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

static void fz_post(struct part *p, uint32_t conn, const void *msg, uint32_t len)
{
	struct hv_input_post_message in;
	memset(&in, 0, sizeof in);
	in.connection_id = conn;
	in.message_type = HVMSG_VMBUS;
	in.payload_size = len > 240 ? 240 : len;
	memcpy(in.payload, msg, in.payload_size);
	gmem_write(fz_gm, FZ_IN, &in, sizeof in);
	(void)part_hypercall(p, 0, HVCALL_POST_MESSAGE, FZ_IN, 0);
}

static void fz_drain(struct part *p)
{
	for (uint32_t vp = 0; vp < 2; vp++) {
		struct hv_message *m = gmem_ptr(fz_gm, FZ_SIMP(vp) + 2 * 256, 256);
		if (m->header.message_type == HVMSG_NONE)
			continue;
		m->header.message_type = HVMSG_NONE;
		if (m->header.flags & HV_MSG_FLAG_PENDING)
			(void)part_wrmsr(p, vp, HV_MSR_EOM, 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!fz_gm) {
		fz_gm = gmem_create(FZ_MEM);
		if (!fz_gm)
			abort();
	}
	memset(gmem_ptr(fz_gm, 0, FZ_MEM), 0, FZ_MEM);
	struct part_config pc = { .profile = hv_profile_find("ws2022"), .nvcpus = 2 };
	struct part *p = part_create(fz_gm, &pc, NULL, NULL);
	if (!p)
		abort();
	part_wrmsr(p, 0, HV_MSR_GUEST_OS_ID, 0x810000050F000000ull);
	part_wrmsr(p, 0, HV_MSR_HYPERCALL, 0x1000 | HV_HYPERCALL_ENABLE);
	for (uint32_t vp = 0; vp < 2; vp++) {
		part_wrmsr(p, vp, HV_MSR_SIMP, FZ_SIMP(vp) | HV_OVERLAY_ENABLE);
		part_wrmsr(p, vp, HV_MSR_SIEFP, FZ_SIEF(vp) | HV_OVERLAY_ENABLE);
		part_wrmsr(p, vp, HV_MSR_SINT0 + 2, 0xF3);
		part_wrmsr(p, vp, HV_MSR_SCONTROL, HV_SCONTROL_ENABLE);
	}
	struct vmbs_config cfg = { .max_channels = 16, .max_gpadls = 32 };
	struct vmbs *vb = vmbs_create(p, fz_gm, &cfg, NULL, NULL);
	if (!vb)
		abort();
	struct vmbs_chan *dev1 = fz_add(vb, 1, true);
	struct vmbs_chan *dev2 = fz_add(vb, 2, false);

	/* Negotiate, take offers, create the ring GPADL, open channel 1. */
	struct vmbus_msg_initiate_contact ic;
	memset(&ic, 0, sizeof ic);
	ic.hdr.msgtype = VMBUS_MSG_INITIATE_CONTACT;
	ic.version_requested = VMBUS_VERSION_WIN10_V5_3;
	ic.u.v5.msg_sint = 2;
	ic.monitor_page1 = FZ_MON1;
	ic.monitor_page2 = FZ_MON2;
	fz_post(p, 4, &ic, sizeof ic);
	vmbs_pump(vb);
	fz_drain(p);
	struct vmbus_msg_request_offers ro = { .hdr.msgtype = VMBUS_MSG_REQUESTOFFERS };
	fz_post(p, 1, &ro, sizeof ro);
	vmbs_pump(vb);
	for (int i = 0; i < 4; i++) {
		fz_drain(p);
		vmbs_pump(vb);
	}
	uint8_t gm[240] = { 0 };
	struct vmbus_msg_gpadl_header gh = { .hdr.msgtype = VMBUS_MSG_GPADL_HEADER, .child_relid = 1,
					     .gpadl = 0x100, .range_buflen = 8 + 8 * 8, .rangecount = 1 };
	struct vmbus_gpa_range_hdr rh = { .byte_count = 8 * 4096 };
	memcpy(gm, &gh, sizeof gh);
	memcpy(gm + 20, &rh, sizeof rh);
	for (uint64_t i = 0; i < 8; i++) {
		uint64_t pfn = (FZ_RING >> 12) + i;
		memcpy(gm + 28 + i * 8, &pfn, 8);
	}
	fz_post(p, 1, gm, 28 + 64);
	vmbs_pump(vb);
	fz_drain(p);
	struct vmbus_msg_open op = { .hdr.msgtype = VMBUS_MSG_OPENCHANNEL, .child_relid = 1,
				     .openid = 1, .ring_gpadl = 0x100, .target_vp = 1,
				     .downstream_ring_pageoff = 4 };
	fz_post(p, 1, &op, sizeof op);
	vmbs_pump(vb);
	fz_drain(p);

	size_t i = 0;
	while (i + 2 <= size) {
		uint8_t opc = data[i], len = data[i + 1];
		i += 2;
		if (len > size - i)
			len = (uint8_t)(size - i);
		const uint8_t *b = data + i;
		i += len;
		switch (opc % 8) {
		case 0:
		case 1:
			fz_post(p, opc % 8 ? 4 : 1, b, len);
			break;
		case 2:
			if (len >= 2) {
				uint16_t off;
				memcpy(&off, b, 2);
				gmem_write(fz_gm, FZ_AREA + off, b + 2,
					   (size_t)len - 2 > 0x10000u - off ? 0x10000u - off : (size_t)len - 2);
			}
			break;
		case 3:
			(void)part_hypercall(p, 0, HVCALL_SIGNAL_EVENT | HV_HC_FAST,
					     0x2000u + (len ? b[0] : 1), 0);
			(void)part_hypercall(p, 0, HVCALL_SIGNAL_EVENT | HV_HC_FAST, 2, 0);
			break;
		case 4:
			fz_drain(p);
			break;
		case 5:
			if (dev2) {
				vmbs_dev_remove(dev2);
				dev2 = NULL;
			} else {
				dev2 = fz_add(vb, 2, len & 1);
			}
			break;
		case 6:
			gmem_write(fz_gm, FZ_MON2 + 8, b, len > 32 ? 32 : len);
			break;
		case 7:
			if (dev1 && vmbs_chan_by_relid(vb, vmbs_chan_relid(dev1)) == dev1)
				(void)vmbs_chan_offer_subchannels(dev1, len ? b[0] % 8 : 1);
			break;
		}
		for (int k = 0; k < 4 && vmbs_pump(vb); k++)
			;
		if (vmbs_gpadl_count(vb) > cfg.max_gpadls)
			abort();
	}
	vmbs_destroy(vb);
	part_destroy(p);
	return 0;
}
