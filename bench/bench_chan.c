/* bench_chan.c -- VMBus channel throughput against a baseline measured in
 * the same run: in-band packets of 64 and 1500 bytes guest -> host and
 * host -> guest through the real guest bus driver and the real host server,
 * in inproc mode (one process) and split mode (a forked hostd with the
 * same libevent loop as hvsim-hostd), beside the simplest correct
 * shared-memory SPSC ring between two processes (spsc_ring.h) moving the
 * same payloads; prints packets/s and the ratio.  Also measures the CPU an
 * idle hvsim-hostd burns per guest session (--idle).
 *
 * usage: bench_chan [-n PACKETS] [-r REPS] [-k RING_KIB] [-m inproc|split|both]
 *                   [--monitor] [--smoke]
 *        bench_chan --idle [--hostd PATH] [-s SECONDS] [GUESTS...]   */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench/spsc_ring.h"
#include "guest_drivers/kern.h"
#include "guest_drivers/vmbus/vmbus.h"
#include "hyperv/vmbus_ring.h"
#include "sim/devices/hostside.h"
#include "sim/guest/guest_actions.h"
#include "sim/guest/guest_ic.h"
#include "sim/guest/guest_net.h"
#include "sim/guest/guest_vmbus.h"
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
#include "sim/hostd/vmbs_dev.h"

#define BC_PROFILE   "ws2022"
#define BC_MEM       (64ull << 20)
#define BC_MAX_SIZE  4096u
#define BC_WAIT_NS   (60ull * 1000000000ull)

/* A made-up interface GUID for the bench device:
 * b3c4a1d0-0b5e-4c4e-9c1a-62656e636830 ("bench0"). */
#define BC_GUID { 0xd0, 0xa1, 0xc4, 0xb3, 0x5e, 0x0b, 0x4e, 0x4c, \
		  0x9c, 0x1a, 0x62, 0x65, 0x6e, 0x63, 0x68, 0x30 }

/* Every payload starts with this header; the rest is a fixed pattern. */
enum bc_op { BC_OP_DATA = 1, BC_OP_SOURCE = 2 };
struct bc_hdr {
	uint32_t op;    /* enum bc_op */
	uint32_t seq;   /* DATA: 0, 1, 2 ... per run */
	uint32_t count; /* SOURCE: packets the host sends */
	uint32_t size;  /* SOURCE: payload bytes of each */
};
/* The host's completion of the last guest->host packet. */
struct bc_comp {
	uint64_t pkts;
	uint64_t bad;
};

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

static void fill_pattern(uint8_t *buf, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(i * 7u + 1u);
}

/* ==== host: a sink / source device ========================================== */

struct bhd {
	struct vmbs_chan *ch;
	uint64_t rx_pkts, rx_bad;
	uint32_t rx_seq;
	uint32_t src_left, src_size, src_seq; /* host -> guest run under way */
	uint8_t  buf[BC_MAX_SIZE];
};

/* Send what is left of a SOURCE run until the ring is full; ops->writable
 * brings us back when the guest has freed room. */
static void bhd_source(struct bhd *d)
{
	while (d->src_left) {
		struct bc_hdr h = { .op = BC_OP_DATA, .seq = d->src_seq };
		memcpy(d->buf, &h, sizeof h);
		int rc = vmbs_chan_send_inband(d->ch, 0, d->buf, d->src_size, false);
		if (rc == -EAGAIN)
			return;
		if (rc) {
			d->src_left = 0;
			return;
		}
		d->src_seq++;
		d->src_left--;
	}
}

static int bhd_open(struct vmbs_chan *ch)
{
	struct bhd *d = vmbs_chan_ctx(ch);
	d->rx_pkts = d->rx_bad = 0;
	d->rx_seq = 0;
	d->src_left = 0;
	return 0;
}

static int bhd_packet(struct vmbs_chan *ch, const struct vmbus_pkt_desc *desc,
		      const uint8_t *pkt, uint32_t len)
{
	struct bhd *d = vmbs_chan_ctx(ch);
	uint32_t off = desc->offset8 * 8u;
	struct bc_hdr h;
	if (desc->type != VMBUS_PKT_DATA_INBAND || len - off < sizeof h)
		return -EINVAL;
	memcpy(&h, pkt + off, sizeof h);
	if (h.op == BC_OP_SOURCE) {
		if (h.size < sizeof h || h.size > BC_MAX_SIZE)
			return -EINVAL;
		d->src_left = h.count;
		d->src_size = h.size;
		d->src_seq = 0;
		bhd_source(d);
		return 0;
	}
	if (h.seq != d->rx_seq)
		d->rx_bad++;
	d->rx_seq = h.seq + 1;
	d->rx_pkts++;
	if (desc->flags & VMBUS_PKT_FLAG_COMPLETION_REQUESTED) {
		struct bc_comp c = { d->rx_pkts, d->rx_bad };
		d->rx_pkts = d->rx_bad = 0;
		d->rx_seq = 0;
		return vmbs_chan_send_completion(ch, desc->trans_id, &c, sizeof c) == 0 ? 0
											  : -EIO;
	}
	return 0;
}

static void bhd_writable(struct vmbs_chan *ch)
{
	bhd_source(vmbs_chan_ctx(ch));
}

static void bhd_close(struct vmbs_chan *ch)
{
	struct bhd *d = vmbs_chan_ctx(ch);
	d->src_left = 0;
}

static const struct vmbs_dev_ops bhd_ops = {
	.open = bhd_open,
	.packet = bhd_packet,
	.close = bhd_close,
	.writable = bhd_writable,
};

static int bhd_add(struct vmbs *vb, struct bhd *d, bool monitor)
{
	memset(d, 0, sizeof *d);
	fill_pattern(d->buf, sizeof d->buf);
	struct vmbs_dev_params p;
	memset(&p, 0, sizeof p);
	const uint8_t cls[16] = BC_GUID;
	memcpy(&p.class_id, cls, sizeof p.class_id);
	memset(&p.instance_id, 0x42, sizeof p.instance_id);
	p.wants_monitor = monitor;
	d->ch = vmbs_dev_add(vb, &p, &bhd_ops, d);
	return d->ch ? 0 : -errno;
}

/* ==== guest: the bench driver (kern.h + vmbus.h only) ======================= */

static struct {
	uint32_t ring_bytes;
	struct vmbus_channel *ch;
	struct kern_waitq *wq;
	/* host -> guest */
	uint64_t rx_pkts, rx_bad, rx_want;
	uint32_t rx_seq;
	/* guest -> host */
	bool comp_done;
	struct bc_comp comp;
	uint8_t buf[BC_MAX_SIZE];
} bgd;

static void bgd_rx(struct vmbus_channel *ch, const struct vmbus_pkt *p, void *arg)
{
	(void)ch;
	(void)arg;
	struct bc_hdr h;
	if (p->type == VMBUS_PKT_COMP && p->payload_len >= sizeof bgd.comp) {
		memcpy(&bgd.comp, p->payload, sizeof bgd.comp);
		__atomic_store_n(&bgd.comp_done, true, __ATOMIC_RELEASE);
		kern_wakeup(bgd.wq);
		return;
	}
	if (p->type != VMBUS_PKT_DATA_INBAND || p->payload_len < sizeof h)
		return;
	memcpy(&h, p->payload, sizeof h);
	if (h.seq != bgd.rx_seq)
		bgd.rx_bad++;
	bgd.rx_seq = h.seq + 1;
	/* Wake the waiter once, at the end: a wakeup per packet would
	 * measure the scheduler, not the channel. */
	if (__atomic_add_fetch(&bgd.rx_pkts, 1, __ATOMIC_RELEASE) == bgd.rx_want)
		kern_wakeup(bgd.wq);
}

static int bgd_attach(struct vmbus_device *dev)
{
	struct vmbus_channel *ch = vmbus_device_channel(dev);
	int rc = vmbus_chan_open(ch, bgd.ring_bytes, bgd.ring_bytes, NULL, 0, bgd_rx, NULL);
	if (rc == 0)
		bgd.ch = ch;
	return rc;
}

static void bgd_detach(struct vmbus_device *dev)
{
	vmbus_chan_close(vmbus_device_channel(dev));
	bgd.ch = NULL;
}

static struct vmbus_driver bgd_driver = {
	.name = "bench",
	.class_id = { BC_GUID },
	.attach = bgd_attach,
	.detach = bgd_detach,
};

static int bgd_register(void *arg)
{
	(void)arg;
	bgd.wq = kern_waitq_create();
	if (!bgd.wq)
		return -ENOMEM;
	fill_pattern(bgd.buf, sizeof bgd.buf);
	return vmbus_driver_register(&bgd_driver);
}

static int bgd_unregister(void *arg)
{
	(void)arg;
	vmbus_driver_unregister(&bgd_driver);
	kern_waitq_destroy(bgd.wq);
	bgd.wq = NULL;
	return 0;
}

struct bc_run {
	uint32_t count, size;
	uint64_t bad;     /* sequence errors seen by the receiver */
	uint64_t got;     /* packets the receiver counted */
};

static bool bgd_comp_done(void *arg)
{
	(void)arg;
	return __atomic_load_n(&bgd.comp_done, __ATOMIC_ACQUIRE);
}

/* Guest context: send count packets, the last asking for a completion
 * that carries the host's count. */
static int bgd_g2h(void *arg)
{
	struct bc_run *r = arg;
	if (!bgd.ch)
		return -ENODEV;
	bgd.comp_done = false;
	for (uint32_t i = 0; i < r->count; i++) {
		struct bc_hdr h = { .op = BC_OP_DATA, .seq = i };
		memcpy(bgd.buf, &h, sizeof h);
		bool last = i + 1 == r->count;
		int rc = vmbus_chan_send(bgd.ch, bgd.buf, r->size, last ? 1 : 0, last);
		if (rc)
			return rc;
	}
	int rc = kern_wait(bgd.wq, bgd_comp_done, NULL, BC_WAIT_NS);
	r->got = bgd.comp.pkts;
	r->bad = bgd.comp.bad;
	return rc;
}

static bool bgd_rx_done(void *arg)
{
	(void)arg;
	return __atomic_load_n(&bgd.rx_pkts, __ATOMIC_ACQUIRE) >= bgd.rx_want;
}

/* Guest context: ask the host for count packets and wait for all. */
static int bgd_h2g(void *arg)
{
	struct bc_run *r = arg;
	if (!bgd.ch)
		return -ENODEV;
	bgd.rx_want = r->count;
	bgd.rx_seq = 0;
	bgd.rx_bad = 0;
	__atomic_store_n(&bgd.rx_pkts, 0, __ATOMIC_RELEASE);
	struct bc_hdr h = { .op = BC_OP_SOURCE, .count = r->count, .size = r->size };
	int rc = vmbus_chan_send(bgd.ch, &h, sizeof h, 0, false);
	if (rc == 0)
		rc = kern_wait(bgd.wq, bgd_rx_done, NULL, BC_WAIT_NS);
	r->got = __atomic_load_n(&bgd.rx_pkts, __ATOMIC_ACQUIRE);
	r->bad = bgd.rx_bad;
	return rc;
}

/* ==== sessions: a guest with the bench device, inproc or split =========== */

enum bc_mode { BC_INPROC, BC_SPLIT };

struct bc_sess {
	enum bc_mode mode;
	/* inproc */
	struct gmem *gm;
	struct part *p;
	struct hostside *hs;
	struct bhd dev;
	/* split */
	pid_t daemon;
	char dir[64], path[96];
	/* both */
	struct gk_transport *t;
	struct gk_runtime *rt;
};

static bool inproc_pump(void *arg)
{
	bool did = false;
	for (int i = 0; i < 16 && hostside_pump(arg); i++)
		did = true;
	return did;
}

static bool g_monitor; /* offer the bench device with a monitor id */

/* The bench daemon's per-session extension: the same hostside as
 * hvsim-hostd, minus the ICs, plus the bench device; same 100 us poll. */
struct bd_sess {
	struct hostside *hs;
	struct bhd dev;
};

static int bd_attach(struct hsess *s, void *arg, void **ctx)
{
	(void)arg;
	struct bd_sess *b = calloc(1, sizeof *b);
	if (!b)
		return -ENOMEM;
	struct hostside_config hc = { .vmbus = true };
	b->hs = hostside_create(hsess_part(s), hsess_gmem(s), &hc, hsess_hostside_notify(), s);
	if (!b->hs) {
		free(b);
		return -ENOMEM;
	}
	int rc = bhd_add(hostside_vmbs(b->hs), &b->dev, g_monitor);
	if (rc) {
		hostside_destroy(b->hs);
		free(b);
		return rc;
	}
	*ctx = b;
	return 0;
}

static bool bd_pump(void *ctx)
{
	struct bd_sess *b = ctx;
	return hostside_pump(b->hs);
}

static void bd_detach(void *ctx)
{
	struct bd_sess *b = ctx;
	hostside_destroy(b->hs);
	free(b);
}

static uint64_t bd_activity(void *ctx)
{
	struct bd_sess *b = ctx;
	return hostside_activity(b->hs);
}

static const struct hsess_ext bd_ext = {
	.attach = bd_attach, .pump = bd_pump, .detach = bd_detach,
	.poll_ns = HOSTSIDE_POLL_NS, .poll_max_ns = HOSTSIDE_POLL_MAX_NS,
	.activity = bd_activity,
};

static pid_t start_bench_daemon(const char *path)
{
	struct hostd_config cfg = {
		.socket_path = path, .max_guests = 4, .handle_signals = true, .ext = &bd_ext,
	};
	return bench_hostd_fork(&cfg, "BC_DEBUG"); /* BC_DEBUG keeps its log */
}

static void sess_close(struct bc_sess *s);

static int sess_open(struct bc_sess *s, enum bc_mode mode, uint32_t ring_bytes)
{
	memset(s, 0, sizeof *s);
	s->mode = mode;
	bgd.ring_bytes = ring_bytes;
	char err[256] = "";
	if (mode == BC_INPROC) {
		s->gm = gmem_create(BC_MEM);
		if (!s->gm)
			return -1;
		s->t = gk_inproc_create(gmem_ptr(s->gm, 0, BC_MEM), BC_MEM, 1);
		struct part_config pc = { .profile = hv_profile_find(BC_PROFILE), .nvcpus = 1 };
		s->p = s->t ? part_create(s->gm, &pc, gk_inproc_part_notify(), s->t) : NULL;
		if (!s->p)
			goto fail;
		gk_inproc_attach(s->t, s->p);
		struct hostside_config hc = { .vmbus = true };
		s->hs = hostside_create(s->p, s->gm, &hc, NULL, NULL);
		if (!s->hs || bhd_add(hostside_vmbs(s->hs), &s->dev, g_monitor) != 0)
			goto fail;
		gk_inproc_set_pump(s->t, inproc_pump, s->hs);
	} else {
		snprintf(s->dir, sizeof s->dir, "/tmp/hvsim-bench-XXXXXX");
		if (!mkdtemp(s->dir)) {
			s->dir[0] = '\0';
			return -1;
		}
		snprintf(s->path, sizeof s->path, "%s/s", s->dir);
		s->daemon = start_bench_daemon(s->path);
		if (s->daemon < 0)
			goto fail;
		s->t = gk_split_connect(s->path, BC_PROFILE, 1, BC_MEM, err, sizeof err);
		if (!s->t)
			goto fail;
	}
	struct gk_runtime_config rc = {
		.sched = mode == BC_INPROC ? GK_SCHED_INPROC : GK_SCHED_THREADS, .seed = 1,
		.log_level = 1,
	};
	s->rt = gk_runtime_create(s->t, &rc);
	if (!s->rt)
		goto fail;
	struct gk_boot_report br;
	if (gk_guest_boot(s->rt, &br) != 0 || br.status != 0) {
		snprintf(err, sizeof err, "guest boot failed (%d)", br.status);
		goto fail;
	}
	if (gk_runtime_call(s->rt, bgd_register, NULL) != 0)
		goto fail;
	static struct gk_vmbus_report vr; /* large */
	if (gk_guest_vmbus_connect(s->rt, 0, false, &vr) != 0 || vr.status != 0 || !bgd.ch) {
		snprintf(err, sizeof err, "VMBus connect or bench channel open failed (%d)",
			 vr.status);
		goto fail;
	}
	return 0;
fail:
	fprintf(stderr, "bench_chan: %s session: %s\n", mode == BC_INPROC ? "inproc" : "split",
		err[0] ? err : strerror(errno));
	sess_close(s);
	return -1;
}

static void sess_close(struct bc_sess *s)
{
	if (s->rt) {
		gk_guest_vmbus_disconnect(s->rt);
		gk_runtime_call(s->rt, bgd_unregister, NULL);
		gk_guest_shutdown(s->rt);
		gk_runtime_destroy(s->rt);
	}
	if (s->mode == BC_INPROC) {
		hostside_destroy(s->hs);
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

static int bgd_stats(void *arg)
{
	vmbus_get_stats(arg);
	return 0;
}

/* One timed run; packets/s or a negative number on failure. */
static double sess_run(struct bc_sess *s, bool h2g, uint32_t count, uint32_t size)
{
	struct bc_run r = { .count = count, .size = size };
	struct vmbus_stats st0, st1;
	bool dbg = getenv("BC_DEBUG") != NULL;
	if (dbg)
		gk_runtime_call(s->rt, bgd_stats, &st0);
	uint64_t t0 = mono_ns();
	int rc = gk_runtime_call(s->rt, h2g ? bgd_h2g : bgd_g2h, &r);
	uint64_t dt = mono_ns() - t0;
	if (dbg) {
		gk_runtime_call(s->rt, bgd_stats, &st1);
		fprintf(stderr, "  [%s %u B: %.1f ms, guest signals out %llu, pkts out %llu in %llu, intrs %llu]\n",
			h2g ? "h2g" : "g2h", size, dt / 1e6,
			(unsigned long long)(st1.signals_out - st0.signals_out),
			(unsigned long long)(st1.pkts_out - st0.pkts_out),
			(unsigned long long)(st1.pkts_in - st0.pkts_in),
			(unsigned long long)(bgd.ch ? vmbus_chan_intr_count(bgd.ch) : 0));
	}
	if (rc != 0 || r.got != count || r.bad != 0) {
		fprintf(stderr, "bench_chan: %s run failed: rc %d, %llu of %u packets, %llu out of order\n",
			h2g ? "host->guest" : "guest->host", rc, (unsigned long long)r.got, count,
			(unsigned long long)r.bad);
		return -1;
	}
	return (double)count * 1e9 / (double)dt;
}

/* ==== baseline: the SPSC ring between two processes ======================= */

struct bl_check {
	uint32_t seq;
	uint64_t bad;
};

static void bl_consume(void *arg, const uint8_t *pkt, uint32_t len)
{
	struct bl_check *c = arg;
	struct bc_hdr h;
	if (len < sizeof h) {
		c->bad++;
		return;
	}
	memcpy(&h, pkt, sizeof h);
	if (h.seq != c->seq)
		c->bad++;
	c->seq = h.seq + 1;
}

/* The parent produces, a forked child consumes and reports through a pipe
 * when it has all packets (the same end-to-end span the channel runs time:
 * first send to the receiver holding the last packet).  Packets/s or < 0. */
static double baseline_run(uint32_t count, uint32_t size, uint32_t ring_bytes)
{
	int cfd = eventfd(0, EFD_CLOEXEC), pfd = eventfd(0, EFD_CLOEXEC);
	int done[2] = { -1, -1 }, go[2] = { -1, -1 };
	struct spsc_ring r;
	uint8_t *buf = malloc(BC_MAX_SIZE + 64);
	double pps = -1;
	/* Same data bytes as a VMBus ring of ring_bytes (one control page). */
	if (cfd < 0 || pfd < 0 || !buf || pipe(done) || pipe(go) ||
	    spsc_create(&r, ring_bytes - 4096u, cfd, pfd) != 0)
		goto out;
	fill_pattern(buf, BC_MAX_SIZE);
	pid_t pid = fork();
	if (pid == 0) {
		struct bl_check c = { 0, 0 };
		char g;
		if (read(go[0], &g, 1) != 1)
			_exit(1);
		spsc_recv(&r, count, buf, bl_consume, &c);
		char res = c.bad || c.seq != count ? 'n' : 'y';
		_exit(write(done[1], &res, 1) == 1 ? 0 : 1);
	}
	if (pid < 0)
		goto unmap;
	uint64_t t0 = mono_ns();
	if (write(go[1], "g", 1) != 1)
		goto reap;
	for (uint32_t i = 0; i < count; i++) {
		struct bc_hdr h = { .op = BC_OP_DATA, .seq = i };
		memcpy(buf, &h, sizeof h);
		spsc_send(&r, buf, size);
	}
	char res = 'n';
	if (read(done[0], &res, 1) == 1 && res == 'y')
		pps = (double)count * 1e9 / (double)(mono_ns() - t0);
reap:
	waitpid(pid, NULL, 0);
unmap:
	spsc_destroy(&r);
out:
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
		fprintf(stderr, "bench_chan: baseline run failed\n");
	return pps;
}

/* ==== throughput driver ==================================================== */

#define BC_MAX_REPS 31

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

static const uint32_t bc_sizes[2] = { 64, 1500 };

/* One mode: the session stays up; each repetition runs the baseline and
 * both directions for both sizes back to back, so load on the machine
 * hits all of them alike. */
static int bench_mode(enum bc_mode mode, uint32_t count, unsigned reps, uint32_t ring_bytes)
{
	struct bc_sess s;
	if (sess_open(&s, mode, ring_bytes) != 0)
		return -1;
	double base[2][BC_MAX_REPS], chan[2][2][BC_MAX_REPS];
	int rc = 0;
	for (unsigned k = 0; k < reps && rc == 0; k++) {
		for (unsigned z = 0; z < 2 && rc == 0; z++) {
			base[z][k] = baseline_run(count, bc_sizes[z], ring_bytes);
			chan[0][z][k] = sess_run(&s, false, count, bc_sizes[z]);
			chan[1][z][k] = sess_run(&s, true, count, bc_sizes[z]);
			if (base[z][k] < 0 || chan[0][z][k] < 0 || chan[1][z][k] < 0)
				rc = -1;
		}
	}
	sess_close(&s);
	if (rc)
		return rc;
	const char *mname = mode == BC_INPROC ? "inproc" : "split";
	for (unsigned z = 0; z < 2; z++) {
		double b = median(base[z], reps);
		for (unsigned dir = 0; dir < 2; dir++) {
			double c = median(chan[dir][z], reps);
			printf("%-6s  %-11s  %5u B  %12.0f  %12.0f  %6.2f\n", mname,
			       dir ? "host->guest" : "guest->host", bc_sizes[z], c, b, c / b);
		}
	}
	fflush(stdout);
	return 0;
}

/* ==== idle cost of hvsim-hostd ============================================== */

/* CPU time of a process's main thread in ns (schedstat: on-CPU time, ns
 * resolution) and, in *slices, how often it was scheduled in (the daemon's
 * loop thread: about one per wake-up). */
static int64_t proc_cpu_ns(pid_t pid, uint64_t *slices)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/schedstat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	unsigned long long ns = 0, wait = 0, sl = 0;
	int n = fscanf(f, "%llu %llu %llu", &ns, &wait, &sl);
	fclose(f);
	*slices = sl;
	return n == 3 ? (int64_t)ns : -1;
}

/* --dev: what an idle guest gets besides the ICs (a NIC on the null back
 * end, a SCSI controller with a 16 MiB memory disk), prepared over the
 * daemon's control socket before HELLO as hvsim run does in split mode. */
static const char idle_dev_json[] =
	"\"devices\":{\"nics\":[{\"backend\":\"null\"}],"
	"\"scsi\":{\"luns\":[{\"lun\":0,\"size_mb\":16}]}}";

static int idle_prepare_devices(const char *sock)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (snprintf(sa.sun_path, sizeof sa.sun_path, "%s.ctl", sock) >= (int)sizeof sa.sun_path)
		return -1;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	char req[256], rep[512];
	int n = snprintf(req, sizeof req, "{\"cmd\":\"guest.devices\",\"pid\":%d,%s}\n",
			 (int)getpid(), idle_dev_json);
	size_t got = 0;
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
	    write(fd, req, (size_t)n) != n) {
		close(fd);
		return -1;
	}
	while (got < sizeof rep - 1 && !memchr(rep, '\n', got)) {
		ssize_t r = read(fd, rep + got, sizeof rep - 1 - got);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	rep[got] = '\0';
	return strstr(rep, "\"ok\":true") || strstr(rep, "\"ok\": true") ? 0 : -1;
}

/* A guest process that boots, connects the VMBus with the ICs attached
 * (and with 'dev' a NIC whose hn driver is up, and a SCSI disk), reports
 * ready, then idles until killed. */
static void idle_guest(const char *sock, int ready_fd, bool dev)
{
	char err[256], c = 'n';
	if (dev && idle_prepare_devices(sock) != 0) {
		if (write(ready_fd, &c, 1) != 1)
			_exit(1);
		_exit(1);
	}
	/* hn's receive and send buffers need more than the ICs' 16 MiB. */
	uint64_t mem = dev ? 128ull << 20 : 16ull << 20;
	struct gk_transport *t = gk_split_connect(sock, BC_PROFILE, 1, mem, err, sizeof err);
	struct gk_runtime_config rc = { .sched = GK_SCHED_THREADS, .log_level = 0 };
	struct gk_runtime *rt = t ? gk_runtime_create(t, &rc) : NULL;
	struct gk_boot_report br;
	static struct gk_vmbus_report vr;
	if (rt && gk_guest_boot(rt, &br) == 0 && br.status == 0 &&
	    gk_guest_ic_start(rt, NULL) == 0 &&
	    gk_guest_vmbus_connect(rt, 0, false, &vr) == 0 && vr.status == 0 &&
	    (!dev || gk_guest_net_start(rt, NULL) == 0))
		c = 'y';
	if (write(ready_fd, &c, 1) != 1)
		_exit(1);
	for (;;)
		pause();
}

static int idle_measure(const char *hostd, const unsigned *counts, unsigned ncounts,
			unsigned secs, bool dev, const char *poll_max_us)
{
	char dir[] = "/tmp/hvsim-bench-XXXXXX";
	if (!mkdtemp(dir))
		return -1;
	char sock[96];
	snprintf(sock, sizeof sock, "%s/s", dir);
	pid_t d = fork();
	if (d == 0) {
		int nul = open("/dev/null", O_WRONLY);
		if (nul >= 0)
			dup2(nul, STDERR_FILENO);
		if (poll_max_us)
			execl(hostd, hostd, "--socket", sock, "--max-guests", "64",
			      "--poll-max-us", poll_max_us, (char *)NULL);
		else
			execl(hostd, hostd, "--socket", sock, "--max-guests", "64", (char *)NULL);
		_exit(127);
	}
	int rc = d > 0 && bench_hostd_wait(sock, d) == 0 ? 0 : -1;
	if (rc)
		fprintf(stderr, "bench_chan: cannot start %s\n", hostd);
	printf("idle hvsim-hostd (%s%s%s), guests with %s, CPU over %u s:\n", hostd,
	       poll_max_us ? " --poll-max-us " : "", poll_max_us ? poll_max_us : "",
	       dev ? "ICs + NIC + SCSI disk" : "ICs", secs);
	for (unsigned i = 0; i < ncounts && rc == 0; i++) {
		unsigned n = counts[i];
		pid_t kids[64];
		int ready[2];
		if (n > 64 || pipe(ready) != 0) {
			rc = -1;
			break;
		}
		unsigned ok = 0;
		for (unsigned g = 0; g < n; g++) {
			kids[g] = fork();
			if (kids[g] == 0) {
				close(ready[0]);
				idle_guest(sock, ready[1], dev);
			}
		}
		for (unsigned g = 0; g < n; g++) {
			char c;
			if (read(ready[0], &c, 1) == 1 && c == 'y')
				ok++;
		}
		sleep_ms(500); /* let the boot traffic settle */
		uint64_t s0 = 0, s1 = 0;
		int64_t c0 = proc_cpu_ns(d, &s0);
		uint64_t t0 = mono_ns();
		sleep_ms(secs * 1000u);
		int64_t c1 = proc_cpu_ns(d, &s1);
		uint64_t dt = mono_ns() - t0;
		double pct = 100.0 * (double)(c1 - c0) / (double)dt;
		double wps = (double)(s1 - s0) * 1e9 / (double)dt;
		printf("  %2u idle guest%s (%u up): %6.2f%% of one CPU, %.3f%% per guest, "
		       "%.0f wake-ups/s\n", n, n == 1 ? " " : "s", ok, pct, n ? pct / n : 0.0, wps);
		for (unsigned g = 0; g < n; g++) {
			kill(kids[g], SIGKILL);
			waitpid(kids[g], NULL, 0);
		}
		close(ready[0]);
		close(ready[1]);
		if (ok != n || c0 < 0 || c1 < 0)
			rc = -1;
		sleep_ms(300); /* the daemon notices the sessions are gone */
	}
	bench_hostd_stop(d);
	char p[160];
	snprintf(p, sizeof p, "%s.ctl", sock);
	unlink(p);
	snprintf(p, sizeof p, "%s.lock", sock);
	unlink(p);
	unlink(sock);
	rmdir(dir);
	return rc;
}

/* ==== main ================================================================== */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: bench_chan [-n PACKETS] [-r REPS] [-k RING_KIB] [-m inproc|split|both]\n"
		"                  [--monitor] [--smoke]\n"
		"       bench_chan --idle [--hostd PATH] [-s SECONDS] [--dev] [--poll-max-us N]\n"
		"                  [GUESTS...]\n"
		"  -n PACKETS  per run (default 200000)     -r REPS  runs, median printed (default 5)\n"
		"  -k RING_KIB each VMBus ring and the baseline ring (default 256)\n"
		"  --monitor   offer the bench channel with a monitor id (the guest signals\n"
		"              through the monitor page; the host polls it every 100 us)\n"
		"  --smoke     tiny counts, one rep, both modes: checks it all works\n"
		"  --idle      CPU of an idle hvsim-hostd with 0 and N booted idle guests\n"
		"              (default 1 8); --hostd defaults to ../hvsim-hostd from here;\n"
		"              --dev gives each guest a NIC (hn up) and a SCSI disk;\n"
		"              --poll-max-us is passed to hvsim-hostd\n");
}

static const char *default_hostd(char *buf, size_t cap)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n <= 0)
		return "hvsim-hostd";
	self[n] = '\0';
	snprintf(buf, cap, "%s/../hvsim-hostd", dirname(self));
	return buf;
}

int main(int argc, char **argv)
{
	uint32_t count = 200000, ring_kib = 256;
	unsigned reps = 5, secs = 3;
	const char *mode = "both", *hostd = NULL;
	bool idle = false, idle_dev = false;
	const char *poll_max_us = NULL;
	unsigned idle_counts[16], nidle = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "-n") && v) {
			count = (uint32_t)strtoul(v, NULL, 10);
			i++;
		} else if (!strcmp(a, "-r") && v) {
			reps = (unsigned)strtoul(v, NULL, 10);
			i++;
		} else if (!strcmp(a, "-k") && v) {
			ring_kib = (uint32_t)strtoul(v, NULL, 10);
			i++;
		} else if (!strcmp(a, "-m") && v) {
			mode = v;
			i++;
		} else if (!strcmp(a, "-s") && v) {
			secs = (unsigned)strtoul(v, NULL, 10);
			i++;
		} else if (!strcmp(a, "--hostd") && v) {
			hostd = v;
			i++;
		} else if (!strcmp(a, "--monitor")) {
			g_monitor = true;
		} else if (!strcmp(a, "--smoke")) {
			count = 2000;
			reps = 1;
			ring_kib = 16;
		} else if (!strcmp(a, "--idle")) {
			idle = true;
		} else if (!strcmp(a, "--dev")) {
			idle_dev = true;
		} else if (!strcmp(a, "--poll-max-us") && v) {
			poll_max_us = v;
			i++;
		} else if (idle && a[0] >= '0' && a[0] <= '9' && nidle < 16) {
			idle_counts[nidle++] = (unsigned)strtoul(a, NULL, 10);
		} else {
			usage(strcmp(a, "-h") && strcmp(a, "--help") ? stderr : stdout);
			return strcmp(a, "-h") && strcmp(a, "--help") ? 2 : 0;
		}
	}
	if (idle) {
		char buf[PATH_MAX + 32];
		if (!hostd)
			hostd = default_hostd(buf, sizeof buf);
		if (!nidle) {
			idle_counts[nidle++] = 0;
			idle_counts[nidle++] = 1;
			idle_counts[nidle++] = 8;
		}
		return idle_measure(hostd, idle_counts, nidle, secs ? secs : 1, idle_dev,
				    poll_max_us) ? 1 : 0;
	}
	if (count < 1 || reps < 1 || reps > BC_MAX_REPS || ring_kib < 8 || ring_kib > 16384 ||
	    (strcmp(mode, "both") && strcmp(mode, "inproc") && strcmp(mode, "split"))) {
		usage(stderr);
		return 2;
	}
	uint32_t ring_bytes = ring_kib << 10;
	signal(SIGPIPE, SIG_IGN);
	printf("channel throughput: %u packets per run, median of %u, rings %u KiB each way%s\n",
	       count, reps, ring_kib, g_monitor ? ", monitor-page signalling" : "");
	printf("%-6s  %-11s  %7s  %12s  %12s  %6s\n", "mode", "direction", "size",
	       "vmbus pkt/s", "spsc pkt/s", "ratio");
	int rc = 0;
	if (strcmp(mode, "split"))
		rc |= bench_mode(BC_INPROC, count, reps, ring_bytes);
	if (strcmp(mode, "inproc"))
		rc |= bench_mode(BC_SPLIT, count, reps, ring_bytes);
	return rc ? 1 : 0;
}
