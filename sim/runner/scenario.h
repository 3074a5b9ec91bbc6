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

enum scn_step_kind {
	SCN_STEP_BOOT,     /* detect the hypervisor, bring up the platform */
	SCN_STEP_EXPECT,   /* check what boot found */
	SCN_STEP_WAIT,     /* let guest time pass */
};

/* What an expect step checks; a field is checked only when its has_ flag is set. */
struct scn_expect {
	bool has_hyperv;      bool hyperv;
	bool has_vendor;      char vendor[16];
	bool has_clock;       char clock[32];
	bool has_synic_all;   bool synic_all;
	bool has_vcpus;       uint32_t vcpus;
	bool has_build;       uint32_t build;
	bool has_tsc_hz;      uint64_t tsc_hz;
	bool has_vmbus_version; uint32_t vmbus_version;  /* VMBUS_VERSION_* */
	bool has_attached;    uint32_t nattached;        /* units in offer order */
	char attached[SCN_MAX_ATTACHED][24];
};

/* Options of a boot step. */
struct scn_boot {
	bool     vmbus;              /* connect VMBus after the platform (default true) */
	uint32_t vmbus_max_version;  /* 0 = newest the guest knows */
	bool     force_hypercall;    /* never signal through monitor pages */
};

struct scn_step {
	enum scn_step_kind kind;
	char     label[64];     /* the step's "name", or a default */
	unsigned line;          /* where it starts in the file */
	uint64_t timeout_ms;    /* virtual-time limit of the step */
	union {
		struct scn_expect expect;
		struct scn_boot boot;
		struct { uint64_t ms; } wait;
	} u;
};

struct scenario {
	char     path[4096];
	char     name[64];
	char     description[256];
	char     profile[32];
	uint32_t vcpus;
	uint64_t memory_mb;
	uint64_t time_limit_ms;  /* whole-run virtual-time limit */
	size_t   nsteps;
	struct scn_step *steps;
};

/* Load and validate 'path'.  On failure returns NULL and writes one line
 * "FILE:LINE: JSON-PATH: reason" into err.  Free with scenario_free. */
struct scenario *scenario_load(const char *path, char *err, size_t errlen);
/* The same from a buffer ('name' only labels errors). */
struct scenario *scenario_parse(const char *name, const char *text, size_t len,
				char *err, size_t errlen);
void scenario_free(struct scenario *s);

const char *scn_step_kind_name(enum scn_step_kind k);

#endif /* SIM_RUNNER_SCENARIO_H */
