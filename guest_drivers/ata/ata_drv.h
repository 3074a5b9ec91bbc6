/* ata_drv.h -- guest ATA (legacy IDE, PIO) disk driver and the synthetic-over-native priority rule. */
#ifndef GUEST_DRIVERS_ATA_DRV_H
#define GUEST_DRIVERS_ATA_DRV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- priority: which driver owns a disk ---------------------------------- */
enum ata_platform { ATA_PLAT_NONE, ATA_PLAT_KVM, ATA_PLAT_HYPERV };
/* By CPUID (hypervisor bit, then the 0x40000000 vendor): done before any bus. */
enum ata_platform ata_platform_detect(void);
const char *ata_platform_name(enum ata_platform p);
/* Replace the priority table with 'text' (driver-priority.conf format).
 * NULL restores the built-in copy of that file.  0 or -EINVAL (a bad line;
 * the old table stays). */
int  ata_prio_load(const char *text);
/* The most preferred driver for (platform, class), or NULL without a row. */
const char *ata_prio_winner(enum ata_platform p, const char *cls);
/* The disk registry: a driver that attached a disk claims it by serial
 * (storvsc: the VPD 0x80 unit serial; ata: the IDENTIFY serial).  0,
 * -EEXIST (claimed by another driver), -ENOSPC, -EINVAL. */
int  ata_disk_claim(const char *serial, const char *driver);
void ata_disk_unclaim(const char *serial, const char *driver);
const char *ata_disk_claimed_by(const char *serial);
void ata_disk_claims_reset(void);
/* The rule: attach iff the table's winner for "disk" on this platform is
 * "ata" (or there is no row) and no other driver claimed the disk. */
bool ata_should_attach(enum ata_platform p, const char *serial);

/* ---- the disk ------------------------------------------------------------- */
struct ata_disk;
typedef void ata_done_fn(void *arg, int err);
/* Probe the primary channel's device 0: -ENODEV (floating bus, no ATA
 * signature, IDENTIFY failed), -ENOMEM. */
int  ata_disk_probe(struct ata_disk **out);
/* Probe, then apply the rule: -EBUSY when another driver owns the disk
 * (the driver stays detached), else attached and claimed. */
int  ata_disk_attach(struct ata_disk **out);
void ata_disk_free(struct ata_disk *d);   /* unclaims; NULL-tolerant */
uint64_t ata_disk_sectors(const struct ata_disk *d);
const char *ata_disk_serial(const struct ata_disk *d);
const char *ata_disk_model(const struct ata_disk *d);
bool ata_disk_lba48(const struct ata_disk *d);
/* Async-looking I/O: done(arg, err) runs once (PIO is synchronous, so
 * before the call returns).  err: 0, -EIO (ERR set), -ETIMEDOUT (BSY never
 * cleared), -EINVAL (range).  512-byte sectors. */
int  ata_disk_read(struct ata_disk *d, uint64_t lba, uint32_t count, void *buf, ata_done_fn *done, void *arg);
int  ata_disk_write(struct ata_disk *d, uint64_t lba, uint32_t count, const void *buf, ata_done_fn *done, void *arg);
int  ata_disk_flush(struct ata_disk *d, ata_done_fn *done, void *arg);

#endif /* GUEST_DRIVERS_ATA_DRV_H */
