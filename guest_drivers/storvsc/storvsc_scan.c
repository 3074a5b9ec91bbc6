/* storvsc_scan.c -- finding the disks: REPORT LUNS per target (sequential
 * probing when the host does not support it), standard INQUIRY with the
 * peripheral qualifier checked (phantom LUNs of some hosts are not disks),
 * READ CAPACITY(16) with a (10) fallback, MODE SENSE for write protect and
 * caching; a disk object per LUN named in scan order, kept across rescans
 * (ENUMERATE_BUS, REMOVE_DEVICE, unit attentions), removed when its LUN
 * goes. */
#include <stdio.h>
#include <string.h>

#include "guest_drivers/ata/ata_drv.h"
#include "guest_drivers/storvsc/storvsc_var.h"
#include "hyperv/scsi.h"

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const uint8_t *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

static bool srb_no_lun(uint8_t srb)
{
	srb &= VSTOR_SRB_STATUS_MASK;
	return srb == VSTOR_SRB_STATUS_INVALID_LUN || srb == VSTOR_SRB_STATUS_INVALID_TARGET_ID ||
	       srb == VSTOR_SRB_STATUS_NO_DEVICE || srb == VSTOR_SRB_STATUS_SELECTION_TIMEOUT ||
	       srb == VSTOR_SRB_STATUS_INVALID_PATH_ID;
}

static bool cmd_good(const struct stv_cmd *cmd)
{
	uint8_t srb = cmd->srb_status & VSTOR_SRB_STATUS_MASK;
	return !cmd->err && cmd->scsi_status == SCSI_STATUS_GOOD &&
	       (srb == VSTOR_SRB_STATUS_SUCCESS || srb == VSTOR_SRB_STATUS_DATA_OVERRUN);
}

/* Run a command at (target, lun) reading up to len bytes into buf.
 * 0 (look at cmd), or -ENODEV / -ENOMEM when the controller cannot run it. */
static int run(struct stv_ctrl *c, struct stv_cmd *cmd, uint8_t target, uint8_t lun,
	       const uint8_t *cdb, uint8_t cdb_len, void *buf, uint32_t len)
{
	memset(cmd, 0, sizeof *cmd);
	cmd->path = 0;
	cmd->target = target;
	cmd->lun = lun;
	memcpy(cmd->cdb, cdb, cdb_len);
	cmd->cdb_len = cdb_len;
	cmd->data_in = VSTOR_DATA_READ;
	cmd->buf = buf;
	cmd->len = len;
	int rc = stv_cmd_run(c, cmd);
	if (rc)
		return rc;
	if (cmd->err == -ENODEV)
		return -ENODEV;
	return 0;
}

/* ---- REPORT LUNS -------------------------------------------------------------------- */

/* LUNs of target t into luns[] (sorted, unique, < STV_MAX_LUNS): count,
 * -EOPNOTSUPP (probe sequentially), -ENODEV. */
static int report_luns(struct stv_ctrl *c, uint8_t t, uint16_t *luns)
{
	enum { ALLOC = SCSI_RL_HDR_SIZE + SCSI_RL_ENTRY_SIZE * STV_REPORT_LUNS_MAX };
	uint8_t *buf = kern_zalloc(ALLOC);
	if (!buf)
		return -ENOMEM;
	uint8_t cdb[12] = { SCSI_OP_REPORT_LUNS };
	cdb[SCSI_RL_OFF_ALLOC] = (uint8_t)(ALLOC >> 24);
	cdb[SCSI_RL_OFF_ALLOC + 1] = (uint8_t)(ALLOC >> 16);
	cdb[SCSI_RL_OFF_ALLOC + 2] = (uint8_t)(ALLOC >> 8);
	cdb[SCSI_RL_OFF_ALLOC + 3] = (uint8_t)ALLOC;
	struct stv_cmd cmd;
	int rc = run(c, &cmd, t, 0, cdb, SCSI_CDB12_LEN, buf, ALLOC);
	if (rc)
		goto out;
	if (srb_no_lun(cmd.srb_status)) {
		rc = 0;           /* no such target */
		goto out;
	}
	if (!cmd_good(&cmd) || cmd.xfer < SCSI_RL_HDR_SIZE) {
		rc = -EOPNOTSUPP;
		goto out;
	}
	/* Trust the smallest of: the list length, the bytes moved, our buffer. */
	uint32_t n = be32(buf) / SCSI_RL_ENTRY_SIZE;
	uint32_t have = (cmd.xfer - SCSI_RL_HDR_SIZE) / SCSI_RL_ENTRY_SIZE;
	if (n > have)
		n = have;
	int cnt = 0;
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *e = buf + SCSI_RL_HDR_SIZE + SCSI_RL_ENTRY_SIZE * i;
		uint32_t lun;
		if ((e[0] >> 6) == 0 && (e[0] & 0x3Fu) == 0)
			lun = e[1];                                  /* peripheral, bus 0 */
		else if ((e[0] >> 6) == 1)
			lun = ((uint32_t)(e[0] & 0x3Fu) << 8) | e[1]; /* flat space */
		else
			continue;
		if (lun >= STV_MAX_LUNS)
			continue;
		/* insert sorted, unique */
		int j = cnt;
		bool dup = false;
		for (int k = 0; k < cnt; k++)
			if (luns[k] == lun)
				dup = true;
		if (dup)
			continue;
		while (j > 0 && luns[j - 1] > lun) {
			luns[j] = luns[j - 1];
			j--;
		}
		luns[j] = (uint16_t)lun;
		cnt++;
	}
	rc = cnt;
out:
	kern_free(buf);
	return rc;
}

/* ---- one LUN ---------------------------------------------------------------------------- */

static void ascii(char *dst, const uint8_t *src, unsigned n)
{
	unsigned k = 0;
	for (unsigned i = 0; i < n; i++)
		dst[k++] = (src[i] >= 0x20 && src[i] < 0x7F) ? (char)src[i] : ' ';
	while (k > 0 && dst[k - 1] == ' ')
		k--;
	dst[k] = '\0';
}

/* Probe (t, lun): 1 and *info filled when a disk is there, 0 when not,
 * -ENODEV / -ENOMEM. */
static int probe_lun(struct stv_ctrl *c, uint8_t t, uint8_t lun, struct storvsc_disk_info *info)
{
	uint8_t buf[64];
	struct stv_cmd cmd;
	memset(info, 0, sizeof *info);
	memset(buf, 0, sizeof buf);
	uint8_t inq[6] = { SCSI_OP_INQUIRY, 0, 0, 0, SCSI_INQ_STD_SIZE, 0 };
	int rc = run(c, &cmd, t, lun, inq, SCSI_CDB6_LEN, buf, SCSI_INQ_STD_SIZE);
	if (rc)
		return rc;
	if (srb_no_lun(cmd.srb_status) || !cmd_good(&cmd) || cmd.xfer < 1)
		return 0;
	/* NOTE ws2016 and later: INQUIRY of an empty slot is GOOD with byte 0
	 * 0x7F (PQ 3, type 0x1F); 2012 R2 sends 0x7F too.  Only PQ 0 with a
	 * known type is a device (FreeBSD's check; Linux's midlayer alike). */
	uint8_t pq = buf[0] & 0xE0u, type = buf[0] & 0x1Fu;
	if (pq != SCSI_PQ_CONNECTED || type == SCSI_TYPE_UNKNOWN) {
		kern_log(KERN_DEBUG, "storvsc", "%s: %u:%u not present (%#x)", c->name, t, lun, buf[0]);
		return 0;
	}
	if (type != SCSI_TYPE_DISK) {
		kern_log(KERN_INFO, "storvsc", "%s: %u:%u is type %#x, not a disk", c->name, t, lun, type);
		return 0;
	}
	if (cmd.xfer >= SCSI_INQ_STD_SIZE) {
		ascii(info->vendor, buf + 8, 8);
		ascii(info->product, buf + 16, 16);
		ascii(info->revision, buf + 32, 4);
	}
	/* VPD 0x80: the unit serial, which names the disk to the priority
	 * registry (the emulated ATA disk over the same image reports it in
	 * IDENTIFY).  Optional: a LUN without one is still a disk. */
	memset(buf, 0, sizeof buf);
	uint8_t vpd[6] = { SCSI_OP_INQUIRY, SCSI_INQ_FLAG_EVPD, SCSI_VPD_SERIAL, 0, sizeof buf, 0 };
	rc = run(c, &cmd, t, lun, vpd, SCSI_CDB6_LEN, buf, sizeof buf);
	if (rc)
		return rc;
	if (cmd_good(&cmd) && cmd.xfer >= 4 && buf[1] == SCSI_VPD_SERIAL) {
		uint32_t n = buf[3];
		if (n > cmd.xfer - 4)
			n = cmd.xfer - 4;
		if (n > sizeof info->serial - 1)
			n = sizeof info->serial - 1;
		const uint8_t *sp = buf + 4;
		while (n && *sp == ' ') {
			sp++;
			n--;
		}
		ascii(info->serial, sp, n);
	}
	/* TEST UNIT READY clears a pending unit attention (retried below us). */
	uint8_t tur[6] = { SCSI_OP_TEST_UNIT_READY };
	rc = run(c, &cmd, t, lun, tur, SCSI_CDB6_LEN, NULL, 0);
	if (rc)
		return rc;
	if (srb_no_lun(cmd.srb_status))
		return 0;
	/* READ CAPACITY(16), else (10). */
	uint64_t last = 0;
	uint32_t bs = 0;
	bool have = false;
	memset(buf, 0, sizeof buf);
	uint8_t rc16[16] = { SCSI_OP_SERVICE_ACTION_IN_16, SCSI_SAI_READ_CAPACITY_16 };
	rc16[SCSI_RC16_OFF_ALLOC + 3] = SCSI_RC16_SIZE;
	rc = run(c, &cmd, t, lun, rc16, SCSI_CDB16_LEN, buf, SCSI_RC16_SIZE);
	if (rc)
		return rc;
	if (cmd_good(&cmd) && cmd.xfer >= 12) {
		last = be64(buf);
		bs = be32(buf + 8);
		info->can_unmap = cmd.xfer >= 15 && (buf[14] & SCSI_RC16_LBPME);
		have = true;
	} else {
		memset(buf, 0, sizeof buf);
		uint8_t rc10[10] = { SCSI_OP_READ_CAPACITY_10 };
		rc = run(c, &cmd, t, lun, rc10, SCSI_CDB10_LEN, buf, SCSI_RC10_SIZE);
		if (rc)
			return rc;
		if (cmd_good(&cmd) && cmd.xfer >= SCSI_RC10_SIZE && be32(buf) != SCSI_RC10_LBA_MAX) {
			last = be32(buf);
			bs = be32(buf + 4);
			have = true;
		}
	}
	if (!have || bs < 512 || bs > 65536 || (bs & (bs - 1)) || last == UINT64_MAX) {
		kern_log(KERN_WARN, "storvsc", "%s: %u:%u: no usable capacity", c->name, t, lun);
		return 0;
	}
	info->nblocks = last + 1;
	info->block_size = bs;
	/* MODE SENSE(6), caching page: write protect, DPOFUA, WCE.  A host
	 * that does not answer gets the safe guesses: cache on, no FUA. */
	info->wce = true;
	memset(buf, 0, sizeof buf);
	uint8_t ms[6] = { SCSI_OP_MODE_SENSE_6, 0, SCSI_MPAGE_CACHING, 0, 36, 0 };
	rc = run(c, &cmd, t, lun, ms, SCSI_CDB6_LEN, buf, 36);
	if (rc)
		return rc;
	if (cmd_good(&cmd) && cmd.xfer >= SCSI_MS6_HDR_SIZE) {
		info->read_only = buf[2] & SCSI_MS_DEVSPEC_WP;
		info->fua = buf[2] & SCSI_MS_DEVSPEC_DPOFUA;
		uint32_t pg = SCSI_MS6_HDR_SIZE + buf[3];
		if (pg + 3 <= cmd.xfer && (buf[pg] & SCSI_MS_PAGE_MASK) == SCSI_MPAGE_CACHING)
			info->wce = buf[pg + 2] & SCSI_CACHING_WCE;
	}
	info->path = 0;
	info->target = t;
	info->lun = lun;
	info->max_transfer = (c->max_xfer / bs) * bs;
	snprintf(info->controller, sizeof info->controller, "%s", c->name);
	return 1;
}

/* ---- disks --------------------------------------------------------------------------------- */

static void hook(struct storvsc_disk *d, bool added)
{
	if (stv_g.hook)
		stv_g.hook(stv_g.hook_arg, d, added);
}

/* A new disk for info on c: registered under the lowest free unit. */
static struct storvsc_disk *disk_add(struct stv_ctrl *c, const struct storvsc_disk_info *info)
{
	struct storvsc_disk *d = kern_zalloc(sizeof *d);
	if (!d)
		return NULL;
	kern_lock_acquire(stv_g.lock);
	int unit = -1;
	for (unsigned i = 0; i < STV_MAX_DISKS; i++)
		if (!stv_g.units[i]) {
			unit = (int)i;
			break;
		}
	if (unit < 0) {
		kern_lock_release(stv_g.lock);
		kern_free(d);
		return NULL;
	}
	d->d_refs = 1;  /* the registry's */
	d->d_unit = unit;
	snprintf(d->d_name, sizeof d->d_name, "da%d", unit);
	d->d_ctrl = c;
	d->d_info = *info;
	memcpy(d->d_info.name, d->d_name, sizeof d->d_info.name);
	d->d_seen = true;
	stv_g.units[unit] = d;
	struct storvsc_disk **pp = &c->disks;
	while (*pp)
		pp = &(*pp)->d_next;
	*pp = d;
	kern_lock_release(stv_g.lock);
	kern_log(KERN_INFO, "storvsc", "%s at %s target %u lun %u: %llu x %u bytes%s", d->d_name,
		 c->name, info->target, info->lun, (unsigned long long)info->nblocks,
		 info->block_size, info->read_only ? " (read-only)" : "");
	return d;
}

/* Unlink d (stv_g.lock held): no more I/O, unit free.  Returns the
 * registry's reference for the caller to drop after the hook. */
static void disk_unlink(struct stv_ctrl *c, struct storvsc_disk *d)
{
	struct storvsc_disk **pp = &c->disks;
	while (*pp && *pp != d)
		pp = &(*pp)->d_next;
	if (*pp)
		*pp = d->d_next;
	d->d_next = NULL;
	d->d_gone = true;
	d->d_info.gone = true;
	d->d_ctrl = NULL;
	if (stv_g.units[d->d_unit] == d)
		stv_g.units[d->d_unit] = NULL;
}

bool stv_dying(struct stv_ctrl *c)
{
	kern_lock_acquire(c->lock);
	bool dying = c->state == STV_ST_DYING;
	kern_lock_release(c->lock);
	return dying;
}

void stv_disks_gone(struct stv_ctrl *c)
{
	for (;;) {
		kern_lock_acquire(stv_g.lock);
		struct storvsc_disk *d = c->disks;
		if (d)
			disk_unlink(c, d);
		kern_lock_release(stv_g.lock);
		if (!d)
			break;
		kern_log(KERN_INFO, "storvsc", "%s detached", d->d_name);
		if (d->d_info.serial[0])
			ata_disk_unclaim(d->d_info.serial, "storvsc");
		hook(d, false);
		storvsc_disk_put(d);
	}
}

static struct storvsc_disk *disk_at(struct stv_ctrl *c, uint8_t t, uint8_t lun)
{
	for (struct storvsc_disk *d = c->disks; d; d = d->d_next)
		if (d->d_info.target == t && d->d_info.lun == lun)
			return d;
	return NULL;
}

/* One LUN seen in this pass. */
static int scan_one(struct stv_ctrl *c, uint8_t t, uint8_t lun)
{
	struct storvsc_disk_info info;
	int rc = probe_lun(c, t, lun, &info);
	if (rc <= 0)
		return rc;
	kern_lock_acquire(stv_g.lock);
	struct storvsc_disk *d = disk_at(c, t, lun);
	if (d && d->d_info.block_size == info.block_size) {
		d->d_seen = true;
		if (d->d_info.nblocks != info.nblocks)
			kern_log(KERN_INFO, "storvsc", "%s: capacity now %llu blocks", d->d_name,
				 (unsigned long long)info.nblocks);
		d->d_info.nblocks = info.nblocks;
		d->d_info.read_only = info.read_only;
		d->d_info.wce = info.wce;
		d->d_info.fua = info.fua;
		d->d_info.can_unmap = info.can_unmap;
		kern_lock_release(stv_g.lock);
		return 0;
	}
	kern_lock_release(stv_g.lock);
	/* Detach ran while probe_lun waited: a disk added now would outlive
	 * stv_disks_gone(). */
	if (stv_dying(c))
		return -ENODEV;
	/* New here (or a different block size: a different disk).  One disk,
	 * one driver: when another driver (the emulated ATA disk's, which the
	 * priority table let win) already owns this serial, leave it. */
	if (info.serial[0]) {
		const char *by = ata_disk_claimed_by(info.serial);
		if (by && strcmp(by, "storvsc")) {
			kern_log(KERN_INFO, "storvsc", "%s: %u:%u (serial %s) left to %s", c->name, t, lun,
				 info.serial, by);
			return 0;
		}
		if (ata_disk_claim(info.serial, "storvsc"))
			kern_log(KERN_WARN, "storvsc", "%s: %u:%u: serial %s not registered", c->name, t,
				 lun, info.serial);
	}
	d = disk_add(c, &info);
	if (!d) {
		if (info.serial[0])
			ata_disk_unclaim(info.serial, "storvsc");
		return -ENOMEM;
	}
	hook(d, true);
	return 0;
}

static int scan_pass(struct stv_ctrl *c)
{
	kern_lock_acquire(stv_g.lock);
	for (struct storvsc_disk *d = c->disks; d; d = d->d_next)
		d->d_seen = false;
	kern_lock_release(stv_g.lock);
	int rc = 0;
	uint16_t *luns = kern_malloc(sizeof *luns * STV_MAX_LUNS);
	if (!luns)
		return -ENOMEM;
	for (uint8_t t = 0; t < stv_g.cfg.max_targets && rc != -ENODEV; t++) {
		int n = stv_g.cfg.no_report_luns ? -EOPNOTSUPP : report_luns(c, t, luns);
		if (n == -EOPNOTSUPP) {
			n = (int)stv_g.cfg.max_luns;
			for (int i = 0; i < n; i++)
				luns[i] = (uint16_t)i;
		}
		if (n < 0) {
			rc = n;
			break;
		}
		for (int i = 0; i < n; i++) {
			int r = scan_one(c, t, (uint8_t)luns[i]);
			if (r == -ENODEV) {
				rc = r;
				break;
			}
		}
	}
	kern_free(luns);
	if (rc == -ENODEV || rc == -ENOMEM)
		return rc;   /* an incomplete pass removes nothing */
	/* Detached while this pass waited for the host: detach removed the
	 * disks and their hooks already. */
	if (stv_dying(c))
		return -ENODEV;
	/* Disks not seen this pass went away. */
	for (;;) {
		kern_lock_acquire(stv_g.lock);
		struct storvsc_disk *d = c->disks;
		while (d && d->d_seen)
			d = d->d_next;
		if (d)
			disk_unlink(c, d);
		kern_lock_release(stv_g.lock);
		if (!d)
			break;
		kern_log(KERN_INFO, "storvsc", "%s: LUN %u:%u gone", d->d_name, d->d_info.target,
			 d->d_info.lun);
		if (d->d_info.serial[0])
			ata_disk_unclaim(d->d_info.serial, "storvsc");
		hook(d, false);
		storvsc_disk_put(d);
	}
	return 0;
}

int stv_scan(struct stv_ctrl *c)
{
	stv_ctrl_hold(c);
	kern_lock_acquire(c->lock);
	if (c->scanning) {
		/* The scan under way (further up this stack, or on another
		 * vCPU) goes round again. */
		c->rescan_wanted = true;
		kern_lock_release(c->lock);
		stv_ctrl_put(c);
		return 0;
	}
	c->scanning = true;
	kern_lock_release(c->lock);
	int rc;
	for (;;) {
		c->rescan_wanted = false;
		__atomic_fetch_add(&c->st.rescans, 1, __ATOMIC_RELAXED);
		rc = scan_pass(c);
		kern_lock_acquire(c->lock);
		bool again = c->rescan_wanted && c->state != STV_ST_DYING && rc != -ENODEV;
		if (!again)
			c->scanning = false;
		kern_lock_release(c->lock);
		if (!again)
			break;
	}
	stv_ctrl_put(c);
	return rc;
}

void stv_rescan_task(void *arg)
{
	struct stv_ctrl *c = arg;
	/* Detach cancels this task after it sets DYING, and the enqueue below
	 * happens under the same lock, so c is alive here. */
	if (!stv_dying(c))
		stv_scan(c);
}

void stv_request_rescan(struct stv_ctrl *c)
{
	if (c->fuzz) {
		c->st.rescans++;
		return;
	}
	kern_lock_acquire(c->lock);
	if (c->scanning)
		c->rescan_wanted = true;
	/* Under the lock: once detach has set DYING no new run can be queued
	 * behind its cancel. */
	if (c->state != STV_ST_DYING)
		kern_task_enqueue(0, &c->rescan_task);
	kern_lock_release(c->lock);
}
