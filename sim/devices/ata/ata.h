/* ata.h -- emulated IDE/ATA disk on the primary channel's legacy ports, over a struct blk. */
#ifndef SIM_DEVICES_ATA_H
#define SIM_DEVICES_ATA_H

#include <stdbool.h>
#include <stdint.h>

struct blk;
struct part;
struct ata_dev;

struct ata_config {
	const char *serial;            /* IDENTIFY serial (20 chars max); NULL = "HVSIM-ATA-0" */
	const char *model;             /* IDENTIFY model (40 chars max); NULL = "Virtual HD" */
};

/* A device 0 ("master") disk over 'disk' (borrowed: must outlive the
 * device; 512-byte sectors only).  PIO only, no interrupts (the guest polls
 * with nIEN set).  0, -EINVAL (sector size), -ENOMEM. */
int  ata_create(struct blk *disk, const struct ata_config *cfg, struct ata_dev **out);
/* Claim 0x1F0-0x1F7 and 0x3F6 on the partition (one trap per access). */
int  ata_attach(struct ata_dev *d, struct part *p);
/* Releases the ports and waits for I/O in flight.  NULL-tolerant. */
void ata_destroy(struct ata_dev *d);

/* The register file, as the guest's IN/OUT reach it (also for tests and
 * fuzzing without a partition).  port: absolute (0x1F0..0x1F7, 0x3F6). */
uint32_t ata_pio_read(struct ata_dev *d, uint16_t port, unsigned size);
void     ata_pio_write(struct ata_dev *d, uint16_t port, unsigned size, uint32_t val);
/* Run the disk's completions now (a status read does this too). */
void     ata_poll(struct ata_dev *d);

struct ata_stats {
	uint64_t commands, aborted;
	uint64_t sectors_read, sectors_written, flushes;
	uint64_t io_errors;            /* back-end errors reported to the guest */
	uint64_t pio_accesses;
};
void ata_get_stats(const struct ata_dev *d, struct ata_stats *out);

/* Test hook: the Nth allocation of the ATA device from now fails; -1 off. */
void ata_alloc_fail_after(long n);

#endif /* SIM_DEVICES_ATA_H */
