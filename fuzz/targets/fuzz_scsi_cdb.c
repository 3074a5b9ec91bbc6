/* fuzz_scsi_cdb.c -- the SCSI target's CDB emulation against hostile
 * commands: input = cdb_len, direction, 16 CDB bytes, then the data-out
 * buffer (its length is the buffer length).  Invariants: never more data
 * than the buffer, sense 0 or 18 bytes, exactly one completion, no leaks. */
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

	if (size < 18)
		return 0;
	blen = size - 18;
	if (blen > 65536)
		blen = 65536;
	if (blk_open_mem(65536, (data[1] & 0x80) ? 4096 : 512, &b) != 0)
		return 0;
	if (scsi_lun_create(b, NULL, &lun) != 0)
		return 0;
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
	if (scsi_lun_exec(lun, &io) == SCSI_EXEC_PENDING) {
		for (unsigned i = 0; i < 1000000 && !fz_done; i++)
			scsi_lun_poll(lun);
		if (fz_done != 1)
			abort();
	}
	if (io.xferred > io.buf_len || (io.sense_len != 0 && io.sense_len != 18))
		abort();
	if (io.status == SCSI_STATUS_GOOD && io.srb_status != VSTOR_SRB_STATUS_SUCCESS)
		abort();
	scsi_lun_destroy(lun);
	if (fz_done > 1)
		abort();
	free(buf);
	return 0;
}
