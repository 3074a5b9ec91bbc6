/* hn_var.h -- internal state of the hn (netvsc) driver, shared by its files:
 * hn.c (driver, attach/detach, user API), hn_nvs.c (NVSP handshake,
 * buffers, sub-channels, completions), hn_rndis.c (RNDIS control requests,
 * indications), hn_rx.c (transfer pages, RNDIS packets, PPIs), hn_tx.c
 * (sections, page buffers, offload PPIs), hn_pkt.c (frame parsing,
 * software checksums, Toeplitz).  Not an API. */
#ifndef GUEST_DRIVERS_NETVSC_HN_VAR_H
#define GUEST_DRIVERS_NETVSC_HN_VAR_H

#include <stdbool.h>
#include <stdint.h>

#include "guest_drivers/kern.h"
#include "guest_drivers/netvsc/hn.h"
#include "hyperv/nvsp.h"
#include "hyperv/rndis.h"

struct vmbus_channel;
struct vmbus_device;
struct vmbus_pkt;

#define HN_RING_BYTES       (128u * 1024u)
#define HN_RXBUF_DEFAULT    (2u << 20)
#define HN_RXBUF_MAX        (31u << 20)        /* Linux, NVSP > 2 */
#define HN_RXBUF_MAX_V2     (15u << 20)        /* NVSP <= 2 */
#define HN_TXBUF_DEFAULT    (1u << 20)
#define HN_TXBUF_MAX        (15u << 20)
#define HN_RECV_BUF_ID      NVSP_RECV_BUF_ID_LINUX
#define HN_SEND_BUF_ID      NVSP_SEND_BUF_ID_LINUX
#define HN_RX_SECTION_MAX   (64u * 1024u)      /* largest sub-allocation we copy */
#define HN_TX_SECTION_MIN   68u                /* Linux: ETH_MIN_MTU */
#define HN_TX_SLOTS         256u               /* outstanding sends per queue */
#define HN_TX_BOUNCE        4u                 /* page-buffer sends in flight per queue */
#define HN_BOUNCE_PAGES     19u                /* header page + 18 frame pages */
#define HN_RNDIS_REQS       4u                 /* RNDIS control requests in flight */
#define HN_RNDIS_RESP_MAX   1024u              /* largest control response we keep */
#define HN_RNDIS_REQ_MAX    1024u              /* largest control request we send */
#define HN_RXQ_DEFAULT      256u
#define HN_TXHDR_MAX        (44u + 4u * 16u)   /* RNDIS packet header + up to 4 PPIs */
#define HN_ITAB_DEFAULT     128u
#define HN_ITAB_MAX         256u
#define HN_MAX_RANGES       NVSP_MAX_PACKETS_PER_RECEIVE_RSC
#define HN_TX_TABLE         NVSP_INDIRECTION_TABLE_COUNT
#define HN_PAGE             4096u

/* Transaction ids we put on requests with completion: kind in the top
 * byte, a generation, a small table index (RELIABILITY rule 3: a host tid
 * is range-checked before it indexes anything). */
#define HN_TID_KIND_SHIFT 56
#define HN_TID_GEN_SHIFT  32
#define HN_TID_NVS        0x4Eull   /* NVSP control request on the primary */
#define HN_TID_RNDIS      0x52ull   /* an RNDIS control message's send */
#define HN_TID_TX         0x54ull   /* a data send */
static inline uint64_t hn_tid(uint64_t kind, uint32_t gen, uint32_t idx)
{
	return (kind << HN_TID_KIND_SHIFT) | ((uint64_t)(gen & 0xFFFFFFu) << HN_TID_GEN_SHIFT) | idx;
}

/* Interface states. */
enum hn_state {
	HN_ST_DOWN = 0,      /* nothing negotiated, channels closed */
	HN_ST_NVS,           /* primary open, NVSP / buffers being set up */
	HN_ST_RNDIS,         /* RNDIS INITIALIZE and queries */
	HN_ST_UP,            /* frames flow */
	HN_ST_STOPPING,      /* HALT / revoke / close under way */
	HN_ST_FAILED,        /* bring-up failed; down until the next MTU change */
	HN_ST_COUNT
};
const char *hn_state_name(enum hn_state s);

struct hn_txslot {
	bool     busy;
	uint32_t gen;
	int32_t  section;    /* send-buffer section, -1 for a bounce */
	int32_t  bounce;     /* bounce slot, -1 for a section */
	uint32_t len;
};

struct hn_rxent {
	uint8_t *data;
	uint32_t len;
	struct hn_rxmeta m;
};

struct hn_if;

struct hn_queue {
	struct hn_if *q_sc;
	unsigned q_idx;
	struct vmbus_channel *q_ch;
	bool q_open;
	struct kern_lock *q_lock;            /* TX slots, sections, bounces, RX queue */
	/* TX */
	uint32_t q_sec_first, q_sec_count;   /* this queue's share of the send buffer */
	uint8_t *q_sec_busy;
	uint32_t q_sec_hint;
	struct hn_txslot q_slot[HN_TX_SLOTS];
	uint32_t q_gen;
	unsigned q_outstanding;
	struct kern_dma q_bounce;            /* HN_TX_BOUNCE x HN_BOUNCE_PAGES */
	bool q_bounce_busy[HN_TX_BOUNCE];
	/* RX */
	uint8_t *q_rxcopy;                   /* private copy of one RNDIS message */
	struct hn_rxent *q_rxq;
	unsigned q_rxq_head, q_rxq_count, q_rxq_cap;
	struct hn_qstats q_st;
};

struct hn_rndis_req {
	bool     busy;
	bool     send_done;                  /* the host completed the NVSP send */
	bool     resp_done;
	bool     abandoned;                  /* waiter gone (timeout): free at send completion */
	uint32_t rid;
	uint32_t gen;
	uint32_t resp_type;                  /* RNDIS_MSG_*_C expected */
	uint8_t  *resp;                      /* HN_RNDIS_RESP_MAX bytes */
	uint32_t resp_len;
	struct kern_dma page;
};

struct hn_if {
	struct vmbus_device *sc_dev;
	struct vmbus_channel *sc_prim;
	unsigned sc_unit;
	char sc_name[24];
	enum hn_state sc_state;
	struct hn_config sc_cfg;
	struct kern_lock *sc_lock;           /* state, RNDIS table, link */
	struct kern_waitq *sc_wq;            /* NVSP replies, RNDIS replies, TX slots */
	uint32_t sc_mtu;                     /* L3 */
	uint32_t sc_nvsp, sc_ndis;
	/* NVSP control request: one at a time */
	bool     sc_nvs_busy, sc_nvs_done;
	uint32_t sc_nvs_gen;
	uint8_t  sc_nvs_resp[NVSP_MSG_SIZE];
	uint32_t sc_nvs_len;
	/* buffers */
	struct kern_dma sc_rxbuf, sc_txbuf;
	uint32_t sc_rxbuf_gpadl, sc_txbuf_gpadl;
	bool     sc_rxbuf_sent, sc_txbuf_sent;
	uint32_t sc_rxbuf_size;              /* bytes the host may use */
	uint32_t sc_rx_sec_size, sc_rx_sec_count;
	uint32_t sc_tx_sec_size, sc_tx_sec_count;
	/* RNDIS */
	struct hn_rndis_req sc_req[HN_RNDIS_REQS];
	uint32_t sc_next_rid, sc_req_gen;
	uint32_t sc_rndis_max_pkts, sc_rndis_align;
	uint8_t  sc_mac[6];
	/* offloads */
	bool sc_csum_ip4, sc_csum_tcp4, sc_csum_udp4, sc_csum_tcp6, sc_csum_udp6;
	bool sc_lso4, sc_lso6;
	uint32_t sc_lso_max;
	/* link */
	bool     sc_link_up;
	uint64_t sc_speed_bps;
	uint64_t sc_link_changes, sc_speed_changes;
	hn_link_fn *sc_link_cb;
	void    *sc_link_arg;
	/* vRSS */
	bool     sc_rss;
	uint8_t  sc_rss_key[NDIS_RSS_KEY_SIZE];
	uint32_t sc_itab_n;
	bool     sc_tx_table_valid;
	uint32_t sc_tx_table[HN_TX_TABLE];
	/* queues */
	struct hn_queue sc_q[HN_MAX_QUEUES];
	unsigned sc_nq;
	/* receive */
	hn_rx_fn *sc_rx_cb;
	void *sc_rx_arg;
	/* counters (drops bumped from every channel's context) */
	struct hn_stats sc_st;
	bool sc_fuzz;                        /* channel-less fuzzing instance */
};

#define HN_STAT_INC(sc, f) __atomic_fetch_add(&(sc)->sc_st.f, 1, __ATOMIC_RELAXED)
void hn_drop(struct hn_if *sc, enum hn_drop why, const char *what);

/* hn.c */
void hn_set_state(struct hn_if *sc, enum hn_state s);
uint64_t hn_timeout(const struct hn_if *sc);
void hn_chan_cb(struct vmbus_channel *ch, const struct vmbus_pkt *pkt, void *arg);
void hn_link_update(struct hn_if *sc, bool up, bool have_speed, uint64_t speed_bps);

/* hn_nvs.c: NVSP on the primary channel. */
int  hn_nvs_init(struct hn_if *sc);             /* version fallback, NDIS config/version */
int  hn_nvs_buffers(struct hn_if *sc);          /* receive and send buffers */
int  hn_nvs_subchannels(struct hn_if *sc, unsigned want, unsigned *granted);
void hn_nvs_revoke(struct hn_if *sc);           /* revoke both buffers (no reply) */
void hn_nvs_free_buffers(struct hn_if *sc);     /* after close: GPADL teardown, free */
void hn_nvs_completion(struct hn_queue *q, const struct vmbus_pkt *pkt);
void hn_nvs_inband(struct hn_queue *q, const struct vmbus_pkt *pkt);

/* hn_rndis.c */
int  hn_rndis_init(struct hn_if *sc);           /* INITIALIZE + queries + offload */
int  hn_rndis_query(struct hn_if *sc, uint32_t oid, const void *in, uint32_t inlen,
		    void *out, uint32_t cap, uint32_t *outlen);
int  hn_rndis_set(struct hn_if *sc, uint32_t oid, const void *in, uint32_t inlen);
int  hn_rndis_rss(struct hn_if *sc, unsigned nq);
void hn_rndis_halt(struct hn_if *sc);
void hn_rndis_send_done(struct hn_if *sc, uint32_t idx, uint32_t gen);
void hn_rndis_control(struct hn_queue *q, const uint8_t *msg, uint32_t len, uint32_t outer);
void hn_rndis_free(struct hn_if *sc);

/* hn_rx.c */
void hn_rx_xfer(struct hn_queue *q, const struct vmbus_pkt *pkt);
void hn_rxq_free(struct hn_queue *q);

/* hn_tx.c */
int  hn_tx_queue_init(struct hn_if *sc, struct hn_queue *q);
void hn_tx_queue_fini(struct hn_queue *q);
void hn_tx_done(struct hn_queue *q, uint32_t idx, uint32_t gen, uint32_t status);

/* hn_pkt.c: the guest's own frame helpers (the host has its own). */
struct hn_frame {
	uint16_t l3_off, l4_off;     /* from frame start */
	uint16_t ethertype;          /* after any 802.1Q tag */
	uint8_t  ipver;              /* 4, 6 or 0 */
	uint8_t  l4proto;            /* IPPROTO_TCP 6, UDP 17, or other */
	uint16_t l4_len;             /* bytes from l4_off to the end of the IP payload */
};
int      hn_frame_parse(const uint8_t *f, uint32_t len, struct hn_frame *out);
uint32_t hn_csum_add(uint32_t sum, const uint8_t *p, uint32_t len);
uint16_t hn_csum_fold(uint32_t sum);
/* Pseudo-header sum (not folded, not inverted) with the given L4 length. */
uint32_t hn_pseudo_sum(const uint8_t *f, const struct hn_frame *fr, uint32_t l4len);
uint32_t hn_toeplitz(const uint8_t *key, const uint8_t *in, uint32_t len);
/* Toeplitz over the frame's addresses (and TCP ports), hash type NDIS_HASH_*; 0 when none. */
uint32_t hn_frame_hash(const uint8_t *key, const uint8_t *f, uint32_t len, uint32_t *hash);

/* Fuzzing entry (fuzz/targets/fuzz_netvsc_*.c): a channel-less interface
 * whose receive buffer is 'rxbuf' (borrowed, rxlen bytes, sections of
 * sec_size), state UP with nq queues, NVSP 'nvsp'.  hn_fuzz_packet hands it
 * one host packet on queue qi; completions it would send are dropped. */
struct hn_if *hn_fuzz_create(uint8_t *rxbuf, uint32_t rxlen, uint32_t sec_size, unsigned nq,
			     uint32_t nvsp);
void hn_fuzz_packet(struct hn_if *sc, unsigned qi, const struct vmbus_pkt *pkt);
/* Start an NVSP / RNDIS request as if waiting for it (so completions match). */
void hn_fuzz_expect(struct hn_if *sc);
void hn_fuzz_destroy(struct hn_if *sc);

#endif /* GUEST_DRIVERS_NETVSC_HN_VAR_H */
