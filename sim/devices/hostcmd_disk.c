/* hostcmd_disk.c -- host commands for the synthetic SCSI controller and its
 * disks: hot add and remove of LUNs (the guest is told to rescan), I/O
 * faults armed on a LUN's back end, a power loss of a memory disk's
 * volatile cache, and the controller's counters. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sim/devices/blk/blk.h"
#include "sim/devices/devspec.h"
#include "sim/devices/hostcmd.h"
#include "sim/devices/hostside.h"
#include "sim/devices/storvsp/storvsp.h"

static struct storvsp *need_scsi(struct hostside *hs, char *err, size_t errlen)
{
	struct storvsp *sv = hs ? hostside_storvsp(hs) : NULL;
	if (!sv)
		snprintf(err, errlen, hs ? "this guest has no SCSI controller (devices.scsi)"
					 : "no guest");
	return sv;
}

/* "target" (default 0) and "lun" of an existing LUN. */
static struct scsi_lun *need_lun(struct hostside *hs, json_t *req, uint8_t *t, uint8_t *l,
				 char *err, size_t errlen)
{
	struct storvsp *sv = need_scsi(hs, err, errlen);
	long long target = 0, lun;
	if (!sv || hostcmd_get_int(req, "target", 0, STORVSP_MAX_TARGETS - 1, &target, false, err,
				   errlen) < 0 ||
	    hostcmd_get_int(req, "lun", 0, STORVSP_MAX_LUNS - 1, &lun, true, err, errlen) < 0)
		return NULL;
	*t = (uint8_t)target;
	*l = (uint8_t)lun;
	struct scsi_lun *sl = storvsp_lun(sv, *t, *l);
	if (!sl)
		snprintf(err, errlen, "no LUN at target %lld lun %lld", target, lun);
	return sl;
}

static const char *const add_keys[] = { "target", "lun", "image", "size_mb", "sector",
					 "read_only", "serial", NULL };
static int cmd_scsi_add(struct hostside *hs, json_t *req, json_t *reply, char *err,
			size_t errlen)
{
	struct storvsp *sv = need_scsi(hs, err, errlen);
	if (!sv)
		return -1;
	/* The LUN keys are the devices section's (devspec), minus "cmd"/"id". */
	json_t *lj = json_deep_copy(req);
	if (!lj) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	json_object_del(lj, "cmd");
	json_object_del(lj, "id");
	struct devspec_lun l;
	struct devspec_err e;
	int rc = devspec_parse_lun(lj, &l, &e);
	if (rc) {
		char why[384];
		devspec_err_format(&e, why, sizeof why);
		snprintf(err, errlen, "%s", why[1] == ':' ? why + 3 : why + 2);
		json_decref(lj);
		return -1;
	}
	json_decref(lj);
	if (l.disk.image[0] && l.disk.image[0] != '/') {
		snprintf(err, errlen, "\"image\" must be an absolute path");
		return -1;
	}
	if (storvsp_lun(sv, l.target, l.lun)) {
		snprintf(err, errlen, "target %u lun %u is already there", l.target, l.lun);
		return -1;
	}
	struct blk *b;
	if (devspec_open_disk(&l.disk, &b, err, errlen) != 0)
		return -1;
	struct scsi_lun_opts o = {
		.id = 0x5000000000000000ull | ((uint64_t)l.target << 8) | l.lun,
		.serial = l.disk.serial[0] ? l.disk.serial : NULL,
	};
	rc = storvsp_lun_add(sv, l.target, l.lun, b, &o);
	if (rc) {
		snprintf(err, errlen, "target %u lun %u: %s", l.target, l.lun, strerror(-rc));
		return -1;
	}
	json_object_set_new(reply, "target", json_integer(l.target));
	json_object_set_new(reply, "lun", json_integer(l.lun));
	return 0;
}

static const char *const lun_keys[] = { "target", "lun", NULL };
static int cmd_scsi_remove(struct hostside *hs, json_t *req, json_t *reply, char *err,
			   size_t errlen)
{
	(void)reply;
	uint8_t t, l;
	if (!need_lun(hs, req, &t, &l, err, errlen))
		return -1;
	return storvsp_lun_remove(hostside_storvsp(hs), t, l) == 0 ? 0 : -1;
}

static const char *const stats_keys[] = { NULL };
static int cmd_scsi_stats(struct hostside *hs, json_t *req, json_t *reply, char *err,
			  size_t errlen)
{
	(void)req;
	struct storvsp *sv = need_scsi(hs, err, errlen);
	if (!sv)
		return -1;
	struct storvsp_stats st;
	storvsp_get_stats(sv, &st);
	static const struct { const char *name; size_t off; } u64[] = {
#define F(x) { #x, offsetof(struct storvsp_stats, x) }
		F(requests), F(srbs), F(completions), F(busy), F(invalid_state), F(invalid_srb),
		F(closes), F(send_deferred), F(dropped_completions), F(enumerates),
#undef F
	};
	for (size_t i = 0; i < sizeof u64 / sizeof u64[0]; i++)
		json_object_set_new(reply, u64[i].name, json_integer((json_int_t)
			*(const uint64_t *)(const void *)((const char *)&st + u64[i].off)));
	char ver[8];
	snprintf(ver, sizeof ver, "%u.%u", st.version >> 8, st.version & 0xFFu);
	json_object_set_new(reply, "version", json_string(st.version ? ver : ""));
	json_object_set_new(reply, "subchannels", json_integer(st.subchannels));
	json_object_set_new(reply, "inflight", json_integer(st.inflight));
	unsigned used = 0;
	for (unsigned c = 0; c < STORVSP_MAX_SUBCH + 1; c++)
		used += st.chan_srbs[c] != 0;
	json_object_set_new(reply, "channels_used", json_integer(used));
	json_t *luns = json_array();
	for (unsigned t = 0; t < STORVSP_MAX_TARGETS; t++)
		for (unsigned l = 0; l < STORVSP_MAX_LUNS; l++) {
			struct scsi_lun *sl = storvsp_lun(sv, (uint8_t)t, (uint8_t)l);
			if (!sl)
				continue;
			struct blk_info bi;
			blk_get_info(scsi_lun_blk(sl), &bi);
			json_array_append_new(luns, json_pack("{s:i, s:i, s:I, s:i, s:b, s:b}",
				"target", (int)t, "lun", (int)l, "bytes", (json_int_t)bi.size,
				"sector", (int)bi.sector, "read_only", bi.read_only, "failed",
				bi.failed));
		}
	json_object_set_new(reply, "luns", luns);
	return 0;
}

static const char *const fault_keys[] = { "target", "lun", "op", "nth", "count", "error",
					  "delay_ms", "sticky", NULL };
static int cmd_disk_fault(struct hostside *hs, json_t *req, json_t *reply, char *err,
			  size_t errlen)
{
	(void)reply;
	static const char *const ops[] = { "read", "write", "flush", "unmap", "any", NULL };
	static const struct { const char *name; int err; } errs[] = {
		{ "EIO", -EIO }, { "ENOSPC", -ENOSPC }, { "EROFS", -EROFS }, { "none", 0 },
	};
	uint8_t t, l;
	struct scsi_lun *sl = need_lun(hs, req, &t, &l, err, errlen);
	const char *op = "any", *e = "EIO";
	long long nth = 1, count = 1, delay = 0;
	bool sticky = false;
	if (!sl || hostcmd_get_str(req, "op", &op, false, err, errlen) < 0 ||
	    hostcmd_get_str(req, "error", &e, false, err, errlen) < 0 ||
	    hostcmd_get_int(req, "nth", 1, 1000000000, &nth, false, err, errlen) < 0 ||
	    hostcmd_get_int(req, "count", 1, 1000000, &count, false, err, errlen) < 0 ||
	    hostcmd_get_int(req, "delay_ms", 0, 600000, &delay, false, err, errlen) < 0 ||
	    hostcmd_get_bool(req, "sticky", &sticky, err, errlen) < 0)
		return -1;
	struct blk_fault f = { .nth = (uint64_t)nth, .count = (uint32_t)count,
			       .delay_ns = (uint64_t)delay * 1000000u, .sticky = sticky };
	unsigned k = 0;
	while (ops[k] && strcmp(ops[k], op) != 0)
		k++;
	if (!ops[k]) {
		snprintf(err, errlen, "\"op\" must be read, write, flush, unmap or any");
		return -1;
	}
	f.any_op = k == 4;
	f.op = k == 0 ? BLK_OP_READ : k == 1 ? BLK_OP_WRITE : k == 2 ? BLK_OP_FLUSH : BLK_OP_UNMAP;
	size_t i = 0;
	while (i < sizeof errs / sizeof errs[0] && strcmp(errs[i].name, e) != 0)
		i++;
	if (i == sizeof errs / sizeof errs[0]) {
		snprintf(err, errlen, "\"error\" must be EIO, ENOSPC, EROFS or none (delay only)");
		return -1;
	}
	f.err = errs[i].err;
	if (!f.err && !f.delay_ns) {
		snprintf(err, errlen, "\"error\": \"none\" needs a \"delay_ms\"");
		return -1;
	}
	if (blk_fault_arm(scsi_lun_blk(sl), &f) != 0) {
		snprintf(err, errlen, "target %u lun %u cannot take faults", t, l);
		return -1;
	}
	return 0;
}

static int cmd_disk_crash(struct hostside *hs, json_t *req, json_t *reply, char *err,
			  size_t errlen)
{
	(void)reply;
	uint8_t t, l;
	struct scsi_lun *sl = need_lun(hs, req, &t, &l, err, errlen);
	if (!sl)
		return -1;
	struct blk *b = scsi_lun_blk(sl), *inner = blk_fault_inner(b);
	if (blk_mem_crash(inner ? inner : b) != 0) {
		snprintf(err, errlen, "target %u lun %u is not a memory disk (size_mb)", t, l);
		return -1;
	}
	return 0;
}

const struct hostcmd_def hostcmd_scsi_add = {
	"scsi.add", "lun, [target], size_mb | image, [sector], [read_only], [serial]",
	"hot-add a LUN (memory disk or absolute image path); the guest is told to rescan",
	add_keys, cmd_scsi_add,
};
const struct hostcmd_def hostcmd_scsi_remove = {
	"scsi.remove", "lun, [target]",
	"hot-remove a LUN: its I/O in flight is aborted, the guest is told to rescan",
	lun_keys, cmd_scsi_remove,
};
const struct hostcmd_def hostcmd_scsi_stats = {
	"scsi.stats", "", "the SCSI controller: negotiated version, channels, counters, LUNs",
	stats_keys, cmd_scsi_stats,
};
const struct hostcmd_def hostcmd_disk_fault = {
	"disk.fault", "lun, [target], [op], [nth], [count], [error], [delay_ms], [sticky]",
	"fail (EIO/ENOSPC/EROFS) or delay the nth..nth+count-1 I/O of op on a LUN's back end",
	fault_keys, cmd_disk_fault,
};
const struct hostcmd_def hostcmd_disk_crash = {
	"disk.crash", "lun, [target]",
	"power loss of a memory disk: every write not yet flushed (or FUA) is lost",
	lun_keys, cmd_disk_crash,
};
