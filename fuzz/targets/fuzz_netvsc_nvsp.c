/* fuzz_netvsc_nvsp.c -- the hn driver's NVSP intake from a hostile host:
 * completions of its requests (INIT, buffers, sub-channels, RNDIS control
 * sends, data sends) matched by transaction id, and host in-band messages
 * (send indirection table, VF association, junk), with requests always
 * outstanding so matching ids reach the handlers.  Input:
 * fuzz/common/fz_hn.h; here sel >> 3 & 1 picks completion or in-band, and a
 * packet's transaction id is kind << 56 | generation << 32 | index.
 * Invariants: no crash, no leak. */
#include "fuzz/common/fz_hn.h"
#include "hyperv/vmbus_ring.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct fz_hn_opts o = {
		.types = { VMBUS_PKT_COMP, VMBUS_PKT_DATA_INBAND, VMBUS_PKT_COMP,
			   VMBUS_PKT_DATA_INBAND },
		.always_expect = true,
	};
	return fz_hn_run(data, size, &o);
}
