/* test_storvsc_guest.c -- the guest storvsc driver against a scripted VSTOR
 * host (helpers/fake_vstor_host) on the real VMBus server: handshake and
 * version fallback, sub-channels, LUN scan (phantom LUNs, no REPORT LUNS,
 * READ CAPACITY(10) fallback), data integrity, BUSY / UNIT ATTENTION
 * retries, sense errors, hot add / remove, rescind with I/O in flight,
 * timeouts, and every RELIABILITY 5.10 hostile completion (#100). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "guest_drivers/kern.h"
#include "guest_drivers/storvsc/storvsc.h"
#include "guest_drivers/vmbus/vmbus.h"
#include "sim/guest/runtime.h"
#include "sim/hostd/vmbs.h"
#include "sim/hostd/vmbs_dev.h"
#include "tests/unit/helpers/fake_vmbus_host.h"
#include "tests/unit/helpers/fake_vstor_host.h"

#define MS 1000000ull
#define SEC 1000000000ull

struct sx {
	struct gvx *gx;
	struct fvs f;
	struct storvsc_config cfg;
	struct vmbus_config vcfg;
	int rc;
	long heap_before;
	/* an I/O from guest context */
	char disk[16];
	struct storvsc_bio bio[64];
	int done_err[64];
	unsigned ndone;
	uint8_t *buf;
	size_t buflen;
	struct storvsc_disk_info info[8];
	unsigned ndisks;
	unsigned hook_add, hook_del;
};

static void hook(void *arg, struct storvsc_disk *d, bool added)
{
	(void)d;
	struct sx *s = arg;
	if (added)
		s->hook_add++;
	else
		s->hook_del++;
}

static int init_fn(void *arg)
{
	struct sx *s = arg;
	storvsc_set_disk_hook(hook, s);
	s->rc = storvsc_init(&s->cfg);
	if (s->rc)
		return 0;
	s->rc = vmbus_init(&s->vcfg);
	return 0;
}

static int list_fn(void *arg)
{
	struct sx *s = arg;
	s->ndisks = storvsc_disk_count();
	for (unsigned i = 0; i < s->ndisks && i < 8; i++) {
		struct storvsc_disk *d = storvsc_disk_get(i);
		storvsc_disk_info(d, &s->info[i]);
		storvsc_disk_put(d);
	}
	return 0;
}

static int fini_fn(void *arg)
{
	(void)arg;
	storvsc_fini();
	storvsc_set_disk_hook(NULL, NULL);
	return 0;
}

/* A fake host with the given LUNs on target 0 (nblocks each, 512 B). */
static struct sx *sx_new(const char *profile, uint32_t ncpus, const unsigned *luns, unsigned nluns,
			 void (*tweak)(struct sx *))
{
	struct sx *s = calloc(1, sizeof *s);
	assert_non_null(s);
	s->heap_before = gk_alloc_outstanding();
	s->gx = gvx_new(profile, ncpus, 7, GVX_REAL);
	for (unsigned i = 0; i < nluns; i++)
		fvs_lun_add(&s->f, 0, luns[i], 2048, 512);
	s->cfg.io_timeout_ns = 2 * SEC;
	s->cfg.init_timeout_ns = 200 * MS;
	s->vcfg.timeout_ns = 200 * MS;
	if (tweak)
		tweak(s);
	assert_non_null(fvs_add(s->gx->vb, &s->f));
	gvx_call(s->gx, init_fn, s);
	assert_int_equal(s->rc, 0);
	gvx_call(s->gx, list_fn, s);
	return s;
}

static void sx_free(struct sx *s)
{
	gvx_call(s->gx, fini_fn, s);
	gvx_free(s->gx);
	fvs_free(&s->f);
	free(s->buf);
	assert_int_equal(gk_alloc_outstanding(), s->heap_before);
	free(s);
}

static struct storvsc_stats stats(unsigned unit)
{
	struct storvsc_stats st;
	assert_int_equal(storvsc_get_stats(unit, &st), 0);
	return st;
}

/* ---- I/O helpers (guest context) --------------------------------------------------- */

struct rw {
	struct sx *s;
	const char *disk;
	enum storvsc_op op;
	uint64_t lba;
	uint32_t n;
	bool fua;
	void *buf;
	int rc;
	struct storvsc_bio b;
};

static int rw_fn(void *arg)
{
	struct rw *w = arg;
	struct storvsc_disk *d = storvsc_disk_find(w->disk);
	if (!d) {
		w->rc = -ENOENT;
		return 0;
	}
	memset(&w->b, 0, sizeof w->b);
	w->b.op = w->op;
	w->b.lba = w->lba;
	w->b.nblocks = w->n;
	w->b.buf = w->buf;
	w->b.fua = w->fua;
	w->rc = storvsc_disk_sync(d, &w->b, 0);
	storvsc_disk_put(d);
	return 0;
}

static int do_rw(struct sx *s, const char *disk, enum storvsc_op op, uint64_t lba, uint32_t n,
		 void *buf, struct storvsc_bio *out)
{
	struct rw w = { .s = s, .disk = disk, .op = op, .lba = lba, .n = n, .buf = buf };
	gvx_call(s->gx, rw_fn, &w);
	if (out)
		*out = w.b;
	return w.rc;
}

static void async_done(struct storvsc_bio *b, int err)
{
	struct sx *s = b->arg;
	s->done_err[b - s->bio] = err;
	s->ndone++;
}

struct async {
	struct sx *s;
	const char *disk;
	unsigned n;
	uint32_t blocks;
	enum storvsc_op op;
	int rc[64];
};

/* Submit n async I/Os of 'blocks' blocks each into s->buf. */
static int async_fn(void *arg)
{
	struct async *a = arg;
	struct sx *s = a->s;
	struct storvsc_disk *d = storvsc_disk_find(a->disk);
	if (!d)
		return -ENOENT;
	for (unsigned i = 0; i < a->n; i++) {
		struct storvsc_bio *b = &s->bio[i];
		memset(b, 0, sizeof *b);
		b->op = a->op;
		b->lba = (uint64_t)i * a->blocks;
		b->nblocks = a->blocks;
		b->buf = s->buf + (size_t)i * a->blocks * 512;
		b->done = async_done;
		b->arg = s;
		s->done_err[i] = 1;
		a->rc[i] = storvsc_disk_submit(d, b);
	}
	storvsc_disk_put(d);
	return 0;
}

static void fill(uint8_t *p, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (uint8_t)(seed >> 16);
	}
}

/* ---- bring-up --------------------------------------------------------------------------- */

static void test_storvsc__two_luns__da0_da1_with_geometry(void **state)
{
	(void)state;
	static const unsigned luns[] = { 0, 1 };
	struct sx *s = sx_new("ws2022", 1, luns, 2, NULL);
	assert_int_equal(s->ndisks, 2);
	assert_string_equal(s->info[0].name, "da0");
	assert_string_equal(s->info[1].name, "da1");
	assert_string_equal(s->info[0].controller, "storvsc0");
	assert_int_equal(s->info[0].lun, 0);
	assert_int_equal(s->info[1].lun, 1);
	assert_int_equal(s->info[0].nblocks, 2048);
	assert_int_equal(s->info[0].block_size, 512);
	assert_string_equal(s->info[0].vendor, "Msft");
	assert_string_equal(s->info[0].product, "Virtual Disk");
	assert_true(s->info[0].wce);
	assert_true(s->info[0].fua);
	assert_true(s->info[0].can_unmap);
	assert_false(s->info[0].read_only);
	struct storvsc_stats st = stats(0);
	assert_true(st.attached);
	assert_int_equal(st.version, 0x0602);
	assert_int_equal(st.nchannels, 1);  /* one vCPU: no sub-channels */
	assert_int_equal(st.max_transfer, 256 * 1024);
	assert_int_equal(s->f.srb_size_seen, 64);
	assert_int_equal(s->hook_add, 2);
	for (unsigned i = 0; i < STORVSC_DROP_COUNT; i++)
		assert_int_equal(st.drop[i], 0);
	sx_free(s);
}

static void host_win8(struct sx *s) { s->f.max_version = 0x0501; }
static void host_win7(struct sx *s) { s->f.max_version = 0x0402; }
static void host_win6(struct sx *s) { s->f.max_version = 0x0200; }

static void test_storvsc__older_hosts__version_falls_back_and_srb_size_follows(void **state)
{
	(void)state;
	static const unsigned luns[] = { 0 };
	static void (*const tw[3])(struct sx *) = { host_win8, host_win7, host_win6 };
	static const uint16_t want[3] = { 0x0501, 0x0402, 0x0200 };
	static const unsigned tries[3] = { 3, 4, 5 };
	static const unsigned size[3] = { 64, 48, 48 };
	for (unsigned i = 0; i < 3; i++) {
		struct sx *s = sx_new("ws2022", 2, luns, 1, tw[i]);
		assert_int_equal(stats(0).version, want[i]);
		assert_int_equal(s->f.versions_tried, tries[i]);
		assert_int_equal(s->ndisks, 1);
		assert_int_equal(s->f.srb_size_seen, size[i]);
		/* Pre-Win8: no multi-channel even with 2 vCPUs. */
		assert_int_equal(stats(0).nchannels, i == 0 ? 2 : 1);
		uint8_t w[1024], r[1024];
		fill(w, sizeof w, i);
		assert_int_equal(do_rw(s, "da0", STORVSC_OP_WRITE, 10, 2, w, NULL), 0);
		assert_int_equal(do_rw(s, "da0", STORVSC_OP_READ, 10, 2, r, NULL), 0);
		assert_memory_equal(w, r, sizeof w);
		sx_free(s);
	}
}

static void guest_caps_win8(struct sx *s) { s->cfg.max_version = 0x0501; }

static void test_storvsc__guest_ceiling__win8_agreed(void **state)
{
	(void)state;
	static const unsigned luns[] = { 0 };
	struct sx *s = sx_new("ws2022", 1, luns, 1, guest_caps_win8);
	assert_int_equal(stats(0).version, 0x0501);
	assert_int_equal(s->f.versions_tried, 1);
	sx_free(s);
}

static void silent(struct sx *s) { s->f.silent_init = true; }

static void test_storvsc__silent_host__attach_fails_nothing_leaks(void **state)
{
	(void)state;
	static const unsigned luns[] = { 0 };
	struct sx *s = sx_new("ws2022", 1, luns, 1, silent);
	assert_int_equal(s->ndisks, 0);
	assert_int_equal(storvsc_controller_count(), 0);
	sx_free(s);
}

static void rr(struct sx *s) { s->cfg.policy = STORVSC_CHAN_ROUND_ROBIN; }

static void test_storvsc__four_vcpus__three_subchannels_data_intact_across_them(void **state)
{
	(void)state;
	static const unsigned luns[] = { 0 };
	struct sx *s = sx_new("ws2022", 4, luns, 1, rr);
	struct storvsc_stats st = stats(0);
	assert_int_equal(s->f.sub_requested, 3);
	assert_int_equal(st.nchannels, 4);
	/* 32 async writes of 8 blocks, then read back and compare. */
	s->buflen = 32 * 8 * 512;
	s->buf = malloc(s->buflen);
	fill(s->buf, s->buflen, 42);
	uint8_t *copy = malloc(s->buflen);
	memcpy(copy, s->buf, s->buflen);
	struct async a = { .s = s, .disk = "da0", .n = 32, .blocks = 8, .op = STORVSC_OP_WRITE };
	gvx_call(s->gx, async_fn, &a);
	gvx_sleep(s->gx, 50 * MS);
	assert_int_equal(s->ndone, 32);
	for (unsigned i = 0; i < 32; i++) {
		assert_int_equal(a.rc[i], 0);
		assert_int_equal(s->done_err[i], 0);
	}
	assert_memory_equal(s->f.lun[0][0].data, copy, s->buflen);
	memset(s->buf, 0, s->buflen);
	s->ndone = 0;
	a.op = STORVSC_OP_READ;
	gvx_call(s->gx, async_fn, &a);
	gvx_sleep(s->gx, 50 * MS);
	assert_int_equal(s->ndone, 32);
	assert_memory_equal(s->buf, copy, s->buflen);
	for (unsigned c = 0; c < 4; c++) {
		assert_true(s->f.chan_srbs[c] > 0);
		assert_true(stats(0).chan_ios[c] > 0);
	}
	free(copy);
	sx_free(s);
}

static void test_storvsc__large_io__split_at_max_transfer(void **state)
{
	(void)state;
	static const unsigned luns[] = { 0 };
	struct sx *s = sx_new("ws2022", 1, luns, 1, NULL);
	size_t n = 1024 * 512;  /* 512 KiB: two commands of 256 KiB */
	uint8_t *w = malloc(n), *r = malloc(n);
	fill(w, n, 5);
	unsigned before = s->f.writes;
	assert_int_equal(do_rw(s, "da0", STORVSC_OP_WRITE, 0, 1024, w, NULL), 0);
	assert_int_equal(s->f.writes - before, 2);
	assert_int_equal(do_rw(s, "da0", STORVSC_OP_READ, 0, 1024, r, NULL), 0);
	assert_memory_equal(w, r, n);
	free(w);
	free(r);
	sx_free(s);
}

/* ---- scan ------------------------------------------------------------------------------ */

static void phantom(struct sx *s)
{
	s->f.missing_inquiry = 1;
	s->f.report_all = true;
}

static void test_storvsc__phantom_lun_host__only_real_disks(void **state)
{
	(void)state;
	static const unsigned luns[] = { 0, 5 };
	struct sx *s = sx_new("ws2016", 1, luns, 2, phantom);
	assert_int_equal(s->ndisks, 2);
	assert_int_equal(s->info[0].lun, 0);
	assert_int_equal(s->info[1].lun, 5);
	assert_string_equal(s->info[1].name, "da1");
	assert_true(s->f.ncdb[0x12] >= 16);  /* every listed LUN was asked */
	sx_free(s);
}

static void no_rl(struct sx *s)
{
	s->f.no_report_luns = true;
	s->cfg.max_luns = 8;
}

static void test_storvsc__no_report_luns__sequential_probe_finds_lun3(void **state)
{
	(void)state;
	static const unsigned luns[] = { 3 };
	struct sx *s = sx_new("ws2022", 1, luns, 1, no_rl);
	assert_int_equal(s->ndisks, 1);
	assert_int_equal(s->info[0].lun, 3);
	assert_string_equal(s->info[0].name, "da0");
	sx_free(s);
}

static void no_rc16(struct sx *s) { s->f.no_rc16 = true; }

static void test_storvsc__no_read_capacity16__rc10_used_no_unmap(void **state)
{
	(void)state;
	static const unsigned luns[] = { 0 };
	struct sx *s = sx_new("ws2022", 1, luns, 1, no_rc16);
	assert_int_equal(s->ndisks, 1);
	assert_int_equal(s->info[0].nblocks, 2048);
	assert_false(s->info[0].can_unmap);
	assert_true(s->f.ncdb[0x25] >= 1);
	struct storvsc_bio b;
	assert_int_equal(do_rw(s, "da0", STORVSC_OP_UNMAP, 0, 8, NULL, &b), -EOPNOTSUPP);
	sx_free(s);
}

/* ---- retries and errors --------------------------------------------------------------------- */

static void test_storvsc__busy_three_times__retried_and_succeeds(void **state)
{
	(void)state;
	static const unsigned luns[] = { 0 };
	struct sx *s = sx_new("ws2022", 1, luns, 1, NULL);
	uint8_t w[512];
	fill(w, sizeof w, 1);
	s->f.busy_next = 3;
	struct storvsc_bio b;
	assert_int_equal(do_rw(s, "da0", STORVSC_OP_WRITE, 7, 1, w, &b), 0);
	assert_int_equal(b.retries, 3);
	assert_memory_equal(s->f.lun[0][0].data + 7 * 512, w, 512);
	assert_int_equal(stats(0).retries, 3);
	sx_free(s);
}

static void test_storvsc__busy_forever__fails_after_retry_budget(void **state)
{
	(void)state;
	static const unsigned luns[] = { 0 };
	struct sx *s = sx_new("ws2022", 1, luns, 1, NULL);
	uint8_t r[512];
	s->f.busy_next = 1000;
	struct storvsc_bio b;
	assert_int_equal(do_rw(s, "da0", STORVSC_OP_READ, 0, 1, r, &b), -EIO);
	assert_int_equal(b.retries, 8);
	assert_int_equal(b.srb_status, 0x05);
	s->f.busy_next = 0;
	sx_free(s);
}

static void test_storvsc__unit_attention__retried_and_disk_rescanned(void **state)
{
	(void)state;
	static const unsigned luns[] = { 0 };
	struct sx *s = sx_new("ws2022", 1, luns, 1, NULL);
	uint64_t rescans = stats(0).rescans;
	/* Capacity grew; the host says so with 06/2A/09. */
	s->f.lun[0][0].data = realloc(s->f.lun[0][0].data, 4096 * 512);
	memset(s->f.lun[0][0].data + 2048 * 512, 0, 2048 * 512);
	s->f.lun[0][0].nblocks = 4096;
	s->f.ua_next = 1;
	uint8_t r[512];
	struct storvsc_bio b;
	assert_int_equal(do_rw(s, "da0", STORVSC_OP_READ, 0, 1, r, &b), 0);
	assert_int_equal(b.retries, 1);
	gvx_sleep(s->gx, 20 * MS);
	assert_true(stats(0).rescans > rescans);
	gvx_call(s->gx, list_fn, s);
	assert_int_equal(s->info[0].nblocks, 4096);
	assert_string_equal(s->info[0].name, "da0");
	assert_int_equal(s->hook_add, 1);   /* the same disk, not a new one */
	sx_free(s);
}

static void test_storvsc__medium_error_sense__eio_with_key_asc_ascq(void **state)
{
	(void)state;
	static const unsigned luns[] = { 0 };
	struct sx *s = sx_new("ws2022", 1, luns, 1, NULL);
	s->f.fail_nth = s->f.rw_count + 1;
	s->f.fail_key = 0x3;
	s->f.fail_asc = 0x11;
	uint8_t r[512];
	struct storvsc_bio b;
	assert_int_equal(do_rw(s, "da0", STORVSC_OP_READ, 0, 1, r, &b), -EIO);
	assert_int_equal(b.sense_key, 0x3);
	assert_int_equal(b.asc, 0x11);
	assert_int_equal(b.ascq, 0);
	assert_int_equal(b.scsi_status, 0x02);
	/* Only that I/O: the next one works. */
	assert_int_equal(do_rw(s, "da0", STORVSC_OP_READ, 0, 1, r, NULL), 0);
	assert_int_equal(stats(0).io_errors, 1);
	sx_free(s);
}

static void test_storvsc__write_protected_and_out_of_range__erofs_einval(void **state)
{
	(void)state;
	static const unsigned luns[] = { 0 };
	struct sx *s = sx_new("ws2022", 1, luns, 1, NULL);
	uint8_t w[1024];
	memset(w, 1, sizeof w);
	/* Past the end: refused before anything goes out. */
	unsigned nsrb = s->f.nsrb;
	assert_int_equal(do_rw(s, "da0", STORVSC_OP_WRITE, 2047, 2, w, NULL), -EINVAL);
	assert_int_equal(do_rw(s, "da0", STORVSC_OP_WRITE, UINT64_MAX, 1, w, NULL), -EINVAL);
	assert_int_equal(s->f.nsrb, nsrb);
	/* Read-only underneath (the guest has not rescanned): DATA PROTECT. */
	s->f.lun[0][0].ro = true;
	struct storvsc_bio b;
	assert_int_equal(do_rw(s, "da0", STORVSC_OP_WRITE, 0, 1, w, &b), -EROFS);
	assert_int_equal(b.sense_key, 0x7);
	assert_int_equal(b.asc, 0x27);
	sx_free(s);
}

static void test_storvsc__flush_fua_unmap__right_commands(void **state)
{
	(void)state;
	static const unsigned luns[] = { 0 };
	struct sx *s = sx_new("ws2022", 1, luns, 1, NULL);
	uint8_t w[512];
	memset(w, 0xAB, sizeof w);
	struct rw x = { .s = s, .disk = "da0", .op = STORVSC_OP_WRITE, .lba = 3, .n = 1, .fua = true, .buf = w };
	gvx_call(s->gx, rw_fn, &x);
	assert_int_equal(x.rc, 0);
	assert_int_equal(s->f.fua_writes, 1);
	assert_int_equal(do_rw(s, "da0", STORVSC_OP_FLUSH, 0, 0, NULL, NULL), 0);
	assert_int_equal(s->f.flushes, 1);
	assert_int_equal(do_rw(s, "da0", STORVSC_OP_UNMAP, 3, 1, NULL, NULL), 0);
	assert_int_equal(s->f.unmaps, 1);
	assert_int_equal(s->f.lun[0][0].data[3 * 512], 0);
	sx_free(s);
}

/* ---- hot add / remove, rescind ---------------------------------------------------------------- */

static void test_storvsc__enumerate_bus__lun_added_then_removed(void **state)
{
	(void)state;
	static const unsigned luns[] = { 0, 1 };
	struct sx *s = sx_new("ws2022", 1, luns, 2, NULL);
	fvs_lun_add(&s->f, 0, 2, 100, 512);
	assert_int_equal(fvs_enumerate_bus(&s->f), 0);
	gvx_sleep(s->gx, 20 * MS);
	gvx_call(s->gx, list_fn, s);
	assert_int_equal(s->ndisks, 3);
	assert_string_equal(s->info[2].name, "da2");
	assert_int_equal(s->info[2].nblocks, 100);
	assert_int_equal(stats(0).enumerate_bus, 1);
	/* LUN 1 goes: da1 disappears, da0 and da2 keep their names. */
	fvs_lun_remove(&s->f, 0, 1);
	assert_int_equal(fvs_enumerate_bus(&s->f), 0);
	gvx_sleep(s->gx, 20 * MS);
	gvx_call(s->gx, list_fn, s);
	assert_int_equal(s->ndisks, 2);
	assert_string_equal(s->info[0].name, "da0");
	assert_string_equal(s->info[1].name, "da2");
	assert_int_equal(s->hook_del, 1);
	uint8_t r[512];
	assert_int_equal(do_rw(s, "da1", STORVSC_OP_READ, 0, 1, r, NULL), -ENOENT);
	/* A new LUN takes the lowest free name. */
	fvs_lun_add(&s->f, 0, 9, 100, 512);
	assert_int_equal(fvs_enumerate_bus(&s->f), 0);
	gvx_sleep(s->gx, 20 * MS);
	gvx_call(s->gx, list_fn, s);
	assert_int_equal(s->ndisks, 3);
	assert_string_equal(s->info[1].name, "da1");
	assert_int_equal(s->info[1].lun, 9);
	sx_free(s);
}

static void test_storvsc__rescind_with_io_in_flight__all_fail_enodev_nothing_leaks(void **state)
{
	(void)state;
	static const unsigned luns[] = { 0 };
	struct sx *s = sx_new("ws2022", 2, luns, 1, NULL);
	s->buflen = 16 * 4 * 512;
	s->buf = calloc(1, s->buflen);
	s->f.hold = true;
	struct async a = { .s = s, .disk = "da0", .n = 16, .blocks = 4, .op = STORVSC_OP_READ };
	gvx_call(s->gx, async_fn, &a);
	gvx_sleep(s->gx, 5 * MS);
	assert_int_equal(s->ndone, 0);
	assert_int_equal(s->f.nheld, 16);
	assert_int_equal(vmbs_dev_remove(s->f.primary), 0);
	gvx_sleep(s->gx, 50 * MS);
	assert_int_equal(s->ndone, 16);
	for (unsigned i = 0; i < 16; i++)
		assert_int_equal(s->done_err[i], -ENODEV);
	gvx_call(s->gx, list_fn, s);
	assert_int_equal(s->ndisks, 0);
	assert_int_equal(s->hook_del, 1);
	assert_int_equal(storvsc_controller_count(), 0);
	assert_false(stats(0).attached);
	s->f.nheld = 0;
	sx_free(s);
}

/* ---- hostile host (RELIABILITY 5.10, #100) ---------------------------------------------------- */

static void test_storvsc__host_never_answers__io_times_out_late_answer_ignored(void **state)
{
	(void)state;
	static const unsigned luns[] = { 0 };
	struct sx *s = sx_new("ws2022", 1, luns, 1, NULL);
	s->f.hold = true;
	uint8_t r[512];
	assert_int_equal(do_rw(s, "da0", STORVSC_OP_READ, 0, 1, r, NULL), -ETIMEDOUT);
	assert_int_equal(stats(0).timeouts, 1);
	s->f.hold = false;
	fvs_release_held(&s->f, false);
	gvx_sleep(s->gx, 10 * MS);
	assert_int_equal(stats(0).late_completions, 1);
	assert_int_equal(do_rw(s, "da0", STORVSC_OP_READ, 0, 1, r, NULL), 0);
	sx_free(s);
}

static void test_storvsc__unknown_tags_and_tid0__dropped_counted(void **state)
{
	(void)state;
	static const unsigned luns[] = { 0 };
	struct sx *s = sx_new("ws2022", 1, luns, 1, NULL);
	uint8_t p[64];
	memset(p, 0, sizeof p);
	p[0] = 1;  /* COMPLETE_IO */
	p[14] = 1; /* SRB SUCCESS */
	assert_int_equal(fvs_send_comp(&s->f, 0x123456789ull, p, 64), 0);
	assert_int_equal(fvs_send_comp(&s->f, 0, p, 64), 0);         /* ID 0 + COMPLETE_IO */
	assert_int_equal(fvs_send_comp(&s->f, 0x0000000500000001ull, p, 64), 0); /* stale gen */
	assert_int_equal(fvs_send_inband(&s->f, 0, p, 64), 0);       /* in-band COMPLETE_IO */
	assert_int_equal(fvs_send_inband(&s->f, 77, p, 64), 0);      /* host request with a tid */
	assert_int_equal(fvs_send_inband(&s->f, 0, p, 8), 0);        /* short host request */
	gvx_sleep(s->gx, 10 * MS);
	struct storvsc_stats st = stats(0);
	assert_int_equal(st.drop[STORVSC_DROP_UNKNOWN_TAG], 3);
	assert_int_equal(st.drop[STORVSC_DROP_BAD_OP], 2);
	assert_int_equal(st.drop[STORVSC_DROP_SHORT], 1);
	uint8_t r[512];
	assert_int_equal(do_rw(s, "da0", STORVSC_OP_READ, 0, 1, r, NULL), 0);
	sx_free(s);
}

static unsigned mangle_mode;

static void mangle(struct fvs *f, uint64_t *tid, uint8_t *r, uint32_t *len)
{
	(void)f;
	(void)tid;
	switch (mangle_mode) {
	case 1: /* sense_info_length 255 with CHECK CONDITION */
		r[14] = 0x04 | 0x80;
		r[15] = 0x02;
		r[21] = 255;
		r[28] = 0x70;
		r[30] = 0x3;
		r[35] = 10;
		r[40] = 0x11;
		break;
	case 2: /* data_transfer_length past the request */
		r[24] = 0xFF; r[25] = 0xFF; r[26] = 0xFF; r[27] = 0x7F;
		break;
	case 3: /* wrong operation */
		r[0] = 3;
		break;
	case 4: /* too short for an SRB */
		*len = 16;
		break;
	}
}

static void mangled(struct sx *s) { s->f.mangle = mangle; }

static void test_storvsc__hostile_completions__clamped_or_only_that_io_fails(void **state)
{
	(void)state;
	static const unsigned luns[] = { 0 };
	mangle_mode = 0;
	struct sx *s = sx_new("ws2022", 1, luns, 1, mangled);
	uint8_t w[512], r[512];
	fill(w, sizeof w, 9);
	assert_int_equal(do_rw(s, "da0", STORVSC_OP_WRITE, 1, 1, w, NULL), 0);
	struct storvsc_bio b;
	mangle_mode = 1;
	assert_int_equal(do_rw(s, "da0", STORVSC_OP_READ, 1, 1, r, &b), -EIO);
	assert_int_equal(b.sense_key, 0x3);
	assert_int_equal(stats(0).clamp_sense, 1);
	mangle_mode = 2;
	memset(r, 0, sizeof r);
	assert_int_equal(do_rw(s, "da0", STORVSC_OP_READ, 1, 1, r, NULL), 0);
	assert_memory_equal(r, w, sizeof r);
	assert_int_equal(stats(0).clamp_xfer, 1);
	mangle_mode = 3;
	assert_int_equal(do_rw(s, "da0", STORVSC_OP_READ, 1, 1, r, NULL), -EIO);
	assert_int_equal(stats(0).bad_op_io, 1);
	mangle_mode = 4;
	assert_int_equal(do_rw(s, "da0", STORVSC_OP_READ, 1, 1, r, NULL), -EIO);
	assert_int_equal(stats(0).drop[STORVSC_DROP_SHORT], 1);
	mangle_mode = 0;
	assert_int_equal(do_rw(s, "da0", STORVSC_OP_READ, 1, 1, r, NULL), 0);
	sx_free(s);
}

static void test_storvsc__out_of_order_completions__each_lands_in_its_buffer(void **state)
{
	(void)state;
	static const unsigned luns[] = { 0 };
	struct sx *s = sx_new("ws2022", 1, luns, 1, NULL);
	fill(s->f.lun[0][0].data, 2048 * 512, 77);
	s->buflen = 32 * 2 * 512;
	s->buf = calloc(1, s->buflen);
	s->f.hold = true;
	struct async a = { .s = s, .disk = "da0", .n = 32, .blocks = 2, .op = STORVSC_OP_READ };
	gvx_call(s->gx, async_fn, &a);
	gvx_sleep(s->gx, 5 * MS);
	assert_int_equal(s->f.nheld, 32);
	s->f.hold = false;
	fvs_release_held(&s->f, true);
	gvx_sleep(s->gx, 20 * MS);
	assert_int_equal(s->ndone, 32);
	assert_memory_equal(s->buf, s->f.lun[0][0].data, s->buflen);
	sx_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_storvsc__two_luns__da0_da1_with_geometry),
		cmocka_unit_test(test_storvsc__older_hosts__version_falls_back_and_srb_size_follows),
		cmocka_unit_test(test_storvsc__guest_ceiling__win8_agreed),
		cmocka_unit_test(test_storvsc__silent_host__attach_fails_nothing_leaks),
		cmocka_unit_test(test_storvsc__four_vcpus__three_subchannels_data_intact_across_them),
		cmocka_unit_test(test_storvsc__large_io__split_at_max_transfer),
		cmocka_unit_test(test_storvsc__phantom_lun_host__only_real_disks),
		cmocka_unit_test(test_storvsc__no_report_luns__sequential_probe_finds_lun3),
		cmocka_unit_test(test_storvsc__no_read_capacity16__rc10_used_no_unmap),
		cmocka_unit_test(test_storvsc__busy_three_times__retried_and_succeeds),
		cmocka_unit_test(test_storvsc__busy_forever__fails_after_retry_budget),
		cmocka_unit_test(test_storvsc__unit_attention__retried_and_disk_rescanned),
		cmocka_unit_test(test_storvsc__medium_error_sense__eio_with_key_asc_ascq),
		cmocka_unit_test(test_storvsc__write_protected_and_out_of_range__erofs_einval),
		cmocka_unit_test(test_storvsc__flush_fua_unmap__right_commands),
		cmocka_unit_test(test_storvsc__enumerate_bus__lun_added_then_removed),
		cmocka_unit_test(test_storvsc__rescind_with_io_in_flight__all_fail_enodev_nothing_leaks),
		cmocka_unit_test(test_storvsc__host_never_answers__io_times_out_late_answer_ignored),
		cmocka_unit_test(test_storvsc__unknown_tags_and_tid0__dropped_counted),
		cmocka_unit_test(test_storvsc__hostile_completions__clamped_or_only_that_io_fails),
		cmocka_unit_test(test_storvsc__out_of_order_completions__each_lands_in_its_buffer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
