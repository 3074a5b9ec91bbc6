/* blk_image.c -- raw image files: a worker-pool engine (or inline for the deterministic runner). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "sim/devices/blk/blk_var.h"

/*
 * Why a worker pool and not io_uring: the pool needs nothing but pthreads
 * (already linked into hv_host), works where seccomp or an old kernel refuses
 * io_uring_setup (common in containers and CI sandboxes), and gives fdatasync,
 * fallocate and RWF_DSYNC writes the same path as reads.  The host loop only
 * ever queues a request and later reads the eventfd; a worker does the
 * syscall.  IMG_WORKERS requests run at once and finish in any order.
 *
 * Durability (RELIABILITY 4.3): a write with FUA, or any write while WCE=0,
 * goes down with RWF_DSYNC (or pwritev + fdatasync where the flag is refused)
 * before it completes; FLUSH is fdatasync.  A failed fdatasync (or durable
 * write) marks the image failed: the page cache may have dropped the data
 * ("fsyncgate"), so nothing later may be acked.
 */
#define IMG_WORKERS 4
#define IMG_IOV_BATCH 64

/* br_priv[] slots of the image engine */
#define IMG_PRIV_FLAGS 2
#define IMG_F_DURABLE 1u               /* FUA or WCE=0 at submit time */

struct blk_img {
	int im_fd;
	bool im_sync;                  /* BLK_ENGINE_SYNC: run inside start() */
	pthread_t im_th[IMG_WORKERS];
	int im_nth;
	pthread_mutex_t im_lock;
	pthread_cond_t im_cv;
	struct blk_req *im_head, **im_tail;  /* queued, not started */
	bool im_stop;
	struct blk *im_blk;
	/* test hook: this many coming syncs fail with EIO */
	uint32_t im_fail_syncs;
};

static enum blk_engine blk_default_engine = BLK_ENGINE_THREADS;
static const struct blk_ops blk_img_ops;

void blk_set_default_engine(enum blk_engine e)
{
	blk_default_engine = e == BLK_ENGINE_DEFAULT ? BLK_ENGINE_THREADS : e;
}

static bool img_take_injected(struct blk_img *im)
{
	pthread_mutex_lock(&im->im_lock);
	bool inject = im->im_fail_syncs > 0;
	if (inject)
		im->im_fail_syncs--;
	pthread_mutex_unlock(&im->im_lock);
	return inject;
}

static int img_sync(struct blk_img *im)
{
	if (img_take_injected(im))
		return -EIO;
	return fdatasync(im->im_fd) ? -errno : 0;
}

/* preadv/pwritev the whole range, across short transfers and batches of IMG_IOV_BATCH. */
static int img_rw(struct blk_img *im, bool wr, const struct blk_req *r, bool dsync, bool *dsync_done)
{
	uint64_t done = 0;
	int idx = 0;
	size_t skip = 0;                /* bytes of iov[idx] already moved */
	*dsync_done = dsync;
	while (done < r->len) {
		struct iovec v[IMG_IOV_BATCH];
		int n = 0;
		size_t sk = skip;
		for (int i = idx; i < r->iovcnt && n < IMG_IOV_BATCH; i++) {
			if (r->iov[i].iov_len - sk == 0) {
				sk = 0;
				continue;
			}
			v[n].iov_base = (uint8_t *)r->iov[i].iov_base + sk;
			v[n].iov_len = r->iov[i].iov_len - sk;
			n++;
			sk = 0;
		}
		ssize_t got;
		off_t off = (off_t)(r->offset + done);
		if (wr) {
			if (*dsync_done) {
				got = pwritev2(im->im_fd, v, n, off, RWF_DSYNC);
				if (got < 0 && (errno == EOPNOTSUPP || errno == EINVAL)) {
					*dsync_done = false;   /* fall back to fdatasync after */
					continue;
				}
			} else {
				got = pwritev(im->im_fd, v, n, off);
			}
		} else {
			got = preadv(im->im_fd, v, n, off);
		}
		if (got < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (got == 0)
			return -EIO;           /* the file shrank under us */
		done += (uint64_t)got;
		/* advance idx/skip by got bytes */
		uint64_t adv = (uint64_t)got;
		while (adv && idx < r->iovcnt) {
			size_t left = r->iov[idx].iov_len - skip;
			if (adv < left) {
				skip += adv;
				adv = 0;
			} else {
				adv -= left;
				idx++;
				skip = 0;
			}
		}
	}
	return 0;
}

static int img_zero(struct blk_img *im, const struct blk_req *r)
{
	int mode = r->op == BLK_OP_UNMAP ? FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE
	                                 : FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE;
	if (fallocate(im->im_fd, mode, (off_t)r->offset, (off_t)r->len) == 0)
		return 0;
	if (errno != EOPNOTSUPP && errno != ENOSYS && errno != EINVAL)
		return -errno;
	/* The filesystem cannot: write zeros (reads after UNMAP return zeros either way). */
	static const uint8_t zeros[65536];
	for (uint64_t off = 0; off < r->len;) {
		size_t n = r->len - off < sizeof zeros ? (size_t)(r->len - off) : sizeof zeros;
		ssize_t w = pwrite(im->im_fd, zeros, n, (off_t)(r->offset + off));
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		off += (uint64_t)w;
	}
	return 0;
}

static int img_errno(int err)
{
	switch (err) {
	case 0: case -EIO: case -ENOSPC: case -EROFS: case -EINVAL:
		return err;
	case -EDQUOT:
		return -ENOSPC;
	default:
		return -EIO;
	}
}

static void img_do(struct blk *b, struct blk_img *im, struct blk_req *r)
{
	bool durable = r->br_priv[IMG_PRIV_FLAGS] & IMG_F_DURABLE;
	bool dsync_done = false;
	int err = 0;

	if (blk_is_failed(b)) {
		blk_complete(b, r, -EIO);
		return;
	}
	switch (r->op) {
	case BLK_OP_READ:
		err = img_rw(im, false, r, false, &dsync_done);
		break;
	case BLK_OP_WRITE:
		err = img_rw(im, true, r, durable, &dsync_done);
		if (!err && durable)
			err = dsync_done ? (img_take_injected(im) ? -EIO : 0) : img_sync(im);
		if (err && durable)
			blk_mark_failed(b);
		break;
	case BLK_OP_UNMAP:
	case BLK_OP_WRITE_ZEROES:
		err = img_zero(im, r);
		if (!err && durable)
			err = img_sync(im);
		if (err && durable)
			blk_mark_failed(b);
		break;
	case BLK_OP_FLUSH:
		err = img_sync(im);
		if (err)
			blk_mark_failed(b);
		break;
	}
	blk_complete(b, r, img_errno(err));
}

static void *img_worker(void *arg)
{
	struct blk_img *im = arg;
	pthread_mutex_lock(&im->im_lock);
	for (;;) {
		while (!im->im_head && !im->im_stop)
			pthread_cond_wait(&im->im_cv, &im->im_lock);
		if (im->im_stop)
			break;
		struct blk_req *r = im->im_head;
		im->im_head = r->br_next;
		if (!im->im_head)
			im->im_tail = &im->im_head;
		pthread_mutex_unlock(&im->im_lock);
		img_do(im->im_blk, im, r);
		pthread_mutex_lock(&im->im_lock);
	}
	pthread_mutex_unlock(&im->im_lock);
	return NULL;
}

static void img_start(struct blk *b, struct blk_req *r)
{
	struct blk_img *im = b->b_be;
	if ((r->op == BLK_OP_WRITE && r->fua) || (r->op != BLK_OP_READ && !b->b_info.wce))
		r->br_priv[IMG_PRIV_FLAGS] |= IMG_F_DURABLE;
	if (im->im_sync) {
		img_do(b, im, r);
		return;
	}
	pthread_mutex_lock(&im->im_lock);
	r->br_next = NULL;
	*im->im_tail = r;
	im->im_tail = &r->br_next;
	pthread_cond_signal(&im->im_cv);
	pthread_mutex_unlock(&im->im_lock);
}

static int img_set_wce(struct blk *b, bool wce)
{
	/* Turning the cache off: what it holds becomes durable now (a later
	 * request then completes -EIO if this fails). */
	if (!wce && !b->b_info.read_only && img_sync(b->b_be)) {
		blk_mark_failed(b);
		return -EIO;
	}
	return 0;
}

static void img_free(struct blk_img *im)
{
	if (im->im_fd >= 0)
		close(im->im_fd);
	pthread_cond_destroy(&im->im_cv);
	pthread_mutex_destroy(&im->im_lock);
	blk_free(im);
}

static void img_close(struct blk *b)
{
	struct blk_img *im = b->b_be;
	pthread_mutex_lock(&im->im_lock);
	im->im_stop = true;
	pthread_cond_broadcast(&im->im_cv);
	pthread_mutex_unlock(&im->im_lock);
	for (int i = 0; i < im->im_nth; i++)
		pthread_join(im->im_th[i], NULL);
	/* Workers are gone: whatever never started is cancelled. */
	struct blk_req *r = im->im_head;
	while (r) {
		struct blk_req *next = r->br_next;
		blk_complete(b, r, -ECANCELED);
		r = next;
	}
	img_free(im);
	b->b_be = NULL;
}

int blk_image_fail_syncs(struct blk *b, uint32_t n)
{
	if (!b || b->b_ops != &blk_img_ops)
		return -EINVAL;
	struct blk_img *im = b->b_be;
	pthread_mutex_lock(&im->im_lock);
	im->im_fail_syncs = n;
	pthread_mutex_unlock(&im->im_lock);
	return 0;
}

static int img_open_fd(const char *path, const struct blk_image_opts *o, uint64_t *size)
{
	int flags = (o->read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC;
	int fd = open(path, flags);
	if (fd < 0 && errno == ENOENT && o->create && !o->read_only) {
		if (o->create_size == 0)
			return -EINVAL;
		fd = open(path, flags | O_CREAT | O_EXCL, 0644);
		if (fd >= 0 && ftruncate(fd, (off_t)o->create_size)) {
			int err = -errno;
			close(fd);
			unlink(path);
			return err;
		}
	}
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) || !(S_ISREG(st.st_mode) || S_ISBLK(st.st_mode))) {
		close(fd);
		return -EINVAL;
	}
	/* Two owners writing one image would corrupt it: take the lock. */
	if (flock(fd, (o->read_only ? LOCK_SH : LOCK_EX) | LOCK_NB)) {
		int err = errno == EWOULDBLOCK ? -EBUSY : -errno;
		close(fd);
		return err;
	}
	off_t end = lseek(fd, 0, SEEK_END);
	if (end < 0) {
		int err = -errno;
		close(fd);
		return err;
	}
	*size = (uint64_t)end;
	return fd;
}

int blk_open_image(const char *path, const struct blk_image_opts *o, struct blk **out)
{
	static const struct blk_image_opts defaults;
	if (!o)
		o = &defaults;
	uint32_t sector = o->sector ? o->sector : 512;
	if (!path || !out || (sector != 512 && sector != 4096))
		return -EINVAL;
	uint64_t size = 0;
	int fd = img_open_fd(path, o, &size);
	if (fd < 0)
		return fd;
	size -= size % sector;
	if (size == 0) {
		close(fd);
		return -EINVAL;
	}
	struct blk_img *im = blk_zalloc(sizeof *im);
	if (!im) {
		close(fd);
		return -ENOMEM;
	}
	im->im_fd = fd;
	pthread_mutex_init(&im->im_lock, NULL);
	pthread_cond_init(&im->im_cv, NULL);
	im->im_tail = &im->im_head;
	enum blk_engine e = o->engine == BLK_ENGINE_DEFAULT ? blk_default_engine : o->engine;
	im->im_sync = e == BLK_ENGINE_SYNC;

	struct blk_info info = { .size = size, .sector = sector, .read_only = o->read_only,
	                         .wce = true, .can_unmap = !o->read_only };
	struct blk *b;
	int err = blk_new(&blk_img_ops, im, &info, &b);
	if (err) {
		img_free(im);
		return err;
	}
	im->im_blk = b;
	for (int i = 0; !im->im_sync && i < IMG_WORKERS; i++) {
		if (pthread_create(&im->im_th[i], NULL, img_worker, im))
			break;
		im->im_nth++;
	}
	if (!im->im_sync && im->im_nth == 0) {
		blk_close(b);
		return -EAGAIN;
	}
	*out = b;
	return 0;
}

static const struct blk_ops blk_img_ops = {
	.name = "image",
	.start = img_start,
	.set_wce = img_set_wce,
	.close = img_close,
};
