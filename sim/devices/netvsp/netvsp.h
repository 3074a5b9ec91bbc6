/* netvsp.h -- the host's synthetic NIC: a VMBus device with the network class
 * GUID speaking NVSP and RNDIS to the guest's netvsc driver, with a back end
 * (sim/devices/net/netbe.h) behind it.
 *
 * Sans-I/O and single-threaded like the VMBus server: the owner calls every
 * function from the partition's host thread and calls netvsp_pump when the
 * kick callback asks for it. */
#ifndef SIM_DEVICES_NETVSP_NETVSP_H
#define SIM_DEVICES_NETVSP_NETVSP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hyperv/vmbus_guid.h"
#include "sim/devices/net/netbe.h"

struct vmbs;
struct vmbs_chan;
struct hv_profile;
struct netvsp;

/* Caps (RELIABILITY 4.4). */
#define NETVSP_MAX_QUEUES       65u          /* primary + 64 sub-channels */
#define NETVSP_CTRL_QUEUE_BYTES (100u * 1024u) /* queued RNDIS control replies */
#define NETVSP_TX_MAX_BYTES     (256u * 1024u) /* one SEND_RNDIS_PKT, all ranges */

struct netvsp_config {
	struct vmbus_guid instance_id;
	uint8_t  mac[6];
	uint16_t max_queues;       /* 1..NETVSP_MAX_QUEUES; 0 = 8 */
	uint64_t link_speed_bps;   /* 0 = 10 Gbit/s */
	bool     link_down;        /* start with the cable out */
	/* Protocol ceiling and behaviour; 0 / false = what the profile says. */
	uint32_t nvsp_max_version; /* NVSP_PROTOCOL_VERSION_* */
	bool     legacy_status_len; /* force HV_QUIRK_LEGACY_STATUS_LENGTH */
	/* Back end opened by netvsp_create (kind NETBE_PAIR is not opened:
	 * attach ends of netbe_pair with netvsp_attach_backend). */
	struct netbe_config be;
	bool     no_backend;       /* open nothing; netvsp_attach_backend later */
};

struct netvsp_notify {
	void (*kick)(void *arg);                 /* call netvsp_pump soon */
	void (*trace)(void *arg, const char *line);
};

/* Counters (observability and tests). */
struct netvsp_stats {
	uint64_t tx_frames, tx_bytes, tx_dropped, tx_segments, tx_csum_fixed;
	uint64_t rx_frames, rx_bytes, rx_dropped, rx_no_buffer, rx_filtered;
	uint64_t rx_per_queue[NETVSP_MAX_QUEUES];
	uint64_t nvsp_rejected;    /* NVSP messages refused (any reason) */
	uint64_t nvsp_bad_len, nvsp_bad_type, nvsp_bad_version, nvsp_bad_state;
	uint64_t rndis_bad;        /* RNDIS framing violations (channel closed) */
	uint64_t rndis_dropped;    /* RNDIS messages dropped (before INIT, after HALT) */
	uint64_t ppi_bad;          /* frames dropped for bad PPIs */
	uint64_t oid_unsupported;  /* QUERY/SET answered NOT_SUPPORTED */
	uint64_t stray_completions; /* completions for nothing we sent */
	uint64_t ctrl_queued_max;  /* high-water mark of queued control bytes */
	uint64_t indications;      /* status indications sent */
};

/* What the guest negotiated (tests, scenario expectations). */
struct netvsp_info {
	uint32_t nvsp_version;     /* 0 before INIT */
	uint32_t ndis_version;     /* major << 16 | minor */
	uint32_t mtu;              /* NDIS_CONFIG mtu (with L2 header) */
	uint64_t ndis_caps;
	uint32_t recv_sub_alloc_size, recv_sub_allocs;
	uint32_t send_section_size, send_sections;
	bool     rndis_initialized, rndis_halted;
	uint32_t packet_filter;
	uint32_t subchannels;      /* allocated */
	uint32_t open_queues;
	bool     rss_enabled;
	uint32_t rss_hash_info, rss_itab_entries;
	bool     link_up;
	uint64_t link_speed_bps;
	uint8_t  current_mac[6];
	uint32_t tx_csum_v4, tx_csum_v6; /* NDIS_TXCSUM_* currently enabled (TCP/UDP bits) */
	bool     lso_v4, lso_v6;
};

/* Create a NIC on server vb (borrowed, must outlive it) and offer it.
 * prof: the host profile (borrowed; NULL = newest behaviour).  Returns 0
 * and *out, or -ENOMEM / -ENOSPC / -EINVAL / the back end's -errno. */
int  netvsp_create(struct vmbs *vb, const struct hv_profile *prof, const struct netvsp_config *cfg,
		   const struct netvsp_notify *out, void *arg, struct netvsp **nic);
/* Free the NIC and its back end.  The VMBus server must still exist (it is
 * destroyed after the devices).  NULL-tolerant. */
void netvsp_destroy(struct netvsp *nic);

/* The callbacks a back end of this NIC is opened with (arg = the NIC). */
const struct netbe_cb *netvsp_be_cb(void);
/* Attach back end 'be' (ownership passes to the NIC; the previous one is
 * closed).  For netbe_pair ends opened with netvsp_be_cb(). */
void netvsp_attach_backend(struct netvsp *nic, struct netbe *be);
struct netbe *netvsp_backend(struct netvsp *nic);

/* Run pending work (back-end RX, queued control replies).  True when some
 * is left. */
bool netvsp_pump(struct netvsp *nic);

/* Link state: media connect / disconnect and link-speed-change
 * indications go to the guest when they change (speed 0 = unchanged).
 * 0 or -EINVAL. */
int  netvsp_set_link(struct netvsp *nic, bool up, uint64_t speed_bps);

/* Deliver a frame to the guest as if the back end received it (tests,
 * scenarios).  0, -ENOTCONN (not ready / link down / filter 0), -ENOBUFS
 * (no receive-buffer section), -EMSGSIZE, -EAGAIN (ring full). */
int  netvsp_rx(struct netvsp *nic, const uint8_t *frame, size_t len, const struct netbe_meta *m);

void netvsp_get_stats(const struct netvsp *nic, struct netvsp_stats *out);
void netvsp_get_info(const struct netvsp *nic, struct netvsp_info *out);
struct vmbs_chan *netvsp_primary(struct netvsp *nic);

/* Allocation hook for tests: the n-th allocation from now fails (-1 off). */
void netvsp_alloc_fail_after(long n);

#endif /* SIM_DEVICES_NETVSP_NETVSP_H */
