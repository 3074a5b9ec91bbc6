/* nbd_export_io.c -- the NBD transmission phase: request checks, disk I/O (FUA, WRITE_ZEROES in chunks), completions and simple replies. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim/guest/nbd_export_var.h"

static const uint8_t zero_chunk[NBDX_ZERO_CHUNK];

/* Host errno from a disk -> the protocol's error value. */
static uint32_t nbd_errno(int err)
{
	switch (err) {
	case 0:          return 0;
	case -EPERM:
	case -EROFS:     return NBD_EPERM;
	case -ENOSPC:    return NBD_ENOSPC;
	case -EINVAL:    return NBD_EINVAL;
	case -ENOMEM:    return NBD_ENOMEM;
	case -EOVERFLOW: return NBD_EOVERFLOW;
	case -ESHUTDOWN: return NBD_ESHUTDOWN;
	default:         return NBD_EIO;
	}
}

bool nbdx_can_take_request(struct nbd_conn *c)
{
	if (c->inflight >= c->x->cfg.max_inflight)
		return false;
	/* One request of any allowed size always fits into an idle connection. */
	return c->buffered == 0 || c->buffered < c->x->cfg.max_buffered;
}

static void req_free(struct nbd_conn *c, struct nbdx_req *r)
{
	c->buffered -= r->acct;
	free(r->buf);
	free(r);
}

/* Answer r and forget it.  A READ's data goes out after the header. */
static void req_reply(struct nbd_conn *c, struct nbdx_req *r, uint32_t err)
{
	struct nbd_export *x = c->x;
	c->inflight--;
	nbdx_stat_add(x, &x->st.replies, 1);
	if (err)
		nbdx_stat_add(x, &x->st.errors, 1);
	struct nbdx_out *o = calloc(1, sizeof *o);
	if (!o) {
		req_free(c, r);
		nbdx_set_state(c, NBDC_CLOSED);
		return;
	}
	nbdx_put32(o->inl, NBD_SIMPLE_REPLY_MAGIC);
	nbdx_put32(o->inl + 4, err);
	nbdx_put64(o->inl + 8, r->cookie);
	o->inl_len = NBD_SIMPLE_REPLY_LEN;
	if (r->type == NBD_CMD_READ && !err) {
		o->data = r->buf;        /* ownership and accounting move to the output */
		o->data_len = r->len;
		o->acct = r->acct;
		r->buf = NULL;
		r->acct = 0;
		nbdx_stat_add(x, &x->st.bytes_read, r->len);
	} else if (r->type == NBD_CMD_WRITE && !err) {
		nbdx_stat_add(x, &x->st.bytes_written, r->len);
	}
	req_free(c, r);
	nbdx_queue(c, o);
}

static void req_done(void *arg, int err)
{
	struct nbdx_req *r = arg;
	struct nbd_conn *c = r->c;
	pthread_mutex_lock(&c->mu);
	r->err = err;
	r->next = NULL;
	if (c->done_tail)
		c->done_tail->next = r;
	else
		c->done_head = r;
	c->done_tail = r;
	void (*fn)(void *) = c->notify;
	void *fa = c->notify_arg;
	pthread_mutex_unlock(&c->mu);
	if (fn)
		fn(fa);
}

static bool needs_postflush(const struct nbd_conn *c, const struct nbdx_req *r)
{
	if (!(r->flags & NBD_CMD_FLAG_FUA) || !c->exp->disk.ops->flush)
		return false;
	if (r->type == NBD_CMD_WRITE)
		return !c->exp->disk.fua;
	return r->type == NBD_CMD_TRIM || r->type == NBD_CMD_WRITE_ZEROES;
}

/* Start the next disk step of r.  A rejection completes it at once. */
static void req_step(struct nbd_conn *c, struct nbdx_req *r)
{
	const struct nbd_disk *d = &c->exp->disk;
	int rc;
	if (r->st == NBDR_POSTFLUSH) {
		rc = d->ops->flush(d->ctx, req_done, r);
	} else {
		switch (r->type) {
		case NBD_CMD_READ:
			rc = d->ops->read(d->ctx, r->off, r->len, r->buf, req_done, r);
			break;
		case NBD_CMD_WRITE:
			rc = d->ops->write(d->ctx, r->off, r->len, r->buf,
					   (r->flags & NBD_CMD_FLAG_FUA) && d->fua, req_done, r);
			break;
		case NBD_CMD_FLUSH:
			rc = d->ops->flush ? d->ops->flush(d->ctx, req_done, r) : (req_done(r, 0), 0);
			break;
		case NBD_CMD_TRIM:
			rc = d->ops->trim(d->ctx, r->off, r->len, req_done, r);
			break;
		default: { /* NBD_CMD_WRITE_ZEROES */
			uint64_t left = r->len - r->pos;
			r->chunk = left > NBDX_ZERO_CHUNK ? NBDX_ZERO_CHUNK : (uint32_t)left;
			rc = d->ops->write(d->ctx, r->off + r->pos, r->chunk, zero_chunk, false,
					   req_done, r);
			break;
		}
		}
	}
	if (rc)
		req_done(r, rc);
}

/* The request's flags, range and alignment against the export: 0 or NBD_E*. */
static uint32_t req_check(const struct nbd_conn *c, const struct nbdx_req *r)
{
	const struct nbd_disk *d = &c->exp->disk;
	bool writes = r->type == NBD_CMD_WRITE || r->type == NBD_CMD_TRIM ||
		      r->type == NBD_CMD_WRITE_ZEROES;
	uint16_t allowed = NBD_CMD_FLAG_FUA;
	if (r->type == NBD_CMD_WRITE_ZEROES)
		allowed |= NBD_CMD_FLAG_NO_HOLE;
	if (r->flags & ~allowed)
		return NBD_EINVAL;
	switch (r->type) {
	case NBD_CMD_READ:
	case NBD_CMD_WRITE:
		if (r->len > c->x->cfg.max_payload)
			return NBD_EOVERFLOW;
		break;
	case NBD_CMD_FLUSH:
		return r->off || r->len ? NBD_EINVAL : 0;
	case NBD_CMD_TRIM:
		if (!d->ops->trim && !d->read_only)
			return NBD_EINVAL;
		break;
	case NBD_CMD_WRITE_ZEROES:
		break;
	default:
		return NBD_EINVAL;   /* CACHE, BLOCK_STATUS (needs structured replies), unknown */
	}
	if (writes && d->read_only)
		return NBD_EPERM;
	if (r->len == 0)
		return NBD_EINVAL;
	if (!(r->off <= d->size && r->len <= d->size - r->off))
		return writes ? NBD_ENOSPC : NBD_EINVAL;
	if (r->off % d->sector || r->len % d->sector)
		return NBD_EINVAL;
	return 0;
}

static void req_count(struct nbd_export *x, const struct nbdx_req *r)
{
	uint64_t *f = NULL;
	switch (r->type) {
	case NBD_CMD_READ:         f = &x->st.reads; break;
	case NBD_CMD_WRITE:        f = &x->st.writes; break;
	case NBD_CMD_FLUSH:        f = &x->st.flushes; break;
	case NBD_CMD_TRIM:         f = &x->st.trims; break;
	case NBD_CMD_WRITE_ZEROES: f = &x->st.zeroes; break;
	default: break;
	}
	nbdx_stat_add(x, &x->st.requests, 1);
	if (f)
		nbdx_stat_add(x, f, 1);
	if (r->flags & NBD_CMD_FLAG_FUA)
		nbdx_stat_add(x, &x->st.fua, 1);
}

/* Header and payload are in: check, then answer at once or start the I/O. */
static void req_start(struct nbd_conn *c, struct nbdx_req *r)
{
	uint32_t err = r->early_err ? r->early_err : req_check(c, r);
	req_count(c->x, r);
	if (err) {
		req_reply(c, r, err);
		return;
	}
	if (r->type == NBD_CMD_READ) {
		r->buf = malloc(r->len);
		if (!r->buf) {
			req_reply(c, r, NBD_ENOMEM);
			return;
		}
		r->acct = r->len;
		c->buffered += r->len;
	}
	r->st = NBDR_IO;
	req_step(c, r);
}

void nbdx_req_header(struct nbd_conn *c)
{
	const uint8_t *h = c->hdr;
	if (nbdx_get32(h) != NBD_REQUEST_MAGIC) {
		/* Out of step with the client: nothing after this can be parsed. */
		nbdx_set_state(c, NBDC_CLOSED);
		return;
	}
	uint16_t type = nbdx_get16(h + 6);
	uint32_t len = nbdx_get32(h + 24);
	if (type == NBD_CMD_DISC) {
		nbdx_set_state(c, NBDC_DRAINING);   /* in-flight replies still go out */
		return;
	}
	if (type == NBD_CMD_WRITE && len > c->x->cfg.max_payload) {
		/* The payload would have to be read to stay in step; refuse to. */
		nbdx_set_state(c, NBDC_CLOSED);
		return;
	}
	struct nbdx_req *r = calloc(1, sizeof *r);
	if (!r) {
		nbdx_set_state(c, NBDC_CLOSED);
		return;
	}
	r->c = c;
	r->flags = nbdx_get16(h + 4);
	r->type = type;
	r->cookie = nbdx_get64(h + 8);
	r->off = nbdx_get64(h + 16);
	r->len = len;
	c->inflight++;
	nbdx_set_state(c, NBDC_REQ_HDR);
	if (type != NBD_CMD_WRITE || len == 0) {
		req_start(c, r);
		return;
	}
	/* Keep the payload only when the write can happen; else just count it. */
	r->early_err = req_check(c, r);
	if (!r->early_err) {
		r->buf = malloc(len);
		if (!r->buf)
			r->early_err = NBD_ENOMEM;
		else
			c->buffered += r->acct = len;
	}
	r->st = NBDR_PAYLOAD;
	c->cur = r;
	nbdx_set_state(c, NBDC_REQ_PAYLOAD);
}

size_t nbdx_req_payload(struct nbd_conn *c, const uint8_t *p, size_t len)
{
	struct nbdx_req *r = c->cur;
	uint64_t want = r->len - r->pos;
	size_t n = len < want ? len : (size_t)want;
	if (r->buf)
		memcpy(r->buf + r->pos, p, n);
	r->pos += n;
	if (r->pos == r->len) {
		c->cur = NULL;
		r->pos = 0;
		nbdx_set_state(c, NBDC_REQ_HDR);
		req_start(c, r);
	}
	return n;
}

bool nbd_conn_reap(struct nbd_conn *c)
{
	pthread_mutex_lock(&c->mu);
	struct nbdx_req *list = c->done_head;
	c->done_head = c->done_tail = NULL;
	pthread_mutex_unlock(&c->mu);
	bool did = list != NULL;
	while (list) {
		struct nbdx_req *r = list;
		list = r->next;
		r->next = NULL;
		if (r->err) {
			req_reply(c, r, nbd_errno(r->err));
			continue;
		}
		if (r->st == NBDR_IO && r->type == NBD_CMD_WRITE_ZEROES) {
			r->pos += r->chunk;
			if (r->pos < r->len) {
				req_step(c, r);
				continue;
			}
		}
		if (r->st == NBDR_IO && needs_postflush(c, r)) {
			r->st = NBDR_POSTFLUSH;
			req_step(c, r);
			continue;
		}
		req_reply(c, r, 0);
	}
	if (did)
		c->paused = false;   /* room again: the caller offers the rest */
	return did;
}
