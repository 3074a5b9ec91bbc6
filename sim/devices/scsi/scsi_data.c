/* scsi_data.c -- the SCSI commands that touch the medium: READ/WRITE
 * 6/10/12/16 (FUA), SYNCHRONIZE CACHE 10/16, UNMAP, WRITE SAME(16), each
 * checked (range, length, read-only) before one blk request goes out. */
#include "sim/devices/scsi/scsi_tgt_var.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hyperv/vstor.h"

static uint64_t scsi_nblocks(const struct scsi_lun *lun)
{
	return lun->l_info.size / lun->l_info.sector;
}

/* lba + n inside the medium, without overflow (RELIABILITY #75). */
static bool scsi_range_ok(const struct scsi_lun *lun, uint64_t lba, uint64_t n)
{
	uint64_t nb = scsi_nblocks(lun);
	return lba <= nb && n <= nb - lba;
}

static void scsi_io_release(struct scsi_io *io)
{
	free(io->io_heap);
	io->io_heap = NULL;
	free(io->io_wsiov);
	io->io_wsiov = NULL;
}

static void scsi_data_done(struct blk_req *r, int err)
{
	struct scsi_io *io = r->arg;
	uint32_t moved = io->xferred;

	if (err) {
		scsi_io_release(io);
		scsi_io_blk_error(io, err);
		io->done(io);
		return;
	}
	if (io->io_op == SCSI_OP_UNMAP && io->io_udesc < io->io_ndesc) {
		/* Next descriptor of the list (validated up front). */
		const uint8_t *d = io->io_heap + (size_t)io->io_udesc * SCSI_UNMAP_DESC_SIZE;
		uint32_t sec = io->io_lun->l_info.sector;
		io->io_udesc++;
		memset(&io->io_breq, 0, sizeof(io->io_breq));
		io->io_breq.op = BLK_OP_UNMAP;
		io->io_breq.offset = scsi_be64(d) * sec;
		io->io_breq.len = (uint64_t)scsi_be32(d + 8) * sec;
		io->io_breq.done = scsi_data_done;
		io->io_breq.arg = io;
		err = blk_submit(io->io_lun->l_blk, &io->io_breq);
		if (!err)
			return;
		scsi_io_release(io);
		scsi_io_blk_error(io, err);
		io->done(io);
		return;
	}
	scsi_io_release(io);
	scsi_io_good(io);
	io->xferred = moved;
	io->done(io);
}

/* Submit io->io_breq (already filled); on refusal the command completes now. */
static int scsi_submit(struct scsi_lun *lun, struct scsi_io *io)
{
	int err;

	io->io_breq.done = scsi_data_done;
	io->io_breq.arg = io;
	err = blk_submit(lun->l_blk, &io->io_breq);
	if (err) {
		scsi_io_release(io);
		scsi_io_blk_error(io, err);
		return SCSI_EXEC_DONE;
	}
	return SCSI_EXEC_PENDING;
}

static void scsi_decode_rw(const uint8_t *cdb, uint64_t *lba, uint32_t *n, bool *fua)
{
	*fua = false;
	switch (cdb[0]) {
	case SCSI_OP_READ_6:
	case SCSI_OP_WRITE_6:
		*lba = ((uint32_t)cdb[1] << 16 | (uint32_t)cdb[2] << 8 | cdb[3]) & SCSI_CDB6_LBA_MASK;
		*n = cdb[SCSI_CDB6_OFF_LEN] ? cdb[SCSI_CDB6_OFF_LEN] : 256u;
		return;
	case SCSI_OP_READ_10:
	case SCSI_OP_WRITE_10:
		*lba = scsi_be32(cdb + SCSI_CDB10_OFF_LBA);
		*n = scsi_be16(cdb + SCSI_CDB10_OFF_LEN);
		break;
	case SCSI_OP_READ_12:
	case SCSI_OP_WRITE_12:
		*lba = scsi_be32(cdb + SCSI_CDB12_OFF_LBA);
		*n = scsi_be32(cdb + SCSI_CDB12_OFF_LEN);
		break;
	default: /* 16 */
		*lba = scsi_be64(cdb + SCSI_CDB16_OFF_LBA);
		*n = scsi_be32(cdb + SCSI_CDB16_OFF_LEN);
		break;
	}
	*fua = (cdb[1] & SCSI_CDB_FLAG_FUA) != 0;
}

/* The first 'bytes' of io's buffer as an iovec list.  Uses io->iov as is
 * when it is exactly that long; else a trimmed copy in io_wsiov. */
static int scsi_iov_prefix(struct scsi_io *io, uint64_t bytes, const struct iovec **iov, int *cnt)
{
	uint64_t acc = 0;
	int k;

	if (bytes == io->buf_len) {
		*iov = io->iov;
		*cnt = io->iovcnt;
		return 0;
	}
	for (k = 0; k < io->iovcnt && acc < bytes; k++)
		acc += io->iov[k].iov_len;
	io->io_wsiov = scsi_zalloc((size_t)(k ? k : 1) * sizeof(struct iovec));
	if (!io->io_wsiov)
		return -ENOMEM;
	memcpy(io->io_wsiov, io->iov, (size_t)k * sizeof(struct iovec));
	if (k && acc > bytes)
		io->io_wsiov[k - 1].iov_len -= (size_t)(acc - bytes);
	*iov = io->io_wsiov;
	*cnt = k;
	return 0;
}

int scsi_data_rw(struct scsi_lun *lun, struct scsi_io *io)
{
	bool write = scsi_cdb_dir(io->cdb) == SCSI_DIR_OUT;
	uint32_t sec = lun->l_info.sector;
	uint64_t lba, bytes;
	uint32_t n;
	bool fua;
	int err;

	scsi_decode_rw(io->cdb, &lba, &n, &fua);
	io->io_write = write;
	if (!scsi_range_ok(lun, lba, n)) {
		scsi_io_check(io, SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_LBA_OUT_OF_RANGE,
			      VSTOR_SRB_STATUS_ERROR);
		return SCSI_EXEC_DONE;
	}
	if (write && lun->l_info.read_only) {
		scsi_io_check(io, SCSI_SENSE_DATA_PROTECT, SCSI_ASC_WRITE_PROTECTED,
			      VSTOR_SRB_STATUS_ERROR);
		return SCSI_EXEC_DONE;
	}
	bytes = (uint64_t)n * sec;
	/* More blocks than the buffer holds: refuse, never move past the
	 * guest's buffer.  Fewer: move them and report the residual
	 * (RELIABILITY #76). */
	if (bytes > io->buf_len) {
		scsi_io_check(io, SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD_CDB,
			      VSTOR_SRB_STATUS_INVALID_REQUEST);
		return SCSI_EXEC_DONE;
	}
	if (n == 0) {
		scsi_io_good(io);
		return SCSI_EXEC_DONE;
	}
	memset(&io->io_breq, 0, sizeof(io->io_breq));
	err = scsi_iov_prefix(io, bytes, &io->io_breq.iov, &io->io_breq.iovcnt);
	if (err) {
		scsi_io_blk_error(io, err);
		return SCSI_EXEC_DONE;
	}
	io->io_breq.op = write ? BLK_OP_WRITE : BLK_OP_READ;
	io->io_breq.offset = lba * sec;
	io->io_breq.len = bytes;
	io->io_breq.fua = write && fua;
	io->xferred = (uint32_t)bytes;
	if (write)
		lun->l_stats.writes++;
	else
		lun->l_stats.reads++;
	return scsi_submit(lun, io);
}

int scsi_data_sync(struct scsi_lun *lun, struct scsi_io *io)
{
	uint64_t lba;
	uint32_t n;

	if (io->cdb[0] == SCSI_OP_SYNCHRONIZE_CACHE_10) {
		lba = scsi_be32(io->cdb + SCSI_CDB10_OFF_LBA);
		n = scsi_be16(io->cdb + SCSI_CDB10_OFF_LEN);
	} else {
		lba = scsi_be64(io->cdb + SCSI_CDB16_OFF_LBA);
		n = scsi_be32(io->cdb + SCSI_CDB16_OFF_LEN);
	}
	/* n == 0 means "to the end"; the whole cache is flushed either way. */
	if (!scsi_range_ok(lun, lba, n)) {
		scsi_io_check(io, SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_LBA_OUT_OF_RANGE,
			      VSTOR_SRB_STATUS_ERROR);
		return SCSI_EXEC_DONE;
	}
	memset(&io->io_breq, 0, sizeof(io->io_breq));
	io->io_breq.op = BLK_OP_FLUSH;
	io->io_write = 1;
	lun->l_stats.flushes++;
	return scsi_submit(lun, io);
}

int scsi_data_unmap(struct scsi_lun *lun, struct scsi_io *io)
{
	uint8_t hdr[SCSI_UNMAP_HDR_SIZE];
	uint32_t plen = scsi_be16(io->cdb + SCSI_UNMAP_OFF_PLEN);
	uint32_t dlen, ndesc, sec = lun->l_info.sector;

	io->io_write = 1;
	if (plen == 0) {
		scsi_io_good(io);      /* SBC: not an error */
		return SCSI_EXEC_DONE;
	}
	if (!lun->l_info.can_unmap) {
		scsi_io_check(io, SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_INVALID_OPCODE,
			      VSTOR_SRB_STATUS_INVALID_REQUEST);
		return SCSI_EXEC_DONE;
	}
	if (plen < SCSI_UNMAP_HDR_SIZE || plen > io->buf_len) {
		scsi_io_check(io, SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_PARAM_LIST_LENGTH,
			      VSTOR_SRB_STATUS_ERROR);
		return SCSI_EXEC_DONE;
	}
	if (lun->l_info.read_only) {
		scsi_io_check(io, SCSI_SENSE_DATA_PROTECT, SCSI_ASC_WRITE_PROTECTED,
			      VSTOR_SRB_STATUS_ERROR);
		return SCSI_EXEC_DONE;
	}
	/* Copy, then validate (rule 1): the header first. */
	scsi_io_fetch(io, hdr, sizeof(hdr));
	dlen = scsi_be16(hdr + 2);
	if (dlen % SCSI_UNMAP_DESC_SIZE || dlen > plen - SCSI_UNMAP_HDR_SIZE ||
	    scsi_be16(hdr) < dlen + 6 || scsi_be16(hdr) > plen - 2) {
		scsi_io_check(io, SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD_PARAM,
			      VSTOR_SRB_STATUS_ERROR);
		return SCSI_EXEC_DONE;
	}
	/* The whole parameter list came across: say so, or an initiator that
	 * checks the residual of a data-out command sees a short transfer
	 * (issue 4: storvsc reported -EIO for a good UNMAP). */
	io->xferred = plen;
	ndesc = dlen / SCSI_UNMAP_DESC_SIZE;
	if (ndesc > SCSI_MAX_UNMAP_DESC) {
		scsi_io_check(io, SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD_PARAM,
			      VSTOR_SRB_STATUS_ERROR);
		return SCSI_EXEC_DONE;
	}
	if (ndesc == 0) {
		scsi_io_good(io);
		return SCSI_EXEC_DONE;
	}
	{
		uint8_t *all = scsi_zalloc(SCSI_UNMAP_HDR_SIZE + dlen);
		uint32_t kept = 0;
		if (!all) {
			scsi_io_blk_error(io, -ENOMEM);
			return SCSI_EXEC_DONE;
		}
		scsi_io_fetch(io, all, SCSI_UNMAP_HDR_SIZE + dlen);
		/* Validate every descriptor before touching the medium
		 * (OpenVMM #4040: an out-of-range unmap must not succeed);
		 * compact away the empty ones. */
		for (uint32_t i = 0; i < ndesc; i++) {
			uint8_t *d = all + SCSI_UNMAP_HDR_SIZE + (size_t)i * SCSI_UNMAP_DESC_SIZE;
			uint64_t lba = scsi_be64(d);
			uint32_t cnt = scsi_be32(d + 8);
			if (!scsi_range_ok(lun, lba, cnt)) {
				free(all);
				scsi_io_check(io, SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_LBA_OUT_OF_RANGE,
					      VSTOR_SRB_STATUS_ERROR);
				return SCSI_EXEC_DONE;
			}
			if (cnt > SCSI_MAX_UNMAP_BLOCKS) {
				free(all);
				scsi_io_check(io, SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD_PARAM,
					      VSTOR_SRB_STATUS_ERROR);
				return SCSI_EXEC_DONE;
			}
			if (cnt)
				memmove(all + (size_t)kept++ * SCSI_UNMAP_DESC_SIZE, d, SCSI_UNMAP_DESC_SIZE);
		}
		if (!kept) {
			free(all);
			scsi_io_good(io);
			return SCSI_EXEC_DONE;
		}
		io->io_heap = all;
		io->io_ndesc = (uint16_t)kept;
		io->io_udesc = 1;
		memset(&io->io_breq, 0, sizeof(io->io_breq));
		io->io_breq.op = BLK_OP_UNMAP;
		io->io_breq.offset = scsi_be64(all) * sec;
		io->io_breq.len = (uint64_t)scsi_be32(all + 8) * sec;
	}
	lun->l_stats.unmaps++;
	return scsi_submit(lun, io);
}

int scsi_data_write_same(struct scsi_lun *lun, struct scsi_io *io)
{
	uint8_t flags = io->cdb[1];
	uint64_t lba = scsi_be64(io->cdb + SCSI_CDB16_OFF_LBA);
	uint32_t n = scsi_be32(io->cdb + SCSI_CDB16_OFF_LEN);
	uint32_t sec = lun->l_info.sector;
	bool zero = true;

	io->io_write = 1;
	/* WSNZ is advertised: 0 blocks is an error, as is more than the max. */
	if (n == 0 || n > SCSI_MAX_WS_BLOCKS || (flags & SCSI_WS_FLAG_ANCHOR)) {
		scsi_io_check(io, SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD_CDB,
			      VSTOR_SRB_STATUS_INVALID_REQUEST);
		return SCSI_EXEC_DONE;
	}
	if (!scsi_range_ok(lun, lba, n)) {
		scsi_io_check(io, SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_LBA_OUT_OF_RANGE,
			      VSTOR_SRB_STATUS_ERROR);
		return SCSI_EXEC_DONE;
	}
	if (lun->l_info.read_only) {
		scsi_io_check(io, SCSI_SENSE_DATA_PROTECT, SCSI_ASC_WRITE_PROTECTED,
			      VSTOR_SRB_STATUS_ERROR);
		return SCSI_EXEC_DONE;
	}
	if (!(flags & SCSI_WS_FLAG_NDOB)) {
		if (io->buf_len < sec) {
			scsi_io_check(io, SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD_CDB,
				      VSTOR_SRB_STATUS_INVALID_REQUEST);
			return SCSI_EXEC_DONE;
		}
		io->io_heap = scsi_zalloc(sec);
		if (!io->io_heap) {
			scsi_io_blk_error(io, -ENOMEM);
			return SCSI_EXEC_DONE;
		}
		scsi_io_fetch(io, io->io_heap, sec);
		io->xferred = sec;      /* the one block of pattern */
		for (uint32_t i = 0; i < sec && zero; i++)
			zero = io->io_heap[i] == 0;
	}
	memset(&io->io_breq, 0, sizeof(io->io_breq));
	io->io_breq.offset = lba * sec;
	io->io_breq.len = (uint64_t)n * sec;
	if (zero) {
		/* Unmapped blocks read back as zeroes (LBPRZ), so UNMAP is
		 * exact for a zero pattern. */
		io->io_breq.op = (flags & SCSI_WS_FLAG_UNMAP) && lun->l_info.can_unmap ?
				 BLK_OP_UNMAP : BLK_OP_WRITE_ZEROES;
		free(io->io_heap);
		io->io_heap = NULL;
	} else {
		if (n > SCSI_MAX_WS_PATTERN_BLOCKS) {
			scsi_io_release(io);
			scsi_io_check(io, SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD_CDB,
				      VSTOR_SRB_STATUS_INVALID_REQUEST);
			return SCSI_EXEC_DONE;
		}
		io->io_wsiov = scsi_zalloc((size_t)n * sizeof(struct iovec));
		if (!io->io_wsiov) {
			scsi_io_release(io);
			scsi_io_blk_error(io, -ENOMEM);
			return SCSI_EXEC_DONE;
		}
		for (uint32_t i = 0; i < n; i++) {
			io->io_wsiov[i].iov_base = io->io_heap;
			io->io_wsiov[i].iov_len = sec;
		}
		io->io_breq.op = BLK_OP_WRITE;
		io->io_breq.iov = io->io_wsiov;
		io->io_breq.iovcnt = (int)n;
	}
	lun->l_stats.writes++;
	return scsi_submit(lun, io);
}
