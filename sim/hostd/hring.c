/* hring.c -- the host end of a VMBus ring: reads packets from the
 * guest->host ring, writes packets into the host->guest ring.
 *
 * The contract (vmbus.md 6 and 7; LNX ring_buffer.c, FBSD vmbus_br.c):
 * - Each ring is a control page (write_index, read_index, interrupt_mask,
 *   pending_send_sz, feature_bits) and a data area of D bytes.  Indices are
 *   byte offsets in [0, D), multiples of 8.  Empty <=> write == read.  A
 *   packet is len8 * 8 bytes followed by an 8-byte trailer (start << 32),
 *   and any part of it may wrap from D - 1 to 0.
 * - The guest owns the write side of ring A and the read side of ring B;
 *   anything it owns may change at any moment and may be garbage.  The host
 *   owns the other index of each ring: it keeps it in hr_priv and only
 *   stores it, never loads it back, so a guest scribbling on it changes
 *   nothing for us (the guest just confuses itself).
 * - Reading: snapshot write_index once per batch (acquire: the packet bytes
 *   are visible before the index that covers them), check it (< D, 8-aligned),
 *   then per packet copy the 16-byte descriptor out, check it against the
 *   bytes the snapshot covers, copy the rest of the packet out, and parse
 *   only the copies.  After the batch, publish read_index (release: our
 *   reads of the data are done before the guest may overwrite it), full
 *   barrier, then signal the guest only if it said it was blocked: feature
 *   bit set by the guest, pending_send_sz != 0 (low 3 bits masked, as
 *   OVMM does), free space before the batch <= pending < free space now.
 * - Writing: load read_index (acquire) and check it; a corrupt read_index
 *   is a corrupt ring (the channel is closed: we never compute free space
 *   from a bad index, so unread data is never overwritten).  Write only when
 *   raw free > packet + trailer (strict, so the ring never becomes full
 *   enough to look empty).  Copy packet, padding and trailer, release
 *   barrier, publish write_index, full barrier, then signal only if
 *   interrupt_mask == 0 and read_index == the old write_index (the ring was
 *   empty before this packet: the empty->non-empty edge).  When the ring is
 *   full, store pending_send_sz = bytes needed (we set the feature bit on
 *   this ring at map time), full barrier, re-check once, and report
 *   -EAGAIN; the guest signals when it frees that much.
 * - No loop runs on peer-controlled counts without a bound: each packet
 *   consumes at least 24 bytes of a snapshot that is < D. */
#include "sim/hostd/hring.h"

#include <errno.h>
#include <string.h>

#include "hyperv/vmbus_msg.h"
#include "sim/hostd/gmem.h"
#include "sim/hostd/vmbs.h"
#include "sim/hostd/vmbs_var.h"

_Static_assert(offsetof(struct vmbus_ring_ctl, write_index) == HRING_W_WRITE * 4, "");
_Static_assert(offsetof(struct vmbus_ring_ctl, read_index) == HRING_W_READ * 4, "");
_Static_assert(offsetof(struct vmbus_ring_ctl, interrupt_mask) == HRING_W_MASK * 4, "");
_Static_assert(offsetof(struct vmbus_ring_ctl, pending_send_sz) == HRING_W_PENDING * 4, "");
_Static_assert(offsetof(struct vmbus_ring_ctl, feature_bits) == HRING_W_FEATURES * 4, "");

static inline uint32_t hring_ld(const struct hring *r, unsigned w)
{
	return __atomic_load_n(&r->hr_ctl[w], __ATOMIC_ACQUIRE);
}

static inline void hring_st(struct hring *r, unsigned w, uint32_t v)
{
	__atomic_store_n(&r->hr_ctl[w], v, __ATOMIC_RELEASE);
}

static inline bool hring_index_ok(const struct hring *r, uint32_t idx)
{
	return idx < r->hr_dsize && (idx & (VMBUS_RING_INDEX_ALIGN - 1)) == 0;
}

uint32_t hring_raw_free(uint32_t dsize, uint32_t wr, uint32_t rd)
{
	return wr >= rd ? dsize - (wr - rd) : rd - wr;
}

static uint32_t hring_avail(uint32_t dsize, uint32_t wr, uint32_t rd)
{
	return wr >= rd ? wr - rd : dsize - rd + wr;
}

/* ---- mapping -------------------------------------------------------------- */

int hring_map(struct hring *r, struct gmem *gm, const uint64_t *pfns, uint32_t npages, bool out)
{
	memset(r, 0, sizeof *r);
	if (npages < VMBUS_RING_MIN_PAGES || npages > VMBS_RING_MAX_BYTES / HV_PAGE_SIZE)
		return -EINVAL;
	uint32_t *ctl = gmem_ptr(gm, pfns[0] << 12, HV_PAGE_SIZE);
	if (!ctl)
		return -EFAULT;
	uint32_t ndata = npages - 1;
	uint8_t **pages = vmbs_zalloc(sizeof *pages * ndata);
	if (!pages)
		return -ENOMEM;
	bool flat = true;
	for (uint32_t i = 0; i < ndata; i++) {
		pages[i] = gmem_ptr(gm, pfns[1 + i] << 12, HV_PAGE_SIZE);
		if (!pages[i]) {
			vmbs_free(pages);
			return -EFAULT;
		}
		if (i && pages[i] != pages[i - 1] + HV_PAGE_SIZE)
			flat = false;
	}
	r->hr_ctl = ctl;
	r->hr_dsize = ndata * HV_PAGE_SIZE;
	r->hr_out = out;
	if (flat) {
		r->hr_flat = pages[0];
		vmbs_free(pages);
	} else {
		r->hr_pages = pages;
	}
	/* The index we own starts where the guest left it (Linux zeroes the
	 * pages); a bad one is refused now rather than trusted later. */
	r->hr_priv = hring_ld(r, out ? HRING_W_WRITE : HRING_W_READ);
	if (!hring_index_ok(r, r->hr_priv)) {
		r->hr_err = out ? "initial write_index invalid" : "initial read_index invalid";
		hring_unmap(r);
		return -EIO;
	}
	if (out) {
		/* We are the producer of this ring and honour pending_send_sz. */
		__atomic_fetch_or(&r->hr_ctl[HRING_W_FEATURES], VMBUS_RING_FEATURE_PENDING_SEND_SZ,
				  __ATOMIC_SEQ_CST);
		hring_st(r, HRING_W_PENDING, 0);
	}
	return 0;
}

void hring_unmap(struct hring *r)
{
	const char *err = r->hr_err;
	vmbs_free(r->hr_pages);
	memset(r, 0, sizeof *r);
	r->hr_err = err;
}

/* ---- copying with wrap ------------------------------------------------------- */

/* Copy len bytes (len <= D) from data offset off (< D), wrapping. */
static void hring_copy_from(const struct hring *r, uint32_t off, void *dst, uint32_t len)
{
	uint8_t *d = dst;
	while (len) {
		uint32_t n;
		const uint8_t *src;
		if (r->hr_flat) {
			n = r->hr_dsize - off;
			src = r->hr_flat + off;
		} else {
			n = HV_PAGE_SIZE - (off & (HV_PAGE_SIZE - 1));
			src = r->hr_pages[off / HV_PAGE_SIZE] + (off & (HV_PAGE_SIZE - 1));
		}
		if (n > len)
			n = len;
		memcpy(d, src, n);
		d += n;
		len -= n;
		off += n;
		if (off == r->hr_dsize)
			off = 0;
	}
}

static void hring_copy_to(struct hring *r, uint32_t off, const void *src, uint32_t len)
{
	static const uint8_t zeros[VMBUS_PKT_ALIGN];
	const uint8_t *s = src ? src : zeros; /* src NULL: len <= 8 zero bytes */
	while (len) {
		uint32_t n;
		uint8_t *dst;
		if (r->hr_flat) {
			n = r->hr_dsize - off;
			dst = r->hr_flat + off;
		} else {
			n = HV_PAGE_SIZE - (off & (HV_PAGE_SIZE - 1));
			dst = r->hr_pages[off / HV_PAGE_SIZE] + (off & (HV_PAGE_SIZE - 1));
		}
		if (n > len)
			n = len;
		memcpy(dst, s, n);
		s += n;
		len -= n;
		off += n;
		if (off == r->hr_dsize)
			off = 0;
	}
}

static uint32_t hring_adv(const struct hring *r, uint32_t off, uint32_t n)
{
	/* n < D and off < D: one subtraction suffices. */
	uint64_t x = (uint64_t)off + n;
	return (uint32_t)(x >= r->hr_dsize ? x - r->hr_dsize : x);
}

/* ---- reading ----------------------------------------------------------------- */

int hring_in_begin(struct hring *r, struct hring_batch *b)
{
	if (!r->hr_ctl)
		return -EIO;
	uint32_t wr = hring_ld(r, HRING_W_WRITE);
	if (!hring_index_ok(r, wr)) {
		r->hr_err = "write_index out of range or misaligned";
		return -EIO;
	}
	b->hb_wr = wr;
	b->hb_start = r->hr_priv;
	return 0;
}

int hring_pkt_check(const uint8_t *pkt, uint32_t len, const char **why)
{
	struct vmbus_pkt_desc d;
	memcpy(&d, pkt, sizeof d);
	switch (d.type) {
	case VMBUS_PKT_DATA_INBAND:
	case VMBUS_PKT_COMP:
		return 0;
	case VMBUS_PKT_DATA_USING_GPA_DIRECT:
		break;
	default:
		/* 7 (transfer pages) is host->guest only (RELIABILITY 5.5 #43);
		 * OVMM accepts no other type either. */
		*why = "packet type not allowed from the guest";
		return -EIO;
	}
	uint32_t hdr_end = (uint32_t)d.offset8 * 8u; /* <= len, checked by the caller */
	if (hdr_end < VMBUS_PKT_GPA_DIRECT_HDR_SIZE || hdr_end > len) {
		*why = "GPA-direct header larger than its offset8";
		return -EIO;
	}
	struct vmbus_pkt_gpa_direct g;
	memcpy(&g, pkt, sizeof g);
	if (g.range_count == 0) {
		*why = "GPA-direct packet with no range";
		return -EIO;
	}
	uint32_t off = VMBUS_PKT_GPA_DIRECT_HDR_SIZE;
	/* Each range takes >= 16 bytes of a bounded header: the loop ends. */
	for (uint32_t i = 0; i < g.range_count; i++) {
		struct vmbus_pkt_range_hdr rh;
		if (hdr_end - off < sizeof rh + 8u) {
			*why = "GPA-direct ranges past offset8";
			return -EIO;
		}
		memcpy(&rh, pkt + off, sizeof rh);
		if (rh.byte_count == 0 || rh.byte_offset > VMBUS_GPA_RANGE_MAX_OFFSET) {
			*why = "GPA-direct range empty or offset >= 4096";
			return -EIO;
		}
		uint64_t npfn = ((uint64_t)rh.byte_offset + rh.byte_count + HV_PAGE_SIZE - 1) /
				HV_PAGE_SIZE;
		off += sizeof rh;
		if (npfn > (hdr_end - off) / 8u) {
			*why = "GPA-direct ranges past offset8";
			return -EIO;
		}
		off += (uint32_t)npfn * 8u;
	}
	return 0;
}

int hring_in_next(struct hring *r, struct hring_batch *b, uint8_t *buf, uint32_t cap,
		  struct vmbus_pkt_desc *desc, uint32_t *len)
{
	if (r->hr_priv == b->hb_wr)
		return -EAGAIN;
	uint32_t avail = hring_avail(r->hr_dsize, b->hb_wr, r->hr_priv);
	if (avail < VMBUS_PKT_DESC_SIZE + VMBUS_PKT_TRAILER_SIZE) {
		r->hr_err = "fewer bytes than a descriptor and trailer";
		return -EIO;
	}
	struct vmbus_pkt_desc d;
	hring_copy_from(r, r->hr_priv, &d, sizeof d);
	if (d.offset8 < VMBUS_PKT_MIN_OFFSET8 || d.len8 < d.offset8) {
		r->hr_err = "descriptor offset8 < 2 or len8 < offset8";
		return -EIO;
	}
	uint32_t total = (uint32_t)d.len8 * 8u;
	if (total > avail - VMBUS_PKT_TRAILER_SIZE) {
		r->hr_err = "packet longer than the bytes written";
		return -EIO;
	}
	if (d.flags & ~VMBUS_PKT_FLAGS_KNOWN) {
		r->hr_err = "unknown descriptor flag bits";
		return -EIO;
	}
	if (total > cap) {
		r->hr_err = "packet larger than the channel's packet buffer";
		return -EIO;
	}
	/* The descriptor goes into the buffer from our copy, the rest is
	 * copied once: nothing of this packet is read from the ring again. */
	memcpy(buf, &d, sizeof d);
	hring_copy_from(r, hring_adv(r, r->hr_priv, sizeof d), buf + sizeof d,
			total - (uint32_t)sizeof d);
	const char *why = NULL;
	if (hring_pkt_check(buf, total, &why) != 0) {
		r->hr_err = why;
		return -EIO;
	}
	r->hr_priv = hring_adv(r, r->hr_priv, total + VMBUS_PKT_TRAILER_SIZE);
	*desc = d;
	*len = total;
	return 0;
}

bool hring_in_end(struct hring *r, struct hring_batch *b)
{
	if (!r->hr_ctl || r->hr_priv == b->hb_start)
		return false;
	/* Release: our copies of the packets are complete before the guest
	 * may reuse the space. */
	hring_st(r, HRING_W_READ, r->hr_priv);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!(hring_ld(r, HRING_W_FEATURES) & VMBUS_RING_FEATURE_PENDING_SEND_SZ))
		return false;
	uint32_t pending = hring_ld(r, HRING_W_PENDING) & VMBUS_RING_PENDING_SEND_SZ_MASK;
	if (pending == 0)
		return false;
	uint32_t wr = hring_ld(r, HRING_W_WRITE);
	if (!hring_index_ok(r, wr))
		wr = b->hb_wr; /* caught at the next batch; decide with what we know */
	uint32_t free_now = hring_raw_free(r->hr_dsize, wr, r->hr_priv);
	uint32_t read = hring_avail(r->hr_dsize, r->hr_priv, b->hb_start);
	if (read == 0)
		read = r->hr_dsize; /* cannot happen: priv != start */
	uint32_t free_before = free_now >= read ? free_now - read : 0;
	/* Signal only on the blocked -> unblocked edge (LNX hv_pkt_iter_close). */
	return free_before <= pending && free_now > pending;
}

bool hring_in_pending(const struct hring *r)
{
	if (!r->hr_ctl)
		return false;
	return hring_ld(r, HRING_W_WRITE) != r->hr_priv;
}

/* ---- writing ----------------------------------------------------------------- */

int hring_out_write(struct hring *r, const struct hring_iov *iov, unsigned niov, bool *signal)
{
	*signal = false;
	if (!r->hr_ctl)
		return -EIO;
	uint64_t total = 0;
	for (unsigned i = 0; i < niov; i++)
		total += iov[i].len;
	uint64_t padded = (total + VMBUS_PKT_ALIGN - 1) & ~(uint64_t)(VMBUS_PKT_ALIGN - 1);
	uint64_t need = padded + VMBUS_PKT_TRAILER_SIZE;
	if (padded > VMBUS_PKT_MAX_LEN || need >= r->hr_dsize)
		return -EMSGSIZE;

	uint32_t rd = hring_ld(r, HRING_W_READ);
	if (!hring_index_ok(r, rd)) {
		r->hr_err = "guest read_index out of range or misaligned";
		return -EIO;
	}
	if (hring_raw_free(r->hr_dsize, r->hr_priv, rd) <= need) {
		/* Tell the guest what we wait for, then look once more in case
		 * it freed space before it could see the request. */
		r->hr_blocked = true;
		r->hr_need = (uint32_t)need;
		hring_st(r, HRING_W_PENDING, (uint32_t)need);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		rd = hring_ld(r, HRING_W_READ);
		if (!hring_index_ok(r, rd)) {
			r->hr_err = "guest read_index out of range or misaligned";
			return -EIO;
		}
		if (hring_raw_free(r->hr_dsize, r->hr_priv, rd) <= need)
			return -EAGAIN;
	}
	if (r->hr_blocked) {
		r->hr_blocked = false;
		hring_st(r, HRING_W_PENDING, 0);
	}

	uint32_t old = r->hr_priv, off = old;
	for (unsigned i = 0; i < niov; i++) {
		if (!iov[i].len)
			continue;
		hring_copy_to(r, off, iov[i].base, iov[i].len);
		off = hring_adv(r, off, iov[i].len);
	}
	if (padded != total) {
		hring_copy_to(r, off, NULL, (uint32_t)(padded - total));
		off = hring_adv(r, off, (uint32_t)(padded - total));
	}
	uint64_t trailer = (uint64_t)old << VMBUS_PKT_TRAILER_START_SHIFT;
	hring_copy_to(r, off, &trailer, sizeof trailer);
	off = hring_adv(r, off, sizeof trailer);
	r->hr_priv = off;
	/* Release: packet and trailer are visible before the index. */
	hring_st(r, HRING_W_WRITE, off);
	/* Full barrier between publishing and reading the guest's mask and
	 * read_index (the store->load ordering the edge test needs). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (hring_ld(r, HRING_W_MASK) == 0 && hring_ld(r, HRING_W_READ) == old)
		*signal = true;
	return 0;
}

bool hring_out_unblocked(struct hring *r)
{
	if (!r->hr_ctl || !r->hr_blocked)
		return false;
	uint32_t rd = hring_ld(r, HRING_W_READ);
	if (!hring_index_ok(r, rd))
		return false; /* the next write reports the corruption */
	if (hring_raw_free(r->hr_dsize, r->hr_priv, rd) <= r->hr_need)
		return false;
	r->hr_blocked = false;
	hring_st(r, HRING_W_PENDING, 0);
	return true;
}
