/* test_blk_mem.c -- the blk front end (validation, completion queue) over the memory disk. */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "sim/devices/blk/blk.h"

struct io {
	struct blk_req r;
	struct iovec iov[2];
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
		io->iov[0].iov_base = buf;
		io->iov[0].iov_len = len;
		io->r.iov = io->iov;
		io->r.iovcnt = 1;
	}
	io->r.done = io_done;
	io->r.arg = io;
	io->err = 1;
}

static int run(struct blk *b, enum blk_op op, uint64_t off, void *buf, uint64_t len, bool fua)
{
	struct io io;
	io_set(&io, op, off, buf, len);
	io.r.fua = fua;
	int err = blk_submit(b, &io.r);
	if (err)
		return err;
	assert_int_equal(io.ndone, 0);   /* never from inside submit */
	assert_int_equal(blk_inflight(b), 1);
	while (!io.ndone)
		blk_poll(b);
	assert_int_equal(io.ndone, 1);
	return io.err;
}

static void test_blk_mem__write_read__roundtrip(void **state)
{
	(void)state;
	struct blk *b;
	assert_int_equal(blk_open_mem(1 << 20, 512, &b), 0);
	struct blk_info in;
	blk_get_info(b, &in);
	assert_int_equal(in.size, 1 << 20);
	assert_int_equal(in.sector, 512);
	assert_true(in.wce);
	assert_false(in.read_only);
	assert_false(in.failed);

	uint8_t w[1024], rd[1024];
	for (unsigned i = 0; i < sizeof w; i++)
		w[i] = (uint8_t)(i * 7 + 3);
	assert_int_equal(run(b, BLK_OP_WRITE, 4096, w, sizeof w, false), 0);
	/* read back through two iovecs split mid-sector */
	struct io io;
	io_set(&io, BLK_OP_READ, 4096, NULL, sizeof rd);
	io.iov[0] = (struct iovec){ rd, 100 };
	io.iov[1] = (struct iovec){ rd + 100, sizeof rd - 100 };
	io.r.iov = io.iov;
	io.r.iovcnt = 2;
	assert_int_equal(blk_submit(b, &io.r), 0);
	assert_int_equal(blk_poll(b), 1);
	assert_int_equal(io.err, 0);
	assert_memory_equal(w, rd, sizeof w);
	assert_int_equal(blk_inflight(b), 0);
	blk_close(b);
}

static void test_blk_mem__bad_requests__rejected_now(void **state)
{
	(void)state;
	struct blk *b;
	uint8_t buf[4096];
	assert_int_equal(blk_open_mem(8192, 4096, &b), 0);
	struct io io;
	io_set(&io, BLK_OP_READ, 512, buf, 4096);                 /* misaligned for 4K */
	assert_int_equal(blk_submit(b, &io.r), -EINVAL);
	io_set(&io, BLK_OP_READ, 4096, buf, 4096 * 2);            /* past the end */
	assert_int_equal(blk_submit(b, &io.r), -EINVAL);
	io_set(&io, BLK_OP_READ, UINT64_MAX - 4095, buf, 8192);   /* wraps */
	assert_int_equal(blk_submit(b, &io.r), -EINVAL);
	io_set(&io, BLK_OP_WRITE, 0, buf, 4096);
	io.iov[0].iov_len = 512;                                  /* iov total != len */
	assert_int_equal(blk_submit(b, &io.r), -EINVAL);
	io_set(&io, BLK_OP_FLUSH, 0, NULL, 4096);                 /* flush with a range */
	assert_int_equal(blk_submit(b, &io.r), -EINVAL);
	io_set(&io, (enum blk_op)77, 0, NULL, 0);
	assert_int_equal(blk_submit(b, &io.r), -EINVAL);
	io_set(&io, BLK_OP_READ, 0, buf, 4096);
	io.r.done = NULL;
	assert_int_equal(blk_submit(b, &io.r), -EINVAL);
	assert_int_equal(blk_inflight(b), 0);
	assert_int_equal(blk_poll(b), 0);
	assert_int_equal(blk_open_mem(0, 512, &b), -EINVAL);
	assert_int_equal(blk_open_mem(1000, 512, &b), -EINVAL);
	assert_int_equal(blk_open_mem(8192, 1024, &b), -EINVAL);
	blk_close(NULL);
	/* the first disk is still fine */
	blk_close(b);
}

static void test_blk_mem__event_fd__readable_while_completions_wait(void **state)
{
	(void)state;
	struct blk *b;
	assert_int_equal(blk_open_mem(1 << 16, 0, &b), 0);
	int fd = blk_event_fd(b);
	assert_true(fd >= 0);
	struct pollfd p = { .fd = fd, .events = POLLIN };
	assert_int_equal(poll(&p, 1, 0), 0);
	struct io a, c;
	io_set(&a, BLK_OP_FLUSH, 0, NULL, 0);
	io_set(&c, BLK_OP_WRITE_ZEROES, 0, NULL, 1024);
	assert_int_equal(blk_submit(b, &a.r), 0);
	assert_int_equal(blk_submit(b, &c.r), 0);
	assert_int_equal(blk_inflight(b), 2);
	assert_int_equal(poll(&p, 1, 0), 1);
	assert_int_equal(blk_poll(b), 2);
	assert_int_equal(a.err, 0);
	assert_int_equal(c.err, 0);
	assert_int_equal(poll(&p, 1, 0), 0);
	blk_close(b);
}

static void test_blk_mem__close_with_pending__done_called(void **state)
{
	(void)state;
	struct blk *b;
	uint8_t buf[512];
	assert_int_equal(blk_open_mem(1 << 16, 512, &b), 0);
	struct io a;
	io_set(&a, BLK_OP_READ, 0, buf, 512);
	assert_int_equal(blk_submit(b, &a.r), 0);
	blk_close(b);                     /* the completion is delivered, not leaked */
	assert_int_equal(a.ndone, 1);
}

static void test_blk_mem__crash_wce1__unflushed_lost_flushed_kept(void **state)
{
	(void)state;
	struct blk *b;
	uint8_t one[512], two[512], three[512], rd[512], zero[512] = { 0 };
	memset(one, 1, sizeof one);
	memset(two, 2, sizeof two);
	memset(three, 3, sizeof three);
	assert_int_equal(blk_open_mem(1 << 16, 512, &b), 0);
	assert_int_equal(run(b, BLK_OP_WRITE, 0, one, 512, false), 0);
	assert_int_equal(run(b, BLK_OP_FLUSH, 0, NULL, 0, false), 0);
	assert_int_equal(run(b, BLK_OP_WRITE, 0, two, 512, false), 0);      /* overwrites, not flushed */
	assert_int_equal(run(b, BLK_OP_WRITE, 512, three, 512, true), 0);   /* FUA */
	assert_int_equal(run(b, BLK_OP_WRITE, 1024, two, 512, false), 0);   /* lost */
	assert_int_equal(run(b, BLK_OP_READ, 0, rd, 512, false), 0);
	assert_memory_equal(rd, two, 512);
	assert_int_equal(blk_mem_crash(b), 0);
	assert_int_equal(run(b, BLK_OP_READ, 0, rd, 512, false), 0);
	assert_memory_equal(rd, one, 512);
	assert_int_equal(run(b, BLK_OP_READ, 512, rd, 512, false), 0);
	assert_memory_equal(rd, three, 512);
	assert_int_equal(run(b, BLK_OP_READ, 1024, rd, 512, false), 0);
	assert_memory_equal(rd, zero, 512);
	blk_close(b);
}

static void test_blk_mem__crash_wce0__every_write_kept(void **state)
{
	(void)state;
	struct blk *b;
	uint8_t one[512], rd[512];
	memset(one, 0x5a, sizeof one);
	assert_int_equal(blk_open_mem(1 << 16, 512, &b), 0);
	assert_int_equal(run(b, BLK_OP_WRITE, 2048, one, 512, false), 0);
	assert_int_equal(blk_set_wce(b, false), 0);     /* the cache drains when turned off */
	struct blk_info in;
	blk_get_info(b, &in);
	assert_false(in.wce);
	assert_int_equal(run(b, BLK_OP_WRITE, 4096, one, 512, false), 0);
	assert_int_equal(blk_mem_crash(b), 0);
	assert_int_equal(run(b, BLK_OP_READ, 2048, rd, 512, false), 0);
	assert_memory_equal(rd, one, 512);
	assert_int_equal(run(b, BLK_OP_READ, 4096, rd, 512, false), 0);
	assert_memory_equal(rd, one, 512);
	blk_close(b);
}

static void test_blk_mem__alloc_fail__enomem_no_leak(void **state)
{
	(void)state;
	struct blk *b;
	for (long n = 0; n < 7; n++) {
		blk_alloc_fail_after(n);
		int err = blk_open_mem(1 << 16, 512, &b);
		blk_alloc_fail_after(-1);
		if (err == 0) {
			blk_close(b);
			assert_true(n >= 5);
		} else {
			assert_int_equal(err, -ENOMEM);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blk_mem__write_read__roundtrip),
		cmocka_unit_test(test_blk_mem__bad_requests__rejected_now),
		cmocka_unit_test(test_blk_mem__event_fd__readable_while_completions_wait),
		cmocka_unit_test(test_blk_mem__close_with_pending__done_called),
		cmocka_unit_test(test_blk_mem__crash_wce1__unflushed_lost_flushed_kept),
		cmocka_unit_test(test_blk_mem__crash_wce0__every_write_kept),
		cmocka_unit_test(test_blk_mem__alloc_fail__enomem_no_leak),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
