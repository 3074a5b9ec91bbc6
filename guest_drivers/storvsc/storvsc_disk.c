/* storvsc_disk.c -- the block API of storvsc disks: the registry ("da0"..,
 * references), request validation against the disk's geometry, and the
 * synchronous helper that can give up on a request without leaving the
 * driver pointing at the caller's memory. */
#include <string.h>

#include "guest_drivers/storvsc/storvsc_var.h"

#define PAGE 4096u

unsigned storvsc_disk_count(void)
{
	if (!stv_g.lock)
		return 0;
	unsigned n = 0;
	kern_lock_acquire(stv_g.lock);
	for (unsigned i = 0; i < STV_MAX_DISKS; i++)
		if (stv_g.units[i])
			n++;
	kern_lock_release(stv_g.lock);
	return n;
}

void storvsc_disk_hold(struct storvsc_disk *d)
{
	if (d)
		__atomic_fetch_add(&d->d_refs, 1, __ATOMIC_ACQ_REL);
}

void storvsc_disk_put(struct storvsc_disk *d)
{
	if (d && __atomic_sub_fetch(&d->d_refs, 1, __ATOMIC_ACQ_REL) == 0)
		kern_free(d);
}

struct storvsc_disk *storvsc_disk_get(unsigned i)
{
	if (!stv_g.lock)
		return NULL;
	struct storvsc_disk *r = NULL;
	kern_lock_acquire(stv_g.lock);
	for (unsigned u = 0; u < STV_MAX_DISKS; u++) {
		if (!stv_g.units[u])
			continue;
		if (i-- == 0) {
			r = stv_g.units[u];
			storvsc_disk_hold(r);
			break;
		}
	}
	kern_lock_release(stv_g.lock);
	return r;
}

struct storvsc_disk *storvsc_disk_find(const char *name)
{
	if (!stv_g.lock || !name)
		return NULL;
	struct storvsc_disk *r = NULL;
	kern_lock_acquire(stv_g.lock);
	for (unsigned u = 0; u < STV_MAX_DISKS; u++)
		if (stv_g.units[u] && strcmp(stv_g.units[u]->d_name, name) == 0) {
			r = stv_g.units[u];
			storvsc_disk_hold(r);
			break;
		}
	kern_lock_release(stv_g.lock);
	return r;
}

int storvsc_disk_info(const struct storvsc_disk *d, struct storvsc_disk_info *out)
{
	memset(out, 0, sizeof *out);
	if (!d)
		return -EINVAL;
	if (stv_g.lock)
		kern_lock_acquire(stv_g.lock);
	*out = d->d_info;
	out->gone = d->d_gone;
	if (stv_g.lock)
		kern_lock_release(stv_g.lock);
	return 0;
}

/* Geometry checks; the disk's info under stv_g.lock.  0 or -errno. */
static int check(const struct storvsc_disk_info *in, const struct storvsc_bio *b)
{
	switch (b->op) {
	case STORVSC_OP_READ:
	case STORVSC_OP_WRITE: {
		if (b->nblocks == 0 || (!b->buf && !b->dma))
			return -EINVAL;
		if (b->lba > in->nblocks || b->nblocks > in->nblocks - b->lba)
			return -EINVAL;
		uint64_t len = (uint64_t)b->nblocks * in->block_size;
		if (b->dma) {
			uint64_t cap = (uint64_t)b->dma->npages * PAGE;
			if (b->dma_off > cap || len > cap - b->dma_off)
				return -EINVAL;
		}
		if (b->op == STORVSC_OP_WRITE && in->read_only)
			return -EROFS;
		if (in->max_transfer < in->block_size)
			return -EINVAL;
		return 0;
	}
	case STORVSC_OP_FLUSH:
		return 0;
	case STORVSC_OP_UNMAP:
		if (!in->can_unmap)
			return -EOPNOTSUPP;
		if (in->read_only)
			return -EROFS;
		if (b->nblocks == 0 || b->lba > in->nblocks || b->nblocks > in->nblocks - b->lba)
			return -EINVAL;
		return 0;
	}
	return -EINVAL;
}

int storvsc_disk_submit(struct storvsc_disk *d, struct storvsc_bio *b)
{
	if (!d || !b || !stv_g.lock)
		return -EINVAL;
	kern_lock_acquire(stv_g.lock);
	struct stv_ctrl *c = d->d_ctrl;
	if (d->d_gone || !c) {
		kern_lock_release(stv_g.lock);
		return -ENODEV;
	}
	int rc = check(&d->d_info, b);
	if (rc) {
		kern_lock_release(stv_g.lock);
		return rc;
	}
	stv_ctrl_hold(c);
	storvsc_disk_hold(d);   /* the bio's, dropped after done() */
	kern_lock_release(stv_g.lock);
	b->b_disk = d;
	b->sense_key = b->asc = b->ascq = 0;
	b->srb_status = b->scsi_status = 0;
	b->retries = 0;
	rc = stv_bio_queue(c, b);
	if (rc)
		storvsc_disk_put(d);
	stv_ctrl_put(c);
	return rc;
}

struct sync_wait {
	bool done;
	int err;
	struct kern_waitq *wq;
};

static void sync_done(struct storvsc_bio *b, int err)
{
	struct sync_wait *w = b->arg;
	w->err = err;
	KERN_WRITE_ONCE(w->done, true);
	kern_wakeup(w->wq);
}

static bool sync_cond(void *arg)
{
	return KERN_READ_ONCE(((struct sync_wait *)arg)->done);
}

int storvsc_disk_sync(struct storvsc_disk *d, struct storvsc_bio *b, uint64_t timeout_ns)
{
	if (!d || !b)
		return -EINVAL;
	struct sync_wait w = { false, 0, kern_waitq_create() };
	if (!w.wq)
		return -ENOMEM;
	void (*udone)(struct storvsc_bio *, int) = b->done;
	void *uarg = b->arg;
	b->done = sync_done;
	b->arg = &w;
	int rc = storvsc_disk_submit(d, b);
	if (rc)
		goto out;
	rc = kern_wait(w.wq, sync_cond, &w, timeout_ns ? timeout_ns : 60ull * 1000000000ull);
	if (rc) {
		/* Give up on it, unless it is finishing right now. */
		bool orphaned = false;
		struct stv_ctrl *c = NULL;
		kern_lock_acquire(stv_g.lock);
		c = d->d_ctrl;
		if (c)
			stv_ctrl_hold(c);
		kern_lock_release(stv_g.lock);
		if (c) {
			orphaned = stv_bio_orphan(c, b);
			stv_ctrl_put(c);
		}
		if (orphaned) {
			storvsc_disk_put(d);   /* the bio's reference: done() never runs */
			rc = -ETIMEDOUT;
			goto out;
		}
		/* Finished or finishing: its done() is due, wait for it. */
		while (!sync_cond(&w))
			if (kern_wait(w.wq, sync_cond, &w, 1000000000ull) == -ENODEV)
				break;
		rc = sync_cond(&w) ? w.err : -ETIMEDOUT;
		goto out;
	}
	rc = w.err;
out:
	b->done = udone;
	b->arg = uarg;
	kern_waitq_destroy(w.wq);
	return rc;
}
