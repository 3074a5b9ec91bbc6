/* nbd_export_loop.c -- the export: disk table, Unix listening socket, and the poll loop that moves bytes between sockets and connections in guest context. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "guest_drivers/kern.h"
#include "sim/guest/nbd_export_var.h"
#include "sim/guest/runtime.h"
#include "sim/guest/runtime_var.h"

#define NBDL_RBUF     (256u << 10)   /* socket read buffer per connection */
#define NBDL_IOV      64
#define NBDL_IDLE_MS  100            /* inproc idle poll: only to notice stop */
#define NBDL_WAIT_NS  (60ull * 1000000000u)

struct nbdl_conn {
	int      fd;
	struct nbd_conn *c;
	uint8_t *rbuf;
	size_t   rhead, rtail;
	bool     eof;
};

struct nbd_export *nbd_export_create(const struct nbd_export_config *cfg)
{
	struct nbd_export *x = calloc(1, sizeof *x);
	if (!x)
		return NULL;
	if (cfg)
		x->cfg = *cfg;
	if (!x->cfg.max_conns)
		x->cfg.max_conns = 4;
	if (!x->cfg.max_inflight)
		x->cfg.max_inflight = 32;
	if (!x->cfg.max_buffered)
		x->cfg.max_buffered = 64ull << 20;
	if (!x->cfg.max_payload || x->cfg.max_payload > NBD_DEFAULT_MAX_PAYLOAD)
		x->cfg.max_payload = NBD_DEFAULT_MAX_PAYLOAD;
	if (!x->cfg.description)
		x->cfg.description = "hvsim guest disk";
	x->lfd = -1;
	x->stopfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (x->stopfd < 0) {
		free(x);
		return NULL;
	}
	pthread_mutex_init(&x->st_mu, NULL);
	return x;
}

int nbd_export_add(struct nbd_export *x, const char *name, const struct nbd_disk *d)
{
	int rc = 0;
	if (!x || !name || !d || !d->ops || !d->ops->read || !d->ops->write ||
	    strlen(name) > NBDX_NAME_MAX || (d->sector != 512 && d->sector != 4096) ||
	    d->size == 0 || d->size % d->sector)
		rc = -EINVAL;
	else if (x->ndisks >= NBD_EXPORT_MAX_DISKS)
		rc = -ENOSPC;
	for (unsigned i = 0; !rc && i < x->ndisks; i++)
		if (!strcmp(x->disk[i].name, name))
			rc = -EEXIST;
	if (rc) {
		if (d && d->ops && d->ops->release)
			d->ops->release(d->ctx);
		return rc;
	}
	struct nbdx_entry *e = &x->disk[x->ndisks++];
	strcpy(e->name, name);
	e->disk = *d;
	return 0;
}

int nbd_export_listen(struct nbd_export *x, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (!x || !path || x->lfd >= 0)
		return -EINVAL;
	if (strlen(path) >= sizeof sa.sun_path)
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	struct stat stt;
	if (lstat(path, &stt) == 0 && S_ISSOCK(stt.st_mode))
		unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 16) < 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	x->path = strdup(path);
	x->lfd = fd;
	return 0;
}

void nbd_export_get_stats(const struct nbd_export *x, struct nbd_export_stats *out)
{
	pthread_mutex_lock((pthread_mutex_t *)&x->st_mu);
	*out = x->st;
	pthread_mutex_unlock((pthread_mutex_t *)&x->st_mu);
}

void nbd_export_stop(struct nbd_export *x)
{
	uint64_t one = 1;
	__atomic_store_n(&x->stop, true, __ATOMIC_RELEASE);
	if (write(x->stopfd, &one, sizeof one) < 0) {
		/* EAGAIN: already signalled */
	}
	if (x->wq)
		kern_wakeup(x->wq);
}

/* ---- the loop -------------------------------------------------------------------- */

static void on_io_done(void *arg)
{
	struct nbd_export *x = arg;
	__atomic_add_fetch(&x->kicks, 1, __ATOMIC_RELEASE);
	kern_wakeup(x->wq);
}

struct kick_wait { struct nbd_export *x; uint64_t seen; };

static bool kicked(void *arg)
{
	struct kick_wait *k = arg;
	return __atomic_load_n(&k->x->kicks, __ATOMIC_ACQUIRE) != k->seen ||
	       __atomic_load_n(&k->x->stop, __ATOMIC_ACQUIRE);
}

static bool never(void *arg)
{
	(void)arg;
	return false;
}

static void conn_close(struct nbdl_conn *lc)
{
	close(lc->fd);
	nbd_conn_destroy(lc->c);
	free(lc->rbuf);
	lc->fd = -1;
	lc->c = NULL;
	lc->rbuf = NULL;
}

/* Offer buffered client bytes to the connection. */
static bool conn_feed(struct nbdl_conn *lc)
{
	if (lc->rhead == lc->rtail)
		return false;
	size_t n = nbd_conn_input(lc->c, lc->rbuf + lc->rhead, lc->rtail - lc->rhead);
	lc->rhead += n;
	if (lc->rhead == lc->rtail)
		lc->rhead = lc->rtail = 0;
	return n > 0;
}

static void conn_read(struct nbdl_conn *lc)
{
	if (lc->rhead && lc->rtail == NBDL_RBUF) {
		memmove(lc->rbuf, lc->rbuf + lc->rhead, lc->rtail - lc->rhead);
		lc->rtail -= lc->rhead;
		lc->rhead = 0;
	}
	if (lc->rtail == NBDL_RBUF)
		return;   /* full: the connection is paused, the bytes wait */
	ssize_t n = read(lc->fd, lc->rbuf + lc->rtail, NBDL_RBUF - lc->rtail);
	if (n > 0)
		lc->rtail += (size_t)n;
	else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
		lc->eof = true;
		nbd_conn_eof(lc->c);
	}
}

static void conn_write(struct nbdl_conn *lc)
{
	struct iovec iov[NBDL_IOV];
	int n = nbd_conn_output(lc->c, iov, NBDL_IOV);
	if (n <= 0)
		return;
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = (size_t)n };
	ssize_t w = sendmsg(lc->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (w > 0)
		nbd_conn_sent(lc->c, (size_t)w);
	else if (w < 0 && errno != EAGAIN && errno != EINTR)
		nbd_conn_abort(lc->c);
}

static void conn_accept(struct nbd_export *x, struct nbdl_conn *lc)
{
	int fd = accept4(x->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return;
	lc->rbuf = malloc(NBDL_RBUF);
	lc->c = lc->rbuf ? nbd_conn_create(x) : NULL;
	if (!lc->c) {
		free(lc->rbuf);
		lc->rbuf = NULL;
		close(fd);
		return;
	}
	nbd_conn_set_notify(lc->c, on_io_done, x);
	lc->fd = fd;
	lc->rhead = lc->rtail = 0;
	lc->eof = false;
}

static bool is_threaded(void)
{
	return gk_cur && gk_cur->cfg.sched == GK_SCHED_THREADS;
}

int nbd_export_run(struct nbd_export *x, uint32_t max_clients)
{
	if (!x || x->lfd < 0)
		return -EINVAL;
	if (!x->wq) {
		x->wq = kern_waitq_create();
		if (!x->wq)
			return -ENOMEM;
	}
	struct nbdl_conn *conns = calloc(x->cfg.max_conns, sizeof *conns);
	if (!conns)
		return -ENOMEM;
	for (uint32_t i = 0; i < x->cfg.max_conns; i++)
		conns[i].fd = -1;
	struct pollfd *pf = calloc(x->cfg.max_conns + 2, sizeof *pf);
	if (!pf) {
		free(conns);
		return -ENOMEM;
	}
	bool threaded = is_threaded();
	uint32_t accepted = 0;
	int rc = 0;
	for (;;) {
		bool stop = __atomic_load_n(&x->stop, __ATOMIC_ACQUIRE);
		unsigned live = 0, busy = 0;
		for (uint32_t i = 0; i < x->cfg.max_conns; i++) {
			struct nbdl_conn *lc = &conns[i];
			if (!lc->c)
				continue;
			if (stop)
				nbd_conn_abort(lc->c);   /* closes once its I/O is back */
			while ((int)nbd_conn_reap(lc->c) | (int)conn_feed(lc))
				;
			if (nbd_conn_done(lc->c)) {
				conn_close(lc);
				continue;
			}
			live++;
			if (nbd_conn_inflight(lc->c))
				busy++;
		}
		if (live == 0 && (stop || (max_clients && accepted >= max_clients)))
			break;
		/* Sockets: accept, read, write. */
		nfds_t n = 0;
		pf[n++] = (struct pollfd){ .fd = x->stopfd, .events = POLLIN };
		bool can_accept = !stop && (!max_clients || accepted < max_clients) &&
				  live < x->cfg.max_conns;
		pf[n++] = (struct pollfd){ .fd = can_accept ? x->lfd : -1, .events = POLLIN };
		for (uint32_t i = 0; i < x->cfg.max_conns; i++) {
			struct nbdl_conn *lc = &conns[i];
			short ev = 0;
			if (lc->c && !lc->eof && nbd_conn_wants_input(lc->c) && lc->rtail < NBDL_RBUF)
				ev |= POLLIN;
			struct iovec one;
			if (lc->c && nbd_conn_output(lc->c, &one, 1) > 0)
				ev |= POLLOUT;
			pf[n++] = (struct pollfd){ .fd = ev ? lc->fd : -1, .events = ev };
		}
		int timeout = busy ? 0 : threaded ? 1 : NBDL_IDLE_MS;
		int pr = poll(pf, n, timeout);
		if (pr < 0 && errno != EINTR) {
			rc = -errno;
			break;
		}
		if (pr > 0 && (pf[1].revents & POLLIN)) {
			for (uint32_t i = 0; i < x->cfg.max_conns; i++) {
				if (!conns[i].c) {
					conn_accept(x, &conns[i]);
					if (conns[i].c)
						accepted++;
					break;
				}
			}
		}
		for (uint32_t i = 0; pr > 0 && i < x->cfg.max_conns; i++) {
			struct nbdl_conn *lc = &conns[i];
			short re = pf[2 + i].revents;
			if (!lc->c || !re)
				continue;
			if (re & POLLOUT)
				conn_write(lc);
			if (re & (POLLIN | POLLHUP | POLLERR))
				conn_read(lc);
			conn_feed(lc);
		}
		if (busy && pr == 0) {
			/* Nothing from the sockets: sleep until some disk I/O is back
			 * (inproc: the simulation runs meanwhile). */
			struct kick_wait kw = { x, __atomic_load_n(&x->kicks, __ATOMIC_ACQUIRE) };
			int wr = kern_wait(x->wq, kicked, &kw, threaded ? 1000000u : NBDL_WAIT_NS);
			if (wr == -ENODEV) {
				rc = -ENODEV;
				stop = true;
				__atomic_store_n(&x->stop, true, __ATOMIC_RELEASE);
			}
		} else if (threaded && !busy) {
			/* vCPU 0's own interrupts and tasks while we were in poll(). */
			(void)kern_wait(x->wq, never, NULL, 0);
		}
	}
	for (uint32_t i = 0; i < x->cfg.max_conns; i++)
		if (conns[i].c)
			conn_close(&conns[i]);
	free(pf);
	free(conns);
	return rc;
}

/* ---- on a thread of its own ---------------------------------------------------- */

static int run_in_guest(void *arg)
{
	struct nbd_export *x = arg;
	return nbd_export_run(x, x->thread_max_clients);
}

static void *export_thread(void *arg)
{
	struct nbd_export *x = arg;
	x->thread_rc = gk_runtime_call(x->rt, run_in_guest, x);
	return NULL;
}

int nbd_export_start(struct nbd_export *x, struct gk_runtime *rt, uint32_t max_clients)
{
	if (!x || !rt || x->thread_started || x->lfd < 0)
		return -EINVAL;
	x->rt = rt;
	x->thread_max_clients = max_clients;
	/* A new run after a stop: clear the request. */
	uint64_t v;
	if (read(x->stopfd, &v, sizeof v) < 0) {
		/* EAGAIN: nothing pending */
	}
	__atomic_store_n(&x->stop, false, __ATOMIC_RELEASE);
	int e = pthread_create(&x->thread, NULL, export_thread, x);
	if (e)
		return -e;
	x->thread_started = true;
	return 0;
}

int nbd_export_join(struct nbd_export *x)
{
	if (!x || !x->thread_started)
		return -EINVAL;
	pthread_join(x->thread, NULL);
	x->thread_started = false;
	return x->thread_rc;
}

void nbd_export_destroy(struct nbd_export *x)
{
	if (!x)
		return;
	if (x->thread_started) {
		nbd_export_stop(x);
		nbd_export_join(x);
	}
	if (x->lfd >= 0)
		close(x->lfd);
	if (x->path) {
		unlink(x->path);
		free(x->path);
	}
	for (unsigned i = 0; i < x->ndisks; i++)
		if (x->disk[i].disk.ops->release)
			x->disk[i].disk.ops->release(x->disk[i].disk.ctx);
	kern_waitq_destroy(x->wq);
	close(x->stopfd);
	pthread_mutex_destroy(&x->st_mu);
	free(x);
}
