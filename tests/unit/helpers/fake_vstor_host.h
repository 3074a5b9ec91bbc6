/* fake_vstor_host.h -- a scripted VSTOR (synthetic SCSI) device on the real
 * VMBus server, for guest storvsc tests: a small in-memory SCSI target
 * written from the protocol sheet (devices.md part C, scsi byte offsets),
 * with knobs to refuse versions, answer BUSY or UNIT ATTENTION, fail an
 * I/O with a sense code, hold completions, show phantom LUNs, and a hook
 * that mangles any reply before it goes out (hostile-host tests). */
#ifndef TESTS_UNIT_HELPERS_FAKE_VSTOR_HOST_H
#define TESTS_UNIT_HELPERS_FAKE_VSTOR_HOST_H

#include <stdbool.h>
#include <stdint.h>

struct vmbs;
struct vmbs_chan;

#define FVS_TARGETS 2
#define FVS_LUNS    64
#define FVS_HELD    1024

struct fvs_lun {
	bool     present;
	uint8_t *data;            /* nblocks * bs bytes (calloc) */
	uint64_t nblocks;
	uint32_t bs;
	bool     ro;
	bool     unmap;           /* LBPME */
};

struct fvs_held {
	struct vmbs_chan *ch;
	uint64_t tid;
	uint8_t  reply[64];
	uint32_t len;
};

struct fvs {
	struct vmbs *vb;
	struct vmbs_chan *primary;
	/* knobs */
	uint16_t max_version;     /* highest VSTOR version accepted (0 = WIN10) */
	uint16_t max_sub;         /* properties: max_channel_count */
	bool     multi;           /* properties: multi-channel flag */
	uint32_t max_xfer;        /* properties: max_transfer_bytes */
	int      missing_inquiry; /* 0: SRB INVALID_LUN; 1: GOOD 7F 00 05 02 1F (ws2016) */
	bool     report_all;      /* REPORT LUNS lists 0..15 whether there or not */
	bool     no_report_luns;  /* REPORT LUNS: ILLEGAL REQUEST, invalid opcode */
	bool     no_rc16;         /* READ CAPACITY(16): ILLEGAL REQUEST */
	bool     silent_init;     /* never answer handshake steps */
	bool     hold;            /* keep SRB completions in held[] */
	unsigned busy_next;       /* the next n SRBs: SRB BUSY */
	unsigned ua_next;         /* the next n SRBs: UNIT ATTENTION 2A/09 */
	/* fail the fail_nth (1-based) READ/WRITE with CHECK CONDITION + sense */
	unsigned fail_nth;
	uint8_t  fail_key, fail_asc, fail_ascq;
	/* Called on every SRB completion before it goes out. */
	void (*mangle)(struct fvs *f, uint64_t *tid, uint8_t *reply, uint32_t *len);
	void *arg;
	/* state and counters */
	uint16_t version;
	bool     inited;
	unsigned init_ops, versions_tried, sub_requested, sub_offered;
	unsigned nsrb, reads, writes, fua_writes, flushes, unmaps, rw_count;
	unsigned ncdb[256];
	unsigned srb_size_seen;   /* payload bytes of the last SRB */
	uint64_t chan_srbs[16];   /* per sub-channel index */
	struct fvs_lun lun[FVS_TARGETS][FVS_LUNS];
	struct fvs_held held[FVS_HELD];
	unsigned nheld;
};

/* Add the device (SCSI class) to vb with defaults: WIN10, 8 sub-channels,
 * multi-channel, 256 KiB transfers. */
struct vmbs_chan *fvs_add(struct vmbs *vb, struct fvs *f);
/* Give (target, lun) a disk of nblocks x bs bytes. */
void fvs_lun_add(struct fvs *f, unsigned target, unsigned lun, uint64_t nblocks, uint32_t bs);
void fvs_lun_remove(struct fvs *f, unsigned target, unsigned lun);
void fvs_free(struct fvs *f);  /* frees the LUN data */
/* Send ENUMERATE_BUS (in-band, tid 0) on the primary. */
int fvs_enumerate_bus(struct fvs *f);
/* Send the held completions (in order, or reversed), empty the list. */
void fvs_release_held(struct fvs *f, bool reverse);
/* Send raw bytes as a completion / in-band packet on the primary. */
int fvs_send_comp(struct fvs *f, uint64_t tid, const void *p, uint32_t len);
int fvs_send_inband(struct fvs *f, uint64_t tid, const void *p, uint32_t len);

#endif /* TESTS_UNIT_HELPERS_FAKE_VSTOR_HOST_H */
