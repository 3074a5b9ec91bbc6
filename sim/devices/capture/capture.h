/* capture.h -- capture one guest's host traffic into a directory:
 * vmbus.pcapng (every VMBus channel message and ring packet, both
 * directions; format in capture_wire.h) and hn<i>.pcap (the Ethernet
 * frames of synthetic NIC i, classic pcap).  Both use the partition's
 * virtual clock for timestamps, so the files line up.
 *
 * Driven by the host commands capture.start / capture.stop
 * (hostcmd_capture.c), so inproc and split runs capture the same way.
 * Single-threaded: the hostside's driver thread calls everything. */
#ifndef SIM_DEVICES_CAPTURE_CAPTURE_H
#define SIM_DEVICES_CAPTURE_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

struct hostside;
struct capture;

#define CAP_VMBUS_FILE "vmbus.pcapng"

struct capture_stats {
	uint64_t records;      /* VMBus records written */
	uint64_t msgs, pkts;   /* of those: channel messages, ring packets */
	uint64_t bytes;        /* raw bytes of those records */
	uint64_t write_errors; /* records lost to a failed write */
	unsigned nics;         /* hn<i>.pcap files opened */
};

/* Start capturing hs into directory 'dir' (created when missing, parents
 * too; existing files are replaced).  The capture is attached to hs and
 * ends at capture_stop or hostside_destroy.  0, or -EBUSY (one runs),
 * -ENOMEM, -errno from creating the directory or a file; err says which. */
int capture_start(struct hostside *hs, const char *dir, char *err, size_t errlen);
/* Stop, close the files and report what was written.  -ENOENT when no
 * capture runs; otherwise 0, or the first write error (the files are
 * closed either way).  st may be NULL. */
int capture_stop(struct hostside *hs, struct capture_stats *st);
/* Counters of the running capture: 0 or -ENOENT. */
int capture_get_stats(struct hostside *hs, struct capture_stats *st);
/* The directory of the running capture, NULL if none (lives until stop). */
const char *capture_dir(struct hostside *hs);

/* For hostside_destroy: stop and free without reporting.  NULL-tolerant. */
void capture_free(struct capture *cap);

#endif /* SIM_DEVICES_CAPTURE_CAPTURE_H */
