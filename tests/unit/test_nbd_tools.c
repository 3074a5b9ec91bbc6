/* test_nbd_tools.c -- real NBD clients (nbdinfo, nbdcopy, fio's nbd engine, nbdfuse + mkfs.ext4 + e2fsck) through the export, a guest driver (ata over port-I/O traps | storvsc over VMBus) and the host device down to an image file; inproc. Skips when a tool is missing. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "guest_drivers/ata/ata_drv.h"
#include "guest_drivers/kern.h"
#include "guest_drivers/storvsc/storvsc.h"
#include "sim/devices/blk/blk.h"
#include "sim/devices/hostside.h"
#include "sim/devices/storvsp/storvsp.h"
#include "sim/guest/guest_actions.h"
#include "sim/guest/guest_vmbus.h"
#include "sim/guest/nbd_export.h"
#include "sim/guest/runtime.h"
#include "sim/guest/transport.h"
#include "sim/hostd/gmem.h"
#include "sim/hostd/partition.h"
#include "sim/hostd/profile.h"

#define MEM  (64u << 20)

struct tx {
	struct gmem *gm;
	struct gk_transport *t;
	struct part *p;
	struct hostside *hs;
	struct gk_runtime *rt;
	struct nbd_export *x;
	struct ata_disk *ad;
	bool storvsc;
	uint64_t disk_size;
	char dir[64], img[96], sock[96], uri[160];
};

static bool have(const char *tool)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", tool);
	return system(cmd) == 0;
}

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	int st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static bool tx_pump(void *arg)
{
	struct tx *x = arg;
	bool did = false;
	for (int i = 0; i < 16 && hostside_pump(x->hs); i++)
		did = true;
	return did;
}

static int guest_ata_attach(void *arg)
{
	struct tx *x = arg;
	return ata_disk_attach(&x->ad);
}

static int guest_storvsc_start(void *arg)
{
	(void)arg;
	struct storvsc_config sc;
	memset(&sc, 0, sizeof sc);
	return storvsc_init(&sc);
}

static int guest_export(void *arg)
{
	struct tx *x = arg;
	struct nbd_disk d;
	int rc;
	if (x->storvsc) {
		struct storvsc_disk *sd = storvsc_disk_get(0);
		if (!sd)
			return -ENODEV;
		rc = nbd_disk_storvsc(sd, &d);
		storvsc_disk_put(sd);
	} else {
		rc = nbd_disk_ata(x->ad, &d);
	}
	if (rc)
		return rc;
	x->disk_size = d.size;
	rc = nbd_export_add(x->x, "disk0", &d);
	return rc ? rc : nbd_export_listen(x->x, x->sock);
}

static struct tx *tx_new(const char *profile, bool storvsc, uint64_t size)
{
	struct tx *x = calloc(1, sizeof *x);
	assert_non_null(x);
	x->storvsc = storvsc;
	snprintf(x->dir, sizeof x->dir, "/tmp/hvsim-nbd-XXXXXX");
	assert_non_null(mkdtemp(x->dir));
	snprintf(x->img, sizeof x->img, "%s/disk.img", x->dir);
	snprintf(x->sock, sizeof x->sock, "%s/nbd.sock", x->dir);
	snprintf(x->uri, sizeof x->uri, "nbd+unix:///disk0?socket=%s", x->sock);
	int fd = open(x->img, O_CREAT | O_RDWR, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)size), 0);
	close(fd);
	blk_set_default_engine(BLK_ENGINE_SYNC);   /* inproc: the I/O runs in the loop */

	x->gm = gmem_create(MEM);
	x->t = gk_inproc_create(gmem_ptr(x->gm, 0, MEM), MEM, 1);
	const struct hv_profile *prof = hv_profile_find(profile);
	assert_non_null(prof);
	struct part_config pc = { .profile = prof, .nvcpus = 1 };
	x->p = part_create(x->gm, &pc, gk_inproc_part_notify(), x->t);
	assert_non_null(x->p);
	gk_inproc_attach(x->t, x->p);
	struct hostside_config hc;
	memset(&hc, 0, sizeof hc);
	if (storvsc) {
		hc.vmbus = true;
		hc.scsi = true;
		hc.scsi_cfg.vstor_max_version = (uint16_t)prof->vstor_max_version;
	} else {
		hc.ata = true;
		hc.ata_image = x->img;
		hc.ata_serial = "NBD-ATA-1";
	}
	x->hs = hostside_create(x->p, x->gm, &hc, NULL, NULL);
	assert_non_null(x->hs);
	if (storvsc) {
		struct blk *b;
		struct blk_image_opts o = { .sector = 512 };
		assert_int_equal(blk_open_image(x->img, &o, &b), 0);
		struct scsi_lun_opts lo = { .id = 0x5000 };
		assert_int_equal(storvsp_lun_add(hostside_storvsp(x->hs), 0, 0, b, &lo), 0);
	}
	gk_inproc_set_pump(x->t, tx_pump, x);
	struct gk_runtime_config rc = { .sched = GK_SCHED_INPROC, .seed = 1 };
	x->rt = gk_runtime_create(x->t, &rc);
	assert_non_null(x->rt);
	struct gk_boot_report br;
	assert_int_equal(gk_guest_boot(x->rt, &br), 0);
	ata_disk_claims_reset();
	ata_prio_load(NULL);
	if (storvsc) {
		struct gk_vmbus_report *vr = calloc(1, sizeof *vr);
		assert_int_equal(gk_guest_vmbus_connect(x->rt, 0, false, vr), 0);
		assert_int_equal(vr->status, 0);
		free(vr);
		assert_int_equal(gk_runtime_call(x->rt, guest_storvsc_start, NULL), 0);
		assert_int_equal(gk_guest_sleep(x->rt, 50000000), 0);
	} else {
		assert_int_equal(gk_runtime_call(x->rt, guest_ata_attach, x), 0);
	}
	x->x = nbd_export_create(NULL);
	assert_non_null(x->x);
	assert_int_equal(gk_runtime_call(x->rt, guest_export, x), 0);
	assert_int_equal(x->disk_size, size);
	return x;
}

static int guest_teardown(void *arg)
{
	struct tx *x = arg;
	nbd_export_destroy(x->x);   /* releases the storvsc disk reference */
	x->x = NULL;
	ata_disk_free(x->ad);
	if (x->storvsc)
		storvsc_fini();
	return 0;
}

static void tx_free(struct tx *x)
{
	assert_int_equal(gk_runtime_call(x->rt, guest_teardown, x), 0);
	if (x->storvsc)
		assert_int_equal(gk_guest_vmbus_disconnect(x->rt), 0);
	gk_runtime_destroy(x->rt);
	hostside_destroy(x->hs);
	part_destroy(x->p);
	x->t->ops->close(x->t);
	gmem_destroy(x->gm);
	sh("rm -rf %s", x->dir);
	blk_set_default_engine(BLK_ENGINE_DEFAULT);
	free(x);
}

/* Run a shell command as the client while the export serves on its thread. */
static int client(struct tx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int client(struct tx *x, const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	assert_int_equal(nbd_export_start(x->x, x->rt, 0), 0);
	int rc = sh("timeout 120 sh -c '%s'", cmd);
	nbd_export_stop(x->x);
	assert_int_equal(nbd_export_join(x->x), 0);
	return rc;
}

static void write_pattern(const char *path, uint64_t size, uint32_t seed)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	uint32_t s = seed;
	for (uint64_t i = 0; i < size; i += 4) {
		s = s * 1103515245u + 12345u;
		fwrite(&s, 4, 1, f);
	}
	fclose(f);
}

static void run_tools(const char *profile, bool storvsc, uint64_t size, bool fs)
{
	if (!have("nbdinfo") || !have("nbdcopy"))
		skip();
	struct tx *x = tx_new(profile, storvsc, size);
	/* nbdinfo: the size the guest driver found */
	assert_int_equal(client(x, "test \"$(nbdinfo --size \"%s\")\" = %llu", x->uri,
				(unsigned long long)size), 0);
	/* nbdcopy in, out; compare with the source and the host's image file */
	char in[128], out[128];
	snprintf(in, sizeof in, "%s/in.img", x->dir);
	snprintf(out, sizeof out, "%s/out.img", x->dir);
	write_pattern(in, size, 7);
	assert_int_equal(client(x, "nbdcopy %s \"%s\"", in, x->uri), 0);
	assert_int_equal(client(x, "nbdcopy \"%s\" %s", x->uri, out), 0);
	assert_int_equal(sh("cmp %s %s", in, out), 0);
	assert_int_equal(sh("cmp %s %s", in, x->img), 0);
	/* fio through its nbd engine: a short verified random-write job */
	if (have("fio"))
		assert_int_equal(client(x, "fio --name=v --ioengine=nbd --uri=\"%s\" --rw=randwrite "
					"--bs=4k --size=%llu --iodepth=8 --verify=crc32c "
					"--do_verify=1 --output=%s/fio.txt", x->uri,
					(unsigned long long)(size / 4), x->dir), 0);
	/* nbdfuse + mkfs.ext4 + e2fsck, where FUSE is usable here */
	if (fs && have("nbdfuse") && have("mkfs.ext4") && have("fusermount3") &&
	    access("/dev/fuse", R_OK | W_OK) == 0) {
		int rc = client(x,
			"mkdir -p %s/mnt; nbdfuse -P %s/pid %s/mnt/disk \"%s\" & "
			"i=0; while [ ! -s %s/pid ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; "
			"[ -s %s/pid ] || exit 77; "
			"mkfs.ext4 -q -F %s/mnt/disk && e2fsck -fn %s/mnt/disk >/dev/null; r=$?; "
			"fusermount3 -u %s/mnt; wait; exit $r",
			x->dir, x->dir, x->dir, x->uri, x->dir, x->dir, x->dir, x->dir, x->dir);
		if (rc != 77)
			assert_int_equal(rc, 0);
		/* the file system landed in the host's image: check it there too */
		if (rc == 0 && have("e2fsck"))
			assert_int_equal(sh("e2fsck -fn %s >/dev/null 2>&1", x->img), 0);
	}
	struct nbd_export_stats st;
	nbd_export_get_stats(x->x, &st);
	assert_true(st.conns >= 3);
	assert_int_equal(st.hard_closes, 0);
	assert_true(st.bytes_written >= size);
	tx_free(x);
}

static void test_nbd_tools__ata_profile_none__info_copy_fio(void **state)
{
	(void)state;
	run_tools("none", false, 4u << 20, false);
}

static void test_nbd_tools__storvsc_ws2022__info_copy_fio_fs(void **state)
{
	(void)state;
	run_tools("ws2022", true, 32u << 20, true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nbd_tools__ata_profile_none__info_copy_fio),
		cmocka_unit_test(test_nbd_tools__storvsc_ws2022__info_copy_fio_fs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
