/* hn_nvs.c -- NVSP on the hn primary channel: INIT with version fallback,
 * NDIS config and version, the receive and send buffers (GPADLs, their
 * completions validated against what we actually hold), the sub-channel
 * request, buffer revocation; completions and host in-band messages
 * (send indirection table) for every queue. */
#include <string.h>

#include "guest_drivers/netvsc/hn_var.h"
#include "guest_drivers/vmbus/vmbus.h"
#include "hyperv/vmbus_ring.h"

static const uint32_t hn_nvsp_versions[] = {
	NVSP_PROTOCOL_VERSION_61, NVSP_PROTOCOL_VERSION_6, NVSP_PROTOCOL_VERSION_5,
	NVSP_PROTOCOL_VERSION_4, NVSP_PROTOCOL_VERSION_2, NVSP_PROTOCOL_VERSION_1,
};

static bool nvs_done(void *arg)
{
	struct hn_if *sc = arg;
	return KERN_READ_ONCE(sc->sc_nvs_done);
}

/* Send one NVSP request (padded to NVSP_MSG_SIZE like Linux; a host may
 * not answer a short INIT) and wait for its completion.  The reply is in
 * sc_nvs_resp (sc_nvs_len bytes, at most NVSP_MSG_SIZE). */
static int nvs_request(struct hn_if *sc, const void *msg, uint32_t len)
{
	uint8_t buf[NVSP_MSG_SIZE];
	memset(buf, 0, sizeof buf);
	memcpy(buf, msg, len < sizeof buf ? len : sizeof buf);
	kern_lock_acquire(sc->sc_lock);
	sc->sc_nvs_gen++;
	sc->sc_nvs_busy = true;
	sc->sc_nvs_done = false;
	sc->sc_nvs_len = 0;
	uint64_t tid = hn_tid(HN_TID_NVS, sc->sc_nvs_gen, 0);
	kern_lock_release(sc->sc_lock);
	int rc = vmbus_chan_send(sc->sc_prim, buf, sizeof buf, tid, true);
	if (!rc)
		rc = kern_wait(sc->sc_wq, nvs_done, sc, hn_timeout(sc));
	kern_lock_acquire(sc->sc_lock);
	sc->sc_nvs_busy = false;
	kern_lock_release(sc->sc_lock);
	return rc;
}

static int nvs_post(struct hn_if *sc, const void *msg, uint32_t len)
{
	uint8_t buf[NVSP_MSG_SIZE];
	memset(buf, 0, sizeof buf);
	memcpy(buf, msg, len < sizeof buf ? len : sizeof buf);
	return vmbus_chan_send(sc->sc_prim, buf, sizeof buf, 0, false);
}

/* The reply's type must match and it must cover 'need' bytes. */
static int nvs_reply(struct hn_if *sc, uint32_t type, uint32_t need, void *out)
{
	uint32_t t;
	if (sc->sc_nvs_len < need || need > sizeof sc->sc_nvs_resp) {
		hn_drop(sc, HN_DROP_NVSP_SHORT, "NVSP reply");
		return -EIO;
	}
	memcpy(&t, sc->sc_nvs_resp, 4);
	if (t != type) {
		hn_drop(sc, HN_DROP_NVSP_TYPE, "NVSP reply");
		return -EIO;
	}
	memcpy(out, sc->sc_nvs_resp, need);
	return 0;
}

int hn_nvs_init(struct hn_if *sc)
{
	uint32_t ceil = sc->sc_cfg.max_nvsp ? sc->sc_cfg.max_nvsp : NVSP_PROTOCOL_VERSION_61;
	int rc = -EPROTONOSUPPORT;
	sc->sc_nvsp = 0;
	for (unsigned i = 0; i < sizeof hn_nvsp_versions / sizeof hn_nvsp_versions[0]; i++) {
		uint32_t v = hn_nvsp_versions[i];
		if (v > ceil)
			continue;
		struct nvsp_init m = { NVSP_MSG_INIT, v, v };
		rc = nvs_request(sc, &m, sizeof m);
		if (rc)
			return rc; /* a host that does not answer at all: no point trying older */
		struct nvsp_init_complete c;
		rc = nvs_reply(sc, NVSP_MSG_INIT_COMPLETE, sizeof c, &c);
		if (rc)
			return rc;
		if (c.status == NVSP_STAT_SUCCESS) {
			sc->sc_nvsp = v;
			break;
		}
		kern_log(KERN_DEBUG, "hn", "%s: NVSP %#x refused (%u)", sc->sc_name, v, c.status);
		rc = -EPROTONOSUPPORT;
	}
	if (!sc->sc_nvsp) {
		kern_log(KERN_WARN, "hn", "%s: host refused every NVSP version", sc->sc_name);
		return -EPROTONOSUPPORT;
	}
	if (sc->sc_nvsp >= NVSP_PROTOCOL_VERSION_2) {
		struct nvsp_ndis_config cfg;
		memset(&cfg, 0, sizeof cfg);
		cfg.type = NVSP_MSG2_SEND_NDIS_CONFIG;
		cfg.mtu = sc->sc_mtu + HN_ETH_HLEN;
		cfg.capabilities = NVSP_NDIS_CAP_IEEE8021Q;
		/* Teaming is what makes a host send link speed updates (Linux). */
		if (sc->sc_nvsp >= NVSP_PROTOCOL_VERSION_5)
			cfg.capabilities |= NVSP_NDIS_CAP_TEAMING;
		rc = nvs_post(sc, &cfg, sizeof cfg);
		if (rc)
			return rc;
	}
	struct nvsp_ndis_version nv = { NVSP_MSG1_SEND_NDIS_VERSION, NDIS_VERSION_MAJOR_6,
					sc->sc_nvsp >= NVSP_PROTOCOL_VERSION_5 ?
						NDIS_VERSION_MINOR_30 : NDIS_VERSION_MINOR_1 };
	sc->sc_ndis = (nv.ndis_major << 16) | nv.ndis_minor;
	rc = nvs_post(sc, &nv, sizeof nv);
	if (rc)
		return rc;
	kern_log(KERN_INFO, "hn", "%s: NVSP %#x, NDIS %u.%u", sc->sc_name, sc->sc_nvsp,
		 nv.ndis_major, nv.ndis_minor);
	return 0;
}

static uint32_t pages_of(uint32_t bytes)
{
	return (bytes + HN_PAGE - 1) / HN_PAGE;
}

static int nvs_rxbuf(struct hn_if *sc)
{
	uint32_t sz = sc->sc_cfg.rxbuf_bytes ? sc->sc_cfg.rxbuf_bytes : HN_RXBUF_DEFAULT;
	uint32_t max = sc->sc_nvsp <= NVSP_PROTOCOL_VERSION_2 ? HN_RXBUF_MAX_V2 : HN_RXBUF_MAX;
	if (sz > max)
		sz = max;
	int rc = kern_dma_alloc(pages_of(sz), &sc->sc_rxbuf);
	if (rc)
		return rc;
	sc->sc_rxbuf_size = (uint32_t)sc->sc_rxbuf.npages * HN_PAGE;
	rc = vmbus_gpadl_create_dma(sc->sc_prim, &sc->sc_rxbuf, &sc->sc_rxbuf_gpadl);
	if (rc) {
		kern_dma_free(&sc->sc_rxbuf);
		memset(&sc->sc_rxbuf, 0, sizeof sc->sc_rxbuf);
		return rc;
	}
	struct nvsp_send_buf m = { NVSP_MSG1_SEND_RECV_BUF, sc->sc_rxbuf_gpadl, HN_RECV_BUF_ID, 0 };
	sc->sc_rxbuf_sent = true;
	rc = nvs_request(sc, &m, sizeof m);
	if (rc)
		return rc;
	struct nvsp_recv_buf_complete c;
	rc = nvs_reply(sc, NVSP_MSG1_SEND_RECV_BUF_COMPLETE, sizeof c, &c);
	if (rc)
		return rc;
	if (c.status != NVSP_STAT_SUCCESS) {
		kern_log(KERN_WARN, "hn", "%s: receive buffer refused (%u)", sc->sc_name, c.status);
		return -EIO;
	}
	/* RELIABILITY 95: one section at offset 0, a sub-allocation that holds
	 * a frame and its RNDIS header, and size x count inside the buffer we
	 * hold (64-bit, so a huge pair cannot wrap). */
	const struct nvsp_recv_section *s = &c.sections[0];
	uint64_t span = (uint64_t)s->sub_alloc_size * s->num_sub_allocs;
	if (c.num_sections != 1 || s->offset != 0 || s->sub_alloc_size < sc->sc_mtu + HN_ETH_HLEN ||
	    s->sub_alloc_size > HN_RX_SECTION_MAX || s->num_sub_allocs == 0 ||
	    span > sc->sc_rxbuf_size) {
		kern_log(KERN_WARN, "hn",
			 "%s: bad receive buffer sections (n %u, offset %u, size %u x %u)",
			 sc->sc_name, c.num_sections, s->offset, s->sub_alloc_size,
			 s->num_sub_allocs);
		return -EPROTO;
	}
	sc->sc_rx_sec_size = s->sub_alloc_size;
	sc->sc_rx_sec_count = s->num_sub_allocs;
	return 0;
}

static int nvs_txbuf(struct hn_if *sc)
{
	uint32_t sz = sc->sc_cfg.txbuf_bytes ? sc->sc_cfg.txbuf_bytes : HN_TXBUF_DEFAULT;
	if (sz > HN_TXBUF_MAX)
		sz = HN_TXBUF_MAX;
	int rc = kern_dma_alloc(pages_of(sz), &sc->sc_txbuf);
	if (rc)
		return rc;
	rc = vmbus_gpadl_create_dma(sc->sc_prim, &sc->sc_txbuf, &sc->sc_txbuf_gpadl);
	if (rc) {
		kern_dma_free(&sc->sc_txbuf);
		memset(&sc->sc_txbuf, 0, sizeof sc->sc_txbuf);
		return rc;
	}
	struct nvsp_send_buf m = { NVSP_MSG1_SEND_SEND_BUF, sc->sc_txbuf_gpadl, HN_SEND_BUF_ID, 0 };
	sc->sc_txbuf_sent = true;
	rc = nvs_request(sc, &m, sizeof m);
	if (rc)
		return rc;
	struct nvsp_send_buf_complete c;
	rc = nvs_reply(sc, NVSP_MSG1_SEND_SEND_BUF_COMPLETE, sizeof c, &c);
	if (rc)
		return rc;
	uint32_t bytes = (uint32_t)sc->sc_txbuf.npages * HN_PAGE;
	if (c.status != NVSP_STAT_SUCCESS || c.section_size < HN_TX_SECTION_MIN ||
	    c.section_size > bytes) {
		kern_log(KERN_WARN, "hn", "%s: send buffer refused (status %u, section %u)",
			 sc->sc_name, c.status, c.section_size);
		return c.status != NVSP_STAT_SUCCESS ? -EIO : -EPROTO;
	}
	sc->sc_tx_sec_size = c.section_size;
	sc->sc_tx_sec_count = bytes / c.section_size;
	return 0;
}

int hn_nvs_buffers(struct hn_if *sc)
{
	int rc = nvs_rxbuf(sc);
	if (rc)
		return rc;
	return nvs_txbuf(sc);
}

int hn_nvs_subchannels(struct hn_if *sc, unsigned want, unsigned *granted)
{
	*granted = 0;
	struct nvsp_subchannel_req m = { NVSP_MSG5_SUBCHANNEL, NVSP_SUBCHANNEL_OP_ALLOCATE, want };
	int rc = nvs_request(sc, &m, sizeof m);
	if (rc)
		return rc;
	struct nvsp_subchannel_complete c;
	rc = nvs_reply(sc, NVSP_MSG5_SUBCHANNEL, sizeof c, &c);
	if (rc)
		return rc;
	if (c.status != NVSP_STAT_SUCCESS)
		return -EIO;
	/* RELIABILITY 98: never more than asked for. */
	if (c.num_subchannels > want) {
		HN_STAT_INC(sc, subchan_refused);
		kern_log(KERN_WARN, "hn", "%s: host granted %u sub-channels, %u asked",
			 sc->sc_name, c.num_subchannels, want);
		return -EINVAL;
	}
	*granted = c.num_subchannels;
	return 0;
}

void hn_nvs_revoke(struct hn_if *sc)
{
	if (sc->sc_rxbuf_sent) {
		struct nvsp_revoke_buf m = { NVSP_MSG1_REVOKE_RECV_BUF, HN_RECV_BUF_ID };
		(void)nvs_post(sc, &m, sizeof m);
		sc->sc_rxbuf_sent = false;
	}
	if (sc->sc_txbuf_sent) {
		struct nvsp_revoke_buf m = { NVSP_MSG1_REVOKE_SEND_BUF, HN_SEND_BUF_ID };
		(void)nvs_post(sc, &m, sizeof m);
		sc->sc_txbuf_sent = false;
	}
}

void hn_nvs_free_buffers(struct hn_if *sc)
{
	if (sc->sc_rxbuf_gpadl) {
		(void)vmbus_gpadl_destroy(sc->sc_prim, sc->sc_rxbuf_gpadl);
		sc->sc_rxbuf_gpadl = 0;
	}
	if (sc->sc_txbuf_gpadl) {
		(void)vmbus_gpadl_destroy(sc->sc_prim, sc->sc_txbuf_gpadl);
		sc->sc_txbuf_gpadl = 0;
	}
	/* Memory the host might still touch after a failed teardown stays
	 * allocated (leaked to the host) rather than being reused. */
	kern_dma_free(&sc->sc_rxbuf);
	kern_dma_free(&sc->sc_txbuf);
	memset(&sc->sc_rxbuf, 0, sizeof sc->sc_rxbuf);
	memset(&sc->sc_txbuf, 0, sizeof sc->sc_txbuf);
	sc->sc_rx_sec_size = sc->sc_rx_sec_count = 0;
	sc->sc_tx_sec_size = sc->sc_tx_sec_count = 0;
}

/* ---- host -> guest ---------------------------------------------------------------- */

void hn_nvs_completion(struct hn_queue *q, const struct vmbus_pkt *pkt)
{
	struct hn_if *sc = q->q_sc;
	uint64_t tid = pkt->trans_id;
	uint64_t kind = tid >> HN_TID_KIND_SHIFT;
	uint32_t gen = (uint32_t)(tid >> HN_TID_GEN_SHIFT) & 0xFFFFFFu;
	uint32_t idx = (uint32_t)tid;
	uint32_t len = pkt->payload_len;
	if (kind == HN_TID_TX || kind == HN_TID_RNDIS) {
		struct nvsp_rndis_pkt_complete c;
		if (len < sizeof c) {
			hn_drop(sc, HN_DROP_NVSP_SHORT, "send completion");
			return;
		}
		memcpy(&c, pkt->payload, sizeof c);
		if (c.type != NVSP_MSG1_SEND_RNDIS_PKT_COMPLETE) {
			hn_drop(sc, HN_DROP_NVSP_TYPE, "send completion");
			return;
		}
		if (kind == HN_TID_TX)
			hn_tx_done(q, idx, gen, c.status);
		else if (q->q_idx == 0)
			hn_rndis_send_done(sc, idx, gen);
		else
			hn_drop(sc, HN_DROP_UNKNOWN_TID, "RNDIS completion on a sub-channel");
		return;
	}
	if (kind != HN_TID_NVS || idx != 0 || q->q_idx != 0) {
		hn_drop(sc, HN_DROP_UNKNOWN_TID, "completion");
		return;
	}
	kern_lock_acquire(sc->sc_lock);
	if (!sc->sc_nvs_busy || sc->sc_nvs_done || gen != (sc->sc_nvs_gen & 0xFFFFFFu)) {
		kern_lock_release(sc->sc_lock);
		hn_drop(sc, HN_DROP_UNKNOWN_TID, "NVSP completion");
		return;
	}
	uint32_t n = len < sizeof sc->sc_nvs_resp ? len : (uint32_t)sizeof sc->sc_nvs_resp;
	memcpy(sc->sc_nvs_resp, pkt->payload, n);
	sc->sc_nvs_len = n;
	KERN_WRITE_ONCE(sc->sc_nvs_done, true);
	kern_lock_release(sc->sc_lock);
	kern_wakeup(sc->sc_wq);
}

static void nvs_itab(struct hn_if *sc, const uint8_t *m, uint32_t len)
{
	struct nvsp_indirection_table t;
	if (len < sizeof t) {
		hn_drop(sc, HN_DROP_ITAB, "indirection table");
		return;
	}
	memcpy(&t, m, sizeof t);
	uint32_t off = t.offset;
	/* A.10: below 6.1 old hosts put a too-small offset in a message that
	 * carries the table at 40; from 6.1 the offset is trusted, checked. */
	if (sc->sc_nvsp < NVSP_PROTOCOL_VERSION_61 && len >= NVSP_INDIRECTION_MSG_SIZE)
		off = NVSP_INDIRECTION_TABLE_OFFSET;
	uint32_t need = 4u * HN_TX_TABLE;
	if (t.count != HN_TX_TABLE || off < sizeof t || off > len || need > len - off) {
		hn_drop(sc, HN_DROP_ITAB, "indirection table");
		return;
	}
	uint32_t tab[HN_TX_TABLE];
	memcpy(tab, m + off, sizeof tab);
	kern_lock_acquire(sc->sc_lock);
	for (unsigned i = 0; i < HN_TX_TABLE; i++)
		sc->sc_tx_table[i] = tab[i];
	sc->sc_tx_table_valid = true;
	kern_lock_release(sc->sc_lock);
}

void hn_nvs_inband(struct hn_queue *q, const struct vmbus_pkt *pkt)
{
	struct hn_if *sc = q->q_sc;
	uint32_t type;
	if (pkt->payload_len < 4) {
		hn_drop(sc, HN_DROP_NVSP_SHORT, "in-band");
		return;
	}
	memcpy(&type, pkt->payload, 4);
	switch (type) {
	case NVSP_MSG5_SEND_INDIRECTION_TABLE:
		if (sc->sc_nvsp < NVSP_PROTOCOL_VERSION_5 || q->q_idx != 0) {
			hn_drop(sc, HN_DROP_NVSP_TYPE, "indirection table");
			return;
		}
		nvs_itab(sc, pkt->payload, pkt->payload_len);
		return;
	case NVSP_MSG4_SEND_VF_ASSOCIATION:
	case NVSP_MSG4_SWITCH_DATA_PATH:
		/* No VF here: we never asked for SR-IOV.  Linux ignores the
		 * completion request of these too. */
		return;
	default:
		hn_drop(sc, HN_DROP_NVSP_TYPE, "in-band");
		return;
	}
}
