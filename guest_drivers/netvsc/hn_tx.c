/* hn_tx.c -- the hn transmit path: the RNDIS PACKET header with offload
 * PPIs (checksum, LSOv2, VLAN) only for what was negotiated, software
 * checksum completion for everything else (a forwarded frame with only the
 * pseudo-header sum must never leave half done), small frames through a
 * send-buffer section, large ones through page buffers from a bounce area;
 * completions free the slot by a checked table index. */
#include <string.h>

#include "guest_drivers/netvsc/hn_var.h"
#include "guest_drivers/vmbus/vmbus.h"

int hn_tx_queue_init(struct hn_if *sc, struct hn_queue *q)
{
	/* An even share of the send buffer per queue. */
	uint32_t per = sc->sc_tx_sec_count / sc->sc_nq;
	q->q_sec_first = per * q->q_idx;
	q->q_sec_count = per;
	q->q_sec_hint = 0;
	if (per) {
		q->q_sec_busy = kern_zalloc(per);
		if (!q->q_sec_busy)
			return -ENOMEM;
	}
	int rc = kern_dma_alloc(HN_TX_BOUNCE * HN_BOUNCE_PAGES, &q->q_bounce);
	if (rc) {
		kern_free(q->q_sec_busy);
		q->q_sec_busy = NULL;
		return rc;
	}
	memset(q->q_slot, 0, sizeof q->q_slot);
	memset(q->q_bounce_busy, 0, sizeof q->q_bounce_busy);
	q->q_outstanding = 0;
	return 0;
}

void hn_tx_queue_fini(struct hn_queue *q)
{
	kern_free(q->q_sec_busy);
	q->q_sec_busy = NULL;
	kern_dma_free(&q->q_bounce);
	memset(&q->q_bounce, 0, sizeof q->q_bounce);
	q->q_sec_count = 0;
	q->q_outstanding = 0;
	memset(q->q_slot, 0, sizeof q->q_slot);
}

/* Called with q_lock held.  Slot index, or -1. */
static int slot_get(struct hn_queue *q)
{
	for (uint32_t i = 0; i < HN_TX_SLOTS; i++)
		if (!q->q_slot[i].busy)
			return (int)i;
	return -1;
}

static int32_t section_get(struct hn_queue *q)
{
	for (uint32_t n = 0; n < q->q_sec_count; n++) {
		uint32_t i = (q->q_sec_hint + n) % q->q_sec_count;
		if (!q->q_sec_busy[i]) {
			q->q_sec_busy[i] = 1;
			q->q_sec_hint = i + 1;
			return (int32_t)i;
		}
	}
	return -1;
}

static int32_t bounce_get(struct hn_queue *q)
{
	for (uint32_t i = 0; i < HN_TX_BOUNCE; i++)
		if (!q->q_bounce_busy[i]) {
			q->q_bounce_busy[i] = true;
			return (int32_t)i;
		}
	return -1;
}

static void slot_put(struct hn_queue *q, uint32_t idx)
{
	struct hn_txslot *s = &q->q_slot[idx];
	if (s->section >= 0 && (uint32_t)s->section < q->q_sec_count)
		q->q_sec_busy[s->section] = 0;
	if (s->bounce >= 0 && s->bounce < (int32_t)HN_TX_BOUNCE)
		q->q_bounce_busy[s->bounce] = false;
	s->busy = false;
	q->q_outstanding--;
}

void hn_tx_done(struct hn_queue *q, uint32_t idx, uint32_t gen, uint32_t status)
{
	struct hn_if *sc = q->q_sc;
	kern_lock_acquire(q->q_lock);
	if (idx >= HN_TX_SLOTS || !q->q_slot[idx].busy || q->q_slot[idx].gen != gen) {
		kern_lock_release(q->q_lock);
		hn_drop(sc, HN_DROP_UNKNOWN_TID, "send completion");
		return;
	}
	slot_put(q, idx);
	q->q_st.tx_completions++;
	if (status != NVSP_STAT_SUCCESS)
		q->q_st.tx_errors++;
	kern_lock_release(q->q_lock);
	kern_wakeup(sc->sc_wq);
}

static void put_ppi(uint8_t *hdr, uint32_t *pos, uint32_t type, uint32_t v)
{
	struct rndis_ppi e = { RNDIS_PPI_U32_SIZE, type, sizeof(struct rndis_ppi) };
	memcpy(hdr + *pos, &e, sizeof e);
	memcpy(hdr + *pos + sizeof e, &v, 4);
	*pos += RNDIS_PPI_U32_SIZE;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* What the frame asks for and what we do about it: PPIs into hdr (after
 * the 44-byte packet header), fix-ups applied to the frame copy 'f'. */
struct tx_plan {
	uint32_t ppi_len;
	bool sw_csum;        /* complete the L4 checksum in the driver */
	bool lso;
	bool offload;
	struct hn_frame fr;
};

static int tx_plan(struct hn_if *sc, const uint8_t *f, uint32_t len, const struct hn_txmeta *m,
		   uint8_t *hdr, struct tx_plan *pl)
{
	memset(pl, 0, sizeof *pl);
	uint32_t pos = sizeof(struct rndis_packet);
	if (!m)
		return 0;
	if (m->csum_partial || m->mss) {
		if (hn_frame_parse(f, len, &pl->fr) || !pl->fr.ipver)
			return -EINVAL;
	}
	if (m->mss) {
		bool ok = pl->fr.l4proto == 6 &&
			  (pl->fr.ipver == 4 ? sc->sc_lso4 : sc->sc_lso6);
		if (!ok)
			return -EOPNOTSUPP;
		if (pl->fr.l4_off >= len ||
		    pl->fr.l4_off > (NDIS_LSO2_THOFF_MASK >> NDIS_LSO2_THOFF_SHIFT) ||
		    len - pl->fr.l4_off < 20 || (sc->sc_lso_max && len > sc->sc_lso_max + pl->fr.l4_off + 60u))
			return -EINVAL;
		uint32_t v = m->mss | ((uint32_t)pl->fr.l4_off << NDIS_LSO2_THOFF_SHIFT) |
			     NDIS_LSO2_TYPE_V2 | (pl->fr.ipver == 6 ? NDIS_LSO2_IPV6 : 0);
		put_ppi(hdr, &pos, RNDIS_PPI_LSO, v);
		pl->lso = true;
	} else if (m->csum_partial) {
		uint8_t p = pl->fr.l4proto;
		bool tcp = p == 6 && m->csum_offset == 16;
		bool udp = p == 17 && m->csum_offset == 6;
		if ((uint32_t)m->csum_start + m->csum_offset + 2u > len)
			return -EINVAL;
		bool nego = (pl->fr.ipver == 4) ? (tcp ? sc->sc_csum_tcp4 : udp && sc->sc_csum_udp4)
						: (tcp ? sc->sc_csum_tcp6 : udp && sc->sc_csum_udp6);
		if (nego && m->csum_start == pl->fr.l4_off) {
			uint32_t v = (pl->fr.ipver == 4 ? NDIS_TXCSUM_IPV4 : NDIS_TXCSUM_IPV6) |
				     (tcp ? NDIS_TXCSUM_TCP : NDIS_TXCSUM_UDP) |
				     ((uint32_t)m->csum_start << NDIS_TXCSUM_THOFF_SHIFT);
			put_ppi(hdr, &pos, RNDIS_PPI_CHECKSUM, v);
			pl->offload = true;
		} else {
			pl->sw_csum = true;
		}
	}
	if (m->vlan) {
		uint32_t v = ((uint32_t)(m->vlan_tci >> 13) & NDIS_VLAN_PRIO_MASK) |
			     ((m->vlan_tci & 0x1000u) ? NDIS_VLAN_CFI : 0u) |
			     ((uint32_t)(m->vlan_tci & 0xFFFu) << NDIS_VLAN_ID_SHIFT);
		put_ppi(hdr, &pos, RNDIS_PPI_IEEE_8021Q, v);
	}
	pl->ppi_len = pos - (uint32_t)sizeof(struct rndis_packet);
	return 0;
}

/* Apply the plan's fix-ups to the copy of the frame. */
static void tx_fixup(uint8_t *f, uint32_t len, const struct hn_txmeta *m, const struct tx_plan *pl)
{
	if (pl->lso) {
		/* Linux LSO prep: IPv4 total length and header checksum 0, the
		 * TCP checksum the pseudo-header sum without a length; the
		 * host fixes every segment. */
		const struct hn_frame *fr = &pl->fr;
		if (fr->ipver == 4) {
			put16(f + fr->l3_off + 2, 0);
			put16(f + fr->l3_off + 10, 0);
		} else {
			put16(f + fr->l3_off + 4, 0);
		}
		put16(f + fr->l4_off + 16, hn_csum_fold(hn_pseudo_sum(f, fr, 0)));
		return;
	}
	if (pl->sw_csum) {
		/* The field holds the pseudo-header sum already (csum_partial
		 * semantics): summing over it completes the checksum. */
		uint32_t s = hn_csum_add(0, f + m->csum_start, len - m->csum_start);
		uint16_t c = (uint16_t)~hn_csum_fold(s);
		if (c == 0 && m->csum_offset == 6)
			c = 0xFFFF; /* UDP: 0 means "no checksum" */
		put16(f + m->csum_start + m->csum_offset, c);
	}
}

static unsigned tx_pick_queue(struct hn_if *sc, const uint8_t *f, uint32_t len,
			      const struct hn_txmeta *m)
{
	if (m && m->queue >= 0)
		return (unsigned)m->queue < sc->sc_nq ? (unsigned)m->queue : 0;
	if (sc->sc_nq <= 1)
		return 0;
	uint32_t h;
	if (!hn_frame_hash(sc->sc_rss_key, f, len, &h))
		return 0;
	if (sc->sc_tx_table_valid)
		return sc->sc_tx_table[h % HN_TX_TABLE] % sc->sc_nq;
	return h % sc->sc_nq;
}

struct tx_wait {
	struct hn_queue *q;
	bool slots;              /* the slot table was full (else a section / bounce area) */
	uint64_t before;         /* completions when we started waiting */
};

static bool tx_space(void *arg)
{
	const struct tx_wait *w = arg;
	struct hn_queue *q = w->q;
	if (q->q_sc->sc_state != HN_ST_UP)
		return true;
	/* Slots: wait for half of them back (batching).  A bounce area or
	 * section: only a completion frees one, and only HN_TX_BOUNCE
	 * bounce areas exist, far fewer than slots. */
	if (w->slots)
		return KERN_READ_ONCE(q->q_outstanding) < HN_TX_SLOTS / 2;
	return KERN_READ_ONCE(q->q_st.tx_completions) != w->before;
}

int hn_send(struct hn_if *sc, const void *frame, uint32_t len, const struct hn_txmeta *m,
	    unsigned flags)
{
	if (!sc || !frame)
		return -EINVAL;
	if (sc->sc_state != HN_ST_UP)
		return -ENETDOWN;
	if (len < HN_ETH_HLEN)
		return -EINVAL;
	/* An MTU-sized packet behind the Ethernet header, plus 4 bytes only
	 * when the frame carries its own 802.1Q tag: anything longer is
	 * oversized on the wire, and a host at the same MTU drops it. */
	const uint8_t *eth = frame;
	bool tagged = eth[12] == 0x81 && eth[13] == 0x00;
	uint32_t max = (m && m->mss) ? HN_TX_MAX_FRAME
				     : sc->sc_mtu + HN_ETH_HLEN + (tagged ? 4u : 0u);
	if (len > max)
		return -EMSGSIZE;
	uint8_t hdr[HN_TXHDR_MAX];
	memset(hdr, 0, sizeof hdr);
	struct tx_plan pl;
	int rc = tx_plan(sc, frame, len, m, hdr, &pl);
	if (rc)
		return rc;
	unsigned qi = tx_pick_queue(sc, frame, len, m);
	struct hn_queue *q = &sc->sc_q[qi];
	uint32_t hlen = (uint32_t)sizeof(struct rndis_packet) + pl.ppi_len;
	struct rndis_packet p;
	memset(&p, 0, sizeof p);
	p.hdr.type = RNDIS_MSG_PACKET;
	p.hdr.msg_len = hlen + len;
	p.data_offset = hlen - RNDIS_OFFSET_BASE;
	p.data_len = len;
	if (pl.ppi_len) {
		p.ppi_offset = RNDIS_PACKET_MIN_OFFSET;
		p.ppi_len = pl.ppi_len;
	}
	memcpy(hdr, &p, sizeof p);
	bool small = hlen + len <= sc->sc_tx_sec_size;
	int idx;
	int32_t sec = -1, bnc = -1;
	for (;;) {
		kern_lock_acquire(q->q_lock);
		idx = slot_get(q);
		if (idx >= 0) {
			if (small)
				sec = section_get(q);
			if (sec < 0)
				bnc = bounce_get(q);
			if (sec >= 0 || bnc >= 0)
				break;
		}
		/* Wait for completions to come back, then retry. */
		struct tx_wait w = { q, idx < 0, q->q_st.tx_completions };
		kern_lock_release(q->q_lock);
		if (!(flags & HN_TX_WAIT))
			return -ENOBUFS;
		rc = kern_wait(sc->sc_wq, tx_space, &w, hn_timeout(sc));
		if (rc)
			return rc;
		if (sc->sc_state != HN_ST_UP)
			return -ENETDOWN;
	}
	struct hn_txslot *s = &q->q_slot[idx];
	s->busy = true;
	s->gen = ++q->q_gen & 0xFFFFFFu;
	s->section = sec;
	s->bounce = bnc;
	s->len = len;
	q->q_outstanding++;
	uint32_t gen = s->gen;
	kern_lock_release(q->q_lock);

	uint64_t tid = hn_tid(HN_TID_TX, gen, (uint32_t)idx);
	uint8_t nb[NVSP_MSG_SIZE];
	memset(nb, 0, sizeof nb);
	if (sec >= 0) {
		uint32_t abs = q->q_sec_first + (uint32_t)sec;
		uint8_t *dst = (uint8_t *)sc->sc_txbuf.va + (size_t)abs * sc->sc_tx_sec_size;
		memcpy(dst, hdr, hlen);
		memcpy(dst + hlen, frame, len);
		tx_fixup(dst + hlen, len, m, &pl);
		struct nvsp_rndis_pkt np = { NVSP_MSG1_SEND_RNDIS_PKT, NVSP_CHANNEL_TYPE_DATA, abs,
					     hlen + len };
		memcpy(nb, &np, sizeof np);
		rc = vmbus_chan_send(q->q_ch, nb, sizeof nb, tid, true);
		if (!rc)
			q->q_st.tx_section++;
	} else {
		uint8_t *base = (uint8_t *)q->q_bounce.va + (size_t)bnc * HN_BOUNCE_PAGES * HN_PAGE;
		uint64_t pfn0 = q->q_bounce.gpa / HN_PAGE + (uint64_t)bnc * HN_BOUNCE_PAGES;
		memcpy(base, hdr, hlen);
		memcpy(base + HN_PAGE, frame, len);
		tx_fixup(base + HN_PAGE, len, m, &pl);
		struct vmbus_gpa pb[HN_BOUNCE_PAGES];
		uint32_t n = 0;
		pb[n++] = (struct vmbus_gpa){ hlen, 0, pfn0 };
		for (uint32_t off = 0; off < len; off += HN_PAGE) {
			uint32_t chunk = len - off < HN_PAGE ? len - off : HN_PAGE;
			pb[n] = (struct vmbus_gpa){ chunk, 0, pfn0 + 1 + off / HN_PAGE };
			n++;
		}
		struct nvsp_rndis_pkt np = { NVSP_MSG1_SEND_RNDIS_PKT, NVSP_CHANNEL_TYPE_DATA,
					     NVSP_SEND_SECTION_INVALID, 0 };
		memcpy(nb, &np, sizeof np);
		rc = vmbus_chan_send_pagebuf(q->q_ch, pb, n, nb, sizeof nb, tid);
		if (!rc)
			q->q_st.tx_pagebuf++;
	}
	if (rc) {
		kern_lock_acquire(q->q_lock);
		slot_put(q, (uint32_t)idx);
		q->q_st.tx_errors++;
		kern_lock_release(q->q_lock);
		return rc;
	}
	q->q_st.tx_pkts++;
	q->q_st.tx_bytes += len;
	if (pl.sw_csum)
		q->q_st.tx_csum_sw++;
	if (pl.offload)
		q->q_st.tx_csum_offload++;
	if (pl.lso)
		q->q_st.tx_lso++;
	return 0;
}

static bool tx_idle(void *arg)
{
	struct hn_if *sc = arg;
	if (sc->sc_state != HN_ST_UP)
		return true;
	for (unsigned i = 0; i < sc->sc_nq; i++)
		if (KERN_READ_ONCE(sc->sc_q[i].q_outstanding))
			return false;
	return true;
}

int hn_tx_drain(struct hn_if *sc)
{
	if (!sc)
		return -EINVAL;
	return kern_wait(sc->sc_wq, tx_idle, sc, hn_timeout(sc));
}
