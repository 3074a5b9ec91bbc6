/* drill_main.c -- hvsim-drill: the reliability drills of docs/drills.md.
 *   hvsim-drill guest-kill | daemon-restart | durability | hostile
 *               [--long] [--hostd PATH] [--seed N] [--guests N] [--iters N]
 *               [--secs N] [--dir DIR]
 * Exit 0 when the drill passed, 1 when it found a problem, 2 for usage. */
#include "tests/drills/drill.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static char dr_hostd_default[PATH_MAX];

static int parse_num(const char *s, uint64_t *out)
{
	if (!s || *s < '0' || *s > '9')
		return -1;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

int dr_parse_opts(int argc, char **argv, struct dr_opts *o)
{
	memset(o, 0, sizeof *o);
	o->hostd = dr_hostd_default;
	o->seed = (uint64_t)time(NULL) ^ (uint64_t)getpid();
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		uint64_t n;
		if (!strcmp(a, "--long")) {
			o->lng = true;
			continue;
		}
		if (!strcmp(a, "--hostd") && v) {
			o->hostd = v;
		} else if (!strcmp(a, "--dir") && v) {
			o->dir = v;
		} else if (!strcmp(a, "--seed") && !parse_num(v, &n)) {
			o->seed = n;
		} else if (!strcmp(a, "--guests") && !parse_num(v, &n) && n >= 1 &&
			   n < DR_MAX_WORKERS) {
			o->guests = (unsigned)n;
		} else if (!strcmp(a, "--iters") && !parse_num(v, &n) && n >= 1 && n <= 100000) {
			o->iters = (unsigned)n;
		} else if (!strcmp(a, "--secs") && !parse_num(v, &n) && n >= 1 && n <= 86400) {
			o->secs = (unsigned)n;
		} else {
			fprintf(stderr, "hvsim-drill: bad or incomplete option '%s'\n", a);
			return -1;
		}
		i++;
	}
	dr_rand_seed(o->seed);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: hvsim-drill guest-kill|daemon-restart|durability|hostile [--long]\n"
		   "                   [--hostd PATH] [--seed N] [--guests N] [--iters N]\n"
		   "                   [--secs N] [--dir DIR]\n");
}

int main(int argc, char **argv)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n > 0) {
		self[n] = '\0';
		snprintf(dr_hostd_default, sizeof dr_hostd_default, "%s/hvsim-hostd", dirname(self));
	}
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} drills[] = {
		{ "guest-kill", drill_guest_kill },
		{ "daemon-restart", drill_daemon_restart },
		{ "durability", drill_durability },
		{ "hostile", drill_hostile },
	};
	for (size_t i = 0; i < sizeof drills / sizeof drills[0]; i++)
		if (!strcmp(argv[1], drills[i].name)) {
			int rc = drills[i].fn(argc - 2, argv + 2);
			return rc < 0 ? 2 : rc;
		}
	usage(stderr);
	return 2;
}
