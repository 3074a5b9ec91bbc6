/* step_platform.h -- the arguments of the platform steps (boot, expect,
 * wait), for the parser's tests. */
#ifndef SIM_RUNNER_STEP_PLATFORM_H
#define SIM_RUNNER_STEP_PLATFORM_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/runner/scenario.h"

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

struct scn_boot {
	bool     vmbus;              /* connect VMBus after the platform (default true) */
	uint32_t vmbus_max_version;  /* 0 = newest the guest knows */
	bool     force_hypercall;    /* never signal through monitor pages */
};

struct scn_wait {
	uint64_t ms;
};

#endif /* SIM_RUNNER_STEP_PLATFORM_H */
