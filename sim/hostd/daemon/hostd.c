/* hostd.c -- the daemon's listener: lock file, socket, accept, signals,
 * orderly stop, and the guest cap. */
#include "sim/hostd/daemon/hostd_var.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "sim/hostd/daemon/ctl_proto.h"

bool hostd_admit(struct hostd *d)
{
	return d->d_stats.sessions_live < d->d_cfg.max_guests;
}

void hostd_fill_stats(struct hostd *d, uint64_t v[4])
{
	v[CTL_STAT_SESSIONS_LIVE] = d->d_stats.sessions_live;
	v[CTL_STAT_CONNS_LIVE] = d->d_stats.conns_live;
	v[CTL_STAT_CONNS_TOTAL] = d->d_stats.conns_total;
	v[CTL_STAT_DROPPED] = d->d_stats.dropped;
}

void hostd_get_stats(const struct hostd *d, struct hostd_stats *out)
{
	*out = d->d_stats;
}

/* Connections (with or without HELLO) we keep at once: beyond it new ones
 * are closed at accept, so idle pre-HELLO peers cannot starve the fd table. */
static unsigned hostd_conn_cap(const struct hostd *d)
{
	return d->d_cfg.max_guests * 2u + 8u;
}

static void hostd_on_listen_retry(evutil_socket_t fd, short what, void *arg)
{
	struct hostd *d = arg;
	event_add(d->d_ev_listen, NULL);
}

static void hostd_on_accept(evutil_socket_t lfd, short what, void *arg)
{
	struct hostd *d = arg;
	for (int i = 0; i < 16; i++) {
		int fd = accept4(d->d_listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOMEM ||
			    errno == ENOBUFS) {
				/* Out of fds: stop accepting for a moment instead of
				 * spinning on a level-triggered listener. */
				fprintf(stderr, "hvsim-hostd: accept: %s\n", strerror(errno));
				event_del(d->d_ev_listen);
				struct timeval tv = { .tv_sec = 0, .tv_usec = 100000 };
				evtimer_add(d->d_ev_listen_retry, &tv);
			}
			return;
		}
		if (d->d_stats.conns_live >= hostd_conn_cap(d)) {
			fprintf(stderr, "hvsim-hostd: too many connections, refusing one\n");
			close(fd);
			continue;
		}
		if (!hconn_new(d, fd)) {
			fprintf(stderr, "hvsim-hostd: out of memory for a connection\n");
			close(fd);
		}
	}
}

static void hostd_on_stop(evutil_socket_t fd, short what, void *arg)
{
	struct hostd *d = arg;
	uint64_t v;
	if (read(d->d_stop_fd, &v, sizeof v) < 0 && errno != EAGAIN)
		return;
	event_base_loopbreak(d->d_base);
}

static void hostd_on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct hostd *d = arg;
	if (sig == SIGHUP) {
		fprintf(stderr, "hvsim-hostd: SIGHUP ignored (nothing to reload)\n");
		return;
	}
	fprintf(stderr, "hvsim-hostd: %s: stopping\n", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	event_base_loopbreak(d->d_base);
}

/* Hold PATH.lock for our lifetime.  The lock file is re-checked after
 * flock so an unlink by an exiting daemon between our open and our flock
 * cannot leave two daemons each holding a different inode. */
static int hostd_lock(struct hostd *d, char *err, size_t errlen)
{
	for (int tries = 0; tries < 8; tries++) {
		int fd = open(d->d_lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0) {
			snprintf(err, errlen, "%s: %s", d->d_lock_path, strerror(errno));
			return -1;
		}
		if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
			int e = errno;
			close(fd);
			if (e == EWOULDBLOCK)
				snprintf(err, errlen,
					 "another hvsim-hostd already serves %s (lock %s held)",
					 d->d_path, d->d_lock_path);
			else
				snprintf(err, errlen, "%s: flock: %s", d->d_lock_path, strerror(e));
			return -1;
		}
		struct stat a, b;
		if (fstat(fd, &a) == 0 && stat(d->d_lock_path, &b) == 0 &&
		    a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
			d->d_lock_fd = fd;
			return 0;
		}
		close(fd);
	}
	snprintf(err, errlen, "%s: lock file keeps changing", d->d_lock_path);
	return -1;
}

/* Bind the socket.  A leftover socket file is removed only when nobody
 * answers on it (we hold the lock, so no hostd does). */
static int hostd_bind(struct hostd *d, char *err, size_t errlen)
{
	struct sockaddr_un sa;
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, d->d_path, strlen(d->d_path) + 1);
	struct stat st;
	if (lstat(d->d_path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen, "%s exists and is not a socket", d->d_path);
			return -1;
		}
		int probe = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
		if (probe < 0) {
			snprintf(err, errlen, "socket: %s", strerror(errno));
			return -1;
		}
		int live = connect(probe, (struct sockaddr *)&sa, sizeof sa) == 0;
		close(probe);
		if (live) {
			snprintf(err, errlen, "%s is in use by another process", d->d_path);
			return -1;
		}
		unlink(d->d_path);
	}
	d->d_listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (d->d_listen_fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	if (bind(d->d_listen_fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		snprintf(err, errlen, "bind %s: %s", d->d_path, strerror(errno));
		return -1;
	}
	d->d_bound = true;
	return 0;
}

static int hostd_events(struct hostd *d)
{
	/* A precise timer (timerfd under epoll): the periodic pump asks for
	 * 100 us, which plain epoll_wait rounds up to whole milliseconds.  The
	 * poll's adaptive period (hconn.c) keeps an idle guest's wake-ups
	 * down now that every one of them is real. */
	struct event_config *ec = event_config_new();
	if (!ec)
		return -1;
	event_config_set_flag(ec, EVENT_BASE_FLAG_PRECISE_TIMER);
	d->d_base = event_base_new_with_config(ec);
	event_config_free(ec);
	if (!d->d_base)
		return -1;
	d->d_ev_listen = event_new(d->d_base, d->d_listen_fd, EV_READ | EV_PERSIST,
				   hostd_on_accept, d);
	d->d_ev_listen_retry = evtimer_new(d->d_base, hostd_on_listen_retry, d);
	d->d_ev_stop = event_new(d->d_base, d->d_stop_fd, EV_READ | EV_PERSIST,
				 hostd_on_stop, d);
	if (!d->d_ev_listen || !d->d_ev_listen_retry || !d->d_ev_stop ||
	    event_add(d->d_ev_listen, NULL) || event_add(d->d_ev_stop, NULL))
		return -1;
	if (d->d_cfg.handle_signals) {
		static const int sigs[3] = { SIGTERM, SIGINT, SIGHUP };
		for (int i = 0; i < 3; i++) {
			d->d_ev_sig[i] = evsignal_new(d->d_base, sigs[i], hostd_on_signal, d);
			if (!d->d_ev_sig[i] || event_add(d->d_ev_sig[i], NULL))
				return -1;
		}
	}
	return 0;
}

struct hostd *hostd_create(const struct hostd_config *cfg, char *err,
			   size_t errlen, int *exit_code)
{
	*exit_code = 2;
	if (!cfg->socket_path || !cfg->socket_path[0]) {
		snprintf(err, errlen, "no socket path");
		return NULL;
	}
	size_t plen = strlen(cfg->socket_path);
	if (plen > HOSTD_SOCKET_PATH_MAX) {
		snprintf(err, errlen, "socket path is %zu bytes; a Unix socket path "
			 "holds at most %u", plen, HOSTD_SOCKET_PATH_MAX);
		return NULL;
	}
	if (cfg->max_guests > HOSTD_MAX_GUESTS_LIMIT ||
	    cfg->max_mem_bytes % CTL_PAGE_SIZE || cfg->max_mem_bytes > CTL_MAX_MEM_BYTES) {
		snprintf(err, errlen, "bad limits");
		return NULL;
	}
	*exit_code = 1;
	struct hostd *d = calloc(1, sizeof *d);
	if (!d) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	d->d_cfg = *cfg;
	d->d_cfg.socket_path = d->d_path;
	if (!d->d_cfg.max_guests)
		d->d_cfg.max_guests = HOSTD_DEFAULT_MAX_GUESTS;
	memcpy(d->d_path, cfg->socket_path, plen + 1);
	snprintf(d->d_lock_path, sizeof d->d_lock_path, "%s.lock", d->d_path);
	d->d_lock_fd = -1;
	d->d_listen_fd = -1;
	d->d_ctl_fd = -1;
	d->d_stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (d->d_stop_fd < 0) {
		snprintf(err, errlen, "eventfd: %s", strerror(errno));
		goto fail;
	}
	if (cfg->handle_signals)
		signal(SIGPIPE, SIG_IGN);
	if (hostd_lock(d, err, errlen) != 0)
		goto fail;
	if (hostd_bind(d, err, errlen) != 0)
		goto fail;
	if (hostd_events(d) != 0) {
		snprintf(err, errlen, "libevent setup failed");
		goto fail;
	}
	if (cfg->control_path && cfg->control_path[0]) {
		if (strlen(cfg->control_path) > HOSTD_SOCKET_PATH_MAX) {
			snprintf(err, errlen, "control socket path is longer than %u bytes",
				 HOSTD_SOCKET_PATH_MAX);
			goto fail;
		}
		snprintf(d->d_ctl_path, sizeof d->d_ctl_path, "%s", cfg->control_path);
	} else if (plen + 4 <= HOSTD_SOCKET_PATH_MAX) {
		snprintf(d->d_ctl_path, sizeof d->d_ctl_path, "%s.ctl", d->d_path);
	}
	d->d_cfg.control_path = d->d_ctl_path;
	if (d->d_ctl_path[0] && hctl_open(d, err, errlen) != 0)
		goto fail;
	/* Guests connect only once the control socket exists: a runner that
	 * sees the guest socket accept may prepare devices over it at once. */
	if (listen(d->d_listen_fd, 64) != 0) {
		snprintf(err, errlen, "listen %s: %s", d->d_path, strerror(errno));
		goto fail;
	}
	*exit_code = 0;
	return d;
fail:
	/* The lock is not ours to unlink unless we hold it. */
	hostd_destroy(d);
	return NULL;
}

int hostd_run(struct hostd *d)
{
	if (d->d_cfg.verbose)
		fprintf(stderr, "hvsim-hostd: serving %s\n", d->d_path);
	return event_base_dispatch(d->d_base) < 0 ? -EIO : 0;
}

void hostd_stop(struct hostd *d)
{
	uint64_t one = 1;
	/* Async-signal-safe and thread-safe: the loop reads d_stop_fd. */
	ssize_t n = write(d->d_stop_fd, &one, sizeof one);
	(void)n;
}

static uint64_t hostd_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void hostd_prepared_drop(struct hostd *d, unsigned i)
{
	free(d->d_prepared[i].spec);
	d->d_prepared[i] = d->d_prepared[--d->d_nprepared];
}

int hostd_prepare_devices(struct hostd *d, int pid, struct devspec *spec)
{
	uint64_t now = hostd_mono_ms();
	/* A runner that died before connecting leaves its list behind. */
	for (unsigned i = d->d_nprepared; i-- > 0;)
		if (d->d_prepared[i].pid == pid ||
		    now - d->d_prepared[i].at_ms > HOSTD_PREPARED_TTL_MS)
			hostd_prepared_drop(d, i);
	if (d->d_nprepared == HOSTD_PREPARED_MAX) {
		free(spec);
		return -ENOSPC;
	}
	d->d_prepared[d->d_nprepared++] = (struct hostd_prepared){ pid, now, spec };
	return 0;
}

struct devspec *hostd_take_devices(struct hostd *d, int pid)
{
	for (unsigned i = 0; i < d->d_nprepared; i++)
		if (d->d_prepared[i].pid == pid) {
			struct devspec *spec = d->d_prepared[i].spec;
			d->d_prepared[i] = d->d_prepared[--d->d_nprepared];
			return spec;
		}
	return NULL;
}

void hostd_destroy(struct hostd *d)
{
	if (!d)
		return;
	hctl_close(d);
	while (d->d_nprepared)
		hostd_prepared_drop(d, 0);
	while (d->d_conns)
		hconn_close(d->d_conns, "daemon stopping", false);
	if (d->d_ev_listen)
		event_free(d->d_ev_listen);
	if (d->d_ev_listen_retry)
		event_free(d->d_ev_listen_retry);
	if (d->d_ev_stop)
		event_free(d->d_ev_stop);
	for (int i = 0; i < 3; i++)
		if (d->d_ev_sig[i])
			event_free(d->d_ev_sig[i]);
	if (d->d_base)
		event_base_free(d->d_base);
	if (d->d_listen_fd >= 0)
		close(d->d_listen_fd);
	if (d->d_bound)
		unlink(d->d_path);
	if (d->d_lock_fd >= 0) {
		unlink(d->d_lock_path); /* before unlocking: see hostd_lock */
		close(d->d_lock_fd);
	}
	if (d->d_stop_fd >= 0)
		close(d->d_stop_fd);
	free(d);
}
