/* fuzz_vmbs_msg.c -- the host VMBus server's channel-message dispatcher,
 * starting from a negotiated state (5.3 on ws2022, 2 vCPUs, two devices
 * offered, channel 1 open on an 8-page ring).  Input: a sequence of
 * records {u8 op, u8 len, len bytes}:
 *   op % 8 == 0: HvPostMessage of the bytes on connection 1
 *   1: the same on connection 4
 *   2: write bytes into guest memory at the ring/GPADL area (u16 offset first)
 *   3: HvSignalEvent on connection 0x2000 + byte 0 (and on 2)
 *   4: take and EOM the SIMP slots of both vCPUs
 *   5: device 2 removed / added again
 *   6: write the monitor page's pending words (4 x u32)
 *   7: sub-channels offered for device 1 (count = byte 0)
 * The device parses GPA-direct packets (vmbs_pkt_gpa_parse, then copies
 * through range 0) and pins / unpins GPADLs on in-band 0xDD / 0xDC + handle.
 * After each record the server is pumped.  Invariants: GPADLs within the
 * cap, outbound queue within its capacity, no leak after destroy. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz/common/fz_vmbs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The negotiated state and the actions live in fuzz/common/fz_vmbs.c, shared
 * with fuzz_vmbs_check; this target runs them with the checker off. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_vmbs f;
	fz_vmbs_setup(&f, false);
	size_t i = 0;
	while (i + 2 <= size) {
		uint8_t op = data[i], len = data[i + 1];
		i += 2;
		if (len > size - i)
			len = (uint8_t)(size - i);
		fz_vmbs_action(&f, op, data + i, len);
		i += len;
		fz_vmbs_pump(&f);
	}
	fz_vmbs_teardown(&f);
	return 0;
}
