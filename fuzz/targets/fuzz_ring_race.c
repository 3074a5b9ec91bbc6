/* fuzz_ring_race.c -- both ring readers (host hring, guest vmbus_br) with
 * the peer changing ring bytes between two reads of the same place
 * (fuzz/common/fz_shm.h: every read is trapped; a re-read gets the next
 * bytes of the feed).  A reader that copies a packet once and validates the
 * copy passes; one that checks a length in the ring and fetches it again
 * overflows (ASan) or returns a packet that breaks the invariants below.
 * Input: u8 mode (bit 0: guest reader, else host), u16 dlen, the 20-byte
 * control header {write_index, read_index, interrupt_mask,
 * pending_send_sz, feature_bits}, dlen bytes of data area (at most 8 KiB),
 * then the feed.  Invariants: as fuzz_hring / fuzz_guest_ring (packets fit
 * the buffer and are well formed as returned, our indices in range and
 * aligned).  Slow by design (two signals per instruction touching the
 * ring): a few thousand inputs a second. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "fuzz/common/fz_shm.h"
#include "guest_drivers/kern.h"
#include "guest_drivers/vmbus/vmbus_br.h"
#include "sim/hostd/gmem.h"
#include "sim/hostd/hring.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_PAGES 3u
#define FZ_D     ((FZ_PAGES - 1) * 4096u)

static struct gmem *fz_gm;
static uint8_t *fz_grx;
static uint8_t fz_buf[FZ_D];

static void fz_host(const uint32_t hdr[5])
{
	uint8_t *mem = gmem_ptr(fz_gm, 0, FZ_PAGES * 4096);
	uint32_t *ctl = (uint32_t *)(void *)mem;
	const uint64_t pfn[FZ_PAGES] = { 0, 1, 2 };
	struct hring r;
	if (hring_map(&r, fz_gm, pfn, FZ_PAGES, false) != 0)
		return;
	(void)ctl;
	for (int batch = 0; batch < 4; batch++) {
		struct hring_batch b;
		if (hring_in_begin(&r, &b) != 0)
			break;
		int rc = 0;
		for (int n = 0; n < 64; n++) {
			struct vmbus_pkt_desc d;
			uint32_t len;
			rc = hring_in_next(&r, &b, fz_buf, sizeof fz_buf, &d, &len);
			if (rc)
				break;
			/* The descriptor returned must be the one in the copy. */
			if (len > sizeof fz_buf || len < 16 || d.offset8 * 8u > len ||
			    memcmp(&d, fz_buf, sizeof d) != 0)
				abort();
		}
		(void)hring_in_end(&r, &b);
		if (r.hr_priv >= r.hr_dsize || (r.hr_priv & 7))
			abort();
		if (rc == -EIO)
			break;
	}
	(void)hdr;
	hring_unmap(&r);
}

static void fz_guest(const uint32_t hdr[5])
{
	struct vmbus_br rx;
	/* vmbus_br_init only reads the control page's feature bits. */
	if (vmbus_br_init(&rx, fz_grx, FZ_PAGES * 4096, false))
		abort();
	rx.br_rindex = (hdr[1] % FZ_D) & ~7u;
	for (int batch = 0; batch < 16 && !rx.br_broken; batch++) {
		int rc = 0;
		for (int i = 0; i < 4; i++) {
			uint32_t len = 0;
			rc = vmbus_br_read(&rx, fz_buf, FZ_D, &len);
			if (rc)
				break;
			const struct vmbus_pkt_desc *d = (const void *)fz_buf;
			if (len > FZ_D || len % 8 || len < 16 || d->offset8 < 2 || d->len8 < d->offset8 ||
			    d->len8 * 8u != len)
				abort();
		}
		vmbus_br_read_commit(&rx);
		if (rx.br_rindex >= FZ_D || rx.br_rindex % 8)
			abort();
		if (rc)
			break;
	}
	vmbus_br_unmask(&rx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!fz_gm) {
		fz_gm = gmem_create(1u << 20);
		fz_grx = mmap(NULL, FZ_PAGES * 4096, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (!fz_gm || fz_grx == MAP_FAILED)
			abort();
		kern_log(KERN_DEBUG, "fuzz", "ring race over %u data bytes", FZ_D);
	}
	if (size < 23)
		return 0;
	bool guest = data[0] & 1;
	size_t dlen = (size_t)data[1] | (size_t)data[2] << 8;
	uint32_t hdr[5];
	memcpy(hdr, data + 3, sizeof hdr);
	if (dlen > FZ_D)
		dlen = FZ_D;
	if (dlen > size - 23)
		dlen = size - 23;
	const uint8_t *feed = data + 23 + dlen;
	size_t feedlen = size - 23 - dlen;

	uint8_t *mem = guest ? fz_grx : gmem_ptr(fz_gm, 0, FZ_PAGES * 4096);
	memset(mem, 0, FZ_PAGES * 4096);
	memcpy(mem, &hdr[0], 4);          /* write_index (the peer's) */
	memcpy(mem + 4, &hdr[1], 4);      /* read_index */
	memcpy(mem + 8, &hdr[2], 4);
	memcpy(mem + 12, &hdr[3], 4);
	memcpy(mem + 64, &hdr[4], 4);
	memcpy(mem + 4096, data + 23, dlen);

	fz_shm_watch(mem, FZ_PAGES * 4096, feed, feedlen);
	if (guest)
		fz_guest(hdr);
	else
		fz_host(hdr);
	size_t served = fz_shm_unwatch();
	if (getenv("FZ_SHM_STATS"))
		fprintf(stderr, "ring_race: %s reader, %zu re-read bytes changed\n",
			guest ? "guest" : "host", served);
	return 0;
}
