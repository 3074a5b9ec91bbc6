/* fuzz_storvsc_completion.c -- hostile host packets into the guest storvsc
 * driver's completion path (RELIABILITY 5.10): a channel-less controller
 * with live requests, in a booted inproc guest.  Input: records
 * {u8 sel, u8 arg, u16 len, len bytes}:
 *   sel & 3      packet type: completion, in-band, transfer-page, other
 *   sel & 4      tid of live slot 'arg' (else the first 8 bytes, LE)
 *   sel & 8      first queue a bio (op = arg & 3, lba/len from arg)
 *   sel & 0x10   on the second channel
 *   sel & 0x20   WIN7 sizes for the next controller (applies at start)
 *   sel & 0x40   let 5 ms of guest time pass (retries, timeouts)
 * Invariants: no crash, every bio completes, no leak. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "guest_drivers/kern.h"
#include "guest_drivers/storvsc/storvsc_var.h"
#include "guest_drivers/vmbus/vmbus.h"
#include "hyperv/vmbus_ring.h"
#include "sim/guest/guest_actions.h"
#include "sim/guest/runtime.h"
#include "sim/guest/transport.h"
#include "sim/hostd/gmem.h"
#include "sim/hostd/partition.h"
#include "sim/hostd/profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_MEM (16u << 20)

static struct gk_runtime *fz_rt;

static int fz_init(void *arg)
{
	(void)arg;
	struct storvsc_config cfg = { .io_timeout_ns = 20000000, .busy_delay_ns = 1000000,
				      .queue_depth = 16 };
	return storvsc_init(&cfg);
}

static void fz_setup(void)
{
	struct gmem *gm = gmem_create(FZ_MEM);
	struct gk_transport *t = gk_inproc_create(gmem_ptr(gm, 0, FZ_MEM), FZ_MEM, 1);
	struct part_config pc = { .profile = hv_profile_find("ws2019"), .nvcpus = 1 };
	struct part *p = part_create(gm, &pc, gk_inproc_part_notify(), t);
	gk_inproc_attach(t, p);
	struct gk_runtime_config rc = { .sched = GK_SCHED_INPROC, .seed = 1 };
	fz_rt = gk_runtime_create(t, &rc);
	struct gk_boot_report br;
	if (!fz_rt || gk_guest_boot(fz_rt, &br) || br.status || gk_runtime_call(fz_rt, fz_init, NULL))
		abort();
	/* Memory, transport and partition live for the whole process. */
}

struct fz_in {
	const uint8_t *data;
	size_t size;
};

static bool never(void *arg)
{
	(void)arg;
	return false;
}

static int fz_run(void *arg)
{
	struct fz_in *in = arg;
	static uint8_t buf[16 + 4096 + 8];
	size_t pages = gk_dma_pages_used();
	bool win7 = in->size && (in->data[0] & 0x20);
	struct stv_ctrl *c = stv_fuzz_ctrl_new(win7 ? VSTOR_VERSION_WIN7 : VSTOR_VERSION_WIN10);
	if (!c)
		abort();
	size_t off = 0;
	while (in->size - off >= 4) {
		uint8_t sel = in->data[off], a = in->data[off + 1];
		uint32_t len = (uint32_t)in->data[off + 2] | (uint32_t)in->data[off + 3] << 8;
		off += 4;
		if (len > in->size - off)
			len = (uint32_t)(in->size - off);
		if (len > 4096)
			len = 4096;
		if (sel & 8)
			stv_fuzz_submit(c, a & 3, (uint64_t)a * 7u, a, a & 0x80);
		uint64_t tid = 0;
		if (sel & 4)
			tid = stv_fuzz_tid(c, a);
		else if (len >= 8)
			memcpy(&tid, in->data + off, 8);
		uint32_t plen = (len + 7u) & ~7u;
		memset(buf, 0, 16 + plen);
		memcpy(buf + 16, in->data + off, len);
		off += len;
		static const uint16_t types[4] = { VMBUS_PKT_COMP, VMBUS_PKT_DATA_INBAND,
						   VMBUS_PKT_DATA_USING_XFER_PAGES, 0x1 };
		struct vmbus_pkt pk = {
			.type = types[sel & 3],
			.trans_id = tid,
			.pkt = buf,
			.pkt_len = 16 + plen,
			.payload = buf + 16,
			.payload_len = plen,
		};
		stv_fuzz_packet(c, (sel & 0x10) ? 1 : 0, &pk);
		if (sel & 0x40)
			kern_wait(NULL, never, NULL, 5000000);
	}
	stv_fuzz_ctrl_free(c);
	if (gk_dma_pages_used() != pages)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!fz_rt)
		fz_setup();
	long heap = gk_alloc_outstanding();
	struct fz_in in = { data, size };
	gk_runtime_call(fz_rt, fz_run, &in);
	if (gk_alloc_outstanding() != heap)
		abort();
	return 0;
}
