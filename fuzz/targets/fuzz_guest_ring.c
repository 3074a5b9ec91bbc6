/* fuzz_guest_ring.c -- the guest's ring code (guest_drivers/vmbus) over
 * hostile ring bytes.  Input: a 20-byte control header {write_index,
 * read_index, interrupt_mask, pending_send_sz, feature_bits} then up to
 * 8 KiB of data area.  The reader drains the inbound ring in batches; the
 * reader's own index starts at read_index (a ring already in use); the
 * writer then pushes packets into an outbound ring whose host-owned
 * read_index comes from the same header.  Invariants: our indices stay in
 * range and aligned, every packet returned is validated and fits the
 * buffer, a broken ring stays broken. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "guest_drivers/kern.h"
#include "guest_drivers/vmbus/vmbus_br.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_PAGES 3u /* control + 2 data pages */
#define FZ_D ((FZ_PAGES - 1) * 4096u)

static uint8_t *fz_rx, *fz_tx, *fz_buf;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!fz_rx) {
		fz_rx = aligned_alloc(4096, FZ_PAGES * 4096);
		fz_tx = aligned_alloc(4096, FZ_PAGES * 4096);
		fz_buf = malloc(FZ_D);
		if (!fz_rx || !fz_tx || !fz_buf)
			abort();
		/* Also pulls the runtime's kern_log into the link: the guest
		 * driver library comes after the runtime library. */
		kern_log(KERN_DEBUG, "fuzz", "guest ring over %u data bytes", FZ_D);
	}
	if (size < 20)
		return 0;
	memset(fz_rx, 0, FZ_PAGES * 4096);
	memset(fz_tx, 0, FZ_PAGES * 4096);
	uint32_t hdr[5];
	memcpy(hdr, data, sizeof hdr);
	size_t dlen = size - 20 > FZ_D ? FZ_D : size - 20;
	memcpy(fz_rx + 4096, data + 20, dlen);

	struct vmbus_br rx, tx;
	if (vmbus_br_init(&rx, fz_rx, FZ_PAGES * 4096, false))
		abort();
	/* Our read index as if the ring had been in use (start anywhere). */
	rx.br_rindex = (hdr[1] % FZ_D) & ~7u;
	memcpy(fz_rx + 4, &rx.br_rindex, 4);
	memcpy(fz_rx, hdr, 4); /* write_index (host-owned) */
	memcpy(fz_rx + 12, &hdr[3], 4);
	memcpy(fz_rx + 64, &hdr[4], 4);
	unsigned n = 0;
	for (int batch = 0; batch < 64 && !rx.br_broken; batch++) {
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
			n++;
		}
		vmbus_br_read_commit(&rx);
		if (rx.br_rindex >= FZ_D || rx.br_rindex % 8)
			abort();
		if (rc)
			break;
	}
	if (rx.br_broken) {
		uint32_t len;
		if (vmbus_br_read(&rx, fz_buf, FZ_D, &len) != -EIO || vmbus_br_avail(&rx))
			abort();
	}
	vmbus_br_unmask(&rx);

	if (vmbus_br_init(&tx, fz_tx, FZ_PAGES * 4096, true))
		abort();
	memcpy(fz_tx + 4, &hdr[1], 4); /* read_index (host-owned) */
	memcpy(fz_tx + 8, &hdr[2], 4);
	for (int i = 0; i < 16; i++) {
		uint32_t len = 16 + (uint32_t)(data[(20 + (size_t)i) % size] * 37u) % 6000;
		struct vmbus_br_iov iov = { data, len < size ? len : (uint32_t)size };
		bool sig;
		int rc = vmbus_br_write(&tx, &iov, 1, &sig);
		if (rc && rc != -EAGAIN && rc != -EMSGSIZE && rc != -EIO)
			abort();
		if (tx.br_windex >= FZ_D || tx.br_windex % 8)
			abort();
		if (rc == -EIO && !tx.br_broken)
			abort();
	}
	return 0;
}
