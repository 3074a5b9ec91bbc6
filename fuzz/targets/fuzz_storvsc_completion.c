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
 *   sel & 0x80   an internal command (stv_cmd_run: CDB opcode arg, 512
 *                bytes in (arg bit 0) or out when arg bit 1, else none)
 *                runs in a task, and this record's packet is delivered
 *                from a task above it while it waits (sel & 4: to the
 *                command's own tid); unanswered, it times out
 *   sel & 0xA0   (both) a target option instead: the guest's allocation
 *                number arg from now fails (gk_alloc_fail_after); as the
 *                first record it hits the controller's set-up
 * Invariants: no crash, every bio and command completes, no leak. */
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

/* sel & 0x80: the command task and the packet task above it. */
struct fz_cmd {
	struct stv_ctrl *c;
	struct stv_cmd cmd;
	uint8_t data[512];
	struct vmbus_pkt pk;
	unsigned chan;
	bool own_tid, ran;
	int rc;
	struct kern_task t_cmd, t_pkt;
};

static void fz_pkt_task(void *arg)
{
	struct fz_cmd *fc = arg;
	if (fc->own_tid)
		for (uint32_t i = 0; i < fc->c->nslots; i++)
			if (fc->c->slots[i].r_cmd == &fc->cmd)
				fc->pk.trans_id = stv_fuzz_tid(fc->c, i);
	stv_fuzz_packet(fc->c, fc->chan, &fc->pk);
}

static void fz_cmd_task(void *arg)
{
	struct fz_cmd *fc = arg;
	kern_task_enqueue(0, &fc->t_pkt); /* runs while the command waits */
	fc->rc = stv_cmd_run(fc->c, &fc->cmd);
	fc->ran = true;
}

static bool fz_cmd_ran(void *arg)
{
	return ((struct fz_cmd *)arg)->ran;
}

static void fz_command(struct stv_ctrl *c, uint8_t a, unsigned chan, bool own_tid,
		       const struct vmbus_pkt *pk)
{
	static struct fz_cmd fc;
	memset(&fc, 0, sizeof fc);
	fc.c = c;
	fc.cmd.cdb[0] = a;
	fc.cmd.cdb_len = (a & 0x80) ? 16 : (a & 0x40) ? 10 : 6;
	fc.cmd.data_in = (a & 1) ? VSTOR_DATA_READ : VSTOR_DATA_WRITE;
	fc.cmd.len = (a & 3) ? sizeof fc.data : 0;
	fc.cmd.buf = fc.data;
	fc.pk = *pk;
	fc.chan = chan;
	fc.own_tid = own_tid;
	kern_task_init(&fc.t_cmd, fz_cmd_task, &fc);
	kern_task_init(&fc.t_pkt, fz_pkt_task, &fc);
	kern_task_enqueue(0, &fc.t_cmd);
	/* The tasks run on top of this wait; the command is bounded by the
	 * driver's own timeout, so this returns with it done. */
	if (kern_wait(NULL, fz_cmd_ran, &fc, 10000000000ull) != 0 || (fc.rc == 0 && !fc.cmd.done))
		abort();
	/* A command refused at once (no memory) never waited: its packet
	 * task is still queued and must not run after the controller. */
	kern_task_cancel(&fc.t_pkt);
}

static int fz_run(void *arg)
{
	struct fz_in *in = arg;
	static uint8_t buf[16 + 4096 + 8];
	size_t pages = gk_dma_pages_used();
	bool win7 = in->size && (in->data[0] & 0x20);
	bool nomem_first = in->size >= 2 && (in->data[0] & 0xA0) == 0xA0;
	if (nomem_first)
		gk_alloc_fail_after(in->data[1]);
	struct stv_ctrl *c = stv_fuzz_ctrl_new(win7 ? VSTOR_VERSION_WIN7 : VSTOR_VERSION_WIN10);
	if (!c && nomem_first && gk_alloc_failed()) {
		gk_alloc_fail_after(-1);
		return 0;
	}
	if (!c)
		abort();
	size_t off = 0;
	while (in->size - off >= 4) {
		uint8_t sel = in->data[off], a = in->data[off + 1];
		uint32_t len = (uint32_t)in->data[off + 2] | (uint32_t)in->data[off + 3] << 8;
		off += 4;
		if ((sel & 0xA0) == 0xA0) {
			if (off > 4 || !nomem_first)
				gk_alloc_fail_after(a);
			continue;
		}
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
		if (sel & 0x80)
			fz_command(c, a, (sel & 0x10) ? 1 : 0, sel & 4, &pk);
		else
			stv_fuzz_packet(c, (sel & 0x10) ? 1 : 0, &pk);
		if (sel & 0x40)
			kern_wait(NULL, never, NULL, 5000000);
	}
	gk_alloc_fail_after(-1);
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
