/* blk.c -- the blk front end: request validation, the completion queue, poll and close. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>

#include "sim/devices/blk/blk_var.h"

static long blk_fail_countdown = -1;

void blk_alloc_fail_after(long n)
{
	blk_fail_countdown = n < 0 ? -1 : n;
}

void *blk_zalloc(size_t size)
{
	if (blk_fail_countdown == 0)
		return NULL;
	if (blk_fail_countdown > 0)
		blk_fail_countdown--;
	return calloc(1, size ? size : 1);
}

void blk_free(void *p)
{
	free(p);
}

int blk_new(const struct blk_ops *ops, void *be, const struct blk_info *info, struct blk **out)
{
	struct blk *b = blk_zalloc(sizeof *b);
	if (!b)
		return -ENOMEM;
	b->b_evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (b->b_evfd < 0) {
		int err = -errno;
		blk_free(b);
		return err;
	}
	pthread_mutex_init(&b->b_lock, NULL);
	b->b_ops = ops;
	b->b_be = be;
	b->b_info = *info;
	b->b_done_tail = &b->b_done_head;
	*out = b;
	return 0;
}

void blk_complete(struct blk *b, struct blk_req *r, int err)
{
	r->br_priv[BLK_PRIV_ERR] = (uint64_t)(int64_t)err;
	r->br_next = NULL;
	pthread_mutex_lock(&b->b_lock);
	bool was_empty = b->b_done_head == NULL;
	*b->b_done_tail = r;
	b->b_done_tail = &r->br_next;
	pthread_mutex_unlock(&b->b_lock);
	if (was_empty) {
		/* One token per empty->non-empty edge; poll drains it. */
		uint64_t one = 1;
		ssize_t n = write(b->b_evfd, &one, sizeof one);
		(void)n;
	}
}

void blk_mark_failed(struct blk *b)
{
	pthread_mutex_lock(&b->b_lock);
	b->b_failed_atomic = true;
	pthread_mutex_unlock(&b->b_lock);
}

bool blk_is_failed(struct blk *b)
{
	pthread_mutex_lock(&b->b_lock);
	bool f = b->b_failed_atomic;
	pthread_mutex_unlock(&b->b_lock);
	return f;
}

size_t blk_iov_to_buf(const struct iovec *iov, int iovcnt, size_t skip, void *dst, size_t len)
{
	size_t done = 0;
	for (int i = 0; i < iovcnt && done < len; i++) {
		size_t l = iov[i].iov_len;
		if (skip >= l) {
			skip -= l;
			continue;
		}
		size_t n = l - skip;
		if (n > len - done)
			n = len - done;
		memcpy((uint8_t *)dst + done, (const uint8_t *)iov[i].iov_base + skip, n);
		done += n;
		skip = 0;
	}
	return done;
}

size_t blk_buf_to_iov(const struct iovec *iov, int iovcnt, size_t skip, const void *src, size_t len)
{
	size_t done = 0;
	for (int i = 0; i < iovcnt && done < len; i++) {
		size_t l = iov[i].iov_len;
		if (skip >= l) {
			skip -= l;
			continue;
		}
		size_t n = l - skip;
		if (n > len - done)
			n = len - done;
		memcpy((uint8_t *)iov[i].iov_base + skip, (const uint8_t *)src + done, n);
		done += n;
		skip = 0;
	}
	return done;
}

static int blk_validate(const struct blk *b, const struct blk_req *r)
{
	const struct blk_info *in = &b->b_info;
	uint64_t sec = in->sector;

	if (!r->done)
		return -EINVAL;
	switch (r->op) {
	case BLK_OP_FLUSH:
		if (r->offset || r->len)
			return -EINVAL;
		return 0;
	case BLK_OP_READ:
	case BLK_OP_WRITE:
	case BLK_OP_UNMAP:
	case BLK_OP_WRITE_ZEROES:
		break;
	default:
		return -EINVAL;
	}
	if (r->offset % sec || r->len % sec)
		return -EINVAL;
	if (!(r->offset <= in->size && r->len <= in->size - r->offset))
		return -EINVAL;
	if (r->op == BLK_OP_READ || r->op == BLK_OP_WRITE) {
		if (r->iovcnt < 0 || (r->iovcnt > 0 && !r->iov))
			return -EINVAL;
		uint64_t total = 0;
		for (int i = 0; i < r->iovcnt; i++) {
			if (r->iov[i].iov_len > UINT64_MAX - total)
				return -EINVAL;
			total += r->iov[i].iov_len;
		}
		if (total != r->len)
			return -EINVAL;
	}
	if (r->op != BLK_OP_READ && in->read_only)
		return -EROFS;
	if (r->op == BLK_OP_UNMAP && !in->can_unmap)
		return -EINVAL;
	return 0;
}

int blk_submit(struct blk *b, struct blk_req *r)
{
	int err = blk_validate(b, r);
	if (err)
		return err;
	r->br_next = NULL;
	memset(r->br_priv, 0, sizeof r->br_priv);
	b->b_inflight++;
	if (blk_is_failed(b)) {
		blk_complete(b, r, -EIO);
		return 0;
	}
	b->b_ops->start(b, r);
	return 0;
}

void blk_get_info(const struct blk *b, struct blk_info *out)
{
	*out = b->b_info;
	out->failed = blk_is_failed((struct blk *)b);
}

void blk_set_read_only(struct blk *b)
{
	b->b_info.read_only = true;
}

int blk_set_wce(struct blk *b, bool wce)
{
	if (b->b_ops->set_wce) {
		int err = b->b_ops->set_wce(b, wce);
		if (err)
			return err;
	}
	b->b_info.wce = wce;
	return 0;
}

int blk_event_fd(const struct blk *b)
{
	if (b->b_ops->event_fd)
		return b->b_ops->event_fd(b);
	return b->b_evfd;
}

unsigned blk_inflight(const struct blk *b)
{
	return b->b_inflight;
}

/* Deliver what is queued now; done() may submit more (they wait for the next poll). */
static unsigned blk_deliver(struct blk *b)
{
	uint64_t tok;
	ssize_t n = read(b->b_evfd, &tok, sizeof tok);
	(void)n;
	pthread_mutex_lock(&b->b_lock);
	struct blk_req *list = b->b_done_head;
	b->b_done_head = NULL;
	b->b_done_tail = &b->b_done_head;
	pthread_mutex_unlock(&b->b_lock);

	unsigned cnt = 0;
	while (list) {
		struct blk_req *r = list;
		list = r->br_next;
		r->br_next = NULL;
		b->b_inflight--;
		cnt++;
		r->done(r, (int)(int64_t)r->br_priv[BLK_PRIV_ERR]);
	}
	return cnt;
}

unsigned blk_poll(struct blk *b)
{
	if (b->b_ops->poll)
		b->b_ops->poll(b);
	return blk_deliver(b);
}

void blk_close(struct blk *b)
{
	if (!b)
		return;
	/* The back end finishes or cancels everything it holds (into our queue). */
	b->b_ops->close(b);
	blk_deliver(b);
	close(b->b_evfd);
	pthread_mutex_destroy(&b->b_lock);
	blk_free(b);
}
