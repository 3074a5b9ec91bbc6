/* ata_var.h -- internal state of the emulated ATA disk. */
#ifndef SIM_DEVICES_ATA_VAR_H
#define SIM_DEVICES_ATA_VAR_H

#include "hw/ata_reg.h"
#include "sim/devices/ata/ata.h"
#include "sim/devices/blk/blk.h"

#define ATA_CHUNK_SECTORS 128u     /* one back-end I/O per 64 KiB of a PIO transfer */

/* The transfer state machine; one setter, ata_set_state(). */
enum ata_state {
	ATA_S_IDLE,                /* DRDY: ready for a command */
	ATA_S_BUSY,                /* BSY: a back-end I/O is in flight */
	ATA_S_DRQ_IN,              /* DRQ: the guest reads a chunk from the data port */
	ATA_S_DRQ_OUT,             /* DRQ: the guest writes a chunk to the data port */
	ATA_S_RESET,               /* SRST asserted (BSY until released) */
};

struct ata_dev {
	struct blk *ad_blk;        /* borrowed */
	struct part *ad_part;      /* when attached */
	uint64_t ad_nsec;          /* capacity in 512-byte sectors */
	char ad_serial[21], ad_model[41];

	enum ata_state ad_state;
	/* task file: [0] current, [1] previous write (the LBA48 "HOB" byte) */
	uint8_t ad_feature[2], ad_nsect[2], ad_lbal[2], ad_lbam[2], ad_lbah[2];
	uint8_t ad_device, ad_error, ad_status_err;  /* ad_status_err: ERR|DF to OR in at idle */
	uint8_t ad_devctl;

	/* the command in progress */
	uint8_t ad_cmd;
	uint64_t ad_lba;           /* next sector of the transfer */
	uint32_t ad_remaining;     /* sectors left, the current chunk included */
	uint32_t ad_chunk;         /* sectors in the current chunk */
	uint32_t ad_pos;           /* bytes of the chunk moved through the data port */
	uint8_t *ad_buf;           /* ATA_CHUNK_SECTORS * 512 */

	/* the back-end I/O */
	struct blk_req ad_req;
	struct iovec ad_iov;
	bool ad_io_busy;
	bool ad_reset_pending;     /* SRST released while the I/O ran */

	struct ata_stats ad_st;
};

void ata_identify_fill(const struct ata_dev *d, uint16_t id[ATA_ID_WORDS]);

#endif /* SIM_DEVICES_ATA_VAR_H */
