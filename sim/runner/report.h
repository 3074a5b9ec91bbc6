/* report.h -- machine-readable results of a run: TAP for harnesses that
 * read test output, JUnit XML for CI systems. */
#ifndef SIM_RUNNER_REPORT_H
#define SIM_RUNNER_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "sim/runner/run.h"

struct report_item {
	const char *path;             /* scenario file */
	const char *name;             /* scenario name */
	uint64_t seed;
	const struct run_result *res;
};

/* TAP version 13: the plan, then "ok N - name (seed S)" / "not ok" with the
 * reason as a YAML block. */
void report_tap(FILE *f, const struct report_item *it, unsigned n);
/* JUnit XML into path (written to path.tmp, then renamed): 0 or -1 with errno. */
int report_junit(const char *path, const struct report_item *it, unsigned n);

#endif /* SIM_RUNNER_REPORT_H */
