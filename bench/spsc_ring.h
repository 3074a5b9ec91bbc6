/* spsc_ring.h -- the baseline for bench_chan: the simplest correct
 * single-producer single-consumer byte ring in shared memory between two
 * processes, signalled the way VMBus signals (header-only: the bench
 * CMake rule builds bench_*.c files only).
 *
 * The contract, the same as a VMBus ring's (vmbus.md 6) minus the
 * descriptor and trailer:
 * - A data area of D bytes; write index owned by the producer, read index
 *   by the consumer, both byte offsets in [0, D), multiples of 8.  Empty
 *   <=> write == read; the producer keeps free > need so a full ring never
 *   looks empty.  A packet is an 8-byte length word then the payload,
 *   padded to 8; any part may wrap.
 * - The consumer masks (mask = 1) while it drains, publishes read after a
 *   batch, unmasks, full barrier, re-checks, and only then sleeps on its
 *   eventfd.  The producer signals that eventfd only when the ring was
 *   empty before its packet and the consumer is not masked.
 * - A producer that finds no room stores pending = bytes needed, full
 *   barrier, re-checks, and sleeps on its own eventfd; the consumer signals
 *   it after a batch only on the blocked -> unblocked edge
 *   (free before <= pending < free after).
 * Nothing here is hostile-peer safe: both ends are this benchmark. */
#ifndef BENCH_SPSC_RING_H
#define BENCH_SPSC_RING_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

struct spsc_ctl {
	_Alignas(64) uint32_t write;
	_Alignas(64) uint32_t read;
	_Alignas(64) uint32_t mask;     /* consumer is draining: no signal needed */
	_Alignas(64) uint32_t pending;  /* producer waits for this many free bytes */
};

struct spsc_ring {
	struct spsc_ctl *ctl;  /* shared */
	uint8_t *data;         /* shared, dsize bytes */
	uint32_t dsize;
	uint32_t priv;         /* our own index (write for the producer, read for the consumer) */
	int      cons_fd;      /* eventfd: wake the consumer */
	int      prod_fd;      /* eventfd: wake the producer */
	size_t   map_bytes;
};

/* Map one anonymous shared ring of dsize data bytes (a multiple of 8),
 * before fork().  0 or -errno. */
static inline int spsc_create(struct spsc_ring *r, uint32_t dsize, int cons_fd, int prod_fd)
{
	memset(r, 0, sizeof *r);
	r->map_bytes = 4096u + dsize;
	void *p = mmap(NULL, r->map_bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		       -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	r->ctl = p;
	r->data = (uint8_t *)p + 4096u;
	r->dsize = dsize;
	r->cons_fd = cons_fd;
	r->prod_fd = prod_fd;
	return 0;
}

static inline void spsc_destroy(struct spsc_ring *r)
{
	if (r->ctl)
		munmap(r->ctl, r->map_bytes);
	r->ctl = NULL;
}

static inline uint32_t spsc_free(uint32_t d, uint32_t wr, uint32_t rd)
{
	return wr >= rd ? d - (wr - rd) : rd - wr;
}

static inline void spsc_kick(int fd)
{
	uint64_t one = 1;
	if (write(fd, &one, sizeof one) < 0) {
		/* EAGAIN only near 2^64: the peer is awake anyway. */
	}
}

static inline void spsc_sleep(int fd)
{
	uint64_t v;
	if (read(fd, &v, sizeof v) < 0) {
		/* EINTR: the caller re-checks its condition. */
	}
}

static inline void spsc_copy_to(struct spsc_ring *r, uint32_t off, const void *src, uint32_t len)
{
	uint32_t n = r->dsize - off < len ? r->dsize - off : len;
	memcpy(r->data + off, src, n);
	if (n < len)
		memcpy(r->data, (const uint8_t *)src + n, len - n);
}

static inline void spsc_copy_from(const struct spsc_ring *r, uint32_t off, void *dst, uint32_t len)
{
	uint32_t n = r->dsize - off < len ? r->dsize - off : len;
	memcpy(dst, r->data + off, n);
	if (n < len)
		memcpy((uint8_t *)dst + n, r->data, len - n);
}

static inline uint32_t spsc_adv(const struct spsc_ring *r, uint32_t off, uint32_t n)
{
	uint64_t x = (uint64_t)off + n;
	return (uint32_t)(x >= r->dsize ? x - r->dsize : x);
}

/* Producer: send one packet, sleeping while the ring is full. */
static inline void spsc_send(struct spsc_ring *r, const void *buf, uint32_t len)
{
	uint64_t hdr = len;
	uint32_t padded = (len + 7u) & ~7u;
	uint32_t need = 8u + padded;
	for (;;) {
		uint32_t rd = __atomic_load_n(&r->ctl->read, __ATOMIC_ACQUIRE);
		if (spsc_free(r->dsize, r->priv, rd) > need)
			break;
		__atomic_store_n(&r->ctl->pending, need, __ATOMIC_SEQ_CST);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		rd = __atomic_load_n(&r->ctl->read, __ATOMIC_ACQUIRE);
		if (spsc_free(r->dsize, r->priv, rd) > need) {
			__atomic_store_n(&r->ctl->pending, 0, __ATOMIC_RELAXED);
			break;
		}
		spsc_sleep(r->prod_fd);
		__atomic_store_n(&r->ctl->pending, 0, __ATOMIC_RELAXED);
	}
	uint32_t old = r->priv, off = old;
	spsc_copy_to(r, off, &hdr, 8);
	off = spsc_adv(r, off, 8);
	spsc_copy_to(r, off, buf, len);
	r->priv = spsc_adv(r, off, padded);
	__atomic_store_n(&r->ctl->write, r->priv, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (__atomic_load_n(&r->ctl->mask, __ATOMIC_RELAXED) == 0 &&
	    __atomic_load_n(&r->ctl->read, __ATOMIC_RELAXED) == old)
		spsc_kick(r->cons_fd);
}

/* Consumer: receive packets until 'count' arrived, calling fn on a private
 * copy of each (buf holds cap bytes, at least the largest packet). */
static inline void spsc_recv(struct spsc_ring *r, uint64_t count, uint8_t *buf,
			     void (*fn)(void *arg, const uint8_t *pkt, uint32_t len), void *arg)
{
	uint64_t got = 0;
	while (got < count) {
		__atomic_store_n(&r->ctl->mask, 1u, __ATOMIC_RELAXED);
		uint32_t start = r->priv;
		for (;;) {
			uint32_t wr = __atomic_load_n(&r->ctl->write, __ATOMIC_ACQUIRE);
			if (wr == r->priv)
				break;
			while (r->priv != wr) {
				uint64_t hdr;
				spsc_copy_from(r, r->priv, &hdr, 8);
				uint32_t len = (uint32_t)hdr;
				uint32_t off = spsc_adv(r, r->priv, 8);
				spsc_copy_from(r, off, buf, len);
				r->priv = spsc_adv(r, off, (len + 7u) & ~7u);
				fn(arg, buf, len);
				got++;
			}
		}
		if (r->priv != start) {
			__atomic_store_n(&r->ctl->read, r->priv, __ATOMIC_RELEASE);
			__atomic_thread_fence(__ATOMIC_SEQ_CST);
			uint32_t pend = __atomic_load_n(&r->ctl->pending, __ATOMIC_RELAXED);
			if (pend) {
				uint32_t wr = __atomic_load_n(&r->ctl->write, __ATOMIC_RELAXED);
				uint32_t now = spsc_free(r->dsize, wr, r->priv);
				/* Bytes this batch freed: D minus what free() says
				 * of (start .. priv] taken as a write. */
				uint32_t freed = r->dsize - spsc_free(r->dsize, r->priv, start);
				uint32_t before = now - freed;
				if (before <= pend && now > pend)
					spsc_kick(r->prod_fd);
			}
		}
		if (got >= count)
			break;
		__atomic_store_n(&r->ctl->mask, 0u, __ATOMIC_SEQ_CST);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (__atomic_load_n(&r->ctl->write, __ATOMIC_ACQUIRE) != r->priv)
			continue;
		spsc_sleep(r->cons_fd);
	}
}

#endif /* BENCH_SPSC_RING_H */
