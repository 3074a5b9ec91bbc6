/* test_blk_fault.c -- the fault wrapper, and a checker that no acked+flushed write is lost across faults and crashes. */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
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

static int run(struct blk *b, enum blk_op op, uint64_t off, void *buf, uint64_t len, bool fua)
{
	struct io io;
	io_set(&io, op, off, buf, len);
	io.r.fua = fua;
	int err = blk_submit(b, &io.r);
	if (err)
		return err;
	while (!io.ndone) {
		struct pollfd p = { .fd = blk_event_fd(b), .events = POLLIN };
		poll(&p, 1, 1000);
		blk_poll(b);
	}
	return io.err;
}

static struct blk *fault_over_mem(void)
{
	struct blk *m, *f;
	assert_int_equal(blk_open_mem(1 << 16, 512, &m), 0);
	assert_int_equal(blk_wrap_fault(m, &f), 0);
	return f;
}

static void test_blk_fault__nth_write__fails_with_chosen_err_no_io(void **state)
{
	(void)state;
	struct blk *b = fault_over_mem();
	struct blk_fault f = { .op = BLK_OP_WRITE, .nth = 2, .count = 2, .err = -EIO };
	assert_int_equal(blk_fault_arm(b, &f), 0);
	uint8_t a[512], rd[512], zero[512] = { 0 };
	memset(a, 7, sizeof a);
	assert_int_equal(run(b, BLK_OP_READ, 0, rd, 512, false), 0);      /* reads do not count */
	assert_int_equal(run(b, BLK_OP_WRITE, 0, a, 512, false), 0);      /* 1st */
	assert_int_equal(run(b, BLK_OP_WRITE, 512, a, 512, false), -EIO); /* 2nd */
	assert_int_equal(run(b, BLK_OP_WRITE, 1024, a, 512, false), -EIO);/* 3rd */
	assert_int_equal(run(b, BLK_OP_WRITE, 1536, a, 512, false), 0);   /* 4th */
	assert_int_equal(blk_fault_fired(b), 2);
	assert_int_equal(run(b, BLK_OP_READ, 512, rd, 512, false), 0);
	assert_memory_equal(rd, zero, 512);                               /* the failed write did nothing */
	assert_int_equal(run(b, BLK_OP_READ, 1536, rd, 512, false), 0);
	assert_memory_equal(rd, a, 512);
	struct blk_info in;
	blk_get_info(b, &in);
	assert_false(in.failed);
	blk_close(b);
}

static void test_blk_fault__any_op_enospc__first_matching(void **state)
{
	(void)state;
	struct blk *b = fault_over_mem();
	struct blk_fault f = { .any_op = true, .nth = 1, .err = -ENOSPC };
	assert_int_equal(blk_fault_arm(b, &f), 0);
	assert_int_equal(run(b, BLK_OP_FLUSH, 0, NULL, 0, false), -ENOSPC);
	assert_int_equal(run(b, BLK_OP_FLUSH, 0, NULL, 0, false), 0);
	assert_int_equal(blk_fault_fired(b), 1);
	blk_close(b);
}

static void test_blk_fault__arm_bad__einval(void **state)
{
	(void)state;
	struct blk *m;
	assert_int_equal(blk_open_mem(4096, 512, &m), 0);
	struct blk_fault f = { .nth = 1, .err = -EIO };
	assert_int_equal(blk_fault_arm(m, &f), -EINVAL);       /* not a wrapper */
	assert_int_equal(blk_fault_fired(m), 0);
	struct blk *b;
	assert_int_equal(blk_wrap_fault(m, &b), 0);
	f.nth = 0;
	assert_int_equal(blk_fault_arm(b, &f), -EINVAL);
	blk_close(b);                                          /* closes m too */
}

static void test_blk_fault__delay__held_until_deadline_then_done(void **state)
{
	(void)state;
	struct blk *b = fault_over_mem();
	struct blk_fault f = { .op = BLK_OP_READ, .nth = 1, .delay_ns = 20 * 1000 * 1000 };
	assert_int_equal(blk_fault_arm(b, &f), 0);
	uint8_t rd[512];
	struct io io, io2;
	io_set(&io, BLK_OP_READ, 0, rd, 512);
	io_set(&io2, BLK_OP_FLUSH, 0, NULL, 0);
	assert_int_equal(blk_submit(b, &io.r), 0);
	assert_int_equal(blk_submit(b, &io2.r), 0);
	blk_poll(b);
	/* the flush overtakes the delayed read (no timing asserted: the read simply cannot be first) */
	assert_int_equal(io2.ndone, 1);
	while (!io.ndone) {
		struct pollfd p = { .fd = blk_event_fd(b), .events = POLLIN };
		assert_int_equal(poll(&p, 1, 5000), 1);  /* the timer makes the fd readable */
		blk_poll(b);
	}
	assert_int_equal(io.err, 0);
	assert_int_equal(blk_fault_fired(b), 1);
	blk_close(b);
}

static void test_blk_fault__close_with_held__done_once(void **state)
{
	(void)state;
	struct blk *b = fault_over_mem();
	struct blk_fault f = { .any_op = true, .nth = 1, .count = 3, .delay_ns = 10ull * 1000 * 1000 * 1000 };
	assert_int_equal(blk_fault_arm(b, &f), 0);
	struct io io[3];
	uint8_t buf[512] = { 0 };
	io_set(&io[0], BLK_OP_WRITE, 0, buf, 512);
	io_set(&io[1], BLK_OP_FLUSH, 0, NULL, 0);
	io_set(&io[2], BLK_OP_READ, 0, buf, 512);
	for (int i = 0; i < 3; i++)
		assert_int_equal(blk_submit(b, &io[i].r), 0);
	blk_poll(b);
	assert_int_equal(blk_inflight(b), 3);
	blk_close(b);
	for (int i = 0; i < 3; i++)
		assert_int_equal(io[i].ndone, 1);
}

static void test_blk_fault__sticky__disk_failed_later_io_eio(void **state)
{
	(void)state;
	struct blk *b = fault_over_mem();
	struct blk_fault f = { .op = BLK_OP_FLUSH, .nth = 1, .err = -EIO, .sticky = true };
	assert_int_equal(blk_fault_arm(b, &f), 0);
	uint8_t buf[512] = { 0 };
	assert_int_equal(run(b, BLK_OP_WRITE, 0, buf, 512, false), 0);
	assert_int_equal(run(b, BLK_OP_FLUSH, 0, NULL, 0, false), -EIO);
	struct blk_info in;
	blk_get_info(b, &in);
	assert_true(in.failed);
	assert_int_equal(run(b, BLK_OP_READ, 0, buf, 512, false), -EIO);
	assert_int_equal(run(b, BLK_OP_FLUSH, 0, NULL, 0, false), -EIO);
	blk_close(b);
}

/*
 * Durability checker.  Random single-sector writes (each with a unique tag),
 * FUA writes and flushes go through a fault wrapper over the crashable memory
 * disk; faults fail some of them and finally a flush fails for good.  Then
 * the disk "loses power".  Per sector, the value that must survive is the
 * last write acked before the start of the last successful flush (or acked
 * with FUA); anything written later may or may not have survived, but
 * nothing older may reappear and no acked-and-flushed write may be missing.
 */
#define CK_NSEC 64
struct ck_sector {
	uint32_t durable;              /* tag certain to be on the medium (0: zeros) */
	uint32_t acked[64];            /* tags acked since, oldest first */
	unsigned nacked;
	uint32_t failed[64];           /* tags of writes that failed (may or may not be there) */
	unsigned nfailed;
};

static void ck_fill(uint8_t *buf, uint32_t tag)
{
	for (int i = 0; i < 512; i += 4)
		memcpy(buf + i, &tag, 4);
}

static void test_blk_fault__checker_random_faults_crash__no_acked_flushed_write_lost(void **state)
{
	(void)state;
	for (unsigned seed = 1; seed <= 20; seed++) {
		struct blk *m, *b;
		assert_int_equal(blk_open_mem(CK_NSEC * 512, 512, &m), 0);
		assert_int_equal(blk_wrap_fault(m, &b), 0);
		srand(seed);
		struct blk_fault f = { .any_op = true, .nth = 5 + (uint64_t)(rand() % 20), .count = 2,
		                       .err = -EIO };
		assert_int_equal(blk_fault_arm(b, &f), 0);
		static struct ck_sector ck[CK_NSEC];
		memset(ck, 0, sizeof ck);
		uint32_t tag = 0;
		bool dead = false;
		for (int step = 0; step < 120; step++) {
			int what = rand() % 10;
			if (step == 100) {
				/* the disk dies on the next flush */
				struct blk_fault g = { .op = BLK_OP_FLUSH, .nth = 1, .err = -EIO, .sticky = true };
				assert_int_equal(blk_fault_arm(b, &g), 0);
			}
			if (what < 8) {
				unsigned s = (unsigned)rand() % CK_NSEC;
				uint8_t buf[512];
				ck_fill(buf, ++tag);
				bool fua = what == 7;
				int err = run(b, BLK_OP_WRITE, s * 512ull, buf, 512, fua);
				struct ck_sector *c = &ck[s];
				if (err) {
					assert_true(c->nfailed < 64);
					c->failed[c->nfailed++] = tag;
				} else if (fua) {
					c->durable = tag;
					c->nacked = 0;
					c->nfailed = 0;
				} else {
					assert_true(c->nacked < 64);
					c->acked[c->nacked++] = tag;
				}
			} else {
				int err = run(b, BLK_OP_FLUSH, 0, NULL, 0, false);
				if (err == 0) {
					assert_false(dead);
					for (unsigned s = 0; s < CK_NSEC; s++) {
						if (ck[s].nacked)
							ck[s].durable = ck[s].acked[ck[s].nacked - 1];
						ck[s].nacked = 0;
						ck[s].nfailed = 0;
					}
				} else {
					struct blk_info in;
					blk_get_info(b, &in);
					dead = dead || in.failed;
				}
			}
		}
		if (!dead)   /* no flush came after step 100: this one fails */
			assert_int_equal(run(b, BLK_OP_FLUSH, 0, NULL, 0, false), -EIO);
		struct blk_info in;
		blk_get_info(b, &in);
		assert_true(in.failed);
		assert_int_equal(blk_mem_crash(m), 0);
		/* read the medium through the inner disk (the wrapper is failed) */
		for (unsigned s = 0; s < CK_NSEC; s++) {
			uint8_t buf[512];
			uint32_t got;
			assert_int_equal(run(m, BLK_OP_READ, s * 512ull, buf, 512, false), 0);
			memcpy(&got, buf, 4);
			bool ok = got == ck[s].durable;
			for (unsigned i = 0; i < ck[s].nacked; i++)
				ok = ok || got == ck[s].acked[i];
			for (unsigned i = 0; i < ck[s].nfailed; i++)
				ok = ok || got == ck[s].failed[i];
			if (!ok)
				fail_msg("seed %u sector %u: tag %u, durable %u", seed, s, got, ck[s].durable);
		}
		blk_close(b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blk_fault__nth_write__fails_with_chosen_err_no_io),
		cmocka_unit_test(test_blk_fault__any_op_enospc__first_matching),
		cmocka_unit_test(test_blk_fault__arm_bad__einval),
		cmocka_unit_test(test_blk_fault__delay__held_until_deadline_then_done),
		cmocka_unit_test(test_blk_fault__close_with_held__done_once),
		cmocka_unit_test(test_blk_fault__sticky__disk_failed_later_io_eio),
		cmocka_unit_test(test_blk_fault__checker_random_faults_crash__no_acked_flushed_write_lost),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
