/* scsi_tgt_var.h -- internal state of a SCSI LUN and the helpers shared by
 * the target's files (dispatch, data commands, INQUIRY/VPD, mode pages). */
#ifndef SIM_DEVICES_SCSI_TGT_VAR_H
#define SIM_DEVICES_SCSI_TGT_VAR_H

#include "sim/devices/scsi/scsi_tgt.h"

#define SCSI_DEFAULT_MAX_XFER  0x40000u  /* 256 KiB, openvmm's value */
#define SCSI_MAX_UNMAP_DESC    64u       /* VPD B0 max unmap descriptors */
#define SCSI_MAX_UNMAP_BLOCKS  0x400000u /* VPD B0 max unmap LBA count per descriptor */
#define SCSI_MAX_WS_PATTERN_BLOCKS 1024u /* WRITE SAME with a non-zero pattern */
#define SCSI_MAX_WS_BLOCKS     0x400000u /* VPD B0 max write same length */
#define SCSI_SERIAL_MAX        32u

struct scsi_lun {
	struct blk *l_blk;               /* owned */
	struct blk_info l_info;          /* size/sector fixed at create */
	uint64_t l_id;
	char l_serial[SCSI_SERIAL_MAX + 1];
	bool l_no_fua;
	uint32_t l_max_xfer;
	uint16_t l_ua;                   /* pending unit attention ASC/ASCQ, 0 none */
	struct scsi_lun_stats l_stats;
};

/* Big-endian field access. */
static inline uint16_t scsi_be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t scsi_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline uint64_t scsi_be64(const uint8_t *p)
{
	return (uint64_t)scsi_be32(p) << 32 | scsi_be32(p + 4);
}
static inline void scsi_put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline void scsi_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}
static inline void scsi_put64(uint8_t *p, uint64_t v)
{
	scsi_put32(p, (uint32_t)(v >> 32));
	scsi_put32(p + 4, (uint32_t)v);
}

/* scsi_data.c: READ/WRITE/SYNC/UNMAP/WRITE SAME (return SCSI_EXEC_*). */
int scsi_data_rw(struct scsi_lun *lun, struct scsi_io *io);
int scsi_data_sync(struct scsi_lun *lun, struct scsi_io *io);
int scsi_data_unmap(struct scsi_lun *lun, struct scsi_io *io);
int scsi_data_write_same(struct scsi_lun *lun, struct scsi_io *io);
/* scsi_inquiry.c */
void scsi_inquiry(struct scsi_lun *lun, struct scsi_io *io);
/* scsi_mode.c: READ CAPACITY, MODE SENSE/SELECT. */
void scsi_read_capacity(struct scsi_lun *lun, struct scsi_io *io);
void scsi_mode_sense(struct scsi_lun *lun, struct scsi_io *io);
void scsi_mode_select(struct scsi_lun *lun, struct scsi_io *io);
/* Copy the data-out buffer into dst (up to len); returns bytes copied. */
uint32_t scsi_io_fetch(const struct scsi_io *io, void *dst, uint32_t len);
/* Map a blk error into io's outputs. */
void scsi_io_blk_error(struct scsi_io *io, int err);

#endif /* SIM_DEVICES_SCSI_TGT_VAR_H */
