/* test_vmbs_mem.c -- guest memory for devices: GPA-direct packets parsed and
 * checked (page-buffer and multi-page-buffer forms, every malformed shape),
 * bounded copies across scattered pages, and GPADL pins deferring teardown. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/helpers/vmbs_fixture.h"

static const uint8_t cls[16] = { 0xD7 };

enum { MEMDEV_PIN = 1, MEMDEV_UNPIN = 2 };

struct memdev {
	struct vmbs_chan *primary;
	int parse_rc, read_rc, write_rc, pin_rc;
	struct vmbs_gpa_list gl;
	uint8_t got[3 * 4096];
	uint32_t got_len;
	struct vmbs_pages pinned;
	unsigned teardown_calls;
	bool unpin_in_cb;
	uint32_t pinned_handle;
};

static int memdev_packet(struct vmbs_chan *ch, const struct vmbus_pkt_desc *d, const uint8_t *pkt,
			 uint32_t len)
{
	struct memdev *m = vmbs_chan_ctx(ch);
	if (d->type == VMBUS_PKT_DATA_USING_GPA_DIRECT) {
		m->parse_rc = vmbs_pkt_gpa_parse(ch, d, pkt, len, &m->gl);
		if (m->parse_rc)
			return 0;
		/* Read all of range 0, then stamp the last 4 bytes of the last range. */
		const struct vmbs_pages *r0 = &m->gl.range[0];
		m->got_len = (uint32_t)(r0->len < sizeof m->got ? r0->len : sizeof m->got);
		m->read_rc = vmbs_pages_read(ch, r0, 0, m->got, m->got_len);
		const struct vmbs_pages *rl = &m->gl.range[m->gl.nrange - 1];
		m->write_rc = vmbs_pages_write(ch, rl, rl->len - 4, "PONG", 4);
		return 0;
	}
	uint32_t cmd[2];
	if (len - d->offset8 * 8u < sizeof cmd)
		return -EINVAL;
	memcpy(cmd, pkt + d->offset8 * 8u, sizeof cmd);
	if (cmd[0] == MEMDEV_PIN) {
		m->pin_rc = vmbs_gpadl_pin(ch, cmd[1], &m->pinned);
		m->pinned_handle = cmd[1];
	} else if (cmd[0] == MEMDEV_UNPIN) {
		vmbs_gpadl_unpin(ch, cmd[1]);
	}
	return 0;
}

static void memdev_gpadl_teardown(struct vmbs_chan *ch, uint32_t handle)
{
	struct memdev *m = vmbs_chan_ctx(ch);
	m->teardown_calls++;
	if (m->unpin_in_cb)
		vmbs_gpadl_unpin(ch, handle);
}

static const struct vmbs_dev_ops memdev_ops = {
	.packet = memdev_packet,
	.gpadl_teardown = memdev_gpadl_teardown,
};

struct mfx {
	struct vfx *f;
	struct memdev m;
	struct vfx_ring r;
};

static struct mfx *mfx_new(void)
{
	struct mfx *x = calloc(1, sizeof *x);
	assert_non_null(x);
	x->f = vfx_new("ws2022", 1, NULL);
	struct vmbs_dev_params p;
	memset(&p, 0, sizeof p);
	memcpy(&p.class_id, cls, sizeof p.class_id);
	memset(&p.instance_id, 0x22, sizeof p.instance_id);
	x->m.primary = vmbs_dev_add(x->f->vb, &p, &memdev_ops, &x->m);
	assert_non_null(x->m.primary);
	assert_int_equal(vfx_connect(x->f, VMBUS_VERSION_WIN10_V5_3), 1);
	assert_int_equal(vfx_request_offers(x->f, NULL, 0), 1);
	assert_int_equal(vfx_ring_open(x->f, &x->r, 1, 8, 4, false, 0), 0);
	return x;
}

static void mfx_free(struct mfx *x)
{
	vfx_free(x->f);
	free(x);
}

static uint8_t *gpa_ptr(struct mfx *x, uint64_t gpa, uint64_t len)
{
	uint8_t *p = gmem_ptr(x->f->gm, gpa, len);
	assert_non_null(p);
	return p;
}

/* Build a type-9 packet from ranges (hdr + pfns already laid out in 'ranges'). */
static void send_gpa(struct mfx *x, uint32_t range_count, const void *ranges, uint32_t rlen)
{
	uint8_t pkt[1024];
	memset(pkt, 0, sizeof pkt);
	uint32_t hdr = 24 + rlen;
	assert_true(hdr % 8 == 0);
	uint32_t total = hdr + 8; /* 8 bytes of in-band payload */
	struct vmbus_pkt_desc d = { .type = VMBUS_PKT_DATA_USING_GPA_DIRECT,
				    .offset8 = (uint16_t)(hdr / 8), .len8 = (uint16_t)(total / 8),
				    .flags = VMBUS_PKT_FLAG_COMPLETION_REQUESTED, .trans_id = 7 };
	memcpy(pkt, &d, sizeof d);
	memcpy(pkt + 20, &range_count, 4);
	memcpy(pkt + 24, ranges, rlen);
	assert_true(vfx_ring_send_pkt(&x->r, pkt, total) >= 0);
	vfx_signal(x->f, 0x2001);
}

struct rng1 { uint32_t len, off; uint64_t pfn; };

static void test_vmbs_mem__pagebuf_two_ranges__parsed_read_and_written(void **state)
{
	(void)state;
	struct mfx *x = mfx_new();
	uint64_t a = vfx_alloc(x->f, 1), b = vfx_alloc(x->f, 1);
	memset(gpa_ptr(x, a, 4096), 0x5A, 4096);
	memcpy(gpa_ptr(x, a + 100, 5), "hello", 5);
	struct rng1 r[2] = { { 200, 100, a >> 12 }, { 64, 0, b >> 12 } };
	send_gpa(x, 2, r, sizeof r);
	assert_int_equal(x->m.parse_rc, 0);
	assert_int_equal(x->m.gl.nrange, 2);
	assert_int_equal(x->m.gl.npfn, 2);
	assert_int_equal(x->m.gl.range[0].offset, 100);
	assert_int_equal(x->m.gl.range[0].len, 200);
	assert_int_equal(x->m.gl.range[1].pfn[0], b >> 12);
	assert_int_equal(x->m.read_rc, 0);
	assert_int_equal(x->m.got_len, 200);
	assert_memory_equal(x->m.got, "hello", 5);
	assert_int_equal(x->m.got[199], 0x5A);
	assert_int_equal(x->m.write_rc, 0);
	assert_memory_equal(gpa_ptr(x, b + 60, 4), "PONG", 4);
	mfx_free(x);
}

static void test_vmbs_mem__mpb_across_scattered_pages__bytes_in_order(void **state)
{
	(void)state;
	struct mfx *x = mfx_new();
	uint64_t base = vfx_alloc(x->f, 3);
	/* Pages listed in reverse order: logical page i is physical page 2 - i. */
	struct { uint32_t len, off; uint64_t pfn[3]; } r = {
		.len = 2 * 4096, .off = 2048,
		.pfn = { (base >> 12) + 2, (base >> 12) + 1, base >> 12 } };
	for (uint32_t i = 0; i < 3; i++)
		memset(gpa_ptr(x, base + (uint64_t)(2 - i) * 4096, 4096), 'a' + (int)i, 4096);
	send_gpa(x, 1, &r, sizeof r);
	assert_int_equal(x->m.parse_rc, 0);
	assert_int_equal(x->m.gl.npfn, 3);
	assert_int_equal(x->m.got_len, 8192);
	assert_int_equal(x->m.got[0], 'a');
	assert_int_equal(x->m.got[2047], 'a');
	assert_int_equal(x->m.got[2048], 'b');
	assert_int_equal(x->m.got[6143], 'b');
	assert_int_equal(x->m.got[6144], 'c');
	/* The stamp lands at the range's end: logical page 2 = physical base + 0. */
	assert_memory_equal(gpa_ptr(x, base + 2048 - 4, 4), "PONG", 4);
	mfx_free(x);
}

/* The parser on its own (the ring layer already refuses some of these
 * shapes before a device sees them; devices and fuzzers call it directly). */
static void bad_case(uint32_t range_count, const void *ranges, uint32_t rlen, int want)
{
	struct mfx *x = mfx_new();
	uint8_t pkt[1024];
	memset(pkt, 0, sizeof pkt);
	uint32_t hdr = 24 + rlen, total = hdr + 8;
	assert_true(total <= sizeof pkt);
	struct vmbus_pkt_desc d = { .type = VMBUS_PKT_DATA_USING_GPA_DIRECT,
				    .offset8 = (uint16_t)(hdr / 8), .len8 = (uint16_t)(total / 8) };
	memcpy(pkt, &d, sizeof d);
	memcpy(pkt + 20, &range_count, 4);
	memcpy(pkt + 24, ranges, rlen);
	struct vmbs_gpa_list *gl = malloc(sizeof *gl);
	assert_non_null(gl);
	assert_int_equal(vmbs_pkt_gpa_parse(x->m.primary, &d, pkt, total, gl), want);
	/* A header area that claims more than the packet holds. */
	d.offset8 = (uint16_t)(total / 8 + 1);
	assert_int_equal(vmbs_pkt_gpa_parse(x->m.primary, &d, pkt, total, gl), -EINVAL);
	free(gl);
	mfx_free(x);
}

static void test_vmbs_mem__malformed_gpa_packets__refused_with_reason(void **state)
{
	(void)state;
	struct rng1 ok = { 16, 0, 0x10 };
	bad_case(0, &ok, sizeof ok, -EINVAL);                         /* no ranges */
	bad_case(2, &ok, sizeof ok, -EINVAL);                         /* more ranges than bytes */
	struct rng1 zero = { 0, 0, 0x10 };
	bad_case(1, &zero, sizeof zero, -EINVAL);                     /* empty range */
	struct rng1 off = { 16, 4096, 0x10 };
	bad_case(1, &off, sizeof off, -EINVAL);                       /* offset past the page */
	struct rng1 span = { 4000, 200, 0x10 };
	bad_case(1, &span, sizeof span, -EINVAL);                     /* needs 2 PFNs, has 1 */
	struct rng1 far = { 16, 0, 1ull << 40 };
	bad_case(1, &far, sizeof far, -EFAULT);                       /* outside guest memory */
	struct rng1 many[33];
	for (int i = 0; i < 33; i++)
		many[i] = ok;
	bad_case(33, many, sizeof many, -E2BIG);                      /* over the range cap */
	struct rng1 huge = { 0xFFFFFFFFu, 0, 0x10 };
	bad_case(1, &huge, sizeof huge, -EINVAL);                     /* length beyond the packet */
}

static void test_vmbs_mem__copy_outside_range__einval_nothing_copied(void **state)
{
	(void)state;
	struct mfx *x = mfx_new();
	uint64_t a = vfx_alloc(x->f, 1);
	struct rng1 r = { 100, 0, a >> 12 };
	send_gpa(x, 1, &r, sizeof r);
	assert_int_equal(x->m.parse_rc, 0);
	struct vmbs_chan *ch = x->m.primary;
	uint8_t buf[8] = { 0 };
	assert_int_equal(vmbs_pages_read(ch, &x->m.gl.range[0], 96, buf, 8), -EINVAL);
	assert_int_equal(vmbs_pages_read(ch, &x->m.gl.range[0], UINT64_MAX, buf, 1), -EINVAL);
	assert_int_equal(vmbs_pages_write(ch, &x->m.gl.range[0], 100, buf, 1), -EINVAL);
	assert_int_equal(vmbs_pages_read(ch, &x->m.gl.range[0], 92, buf, 8), 0);
	size_t avail;
	assert_null(vmbs_pages_ptr(ch, &x->m.gl.range[0], 100, &avail));
	assert_int_equal(avail, 0);
	assert_non_null(vmbs_pages_ptr(ch, &x->m.gl.range[0], 40, &avail));
	assert_int_equal(avail, 60);
	/* A copied list is re-pointed by vmbs_gpa_list_fix. */
	struct vmbs_gpa_list *copy = malloc(sizeof *copy);
	assert_non_null(copy);
	memcpy(copy, &x->m.gl, sizeof *copy);
	vmbs_gpa_list_fix(copy);
	assert_ptr_equal(copy->range[0].pfn, &copy->pfn[0]);
	free(copy);
	mfx_free(x);
}

static uint32_t make_gpadl(struct mfx *x, uint32_t handle, uint32_t npages)
{
	uint64_t gpa = vfx_alloc(x->f, npages);
	uint64_t pfns[8];
	for (uint32_t i = 0; i < npages; i++)
		pfns[i] = (gpa >> 12) + i;
	assert_int_equal(vfx_gpadl(x->f, 1, handle, pfns, npages), 0);
	return handle;
}

static void cmd(struct mfx *x, uint32_t c, uint32_t handle)
{
	uint32_t m[2] = { c, handle };
	assert_true(vfx_ring_send(&x->r, VMBUS_PKT_DATA_INBAND, 0, 1, m, sizeof m) >= 0);
	vfx_signal(x->f, 0x2001);
}

static void test_vmbs_mem__pinned_gpadl_teardown__deferred_until_unpin(void **state)
{
	(void)state;
	struct mfx *x = mfx_new();
	uint32_t h = make_gpadl(x, 0x100, 4);
	cmd(x, MEMDEV_PIN, h);
	assert_int_equal(x->m.pin_rc, 0);
	assert_int_equal(x->m.pinned.npfn, 4);
	assert_int_equal(x->m.pinned.len, 4 * 4096);
	vfx_teardown(x->f, 1, h);
	vfx_expect_none(x->f, 0);
	assert_int_equal(x->m.teardown_calls, 1);
	/* A second teardown of the same handle is refused, not answered. */
	vfx_teardown(x->f, 1, h);
	vfx_expect_none(x->f, 0);
	cmd(x, MEMDEV_UNPIN, h);
	struct vmbus_msg_gpadl_torndown td;
	vfx_expect(x->f, 0, VMBUS_MSG_GPADL_TORNDOWN, &td, NULL);
	assert_int_equal(td.gpadl, h);
	/* Only the ring's GPADL is left. */
	assert_int_equal(vmbs_gpadl_count(x->f->vb), 1);
	mfx_free(x);
}

static void test_vmbs_mem__unpin_inside_teardown_callback__torndown_at_once(void **state)
{
	(void)state;
	struct mfx *x = mfx_new();
	x->m.unpin_in_cb = true;
	uint32_t h = make_gpadl(x, 0x101, 2);
	cmd(x, MEMDEV_PIN, h);
	assert_int_equal(x->m.pin_rc, 0);
	vfx_teardown(x->f, 1, h);
	struct vmbus_msg_gpadl_torndown td;
	vfx_expect(x->f, 0, VMBUS_MSG_GPADL_TORNDOWN, &td, NULL);
	assert_int_equal(td.gpadl, h);
	assert_int_equal(x->m.teardown_calls, 1);
	mfx_free(x);
}

static void test_vmbs_mem__channel_close__drops_pins(void **state)
{
	(void)state;
	struct mfx *x = mfx_new();
	uint32_t h = make_gpadl(x, 0x102, 2);
	cmd(x, MEMDEV_PIN, h);
	assert_int_equal(x->m.pin_rc, 0);
	vfx_teardown(x->f, 1, h);
	vfx_expect_none(x->f, 0);
	vfx_close(x->f, 1);
	/* The pin went with the close; the deferred teardown completes. */
	struct vmbus_msg_gpadl_torndown td;
	vfx_expect(x->f, 0, VMBUS_MSG_GPADL_TORNDOWN, &td, NULL);
	assert_int_equal(td.gpadl, h);
	mfx_free(x);
}

static void test_vmbs_mem__pin_unknown_or_building__refused(void **state)
{
	(void)state;
	struct mfx *x = mfx_new();
	cmd(x, MEMDEV_PIN, 0x999);
	assert_int_equal(x->m.pin_rc, -ENOENT);
	vmbs_gpadl_unpin(x->m.primary, 0x999); /* harmless */
	mfx_free(x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vmbs_mem__pagebuf_two_ranges__parsed_read_and_written),
		cmocka_unit_test(test_vmbs_mem__mpb_across_scattered_pages__bytes_in_order),
		cmocka_unit_test(test_vmbs_mem__malformed_gpa_packets__refused_with_reason),
		cmocka_unit_test(test_vmbs_mem__copy_outside_range__einval_nothing_copied),
		cmocka_unit_test(test_vmbs_mem__pinned_gpadl_teardown__deferred_until_unpin),
		cmocka_unit_test(test_vmbs_mem__unpin_inside_teardown_callback__torndown_at_once),
		cmocka_unit_test(test_vmbs_mem__channel_close__drops_pins),
		cmocka_unit_test(test_vmbs_mem__pin_unknown_or_building__refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
