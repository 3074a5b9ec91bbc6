/* fuzz_scenario.c -- the scenario loader on arbitrary bytes: it must load
 * or refuse with a message, never crash, leak or read out of bounds. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sim/runner/jsonpos.h"
#include "sim/runner/scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[1024];
	err[0] = '\0';
	struct scenario *s = scenario_parse("fuzz.json", (const char *)data, size, err, sizeof err);
	if (!s && err[0] == '\0')
		__builtin_trap(); /* a refusal must say why */
	if (s && (s->nsteps == 0 || s->vcpus == 0 || s->vcpus > SCN_MAX_VCPUS))
		__builtin_trap(); /* validation let a bad value through */
	scenario_free(s);
	/* The line finder on the raw (possibly invalid) bytes. */
	struct jpath_elem p[] = { { .key = "steps" }, { .index = 1 }, { .key = "wait" } };
	(void)jsonpos_line((const char *)data, size, p, 3);
	return 0;
}
