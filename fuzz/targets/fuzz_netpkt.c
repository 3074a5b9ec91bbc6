/* fuzz_netpkt.c -- the packet helpers on hostile frames.  Input: 1 byte of
 * flags, 2 bytes MSS, 2 bytes csum_start, 2 bytes csum_offset, then the
 * frame.  Runs parse, checksum fix-up, partial-checksum completion, TCP
 * segmentation and the RSS hash.  Invariants: every segment parses, holds
 * at most MSS payload bytes, and its checksums verify. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sim/devices/net/netpkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t fz_key[40] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
	0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
	0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

struct fz_seg {
	uint16_t mss;
	size_t hdr;
	unsigned n;
};

static int fz_emit(void *arg, const uint8_t *seg, size_t len)
{
	struct fz_seg *c = arg;
	struct netpkt_info pi;
	if (netpkt_parse(seg, len, &pi) || pi.l4_proto != 6 || !pi.l4_off)
		abort();
	size_t hdr = (size_t)pi.l4_off + pi.l4_hdr_len;
	if (pi.ip_end < hdr || pi.ip_end - hdr > c->mss || len != pi.ip_end)
		abort();
	uint8_t *copy = malloc(len);
	if (!copy)
		abort();
	memcpy(copy, seg, len);
	if (netpkt_fix_checksums(copy, len, NETPKT_FIX_IP4 | NETPKT_FIX_TCP) || memcmp(copy, seg, len))
		abort();
	free(copy);
	/* Bound the work per input: a tiny MSS over 64 KiB is many segments. */
	return ++c->n > 4096 ? -1 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 7 || size > 7 + 70000)
		return 0;
	uint8_t flags = data[0];
	uint16_t mss = (uint16_t)(data[1] | (data[2] << 8));
	uint16_t cs = (uint16_t)(data[3] | (data[4] << 8));
	uint16_t co = (uint16_t)(data[5] | (data[6] << 8));
	const uint8_t *f = data + 7;
	size_t len = size - 7;

	struct netpkt_info pi;
	(void)netpkt_parse(f, len, &pi);
	uint8_t *copy = malloc(len ? len : 1);
	if (!copy)
		abort();
	memcpy(copy, f, len);
	(void)netpkt_fix_checksums(copy, len, flags & 7u);
	memcpy(copy, f, len);
	(void)netpkt_csum_complete(copy, len, cs, co);
	free(copy);

	uint32_t h;
	uint32_t t = netpkt_rss_hash(fz_key, sizeof fz_key, ~0u, f, len, &h);
	if (!t && h)
		abort();

	struct fz_seg c = { .mss = mss };
	(void)netpkt_segment_tcp(f, len, mss, fz_emit, &c);
	if (!mss && c.n)
		abort();
	return 0;
}
