/* test_ic_e2e.c -- the four integration components end to end in inproc
 * mode: host ICs (sim/devices/ic via hostside) <-> the real VMBus server <->
 * the guest bus driver <-> the guest IC drivers (guest_drivers/utils) and
 * the user-level KVP daemon; plus every RELIABILITY 5.9 bad input aimed at
 * the guest side, injected as raw packets on the host's channels. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "guest_drivers/utils/hvic.h"
#include "hyperv/vmbus_guid.h"
#include "hyperv/vmbus_ic.h"
#include "sim/devices/hostside.h"
#include "sim/guest/guest_actions.h"
#include "sim/guest/guest_ic.h"
#include "sim/guest/guest_vmbus.h"
#include "sim/guest/runtime.h"
#include "sim/guest/transport.h"
#include "sim/hostd/gmem.h"
#include "sim/hostd/partition.h"
#include "sim/hostd/profile.h"
#include "sim/hostd/vmbs.h"
#include "sim/hostd/vmbs_dev.h"

#define MEM  (32u << 20)
#define SEC  10000000ull        /* 100 ns units */
#define MS_NS 1000000ull

struct efx {
	struct gmem *gm;
	struct gk_transport *t;
	struct part *p;
	struct hostside *hs;
	struct icvsp *ic;
	struct gk_runtime *rt;
	struct gk_vmbus_report vr;
	unsigned hook_calls;
	uint32_t hook_flags;
};

static bool efx_pump(void *arg)
{
	bool did = false;
	for (int i = 0; i < 16 && hostside_pump(arg); i++)
		did = true;
	return did;
}

static void efx_hook(void *arg, uint32_t flags, uint32_t reason)
{
	(void)reason;
	struct efx *x = arg;
	x->hook_calls++;
	x->hook_flags = flags;
}

static struct efx *efx_new_cfg(const char *profile, const struct icvsp_config *icc,
			       const struct gk_ic_config *gcfg, uint64_t seed)
{
	struct efx *x = calloc(1, sizeof *x);
	assert_non_null(x);
	x->gm = gmem_create(MEM);
	assert_non_null(x->gm);
	x->t = gk_inproc_create(gmem_ptr(x->gm, 0, MEM), MEM, 1);
	struct part_config pc = { .profile = hv_profile_find(profile), .nvcpus = 1 };
	x->p = part_create(x->gm, &pc, gk_inproc_part_notify(), x->t);
	assert_non_null(x->p);
	gk_inproc_attach(x->t, x->p);
	struct hostside_config hc = { .vmbus = true, .ic = *icc };
	x->hs = hostside_create(x->p, x->gm, &hc, NULL, NULL);
	assert_non_null(x->hs);
	x->ic = hostside_ic(x->hs);
	assert_non_null(x->ic);
	gk_inproc_set_pump(x->t, efx_pump, x->hs);
	struct gk_runtime_config rc = { .sched = GK_SCHED_INPROC, .seed = seed,
					.log_level = getenv("EFX_LOG") ? atoi(getenv("EFX_LOG")) : 0 };
	x->rt = gk_runtime_create(x->t, &rc);
	assert_non_null(x->rt);
	struct gk_boot_report br;
	assert_int_equal(gk_guest_boot(x->rt, &br), 0);
	assert_int_equal(br.status, 0);
	gk_guest_ic_on_shutdown(efx_hook, x);
	assert_int_equal(gk_guest_ic_start(x->rt, gcfg), 0);
	assert_int_equal(gk_guest_vmbus_connect(x->rt, 0, false, &x->vr), 0);
	assert_int_equal(x->vr.status, 0);
	/* Let the NEGOTIATE round trips and the first messages happen. */
	assert_int_equal(gk_guest_sleep(x->rt, 10 * MS_NS), 0);
	return x;
}

static struct icvsp_config all_ics(void)
{
	struct icvsp_config c = { .heartbeat = true, .shutdown = true, .timesync = true,
				  .kvp = true };
	return c;
}

static struct efx *efx_new(void)
{
	struct icvsp_config c = all_ics();
	return efx_new_cfg("ws2019", &c, NULL, 1);
}

static void efx_free(struct efx *x)
{
	gk_guest_ic_on_shutdown(NULL, NULL);
	assert_int_equal(gk_guest_ic_stop(x->rt), 0);
	assert_int_equal(gk_guest_vmbus_disconnect(x->rt), 0);
	assert_int_equal(gk_guest_shutdown(x->rt), 0);
	assert_int_equal(gk_dma_pages_used(), 0);
	gk_runtime_destroy(x->rt);
	hostside_destroy(x->hs);
	part_destroy(x->p);
	x->t->ops->close(x->t);
	gmem_destroy(x->gm);
	free(x);
}

static void efx_sleep_ms(struct efx *x, uint64_t ms)
{
	assert_int_equal(gk_guest_sleep(x->rt, ms * MS_NS), 0);
}

/* Wait until the host has no KVP request queued or on the wire (the
 * enumerations after negotiation take a few round trips). */
static void efx_kvp_idle(struct efx *x)
{
	for (int i = 0; i < 100; i++) {
		struct icvsp_kvp_info ki;
		icvsp_kvp_info(x->ic, &ki);
		if (ki.queued == 0)
			return;
		efx_sleep_ms(x, 5);
	}
	fail_msg("host KVP queue never drained");
}

static struct icvsp_stats hstats(struct efx *x, enum icvsp_kind k)
{
	struct icvsp_stats st;
	assert_int_equal(icvsp_get_stats(x->ic, k, &st), 0);
	return st;
}

/* hvic_get_stats reads plain counters: fine from the test thread in the
 * single-threaded inproc runtime. */
static struct hvic_stats gstats(enum hvic_kind k)
{
	struct hvic_stats st;
	hvic_get_stats(k, &st);
	return st;
}

/* The host end of an IC's channel, to inject raw packets. */
static struct vmbs_chan *host_chan(struct efx *x, const uint8_t cls[16])
{
	/* Offers go out in the order the ICs were added: heartbeat,
	 * shutdown, timesync, KVP. */
	static const uint8_t order[4][16] = { VMBUS_GUID_HEARTBEAT, VMBUS_GUID_SHUTDOWN,
					      VMBUS_GUID_TIMESYNC, VMBUS_GUID_KVP };
	for (uint32_t i = 0; i < 4; i++)
		if (memcmp(order[i], cls, 16) == 0)
			return vmbs_chan_by_relid(hostside_vmbs(x->hs), i + 1);
	return NULL;
}

/* Build pipe + IC header (+ body) and send it raw on the IC's channel. */
static void inject(struct efx *x, const uint8_t cls[16], uint16_t msgtype, uint8_t flags,
		   const void *body, uint32_t blen, uint16_t msgsize, uint32_t total_override)
{
	static uint8_t m[16384];
	memset(m, 0, sizeof m);
	struct vmbus_pipe_hdr ph = { VMBUS_PIPE_TYPE_DATA, 20 + blen };
	struct vmbus_icmsg_hdr h;
	memset(&h, 0, sizeof h);
	h.framework_ver.major = 3;
	h.msgtype = msgtype;
	h.msg_ver.major = 3;
	h.msgsize = msgsize;
	h.flags = flags;
	memcpy(m, &ph, sizeof ph);
	memcpy(m + 8, &h, sizeof h);
	if (blen)
		memcpy(m + 28, body, blen);
	uint32_t len = total_override ? total_override : 28 + blen;
	struct vmbs_chan *ch = host_chan(x, cls);
	assert_non_null(ch);
	assert_int_equal(vmbs_chan_send_inband(ch, 0x5151, m, len, false), 0);
	efx_sleep_ms(x, 5);
}

/* Clock values read through the TSC page agree with the host's to within a
 * few 100 ns units. */
static void assert_near(int64_t a, int64_t b)
{
	if (a - b > 10 || b - a > 10)
		fail_msg("%lld and %lld differ by more than 1 us", (long long)a, (long long)b);
}

static const uint8_t hb_cls[16] = VMBUS_GUID_HEARTBEAT;
static const uint8_t sd_cls[16] = VMBUS_GUID_SHUTDOWN;
static const uint8_t kvp_cls[16] = VMBUS_GUID_KVP;

/* ---- bring-up ----------------------------------------------------------------------- */

static void test_ic_e2e__boot__four_ics_attach_and_agree_on_highest_versions(void **state)
{
	(void)state;
	struct efx *x = efx_new();
	assert_int_equal(x->vr.noffers, 4);
	static const char *const names[4] = { "heartbeat0", "shutdown0", "timesync0", "kvp0" };
	for (unsigned i = 0; i < 4; i++)
		assert_string_equal(x->vr.offer[i].driver, names[i]);
	static const uint32_t want[4] = { 0x00030000, 0x00030002, 0x00040000, 0x00050000 };
	for (unsigned k = 0; k < 4; k++) {
		struct icvsp_stats hs = hstats(x, (enum icvsp_kind)k);
		assert_int_equal(hs.state, ICVSP_ST_READY);
		assert_int_equal(hs.framework, 0x00030000);
		assert_int_equal(hs.msg_version, want[k]);
		struct hvic_stats gs = gstats((enum hvic_kind)k);
		assert_true(gs.ready);
		assert_int_equal(gs.msg_version, want[k]);
		for (unsigned d = 0; d < ICVSP_DROP_COUNT; d++)
			assert_int_equal(hs.drop[d], 0);
	}
	efx_free(x);
}

static void test_ic_e2e__guest_ceilings__lower_versions_agreed(void **state)
{
	(void)state;
	struct icvsp_config c = all_ics();
	struct gk_ic_config g = { .max_framework = 0x00010000 };
	g.max_msg_version[HVIC_TIMESYNC] = 0x00030000;
	g.max_msg_version[HVIC_KVP] = 0x00040000;
	struct efx *x = efx_new_cfg("ws2016", &c, &g, 2);
	assert_int_equal(hstats(x, ICVSP_TIMESYNC).framework, 0x00010000);
	assert_int_equal(hstats(x, ICVSP_TIMESYNC).msg_version, 0x00030000);
	assert_int_equal(hstats(x, ICVSP_KVP).msg_version, 0x00040000);
	/* v3 timesync layout still syncs the guest. */
	struct gk_ic_timesync ts;
	assert_int_equal(gk_guest_ic_timesync(x->rt, &ts), 0);
	assert_true(ts.synced);
	efx_free(x);
}

static void test_ic_e2e__guest_speaks_heartbeat_1_0__host_agrees_1_0(void **state)
{
	(void)state;
	struct icvsp_config c = { .heartbeat = true };
	struct gk_ic_config g = { 0 };
	g.max_msg_version[HVIC_HEARTBEAT] = 0x00010000; /* guest speaks 1.0 only */
	c.max_msg_version[ICVSP_HEARTBEAT] = 0x00030000;
	struct efx *x = efx_new_cfg("ws2019", &c, &g, 3);
	assert_int_equal(hstats(x, ICVSP_HEARTBEAT).msg_version, 0x00010000);
	efx_free(x);
}

/* ---- heartbeat ------------------------------------------------------------------------ */

static void test_ic_e2e__heartbeat__answered_each_interval_healthy(void **state)
{
	(void)state;
	struct icvsp_config c = all_ics();
	c.hb_interval = SEC / 10;
	struct efx *x = efx_new_cfg("ws2019", &c, NULL, 4);
	efx_sleep_ms(x, 1000);
	struct icvsp_hb_info hb;
	assert_int_equal(hostside_ic_heartbeat(x->hs, &hb), 0);
	assert_int_equal(hb.health, ICVSP_HB_HEALTHY);
	assert_true(hb.beats_answered >= 9);
	assert_int_equal(hb.missed_total, 0);
	assert_int_equal(hb.bad_seq, 0);
	uint64_t answered;
	assert_int_equal(gk_guest_ic_heartbeats(x->rt, &answered), 0);
	assert_int_equal(answered, hb.beats_answered);
	efx_free(x);
}

static void test_ic_e2e__ic_drivers_restarted__heartbeat_healthy_again(void **state)
{
	(void)state;
	struct icvsp_config c = all_ics();
	c.hb_interval = SEC / 10;
	struct efx *x = efx_new_cfg("ws2019", &c, NULL, 5);
	efx_sleep_ms(x, 250);
	/* The guest's IC drivers go away: the channel closes; the host sees
	 * nothing more.  (A guest that keeps the channel open but stops
	 * answering is covered against the fixture in test_ic_host.) */
	assert_int_equal(gk_guest_ic_stop(x->rt), 0);
	struct icvsp_hb_info hb;
	hostside_ic_heartbeat(x->hs, &hb);
	assert_int_equal(hb.health, ICVSP_HB_HEALTHY);
	assert_int_equal(hstats(x, ICVSP_HEARTBEAT).open, false);
	assert_int_equal(gk_guest_ic_start(x->rt, NULL), 0);
	efx_sleep_ms(x, 500);
	hostside_ic_heartbeat(x->hs, &hb);
	assert_int_equal(hb.health, ICVSP_HB_HEALTHY);
	efx_free(x);
}

/* ---- shutdown ----------------------------------------------------------------------------- */

static void test_ic_e2e__reboot_request__accepted_then_hook_runs(void **state)
{
	(void)state;
	struct efx *x = efx_new();
	assert_int_equal(hostside_ic_shutdown(x->hs, VMBUS_IC_SHUTDOWN_FLAG_RESTART,
					      VMBUS_IC_SHUTDOWN_REASON_PLANNED, "update"), 0);
	efx_sleep_ms(x, 10);
	struct icvsp_sd_info sd;
	assert_int_equal(hostside_ic_shutdown_info(x->hs, &sd), 0);
	assert_int_equal(sd.result, ICVSP_SD_ACCEPTED);
	assert_int_equal(x->hook_calls, 1);
	assert_int_equal(x->hook_flags, VMBUS_IC_SHUTDOWN_FLAG_RESTART);
	struct gk_ic_shutdown_status gs;
	assert_int_equal(gk_guest_ic_shutdown_status(x->rt, &gs), 0);
	assert_true(gs.requested);
	assert_int_equal(gs.flags, 2);
	assert_int_equal(gs.reason, VMBUS_IC_SHUTDOWN_REASON_PLANNED);
	efx_free(x);
}

static void test_ic_e2e__shutdown_unknown_flags__efail_no_action(void **state)
{
	(void)state;
	struct efx *x = efx_new();
	assert_int_equal(hostside_ic_shutdown(x->hs, 0x80, 0, NULL), 0);
	efx_sleep_ms(x, 10);
	struct icvsp_sd_info sd;
	hostside_ic_shutdown_info(x->hs, &sd);
	assert_int_equal(sd.result, ICVSP_SD_REFUSED);
	assert_int_equal(sd.status, VMBUS_IC_E_FAIL);
	assert_int_equal(x->hook_calls, 0);
	struct gk_ic_shutdown_status gs;
	gk_guest_ic_shutdown_status(x->rt, &gs);
	assert_false(gs.requested);
	assert_int_equal(gs.refused, 1);
	efx_free(x);
}

static void test_ic_e2e__hibernate_unsupported__refused_supported__accepted(void **state)
{
	(void)state;
	struct efx *x = efx_new();
	hostside_ic_shutdown(x->hs, VMBUS_IC_SHUTDOWN_FLAG_HIBERNATE, 0, NULL);
	efx_sleep_ms(x, 10);
	struct icvsp_sd_info sd;
	hostside_ic_shutdown_info(x->hs, &sd);
	assert_int_equal(sd.result, ICVSP_SD_REFUSED);
	efx_free(x);

	struct icvsp_config c = all_ics();
	struct gk_ic_config g = { .hibernate = true };
	x = efx_new_cfg("ws2019", &c, &g, 6);
	hostside_ic_shutdown(x->hs, VMBUS_IC_SHUTDOWN_FLAG_HIBERNATE | VMBUS_IC_SHUTDOWN_FLAG_FORCE,
			     0, NULL);
	efx_sleep_ms(x, 10);
	hostside_ic_shutdown_info(x->hs, &sd);
	assert_int_equal(sd.result, ICVSP_SD_ACCEPTED);
	assert_int_equal(x->hook_flags, 5);
	efx_free(x);
}

/* ---- timesync -------------------------------------------------------------------------------- */

static void test_ic_e2e__timesync__sync_steps_offset_jump_resyncs(void **state)
{
	(void)state;
	struct icvsp_config c = all_ics();
	c.ts_wall_base = ICVSP_DEFAULT_WALL_BASE;
	struct efx *x = efx_new_cfg("ws2019", &c, NULL, 7);
	struct gk_ic_timesync ts;
	assert_int_equal(gk_guest_ic_timesync(x->rt, &ts), 0);
	assert_true(ts.synced);
	assert_int_equal(ts.syncs, 1);
	/* The guest's wall clock = host base + reference time. */
	assert_near(ts.offset, (int64_t)ICVSP_DEFAULT_WALL_BASE);
	struct icvsp_ts_info hi;
	hostside_ic_timesync(x->hs, &hi);
	/* The guest reads the reference clock through the TSC page, the host
	 * keeps its own copy of time: they agree to within a microsecond. */
	int64_t skew = (int64_t)(ts.wall - hi.wall_now);
	assert_true(skew >= -10 && skew <= 10);
	/* Host clock jumps an hour ahead: SYNC, guest steps. */
	assert_int_equal(hostside_ic_time_jump(x->hs, 3600 * (int64_t)SEC), 0);
	efx_sleep_ms(x, 10);
	gk_guest_ic_timesync(x->rt, &ts);
	assert_int_equal(ts.syncs, 2);
	assert_near(ts.offset, (int64_t)(ICVSP_DEFAULT_WALL_BASE + 3600 * SEC));
	efx_free(x);
}

static void test_ic_e2e__timesync_samples__small_error_slewed_bounded(void **state)
{
	(void)state;
	struct icvsp_config c = all_ics();
	c.ts_sample_interval = SEC;
	struct efx *x = efx_new_cfg("ws2019", &c, NULL, 8);
	struct gk_ic_timesync ts0, ts;
	gk_guest_ic_timesync(x->rt, &ts0);
	/* Host clock moves 1 s: below the 5 s step threshold, so samples
	 * correct by at most 5 ms each. */
	struct icvsp *ic = x->ic;
	(void)ic;
	hostside_ic_time_jump(x->hs, 0); /* no-op jump: a SYNC at the same offset */
	efx_sleep_ms(x, 10);
	gk_guest_ic_timesync(x->rt, &ts);
	assert_near(ts.offset, ts0.offset);
	ts0 = ts;
	/* Raw SAMPLE 1 s ahead of the host's clock. */
	struct icvsp_ts_info hi;
	hostside_ic_timesync(x->hs, &hi);
	assert_int_equal(icvsp_ts_send_raw(x->ic, VMBUS_IC_TIMESYNC_SAMPLE, hi.wall_now + SEC,
					   part_time(x->p)), 0);
	efx_sleep_ms(x, 10);
	gk_guest_ic_timesync(x->rt, &ts);
	assert_int_equal(ts.slews, 1);
	assert_int_equal(ts.offset - ts0.offset, (int64_t)HVIC_DEFAULT_SLEW_MAX);
	/* 10 s ahead: a step. */
	hostside_ic_timesync(x->hs, &hi);
	assert_int_equal(icvsp_ts_send_raw(x->ic, VMBUS_IC_TIMESYNC_SAMPLE, hi.wall_now + 10 * SEC,
					   part_time(x->p)), 0);
	efx_sleep_ms(x, 10);
	gk_guest_ic_timesync(x->rt, &ts);
	assert_near(ts.offset - ts0.offset, (int64_t)(10 * SEC));
	efx_free(x);
}

static void test_ic_e2e__timesync_garbage_times__ignored_clock_kept(void **state)
{
	(void)state;
	struct efx *x = efx_new();
	struct gk_ic_timesync ts0, ts;
	gk_guest_ic_timesync(x->rt, &ts0);
	const uint64_t now = part_time(x->p);
	const struct { uint8_t flags; uint64_t parent, ref; } bad[] = {
		{ VMBUS_IC_TIMESYNC_SYNC, 0, now },                      /* time 0 */
		{ VMBUS_IC_TIMESYNC_SYNC, (uint64_t)-5 * SEC, now },      /* negative */
		{ VMBUS_IC_TIMESYNC_SYNC, 9151488000000000000ull, now },  /* year ~30000 */
		{ 0x80 | VMBUS_IC_TIMESYNC_SYNC, ICVSP_DEFAULT_WALL_BASE, now }, /* unknown flags */
		{ VMBUS_IC_TIMESYNC_SYNC, ICVSP_DEFAULT_WALL_BASE, now + 100 * SEC }, /* future ref */
	};
	for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(icvsp_ts_send_raw(x->ic, bad[i].flags, bad[i].parent, bad[i].ref), 0);
		efx_sleep_ms(x, 10);
	}
	gk_guest_ic_timesync(x->rt, &ts);
	assert_int_equal(ts.ignored, 5);
	assert_int_equal(ts.offset, ts0.offset);
	assert_int_equal(ts.syncs, ts0.syncs);
	/* and the IC still works */
	assert_int_equal(hstats(x, ICVSP_TIMESYNC).state, ICVSP_ST_READY);
	efx_free(x);
}

/* ---- KVP ----------------------------------------------------------------------------------- */

static void test_ic_e2e__kvp__host_pools_reach_guest_guest_pools_reach_host(void **state)
{
	(void)state;
	struct icvsp_config c = all_ics();
	struct efx *x = efx_new_cfg("ws2019", &c, NULL, 9);
	efx_kvp_idle(x);
	char buf[128];
	/* The auto pool (guest intrinsic items) was read at negotiation. */
	assert_int_equal(hostside_ic_kvp_get(x->hs, VMBUS_KVP_POOL_AUTO, "OSName", buf, sizeof buf), 0);
	assert_string_equal(buf, "hvsim");
	assert_int_equal(icvsp_kvp_count(x->ic, VMBUS_KVP_POOL_AUTO), 10);
	/* Host -> guest: EXTERNAL and AUTO_EXTERNAL. */
	assert_int_equal(hostside_ic_kvp_set(x->hs, VMBUS_KVP_POOL_EXTERNAL, "Role", "web \xc3\xa9"), 0);
	assert_int_equal(hostside_ic_kvp_set(x->hs, VMBUS_KVP_POOL_AUTO_EXTERNAL, "PhysicalHostName",
					     "hv-host-1"), 0);
	efx_sleep_ms(x, 10);
	assert_int_equal(gk_guest_ic_kvp_get(x->rt, VMBUS_KVP_POOL_EXTERNAL, "Role", buf, sizeof buf), 0);
	assert_string_equal(buf, "web \xc3\xa9");
	assert_int_equal(gk_guest_ic_kvp_get(x->rt, VMBUS_KVP_POOL_AUTO_EXTERNAL, "PhysicalHostName",
					     buf, sizeof buf), 0);
	assert_string_equal(buf, "hv-host-1");
	assert_int_equal(hostside_ic_kvp_delete(x->hs, VMBUS_KVP_POOL_EXTERNAL, "Role"), 0);
	efx_sleep_ms(x, 10);
	assert_int_equal(gk_guest_ic_kvp_get(x->rt, VMBUS_KVP_POOL_EXTERNAL, "Role", buf, sizeof buf),
			 -ENOENT);
	/* Guest -> host: the guest writes its pool, the host reads it. */
	assert_int_equal(gk_guest_ic_kvp_set(x->rt, VMBUS_KVP_POOL_GUEST, "app", "ready"), 0);
	assert_int_equal(gk_guest_ic_kvp_set(x->rt, VMBUS_KVP_POOL_EXTERNAL, "x", "y"), -EINVAL);
	assert_int_equal(hostside_ic_kvp_refresh(x->hs), 0);
	efx_sleep_ms(x, 10);
	assert_int_equal(hostside_ic_kvp_get(x->hs, VMBUS_KVP_POOL_GUEST, "app", buf, sizeof buf), 0);
	assert_string_equal(buf, "ready");
	/* and by GET */
	assert_int_equal(gk_guest_ic_kvp_set(x->rt, VMBUS_KVP_POOL_GUEST, "app", "busy"), 0);
	assert_int_equal(icvsp_kvp_query(x->ic, VMBUS_KVP_POOL_GUEST, "app"), 0);
	efx_sleep_ms(x, 10);
	assert_int_equal(hostside_ic_kvp_get(x->hs, VMBUS_KVP_POOL_GUEST, "app", buf, sizeof buf), 0);
	assert_string_equal(buf, "busy");
	struct icvsp_kvp_info ki;
	icvsp_kvp_info(x->ic, &ki);
	assert_int_equal(ki.timeouts, 0);
	efx_free(x);
}

static void test_ic_e2e__kvp_daemon_never_answers__timeout_reply_next_request_works(void **state)
{
	(void)state;
	struct icvsp_config c = all_ics();
	struct gk_ic_config g = { .kvp_timeout_ns = 100 * MS_NS };
	struct efx *x = efx_new_cfg("ws2019", &c, &g, 10);
	efx_kvp_idle(x);
	gk_guest_ic_kvpd_mode(GK_KVPD_NEVER, 0);
	assert_int_equal(hostside_ic_kvp_set(x->hs, VMBUS_KVP_POOL_EXTERNAL, "k1", "v1"), 0);
	efx_sleep_ms(x, 50);
	/* Still waiting for user level; the channel is not blocked for the
	 * other ICs meanwhile. */
	struct gk_ic_kvp_status ks;
	gk_guest_ic_kvp_status(x->rt, &ks);
	assert_int_equal(ks.timeouts, 0);
	efx_sleep_ms(x, 100);
	gk_guest_ic_kvp_status(x->rt, &ks);
	assert_int_equal(ks.timeouts, 1);
	struct icvsp_kvp_info ki;
	icvsp_kvp_info(x->ic, &ki);
	assert_int_equal(ki.last_status, VMBUS_IC_E_FAIL);
	assert_int_equal(ki.errors, 1);
	assert_int_equal(ki.timeouts, 0); /* the host got its reply */
	/* The next request works. */
	gk_guest_ic_kvpd_mode(GK_KVPD_ANSWER, 0);
	assert_int_equal(hostside_ic_kvp_set(x->hs, VMBUS_KVP_POOL_EXTERNAL, "k2", "v2"), 0);
	efx_sleep_ms(x, 10);
	char buf[16];
	assert_int_equal(gk_guest_ic_kvp_get(x->rt, VMBUS_KVP_POOL_EXTERNAL, "k2", buf, sizeof buf), 0);
	assert_string_equal(buf, "v2");
	icvsp_kvp_info(x->ic, &ki);
	assert_int_equal(ki.last_status, VMBUS_IC_S_OK);
	efx_free(x);
}

static void test_ic_e2e__kvp_daemon_late__timeout_reply_then_late_answer_stale(void **state)
{
	(void)state;
	struct icvsp_config c = all_ics();
	struct gk_ic_config g = { .kvp_timeout_ns = 100 * MS_NS };
	struct efx *x = efx_new_cfg("ws2019", &c, &g, 11);
	efx_kvp_idle(x);
	gk_guest_ic_kvpd_mode(GK_KVPD_LATE, 300 * MS_NS);
	assert_int_equal(hostside_ic_kvp_set(x->hs, VMBUS_KVP_POOL_EXTERNAL, "k", "v"), 0);
	efx_sleep_ms(x, 500);
	struct gk_ic_kvp_status ks;
	gk_guest_ic_kvp_status(x->rt, &ks);
	assert_int_equal(ks.timeouts, 1);
	assert_int_equal(ks.late_answers, 1);
	/* Exactly one reply reached the host: no unexpected drops. */
	assert_int_equal(hstats(x, ICVSP_KVP).drop[ICVSP_DROP_UNEXPECTED], 0);
	/* A late answer within the deadline is fine. */
	gk_guest_ic_kvpd_mode(GK_KVPD_LATE, 20 * MS_NS);
	assert_int_equal(hostside_ic_kvp_set(x->hs, VMBUS_KVP_POOL_EXTERNAL, "k", "w"), 0);
	efx_sleep_ms(x, 100);
	char buf[8];
	assert_int_equal(gk_guest_ic_kvp_get(x->rt, VMBUS_KVP_POOL_EXTERNAL, "k", buf, sizeof buf), 0);
	assert_string_equal(buf, "w");
	efx_free(x);
}

/* ---- RELIABILITY 5.9 aimed at the guest --------------------------------------------------- */

static void test_hvic__packet_shorter_than_headers__dropped(void **state)
{
	(void)state;
	struct efx *x = efx_new();
	uint64_t before = gstats(HVIC_HEARTBEAT).drop[HVIC_DROP_SHORT];
	uint8_t m[16] = { 1, 0, 0, 0, 8 };
	assert_int_equal(vmbs_chan_send_inband(host_chan(x, hb_cls), 9, m, sizeof m, false), 0);
	efx_sleep_ms(x, 5);
	assert_int_equal(gstats(HVIC_HEARTBEAT).drop[HVIC_DROP_SHORT], before + 1);
	/* pipe length past the packet */
	inject(x, hb_cls, VMBUS_ICMSG_HEARTBEAT, 3, NULL, 0, 0, 0);
	uint8_t big[40] = { 1, 0, 0, 0, 0xff, 0xff };
	assert_int_equal(vmbs_chan_send_inband(host_chan(x, hb_cls), 9, big, sizeof big, false), 0);
	efx_sleep_ms(x, 5);
	assert_true(gstats(HVIC_HEARTBEAT).drop[HVIC_DROP_PIPE] >= 1);
	efx_free(x);
}

static void test_hvic__negotiate_vercnt_ffff__failure_without_oob(void **state)
{
	(void)state;
	struct efx *x = efx_new();
	uint64_t f0 = gstats(HVIC_SHUTDOWN).negotiate_failures;
	uint8_t body[16] = { 0xff, 0xff, 0xff, 0xff };
	inject(x, sd_cls, VMBUS_ICMSG_NEGOTIATE, 3, body, sizeof body, sizeof body, 0);
	assert_int_equal(gstats(HVIC_SHUTDOWN).negotiate_failures, f0 + 1);
	/* counts that fit the cap but run past msgsize */
	uint8_t body2[16] = { 2, 0, 2, 0, 0, 0, 0, 0, 1, 0, 0, 0, 3, 0, 0, 0 };
	inject(x, sd_cls, VMBUS_ICMSG_NEGOTIATE, 3, body2, sizeof body2, sizeof body2, 0);
	assert_int_equal(gstats(HVIC_SHUTDOWN).negotiate_failures, f0 + 2);
	/* The host's replies to a NEGOTIATE it never sent are dropped. */
	assert_int_equal(hstats(x, ICVSP_SHUTDOWN).drop[ICVSP_DROP_UNEXPECTED], 2);
	efx_free(x);
}

static void test_hvic__unknown_msgtype__dropped(void **state)
{
	(void)state;
	struct efx *x = efx_new();
	uint8_t body[8] = { 0 };
	inject(x, hb_cls, 0x66, 3, body, sizeof body, sizeof body, 0);
	inject(x, hb_cls, VMBUS_ICMSG_SHUTDOWN, 3, body, sizeof body, sizeof body, 0);
	assert_int_equal(gstats(HVIC_HEARTBEAT).drop[HVIC_DROP_MSGTYPE], 2);
	efx_free(x);
}

static void test_hvic__response_flag_on_request__dropped(void **state)
{
	(void)state;
	struct efx *x = efx_new();
	uint8_t body[8] = { 1 };
	inject(x, hb_cls, VMBUS_ICMSG_HEARTBEAT, 0x7, body, sizeof body, sizeof body, 0);
	inject(x, hb_cls, VMBUS_ICMSG_HEARTBEAT, 0x5, body, sizeof body, sizeof body, 0);
	assert_int_equal(gstats(HVIC_HEARTBEAT).drop[HVIC_DROP_FLAGS], 2);
	/* msgsize past the pipe payload */
	inject(x, hb_cls, VMBUS_ICMSG_HEARTBEAT, 0x3, body, sizeof body, 500, 0);
	assert_int_equal(gstats(HVIC_HEARTBEAT).drop[HVIC_DROP_SIZE], 1);
	efx_free(x);
}

static void test_hvic__shutdown_body_short__efail(void **state)
{
	(void)state;
	struct efx *x = efx_new();
	uint8_t body[8] = { 0 };
	inject(x, sd_cls, VMBUS_ICMSG_SHUTDOWN, 3, body, sizeof body, sizeof body, 0);
	assert_int_equal(gstats(HVIC_SHUTDOWN).bad_body, 1);
	assert_int_equal(x->hook_calls, 0);
	efx_free(x);
}

/* A KVP request with one record field set. */
static void kvp_bad(struct efx *x, uint8_t op, uint8_t pool, uint32_t key_size,
		    uint32_t value_size, uint32_t value_type, bool nul)
{
	static uint8_t body[sizeof(struct vmbus_kvp_msg_enumerate)];
	memset(body, 0, sizeof body);
	body[0] = op;
	body[1] = pool;
	struct vmbus_kvp_value v;
	memset(&v, 0, sizeof v);
	v.key_size = key_size;
	v.value_size = value_size;
	v.value_type = value_type;
	for (unsigned i = 0; i < sizeof v.key; i += 2)
		v.key[i] = 'k';
	if (nul && key_size >= 2 && key_size <= sizeof v.key)
		v.key[key_size - 2] = 0;
	memcpy(body + 4, &v, sizeof v);
	inject(x, kvp_cls, VMBUS_ICMSG_KVP, 3, body, sizeof(struct vmbus_kvp_msg_getset),
	       sizeof(struct vmbus_kvp_msg_getset), 0);
}

static void test_hvic__kvp_bad_sizes_pool_op__error_status_daemon_untouched(void **state)
{
	(void)state;
	struct efx *x = efx_new();
	efx_kvp_idle(x);
	struct gk_ic_kvp_status k0, k;
	gk_guest_ic_kvp_status(x->rt, &k0);
	kvp_bad(x, VMBUS_KVP_OP_GET, 0, 514, 0, 1, true);               /* key > 512 */
	kvp_bad(x, VMBUS_KVP_OP_GET, 0, 7, 0, 1, true);                 /* odd */
	kvp_bad(x, VMBUS_KVP_OP_GET, 0, 8, 0, 1, false);                /* no NUL */
	kvp_bad(x, VMBUS_KVP_OP_SET, 0, 8, 2050, 1, true);              /* value > 2048 */
	kvp_bad(x, VMBUS_KVP_OP_SET, 0, 8, 3, 1, true);                 /* odd value */
	kvp_bad(x, VMBUS_KVP_OP_SET, 0, 8, 3, VMBUS_KVP_REG_U32, true); /* u32 of 3 bytes */
	kvp_bad(x, VMBUS_KVP_OP_GET, 5, 8, 0, 1, true);                 /* pool 5 */
	kvp_bad(x, 9, 0, 8, 0, 1, true);                                /* op 9 */
	gk_guest_ic_kvp_status(x->rt, &k);
	assert_int_equal(k.bad_body - k0.bad_body, 8);
	assert_int_equal(k.daemon_requests, k0.daemon_requests);
	/* A good one afterwards reaches the daemon. */
	assert_int_equal(hostside_ic_kvp_set(x->hs, VMBUS_KVP_POOL_EXTERNAL, "ok", "1"), 0);
	efx_sleep_ms(x, 10);
	gk_guest_ic_kvp_status(x->rt, &k);
	assert_int_equal(k.daemon_requests, k0.daemon_requests + 1);
	efx_free(x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ic_e2e__boot__four_ics_attach_and_agree_on_highest_versions),
		cmocka_unit_test(test_ic_e2e__guest_ceilings__lower_versions_agreed),
		cmocka_unit_test(test_ic_e2e__guest_speaks_heartbeat_1_0__host_agrees_1_0),
		cmocka_unit_test(test_ic_e2e__heartbeat__answered_each_interval_healthy),
		cmocka_unit_test(test_ic_e2e__ic_drivers_restarted__heartbeat_healthy_again),
		cmocka_unit_test(test_ic_e2e__reboot_request__accepted_then_hook_runs),
		cmocka_unit_test(test_ic_e2e__shutdown_unknown_flags__efail_no_action),
		cmocka_unit_test(test_ic_e2e__hibernate_unsupported__refused_supported__accepted),
		cmocka_unit_test(test_ic_e2e__timesync__sync_steps_offset_jump_resyncs),
		cmocka_unit_test(test_ic_e2e__timesync_samples__small_error_slewed_bounded),
		cmocka_unit_test(test_ic_e2e__timesync_garbage_times__ignored_clock_kept),
		cmocka_unit_test(test_ic_e2e__kvp__host_pools_reach_guest_guest_pools_reach_host),
		cmocka_unit_test(test_ic_e2e__kvp_daemon_never_answers__timeout_reply_next_request_works),
		cmocka_unit_test(test_ic_e2e__kvp_daemon_late__timeout_reply_then_late_answer_stale),
		cmocka_unit_test(test_hvic__packet_shorter_than_headers__dropped),
		cmocka_unit_test(test_hvic__negotiate_vercnt_ffff__failure_without_oob),
		cmocka_unit_test(test_hvic__unknown_msgtype__dropped),
		cmocka_unit_test(test_hvic__response_flag_on_request__dropped),
		cmocka_unit_test(test_hvic__shutdown_body_short__efail),
		cmocka_unit_test(test_hvic__kvp_bad_sizes_pool_op__error_status_daemon_untouched),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
