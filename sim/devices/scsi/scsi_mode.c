/* scsi_mode.c -- READ CAPACITY(10/16) and the mode pages: MODE SENSE(6/10)
 * (caching page with WCE, control page, DPOFUA only when FUA is honoured)
 * and MODE SELECT(6/10) of the caching page (WCE on/off). */
#include "sim/devices/scsi/scsi_tgt_var.h"

#include <string.h>

#include "hyperv/vstor.h"

#define SCSI_MS_BUF         64u
#define SCSI_MSEL_MAX       128u /* a parameter list longer than this is refused */

void scsi_read_capacity(struct scsi_lun *lun, struct scsi_io *io)
{
	uint64_t last = lun->l_info.size / lun->l_info.sector - 1;
	struct blk_info bi;

	blk_get_info(lun->l_blk, &bi);
	if (io->cdb[0] == SCSI_OP_READ_CAPACITY_10) {
		uint8_t d[SCSI_RC10_SIZE];
		/* PMI clear requires LBA 0 (SBC-3). */
		if (!(io->cdb[8] & 1) && scsi_be32(io->cdb + 2) != 0) {
			scsi_io_check(io, SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD_CDB,
				      VSTOR_SRB_STATUS_INVALID_REQUEST);
			return;
		}
		scsi_put32(d, last > SCSI_RC10_LBA_MAX ? SCSI_RC10_LBA_MAX : (uint32_t)last);
		scsi_put32(d + 4, lun->l_info.sector);
		scsi_io_reply(io, d, sizeof(d), sizeof(d));
		return;
	}
	{
		struct scsi_read_capacity16 r;
		memset(&r, 0, sizeof(r));
		scsi_put64(r.last_lba, last);
		scsi_put32(r.block_len, lun->l_info.sector);
		if (bi.can_unmap)
			r.lbp_align[0] = SCSI_RC16_LBPME | SCSI_RC16_LBPRZ;
		scsi_io_reply(io, &r, sizeof(r), scsi_be32(io->cdb + SCSI_RC16_OFF_ALLOC));
	}
}

/* One page at p in the form 'pc' asks for; returns its length. */
static uint32_t scsi_mpage(uint8_t page, uint8_t pc, bool wce, uint8_t *p)
{
	if (page == SCSI_MPAGE_CACHING) {
		memset(p, 0, SCSI_MPAGE_CACHING_LEN + 2);
		p[0] = SCSI_MPAGE_CACHING;
		p[1] = SCSI_MPAGE_CACHING_LEN;
		if (pc == 1)                  /* changeable: WCE only */
			p[2] = SCSI_CACHING_WCE;
		else if (pc == 2)             /* default: write-back */
			p[2] = SCSI_CACHING_WCE;
		else
			p[2] = wce ? SCSI_CACHING_WCE : 0;
		return SCSI_MPAGE_CACHING_LEN + 2;
	}
	memset(p, 0, SCSI_MPAGE_CONTROL_LEN + 2);
	p[0] = SCSI_MPAGE_CONTROL;
	p[1] = SCSI_MPAGE_CONTROL_LEN;
	if (pc != 1)
		p[3] = 0x10; /* queue algorithm modifier 1: unrestricted reordering */
	return SCSI_MPAGE_CONTROL_LEN + 2;
}

void scsi_mode_sense(struct scsi_lun *lun, struct scsi_io *io)
{
	bool ten = io->cdb[0] == SCSI_OP_MODE_SENSE_10;
	uint32_t hdr = ten ? SCSI_MS10_HDR_SIZE : SCSI_MS6_HDR_SIZE;
	uint8_t page = io->cdb[SCSI_MS_OFF_PAGE] & SCSI_MS_PAGE_MASK;
	uint8_t pc = io->cdb[SCSI_MS_OFF_PAGE] >> SCSI_MS_PC_SHIFT;
	uint8_t sub = io->cdb[SCSI_MS_OFF_SUBPAGE];
	bool dbd = io->cdb[1] & SCSI_MS_FLAG_DBD;
	uint32_t alloc = ten ? scsi_be16(io->cdb + SCSI_MS10_OFF_ALLOC) : io->cdb[SCSI_MS6_OFF_ALLOC];
	uint64_t nblocks = lun->l_info.size / lun->l_info.sector;
	uint8_t buf[SCSI_MS_BUF];
	uint32_t n = hdr;
	struct blk_info bi;
	uint8_t devspec = 0;

	if (pc == SCSI_MS_PC_SAVED) {
		scsi_io_check(io, SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_SAVING_NOT_SUPPORTED,
			      VSTOR_SRB_STATUS_INVALID_REQUEST);
		return;
	}
	if ((page != SCSI_MPAGE_CACHING && page != SCSI_MPAGE_CONTROL && page != SCSI_MPAGE_ALL) ||
	    (sub != 0 && !(page == SCSI_MPAGE_ALL && sub == 0xFF))) {
		scsi_io_check(io, SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD_CDB,
			      VSTOR_SRB_STATUS_INVALID_REQUEST);
		return;
	}
	blk_get_info(lun->l_blk, &bi);
	memset(buf, 0, sizeof(buf));
	if (bi.read_only)
		devspec |= SCSI_MS_DEVSPEC_WP;
	if (!lun->l_no_fua)
		devspec |= SCSI_MS_DEVSPEC_DPOFUA;
	if (!dbd) {
		uint8_t *d = buf + hdr;
		uint32_t nb = nblocks > 0xFFFFFFu ? 0xFFFFFFu : (uint32_t)nblocks;
		d[1] = (uint8_t)(nb >> 16);
		d[2] = (uint8_t)(nb >> 8);
		d[3] = (uint8_t)nb;
		d[5] = (uint8_t)(lun->l_info.sector >> 16);
		d[6] = (uint8_t)(lun->l_info.sector >> 8);
		d[7] = (uint8_t)lun->l_info.sector;
		n += SCSI_MS_BLKDESC_SIZE;
	}
	if (page == SCSI_MPAGE_CACHING || page == SCSI_MPAGE_ALL)
		n += scsi_mpage(SCSI_MPAGE_CACHING, pc, bi.wce, buf + n);
	if (page == SCSI_MPAGE_CONTROL || page == SCSI_MPAGE_ALL)
		n += scsi_mpage(SCSI_MPAGE_CONTROL, pc, bi.wce, buf + n);
	if (ten) {
		scsi_put16(buf, (uint16_t)(n - 2));
		buf[3] = devspec;
		scsi_put16(buf + 6, dbd ? 0 : SCSI_MS_BLKDESC_SIZE);
	} else {
		buf[0] = (uint8_t)(n - 1);
		buf[2] = devspec;
		buf[3] = dbd ? 0 : SCSI_MS_BLKDESC_SIZE;
	}
	scsi_io_reply(io, buf, n, alloc);
}

static void scsi_param_error(struct scsi_io *io, uint16_t ascq)
{
	scsi_io_check(io, SCSI_SENSE_ILLEGAL_REQUEST, ascq, VSTOR_SRB_STATUS_ERROR);
}

void scsi_mode_select(struct scsi_lun *lun, struct scsi_io *io)
{
	bool ten = io->cdb[0] == SCSI_OP_MODE_SELECT_10;
	uint32_t hdr = ten ? SCSI_MS10_HDR_SIZE : SCSI_MS6_HDR_SIZE;
	uint32_t plen = ten ? scsi_be16(io->cdb + 7) : io->cdb[4];
	uint8_t p[SCSI_MSEL_MAX];
	uint32_t bdl, off;
	int wce = -1;

	if (io->cdb[1] & 0x01) { /* SP: nothing can be saved */
		scsi_io_check(io, SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD_CDB,
			      VSTOR_SRB_STATUS_INVALID_REQUEST);
		return;
	}
	if (plen == 0) {
		scsi_io_good(io);
		return;
	}
	if (plen < hdr || plen > io->buf_len || plen > sizeof(p)) {
		scsi_param_error(io, SCSI_ASC_PARAM_LIST_LENGTH);
		return;
	}
	scsi_io_fetch(io, p, plen);  /* copy, then validate */
	bdl = ten ? scsi_be16(p + 6) : p[3];
	if (bdl != 0 && bdl != SCSI_MS_BLKDESC_SIZE) {
		scsi_param_error(io, SCSI_ASC_INVALID_FIELD_PARAM);
		return;
	}
	if (bdl > plen - hdr) {
		scsi_param_error(io, SCSI_ASC_PARAM_LIST_LENGTH);
		return;
	}
	if (bdl) {
		const uint8_t *d = p + hdr;
		uint32_t bl = (uint32_t)d[5] << 16 | (uint32_t)d[6] << 8 | d[7];
		if (bl != 0 && bl != lun->l_info.sector) {
			scsi_param_error(io, SCSI_ASC_INVALID_FIELD_PARAM);
			return;
		}
	}
	/* Walk the pages; each step consumes at least the 2-byte page header. */
	for (off = hdr + bdl; off < plen;) {
		uint8_t code, len;
		if (plen - off < 2) {
			scsi_param_error(io, SCSI_ASC_PARAM_LIST_LENGTH);
			return;
		}
		code = p[off];
		len = p[off + 1];
		if (len > plen - off - 2) {
			scsi_param_error(io, SCSI_ASC_PARAM_LIST_LENGTH);
			return;
		}
		if ((code & 0x40) ||   /* sub-page format: none supported */
		    ((code & SCSI_MS_PAGE_MASK) == SCSI_MPAGE_CACHING && len != SCSI_MPAGE_CACHING_LEN) ||
		    ((code & SCSI_MS_PAGE_MASK) == SCSI_MPAGE_CONTROL && len != SCSI_MPAGE_CONTROL_LEN) ||
		    ((code & SCSI_MS_PAGE_MASK) != SCSI_MPAGE_CACHING &&
		     (code & SCSI_MS_PAGE_MASK) != SCSI_MPAGE_CONTROL)) {
			scsi_param_error(io, SCSI_ASC_INVALID_FIELD_PARAM);
			return;
		}
		if ((code & SCSI_MS_PAGE_MASK) == SCSI_MPAGE_CACHING)
			wce = (p[off + 2] & SCSI_CACHING_WCE) != 0;
		off += 2u + len;
	}
	/* Apply only once the whole list is valid. */
	if (wce >= 0) {
		int err = blk_set_wce(lun->l_blk, wce != 0);
		if (err) {
			io->io_write = 1;
			scsi_io_blk_error(io, err);
			return;
		}
		blk_get_info(lun->l_blk, &lun->l_info);
	}
	scsi_io_good(io);
}
