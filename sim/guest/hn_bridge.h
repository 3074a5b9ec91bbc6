/* hn_bridge.h -- bridge a guest hn interface to a TAP device in a network
 * namespace of its own, so Linux's TCP/IP stack in that namespace runs over
 * hn, VMBus and the host's netvsp.  Frames the namespace sends become
 * hn_send calls (virtio-net header offloads become hn offload requests;
 * GSO is segmented here when the host has no LSO); frames hn receives are
 * written to the TAP (DATA_VALID when the host verified the checksum).
 * The TAP gets hn's MAC so the host's directed filter passes its traffic.
 * One bridge per process.  The TAP is polled from a guest timer.
 *
 * Backpressure: when hn has no free send slot, the frame read last is held
 * and the TAP is not read again until hn took it (the kernel's queue
 * behind the TAP, and TCP's small-queue limit, then slow the sender down)
 * instead of dropping it and leaving TCP to retransmit. */
#ifndef SIM_GUEST_HN_BRIDGE_H
#define SIM_GUEST_HN_BRIDGE_H

#include <stdbool.h>
#include <stdint.h>

struct gk_runtime;

struct gk_hn_bridge_config {
	unsigned    unit;          /* hn<unit> */
	const char *tap_name;      /* created */
	const char *netns;         /* existing named netns (ip netns), NULL = here */
	bool        offload;       /* take partial checksums / GSO from the TAP */
	unsigned    budget;        /* frames per poll, 0 = 64 */
	uint64_t    poll_ns;       /* TAP poll period, 0 = 200 us */
	bool        drop_when_full; /* (added) the old behaviour, for comparison: drop a frame
	                               hn has no slot for instead of holding it */
};

struct gk_hn_bridge_stats {
	uint64_t to_hn, to_hn_segmented, to_hn_dropped;
	uint64_t to_tap, to_tap_dropped;
	/* (added) LSO sends among to_hn; frames that waited for an hn slot
	 * (each counted once); TAP reads refused as malformed. */
	uint64_t to_hn_lso, to_hn_held, tap_bad;
};

/* 0; -EBUSY (one exists), -ENODEV (no hn<unit>), -ENETDOWN, -errno from
 * opening the TAP. */
int  gk_hn_bridge_start(struct gk_runtime *rt, const struct gk_hn_bridge_config *cfg);
int  gk_hn_bridge_stop(struct gk_runtime *rt);
void gk_hn_bridge_stats(struct gk_hn_bridge_stats *out);

#endif /* SIM_GUEST_HN_BRIDGE_H */
