/* hvic_heartbeat.c -- guest heartbeat: answer sequence + 1. */
#include <string.h>

#include "guest_drivers/utils/hvic_var.h"

static uint32_t hb_request(struct hvic_sc *sc, uint8_t *body, uint32_t len, uint64_t tid)
{
	(void)tid;
	uint64_t seq;
	/* A host may send only the sequence number (devices.md D.4). */
	if (len < VMBUS_IC_HEARTBEAT_MIN_SIZE) {
		sc->sc_st.bad_body++;
		return VMBUS_IC_E_FAIL;
	}
	memcpy(&seq, body, sizeof seq);
	seq++; /* wraps */
	memcpy(body, &seq, sizeof seq);
	return VMBUS_IC_S_OK;
}

const struct hvic_ic hvic_ic_heartbeat = {
	.name = "heartbeat",
	.msgtype = VMBUS_ICMSG_HEARTBEAT,
	.class_id = VMBUS_GUID_HEARTBEAT,
	.versions = { 0x00010000u, 0x00030000u },
	.nversions = 2,
	.request = hb_request,
};
