/* scsi_tgt.h -- a SCSI direct-access target per LUN over a struct blk:
 * CDB in, blk requests out, completion builds status, sense and the SRB
 * status storvsp reports.  Sans-I/O: it never blocks; block I/O completes
 * from scsi_lun_poll() (i.e. blk_poll) on the owner's thread. */
#ifndef SIM_DEVICES_SCSI_TGT_H
#define SIM_DEVICES_SCSI_TGT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "hyperv/scsi.h"
#include "sim/devices/blk/blk.h"

struct scsi_lun; /* opaque; scsi_tgt_var.h */

/* Data direction as the initiator declared it (SRB data_in). */
enum scsi_dir { SCSI_DIR_NONE, SCSI_DIR_IN /* device -> initiator */, SCSI_DIR_OUT };

/* One command.  The transport fills the inputs, calls scsi_lun_exec() and
 * keeps the struct alive until it is completed. */
struct scsi_io {
	/* in */
	uint8_t cdb[16];
	uint8_t cdb_len;            /* 1..16 (checked by the transport) */
	enum scsi_dir dir;
	const struct iovec *iov;    /* the initiator's data buffer (host view of guest pages) */
	int iovcnt;
	uint32_t buf_len;           /* total bytes of iov */
	void (*done)(struct scsi_io *io); /* asynchronous completion only */
	void *arg;
	/* out */
	uint8_t status;             /* SCSI_STATUS_* */
	uint8_t srb_status;         /* VSTOR_SRB_STATUS_* without the flag bits */
	uint8_t sense_len;          /* 0 or SCSI_SENSE_FIXED_SIZE */
	uint8_t sense[SCSI_SENSE_FIXED_SIZE];
	uint32_t xferred;           /* data bytes moved */
	/* private to the target */
	struct scsi_lun *io_lun;
	struct blk_req io_breq;
	uint8_t io_op;              /* opcode being run */
	uint8_t io_write;           /* blk error maps to a write error */
	uint16_t io_udesc, io_ndesc; /* UNMAP: next descriptor, count */
	uint8_t *io_heap;           /* UNMAP descriptors / WRITE SAME pattern */
	struct iovec *io_wsiov;     /* WRITE SAME repeated pattern */
};

/* scsi_lun_exec() results */
#define SCSI_EXEC_DONE    0     /* outputs filled now; done() is not called */
#define SCSI_EXEC_PENDING 1     /* done() follows from scsi_lun_poll() */

struct scsi_lun_opts {
	uint64_t id;                /* unique id: VPD 0x83 NAA and VPD 0x80 serial */
	const char *serial;         /* VPD 0x80 text (<= 32 chars); NULL: from id */
	bool no_fua;                /* don't advertise DPOFUA (FUA still honoured) */
	uint32_t max_xfer_bytes;    /* VPD B0 maximum transfer; 0 = 256 KiB */
};

/* Create a LUN over 'b', which it owns from now on (closed by destroy,
 * also on failure).  0, -EINVAL, -ENOMEM. */
int  scsi_lun_create(struct blk *b, const struct scsi_lun_opts *o, struct scsi_lun **out);
/* Close the blk: queued I/O completes (done() runs, srb ABORTED/error).
 * NULL-tolerant. */
void scsi_lun_destroy(struct scsi_lun *lun);

/* Run one command.  Returns SCSI_EXEC_DONE or SCSI_EXEC_PENDING. */
int  scsi_lun_exec(struct scsi_lun *lun, struct scsi_io *io);
/* Deliver finished block I/O (done() callbacks).  Returns how many. */
unsigned scsi_lun_poll(struct scsi_lun *lun);
int  scsi_lun_event_fd(const struct scsi_lun *lun);
unsigned scsi_lun_inflight(const struct scsi_lun *lun);
struct blk *scsi_lun_blk(struct scsi_lun *lun);
/* Queue a unit attention (e.g. SCSI_ASC_REPORTED_LUNS_CHANGED): the next
 * command other than INQUIRY / REPORT LUNS / REQUEST SENSE gets CHECK
 * CONDITION with it. */
void scsi_lun_unit_attention(struct scsi_lun *lun, uint16_t ascq);
/* Commands counted by outcome (for tests and stats). */
struct scsi_lun_stats { uint64_t cmds, good, check, io_errors, reads, writes, flushes, unmaps; };
void scsi_lun_stats(const struct scsi_lun *lun, struct scsi_lun_stats *out);

/* ---- addresses with no LUN behind them ------------------------------------
 * Hyper-V answers INQUIRY for any LUN address: GOOD with peripheral byte
 * 0x7F (qualifier "not capable", type unknown).  Everything else gets SRB
 * INVALID_LUN with no sense.  VPD INQUIRY: ILLEGAL REQUEST / INVALID FIELD. */
enum scsi_absent_mode {
	/* NOTE WIN7/WIN8/WIN8.1 hosts (ws2008r2 .. ws2012r2): byte 0 0x7F and
	 * the rest zero -- version and response format 0 too, which FreeBSD's
	 * storvsc patches up ("wrong response returned from WS2012") for
	 * exactly those protocol versions. */
	SCSI_ABSENT_HYPERV,
	/* NOTE ws2016 (HV_QUIRK_PHANTOM_LUNS): the reply behind 0x7F is a
	 * well-formed SPC-3 disk INQUIRY (0x7F 0x00 0x05 0x02 0x1F, vendor
	 * "Msft", product "Virtual Disk") and TEST UNIT READY succeeds, so a
	 * guest that trusts the header instead of byte 0 attaches a phantom
	 * disk at every LUN it probes. */
	SCSI_ABSENT_PHANTOM,
	/* NOTE WIN10 hosts (ws2016 and later): a well-formed header, 0x7F 0x00
	 * 0x05 0x02 0x1F, the rest zero (devices.md C.9, FreeBSD's comments);
	 * byte 0 still says "no LUN" and everything else is INVALID_LUN. */
	SCSI_ABSENT_WIN10,
};
void scsi_absent_exec(enum scsi_absent_mode mode, struct scsi_io *io);

/* REPORT LUNS, answered for the whole target: 'luns' (n entries, < 256).
 * Fills io's outputs (always synchronous). */
void scsi_report_luns(const uint8_t *luns, unsigned n, struct scsi_io *io);

/* Allocation hook of the target and of storvsp: the Nth allocation from
 * now fails (0 = the next one); negative turns it off. */
void  scsi_alloc_fail_after(long n);
void *scsi_zalloc(size_t n);

/* Helpers shared with the transport (io must have been zeroed or run
 * through scsi_lun_exec before). */
void scsi_io_check(struct scsi_io *io, uint8_t key, uint16_t ascq, uint8_t srb_status);
void scsi_io_good(struct scsi_io *io);
/* Copy 'len' bytes of a reply into the data buffer, truncated to buf_len
 * and to 'alloc' (the CDB's allocation length); sets xferred. */
void scsi_io_reply(struct scsi_io *io, const void *data, uint32_t len, uint32_t alloc);
/* Fixed-format sense bytes for key/ASC/ASCQ (18 bytes). */
void scsi_sense_build(uint8_t out[SCSI_SENSE_FIXED_SIZE], uint8_t key, uint16_t ascq);
/* The direction a CDB moves data, SCSI_DIR_NONE when it moves none. */
enum scsi_dir scsi_cdb_dir(const uint8_t *cdb);

#endif /* SIM_DEVICES_SCSI_TGT_H */
