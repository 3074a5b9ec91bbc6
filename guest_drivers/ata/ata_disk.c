/* ata_disk.c -- guest driver for the legacy IDE primary master: probe, IDENTIFY, PIO read/write/flush. */
#include <errno.h>
#include <string.h>

#include "guest_drivers/ata/ata_drv.h"
#include "guest_drivers/kern.h"
#include "hw/ata_reg.h"

#define ATA_BSY_SPINS 1000000u     /* status polls before -ETIMEDOUT */
#define PORT(r) (uint16_t)(ATA_PRI_CMD_BASE + (r))

struct ata_disk {
	uint64_t ad_sectors;
	bool ad_lba48;
	bool ad_claimed;
	char ad_serial[21], ad_model[41];
};

/* Wait for BSY to clear; the status value, or -ETIMEDOUT. */
static int ata_wait(void)
{
	for (uint32_t i = 0; i < ATA_BSY_SPINS; i++) {
		uint8_t st = kern_inb(PORT(ATA_REG_STATUS));
		if (!(st & ATA_ST_BSY))
			return st;
	}
	return -ETIMEDOUT;
}

static void id_string(const uint16_t *id, unsigned word, unsigned chars, char *out)
{
	for (unsigned i = 0; i < chars; i += 2) {
		out[i] = (char)(id[word + i / 2] >> 8);
		out[i + 1] = (char)id[word + i / 2];
	}
	out[chars] = 0;
	for (int i = (int)chars - 1; i >= 0 && (out[i] == ' ' || out[i] == 0); i--)
		out[i] = 0;
}

int ata_disk_probe(struct ata_disk **out)
{
	kern_outb(ATA_PRI_CTL, ATA_CTL_NIEN);
	kern_outb(PORT(ATA_REG_DEVICE), ATA_DEV_OBS);
	if (kern_inb(PORT(ATA_REG_STATUS)) == 0xFF)
		return -ENODEV;                        /* floating bus: no controller */
	kern_outb(ATA_PRI_CTL, ATA_CTL_NIEN | ATA_CTL_SRST);
	kern_outb(ATA_PRI_CTL, ATA_CTL_NIEN);
	int st = ata_wait();
	if (st < 0 || st == 0)
		return -ENODEV;
	if (kern_inb(PORT(ATA_REG_LBAM)) != 0 || kern_inb(PORT(ATA_REG_LBAH)) != 0)
		return -ENODEV;                        /* ATAPI or SATA signature: not ours */
	kern_outb(PORT(ATA_REG_CMD), ATA_CMD_IDENTIFY);
	st = ata_wait();
	if (st < 0 || (st & ATA_ST_ERR) || !(st & ATA_ST_DRQ))
		return -ENODEV;
	uint16_t id[ATA_ID_WORDS];
	kern_insw(PORT(ATA_REG_DATA), id, ATA_ID_WORDS);
	if (id[ATA_ID_CONFIG] & 0x8000)
		return -ENODEV;
	struct ata_disk *d = kern_zalloc(sizeof *d);
	if (!d)
		return -ENOMEM;
	d->ad_lba48 = (id[ATA_ID_COMMAND_SET_2] & (1u << 10)) && (id[ATA_ID_CFS_ENABLE_2] & (1u << 10));
	if (d->ad_lba48)
		for (unsigned i = 0; i < 4; i++)
			d->ad_sectors |= (uint64_t)id[ATA_ID_LBA48_CAP + i] << (16 * i);
	else
		d->ad_sectors = (uint32_t)id[ATA_ID_LBA_CAPACITY] | (uint32_t)id[ATA_ID_LBA_CAPACITY + 1] << 16;
	id_string(id, ATA_ID_SERNO, 20, d->ad_serial);
	id_string(id, ATA_ID_PROD, 40, d->ad_model);
	*out = d;
	return 0;
}

int ata_disk_attach(struct ata_disk **out)
{
	/* The platform is known before any bus is scanned (CPUID). */
	enum ata_platform plat = ata_platform_detect();
	struct ata_disk *d;
	int err = ata_disk_probe(&d);
	if (err)
		return err;
	if (!ata_should_attach(plat, d->ad_serial) || ata_disk_claim(d->ad_serial, "ata")) {
		kern_log(KERN_INFO, "ata", "disk %s left to %s on %s", d->ad_serial,
			 ata_prio_winner(plat, "disk") ? ata_prio_winner(plat, "disk") : "?",
			 ata_platform_name(plat));
		kern_free(d);
		return -EBUSY;
	}
	d->ad_claimed = true;
	*out = d;
	return 0;
}

void ata_disk_free(struct ata_disk *d)
{
	if (!d)
		return;
	if (d->ad_claimed)
		ata_disk_unclaim(d->ad_serial, "ata");
	kern_free(d);
}

uint64_t ata_disk_sectors(const struct ata_disk *d) { return d->ad_sectors; }
const char *ata_disk_serial(const struct ata_disk *d) { return d->ad_serial; }
const char *ata_disk_model(const struct ata_disk *d) { return d->ad_model; }
bool ata_disk_lba48(const struct ata_disk *d) { return d->ad_lba48; }

/* Program the task file for one command of at most 256 (LBA28) / 65536 (LBA48) sectors. */
static void ata_taskfile(const struct ata_disk *d, uint64_t lba, uint32_t count, bool ext)
{
	if (ext) {
		kern_outb(PORT(ATA_REG_DEVICE), ATA_DEV_OBS | ATA_DEV_LBA);
		kern_outb(PORT(ATA_REG_NSECT), (uint8_t)(count >> 8));
		kern_outb(PORT(ATA_REG_LBAL), (uint8_t)(lba >> 24));
		kern_outb(PORT(ATA_REG_LBAM), (uint8_t)(lba >> 32));
		kern_outb(PORT(ATA_REG_LBAH), (uint8_t)(lba >> 40));
	} else {
		kern_outb(PORT(ATA_REG_DEVICE), (uint8_t)(ATA_DEV_OBS | ATA_DEV_LBA | ((lba >> 24) & 0x0F)));
	}
	kern_outb(PORT(ATA_REG_NSECT), (uint8_t)count);
	kern_outb(PORT(ATA_REG_LBAL), (uint8_t)lba);
	kern_outb(PORT(ATA_REG_LBAM), (uint8_t)(lba >> 8));
	kern_outb(PORT(ATA_REG_LBAH), (uint8_t)(lba >> 16));
	(void)d;
}

static int ata_rw(struct ata_disk *d, bool wr, uint64_t lba, uint32_t count, uint8_t *buf)
{
	if (!(lba <= d->ad_sectors && count <= d->ad_sectors - lba))
		return -EINVAL;
	while (count) {
		bool ext = d->ad_lba48 && (lba + count > ATA_LBA28_MAX || count > 256);
		uint32_t n = count > (ext ? 65536u : 256u) ? (ext ? 65536u : 256u) : count;
		ata_taskfile(d, lba, n, ext);
		kern_outb(PORT(ATA_REG_CMD), wr ? (ext ? ATA_CMD_WRITE_SECTORS_EXT : ATA_CMD_WRITE_SECTORS)
		                                : (ext ? ATA_CMD_READ_SECTORS_EXT : ATA_CMD_READ_SECTORS));
		for (uint32_t s = 0; s < n; s++) {
			int st = ata_wait();
			if (st < 0)
				return st;
			if ((st & ATA_ST_ERR) || !(st & ATA_ST_DRQ))
				return -EIO;
			if (wr)
				kern_outsw(PORT(ATA_REG_DATA), buf, ATA_SECTOR / 2);
			else
				kern_insw(PORT(ATA_REG_DATA), buf, ATA_SECTOR / 2);
			buf += ATA_SECTOR;
		}
		int st = ata_wait();
		if (st < 0)
			return st;
		if (st & ATA_ST_ERR)
			return -EIO;
		lba += n;
		count -= n;
	}
	return 0;
}

int ata_disk_read(struct ata_disk *d, uint64_t lba, uint32_t count, void *buf, ata_done_fn *done, void *arg)
{
	int err = ata_rw(d, false, lba, count, buf);
	if (done)
		done(arg, err);
	return 0;
}

int ata_disk_write(struct ata_disk *d, uint64_t lba, uint32_t count, const void *buf, ata_done_fn *done, void *arg)
{
	int err = ata_rw(d, true, lba, count, (uint8_t *)(uintptr_t)buf);
	if (done)
		done(arg, err);
	return 0;
}

int ata_disk_flush(struct ata_disk *d, ata_done_fn *done, void *arg)
{
	kern_outb(PORT(ATA_REG_CMD), d->ad_lba48 ? ATA_CMD_FLUSH_CACHE_EXT : ATA_CMD_FLUSH_CACHE);
	int st = ata_wait();
	int err = st < 0 ? st : (st & ATA_ST_ERR) ? -EIO : 0;
	if (done)
		done(arg, err);
	return 0;
}
