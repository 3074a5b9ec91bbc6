/* fuzz_netvsc_rx.c -- the hn driver's receive path against a hostile host:
 * transfer-page packets (page set, ranges), the RNDIS messages the ranges
 * point at in the receive buffer (PACKET_MSG with PPIs, control
 * completions, status indications), on a channel-less interface in a
 * booted inproc guest.  Input: fuzz/common/fz_hn.h; sel >> 3 & 3 picks
 * transfer pages, in-band, completion or GPA-direct; sel & 0x20 puts
 * requests outstanding first (RNDIS ids 1..4, TX slots 0..3).
 * Invariants: no crash, no sanitizer report, no leak. */
#include "fuzz/common/fz_hn.h"
#include "hyperv/vmbus_ring.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct fz_hn_opts o = {
		.types = { VMBUS_PKT_DATA_USING_XFER_PAGES, VMBUS_PKT_DATA_INBAND, VMBUS_PKT_COMP,
			   VMBUS_PKT_DATA_USING_GPA_DIRECT },
	};
	return fz_hn_run(data, size, &o);
}
