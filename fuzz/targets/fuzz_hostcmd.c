/* fuzz_hostcmd.c -- the host command interface (hostcmd_exec_text) on
 * arbitrary text: what `hvsim ctl` and the daemon's control socket pass on.
 * Input: byte 0 picks the host (bit 0: none, i.e. a NULL hostside, or a
 * real one: VMBus server with all four ICs offered, checker on, no guest
 * attached); the rest is split at '\n' into requests run in order against
 * that host, with the host pumped and time moved 1 ms after each.
 * Invariants: every request gets a reply object with a boolean "ok"; a
 * refusal carries a non-empty "error"; an object request's "id" is echoed
 * unchanged; the reply serialises; nothing leaks. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "sim/devices/hostcmd.h"
#include "sim/devices/hostside.h"
#include "sim/hostd/gmem.h"
#include "sim/hostd/partition.h"
#include "sim/hostd/profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_MEM (1u << 20)
#define FZ_MAX_REQS 16

static struct gmem *fz_gm;

static void fz_check_reply(json_t *reply, const char *text, size_t len)
{
	if (!json_is_object(reply) || !json_is_boolean(json_object_get(reply, "ok")))
		abort();
	if (!json_is_true(json_object_get(reply, "ok"))) {
		const char *why = json_string_value(json_object_get(reply, "error"));
		if (!why || !*why)
			abort();
	}
	/* The id of a well-formed request object comes back as it was. */
	json_t *req = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
	if (json_is_object(req) && json_object_get(req, "id") &&
	    !json_equal(json_object_get(req, "id"), json_object_get(reply, "id")))
		abort();
	json_decref(req);
	char *s = json_dumps(reply, JSON_COMPACT);
	if (!s)
		abort();
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	struct part *p = NULL;
	struct hostside *hs = NULL;
	if (data[0] & 1) {
		if (!fz_gm && !(fz_gm = gmem_create(FZ_MEM)))
			abort();
		struct part_config pc = { .profile = hv_profile_find("ws2022"), .nvcpus = 1 };
		p = part_create(fz_gm, &pc, NULL, NULL);
		struct hostside_config hc = {
			.vmbus = true,
			.check = true,
			.ic = { .heartbeat = true, .shutdown = true, .timesync = true, .kvp = true },
		};
		hs = p ? hostside_create(p, fz_gm, &hc, NULL, NULL) : NULL;
		if (!hs)
			abort();
	}
	const char *text = (const char *)data + 1;
	size_t rest = size - 1;
	for (int n = 0; n < FZ_MAX_REQS && rest > 0; n++) {
		const char *nl = memchr(text, '\n', rest);
		size_t len = nl ? (size_t)(nl - text) : rest;
		json_t *reply = hostcmd_exec_text(hs, text, len);
		if (!reply)
			abort(); /* only out of memory may return NULL */
		fz_check_reply(reply, text, len);
		json_decref(reply);
		if (hs) {
			for (int k = 0; k < 8 && hostside_pump(hs); k++)
				;
			part_set_time(p, part_time(p) + 10000u);
		}
		text += len + (nl ? 1 : 0);
		rest -= len + (nl ? 1 : 0);
	}
	hostside_destroy(hs);
	part_destroy(p);
	return 0;
}
