/* bench_net.c -- synthetic NIC throughput against a baseline measured in
 * the same run: the guest's hn driver sending into the host netvsp's null
 * back end (64 B frames in packets/s, 1514 B frames and 64 KiB LSO sends in
 * Gbit/s), the host injecting frames that hn receives (64 B, 1514 B), with
 * 1 and 2 queues (vRSS), inproc (one process) and split (a forked hostd
 * running the same libevent loop as hvsim-hostd); beside the same frames
 * through the two-process SPSC ring of bench_chan (spsc_ring.h).
 * Also the hn bridge session that bench/net_iperf.sh drives (--bridge).
 *
 * usage: bench_net [-n FRAMES] [-r REPS] [-q 1|2|both] [-m inproc|split|both] [--smoke]
 *        bench_net --bridge NSG NSH [-s SECONDS] [-q QUEUES] [-m inproc|split] [--drop] */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench/spsc_ring.h"
#include "guest_drivers/kern.h"
#include "guest_drivers/netvsc/hn.h"
#include "sim/devices/hostside.h"
#include "sim/devices/net/netbe.h"
#include "sim/devices/net/netpkt.h"
#include "sim/devices/netvsp/netvsp.h"
#include "sim/guest/guest_actions.h"
#include "sim/guest/guest_net.h"
#include "sim/guest/guest_vmbus.h"
#include "sim/guest/hn_bridge.h"
#include "sim/guest/runtime.h"
#include "sim/guest/transport.h"
#include "sim/guest/transport_split.h"
#include "bench/common/bench_hostd.h"
#include "sim/hostd/daemon/hostd.h"
#include "sim/hostd/daemon/hsess.h"
#include "sim/hostd/daemon/hsess_hostside.h"
#include "sim/hostd/gmem.h"
#include "sim/hostd/partition.h"
#include "sim/hostd/profile.h"

#define BN_PROFILE  "ws2022"
#define BN_MEM      (96ull << 20)
#define BN_FLOWS    16u          /* distinct IPv4 sources: vRSS spreads them */
#define BN_MSS      1448u
/* An LSO send of 64 KiB minus what fits the host's LSOv2 maximum (62780
 * bytes of TCP payload + headers, the vmswitch figure). */
#define BN_LSO_PAYLOAD 62720u
#define BN_LSO_FRAME   (14u + 20u + 20u + BN_LSO_PAYLOAD)
#define BN_MAX_FRAME   BN_LSO_FRAME
#define BN_WAIT_NS     (60ull * 1000000000ull)
#define BN_MAX_REPS    31

static const uint8_t bn_guest_mac[6] = { 0x00, 0x15, 0x5d, 0x42, 0x00, 0x01 };
static const uint8_t bn_host_mac[6] = { 0x02, 0x00, 0x5e, 0x00, 0x00, 0x01 };

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };
	nanosleep(&ts, NULL);
}

/* ==== frames ================================================================= */

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint16_t ip_csum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (s >> 16)
		s = (s & 0xFFFFu) + (s >> 16);
	return (uint16_t)~s;
}

/* An IPv4 frame of len bytes from 10.9.0.(10 + flow) to 10.9.0.1: UDP
 * (zero checksum: valid for IPv4) or, for tcp, a TCP segment whose
 * checksum field holds the pseudo-header sum (a csum_partial send). */
static void bn_frame(uint8_t *f, size_t len, const uint8_t dst[6], const uint8_t src[6],
		     unsigned flow, bool tcp)
{
	memset(f, 0, len);
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	put16(f + 12, 0x0800);
	uint8_t *ip = f + 14;
	size_t iplen = len - 14;
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)iplen);
	put16(ip + 4, (uint16_t)flow);
	ip[8] = 64;
	ip[9] = tcp ? 6 : 17;
	put32(ip + 12, 0x0A09000Au + flow);
	put32(ip + 16, 0x0A090001u);
	put16(ip + 10, ip_csum(ip, 20));
	uint8_t *l4 = ip + 20;
	put16(l4, (uint16_t)(40000 + flow));
	put16(l4 + 2, 5201);
	if (tcp) {
		put32(l4 + 4, 1000);
		l4[12] = 5 << 4;
		l4[13] = 0x10;   /* ACK */
		put16(l4 + 14, 65535);
		/* Pseudo-header sum over addresses, protocol and TCP length. */
		uint32_t s = 0;
		for (int i = 0; i < 8; i += 2)
			s += (uint32_t)(ip[12 + i] << 8 | ip[13 + i]);
		s += 6 + (uint32_t)(iplen - 20);
		while (s >> 16)
			s = (s & 0xFFFFu) + (s >> 16);
		put16(l4 + 16, (uint16_t)s);
	} else {
		put16(l4 + 4, (uint16_t)(iplen - 20));
	}
	for (size_t i = 14 + 20 + (tcp ? 20 : 8); i < len; i++)
		f[i] = (uint8_t)(i * 7u + 1u);
}

/* ==== state shared by the guest (this process) and the host (this or the
 * forked daemon): host->guest run requests and the host's counters. ===== */

struct bn_shared {
	uint32_t src_gen;           /* guest: bumped for a new host->guest run */
	uint32_t src_count, src_size;
	uint64_t host_tx_frames, host_tx_bytes, host_rx_frames, host_rx_retries, host_rx_errors;
	uint32_t host_gen;          /* host: bumped after every counter update */
};

static struct bn_shared *bn_sh;

static struct bn_shared *shared_map(void)
{
	void *p = mmap(NULL, sizeof(struct bn_shared), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

/* ==== host: the NIC with a null back end and the frame source ============ */

struct bn_host {
	struct hostside *hs;
	struct netvsp *nic;
	uint32_t gen_seen;
	uint32_t left, sent, size;
	uint8_t frames[BN_FLOWS][1514];
};

static void bn_host_nic_cfg(struct hostside_config *hc, unsigned queues, enum netbe_kind kind,
			    const char *tap, const char *netns)
{
	memset(hc, 0, sizeof *hc);
	hc->vmbus = true;
	hc->nnics = 1;
	struct netvsp_config *c = &hc->nic[0];
	c->instance_id.bytes[0] = 0xbe;
	c->instance_id.bytes[15] = 1;
	memcpy(c->mac, bn_guest_mac, 6);
	c->max_queues = (uint16_t)queues;
	c->be.kind = kind;
	c->be.tap_name = tap;
	c->be.netns = netns;
	c->be.accept_offload = kind == NETBE_TAP;
}

static void bn_host_init(struct bn_host *h, struct hostside *hs)
{
	memset(h, 0, sizeof *h);
	h->hs = hs;
	h->nic = hostside_nic(hs, 0);
	h->gen_seen = bn_sh->src_gen;
}

/* Feed the guest until its receive buffer or ring is full; the next pump
 * (after the guest's completions) goes on. */
static void bn_host_source(struct bn_host *h)
{
	uint32_t gen = __atomic_load_n(&bn_sh->src_gen, __ATOMIC_ACQUIRE);
	if (gen != h->gen_seen) {
		h->gen_seen = gen;
		h->left = bn_sh->src_count;
		h->size = bn_sh->src_size;
		h->sent = 0;
		for (unsigned k = 0; k < BN_FLOWS; k++)
			bn_frame(h->frames[k], h->size, bn_guest_mac, bn_host_mac, k, false);
	}
	struct netbe_meta m;
	memset(&m, 0, sizeof m);
	m.csum_valid = true;
	while (h->left) {
		int rc = netvsp_rx(h->nic, h->frames[h->sent % BN_FLOWS], h->size, &m);
		if (rc == -ENOBUFS || rc == -EAGAIN) {
			bn_sh->host_rx_retries++;
			break;
		}
		if (rc) {
			bn_sh->host_rx_errors++;
			h->left = 0;
			break;
		}
		h->sent++;
		h->left--;
	}
}

static bool bn_host_pump(struct bn_host *h)
{
	bool more = false;
	for (int i = 0; i < 16; i++) {
		bool any = hostside_pump(h->hs);
		bn_host_source(h);
		more = any;
		if (!any)
			break;
	}
	if (h->nic) {
		struct netvsp_stats st;
		netvsp_get_stats(h->nic, &st);
		bn_sh->host_tx_frames = st.tx_frames;
		bn_sh->host_tx_bytes = st.tx_bytes;
		bn_sh->host_rx_frames = st.rx_frames;
		__atomic_add_fetch(&bn_sh->host_gen, 1, __ATOMIC_RELEASE);
	}
	return more;
}

/* ==== guest: sends and counts through hn (guest context) ================== */

static struct {
	struct kern_waitq *wq;
	uint64_t rx_want, rx_got, rx_bytes;
	uint64_t rx_q[HN_MAX_QUEUES];
	uint8_t *frames[BN_FLOWS];
} bg;

static void bg_rx(void *arg, struct hn_if *hn, const uint8_t *frame, uint32_t len,
		  const struct hn_rxmeta *m)
{
	(void)arg;
	(void)hn;
	(void)frame;
	__atomic_add_fetch(&bg.rx_bytes, len, __ATOMIC_RELAXED);
	if (m->queue < HN_MAX_QUEUES)
		__atomic_add_fetch(&bg.rx_q[m->queue], 1, __ATOMIC_RELAXED);
	/* Wake the waiter once, at the end. */
	if (__atomic_add_fetch(&bg.rx_got, 1, __ATOMIC_RELEASE) == bg.rx_want)
		kern_wakeup(bg.wq);
}

static int bg_setup(void *arg)
{
	(void)arg;
	struct hn_if *hn = hn_find(0);
	if (!hn)
		return -ENODEV;
	bg.wq = kern_waitq_create();
	if (!bg.wq)
		return -ENOMEM;
	for (unsigned k = 0; k < BN_FLOWS; k++) {
		bg.frames[k] = kern_zalloc(BN_MAX_FRAME);
		if (!bg.frames[k])
			return -ENOMEM;
	}
	hn_set_rx_cb(hn, bg_rx, NULL);
	return 0;
}

static int bg_teardown(void *arg)
{
	(void)arg;
	struct hn_if *hn = hn_find(0);
	if (hn)
		hn_set_rx_cb(hn, NULL, NULL);
	for (unsigned k = 0; k < BN_FLOWS; k++) {
		kern_free(bg.frames[k]);
		bg.frames[k] = NULL;
	}
	kern_waitq_destroy(bg.wq);
	bg.wq = NULL;
	return 0;
}

enum bn_kind { BN_G2H_64, BN_G2H_1514, BN_G2H_LSO, BN_H2G_64, BN_H2G_1514, BN_NKINDS };
static const char *const bn_kind_name[BN_NKINDS] = {
	"guest->host 64 B", "guest->host 1514 B", "guest->host LSO 64K",
	"host->guest 64 B", "host->guest 1514 B",
};
static const uint32_t bn_kind_size[BN_NKINDS] = { 64, 1514, BN_LSO_FRAME, 64, 1514 };

struct bn_run {
	enum bn_kind kind;
	uint32_t count;
	unsigned nq;
	uint64_t rx_q[HN_MAX_QUEUES];
};

static int bg_tx(void *arg)
{
	struct bn_run *r = arg;
	struct hn_if *hn = hn_find(0);
	if (!hn)
		return -ENODEV;
	bool lso = r->kind == BN_G2H_LSO;
	uint32_t size = bn_kind_size[r->kind];
	for (unsigned k = 0; k < BN_FLOWS; k++)
		bn_frame(bg.frames[k], size, bn_host_mac, bn_guest_mac, k, lso);
	struct hn_txmeta tm;
	memset(&tm, 0, sizeof tm);
	if (lso) {
		tm.csum_partial = true;
		tm.csum_start = 34;
		tm.csum_offset = 16;
		tm.mss = BN_MSS;
	}
	for (uint32_t i = 0; i < r->count; i++) {
		tm.queue = (int)(i % r->nq);
		int rc = hn_send(hn, bg.frames[i % BN_FLOWS], size, &tm, HN_TX_WAIT);
		if (rc)
			return rc;
	}
	return hn_tx_drain(hn);
}

static bool bg_rx_done(void *arg)
{
	(void)arg;
	return __atomic_load_n(&bg.rx_got, __ATOMIC_ACQUIRE) >= bg.rx_want;
}

static int bg_h2g(void *arg)
{
	struct bn_run *r = arg;
	bg.rx_want = r->count;
	__atomic_store_n(&bg.rx_bytes, 0, __ATOMIC_RELAXED);
	memset(bg.rx_q, 0, sizeof bg.rx_q);
	__atomic_store_n(&bg.rx_got, 0, __ATOMIC_RELEASE);
	bn_sh->src_count = r->count;
	bn_sh->src_size = bn_kind_size[r->kind];
	__atomic_add_fetch(&bn_sh->src_gen, 1, __ATOMIC_RELEASE);
	/* inproc: the transport pumps the host while we wait; split: the
	 * daemon polls every 100 us while the NIC exists. */
	int rc = kern_wait(bg.wq, bg_rx_done, NULL, BN_WAIT_NS);
	for (unsigned q = 0; q < HN_MAX_QUEUES; q++)
		r->rx_q[q] = __atomic_load_n(&bg.rx_q[q], __ATOMIC_RELAXED);
	return rc;
}

/* ==== sessions ================================================================ */

enum bn_mode { BN_INPROC, BN_SPLIT };

struct bn_sess {
	enum bn_mode mode;
	unsigned nq;
	/* inproc */
	struct gmem *gm;
	struct part *p;
	struct bn_host *host;
	/* split */
	pid_t daemon;
	char dir[64], path[96];
	/* both */
	struct gk_transport *t;
	struct gk_runtime *rt;
	bool guest_up;
};

static bool inproc_pump(void *arg)
{
	return bn_host_pump(arg);
}

/* The daemon's per-session extension: hostside with the NIC; the NIC's
 * back end makes hostd poll it (hostside_wants_poll). */
static struct hostside_config bd_hc;

static int bd_attach(struct hsess *s, void *arg, void **ctx)
{
	(void)arg;
	struct bn_host *h = calloc(1, sizeof *h);
	if (!h)
		return -ENOMEM;
	struct hostside *hs = hostside_create(hsess_part(s), hsess_gmem(s), &bd_hc,
					      hsess_hostside_notify(), s);
	if (!hs) {
		int e = errno;
		free(h);
		return e ? -e : -ENOMEM;
	}
	bn_host_init(h, hs);
	*ctx = h;
	return 0;
}

static bool bd_pump(void *ctx)
{
	return bn_host_pump(ctx);
}

static bool bd_wants_poll(void *ctx)
{
	struct bn_host *h = ctx;
	return hostside_wants_poll(h->hs);
}

static void bd_detach(void *ctx)
{
	struct bn_host *h = ctx;
	hostside_destroy(h->hs);
	free(h);
}

static uint64_t bd_activity(void *ctx)
{
	struct bn_host *h = ctx;
	return hostside_activity(h->hs);
}

static const struct hsess_ext bd_ext = {
	.attach = bd_attach, .pump = bd_pump, .detach = bd_detach,
	.poll_ns = HOSTSIDE_POLL_NS, .poll_max_ns = HOSTSIDE_POLL_MAX_NS,
	.wants_poll = bd_wants_poll, .activity = bd_activity,
};

static pid_t start_daemon(const char *path)
{
	struct hostd_config cfg = {
		.socket_path = path, .max_guests = 4, .handle_signals = true, .ext = &bd_ext,
	};
	return bench_hostd_fork(&cfg, "BN_DEBUG");
}

static void sess_close(struct bn_sess *s);

/* Boot a guest with hn0 on nq queues over a host NIC whose back end is
 * 'kind' (NETBE_NULL for the throughput runs, NETBE_TAP for the bridge). */
static int sess_open(struct bn_sess *s, enum bn_mode mode, unsigned nq, enum netbe_kind kind,
		     const char *tap, const char *netns)
{
	memset(s, 0, sizeof *s);
	s->mode = mode;
	s->nq = nq;
	char err[256] = "";
	struct hostside_config hc;
	bn_host_nic_cfg(&hc, nq, kind, tap, netns);
	if (mode == BN_INPROC) {
		s->gm = gmem_create(BN_MEM);
		if (!s->gm)
			return -1;
		s->t = gk_inproc_create(gmem_ptr(s->gm, 0, BN_MEM), BN_MEM, nq);
		struct part_config pc = { .profile = hv_profile_find(BN_PROFILE), .nvcpus = nq };
		s->p = s->t ? part_create(s->gm, &pc, gk_inproc_part_notify(), s->t) : NULL;
		if (!s->p)
			goto fail;
		gk_inproc_attach(s->t, s->p);
		struct hostside *hs = hostside_create(s->p, s->gm, &hc, NULL, NULL);
		s->host = calloc(1, sizeof *s->host);
		if (!hs || !s->host) {
			hostside_destroy(hs);
			goto fail;
		}
		bn_host_init(s->host, hs);
		gk_inproc_set_pump(s->t, inproc_pump, s->host);
	} else {
		bd_hc = hc;
		snprintf(s->dir, sizeof s->dir, "/tmp/hvsim-bench-XXXXXX");
		if (!mkdtemp(s->dir)) {
			s->dir[0] = '\0';
			return -1;
		}
		snprintf(s->path, sizeof s->path, "%s/s", s->dir);
		s->daemon = start_daemon(s->path);
		if (s->daemon < 0)
			goto fail;
		s->t = gk_split_connect(s->path, BN_PROFILE, nq, BN_MEM, err, sizeof err);
		if (!s->t)
			goto fail;
	}
	struct gk_runtime_config rc = {
		.sched = mode == BN_INPROC ? GK_SCHED_INPROC : GK_SCHED_THREADS, .seed = 1,
		.log_level = getenv("BN_DEBUG") ? 2 : 0,
	};
	s->rt = gk_runtime_create(s->t, &rc);
	if (!s->rt)
		goto fail;
	struct gk_boot_report br;
	if (gk_guest_boot(s->rt, &br) != 0 || br.status != 0) {
		snprintf(err, sizeof err, "guest boot failed (%d)", br.status);
		goto fail;
	}
	static struct gk_vmbus_report vr; /* large */
	if (gk_guest_vmbus_connect(s->rt, 0, false, &vr) != 0 || vr.status != 0) {
		snprintf(err, sizeof err, "VMBus connect failed (%d)", vr.status);
		goto fail;
	}
	struct gk_net_config nc = { .max_queues = nq };
	struct gk_net_status st;
	if (gk_guest_net_start(s->rt, &nc) != 0 || gk_guest_net_status(s->rt, 0, &st) != 0 ||
	    !st.running || st.nqueues != nq || !st.lso4) {
		snprintf(err, sizeof err, "hn0 not up with %u queues and LSO (running %d, %u queues)",
			 nq, st.running, st.nqueues);
		goto fail;
	}
	s->guest_up = true;
	return 0;
fail:
	fprintf(stderr, "bench_net: %s session: %s\n", mode == BN_INPROC ? "inproc" : "split",
		err[0] ? err : strerror(errno));
	sess_close(s);
	return -1;
}

static void sess_close(struct bn_sess *s)
{
	if (s->rt) {
		if (s->guest_up)
			gk_guest_net_stop(s->rt);
		gk_guest_vmbus_disconnect(s->rt);
		gk_guest_shutdown(s->rt);
		gk_runtime_destroy(s->rt);
	}
	if (s->mode == BN_INPROC) {
		if (s->host)
			hostside_destroy(s->host->hs);
		free(s->host);
		part_destroy(s->p);
		if (s->t)
			s->t->ops->close(s->t);
		gmem_destroy(s->gm);
	} else {
		if (s->t)
			s->t->ops->close(s->t);
		bench_hostd_stop(s->daemon);
		bench_hostd_remove_files(s->dir, s->path);
	}
	memset(s, 0, sizeof *s);
}

/* The host's counters as of a pump that ran after 'after' was read. */
static void host_counters(const struct bn_sess *s, uint32_t after, struct bn_shared *out)
{
	if (s->mode == BN_SPLIT) {
		for (int i = 0; i < 1000 && __atomic_load_n(&bn_sh->host_gen, __ATOMIC_ACQUIRE) ==
						      after; i++)
			sleep_ms(1);
	}
	*out = *bn_sh;
}

/* One timed run: frames/s, or < 0 on failure (counts checked). */
static double sess_run(struct bn_sess *s, enum bn_kind kind, uint32_t count)
{
	struct bn_run r = { .kind = kind, .count = count, .nq = s->nq };
	bool h2g = kind >= BN_H2G_64;
	struct bn_shared before, after;
	host_counters(s, 0xFFFFFFFFu, &before);
	uint64_t t0 = mono_ns();
	int rc = gk_runtime_call(s->rt, h2g ? bg_h2g : bg_tx, &r);
	uint64_t dt = mono_ns() - t0;
	host_counters(s, __atomic_load_n(&bn_sh->host_gen, __ATOMIC_ACQUIRE), &after);
	uint64_t host = h2g ? after.host_rx_frames - before.host_rx_frames
			    : after.host_tx_frames - before.host_tx_frames;
	if (getenv("BN_DEBUG"))
		fprintf(stderr, "  [%s q%u: %.1f ms, host frames %llu, rx retries %llu, rx per queue %llu/%llu]\n",
			bn_kind_name[kind], s->nq, dt / 1e6, (unsigned long long)host,
			(unsigned long long)(after.host_rx_retries - before.host_rx_retries),
			(unsigned long long)r.rx_q[0], (unsigned long long)r.rx_q[1]);
	if (rc != 0 || host != count || after.host_rx_errors != before.host_rx_errors) {
		fprintf(stderr, "bench_net: %s run failed: rc %d, host counted %llu of %u frames\n",
			bn_kind_name[kind], rc, (unsigned long long)host, count);
		return -1;
	}
	return (double)count * 1e9 / (double)dt;
}

/* ==== baseline: the same frames through the two-process SPSC ring ======= */

static void bl_consume(void *arg, const uint8_t *pkt, uint32_t len)
{
	uint64_t *bytes = arg;
	(void)pkt;
	*bytes += len;
}

/* The parent produces, a forked child consumes and reports once it holds
 * every frame.  Frames/s or < 0. */
static double baseline_run(uint32_t count, uint32_t size, uint32_t ring_bytes)
{
	int cfd = eventfd(0, EFD_CLOEXEC), pfd = eventfd(0, EFD_CLOEXEC);
	int done[2] = { -1, -1 }, go[2] = { -1, -1 };
	struct spsc_ring r;
	memset(&r, 0, sizeof r);
	uint8_t *buf = malloc(BN_MAX_FRAME + 64);
	double pps = -1;
	if (cfd < 0 || pfd < 0 || !buf || pipe(done) || pipe(go) ||
	    spsc_create(&r, ring_bytes, cfd, pfd) != 0)
		goto out;
	bn_frame(buf, size, bn_host_mac, bn_guest_mac, 1, size > 1514);
	pid_t pid = fork();
	if (pid == 0) {
		uint64_t bytes = 0;
		char g;
		if (read(go[0], &g, 1) != 1)
			_exit(1);
		spsc_recv(&r, count, buf, bl_consume, &bytes);
		char res = bytes == (uint64_t)count * size ? 'y' : 'n';
		_exit(write(done[1], &res, 1) == 1 ? 0 : 1);
	}
	if (pid < 0)
		goto out;
	uint64_t t0 = mono_ns();
	if (write(go[1], "g", 1) == 1) {
		for (uint32_t i = 0; i < count; i++)
			spsc_send(&r, buf, size);
		char res = 'n';
		if (read(done[0], &res, 1) == 1 && res == 'y')
			pps = (double)count * 1e9 / (double)(mono_ns() - t0);
	}
	waitpid(pid, NULL, 0);
out:
	if (r.ctl)
		spsc_destroy(&r);
	for (int i = 0; i < 2; i++) {
		if (done[i] >= 0)
			close(done[i]);
		if (go[i] >= 0)
			close(go[i]);
	}
	if (cfd >= 0)
		close(cfd);
	if (pfd >= 0)
		close(pfd);
	free(buf);
	if (pps < 0)
		fprintf(stderr, "bench_net: baseline run failed\n");
	return pps;
}

/* ==== throughput driver ==================================================== */

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, unsigned n)
{
	qsort(v, n, sizeof v[0], cmp_dbl);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The baseline ring is as large as hn's send buffer (1 MiB): the bytes a
 * guest->host frame crosses on its way to the host. */
#define BN_RING_BYTES (1u << 20)

/* LSO sends move ~43 segments' worth of bytes each: fewer of them. */
static uint32_t kind_count(enum bn_kind k, uint32_t count)
{
	uint32_t n = k == BN_G2H_LSO ? count / 40u : count;
	return n ? n : 1;
}

static void print_row(const char *mode, unsigned nq, enum bn_kind k, double chan, double base)
{
	uint32_t size = bn_kind_size[k];
	if (k == BN_G2H_64 || k == BN_H2G_64)
		printf("%-6s  %u  %-20s  %9.3f Mpps    %9.3f Mpps    %6.2f\n", mode, nq,
		       bn_kind_name[k], chan / 1e6, base / 1e6, chan / base);
	else
		printf("%-6s  %u  %-20s  %9.2f Gbit/s  %9.2f Gbit/s  %6.2f\n", mode, nq,
		       bn_kind_name[k], chan * size * 8 / 1e9, base * size * 8 / 1e9, chan / base);
}

static int bench_mode(enum bn_mode mode, unsigned nq, uint32_t count, unsigned reps)
{
	struct bn_sess s;
	if (sess_open(&s, mode, nq, NETBE_NULL, NULL, NULL) != 0)
		return -1;
	int rc = gk_runtime_call(s.rt, bg_setup, NULL);
	double base[BN_NKINDS][BN_MAX_REPS], chan[BN_NKINDS][BN_MAX_REPS];
	for (unsigned k = 0; k < reps && rc == 0; k++) {
		for (unsigned j = 0; j < BN_NKINDS && rc == 0; j++) {
			uint32_t n = kind_count(j, count);
			base[j][k] = baseline_run(n, bn_kind_size[j], BN_RING_BYTES);
			chan[j][k] = sess_run(&s, j, n);
			if (base[j][k] < 0 || chan[j][k] < 0)
				rc = -1;
		}
	}
	gk_runtime_call(s.rt, bg_teardown, NULL);
	sess_close(&s);
	if (rc)
		return rc;
	for (unsigned j = 0; j < BN_NKINDS; j++)
		print_row(mode == BN_INPROC ? "inproc" : "split", nq, j, median(chan[j], reps),
			  median(base[j], reps));
	fflush(stdout);
	return 0;
}

/* ==== the bridge session (bench/net_iperf.sh) ============================= */

static volatile sig_atomic_t bn_stop;

static void bn_sig(int sig)
{
	(void)sig;
	bn_stop = 1;
}

static int bridge(enum bn_mode mode, unsigned nq, const char *nsg, const char *nsh, double secs,
		  bool drop)
{
	struct bn_sess s;
	if (sess_open(&s, mode, nq, NETBE_TAP, "hvh0", nsh) != 0)
		return 1;
	struct gk_hn_bridge_config bc = { .unit = 0, .tap_name = "hvg0", .netns = nsg,
					  .offload = true, .drop_when_full = drop };
	int rc = gk_hn_bridge_start(s.rt, &bc);
	if (rc) {
		fprintf(stderr, "bench_net: bridge: %s\n", strerror(-rc));
		sess_close(&s);
		return 1;
	}
	printf("READY %s, %u queue%s, %s when hn is full\n", mode == BN_INPROC ? "inproc" : "split",
	       nq, nq == 1 ? "" : "s", drop ? "drop" : "backpressure");
	fflush(stdout);
	signal(SIGTERM, bn_sig);
	signal(SIGINT, bn_sig);
	uint64_t end = mono_ns() + (uint64_t)(secs * 1e9);
	while (!bn_stop && mono_ns() < end) {
		if (mode == BN_INPROC)
			gk_guest_sleep(s.rt, 1000000);  /* virtual time: runs the guest */
		else
			sleep_ms(50);
	}
	struct gk_hn_bridge_stats bs;
	gk_hn_bridge_stats(&bs);
	struct gk_net_status st;
	gk_guest_net_status(s.rt, 0, &st);
	printf("STATS to_hn %llu lso %llu segmented %llu held %llu to_hn_dropped %llu to_tap %llu "
	       "to_tap_dropped %llu hn_tx %llu hn_rx %llu hn_drops %llu\n",
	       (unsigned long long)bs.to_hn, (unsigned long long)bs.to_hn_lso,
	       (unsigned long long)bs.to_hn_segmented, (unsigned long long)bs.to_hn_held,
	       (unsigned long long)bs.to_hn_dropped, (unsigned long long)bs.to_tap,
	       (unsigned long long)bs.to_tap_dropped, (unsigned long long)st.tx_pkts,
	       (unsigned long long)st.rx_pkts, (unsigned long long)st.drops);
	fflush(stdout);
	gk_hn_bridge_stop(s.rt);
	sess_close(&s);
	return 0;
}

/* ==== main ==================================================================== */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: bench_net [-n FRAMES] [-r REPS] [-q 1|2|both] [-m inproc|split|both] [--smoke]\n"
		"       bench_net --bridge NSG NSH [-s SECONDS] [-q QUEUES] [-m inproc|split] [--drop]\n"
		"  -n FRAMES  per run (default 200000; LSO runs send FRAMES/40)\n"
		"  -r REPS    runs, median printed (default 3)\n"
		"  --smoke    tiny counts, one rep, every mode and queue count\n"
		"  --bridge   hn0 bridged to TAP hvg0 in netns NSG, the host NIC's TAP hvh0 in\n"
		"             netns NSH, for SECONDS (default 10) or until SIGTERM; prints\n"
		"             READY, then STATS; --drop: the old drop-when-full bridge\n");
}

int main(int argc, char **argv)
{
	uint32_t count = 200000;
	unsigned reps = 3;
	const char *mode = "both", *queues = "both";
	const char *nsg = NULL, *nsh = NULL;
	double secs = 10;
	bool br = false, drop = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "-n") && v) {
			count = (uint32_t)strtoul(v, NULL, 10);
			i++;
		} else if (!strcmp(a, "-r") && v) {
			reps = (unsigned)strtoul(v, NULL, 10);
			i++;
		} else if (!strcmp(a, "-m") && v) {
			mode = v;
			i++;
		} else if (!strcmp(a, "-q") && v) {
			queues = v;
			i++;
		} else if (!strcmp(a, "-s") && v) {
			secs = atof(v);
			i++;
		} else if (!strcmp(a, "--bridge") && v && i + 2 < argc) {
			br = true;
			nsg = argv[i + 1];
			nsh = argv[i + 2];
			i += 2;
		} else if (!strcmp(a, "--drop")) {
			drop = true;
		} else if (!strcmp(a, "--smoke")) {
			count = 400;
			reps = 1;
		} else {
			bool help = !strcmp(a, "-h") || !strcmp(a, "--help");
			usage(help ? stdout : stderr);
			return help ? 0 : 2;
		}
	}
	bool q1 = strcmp(queues, "2") != 0, q2 = strcmp(queues, "1") != 0;
	bool inproc = strcmp(mode, "split") != 0, split = strcmp(mode, "inproc") != 0;
	if (count < 1 || reps < 1 || reps > BN_MAX_REPS ||
	    (strcmp(mode, "both") && !(inproc ^ split)) ||
	    (strcmp(queues, "both") && !(q1 ^ q2)) || (br && !(inproc ^ split))) {
		usage(stderr);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	bn_sh = shared_map();
	if (!bn_sh) {
		perror("bench_net: mmap");
		return 1;
	}
	if (br)
		return bridge(inproc ? BN_INPROC : BN_SPLIT, q2 && !q1 ? 2 : 1, nsg, nsh, secs, drop);
	printf("hn <-> netvsp (null back end) vs the same frames through a two-process SPSC ring\n"
	       "(%u KiB); %u frames per run (LSO: %u sends of %u B, mss %u), median of %u\n",
	       BN_RING_BYTES >> 10, count, kind_count(BN_G2H_LSO, count), BN_LSO_FRAME, BN_MSS, reps);
	printf("%-6s  %s  %-20s  %16s  %16s  %6s\n", "mode", "q", "run", "hn/netvsp", "spsc ring",
	       "ratio");
	int rc = 0;
	for (int m = 0; m < 2; m++) {
		if ((m == 0 && !inproc) || (m == 1 && !split))
			continue;
		if (q1)
			rc |= bench_mode(m ? BN_SPLIT : BN_INPROC, 1, count, reps);
		if (q2)
			rc |= bench_mode(m ? BN_SPLIT : BN_INPROC, 2, count, reps);
	}
	munmap(bn_sh, sizeof *bn_sh);
	return rc ? 1 : 0;
}
