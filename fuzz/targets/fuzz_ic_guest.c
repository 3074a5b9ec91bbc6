/* fuzz_ic_guest.c -- the guest IC drivers' parsers of host requests
 * (framing, NEGOTIATE version arrays, heartbeat/shutdown/timesync/KVP
 * bodies) with the user-level KVP daemon behind them, in a booted inproc
 * guest.  Input: records {u8 sel, u16 len, len bytes}:
 *   sel & 3        the IC (heartbeat, shutdown, timesync, KVP)
 *   sel & 4        the IC is past negotiation
 *   sel & 8        a completion packet instead of in-band
 *   sel >> 4 & 3   KVP daemon: answer, never, late
 *   sel & 0x40     let 10 ms of guest time pass afterwards
 * Invariants: no crash, no leak (all state dropped after each input). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "guest_drivers/kern.h"
#include "guest_drivers/utils/hvic_var.h"
#include "guest_drivers/vmbus/vmbus.h"
#include "hyperv/vmbus_ring.h"
#include "sim/guest/guest_actions.h"
#include "sim/guest/guest_ic.h"
#include "sim/guest/runtime.h"
#include "sim/guest/transport.h"
#include "sim/hostd/gmem.h"
#include "sim/hostd/partition.h"
#include "sim/hostd/profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_MEM (8u << 20)

static struct gk_runtime *fz_rt;
static struct gmem *fz_gm;
static struct gk_transport *fz_t;
static struct part *fz_p;

static void fz_setup(void)
{
	fz_gm = gmem_create(FZ_MEM);
	fz_t = gk_inproc_create(gmem_ptr(fz_gm, 0, FZ_MEM), FZ_MEM, 1);
	struct part_config pc = { .profile = hv_profile_find("ws2019"), .nvcpus = 1 };
	fz_p = part_create(fz_gm, &pc, gk_inproc_part_notify(), fz_t);
	gk_inproc_attach(fz_t, fz_p);
	struct gk_runtime_config rc = { .sched = GK_SCHED_INPROC, .seed = 1 };
	fz_rt = gk_runtime_create(fz_t, &rc);
	struct gk_boot_report br;
	if (!fz_rt || gk_guest_boot(fz_rt, &br) || br.status)
		abort();
	/* short KVP deadline so "never" inputs finish quickly */
	struct gk_ic_config gc = { .kvp_timeout_ns = 5000000 };
	if (gk_guest_ic_start(fz_rt, &gc))
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
	static uint8_t buf[16 + 65536 + 8];
	size_t off = 0;
	hvic_fuzz_reset();
	while (in->size - off >= 3) {
		uint8_t sel = in->data[off];
		uint32_t len = (uint32_t)in->data[off + 1] | (uint32_t)in->data[off + 2] << 8;
		off += 3;
		if (len > in->size - off)
			len = (uint32_t)(in->size - off);
		gk_guest_ic_kvpd_mode((enum gk_kvpd_mode)((sel >> 4) % 3), 1000000);
		uint32_t plen = (len + 7u) & ~7u;
		memset(buf, 0, 16 + plen);
		memcpy(buf + 16, in->data + off, len);
		off += len;
		struct vmbus_pkt pk = {
			.type = (sel & 8) ? VMBUS_PKT_COMP : VMBUS_PKT_DATA_INBAND,
			.trans_id = 0x42,
			.pkt = buf,
			.pkt_len = 16 + plen,
			.payload = buf + 16,
			.payload_len = plen,
		};
		hvic_fuzz_packet((enum hvic_kind)(sel & 3), sel & 4, &pk);
		if (sel & 0x40)
			kern_wait(NULL, never, NULL, 10000000);
	}
	hvic_fuzz_reset();
	gk_guest_ic_kvpd_mode(GK_KVPD_ANSWER, 0);
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
