/* report.c -- TAP and JUnit output of a run's results. */
#include "sim/runner/report.h"

#include <errno.h>
#include <stdbool.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void report_tap(FILE *f, const struct report_item *it, unsigned n)
{
	fprintf(f, "TAP version 13\n1..%u\n", n);
	for (unsigned i = 0; i < n; i++) {
		bool ok = it[i].res->verdict == RUN_PASS;
		fprintf(f, "%sok %u - %s (seed %" PRIu64 ")\n", ok ? "" : "not ", i + 1, it[i].path,
			it[i].seed);
		if (!ok) {
			/* A YAML string in single quotes: double any quote inside. */
			fputs("  ---\n  message: '", f);
			for (const char *c = it[i].res->reason; *c; c++) {
				if (*c == '\'')
					fputc('\'', f);
				fputc(*c == '\n' ? ' ' : *c, f);
			}
			fputs("'\n  ...\n", f);
		}
	}
	fflush(f);
}

static void xml_escaped(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		switch (c) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&apos;", f); break;
		default:
			/* XML 1.0 forbids most control characters, even escaped. */
			if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
				fputc('?', f);
			else
				fputc(c, f);
		}
	}
}

int report_junit(const char *path, const struct report_item *it, unsigned n)
{
	char tmp[4200];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (!f)
		return -1;
	unsigned failures = 0;
	double total = 0;
	for (unsigned i = 0; i < n; i++) {
		failures += it[i].res->verdict != RUN_PASS;
		total += it[i].res->wall_s;
	}
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<testsuites tests=\"%u\" failures=\"%u\" time=\"%.3f\">\n"
		"  <testsuite name=\"hvsim\" tests=\"%u\" failures=\"%u\" errors=\"0\" "
		"time=\"%.3f\">\n", n, failures, total, n, failures, total);
	for (unsigned i = 0; i < n; i++) {
		fputs("    <testcase classname=\"", f);
		xml_escaped(f, it[i].path);
		fputs("\" name=\"", f);
		xml_escaped(f, it[i].name);
		fprintf(f, " (seed %" PRIu64 ")\" time=\"%.3f\"", it[i].seed, it[i].res->wall_s);
		if (it[i].res->verdict == RUN_PASS) {
			fputs("/>\n", f);
			continue;
		}
		fputs(">\n      <failure message=\"", f);
		xml_escaped(f, it[i].res->reason);
		fputs("\"/>\n    </testcase>\n", f);
	}
	fputs("  </testsuite>\n</testsuites>\n", f);
	bool bad = ferror(f) != 0;
	if (fclose(f) != 0 || bad || rename(tmp, path) != 0) {
		int e = errno;
		unlink(tmp);
		errno = e ? e : EIO;
		return -1;
	}
	return 0;
}
