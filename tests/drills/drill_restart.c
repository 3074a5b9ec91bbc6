/* drill_restart.c -- drill 2: hvsim-hostd killed (SIGKILL) and restarted
 * under load.  Guests run VMBus cycles and RPCs; at a random moment the
 * daemon dies.  Every guest must see the host gone and have its in-flight
 * operation return (done or failed) within 5 s -- no hang -- and then
 * reconnect to the new daemon: a fresh HELLO and a fresh boot in the same
 * process (the split transport has no session resume; RELIABILITY.md 4.2
 * "reset semantics"). */
#include "tests/drills/drill.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define NOTICE_LIMIT_NS   5000000000ull   /* the promise */
#define RECONNECT_WAIT_NS 60000000000ull

int drill_daemon_restart(int argc, char **argv)
{
	struct dr_opts o;
	if (dr_parse_opts(argc, argv, &o))
		return -1;
	unsigned n = o.guests ? o.guests : o.lng ? 6 : 3;
	unsigned rounds = o.iters ? o.iters : o.lng ? 30 : 3;
	struct dr_paths pa;
	if (dr_paths_init(&pa, o.dir))
		return -1;
	const char *dir = pa.dir, *sock = pa.sock, *ctl = pa.ctl, *log = pa.log, *glog = pa.glog;
	dr_log("daemon-restart: %u guests, %u daemon kills, seed %llu", n, rounds,
	       (unsigned long long)o.seed);
	int fails = 0;
	pid_t hd = dr_hostd_start(o.hostd, sock, log, NULL);
	struct dr_slot *sl = dr_slots_new(n);
	if (hd < 0 || !sl) {
		dr_log("FAIL: cannot start %s", o.hostd);
		return 1;
	}
	struct dr_worker_cfg wc = { .sock = sock, .work = DR_WORK_MIXED, .ncpus = 1, .log = glog,
				    .reconnect = true, .reconnect_for_ns = 30000000000ull };
	for (unsigned i = 0; i < n; i++) {
		static const enum dr_work kinds[4] = { DR_WORK_IO, DR_WORK_MIXED, DR_WORK_IO,
						       DR_WORK_RPC };
		wc.work = kinds[i % 4];
		dr_worker_spawn(&sl[i], &wc);
	}
	if (dr_workers_wait_up(sl, n, 60000)) {
		dr_log("FAIL: guests did not come up");
		fails++;
		goto out;
	}
	uint64_t worst_notice = 0, worst_op = 0, worst_up = 0, sum_up = 0;
	unsigned busy_at_kill = 0, io_kills = 0;
	uint64_t worst_io = 0, io_at_kill = 0;
	for (unsigned r = 0; r < rounds && !fails; r++) {
		uint64_t sess0[DR_MAX_WORKERS];
		for (unsigned i = 0; i < n; i++) {
			sess0[i] = sl[i].sessions;
			sl[i].lost_ns = 0;
		}
		dr_sleep_ms(200 + (unsigned)dr_rand(800));
		bool busy[DR_MAX_WORKERS];
		int64_t ios_out[DR_MAX_WORKERS];
		for (unsigned i = 0; i < n; i++) {
			busy[i] = sl[i].in_op != 0;
			ios_out[i] = sl[i].io_inflight;
		}
		/* The clock before the kill: the guests may see the socket die
		 * before kill() even returns to us. */
		uint64_t tk = dr_now_ns();
		kill(hd, SIGKILL);
		waitpid(hd, NULL, 0);
		hd = -1;
		/* Every guest notices and its in-flight op returns. */
		for (unsigned i = 0; i < n; i++) {
			while ((!sl[i].lost_ns || sl[i].in_op || sl[i].io_inflight > 0) &&
			       dr_now_ns() - tk < 2 * NOTICE_LIMIT_NS)
				dr_sleep_ms(1);
			/* storvsc I/O out at the kill: failed or completed, and when */
			if (ios_out[i] > 0) {
				uint64_t d = sl[i].io_last_done_ns > tk ? sl[i].io_last_done_ns - tk : 0;
				io_kills++;
				io_at_kill += (uint64_t)ios_out[i];
				if (sl[i].io_inflight > 0 || d > NOTICE_LIMIT_NS) {
					dr_log("FAIL: round %u: guest %u: %lld storvsc I/Os still out "
					       "(%.1f ms after the kill)", r, i,
					       (long long)sl[i].io_inflight, d / 1e6);
					fails++;
				}
				if (d > worst_io)
					worst_io = d;
			}
			uint64_t notice = !sl[i].lost_ns ? UINT64_MAX
					  : sl[i].lost_ns > tk ? sl[i].lost_ns - tk : 0;
			uint64_t opdone = busy[i] && sl[i].op_end_ns > tk ? sl[i].op_end_ns - tk : 0;
			busy_at_kill += busy[i];
			if (notice > NOTICE_LIMIT_NS || sl[i].in_op) {
				dr_log("FAIL: round %u: guest %u %s (lost after %.1f ms, op still "
				       "running: %s)", r, i, sl[i].lost_ns ? "too slow" : "never saw the host go",
				       notice == UINT64_MAX ? -1.0 : notice / 1e6,
				       sl[i].in_op ? "yes" : "no");
				fails++;
				continue;
			}
			if (notice > worst_notice)
				worst_notice = notice;
			if (opdone > worst_op)
				worst_op = opdone;
		}
		/* The new daemon, after a random pause (guests retry meanwhile). */
		dr_sleep_ms((unsigned)dr_rand(500));
		hd = dr_hostd_start(o.hostd, sock, log, NULL);
		uint64_t ts = dr_now_ns();
		if (hd < 0) {
			dr_log("FAIL: round %u: the daemon did not restart", r);
			fails++;
			break;
		}
		for (unsigned i = 0; i < n; i++) {
			uint64_t p0 = 0;
			while (dr_now_ns() - ts < RECONNECT_WAIT_NS) {
				if (sl[i].sessions > sess0[i] && sl[i].state == DR_W_RUNNING) {
					if (!p0)
						p0 = dr_progress(&sl[i]);
					else if (dr_progress(&sl[i]) > p0)
						break;
				}
				if (sl[i].state == DR_W_FAILED)
					break;
				dr_sleep_ms(2);
			}
			if (sl[i].sessions <= sess0[i] || sl[i].state != DR_W_RUNNING) {
				dr_log("FAIL: round %u: guest %u did not reconnect (state %u: %s)", r, i,
				       sl[i].state, sl[i].msg);
				fails++;
				continue;
			}
			uint64_t up = sl[i].up_ns > ts ? sl[i].up_ns - ts : 0;
			sum_up += up;
			if (up > worst_up)
				worst_up = up;
		}
		int64_t sess = -1;
		dr_ctl_sessions(ctl, &sess, NULL);
		if (!fails && sess != (int64_t)n) {
			dr_log("FAIL: round %u: new daemon has %lld sessions, want %u", r,
			       (long long)sess, n);
			fails++;
		}
	}
	dr_log("%u daemon kills, %u guest ops in flight at the kill: host loss seen after "
	       "%.2f ms worst, in-flight op returned after %.2f ms worst; reconnect + fresh "
	       "boot after the restart %.1f ms worst, %.1f ms mean", rounds, busy_at_kill,
	       worst_notice / 1e6, worst_op / 1e6, worst_up / 1e6,
	       sum_up / 1e6 / ((double)rounds * n));
	dr_log("storvsc I/O out at the kill: %llu requests over %u guest kills, the last one "
	       "failed or completed %.2f ms worst after the kill",
	       (unsigned long long)io_at_kill, io_kills, worst_io / 1e6);
	uint64_t errs = 0, ios = 0, nrecv = 0, nsent = 0;
	for (unsigned i = 0; i < n; i++) {
		errs += sl[i].errors;
		ios += sl[i].ios;
		nrecv += sl[i].net_recv;
		nsent += sl[i].net_sent;
	}
	dr_log("disk + network guests: %llu disk I/Os checked, %llu/%llu UDP echoes answered",
	       (unsigned long long)ios, (unsigned long long)nrecv, (unsigned long long)nsent);
	if (errs)
		dr_log("note: %llu guest ops failed with the host present (e.g. %s)",
		       (unsigned long long)errs, sl[0].msg);
out:
	dr_workers_stop(sl, n, 20000);
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
	dr_slots_free(sl, n);
	if (!o.dir && !fails)
		dr_rmtree(dir);
	else
		dr_log("files kept in %s", dir);
	dr_log("daemon-restart: %s", fails ? "FAILED" : "passed");
	return fails ? 1 : 0;
}
