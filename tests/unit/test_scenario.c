/* test_scenario.c -- scenario validation: every bad input exits with the
 * file, the line and the JSON path; good files load with their defaults. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "sim/runner/jsonpos.h"
#include "sim/runner/scenario.h"
#include "sim/runner/scn_step.h"
#include "sim/runner/step_platform.h"

#define EXPECT_ARGS(s, i) ((const struct scn_expect *)(s)->steps[i].args)
#define BOOT_ARGS(s, i)   ((const struct scn_boot *)(s)->steps[i].args)
#define WAIT_ARGS(s, i)   ((const struct scn_wait *)(s)->steps[i].args)

static char err[1024];

static struct scenario *parse(const char *text)
{
	err[0] = '\0';
	return scenario_parse("t.json", text, strlen(text), err, sizeof err);
}

static void expect_error(const char *text, const char *needle)
{
	struct scenario *s = parse(text);
	if (s || !strstr(err, needle))
		fail_msg("wanted an error containing \"%s\", got \"%s\"", needle, s ? "(loaded)" : err);
	scenario_free(s);
}

static void test_scenario__minimal__defaults_filled(void **state)
{
	(void)state;
	struct scenario *s = parse("{\"steps\":[{\"boot\":{}}]}");
	assert_non_null(s);
	assert_string_equal(s->profile, "ws2022");
	assert_int_equal(s->vcpus, 1);
	assert_int_equal(s->memory_mb, 128);
	assert_int_equal(s->nsteps, 1);
	assert_string_equal(s->steps[0].def->key, "boot");
	assert_string_equal(s->steps[0].label, "boot");
	assert_string_equal(s->name, "t.json");
	scenario_free(s);
}

static void test_scenario__full__fields_read(void **state)
{
	(void)state;
	struct scenario *s = parse(
		"{\"name\":\"n\",\"host\":{\"profile\":\"ws2008r2\"},\n"
		"\"guest\":{\"vcpus\":4,\"memory_mb\":64},\"limits\":{\"time_ms\":500},\n"
		"\"steps\":[{\"boot\":{}},\n"
		"{\"name\":\"x\",\"timeout_ms\":7,\"expect\":{\"hyperv\":true,\"clock\":\"c\",\"vcpus\":4}},\n"
		"{\"wait\":{\"ms\":3}}]}");
	assert_non_null(s);
	assert_string_equal(s->profile, "ws2008r2");
	assert_int_equal(s->vcpus, 4);
	assert_int_equal(s->memory_mb, 64);
	assert_int_equal(s->time_limit_ms, 500);
	assert_int_equal(s->nsteps, 3);
	assert_string_equal(s->steps[1].def->key, "expect");
	assert_int_equal(s->steps[1].line, 4);
	assert_int_equal(s->steps[1].timeout_ms, 7);
	assert_true(EXPECT_ARGS(s, 1)->has_hyperv && EXPECT_ARGS(s, 1)->hyperv);
	assert_true(EXPECT_ARGS(s, 1)->has_clock);
	assert_false(EXPECT_ARGS(s, 1)->has_vendor);
	assert_int_equal(WAIT_ARGS(s, 2)->ms, 3);
	scenario_free(s);
}

static void test_scenario__unknown_key__names_line_and_path(void **state)
{
	(void)state;
	expect_error("{\n\"guest\": {\n  \"vcpus\": 2,\n  \"cpus\": 3\n},\n\"steps\":[{\"boot\":{}}]}",
		     "t.json:4: $.guest.cpus: unknown key \"cpus\"");
}

static void test_scenario__wrong_type__names_line_and_path(void **state)
{
	(void)state;
	expect_error("{\"steps\":[\n{\"boot\":{}},\n{\"wait\":{\"ms\":\"ten\"}}]}",
		     "t.json:3: $.steps[1].wait.ms: must be an integer");
}

static void test_scenario__out_of_range__rejected(void **state)
{
	(void)state;
	expect_error("{\"guest\":{\"vcpus\":0},\"steps\":[{\"boot\":{}}]}", "$.guest.vcpus: 0 is out of range 1..64");
	expect_error("{\"guest\":{\"vcpus\":65},\"steps\":[{\"boot\":{}}]}", "out of range");
	expect_error("{\"guest\":{\"vcpus\":-1},\"steps\":[{\"boot\":{}}]}", "out of range");
	expect_error("{\"guest\":{\"memory_mb\":1},\"steps\":[{\"boot\":{}}]}", "$.guest.memory_mb");
	expect_error("{\"guest\":{\"vcpus\":1.5},\"steps\":[{\"boot\":{}}]}", "must be an integer");
}

static void test_scenario__huge_numbers__rejected_by_parser(void **state)
{
	(void)state;
	expect_error("{\"guest\":{\"vcpus\":1e309},\"steps\":[]}", "t.json:1:");
	expect_error("{\"guest\":{\"vcpus\":18446744073709551616},\"steps\":[]}", "t.json:1:");
}

static void test_scenario__duplicate_key__rejected(void **state)
{
	(void)state;
	expect_error("{\"steps\":[{\"boot\":{}}],\"steps\":[]}", "duplicate");
}

static void test_scenario__unknown_profile__lists_known(void **state)
{
	(void)state;
	expect_error("{\"host\":{\"profile\":\"ws2099\"},\"steps\":[{\"boot\":{}}]}",
		     "unknown profile \"ws2099\" (known: ");
}

static void test_scenario__step_shapes__rejected(void **state)
{
	(void)state;
	expect_error("{\"steps\":[]}", "$.steps: must hold at least one step");
	expect_error("{\"steps\":{}}", "$.steps: must be an array");
	expect_error("{}", "missing required key \"steps\"");
	expect_error("{\"steps\":[{\"boot\":{},\"wait\":{\"ms\":1}}]}", "exactly one action");
	expect_error("{\"steps\":[{\"name\":\"x\"}]}", "needs one action");
	expect_error("{\"steps\":[3]}", "$.steps[0]: a step must be an object");
	expect_error("{\"steps\":[{\"expect\":{}}]}", "must check something");
	expect_error("{\"steps\":[{\"wait\":{}}]}", "missing required key \"ms\"");
	expect_error("{\"steps\":[{\"boot\":{\"x\":1}}]}", "$.steps[0].boot.x: unknown key");
	expect_error("[1]", "the top level must be an object");
}

static void test_scenario__bom_nul_utf8__rejected(void **state)
{
	(void)state;
	expect_error("\xEF\xBB\xBF{\"steps\":[{\"boot\":{}}]}", "byte-order mark");
	expect_error("{\"name\":\"\xC3\x28\",\"steps\":[{\"boot\":{}}]}", "t.json:1:");
	static const char with_nul[] = "{\"name\":\"a\\u0000b\",\"steps\":[{\"boot\":{}}]}";
	expect_error(with_nul, "NUL");
	struct scenario *s = scenario_parse("t.json", "{\"steps\":\0[]}", 12, err, sizeof err);
	assert_null(s);
}

static void test_scenario__truncated__line_and_column(void **state)
{
	(void)state;
	expect_error("{\n\"steps\": [\n{\"boot\": {}", "t.json:3:");
}

static void test_scenario__deep_nesting__rejected_without_crash(void **state)
{
	(void)state;
	size_t n = 10000;
	char *text = malloc(2 * n + 64);
	assert_non_null(text);
	size_t k = (size_t)sprintf(text, "{\"steps\":");
	for (size_t i = 0; i < n; i++)
		text[k++] = '[';
	for (size_t i = 0; i < n; i++)
		text[k++] = ']';
	text[k++] = '}';
	text[k] = '\0';
	expect_error(text, "t.json:1:");
	free(text);
	/* 40 levels parse as JSON but pass our cap of 32. */
	char deep[512];
	k = (size_t)sprintf(deep, "{\"steps\":[{\"boot\":{}}],\"name\":");
	for (int i = 0; i < 40; i++)
		deep[k++] = '[';
	for (int i = 0; i < 40; i++)
		deep[k++] = ']';
	deep[k++] = '}';
	deep[k] = '\0';
	expect_error(deep, "nested deeper than 32");
}

static void test_scenario__too_big__rejected(void **state)
{
	(void)state;
	size_t n = SCN_MAX_FILE_BYTES + 1;
	char *text = malloc(n + 1);
	assert_non_null(text);
	memset(text, ' ', n);
	text[n] = '\0';
	struct scenario *s = scenario_parse("t.json", text, n, err, sizeof err);
	assert_null(s);
	assert_non_null(strstr(err, "at most"));
	free(text);
}

static void test_scenario__missing_file__names_it(void **state)
{
	(void)state;
	struct scenario *s = scenario_load("/nonexistent/x.json", err, sizeof err);
	assert_null(s);
	assert_non_null(strstr(err, "/nonexistent/x.json: No such file"));
	s = scenario_load("/", err, sizeof err);
	assert_null(s);
	assert_non_null(strstr(err, "not a regular file"));
}

static void test_scenario__vmbus_keys__read_and_checked(void **state)
{
	(void)state;
	struct scenario *s = parse(
		"{\"steps\":[{\"boot\":{\"vmbus_max_version\":\"2.4\",\"force_hypercall\":true}},\n"
		"{\"expect\":{\"vmbus_version\":\"0.13\",\"attached\":[\"kvp0\",\"hn1\"]}}]}");
	assert_non_null(s);
	assert_true(BOOT_ARGS(s, 0)->vmbus);
	assert_true(BOOT_ARGS(s, 0)->force_hypercall);
	assert_int_equal(BOOT_ARGS(s, 0)->vmbus_max_version, 0x00020004);
	assert_int_equal(EXPECT_ARGS(s, 1)->vmbus_version, 0x0000000D);
	assert_int_equal(EXPECT_ARGS(s, 1)->nattached, 2);
	assert_string_equal(EXPECT_ARGS(s, 1)->attached[1], "hn1");
	scenario_free(s);
	s = parse("{\"steps\":[{\"boot\":{\"vmbus\":false}}]}");
	assert_non_null(s);
	assert_false(BOOT_ARGS(s, 0)->vmbus);
	scenario_free(s);
	expect_error("{\"steps\":[{\"boot\":{\"vmbus_max_version\":\"9.9\"}}]}",
		     "$.steps[0].boot.vmbus_max_version: unknown VMBus version \"9.9\"");
	expect_error("{\"steps\":[{\"expect\":{\"attached\":\"kvp0\"}}]}",
		     "$.steps[0].expect.attached: must be an array");
	expect_error("{\"steps\":[{\"expect\":{\"attached\":[\"kvp0\",7]}}]}",
		     "$.steps[0].expect.attached[1]: must be a unit name");
}

static void test_jsonpos__paths__lines(void **state)
{
	(void)state;
	const char *t = "{\n \"a\": [\n  1,\n  {\"b\": \"x\\\"y\"},\n  {\n   \"c\": 2}\n ]\n}";
	struct jpath_elem p1[] = { { .key = "a" }, { .index = 2 }, { .key = "c" } };
	assert_int_equal(jsonpos_line(t, strlen(t), p1, 3), 6);
	struct jpath_elem p2[] = { { .key = "a" }, { .index = 1 }, { .key = "b" } };
	assert_int_equal(jsonpos_line(t, strlen(t), p2, 3), 4);
	struct jpath_elem p3[] = { { .key = "zz" } };
	assert_int_equal(jsonpos_line(t, strlen(t), p3, 1), 1);
	/* Truncated text: no read past the end, a line still comes back. */
	assert_true(jsonpos_line(t, 12, p1, 3) >= 1);
}

static void test_scenario__devices_errors__file_line_and_path(void **state)
{
	(void)state;
	expect_error("{\"devices\": {\"scsi\": {\"luns\": [\n{\"lun\": 0, \"size_mb\": 1},\n"
		     "{\"lun\": 1, \"sector\": 7, \"size_mb\": 1}]}},\n\"steps\": [{\"boot\": {}}]}",
		     "t.json:3: $.devices.scsi.luns[1].sector: must be 512 or 4096");
	expect_error("{\"devices\": {\"nics\": [{\"queues\": 0}]}, \"steps\": [{\"boot\": {}}]}",
		     "$.devices.nics[0].queues");
	struct scenario *s = parse("{\"devices\": {\"scsi\": {\"luns\": [{\"lun\": 2, \"size_mb\": 4}]},"
				   " \"nics\": [{}]}, \"steps\": [{\"boot\": {}}]}");
	assert_non_null(s);
	assert_int_equal(s->dev.nluns, 1);
	assert_int_equal(s->dev.luns[0].lun, 2);
	assert_int_equal(s->dev.nnics, 1);
	scenario_free(s);
}

static void test_scenario__disk_steps__validated(void **state)
{
	(void)state;
	expect_error("{\"steps\": [{\"disk_write\": {\"disk\": \"da0\", \"lba\": 0}}]}",
		     "missing required key \"pattern\"");
	expect_error("{\"steps\": [{\"disk_read\": {\"disk\": \"da0\"}}]}", "\"lba\"");
	expect_error("{\"steps\": [{\"disk_read\": {\"disk\": \"da0\", \"lba\": 0, \"blocks\": 0}}]}",
		     "$.steps[0].disk_read.blocks");
	expect_error("{\"steps\": [{\"disk_read\": {\"disk\": \"da0\", \"lba\": 0, \"result\": \"EPERM\"}}]}",
		     "$.steps[0].disk_read.result");
	expect_error("{\"steps\": [{\"disk_read\": {\"disk\": \"da0\", \"lba\": 0, \"result\": \"EIO\","
		     " \"sense\": \"3-11-0\"}}]}", "KEY/ASC/ASCQ");
	expect_error("{\"steps\": [{\"disk_read\": {\"disk\": \"da0\", \"lba\": 0, \"sense\": \"03/11/00\"}}]}",
		     "goes with a failing");
	expect_error("{\"steps\": [{\"disk_flush\": {\"disk\": \"da0\", \"lba\": 0}}]}", "unknown key");
	expect_error("{\"steps\": [{\"expect_disks\": {\"disks\": [{\"lun\": 0}]}}]}",
		     "missing required key \"name\"");
	expect_error("{\"steps\": [{\"expect_disks\": {\"disks\": [{\"name\": \"da0\", \"block_size\": 100}]}}]}",
		     "block_size");
	expect_error("{\"steps\": [{\"host\": {\"cmd\": \"scsi.add\", \"lun\": 0, \"expect_error\": 5}}]}",
		     "expect_error");
}

static void test_scenario__missing_image__refused_at_load(void **state)
{
	(void)state;
	char dir[] = "/tmp/hvsim-scn-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[64];
	snprintf(path, sizeof path, "%s/s.json", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"devices\": {\"scsi\": {\"luns\": [{\"lun\": 0, \"image\": \"gone.img\"}]}},\n"
	      " \"steps\": [{\"boot\": {}}]}\n", f);
	fclose(f);
	struct scenario *s = scenario_load(path, err, sizeof err);
	assert_null(s);
	/* Relative to the scenario's own directory, and named. */
	if (!strstr(err, "gone.img: No such file") || !strstr(err, dir))
		fail_msg("unexpected error: %s", err);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scenario__minimal__defaults_filled),
		cmocka_unit_test(test_scenario__full__fields_read),
		cmocka_unit_test(test_scenario__unknown_key__names_line_and_path),
		cmocka_unit_test(test_scenario__wrong_type__names_line_and_path),
		cmocka_unit_test(test_scenario__out_of_range__rejected),
		cmocka_unit_test(test_scenario__huge_numbers__rejected_by_parser),
		cmocka_unit_test(test_scenario__duplicate_key__rejected),
		cmocka_unit_test(test_scenario__unknown_profile__lists_known),
		cmocka_unit_test(test_scenario__step_shapes__rejected),
		cmocka_unit_test(test_scenario__bom_nul_utf8__rejected),
		cmocka_unit_test(test_scenario__truncated__line_and_column),
		cmocka_unit_test(test_scenario__deep_nesting__rejected_without_crash),
		cmocka_unit_test(test_scenario__too_big__rejected),
		cmocka_unit_test(test_scenario__missing_file__names_it),
		cmocka_unit_test(test_scenario__vmbus_keys__read_and_checked),
		cmocka_unit_test(test_jsonpos__paths__lines),
		cmocka_unit_test(test_scenario__devices_errors__file_line_and_path),
		cmocka_unit_test(test_scenario__missing_image__refused_at_load),
		cmocka_unit_test(test_scenario__disk_steps__validated),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
