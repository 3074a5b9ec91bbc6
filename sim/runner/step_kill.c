/* step_kill.c -- the host crashes at a chosen step: hvsim-hostd is
 * SIGKILLed (split mode, a daemon this run started) and the step passes
 * when the guest notices the host is gone within the step's time limit,
 * instead of hanging.  Later steps that need the host fail, so this is
 * usually a scenario's last step. */
#include <errno.h>
#include <stdio.h>

#include "sim/guest/guest_actions.h"
#include "sim/runner/run_var.h"
#include "sim/runner/scn_step.h"
#include "sim/runner/session.h"

#define KILL_POLL_MS 5u

struct scn_kill {
	unsigned target;
};

static void parse_kill(struct scn_vctx *v, json_t *body, void *args)
{
	static const char *const keys[] = { "target", NULL };
	static const char *const targets[] = { "daemon", NULL };
	struct scn_kill *k = args;
	if (scn_body(v, body, keys))
		scn_get_enum(v, body, "target", targets, true, &k->target);
}

static int do_kill(struct run_state *st, const void *args)
{
	(void)args;
	if (run_need_os(st, "kill"))
		return -1;
	char err[256];
	if (session_kill_host(st->ss, err, sizeof err) != 0)
		return run_fail(st, "kill: %s", err);
	/* The step's own time limit bounds the wait (real time in split). */
	for (;;) {
		int rc = gk_guest_sleep(session_runtime(st->ss), KILL_POLL_MS * 1000000ull);
		if (rc == -ENODEV)
			break;
		if (rc)
			return run_fail(st, "kill: waiting for the guest: %s", run_why_errno(rc));
	}
	run_info(st, "the guest saw the host go away");
	/* Nothing is left to tear down in order, nor a checker to ask. */
	st->guest_down = true;
	st->host_lost = true;
	return 0;
}

const struct scn_step_def scn_step_kill = {
	.key = "kill",
	.summary = "SIGKILL the daemon (split): the guest must notice, not hang: {\"target\": \"daemon\"}",
	.args_size = sizeof(struct scn_kill), .parse = parse_kill, .run = do_kill,
};
