/* nbd_export_disk.c -- disks for the NBD export: a memory disk and the guest ata driver's disk. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "guest_drivers/ata/ata_drv.h"
#include "sim/guest/nbd_export.h"

/* ---- memory disk (completes inside the call) ------------------------------------- */

struct mdisk { uint8_t *data; uint64_t size; };

static int mem_read(void *ctx, uint64_t off, uint32_t len, void *buf, nbd_done_fn *done, void *arg)
{
	struct mdisk *m = ctx;
	memcpy(buf, m->data + off, len);
	done(arg, 0);
	return 0;
}

static int mem_write(void *ctx, uint64_t off, uint32_t len, const void *buf, bool fua,
		     nbd_done_fn *done, void *arg)
{
	(void)fua;
	struct mdisk *m = ctx;
	memcpy(m->data + off, buf, len);
	done(arg, 0);
	return 0;
}

static int mem_flush(void *ctx, nbd_done_fn *done, void *arg)
{
	(void)ctx;
	done(arg, 0);
	return 0;
}

static int mem_trim(void *ctx, uint64_t off, uint64_t len, nbd_done_fn *done, void *arg)
{
	struct mdisk *m = ctx;
	memset(m->data + off, 0, len);
	done(arg, 0);
	return 0;
}

static void mem_release(void *ctx)
{
	struct mdisk *m = ctx;
	free(m->data);
	free(m);
}

static const struct nbd_disk_ops mem_ops = {
	.read = mem_read, .write = mem_write, .flush = mem_flush, .trim = mem_trim,
	.release = mem_release,
};

int nbd_disk_mem(uint64_t size, uint32_t sector, struct nbd_disk *out)
{
	if ((sector != 512 && sector != 4096) || size == 0 || size % sector || size > (1ull << 34))
		return -EINVAL;
	struct mdisk *m = calloc(1, sizeof *m);
	if (!m)
		return -ENOMEM;
	m->data = calloc(1, size);
	if (!m->data) {
		free(m);
		return -ENOMEM;
	}
	m->size = size;
	*out = (struct nbd_disk){ .ops = &mem_ops, .ctx = m, .size = size, .sector = sector,
				  .fua = true };
	return 0;
}

/* ---- the guest ata driver's disk (PIO: completes inside the call) ------------------ */

static int ata_read_op(void *ctx, uint64_t off, uint32_t len, void *buf, nbd_done_fn *done, void *arg)
{
	return ata_disk_read(ctx, off / 512, len / 512, buf, done, arg);
}

static int ata_write_op(void *ctx, uint64_t off, uint32_t len, const void *buf, bool fua,
			nbd_done_fn *done, void *arg)
{
	(void)fua;   /* not offered: the export follows a FUA write with a flush */
	return ata_disk_write(ctx, off / 512, len / 512, buf, done, arg);
}

static int ata_flush_op(void *ctx, nbd_done_fn *done, void *arg)
{
	return ata_disk_flush(ctx, done, arg);
}

static const struct nbd_disk_ops ata_ops = {
	.read = ata_read_op, .write = ata_write_op, .flush = ata_flush_op,
};

int nbd_disk_ata(struct ata_disk *d, struct nbd_disk *out)
{
	if (!d || !out || ata_disk_sectors(d) == 0)
		return -EINVAL;
	*out = (struct nbd_disk){ .ops = &ata_ops, .ctx = d, .size = ata_disk_sectors(d) * 512,
				  .sector = 512 };
	return 0;
}
