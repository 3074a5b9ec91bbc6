/* guest_disk.c -- the runner's view of the guest's disks (guest_disk.h):
 * storvsc and ata driven in guest context, one block request at a time,
 * with a data pattern that a later read can check block by block. */
#include "sim/guest/guest_disk.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest_drivers/ata/ata_drv.h"
#include "guest_drivers/storvsc/storvsc.h"
#include "sim/guest/runtime.h"

/* The emulated disk the ata driver attached (guest context only). */
static struct ata_disk *gd_ata;
static bool gd_storvsc;

#define GD_ATA_CHUNK 128u /* sectors per PIO command */

static uint64_t mix64(uint64_t x)
{
	x += 0x9E3779B97F4A7C15ull;
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
	return x ^ (x >> 31);
}

/* Each 8-byte word of each block differs, and so does every seed: a block
 * written at another LBA, or a stale one, never passes for the right one. */
static uint64_t pattern_word(uint32_t seed, uint64_t lba, uint32_t word)
{
	return mix64(((uint64_t)seed << 32 | word) ^ mix64(lba));
}

uint8_t gk_disk_pattern_byte(uint32_t seed, uint64_t lba, uint32_t off)
{
	if (!seed)
		return 0;
	return (uint8_t)(pattern_word(seed, lba, off / 8) >> (8 * (off % 8)));
}

static void fill_pattern(uint8_t *buf, uint32_t seed, uint64_t lba, uint32_t blocks,
			 uint32_t bsize)
{
	for (uint32_t b = 0; b < blocks; b++)
		for (uint32_t w = 0; w < bsize / 8; w++) {
			uint64_t v = seed ? pattern_word(seed, lba + b, w) : 0;
			for (unsigned k = 0; k < 8; k++)
				buf[(size_t)b * bsize + w * 8 + k] = (uint8_t)(v >> (8 * k));
		}
}

static void check_pattern(struct gk_disk_io *io, const uint8_t *buf, uint32_t bsize)
{
	uint8_t *want = malloc(bsize);
	if (!want) {
		io->result = -ENOMEM;
		return;
	}
	for (uint32_t b = 0; b < io->blocks && !io->mismatch; b++) {
		const uint8_t *got = buf + (size_t)b * bsize;
		fill_pattern(want, io->seed, io->lba + b, 1, bsize);
		if (memcmp(got, want, bsize) == 0)
			continue;
		uint32_t off = 0;
		while (got[off] == want[off])
			off++;
		io->mismatch = true;
		io->mismatch_lba = io->lba + b;
		io->mismatch_off = off;
	}
	free(want);
}

/* ---- start / stop ------------------------------------------------------------ */

static int start_in_guest(void *arg)
{
	const struct gk_disk_config *cfg = arg;
	if (cfg->storvsc && !gd_storvsc) {
		struct storvsc_config sc = { .subchannels = -1 };
		int rc = storvsc_init(&sc);
		if (rc)
			return rc;
		gd_storvsc = true;
	}
	return 0;
}

int gk_guest_disk_start(struct gk_runtime *rt, const struct gk_disk_config *cfg)
{
	return gk_runtime_call(rt, start_in_guest, (void *)cfg);
}

static int probe_in_guest(void *arg)
{
	int *result = arg;
	*result = gd_ata ? 0 : ata_disk_attach(&gd_ata);
	return 0;
}

int gk_guest_disk_probe_ata(struct gk_runtime *rt, int *result)
{
	return gk_runtime_call(rt, probe_in_guest, result);
}

static int stop_in_guest(void *arg)
{
	(void)arg;
	ata_disk_free(gd_ata);
	gd_ata = NULL;
	if (gd_storvsc)
		storvsc_fini();
	gd_storvsc = false;
	return 0;
}

int gk_guest_disk_stop(struct gk_runtime *rt)
{
	return gk_runtime_call(rt, stop_in_guest, NULL);
}

/* ---- list ------------------------------------------------------------------------ */

struct list_call {
	struct gk_disk_info *out;
	unsigned cap, n;
};

static int list_in_guest(void *arg)
{
	struct list_call *c = arg;
	c->n = 0;
	unsigned nd = gd_storvsc ? storvsc_disk_count() : 0;
	for (unsigned i = 0; i < nd && c->n < c->cap; i++) {
		struct storvsc_disk *d = storvsc_disk_get(i);
		struct storvsc_disk_info in;
		if (!d)
			continue;
		if (storvsc_disk_info(d, &in) == 0 && !in.gone) {
			struct gk_disk_info *o = &c->out[c->n++];
			memset(o, 0, sizeof *o);
			snprintf(o->name, sizeof o->name, "%s", in.name);
			snprintf(o->driver, sizeof o->driver, "storvsc");
			o->nblocks = in.nblocks;
			o->block_size = in.block_size;
			o->read_only = in.read_only;
			o->wce = in.wce;
			o->fua = in.fua;
			o->can_unmap = in.can_unmap;
			o->target = in.target;
			o->lun = in.lun;
			snprintf(o->serial, sizeof o->serial, "%s", in.serial);
		}
		storvsc_disk_put(d);
	}
	if (gd_ata && c->n < c->cap) {
		struct gk_disk_info *o = &c->out[c->n++];
		memset(o, 0, sizeof *o);
		snprintf(o->name, sizeof o->name, "ada0");
		snprintf(o->driver, sizeof o->driver, "ata");
		o->nblocks = ata_disk_sectors(gd_ata);
		o->block_size = 512;
		o->wce = true;
		snprintf(o->serial, sizeof o->serial, "%s", ata_disk_serial(gd_ata));
	}
	return 0;
}

int gk_guest_disk_list(struct gk_runtime *rt, struct gk_disk_info *out, unsigned cap,
		       unsigned *n)
{
	struct list_call c = { .out = out, .cap = cap };
	int rc = gk_runtime_call(rt, list_in_guest, &c);
	*n = c.n;
	return rc;
}

/* ---- I/O --------------------------------------------------------------------------- */

static void ata_done(void *arg, int err)
{
	*(int *)arg = err;
}

static int ata_io(struct gk_disk_io *io, uint8_t *buf)
{
	int err = 0;
	if (io->op == GK_DISK_FLUSH) {
		int rc = ata_disk_flush(gd_ata, ata_done, &err);
		return rc ? rc : err;
	}
	if (io->op == GK_DISK_UNMAP)
		return -EOPNOTSUPP;
	for (uint32_t done = 0; done < io->blocks;) {
		uint32_t n = io->blocks - done < GD_ATA_CHUNK ? io->blocks - done : GD_ATA_CHUNK;
		uint8_t *p = buf + (size_t)done * 512;
		int rc = io->op == GK_DISK_READ
			? ata_disk_read(gd_ata, io->lba + done, n, p, ata_done, &err)
			: ata_disk_write(gd_ata, io->lba + done, n, p, ata_done, &err);
		if (rc || err)
			return rc ? rc : err;
		done += n;
	}
	/* PIO has no FUA: a forced-unit-access write is a write and a flush. */
	if (io->op == GK_DISK_WRITE && io->fua) {
		int rc = ata_disk_flush(gd_ata, ata_done, &err);
		return rc ? rc : err;
	}
	return 0;
}

static int storvsc_io(struct storvsc_disk *d, struct gk_disk_io *io, uint8_t *buf)
{
	static const enum storvsc_op ops[] = {
		[GK_DISK_READ] = STORVSC_OP_READ, [GK_DISK_WRITE] = STORVSC_OP_WRITE,
		[GK_DISK_FLUSH] = STORVSC_OP_FLUSH, [GK_DISK_UNMAP] = STORVSC_OP_UNMAP,
	};
	struct storvsc_bio b = {
		.op = ops[io->op], .lba = io->lba,
		.nblocks = io->op == GK_DISK_FLUSH ? 0 : io->blocks,
		.buf = io->op == GK_DISK_READ || io->op == GK_DISK_WRITE ? buf : NULL,
		.fua = io->fua,
	};
	int rc = storvsc_disk_sync(d, &b, 0);
	io->sense_key = b.sense_key;
	io->asc = b.asc;
	io->ascq = b.ascq;
	return rc;
}

static int io_in_guest(void *arg)
{
	struct gk_disk_io *io = arg;
	struct storvsc_disk *d = NULL;
	uint32_t bsize;
	if (gd_ata && strcmp(io->disk, "ada0") == 0) {
		bsize = 512;
	} else {
		d = gd_storvsc ? storvsc_disk_find(io->disk) : NULL;
		struct storvsc_disk_info in;
		if (!d || storvsc_disk_info(d, &in) != 0) {
			storvsc_disk_put(d);
			return -ENOENT;
		}
		bsize = in.block_size;
	}
	uint8_t *buf = NULL;
	bool data = io->op == GK_DISK_READ || io->op == GK_DISK_WRITE;
	if (data) {
		if (!io->blocks || (uint64_t)io->blocks * bsize > GK_DISK_IO_MAX) {
			io->result = -EINVAL;
			storvsc_disk_put(d);
			return 0;
		}
		buf = malloc((size_t)io->blocks * bsize);
		if (!buf) {
			storvsc_disk_put(d);
			return -ENOMEM;
		}
		if (io->op == GK_DISK_WRITE)
			fill_pattern(buf, io->seed, io->lba, io->blocks, bsize);
	}
	io->result = d ? storvsc_io(d, io, buf) : ata_io(io, buf);
	if (!io->result && io->op == GK_DISK_READ && io->verify)
		check_pattern(io, buf, bsize);
	free(buf);
	storvsc_disk_put(d);
	return 0;
}

int gk_guest_disk_io(struct gk_runtime *rt, struct gk_disk_io *io)
{
	io->result = 0;
	io->mismatch = false;
	io->sense_key = io->asc = io->ascq = 0;
	return gk_runtime_call(rt, io_in_guest, io);
}
