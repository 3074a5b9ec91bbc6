/* test_hostcmd.c -- the host command interface: dispatch, argument
 * checking, error replies with the request id, and the IC and KVP commands
 * on a real host side (no guest connected). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sim/devices/hostcmd.h"
#include "sim/devices/hostside.h"
#include "sim/hostd/gmem.h"
#include "sim/hostd/partition.h"
#include "sim/hostd/profile.h"

struct hfx {
	struct gmem *gm;
	struct part *p;
	struct hostside *hs;
};

static int hfx_setup(void **state)
{
	struct hfx *x = calloc(1, sizeof *x);
	assert_non_null(x);
	x->gm = gmem_create(16u << 20);
	struct part_config pc = { .profile = hv_profile_find("ws2022"), .nvcpus = 1 };
	x->p = part_create(x->gm, &pc, NULL, NULL);
	assert_non_null(x->p);
	struct hostside_config hc = { .vmbus = true, .check = true };
	hc.ic.heartbeat = hc.ic.shutdown = hc.ic.timesync = hc.ic.kvp = true;
	x->hs = hostside_create(x->p, x->gm, &hc, NULL, NULL);
	assert_non_null(x->hs);
	*state = x;
	return 0;
}

static int hfx_teardown(void **state)
{
	struct hfx *x = *state;
	hostside_destroy(x->hs);
	part_destroy(x->p);
	gmem_destroy(x->gm);
	free(x);
	return 0;
}

/* Run text; return the reply, checking ok matches. */
static json_t *run(struct hostside *hs, const char *text, bool want_ok)
{
	json_t *r = hostcmd_exec_text(hs, text, strlen(text));
	assert_non_null(r);
	if (json_is_true(json_object_get(r, "ok")) != want_ok) {
		char *d = json_dumps(r, 0);
		print_error("%s -> %s\n", text, d);
		free(d);
		fail();
	}
	return r;
}

static void expect_error(struct hostside *hs, const char *text, const char *needle)
{
	json_t *r = run(hs, text, false);
	const char *e = json_string_value(json_object_get(r, "error"));
	assert_non_null(e);
	if (!strstr(e, needle)) {
		print_error("error \"%s\" lacks \"%s\"\n", e, needle);
		fail();
	}
	json_decref(r);
}

static void test_hostcmd__bad_requests__error_reply_never_crash(void **state)
{
	(void)state;
	expect_error(NULL, "", "not JSON");
	expect_error(NULL, "{", "not JSON");
	expect_error(NULL, "[1,2]", "must be a JSON object");
	expect_error(NULL, "{}", "needs \"cmd\"");
	expect_error(NULL, "{\"cmd\": 7}", "needs \"cmd\"");
	expect_error(NULL, "{\"cmd\": \"nope\"}", "unknown command \"nope\"");
	expect_error(NULL, "{\"cmd\": \"kvp.set\", \"pool\": 0, \"bogus\": 1}",
		     "unknown argument \"bogus\"");
	expect_error(NULL, "{\"cmd\": \"kvp.set\", \"a\": 1, \"a\": 2}", "not JSON");
	/* Commands that need a guest say so when there is none. */
	expect_error(NULL, "{\"cmd\": \"vmbus\"}", "no VMBus");
	expect_error(NULL, "{\"cmd\": \"ic.heartbeat\"}", "no integration components");
}

static void test_hostcmd__id__echoed_on_success_and_failure(void **state)
{
	(void)state;
	json_t *r = run(NULL, "{\"cmd\": \"help\", \"id\": 42}", true);
	assert_int_equal(json_integer_value(json_object_get(r, "id")), 42);
	assert_true(json_array_size(json_object_get(r, "commands")) >= 10);
	json_decref(r);
	r = run(NULL, "{\"cmd\": \"nope\", \"id\": \"abc\"}", false);
	assert_string_equal(json_string_value(json_object_get(r, "id")), "abc");
	json_decref(r);
}

static void test_hostcmd__kvp_commands__validated_and_stored(void **state)
{
	struct hfx *x = *state;
	json_t *r = run(x->hs, "{\"cmd\": \"kvp.set\", \"pool\": 0, \"key\": \"k\", \"value\": \"v\"}",
			true);
	json_decref(r);
	r = run(x->hs, "{\"cmd\": \"kvp.get\", \"pool\": 0, \"key\": \"k\"}", true);
	assert_string_equal(json_string_value(json_object_get(r, "value")), "v");
	json_decref(r);
	r = run(x->hs, "{\"cmd\": \"kvp.list\", \"pool\": 0}", true);
	assert_string_equal(json_string_value(json_object_get(json_object_get(r, "items"), "k")),
			    "v");
	json_decref(r);
	expect_error(x->hs, "{\"cmd\": \"kvp.set\", \"pool\": 1, \"key\": \"k\", \"value\": \"v\"}",
		     "refused");
	expect_error(x->hs, "{\"cmd\": \"kvp.set\", \"pool\": 9, \"key\": \"k\", \"value\": \"v\"}",
		     "\"pool\" must be an integer in 0..4");
	expect_error(x->hs, "{\"cmd\": \"kvp.set\", \"pool\": 0, \"key\": \"k\"}", "missing \"value\"");
	expect_error(x->hs, "{\"cmd\": \"kvp.get\", \"pool\": 0, \"key\": \"none\"}", "no such key");
	r = run(x->hs, "{\"cmd\": \"kvp.delete\", \"pool\": 0, \"key\": \"k\"}", true);
	json_decref(r);
	expect_error(x->hs, "{\"cmd\": \"kvp.get\", \"pool\": 0, \"key\": \"k\"}", "no such key");
}

static void test_hostcmd__ic_and_bus_commands__report_state(void **state)
{
	struct hfx *x = *state;
	json_t *r = run(x->hs, "{\"cmd\": \"vmbus\"}", true);
	assert_string_equal(json_string_value(json_object_get(r, "state")), "disconnected");
	json_decref(r);
	r = run(x->hs, "{\"cmd\": \"channels\"}", true);
	assert_int_equal(json_array_size(json_object_get(r, "channels")), 4);
	json_decref(r);
	/* Queued until the shutdown IC is ready; the status says so. */
	r = run(x->hs, "{\"cmd\": \"ic.shutdown\", \"action\": \"reboot\", \"force\": true}", true);
	json_decref(r);
	r = run(x->hs, "{\"cmd\": \"ic.shutdown.status\"}", true);
	assert_string_equal(json_string_value(json_object_get(r, "result")), "pending");
	assert_int_equal(json_integer_value(json_object_get(r, "flags")), 3);
	json_decref(r);
	expect_error(x->hs, "{\"cmd\": \"ic.shutdown\", \"action\": \"explode\"}", "\"action\" must be");
	expect_error(x->hs, "{\"cmd\": \"ic.time_jump\"}", "missing \"ms\"");
	r = run(x->hs, "{\"cmd\": \"ic.time_jump\", \"ms\": -1500}", true);
	json_decref(r);
	r = run(x->hs, "{\"cmd\": \"ic.timesync\"}", true);
	assert_int_equal(json_integer_value(json_object_get(r, "host_offset_ms")), -1500);
	json_decref(r);
	r = run(x->hs, "{\"cmd\": \"ic.heartbeat\"}", true);
	assert_string_equal(json_string_value(json_object_get(r, "health")), "unknown");
	json_decref(r);
}

static void test_hostcmd__checker_and_faults__listed(void **state)
{
	struct hfx *x = *state;
	json_t *r = run(x->hs, "{\"cmd\": \"check.findings\"}", true);
	assert_true(json_is_true(json_object_get(r, "enabled")));
	assert_int_equal(json_integer_value(json_object_get(r, "violations")), 0);
	json_decref(r);
	r = run(x->hs, "{\"cmd\": \"fault.arm\", \"spec\": \"drop,dir=h2g,msg=OPENCHANNEL_RESULT,count=2\"}",
		true);
	assert_int_equal(json_integer_value(json_object_get(r, "id")), 1);
	json_decref(r);
	expect_error(x->hs, "{\"cmd\": \"fault.arm\", \"spec\": \"explode\"}", "bad fault spec");
	r = run(x->hs, "{\"cmd\": \"fault.list\"}", true);
	json_t *f = json_array_get(json_object_get(r, "faults"), 0);
	assert_string_equal(json_string_value(json_object_get(f, "kind")), "drop");
	assert_int_equal(json_integer_value(json_object_get(f, "count")), 2);
	assert_int_equal(json_integer_value(json_object_get(f, "fired")), 0);
	json_decref(r);
	r = run(x->hs, "{\"cmd\": \"fault.clear\"}", true);
	json_decref(r);
	r = run(x->hs, "{\"cmd\": \"fault.list\"}", true);
	assert_int_equal(json_array_size(json_object_get(r, "faults")), 0);
	json_decref(r);
}

/* A host with a SCSI controller and one memory-disk LUN (no guest). */
static void test_hostcmd__scsi_and_disk_commands__validated_and_applied(void **state)
{
	(void)state;
	struct gmem *gm = gmem_create(16u << 20);
	struct part_config pc = { .profile = hv_profile_find("ws2022"), .nvcpus = 1 };
	struct part *p = part_create(gm, &pc, NULL, NULL);
	assert_non_null(p);
	struct hostside_config hc = { .vmbus = true, .scsi = true };
	hc.scsi_cfg.vstor_max_version = (uint16_t)pc.profile->vstor_max_version;
	struct hostside *hs = hostside_create(p, gm, &hc, NULL, NULL);
	assert_non_null(hs);
	json_decref(run(hs, "{\"cmd\": \"scsi.add\", \"lun\": 0, \"size_mb\": 1}", true));
	expect_error(hs, "{\"cmd\": \"scsi.add\", \"lun\": 0, \"size_mb\": 1}", "already there");
	expect_error(hs, "{\"cmd\": \"scsi.add\", \"lun\": 1}", "exactly one of");
	expect_error(hs, "{\"cmd\": \"scsi.add\", \"lun\": 64, \"size_mb\": 1}", "lun");
	expect_error(hs, "{\"cmd\": \"scsi.add\", \"lun\": 1, \"image\": \"rel.img\"}", "absolute");
	expect_error(hs, "{\"cmd\": \"scsi.add\", \"lun\": 1, \"image\": \"/nonexistent/x.img\"}",
		     "/nonexistent/x.img");
	expect_error(hs, "{\"cmd\": \"scsi.add\", \"lun\": 1, \"size_mb\": 1, \"wce\": 1}", "wce");
	json_t *r = run(hs, "{\"cmd\": \"scsi.stats\"}", true);
	json_t *luns = json_object_get(r, "luns");
	assert_int_equal(json_array_size(luns), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(luns, 0), "bytes")),
			 1 << 20);
	json_decref(r);
	expect_error(hs, "{\"cmd\": \"disk.fault\", \"lun\": 0, \"op\": \"trim\"}", "\"op\"");
	expect_error(hs, "{\"cmd\": \"disk.fault\", \"lun\": 0, \"error\": \"EPERM\"}", "\"error\"");
	expect_error(hs, "{\"cmd\": \"disk.fault\", \"lun\": 0, \"error\": \"none\"}", "delay_ms");
	expect_error(hs, "{\"cmd\": \"disk.fault\", \"lun\": 5}", "no LUN at target 0 lun 5");
	json_decref(run(hs, "{\"cmd\": \"disk.fault\", \"lun\": 0, \"op\": \"write\", \"nth\": 2}", true));
	json_decref(run(hs, "{\"cmd\": \"disk.crash\", \"lun\": 0}", true));
	json_decref(run(hs, "{\"cmd\": \"scsi.remove\", \"lun\": 0}", true));
	expect_error(hs, "{\"cmd\": \"scsi.remove\", \"lun\": 0}", "no LUN");
	hostside_destroy(hs);

	/* Without a controller every storage command says so. */
	struct hostside_config plain = { .vmbus = true };
	hs = hostside_create(p, gm, &plain, NULL, NULL);
	assert_non_null(hs);
	expect_error(hs, "{\"cmd\": \"scsi.stats\"}", "no SCSI controller");
	/* NIC hot add/remove on the same host. */
	expect_error(hs, "{\"cmd\": \"nic.add\", \"queues\": 0}", "queues");
	expect_error(hs, "{\"cmd\": \"nic.add\", \"backend\": \"tap\"}", "backend");
	expect_error(hs, "{\"cmd\": \"nic.add\", \"pcap\": \"x.pcap\"}", "absolute");
	json_t *a = run(hs, "{\"cmd\": \"nic.add\", \"backend\": \"null\"}", true);
	assert_int_equal(json_integer_value(json_object_get(a, "nic")), 0);
	json_decref(a);
	a = run(hs, "{\"cmd\": \"nic.add\"}", true);
	assert_int_equal(json_integer_value(json_object_get(a, "nic")), 1);
	json_decref(a);
	json_decref(run(hs, "{\"cmd\": \"nic.remove\", \"nic\": 0}", true));
	expect_error(hs, "{\"cmd\": \"nic.remove\", \"nic\": 0}", "no NIC 0");
	/* The freed slot is taken again, with its own MAC. */
	a = run(hs, "{\"cmd\": \"nic.add\"}", true);
	assert_int_equal(json_integer_value(json_object_get(a, "nic")), 0);
	json_decref(a);
	expect_error(NULL, "{\"cmd\": \"scsi.add\", \"lun\": 0, \"size_mb\": 1}", "no guest");
	hostside_destroy(hs);
	part_destroy(p);
	gmem_destroy(gm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostcmd__bad_requests__error_reply_never_crash),
		cmocka_unit_test(test_hostcmd__id__echoed_on_success_and_failure),
		cmocka_unit_test(test_hostcmd__scsi_and_disk_commands__validated_and_applied),
		cmocka_unit_test_setup_teardown(test_hostcmd__kvp_commands__validated_and_stored,
						hfx_setup, hfx_teardown),
		cmocka_unit_test_setup_teardown(test_hostcmd__ic_and_bus_commands__report_state,
						hfx_setup, hfx_teardown),
		cmocka_unit_test_setup_teardown(test_hostcmd__checker_and_faults__listed,
						hfx_setup, hfx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
