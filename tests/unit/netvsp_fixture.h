/* netvsp_fixture.h -- a fake netvsc guest for the netvsp tests: the VMBus
 * server driven through hypercalls and real rings (vmbs_fixture), a netvsp
 * NIC on it, and the far end of a NIC-to-NIC pair to see and inject frames.
 * Header-only (static inline) so each test file takes what it uses. */
#ifndef TESTS_UNIT_NETVSP_FIXTURE_H
#define TESTS_UNIT_NETVSP_FIXTURE_H

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hyperv/nvsp.h"
#include "hyperv/rndis.h"
#include "sim/devices/net/netbe.h"
#include "sim/devices/net/netpkt.h"
#include "sim/devices/netvsp/netvsp.h"
#include "sim/hostd/profile.h"
#include "tests/unit/helpers/vmbs_fixture.h"

#define NFX_MAXQ      8u
#define NFX_RBUF_PAGES 64u   /* 256 KiB: 145 sub-allocations of 1806 */
#define NFX_SBUF_PAGES 16u   /* 64 KiB: 10 sections of 6144 */
#define NFX_RBUF_GPADL 0x100u
#define NFX_SBUF_GPADL 0x200u
#define NFX_MAXFRAMES 64u

struct nfx {
	struct vfx *f;
	struct netvsp *nic;
	struct netbe *peer;
	struct vfx_ring r[NFX_MAXQ];
	uint32_t relid[NFX_MAXQ], conn[NFX_MAXQ];
	unsigned nq;
	uint64_t rbuf_gpa, sbuf_gpa;
	uint64_t tid;
	/* frames the peer received (the NIC's TX) */
	uint8_t *frame[NFX_MAXFRAMES];
	size_t flen[NFX_MAXFRAMES];
	struct netbe_meta fmeta[NFX_MAXFRAMES];
	unsigned nframes;
	/* transfer-page packets read while looking for a completion */
	uint8_t pend[16][2048];
	uint32_t pend_len[16];
	unsigned pend_q[16], npend;
};

static inline void nfx_peer_rx(void *arg, const uint8_t *frame, size_t len, const struct netbe_meta *m)
{
	struct nfx *n = arg;
	if (n->nframes >= NFX_MAXFRAMES)
		return;
	n->frame[n->nframes] = malloc(len);
	assert_non_null(n->frame[n->nframes]);
	memcpy(n->frame[n->nframes], frame, len);
	n->flen[n->nframes] = len;
	if (m)
		n->fmeta[n->nframes] = *m;
	n->nframes++;
}

static const struct netbe_cb nfx_peer_cb = { .rx = nfx_peer_rx };

static const uint8_t nfx_mac[6] = { 0x00, 0x15, 0x5d, 0x00, 0x00, 0x01 };

static inline struct nfx *nfx_new_cfg(const char *profile, uint32_t vmbus_version,
				      const struct netvsp_config *cfg_in)
{
	struct nfx *n = calloc(1, sizeof *n);
	assert_non_null(n);
	n->f = vfx_new(profile, 2, NULL);
	struct netvsp_config cfg;
	if (cfg_in) {
		cfg = *cfg_in;
	} else {
		memset(&cfg, 0, sizeof cfg);
		cfg.max_queues = 4;
	}
	memcpy(cfg.mac, nfx_mac, 6);
	cfg.instance_id.bytes[15] = 1;
	cfg.no_backend = true;
	assert_int_equal(netvsp_create(n->f->vb, hv_profile_find(profile), &cfg, NULL, NULL,
				       &n->nic), 0);
	struct netbe *a = NULL;
	assert_int_equal(netbe_pair(netvsp_be_cb(), n->nic, &nfx_peer_cb, n, &a, &n->peer), 0);
	netvsp_attach_backend(n->nic, a);
	assert_int_equal(vfx_connect(n->f, vmbus_version), 1);
	struct vmbus_msg_offer offers[4];
	assert_int_equal(vfx_request_offers(n->f, offers, 4), 1);
	n->relid[0] = offers[0].child_relid;
	n->conn[0] = offers[0].connection_id;
	assert_int_equal(vfx_ring_open(n->f, &n->r[0], n->relid[0], 16, 8, false, 0), 0);
	n->nq = 1;
	n->tid = 0x1000;
	return n;
}

static inline struct nfx *nfx_new(const char *profile)
{
	return nfx_new_cfg(profile, hv_profile_find(profile)->vmbus_max_version, NULL);
}

static inline void nfx_free(struct nfx *n)
{
	for (unsigned i = 0; i < n->nframes; i++)
		free(n->frame[i]);
	netvsp_destroy(n->nic);
	netbe_close(n->peer);
	vfx_free(n->f);
	free(n);
}

static inline bool nfx_open(struct nfx *n)
{
	return vmbs_chan_is_open(netvsp_primary(n->nic));
}

/* One NVSP message in-band on queue q (completion requested when tid != 0). */
static inline void nfx_send(struct nfx *n, unsigned q, uint64_t tid, const void *msg, uint32_t len)
{
	int rc = vfx_ring_send(&n->r[q], VMBUS_PKT_DATA_INBAND,
			       tid ? VMBUS_PKT_FLAG_COMPLETION_REQUESTED : 0, tid, msg, len);
	assert_true(rc >= 0);
	vfx_signal(n->f, n->conn[q]);
}

/* Next packet on queue q's host->guest ring: returns its type, payload in
 * out (payload bytes in *len), tid in *tid; 0 when empty. */
static inline uint16_t nfx_recv(struct nfx *n, unsigned q, uint8_t *out, uint32_t *len,
				uint64_t *tid, uint8_t *whole, uint32_t *wlen)
{
	static uint8_t buf[65536];
	int rc = vfx_ring_recv(&n->r[q], buf, sizeof buf);
	if (rc < 0)
		return 0;
	struct vmbus_pkt_desc d;
	memcpy(&d, buf, sizeof d);
	uint32_t off = (uint32_t)d.offset8 * 8u;
	assert_true(off <= (uint32_t)rc);
	if (out) {
		memcpy(out, buf + off, (uint32_t)rc - off);
		*len = (uint32_t)rc - off;
	}
	if (tid)
		*tid = d.trans_id;
	if (whole) {
		memcpy(whole, buf, (size_t)rc);
		*wlen = (uint32_t)rc;
	}
	return d.type;
}

/* Send msg with a new tid and expect its completion; payload into out. */
static inline uint32_t nfx_request(struct nfx *n, unsigned q, const void *msg, uint32_t len,
				   uint8_t *out)
{
	uint64_t tid = ++n->tid, got;
	uint32_t plen = 0;
	nfx_send(n, q, tid, msg, len);
	assert_int_equal(nfx_recv(n, q, out, &plen, &got, NULL, NULL), VMBUS_PKT_COMP);
	assert_int_equal(got, tid);
	return plen;
}

static inline uint32_t nfx_u32(const uint8_t *p, uint32_t off)
{
	uint32_t v;
	memcpy(&v, p + off, 4);
	return v;
}

static inline uint32_t nfx_init(struct nfx *n, uint32_t version)
{
	struct nvsp_init m = { NVSP_MSG_INIT, version, version };
	uint8_t out[64];
	uint32_t len = nfx_request(n, 0, &m, sizeof m, out);
	assert_true(len >= 16);
	assert_int_equal(nfx_u32(out, 0), NVSP_MSG_INIT_COMPLETE);
	return nfx_u32(out, 12);
}

static inline void nfx_gpadls(struct nfx *n)
{
	uint64_t pfn[NFX_RBUF_PAGES];
	n->rbuf_gpa = vfx_alloc(n->f, NFX_RBUF_PAGES);
	for (uint32_t i = 0; i < NFX_RBUF_PAGES; i++)
		pfn[i] = (n->rbuf_gpa >> 12) + i;
	assert_int_equal(vfx_gpadl(n->f, n->relid[0], NFX_RBUF_GPADL, pfn, NFX_RBUF_PAGES), 0);
	n->sbuf_gpa = vfx_alloc(n->f, NFX_SBUF_PAGES);
	for (uint32_t i = 0; i < NFX_SBUF_PAGES; i++)
		pfn[i] = (n->sbuf_gpa >> 12) + i;
	assert_int_equal(vfx_gpadl(n->f, n->relid[0], NFX_SBUF_GPADL, pfn, NFX_SBUF_PAGES), 0);
}

/* INIT .. send buffer, as Linux does it (A.6). */
static inline void nfx_nvsp_up(struct nfx *n, uint32_t version)
{
	uint8_t out[64];
	assert_int_equal(nfx_init(n, version), NVSP_STAT_SUCCESS);
	if (version >= NVSP_PROTOCOL_VERSION_2) {
		struct nvsp_ndis_config c = { NVSP_MSG2_SEND_NDIS_CONFIG, 1514, 0,
					      NVSP_NDIS_CAP_IEEE8021Q };
		nfx_send(n, 0, 0, &c, sizeof c);
	}
	struct nvsp_ndis_version v = { NVSP_MSG1_SEND_NDIS_VERSION, 6,
		version >= NVSP_PROTOCOL_VERSION_5 ? 30u : 1u };
	nfx_send(n, 0, 0, &v, sizeof v);
	nfx_gpadls(n);
	struct nvsp_send_buf rb = { NVSP_MSG1_SEND_RECV_BUF, NFX_RBUF_GPADL, NVSP_RECV_BUF_ID_LINUX, 0 };
	nfx_request(n, 0, &rb, sizeof rb, out);
	assert_int_equal(nfx_u32(out, 0), NVSP_MSG1_SEND_RECV_BUF_COMPLETE);
	assert_int_equal(nfx_u32(out, 4), NVSP_STAT_SUCCESS);
	struct nvsp_send_buf sb = { NVSP_MSG1_SEND_SEND_BUF, NFX_SBUF_GPADL, 0, 0 };
	nfx_request(n, 0, &sb, sizeof sb, out);
	assert_int_equal(nfx_u32(out, 0), NVSP_MSG1_SEND_SEND_BUF_COMPLETE);
	assert_int_equal(nfx_u32(out, 4), NVSP_STAT_SUCCESS);
}

/* Put bytes into send-buffer section idx and post SEND_RNDIS_PKT on q
 * without waiting (for inputs that close the channel). */
static inline void nfx_rndis_post(struct nfx *n, unsigned q, uint32_t chan_type, uint32_t idx,
				  const void *msg, uint32_t len)
{
	uint8_t *sb = gmem_ptr(n->f->gm, n->sbuf_gpa + (uint64_t)idx * 6144u, len);
	assert_non_null(sb);
	memcpy(sb, msg, len);
	struct nvsp_rndis_pkt p = { NVSP_MSG1_SEND_RNDIS_PKT, chan_type, idx, len };
	nfx_send(n, q, ++n->tid, &p, sizeof p);
}

/* Put bytes into send-buffer section idx and send SEND_RNDIS_PKT on q;
 * returns the NVSP status of the completion. */
static inline uint32_t nfx_rndis_send(struct nfx *n, unsigned q, uint32_t chan_type, uint32_t idx,
				      const void *msg, uint32_t len)
{
	uint8_t *sb = gmem_ptr(n->f->gm, n->sbuf_gpa + (uint64_t)idx * 6144u, len);
	assert_non_null(sb);
	memcpy(sb, msg, len);
	struct nvsp_rndis_pkt p = { NVSP_MSG1_SEND_RNDIS_PKT, chan_type, idx, len };
	uint64_t tid = ++n->tid, got;
	nfx_send(n, q, tid, &p, sizeof p);
	/* Replies (transfer pages) may come first: the completion is searched. */
	for (;;) {
		uint8_t out[256];
		uint32_t plen;
		uint8_t whole[256];
		uint32_t wlen;
		uint16_t t = nfx_recv(n, q, out, &plen, &got, whole, &wlen);
		assert_int_not_equal(t, 0);
		if (t == VMBUS_PKT_DATA_USING_XFER_PAGES && n->npend < 16 && wlen <= 2048) {
			memcpy(n->pend[n->npend], whole, wlen);
			n->pend_len[n->npend] = wlen;
			n->pend_q[n->npend++] = q;
		}
		if (t == VMBUS_PKT_COMP && got == tid) {
			assert_int_equal(nfx_u32(out, 0), NVSP_MSG1_SEND_RNDIS_PKT_COMPLETE);
			return nfx_u32(out, 4);
		}
	}
}

/* Receive one transfer-page packet on q: the RNDIS message into msg (the
 * range's bytes), its channel type; completes it unless keep.  Returns the
 * range length, 0 when the ring is empty. */
static inline uint32_t nfx_rx(struct nfx *n, unsigned q, uint8_t *msg, uint32_t cap,
			      uint32_t *chan_type, bool keep)
{
	static uint8_t whole[4096];
	uint32_t wlen;
	uint64_t tid;
	uint16_t t;
	unsigned pi;
	for (pi = 0; pi < n->npend && n->pend_q[pi] != q; pi++)
		;
	if (pi < n->npend) {
		memcpy(whole, n->pend[pi], n->pend_len[pi]);
		wlen = n->pend_len[pi];
		memcpy(&tid, whole + 8, 8);
		n->npend--;
		memmove(n->pend[pi], n->pend[pi + 1], (n->npend - pi) * sizeof n->pend[0]);
		memmove(&n->pend_len[pi], &n->pend_len[pi + 1], (n->npend - pi) * sizeof n->pend_len[0]);
		memmove(&n->pend_q[pi], &n->pend_q[pi + 1], (n->npend - pi) * sizeof n->pend_q[0]);
	} else {
		do {
			t = nfx_recv(n, q, NULL, NULL, &tid, whole, &wlen);
			if (!t)
				return 0;
		} while (t != VMBUS_PKT_DATA_USING_XFER_PAGES);
	}
	uint16_t off8;
	memcpy(&off8, whole + 2, 2);
	uint16_t pageset;
	memcpy(&pageset, whole + 16, 2);
	assert_int_equal(pageset, NVSP_RECV_BUF_ID_LINUX);
	assert_int_equal(nfx_u32(whole, 20), 1); /* one range */
	uint32_t cnt = nfx_u32(whole, 24), boff = nfx_u32(whole, 28);
	const uint8_t *nv = whole + off8 * 8u;
	assert_int_equal(nfx_u32(nv, 0), NVSP_MSG1_SEND_RNDIS_PKT);
	if (chan_type)
		*chan_type = nfx_u32(nv, 4);
	assert_int_equal(nfx_u32(nv, 8), NVSP_SEND_SECTION_INVALID);
	assert_true(cnt <= cap);
	uint8_t *rb = gmem_ptr(n->f->gm, n->rbuf_gpa + boff, cnt);
	assert_non_null(rb);
	memcpy(msg, rb, cnt);
	if (!keep) {
		struct nvsp_rndis_pkt_complete c = { NVSP_MSG1_SEND_RNDIS_PKT_COMPLETE,
						     NVSP_STAT_SUCCESS };
		assert_true(vfx_ring_send(&n->r[q], VMBUS_PKT_COMP, 0, tid, &c, sizeof c) >= 0);
		vfx_signal(n->f, n->conn[q]);
	}
	return cnt;
}

/* An RNDIS control request through section 0 and its reply. */
static inline uint32_t nfx_ctrl(struct nfx *n, const void *req, uint32_t len, uint8_t *reply,
				uint32_t cap)
{
	assert_int_equal(nfx_rndis_send(n, 0, NVSP_CHANNEL_TYPE_CONTROL, 0, req, len),
			 NVSP_STAT_SUCCESS);
	uint32_t ct = 99;
	uint32_t r = nfx_rx(n, 0, reply, cap, &ct, false);
	if (r)
		assert_int_equal(ct, NVSP_CHANNEL_TYPE_CONTROL);
	return r;
}

static inline void nfx_rndis_up(struct nfx *n)
{
	struct rndis_init_req r = { { RNDIS_MSG_INIT, sizeof r }, 1, 1, 0, 0x4000 };
	uint8_t out[256];
	assert_int_equal(nfx_ctrl(n, &r, sizeof r, out, sizeof out), 52);
	assert_int_equal(nfx_u32(out, 0), RNDIS_MSG_INIT_C);
	assert_int_equal(nfx_u32(out, 12), RNDIS_STATUS_SUCCESS);
}

/* QUERY/SET oid with data; returns the reply length, reply in out. */
static inline uint32_t nfx_oid(struct nfx *n, uint32_t type, uint32_t oid, const void *data,
			       uint32_t dlen, uint8_t *out, uint32_t cap)
{
	static uint8_t req[2048];
	struct rndis_query_req q = { { type, (uint32_t)sizeof q + dlen }, (uint32_t)++n->tid, oid,
				     dlen, dlen ? 20u : 0u, 0 };
	memcpy(req, &q, sizeof q);
	if (dlen)
		memcpy(req + sizeof q, data, dlen);
	return nfx_ctrl(n, req, (uint32_t)sizeof q + dlen, out, cap);
}

static inline uint32_t nfx_set_filter(struct nfx *n, uint32_t filter)
{
	uint8_t out[64];
	assert_int_equal(nfx_oid(n, RNDIS_MSG_SET, RNDIS_OID_GEN_CURRENT_PACKET_FILTER, &filter, 4,
				 out, sizeof out), 16);
	return nfx_u32(out, 12);
}

static inline void nfx_full_up(struct nfx *n, uint32_t version)
{
	nfx_nvsp_up(n, version);
	nfx_rndis_up(n);
	assert_int_equal(nfx_set_filter(n, 0x0D), RNDIS_STATUS_SUCCESS);
}

/* Deliver frames queued at the NIC's end of the pair / at the peer. */
static inline void nfx_pump(struct nfx *n)
{
	for (int i = 0; i < 8 && netvsp_pump(n->nic); i++)
		;
	netbe_poll(n->peer, 1024);
}

static inline struct netvsp_stats nfx_stats(struct nfx *n)
{
	struct netvsp_stats st;
	netvsp_get_stats(n->nic, &st);
	return st;
}

#endif /* TESTS_UNIT_NETVSP_FIXTURE_H */
