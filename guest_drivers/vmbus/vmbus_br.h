/* vmbus_br.h -- the guest's end of a VMBus ring ("buffer ring"): one
 * producer or consumer over a control page + data area in guest memory the
 * host also writes.  Contract and barriers: top of vmbus_ring.c. */
#ifndef GUEST_DRIVERS_VMBUS_VMBUS_BR_H
#define GUEST_DRIVERS_VMBUS_VMBUS_BR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hyperv/vmbus_ring.h"

struct vmbus_br {
	struct vmbus_ring_ctl *br_ctl;  /* shared control page */
	uint8_t  *br_data;              /* shared data area */
	uint32_t  br_dsize;             /* data bytes (ring bytes - 4096) */
	uint32_t  br_windex;            /* tx: our write index (private copy) */
	uint32_t  br_rindex;            /* rx: our read index (private copy, published on commit) */
	uint32_t  br_batch_read;        /* rx: bytes consumed in the batch under way */
	bool      br_batch;             /* rx: a batch is under way */
	bool      br_broken;            /* the host wrote an impossible index or packet */
	const char *br_why;             /* why it broke, for logs and tests */
};

/* A piece of a packet to send (gather list). */
struct vmbus_br_iov {
	const void *base;
	uint32_t len;
};

/* Set up over 'bytes' of memory at 'va' (a whole number of pages, >= 2).
 * tx: we produce (the pending_send_sz feature bit is set in the control
 * page); rx: we consume.  The indices are NOT reset: the host's view of a
 * fresh ring is all zero (pages come zeroed). -EINVAL on a bad size. */
int  vmbus_br_init(struct vmbus_br *br, void *va, size_t bytes, bool tx);

/* ---- producer (tx) ---- */
/* Largest packet (descriptor included, before the trailer) that can ever
 * fit: data size - 16 (vmbus.md 6: free space must stay > packet + 8). */
uint32_t vmbus_br_max_packet(const struct vmbus_br *br);
/* Write one packet made of iov[0..n), zero padded to 8, plus the trailer.
 * *signal says whether the host must be told (ring was empty and it did
 * not mask).  0; -EAGAIN (no room now); -EMSGSIZE (never fits); -EIO
 * (broken). */
int  vmbus_br_write(struct vmbus_br *br, const struct vmbus_br_iov *iov, unsigned n,
		    bool *signal);
/* Bytes the host must free before a packet of 'pktlen' fits, as stored in
 * pending_send_sz: packet (padded) + trailer. */
uint32_t vmbus_br_need(uint32_t pktlen);
/* Is there room for 'need' bytes now (strict rule)?  False when broken. */
bool vmbus_br_has_room(struct vmbus_br *br, uint32_t need);
void vmbus_br_set_pending(struct vmbus_br *br, uint32_t need);
void vmbus_br_clear_pending(struct vmbus_br *br);

/* ---- consumer (rx) ---- */
/* Copy the next packet into buf (descriptor included), validated.
 * 0 with *len; -EAGAIN when empty; -EIO when broken (now or before).
 * The read index is published by vmbus_br_read_commit. */
int  vmbus_br_read(struct vmbus_br *br, void *buf, uint32_t cap, uint32_t *len);
/* Publish the read index after a batch.  Returns true when the host is
 * blocked on this ring (pending_send_sz) and now has room: signal it. */
bool vmbus_br_read_commit(struct vmbus_br *br);
/* interrupt_mask = 1 while draining. */
void vmbus_br_mask(struct vmbus_br *br);
/* interrupt_mask = 0, full barrier, and re-check: true when data arrived
 * meanwhile (drain again). */
bool vmbus_br_unmask(struct vmbus_br *br);
/* Bytes waiting to be read (0 when broken). */
uint32_t vmbus_br_avail(struct vmbus_br *br);

#endif /* GUEST_DRIVERS_VMBUS_VMBUS_BR_H */
