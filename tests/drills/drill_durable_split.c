/* drill_durable_split.c -- durability --split: the writer of the
 * durability drill runs as a split guest whose LUN is an image file
 * opened by hvsim-hostd (guest.devices by pid before HELLO), and the
 * DAEMON is SIGKILLed at a random moment.  The writer's in-flight write
 * or flush must return within 5 s; then a restarted daemon serves the same
 * image read-only to a fresh checker guest, and every write logged durable
 * (acked with FUA, or acked and covered by an acked FLUSH) must be found
 * both in the file and in what the checker guest reads through storvsc. */
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
#include <sys/wait.h>
#include <unistd.h>

#include "guest_drivers/kern.h"
#include "sim/guest/guest_actions.h"
#include "sim/guest/guest_vmbus.h"
#include "sim/guest/runtime.h"
#include "sim/guest/transport.h"
#include "sim/guest/transport_split.h"

#define SPLIT_RETURN_NS 5000000000ull  /* the promise for in-flight I/O */

uint64_t dr_split_worst_return_ns;

static bool have_disk(void *arg)
{
	(void)arg;
	return storvsc_disk_count() > 0;
}

/* Guest context: storvsc up and disk 0 found. */
static int split_disk_up(void *arg)
{
	(void)arg;
	int rc = du_start(NULL);
	if (rc)
		return rc;
	struct kern_waitq *wq = kern_waitq_create();
	if (!wq)
		return -ENOMEM;
	for (unsigned i = 0; i < 500 && !have_disk(NULL); i++) {
		rc = kern_wait(wq, have_disk, NULL, 10000000);
		if (rc && rc != -ETIMEDOUT)
			break;
	}
	kern_waitq_destroy(wq);
	return have_disk(NULL) ? 0 : rc ? rc : -ENXIO;
}

/* The checker guest: reads the whole disk into out (DU_BLOCKS * DU_BS). */
struct split_reader {
	uint8_t *out;
	int err;
};

static int split_read_all(void *arg)
{
	struct split_reader *r = arg;
	struct storvsc_disk *d = storvsc_disk_get(0);
	if (!d)
		return -ENODEV;
	int rc = 0;
	for (uint64_t lba = 0; lba < DU_BLOCKS && !rc; lba += 64) {
		struct storvsc_bio b = { .op = STORVSC_OP_READ, .lba = lba, .nblocks = 64,
					 .buf = r->out + lba * DU_BS };
		rc = storvsc_disk_sync(d, &b, 10ull * 1000000000ull);
	}
	storvsc_disk_put(d);
	return rc;
}

/* A forked split guest on image 'img': the writer (reader == NULL) or the
 * checker.  Never returns. */
static void split_guest(const char *sock, const char *img, const char *glog, bool ro,
			struct du_log *lg, struct split_reader *reader, uint64_t seed)
{
	signal(SIGPIPE, SIG_IGN);
	dr_rand_seed(seed);
	int fd = open(glog, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd >= 0) {
		dup2(fd, 2);
		close(fd);
	}
	char dev[1400], err[256];
	snprintf(dev, sizeof dev, "{\"scsi\":{\"luns\":[{\"lun\":0,\"image\":\"%s\",\"read_only\":%s}]}}",
		 img, ro ? "true" : "false");
	int rc = dr_io_devices(sock, dev);
	if (rc) {
		fprintf(stderr, "durability --split: guest.devices: %s\n", strerror(-rc));
		_exit(3);
	}
	struct gk_transport *t = gk_split_connect(sock, DR_PROFILE, 1, DR_GUEST_MEM, err, sizeof err);
	if (!t) {
		fprintf(stderr, "durability --split: connect: %s\n", err);
		_exit(3);
	}
	struct gk_runtime_config rcfg = { .sched = GK_SCHED_THREADS, .seed = 1 };
	struct gk_runtime *rt = gk_runtime_create(t, &rcfg);
	struct gk_boot_report *br = calloc(1, sizeof *br);
	struct gk_vmbus_report *vr = calloc(1, sizeof *vr);
	rc = rt && br && vr ? gk_guest_boot(rt, br) : -ENOMEM;
	if (rc == 0 && br->status)
		rc = br->status;
	if (rc == 0)
		rc = gk_guest_vmbus_connect(rt, 0, false, vr);
	if (rc == 0 && vr->status)
		rc = vr->status;
	if (rc == 0)
		rc = gk_runtime_call(rt, split_disk_up, NULL);
	if (rc) {
		fprintf(stderr, "durability --split: guest up: %s\n", strerror(-rc));
		_exit(3);
	}
	if (reader) {
		reader->err = gk_runtime_call(rt, split_read_all, reader);
		_exit(reader->err ? 4 : 0);
	}
	static struct du_guest g;
	g.lg = lg;
	rc = gk_runtime_call(rt, du_writer, &g);
	fprintf(stderr, "durability --split: writer stopped: %s\n", strerror(-rc));
	/* _exit: the host is gone; the drill checks the daemon, not us. */
	_exit(4);
}

static int read_buf(void *arg, uint64_t lba, uint8_t *buf)
{
	memcpy(buf, (const uint8_t *)arg + lba * DU_BS, DU_BS);
	return 0;
}

static bool wait_exit(pid_t pid, uint64_t ns, int *status)
{
	uint64_t t0 = dr_now_ns();
	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG);
		if (r == pid)
			return true;
		if (r < 0 || dr_now_ns() - t0 > ns)
			return false;
		dr_sleep_ms(1);
	}
}

static int stop_daemon(pid_t hd, const char *log, unsigned round)
{
	int fails = 0, st = 0;
	kill(hd, SIGTERM);
	waitpid(hd, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		dr_log("FAIL: round %u: daemon exit status %#x after SIGTERM", round, st);
		fails++;
	}
	if (dr_log_clean(log)) {
		dr_log("FAIL: round %u: sanitizer findings in %s", round, log);
		fails++;
	}
	return fails;
}

int du_split_round(const struct dr_opts *o, const char *dir, struct du_log *lg,
		   unsigned max_ms, unsigned round, uint64_t *durable_total)
{
	char img[256], sock[256], log[256], glog[256];
	snprintf(img, sizeof img, "%s/disk.img", dir);
	snprintf(sock, sizeof sock, "%s/h.sock", dir);
	snprintf(log, sizeof log, "%s/hostd.log", dir);
	snprintf(glog, sizeof glog, "%s/guests.log", dir);
	int fd = open(img, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || ftruncate(fd, (off_t)DU_BLOCKS * DU_BS) != 0) {
		if (fd >= 0)
			close(fd);
		return 1;
	}
	close(fd);
	memset((void *)lg, 0, offsetof(struct du_log, r));
	pid_t hd = dr_hostd_start(o->hostd, sock, log, NULL);
	if (hd < 0) {
		dr_log("FAIL: round %u: cannot start %s", round, o->hostd);
		return 1;
	}
	uint64_t seed = dr_rand(0);
	fflush(stdout);
	pid_t w = fork();
	if (w == 0)
		split_guest(sock, img, glog, false, lg, NULL, seed);
	uint64_t t0 = dr_now_ns();
	while (!lg->ready && dr_alive(w) && dr_now_ns() - t0 < 30000000000ull)
		dr_sleep_ms(2);
	if (!lg->ready) {
		dr_log("FAIL: round %u: the split writer never started writing", round);
		dr_kill_wait(w, SIGKILL);
		dr_kill_wait(hd, SIGKILL);
		return 1;
	}
	dr_sleep_ms(20 + (unsigned)dr_rand(max_ms));
	int fails = 0;
	if (!dr_alive(w)) {
		dr_log("FAIL: round %u: the split writer died by itself", round);
		fails++;
	}
	/* The daemon dies under the writer: what it acked must be in the file. */
	uint64_t tk = dr_now_ns();
	dr_kill_wait(hd, SIGKILL);
	int st = 0;
	bool gone = wait_exit(w, SPLIT_RETURN_NS, &st);
	uint64_t ret_ns = dr_now_ns() - tk;
	if (!gone) {
		dr_log("FAIL: round %u: the writer's in-flight I/O did not return within 5 s of "
		       "the daemon's death", round);
		dr_kill_wait(w, SIGKILL);
		fails++;
	}
	uint64_t checked = 0;
	fd = open(img, O_RDONLY | O_CLOEXEC);
	unsigned bad_file = fd < 0 ? 1 : du_check(lg, du_read_file, &fd, &checked);
	if (fd >= 0)
		close(fd);
	/* A new daemon serves the image to a fresh guest, read-only. */
	unsigned bad_guest = 0;
	hd = dr_hostd_start(o->hostd, sock, log, NULL);
	size_t sz = (size_t)DU_BLOCKS * DU_BS + sizeof(struct split_reader);
	uint8_t *shared = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (hd < 0 || shared == MAP_FAILED) {
		dr_log("FAIL: round %u: the daemon did not restart", round);
		fails++;
	} else {
		struct split_reader *rd = (struct split_reader *)(shared + (size_t)DU_BLOCKS * DU_BS);
		rd->out = shared;
		rd->err = -EINPROGRESS;
		fflush(stdout);
		pid_t c = fork();
		if (c == 0)
			split_guest(sock, img, glog, true, lg, rd, 1);
		if (!wait_exit(c, 60000000000ull, &st)) {
			dr_kill_wait(c, SIGKILL);
			st = -1;
		}
		uint64_t chk2 = 0;
		if (st == 0 && rd->err == 0)
			bad_guest = du_check(lg, read_buf, shared, &chk2);
		else if (++fails)
			dr_log("FAIL: round %u: the checker guest could not read the image through "
			       "the restarted daemon (status %#x, %s)", round, st,
			       rd->err ? strerror(-rd->err) : "ok");
		fails += stop_daemon(hd, log, round);
	}
	if (shared != MAP_FAILED)
		munmap(shared, sz);
	*durable_total += checked;
	if (round == 0 || bad_file || bad_guest)
		dr_log("split round %u: %llu writes (%llu FUA), %llu flushes, %llu durable records "
		       "(WCE %u, FUA %u); writer returned %.1f ms after the daemon's death; "
		       "missing blocks: %u in the file, %u through the restarted daemon", round,
		       (unsigned long long)lg->writes, (unsigned long long)lg->fua_writes,
		       (unsigned long long)lg->flushes, (unsigned long long)checked, lg->wce,
		       lg->fua, ret_ns / 1e6, bad_file, bad_guest);
	if (ret_ns > dr_split_worst_return_ns)
		dr_split_worst_return_ns = ret_ns;
	return fails || bad_file || bad_guest ? 1 : 0;
}
