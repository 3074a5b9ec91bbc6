/* hn.c -- the hn (netvsc) driver on the VMBus bus: attach/detach in offer
 * order (hn0, hn1 ...), bring-up and tear-down of one interface (channels,
 * NVSP, buffers, RNDIS, vRSS sub-channels), the channel callback that
 * dispatches host packets, and the user API of hn.h. */
#include <stdio.h>
#include <string.h>

#include "guest_drivers/netvsc/hn_var.h"
#include "guest_drivers/vmbus/vmbus.h"
#include "hyperv/vmbus_ring.h"

static struct {
	bool inited;
	struct hn_config cfg;
	struct hn_if *unit[HN_MAX_UNITS];
} hn_g;

static const char *const hn_state_names[HN_ST_COUNT] = {
	"DOWN", "NVS", "RNDIS", "UP", "STOPPING", "FAILED",
};

const char *hn_state_name(enum hn_state s)
{
	return (unsigned)s < HN_ST_COUNT ? hn_state_names[s] : "?";
}

static const char *const hn_drop_names[HN_DROP_COUNT] = {
	"pkt_type", "nvsp_short", "nvsp_type", "unknown_tid", "xfer_hdr", "xfer_range",
	"rndis_len", "rndis_type", "rndis_reqid", "pkt_bad", "ppi", "indication", "itab",
	"rxq_full", "not_ready",
};

const char *hn_drop_name(enum hn_drop d)
{
	return (unsigned)d < HN_DROP_COUNT ? hn_drop_names[d] : "?";
}

void hn_drop(struct hn_if *sc, enum hn_drop why, const char *what)
{
	__atomic_fetch_add(&sc->sc_st.drop[why], 1, __ATOMIC_RELAXED);
	kern_log(KERN_DEBUG, "hn", "%s: dropped: %s (%s)", sc->sc_name, what, hn_drop_name(why));
}

void hn_set_state(struct hn_if *sc, enum hn_state s)
{
	if (sc->sc_state == s)
		return;
	kern_log(KERN_DEBUG, "hn", "%s: %s -> %s", sc->sc_name, hn_state_name(sc->sc_state),
		 hn_state_name(s));
	KERN_WRITE_ONCE(sc->sc_state, s);
	kern_wakeup(sc->sc_wq);
}

uint64_t hn_timeout(const struct hn_if *sc)
{
	return sc->sc_cfg.timeout_ns ? sc->sc_cfg.timeout_ns : HN_DEFAULT_TIMEOUT_NS;
}

void hn_link_update(struct hn_if *sc, bool up, bool have_speed, uint64_t speed_bps)
{
	kern_lock_acquire(sc->sc_lock);
	bool changed = sc->sc_link_up != up;
	bool sp = have_speed && sc->sc_speed_bps != speed_bps;
	sc->sc_link_up = up;
	if (changed)
		sc->sc_link_changes++;
	if (have_speed) {
		sc->sc_speed_bps = speed_bps;
		if (sp)
			sc->sc_speed_changes++;
	}
	struct hn_link l = { sc->sc_link_up, sc->sc_speed_bps, sc->sc_link_changes,
			     sc->sc_speed_changes };
	hn_link_fn *cb = sc->sc_link_cb;
	void *arg = sc->sc_link_arg;
	kern_lock_release(sc->sc_lock);
	if (changed) {
		HN_STAT_INC(sc, link_changes);
		kern_log(KERN_INFO, "hn", "%s: link %s", sc->sc_name, up ? "up" : "down");
	}
	if ((changed || sp) && cb)
		cb(arg, sc, &l);
}

/* ---- the channel callback --------------------------------------------------------------- */

void hn_chan_cb(struct vmbus_channel *ch, const struct vmbus_pkt *pkt, void *arg)
{
	(void)ch;
	struct hn_queue *q = arg;
	q->q_st.intrs++;
	switch (pkt->type) {
	case VMBUS_PKT_COMP:
		hn_nvs_completion(q, pkt);
		return;
	case VMBUS_PKT_DATA_USING_XFER_PAGES:
		hn_rx_xfer(q, pkt);
		return;
	case VMBUS_PKT_DATA_INBAND:
		hn_nvs_inband(q, pkt);
		return;
	default:
		hn_drop(q->q_sc, HN_DROP_PKT_TYPE, "packet type");
		return;
	}
}

/* ---- bring-up / tear-down ------------------------------------------------------------------- */

static int queue_setup(struct hn_if *sc, struct hn_queue *q, unsigned idx)
{
	q->q_sc = sc;
	q->q_idx = idx;
	if (!q->q_lock && !(q->q_lock = kern_lock_create("hn_q")))
		return -ENOMEM;
	unsigned cap = sc->sc_cfg.rxq_frames ? sc->sc_cfg.rxq_frames : HN_RXQ_DEFAULT;
	if (!q->q_rxq) {
		q->q_rxq = kern_zalloc(sizeof *q->q_rxq * cap);
		if (!q->q_rxq)
			return -ENOMEM;
		q->q_rxq_cap = cap;
	}
	if (!q->q_rxcopy && !(q->q_rxcopy = kern_malloc(HN_RX_SECTION_MAX)))
		return -ENOMEM;
	return 0;
}

static int queue_open(struct hn_if *sc, struct hn_queue *q, struct vmbus_channel *ch)
{
	q->q_ch = ch;
	int ncpu = kern_ncpus();
	if (q->q_idx && ncpu > 0)
		(void)vmbus_chan_set_target_cpu(ch, (int)(q->q_idx % (unsigned)ncpu));
	int rc = vmbus_chan_open(ch, HN_RING_BYTES, HN_RING_BYTES, NULL, 0, hn_chan_cb, q);
	if (rc) {
		kern_log(KERN_WARN, "hn", "%s: queue %u open failed (%d)", sc->sc_name, q->q_idx, rc);
		q->q_ch = NULL;
		return rc;
	}
	q->q_open = true;
	return 0;
}

static void queue_close(struct hn_queue *q)
{
	if (q->q_open)
		vmbus_chan_close(q->q_ch);
	q->q_open = false;
}

/* Open up to 'granted' offered sub-channels (a host may number them past
 * 'granted' after an earlier round: take the live closed ones in order). */
static unsigned open_subchannels(struct hn_if *sc, unsigned granted)
{
	if (vmbus_chan_wait_subchannels(sc->sc_prim, granted))
		kern_log(KERN_WARN, "hn", "%s: not every sub-channel was offered", sc->sc_name);
	unsigned n = 1;
	for (uint16_t idx = 1; idx <= NVSP_MAX_SUBCHANNELS && n <= granted && n < HN_MAX_QUEUES;
	     idx++) {
		struct vmbus_channel *ch = vmbus_chan_subchannel(sc->sc_prim, idx);
		if (!ch || vmbus_chan_rescinded(ch))
			continue;
		struct hn_queue *q = &sc->sc_q[n];
		if (queue_setup(sc, q, n))
			break;
		if (queue_open(sc, q, ch))
			continue;
		n++;
	}
	return n;
}

static void hn_vrss(struct hn_if *sc)
{
	unsigned want = sc->sc_cfg.max_queues ? sc->sc_cfg.max_queues : (unsigned)kern_ncpus();
	if (want > HN_MAX_QUEUES)
		want = HN_MAX_QUEUES;
	if (want > (unsigned)kern_ncpus())
		want = (unsigned)kern_ncpus();
	if (sc->sc_nvsp < NVSP_PROTOCOL_VERSION_5 || want <= 1)
		return;
	struct ndis_rss_caps caps;
	memset(&caps, 0, sizeof caps);
	caps.hdr.type = NDIS_OBJTYPE_RSS_CAPS;
	caps.hdr.revision = NDIS_RSS_CAPS_REV_2;
	caps.hdr.size = NDIS_RSS_CAPS_SIZE_2;
	uint32_t n = 0;
	int rc = hn_rndis_query(sc, RNDIS_OID_GEN_RECEIVE_SCALE_CAPABILITIES, &caps, sizeof caps,
				&caps, sizeof caps, &n);
	if (rc || n < NDIS_RSS_CAPS_SIZE_1 || caps.num_recv_que < 2) {
		kern_log(KERN_INFO, "hn", "%s: no vRSS (%d, %u queues)", sc->sc_name, rc,
			 rc ? 0 : caps.num_recv_que);
		return;
	}
	if (caps.num_recv_que < want)
		want = caps.num_recv_que;
	uint32_t ent = n >= NDIS_RSS_CAPS_SIZE_2 ? caps.num_ind_tbl_ent : 0;
	/* A power of two in 16..128 (what a host takes), else the default. */
	if (ent < NDIS_RSS_ITAB_MIN || ent > NDIS_RSS_ITAB_MAX || (ent & (ent - 1)))
		ent = HN_ITAB_DEFAULT;
	sc->sc_itab_n = ent;
	unsigned granted = 0;
	rc = hn_nvs_subchannels(sc, want - 1, &granted);
	if (rc || granted == 0) {
		kern_log(KERN_INFO, "hn", "%s: no sub-channels (%d)", sc->sc_name, rc);
		return;
	}
	sc->sc_nq = open_subchannels(sc, granted);
	if (sc->sc_nq > 1 && hn_rndis_rss(sc, sc->sc_nq) == 0)
		sc->sc_rss = true;
}

static void hn_down(struct hn_if *sc)
{
	bool was_up = sc->sc_state == HN_ST_UP || sc->sc_state == HN_ST_RNDIS;
	hn_set_state(sc, HN_ST_STOPPING);
	if (was_up && !vmbus_chan_rescinded(sc->sc_prim))
		hn_rndis_halt(sc);
	if (sc->sc_q[0].q_open && !vmbus_chan_rescinded(sc->sc_prim))
		hn_nvs_revoke(sc);
	for (unsigned i = sc->sc_nq; i-- > 1;)
		queue_close(&sc->sc_q[i]);
	queue_close(&sc->sc_q[0]);
	hn_nvs_free_buffers(sc);
	hn_rndis_free(sc);
	for (unsigned i = 0; i < HN_MAX_QUEUES; i++)
		hn_tx_queue_fini(&sc->sc_q[i]);
	sc->sc_nq = 1;
	sc->sc_rss = false;
	sc->sc_tx_table_valid = false;
	hn_set_state(sc, HN_ST_DOWN);
}

static int hn_up(struct hn_if *sc)
{
	sc->sc_nq = 1;
	int rc = queue_setup(sc, &sc->sc_q[0], 0);
	if (rc)
		goto fail;
	hn_set_state(sc, HN_ST_NVS);
	rc = queue_open(sc, &sc->sc_q[0], sc->sc_prim);
	if (rc)
		goto fail;
	rc = hn_nvs_init(sc);
	if (rc)
		goto fail;
	rc = hn_nvs_buffers(sc);
	if (rc)
		goto fail;
	hn_set_state(sc, HN_ST_RNDIS);
	rc = hn_rndis_init(sc);
	if (rc)
		goto fail;
	hn_vrss(sc);
	for (unsigned i = 0; i < sc->sc_nq; i++) {
		rc = hn_tx_queue_init(sc, &sc->sc_q[i]);
		if (rc)
			goto fail;
	}
	uint32_t filter = NDIS_PACKET_TYPE_DIRECTED | NDIS_PACKET_TYPE_ALL_MULTICAST |
			  NDIS_PACKET_TYPE_BROADCAST;
	rc = hn_rndis_set(sc, RNDIS_OID_GEN_CURRENT_PACKET_FILTER, &filter, sizeof filter);
	if (rc)
		goto fail;
	hn_set_state(sc, HN_ST_UP);
	kern_log(KERN_INFO, "hn",
		 "%s: up, MAC %02x:%02x:%02x:%02x:%02x:%02x, MTU %u, %u queue(s), link %s",
		 sc->sc_name, sc->sc_mac[0], sc->sc_mac[1], sc->sc_mac[2], sc->sc_mac[3],
		 sc->sc_mac[4], sc->sc_mac[5], sc->sc_mtu, sc->sc_nq,
		 sc->sc_link_up ? "up" : "down");
	return 0;
fail:
	kern_log(KERN_WARN, "hn", "%s: bring-up failed in %s (%d)", sc->sc_name,
		 hn_state_name(sc->sc_state), rc);
	hn_down(sc);
	hn_set_state(sc, HN_ST_FAILED);
	return rc;
}

static void hn_if_free(struct hn_if *sc)
{
	for (unsigned i = 0; i < HN_MAX_QUEUES; i++) {
		struct hn_queue *q = &sc->sc_q[i];
		hn_rxq_free(q);
		kern_free(q->q_rxcopy);
		kern_lock_destroy(q->q_lock);
	}
	kern_waitq_destroy(sc->sc_wq);
	kern_lock_destroy(sc->sc_lock);
	kern_free(sc);
}

static struct hn_if *hn_if_alloc(void)
{
	struct hn_if *sc = kern_zalloc(sizeof *sc);
	if (!sc)
		return NULL;
	sc->sc_lock = kern_lock_create("hn");
	sc->sc_wq = kern_waitq_create();
	if (!sc->sc_lock || !sc->sc_wq) {
		hn_if_free(sc);
		return NULL;
	}
	sc->sc_nq = 1;
	return sc;
}

static int hn_attach(struct vmbus_device *dev)
{
	int unit = vmbus_device_unit(dev);
	if (unit < 0 || (unsigned)unit >= HN_MAX_UNITS)
		return -ENXIO;
	struct hn_if *sc = hn_if_alloc();
	if (!sc)
		return -ENOMEM;
	sc->sc_dev = dev;
	sc->sc_prim = vmbus_device_channel(dev);
	sc->sc_unit = (unsigned)unit;
	snprintf(sc->sc_name, sizeof sc->sc_name, "hn%d", unit);
	sc->sc_cfg = hn_g.cfg;
	sc->sc_mtu = sc->sc_cfg.mtu ? sc->sc_cfg.mtu : HN_MTU_DEFAULT;
	int rc = hn_up(sc);
	if (rc) {
		hn_if_free(sc);
		return rc;
	}
	vmbus_device_set_softc(dev, sc);
	hn_g.unit[unit] = sc;
	return 0;
}

static void hn_detach(struct vmbus_device *dev)
{
	struct hn_if *sc = vmbus_device_softc(dev);
	if (!sc)
		return;
	hn_down(sc);
	if (sc->sc_unit < HN_MAX_UNITS && hn_g.unit[sc->sc_unit] == sc)
		hn_g.unit[sc->sc_unit] = NULL;
	vmbus_device_set_softc(dev, NULL);
	hn_if_free(sc);
}

static struct vmbus_driver hn_driver = {
	.name = "hn",
	.class_id = { VMBUS_GUID_NETVSC },
	.attach = hn_attach,
	.detach = hn_detach,
};

int hn_init(const struct hn_config *cfg)
{
	if (hn_g.inited)
		return -EBUSY;
	memset(&hn_g, 0, sizeof hn_g);
	if (cfg)
		hn_g.cfg = *cfg;
	if (hn_g.cfg.mtu && (hn_g.cfg.mtu < HN_MTU_MIN || hn_g.cfg.mtu > HN_MTU_MAX))
		return -EINVAL;
	hn_g.inited = true;
	int rc = vmbus_driver_register(&hn_driver);
	if (rc)
		hn_g.inited = false;
	return rc;
}

void hn_fini(void)
{
	if (!hn_g.inited)
		return;
	vmbus_driver_unregister(&hn_driver);
	hn_g.inited = false;
}

/* ---- user API ------------------------------------------------------------------------------- */

struct hn_if *hn_find(unsigned unit)
{
	return unit < HN_MAX_UNITS ? hn_g.unit[unit] : NULL;
}

const char *hn_name(const struct hn_if *hn)
{
	return hn ? hn->sc_name : NULL;
}

int hn_get_info(const struct hn_if *sc, struct hn_info *out)
{
	memset(out, 0, sizeof *out);
	if (!sc)
		return -EINVAL;
	if (sc->sc_state != HN_ST_UP)
		return -ENETDOWN;
	out->nvsp_version = sc->sc_nvsp;
	out->ndis_version = sc->sc_ndis;
	memcpy(out->mac, sc->sc_mac, 6);
	out->mtu = sc->sc_mtu;
	out->nqueues = sc->sc_nq;
	out->rx_section_size = sc->sc_rx_sec_size;
	out->rx_sections = sc->sc_rx_sec_count;
	out->tx_section_size = sc->sc_tx_sec_size;
	out->tx_sections = sc->sc_tx_sec_count;
	out->rndis_max_pkts = sc->sc_rndis_max_pkts;
	out->rndis_align = sc->sc_rndis_align;
	out->csum_ip4 = sc->sc_csum_ip4;
	out->csum_tcp4 = sc->sc_csum_tcp4;
	out->csum_udp4 = sc->sc_csum_udp4;
	out->csum_tcp6 = sc->sc_csum_tcp6;
	out->csum_udp6 = sc->sc_csum_udp6;
	out->lso4 = sc->sc_lso4;
	out->lso6 = sc->sc_lso6;
	out->lso_max = sc->sc_lso_max;
	out->rss = sc->sc_rss;
	out->tx_table = sc->sc_tx_table_valid;
	memcpy(out->tx_table_entries, sc->sc_tx_table, sizeof out->tx_table_entries);
	return 0;
}

int hn_link_state(const struct hn_if *sc, struct hn_link *out)
{
	memset(out, 0, sizeof *out);
	if (!sc)
		return -EINVAL;
	kern_lock_acquire(sc->sc_lock);
	out->up = sc->sc_state == HN_ST_UP && sc->sc_link_up;
	out->speed_bps = sc->sc_speed_bps;
	out->changes = sc->sc_link_changes;
	out->speed_changes = sc->sc_speed_changes;
	kern_lock_release(sc->sc_lock);
	return 0;
}

void hn_set_link_cb(struct hn_if *sc, hn_link_fn *fn, void *arg)
{
	if (!sc)
		return;
	kern_lock_acquire(sc->sc_lock);
	sc->sc_link_cb = fn;
	sc->sc_link_arg = arg;
	kern_lock_release(sc->sc_lock);
}

int hn_get_mac(const struct hn_if *sc, uint8_t mac[6])
{
	if (!sc)
		return -EINVAL;
	memcpy(mac, sc->sc_mac, 6);
	return 0;
}

uint32_t hn_mtu(const struct hn_if *sc)
{
	return sc ? sc->sc_mtu : 0;
}

int hn_set_mtu(struct hn_if *sc, uint32_t mtu)
{
	if (!sc || mtu < HN_MTU_MIN || mtu > HN_MTU_MAX)
		return -EINVAL;
	/* NVSP 1 has no NDIS config: the frame size is fixed. */
	if (sc->sc_nvsp && sc->sc_nvsp < NVSP_PROTOCOL_VERSION_2 && mtu > HN_MTU_DEFAULT)
		return -EINVAL;
	HN_STAT_INC(sc, reinits);
	hn_down(sc);
	sc->sc_mtu = mtu;
	int rc = hn_up(sc);
	if (!rc && sc->sc_mtu != mtu)
		kern_log(KERN_INFO, "hn", "%s: host caps the MTU at %u", sc->sc_name, sc->sc_mtu);
	return rc;
}

void hn_set_rx_cb(struct hn_if *sc, hn_rx_fn *fn, void *arg)
{
	if (!sc)
		return;
	sc->sc_rx_arg = arg;
	KERN_WRITE_ONCE(sc->sc_rx_cb, fn);
}

int hn_recv(struct hn_if *sc, void *buf, uint32_t cap, struct hn_rxmeta *m)
{
	if (!sc)
		return -EINVAL;
	for (unsigned i = 0; i < HN_MAX_QUEUES; i++) {
		struct hn_queue *q = &sc->sc_q[i];
		if (!q->q_lock)
			continue;
		kern_lock_acquire(q->q_lock);
		if (!q->q_rxq_count) {
			kern_lock_release(q->q_lock);
			continue;
		}
		struct hn_rxent e = q->q_rxq[q->q_rxq_head];
		q->q_rxq_head = (q->q_rxq_head + 1) % q->q_rxq_cap;
		q->q_rxq_count--;
		kern_lock_release(q->q_lock);
		memcpy(buf, e.data, e.len < cap ? e.len : cap);
		if (m)
			*m = e.m;
		kern_free(e.data);
		return (int)e.len;
	}
	return -EAGAIN;
}

int hn_get_stats(const struct hn_if *sc, struct hn_stats *out)
{
	memset(out, 0, sizeof *out);
	if (!sc)
		return -EINVAL;
	*out = sc->sc_st;
	for (unsigned i = 0; i < HN_MAX_QUEUES; i++)
		out->q[i] = sc->sc_q[i].q_st;
	return 0;
}

/* ---- fuzzing ---------------------------------------------------------------------------------- */

struct hn_if *hn_fuzz_create(uint8_t *rxbuf, uint32_t rxlen, uint32_t sec_size, unsigned nq,
			     uint32_t nvsp)
{
	struct hn_if *sc = hn_if_alloc();
	if (!sc)
		return NULL;
	snprintf(sc->sc_name, sizeof sc->sc_name, "hnfuzz");
	sc->sc_fuzz = true;
	sc->sc_mtu = HN_MTU_DEFAULT;
	sc->sc_nvsp = nvsp;
	sc->sc_rxbuf.va = rxbuf;
	sc->sc_rxbuf_size = rxlen;
	sc->sc_rx_sec_size = sec_size < HN_RX_SECTION_MAX ? sec_size : HN_RX_SECTION_MAX;
	sc->sc_rx_sec_count = sec_size ? rxlen / sec_size : 0;
	sc->sc_nq = nq ? (nq < HN_MAX_QUEUES ? nq : HN_MAX_QUEUES) : 1;
	sc->sc_cfg.timeout_ns = 1;
	for (unsigned i = 0; i < sc->sc_nq; i++) {
		if (queue_setup(sc, &sc->sc_q[i], i)) {
			hn_fuzz_destroy(sc);
			return NULL;
		}
		sc->sc_q[i].q_sec_count = 0;
	}
	for (unsigned i = 0; i < HN_RNDIS_REQS; i++) {
		sc->sc_req[i].resp = kern_malloc(HN_RNDIS_RESP_MAX);
		if (!sc->sc_req[i].resp) {
			hn_fuzz_destroy(sc);
			return NULL;
		}
	}
	sc->sc_state = HN_ST_UP;
	return sc;
}

void hn_fuzz_expect(struct hn_if *sc)
{
	/* Outstanding work with known ids: an NVSP request (tid kind NVS,
	 * gen 1), RNDIS requests with ids 1..4 (tid kind RNDIS, gen 1..4),
	 * and TX slots 0..3 (gen 1). */
	sc->sc_nvs_gen = 1;
	sc->sc_nvs_busy = true;
	sc->sc_nvs_done = false;
	for (unsigned i = 0; i < HN_RNDIS_REQS; i++) {
		struct hn_rndis_req *r = &sc->sc_req[i];
		r->busy = true;
		r->send_done = r->resp_done = r->abandoned = false;
		r->rid = i + 1;
		r->gen = i + 1;
		r->resp_type = (i & 1) ? RNDIS_MSG_SET_C : RNDIS_MSG_QUERY_C;
	}
	for (unsigned qi = 0; qi < sc->sc_nq; qi++) {
		struct hn_queue *q = &sc->sc_q[qi];
		for (unsigned i = 0; i < 4; i++) {
			if (q->q_slot[i].busy)
				continue;
			q->q_slot[i] = (struct hn_txslot){ true, 1, -1, -1, 64 };
			q->q_outstanding++;
		}
	}
}

void hn_fuzz_packet(struct hn_if *sc, unsigned qi, const struct vmbus_pkt *pkt)
{
	if (!sc || qi >= sc->sc_nq)
		return;
	hn_chan_cb(NULL, pkt, &sc->sc_q[qi]);
}

void hn_fuzz_destroy(struct hn_if *sc)
{
	if (!sc)
		return;
	for (unsigned i = 0; i < HN_RNDIS_REQS; i++)
		kern_free(sc->sc_req[i].resp);
	hn_if_free(sc);
}
