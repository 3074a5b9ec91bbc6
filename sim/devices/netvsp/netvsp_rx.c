/* netvsp_rx.c -- host->guest: receive-buffer sub-allocations, transfer-page
 * packets and their completions, RX frames with checksum / VLAN / hash PPIs,
 * and vRSS queue selection by Toeplitz hash over the guest's table. */
#include <errno.h>
#include <string.h>

#include "sim/devices/net/netpkt.h"
#include "sim/devices/netvsp/netvsp_var.h"

#define SUB_TAKEN 0xFFu  /* reserved while being written */

int netvsp_sub_alloc(struct netvsp *nic, bool control, uint32_t *idx)
{
	if (!nic->n_sub_busy)
		return -ENOTCONN;
	/* Data leaves NETVSP_RX_CTRL_RESERVED sections for control replies. */
	if (nic->n_sub_free == 0 || (!control && nic->n_sub_free <= NETVSP_RX_CTRL_RESERVED))
		return -ENOBUFS;
	for (uint32_t n = 0; n < nic->n_sub_count; n++) {
		uint32_t i = (nic->n_sub_hint + n) % nic->n_sub_count;
		if (nic->n_sub_busy[i] == 0) {
			nic->n_sub_busy[i] = SUB_TAKEN;
			nic->n_sub_free--;
			nic->n_sub_hint = (i + 1) % nic->n_sub_count;
			*idx = i;
			return 0;
		}
	}
	return -ENOBUFS;
}

void netvsp_sub_release(struct netvsp *nic, uint32_t idx)
{
	if (!nic->n_sub_busy || idx >= nic->n_sub_count || nic->n_sub_busy[idx] == 0)
		return;
	nic->n_sub_busy[idx] = 0;
	nic->n_sub_free++;
}

int netvsp_rx_send(struct netvsp *nic, struct netvsp_queue *q, uint32_t channel_type,
		   const void *hdr, uint32_t hlen, const void *data, uint32_t dlen, bool control)
{
	if (!q->q_open || !nic->n_rbuf.b_present)
		return -ENOTCONN;
	if (hlen > nic->n_sub_size || dlen > nic->n_sub_size - hlen)
		return -EMSGSIZE;
	uint32_t idx;
	int rc = netvsp_sub_alloc(nic, control, &idx);
	if (rc)
		return rc;
	uint64_t off = (uint64_t)idx * nic->n_sub_size;
	rc = vmbs_pages_write(q->q_chan, &nic->n_rbuf.b_pages, off, hdr, hlen);
	if (!rc && dlen)
		rc = vmbs_pages_write(q->q_chan, &nic->n_rbuf.b_pages, off + hlen, data, dlen);
	if (rc) {
		netvsp_sub_release(nic, idx);
		return rc;
	}
	uint8_t nv[NVSP_MSG_SIZE_V61];
	memset(nv, 0, sizeof nv);
	struct nvsp_rndis_pkt m = { .type = NVSP_MSG1_SEND_RNDIS_PKT, .channel_type = channel_type,
		.section_index = NVSP_SEND_SECTION_INVALID, .section_size = 0 };
	memcpy(nv, &m, sizeof m);
	struct vmbus_xfer_page_range r = { .byte_count = hlen + dlen, .byte_offset = (uint32_t)off };
	/* tid = section + 1, so a completion names the section it returns. */
	rc = vmbs_chan_send_xfer_pages(q->q_chan, (uint64_t)idx + 1u, nic->n_rbuf.b_id, &r, 1,
				       nv, netvsp_nvsp_msg_size(nic));
	if (rc) {
		netvsp_sub_release(nic, idx);
		return rc;
	}
	nic->n_sub_busy[idx] = (uint8_t)(q->q_idx + 1u);
	return 0;
}

void netvsp_rx_complete(struct netvsp *nic, struct netvsp_queue *q, uint64_t tid,
			const uint8_t *payload, uint32_t len)
{
	(void)payload;
	(void)len; /* the status (1 or 2) does not change what we do */
	if (!nic->n_sub_busy || tid == 0 || tid > nic->n_sub_count ||
	    nic->n_sub_busy[tid - 1] != q->q_idx + 1u) {
		nic->n_st.stray_completions++;
		netvsp_trace(nic, "netvsp: completion for tid %llu never sent: dropped",
			     (unsigned long long)tid);
		return;
	}
	netvsp_sub_release(nic, (uint32_t)(tid - 1));
	netvsp_ctrl_flush(nic);
}

/* ---- frames ---------------------------------------------------------------------------- */

uint16_t netvsp_rss_queue(struct netvsp *nic, const uint8_t *frame, size_t len, uint32_t *hash,
			  uint32_t *hash_type)
{
	*hash = 0;
	*hash_type = 0;
	if (!nic->n_rss_enabled || nic->n_rss_itab_n == 0)
		return 0;
	*hash_type = netpkt_rss_hash(nic->n_rss_key, sizeof nic->n_rss_key,
				     nic->n_rss_hash_info & NDIS_HASH_TYPE_MASK, frame, len, hash);
	if (!*hash_type)
		return 0;
	uint32_t qi = nic->n_rss_itab[*hash & (nic->n_rss_itab_n - 1u)];
	if (qi >= nic->n_nqueues || !nic->n_q[qi].q_open)
		return 0;
	return (uint16_t)qi;
}

static bool filter_pass(const struct netvsp *nic, const uint8_t *frame)
{
	uint32_t f = nic->n_filter;
	if (f & NDIS_PACKET_TYPE_PROMISCUOUS)
		return true;
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	if (!memcmp(frame, bcast, 6))
		return f & NDIS_PACKET_TYPE_BROADCAST;
	if (frame[0] & 1)
		return f & (NDIS_PACKET_TYPE_MULTICAST | NDIS_PACKET_TYPE_ALL_MULTICAST);
	return (f & NDIS_PACKET_TYPE_DIRECTED) && !memcmp(frame, nic->n_mac, 6);
}

static uint32_t put_ppi(uint8_t *p, uint32_t type, uint32_t value)
{
	struct rndis_ppi h = { .size = RNDIS_PPI_U32_SIZE, .type = type,
			       .ppi_offset = sizeof h };
	memcpy(p, &h, sizeof h);
	memcpy(p + sizeof h, &value, 4);
	return RNDIS_PPI_U32_SIZE;
}

int netvsp_rx(struct netvsp *nic, const uint8_t *frame, size_t len, const struct netbe_meta *m)
{
	if (!nic || !frame)
		return -EINVAL;
	if (nic->n_nvsp_state != NETVSP_NVSP_READY || nic->n_rndis_state != NETVSP_RNDIS_READY ||
	    !nic->n_link_up || len < 14 || !filter_pass(nic, frame)) {
		nic->n_st.rx_filtered++;
		return -ENOTCONN;
	}
	if (len > nic->n_mtu) {
		nic->n_st.rx_dropped++;
		return -EMSGSIZE;
	}
	uint32_t hash, hash_type;
	uint16_t qi = netvsp_rss_queue(nic, frame, len, &hash, &hash_type);

	uint8_t hdr[sizeof(struct rndis_packet) + 4 * RNDIS_PPI_U32_SIZE];
	uint32_t ppi = 0;
	uint8_t *pp = hdr + sizeof(struct rndis_packet);
	uint32_t csum = 0;
	struct netpkt_info pi;
	if (m && m->csum_valid && netpkt_parse(frame, len, &pi) == 0 && pi.ip_ver) {
		if (pi.ip_ver == 4)
			csum |= NDIS_RXCSUM_IP_OK;
		if (pi.l4_proto == 6 && !pi.frag)
			csum |= NDIS_RXCSUM_TCP_OK;
		else if (pi.l4_proto == 17 && !pi.frag)
			csum |= NDIS_RXCSUM_UDP_OK;
	}
	ppi += put_ppi(pp + ppi, RNDIS_PPI_CHECKSUM, csum);
	if (m && m->vlan) {
		uint32_t tci = m->vlan_tci;
		uint32_t v = ((tci >> 13) & 7u) | (((tci >> 12) & 1u) << 3) |
			     ((tci & 0xFFFu) << NDIS_VLAN_ID_SHIFT);
		ppi += put_ppi(pp + ppi, RNDIS_PPI_IEEE_8021Q, v);
	}
	if (hash_type) {
		ppi += put_ppi(pp + ppi, RNDIS_PPI_HASH_VALUE, hash);
		ppi += put_ppi(pp + ppi, RNDIS_PPI_HASH_INFO, NDIS_HASH_FUNCTION_TOEPLITZ | hash_type);
	}
	struct rndis_packet p = { .hdr = { RNDIS_MSG_PACKET,
		(uint32_t)sizeof p + ppi + (uint32_t)len },
		.data_offset = RNDIS_PACKET_MIN_OFFSET + ppi, .data_len = (uint32_t)len,
		.ppi_offset = RNDIS_PACKET_MIN_OFFSET, .ppi_len = ppi };
	memcpy(hdr, &p, sizeof p);
	int rc = netvsp_rx_send(nic, &nic->n_q[qi], NVSP_CHANNEL_TYPE_DATA, hdr,
				(uint32_t)sizeof p + ppi, frame, (uint32_t)len, false);
	if (rc) {
		if (rc == -ENOBUFS)
			nic->n_st.rx_no_buffer++;
		nic->n_st.rx_dropped++;
		return rc;
	}
	nic->n_st.rx_frames++;
	nic->n_st.rx_bytes += len;
	nic->n_st.rx_per_queue[qi]++;
	return 0;
}
