/* test_scsi_target.c -- the SCSI target over a memory disk: every command
 * with golden CDB and reply/sense bytes, and the bad CDBs of RELIABILITY.md
 * 5.8 (#75-#81) as named tests. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <unistd.h>

#include "hyperv/scsi.h"
#include "hyperv/vstor.h"
#include "sim/devices/blk/blk.h"
#include "sim/devices/scsi/scsi_tgt.h"

#define DISK_SIZE (1u << 20) /* 2048 sectors of 512 */

struct tgt {
	struct scsi_lun *lun;
	struct blk *inner;    /* for the fault wrapper */
	struct scsi_io io;
	uint8_t buf[131072];
	struct iovec iov[2];
	int ndone;
};

static void tgt_done(struct scsi_io *io)
{
	struct tgt *t = io->arg;
	t->ndone++;
}

static int setup_opts(void **state, bool ro, bool fault)
{
	struct tgt *t = calloc(1, sizeof(*t));
	struct blk *b;
	struct scsi_lun_opts o = { .id = 0x1122334455667788ull, .serial = "SER42" };

	assert_non_null(t);
	assert_int_equal(blk_open_mem(DISK_SIZE, 512, &b), 0);
	if (fault) {
		struct blk *f;
		assert_int_equal(blk_wrap_fault(b, &f), 0);
		b = f;
	}
	t->inner = b;
	(void)ro;
	assert_int_equal(scsi_lun_create(b, &o, &t->lun), 0);
	*state = t;
	return 0;
}

static int setup(void **state) { return setup_opts(state, false, false); }
static int setup_fault(void **state) { return setup_opts(state, false, true); }

static int teardown(void **state)
{
	struct tgt *t = *state;
	scsi_lun_destroy(t->lun);
	free(t);
	return 0;
}

/* Run a CDB with a buffer of buflen bytes (split in two iovecs). */
static int run(struct tgt *t, const uint8_t *cdb, uint8_t len, enum scsi_dir dir, uint32_t buflen)
{
	int rc;
	unsigned spins = 0;

	memset(&t->io, 0, sizeof(t->io));
	memcpy(t->io.cdb, cdb, len);
	t->io.cdb_len = len;
	t->io.dir = dir;
	t->iov[0].iov_base = t->buf;
	t->iov[0].iov_len = buflen / 2;
	t->iov[1].iov_base = t->buf + buflen / 2;
	t->iov[1].iov_len = buflen - buflen / 2;
	t->io.iov = t->iov;
	t->io.iovcnt = 2;
	t->io.buf_len = buflen;
	t->io.done = tgt_done;
	t->io.arg = t;
	t->ndone = 0;
	rc = scsi_lun_exec(t->lun, &t->io);
	if (rc == SCSI_EXEC_PENDING) {
		while (t->ndone == 0 && spins++ < 100000)
			scsi_lun_poll(t->lun);
		assert_int_equal(t->ndone, 1);
	}
	return rc;
}

static void expect_sense(struct tgt *t, uint8_t key, uint8_t asc, uint8_t ascq, uint8_t srb)
{
	const uint8_t golden[18] = { 0x70, 0, key, 0, 0, 0, 0, 0x0a, 0, 0, 0, 0, asc, ascq, 0, 0, 0, 0 };
	assert_int_equal(t->io.status, SCSI_STATUS_CHECK_CONDITION);
	assert_int_equal(t->io.srb_status, srb);
	assert_int_equal(t->io.sense_len, 18);
	assert_memory_equal(t->io.sense, golden, 18);
	assert_int_equal(t->io.xferred, 0);
}

static void expect_good(struct tgt *t, uint32_t xferred)
{
	assert_int_equal(t->io.status, SCSI_STATUS_GOOD);
	assert_int_equal(t->io.srb_status, VSTOR_SRB_STATUS_SUCCESS);
	assert_int_equal(t->io.sense_len, 0);
	assert_int_equal(t->io.xferred, xferred);
}

/* ---- commands ---------------------------------------------------------------- */

static void test_scsi__inquiry_standard__msft_virtual_disk(void **state)
{
	struct tgt *t = *state;
	static const uint8_t cdb[6] = { 0x12, 0x00, 0x00, 0x00, 0x60, 0x00 };
	static const uint8_t golden[36] = {
		0x00, 0x00, 0x05, 0x12, 0x1f, 0x00, 0x00, 0x02,
		'M', 's', 'f', 't', ' ', ' ', ' ', ' ',
		'V', 'i', 'r', 't', 'u', 'a', 'l', ' ', 'D', 'i', 's', 'k', ' ', ' ', ' ', ' ',
		'1', '.', '0', ' ',
	};
	assert_int_equal(run(t, cdb, 6, SCSI_DIR_IN, 96), SCSI_EXEC_DONE);
	expect_good(t, 36);
	assert_memory_equal(t->buf, golden, 36);
}

static void test_scsi__inquiry_vpd_pages__golden(void **state)
{
	struct tgt *t = *state;
	uint8_t cdb[6] = { 0x12, 0x01, 0x00, 0x00, 0xff, 0x00 };
	static const uint8_t sup[10] = { 0, 0, 0, 6, 0x00, 0x80, 0x83, 0xb0, 0xb1, 0xb2 };
	static const uint8_t ser[9] = { 0, 0x80, 0, 5, 'S', 'E', 'R', '4', '2' };
	static const uint8_t naa[24] = {
		0, 0x83, 0, 37, 0x01, 0x03, 0x00, 0x10,
		0x60, 0x02, 0x24, 0x80, 'H', 'V', 'S', 'I',
		0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
	};

	run(t, cdb, 6, SCSI_DIR_IN, 255);
	expect_good(t, 10);
	assert_memory_equal(t->buf, sup, 10);
	cdb[2] = 0x80;
	run(t, cdb, 6, SCSI_DIR_IN, 255);
	expect_good(t, 9);
	assert_memory_equal(t->buf, ser, 9);
	cdb[2] = 0x83;
	run(t, cdb, 6, SCSI_DIR_IN, 255);
	expect_good(t, 41);
	assert_memory_equal(t->buf, naa, 24);
	assert_memory_equal(t->buf + 24, "\x02\x01\x00\x0dMsft    SER42", 17);
	cdb[2] = 0xb0;
	run(t, cdb, 6, SCSI_DIR_IN, 255);
	expect_good(t, 64);
	assert_memory_equal(t->buf, "\x00\xb0\x00\x3c\x01\x00\x00\x08\x00\x00\x02\x00", 12);
	cdb[2] = 0xb1;
	run(t, cdb, 6, SCSI_DIR_IN, 255);
	expect_good(t, 64);
	assert_memory_equal(t->buf, "\x00\xb1\x00\x3c\x00\x01", 6);
	cdb[2] = 0xb2;
	run(t, cdb, 6, SCSI_DIR_IN, 255);
	expect_good(t, 8);
	assert_memory_equal(t->buf, "\x00\xb2\x00\x04\x00\xc4\x02\x00", 8);
}

static void test_scsi__read_capacity_10_and_16__golden(void **state)
{
	struct tgt *t = *state;
	static const uint8_t rc10[10] = { 0x25 };
	static const uint8_t rc16[16] = { 0x9e, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x20, 0, 0 };

	run(t, rc10, 10, SCSI_DIR_IN, 8);
	expect_good(t, 8);
	assert_memory_equal(t->buf, "\x00\x00\x07\xff\x00\x00\x02\x00", 8);
	run(t, rc16, 16, SCSI_DIR_IN, 32);
	expect_good(t, 32);
	assert_memory_equal(t->buf, "\x00\x00\x00\x00\x00\x00\x07\xff\x00\x00\x02\x00\x00\x00\xc0\x00", 16);
}

static void test_scsi__write_read_10_16_fua__roundtrip(void **state)
{
	struct tgt *t = *state;
	static const uint8_t w10[10] = { 0x2a, 0x08, 0, 0, 0, 0x10, 0, 0, 2, 0 }; /* FUA, LBA 16, 2 */
	static const uint8_t r16[16] = { 0x88, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 2, 0, 0 };
	uint8_t pat[1024];

	for (unsigned i = 0; i < sizeof(pat); i++)
		pat[i] = (uint8_t)(i * 7 + 1);
	memcpy(t->buf, pat, sizeof(pat));
	assert_int_equal(run(t, w10, 10, SCSI_DIR_OUT, 1024), SCSI_EXEC_PENDING);
	expect_good(t, 1024);
	memset(t->buf, 0, sizeof(pat));
	assert_int_equal(run(t, r16, 16, SCSI_DIR_IN, 1024), SCSI_EXEC_PENDING);
	expect_good(t, 1024);
	assert_memory_equal(t->buf, pat, sizeof(pat));
}

static void test_scsi__read6_length0__means_256_blocks(void **state)
{
	struct tgt *t = *state;
	static const uint8_t r6[6] = { 0x08, 0, 0, 0, 0, 0 };
	assert_int_equal(run(t, r6, 6, SCSI_DIR_IN, 256 * 512), SCSI_EXEC_PENDING);
	expect_good(t, 256 * 512);
}

static void test_scsi__shorter_transfer_than_buffer__residual_reported(void **state)
{
	struct tgt *t = *state;
	static const uint8_t r10[10] = { 0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0 };
	run(t, r10, 10, SCSI_DIR_IN, 4096);
	expect_good(t, 512);
}

static void test_scsi__sync_cache_10_16__good(void **state)
{
	struct tgt *t = *state;
	static const uint8_t s10[10] = { 0x35 };
	static const uint8_t s16[16] = { 0x91 };
	assert_int_equal(run(t, s10, 10, SCSI_DIR_NONE, 0), SCSI_EXEC_PENDING);
	expect_good(t, 0);
	assert_int_equal(run(t, s16, 16, SCSI_DIR_NONE, 0), SCSI_EXEC_PENDING);
	expect_good(t, 0);
}

static void test_scsi__mode_sense_6_caching__wce_and_dpofua(void **state)
{
	struct tgt *t = *state;
	static const uint8_t ms6[6] = { 0x1a, 0x00, 0x08, 0x00, 0xff, 0x00 };
	static const uint8_t golden[32] = {
		0x1f, 0x00, 0x10, 0x08,                         /* len 31, DPOFUA, bd 8 */
		0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x02, 0x00, /* 2048 x 512 */
		0x08, 0x12, 0x04, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	};
	run(t, ms6, 6, SCSI_DIR_IN, 255);
	expect_good(t, 32);
	assert_memory_equal(t->buf, golden, 32);
}

static void test_scsi__mode_select_caching_wce0__mode_sense_10_shows_it(void **state)
{
	struct tgt *t = *state;
	static const uint8_t sel6[6] = { 0x15, 0x10, 0, 0, 24, 0 };
	static const uint8_t ms10[10] = { 0x5a, 0x08, 0x08, 0, 0, 0, 0, 0, 0xff, 0 };
	static const uint8_t golden[28] = {
		0x00, 0x1a, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00,
		0x08, 0x12, 0x00, 0x00,
	};
	memset(t->buf, 0, 24);
	t->buf[4] = 0x08;
	t->buf[5] = 0x12;
	run(t, sel6, 6, SCSI_DIR_OUT, 24);
	expect_good(t, 0);
	run(t, ms10, 10, SCSI_DIR_IN, 255);
	expect_good(t, 28);
	assert_memory_equal(t->buf, golden, 28);
}

static void test_scsi__unmap_and_write_same_unmap__zeroes(void **state)
{
	struct tgt *t = *state;
	static const uint8_t w10[10] = { 0x2a, 0, 0, 0, 0, 0x20, 0, 0, 4, 0 };
	static const uint8_t unmap[10] = { 0x42, 0, 0, 0, 0, 0, 0, 0, 24, 0 };
	static const uint8_t ws16[16] = { 0x93, 0x08, 0, 0, 0, 0, 0, 0, 0, 0x22, 0, 0, 0, 2, 0, 0 };
	static const uint8_t r10[10] = { 0x28, 0, 0, 0, 0, 0x20, 0, 0, 4, 0 };
	static const uint8_t zero[2048];

	memset(t->buf, 0xAB, 2048);
	run(t, w10, 10, SCSI_DIR_OUT, 2048);
	expect_good(t, 2048);
	/* UNMAP LBA 32, 2 blocks. */
	memset(t->buf, 0, 24);
	memcpy(t->buf, "\x00\x16\x00\x10\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x20\x00\x00\x00\x02", 20);
	assert_int_equal(run(t, unmap, 10, SCSI_DIR_OUT, 24), SCSI_EXEC_PENDING);
	expect_good(t, 24);     /* the parameter list moved (no residual) */
	/* WRITE SAME(16) UNMAP of LBA 34, 2 blocks, zero pattern. */
	memset(t->buf, 0, 512);
	assert_int_equal(run(t, ws16, 16, SCSI_DIR_OUT, 512), SCSI_EXEC_PENDING);
	expect_good(t, 512);    /* one block of pattern moved */
	run(t, r10, 10, SCSI_DIR_IN, 2048);
	expect_good(t, 2048);
	assert_memory_equal(t->buf, zero, 2048);
}

static void test_scsi__write_same_pattern__replicated(void **state)
{
	struct tgt *t = *state;
	static const uint8_t ws16[16] = { 0x93, 0x00, 0, 0, 0, 0, 0, 0, 0, 0x40, 0, 0, 0, 3, 0, 0 };
	static const uint8_t r10[10] = { 0x28, 0, 0, 0, 0, 0x40, 0, 0, 3, 0 };

	memset(t->buf, 0x5A, 512);
	assert_int_equal(run(t, ws16, 16, SCSI_DIR_OUT, 512), SCSI_EXEC_PENDING);
	expect_good(t, 512);
	run(t, r10, 10, SCSI_DIR_IN, 1536);
	for (unsigned i = 0; i < 1536; i++)
		assert_int_equal(t->buf[i], 0x5A);
}

static void test_scsi__tur_start_stop_request_sense__good(void **state)
{
	struct tgt *t = *state;
	static const uint8_t tur[6] = { 0x00 };
	static const uint8_t ssu[6] = { 0x1b, 0, 0, 0, 0x01, 0 };
	static const uint8_t rs[6] = { 0x03, 0, 0, 0, 18, 0 };
	static const uint8_t nosense[18] = { 0x70, 0, 0, 0, 0, 0, 0, 0x0a };
	run(t, tur, 6, SCSI_DIR_NONE, 0);
	expect_good(t, 0);
	run(t, ssu, 6, SCSI_DIR_NONE, 0);
	expect_good(t, 0);
	run(t, rs, 6, SCSI_DIR_IN, 18);
	expect_good(t, 18);
	assert_memory_equal(t->buf, nosense, 18);
}

static void test_scsi__report_luns__list_and_header(void **state)
{
	struct scsi_io io;
	uint8_t buf[64];
	struct iovec iov = { buf, sizeof(buf) };
	static const uint8_t luns[3] = { 0, 1, 5 };
	static const uint8_t golden[32] = {
		0, 0, 0, 24, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0,
		0, 1, 0, 0, 0, 0, 0, 0,
		0, 5, 0, 0, 0, 0, 0, 0,
	};
	(void)state;
	memset(&io, 0, sizeof(io));
	io.cdb[0] = SCSI_OP_REPORT_LUNS;
	io.cdb[9] = 64;
	io.cdb_len = 12;
	io.iov = &iov;
	io.iovcnt = 1;
	io.buf_len = sizeof(buf);
	scsi_report_luns(luns, 3, &io);
	assert_int_equal(io.status, SCSI_STATUS_GOOD);
	assert_int_equal(io.xferred, 32);
	assert_memory_equal(buf, golden, 32);
}

static void test_scsi__unit_attention__reported_once(void **state)
{
	struct tgt *t = *state;
	static const uint8_t tur[6] = { 0x00 };
	scsi_lun_unit_attention(t->lun, SCSI_ASC_REPORTED_LUNS_CHANGED);
	run(t, tur, 6, SCSI_DIR_NONE, 0);
	expect_sense(t, SCSI_SENSE_UNIT_ATTENTION, 0x3f, 0x0e, VSTOR_SRB_STATUS_ERROR);
	run(t, tur, 6, SCSI_DIR_NONE, 0);
	expect_good(t, 0);
}

/* ---- absent LUNs (RELIABILITY #74, devices.md C.9) ----------------------------- */

static void absent_inquiry(enum scsi_absent_mode mode, uint8_t *buf)
{
	struct scsi_io io;
	struct iovec iov = { buf, 36 };
	memset(&io, 0, sizeof(io));
	io.cdb[0] = SCSI_OP_INQUIRY;
	io.cdb[4] = 36;
	io.cdb_len = 6;
	io.dir = SCSI_DIR_IN;
	io.iov = &iov;
	io.iovcnt = 1;
	io.buf_len = 36;
	scsi_absent_exec(mode, &io);
	assert_int_equal(io.status, SCSI_STATUS_GOOD);
	assert_int_equal(io.srb_status, VSTOR_SRB_STATUS_SUCCESS);
	assert_int_equal(io.xferred, 36);
}

static void test_scsi_absent__inquiry__peripheral_7f(void **state)
{
	uint8_t buf[36];
	static const uint8_t zero[35];
	(void)state;
	absent_inquiry(SCSI_ABSENT_HYPERV, buf);
	assert_int_equal(buf[0], 0x7f);
	assert_memory_equal(buf + 1, zero, 35);
}

static void test_scsi_absent__phantom_quirk__well_formed_header(void **state)
{
	uint8_t buf[36];
	(void)state;
	absent_inquiry(SCSI_ABSENT_PHANTOM, buf);
	assert_memory_equal(buf, "\x7f\x00\x05\x02\x1f", 5);
	assert_memory_equal(buf + 8, "Msft    Virtual Disk", 20);
}

/* WIN10 hosts (devices.md C.9): 0x7F 0x00 0x05 0x02 0x1F, nothing else. */
static void test_scsi_absent__win10__header_7f_00_05_02_1f_rest_zero(void **state)
{
	uint8_t buf[36];
	static const uint8_t golden[36] = { 0x7f, 0x00, 0x05, 0x02, 0x1f };
	(void)state;
	absent_inquiry(SCSI_ABSENT_WIN10, buf);
	assert_memory_equal(buf, golden, 36);
}

static void test_scsi_absent__read__invalid_lun_no_sense(void **state)
{
	struct scsi_io io;
	(void)state;
	memset(&io, 0, sizeof(io));
	io.cdb[0] = SCSI_OP_READ_10;
	io.cdb_len = 10;
	scsi_absent_exec(SCSI_ABSENT_HYPERV, &io);
	assert_int_equal(io.status, SCSI_STATUS_CHECK_CONDITION);
	assert_int_equal(io.srb_status, VSTOR_SRB_STATUS_INVALID_LUN);
	assert_int_equal(io.sense_len, 0);
	io.cdb[0] = SCSI_OP_INQUIRY;
	io.cdb[1] = 1;
	io.cdb_len = 6;
	scsi_absent_exec(SCSI_ABSENT_HYPERV, &io);
	assert_int_equal(io.srb_status, VSTOR_SRB_STATUS_INVALID_REQUEST);
	assert_int_equal(io.sense[12], 0x24);
}

/* ---- bad inputs (RELIABILITY 5.8) ------------------------------------------------ */

static void test_scsi__read_past_end__lba_out_of_range(void **state)
{
	struct tgt *t = *state;
	static const uint8_t r10[10] = { 0x28, 0, 0, 0, 0x07, 0xff, 0, 0, 2, 0 }; /* 2047 + 2 */
	run(t, r10, 10, SCSI_DIR_IN, 1024);
	expect_sense(t, SCSI_SENSE_ILLEGAL_REQUEST, 0x21, 0x00, VSTOR_SRB_STATUS_ERROR);
}

static void test_scsi__read16_lba_wraps__lba_out_of_range(void **state)
{
	struct tgt *t = *state;
	static const uint8_t r16[16] = { 0x88, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					 0, 0, 0, 2, 0, 0 };
	run(t, r16, 16, SCSI_DIR_IN, 1024);
	expect_sense(t, SCSI_SENSE_ILLEGAL_REQUEST, 0x21, 0x00, VSTOR_SRB_STATUS_ERROR);
}

static void test_scsi__blocks_exceed_buffer__invalid_field_never_overrun(void **state)
{
	struct tgt *t = *state;
	static const uint8_t r10[10] = { 0x28, 0, 0, 0, 0, 0, 0, 0, 4, 0 };
	memset(t->buf, 0xEE, 4096);
	run(t, r10, 10, SCSI_DIR_IN, 1024);
	expect_sense(t, SCSI_SENSE_ILLEGAL_REQUEST, 0x24, 0x00, VSTOR_SRB_STATUS_INVALID_REQUEST);
	assert_int_equal(t->buf[1024], 0xEE);
}

static void test_scsi__data_dir_inconsistent__invalid_request(void **state)
{
	struct tgt *t = *state;
	static const uint8_t w10[10] = { 0x2a, 0, 0, 0, 0, 0, 0, 0, 1, 0 };
	run(t, w10, 10, SCSI_DIR_IN, 512);
	expect_sense(t, SCSI_SENSE_ILLEGAL_REQUEST, 0x24, 0x00, VSTOR_SRB_STATUS_INVALID_REQUEST);
}

static void test_scsi__unknown_opcode__invalid_command_operation_code(void **state)
{
	struct tgt *t = *state;
	static const uint8_t bad[6] = { 0xff };
	static const uint8_t mi[12] = { 0xa3, 0x0c };
	run(t, bad, 6, SCSI_DIR_NONE, 0);
	expect_sense(t, SCSI_SENSE_ILLEGAL_REQUEST, 0x20, 0x00, VSTOR_SRB_STATUS_INVALID_REQUEST);
	run(t, mi, 12, SCSI_DIR_IN, 64);
	expect_sense(t, SCSI_SENSE_ILLEGAL_REQUEST, 0x20, 0x00, VSTOR_SRB_STATUS_INVALID_REQUEST);
}

static void test_scsi__inquiry_bad_vpd_and_alloc_edges__invalid_field_or_truncated(void **state)
{
	struct tgt *t = *state;
	uint8_t cdb[6] = { 0x12, 0x01, 0xC7, 0x00, 0xff, 0x00 };
	run(t, cdb, 6, SCSI_DIR_IN, 255);
	expect_sense(t, SCSI_SENSE_ILLEGAL_REQUEST, 0x24, 0x00, VSTOR_SRB_STATUS_INVALID_REQUEST);
	cdb[1] = 0; cdb[2] = 0x80;   /* page code without EVPD */
	run(t, cdb, 6, SCSI_DIR_IN, 255);
	expect_sense(t, SCSI_SENSE_ILLEGAL_REQUEST, 0x24, 0x00, VSTOR_SRB_STATUS_INVALID_REQUEST);
	cdb[2] = 0; cdb[3] = 0; cdb[4] = 0;
	run(t, cdb, 6, SCSI_DIR_IN, 255);
	expect_good(t, 0);
	cdb[4] = 1;
	run(t, cdb, 6, SCSI_DIR_IN, 255);
	expect_good(t, 1);
	cdb[3] = 0xff; cdb[4] = 0xff;
	run(t, cdb, 6, SCSI_DIR_IN, 255);
	expect_good(t, 36);
}

static void test_scsi__report_luns_alloc_below_16__illegal_request(void **state)
{
	struct scsi_io io;
	uint8_t l0 = 0;
	(void)state;
	memset(&io, 0, sizeof(io));
	io.cdb[0] = SCSI_OP_REPORT_LUNS;
	io.cdb[9] = 15;
	io.cdb_len = 12;
	scsi_report_luns(&l0, 1, &io);
	assert_int_equal(io.status, SCSI_STATUS_CHECK_CONDITION);
	assert_int_equal(io.sense[2], SCSI_SENSE_ILLEGAL_REQUEST);
	assert_int_equal(io.sense[12], 0x24);
}

static void test_scsi__unmap_bad_lists__illegal_request_nothing_unmapped(void **state)
{
	struct tgt *t = *state;
	static const uint8_t unmap[10] = { 0x42, 0, 0, 0, 0, 0, 0, 0, 24, 0 };
	static const uint8_t w10[10] = { 0x2a, 0, 0, 0, 0, 0x30, 0, 0, 1, 0 };
	static const uint8_t r10[10] = { 0x28, 0, 0, 0, 0, 0x30, 0, 0, 1, 0 };

	memset(t->buf, 0x77, 512);
	run(t, w10, 10, SCSI_DIR_OUT, 512);
	/* descriptor length 17 (not a multiple of 16) */
	memcpy(t->buf, "\x00\x16\x00\x11\x00\x00\x00\x00", 8);
	run(t, unmap, 10, SCSI_DIR_OUT, 24);
	expect_sense(t, SCSI_SENSE_ILLEGAL_REQUEST, 0x26, 0x00, VSTOR_SRB_STATUS_ERROR);
	/* parameter list longer than the buffer */
	run(t, unmap, 10, SCSI_DIR_OUT, 16);
	expect_sense(t, SCSI_SENSE_ILLEGAL_REQUEST, 0x1a, 0x00, VSTOR_SRB_STATUS_ERROR);
	/* first descriptor fine (LBA 0x30), second past the end: nothing happens */
	{
		static const uint8_t unmap40[10] = { 0x42, 0, 0, 0, 0, 0, 0, 0, 40, 0 };
		memset(t->buf, 0, 40);
		memcpy(t->buf, "\x00\x26\x00\x20", 4);
		t->buf[15] = 0x30; t->buf[19] = 1;
		t->buf[30] = 0x08; t->buf[35] = 1;  /* LBA 2048 */
		run(t, unmap40, 10, SCSI_DIR_OUT, 40);
		expect_sense(t, SCSI_SENSE_ILLEGAL_REQUEST, 0x21, 0x00, VSTOR_SRB_STATUS_ERROR);
	}
	run(t, r10, 10, SCSI_DIR_IN, 512);
	assert_int_equal(t->buf[0], 0x77);
}

static void test_scsi__mode_select_bad_page_length__param_list_error(void **state)
{
	struct tgt *t = *state;
	static const uint8_t sel6[6] = { 0x15, 0x10, 0, 0, 24, 0 };
	memset(t->buf, 0, 24);
	t->buf[4] = 0x08;
	t->buf[5] = 0x30;   /* runs past the list */
	run(t, sel6, 6, SCSI_DIR_OUT, 24);
	expect_sense(t, SCSI_SENSE_ILLEGAL_REQUEST, 0x1a, 0x00, VSTOR_SRB_STATUS_ERROR);
	t->buf[5] = 0x10;   /* caching page of the wrong size */
	run(t, sel6, 6, SCSI_DIR_OUT, 24);
	expect_sense(t, SCSI_SENSE_ILLEGAL_REQUEST, 0x26, 0x00, VSTOR_SRB_STATUS_ERROR);
}

static void test_scsi__write_readonly__data_protect(void **state)
{
	struct scsi_lun *lun;
	struct blk *b;
	struct scsi_io io;
	uint8_t buf[512] = { 0 };
	struct iovec iov = { buf, sizeof(buf) };
	char path[] = "/tmp/hvsim-scsi-ro-XXXXXX";
	int fd = mkstemp(path);
	struct blk_image_opts o = { .read_only = true, .engine = BLK_ENGINE_SYNC };

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 65536), 0);
	close(fd);
	assert_int_equal(blk_open_image(path, &o, &b), 0);
	assert_int_equal(scsi_lun_create(b, NULL, &lun), 0);
	memset(&io, 0, sizeof(io));
	io.cdb[0] = SCSI_OP_WRITE_10;
	io.cdb[8] = 1;
	io.cdb_len = 10;
	io.dir = SCSI_DIR_OUT;
	io.iov = &iov;
	io.iovcnt = 1;
	io.buf_len = 512;
	assert_int_equal(scsi_lun_exec(lun, &io), SCSI_EXEC_DONE);
	assert_int_equal(io.status, SCSI_STATUS_CHECK_CONDITION);
	assert_int_equal(io.sense[2], SCSI_SENSE_DATA_PROTECT);
	assert_int_equal(io.sense[12], 0x27);
	scsi_lun_destroy(lun);
	unlink(path);
}

static void test_scsi__flush_fails__medium_error_then_all_io_fails(void **state)
{
	struct tgt *t = *state;
	static const uint8_t s10[10] = { 0x35 };
	static const uint8_t w10[10] = { 0x2a, 0, 0, 0, 0, 0, 0, 0, 1, 0 };
	static const uint8_t r10[10] = { 0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0 };
	struct blk_fault f = { .op = BLK_OP_FLUSH, .nth = 1, .count = 1, .err = -EIO, .sticky = true };

	assert_int_equal(blk_fault_arm(t->inner, &f), 0);
	run(t, w10, 10, SCSI_DIR_OUT, 512);
	expect_good(t, 512);
	run(t, s10, 10, SCSI_DIR_NONE, 0);
	expect_sense(t, SCSI_SENSE_MEDIUM_ERROR, 0x0c, 0x00, VSTOR_SRB_STATUS_ERROR);
	/* Never report a later flush as good (RELIABILITY #81). */
	run(t, s10, 10, SCSI_DIR_NONE, 0);
	expect_sense(t, SCSI_SENSE_MEDIUM_ERROR, 0x0c, 0x00, VSTOR_SRB_STATUS_ERROR);
	run(t, r10, 10, SCSI_DIR_IN, 512);
	expect_sense(t, SCSI_SENSE_MEDIUM_ERROR, 0x11, 0x00, VSTOR_SRB_STATUS_ERROR);
}

static void test_scsi__alloc_failure__busy(void **state)
{
	struct tgt *t = *state;
	static const uint8_t r10[10] = { 0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0 };
	scsi_alloc_fail_after(0);
	run(t, r10, 10, SCSI_DIR_IN, 4096); /* needs a trimmed iovec copy */
	scsi_alloc_fail_after(-1);
	assert_int_equal(t->io.status, SCSI_STATUS_BUSY);
	assert_int_equal(t->io.srb_status, VSTOR_SRB_STATUS_BUSY);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_scsi__inquiry_standard__msft_virtual_disk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scsi__inquiry_vpd_pages__golden, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scsi__read_capacity_10_and_16__golden, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scsi__write_read_10_16_fua__roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scsi__read6_length0__means_256_blocks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scsi__shorter_transfer_than_buffer__residual_reported, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scsi__sync_cache_10_16__good, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scsi__mode_sense_6_caching__wce_and_dpofua, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scsi__mode_select_caching_wce0__mode_sense_10_shows_it, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scsi__unmap_and_write_same_unmap__zeroes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scsi__write_same_pattern__replicated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scsi__tur_start_stop_request_sense__good, setup, teardown),
		cmocka_unit_test(test_scsi__report_luns__list_and_header),
		cmocka_unit_test_setup_teardown(test_scsi__unit_attention__reported_once, setup, teardown),
		cmocka_unit_test(test_scsi_absent__inquiry__peripheral_7f),
		cmocka_unit_test(test_scsi_absent__phantom_quirk__well_formed_header),
		cmocka_unit_test(test_scsi_absent__win10__header_7f_00_05_02_1f_rest_zero),
		cmocka_unit_test(test_scsi_absent__read__invalid_lun_no_sense),
		cmocka_unit_test_setup_teardown(test_scsi__read_past_end__lba_out_of_range, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scsi__read16_lba_wraps__lba_out_of_range, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scsi__blocks_exceed_buffer__invalid_field_never_overrun, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scsi__data_dir_inconsistent__invalid_request, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scsi__unknown_opcode__invalid_command_operation_code, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scsi__inquiry_bad_vpd_and_alloc_edges__invalid_field_or_truncated, setup, teardown),
		cmocka_unit_test(test_scsi__report_luns_alloc_below_16__illegal_request),
		cmocka_unit_test_setup_teardown(test_scsi__unmap_bad_lists__illegal_request_nothing_unmapped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scsi__mode_select_bad_page_length__param_list_error, setup, teardown),
		cmocka_unit_test(test_scsi__write_readonly__data_protect),
		cmocka_unit_test_setup_teardown(test_scsi__flush_fails__medium_error_then_all_io_fails, setup_fault, teardown),
		cmocka_unit_test_setup_teardown(test_scsi__alloc_failure__busy, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
