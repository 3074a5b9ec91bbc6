/* hring.h -- the host end of one VMBus ring (vmbus.md 6, 7): the reader of
 * the guest->host ring and the writer of the host->guest ring.  The
 * contract is written at the top of hring.c. */
#ifndef SIM_HOSTD_HRING_H
#define SIM_HOSTD_HRING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hyperv/vmbus_ring.h"

struct gmem;

/* One ring as the host sees it.  The control page and data live in guest
 * memory; every index the host owns is kept privately (hr_priv) and only
 * published, never read back. */
struct hring {
	uint32_t *hr_ctl;     /* control page, as u32 words (HRING_W_*) */
	uint8_t  *hr_flat;    /* data area when contiguous in host memory, else NULL */
	uint8_t **hr_pages;   /* data pages otherwise (owned array) */
	uint32_t  hr_dsize;   /* D: data bytes, a multiple of 4096 */
	uint32_t  hr_priv;    /* read_index (incoming) or write_index (outgoing) */
	bool      hr_out;     /* host->guest (we write) */
	bool      hr_blocked; /* outgoing: we set pending_send_sz */
	uint32_t  hr_need;    /* outgoing: bytes we wait for when blocked */
	const char *hr_err;   /* why the ring was found corrupt (static string) */
};

/* u32 word indices into the control page (offsets / 4, vmbus_ring.h). */
#define HRING_W_WRITE    0u
#define HRING_W_READ     1u
#define HRING_W_MASK     2u
#define HRING_W_PENDING  3u
#define HRING_W_FEATURES 16u

/* Map a ring of 'npages' pages (control page first) from the PFN list
 * 'pfns' (already validated against guest memory; borrowed for the call).
 * 'out' chooses host->guest (we write; we set the pending_send_sz feature
 * bit) or guest->host (we read).  Takes our private index from the
 * control page and checks it.  0, -EINVAL (fewer than 2 pages, too large),
 * -EFAULT (a page outside guest memory), -EIO (the initial index is
 * corrupt; hr_err says which), -ENOMEM. */
int  hring_map(struct hring *r, struct gmem *gm, const uint64_t *pfns, uint32_t npages,
	       bool out);
void hring_unmap(struct hring *r); /* safe on a zeroed or unmapped ring */

/* ---- reading the guest->host ring ---- */

struct hring_batch {
	uint32_t hb_wr;     /* write_index snapshot */
	uint32_t hb_start;  /* our read_index when the batch began */
};
/* Snapshot write_index and check it.  0 or -EIO (corrupt). */
int  hring_in_begin(struct hring *r, struct hring_batch *b);
/* Copy the next packet (descriptor included) into buf (cap bytes, at least
 * VMBUS_PKT_DESC_SIZE) and validate it; 'desc' is the descriptor as
 * copied.  0 (len set), -EAGAIN (no packet in the snapshot), -EIO (corrupt
 * ring or packet; hr_err says why).  Nothing is re-read from the ring. */
int  hring_in_next(struct hring *r, struct hring_batch *b, uint8_t *buf, uint32_t cap,
		   struct vmbus_pkt_desc *desc, uint32_t *len);
/* Publish read_index.  True when the guest must be signalled because it
 * was blocked on this ring (pending_send_sz rule, vmbus.md 6). */
bool hring_in_end(struct hring *r, struct hring_batch *b);
/* True if the ring holds unread bytes now (racy hint for rescheduling). */
bool hring_in_pending(const struct hring *r);

/* Validate the shape of a packet the guest sent (type 6, 9 or 0xB; a
 * GPA-direct header with its ranges inside offset8 * 8).  0 or -EIO with
 * *why set. */
int  hring_pkt_check(const uint8_t *pkt, uint32_t len, const char **why);

/* ---- writing the host->guest ring ---- */

struct hring_iov {
	const void *base;
	uint32_t len;
};
/* Write one packet made of niov pieces (descriptor first, as given:
 * the caller sets offset8 and len8 for the padded length), zero padding to
 * 8, then the trailer; publish write_index.  *signal tells whether the
 * guest must be signalled (not masked and the ring was empty before).
 * 0, -EMSGSIZE (never fits), -EAGAIN (full: pending_send_sz set), -EIO. */
int  hring_out_write(struct hring *r, const struct hring_iov *iov, unsigned niov,
		     bool *signal);
/* After a signal from the guest: true if we were blocked and the space we
 * wait for is free now (clears the blocked state). */
bool hring_out_unblocked(struct hring *r);

/* Bytes free for a writer (raw, vmbus.md 6) given indices, for tests. */
uint32_t hring_raw_free(uint32_t dsize, uint32_t wr, uint32_t rd);

#endif /* SIM_HOSTD_HRING_H */
