/* fuzz_netvsp_rndis.c -- netvsp's RNDIS intake (control messages, batched
 * PACKET_MSGs with PPIs: checksum, LSO, VLAN) and the RX path, from a
 * negotiated state.  Input: u8 mode (bit 0: RNDIS initialised, bit 1: RSS
 * on), then records {u8 sel, u16 len, len bytes}:
 *   sel & 1 == 0   the bytes as one gathered SEND_RNDIS_PKT buffer
 *   sel & 1 == 1   the bytes as a frame from the back end (RX), with
 *                  csum_valid = sel & 2, VLAN tag = sel & 4
 * Invariants after every record. */
#include "netvsp_fuzz_env.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	struct nfz z;
	if (nfz_init(&z, true, data[0] & 1)) {
		nfz_fini(&z);
		return 0;
	}
	if (data[0] & 2) {
		static const uint8_t key[40] = NDIS_RSS_STANDARD_KEY_INIT;
		uint8_t b[40 + 64 + 40];
		struct ndis_rss_params p = { .hdr = { NDIS_OBJTYPE_RSS_PARAMS, 2, 40 },
			.hash_info = 0x1701, .itab_size = 64, .itab_offset = 40,
			.hash_key_size = 40, .hash_key_offset = 104 };
		memset(b, 0, sizeof b);
		memcpy(b, &p, sizeof p);
		memcpy(b + 104, key, 40);
		(void)netvsp_oid_set(z.nic, RNDIS_OID_GEN_RECEIVE_SCALE_PARAMETERS, b, sizeof b);
	}
	static uint8_t buf[65536];
	size_t off = 1;
	while (size - off >= 3) {
		uint8_t sel = data[off];
		uint32_t len = (uint32_t)data[off + 1] | (uint32_t)data[off + 2] << 8;
		off += 3;
		if (len > size - off)
			len = (uint32_t)(size - off);
		memcpy(buf, data + off, len);
		off += len;
		if (sel & 1) {
			struct netbe_meta m = { .csum_valid = sel & 2, .vlan = sel & 4,
						.vlan_tci = (uint16_t)(sel << 4) };
			(void)netvsp_rx(z.nic, buf, len, &m);
		} else if (len && netvsp_rndis_input(z.nic, &z.nic->n_q[0], buf, len) < 0) {
			break;  /* CLOSE */
		}
		if (!netvsp_fuzz_invariants(z.nic))
			abort();
	}
	nfz_fini(&z);
	return 0;
}
