/* fz_hn.c -- the channel-less hn interface fixture shared by fuzz_netvsc_rx
 * and fuzz_netvsc_nvsp: a booted inproc guest that lives across inputs, and
 * the record loop both targets decode (fz_hn.h has the format). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "guest_drivers/kern.h"
#include "guest_drivers/netvsc/hn_var.h"
#include "guest_drivers/vmbus/vmbus.h"
#include "hyperv/vmbus_ring.h"
#include "sim/guest/guest_actions.h"
#include "sim/guest/runtime.h"
#include "sim/guest/transport.h"
#include "sim/hostd/gmem.h"
#include "sim/hostd/partition.h"
#include "sim/hostd/profile.h"

#include "fuzz/common/fz_hn.h"

#define FZ_MEM   (8u << 20)
#define FZ_RXBUF (64u * 1024u)
#define FZ_SEC   1806u

static struct gk_runtime *fz_rt;

static void fz_setup(void)
{
	struct gmem *gm = gmem_create(FZ_MEM);
	struct gk_transport *t = gk_inproc_create(gmem_ptr(gm, 0, FZ_MEM), FZ_MEM, 1);
	struct part_config pc = { .profile = hv_profile_find("ws2019"), .nvcpus = 1 };
	struct part *p = part_create(gm, &pc, gk_inproc_part_notify(), t);
	gk_inproc_attach(t, p);
	struct gk_runtime_config rc = { .sched = GK_SCHED_INPROC, .seed = 1 };
	fz_rt = gk_runtime_create(t, &rc);
	if (!fz_rt)
		abort();
	/* Memory, transport and partition live for the whole process. */
}

struct fz_in {
	const uint8_t *data;
	size_t size;
	const struct fz_hn_opts *o;
};

static int fz_run(void *arg)
{
	struct fz_in *in = arg;
	static uint8_t rxbuf[FZ_RXBUF];
	static uint8_t buf[16 + 65536 + 8];
	if (in->size < 1)
		return 0;
	memset(rxbuf, 0, sizeof rxbuf);
	unsigned nq = 1u + (in->data[0] & 3u);
	uint32_t nvsp = (in->data[0] & 4) ? NVSP_PROTOCOL_VERSION_5 : NVSP_PROTOCOL_VERSION_61;
	struct hn_if *sc = hn_fuzz_create(rxbuf, sizeof rxbuf, FZ_SEC, nq, nvsp);
	if (!sc)
		return 0;
	size_t off = 1;
	while (in->size - off >= 3) {
		uint8_t sel = in->data[off];
		uint32_t len = (uint32_t)in->data[off + 1] | (uint32_t)in->data[off + 2] << 8;
		off += 3;
		if (len > in->size - off)
			len = (uint32_t)(in->size - off);
		const uint8_t *d = in->data + off;
		off += len;
		if (in->o->always_expect || (sel & 0x20))
			hn_fuzz_expect(sc);
		if (sel & 4) {
			if (len < 2)
				continue;
			uint32_t at = (uint32_t)d[0] | (uint32_t)d[1] << 8;
			uint32_t n = len - 2;
			if (at > sizeof rxbuf || n > sizeof rxbuf - at)
				n = (uint32_t)sizeof rxbuf - (at > sizeof rxbuf ? (uint32_t)sizeof rxbuf : at);
			if (at < sizeof rxbuf)
				memcpy(rxbuf + at, d + 2, n);
			continue;
		}
		/* A packet record: u8 offset8, u64 transaction id, then the
		 * packet from byte 16 (after the descriptor) on; the bus driver
		 * hands drivers such a private copy. */
		if (len < 9)
			continue;
		uint32_t off8 = d[0];
		uint64_t tid;
		memcpy(&tid, d + 1, 8);
		d += 9;
		len -= 9;
		uint32_t plen = (len + 7u) & ~7u;
		memset(buf, 0, 16 + plen);
		memcpy(buf + 16, d, len);
		uint32_t total = 16 + plen;
		if (off8 < 2)
			off8 = 2;
		if (off8 * 8u > total)
			off8 = total / 8u;
		struct vmbus_pkt pk = {
			.type = in->o->types[(sel >> 3) & 3],
			.flags = 1,
			.trans_id = tid,
			.pkt = buf,
			.pkt_len = total,
			.payload = buf + off8 * 8u,
			.payload_len = total - off8 * 8u,
		};
		hn_fuzz_packet(sc, sel & 3u, &pk);
	}
	hn_fuzz_destroy(sc);
	return 0;
}

int fz_hn_run(const uint8_t *data, size_t size, const struct fz_hn_opts *o)
{
	if (!fz_rt)
		fz_setup();
	struct fz_in in = { data, size, o };
	gk_runtime_call(fz_rt, fz_run, &in);
	return 0;
}
