/* test_vmbus_guest_offer.c -- offers to child devices: drivers attach in
 * offer order under 100 seeds (the NIC-name-swap bug), hostile offers,
 * hot add, rescind (attached, during open, twice, unknown), sub-channels;
 * against the scripted host and the real server. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "guest_drivers/kern.h"
#include "guest_drivers/vmbus/vmbus.h"
#include "hyperv/vmbus_msg.h"
#include "sim/guest/guest_vmbus.h"
#include "sim/guest/runtime.h"
#include "sim/hostd/vmbs.h"
#include "sim/hostd/vmbs_dev.h"
#include "tests/unit/helpers/fake_vmbus_host.h"
#include "tests/unit/helpers/vmbs_fixture.h"

#define MS 1000000ull

static const uint8_t NIC[16] = VMBUS_GUID_NETVSC;
static const uint8_t SCSI[16] = VMBUS_GUID_STORVSC;

/* ---- test drivers: attach opens the primary, detach closes it --------------- */

struct rec {
	int attached, detached, subs, attach_rc_last;
	char order[16][24];   /* names in attach order */
	uint8_t inst0[16];    /* first instance byte of each attached device */
	struct vmbus_channel *sub[8];
	bool no_open;
};
static struct rec R;

static void on_pkt(struct vmbus_channel *ch, const struct vmbus_pkt *p, void *arg)
{
	(void)ch;
	(void)p;
	(void)arg;
}

static int t_attach(struct vmbus_device *dev)
{
	int rc = 0;
	if (!R.no_open)
		rc = vmbus_chan_open(vmbus_device_channel(dev), 8192, 8192, NULL, 0, on_pkt, NULL);
	R.attach_rc_last = rc;
	if (rc)
		return rc;
	if (R.attached < 16) {
		snprintf(R.order[R.attached], sizeof R.order[0], "%s", vmbus_device_name(dev));
		R.inst0[R.attached] = ((const uint8_t *)vmbus_device_instance(dev))[0];
	}
	R.attached++;
	return 0;
}

static void t_detach(struct vmbus_device *dev)
{
	vmbus_chan_close(vmbus_device_channel(dev));
	R.detached++;
}

static void t_sub(struct vmbus_device *dev, struct vmbus_channel *sub)
{
	(void)dev;
	if (R.subs < 8)
		R.sub[R.subs] = sub;
	R.subs++;
	vmbus_chan_open(sub, 8192, 8192, NULL, 0, on_pkt, NULL);
}

static struct vmbus_driver hn_drv = { .name = "hn", .class_id = { VMBUS_GUID_NETVSC },
				      .attach = t_attach, .detach = t_detach, .subchannel = t_sub };
static struct vmbus_driver st_drv = { .name = "storvsc", .class_id = { VMBUS_GUID_STORVSC },
				      .attach = t_attach, .detach = t_detach };

struct init_call {
	int rc;
	struct vmbus_stats st;
};

static int init_fn(void *arg)
{
	struct init_call *c = arg;
	memset(&R, 0, sizeof R);
	vmbus_driver_register(&hn_drv);
	vmbus_driver_register(&st_drv);
	struct vmbus_config cfg = { .timeout_ns = 50 * MS };
	c->rc = vmbus_init(&cfg);
	vmbus_get_stats(&c->st);
	return 0;
}

static int stats_fn(void *arg)
{
	vmbus_get_stats(arg);
	return 0;
}

static int fini_fn(void *arg)
{
	(void)arg;
	vmbus_fini();
	vmbus_driver_unregister(&hn_drv);
	vmbus_driver_unregister(&st_drv);
	return 0;
}

static void finish(struct gvx *gx)
{
	gvx_call(gx, fini_fn, NULL);
	gvx_free(gx);
}

static struct vmbus_stats stats(struct gvx *gx)
{
	struct vmbus_stats st;
	gvx_call(gx, stats_fn, &st);
	return st;
}

static const char *name_of(unsigned i)
{
	struct vmbus_device *d = vmbus_device_at(i);
	return d && vmbus_device_name(d) ? vmbus_device_name(d) : "";
}

/* ---- tests ------------------------------------------------------------------- */

static void test_vmbus_guest_offer__100_seeds__first_offered_nic_is_hn0(void **state)
{
	(void)state;
	long before = gk_alloc_outstanding();
	for (uint64_t seed = 1; seed <= 100; seed++) {
		struct gvx *gx = gvx_new("ws2022", 2, seed, GVX_FAKE);
		uint8_t a[16] = { 0xA }, b[16] = { 0xB }, s[16] = { 0x5 };
		/* Relids out of order on purpose: offer order is what counts. */
		fvh_add_offer(&gx->fh, NIC, a, 7, 0, 0x2007, -1);
		fvh_add_offer(&gx->fh, SCSI, s, 3, 0, 0x2003, 1);
		fvh_add_offer(&gx->fh, NIC, b, 2, 0, 0x2002, 0);
		struct init_call c;
		gvx_call(gx, init_fn, &c);
		assert_int_equal(c.rc, 0);
		assert_int_equal(R.attached, 3);
		assert_string_equal(R.order[0], "hn0");
		assert_int_equal(R.inst0[0], 0xA);
		assert_string_equal(R.order[1], "storvsc0");
		assert_string_equal(R.order[2], "hn1");
		assert_int_equal(R.inst0[2], 0xB);
		assert_int_equal(vmbus_device_count(), 3);
		assert_string_equal(name_of(0), "hn0");
		assert_string_equal(name_of(2), "hn1");
		finish(gx);
		assert_int_equal(R.detached, 3);
	}
	assert_int_equal(gk_alloc_outstanding(), before);
}

static void test_vmbus_guest_offer__hostile_offers__refused_and_counted(void **state)
{
	(void)state;
	struct gvx *gx = gvx_new("ws2022", 1, 1, GVX_FAKE);
	struct fvh *h = &gx->fh;
	uint8_t i1[16] = { 1 }, i2[16] = { 2 }, i3[16] = { 3 };
	fvh_add_offer(h, NIC, i1, 0, 0, 0x2000, -1);      /* relid 0 */
	fvh_add_offer(h, NIC, i1, 2048, 0, 0x2800, -1);   /* relid past the table */
	fvh_add_offer(h, NIC, i1, 5, 0, 0x2005, -1);      /* good */
	fvh_add_offer(h, NIC, i2, 5, 0, 0x2005, -1);      /* relid in use */
	fvh_add_offer(h, NIC, i1, 6, 0, 0x2006, -1);      /* same device twice */
	fvh_add_offer(h, NIC, i3, 9, 1, 0x2009, -1);      /* sub-channel, no primary */
	fvh_add_offer(h, NIC, i1, 10, 0, 0x200a, 200);    /* monitor id > 127: hypercall */
	h->offer_len[6] = 195;                            /* ... and one byte short */
	struct init_call c;
	gvx_call(gx, init_fn, &c);
	assert_int_equal(c.rc, 0);
	assert_int_equal(c.st.offers, 6);
	assert_int_equal(c.st.offers_refused, 5);
	assert_int_equal(c.st.msgs_short, 1);
	assert_int_equal(vmbus_device_count(), 1);
	assert_int_equal(vmbus_chan_relid(vmbus_device_channel(vmbus_device_at(0))), 5);
	assert_string_equal(name_of(0), "hn0");
	finish(gx);
}

static void test_vmbus_guest_offer__hot_add_after_boot__probed_in_order(void **state)
{
	(void)state;
	struct gvx *gx = gvx_new("ws2022", 2, 3, GVX_FAKE);
	uint8_t a[16] = { 0xA }, b[16] = { 0xB }, s[16] = { 0x5 };
	fvh_add_offer(&gx->fh, NIC, a, 1, 0, 0x2001, -1);
	struct init_call c;
	gvx_call(gx, init_fn, &c);
	assert_int_equal(c.rc, 0);
	uint8_t m[240];
	uint32_t len = fvh_offer_bytes(m, SCSI, s, 2, 0, 0x2002, -1);
	fvh_send(&gx->fh, m, len);
	len = fvh_offer_bytes(m, NIC, b, 3, 0, 0x2003, -1);
	fvh_send(&gx->fh, m, len);
	gvx_sleep(gx, 10 * MS);
	assert_int_equal(R.attached, 3);
	assert_string_equal(R.order[1], "storvsc0");
	assert_string_equal(R.order[2], "hn1");
	finish(gx);
}

static void test_vmbus_guest_offer__rescind_attached__detached_closed_released(void **state)
{
	(void)state;
	long before = gk_alloc_outstanding();
	struct gvx *gx = gvx_new("ws2022", 1, 4, GVX_FAKE);
	uint8_t a[16] = { 0xA }, b[16] = { 0xB };
	fvh_add_offer(&gx->fh, NIC, a, 4, 0, 0x2004, -1);
	fvh_add_offer(&gx->fh, NIC, b, 5, 0, 0x2005, -1);
	struct init_call c;
	gvx_call(gx, init_fn, &c);
	assert_int_equal(c.rc, 0);
	unsigned closes = fvh_count(&gx->fh, 7), teardowns = fvh_count(&gx->fh, 11);
	fvh_send_rescind(&gx->fh, 4);
	gvx_sleep(gx, 10 * MS);
	assert_int_equal(R.detached, 1);
	/* The guest closes (CLOSECHANNEL, 12 bytes), tears the ring GPADL
	 * down, then RELID_RELEASED (12 bytes, type 13). */
	assert_int_equal(fvh_count(&gx->fh, 7), closes + 1);
	assert_int_equal(fvh_last(&gx->fh, 7)->len, 12);
	assert_int_equal(fvh_get32(fvh_last(&gx->fh, 7)->b, 8), 4);
	assert_int_equal(fvh_count(&gx->fh, 11), teardowns + 1);
	const struct fvh_msg *rr = fvh_last(&gx->fh, 13);
	assert_non_null(rr);
	assert_int_equal(rr->len, 12);
	assert_int_equal(fvh_get32(rr->b, 8), 4);
	assert_int_equal(vmbus_device_count(), 1);
	assert_string_equal(name_of(0), "hn1");
	/* Twice, and an unknown relid: dropped. */
	fvh_send_rescind(&gx->fh, 4);
	fvh_send_rescind(&gx->fh, 1999);
	fvh_send_rescind(&gx->fh, 0xFFFFFFFF);
	gvx_sleep(gx, MS);
	struct vmbus_stats st = stats(gx);
	assert_int_equal(st.rescinds, 1);
	assert_int_equal(st.relids_released, 1);
	assert_int_equal(st.msgs_unexpected, 3);
	assert_int_equal(fvh_count(&gx->fh, 13), 1);
	/* The relid is free again: re-offer the device, it becomes hn0. */
	uint8_t m[240];
	uint32_t len = fvh_offer_bytes(m, NIC, a, 4, 0, 0x2004, -1);
	fvh_send(&gx->fh, m, len);
	gvx_sleep(gx, 10 * MS);
	assert_int_equal(vmbus_device_count(), 2);
	assert_string_equal(name_of(1), "hn0");
	finish(gx);
	assert_int_equal(gk_alloc_outstanding(), before);
}

static bool rescind_on_open(struct fvh *h, const struct fvh_msg *m)
{
	if (fvh_get32(m->b, 0) != 5)
		return false;
	fvh_send_rescind(h, fvh_get32(m->b, 8));
	return true; /* and no OPEN_RESULT, ever */
}

static void test_vmbus_guest_offer__rescind_while_opening__enodev_no_leak(void **state)
{
	(void)state;
	long before = gk_alloc_outstanding();
	struct gvx *gx = gvx_new("ws2022", 1, 5, GVX_FAKE);
	uint8_t a[16] = { 0xA };
	fvh_add_offer(&gx->fh, NIC, a, 4, 0, 0x2004, -1);
	gx->fh.hook = rescind_on_open;
	struct init_call c;
	gvx_call(gx, init_fn, &c);
	assert_int_equal(c.rc, 0);
	assert_int_equal(R.attach_rc_last, -ENODEV);
	assert_int_equal(R.attached, 0);
	gvx_sleep(gx, 10 * MS);
	assert_int_equal(vmbus_device_count(), 0);
	assert_int_equal(fvh_count(&gx->fh, 13), 1);
	struct vmbus_stats st = stats(gx);
	assert_int_equal(st.open_failures, 1);
	finish(gx);
	assert_int_equal(gk_alloc_outstanding(), before);
}

static void test_vmbus_guest_offer__subchannels__reported_and_opened(void **state)
{
	(void)state;
	struct gvx *gx = gvx_new("ws2022", 2, 6, GVX_FAKE);
	uint8_t a[16] = { 0xA };
	fvh_add_offer(&gx->fh, NIC, a, 1, 0, 0x2001, -1);
	struct init_call c;
	gvx_call(gx, init_fn, &c);
	assert_int_equal(c.rc, 0);
	uint8_t m[240];
	uint32_t len = fvh_offer_bytes(m, NIC, a, 10, 1, 0x200a, -1);
	fvh_send(&gx->fh, m, len);
	len = fvh_offer_bytes(m, NIC, a, 11, 2, 0x200b, -1);
	fvh_send(&gx->fh, m, len);
	len = fvh_offer_bytes(m, NIC, a, 12, 2, 0x200c, -1); /* same index twice */
	fvh_send(&gx->fh, m, len);
	gvx_sleep(gx, 10 * MS);
	assert_int_equal(R.subs, 2);
	assert_int_equal(vmbus_chan_relid(R.sub[0]), 10);
	assert_int_equal(vmbus_chan_subidx(R.sub[1]), 2);
	struct vmbus_channel *pri = vmbus_device_channel(vmbus_device_at(0));
	assert_ptr_equal(vmbus_chan_subchannel(pri, 1), R.sub[0]);
	assert_null(vmbus_chan_subchannel(pri, 3));
	assert_int_equal(vmbus_device_count(), 1);
	assert_int_equal(stats(gx).offers_refused, 1);
	/* Two OPENCHANNELs for the subs on top of the primary's. */
	assert_int_equal(fvh_count(&gx->fh, 5), 3);
	/* Host rescinds sub-channels first, then the primary. */
	fvh_send_rescind(&gx->fh, 11);
	fvh_send_rescind(&gx->fh, 10);
	fvh_send_rescind(&gx->fh, 1);
	gvx_sleep(gx, 10 * MS);
	assert_int_equal(fvh_count(&gx->fh, 13), 3);
	assert_int_equal(vmbus_device_count(), 0);
	finish(gx);
}

/* ---- against the real server ----------------------------------------------- */

static int list_names(struct gvx *gx, struct gk_vmbus_report *r)
{
	return gk_guest_vmbus_list(gx->rt, r);
}

static int reg_fn(void *arg)
{
	(void)arg;
	memset(&R, 0, sizeof R);
	vmbus_driver_register(&hn_drv);
	vmbus_driver_register(&st_drv);
	return 0;
}

static void test_vmbus_guest_offer__real_host_seeds__names_follow_offer_order(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 20; seed++) {
		struct gvx *gx = gvx_new(seed % 2 ? "ws2022" : "ws2012r2", 2, seed, GVX_REAL);
		struct echo_dev e[3];
		memset(e, 0, sizeof e);
		assert_non_null(echo_dev_add(gx->vb, &e[0], NIC, 0xA, true, 0));
		assert_non_null(echo_dev_add(gx->vb, &e[1], SCSI, 0x5, true, 0));
		assert_non_null(echo_dev_add(gx->vb, &e[2], NIC, 0xB, false, 0));
		gvx_call(gx, reg_fn, NULL);
		struct gk_vmbus_report r;
		assert_int_equal(gk_guest_vmbus_connect(gx->rt, 0, false, &r), 0);
		assert_int_equal(r.status, 0);
		assert_int_equal(r.noffers, 3);
		assert_string_equal(r.offer[0].driver, "hn0");
		assert_string_equal(r.offer[1].driver, "storvsc0");
		assert_string_equal(r.offer[2].driver, "hn1");
		assert_string_equal(r.offer[0].class_id, VMBUS_GUID_NETVSC_STR);
		assert_int_equal(e[0].opens, 1);
		assert_int_equal(e[2].opens, 1);
		/* Hot remove of the first NIC, then a hot add: lowest unit again. */
		assert_int_equal(vmbs_dev_remove(e[0].primary), 0);
		gvx_sleep(gx, 10 * MS);
		assert_int_equal(list_names(gx, &r), 0);
		assert_int_equal(r.noffers, 2);
		assert_int_equal(e[0].closes, 1);
		assert_non_null(echo_dev_add(gx->vb, &e[0], NIC, 0xC, false, 0));
		gvx_sleep(gx, 10 * MS);
		assert_int_equal(list_names(gx, &r), 0);
		assert_int_equal(r.noffers, 3);
		assert_string_equal(r.offer[2].driver, "hn0");
		finish(gx);
	}
}

/* Found by fuzz_netvsc_attach: an offer the guest refuses for lack of
 * memory is still offered as far as the host knows; its later RESCIND must
 * be answered with RELID_RELEASED, or the host never frees the relid (and
 * its channel table fills up with hot add/remove cycles). */
static void test_vmbus_guest_offer__refused_for_memory_then_rescinded__relid_released(void **state)
{
	(void)state;
	struct gvx *gx = gvx_new("ws2022", 2, 1, GVX_REAL);
	gvx_call(gx, reg_fn, NULL);
	struct gk_vmbus_report r;
	assert_int_equal(gk_guest_vmbus_connect(gx->rt, 0, false, &r), 0);
	assert_int_equal(r.status, 0);
	/* Make the offer's allocations fail, one index after the other, until
	 * one of them makes the guest refuse the offer (others, e.g. in the
	 * message intake, are survived). */
	struct echo_dev e[8];
	memset(e, 0, sizeof e);
	struct vmbus_stats before;
	uint32_t relid = 0;
	unsigned n = 0;
	for (; n < 8; n++) {
		before = stats(gx);
		gk_alloc_fail_after((long)n);
		assert_non_null(echo_dev_add(gx->vb, &e[n], NIC, (uint8_t)(0xA + n), false, 0));
		relid = vmbs_chan_relid(e[n].primary);
		gvx_sleep(gx, 10 * MS);
		gk_alloc_fail_after(-1);
		if (stats(gx).offers_refused == before.offers_refused + 1)
			break;
		assert_int_equal(vmbs_dev_remove(e[n].primary), 0);
		gvx_sleep(gx, 10 * MS);
	}
	assert_true(n < 8);
	struct vmbus_stats mid = stats(gx);
	assert_int_equal(mid.relids_released, before.relids_released);
	assert_int_equal(list_names(gx, &r), 0);
	assert_int_equal(r.noffers, 0);
	assert_int_equal(vmbs_dev_remove(e[n].primary), 0);
	gvx_sleep(gx, 10 * MS);
	struct vmbus_stats after = stats(gx);
	assert_int_equal(after.relids_released, before.relids_released + 1);
	assert_int_equal(after.msgs_unexpected, before.msgs_unexpected);
	assert_null(vmbs_chan_by_relid(gx->vb, relid));
	assert_int_equal(e[n].rescinded, 1);
	/* The relid is free again: the next hot add gets it and attaches. */
	struct echo_dev e2;
	memset(&e2, 0, sizeof e2);
	assert_non_null(echo_dev_add(gx->vb, &e2, NIC, 0x20, false, 0));
	assert_int_equal(vmbs_chan_relid(e2.primary), relid);
	gvx_sleep(gx, 10 * MS);
	assert_int_equal(list_names(gx, &r), 0);
	assert_int_equal(r.noffers, 1);
	assert_string_equal(r.offer[0].driver, "hn0");
	assert_int_equal(e2.opens, 1);
	finish(gx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vmbus_guest_offer__100_seeds__first_offered_nic_is_hn0),
		cmocka_unit_test(test_vmbus_guest_offer__hostile_offers__refused_and_counted),
		cmocka_unit_test(test_vmbus_guest_offer__hot_add_after_boot__probed_in_order),
		cmocka_unit_test(test_vmbus_guest_offer__rescind_attached__detached_closed_released),
		cmocka_unit_test(test_vmbus_guest_offer__rescind_while_opening__enodev_no_leak),
		cmocka_unit_test(test_vmbus_guest_offer__subchannels__reported_and_opened),
		cmocka_unit_test(test_vmbus_guest_offer__real_host_seeds__names_follow_offer_order),
		cmocka_unit_test(test_vmbus_guest_offer__refused_for_memory_then_rescinded__relid_released),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
