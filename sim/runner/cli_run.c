/* cli_run.c -- `hvsim run` and `hvsim replay`: options, the job list
 * (scenarios x seeds, after --shard), running jobs (one in this process, or
 * many in forked children, -j at a time, so a crash or hang in one is a
 * failure of that job, not of the run), progress, and the summary and
 * reports (--junit, --tap). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sim/runner/cli_var.h"
#include "sim/runner/report.h"
#include "sim/runner/run.h"
#include "sim/runner/scenario.h"

#define CLI_MAX_SEEDS     100000u
#define CLI_MAX_JOBS      256u
#define CLI_MAX_RUNS      100000u  /* scenarios x seeds in one invocation */
#define CLI_MAX_JOB_TIMEOUT_S 86400u

struct cli_run_opts {
	struct run_opts ro;
	uint64_t seeds;            /* runs per scenario, seeds seed .. seed+seeds-1 */
	unsigned jobs;             /* -j */
	unsigned shard_i, shard_n; /* --shard I/N, 1-based */
	const char *junit;
	bool tap;
	bool replay;
	unsigned job_timeout_s;    /* --job-timeout; 0: from each scenario's limit */
	struct scenario_load_opts load;
	char capture_abs[4096];    /* --capture made absolute (the daemon has another cwd) */
};

static double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int parse_shard(const char *s, unsigned *i, unsigned *n)
{
	char tail;
	if (sscanf(s, "%u/%u%c", i, n, &tail) != 2 || *n == 0 || *i == 0 || *i > *n ||
	    *n > 10000)
		return -EINVAL;
	return 0;
}

static int parse_opts(int argc, char **argv, struct cli_run_opts *o)
{
	static const struct option opts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "seed", required_argument, NULL, 's' },
		{ "seeds", required_argument, NULL, 'N' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "shard", required_argument, NULL, 'D' },
		{ "junit", required_argument, NULL, 'J' },
		{ "tap", no_argument, NULL, 'T' },
		{ "socket", required_argument, NULL, 'S' },
		{ "hostd", required_argument, NULL, 'H' },
		{ "capture", required_argument, NULL, 'C' },
		{ "job-timeout", required_argument, NULL, 'W' },
		{ "image-root", required_argument, NULL, 'I' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool mode_given = false;
	uint64_t v;
	int c;
	/* 0, not 1: glibc then also forgets a half-read cluster of short
	 * options from an earlier call in this process. */
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":vqhj:", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (mode_given)
				return cli_usage_error("%s", "--mode given twice");
			mode_given = true;
			if (strcmp(optarg, "inproc") == 0)
				o->ro.session.mode = RUN_INPROC;
			else if (strcmp(optarg, "split") == 0)
				o->ro.session.mode = RUN_SPLIT;
			else
				return cli_usage_error("unknown mode \"%s\" (inproc or split)", optarg);
			break;
		case 's':
			if (cli_parse_u64(optarg, &o->ro.session.seed) != 0)
				return cli_usage_error("--seed wants a decimal number, not \"%s\"", optarg);
			break;
		case 'N':
			if (cli_parse_u64(optarg, &v) != 0 || v == 0 || v > CLI_MAX_SEEDS)
				return cli_usage_error("--seeds wants a count in 1..100000, not \"%s\"",
						       optarg);
			o->seeds = v;
			break;
		case 'j':
			if (cli_parse_u64(optarg, &v) != 0 || v == 0 || v > CLI_MAX_JOBS)
				return cli_usage_error("-j wants 1..256 jobs, not \"%s\"", optarg);
			o->jobs = (unsigned)v;
			break;
		case 'D':
			if (parse_shard(optarg, &o->shard_i, &o->shard_n) != 0)
				return cli_usage_error("--shard wants I/N with 1 <= I <= N, not \"%s\"",
						       optarg);
			break;
		case 'J':
			o->junit = optarg;
			break;
		case 'T':
			o->tap = true;
			break;
		case 'S':
			if (strlen(optarg) >= 108)
				return cli_usage_error("--socket path \"%s\" is longer than 107 bytes",
						       optarg);
			o->ro.session.socket_path = optarg;
			break;
		case 'H':
			o->ro.session.hostd_path = optarg;
			break;
		case 'C': {
			char cwd[2048];
			int n;
			if (!optarg[0])
				return cli_usage_error("%s", "--capture wants a directory");
			if (optarg[0] == '/')
				n = snprintf(o->capture_abs, sizeof o->capture_abs, "%s", optarg);
			else if (getcwd(cwd, sizeof cwd))
				n = snprintf(o->capture_abs, sizeof o->capture_abs, "%s/%s", cwd, optarg);
			else
				return cli_usage_error("--capture %s: the current directory is unknown",
						       optarg);
			if (n < 0 || (size_t)n >= sizeof o->capture_abs - 256)
				return cli_usage_error("--capture path \"%s\" is too long", optarg);
			o->ro.capture_dir = o->capture_abs;
			break;
		}
		case 'W':
			if (cli_parse_u64(optarg, &v) != 0 || v == 0 || v > CLI_MAX_JOB_TIMEOUT_S)
				return cli_usage_error("--job-timeout wants seconds in 1..86400, not \"%s\"",
						       optarg);
			o->job_timeout_s = (unsigned)v;
			break;
		case 'I':
			if (!optarg[0])
				return cli_usage_error("%s", "--image-root wants a directory");
			o->load.image_root = optarg;
			break;
		case 'v':
			o->ro.session.verbose++;
			break;
		case 'q':
			o->ro.quiet = true;
			break;
		case 'h':
			fputs(cli_usage_text, stdout);
			return 0;
		case ':':
			return cli_usage_error("option %s needs a value", argv[optind - 1]);
		default:
			if (c == '?' && optopt) {
				char opt[3] = { '-', (char)optopt, '\0' };
				return cli_usage_error("unknown option \"%s\"", opt);
			}
			return cli_usage_error("unknown option \"%s\"", argv[optind - 1]);
		}
	}
	if (o->ro.quiet && o->ro.session.verbose)
		return cli_usage_error("%s", "-q and -v exclude each other");
	if (o->ro.session.socket_path && o->ro.session.mode != RUN_SPLIT)
		return cli_usage_error("%s", "--socket only makes sense with --mode split");
	if (o->replay && o->seeds > 1)
		return cli_usage_error("%s", "replay runs one seed: give --seed, not --seeds");
	return -1; /* parsed, go on */
}

/* ---- jobs ------------------------------------------------------------------------ */

struct job {
	const struct scenario *s;
	uint64_t seed;
	struct run_result *res;     /* in shared memory when forked */
	pid_t pid;
	double t0;
	FILE *out;                  /* child's output, read back by the parent */
	bool done, killed;
};

static void print_replay(FILE *f, const struct cli_run_opts *o, const struct job *j)
{
	fprintf(f, "       replay: hvsim replay%s --seed %" PRIu64 " %s\n",
		o->ro.session.mode == RUN_SPLIT ? " --mode split" : "", j->seed, j->s->path);
}

/* Wall-clock seconds a run may take before it counts as hung.  Split mode
 * runs in real time and ASan or a loaded CI machine slows inproc runs, so
 * the scenario's own (guest-time) limit gets a generous margin. */
static unsigned job_timeout_s(const struct cli_run_opts *o, const struct scenario *s)
{
	if (o->job_timeout_s)
		return o->job_timeout_s;
	uint64_t t = 30 + 2 * ((s->time_limit_ms + 999) / 1000);
	return t > CLI_MAX_JOB_TIMEOUT_S ? CLI_MAX_JOB_TIMEOUT_S : (unsigned)t;
}

/* "hung in step 3 (disk_write, line 12): stopped after 150 s of wall time" */
static void hang_reason(struct run_result *res, const struct scenario *s, unsigned limit_s)
{
	unsigned k = res->step_now;
	char where[160];
	if (k == 0)
		snprintf(where, sizeof where, "%s", res->steps_run ? "after its steps" :
			 "while starting the session");
	else if (k <= s->nsteps)
		snprintf(where, sizeof where, "in step %u (%s, line %u)", k, s->steps[k - 1].label,
			 s->steps[k - 1].line);
	else
		snprintf(where, sizeof where, "%s", "in the guest shutdown after its steps");
	snprintf(res->reason, sizeof res->reason, "hung %s: stopped after %u s of wall time "
		 "(--job-timeout)", where, limit_s);
	res->verdict = RUN_FAIL;
}

static void copy_out(FILE *from, FILE *to)
{
	char buf[4096];
	size_t n;
	rewind(from);
	while ((n = fread(buf, 1, sizeof buf, from)) > 0)
		fwrite(buf, 1, n, to);
}

static void job_finished(struct job *j, int status, const struct cli_run_opts *o, FILE *human,
			 unsigned k, unsigned total)
{
	j->done = true;
	if (j->killed) {
		/* hang_reason() said why */
	} else if (WIFSIGNALED(status)) {
		j->res->verdict = RUN_FAIL;
		snprintf(j->res->reason, sizeof j->res->reason, "the run crashed: signal %d (%s)",
			 WTERMSIG(status), strsignal(WTERMSIG(status)));
	} else if (!WIFEXITED(status) || (WEXITSTATUS(status) != 0 && j->res->verdict == RUN_PASS)) {
		j->res->verdict = RUN_FAIL;
		snprintf(j->res->reason, sizeof j->res->reason, "the run exited with status %d",
			 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	}
	bool ok = j->res->verdict == RUN_PASS;
	if (j->res->wall_s == 0)
		j->res->wall_s = mono_s() - j->t0;
	fprintf(human, "[%u/%u] %s %s seed %" PRIu64 ": %u/%u steps, %.3f s guest, %.3f s wall\n",
		k, total, ok ? "PASS" : "FAIL", j->s->path, j->seed, j->res->steps_passed,
		(unsigned)j->s->nsteps, j->res->virt_s, j->res->wall_s);
	if (!ok || o->ro.session.verbose) {
		if (j->out)
			copy_out(j->out, human);
		if (!ok) {
			fprintf(human, "       %s\n", j->res->reason);
			print_replay(human, o, j);
		}
	}
	if (j->out)
		fclose(j->out);
	j->out = NULL;
	fflush(human);
}

static int start_job(struct job *j, struct cli_run_opts *o)
{
	j->out = tmpfile();
	if (!j->out)
		return -errno;
	fflush(NULL);
	j->t0 = mono_s();
	pid_t pid = fork();
	if (pid < 0) {
		fclose(j->out);
		j->out = NULL;
		return -errno;
	}
	if (pid == 0) {
		struct run_opts ro = o->ro;
		ro.session.seed = j->seed;
		ro.out = j->out;
		ro.color = false;
		run_scenario(j->s, &ro, j->res);
		fflush(j->out);
		_exit(j->res->verdict == RUN_PASS ? 0 : 1);
	}
	j->pid = pid;
	return 0;
}

/* The single run happens in this process, so its watchdog is a thread: on
 * a hang it says where and exits (the daemon of a split run follows by its
 * parent-death signal). */
struct watchdog {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool done;
	const struct cli_run_opts *o;
	struct job *j;
};

static void *watchdog_main(void *arg)
{
	struct watchdog *w = arg;
	unsigned limit = job_timeout_s(w->o, w->j->s);
	struct timespec dl;
	clock_gettime(CLOCK_MONOTONIC, &dl);
	dl.tv_sec += limit;
	pthread_mutex_lock(&w->mu);
	int rc = 0;
	while (!w->done && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&w->cv, &w->mu, &dl);
	bool hung = !w->done;
	pthread_mutex_unlock(&w->mu);
	if (hung) {
		hang_reason(w->j->res, w->j->s, limit);
		fflush(stdout);
		printf("FAIL %s: %s\n", w->j->s->path, w->j->res->reason);
		print_replay(stdout, w->o, w->j);
		fflush(stdout);
		_exit(1);
	}
	return NULL;
}

static void run_here(struct job *j, const struct cli_run_opts *o)
{
	struct watchdog w = { .done = false, .o = o, .j = j };
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w.cv, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&w.mu, NULL);
	pthread_t t;
	bool watching = pthread_create(&t, NULL, watchdog_main, &w) == 0;

	struct run_opts ro = o->ro;
	ro.session.seed = j->seed;
	run_scenario(j->s, &ro, j->res);

	if (watching) {
		pthread_mutex_lock(&w.mu);
		w.done = true;
		pthread_cond_signal(&w.cv);
		pthread_mutex_unlock(&w.mu);
		pthread_join(t, NULL);
	}
	pthread_cond_destroy(&w.cv);
	pthread_mutex_destroy(&w.mu);
	if (j->res->verdict != RUN_PASS)
		print_replay(stdout, o, j);
}

/* Run every job in children, at most o->jobs at once. */
static void run_forked(struct job *jobs, unsigned n, struct cli_run_opts *o, FILE *human)
{
	unsigned next = 0, running = 0, finished = 0;
	while (finished < n) {
		while (running < o->jobs && next < n) {
			if (start_job(&jobs[next], o) != 0) {
				jobs[next].res->verdict = RUN_FAIL;
				snprintf(jobs[next].res->reason, sizeof jobs[next].res->reason,
					 "cannot start the job: %s", strerror(errno));
				job_finished(&jobs[next], 0, o, human, ++finished, n);
			} else {
				running++;
			}
			next++;
		}
		int status;
		pid_t pid = waitpid(-1, &status, WNOHANG);
		if (pid > 0) {
			for (unsigned i = 0; i < next; i++) {
				if (jobs[i].pid == pid && !jobs[i].done) {
					running--;
					job_finished(&jobs[i], status, o, human, ++finished, n);
					break;
				}
			}
			continue;
		}
		/* A hung job is a failure of that job, not of the run. */
		double now = mono_s();
		for (unsigned i = 0; i < next; i++) {
			unsigned limit = job_timeout_s(o, jobs[i].s);
			if (jobs[i].pid > 0 && !jobs[i].done && !jobs[i].killed &&
			    now - jobs[i].t0 > limit) {
				hang_reason(jobs[i].res, jobs[i].s, limit);
				kill(jobs[i].pid, SIGKILL);
				jobs[i].killed = true;
			}
		}
		struct timespec ts = { .tv_sec = 0, .tv_nsec = 2000000 };
		nanosleep(&ts, NULL);
	}
}

int cli_run(int argc, char **argv)
{
	struct cli_run_opts o = {
		.ro = { .session = { .mode = RUN_INPROC, .seed = 1 }, .out = stdout },
		.seeds = 1, .jobs = 1,
	};
	o.replay = strcmp(argv[0], "replay") == 0;
	int rc = parse_opts(argc, argv, &o);
	if (rc >= 0)
		return rc;
	if (o.replay && !o.ro.session.verbose && !o.ro.quiet)
		o.ro.session.verbose = 1;
	o.ro.color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR") && !o.tap;

	struct file_list fl = { .n = 0 };
	rc = cli_collect(&fl, argc - optind, argv + optind);
	if (rc) {
		cli_free_list(&fl);
		return rc;
	}
	if (o.replay && fl.n != 1) {
		cli_free_list(&fl);
		return cli_usage_error("%s", "replay runs exactly one scenario file");
	}
	/* Validate everything before running anything. */
	struct scenario **sc = calloc(fl.n, sizeof *sc);
	if (!sc) {
		cli_free_list(&fl);
		return 2;
	}
	for (size_t i = 0; i < fl.n; i++) {
		char err[1024];
		sc[i] = scenario_load_with(fl.path[i], &o.load, err, sizeof err);
		if (!sc[i]) {
			fprintf(stderr, "%s\n", err);
			rc = 2;
		}
	}
	unsigned nsc = 0;
	for (size_t i = 0; i < fl.n; i++)
		if (!o.shard_n || i % o.shard_n == o.shard_i - 1)
			nsc++;
	uint64_t total64 = (uint64_t)nsc * o.seeds;
	/* Each run's result sits in shared memory (about 600 bytes). */
	if (rc == 0 && total64 > CLI_MAX_RUNS) {
		fprintf(stderr, "hvsim: %" PRIu64 " runs is too many; at most %u\n", total64,
			CLI_MAX_RUNS);
		rc = 2;
	}
	unsigned total = (unsigned)total64;
	/* Several runs must not write over each other's capture. */
	o.ro.capture_per_run = total > 1;
	struct job *jobs = NULL;
	struct run_result *res = NULL;
	size_t res_bytes = (size_t)(total ? total : 1) * sizeof *res;
	if (rc == 0) {
		jobs = calloc(total ? total : 1, sizeof *jobs);
		/* Children write their results here. */
		res = mmap(NULL, res_bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (!jobs || res == MAP_FAILED) {
			fprintf(stderr, "hvsim: out of memory for %u runs\n", total);
			res = NULL;
			rc = 2;
		}
	}
	FILE *human = o.tap ? stderr : stdout;
	double t0 = mono_s();
	unsigned passed = 0, failed = 0;
	if (rc == 0) {
		unsigned k = 0;
		for (size_t i = 0; i < fl.n; i++) {
			if (o.shard_n && i % o.shard_n != o.shard_i - 1)
				continue;
			for (uint64_t s = 0; s < o.seeds; s++, k++) {
				jobs[k].s = sc[i];
				jobs[k].seed = o.ro.session.seed + s;
				jobs[k].res = &res[k];
			}
		}
		if (total == 1 && !o.tap) {
			/* One run: in this process, every step printed as it happens. */
			run_here(&jobs[0], &o);
		} else if (total > 0) {
			run_forked(jobs, total, &o, human);
		}
		for (unsigned i = 0; i < total; i++) {
			if (res[i].verdict == RUN_PASS)
				passed++;
			else
				failed++;
		}
		if (total != 1 || o.tap)
			fprintf(human, "%u passed, %u failed (%u scenario%s x %" PRIu64 " seed%s%s), "
				"%.3f s wall\n", passed, failed, nsc, nsc == 1 ? "" : "s", o.seeds,
				o.seeds == 1 ? "" : "s", o.shard_n ? ", one shard" : "", mono_s() - t0);
		struct report_item *items = calloc(total ? total : 1, sizeof *items);
		for (unsigned i = 0; items && i < total; i++)
			items[i] = (struct report_item){ .path = jobs[i].s->path, .name = jobs[i].s->name,
							 .seed = jobs[i].seed, .res = jobs[i].res };
		if (o.tap && items)
			report_tap(stdout, items, total);
		if (o.junit && (!items || report_junit(o.junit, items, total) != 0)) {
			fprintf(stderr, "hvsim: cannot write %s: %s\n", o.junit, strerror(errno));
			rc = 2;
		}
		free(items);
	}
	free(jobs);
	if (res)
		munmap(res, res_bytes);
	for (size_t i = 0; i < fl.n; i++)
		scenario_free(sc[i]);
	free(sc);
	cli_free_list(&fl);
	return rc ? rc : failed ? 1 : 0;
}
