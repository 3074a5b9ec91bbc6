/* vmbs_dev.h -- the interface between the VMBus server and the device back
 * ends in sim/devices: what a device offers, the callbacks it gets, and the
 * packets it can send on its channels. */
#ifndef SIM_HOSTD_VMBS_DEV_H
#define SIM_HOSTD_VMBS_DEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hyperv/vmbus_guid.h"
#include "hyperv/vmbus_msg.h"
#include "hyperv/vmbus_ring.h"
#include "sim/hostd/vmbs.h"

/* What goes into the device's OFFERCHANNEL messages (vmbus.md 5.2, 9). */
struct vmbs_dev_params {
	struct vmbus_guid class_id;     /* interface type */
	struct vmbus_guid instance_id;  /* unique per device */
	uint16_t chan_flags;            /* VMBUS_OFFER_FLAG_*; NAMED_PIPE added for pipe_mode */
	uint16_t mmio_megabytes;
	/* User-defined area.  With pipe_mode set, its first 4 bytes are
	 * overwritten with the pipe mode (VMBUS_PIPE_MODE_*). */
	uint8_t  user_defined[VMBUS_OFFER_USER_DEFINED_BYTES];
	bool     pipe;                  /* named pipe: sets NAMED_PIPE_MODE */
	uint32_t pipe_mode;             /* VMBUS_PIPE_MODE_BYTE / _MESSAGE */
	/* Ask for a monitor id (real Hyper-V gives one to network and storage
	 * on every version).  Below 2.4 every channel gets one anyway. */
	bool     wants_monitor;
	uint16_t max_subchannels;       /* upper bound for vmbs_chan_offer_subchannels */
};

/* Callbacks.  'ch' is valid from vmbs_dev_add (or the sub-channel offer)
 * until rescinded() returns.  No callback may destroy the server. */
struct vmbs_dev_ops {
	/* The guest opened the channel (ring mapped).  0 accepts; a negative
	 * errno refuses (OPEN_RESULT failure).  Optional. */
	int  (*open)(struct vmbs_chan *ch);
	/* One packet from the guest, already copied out of the ring and
	 * validated as a ring packet (type 6 in-band, 9 GPA direct, 0xB
	 * completion; descriptor sane).  'desc' is the descriptor copy, 'pkt'
	 * the whole packet copy (descriptor included) of 'len' bytes; the
	 * payload is pkt + desc->offset8 * 8.  Both live until the call
	 * returns.  A negative return means a protocol violation: the server
	 * closes the channel (CLOSE outcome).  Required. */
	int  (*packet)(struct vmbs_chan *ch, const struct vmbus_pkt_desc *desc,
		       const uint8_t *pkt, uint32_t len);
	/* The channel closed (guest CLOSECHANNEL, UNLOAD, bus reset, a corrupt
	 * ring, server destroy).  Finish or discard in-flight work now: after
	 * this returns, sends fail with -ENOTCONN.  Optional. */
	void (*close)(struct vmbs_chan *ch);
	/* The channel is gone for good (relid released after a rescind, bus
	 * reset after vmbs_dev_remove, server destroy): free what belongs to
	 * it; 'ch' is invalid afterwards.  Optional. */
	void (*rescinded)(struct vmbs_chan *ch);
	/* Space was freed in the host->guest ring after a send returned
	 * -EAGAIN.  Optional. */
	void (*writable)(struct vmbs_chan *ch);
	/* The guest asked to tear down GPADL 'handle', which the device has
	 * pinned (vmbs_gpadl_pin): stop using it and unpin, now or later;
	 * GPADL_TORNDOWN goes out at the last unpin.  Optional. */
	void (*gpadl_teardown)(struct vmbs_chan *ch, uint32_t handle);
};

/* Register a device: creates its primary channel, allocates the lowest
 * free relid, and offers it at once when the guest has already asked for
 * offers (hot add).  'ops' and 'ctx' are borrowed until rescinded().
 * Returns the primary channel, or NULL with errno (ENOSPC: channel cap or
 * relids exhausted; ENOMEM; EINVAL). */
struct vmbs_chan *vmbs_dev_add(struct vmbs *vb, const struct vmbs_dev_params *params,
			       const struct vmbs_dev_ops *ops, void *ctx);
/* Hot remove: rescind the device's sub-channels, then its primary.
 * Channels the guest never saw go at once; the others when the guest
 * releases their relids (RELID_RELEASED) or the bus resets.  0 or
 * -EINVAL (not a primary, already removed). */
int vmbs_dev_remove(struct vmbs_chan *primary);

/* Offer n more sub-channels of 'primary' (sub_channel_index continues
 * from the last one).  Requires a connection at 2.4+ that has asked for
 * offers.  Returns the number offered (may be fewer than n at the cap),
 * or -EINVAL / -ENOTCONN / -ENOSPC. */
int vmbs_chan_offer_subchannels(struct vmbs_chan *primary, uint16_t n);

/* Accessors. */
void    *vmbs_chan_ctx(const struct vmbs_chan *ch);     /* ctx from vmbs_dev_add */
void     vmbs_chan_set_priv(struct vmbs_chan *ch, void *priv);
void    *vmbs_chan_priv(const struct vmbs_chan *ch);
uint32_t vmbs_chan_relid(const struct vmbs_chan *ch);
uint16_t vmbs_chan_subidx(const struct vmbs_chan *ch);
struct vmbs_chan *vmbs_chan_primary(struct vmbs_chan *ch);
bool     vmbs_chan_is_open(const struct vmbs_chan *ch);
/* The VP the channel interrupts (OPENCHANNEL/MODIFYCHANNEL target from 2.4,
 * VP 0 before), VMBUS_TARGET_VP_NO_INTERRUPT for none. */
uint32_t vmbs_chan_target_vp(const struct vmbs_chan *ch);
/* The user data of OPENCHANNEL (120 bytes), valid while open. */
const uint8_t *vmbs_chan_open_data(const struct vmbs_chan *ch);
uint32_t vmbs_chan_version(const struct vmbs_chan *ch);
/* The offer parameters of the channel's device (shared by its sub-channels). */
const struct vmbs_dev_params *vmbs_chan_params(const struct vmbs_chan *ch);  /* negotiated VMBus version */
struct vmbs *vmbs_chan_server(const struct vmbs_chan *ch);

/* ---- sending on an open channel -------------------------------------------
 * Each writes one packet into the host->guest ring and signals the guest
 * only if the ring was empty and not masked.  Returns 0, -ENOTCONN (not
 * open), -EMSGSIZE (can never fit), -EAGAIN (ring full now: pending_send_sz
 * is set, ops->writable() follows when the guest frees space), -EIO (the
 * ring turned out corrupt: the channel has been closed). */

/* In-band (type 6): 'tid' is echoed in the guest's completion when
 * want_completion. */
int vmbs_chan_send_inband(struct vmbs_chan *ch, uint64_t tid, const void *payload,
			  uint32_t len, bool want_completion);
/* Completion (type 0xB) of the guest's request 'tid'. */
int vmbs_chan_send_completion(struct vmbs_chan *ch, uint64_t tid, const void *payload,
			      uint32_t len);
/* Transfer-page packet (type 7): nranges {byte_count, byte_offset} ranges of
 * the page set 'pageset_id' (e.g. netvsc's receive buffer), then the
 * in-band payload; completion always requested. */
int vmbs_chan_send_xfer_pages(struct vmbs_chan *ch, uint64_t tid, uint16_t pageset_id,
			      const struct vmbus_xfer_page_range *ranges, uint32_t nranges,
			      const void *payload, uint32_t len);

/* Close the channel from the host side because the device found a
 * protocol violation; 'why' goes into the log line.  The guest still has to
 * send CLOSECHANNEL before it can reopen. */
void vmbs_chan_fail(struct vmbs_chan *ch, const char *why);

/* ---- guest memory for devices (vmbs_mem.c) -----------------------------------
 * Devices reach guest data only through these: every PFN is checked against
 * guest memory and every offset against the range before a byte moves. */

/* Bytes [offset, offset + len) of the concatenation of pages pfn[0..npfn). */
struct vmbs_pages {
	const uint64_t *pfn;
	uint32_t npfn;
	uint32_t offset;
	uint64_t len;
};

#define VMBS_GPA_MAX_RANGES 32u
#define VMBS_GPA_MAX_PFNS   1024u

/* The ranges of a GPA-direct packet (page-buffer or multi-page-buffer form),
 * copied out: it may outlive the packet callback (async I/O). */
struct vmbs_gpa_list {
	uint32_t nrange;
	struct vmbs_pages range[VMBS_GPA_MAX_RANGES];
	uint32_t npfn;
	uint64_t pfn[VMBS_GPA_MAX_PFNS];
};

/* Parse and check a type-9 packet: range_count 1..32, each range non-empty
 * with offset < 4096 and ceil((offset + len) / 4096) PFNs inside the
 * descriptor's header area, every PFN in guest memory.  0, -EINVAL
 * (malformed), -EFAULT (a PFN outside guest memory), -E2BIG (over the caps). */
int vmbs_pkt_gpa_parse(struct vmbs_chan *ch, const struct vmbus_pkt_desc *desc,
		       const uint8_t *pkt, uint32_t len, struct vmbs_gpa_list *out);
/* range[i].pfn points into gl->pfn: re-point it after copying the struct. */
void vmbs_gpa_list_fix(struct vmbs_gpa_list *gl);

/* Copy between guest pages and host memory.  off + len must stay inside
 * pg->len: 0, -EINVAL (outside the range), -EFAULT (outside guest memory). */
int vmbs_pages_read(struct vmbs_chan *ch, const struct vmbs_pages *pg, uint64_t off,
		    void *dst, size_t len);
int vmbs_pages_write(struct vmbs_chan *ch, const struct vmbs_pages *pg, uint64_t off,
		     const void *src, size_t len);
/* Zero-copy access: the host address of byte 'off' of the range and, in
 * *avail, how many bytes follow it in the same guest page (and the range).
 * NULL when off is outside the range or the page outside guest memory. */
void *vmbs_pages_ptr(struct vmbs_chan *ch, const struct vmbs_pages *pg, uint64_t off,
		     size_t *avail);

/* Pin GPADL 'handle' of channel 'ch' for the device's own use (netvsc
 * receive and send buffers): whole pages from offset 0.  While pinned, a
 * guest GPADL_TEARDOWN is deferred and ops->gpadl_teardown is called;
 * GPADL_TORNDOWN goes out at the last unpin.  Pins are dropped when the
 * channel closes (after ops->close).  *out stays valid while pinned.
 * 0; -ENOENT (no such GPADL on ch); -EBUSY (being built or torn down);
 * -EINVAL (not whole pages from offset 0); -EFAULT (a PFN outside memory). */
int  vmbs_gpadl_pin(struct vmbs_chan *ch, uint32_t handle, struct vmbs_pages *out);
void vmbs_gpadl_unpin(struct vmbs_chan *ch, uint32_t handle);

#endif /* SIM_HOSTD_VMBS_DEV_H */
