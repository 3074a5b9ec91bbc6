/* netbe_var.h -- internal state of a network back end and its per-kind ops. */
#ifndef SIM_DEVICES_NET_NETBE_VAR_H
#define SIM_DEVICES_NET_NETBE_VAR_H

#include "sim/devices/net/netbe.h"

struct netbe;
struct netbe_pcap;

/* One back-end kind.  send gets a frame the generic layer already made
 * acceptable for the kind's caps (segmented / checksummed / tag inserted
 * as needed). */
struct netbe_ops {
	int      (*send)(struct netbe *be, const uint8_t *frame, size_t len, const struct netbe_meta *m);
	unsigned (*poll)(struct netbe *be, unsigned budget); /* NULL: queue only */
	void     (*close)(struct netbe *be);                 /* NULL: nothing extra */
};

/* A frame waiting for delivery through netbe_poll. */
struct netbe_qent {
	uint8_t *q_buf;
	size_t   q_len;
	struct netbe_meta q_meta;
};

struct netbe_queue {
	struct netbe_qent q_ent[NETBE_QUEUE_MAX];
	unsigned q_head, q_count;
};

struct netbe {
	enum netbe_kind be_kind;
	const struct netbe_ops *be_ops;
	const struct netbe_cb *be_cb;
	void   *be_arg;
	struct netbe_caps be_caps;   /* advertised (netbe_caps) */
	struct netbe_caps be_raw;    /* what ops->send takes as is; the rest is fixed up in software */
	struct netbe_stats be_stats;
	struct netbe_pcap *be_pcap;         /* capture beside the back end, NULL when off */
	struct netbe_pcap *be_cap;          /* netbe_capture_start's file, NULL when off */
	struct netbe_queue be_rxq;   /* frames for cb->rx (peer replies, pair) */
	bool    be_want_writable;    /* -EAGAIN was returned: call cb->writable on space */
	/* PEER */
	uint8_t  be_peer_mac[6];
	uint32_t be_peer_ip;
	/* PAIR: the other end (NULL once it closed) */
	struct netbe *be_pair;
	/* TAP */
	int      be_fd;
	bool     be_vnet;
	uint8_t *be_rxbuf;        /* one read buffer, NETBE_TAP_BUF bytes */
};

void *netbe_zalloc(size_t n);
void  netbe_free(void *p);

/* Queue a copy of a frame for RX; false when full or out of memory.  Calls
 * cb->rx_ready when the queue was empty. */
bool netbe_rxq_push(struct netbe *be, const uint8_t *frame, size_t len, const struct netbe_meta *m);
unsigned netbe_rxq_deliver(struct netbe *be, unsigned budget);
void netbe_rxq_clear(struct netbe *be);
/* Deliver one frame to cb->rx and the capture. */
void netbe_deliver(struct netbe *be, const uint8_t *frame, size_t len, const struct netbe_meta *m);

/* Software offload: call emit for each complete frame of (frame, m):
 * GSO segmented, partial checksum completed, out-of-band VLAN tag inserted
 * (when tag_vlan).  0, -EINVAL, -ENOMEM or emit's error. */
int netbe_soft_offload(const uint8_t *frame, size_t len, const struct netbe_meta *m, bool tag_vlan,
                       int (*emit)(void *arg, const uint8_t *f, size_t flen), void *arg);
/* Number of frames soft offload makes of (frame, m): 1 unless GSO. */
size_t netbe_soft_count(const uint8_t *frame, size_t len, const struct netbe_meta *m);

/* pcap capture file (netbe_pcap.c). */
int  netbe_pcap_open(const char *path, struct netbe_pcap **out);
void netbe_pcap_close(struct netbe_pcap *pc);   /* NULL-tolerant */
void netbe_pcap_write(struct netbe_pcap *pc, const uint8_t *frame, size_t len);
/* Timestamps from now(arg) in 100 ns units instead of the wall clock. */
void netbe_pcap_set_clock(struct netbe_pcap *pc, uint64_t (*now)(void *arg), void *arg);
/* Write a frame with offload metadata as the complete frames it stands for. */
void netbe_pcap_write_meta(struct netbe_pcap *pc, const uint8_t *frame, size_t len, const struct netbe_meta *m);

/* Per-kind openers. */
int netbe_peer_init(struct netbe *be, const struct netbe_config *cfg);
int netbe_tap_init(struct netbe *be, const struct netbe_config *cfg);
/* PAIR: 0 when 'frames' more fit in the other end's queue, else -EAGAIN/-EMSGSIZE. */
int netbe_pair_room(struct netbe *be, size_t frames);
extern const struct netbe_ops netbe_null_ops, netbe_peer_ops, netbe_pair_ops, netbe_tap_ops;

#endif
