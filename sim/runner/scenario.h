/* scenario.h -- a scenario file, loaded and validated before anything runs.
 * The format is documented in docs/scenarios.md and scenarios/scenario.schema.json. */
#ifndef SIM_RUNNER_SCENARIO_H
#define SIM_RUNNER_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/devices/devspec.h"

#define SCN_MAX_FILE_BYTES  (1u << 20) /* RELIABILITY.md 4.4 */
#define SCN_MAX_DEPTH       32u
#define SCN_MAX_STEPS       1024u
#define SCN_MAX_VCPUS       64u
#define SCN_MIN_MEMORY_MB   4u
#define SCN_MAX_MEMORY_MB   16384u
#define SCN_MAX_ATTACHED    64u

struct scn_step_def;

struct scn_step {
	const struct scn_step_def *def;  /* what kind of step (scn_step.h) */
	char     label[64];     /* the step's "name", or its action's key */
	unsigned line;          /* where it starts in the file */
	uint64_t timeout_ms;    /* virtual-time limit of the step */
	void    *args;          /* the action's parsed arguments (def->args_size) */
};

/* What the protocol checker's findings do to a run. */
enum scn_checker {
	SCN_CHECKER_ENFORCE = 0,  /* a violation fails the scenario (hints are listed) */
	SCN_CHECKER_REPORT,       /* listed only (scenarios that misbehave on purpose) */
	SCN_CHECKER_OFF,
};

struct scenario {
	char     path[4096];
	char     name[64];
	char     description[256];
	char     profile[32];
	enum scn_checker checker;
	uint32_t vcpus;
	uint64_t memory_mb;
	uint64_t time_limit_ms;  /* whole-run virtual-time limit */
	/* devices: NICs in offer order (hn0, hn1 ...), the SCSI controller's
	 * LUNs, the ATA disk; paths made absolute at load. */
	struct devspec dev;
	unsigned hot_nics;       /* "nic.add" host steps: NIC units past devices.nics */
	size_t   nsteps;
	size_t   nsteps_alloc;
	struct scn_step *steps;
};

/* Load and validate 'path'.  On failure returns NULL and writes one line
 * "FILE:LINE: JSON-PATH: reason" into err.  Free with scenario_free. */
struct scenario *scenario_load(const char *path, char *err, size_t errlen);
struct scenario_load_opts {
	/* Disk images must resolve to a file under this directory (default:
	 * the scenario's own directory): a scenario from elsewhere cannot
	 * open the host's files. */
	const char *image_root;
};
struct scenario *scenario_load_with(const char *path, const struct scenario_load_opts *o,
				    char *err, size_t errlen);
/* The same from a buffer ('name' only labels errors). */
struct scenario *scenario_parse(const char *name, const char *text, size_t len,
				char *err, size_t errlen);
void scenario_free(struct scenario *s);

#endif /* SIM_RUNNER_SCENARIO_H */
