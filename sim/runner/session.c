/* session.c -- assemble host and guest for one scenario run: inproc wires
 * gmem + partition + in-process transport; split starts (or joins)
 * hvsim-hostd and connects to it. */
#include "sim/runner/session.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
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

#include "sim/devices/hostside.h"
#include "sim/guest/guest_actions.h"
#include "sim/guest/runtime.h"
#include "sim/guest/transport.h"
#include "sim/guest/transport_split.h"
#include "sim/hostd/gmem.h"
#include "sim/hostd/partition.h"
#include "sim/hostd/profile.h"
#include "sim/runner/scenario.h"

#define HOSTD_START_TIMEOUT_MS 5000
#define HOSTD_STOP_TIMEOUT_MS  3000

struct session {
	enum run_mode        mode;
	struct gmem         *gm;
	struct part         *part;
	struct hostside     *host;
	struct gk_transport *t;
	struct gk_runtime   *rt;
	pid_t                hostd_pid;   /* a daemon we started, else 0 */
	char                 tmpdir[64];
	char                 sock[108];
};

static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };
	nanosleep(&ts, NULL);
}

static bool inproc_pump(void *arg)
{
	struct hostside *hs = arg;
	bool did = false;
	/* Bounded: a budget that keeps running out is picked up next turn. */
	for (int i = 0; i < 16 && hostside_pump(hs); i++)
		did = true;
	return did;
}

static int open_inproc(struct session *ss, const struct scenario *s, char *err, size_t errlen)
{
	uint64_t bytes = s->memory_mb << 20;
	ss->gm = gmem_create(bytes);
	if (!ss->gm) {
		snprintf(err, errlen, "cannot create %llu MiB of guest memory: %s",
			 (unsigned long long)s->memory_mb, strerror(errno));
		return -1;
	}
	ss->t = gk_inproc_create(gmem_ptr(ss->gm, 0, bytes), bytes, s->vcpus);
	if (!ss->t) {
		snprintf(err, errlen, "cannot create the in-process transport");
		return -1;
	}
	struct part_config pc = { .profile = hv_profile_find(s->profile), .nvcpus = s->vcpus };
	ss->part = part_create(ss->gm, &pc, gk_inproc_part_notify(), ss->t);
	if (!ss->part) {
		snprintf(err, errlen, "cannot create the partition: %s", strerror(errno));
		return -1;
	}
	gk_inproc_attach(ss->t, ss->part);
	struct hostside_config hc = { .vmbus = pc.profile->kind == HV_PROFILE_HYPERV };
	hc.ic.heartbeat = hc.ic.shutdown = hc.ic.timesync = hc.ic.kvp = hc.vmbus;
	ss->host = hostside_create(ss->part, ss->gm, &hc, NULL, NULL);
	if (!ss->host) {
		snprintf(err, errlen, "cannot create the VMBus server: %s", strerror(errno));
		return -1;
	}
	gk_inproc_set_pump(ss->t, inproc_pump, ss->host);
	return 0;
}

static const char *default_hostd(char *buf, size_t cap)
{
	const char *env = getenv("HVSIM_HOSTD");
	if (env && *env)
		return env;
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n <= 0)
		return "hvsim-hostd";
	self[n] = '\0';
	snprintf(buf, cap, "%s/hvsim-hostd", dirname(self));
	return buf;
}

static bool socket_accepts(const char *path)
{
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
	bool ok = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
	close(fd);
	return ok;
}

static int start_hostd(struct session *ss, const struct session_opts *o, char *err,
		       size_t errlen)
{
	char buf[PATH_MAX];
	const char *bin = o->hostd_path ? o->hostd_path : default_hostd(buf, sizeof buf);
	if (access(bin, X_OK) != 0) {
		snprintf(err, errlen, "cannot run the daemon %s: %s", bin, strerror(errno));
		return -1;
	}
	snprintf(ss->tmpdir, sizeof ss->tmpdir, "/tmp/hvsim-XXXXXX");
	if (!mkdtemp(ss->tmpdir)) {
		snprintf(err, errlen, "mkdtemp: %s", strerror(errno));
		ss->tmpdir[0] = '\0';
		return -1;
	}
	snprintf(ss->sock, sizeof ss->sock, "%s/hostd.sock", ss->tmpdir);
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		if (o->verbose < 2) {
			int nul = open("/dev/null", O_WRONLY);
			if (nul >= 0) {
				dup2(nul, STDERR_FILENO);
				close(nul);
			}
		}
		execl(bin, bin, "--socket", ss->sock, "--foreground", (char *)NULL);
		_exit(127);
	}
	ss->hostd_pid = pid;
	uint64_t deadline = mono_ms() + HOSTD_START_TIMEOUT_MS;
	while (mono_ms() < deadline) {
		int status;
		if (waitpid(pid, &status, WNOHANG) == pid) {
			ss->hostd_pid = 0;
			snprintf(err, errlen, "the daemon %s exited at start (status %d)", bin,
				 WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
			return -1;
		}
		if (socket_accepts(ss->sock))
			return 0;
		sleep_ms(5);
	}
	snprintf(err, errlen, "the daemon did not open %s within %d ms", ss->sock,
		 HOSTD_START_TIMEOUT_MS);
	return -1;
}

static void stop_hostd(struct session *ss)
{
	if (ss->hostd_pid > 0) {
		kill(ss->hostd_pid, SIGTERM);
		uint64_t deadline = mono_ms() + HOSTD_STOP_TIMEOUT_MS;
		int status;
		while (waitpid(ss->hostd_pid, &status, WNOHANG) == 0) {
			if (mono_ms() > deadline) {
				kill(ss->hostd_pid, SIGKILL);
				waitpid(ss->hostd_pid, &status, 0);
				break;
			}
			sleep_ms(5);
		}
		ss->hostd_pid = 0;
	}
	if (ss->tmpdir[0]) {
		unlink(ss->sock);
		rmdir(ss->tmpdir);
		ss->tmpdir[0] = '\0';
	}
}

static int open_split(struct session *ss, const struct session_opts *o,
		      const struct scenario *s, char *err, size_t errlen)
{
	const char *sock = o->socket_path;
	if (!sock) {
		if (start_hostd(ss, o, err, errlen) != 0)
			return -1;
		sock = ss->sock;
	}
	ss->t = gk_split_connect(sock, s->profile, s->vcpus, s->memory_mb << 20, err, errlen);
	return ss->t ? 0 : -1;
}

struct session *session_open(const struct session_opts *o, const struct scenario *s,
			     char *err, size_t errlen)
{
	struct session *ss = calloc(1, sizeof *ss);
	if (!ss) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ss->mode = o->mode;
	int rc = o->mode == RUN_INPROC ? open_inproc(ss, s, err, errlen)
				       : open_split(ss, o, s, err, errlen);
	if (rc == 0) {
		struct gk_runtime_config rc_cfg = {
			.sched = o->mode == RUN_INPROC ? GK_SCHED_INPROC : GK_SCHED_THREADS,
			.seed = o->seed,
			.log_level = o->verbose >= 2 ? 3 : o->verbose == 1 ? 2 : 1,
			.log = stderr,
		};
		ss->rt = gk_runtime_create(ss->t, &rc_cfg);
		if (!ss->rt) {
			snprintf(err, errlen, "cannot create the guest runtime: %s", strerror(errno));
			rc = -1;
		}
	}
	if (rc != 0) {
		session_close(ss);
		return NULL;
	}
	return ss;
}

void session_close(struct session *ss)
{
	if (!ss)
		return;
	gk_runtime_destroy(ss->rt);
	/* The host side first: closing its channels may still raise
	 * interrupts through the partition's notifier, whose argument is the
	 * inproc transport, so that must outlive it. */
	hostside_destroy(ss->host);
	if (ss->t)
		ss->t->ops->close(ss->t);
	part_destroy(ss->part);
	gmem_destroy(ss->gm);
	stop_hostd(ss);
	free(ss);
}

struct gk_runtime *session_runtime(struct session *ss)
{
	return ss->rt;
}

uint64_t session_now_ns(struct session *ss)
{
	return ss->t->ops->now_ns(ss->t);
}
