/* scn_step.h -- what a kind of scenario step is: its key, how its body is
 * validated (before anything runs) and how it runs.  Each subsystem keeps
 * its steps in its own step_*.c; step_table.c lists them all. */
#ifndef SIM_RUNNER_SCN_STEP_H
#define SIM_RUNNER_SCN_STEP_H

#include <stddef.h>

#include "sim/runner/scn_json.h"

struct run_state;

struct scn_step_def {
	const char *key;        /* the action's key inside a step: "boot" */
	const char *summary;    /* one line for `hvsim list steps` */
	size_t      args_size;  /* bytes of parsed arguments (zeroed before parse) */
	/* Validate 'body' into args; report problems with scn_fail.  v->s
	 * holds the sections parsed before the steps (host, guest, devices). */
	void (*parse)(struct scn_vctx *v, json_t *body, void *args);
	/* Run it: 0, or -1 after run_fail() said why. */
	int  (*run)(struct run_state *st, const void *args);
	/* Optional: free what parse allocated inside args. */
	void (*free_args)(void *args);
};

/* Every step kind, NULL-terminated, in the order `hvsim list` shows them. */
extern const struct scn_step_def *const scn_step_defs[];
const struct scn_step_def *scn_step_find(const char *key);

#endif /* SIM_RUNNER_SCN_STEP_H */
