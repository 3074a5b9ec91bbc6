/* fuzz_netvsc_attach.c -- the hn driver's attach path (NVSP INIT with version
 * fallback, receive/send buffers, RNDIS INITIALIZE and queries, offload,
 * vRSS sub-channel allocation, packet filter), a reinit and detach, against
 * a hostile host: the real host netvsp answers, and the input rewrites,
 * drops, duplicates or precedes any packet it sends before hn sees it (the
 * packet's private copy, and for transfer pages the receive buffer bytes the
 * ranges point at).  A booted inproc guest (4 vCPUs) lives across inputs;
 * the NIC is hot-added and removed per input.
 *
 * Input: u8 gcfg, u8 hcfg, u8 fail, then records {u8 idx, u8 op, u16 off,
 * u8 len, len bytes} applied to the idx-th packet delivered to hn (counted
 * over every queue, from 0):
 *   gcfg & 7     guest NVSP ceiling (0 = default 6.1, else versions 6.1..1)
 *   gcfg >> 3 & 3 max_queues 0 (one per vCPU), 1, 2, 4
 *   gcfg & 0x20  MTU 9000; gcfg & 0x40 no offload; gcfg & 0x80 legacy status length (host)
 *   hcfg & 7     host NVSP ceiling (0 = profile's)
 *   hcfg & 8     host link down at creation
 *   hcfg & 0x10  the fail-th guest allocation from hn_init on fails
 *   hcfg >> 5 & 7 after attach: 1 send an ARP request, 2 change the MTU,
 *                3 link flap, 4 all three, others nothing
 *   op & 7: 0 write bytes at payload + off; 1 at the first transfer range's
 *   data + off (receive buffer); 2 cut the payload to off bytes; 3 drop
 *   (off & 1) or deliver twice; 4 XOR the transaction id with the bytes;
 *   5 write at packet + off (descriptor and transfer header included);
 *   6 packet type := completion / in-band / transfer pages / 0x42 (off & 3);
 *   7 deliver a packet made of the bytes first (type by off & 3 as in 6,
 *   the real packet's transaction id).
 * Invariants after each input: hn0 gone after hn_fini, no guest allocation
 * or DMA page left, no GPADL or channel held by the host, no guest channel
 * left.  FZ_NA_DEBUG=1 prints the guest log and the host trace. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest_drivers/kern.h"
#include "guest_drivers/netvsc/hn_var.h"
#include "guest_drivers/vmbus/vmbus_var.h"
#include "hyperv/nvsp.h"
#include "hyperv/vmbus_guid.h"
#include "hyperv/vmbus_ring.h"
#include "sim/devices/hostside.h"
#include "sim/devices/netvsp/netvsp.h"
#include "sim/guest/guest_actions.h"
#include "sim/guest/guest_vmbus.h"
#include "sim/guest/runtime.h"
#include "sim/guest/transport.h"
#include "sim/hostd/gmem.h"
#include "sim/hostd/partition.h"
#include "sim/hostd/profile.h"
#include "sim/hostd/vmbs.h"
#include "sim/hostd/vmbs_var.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_MEM     (24u << 20)
#define FZ_NCPU    4u
#define FZ_MAXREC  64u
#define FZ_PKTMAX  (HN_RING_BYTES + 64u)

struct fz_rec {
	uint8_t idx, op;
	uint16_t off;
	uint8_t len;
	const uint8_t *b;
};

static struct {
	struct gmem *gm;
	struct gk_transport *t;
	struct part *p;
	struct hostside *hs;
	const struct hv_profile *prof;
	struct gk_runtime *rt;
	struct netvsp *nic;
	long base_alloc;
	uint64_t base_dma;
	unsigned base_chans;
	/* this input */
	struct fz_rec rec[FZ_MAXREC];
	unsigned nrec;
	unsigned npkts;
} fz;

static const uint32_t fz_nvsp[8] = {
	0, NVSP_PROTOCOL_VERSION_61, NVSP_PROTOCOL_VERSION_6, NVSP_PROTOCOL_VERSION_5,
	NVSP_PROTOCOL_VERSION_4, NVSP_PROTOCOL_VERSION_2, NVSP_PROTOCOL_VERSION_1, 0,
};
static const uint16_t fz_types[4] = { VMBUS_PKT_COMP, VMBUS_PKT_DATA_INBAND,
				      VMBUS_PKT_DATA_USING_XFER_PAGES, 0x42 };

/* ---- the hostile host: rewrites on hn's private copy of each packet ---------- */

static void fz_put(uint8_t *base, uint32_t cap, uint32_t at, const uint8_t *b, uint32_t n)
{
	if (at >= cap)
		return;
	if (n > cap - at)
		n = cap - at;
	memcpy(base + at, b, n);
}

/* The receive-buffer bytes of the packet's first transfer range, if it has
 * one inside the buffer hn holds. */
static uint8_t *fz_range(const struct hn_queue *q, const uint8_t *pkt, uint32_t len,
			 uint32_t *cap)
{
	struct vmbus_pkt_xfer_pages h;
	struct vmbus_xfer_page_range r;
	const struct hn_if *sc = q->q_sc;
	if (len < sizeof h + sizeof r || !sc->sc_rxbuf.va)
		return NULL;
	memcpy(&h, pkt, sizeof h);
	memcpy(&r, pkt + sizeof h, sizeof r);
	if (h.range_count == 0 || r.byte_offset >= sc->sc_rxbuf_size)
		return NULL;
	uint32_t n = sc->sc_rxbuf_size - r.byte_offset;
	*cap = r.byte_count < n ? r.byte_count : n;
	return (uint8_t *)sc->sc_rxbuf.va + r.byte_offset;
}

static void fz_deliver(struct vmbus_channel *ch, const struct vmbus_pkt *pk, void *arg)
{
	hn_chan_cb(ch, pk, arg);
}

static void fz_cb(struct vmbus_channel *ch, const struct vmbus_pkt *pkt, void *arg)
{
	static uint8_t buf[FZ_PKTMAX], inj[16 + 256 + 8];
	struct hn_queue *q = arg;
	unsigned n = fz.npkts++;
	uint32_t plen = pkt->pkt_len < sizeof buf ? pkt->pkt_len : (uint32_t)sizeof buf;
	uint32_t poff = (uint32_t)(pkt->payload - pkt->pkt);
	if (poff > plen)
		poff = plen;
	memcpy(buf, pkt->pkt, plen);
	struct vmbus_pkt p = *pkt;
	p.pkt = buf;
	p.pkt_len = plen;
	p.payload = buf + poff;
	p.payload_len = plen - poff;
	unsigned times = 1;
	for (unsigned i = 0; i < fz.nrec; i++) {
		const struct fz_rec *r = &fz.rec[i];
		if (r->idx != (n & 0xFF))
			continue;
		uint32_t cap = 0;
		uint8_t *at;
		switch (r->op & 7) {
		case 0:
			fz_put(buf + poff, plen - poff, r->off, r->b, r->len);
			break;
		case 1:
			at = fz_range(q, buf, plen, &cap);
			if (at)
				fz_put(at, cap, r->off, r->b, r->len);
			break;
		case 2:
			if (r->off < p.payload_len)
				p.payload_len = r->off;
			break;
		case 3:
			times = (r->off & 1) ? 0 : 2;
			break;
		case 4:
			for (unsigned k = 0; k < r->len && k < 8; k++)
				p.trans_id ^= (uint64_t)r->b[k] << (8 * k);
			break;
		case 5:
			fz_put(buf, plen, r->off, r->b, r->len);
			break;
		case 6:
			p.type = fz_types[r->off & 3];
			break;
		case 7: {
			uint32_t l8 = ((uint32_t)r->len + 7u) & ~7u;
			memset(inj, 0, sizeof inj);
			memcpy(inj + 16, r->b, r->len);
			struct vmbus_pkt ip = {
				.type = fz_types[r->off & 3],
				.trans_id = p.trans_id,
				.pkt = inj,
				.pkt_len = 16 + l8,
				.payload = inj + 16,
				.payload_len = l8,
			};
			fz_deliver(ch, &ip, arg);
			break;
		}
		}
	}
	for (unsigned k = 0; k < times; k++)
		fz_deliver(ch, &p, arg);
}

/* Host side of the inproc loop: wrap hn's channel callbacks (before the
 * host can write anything hn reads), then run the host. */
static bool fz_pump(void *arg)
{
	(void)arg;
	for (struct vmbus_channel *ch = vmbus_sc.chans; ch; ch = ch->ch_next)
		if (ch->ch_cb == hn_chan_cb)
			ch->ch_cb = fz_cb;
	bool did = false;
	for (int i = 0; i < 16; i++) {
		bool any = hostside_pump(fz.hs);
		if (fz.nic)
			any |= netvsp_pump(fz.nic);
		if (!any)
			break;
		did = true;
	}
	return did;
}

/* ---- guest side ----------------------------------------------------------------- */

struct fz_job {
	struct hn_config cfg;
	bool fail;
	long fail_at;
	unsigned actions;
};

static bool netvsc_dev(const struct vmbus_device *d)
{
	static const struct vmbus_guid g = { VMBUS_GUID_NETVSC };
	return memcmp(&d->dv_chan->ch_offer.if_type, &g, sizeof g) == 0;
}

/* The NIC was offered and its attach ran (either way). */
static bool attach_settled(void *arg)
{
	(void)arg;
	struct vmbus_softc *sc = &vmbus_sc;
	kern_lock_acquire(sc->lock);
	bool done = false;
	if (!sc->attaching)
		for (unsigned i = 0; i < sc->ndevs; i++) {
			const struct vmbus_device *d = sc->devs[i];
			if (netvsc_dev(d) && !d->dv_attaching && (d->dv_driver || d->dv_tried))
				done = true;
		}
	kern_lock_release(sc->lock);
	return done;
}

/* No channel left on the host (the hostside has no other device). */
static bool host_idle(void)
{
	for (int i = 0; i < 4 && fz_pump(NULL); i++)
		;
	/* Every relid, not only the first 255: the host's own count. */
	return hostside_vmbs(fz.hs)->vb_nchan == 0;
}

static int g_attach(void *arg)
{
	struct fz_job *j = arg;
	if (j->fail)
		gk_alloc_fail_after(j->fail_at);
	int rc = hn_init(&j->cfg);
	if (!rc)
		(void)kern_wait(NULL, attach_settled, NULL, 2000000000ull);
	gk_alloc_fail_after(-1);
	if (getenv("FZ_NA_DEBUG"))
		fprintf(stderr, "hn_init %d, hn0 %s, %u packets\n", rc, hn_find(0) ? "up" : "none",
			fz.npkts);
	return rc;
}

static void fz_link_cb(void *arg, struct hn_if *hn, const struct hn_link *l)
{
	(void)arg;
	(void)hn;
	(void)l;
}

static void fz_rx_cb(void *arg, struct hn_if *hn, const uint8_t *f, uint32_t len,
		     const struct hn_rxmeta *m)
{
	(void)arg;
	(void)hn;
	(void)f;
	if (len > HN_TX_MAX_FRAME || m->queue >= HN_MAX_QUEUES)
		abort(); /* a frame hn should never hand up */
}

static int g_actions(void *arg)
{
	struct fz_job *j = arg;
	struct hn_if *hn = hn_find(0);
	if (!hn)
		return 0;
	/* What a user reads after attach: values the host chose, bounded. */
	struct hn_info info;
	struct hn_link link;
	static struct hn_stats st;
	uint8_t m[6];
	if (hn_get_info(hn, &info) == 0 &&
	    (info.nqueues < 1 || info.nqueues > HN_MAX_QUEUES || info.mtu < HN_MTU_MIN ||
	     info.mtu > HN_MTU_MAX))
		abort(); /* the host talked hn into an impossible configuration */
	(void)hn_link_state(hn, &link);
	(void)hn_get_stats(hn, &st);
	(void)hn_get_mac(hn, m);
	(void)hn_name(hn);
	hn_set_link_cb(hn, fz_link_cb, NULL);
	hn_set_rx_cb(hn, (j->actions & 1) ? fz_rx_cb : NULL, NULL);
	if (j->actions == 1 || j->actions == 4) {
		static const uint8_t arp[42] = {
			0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x15, 0x5d, 0x00, 0x01, 0x10,
			0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01,
			0x00, 0x15, 0x5d, 0x00, 0x01, 0x10, 10, 0, 0, 2,
			0, 0, 0, 0, 0, 0, 10, 0, 0, 1,
		};
		if (hn_send(hn, arp, sizeof arp, NULL, 0) == 0)
			(void)hn_tx_drain(hn);
		uint8_t f[128];
		for (int i = 0; i < 4 && hn_recv(hn, f, sizeof f, NULL) >= 0; i++)
			;
	}
	if (j->actions == 2 || j->actions == 4)
		(void)hn_set_mtu(hn, hn_mtu(hn) == 1500 ? 1400 : 1500);
	return 0;
}

static int g_fini(void *arg)
{
	(void)arg;
	hn_fini();
	return hn_find(0) ? -EEXIST : 0;
}

static void fz_trace(void *arg, const char *line)
{
	(void)arg;
	fprintf(stderr, "host: %s\n", line);
}

static void fz_setup(void)
{
	fz.gm = gmem_create(FZ_MEM);
	fz.t = gk_inproc_create(gmem_ptr(fz.gm, 0, FZ_MEM), FZ_MEM, FZ_NCPU);
	fz.prof = hv_profile_find("ws2022");
	struct part_config pc = { .profile = fz.prof, .nvcpus = FZ_NCPU };
	fz.p = part_create(fz.gm, &pc, gk_inproc_part_notify(), fz.t);
	gk_inproc_attach(fz.t, fz.p);
	struct hostside_config hsc = { .vmbus = true };
	static const struct hostside_notify hn_dbg = { .trace = fz_trace };
	fz.hs = hostside_create(fz.p, fz.gm, &hsc, getenv("FZ_NA_DEBUG") ? &hn_dbg : NULL, NULL);
	if (!fz.hs)
		abort();
	gk_inproc_set_pump(fz.t, fz_pump, NULL);
	struct gk_runtime_config rc = { .sched = GK_SCHED_INPROC, .seed = 1,
					.log_level = getenv("FZ_NA_DEBUG") ? 7 : 0 };
	fz.rt = gk_runtime_create(fz.t, &rc);
	struct gk_boot_report br;
	static struct gk_vmbus_report vr;
	if (!fz.rt || gk_guest_boot(fz.rt, &br) || br.status ||
	    gk_guest_vmbus_connect(fz.rt, 0, false, &vr) || vr.status)
		abort();
	fz.base_chans = vmbus_sc.nchans;
	/* Memory, transport, partition, host and guest live for the whole
	 * process; one clean attach/detach first so lazily grown tables
	 * (the bus's device array) are part of the baseline. */
	static const uint8_t warm[3] = { 0, 0, 0 };
	fz.base_alloc = -1;
	LLVMFuzzerTestOneInput(warm, sizeof warm);
	fz.base_alloc = gk_alloc_outstanding();
	fz.base_dma = gk_dma_pages_used();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!fz.rt)
		fz_setup();
	if (size < 3)
		return 0;
	uint8_t gc = data[0], hc = data[1];
	struct fz_job j;
	memset(&j, 0, sizeof j);
	j.cfg.max_nvsp = fz_nvsp[gc & 7];
	static const unsigned mq[4] = { 0, 1, 2, 4 };
	j.cfg.max_queues = mq[(gc >> 3) & 3];
	j.cfg.mtu = (gc & 0x20) ? 9000 : 0;
	j.cfg.no_offload = gc & 0x40;
	j.cfg.rxbuf_bytes = 256u * 1024u;
	j.cfg.txbuf_bytes = 128u * 1024u;
	j.cfg.timeout_ns = 2000000; /* virtual time: a dropped reply costs nothing real */
	j.fail = hc & 0x10;
	j.fail_at = data[2];
	j.actions = (hc >> 5) & 7;
	fz.nrec = 0;
	fz.npkts = 0;
	size_t off = 3;
	while (fz.nrec < FZ_MAXREC && size - off >= 5) {
		struct fz_rec *r = &fz.rec[fz.nrec++];
		r->idx = data[off];
		r->op = data[off + 1];
		r->off = (uint16_t)(data[off + 2] | data[off + 3] << 8);
		r->len = data[off + 4];
		off += 5;
		if (r->len > size - off)
			r->len = (uint8_t)(size - off);
		r->b = data + off;
		off += r->len;
	}

	struct netvsp_config nc;
	memset(&nc, 0, sizeof nc);
	nc.instance_id.bytes[0] = 0x5e;
	nc.instance_id.bytes[15] = 1;
	static const uint8_t mac[6] = { 0x00, 0x15, 0x5d, 0x00, 0x01, 0x10 };
	memcpy(nc.mac, mac, 6);
	nc.nvsp_max_version = fz_nvsp[hc & 7];
	nc.link_down = hc & 8;
	nc.legacy_status_len = gc & 0x80;
	nc.be.kind = NETBE_PEER;
	static const uint8_t peer[6] = { 0x02, 0x00, 0x5e, 0x00, 0x00, 0x01 };
	memcpy(nc.be.peer_mac, peer, 6);
	nc.be.peer_ipv4 = 0x0A000001u;
	int crc = netvsp_create(hostside_vmbs(fz.hs), fz.prof, &nc, NULL, NULL, &fz.nic);
	if (crc) {
		fprintf(stderr, "netvsp_create: %d\n", crc);
		abort();
	}
	(void)gk_runtime_call(fz.rt, g_attach, &j);
	if (j.actions == 3 || j.actions == 4) {
		netvsp_set_link(fz.nic, false, 0);
		(void)gk_guest_sleep(fz.rt, 1000000);
		netvsp_set_link(fz.nic, true, 1000000000ull);
	}
	(void)gk_runtime_call(fz.rt, g_actions, &j);
	if (gk_runtime_call(fz.rt, g_fini, NULL))
		abort(); /* hn0 survived hn_fini */
	netvsp_destroy(fz.nic);
	fz.nic = NULL;
	/* The guest releases the rescinded relids, the host frees them. */
	for (int i = 0; i < 100 && !(vmbus_sc.nchans == fz.base_chans && host_idle()); i++)
		(void)gk_guest_sleep(fz.rt, 1000000);
	if (vmbus_sc.nchans != fz.base_chans)
		abort(); /* a channel of the removed NIC is still known */
	if (!host_idle())
		abort(); /* the host still holds a channel of the removed NIC */
	if (vmbs_gpadl_count(hostside_vmbs(fz.hs)) != 0)
		abort(); /* a GPADL survived detach and removal */
	if (fz.base_alloc >= 0 &&
	    (gk_alloc_outstanding() != fz.base_alloc || gk_dma_pages_used() != fz.base_dma))
		abort(); /* guest memory leaked by attach/detach */
	return 0;
}
