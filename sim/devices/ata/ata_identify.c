/* ata_identify.c -- the IDENTIFY DEVICE page of the emulated disk. */
#include <string.h>

#include "sim/devices/ata/ata_var.h"

/* ATA strings: space padded, the two bytes of each word swapped. */
static void id_string(uint16_t *id, unsigned word, unsigned chars, const char *s)
{
	size_t n = strlen(s);
	for (unsigned i = 0; i < chars; i += 2) {
		uint8_t hi = i < n ? (uint8_t)s[i] : ' ';
		uint8_t lo = i + 1 < n ? (uint8_t)s[i + 1] : ' ';
		id[word + i / 2] = (uint16_t)(hi << 8 | lo);
	}
}

void ata_identify_fill(const struct ata_dev *d, uint16_t id[ATA_ID_WORDS])
{
	struct blk_info in;
	blk_get_info(d->ad_blk, &in);
	memset(id, 0, ATA_ID_WORDS * sizeof *id);
	id[ATA_ID_CONFIG] = 0x0040;                /* ATA, fixed device */
	/* Legacy CHS: 16 heads x 63 sectors, cylinders capped at 16383. */
	uint64_t cyls = d->ad_nsec / (16 * 63);
	id[ATA_ID_CYLS] = (uint16_t)(cyls > 16383 ? 16383 : cyls ? cyls : 1);
	id[ATA_ID_HEADS] = 16;
	id[ATA_ID_SECTORS] = 63;
	id_string(id, ATA_ID_SERNO, 20, d->ad_serial);
	id_string(id, ATA_ID_FW_REV, 8, "1.0");
	id_string(id, ATA_ID_PROD, 40, d->ad_model);
	id[ATA_ID_MAX_MULTSECT] = 0x8000;          /* READ/WRITE MULTIPLE not offered */
	id[ATA_ID_CAPABILITY] = 1u << 9;           /* LBA */
	id[ATA_ID_FIELD_VALID] = 0x0006;           /* words 64-70 and 88 valid */
	uint64_t lba28 = d->ad_nsec > ATA_LBA28_MAX ? ATA_LBA28_MAX : d->ad_nsec;
	id[ATA_ID_LBA_CAPACITY] = (uint16_t)lba28;
	id[ATA_ID_LBA_CAPACITY + 1] = (uint16_t)(lba28 >> 16);
	id[ATA_ID_MAJOR_VER] = 0x01F0;             /* ATA-4 .. ATA-8 */
	id[ATA_ID_COMMAND_SET_1] = 1u << 5;        /* write cache */
	id[ATA_ID_COMMAND_SET_2] = 1u << 14 | 1u << 13 | 1u << 12 | 1u << 10;
	id[ATA_ID_CFSSE] = 1u << 14;
	id[ATA_ID_CFS_ENABLE_1] = in.wce ? 1u << 5 : 0;
	id[ATA_ID_CFS_ENABLE_2] = 1u << 13 | 1u << 12 | 1u << 10;
	id[ATA_ID_CSF_DEFAULT] = 1u << 14;
	for (unsigned i = 0; i < 4; i++)
		id[ATA_ID_LBA48_CAP + i] = (uint16_t)(d->ad_nsec >> (16 * i));
	id[ATA_ID_SECTOR_SIZE] = 1u << 14;         /* word valid, 512-byte logical/physical */
}
