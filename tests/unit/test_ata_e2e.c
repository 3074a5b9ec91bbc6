/* test_ata_e2e.c -- guest ata driver through port-I/O traps to the emulated disk (inproc), and the synthetic-over-native rule on every profile. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "guest_drivers/ata/ata_drv.h"
#include "guest_drivers/kern.h"
#include "sim/devices/ata/ata.h"
#include "sim/devices/blk/blk.h"
#include "sim/guest/runtime.h"
#include "sim/guest/transport.h"
#include "sim/hostd/gmem.h"
#include "sim/hostd/partition.h"
#include "sim/hostd/profile.h"

#define MEM (4u << 20)

struct efx {
	struct gmem *gm;
	struct gk_transport *t;
	struct part *p;
	struct gk_runtime *rt;
	struct blk *b;
	struct ata_dev *ad;
};

static struct efx *efx_new(const char *profile, bool with_ata)
{
	struct efx *f = calloc(1, sizeof *f);
	f->gm = gmem_create(MEM);
	f->t = gk_inproc_create(gmem_ptr(f->gm, 0, MEM), MEM, 1);
	struct part_config pc = { .profile = hv_profile_find(profile), .nvcpus = 1 };
	assert_non_null(pc.profile);
	f->p = part_create(f->gm, &pc, gk_inproc_part_notify(), f->t);
	assert_non_null(f->p);
	gk_inproc_attach(f->t, f->p);
	struct gk_runtime_config rc = { .sched = GK_SCHED_INPROC, .seed = 1 };
	f->rt = gk_runtime_create(f->t, &rc);
	assert_non_null(f->rt);
	if (with_ata) {
		assert_int_equal(blk_open_mem(8 << 20, 512, &f->b), 0);
		struct ata_config ac = { .serial = "DISK-0001" };
		assert_int_equal(ata_create(f->b, &ac, &f->ad), 0);
		assert_int_equal(ata_attach(f->ad, f->p), 0);
	}
	ata_disk_claims_reset();
	ata_prio_load(NULL);
	return f;
}

static void efx_free(struct efx *f)
{
	gk_runtime_destroy(f->rt);
	ata_destroy(f->ad);
	blk_close(f->b);
	part_destroy(f->p);
	f->t->ops->close(f->t);
	gmem_destroy(f->gm);
	free(f);
}

struct job {
	int attach_err;
	enum ata_platform plat;
	uint64_t sectors;
	char serial[24];
	int io_err[3];
	bool data_ok;
};

static void on_done(void *arg, int err)
{
	*(int *)arg = err;
}

static int guest_attach_and_io(void *arg)
{
	struct job *j = arg;
	struct ata_disk *d = NULL;
	j->plat = ata_platform_detect();
	j->attach_err = ata_disk_attach(&d);
	if (j->attach_err)
		return 0;
	j->sectors = ata_disk_sectors(d);
	snprintf(j->serial, sizeof j->serial, "%s", ata_disk_serial(d));
	enum { N = 300 };                         /* LBA48 path: more than 256 sectors */
	uint8_t *w = kern_malloc(N * 512), *r = kern_malloc(N * 512);
	for (unsigned i = 0; i < N * 512; i++)
		w[i] = (uint8_t)(i * 7 ^ (i >> 9));
	ata_disk_write(d, 1000, N, w, on_done, &j->io_err[0]);
	ata_disk_flush(d, on_done, &j->io_err[1]);
	ata_disk_read(d, 1000, N, r, on_done, &j->io_err[2]);
	j->data_ok = !memcmp(w, r, N * 512);
	kern_free(w);
	kern_free(r);
	ata_disk_free(d);
	return 0;
}

static void test_ata_e2e__profile_none__ata_attaches_io_roundtrip(void **state)
{
	(void)state;
	struct efx *f = efx_new("none", true);
	struct job j = { 0 };
	assert_int_equal(gk_runtime_call(f->rt, guest_attach_and_io, &j), 0);
	assert_int_equal(j.plat, ATA_PLAT_NONE);
	assert_int_equal(j.attach_err, 0);
	assert_int_equal(j.sectors, (8 << 20) / 512);
	assert_string_equal(j.serial, "DISK-0001");
	assert_int_equal(j.io_err[0], 0);
	assert_int_equal(j.io_err[1], 0);
	assert_int_equal(j.io_err[2], 0);
	assert_true(j.data_ok);
	/* every register access was a trap: 300 sectors x 256 words each way at least */
	assert_true(part_pio_exits(f->p) > 2 * 300 * 256);
	struct ata_stats s;
	ata_get_stats(f->ad, &s);
	assert_int_equal(s.sectors_written, 300);
	assert_int_equal(s.sectors_read, 300);
	assert_int_equal(s.flushes, 1);
	efx_free(f);
}

static void test_ata_e2e__profile_kvm__ata_attaches(void **state)
{
	(void)state;
	struct efx *f = efx_new("kvm", true);
	struct job j = { 0 };
	assert_int_equal(gk_runtime_call(f->rt, guest_attach_and_io, &j), 0);
	assert_int_equal(j.plat, ATA_PLAT_KVM);
	assert_int_equal(j.attach_err, 0);
	assert_true(j.data_ok);
	efx_free(f);
}

/* Every Hyper-V profile: the synthetic driver owns the disk; ata stays detached
 * even though it probes first and nothing is claimed yet. */
static void test_ata_e2e__hyperv_profiles__ata_stays_detached(void **state)
{
	(void)state;
	const char *profs[] = { "ws2008r2", "ws2012r2", "ws2016", "ws2019", "ws2022" };
	for (unsigned i = 0; i < sizeof profs / sizeof profs[0]; i++) {
		struct efx *f = efx_new(profs[i], true);
		struct job j = { 0 };
		assert_int_equal(gk_runtime_call(f->rt, guest_attach_and_io, &j), 0);
		assert_int_equal(j.plat, ATA_PLAT_HYPERV);
		assert_int_equal(j.attach_err, -EBUSY);
		assert_null(ata_disk_claimed_by("DISK-0001"));
		struct ata_stats s;
		ata_get_stats(f->ad, &s);
		assert_int_equal(s.sectors_written + s.sectors_read, 0);
		efx_free(f);
	}
}

static void test_ata_e2e__no_controller__enodev(void **state)
{
	(void)state;
	struct efx *f = efx_new("none", false);
	struct job j = { 0 };
	assert_int_equal(gk_runtime_call(f->rt, guest_attach_and_io, &j), 0);
	assert_int_equal(j.attach_err, -ENODEV);
	efx_free(f);
}

static void test_ata_e2e__user_table_lets_ata_win_on_hyperv__attaches(void **state)
{
	(void)state;
	struct efx *f = efx_new("ws2019", true);
	assert_int_equal(ata_prio_load("# user override\nhyperv disk ata storvsc\n"), 0);
	struct job j = { 0 };
	assert_int_equal(gk_runtime_call(f->rt, guest_attach_and_io, &j), 0);
	assert_int_equal(j.attach_err, 0);
	assert_true(j.data_ok);
	ata_prio_load(NULL);
	efx_free(f);
}

static void test_ata_e2e__claimed_by_storvsc_on_kvm__ata_defers(void **state)
{
	(void)state;
	struct efx *f = efx_new("kvm", true);
	assert_int_equal(ata_disk_claim("DISK-0001", "storvsc"), 0);
	struct job j = { 0 };
	assert_int_equal(gk_runtime_call(f->rt, guest_attach_and_io, &j), 0);
	assert_int_equal(j.attach_err, -EBUSY);
	ata_disk_claims_reset();
	efx_free(f);
}

/* The decision function alone, every row of the shipped table and the registry. */
static void test_ata_prio__shipped_file__parses_and_matches_builtin(void **state)
{
	(void)state;
	char path[512];
	snprintf(path, sizeof path, "%s", __FILE__);
	char *slash = strrchr(path, '/');
	assert_non_null(slash);
	snprintf(slash, sizeof path - (size_t)(slash - path), "/../../guest_drivers/ata/driver-priority.conf");
	FILE *fp = fopen(path, "r");
	assert_non_null(fp);
	static char text[4096];
	size_t n = fread(text, 1, sizeof text - 1, fp);
	fclose(fp);
	text[n] = 0;
	assert_int_equal(ata_prio_load(text), 0);
	assert_string_equal(ata_prio_winner(ATA_PLAT_HYPERV, "disk"), "storvsc");
	assert_string_equal(ata_prio_winner(ATA_PLAT_KVM, "disk"), "ata");
	assert_string_equal(ata_prio_winner(ATA_PLAT_NONE, "disk"), "ata");
	assert_null(ata_prio_winner(ATA_PLAT_HYPERV, "cdrom"));
	ata_disk_claims_reset();
	assert_false(ata_should_attach(ATA_PLAT_HYPERV, "X"));
	assert_true(ata_should_attach(ATA_PLAT_KVM, "X"));
	assert_true(ata_should_attach(ATA_PLAT_NONE, "X"));
	assert_int_equal(ata_disk_claim("X", "storvsc"), 0);
	assert_int_equal(ata_disk_claim("X", "ata"), -EEXIST);
	assert_false(ata_should_attach(ATA_PLAT_NONE, "X"));
	ata_disk_unclaim("X", "storvsc");
	assert_true(ata_should_attach(ATA_PLAT_NONE, "X"));
	/* bad tables leave the old one */
	assert_int_equal(ata_prio_load("hyperv disk\n"), -EINVAL);
	assert_int_equal(ata_prio_load("hyperv disk averyveryverylongdrivername\n"), -EINVAL);
	assert_string_equal(ata_prio_winner(ATA_PLAT_HYPERV, "disk"), "storvsc");
	assert_int_equal(ata_disk_claim(NULL, "ata"), -EINVAL);
	ata_prio_load(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ata_e2e__profile_none__ata_attaches_io_roundtrip),
		cmocka_unit_test(test_ata_e2e__profile_kvm__ata_attaches),
		cmocka_unit_test(test_ata_e2e__hyperv_profiles__ata_stays_detached),
		cmocka_unit_test(test_ata_e2e__no_controller__enodev),
		cmocka_unit_test(test_ata_e2e__user_table_lets_ata_win_on_hyperv__attaches),
		cmocka_unit_test(test_ata_e2e__claimed_by_storvsc_on_kvm__ata_defers),
		cmocka_unit_test(test_ata_prio__shipped_file__parses_and_matches_builtin),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
