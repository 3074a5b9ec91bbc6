/* test_split_transport.c -- the guest end of the split transport against a
 * scripted fake daemon: malformed HELLO replies, missing or wrong fds,
 * replies with the wrong sequence number, a daemon that never answers.
 * The guest must fail cleanly, leak no fd and never hang. */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "hyperv/hv_tlfs.h"
#include "sim/guest/transport.h"
#include "sim/guest/transport_split.h"
#include "sim/hostd/daemon/ctl_proto.h"

enum script {
	SC_GOOD,          /* a correct HELLO reply, then echo RPCs correctly */
	SC_NO_FDS,        /* HELLO reply without fds */
	SC_SHORT_REPLY,   /* HELLO reply one byte short */
	SC_REFUSED,       /* HELLO status -EBUSY */
	SC_SMALL_MEMFD,   /* memory fd smaller than announced */
	SC_BAD_SEQ,       /* good HELLO, then an RPC reply with the wrong seq */
	SC_SILENT_RPC,    /* good HELLO, then never answers an RPC */
};

struct fake {
	char      dir[64];
	char      path[96];
	int       lfd;
	enum script sc;
	pthread_t th;
	int       conn;
};

#define MEM (64u << 10)

static int make_memfd(size_t size)
{
	int fd = memfd_create("fake", MFD_CLOEXEC);
	if (fd >= 0 && ftruncate(fd, (off_t)size) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void send_hello_reply(struct fake *f, const struct ctl_hello *h)
{
	struct ctl_hello_reply rep;
	memset(&rep, 0, sizeof rep);
	rep.h.magic = CTL_MAGIC;
	rep.h.type = CTL_HELLO | CTL_REPLY;
	rep.h.len = sizeof rep;
	rep.h.seq = h->h.seq;
	rep.nfds = CTL_FD_VCPU0 + h->ncpus;
	rep.mem_bytes = h->mem_bytes;
	rep.ctl_bytes = CTL_PAGE_BYTES;
	rep.tsc_hz = 2500000000u;
	if (f->sc == SC_REFUSED) {
		rep.status = -EBUSY;
		rep.nfds = 0;
	}
	int fds[CTL_MAX_FDS];
	unsigned nfds = 0;
	if (f->sc != SC_NO_FDS && f->sc != SC_REFUSED) {
		fds[nfds++] = make_memfd(f->sc == SC_SMALL_MEMFD ? 4096 : h->mem_bytes);
		fds[nfds++] = make_memfd(CTL_PAGE_BYTES);
		struct ctl_page *cp = mmap(NULL, CTL_PAGE_BYTES, PROT_READ | PROT_WRITE,
					   MAP_SHARED, fds[1], 0);
		cp->cp_magic = CTL_MAGIC;
		cp->cp_version = CTL_PROTO_VERSION;
		cp->cp_ncpus = h->ncpus;
		cp->cp_tsc_hz = rep.tsc_hz;
		munmap(cp, CTL_PAGE_BYTES);
		for (unsigned i = 0; i < 1 + h->ncpus; i++)
			fds[nfds++] = eventfd(0, EFD_CLOEXEC);
	}
	union { char b[CMSG_SPACE(sizeof(int) * CTL_MAX_FDS)]; struct cmsghdr a; } cm;
	memset(&cm, 0, sizeof cm);
	struct iovec iov = { .iov_base = &rep,
			     .iov_len = sizeof rep - (f->sc == SC_SHORT_REPLY) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (nfds) {
		mh.msg_control = cm.b;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	}
	(void)sendmsg(f->conn, &mh, MSG_NOSIGNAL);
	for (unsigned i = 0; i < nfds; i++)
		close(fds[i]);
}

static void *fake_main(void *arg)
{
	struct fake *f = arg;
	f->conn = accept4(f->lfd, NULL, NULL, SOCK_CLOEXEC);
	if (f->conn < 0)
		return NULL;
	uint8_t buf[CTL_MSG_MAX];
	for (;;) {
		ssize_t n = recv(f->conn, buf, sizeof buf, 0);
		if (n <= 0)
			break;
		struct ctl_hdr h;
		memcpy(&h, buf, sizeof h);
		if (h.type == CTL_HELLO && n == sizeof(struct ctl_hello)) {
			struct ctl_hello hello;
			memcpy(&hello, buf, sizeof hello);
			send_hello_reply(f, &hello);
			continue;
		}
		if (f->sc == SC_SILENT_RPC)
			continue;
		struct ctl_rep rep;
		memset(&rep, 0, sizeof rep);
		rep.h = h;
		rep.h.type = (uint16_t)(h.type | CTL_REPLY);
		rep.h.len = sizeof rep;
		if (f->sc == SC_BAD_SEQ)
			rep.h.seq += 5;
		rep.v[0] = 0x1234;
		(void)send(f->conn, &rep, sizeof rep, MSG_NOSIGNAL);
	}
	return NULL;
}

static struct fake *fake_start(enum script sc)
{
	struct fake *f = calloc(1, sizeof *f);
	snprintf(f->dir, sizeof f->dir, "/tmp/hvsim-fake-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof f->path, "%s/s", f->dir);
	f->sc = sc;
	f->conn = -1;
	f->lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	struct sockaddr_un sa;
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", f->path);
	assert_int_equal(bind(f->lfd, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(listen(f->lfd, 4), 0);
	assert_int_equal(pthread_create(&f->th, NULL, fake_main, f), 0);
	return f;
}

static void fake_stop(struct fake *f)
{
	shutdown(f->lfd, SHUT_RDWR);
	if (f->conn >= 0)
		shutdown(f->conn, SHUT_RDWR);
	pthread_join(f->th, NULL);
	if (f->conn >= 0)
		close(f->conn);
	close(f->lfd);
	unlink(f->path);
	rmdir(f->dir);
	free(f);
}

static int count_my_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;
	for (struct dirent *e; (e = readdir(d));)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* the DIR itself */
}

static void expect_connect_fails(enum script sc, const char *needle)
{
	int before = count_my_fds();
	struct fake *f = fake_start(sc);
	char err[256] = "";
	struct gk_transport *t = gk_split_connect(f->path, "ws2022", 2, MEM, err, sizeof err);
	assert_null(t);
	assert_non_null(strstr(err, needle));
	fake_stop(f);
	assert_int_equal(count_my_fds(), before);
}

static void test_split_transport__hello_reply_without_fds__connect_fails(void **state)
{
	expect_connect_fails(SC_NO_FDS, "malformed");
}

static void test_split_transport__hello_reply_short__connect_fails(void **state)
{
	expect_connect_fails(SC_SHORT_REPLY, "no HELLO reply");
}

static void test_split_transport__hello_refused__connect_fails_with_reason(void **state)
{
	expect_connect_fails(SC_REFUSED, "refused");
}

static void test_split_transport__memfd_smaller_than_announced__connect_fails(void **state)
{
	expect_connect_fails(SC_SMALL_MEMFD, "malformed");
}

static void test_split_transport__bad_arguments__refused_locally(void **state)
{
	char err[256];
	assert_null(gk_split_connect("/nonexistent/x", "ws2022", 1, MEM, err, sizeof err));
	assert_non_null(strstr(err, "connect"));
	assert_null(gk_split_connect("/tmp/x", "ws2022", 0, MEM, err, sizeof err));
	assert_null(gk_split_connect("/tmp/x", "ws2022", 65, MEM, err, sizeof err));
	assert_null(gk_split_connect("/tmp/x", "ws2022", 1, 4097, err, sizeof err));
	char longp[200];
	memset(longp, 'p', sizeof longp - 1);
	longp[sizeof longp - 1] = '\0';
	assert_null(gk_split_connect(longp, "ws2022", 1, MEM, err, sizeof err));
}

static unsigned lost_calls;
static void on_lost(void *arg) { __atomic_add_fetch(&lost_calls, 1, __ATOMIC_SEQ_CST); }

static void wait_lost(void)
{
	for (int i = 0; i < 1000 && !__atomic_load_n(&lost_calls, __ATOMIC_SEQ_CST); i++)
		usleep(5000);
}

static void test_split_transport__reply_with_wrong_seq__host_lost(void **state)
{
	struct fake *f = fake_start(SC_BAD_SEQ);
	char err[256] = "";
	struct gk_transport *t = gk_split_connect(f->path, "ws2022", 1, MEM, err, sizeof err);
	assert_non_null(t);
	lost_calls = 0;
	t->lost = on_lost;
	uint64_t v = 0;
	assert_int_equal(t->ops->rdmsr(t, 0, HV_MSR_VP_INDEX, &v), -EIO);
	assert_true(t->host_lost);
	wait_lost();
	assert_int_equal(lost_calls, 1);
	/* Everything after fails fast without touching the socket. */
	assert_int_equal(t->ops->wrmsr(t, 0, HV_MSR_SCONTROL, 1), -EIO);
	assert_int_equal(t->ops->hypercall(t, 0, HVCALL_POST_MESSAGE, 0, 0) & 0xFFFF,
			 HV_STATUS_INVALID_PARTITION_STATE);
	uint32_t regs[4] = { 1, 1, 1, 1 };
	t->ops->cpuid(t, 0, 0x40000000u, 0, regs);
	assert_int_equal(regs[0] | regs[1] | regs[2] | regs[3], 0);
	t->ops->close(t);
	fake_stop(f);
}

static void test_split_transport__host_never_answers__rpc_times_out(void **state)
{
	struct fake *f = fake_start(SC_SILENT_RPC);
	char err[256] = "";
	struct gk_transport *t = gk_split_connect(f->path, "ws2022", 1, MEM, err, sizeof err);
	assert_non_null(t);
	lost_calls = 0;
	t->lost = on_lost;
	uint64_t v = 0;
	assert_int_equal(t->ops->rdmsr(t, 0, HV_MSR_VP_INDEX, &v), -EIO);
	assert_true(t->host_lost);
	wait_lost();
	assert_int_equal(lost_calls, 1);
	t->ops->close(t);
	fake_stop(f);
}

static void test_split_transport__good_fake__rpc_and_clock_work(void **state)
{
	struct fake *f = fake_start(SC_GOOD);
	char err[256] = "";
	struct gk_transport *t = gk_split_connect(f->path, "ws2022", 2, MEM, err, sizeof err);
	assert_non_null(t);
	uint64_t v = 0;
	assert_int_equal(t->ops->rdmsr(t, 1, HV_MSR_VP_INDEX, &v), 0);
	assert_true(v == 0x1234);
	/* Origin 0 in the fake page: guest time is CLOCK_MONOTONIC itself and
	 * the TSC follows it at 2.5 GHz. */
	uint64_t ns = t->ops->now_ns(t);
	uint64_t tsc = t->ops->rdtsc(t);
	assert_true(tsc >= ns * 2 && tsc > ns);
	/* Unpublished connection: the doorbell is not used, the RPC is. */
	assert_true(t->ops->hypercall(t, 0, HVCALL_SIGNAL_EVENT | HV_HC_FAST, 3, 0) == 0x1234);
	t->ops->close(t);
	fake_stop(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_transport__hello_reply_without_fds__connect_fails),
		cmocka_unit_test(test_split_transport__hello_reply_short__connect_fails),
		cmocka_unit_test(test_split_transport__hello_refused__connect_fails_with_reason),
		cmocka_unit_test(test_split_transport__memfd_smaller_than_announced__connect_fails),
		cmocka_unit_test(test_split_transport__bad_arguments__refused_locally),
		cmocka_unit_test(test_split_transport__reply_with_wrong_seq__host_lost),
		cmocka_unit_test(test_split_transport__host_never_answers__rpc_times_out),
		cmocka_unit_test(test_split_transport__good_fake__rpc_and_clock_work),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
