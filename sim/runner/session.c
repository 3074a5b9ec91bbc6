/* session.c -- assemble host and guest for one scenario run: inproc wires
 * gmem + partition + in-process transport; split starts (or joins)
 * hvsim-hostd and connects to it. */
#include "sim/runner/session.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sim/devices/hostcmd.h"
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
#define SESSION_CTL_TIMEOUT_MS 5000

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
	char                 ctl_path[108];   /* split: the daemon's control socket */
	int                  ctl_fd;          /* connected lazily, -1 */
	char                 ctl_buf[1 << 16];
	size_t               ctl_have;
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
	hc.check = hc.vmbus && s->checker != SCN_CHECKER_OFF;
	devspec_host_config(&s->dev, pc.profile, &hc);
	ss->host = hostside_create(ss->part, ss->gm, &hc, NULL, NULL);
	if (!ss->host) {
		snprintf(err, errlen, "cannot create the host's devices: %s", strerror(errno));
		return -1;
	}
	if (devspec_attach_luns(&s->dev, ss->host, err, errlen) != 0)
		return -1;
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
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		/* A run stopped as hung (SIGKILL, no stop_hostd) takes its
		 * daemon with it. */
		if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != parent)
			_exit(127);
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
		sleep_ms(1); /* 5 ms polls were a tenth of a split boot (bench_scenarios) */
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
			sleep_ms(1);
		}
		ss->hostd_pid = 0;
	}
	if (ss->tmpdir[0]) {
		char extra[sizeof ss->sock + 8];
		snprintf(extra, sizeof extra, "%s.ctl", ss->sock);
		unlink(extra);
		snprintf(extra, sizeof extra, "%s.lock", ss->sock);
		unlink(extra);
		unlink(ss->sock);
		rmdir(ss->tmpdir);
		ss->tmpdir[0] = '\0';
	}
}

static json_t *ctl_roundtrip(struct session *ss, json_t *req, char *err, size_t errlen);

/* The daemon builds a guest's devices at its HELLO; tell it which ones
 * first, keyed by our pid (the guest connection's SO_PEERCRED). */
static int send_devices(struct session *ss, const struct scenario *s, char *err, size_t errlen)
{
	const struct devspec *d = &s->dev;
	if (!d->nnics && !d->scsi && !d->ata)
		return 0;
	json_t *req = json_pack("{s:s, s:i, s:o}", "cmd", "guest.devices", "pid",
				(json_int_t)getpid(), "devices", devspec_to_json(d));
	if (!req) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	json_t *r = ctl_roundtrip(ss, req, err, errlen);
	json_decref(req);
	if (!r)
		return -1;
	int rc = 0;
	if (!json_is_true(json_object_get(r, "ok"))) {
		const char *why = json_string_value(json_object_get(r, "error"));
		snprintf(err, errlen, "the daemon refused the devices: %s", why ? why : "no reason");
		rc = -1;
	}
	json_decref(r);
	return rc;
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
	snprintf(ss->ctl_path, sizeof ss->ctl_path, "%.100s.ctl", sock);
	if (send_devices(ss, s, err, errlen) != 0)
		return -1;
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
	ss->ctl_fd = -1;
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
	if (ss->ctl_fd >= 0)
		close(ss->ctl_fd);
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

int session_kill_host(struct session *ss, char *err, size_t errlen)
{
	if (ss->mode == RUN_INPROC) {
		snprintf(err, errlen, "kill daemon needs --mode split (inproc has no daemon)");
		return -1;
	}
	if (ss->hostd_pid <= 0) {
		snprintf(err, errlen, "this run joined a daemon with --socket; it only kills one "
			 "it started itself");
		return -1;
	}
	kill(ss->hostd_pid, SIGKILL);
	int status;
	waitpid(ss->hostd_pid, &status, 0);
	ss->hostd_pid = 0; /* stop_hostd still removes its sockets */
	return 0;
}

struct gk_runtime *session_runtime(struct session *ss)
{
	return ss->rt;
}

uint64_t session_now_ns(struct session *ss)
{
	return ss->t->ops->now_ns(ss->t);
}

/* ---- host commands ------------------------------------------------------------ */

static int ctl_connect(struct session *ss, char *err, size_t errlen)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", ss->ctl_path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		snprintf(err, errlen, "cannot reach the daemon's control socket %s: %s",
			 ss->ctl_path, strerror(errno));
		close(fd);
		return -1;
	}
	ss->ctl_fd = fd;
	ss->ctl_have = 0;
	return 0;
}

/* One line out, one line back, each within the timeout. */
static json_t *ctl_roundtrip(struct session *ss, json_t *req, char *err, size_t errlen)
{
	if (ss->ctl_fd < 0 && ctl_connect(ss, err, errlen) != 0)
		return NULL;
	char *text = json_dumps(req, JSON_COMPACT);
	if (!text) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	size_t len = strlen(text);
	text[len] = '\n'; /* json_dumps leaves room: it NUL-terminates */
	size_t off = 0;
	uint64_t deadline = mono_ms() + SESSION_CTL_TIMEOUT_MS;
	while (off < len + 1) {
		ssize_t n = send(ss->ctl_fd, text + off, len + 1 - off, MSG_NOSIGNAL);
		if (n <= 0) {
			free(text);
			snprintf(err, errlen, "control socket: %s", n < 0 ? strerror(errno) : "closed");
			return NULL;
		}
		off += (size_t)n;
	}
	free(text);
	for (;;) {
		char *nl = memchr(ss->ctl_buf, '\n', ss->ctl_have);
		if (nl) {
			size_t line = (size_t)(nl - ss->ctl_buf);
			json_error_t je;
			json_t *reply = json_loadb(ss->ctl_buf, line, 0, &je);
			memmove(ss->ctl_buf, nl + 1, ss->ctl_have - line - 1);
			ss->ctl_have -= line + 1;
			if (!reply)
				snprintf(err, errlen, "the daemon sent a reply that is not JSON");
			return reply;
		}
		if (ss->ctl_have == sizeof ss->ctl_buf) {
			snprintf(err, errlen, "the daemon's reply is too long");
			return NULL;
		}
		uint64_t now = mono_ms();
		struct pollfd pfd = { .fd = ss->ctl_fd, .events = POLLIN };
		if (now >= deadline || poll(&pfd, 1, (int)(deadline - now)) <= 0) {
			snprintf(err, errlen, "the daemon did not answer within %d ms",
				 SESSION_CTL_TIMEOUT_MS);
			return NULL;
		}
		ssize_t n = recv(ss->ctl_fd, ss->ctl_buf + ss->ctl_have,
				 sizeof ss->ctl_buf - ss->ctl_have, 0);
		if (n <= 0) {
			snprintf(err, errlen, "the daemon closed its control socket");
			return NULL;
		}
		ss->ctl_have += (size_t)n;
	}
}

json_t *session_host_cmd(struct session *ss, json_t *req, char *err, size_t errlen)
{
	if (ss->mode == RUN_INPROC) {
		json_t *r = hostcmd_exec(ss->host, req);
		if (!r)
			snprintf(err, errlen, "out of memory");
		return r;
	}
	/* Our own guest: the daemon knows it by our pid. */
	json_t *copy = json_deep_copy(req);
	if (!copy) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	json_object_set_new(copy, "pid", json_integer(getpid()));
	json_t *r = ctl_roundtrip(ss, copy, err, errlen);
	json_decref(copy);
	return r;
}
