/* run.h -- run one validated scenario on a session and report each step. */
#ifndef SIM_RUNNER_RUN_H
#define SIM_RUNNER_RUN_H

#include <stdbool.h>
#include <stdio.h>

#include "sim/runner/session.h"

struct scenario;

struct run_opts {
	struct session_opts session;
	bool  quiet;         /* -q: only the summary line */
	bool  color;         /* marks in colour (a terminal) */
	FILE *out;
	const char *capture_dir;  /* --capture: absolute directory, NULL = off */
	bool  capture_per_run;    /* several runs: one sub-directory each */
};

enum run_verdict { RUN_PASS = 0, RUN_FAIL = 1, RUN_BAD_INPUT = 2 };

struct run_result {
	enum run_verdict verdict;
	unsigned steps_run, steps_passed;
	/* 1-based index of the step under way (0: none, or between steps):
	 * the parent of a forked run reads it to name the step a hung run
	 * was stuck in. */
	volatile unsigned step_now;
	double   wall_s, virt_s;
	char     reason[512];     /* first failure */
};

enum run_verdict run_scenario(const struct scenario *s, const struct run_opts *o,
			      struct run_result *res);

#endif /* SIM_RUNNER_RUN_H */
