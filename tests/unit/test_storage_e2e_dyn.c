/* test_storage_e2e_dyn.c -- storage end to end, the moving parts: sub-
 * channels on a 4-vCPU guest (I/O really spread, data intact across them),
 * BUSY from a full host queue retried, back-end faults surfaced as errno +
 * sense, hot add / remove of LUNs and rescind of the controller with I/O in
 * flight, absent-LUN answers per profile (the phantom-LUN host), and the
 * synthetic-over-ATA rule matched by serial. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "guest_drivers/ata/ata_drv.h"
#include "sim/devices/blk/blk.h"
#include "sim/devices/scsi/scsi_tgt.h"
#include "tests/unit/helpers/stor_e2e.h"

#define MS 1000000ull
#define SEC 1000000000ull

static void fill(uint8_t *b, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		b[i] = (uint8_t)(seed >> 16);
	}
}

/* 4 vCPUs, host offers up to 8 sub-channels: the guest opens 3, I/O from
 * every vCPU goes out on its own channel (guest and host counters agree
 * that each channel carried some), and data written through one channel
 * reads back through another. */
static void test_storage_e2e__four_vcpus__io_spread_over_subchannels_data_intact(void **state)
{
	(void)state;
	struct sef_cfg c;
	memset(&c, 0, sizeof c);
	c.ncpus = 4;
	c.nluns = 1;
	c.lun[0] = (struct sef_lun){ .size = 8u << 20, .image = true };
	struct sef *x = sef_new(&c);
	struct storvsc_stats st = sef_stats(0);
	assert_int_equal(st.nchannels, 4);
	struct storvsp_stats hs;
	storvsp_get_stats(x->sv, &hs);
	assert_int_equal(hs.subchannels, 3);

	enum { N = 64, BLK = 16 };
	static uint8_t data[N][BLK * 512], back[N][BLK * 512];
	static struct sef_aio a;
	memset(&a, 0, sizeof a);
	a.disk = "da0";
	a.op = STORVSC_OP_WRITE;
	a.n = N;
	a.cpu = -2;
	for (unsigned i = 0; i < N; i++) {
		fill(data[i], sizeof data[i], 1000 + i);
		a.lba[i] = (uint64_t)i * 97 % 1000 * BLK;   /* scattered, disjoint */
		a.nblocks[i] = BLK;
		a.buf[i] = data[i];
	}
	storvsp_get_stats(x->sv, &hs);
	uint64_t before[4];
	for (unsigned k = 0; k < 4; k++)
		before[k] = hs.chan_srbs[k];
	assert_int_equal(sef_aio_run(x, &a), 0);
	for (unsigned i = 0; i < N; i++)
		assert_int_equal(a.err[i], 0);
	st = sef_stats(0);
	storvsp_get_stats(x->sv, &hs);
	for (unsigned k = 0; k < 4; k++) {
		assert_true(st.chan_ios[k] > 0);
		assert_true(hs.chan_srbs[k] - before[k] >= N / 4);
	}
	/* Read back with the vCPUs shifted by one: another channel each. */
	memset(&a.b, 0, sizeof a.b);
	a.op = STORVSC_OP_READ;
	for (unsigned i = 0; i < N; i++) {
		unsigned j = (i + 1) % N;
		a.lba[i] = (uint64_t)j * 97 % 1000 * BLK;
		a.buf[i] = back[j];
	}
	assert_int_equal(sef_aio_run(x, &a), 0);
	for (unsigned i = 0; i < N; i++) {
		assert_int_equal(a.err[i], 0);
		assert_memory_equal(back[i], data[i], sizeof data[i]);
	}
	sef_free(x);
}

/* The host takes 4 requests per channel; 32 at once overflow it.  The
 * extra ones come back BUSY and the guest retries them until all succeed. */
static void test_storage_e2e__host_queue_full__busy_retried_all_succeed(void **state)
{
	(void)state;
	struct sef_cfg c;
	memset(&c, 0, sizeof c);
	c.host_queue_depth = 4;
	c.nluns = 1;
	c.lun[0] = (struct sef_lun){ .size = 4u << 20 };
	c.sc.busy_retries = 50;
	c.sc.busy_delay_ns = 1 * MS;
	struct sef *x = sef_new(&c);
	static uint8_t bufs[32][4096];
	static struct sef_aio a;
	memset(&a, 0, sizeof a);
	a.disk = "da0";
	a.op = STORVSC_OP_WRITE;
	a.n = 32;
	a.cpu = -1;
	for (unsigned i = 0; i < 32; i++) {
		fill(bufs[i], sizeof bufs[i], i);
		a.lba[i] = i * 8;
		a.nblocks[i] = 8;
		a.buf[i] = bufs[i];
	}
	assert_int_equal(sef_aio_run(x, &a), 0);
	for (unsigned i = 0; i < 32; i++)
		assert_int_equal(a.err[i], 0);
	struct storvsp_stats hs;
	storvsp_get_stats(x->sv, &hs);
	assert_true(hs.busy > 0);
	assert_true(sef_stats(0).retries >= hs.busy);
	uint8_t r[4096];
	for (unsigned i = 0; i < 32; i++) {
		assert_int_equal(sef_io(x, "da0", STORVSC_OP_READ, i * 8, 8, r, false, NULL), 0);
		assert_memory_equal(r, bufs[i], sizeof r);
	}
	sef_free(x);
}

/* Back-end errors through blk_wrap_fault reach the guest as the right
 * errno with the sense that explains it (devices.md C.11: fixed sense,
 * key @2, ASC/ASCQ @12/13). */
static void fault_case(struct sef *x, enum blk_op op, int err, enum storvsc_op gop, int want,
		       uint8_t key, uint8_t asc, uint8_t ascq)
{
	struct blk_fault f = { .op = op, .nth = 1, .count = 1, .err = err };
	uint64_t fired = blk_fault_fired(x->outer[0]);
	assert_int_equal(blk_fault_arm(x->outer[0], &f), 0);
	uint8_t b[4096];
	memset(b, 0x11, sizeof b);
	struct storvsc_bio out;
	assert_int_equal(sef_io(x, "da0", gop, 16, gop == STORVSC_OP_FLUSH ? 0 : 8,
				gop == STORVSC_OP_FLUSH ? NULL : b, false, &out), want);
	assert_int_equal(out.sense_key, key);
	assert_int_equal(out.asc, asc);
	assert_int_equal(out.ascq, ascq);
	assert_int_equal(out.scsi_status, 0x02);       /* CHECK CONDITION */
	assert_int_equal(out.srb_status & 0x3f, 0x04); /* SRB_STATUS_ERROR */
	assert_true(out.srb_status & 0x80);            /* AUTOSENSE_VALID */
	assert_int_equal(blk_fault_fired(x->outer[0]), fired + 1);
}

static void test_storage_e2e__backend_faults__errno_and_sense_to_guest(void **state)
{
	(void)state;
	struct sef_cfg c;
	memset(&c, 0, sizeof c);
	c.nluns = 1;
	c.lun[0] = (struct sef_lun){ .size = 4u << 20, .fault = true };
	struct sef *x = sef_new(&c);
	/* MEDIUM ERROR / WRITE ERROR, UNRECOVERED READ ERROR. */
	fault_case(x, BLK_OP_WRITE, -EIO, STORVSC_OP_WRITE, -EIO, 0x03, 0x0C, 0x00);
	fault_case(x, BLK_OP_READ, -EIO, STORVSC_OP_READ, -EIO, 0x03, 0x11, 0x00);
	/* Flush failure: MEDIUM ERROR on a write-class command. */
	fault_case(x, BLK_OP_FLUSH, -EIO, STORVSC_OP_FLUSH, -EIO, 0x03, 0x0C, 0x00);
	/* Out of space: DATA PROTECT / SPACE ALLOCATION FAILED. */
	fault_case(x, BLK_OP_WRITE, -ENOSPC, STORVSC_OP_WRITE, -ENOSPC, 0x07, 0x27, 0x07);
	/* Medium turned read-only: DATA PROTECT / WRITE PROTECTED. */
	fault_case(x, BLK_OP_WRITE, -EROFS, STORVSC_OP_WRITE, -EROFS, 0x07, 0x27, 0x00);
	/* The disk works again afterwards (the faults were one-shot). */
	uint8_t b[512];
	fill(b, sizeof b, 5);
	assert_int_equal(sef_io(x, "da0", STORVSC_OP_WRITE, 0, 1, b, false, NULL), 0);
	/* A sticky fault: the disk fails for good, every later I/O -EIO. */
	struct blk_fault f = { .op = BLK_OP_FLUSH, .nth = 1, .count = 1, .err = -EIO, .sticky = true };
	assert_int_equal(blk_fault_arm(x->outer[0], &f), 0);
	assert_int_equal(sef_io(x, "da0", STORVSC_OP_FLUSH, 0, 0, NULL, false, NULL), -EIO);
	assert_int_equal(sef_io(x, "da0", STORVSC_OP_READ, 0, 1, b, false, NULL), -EIO);
	assert_int_equal(sef_io(x, "da0", STORVSC_OP_FLUSH, 0, 0, NULL, false, NULL), -EIO);
	sef_free(x);
}

/* Hold the back end's completions (delay fault) so requests sit on the
 * host; true once the host holds at least 'n'. */
static void hold_io(struct sef *x, unsigned i)
{
	struct blk_fault f = { .any_op = true, .nth = 1, .count = 100000, .delay_ns = 3600 * SEC };
	assert_int_equal(blk_fault_arm(x->outer[i], &f), 0);
}

static struct sef_cfg two_luns(void)
{
	struct sef_cfg c;
	memset(&c, 0, sizeof c);
	c.nluns = 2;
	c.lun[0] = (struct sef_lun){ .lun = 0, .size = 2u << 20 };
	c.lun[1] = (struct sef_lun){ .lun = 1, .size = 2u << 20, .fault = true };
	c.sc.io_timeout_ns = 30 * SEC;
	return c;
}

/* LUN 1 removed while 16 I/Os sit on the host: each completes exactly
 * once (the held ones finish as the LUN closes), the guest rescans and
 * loses da1, later submits get -ENODEV, da0 is untouched.  Then a LUN is
 * hot-added while I/O runs on da0: it appears as a new disk. */
static void test_storage_e2e__hot_remove_and_add_with_io_in_flight__each_io_once(void **state)
{
	(void)state;
	struct sef_cfg c = two_luns();
	struct sef *x = sef_new(&c);
	struct storvsc_disk_info di[4];
	assert_int_equal(sef_disks(x, di, 4), 2);
	hold_io(x, 1);
	static uint8_t bufs[16][4096];
	static struct sef_aio a;
	memset(&a, 0, sizeof a);
	a.disk = "da1";
	a.op = STORVSC_OP_WRITE;
	a.n = 16;
	a.cpu = -1;
	for (unsigned i = 0; i < 16; i++) {
		a.lba[i] = i * 8;
		a.nblocks[i] = 8;
		a.buf[i] = bufs[i];
	}
	assert_int_equal(sef_aio_submit(x, &a), 0);
	sef_sleep(x, 5 * MS);
	struct storvsp_stats hs;
	storvsp_get_stats(x->sv, &hs);
	assert_int_equal(hs.inflight, 16);
	assert_int_equal(a.ndone, 0);
	assert_int_equal(storvsp_lun_remove(x->sv, 0, 1), 0);
	assert_int_equal(sef_aio_wait(x, &a, 5 * SEC), 0);
	assert_int_equal(a.ndone, 16);
	for (unsigned i = 0; i < 16; i++)
		assert_true(a.err[i] == 0 || a.err[i] == -EIO || a.err[i] == -ENODEV);
	sef_sleep(x, 50 * MS);
	assert_int_equal(sef_disks(x, di, 4), 1);
	assert_string_equal(di[0].name, "da0");
	uint8_t b[512];
	assert_int_equal(sef_io(x, "da1", STORVSC_OP_READ, 0, 1, b, false, NULL), -ENOENT);
	storvsp_get_stats(x->sv, &hs);
	assert_int_equal(hs.inflight, 0);

	/* Hot add on target 1 while da0 has I/O going. */
	static struct sef_aio a0;
	memset(&a0, 0, sizeof a0);
	a0.disk = "da0";
	a0.op = STORVSC_OP_WRITE;
	a0.n = 16;
	a0.cpu = -1;
	for (unsigned i = 0; i < 16; i++) {
		fill(bufs[i], sizeof bufs[i], 50 + i);
		a0.lba[i] = i * 8;
		a0.nblocks[i] = 8;
		a0.buf[i] = bufs[i];
	}
	assert_int_equal(sef_aio_submit(x, &a0), 0);
	struct sef_lun nl = { .target = 1, .lun = 2, .size = 1u << 20 };
	assert_true(sef_lun_add(x, &nl) >= 0);
	assert_int_equal(sef_aio_wait(x, &a0, 5 * SEC), 0);
	for (unsigned i = 0; i < 16; i++)
		assert_int_equal(a0.err[i], 0);
	sef_sleep(x, 50 * MS);
	assert_int_equal(sef_disks(x, di, 4), 2);
	assert_int_equal(di[1].target, 1);
	assert_int_equal(di[1].lun, 2);
	assert_int_equal(di[1].nblocks, (1u << 20) / 512);
	uint8_t r[4096];
	for (unsigned i = 0; i < 16; i++) {
		assert_int_equal(sef_io(x, "da0", STORVSC_OP_READ, i * 8, 8, r, false, NULL), 0);
		assert_memory_equal(r, bufs[i], sizeof r);
	}
	assert_true(sef_stats(0).enumerate_bus >= 2);
	sef_free(x);
}

/* The whole controller rescinded while 16 I/Os sit on the host: every one
 * completes exactly once with -ENODEV, both disks go, nothing leaks on
 * either side (sef_free checks guest heap and DMA pages; ASan the host). */
static void test_storage_e2e__rescind_controller_with_io_in_flight__enodev_once(void **state)
{
	(void)state;
	struct sef_cfg c = two_luns();
	struct sef *x = sef_new(&c);
	hold_io(x, 1);
	static uint8_t bufs[16][4096];
	static struct sef_aio a;
	memset(&a, 0, sizeof a);
	a.disk = "da1";
	a.op = STORVSC_OP_READ;
	a.n = 16;
	a.cpu = -1;
	for (unsigned i = 0; i < 16; i++) {
		a.lba[i] = i * 8;
		a.nblocks[i] = 8;
		a.buf[i] = bufs[i];
	}
	assert_int_equal(sef_aio_submit(x, &a), 0);
	sef_sleep(x, 5 * MS);
	struct storvsp_stats hs;
	storvsp_get_stats(x->sv, &hs);
	assert_int_equal(hs.inflight, 16);
	assert_int_equal(storvsp_rescind(x->sv), 0);
	assert_int_equal(sef_aio_wait(x, &a, 5 * SEC), 0);
	for (unsigned i = 0; i < 16; i++)
		assert_int_equal(a.err[i], -ENODEV);
	sef_sleep(x, 50 * MS);
	struct storvsc_disk_info di[4];
	assert_int_equal(sef_disks(x, di, 4), 0);
	assert_int_equal(storvsc_controller_count(), 0);
	uint8_t b[512];
	assert_int_equal(sef_io(x, "da0", STORVSC_OP_READ, 0, 1, b, false, NULL), -ENOENT);
	sef_free(x);
}

/* Absent LUNs probed one by one (no REPORT LUNS), on a pre-WIN10 host,
 * a WIN10 host and the ws2016 phantom-LUN host: exactly the real disks. */
static void absent_case(const char *profile, bool phantom)
{
	struct sef_cfg c;
	memset(&c, 0, sizeof c);
	c.profile = profile;
	c.phantom = phantom;
	c.nluns = 2;
	c.lun[0] = (struct sef_lun){ .lun = 0, .size = 1u << 20 };
	c.lun[1] = (struct sef_lun){ .lun = 3, .size = 1u << 20 };
	c.sc.no_report_luns = true;
	c.sc.max_luns = 16;
	struct sef *x = sef_new(&c);
	struct storvsc_disk_info di[20];
	assert_int_equal(sef_disks(x, di, 20), 2);
	assert_int_equal(di[0].lun, 0);
	assert_int_equal(di[1].lun, 3);
	sef_free(x);
}

static void test_storage_e2e__absent_luns_probed__only_real_disks_every_profile(void **state)
{
	(void)state;
	absent_case("ws2008r2", false);
	absent_case("ws2012r2", false);
	absent_case("ws2016", false);   /* the profile's quirk: phantom answers */
	absent_case("ws2022", false);
	absent_case("ws2022", true);
}

/* Serial matching: the SCSI LUN and the emulated ATA disk carry the same
 * serial.  On Hyper-V storvsc claims it and the ATA driver stays off it;
 * with a table that lets ata win and ata attached first, storvsc leaves
 * that disk alone (one disk, one driver) but takes a LUN with another
 * serial. */
struct ata_x { struct ata_disk *d; int rc; const char *table; };

static int ata_attach_fn(void *arg)
{
	struct ata_x *a = arg;
	if (a->table)
		assert_int_equal(ata_prio_load(a->table), 0);
	a->rc = ata_disk_attach(&a->d);
	return 0;
}

static int ata_free_fn(void *arg)
{
	struct ata_x *a = arg;
	ata_disk_free(a->d);
	a->d = NULL;
	ata_prio_load(NULL);
	return 0;
}

static void test_storage_e2e__same_serial_on_hyperv__storvsc_wins_ata_detached(void **state)
{
	(void)state;
	struct sef_cfg c;
	memset(&c, 0, sizeof c);
	c.ata = true;
	c.ata_serial = "HVSIM-DISK-0001";
	c.nluns = 1;
	c.lun[0] = (struct sef_lun){ .size = 1u << 20, .serial = "HVSIM-DISK-0001" };
	ata_disk_claims_reset();
	struct sef *x = sef_new(&c);
	struct storvsc_disk_info di[2];
	assert_int_equal(sef_disks(x, di, 2), 1);
	assert_string_equal(di[0].serial, "HVSIM-DISK-0001");
	assert_string_equal(ata_disk_claimed_by("HVSIM-DISK-0001"), "storvsc");
	struct ata_x a = { 0 };
	assert_int_equal(sef_call(x, ata_attach_fn, &a), 0);
	assert_int_equal(a.rc, -EBUSY);
	assert_null(a.d);
	sef_free(x);
	/* Detach gave the serial back. */
	assert_null(ata_disk_claimed_by("HVSIM-DISK-0001"));
}

static void test_storage_e2e__ata_first_and_winning__storvsc_leaves_that_disk(void **state)
{
	(void)state;
	struct sef_cfg c;
	memset(&c, 0, sizeof c);
	c.ata = true;
	c.ata_serial = "HVSIM-DISK-0002";
	c.nluns = 2;
	c.lun[0] = (struct sef_lun){ .lun = 0, .size = 1u << 20, .serial = "HVSIM-DISK-0002" };
	c.lun[1] = (struct sef_lun){ .lun = 1, .size = 1u << 20, .serial = "HVSIM-OTHER-0003" };
	c.no_storvsc = true;
	ata_disk_claims_reset();
	struct sef *x = sef_new(&c);
	struct ata_x a = { .table = "hyperv disk ata storvsc\n" };
	assert_int_equal(sef_call(x, ata_attach_fn, &a), 0);
	assert_int_equal(a.rc, 0);
	assert_string_equal(ata_disk_claimed_by("HVSIM-DISK-0002"), "ata");
	assert_int_equal(sef_storvsc_start(x), 0);
	struct storvsc_disk_info di[4];
	assert_int_equal(sef_disks(x, di, 4), 1);
	assert_int_equal(di[0].lun, 1);
	assert_string_equal(di[0].serial, "HVSIM-OTHER-0003");
	assert_string_equal(ata_disk_claimed_by("HVSIM-DISK-0002"), "ata");
	assert_int_equal(sef_call(x, ata_free_fn, &a), 0);
	sef_free(x);
	ata_disk_claims_reset();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_storage_e2e__four_vcpus__io_spread_over_subchannels_data_intact),
		cmocka_unit_test(test_storage_e2e__host_queue_full__busy_retried_all_succeed),
		cmocka_unit_test(test_storage_e2e__backend_faults__errno_and_sense_to_guest),
		cmocka_unit_test(test_storage_e2e__hot_remove_and_add_with_io_in_flight__each_io_once),
		cmocka_unit_test(test_storage_e2e__rescind_controller_with_io_in_flight__enodev_once),
		cmocka_unit_test(test_storage_e2e__absent_luns_probed__only_real_disks_every_profile),
		cmocka_unit_test(test_storage_e2e__same_serial_on_hyperv__storvsc_wins_ata_detached),
		cmocka_unit_test(test_storage_e2e__ata_first_and_winning__storvsc_leaves_that_disk),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
