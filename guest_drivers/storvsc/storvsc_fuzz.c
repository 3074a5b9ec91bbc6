/* storvsc_fuzz.c -- a channel-less storvsc controller for the completion
 * fuzzer: one disk, commands that "go out" without a ring, and the tags
 * they carry, so hostile host packets can hit live requests. */
#include <string.h>

#include "guest_drivers/storvsc/storvsc_var.h"

struct stv_ctrl *stv_fuzz_ctrl_new(uint16_t version)
{
	struct stv_ctrl *c = kern_zalloc(sizeof *c);
	if (!c)
		return NULL;
	c->refs = 1;
	c->fuzz = true;
	c->unit = 0;
	strcpy(c->name, "storvsc-fuzz");
	c->lock = kern_lock_create("storvsc-fuzz");
	c->wq = kern_waitq_create();
	c->version = version;
	bool win8 = version >= VSTOR_VERSION_WIN8;
	c->srb_size = win8 ? VSTOR_SRB_SIZE_WIN8 : VSTOR_SRB_SIZE_WIN7;
	c->pkt_size = VSTOR_PACKET_HDR_SIZE + c->srb_size;
	c->sense_size = win8 ? VSTOR_SENSE_SIZE_WIN8 : VSTOR_SENSE_SIZE_WIN7;
	c->max_xfer = 64 * 1024;
	c->nchans = 2;
	for (unsigned i = 0; i < 2; i++) {
		c->chans[i].c_ctrl = c;
		c->chans[i].c_index = i;
		c->chans[i].c_open = true;
	}
	struct storvsc_disk *d = kern_zalloc(sizeof *d);
	if (!c->lock || !c->wq || !d || stv_io_init(c)) {
		kern_free(d);
		stv_ctrl_put(c);
		return NULL;
	}
	d->d_refs = 1;
	d->d_ctrl = c;
	strcpy(d->d_name, "dafuzz");
	d->d_info.nblocks = 2048;
	d->d_info.block_size = 512;
	d->d_info.max_transfer = c->max_xfer;
	d->d_info.can_unmap = true;
	d->d_info.wce = true;
	c->disks = d;
	stv_set_state(c, STV_ST_READY);
	return c;
}

static void fz_done(struct storvsc_bio *b, int err)
{
	(void)err;
	kern_free(b->buf);
	kern_free(b);
}

int stv_fuzz_submit(struct stv_ctrl *c, unsigned op, uint64_t lba, uint32_t n, bool fua)
{
	struct storvsc_bio *b = kern_zalloc(sizeof *b);
	if (!b)
		return -ENOMEM;
	b->op = (enum storvsc_op)(op & 3);
	b->lba = lba % 2048;
	b->nblocks = n % 300 + 1;
	if (b->nblocks > 2048 - b->lba)
		b->nblocks = (uint32_t)(2048 - b->lba);
	if (b->op == STORVSC_OP_FLUSH)
		b->nblocks = 0;
	b->fua = fua;
	b->done = fz_done;
	if (b->op <= STORVSC_OP_WRITE) {
		b->buf = kern_zalloc((size_t)b->nblocks * 512);
		if (!b->buf) {
			kern_free(b);
			return -ENOMEM;
		}
	}
	struct storvsc_disk *d = c->disks;
	storvsc_disk_hold(d);
	b->b_disk = d;
	int rc = stv_bio_queue(c, b);
	if (rc) {
		storvsc_disk_put(d);
		fz_done(b, rc);
	}
	return rc;
}

uint64_t stv_fuzz_tid(struct stv_ctrl *c, unsigned i)
{
	if (!c->nslots)
		return 0;
	const struct stv_req *r = &c->slots[i % c->nslots];
	return ((uint64_t)r->r_gen << 32) | (uint64_t)(r->r_idx + 1u);
}

void stv_fuzz_packet(struct stv_ctrl *c, unsigned chan, const struct vmbus_pkt *pkt)
{
	stv_on_packet(NULL, pkt, &c->chans[chan % c->nchans]);
}

void stv_fuzz_ctrl_free(struct stv_ctrl *c)
{
	if (!c)
		return;
	kern_lock_acquire(c->lock);
	stv_set_state(c, STV_ST_DYING);
	kern_lock_release(c->lock);
	stv_io_fail_all(c, -ENODEV);
	struct storvsc_disk *d = c->disks;
	c->disks = NULL;
	storvsc_disk_put(d);
	stv_ctrl_put(c);
}
