/* drill_kill.c -- drill 1: guests killed with SIGKILL at random moments
 * under load.  N steady guests run VMBus cycles and RPCs on one
 * hvsim-hostd; a victim guest is forked, killed after a random delay
 * (during connect, boot, a GPADL, an open, an UNLOAD ...), and the daemon
 * must be alive, back to its baseline fds and guest-memory mappings
 * within 1 s, with the steady guests still making progress. */
#include "tests/drills/drill.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define FREE_LIMIT_NS   1000000000ull  /* the promise */
#define FREE_WAIT_NS    5000000000ull  /* how long we look before giving up */

/* fds of the daemon once stable (a control client it has not reaped yet
 * makes one reading high). */
static int stable_fds(pid_t pid)
{
	int last = -2;
	for (int i = 0; i < 50; i++) {
		int n = dr_proc_fds(pid);
		if (n == last)
			return n;
		last = n;
		dr_sleep_ms(20);
	}
	return last;
}

/* Sanitizer reports or crashes in the daemon's log. */
int dr_log_clean(const char *log)
{
	FILE *f = fopen(log, "r");
	if (!f)
		return 0;
	char line[512];
	int bad = 0;
	while (fgets(line, sizeof line, f))
		if (strstr(line, "Sanitizer") || strstr(line, "runtime error:")) {
			if (bad++ < 5)
				fprintf(stdout, "drill: daemon log: %s", line);
		}
	fclose(f);
	return bad ? -1 : 0;
}

int drill_guest_kill(int argc, char **argv)
{
	struct dr_opts o;
	if (dr_parse_opts(argc, argv, &o))
		return -1;
	unsigned nsteady = o.guests ? o.guests : o.lng ? 6 : 3;
	unsigned iters = o.iters ? o.iters : o.lng ? 200 : 8;
	unsigned max_delay_ms = o.lng ? 3000 : 1200;
	struct dr_paths pa;
	if (dr_paths_init(&pa, o.dir))
		return -1;
	const char *dir = pa.dir, *sock = pa.sock, *ctl = pa.ctl, *log = pa.log, *glog = pa.glog;
	dr_log("guest-kill: %u steady guests, %u kills, seed %llu", nsteady, iters,
	       (unsigned long long)o.seed);
	int fails = 0;
	pid_t hd = dr_hostd_start(o.hostd, sock, log, NULL);
	struct dr_slot *sl = dr_slots_new(nsteady + 1);
	if (hd < 0 || !sl) {
		dr_log("FAIL: cannot start %s", o.hostd);
		return 1;
	}
	struct dr_worker_cfg wc = { .sock = sock, .work = DR_WORK_MIXED, .ncpus = 1, .log = glog };
	for (unsigned i = 0; i < nsteady; i++) {
		/* half of them on disk + network, half on channels and RPCs */
		wc.work = i % 2 == 0 ? DR_WORK_IO : DR_WORK_MIXED;
		dr_worker_spawn(&sl[i], &wc);
	}
	wc.work = DR_WORK_MIXED;
	if (dr_workers_wait_up(sl, nsteady, 60000)) {
		dr_log("FAIL: steady guests did not come up");
		fails++;
		goto out;
	}
	dr_sleep_ms(100);
	int fds0 = stable_fds(hd), maps0 = dr_proc_memfd_maps(hd);
	long rss0 = dr_proc_rss_kib(hd);
	dr_log("baseline with %u guests: %d fds, %d memfd mappings, anon RSS %ld KiB", nsteady, fds0,
	       maps0, rss0);
	uint64_t worst_ns = 0, sum_ns = 0;
	unsigned killed_running = 0, killed_io = 0;
	uint64_t io_at_kill = 0;
	uint64_t ios0 = 0, net0 = 0;
	for (unsigned i = 0; i < nsteady; i++) {
		ios0 += sl[i].ios;
		net0 += sl[i].net_recv;
	}
	uint64_t tstart = dr_now_ns();
	struct dr_slot *v = &sl[nsteady];
	for (unsigned it = 0; it < iters && !fails; it++) {
		uint64_t before[DR_MAX_WORKERS];
		for (unsigned i = 0; i < nsteady; i++)
			before[i] = dr_progress(&sl[i]);
		struct dr_worker_cfg vc = wc;
		static const enum dr_work vwork[4] = { DR_WORK_IO, DR_WORK_RPC, DR_WORK_IO,
						       DR_WORK_CYCLE };
		vc.work = vwork[it % 4];
		pid_t vp = dr_worker_spawn(v, &vc);
		unsigned delay = (unsigned)dr_rand(max_delay_ms + 1);
		dr_sleep_ms(delay);
		uint32_t vstate = v->state;
		uint64_t vdone = dr_progress(v);
		int64_t vio = v->io_inflight;
		killed_io += vio > 0;
		io_at_kill += vio > 0 ? (uint64_t)vio : 0;
		uint64_t t0 = dr_now_ns();
		kill(vp, SIGKILL);
		waitpid(vp, NULL, 0);
		v->pid = 0;
		killed_running += vstate == DR_W_RUNNING;
		/* Resources back to the baseline. */
		uint64_t freed = 0;
		int fds = -1, maps = -1;
		while (dr_now_ns() - t0 < FREE_WAIT_NS) {
			fds = dr_proc_fds(hd);
			maps = dr_proc_memfd_maps(hd);
			if (fds == fds0 && maps == maps0) {
				freed = dr_now_ns() - t0;
				break;
			}
			dr_sleep_ms(1);
		}
		if (!dr_alive(hd)) {
			dr_log("FAIL: kill %u: the daemon died", it);
			fails++;
			hd = -1;
			break;
		}
		int64_t sess = -1;
		dr_ctl_sessions(ctl, &sess, NULL);
		if (!freed || freed > FREE_LIMIT_NS || sess != (int64_t)nsteady) {
			dr_log("FAIL: kill %u (after %u ms, victim %s, %llu ops): fds %d (baseline %d), "
			       "memfd maps %d (%d), sessions %lld (%u), freed after %.1f ms", it, delay,
			       vstate == DR_W_RUNNING ? "running" : "starting",
			       (unsigned long long)vdone, fds, fds0, maps, maps0, (long long)sess,
			       nsteady, freed / 1e6);
			fails++;
		}
		if (freed > worst_ns)
			worst_ns = freed;
		sum_ns += freed;
		/* The steady guests go on. */
		for (unsigned i = 0; i < nsteady; i++) {
			uint64_t t1 = dr_now_ns();
			while (dr_progress(&sl[i]) <= before[i] && dr_now_ns() - t1 < 10000000000ull)
				dr_sleep_ms(5);
			if (dr_progress(&sl[i]) <= before[i] || sl[i].state != DR_W_RUNNING) {
				dr_log("FAIL: kill %u: steady guest %u stopped (state %u, %s)", it, i,
				       sl[i].state, sl[i].msg);
				fails++;
			}
		}
		if (o.lng && it % 20 == 19)
			dr_log("%u kills, worst release %.2f ms, daemon RSS %ld KiB", it + 1,
			       worst_ns / 1e6, dr_proc_rss_kib(hd));
	}
	if (hd > 0) {
		long rss1 = dr_proc_rss_kib(hd);
		dr_log("%u kills (%u while the victim was running): resources back to baseline "
		       "in %.2f ms worst, %.2f ms mean; daemon anon RSS %ld -> %ld KiB",
		       iters, killed_running, worst_ns / 1e6, sum_ns / 1e6 / (iters ? iters : 1),
		       rss0, rss1);
		uint64_t errs = 0, cyc = 0, rpcs = 0, ios = 0, nsent = 0, nrecv = 0;
		for (unsigned i = 0; i < nsteady; i++) {
			errs += sl[i].errors;
			cyc += sl[i].cycles;
			rpcs += sl[i].rpcs;
			ios += sl[i].ios;
			nsent += sl[i].net_sent;
			nrecv += sl[i].net_recv;
		}
		double dt = (double)(dr_now_ns() - tstart) / 1e9;
		dr_log("victims killed with storvsc I/O in flight: %u (%llu I/Os out at the kills)",
		       killed_io, (unsigned long long)io_at_kill);
		dr_log("steady guests: %llu VMBus cycles, %llu RPCs, %llu disk I/Os checked, "
		       "%llu/%llu UDP echoes answered, %llu failed ops; during the kills %.0f "
		       "disk I/Os/s, %.0f echoes/s", (unsigned long long)cyc,
		       (unsigned long long)rpcs, (unsigned long long)ios, (unsigned long long)nrecv,
		       (unsigned long long)nsent, (unsigned long long)errs,
		       (double)(ios - ios0) / dt, (double)(nrecv - net0) / dt);
		if (errs) {
			for (unsigned i = 0; i < nsteady; i++)
				if (sl[i].errors)
					dr_log("FAIL: steady guest %u: %llu errors, last: %s", i,
					       (unsigned long long)sl[i].errors, sl[i].msg);
			fails++;
		}
	}
out:
	dr_workers_stop(sl, nsteady + 1, 20000);
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
	dr_slots_free(sl, nsteady + 1);
	if (!o.dir && !fails)
		dr_rmtree(dir);
	else
		dr_log("files kept in %s", dir);
	dr_log("guest-kill: %s", fails ? "FAILED" : "passed");
	return fails ? 1 : 0;
}
