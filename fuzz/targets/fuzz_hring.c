/* fuzz_hring.c -- the host ring end over hostile ring bytes.  Input: a
 * 20-byte control header {write_index, read_index, interrupt_mask,
 * pending_send_sz, feature_bits} then up to 8 KiB of data area.  The reader
 * drains ring A; the writer then pushes packets into ring B whose guest-owned
 * fields come from the same bytes.  Invariants: indices we own stay in
 * range and aligned; no packet longer than the buffer is returned. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sim/hostd/gmem.h"
#include "sim/hostd/hring.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_PAGES 3u /* control + 2 data pages */

static struct gmem *fz_gm;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!fz_gm) {
		fz_gm = gmem_create(1u << 20);
		if (!fz_gm)
			abort();
	}
	if (size < 20)
		return 0;
	uint8_t *mem = gmem_ptr(fz_gm, 0, FZ_PAGES * 2 * 4096);
	memset(mem, 0, FZ_PAGES * 2 * 4096);
	uint64_t pfn_a[FZ_PAGES] = { 0, 2, 1 };   /* scattered data pages */
	uint64_t pfn_b[FZ_PAGES] = { 3, 4, 5 };   /* flat */
	uint32_t hdr[5];
	memcpy(hdr, data, sizeof hdr);
	size_t dlen = size - 20 > 2 * 4096 ? 2 * 4096 : size - 20;
	/* Data area of ring A is pages 2 then 1 (the PFN order). */
	for (size_t i = 0; i < dlen; i++) {
		uint32_t page = i < 4096 ? 2 : 1;
		mem[page * 4096 + i % 4096] = data[20 + i];
	}

	struct hring r;
	uint32_t *ctl = (uint32_t *)(void *)mem;
	ctl[HRING_W_READ] = hdr[1];
	if (hring_map(&r, fz_gm, pfn_a, FZ_PAGES, false) == 0) {
		ctl[HRING_W_WRITE] = hdr[0];
		ctl[HRING_W_MASK] = hdr[2];
		ctl[HRING_W_PENDING] = hdr[3];
		ctl[HRING_W_FEATURES] = hdr[4];
		static uint8_t buf[2 * 4096];
		for (int batch = 0; batch < 4; batch++) {
			struct hring_batch b;
			if (hring_in_begin(&r, &b) != 0)
				break;
			int rc = 0;
			for (int n = 0; n < 64; n++) {
				struct vmbus_pkt_desc d;
				uint32_t len;
				rc = hring_in_next(&r, &b, buf, sizeof buf, &d, &len);
				if (rc)
					break;
				if (len > sizeof buf || len < 16 || d.offset8 * 8u > len)
					abort();
			}
			(void)hring_in_end(&r, &b);
			if (r.hr_priv >= r.hr_dsize || (r.hr_priv & 7))
				abort();
			if (rc == -EIO)
				break;
		}
		hring_unmap(&r);
	}

	/* Writer: ring B's read_index, mask and a garbage data area. */
	uint32_t *ctlb = (uint32_t *)(void *)(mem + 3 * 4096);
	ctlb[HRING_W_WRITE] = hdr[0] & 0x1FF8;
	if (hring_map(&r, fz_gm, pfn_b, FZ_PAGES, true) == 0) {
		ctlb[HRING_W_READ] = hdr[1];
		ctlb[HRING_W_MASK] = hdr[2];
		for (int n = 0; n < 16; n++) {
			uint8_t pay[600] = { 0 };
			uint32_t plen = (uint32_t)(data[n % size] * 2u + n) % sizeof pay;
			struct vmbus_pkt_desc d = { .type = 6, .offset8 = 2,
						    .len8 = (uint16_t)((16 + plen + 7) / 8) };
			struct hring_iov iov[2] = { { &d, 16 }, { pay, plen } };
			bool sig;
			int rc = hring_out_write(&r, iov, 2, &sig);
			if (r.hr_priv >= r.hr_dsize || (r.hr_priv & 7))
				abort();
			if (rc == -EIO)
				break;
			if (rc == -EAGAIN)
				ctlb[HRING_W_READ] = ctlb[HRING_W_WRITE]; /* guest drains */
		}
		hring_unmap(&r);
	}
	return 0;
}
