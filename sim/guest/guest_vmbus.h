/* guest_vmbus.h -- what the runner may ask of the guest's VMBus bus driver
 * (connect with a version ceiling, list the offers and what attached,
 * disconnect), run in guest context.  Sim-side types only. */
#ifndef SIM_GUEST_GUEST_VMBUS_H
#define SIM_GUEST_GUEST_VMBUS_H

#include <stdbool.h>
#include <stdint.h>

struct gk_runtime;

#define GK_VMBUS_MAX_OFFERS 128

struct gk_vmbus_offer {
	uint32_t relid;
	char     class_id[37];      /* GUID text, lower case */
	char     instance_id[37];
	uint16_t subidx;            /* 0 = primary */
	uint16_t flags;             /* offer channel flags */
	bool     monitor;           /* signalled through the monitor page */
	uint32_t conn_id;           /* guest->host event connection */
	char     driver[24];        /* unit that attached ("hn0"), "" if none */
};

struct gk_vmbus_report {
	int      status;            /* vmbus_init's result */
	uint32_t version;           /* VMBUS_VERSION_*, 0 when not connected */
	char     version_str[12];   /* "5.3" */
	uint32_t msg_conn_id;
	uint32_t noffers;           /* channels, primaries and sub-channels, offer order */
	struct gk_vmbus_offer offer[GK_VMBUS_MAX_OFFERS];
};

/* Connect the VMBus (after gk_guest_boot) trying versions up to
 * max_version (0 = newest), force_hypercall = never signal through the
 * monitor page, and fill *out.  Returns 0 when the action ran (out->status
 * says how the connect went), -ENODEV if the host went away. */
int gk_guest_vmbus_connect(struct gk_runtime *rt, uint32_t max_version, bool force_hypercall,
			   struct gk_vmbus_report *out);
/* The current picture (after hot add / remove). */
int gk_guest_vmbus_list(struct gk_runtime *rt, struct gk_vmbus_report *out);
/* Detach drivers, close channels, UNLOAD. */
int gk_guest_vmbus_disconnect(struct gk_runtime *rt);
/* "5.3" for 0x00050003 into buf (>= 12 bytes). */
void gk_vmbus_version_str(uint32_t version, char *buf, unsigned len);

#endif /* SIM_GUEST_GUEST_VMBUS_H */
