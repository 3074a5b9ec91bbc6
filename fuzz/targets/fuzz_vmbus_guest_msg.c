/* fuzz_vmbus_guest_msg.c -- the guest VMBus driver's channel-message
 * handler against a hostile host.  A minimal host in this file answers
 * INITIATE_CONTACT (accepts 5.3), GPADLs and opens correctly; the input
 * supplies everything else as records {u8 len, len bytes} posted to the
 * guest's SINT2: the records before a 0xFF separator arrive after
 * REQUESTOFFERS (offers, junk, early replies), then ALLOFFERS_DELIVERED,
 * the rest after bring-up (hot add, rescinds, stray replies).  A driver
 * bound to the NIC class opens every device it gets (and reads its
 * accessors).  A record of length 0xFE is a target option instead: the
 * guest's allocation number (next byte) from now fails (gk_alloc_fail_after),
 * so offers, GPADLs and opens meet out-of-memory.  Invariants: bring-up
 * returns, teardown leaves no heap block and no DMA page behind. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "guest_drivers/hyperv/hyperv.h"
#include "guest_drivers/kern.h"
#include "guest_drivers/vmbus/vmbus.h"
#include "hyperv/vmbus_guid.h"
#include "sim/guest/runtime.h"
#include "sim/guest/transport.h"
#include "sim/hostd/gmem.h"
#include "sim/hostd/partition.h"
#include "sim/hostd/profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_MEM (16u << 20)

static struct gmem *fz_gm;
static struct gk_transport *fz_t;
static struct part *fz_p;
static struct gk_runtime *fz_rt;

static const uint8_t *fz_data;
static size_t fz_size, fz_pos;

static void put32(uint8_t *b, size_t off, uint32_t v)
{
	memcpy(b + off, &v, 4);
}

static uint32_t get32(const uint8_t *b, size_t off)
{
	uint32_t v;
	memcpy(&v, b + off, 4);
	return v;
}

static void to_guest(const void *m, uint32_t len)
{
	if (len == 0 || len > 240)
		return;
	synic_post(fz_p, 0, 2, 1, 0, m, len);
}

static void reply_u32s(uint32_t type, const uint32_t *w, unsigned n)
{
	uint8_t b[64];
	memset(b, 0, sizeof b);
	put32(b, 0, type);
	for (unsigned i = 0; i < n; i++)
		put32(b, 8 + 4 * i, w[i]);
	to_guest(b, 8 + 4 * n);
}

/* Post input records until the separator or the end. */
static void play_records(void)
{
	while (fz_pos < fz_size) {
		uint8_t len = fz_data[fz_pos++];
		if (len == 0xFF)
			return;
		if (len == 0xFE) {
			if (fz_pos < fz_size)
				gk_alloc_fail_after(fz_data[fz_pos++]);
			continue;
		}
		if (len > 240)
			len = 240;
		size_t n = fz_size - fz_pos < len ? fz_size - fz_pos : len;
		uint8_t b[240];
		memset(b, 0, sizeof b);
		memcpy(b, fz_data + fz_pos, n);
		fz_pos += n;
		to_guest(b, len ? len : 1);
	}
}

static uint32_t gpadl_left, gpadl_relid, gpadl_handle;

static void host_msg(const uint8_t *m, uint32_t len)
{
	uint32_t type = len >= 4 ? get32(m, 0) : 0;
	switch (type) {
	case 14: { /* INITIATE_CONTACT */
		uint8_t r[16] = { 0 };
		put32(r, 0, 15);
		r[8] = 1;
		put32(r, 12, 1);
		to_guest(r, 16);
		break;
	}
	case 3: /* REQUESTOFFERS */
		play_records();
		reply_u32s(4, NULL, 0);
		break;
	case 8: { /* GPADL_HEADER */
		gpadl_relid = get32(m, 8);
		gpadl_handle = get32(m, 12);
		uint32_t total = ((uint32_t)m[16] | (uint32_t)m[17] << 8) / 8u - 1u;
		uint32_t here = (len - 28) / 8;
		gpadl_left = total > here ? total - here : 0;
		if (!gpadl_left) {
			uint32_t w[3] = { gpadl_relid, gpadl_handle, 0 };
			reply_u32s(10, w, 3);
		}
		break;
	}
	case 9: { /* GPADL_BODY */
		uint32_t here = (len - 16) / 8;
		gpadl_left = gpadl_left > here ? gpadl_left - here : 0;
		if (!gpadl_left) {
			uint32_t w[3] = { gpadl_relid, gpadl_handle, 0 };
			reply_u32s(10, w, 3);
		}
		break;
	}
	case 11: { /* GPADL_TEARDOWN */
		uint32_t w = get32(m, 12);
		reply_u32s(12, &w, 1);
		break;
	}
	case 5: { /* OPENCHANNEL */
		uint32_t w[3] = { get32(m, 8), get32(m, 12), 0 };
		reply_u32s(6, w, 3);
		break;
	}
	case 16: /* UNLOAD */
		reply_u32s(17, NULL, 0);
		break;
	default:
		break;
	}
}

static bool fz_pump(void *arg)
{
	(void)arg;
	bool did = false;
	struct part_posted_msg pm;
	while (part_port_recv(fz_p, 1, &pm) == 0 || part_port_recv(fz_p, 4, &pm) == 0) {
		host_msg(pm.payload, pm.payload_size);
		did = true;
	}
	return did;
}

/* The inproc scheduler polls the host only after guest work or a time
 * step: make a posted message due now (see tests/unit/helpers). */
static void fz_ready(void *arg)
{
	(void)arg;
	gk_inproc_part_notify()->deadline(fz_t, part_time(fz_p));
}

static void on_pkt(struct vmbus_channel *ch, const struct vmbus_pkt *p, void *arg)
{
	(void)ch;
	(void)p;
	(void)arg;
}

static int fz_softc;

static int fz_attach(struct vmbus_device *dev)
{
	/* What a real driver reads at attach: all of it from the offer. */
	struct vmbus_channel *ch = vmbus_device_channel(dev);
	if (!vmbus_device_class(dev) || !vmbus_device_instance(dev) || vmbus_chan_device(ch) != dev ||
	    !vmbus_chan_user_defined(ch) || vmbus_device_count() == 0 || !vmbus_device_at(0))
		abort();
	(void)vmbus_device_name(dev);
	(void)vmbus_device_unit(dev);
	vmbus_device_set_softc(dev, &fz_softc);
	if (vmbus_device_softc(dev) != &fz_softc)
		abort();
	(void)vmbus_chan_relid(ch);
	(void)vmbus_chan_subidx(ch);
	(void)vmbus_chan_offer_flags(ch);
	(void)vmbus_chan_rescinded(ch);
	(void)vmbus_chan_subchannel(ch, 1);
	return vmbus_chan_open(ch, 8192, 8192, NULL, 0, on_pkt, NULL);
}

static void fz_detach(struct vmbus_device *dev)
{
	vmbus_chan_close(vmbus_device_channel(dev));
}

static void fz_sub(struct vmbus_device *dev, struct vmbus_channel *sub)
{
	(void)dev;
	vmbus_chan_open(sub, 8192, 8192, NULL, 0, on_pkt, NULL);
}

static struct vmbus_driver fz_drv = { .name = "hn", .class_id = { VMBUS_GUID_NETVSC },
				      .attach = fz_attach, .detach = fz_detach,
				      .subchannel = fz_sub };

static bool never(void *arg)
{
	(void)arg;
	return false;
}

static int run_in_guest(void *arg)
{
	(void)arg;
	struct vmbus_config cfg = { .timeout_ns = 1000000 };
	vmbus_driver_register(&fz_drv);
	int rc = vmbus_init(&cfg);
	if (rc == 0) {
		play_records();
		struct kern_waitq *wq = kern_waitq_create();
		if (wq)
			kern_wait(wq, never, NULL, 2000000);
		kern_waitq_destroy(wq);
	}
	gk_alloc_fail_after(-1);
	vmbus_fini();
	vmbus_driver_unregister(&fz_drv);
	return 0;
}

static int boot(void *arg)
{
	(void)arg;
	return hyperv_init(NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!fz_rt) {
		fz_gm = gmem_create(FZ_MEM);
		fz_t = gk_inproc_create(gmem_ptr(fz_gm, 0, FZ_MEM), FZ_MEM, 1);
		struct part_config pc = { .profile = hv_profile_find("ws2022"), .nvcpus = 1 };
		fz_p = part_create(fz_gm, &pc, gk_inproc_part_notify(), fz_t);
		if (!fz_p)
			abort();
		gk_inproc_attach(fz_t, fz_p);
		gk_inproc_set_pump(fz_t, fz_pump, NULL);
		if (part_msg_port_add(fz_p, 1, fz_ready, NULL) || part_msg_port_add(fz_p, 4, fz_ready, NULL))
			abort();
		struct gk_runtime_config rc = { .sched = GK_SCHED_INPROC, .seed = 1, .log_level = -1 };
		fz_rt = gk_runtime_create(fz_t, &rc);
		if (!fz_rt || gk_runtime_call(fz_rt, boot, NULL))
			abort();
	}
	fz_data = data;
	fz_size = size;
	fz_pos = 0;
	long heap = gk_alloc_outstanding();
	size_t pages = gk_dma_pages_used();
	gk_runtime_call(fz_rt, run_in_guest, NULL);
	if (gk_alloc_outstanding() != heap || gk_dma_pages_used() != pages)
		abort();
	return 0;
}
