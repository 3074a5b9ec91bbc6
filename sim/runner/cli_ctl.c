/* cli_ctl.c -- `hvsim ctl`: one command to a running hvsim-hostd over its
 * JSON-lines control socket, the reply printed as JSON.  Arguments are
 * KEY=VALUE (numbers and true/false become JSON numbers and booleans) or a
 * whole request with --json.  Exit 0 ok, 1 the daemon said no, 2 bad usage
 * or no daemon. */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <jansson.h>

#include "sim/runner/cli_var.h"

#define CTL_TIMEOUT_MS 10000
#define CTL_REPLY_MAX  (1u << 20)

static json_t *ctl_value(const char *text)
{
	if (strcmp(text, "true") == 0)
		return json_true();
	if (strcmp(text, "false") == 0)
		return json_false();
	char *end;
	errno = 0;
	long long v = strtoll(text, &end, 10);
	if (*text && !*end && !errno)
		return json_integer(v);
	return json_string(text);
}

static int ctl_exchange(const char *path, json_t *req)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof sa.sun_path) {
		fprintf(stderr, "hvsim ctl: %s: path too long\n", path);
		close(fd);
		return 2;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		fprintf(stderr, "hvsim ctl: cannot reach %s: %s (is hvsim-hostd running?)\n", path,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		return 2;
	}
	char *text = json_dumps(req, JSON_COMPACT);
	int rc = 2;
	char *buf = malloc(CTL_REPLY_MAX);
	if (!text || !buf)
		goto out;
	size_t len = strlen(text);
	text[len] = '\n';
	if (send(fd, text, len + 1, MSG_NOSIGNAL) != (ssize_t)(len + 1)) {
		fprintf(stderr, "hvsim ctl: send: %s\n", strerror(errno));
		goto out;
	}
	size_t have = 0;
	for (;;) {
		char *nl = memchr(buf, '\n', have);
		if (nl) {
			json_error_t je;
			json_t *reply = json_loadb(buf, (size_t)(nl - buf), 0, &je);
			if (!reply) {
				fprintf(stderr, "hvsim ctl: the daemon's reply is not JSON\n");
				goto out;
			}
			json_dumpf(reply, stdout, JSON_INDENT(2));
			fputc('\n', stdout);
			rc = json_is_true(json_object_get(reply, "ok")) ? 0 : 1;
			json_decref(reply);
			goto out;
		}
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (have == CTL_REPLY_MAX || poll(&p, 1, CTL_TIMEOUT_MS) <= 0) {
			fprintf(stderr, "hvsim ctl: no reply within %d ms\n", CTL_TIMEOUT_MS);
			goto out;
		}
		ssize_t n = recv(fd, buf + have, CTL_REPLY_MAX - have, 0);
		if (n <= 0) {
			fprintf(stderr, "hvsim ctl: the daemon closed the connection\n");
			goto out;
		}
		have += (size_t)n;
	}
out:
	free(text);
	free(buf);
	close(fd);
	return rc;
}

int cli_ctl(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "control", required_argument, NULL, 'c' },
		{ "json", required_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = getenv("HVSIM_CONTROL"), *raw = NULL;
	int c;
	/* 0, not 1: glibc then also forgets a half-read cluster of short
	 * options from an earlier call in this process. */
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': path = optarg; break;
		case 'J': raw = optarg; break;
		case 'h':
			fputs("usage: hvsim ctl [--control PATH] CMD [KEY=VALUE...]\n"
			      "       hvsim ctl [--control PATH] --json '{\"cmd\": ...}'\n"
			      "PATH defaults to $HVSIM_CONTROL; the daemon's is its --socket path + .ctl.\n"
			      "`hvsim ctl help` lists the commands.\n", stdout);
			return 0;
		case ':':
			return cli_usage_error("option %s needs a value", argv[optind - 1]);
		default:
			return cli_usage_error("unknown option \"%s\"", argv[optind - 1]);
		}
	}
	if (!path || !*path)
		return cli_usage_error("%s", "ctl needs --control PATH (or $HVSIM_CONTROL)");
	json_t *req;
	if (raw) {
		if (optind != argc)
			return cli_usage_error("%s", "--json takes the whole request; no other arguments");
		json_error_t je;
		req = json_loads(raw, JSON_REJECT_DUPLICATES, &je);
		if (!json_is_object(req)) {
			json_decref(req);
			return cli_usage_error("%s", "--json wants one JSON object");
		}
	} else {
		if (optind >= argc)
			return cli_usage_error("%s", "ctl needs a command (try `hvsim ctl ... help`)");
		req = json_object();
		json_object_set_new(req, "cmd", json_string(argv[optind]));
		for (int i = optind + 1; i < argc; i++) {
			const char *eq = strchr(argv[i], '=');
			if (!eq || eq == argv[i]) {
				json_decref(req);
				return cli_usage_error("argument \"%s\" is not KEY=VALUE", argv[i]);
			}
			char key[128];
			snprintf(key, sizeof key, "%.*s", (int)(eq - argv[i]), argv[i]);
			json_object_set_new(req, key, ctl_value(eq + 1));
		}
	}
	int rc = ctl_exchange(path, req);
	json_decref(req);
	return rc;
}
