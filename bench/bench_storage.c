/* bench_storage.c -- block I/O through the guest storvsc driver, VMBus and
 * the host's storvsp onto a raw image file, beside fio on the same file in
 * the same run and beside the emulated ATA disk (guest ata driver, port-I/O
 * traps) over the same image: 4 KiB random read / write at queue depth 1
 * and 32, 1 MiB sequential read / write, inproc and split (a forked hostd
 * running the same libevent loop as hvsim-hostd); prints IOPS, MB/s and
 * the ratios.
 *
 * usage: bench_storage [-f IMAGE] [-s SIZE_MIB] [-t SECONDS] [-m inproc|split|both]
 *                      [-j JOBS] [--no-fio] [--no-ata] [--hypercall] [--smoke]   */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "guest_drivers/ata/ata_drv.h"
#include "guest_drivers/kern.h"
#include "guest_drivers/storvsc/storvsc.h"
#include "sim/devices/blk/blk.h"
#include "sim/devices/hostside.h"
#include "sim/devices/storvsp/storvsp.h"
#include "sim/guest/guest_actions.h"
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

#define SB_PROFILE  "ws2022"
#define SB_MEM      (160ull << 20)   /* 32 x 1 MiB DMA buffers + rings + slack */
#define SB_MAX_QD   32u
#define SB_WAIT_NS  (600ull * 1000000000ull)

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ==== the jobs ================================================================ */

struct sb_job {
	const char *name;    /* also fio's --rw */
	bool write, seq;
	uint32_t bs, qd;
};

static const struct sb_job sb_jobs[] = {
	{ "randread", false, false, 4096, 1 },
	{ "randread", false, false, 4096, 32 },
	{ "randwrite", true, false, 4096, 1 },
	{ "randwrite", true, false, 4096, 32 },
	{ "read", false, true, 1u << 20, 1 },
	{ "write", true, true, 1u << 20, 1 },
};
#define SB_NJOBS (sizeof sb_jobs / sizeof sb_jobs[0])

struct sb_result {
	double iops, mbps;   /* < 0: failed or not run */
};

/* What one guest run does and what it measured (guest context fills it). */
struct sb_run {
	const struct sb_job *job;
	uint64_t dev_bytes;      /* disk size seen by the guest */
	uint64_t time_ns;        /* stop submitting after this much real time */
	uint64_t max_ios;        /* and after this many (0 = no cap) */
	/* out */
	uint64_t ios, t_ns;
	int err;
};

static uint64_t xorshift(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

/* Byte offset of the next I/O: uniform over bs-aligned slots, or the next
 * slot (wrapping) for sequential jobs. */
static uint64_t next_off(const struct sb_run *r, uint64_t *rng, uint64_t *seq)
{
	uint64_t slots = r->dev_bytes / r->job->bs;
	uint64_t slot = r->job->seq ? (*seq)++ % slots : xorshift(rng) % slots;
	return slot * r->job->bs;
}

/* ==== guest: storvsc load generator (kern.h + storvsc.h only) ================= */

struct sg_slot {
	struct storvsc_bio b;
	struct kern_dma dma;
};

static struct {
	struct kern_waitq *wq;
	struct storvsc_disk *disk;
	uint32_t block;
	/* a run under way: completions resubmit until the time is up */
	struct sb_run *run;
	struct sg_slot slot[SB_MAX_QD];
	uint64_t rng, seq, issued, done_ios, deadline;
	unsigned inflight;
	bool stop;
	int err;
} sg;

static void sg_hook(void *arg, struct storvsc_disk *d, bool added)
{
	(void)arg;
	(void)d;
	if (added && sg.wq)
		kern_wakeup(sg.wq);
}

static bool sg_have_disk(void *arg)
{
	(void)arg;
	return storvsc_disk_count() > 0;
}

/* Guest context: register storvsc (the controller is already offered on a
 * connected bus) and wait for its first disk. */
static int sg_start(void *arg)
{
	(void)arg;
	sg.wq = kern_waitq_create();
	if (!sg.wq)
		return -ENOMEM;
	storvsc_set_disk_hook(sg_hook, NULL);
	struct storvsc_config sc;
	memset(&sc, 0, sizeof sc);
	int rc = storvsc_init(&sc);
	if (rc)
		return rc;
	rc = kern_wait(sg.wq, sg_have_disk, NULL, 10ull * 1000000000ull);
	if (rc)
		return rc;
	sg.disk = storvsc_disk_get(0);
	struct storvsc_disk_info di;
	if (!sg.disk || storvsc_disk_info(sg.disk, &di))
		return -ENODEV;
	sg.block = di.block_size;
	for (unsigned i = 0; i < SB_MAX_QD; i++) {
		if (kern_dma_alloc((1u << 20) / 4096, &sg.slot[i].dma))
			return -ENOMEM;
	}
	return 0;
}

static int sg_stop(void *arg)
{
	(void)arg;
	for (unsigned i = 0; i < SB_MAX_QD; i++)
		kern_dma_free(&sg.slot[i].dma);
	storvsc_disk_put(sg.disk);
	sg.disk = NULL;
	storvsc_fini();
	storvsc_set_disk_hook(NULL, NULL);
	kern_waitq_destroy(sg.wq);
	sg.wq = NULL;
	return 0;
}

static int sg_submit(struct sg_slot *s);

static void sg_done(struct storvsc_bio *b, int err)
{
	struct sg_slot *s = (struct sg_slot *)b;
	sg.done_ios++;
	if (err && !sg.err)
		sg.err = err;
	if (err)
		sg.stop = true;
	if (!sg.stop && (mono_ns() >= sg.deadline ||
			 (sg.run->max_ios && sg.issued >= sg.run->max_ios)))
		sg.stop = true;
	if (!sg.stop && sg_submit(s) == 0)
		return;
	if (__atomic_sub_fetch(&sg.inflight, 1, __ATOMIC_ACQ_REL) == 0)
		kern_wakeup(sg.wq);
}

static int sg_submit(struct sg_slot *s)
{
	const struct sb_job *j = sg.run->job;
	memset(&s->b, 0, sizeof s->b);
	s->b.op = j->write ? STORVSC_OP_WRITE : STORVSC_OP_READ;
	s->b.lba = next_off(sg.run, &sg.rng, &sg.seq) / sg.block;
	s->b.nblocks = j->bs / sg.block;
	s->b.dma = &s->dma;        /* zero copy, as Linux hands storvsc its pages */
	s->b.done = sg_done;
	sg.issued++;
	int rc = storvsc_disk_submit(sg.disk, &s->b);
	if (rc && !sg.err)
		sg.err = rc;
	return rc;
}

static bool sg_idle(void *arg)
{
	(void)arg;
	return __atomic_load_n(&sg.inflight, __ATOMIC_ACQUIRE) == 0;
}

/* Guest context: keep job->qd requests in flight until the time is up. */
static int sg_run(void *arg)
{
	struct sb_run *r = arg;
	struct storvsc_disk_info di;
	if (!sg.disk || storvsc_disk_info(sg.disk, &di))
		return -ENODEV;
	r->dev_bytes = di.nblocks * di.block_size;
	sg.run = r;
	sg.rng = 0x9e3779b97f4a7c15ull;
	sg.seq = sg.issued = sg.done_ios = 0;
	sg.stop = false;
	sg.err = 0;
	uint64_t t0 = mono_ns();
	sg.deadline = t0 + r->time_ns;
	/* Count them all in first: a completion may run before the loop ends. */
	__atomic_store_n(&sg.inflight, r->job->qd, __ATOMIC_RELEASE);
	for (unsigned i = 0; i < r->job->qd; i++) {
		if (sg.stop || sg_submit(&sg.slot[i]) != 0) {
			sg.stop = true;
			__atomic_sub_fetch(&sg.inflight, 1, __ATOMIC_ACQ_REL);
		}
	}
	int rc = kern_wait(sg.wq, sg_idle, NULL, SB_WAIT_NS);
	r->t_ns = mono_ns() - t0;
	r->ios = sg.done_ios;
	r->err = rc ? rc : sg.err;
	sg.run = NULL;
	return 0;
}

/* ==== guest: ATA load generator (PIO completes inside the call) ============= */

static struct {
	struct ata_disk *disk;
	uint8_t *buf;
} ag;

static int ag_start(void *arg)
{
	(void)arg;
	/* Probe without the synthetic-over-native rule: on a Hyper-V profile
	 * the rule leaves the disk to storvsc, but here it is the only one. */
	int rc = ata_disk_probe(&ag.disk);
	if (rc)
		return rc;
	ag.buf = kern_malloc(1u << 20);
	return ag.buf ? 0 : -ENOMEM;
}

static int ag_stop(void *arg)
{
	(void)arg;
	kern_free(ag.buf);
	ag.buf = NULL;
	ata_disk_free(ag.disk);
	ag.disk = NULL;
	return 0;
}

static void ag_done(void *arg, int err)
{
	*(int *)arg = err;
}

static int ag_run(void *arg)
{
	struct sb_run *r = arg;
	const struct sb_job *j = r->job;
	r->dev_bytes = ata_disk_sectors(ag.disk) * 512;
	uint64_t rng = 0x9e3779b97f4a7c15ull, seq = 0, t0 = mono_ns();
	r->ios = 0;
	r->err = 0;
	do {
		uint64_t lba = next_off(r, &rng, &seq) / 512;
		int err = -EIO;
		int rc = j->write ? ata_disk_write(ag.disk, lba, j->bs / 512, ag.buf, ag_done, &err)
				  : ata_disk_read(ag.disk, lba, j->bs / 512, ag.buf, ag_done, &err);
		if (rc || err) {
			r->err = rc ? rc : err;
			break;
		}
		r->ios++;
	} while (mono_ns() - t0 < r->time_ns && (!r->max_ios || r->ios < r->max_ios));
	r->t_ns = mono_ns() - t0;
	return 0;
}

/* ==== host: what a session offers ============================================ */

enum sb_dev { SB_STORVSC, SB_ATA };
enum sb_mode { SB_INPROC, SB_SPLIT };

/* Inherited by the forked daemon. */
static const char *g_image;
static enum sb_dev g_dev;
static bool g_hypercall;   /* guest signals with HvSignalEvent, never the monitor page */

static int host_add_lun(struct hostside *hs, enum blk_engine engine)
{
	struct blk *b;
	struct blk_image_opts o = { .sector = 512, .engine = engine };
	int rc = blk_open_image(g_image, &o, &b);
	if (rc)
		return rc;
	struct scsi_lun_opts lo = { .id = 0x5000 };
	return storvsp_lun_add(hostside_storvsp(hs), 0, 0, b, &lo);
}

/* The hostside config of hvsim-hostd for a guest with the one disk. */
static void host_config(struct hostside_config *hc)
{
	memset(hc, 0, sizeof *hc);
	if (g_dev == SB_STORVSC) {
		hc->vmbus = true;
		hc->scsi = true;
		hc->scsi_cfg.vstor_max_version =
			(uint16_t)hv_profile_find(SB_PROFILE)->vstor_max_version;
	} else {
		hc->ata = true;
		hc->ata_image = g_image;
		hc->ata_serial = "BENCH-ATA";
	}
}

/* The bench daemon's per-session extension: hvsim-hostd's (same poll
 * period and wants_poll), with the disk configured here. */
static int sd_attach(struct hsess *s, void *arg, void **ctx)
{
	(void)arg;
	struct hostside_config hc;
	host_config(&hc);
	struct hostside *hs = hostside_create(hsess_part(s), hsess_gmem(s), &hc,
					      hsess_hostside_notify(), s);
	if (!hs)
		return -errno;
	int rc = g_dev == SB_STORVSC ? host_add_lun(hs, BLK_ENGINE_THREADS) : 0;
	if (rc) {
		hostside_destroy(hs);
		return rc;
	}
	*ctx = hs;
	return 0;
}

static pid_t start_daemon(const char *path)
{
	static struct hsess_ext sd_ext;
	sd_ext = hsess_hostside_ext(sd_attach, NULL);
	struct hostd_config cfg = {
		.socket_path = path, .max_guests = 2, .handle_signals = true, .ext = &sd_ext,
	};
	return bench_hostd_fork(&cfg, "SB_DEBUG");
}

/* ==== sessions ================================================================== */

struct sb_sess {
	enum sb_mode mode;
	enum sb_dev dev;
	struct gmem *gm;
	struct part *p;
	struct hostside *hs;
	pid_t daemon;
	char dir[64], path[96];
	struct gk_transport *t;
	struct gk_runtime *rt;
	bool vmbus_up, guest_up;
};

static bool inproc_pump(void *arg)
{
	bool did = false;
	for (int i = 0; i < 16 && hostside_pump(arg); i++)
		did = true;
	return did;
}

static void sess_close(struct sb_sess *s);

static int sess_open(struct sb_sess *s, enum sb_mode mode, enum sb_dev dev)
{
	memset(s, 0, sizeof *s);
	s->mode = mode;
	s->dev = dev;
	g_dev = dev;
	char err[256] = "";
	if (mode == SB_INPROC) {
		/* The inproc scheduler runs on virtual time: a disk that completes
		 * from worker threads would look like a host that never answers.
		 * The SYNC engine does the syscall inside submit (same preadv /
		 * pwritev, one at a time) and completes from the next poll. */
		blk_set_default_engine(BLK_ENGINE_SYNC);
		s->gm = gmem_create(SB_MEM);
		if (!s->gm)
			goto fail;
		s->t = gk_inproc_create(gmem_ptr(s->gm, 0, SB_MEM), SB_MEM, 1);
		struct part_config pc = { .profile = hv_profile_find(SB_PROFILE), .nvcpus = 1 };
		s->p = s->t ? part_create(s->gm, &pc, gk_inproc_part_notify(), s->t) : NULL;
		if (!s->p)
			goto fail;
		gk_inproc_attach(s->t, s->p);
		struct hostside_config hc;
		host_config(&hc);
		s->hs = hostside_create(s->p, s->gm, &hc, NULL, NULL);
		if (!s->hs)
			goto fail;
		if (dev == SB_STORVSC) {
			int rc = host_add_lun(s->hs, BLK_ENGINE_SYNC);
			if (rc) {
				snprintf(err, sizeof err, "LUN over %s: %s", g_image, strerror(-rc));
				goto fail;
			}
		}
		gk_inproc_set_pump(s->t, inproc_pump, s->hs);
	} else {
		snprintf(s->dir, sizeof s->dir, "/tmp/hvsim-sbench-XXXXXX");
		if (!mkdtemp(s->dir)) {
			s->dir[0] = '\0';
			goto fail;
		}
		snprintf(s->path, sizeof s->path, "%s/s", s->dir);
		s->daemon = start_daemon(s->path);
		if (s->daemon < 0) {
			snprintf(err, sizeof err, "bench daemon did not start");
			goto fail;
		}
		s->t = gk_split_connect(s->path, SB_PROFILE, 1, SB_MEM, err, sizeof err);
		if (!s->t)
			goto fail;
	}
	struct gk_runtime_config rc = {
		.sched = mode == SB_INPROC ? GK_SCHED_INPROC : GK_SCHED_THREADS, .seed = 1,
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
	s->guest_up = true;
	if (dev == SB_STORVSC) {
		static struct gk_vmbus_report vr; /* large */
		if (gk_guest_vmbus_connect(s->rt, 0, g_hypercall, &vr) != 0 || vr.status != 0) {
			snprintf(err, sizeof err, "VMBus connect failed (%d)", vr.status);
			goto fail;
		}
		s->vmbus_up = true;
		int r = gk_runtime_call(s->rt, sg_start, NULL);
		if (r) {
			snprintf(err, sizeof err, "storvsc disk did not come up (%d)", r);
			goto fail;
		}
	} else {
		int r = gk_runtime_call(s->rt, ag_start, NULL);
		if (r) {
			snprintf(err, sizeof err, "ATA disk probe failed (%d)", r);
			goto fail;
		}
	}
	return 0;
fail:
	fprintf(stderr, "bench_storage: %s %s session: %s\n", mode == SB_INPROC ? "inproc" : "split",
		dev == SB_STORVSC ? "storvsc" : "ata", err[0] ? err : strerror(errno));
	sess_close(s);
	return -1;
}

static void sess_close(struct sb_sess *s)
{
	if (s->rt) {
		if (s->guest_up)
			gk_runtime_call(s->rt, s->dev == SB_STORVSC ? sg_stop : ag_stop, NULL);
		if (s->vmbus_up)
			gk_guest_vmbus_disconnect(s->rt);
		if (s->guest_up)
			gk_guest_shutdown(s->rt);
		gk_runtime_destroy(s->rt);
	}
	if (s->mode == SB_INPROC) {
		hostside_destroy(s->hs);
		part_destroy(s->p);
		if (s->t)
			s->t->ops->close(s->t);
		gmem_destroy(s->gm);
		blk_set_default_engine(BLK_ENGINE_DEFAULT);
	} else {
		if (s->t)
			s->t->ops->close(s->t);
		bench_hostd_stop(s->daemon);
		bench_hostd_remove_files(s->dir, s->path);
	}
	memset(s, 0, sizeof *s);
}

static struct sb_result sess_run(struct sb_sess *s, const struct sb_job *j, uint64_t time_ns,
				 uint64_t max_ios)
{
	struct sb_result res = { -1, -1 };
	struct sb_run r = { .job = j, .time_ns = time_ns, .max_ios = max_ios };
	int rc = gk_runtime_call(s->rt, s->dev == SB_STORVSC ? sg_run : ag_run, &r);
	if (rc || r.err || !r.ios || !r.t_ns) {
		fprintf(stderr, "bench_storage: %s %s %s QD%u failed: rc %d, err %d after %llu I/Os\n",
			s->mode == SB_INPROC ? "inproc" : "split",
			s->dev == SB_STORVSC ? "storvsc" : "ata", j->name, j->qd, rc, r.err,
			(unsigned long long)r.ios);
		return res;
	}
	res.iops = (double)r.ios * 1e9 / (double)r.t_ns;
	res.mbps = res.iops * j->bs / 1e6;
	return res;
}

/* ==== fio on the same file ======================================================= */

static bool g_fio_uring = true;

/* fio's terse (v3) line: field 8 read IOPS, 49 write IOPS (1-based). */
static struct sb_result fio_run(const struct sb_job *j, uint64_t size, unsigned secs)
{
	struct sb_result res = { -1, -1 };
	char cmd[1024];
	const char *engine = j->qd == 1 ? "psync" : g_fio_uring ? "io_uring" : "libaio";
	snprintf(cmd, sizeof cmd,
		 "fio --name=sb --filename='%s' --size=%llu --rw=%s --bs=%u --ioengine=%s "
		 "--iodepth=%u --direct=0 --invalidate=0 --norandommap --randrepeat=0 "
		 "--time_based --runtime=%u --minimal 2>/dev/null",
		 g_image, (unsigned long long)size, j->name, j->bs, engine, j->qd, secs);
	FILE *f = popen(cmd, "r");
	if (!f)
		return res;
	char line[8192] = "";
	char *got = fgets(line, sizeof line, f);
	int st = pclose(f);
	if (!got || st != 0) {
		fprintf(stderr, "bench_storage: fio failed (%d): %s\n", st, cmd);
		return res;
	}
	unsigned field = 1, want = j->write ? 49 : 8;
	for (char *p = line; *p; p++) {
		if (field == want) {
			res.iops = strtod(p, NULL);
			res.mbps = res.iops * j->bs / 1e6;
			break;
		}
		if (*p == ';')
			field++;
	}
	return res;
}

/* ==== the image ==================================================================== */

static char g_tmpdir[64], g_tmpimg[96];

/* A file of size bytes filled with a pattern (no holes, in the page cache
 * for every contender alike). */
static int make_image(const char *path, uint64_t size)
{
	int fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	static uint8_t buf[1u << 20];
	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = (uint8_t)(i * 131u + 7u);
	for (uint64_t off = 0; off < size;) {
		size_t n = size - off < sizeof buf ? (size_t)(size - off) : sizeof buf;
		ssize_t w = pwrite(fd, buf, n, (off_t)off);
		if (w <= 0) {
			int e = w < 0 ? -errno : -EIO;
			close(fd);
			return e;
		}
		off += (uint64_t)w;
	}
	int rc = fdatasync(fd) ? -errno : 0;
	close(fd);
	return rc;
}

static void cleanup_image(void)
{
	if (g_tmpimg[0])
		unlink(g_tmpimg);
	if (g_tmpdir[0])
		rmdir(g_tmpdir);
}

/* ==== main ========================================================================== */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: bench_storage [-f IMAGE] [-s SIZE_MIB] [-t SECONDS] [-m inproc|split|both]\n"
		"                     [-j JOBS] [--no-fio] [--no-ata] [--hypercall] [--smoke]\n"
		"  -f IMAGE    an existing raw image to use (its contents are overwritten by\n"
		"              the write jobs); default: a temp file of SIZE_MIB (256) in /var/tmp\n"
		"  -t SECONDS  per job and contender (default 3; ATA gets at most the same)\n"
		"  -j JOBS     a bit mask of the job table (default all): 1 randread QD1,\n"
		"              2 randread QD32, 4 randwrite QD1, 8 randwrite QD32, 16 read 1M,\n"
		"              32 write 1M\n"
		"  --hypercall the guest signals the storvsc channel with HvSignalEvent (a\n"
		"              doorbell in split mode) instead of the monitor page the host polls\n"
		"  --smoke     16 MiB image, a few hundred I/Os per job, no fio, ATA 4 KiB only:\n"
		"              checks that it runs, never a rate\n");
}

int main(int argc, char **argv)
{
	const char *image = NULL, *mode = "both";
	uint64_t size_mib = 256, max_ios = 0;
	unsigned secs = 3, jobmask = (1u << SB_NJOBS) - 1;
	bool fio = true, ata = true;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "-f") && v) {
			image = v;
			i++;
		} else if (!strcmp(a, "-s") && v) {
			size_mib = strtoull(v, NULL, 10);
			i++;
		} else if (!strcmp(a, "-t") && v) {
			secs = (unsigned)strtoul(v, NULL, 10);
			i++;
		} else if (!strcmp(a, "-m") && v) {
			mode = v;
			i++;
		} else if (!strcmp(a, "-j") && v) {
			jobmask = (unsigned)strtoul(v, NULL, 0);
			i++;
		} else if (!strcmp(a, "--no-fio")) {
			fio = false;
		} else if (!strcmp(a, "--hypercall")) {
			g_hypercall = true;
		} else if (!strcmp(a, "--no-ata")) {
			ata = false;
		} else if (!strcmp(a, "--smoke")) {
			size_mib = 16;
			max_ios = 200;
			secs = 2;
			fio = false;
		} else {
			bool help = !strcmp(a, "-h") || !strcmp(a, "--help");
			usage(help ? stdout : stderr);
			return help ? 0 : 2;
		}
	}
	if (secs < 1 || size_mib < 8 || size_mib > (1u << 20) ||
	    (strcmp(mode, "both") && strcmp(mode, "inproc") && strcmp(mode, "split"))) {
		usage(stderr);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	uint64_t size = size_mib << 20;
	if (image) {
		struct stat st;
		if (stat(image, &st) != 0 || st.st_size < (off_t)(8u << 20)) {
			fprintf(stderr, "bench_storage: %s: missing or smaller than 8 MiB\n", image);
			return 2;
		}
		size = (uint64_t)st.st_size & ~((1ull << 20) - 1);
		g_image = image;
	} else {
		snprintf(g_tmpdir, sizeof g_tmpdir, "/var/tmp/hvsim-sbench-XXXXXX");
		if (!mkdtemp(g_tmpdir)) {
			perror("bench_storage: mkdtemp");
			return 1;
		}
		snprintf(g_tmpimg, sizeof g_tmpimg, "%s/disk.img", g_tmpdir);
		int rc = make_image(g_tmpimg, size);
		if (rc) {
			fprintf(stderr, "bench_storage: %s: %s\n", g_tmpimg, strerror(-rc));
			cleanup_image();
			return 1;
		}
		g_image = g_tmpimg;
	}
	if (fio && system("fio --version >/dev/null 2>&1") != 0) {
		fprintf(stderr, "bench_storage: fio not found, running without it\n");
		fio = false;
	}
	printf("storage: %s, %llu MiB, buffered (the image back end has no O_DIRECT; fio "
	       "--direct=0 --invalidate=0), %u s per job%s\n",
	       g_image, (unsigned long long)(size >> 20), secs,
	       max_ios ? " (smoke: at most 200 I/Os)" : "");

	/* fio first, on the same file (nothing holds its lock). */
	struct sb_result fres[SB_NJOBS];
	for (unsigned k = 0; k < SB_NJOBS; k++) {
		fres[k] = (struct sb_result){ -1, -1 };
		if (fio && (jobmask & (1u << k)))
			fres[k] = fio_run(&sb_jobs[k], size, secs);
	}
	printf("%-6s  %-7s  %-9s  %5s  %4s  %10s  %9s  %10s  %6s  %8s\n", "mode", "disk", "job",
	       "bs", "qd", "IOPS", "MB/s", "fio IOPS", "/fio", "/ata");
	for (unsigned k = 0; k < SB_NJOBS; k++) {
		if (fres[k].iops < 0)
			continue;
		const struct sb_job *j = &sb_jobs[k];
		printf("%-6s  %-7s  %-9s  %5u  %4u  %10.0f  %9.1f\n", "-", "fio", j->name, j->bs, j->qd,
		       fres[k].iops, fres[k].mbps);
	}
	fflush(stdout);

	int rc = 0;
	for (int m = SB_INPROC; m <= SB_SPLIT; m++) {
		if ((m == SB_INPROC && !strcmp(mode, "split")) ||
		    (m == SB_SPLIT && !strcmp(mode, "inproc")))
			continue;
		const char *mname = m == SB_INPROC ? "inproc" : "split";
		struct sb_result sres[SB_NJOBS], ares[SB_NJOBS];
		struct sb_sess s;
		/* storvsc and ATA one after the other: each session locks the image. */
		if (sess_open(&s, (enum sb_mode)m, SB_STORVSC) == 0) {
			for (unsigned k = 0; k < SB_NJOBS; k++) {
				sres[k] = (struct sb_result){ -1, -1 };
				if (jobmask & (1u << k))
					sres[k] = sess_run(&s, &sb_jobs[k], secs * 1000000000ull, max_ios);
				if ((jobmask & (1u << k)) && sres[k].iops < 0)
					rc = 1;
			}
			sess_close(&s);
		} else {
			rc = 1;
			continue;
		}
		for (unsigned k = 0; k < SB_NJOBS; k++)
			ares[k] = (struct sb_result){ -1, -1 };
		if (ata && sess_open(&s, (enum sb_mode)m, SB_ATA) == 0) {
			for (unsigned k = 0; k < SB_NJOBS; k++) {
				/* ATA is synchronous PIO: queue depth 1 only. */
				if (!(jobmask & (1u << k)) || sb_jobs[k].qd != 1)
					continue;
				/* A 1 MiB PIO transfer is 2^19 port traps: in split
				 * mode each is a socket round trip (seconds). */
				if (max_ios && sb_jobs[k].bs > 4096)
					continue;
				ares[k] = sess_run(&s, &sb_jobs[k], secs * 1000000000ull, max_ios);
				if (ares[k].iops < 0)
					rc = 1;
			}
			sess_close(&s);
		} else if (ata) {
			rc = 1;
		}
		for (unsigned k = 0; k < SB_NJOBS; k++) {
			const struct sb_job *j = &sb_jobs[k];
			if (sres[k].iops >= 0) {
				printf("%-6s  %-7s  %-9s  %5u  %4u  %10.0f  %9.1f", mname, "storvsc", j->name,
				       j->bs, j->qd, sres[k].iops, sres[k].mbps);
				if (fres[k].iops > 0)
					printf("  %10.0f  %6.2f", fres[k].iops, sres[k].iops / fres[k].iops);
				else
					printf("  %10s  %6s", "-", "-");
				if (ares[k].iops > 0)
					printf("  %8.1f", sres[k].iops / ares[k].iops);
				printf("\n");
			}
			if (ares[k].iops >= 0)
				printf("%-6s  %-7s  %-9s  %5u  %4u  %10.0f  %9.2f\n", mname, "ata", j->name,
				       j->bs, j->qd, ares[k].iops, ares[k].mbps);
		}
		fflush(stdout);
	}
	cleanup_image();
	return rc;
}
