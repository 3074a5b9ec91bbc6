/* hn_rx.c -- the hn receive path: transfer-page packets checked against
 * the receive buffer we hold (RELIABILITY 96), each range's RNDIS message
 * copied out of shared memory before it is parsed, PACKET_MSG data and
 * PPIs (checksum, VLAN, hash) bounds-checked, frames delivered to the
 * user's callback or queue, and the packet completed at once so the host
 * gets its sections back. */
#include <string.h>

#include "guest_drivers/netvsc/hn_var.h"
#include "guest_drivers/vmbus/vmbus.h"
#include "hyperv/vmbus_ring.h"

#define XFER_HDR 24u   /* descriptor + pageset id, sender_owns, reserved, range_count */

static void rx_deliver(struct hn_queue *q, const uint8_t *frame, uint32_t len,
		       const struct hn_rxmeta *m)
{
	struct hn_if *sc = q->q_sc;
	q->q_st.rx_pkts++;
	q->q_st.rx_bytes += len;
	hn_rx_fn *cb = sc->sc_rx_cb;
	if (cb) {
		cb(sc->sc_rx_arg, sc, frame, len, m);
		return;
	}
	kern_lock_acquire(q->q_lock);
	if (!q->q_rxq || q->q_rxq_count >= q->q_rxq_cap) {
		kern_lock_release(q->q_lock);
		hn_drop(sc, HN_DROP_RXQ_FULL, "receive queue full");
		return;
	}
	uint8_t *copy = kern_malloc(len ? len : 1);
	if (!copy) {
		kern_lock_release(q->q_lock);
		hn_drop(sc, HN_DROP_RXQ_FULL, "no memory for a queued frame");
		return;
	}
	memcpy(copy, frame, len);
	struct hn_rxent *e = &q->q_rxq[(q->q_rxq_head + q->q_rxq_count) % q->q_rxq_cap];
	e->data = copy;
	e->len = len;
	e->m = *m;
	q->q_rxq_count++;
	kern_lock_release(q->q_lock);
	kern_wakeup(sc->sc_wq);
}

void hn_rxq_free(struct hn_queue *q)
{
	while (q->q_rxq && q->q_rxq_count) {
		kern_free(q->q_rxq[q->q_rxq_head].data);
		q->q_rxq_head = (q->q_rxq_head + 1) % q->q_rxq_cap;
		q->q_rxq_count--;
	}
	kern_free(q->q_rxq);
	q->q_rxq = NULL;
	q->q_rxq_head = q->q_rxq_count = q->q_rxq_cap = 0;
}

/* Walk the PPI area [poff, poff + plen) of the private message copy.  Each
 * element consumes at least its 12-byte header, so the loop ends. */
static int rx_ppis(struct hn_if *sc, const uint8_t *msg, uint32_t poff, uint32_t plen,
		   struct hn_rxmeta *m)
{
	uint32_t pos = 0;
	bool hash_val = false, hash_info = false;
	uint32_t hv = 0, hi = 0;
	while (pos < plen) {
		struct rndis_ppi e;
		uint32_t left = plen - pos;
		if (left < sizeof e)
			return -EINVAL;
		memcpy(&e, msg + poff + pos, sizeof e);
		if (e.size < sizeof e || e.size > left || (e.size & 3u) || e.ppi_offset < sizeof e ||
		    e.ppi_offset > e.size)
			return -EINVAL;
		uint32_t dlen = e.size - e.ppi_offset;
		const uint8_t *d = msg + poff + pos + e.ppi_offset;
		uint32_t v = 0;
		if (dlen >= 4)
			memcpy(&v, d, 4);
		switch (e.type) {
		case RNDIS_PPI_CHECKSUM:
			if (dlen < 4)
				return -EINVAL;
			/* Linux trusts only the "succeeded" bits. */
			m->csum_ok = (v & (NDIS_RXCSUM_TCP_OK | NDIS_RXCSUM_UDP_OK)) != 0;
			m->csum_bad = (v & (NDIS_RXCSUM_TCP_FAILED | NDIS_RXCSUM_UDP_FAILED)) != 0;
			m->ip_csum_ok = (v & NDIS_RXCSUM_IP_OK) && !(v & NDIS_RXCSUM_IP_INVALID);
			if (m->csum_bad)
				m->csum_ok = false;
			break;
		case RNDIS_PPI_IEEE_8021Q:
			if (dlen < 4)
				return -EINVAL;
			m->vlan = true;
			/* Re-pack PCP/CFI/VID into an 802.1Q TCI. */
			m->vlan_tci = (uint16_t)(((v & NDIS_VLAN_PRIO_MASK) << 13) |
						 ((v & NDIS_VLAN_CFI) ? 0x1000u : 0u) |
						 ((v & NDIS_VLAN_ID_MASK) >> NDIS_VLAN_ID_SHIFT));
			break;
		case RNDIS_PPI_HASH_VALUE:
			if (dlen < 4)
				return -EINVAL;
			hash_val = true;
			hv = v;
			break;
		case RNDIS_PPI_HASH_INFO:
			if (dlen < 4)
				return -EINVAL;
			hash_info = true;
			hi = v;
			break;
		default:
			break;
		}
		pos += e.size;
	}
	/* A hash type without a hash value means nothing (DPDK). */
	if (hash_val) {
		m->hash_valid = true;
		m->hash = hv;
		m->hash_type = hash_info ? (hi & NDIS_HASH_TYPE_MASK) : 0;
	}
	(void)sc;
	return 0;
}

static void rx_packet(struct hn_queue *q, const uint8_t *msg, uint32_t len)
{
	struct hn_if *sc = q->q_sc;
	struct rndis_packet p;
	if (len < sizeof p) {
		hn_drop(sc, HN_DROP_RNDIS_LEN, "short PACKET_MSG");
		return;
	}
	memcpy(&p, msg, sizeof p);
	uint64_t doff = (uint64_t)RNDIS_OFFSET_BASE + p.data_offset;
	if (p.data_offset < RNDIS_PACKET_MIN_OFFSET || doff > len || p.data_len > len - doff ||
	    p.data_len < HN_ETH_HLEN || p.num_oob_elements || p.oob_data_len) {
		hn_drop(sc, HN_DROP_PKT_BAD, "PACKET_MSG data");
		return;
	}
	struct hn_rxmeta m;
	memset(&m, 0, sizeof m);
	m.queue = q->q_idx;
	if (p.ppi_len) {
		uint64_t poff = (uint64_t)RNDIS_OFFSET_BASE + p.ppi_offset;
		if (p.ppi_offset < RNDIS_PACKET_MIN_OFFSET || poff > len || p.ppi_len > len - poff ||
		    rx_ppis(sc, msg, (uint32_t)poff, p.ppi_len, &m)) {
			hn_drop(sc, HN_DROP_PPI, "PPI");
			return;
		}
	}
	if (m.csum_ok)
		q->q_st.rx_csum_ok++;
	if (m.hash_valid)
		q->q_st.rx_hash++;
	rx_deliver(q, msg + doff, p.data_len, &m);
}

/* One RNDIS message from a range, already copied: msg_len checked against
 * the range ('outer'), then dispatched. */
static void rx_rndis(struct hn_queue *q, const uint8_t *msg, uint32_t outer)
{
	struct hn_if *sc = q->q_sc;
	struct rndis_msg_hdr h;
	if (outer < sizeof h) {
		hn_drop(sc, HN_DROP_RNDIS_LEN, "range shorter than an RNDIS header");
		return;
	}
	memcpy(&h, msg, sizeof h);
	if (h.msg_len < sizeof h || h.msg_len > outer) {
		hn_drop(sc, HN_DROP_RNDIS_LEN, "RNDIS message length");
		return;
	}
	if (h.type == RNDIS_MSG_PACKET) {
		if (sc->sc_state != HN_ST_UP) {
			hn_drop(sc, HN_DROP_NOT_READY, "data before the interface is up");
			return;
		}
		rx_packet(q, msg, h.msg_len);
		return;
	}
	hn_rndis_control(q, msg, h.msg_len, outer);
}

static void rx_complete(struct hn_queue *q, uint64_t tid, uint32_t status)
{
	struct nvsp_rndis_pkt_complete c = { NVSP_MSG1_SEND_RNDIS_PKT_COMPLETE, status };
	if (!q->q_ch)
		return; /* fuzzing instance */
	int rc = vmbus_chan_send_comp(q->q_ch, &c, sizeof c, tid);
	if (rc)
		kern_log(KERN_WARN, "hn", "%s: receive completion not sent (%d)", q->q_sc->sc_name,
			 rc);
}

void hn_rx_xfer(struct hn_queue *q, const struct vmbus_pkt *pkt)
{
	struct hn_if *sc = q->q_sc;
	q->q_st.rx_xfer_pkts++;
	uint32_t status = NVSP_STAT_SUCCESS;
	uint16_t psid;
	uint32_t nrange;
	if (pkt->pkt_len < XFER_HDR) {
		hn_drop(sc, HN_DROP_XFER_HDR, "transfer-page header");
		rx_complete(q, pkt->trans_id, NVSP_STAT_FAIL);
		return;
	}
	memcpy(&psid, pkt->pkt + 16, 2);
	memcpy(&nrange, pkt->pkt + 20, 4);
	uint32_t hdr_end = (uint32_t)(pkt->payload - pkt->pkt);
	/* The ranges lie between byte 24 and the payload (Linux checks the
	 * same); the range count is capped before it is multiplied. */
	if (psid != HN_RECV_BUF_ID || nrange == 0 || nrange > HN_MAX_RANGES ||
	    hdr_end < XFER_HDR || nrange > (hdr_end - XFER_HDR) / 8u || !sc->sc_rxbuf.va) {
		hn_drop(sc, HN_DROP_XFER_HDR, "transfer-page header");
		rx_complete(q, pkt->trans_id, NVSP_STAT_FAIL);
		return;
	}
	struct nvsp_rndis_pkt np;
	if (pkt->payload_len < sizeof np) {
		hn_drop(sc, HN_DROP_NVSP_SHORT, "transfer-page NVSP message");
		rx_complete(q, pkt->trans_id, NVSP_STAT_FAIL);
		return;
	}
	memcpy(&np, pkt->payload, sizeof np);
	if (np.type != NVSP_MSG1_SEND_RNDIS_PKT) {
		hn_drop(sc, HN_DROP_NVSP_TYPE, "transfer-page NVSP message");
		rx_complete(q, pkt->trans_id, NVSP_STAT_FAIL);
		return;
	}
	const uint8_t *rb = sc->sc_rxbuf.va;
	for (uint32_t i = 0; i < nrange; i++) {
		struct vmbus_xfer_page_range r;
		memcpy(&r, pkt->pkt + XFER_HDR + 8u * i, sizeof r);
		uint32_t off = r.byte_offset, cnt = r.byte_count;
		if (off > sc->sc_rxbuf_size || cnt > sc->sc_rxbuf_size - off ||
		    cnt > sc->sc_rx_sec_size || cnt == 0) {
			hn_drop(sc, HN_DROP_XFER_RANGE, "transfer-page range");
			status = NVSP_STAT_FAIL;
			continue;
		}
		/* Copy out of shared memory once; parse only the copy. */
		memcpy(q->q_rxcopy, rb + off, cnt);
		rx_rndis(q, q->q_rxcopy, cnt);
	}
	rx_complete(q, pkt->trans_id, status);
}
