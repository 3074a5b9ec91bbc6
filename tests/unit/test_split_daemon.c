/* test_split_daemon.c -- hvsim-hostd's session handling end to end: the
 * daemon core runs in a forked child; the guest end (gk_split_connect) and
 * raw hostile clients talk to it over the real socket. */
#include <errno.h>
#include <dirent.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "hyperv/hv_tlfs.h"
#include "sim/guest/transport.h"
#include "sim/guest/transport_split.h"
#include "sim/hostd/daemon/ctl_proto.h"
#include "sim/hostd/daemon/hostd.h"
#include "sim/hostd/daemon/hsess.h"
#include "sim/hostd/partition.h"

struct fixture {
	char   dir[64];
	char   path[96];
	pid_t  daemon;
};

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000u, .tv_nsec = (long)(ms % 1000u) * 1000000L };
	nanosleep(&ts, NULL);
}

static int raw_connect(const char *path)
{
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	struct sockaddr_un sa;
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A stand-in for the VMBus server: an event port on connection 11 added
 * straight on the partition; each signal raises SINT2 flag 0 on vCPU 0
 * from the pump (never from inside the hypercall). */
struct fake_ext { struct part *p; bool pending; };

static void fake_ext_signal(void *arg, uint32_t vp, uint16_t flag)
{
	((struct fake_ext *)arg)->pending = true;
}

static int fake_ext_attach(struct hsess *s, void *arg, void **ctx)
{
	struct fake_ext *x = calloc(1, sizeof *x);
	if (!x)
		return -ENOMEM;
	x->p = hsess_part(s);
	*ctx = x;
	return part_event_port_add(x->p, 11, 1, fake_ext_signal, x);
}

static bool fake_ext_pump(void *ctx)
{
	struct fake_ext *x = ctx;
	if (x->pending) {
		x->pending = false;
		(void)synic_signal(x->p, 0, 2, 0);
	}
	return false;
}

static void fake_ext_detach(void *ctx)
{
	free(ctx);
}

static const struct hsess_ext fake_ext = {
	.attach = fake_ext_attach, .pump = fake_ext_pump, .detach = fake_ext_detach,
	.poll_ns = 50000000,
};

static pid_t spawn_daemon(const char *path, uint32_t max_guests)
{
	pid_t pid = fork();
	if (pid == 0) {
		struct hostd_config cfg = {
			.socket_path = path, .max_guests = max_guests,
			.test_hooks = true, .handle_signals = true, .ext = &fake_ext,
		};
		char err[256];
		int code = 1;
		struct hostd *d = hostd_create(&cfg, err, sizeof err, &code);
		if (!d) {
			fprintf(stderr, "daemon: %s\n", err);
			_exit(code);
		}
		int rc = hostd_run(d);
		hostd_destroy(d);
		_exit(rc ? 1 : 0);
	}
	uint64_t end = now_ms() + 10000;
	while (now_ms() < end) {
		int fd = raw_connect(path);
		if (fd >= 0) {
			close(fd);
			return pid;
		}
		sleep_ms(5);
	}
	return -1;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	snprintf(f->dir, sizeof f->dir, "/tmp/hvsim-split-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof f->path, "%s/s", f->dir);
	f->daemon = spawn_daemon(f->path, 4);
	if (f->daemon < 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	int status = 0;
	if (f->daemon > 0) {
		kill(f->daemon, SIGTERM);
		waitpid(f->daemon, &status, 0);
	}
	char lock[128];
	snprintf(lock, sizeof lock, "%s.lock", f->path);
	unlink(f->path);
	unlink(lock);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* ---- raw protocol helpers ------------------------------------------------ */

static void fill_hello(struct ctl_hello *h, const char *profile, uint32_t ncpus, uint64_t mem)
{
	memset(h, 0, sizeof *h);
	h->h.magic = CTL_MAGIC;
	h->h.type = CTL_HELLO;
	h->h.len = sizeof *h;
	h->h.seq = 1;
	h->version = CTL_PROTO_VERSION;
	h->ncpus = ncpus;
	h->mem_bytes = mem;
	snprintf(h->profile, sizeof h->profile, "%s", profile);
}

/* Receive one datagram (5 s); fds received are closed.  Returns the
 * length, 0 on EOF, -1 on timeout or error. */
static ssize_t raw_recv(int fd, void *buf, size_t cap, unsigned *nfds)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	if (poll(&p, 1, 5000) != 1)
		return -1;
	union { char b[CMSG_SPACE(sizeof(int) * CTL_MAX_FDS)]; struct cmsghdr a; } cm;
	struct iovec iov = { .iov_base = buf, .iov_len = cap };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cm.b, .msg_controllen = sizeof cm.b };
	ssize_t n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
	if (n < 0)
		return errno == ECONNRESET ? 0 : -1;
	unsigned cnt = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_type != SCM_RIGHTS)
			continue;
		for (size_t i = 0; i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++) {
			int x;
			memcpy(&x, CMSG_DATA(c) + i * sizeof(int), sizeof x);
			close(x);
			cnt++;
		}
	}
	if (nfds)
		*nfds = cnt;
	return n;
}

static int raw_hello(int fd, const char *profile, uint32_t ncpus, uint64_t mem,
		     unsigned *nfds)
{
	struct ctl_hello h;
	fill_hello(&h, profile, ncpus, mem);
	if (send(fd, &h, sizeof h, MSG_NOSIGNAL) != sizeof h)
		return -1000;
	struct ctl_hello_reply rep;
	if (raw_recv(fd, &rep, sizeof rep, nfds) != sizeof rep)
		return -1001;
	return rep.status;
}

static int raw_rpc(int fd, uint16_t type, uint32_t cpu, uint64_t a0, struct ctl_rep *rep)
{
	struct ctl_req rq;
	memset(&rq, 0, sizeof rq);
	rq.h.magic = CTL_MAGIC;
	rq.h.type = type;
	rq.h.len = sizeof rq;
	rq.h.seq = 77;
	rq.h.cpu = cpu;
	rq.a[0] = a0;
	if (send(fd, &rq, sizeof rq, MSG_NOSIGNAL) != sizeof rq)
		return -1;
	if (raw_recv(fd, rep, sizeof *rep, NULL) != sizeof *rep)
		return -1;
	return rep->h.seq == 77 && rep->h.type == (type | CTL_REPLY) ? 0 : -1;
}

/* True when the daemon closes fd (EOF) within 5 s. */
static bool raw_dropped(int fd)
{
	char buf[CTL_MSG_MAX];
	for (int i = 0; i < 4; i++) {
		ssize_t n = raw_recv(fd, buf, sizeof buf, NULL);
		if (n == 0)
			return true;
		if (n < 0)
			return false;
	}
	return false;
}

static int count_fds(pid_t pid)
{
	char p[64];
	snprintf(p, sizeof p, "/proc/%d/fd", (int)pid);
	DIR *d = opendir(p);
	if (!d)
		return -1;
	int n = 0;
	for (struct dirent *e; (e = readdir(d));)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* Daemon-wide CTL_STATS page 0, asked on a fresh connection without HELLO
 * (so the asker is a connection but not a session). */
static int daemon_stats(const char *path, uint64_t v[4], int *fds_now, pid_t pid)
{
	int fd = raw_connect(path);
	if (fd < 0)
		return -1;
	struct ctl_rep rep;
	int rc = raw_rpc(fd, CTL_STATS, 0, 0, &rep);
	if (rc == 0)
		memcpy(v, rep.v, sizeof rep.v);
	if (fds_now)
		*fds_now = count_fds(pid) - 1; /* minus the asker's socket */
	close(fd);
	return rc;
}

static int wait_sessions(const char *path, int64_t want)
{
	uint64_t end = now_ms() + 10000;
	uint64_t v[4] = { 0 };
	while (now_ms() < end) {
		if (daemon_stats(path, v, NULL, 0) == 0 && v[CTL_STAT_SESSIONS_LIVE] == (uint64_t)want)
			return 0;
		sleep_ms(10);
	}
	return (int)v[CTL_STAT_SESSIONS_LIVE] + 1000;
}

/* The daemon's fd count with no connection but the asker's (subtracted):
 * waits until every earlier connection has been closed by the daemon. */
static int idle_fds(const char *path, pid_t pid)
{
	uint64_t end = now_ms() + 10000;
	while (now_ms() < end) {
		uint64_t v[4];
		int n = -1;
		if (daemon_stats(path, v, &n, pid) == 0 && v[CTL_STAT_CONNS_LIVE] == 1)
			return n;
		sleep_ms(10);
	}
	return -1;
}

/* A good guest: connects, does one RPC, closes. */
static void assert_good_client(const char *path)
{
	char err[256] = "";
	struct gk_transport *t = gk_split_connect(path, "ws2022", 1, 1 << 20, err, sizeof err);
	assert_non_null(t);
	uint32_t regs[4];
	t->ops->cpuid(t, 0, 0x40000000u, 0, regs);
	assert_int_equal(regs[1], 0x7263694Du); /* "Micr" */
	t->ops->close(t);
}

/* ---- tests ------------------------------------------------------------------ */

static void test_split__hello_and_rpcs__answered(void **state)
{
	struct fixture *f = *state;
	char err[256] = "";
	struct gk_transport *t = gk_split_connect(f->path, "ws2022", 2, 2 << 20, err, sizeof err);
	assert_non_null(t);
	assert_int_equal(t->ncpus, 2);
	assert_int_equal(t->mem_size, 2 << 20);
	memset(t->mem, 0xA5, 4096); /* shared memory is mapped writable */

	uint32_t regs[4];
	t->ops->cpuid(t, 1, 0x40000000u, 0, regs);
	assert_int_equal(regs[1], 0x7263694Du);
	assert_int_equal(regs[2], 0x666F736Fu); /* "osof" */
	assert_int_equal(regs[3], 0x76482074u); /* "t Hv" */

	uint64_t id = HV_GUEST_OS_ID_OPENSOURCE | 0x1234;
	assert_int_equal(t->ops->wrmsr(t, 0, HV_MSR_GUEST_OS_ID, id), 0);
	uint64_t v = 0;
	assert_int_equal(t->ops->rdmsr(t, 0, HV_MSR_GUEST_OS_ID, &v), 0);
	assert_true(v == id);
	assert_int_equal(t->ops->rdmsr(t, 1, HV_MSR_VP_INDEX, &v), 0);
	assert_true(v == 1);
	assert_int_equal(t->ops->rdmsr(t, 0, 0x12345678u, &v), -EINVAL);
	/* No hypercall page yet: the unpatched page would #UD. */
	assert_true(t->ops->hypercall(t, 0, HVCALL_POST_MESSAGE, 0, 0) == UINT64_MAX);
	assert_int_equal(t->ops->pio_read(t, 0, 0x1F7, 1), 0xFF);
	t->ops->pio_write(t, 0, 0x80, 1, 0x12);
	uint64_t a = t->ops->now_ns(t);
	uint64_t b = t->ops->now_ns(t);
	assert_true(b >= a);
	assert_true(t->ops->rdtsc(t) > 0);
	assert_true(t->ops->irq_fd(t, 0) >= 0);
	assert_true(t->ops->irq_fd(t, 1) >= 0);
	assert_int_equal(t->ops->irq_fd(t, 2), -1);
	assert_false(t->host_lost);
	t->ops->close(t);
}

static void test_split__garbage_bytes__dropped_then_good_client_served(void **state)
{
	struct fixture *f = *state;
	int fd = raw_connect(f->path);
	assert_true(fd >= 0);
	assert_int_equal(send(fd, "\x01\x02\x03\x04\x05", 5, MSG_NOSIGNAL), 5);
	assert_true(raw_dropped(fd));
	close(fd);
	assert_good_client(f->path);
}

static void test_split__oversized_message__dropped(void **state)
{
	struct fixture *f = *state;
	int fd = raw_connect(f->path);
	uint8_t big[1024];
	struct ctl_hello h;
	fill_hello(&h, "ws2022", 1, 4096);
	memset(big, 0, sizeof big);
	memcpy(big, &h, sizeof h);
	assert_int_equal(send(fd, big, sizeof big, MSG_NOSIGNAL), sizeof big);
	assert_true(raw_dropped(fd));
	close(fd);
	assert_good_client(f->path);
}

static void test_split__truncated_hello__dropped(void **state)
{
	struct fixture *f = *state;
	int fd = raw_connect(f->path);
	struct ctl_hello h;
	fill_hello(&h, "ws2022", 1, 4096);
	assert_int_equal(send(fd, &h, sizeof h - 1, MSG_NOSIGNAL), sizeof h - 1);
	assert_true(raw_dropped(fd));
	close(fd);
	assert_good_client(f->path);
}

static void test_split__unexpected_fds__dropped(void **state)
{
	struct fixture *f = *state;
	int base = idle_fds(f->path, f->daemon);
	assert_true(base > 0);
	int fd = raw_connect(f->path);
	struct ctl_hello h;
	fill_hello(&h, "ws2022", 1, 4096);
	int pass[2] = { STDIN_FILENO, STDOUT_FILENO };
	union { char b[CMSG_SPACE(sizeof pass)]; struct cmsghdr a; } cm;
	memset(&cm, 0, sizeof cm);
	struct iovec iov = { .iov_base = &h, .iov_len = sizeof h };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cm.b, .msg_controllen = sizeof cm.b };
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof pass);
	memcpy(CMSG_DATA(c), pass, sizeof pass);
	assert_int_equal(sendmsg(fd, &mh, MSG_NOSIGNAL), sizeof h);
	assert_true(raw_dropped(fd));
	close(fd);
	assert_good_client(f->path);
	/* The passed fds were closed again along with the connection. */
	assert_int_equal(idle_fds(f->path, f->daemon), base);
}

static void test_split__rpc_before_hello__dropped(void **state)
{
	struct fixture *f = *state;
	int fd = raw_connect(f->path);
	struct ctl_req rq;
	memset(&rq, 0, sizeof rq);
	rq.h.magic = CTL_MAGIC;
	rq.h.type = CTL_RDMSR;
	rq.h.len = sizeof rq;
	assert_int_equal(send(fd, &rq, sizeof rq, MSG_NOSIGNAL), sizeof rq);
	assert_true(raw_dropped(fd));
	close(fd);
	assert_good_client(f->path);
}

static void test_split__bad_vcpu_in_rpc__dropped(void **state)
{
	struct fixture *f = *state;
	int fd = raw_connect(f->path);
	assert_int_equal(raw_hello(fd, "ws2022", 1, 4096, NULL), 0);
	struct ctl_rep rep;
	assert_int_equal(raw_rpc(fd, CTL_RDMSR, 0, HV_MSR_VP_INDEX, &rep), 0);
	assert_int_equal(rep.status, 0);
	assert_int_equal(raw_rpc(fd, CTL_RDMSR, 1, HV_MSR_VP_INDEX, &rep), -1);
	assert_true(raw_dropped(fd));
	close(fd);
	assert_good_client(f->path);
}

static void test_split__unknown_profile__refused(void **state)
{
	struct fixture *f = *state;
	int fd = raw_connect(f->path);
	unsigned nfds = 99;
	assert_int_equal(raw_hello(fd, "ws1995", 1, 4096, &nfds), -ENOENT);
	assert_int_equal(nfds, 0);
	assert_true(raw_dropped(fd));
	close(fd);
	char err[256] = "";
	assert_null(gk_split_connect(f->path, "ws1995", 1, 4096, err, sizeof err));
	assert_non_null(strstr(err, "refused"));
}

static void test_split__bad_memory_and_cpus__refused(void **state)
{
	struct fixture *f = *state;
	static const struct { uint32_t ncpus; uint64_t mem; } bad[] = {
		{ 1, 4095 }, { 1, 0 }, { 1, CTL_MAX_MEM_BYTES + 4096 }, { 0, 4096 }, { 65, 4096 },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int fd = raw_connect(f->path);
		assert_int_equal(raw_hello(fd, "ws2022", bad[i].ncpus, bad[i].mem, NULL), -EINVAL);
		assert_true(raw_dropped(fd));
		close(fd);
	}
	assert_good_client(f->path);
}

static void test_split__max_guests__extra_refused_busy(void **state)
{
	struct fixture *f = *state;
	int fds[4];
	for (int i = 0; i < 4; i++) {
		fds[i] = raw_connect(f->path);
		assert_int_equal(raw_hello(fds[i], "ws2022", 1, 4096, NULL), 0);
	}
	int extra = raw_connect(f->path);
	assert_int_equal(raw_hello(extra, "ws2022", 1, 4096, NULL), -EBUSY);
	close(extra);
	for (int i = 0; i < 4; i++)
		close(fds[i]);
	assert_int_equal(wait_sessions(f->path, 0), 0);
}

static void test_split__peer_stops_reading__dropped(void **state)
{
	struct fixture *f = *state;
	int fd = raw_connect(f->path);
	assert_int_equal(raw_hello(fd, "ws2022", 1, 4096, NULL), 0);
	struct ctl_req rq;
	memset(&rq, 0, sizeof rq);
	rq.h.magic = CTL_MAGIC;
	rq.h.type = CTL_STATS;
	rq.h.len = sizeof rq;
	/* Requests keep coming, replies are never read: the daemon's reply
	 * queue fills and it hangs up, so our sends start failing. */
	bool dropped = false;
	for (unsigned i = 0; i < 1000000 && !dropped; i++) {
		rq.h.seq = i;
		if (send(fd, &rq, sizeof rq, MSG_NOSIGNAL | MSG_DONTWAIT) == sizeof rq)
			continue;
		if (errno == EAGAIN) {
			struct pollfd p = { .fd = fd, .events = POLLOUT };
			if (poll(&p, 1, 5000) == 0)
				break; /* the daemon stopped reading us but kept us */
			continue;
		}
		dropped = errno == EPIPE || errno == ECONNRESET;
		break;
	}
	assert_true(dropped);
	close(fd);
	assert_good_client(f->path);
}

static void test_split__guest_sigkill__session_freed(void **state)
{
	struct fixture *f = *state;
	int base = idle_fds(f->path, f->daemon);
	assert_true(base > 0);
	int ready[2];
	assert_int_equal(pipe(ready), 0);
	pid_t g = fork();
	if (g == 0) {
		char err[256];
		struct gk_transport *t = gk_split_connect(f->path, "ws2022", 4, 8 << 20, err,
							  sizeof err);
		char c = t ? 'y' : 'n';
		if (write(ready[1], &c, 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	char c = 0;
	assert_int_equal(read(ready[0], &c, 1), 1);
	assert_int_equal(c, 'y');
	/* The session holds memory, control page and 5 eventfds + socket. */
	assert_true(count_fds(f->daemon) > base);
	kill(g, SIGKILL);
	waitpid(g, NULL, 0);
	close(ready[0]);
	close(ready[1]);
	assert_int_equal(wait_sessions(f->path, 0), 0);
	assert_int_equal(idle_fds(f->path, f->daemon), base);
	assert_good_client(f->path);
}

struct irq_log {
	unsigned count;
	uint8_t  vectors[8];
	uint32_t cpus[8];
	unsigned lost;
};

static void on_irq(void *arg, uint32_t cpu, uint8_t vector)
{
	struct irq_log *l = arg;
	if (l->count < 8) {
		l->vectors[l->count] = vector;
		l->cpus[l->count] = cpu;
	}
	l->count++;
}

static void on_lost(void *arg)
{
	struct irq_log *l = arg;
	__atomic_add_fetch(&l->lost, 1, __ATOMIC_SEQ_CST);
}

/* Enable the hypercall page and SynIC on vCPU 'cpu' with SINT2 -> vector. */
static void synic_up(struct gk_transport *t, uint32_t cpu, uint8_t vector)
{
	assert_int_equal(t->ops->wrmsr(t, cpu, HV_MSR_GUEST_OS_ID,
				       HV_GUEST_OS_ID_OPENSOURCE | 1), 0);
	assert_int_equal(t->ops->wrmsr(t, cpu, HV_MSR_HYPERCALL, (1ull << 12) | 1), 0);
	assert_int_equal(t->ops->wrmsr(t, cpu, HV_MSR_SCONTROL, 1), 0);
	assert_int_equal(t->ops->wrmsr(t, cpu, HV_MSR_SIEFP, ((2ull + cpu) << 12) | 1), 0);
	assert_int_equal(t->ops->wrmsr(t, cpu, HV_MSR_SINT0 + 2, vector), 0);
}

static void wait_irq(struct gk_transport *t, uint32_t cpu)
{
	struct pollfd p = { .fd = t->ops->irq_fd(t, cpu), .events = POLLIN };
	assert_int_equal(poll(&p, 1, 5000), 1);
	t->ops->irq_drain(t, cpu);
}

static void test_split__doorbell_to_echo_port__guest_irq_runs(void **state)
{
	struct fixture *f = *state;
	char err[256] = "";
	struct gk_transport *t = gk_split_connect(f->path, "ws2022", 2, 1 << 20, err, sizeof err);
	assert_non_null(t);
	struct irq_log log = { 0 };
	t->irq = on_irq;
	t->lost = on_lost;
	t->irq_arg = &log;
	synic_up(t, 1, 0x51);
	/* Test hook: conn 7 signals SIEF flag 3 of SINT2 on vCPU 1. */
	uint64_t a[4] = { 7, 1, 2, 3 }, v[4];
	assert_int_equal(gk_split_rpc(t, CTL_ECHO_PORT, 0, a, v), 0);

	/* Fast path: no socket round trip; the doorbell reaches the port. */
	uint64_t rax = t->ops->hypercall(t, 0, HVCALL_SIGNAL_EVENT | HV_HC_FAST, 7, 0);
	assert_true(rax == HV_STATUS_SUCCESS);
	wait_irq(t, 1);
	assert_int_equal(log.count, 1);
	assert_int_equal(log.vectors[0], 0x51);
	assert_int_equal(log.cpus[0], 1);
	/* The SIEF flag is set in guest memory: SIEF page of vCPU 1 is PFN 3,
	 * SINT2's flags start at 2 * 256 bytes. */
	const uint8_t *sief = (const uint8_t *)t->mem + 3 * 4096 + 2 * 256;
	assert_int_equal(sief[0] & (1u << 3), 1u << 3);

	uint64_t st[4] = { 0 }, page1[4] = { 1, 0, 0, 0 };
	assert_int_equal(gk_split_rpc(t, CTL_STATS, 0, page1, st), 0);
	assert_true(st[CTL_STAT_DOORBELLS] == 1);

	/* A connection without a published port takes the slow path. */
	rax = t->ops->hypercall(t, 0, HVCALL_SIGNAL_EVENT | HV_HC_FAST, 9, 0);
	assert_int_equal(rax & 0xFFFF, HV_STATUS_INVALID_CONNECTION_ID);
	t->ops->close(t);
	assert_int_equal(log.lost, 0);
}

static void test_split__port_added_by_extension__doorbell_after_first_rpc(void **state)
{
	struct fixture *f = *state;
	char err[256] = "";
	struct gk_transport *t = gk_split_connect(f->path, "ws2022", 1, 1 << 20, err, sizeof err);
	assert_non_null(t);
	struct irq_log log = { 0 };
	t->irq = on_irq;
	t->irq_arg = &log;
	synic_up(t, 0, 0x52);
	uint8_t *sief = (uint8_t *)t->mem + 2 * 4096 + 2 * 256;
	uint64_t page1[4] = { 1, 0, 0, 0 }, st[4];
	for (unsigned i = 0; i < 3; i++) {
		uint64_t rax = t->ops->hypercall(t, 0, HVCALL_SIGNAL_EVENT | HV_HC_FAST, 11, 0);
		assert_true(rax == HV_STATUS_SUCCESS);
		wait_irq(t, 0);
		assert_int_equal(log.count, i + 1);
		assert_int_equal(log.vectors[i], 0x52);
		/* The guest consumes the flag so the next signal is an edge. */
		assert_int_equal(sief[0] & 1, 1);
		__atomic_fetch_and(&sief[0], (uint8_t)~1u, __ATOMIC_SEQ_CST);
		assert_int_equal(gk_split_rpc(t, CTL_STATS, 0, page1, st), 0);
		/* The first signal went by RPC and published the connection. */
		assert_true(st[CTL_STAT_DOORBELLS] == i);
	}
	t->ops->close(t);
}

static void test_split__daemon_killed__rpcs_fail_fast(void **state)
{
	struct fixture *f = *state;
	char err[256] = "";
	struct gk_transport *t = gk_split_connect(f->path, "ws2022", 1, 1 << 20, err, sizeof err);
	assert_non_null(t);
	struct irq_log log = { 0 };
	t->irq = on_irq;
	t->lost = on_lost;
	t->irq_arg = &log;
	kill(f->daemon, SIGKILL);
	waitpid(f->daemon, NULL, 0);
	f->daemon = 0;
	uint64_t t0 = now_ms();
	uint64_t v;
	assert_int_equal(t->ops->rdmsr(t, 0, HV_MSR_VP_INDEX, &v), -EIO);
	assert_int_equal(t->ops->wrmsr(t, 0, HV_MSR_SCONTROL, 1), -EIO);
	assert_true(t->ops->hypercall(t, 0, HVCALL_POST_MESSAGE, 0, 0) != HV_STATUS_SUCCESS);
	assert_int_equal(t->ops->pio_read(t, 0, 0x60, 2), 0xFFFF);
	print_message("rpcs after daemon death failed in %llu ms\n",
		      (unsigned long long)(now_ms() - t0));
	for (int i = 0; i < 500 && !__atomic_load_n(&log.lost, __ATOMIC_SEQ_CST); i++)
		sleep_ms(10);
	assert_int_equal(log.lost, 1);
	assert_true(t->host_lost);
	t->ops->close(t);
}

static void test_split__daemon_sigterm__guest_told_and_socket_removed(void **state)
{
	struct fixture *f = *state;
	char err[256] = "";
	struct gk_transport *t = gk_split_connect(f->path, "ws2022", 1, 1 << 20, err, sizeof err);
	assert_non_null(t);
	struct irq_log log = { 0 };
	t->lost = on_lost;
	t->irq_arg = &log;
	int status = -1;
	kill(f->daemon, SIGTERM);
	waitpid(f->daemon, &status, 0);
	f->daemon = 0;
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(access(f->path, F_OK), -1);
	for (int i = 0; i < 500 && !__atomic_load_n(&log.lost, __ATOMIC_SEQ_CST); i++)
		sleep_ms(10);
	assert_int_equal(log.lost, 1);
	uint64_t v;
	assert_int_equal(t->ops->rdmsr(t, 0, HV_MSR_VP_INDEX, &v), -EIO);
	t->ops->close(t);
}

static void test_split__second_daemon__refused_first_unaffected(void **state)
{
	struct fixture *f = *state;
	struct hostd_config cfg = { .socket_path = f->path };
	char err[256] = "";
	int code = 0;
	assert_null(hostd_create(&cfg, err, sizeof err, &code));
	assert_int_equal(code, 1);
	assert_non_null(strstr(err, "already serves"));
	assert_good_client(f->path);
}

static void test_split__long_socket_path__refused_exit_2(void **state)
{
	char path[200];
	memset(path, 'a', sizeof path - 1);
	path[0] = '/';
	path[sizeof path - 1] = '\0';
	struct hostd_config cfg = { .socket_path = path };
	char err[256] = "";
	int code = 0;
	assert_null(hostd_create(&cfg, err, sizeof err, &code));
	assert_int_equal(code, 2);
	assert_non_null(strstr(err, "at most 107"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_split__hello_and_rpcs__answered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_split__garbage_bytes__dropped_then_good_client_served, setup, teardown),
		cmocka_unit_test_setup_teardown(test_split__oversized_message__dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_split__truncated_hello__dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_split__unexpected_fds__dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_split__rpc_before_hello__dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_split__bad_vcpu_in_rpc__dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_split__unknown_profile__refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_split__bad_memory_and_cpus__refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_split__max_guests__extra_refused_busy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_split__peer_stops_reading__dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_split__guest_sigkill__session_freed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_split__doorbell_to_echo_port__guest_irq_runs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_split__port_added_by_extension__doorbell_after_first_rpc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_split__daemon_killed__rpcs_fail_fast, setup, teardown),
		cmocka_unit_test_setup_teardown(test_split__daemon_sigterm__guest_told_and_socket_removed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_split__second_daemon__refused_first_unaffected, setup, teardown),
		cmocka_unit_test(test_split__long_socket_path__refused_exit_2),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
