/* fuzz_ic_host_live.c -- the host ICs (sim/devices/ic) as a whole, against a
 * booted inproc guest running the real IC drivers and KVP daemon: the host's
 * packet intake is fed the guest's real replies, rewritten, cut, dropped,
 * duplicated, retyped, moved to another IC's channel or preceded by packets
 * made of input bytes; host calls (shutdown request, KVP set / delete /
 * query / refresh, time jump, raw timesync), guest calls (KVP writes,
 * daemon mode, IC drivers stopped and restarted) and virtual time passing
 * (heartbeat, samples, reply timeouts) come from the input too.  The guest
 * lives across inputs; the host IC set is created (hot add) and destroyed
 * (hot remove) per input.
 *
 * Input: u8 hcfg, u8 hver, u8 gcfg, then records {u8 op, u8 a, u8 len,
 * len bytes}:
 *   hcfg & 3      host framework ceiling (0 all, 1 1.0, 2 3.0, 3 0.1 = none)
 *   hcfg & 4      heartbeat interval 100 ms (else 1 s), max missed 2
 *   hcfg & 8      reply timeout 200 ms (else 10 s)
 *   hcfg & 0x10   teardown: guest drivers stop first (else host set first)
 *   hcfg & 0x20   heartbeat sequence starts at UINT64_MAX - 1 (wrap)
 *   hcfg & 0x40   offer only heartbeat + KVP
 *   hcfg & 0x80   the guest daemon never answers KVP
 *   hver          2 bits per IC (heartbeat low): host message-version
 *                 ceiling 0 all, 1 1.0, 2 3.0, 3 0.1 (none)
 *   gcfg          the same 2-bit ceilings for the guest drivers
 *   op % 16:
 *     0  (collected before the set is created, so they reach the NEGOTIATE
 *        replies too) rule for the a-th guest packet the host receives (counted over all
 *        ICs from 0): bytes {sub, off lo, off hi, data...}; sub & 7:
 *        0 write data at payload + off; 1 cut the payload to off bytes;
 *        2 drop it; 3 deliver it twice; 4 XOR the VMBus transaction id with
 *        data; 5 packet type := completion / in-band / GPA direct / 0x42
 *        (off & 3); 6 first deliver a packet of data (in-band, same id);
 *        7 deliver it on IC (off & 3)'s channel instead
 *     1  shutdown request: flags a, reason and message from the bytes
 *     2  KVP set, pool a % 6, key NUL value from the bytes
 *     3  KVP delete; 4 KVP query (GET from the guest); 5 refresh
 *     6  time jump: (int8) a seconds * bytes[0]
 *     7  raw timesync message: flags a, parent and ref time from the bytes
 *     8  time passes: (a + 1) * 20 ms; 9 (a + 1) * 1 s
 *     10 guest KVP set (a & 1: delete) in pool 1 + (a >> 1 & 1)
 *     11 guest daemon mode: answer / never / late (a % 3)
 *     12 guest IC drivers stopped and restarted (channels close, reopen)
 *     13 the a-th allocation of the host IC code from now fails (as the
 *        first record: counted from the set's creation)
 *     14 read every host statistic and item (and check them)
 *     15 pump the host set directly
 * Invariants after each record: KVP queue and pools within their caps, state
 * and result names defined, counters consistent.  After teardown: no host
 * channel left, the guest's channels back to its baseline, no guest memory
 * leaked.  FZ_ICL_DEBUG=1 prints the host trace. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest_drivers/kern.h"
#include "guest_drivers/vmbus/vmbus_var.h"
#include "hyperv/vmbus_ic.h"
#include "hyperv/vmbus_ring.h"
#include "sim/devices/hostside.h"
#include "sim/devices/ic/icvsp.h"
#include "sim/devices/ic/icvsp_var.h"
#include "sim/guest/guest_actions.h"
#include "sim/guest/guest_ic.h"
#include "sim/guest/guest_vmbus.h"
#include "sim/guest/runtime.h"
#include "sim/guest/transport.h"
#include "sim/hostd/gmem.h"
#include "sim/hostd/partition.h"
#include "sim/hostd/profile.h"
#include "sim/hostd/vmbs.h"
#include "sim/hostd/vmbs_dev.h"
#include "sim/hostd/vmbs_var.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_MEM    (16u << 20)
#define FZ_MAXREC 48u
#define FZ_MS     1000000ull   /* guest sleeps are in ns */
#define FZ_PKTMAX (16u + ICVSP_MSG_MAX + 64u)

struct fz_rule {
	uint8_t idx, sub;
	uint16_t off;
	uint8_t len;
	const uint8_t *b;
};

static struct {
	struct gmem *gm;
	struct gk_transport *t;
	struct part *p;
	struct hostside *hs;
	struct gk_runtime *rt;
	struct icvsp *ic;
	long base_alloc;
	uint64_t base_dma;
	unsigned base_chans;
	/* the wrapped device ops */
	const struct vmbs_dev_ops *orig;
	struct vmbs_dev_ops ops;
	struct vmbs_chan *chan[ICVSP_KIND_COUNT];
	/* this input */
	struct fz_rule rule[FZ_MAXREC];
	unsigned nrule;
	unsigned npkts;
	bool in_rule;
	bool debug;             /* FZ_ICL_DEBUG: print the host trace */
	bool trace;             /* give the set a trace hook (it formats every line) */
} fz;

static const uint32_t fz_ceil[4] = { 0, 0x00010000u, 0x00030000u, 0x00000001u };
static const uint16_t fz_types[4] = { VMBUS_PKT_COMP, VMBUS_PKT_DATA_INBAND,
				      VMBUS_PKT_DATA_USING_GPA_DIRECT, 0x42 };

/* ---- the hostile guest: rewrites on the host's private packet copy --------- */

static void fz_put(uint8_t *base, uint32_t cap, uint32_t at, const uint8_t *b, uint32_t n)
{
	if (at >= cap)
		return;
	if (n > cap - at)
		n = cap - at;
	memcpy(base + at, b, n);
}

static int fz_packet(struct vmbs_chan *ch, const struct vmbus_pkt_desc *desc,
		     const uint8_t *pkt, uint32_t len)
{
	static uint8_t buf[FZ_PKTMAX], inj[16 + 256 + 8];
	if (fz.in_rule) /* an injected packet: no rules on it */
		return fz.orig->packet(ch, desc, pkt, len);
	unsigned n = fz.npkts++;
	uint32_t plen = len < sizeof buf ? len : (uint32_t)sizeof buf;
	memcpy(buf, pkt, plen);
	struct vmbus_pkt_desc d = *desc;
	uint32_t poff = d.offset8 * 8u;
	if (poff > plen)
		poff = plen;
	unsigned times = 1;
	struct vmbs_chan *to = ch;
	int rc = 0;
	fz.in_rule = true;
	for (unsigned i = 0; i < fz.nrule; i++) {
		const struct fz_rule *r = &fz.rule[i];
		if (r->idx != (n & 0xFF))
			continue;
		switch (r->sub & 7) {
		case 0:
			fz_put(buf + poff, plen - poff, r->off, r->b, r->len);
			break;
		case 1:
			if (r->off < plen - poff)
				plen = poff + r->off;
			break;
		case 2:
			times = 0;
			break;
		case 3:
			times = 2;
			break;
		case 4:
			for (unsigned k = 0; k < r->len && k < 8; k++)
				d.trans_id ^= (uint64_t)r->b[k] << (8 * k);
			break;
		case 5:
			d.type = fz_types[r->off & 3];
			break;
		case 6: {
			uint32_t l8 = ((uint32_t)r->len + 7u) & ~7u;
			memset(inj, 0, sizeof inj);
			memcpy(inj + 16, r->b, r->len);
			struct vmbus_pkt_desc id = { .type = VMBUS_PKT_DATA_INBAND, .offset8 = 2,
						     .len8 = (uint16_t)((16 + l8) / 8),
						     .trans_id = d.trans_id };
			memcpy(inj, &id, sizeof id);
			if (fz.orig->packet(ch, &id, inj, 16 + l8) < 0)
				rc = -1;
			break;
		}
		case 7:
			if (fz.chan[r->off & 3])
				to = fz.chan[r->off & 3];
			break;
		}
	}
	d.len8 = (uint16_t)(plen / 8);
	for (unsigned k = 0; k < times && rc == 0; k++)
		rc = fz.orig->packet(to, &d, buf, plen);
	fz.in_rule = false;
	/* A failure on another IC's channel must not close this one's. */
	return to == ch ? rc : 0;
}

/* Point the set's channels at the wrapper (before any guest packet). */
static void fz_wrap(void)
{
	for (unsigned k = 0; k < ICVSP_KIND_COUNT; k++) {
		fz.chan[k] = NULL;
		struct icvsp_dev *dv = fz.ic ? fz.ic->s_dev[k] : NULL;
		if (!dv || !dv->d_chan)
			continue;
		struct vmbs_chan *ch = dv->d_chan;
		if (!fz.orig) {
			fz.orig = ch->ch_ops;
			fz.ops = *fz.orig;
			fz.ops.packet = fz_packet;
		}
		ch->ch_ops = &fz.ops;
		fz.chan[k] = ch;
	}
}

static void fz_kick(void *arg)
{
	(void)arg;
}

static bool fz_pump(void *arg)
{
	(void)arg;
	bool did = false;
	for (int i = 0; i < 16; i++) {
		bool any = hostside_pump(fz.hs);
		if (fz.ic)
			any |= icvsp_pump(fz.ic);
		if (!any)
			break;
		did = true;
	}
	return did;
}

static void fz_trace(void *arg, const char *line)
{
	(void)arg;
	if (fz.debug)
		fprintf(stderr, "host: %s\n", line);
}

/* ---- invariants -------------------------------------------------------------------- */

static void fz_check(void)
{
	struct icvsp_kvp_info ki;
	if (icvsp_kvp_info(fz.ic, &ki) == 0 && ki.queued > ICVSP_KVP_QUEUE_MAX)
		abort(); /* the host's KVP request queue outgrew its cap */
	for (uint8_t pool = 0; pool < VMBUS_KVP_POOL_COUNT; pool++)
		if (icvsp_kvp_count(fz.ic, pool) > ICVSP_KVP_MAX_ITEMS)
			abort(); /* the guest made the host keep too many items */
	for (unsigned k = 0; k < ICVSP_KIND_COUNT; k++) {
		struct icvsp_stats st;
		if (icvsp_get_stats(fz.ic, (enum icvsp_kind)k, &st))
			continue;
		if (st.state >= ICVSP_ST_COUNT || st.replies > st.sent)
			abort(); /* a state out of range, or more replies than requests */
		if (st.state == ICVSP_ST_READY && (!st.framework || !st.msg_version))
			abort(); /* ready without agreed versions */
	}
	struct icvsp_hb_info hb;
	if (icvsp_hb_info(fz.ic, &hb) == 0 &&
	    (hb.missed > hb.missed_total || hb.beats_answered > hb.beats_sent ||
	     hb.health > ICVSP_HB_UNRESPONSIVE))
		abort(); /* heartbeat bookkeeping inconsistent */
	struct icvsp_sd_info sd;
	if (icvsp_sd_info(fz.ic, &sd) == 0 && sd.result > ICVSP_SD_TIMEOUT)
		abort();
}

static void fz_read_all(void)
{
	struct icvsp_stats st;
	for (unsigned k = 0; k <= ICVSP_KIND_COUNT; k++)
		(void)icvsp_get_stats(fz.ic, (enum icvsp_kind)k, &st);
	(void)icvsp_kind_name(ICVSP_KIND_COUNT);
	for (unsigned i = 0; i <= ICVSP_DROP_COUNT; i++)
		(void)icvsp_drop_name((enum icvsp_drop)i);
	(void)icvsp_state_name(ICVSP_ST_COUNT);
	(void)icvsp_sd_result_name((enum icvsp_sd_result)(ICVSP_SD_TIMEOUT + 1));
	(void)icvsp_hb_health_name((enum icvsp_hb_health)3);
	struct icvsp_ts_info ts;
	(void)icvsp_ts_info(fz.ic, &ts);
	for (uint8_t pool = 0; pool <= VMBUS_KVP_POOL_COUNT; pool++) {
		unsigned n = icvsp_kvp_count(fz.ic, pool);
		for (unsigned i = 0; i <= n; i++) {
			const char *k, *v;
			if (icvsp_kvp_item(fz.ic, pool, i, &k, &v) == 0) {
				char small[4], big[ICVSP_KVP_VALUE_UTF8_MAX];
				if (strlen(k) >= ICVSP_KVP_KEY_UTF8_MAX ||
				    strlen(v) >= ICVSP_KVP_VALUE_UTF8_MAX)
					abort(); /* an item longer than the wire allows */
				if (icvsp_kvp_get(fz.ic, pool, k, big, sizeof big) != 0 ||
				    strcmp(big, v) != 0)
					abort(); /* get disagrees with the item list */
				(void)icvsp_kvp_get(fz.ic, pool, k, small, sizeof small);
			}
		}
	}
}

/* ---- guest side ----------------------------------------------------------------------- */

static struct gk_ic_config fz_gcfg;

/* No channel of the set left on the host. */
static bool host_idle(void)
{
	for (int i = 0; i < 4 && fz_pump(NULL); i++)
		;
	/* Every relid, not only the first few: the host's own count. */
	return hostside_vmbs(fz.hs)->vb_nchan == 0;
}

static void fz_setup(void)
{
	fz.debug = getenv("FZ_ICL_DEBUG") != NULL;
	fz.trace = true;
	fz.gm = gmem_create(FZ_MEM);
	fz.t = gk_inproc_create(gmem_ptr(fz.gm, 0, FZ_MEM), FZ_MEM, 1);
	struct part_config pc = { .profile = hv_profile_find("ws2019"), .nvcpus = 1 };
	fz.p = part_create(fz.gm, &pc, gk_inproc_part_notify(), fz.t);
	gk_inproc_attach(fz.t, fz.p);
	struct hostside_config hsc = { .vmbus = true };
	fz.hs = hostside_create(fz.p, fz.gm, &hsc, NULL, NULL);
	if (!fz.hs)
		abort();
	gk_inproc_set_pump(fz.t, fz_pump, NULL);
	struct gk_runtime_config rc = { .sched = GK_SCHED_INPROC, .seed = 1, .log_level = 0 };
	fz.rt = gk_runtime_create(fz.t, &rc);
	struct gk_boot_report br;
	static struct gk_vmbus_report vr;
	if (!fz.rt || gk_guest_boot(fz.rt, &br) || br.status ||
	    gk_guest_vmbus_connect(fz.rt, 0, false, &vr) || vr.status)
		abort();
	fz.base_chans = vmbus_sc.nchans;
	/* One clean round first so lazily grown tables are in the baseline. */
	static const uint8_t warm[3] = { 0, 0, 0 };
	fz.base_alloc = -1;
	LLVMFuzzerTestOneInput(warm, sizeof warm);
	fz.trace = fz.debug;
	fz.base_alloc = gk_alloc_outstanding();
	fz.base_dma = gk_dma_pages_used();
}

static void fz_cstr(char *out, size_t cap, const uint8_t *b, size_t n)
{
	if (n >= cap)
		n = cap - 1;
	memcpy(out, b, n);
	out[n] = 0;
}

static void fz_sleep_ns(uint64_t ns)
{
	if (gk_guest_sleep(fz.rt, ns))
		abort(); /* the guest died */
}

static void fz_add_rule(uint8_t a, const uint8_t *b, uint8_t len)
{
	if (fz.nrule >= FZ_MAXREC || len < 3)
		return;
	struct fz_rule *r = &fz.rule[fz.nrule++];
	r->idx = a;
	r->sub = b[0];
	r->off = (uint16_t)(b[1] | b[2] << 8);
	r->b = b + 3;
	r->len = (uint8_t)(len - 3);
}

static void fz_record(uint8_t op, uint8_t a, const uint8_t *b, uint8_t len)
{
	static char key[300], val[1100];
	const uint8_t *nul = memchr(b, 0, len);
	size_t klen = nul ? (size_t)(nul - b) : len;
	fz_cstr(key, sizeof key, b, klen);
	fz_cstr(val, sizeof val, nul ? nul + 1 : b + len, nul ? (size_t)(len - klen - 1) : 0);
	switch (op & 15) {
	case 0: /* rules were collected before the set was created */
		break;
	case 1: {
		uint32_t reason = 0;
		if (len >= 4)
			memcpy(&reason, b, 4);
		(void)icvsp_shutdown_request(fz.ic, a, reason, len ? b[0] : 0,
					     len > 4 ? key + 4 : NULL);
		break;
	}
	case 2:
		(void)icvsp_kvp_set(fz.ic, a % 6, key, val);
		break;
	case 3:
		(void)icvsp_kvp_delete(fz.ic, a % 6, key);
		break;
	case 4:
		(void)icvsp_kvp_query(fz.ic, a % 6, key);
		break;
	case 5:
		(void)icvsp_kvp_refresh(fz.ic);
		break;
	case 6:
		(void)icvsp_ts_jump(fz.ic, (int64_t)(int8_t)a * (len ? b[0] : 1) *
						   (int64_t)ICVSP_REF_HZ);
		break;
	case 7: {
		uint64_t t[2] = { 0, 0 };
		memcpy(t, b, len < sizeof t ? len : sizeof t);
		(void)icvsp_ts_send_raw(fz.ic, a, t[0], t[1]);
		break;
	}
	case 8:
		fz_sleep_ns(((uint64_t)a + 1) * 20 * FZ_MS);
		break;
	case 9:
		fz_sleep_ns(((uint64_t)a % 32 + 1) * 1000 * FZ_MS);
		break;
	case 10:
		if (a & 1)
			(void)gk_guest_ic_kvp_delete(fz.rt, 1 + ((a >> 1) & 1), key);
		else
			(void)gk_guest_ic_kvp_set(fz.rt, 1 + ((a >> 1) & 1), key, val);
		break;
	case 11:
		gk_guest_ic_kvpd_mode((enum gk_kvpd_mode)(a % 3), ((uint64_t)a + 1) * 10 * FZ_MS);
		break;
	case 12:
		(void)gk_guest_ic_stop(fz.rt);
		fz_sleep_ns(5 * FZ_MS);
		if (gk_guest_ic_start(fz.rt, &fz_gcfg))
			abort();
		break;
	case 13:
		icvsp_alloc_fail_after(a);
		break;
	case 14:
		fz_read_all();
		break;
	case 15:
		(void)icvsp_pump(fz.ic);
		break;
	}
}

static void fz_run(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!fz.rt)
		fz_setup();
	if (size < 3)
		return 0;
	uint8_t hc = data[0], hv = data[1], gc = data[2];
	struct icvsp_config cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.heartbeat = true;
	cfg.kvp = true;
	cfg.shutdown = cfg.timesync = !(hc & 0x40);
	cfg.max_framework = fz_ceil[hc & 3];
	if (hc & 4) {
		cfg.hb_interval = ICVSP_REF_HZ / 10;
		cfg.hb_max_missed = 2;
	}
	if (hc & 8)
		cfg.reply_timeout = ICVSP_REF_HZ / 5;
	if (hc & 0x20)
		cfg.hb_first_seq = UINT64_MAX - 1;
	for (unsigned k = 0; k < ICVSP_KIND_COUNT; k++) {
		cfg.max_msg_version[k] = fz_ceil[(hv >> (2 * k)) & 3];
		fz_gcfg.max_msg_version[k] = fz_ceil[(gc >> (2 * k)) & 3];
	}
	fz.nrule = 0;
	fz.npkts = 0;
	gk_guest_ic_kvpd_mode((hc & 0x80) ? GK_KVPD_NEVER : GK_KVPD_ANSWER, 0);
	/* The packet rules apply from the first packet (the NEGOTIATE
	 * replies); a leading op 13 fails an allocation of the set's creation. */
	for (size_t o = 3; size - o >= 3;) {
		uint8_t op = data[o], a = data[o + 1], len = data[o + 2];
		o += 3;
		if (len > size - o)
			len = (uint8_t)(size - o);
		if ((op & 15) == 0)
			fz_add_rule(a, data + o, len);
		else if ((op & 15) == 13 && o == 6)
			icvsp_alloc_fail_after(a);
		o += len;
	}

	/* A trace hook only for the warm-up input (so the trace code runs once
	 * per process) and with FZ_ICL_DEBUG: formatting every line of every
	 * input cost more than the lines were worth. */
	static const struct icvsp_notify note = { .kick = fz_kick, .trace = fz_trace };
	static const struct icvsp_notify quiet = { .kick = fz_kick };
	fz.ic = icvsp_create(hostside_vmbs(fz.hs), fz.p, &cfg, fz.trace ? &note : &quiet, NULL);
	icvsp_alloc_fail_after(-1);
	if (fz.ic) {
		fz_wrap();
		if (gk_guest_ic_start(fz.rt, &fz_gcfg))
			abort();
		fz_sleep_ns(10 * FZ_MS);
		fz_run(data, size);
	}
	gk_guest_ic_kvpd_mode(GK_KVPD_ANSWER, 0);
	for (int i = 0; i < 100 && !(vmbus_sc.nchans == fz.base_chans && host_idle()); i++)
		fz_sleep_ns(FZ_MS);
	if (vmbus_sc.nchans != fz.base_chans)
		abort(); /* a channel of the removed ICs is still known to the guest */
	if (!host_idle())
		abort(); /* the host still holds an IC channel */
	if (fz.base_alloc >= 0 &&
	    (gk_alloc_outstanding() != fz.base_alloc || gk_dma_pages_used() != fz.base_dma))
		abort(); /* guest memory leaked */
	return 0;
}

/* The records, then the teardown of the set (in the order hcfg chose). */
static void fz_run(const uint8_t *data, size_t size)
{
	uint8_t hc = data[0];
	size_t off = 3;
	while (size - off >= 3) {
		uint8_t op = data[off], a = data[off + 1], len = data[off + 2];
		off += 3;
		if (len > size - off)
			len = (uint8_t)(size - off);
		fz_record(op, a, data + off, len);
		off += len;
		fz_check();
	}
	fz_sleep_ns(5 * FZ_MS);
	fz_check();
	fz_read_all();
	icvsp_alloc_fail_after(-1);

	/* Teardown in either order, then wait for the relids to come back. */
	if (hc & 0x10) {
		(void)gk_guest_ic_stop(fz.rt);
		fz_sleep_ns(FZ_MS);
	}
	icvsp_destroy(fz.ic);
	fz.ic = NULL;
	for (unsigned k = 0; k < ICVSP_KIND_COUNT; k++)
		fz.chan[k] = NULL;
	if (!(hc & 0x10))
		(void)gk_guest_ic_stop(fz.rt);
}
