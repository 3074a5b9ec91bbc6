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
 * except two op values taken before that mapping (target options):
 *   0xF8: the server's next allocations fail after byte 0 successes
 *         (vmbs_alloc_fail_after; 0xFF = off), reset per input
 *   0xF9: device 1 sends on its own: byte 0 % 3 picks in-band (completion
 *         requested when bit 7), transfer pages (pageset byte 1, one range)
 *         or a completion; the rest is the payload
 * The device parses GPA-direct packets (vmbs_pkt_gpa_parse, then copies
 * through range 0) and pins / unpins GPADLs on in-band 0xDD / 0xDC + handle.
 * After each record the server is pumped.  Invariants: GPADLs within the
 * cap, outbound queue within its capacity, no leak after destroy. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "fuzz/common/fz_vmbs.h"
#include "hyperv/vmbus_ring.h"
#include "sim/hostd/vmbs.h"
#include "sim/hostd/vmbs_dev.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 0xF9: the host side's own sends, which the shared device only does as
 * completions; refused sends (closed channel, full ring, too big) are
 * fine, what counts is that the server stays consistent. */
static void host_send(struct fz_vmbs *f, const uint8_t *b, uint8_t len)
{
	struct vmbs_chan *ch = f->dev1;
	if (!ch || len < 2)
		return;
	const uint8_t *pl = b + 2;
	uint32_t plen = (uint32_t)len - 2;
	switch (b[0] % 3) {
	case 0:
		(void)vmbs_chan_send_inband(ch, b[1], pl, plen, b[0] & 0x80);
		break;
	case 1: {
		struct vmbus_xfer_page_range r = { .byte_count = plen, .byte_offset = b[0] };
		(void)vmbs_chan_send_xfer_pages(ch, b[1], b[1], &r, (b[0] & 0x80) ? 0 : 1, pl, plen);
		break;
	}
	default:
		(void)vmbs_chan_send_completion(ch, b[1], pl, plen);
		break;
	}
	/* The accessors a device would use, on a channel that may be closed. */
	struct vmbs_stats st;
	vmbs_get_stats(f->vb, &st);
	if (vmbs_chan_server(ch) != f->vb || vmbs_chan_primary(ch) != ch || vmbs_chan_subidx(ch) != 0)
		abort();
	(void)vmbs_chan_is_open(ch);
	(void)vmbs_chan_target_vp(ch);
	(void)vmbs_chan_version(ch);
	(void)vmbs_state(f->vb);
	(void)vmbs_version(f->vb);
	(void)vmbs_msg_vp(f->vb);
	(void)vmbs_outq_len(f->vb);
}

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
		if (op == 0xF8)
			vmbs_alloc_fail_after(len && data[i] != 0xFF ? data[i] : -1);
		else if (op == 0xF9)
			host_send(&f, data + i, len);
		else
			fz_vmbs_action(&f, op, data + i, len);
		i += len;
		fz_vmbs_pump(&f);
	}
	vmbs_alloc_fail_after(-1);
	fz_vmbs_teardown(&f);
	return 0;
}
