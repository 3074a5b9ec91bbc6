/* transport_split.c -- the guest-process end of the split transport:
 * HELLO and fd hand-over, control RPCs over the SOCK_SEQPACKET socket, the
 * HvSignalEvent doorbell, per-vCPU interrupt eventfds, the shared clock,
 * and a watcher thread that reports a dead daemon. */
#include "sim/guest/transport_split.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "hyperv/hv_tlfs.h"
#include "sim/guest/transport.h"
#include "sim/hostd/daemon/ctl_proto.h"

/* Every RPC answer must come within this, else the host counts as lost. */
#define SPLIT_RPC_TIMEOUT_MS   2000
#define SPLIT_HELLO_TIMEOUT_MS 5000
/* What a hypercall returns once the host is gone. */
#define SPLIT_LOST_STATUS      HV_STATUS_INVALID_PARTITION_STATE

struct gk_split {
	struct gk_transport sp_t;       /* first: the ops get &sp_t */
	int             sp_sock;
	pthread_mutex_t sp_lock;        /* one RPC at a time */
	uint32_t        sp_seq;
	struct ctl_page *sp_cp;
	int             sp_db_fd;
	int             sp_vcpu_fd[CTL_MAX_VCPUS];
	uint64_t        sp_origin_ns;   /* copied once from the control page */
	uint64_t        sp_tsc_hz;
	int             sp_stop_fd;     /* eventfd: stop the watcher */
	pthread_t       sp_watcher;
	bool            sp_watching;
};

static struct gk_split *split_of(struct gk_transport *t)
{
	return (struct gk_split *)t;
}

static bool split_lost(const struct gk_split *s)
{
	return __atomic_load_n(&s->sp_t.host_lost, __ATOMIC_ACQUIRE);
}

/* Mark the host gone from an RPC path.  Only the watcher calls t->lost
 * (never under sp_lock): the shutdown wakes it. */
static void split_fail(struct gk_split *s)
{
	__atomic_store_n(&s->sp_t.host_lost, true, __ATOMIC_RELEASE);
	shutdown(s->sp_sock, SHUT_RDWR);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void close_cmsg_fds(struct msghdr *mh, int *keep, unsigned keep_max,
			   unsigned *nkept)
{
	unsigned n = 0;
	for (struct cmsghdr *ch = CMSG_FIRSTHDR(mh); ch; ch = CMSG_NXTHDR(mh, ch)) {
		if (ch->cmsg_level != SOL_SOCKET || ch->cmsg_type != SCM_RIGHTS)
			continue;
		size_t bytes = ch->cmsg_len > CMSG_LEN(0) ? ch->cmsg_len - CMSG_LEN(0) : 0;
		for (size_t i = 0; i < bytes / sizeof(int); i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(ch) + i * sizeof(int), sizeof fd);
			if (keep && n < keep_max)
				keep[n] = fd;
			else
				close(fd);
			n++;
		}
	}
	if (nkept)
		*nkept = n < keep_max ? n : keep_max;
}

/* Receive one datagram within timeout_ms; fds go to 'fds' (up to max) and
 * any beyond are closed.  Returns the length, 0 on EOF, -ETIMEDOUT,
 * -EMSGSIZE (truncated), -errno. */
static ssize_t split_recv(struct gk_split *s, void *buf, size_t cap, int timeout_ms,
			  int *fds, unsigned maxfds, unsigned *nfds)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * CTL_MAX_FDS)];
		struct cmsghdr align;
	} cm;
	uint64_t deadline = mono_ns() + (uint64_t)timeout_ms * 1000000u;
	for (;;) {
		uint64_t now = mono_ns();
		if (now >= deadline)
			return -ETIMEDOUT;
		struct pollfd pfd = { .fd = s->sp_sock, .events = POLLIN };
		int pr = poll(&pfd, 1, (int)((deadline - now + 999999u) / 1000000u));
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr < 0)
			return -errno;
		if (pr == 0)
			return -ETIMEDOUT;
		struct iovec iov = { .iov_base = buf, .iov_len = cap };
		struct msghdr mh = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = cm.buf, .msg_controllen = sizeof cm.buf,
		};
		ssize_t n = recvmsg(s->sp_sock, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0)
			return -errno;
		close_cmsg_fds(&mh, fds, fds ? maxfds : 0, nfds);
		if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
			return -EMSGSIZE;
		return n;
	}
}

/* One request/reply.  Returns 0 with *rep filled, or -EIO once the host
 * is gone, stops answering, or answers nonsense. */
static int split_rpc(struct gk_split *s, uint16_t type, uint32_t cpu,
		     uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, struct ctl_rep *rep)
{
	if (split_lost(s) || cpu >= s->sp_t.ncpus)
		return -EIO;
	pthread_mutex_lock(&s->sp_lock);
	struct ctl_req rq;
	memset(&rq, 0, sizeof rq);
	rq.h.magic = CTL_MAGIC;
	rq.h.type = type;
	rq.h.len = sizeof rq;
	rq.h.seq = ++s->sp_seq;
	rq.h.cpu = cpu;
	rq.a[0] = a0;
	rq.a[1] = a1;
	rq.a[2] = a2;
	rq.a[3] = a3;
	int rc = -EIO;
	if (send(s->sp_sock, &rq, sizeof rq, MSG_NOSIGNAL) != (ssize_t)sizeof rq)
		goto out;
	for (;;) {
		uint8_t buf[CTL_MSG_MAX];
		ssize_t n = split_recv(s, buf, sizeof buf, SPLIT_RPC_TIMEOUT_MS, NULL, 0, NULL);
		if (n != (ssize_t)sizeof *rep)
			goto out;
		memcpy(rep, buf, sizeof *rep);
		if (rep->h.magic != CTL_MAGIC || rep->h.len != sizeof *rep ||
		    rep->h.type != (type | CTL_REPLY))
			goto out;
		if (rep->h.seq == rq.h.seq)
			break;
		/* An older seq cannot happen (one RPC at a time, and a timeout
		 * ends the session): anything else is a broken host. */
		goto out;
	}
	rc = 0;
out:
	if (rc)
		split_fail(s);
	pthread_mutex_unlock(&s->sp_lock);
	return rc;
}

/* ---- ops ------------------------------------------------------------------- */

static void split_cpuid(struct gk_transport *t, uint32_t cpu, uint32_t leaf,
			uint32_t sub, uint32_t regs[4])
{
	struct ctl_rep rp;
	memset(regs, 0, 4 * sizeof regs[0]);
	if (split_rpc(split_of(t), CTL_CPUID, cpu, leaf, sub, 0, 0, &rp) == 0 && rp.status == 0)
		for (int i = 0; i < 4; i++)
			regs[i] = (uint32_t)rp.v[i];
}

static int split_rdmsr(struct gk_transport *t, uint32_t cpu, uint32_t msr, uint64_t *val)
{
	struct ctl_rep rp;
	if (split_rpc(split_of(t), CTL_RDMSR, cpu, msr, 0, 0, 0, &rp) != 0)
		return -EIO;
	if (rp.status == 0)
		*val = rp.v[0];
	/* The host only ever answers 0 or -EINVAL (#GP); clamp the rest. */
	return rp.status == 0 ? 0 : rp.status == -EINVAL ? -EINVAL : -EIO;
}

static int split_wrmsr(struct gk_transport *t, uint32_t cpu, uint32_t msr, uint64_t val)
{
	struct ctl_rep rp;
	if (split_rpc(split_of(t), CTL_WRMSR, cpu, msr, val, 0, 0, &rp) != 0)
		return -EIO;
	return rp.status == 0 ? 0 : rp.status == -EINVAL ? -EINVAL : -EIO;
}

/* The fast path: HvSignalEvent, fast form, flag 0, to a connection the
 * host published.  Rings the doorbell; kicks the eventfd only on the first
 * bit since the host's last drain (ctl_proto.h). */
static bool split_doorbell(struct gk_split *s, uint64_t control, uint64_t in)
{
	if (control != (HVCALL_SIGNAL_EVENT | HV_HC_FAST) || in >= CTL_DB_CONNS)
		return false;
	struct ctl_page *cp = s->sp_cp;
	uint32_t w = (uint32_t)in / 64u;
	uint64_t bit = 1ull << (in % 64u);
	if (!(__atomic_load_n(&cp->cp_db_valid[w], __ATOMIC_ACQUIRE) & bit))
		return false;
	__atomic_fetch_or(&cp->cp_doorbell[w], bit, __ATOMIC_SEQ_CST);
	if (__atomic_exchange_n(&cp->cp_db_kicked, 1u, __ATOMIC_SEQ_CST) == 0) {
		uint64_t one = 1;
		if (write(s->sp_db_fd, &one, sizeof one) < 0 && errno != EAGAIN)
			return false;
	}
	return true;
}

static uint64_t split_hypercall(struct gk_transport *t, uint32_t cpu, uint64_t control,
				uint64_t in, uint64_t out)
{
	struct gk_split *s = split_of(t);
	if (split_lost(s))
		return SPLIT_LOST_STATUS;
	if (split_doorbell(s, control, in))
		return HV_STATUS_SUCCESS;
	struct ctl_rep rp;
	if (split_rpc(s, CTL_HYPERCALL, cpu, control, in, out, 0, &rp) != 0 || rp.status)
		return SPLIT_LOST_STATUS;
	return rp.v[0];
}

static uint32_t pio_ones(unsigned size)
{
	return size >= 4 ? 0xFFFFFFFFu : (1u << (8u * size)) - 1u;
}

static uint32_t split_pio_read(struct gk_transport *t, uint32_t cpu, uint16_t port,
			       unsigned size)
{
	struct ctl_rep rp;
	if (split_rpc(split_of(t), CTL_PIO_READ, cpu, port, size, 0, 0, &rp) != 0 || rp.status)
		return pio_ones(size);
	return (uint32_t)rp.v[0];
}

static void split_pio_write(struct gk_transport *t, uint32_t cpu, uint16_t port,
			    unsigned size, uint32_t val)
{
	struct ctl_rep rp;
	(void)split_rpc(split_of(t), CTL_PIO_WRITE, cpu, port, size, val, 0, &rp);
}

static uint64_t split_now_ns(struct gk_transport *t)
{
	struct gk_split *s = split_of(t);
	uint64_t now = mono_ns();
	return now > s->sp_origin_ns ? now - s->sp_origin_ns : 0;
}

static uint64_t split_rdtsc(struct gk_transport *t)
{
	struct gk_split *s = split_of(t);
	return (uint64_t)((unsigned __int128)split_now_ns(t) * s->sp_tsc_hz / 1000000000u);
}

static int split_irq_fd(struct gk_transport *t, uint32_t cpu)
{
	return cpu < t->ncpus ? split_of(t)->sp_vcpu_fd[cpu] : -1;
}

static void split_irq_drain(struct gk_transport *t, uint32_t cpu)
{
	struct gk_split *s = split_of(t);
	if (cpu >= t->ncpus)
		return;
	uint64_t cnt;
	if (read(s->sp_vcpu_fd[cpu], &cnt, sizeof cnt) < 0 && errno != EAGAIN)
		return;
	struct ctl_irq *ci = &s->sp_cp->cp_irq[cpu];
	/* Clear the flag first: a vector set after this kicks again. */
	__atomic_store_n(&ci->kicked, 0u, __ATOMIC_SEQ_CST);
	uint64_t pend[4];
	for (int w = 0; w < 4; w++)
		pend[w] = __atomic_exchange_n(&ci->pending[w], 0, __ATOMIC_SEQ_CST);
	/* Highest vector first, as a local APIC would. */
	for (int w = 3; w >= 0; w--) {
		while (pend[w]) {
			unsigned b = 63u - (unsigned)__builtin_clzll(pend[w]);
			pend[w] &= ~(1ull << b);
			if (t->irq)
				t->irq(t->irq_arg, cpu, (uint8_t)(w * 64 + (int)b));
		}
	}
}

static void *split_watch(void *arg)
{
	struct gk_split *s = arg;
	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = s->sp_sock, .events = POLLRDHUP },
			{ .fd = s->sp_stop_fd, .events = POLLIN },
		};
		int pr = poll(pfd, 2, -1);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr < 0 || pfd[1].revents)
			return NULL;
		if (pfd[0].revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL))
			break;
	}
	/* host_lost first, then read the callback: a runtime that installs
	 * 'lost' and then checks host_lost sees one or the other (Dekker; it
	 * needs a full fence between its store and its load as well). */
	__atomic_store_n(&s->sp_t.host_lost, true, __ATOMIC_SEQ_CST);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	gk_lost_fn *lost = __atomic_load_n(&s->sp_t.lost, __ATOMIC_SEQ_CST);
	if (lost)
		lost(s->sp_t.irq_arg);
	return NULL;
}

/* Stop the watcher and wait for it: after this no lost() call runs. */
static void split_quiesce(struct gk_transport *t)
{
	struct gk_split *s = split_of(t);
	if (s->sp_watching) {
		uint64_t one = 1;
		if (write(s->sp_stop_fd, &one, sizeof one) < 0)
			pthread_cancel(s->sp_watcher);
		pthread_join(s->sp_watcher, NULL);
		s->sp_watching = false;
	}
}

static void split_close(struct gk_transport *t)
{
	struct gk_split *s = split_of(t);
	split_quiesce(t);
	if (s->sp_sock >= 0)
		close(s->sp_sock);
	if (s->sp_stop_fd >= 0)
		close(s->sp_stop_fd);
	if (s->sp_db_fd >= 0)
		close(s->sp_db_fd);
	for (unsigned i = 0; i < CTL_MAX_VCPUS; i++)
		if (s->sp_vcpu_fd[i] >= 0)
			close(s->sp_vcpu_fd[i]);
	if (s->sp_cp)
		munmap(s->sp_cp, CTL_PAGE_BYTES);
	if (t->mem)
		munmap(t->mem, t->mem_size);
	pthread_mutex_destroy(&s->sp_lock);
	free(s);
}

static const struct gk_transport_ops split_ops = {
	.cpuid = split_cpuid,
	.rdmsr = split_rdmsr,
	.wrmsr = split_wrmsr,
	.hypercall = split_hypercall,
	.pio_read = split_pio_read,
	.pio_write = split_pio_write,
	.now_ns = split_now_ns,
	.rdtsc = split_rdtsc,
	.poll_host = NULL,
	.next_event_ns = NULL,
	.advance_to = NULL,
	.irq_fd = split_irq_fd,
	.irq_drain = split_irq_drain,
	.quiesce = split_quiesce,
	.close = split_close,
};

int gk_split_rpc(struct gk_transport *t, uint16_t type, uint32_t cpu,
		 const uint64_t a[4], uint64_t v[4])
{
	if (t->ops != &split_ops || type <= CTL_HELLO || type >= CTL_TYPE_COUNT)
		return -EINVAL;
	struct ctl_rep rp;
	if (split_rpc(split_of(t), type, cpu, a[0], a[1], a[2], a[3], &rp) != 0)
		return -EIO;
	memcpy(v, rp.v, sizeof rp.v);
	return rp.status;
}

/* ---- connect ------------------------------------------------------------- */

static int memfd_size_ok(int fd, uint64_t want)
{
	struct stat st;
	return fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size >= want;
}

/* Check the HELLO reply and take over its fds.  Closes every fd it does
 * not keep. */
static int split_take(struct gk_split *s, const struct ctl_hello_reply *rep,
		      int *fds, unsigned nfds, uint64_t mem_bytes, char *err, size_t errlen)
{
	unsigned want = CTL_FD_VCPU0 + s->sp_t.ncpus;
	int rc = -1;
	if (rep->status != 0) {
		snprintf(err, errlen, "hvsim-hostd refused the guest: %s", strerror(-rep->status));
		goto out;
	}
	if (rep->nfds != want || nfds != want || rep->mem_bytes != mem_bytes ||
	    rep->ctl_bytes != CTL_PAGE_BYTES || rep->tsc_hz == 0 ||
	    !memfd_size_ok(fds[CTL_FD_MEM], mem_bytes) ||
	    !memfd_size_ok(fds[CTL_FD_CTLPAGE], CTL_PAGE_BYTES)) {
		snprintf(err, errlen, "hvsim-hostd sent a malformed HELLO reply");
		goto out;
	}
	void *mem = mmap(NULL, mem_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fds[CTL_FD_MEM], 0);
	void *cp = mmap(NULL, CTL_PAGE_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED,
			fds[CTL_FD_CTLPAGE], 0);
	if (mem == MAP_FAILED || cp == MAP_FAILED) {
		snprintf(err, errlen, "mmap: %s", strerror(errno));
		if (mem != MAP_FAILED)
			munmap(mem, mem_bytes);
		if (cp != MAP_FAILED)
			munmap(cp, CTL_PAGE_BYTES);
		goto out;
	}
	s->sp_t.mem = mem;
	s->sp_t.mem_size = mem_bytes;
	s->sp_cp = cp;
	struct ctl_page *page = cp;
	if (page->cp_magic != CTL_MAGIC || page->cp_version != CTL_PROTO_VERSION ||
	    page->cp_ncpus != s->sp_t.ncpus || page->cp_tsc_hz != rep->tsc_hz) {
		snprintf(err, errlen, "hvsim-hostd control page does not match HELLO");
		goto out;
	}
	s->sp_origin_ns = page->cp_origin_ns;
	s->sp_tsc_hz = page->cp_tsc_hz;
	s->sp_db_fd = fds[CTL_FD_DOORBELL];
	fds[CTL_FD_DOORBELL] = -1;
	for (unsigned i = 0; i < s->sp_t.ncpus; i++) {
		s->sp_vcpu_fd[i] = fds[CTL_FD_VCPU0 + i];
		fds[CTL_FD_VCPU0 + i] = -1;
	}
	rc = 0;
out:
	for (unsigned i = 0; i < nfds; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return rc;
}

static int split_hello(struct gk_split *s, const char *profile, uint64_t mem_bytes,
		       char *err, size_t errlen)
{
	struct ctl_hello h;
	memset(&h, 0, sizeof h);
	h.h.magic = CTL_MAGIC;
	h.h.type = CTL_HELLO;
	h.h.len = sizeof h;
	h.h.seq = ++s->sp_seq;
	h.version = CTL_PROTO_VERSION;
	h.ncpus = s->sp_t.ncpus;
	h.mem_bytes = mem_bytes;
	memcpy(h.profile, profile, strlen(profile));
	if (send(s->sp_sock, &h, sizeof h, MSG_NOSIGNAL) != (ssize_t)sizeof h) {
		snprintf(err, errlen, "send HELLO: %s", strerror(errno));
		return -1;
	}
	uint8_t buf[CTL_MSG_MAX];
	int fds[CTL_MAX_FDS];
	unsigned nfds = 0;
	ssize_t n = split_recv(s, buf, sizeof buf, SPLIT_HELLO_TIMEOUT_MS, fds, CTL_MAX_FDS, &nfds);
	struct ctl_hello_reply rep;
	if (n != (ssize_t)sizeof rep) {
		for (unsigned i = 0; i < nfds; i++)
			close(fds[i]);
		snprintf(err, errlen, "no HELLO reply from hvsim-hostd (%s)",
			 n == 0 ? "connection closed" : n < 0 ? strerror((int)-n) : "bad size");
		return -1;
	}
	memcpy(&rep, buf, sizeof rep);
	if (rep.h.magic != CTL_MAGIC || rep.h.type != (CTL_HELLO | CTL_REPLY) ||
	    rep.h.len != sizeof rep || rep.h.seq != h.h.seq) {
		for (unsigned i = 0; i < nfds; i++)
			close(fds[i]);
		snprintf(err, errlen, "hvsim-hostd sent a malformed HELLO reply");
		return -1;
	}
	return split_take(s, &rep, fds, nfds, mem_bytes, err, errlen);
}

struct gk_transport *gk_split_connect(const char *socket_path, const char *profile,
				      uint32_t ncpus, uint64_t mem_bytes, char *err,
				      size_t errlen)
{
	if (!socket_path || strlen(socket_path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
		snprintf(err, errlen, "bad socket path");
		return NULL;
	}
	if (!profile || strlen(profile) >= CTL_PROFILE_NAME_MAX || ncpus < 1 ||
	    ncpus > CTL_MAX_VCPUS || mem_bytes == 0 || mem_bytes % CTL_PAGE_SIZE ||
	    mem_bytes > CTL_MAX_MEM_BYTES) {
		snprintf(err, errlen, "bad guest configuration (profile, %u vCPUs, %llu bytes)",
			 ncpus, (unsigned long long)mem_bytes);
		return NULL;
	}
	struct gk_split *s = calloc(1, sizeof *s);
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->sp_t.ops = &split_ops;
	s->sp_t.ncpus = ncpus;
	s->sp_db_fd = -1;
	s->sp_stop_fd = -1;
	for (unsigned i = 0; i < CTL_MAX_VCPUS; i++)
		s->sp_vcpu_fd[i] = -1;
	pthread_mutex_init(&s->sp_lock, NULL);
	s->sp_sock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (s->sp_sock < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		goto fail;
	}
	struct sockaddr_un sa;
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, socket_path, strlen(socket_path) + 1);
	if (connect(s->sp_sock, (struct sockaddr *)&sa, sizeof sa) != 0) {
		snprintf(err, errlen, "connect %s: %s", socket_path, strerror(errno));
		goto fail;
	}
	if (split_hello(s, profile, mem_bytes, err, errlen) != 0)
		goto fail;
	s->sp_stop_fd = eventfd(0, EFD_CLOEXEC);
	if (s->sp_stop_fd < 0 || pthread_create(&s->sp_watcher, NULL, split_watch, s) != 0) {
		snprintf(err, errlen, "cannot start the watcher thread");
		goto fail;
	}
	s->sp_watching = true;
	return &s->sp_t;
fail:
	split_close(&s->sp_t);
	return NULL;
}
