/* fuzz_netvsp_oid.c -- netvsp's OID handler: QUERY and SET of any OID with
 * any buffer (offload parameters, RSS parameters, config parameters, packet
 * filter, the host-internal ones).  Input: records {u8 sel, u32 oid, u16
 * len, len bytes}; sel & 1 = SET, else QUERY.  After each: invariants, and a
 * QUERY answer never exceeds the buffer it was given. */
#include "netvsp_fuzz_env.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nfz z;
	if (nfz_init(&z, true, true)) {
		nfz_fini(&z);
		return 0;
	}
	/* Let the RSS table name a few queues. */
	z.nic->n_subchannels = 3;
	static uint8_t in[65536], out[1024];
	size_t off = 0;
	while (size - off >= 7) {
		uint8_t sel = data[off];
		uint32_t oid, len;
		memcpy(&oid, data + off + 1, 4);
		len = (uint32_t)data[off + 5] | (uint32_t)data[off + 6] << 8;
		off += 7;
		if (len > size - off)
			len = (uint32_t)(size - off);
		memcpy(in, data + off, len);
		off += len;
		if (sel & 1) {
			(void)netvsp_oid_set(z.nic, oid, in, len);
		} else {
			uint32_t cap = (uint32_t)(sel >> 1) * 8u, outlen = 0;
			if (cap > sizeof out)
				cap = sizeof out;
			uint32_t st = netvsp_oid_query(z.nic, oid, in, len, out, cap, &outlen);
			if (outlen > cap || (st != RNDIS_STATUS_SUCCESS && outlen))
				abort();
		}
		if (!netvsp_fuzz_invariants(z.nic))
			abort();
	}
	nfz_fini(&z);
	return 0;
}
