/* drill_durable.c -- drill 3: the durability checker.  A forked child runs
 * a whole inproc guest (storvsc -> VMBus -> storvsp -> SCSI target -> raw
 * image file) writing self-describing blocks with FLUSH and FUA.  Every
 * write is logged as issued before it is submitted and as durable once it
 * is acked with FUA or covered by an acked SYNCHRONIZE CACHE; the log lives
 * in a MAP_SHARED page of the drill, outside the victim.  The child is
 * SIGKILLed at a random moment; the drill re-opens the image and finds
 * every durable write in it (or a later write of the same block).
 *
 * What it proves and what not: SIGKILL keeps the kernel's page cache, so
 * this catches acks given before the data reached the kernel (user-space
 * caching, an early completion, a torn multi-block write, a flush acked
 * ahead of earlier writes), not a missing fdatasync; for that, --power
 * runs the same workload on the memory disk with a volatile write cache
 * (blk_mem_crash: every write not flushed is lost) and checks after a
 * simulated power loss in the same process.  --selftest lies (claims the
 * unflushed writes durable) and passes only when the checker notices. */
#include "tests/drills/drill.h"
#include "tests/drills/drill_durable.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest_drivers/kern.h"
#include "guest_drivers/storvsc/storvsc.h"
#include "sim/devices/blk/blk.h"
#include "sim/devices/hostside.h"
#include "sim/devices/scsi/scsi_tgt.h"
#include "sim/devices/storvsp/storvsp.h"
#include "sim/guest/guest_actions.h"
#include "sim/guest/guest_vmbus.h"
#include "sim/guest/runtime.h"
#include "sim/guest/transport.h"
#include "sim/hostd/gmem.h"
#include "sim/hostd/partition.h"
#include "sim/hostd/profile.h"

static void du_append(struct du_log *lg, uint32_t kind, uint64_t lba, uint32_t n, uint64_t seq)
{
	uint64_t i = lg->n;
	if (i >= DU_LOG_MAX)
		return;
	lg->r[i] = (struct du_rec){ kind, n, lba, seq };
	__atomic_store_n(&lg->n, i + 1, __ATOMIC_RELEASE);
}

/* Block content: header, then bytes derived from (seq, lba). */
static void du_fill(uint8_t *b, uint64_t lba, uint64_t seq)
{
	uint64_t h[3] = { DU_MAGIC, lba, seq };
	memcpy(b, h, sizeof h);
	uint64_t x = seq * 0x9E3779B97F4A7C15ull ^ lba;
	for (unsigned i = sizeof h; i < DU_BS; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		b[i] = (uint8_t)x;
	}
}

/* The block holds write 'seq' or a later one of the same block, intact. */
static bool du_block_ok(const uint8_t *b, uint64_t lba, uint64_t min_seq, uint64_t *seen)
{
	uint64_t h[3];
	memcpy(h, b, sizeof h);
	*seen = h[2];
	if (h[0] != DU_MAGIC || h[1] != lba || h[2] < min_seq)
		return false;
	uint8_t want[DU_BS];
	du_fill(want, lba, h[2]);
	return memcmp(want, b, DU_BS) == 0;
}

/* ---- the guest writer (guest context) ---------------------------------------- */

static void du_done(struct storvsc_bio *b, int err)
{
	struct du_guest *g = b->arg;
	if (err)
		g->errs++;
	g->pending--;
	kern_wakeup(g->wq);
}

static bool du_idle(void *arg)
{
	return ((struct du_guest *)arg)->pending == 0;
}

int du_start(void *arg)
{
	(void)arg;
	struct storvsc_config sc;
	memset(&sc, 0, sizeof sc);
	return storvsc_init(&sc);
}

int du_writer(void *arg)
{
	struct du_guest *g = arg;
	struct du_log *lg = g->lg;
	g->disk = storvsc_disk_get(0);
	if (!g->disk)
		return -ENODEV;
	struct storvsc_disk_info di;
	storvsc_disk_info(g->disk, &di);
	lg->wce = di.wce;
	lg->fua = di.fua;
	g->wq = kern_waitq_create();
	for (unsigned i = 0; i < DU_BATCH; i++)
		g->buf[i] = kern_malloc(DU_SLOT * DU_BS);
	lg->ready = 1;
	int rc = 0;
	for (uint64_t ops = 0; !g->max_ops || ops < g->max_ops; ops++) {
		unsigned k = 1 + (unsigned)dr_rand(DU_BATCH);
		bool fua = di.fua && dr_rand(3) == 0;
		uint64_t slots[DU_BATCH];
		g->errs = 0;
		for (unsigned i = 0; i < k; i++) {
			/* distinct slots within a batch: no two writes in flight overlap */
			uint64_t s;
			bool dup;
			do {
				s = dr_rand(DU_BLOCKS / DU_SLOT);
				dup = false;
				for (unsigned j = 0; j < i; j++)
					dup |= slots[j] == s;
			} while (dup);
			slots[i] = s;
			uint32_t n = 1 + (uint32_t)dr_rand(DU_SLOT);
			uint64_t lba = s * DU_SLOT + dr_rand(DU_SLOT - n + 1);
			uint64_t seq = ++g->seq;
			for (uint32_t b = 0; b < n; b++)
				du_fill(g->buf[i] + b * DU_BS, lba + b, seq);
			du_append(lg, DU_ISSUED, lba, n, seq);
			struct storvsc_bio *bio = &g->bio[i];
			memset(bio, 0, sizeof *bio);
			*bio = (struct storvsc_bio){ .op = STORVSC_OP_WRITE, .lba = lba, .nblocks = n,
						     .buf = g->buf[i], .fua = fua, .done = du_done,
						     .arg = g };
			g->pending++;
			if (storvsc_disk_submit(g->disk, bio) != 0) {
				g->pending--;
				g->errs++;
			}
		}
		rc = kern_wait(g->wq, du_idle, g, 30ull * 1000000000ull);
		if (rc)
			break;
		lg->writes += k;
		if (g->errs) {
			/* a failed write has no promise; the others of the batch keep theirs
			 * only through a later flush, so they stay unflushed */
			lg->errors += (uint64_t)g->errs;
		}
		for (unsigned i = 0; i < k; i++) {
			struct storvsc_bio *bio = &g->bio[i];
			uint64_t seq = g->seq - k + 1 + i;
			if (fua && !g->errs) {
				du_append(lg, DU_DURABLE, bio->lba, bio->nblocks, seq);
				lg->fua_writes++;
			} else if (!di.wce && !g->errs) {
				du_append(lg, DU_DURABLE, bio->lba, bio->nblocks, seq);
			} else if (g->nunflushed < sizeof g->unflushed / sizeof g->unflushed[0]) {
				g->unflushed[g->nunflushed++] =
					(struct du_rec){ DU_DURABLE, bio->nblocks, bio->lba, seq };
			}
		}
		if (g->errs)
			continue;
		if (dr_rand(4) == 0 || g->nunflushed > 4000) {
			struct storvsc_bio fl = { .op = STORVSC_OP_FLUSH };
			rc = storvsc_disk_sync(g->disk, &fl, 30ull * 1000000000ull);
			if (rc) {
				lg->errors++;
				break;
			}
			lg->flushes++;
			for (unsigned i = 0; i < g->nunflushed; i++)
				du_append(lg, DU_DURABLE, g->unflushed[i].lba, g->unflushed[i].nblocks,
					  g->unflushed[i].seq);
			g->nunflushed = 0;
		}
	}
	for (unsigned i = 0; g->lie && i < g->nunflushed; i++)
		du_append(lg, DU_DURABLE, g->unflushed[i].lba, g->unflushed[i].nblocks,
			  g->unflushed[i].seq);
	for (unsigned i = 0; i < DU_BATCH; i++)
		kern_free(g->buf[i]);
	kern_waitq_destroy(g->wq);
	storvsc_disk_put(g->disk);
	g->disk = NULL;
	return rc;
}

/* ---- the victim: a whole inproc VM ----------------------------------------------- */

struct du_vm {
	struct gmem *gm;
	struct gk_transport *t;
	struct part *p;
	struct hostside *hs;
	struct gk_runtime *rt;
	struct blk *mem_blk;   /* --power: the memory disk (owned by the LUN) */
};

static bool du_pump(void *arg)
{
	bool did = false;
	for (int i = 0; i < 16 && hostside_pump(arg); i++)
		did = true;
	return did;
}

/* Build the VM with the image (or a memory disk with a volatile cache when
 * img is NULL) as LUN 0, boot, connect, find the disk.  0 or -errno. */
static int du_vm_up(struct du_vm *vm, const char *img)
{
	blk_set_default_engine(BLK_ENGINE_SYNC); /* inproc: I/O runs in the loop */
	const struct hv_profile *prof = hv_profile_find("ws2022");
	vm->gm = gmem_create(DU_MEM);
	if (!vm->gm)
		return -ENOMEM;
	vm->t = gk_inproc_create(gmem_ptr(vm->gm, 0, DU_MEM), DU_MEM, 1);
	struct part_config pc = { .profile = prof, .nvcpus = 1 };
	vm->p = part_create(vm->gm, &pc, gk_inproc_part_notify(), vm->t);
	if (!vm->t || !vm->p)
		return -ENOMEM;
	gk_inproc_attach(vm->t, vm->p);
	struct hostside_config hc;
	memset(&hc, 0, sizeof hc);
	hc.vmbus = true;
	hc.scsi = true;
	hc.scsi_cfg.vstor_max_version = (uint16_t)prof->vstor_max_version;
	vm->hs = hostside_create(vm->p, vm->gm, &hc, NULL, NULL);
	if (!vm->hs)
		return -ENOMEM;
	struct blk *b;
	int rc;
	if (img) {
		struct blk_image_opts o = { .sector = DU_BS };
		rc = blk_open_image(img, &o, &b);
	} else {
		rc = blk_open_mem((uint64_t)DU_BLOCKS * DU_BS, DU_BS, &b);
		vm->mem_blk = b;
	}
	if (rc)
		return rc;
	struct scsi_lun_opts lo = { .id = 0x5000 };
	rc = storvsp_lun_add(hostside_storvsp(vm->hs), 0, 0, b, &lo);
	if (rc)
		return rc;
	gk_inproc_set_pump(vm->t, du_pump, vm->hs);
	struct gk_runtime_config rcfg = { .sched = GK_SCHED_INPROC, .seed = 1 };
	vm->rt = gk_runtime_create(vm->t, &rcfg);
	if (!vm->rt)
		return -ENOMEM;
	struct gk_boot_report br;
	rc = gk_guest_boot(vm->rt, &br);
	if (rc || br.status)
		return rc ? rc : br.status;
	struct gk_vmbus_report *vr = calloc(1, sizeof *vr);
	rc = vr ? gk_guest_vmbus_connect(vm->rt, 0, false, vr) : -ENOMEM;
	if (rc == 0 && vr->status)
		rc = vr->status;
	free(vr);
	if (rc)
		return rc;
	rc = gk_runtime_call(vm->rt, du_start, NULL);
	return rc ? rc : gk_guest_sleep(vm->rt, 50000000);
}

int du_fini(void *arg)
{
	(void)arg;
	storvsc_fini();
	return 0;
}

static void du_vm_down(struct du_vm *vm)
{
	if (vm->rt) {
		(void)gk_runtime_call(vm->rt, du_fini, NULL);
		(void)gk_guest_vmbus_disconnect(vm->rt);
		(void)gk_guest_shutdown(vm->rt);
	}
	gk_runtime_destroy(vm->rt);
	hostside_destroy(vm->hs);
	if (vm->t)
		vm->t->ops->close(vm->t);
	part_destroy(vm->p);
	gmem_destroy(vm->gm);
	blk_set_default_engine(BLK_ENGINE_DEFAULT);
	memset(vm, 0, sizeof *vm);
}

/* ---- the checker ------------------------------------------------------------------ */

int du_read_file(void *arg, uint64_t lba, uint8_t *buf)
{
	int fd = *(int *)arg;
	return pread(fd, buf, DU_BS, (off_t)(lba * DU_BS)) == DU_BS ? 0 : -EIO;
}

/* Every durable record's blocks hold that write or a later one.  Returns
 * the number of missing blocks; *checked counts the durable records. */
unsigned du_check(const struct du_log *lg, du_read_fn *rd, void *arg, uint64_t *checked)
{
	uint64_t n = __atomic_load_n(&lg->n, __ATOMIC_ACQUIRE);
	/* the newest durable seq per block */
	uint64_t *need = calloc(DU_BLOCKS, sizeof *need);
	unsigned bad = 0;
	*checked = 0;
	if (!need)
		return 1;
	for (uint64_t i = 0; i < n; i++) {
		const struct du_rec *r = &lg->r[i];
		if (r->kind != DU_DURABLE)
			continue;
		(*checked)++;
		for (uint32_t b = 0; b < r->nblocks && r->lba + b < DU_BLOCKS; b++)
			if (need[r->lba + b] < r->seq)
				need[r->lba + b] = r->seq;
	}
	uint8_t blk[DU_BS];
	for (uint64_t lba = 0; lba < DU_BLOCKS; lba++) {
		if (!need[lba])
			continue;
		uint64_t seen = 0;
		if (rd(arg, lba, blk) != 0 || !du_block_ok(blk, lba, need[lba], &seen)) {
			if (bad++ < 5)
				dr_log("  block %llu: want write %llu or later, found %llu%s",
				       (unsigned long long)lba, (unsigned long long)need[lba],
				       (unsigned long long)seen, seen >= need[lba] ? " (torn)" : "");
		}
	}
	free(need);
	return bad;
}

/* ---- kill mode ---------------------------------------------------------------------- */

static int du_kill_round(const char *img, struct du_log *lg, unsigned max_ms, unsigned round,
			 uint64_t *durable_total)
{
	int fd = open(img, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || ftruncate(fd, (off_t)DU_BLOCKS * DU_BS) != 0)
		return -1;
	close(fd);
	memset((void *)lg, 0, offsetof(struct du_log, r));
	uint64_t seed = dr_rand(0);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		dr_rand_seed(seed);
		struct du_vm vm;
		memset(&vm, 0, sizeof vm);
		int rc = du_vm_up(&vm, img);
		if (rc) {
			fprintf(stderr, "durability: VM did not come up: %s\n", strerror(-rc));
			_exit(3);
		}
		static struct du_guest g;
		g.lg = lg;
		rc = gk_runtime_call(vm.rt, du_writer, &g);
		fprintf(stderr, "durability: writer stopped: %s\n", strerror(-rc));
		_exit(4);
	}
	uint64_t t0 = dr_now_ns();
	while (!lg->ready && dr_alive(pid) && dr_now_ns() - t0 < 30000000000ull)
		dr_sleep_ms(2);
	if (!lg->ready) {
		dr_log("FAIL: round %u: the victim never started writing", round);
		dr_kill_wait(pid, SIGKILL);
		return 1;
	}
	dr_sleep_ms(20 + (unsigned)dr_rand(max_ms));
	if (!dr_alive(pid)) {
		dr_log("FAIL: round %u: the victim died by itself", round);
		return 1;
	}
	dr_kill_wait(pid, SIGKILL);
	fd = open(img, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 1;
	uint64_t checked = 0;
	unsigned bad = du_check(lg, du_read_file, &fd, &checked);
	close(fd);
	*durable_total += checked;
	if (round == 0 || bad)
		dr_log("round %u: %llu writes (%llu FUA), %llu flushes, %llu durable records "
		       "(WCE %u, FUA %u): %u missing blocks", round,
		       (unsigned long long)lg->writes, (unsigned long long)lg->fua_writes,
		       (unsigned long long)lg->flushes, (unsigned long long)checked, lg->wce,
		       lg->fua, bad);
	if (lg->errors)
		dr_log("note: round %u: %llu failed I/Os", round, (unsigned long long)lg->errors);
	return bad ? 1 : 0;
}

/* ---- power mode: memory disk, simulated power loss, same process ---------------- */

static int du_read_mem(void *arg, uint64_t lba, uint8_t *buf);

struct du_mem_read {
	struct blk *b;
	int done, err;
};

static void du_mem_done(struct blk_req *r, int err);

static int du_power_round(struct du_log *lg, unsigned round, bool lie, uint64_t *durable_total)
{
	memset((void *)lg, 0, offsetof(struct du_log, r));
	struct du_vm vm;
	memset(&vm, 0, sizeof vm);
	int rc = du_vm_up(&vm, NULL);
	if (rc) {
		dr_log("FAIL: power round %u: VM did not come up: %s", round, strerror(-rc));
		du_vm_down(&vm);
		return 1;
	}
	struct du_guest *g = calloc(1, sizeof *g);
	g->lg = lg;
	g->max_ops = 20 + dr_rand(300);
	g->lie = lie;
	rc = gk_runtime_call(vm.rt, du_writer, g);
	free(g);
	/* Power loss: what was not flushed is gone; read the disk as it is. */
	int crc = blk_mem_crash(vm.mem_blk);
	uint64_t checked = 0;
	unsigned bad = rc || crc ? 1 : du_check(lg, du_read_mem, vm.mem_blk, &checked);
	*durable_total += checked;
	if (round == 0 || bad)
		dr_log("power round %u: %llu writes (%llu FUA), %llu flushes, %llu durable "
		       "(WCE %u, FUA %u): %u missing blocks%s", round,
		       (unsigned long long)lg->writes, (unsigned long long)lg->fua_writes,
		       (unsigned long long)lg->flushes, (unsigned long long)checked, lg->wce,
		       lg->fua, bad, rc ? " (writer failed)" : "");
	du_vm_down(&vm);
	return bad ? 1 : 0;
}

static void du_mem_done(struct blk_req *r, int err)
{
	struct du_mem_read *m = r->arg;
	m->done = 1;
	m->err = err;
}

static int du_read_mem(void *arg, uint64_t lba, uint8_t *buf)
{
	struct du_mem_read m = { .b = arg };
	struct blk_req r;
	memset(&r, 0, sizeof r);
	r.op = BLK_OP_READ;
	struct iovec iov = { .iov_base = buf, .iov_len = DU_BS };
	r.offset = lba * DU_BS;
	r.len = DU_BS;
	r.iov = &iov;
	r.iovcnt = 1;
	r.done = du_mem_done;
	r.arg = &m;
	if (blk_submit(m.b, &r) != 0)
		return -EIO;
	while (!m.done)
		blk_poll(m.b);
	return m.err ? -EIO : 0;
}

int drill_durability(int argc, char **argv)
{
	bool power = false, lie = false, split = false;
	int n = 0;
	char *rest[64];
	for (int i = 0; i < argc && n < 63; i++) {
		if (!strcmp(argv[i], "--power"))
			power = true;
		else if (!strcmp(argv[i], "--selftest"))
			power = lie = true;
		else if (!strcmp(argv[i], "--split"))
			split = true;
		else
			rest[n++] = argv[i];
	}
	struct dr_opts o;
	if (dr_parse_opts(n, rest, &o))
		return -1;
	unsigned rounds = o.iters ? o.iters : o.lng ? 100 : 6;
	unsigned max_ms = o.lng ? 3000 : 600;
	struct du_log *lg = mmap(NULL, sizeof *lg, PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (lg == MAP_FAILED)
		return -1;
	char dir[128], img[200];
	if (o.dir)
		snprintf(dir, sizeof dir, "%s", o.dir);
	else if (dr_tmpdir(dir, sizeof dir))
		return -1;
	snprintf(img, sizeof img, "%s/disk.img", dir);
	if (split && power) {
		dr_log("durability: --split goes with neither --power nor --selftest");
		munmap(lg, sizeof *lg);
		return -1;
	}
	dr_log("durability: %u %s rounds, seed %llu", rounds,
	       split ? "daemon-SIGKILL (split guest, image opened by hvsim-hostd)"
	       : power ? "power-loss (memory disk, volatile cache)" : "SIGKILL (image file)",
	       (unsigned long long)o.seed);
	int fails = 0;
	uint64_t durable = 0;
	for (unsigned r = 0; r < rounds; r++)
		fails += split ? du_split_round(&o, dir, lg, max_ms, r, &durable)
			 : power ? du_power_round(lg, r, lie, &durable)
			       : du_kill_round(img, lg, max_ms, r, &durable);
	dr_log("%u rounds, %llu durable writes checked, %d failed rounds",
	       rounds, (unsigned long long)durable, fails);
	if (split)
		dr_log("the writer's in-flight I/O returned %.1f ms worst after the daemon's death",
		       dr_split_worst_return_ns / 1e6);
	munmap(lg, sizeof *lg);
	if (!o.dir && (!fails || lie))
		dr_rmtree(dir);
	else
		dr_log("files kept in %s", dir);
	if (lie) {
		/* The checker must see through a driver that acks unflushed data. */
		dr_log("durability --selftest: %s", fails ? "passed (the lie was caught)"
							  : "FAILED (the checker missed lost writes)");
		return fails ? 0 : 1;
	}
	dr_log("durability: %s", fails ? "FAILED" : "passed");
	return fails ? 1 : 0;
}
