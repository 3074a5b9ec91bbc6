/* stor_e2e.c -- the storage end-to-end fixture (see stor_e2e.h): real
 * storvsp + scsi target + blk back ends on the host, the real VMBus server,
 * and the guest's vmbus + storvsc drivers, all inproc and deterministic. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/unit/helpers/stor_e2e.h"

#include "guest_drivers/kern.h"
#include "sim/devices/blk/blk.h"
#include "sim/devices/hostside.h"
#include "sim/guest/guest_actions.h"
#include "sim/guest/guest_vmbus.h"
#include "sim/guest/runtime.h"
#include "sim/guest/transport.h"
#include "sim/hostd/gmem.h"
#include "sim/hostd/partition.h"
#include "sim/hostd/profile.h"

#define SEF_MEM (64u << 20)
#define SEF_MS  1000000ull

static bool sef_pump(void *arg)
{
	struct sef *x = arg;
	bool did = false;
	for (int i = 0; i < 16 && hostside_pump(x->hs); i++)
		did = true;
	return did;
}

static int sef_start_fn(void *arg)
{
	struct sef *x = arg;
	return storvsc_init(&x->cfg.sc);
}

int sef_storvsc_start(struct sef *x)
{
	int rc = gk_runtime_call(x->rt, sef_start_fn, x);
	if (rc)
		return rc;
	x->storvsc_up = true;
	/* Handshake, sub-channels and the first scan. */
	assert_int_equal(gk_guest_sleep(x->rt, 50 * SEF_MS), 0);
	return 0;
}

int sef_call(struct sef *x, int (*fn)(void *), void *arg)
{
	return gk_runtime_call(x->rt, fn, arg);
}

void sef_sleep(struct sef *x, uint64_t ns)
{
	assert_int_equal(gk_guest_sleep(x->rt, ns), 0);
}

static int sef_open_lun(struct sef *x, unsigned i, const struct sef_lun *l, struct blk **out)
{
	uint64_t size = l->size ? l->size : (4u << 20);
	uint32_t sector = l->sector ? l->sector : 512;
	struct blk *b = NULL;
	int rc;

	if (l->image) {
		snprintf(x->img[i], sizeof x->img[i], "%s/lun%u.img", x->dir, i);
		struct blk_image_opts o = { .read_only = l->read_only, .sector = sector, .create = true,
					    .create_size = size, .engine = BLK_ENGINE_SYNC };
		if (l->read_only) {
			/* A read-only image must exist first. */
			int fd = open(x->img[i], O_CREAT | O_RDWR, 0600);
			assert_true(fd >= 0);
			assert_int_equal(ftruncate(fd, (off_t)size), 0);
			close(fd);
		}
		rc = blk_open_image(x->img[i], &o, &b);
	} else {
		rc = blk_open_mem(size, sector, &b);
	}
	if (rc)
		return rc;
	x->inner[i] = b;
	if (l->fault) {
		struct blk *f;
		rc = blk_wrap_fault(b, &f);
		if (rc) {
			blk_close(b);
			return rc;
		}
		b = f;
	}
	x->outer[i] = b;
	*out = b;
	return 0;
}

int sef_lun_add(struct sef *x, const struct sef_lun *l)
{
	unsigned i = x->cfg.nluns;
	struct blk *b;
	int rc;

	if (i >= SEF_MAX_LUNS)
		return -ENOSPC;
	x->cfg.lun[i] = *l;
	rc = sef_open_lun(x, i, l, &b);
	if (rc)
		return rc;
	struct scsi_lun_opts lo = { .id = 0x600000u + ((uint64_t)l->target << 8) + l->lun,
				    .serial = l->serial };
	rc = storvsp_lun_add(x->sv, l->target, l->lun, b, &lo);
	if (rc) {
		x->inner[i] = x->outer[i] = NULL;
		return rc;
	}
	x->cfg.nluns = i + 1;
	return (int)i;
}

struct sef *sef_new(const struct sef_cfg *cfg)
{
	struct sef *x = calloc(1, sizeof *x);
	assert_non_null(x);
	x->cfg = *cfg;
	if (!x->cfg.profile)
		x->cfg.profile = "ws2022";
	if (!x->cfg.ncpus)
		x->cfg.ncpus = 1;
	if (!x->cfg.max_subchannels)
		x->cfg.max_subchannels = 8;
	if (!x->cfg.sc.io_timeout_ns)
		x->cfg.sc.io_timeout_ns = 2000 * SEF_MS;
	if (!x->cfg.sc.init_timeout_ns)
		x->cfg.sc.init_timeout_ns = 500 * SEF_MS;
	x->heap_before = gk_alloc_outstanding();
	snprintf(x->dir, sizeof x->dir, "/tmp/hvsim-stor-XXXXXX");
	assert_non_null(mkdtemp(x->dir));
	blk_set_default_engine(BLK_ENGINE_SYNC);

	const struct hv_profile *prof = hv_profile_find(x->cfg.profile);
	assert_non_null(prof);
	x->gm = gmem_create(SEF_MEM);
	assert_non_null(x->gm);
	x->t = gk_inproc_create(gmem_ptr(x->gm, 0, SEF_MEM), SEF_MEM, x->cfg.ncpus);
	assert_non_null(x->t);
	struct part_config pc = { .profile = prof, .nvcpus = x->cfg.ncpus };
	x->p = part_create(x->gm, &pc, gk_inproc_part_notify(), x->t);
	assert_non_null(x->p);
	gk_inproc_attach(x->t, x->p);

	struct hostside_config hc;
	memset(&hc, 0, sizeof hc);
	hc.vmbus = true;
	hc.scsi = true;
	hc.scsi_cfg.vstor_max_version = (uint16_t)prof->vstor_max_version;
	hc.scsi_cfg.max_subchannels = x->cfg.max_subchannels;
	hc.scsi_cfg.queue_depth = x->cfg.host_queue_depth;
	hc.ata = x->cfg.ata;
	hc.ata_mem_size = 1u << 20;
	hc.ata_serial = x->cfg.ata_serial;
	hc.scsi_cfg.phantom_luns = x->cfg.phantom || (prof->quirks & HV_QUIRK_PHANTOM_LUNS);
	x->hs = hostside_create(x->p, x->gm, &hc, NULL, NULL);
	assert_non_null(x->hs);
	x->sv = hostside_storvsp(x->hs);
	assert_non_null(x->sv);
	unsigned n = x->cfg.nluns;
	x->cfg.nluns = 0;
	for (unsigned i = 0; i < n; i++) {
		struct sef_lun l = cfg->lun[i];
		assert_true(sef_lun_add(x, &l) >= 0);
	}

	gk_inproc_set_pump(x->t, sef_pump, x);
	struct gk_runtime_config rc = { .sched = GK_SCHED_INPROC, .seed = x->cfg.seed ? x->cfg.seed : 1,
					.log_level = getenv("SEF_LOG") ? atoi(getenv("SEF_LOG")) : 0 };
	x->rt = gk_runtime_create(x->t, &rc);
	assert_non_null(x->rt);
	struct gk_boot_report br;
	assert_int_equal(gk_guest_boot(x->rt, &br), 0);
	assert_int_equal(br.status, 0);
	struct gk_vmbus_report *vr = calloc(1, sizeof *vr);
	assert_non_null(vr);
	assert_int_equal(gk_guest_vmbus_connect(x->rt, 0, false, vr), 0);
	assert_int_equal(vr->status, 0);
	free(vr);
	if (!x->cfg.no_storvsc)
		assert_int_equal(sef_storvsc_start(x), 0);
	return x;
}

static int sef_fini_fn(void *arg)
{
	(void)arg;
	storvsc_fini();
	storvsc_set_disk_hook(NULL, NULL);
	return 0;
}

void sef_free(struct sef *x)
{
	if (!x)
		return;
	gk_alloc_fail_after(-1);
	assert_int_equal(gk_runtime_call(x->rt, sef_fini_fn, x), 0);
	assert_int_equal(gk_guest_vmbus_disconnect(x->rt), 0);
	assert_int_equal(gk_guest_shutdown(x->rt), 0);
	assert_int_equal(gk_dma_pages_used(), 0);
	gk_runtime_destroy(x->rt);
	hostside_destroy(x->hs);
	part_destroy(x->p);
	x->t->ops->close(x->t);
	gmem_destroy(x->gm);
	for (unsigned i = 0; i < SEF_MAX_LUNS; i++)
		if (x->img[i][0])
			unlink(x->img[i]);
	rmdir(x->dir);
	blk_set_default_engine(BLK_ENGINE_DEFAULT);
	assert_int_equal(gk_alloc_outstanding(), x->heap_before);
	free(x);
}

struct blk *sef_blk(struct sef *x, uint8_t target, uint8_t lun)
{
	struct scsi_lun *l = storvsp_lun(x->sv, target, lun);
	return l ? scsi_lun_blk(l) : NULL;
}

struct storvsc_stats sef_stats(unsigned unit)
{
	struct storvsc_stats st;
	assert_int_equal(storvsc_get_stats(unit, &st), 0);
	return st;
}

/* ---- guest-context helpers ----------------------------------------------------- */

struct sef_list { struct storvsc_disk_info *out; unsigned max, n; };

static int sef_list_fn(void *arg)
{
	struct sef_list *l = arg;
	unsigned cnt = storvsc_disk_count();
	l->n = 0;
	for (unsigned i = 0; i < cnt && l->n < l->max; i++) {
		struct storvsc_disk *d = storvsc_disk_get(i);
		if (!d)
			continue;
		storvsc_disk_info(d, &l->out[l->n++]);
		storvsc_disk_put(d);
	}
	return 0;
}

unsigned sef_disks(struct sef *x, struct storvsc_disk_info *out, unsigned max)
{
	struct sef_list l = { out, max, 0 };
	assert_int_equal(gk_runtime_call(x->rt, sef_list_fn, &l), 0);
	return l.n;
}

struct sef_rw {
	const char *disk;
	struct storvsc_bio b;
	int rc;
};

static int sef_rw_fn(void *arg)
{
	struct sef_rw *w = arg;
	struct storvsc_disk *d = storvsc_disk_find(w->disk);
	if (!d) {
		w->rc = -ENOENT;
		return 0;
	}
	w->rc = storvsc_disk_sync(d, &w->b, 0);
	storvsc_disk_put(d);
	return 0;
}

int sef_io(struct sef *x, const char *name, enum storvsc_op op, uint64_t lba, uint32_t n,
	   void *buf, bool fua, struct storvsc_bio *out)
{
	struct sef_rw w;
	memset(&w, 0, sizeof w);
	w.disk = name;
	w.b.op = op;
	w.b.lba = lba;
	w.b.nblocks = n;
	w.b.buf = buf;
	w.b.fua = fua;
	assert_int_equal(gk_runtime_call(x->rt, sef_rw_fn, &w), 0);
	if (out)
		*out = w.b;
	return w.rc;
}

static void sef_aio_done(struct storvsc_bio *b, int err)
{
	struct sef_aio *a = b->arg;
	a->err[b - a->b] = err;
	a->ndone++;
}

static int sef_aio_submit_one(struct sef_aio *a, struct storvsc_disk *d, unsigned i)
{
	struct storvsc_bio *b = &a->b[i];
	memset(b, 0, sizeof *b);
	b->op = a->op;
	b->lba = a->lba[i];
	b->nblocks = a->nblocks[i];
	b->buf = a->buf[i];
	b->done = sef_aio_done;
	b->arg = a;
	int rc = storvsc_disk_submit(d, b);
	if (rc) {
		a->err[i] = rc;
		a->ndone++;
	}
	return rc;
}

static int sef_aio_cpu_fn(void *arg, int cpu)
{
	struct sef_aio *a = arg;
	int ncpu = kern_ncpus();
	struct storvsc_disk *d = storvsc_disk_find(a->disk);
	if (!d)
		return -ENOENT;
	for (unsigned i = 0; i < a->n; i++)
		if ((int)(i % (unsigned)ncpu) == cpu)
			sef_aio_submit_one(a, d, i);
	storvsc_disk_put(d);
	return 0;
}

static int sef_aio_submit_fn(void *arg)
{
	struct sef_aio *a = arg;
	a->ndone = 0;
	if (a->cpu == -2) {
		a->submit_rc = kern_on_each_cpu(sef_aio_cpu_fn, a);
		return 0;
	}
	struct storvsc_disk *d = storvsc_disk_find(a->disk);
	if (!d) {
		a->submit_rc = -ENOENT;
		return 0;
	}
	for (unsigned i = 0; i < a->n; i++)
		sef_aio_submit_one(a, d, i);
	storvsc_disk_put(d);
	a->submit_rc = 0;
	return 0;
}

int sef_aio_submit(struct sef *x, struct sef_aio *a)
{
	assert_true(a->n <= 256);
	assert_int_equal(gk_runtime_call(x->rt, sef_aio_submit_fn, a), 0);
	return a->submit_rc;
}

int sef_aio_wait(struct sef *x, struct sef_aio *a, uint64_t timeout_ns)
{
	uint64_t waited = 0;
	while (KERN_READ_ONCE(a->ndone) < a->n) {
		if (waited >= timeout_ns)
			return -ETIMEDOUT;
		sef_sleep(x, SEF_MS);
		waited += SEF_MS;
	}
	return 0;
}

int sef_aio_run(struct sef *x, struct sef_aio *a)
{
	int rc = sef_aio_submit(x, a);
	if (rc)
		return rc;
	return sef_aio_wait(x, a, 10000 * SEF_MS);
}
