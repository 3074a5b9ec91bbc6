/* test_chan_poll.c -- what the split daemon's channel fast paths rest on:
 * the periodic pump runs only while something needs it (a monitored
 * channel open, or a back end without an fd on the loop), and every VMBus
 * channel's connection id is covered by the doorbell, so a guest->host
 * channel signal never takes a socket round trip. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sim/devices/hostside.h"
#include "sim/hostd/daemon/ctl_proto.h"
#include "sim/hostd/daemon/hsess.h"
#include "sim/hostd/profile.h"
#include "sim/hostd/vmbs_var.h"
#include "tests/unit/helpers/vmbs_fixture.h"

/* Channel connection ids are VMBS_CHAN_CONN_BASE + relid (relid < 2048). */
_Static_assert(VMBS_CHAN_CONN_BASE + VMBUS_RELID_LIMIT <= CTL_DB_CONNS,
	       "the doorbell must cover every VMBus channel connection id");

static const uint8_t cls[16] = { 0xB7 };

/* ---- vmbs_monitor_active ------------------------------------------------------ */

struct mfx {
	struct vfx *f;
	struct echo_dev e;
	struct vfx_ring r;
};

static struct mfx *mfx_new(const char *profile, uint32_t version, bool monitor)
{
	struct mfx *m = calloc(1, sizeof *m);
	assert_non_null(m);
	m->f = vfx_new(profile, 1, NULL);
	assert_non_null(echo_dev_add(m->f->vb, &m->e, cls, 1, monitor, 0));
	assert_int_equal(vfx_connect(m->f, version), 1);
	assert_int_equal(vfx_request_offers(m->f, NULL, 0), 1);
	return m;
}

static void mfx_free(struct mfx *m)
{
	vfx_free(m->f);
	free(m);
}

static void test_vmbs_monitor__monitored_channel_open__active(void **state)
{
	(void)state;
	struct mfx *m = mfx_new("ws2022", VMBUS_VERSION_WIN10_V5_3, true);
	/* Offered with a monitor id but not open: nothing to poll for. */
	assert_false(vmbs_monitor_active(m->f->vb));
	assert_int_equal(vfx_ring_open(m->f, &m->r, 1, 4, 2, false, 0), 0);
	assert_true(vmbs_monitor_active(m->f->vb));
	mfx_free(m);
}

static void test_vmbs_monitor__monitored_channel_closed__inactive(void **state)
{
	(void)state;
	struct mfx *m = mfx_new("ws2022", VMBUS_VERSION_WIN10_V5_3, true);
	assert_int_equal(vfx_ring_open(m->f, &m->r, 1, 4, 2, false, 0), 0);
	assert_true(vmbs_monitor_active(m->f->vb));
	vfx_close(m->f, 1);
	assert_false(vmbs_monitor_active(m->f->vb));
	mfx_free(m);
}

static void test_vmbs_monitor__unmonitored_channel_open__inactive(void **state)
{
	(void)state;
	/* From 2.4 a device that does not ask for a monitor id gets none:
	 * the guest signals by hypercall and nothing needs polling. */
	struct mfx *m = mfx_new("ws2022", VMBUS_VERSION_WIN10_V5_3, false);
	assert_int_equal(vfx_ring_open(m->f, &m->r, 1, 4, 2, false, 0), 0);
	assert_false(vmbs_monitor_active(m->f->vb));
	mfx_free(m);
}

static void test_vmbs_monitor__pre_win8_every_channel__active(void **state)
{
	(void)state;
	/* Below 2.4 every channel is monitored, whatever the device asked. */
	struct mfx *m = mfx_new("ws2008r2", VMBUS_VERSION_WIN7, false);
	assert_int_equal(vfx_ring_open(m->f, &m->r, 1, 4, 2, false, 0), 0);
	assert_true(vmbs_monitor_active(m->f->vb));
	mfx_free(m);
}

/* ---- hostside_wants_poll ---------------------------------------------------------- */

static void test_hostside__ics_only__no_poll_wanted(void **state)
{
	(void)state;
	struct gmem *gm = gmem_create(8u << 20);
	assert_non_null(gm);
	struct part_config pc = { .profile = hv_profile_find("ws2022"), .nvcpus = 1 };
	struct part *p = part_create(gm, &pc, NULL, NULL);
	assert_non_null(p);
	struct hostside_config hc = { .vmbus = true };
	hc.ic.heartbeat = hc.ic.shutdown = hc.ic.timesync = hc.ic.kvp = true;
	struct hostside *hs = hostside_create(p, gm, &hc, NULL, NULL);
	assert_non_null(hs);
	assert_false(hostside_wants_poll(hs));
	hostside_destroy(hs);
	part_destroy(p);
	gmem_destroy(gm);
}

/* ---- hsess_wants_poll -------------------------------------------------------------- */

static bool fake_want;
static unsigned fake_asked;

static int fake_attach(struct hsess *s, void *arg, void **ctx)
{
	(void)s;
	(void)arg;
	*ctx = &fake_want;
	return 0;
}

static bool fake_pump(void *ctx)
{
	(void)ctx;
	return false;
}

static void fake_detach(void *ctx)
{
	(void)ctx;
}

static bool fake_wants_poll(void *ctx)
{
	fake_asked++;
	return *(bool *)ctx;
}

static struct hsess *hello_sess(const struct hsess_ext *ext)
{
	struct hsess_env env = { .ext = ext };
	struct hsess *s = hsess_new(&env);
	assert_non_null(s);
	struct ctl_hello h;
	memset(&h, 0, sizeof h);
	h.h.magic = CTL_MAGIC;
	h.h.type = CTL_HELLO;
	h.h.len = sizeof h;
	h.h.seq = 1;
	h.version = CTL_PROTO_VERSION;
	h.ncpus = 1;
	h.mem_bytes = 1u << 20;
	strcpy(h.profile, "ws2022");
	/* Before HELLO there is no session to poll. */
	assert_false(hsess_wants_poll(s));
	static struct hsess_out out;
	assert_int_equal(hsess_input(s, &h, sizeof h, &out), 0);
	assert_int_equal(hsess_state(s), HSESS_READY);
	return s;
}

static void test_hsess__wants_poll__follows_the_extension(void **state)
{
	(void)state;
	static const struct hsess_ext ext = {
		.attach = fake_attach, .pump = fake_pump, .detach = fake_detach,
		.poll_ns = 100000, .wants_poll = fake_wants_poll,
	};
	struct hsess *s = hello_sess(&ext);
	fake_asked = 0;
	fake_want = false;
	assert_false(hsess_wants_poll(s));
	fake_want = true;
	assert_true(hsess_wants_poll(s));
	assert_int_equal(fake_asked, 2);
	hsess_free(s);
}

static void test_hsess__no_wants_poll_callback__always_polls(void **state)
{
	(void)state;
	static const struct hsess_ext ext = {
		.attach = fake_attach, .pump = fake_pump, .detach = fake_detach,
		.poll_ns = 50000000,
	};
	struct hsess *s = hello_sess(&ext);
	assert_true(hsess_wants_poll(s));
	hsess_free(s);
}

static void test_hsess__poll_ns_zero__never_polls(void **state)
{
	(void)state;
	static const struct hsess_ext ext = {
		.attach = fake_attach, .pump = fake_pump, .detach = fake_detach,
		.wants_poll = fake_wants_poll,
	};
	struct hsess *s = hello_sess(&ext);
	fake_want = true;
	assert_false(hsess_wants_poll(s));
	hsess_free(s);
}

/* ---- doorbell coverage ---------------------------------------------------------------- */

static void on_signal(void *arg, uint32_t vp, uint16_t flag)
{
	(void)vp;
	(void)flag;
	(*(unsigned *)arg)++;
}

static void test_hsess__highest_channel_conn_id__doorbell_published_and_delivered(void **state)
{
	(void)state;
	struct hsess *s = hello_sess(NULL);
	uint32_t conn = VMBS_CHAN_CONN_BASE + VMBUS_RELID_LIMIT - 1;
	unsigned hits = 0;
	assert_int_equal(hsess_event_port_add(s, conn, 1, on_signal, &hits), 0);
	struct ctl_page *cp = hsess_ctl_page(s);
	assert_non_null(cp);
	/* Hypercalls need a guest OS id and the hypercall page. */
	struct part *p = hsess_part(s);
	assert_int_equal(part_wrmsr(p, 0, HV_MSR_GUEST_OS_ID, HV_GUEST_OS_ID_OPENSOURCE | 1), 0);
	assert_int_equal(part_wrmsr(p, 0, HV_MSR_HYPERCALL, (1ull << 12) | 1), 0);
	assert_true(cp->cp_db_valid[conn / 64] & (1ull << (conn % 64)));
	/* Ring it as the guest's transport does and let the session drain. */
	__atomic_fetch_or(&cp->cp_doorbell[conn / 64], 1ull << (conn % 64), __ATOMIC_SEQ_CST);
	__atomic_store_n(&cp->cp_db_kicked, 1u, __ATOMIC_SEQ_CST);
	hsess_doorbell(s);
	assert_int_equal(hits, 1);
	hsess_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vmbs_monitor__monitored_channel_open__active),
		cmocka_unit_test(test_vmbs_monitor__monitored_channel_closed__inactive),
		cmocka_unit_test(test_vmbs_monitor__unmonitored_channel_open__inactive),
		cmocka_unit_test(test_vmbs_monitor__pre_win8_every_channel__active),
		cmocka_unit_test(test_hostside__ics_only__no_poll_wanted),
		cmocka_unit_test(test_hsess__wants_poll__follows_the_extension),
		cmocka_unit_test(test_hsess__no_wants_poll_callback__always_polls),
		cmocka_unit_test(test_hsess__poll_ns_zero__never_polls),
		cmocka_unit_test(test_hsess__highest_channel_conn_id__doorbell_published_and_delivered),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
