/* fuzz_netvsp_nvsp.c -- netvsp's NVSP intake from a fresh or a negotiated
 * state, a sequence of packets.  Input: u8 mode (bit 0: start negotiated,
 * bit 1: RNDIS initialised too), then records {u8 sel, u16 len, len bytes}:
 *   sel & 3 == 0   in-band packet (completion requested when sel & 4)
 *   sel & 3 == 1   GPA-direct packet: bytes = {u32 reserved, u32 count,
 *                  ranges..., NVSP message}, payload at offset8 (sel >> 3) + 3
 *   sel & 3 == 2   completion packet with tid = first 8 bytes
 *   sel & 3 == 3   write the bytes into send-buffer section (sel >> 2) & 7
 * Invariants after every record: sections, queues, tables within caps. */
#include "netvsp_fuzz_env.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	struct nfz z;
	if (nfz_init(&z, data[0] & 1, data[0] & 2)) {
		nfz_fini(&z);
		return 0;
	}
	static uint8_t pkt[16 + 65536 + 8];
	size_t off = 1;
	while (size - off >= 3) {
		uint8_t sel = data[off];
		uint32_t len = (uint32_t)data[off + 1] | (uint32_t)data[off + 2] << 8;
		off += 3;
		if (len > size - off)
			len = (uint32_t)(size - off);
		const uint8_t *b = data + off;
		off += len;
		if ((sel & 3) == 3) {
			uint64_t gpa = ((uint64_t)NFZ_SBUF_PFN << 12) + ((sel >> 2) & 7u) * 6144u;
			uint32_t n = len < 6144 ? len : 6144;
			uint8_t *g = gmem_ptr(z.gm, gpa, n);
			if (g && n)
				memcpy(g, b, n);
			continue;
		}
		uint32_t plen = (len + 7u) & ~7u;
		memset(pkt, 0, 16 + plen);
		memcpy(pkt + 16, b, len);
		struct vmbus_pkt_desc d = { .type = VMBUS_PKT_DATA_INBAND, .offset8 = 2,
			.len8 = (uint16_t)((16 + plen) / 8),
			.flags = (sel & 4) ? VMBUS_PKT_FLAG_COMPLETION_REQUESTED : 0, .trans_id = sel };
		if ((sel & 3) == 1) {
			d.type = VMBUS_PKT_DATA_USING_GPA_DIRECT;
			d.flags = VMBUS_PKT_FLAG_COMPLETION_REQUESTED;
			d.offset8 = (uint16_t)((sel >> 3) + 3u);
			if (d.offset8 > d.len8)
				d.offset8 = d.len8;
		} else if ((sel & 3) == 2) {
			d.type = VMBUS_PKT_COMP;
			if (len >= 8)
				memcpy(&d.trans_id, b, 8);
		}
		memcpy(pkt, &d, sizeof d);
		if (netvsp_fuzz_packet(z.nic, 0, &d, pkt, 16 + plen) < 0)
			break;  /* the server would close the channel here */
		if (!netvsp_fuzz_invariants(z.nic))
			abort();
	}
	nfz_fini(&z);
	return 0;
}
