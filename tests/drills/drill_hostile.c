/* drill_hostile.c -- drill 4: hostile guests against one daemon serving
 * well-behaved ones.  Two good split guests (one doing control RPCs, one
 * doing VMBus cycles) are measured alone, then again while several
 * processes abuse the guest socket: random bytes, oversized datagrams,
 * HELLO floods (sessions made and dropped), HELLO twice, fd passing (many
 * fds, truncated control data), RPC floods that never read a reply,
 * connection churn.  The daemon must survive, the good guests must never
 * fail, the resources must come back to the baseline afterwards; the drill
 * prints the good guests' throughput ratio (no timed assertion). */
#include "tests/drills/drill.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/hostd/daemon/ctl_proto.h"

enum { HA_RANDOM, HA_OVERSIZED, HA_HELLO_FLOOD, HA_HELLO_TWICE, HA_FDS, HA_RPC_FLOOD,
       HA_CHURN, HA_KINDS };
static const char *const ha_names[HA_KINDS] = {
	"random bytes", "oversized datagrams", "HELLO flood", "HELLO twice", "fd passing",
	"RPC flood without reading", "connection churn",
};

static int ha_connect(const char *sock)
{
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	struct sockaddr_un sa;
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", sock);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		close(fd);
		return -1;
	}
	struct timeval tv = { .tv_sec = 0, .tv_usec = 200000 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	return fd;
}

static void ha_hello(struct ctl_hello *h, uint64_t mem)
{
	memset(h, 0, sizeof *h);
	h->h.magic = CTL_MAGIC;
	h->h.type = CTL_HELLO;
	h->h.len = sizeof *h;
	h->h.seq = 1;
	h->version = CTL_PROTO_VERSION;
	h->ncpus = 1 + (uint32_t)dr_rand(4);
	h->mem_bytes = mem;
	snprintf(h->profile, sizeof h->profile, "%s", DR_PROFILE);
}

/* Receive (and close) whatever fds a HELLO reply carries. */
static void ha_drain(int fd)
{
	uint8_t buf[256];
	union {
		char b[CMSG_SPACE(sizeof(int) * CTL_MAX_FDS)];
		struct cmsghdr a;
	} cm;
	struct iovec iov = { buf, sizeof buf };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cm.b,
			     .msg_controllen = sizeof cm.b };
	if (recvmsg(fd, &mh, MSG_CMSG_CLOEXEC) <= 0)
		return;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
			for (size_t i = 0; i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++) {
				int x;
				memcpy(&x, CMSG_DATA(c) + i * sizeof(int), sizeof x);
				close(x);
			}
}

static void ha_send_fds(int fd, unsigned nfds)
{
	int fds[250];
	unsigned n = nfds < 250 ? nfds : 250;
	int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	for (unsigned i = 0; i < n; i++)
		fds[i] = devnull;
	union {
		char b[CMSG_SPACE(sizeof(int) * 250)];
		struct cmsghdr a;
	} cm;
	memset(&cm, 0, sizeof cm);
	struct ctl_hello h;
	ha_hello(&h, 1 << 20);
	struct iovec iov = { &h, sizeof h };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cm.b,
			     .msg_controllen = CMSG_SPACE(sizeof(int) * n) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int) * n);
	memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
	(void)sendmsg(fd, &mh, MSG_NOSIGNAL);
	close(devnull);
}

/* One attack; returns after the daemon dropped us or we gave up. */
static void ha_attack(const char *sock, unsigned kind, volatile uint64_t *sent)
{
	int fd = ha_connect(sock);
	if (fd < 0) {
		dr_sleep_ms(5);
		return;
	}
	uint8_t buf[65536];
	struct ctl_hello h;
	switch (kind) {
	case HA_RANDOM:
		for (int i = 0; i < 64; i++) {
			size_t len = 1 + dr_rand(CTL_MSG_MAX + 16);
			for (size_t j = 0; j < len; j++)
				buf[j] = (uint8_t)dr_rand(256);
			if (dr_rand(2)) /* a plausible header half the time */
				memcpy(buf, &(uint32_t){ CTL_MAGIC }, 4);
			if (send(fd, buf, len, MSG_NOSIGNAL) < 0)
				break;
			(*sent)++;
		}
		break;
	case HA_OVERSIZED:
		memset(buf, 0x41, sizeof buf);
		if (send(fd, buf, 1024 + dr_rand(sizeof buf - 1024), MSG_NOSIGNAL) > 0)
			(*sent)++;
		break;
	case HA_HELLO_FLOOD:
		ha_hello(&h, (1 + dr_rand(64)) << 20);
		if (send(fd, &h, sizeof h, MSG_NOSIGNAL) > 0)
			(*sent)++;
		if (dr_rand(2))
			ha_drain(fd);
		break;
	case HA_HELLO_TWICE:
		ha_hello(&h, 1 << 20);
		for (int i = 0; i < 3; i++)
			if (send(fd, &h, sizeof h, MSG_NOSIGNAL) > 0)
				(*sent)++;
		ha_drain(fd);
		break;
	case HA_FDS:
		ha_send_fds(fd, dr_rand(2) ? 3 : 200); /* 200: more than the daemon's cmsg room */
		(*sent)++;
		break;
	case HA_RPC_FLOOD: {
		ha_hello(&h, 1 << 20);
		if (send(fd, &h, sizeof h, MSG_NOSIGNAL) < 0)
			break;
		ha_drain(fd);
		struct ctl_req rq;
		memset(&rq, 0, sizeof rq);
		rq.h.magic = CTL_MAGIC;
		rq.h.type = CTL_STATS;
		rq.h.len = sizeof rq;
		rq.a[0] = 1;
		for (int i = 0; i < 4096; i++) {
			rq.h.seq = (uint32_t)i;
			if (send(fd, &rq, sizeof rq, MSG_NOSIGNAL) < 0)
				break;
			(*sent)++;
		}
		break;
	}
	case HA_CHURN:
	default:
		(*sent)++;
		break;
	}
	/* Wait for the daemon's verdict a little (a drop is an EOF). */
	if (kind != HA_CHURN && kind != HA_HELLO_FLOOD)
		(void)recv(fd, buf, 16, 0);
	close(fd);
}

struct ha_slot {
	volatile uint32_t stop;
	volatile uint64_t sent;
};

static pid_t ha_spawn(const char *sock, unsigned kind, struct ha_slot *hs, uint64_t seed)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		signal(SIGPIPE, SIG_IGN);
		dr_rand_seed(seed);
		while (!hs->stop)
			ha_attack(sock, kind, &hs->sent);
		_exit(0);
	}
	return pid;
}

struct rates {
	double rpcs, cycles, ios, net;
};

static struct rates measure(struct dr_slot *g, unsigned secs)
{
	uint64_t r0 = g[0].rpcs, c0 = g[1].cycles, i0 = g[2].ios, n0 = g[2].net_recv;
	uint64_t t0 = dr_now_ns();
	dr_sleep_ms(secs * 1000u);
	double dt = (double)(dr_now_ns() - t0) / 1e9;
	return (struct rates){ (double)(g[0].rpcs - r0) / dt, (double)(g[1].cycles - c0) / dt,
			       (double)(g[2].ios - i0) / dt, (double)(g[2].net_recv - n0) / dt };
}

/* The good guests: RPCs, VMBus cycles, disk + network. */
#define NGOOD 3u

int drill_hostile(int argc, char **argv)
{
	struct dr_opts o;
	if (dr_parse_opts(argc, argv, &o))
		return -1;
	unsigned nh = o.guests ? o.guests : o.lng ? HA_KINDS * 2 : HA_KINDS;
	unsigned secs = o.secs ? o.secs : o.lng ? 20 : 2;
	struct dr_paths pa;
	if (dr_paths_init(&pa, o.dir))
		return -1;
	const char *dir = pa.dir, *sock = pa.sock, *ctl = pa.ctl, *log = pa.log, *glog = pa.glog;
	dr_log("hostile: %u hostile processes, %u s per phase, seed %llu", nh, secs,
	       (unsigned long long)o.seed);
	int fails = 0;
	pid_t hd = dr_hostd_start(o.hostd, sock, log, NULL);
	struct dr_slot *g = dr_slots_new(NGOOD);
	pid_t hp[HA_KINDS * 4];
	if (nh > sizeof hp / sizeof hp[0])
		nh = sizeof hp / sizeof hp[0];
	/* the attackers' counters, shared (a dr_slot is larger than an ha_slot) */
	struct ha_slot *hsl = (struct ha_slot *)dr_slots_new(nh);
	if (hd < 0 || !g || !hsl) {
		dr_log("FAIL: cannot start %s", o.hostd);
		return 1;
	}
	struct dr_worker_cfg wc = { .sock = sock, .work = DR_WORK_RPC, .ncpus = 1, .log = glog };
	dr_worker_spawn(&g[0], &wc);
	wc.work = DR_WORK_CYCLE;
	dr_worker_spawn(&g[1], &wc);
	wc.work = DR_WORK_IO;  /* storvsc + hn on its own LUN and NIC */
	dr_worker_spawn(&g[2], &wc);
	if (dr_workers_wait_up(g, NGOOD, 60000)) {
		dr_log("FAIL: good guests did not come up");
		fails++;
		goto out;
	}
	dr_sleep_ms(200);
	int fds0 = dr_proc_fds(hd), maps0 = dr_proc_memfd_maps(hd);
	int64_t drop0 = 0;
	dr_ctl(ctl, "{\"cmd\":\"daemon\"}", "dropped", &drop0);
	struct rates alone = measure(g, secs);
	struct ha_slot *hv = hsl;
	for (unsigned i = 0; i < nh; i++)
		hp[i] = ha_spawn(sock, i % HA_KINDS, &hv[i], dr_rand(0) | 1);
	dr_sleep_ms(100);
	struct rates attacked = measure(g, secs);
	int fds_mid = dr_proc_fds(hd);
	for (unsigned i = 0; i < nh; i++)
		hv[i].stop = 1;
	for (unsigned i = 0; i < nh; i++)
		waitpid(hp[i], NULL, 0);
	if (!dr_alive(hd)) {
		dr_log("FAIL: the daemon died under attack");
		fails++;
		hd = -1;
		goto out;
	}
	int64_t drop1 = 0;
	dr_ctl(ctl, "{\"cmd\":\"daemon\"}", "dropped", &drop1);
	for (unsigned k = 0; k < HA_KINDS; k++) {
		uint64_t sent = 0;
		for (unsigned i = k; i < nh; i += HA_KINDS)
			sent += hv[i].sent;
		dr_log("  %-28s %10llu messages", ha_names[k], (unsigned long long)sent);
	}
	dr_log("daemon dropped %lld connections for bad input; fds %d -> %d under attack",
	       (long long)(drop1 - drop0), fds0, fds_mid);
	/* Back to the baseline once the attackers are gone. */
	uint64_t t0 = dr_now_ns();
	int fds = -1, maps = -1;
	int64_t sess = -1;
	while (dr_now_ns() - t0 < 15000000000ull) {
		fds = dr_proc_fds(hd);
		maps = dr_proc_memfd_maps(hd);
		if (fds == fds0 && maps == maps0)
			break;
		dr_sleep_ms(10);
	}
	dr_ctl_sessions(ctl, &sess, NULL);
	dr_log("after the attack: fds %d (baseline %d), memfd maps %d (%d), sessions %lld, "
	       "after %.1f ms", fds, fds0, maps, maps0, (long long)sess,
	       (double)(dr_now_ns() - t0) / 1e6);
	if (fds != fds0 || maps != maps0 || sess != NGOOD) {
		dr_log("FAIL: resources did not come back to the baseline");
		fails++;
	}
	dr_log("good guest RPCs/s: %.0f alone, %.0f under attack: ratio %.2f", alone.rpcs,
	       attacked.rpcs, alone.rpcs > 0 ? attacked.rpcs / alone.rpcs : 0);
	dr_log("good guest VMBus cycles/s: %.1f alone, %.1f under attack: ratio %.2f",
	       alone.cycles, attacked.cycles, alone.cycles > 0 ? attacked.cycles / alone.cycles : 0);
	dr_log("good guest disk I/Os/s: %.0f alone, %.0f under attack: ratio %.2f; UDP echoes/s: "
	       "%.0f alone, %.0f under attack", alone.ios, attacked.ios,
	       alone.ios > 0 ? attacked.ios / alone.ios : 0, alone.net, attacked.net);
	for (unsigned i = 0; i < NGOOD; i++)
		if (g[i].errors || g[i].state != DR_W_RUNNING) {
			dr_log("FAIL: good guest %u: state %u, %llu errors (%s)", i, g[i].state,
			       (unsigned long long)g[i].errors, g[i].msg);
			fails++;
		}
out:
	dr_workers_stop(g, NGOOD, 20000);
	if (hd > 0) {
		kill(hd, SIGTERM);
		int st = 0;
		waitpid(hd, &st, 0);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			dr_log("FAIL: daemon exit status %#x after SIGTERM", st);
			fails++;
		}
	}
	if (dr_log_clean(log)) {
		dr_log("FAIL: sanitizer findings in %s", log);
		fails++;
	}
	dr_slots_free(g, NGOOD);
	dr_slots_free((struct dr_slot *)hsl, nh);
	if (!o.dir && !fails)
		dr_rmtree(dir);
	else
		dr_log("files kept in %s", dir);
	dr_log("hostile: %s", fails ? "FAILED" : "passed");
	return fails ? 1 : 0;
}
