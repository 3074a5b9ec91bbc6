/* netvsp_tx.c -- guest->host frames: PACKET_MSG bounds, PPI walk (checksum,
 * LSOv2, 802.1Q), and offload completion so that every frame leaving the host
 * is correct: checksums are filled in here, and large sends are segmented
 * here unless the back end takes GSO frames. */
#include <errno.h>
#include <string.h>

#include "sim/devices/net/netpkt.h"
#include "sim/devices/netvsp/netvsp_var.h"

struct tx_req {
	bool     csum;  uint32_t csum_info;
	bool     lso;   uint32_t lso_info;
	bool     vlan;  uint32_t vlan_info;
};

static int tx_drop(struct netvsp *nic, bool ppi, const char *why)
{
	nic->n_st.tx_dropped++;
	nic->n_st.ppi_bad += ppi;
	netvsp_trace(nic, "netvsp: TX frame dropped: %s", why);
	return -EINVAL;
}

/* Walk the PPI area; every element is bounded before it is read, and a size
 * below the element header stops the walk (no zero-size loop). */
static int parse_ppis(const uint8_t *p, uint32_t len, uint32_t frame_len, struct tx_req *r)
{
	while (len) {
		struct rndis_ppi h;
		if (len < sizeof h)
			return -EINVAL;
		memcpy(&h, p, sizeof h);
		if (h.size < sizeof h || h.size > len || h.ppi_offset < sizeof h ||
		    h.ppi_offset > h.size)
			return -EINVAL;
		uint32_t dlen = h.size - h.ppi_offset;
		uint32_t v = 0;
		if (dlen >= 4)
			memcpy(&v, p + h.ppi_offset, 4);
		switch (h.type) {
		case RNDIS_PPI_CHECKSUM:
			if (dlen < 4)
				return -EINVAL;
			r->csum = true;
			r->csum_info = v;
			break;
		case RNDIS_PPI_LSO:
			if (dlen < 4 || (v & NDIS_LSO2_MSS_MASK) == 0)
				return -EINVAL;
			r->lso = true;
			r->lso_info = v;
			break;
		case RNDIS_PPI_IEEE_8021Q:
			if (dlen < 4)
				return -EINVAL;
			r->vlan = true;
			r->vlan_info = v;
			break;
		default:
			break;  /* hash value (Linux sends it on TX) and others: ignored */
		}
		p += h.size;
		len -= h.size;
	}
	if (r->csum && ((r->csum_info & NDIS_TXCSUM_THOFF_MASK) >> NDIS_TXCSUM_THOFF_SHIFT) >= frame_len)
		return -EINVAL;
	if (r->lso && ((r->lso_info & NDIS_LSO2_THOFF_MASK) >> NDIS_LSO2_THOFF_SHIFT) >= frame_len)
		return -EINVAL;
	return 0;
}

static void wr16be(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* LSO senders leave the IP length fields 0 (Linux) or stale: set them from
 * the frame so the segmenter (or a GSO back end) sees a well-formed packet. */
static int fix_ip_lengths(uint8_t *f, uint32_t len)
{
	uint32_t l3 = 14;
	uint16_t et = (uint16_t)(f[12] << 8 | f[13]);
	if (et == 0x8100) {
		if (len < 18)
			return -EINVAL;
		et = (uint16_t)(f[16] << 8 | f[17]);
		l3 = 18;
	}
	if (et == 0x0800) {
		if (len < l3 + 20 || len - l3 > 0xFFFF)
			return -EINVAL;
		wr16be(f + l3 + 2, (uint16_t)(len - l3));
		return 0;
	}
	if (et == 0x86DD) {
		if (len < l3 + 40 || len - l3 - 40 > 0xFFFF)
			return -EINVAL;
		wr16be(f + l3 + 4, (uint16_t)(len - l3 - 40));
		return 0;
	}
	return -EINVAL;
}

struct seg_ctx {
	struct netvsp *nic;
	const struct netbe_meta *m;
};

static int be_send(struct netvsp *nic, const uint8_t *f, size_t len, const struct netbe_meta *m)
{
	nic->n_st.tx_frames++;
	nic->n_st.tx_bytes += len;
	if (!nic->n_be)
		return 0;
	int rc = netbe_send(nic->n_be, f, len, m);
	if (rc)
		nic->n_st.tx_dropped++;
	return rc;
}

static int seg_emit(void *arg, const uint8_t *seg, size_t len)
{
	struct seg_ctx *s = arg;
	s->nic->n_st.tx_segments++;
	(void)be_send(s->nic, seg, len, s->m);
	return 0;
}

/* The TCP pseudo-header sum without the length, as a GSO back end expects
 * in the checksum field (Linux TSO convention). */
static void gso_pseudo(uint8_t *f, const struct netpkt_info *pi)
{
	uint32_t sum = 6;
	if (pi->ip_ver == 4)
		sum = netpkt_csum(f + pi->l3_off + 12, 8, sum);
	else
		sum = netpkt_csum(f + pi->l3_off + 8, 32, sum);
	wr16be(f + pi->l4_off + 16, (uint16_t)sum);
}

int netvsp_tx_packet(struct netvsp *nic, uint8_t *msg, uint32_t len)
{
	struct rndis_packet p;
	memcpy(&p, msg, sizeof p);
	if (p.oob_data_offset || p.oob_data_len || p.num_oob_elements || p.vc_handle)
		return tx_drop(nic, false, "OOB data or VC handle set");
	uint64_t doff = (uint64_t)RNDIS_OFFSET_BASE + p.data_offset;
	if (p.data_offset < RNDIS_PACKET_MIN_OFFSET || doff > len || p.data_len > len - doff ||
	    p.data_len < 14)
		return tx_drop(nic, false, "data outside the message");
	uint8_t *f = msg + doff;
	uint32_t flen = p.data_len;
	struct tx_req r;
	memset(&r, 0, sizeof r);
	if (p.ppi_len) {
		uint64_t poff = (uint64_t)RNDIS_OFFSET_BASE + p.ppi_offset;
		if (p.ppi_offset < RNDIS_PACKET_MIN_OFFSET || poff > len || p.ppi_len > len - poff ||
		    parse_ppis(msg + poff, p.ppi_len, flen, &r))
			return tx_drop(nic, true, "bad per-packet info");
	}
	struct netbe_meta m;
	memset(&m, 0, sizeof m);
	if (r.vlan) {
		uint32_t v = r.vlan_info;
		m.vlan = true;
		m.vlan_tci = (uint16_t)(((v & NDIS_VLAN_PRIO_MASK) << 13) |
					((v & NDIS_VLAN_CFI) ? 0x1000u : 0u) |
					((v & NDIS_VLAN_ID_MASK) >> NDIS_VLAN_ID_SHIFT));
	}
	const struct netbe_meta *mp = r.vlan ? &m : NULL;
	if (r.lso) {
		uint16_t mss = (uint16_t)((r.lso_info & NDIS_LSO2_MSS_MASK) > 0xFFFF ? 0xFFFF
					  : (r.lso_info & NDIS_LSO2_MSS_MASK));
		struct netpkt_info pi;
		if (fix_ip_lengths(f, flen) || netpkt_parse(f, flen, &pi) || pi.l4_proto != 6 ||
		    !pi.l4_off)
			return tx_drop(nic, true, "LSO on a frame that is not TCP/IP");
		if (nic->n_be_caps.tx_gso) {
			if (pi.ip_ver == 4)
				(void)netpkt_fix_checksums(f, flen, NETPKT_FIX_IP4);
			gso_pseudo(f, &pi);
			m.gso_type = pi.ip_ver == 4 ? NETBE_GSO_TCPV4 : NETBE_GSO_TCPV6;
			m.gso_size = mss;
			m.hdr_len = (uint16_t)(pi.l4_off + pi.l4_hdr_len);
			m.csum_partial = true;
			m.csum_start = pi.l4_off;
			m.csum_offset = 16;
			return be_send(nic, f, flen, &m);
		}
		struct seg_ctx s = { nic, mp };
		if (netpkt_segment_tcp(f, flen, mss, seg_emit, &s))
			return tx_drop(nic, true, "segmentation failed");
		return 0;
	}
	if (r.csum) {
		unsigned fl = 0;
		if (r.csum_info & NDIS_TXCSUM_IP_HDR)
			fl |= NETPKT_FIX_IP4;
		if (r.csum_info & NDIS_TXCSUM_TCP)
			fl |= NETPKT_FIX_TCP;
		if (r.csum_info & NDIS_TXCSUM_UDP)
			fl |= NETPKT_FIX_UDP;
		/* Computed from scratch: correct even when the guest left only a
		 * partial sum in the field (forwarded / NATed packets). */
		if (fl && netpkt_fix_checksums(f, flen, fl) == 0)
			nic->n_st.tx_csum_fixed++;
	}
	return be_send(nic, f, flen, mp);
}
