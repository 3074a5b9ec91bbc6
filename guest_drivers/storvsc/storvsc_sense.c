/* storvsc_sense.c -- sense data parsing (fixed and descriptor formats,
 * bounded by the length the host claims and the buffer we hold) and what a
 * finished command means: done, retry now (unit attention), retry later
 * (busy), and which errno a block I/O gets. */
#include "guest_drivers/storvsc/storvsc_var.h"
#include "hyperv/scsi.h"

void stv_sense_parse(const uint8_t *s, uint32_t len, struct stv_sense *out)
{
	out->valid = false;
	out->key = out->asc = out->ascq = 0;
	if (len < 1)
		return;
	uint8_t code = s[0] & 0x7Fu;
	if (code == SCSI_SENSE_RESPONSE_FIXED || code == SCSI_SENSE_RESPONSE_DEFERRED) {
		if (len < 3)
			return;
		out->valid = true;
		out->key = s[2] & SCSI_SENSE_KEY_MASK;
		/* ASC/ASCQ only when both the buffer and the additional length
		 * reach them (a host may send a short sense). */
		if (len >= 14 && s[7] >= 6) {
			out->asc = s[12];
			out->ascq = s[13];
		}
	} else if (code == 0x72u || code == 0x73u) {
		if (len < 2)
			return;
		out->valid = true;
		out->key = s[1] & SCSI_SENSE_KEY_MASK;
		if (len >= 4) {
			out->asc = s[2];
			out->ascq = s[3];
		}
	}
}

static bool srb_gone(uint8_t srb)
{
	return srb == VSTOR_SRB_STATUS_INVALID_LUN || srb == VSTOR_SRB_STATUS_INVALID_TARGET_ID ||
	       srb == VSTOR_SRB_STATUS_NO_DEVICE || srb == VSTOR_SRB_STATUS_SELECTION_TIMEOUT ||
	       srb == VSTOR_SRB_STATUS_INVALID_PATH_ID || srb == VSTOR_SRB_STATUS_NO_HBA;
}

enum stv_verdict stv_verdict(uint8_t srb_status, uint8_t scsi_status, const struct stv_sense *sn,
			     bool *rescan)
{
	uint8_t srb = srb_status & VSTOR_SRB_STATUS_MASK;
	*rescan = false;
	if (srb == VSTOR_SRB_STATUS_BUSY || scsi_status == SCSI_STATUS_BUSY ||
	    scsi_status == SCSI_STATUS_TASK_SET_FULL)
		return STV_RETRY_LATER;
	if (srb == VSTOR_SRB_STATUS_BUS_RESET || srb == VSTOR_SRB_STATUS_REQUEST_FLUSHED)
		return STV_RETRY_NOW;
	if (srb_gone(srb)) {
		*rescan = true;  /* the LUN went away (Linux: remove it) */
		return STV_DONE;
	}
	if (scsi_status == SCSI_STATUS_CHECK_CONDITION && sn->valid &&
	    sn->key == SCSI_SENSE_UNIT_ATTENTION) {
		uint16_t a = SCSI_ASCQ(sn->asc, sn->ascq);
		/* Capacity or LUN inventory changed: look again (Linux rescans
		 * on 2A/09 and on 3F/xx). */
		if (a == SCSI_ASC_CAPACITY_CHANGED || sn->asc == 0x3Fu)
			*rescan = true;
		return STV_RETRY_NOW;
	}
	return STV_DONE;
}

int stv_io_errno(uint8_t srb_status, uint8_t scsi_status, const struct stv_sense *sn)
{
	uint8_t srb = srb_status & VSTOR_SRB_STATUS_MASK;
	if (scsi_status == SCSI_STATUS_CHECK_CONDITION && sn->valid) {
		switch (sn->key) {
		case SCSI_SENSE_NO_SENSE:
		case SCSI_SENSE_RECOVERED_ERROR:
			return 0;
		case SCSI_SENSE_ILLEGAL_REQUEST:
			return sn->asc == SCSI_ASC_OF(SCSI_ASC_INVALID_OPCODE) ? -EOPNOTSUPP : -EINVAL;
		case SCSI_SENSE_DATA_PROTECT:
			/* Thin provisioning out of space (27/07) is not a
			 * write-protected medium. */
			if (SCSI_ASCQ(sn->asc, sn->ascq) == SCSI_ASC_SPACE_ALLOC_FAILED)
				return -ENOSPC;
			return -EROFS;
		default:
			return -EIO;
		}
	}
	if (srb_gone(srb))
		return -ENODEV;
	if (srb == VSTOR_SRB_STATUS_TIMEOUT || srb == VSTOR_SRB_STATUS_COMMAND_TIMEOUT)
		return -ETIMEDOUT;
	if (scsi_status != SCSI_STATUS_GOOD)
		return -EIO;
	/* DATA_OVERRUN means "fewer bytes than asked" (Windows naming); the
	 * caller checks the byte count. */
	if (srb == VSTOR_SRB_STATUS_SUCCESS || srb == VSTOR_SRB_STATUS_DATA_OVERRUN)
		return 0;
	if (srb == VSTOR_SRB_STATUS_INVALID_REQUEST || srb == VSTOR_SRB_STATUS_BAD_FUNCTION)
		return -EINVAL;
	return -EIO;
}
