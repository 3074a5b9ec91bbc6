/* ata.c -- emulated ATA disk: register file, PIO data phases, commands over a struct blk. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "sim/devices/ata/ata_var.h"
#include "sim/hostd/partition.h"

static long ata_fail_countdown = -1;

void ata_alloc_fail_after(long n)
{
	ata_fail_countdown = n < 0 ? -1 : n;
}

static void *ata_zalloc(size_t size)
{
	if (ata_fail_countdown == 0)
		return NULL;
	if (ata_fail_countdown > 0)
		ata_fail_countdown--;
	return calloc(1, size);
}

static void ata_set_state(struct ata_dev *d, enum ata_state s)
{
	d->ad_state = s;
}

/* Power-on / soft reset: the ATA device signature (count 1, LBA 0x000001, ATA disk). */
static void ata_reset_regs(struct ata_dev *d)
{
	memset(d->ad_feature, 0, sizeof d->ad_feature);
	d->ad_nsect[0] = d->ad_lbal[0] = 1;
	d->ad_nsect[1] = d->ad_lbal[1] = 0;
	memset(d->ad_lbam, 0, sizeof d->ad_lbam);
	memset(d->ad_lbah, 0, sizeof d->ad_lbah);
	d->ad_device = ATA_DEV_OBS;
	d->ad_error = 0x01;                        /* diagnostics passed */
	d->ad_status_err = 0;
	d->ad_cmd = 0;
	d->ad_remaining = d->ad_chunk = d->ad_pos = 0;
	ata_set_state(d, ATA_S_IDLE);
}

static uint8_t ata_status(const struct ata_dev *d)
{
	switch (d->ad_state) {
	case ATA_S_BUSY:
	case ATA_S_RESET:
		return ATA_ST_BSY;
	case ATA_S_DRQ_IN:
	case ATA_S_DRQ_OUT:
		return ATA_ST_DRDY | ATA_ST_DSC | ATA_ST_DRQ;
	case ATA_S_IDLE:
		break;
	}
	return ATA_ST_DRDY | ATA_ST_DSC | d->ad_status_err;
}

static void ata_finish(struct ata_dev *d, uint8_t error)
{
	d->ad_error = error;
	d->ad_status_err = error ? ATA_ST_ERR : 0;
	if (error)
		d->ad_st.aborted++;
	d->ad_remaining = d->ad_chunk = d->ad_pos = 0;
	ata_set_state(d, ATA_S_IDLE);
}

static void ata_io_done(struct blk_req *r, int err);

static void ata_submit(struct ata_dev *d, enum blk_op op, uint64_t lba, uint32_t nsec)
{
	struct blk_req *r = &d->ad_req;
	memset(r, 0, sizeof *r);
	r->op = op;
	if (op != BLK_OP_FLUSH) {
		r->offset = lba * ATA_SECTOR;
		r->len = (uint64_t)nsec * ATA_SECTOR;
		d->ad_iov.iov_base = d->ad_buf;
		d->ad_iov.iov_len = r->len;
		r->iov = &d->ad_iov;
		r->iovcnt = 1;
	}
	r->done = ata_io_done;
	r->arg = d;
	ata_set_state(d, ATA_S_BUSY);
	d->ad_io_busy = true;
	int err = blk_submit(d->ad_blk, r);
	if (err) {
		d->ad_io_busy = false;
		d->ad_st.io_errors++;
		ata_finish(d, ATA_ER_ABRT);
	}
}

static void ata_read_chunk(struct ata_dev *d)
{
	d->ad_chunk = d->ad_remaining < ATA_CHUNK_SECTORS ? d->ad_remaining : ATA_CHUNK_SECTORS;
	d->ad_pos = 0;
	ata_submit(d, BLK_OP_READ, d->ad_lba, d->ad_chunk);
}

static void ata_write_chunk_begin(struct ata_dev *d)
{
	d->ad_chunk = d->ad_remaining < ATA_CHUNK_SECTORS ? d->ad_remaining : ATA_CHUNK_SECTORS;
	d->ad_pos = 0;
	ata_set_state(d, ATA_S_DRQ_OUT);
}

static void ata_do_reset(struct ata_dev *d)
{
	d->ad_reset_pending = false;
	ata_reset_regs(d);
}

static void ata_io_done(struct blk_req *r, int err)
{
	struct ata_dev *d = r->arg;
	d->ad_io_busy = false;
	if (d->ad_reset_pending || d->ad_state == ATA_S_RESET) {
		/* a soft reset came while the disk worked: the result is dropped */
		if (d->ad_reset_pending)
			ata_do_reset(d);
		return;
	}
	if (err) {
		d->ad_st.io_errors++;
		ata_finish(d, r->op == BLK_OP_READ ? ATA_ER_UNC : ATA_ER_ABRT);
		return;
	}
	switch (r->op) {
	case BLK_OP_READ:
		d->ad_st.sectors_read += d->ad_chunk;
		ata_set_state(d, ATA_S_DRQ_IN);
		break;
	case BLK_OP_WRITE:
		d->ad_st.sectors_written += d->ad_chunk;
		d->ad_lba += d->ad_chunk;
		d->ad_remaining -= d->ad_chunk;
		if (d->ad_remaining)
			ata_write_chunk_begin(d);
		else
			ata_finish(d, 0);
		break;
	default:
		d->ad_st.flushes++;
		ata_finish(d, 0);
		break;
	}
}

void ata_poll(struct ata_dev *d)
{
	if (d->ad_io_busy)
		blk_poll(d->ad_blk);
}

/* The address and count of a READ/WRITE/VERIFY, LBA28 or LBA48. */
static int ata_rw_args(struct ata_dev *d, bool ext, uint64_t *lba, uint32_t *count)
{
	if (ext) {
		*lba = (uint64_t)d->ad_lbal[0] | (uint64_t)d->ad_lbam[0] << 8 |
		       (uint64_t)d->ad_lbah[0] << 16 | (uint64_t)d->ad_lbal[1] << 24 |
		       (uint64_t)d->ad_lbam[1] << 32 | (uint64_t)d->ad_lbah[1] << 40;
		*count = (uint32_t)d->ad_nsect[1] << 8 | d->ad_nsect[0];
		if (*count == 0)
			*count = 65536;
	} else {
		if (!(d->ad_device & ATA_DEV_LBA))
			return -EINVAL;            /* CHS addressing is not offered */
		*lba = (uint64_t)d->ad_lbal[0] | (uint64_t)d->ad_lbam[0] << 8 |
		       (uint64_t)d->ad_lbah[0] << 16 | (uint64_t)(d->ad_device & 0x0F) << 24;
		*count = d->ad_nsect[0] ? d->ad_nsect[0] : 256;
	}
	if (!(*lba <= d->ad_nsec && *count <= d->ad_nsec - *lba))
		return -ERANGE;
	return 0;
}

static void ata_command(struct ata_dev *d, uint8_t cmd)
{
	uint64_t lba;
	uint32_t count;
	int err;

	/* A command while the disk works is ignored (the guest broke the protocol). */
	if (d->ad_state == ATA_S_BUSY || d->ad_state == ATA_S_RESET || d->ad_io_busy)
		return;
	if (d->ad_device & ATA_DEV_DEV)
		return;                            /* no device 1 */
	d->ad_st.commands++;
	d->ad_cmd = cmd;
	d->ad_error = 0;
	d->ad_status_err = 0;
	bool ext = false;
	switch (cmd) {
	case ATA_CMD_IDENTIFY: {
		uint16_t id[ATA_ID_WORDS];
		ata_identify_fill(d, id);
		for (unsigned i = 0; i < ATA_ID_WORDS; i++) {
			d->ad_buf[2 * i] = (uint8_t)id[i];
			d->ad_buf[2 * i + 1] = (uint8_t)(id[i] >> 8);
		}
		d->ad_remaining = d->ad_chunk = 1;
		d->ad_pos = 0;
		ata_set_state(d, ATA_S_DRQ_IN);
		return;
	}
	case ATA_CMD_READ_SECTORS_EXT:
		ext = true;
		/* fall through */
	case ATA_CMD_READ_SECTORS:
	case ATA_CMD_READ_SECTORS_NR:
		err = ata_rw_args(d, ext, &lba, &count);
		if (err) {
			ata_finish(d, err == -ERANGE ? ATA_ER_IDNF : ATA_ER_ABRT);
			return;
		}
		d->ad_lba = lba;
		d->ad_remaining = count;
		ata_read_chunk(d);
		return;
	case ATA_CMD_WRITE_SECTORS_EXT:
		ext = true;
		/* fall through */
	case ATA_CMD_WRITE_SECTORS:
	case ATA_CMD_WRITE_SECTORS_NR: {
		struct blk_info in;
		blk_get_info(d->ad_blk, &in);
		err = ata_rw_args(d, ext, &lba, &count);
		if (err || in.read_only) {
			ata_finish(d, err == -ERANGE ? ATA_ER_IDNF : ATA_ER_ABRT);
			return;
		}
		d->ad_lba = lba;
		d->ad_remaining = count;
		ata_write_chunk_begin(d);
		return;
	}
	case ATA_CMD_VERIFY_EXT:
		ext = true;
		/* fall through */
	case ATA_CMD_VERIFY:
		err = ata_rw_args(d, ext, &lba, &count);
		ata_finish(d, err == -ERANGE ? ATA_ER_IDNF : err ? ATA_ER_ABRT : 0);
		return;
	case ATA_CMD_FLUSH_CACHE:
	case ATA_CMD_FLUSH_CACHE_EXT:
		ata_submit(d, BLK_OP_FLUSH, 0, 0);
		return;
	case ATA_CMD_SET_FEATURES:
		switch (d->ad_feature[0]) {
		case ATA_SF_ENABLE_WCACHE:
		case ATA_SF_DISABLE_WCACHE:
			err = blk_set_wce(d->ad_blk, d->ad_feature[0] == ATA_SF_ENABLE_WCACHE);
			ata_finish(d, err ? ATA_ER_ABRT : 0);
			return;
		case ATA_SF_XFER_MODE:
			ata_finish(d, 0);
			return;
		default:
			ata_finish(d, ATA_ER_ABRT);
			return;
		}
	case ATA_CMD_INIT_DEV_PARAMS:
	case ATA_CMD_STANDBY_IMM:
	case ATA_CMD_IDLE_IMM:
		ata_finish(d, 0);
		return;
	case ATA_CMD_CHECK_POWER:
		ata_finish(d, 0);
		d->ad_nsect[0] = 0xFF;                 /* active or idle */
		return;
	default:
		/* IDENTIFY PACKET, PACKET, MULTIPLE, DMA, ...: an ATA disk aborts */
		ata_finish(d, ATA_ER_ABRT);
		return;
	}
}

/* One 16-bit word through the data port. */
static uint16_t ata_data_in(struct ata_dev *d)
{
	if (d->ad_state != ATA_S_DRQ_IN)
		return 0xFFFF;
	uint16_t w = (uint16_t)(d->ad_buf[d->ad_pos] | d->ad_buf[d->ad_pos + 1] << 8);
	d->ad_pos += 2;
	if (d->ad_pos < d->ad_chunk * ATA_SECTOR)
		return w;
	if (d->ad_cmd == ATA_CMD_IDENTIFY) {
		ata_finish(d, 0);
		return w;
	}
	d->ad_lba += d->ad_chunk;
	d->ad_remaining -= d->ad_chunk;
	if (d->ad_remaining)
		ata_read_chunk(d);
	else
		ata_finish(d, 0);
	return w;
}

static void ata_data_out(struct ata_dev *d, uint16_t w)
{
	if (d->ad_state != ATA_S_DRQ_OUT)
		return;
	d->ad_buf[d->ad_pos] = (uint8_t)w;
	d->ad_buf[d->ad_pos + 1] = (uint8_t)(w >> 8);
	d->ad_pos += 2;
	if (d->ad_pos == d->ad_chunk * ATA_SECTOR)
		ata_submit(d, BLK_OP_WRITE, d->ad_lba, d->ad_chunk);
}

static uint8_t ata_taskfile_read(const struct ata_dev *d, unsigned reg)
{
	unsigned h = d->ad_devctl & ATA_CTL_HOB ? 1 : 0;
	switch (reg) {
	case ATA_REG_ERROR:  return d->ad_error;
	case ATA_REG_NSECT:  return d->ad_nsect[h];
	case ATA_REG_LBAL:   return d->ad_lbal[h];
	case ATA_REG_LBAM:   return d->ad_lbam[h];
	case ATA_REG_LBAH:   return d->ad_lbah[h];
	case ATA_REG_DEVICE: return d->ad_device;
	default:             return 0xFF;
	}
}

static void push(uint8_t r[2], uint8_t v)
{
	r[1] = r[0];
	r[0] = v;
}

uint32_t ata_pio_read(struct ata_dev *d, uint16_t port, unsigned size)
{
	d->ad_st.pio_accesses++;
	if (port == ATA_PRI_CTL) {
		ata_poll(d);
		return (d->ad_device & ATA_DEV_DEV) ? 0 : ata_status(d);
	}
	if (port < ATA_PRI_CMD_BASE || port > ATA_PRI_CMD_BASE + ATA_REG_STATUS)
		return 0xFFFFFFFFu;
	unsigned reg = port - ATA_PRI_CMD_BASE;
	if (reg == ATA_REG_DATA) {
		if (d->ad_device & ATA_DEV_DEV)
			return 0xFFFFFFFFu;
		uint32_t v = ata_data_in(d);
		if (size == 4)
			v |= (uint32_t)ata_data_in(d) << 16;
		return v;
	}
	if (reg == ATA_REG_STATUS) {
		ata_poll(d);
		/* no device 1: the bus reads 0 for its status */
		return (d->ad_device & ATA_DEV_DEV) ? 0 : ata_status(d);
	}
	return ata_taskfile_read(d, reg);
}

void ata_pio_write(struct ata_dev *d, uint16_t port, unsigned size, uint32_t val)
{
	d->ad_st.pio_accesses++;
	if (port == ATA_PRI_CTL) {
		uint8_t old = d->ad_devctl;
		d->ad_devctl = (uint8_t)val;
		if ((val & ATA_CTL_SRST) && !(old & ATA_CTL_SRST)) {
			ata_set_state(d, ATA_S_RESET);
		} else if (!(val & ATA_CTL_SRST) && (old & ATA_CTL_SRST)) {
			if (d->ad_io_busy)
				d->ad_reset_pending = true;   /* finishes when the I/O returns */
			else
				ata_do_reset(d);
		}
		return;
	}
	if (port < ATA_PRI_CMD_BASE || port > ATA_PRI_CMD_BASE + ATA_REG_CMD)
		return;
	unsigned reg = port - ATA_PRI_CMD_BASE;
	if (reg == ATA_REG_DATA) {
		if (d->ad_device & ATA_DEV_DEV)
			return;
		ata_data_out(d, (uint16_t)val);
		if (size == 4)
			ata_data_out(d, (uint16_t)(val >> 16));
		return;
	}
	/* Task-file writes are ignored while busy; any of them clears HOB. */
	if (d->ad_state == ATA_S_BUSY || d->ad_state == ATA_S_RESET)
		return;
	d->ad_devctl &= (uint8_t)~ATA_CTL_HOB;
	uint8_t v = (uint8_t)val;
	switch (reg) {
	case ATA_REG_FEATURE: push(d->ad_feature, v); break;
	case ATA_REG_NSECT:   push(d->ad_nsect, v); break;
	case ATA_REG_LBAL:    push(d->ad_lbal, v); break;
	case ATA_REG_LBAM:    push(d->ad_lbam, v); break;
	case ATA_REG_LBAH:    push(d->ad_lbah, v); break;
	case ATA_REG_DEVICE:  d->ad_device = v; break;
	case ATA_REG_CMD:     ata_command(d, v); break;
	}
}

void ata_get_stats(const struct ata_dev *d, struct ata_stats *out)
{
	*out = d->ad_st;
}

int ata_create(struct blk *disk, const struct ata_config *cfg, struct ata_dev **out)
{
	struct blk_info in;
	if (!disk || !out)
		return -EINVAL;
	blk_get_info(disk, &in);
	if (in.sector != ATA_SECTOR)
		return -EINVAL;
	struct ata_dev *d = ata_zalloc(sizeof *d);
	if (!d)
		return -ENOMEM;
	d->ad_buf = ata_zalloc(ATA_CHUNK_SECTORS * ATA_SECTOR);
	if (!d->ad_buf) {
		free(d);
		return -ENOMEM;
	}
	d->ad_blk = disk;
	d->ad_nsec = in.size / ATA_SECTOR;
	const char *serial = cfg && cfg->serial ? cfg->serial : "HVSIM-ATA-0";
	const char *model = cfg && cfg->model ? cfg->model : "Virtual HD";
	strncpy(d->ad_serial, serial, sizeof d->ad_serial - 1);
	strncpy(d->ad_model, model, sizeof d->ad_model - 1);
	ata_reset_regs(d);
	*out = d;
	return 0;
}

static uint32_t ata_trap_read(void *arg, uint16_t port, unsigned size)
{
	return ata_pio_read(arg, port, size);
}

static void ata_trap_write(void *arg, uint16_t port, unsigned size, uint32_t val)
{
	ata_pio_write(arg, port, size, val);
}

static const struct part_pio_ops ata_pio_ops = { ata_trap_read, ata_trap_write };

int ata_attach(struct ata_dev *d, struct part *p)
{
	if (d->ad_part)
		return -EBUSY;
	int err = part_pio_register(p, ATA_PRI_CMD_BASE, 8, &ata_pio_ops, d);
	if (err)
		return err;
	err = part_pio_register(p, ATA_PRI_CTL, 1, &ata_pio_ops, d);
	if (err) {
		part_pio_unregister(p, ATA_PRI_CMD_BASE);
		return err;
	}
	d->ad_part = p;
	return 0;
}

void ata_destroy(struct ata_dev *d)
{
	if (!d)
		return;
	if (d->ad_part) {
		part_pio_unregister(d->ad_part, ATA_PRI_CMD_BASE);
		part_pio_unregister(d->ad_part, ATA_PRI_CTL);
	}
	/* The request and its buffer are ours: wait until the disk gives them back. */
	while (d->ad_io_busy) {
		struct pollfd pf = { .fd = blk_event_fd(d->ad_blk), .events = POLLIN };
		if (pf.fd >= 0)
			poll(&pf, 1, 100);
		blk_poll(d->ad_blk);
	}
	free(d->ad_buf);
	free(d);
}
