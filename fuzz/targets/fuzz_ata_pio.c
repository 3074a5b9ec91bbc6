/* fuzz_ata_pio.c -- the emulated ATA disk vs a hostile guest's port I/O.
 * Input: records of 4 bytes {op, port_sel, value_lo, value_hi}: op bit 0
 * read/write, bits 1-2 size (1, 2, 4), bit 3 "also fail the next back-end
 * I/O"; port_sel % 9 picks 0x1F0..0x1F7 or 0x3F6.  Invariants: status never
 * shows BSY together with DRQ, and the device is still usable afterwards
 * (SRST then IDENTIFY works); no leaks, nothing outside the disk touched. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hw/ata_reg.h"
#include "sim/devices/ata/ata.h"
#include "sim/devices/blk/blk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct blk *mem, *b;
	struct ata_dev *d;
	if (blk_open_mem(64 * 512, 512, &mem))
		abort();
	if (blk_wrap_fault(mem, &b))
		abort();
	if (ata_create(b, NULL, &d))
		abort();
	for (size_t i = 0; i + 4 <= size && i < 4 * 20000; i += 4) {
		uint8_t op = data[i];
		uint16_t port = data[i + 1] % 9 == 8 ? ATA_PRI_CTL : (uint16_t)(ATA_PRI_CMD_BASE + data[i + 1] % 9);
		unsigned sz = (op >> 1) & 3;
		sz = sz == 0 ? 1 : sz == 1 ? 2 : 4;
		uint32_t val = (uint32_t)data[i + 2] | (uint32_t)data[i + 3] << 8;
		if (op & 8) {
			struct blk_fault f = { .any_op = true, .nth = 1, .err = -EIO };
			blk_fault_arm(b, &f);
		}
		if (op & 1)
			ata_pio_write(d, port, sz, val);
		else
			(void)ata_pio_read(d, port, sz);
		uint8_t st = (uint8_t)ata_pio_read(d, ATA_PRI_CTL, 1);
		if ((st & ATA_ST_BSY) && (st & ATA_ST_DRQ))
			abort();
	}
	/* recoverable: select device 0, soft reset, IDENTIFY */
	ata_pio_write(d, ATA_PRI_CMD_BASE + ATA_REG_DEVICE, 1, ATA_DEV_OBS);
	ata_pio_write(d, ATA_PRI_CTL, 1, ATA_CTL_SRST | ATA_CTL_NIEN);
	ata_pio_write(d, ATA_PRI_CTL, 1, ATA_CTL_NIEN);
	for (int spin = 0; spin < 1000 && (ata_pio_read(d, ATA_PRI_CTL, 1) & ATA_ST_BSY); spin++)
		;
	ata_pio_write(d, ATA_PRI_CMD_BASE + ATA_REG_CMD, 1, ATA_CMD_IDENTIFY);
	uint8_t st = (uint8_t)ata_pio_read(d, ATA_PRI_CMD_BASE + ATA_REG_STATUS, 1);
	if (!(st & ATA_ST_DRQ))
		abort();
	ata_destroy(d);
	blk_close(b);
	return 0;
}
