/* blk_mem.c -- memory disk with a modelled volatile write cache (durability checkers crash it). */
#include <errno.h>
#include <string.h>

#include "sim/devices/blk/blk_var.h"

/*
 * Two images: mm_cur is what reads see, mm_durable what survives a crash.
 * A write goes to mm_cur and marks its sectors dirty; it reaches mm_durable
 * on FLUSH, with FUA, or at once when WCE=0.  Both buffers come from calloc,
 * so a large disk only costs the pages it touches.
 */
struct blk_mem {
	uint8_t *mm_cur;
	uint8_t *mm_durable;
	uint64_t *mm_dirty;            /* one bit per sector */
	uint64_t mm_nsec;
};

static const struct blk_ops blk_mem_ops;

static void mem_persist(struct blk_mem *m, uint32_t sec, uint64_t first, uint64_t n)
{
	for (uint64_t s = first; s < first + n; s++) {
		uint64_t bit = 1ull << (s % 64);
		if (m->mm_dirty[s / 64] & bit) {
			memcpy(m->mm_durable + s * sec, m->mm_cur + s * sec, sec);
			m->mm_dirty[s / 64] &= ~bit;
		}
	}
}

static void mem_flush_all(struct blk_mem *m, uint32_t sec)
{
	for (uint64_t w = 0; w < (m->mm_nsec + 63) / 64; w++) {
		while (m->mm_dirty[w]) {
			uint64_t s = w * 64 + (uint64_t)__builtin_ctzll(m->mm_dirty[w]);
			mem_persist(m, sec, s, 1);
		}
	}
}

static void mem_mark(struct blk_mem *m, uint64_t first, uint64_t n)
{
	for (uint64_t s = first; s < first + n; s++)
		m->mm_dirty[s / 64] |= 1ull << (s % 64);
}

static void mem_start(struct blk *b, struct blk_req *r)
{
	struct blk_mem *m = b->b_be;
	uint32_t sec = b->b_info.sector;
	uint64_t first = r->offset / sec, n = r->len / sec;

	switch (r->op) {
	case BLK_OP_READ:
		blk_buf_to_iov(r->iov, r->iovcnt, 0, m->mm_cur + r->offset, r->len);
		break;
	case BLK_OP_WRITE:
		blk_iov_to_buf(r->iov, r->iovcnt, 0, m->mm_cur + r->offset, r->len);
		mem_mark(m, first, n);
		if (r->fua || !b->b_info.wce)
			mem_persist(m, sec, first, n);
		break;
	case BLK_OP_UNMAP:
	case BLK_OP_WRITE_ZEROES:
		memset(m->mm_cur + r->offset, 0, r->len);
		mem_mark(m, first, n);
		if (!b->b_info.wce)
			mem_persist(m, sec, first, n);
		break;
	case BLK_OP_FLUSH:
		mem_flush_all(m, sec);
		break;
	}
	blk_complete(b, r, 0);
}

static int mem_set_wce(struct blk *b, bool wce)
{
	/* Turning the cache off makes what it holds durable first. */
	if (!wce)
		mem_flush_all(b->b_be, b->b_info.sector);
	return 0;
}

static void mem_free(struct blk_mem *m)
{
	if (!m)
		return;
	blk_free(m->mm_cur);
	blk_free(m->mm_durable);
	blk_free(m->mm_dirty);
	blk_free(m);
}

static void mem_close(struct blk *b)
{
	mem_free(b->b_be);
	b->b_be = NULL;
}

int blk_open_mem(uint64_t size, uint32_t sector, struct blk **out)
{
	if (sector == 0)
		sector = 512;
	if ((sector != 512 && sector != 4096) || size == 0 || size % sector || size > (1ull << 40))
		return -EINVAL;
	struct blk_mem *m = blk_zalloc(sizeof *m);
	if (!m)
		return -ENOMEM;
	m->mm_nsec = size / sector;
	m->mm_cur = blk_zalloc(size);
	m->mm_durable = blk_zalloc(size);
	m->mm_dirty = blk_zalloc((m->mm_nsec + 63) / 64 * 8);
	if (!m->mm_cur || !m->mm_durable || !m->mm_dirty) {
		mem_free(m);
		return -ENOMEM;
	}
	struct blk_info info = { .size = size, .sector = sector, .wce = true, .can_unmap = true };
	int err = blk_new(&blk_mem_ops, m, &info, out);
	if (err)
		mem_free(m);
	return err;
}

int blk_mem_crash(struct blk *b)
{
	if (!b || b->b_ops != &blk_mem_ops)
		return -EINVAL;
	struct blk_mem *m = b->b_be;
	uint32_t sec = b->b_info.sector;
	for (uint64_t w = 0; w < (m->mm_nsec + 63) / 64; w++) {
		while (m->mm_dirty[w]) {
			uint64_t s = w * 64 + (uint64_t)__builtin_ctzll(m->mm_dirty[w]);
			memcpy(m->mm_cur + s * sec, m->mm_durable + s * sec, sec);
			m->mm_dirty[w] &= ~(1ull << (s % 64));
		}
	}
	return 0;
}

static const struct blk_ops blk_mem_ops = {
	.name = "mem",
	.start = mem_start,
	.set_wce = mem_set_wce,
	.close = mem_close,
};
