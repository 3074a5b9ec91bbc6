/* hostside.h -- everything the host runs for one guest beyond the
 * partition: the VMBus server and the device back ends offered on it.
 * Sans-I/O like its parts; the in-process runner and hvsim-hostd both
 * drive it the same way (pump after every guest input and after kick). */
#ifndef SIM_DEVICES_HOSTSIDE_H
#define SIM_DEVICES_HOSTSIDE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/devices/ic/icvsp.h"
#include "sim/devices/netvsp/netvsp.h"
#include "sim/devices/storvsp/storvsp.h"

struct gmem;
struct part;
struct vmbs;
struct hostside;
struct ata_dev;
struct capture;

#define HOSTSIDE_MAX_NICS 8u

struct hostside_config {
	bool     vmbus;           /* run a VMBus server (false: bare partition) */
	uint32_t max_channels;    /* 0 = the server's default */
	/* Integration components to offer (all off by default), their
	 * intervals and version ceilings.  Needs vmbus. */
	struct icvsp_config ic;
	/* Run the protocol checker on the VMBus server (sim/hostd/vmbs_check.h:
	 * read findings with vmbs_check_findings(hostside_vmbs(hs), ...)). */
	bool     check;
	/* Synthetic NICs (sim/devices/netvsp/netvsp.h), offered in this order
	 * (the guest names them hn0, hn1, ...).  NICs whose back end is
	 * NETBE_PAIR are wired to the next such NIC (NIC-to-NIC).  Needs vmbus. */
	uint32_t nnics;
	struct netvsp_config nic[HOSTSIDE_MAX_NICS];
	/* A synthetic SCSI controller (storvsp), offered when 'scsi' is set.
	 * Fill scsi_cfg.vstor_max_version from the profile and phantom_luns
	 * from its HV_QUIRK_PHANTOM_LUNS; attach LUNs with storvsp_lun_add on
	 * hostside_storvsp().  Needs vmbus. */
	bool     scsi;
	struct storvsp_config scsi_cfg;
	/* An emulated IDE disk (sim/devices/ata/ata.h) on the legacy ports,
	 * over ata_image (a raw image file) or, without one, a zeroed memory
	 * disk of ata_mem_size bytes.  Independent of vmbus. */
	bool     ata;
	const char *ata_image;
	uint64_t ata_mem_size;    /* 0 = 8 MiB */
	bool     ata_read_only;
	const char *ata_serial;   /* IDENTIFY serial; NULL = the device default */
};

struct hostside_notify {
	void (*kick)(void *arg);                 /* call hostside_pump soon */
	void (*trace)(void *arg, const char *line);
};

/* Create for partition p over gm (both borrowed, must outlive it).  NULL
 * with errno on failure. */
struct hostside *hostside_create(struct part *p, struct gmem *gm,
				 const struct hostside_config *cfg,
				 const struct hostside_notify *out, void *arg);
void hostside_destroy(struct hostside *hs); /* NULL-tolerant */

/* Run pending work; true when some is left (call again). */
bool hostside_pump(struct hostside *hs);
/* Must the driver also pump on a short period?  True while a monitored
 * channel is open (guest signals through the monitor page reach us only
 * by polling) and while a NIC or SCSI back end exists (their completions
 * have no fd on the daemon's loop).  False: pumping after every guest
 * input and host timer is enough (an idle guest costs no wake-ups). */
bool hostside_wants_poll(struct hostside *hs);
/* A counter that moves whenever the host side did work: guest messages
 * and signals taken (monitor bits included), packets read from or written
 * to a ring (device replies, back-end completions and received frames all
 * leave as packets).  A poll that sees it unchanged found nothing to do,
 * so the driver may poll less often (hsess_ext.activity).  While disk I/O
 * is in flight it also moves on each call (up to HOSTSIDE_BUSY_POLLS calls
 * without other work): the completion comes from a worker thread the
 * driver does not watch.  Ask once per poll. */
uint64_t hostside_activity(struct hostside *hs);
#define HOSTSIDE_BUSY_POLLS  32u
/* The driver's poll period while polls find work, and the ceiling it backs
 * off to while they find none (bench/README.md: hvsim-hostd idle cost). */
#define HOSTSIDE_POLL_NS     100000ull
#define HOSTSIDE_POLL_MAX_NS 2000000ull
/* The VMBus server, NULL when cfg.vmbus was false. */
struct vmbs *hostside_vmbs(struct hostside *hs);
/* The emulated ATA disk, NULL when cfg.ata was false. */
struct ata_dev *hostside_ata(struct hostside *hs);
/* The SCSI controller, NULL when cfg.scsi was false. */
struct storvsp *hostside_storvsp(struct hostside *hs);
/* The integration components, NULL when none was configured.  The full
 * control API is in sim/devices/ic/icvsp.h; the calls below are the ones
 * a scenario step needs.  All return -ENODEV without ICs. */
struct icvsp *hostside_ic(struct hostside *hs);
/* Shutdown IC: flags VMBUS_IC_SHUTDOWN_FLAG_* (0 shut down, 2 reboot,
 * 4 hibernate, | 1 force); see icvsp_shutdown_request. */
int hostside_ic_shutdown(struct hostside *hs, uint32_t flags, uint32_t reason, const char *message);
int hostside_ic_shutdown_info(struct hostside *hs, struct icvsp_sd_info *out);
/* Heartbeat: health, missed beats, transitions. */
int hostside_ic_heartbeat(struct hostside *hs, struct icvsp_hb_info *out);
/* Timesync: move the host's wall clock (a SYNC follows), read what was sent. */
int hostside_ic_time_jump(struct hostside *hs, int64_t delta_100ns);
int hostside_ic_timesync(struct hostside *hs, struct icvsp_ts_info *out);
/* KVP host pools: set/delete (host-owned pools 0, 3, 4), get from any pool
 * (1 and 2 hold what was read from the guest), re-read the guest's pools. */
int hostside_ic_kvp_set(struct hostside *hs, uint8_t pool, const char *key, const char *value);
int hostside_ic_kvp_delete(struct hostside *hs, uint8_t pool, const char *key);
int hostside_ic_kvp_get(struct hostside *hs, uint8_t pool, const char *key, char *buf, size_t cap);
int hostside_ic_kvp_refresh(struct hostside *hs);

/* Synthetic NIC i (0-based, config order), NULL when there is none. */
struct netvsp *hostside_nic(struct hostside *hs, unsigned i);
/* Hot add: a NIC offered to the running guest at the first free index
 * (*index; the guest names it in offer order).  0, -ENODEV (no VMBus),
 * -ENOSPC (HOSTSIDE_MAX_NICS), -EINVAL (NETBE_PAIR), netvsp_create's. */
int hostside_nic_add(struct hostside *hs, const struct netvsp_config *cfg, unsigned *index);
/* Hot remove: the offer is rescinded, the guest detaches.  -ENODEV. */
int hostside_nic_remove(struct hostside *hs, unsigned i);
/* Cable in/out and link speed (bit/s, 0 = unchanged) of NIC i: the guest
 * gets MEDIA_CONNECT / MEDIA_DISCONNECT / LINK_SPEED_CHANGE.  -ENODEV. */
int hostside_nic_link(struct hostside *hs, unsigned i, bool up, uint64_t speed_bps);
/* Counters and negotiated state of NIC i.  -ENODEV. */
int hostside_nic_stats(struct hostside *hs, unsigned i, struct netvsp_stats *st,
		       struct netvsp_info *info);

/* The partition hs was created for. */
struct part *hostside_part(struct hostside *hs);
/* The capture running on this host (sim/devices/capture/capture.h), NULL
 * when none; set by capture_start/capture_stop.  hostside_destroy frees a
 * capture still attached (before anything it taps). */
struct capture *hostside_capture(struct hostside *hs);
void hostside_set_capture(struct hostside *hs, struct capture *cap);

#endif /* SIM_DEVICES_HOSTSIDE_H */
