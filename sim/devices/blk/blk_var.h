/* blk_var.h -- internal state shared by the blk front end and its back ends. */
#ifndef HVSIM_BLK_VAR_H
#define HVSIM_BLK_VAR_H

#include <pthread.h>

#include "sim/devices/blk/blk.h"

struct blk;

/* A back end.  start() takes a validated request and finishes it later with
 * blk_complete() (from any thread, possibly before start() returns).
 * close() stops the engine: requests not yet started are completed with
 * -ECANCELED, running ones are waited for; then it frees the back end's own
 * state (not the struct blk).  poll(), when set, runs before the front end
 * delivers completions (wrappers poll what they wrap). */
struct blk_ops {
	const char *name;
	void (*start)(struct blk *b, struct blk_req *r);
	int  (*set_wce)(struct blk *b, bool wce);
	void (*poll)(struct blk *b);
	int  (*event_fd)(const struct blk *b);  /* NULL: the front end's eventfd */
	void (*close)(struct blk *b);
};

struct blk {
	const struct blk_ops *b_ops;
	void *b_be;                    /* back end state */
	struct blk_info b_info;        /* size/sector/ro fixed at open; wce, failed change */
	unsigned b_inflight;           /* accepted, done() not yet called (owner thread) */

	/* Completed requests waiting for blk_poll (filled from any thread). */
	pthread_mutex_t b_lock;
	struct blk_req *b_done_head, **b_done_tail;
	int b_evfd;                    /* eventfd: readable while b_done_head != NULL */
	bool b_failed_atomic;          /* set under b_lock by any thread; mirrored into b_info */
};

/* br_priv[] slots the front end uses; back ends use [2] and [3]. */
#define BLK_PRIV_ERR 0             /* the result, as (uint64_t)(int64_t)err */

void *blk_zalloc(size_t size);
void  blk_free(void *p);

/* Create the front end around a back end; on failure nothing is kept. */
int  blk_new(const struct blk_ops *ops, void *be, const struct blk_info *info, struct blk **out);
/* Queue r's completion (any thread). */
void blk_complete(struct blk *b, struct blk_req *r, int err);
/* Mark the disk failed (any thread): every later request completes -EIO. */
void blk_mark_failed(struct blk *b);
bool blk_is_failed(struct blk *b);
/* Copy between an iovec list and a flat buffer, starting 'skip' bytes into
 * the iovec list.  Returns bytes copied. */
size_t blk_iov_to_buf(const struct iovec *iov, int iovcnt, size_t skip, void *dst, size_t len);
size_t blk_buf_to_iov(const struct iovec *iov, int iovcnt, size_t skip, const void *src, size_t len);

#endif /* HVSIM_BLK_VAR_H */
