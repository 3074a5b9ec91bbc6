/* fuzz_gpadl.c -- the GPADL builder (guest vmbus_gpadl_create: header +
 * body messages) against the host's GPADL parser, round trip, in a booted
 * inproc guest: whatever page list the guest describes, the host must hold
 * exactly that list (pinned by the device: same PFNs, offset 0, whole
 * pages), or both must refuse it, and teardown must leave nothing behind.
 * Input: records {u8 flags, u16 npfn, then npfn x u16 page numbers (missing
 * ones: consecutive pages)}; flags bit 0: one PFN past guest memory, bit 1:
 * keep the GPADL until the end of the input (several live at once), bit 2:
 * destroy without pinning, bit 3: a DMA buffer of npfn % 64 pages through
 * vmbus_gpadl_create_dma instead of the list (no page numbers follow),
 * bit 4: the guest's next allocation fails (gk_alloc_fail_after) in the
 * create, or with bit 6 in the destroy (which is then retried), bit 5: the
 * host's allocation number u16 / 9001 fails (vmbs_alloc_fail_after), bit 6
 * without bit 4: the host device holds a pin across the destroy (the
 * teardown is deferred and the device's gpadl_teardown op lets go).  npfn
 * is u16 % 9001 (past the 8190 limit).  With an allocation failure armed a
 * refused valid list is fine.
 * Bit 7: a raw record instead, {flags, u16 len, len bytes}: the guest posts
 * the bytes as a GPADL_HEADER (flags & 3 = 0 or 3), GPADL_BODY (1) or
 * GPADL_TEARDOWN (2), the handle forced into 0xFFFFxxxx (never one of the
 * builder's), the relid the channel's unless bit 2; the host's answers
 * reach a guest that waits for none of them; the device then tries to pin
 * the handle (building, multi-range or unknown ones are refused).  What
 * raw records leave on the host is freed at the end of the input. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "guest_drivers/kern.h"
#include "guest_drivers/vmbus/vmbus.h"
#include "sim/devices/hostside.h"
#include "sim/guest/guest_actions.h"
#include "sim/guest/guest_vmbus.h"
#include "sim/guest/runtime.h"
#include "sim/guest/transport.h"
#include "sim/hostd/gmem.h"
#include "sim/hostd/partition.h"
#include "sim/hostd/profile.h"
#include "sim/hostd/vmbs.h"
#include "sim/hostd/vmbs_dev.h"
#include "sim/hostd/vmbs_var.h"
#include "guest_drivers/vmbus/vmbus_var.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_MEM    (8u << 20)
#define FZ_PAGES  (FZ_MEM / 4096u)
#define FZ_MAXPFN 9000u
#define FZ_LIVE   8u

static struct gk_runtime *fz_rt;
static struct hostside *fz_hs;
static struct vmbs_chan *fz_hch;        /* host end of the fuzz device */
static struct vmbus_channel *fz_gch;    /* guest end */
static uint64_t fz_pfn[FZ_MAXPFN];

/* The host device never gets packets (the guest sends none). */
static int fz_hpacket(struct vmbs_chan *ch, const struct vmbus_pkt_desc *d, const uint8_t *pkt,
		      uint32_t len)
{
	(void)ch;
	(void)d;
	(void)pkt;
	(void)len;
	return 0;
}

/* A guest teardown of a GPADL the device pinned: let go (bit 6). */
static void fz_hteardown(struct vmbs_chan *ch, uint32_t handle)
{
	vmbs_gpadl_unpin(ch, handle);
}

static const struct vmbs_dev_ops fz_hops = { .packet = fz_hpacket, .gpadl_teardown = fz_hteardown };

static int fz_attach(struct vmbus_device *dev)
{
	fz_gch = vmbus_device_channel(dev);
	return 0;
}

static void fz_detach(struct vmbus_device *dev)
{
	(void)dev;
	fz_gch = NULL;
}

static struct vmbus_driver fz_drv = {
	.name = "fzgp",
	.class_id = { .bytes = { 0xF7, 0x6A } },
	.attach = fz_attach,
	.detach = fz_detach,
};

static int fz_register(void *arg)
{
	(void)arg;
	return vmbus_driver_register(&fz_drv);
}

static bool fz_pump(void *arg)
{
	bool did = false;
	for (int i = 0; i < 16 && hostside_pump(arg); i++)
		did = true;
	return did;
}

static void fz_setup(void)
{
	struct gmem *gm = gmem_create(FZ_MEM);
	struct gk_transport *t = gm ? gk_inproc_create(gmem_ptr(gm, 0, FZ_MEM), FZ_MEM, 1) : NULL;
	struct part_config pc = { .profile = hv_profile_find("ws2022"), .nvcpus = 1 };
	struct part *p = t ? part_create(gm, &pc, gk_inproc_part_notify(), t) : NULL;
	if (!p)
		abort();
	gk_inproc_attach(t, p);
	struct hostside_config hc = { .vmbus = true };
	fz_hs = hostside_create(p, gm, &hc, NULL, NULL);
	if (!fz_hs)
		abort();
	struct vmbs_dev_params dp;
	memset(&dp, 0, sizeof dp);
	memcpy(dp.class_id.bytes, fz_drv.class_id.bytes, sizeof dp.class_id.bytes);
	dp.instance_id.bytes[0] = 1;
	fz_hch = vmbs_dev_add(hostside_vmbs(fz_hs), &dp, &fz_hops, NULL);
	if (!fz_hch)
		abort();
	gk_inproc_set_pump(t, fz_pump, fz_hs);
	struct gk_runtime_config rc = { .sched = GK_SCHED_INPROC, .seed = 1 };
	fz_rt = gk_runtime_create(t, &rc);
	struct gk_boot_report br;
	if (!fz_rt || gk_guest_boot(fz_rt, &br) || br.status)
		abort();
	if (gk_runtime_call(fz_rt, fz_register, NULL) != 0)
		abort();
	static struct gk_vmbus_report vr;
	if (gk_guest_vmbus_connect(fz_rt, 0, false, &vr) || vr.status || !fz_gch)
		abort();
	/* Everything lives for the whole process; each input cleans up. */
}

struct fz_in {
	const uint8_t *data;
	size_t size;
};

/* Host view of GPADL h must be exactly fz_pfn[0..n). */
static void fz_host_check(uint32_t h, uint32_t n)
{
	struct vmbs_pages pg;
	if (vmbs_gpadl_pin(fz_hch, h, &pg) != 0)
		abort();
	if (pg.npfn != n || pg.offset != 0 || pg.len != (uint64_t)n * 4096u ||
	    memcmp(pg.pfn, fz_pfn, n * sizeof fz_pfn[0]) != 0)
		abort();
	vmbs_gpadl_unpin(fz_hch, h);
}

static bool fz_never(void *arg)
{
	(void)arg;
	return false;
}

static struct kern_waitq *fz_wq;

/* Bit 7: a hand-made GPADL message from the guest (see the top comment). */
static void fz_raw(uint8_t flags, const uint8_t *b, uint32_t len)
{
	static const uint32_t type[4] = { VMBUS_MSG_GPADL_HEADER, VMBUS_MSG_GPADL_BODY,
					  VMBUS_MSG_GPADL_TEARDOWN, VMBUS_MSG_GPADL_HEADER };
	uint8_t msg[HV_MESSAGE_PAYLOAD_BYTES];
	memset(msg, 0, sizeof msg);
	if (len > sizeof msg)
		len = sizeof msg;
	memcpy(msg, b, len);
	if (len < sizeof(struct vmbus_msg_gpadl_header))
		len = sizeof(struct vmbus_msg_gpadl_header);
	uint32_t t = type[flags & 3], relid, handle;
	memcpy(msg, &t, 4);
	memcpy(&relid, msg + 8, 4);
	memcpy(&handle, msg + 12, 4);
	if (t != VMBUS_MSG_GPADL_BODY && !(flags & 4))
		relid = vmbus_chan_relid(fz_gch);
	handle |= 0xFFFF0000u;
	if (t != VMBUS_MSG_GPADL_BODY)
		memcpy(msg + 8, &relid, 4);
	memcpy(msg + 12, &handle, 4);
	if (vmbus_post(fz_gch->ch_sc, msg, len) != 0)
		abort();
	kern_wait(fz_wq, fz_never, NULL, 100000); /* the host answers meanwhile */
	struct vmbs_pages pg;
	if (vmbs_gpadl_pin(fz_hch, handle, &pg) == 0 && (pg.npfn == 0 || pg.offset != 0))
		abort();
	vmbs_gpadl_unpin(fz_hch, handle); /* unknown or unpinned: ignored */
}

static int fz_run(void *arg)
{
	struct fz_in *in = arg;
	struct vmbs *vb = hostside_vmbs(fz_hs);
	uint32_t base = vmbs_gpadl_count(vb);
	uint32_t live[FZ_LIVE];
	unsigned nlive = 0;
	size_t off = 0;
	if (!fz_wq && !(fz_wq = kern_waitq_create()))
		abort();
	while (in->size - off >= 3) {
		uint8_t flags = in->data[off];
		uint32_t n16 = (uint32_t)in->data[off + 1] | (uint32_t)in->data[off + 2] << 8;
		off += 3;
		if (flags & 0x80) {
			uint32_t len = n16 % (HV_MESSAGE_PAYLOAD_BYTES + 1);
			if (len > in->size - off)
				len = (uint32_t)(in->size - off);
			fz_raw(flags, in->data + off, len);
			off += len;
			continue;
		}
		uint32_t n = n16 % (FZ_MAXPFN + 1);
		bool dma = flags & 8;
		for (uint32_t i = 0; i < n && !dma; i++) {
			if (in->size - off >= 2) {
				fz_pfn[i] = ((uint32_t)in->data[off] | (uint32_t)in->data[off + 1] << 8) % FZ_PAGES;
				off += 2;
			} else {
				fz_pfn[i] = (i + 16u) % FZ_PAGES;
			}
		}
		struct kern_dma buf = { 0 };
		if (dma) {
			n %= 64;
			if (n && kern_dma_alloc(n, &buf) != 0)
				abort();
			for (uint32_t i = 0; i < n; i++)
				fz_pfn[i] = buf.gpa / 4096u + i;
		}
		bool bad = (flags & 1) && n > 0 && !dma;
		if (bad)
			fz_pfn[n / 2] = FZ_PAGES + n;
		bool gnomem = (flags & 0x50) == 0x10, dnomem = (flags & 0x50) == 0x50;
		bool nomem = gnomem || (flags & 0x20);
		uint32_t before = vmbs_gpadl_count(vb);
		if (gnomem)
			gk_alloc_fail_after(0);
		if (flags & 0x20)
			vmbs_alloc_fail_after(n16 / (FZ_MAXPFN + 1));
		uint32_t h = 0;
		int rc = dma ? vmbus_gpadl_create_dma(fz_gch, &buf, &h) : vmbus_gpadl_create(fz_gch, fz_pfn, n, &h);
		gk_alloc_fail_after(-1);
		vmbs_alloc_fail_after(-1);
		bool valid = n >= 1 && n <= VMBUS_GPADL_MAX_PFNS && !bad;
		bool room = before < VMBS_GPADL_MAX_PER_CHANNEL;
		if (rc == 0 && !valid)
			abort(); /* the host took a page list it must refuse */
		if (rc != 0 && valid && room && !nomem)
			abort(); /* a valid list was lost between builder and parser */
		if (rc == 0) {
			if (!(flags & 4))
				fz_host_check(h, n);
			struct vmbs_pages pg;
			if ((flags & 0x50) == 0x40 && vmbs_gpadl_pin(fz_hch, h, &pg) != 0)
				abort(); /* held until the guest's teardown (fz_hteardown) */
			if ((flags & 2) && nlive < FZ_LIVE) {
				live[nlive++] = h;
			} else {
				if (dnomem) {
					gk_alloc_fail_after(0);
					rc = vmbus_gpadl_destroy(fz_gch, h);
					gk_alloc_fail_after(-1);
					if (rc != -ENOMEM)
						abort(); /* the only allocation is the wait */
				}
				if (vmbus_gpadl_destroy(fz_gch, h) != 0)
					abort();
			}
		}
		if (dma && n)
			kern_dma_free(&buf);
	}
	for (unsigned i = 0; i < nlive; i++)
		if (vmbus_gpadl_destroy(fz_gch, live[i]) != 0)
			abort();
	/* Raw records' GPADLs (handles 0xFFFFxxxx) are nobody's to tear down;
	 * any other left is a leak. */
	for (const struct vmbs_gpadl *gp = vb->vb_gpadls; gp; gp = gp->gp_next)
		if (gp->gp_handle < 0xFFFF0000u)
			abort();
	vmbs_gpadl_free_all(vb, fz_hch);
	if (vmbs_gpadl_count(vb) != base)
		abort(); /* a GPADL outlived its teardown */
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!fz_rt)
		fz_setup();
	struct fz_in in = { data, size };
	gk_runtime_call(fz_rt, fz_run, &in);
	return 0;
}
