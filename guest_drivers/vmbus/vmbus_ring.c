/* vmbus_ring.c -- the guest's own VMBus ring code (vmbus.md 6 and 7).
 *
 * The contract:
 *  - Each ring is a control page followed by a data area of D bytes.  The
 *    producer owns write_index and pending_send_sz (and feature_bits); the
 *    consumer owns read_index and interrupt_mask.  Both indices are byte
 *    offsets in [0, D), multiples of 8.  Empty <=> write == read.
 *  - We keep a private copy of the index we own and never read it back
 *    from shared memory; the index the host owns is read once per
 *    operation and validated (< D, 8-aligned).  A bad one breaks the ring
 *    for good: the channel is unusable from then on (RELIABILITY 5.5).
 *  - Producer: a packet (padded to 8) plus the 8-byte trailer (the u64
 *    start << 32) needs raw free space strictly greater than its size, so
 *    the ring never looks empty when full; the largest packet is D - 16.
 *    Copy, full barrier, publish write_index, full barrier, then signal
 *    only if the host did not mask and read_index == the old write index
 *    (the ring was empty: Windows hosts treat other signals as abuse).
 *  - Consumer: each packet is copied out whole into private memory and
 *    its descriptor validated on that copy (offset8 >= 2, len8 >= offset8,
 *    packet + trailer within the bytes available, a type we accept); the
 *    read index is published once per batch.  After publishing, the host
 *    is signalled if it set the pending_send_sz feature, was blocked
 *    (free before the batch <= pending) and now has room (free > pending,
 *    strictly).
 *  - interrupt_mask = 1 while draining; after unmasking a full barrier
 *    and a re-check close the window in which the host saw the mask and
 *    did not signal. */
#include <string.h>

#include "guest_drivers/kern.h"
#include "guest_drivers/vmbus/vmbus_br.h"

/* A control-page word, through a byte pointer: the struct is packed, the
 * words are 4-byte aligned in the page and accessed atomically. */
#define CTL(br, f) \
	((uint32_t *)(void *)((uint8_t *)(br)->br_ctl + offsetof(struct vmbus_ring_ctl, f)))

static bool idx_ok(const struct vmbus_br *br, uint32_t idx)
{
	return idx < br->br_dsize && (idx % VMBUS_RING_INDEX_ALIGN) == 0;
}

static void br_break(struct vmbus_br *br, const char *why)
{
	if (!br->br_broken)
		kern_log(KERN_ERR, "vmbus", "ring broken: %s", why);
	br->br_broken = true;
	br->br_why = why;
}

int vmbus_br_init(struct vmbus_br *br, void *va, size_t bytes, bool tx)
{
	memset(br, 0, sizeof *br);
	if (!va || bytes % VMBUS_RING_CTL_SIZE || bytes < VMBUS_RING_MIN_PAGES * VMBUS_RING_CTL_SIZE ||
	    bytes - VMBUS_RING_CTL_SIZE > UINT32_MAX / 2)
		return -EINVAL;
	br->br_ctl = va;
	br->br_data = (uint8_t *)va + VMBUS_RING_CTL_SIZE;
	br->br_dsize = (uint32_t)(bytes - VMBUS_RING_CTL_SIZE);
	/* Take the indices as they are (zero on fresh pages): the host
	 * starts from the same picture. */
	br->br_windex = 0;
	br->br_rindex = 0;
	if (tx)
		__atomic_store_n(CTL(br, feature_bits), VMBUS_RING_FEATURE_PENDING_SEND_SZ,
				 __ATOMIC_RELEASE);
	return 0;
}

/* Copy in/out of the circular data area, in at most two pieces. */
static void ring_put(struct vmbus_br *br, uint32_t off, const void *src, uint32_t len)
{
	uint32_t first = br->br_dsize - off;
	if (first > len)
		first = len;
	memcpy(br->br_data + off, src, first);
	if (len > first)
		memcpy(br->br_data, (const uint8_t *)src + first, len - first);
}

static void ring_zero(struct vmbus_br *br, uint32_t off, uint32_t len)
{
	uint32_t first = br->br_dsize - off;
	if (first > len)
		first = len;
	memset(br->br_data + off, 0, first);
	if (len > first)
		memset(br->br_data, 0, len - first);
}

static void ring_get(const struct vmbus_br *br, uint32_t off, void *dst, uint32_t len)
{
	uint32_t first = br->br_dsize - off;
	if (first > len)
		first = len;
	memcpy(dst, br->br_data + off, first);
	if (len > first)
		memcpy((uint8_t *)dst + first, br->br_data, len - first);
}

static uint32_t ring_add(const struct vmbus_br *br, uint32_t idx, uint32_t n)
{
	/* idx < D and n <= D: no overflow, D < 2^31. */
	idx += n;
	return idx >= br->br_dsize ? idx - br->br_dsize : idx;
}

/* Bytes between a read index r and a write index w. */
static uint32_t ring_used(const struct vmbus_br *br, uint32_t r, uint32_t w)
{
	return w >= r ? w - r : br->br_dsize - r + w;
}

/* ---- producer --------------------------------------------------------------- */

uint32_t vmbus_br_max_packet(const struct vmbus_br *br)
{
	return br->br_dsize > 16 ? br->br_dsize - 16 : 0;
}

uint32_t vmbus_br_need(uint32_t pktlen)
{
	return ((pktlen + 7u) & ~7u) + VMBUS_PKT_TRAILER_SIZE;
}

/* Raw free space as the host's read index says, or false when broken. */
static bool tx_free(struct vmbus_br *br, uint32_t *free)
{
	if (br->br_broken)
		return false;
	uint32_t r = __atomic_load_n(CTL(br, read_index), __ATOMIC_ACQUIRE);
	if (!idx_ok(br, r)) {
		br_break(br, "host read_index out of range or unaligned");
		return false;
	}
	*free = br->br_dsize - ring_used(br, r, br->br_windex);
	return true;
}

bool vmbus_br_has_room(struct vmbus_br *br, uint32_t need)
{
	uint32_t free;
	return tx_free(br, &free) && free > need;
}

int vmbus_br_write(struct vmbus_br *br, const struct vmbus_br_iov *iov, unsigned n, bool *signal)
{
	*signal = false;
	uint64_t total = 0;
	for (unsigned i = 0; i < n; i++)
		total += iov[i].len;
	if (total > vmbus_br_max_packet(br) || total > VMBUS_PKT_MAX_LEN)
		return -EMSGSIZE;
	uint32_t padded = ((uint32_t)total + 7u) & ~7u;
	if (padded > vmbus_br_max_packet(br))
		return -EMSGSIZE;
	uint32_t need = padded + VMBUS_PKT_TRAILER_SIZE;
	uint32_t free;
	if (!tx_free(br, &free))
		return -EIO;
	if (free <= need)
		return -EAGAIN;

	uint32_t old = br->br_windex, pos = old;
	for (unsigned i = 0; i < n; i++) {
		if (!iov[i].len)
			continue;
		ring_put(br, pos, iov[i].base, iov[i].len);
		pos = ring_add(br, pos, iov[i].len);
	}
	if (padded > total)
		ring_zero(br, pos, padded - (uint32_t)total);
	pos = ring_add(br, old, padded);
	uint64_t trailer = (uint64_t)old << VMBUS_PKT_TRAILER_START_SHIFT;
	ring_put(br, pos, &trailer, sizeof trailer);
	br->br_windex = ring_add(br, pos, VMBUS_PKT_TRAILER_SIZE);

	/* The packet must be visible before the index that publishes it. */
	kern_mb();
	__atomic_store_n(CTL(br, write_index), br->br_windex, __ATOMIC_RELEASE);
	/* And the index before we look at the host's mask and read index:
	 * otherwise the host could drain, go idle, and we miss the edge. */
	kern_mb();
	if (__atomic_load_n(CTL(br, interrupt_mask), __ATOMIC_ACQUIRE))
		return 0;
	*signal = __atomic_load_n(CTL(br, read_index), __ATOMIC_ACQUIRE) == old;
	return 0;
}

void vmbus_br_set_pending(struct vmbus_br *br, uint32_t need)
{
	__atomic_store_n(CTL(br, pending_send_sz), need, __ATOMIC_RELEASE);
	/* Published before the re-check of free space the caller does next. */
	kern_mb();
}

void vmbus_br_clear_pending(struct vmbus_br *br)
{
	__atomic_store_n(CTL(br, pending_send_sz), 0, __ATOMIC_RELEASE);
}

/* ---- consumer --------------------------------------------------------------- */

/* The host's write index, validated; false when broken. */
static bool rx_windex(struct vmbus_br *br, uint32_t *w)
{
	if (br->br_broken)
		return false;
	*w = __atomic_load_n(CTL(br, write_index), __ATOMIC_ACQUIRE);
	if (!idx_ok(br, *w)) {
		br_break(br, "host write_index out of range or unaligned");
		return false;
	}
	return true;
}

uint32_t vmbus_br_avail(struct vmbus_br *br)
{
	uint32_t w;
	return rx_windex(br, &w) ? ring_used(br, br->br_rindex, w) : 0;
}

static bool pkt_type_ok(uint16_t type)
{
	return type == VMBUS_PKT_DATA_INBAND || type == VMBUS_PKT_DATA_USING_XFER_PAGES ||
	       type == VMBUS_PKT_DATA_USING_GPA_DIRECT || type == VMBUS_PKT_COMP;
}

int vmbus_br_read(struct vmbus_br *br, void *buf, uint32_t cap, uint32_t *len)
{
	uint32_t w;
	if (!rx_windex(br, &w))
		return -EIO;
	/* The data the index publishes is read only after the index. */
	kern_rmb();
	uint32_t avail = ring_used(br, br->br_rindex, w);
	if (avail == 0)
		return -EAGAIN;
	if (avail < VMBUS_PKT_DESC_SIZE + VMBUS_PKT_TRAILER_SIZE) {
		br_break(br, "fewer bytes than a descriptor and trailer");
		return -EIO;
	}
	struct vmbus_pkt_desc d;
	ring_get(br, br->br_rindex, &d, sizeof d);
	uint32_t plen = (uint32_t)d.len8 * 8u;
	if (d.offset8 < VMBUS_PKT_MIN_OFFSET8) {
		br_break(br, "descriptor offset8 < 2");
		return -EIO;
	}
	if (d.len8 < d.offset8) {
		br_break(br, "descriptor len8 < offset8");
		return -EIO;
	}
	if (plen > avail - VMBUS_PKT_TRAILER_SIZE) {
		br_break(br, "packet longer than the bytes available");
		return -EIO;
	}
	if (!pkt_type_ok(d.type)) {
		br_break(br, "unknown packet type");
		return -EIO;
	}
	if (plen > cap) {
		br_break(br, "packet larger than the receive buffer");
		return -EIO;
	}
	ring_get(br, br->br_rindex, buf, plen);
	/* The host may have rewritten the descriptor since we checked it:
	 * the caller sees the validated one (double fetch). */
	memcpy(buf, &d, sizeof d);
	*len = plen;
	br->br_rindex = ring_add(br, br->br_rindex, plen + VMBUS_PKT_TRAILER_SIZE);
	br->br_batch = true;
	br->br_batch_read += plen + VMBUS_PKT_TRAILER_SIZE;
	return 0;
}

bool vmbus_br_read_commit(struct vmbus_br *br)
{
	if (!br->br_batch)
		return false;
	uint32_t read = br->br_batch_read;
	br->br_batch = false;
	br->br_batch_read = 0;
	/* Our copies are complete before the host may reuse the space. */
	kern_mb();
	__atomic_store_n(CTL(br, read_index), br->br_rindex, __ATOMIC_RELEASE);
	/* The index is visible before we read pending_send_sz: a host that
	 * sets pending after our read sees the new index on its re-check. */
	kern_mb();
	if (!(__atomic_load_n(CTL(br, feature_bits), __ATOMIC_ACQUIRE) &
	      VMBUS_RING_FEATURE_PENDING_SEND_SZ))
		return false;
	uint32_t pending = __atomic_load_n(CTL(br, pending_send_sz), __ATOMIC_ACQUIRE);
	if (!pending)
		return false;
	uint32_t w;
	if (!rx_windex(br, &w))
		return false;
	uint32_t free_now = br->br_dsize - ring_used(br, br->br_rindex, w);
	uint32_t free_before = free_now >= read ? free_now - read : 0;
	return free_before <= pending && free_now > pending;
}

void vmbus_br_mask(struct vmbus_br *br)
{
	__atomic_store_n(CTL(br, interrupt_mask), 1, __ATOMIC_RELEASE);
	kern_mb();
}

bool vmbus_br_unmask(struct vmbus_br *br)
{
	__atomic_store_n(CTL(br, interrupt_mask), 0, __ATOMIC_RELEASE);
	/* The unmask is visible before we look for data the host wrote while
	 * it saw the mask set (and so did not signal). */
	kern_mb();
	return vmbus_br_avail(br) > 0;
}
