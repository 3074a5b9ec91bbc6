/* bench_scenarios.c -- wall time of the scenario library and of one boot
 * scenario, each `hvsim run` exec'ed as a user would, against baselines
 * measured in the same run: a bare fork + exec of /bin/true, and
 * `hvsim check` of the same file (exec + load + validation, nothing run).
 *
 * Rows: boot.json inproc; split starting its own hvsim-hostd; split against
 * a daemon already running; the same three for "boot-only" (boot.json
 * without its last step, a 50 ms wait that is real time in split mode, so
 * the cost of the transport shows); the whole scenarios/ tree with -j 2 in
 * both transports. Medians over N runs; aims from issue 6 printed beside them.
 *
 * usage: bench_scenarios [-n RUNS (default 21)] [-l LIBRARY-RUNS (default 5)]
 *                        [--src DIR] [--smoke]
 * --smoke: 3 runs per row, the library once and inproc only (ctest). Exit 1
 * when a run failed, never because an aim was missed.
 * hvsim and hvsim-hostd are taken from the build directory (../ of this
 * program); DIR is the source tree (default: the one this file was built
 * from). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BSCN_MAX_RUNS 1000

static char bscn_hvsim[PATH_MAX], bscn_hostd[PATH_MAX];

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

/* Fork + exec argv with stdout/stderr on /dev/null; wall ns, or 0 when the
 * program did not exit 0 (a failed run is not a figure). */
static uint64_t run_once(char *const argv[])
{
	uint64_t t0 = mono_ns();
	pid_t pid = fork();
	if (pid < 0)
		return 0;
	if (pid == 0) {
		int nul = open("/dev/null", O_RDWR);
		if (nul >= 0) {
			dup2(nul, STDIN_FILENO);
			dup2(nul, STDOUT_FILENO);
			dup2(nul, STDERR_FILENO);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	int status;
	if (waitpid(pid, &status, 0) != pid)
		return 0;
	uint64_t dt = mono_ns() - t0;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? dt : 0;
}

/* Median wall ms over n runs; -1 when any run failed. */
static double median_ms(char *const argv[], int n)
{
	uint64_t v[BSCN_MAX_RUNS];
	for (int i = 0; i < n; i++) {
		v[i] = run_once(argv);
		if (v[i] == 0) {
			fprintf(stderr, "bench_scenarios: %s %s ... failed\n", argv[0],
				argv[1]);
			return -1;
		}
	}
	qsort(v, (size_t)n, sizeof v[0], cmp_u64);
	return (double)v[n / 2] / 1e6;
}

static void row(const char *what, double ms, double base_true, double base_check,
		double aim_ms)
{
	if (ms < 0) {
		printf("%-44s FAILED\n", what);
		return;
	}
	printf("%-44s %9.2f ms  x%6.1f true  x%5.1f check", what, ms, ms / base_true,
	       ms / base_check);
	if (aim_ms > 0)
		printf("  aim < %.0f ms: %s", aim_ms, ms < aim_ms ? "met" : "MISSED");
	printf("\n");
}

static bool socket_accepts(const char *path, int type)
{
	int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len = strlen(path);
	if (len >= sizeof sa.sun_path) {
		close(fd);
		return false;
	}
	memcpy(sa.sun_path, path, len + 1);
	bool ok = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
	close(fd);
	return ok;
}

/* A daemon the whole row shares, as `hvsim-hostd --socket S` run by hand;
 * ready once both its guest (seqpacket) and control sockets accept. */
static pid_t start_daemon(const char *sock)
{
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int nul = open("/dev/null", O_RDWR);
		if (nul >= 0) {
			dup2(nul, STDOUT_FILENO);
			dup2(nul, STDERR_FILENO);
		}
		execl(bscn_hostd, bscn_hostd, "--socket", sock, "--foreground", (char *)NULL);
		_exit(127);
	}
	char ctl[PATH_MAX];
	snprintf(ctl, sizeof ctl, "%.4000s.ctl", sock);
	for (int i = 0; i < 5000; i++) {
		if (socket_accepts(sock, SOCK_SEQPACKET) && socket_accepts(ctl, SOCK_STREAM))
			return pid;
		usleep(1000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return -1;
}

static void stop_daemon(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
}

static void default_src(char *out, size_t len)
{
	/* CMake compiles with the absolute source path: bench/ is one down. */
	snprintf(out, len, "%s", __FILE__);
	char *slash = strrchr(out, '/');
	if (slash)
		*slash = '\0';
	slash = strrchr(out, '/');
	if (slash)
		*slash = '\0';
	else
		snprintf(out, len, ".");
}

static int self_dir(char *out, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", out, len - 1);
	if (n <= 0)
		return -1;
	out[n] = '\0';
	char *slash = strrchr(out, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	return 0;
}

static int find_tools(void)
{
	char dir[PATH_MAX];
	if (self_dir(dir, sizeof dir) != 0)
		return -1;
	const char *ups[] = { "..", "." };
	for (size_t i = 0; i < sizeof ups / sizeof ups[0]; i++) {
		snprintf(bscn_hvsim, sizeof bscn_hvsim, "%.3800s/%s/hvsim", dir, ups[i]);
		snprintf(bscn_hostd, sizeof bscn_hostd, "%.3800s/%s/hvsim-hostd", dir, ups[i]);
		if (access(bscn_hvsim, X_OK) == 0 && access(bscn_hostd, X_OK) == 0)
			return 0;
	}
	return -1;
}

int main(int argc, char **argv)
{
	int n = 21, nlib = 5;
	bool smoke = false;
	char src[PATH_MAX];
	default_src(src, sizeof src);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--smoke")) {
			n = 3;
			nlib = 1;
			smoke = true;
		} else if (!strcmp(argv[i], "-n") && i + 1 < argc) {
			n = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "-l") && i + 1 < argc) {
			nlib = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--src") && i + 1 < argc) {
			snprintf(src, sizeof src, "%s", argv[++i]);
		} else {
			fprintf(stderr, "usage: bench_scenarios [-n RUNS] [-l LIBRARY-RUNS] "
					"[--src DIR] [--smoke]\n");
			return 2;
		}
	}
	if (n < 1 || n > BSCN_MAX_RUNS || nlib < 1 || nlib > BSCN_MAX_RUNS) {
		fprintf(stderr, "bench_scenarios: runs must be 1..%d\n", BSCN_MAX_RUNS);
		return 2;
	}
	if (find_tools() != 0) {
		fprintf(stderr, "bench_scenarios: hvsim and hvsim-hostd not found next to "
				"this program's directory\n");
		return 2;
	}
	char boot[PATH_MAX + 32], lib[PATH_MAX + 32];
	snprintf(boot, sizeof boot, "%s/scenarios/boot.json", src);
	snprintf(lib, sizeof lib, "%s/scenarios", src);
	if (access(boot, R_OK) != 0) {
		fprintf(stderr, "bench_scenarios: %s: %s (use --src)\n", boot, strerror(errno));
		return 2;
	}
	char tmp[] = "/tmp/bscn-XXXXXX";
	if (!mkdtemp(tmp)) {
		perror("mkdtemp");
		return 1;
	}
	char sock[PATH_MAX], bonly[PATH_MAX];
	snprintf(sock, sizeof sock, "%s/h.sock", tmp);
	snprintf(bonly, sizeof bonly, "%s/boot-only.json", tmp);
	FILE *f = fopen(bonly, "w");
	if (!f) {
		perror(bonly);
		return 1;
	}
	fputs("{ \"name\": \"boot-only\", \"host\": { \"profile\": \"ws2022\" },\n"
	      "  \"guest\": { \"vcpus\": 2, \"memory_mb\": 128 },\n"
	      "  \"steps\": [ { \"boot\": {} },\n"
	      "    { \"expect\": { \"vmbus_version\": \"5.3\", \"attached\": [\"heartbeat0\", "
	      "\"shutdown0\", \"timesync0\", \"kvp0\"] } } ] }\n", f);
	fclose(f);

	char *a_true[] = { "/bin/true", NULL };
	char *a_check[] = { bscn_hvsim, "check", boot, NULL };
	char *a_inproc[] = { bscn_hvsim, "run", "-q", boot, NULL };
	char *a_split[] = { bscn_hvsim, "run", "-q", "--mode", "split", boot, NULL };
	char *a_shared[] = { bscn_hvsim, "run", "-q", "--mode", "split", "--socket", sock,
			     boot, NULL };
	char *o_inproc[] = { bscn_hvsim, "run", "-q", bonly, NULL };
	char *o_split[] = { bscn_hvsim, "run", "-q", "--mode", "split", bonly, NULL };
	char *o_shared[] = { bscn_hvsim, "run", "-q", "--mode", "split", "--socket", sock,
			     bonly, NULL };
	char *a_lib[] = { bscn_hvsim, "run", "-q", "-j", "2", lib, NULL };
	char *a_lib_split[] = { bscn_hvsim, "run", "-q", "-j", "2", "--mode", "split", lib,
				NULL };

	printf("bench_scenarios: medians, %d runs per row (%d for the library), %ld CPUs online\n",
	       n, nlib, sysconf(_SC_NPROCESSORS_ONLN));
	double b_true = median_ms(a_true, n);
	double b_check = median_ms(a_check, n);
	if (b_true <= 0 || b_check <= 0)
		return 1;
	printf("%-44s %9.2f ms\n", "baseline: fork + exec /bin/true", b_true);
	printf("%-44s %9.2f ms  x%6.1f true\n", "baseline: hvsim check boot.json", b_check,
	       b_check / b_true);
	int fails = 0;
	double r = median_ms(a_inproc, n);
	row("boot.json inproc", r, b_true, b_check, 50);
	fails += r < 0;
	r = median_ms(a_split, n);
	row("boot.json split, starting hvsim-hostd", r, b_true, b_check, 200);
	fails += r < 0;
	r = median_ms(o_inproc, n);
	row("boot-only inproc", r, b_true, b_check, 50);
	fails += r < 0;
	r = median_ms(o_split, n);
	row("boot-only split, starting hvsim-hostd", r, b_true, b_check, 200);
	fails += r < 0;
	pid_t d = start_daemon(sock);
	if (d < 0) {
		printf("%-44s FAILED (daemon did not start)\n", "split, running daemon");
		fails++;
	} else {
		r = median_ms(a_shared, n);
		row("boot.json split, running daemon", r, b_true, b_check, 200);
		fails += r < 0;
		r = median_ms(o_shared, n);
		row("boot-only split, running daemon", r, b_true, b_check, 200);
		fails += r < 0;
		stop_daemon(d);
	}
	r = median_ms(a_lib, nlib);
	row("scenarios/ -j 2 inproc", r, b_true, b_check, 30000);
	fails += r < 0;
	if (!smoke) { /* real-time waits: ~13 s, too long for a smoke run */
		r = median_ms(a_lib_split, nlib);
		row("scenarios/ -j 2 split", r, b_true, b_check, 0);
		fails += r < 0;
	}
	unlink(sock);
	unlink(bonly);
	rmdir(tmp);
	return fails ? 1 : 0;
}
