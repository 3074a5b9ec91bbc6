/* guest_actions.h -- what the runner may ask of the guest OS (boot the
 * platform, let time pass), run in guest context on a gk_runtime.  The
 * runner sees only these sim-side types, never guest_drivers/ headers. */
#ifndef SIM_GUEST_GUEST_ACTIONS_H
#define SIM_GUEST_GUEST_ACTIONS_H

#include <stdbool.h>
#include <stdint.h>

struct gk_runtime;

#define GK_REPORT_MAX_CPUS 64

struct gk_boot_report {
	int      status;             /* hyperv_init's result: 0, -ENODEV, -errno */
	bool     hypervisor_bit;
	char     vendor[13];
	uint32_t max_leaf;
	bool     hyperv;
	uint32_t interface;
	uint32_t build;
	uint16_t ver_major, ver_minor;
	uint32_t features_eax, features_ebx, features_edx;
	uint64_t guest_os_id;
	bool     hypercall_page;
	uint32_t ncpus;
	struct {
		uint32_t vp_index;
		bool     synic;
		uint64_t simp_gpa, siefp_gpa;
		uint8_t  vector;
	} cpu[GK_REPORT_MAX_CPUS];
	char     clock[32];
	uint64_t tsc_hz;
	uint64_t ref_time;           /* reference time read right after boot (100 ns) */
};

/* Detect the hypervisor and bring up the platform in guest context.
 * Fills *out (status says how it went).  Returns 0 when the action ran,
 * -ENODEV if the host went away. */
int gk_guest_boot(struct gk_runtime *rt, struct gk_boot_report *out);
/* Tear the platform down again (after a successful boot). */
int gk_guest_shutdown(struct gk_runtime *rt);
/* Sleep 'ns' of guest time in guest context (timers, interrupts and host
 * work go on).  0, or -ENODEV if the host went away. */
int gk_guest_sleep(struct gk_runtime *rt, uint64_t ns);
/* Guest time now (ns). */
uint64_t gk_guest_now(struct gk_runtime *rt);

#endif /* SIM_GUEST_GUEST_ACTIONS_H */
