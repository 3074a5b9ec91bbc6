/* hn_rndis.c -- RNDIS control for hn: requests (INITIALIZE, QUERY, SET,
 * HALT) sent as control packets from a private page, responses matched by
 * request id against a small table (RELIABILITY 99), the bring-up queries
 * (frame size, MAC, offload capabilities and parameters, link, RSS), and
 * status indications (link up/down/speed). */
#include <string.h>

#include "guest_drivers/netvsc/hn_var.h"
#include "guest_drivers/vmbus/vmbus.h"

struct req_wait {
	struct hn_if *sc;
	struct hn_rndis_req *r;
	bool want_send;      /* HALT: no response, only the send completion */
};

static bool req_ready(void *arg)
{
	struct req_wait *w = arg;
	if (w->want_send)
		return KERN_READ_ONCE(w->r->send_done);
	return KERN_READ_ONCE(w->r->resp_done);
}

/* Send 'msg' (len bytes, request id at byte 8 filled in here) and wait for
 * the response of type resp_type (0: none, wait for the send to complete).
 * The response (whole RNDIS message) goes to out (cap bytes), its length to
 * *outlen.  0; -EBUSY (table full), -ETIMEDOUT, -ENOMEM, -EIO. */
static int rndis_exec(struct hn_if *sc, void *msg, uint32_t len, uint32_t resp_type,
		      uint8_t *out, uint32_t cap, uint32_t *outlen)
{
	if (len < 12 || len > HN_RNDIS_REQ_MAX || len > HN_PAGE)
		return -EINVAL;
	kern_lock_acquire(sc->sc_lock);
	struct hn_rndis_req *r = NULL;
	uint32_t idx = 0;
	for (; idx < HN_RNDIS_REQS; idx++)
		if (!sc->sc_req[idx].busy) {
			r = &sc->sc_req[idx];
			break;
		}
	if (!r) {
		kern_lock_release(sc->sc_lock);
		return -EBUSY;
	}
	r->busy = true;
	kern_lock_release(sc->sc_lock);
	int rc = 0;
	if (!r->page.va && (rc = kern_dma_alloc(1, &r->page)) != 0)
		goto out_free;
	if (!r->resp && !(r->resp = kern_malloc(HN_RNDIS_RESP_MAX))) {
		rc = -ENOMEM;
		goto out_free;
	}
	kern_lock_acquire(sc->sc_lock);
	r->send_done = r->resp_done = r->abandoned = false;
	r->resp_len = 0;
	r->resp_type = resp_type;
	if (++sc->sc_next_rid == 0)
		sc->sc_next_rid = 1;
	r->rid = sc->sc_next_rid;
	r->gen = ++sc->sc_req_gen & 0xFFFFFFu;
	uint32_t gen = r->gen, rid = r->rid;
	kern_lock_release(sc->sc_lock);
	memcpy((uint8_t *)msg + 8, &rid, 4);
	memset(r->page.va, 0, HN_PAGE);
	memcpy(r->page.va, msg, len);
	struct vmbus_gpa pb = { len, 0, r->page.gpa / HN_PAGE };
	struct nvsp_rndis_pkt np = { NVSP_MSG1_SEND_RNDIS_PKT, NVSP_CHANNEL_TYPE_CONTROL,
				     NVSP_SEND_SECTION_INVALID, 0 };
	uint8_t nb[NVSP_MSG_SIZE];
	memset(nb, 0, sizeof nb);
	memcpy(nb, &np, sizeof np);
	HN_STAT_INC(sc, rndis_requests);
	rc = vmbus_chan_send_pagebuf(sc->sc_prim, &pb, 1, nb, sizeof nb,
				     hn_tid(HN_TID_RNDIS, gen, idx));
	if (rc) {
		HN_STAT_INC(sc, rndis_errors);
		goto out_free;
	}
	struct req_wait w = { sc, r, resp_type == 0 };
	rc = kern_wait(sc->sc_wq, req_ready, &w, hn_timeout(sc));
	kern_lock_acquire(sc->sc_lock);
	if (!rc && resp_type) {
		uint32_t n = r->resp_len < cap ? r->resp_len : cap;
		memcpy(out, r->resp, n);
		*outlen = n;
	}
	if (rc)
		HN_STAT_INC(sc, rndis_timeouts);
	/* The page is the host's until it completes the send. */
	if (r->send_done)
		r->busy = false;
	else
		r->abandoned = true;
	kern_lock_release(sc->sc_lock);
	return rc;
out_free:
	kern_lock_acquire(sc->sc_lock);
	r->busy = false;
	kern_lock_release(sc->sc_lock);
	return rc;
}

void hn_rndis_send_done(struct hn_if *sc, uint32_t idx, uint32_t gen)
{
	kern_lock_acquire(sc->sc_lock);
	struct hn_rndis_req *r = idx < HN_RNDIS_REQS ? &sc->sc_req[idx] : NULL;
	if (!r || !r->busy || r->send_done || r->gen != gen) {
		kern_lock_release(sc->sc_lock);
		hn_drop(sc, HN_DROP_UNKNOWN_TID, "RNDIS send completion");
		return;
	}
	r->send_done = true;
	if (r->abandoned)
		r->busy = false;
	kern_lock_release(sc->sc_lock);
	kern_wakeup(sc->sc_wq);
}

void hn_rndis_free(struct hn_if *sc)
{
	for (unsigned i = 0; i < HN_RNDIS_REQS; i++) {
		struct hn_rndis_req *r = &sc->sc_req[i];
		/* After the channel closed the host cannot use the page any more. */
		kern_dma_free(&r->page);
		kern_free(r->resp);
		memset(r, 0, sizeof *r);
	}
}

/* ---- requests ---------------------------------------------------------------------- */

int hn_rndis_query(struct hn_if *sc, uint32_t oid, const void *in, uint32_t inlen, void *out,
		   uint32_t cap, uint32_t *outlen)
{
	uint8_t msg[HN_RNDIS_REQ_MAX];
	struct rndis_query_req q;
	if (inlen > sizeof msg - sizeof q)
		return -EINVAL;
	memset(&q, 0, sizeof q);
	q.hdr.type = RNDIS_MSG_QUERY;
	q.hdr.msg_len = (uint32_t)sizeof q + inlen;
	q.oid = oid;
	q.info_buf_len = inlen;
	q.info_buf_offset = (uint32_t)sizeof q - RNDIS_OFFSET_BASE;
	memcpy(msg, &q, sizeof q);
	if (inlen)
		memcpy(msg + sizeof q, in, inlen);
	uint8_t resp[HN_RNDIS_RESP_MAX];
	uint32_t rlen = 0;
	int rc = rndis_exec(sc, msg, q.hdr.msg_len, RNDIS_MSG_QUERY_C, resp, sizeof resp, &rlen);
	if (rc)
		return rc;
	struct rndis_query_comp c;
	if (rlen < sizeof c)
		return -EIO;
	memcpy(&c, resp, sizeof c);
	if (c.status != RNDIS_STATUS_SUCCESS)
		return c.status == RNDIS_STATUS_NOT_SUPPORTED ? -EOPNOTSUPP : -EIO;
	/* Data inside the response we hold (Linux: offset >= 16). */
	uint64_t off = (uint64_t)RNDIS_OFFSET_BASE + c.info_buf_offset;
	if (c.info_buf_len && (c.info_buf_offset < 16 || off > rlen || c.info_buf_len > rlen - off)) {
		HN_STAT_INC(sc, rndis_errors);
		return -EIO;
	}
	uint32_t n = c.info_buf_len < cap ? c.info_buf_len : cap;
	if (n)
		memcpy(out, resp + off, n);
	*outlen = c.info_buf_len < cap ? c.info_buf_len : cap;
	return 0;
}

int hn_rndis_set(struct hn_if *sc, uint32_t oid, const void *in, uint32_t inlen)
{
	uint8_t msg[HN_RNDIS_REQ_MAX];
	struct rndis_set_req q;
	if (inlen > sizeof msg - sizeof q)
		return -EINVAL;
	memset(&q, 0, sizeof q);
	q.hdr.type = RNDIS_MSG_SET;
	q.hdr.msg_len = (uint32_t)sizeof q + inlen;
	q.oid = oid;
	q.info_buf_len = inlen;
	q.info_buf_offset = (uint32_t)sizeof q - RNDIS_OFFSET_BASE;
	memcpy(msg, &q, sizeof q);
	memcpy(msg + sizeof q, in, inlen);
	uint8_t resp[64];
	uint32_t rlen = 0;
	int rc = rndis_exec(sc, msg, q.hdr.msg_len, RNDIS_MSG_SET_C, resp, sizeof resp, &rlen);
	if (rc)
		return rc;
	struct rndis_set_comp c;
	if (rlen < sizeof c)
		return -EIO;
	memcpy(&c, resp, sizeof c);
	if (c.status != RNDIS_STATUS_SUCCESS)
		return c.status == RNDIS_STATUS_NOT_SUPPORTED ? -EOPNOTSUPP : -EIO;
	return 0;
}

static int query_u32(struct hn_if *sc, uint32_t oid, uint32_t *v)
{
	uint32_t n = 0;
	int rc = hn_rndis_query(sc, oid, NULL, 0, v, sizeof *v, &n);
	if (!rc && n < sizeof *v)
		rc = -EIO;
	return rc;
}

static void rndis_offload(struct hn_if *sc)
{
	sc->sc_csum_ip4 = sc->sc_csum_tcp4 = sc->sc_csum_udp4 = false;
	sc->sc_csum_tcp6 = sc->sc_csum_udp6 = sc->sc_lso4 = sc->sc_lso6 = false;
	sc->sc_lso_max = 0;
	if (sc->sc_cfg.no_offload)
		return;
	struct ndis_offload hw;
	memset(&hw, 0, sizeof hw);
	hw.hdr.type = NDIS_OBJTYPE_OFFLOAD;
	if (sc->sc_ndis >= NDIS_VERSION_6_30) {
		hw.hdr.revision = NDIS_OFFLOAD_REV_3;
		hw.hdr.size = NDIS_OFFLOAD_SIZE_6_30;
	} else {
		hw.hdr.revision = NDIS_OFFLOAD_REV_2;
		hw.hdr.size = NDIS_OFFLOAD_SIZE_6_1;
	}
	uint32_t n = 0;
	int rc = hn_rndis_query(sc, RNDIS_OID_TCP_OFFLOAD_HARDWARE_CAPABILITIES, &hw, hw.hdr.size,
				&hw, sizeof hw, &n);
	if (rc || n < NDIS_OFFLOAD_SIZE_6_0 || hw.hdr.type != NDIS_OBJTYPE_OFFLOAD ||
	    hw.hdr.revision < NDIS_OFFLOAD_REV_1 || hw.hdr.size < NDIS_OFFLOAD_SIZE_6_0) {
		kern_log(KERN_INFO, "hn", "%s: no offload capabilities (%d, %u bytes)",
			 sc->sc_name, rc, n);
		return;
	}
	const uint32_t tcp = NDIS_TXCSUM_CAP_IP4_TCP | NDIS_TXCSUM_CAP_IP4_TCPOPTS;
	bool tcp4 = (hw.csum.ip4_txcsum & tcp) == tcp;
	bool udp4 = (hw.csum.ip4_txcsum & NDIS_TXCSUM_CAP_IP4_UDP) != 0;
	bool tcp6 = (hw.csum.ip6_txcsum & tcp) == tcp;
	bool udp6 = (hw.csum.ip6_txcsum & NDIS_TXCSUM_CAP_IP6_UDP) != 0;
	bool lso4 = tcp4 && (hw.lsov2.ip4_encap & NDIS_OFFLOAD_ENCAP_8023) &&
		    hw.lsov2.ip4_maxsz > 0;
	const uint32_t l6 = NDIS_LSOV2_CAP_IP6_EXT | NDIS_LSOV2_CAP_IP6_TCPOPTS;
	bool lso6 = tcp6 && (hw.lsov2.ip6_encap & NDIS_OFFLOAD_ENCAP_8023) &&
		    (hw.lsov2.ip6_opts & l6) == l6 && hw.lsov2.ip6_maxsz > 0;
	/* NOTE: Linux asks for no UDP checksum change on NVSP <= 4 hosts. */
	if (sc->sc_nvsp <= NVSP_PROTOCOL_VERSION_4)
		udp4 = udp6 = false;
	struct ndis_offload_params p;
	memset(&p, 0, sizeof p);
	p.hdr.type = NDIS_OBJTYPE_DEFAULT;
	if (sc->sc_nvsp >= NVSP_PROTOCOL_VERSION_5) {
		p.hdr.revision = 3;
		p.hdr.size = NDIS_OFFLOAD_PARAMS_SIZE_REV3;
	} else {
		p.hdr.revision = 2;
		p.hdr.size = NDIS_OFFLOAD_PARAMS_SIZE_REV2;
	}
	p.ip4_csum = NDIS_OFFLOAD_PARAM_OFF; /* as Linux: the stack does IP headers */
	p.tcp4_csum = tcp4 ? NDIS_OFFLOAD_PARAM_TXRX : NDIS_OFFLOAD_PARAM_NOCHG;
	p.udp4_csum = udp4 ? NDIS_OFFLOAD_PARAM_TXRX : NDIS_OFFLOAD_PARAM_NOCHG;
	p.tcp6_csum = tcp6 ? NDIS_OFFLOAD_PARAM_TXRX : NDIS_OFFLOAD_PARAM_NOCHG;
	p.udp6_csum = udp6 ? NDIS_OFFLOAD_PARAM_TXRX : NDIS_OFFLOAD_PARAM_NOCHG;
	p.lsov2_ip4 = lso4 ? NDIS_OFFLOAD_LSOV2_ON : NDIS_OFFLOAD_PARAM_NOCHG;
	p.lsov2_ip6 = lso6 ? NDIS_OFFLOAD_LSOV2_ON : NDIS_OFFLOAD_PARAM_NOCHG;
	rc = hn_rndis_set(sc, RNDIS_OID_TCP_OFFLOAD_PARAMETERS, &p, p.hdr.size);
	if (rc) {
		kern_log(KERN_INFO, "hn", "%s: offload parameters refused (%d)", sc->sc_name, rc);
		return;
	}
	sc->sc_csum_tcp4 = tcp4;
	sc->sc_csum_udp4 = udp4;
	sc->sc_csum_tcp6 = tcp6;
	sc->sc_csum_udp6 = udp6;
	sc->sc_lso4 = lso4;
	sc->sc_lso6 = lso6;
	uint32_t mx = 0;
	if (lso4)
		mx = hw.lsov2.ip4_maxsz;
	if (lso6 && (!mx || hw.lsov2.ip6_maxsz < mx))
		mx = hw.lsov2.ip6_maxsz;
	sc->sc_lso_max = mx > 65535u ? 65535u : mx;
}

int hn_rndis_init(struct hn_if *sc)
{
	struct rndis_init_req in;
	memset(&in, 0, sizeof in);
	in.hdr.type = RNDIS_MSG_INIT;
	in.hdr.msg_len = sizeof in;
	in.major = RNDIS_MAJOR_VERSION;
	in.minor = RNDIS_MINOR_VERSION;
	in.max_xfer_size = 0x4000;
	uint8_t resp[HN_RNDIS_RESP_MAX];
	uint32_t rlen = 0;
	int rc = rndis_exec(sc, &in, sizeof in, RNDIS_MSG_INIT_C, resp, sizeof resp, &rlen);
	if (rc)
		return rc;
	struct rndis_init_comp c;
	if (rlen < sizeof c)
		return -EIO;
	memcpy(&c, resp, sizeof c);
	if (c.status != RNDIS_STATUS_SUCCESS) {
		kern_log(KERN_WARN, "hn", "%s: RNDIS INITIALIZE failed (%#x)", sc->sc_name, c.status);
		return -EIO;
	}
	sc->sc_rndis_max_pkts = c.max_pkts_per_msg;
	sc->sc_rndis_align = c.pkt_align_factor <= 12 ? c.pkt_align_factor : 3;

	uint32_t v;
	if (!query_u32(sc, RNDIS_OID_GEN_MAXIMUM_FRAME_SIZE, &v) && v >= HN_MTU_MIN && v < sc->sc_mtu)
		sc->sc_mtu = v; /* the host's limit wins (Linux) */
	uint8_t mac[8];
	uint32_t n = 0;
	rc = hn_rndis_query(sc, RNDIS_OID_802_3_PERMANENT_ADDRESS, NULL, 0, mac, sizeof mac, &n);
	if (rc || n < 6) {
		kern_log(KERN_WARN, "hn", "%s: no MAC address (%d)", sc->sc_name, rc);
		return rc ? rc : -EIO;
	}
	memcpy(sc->sc_mac, mac, 6);
	rndis_offload(sc);
	bool up = query_u32(sc, RNDIS_OID_GEN_MEDIA_CONNECT_STATUS, &v) == 0 &&
		  v == RNDIS_MEDIA_STATE_CONNECTED;
	uint64_t speed = 0;
	bool have_speed = query_u32(sc, RNDIS_OID_GEN_LINK_SPEED, &v) == 0;
	if (have_speed)
		speed = (uint64_t)v * 100u;
	kern_lock_acquire(sc->sc_lock);
	sc->sc_link_up = up;
	sc->sc_speed_bps = speed;
	kern_lock_release(sc->sc_lock);
	return 0;
}

int hn_rndis_rss(struct hn_if *sc, unsigned nq)
{
	static const uint8_t key[NDIS_RSS_KEY_SIZE] = NDIS_RSS_STANDARD_KEY_INIT;
	uint32_t ne = sc->sc_itab_n;
	uint8_t buf[sizeof(struct ndis_rss_params) + 4u * HN_ITAB_MAX + NDIS_RSS_KEY_SIZE];
	struct ndis_rss_params p;
	memset(&p, 0, sizeof p);
	p.hdr.type = NDIS_OBJTYPE_RSS_PARAMS;
	p.hdr.revision = NDIS_RSS_PARAMS_REV_2;
	p.hdr.size = NDIS_RSS_PARAMS_SIZE_2;
	p.hash_info = NDIS_HASH_FUNCTION_TOEPLITZ | NDIS_HASH_IPV4 | NDIS_HASH_TCP_IPV4 |
		      NDIS_HASH_IPV6 | NDIS_HASH_TCP_IPV6;
	p.itab_size = (uint16_t)(4u * ne);
	p.itab_offset = sizeof p;
	p.hash_key_size = NDIS_RSS_KEY_SIZE;
	p.hash_key_offset = (uint32_t)sizeof p + 4u * ne;
	memcpy(buf, &p, sizeof p);
	for (uint32_t i = 0; i < ne; i++) {
		uint32_t e = i % nq;
		memcpy(buf + sizeof p + 4u * i, &e, 4);
	}
	memcpy(buf + p.hash_key_offset, key, sizeof key);
	int rc = hn_rndis_set(sc, RNDIS_OID_GEN_RECEIVE_SCALE_PARAMETERS, buf,
			      p.hash_key_offset + NDIS_RSS_KEY_SIZE);
	if (!rc)
		memcpy(sc->sc_rss_key, key, sizeof key);
	return rc;
}

void hn_rndis_halt(struct hn_if *sc)
{
	struct rndis_halt_req h;
	memset(&h, 0, sizeof h);
	h.hdr.type = RNDIS_MSG_HALT;
	h.hdr.msg_len = sizeof h;
	(void)rndis_exec(sc, &h, sizeof h, 0, NULL, 0, NULL);
}

/* ---- host -> guest control messages ----------------------------------------------------- */

static void rndis_indication(struct hn_if *sc, const uint8_t *msg, uint32_t len, uint32_t outer)
{
	struct rndis_indicate_status st;
	if (len < sizeof st) {
		hn_drop(sc, HN_DROP_INDICATION, "short indication");
		return;
	}
	memcpy(&st, msg, sizeof st);
	HN_STAT_INC(sc, indications);
	/* NOTE: pre-"Fe" vSwitches left the LINK_SPEED_CHANGE buffer out of
	 * msg_len: the buffer is checked against the transfer range (outer),
	 * which we copied whole. */
	uint32_t lim = outer > len ? outer : len;
	uint64_t off = (uint64_t)RNDIS_OFFSET_BASE + st.status_buf_offset;
	bool have_buf = st.status_buf_len && off <= lim && st.status_buf_len <= lim - off;
	if (st.status_buf_len && !have_buf) {
		hn_drop(sc, HN_DROP_INDICATION, "indication buffer outside the message");
		return;
	}
	switch (st.status) {
	case RNDIS_STATUS_MEDIA_CONNECT:
		hn_link_update(sc, true, false, 0);
		break;
	case RNDIS_STATUS_MEDIA_DISCONNECT:
		hn_link_update(sc, false, false, 0);
		break;
	case RNDIS_STATUS_NETWORK_CHANGE:
		/* Linux: a link flap, so the stack renews its addresses. */
		hn_link_update(sc, false, false, 0);
		hn_link_update(sc, true, false, 0);
		break;
	case RNDIS_STATUS_LINK_SPEED_CHANGE: {
		uint32_t v;
		if (!have_buf || st.status_buf_len < 4) {
			hn_drop(sc, HN_DROP_INDICATION, "link speed without a value");
			return;
		}
		memcpy(&v, msg + off, 4);
		kern_lock_acquire(sc->sc_lock);
		bool up = sc->sc_link_up;
		kern_lock_release(sc->sc_lock);
		hn_link_update(sc, up, true, (uint64_t)v * 100u);
		break;
	}
	default:
		break; /* TASK_OFFLOAD_CURRENT_CONFIG and friends: nothing to do */
	}
}

void hn_rndis_control(struct hn_queue *q, const uint8_t *msg, uint32_t len, uint32_t outer)
{
	struct hn_if *sc = q->q_sc;
	struct rndis_msg_hdr h;
	memcpy(&h, msg, sizeof h);
	if (q->q_idx != 0) {
		hn_drop(sc, HN_DROP_RNDIS_TYPE, "control message on a sub-channel");
		return;
	}
	switch (h.type) {
	case RNDIS_MSG_INDICATE:
		rndis_indication(sc, msg, len, outer);
		return;
	case RNDIS_MSG_KEEPALIVE:
		HN_STAT_INC(sc, keepalives);
		return;
	case RNDIS_MSG_INIT_C:
	case RNDIS_MSG_QUERY_C:
	case RNDIS_MSG_SET_C:
	case RNDIS_MSG_KEEPALIVE_C:
		break;
	default:
		/* RESET_C carries no request id: we never reset, so it is stray. */
		hn_drop(sc, HN_DROP_RNDIS_TYPE, "RNDIS message type");
		return;
	}
	/* RELIABILITY 99: at least the header and the request id. */
	if (len < 12) {
		hn_drop(sc, HN_DROP_RNDIS_LEN, "RNDIS completion");
		return;
	}
	uint32_t rid;
	memcpy(&rid, msg + 8, 4);
	kern_lock_acquire(sc->sc_lock);
	struct hn_rndis_req *r = NULL;
	for (unsigned i = 0; i < HN_RNDIS_REQS; i++) {
		struct hn_rndis_req *x = &sc->sc_req[i];
		if (x->busy && !x->abandoned && !x->resp_done && x->rid == rid &&
		    x->resp_type == h.type) {
			r = x;
			break;
		}
	}
	if (!r || !r->resp) {
		kern_lock_release(sc->sc_lock);
		hn_drop(sc, HN_DROP_RNDIS_REQID, "RNDIS completion");
		return;
	}
	uint32_t n = len < HN_RNDIS_RESP_MAX ? len : HN_RNDIS_RESP_MAX;
	memcpy(r->resp, msg, n);
	r->resp_len = n;
	KERN_WRITE_ONCE(r->resp_done, true);
	kern_lock_release(sc->sc_lock);
	kern_wakeup(sc->sc_wq);
}
