/* test_cli.c -- the hvsim command line as a function: exit codes for bad
 * input, and calls one after another in the same process (getopt state
 * must not leak from one call into the next). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "sim/runner/cli.h"

static int call(int argc, char **argv)
{
	/* Keep the test log readable: usage text goes to the bin. */
	FILE *saved = stderr;
	FILE *null = fopen("/dev/null", "w");
	if (null)
		stderr = null;
	int rc = hvsim_main(argc, argv);
	stderr = saved;
	if (null)
		fclose(null);
	return rc;
}

static void test_cli__second_call_after_bad_short_option_cluster__parses_fresh(void **state)
{
	(void)state;
	char *bad[] = { "hvsim", "run", "-vZq", "x.json", NULL };
	assert_int_equal(call(4, bad), 2);
	char *help[] = { "hvsim", "run", "--help", NULL };
	FILE *saved = stdout;
	FILE *null = fopen("/dev/null", "w");
	if (null)
		stdout = null;
	int rc = call(3, help);
	stdout = saved;
	if (null)
		fclose(null);
	assert_int_equal(rc, 0);
}

static void test_cli__bad_arguments__exit_2(void **state)
{
	(void)state;
	char *a[] = { "hvsim", "run", "--seeds", "0", "x.json", NULL };
	assert_int_equal(call(5, a), 2);
	char *b[] = { "hvsim", "ctl", NULL };
	assert_int_equal(call(2, b), 2);
	char *c[] = { "hvsim", "frobnicate", NULL };
	assert_int_equal(call(2, c), 2);
	char *d[] = { "hvsim", "list", "nothing", NULL };
	assert_int_equal(call(3, d), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cli__second_call_after_bad_short_option_cluster__parses_fresh),
		cmocka_unit_test(test_cli__bad_arguments__exit_2),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
