/* guest_disk.h -- what the runner may ask of the guest's disks: start the
 * storage drivers (storvsc for the synthetic SCSI controller, the ata
 * driver for the emulated IDE disk, with the synthetic-over-native rule),
 * list the disks the guest attached, and do block I/O on one by name
 * (da0.. for storvsc, ada0 for ata) with data that can be verified later.
 * Sim-side types only; everything runs in guest context. */
#ifndef SIM_GUEST_GUEST_DISK_H
#define SIM_GUEST_GUEST_DISK_H

#include <stdbool.h>
#include <stdint.h>

struct gk_runtime;

struct gk_disk_config {
	bool storvsc;            /* register the storvsc driver (before VMBus connects) */
	bool ata;                /* probe the emulated IDE disk (after VMBus connects) */
};

/* storvsc: before the bus comes up, so controllers attach as offered.
 * 0, -EBUSY, -ENOMEM, -ENODEV (host gone). */
int gk_guest_disk_start(struct gk_runtime *rt, const struct gk_disk_config *cfg);
/* The ata driver's probe, run once the synthetic buses had their chance:
 * *result = 0 (attached as ada0), -EBUSY (another driver owns the disk,
 * as the priority table says), -ENODEV (no disk). */
int gk_guest_disk_probe_ata(struct gk_runtime *rt, int *result);
int gk_guest_disk_stop(struct gk_runtime *rt);

#define GK_DISK_MAX 72u
struct gk_disk_info {
	char     name[16];       /* "da0", "ada0" */
	char     driver[16];     /* "storvsc", "ata" */
	uint64_t nblocks;
	uint32_t block_size;
	bool     read_only, wce, fua, can_unmap;
	uint8_t  target, lun;    /* storvsc */
	char     serial[33];
};
/* The attached disks in name order (da* in scan order, then ada0). */
int gk_guest_disk_list(struct gk_runtime *rt, struct gk_disk_info *out, unsigned cap,
		       unsigned *n);

enum gk_disk_op { GK_DISK_READ = 0, GK_DISK_WRITE, GK_DISK_FLUSH, GK_DISK_UNMAP };
#define GK_DISK_IO_MAX (4u << 20) /* bytes per request */

/* One request.  WRITE writes the pattern 'seed' (0: zeros), READ reads and
 * compares with it; a seed is a 32-bit value the step derives from a name. */
struct gk_disk_io {
	char     disk[16];
	enum gk_disk_op op;
	uint64_t lba;
	uint32_t blocks;
	bool     fua;
	uint32_t seed;
	bool     verify;         /* READ: compare with the pattern */
	/* results */
	int      result;         /* 0 or the driver's negative errno */
	uint8_t  sense_key, asc, ascq;
	bool     mismatch;       /* READ + verify: a block differs */
	uint64_t mismatch_lba;
	uint32_t mismatch_off;   /* byte in that block */
};
/* 0 when the action ran (io->result says how the I/O went); -ENOENT when
 * no disk has that name. */
int gk_guest_disk_io(struct gk_runtime *rt, struct gk_disk_io *io);

/* The pattern byte at 'off' of block 'lba' for a seed (0: zero). */
uint8_t gk_disk_pattern_byte(uint32_t seed, uint64_t lba, uint32_t off);

#endif /* SIM_GUEST_GUEST_DISK_H */
