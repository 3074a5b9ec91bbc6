/* test_net_bridge.c -- the hn bridge session the system test
 * tests/system/net_bridge.sh drives: a host netvsp NIC whose back end is a
 * TAP in namespace H, the guest's hn0 bridged to a TAP in namespace G, all
 * in one inproc process that runs for HN_BRIDGE_SECONDS of real time while
 * the script sends real ping / iperf3 traffic between the namespaces.
 * Without HN_BRIDGE_NSG / HN_BRIDGE_NSH in the environment (plain ctest)
 * the session is skipped. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "guest_drivers/netvsc/hn.h"
#include "sim/devices/hostside.h"
#include "sim/devices/net/netbe.h"
#include "sim/devices/netvsp/netvsp.h"
#include "sim/guest/guest_actions.h"
#include "sim/guest/guest_net.h"
#include "sim/guest/guest_vmbus.h"
#include "sim/guest/hn_bridge.h"
#include "sim/guest/runtime.h"
#include "sim/guest/transport.h"
#include "sim/hostd/gmem.h"
#include "sim/hostd/partition.h"
#include "sim/hostd/profile.h"

#define MEM (96u << 20)

struct bx {
	struct hostside *hs;
	struct netvsp *nic;
};

static bool bx_pump(void *arg)
{
	struct bx *b = arg;
	bool did = false;
	for (int i = 0; i < 16; i++) {
		bool any = hostside_pump(b->hs);
		any |= netvsp_pump(b->nic);
		if (!any)
			break;
		did = true;
	}
	return did;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_net_bridge__session__namespaces_talk_through_hn_vmbus_netvsp(void **state)
{
	(void)state;
	const char *nsg = getenv("HN_BRIDGE_NSG"), *nsh = getenv("HN_BRIDGE_NSH");
	if (!nsg || !nsh) {
		skip();
		return;
	}
	const char *prof_name = getenv("HN_BRIDGE_PROFILE") ? getenv("HN_BRIDGE_PROFILE") : "ws2019";
	double secs = getenv("HN_BRIDGE_SECONDS") ? atof(getenv("HN_BRIDGE_SECONDS")) : 10.0;
	uint32_t ncpus = 2;
	struct gmem *gm = gmem_create(MEM);
	assert_non_null(gm);
	struct gk_transport *t = gk_inproc_create(gmem_ptr(gm, 0, MEM), MEM, ncpus);
	const struct hv_profile *prof = hv_profile_find(prof_name);
	assert_non_null(prof);
	struct part_config pc = { .profile = prof, .nvcpus = ncpus };
	struct part *p = part_create(gm, &pc, gk_inproc_part_notify(), t);
	assert_non_null(p);
	gk_inproc_attach(t, p);
	struct hostside_config hsc = { .vmbus = true };
	struct bx b = { 0 };
	b.hs = hostside_create(p, gm, &hsc, NULL, NULL);
	assert_non_null(b.hs);
	struct netvsp_config c;
	memset(&c, 0, sizeof c);
	c.instance_id.bytes[0] = 0xb7;
	static const uint8_t mac[6] = { 0x00, 0x15, 0x5d, 0x42, 0x00, 0x01 };
	memcpy(c.mac, mac, 6);
	c.be.kind = NETBE_TAP;
	c.be.tap_name = "hvh0";
	c.be.netns = nsh;
	c.be.accept_offload = true;
	assert_int_equal(netvsp_create(hostside_vmbs(b.hs), prof, &c, NULL, NULL, &b.nic), 0);
	gk_inproc_set_pump(t, bx_pump, &b);
	struct gk_runtime_config rc = { .sched = GK_SCHED_INPROC, .seed = 1,
					.log_level = getenv("EX_LOG") ? atoi(getenv("EX_LOG")) : 1 };
	struct gk_runtime *rt = gk_runtime_create(t, &rc);
	assert_non_null(rt);
	struct gk_boot_report br;
	assert_int_equal(gk_guest_boot(rt, &br), 0);
	struct gk_vmbus_report *vr = calloc(1, sizeof *vr);
	assert_non_null(vr);
	assert_int_equal(gk_guest_vmbus_connect(rt, 0, false, vr), 0);
	assert_int_equal(vr->status, 0);
	free(vr);
	struct gk_net_config nc = { 0 };
	assert_int_equal(gk_guest_net_start(rt, &nc), 0);
	struct gk_net_status st;
	assert_int_equal(gk_guest_net_status(rt, 0, &st), 0);
	assert_true(st.running);
	struct gk_hn_bridge_config bc = { .unit = 0, .tap_name = "hvg0", .netns = nsg,
					  .offload = true };
	assert_int_equal(gk_hn_bridge_start(rt, &bc), 0);
	printf("READY hn0 nvsp %#x queues %u csum_tcp4 %d lso4 %d\n", st.nvsp_version,
	       st.nqueues, st.csum_tcp4, st.lso4);
	fflush(stdout);
	double end = now_s() + secs;
	while (now_s() < end)
		assert_int_equal(gk_guest_sleep(rt, 1000000), 0);
	struct gk_hn_bridge_stats bs;
	gk_hn_bridge_stats(&bs);
	assert_int_equal(gk_guest_net_status(rt, 0, &st), 0);
	struct netvsp_stats ns;
	netvsp_get_stats(b.nic, &ns);
	printf("STATS to_hn %llu segmented %llu to_hn_dropped %llu to_tap %llu to_tap_dropped %llu "
	       "hn_tx %llu hn_rx %llu drops %llu host_tx %llu host_rx %llu\n",
	       (unsigned long long)bs.to_hn, (unsigned long long)bs.to_hn_segmented,
	       (unsigned long long)bs.to_hn_dropped, (unsigned long long)bs.to_tap,
	       (unsigned long long)bs.to_tap_dropped, (unsigned long long)st.tx_pkts,
	       (unsigned long long)st.rx_pkts, (unsigned long long)st.drops,
	       (unsigned long long)ns.tx_frames, (unsigned long long)ns.rx_frames);
	fflush(stdout);
	assert_int_equal(gk_hn_bridge_stop(rt), 0);
	assert_int_equal(gk_guest_net_stop(rt), 0);
	assert_int_equal(gk_guest_vmbus_disconnect(rt), 0);
	assert_int_equal(gk_guest_shutdown(rt), 0);
	gk_runtime_destroy(rt);
	netvsp_destroy(b.nic);
	hostside_destroy(b.hs);
	part_destroy(p);
	t->ops->close(t);
	gmem_destroy(gm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_net_bridge__session__namespaces_talk_through_hn_vmbus_netvsp),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
