/* drill_util.c -- clock, logging, shared slots, temp dirs, the spawned
 * hvsim-hostd, its control socket and /proc readings for hvsim-drill. */
#include "tests/drills/drill.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

uint64_t dr_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void dr_sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000u, .tv_nsec = (long)(ms % 1000u) * 1000000L };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

void dr_log(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("drill: ", stdout);
	vfprintf(stdout, fmt, ap);
	fputc('\n', stdout);
	fflush(stdout);
	va_end(ap);
}

struct dr_slot *dr_slots_new(unsigned n)
{
	void *p = mmap(NULL, sizeof(struct dr_slot) * n, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

void dr_slots_free(struct dr_slot *s, unsigned n)
{
	if (s)
		munmap(s, sizeof(struct dr_slot) * n);
}

int dr_tmpdir(char *out, size_t cap)
{
	snprintf(out, cap, "/tmp/hvsim-drill-XXXXXX");
	return mkdtemp(out) ? 0 : -errno;
}

int dr_paths_init(struct dr_paths *p, const char *given_dir)
{
	if (given_dir)
		snprintf(p->dir, sizeof p->dir, "%s", given_dir);
	else if (dr_tmpdir(p->dir, sizeof p->dir))
		return -1;
	snprintf(p->sock, sizeof p->sock, "%s/h.sock", p->dir);
	snprintf(p->ctl, sizeof p->ctl, "%s.ctl", p->sock);
	snprintf(p->log, sizeof p->log, "%s/hostd.log", p->dir);
	snprintf(p->glog, sizeof p->glog, "%s/guests.log", p->dir);
	return 0;
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(p) == 0 ? 0 : 0;
}

void dr_rmtree(const char *dir)
{
	if (dir && dir[0])
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- the daemon ------------------------------------------------------------ */

pid_t dr_hostd_start(const char *exe, const char *sock, const char *log,
		     const char *const *extra)
{
	char ctl[200];
	snprintf(ctl, sizeof ctl, "%s.ctl", sock);
	/* A SIGKILLed daemon leaves both socket files: with a stale PATH.ctl
	 * we would take the new daemon as up before it listens there. */
	unlink(sock);
	unlink(ctl);
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (fd >= 0)
			dup2(fd, 2);
		const char *argv[16] = { exe, "--socket", sock, "--foreground" };
		unsigned n = 4;
		for (unsigned i = 0; extra && extra[i] && n < 15; i++)
			argv[n++] = extra[i];
		argv[n] = NULL;
		execv(exe, (char *const *)argv);
		_exit(127);
	}
	for (int i = 0; i < 1000; i++) {
		struct stat st;
		if (stat(sock, &st) == 0 && stat(ctl, &st) == 0)
			return pid;
		if (!dr_alive(pid))
			break;
		dr_sleep_ms(10);
	}
	dr_kill_wait(pid, SIGKILL);
	return -1;
}

bool dr_alive(pid_t pid)
{
	int st;
	pid_t r = waitpid(pid, &st, WNOHANG);
	return r == 0;
}

void dr_kill_wait(pid_t pid, int sig)
{
	if (pid <= 0)
		return;
	kill(pid, sig);
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
}

int dr_proc_fds(pid_t pid)
{
	char p[64];
	snprintf(p, sizeof p, "/proc/%d/fd", (int)pid);
	DIR *d = opendir(p);
	if (!d)
		return -1;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

int dr_proc_memfd_maps(pid_t pid)
{
	char p[64], line[512];
	snprintf(p, sizeof p, "/proc/%d/maps", (int)pid);
	FILE *f = fopen(p, "r");
	if (!f)
		return -1;
	int n = 0;
	while (fgets(line, sizeof line, f))
		if (strstr(line, "/memfd:"))
			n++;
	fclose(f);
	return n;
}

long dr_proc_rss_kib(pid_t pid)
{
	char p[64], line[256];
	snprintf(p, sizeof p, "/proc/%d/status", (int)pid);
	FILE *f = fopen(p, "r");
	if (!f)
		return -1;
	long kib = -1;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "RssAnon: %ld", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

/* ---- control socket ---------------------------------------------------------- */

static int ctl_roundtrip(const char *ctl_path, const char *req, char *buf, size_t cap)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	struct sockaddr_un sa;
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", ctl_path);
	int rc = 0;
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		rc = -errno;
		goto out;
	}
	size_t len = strlen(req);
	if (write(fd, req, len) != (ssize_t)len || write(fd, "\n", 1) != 1) {
		rc = -EIO;
		goto out;
	}
	size_t got = 0;
	uint64_t deadline = dr_now_ns() + 5000000000ull;
	while (got + 1 < cap) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		uint64_t now = dr_now_ns();
		if (now >= deadline) {
			rc = -ETIMEDOUT;
			goto out;
		}
		if (poll(&pfd, 1, (int)((deadline - now) / 1000000u) + 1) <= 0)
			continue;
		ssize_t n = read(fd, buf + got, cap - 1 - got);
		if (n <= 0) {
			rc = -EPIPE;
			goto out;
		}
		got += (size_t)n;
		if (memchr(buf, '\n', got))
			break;
	}
	buf[got] = '\0';
out:
	close(fd);
	return rc;
}

int dr_ctl(const char *ctl_path, const char *req, const char *field, int64_t *out)
{
	char buf[8192];
	int rc = ctl_roundtrip(ctl_path, req, buf, sizeof buf);
	if (rc)
		return rc;
	json_t *j = json_loads(buf, JSON_DISABLE_EOF_CHECK, NULL);
	if (!j)
		return -EPROTO;
	rc = json_is_true(json_object_get(j, "ok")) ? 0 : -EPROTO;
	if (rc == 0 && field) {
		json_t *v = json_object_get(j, field);
		if (json_is_integer(v))
			*out = json_integer_value(v);
		else
			rc = -EPROTO;
	}
	json_decref(j);
	return rc;
}

int dr_ctl_sessions(const char *ctl_path, int64_t *sessions, int64_t *conns)
{
	int rc = dr_ctl(ctl_path, "{\"cmd\":\"daemon\"}", "sessions_live", sessions);
	if (rc == 0 && conns)
		rc = dr_ctl(ctl_path, "{\"cmd\":\"daemon\"}", "conns_live", conns);
	return rc;
}

/* ---- randomness ---------------------------------------------------------------- */

static uint64_t dr_rs = 0x9E3779B97F4A7C15ull;

void dr_rand_seed(uint64_t seed)
{
	dr_rs = seed ? seed : 0x9E3779B97F4A7C15ull;
}

uint64_t dr_rand(uint64_t n)
{
	dr_rs ^= dr_rs << 13;
	dr_rs ^= dr_rs >> 7;
	dr_rs ^= dr_rs << 17;
	return n ? dr_rs % n : dr_rs;
}
