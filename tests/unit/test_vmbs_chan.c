/* test_vmbs_chan.c -- VMBus server channels: OPENCHANNEL validation,
 * close, teardown deferral, the echo device through real rings, signalling
 * of every era (interrupt page, per-channel SIEF bits, monitor pages),
 * corrupt rings, the per-pump budget and pending_send_sz. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/helpers/vmbs_fixture.h"

static const uint8_t cls[16] = { 0xC1 };

struct cfx {
	struct vfx *f;
	struct echo_dev e[2];
	struct vfx_ring r;
};

static struct cfx *cfx_new(const char *profile, uint32_t version, uint32_t nvcpus, bool monitor)
{
	struct cfx *c = calloc(1, sizeof *c);
	assert_non_null(c);
	c->f = vfx_new(profile, nvcpus, NULL);
	echo_dev_add(c->f->vb, &c->e[0], cls, 1, monitor, 0);
	echo_dev_add(c->f->vb, &c->e[1], cls, 2, monitor, 0);
	assert_int_equal(vfx_connect(c->f, version), 1);
	assert_int_equal(vfx_request_offers(c->f, NULL, 0), 2);
	return c;
}

static void cfx_free(struct cfx *c)
{
	vfx_free(c->f);
	free(c);
}

static struct vmbs_stats stats(struct cfx *c)
{
	struct vmbs_stats st;
	vmbs_get_stats(c->f->vb, &st);
	return st;
}

/* Ring GPADL of npages for relid, without opening. */
static uint32_t ring_gpadl(struct cfx *c, uint32_t relid, uint32_t handle, uint32_t npages)
{
	uint64_t gpa = vfx_alloc(c->f, npages);
	uint64_t pfns[64];
	for (uint32_t i = 0; i < npages; i++)
		pfns[i] = (gpa >> 12) + i;
	return vfx_gpadl(c->f, relid, handle, pfns, npages);
}

static void test_vmbs__open_and_echo__completion_comes_back_with_signal(void **state)
{
	(void)state;
	struct cfx *c = cfx_new("ws2022", VMBUS_VERSION_WIN10_V5_3, 2, false);
	assert_int_equal(vfx_ring_open(c->f, &c->r, 1, 8, 4, true, 1), 0);
	assert_int_equal(c->e[0].opens, 1);
	assert_true(vmbs_chan_is_open(vmbs_chan_by_relid(c->f->vb, 1)));
	assert_int_equal(vmbs_chan_target_vp(vmbs_chan_by_relid(c->f->vb, 1)), 1);
	assert_int_equal(vmbs_chan_open_data(vmbs_chan_by_relid(c->f->vb, 1))[0], 0xAB);
	/* We set the pending_send_sz feature on the ring we write. */
	assert_int_equal(vfx_ring_ctl(&c->r, true)[VFX_W_FEATURES] & 1, 1);

	const char msg[] = "hello, host";
	assert_int_equal(vfx_ring_send(&c->r, VMBUS_PKT_DATA_INBAND, 1, 0x1234, msg, sizeof msg), 1);
	assert_int_equal(vfx_signal(c->f, 0x2001), HV_STATUS_SUCCESS);
	assert_int_equal(c->e[0].packets, 1);
	assert_int_equal(c->e[0].last_tid, 0x1234);
	assert_int_equal(c->e[0].last_send_rc, 0);
	/* From 2.4: SIEF flag = relid on the channel's target VP. */
	assert_true(vfx_sief_take(c->f, 1, 1));
	assert_false(vfx_sief_take(c->f, 0, 1));
	uint8_t buf[256];
	int len = vfx_ring_recv(&c->r, buf, sizeof buf);
	assert_int_equal(len, 16 + 16);
	struct vmbus_pkt_desc d;
	memcpy(&d, buf, sizeof d);
	assert_int_equal(d.type, VMBUS_PKT_COMP);
	assert_int_equal(d.trans_id, 0x1234);
	assert_int_equal(d.flags, 0);
	assert_memory_equal(buf + 16, msg, sizeof msg);
	assert_int_equal(vfx_ring_recv(&c->r, buf, sizeof buf), -EAGAIN);
	assert_int_equal(stats(c).pkts_in, 1);
	assert_int_equal(stats(c).pkts_out, 1);
	cfx_free(c);
}

static void test_vmbs__open_bad_offsets__refused_channel_stays_closed(void **state)
{
	(void)state;
	struct cfx *c = cfx_new("ws2022", VMBUS_VERSION_WIN10_V5_3, 1, false);
	assert_int_equal(ring_gpadl(c, 1, 50, 8), 0);
	static const uint32_t bad[] = { 0, 1, 7, 8, 9, 0xFFFFFFFF };
	for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(vfx_open(c->f, 1, 1, 50, 0, bad[i]), VMBUS_STATUS_UNSUCCESSFUL);
	assert_int_equal(stats(c).rej[VMBS_REJ_OPEN_OFFSET], 6);
	assert_false(vmbs_chan_is_open(vmbs_chan_by_relid(c->f->vb, 1)));
	assert_int_equal(c->e[0].opens, 0);
	/* Edges that are fine: 2 and 6. */
	assert_int_equal(vfx_open(c->f, 1, 1, 50, 0, 6), 0);
	vfx_close(c->f, 1);
	assert_int_equal(vfx_open(c->f, 1, 1, 50, 0, 2), 0);
	/* A 3-page GPADL can hold no two rings. */
	assert_int_equal(ring_gpadl(c, 2, 51, 3), 0);
	assert_int_equal(vfx_open(c->f, 2, 2, 51, 0, 2), VMBUS_STATUS_UNSUCCESSFUL);
	cfx_free(c);
}

static void test_vmbs__open_unknown_relid__failure_result(void **state)
{
	(void)state;
	struct cfx *c = cfx_new("ws2022", VMBUS_VERSION_WIN10_V5_3, 1, false);
	assert_int_equal(vfx_open(c->f, 9, 9, 1, 0, 2), VMBUS_STATUS_UNSUCCESSFUL);
	assert_int_equal(stats(c).rej[VMBS_REJ_UNKNOWN_RELID], 1);
	cfx_free(c);
}

static void test_vmbs__open_already_open__refused(void **state)
{
	(void)state;
	struct cfx *c = cfx_new("ws2022", VMBUS_VERSION_WIN10_V5_3, 1, false);
	assert_int_equal(vfx_ring_open(c->f, &c->r, 1, 4, 2, false, 0), 0);
	assert_int_equal(ring_gpadl(c, 1, 60, 4), 0);
	assert_int_equal(vfx_open(c->f, 1, 1, 60, 0, 2), VMBUS_STATUS_UNSUCCESSFUL);
	assert_int_equal(stats(c).rej[VMBS_REJ_OPEN_STATE], 1);
	assert_int_equal(c->e[0].opens, 1);
	cfx_free(c);
}

static void test_vmbs__open_gpadl_incomplete_or_foreign__refused(void **state)
{
	(void)state;
	struct cfx *c = cfx_new("ws2022", VMBUS_VERSION_WIN10_V5_3, 1, false);
	/* Header announcing 40 pages, bodies never sent. */
	uint64_t gpa = vfx_alloc(c->f, 1);
	uint8_t msg[240] = { 0 };
	struct vmbus_msg_gpadl_header gh = { .hdr.msgtype = VMBUS_MSG_GPADL_HEADER,
		.child_relid = 1, .gpadl = 70, .range_buflen = 8 + 40 * 8, .rangecount = 1 };
	struct vmbus_gpa_range_hdr rh = { .byte_count = 40 * 4096 };
	memcpy(msg, &gh, sizeof gh);
	memcpy(msg + 20, &rh, sizeof rh);
	for (unsigned i = 0; i < 26; i++) {
		uint64_t pfn = gpa >> 12;
		memcpy(msg + 28 + i * 8, &pfn, 8);
	}
	vfx_post(c->f, 0, 1, msg, 236);
	assert_int_equal(vfx_open(c->f, 1, 1, 70, 0, 2), VMBUS_STATUS_UNSUCCESSFUL);
	/* Complete, but owned by channel 2. */
	assert_int_equal(ring_gpadl(c, 2, 71, 4), 0);
	assert_int_equal(vfx_open(c->f, 1, 1, 71, 0, 2), VMBUS_STATUS_UNSUCCESSFUL);
	/* Not page shaped: byte_offset 8. */
	uint64_t pfns[4] = { gpa >> 12, gpa >> 12, gpa >> 12, gpa >> 12 };
	gh.gpadl = 72;
	gh.range_buflen = 8 + 4 * 8;
	rh.byte_count = 3 * 4096;
	rh.byte_offset = 8;
	memcpy(msg, &gh, sizeof gh);
	memcpy(msg + 20, &rh, sizeof rh);
	memcpy(msg + 28, pfns, sizeof pfns);
	vfx_post(c->f, 0, 1, msg, 28 + 32);
	vfx_expect(c->f, 0, VMBUS_MSG_GPADL_CREATED, NULL, NULL);
	assert_int_equal(vfx_open(c->f, 1, 1, 72, 0, 2), VMBUS_STATUS_UNSUCCESSFUL);
	assert_int_equal(stats(c).rej[VMBS_REJ_OPEN_GPADL], 3);
	cfx_free(c);
}

static void test_vmbs__open_target_vp_invalid__refused(void **state)
{
	(void)state;
	struct cfx *c = cfx_new("ws2022", VMBUS_VERSION_WIN10_V5_3, 2, false);
	assert_int_equal(ring_gpadl(c, 1, 80, 4), 0);
	assert_int_equal(vfx_open(c->f, 1, 1, 80, 2, 2), VMBUS_STATUS_UNSUCCESSFUL);
	assert_int_equal(stats(c).rej[VMBS_REJ_OPEN_VP], 1);
	/* "No interrupts" is valid; nothing is signalled then. */
	assert_int_equal(vfx_open(c->f, 1, 1, 80, VMBUS_TARGET_VP_NO_INTERRUPT, 2), 0);
	cfx_free(c);
}

static void test_vmbs__device_refuses_open__failure_result(void **state)
{
	(void)state;
	struct cfx *c = cfx_new("ws2022", VMBUS_VERSION_WIN10_V5_3, 1, false);
	c->e[0].open_rc = -EIO;
	assert_int_equal(ring_gpadl(c, 1, 81, 4), 0);
	assert_int_equal(vfx_open(c->f, 1, 1, 81, 0, 2), VMBUS_STATUS_UNSUCCESSFUL);
	assert_int_equal(stats(c).rej[VMBS_REJ_OPEN_DEVICE], 1);
	/* No event port was left behind. */
	assert_int_equal(vfx_signal(c->f, 0x2001), HV_STATUS_INVALID_CONNECTION_ID);
	cfx_free(c);
}

static void test_vmbs__close_never_opened__dropped(void **state)
{
	(void)state;
	struct cfx *c = cfx_new("ws2022", VMBUS_VERSION_WIN10_V5_3, 1, false);
	vfx_close(c->f, 1);
	vfx_close(c->f, 55);
	assert_int_equal(stats(c).rej[VMBS_REJ_CLOSE_NOT_OPEN], 1);
	assert_int_equal(stats(c).rej[VMBS_REJ_UNKNOWN_RELID], 1);
	assert_int_equal(c->e[0].closes, 0);
	vfx_expect_none(c->f, 0);
	cfx_free(c);
}

static void test_vmbs__close__device_told_and_event_port_gone(void **state)
{
	(void)state;
	struct cfx *c = cfx_new("ws2022", VMBUS_VERSION_WIN10_V5_3, 1, false);
	assert_int_equal(vfx_ring_open(c->f, &c->r, 1, 4, 2, false, 0), 0);
	vfx_close(c->f, 1);
	assert_int_equal(c->e[0].closes, 1);
	assert_int_equal(vfx_signal(c->f, 0x2001), HV_STATUS_INVALID_CONNECTION_ID);
	vfx_expect_none(c->f, 0); /* CLOSECHANNEL has no reply */
	cfx_free(c);
}

static void test_vmbs__teardown_of_open_ring__deferred_until_close(void **state)
{
	(void)state;
	struct cfx *c = cfx_new("ws2022", VMBUS_VERSION_WIN10_V5_3, 1, false);
	assert_int_equal(vfx_ring_open(c->f, &c->r, 1, 4, 2, false, 0), 0);
	vfx_teardown(c->f, 1, c->r.gpadl);
	vfx_expect_none(c->f, 0);
	assert_int_equal(stats(c).teardowns_deferred, 1);
	/* Still working meanwhile. */
	assert_int_equal(vfx_ring_send(&c->r, VMBUS_PKT_DATA_INBAND, 0, 1, "x", 1), 1);
	vfx_signal(c->f, 0x2001);
	assert_int_equal(c->e[0].packets, 1);
	vfx_close(c->f, 1);
	struct vmbus_msg_gpadl_torndown td;
	vfx_expect(c->f, 0, VMBUS_MSG_GPADL_TORNDOWN, &td, NULL);
	assert_int_equal(td.gpadl, c->r.gpadl);
	assert_int_equal(vmbs_gpadl_count(c->f->vb), 0);
	cfx_free(c);
}

/* Found by fuzz_vmbs_msg in CI: the device's own send found the out ring
 * corrupt (the guest scribbled its read index), the channel stopped and
 * freed the packet buffer the device was still reading. */
static void test_vmbs__send_fails_on_corrupt_out_ring__device_packet_still_valid(void **state)
{
	(void)state;
	struct cfx *c = cfx_new("ws2022", VMBUS_VERSION_WIN10_V5_3, 1, false);
	assert_int_equal(vfx_ring_open(c->f, &c->r, 1, 4, 2, false, 0), 0);
	c->e[0].reread = true;
	vfx_ring_ctl(&c->r, true)[VFX_W_READ] = 12; /* misaligned: ring B is corrupt */
	const char msg[] = "read me twice";
	assert_int_equal(vfx_ring_send(&c->r, VMBUS_PKT_DATA_INBAND, 1, 0x77, msg, sizeof msg), 1);
	vfx_signal(c->f, 0x2001);
	assert_int_equal(c->e[0].packets, 1);
	assert_int_equal(c->e[0].last_send_rc, -EIO);
	assert_memory_equal(c->e[0].last, msg, sizeof msg);
	assert_int_equal(stats(c).ring_corrupt, 1);
	assert_int_equal(c->e[0].closes, 1);
	assert_false(vmbs_chan_is_open(vmbs_chan_by_relid(c->f->vb, 1)));
	/* The guest closes and opens again on clean rings. */
	vfx_close(c->f, 1);
	memset(c->r.pg[0], 0, 4096);
	vfx_ring_ctl(&c->r, true)[VFX_W_READ] = 0;
	assert_int_equal(vfx_open(c->f, 1, 7, c->r.gpadl, 0, 2), 0);
	cfx_free(c);
}

/* Open channel 1 on a 2+2-page ring, poke ring A, signal, expect a close. */
static void corrupt_case(void (*poke)(struct vfx_ring *r), const char *why)
{
	struct cfx *c = cfx_new("ws2022", VMBUS_VERSION_WIN10_V5_3, 1, false);
	assert_int_equal(vfx_ring_open(c->f, &c->r, 1, 4, 2, false, 0), 0);
	poke(&c->r);
	vfx_signal(c->f, 0x2001);
	assert_int_equal(stats(c).ring_corrupt, 1);
	assert_int_equal(c->e[0].closes, 1);
	assert_int_equal(c->e[0].packets, 0);
	assert_false(vmbs_chan_is_open(vmbs_chan_by_relid(c->f->vb, 1)));
	assert_non_null(strstr(c->f->last_error, why));
	/* The other channel is unaffected; the guest's CLOSE is accepted and
	 * the channel can open again. */
	vfx_close(c->f, 1);
	assert_int_equal(stats(c).rej[VMBS_REJ_CLOSE_NOT_OPEN], 0);
	assert_int_equal(c->e[0].closes, 1);
	memset(c->r.pg[0], 0, 4096);
	assert_int_equal(vfx_open(c->f, 1, 7, c->r.gpadl, 0, 2), 0);
	cfx_free(c);
}

static void poke_misaligned_write(struct vfx_ring *r) { vfx_ring_ctl(r, false)[VFX_W_WRITE] = 12; }
static void poke_write_past_end(struct vfx_ring *r) { vfx_ring_ctl(r, false)[VFX_W_WRITE] = 4096; }

static void poke_desc(struct vfx_ring *r, struct vmbus_pkt_desc d, uint32_t wr)
{
	vfx_ring_poke(r, 0, &d, sizeof d);
	vfx_ring_ctl(r, false)[VFX_W_WRITE] = wr;
}
static void poke_offset8_1(struct vfx_ring *r)
{
	poke_desc(r, (struct vmbus_pkt_desc){ .type = 6, .offset8 = 1, .len8 = 3 }, 32);
}
static void poke_len_lt_offset(struct vfx_ring *r)
{
	poke_desc(r, (struct vmbus_pkt_desc){ .type = 6, .offset8 = 4, .len8 = 3 }, 32);
}
static void poke_len_past_written(struct vfx_ring *r)
{
	poke_desc(r, (struct vmbus_pkt_desc){ .type = 6, .offset8 = 2, .len8 = 10 }, 32);
}
static void poke_flag_bits(struct vfx_ring *r)
{
	poke_desc(r, (struct vmbus_pkt_desc){ .type = 6, .offset8 = 2, .len8 = 3, .flags = 2 }, 32);
}
static void poke_type_xfer(struct vfx_ring *r)
{
	poke_desc(r, (struct vmbus_pkt_desc){ .type = 7, .offset8 = 3, .len8 = 3 }, 32);
}
static void poke_type_c(struct vfx_ring *r)
{
	poke_desc(r, (struct vmbus_pkt_desc){ .type = 0xC, .offset8 = 2, .len8 = 3 }, 32);
}
static void poke_gpa_no_range(struct vfx_ring *r)
{
	poke_desc(r, (struct vmbus_pkt_desc){ .type = 9, .offset8 = 3, .len8 = 3 }, 32);
}

static void test_vmbs__ring_write_index_misaligned__channel_closed(void **state)
{
	(void)state;
	corrupt_case(poke_misaligned_write, "write_index");
}

static void test_vmbs__ring_write_index_past_end__channel_closed(void **state)
{
	(void)state;
	corrupt_case(poke_write_past_end, "write_index");
}

static void test_vmbs__ring_desc_offset8_below_2__channel_closed(void **state)
{
	(void)state;
	corrupt_case(poke_offset8_1, "offset8");
}

static void test_vmbs__ring_desc_len8_below_offset8__channel_closed(void **state)
{
	(void)state;
	corrupt_case(poke_len_lt_offset, "offset8");
}

static void test_vmbs__ring_desc_longer_than_written__channel_closed(void **state)
{
	(void)state;
	corrupt_case(poke_len_past_written, "longer");
}

static void test_vmbs__ring_desc_unknown_flags__channel_closed(void **state)
{
	(void)state;
	corrupt_case(poke_flag_bits, "flag");
}

static void test_vmbs__ring_xfer_page_packet_from_guest__channel_closed(void **state)
{
	(void)state;
	corrupt_case(poke_type_xfer, "type");
}

static void test_vmbs__ring_unknown_packet_type__channel_closed(void **state)
{
	(void)state;
	corrupt_case(poke_type_c, "type");
}

static void test_vmbs__ring_gpa_direct_without_range__channel_closed(void **state)
{
	(void)state;
	corrupt_case(poke_gpa_no_range, "GPA-direct");
}

static void test_vmbs__ring_read_index_corrupt_on_send__channel_closed(void **state)
{
	(void)state;
	struct cfx *c = cfx_new("ws2022", VMBUS_VERSION_WIN10_V5_3, 1, false);
	assert_int_equal(vfx_ring_open(c->f, &c->r, 1, 4, 2, false, 0), 0);
	vfx_ring_ctl(&c->r, true)[VFX_W_READ] = 5; /* the ring we write */
	assert_int_equal(vmbs_chan_send_inband(vmbs_chan_by_relid(c->f->vb, 1), 1, "a", 1, false),
			 -EIO);
	assert_int_equal(stats(c).ring_corrupt, 1);
	assert_non_null(strstr(c->f->last_error, "read_index"));
	cfx_free(c);
}

static void test_vmbs__many_packets__budget_per_pump(void **state)
{
	(void)state;
	struct cfx *c = cfx_new("ws2022", VMBUS_VERSION_WIN10_V5_3, 1, false);
	c->e[0].no_echo = true;
	assert_int_equal(vfx_ring_open(c->f, &c->r, 1, 16, 8, false, 0), 0);
	for (unsigned i = 0; i < 100; i++)
		assert_true(vfx_ring_send(&c->r, VMBUS_PKT_DATA_INBAND, 0, i, &i, 4) >= 0);
	part_hypercall(c->f->p, 0, HVCALL_SIGNAL_EVENT | HV_HC_FAST, 0x2001, 0);
	assert_true(vmbs_pump(c->f->vb));
	assert_int_equal(c->e[0].packets, VMBS_PKT_BUDGET);
	assert_int_equal(stats(c).budget_exhausted, 1);
	assert_false(vmbs_pump(c->f->vb));
	assert_int_equal(c->e[0].packets, 100);
	assert_int_equal(c->e[0].last_tid, 99);
	cfx_free(c);
}

static void test_vmbs__host_ring_full__pending_send_sz_then_writable(void **state)
{
	(void)state;
	struct cfx *c = cfx_new("ws2022", VMBUS_VERSION_WIN10_V5_3, 1, false);
	assert_int_equal(vfx_ring_open(c->f, &c->r, 1, 4, 2, false, 0), 0);
	struct vmbs_chan *ch = vmbs_chan_by_relid(c->f->vb, 1);
	uint8_t big[1000] = { 0 };
	int rc, sent = 0;
	while ((rc = vmbs_chan_send_inband(ch, 1, big, sizeof big, false)) == 0)
		sent++;
	assert_int_equal(rc, -EAGAIN);
	/* 1024 bytes each; the 4th would fill D exactly, which the strict
	 * free > needed rule forbids. */
	assert_int_equal(sent, 3);
	uint32_t pend = vfx_ring_ctl(&c->r, true)[VFX_W_PENDING];
	assert_int_equal(pend, 1016 + 8); /* padded packet + trailer */
	uint8_t buf[1100];
	assert_true(vfx_ring_recv(&c->r, buf, sizeof buf) > 0);
	vfx_signal(c->f, 0x2001);
	assert_int_equal(c->e[0].writables, 1);
	assert_int_equal(vfx_ring_ctl(&c->r, true)[VFX_W_PENDING], 0);
	assert_int_equal(vmbs_chan_send_inband(ch, 1, big, sizeof big, false), 0);
	cfx_free(c);
}

static void test_vmbs__guest_blocked_on_its_ring__signalled_when_space_frees(void **state)
{
	(void)state;
	struct cfx *c = cfx_new("ws2022", VMBUS_VERSION_WIN10_V5_3, 1, false);
	c->e[0].no_echo = true;
	assert_int_equal(vfx_ring_open(c->f, &c->r, 1, 4, 2, false, 0), 0);
	uint8_t big[1000] = { 0 };
	while (vfx_ring_send(&c->r, VMBUS_PKT_DATA_INBAND, 0, 1, big, sizeof big) >= 0)
		;
	/* The guest says it waits for one more packet. */
	uint32_t *a = vfx_ring_ctl(&c->r, false);
	a[VFX_W_FEATURES] = 1;
	a[VFX_W_PENDING] = 1032;
	vfx_sief_take(c->f, 0, 1);
	vfx_signal(c->f, 0x2001);
	assert_int_equal(c->e[0].packets, 3);
	assert_true(vfx_sief_take(c->f, 0, 1));
	/* Without the feature bit, no signal. */
	while (vfx_ring_send(&c->r, VMBUS_PKT_DATA_INBAND, 0, 1, big, sizeof big) >= 0)
		;
	a[VFX_W_FEATURES] = 0;
	vfx_signal(c->f, 0x2001);
	assert_false(vfx_sief_take(c->f, 0, 1));
	cfx_free(c);
}

static void test_vmbs__interrupt_mask_set__no_signal(void **state)
{
	(void)state;
	struct cfx *c = cfx_new("ws2022", VMBUS_VERSION_WIN10_V5_3, 1, false);
	assert_int_equal(vfx_ring_open(c->f, &c->r, 1, 4, 2, false, 0), 0);
	struct vmbs_chan *ch = vmbs_chan_by_relid(c->f->vb, 1);
	vfx_ring_ctl(&c->r, true)[VFX_W_MASK] = 1;
	assert_int_equal(vmbs_chan_send_inband(ch, 1, "a", 1, false), 0);
	assert_false(vfx_sief_take(c->f, 0, 1));
	vfx_ring_ctl(&c->r, true)[VFX_W_MASK] = 0;
	/* Not empty before: still no signal. */
	assert_int_equal(vmbs_chan_send_inband(ch, 2, "b", 1, false), 0);
	assert_false(vfx_sief_take(c->f, 0, 1));
	uint8_t buf[64];
	vfx_ring_recv(&c->r, buf, sizeof buf);
	vfx_ring_recv(&c->r, buf, sizeof buf);
	assert_int_equal(vmbs_chan_send_inband(ch, 3, "c", 1, false), 0);
	assert_true(vfx_sief_take(c->f, 0, 1));
	assert_int_equal(stats(c).signals_out, 1);
	cfx_free(c);
}

static void test_vmbs__win7_signalling__interrupt_page_and_vp0(void **state)
{
	(void)state;
	struct cfx *c = cfx_new("ws2008r2", VMBUS_VERSION_WIN7, 2, false);
	assert_int_equal(vfx_ring_open(c->f, &c->r, 2, 4, 2, false, 1), 0);
	assert_int_equal(vmbs_chan_target_vp(vmbs_chan_by_relid(c->f->vb, 2)), 0);
	assert_int_equal(vfx_ring_send(&c->r, VMBUS_PKT_DATA_INBAND, 0, 5, "ping", 4), 1);
	assert_int_equal(vfx_signal(c->f, 0x2002), 0); /* 1.1: per-channel connection id */
	assert_int_equal(c->e[1].packets, 1);
	/* Host->guest: relid bit in the first half, SIEF flag 0 on VP 0. */
	uint8_t *ip = gmem_ptr(c->f->gm, VFX_INT_PAGE, 4096);
	assert_int_equal(ip[0], 1u << 2);
	assert_true(vfx_sief_take(c->f, 0, 0));
	assert_false(vfx_sief_take(c->f, 1, 0));
	assert_false(vfx_sief_take(c->f, 0, 2));
	cfx_free(c);
}

static void test_vmbs__ws2008_signalling__interrupt_page_both_ways(void **state)
{
	(void)state;
	struct cfx *c = cfx_new("ws2008r2", VMBUS_VERSION_WS2008, 1, false);
	assert_int_equal(vfx_ring_open(c->f, &c->r, 2, 4, 2, false, 0), 0);
	vfx_ring_send(&c->r, VMBUS_PKT_DATA_INBAND, 0, 5, "ping", 4);
	/* 0.13 has no per-channel connection: its port does not exist. */
	assert_int_equal(vfx_signal(c->f, 0x2002), HV_STATUS_INVALID_CONNECTION_ID);
	assert_int_equal(c->e[1].packets, 0);
	uint8_t *ip = gmem_ptr(c->f->gm, VFX_INT_PAGE, 4096);
	ip[2048] = 1u << 2; /* g2h half, relid 2 */
	assert_int_equal(vfx_signal(c->f, VMBUS_EVENT_CONNECTION_ID), 0);
	assert_int_equal(c->e[1].packets, 1);
	assert_int_equal(ip[2048], 0); /* taken */
	assert_int_equal(ip[0], 1u << 2);
	assert_true(vfx_sief_take(c->f, 0, 0));
	cfx_free(c);
}

static void test_vmbs__monitor_pending_bit__channel_processed_and_bit_cleared(void **state)
{
	(void)state;
	struct cfx *c = cfx_new("ws2022", VMBUS_VERSION_WIN10_V5_3, 1, true);
	assert_int_equal(vfx_ring_open(c->f, &c->r, 2, 4, 2, false, 0), 0);
	vfx_ring_send(&c->r, VMBUS_PKT_DATA_INBAND, 0, 5, "ping", 4);
	/* Channel 2 got monitor id 1: group 0, bit 1.  Another bit (31)
	 * that is not ours stays set. */
	uint32_t *pending = gmem_ptr(c->f->gm, VFX_MON2 + 8, 4);
	*pending = (1u << 1) | (1u << 31);
	vmbs_pump(c->f->vb);
	assert_int_equal(c->e[1].packets, 1);
	assert_int_equal(*pending, 1u << 31);
	assert_int_equal(stats(c).monitor_hits, 1);
	cfx_free(c);
}

static void test_vmbs__modifychannel__retargets_and_acks_from_5_3(void **state)
{
	(void)state;
	struct cfx *c = cfx_new("ws2022", VMBUS_VERSION_WIN10_V5_3, 2, false);
	assert_int_equal(vfx_ring_open(c->f, &c->r, 1, 4, 2, false, 0), 0);
	struct vmbus_msg_modify_channel mc = { .hdr.msgtype = VMBUS_MSG_MODIFYCHANNEL,
					       .child_relid = 1, .target_vp = 1 };
	vfx_post(c->f, 0, 1, &mc, sizeof mc);
	struct vmbus_msg_modify_channel_response r;
	vfx_expect(c->f, 0, VMBUS_MSG_MODIFYCHANNEL_RESPONSE, &r, NULL);
	assert_int_equal(r.status, 0);
	assert_int_equal(vmbs_chan_target_vp(vmbs_chan_by_relid(c->f->vb, 1)), 1);
	mc.target_vp = 5;
	vfx_post(c->f, 0, 1, &mc, sizeof mc);
	vfx_expect(c->f, 0, VMBUS_MSG_MODIFYCHANNEL_RESPONSE, &r, NULL);
	assert_int_not_equal(r.status, 0);
	cfx_free(c);
}

static void test_vmbs__rescind_of_open_channel__close_then_release(void **state)
{
	(void)state;
	struct cfx *c = cfx_new("ws2022", VMBUS_VERSION_WIN10_V5_3, 1, false);
	assert_int_equal(vfx_ring_open(c->f, &c->r, 1, 4, 2, false, 0), 0);
	vmbs_dev_remove(c->e[0].primary);
	vfx_expect(c->f, 0, VMBUS_MSG_RESCIND_CHANNELOFFER, NULL, NULL);
	/* Open refused on a rescinded channel; I/O still flows until close. */
	vfx_ring_send(&c->r, VMBUS_PKT_DATA_INBAND, 0, 5, "ping", 4);
	vfx_signal(c->f, 0x2001);
	assert_int_equal(c->e[0].packets, 1);
	vfx_close(c->f, 1);
	vfx_teardown(c->f, 1, c->r.gpadl);
	vfx_expect(c->f, 0, VMBUS_MSG_GPADL_TORNDOWN, NULL, NULL);
	struct vmbus_msg_relid_released rr = { .hdr.msgtype = VMBUS_MSG_RELID_RELEASED,
					       .child_relid = 1 };
	vfx_post(c->f, 0, 1, &rr, sizeof rr);
	assert_int_equal(c->e[0].closes, 1);
	assert_int_equal(c->e[0].rescinded, 1);
	assert_null(vmbs_chan_by_relid(c->f->vb, 1));
	cfx_free(c);
}

static void test_vmbs__send_on_closed_channel__enotconn(void **state)
{
	(void)state;
	struct cfx *c = cfx_new("ws2022", VMBUS_VERSION_WIN10_V5_3, 1, false);
	struct vmbs_chan *ch = vmbs_chan_by_relid(c->f->vb, 1);
	assert_int_equal(vmbs_chan_send_inband(ch, 1, "a", 1, false), -ENOTCONN);
	assert_int_equal(vmbs_chan_send_completion(ch, 1, "a", 1), -ENOTCONN);
	struct vmbus_xfer_page_range xr = { 1, 0 };
	assert_int_equal(vmbs_chan_send_xfer_pages(ch, 1, 0xCAFE, &xr, 1, NULL, 0), -ENOTCONN);
	cfx_free(c);
}

static void test_vmbs__xfer_pages_packet__layout(void **state)
{
	(void)state;
	struct cfx *c = cfx_new("ws2022", VMBUS_VERSION_WIN10_V5_3, 1, false);
	assert_int_equal(vfx_ring_open(c->f, &c->r, 1, 4, 2, false, 0), 0);
	struct vmbs_chan *ch = vmbs_chan_by_relid(c->f->vb, 1);
	struct vmbus_xfer_page_range xr[2] = { { 1514, 0 }, { 60, 4096 } };
	uint32_t nvsp = 0x6B;
	assert_int_equal(vmbs_chan_send_xfer_pages(ch, 0x77, 0xCAFE, xr, 2, &nvsp, 4), 0);
	uint8_t buf[128];
	int len = vfx_ring_recv(&c->r, buf, sizeof buf);
	assert_int_equal(len, 48);
	struct vmbus_pkt_xfer_pages h;
	memcpy(&h, buf, sizeof h);
	assert_int_equal(h.d.type, VMBUS_PKT_DATA_USING_XFER_PAGES);
	assert_int_equal(h.d.offset8, 5);
	assert_int_equal(h.d.len8, 6);
	assert_int_equal(h.d.flags, 1);
	assert_int_equal(h.xfer_pageset_id, 0xCAFE);
	assert_int_equal(h.range_count, 2);
	assert_memory_equal(buf + 24, xr, 16);
	assert_memory_equal(buf + 40, &nvsp, 4);
	cfx_free(c);
}

/* RELIABILITY #48: an in-band packet that requests a completion with
 * transaction id 0: the host does not care what the id is and echoes 0 in
 * the completion (the guest side must never allocate 0; vmbus_chan_send
 * refuses it). */
static void test_vmbs__inband_tid_0_completion_requested__echoed(void **state)
{
	(void)state;
	struct cfx *c = cfx_new("ws2022", VMBUS_VERSION_WIN10_V5_3, 2, false);
	assert_int_equal(vfx_ring_open(c->f, &c->r, 1, 8, 4, true, 1), 0);
	const char msg[] = "id zero";
	assert_int_equal(vfx_ring_send(&c->r, VMBUS_PKT_DATA_INBAND, 1, 0, msg, sizeof msg), 1);
	assert_int_equal(vfx_signal(c->f, 0x2001), HV_STATUS_SUCCESS);
	assert_int_equal(c->e[0].packets, 1);
	assert_int_equal(c->e[0].last_tid, 0);
	uint8_t buf[256];
	int len = vfx_ring_recv(&c->r, buf, sizeof buf);
	assert_int_equal(len, 16 + 8);
	struct vmbus_pkt_desc d;
	memcpy(&d, buf, sizeof d);
	assert_int_equal(d.type, VMBUS_PKT_COMP);
	assert_int_equal(d.trans_id, 0);
	assert_memory_equal(buf + 16, msg, sizeof msg);
	assert_true(vmbs_chan_is_open(vmbs_chan_by_relid(c->f->vb, 1)));
	cfx_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vmbs__send_fails_on_corrupt_out_ring__device_packet_still_valid),
		cmocka_unit_test(test_vmbs__open_and_echo__completion_comes_back_with_signal),
		cmocka_unit_test(test_vmbs__inband_tid_0_completion_requested__echoed),
		cmocka_unit_test(test_vmbs__open_bad_offsets__refused_channel_stays_closed),
		cmocka_unit_test(test_vmbs__open_unknown_relid__failure_result),
		cmocka_unit_test(test_vmbs__open_already_open__refused),
		cmocka_unit_test(test_vmbs__open_gpadl_incomplete_or_foreign__refused),
		cmocka_unit_test(test_vmbs__open_target_vp_invalid__refused),
		cmocka_unit_test(test_vmbs__device_refuses_open__failure_result),
		cmocka_unit_test(test_vmbs__close_never_opened__dropped),
		cmocka_unit_test(test_vmbs__close__device_told_and_event_port_gone),
		cmocka_unit_test(test_vmbs__teardown_of_open_ring__deferred_until_close),
		cmocka_unit_test(test_vmbs__ring_write_index_misaligned__channel_closed),
		cmocka_unit_test(test_vmbs__ring_write_index_past_end__channel_closed),
		cmocka_unit_test(test_vmbs__ring_desc_offset8_below_2__channel_closed),
		cmocka_unit_test(test_vmbs__ring_desc_len8_below_offset8__channel_closed),
		cmocka_unit_test(test_vmbs__ring_desc_longer_than_written__channel_closed),
		cmocka_unit_test(test_vmbs__ring_desc_unknown_flags__channel_closed),
		cmocka_unit_test(test_vmbs__ring_xfer_page_packet_from_guest__channel_closed),
		cmocka_unit_test(test_vmbs__ring_unknown_packet_type__channel_closed),
		cmocka_unit_test(test_vmbs__ring_gpa_direct_without_range__channel_closed),
		cmocka_unit_test(test_vmbs__ring_read_index_corrupt_on_send__channel_closed),
		cmocka_unit_test(test_vmbs__many_packets__budget_per_pump),
		cmocka_unit_test(test_vmbs__host_ring_full__pending_send_sz_then_writable),
		cmocka_unit_test(test_vmbs__guest_blocked_on_its_ring__signalled_when_space_frees),
		cmocka_unit_test(test_vmbs__interrupt_mask_set__no_signal),
		cmocka_unit_test(test_vmbs__win7_signalling__interrupt_page_and_vp0),
		cmocka_unit_test(test_vmbs__ws2008_signalling__interrupt_page_both_ways),
		cmocka_unit_test(test_vmbs__monitor_pending_bit__channel_processed_and_bit_cleared),
		cmocka_unit_test(test_vmbs__modifychannel__retargets_and_acks_from_5_3),
		cmocka_unit_test(test_vmbs__rescind_of_open_channel__close_then_release),
		cmocka_unit_test(test_vmbs__send_on_closed_channel__enotconn),
		cmocka_unit_test(test_vmbs__xfer_pages_packet__layout),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
