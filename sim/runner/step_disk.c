/* step_disk.c -- guest-side storage steps: block I/O on a guest disk by
 * name with data a later read verifies (disk_write, disk_read, disk_flush,
 * disk_unmap), and which disks the guest attached (expect_disks), polled
 * within a guest-time limit so hot add and remove can be awaited.  The
 * host side (hot add/remove, faults, power loss) is the `host` step with
 * the scsi.* and disk.* commands. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/guest/guest_actions.h"
#include "sim/guest/guest_disk.h"
#include "sim/runner/run_var.h"
#include "sim/runner/scn_step.h"
#include "sim/runner/session.h"

#define DISK_POLL_MS       10u
#define DISK_MAX_WITHIN_MS (3600u * 1000u)
#define DISK_PATTERN_MAX   64u

/* ---- block I/O ------------------------------------------------------------------ */

struct scn_disk_io {
	char     disk[16];
	uint64_t lba, blocks;
	bool     fua;
	bool     has_pattern;
	char     pattern[DISK_PATTERN_MAX];
	uint32_t seed;
	int      result;             /* expected: 0 or -errno */
	bool     has_sense;
	uint8_t  sense[3];           /* key, asc, ascq */
};

/* A pattern's name picks its data: "zero" is zeros, any other name a
 * pseudo-random pattern of its own (FNV-1a of the name). */
static uint32_t pattern_seed(const char *name)
{
	if (strcmp(name, "zero") == 0)
		return 0;
	uint32_t h = 2166136261u;
	for (const char *p = name; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	return h ? h : 1;
}

static void get_sense(struct scn_vctx *v, json_t *body, struct scn_disk_io *d)
{
	char s[16];
	if (!scn_get_string(v, body, "sense", s, sizeof s, false))
		return;
	unsigned k, a, q;
	char tail;
	if (sscanf(s, "%2x/%2x/%2x%c", &k, &a, &q, &tail) != 3 || k > 0xF) {
		scn_push_key(v, "sense");
		scn_fail(v, "\"%s\" is not KEY/ASC/ASCQ in hex, e.g. \"03/11/00\"", s);
		return;
	}
	d->has_sense = true;
	d->sense[0] = (uint8_t)k;
	d->sense[1] = (uint8_t)a;
	d->sense[2] = (uint8_t)q;
}

static void parse_io(struct scn_vctx *v, json_t *body, struct scn_disk_io *d,
		     const char *const *keys, bool ranged)
{
	if (!scn_body(v, body, keys))
		return;
	scn_get_string(v, body, "disk", d->disk, sizeof d->disk, true);
	if (ranged) {
		scn_get_uint(v, body, "lba", 0, UINT64_MAX >> 16, true, &d->lba);
		d->blocks = 1;
		scn_get_uint(v, body, "blocks", 1, GK_DISK_IO_MAX / 512, false, &d->blocks);
	}
	d->has_pattern = scn_get_string(v, body, "pattern", d->pattern, sizeof d->pattern, false);
	if (d->has_pattern)
		d->seed = pattern_seed(d->pattern);
	scn_get_bool(v, body, "fua", &d->fua);
	scn_get_errno(v, body, "result", &d->result);
	get_sense(v, body, d);
	if (!v->failed && d->has_sense && d->result == 0)
		scn_fail(v, "\"sense\" goes with a failing \"result\" (e.g. \"EIO\")");
}

static void parse_write(struct scn_vctx *v, json_t *body, void *args)
{
	static const char *const keys[] = { "disk", "lba", "blocks", "pattern", "fua", "result",
					    "sense", NULL };
	struct scn_disk_io *d = args;
	parse_io(v, body, d, keys, true);
	if (!v->failed && !d->has_pattern)
		scn_fail(v, "missing required key \"pattern\" (a name; \"zero\" writes zeros)");
}

static void parse_read(struct scn_vctx *v, json_t *body, void *args)
{
	static const char *const keys[] = { "disk", "lba", "blocks", "pattern", "result", "sense",
					    NULL };
	parse_io(v, body, args, keys, true);
}

static void parse_flush(struct scn_vctx *v, json_t *body, void *args)
{
	static const char *const keys[] = { "disk", "result", "sense", NULL };
	parse_io(v, body, args, keys, false);
}

static void parse_unmap(struct scn_vctx *v, json_t *body, void *args)
{
	static const char *const keys[] = { "disk", "lba", "blocks", "result", "sense", NULL };
	parse_io(v, body, args, keys, true);
}

static const char *errno_word(int e)
{
	return e ? strerror(-e) : "success";
}

static int run_io(struct run_state *st, const struct scn_disk_io *d, enum gk_disk_op op,
		  const char *what)
{
	if (run_need_os(st, what))
		return -1;
	struct gk_disk_io io = {
		.op = op, .lba = d->lba, .blocks = (uint32_t)d->blocks, .fua = d->fua,
		.seed = d->seed, .verify = op == GK_DISK_READ && d->has_pattern,
	};
	snprintf(io.disk, sizeof io.disk, "%s", d->disk);
	int rc = gk_guest_disk_io(session_runtime(st->ss), &io);
	if (rc == -ENOENT)
		return run_fail(st, "%s: the guest has no disk %s", what, d->disk);
	if (rc)
		return run_fail(st, "%s: %s", what, run_why_errno(rc));
	if (io.result != d->result)
		return run_fail(st, "%s %s: expected %s, got %s (sense %02x/%02x/%02x)", what,
				d->disk, errno_word(d->result), errno_word(io.result), io.sense_key,
				io.asc, io.ascq);
	if (d->has_sense && (io.sense_key != d->sense[0] || io.asc != d->sense[1] ||
			     io.ascq != d->sense[2]))
		return run_fail(st, "%s %s: expected sense %02x/%02x/%02x, got %02x/%02x/%02x",
				what, d->disk, d->sense[0], d->sense[1], d->sense[2], io.sense_key,
				io.asc, io.ascq);
	if (io.mismatch)
		return run_fail(st, "%s %s: block %" PRIu64 " differs from pattern \"%s\" at byte %"
				PRIu32, what, d->disk, io.mismatch_lba, d->pattern, io.mismatch_off);
	return 0;
}

static int do_write(struct run_state *st, const void *args)
{
	return run_io(st, args, GK_DISK_WRITE, "disk_write");
}

static int do_read(struct run_state *st, const void *args)
{
	return run_io(st, args, GK_DISK_READ, "disk_read");
}

static int do_flush(struct run_state *st, const void *args)
{
	return run_io(st, args, GK_DISK_FLUSH, "disk_flush");
}

static int do_unmap(struct run_state *st, const void *args)
{
	return run_io(st, args, GK_DISK_UNMAP, "disk_unmap");
}

/* ---- expect_disks ------------------------------------------------------------------ */

#define DISK_EXPECT_MAX 64u
struct scn_disk_want {
	char     name[16];
	char     driver[16];
	char     serial[33];
	uint64_t blocks, block_size, lun, target;
	bool     has_blocks, has_block_size, has_lun, has_target, has_ro, read_only;
};
struct scn_expect_disks {
	unsigned n;
	struct scn_disk_want d[DISK_EXPECT_MAX];
	uint64_t within_ms;
};

static void parse_expect_disks(struct scn_vctx *v, json_t *body, void *args)
{
	static const char *const keys[] = { "disks", "within_ms", NULL };
	static const char *const dkeys[] = { "name", "driver", "serial", "blocks", "block_size",
					     "lun", "target", "read_only", NULL };
	struct scn_expect_disks *e = args;
	if (!scn_body(v, body, keys))
		return;
	scn_get_uint(v, body, "within_ms", 0, DISK_MAX_WITHIN_MS, false, &e->within_ms);
	json_t *arr = scn_want_array(v, body, "disks", DISK_EXPECT_MAX, true);
	if (!arr)
		return;
	scn_push_key(v, "disks");
	size_t i;
	json_t *j;
	json_array_foreach(arr, i, j) {
		struct scn_disk_want *w = &e->d[i];
		scn_push_index(v, i);
		if (!json_is_object(j))
			scn_fail(v, "a disk must be an object, not %s", scn_json_kind(j));
		else if (scn_check_keys(v, j, dkeys)) {
			scn_get_string(v, j, "name", w->name, sizeof w->name, true);
			scn_get_string(v, j, "driver", w->driver, sizeof w->driver, false);
			scn_get_string(v, j, "serial", w->serial, sizeof w->serial, false);
			w->has_blocks = scn_get_uint(v, j, "blocks", 1, UINT64_MAX >> 12, false,
						     &w->blocks);
			w->has_block_size = scn_get_uint(v, j, "block_size", 512, 4096, false,
							 &w->block_size);
			w->has_lun = scn_get_uint(v, j, "lun", 0, 63, false, &w->lun);
			w->has_target = scn_get_uint(v, j, "target", 0, 1, false, &w->target);
			w->has_ro = scn_get_bool(v, j, "read_only", &w->read_only);
		}
		if (v->failed)
			return;
		scn_pop(v);
		e->n = (unsigned)i + 1;
	}
	scn_pop(v);
}

/* NULL when 'have' matches, else why not (in buf). */
static const char *disks_differ(const struct scn_expect_disks *e, const struct gk_disk_info *have,
				unsigned n, char *buf, size_t cap)
{
	char names[512] = "";
	size_t k = 0;
	for (unsigned i = 0; i < n && k < sizeof names; i++)
		k += (size_t)snprintf(names + k, sizeof names - k, "%s%s", i ? " " : "", have[i].name);
	if (n != e->n) {
		snprintf(buf, cap, "expected %u disk%s, found %u: [%s]", e->n, e->n == 1 ? "" : "s",
			 n, names);
		return buf;
	}
	for (unsigned i = 0; i < n; i++) {
		const struct scn_disk_want *w = &e->d[i];
		const struct gk_disk_info *h = &have[i];
		if (strcmp(w->name, h->name) != 0)
			snprintf(buf, cap, "disk %u: expected %s, found [%s]", i, w->name, names);
		else if (w->driver[0] && strcmp(w->driver, h->driver) != 0)
			snprintf(buf, cap, "%.15s: driver %.15s, expected %.15s", h->name, h->driver, w->driver);
		else if (w->serial[0] && strcmp(w->serial, h->serial) != 0)
			snprintf(buf, cap, "%.15s: serial \"%.32s\", expected \"%.32s\"", h->name, h->serial,
				 w->serial);
		else if (w->has_blocks && w->blocks != h->nblocks)
			snprintf(buf, cap, "%.15s: %" PRIu64 " blocks, expected %" PRIu64, h->name,
				 h->nblocks, w->blocks);
		else if (w->has_block_size && w->block_size != h->block_size)
			snprintf(buf, cap, "%.15s: block size %" PRIu32 ", expected %" PRIu64, h->name,
				 h->block_size, w->block_size);
		else if (w->has_lun && w->lun != h->lun)
			snprintf(buf, cap, "%.15s: lun %u, expected %" PRIu64, h->name, h->lun, w->lun);
		else if (w->has_target && w->target != h->target)
			snprintf(buf, cap, "%.15s: target %u, expected %" PRIu64, h->name, h->target,
				 w->target);
		else if (w->has_ro && w->read_only != h->read_only)
			snprintf(buf, cap, "%.15s: read_only %s, expected %s", h->name,
				 h->read_only ? "true" : "false", w->read_only ? "true" : "false");
		else
			continue;
		return buf;
	}
	return NULL;
}

static int do_expect_disks(struct run_state *st, const void *args)
{
	const struct scn_expect_disks *e = args;
	if (run_need_os(st, "expect_disks"))
		return -1;
	struct gk_runtime *rt = session_runtime(st->ss);
	static struct gk_disk_info have[GK_DISK_MAX];
	char why[768];
	for (uint64_t waited = 0;; waited += DISK_POLL_MS) {
		unsigned n;
		int rc = gk_guest_disk_list(rt, have, GK_DISK_MAX, &n);
		if (rc)
			return run_fail(st, "expect_disks: %s", run_why_errno(rc));
		const char *diff = disks_differ(e, have, n, why, sizeof why);
		if (!diff) {
			for (unsigned i = 0; i < n; i++)
				run_info(st, "%s: %s, %" PRIu64 " x %" PRIu32 " B%s%s", have[i].name,
					 have[i].driver, have[i].nblocks, have[i].block_size,
					 have[i].read_only ? ", read-only" : "",
					 have[i].wce ? ", write cache" : "");
			return 0;
		}
		if (waited >= e->within_ms)
			return run_fail(st, "%s%s", diff, e->within_ms ? " (after the wait)" : "");
		rc = gk_guest_sleep(rt, DISK_POLL_MS * 1000000ull);
		if (rc)
			return run_fail(st, "while waiting: %s", run_why_errno(rc));
	}
}

const struct scn_step_def scn_step_disk_write = {
	.key = "disk_write",
	.summary = "write a named pattern: {\"disk\", \"lba\", \"blocks\", \"pattern\", \"fua\", "
		   "\"result\", \"sense\"}",
	.args_size = sizeof(struct scn_disk_io), .parse = parse_write, .run = do_write,
};
const struct scn_step_def scn_step_disk_read = {
	.key = "disk_read",
	.summary = "read (and verify a pattern): {\"disk\", \"lba\", \"blocks\", \"pattern\", "
		   "\"result\", \"sense\"}",
	.args_size = sizeof(struct scn_disk_io), .parse = parse_read, .run = do_read,
};
const struct scn_step_def scn_step_disk_flush = {
	.key = "disk_flush",
	.summary = "flush the disk's write cache: {\"disk\", \"result\", \"sense\"}",
	.args_size = sizeof(struct scn_disk_io), .parse = parse_flush, .run = do_flush,
};
const struct scn_step_def scn_step_disk_unmap = {
	.key = "disk_unmap",
	.summary = "unmap (discard) blocks: {\"disk\", \"lba\", \"blocks\", \"result\", \"sense\"}",
	.args_size = sizeof(struct scn_disk_io), .parse = parse_unmap, .run = do_unmap,
};
const struct scn_step_def scn_step_expect_disks = {
	.key = "expect_disks",
	.summary = "the guest's disks, in order, with their properties: {\"disks\": [...], "
		   "\"within_ms\"}",
	.args_size = sizeof(struct scn_expect_disks), .parse = parse_expect_disks,
	.run = do_expect_disks,
};
