/* netvsp.c -- the synthetic NIC's lifetime: offer, channel callbacks from the
 * VMBus server, sub-channels, back end, link state, counters. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hyperv/vmbus_guid.h"
#include "sim/devices/netvsp/netvsp_var.h"
#include "sim/hostd/profile.h"

/* ---- allocation hook ------------------------------------------------------ */

static long netvsp_fail_after = -1;

void netvsp_alloc_fail_after(long n)
{
	netvsp_fail_after = n;
}

void *netvsp_zalloc(size_t n)
{
	if (netvsp_fail_after >= 0 && netvsp_fail_after-- == 0)
		return NULL;
	return calloc(1, n);
}

void netvsp_free(void *p)
{
	free(p);
}

/* ---- trace, kick, states ----------------------------------------------------- */

void netvsp_trace(const struct netvsp *nic, const char *fmt, ...)
{
	if (!nic->n_out.trace)
		return;
	char line[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	nic->n_out.trace(nic->n_arg, line);
}

void netvsp_kick(struct netvsp *nic)
{
	if (nic->n_out.kick)
		nic->n_out.kick(nic->n_arg);
}

const char *netvsp_nvsp_state_name(enum netvsp_nvsp_state st)
{
	static const char *const n[] = { "none", "init", "ready" };
	return (unsigned)st < NETVSP_NVSP_ST_COUNT ? n[st] : "?";
}

const char *netvsp_rndis_state_name(enum netvsp_rndis_state st)
{
	static const char *const n[] = { "uninitialized", "ready", "halted" };
	return (unsigned)st < NETVSP_RNDIS_ST_COUNT ? n[st] : "?";
}

void netvsp_nvsp_set_state(struct netvsp *nic, enum netvsp_nvsp_state st)
{
	if (nic->n_nvsp_state == st)
		return;
	netvsp_trace(nic, "netvsp: nvsp %s -> %s", netvsp_nvsp_state_name(nic->n_nvsp_state),
		     netvsp_nvsp_state_name(st));
	nic->n_nvsp_state = st;
}

void netvsp_rndis_set_state(struct netvsp *nic, enum netvsp_rndis_state st)
{
	if (nic->n_rndis_state == st)
		return;
	netvsp_trace(nic, "netvsp: rndis %s -> %s", netvsp_rndis_state_name(nic->n_rndis_state),
		     netvsp_rndis_state_name(st));
	nic->n_rndis_state = st;
}

struct netvsp_queue *netvsp_queue_of(struct netvsp *nic, struct vmbs_chan *ch)
{
	uint16_t i = vmbs_chan_subidx(ch);
	if (i >= NETVSP_MAX_QUEUES)
		return NULL;
	/* Sub-channels are bound at their first callback (the server creates
	 * them inside vmbs_chan_offer_subchannels and names them by index). */
	if (!nic->n_q[i].q_chan && i > 0 && i < nic->n_nqueues)
		nic->n_q[i].q_chan = ch;
	if (nic->n_q[i].q_chan != ch)
		return NULL;
	return &nic->n_q[i];
}

/* ---- protocol reset ------------------------------------------------------------ */

void netvsp_reset_protocol(struct netvsp *nic)
{
	/* The server drops the pins itself after close(); forget them here. */
	nic->n_rbuf.b_present = false;
	nic->n_sbuf.b_present = false;
	netvsp_free(nic->n_sub_busy);
	nic->n_sub_busy = NULL;
	nic->n_sub_size = nic->n_sub_count = nic->n_sub_free = nic->n_sub_hint = 0;
	nic->n_sec_size = nic->n_sec_count = 0;
	nic->n_nvsp_version = 0;
	nic->n_ndis_version = 0;
	nic->n_mtu = NVSP_MTU_MIN;
	nic->n_ndis_caps = 0;
	nic->n_ndis_config_seen = false;
	netvsp_nvsp_set_state(nic, NETVSP_NVSP_NONE);
	netvsp_rndis_set_state(nic, NETVSP_RNDIS_UNINIT);
	nic->n_filter = 0;
	memcpy(nic->n_mac, nic->n_cfg.mac, 6);
	nic->n_tx_csum_v4 = nic->n_tx_csum_v6 = 0;
	nic->n_rx_csum_v4 = nic->n_rx_csum_v6 = 0;
	nic->n_lso_v4 = nic->n_lso_v6 = false;
	nic->n_rss_enabled = false;
	nic->n_rss_itab_n = 0;
	netvsp_ctrl_drop_all(nic);
}

/* ---- VMBus callbacks --------------------------------------------------------------- */

static int nic_open(struct vmbs_chan *ch)
{
	struct netvsp *nic = vmbs_chan_ctx(ch);
	struct netvsp_queue *q = nic->n_orphan ? NULL : netvsp_queue_of(nic, ch);
	if (!q)
		return -EINVAL;
	if (q->q_idx == 0)
		netvsp_reset_protocol(nic);
	q->q_open = true;
	netvsp_trace(nic, "netvsp: queue %u open", q->q_idx);
	return 0;
}

static int nic_packet(struct vmbs_chan *ch, const struct vmbus_pkt_desc *desc, const uint8_t *pkt,
		      uint32_t len)
{
	struct netvsp *nic = vmbs_chan_ctx(ch);
	if (nic->n_orphan)
		return 0;
	struct netvsp_queue *q = netvsp_queue_of(nic, ch);
	if (!q)
		return -EINVAL;
	if (desc->type == VMBUS_PKT_COMP) {
		uint32_t off = (uint32_t)desc->offset8 * 8u;
		netvsp_rx_complete(nic, q, desc->trans_id, pkt + off, len - off);
		return 0;
	}
	return netvsp_nvsp_packet(nic, q, desc, pkt, len);
}

static void nic_close(struct vmbs_chan *ch)
{
	struct netvsp *nic = vmbs_chan_ctx(ch);
	struct netvsp_queue *q = nic->n_orphan ? NULL : netvsp_queue_of(nic, ch);
	if (!q)
		return;
	q->q_open = false;
	netvsp_pend_drop(q);
	netvsp_trace(nic, "netvsp: queue %u closed", q->q_idx);
	if (q->q_idx == 0) {
		netvsp_reset_protocol(nic);
		return;
	}
	/* The guest will never complete what was in flight on this queue. */
	for (uint32_t i = 0; nic->n_sub_busy && i < nic->n_sub_count; i++)
		if (nic->n_sub_busy[i] == q->q_idx + 1u)
			netvsp_sub_release(nic, i);
}

static void nic_free(struct netvsp *nic)
{
	netvsp_ctrl_drop_all(nic);
	for (unsigned i = 0; i < NETVSP_MAX_QUEUES; i++)
		netvsp_pend_drop(&nic->n_q[i]);
	netvsp_free(nic->n_sub_busy);
	netvsp_free(nic->n_tx_buf);
	netvsp_free(nic);
}

static void nic_rescinded(struct vmbs_chan *ch)
{
	struct netvsp *nic = vmbs_chan_ctx(ch);
	uint16_t i = vmbs_chan_subidx(ch);
	if (i < NETVSP_MAX_QUEUES && nic->n_q[i].q_chan == ch) {
		nic->n_q[i].q_chan = NULL;
		nic->n_q[i].q_open = false;
	}
	if (nic->n_live_chans)
		nic->n_live_chans--;
	if (nic->n_orphan && nic->n_live_chans == 0)
		nic_free(nic);
}

static void nic_writable(struct vmbs_chan *ch)
{
	struct netvsp *nic = vmbs_chan_ctx(ch);
	if (nic->n_orphan)
		return;
	struct netvsp_queue *q = netvsp_queue_of(nic, ch);
	if (q)
		netvsp_pend_flush(nic, q);
	netvsp_ctrl_flush(nic);
}

static void nic_gpadl_teardown(struct vmbs_chan *ch, uint32_t handle)
{
	struct netvsp *nic = vmbs_chan_ctx(ch);
	if (nic->n_orphan) {
		vmbs_gpadl_unpin(ch, handle);
		return;
	}
	if (nic->n_rbuf.b_present && nic->n_rbuf.b_gpadl == handle)
		netvsp_buf_release(nic, &nic->n_rbuf);
	if (nic->n_sbuf.b_present && nic->n_sbuf.b_gpadl == handle)
		netvsp_buf_release(nic, &nic->n_sbuf);
}

static const struct vmbs_dev_ops netvsp_ops = {
	.open = nic_open,
	.packet = nic_packet,
	.close = nic_close,
	.rescinded = nic_rescinded,
	.writable = nic_writable,
	.gpadl_teardown = nic_gpadl_teardown,
};

int netvsp_offer_subchannels(struct netvsp *nic, uint32_t n)
{
	struct vmbs_chan *primary = nic->n_q[0].q_chan;
	if (!primary)
		return -ENOTCONN;
	uint16_t first = nic->n_nqueues;
	if (n > NETVSP_MAX_QUEUES - first)
		n = NETVSP_MAX_QUEUES - first;
	if (n == 0)
		return 0;
	int rc = vmbs_chan_offer_subchannels(primary, (uint16_t)n);
	if (rc < 0)
		return rc;
	for (uint16_t i = first; i < first + rc; i++) {
		nic->n_q[i].q_idx = i;
		nic->n_q[i].q_chan = NULL;
	}
	nic->n_nqueues = (uint16_t)(first + rc);
	nic->n_live_chans += (uint32_t)rc;
	return rc;
}

/* ---- back end ---------------------------------------------------------------------- */

static void be_rx(void *arg, const uint8_t *frame, size_t len, const struct netbe_meta *m)
{
	struct netvsp *nic = arg;
	(void)netvsp_rx(nic, frame, len, m);
}

static void be_rx_ready(void *arg)
{
	netvsp_kick(arg);
}

static const struct netbe_cb netvsp_cb = { .rx = be_rx, .rx_ready = be_rx_ready };

const struct netbe_cb *netvsp_be_cb(void)
{
	return &netvsp_cb;
}

void netvsp_attach_backend(struct netvsp *nic, struct netbe *be)
{
	if (nic->n_be && nic->n_be != be)
		netbe_close(nic->n_be);
	nic->n_be = be;
	memset(&nic->n_be_caps, 0, sizeof nic->n_be_caps);
	if (be)
		netbe_caps(be, &nic->n_be_caps);
}

struct netbe *netvsp_backend(struct netvsp *nic)
{
	return nic->n_be;
}

bool netvsp_pump(struct netvsp *nic)
{
	bool more = false;
	if (nic->n_be && netbe_poll(nic->n_be, NETVSP_TX_QUOTA) >= NETVSP_TX_QUOTA)
		more = true;
	if (nic->n_be && netbe_rx_pending(nic->n_be))
		more = true;
	for (unsigned i = 0; i < nic->n_nqueues; i++)
		if (nic->n_q[i].q_chan && nic->n_q[i].q_open)
			netvsp_pend_flush(nic, &nic->n_q[i]);
	netvsp_ctrl_flush(nic);
	return more;
}

/* ---- create / destroy --------------------------------------------------------------- */

int netvsp_create(struct vmbs *vb, const struct hv_profile *prof, const struct netvsp_config *cfg,
		  const struct netvsp_notify *out, void *arg, struct netvsp **nicp)
{
	if (!vb || !cfg || !nicp || cfg->max_queues > NETVSP_MAX_QUEUES)
		return -EINVAL;
	struct netvsp *nic = netvsp_zalloc(sizeof *nic);
	if (!nic)
		return -ENOMEM;
	nic->n_vb = vb;
	nic->n_cfg = *cfg;
	if (!nic->n_cfg.max_queues)
		nic->n_cfg.max_queues = 8;
	if (!nic->n_cfg.link_speed_bps)
		nic->n_cfg.link_speed_bps = 10000000000ull;
	if (out)
		nic->n_out = *out;
	nic->n_arg = arg;
	nic->n_nvsp_max = cfg->nvsp_max_version ? cfg->nvsp_max_version
			: prof && prof->nvsp_max_version ? prof->nvsp_max_version
			: NVSP_PROTOCOL_VERSION_61;
	nic->n_legacy_status = cfg->legacy_status_len ||
			       (prof && (prof->quirks & HV_QUIRK_LEGACY_STATUS_LENGTH));
	/* NOTE: hosts before WS2016 (NVSP < 5) offer TCP checksum offload only. */
	nic->n_udp_csum = nic->n_nvsp_max >= NVSP_PROTOCOL_VERSION_5;
	nic->n_link_up = !cfg->link_down;
	nic->n_link_speed = nic->n_cfg.link_speed_bps;
	nic->n_mtu = NVSP_MTU_MIN;
	memcpy(nic->n_mac, cfg->mac, 6);
	int rc = -ENOMEM;
	nic->n_tx_buf = netvsp_zalloc(NETVSP_TX_MAX_BYTES);
	if (!nic->n_tx_buf)
		goto free_nic;
	if (!cfg->no_backend && cfg->be.kind != NETBE_PAIR) {
		struct netbe *be = NULL;
		rc = netbe_open(&cfg->be, &netvsp_cb, nic, &be);
		if (rc)
			goto free_buf;
		netvsp_attach_backend(nic, be);
	}
	struct vmbs_dev_params p;
	memset(&p, 0, sizeof p);
	p.class_id = (struct vmbus_guid){ VMBUS_GUID_NETVSC };
	p.instance_id = cfg->instance_id;
	p.wants_monitor = true;
	p.max_subchannels = (uint16_t)(nic->n_cfg.max_queues - 1);
	struct vmbs_chan *ch = vmbs_dev_add(vb, &p, &netvsp_ops, nic);
	if (!ch) {
		rc = errno ? -errno : -ENOMEM;
		goto close_be;
	}
	nic->n_q[0].q_chan = ch;
	nic->n_q[0].q_idx = 0;
	nic->n_nqueues = 1;
	nic->n_live_chans = 1;
	*nicp = nic;
	return 0;
close_be:
	netbe_close(nic->n_be);
free_buf:
	netvsp_free(nic->n_tx_buf);
free_nic:
	netvsp_free(nic);
	return rc;
}

void netvsp_destroy(struct netvsp *nic)
{
	if (!nic)
		return;
	netbe_close(nic->n_be);
	nic->n_be = NULL;
	netvsp_ctrl_drop_all(nic);
	nic->n_orphan = true;
	/* The server calls rescinded() for every channel, now or when the
	 * guest lets go; the last one frees the NIC. */
	if (nic->n_live_chans && nic->n_q[0].q_chan && vmbs_dev_remove(nic->n_q[0].q_chan) == 0)
		return;
	if (nic->n_live_chans == 0)
		nic_free(nic);
}

/* ---- link, stats ----------------------------------------------------------------------- */

int netvsp_set_link(struct netvsp *nic, bool up, uint64_t speed_bps)
{
	if (!nic)
		return -EINVAL;
	bool ready = nic->n_rndis_state == NETVSP_RNDIS_READY;
	if (speed_bps && speed_bps != nic->n_link_speed) {
		nic->n_link_speed = speed_bps;
		if (ready && up) {
			uint32_t units = speed_bps / 100u > UINT32_MAX ? UINT32_MAX
					: (uint32_t)(speed_bps / 100u);
			(void)netvsp_indicate(nic, RNDIS_STATUS_LINK_SPEED_CHANGE, &units, 4);
		}
	}
	if (up != nic->n_link_up) {
		nic->n_link_up = up;
		netvsp_trace(nic, "netvsp: link %s", up ? "up" : "down");
		if (ready)
			(void)netvsp_indicate(nic, up ? RNDIS_STATUS_MEDIA_CONNECT
						 : RNDIS_STATUS_MEDIA_DISCONNECT, NULL, 0);
	}
	return 0;
}

void netvsp_get_stats(const struct netvsp *nic, struct netvsp_stats *out)
{
	*out = nic->n_st;
}

void netvsp_get_info(const struct netvsp *nic, struct netvsp_info *out)
{
	memset(out, 0, sizeof *out);
	out->nvsp_version = nic->n_nvsp_version;
	out->ndis_version = nic->n_ndis_version;
	out->mtu = nic->n_mtu;
	out->ndis_caps = nic->n_ndis_caps;
	out->recv_sub_alloc_size = nic->n_sub_size;
	out->recv_sub_allocs = nic->n_sub_count;
	out->send_section_size = nic->n_sec_size;
	out->send_sections = nic->n_sec_count;
	out->rndis_initialized = nic->n_rndis_state == NETVSP_RNDIS_READY;
	out->rndis_halted = nic->n_rndis_state == NETVSP_RNDIS_HALTED;
	out->packet_filter = nic->n_filter;
	out->subchannels = nic->n_subchannels;
	for (unsigned i = 0; i < NETVSP_MAX_QUEUES; i++)
		out->open_queues += nic->n_q[i].q_open;
	out->rss_enabled = nic->n_rss_enabled;
	out->rss_hash_info = nic->n_rss_hash_info;
	out->rss_itab_entries = nic->n_rss_itab_n;
	out->link_up = nic->n_link_up;
	out->link_speed_bps = nic->n_link_speed;
	memcpy(out->current_mac, nic->n_mac, 6);
	out->tx_csum_v4 = nic->n_tx_csum_v4;
	out->tx_csum_v6 = nic->n_tx_csum_v6;
	out->lso_v4 = nic->n_lso_v4;
	out->lso_v6 = nic->n_lso_v6;
}

struct vmbs_chan *netvsp_primary(struct netvsp *nic)
{
	return nic->n_q[0].q_chan;
}
