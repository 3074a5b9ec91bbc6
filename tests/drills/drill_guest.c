/* drill_guest.c -- a guest worker of the drills: a forked process that
 * connects to hvsim-hostd over the split transport, boots, and loops on
 * real traffic (VMBus connect / IC channel open + negotiate / close /
 * UNLOAD cycles, or control RPC round trips), counting into its shared
 * slot; on a lost host it tears down and, if asked, connects again. */
#include "tests/drills/drill.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/guest/guest_actions.h"
#include "sim/guest/guest_ic.h"
#include "sim/guest/guest_vmbus.h"
#include "sim/guest/runtime.h"
#include "sim/guest/transport.h"
#include "sim/guest/transport_split.h"
#include "sim/hostd/daemon/ctl_proto.h"

static void op_begin(struct dr_slot *s)
{
	s->op_start_ns = dr_now_ns();
	__atomic_store_n(&s->in_op, 1, __ATOMIC_SEQ_CST);
}

static void op_end(struct dr_slot *s)
{
	s->op_end_ns = dr_now_ns();
	__atomic_store_n(&s->in_op, 0, __ATOMIC_SEQ_CST);
}

/* One VMBus cycle: IC drivers up, VMBus connect (offers, GPADLs, opens,
 * IC negotiation on four channels), a short wait, then everything down
 * again (close, GPADL teardown, UNLOAD).  0, or a negative errno. */
static int vmbus_cycle(struct gk_runtime *rt, struct gk_vmbus_report *vr)
{
	int rc = gk_guest_ic_start(rt, NULL);
	if (rc)
		return rc;
	rc = gk_guest_vmbus_connect(rt, 0, false, vr);
	if (rc == 0 && vr->status)
		rc = vr->status < 0 ? vr->status : -EIO;
	unsigned attached = 0;
	for (uint32_t i = 0; rc == 0 && i < vr->noffers && i < GK_VMBUS_MAX_OFFERS; i++)
		if (vr->offer[i].driver[0])
			attached++;
	if (rc == 0 && attached < 4)
		rc = -ENXIO;
	if (rc == 0)
		rc = gk_guest_sleep(rt, 2000000);
	int rc2 = gk_guest_ic_stop(rt);
	int rc3 = gk_guest_vmbus_disconnect(rt);
	return rc ? rc : rc2 ? rc2 : rc3;
}

static int rpc_burst(struct gk_transport *t, struct dr_slot *s, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		uint64_t a[4] = { 1, 0, 0, 0 }, v[4];
		int rc = gk_split_rpc(t, CTL_STATS, 0, a, v);
		if (rc)
			return rc;
		s->rpcs++;
	}
	return 0;
}

/* One session: connect, boot, loop until stop or a lost host.  Returns 0
 * when stopped, -ENODEV when the host went away, another -errno when the
 * session could not start. */
static int session(struct dr_slot *s, const struct dr_worker_cfg *cfg,
		   struct gk_vmbus_report *vr)
{
	char err[256];
	if (cfg->work == DR_WORK_IO) {
		/* The daemon builds this guest's NIC and LUN from what it was
		 * told for our pid before HELLO (a restarted one forgot). */
		int drc = dr_io_devices(cfg->sock, cfg->devices);
		if (drc) {
			snprintf(s->msg, sizeof s->msg, "guest.devices: %s", strerror(-drc));
			return -ECONNREFUSED;
		}
	}
	struct gk_transport *t = gk_split_connect(cfg->sock, DR_PROFILE, cfg->ncpus ? cfg->ncpus : 1,
						  DR_GUEST_MEM, err, sizeof err);
	if (!t) {
		snprintf(s->msg, sizeof s->msg, "%.150s", err);
		return -ECONNREFUSED;
	}
	struct gk_runtime_config rcfg = { .sched = GK_SCHED_THREADS, .seed = 1, .log_level = 0 };
	struct gk_runtime *rt = gk_runtime_create(t, &rcfg);
	int rc = -ENOMEM;
	bool io_up = false;
	if (!rt)
		goto out;
	struct gk_boot_report *br = calloc(1, sizeof *br);
	rc = br ? gk_guest_boot(rt, br) : -ENOMEM;
	if (rc == 0 && br->status)
		rc = br->status;
	free(br);
	if (rc) {
		snprintf(s->msg, sizeof s->msg, "boot: %s", strerror(-rc));
		goto out;
	}
	if (cfg->work == DR_WORK_IO) {
		io_up = true;
		rc = dr_io_up(rt, s, vr);
		if (rc) {
			snprintf(s->msg, sizeof s->msg, "disk/net up: %s", strerror(-rc));
			goto out;
		}
	}
	s->sessions++;
	s->up_ns = dr_now_ns();
	s->state = DR_W_RUNNING;
	bool odd = false;
	while (!s->stop) {
		op_begin(s);
		bool cycle = cfg->work == DR_WORK_CYCLE || (cfg->work == DR_WORK_MIXED && odd);
		bool io = cfg->work == DR_WORK_IO;
		rc = io ? dr_io_round(rt, s) : cycle ? vmbus_cycle(rt, vr) : rpc_burst(t, s, 64);
		op_end(s);
		odd = !odd;
		if (t->host_lost) {
			rc = -ENODEV;
			break;
		}
		if (rc) {
			s->errors++;
			s->last_err = rc;
			if (io)
				continue; /* dr_io_round wrote the message */
			snprintf(s->msg, sizeof s->msg, "%s failed: %s",
				 io ? "disk/net round" : cycle ? "cycle" : "rpc", strerror(-rc));
			continue;
		}
		if (cycle)
			s->cycles++;
	}
	if (rc != -ENODEV)
		rc = 0;
out:
	if (t->host_lost && !s->lost_ns)
		s->lost_ns = dr_now_ns();
	if (t->host_lost)
		rc = -ENODEV;
	if (rt && io_up)
		dr_io_down(rt, !t->host_lost);
	if (rt && (s->sessions || io_up)) {
		/* A dead host is a rescind of everything: the guest tears its
		 * drivers and platform down (every wait fails at once), so the
		 * next boot starts clean.  Without this, hyperv_init says
		 * -EBUSY to the fresh boot. */
		(void)gk_guest_ic_stop(rt);
		(void)gk_guest_vmbus_disconnect(rt);
		(void)gk_guest_shutdown(rt);
		s->dma_pages = gk_dma_pages_used();
	}
	gk_runtime_destroy(rt);
	t->ops->close(t);
	return rc;
}

static void worker_main(struct dr_slot *s, const struct dr_worker_cfg *cfg)
{
	/* Die with the drill: a worker must never outlive it. */
	signal(SIGPIPE, SIG_IGN);
	s->pid = getpid();
	if (cfg->log) {
		int fd = open(cfg->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (fd >= 0) {
			dup2(fd, 2);
			close(fd);
		}
	}
	struct gk_vmbus_report *vr = calloc(1, sizeof *vr);
	if (!vr)
		_exit(1);
	uint64_t give_up = 0;
	for (;;) {
		int rc = session(s, cfg, vr);
		if (rc == 0) {
			s->state = DR_W_DONE;
			break;
		}
		if (rc == -ENODEV)
			s->state = DR_W_LOST;
		if (!cfg->reconnect || s->stop) {
			s->state = rc == -ENODEV ? DR_W_LOST : DR_W_FAILED;
			break;
		}
		/* Reconnect: a fresh HELLO and a fresh boot in this process,
		 * retried while the daemon is away, for reconnect_for_ns after
		 * the host was lost. */
		if (rc == -ENODEV || !give_up)
			give_up = dr_now_ns() + cfg->reconnect_for_ns;
		if (dr_now_ns() > give_up) {
			s->state = DR_W_FAILED;
			break;
		}
		dr_sleep_ms(20);
	}
	free(vr);
	/* _exit: skip LeakSanitizer's exit scan of a process whose runtime may
	 * have been torn down under a lost host (the drill reports leaks of
	 * the daemon, the thing under test). */
	_exit(0);
}

pid_t dr_worker_spawn(struct dr_slot *s, const struct dr_worker_cfg *cfg)
{
	memset(s, 0, sizeof *s);
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid == 0)
		worker_main(s, cfg);
	if (pid > 0)
		s->pid = pid;
	return pid;
}

int dr_workers_wait_up(struct dr_slot *s, unsigned n, unsigned timeout_ms)
{
	uint64_t deadline = dr_now_ns() + (uint64_t)timeout_ms * 1000000u;
	while (dr_now_ns() < deadline) {
		unsigned up = 0;
		for (unsigned i = 0; i < n; i++) {
			if (s[i].state == DR_W_FAILED) {
				dr_log("worker %u failed: %s", i, s[i].msg);
				return -1;
			}
			if (s[i].state == DR_W_RUNNING && dr_progress(&s[i]))
				up++;
		}
		if (up == n)
			return 0;
		dr_sleep_ms(10);
	}
	for (unsigned i = 0; i < n; i++)
		if (s[i].state != DR_W_RUNNING)
			dr_log("worker %u not up (state %u): %s", i, s[i].state, s[i].msg);
	return -1;
}

void dr_workers_stop(struct dr_slot *s, unsigned n, unsigned timeout_ms)
{
	for (unsigned i = 0; i < n; i++)
		s[i].stop = 1;
	uint64_t deadline = dr_now_ns() + (uint64_t)timeout_ms * 1000000u;
	for (unsigned i = 0; i < n; i++) {
		if (s[i].pid <= 0)
			continue;
		for (;;) {
			int st;
			pid_t r = waitpid(s[i].pid, &st, WNOHANG);
			if (r != 0)
				break;
			if (dr_now_ns() > deadline) {
				dr_log("worker %u (pid %d) did not stop: killed", i, (int)s[i].pid);
				dr_kill_wait(s[i].pid, SIGKILL);
				break;
			}
			dr_sleep_ms(5);
		}
		s[i].pid = 0;
	}
}
