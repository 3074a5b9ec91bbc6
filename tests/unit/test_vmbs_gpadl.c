/* test_vmbs_gpadl.c -- VMBus server GPADLs: sizes from 1 to 8190 PFNs across
 * the header/body boundaries, every rejection of RELIABILITY.md 5.4, caps,
 * teardown. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/helpers/vmbs_fixture.h"

static const uint8_t cls[16] = { 0x5A };

struct gfx {
	struct vfx *f;
	struct echo_dev e[2];
	uint64_t page; /* a valid PFN */
};

static struct gfx *gfx_new(const struct vmbs_config *cfg)
{
	struct gfx *g = calloc(1, sizeof *g);
	assert_non_null(g);
	g->f = vfx_new("ws2022", 1, cfg);
	echo_dev_add(g->f->vb, &g->e[0], cls, 1, false, 0);
	echo_dev_add(g->f->vb, &g->e[1], cls, 2, false, 0);
	assert_int_equal(vfx_connect(g->f, VMBUS_VERSION_WIN10_V5_3), 1);
	assert_int_equal(vfx_request_offers(g->f, NULL, 0), 2);
	g->page = vfx_alloc(g->f, 1) >> 12;
	return g;
}

static void gfx_free(struct gfx *g)
{
	vfx_free(g->f);
	free(g);
}

static struct vmbs_stats stats(struct gfx *g)
{
	struct vmbs_stats st;
	vmbs_get_stats(g->f->vb, &st);
	return st;
}

/* n PFNs, all the same valid page (nothing forbids aliasing). */
static uint64_t *pfns_of(struct gfx *g, uint32_t n)
{
	uint64_t *p = calloc(n ? n : 1, sizeof *p);
	assert_non_null(p);
	for (uint32_t i = 0; i < n; i++)
		p[i] = g->page;
	return p;
}

/* A GPADL_HEADER with one range, raw fields. */
static void post_header(struct gfx *g, uint32_t relid, uint32_t handle, uint16_t buflen,
			uint16_t rangecount, uint32_t byte_count, uint32_t byte_offset,
			const uint64_t *pfns, uint32_t npfn_in_msg)
{
	uint8_t msg[240] = { 0 };
	struct vmbus_msg_gpadl_header gh = { .hdr.msgtype = VMBUS_MSG_GPADL_HEADER,
					     .child_relid = relid, .gpadl = handle,
					     .range_buflen = buflen, .rangecount = rangecount };
	struct vmbus_gpa_range_hdr rh = { .byte_count = byte_count, .byte_offset = byte_offset };
	memcpy(msg, &gh, sizeof gh);
	memcpy(msg + 20, &rh, sizeof rh);
	memcpy(msg + 28, pfns, npfn_in_msg * 8u);
	vfx_post(g->f, 0, 1, msg, 28 + npfn_in_msg * 8u);
}

static uint32_t expect_created(struct gfx *g, uint32_t handle)
{
	struct vmbus_msg_gpadl_created gc;
	vfx_expect(g->f, 0, VMBUS_MSG_GPADL_CREATED, &gc, NULL);
	assert_int_equal(gc.gpadl, handle);
	return gc.creation_status;
}

static void test_vmbs__gpadl_sizes__1_to_8190_pfns_created(void **state)
{
	(void)state;
	struct gfx *g = gfx_new(NULL);
	static const uint32_t sizes[] = { 1, 2, 25, 26, 27, 28, 54, 55, 56, 100, 1000, 8189, 8190 };
	uint64_t *p = pfns_of(g, 8190);
	for (unsigned i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		uint32_t h = 0x100 + i;
		assert_int_equal(vfx_gpadl(g->f, 1, h, p, sizes[i]), 0);
		vfx_teardown(g->f, 1, h);
		struct vmbus_msg_gpadl_torndown td;
		uint32_t len;
		vfx_expect(g->f, 0, VMBUS_MSG_GPADL_TORNDOWN, &td, &len);
		assert_int_equal(len, 12);
		assert_int_equal(td.gpadl, h);
	}
	assert_int_equal(vmbs_gpadl_count(g->f->vb), 0);
	assert_int_equal(stats(g).gpadls_created, 13);
	free(p);
	gfx_free(g);
}

static void test_vmbs__gpadl_8191_pfns__refused(void **state)
{
	(void)state;
	struct gfx *g = gfx_new(NULL);
	uint64_t *p = pfns_of(g, 26);
	/* 8191 PFNs need range_buflen 65536, which a u16 cannot say: a guest
	 * that wraps it to 0 is refused... */
	post_header(g, 1, 1, (uint16_t)(8 + 8191 * 8), 1, 8191u * 4096u, 0, p, 26);
	assert_int_not_equal(expect_created(g, 1), 0);
	assert_int_equal(stats(g).rej[VMBS_REJ_GPADL_HEADER], 1);
	/* ...and one that claims 8191 pages in 8190 PFNs is short of PFNs. */
	uint64_t *all = pfns_of(g, 8190);
	uint8_t msg[240] = { 0 };
	post_header(g, 1, 2, 8 + 8190 * 8, 1, 8191u * 4096u, 0, all, 26);
	for (uint32_t done = 26; done < 8190;) {
		uint32_t n = 8190 - done < 28 ? 8190 - done : 28;
		struct vmbus_msg_gpadl_body gb = { .hdr.msgtype = VMBUS_MSG_GPADL_BODY, .gpadl = 2 };
		memcpy(msg, &gb, sizeof gb);
		memcpy(msg + 16, all, n * 8u);
		vfx_post(g->f, 0, 1, msg, 16 + n * 8u);
		done += n;
	}
	assert_int_not_equal(expect_created(g, 2), 0);
	assert_int_equal(stats(g).rej[VMBS_REJ_GPADL_RANGE], 1);
	assert_int_equal(vmbs_gpadl_count(g->f->vb), 0);
	free(p);
	free(all);
	gfx_free(g);
}

static void test_vmbs__gpadl_buflen_below_rangecount__refused(void **state)
{
	(void)state;
	struct gfx *g = gfx_new(NULL);
	uint64_t p[1] = { g->page };
	post_header(g, 1, 1, 0, 1, 4096, 0, p, 1);             /* buflen 0 */
	assert_int_not_equal(expect_created(g, 1), 0);
	post_header(g, 1, 2, 16, 2, 4096, 0, p, 1);            /* 2 ranges in 16 bytes */
	assert_int_not_equal(expect_created(g, 2), 0);
	post_header(g, 1, 3, 20, 1, 4096, 0, p, 1);            /* not whole u64s */
	assert_int_not_equal(expect_created(g, 3), 0);
	assert_int_equal(stats(g).rej[VMBS_REJ_GPADL_HEADER], 3);
	assert_int_equal(vmbs_gpadl_count(g->f->vb), 0);
	gfx_free(g);
}

static void test_vmbs__gpadl_rangecount_zero__refused(void **state)
{
	(void)state;
	struct gfx *g = gfx_new(NULL);
	uint64_t p[1] = { g->page };
	post_header(g, 1, 1, 16, 0, 4096, 0, p, 1);
	assert_int_equal(expect_created(g, 1), VMBUS_STATUS_UNSUCCESSFUL);
	assert_int_equal(stats(g).rej[VMBS_REJ_GPADL_HEADER], 1);
	gfx_free(g);
}

static void test_vmbs__gpadl_fewer_ranges_than_rangecount__refused(void **state)
{
	(void)state;
	struct gfx *g = gfx_new(NULL);
	uint64_t p[3] = { g->page, g->page, g->page };
	/* 2 ranges announced, 32 bytes: the first range eats 3 PFNs. */
	post_header(g, 1, 1, 32, 2, 3 * 4096, 0, p, 3);
	assert_int_not_equal(expect_created(g, 1), 0);
	assert_int_equal(stats(g).rej[VMBS_REJ_GPADL_HEADER] + stats(g).rej[VMBS_REJ_GPADL_RANGE], 1);
	gfx_free(g);
}

static void test_vmbs__gpadl_byte_count_zero__refused(void **state)
{
	(void)state;
	struct gfx *g = gfx_new(NULL);
	uint64_t p[1] = { g->page };
	post_header(g, 1, 1, 16, 1, 0, 0, p, 1);
	assert_int_not_equal(expect_created(g, 1), 0);
	assert_int_equal(stats(g).rej[VMBS_REJ_GPADL_RANGE], 1);
	gfx_free(g);
}

static void test_vmbs__gpadl_byte_offset_past_page__refused(void **state)
{
	(void)state;
	struct gfx *g = gfx_new(NULL);
	uint64_t p[2] = { g->page, g->page };
	post_header(g, 1, 1, 24, 1, 1, 0x1000, p, 2);
	assert_int_not_equal(expect_created(g, 1), 0);
	assert_int_equal(stats(g).rej[VMBS_REJ_GPADL_RANGE], 1);
	gfx_free(g);
}

static void test_vmbs__gpadl_offset_plus_count_overflowing_u32__refused(void **state)
{
	(void)state;
	struct gfx *g = gfx_new(NULL);
	uint64_t p[1] = { g->page };
	/* 0xFFF + 0xFFFFFFFF needs 1048577 PFNs: far more than given. */
	post_header(g, 1, 1, 16, 1, 0xFFFFFFFFu, 0xFFF, p, 1);
	assert_int_not_equal(expect_created(g, 1), 0);
	assert_int_equal(stats(g).rej[VMBS_REJ_GPADL_RANGE], 1);
	gfx_free(g);
}

static void test_vmbs__gpadl_pfn_count_mismatch__refused(void **state)
{
	(void)state;
	struct gfx *g = gfx_new(NULL);
	uint64_t p[3] = { g->page, g->page, g->page };
	post_header(g, 1, 1, 8 + 3 * 8, 1, 2 * 4096, 0, p, 3); /* 3 PFNs for 2 pages */
	assert_int_not_equal(expect_created(g, 1), 0);
	post_header(g, 1, 2, 8 + 1 * 8, 1, 4096 + 1, 0, p, 1); /* 1 PFN for 2 pages */
	assert_int_not_equal(expect_created(g, 2), 0);
	assert_int_equal(stats(g).rej[VMBS_REJ_GPADL_RANGE], 2);
	gfx_free(g);
}

static void test_vmbs__gpadl_pfn_outside_guest_memory__refused(void **state)
{
	(void)state;
	struct gfx *g = gfx_new(NULL);
	uint64_t bad[3] = { VFX_MEM >> 12, 0xFFFFFFFFFFFFFull, UINT64_MAX };
	for (unsigned i = 0; i < 3; i++) {
		uint64_t p[2] = { g->page, bad[i] };
		post_header(g, 1, 10 + i, 24, 1, 2 * 4096, 0, p, 2);
		assert_int_not_equal(expect_created(g, 10 + i), 0);
	}
	assert_int_equal(stats(g).rej[VMBS_REJ_GPADL_PFN], 3);
	gfx_free(g);
}

static void test_vmbs__gpadl_duplicate_handle__refused(void **state)
{
	(void)state;
	struct gfx *g = gfx_new(NULL);
	uint64_t *p = pfns_of(g, 40);
	assert_int_equal(vfx_gpadl(g->f, 1, 7, p, 1), 0);
	/* Same channel, complete handle. */
	post_header(g, 1, 7, 16, 1, 4096, 0, p, 1);
	assert_int_not_equal(expect_created(g, 7), 0);
	/* Another channel may reuse a complete handle (keyed by channel). */
	assert_int_equal(vfx_gpadl(g->f, 2, 7, p, 1), 0);
	/* In progress on channel 1 (header of 40, bodies missing): unique
	 * across channels, because BODY carries no relid. */
	post_header(g, 1, 9, 8 + 40 * 8, 1, 40 * 4096, 0, p, 26);
	vfx_expect_none(g->f, 0);
	post_header(g, 2, 9, 16, 1, 4096, 0, p, 1);
	assert_int_not_equal(expect_created(g, 9), 0);
	assert_int_equal(stats(g).rej[VMBS_REJ_GPADL_DUP], 2);
	/* The in-progress one still completes. */
	uint8_t msg[240] = { 0 };
	struct vmbus_msg_gpadl_body gb = { .hdr.msgtype = VMBUS_MSG_GPADL_BODY, .gpadl = 9 };
	memcpy(msg, &gb, sizeof gb);
	memcpy(msg + 16, p, 14 * 8);
	vfx_post(g->f, 0, 1, msg, 16 + 14 * 8);
	assert_int_equal(expect_created(g, 9), 0);
	free(p);
	gfx_free(g);
}

static void test_vmbs__gpadl_body_unknown_handle__dropped(void **state)
{
	(void)state;
	struct gfx *g = gfx_new(NULL);
	uint64_t p[1] = { g->page };
	assert_int_equal(vfx_gpadl(g->f, 1, 5, p, 1), 0);
	uint8_t msg[240] = { 0 };
	struct vmbus_msg_gpadl_body gb = { .hdr.msgtype = VMBUS_MSG_GPADL_BODY, .gpadl = 5 };
	memcpy(msg, &gb, sizeof gb);
	vfx_post(g->f, 0, 1, msg, 24); /* complete already */
	gb.gpadl = 6;
	memcpy(msg, &gb, sizeof gb);
	vfx_post(g->f, 0, 1, msg, 24); /* never announced */
	vfx_expect_none(g->f, 0);
	assert_int_equal(stats(g).rej[VMBS_REJ_GPADL_BODY_UNKNOWN], 2);
	gfx_free(g);
}

static void test_vmbs__gpadl_body_with_excess_pfns__excess_ignored(void **state)
{
	(void)state;
	struct gfx *g = gfx_new(NULL);
	uint64_t *p = pfns_of(g, 28);
	post_header(g, 1, 3, 8 + 27 * 8, 1, 27 * 4096, 0, p, 26);
	uint8_t msg[240] = { 0 };
	struct vmbus_msg_gpadl_body gb = { .hdr.msgtype = VMBUS_MSG_GPADL_BODY, .gpadl = 3 };
	memcpy(msg, &gb, sizeof gb);
	uint64_t bad = UINT64_MAX;
	memcpy(msg + 16, p, 8);
	for (unsigned i = 1; i < 28; i++)
		memcpy(msg + 16 + i * 8, &bad, 8); /* past the end: never looked at */
	vfx_post(g->f, 0, 1, msg, 16 + 28 * 8);
	assert_int_equal(expect_created(g, 3), 0);
	free(p);
	gfx_free(g);
}

static void test_vmbs__gpadl_unknown_relid__dropped(void **state)
{
	(void)state;
	struct gfx *g = gfx_new(NULL);
	uint64_t p[1] = { g->page };
	post_header(g, 77, 1, 16, 1, 4096, 0, p, 1);
	post_header(g, 0, 1, 16, 1, 4096, 0, p, 1);
	vfx_expect_none(g->f, 0);
	assert_int_equal(stats(g).rej[VMBS_REJ_UNKNOWN_RELID], 2);
	gfx_free(g);
}

static void test_vmbs__gpadl_per_channel_cap__65th_refused(void **state)
{
	(void)state;
	struct gfx *g = gfx_new(NULL);
	uint64_t p[1] = { g->page };
	for (uint32_t h = 1; h <= VMBS_GPADL_MAX_PER_CHANNEL; h++)
		assert_int_equal(vfx_gpadl(g->f, 1, h, p, 1), 0);
	post_header(g, 1, 1000, 16, 1, 4096, 0, p, 1);
	assert_int_not_equal(expect_created(g, 1000), 0);
	assert_int_equal(stats(g).rej[VMBS_REJ_GPADL_CAP], 1);
	/* The other channel is unaffected. */
	assert_int_equal(vfx_gpadl(g->f, 2, 1000, p, 1), 0);
	gfx_free(g);
}

static void test_vmbs__gpadl_headers_never_completed__guest_cap_memory_flat(void **state)
{
	(void)state;
	struct vmbs_config cfg = { .max_gpadls = 100 };
	struct gfx *g = gfx_new(&cfg);
	uint64_t *p = pfns_of(g, 26);
	unsigned refused = 0;
	for (uint32_t h = 1; h <= 10000; h++) {
		/* Alternate channels so the per-channel cap is not what stops it. */
		post_header(g, 1 + (h & 1), h, 8 + 100 * 8, 1, 100 * 4096, 0, p, 26);
		uint8_t buf[240];
		uint32_t t = vfx_recv(g->f, 0, buf, NULL);
		if (t == VMBUS_MSG_GPADL_CREATED)
			refused++;
	}
	assert_int_equal(vmbs_gpadl_count(g->f->vb), 100);
	assert_int_equal(refused, 10000 - 100);
	assert_int_equal(stats(g).rej[VMBS_REJ_GPADL_CAP], 10000 - 100);
	free(p);
	gfx_free(g);
}

static void test_vmbs__gpadl_teardown_twice_or_unknown__dropped(void **state)
{
	(void)state;
	struct gfx *g = gfx_new(NULL);
	uint64_t p[1] = { g->page };
	assert_int_equal(vfx_gpadl(g->f, 1, 4, p, 1), 0);
	vfx_teardown(g->f, 1, 4);
	vfx_expect(g->f, 0, VMBUS_MSG_GPADL_TORNDOWN, NULL, NULL);
	vfx_teardown(g->f, 1, 4);
	vfx_teardown(g->f, 1, 12345);
	vfx_teardown(g->f, 2, 4); /* the right handle on the wrong channel */
	vfx_expect_none(g->f, 0);
	assert_int_equal(stats(g).rej[VMBS_REJ_TEARDOWN_UNKNOWN], 3);
	gfx_free(g);
}

static void test_vmbs__gpadl_on_rescinded_channel__accepted_until_release(void **state)
{
	(void)state;
	struct gfx *g = gfx_new(NULL);
	uint64_t p[1] = { g->page };
	assert_int_equal(vfx_gpadl(g->f, 1, 4, p, 1), 0);
	vmbs_dev_remove(g->e[0].primary);
	vfx_expect(g->f, 0, VMBUS_MSG_RESCIND_CHANNELOFFER, NULL, NULL);
	vfx_teardown(g->f, 1, 4);
	vfx_expect(g->f, 0, VMBUS_MSG_GPADL_TORNDOWN, NULL, NULL);
	assert_int_equal(vfx_gpadl(g->f, 1, 5, p, 1), 0);
	struct vmbus_msg_relid_released rr = { .hdr.msgtype = VMBUS_MSG_RELID_RELEASED,
					       .child_relid = 1 };
	vfx_post(g->f, 0, 1, &rr, sizeof rr);
	/* The leftover GPADL went with the channel. */
	assert_int_equal(vmbs_gpadl_count(g->f->vb), 0);
	gfx_free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vmbs__gpadl_sizes__1_to_8190_pfns_created),
		cmocka_unit_test(test_vmbs__gpadl_8191_pfns__refused),
		cmocka_unit_test(test_vmbs__gpadl_buflen_below_rangecount__refused),
		cmocka_unit_test(test_vmbs__gpadl_rangecount_zero__refused),
		cmocka_unit_test(test_vmbs__gpadl_fewer_ranges_than_rangecount__refused),
		cmocka_unit_test(test_vmbs__gpadl_byte_count_zero__refused),
		cmocka_unit_test(test_vmbs__gpadl_byte_offset_past_page__refused),
		cmocka_unit_test(test_vmbs__gpadl_offset_plus_count_overflowing_u32__refused),
		cmocka_unit_test(test_vmbs__gpadl_pfn_count_mismatch__refused),
		cmocka_unit_test(test_vmbs__gpadl_pfn_outside_guest_memory__refused),
		cmocka_unit_test(test_vmbs__gpadl_duplicate_handle__refused),
		cmocka_unit_test(test_vmbs__gpadl_body_unknown_handle__dropped),
		cmocka_unit_test(test_vmbs__gpadl_body_with_excess_pfns__excess_ignored),
		cmocka_unit_test(test_vmbs__gpadl_unknown_relid__dropped),
		cmocka_unit_test(test_vmbs__gpadl_per_channel_cap__65th_refused),
		cmocka_unit_test(test_vmbs__gpadl_headers_never_completed__guest_cap_memory_flat),
		cmocka_unit_test(test_vmbs__gpadl_teardown_twice_or_unknown__dropped),
		cmocka_unit_test(test_vmbs__gpadl_on_rescinded_channel__accepted_until_release),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
