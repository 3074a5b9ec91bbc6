/* test_nbd_export.c -- the NBD export's connection state machine without sockets: handshake and option golden bytes, request checks, FUA, WRITE_ZEROES, out-of-order completions, caps, hostile clients. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sim/guest/nbd_export.h"
#include "sim/guest/nbd_export_wire.h"

#define DISK (1u << 20)

/* ---- a disk that holds completions until the test releases them -------------- */

struct held { nbd_done_fn *done; void *arg; char op; uint64_t off; uint32_t len; bool fua; };
struct hdisk { uint8_t data[DISK]; struct held q[64]; unsigned nq; unsigned flushes, writes, fua_writes; };

static int h_read(void *ctx, uint64_t off, uint32_t len, void *buf, nbd_done_fn *done, void *arg)
{
	struct hdisk *h = ctx;
	memcpy(buf, h->data + off, len);
	h->q[h->nq++] = (struct held){ done, arg, 'r', off, len, false };
	return 0;
}

static int h_write(void *ctx, uint64_t off, uint32_t len, const void *buf, bool fua, nbd_done_fn *done, void *arg)
{
	struct hdisk *h = ctx;
	memcpy(h->data + off, buf, len);
	h->writes++;
	h->fua_writes += fua;
	h->q[h->nq++] = (struct held){ done, arg, 'w', off, len, fua };
	return 0;
}

static int h_flush(void *ctx, nbd_done_fn *done, void *arg)
{
	struct hdisk *h = ctx;
	h->flushes++;
	h->q[h->nq++] = (struct held){ done, arg, 'f', 0, 0, false };
	return 0;
}

static void h_release(void *ctx) { free(ctx); }

static const struct nbd_disk_ops hops = { .read = h_read, .write = h_write, .flush = h_flush, .release = h_release };

/* Complete held I/O: the last one first (out of order). */
static void h_complete_all_reversed(struct hdisk *h, int err)
{
	while (h->nq) {
		struct held e = h->q[--h->nq];
		e.done(e.arg, err);
	}
}

/* ---- harness --------------------------------------------------------------------- */

struct fx {
	struct nbd_export *x;
	struct nbd_conn *c;
	struct hdisk *h;
	uint8_t out[4u << 20];
	size_t nout;
};

static void drain(struct fx *f)
{
	for (;;) {
		while (nbd_conn_reap(f->c))
			;
		struct iovec iov[16];
		int n = nbd_conn_output(f->c, iov, 16);
		if (n <= 0)
			return;
		size_t tot = 0;
		for (int i = 0; i < n; i++) {
			assert_true(f->nout + iov[i].iov_len <= sizeof f->out);
			memcpy(f->out + f->nout, iov[i].iov_base, iov[i].iov_len);
			f->nout += iov[i].iov_len;
			tot += iov[i].iov_len;
		}
		nbd_conn_sent(f->c, tot);
	}
}

static size_t feed(struct fx *f, const void *b, size_t n)
{
	size_t used = nbd_conn_input(f->c, b, n);
	drain(f);
	return used;
}

static struct fx *fx_new(bool held, bool read_only, const struct nbd_export_config *cfg)
{
	struct fx *f = calloc(1, sizeof *f);
	f->x = nbd_export_create(cfg);
	assert_non_null(f->x);
	struct nbd_disk d;
	if (held) {
		f->h = calloc(1, sizeof *f->h);
		d = (struct nbd_disk){ .ops = &hops, .ctx = f->h, .size = DISK, .sector = 512, .read_only = read_only };
	} else {
		assert_int_equal(nbd_disk_mem(DISK, 512, &d), 0);
		d.read_only = read_only;
	}
	assert_int_equal(nbd_export_add(f->x, "disk0", &d), 0);
	f->c = nbd_conn_create(f->x);
	assert_non_null(f->c);
	drain(f);
	return f;
}

static void fx_free(struct fx *f)
{
	if (f->h)
		h_complete_all_reversed(f->h, -EIO);
	while (nbd_conn_reap(f->c))
		;
	assert_int_equal(nbd_conn_inflight(f->c), 0);
	nbd_conn_destroy(f->c);
	nbd_export_destroy(f->x);
	free(f);
}

static void be16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void be32(uint8_t *p, uint32_t v) { be16(p, (uint16_t)(v >> 16)); be16(p + 2, (uint16_t)v); }
static void be64(uint8_t *p, uint64_t v) { be32(p, (uint32_t)(v >> 32)); be32(p + 4, (uint32_t)v); }

static void send_flags(struct fx *f, uint32_t fl)
{
	uint8_t b[4];
	be32(b, fl);
	assert_int_equal(feed(f, b, 4), 4);
}

static void send_opt(struct fx *f, uint32_t opt, const void *data, uint32_t len)
{
	uint8_t h[16];
	be64(h, NBD_OPTS_MAGIC);
	be32(h + 8, opt);
	be32(h + 12, len);
	feed(f, h, 16);
	if (len)
		feed(f, data, len);
}

static void send_go(struct fx *f, const char *name)
{
	uint8_t b[64];
	uint32_t n = (uint32_t)strlen(name);
	be32(b, n);
	memcpy(b + 4, name, n);
	be16(b + 4 + n, 1);
	be16(b + 6 + n, NBD_INFO_NAME);
	send_opt(f, NBD_OPT_GO, b, 8 + n);
}

static void req(struct fx *f, uint16_t flags, uint16_t type, uint64_t cookie, uint64_t off, uint32_t len)
{
	uint8_t h[28];
	be32(h, NBD_REQUEST_MAGIC);
	be16(h + 4, flags);
	be16(h + 6, type);
	be64(h + 8, cookie);
	be64(h + 16, off);
	be32(h + 24, len);
	feed(f, h, 28);
}

/* Transmission on "disk0" via GO; the output buffer is then cleared. */
static void go(struct fx *f)
{
	send_flags(f, NBD_FLAG_C_FIXED_NEWSTYLE | NBD_FLAG_C_NO_ZEROES);
	send_go(f, "disk0");
	assert_string_equal(nbd_conn_state_name(f->c), "req-hdr");
	f->nout = 0;
}

static void expect_reply(const uint8_t *p, uint32_t err, uint64_t cookie)
{
	uint8_t g[16];
	be32(g, NBD_SIMPLE_REPLY_MAGIC);
	be32(g + 4, err);
	be64(g + 8, cookie);
	assert_memory_equal(p, g, 16);
}

/* ---- tests ---------------------------------------------------------------------------- */

static void test_nbd_conn__new__greeting_golden(void **state)
{
	(void)state;
	struct fx *f = fx_new(false, false, NULL);
	static const uint8_t g[18] = { 'N', 'B', 'D', 'M', 'A', 'G', 'I', 'C',
				       'I', 'H', 'A', 'V', 'E', 'O', 'P', 'T', 0x00, 0x03 };
	assert_int_equal(f->nout, 18);
	assert_memory_equal(f->out, g, 18);
	assert_string_equal(nbd_conn_state_name(f->c), "client-flags");
	fx_free(f);
}

static void test_nbd_conn__go__info_export_blocksize_name_ack_golden(void **state)
{
	(void)state;
	struct fx *f = fx_new(false, false, NULL);
	f->nout = 0;
	send_flags(f, 3);
	send_go(f, "disk0");
	static const uint8_t want[] = {
		/* REP_INFO EXPORT: size 1 MiB, flags HAS|FLUSH|FUA|TRIM|WZ = 0x6d */
		0x00, 0x03, 0xe8, 0x89, 0x04, 0x55, 0x65, 0xa9, 0, 0, 0, 7, 0, 0, 0, 3, 0, 0, 0, 12,
		0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 0x6d,
		/* REP_INFO BLOCK_SIZE: 512 / 4096 / 32 MiB */
		0x00, 0x03, 0xe8, 0x89, 0x04, 0x55, 0x65, 0xa9, 0, 0, 0, 7, 0, 0, 0, 3, 0, 0, 0, 14,
		0, 3, 0, 0, 2, 0, 0, 0, 0x10, 0, 0x02, 0, 0, 0,
		/* REP_INFO NAME "disk0" */
		0x00, 0x03, 0xe8, 0x89, 0x04, 0x55, 0x65, 0xa9, 0, 0, 0, 7, 0, 0, 0, 3, 0, 0, 0, 7,
		0, 1, 'd', 'i', 's', 'k', '0',
		/* REP_ACK */
		0x00, 0x03, 0xe8, 0x89, 0x04, 0x55, 0x65, 0xa9, 0, 0, 0, 7, 0, 0, 0, 1, 0, 0, 0, 0,
	};
	assert_int_equal(f->nout, sizeof want);
	assert_memory_equal(f->out, want, sizeof want);
	assert_string_equal(nbd_conn_state_name(f->c), "req-hdr");
	fx_free(f);
}

static void test_nbd_conn__export_name_no_zeroes__size_flags_10_bytes(void **state)
{
	(void)state;
	struct fx *f = fx_new(false, true, NULL);
	send_flags(f, 3);
	f->nout = 0;
	send_opt(f, NBD_OPT_EXPORT_NAME, "disk0", 5);
	static const uint8_t want[10] = { 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 0x4f }; /* RO, no TRIM */
	assert_int_equal(f->nout, 10);
	assert_memory_equal(f->out, want, 10);
	fx_free(f);
}

static void test_nbd_conn__export_name_with_zeroes__134_bytes(void **state)
{
	(void)state;
	struct fx *f = fx_new(false, false, NULL);
	send_flags(f, 1);
	f->nout = 0;
	send_opt(f, NBD_OPT_EXPORT_NAME, "", 0);   /* "" = the default export */
	assert_int_equal(f->nout, 134);
	fx_free(f);
}

static void test_nbd_conn__export_name_unknown__closed(void **state)
{
	(void)state;
	struct fx *f = fx_new(false, false, NULL);
	send_flags(f, 3);
	send_opt(f, NBD_OPT_EXPORT_NAME, "nope", 4);
	assert_true(nbd_conn_done(f->c));
	assert_string_equal(nbd_conn_state_name(f->c), "closed");
	fx_free(f);
}

static void test_nbd_conn__list_then_abort__servers_ack_then_drains(void **state)
{
	(void)state;
	struct fx *f = fx_new(false, false, NULL);
	struct nbd_disk d2;
	assert_int_equal(nbd_disk_mem(4096, 512, &d2), 0);
	assert_int_equal(nbd_export_add(f->x, "second", &d2), 0);
	send_flags(f, 3);
	f->nout = 0;
	send_opt(f, NBD_OPT_LIST, NULL, 0);
	assert_int_equal(f->nout, (20 + 4 + 5) + (20 + 4 + 6) + 20);
	assert_int_equal(f->out[15], NBD_REP_SERVER);
	assert_memory_equal(f->out + 24, "disk0", 5);
	assert_memory_equal(f->out + 29 + 24, "second", 6);
	assert_int_equal(f->out[29 + 30 + 15], NBD_REP_ACK);
	f->nout = 0;
	send_opt(f, NBD_OPT_LIST, "x", 1);      /* LIST takes no data */
	assert_int_equal(f->out[12], 0x80);
	assert_int_equal(f->out[15], 3);        /* ERR_INVALID */
	f->nout = 0;
	send_opt(f, NBD_OPT_ABORT, NULL, 0);
	assert_int_equal(f->nout, 20);
	assert_int_equal(f->out[15], NBD_REP_ACK);
	assert_true(nbd_conn_done(f->c));
	fx_free(f);
}

static void test_nbd_conn__unsupported_and_bad_options__error_replies(void **state)
{
	(void)state;
	struct fx *f = fx_new(false, false, NULL);
	send_flags(f, 3);
	const uint32_t unsup[] = { NBD_OPT_STRUCTURED_REPLY, NBD_OPT_STARTTLS, NBD_OPT_SET_META_CONTEXT, 99 };
	for (unsigned i = 0; i < 4; i++) {
		f->nout = 0;
		send_opt(f, unsup[i], NULL, 0);
		assert_int_equal(f->nout, 20);
		assert_int_equal(f->out[12], 0x80);
		assert_int_equal(f->out[15], 1);    /* ERR_UNSUP */
	}
	/* GO with a name length past the data, then an unknown export */
	uint8_t b[10] = { 0, 0, 0, 9, 'a', 'b', 0, 0 };
	f->nout = 0;
	send_opt(f, NBD_OPT_GO, b, 8);
	assert_int_equal(f->out[15], 3);        /* ERR_INVALID */
	f->nout = 0;
	send_opt(f, NBD_OPT_INFO, (uint8_t[]){ 0, 0, 0, 2, 'n', 'o', 0, 0 }, 8);
	assert_int_equal(f->out[15], 6);        /* ERR_UNKNOWN */
	assert_string_equal(nbd_conn_state_name(f->c), "opt-hdr");
	fx_free(f);
}

static void test_nbd_conn__hostile_handshake__closed(void **state)
{
	(void)state;
	/* unknown client flag bits */
	struct fx *f = fx_new(false, false, NULL);
	send_flags(f, 0x80000001u);
	assert_string_equal(nbd_conn_state_name(f->c), "closed");
	fx_free(f);
	/* bad option magic */
	f = fx_new(false, false, NULL);
	send_flags(f, 3);
	uint8_t h[16] = { 'X' };
	feed(f, h, 16);
	assert_string_equal(nbd_conn_state_name(f->c), "closed");
	fx_free(f);
	/* option data longer than anything valid: TOO_BIG then closed */
	f = fx_new(false, false, NULL);
	send_flags(f, 3);
	f->nout = 0;
	be64(h, NBD_OPTS_MAGIC);
	be32(h + 8, NBD_OPT_GO);
	be32(h + 12, 0x7fffffff);
	feed(f, h, 16);
	assert_string_equal(nbd_conn_state_name(f->c), "closed");
	fx_free(f);
	/* an endless stream of options */
	f = fx_new(false, false, NULL);
	send_flags(f, 3);
	for (unsigned i = 0; i <= NBD_EXPORT_MAX_OPTS; i++)
		send_opt(f, 99, NULL, 0);
	assert_string_equal(nbd_conn_state_name(f->c), "closed");
	struct nbd_export_stats st;
	nbd_export_get_stats(f->x, &st);
	assert_int_equal(st.hard_closes, 1);
	fx_free(f);
}

static void test_nbd_io__write_read_roundtrip__data_back(void **state)
{
	(void)state;
	struct fx *f = fx_new(false, false, NULL);
	go(f);
	uint8_t w[8192];
	for (unsigned i = 0; i < sizeof w; i++)
		w[i] = (uint8_t)(i * 31 + 7);
	req(f, 0, NBD_CMD_WRITE, 0x1111, 4096, sizeof w);
	feed(f, w, 100);          /* the payload in pieces */
	feed(f, w + 100, sizeof w - 100);
	assert_int_equal(f->nout, 16);
	expect_reply(f->out, 0, 0x1111);
	f->nout = 0;
	req(f, 0, NBD_CMD_READ, 0x2222, 4096, sizeof w);
	assert_int_equal(f->nout, 16 + sizeof w);
	expect_reply(f->out, 0, 0x2222);
	assert_memory_equal(f->out + 16, w, sizeof w);
	f->nout = 0;
	req(f, 0, NBD_CMD_FLUSH, 3, 0, 0);
	expect_reply(f->out, 0, 3);
	f->nout = 0;
	req(f, 0, NBD_CMD_TRIM, 4, 4096, 4096);   /* the memory disk zeroes */
	expect_reply(f->out, 0, 4);
	f->nout = 0;
	req(f, 0, NBD_CMD_READ, 5, 4096, 512);
	static const uint8_t z[512];
	assert_memory_equal(f->out + 16, z, 512);
	struct nbd_export_stats st;
	nbd_export_get_stats(f->x, &st);
	assert_int_equal(st.writes, 1);
	assert_int_equal(st.reads, 2);
	assert_int_equal(st.bytes_written, sizeof w);
	fx_free(f);
}

static void test_nbd_io__bad_requests__error_replies_stream_stays_in_step(void **state)
{
	(void)state;
	struct fx *f = fx_new(false, false, NULL);
	go(f);
	struct { uint16_t fl, type; uint64_t off; uint32_t len; uint32_t err; } cases[] = {
		{ 0, NBD_CMD_READ, DISK - 512, 1024, NBD_EINVAL },        /* past the end */
		{ 0, NBD_CMD_READ, UINT64_MAX - 511, 1024, NBD_EINVAL },  /* offset wraps */
		{ 0, NBD_CMD_READ, 100, 512, NBD_EINVAL },                /* unaligned */
		{ 0, NBD_CMD_READ, 0, 0, NBD_EINVAL },                    /* empty */
		{ 0, NBD_CMD_READ, 0, 64u << 20, NBD_EOVERFLOW },         /* over max payload */
		{ 4, NBD_CMD_READ, 0, 512, NBD_EINVAL },                  /* DF without structured replies */
		{ 0, NBD_CMD_FLUSH, 0, 512, NBD_EINVAL },                 /* flush with a range */
		{ 0, NBD_CMD_CACHE, 0, 512, NBD_EINVAL },
		{ 0, NBD_CMD_BLOCK_STATUS, 0, 512, NBD_EINVAL },
		{ 0, 77, 0, 512, NBD_EINVAL },
		{ 0, NBD_CMD_WRITE_ZEROES, DISK, 512, NBD_ENOSPC },
	};
	for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		f->nout = 0;
		req(f, cases[i].fl, cases[i].type, 100 + i, cases[i].off, cases[i].len);
		assert_int_equal(f->nout, 16);   /* a failed READ carries no data */
		expect_reply(f->out, cases[i].err, 100 + i);
	}
	/* A write past the end: payload consumed, ENOSPC, next request parsed. */
	uint8_t w[1024] = { 1 };
	f->nout = 0;
	req(f, 0, NBD_CMD_WRITE, 7, DISK - 512, sizeof w);
	assert_int_equal(feed(f, w, sizeof w), sizeof w);
	expect_reply(f->out, NBD_ENOSPC, 7);
	f->nout = 0;
	req(f, 0, NBD_CMD_READ, 8, 0, 512);
	expect_reply(f->out, 0, 8);
	assert_int_equal(nbd_conn_inflight(f->c), 0);
	fx_free(f);
}

static void test_nbd_io__read_only_export__writes_eperm(void **state)
{
	(void)state;
	struct fx *f = fx_new(false, true, NULL);
	go(f);
	uint8_t w[512] = { 0 };
	req(f, 0, NBD_CMD_WRITE, 1, 0, 512);
	feed(f, w, 512);
	expect_reply(f->out, NBD_EPERM, 1);
	f->nout = 0;
	req(f, 0, NBD_CMD_TRIM, 2, 0, 512);
	expect_reply(f->out, NBD_EPERM, 2);
	f->nout = 0;
	req(f, 0, NBD_CMD_WRITE_ZEROES, 3, 0, 512);
	expect_reply(f->out, NBD_EPERM, 3);
	fx_free(f);
}

static void test_nbd_io__fua_on_disk_without_fua__write_then_flush(void **state)
{
	(void)state;
	struct fx *f = fx_new(true, false, NULL);
	go(f);
	uint8_t w[512] = { 9 };
	req(f, NBD_CMD_FLAG_FUA, NBD_CMD_WRITE, 1, 0, 512);
	feed(f, w, 512);
	assert_int_equal(f->h->writes, 1);
	assert_int_equal(f->h->fua_writes, 0);
	assert_int_equal(f->h->flushes, 0);
	h_complete_all_reversed(f->h, 0);        /* the write is back: now the flush */
	drain(f);
	assert_int_equal(f->h->flushes, 1);
	assert_int_equal(f->nout, 0);            /* no reply before the flush */
	h_complete_all_reversed(f->h, 0);
	drain(f);
	expect_reply(f->out, 0, 1);
	fx_free(f);
}

static void test_nbd_io__out_of_order_completions__replies_by_cookie(void **state)
{
	(void)state;
	struct fx *f = fx_new(true, false, NULL);
	go(f);
	for (unsigned i = 0; i < 4; i++)
		req(f, 0, NBD_CMD_READ, 0xa0 + i, i * 4096, 512);
	assert_int_equal(nbd_conn_inflight(f->c), 4);
	assert_int_equal(f->nout, 0);
	h_complete_all_reversed(f->h, 0);
	drain(f);
	assert_int_equal(f->nout, 4 * (16 + 512));
	for (unsigned i = 0; i < 4; i++)
		expect_reply(f->out + i * 528, 0, 0xa3 - i);
	/* an I/O error reaches the client as EIO, without data */
	f->nout = 0;
	req(f, 0, NBD_CMD_READ, 0xee, 0, 512);
	h_complete_all_reversed(f->h, -EIO);
	drain(f);
	assert_int_equal(f->nout, 16);
	expect_reply(f->out, NBD_EIO, 0xee);
	fx_free(f);
}

static void test_nbd_io__inflight_cap__input_paused_then_resumed(void **state)
{
	(void)state;
	struct nbd_export_config cfg = { .max_inflight = 2 };
	struct fx *f = fx_new(true, false, &cfg);
	go(f);
	uint8_t b[3 * 28];
	for (unsigned i = 0; i < 3; i++) {
		uint8_t *h = b + 28 * i;
		be32(h, NBD_REQUEST_MAGIC);
		be16(h + 4, 0);
		be16(h + 6, NBD_CMD_READ);
		be64(h + 8, i);
		be64(h + 16, 0);
		be32(h + 24, 512);
	}
	assert_int_equal(feed(f, b, sizeof b), 56);   /* the third waits */
	assert_false(nbd_conn_wants_input(f->c));
	h_complete_all_reversed(f->h, 0);
	drain(f);
	assert_true(nbd_conn_wants_input(f->c));
	assert_int_equal(feed(f, b + 56, 28), 28);
	assert_int_equal(nbd_conn_inflight(f->c), 1);
	struct nbd_export_stats st;
	nbd_export_get_stats(f->x, &st);
	assert_true(st.backpressure >= 1);
	fx_free(f);
}

static void test_nbd_io__write_zeroes_large__chunked_zero_writes(void **state)
{
	(void)state;
	struct fx *f = fx_new(false, false, NULL);
	go(f);
	uint8_t w[4096];
	memset(w, 0xab, sizeof w);
	for (uint32_t off = 0; off < DISK; off += sizeof w) {
		req(f, 0, NBD_CMD_WRITE, off, off, sizeof w);
		feed(f, w, sizeof w);
	}
	f->nout = 0;
	req(f, NBD_CMD_FLAG_NO_HOLE | NBD_CMD_FLAG_FUA, NBD_CMD_WRITE_ZEROES, 9, 512, DISK - 1024);
	expect_reply(f->out, 0, 9);
	f->nout = 0;
	req(f, 0, NBD_CMD_READ, 10, 0, DISK);
	assert_int_equal(f->nout, 16 + DISK);
	assert_int_equal(f->out[16 + 511], 0xab);
	assert_int_equal(f->out[16 + 512], 0);
	assert_int_equal(f->out[16 + DISK - 513], 0);
	assert_int_equal(f->out[16 + DISK - 512], 0xab);
	fx_free(f);
}

static void test_nbd_io__hostile_requests__hard_close(void **state)
{
	(void)state;
	/* bad request magic */
	struct fx *f = fx_new(false, false, NULL);
	go(f);
	uint8_t junk[28] = { 0x25, 0x60, 0x95, 0x14 };
	feed(f, junk, 28);
	assert_true(nbd_conn_done(f->c));
	fx_free(f);
	/* a write larger than the maximum payload is not read */
	f = fx_new(false, false, NULL);
	go(f);
	req(f, 0, NBD_CMD_WRITE, 1, 0, 0xffffffffu);
	assert_string_equal(nbd_conn_state_name(f->c), "closed");
	fx_free(f);
	/* the client hangs up in the middle of a payload */
	f = fx_new(false, false, NULL);
	go(f);
	req(f, 0, NBD_CMD_WRITE, 1, 0, 4096);
	feed(f, junk, 28);
	nbd_conn_eof(f->c);
	assert_int_equal(nbd_conn_inflight(f->c), 0);
	assert_true(nbd_conn_done(f->c));
	fx_free(f);
}

static void test_nbd_io__disc_with_io_in_flight__replies_then_done(void **state)
{
	(void)state;
	struct fx *f = fx_new(true, false, NULL);
	go(f);
	req(f, 0, NBD_CMD_READ, 1, 0, 512);
	req(f, 0, NBD_CMD_DISC, 2, 0, 0);
	req(f, 0, NBD_CMD_READ, 3, 0, 512);      /* after DISC: ignored */
	assert_false(nbd_conn_done(f->c));
	h_complete_all_reversed(f->h, 0);
	drain(f);
	assert_int_equal(f->nout, 16 + 512);
	expect_reply(f->out, 0, 1);
	assert_true(nbd_conn_done(f->c));
	fx_free(f);
}

static void test_nbd_export__add_checks__einval_eexist_enospc(void **state)
{
	(void)state;
	struct nbd_export *x = nbd_export_create(NULL);
	struct nbd_disk d;
	assert_int_equal(nbd_disk_mem(4096, 512, &d), 0);
	assert_int_equal(nbd_export_add(x, "a", &d), 0);
	assert_int_equal(nbd_disk_mem(4096, 512, &d), 0);
	assert_int_equal(nbd_export_add(x, "a", &d), -EEXIST);
	assert_int_equal(nbd_disk_mem(4096, 512, &d), 0);
	d.size = 1000;
	assert_int_equal(nbd_export_add(x, "b", &d), -EINVAL);
	for (unsigned i = 1; i < NBD_EXPORT_MAX_DISKS; i++) {
		char n[8];
		snprintf(n, sizeof n, "d%u", i);
		assert_int_equal(nbd_disk_mem(4096, 512, &d), 0);
		assert_int_equal(nbd_export_add(x, n, &d), 0);
	}
	assert_int_equal(nbd_disk_mem(4096, 512, &d), 0);
	assert_int_equal(nbd_export_add(x, "full", &d), -ENOSPC);
	assert_int_equal(nbd_disk_mem(1000, 512, &d), -EINVAL);
	assert_int_equal(nbd_export_listen(x, "/nonexistent-dir/x.sock"), -ENOENT);
	nbd_export_destroy(x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nbd_conn__new__greeting_golden),
		cmocka_unit_test(test_nbd_conn__go__info_export_blocksize_name_ack_golden),
		cmocka_unit_test(test_nbd_conn__export_name_no_zeroes__size_flags_10_bytes),
		cmocka_unit_test(test_nbd_conn__export_name_with_zeroes__134_bytes),
		cmocka_unit_test(test_nbd_conn__export_name_unknown__closed),
		cmocka_unit_test(test_nbd_conn__list_then_abort__servers_ack_then_drains),
		cmocka_unit_test(test_nbd_conn__unsupported_and_bad_options__error_replies),
		cmocka_unit_test(test_nbd_conn__hostile_handshake__closed),
		cmocka_unit_test(test_nbd_io__write_read_roundtrip__data_back),
		cmocka_unit_test(test_nbd_io__bad_requests__error_replies_stream_stays_in_step),
		cmocka_unit_test(test_nbd_io__read_only_export__writes_eperm),
		cmocka_unit_test(test_nbd_io__fua_on_disk_without_fua__write_then_flush),
		cmocka_unit_test(test_nbd_io__out_of_order_completions__replies_by_cookie),
		cmocka_unit_test(test_nbd_io__inflight_cap__input_paused_then_resumed),
		cmocka_unit_test(test_nbd_io__write_zeroes_large__chunked_zero_writes),
		cmocka_unit_test(test_nbd_io__hostile_requests__hard_close),
		cmocka_unit_test(test_nbd_io__disc_with_io_in_flight__replies_then_done),
		cmocka_unit_test(test_nbd_export__add_checks__einval_eexist_enospc),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
