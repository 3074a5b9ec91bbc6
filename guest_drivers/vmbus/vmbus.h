/* vmbus.h -- the guest VMBus bus driver's API for device drivers and for
 * whoever boots the guest: connect/unload, child devices and the driver
 * registry, and the channel API (GPADLs, open/close, send, receive).
 *
 * Contexts: vmbus_init/vmbus_fini, open, close, GPADL calls and sends that
 * may sleep run in task or call context, never in an interrupt handler.
 * Driver callbacks (attach, detach, subchannel, on_packet) run in task
 * context: they may call everything here.  Types are opaque (vmbus_var.h). */
#ifndef GUEST_DRIVERS_VMBUS_VMBUS_H
#define GUEST_DRIVERS_VMBUS_VMBUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hyperv/vmbus_guid.h"

struct vmbus_channel;
struct vmbus_device;
struct kern_dma;

/* ---- the bus ---------------------------------------------------------------- */

struct vmbus_config {
	uint32_t max_version;     /* highest VMBUS_VERSION_* to try; 0 = newest known (5.3) */
	uint64_t timeout_ns;      /* every wait for the host; 0 = VMBUS_DEFAULT_TIMEOUT_NS */
	bool     force_hypercall; /* never signal through the monitor page */
};
#define VMBUS_DEFAULT_TIMEOUT_NS (5ull * 1000 * 1000 * 1000)

/* Connect (INITIATE_CONTACT newest first, falling back), request offers,
 * wait for ALLOFFERS_DELIVERED, then attach drivers to the devices in offer
 * order.  Needs hyperv_init first.  0; -ETIMEDOUT when the host does not
 * answer; -EPROTONOSUPPORT when it refuses every version; -ECONNREFUSED on
 * a connection_state failure; -ENOMEM, -EIO, -EBUSY (already up).  On
 * failure everything is undone. */
int  vmbus_init(const struct vmbus_config *cfg);
/* Detach every driver, close every channel, UNLOAD (from 3.0, waiting for
 * UNLOAD_RESPONSE with the timeout), free everything.  Safe when down. */
void vmbus_fini(void);
bool vmbus_up(void);
uint32_t vmbus_version(void);        /* negotiated VMBUS_VERSION_*, 0 when down */
uint32_t vmbus_msg_conn_id(void);    /* connection id messages go to */

/* ---- drivers and child devices ---------------------------------------------- */

/* A device driver.  Registered drivers are matched by interface (class)
 * GUID; the first registered match gets the device.  The structure is
 * borrowed until vmbus_driver_unregister returns. */
struct vmbus_driver {
	const char *name;                 /* unit prefix: "hn" gives hn0, hn1 ... */
	struct vmbus_guid class_id;
	/* Optional: 0 to take the device, -ENXIO to decline. */
	int  (*probe)(struct vmbus_device *dev);
	/* Bring the device up (open channels ...).  Non-zero: not attached. */
	int  (*attach)(struct vmbus_device *dev);
	/* Tear it down: close every channel the driver opened.  Called on
	 * rescind, unregister and vmbus_fini. */
	void (*detach)(struct vmbus_device *dev);
	/* Optional: a sub-channel of this device was offered (open it if
	 * wanted).  Never called for the primary. */
	void (*subchannel)(struct vmbus_device *dev, struct vmbus_channel *sub);
	struct vmbus_driver *vd_next;     /* registry link, owned by the bus */
};
/* Register; attaches matching unattached devices in offer order when the
 * bus is up.  -EBUSY when registered already, -EINVAL on a bad driver. */
int  vmbus_driver_register(struct vmbus_driver *drv);
/* Detach its devices and forget it. */
void vmbus_driver_unregister(struct vmbus_driver *drv);

/* Devices, one per primary offer, in offer order (index 0 first). */
unsigned vmbus_device_count(void);
struct vmbus_device *vmbus_device_at(unsigned i);
const struct vmbus_guid *vmbus_device_class(const struct vmbus_device *dev);
const struct vmbus_guid *vmbus_device_instance(const struct vmbus_device *dev);
/* "hn0" when attached, NULL otherwise. */
const char *vmbus_device_name(const struct vmbus_device *dev);
int  vmbus_device_unit(const struct vmbus_device *dev);   /* -1 when unattached */
struct vmbus_channel *vmbus_device_channel(struct vmbus_device *dev); /* primary */
void  vmbus_device_set_softc(struct vmbus_device *dev, void *sc);
void *vmbus_device_softc(const struct vmbus_device *dev);

/* ---- channels ------------------------------------------------------------------ */

uint32_t vmbus_chan_relid(const struct vmbus_channel *ch);
uint16_t vmbus_chan_subidx(const struct vmbus_channel *ch);
struct vmbus_device *vmbus_chan_device(const struct vmbus_channel *ch);
/* The offer's 120-byte user-defined area (pipe mode and the like). */
const uint8_t *vmbus_chan_user_defined(const struct vmbus_channel *ch);
uint16_t vmbus_chan_offer_flags(const struct vmbus_channel *ch);
bool vmbus_chan_rescinded(const struct vmbus_channel *ch);
/* The channel's ring turned out corrupt: every send and receive fails. */
bool vmbus_chan_broken(const struct vmbus_channel *ch);
/* Sub-channel 'idx' (>= 1) of a primary, NULL if not offered (yet). */
struct vmbus_channel *vmbus_chan_subchannel(struct vmbus_channel *primary, uint16_t idx);
/* Wait until the primary has at least n live sub-channels: 0, -ETIMEDOUT. */
int vmbus_chan_wait_subchannels(struct vmbus_channel *primary, unsigned n);

/* The vCPU that takes this channel's interrupts and runs its receive
 * callback; set before open (OPENCHANNEL.target_vp).  -EINVAL, -EBUSY. */
int vmbus_chan_set_target_cpu(struct vmbus_channel *ch, int cpu);

/* Interrupts counted for the channel, and per vCPU (all channels). */
uint64_t vmbus_chan_intr_count(const struct vmbus_channel *ch);
uint64_t vmbus_cpu_intr_count(int cpu);

/* A packet handed to the receive callback: a private copy, valid during
 * the call only.  payload = pkt + offset8 * 8, padded to 8 bytes. */
struct vmbus_pkt {
	uint16_t type;            /* VMBUS_PKT_* (6, 7, 9 or 0xB) */
	uint16_t flags;           /* VMBUS_PKT_FLAG_* */
	uint64_t trans_id;
	const uint8_t *pkt;       /* whole packet, descriptor included */
	uint32_t pkt_len;         /* len8 * 8 */
	const uint8_t *payload;
	uint32_t payload_len;     /* (len8 - offset8) * 8 */
};
typedef void vmbus_chan_cb(struct vmbus_channel *ch, const struct vmbus_pkt *pkt, void *arg);

/* Open: allocate the rings (tx = guest->host, rx = host->guest; byte sizes
 * rounded up to pages, each >= one data page), create their GPADL, send
 * OPENCHANNEL with 'udata' (<= 120 bytes) and wait for OPEN_RESULT.  cb
 * runs on the target vCPU in task context, in batches.  0; -ENODEV
 * (rescinded, also while waiting); -ETIMEDOUT; -EIO (host refused);
 * -EBUSY (open); -EINVAL; -ENOMEM.  On failure nothing is left behind. */
int  vmbus_chan_open(struct vmbus_channel *ch, uint32_t tx_bytes, uint32_t rx_bytes,
		     const void *udata, uint32_t udata_len, vmbus_chan_cb *cb, void *arg);
/* CLOSECHANNEL (also after a rescind), tear the ring GPADL down, wait for the
 * receive callback to finish, free the rings.  Safe on a closed channel. */
void vmbus_chan_close(struct vmbus_channel *ch);

/* In-band packet (type 6).  With want_completion (flag bit 0) trans_id
 * must be non-zero (0 is never ours to allocate: RELIABILITY 48); without,
 * any id goes, so a reply can echo the host's request id, 0 included.  Blocks while
 * the ring is full (pending_send_sz set) up to the timeout.  0; -EINVAL;
 * -EMSGSIZE (never fits); -ETIMEDOUT; -ENODEV (rescinded); -ENOTCONN;
 * -EIO (ring broken). */
int vmbus_chan_send(struct vmbus_channel *ch, const void *data, uint32_t len,
		    uint64_t trans_id, bool want_completion);
/* Completion (type 0xB) of the host's request 'trans_id' (echoed as is). */
int vmbus_chan_send_comp(struct vmbus_channel *ch, const void *data, uint32_t len,
			 uint64_t trans_id);
/* GPA direct, page-buffer form: n (1..32) single-page ranges. */
struct vmbus_gpa {
	uint32_t len;     /* bytes, offset + len <= 4096 */
	uint32_t offset;
	uint64_t pfn;
};
int vmbus_chan_send_pagebuf(struct vmbus_channel *ch, const struct vmbus_gpa *pb, uint32_t n,
			    const void *data, uint32_t len, uint64_t trans_id);
/* GPA direct, multi-page-buffer form: one range of len bytes at offset
 * into the first of npfn pages. */
int vmbus_chan_send_mpb(struct vmbus_channel *ch, uint32_t offset, uint32_t byte_len,
			const uint64_t *pfn, uint32_t npfn, const void *data, uint32_t len,
			uint64_t trans_id);

/* ---- GPADLs -------------------------------------------------------------------- */

/* Describe npfn pages (one range covering them all) to the host on channel
 * ch: header + bodies, then wait for GPADL_CREATED.  On success *handle is
 * the new handle.  0; -EIO (status != 0); -ETIMEDOUT; -ENODEV; -EINVAL
 * (0 or > 8190 pages); -ENOMEM. */
int vmbus_gpadl_create(struct vmbus_channel *ch, const uint64_t *pfn, uint32_t npfn,
		       uint32_t *handle);
/* The same for a DMA buffer. */
int vmbus_gpadl_create_dma(struct vmbus_channel *ch, const struct kern_dma *buf,
			   uint32_t *handle);
/* GPADL_TEARDOWN and wait for GPADL_TORNDOWN.  0, -ETIMEDOUT, -ENOENT. */
int vmbus_gpadl_destroy(struct vmbus_channel *ch, uint32_t handle);
#define VMBUS_GPADL_FIRST_HANDLE 0xE1E10u
#define VMBUS_GPADL_MAX_PFNS     8190u

/* ---- counters -------------------------------------------------------------------- */

struct vmbus_stats {
	uint64_t msgs_in;          /* channel messages handed to us */
	uint64_t msgs_short;       /* shorter than their type's minimum */
	uint64_t msgs_bad_type;    /* unknown or guest-to-host type */
	uint64_t msgs_unexpected;  /* wrong state, or a reply with ids nobody waits for */
	uint64_t offers, offers_refused, rescinds, relids_released;
	uint64_t gpadls_created, gpadls_failed;
	uint64_t gpadls_abandoned;            /* given up on, then torn down */
	uint64_t opens, open_failures, closes;
	uint64_t pkts_in, pkts_out, rings_broken;
	uint64_t signals_out, monitor_signals, spurious_events;
	uint64_t post_retries;
};
void vmbus_get_stats(struct vmbus_stats *out);

#endif /* GUEST_DRIVERS_VMBUS_VMBUS_H */
