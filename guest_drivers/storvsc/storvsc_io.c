/* storvsc_io.c -- the request engine: slots with generation-tagged
 * transaction ids, bios cut into SCSI commands of at most max_transfer
 * bytes, sends as in-band / page-buffer / multi-page-buffer packets,
 * completions copied and checked (unknown tags, wrong channel, short or
 * wrong replies, lengths past the request), retries on BUSY and UNIT
 * ATTENTION, and a timer that fails I/O the host never answers.
 *
 * Locking: c->lock guards slots, queues and bios; it is never held across
 * a send or a callback.  Work is collected under the lock into a batch
 * (packets to send, bios finished, commands finished) and carried out
 * after it is dropped. */
#include <string.h>

#include "guest_drivers/storvsc/storvsc_var.h"
#include "guest_drivers/vmbus/vmbus.h"
#include "hyperv/scsi.h"
#include "hyperv/vmbus_ring.h"

#define STV_BATCH 16u
#define PAGE 4096u

struct stv_sendent {
	struct stv_req *r;
	uint32_t gen;
	struct stv_chan *ch;
	uint64_t tid;
};

struct stv_batch {
	struct stv_sendent s[STV_BATCH];
	unsigned ns;
	struct storvsc_bio *done;      /* finished bios (b_next) */
	struct stv_cmd *cmds[STV_BATCH * 4];
	unsigned ncmds;
	bool rescan;
};

static uint64_t tid_of(const struct stv_req *r)
{
	return ((uint64_t)r->r_gen << 32) | (uint64_t)(r->r_idx + 1u);
}

/* ---- bios ------------------------------------------------------------------------ */

static uint64_t bio_total(const struct storvsc_bio *b, uint32_t bs)
{
	if (b->op == STORVSC_OP_READ || b->op == STORVSC_OP_WRITE)
		return (uint64_t)b->nblocks * bs;
	return 1; /* FLUSH, UNMAP: one command */
}

static void bq_remove(struct stv_ctrl *c, struct storvsc_bio *b)
{
	struct storvsc_bio **pp = &c->bq_head, *prev = NULL;
	while (*pp && *pp != b) {
		prev = *pp;
		pp = &(*pp)->b_next;
	}
	if (!*pp)
		return;
	*pp = b->b_next;
	if (c->bq_tail == b)
		c->bq_tail = prev;
	b->b_next = NULL;
}

/* A piece of bio b ended with err.  Lock held. */
static void bio_piece_done(struct stv_ctrl *c, struct storvsc_bio *b, int err,
			   const struct stv_req *r, struct stv_batch *bt)
{
	uint32_t bs = b->b_disk ? b->b_disk->d_info.block_size : 512;
	uint64_t total = bio_total(b, bs);
	if (b->b_pending)
		b->b_pending--;
	if (r)
		b->retries += r->r_retries;
	if (err && !b->b_err) {
		b->b_err = err;
		if (r) {
			struct stv_sense sn;
			stv_sense_parse(r->r_sense, r->r_sense_len, &sn);
			b->sense_key = sn.key;
			b->asc = sn.asc;
			b->ascq = sn.ascq;
			b->srb_status = r->r_srb_status;
			b->scsi_status = r->r_scsi_status;
		}
		/* Issue nothing more of it. */
		if (b->b_issued < total) {
			bq_remove(c, b);
			b->b_issued = total;
		}
	}
	if (b->b_issued >= total && b->b_pending == 0) {
		if (err || b->b_err)
			c->st.io_errors++;
		b->b_next = bt->done;
		bt->done = b;
	}
}

/* ---- slots ----------------------------------------------------------------------- */

static void slot_release(struct stv_ctrl *c, struct stv_req *r)
{
	if (r->r_bounce.va && r->r_bounce.npages * PAGE > STV_BOUNCE_CACHE_MAX)
		kern_dma_free(&r->r_bounce);
	r->r_state = STV_RQ_FREE;
	r->r_bio = NULL;
	r->r_cmd = NULL;
	r->r_ubuf = NULL;
	r->r_ext = NULL;
	r->r_next = c->free;
	c->free = r;
}

/* The slot's command finished with the result in r: hand it to its owner
 * and free the slot.  Lock held. */
static void slot_finish(struct stv_ctrl *c, struct stv_req *r, int xerr, struct stv_batch *bt)
{
	if (r->r_data_in == VSTOR_DATA_READ && !xerr && r->r_ubuf && r->r_bounce.va) {
		uint32_t n = r->r_xfer < r->r_len ? r->r_xfer : r->r_len;
		memcpy(r->r_ubuf, r->r_bounce.va, n);
	}
	if (r->r_cmd) {
		struct stv_cmd *cmd = r->r_cmd;
		cmd->err = xerr;
		cmd->srb_status = r->r_srb_status;
		cmd->scsi_status = r->r_scsi_status;
		cmd->sense_len = r->r_sense_len;
		memcpy(cmd->sense, r->r_sense, sizeof cmd->sense);
		cmd->xfer = xerr ? 0 : r->r_xfer;
		cmd->done = true;
		if (bt->ncmds < sizeof bt->cmds / sizeof bt->cmds[0])
			bt->cmds[bt->ncmds++] = cmd;
		else
			kern_wakeup(cmd->wq);
	} else if (r->r_bio) {
		struct storvsc_bio *b = r->r_bio;
		int err = xerr;
		if (!err) {
			struct stv_sense sn;
			stv_sense_parse(r->r_sense, r->r_sense_len, &sn);
			err = stv_io_errno(r->r_srb_status, r->r_scsi_status, &sn);
			/* A READ or WRITE must move every byte.  Other data-out
			 * commands (UNMAP's parameter list) carry no payload the
			 * caller could miss: a residual there is not an error. */
			if (!err && r->r_len && r->r_xfer < r->r_len &&
			    (b->op == STORVSC_OP_READ || b->op == STORVSC_OP_WRITE))
				err = -EIO;
		}
		bio_piece_done(c, b, err, r, bt);
	}
	slot_release(c, r);
}

static struct stv_chan *pick_chan(struct stv_ctrl *c)
{
	if (c->nchans <= 1)
		return &c->chans[0];
	if (stv_g.cfg.policy == STORVSC_CHAN_BY_CPU) {
		int cpu = kern_curcpu();
		for (unsigned i = 0; i < c->nchans; i++)
			if (c->chans[i].c_open && c->chans[i].c_cpu == cpu)
				return &c->chans[i];
	}
	for (unsigned n = 0; n < c->nchans; n++) {
		struct stv_chan *ch = &c->chans[c->rr++ % c->nchans];
		if (ch->c_open)
			return ch;
	}
	return &c->chans[0];
}

static void timer_want(struct stv_ctrl *c, uint64_t due)
{
	if (c->timer_armed && c->timer_due <= due)
		return;
	c->timer_armed = true;
	c->timer_due = due;
	uint64_t now = kern_uptime_ns();
	kern_timer_arm(c->timer, due > now ? due - now : 0);
}

/* Put slot r (filled) on the send batch.  Lock held. */
static void slot_queue_send(struct stv_ctrl *c, struct stv_req *r, struct stv_batch *bt)
{
	r->r_gen++;
	if (r->r_gen == 0)
		r->r_gen = 1;
	r->r_chan = pick_chan(c);
	r->r_state = STV_RQ_INFLIGHT;
	r->r_deadline = kern_uptime_ns() + stv_g.cfg.io_timeout_ns;
	timer_want(c, r->r_deadline);
	struct stv_sendent *e = &bt->s[bt->ns++];
	e->r = r;
	e->gen = r->r_gen;
	e->ch = r->r_chan;
	e->tid = tid_of(r);
}

/* Make the slot's data pages ready: 0 or -ENOMEM.  Lock held. */
static int slot_data(struct stv_req *r)
{
	if (!r->r_len || r->r_ext)
		return 0;
	size_t need = (r->r_len + PAGE - 1) / PAGE;
	if (r->r_bounce.va && r->r_bounce.npages < need)
		kern_dma_free(&r->r_bounce);
	if (!r->r_bounce.va) {
		memset(&r->r_bounce, 0, sizeof r->r_bounce);
		if (kern_dma_alloc(need, &r->r_bounce)) {
			memset(&r->r_bounce, 0, sizeof r->r_bounce);
			return -ENOMEM;
		}
	}
	if (r->r_data_in == VSTOR_DATA_WRITE && r->r_ubuf)
		memcpy(r->r_bounce.va, r->r_ubuf, r->r_len);
	return 0;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void put_be64(uint8_t *p, uint64_t v)
{
	put_be32(p, (uint32_t)(v >> 32));
	put_be32(p + 4, (uint32_t)v);
}

/* Fill slot r with the next piece of bio b.  Lock held. */
static void bio_fill(struct stv_ctrl *c, struct storvsc_bio *b, struct stv_req *r)
{
	struct storvsc_disk *d = b->b_disk;
	uint32_t bs = d->d_info.block_size;
	r->r_bio = b;
	r->r_cmd = NULL;
	r->r_path = d->d_info.path;
	r->r_target = d->d_info.target;
	r->r_lun = d->d_info.lun;
	r->r_retries = 0;
	r->r_ext = NULL;
	r->r_ubuf = NULL;
	memset(r->r_cdb, 0, sizeof r->r_cdb);
	r->r_bio_off = b->b_issued;
	switch (b->op) {
	case STORVSC_OP_READ:
	case STORVSC_OP_WRITE: {
		uint64_t total = (uint64_t)b->nblocks * bs;
		uint64_t left = total - b->b_issued;
		uint32_t maxp = (c->max_xfer / bs) * bs;
		uint32_t len = left < maxp ? (uint32_t)left : maxp;
		uint64_t lba = b->lba + b->b_issued / bs;
		uint32_t n = len / bs;
		bool wr = b->op == STORVSC_OP_WRITE;
		if (lba + n - 1 <= 0xFFFFFFFFull && n <= 0xFFFFu) {
			r->r_cdb[0] = wr ? SCSI_OP_WRITE_10 : SCSI_OP_READ_10;
			put_be32(r->r_cdb + SCSI_CDB10_OFF_LBA, (uint32_t)lba);
			r->r_cdb[SCSI_CDB10_OFF_LEN] = (uint8_t)(n >> 8);
			r->r_cdb[SCSI_CDB10_OFF_LEN + 1] = (uint8_t)n;
			r->r_cdb_len = SCSI_CDB10_LEN;
		} else {
			r->r_cdb[0] = wr ? SCSI_OP_WRITE_16 : SCSI_OP_READ_16;
			put_be64(r->r_cdb + SCSI_CDB16_OFF_LBA, lba);
			put_be32(r->r_cdb + SCSI_CDB16_OFF_LEN, n);
			r->r_cdb_len = SCSI_CDB16_LEN;
		}
		if (wr && b->fua)
			r->r_cdb[1] |= SCSI_CDB_FLAG_FUA;
		r->r_data_in = wr ? VSTOR_DATA_WRITE : VSTOR_DATA_READ;
		r->r_len = len;
		if (b->dma) {
			r->r_ext = b->dma;
			r->r_ext_off = b->dma_off + (size_t)b->b_issued;
		} else {
			r->r_ubuf = (uint8_t *)b->buf + b->b_issued;
		}
		b->b_issued += len;
		break;
	}
	case STORVSC_OP_FLUSH:
		r->r_cdb[0] = SCSI_OP_SYNCHRONIZE_CACHE_10;
		r->r_cdb_len = SCSI_CDB10_LEN;
		r->r_data_in = VSTOR_DATA_UNKNOWN;
		r->r_len = 0;
		b->b_issued = 1;
		break;
	case STORVSC_OP_UNMAP: {
		/* One block descriptor: the count fits its 32 bits. */
		static const uint32_t plen = SCSI_UNMAP_HDR_SIZE + SCSI_UNMAP_DESC_SIZE;
		uint8_t *p = r->r_cmd_param;
		memset(p, 0, sizeof r->r_cmd_param);
		p[1] = (uint8_t)(plen - 2);
		p[3] = SCSI_UNMAP_DESC_SIZE;
		put_be64(p + 8, b->lba);
		put_be32(p + 16, b->nblocks);
		r->r_cdb[0] = SCSI_OP_UNMAP;
		r->r_cdb[SCSI_UNMAP_OFF_PLEN] = 0;
		r->r_cdb[SCSI_UNMAP_OFF_PLEN + 1] = (uint8_t)plen;
		r->r_cdb_len = SCSI_CDB10_LEN;
		r->r_data_in = VSTOR_DATA_WRITE;
		r->r_len = plen;
		r->r_ubuf = p;
		b->b_issued = 1;
		break;
	}
	}
	b->b_pending++;
}

static void cmd_fill(struct stv_cmd *cmd, struct stv_req *r)
{
	r->r_cmd = cmd;
	r->r_bio = NULL;
	r->r_path = cmd->path;
	r->r_target = cmd->target;
	r->r_lun = cmd->lun;
	r->r_retries = 0;
	memset(r->r_cdb, 0, sizeof r->r_cdb);
	memcpy(r->r_cdb, cmd->cdb, cmd->cdb_len);
	r->r_cdb_len = cmd->cdb_len;
	r->r_data_in = cmd->len ? cmd->data_in : VSTOR_DATA_UNKNOWN;
	r->r_len = cmd->len;
	r->r_ubuf = cmd->buf;
	r->r_ext = NULL;
}

/* Move queued commands and bios into free slots and send; finish what
 * completed.  Called with c->lock held; returns with it released.  The
 * caller holds a reference on c. */
static void stv_kick(struct stv_ctrl *c, struct stv_batch *bt)
{
	for (;;) {
		while (bt->ns < STV_BATCH && c->free && c->state != STV_ST_DYING &&
		       (c->cq_head || c->bq_head)) {
			struct stv_req *r = c->free;
			c->free = r->r_next;
			r->r_next = NULL;
			if (c->cq_head) {
				struct stv_cmd *cmd = c->cq_head;
				c->cq_head = cmd->next;
				cmd->next = NULL;
				cmd_fill(cmd, r);
			} else {
				struct storvsc_bio *b = c->bq_head;
				bio_fill(c, b, r);
				if (b->b_issued >= bio_total(b, b->b_disk->d_info.block_size)) {
					c->bq_head = b->b_next;
					if (!c->bq_head)
						c->bq_tail = NULL;
					b->b_next = NULL;
				}
			}
			if (slot_data(r)) {
				r->r_srb_status = 0;
				r->r_scsi_status = 0;
				r->r_sense_len = 0;
				slot_finish(c, r, -ENOMEM, bt);
				continue;
			}
			slot_queue_send(c, r, bt);
		}
		if (bt->ns == 0)
			break;
		unsigned ns = bt->ns;
		struct stv_sendent s[STV_BATCH];
		memcpy(s, bt->s, ns * sizeof s[0]);
		bt->ns = 0;
		int rc[STV_BATCH];
		/* Sent without the lock: no completion can name the slot's
		 * new tid before it is on the wire, so its fields hold still. */
		kern_lock_release(c->lock);
		for (unsigned i = 0; i < ns; i++) {
			rc[i] = stv_send_req(c, s[i].r, s[i].ch, s[i].tid);
			if (!rc[i])
				STV_STAT_INC(c, chan_ios[s[i].ch->c_index]);
		}
		kern_lock_acquire(c->lock);
		for (unsigned i = 0; i < ns; i++) {
			struct stv_req *r = s[i].r;
			if (!rc[i]) {
				c->st.ios++;
				continue;
			}
			/* Not sent: fail it unless something else finished it
			 * meanwhile (detach, timeout). */
			if (r->r_state == STV_RQ_INFLIGHT && r->r_gen == s[i].gen) {
				r->r_srb_status = 0;
				r->r_scsi_status = 0;
				r->r_sense_len = 0;
				slot_finish(c, r, rc[i] == -ENODEV || rc[i] == -ENOTCONN ? -ENODEV : -EIO, bt);
			}
		}
	}
	bool rescan = bt->rescan;
	bt->rescan = false;
	kern_lock_release(c->lock);
	for (unsigned i = 0; i < bt->ncmds; i++)
		kern_wakeup(bt->cmds[i]->wq);
	bt->ncmds = 0;
	while (bt->done) {
		struct storvsc_bio *b = bt->done;
		bt->done = b->b_next;
		b->b_next = NULL;
		struct storvsc_disk *d = b->b_disk;
		if (b->done)
			b->done(b, b->b_err);   /* may free or resubmit b */
		storvsc_disk_put(d);          /* the bio's reference */
	}
	if (rescan)
		stv_request_rescan(c);
}

/* Build the VSTOR packet of slot r and send it on ch: 0 or the send's
 * error.  No lock held. */
int stv_send_req(struct stv_ctrl *c, struct stv_req *r, struct stv_chan *ch, uint64_t tid)
{
	struct vstor_packet p;
	memset(&p, 0, sizeof p);
	p.operation = VSTOR_OP_EXECUTE_SRB;
	p.flags = VSTOR_FLAG_REQUEST_COMPLETION;
	struct vstor_srb *s = &p.u.srb;
	s->length = (uint16_t)c->srb_size;
	s->port_number = (uint8_t)c->unit;
	s->path_id = r->r_path;
	s->target_id = r->r_target;
	s->lun = r->r_lun;
	s->cdb_length = r->r_cdb_len;
	s->sense_info_length = c->sense_size;
	s->data_in = r->r_data_in;
	s->data_transfer_length = r->r_len;
	memcpy(s->u.cdb, r->r_cdb, VSTOR_CDB_MAX);
	if (c->srb_size >= VSTOR_SRB_SIZE_WIN8) {
		s->queue_tag = VSTOR_QUEUE_TAG_UNTAGGED;
		s->srb_flags = VSTOR_SRB_FLAG_DISABLE_SYNCH_TRANSFER |
			       (r->r_data_in == VSTOR_DATA_READ ? VSTOR_SRB_FLAG_DATA_IN :
				r->r_data_in == VSTOR_DATA_WRITE ? VSTOR_SRB_FLAG_DATA_OUT : 0);
		s->time_out_value = 60;
	}
	if (!ch->c_ch)
		return c->fuzz ? 0 : -ENOTCONN;
	if (!r->r_len)
		return vmbus_chan_send(ch->c_ch, &p, c->pkt_size, tid, true);
	uint64_t gpa = r->r_ext ? r->r_ext->gpa + r->r_ext_off : r->r_bounce.gpa;
	uint32_t off = (uint32_t)(gpa & (PAGE - 1));
	uint32_t npfn = (uint32_t)(((uint64_t)off + r->r_len + PAGE - 1) / PAGE);
	if (npfn == 1) {
		struct vmbus_gpa pb = { .len = r->r_len, .offset = off, .pfn = gpa / PAGE };
		return vmbus_chan_send_pagebuf(ch->c_ch, &pb, 1, &p, c->pkt_size, tid);
	}
	uint64_t pfn[STV_MAX_XFER_CAP / PAGE + 1];
	if (npfn > sizeof pfn / sizeof pfn[0])
		return -EINVAL;
	for (uint32_t i = 0; i < npfn; i++)
		pfn[i] = gpa / PAGE + i;
	return vmbus_chan_send_mpb(ch->c_ch, off, r->r_len, pfn, npfn, &p, c->pkt_size, tid);
}

/* ---- completions --------------------------------------------------------------------- */

static void drop(struct stv_ctrl *c, enum storvsc_drop why, uint64_t tid)
{
	STV_STAT_INC(c, drop[why]);
	kern_log(KERN_DEBUG, "storvsc", "%s: dropped host packet tid %#llx (reason %d)", c->name,
		 (unsigned long long)tid, why);
}

/* A host-initiated request (in-band, tid 0). */
static void host_request(struct stv_ctrl *c, const struct vmbus_pkt *pkt)
{
	if (pkt->payload_len < VSTOR_PACKET_HDR_SIZE) {
		drop(c, STORVSC_DROP_SHORT, pkt->trans_id);
		return;
	}
	uint32_t op;
	memcpy(&op, pkt->payload, sizeof op);
	if (op == VSTOR_OP_ENUMERATE_BUS) {
		STV_STAT_INC(c, enumerate_bus);
	} else if (op == VSTOR_OP_REMOVE_DEVICE) {
		STV_STAT_INC(c, remove_device);
	} else {
		drop(c, STORVSC_DROP_BAD_OP, pkt->trans_id);
		return;
	}
	kern_log(KERN_INFO, "storvsc", "%s: host asks for a bus rescan (op %u)", c->name, op);
	stv_request_rescan(c);
}

static void completion(struct stv_ctrl *c, struct stv_chan *ch, const struct vmbus_pkt *pkt)
{
	uint64_t tid = pkt->trans_id;
	uint32_t idx = (uint32_t)tid;
	if (idx == 0) {
		/* Handshake replies carry tid (seq << 32); tid 0 is never ours. */
		if (tid != 0 && ch->c_index == 0 && c->init_tid == tid) {
			stv_init_reply(ch, pkt->payload, pkt->payload_len);
			return;
		}
		drop(c, STORVSC_DROP_UNKNOWN_TAG, tid);
		return;
	}
	struct stv_batch bt;
	memset(&bt, 0, sizeof bt);
	kern_lock_acquire(c->lock);
	struct stv_req *r = idx <= c->nslots ? &c->slots[idx - 1] : NULL;
	if (!r || (r->r_state != STV_RQ_INFLIGHT && r->r_state != STV_RQ_ZOMBIE) ||
	    r->r_gen != (uint32_t)(tid >> 32)) {
		kern_lock_release(c->lock);
		drop(c, STORVSC_DROP_UNKNOWN_TAG, tid);
		return;
	}
	if (r->r_chan != ch) {
		kern_lock_release(c->lock);
		drop(c, STORVSC_DROP_WRONG_CHAN, tid);
		return;
	}
	if (r->r_state == STV_RQ_ZOMBIE) {
		/* Its owner heard -ETIMEDOUT long ago; the pages are free now. */
		c->st.late_completions++;
		r->r_bio = NULL;
		r->r_cmd = NULL;
		slot_release(c, r);
		kern_lock_release(c->lock);
		return;
	}
	/* Copy, then check: the payload is the bus driver's private copy,
	 * but it is the host's bytes. */
	struct vstor_packet p;
	memset(&p, 0, sizeof p);
	uint32_t n = pkt->payload_len < sizeof p ? pkt->payload_len : (uint32_t)sizeof p;
	memcpy(&p, pkt->payload, n);
	r->r_srb_status = 0;
	r->r_scsi_status = 0;
	r->r_sense_len = 0;
	r->r_xfer = 0;
	if (n < VSTOR_PACKET_HDR_SIZE + VSTOR_SRB_SIZE_WIN7) {
		/* Too short to hold an SRB: that I/O fails, nothing else. */
		c->st.drop[STORVSC_DROP_SHORT]++;
		slot_finish(c, r, -EIO, &bt);
		stv_kick(c, &bt);
		return;
	}
	if (p.operation != VSTOR_OP_COMPLETE_IO) {
		c->st.bad_op_io++;
		slot_finish(c, r, -EIO, &bt);
		stv_kick(c, &bt);
		return;
	}
	const struct vstor_srb *s = &p.u.srb;
	r->r_vstatus = p.status;
	r->r_srb_status = s->srb_status;
	r->r_scsi_status = s->scsi_status;
	r->r_xfer = s->data_transfer_length;
	if (r->r_xfer > r->r_len) {
		c->st.clamp_xfer++;
		r->r_xfer = r->r_len;
	}
	uint32_t sl = s->sense_info_length;
	if (sl > c->sense_size || sl > VSTOR_SENSE_SIZE_WIN8) {
		c->st.clamp_sense++;
		sl = c->sense_size;
	}
	/* Sense is only meaningful with AUTOSENSE_VALID (or a CHECK CONDITION
	 * from a host that forgets the flag). */
	if (!(s->srb_status & VSTOR_SRB_STATUS_AUTOSENSE_VALID) &&
	    s->scsi_status != SCSI_STATUS_CHECK_CONDITION)
		sl = 0;
	r->r_sense_len = (uint8_t)sl;
	memset(r->r_sense, 0, sizeof r->r_sense);
	memcpy(r->r_sense, s->u.sense, sl);
	struct stv_sense sn;
	stv_sense_parse(r->r_sense, sl, &sn);
	bool rescan;
	enum stv_verdict v = stv_verdict(r->r_srb_status, r->r_scsi_status, &sn, &rescan);
	/* Only a known disk's I/O says something changed: a scan command
	 * meeting an empty slot is what scanning is for. */
	if (rescan && r->r_bio)
		bt.rescan = true;
	if (v != STV_DONE && r->r_retries < stv_g.cfg.busy_retries) {
		r->r_retries++;
		c->st.retries++;
		if (v == STV_RETRY_NOW) {
			slot_queue_send(c, r, &bt);
		} else {
			r->r_state = STV_RQ_RETRY;
			r->r_retry_at = kern_uptime_ns() + stv_g.cfg.busy_delay_ns;
			timer_want(c, r->r_retry_at);
		}
		stv_kick(c, &bt);
		return;
	}
	slot_finish(c, r, 0, &bt);
	stv_kick(c, &bt);
}

void stv_on_packet(struct vmbus_channel *vch, const struct vmbus_pkt *pkt, void *arg)
{
	(void)vch;
	struct stv_chan *ch = arg;
	struct stv_ctrl *c = ch->c_ctrl;
	if (pkt->type == VMBUS_PKT_COMP) {
		completion(c, ch, pkt);
	} else if (pkt->type == VMBUS_PKT_DATA_INBAND) {
		if (pkt->trans_id != 0) {
			drop(c, STORVSC_DROP_BAD_OP, pkt->trans_id);
			return;
		}
		host_request(c, pkt);
	} else {
		drop(c, STORVSC_DROP_PKT_TYPE, pkt->trans_id);
	}
}

/* ---- timer: retries and timeouts ------------------------------------------------------ */

static void stv_timer_fn(void *arg)
{
	struct stv_ctrl *c = arg;
	struct stv_batch bt;
	memset(&bt, 0, sizeof bt);
	kern_lock_acquire(c->lock);
	c->timer_armed = false;
	if (c->state == STV_ST_DYING) {
		kern_lock_release(c->lock);
		return;
	}
	uint64_t now = kern_uptime_ns(), next = UINT64_MAX;
	for (uint32_t i = 0; i < c->nslots; i++) {
		struct stv_req *r = &c->slots[i];
		if (r->r_state == STV_RQ_INFLIGHT && r->r_deadline <= now) {
			/* The host never answered: the owner hears -ETIMEDOUT, the
			 * slot (and its pages, which the host may still write)
			 * waits for a late completion or detach. */
			c->st.timeouts++;
			kern_log(KERN_WARN, "storvsc", "%s: command %#x timed out", c->name, r->r_cdb[0]);
			struct storvsc_bio *b = r->r_bio;
			struct stv_cmd *cmd = r->r_cmd;
			r->r_state = STV_RQ_ZOMBIE;
			r->r_bio = NULL;
			r->r_cmd = NULL;
			if (b)
				bio_piece_done(c, b, -ETIMEDOUT, NULL, &bt);
			if (cmd) {
				cmd->err = -ETIMEDOUT;
				cmd->done = true;
				if (bt.ncmds < sizeof bt.cmds / sizeof bt.cmds[0])
					bt.cmds[bt.ncmds++] = cmd;
				else
					kern_wakeup(cmd->wq);
			}
		} else if (r->r_state == STV_RQ_RETRY && r->r_retry_at <= now && bt.ns < STV_BATCH) {
			slot_queue_send(c, r, &bt);
		}
		if (r->r_state == STV_RQ_INFLIGHT && r->r_deadline < next)
			next = r->r_deadline;
		if (r->r_state == STV_RQ_RETRY && (r->r_retry_at < next))
			next = r->r_retry_at > now ? r->r_retry_at : now;
	}
	if (next != UINT64_MAX)
		timer_want(c, next);
	stv_ctrl_hold(c);
	stv_kick(c, &bt);
	stv_ctrl_put(c);
}

/* ---- set-up, teardown, internal commands -------------------------------------------------- */

int stv_io_init(struct stv_ctrl *c)
{
	uint32_t qd = stv_g.cfg.queue_depth;
	c->nslots = qd * c->nchans;
	if (c->nslots > 4096u)
		c->nslots = 4096u;
	c->slots = kern_zalloc(sizeof *c->slots * c->nslots);
	if (!c->slots)
		return -ENOMEM;
	c->timer = kern_timer_create(stv_timer_fn, c);
	if (!c->timer) {
		kern_free(c->slots);
		c->slots = NULL;
		return -ENOMEM;
	}
	for (uint32_t i = c->nslots; i-- > 0;) {
		c->slots[i].r_idx = i;
		c->slots[i].r_state = STV_RQ_FREE;
		c->slots[i].r_next = c->free;
		c->free = &c->slots[i];
	}
	return 0;
}

void stv_io_fini(struct stv_ctrl *c)
{
	kern_timer_destroy(c->timer);
	c->timer = NULL;
	for (uint32_t i = 0; c->slots && i < c->nslots; i++)
		kern_dma_free(&c->slots[i].r_bounce);
	kern_free(c->slots);
	c->slots = NULL;
	c->nslots = 0;
	c->free = NULL;
}

void stv_io_fail_all(struct stv_ctrl *c, int err)
{
	struct stv_batch bt;
	memset(&bt, 0, sizeof bt);
	kern_lock_acquire(c->lock);
	while (c->cq_head) {
		struct stv_cmd *cmd = c->cq_head;
		c->cq_head = cmd->next;
		cmd->next = NULL;
		cmd->err = err;
		cmd->done = true;
		kern_wakeup(cmd->wq);
	}
	while (c->bq_head) {
		struct storvsc_bio *b = c->bq_head;
		c->bq_head = b->b_next;
		b->b_next = NULL;
		b->b_issued = bio_total(b, b->b_disk->d_info.block_size);
		if (!b->b_err)
			b->b_err = err;
		if (b->b_pending == 0) {
			b->b_next = bt.done;
			bt.done = b;
		}
	}
	c->bq_tail = NULL;
	for (uint32_t i = 0; i < c->nslots; i++) {
		struct stv_req *r = &c->slots[i];
		if (r->r_state == STV_RQ_INFLIGHT || r->r_state == STV_RQ_RETRY) {
			r->r_srb_status = 0;
			r->r_scsi_status = 0;
			r->r_sense_len = 0;
			slot_finish(c, r, err, &bt);
		} else if (r->r_state == STV_RQ_ZOMBIE) {
			slot_release(c, r);
		}
	}
	stv_kick(c, &bt);
}

static bool cmd_done(void *arg)
{
	return KERN_READ_ONCE(((struct stv_cmd *)arg)->done);
}

int stv_cmd_run(struct stv_ctrl *c, struct stv_cmd *cmd)
{
	cmd->done = false;
	cmd->err = 0;
	cmd->next = NULL;
	cmd->wq = kern_waitq_create();
	if (!cmd->wq)
		return -ENOMEM;
	struct stv_batch bt;
	memset(&bt, 0, sizeof bt);
	stv_ctrl_hold(c);
	kern_lock_acquire(c->lock);
	if (c->state == STV_ST_DYING) {
		kern_lock_release(c->lock);
		stv_ctrl_put(c);
		kern_waitq_destroy(cmd->wq);
		return -ENODEV;
	}
	struct stv_cmd **pp = &c->cq_head;
	while (*pp)
		pp = &(*pp)->next;
	*pp = cmd;
	stv_kick(c, &bt);
	/* The driver's own timer ends every command; the wait's deadline only
	 * guards against a runtime that stops. */
	uint64_t limit = stv_g.cfg.io_timeout_ns * (stv_g.cfg.busy_retries + 2u);
	int rc = kern_wait(cmd->wq, cmd_done, cmd, limit);
	if (rc) {
		/* Orphan it: whatever comes back later is ignored. */
		kern_lock_acquire(c->lock);
		if (!cmd->done) {
			struct stv_cmd **q = &c->cq_head;
			while (*q && *q != cmd)
				q = &(*q)->next;
			if (*q)
				*q = cmd->next;
			for (uint32_t i = 0; i < c->nslots; i++)
				if (c->slots[i].r_cmd == cmd) {
					c->slots[i].r_cmd = NULL;
					c->slots[i].r_ubuf = NULL;
				}
			cmd->err = rc;
			cmd->done = true;
		}
		kern_lock_release(c->lock);
	}
	kern_waitq_destroy(cmd->wq);
	cmd->wq = NULL;
	stv_ctrl_put(c);
	return 0;
}

/* ---- bios from the disk layer ---------------------------------------------------------------- */

int stv_bio_queue(struct stv_ctrl *c, struct storvsc_bio *b)
{
	struct stv_batch bt;
	memset(&bt, 0, sizeof bt);
	kern_lock_acquire(c->lock);
	if (c->state == STV_ST_DYING) {
		kern_lock_release(c->lock);
		return -ENODEV;
	}
	b->b_issued = 0;
	b->b_pending = 0;
	b->b_err = 0;
	b->b_next = NULL;
	if (c->bq_tail)
		c->bq_tail->b_next = b;
	else
		c->bq_head = b;
	c->bq_tail = b;
	stv_kick(c, &bt);
	return 0;
}

/* Forget bio b (its waiter gave up): queued pieces are dropped, pieces in
 * flight complete into nothing.  True when b was still pending (its done()
 * will never run); false when it finished or is finishing now. */
bool stv_bio_orphan(struct stv_ctrl *c, struct storvsc_bio *b)
{
	kern_lock_acquire(c->lock);
	bool pending = b->b_pending > 0 || b->b_issued < bio_total(b, b->b_disk->d_info.block_size);
	if (pending) {
		bq_remove(c, b);
		for (uint32_t i = 0; i < c->nslots; i++)
			if (c->slots[i].r_bio == b) {
				c->slots[i].r_bio = NULL;
				c->slots[i].r_ubuf = NULL;
			}
	}
	kern_lock_release(c->lock);
	return pending;
}

