/* cli.c -- `hvsim run|check|list`: argument parsing (strict: unknown flags,
 * missing values and malformed numbers exit 2 with usage), scenario
 * discovery in directories, and the overall exit status. */
#include "sim/runner/cli.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/hostd/profile.h"
#include "sim/runner/run.h"
#include "sim/runner/scenario.h"

#define HVSIM_VERSION "0.1.0"
#define CLI_MAX_FILES 4096

static const char usage_text[] =
	"usage: hvsim run [options] FILE|DIR...   run scenarios\n"
	"       hvsim check FILE|DIR...           validate scenarios only\n"
	"       hvsim list                        profiles and scenarios\n"
	"       hvsim --help | --version\n"
	"\n"
	"run options:\n"
	"  --mode inproc|split   in process with virtual time (default), or against\n"
	"                        hvsim-hostd over shared memory\n"
	"  --seed N              interleaving seed for inproc runs (default 1)\n"
	"  --socket PATH         split: use the daemon listening on PATH\n"
	"  --hostd PATH          split: the daemon binary to start (default: beside hvsim)\n"
	"  -v, --verbose         more detail (twice: debug logs of guest and daemon)\n"
	"  -q, --quiet           only one line per scenario\n"
	"\n"
	"exit status: 0 passed, 1 a scenario failed, 2 bad input\n";

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "hvsim: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n\n%s", usage_text);
	return 2;
}

/* Parse a whole decimal u64: no sign, no junk, no overflow. */
static int parse_u64(const char *s, uint64_t *out)
{
	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return -EINVAL;
	errno = 0;
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	*out = v;
	return 0;
}

struct file_list {
	char  *path[CLI_MAX_FILES];
	size_t n;
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_scenario_name(const char *name)
{
	size_t n = strlen(name);
	return name[0] != '.' && n > 5 && strcmp(name + n - 5, ".json") == 0 &&
	       !(n > 12 && strcmp(name + n - 12, ".schema.json") == 0);
}

static int add_path(struct file_list *fl, const char *path, unsigned depth)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		fprintf(stderr, "hvsim: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		if (fl->n >= CLI_MAX_FILES) {
			fprintf(stderr, "hvsim: more than %d scenario files\n", CLI_MAX_FILES);
			return -1;
		}
		fl->path[fl->n] = strdup(path);
		return fl->path[fl->n++] ? 0 : -1;
	}
	if (depth > 8)
		return 0;
	DIR *d = opendir(path);
	if (!d) {
		fprintf(stderr, "hvsim: %s: %s\n", path, strerror(errno));
		return -1;
	}
	size_t first = fl->n;
	int rc = 0;
	struct dirent *de;
	while (rc == 0 && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char sub[4096];
		snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
		struct stat sst;
		if (stat(sub, &sst) != 0)
			continue;
		if (S_ISDIR(sst.st_mode) || is_scenario_name(de->d_name))
			rc = add_path(fl, sub, depth + 1);
	}
	closedir(d);
	qsort(fl->path + first, fl->n - first, sizeof fl->path[0], cmp_str);
	return rc;
}

static void free_list(struct file_list *fl)
{
	for (size_t i = 0; i < fl->n; i++)
		free(fl->path[i]);
	fl->n = 0;
}

static int collect(struct file_list *fl, int argc, char **argv)
{
	if (argc <= 0)
		return usage_error("%s", "no scenario given");
	for (int i = 0; i < argc; i++)
		if (add_path(fl, argv[i], 0) != 0)
			return 2;
	if (fl->n == 0) {
		fprintf(stderr, "hvsim: no scenario files found\n");
		return 2;
	}
	return 0;
}

static int cmd_check(int argc, char **argv)
{
	struct file_list fl = { .n = 0 };
	int rc = collect(&fl, argc, argv);
	if (rc) {
		free_list(&fl);
		return rc;
	}
	for (size_t i = 0; i < fl.n; i++) {
		char err[1024];
		struct scenario *s = scenario_load(fl.path[i], err, sizeof err);
		if (!s) {
			fprintf(stderr, "%s\n", err);
			rc = 2;
		} else {
			printf("ok   %s (%zu steps)\n", fl.path[i], s->nsteps);
			scenario_free(s);
		}
	}
	free_list(&fl);
	return rc;
}

static int cmd_list(void)
{
	printf("profiles:\n");
	for (size_t i = 0; i < hv_profile_count(); i++) {
		const struct hv_profile *p = hv_profile_at(i);
		printf("  %-10s %s\n", p->name, p->description ? p->description : "");
	}
	printf("modes:\n  inproc     host model in this process, virtual time, seeded\n"
	       "  split      hvsim-hostd over a Unix socket and shared memory, real time\n");
	struct stat st;
	if (stat("scenarios", &st) == 0 && S_ISDIR(st.st_mode)) {
		struct file_list fl = { .n = 0 };
		if (add_path(&fl, "scenarios", 0) == 0) {
			printf("scenarios:\n");
			for (size_t i = 0; i < fl.n; i++)
				printf("  %s\n", fl.path[i]);
		}
		free_list(&fl);
	}
	return 0;
}

static int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "seed", required_argument, NULL, 's' },
		{ "socket", required_argument, NULL, 'S' },
		{ "hostd", required_argument, NULL, 'H' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct run_opts o = {
		.session = { .mode = RUN_INPROC, .seed = 1 },
		.out = stdout,
	};
	bool mode_given = false;
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":vqh", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (mode_given)
				return usage_error("%s", "--mode given twice");
			mode_given = true;
			if (strcmp(optarg, "inproc") == 0)
				o.session.mode = RUN_INPROC;
			else if (strcmp(optarg, "split") == 0)
				o.session.mode = RUN_SPLIT;
			else
				return usage_error("unknown mode \"%s\" (inproc or split)", optarg);
			break;
		case 's':
			if (parse_u64(optarg, &o.session.seed) != 0)
				return usage_error("--seed wants a decimal number, not \"%s\"", optarg);
			break;
		case 'S':
			if (strlen(optarg) >= 108)
				return usage_error("--socket path \"%s\" is longer than 107 bytes", optarg);
			o.session.socket_path = optarg;
			break;
		case 'H':
			o.session.hostd_path = optarg;
			break;
		case 'v':
			o.session.verbose++;
			break;
		case 'q':
			o.quiet = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		case ':':
			return usage_error("option %s needs a value", argv[optind - 1]);
		case '?':
			if (optopt) {
				char opt[3] = { '-', (char)optopt, '\0' };
				return usage_error("unknown option \"%s\"", opt);
			}
			return usage_error("unknown option \"%s\"", argv[optind - 1]);
		default:
			return usage_error("unknown option \"%s\"", argv[optind - 1]);
		}
	}
	if (o.quiet && o.session.verbose)
		return usage_error("%s", "-q and -v exclude each other");
	if (o.session.socket_path && o.session.mode != RUN_SPLIT)
		return usage_error("%s", "--socket only makes sense with --mode split");
	o.color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR");

	struct file_list fl = { .n = 0 };
	int rc = collect(&fl, argc - optind, argv + optind);
	if (rc) {
		free_list(&fl);
		return rc;
	}
	/* Validate everything before running anything. */
	struct scenario **sc = calloc(fl.n, sizeof *sc);
	if (!sc) {
		free_list(&fl);
		return 2;
	}
	for (size_t i = 0; i < fl.n; i++) {
		char err[1024];
		sc[i] = scenario_load(fl.path[i], err, sizeof err);
		if (!sc[i]) {
			fprintf(stderr, "%s\n", err);
			rc = 2;
		}
	}
	unsigned passed = 0, failed = 0;
	for (size_t i = 0; rc == 0 && i < fl.n; i++) {
		struct run_result res;
		if (run_scenario(sc[i], &o, &res) == RUN_PASS)
			passed++;
		else
			failed++;
	}
	if (rc == 0 && fl.n > 1)
		printf("%u passed, %u failed\n", passed, failed);
	for (size_t i = 0; i < fl.n; i++)
		scenario_free(sc[i]);
	free(sc);
	free_list(&fl);
	return rc ? rc : failed ? 1 : 0;
}

int hvsim_main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	if (argc < 2)
		return usage_error("%s", "no command given");
	const char *cmd = argv[1];
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (strcmp(cmd, "--version") == 0) {
		printf("hvsim %s\n", HVSIM_VERSION);
		return 0;
	}
	if (strcmp(cmd, "run") == 0)
		return cmd_run(argc - 1, argv + 1);
	if (strcmp(cmd, "check") == 0) {
		if (argc > 2 && argv[2][0] == '-' && argv[2][1])
			return usage_error("unknown option \"%s\"", argv[2]);
		return cmd_check(argc - 2, argv + 2);
	}
	if (strcmp(cmd, "list") == 0) {
		if (argc > 2)
			return usage_error("unexpected argument \"%s\"", argv[2]);
		return cmd_list();
	}
	return usage_error("unknown command \"%s\"", cmd);
}
