/* hostd_main.c -- the hvsim-hostd command line: strict argument parsing,
 * then hostd_create/hostd_run/hostd_destroy.
 *
 * The daemon always stays in the foreground (it does not fork or detach);
 * --foreground is accepted so scripts can say what they mean.  Logs go to
 * stderr.  SIGTERM/SIGINT stop it in order (sessions closed, socket and
 * lock file removed); SIGPIPE and SIGHUP are ignored. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/devices/devspec.h"
#include "sim/devices/hostside.h"
#include "sim/hostd/partition.h"
#include "sim/hostd/profile.h"
#include "sim/hostd/daemon/hostd.h"
#include "sim/hostd/daemon/hsess_hostside.h"
#include "sim/hostd/daemon/hsess.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: hvsim-hostd --socket PATH [--control PATH] [--foreground]\n"
		"                   [--max-guests N] [--max-mem-mib N] [--poll-us N]\n"
		"                   [--poll-max-us N] [--test-hooks] [-v]...\n"
		"  --socket PATH     Unix socket to serve (at most %u bytes)\n"
		"  --control PATH    JSON-lines control socket (default: the socket path + .ctl;\n"
		"                    `hvsim ctl` talks to it)\n"
		"  --foreground      stay in the foreground (always the case)\n"
		"  --max-guests N    guest sessions at once, 1..%u (default %u)\n"
		"  --max-mem-mib N   guest memory cap per session in MiB (default 16384)\n"
		"  --poll-us N       monitor-page poll period while devices are busy (default 100)\n"
		"  --poll-max-us N   period an idle guest's poll backs off to (default 2000;\n"
		"                    at most --poll-us: a fixed period)\n"
		"  --test-hooks      accept test-only requests (echo ports)\n"
		"  -v                more log lines (repeat for traces)\n",
		HOSTD_SOCKET_PATH_MAX, HOSTD_MAX_GUESTS_LIMIT, HOSTD_DEFAULT_MAX_GUESTS);
}

/* A decimal number in [lo, hi]: all digits, no sign, no overflow. */
static int parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	char *end = NULL;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || !end || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* Each session gets the host-side aggregate (VMBus server and devices) on
 * its partition; the daemon pumps it after every RPC, doorbell and timer,
 * and polls it every 100 us while the guest's devices are busy (the
 * monitor-page latency real hosts advertise for netvsp), backing off to
 * 2 ms while they are idle (hsess_hostside.h; --poll-us / --poll-max-us). */
static int hs_attach(struct hsess *s, void *arg, void **ctx)
{
	(void)arg;
	struct hostside_config hc = {
		.vmbus = part_profile(hsess_part(s))->kind == HV_PROFILE_HYPERV,
	};
	hc.ic.heartbeat = hc.ic.shutdown = hc.ic.timesync = hc.ic.kvp = hc.vmbus;
	/* The protocol checker watches every guest: findings cost nothing
	 * until something is wrong, and `check.findings` reads them. */
	hc.check = hc.vmbus;
	/* The devices an operator or runner prepared for this guest. */
	struct devspec *spec = hsess_take_prepared(s);
	if (spec)
		devspec_host_config(spec, part_profile(hsess_part(s)), &hc);
	struct hostside *hs = hostside_create(hsess_part(s), hsess_gmem(s), &hc,
					      hsess_hostside_notify(), s);
	int rc = hs ? 0 : -errno;
	char err[512];
	if (hs && spec && (rc = devspec_attach_luns(spec, hs, err, sizeof err)) != 0) {
		fprintf(stderr, "hvsim-hostd: guest refused: %s\n", err);
		hostside_destroy(hs);
	} else if (!hs) {
		fprintf(stderr, "hvsim-hostd: guest refused: cannot create its devices: %s\n",
			strerror(-rc));
	} else {
		*ctx = hs;
	}
	free(spec);
	return rc;
}

int main(int argc, char **argv)
{
	static struct hsess_ext hostside_ext;
	hostside_ext = hsess_hostside_ext(hs_attach, NULL);
	struct hostd_config cfg = { .handle_signals = true, .ext = &hostside_ext };
	uint64_t v;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--socket")) {
			if (!val || cfg.socket_path)
				goto bad;
			cfg.socket_path = val;
			i++;
		} else if (!strcmp(a, "--control")) {
			if (!val || cfg.control_path)
				goto bad;
			cfg.control_path = val;
			i++;
		} else if (!strcmp(a, "--max-guests")) {
			if (parse_u64(val, 1, HOSTD_MAX_GUESTS_LIMIT, &v))
				goto bad;
			cfg.max_guests = (uint32_t)v;
			i++;
		} else if (!strcmp(a, "--max-mem-mib")) {
			if (parse_u64(val, 1, 16384, &v))
				goto bad;
			cfg.max_mem_bytes = v << 20;
			i++;
		} else if (!strcmp(a, "--poll-us")) {
			if (parse_u64(val, 10, 1000000, &v))
				goto bad;
			hostside_ext.poll_ns = v * 1000u;
			i++;
		} else if (!strcmp(a, "--poll-max-us")) {
			if (parse_u64(val, 0, 1000000, &v))
				goto bad;
			hostside_ext.poll_max_ns = v * 1000u;
			i++;
		} else if (!strcmp(a, "--foreground")) {
			/* always */
		} else if (!strcmp(a, "--test-hooks")) {
			cfg.test_hooks = true;
		} else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
			cfg.verbose++;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "hvsim-hostd: unknown argument '%s'\n", a);
			usage(stderr);
			return 2;
		}
		continue;
bad:
		fprintf(stderr, "hvsim-hostd: %s: missing, repeated or invalid value\n", a);
		usage(stderr);
		return 2;
	}
	if (!cfg.socket_path) {
		fprintf(stderr, "hvsim-hostd: --socket is required\n");
		usage(stderr);
		return 2;
	}
	char err[256];
	int code = 1;
	struct hostd *d = hostd_create(&cfg, err, sizeof err, &code);
	if (!d) {
		fprintf(stderr, "hvsim-hostd: %s\n", err);
		return code;
	}
	int rc = hostd_run(d);
	hostd_destroy(d);
	if (cfg.verbose)
		fprintf(stderr, "hvsim-hostd: stopped\n");
	return rc ? 1 : 0;
}
