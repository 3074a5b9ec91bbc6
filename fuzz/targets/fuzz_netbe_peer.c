/* fuzz_netbe_peer.c -- hostile frames into the built-in peer and the
 * software offload path.  Input: records of {u8 meta flags, u16 gso_size,
 * u16 csum_start, u16 csum_offset, u16 len, frame}.  Each frame is sent
 * with metadata built from the flags, then the peer is polled.
 * Invariants: every reply is a frame of at most 9220 bytes (a jumbo echo
 * with a tag) whose checksums verify; the wire's bad-checksum count never
 * exceeds the frames that reached it; closing frees every queued reply
 * (LeakSanitizer). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sim/devices/net/netbe.h"
#include "sim/devices/net/netpkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The peer answers echoes up to the largest NDIS frame, 9216, plus a tag. */
#define FZ_REPLY_MAX (9216u + 4u)

static void fz_rx(void *arg, const uint8_t *f, size_t len, const struct netbe_meta *m)
{
	if (len < 14 || len > FZ_REPLY_MAX)
		abort();
	struct netpkt_info pi;
	if (netpkt_parse(f, len, &pi))
		abort();
	if (pi.ip_ver == 4) {
		uint8_t copy[FZ_REPLY_MAX];
		memcpy(copy, f, len);
		if (netpkt_fix_checksums(copy, len, NETPKT_FIX_IP4 | NETPKT_FIX_UDP) || memcmp(copy, f, len))
			abort();
	}
}

static const struct netbe_cb fz_cb = { .rx = fz_rx };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct netbe_config cfg = { .kind = NETBE_PEER, .peer_ipv4 = 0xc0000201u,
				    .peer_mac = { 0x00, 0x15, 0x5d, 0x00, 0x00, 0x02 } };
	struct netbe *be;
	if (netbe_open(&cfg, &fz_cb, NULL, &be))
		abort();
	size_t off = 0;
	unsigned frames = 0;
	while (size - off >= 9 && frames++ < 64) {
		const uint8_t *r = data + off;
		uint16_t len = (uint16_t)(r[7] | (r[8] << 8));
		off += 9;
		if (len > size - off)
			len = (uint16_t)(size - off);
		struct netbe_meta m;
		memset(&m, 0, sizeof m);
		m.csum_partial = r[0] & 1;
		m.gso_type = (r[0] & 2) ? NETBE_GSO_TCPV4 : (r[0] & 4) ? NETBE_GSO_TCPV6 : NETBE_GSO_NONE;
		m.vlan = (r[0] & 8) != 0;
		m.vlan_tci = 5;
		m.gso_size = (uint16_t)(r[1] | (r[2] << 8));
		m.csum_start = (uint16_t)(r[3] | (r[4] << 8));
		m.csum_offset = (uint16_t)(r[5] | (r[6] << 8));
		if (m.gso_type != NETBE_GSO_NONE && m.gso_size < 64)
			m.gso_size = 64;   /* bound segments per frame, not a check of netbe */
		(void)netbe_send(be, data + off, len, &m);
		netbe_poll(be, (r[0] & 0x10) ? 1 : 64);
		off += len;
	}
	struct netbe_stats st;
	netbe_get_stats(be, &st);
	if (st.tx_bad_csum > st.tx_frames)
		abort();
	netbe_close(be);
	return 0;
}
