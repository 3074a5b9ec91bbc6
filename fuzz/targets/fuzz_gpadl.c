/* fuzz_gpadl.c -- the GPADL builder (guest vmbus_gpadl_create: header +
 * body messages) against the host's GPADL parser, round trip, in a booted
 * inproc guest: whatever page list the guest describes, the host must hold
 * exactly that list (pinned by the device: same PFNs, offset 0, whole
 * pages), or both must refuse it, and teardown must leave nothing behind.
 * Input: records {u8 flags, u16 npfn, then npfn x u16 page numbers (missing
 * ones: consecutive pages)}; flags bit 0: one PFN past guest memory, bit 1:
 * keep the GPADL until the end of the input (several live at once), bit 2:
 * destroy without pinning.  npfn up to 9000 (past the 8190 limit). */
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

static const struct vmbs_dev_ops fz_hops = { .packet = fz_hpacket };

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

static int fz_run(void *arg)
{
	struct fz_in *in = arg;
	struct vmbs *vb = hostside_vmbs(fz_hs);
	uint32_t base = vmbs_gpadl_count(vb);
	uint32_t live[FZ_LIVE];
	unsigned nlive = 0;
	size_t off = 0;
	while (in->size - off >= 3) {
		uint8_t flags = in->data[off];
		uint32_t n = ((uint32_t)in->data[off + 1] | (uint32_t)in->data[off + 2] << 8) % (FZ_MAXPFN + 1);
		off += 3;
		for (uint32_t i = 0; i < n; i++) {
			if (in->size - off >= 2) {
				fz_pfn[i] = ((uint32_t)in->data[off] | (uint32_t)in->data[off + 1] << 8) % FZ_PAGES;
				off += 2;
			} else {
				fz_pfn[i] = (i + 16u) % FZ_PAGES;
			}
		}
		bool bad = (flags & 1) && n > 0;
		if (bad)
			fz_pfn[n / 2] = FZ_PAGES + n;
		uint32_t h = 0;
		int rc = vmbus_gpadl_create(fz_gch, fz_pfn, n, &h);
		bool valid = n >= 1 && n <= VMBUS_GPADL_MAX_PFNS && !bad;
		bool room = nlive < VMBS_GPADL_MAX_PER_CHANNEL;
		if (rc == 0 && !valid)
			abort(); /* the host took a page list it must refuse */
		if (rc != 0 && valid && room)
			abort(); /* a valid list was lost between builder and parser */
		if (rc != 0)
			continue;
		if (!(flags & 4))
			fz_host_check(h, n);
		if ((flags & 2) && nlive < FZ_LIVE)
			live[nlive++] = h;
		else if (vmbus_gpadl_destroy(fz_gch, h) != 0)
			abort();
	}
	for (unsigned i = 0; i < nlive; i++)
		if (vmbus_gpadl_destroy(fz_gch, live[i]) != 0)
			abort();
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
