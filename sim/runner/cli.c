/* cli.c -- `hvsim run|check|list`: argument parsing (strict: unknown flags,
 * missing values and malformed numbers exit 2 with usage), scenario
 * discovery in directories, and the overall exit status. */
#include "sim/runner/cli.h"
#include "sim/runner/cli_var.h"

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

#include "sim/devices/hostcmd.h"
#include "sim/hostd/profile.h"
#include "sim/runner/run.h"
#include "sim/runner/scenario.h"
#include "sim/runner/scn_step.h"

#define HVSIM_VERSION "0.1.0"

const char cli_usage_text[] =
	"usage: hvsim run [options] FILE|DIR...   run scenarios\n"
	"       hvsim replay --seed N FILE        re-run one failing seed, verbose\n"
	"       hvsim check [--image-root DIR] FILE|DIR...   validate scenarios only\n"
	"       hvsim list [steps|commands]       profiles, scenarios, step kinds, host commands\n"
	"       hvsim ctl [--control PATH] CMD [KEY=VALUE...]   talk to a running hvsim-hostd\n"
	"       hvsim --help | --version\n"
	"\n"
	"run options:\n"
	"  --mode inproc|split   in process with virtual time (default), or against\n"
	"                        hvsim-hostd over shared memory\n"
	"  --seed N              interleaving seed for inproc runs (default 1)\n"
	"  --seeds N             run each scenario under N seeds (seed .. seed+N-1): each\n"
	"                        a different legal interleaving; failures print a replay\n"
	"  -j, --jobs N          runs in parallel (each in its own process)\n"
	"  --shard I/N           only every N-th scenario starting at the I-th (CI matrices)\n"
	"  --junit FILE          write JUnit XML results\n"
	"  --tap                 TAP on stdout (progress goes to stderr)\n"
	"  --socket PATH         split: use the daemon listening on PATH\n"
	"  --hostd PATH          split: the daemon binary to start (default: beside hvsim)\n"
	"  --capture DIR         write DIR/vmbus.pcapng (VMBus messages and ring packets)\n"
	"                        and DIR/hn<i>.pcap (NIC frames); several runs: one\n"
	"                        DIR/<scenario>-seed<N>/ each (tools/wireshark/hvsim_vmbus.lua)\n"
	"  --image-root DIR      disk images may come from under DIR (default: each\n"
	"                        scenario's own directory; nothing outside is opened)\n"
	"  --job-timeout S       wall seconds before a run counts as hung and is stopped\n"
	"                        (default: 30 + twice the scenario's time limit)\n"
	"  -v, --verbose         more detail (twice: debug logs of guest and daemon)\n"
	"  -q, --quiet           only one line per scenario\n"
	"\n"
	"exit status: 0 passed, 1 a scenario failed, 2 bad input\n";

int cli_usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "hvsim: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n\n%s", cli_usage_text);
	return 2;
}

/* Parse a whole decimal u64: no sign, no junk, no overflow. */
int cli_parse_u64(const char *s, uint64_t *out)
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

static int cmd_check(int argc, char **argv)
{
	struct scenario_load_opts lo = { .image_root = NULL };
	/* hvsim check [--image-root DIR] FILE|DIR... */
	while (argc > 0 && strcmp(argv[0], "--image-root") == 0) {
		if (argc < 2)
			return cli_usage_error("option %s needs a value", argv[0]);
		lo.image_root = argv[1];
		argc -= 2;
		argv += 2;
	}
	struct file_list fl = { .n = 0 };
	int rc = cli_collect(&fl, argc, argv);
	if (rc) {
		cli_free_list(&fl);
		return rc;
	}
	for (size_t i = 0; i < fl.n; i++) {
		char err[1024];
		struct scenario *s = scenario_load_with(fl.path[i], &lo, err, sizeof err);
		if (!s) {
			fprintf(stderr, "%s\n", err);
			rc = 2;
		} else {
			printf("ok   %s (%zu steps)\n", fl.path[i], s->nsteps);
			scenario_free(s);
		}
	}
	cli_free_list(&fl);
	return rc;
}

static int cmd_list_steps(void)
{
	printf("scenario steps (docs/scenarios.md has an example of each):\n");
	for (const struct scn_step_def *const *d = scn_step_defs; *d; d++)
		printf("  %-18s %s\n", (*d)->key, (*d)->summary);
	return 0;
}

static int cmd_list_commands(void)
{
	printf("host commands (scenario \"host\" steps and `hvsim ctl`):\n");
	for (const struct hostcmd_def *const *d = hostcmd_defs; *d; d++)
		printf("  %-20s %s%s%s%s\n", (*d)->name, (*d)->help, (*d)->args[0] ? " [" : "",
		       (*d)->args, (*d)->args[0] ? "]" : "");
	return 0;
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
	printf("devices (a scenario's \"devices\" section, docs/scenarios.md):\n"
	       "  nics       synthetic NICs (netvsp) -> guest hn0, hn1 ...; back end peer or null\n"
	       "  scsi       a synthetic SCSI controller (storvsp) with LUNs over memory disks or\n"
	       "             raw images -> guest storvsc0, disks da0, da1 ...\n"
	       "  ata        the emulated IDE disk (port I/O) -> guest ada0 unless Hyper-V's\n"
	       "             synthetic disk wins (guest_drivers/ata/driver-priority.conf)\n");
	struct stat st;
	if (stat("scenarios", &st) == 0 && S_ISDIR(st.st_mode)) {
		struct file_list fl = { .n = 0 };
		if (cli_add_path(&fl, "scenarios", 0) == 0) {
			printf("scenarios:\n");
			for (size_t i = 0; i < fl.n; i++)
				printf("  %s\n", fl.path[i]);
		}
		cli_free_list(&fl);
	}
	return 0;
}

int hvsim_main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	if (argc < 2)
		return cli_usage_error("%s", "no command given");
	const char *cmd = argv[1];
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
		fputs(cli_usage_text, stdout);
		return 0;
	}
	if (strcmp(cmd, "--version") == 0) {
		printf("hvsim %s\n", HVSIM_VERSION);
		return 0;
	}
	if (strcmp(cmd, "run") == 0 || strcmp(cmd, "replay") == 0)
		return cli_run(argc - 1, argv + 1);
	if (strcmp(cmd, "ctl") == 0)
		return cli_ctl(argc - 1, argv + 1);
	if (strcmp(cmd, "check") == 0) {
		if (argc > 2 && argv[2][0] == '-' && argv[2][1] && strcmp(argv[2], "--image-root"))
			return cli_usage_error("unknown option \"%s\"", argv[2]);
		return cmd_check(argc - 2, argv + 2);
	}
	if (strcmp(cmd, "list") == 0) {
		if (argc > 3)
			return cli_usage_error("unexpected argument \"%s\"", argv[3]);
		if (argc == 2)
			return cmd_list();
		if (strcmp(argv[2], "steps") == 0)
			return cmd_list_steps();
		if (strcmp(argv[2], "commands") == 0)
			return cmd_list_commands();
		return cli_usage_error("list what? \"%s\" (steps or commands)", argv[2]);
	}
	return cli_usage_error("unknown command \"%s\"", cmd);
}
