/* storvsp.h -- the host's synthetic SCSI controller: a VMBus device that
 * speaks VSTOR (handshake, EXECUTE_SRB, resets, sub-channels, hot add and
 * remove of LUNs) in front of SCSI LUNs over block back ends. */
#ifndef SIM_DEVICES_STORVSP_H
#define SIM_DEVICES_STORVSP_H

#include <stdbool.h>
#include <stdint.h>

#include "hyperv/vmbus_guid.h"
#include "sim/devices/scsi/scsi_tgt.h"

struct vmbs;
struct storvsp; /* opaque; storvsp_var.h */

#define STORVSP_MAX_TARGETS  2u   /* Linux storvsc max_id */
#define STORVSP_MAX_LUNS     64u  /* Hyper-V locations 0-63 per controller */
#define STORVSP_QUEUE_DEPTH  256u /* per channel (RELIABILITY 4.4: storvsp) */
#define STORVSP_MAX_SUBCH    64u

struct storvsp_config {
	struct vmbus_guid instance_id;   /* zero: a fixed default */
	uint16_t vstor_max_version;      /* VSTOR_VERSION_*, the profile's ceiling */
	uint16_t max_subchannels;        /* advertised in QUERY_PROPERTIES (WIN8+), <= 64 */
	uint32_t max_transfer_bytes;     /* 0 = 256 KiB */
	uint16_t queue_depth;            /* per channel, 0 = STORVSP_QUEUE_DEPTH */
	/* HV_QUIRK_PHANTOM_LUNS (ws2016): absent LUNs answer INQUIRY with a
	 * full "Msft Virtual Disk" header behind byte 0 0x7F and TEST UNIT
	 * READY with GOOD.  UNVERIFIED beyond the 0x7F 0x00 0x05 0x02 0x1F
	 * header, which every WIN10 host sends (without the quirk too). */
	bool phantom_luns;
};

/* Create the controller and offer it on 'vb' (borrowed; destroy the
 * server first, then this).  NULL with errno. */
struct storvsp *storvsp_create(struct vmbs *vb, const struct storvsp_config *cfg);
void storvsp_destroy(struct storvsp *sv); /* NULL-tolerant */

/* Attach 'b' (owned from now on, closed on failure too) as target/lun.
 * When the guest is up, ENUMERATE_BUS tells it to rescan (hot add).
 * 0, -EINVAL (address out of range), -EEXIST, -ENOMEM. */
int storvsp_lun_add(struct storvsp *sv, uint8_t target, uint8_t lun, struct blk *b,
		    const struct scsi_lun_opts *o);
/* Detach (hot remove): I/O in flight completes aborted; the guest is told
 * to rescan.  0 or -ENOENT. */
int storvsp_lun_remove(struct storvsp *sv, uint8_t target, uint8_t lun);
/* The LUN at an address (for fault injection: scsi_lun_blk), or NULL. */
struct scsi_lun *storvsp_lun(struct storvsp *sv, uint8_t target, uint8_t lun);

/* Hot remove of the whole controller (rescind its channels); the LUNs
 * stay until storvsp_destroy.  I/O in flight completes into nothing.
 * 0, -ENOENT (already rescinded), or vmbs_dev_remove's error. */
int storvsp_rescind(struct storvsp *sv);

/* Deliver finished block I/O and send completions; true when some ran. */
bool storvsp_poll(struct storvsp *sv);

struct storvsp_stats {
	uint64_t requests, srbs, completions, busy, invalid_state, invalid_srb, closes,
		 send_deferred, dropped_completions, enumerates;
	uint16_t version;                /* negotiated, 0 before */
	uint16_t subchannels;            /* offered */
	unsigned inflight;
	/* additions */
	uint32_t pkt_size;               /* VSTOR packet size of the version (48 or 64), 0 before */
	uint64_t chan_srbs[STORVSP_MAX_SUBCH + 1]; /* EXECUTE_SRBs taken per channel (sub-channel index) */
};
void storvsp_get_stats(const struct storvsp *sv, struct storvsp_stats *out);

#endif /* SIM_DEVICES_STORVSP_H */
