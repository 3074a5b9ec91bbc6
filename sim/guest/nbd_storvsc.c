/* nbd_storvsc.c -- a storvsc disk as an NBD export disk: each operation becomes one storvsc_bio. */
#include <errno.h>
#include <stdlib.h>

#include "guest_drivers/kern.h"
#include "guest_drivers/storvsc/storvsc.h"
#include "sim/guest/nbd_export.h"

struct sdisk { struct storvsc_disk *d; uint32_t bs; };

struct sbio {
	struct storvsc_bio b;
	nbd_done_fn *done;
	void *arg;
};

static void sbio_done(struct storvsc_bio *b, int err)
{
	struct sbio *s = (struct sbio *)b;
	nbd_done_fn *done = s->done;
	void *arg = s->arg;
	kern_free(s);
	done(arg, err);
}

static int submit(struct sdisk *sd, enum storvsc_op op, uint64_t off, uint64_t len, void *buf,
		  bool fua, nbd_done_fn *done, void *arg)
{
	if (len / sd->bs > UINT32_MAX)
		return -EINVAL;
	struct sbio *s = kern_zalloc(sizeof *s);
	if (!s)
		return -ENOMEM;
	s->b.op = op;
	s->b.lba = off / sd->bs;
	s->b.nblocks = (uint32_t)(len / sd->bs);
	s->b.buf = buf;
	s->b.fua = fua;
	s->b.done = sbio_done;
	s->done = done;
	s->arg = arg;
	int rc = storvsc_disk_submit(sd->d, &s->b);
	if (rc)
		kern_free(s);
	return rc;
}

static int s_read(void *ctx, uint64_t off, uint32_t len, void *buf, nbd_done_fn *done, void *arg)
{
	return submit(ctx, STORVSC_OP_READ, off, len, buf, false, done, arg);
}

static int s_write(void *ctx, uint64_t off, uint32_t len, const void *buf, bool fua,
		   nbd_done_fn *done, void *arg)
{
	/* storvsc only reads a WRITE's buffer. */
	return submit(ctx, STORVSC_OP_WRITE, off, len, (void *)(uintptr_t)buf, fua, done, arg);
}

static int s_flush(void *ctx, nbd_done_fn *done, void *arg)
{
	return submit(ctx, STORVSC_OP_FLUSH, 0, 0, NULL, false, done, arg);
}

static int s_trim(void *ctx, uint64_t off, uint64_t len, nbd_done_fn *done, void *arg)
{
	return submit(ctx, STORVSC_OP_UNMAP, off, len, NULL, false, done, arg);
}

static void s_release(void *ctx)
{
	struct sdisk *sd = ctx;
	storvsc_disk_put(sd->d);
	free(sd);
}

static const struct nbd_disk_ops storvsc_ops = {
	.read = s_read, .write = s_write, .flush = s_flush, .trim = s_trim, .release = s_release,
};
static const struct nbd_disk_ops storvsc_ops_notrim = {
	.read = s_read, .write = s_write, .flush = s_flush, .release = s_release,
};

int nbd_disk_storvsc(struct storvsc_disk *d, struct nbd_disk *out)
{
	struct storvsc_disk_info in;
	if (!d || !out || storvsc_disk_info(d, &in) != 0)
		return -EINVAL;
	if (in.gone)
		return -ENODEV;
	if ((in.block_size != 512 && in.block_size != 4096) || in.nblocks == 0 ||
	    in.nblocks > UINT64_MAX / in.block_size)
		return -EINVAL;
	struct sdisk *sd = calloc(1, sizeof *sd);
	if (!sd)
		return -ENOMEM;
	storvsc_disk_hold(d);
	sd->d = d;
	sd->bs = in.block_size;
	*out = (struct nbd_disk){
		.ops = in.can_unmap ? &storvsc_ops : &storvsc_ops_notrim, .ctx = sd,
		.size = in.nblocks * in.block_size, .sector = in.block_size,
		.read_only = in.read_only, .fua = in.fua,
	};
	return 0;
}
