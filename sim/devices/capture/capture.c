/* capture.c -- a capture session: the VMBus tap into vmbus.pcapng and a
 * pcap tap on each NIC's back end, all stamped with the virtual clock. */
#include "sim/devices/capture/capture_var.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hyperv/vmbus_guid.h"
#include "sim/devices/capture/capture_wire.h"
#include "sim/devices/hostside.h"
#include "sim/devices/net/netbe.h"
#include "sim/devices/netvsp/netvsp.h"
#include "sim/hostd/partition.h"
#include "sim/hostd/vmbs_capture.h"

uint8_t cap_dev_class(const void *guid16)
{
	static const struct {
		uint8_t g[16];
		uint8_t dev;
	} map[] = {
		{ VMBUS_GUID_NETVSC, CAP_DEV_NET },
		{ VMBUS_GUID_STORVSC, CAP_DEV_SCSI },
		{ VMBUS_GUID_IDE, CAP_DEV_IDE },
		{ VMBUS_GUID_HEARTBEAT, CAP_DEV_HEARTBEAT },
		{ VMBUS_GUID_SHUTDOWN, CAP_DEV_SHUTDOWN },
		{ VMBUS_GUID_TIMESYNC, CAP_DEV_TIMESYNC },
		{ VMBUS_GUID_KVP, CAP_DEV_KVP },
		{ VMBUS_GUID_VSS, CAP_DEV_VSS },
		{ VMBUS_GUID_FCOPY, CAP_DEV_FCOPY },
	};
	if (!guid16)
		return CAP_DEV_UNKNOWN;
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (memcmp(map[i].g, guid16, 16) == 0)
			return map[i].dev;
	return CAP_DEV_UNKNOWN;
}

static void hdr_put(uint8_t *b, const struct vmbs_cap_rec *r)
{
	memset(b, 0, sizeof(struct cap_rec_hdr));
	b[0] = CAP_REC_VERSION;
	b[1] = sizeof(struct cap_rec_hdr);
	b[2] = r->kind == VMBS_CAP_PKT ? CAP_KIND_PKT : CAP_KIND_MSG;
	b[3] = r->dir == VMBS_CAP_H2G ? CAP_DIR_H2G : CAP_DIR_G2H;
	for (unsigned i = 0; i < 4; i++)
		b[4 + i] = (uint8_t)(r->relid >> (8 * i));
	b[8] = (uint8_t)r->type;
	b[9] = (uint8_t)(r->type >> 8);
	b[10] = (uint8_t)r->subidx;
	b[11] = (uint8_t)(r->subidx >> 8);
	b[12] = r->kind == VMBS_CAP_PKT ? cap_dev_class(r->class_id) : CAP_DEV_UNKNOWN;
	b[14] = (uint8_t)r->conn;
	b[15] = (uint8_t)(r->conn >> 8);
}

static void cap_on_record(void *arg, const struct vmbs_cap_rec *r, const struct vmbs_cap_seg *seg,
			  unsigned nseg)
{
	struct capture *c = arg;
	uint8_t hdr[sizeof(struct cap_rec_hdr)];
	hdr_put(hdr, r);
	struct cap_piece pc[5];
	unsigned n = 0;
	pc[n++] = (struct cap_piece){ hdr, sizeof hdr };
	uint64_t bytes = 0;
	for (unsigned i = 0; i < nseg && n < 5; i++) {
		pc[n++] = (struct cap_piece){ seg[i].base, seg[i].len };
		bytes += seg[i].len;
	}
	if (cap_pcapng_write(c->c_vmbus, r->ref_time, pc, n) != 0) {
		c->c_st.write_errors++;
		return;
	}
	c->c_st.records++;
	c->c_st.bytes += bytes;
	if (r->kind == VMBS_CAP_PKT)
		c->c_st.pkts++;
	else
		c->c_st.msgs++;
}

static uint64_t cap_now(void *arg)
{
	return part_time(arg);
}

/* mkdir -p: every missing component of 'dir'. */
static int mkdirs(const char *dir)
{
	char p[PATH_MAX];
	size_t n = strlen(dir);
	if (n == 0 || n >= sizeof p)
		return -ENAMETOOLONG;
	memcpy(p, dir, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		char keep = p[i];
		p[i] = '\0';
		if (mkdir(p, 0777) != 0 && errno != EEXIST)
			return -errno;
		p[i] = keep;
	}
	struct stat st;
	if (stat(dir, &st) != 0)
		return -errno;
	return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

static struct netbe *nic_be(struct hostside *hs, unsigned i)
{
	struct netvsp *nic = hostside_nic(hs, i);
	return nic ? netvsp_backend(nic) : NULL;
}

/* Undo: every tap off, files closed.  The NIC taps are looked up again:
 * a back end replaced meanwhile closed its own capture. */
static int cap_close(struct capture *c)
{
	if (c->c_vb)
		vmbs_capture_set(c->c_vb, NULL, NULL);
	for (unsigned i = 0; i < HOSTSIDE_MAX_NICS; i++)
		netbe_capture_stop(nic_be(c->c_hs, i));
	return cap_pcapng_close(c->c_vmbus);
}

void capture_free(struct capture *cap)
{
	if (!cap)
		return;
	cap_close(cap);
	free(cap);
}

int capture_start(struct hostside *hs, const char *dir, char *err, size_t errlen)
{
	if (hostside_capture(hs)) {
		snprintf(err, errlen, "a capture is already running into %s", capture_dir(hs));
		return -EBUSY;
	}
	struct capture *c = calloc(1, sizeof *c);
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	c->c_hs = hs;
	c->c_part = hostside_part(hs);
	int rc = -ENAMETOOLONG;
	if (strlen(dir) + sizeof "/hn0.pcap" + 8 > sizeof c->c_dir || (rc = mkdirs(dir)) != 0) {
		snprintf(err, errlen, "capture directory %s: %s", dir, strerror(-rc));
		free(c);
		return rc;
	}
	snprintf(c->c_dir, sizeof c->c_dir, "%s", dir);
	char path[PATH_MAX + 32];
	snprintf(path, sizeof path, "%s/%s", dir, CAP_VMBUS_FILE);
	rc = cap_pcapng_open(path, CAP_LINKTYPE, "vmbus", "hvsim", &c->c_vmbus);
	if (rc) {
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		free(c);
		return rc;
	}
	for (unsigned i = 0; i < HOSTSIDE_MAX_NICS; i++) {
		struct netbe *be = nic_be(hs, i);
		if (!be)
			continue; /* no NIC i, or one without a back end */
		snprintf(path, sizeof path, "%s/hn%u.pcap", dir, i);
		rc = netbe_capture_start(be, path, cap_now, c->c_part);
		if (rc) {
			snprintf(err, errlen, "%s: %s", path, strerror(-rc));
			capture_free(c);
			return rc;
		}
		c->c_st.nics++;
	}
	c->c_vb = hostside_vmbs(hs);
	if (c->c_vb)
		vmbs_capture_set(c->c_vb, cap_on_record, c);
	hostside_set_capture(hs, c);
	return 0;
}

int capture_stop(struct hostside *hs, struct capture_stats *st)
{
	struct capture *c = hostside_capture(hs);
	if (!c)
		return -ENOENT;
	hostside_set_capture(hs, NULL);
	int rc = cap_close(c);
	if (st)
		*st = c->c_st;
	free(c);
	return rc;
}

int capture_get_stats(struct hostside *hs, struct capture_stats *st)
{
	struct capture *c = hostside_capture(hs);
	if (!c)
		return -ENOENT;
	*st = c->c_st;
	return 0;
}

const char *capture_dir(struct hostside *hs)
{
	struct capture *c = hostside_capture(hs);
	return c ? c->c_dir : NULL;
}
