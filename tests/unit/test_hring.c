/* test_hring.c -- the host ring end alone: wrap-around and full-ring
 * property tests in both directions (flat and scattered pages), the
 * largest legal packet, index and descriptor corruption, signal edges. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sim/hostd/gmem.h"
#include "sim/hostd/hring.h"

#define RING_BASE 0x10000ull

struct rfx {
	struct gmem *gm;
	uint64_t pfn[64];
	uint8_t *pg[64];
	uint32_t npages, dsize;
	uint32_t *ctl;
	struct hring r;
};

static struct rfx *rfx_new(uint32_t npages, bool scattered, bool out)
{
	struct rfx *x = calloc(1, sizeof *x);
	assert_non_null(x);
	x->gm = gmem_create(1u << 20);
	assert_non_null(x->gm);
	x->npages = npages;
	x->dsize = (npages - 1) * 4096;
	for (uint32_t i = 0; i < npages; i++) {
		uint32_t src = (scattered && i) ? npages - i : i;
		x->pfn[i] = (RING_BASE >> 12) + src;
		x->pg[i] = gmem_ptr(x->gm, x->pfn[i] << 12, 4096);
	}
	x->ctl = (uint32_t *)(void *)x->pg[0];
	assert_int_equal(hring_map(&x->r, x->gm, x->pfn, npages, out), 0);
	assert_true(scattered ? x->r.hr_flat == NULL : x->r.hr_flat != NULL);
	return x;
}

static void rfx_free(struct rfx *x)
{
	hring_unmap(&x->r);
	gmem_destroy(x->gm);
	free(x);
}

static uint8_t *byte_at(struct rfx *x, uint32_t off)
{
	off %= x->dsize;
	return x->pg[1 + off / 4096] + off % 4096;
}

static void g_copy_to(struct rfx *x, uint32_t off, const void *s, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		*byte_at(x, off + i) = s ? ((const uint8_t *)s)[i] : 0;
}

static void g_copy_from(struct rfx *x, uint32_t off, void *d, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		((uint8_t *)d)[i] = *byte_at(x, off + i);
}

/* The guest's producer (ring A). */
static int g_write(struct rfx *x, uint16_t type, uint64_t tid, const uint8_t *p, uint32_t len)
{
	uint32_t wr = x->ctl[0], rd = x->ctl[1];
	uint32_t padded = (16 + len + 7) & ~7u, need = padded + 8;
	if (hring_raw_free(x->dsize, wr, rd) <= need)
		return -EAGAIN;
	struct vmbus_pkt_desc d = { .type = type, .offset8 = 2, .len8 = (uint16_t)(padded / 8),
				    .trans_id = tid };
	g_copy_to(x, wr, &d, 16);
	g_copy_to(x, wr + 16, p, len);
	g_copy_to(x, wr + 16 + len, NULL, padded - 16 - len);
	uint64_t t = (uint64_t)wr << 32;
	g_copy_to(x, wr + padded, &t, 8);
	x->ctl[0] = (wr + need) % x->dsize;
	return 0;
}

/* The guest's consumer (ring B). */
static int g_read(struct rfx *x, uint8_t *buf, uint32_t cap)
{
	uint32_t wr = x->ctl[0], rd = x->ctl[1];
	if (wr == rd)
		return -EAGAIN;
	struct vmbus_pkt_desc d;
	g_copy_from(x, rd, &d, 16);
	uint32_t len = d.len8 * 8u;
	assert_true(len <= cap);
	g_copy_from(x, rd, buf, len);
	uint64_t t;
	g_copy_from(x, rd + len, &t, 8);
	assert_int_equal(t >> 32, rd);
	x->ctl[1] = (rd + len + 8) % x->dsize;
	return (int)len;
}

static uint32_t lcg(uint32_t *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 8;
}

static void fill(uint8_t *p, uint32_t len, uint64_t seq)
{
	for (uint32_t i = 0; i < len; i++)
		p[i] = (uint8_t)(seq * 31 + i);
}

/* Host writes, guest reads, random sizes and interleaving: FIFO order and
 * content hold across many wraps, the ring never looks empty when it is
 * not, and -EAGAIN only happens when the strict free-space rule says so. */
static void out_property(bool scattered, uint32_t seed)
{
	struct rfx *x = rfx_new(3, scattered, true);
	uint8_t pay[1200], buf[1400];
	uint64_t wseq = 0, rseq = 0;
	unsigned fulls = 0;
	uint64_t wrapped = 0;
	static uint16_t lens[20000];
	for (int step = 0; step < 20000; step++) {
		if (lcg(&seed) % 3) {
			uint32_t len = lcg(&seed) % 1100;
			fill(pay, len, wseq);
			lens[wseq] = (uint16_t)len;
			struct vmbus_pkt_desc d = { .type = 6, .offset8 = 2,
				.len8 = (uint16_t)((16 + len + 7) / 8), .trans_id = wseq };
			struct hring_iov iov[2] = { { &d, 16 }, { pay, len } };
			bool sig;
			uint32_t before = x->r.hr_priv, rd = x->ctl[1];
			int rc = hring_out_write(&x->r, iov, 2, &sig);
			if (rc == -EAGAIN) {
				uint32_t need = ((16 + len + 7) & ~7u) + 8;
				assert_true(hring_raw_free(x->dsize, before, rd) <= need);
				assert_int_equal(x->ctl[3], need);
				fulls++;
				continue;
			}
			assert_int_equal(rc, 0);
			assert_int_equal(sig, rd == before); /* edge: was empty */
			assert_int_not_equal(x->ctl[0], x->ctl[1]);
			if (x->r.hr_priv < before)
				wrapped++;
			wseq++;
		} else {
			int len = g_read(x, buf, sizeof buf);
			if (len == -EAGAIN) {
				assert_int_equal(rseq, wseq);
				continue;
			}
			struct vmbus_pkt_desc d;
			memcpy(&d, buf, 16);
			assert_int_equal(d.trans_id, rseq);
			assert_int_equal(d.type, 6);
			uint8_t exp[1200];
			fill(exp, lens[rseq], rseq);
			assert_int_equal((uint32_t)len, (16 + lens[rseq] + 7) & ~7u);
			assert_memory_equal(buf + 16, exp, lens[rseq]);
			for (uint32_t i = 16 + lens[rseq]; i < (uint32_t)len; i++)
				assert_int_equal(buf[i], 0); /* zero padding */
			rseq++;
		}
	}
	assert_true(fulls > 100);
	assert_true(wrapped > 100);
	rfx_free(x);
}

static void test_hring__host_writer_random__fifo_and_strict_full(void **state)
{
	(void)state;
	out_property(false, 1);
	out_property(true, 7);
}

/* Guest writes, host reads in batches: content, order, wrap. */
static void in_property(bool scattered, uint32_t seed)
{
	struct rfx *x = rfx_new(3, scattered, false);
	uint8_t pay[1200], buf[8192];
	uint64_t wseq = 0, rseq = 0, wraps = 0;
	static uint16_t lens[20000];
	for (int step = 0; step < 20000; step++) {
		if (lcg(&seed) % 2) {
			uint32_t len = lcg(&seed) % 1100;
			fill(pay, len, wseq);
			uint32_t before = x->ctl[0];
			lens[wseq] = (uint16_t)len;
			if (g_write(x, 6, wseq, pay, len) == 0) {
				wseq++;
				wraps += x->ctl[0] < before;
			}
		} else {
			struct hring_batch b;
			assert_int_equal(hring_in_begin(&x->r, &b), 0);
			unsigned budget = lcg(&seed) % 5 + 1;
			for (unsigned k = 0; k < budget; k++) {
				struct vmbus_pkt_desc d;
				uint32_t len;
				int rc = hring_in_next(&x->r, &b, buf, sizeof buf, &d, &len);
				if (rc == -EAGAIN)
					break;
				assert_int_equal(rc, 0);
				assert_int_equal(d.trans_id, rseq);
				assert_memory_equal(buf, &d, 16);
				uint8_t exp[1200];
				fill(exp, lens[rseq], rseq);
				assert_int_equal(len, (16 + lens[rseq] + 7) & ~7u);
				assert_memory_equal(buf + 16, exp, lens[rseq]);
				rseq++;
			}
			hring_in_end(&x->r, &b);
			assert_int_equal(x->ctl[1], x->r.hr_priv);
		}
	}
	assert_true(wraps > 100);
	assert_true(rseq > 1000);
	rfx_free(x);
}

static void test_hring__host_reader_random__fifo_across_wraps(void **state)
{
	(void)state;
	in_property(false, 3);
	in_property(true, 11);
}

static void test_hring__largest_packet__accepted_and_one_more_refused(void **state)
{
	(void)state;
	struct rfx *x = rfx_new(2, false, true);
	static uint8_t pay[4096];
	/* D = 4096: packet of D - 16 (payload D - 32) is the largest. */
	struct vmbus_pkt_desc d = { .type = 6, .offset8 = 2, .len8 = (4096 - 16) / 8 };
	struct hring_iov iov[2] = { { &d, 16 }, { pay, 4096 - 32 } };
	bool sig;
	assert_int_equal(hring_out_write(&x->r, iov, 2, &sig), 0);
	assert_true(sig);
	x->ctl[1] = x->ctl[0]; /* guest consumed it */
	iov[1].len = 4096 - 24;
	assert_int_equal(hring_out_write(&x->r, iov, 2, &sig), -EMSGSIZE);
	rfx_free(x);

	/* Reader: the guest's D - 16 packet is read. */
	x = rfx_new(2, false, false);
	assert_int_equal(g_write(x, 6, 9, pay, 4096 - 32), 0);
	struct hring_batch b;
	uint8_t *buf = malloc(8192);
	uint32_t len;
	assert_int_equal(hring_in_begin(&x->r, &b), 0);
	assert_int_equal(hring_in_next(&x->r, &b, buf, 8192, &d, &len), 0);
	assert_int_equal(len, 4096 - 16);
	free(buf);
	rfx_free(x);
}

static void test_hring__corrupt_indices__eio_with_reason(void **state)
{
	(void)state;
	struct rfx *x = rfx_new(2, false, false);
	struct hring_batch b;
	x->ctl[0] = 4;
	assert_int_equal(hring_in_begin(&x->r, &b), -EIO);
	x->ctl[0] = 4096;
	assert_int_equal(hring_in_begin(&x->r, &b), -EIO);
	assert_non_null(strstr(x->r.hr_err, "write_index"));
	rfx_free(x);
	/* A bad initial index refuses the mapping. */
	struct gmem *gm = gmem_create(1u << 20);
	uint64_t pfn[2] = { 16, 17 };
	uint32_t *ctl = gmem_ptr(gm, 16 << 12, 4096);
	ctl[1] = 9;
	struct hring r;
	assert_int_equal(hring_map(&r, gm, pfn, 2, false), -EIO);
	uint64_t bad[2] = { 16, 1u << 20 };
	assert_int_equal(hring_map(&r, gm, bad, 2, true), -EFAULT);
	assert_int_equal(hring_map(&r, gm, pfn, 1, true), -EINVAL);
	gmem_destroy(gm);
}

static void test_hring__descriptor_rewritten_after_copy__copy_used(void **state)
{
	(void)state;
	struct rfx *x = rfx_new(2, false, false);
	uint8_t pay[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	g_write(x, 6, 5, pay, 8);
	struct hring_batch b;
	uint8_t buf[64];
	struct vmbus_pkt_desc d;
	uint32_t len;
	assert_int_equal(hring_in_begin(&x->r, &b), 0);
	assert_int_equal(hring_in_next(&x->r, &b, buf, sizeof buf, &d, &len), 0);
	/* The guest now scribbles on the descriptor: our copy is unchanged. */
	memset(x->pg[1], 0xFF, 16);
	assert_int_equal(d.len8, 3);
	assert_memory_equal(buf + 16, pay, 8);
	assert_int_equal(hring_in_next(&x->r, &b, buf, sizeof buf, &d, &len), -EAGAIN);
	rfx_free(x);
}

static void test_hring__pending_send_sz__signal_only_on_unblock_edge(void **state)
{
	(void)state;
	struct rfx *x = rfx_new(2, false, false);
	uint8_t pay[1000] = { 0 };
	while (g_write(x, 6, 1, pay, sizeof pay) == 0)
		;
	x->ctl[16] = 1;          /* guest honours pending_send_sz */
	x->ctl[3] = 1024 | 7;    /* some guests store size - 1: masked */
	struct hring_batch b;
	uint8_t buf[2048];
	struct vmbus_pkt_desc d;
	uint32_t len;
	/* Free before 1024 (3 x 1024 used) <= pending 1024; read one: 2048 > 1024. */
	assert_int_equal(hring_in_begin(&x->r, &b), 0);
	assert_int_equal(hring_in_next(&x->r, &b, buf, sizeof buf, &d, &len), 0);
	assert_true(hring_in_end(&x->r, &b));
	/* Read another: it was not blocked any more (free before 2048). */
	assert_int_equal(hring_in_begin(&x->r, &b), 0);
	assert_int_equal(hring_in_next(&x->r, &b, buf, sizeof buf, &d, &len), 0);
	assert_false(hring_in_end(&x->r, &b));
	/* A huge pending (0xFFFFFFFF) never hangs and never signals. */
	x->ctl[3] = 0xFFFFFFFF;
	assert_int_equal(hring_in_begin(&x->r, &b), 0);
	assert_int_equal(hring_in_next(&x->r, &b, buf, sizeof buf, &d, &len), 0);
	assert_false(hring_in_end(&x->r, &b));
	rfx_free(x);
}

static void test_hring__gpa_direct_shapes__checked(void **state)
{
	(void)state;
	const char *why = NULL;
	uint8_t pkt[64] = { 0 };
	struct vmbus_pkt_gpa_direct g = { .d = { .type = 9, .offset8 = 5, .len8 = 6 }, .range_count = 1 };
	struct vmbus_pkt_range_hdr rh = { .byte_count = 100, .byte_offset = 0 };
	memcpy(pkt, &g, sizeof g);
	memcpy(pkt + 24, &rh, sizeof rh);
	assert_int_equal(hring_pkt_check(pkt, 48, &why), 0);
	rh.byte_count = 4097; /* needs 2 PFNs, room for 1 */
	memcpy(pkt + 24, &rh, sizeof rh);
	assert_int_equal(hring_pkt_check(pkt, 48, &why), -EIO);
	rh.byte_count = 0;
	memcpy(pkt + 24, &rh, sizeof rh);
	assert_int_equal(hring_pkt_check(pkt, 48, &why), -EIO);
	g.range_count = 0xFFFFFFFF; /* bounded by offset8, not by this */
	rh.byte_count = 1;
	memcpy(pkt, &g, sizeof g);
	memcpy(pkt + 24, &rh, sizeof rh);
	assert_int_equal(hring_pkt_check(pkt, 48, &why), -EIO);
	g.d.offset8 = 2; /* header larger than offset8 */
	g.range_count = 1;
	memcpy(pkt, &g, sizeof g);
	assert_int_equal(hring_pkt_check(pkt, 48, &why), -EIO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hring__host_writer_random__fifo_and_strict_full),
		cmocka_unit_test(test_hring__host_reader_random__fifo_across_wraps),
		cmocka_unit_test(test_hring__largest_packet__accepted_and_one_more_refused),
		cmocka_unit_test(test_hring__corrupt_indices__eio_with_reason),
		cmocka_unit_test(test_hring__descriptor_rewritten_after_copy__copy_used),
		cmocka_unit_test(test_hring__pending_send_sz__signal_only_on_unblock_edge),
		cmocka_unit_test(test_hring__gpa_direct_shapes__checked),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
