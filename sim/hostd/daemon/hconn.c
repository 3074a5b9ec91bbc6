/* hconn.c -- one guest connection's I/O on the daemon's libevent loop:
 * datagram input with fd refusal, bounded reply queue, doorbell and timer
 * events; the session logic itself lives in hsess.c. */
#include "sim/hostd/daemon/hostd_var.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

static void hconn_log(const struct hconn *c, const char *what)
{
	fprintf(stderr, "hvsim-hostd: %s: %s\n", c->c_tag, what);
}

static uint64_t hconn_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* libevent adds a relative timeout to the time it cached when this loop
 * iteration began, which is stale by however long the callbacks before us
 * ran; with the precise timer that makes a timer fire early, so refresh
 * it first (one clock read). */
static void hconn_arm_ns(struct hconn *c, uint64_t delay_ns)
{
	event_base_update_cache_time(c->c_d->d_base);
	struct timeval tv = {
		.tv_sec = (time_t)(delay_ns / 1000000000ull),
		.tv_usec = (suseconds_t)(delay_ns % 1000000000ull / 1000u),
	};
	evtimer_add(c->c_ev_timer, &tv);
}

/* hsess_env callbacks ---------------------------------------------------- */

static void hconn_deadline(void *arg, uint64_t mono_ns)
{
	struct hconn *c = arg;
	c->c_deadline_ns = mono_ns;
	if (mono_ns == UINT64_MAX) {
		evtimer_del(c->c_ev_timer);
		return;
	}
	uint64_t now = hconn_mono_ns();
	/* Round up to whole microseconds so the timer never fires early. */
	hconn_arm_ns(c, mono_ns > now ? mono_ns - now + 999u : 0);
}

static bool hconn_admit(void *arg)
{
	struct hconn *c = arg;
	return hostd_admit(c->c_d);
}

static void hconn_stats(void *arg, uint64_t v[4])
{
	struct hconn *c = arg;
	hostd_fill_stats(c->c_d, v);
}

static void *hconn_take_prepared(void *arg)
{
	struct hconn *c = arg;
	return c->c_pid > 0 ? hostd_take_devices(c->c_d, c->c_pid) : NULL;
}

static void hconn_kick(void *arg)
{
	struct hconn *c = arg;
	event_active(c->c_ev_kick, EV_TIMEOUT, 0);
}

void hconn_kick_pump(struct hconn *c)
{
	hconn_kick(c);
}

/* The periodic pump (monitor pages: the guest's signals reach us only
 * when we look).  Armed while the session wants it, disarmed otherwise, so
 * an idle guest without monitored channels or back ends costs no
 * wake-ups.  Its period adapts when ext->poll_max_ns is set: poll_ns while
 * polls find work, doubling up to poll_max_ns while they find none, back
 * to poll_ns at once on guest input or a kick. */
static void hconn_poll_arm(struct hconn *c)
{
	uint64_t ns = c->c_poll_ns;
	const struct hsess_ext *ext = c->c_d->d_cfg.ext;
	if (ext->poll_max_ns > ext->poll_ns && ns >= ext->poll_max_ns) {
		/* Backed off: fire on the next multiple of the ceiling on the
		 * monotonic clock, so every idle session of this daemon polls
		 * in the same wake-up instead of each in its own. */
		uint64_t now = hconn_mono_ns();
		ns = (now / ns + 1) * ns - now;
	}
	event_base_update_cache_time(c->c_d->d_base);
	struct timeval tv = {
		.tv_sec = (time_t)(ns / 1000000000ull),
		.tv_usec = (suseconds_t)(ns % 1000000000ull / 1000u),
	};
	event_add(c->c_ev_poll, &tv);
}

/* Did the session do work since the last poll?  Without an activity
 * counter every guest input counts. */
static bool hconn_poll_found_work(struct hconn *c)
{
	return !c->c_d->d_cfg.ext->activity || hsess_activity(c->c_sess) != c->c_poll_seen;
}

/* After anything that may open a channel or add a device: arm or disarm.
 * 'input' (guest input, doorbells, kicks) also brings a backed-off period
 * back to fast when that input did work, so a guest that starts I/O after
 * a pause waits at most one fast period for its monitor-page signals.
 * Input that did no device work (a timer MSR write, a clock read) does
 * not, or an idle guest's own timer RPCs would keep its poll fast.  Cheap
 * when nothing changes: one compare while already fast. */
static void hconn_poll_update(struct hconn *c, bool input)
{
	if (!c->c_ev_poll)
		return;
	bool want = hsess_wants_poll(c->c_sess);
	bool armed = event_pending(c->c_ev_poll, EV_TIMEOUT, NULL) != 0;
	uint64_t fast = c->c_d->d_cfg.ext->poll_ns;
	if (want && (!armed || (input && c->c_poll_ns > fast && hconn_poll_found_work(c)))) {
		c->c_poll_ns = fast;
		hconn_poll_arm(c);  /* re-adding moves an armed timer */
	} else if (!want && armed) {
		event_del(c->c_ev_poll);
	}
}

uint64_t hconn_poll_next(uint64_t cur, uint64_t fast, uint64_t max, bool found_work)
{
	if (found_work || max <= fast || cur < fast)
		return fast;
	return cur >= max / 2 ? max : cur * 2;
}

/* The poll fired: pump, then pick the next period from whether anything
 * since the previous poll (this pump included) did work. */
static void hconn_on_poll(evutil_socket_t fd, short what, void *arg)
{
	struct hconn *c = arg;
	const struct hsess_ext *ext = c->c_d->d_cfg.ext;
	hsess_pump(c->c_sess);
	c->c_d->d_stats.polls++;
	if (!hsess_wants_poll(c->c_sess))
		return;  /* one-shot: stays disarmed until an update wants it */
	uint64_t act = hsess_activity(c->c_sess);  /* once: it may move per ask */
	bool found = !ext->activity || act != c->c_poll_seen;
	c->c_poll_seen = act;
	c->c_poll_ns = hconn_poll_next(c->c_poll_ns, ext->poll_ns, ext->poll_max_ns, found);
	hconn_poll_arm(c);
}

static void hconn_on_kick(evutil_socket_t fd, short what, void *arg)
{
	struct hconn *c = arg;
	hsess_pump(c->c_sess);
	hconn_poll_update(c, true);
}

/* Output ---------------------------------------------------------------- */

static int hconn_send_now(struct hconn *c, const void *buf, size_t len,
			  const int *fds, unsigned nfds)
{
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int) * CTL_MAX_FDS)];
		struct cmsghdr align;
	} cm;
	if (nfds) {
		memset(&cm, 0, sizeof cm);
		mh.msg_control = cm.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		struct cmsghdr *ch = CMSG_FIRSTHDR(&mh);
		ch->cmsg_level = SOL_SOCKET;
		ch->cmsg_type = SCM_RIGHTS;
		ch->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(ch), fds, sizeof(int) * nfds);
	}
	ssize_t n = sendmsg(c->c_fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

/* Queue or send one reply.  A peer whose queue is full stopped reading. */
static int hconn_send(struct hconn *c, const struct hsess_out *out)
{
	if (c->c_outq_len == 0) {
		int rc = hconn_send_now(c, out->buf, out->len, out->fds, out->nfds);
		if (rc != -EAGAIN)
			return rc;
		if (out->nfds)  /* the HELLO reply cannot wait */
			return rc;
	}
	if (c->c_outq_len >= HCONN_OUTQ_MAX)
		return -ENOBUFS;
	struct hconn_outmsg *m = &c->c_outq[(c->c_outq_head + c->c_outq_len) % HCONN_OUTQ_MAX];
	memcpy(m->m_buf, out->buf, out->len);
	m->m_len = (uint8_t)out->len;
	c->c_outq_len++;
	event_add(c->c_ev_write, NULL);
	return 0;
}

static void hconn_on_write(evutil_socket_t fd, short what, void *arg)
{
	struct hconn *c = arg;
	while (c->c_outq_len) {
		struct hconn_outmsg *m = &c->c_outq[c->c_outq_head];
		int rc = hconn_send_now(c, m->m_buf, m->m_len, NULL, 0);
		if (rc == -EAGAIN)
			return;
		if (rc) {
			hconn_close(c, "send failed", false);
			return;
		}
		c->c_outq_head = (c->c_outq_head + 1) % HCONN_OUTQ_MAX;
		c->c_outq_len--;
	}
	event_del(c->c_ev_write);
}

/* Input ------------------------------------------------------------------ */

/* Close every fd a peer passed us; returns how many there were. */
static unsigned hconn_refuse_fds(struct msghdr *mh)
{
	unsigned n = 0;
	for (struct cmsghdr *ch = CMSG_FIRSTHDR(mh); ch; ch = CMSG_NXTHDR(mh, ch)) {
		if (ch->cmsg_level != SOL_SOCKET || ch->cmsg_type != SCM_RIGHTS)
			continue;
		size_t bytes = ch->cmsg_len > CMSG_LEN(0) ? ch->cmsg_len - CMSG_LEN(0) : 0;
		for (size_t i = 0; i < bytes / sizeof(int); i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(ch) + i * sizeof(int), sizeof fd);
			close(fd);
			n++;
		}
	}
	return n;
}

/* After HELLO the doorbell eventfd joins the loop. */
static void hconn_on_doorbell(evutil_socket_t fd, short what, void *arg)
{
	struct hconn *c = arg;
	hsess_doorbell(c->c_sess);
	hconn_poll_update(c, true);
}

static int hconn_started(struct hconn *c)
{
	c->c_admitted = true;
	c->c_d->d_stats.sessions_live++;
	evtimer_del(c->c_ev_timer); /* the HELLO timeout */
	c->c_ev_db = event_new(c->c_d->d_base, hsess_doorbell_fd(c->c_sess),
			       EV_READ | EV_PERSIST, hconn_on_doorbell, c);
	if (!c->c_ev_db || event_add(c->c_ev_db, NULL) != 0)
		return -ENOMEM;
	const struct hsess_ext *ext = c->c_d->d_cfg.ext;
	if (ext && ext->poll_ns) {
		c->c_ev_poll = evtimer_new(c->c_d->d_base, hconn_on_poll, c);
		if (!c->c_ev_poll)
			return -ENOMEM;
		hconn_poll_update(c, false);
	}
	hsess_tick(c->c_sess); /* arms the first deadline, if any */
	return 0;
}

/* Returns 1 to go on reading, 0 to stop (EAGAIN), -1 when c was freed. */
static int hconn_read_one(struct hconn *c)
{
	uint8_t buf[CTL_MSG_MAX];
	union {
		char buf[CMSG_SPACE(sizeof(int) * HCONN_CMSG_FDS)];
		struct cmsghdr align;
	} cm;
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof buf };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cm.buf, .msg_controllen = sizeof cm.buf,
	};
	ssize_t n = recvmsg(c->c_fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		hconn_close(c, strerror(errno), false);
		return -1;
	}
	if (mh.msg_controllen && hconn_refuse_fds(&mh)) {
		hconn_close(c, "peer sent file descriptors: dropped", true);
		return -1;
	}
	if (mh.msg_flags & MSG_CTRUNC) {
		hconn_close(c, "control data truncated: dropped", true);
		return -1;
	}
	if (n == 0) {
		hconn_close(c, c->c_admitted ? "guest gone" : NULL, false);
		return -1;
	}
	if (mh.msg_flags & MSG_TRUNC) {
		hconn_close(c, "oversized message: dropped", true);
		return -1;
	}
	struct hsess_out out;
	enum hsess_state before = hsess_state(c->c_sess);
	int rc = hsess_input(c->c_sess, buf, (size_t)n, &out);
	if (rc) {
		char why[96];
		snprintf(why, sizeof why, "bad control message (%zd bytes, %s): dropped",
			 n, strerror(-rc));
		hconn_close(c, why, true);
		return -1;
	}
	if (out.len) {
		rc = hconn_send(c, &out);
		if (rc) {
			hconn_close(c, rc == -ENOBUFS ? "peer stopped reading: dropped"
						      : "send failed", rc == -ENOBUFS);
			return -1;
		}
	}
	enum hsess_state after = hsess_state(c->c_sess);
	if (after == HSESS_FAILED) {
		hconn_close(c, "session refused", false);
		return -1;
	}
	if (before != HSESS_READY && after == HSESS_READY && hconn_started(c) != 0) {
		hconn_close(c, "out of memory", false);
		return -1;
	}
	hconn_poll_update(c, true); /* an OPENCHANNEL may have opened a monitored channel */
	return 1;
}

static void hconn_on_read(evutil_socket_t fd, short what, void *arg)
{
	struct hconn *c = arg;
	for (unsigned i = 0; i < HCONN_READ_BUDGET; i++)
		if (hconn_read_one(c) <= 0)
			return;
}

static void hconn_on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct hconn *c = arg;
	if (!c->c_admitted) {
		hconn_close(c, "no HELLO in time: dropped", true);
		return;
	}
	hsess_tick(c->c_sess);
	hsess_pump(c->c_sess);
	hconn_poll_update(c, false); /* a host timer is not guest input */
	/* The partition reports its deadline only when it moves: a timer that
	 * fired before it (clock skew between libevent and us) must be
	 * re-armed here or that deadline is lost. */
	uint64_t now = hconn_mono_ns();
	if (c->c_deadline_ns != UINT64_MAX && c->c_deadline_ns > now &&
	    !evtimer_pending(c->c_ev_timer, NULL))
		hconn_arm_ns(c, c->c_deadline_ns - now + 999u);
}

/* Lifetime ------------------------------------------------------------- */

struct hconn *hconn_new(struct hostd *d, int fd)
{
	struct hconn *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->c_d = d;
	c->c_fd = fd;
	c->c_deadline_ns = UINT64_MAX;
	c->c_id = ++d->d_next_id;
	struct ucred cred;
	socklen_t clen = sizeof cred;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) == 0)
		c->c_pid = cred.pid;
	snprintf(c->c_tag, sizeof c->c_tag, "conn %u", c->c_id);
	struct hsess_env env = {
		.max_mem_bytes = d->d_cfg.max_mem_bytes,
		.test_hooks = d->d_cfg.test_hooks,
		.verbose = d->d_cfg.verbose,
		.tag = c->c_tag,
		.deadline = hconn_deadline,
		.admit = hconn_admit,
		.stats = hconn_stats,
		.kick = hconn_kick,
		.take_prepared = hconn_take_prepared,
		.ext = d->d_cfg.ext,
		.arg = c,
	};
	c->c_sess = hsess_new(&env);
	c->c_ev_read = event_new(d->d_base, fd, EV_READ | EV_PERSIST, hconn_on_read, c);
	c->c_ev_write = event_new(d->d_base, fd, EV_WRITE | EV_PERSIST, hconn_on_write, c);
	c->c_ev_timer = evtimer_new(d->d_base, hconn_on_timer, c);
	c->c_ev_kick = event_new(d->d_base, -1, 0, hconn_on_kick, c);
	if (!c->c_sess || !c->c_ev_read || !c->c_ev_write || !c->c_ev_timer || !c->c_ev_kick ||
	    event_add(c->c_ev_read, NULL) != 0) {
		c->c_fd = -1; /* the caller still owns fd on failure */
		hconn_close(c, NULL, false);
		return NULL;
	}
	hconn_arm_ns(c, HCONN_HELLO_TIMEOUT_MS * 1000000ull);
	c->c_next = d->d_conns;
	if (d->d_conns)
		d->d_conns->c_prev = c;
	d->d_conns = c;
	d->d_stats.conns_live++;
	d->d_stats.conns_total++;
	if (d->d_cfg.verbose)
		hconn_log(c, "connected");
	return c;
}

void hconn_close(struct hconn *c, const char *why, bool dropped)
{
	struct hostd *d = c->c_d;
	if (why && (dropped || d->d_cfg.verbose))
		hconn_log(c, why);
	if (dropped)
		d->d_stats.dropped++;
	if (c->c_admitted)
		d->d_stats.sessions_live--;
	if (c->c_prev || d->d_conns == c) {
		if (c->c_prev)
			c->c_prev->c_next = c->c_next;
		else
			d->d_conns = c->c_next;
		if (c->c_next)
			c->c_next->c_prev = c->c_prev;
		d->d_stats.conns_live--;
	}
	struct event **evs[] = { &c->c_ev_read, &c->c_ev_write, &c->c_ev_db, &c->c_ev_timer,
				 &c->c_ev_kick, &c->c_ev_poll };
	/* Unregister first (the fds are still open), then free the session
	 * (its teardown may still move the deadline), then the events. */
	for (size_t i = 0; i < sizeof evs / sizeof evs[0]; i++)
		if (*evs[i])
			event_del(*evs[i]);
	hsess_free(c->c_sess);
	for (size_t i = 0; i < sizeof evs / sizeof evs[0]; i++)
		if (*evs[i])
			event_free(*evs[i]);
	if (c->c_fd >= 0)
		close(c->c_fd);
	free(c);
}
