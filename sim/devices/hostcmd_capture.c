/* hostcmd_capture.c -- host commands that start and stop a capture of the
 * guest's VMBus traffic and NIC frames (sim/devices/capture/capture.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sim/devices/capture/capture.h"
#include "sim/devices/hostcmd.h"
#include "sim/devices/hostside.h"

static json_t *stats_obj(const struct capture_stats *st)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:i}", "records", (json_int_t)st->records,
			 "messages", (json_int_t)st->msgs, "packets", (json_int_t)st->pkts,
			 "bytes", (json_int_t)st->bytes, "write_errors",
			 (json_int_t)st->write_errors, "nics", (int)st->nics);
}

static const char *const start_keys[] = { "dir", NULL };
static int cmd_start(struct hostside *hs, json_t *req, json_t *reply, char *err, size_t errlen)
{
	const char *dir;
	if (hostcmd_get_str(req, "dir", &dir, true, err, errlen) < 0)
		return -1;
	if (!hs) {
		snprintf(err, errlen, "no guest to capture");
		return -1;
	}
	if (!dir[0]) {
		snprintf(err, errlen, "\"dir\" is empty");
		return -1;
	}
	/* The daemon's working directory is not the caller's. */
	if (dir[0] != '/') {
		snprintf(err, errlen, "\"dir\" must be an absolute path, not \"%s\"", dir);
		return -1;
	}
	if (capture_start(hs, dir, err, errlen) != 0)
		return -1;
	struct capture_stats st;
	capture_get_stats(hs, &st);
	json_t *files = json_array();
	json_array_append_new(files, json_string(CAP_VMBUS_FILE));
	for (unsigned i = 0; i < HOSTSIDE_MAX_NICS; i++) {
		char name[16];
		struct netvsp *nic = hostside_nic(hs, i);
		if (nic && netvsp_backend(nic)) {
			snprintf(name, sizeof name, "hn%u.pcap", i);
			json_array_append_new(files, json_string(name));
		}
	}
	json_object_set_new(reply, "dir", json_string(dir));
	json_object_set_new(reply, "files", files);
	return 0;
}

static int cmd_stop(struct hostside *hs, json_t *req, json_t *reply, char *err, size_t errlen)
{
	(void)req;
	struct capture_stats st;
	int rc = hs ? capture_stop(hs, &st) : -ENOENT;
	if (rc == -ENOENT) {
		snprintf(err, errlen, "no capture is running");
		return -1;
	}
	json_object_set_new(reply, "stats", stats_obj(&st));
	if (rc) {
		snprintf(err, errlen, "the capture lost records: %s", strerror(-rc));
		return -1;
	}
	return 0;
}

static int cmd_status(struct hostside *hs, json_t *req, json_t *reply, char *err, size_t errlen)
{
	(void)req; (void)err; (void)errlen;
	struct capture_stats st;
	bool on = hs && capture_get_stats(hs, &st) == 0;
	json_object_set_new(reply, "running", json_boolean(on));
	if (on) {
		json_object_set_new(reply, "dir", json_string(capture_dir(hs)));
		json_object_set_new(reply, "stats", stats_obj(&st));
	}
	return 0;
}

const struct hostcmd_def hostcmd_capture_start = {
	.name = "capture.start", .args = "dir (absolute; created if missing)",
	.help = "capture VMBus messages and ring packets (vmbus.pcapng) and NIC frames (hn<i>.pcap)",
	.keys = start_keys, .run = cmd_start,
};
const struct hostcmd_def hostcmd_capture_stop = {
	.name = "capture.stop", .args = "", .help = "stop the capture, close its files, counters",
	.run = cmd_stop,
};
const struct hostcmd_def hostcmd_capture_status = {
	.name = "capture.status", .args = "", .help = "is a capture running, where, counters",
	.run = cmd_status,
};
