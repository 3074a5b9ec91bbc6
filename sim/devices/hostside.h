/* hostside.h -- everything the host runs for one guest beyond the
 * partition: the VMBus server and the device back ends offered on it.
 * Sans-I/O like its parts; the in-process runner and hvsim-hostd both
 * drive it the same way (pump after every guest input and after kick). */
#ifndef SIM_DEVICES_HOSTSIDE_H
#define SIM_DEVICES_HOSTSIDE_H

#include <stdbool.h>
#include <stdint.h>

struct gmem;
struct part;
struct vmbs;
struct hostside;

struct hostside_config {
	bool     vmbus;           /* run a VMBus server (false: bare partition) */
	uint32_t max_channels;    /* 0 = the server's default */
};

struct hostside_notify {
	void (*kick)(void *arg);                 /* call hostside_pump soon */
	void (*trace)(void *arg, const char *line);
};

/* Create for partition p over gm (both borrowed, must outlive it).  NULL
 * with errno on failure. */
struct hostside *hostside_create(struct part *p, struct gmem *gm,
				 const struct hostside_config *cfg,
				 const struct hostside_notify *out, void *arg);
void hostside_destroy(struct hostside *hs); /* NULL-tolerant */

/* Run pending work; true when some is left (call again). */
bool hostside_pump(struct hostside *hs);
/* The VMBus server, NULL when cfg.vmbus was false. */
struct vmbs *hostside_vmbs(struct hostside *hs);

#endif /* SIM_DEVICES_HOSTSIDE_H */
