/* capture_var.h -- internal state of a capture and the pcapng writer it
 * uses.  Not an API. */
#ifndef SIM_DEVICES_CAPTURE_CAPTURE_VAR_H
#define SIM_DEVICES_CAPTURE_CAPTURE_VAR_H

#include <limits.h>
#include <stdint.h>

#include "sim/devices/capture/capture.h"

struct cap_pcapng;
struct part;
struct vmbs;

struct capture {
	struct hostside *c_hs;
	struct part *c_part;       /* the clock */
	struct vmbs *c_vb;         /* tapped; NULL without a VMBus */
	struct cap_pcapng *c_vmbus;
	struct capture_stats c_st;
	char c_dir[PATH_MAX];
};

/* One piece of a record. */
struct cap_piece {
	const void *base;
	uint32_t len;
};

/* capture_pcapng.c: open 'path' (truncated) and write the section and
 * interface headers.  0 or -errno. */
int cap_pcapng_open(const char *path, uint16_t linktype, const char *ifname, const char *appl,
		    struct cap_pcapng **out);
/* One packet of the pieces' bytes (cut at CAP_SNAPLEN) at time ts
 * (interface units: 100 ns).  0 or the first write error (sticky). */
int cap_pcapng_write(struct cap_pcapng *w, uint64_t ts, const struct cap_piece *pc, unsigned n);
/* Close; 0 or the first error seen.  NULL-tolerant. */
int cap_pcapng_close(struct cap_pcapng *w);

/* capture.c: device class of an interface GUID (CAP_DEV_*). */
uint8_t cap_dev_class(const void *guid16);

#endif /* SIM_DEVICES_CAPTURE_CAPTURE_VAR_H */
