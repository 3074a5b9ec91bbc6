/* run_var.h -- the state one scenario run carries from step to step, and
 * the helpers step implementations share (runner-internal). */
#ifndef SIM_RUNNER_RUN_VAR_H
#define SIM_RUNNER_RUN_VAR_H

#include <stdbool.h>
#include <stdio.h>

#include "sim/guest/guest_actions.h"
#include "sim/guest/guest_vmbus.h"
#include "sim/runner/run.h"

struct scenario;

struct run_state {
	const struct scenario *s;
	const struct run_opts *o;
	struct session        *ss;
	struct gk_boot_report  boot;
	bool                   booted;
	struct gk_vmbus_report vmbus;
	bool                   ics_started, vmbus_up, net_started, disks_started;
	/* The boot step ran: the guest OS is up, with or without Hyper-V
	 * (an emulated disk works on any platform). */
	bool                   os_up;
	/* The guest shut itself down in order (IC shutdown request): later
	 * steps that need a running guest fail, the run's end skips teardown. */
	bool                   guest_down;
	/* A kill step took the daemon down on purpose: no checker verdict. */
	bool                   host_lost;
	/* Set from guest context by the shutdown IC's hook (another thread in
	 * split mode): the guest accepted a host shutdown request. */
	int                    shutdown_requested;   /* atomic */
	uint32_t               shutdown_flags;       /* atomic */
	bool                   capturing;            /* capture.start succeeded */
	char                   why[512];
};

/* Say why the current step failed; returns -1. */
__attribute__((format(printf, 2, 3)))
int run_fail(struct run_state *st, const char *fmt, ...);
/* A guest action's negative errno in words (-ENODEV: the host went away). */
const char *run_why_errno(int rc);
/* Detail lines under a step (indented), suppressed by -q. */
__attribute__((format(printf, 2, 3)))
void run_info(struct run_state *st, const char *fmt, ...);
/* The shutdown IC's hook (gk_guest_ic_on_shutdown): arg is the run_state. */
void run_on_guest_shutdown(void *arg, uint32_t flags, uint32_t reason);
/* The guest accepted a shutdown request: shut it down in order (drivers
 * detach, channels close, UNLOAD, platform off) as its OS would.  Once. */
int run_guest_shutdown_in_order(struct run_state *st);
/* Fails the step unless the guest is up and running on Hyper-V. */
int run_need_guest(struct run_state *st, const char *what);
/* Fails the step unless the guest OS booted (any platform). */
int run_need_os(struct run_state *st, const char *what);

/* run_capture.c: --capture; start fails the run (a reason in why),
 * stop reports on the run's output. */
int  run_capture_start(struct run_state *st);
void run_capture_stop(struct run_state *st);

#endif /* SIM_RUNNER_RUN_VAR_H */
