/* fuzz_hostcmd.c -- the host command interface (hostcmd_exec_text) on
 * arbitrary text: what `hvsim ctl` and the daemon's control socket pass on.
 * Input: byte 0 picks the host (bit 0: none, i.e. a NULL hostside, or a
 * real one: VMBus server with all four ICs offered, checker on, no guest
 * attached; bit 1, with a host: also a SCSI controller with a 1 MiB memory
 * disk at target 0 lun 0 and one NIC with a null back end, built as
 * devspec builds a guest's "devices"); the rest is split at '\n' into
 * requests run in order against that host, with the host pumped and time
 * moved 1 ms after each.  The host is created and destroyed per input.
 * Paths: a request whose "dir", "pcap" or "image" is not one of the fixed
 * names under FZ_DIR (created here) or a relative one the commands refuse
 * ("", "rel"), or whose "size_mb" exceeds
 * FZ_MAX_MB, is not run: the commands create directories and files
 * wherever they are told, and a memory disk costs the RAM it is given.
 * Invariants: every request gets a reply object with a boolean "ok"; a
 * refusal carries a non-empty "error"; an object request's "id" is echoed
 * unchanged; the reply serialises; nothing leaks. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "sim/devices/devspec.h"
#include "sim/devices/hostcmd.h"
#include "sim/devices/hostside.h"
#include "sim/hostd/gmem.h"
#include "sim/hostd/partition.h"
#include "sim/hostd/profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_MEM (1u << 20)
#define FZ_MAX_REQS 16
#define FZ_MAX_MB 8
/* Fixed, so that seeds and the dictionary can name it. */
#define FZ_DIR "/tmp/hvsim-fz-hostcmd"

static struct gmem *fz_gm;
static struct devspec fz_devs;

/* The devices of bit 1: what a scenario's {"scsi": {"luns": [{"lun": 0,
 * "size_mb": 1}]}, "nics": [{"backend": "null"}]} gives. */
static void fz_devs_init(void)
{
	if (fz_devs.scsi)
		return;
	fz_devs.scsi = true;
	fz_devs.nluns = 1;
	fz_devs.luns[0].disk.size_mb = 1;
	fz_devs.luns[0].disk.sector = 512;
	fz_devs.nnics = 1;
	fz_devs.nics[0].backend = DEVSPEC_NIC_NULL;
	fz_devs.nics[0].peer_ip = 0x0A000001u;
	if (mkdir(FZ_DIR, 0700) != 0 && errno != EEXIST)
		abort();
	/* A 64 KiB image for "scsi.add" with an "image". */
	int fd = open(FZ_DIR "/disk.img", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || ftruncate(fd, 64 << 10) != 0)
		abort();
	close(fd);
}

/* May this request run?  Only paths the fixture owns, only small disks. */
static bool fz_allowed(const char *text, size_t len)
{
	/* "" and "rel" are refused before any file is touched; none.img is
	 * never created. */
	static const char *const paths[] = { FZ_DIR, FZ_DIR "/cap", FZ_DIR "/hn.pcap",
					     FZ_DIR "/disk.img", FZ_DIR "/none.img", "", "rel",
					     NULL };
	json_t *req = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
	bool ok = true;
	if (json_is_object(req)) {
		static const char *const keys[] = { "dir", "pcap", "image" };
		for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
			json_t *v = json_object_get(req, keys[k]);
			if (!json_is_string(v))
				continue;
			size_t i = 0;
			while (paths[i] && strcmp(paths[i], json_string_value(v)) != 0)
				i++;
			ok = ok && paths[i];
		}
		json_t *mb = json_object_get(req, "size_mb");
		if (json_is_integer(mb) && json_integer_value(mb) > FZ_MAX_MB)
			ok = false;
	}
	json_decref(req);
	return ok;
}

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
		if (data[0] & 2) {
			fz_devs_init();
			devspec_host_config(&fz_devs, pc.profile, &hc);
		}
		hs = p ? hostside_create(p, fz_gm, &hc, NULL, NULL) : NULL;
		if (!hs)
			abort();
		char err[256];
		if ((data[0] & 2) && devspec_attach_luns(&fz_devs, hs, err, sizeof err) != 0)
			abort();
	}
	const char *text = (const char *)data + 1;
	size_t rest = size - 1;
	for (int n = 0; n < FZ_MAX_REQS && rest > 0; n++) {
		const char *nl = memchr(text, '\n', rest);
		size_t len = nl ? (size_t)(nl - text) : rest;
		if (!fz_allowed(text, len)) {
			text += len + (nl ? 1 : 0);
			rest -= len + (nl ? 1 : 0);
			continue;
		}
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
