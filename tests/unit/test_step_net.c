/* test_step_net.c -- the network scenario steps: every bad input of
 * net_ping, expect_net, net_mtu, net_udp and net_send is refused with its
 * JSON path before anything runs, and small scenarios run in process show
 * that each step checks what it claims (MTU edges, vRSS spreading, the
 * wire's checksum counter, link speed, names by MAC). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim/runner/run.h"
#include "sim/runner/scenario.h"

static char err[1024];

#define HEAD "{\"guest\":{\"vcpus\":2},\"devices\":{\"nics\":[{\"backend\":\"peer\"}]},\"steps\":[{\"boot\":{}},"

static struct scenario *parse(const char *text)
{
	err[0] = '\0';
	return scenario_parse("t.json", text, strlen(text), err, sizeof err);
}

static void expect_error(const char *steps, const char *needle)
{
	char text[2048];
	snprintf(text, sizeof text, HEAD "%s]}", steps);
	struct scenario *s = parse(text);
	if (s || !strstr(err, needle))
		fail_msg("%s: wanted an error containing \"%s\", got \"%s\"", steps, needle,
			 s ? "(loaded)" : err);
	scenario_free(s);
}

/* Run a scenario in process; the verdict, and the first failure in why. */
static enum run_verdict run_text(const char *text, char *why, size_t cap)
{
	struct scenario *s = parse(text);
	if (!s)
		fail_msg("does not load: %s", err);
	FILE *out = fopen("/dev/null", "w");
	assert_non_null(out);
	struct run_opts o = { .session = { .mode = RUN_INPROC, .seed = 1 }, .quiet = true,
			      .out = out };
	struct run_result r;
	memset(&r, 0, sizeof r);
	enum run_verdict v = run_scenario(s, &o, &r);
	snprintf(why, cap, "%s", r.reason);
	fclose(out);
	scenario_free(s);
	return v;
}

static void expect_run(const char *steps, enum run_verdict want, const char *needle)
{
	char text[4096], why[512];
	snprintf(text, sizeof text, HEAD "%s]}", steps);
	enum run_verdict v = run_text(text, why, sizeof why);
	if (v != want || (needle && !strstr(why, needle)))
		fail_msg("%s: verdict %d (want %d), reason \"%s\" (want \"%s\")", steps, v, want, why,
			 needle ? needle : "");
}

static void test_step_net__bad_ping__rejected_with_path(void **state)
{
	(void)state;
	expect_error("{\"net_ping\":{\"size\":9217}}", "$.steps[1].net_ping.size");
	expect_error("{\"net_ping\":{\"send_error\":\"ENOPE\"}}", "expected one of: ok, EINVAL");
	expect_error("{\"net_ping\":{\"send_error\":\"EMSGSIZE\",\"unreachable\":true}}",
		     "exclude each other");
	expect_error("{\"net_ping\":{\"send_error\":\"EMSGSIZE\",\"received\":0}}",
		     "drop \"received\"");
	expect_error("{\"net_ping\":{\"unit\":1}}", "hn1: the scenario has 1 NIC");
}

static void test_step_net__bad_expect_net__rejected_with_path(void **state)
{
	(void)state;
	expect_error("{\"expect_net\":{\"mac\":\"00:15:5d:00:00\"}}", "$.steps[1].expect_net.mac");
	expect_error("{\"expect_net\":{\"mac\":\"00:15:5d:00:00:0g\"}}", "not a MAC address");
	expect_error("{\"expect_net\":{\"mac\":\"00-15-5d-00-00-01\"}}", "not a MAC address");
	expect_error("{\"expect_net\":{\"mac\":\"0:15:5d:00:00:011\"}}", "not a MAC address");
	expect_error("{\"expect_net\":{\"rx_queues_min\":17}}", "rx_queues_min");
	expect_error("{\"expect_net\":{\"speed_bps\":-1}}", "speed_bps");
	expect_error("{\"expect_net\":{\"within_ms\":5}}", "must check something");
	expect_error("{\"expect_net\":{\"unit\":3,\"link_up\":true}}", "hn3: the scenario has 1 NIC");
}

static void test_step_net__bad_mtu__rejected_with_path(void **state)
{
	(void)state;
	expect_error("{\"net_mtu\":{}}", "missing required key \"mtu\"");
	expect_error("{\"net_mtu\":{\"mtu\":65536}}", "$.steps[1].net_mtu.mtu");
	expect_error("{\"net_mtu\":{\"mtu\":1500,\"result\":\"EAGAIN\"}}", "unknown value \"EAGAIN\"");
	expect_error("{\"net_mtu\":{\"mtu\":\"1500\"}}", "$.steps[1].net_mtu.mtu");
	expect_error("{\"net_mtu\":{\"mtu\":1500,\"queue\":1}}", "unknown key");
}

static void test_step_net__bad_udp__rejected_with_path(void **state)
{
	(void)state;
	expect_error("{\"net_udp\":{\"flows\":0}}", "$.steps[1].net_udp.flows");
	expect_error("{\"net_udp\":{\"flows\":257}}", "$.steps[1].net_udp.flows");
	expect_error("{\"net_udp\":{\"count\":17}}", "$.steps[1].net_udp.count");
	expect_error("{\"net_udp\":{\"size\":1473}}", "$.steps[1].net_udp.size");
	expect_error("{\"net_udp\":{\"sport\":65530,\"flows\":7}}", "runs past port 65535");
	expect_error("{\"net_udp\":{\"src\":\"10.0.0.250\",\"flows\":6}}", "leaves the /24");
	expect_error("{\"net_udp\":{\"dst\":\"10.0.0\"}}", "not an IPv4 address");
	expect_error("{\"net_udp\":{\"queues_min\":17}}", "$.steps[1].net_udp.queues_min");
}

static void test_step_net__bad_send__rejected_with_path(void **state)
{
	(void)state;
	expect_error("{\"net_send\":{\"proto\":\"sctp\"}}", "$.steps[1].net_send.proto");
	expect_error("{\"net_send\":{\"csum\":\"half\"}}", "expected one of: partial, full, bad");
	expect_error("{\"net_send\":{\"size\":1401}}", "$.steps[1].net_send.size");
	expect_error("{\"net_send\":{\"count\":0}}", "$.steps[1].net_send.count");
	expect_error("{\"net_send\":{\"dport\":0}}", "$.steps[1].net_send.dport");
	expect_error("{\"net_send\":{\"via\":\"300.0.0.1\"}}", "not an IPv4 address");
	expect_error("{\"net_send\":{\"unit\":8}}", "$.steps[1].net_send.unit");
}

static void test_step_net__mtu_edges__exact_passes_one_more_refused(void **state)
{
	(void)state;
	expect_run("{\"net_mtu\":{\"mtu\":4000}},"
		   "{\"net_ping\":{\"size\":3972,\"count\":1}},"
		   "{\"net_ping\":{\"size\":3973,\"count\":1,\"send_error\":\"EMSGSIZE\"}},"
		   "{\"host_expect\":{\"cmd\":\"nic.stats\",\"nic\":0,\"fields\":{\"mtu\":4014}}}",
		   RUN_PASS, NULL);
	/* The expectation is checked, not assumed. */
	expect_run("{\"net_ping\":{\"size\":1473,\"count\":1}}", RUN_FAIL,
		   "sends Message too long, expected to pass");
	expect_run("{\"net_ping\":{\"size\":1472,\"count\":1,\"send_error\":\"EMSGSIZE\"}}",
		   RUN_FAIL, "sends passed, expected Message too long");
	expect_run("{\"net_mtu\":{\"mtu\":67}}", RUN_FAIL, "MTU 67: Invalid argument");
}

static void test_step_net__vrss_flows__spread_and_checked(void **state)
{
	(void)state;
	static const char *const text =
		"{\"guest\":{\"vcpus\":4},\"devices\":{\"nics\":[{\"queues\":4}]},\"steps\":["
		"{\"boot\":{}},"
		"{\"net_udp\":{\"src\":\"10.0.0.10\",\"flows\":16,\"queues_min\":2}},"
		"{\"expect_net\":{\"rx_queues_min\":2}},"
		"{\"host_expect\":{\"cmd\":\"nic.stats\",\"nic\":0,\"fields\":{\"rx_queues_used\":4}}}]}";
	char why[512];
	assert_int_equal(run_text(text, why, sizeof why), RUN_PASS);
	/* A host that offers one queue: the same traffic stays on it. */
	static const char *const one =
		"{\"guest\":{\"vcpus\":4},\"devices\":{\"nics\":[{\"queues\":1}]},\"steps\":["
		"{\"boot\":{}},"
		"{\"host_expect\":{\"cmd\":\"nic.stats\",\"nic\":0,\"fields\":{\"open_queues\":1}}},"
		"{\"net_udp\":{\"src\":\"10.0.0.10\",\"flows\":16,\"queues_min\":2}}]}";
	assert_int_equal(run_text(one, why, sizeof why), RUN_FAIL);
	assert_non_null(strstr(why, "echoes arrived on 1 queue (q0:16), expected at least 2"));
	expect_run("{\"net_udp\":{\"flows\":4,\"received\":3}}", RUN_FAIL,
		   "expected 3 echoes, got 4 of 4");
}

static void test_step_net__partial_csum__wire_sees_it_complete(void **state)
{
	(void)state;
	expect_run("{\"net_send\":{\"proto\":\"tcp\",\"src\":\"192.168.1.5\",\"via\":\"10.0.0.1\","
		   "\"csum\":\"partial\",\"count\":3}},"
		   "{\"net_send\":{\"proto\":\"udp\",\"csum\":\"partial\",\"size\":0}},"
		   "{\"host_expect\":{\"cmd\":\"nic.stats\",\"nic\":0,"
		   "\"fields\":{\"wire_bad_csum\":0,\"wire_frames\":6}}}",
		   RUN_PASS, NULL);
	/* (Each net_send ARPs first: 2 ARP + 4 frames above.)  ARP + 1: a deliberately wrong checksum is what the counter sees. */
	expect_run("{\"net_send\":{\"proto\":\"udp\",\"csum\":\"bad\"}},"
		   "{\"host_expect\":{\"cmd\":\"nic.stats\",\"nic\":0,"
		   "\"fields\":{\"wire_bad_csum\":1,\"wire_frames\":2}}}",
		   RUN_PASS, NULL);
	expect_run("{\"net_send\":{\"dst\":\"10.0.0.7\",\"timeout_ms\":5}}", RUN_FAIL,
		   "ARP for the next hop: No route to host");
}

static void test_step_net__link_speed_and_mac__checked(void **state)
{
	(void)state;
	expect_run("{\"expect_net\":{\"mac\":\"00:15:5d:00:00:01\",\"name\":\"hn0\"}},"
		   "{\"host\":{\"cmd\":\"nic.link\",\"nic\":0,\"up\":true,\"speed_bps\":2500000000}},"
		   "{\"expect_net\":{\"speed_bps\":2500000000,\"within_ms\":100}}",
		   RUN_PASS, NULL);
	expect_run("{\"expect_net\":{\"mac\":\"00:15:5d:00:00:02\"}}", RUN_FAIL,
		   "hn0: MAC expected 00:15:5d:00:00:02, found 00:15:5d:00:00:01");
	expect_run("{\"expect_net\":{\"speed_bps\":1}}", RUN_FAIL, "speed: expected 1 bit/s");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_step_net__bad_ping__rejected_with_path),
		cmocka_unit_test(test_step_net__bad_expect_net__rejected_with_path),
		cmocka_unit_test(test_step_net__bad_mtu__rejected_with_path),
		cmocka_unit_test(test_step_net__bad_udp__rejected_with_path),
		cmocka_unit_test(test_step_net__bad_send__rejected_with_path),
		cmocka_unit_test(test_step_net__mtu_edges__exact_passes_one_more_refused),
		cmocka_unit_test(test_step_net__vrss_flows__spread_and_checked),
		cmocka_unit_test(test_step_net__partial_csum__wire_sees_it_complete),
		cmocka_unit_test(test_step_net__link_speed_and_mac__checked),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
