/* fuzz_cli.c -- the hvsim command line (hvsim_main) on arbitrary argument
 * vectors.  Input: arguments separated by NUL bytes (at most 16, each at
 * most 255 bytes), after an implicit argv[0] "hvsim".  To stay inside the
 * sandbox the process works in an empty scratch directory holding one
 * invalid scenario ("bad.json", also under "d/"), every '/' in an argument
 * becomes '_' and ".." becomes "_.": no path reaches outside, and no valid
 * scenario exists, so "run" always stops at validation (nothing boots, no
 * daemon starts).  stdout/stderr (the stdio streams, not fds 1 and 2, which
 * the sanitizers write to) go to /dev/null.
 * Invariants: the exit status is 0, 1 or 2; no crash, no leak. */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/runner/cli.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_MAX_ARGS 16
#define FZ_MAX_ARG  255

static FILE *fz_null;
static char fz_dir[] = "/tmp/hvsim-fuzz-cli-XXXXXX";

static void fz_cleanup(void)
{
	(void)unlink("d/bad.json");
	(void)rmdir("d");
	(void)unlink("bad.json");
	if (chdir("/") == 0)
		(void)rmdir(fz_dir);
}

static void fz_write(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f)
		abort();
	fputs(text, f);
	fclose(f);
}

static void fz_sandbox(void)
{
	if (!mkdtemp(fz_dir) || chdir(fz_dir) != 0 || mkdir("d", 0700) != 0)
		abort();
	atexit(fz_cleanup);
	static const char bad[] = "{\"name\": \"bad\", \"steps\": [{\"nosuchstep\": 1}]}\n";
	fz_write("bad.json", bad);
	fz_write("d/bad.json", bad);
	fz_null = fopen("/dev/null", "w");
	if (!fz_null)
		abort();
}

/* glibc's getopt keeps a pointer into the previous argv between calls
 * (its "next char" in a cluster like -vZq); optind = 0 makes the next
 * getopt re-initialise.  hvsim_main resets only optind = 1, which is
 * enough once per process but not for a second call with new strings. */
static void fz_getopt_reset(void)
{
	char a0[] = "x";
	char *argv[] = { a0, NULL };
	optind = 0;
	opterr = 0;
	(void)getopt(1, argv, "");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!fz_null)
		fz_sandbox();
	static char store[FZ_MAX_ARGS][FZ_MAX_ARG + 1];
	char *argv[FZ_MAX_ARGS + 2];
	char a0[] = "hvsim";
	int argc = 0;
	argv[argc++] = a0;
	size_t i = 0;
	while (i < size && argc <= FZ_MAX_ARGS) {
		char *a = store[argc - 1];
		size_t n = 0;
		while (i < size && data[i] != '\0') {
			if (n < FZ_MAX_ARG)
				a[n++] = data[i] == '/' ? '_' : (char)data[i];
			i++;
		}
		i++; /* the separator */
		a[n] = '\0';
		if (strcmp(a, "..") == 0)
			a[0] = '_';
		argv[argc++] = a;
	}
	argv[argc] = NULL;

	FILE *out = stdout, *err = stderr;
	stdout = fz_null;
	stderr = fz_null;
	fz_getopt_reset();
	int rc = hvsim_main(argc, argv);
	stdout = out;
	stderr = err;
	if (rc < 0 || rc > 2)
		abort();
	return 0;
}
