/* storvsc.h -- the guest's synthetic SCSI driver (VSTOR over VMBus) and the
 * block API of the disks it finds: controllers "storvsc0".., disks "da0"..
 * in scan order, asynchronous read / write (FUA) / flush / unmap with
 * completion callbacks.
 *
 * Contexts: storvsc_init/_fini and the *_sync helpers sleep (task or call
 * context).  storvsc_disk_submit never sleeps for the host's answer but may
 * wait for ring space; it can be called from a completion callback.
 * Completion callbacks and the disk hook run in task context with no driver
 * lock held.  Types are opaque (storvsc_var.h). */
#ifndef GUEST_DRIVERS_STORVSC_STORVSC_H
#define GUEST_DRIVERS_STORVSC_STORVSC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kern_dma;
struct storvsc_disk;

/* Which channel an I/O goes out on (multi-channel controllers). */
enum storvsc_chan_policy {
	STORVSC_CHAN_BY_CPU = 0,   /* the submitting vCPU's channel, else round robin */
	STORVSC_CHAN_ROUND_ROBIN,  /* every channel in turn */
};

struct storvsc_config {
	uint16_t max_version;      /* VSTOR_VERSION_* ceiling; 0 = WIN10 */
	int      subchannels;      /* -1 = one per extra vCPU (default, 0 here means
				      the same), -2 = none, n > 0 = at most n */
	uint32_t max_luns;         /* LUNs per target probed without REPORT LUNS; 0 = 64 */
	uint8_t  max_targets;      /* 0 = 2 (Hyper-V SCSI) */
	uint32_t queue_depth;      /* requests in flight per channel; 0 = 128 */
	uint32_t busy_retries;     /* BUSY / UNIT ATTENTION retries per I/O; 0 = 8 */
	uint64_t busy_delay_ns;    /* before a BUSY retry; 0 = 10 ms */
	uint64_t io_timeout_ns;    /* host silence that fails an I/O; 0 = 30 s */
	uint64_t init_timeout_ns;  /* each handshake step; 0 = 5 s (Linux) */
	enum storvsc_chan_policy policy;
	/* additions */
	bool     no_report_luns;   /* probe LUNs 0..max_luns-1 one by one (as
				      guests without REPORT LUNS do) */
};
#define STORVSC_DEFAULT_QUEUE_DEPTH 128u
#define STORVSC_MAX_QUEUE_DEPTH     1024u
#define STORVSC_MAX_CHANNELS        64u   /* primary + sub-channels */

/* Register the driver (it attaches to SCSI controller offers as the bus
 * finds them).  0, -EBUSY (already), -ENOMEM. */
int  storvsc_init(const struct storvsc_config *cfg);
/* Unregister: controllers detach, pending I/O fails with -ENODEV. */
void storvsc_fini(void);

/* ---- disks ------------------------------------------------------------------- */

/* Told when a disk appears (added) or goes away (not added).  Runs in task
 * context; the disk pointer is valid during the call (take a reference to
 * keep it).  NULL removes the hook. */
typedef void storvsc_disk_hook(void *arg, struct storvsc_disk *d, bool added);
void storvsc_set_disk_hook(storvsc_disk_hook *fn, void *arg);

/* Live disks, in unit order.  _get/_find return a reference (or NULL):
 * drop it with storvsc_disk_put (NULL-tolerant).  A disk that went away
 * stays valid while referenced; every submit on it fails with -ENODEV. */
unsigned storvsc_disk_count(void);
struct storvsc_disk *storvsc_disk_get(unsigned i);
struct storvsc_disk *storvsc_disk_find(const char *name);
void storvsc_disk_hold(struct storvsc_disk *d);
void storvsc_disk_put(struct storvsc_disk *d);

struct storvsc_disk_info {
	char     name[16];         /* "da0" */
	char     controller[24];   /* "storvsc0" */
	uint8_t  path, target, lun;
	uint64_t nblocks;
	uint32_t block_size;
	uint32_t max_transfer;     /* bytes per SCSI command (larger I/O is split) */
	bool     read_only;        /* MODE SENSE write-protect bit */
	bool     wce;              /* write cache enabled: flush needed for durability */
	bool     fua;              /* DPOFUA: FUA writes honoured */
	bool     can_unmap;        /* READ CAPACITY(16) LBPME */
	bool     gone;             /* removed, or the controller went away */
	char     vendor[9], product[17], revision[5];
	/* additions */
	char     serial[33];       /* VPD 0x80 unit serial, "" when the LUN has none;
				      the key of the ATA priority registry */
};
int storvsc_disk_info(const struct storvsc_disk *d, struct storvsc_disk_info *out);

/* ---- block I/O ------------------------------------------------------------------ */

enum storvsc_op { STORVSC_OP_READ = 0, STORVSC_OP_WRITE, STORVSC_OP_FLUSH, STORVSC_OP_UNMAP };

/* One block request, owned by the caller until done() runs.  Data is
 * either ordinary memory 'buf' (bounced through driver DMA pages) or, with
 * no copy, 'dma' at byte offset 'dma_off' (the caller's kern_dma buffer;
 * after a timeout the host may still write it: see STORVSC_BIO_TIMEDOUT). */
struct storvsc_bio {
	enum storvsc_op op;
	uint64_t lba;              /* in blocks of the disk */
	uint32_t nblocks;          /* READ/WRITE/UNMAP: > 0; FLUSH: 0 */
	void    *buf;              /* READ fills, WRITE reads: nblocks * block_size bytes */
	const struct kern_dma *dma;
	size_t   dma_off;
	bool     fua;              /* WRITE: durable before done() */
	/* Called exactly once when submit returned 0: err 0, -EIO (medium /
	 * hardware / host error), -EINVAL (illegal request, e.g. LBA out of
	 * range), -EOPNOTSUPP (command not supported), -EROFS (data protect),
	 * -ENOSPC (data protect, space allocation failed: 27/07),
	 * -ENODEV (disk or controller gone), -ETIMEDOUT (no answer). */
	void (*done)(struct storvsc_bio *b, int err);
	void    *arg;
	/* results */
	uint8_t  sense_key, asc, ascq;  /* of the failing command, 0 otherwise */
	uint8_t  srb_status, scsi_status;
	uint32_t retries;
	/* private to the driver */
	uint64_t b_issued;         /* bytes handed to commands so far */
	uint32_t b_pending;        /* commands out */
	int      b_err;
	struct storvsc_disk *b_disk;
	struct storvsc_bio *b_next;
};

/* Queue a request.  0: done() follows exactly once.  Rejected now (done()
 * not called): -EINVAL (bad request, past the end), -ENODEV (gone),
 * -EROFS (write to a read-only disk), -EOPNOTSUPP (unmap unsupported). */
int storvsc_disk_submit(struct storvsc_disk *d, struct storvsc_bio *b);
/* Submit and sleep until done: returns the completion's err (or the
 * rejection), or -ETIMEDOUT after timeout_ns (0 = 60 s) -- the request then
 * completes later into a driver-owned copy. Fills b's results. */
int storvsc_disk_sync(struct storvsc_disk *d, struct storvsc_bio *b, uint64_t timeout_ns);

/* ---- controllers and counters ----------------------------------------------------- */

enum storvsc_drop {
	STORVSC_DROP_PKT_TYPE = 0, /* neither a completion nor an in-band host request */
	STORVSC_DROP_SHORT,        /* payload shorter than the VSTOR header / SRB */
	STORVSC_DROP_UNKNOWN_TAG,  /* no request with this transaction id in flight */
	STORVSC_DROP_WRONG_CHAN,   /* completion on another channel than the request */
	STORVSC_DROP_BAD_OP,       /* unknown operation, or a host request with a tid */
	STORVSC_DROP_COUNT
};
struct storvsc_stats {
	bool     attached;
	char     name[24];
	uint16_t version;          /* negotiated VSTOR_VERSION_* */
	uint32_t nchannels;        /* primary + open sub-channels */
	uint16_t host_max_subchannels;
	uint32_t max_transfer;
	uint32_t ndisks;
	uint64_t ios, io_errors, retries, timeouts, late_completions;
	uint64_t clamp_xfer;       /* data_transfer_length past the request: clamped */
	uint64_t clamp_sense;      /* sense length past the buffer: clamped */
	uint64_t bad_op_io;        /* completion with a wrong operation: that I/O failed */
	uint64_t enumerate_bus, remove_device, rescans;
	uint64_t drop[STORVSC_DROP_COUNT];
	uint64_t chan_ios[STORVSC_MAX_CHANNELS]; /* commands sent per channel */
};
/* Controller 'unit' (storvsc<unit>): 0 or -ENOENT (never attached).  A
 * detached controller keeps its last counters. */
int storvsc_get_stats(unsigned unit, struct storvsc_stats *out);
unsigned storvsc_controller_count(void);   /* attached now */

#endif /* GUEST_DRIVERS_STORVSC_STORVSC_H */
