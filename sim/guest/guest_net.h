/* guest_net.h -- what the runner may ask of the guest's synthetic NICs (the
 * hn driver): start it, read an interface's state (names, negotiated
 * versions, MAC, MTU, link, offloads, counters), change the MTU, send and
 * receive raw frames, and ping (ARP + ICMP echo) from a guest address.
 * Sim-side types only; everything runs in guest context. */
#ifndef SIM_GUEST_GUEST_NET_H
#define SIM_GUEST_GUEST_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct gk_runtime;

#define GK_NET_MAX_QUEUES 16u

struct gk_net_config {
	uint32_t max_nvsp;          /* NVSP version ceiling, 0 = newest */
	uint32_t mtu;               /* 0 = 1500 */
	unsigned max_queues;        /* 0 = one per vCPU, 1 = no vRSS */
	bool     no_offload;
	uint64_t timeout_ns;        /* 0 = 5 s */
};

/* Register the hn driver (NICs attach as hn0, hn1 in offer order).  0;
 * -EBUSY, -EINVAL, -ENOMEM, -ENODEV (host gone). */
int gk_guest_net_start(struct gk_runtime *rt, const struct gk_net_config *cfg);
int gk_guest_net_stop(struct gk_runtime *rt);

struct gk_net_status {
	bool     present;           /* hn<unit> exists */
	bool     running;           /* up (hn_get_info succeeded) */
	char     name[16];
	uint32_t nvsp_version, ndis_version;
	uint8_t  mac[6];
	uint32_t mtu;
	unsigned nqueues;
	bool     rss;
	bool     link_up;
	uint64_t speed_bps, link_changes;
	bool     csum_tcp4, csum_udp4, csum_tcp6, csum_udp6, lso4, lso6;
	uint64_t tx_pkts, rx_pkts, tx_csum_sw, tx_csum_offload;
	uint64_t rx_per_queue[GK_NET_MAX_QUEUES];
	uint64_t drops;             /* every hardening drop counter summed */
};
/* 0 when the action ran (out->present says whether hn<unit> exists). */
int gk_guest_net_status(struct gk_runtime *rt, unsigned unit, struct gk_net_status *out);

/* hn_set_mtu; *result gets its return (0, -EINVAL, -EIO ...). */
int gk_guest_net_set_mtu(struct gk_runtime *rt, unsigned unit, uint32_t mtu, int *result);

/* Offload requests for a sent frame (see hn.h struct hn_txmeta). */
struct gk_net_txmeta {
	bool     csum_partial;
	uint16_t csum_start, csum_offset;
	uint16_t mss;
};
/* Send one frame and wait for the host to complete it; *result = hn_send's
 * return.  m may be NULL. */
int gk_guest_net_send(struct gk_runtime *rt, unsigned unit, const void *frame, size_t len,
		      const struct gk_net_txmeta *m, int *result);
/* Take one received frame (queued by the driver): *len = its length or
 * -EAGAIN. */
int gk_guest_net_recv(struct gk_runtime *rt, unsigned unit, void *buf, size_t cap, int *len);

/* Ping dst from src (IPv4, host byte order) on hn<unit>: ARP for dst, then
 * 'count' ICMP echo requests, each waited for up to timeout_ns. */
struct gk_net_ping {
	int      status;            /* 0, -EHOSTUNREACH (no ARP answer), -ENODEV, -ENETDOWN */
	unsigned sent, received;
	uint8_t  dst_mac[6];
	int      send_error;        /* first hn_send failure of an echo request, 0 = none */
};
int gk_guest_net_ping(struct gk_runtime *rt, unsigned unit, uint32_t src_ip, uint32_t dst_ip,
		      unsigned count, uint64_t timeout_ns, struct gk_net_ping *out);

/* The same with the ICMP data size chosen: 'size' bytes after the 8-byte
 * ICMP header (the IP packet is size + 28 bytes), at most GK_NET_PING_MAX. */
#define GK_NET_PING_MAX 9216u
struct gk_net_ping_req {
	unsigned unit;
	uint32_t src_ip, dst_ip;    /* host byte order */
	unsigned count;
	uint32_t size;
	uint64_t timeout_ns;        /* per reply, 0 = 1 s */
};
int gk_guest_net_ping_ex(struct gk_runtime *rt, const struct gk_net_ping_req *req,
			 struct gk_net_ping *out);

/* ARP for dst from src on hn<unit>: *status 0 and mac, or -EHOSTUNREACH
 * (no answer within timeout_ns), -ENODEV, -ENETDOWN, or hn_send's error. */
int gk_guest_net_arp(struct gk_runtime *rt, unsigned unit, uint32_t src_ip, uint32_t dst_ip,
		     uint64_t timeout_ns, uint8_t mac[6], int *status);

/* UDP echo (port 7) from 'flows' sources: flow i sends from src_ip + i,
 * port sport + i, 'count' datagrams of 'size' payload bytes, each reply
 * waited for up to timeout_ns.  Replies are counted per receive queue (the
 * vRSS channel the host chose for the flow). */
#define GK_NET_UDP_MAX_FLOWS 256u
#define GK_NET_UDP_MAX_SIZE  1472u
struct gk_net_udp_req {
	unsigned unit;
	uint32_t src_ip, dst_ip;
	uint16_t sport;
	unsigned flows, count;
	uint32_t size;
	uint64_t timeout_ns;        /* 0 = 1 s */
};
struct gk_net_udp {
	int      status;            /* 0, -EHOSTUNREACH (no ARP answer), -ENODEV, -ENETDOWN */
	unsigned sent, received;
	int      send_error;        /* first hn_send failure, 0 = none */
	uint64_t rx_per_queue[GK_NET_MAX_QUEUES];
	unsigned queues_used;       /* queues that carried at least one reply */
};
int gk_guest_net_udp(struct gk_runtime *rt, const struct gk_net_udp_req *req,
		     struct gk_net_udp *out);

#endif /* SIM_GUEST_GUEST_NET_H */
