/* hostside.c -- the per-guest host aggregate: VMBus server plus devices. */
#include "sim/devices/hostside.h"

#include <errno.h>
#include <stdlib.h>

#include "sim/devices/ata/ata.h"
#include "sim/devices/blk/blk.h"
#include "sim/devices/capture/capture.h"
#include "sim/hostd/partition.h"
#include "sim/hostd/vmbs.h"
#include "sim/hostd/vmbs_check.h"

struct hostside {
	struct part          *hs_part;
	struct vmbs          *hs_vmbs;
	struct icvsp         *hs_ic;
	struct netvsp        *hs_nic[HOSTSIDE_MAX_NICS];
	unsigned              hs_nnics;
	struct storvsp       *hs_scsi;
	struct blk           *hs_ata_blk;
	struct ata_dev       *hs_ata;
	struct hostside_notify hs_out;
	void                 *hs_arg;
	struct capture       *hs_cap;
	uint64_t              hs_act_last;    /* hostside_activity: last work count */
	unsigned              hs_busy_polls;  /* asked since, with disk I/O in flight */
};

static void hs_kick(void *arg)
{
	struct hostside *hs = arg;
	if (hs->hs_out.kick)
		hs->hs_out.kick(hs->hs_arg);
}

static void hs_trace(void *arg, const char *line)
{
	struct hostside *hs = arg;
	if (hs->hs_out.trace)
		hs->hs_out.trace(hs->hs_arg, line);
}

/* The trace hook for the devices: none when nobody listens, so they skip
 * formatting lines that would be dropped (one vsnprintf per message, ring
 * event and state change adds up in the fuzz targets and benchmarks). */
typedef void hs_trace_cb(void *arg, const char *line);
static hs_trace_cb *hs_trace_fn(const struct hostside *hs)
{
	return hs->hs_out.trace ? hs_trace : NULL;
}

/* The NICs of cfg, in order; NETBE_PAIR NICs are paired two by two. */
static int hs_nics_create(struct hostside *hs, struct part *p, const struct hostside_config *cfg)
{
	const struct netvsp_notify nn = { .kick = hs_kick, .trace = hs_trace_fn(hs) };
	if (cfg->nnics > HOSTSIDE_MAX_NICS)
		return -EINVAL;
	int pending = -1;
	for (unsigned i = 0; i < cfg->nnics; i++) {
		int rc = netvsp_create(hs->hs_vmbs, part_profile(p), &cfg->nic[i], &nn, hs,
				       &hs->hs_nic[i]);
		if (rc)
			return rc;
		hs->hs_nnics = i + 1;
		if (cfg->nic[i].no_backend || cfg->nic[i].be.kind != NETBE_PAIR)
			continue;
		if (pending < 0) {
			pending = (int)i;
			continue;
		}
		struct netbe *a = NULL, *b = NULL;
		rc = netbe_pair(netvsp_be_cb(), hs->hs_nic[pending], netvsp_be_cb(), hs->hs_nic[i],
				&a, &b);
		if (rc)
			return rc;
		netvsp_attach_backend(hs->hs_nic[pending], a);
		netvsp_attach_backend(hs->hs_nic[i], b);
		pending = -1;
	}
	return 0;
}

/* The emulated IDE disk over an image file or a memory disk. */
static int hs_ata_create(struct hostside *hs, struct part *p, const struct hostside_config *cfg)
{
	int rc;
	if (cfg->ata_image) {
		struct blk_image_opts o = { .read_only = cfg->ata_read_only, .sector = 512 };
		rc = blk_open_image(cfg->ata_image, &o, &hs->hs_ata_blk);
	} else {
		rc = blk_open_mem(cfg->ata_mem_size ? cfg->ata_mem_size : 8u << 20, 512,
				  &hs->hs_ata_blk);
	}
	if (rc)
		return rc;
	struct ata_config ac = { .serial = cfg->ata_serial };
	rc = ata_create(hs->hs_ata_blk, &ac, &hs->hs_ata);
	if (!rc)
		rc = ata_attach(hs->hs_ata, p);
	return rc;
}

struct hostside *hostside_create(struct part *p, struct gmem *gm,
				 const struct hostside_config *cfg,
				 const struct hostside_notify *out, void *arg)
{
	struct hostside *hs = calloc(1, sizeof *hs);
	if (!hs)
		return NULL;
	hs->hs_part = p;
	if (out)
		hs->hs_out = *out;
	hs->hs_arg = arg;
	if (cfg && cfg->vmbus) {
		const struct vmbs_notify vn = { .kick = hs_kick, .trace = hs_trace_fn(hs) };
		struct vmbs_config vc = { .max_channels = cfg->max_channels };
		hs->hs_vmbs = vmbs_create(p, gm, &vc, &vn, hs);
		if (!hs->hs_vmbs) {
			int e = errno;
			free(hs);
			errno = e;
			return NULL;
		}
		if (cfg->check && vmbs_check_enable(hs->hs_vmbs) != 0) {
			vmbs_destroy(hs->hs_vmbs);
			free(hs);
			errno = ENOMEM;
			return NULL;
		}
		const struct icvsp_config *ic = &cfg->ic;
		if (ic->heartbeat || ic->shutdown || ic->timesync || ic->kvp) {
			const struct icvsp_notify in = { .kick = hs_kick, .trace = hs_trace_fn(hs) };
			hs->hs_ic = icvsp_create(hs->hs_vmbs, p, ic, &in, hs);
			if (!hs->hs_ic) {
				int e = errno;
				vmbs_destroy(hs->hs_vmbs);
				free(hs);
				errno = e;
				return NULL;
			}
		}
		int rc = hs_nics_create(hs, p, cfg);
		if (rc) {
			hostside_destroy(hs);
			errno = -rc;
			return NULL;
		}
		if (cfg->scsi) {
			hs->hs_scsi = storvsp_create(hs->hs_vmbs, &cfg->scsi_cfg);
			if (!hs->hs_scsi) {
				int e = errno;
				hostside_destroy(hs);
				errno = e;
				return NULL;
			}
		}
	}
	if (cfg && cfg->ata) {
		int rc = hs_ata_create(hs, p, cfg);
		if (rc) {
			hostside_destroy(hs);
			errno = -rc;
			return NULL;
		}
	}
	return hs;
}

void hostside_destroy(struct hostside *hs)
{
	if (!hs)
		return;
	/* The capture before what it taps. */
	capture_free(hs->hs_cap);
	/* The server first: its close/rescinded ops still reach the ICs. */
	vmbs_destroy(hs->hs_vmbs);
	icvsp_destroy(hs->hs_ic);
	for (unsigned i = 0; i < hs->hs_nnics; i++)
		netvsp_destroy(hs->hs_nic[i]);
	storvsp_destroy(hs->hs_scsi);
	ata_destroy(hs->hs_ata);
	blk_close(hs->hs_ata_blk);
	free(hs);
}

bool hostside_pump(struct hostside *hs)
{
	bool more = hs->hs_vmbs ? vmbs_pump(hs->hs_vmbs) : false;
	/* After the server: an OPEN_RESULT goes out before the NEGOTIATE. */
	if (hs->hs_ic && icvsp_pump(hs->hs_ic))
		more = true;
	for (unsigned i = 0; i < hs->hs_nnics; i++)
		if (hs->hs_nic[i] && netvsp_pump(hs->hs_nic[i]))
			more = true;
	/* Finished disk I/O becomes completions on the rings. */
	if (hs->hs_scsi && storvsp_poll(hs->hs_scsi))
		more = true;
	return more;
}

struct storvsp *hostside_storvsp(struct hostside *hs)
{
	return hs->hs_scsi;
}

struct ata_dev *hostside_ata(struct hostside *hs)
{
	return hs->hs_ata;
}

bool hostside_wants_poll(struct hostside *hs)
{
	return hs->hs_nnics > 0 || hs->hs_scsi || vmbs_monitor_active(hs->hs_vmbs);
}

uint64_t hostside_activity(struct hostside *hs)
{
	if (!hs->hs_vmbs)
		return 0;
	struct vmbs_stats st;
	vmbs_get_stats(hs->hs_vmbs, &st);
	uint64_t work = st.msgs_in + st.msgs_out + st.signals_in + st.pkts_in + st.pkts_out;
	if (work != hs->hs_act_last) {
		hs->hs_act_last = work;
		hs->hs_busy_polls = 0;
		return work;
	}
	/* Disk I/O in flight completes on the image's worker threads, whose
	 * eventfd is not on the daemon's loop: count each ask as work while
	 * it waits, so the poll stays fast for the completion, but only for
	 * HOSTSIDE_BUSY_POLLS asks (a stuck back end must not keep it fast). */
	if (hs->hs_scsi && hs->hs_busy_polls < HOSTSIDE_BUSY_POLLS) {
		struct storvsp_stats ss;
		storvsp_get_stats(hs->hs_scsi, &ss);
		if (ss.inflight)
			hs->hs_busy_polls++;
	}
	return work + hs->hs_busy_polls;
}

struct vmbs *hostside_vmbs(struct hostside *hs)
{
	return hs->hs_vmbs;
}

struct icvsp *hostside_ic(struct hostside *hs)
{
	return hs->hs_ic;
}

int hostside_ic_shutdown(struct hostside *hs, uint32_t flags, uint32_t reason, const char *message)
{
	return hs->hs_ic ? icvsp_shutdown_request(hs->hs_ic, flags, reason, 0, message) : -ENODEV;
}

int hostside_ic_shutdown_info(struct hostside *hs, struct icvsp_sd_info *out)
{
	return hs->hs_ic ? icvsp_sd_info(hs->hs_ic, out) : -ENODEV;
}

int hostside_ic_heartbeat(struct hostside *hs, struct icvsp_hb_info *out)
{
	return hs->hs_ic ? icvsp_hb_info(hs->hs_ic, out) : -ENODEV;
}

int hostside_ic_time_jump(struct hostside *hs, int64_t delta_100ns)
{
	return hs->hs_ic ? icvsp_ts_jump(hs->hs_ic, delta_100ns) : -ENODEV;
}

int hostside_ic_timesync(struct hostside *hs, struct icvsp_ts_info *out)
{
	return hs->hs_ic ? icvsp_ts_info(hs->hs_ic, out) : -ENODEV;
}

int hostside_ic_kvp_set(struct hostside *hs, uint8_t pool, const char *key, const char *value)
{
	return hs->hs_ic ? icvsp_kvp_set(hs->hs_ic, pool, key, value) : -ENODEV;
}

int hostside_ic_kvp_delete(struct hostside *hs, uint8_t pool, const char *key)
{
	return hs->hs_ic ? icvsp_kvp_delete(hs->hs_ic, pool, key) : -ENODEV;
}

int hostside_ic_kvp_get(struct hostside *hs, uint8_t pool, const char *key, char *buf, size_t cap)
{
	return hs->hs_ic ? icvsp_kvp_get(hs->hs_ic, pool, key, buf, cap) : -ENODEV;
}

int hostside_ic_kvp_refresh(struct hostside *hs)
{
	return hs->hs_ic ? icvsp_kvp_refresh(hs->hs_ic) : -ENODEV;
}

int hostside_nic_add(struct hostside *hs, const struct netvsp_config *cfg, unsigned *index)
{
	const struct netvsp_notify nn = { .kick = hs_kick, .trace = hs_trace_fn(hs) };
	if (!hs->hs_vmbs)
		return -ENODEV;
	if (cfg->be.kind == NETBE_PAIR)
		return -EINVAL; /* a pair is wired at creation only */
	/* The first free slot: a NIC removed earlier leaves its index free. */
	unsigned i = 0;
	while (i < hs->hs_nnics && hs->hs_nic[i])
		i++;
	if (i == HOSTSIDE_MAX_NICS)
		return -ENOSPC;
	int rc = netvsp_create(hs->hs_vmbs, part_profile(hs->hs_part), cfg, &nn, hs, &hs->hs_nic[i]);
	if (rc)
		return rc;
	if (i == hs->hs_nnics)
		hs->hs_nnics++;
	*index = i;
	hs_kick(hs); /* the offer goes out on the next pump */
	return 0;
}

int hostside_nic_remove(struct hostside *hs, unsigned i)
{
	if (i >= hs->hs_nnics || !hs->hs_nic[i])
		return -ENODEV;
	netvsp_destroy(hs->hs_nic[i]); /* rescinds: the guest lets go in its time */
	hs->hs_nic[i] = NULL;
	hs_kick(hs);
	return 0;
}

struct netvsp *hostside_nic(struct hostside *hs, unsigned i)
{
	return i < hs->hs_nnics ? hs->hs_nic[i] : NULL;
}

int hostside_nic_link(struct hostside *hs, unsigned i, bool up, uint64_t speed_bps)
{
	struct netvsp *nic = hostside_nic(hs, i);
	return nic ? netvsp_set_link(nic, up, speed_bps) : -ENODEV;
}

int hostside_nic_stats(struct hostside *hs, unsigned i, struct netvsp_stats *st,
		       struct netvsp_info *info)
{
	struct netvsp *nic = hostside_nic(hs, i);
	if (!nic)
		return -ENODEV;
	if (st)
		netvsp_get_stats(nic, st);
	if (info)
		netvsp_get_info(nic, info);
	return 0;
}

struct part *hostside_part(struct hostside *hs)
{
	return hs->hs_part;
}

struct capture *hostside_capture(struct hostside *hs)
{
	return hs->hs_cap;
}

void hostside_set_capture(struct hostside *hs, struct capture *cap)
{
	hs->hs_cap = cap;
}
