/* scsi_lun.c -- the SCSI target's front: LUN lifetime, the opcode dispatch
 * table (allow-list), status/sense helpers, absent LUNs and REPORT LUNS. */
#include "sim/devices/scsi/scsi_tgt_var.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hyperv/vstor.h"

/* ---- allocation hook ------------------------------------------------------ */

static long scsi_alloc_countdown = -1;

void scsi_alloc_fail_after(long n)
{
	scsi_alloc_countdown = n;
}

void *scsi_zalloc(size_t n)
{
	if (scsi_alloc_countdown >= 0 && scsi_alloc_countdown-- == 0)
		return NULL;
	return calloc(1, n);
}

/* ---- outputs ---------------------------------------------------------------- */

void scsi_sense_build(uint8_t out[SCSI_SENSE_FIXED_SIZE], uint8_t key, uint16_t ascq)
{
	memset(out, 0, SCSI_SENSE_FIXED_SIZE);
	out[0] = SCSI_SENSE_RESPONSE_FIXED;
	out[2] = key & SCSI_SENSE_KEY_MASK;
	out[7] = SCSI_SENSE_FIXED_ADD_LEN;
	out[12] = SCSI_ASC_OF(ascq);
	out[13] = SCSI_ASCQ_OF(ascq);
}

void scsi_io_check(struct scsi_io *io, uint8_t key, uint16_t ascq, uint8_t srb_status)
{
	io->status = SCSI_STATUS_CHECK_CONDITION;
	io->srb_status = srb_status;
	io->sense_len = SCSI_SENSE_FIXED_SIZE;
	scsi_sense_build(io->sense, key, ascq);
	io->xferred = 0;
	if (io->io_lun)
		io->io_lun->l_stats.check++;
}

void scsi_io_good(struct scsi_io *io)
{
	io->status = SCSI_STATUS_GOOD;
	io->srb_status = VSTOR_SRB_STATUS_SUCCESS;
	io->sense_len = 0;
	if (io->io_lun)
		io->io_lun->l_stats.good++;
}

/* ILLEGAL REQUEST errors in the CDB itself are INVALID_REQUEST at the SRB
 * level (openvmm: unsupported opcode / VPD page); everything else ERROR. */
static void scsi_io_illegal(struct scsi_io *io, uint16_t ascq)
{
	scsi_io_check(io, SCSI_SENSE_ILLEGAL_REQUEST, ascq, VSTOR_SRB_STATUS_INVALID_REQUEST);
}

void scsi_io_reply(struct scsi_io *io, const void *data, uint32_t len, uint32_t alloc)
{
	uint32_t n = len;
	const uint8_t *src = data;
	uint32_t done = 0;

	if (n > alloc)
		n = alloc;
	if (n > io->buf_len)
		n = io->buf_len;
	for (int i = 0; i < io->iovcnt && done < n; i++) {
		uint32_t k = n - done;
		if (io->iov[i].iov_len < k)
			k = (uint32_t)io->iov[i].iov_len;
		memcpy(io->iov[i].iov_base, src + done, k);
		done += k;
	}
	scsi_io_good(io);
	io->xferred = done;
}

uint32_t scsi_io_fetch(const struct scsi_io *io, void *dst, uint32_t len)
{
	uint8_t *d = dst;
	uint32_t done = 0;

	if (len > io->buf_len)
		len = io->buf_len;
	for (int i = 0; i < io->iovcnt && done < len; i++) {
		uint32_t k = len - done;
		if (io->iov[i].iov_len < k)
			k = (uint32_t)io->iov[i].iov_len;
		memcpy(d + done, io->iov[i].iov_base, k);
		done += k;
	}
	return done;
}

void scsi_io_blk_error(struct scsi_io *io, int err)
{
	switch (err) {
	case -EIO:
		io->io_lun->l_stats.io_errors++;
		scsi_io_check(io, SCSI_SENSE_MEDIUM_ERROR,
			      io->io_write ? SCSI_ASC_WRITE_ERROR : SCSI_ASC_UNRECOVERED_READ,
			      VSTOR_SRB_STATUS_ERROR);
		break;
	case -EROFS:
		scsi_io_check(io, SCSI_SENSE_DATA_PROTECT, SCSI_ASC_WRITE_PROTECTED,
			      VSTOR_SRB_STATUS_ERROR);
		break;
	case -ENOSPC:
		io->io_lun->l_stats.io_errors++;
		scsi_io_check(io, SCSI_SENSE_DATA_PROTECT, SCSI_ASC_SPACE_ALLOC_FAILED,
			      VSTOR_SRB_STATUS_ERROR);
		break;
	case -ENOMEM:
	case -EAGAIN:
		/* Out of resources now: the guest retries a BUSY. */
		io->status = SCSI_STATUS_BUSY;
		io->srb_status = VSTOR_SRB_STATUS_BUSY;
		io->sense_len = 0;
		io->xferred = 0;
		break;
	case -ECANCELED:
		io->status = SCSI_STATUS_TASK_ABORTED;
		io->srb_status = VSTOR_SRB_STATUS_ABORTED;
		io->sense_len = 0;
		io->xferred = 0;
		break;
	default:
		io->io_lun->l_stats.io_errors++;
		scsi_io_check(io, SCSI_SENSE_HARDWARE_ERROR, SCSI_ASC_INTERNAL_TARGET_FAILURE,
			      VSTOR_SRB_STATUS_ERROR);
		break;
	}
}

/* ---- lifetime ---------------------------------------------------------------- */

int scsi_lun_create(struct blk *b, const struct scsi_lun_opts *o, struct scsi_lun **out)
{
	struct scsi_lun *lun;

	*out = NULL;
	if (!b)
		return -EINVAL;
	lun = scsi_zalloc(sizeof(*lun));
	if (!lun) {
		blk_close(b);
		return -ENOMEM;
	}
	lun->l_blk = b;
	blk_get_info(b, &lun->l_info);
	if (o) {
		lun->l_id = o->id;
		lun->l_no_fua = o->no_fua;
		lun->l_max_xfer = o->max_xfer_bytes;
		if (o->serial)
			snprintf(lun->l_serial, sizeof(lun->l_serial), "%s", o->serial);
	}
	if (!lun->l_serial[0])
		snprintf(lun->l_serial, sizeof(lun->l_serial), "HVSIM%016llX",
			 (unsigned long long)lun->l_id);
	if (!lun->l_max_xfer)
		lun->l_max_xfer = SCSI_DEFAULT_MAX_XFER;
	*out = lun;
	return 0;
}

void scsi_lun_destroy(struct scsi_lun *lun)
{
	if (!lun)
		return;
	blk_close(lun->l_blk);
	free(lun);
}

unsigned scsi_lun_poll(struct scsi_lun *lun)
{
	return blk_poll(lun->l_blk);
}

int scsi_lun_event_fd(const struct scsi_lun *lun)
{
	return blk_event_fd(lun->l_blk);
}

unsigned scsi_lun_inflight(const struct scsi_lun *lun)
{
	return blk_inflight(lun->l_blk);
}

struct blk *scsi_lun_blk(struct scsi_lun *lun)
{
	return lun->l_blk;
}

void scsi_lun_unit_attention(struct scsi_lun *lun, uint16_t ascq)
{
	lun->l_ua = ascq;
}

void scsi_lun_stats(const struct scsi_lun *lun, struct scsi_lun_stats *out)
{
	*out = lun->l_stats;
}

/* ---- dispatch ------------------------------------------------------------------ */

enum scsi_kind {
	SK_TUR, SK_REQUEST_SENSE, SK_RW, SK_INQUIRY, SK_MODE_SENSE, SK_MODE_SELECT,
	SK_NOP, SK_READ_CAPACITY, SK_SYNC, SK_UNMAP, SK_WRITE_SAME, SK_SAI, SK_REPORT_LUNS,
};

struct scsi_cmd_ent {
	uint8_t op;
	uint8_t min_len;
	uint8_t dir;       /* enum scsi_dir */
	uint8_t kind;      /* enum scsi_kind */
};

/* Every opcode the target accepts; anything else is INVALID COMMAND
 * OPERATION CODE (RELIABILITY rule 4: allow-list). */
static const struct scsi_cmd_ent scsi_cmds[] = {
	{ SCSI_OP_TEST_UNIT_READY,      6,  SCSI_DIR_NONE, SK_TUR },
	{ SCSI_OP_REQUEST_SENSE,        6,  SCSI_DIR_IN,   SK_REQUEST_SENSE },
	{ SCSI_OP_READ_6,               6,  SCSI_DIR_IN,   SK_RW },
	{ SCSI_OP_WRITE_6,              6,  SCSI_DIR_OUT,  SK_RW },
	{ SCSI_OP_INQUIRY,              6,  SCSI_DIR_IN,   SK_INQUIRY },
	{ SCSI_OP_MODE_SELECT_6,        6,  SCSI_DIR_OUT,  SK_MODE_SELECT },
	{ SCSI_OP_MODE_SENSE_6,         6,  SCSI_DIR_IN,   SK_MODE_SENSE },
	{ SCSI_OP_START_STOP_UNIT,      6,  SCSI_DIR_NONE, SK_NOP },
	{ SCSI_OP_PREVENT_ALLOW,        6,  SCSI_DIR_NONE, SK_NOP },
	{ SCSI_OP_READ_CAPACITY_10,     10, SCSI_DIR_IN,   SK_READ_CAPACITY },
	{ SCSI_OP_READ_10,              10, SCSI_DIR_IN,   SK_RW },
	{ SCSI_OP_WRITE_10,             10, SCSI_DIR_OUT,  SK_RW },
	{ SCSI_OP_SYNCHRONIZE_CACHE_10, 10, SCSI_DIR_NONE, SK_SYNC },
	{ SCSI_OP_UNMAP,                10, SCSI_DIR_OUT,  SK_UNMAP },
	{ SCSI_OP_MODE_SELECT_10,       10, SCSI_DIR_OUT,  SK_MODE_SELECT },
	{ SCSI_OP_MODE_SENSE_10,        10, SCSI_DIR_IN,   SK_MODE_SENSE },
	{ SCSI_OP_READ_16,              16, SCSI_DIR_IN,   SK_RW },
	{ SCSI_OP_WRITE_16,             16, SCSI_DIR_OUT,  SK_RW },
	{ SCSI_OP_SYNCHRONIZE_CACHE_16, 16, SCSI_DIR_NONE, SK_SYNC },
	{ SCSI_OP_WRITE_SAME_16,        16, SCSI_DIR_OUT,  SK_WRITE_SAME },
	{ SCSI_OP_SERVICE_ACTION_IN_16, 16, SCSI_DIR_IN,   SK_SAI },
	{ SCSI_OP_REPORT_LUNS,          12, SCSI_DIR_IN,   SK_REPORT_LUNS },
	{ SCSI_OP_READ_12,              12, SCSI_DIR_IN,   SK_RW },
	{ SCSI_OP_WRITE_12,             12, SCSI_DIR_OUT,  SK_RW },
};

static const struct scsi_cmd_ent *scsi_cmd_find(uint8_t op)
{
	for (size_t i = 0; i < sizeof(scsi_cmds) / sizeof(scsi_cmds[0]); i++)
		if (scsi_cmds[i].op == op)
			return &scsi_cmds[i];
	return NULL;
}

enum scsi_dir scsi_cdb_dir(const uint8_t *cdb)
{
	const struct scsi_cmd_ent *e = scsi_cmd_find(cdb[0]);
	return e ? (enum scsi_dir)e->dir : SCSI_DIR_NONE;
}

static void scsi_io_reset(struct scsi_io *io, struct scsi_lun *lun)
{
	io->io_lun = lun;
	io->status = SCSI_STATUS_GOOD;
	io->srb_status = VSTOR_SRB_STATUS_SUCCESS;
	io->sense_len = 0;
	io->xferred = 0;
	io->io_heap = NULL;
	io->io_wsiov = NULL;
	io->io_write = 0;
	io->io_op = io->cdb[0];
}

static void scsi_request_sense(struct scsi_lun *lun, struct scsi_io *io)
{
	uint8_t s[SCSI_SENSE_FIXED_SIZE];

	if (io->cdb[1] & SCSI_RS_FLAG_DESC) {
		/* Descriptor format is not supported (fixed only). */
		scsi_io_illegal(io, SCSI_ASC_INVALID_FIELD_CDB);
		return;
	}
	/* With autosense nothing is ever left pending except a unit attention. */
	scsi_sense_build(s, lun->l_ua ? SCSI_SENSE_UNIT_ATTENTION : SCSI_SENSE_NO_SENSE, lun->l_ua);
	lun->l_ua = 0;
	scsi_io_reply(io, s, sizeof(s), io->cdb[SCSI_RS_OFF_ALLOC]);
}

int scsi_lun_exec(struct scsi_lun *lun, struct scsi_io *io)
{
	const struct scsi_cmd_ent *e;

	scsi_io_reset(io, lun);
	lun->l_stats.cmds++;
	e = scsi_cmd_find(io->cdb[0]);
	if (!e) {
		scsi_io_illegal(io, SCSI_ASC_INVALID_OPCODE);
		return SCSI_EXEC_DONE;
	}
	if (io->cdb_len < e->min_len || io->cdb_len > 16) {
		scsi_io_illegal(io, SCSI_ASC_INVALID_FIELD_CDB);
		return SCSI_EXEC_DONE;
	}
	/* A buffer that moves the other way than the command: the guest's SRB
	 * is inconsistent (RELIABILITY 5.8 #73). */
	if (e->dir != SCSI_DIR_NONE && io->buf_len && io->dir != (enum scsi_dir)e->dir) {
		scsi_io_illegal(io, SCSI_ASC_INVALID_FIELD_CDB);
		return SCSI_EXEC_DONE;
	}
	if (lun->l_ua && e->kind != SK_INQUIRY && e->kind != SK_REPORT_LUNS &&
	    e->kind != SK_REQUEST_SENSE) {
		uint16_t ua = lun->l_ua;
		lun->l_ua = 0;
		scsi_io_check(io, SCSI_SENSE_UNIT_ATTENTION, ua, VSTOR_SRB_STATUS_ERROR);
		return SCSI_EXEC_DONE;
	}
	switch ((enum scsi_kind)e->kind) {
	case SK_TUR:
	case SK_NOP:
		scsi_io_good(io);
		return SCSI_EXEC_DONE;
	case SK_REQUEST_SENSE:
		scsi_request_sense(lun, io);
		return SCSI_EXEC_DONE;
	case SK_RW:
		return scsi_data_rw(lun, io);
	case SK_INQUIRY:
		scsi_inquiry(lun, io);
		return SCSI_EXEC_DONE;
	case SK_MODE_SENSE:
		scsi_mode_sense(lun, io);
		return SCSI_EXEC_DONE;
	case SK_MODE_SELECT:
		scsi_mode_select(lun, io);
		return SCSI_EXEC_DONE;
	case SK_READ_CAPACITY:
		scsi_read_capacity(lun, io);
		return SCSI_EXEC_DONE;
	case SK_SAI:
		if ((io->cdb[1] & SCSI_SAI_MASK) != SCSI_SAI_READ_CAPACITY_16) {
			scsi_io_illegal(io, SCSI_ASC_INVALID_FIELD_CDB);
			return SCSI_EXEC_DONE;
		}
		scsi_read_capacity(lun, io);
		return SCSI_EXEC_DONE;
	case SK_SYNC:
		return scsi_data_sync(lun, io);
	case SK_UNMAP:
		return scsi_data_unmap(lun, io);
	case SK_WRITE_SAME:
		return scsi_data_write_same(lun, io);
	case SK_REPORT_LUNS:
		/* The transport answers REPORT LUNS for the target (it knows the
		 * LUN list); reaching here means a lone LUN. */
		{
			uint8_t l0 = 0;
			scsi_report_luns(&l0, 1, io);
		}
		return SCSI_EXEC_DONE;
	}
	scsi_io_illegal(io, SCSI_ASC_INVALID_OPCODE);
	return SCSI_EXEC_DONE;
}

/* ---- addresses without a LUN ------------------------------------------------ */

void scsi_absent_exec(enum scsi_absent_mode mode, struct scsi_io *io)
{
	uint8_t inq[SCSI_INQ_STD_SIZE];

	scsi_io_reset(io, NULL);
	if (io->cdb[0] == SCSI_OP_INQUIRY && io->cdb_len >= 6) {
		if (io->cdb[1] & SCSI_INQ_FLAG_EVPD) {
			scsi_io_illegal(io, SCSI_ASC_INVALID_FIELD_CDB);
			return;
		}
		memset(inq, 0, sizeof(inq));
		inq[0] = SCSI_INQ_NO_LUN;
		if (mode == SCSI_ABSENT_PHANTOM || mode == SCSI_ABSENT_WIN10) {
			inq[2] = SCSI_VERSION_SPC3;
			inq[3] = SCSI_INQ_RESP_FORMAT;
			inq[4] = SCSI_INQ_STD_SIZE - 5;
		}
		if (mode == SCSI_ABSENT_PHANTOM)
			memcpy(inq + 8, "Msft    Virtual Disk    1.0 ", 28);
		scsi_io_reply(io, inq, sizeof(inq), scsi_be16(io->cdb + SCSI_INQ_OFF_ALLOC));
		return;
	}
	if (mode == SCSI_ABSENT_PHANTOM && io->cdb[0] == SCSI_OP_TEST_UNIT_READY) {
		scsi_io_good(io);
		return;
	}
	io->status = SCSI_STATUS_CHECK_CONDITION;
	io->srb_status = VSTOR_SRB_STATUS_INVALID_LUN;
}

void scsi_report_luns(const uint8_t *luns, unsigned n, struct scsi_io *io)
{
	uint8_t buf[SCSI_RL_HDR_SIZE + 256 * SCSI_RL_ENTRY_SIZE];
	uint32_t alloc;

	if (io->cdb_len < 12) {
		scsi_io_illegal(io, SCSI_ASC_INVALID_FIELD_CDB);
		return;
	}
	alloc = scsi_be32(io->cdb + SCSI_RL_OFF_ALLOC);
	/* SPC: an allocation length below 16 is an error; select report 0-2. */
	if (alloc < SCSI_RL_MIN_ALLOC || io->cdb[SCSI_RL_OFF_SELECT] > 2) {
		scsi_io_illegal(io, SCSI_ASC_INVALID_FIELD_CDB);
		return;
	}
	if (n > 256)
		n = 256;
	memset(buf, 0, sizeof(buf));
	scsi_put32(buf, n * SCSI_RL_ENTRY_SIZE);
	for (unsigned i = 0; i < n; i++)
		buf[SCSI_RL_HDR_SIZE + i * SCSI_RL_ENTRY_SIZE + 1] = luns[i];
	scsi_io_reply(io, buf, SCSI_RL_HDR_SIZE + n * SCSI_RL_ENTRY_SIZE, alloc);
}
