/* netbe.h -- what sits behind a host NIC: where its frames go and where
 * received frames come from (null sink, pcap file, built-in peer, TAP in a
 * netns, NIC-to-NIC pair).
 *
 * Single-threaded: the owner (the partition's driver thread) calls every
 * function.  Callbacks run only from inside netbe_poll, never from inside
 * netbe_send, so a device may send from its own rx callback without
 * re-entering itself.  Every internal queue is bounded. */
#ifndef SIM_DEVICES_NET_NETBE_H
#define SIM_DEVICES_NET_NETBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct netbe;

/* Per-frame offload metadata, modelled on virtio_net_hdr. */
struct netbe_meta {
	bool     csum_partial;   /* TX: checksum at csum_start+csum_offset still to be completed
	                            (the field holds the pseudo-header sum) */
	uint16_t csum_start, csum_offset;
	uint8_t  gso_type;       /* NETBE_GSO_* */
	uint16_t gso_size, hdr_len;
	bool     csum_valid;     /* RX: the back end verified (or computed) the checksums */
	bool     vlan; uint16_t vlan_tci;   /* out-of-band 802.1Q tag (frame itself untagged) */
};
enum { NETBE_GSO_NONE = 0, NETBE_GSO_TCPV4 = 1, NETBE_GSO_TCPV6 = 4, NETBE_GSO_UDP_L4 = 5 };

/* Largest frame netbe_send takes (a 64 KiB GSO send plus Ethernet + VLAN
 * headers); anything larger is -EMSGSIZE.  Smallest: an Ethernet header. */
#define NETBE_FRAME_MAX  (65535u + 14u + 4u)
#define NETBE_FRAME_MIN  14u
/* Queue bounds: frames waiting for netbe_poll (peer replies, pair). */
#define NETBE_QUEUE_MAX  1024u

struct netbe_cb {
	/* One received frame; 'frame' is borrowed for the call only.  The
	 * frame is always complete: checksums correct, at most MTU-sized
	 * segments (back ends fix up offloaded frames before delivery). */
	void (*rx)(void *arg, const uint8_t *frame, size_t len, const struct netbe_meta *m);
	void (*writable)(void *arg);    /* optional: netbe_send returned -EAGAIN earlier, space now */
	/* optional (added): RX work was queued without an fd (peer reply,
	 * pair frame): call netbe_poll soon.  Called from inside netbe_send of
	 * this or the paired back end; must not call back into netbe. */
	void (*rx_ready)(void *arg);
};

enum netbe_kind { NETBE_NULL, NETBE_PCAP, NETBE_PEER, NETBE_TAP, NETBE_PAIR };
const char *netbe_kind_name(enum netbe_kind k);

struct netbe_config {
	enum netbe_kind kind;
	const char *pcap_path;   /* PCAP: write every TX and RX frame (pcap, DLT_EN10MB); also a
	                            capture beside any other kind when set */
	uint8_t  peer_mac[6]; uint32_t peer_ipv4; /* PEER: answers ARP, ICMP echo, UDP echo (port 7)
	                                             for this address (host byte order) */
	const char *tap_name;    /* TAP: interface name (created, IFF_TAP|IFF_NO_PI|IFF_VNET_HDR) */
	const char *netns;       /* TAP: move it into this existing named netns (ip netns) */
	bool     accept_offload; /* TAP: take partial checksums / GSO frames (vnet hdr) */
};

/* What netbe_send accepts without software fix-up. */
struct netbe_caps { bool tx_csum_partial; bool tx_gso; };

/* Open a back end (NETBE_PAIR: use netbe_pair).  cb and arg are borrowed
 * and must outlive it.  0 and *out, or -EINVAL (bad config), -ENOMEM,
 * -errno from opening the pcap file or the TAP device. */
int  netbe_open(const struct netbe_config *cfg, const struct netbe_cb *cb, void *arg, struct netbe **out);
/* NIC-to-NIC: a's TX is b's RX and back.  Each end is closed with
 * netbe_close; closing one makes the other a sink. */
int  netbe_pair(const struct netbe_cb *cba, void *arga, const struct netbe_cb *cbb, void *argb,
                struct netbe **a, struct netbe **b);
void netbe_caps(const struct netbe *be, struct netbe_caps *out);
enum netbe_kind netbe_kind(const struct netbe *be);

/* TX one frame (copied; m may be NULL = no offload).  If the frame needs
 * offload work the back end can't take (see caps), it's the CALLER's job to
 * fix it up first (netpkt_*).  0, -EAGAIN (queue full; writable() follows),
 * -EMSGSIZE, -EINVAL (malformed metadata, short frame). */
int  netbe_send(struct netbe *be, const uint8_t *frame, size_t len, const struct netbe_meta *m);
int  netbe_fd(const struct netbe *be);         /* poll fd for RX work, -1 when none (null, peer, pair, pcap) */
/* Frames queued for delivery without an fd (peer, pair). */
unsigned netbe_rx_pending(const struct netbe *be);
unsigned netbe_poll(struct netbe *be, unsigned budget);  /* deliver up to budget RX frames via cb->rx */

struct netbe_stats { uint64_t tx_frames, tx_bytes, tx_dropped, rx_frames, rx_bytes;
                     uint64_t rx_dropped; /* added: replies/frames lost to a full RX queue */
                     /* added: PEER: frames that reached the wire with a wrong IPv4 header,
                        TCP, UDP or ICMP checksum (what a capture would flag) */
                     uint64_t tx_bad_csum; };
void netbe_get_stats(const struct netbe *be, struct netbe_stats *out);
void netbe_close(struct netbe *be);            /* NULL-tolerant */

/* Capture (added for the capture.start host command): write every frame
 * this back end sends or delivers into a new pcap file at 'path', beside
 * whatever else it does (a configured pcap_path keeps running).  now(arg)
 * stamps the frames in 100 ns units (the partition's virtual clock);
 * NULL: wall clock.  0, -EBUSY (one runs), -ENOMEM, -errno of the file. */
int  netbe_capture_start(struct netbe *be, const char *path, uint64_t (*now)(void *arg), void *arg);
/* Close that file; NULL-tolerant, nothing when none runs.  netbe_close
 * closes it too. */
void netbe_capture_stop(struct netbe *be);

/* Reusable TAP helper (also for the guest-side bridge): create TAP 'name'
 * (IFF_TAP|IFF_NO_PI, plus IFF_VNET_HDR with a 12-byte header when
 * vnet_hdr), non-blocking, moved into named netns 'netns' (NULL: stay)
 * and brought up there.  0 and *fd (caller closes), or -errno. */
int  netbe_tap_create(const char *name, const char *netns, bool vnet_hdr, int *fd);

/* Allocation hook for tests: the n-th allocation from now fails (-1: off). */
void netbe_alloc_fail_after(long n);

#endif
