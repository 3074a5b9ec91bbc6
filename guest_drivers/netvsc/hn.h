/* hn.h -- the guest's synthetic NIC driver ("hn", netvsc) and what users of
 * an interface see: find it by unit, send frames with offload requests,
 * receive through a callback or a bounded queue, MAC, MTU, link state and
 * per-queue counters.
 *
 * Contexts: hn_init/hn_fini, hn_set_mtu and hn_send with HN_TX_WAIT may
 * sleep (task or call context, never an interrupt handler).  The receive
 * and link callbacks run in task context on the vCPU of the channel that
 * carried the frame; they may call hn_send (without HN_TX_WAIT) and the
 * getters, not hn_set_mtu.  An hn_if pointer is valid until the device
 * detaches (rescind, hn_fini, vmbus_fini). */
#ifndef GUEST_DRIVERS_NETVSC_HN_H
#define GUEST_DRIVERS_NETVSC_HN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hn_if;   /* opaque (hn_var.h) */

#define HN_MAX_UNITS    16u
#define HN_MAX_QUEUES   16u     /* vRSS channels per interface, primary included */
#define HN_MTU_DEFAULT  1500u
#define HN_MTU_MIN      68u
#define HN_MTU_MAX      9202u   /* host NDIS_CONFIG cap 9216 minus the Ethernet header */
#define HN_ETH_HLEN     14u
#define HN_TX_MAX_FRAME (65536u + 14u + 60u + 60u) /* an LSO send: 64 KiB payload + headers */

struct hn_config {
	uint32_t max_nvsp;       /* NVSP version ceiling (NVSP_PROTOCOL_VERSION_*), 0 = 6.1 */
	uint32_t mtu;            /* L3 MTU to configure at attach, 0 = 1500 */
	unsigned max_queues;     /* channels wanted incl. the primary; 0 = one per vCPU; 1 = no vRSS */
	uint32_t rxbuf_bytes;    /* receive buffer, 0 = 2 MiB (Linux: 16 MiB) */
	uint32_t txbuf_bytes;    /* send buffer, 0 = 1 MiB (Linux's default) */
	bool     no_offload;     /* never ask for checksum / LSO offload */
	uint64_t timeout_ns;     /* every wait for the host; 0 = 5 s */
	unsigned rxq_frames;     /* frames held per queue without a callback, 0 = 256 */
};
#define HN_DEFAULT_TIMEOUT_NS (5ull * 1000 * 1000 * 1000)

/* Register the driver (interfaces attach in offer order as the bus finds
 * them: hn0, hn1 ...).  0, -EBUSY, -ENOMEM. */
int  hn_init(const struct hn_config *cfg);
/* Unregister: every interface detaches (HALT, buffers revoked, channels
 * closed, GPADLs torn down, memory freed). */
void hn_fini(void);

/* The interface with unit number 'unit' ("hn<unit>"), NULL if none. */
struct hn_if *hn_find(unsigned unit);
const char *hn_name(const struct hn_if *hn);

/* ---- what was negotiated ----------------------------------------------------------- */
struct hn_info {
	uint32_t nvsp_version;   /* NVSP_PROTOCOL_VERSION_* */
	uint32_t ndis_version;   /* major << 16 | minor, as sent */
	uint8_t  mac[6];
	uint32_t mtu;            /* L3 */
	unsigned nqueues;        /* channels in use (1 + sub-channels) */
	uint32_t rx_section_size, rx_sections;
	uint32_t tx_section_size, tx_sections;
	uint32_t rndis_max_pkts, rndis_align;  /* from INITIALIZE_CMPLT */
	/* Offloads in use (asked for and granted). */
	bool     csum_ip4, csum_tcp4, csum_udp4, csum_tcp6, csum_udp6;
	bool     lso4, lso6;
	uint32_t lso_max;        /* largest LSO send the host takes */
	bool     rss;            /* RSS parameters set */
	bool     tx_table;       /* host's send indirection table received */
	uint32_t tx_table_entries[16];
};
int hn_get_info(const struct hn_if *hn, struct hn_info *out);

/* ---- link ----------------------------------------------------------------------------- */
/* The SIOCGIFMEDIA question: is the cable in, and how fast. */
struct hn_link {
	bool     up;
	uint64_t speed_bps;      /* 0 = unknown */
	uint64_t changes;        /* link up/down transitions seen */
	uint64_t speed_changes;
};
int hn_link_state(const struct hn_if *hn, struct hn_link *out);
/* Called in task context after every link transition or speed change. */
typedef void hn_link_fn(void *arg, struct hn_if *hn, const struct hn_link *link);
void hn_set_link_cb(struct hn_if *hn, hn_link_fn *fn, void *arg);

/* ---- configuration --------------------------------------------------------------------- */
int hn_get_mac(const struct hn_if *hn, uint8_t mac[6]);
uint32_t hn_mtu(const struct hn_if *hn);
/* Change the L3 MTU: the device is brought down and up again with the new
 * NDIS config (what Linux does).  0; -EINVAL (outside HN_MTU_MIN..the
 * host's maximum); -EIO / -ETIMEDOUT when the re-init failed (the
 * interface is then down: hn_get_info fails with -ENETDOWN). */
int hn_set_mtu(struct hn_if *hn, uint32_t mtu);

/* ---- transmit ------------------------------------------------------------------------------ */
/* Offload requests, virtio-net-header style.  csum_partial: the Internet
 * checksum at csum_start + csum_offset holds only the pseudo-header sum
 * and must be completed over [csum_start, end) -- by the host when that
 * offload was negotiated, else by the driver before the frame leaves.
 * mss != 0: a TCP large send (LSO) to be cut into mss-byte segments; only
 * when negotiated (else -EOPNOTSUPP). */
struct hn_txmeta {
	bool     csum_partial;
	uint16_t csum_start, csum_offset;
	uint16_t mss;
	bool     vlan;
	uint16_t vlan_tci;
	int      queue;          /* -1 = pick by hash */
};
#define HN_TX_WAIT 0x1u      /* sleep for a free slot instead of -ENOBUFS */
/* Send one Ethernet frame (copied: 'frame' may be reused on return).
 * Small frames go through a send-buffer section, large ones through page
 * buffers.  0; -EINVAL (bad frame or meta), -EMSGSIZE, -EOPNOTSUPP, -ENOBUFS
 * (no free slot now), -ENETDOWN, -ETIMEDOUT, -EIO. */
int hn_send(struct hn_if *hn, const void *frame, uint32_t len, const struct hn_txmeta *m,
	    unsigned flags);
/* Wait until every frame sent so far has been completed by the host. */
int hn_tx_drain(struct hn_if *hn);

/* ---- receive ----------------------------------------------------------------------------------- */
struct hn_rxmeta {
	unsigned queue;          /* channel the frame arrived on */
	bool     csum_ok;        /* the host verified the TCP/UDP checksum */
	bool     csum_bad;       /* the host found it wrong */
	bool     ip_csum_ok;
	bool     hash_valid;
	uint32_t hash, hash_type;
	bool     vlan;
	uint16_t vlan_tci;
};
/* Frame callback (frame valid during the call only).  NULL: frames are
 * queued per queue (up to rxq_frames each, then dropped and counted). */
typedef void hn_rx_fn(void *arg, struct hn_if *hn, const uint8_t *frame, uint32_t len,
		      const struct hn_rxmeta *m);
void hn_set_rx_cb(struct hn_if *hn, hn_rx_fn *fn, void *arg);
/* Take the oldest queued frame (any queue, lowest first): its length (may be
 * more than cap: then truncated), -EAGAIN when none. */
int hn_recv(struct hn_if *hn, void *buf, uint32_t cap, struct hn_rxmeta *m);

/* ---- counters ----------------------------------------------------------------------------------- */
enum hn_drop {
	HN_DROP_PKT_TYPE = 0,    /* a packet type we never accept on this channel */
	HN_DROP_NVSP_SHORT,      /* NVSP message shorter than its type needs */
	HN_DROP_NVSP_TYPE,       /* unknown or wrong-direction NVSP message */
	HN_DROP_UNKNOWN_TID,     /* completion for nothing outstanding (RELIABILITY 8) */
	HN_DROP_XFER_HDR,        /* transfer-page header: pageset id, range count, offset */
	HN_DROP_XFER_RANGE,      /* a range outside the receive buffer / section */
	HN_DROP_RNDIS_LEN,       /* RNDIS message length against its range */
	HN_DROP_RNDIS_TYPE,      /* unknown RNDIS message type */
	HN_DROP_RNDIS_REQID,     /* response to no outstanding request */
	HN_DROP_PKT_BAD,         /* PACKET_MSG data/OOB/VC fields out of range */
	HN_DROP_PPI,             /* a PPI element malformed */
	HN_DROP_INDICATION,      /* status indication malformed */
	HN_DROP_ITAB,            /* send indirection table malformed (RELIABILITY 97) */
	HN_DROP_RXQ_FULL,        /* receive queue full */
	HN_DROP_NOT_READY,       /* data before the device was up */
	HN_DROP_COUNT
};
struct hn_qstats {
	uint64_t tx_pkts, tx_bytes, tx_section, tx_pagebuf, tx_csum_sw, tx_csum_offload, tx_lso;
	uint64_t tx_errors, tx_completions;
	uint64_t rx_pkts, rx_bytes, rx_xfer_pkts, rx_csum_ok, rx_hash;
	uint64_t intrs;
};
struct hn_stats {
	struct hn_qstats q[HN_MAX_QUEUES];
	uint64_t drop[HN_DROP_COUNT];
	uint64_t indications, link_changes, keepalives;
	uint64_t rndis_requests, rndis_timeouts, rndis_errors;
	uint64_t subchan_refused;   /* host granted more than asked (RELIABILITY 98) */
	uint64_t reinits;
};
int hn_get_stats(const struct hn_if *hn, struct hn_stats *out);
const char *hn_drop_name(enum hn_drop d);

#endif /* GUEST_DRIVERS_NETVSC_HN_H */
