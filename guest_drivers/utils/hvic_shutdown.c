/* hvic_shutdown.c -- guest shutdown: check the flags, answer, then hand
 * over to the hook user level installed (in task context, after the reply
 * is on its way). */
#include <string.h>

#include "guest_drivers/kern.h"
#include "guest_drivers/utils/hvic_var.h"

static struct {
	struct kern_task task;
	uint32_t flags, reason;
} sd_pending;

static void sd_run(void *arg)
{
	(void)arg;
	kern_log(KERN_INFO, "hvic", "shutdown: flags 0x%x reason 0x%x", sd_pending.flags,
		 sd_pending.reason);
	if (hvic_g.sd_hook)
		hvic_g.sd_hook(hvic_g.sd_arg, sd_pending.flags, sd_pending.reason);
}

static uint32_t sd_request(struct hvic_sc *sc, uint8_t *body, uint32_t len, uint64_t tid)
{
	(void)tid;
	struct vmbus_ic_shutdown m;
	if (len < VMBUS_IC_SHUTDOWN_MIN_SIZE) {
		sc->sc_st.bad_body++;
		return VMBUS_IC_E_FAIL;
	}
	memcpy(&m, body, VMBUS_IC_SHUTDOWN_MIN_SIZE);
	/* Unknown flags, or hibernation we cannot do: refuse, do nothing
	 * (RELIABILITY 88). */
	if ((m.flags & ~VMBUS_IC_SHUTDOWN_FLAGS_KNOWN) ||
	    ((m.flags & VMBUS_IC_SHUTDOWN_FLAG_HIBERNATE) && !hvic_g.cfg.hibernate) ||
	    ((m.flags & VMBUS_IC_SHUTDOWN_FLAG_HIBERNATE) &&
	     (m.flags & VMBUS_IC_SHUTDOWN_FLAG_RESTART))) {
		sc->sc_st.sd_refused++;
		return VMBUS_IC_E_FAIL;
	}
	sc->sc_st.sd_accepted++;
	sc->sc_st.sd_last_flags = m.flags;
	sd_pending.flags = m.flags;
	sd_pending.reason = m.reason_code;
	/* After the reply: the task runs once this callback returns. */
	kern_task_init(&sd_pending.task, sd_run, NULL);
	kern_task_enqueue(0, &sd_pending.task);
	return VMBUS_IC_S_OK;
}

static void sd_detach(struct hvic_sc *sc)
{
	(void)sc;
	kern_task_cancel(&sd_pending.task);
}

const struct hvic_ic hvic_ic_shutdown = {
	.name = "shutdown",
	.msgtype = VMBUS_ICMSG_SHUTDOWN,
	.class_id = VMBUS_GUID_SHUTDOWN,
	.versions = { 0x00010000u, 0x00030000u, 0x00030001u, 0x00030002u },
	.nversions = 4,
	.request = sd_request,
	.detach = sd_detach,
};
