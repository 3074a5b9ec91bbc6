/* netvsp_nvsp.c -- NVSP intake: every guest message is checked against a
 * dispatch table (length, version, state, channel) before its handler runs;
 * version negotiation, NDIS version and config, receive and send buffers,
 * SEND_RNDIS_PKT gathering, revokes, sub-channels, the indirection table. */
#include <errno.h>
#include <string.h>

#include "sim/devices/netvsp/netvsp_var.h"

#define F_PRIMARY   0x1u  /* only on the primary channel */
#define F_INIT      0x2u  /* needs a negotiated version */
#define F_READY     0x4u  /* needs the receive buffer */

struct nvsp_ctx {
	struct netvsp *nic;
	struct netvsp_queue *q;
	const struct vmbus_pkt_desc *desc;
	const uint8_t *pkt;       /* whole packet (descriptor included) */
	uint32_t len;
	const uint8_t *msg;       /* NVSP message */
	uint32_t mlen;
};

struct nvsp_entry {
	uint32_t type;
	const char *name;
	uint32_t min_len;
	uint32_t min_version;
	unsigned flags;
	int (*handler)(struct nvsp_ctx *c);
};

/* Supported versions, newest first (A.1). */
static const uint32_t nvsp_versions[] = {
	NVSP_PROTOCOL_VERSION_61, NVSP_PROTOCOL_VERSION_6, NVSP_PROTOCOL_VERSION_5,
	NVSP_PROTOCOL_VERSION_4, NVSP_PROTOCOL_VERSION_2, NVSP_PROTOCOL_VERSION_1,
};

uint32_t netvsp_nvsp_msg_size(const struct netvsp *nic)
{
	return nic->n_nvsp_version >= NVSP_PROTOCOL_VERSION_61 ? NVSP_MSG_SIZE_V61
								: NVSP_MSG_SIZE_LEGACY;
}

/* Send 'body' padded to the negotiated NVSP message size as the completion
 * of the request, when the guest asked for one. */
static int nvsp_reply(struct nvsp_ctx *c, const void *body, uint32_t blen)
{
	if (!(c->desc->flags & VMBUS_PKT_FLAG_COMPLETION_REQUESTED))
		return 0;
	uint8_t out[NVSP_MSG_SIZE_V61];
	uint32_t n = netvsp_nvsp_msg_size(c->nic);
	memset(out, 0, sizeof out);
	if (blen > n)
		blen = n;
	if (blen)
		memcpy(out, body, blen);
	return netvsp_complete(c->nic, c->q, c->desc->trans_id, out, blen ? n : 0);
}

int netvsp_complete(struct netvsp *nic, struct netvsp_queue *q, uint64_t tid, const void *msg,
		    uint32_t len)
{
	if (!q->q_pend_head) {
		int rc = vmbs_chan_send_completion(q->q_chan, tid, msg, len);
		if (rc != -EAGAIN)
			return rc == -ENOTCONN ? 0 : rc;
	}
	/* Ring full: keep it, or the guest would never get its section back. */
	if (q->q_npend >= NETVSP_PEND_MAX || len > NVSP_MSG_SIZE_V61)
		return -ENOBUFS;
	struct netvsp_pend *p = netvsp_zalloc(sizeof *p);
	if (!p)
		return -ENOMEM;
	p->p_tid = tid;
	p->p_len = len;
	if (len)
		memcpy(p->p_msg, msg, len);
	if (q->q_pend_tail)
		q->q_pend_tail->p_next = p;
	else
		q->q_pend_head = p;
	q->q_pend_tail = p;
	q->q_npend++;
	(void)nic;
	return 0;
}

void netvsp_pend_flush(struct netvsp *nic, struct netvsp_queue *q)
{
	(void)nic;
	while (q->q_pend_head) {
		struct netvsp_pend *p = q->q_pend_head;
		if (vmbs_chan_send_completion(q->q_chan, p->p_tid, p->p_msg, p->p_len) == -EAGAIN)
			return;
		q->q_pend_head = p->p_next;
		if (!q->q_pend_head)
			q->q_pend_tail = NULL;
		q->q_npend--;
		netvsp_free(p);
	}
}

void netvsp_pend_drop(struct netvsp_queue *q)
{
	while (q->q_pend_head) {
		struct netvsp_pend *p = q->q_pend_head;
		q->q_pend_head = p->p_next;
		netvsp_free(p);
	}
	q->q_pend_tail = NULL;
	q->q_npend = 0;
}

static int nvsp_reply_empty(struct nvsp_ctx *c)
{
	return nvsp_reply(c, NULL, 0);
}

static void nvsp_reject(struct netvsp *nic, const char *why, uint32_t type)
{
	nic->n_st.nvsp_rejected++;
	netvsp_trace(nic, "netvsp: nvsp %u refused: %s", type, why);
}

static bool version_supported(const struct netvsp *nic, uint32_t v)
{
	if (v > nic->n_nvsp_max)
		return false;
	for (size_t i = 0; i < sizeof nvsp_versions / sizeof nvsp_versions[0]; i++)
		if (nvsp_versions[i] == v)
			return true;
	return false;
}

/* ---- handlers ------------------------------------------------------------------ */

static int h_init(struct nvsp_ctx *c)
{
	struct netvsp *nic = c->nic;
	struct nvsp_init m;
	memcpy(&m, c->msg, sizeof m);
	uint32_t chosen = 0;
	if (nic->n_nvsp_state == NETVSP_NVSP_READY) {
		nvsp_reject(nic, "INIT after the receive buffer", NVSP_MSG_INIT);
	} else if (m.protocol_version2 > m.protocol_version) {
		/* Old min/max form: the newest we support inside the range. */
		for (size_t i = 0; i < sizeof nvsp_versions / sizeof nvsp_versions[0]; i++) {
			uint32_t v = nvsp_versions[i];
			if (v >= m.protocol_version && v <= m.protocol_version2 &&
			    version_supported(nic, v)) {
				chosen = v;
				break;
			}
		}
	} else if (m.protocol_version2 == m.protocol_version || m.protocol_version2 == 0) {
		if (version_supported(nic, m.protocol_version))
			chosen = m.protocol_version;
	}
	struct nvsp_init_complete r = { .type = NVSP_MSG_INIT_COMPLETE,
		.negotiated_version = chosen == NVSP_PROTOCOL_VERSION_1 ? 2u : 0xFFFFFFFFu,
		.max_mdl_chain_length = NVSP_MAX_MDL_CHAIN_LENGTH,
		.status = chosen ? NVSP_STAT_SUCCESS : NVSP_STAT_FAIL };
	if (chosen) {
		nic->n_nvsp_version = chosen;
		netvsp_nvsp_set_state(nic, NETVSP_NVSP_INIT);
		netvsp_trace(nic, "netvsp: NVSP version 0x%x", chosen);
	} else {
		nvsp_reject(nic, "no supported version", NVSP_MSG_INIT);
	}
	return nvsp_reply(c, &r, sizeof r);
}

static int h_ndis_version(struct nvsp_ctx *c)
{
	struct nvsp_ndis_version m;
	memcpy(&m, c->msg, sizeof m);
	if (m.ndis_major > 0xFFFFu || m.ndis_minor > 0xFFFFu)
		nvsp_reject(c->nic, "NDIS version out of range", m.type);
	else
		c->nic->n_ndis_version = (m.ndis_major << 16) | m.ndis_minor;
	/* Guests do not ask for a reply; UEFI clients that do get an empty one. */
	return nvsp_reply_empty(c);
}

static int h_ndis_config(struct nvsp_ctx *c)
{
	struct netvsp *nic = c->nic;
	struct nvsp_ndis_config m;
	memcpy(&m, c->msg, sizeof m);
	nic->n_ndis_config_seen = true;
	nic->n_ndis_caps = m.capabilities;
	if (m.mtu < NVSP_MTU_MIN || m.mtu > NVSP_MTU_MAX) {
		nvsp_reject(nic, "MTU outside 1514..9216", m.type);
		nic->n_mtu = NVSP_MTU_MIN;
	} else if (nic->n_rbuf.b_present) {
		/* The sub-allocation size was fixed from the old MTU. */
		nvsp_reject(nic, "MTU change after the receive buffer", m.type);
	} else {
		nic->n_mtu = m.mtu;
	}
	return nvsp_reply_empty(c);
}

void netvsp_buf_release(struct netvsp *nic, struct netvsp_buf *b)
{
	if (!b->b_present)
		return;
	b->b_present = false;
	struct vmbs_chan *ch = nic->n_q[0].q_chan;
	if (ch)
		vmbs_gpadl_unpin(ch, b->b_gpadl);
	if (b == &nic->n_rbuf) {
		netvsp_free(nic->n_sub_busy);
		nic->n_sub_busy = NULL;
		nic->n_sub_count = nic->n_sub_free = 0;
		if (nic->n_nvsp_state == NETVSP_NVSP_READY)
			netvsp_nvsp_set_state(nic, NETVSP_NVSP_INIT);
	} else {
		nic->n_sec_count = 0;
	}
	netvsp_trace(nic, "netvsp: %s buffer released (gpadl %u)",
		     b == &nic->n_rbuf ? "receive" : "send", b->b_gpadl);
}

static int pin_buf(struct nvsp_ctx *c, struct netvsp_buf *b, const struct nvsp_send_buf *m)
{
	if (b->b_present)
		return -EEXIST;
	int rc = vmbs_gpadl_pin(c->q->q_chan, m->gpadl_handle, &b->b_pages);
	if (rc)
		return rc;
	b->b_present = true;
	b->b_gpadl = m->gpadl_handle;
	b->b_id = m->id;
	return 0;
}

static int h_recv_buf(struct nvsp_ctx *c)
{
	struct netvsp *nic = c->nic;
	struct nvsp_send_buf m;
	memcpy(&m, c->msg, sizeof m);
	struct nvsp_recv_buf_complete r = { .type = NVSP_MSG1_SEND_RECV_BUF_COMPLETE,
					    .status = NVSP_STAT_FAIL };
	int rc = pin_buf(c, &nic->n_rbuf, &m);
	if (rc) {
		nvsp_reject(nic, rc == -EEXIST ? "receive buffer already exists"
			    : "receive buffer GPADL unusable", m.type);
		return nvsp_reply(c, &r, sizeof r);
	}
	uint32_t size = NETVSP_RX_HDR_ROOM + nic->n_mtu + NETVSP_RX_TAIL_PAD;
	uint64_t count = nic->n_rbuf.b_pages.len / size;
	if (count > NETVSP_RX_MAX_SUBALLOCS)
		count = NETVSP_RX_MAX_SUBALLOCS;
	if (count <= NETVSP_RX_CTRL_RESERVED) {
		nvsp_reject(nic, "receive buffer too small", m.type);
		netvsp_buf_release(nic, &nic->n_rbuf);
		return nvsp_reply(c, &r, sizeof r);
	}
	nic->n_sub_busy = netvsp_zalloc((size_t)count);
	if (!nic->n_sub_busy) {
		nvsp_reject(nic, "out of memory", m.type);
		netvsp_buf_release(nic, &nic->n_rbuf);
		return nvsp_reply(c, &r, sizeof r);
	}
	nic->n_sub_size = size;
	nic->n_sub_count = nic->n_sub_free = (uint32_t)count;
	nic->n_sub_hint = 0;
	r.status = NVSP_STAT_SUCCESS;
	r.num_sections = 1;
	r.sections[0].offset = 0;
	r.sections[0].sub_alloc_size = size;
	r.sections[0].num_sub_allocs = (uint32_t)count;
	r.sections[0].end_offset = size * (uint32_t)count;
	netvsp_nvsp_set_state(nic, NETVSP_NVSP_READY);
	return nvsp_reply(c, &r, sizeof r);
}

static int h_send_buf(struct nvsp_ctx *c)
{
	struct netvsp *nic = c->nic;
	struct nvsp_send_buf m;
	memcpy(&m, c->msg, sizeof m);
	struct nvsp_send_buf_complete r = { .type = NVSP_MSG1_SEND_SEND_BUF_COMPLETE,
					    .status = NVSP_STAT_FAIL };
	int rc = pin_buf(c, &nic->n_sbuf, &m);
	if (rc) {
		nvsp_reject(nic, rc == -EEXIST ? "send buffer already exists"
			    : "send buffer GPADL unusable", m.type);
		return nvsp_reply(c, &r, sizeof r);
	}
	uint64_t count = nic->n_sbuf.b_pages.len / NVSP_SEND_SECTION_SIZE_DEFAULT;
	if (count == 0 || count > UINT32_MAX) {
		nvsp_reject(nic, "send buffer smaller than a section", m.type);
		netvsp_buf_release(nic, &nic->n_sbuf);
		return nvsp_reply(c, &r, sizeof r);
	}
	nic->n_sec_size = NVSP_SEND_SECTION_SIZE_DEFAULT;
	nic->n_sec_count = (uint32_t)count;
	r.status = NVSP_STAT_SUCCESS;
	r.section_size = nic->n_sec_size;
	return nvsp_reply(c, &r, sizeof r);
}

static int h_revoke(struct nvsp_ctx *c)
{
	struct netvsp *nic = c->nic;
	struct nvsp_revoke_buf m;
	memcpy(&m, c->msg, sizeof m);
	struct netvsp_buf *b = m.type == NVSP_MSG1_REVOKE_RECV_BUF ? &nic->n_rbuf : &nic->n_sbuf;
	if (!b->b_present || b->b_id != m.id) {
		nvsp_reject(nic, "revoke of an unknown buffer id", m.type);
		return 0;
	}
	/* Receive sections still in flight stay with the guest; their late
	 * completions are counted as stray. */
	netvsp_buf_release(nic, b);
	return nvsp_reply_empty(c);
}

static int tx_complete(struct nvsp_ctx *c, uint32_t status)
{
	struct nvsp_rndis_pkt_complete r = { .type = NVSP_MSG1_SEND_RNDIS_PKT_COMPLETE,
					     .status = status };
	return nvsp_reply(c, &r, sizeof r);
}

static int h_rndis_pkt(struct nvsp_ctx *c)
{
	struct netvsp *nic = c->nic;
	struct nvsp_rndis_pkt m;
	memcpy(&m, c->msg, sizeof m);
	uint32_t total = 0;
	/* Send-buffer part first (A.8 mixed mode), then GPA ranges. */
	if (m.section_index == NVSP_SEND_SECTION_INVALID) {
		if (m.section_size != 0) {
			nvsp_reject(nic, "section size without a section", m.type);
			return tx_complete(c, NVSP_STAT_FAIL);
		}
	} else {
		if (!nic->n_sbuf.b_present || m.section_index >= nic->n_sec_count ||
		    m.section_size == 0 || m.section_size > nic->n_sec_size) {
			nvsp_reject(nic, "bad send-buffer section", m.type);
			return tx_complete(c, NVSP_STAT_FAIL);
		}
		uint64_t off = (uint64_t)m.section_index * nic->n_sec_size;
		if (vmbs_pages_read(c->q->q_chan, &nic->n_sbuf.b_pages, off, nic->n_tx_buf,
				    m.section_size)) {
			return tx_complete(c, NVSP_STAT_FAIL);
		}
		total = m.section_size;
	}
	if (c->desc->type == VMBUS_PKT_DATA_USING_GPA_DIRECT) {
		struct vmbs_gpa_list *gl = &nic->n_gpa;
		if (vmbs_pkt_gpa_parse(c->q->q_chan, c->desc, c->pkt, c->len, gl)) {
			nvsp_reject(nic, "bad GPA ranges", m.type);
			return tx_complete(c, NVSP_STAT_FAIL);
		}
		for (uint32_t i = 0; i < gl->nrange; i++) {
			const struct vmbs_pages *pg = &gl->range[i];
			if (pg->len > NETVSP_TX_MAX_BYTES - total ||
			    vmbs_pages_read(c->q->q_chan, pg, 0, nic->n_tx_buf + total,
					    (size_t)pg->len)) {
				nvsp_reject(nic, "GPA ranges too large", m.type);
				return tx_complete(c, NVSP_STAT_FAIL);
			}
			total += (uint32_t)pg->len;
		}
	}
	if (total == 0) {
		nvsp_reject(nic, "no data", m.type);
		return tx_complete(c, NVSP_STAT_FAIL);
	}
	int rc = netvsp_rndis_input(nic, c->q, nic->n_tx_buf, total);
	if (rc < 0)
		return rc;
	return tx_complete(c, NVSP_STAT_SUCCESS);
}

static int h_stray_completion(struct nvsp_ctx *c)
{
	/* A 108 in an in-band packet: completions of our transfer-page packets
	 * come as VMBus completion packets. */
	c->nic->n_st.stray_completions++;
	return 0;
}

int netvsp_send_indirection(struct netvsp *nic)
{
	struct vmbs_chan *ch = nic->n_q[0].q_chan;
	if (!ch || nic->n_nvsp_version < NVSP_PROTOCOL_VERSION_5)
		return -ENOTCONN;
	uint8_t msg[NVSP_INDIRECTION_MSG_SIZE];
	memset(msg, 0, sizeof msg);
	struct nvsp_indirection_table h = { .type = NVSP_MSG5_SEND_INDIRECTION_TABLE,
		.count = NVSP_INDIRECTION_TABLE_COUNT, .offset = NVSP_INDIRECTION_TABLE_OFFSET };
	memcpy(msg, &h, sizeof h);
	uint32_t nq = 1 + nic->n_subchannels;
	for (uint32_t i = 0; i < NVSP_INDIRECTION_TABLE_COUNT; i++) {
		uint32_t v = i % nq;
		memcpy(msg + NVSP_INDIRECTION_TABLE_OFFSET + 4 * i, &v, 4);
	}
	return vmbs_chan_send_inband(ch, 0, msg, sizeof msg, false);
}

static int h_subchannel(struct nvsp_ctx *c)
{
	struct netvsp *nic = c->nic;
	struct nvsp_subchannel_req m;
	memcpy(&m, c->msg, sizeof m);
	struct nvsp_subchannel_complete r = { .type = NVSP_MSG5_SUBCHANNEL,
					      .status = NVSP_STAT_FAIL };
	if (m.op != NVSP_SUBCHANNEL_OP_ALLOCATE) {
		nvsp_reject(nic, "unknown sub-channel op", m.type);
		return nvsp_reply(c, &r, sizeof r);
	}
	uint32_t want = m.num_subchannels;
	uint32_t cap = nic->n_cfg.max_queues - 1u;
	if (cap > NVSP_MAX_SUBCHANNELS)
		cap = NVSP_MAX_SUBCHANNELS;
	if (want > cap)
		want = cap;
	uint32_t have = nic->n_nqueues - 1u;
	if (want > have) {
		int rc = netvsp_offer_subchannels(nic, want - have);
		if (rc < 0) {
			nvsp_reject(nic, "sub-channels could not be offered", m.type);
			return nvsp_reply(c, &r, sizeof r);
		}
		have += (uint32_t)rc;
		if (want > have)
			want = have;
	}
	nic->n_subchannels = want;
	r.status = NVSP_STAT_SUCCESS;
	r.num_subchannels = want;
	int rc = nvsp_reply(c, &r, sizeof r);
	if (rc == 0 && want)
		(void)netvsp_send_indirection(nic);
	return rc;
}

static int h_switch_data_path(struct nvsp_ctx *c)
{
	return nvsp_reply_empty(c);
}

static int h_oid_query_ex(struct nvsp_ctx *c)
{
	struct nvsp_oid_query_ex_complete r = { .type = NVSP_MSG5_OID_QUERY_EX_COMPLETE,
		.status = RNDIS_STATUS_NOT_SUPPORTED, .bytes = 0 };
	return nvsp_reply(c, &r, sizeof r);
}

static const struct nvsp_entry nvsp_table[] = {
	{ NVSP_MSG_INIT, "INIT", sizeof(struct nvsp_init), 0, F_PRIMARY, h_init },
	{ NVSP_MSG1_SEND_NDIS_VERSION, "SEND_NDIS_VERSION", sizeof(struct nvsp_ndis_version),
	  NVSP_PROTOCOL_VERSION_1, F_PRIMARY | F_INIT, h_ndis_version },
	{ NVSP_MSG1_SEND_RECV_BUF, "SEND_RECV_BUF", 10, NVSP_PROTOCOL_VERSION_1,
	  F_PRIMARY | F_INIT, h_recv_buf },
	{ NVSP_MSG1_REVOKE_RECV_BUF, "REVOKE_RECV_BUF", sizeof(struct nvsp_revoke_buf),
	  NVSP_PROTOCOL_VERSION_1, F_PRIMARY | F_INIT, h_revoke },
	{ NVSP_MSG1_SEND_SEND_BUF, "SEND_SEND_BUF", 10, NVSP_PROTOCOL_VERSION_1,
	  F_PRIMARY | F_INIT, h_send_buf },
	{ NVSP_MSG1_REVOKE_SEND_BUF, "REVOKE_SEND_BUF", sizeof(struct nvsp_revoke_buf),
	  NVSP_PROTOCOL_VERSION_1, F_PRIMARY | F_INIT, h_revoke },
	{ NVSP_MSG1_SEND_RNDIS_PKT, "SEND_RNDIS_PKT", sizeof(struct nvsp_rndis_pkt),
	  NVSP_PROTOCOL_VERSION_1, F_INIT | F_READY, h_rndis_pkt },
	{ NVSP_MSG1_SEND_RNDIS_PKT_COMPLETE, "SEND_RNDIS_PKT_COMPLETE", 8,
	  NVSP_PROTOCOL_VERSION_1, F_INIT, h_stray_completion },
	{ NVSP_MSG2_SEND_NDIS_CONFIG, "SEND_NDIS_CONFIG", sizeof(struct nvsp_ndis_config),
	  NVSP_PROTOCOL_VERSION_2, F_PRIMARY | F_INIT, h_ndis_config },
	{ NVSP_MSG4_SWITCH_DATA_PATH, "SWITCH_DATA_PATH", sizeof(struct nvsp_switch_data_path),
	  NVSP_PROTOCOL_VERSION_4, F_PRIMARY | F_INIT, h_switch_data_path },
	{ NVSP_MSG5_OID_QUERY_EX, "OID_QUERY_EX", sizeof(struct nvsp_oid_query_ex),
	  NVSP_PROTOCOL_VERSION_5, F_PRIMARY | F_INIT, h_oid_query_ex },
	{ NVSP_MSG5_SUBCHANNEL, "SUBCHANNEL", sizeof(struct nvsp_subchannel_req),
	  NVSP_PROTOCOL_VERSION_5, F_PRIMARY | F_INIT | F_READY, h_subchannel },
};

int netvsp_nvsp_packet(struct netvsp *nic, struct netvsp_queue *q,
		       const struct vmbus_pkt_desc *desc, const uint8_t *pkt, uint32_t len)
{
	uint32_t off = (uint32_t)desc->offset8 * 8u;
	struct nvsp_ctx c = { nic, q, desc, pkt, len, pkt + off, len - off };
	if (desc->type != VMBUS_PKT_DATA_INBAND && desc->type != VMBUS_PKT_DATA_USING_GPA_DIRECT) {
		nic->n_st.nvsp_bad_type++;
		return -EPROTO;
	}
	if (c.mlen < NVSP_HDR_SIZE) {
		nic->n_st.nvsp_bad_len++;
		return -EPROTO;
	}
	uint32_t type;
	memcpy(&type, c.msg, 4);
	const struct nvsp_entry *e = NULL;
	for (size_t i = 0; i < sizeof nvsp_table / sizeof nvsp_table[0]; i++)
		if (nvsp_table[i].type == type)
			e = &nvsp_table[i];
	if (!e) {
		nic->n_st.nvsp_bad_type++;
		netvsp_trace(nic, "netvsp: unknown NVSP type %u: closing", type);
		return -EPROTO;
	}
	if (c.mlen < e->min_len) {
		nic->n_st.nvsp_bad_len++;
		netvsp_trace(nic, "netvsp: short %s (%u bytes): closing", e->name, c.mlen);
		return -EPROTO;
	}
	if ((e->flags & F_PRIMARY) && q->q_idx != 0) {
		nic->n_st.nvsp_bad_state++;
		return -EPROTO;
	}
	if (((e->flags & F_INIT) && nic->n_nvsp_state == NETVSP_NVSP_NONE) ||
	    ((e->flags & F_READY) && nic->n_nvsp_state != NETVSP_NVSP_READY)) {
		nic->n_st.nvsp_bad_state++;
		nvsp_reject(nic, "not negotiated yet", type);
		if (type == NVSP_MSG1_SEND_RNDIS_PKT)
			return tx_complete(&c, NVSP_STAT_FAIL);
		return 0;
	}
	if (e->min_version && nic->n_nvsp_version < e->min_version) {
		nic->n_st.nvsp_bad_version++;
		netvsp_trace(nic, "netvsp: %s needs NVSP 0x%x (have 0x%x): closing", e->name,
			     e->min_version, nic->n_nvsp_version);
		return -EPROTO;
	}
	/* Copy the fixed part out, zero-padded, so handlers can read whole structs. */
	uint8_t local[NVSP_MSG_SIZE_V61];
	memset(local, 0, sizeof local);
	memcpy(local, c.msg, c.mlen < sizeof local ? c.mlen : sizeof local);
	c.msg = local;
	return e->handler(&c);
}
