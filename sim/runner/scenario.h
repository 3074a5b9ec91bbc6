/* scenario.h -- a scenario file, loaded and validated before anything runs.
 * The format is documented in docs/scenarios.md and scenarios/scenario.schema.json. */
#ifndef SIM_RUNNER_SCENARIO_H
#define SIM_RUNNER_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

#define SCN_MAX_NICS 8u
/* A synthetic NIC on the host and what sits behind it. */
enum scn_nic_backend { SCN_NIC_PEER = 0, SCN_NIC_NULL };
struct scn_nic {
	enum scn_nic_backend backend;
	uint32_t peer_ip;          /* host byte order (peer) */
	uint16_t queues;           /* host's vRSS ceiling, 0 = default */
	bool     link_down;        /* cable out at boot */
	char     pcap[256];        /* capture every frame into this file, "" = none */
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
	unsigned nnics;          /* devices.nics, in offer order: hn0, hn1 ... */
	struct scn_nic nics[SCN_MAX_NICS];
	size_t   nsteps;
	size_t   nsteps_alloc;
	struct scn_step *steps;
};

/* Load and validate 'path'.  On failure returns NULL and writes one line
 * "FILE:LINE: JSON-PATH: reason" into err.  Free with scenario_free. */
struct scenario *scenario_load(const char *path, char *err, size_t errlen);
/* The same from a buffer ('name' only labels errors). */
struct scenario *scenario_parse(const char *name, const char *text, size_t len,
				char *err, size_t errlen);
void scenario_free(struct scenario *s);

#endif /* SIM_RUNNER_SCENARIO_H */
