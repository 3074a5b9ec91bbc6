/* netvsp_var.h -- internal state of the synthetic NIC (netvsp.h) shared by
 * its files: netvsp.c (lifetime, channels, link), netvsp_nvsp.c (NVSP
 * dispatch), netvsp_rndis.c (RNDIS intake, control replies, indications),
 * netvsp_oid.c (OID allow-list), netvsp_tx.c, netvsp_rx.c. */
#ifndef SIM_DEVICES_NETVSP_NETVSP_VAR_H
#define SIM_DEVICES_NETVSP_NETVSP_VAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hyperv/nvsp.h"
#include "hyperv/rndis.h"
#include "sim/devices/netvsp/netvsp.h"
#include "sim/hostd/vmbs_dev.h"

/* Receive-buffer sub-allocation: RNDIS header + PPIs room, the frame, and the
 * 36 bytes openvmm keeps free for a Windows netvsc bug. */
#define NETVSP_RX_HDR_ROOM      256u
#define NETVSP_RX_TAIL_PAD      36u
#define NETVSP_RX_CTRL_RESERVED 16u   /* sub-allocations kept for control replies */
#define NETVSP_RX_MAX_SUBALLOCS 65536u
#define NETVSP_CTRL_MSG_MAX     1024u /* largest control reply we build */
#define NETVSP_TX_QUOTA         1024u /* frames per back-end poll */

/* NVSP negotiation state (one per NIC; lives on the primary channel). */
enum netvsp_nvsp_state {
	NETVSP_NVSP_NONE,       /* channel open, no INIT yet */
	NETVSP_NVSP_INIT,       /* version negotiated */
	NETVSP_NVSP_READY,      /* receive buffer in place: RNDIS may start */
	NETVSP_NVSP_ST_COUNT
};

/* RNDIS device state. */
enum netvsp_rndis_state {
	NETVSP_RNDIS_UNINIT,
	NETVSP_RNDIS_READY,
	NETVSP_RNDIS_HALTED,
	NETVSP_RNDIS_ST_COUNT
};

/* A completion that found the host->guest ring full: sent from writable(). */
struct netvsp_pend {
	struct netvsp_pend *p_next;
	uint64_t p_tid;
	uint32_t p_len;
	uint8_t  p_msg[NVSP_MSG_SIZE_V61];
};
#define NETVSP_PEND_MAX 4096u  /* per queue; more = a guest that never reads */

/* One VMBus channel of the NIC (queue 0 = primary). */
struct netvsp_queue {
	struct vmbs_chan *q_chan;
	bool     q_open;
	uint16_t q_idx;
	struct netvsp_pend *q_pend_head, *q_pend_tail;
	uint32_t q_npend;
};

/* A guest buffer pinned for the device. */
struct netvsp_buf {
	bool     b_present;
	uint32_t b_gpadl;
	uint16_t b_id;
	struct vmbs_pages b_pages;
};

/* A control reply waiting for a free receive-buffer sub-allocation. */
struct netvsp_ctrl {
	struct netvsp_ctrl *c_next;
	uint32_t c_len;
	uint8_t  c_msg[];
};

struct netvsp {
	struct vmbs *n_vb;
	struct netvsp_config n_cfg;
	struct netvsp_notify n_out;
	void    *n_arg;
	struct netbe *n_be;
	struct netbe_caps n_be_caps;

	/* profile-derived */
	uint32_t n_nvsp_max;
	bool     n_legacy_status;
	bool     n_udp_csum;       /* host offers UDP checksum offload */

	struct netvsp_queue n_q[NETVSP_MAX_QUEUES];
	uint16_t n_nqueues;        /* 1 + sub-channels offered */

	/* NVSP */
	enum netvsp_nvsp_state n_nvsp_state;
	uint32_t n_nvsp_version;
	uint32_t n_ndis_version;
	uint32_t n_mtu;
	uint64_t n_ndis_caps;
	bool     n_ndis_config_seen;
	struct netvsp_buf n_rbuf, n_sbuf;
	uint32_t n_sub_size, n_sub_count;  /* receive buffer */
	uint32_t n_sec_size, n_sec_count;  /* send buffer */
	uint8_t *n_sub_busy;       /* per sub-allocation: 0 free, q+1 in flight on queue q */
	uint32_t n_sub_free;       /* count of free sub-allocations */
	uint32_t n_sub_hint;
	uint32_t n_subchannels;

	/* RNDIS */
	enum netvsp_rndis_state n_rndis_state;
	uint32_t n_filter;
	uint8_t  n_mac[6];
	uint32_t n_tx_csum_v4, n_tx_csum_v6; /* NDIS_TXCSUM_TCP/UDP enabled */
	uint32_t n_rx_csum_v4, n_rx_csum_v6;
	bool     n_lso_v4, n_lso_v6;
	bool     n_rss_enabled;
	uint32_t n_rss_hash_info;
	uint8_t  n_rss_key[NDIS_RSS_KEY_SIZE];
	uint32_t n_rss_itab[NDIS_RSS_ITAB_MAX];
	uint32_t n_rss_itab_n;
	struct netvsp_ctrl *n_ctrl_head, *n_ctrl_tail;
	uint32_t n_ctrl_bytes;

	/* link */
	bool     n_link_up;
	uint64_t n_link_speed;

	/* TX scratch: one message gathered from the send buffer and GPA ranges. */
	uint8_t *n_tx_buf;
	struct vmbs_gpa_list n_gpa;

	struct netvsp_stats n_st;

	/* Lifetime: channels the server still holds (each gets rescinded());
	 * after netvsp_destroy the struct lives on, orphaned, until the last. */
	uint32_t n_live_chans;
	bool     n_orphan;
};

/* netvsp.c */
void *netvsp_zalloc(size_t n);
void  netvsp_free(void *p);
void  netvsp_trace(const struct netvsp *nic, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void  netvsp_kick(struct netvsp *nic);
void  netvsp_nvsp_set_state(struct netvsp *nic, enum netvsp_nvsp_state st);
void  netvsp_rndis_set_state(struct netvsp *nic, enum netvsp_rndis_state st);
const char *netvsp_nvsp_state_name(enum netvsp_nvsp_state st);
const char *netvsp_rndis_state_name(enum netvsp_rndis_state st);
struct netvsp_queue *netvsp_queue_of(struct netvsp *nic, struct vmbs_chan *ch);
/* Offer the sub-channels NVSP granted; returns the number offered or -errno. */
int   netvsp_offer_subchannels(struct netvsp *nic, uint32_t n);
/* Drop both buffers and every negotiated thing (channel closed). */
void  netvsp_reset_protocol(struct netvsp *nic);

/* netvsp_nvsp.c: one NVSP packet from the guest on queue q.  Negative =
 * protocol violation (the server closes the channel). */
int   netvsp_nvsp_packet(struct netvsp *nic, struct netvsp_queue *q,
			 const struct vmbus_pkt_desc *desc, const uint8_t *pkt, uint32_t len);
void  netvsp_buf_release(struct netvsp *nic, struct netvsp_buf *b);
/* Send a completion on q, or queue it while the ring is full.  0, or
 * -ENOBUFS over NETVSP_PEND_MAX (the caller closes the channel). */
int   netvsp_complete(struct netvsp *nic, struct netvsp_queue *q, uint64_t tid,
		      const void *msg, uint32_t len);
void  netvsp_pend_flush(struct netvsp *nic, struct netvsp_queue *q);
void  netvsp_pend_drop(struct netvsp_queue *q);
/* Send the send indirection table (NVSP 5+, after sub-channels open). */
int   netvsp_send_indirection(struct netvsp *nic);
uint32_t netvsp_nvsp_msg_size(const struct netvsp *nic);

/* netvsp_rndis.c: a gathered RNDIS buffer (one or more messages) that came
 * in on queue q.  Negative = framing violation (CLOSE). */
int   netvsp_rndis_input(struct netvsp *nic, struct netvsp_queue *q, uint8_t *buf,
			 uint32_t len);
/* Queue a control reply or indication for the primary channel; sends it as
 * soon as a sub-allocation is free.  -ENOBUFS over the 100 KiB cap. */
int   netvsp_ctrl_enqueue(struct netvsp *nic, const void *msg, uint32_t len);
void  netvsp_ctrl_flush(struct netvsp *nic);
void  netvsp_ctrl_drop_all(struct netvsp *nic);
int   netvsp_indicate(struct netvsp *nic, uint32_t status, const void *buf, uint32_t len);

/* netvsp_oid.c: answer QUERY (into out, *outlen) / SET; RNDIS_STATUS_*. */
uint32_t netvsp_oid_query(struct netvsp *nic, uint32_t oid, const uint8_t *in, uint32_t inlen,
			  uint8_t *out, uint32_t cap, uint32_t *outlen);
uint32_t netvsp_oid_set(struct netvsp *nic, uint32_t oid, const uint8_t *in, uint32_t inlen);
bool     netvsp_oid_supported(const struct netvsp *nic, uint32_t oid);

/* netvsp_tx.c: one RNDIS PACKET_MSG (already bounds-checked header) from the
 * guest: parse PPIs, fix up offloads, hand to the back end.  0 sent, or
 * negative when the frame was dropped (counted). */
int   netvsp_tx_packet(struct netvsp *nic, uint8_t *msg, uint32_t len);

/* netvsp_rx.c */
int   netvsp_sub_alloc(struct netvsp *nic, bool control, uint32_t *idx);
void  netvsp_sub_release(struct netvsp *nic, uint32_t idx);
/* Write hdr then data into one sub-allocation and send it as a one-range
 * transfer-page packet on q.  -ENOBUFS (no free section), -EMSGSIZE,
 * -EAGAIN (ring full), -ENOTCONN. */
int   netvsp_rx_send(struct netvsp *nic, struct netvsp_queue *q, uint32_t channel_type,
		     const void *hdr, uint32_t hlen, const void *data, uint32_t dlen,
		     bool control);
/* The guest's completion of a transfer-page packet (tid) on q. */
void  netvsp_rx_complete(struct netvsp *nic, struct netvsp_queue *q, uint64_t tid,
			 const uint8_t *payload, uint32_t len);
uint16_t netvsp_rss_queue(struct netvsp *nic, const uint8_t *frame, size_t len,
			  uint32_t *hash, uint32_t *hash_type);

/* netvsp_fuzz.c: fuzz/test entry points.  Pretend the guest negotiated
 * NVSP 6.1 / NDIS 6.30 with receive and send buffers on the given guest
 * pages (borrowed; must outlive the NIC) and, when rndis, initialised RNDIS
 * with filter 0x0D.  Sends on the (unopened) channel fail quietly. */
int  netvsp_fuzz_ready(struct netvsp *nic, const uint64_t *rpfn, uint32_t rn,
		       const uint64_t *spfn, uint32_t sn, bool rndis);
/* One packet as the channel would deliver it, on queue q. */
int  netvsp_fuzz_packet(struct netvsp *nic, uint16_t q, const struct vmbus_pkt_desc *desc,
			const uint8_t *pkt, uint32_t len);
/* Invariants after any input: counters and queues within their caps. */
bool netvsp_fuzz_invariants(const struct netvsp *nic);

#endif /* SIM_DEVICES_NETVSP_NETVSP_VAR_H */
