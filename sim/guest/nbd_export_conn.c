/* nbd_export_conn.c -- one NBD connection without I/O: greeting, option haggling, the input state machine and the output queue. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/guest/nbd_export_var.h"

static const char *const state_names[] = {
	[NBDC_CLIENT_FLAGS] = "client-flags", [NBDC_OPT_HDR] = "opt-hdr",
	[NBDC_OPT_DATA] = "opt-data", [NBDC_REQ_HDR] = "req-hdr",
	[NBDC_REQ_PAYLOAD] = "req-payload", [NBDC_DRAINING] = "draining",
	[NBDC_CLOSED] = "closed",
};

const char *nbd_conn_state_name(const struct nbd_conn *c)
{
	return state_names[c->state];
}

void nbdx_stat_add(struct nbd_export *x, uint64_t *field, uint64_t n)
{
	pthread_mutex_lock(&x->st_mu);
	*field += n;
	pthread_mutex_unlock(&x->st_mu);
}

/* The one setter: a hard close counts, and nothing leaves a closed state. */
void nbdx_set_state(struct nbd_conn *c, enum nbdx_conn_state s)
{
	if (c->state == NBDC_CLOSED || (c->state == NBDC_DRAINING && s != NBDC_CLOSED))
		return;
	if (s == NBDC_CLOSED)
		nbdx_stat_add(c->x, &c->x->st.hard_closes, 1);
	if (c->cur && (s == NBDC_CLOSED || s == NBDC_DRAINING)) {
		/* A write whose payload will never arrive: forget it. */
		c->buffered -= c->cur->acct;
		free(c->cur->buf);
		free(c->cur);
		c->cur = NULL;
		c->inflight--;
	}
	c->state = s;
	switch (s) {
	case NBDC_CLIENT_FLAGS: c->hdr_need = 4; break;
	case NBDC_OPT_HDR:      c->hdr_need = NBD_OPT_HDR_LEN; break;
	case NBDC_REQ_HDR:      c->hdr_need = NBD_REQUEST_LEN; break;
	default:                c->hdr_need = 0; break;
	}
	c->hdr_have = 0;
}

struct nbdx_out *nbdx_out_new(const void *inl, size_t inl_len, const void *data, size_t data_len)
{
	struct nbdx_out *o = calloc(1, sizeof *o);
	if (!o || inl_len > sizeof o->inl)
		goto fail;
	if (inl_len)
		memcpy(o->inl, inl, inl_len);
	o->inl_len = inl_len;
	if (data_len) {
		o->data = malloc(data_len);
		if (!o->data)
			goto fail;
		memcpy(o->data, data, data_len);
		o->data_len = data_len;
	}
	return o;
fail:
	free(o);
	return NULL;
}

void nbdx_queue(struct nbd_conn *c, struct nbdx_out *o)
{
	if (!o) {
		/* A reply we cannot build leaves the client waiting forever: close. */
		nbdx_set_state(c, NBDC_CLOSED);
		return;
	}
	if (c->state == NBDC_CLOSED) {
		c->buffered -= o->acct;
		free(o->data);
		free(o);
		return;
	}
	if (c->out_tail)
		c->out_tail->next = o;
	else
		c->out_head = o;
	c->out_tail = o;
}

static void out_free_all(struct nbd_conn *c)
{
	while (c->out_head) {
		struct nbdx_out *o = c->out_head;
		c->out_head = o->next;
		c->buffered -= o->acct;
		free(o->data);
		free(o);
	}
	c->out_tail = NULL;
}

uint16_t nbdx_tflags(const struct nbd_disk *d)
{
	uint16_t f = NBD_FLAG_HAS_FLAGS | NBD_FLAG_SEND_FLUSH | NBD_FLAG_SEND_FUA |
		     NBD_FLAG_SEND_WRITE_ZEROES;
	if (d->read_only)
		f |= NBD_FLAG_READ_ONLY;
	if (d->ops->trim && !d->read_only)
		f |= NBD_FLAG_SEND_TRIM;
	return f;
}

struct nbd_conn *nbd_conn_create(struct nbd_export *x)
{
	struct nbd_conn *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->x = x;
	pthread_mutex_init(&c->mu, NULL);
	uint8_t g[NBD_GREETING_LEN];
	nbdx_put64(g, NBD_MAGIC);
	nbdx_put64(g + 8, NBD_OPTS_MAGIC);
	nbdx_put16(g + 16, NBD_FLAG_FIXED_NEWSTYLE | NBD_FLAG_NO_ZEROES);
	struct nbdx_out *o = nbdx_out_new(g, sizeof g, NULL, 0);
	if (!o) {
		pthread_mutex_destroy(&c->mu);
		free(c);
		return NULL;
	}
	nbdx_queue(c, o);
	nbdx_set_state(c, NBDC_CLIENT_FLAGS);
	nbdx_stat_add(x, &x->st.conns, 1);
	return c;
}

void nbd_conn_destroy(struct nbd_conn *c)
{
	if (!c)
		return;
	if (c->cur) {
		c->buffered -= c->cur->acct;
		free(c->cur->buf);
		free(c->cur);
	}
	out_free_all(c);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

void nbd_conn_set_notify(struct nbd_conn *c, void (*fn)(void *arg), void *arg)
{
	c->notify = fn;
	c->notify_arg = arg;
}

/* ---- option haggling ------------------------------------------------------ */

static void opt_reply(struct nbd_conn *c, uint32_t type, const void *data, size_t len)
{
	uint8_t h[NBD_REP_HDR_LEN];
	nbdx_put64(h, NBD_REP_MAGIC);
	nbdx_put32(h + 8, c->opt);
	nbdx_put32(h + 12, type);
	nbdx_put32(h + 16, (uint32_t)len);
	if (type & NBD_REP_ERR_BIT)
		nbdx_stat_add(c->x, &c->x->st.opt_errors, 1);
	nbdx_queue(c, nbdx_out_new(h, sizeof h, data, len));
}

/* The export a name asks for; "" is the first one. */
static const struct nbdx_entry *find_export(const struct nbd_export *x, const uint8_t *name, uint32_t len)
{
	if (len == 0)
		return x->ndisks ? &x->disk[0] : NULL;
	for (unsigned i = 0; i < x->ndisks; i++)
		if (strlen(x->disk[i].name) == len && !memcmp(x->disk[i].name, name, len))
			return &x->disk[i];
	return NULL;
}

static void enter_transmission(struct nbd_conn *c, const struct nbdx_entry *e)
{
	c->exp = e;
	c->tflags = nbdx_tflags(&e->disk);
	nbdx_set_state(c, NBDC_REQ_HDR);
}

static void opt_export_name(struct nbd_conn *c)
{
	const struct nbdx_entry *e = find_export(c->x, c->opt_data, c->opt_len);
	if (!e) {
		/* This option has no error reply: the protocol says close. */
		nbdx_set_state(c, NBDC_CLOSED);
		return;
	}
	uint8_t r[NBD_EXPORT_NAME_REPLY_LEN + NBD_ZERO_PAD_LEN];
	memset(r, 0, sizeof r);
	nbdx_put64(r, e->disk.size);
	nbdx_put16(r + 8, nbdx_tflags(&e->disk));
	size_t n = c->no_zeroes ? NBD_EXPORT_NAME_REPLY_LEN : sizeof r;
	nbdx_queue(c, nbdx_out_new(NULL, 0, r, n));
	enter_transmission(c, e);
}

static void info_reply(struct nbd_conn *c, uint16_t type, const void *body, size_t len)
{
	uint8_t b[2 + NBDX_NAME_MAX + 128];
	if (len > sizeof b - 2)
		len = sizeof b - 2;
	nbdx_put16(b, type);
	memcpy(b + 2, body, len);
	opt_reply(c, NBD_REP_INFO, b, 2 + len);
}

/* INFO and GO: u32 name length, name, u16 n, n x u16 info types. */
static void opt_info_go(struct nbd_conn *c)
{
	const uint8_t *d = c->opt_data;
	uint32_t len = c->opt_len;
	if (len < 6) {
		opt_reply(c, NBD_REP_ERR_INVALID, NULL, 0);
		return;
	}
	uint32_t nlen = nbdx_get32(d);
	if (nlen > len - 6) {
		opt_reply(c, NBD_REP_ERR_INVALID, NULL, 0);
		return;
	}
	uint16_t nreq = nbdx_get16(d + 4 + nlen);
	if ((uint64_t)4 + nlen + 2 + 2ull * nreq != len) {
		opt_reply(c, NBD_REP_ERR_INVALID, NULL, 0);
		return;
	}
	const struct nbdx_entry *e = find_export(c->x, d + 4, nlen);
	if (!e) {
		static const char msg[] = "no such export";
		opt_reply(c, NBD_REP_ERR_UNKNOWN, msg, sizeof msg - 1);
		return;
	}
	uint8_t b[12];
	nbdx_put64(b, e->disk.size);
	nbdx_put16(b + 8, nbdx_tflags(&e->disk));
	info_reply(c, NBD_INFO_EXPORT, b, 10);
	/* Sent unasked as well: the disk cannot take requests below its sector. */
	uint32_t pref = e->disk.sector > 4096 ? e->disk.sector : 4096;
	nbdx_put32(b, e->disk.sector);
	nbdx_put32(b + 4, pref);
	nbdx_put32(b + 8, c->x->cfg.max_payload);
	info_reply(c, NBD_INFO_BLOCK_SIZE, b, 12);
	for (uint16_t i = 0; i < nreq; i++) {
		uint16_t t = nbdx_get16(d + 4 + nlen + 2 + 2u * i);
		if (t == NBD_INFO_NAME)
			info_reply(c, NBD_INFO_NAME, e->name, strlen(e->name));
		else if (t == NBD_INFO_DESCRIPTION)
			info_reply(c, NBD_INFO_DESCRIPTION, c->x->cfg.description,
				   strlen(c->x->cfg.description));
	}
	opt_reply(c, NBD_REP_ACK, NULL, 0);
	if (c->opt == NBD_OPT_GO)
		enter_transmission(c, e);
}

static void opt_list(struct nbd_conn *c)
{
	if (c->opt_len != 0) {
		opt_reply(c, NBD_REP_ERR_INVALID, NULL, 0);
		return;
	}
	for (unsigned i = 0; i < c->x->ndisks; i++) {
		uint8_t b[4 + NBDX_NAME_MAX];
		size_t n = strlen(c->x->disk[i].name);
		nbdx_put32(b, (uint32_t)n);
		memcpy(b + 4, c->x->disk[i].name, n);
		opt_reply(c, NBD_REP_SERVER, b, 4 + n);
	}
	opt_reply(c, NBD_REP_ACK, NULL, 0);
}

static void opt_dispatch(struct nbd_conn *c)
{
	nbdx_stat_add(c->x, &c->x->st.opts, 1);
	nbdx_set_state(c, NBDC_OPT_HDR);
	switch (c->opt) {
	case NBD_OPT_EXPORT_NAME: opt_export_name(c); break;
	case NBD_OPT_ABORT:
		opt_reply(c, NBD_REP_ACK, NULL, 0);
		nbdx_set_state(c, NBDC_DRAINING);
		break;
	case NBD_OPT_LIST:        opt_list(c); break;
	case NBD_OPT_INFO:
	case NBD_OPT_GO:          opt_info_go(c); break;
	default:
		/* STARTTLS, STRUCTURED_REPLY, meta contexts and anything
		 * unknown: this server speaks plain simple replies only. */
		opt_reply(c, NBD_REP_ERR_UNSUP, NULL, 0);
		break;
	}
}

static void opt_header(struct nbd_conn *c)
{
	if (nbdx_get64(c->hdr) != NBD_OPTS_MAGIC || ++c->nopts > NBD_EXPORT_MAX_OPTS) {
		nbdx_set_state(c, NBDC_CLOSED);
		return;
	}
	c->opt = nbdx_get32(c->hdr + 8);
	c->opt_len = nbdx_get32(c->hdr + 12);
	if (c->opt_len > NBDX_OPT_DATA_MAX) {
		/* Nothing valid is this long; reading it all would let a
		 * client pin us to gigabytes of junk. */
		opt_reply(c, NBD_REP_ERR_TOO_BIG, NULL, 0);
		nbdx_set_state(c, NBDC_CLOSED);
		return;
	}
	if (c->opt_len == 0) {
		opt_dispatch(c);
		return;
	}
	nbdx_set_state(c, NBDC_OPT_DATA);
	c->hdr_need = c->opt_len;
}

static void client_flags(struct nbd_conn *c)
{
	uint32_t f = nbdx_get32(c->hdr);
	if (f & ~(NBD_FLAG_C_FIXED_NEWSTYLE | NBD_FLAG_C_NO_ZEROES)) {
		nbdx_set_state(c, NBDC_CLOSED);   /* unknown flags: the protocol says close */
		return;
	}
	c->no_zeroes = f & NBD_FLAG_C_NO_ZEROES;
	nbdx_set_state(c, NBDC_OPT_HDR);
}

/* ---- input ------------------------------------------------------------------ */

size_t nbd_conn_input(struct nbd_conn *c, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	size_t used = 0;
	c->paused = false;
	while (used < len) {
		if (c->state == NBDC_DRAINING || c->state == NBDC_CLOSED)
			return len;   /* nothing more is read: drop it */
		if (c->state == NBDC_REQ_PAYLOAD) {
			used += nbdx_req_payload(c, p + used, len - used);
			continue;
		}
		if (c->state == NBDC_REQ_HDR && c->hdr_have == 0 && !nbdx_can_take_request(c)) {
			c->paused = true;
			nbdx_stat_add(c->x, &c->x->st.backpressure, 1);
			break;
		}
		uint8_t *dst = c->state == NBDC_OPT_DATA ? c->opt_data : c->hdr;
		size_t n = c->hdr_need - c->hdr_have;
		if (n > len - used)
			n = len - used;
		memcpy(dst + c->hdr_have, p + used, n);
		c->hdr_have += (uint32_t)n;
		used += n;
		if (c->hdr_have < c->hdr_need)
			break;
		switch (c->state) {
		case NBDC_CLIENT_FLAGS: client_flags(c); break;
		case NBDC_OPT_HDR:      opt_header(c); break;
		case NBDC_OPT_DATA:     opt_dispatch(c); break;
		case NBDC_REQ_HDR:      nbdx_req_header(c); break;
		default:                break;
		}
	}
	return used;
}

void nbd_conn_eof(struct nbd_conn *c)
{
	nbdx_set_state(c, NBDC_DRAINING);
}

void nbd_conn_abort(struct nbd_conn *c)
{
	nbdx_set_state(c, NBDC_CLOSED);
	out_free_all(c);
}

bool nbd_conn_wants_input(const struct nbd_conn *c)
{
	if (c->state == NBDC_DRAINING || c->state == NBDC_CLOSED)
		return false;
	return !c->paused;
}

unsigned nbd_conn_inflight(const struct nbd_conn *c)
{
	return c->inflight;
}

bool nbd_conn_done(const struct nbd_conn *c)
{
	if (c->inflight)
		return false;
	if (c->state == NBDC_CLOSED)
		return true;
	return c->state == NBDC_DRAINING && !c->out_head;
}

/* ---- output ------------------------------------------------------------------ */

int nbd_conn_output(struct nbd_conn *c, struct iovec *iov, int max)
{
	if (c->state == NBDC_CLOSED)
		return 0;
	int n = 0;
	for (struct nbdx_out *o = c->out_head; o && n < max; o = o->next) {
		size_t off = o->off;
		if (off < o->inl_len) {
			iov[n++] = (struct iovec){ o->inl + off, o->inl_len - off };
			off = 0;
		} else {
			off -= o->inl_len;
		}
		if (o->data_len && n < max)
			iov[n++] = (struct iovec){ o->data + off, o->data_len - off };
	}
	return n;
}

void nbd_conn_sent(struct nbd_conn *c, size_t n)
{
	while (n && c->out_head) {
		struct nbdx_out *o = c->out_head;
		size_t left = o->inl_len + o->data_len - o->off;
		if (n < left) {
			o->off += n;
			return;
		}
		n -= left;
		c->out_head = o->next;
		if (!c->out_head)
			c->out_tail = NULL;
		c->buffered -= o->acct;
		free(o->data);
		free(o);
	}
}
