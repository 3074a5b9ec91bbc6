/* fuzz_scsi_cdb.c -- the SCSI target's CDB emulation against hostile
 * commands: input = cdb_len, direction, 16 CDB bytes, then the data-out
 * buffer (its length is the buffer length).  Invariants: never more data
 * than the buffer, sense 0 or 18 bytes, exactly one completion, no leaks.
 * Target options: an input whose first byte is 0xE0-0xFF starts with two
 * option bytes instead, {0xE0 | opt, arg}, then the format above; opt bit
 * 0: read-only disk, bit 1: LUN options (id, serial, no FUA, 4 KiB
 * transfers) and a pending unit attention, bit 2: the command goes to an
 * absent LUN (scsi_absent_exec, mode arg % 3), bit 3: the disk fails every
 * I/O (blk fault wrapper, error arg % 6 of EIO, EROFS, ENOSPC, ENOMEM,
 * ECANCELED, EINVAL), bit 4: the target's allocation number arg fails. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hyperv/vstor.h"
#include "sim/devices/blk/blk.h"
#include "sim/devices/scsi/scsi_tgt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned fz_done;

static void fz_cb(struct scsi_io *io)
{
	(void)io;
	fz_done++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scsi_lun *lun;
	struct blk *b;
	struct scsi_io io;
	struct iovec iov[2];
	uint8_t *buf;
	size_t blen;

	uint8_t opt = 0, arg = 0;
	if (size >= 2 && data[0] >= 0xE0) {
		opt = data[0] & 0x1F;
		arg = data[1];
		data += 2;
		size -= 2;
	}
	if (size < 18)
		return 0;
	blen = size - 18;
	if (blen > 65536)
		blen = 65536;
	if (blk_open_mem(65536, (data[1] & 0x80) ? 4096 : 512, &b) != 0)
		return 0;
	if (opt & 1)
		blk_set_read_only(b);
	if (opt & 8) {
		static const int errs[6] = { -EIO, -EROFS, -ENOSPC, -ENOMEM, -ECANCELED, -EINVAL };
		struct blk *fb;
		if (blk_wrap_fault(b, &fb) != 0)
			abort();
		struct blk_fault f = { .any_op = true, .nth = 1, .count = 1000, .err = errs[arg % 6] };
		if (blk_fault_arm(fb, &f) != 0)
			abort();
		b = fb;
	}
	struct scsi_lun_opts lo = { .id = 0x1234, .serial = "fzserial", .no_fua = true,
				    .max_xfer_bytes = 4096 };
	if (opt & 16)
		scsi_alloc_fail_after(arg);
	int rc = scsi_lun_create(b, (opt & 2) ? &lo : NULL, &lun);
	if (rc != 0) {
		scsi_alloc_fail_after(-1);
		return 0;
	}
	if (opt & 2) {
		scsi_lun_unit_attention(lun, SCSI_ASC_REPORTED_LUNS_CHANGED);
		struct scsi_lun_stats st;
		scsi_lun_stats(lun, &st);
		(void)scsi_lun_event_fd(lun);
		(void)scsi_lun_inflight(lun);
		if (scsi_lun_blk(lun) != b)
			abort();
	}
	buf = malloc(blen + 1);
	if (!buf)
		abort();
	memcpy(buf, data + 18, blen);
	memset(&io, 0, sizeof(io));
	io.cdb_len = (uint8_t)(data[0] % 17);
	io.dir = (enum scsi_dir)(data[1] % 3);
	memcpy(io.cdb, data + 2, 16);
	iov[0].iov_base = buf;
	iov[0].iov_len = blen / 3;
	iov[1].iov_base = buf + blen / 3;
	iov[1].iov_len = blen - blen / 3;
	io.iov = iov;
	io.iovcnt = 2;
	io.buf_len = (uint32_t)blen;
	io.done = fz_cb;
	fz_done = 0;
	if (opt & 4)
		scsi_absent_exec((enum scsi_absent_mode)(arg % 3), &io);
	else if (scsi_lun_exec(lun, &io) == SCSI_EXEC_PENDING) {
		for (unsigned i = 0; i < 1000000 && !fz_done; i++)
			scsi_lun_poll(lun);
		if (fz_done != 1)
			abort();
	}
	if (io.xferred > io.buf_len || (io.sense_len != 0 && io.sense_len != 18))
		abort();
	if (io.status == SCSI_STATUS_GOOD && io.srb_status != VSTOR_SRB_STATUS_SUCCESS)
		abort();
	scsi_alloc_fail_after(-1);
	scsi_lun_destroy(lun);
	if (fz_done > 1)
		abort();
	free(buf);
	return 0;
}
