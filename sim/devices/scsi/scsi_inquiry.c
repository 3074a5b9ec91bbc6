/* scsi_inquiry.c -- INQUIRY: standard data of a Hyper-V virtual disk and
 * the VPD pages 0x00, 0x80, 0x83, 0xB0, 0xB1, 0xB2. */
#include "sim/devices/scsi/scsi_tgt_var.h"

#include <string.h>

#include "hyperv/vstor.h"

#define SCSI_VPD_BUF 128u

static const uint8_t scsi_vpd_pages[] = {
	SCSI_VPD_SUPPORTED, SCSI_VPD_SERIAL, SCSI_VPD_DEVICE_ID,
	SCSI_VPD_BLOCK_LIMITS, SCSI_VPD_BLOCK_CHARS, SCSI_VPD_LB_PROVISIONING,
};

static void scsi_inquiry_std(struct scsi_io *io, uint16_t alloc)
{
	struct scsi_inquiry_std q;

	memset(&q, 0, sizeof(q));
	q.peripheral = SCSI_PQ_CONNECTED | SCSI_TYPE_DISK;
	q.version = SCSI_VERSION_SPC3;
	q.resp_format = SCSI_INQ_HISUP | SCSI_INQ_RESP_FORMAT;
	q.additional_len = SCSI_INQ_STD_SIZE - 5;
	q.flags7 = SCSI_INQ_CMDQUE;
	memcpy(q.vendor, "Msft    ", sizeof(q.vendor));
	memcpy(q.product, "Virtual Disk    ", sizeof(q.product));
	memcpy(q.revision, "1.0 ", sizeof(q.revision));
	scsi_io_reply(io, &q, sizeof(q), alloc);
}

/* NAA 6 (IEEE registered extended): NAA nibble, 24-bit OUI, 36-bit vendor
 * id ("HVSI" + 0), 64-bit extension = the LUN's id. */
static uint32_t scsi_vpd_devid(const struct scsi_lun *lun, uint8_t *p)
{
	uint32_t oui = SCSI_OUI_MICROSOFT;
	size_t slen = strlen(lun->l_serial);
	uint32_t n = 0;

	p[n++] = SCSI_DESIG_CODESET_BINARY;
	p[n++] = SCSI_DESIG_ASSOC_LUN | SCSI_DESIG_TYPE_NAA;
	p[n++] = 0;
	p[n++] = SCSI_NAA6_LEN;
	p[n++] = (uint8_t)(SCSI_NAA_IEEE_REGISTERED << 4 | (oui >> 20));
	p[n++] = (uint8_t)(oui >> 12);
	p[n++] = (uint8_t)(oui >> 4);
	p[n++] = (uint8_t)((oui & 0xF) << 4);
	memcpy(p + n, "HVSI", 4);
	n += 4;
	scsi_put64(p + n, lun->l_id);
	n += 8;
	/* T10 vendor id: "Msft    " + serial. */
	p[n++] = SCSI_DESIG_CODESET_ASCII;
	p[n++] = SCSI_DESIG_ASSOC_LUN | SCSI_DESIG_TYPE_T10;
	p[n++] = 0;
	p[n++] = (uint8_t)(8 + slen);
	memcpy(p + n, "Msft    ", 8);
	n += 8;
	memcpy(p + n, lun->l_serial, slen);
	n += (uint32_t)slen;
	return n;
}

static bool scsi_vpd_build(const struct scsi_lun *lun, uint8_t page, uint8_t *buf, uint32_t *len)
{
	uint32_t sec = lun->l_info.sector;
	uint32_t n;

	memset(buf, 0, SCSI_VPD_BUF);
	buf[0] = SCSI_PQ_CONNECTED | SCSI_TYPE_DISK;
	buf[1] = page;
	switch (page) {
	case SCSI_VPD_SUPPORTED:
		n = sizeof(scsi_vpd_pages);
		memcpy(buf + 4, scsi_vpd_pages, n);
		break;
	case SCSI_VPD_SERIAL:
		n = (uint32_t)strlen(lun->l_serial);
		memcpy(buf + 4, lun->l_serial, n);
		break;
	case SCSI_VPD_DEVICE_ID:
		n = scsi_vpd_devid(lun, buf + 4);
		break;
	case SCSI_VPD_BLOCK_LIMITS:
		n = SCSI_VPD_B0_LEN;
		buf[4] = 0x01; /* WSNZ: WRITE SAME of 0 blocks is refused */
		scsi_put16(buf + SCSI_VPD_B0_OFF_OPT_GRAN, (uint16_t)(sec < 4096 ? 4096 / sec : 1));
		scsi_put32(buf + SCSI_VPD_B0_OFF_MAX_XFER, lun->l_max_xfer / sec);
		scsi_put32(buf + SCSI_VPD_B0_OFF_OPT_XFER, lun->l_max_xfer / sec);
		if (lun->l_info.can_unmap) {
			scsi_put32(buf + SCSI_VPD_B0_OFF_MAX_UNMAP, SCSI_MAX_UNMAP_BLOCKS);
			scsi_put32(buf + SCSI_VPD_B0_OFF_MAX_UNMAP_DESC, SCSI_MAX_UNMAP_DESC);
			scsi_put32(buf + SCSI_VPD_B0_OFF_UNMAP_GRAN, sec < 4096 ? 4096 / sec : 1);
		}
		scsi_put64(buf + SCSI_VPD_B0_OFF_MAX_WS, SCSI_MAX_WS_BLOCKS);
		break;
	case SCSI_VPD_BLOCK_CHARS:
		n = SCSI_VPD_B1_LEN;
		scsi_put16(buf + SCSI_VPD_B1_OFF_ROTATION, SCSI_ROTATION_NONE);
		break;
	case SCSI_VPD_LB_PROVISIONING:
		n = SCSI_VPD_B2_LEN;
		if (lun->l_info.can_unmap) {
			buf[SCSI_VPD_B2_OFF_FLAGS] = SCSI_LBP_LBPU | SCSI_LBP_LBPWS | SCSI_LBP_LBPRZ;
			buf[SCSI_VPD_B2_OFF_PTYPE] = SCSI_PTYPE_THIN;
		}
		break;
	default:
		return false;
	}
	scsi_put16(buf + 2, (uint16_t)n);
	*len = SCSI_VPD_HDR_SIZE + n;
	return true;
}

void scsi_inquiry(struct scsi_lun *lun, struct scsi_io *io)
{
	uint16_t alloc = scsi_be16(io->cdb + SCSI_INQ_OFF_ALLOC);
	uint8_t page = io->cdb[SCSI_INQ_OFF_PAGE];
	uint8_t buf[SCSI_VPD_BUF];
	uint32_t len;

	if (!(io->cdb[1] & SCSI_INQ_FLAG_EVPD)) {
		if (page != 0) {
			scsi_io_check(io, SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD_CDB,
				      VSTOR_SRB_STATUS_INVALID_REQUEST);
			return;
		}
		scsi_inquiry_std(io, alloc);
		return;
	}
	if (!scsi_vpd_build(lun, page, buf, &len)) {
		scsi_io_check(io, SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD_CDB,
			      VSTOR_SRB_STATUS_INVALID_REQUEST);
		return;
	}
	scsi_io_reply(io, buf, len, alloc);
}
