/* test_blk_image.c -- raw image back end: open errors, locking, both engines, many I/Os, UNMAP, flush failure, close. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "sim/devices/blk/blk.h"

struct io {
	struct blk_req r;
	struct iovec iov;
	int err;
	int ndone;
};

static void io_done(struct blk_req *r, int err)
{
	struct io *io = r->arg;
	io->err = err;
	io->ndone++;
}

static void io_set(struct io *io, enum blk_op op, uint64_t off, void *buf, uint64_t len)
{
	memset(io, 0, sizeof *io);
	io->r.op = op;
	io->r.offset = off;
	io->r.len = len;
	if (buf) {
		io->iov.iov_base = buf;
		io->iov.iov_len = len;
		io->r.iov = &io->iov;
		io->r.iovcnt = 1;
	}
	io->r.done = io_done;
	io->r.arg = io;
}

static void wait_fd(struct blk *b)
{
	struct pollfd p = { .fd = blk_event_fd(b), .events = POLLIN };
	poll(&p, 1, 1000);
}

static int run(struct blk *b, enum blk_op op, uint64_t off, void *buf, uint64_t len, bool fua)
{
	struct io io;
	io_set(&io, op, off, buf, len);
	io.r.fua = fua;
	int err = blk_submit(b, &io.r);
	if (err)
		return err;
	while (!io.ndone) {
		wait_fd(b);
		blk_poll(b);
	}
	assert_int_equal(io.ndone, 1);
	return io.err;
}

static char *tmp_image(uint64_t size)
{
	char *path = strdup("/tmp/hvsim-blk-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	if (size)
		assert_int_equal(ftruncate(fd, (off_t)size), 0);
	close(fd);
	return path;
}

static void drop_image(char *path)
{
	unlink(path);
	free(path);
}

static void test_blk_image__open_errors__clear_errno(void **state)
{
	(void)state;
	struct blk *b;
	struct blk_image_opts o = { 0 };
	assert_int_equal(blk_open_image("/nonexistent/dir/x.img", &o, &b), -ENOENT);
	assert_int_equal(blk_open_image("/tmp", &o, &b), -EISDIR);
	char *p = tmp_image(0);
	assert_int_equal(blk_open_image(p, &o, &b), -EINVAL);       /* empty */
	o.sector = 1024;
	assert_int_equal(blk_open_image(p, &o, &b), -EINVAL);       /* bad sector */
	drop_image(p);
}

static void test_blk_image__create__sized_file(void **state)
{
	(void)state;
	char *p = tmp_image(0);
	unlink(p);
	struct blk *b;
	struct blk_image_opts o = { .create = true, .create_size = 1 << 20, .sector = 4096 };
	assert_int_equal(blk_open_image(p, &o, &b), 0);
	struct blk_info in;
	blk_get_info(b, &in);
	assert_int_equal(in.size, 1 << 20);
	assert_int_equal(in.sector, 4096);
	assert_true(in.wce);
	assert_true(in.can_unmap);
	blk_close(b);
	struct stat st;
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_size, 1 << 20);
	drop_image(p);
}

static void test_blk_image__size_not_sector_multiple__rounded_down(void **state)
{
	(void)state;
	char *p = tmp_image(3 * 4096 + 100);
	struct blk *b;
	struct blk_image_opts o = { .sector = 4096 };
	assert_int_equal(blk_open_image(p, &o, &b), 0);
	struct blk_info in;
	blk_get_info(b, &in);
	assert_int_equal(in.size, 3 * 4096);
	uint8_t buf[4096];
	assert_int_equal(run(b, BLK_OP_READ, 3 * 4096, buf, 4096, false), -EINVAL);
	assert_int_equal(run(b, BLK_OP_READ, 512, buf, 512, false), -EINVAL);
	assert_int_equal(run(b, BLK_OP_READ, 2 * 4096, buf, 4096, false), 0);
	blk_close(b);
	drop_image(p);
}

static void test_blk_image__second_writer__ebusy(void **state)
{
	(void)state;
	char *p = tmp_image(1 << 16);
	struct blk *a, *b, *c;
	struct blk_image_opts rw = { 0 }, ro = { .read_only = true };
	assert_int_equal(blk_open_image(p, &rw, &a), 0);
	assert_int_equal(blk_open_image(p, &rw, &b), -EBUSY);
	assert_int_equal(blk_open_image(p, &ro, &b), -EBUSY);
	blk_close(a);
	assert_int_equal(blk_open_image(p, &ro, &b), 0);
	assert_int_equal(blk_open_image(p, &ro, &c), 0);          /* readers share */
	assert_int_equal(blk_open_image(p, &rw, &a), -EBUSY);
	blk_close(b);
	blk_close(c);
	drop_image(p);
}

static void test_blk_image__read_only__writes_erofs(void **state)
{
	(void)state;
	char *p = tmp_image(1 << 16);
	struct blk *b;
	struct blk_image_opts ro = { .read_only = true };
	assert_int_equal(blk_open_image(p, &ro, &b), 0);
	struct blk_info in;
	blk_get_info(b, &in);
	assert_true(in.read_only);
	assert_false(in.can_unmap);
	uint8_t buf[512] = { 0 };
	assert_int_equal(run(b, BLK_OP_WRITE, 0, buf, 512, false), -EROFS);
	assert_int_equal(run(b, BLK_OP_WRITE_ZEROES, 0, NULL, 512, false), -EROFS);
	assert_int_equal(run(b, BLK_OP_READ, 0, buf, 512, false), 0);
	assert_int_equal(run(b, BLK_OP_FLUSH, 0, NULL, 0, false), 0);
	blk_close(b);
	drop_image(p);
}

/* Many random writes in flight at once, then read everything back against a model. */
static void many_io(enum blk_engine e, uint32_t sector)
{
	enum { NSEC = 256, NIO = 200 };
	char *p = tmp_image((uint64_t)NSEC * sector);
	struct blk *b;
	struct blk_image_opts o = { .sector = sector, .engine = e };
	assert_int_equal(blk_open_image(p, &o, &b), 0);
	uint8_t *model = calloc(NSEC, sector);
	uint8_t *bufs = calloc(NIO, sector * 4);
	struct io *ios = calloc(NIO, sizeof *ios);
	srand(42);
	for (int i = 0; i < NIO; i++) {
		/* distinct ranges per batch of NIO so completion order does not matter */
		uint32_t n = 1 + (uint32_t)(rand() % 4);
		uint64_t s = (uint64_t)(i % (NSEC / 4)) * 4;
		if (i >= NSEC / 4)
			break;
		uint8_t *buf = bufs + (size_t)i * sector * 4;
		for (uint32_t k = 0; k < n * sector; k++)
			buf[k] = (uint8_t)rand();
		memcpy(model + s * sector, buf, n * sector);
		io_set(&ios[i], BLK_OP_WRITE, s * sector, buf, n * sector);
		ios[i].r.fua = (i % 7) == 0;
		assert_int_equal(blk_submit(b, &ios[i].r), 0);
		assert_int_equal(ios[i].ndone, 0);
	}
	assert_true(blk_inflight(b) > 0);
	while (blk_inflight(b)) {
		wait_fd(b);
		blk_poll(b);
	}
	for (int i = 0; i < NSEC / 4; i++) {
		assert_int_equal(ios[i].ndone, 1);
		assert_int_equal(ios[i].err, 0);
	}
	assert_int_equal(run(b, BLK_OP_FLUSH, 0, NULL, 0, false), 0);
	uint8_t *rd = calloc(NSEC, sector);
	assert_int_equal(run(b, BLK_OP_READ, 0, rd, (uint64_t)NSEC * sector, false), 0);
	assert_memory_equal(rd, model, (size_t)NSEC * sector);
	blk_close(b);
	/* and on the file itself */
	FILE *f = fopen(p, "rb");
	assert_int_equal(fread(rd, sector, NSEC, f), NSEC);
	fclose(f);
	assert_memory_equal(rd, model, (size_t)NSEC * sector);
	free(rd);
	free(model);
	free(bufs);
	free(ios);
	drop_image(p);
}

static void test_blk_image__many_inflight_threads_512__all_complete_data_matches(void **state)
{
	(void)state;
	many_io(BLK_ENGINE_THREADS, 512);
}

static void test_blk_image__many_inflight_threads_4k__all_complete_data_matches(void **state)
{
	(void)state;
	many_io(BLK_ENGINE_THREADS, 4096);
}

static void test_blk_image__sync_engine__done_only_from_poll(void **state)
{
	(void)state;
	many_io(BLK_ENGINE_SYNC, 512);
	char *p = tmp_image(1 << 16);
	struct blk *b;
	struct blk_image_opts o = { .engine = BLK_ENGINE_SYNC };
	assert_int_equal(blk_open_image(p, &o, &b), 0);
	uint8_t buf[512];
	struct io io;
	io_set(&io, BLK_OP_READ, 0, buf, 512);
	assert_int_equal(blk_submit(b, &io.r), 0);
	assert_int_equal(io.ndone, 0);
	struct pollfd pf = { .fd = blk_event_fd(b), .events = POLLIN };
	assert_int_equal(poll(&pf, 1, 0), 1);     /* already done, waiting for poll */
	assert_int_equal(blk_poll(b), 1);
	assert_int_equal(io.ndone, 1);
	blk_close(b);
	drop_image(p);
}

static void test_blk_image__unmap__reads_zero_size_kept(void **state)
{
	(void)state;
	char *p = tmp_image(1 << 20);
	struct blk *b;
	assert_int_equal(blk_open_image(p, NULL, &b), 0);
	uint8_t *buf = malloc(65536), *zero = calloc(1, 65536);
	memset(buf, 0xab, 65536);
	assert_int_equal(run(b, BLK_OP_WRITE, 65536, buf, 65536, false), 0);
	assert_int_equal(run(b, BLK_OP_UNMAP, 65536, NULL, 32768, false), 0);
	assert_int_equal(run(b, BLK_OP_WRITE_ZEROES, 65536 + 32768, NULL, 512, false), 0);
	assert_int_equal(run(b, BLK_OP_READ, 65536, buf, 65536, false), 0);
	assert_memory_equal(buf, zero, 32768 + 512);
	assert_int_equal(buf[32768 + 512], 0xab);
	assert_int_equal(buf[65535], 0xab);
	blk_close(b);
	struct stat st;
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_size, 1 << 20);
	free(buf);
	free(zero);
	drop_image(p);
}

static void test_blk_image__flush_fails__eio_and_image_failed(void **state)
{
	(void)state;
	char *p = tmp_image(1 << 16);
	struct blk *b;
	assert_int_equal(blk_open_image(p, NULL, &b), 0);
	uint8_t buf[512];
	memset(buf, 1, sizeof buf);
	assert_int_equal(run(b, BLK_OP_WRITE, 0, buf, 512, false), 0);
	assert_int_equal(blk_image_fail_syncs(b, 1), 0);
	assert_int_equal(run(b, BLK_OP_FLUSH, 0, NULL, 0, false), -EIO);
	struct blk_info in;
	blk_get_info(b, &in);
	assert_true(in.failed);
	/* even though the next sync would succeed, nothing is acked any more */
	assert_int_equal(run(b, BLK_OP_READ, 0, buf, 512, false), -EIO);
	assert_int_equal(run(b, BLK_OP_WRITE, 0, buf, 512, false), -EIO);
	assert_int_equal(run(b, BLK_OP_FLUSH, 0, NULL, 0, false), -EIO);
	blk_close(b);
	assert_int_equal(blk_image_fail_syncs(NULL, 1), -EINVAL);
	drop_image(p);
}

static void test_blk_image__fua_write_sync_fails__eio_and_image_failed(void **state)
{
	(void)state;
	char *p = tmp_image(1 << 16);
	struct blk *b;
	assert_int_equal(blk_open_image(p, NULL, &b), 0);
	uint8_t buf[512] = { 0 };
	assert_int_equal(run(b, BLK_OP_WRITE, 0, buf, 512, true), 0);
	assert_int_equal(blk_image_fail_syncs(b, 1), 0);
	assert_int_equal(run(b, BLK_OP_WRITE, 0, buf, 512, false), 0);   /* cached write: no sync */
	assert_int_equal(run(b, BLK_OP_WRITE, 512, buf, 512, true), -EIO);
	struct blk_info in;
	blk_get_info(b, &in);
	assert_true(in.failed);
	blk_close(b);
	drop_image(p);
}

static void test_blk_image__wce0_sync_fails__write_eio(void **state)
{
	(void)state;
	char *p = tmp_image(1 << 16);
	struct blk *b;
	assert_int_equal(blk_open_image(p, NULL, &b), 0);
	assert_int_equal(blk_set_wce(b, false), 0);
	struct blk_info in;
	blk_get_info(b, &in);
	assert_false(in.wce);
	uint8_t buf[512] = { 0 };
	assert_int_equal(run(b, BLK_OP_WRITE, 0, buf, 512, false), 0);
	assert_int_equal(blk_image_fail_syncs(b, 1), 0);
	assert_int_equal(run(b, BLK_OP_WRITE, 0, buf, 512, false), -EIO);
	blk_close(b);
	drop_image(p);
}

static void test_blk_image__close_with_queue__each_done_once_acked_on_disk(void **state)
{
	(void)state;
	enum { NIO = 64 };
	char *p = tmp_image(NIO * 4096);
	struct blk *b;
	struct blk_image_opts o = { .sector = 4096, .engine = BLK_ENGINE_THREADS };
	assert_int_equal(blk_open_image(p, &o, &b), 0);
	uint8_t *bufs = malloc(NIO * 4096);
	struct io *ios = calloc(NIO, sizeof *ios);
	for (int i = 0; i < NIO; i++) {
		memset(bufs + i * 4096, i + 1, 4096);
		io_set(&ios[i], BLK_OP_WRITE, (uint64_t)i * 4096, bufs + i * 4096, 4096);
		ios[i].r.fua = true;       /* slow: the queue is still full at close */
		assert_int_equal(blk_submit(b, &ios[i].r), 0);
	}
	blk_close(b);
	int ok = 0, cancelled = 0;
	for (int i = 0; i < NIO; i++) {
		assert_int_equal(ios[i].ndone, 1);
		if (ios[i].err == 0)
			ok++;
		else if (ios[i].err == -ECANCELED)
			cancelled++;
	}
	assert_int_equal(ok + cancelled, NIO);
	/* every acked write is in the file */
	int fd = open(p, O_RDONLY);
	uint8_t rd[4096];
	for (int i = 0; i < NIO; i++) {
		if (ios[i].err)
			continue;
		assert_int_equal(pread(fd, rd, 4096, (off_t)i * 4096), 4096);
		assert_memory_equal(rd, bufs + i * 4096, 4096);
	}
	close(fd);
	free(bufs);
	free(ios);
	drop_image(p);
}

static void test_blk_image__scattered_iov__many_pieces(void **state)
{
	(void)state;
	enum { N = 200 };            /* more than one preadv batch */
	char *p = tmp_image(1 << 20);
	struct blk *b;
	assert_int_equal(blk_open_image(p, NULL, &b), 0);
	uint8_t *src = malloc(N * 512), *dst = calloc(1, N * 512);
	for (int i = 0; i < N * 512; i++)
		src[i] = (uint8_t)(i * 31);
	struct iovec iov[N * 2];
	for (int i = 0; i < N; i++) {       /* 100 + 412 byte pieces */
		iov[2 * i] = (struct iovec){ dst + i * 512, 100 };
		iov[2 * i + 1] = (struct iovec){ dst + i * 512 + 100, 412 };
	}
	assert_int_equal(run(b, BLK_OP_WRITE, 4096, src, N * 512, false), 0);
	struct io io;
	io_set(&io, BLK_OP_READ, 4096, NULL, N * 512);
	io.r.iov = iov;
	io.r.iovcnt = N * 2;
	assert_int_equal(blk_submit(b, &io.r), 0);
	while (!io.ndone) {
		wait_fd(b);
		blk_poll(b);
	}
	assert_int_equal(io.err, 0);
	assert_memory_equal(src, dst, N * 512);
	blk_close(b);
	free(src);
	free(dst);
	drop_image(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blk_image__open_errors__clear_errno),
		cmocka_unit_test(test_blk_image__create__sized_file),
		cmocka_unit_test(test_blk_image__size_not_sector_multiple__rounded_down),
		cmocka_unit_test(test_blk_image__second_writer__ebusy),
		cmocka_unit_test(test_blk_image__read_only__writes_erofs),
		cmocka_unit_test(test_blk_image__many_inflight_threads_512__all_complete_data_matches),
		cmocka_unit_test(test_blk_image__many_inflight_threads_4k__all_complete_data_matches),
		cmocka_unit_test(test_blk_image__sync_engine__done_only_from_poll),
		cmocka_unit_test(test_blk_image__unmap__reads_zero_size_kept),
		cmocka_unit_test(test_blk_image__flush_fails__eio_and_image_failed),
		cmocka_unit_test(test_blk_image__fua_write_sync_fails__eio_and_image_failed),
		cmocka_unit_test(test_blk_image__wce0_sync_fails__write_eio),
		cmocka_unit_test(test_blk_image__close_with_queue__each_done_once_acked_on_disk),
		cmocka_unit_test(test_blk_image__scattered_iov__many_pieces),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
