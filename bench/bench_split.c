/* bench_split.c -- split-mode costs measured against baselines in the same
 * run: (1) the signal round trip guest HvSignalEvent -> doorbell -> hostd
 * wakes -> SynIC event -> vCPU eventfd -> guest handler, against a bare
 * eventfd ping-pong between two processes; (2) hvsim-hostd's resident
 * memory per guest beyond guest memory.
 *
 * usage: bench_split [round-trips (default 20000)] [guests (default 8)] */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hyperv/hv_tlfs.h"
#include "sim/guest/transport.h"
#include "sim/guest/transport_split.h"
#include "sim/hostd/daemon/ctl_proto.h"
#include "sim/hostd/daemon/hostd.h"

#define BENCH_MEM       (16ull << 20)
#define BENCH_CONN      7u
#define BENCH_VECTOR    0x51u
#define BENCH_SIEF_PFN  2u

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static uint64_t median(uint64_t *v, size_t n)
{
	qsort(v, n, sizeof v[0], cmp_u64);
	return v[n / 2];
}

static pid_t start_daemon(const char *path)
{
	pid_t pid = fork();
	if (pid == 0) {
		struct hostd_config cfg = {
			.socket_path = path, .max_guests = 256, .test_hooks = true,
			.handle_signals = true,
		};
		char err[256];
		int code = 1;
		struct hostd *d = hostd_create(&cfg, err, sizeof err, &code);
		if (!d) {
			fprintf(stderr, "bench: daemon: %s\n", err);
			_exit(code);
		}
		int rc = hostd_run(d);
		hostd_destroy(d);
		_exit(rc ? 1 : 0);
	}
	for (int i = 0; i < 2000; i++) {
		char err[64];
		if (access(path, F_OK) == 0) {
			struct gk_transport *t = gk_split_connect(path, "ws2022", 1, 4096, err,
								  sizeof err);
			if (t) {
				t->ops->close(t);
				return pid;
			}
		}
		struct timespec ts = { 0, 5000000 };
		nanosleep(&ts, NULL);
	}
	return -1;
}

/* ---- (1) round trip ------------------------------------------------------- */

struct rt_state {
	struct gk_transport *t;
	volatile unsigned    hits;
};

static void rt_irq(void *arg, uint32_t cpu, uint8_t vector)
{
	struct rt_state *st = arg;
	if (vector != BENCH_VECTOR)
		return;
	/* The guest's event handler: consume SINT2's flag 0 (so the next
	 * signal is a new 0 -> 1 edge) and count. */
	uint8_t *flags = (uint8_t *)st->t->mem + BENCH_SIEF_PFN * 4096u + 2u * 256u;
	__atomic_fetch_and(flags, (uint8_t)~1u, __ATOMIC_SEQ_CST);
	st->hits++;
}

static int synic_up(struct gk_transport *t)
{
	int rc = 0;
	rc |= t->ops->wrmsr(t, 0, HV_MSR_GUEST_OS_ID, HV_GUEST_OS_ID_OPENSOURCE | 1);
	rc |= t->ops->wrmsr(t, 0, HV_MSR_HYPERCALL, (1ull << 12) | 1);
	rc |= t->ops->wrmsr(t, 0, HV_MSR_SCONTROL, 1);
	rc |= t->ops->wrmsr(t, 0, HV_MSR_SIEFP, ((uint64_t)BENCH_SIEF_PFN << 12) | 1);
	rc |= t->ops->wrmsr(t, 0, HV_MSR_SINT0 + 2, BENCH_VECTOR | HV_SINT_AUTO_EOI);
	uint64_t a[4] = { BENCH_CONN, 0, 2, 0 }, v[4];
	rc |= gk_split_rpc(t, CTL_ECHO_PORT, 0, a, v);
	return rc;
}

static int bench_signal_rtt(const char *path, unsigned n, uint64_t *med_ns, uint64_t *mean_ns)
{
	char err[256];
	struct gk_transport *t = gk_split_connect(path, "ws2022", 1, 1 << 20, err, sizeof err);
	if (!t) {
		fprintf(stderr, "bench: %s\n", err);
		return -1;
	}
	struct rt_state st = { .t = t };
	t->irq = rt_irq;
	t->irq_arg = &st;
	if (synic_up(t) != 0) {
		fprintf(stderr, "bench: SynIC setup failed\n");
		t->ops->close(t);
		return -1;
	}
	uint64_t *lat = calloc(n, sizeof *lat);
	struct pollfd p = { .fd = t->ops->irq_fd(t, 0), .events = POLLIN };
	uint64_t total = 0;
	int rc = 0;
	for (unsigned i = 0; i < n + 100 && rc == 0; i++) {
		unsigned before = st.hits;
		uint64_t t0 = mono_ns();
		uint64_t rax = t->ops->hypercall(t, 0, HVCALL_SIGNAL_EVENT | HV_HC_FAST, BENCH_CONN, 0);
		if ((rax & 0xFFFF) != HV_STATUS_SUCCESS)
			rc = -1;
		while (rc == 0 && st.hits == before) {
			if (poll(&p, 1, 2000) != 1)
				rc = -1;
			else
				t->ops->irq_drain(t, 0);
		}
		uint64_t dt = mono_ns() - t0;
		if (i >= 100) { /* warm-up excluded */
			lat[i - 100] = dt;
			total += dt;
		}
	}
	if (rc == 0) {
		*mean_ns = total / n;
		*med_ns = median(lat, n);
	} else {
		fprintf(stderr, "bench: round trip stalled\n");
	}
	free(lat);
	t->ops->close(t);
	return rc;
}

/* Two processes, two eventfds: the floor for any cross-process wake-up. */
static int bench_eventfd_pingpong(unsigned n, uint64_t *med_ns, uint64_t *mean_ns)
{
	int a = eventfd(0, EFD_CLOEXEC), b = eventfd(0, EFD_CLOEXEC);
	if (a < 0 || b < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		uint64_t v;
		for (unsigned i = 0; i < n + 100; i++) {
			if (read(a, &v, sizeof v) != sizeof v || write(b, &v, sizeof v) != sizeof v)
				_exit(1);
		}
		_exit(0);
	}
	uint64_t *lat = calloc(n, sizeof *lat);
	uint64_t total = 0, v = 1;
	int rc = 0;
	for (unsigned i = 0; i < n + 100; i++) {
		uint64_t t0 = mono_ns();
		if (write(a, &v, sizeof v) != sizeof v || read(b, &v, sizeof v) != sizeof v) {
			rc = -1;
			break;
		}
		uint64_t dt = mono_ns() - t0;
		if (i >= 100) {
			lat[i - 100] = dt;
			total += dt;
		}
	}
	waitpid(pid, NULL, 0);
	if (rc == 0) {
		*mean_ns = total / n;
		*med_ns = median(lat, n);
	}
	free(lat);
	close(a);
	close(b);
	return rc;
}

/* ---- (2) memory per guest -------------------------------------------------- */

struct rss { long vm_rss, anon, file, shmem; };

static int read_rss(pid_t pid, struct rss *r)
{
	char path[64], line[256];
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	memset(r, 0, sizeof *r);
	while (fgets(line, sizeof line, f)) {
		sscanf(line, "VmRSS: %ld", &r->vm_rss);
		sscanf(line, "RssAnon: %ld", &r->anon);
		sscanf(line, "RssFile: %ld", &r->file);
		sscanf(line, "RssShmem: %ld", &r->shmem);
	}
	fclose(f);
	return 0;
}

static int bench_rss(const char *path, pid_t daemon, unsigned nguests)
{
	struct rss before, after;
	if (read_rss(daemon, &before) != 0)
		return -1;
	pid_t *kids = calloc(nguests, sizeof *kids);
	int ready[2];
	if (!kids || pipe(ready) != 0)
		return -1;
	for (unsigned i = 0; i < nguests; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			char err[256];
			struct gk_transport *t = gk_split_connect(path, "ws2022", 2, BENCH_MEM,
								  err, sizeof err);
			char c = 'n';
			if (t) {
				memset(t->mem, 0x5A, t->mem_size); /* touch all guest memory */
				/* Make the host touch its per-vCPU SynIC pages too. */
				c = synic_up(t) == 0 ? 'y' : 'n';
			}
			if (write(ready[1], &c, 1) != 1)
				_exit(1);
			for (;;)
				pause();
		}
	}
	unsigned ok = 0;
	for (unsigned i = 0; i < nguests; i++) {
		char c;
		if (read(ready[0], &c, 1) == 1 && c == 'y')
			ok++;
	}
	read_rss(daemon, &after);
	for (unsigned i = 0; i < nguests; i++) {
		kill(kids[i], SIGKILL);
		waitpid(kids[i], NULL, 0);
	}
	close(ready[0]);
	close(ready[1]);
	free(kids);
	long rss_kib = after.vm_rss - before.vm_rss;
	long shm_kib = after.shmem - before.shmem;
	long priv_kib = (after.anon - before.anon) + (after.file - before.file);
	printf("hostd memory: %u guests x %llu MiB (touched by the guests), %u set up\n",
	       nguests, (unsigned long long)(BENCH_MEM >> 20), ok);
	printf("  daemon VmRSS %ld -> %ld KiB (+%ld KiB), of which shared guest/ctl pages "
	       "%ld KiB\n", before.vm_rss, after.vm_rss, rss_kib, shm_kib);
	printf("  per guest beyond guest memory: %.1f KiB (private RSS; target <= 16 MiB)\n",
	       nguests ? (double)priv_kib / nguests : 0.0);
	return ok == nguests ? 0 : -1;
}

int main(int argc, char **argv)
{
	unsigned n = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 20000;
	unsigned guests = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 8;
	if (n == 0)
		n = 1;
	char dir[] = "/tmp/hvsim-bench-XXXXXX";
	if (!mkdtemp(dir))
		return 1;
	char path[96];
	snprintf(path, sizeof path, "%s/s", dir);
	pid_t d = start_daemon(path);
	if (d < 0) {
		rmdir(dir);
		return 1;
	}
	int rc = 0;
	uint64_t s_med = 0, s_mean = 0, e_med = 0, e_mean = 0;
	if (bench_signal_rtt(path, n, &s_med, &s_mean) != 0 ||
	    bench_eventfd_pingpong(n, &e_med, &e_mean) != 0) {
		rc = 1;
	} else {
		printf("signal round trip (%u iterations, after 100 warm-up):\n", n);
		printf("  split HvSignalEvent -> hostd -> SynIC irq -> handler: median %.2f us, mean %.2f us\n",
		       s_med / 1000.0, s_mean / 1000.0);
		printf("  bare eventfd ping-pong between two processes:        median %.2f us, mean %.2f us\n",
		       e_med / 1000.0, e_mean / 1000.0);
		printf("  ratio split / bare (median): %.2f\n", e_med ? (double)s_med / e_med : 0.0);
	}
	if (bench_rss(path, d, guests) != 0)
		rc = 1;
	kill(d, SIGTERM);
	waitpid(d, NULL, 0);
	rmdir(dir);
	return rc;
}
