/* netvsp_rndis.c -- RNDIS intake (a buffer of one control message or several
 * PACKET_MSGs), control replies (INITIALIZE, QUERY, SET, RESET, KEEPALIVE)
 * queued for receive-buffer sections under a byte cap, status indications. */
#include <errno.h>
#include <string.h>

#include "sim/devices/netvsp/netvsp_var.h"

/* ---- control reply queue ------------------------------------------------------ */

int netvsp_ctrl_enqueue(struct netvsp *nic, const void *msg, uint32_t len)
{
	if (len > NETVSP_CTRL_QUEUE_BYTES - nic->n_ctrl_bytes)
		return -ENOBUFS;
	struct netvsp_ctrl *c = netvsp_zalloc(sizeof *c + len);
	if (!c)
		return -ENOMEM;
	memcpy(c->c_msg, msg, len);
	c->c_len = len;
	if (nic->n_ctrl_tail)
		nic->n_ctrl_tail->c_next = c;
	else
		nic->n_ctrl_head = c;
	nic->n_ctrl_tail = c;
	nic->n_ctrl_bytes += len;
	if (nic->n_ctrl_bytes > nic->n_st.ctrl_queued_max)
		nic->n_st.ctrl_queued_max = nic->n_ctrl_bytes;
	netvsp_ctrl_flush(nic);
	return 0;
}

static void ctrl_pop(struct netvsp *nic)
{
	struct netvsp_ctrl *c = nic->n_ctrl_head;
	nic->n_ctrl_head = c->c_next;
	if (!nic->n_ctrl_head)
		nic->n_ctrl_tail = NULL;
	nic->n_ctrl_bytes -= c->c_len;
	netvsp_free(c);
}

void netvsp_ctrl_flush(struct netvsp *nic)
{
	struct netvsp_queue *q = &nic->n_q[0];
	while (nic->n_ctrl_head && q->q_open) {
		struct netvsp_ctrl *c = nic->n_ctrl_head;
		int rc = netvsp_rx_send(nic, q, NVSP_CHANNEL_TYPE_CONTROL, c->c_msg, c->c_len,
					NULL, 0, true);
		if (rc == -ENOBUFS || rc == -EAGAIN)
			return;  /* a returned section or writable() retries */
		ctrl_pop(nic);
	}
}

void netvsp_ctrl_drop_all(struct netvsp *nic)
{
	while (nic->n_ctrl_head)
		ctrl_pop(nic);
}

/* ---- status indications -------------------------------------------------------- */

int netvsp_indicate(struct netvsp *nic, uint32_t status, const void *buf, uint32_t len)
{
	uint8_t msg[sizeof(struct rndis_indicate_status) + 64];
	if (len > 64)
		return -EINVAL;
	struct rndis_indicate_status m = { .hdr = { RNDIS_MSG_INDICATE,
		(uint32_t)sizeof m + len }, .status = status, .status_buf_len = len,
		.status_buf_offset = len ? (uint32_t)sizeof m - RNDIS_OFFSET_BASE : 0 };
	/* NOTE: hosts before the "Fe" vSwitch left the status buffer out of
	 * msg_len; the transfer range still covers it (devices.md B.6). */
	if (nic->n_legacy_status && status == RNDIS_STATUS_LINK_SPEED_CHANGE)
		m.hdr.msg_len = (uint32_t)sizeof m;
	memcpy(msg, &m, sizeof m);
	if (len)
		memcpy(msg + sizeof m, buf, len);
	nic->n_st.indications++;
	netvsp_trace(nic, "netvsp: indicate status 0x%08x", status);
	return netvsp_ctrl_enqueue(nic, msg, (uint32_t)sizeof m + len);
}

/* ---- control messages ------------------------------------------------------------ */

static int reply_init(struct netvsp *nic, const uint8_t *msg)
{
	struct rndis_init_req r;
	memcpy(&r, msg, sizeof r);
	struct rndis_init_comp c = { .hdr = { RNDIS_MSG_INIT_C, sizeof c },
		.request_id = r.request_id, .status = RNDIS_STATUS_SUCCESS,
		.major = RNDIS_MAJOR_VERSION, .minor = RNDIS_MINOR_VERSION,
		.dev_flags = RNDIS_DF_CONNECTIONLESS, .medium = RNDIS_MEDIUM_802_3,
		.max_pkts_per_msg = RNDIS_HOST_MAX_PKTS_PER_MSG,
		.max_xfer_size = RNDIS_HOST_MAX_XFER_SIZE,
		.pkt_align_factor = RNDIS_HOST_PKT_ALIGN_FACTOR };
	/* max_xfer_size from the guest is advisory: nothing is sized from it. */
	if (r.major != RNDIS_MAJOR_VERSION)
		c.status = RNDIS_STATUS_BAD_VERSION;
	else
		netvsp_rndis_set_state(nic, NETVSP_RNDIS_READY);
	return netvsp_ctrl_enqueue(nic, &c, sizeof c);
}

/* The info buffer of a QUERY/SET: 0 and its bounds, or -EINVAL. */
static int info_buf(const uint8_t *msg, uint32_t msg_len, const uint8_t **buf, uint32_t *len)
{
	struct rndis_query_req r;
	memcpy(&r, msg, sizeof r);
	*buf = NULL;
	*len = 0;
	if (r.info_buf_len == 0)
		return 0;
	uint64_t off = (uint64_t)RNDIS_OFFSET_BASE + r.info_buf_offset;
	if (off > msg_len || r.info_buf_len > msg_len - off)
		return -EINVAL;
	*buf = msg + off;
	*len = r.info_buf_len;
	return 0;
}

static int reply_query(struct netvsp *nic, const uint8_t *msg, uint32_t msg_len)
{
	struct rndis_query_req r;
	memcpy(&r, msg, sizeof r);
	uint8_t out[NETVSP_CTRL_MSG_MAX];
	struct rndis_query_comp c = { .hdr = { RNDIS_MSG_QUERY_C, sizeof c },
		.request_id = r.request_id };
	const uint8_t *in;
	uint32_t inlen, outlen = 0;
	if (info_buf(msg, msg_len, &in, &inlen))
		c.status = RNDIS_STATUS_INVALID_DATA;
	else
		c.status = netvsp_oid_query(nic, r.oid, in, inlen, out + sizeof c,
					    (uint32_t)sizeof out - (uint32_t)sizeof c, &outlen);
	if (c.status != RNDIS_STATUS_SUCCESS)
		outlen = 0;
	c.info_buf_len = outlen;
	c.info_buf_offset = outlen ? (uint32_t)sizeof c - RNDIS_OFFSET_BASE : 0;
	c.hdr.msg_len = (uint32_t)sizeof c + outlen;
	memcpy(out, &c, sizeof c);
	return netvsp_ctrl_enqueue(nic, out, c.hdr.msg_len);
}

static int reply_set(struct netvsp *nic, const uint8_t *msg, uint32_t msg_len)
{
	struct rndis_set_req r;
	memcpy(&r, msg, sizeof r);
	struct rndis_set_comp c = { .hdr = { RNDIS_MSG_SET_C, sizeof c },
		.request_id = r.request_id };
	const uint8_t *in;
	uint32_t inlen;
	if (info_buf(msg, msg_len, &in, &inlen))
		c.status = RNDIS_STATUS_INVALID_DATA;
	else
		c.status = netvsp_oid_set(nic, r.oid, in, inlen);
	return netvsp_ctrl_enqueue(nic, &c, sizeof c);
}

static int control_msg(struct netvsp *nic, uint32_t type, const uint8_t *msg, uint32_t msg_len)
{
	static const struct { uint32_t type; uint32_t min; } mins[] = {
		{ RNDIS_MSG_INIT, sizeof(struct rndis_init_req) },
		{ RNDIS_MSG_HALT, sizeof(struct rndis_halt_req) },
		{ RNDIS_MSG_QUERY, sizeof(struct rndis_query_req) },
		{ RNDIS_MSG_SET, sizeof(struct rndis_set_req) },
		{ RNDIS_MSG_RESET, sizeof(struct rndis_reset_req) },
		{ RNDIS_MSG_KEEPALIVE, sizeof(struct rndis_keepalive_req) },
	};
	uint32_t min = 0;
	for (size_t i = 0; i < sizeof mins / sizeof mins[0]; i++)
		if (mins[i].type == type)
			min = mins[i].min;
	if (!min) {
		nic->n_st.rndis_dropped++;
		netvsp_trace(nic, "netvsp: RNDIS message 0x%x dropped", type);
		return 0;
	}
	if (msg_len < min) {
		nic->n_st.rndis_bad++;
		netvsp_trace(nic, "netvsp: RNDIS 0x%x shorter than its fields: closing", type);
		return -EPROTO;
	}
	if (type == RNDIS_MSG_INIT)
		return reply_init(nic, msg);
	if (nic->n_rndis_state != NETVSP_RNDIS_READY) {
		nic->n_st.rndis_dropped++;
		return 0;
	}
	switch (type) {
	case RNDIS_MSG_HALT:
		netvsp_rndis_set_state(nic, NETVSP_RNDIS_HALTED);
		return 0;
	case RNDIS_MSG_QUERY:
		return reply_query(nic, msg, msg_len);
	case RNDIS_MSG_SET:
		return reply_set(nic, msg, msg_len);
	case RNDIS_MSG_RESET: {
		struct rndis_reset_comp c = { .hdr = { RNDIS_MSG_RESET_C, sizeof c },
					      .status = RNDIS_STATUS_SUCCESS, .addressing_reset = 0 };
		return netvsp_ctrl_enqueue(nic, &c, sizeof c);
	}
	default: { /* KEEPALIVE */
		struct rndis_keepalive_req r;
		memcpy(&r, msg, sizeof r);
		struct rndis_set_comp c = { .hdr = { RNDIS_MSG_KEEPALIVE_C, sizeof c },
					    .request_id = r.request_id, .status = RNDIS_STATUS_SUCCESS };
		return netvsp_ctrl_enqueue(nic, &c, sizeof c);
	}
	}
}

/* ---- intake ------------------------------------------------------------------------ */

int netvsp_rndis_input(struct netvsp *nic, struct netvsp_queue *q, uint8_t *buf, uint32_t len)
{
	uint32_t off = 0;
	bool saw_packet = false;
	while (off < len) {
		uint32_t rem = len - off;
		struct rndis_msg_hdr h;
		if (rem < sizeof h) {
			nic->n_st.rndis_bad++;
			netvsp_trace(nic, "netvsp: %u junk bytes after RNDIS messages: closing", rem);
			return -EPROTO;
		}
		memcpy(&h, buf + off, sizeof h);
		if (h.msg_len < sizeof h || h.msg_len > rem) {
			nic->n_st.rndis_bad++;
			netvsp_trace(nic, "netvsp: RNDIS msg_len %u outside 8..%u: closing",
				     h.msg_len, rem);
			return -EPROTO;
		}
		if (h.type != RNDIS_MSG_PACKET) {
			if (saw_packet) {
				nic->n_st.rndis_bad++;
				netvsp_trace(nic, "netvsp: RNDIS 0x%x after a packet: closing", h.type);
				return -EPROTO;
			}
			if (q->q_idx != 0) {
				nic->n_st.rndis_bad++;
				return -EPROTO;
			}
			/* One control message per buffer; padding after it is ignored. */
			return control_msg(nic, h.type, buf + off, h.msg_len);
		}
		saw_packet = true;
		if (h.msg_len < sizeof(struct rndis_packet)) {
			nic->n_st.rndis_bad++;
			netvsp_trace(nic, "netvsp: RNDIS packet shorter than its header: closing");
			return -EPROTO;
		}
		if (nic->n_rndis_state != NETVSP_RNDIS_READY) {
			nic->n_st.rndis_dropped++;
		} else {
			(void)netvsp_tx_packet(nic, buf + off, h.msg_len);
		}
		off += h.msg_len;
	}
	return 0;
}
