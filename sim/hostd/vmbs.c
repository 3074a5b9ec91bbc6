/* vmbs.c -- VMBus server lifetime, the channel-message dispatch table, the
 * outbound message queue, vmbs_pump and counters. */
#include "sim/hostd/vmbs_var.h"
#include "sim/hostd/vmbs_check_var.h"
#include "sim/hostd/vmbs_fault_var.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/hostd/profile.h"

/* ---- allocation hook ------------------------------------------------------ */

static long vmbs_fail_countdown = -1;

void vmbs_alloc_fail_after(long n)
{
	vmbs_fail_countdown = n < 0 ? -1 : n;
}

void *vmbs_zalloc(size_t size)
{
	if (vmbs_fail_countdown == 0)
		return NULL;
	if (vmbs_fail_countdown > 0)
		vmbs_fail_countdown--;
	return calloc(1, size ? size : 1);
}

/* Like vmbs_zalloc (and counted by the same failure hook), not zeroed: for
 * scratch buffers that are always written before they are read. */
void *vmbs_malloc(size_t size)
{
	if (vmbs_fail_countdown == 0)
		return NULL;
	if (vmbs_fail_countdown > 0)
		vmbs_fail_countdown--;
	return malloc(size ? size : 1);
}

void vmbs_free(void *ptr)
{
	free(ptr);
}

/* ---- names, traces, counters ----------------------------------------------- */

const char *vmbs_conn_state_name(enum vmbs_conn_state s)
{
	static const char *const names[] = {
		[VMBS_CONN_DISCONNECTED] = "disconnected",
		[VMBS_CONN_CONNECTED] = "connected",
		[VMBS_CONN_OFFERED] = "offered",
	};
	return (unsigned)s < VMBS_CONN_STATE_COUNT ? names[s] : "?";
}

static const char *const vmbs_rej_names[VMBS_REJ_COUNT] = {
	[VMBS_REJ_BAD_TYPE] = "bad_type",
	[VMBS_REJ_HOST_ONLY] = "host_only",
	[VMBS_REJ_SHORT] = "short",
	[VMBS_REJ_STATE] = "state",
	[VMBS_REJ_VERSION] = "version",
	[VMBS_REJ_WRONG_PORT] = "wrong_port",
	[VMBS_REJ_VERSION_REFUSED] = "version_refused",
	[VMBS_REJ_CONTACT_PARAMS] = "contact_params",
	[VMBS_REJ_OFFERS_TWICE] = "offers_twice",
	[VMBS_REJ_UNKNOWN_RELID] = "unknown_relid",
	[VMBS_REJ_GPADL_DUP] = "gpadl_dup",
	[VMBS_REJ_GPADL_CAP] = "gpadl_cap",
	[VMBS_REJ_GPADL_HEADER] = "gpadl_header",
	[VMBS_REJ_GPADL_RANGE] = "gpadl_range",
	[VMBS_REJ_GPADL_PFN] = "gpadl_pfn",
	[VMBS_REJ_GPADL_BODY_UNKNOWN] = "gpadl_body_unknown",
	[VMBS_REJ_GPADL_NOMEM] = "gpadl_nomem",
	[VMBS_REJ_TEARDOWN_UNKNOWN] = "teardown_unknown",
	[VMBS_REJ_OPEN_STATE] = "open_state",
	[VMBS_REJ_OPEN_GPADL] = "open_gpadl",
	[VMBS_REJ_OPEN_OFFSET] = "open_offset",
	[VMBS_REJ_OPEN_VP] = "open_vp",
	[VMBS_REJ_OPEN_DEVICE] = "open_device",
	[VMBS_REJ_CLOSE_NOT_OPEN] = "close_not_open",
	[VMBS_REJ_RELEASE_NOT_RESCINDED] = "release_not_rescinded",
	[VMBS_REJ_OUTQ_FULL] = "outq_full",
};

const char *vmbs_rej_name(enum vmbs_rej r)
{
	return (unsigned)r < VMBS_REJ_COUNT ? vmbs_rej_names[r] : "?";
}

void vmbs_trace(const struct vmbs *vb, const char *fmt, ...)
{
	if (!vb->vb_out.trace)
		return;
	char line[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	vb->vb_out.trace(vb->vb_arg, line);
}

void vmbs_reject(struct vmbs *vb, enum vmbs_rej why)
{
	vb->vb_st.rej[why]++;
	vmbs_trace(vb, "vmbs: drop/refuse: %s", vmbs_rej_name(why));
	VCHK_HOOK(vb, vchk_reject(vb, why));
}

void vmbs_kick(struct vmbs *vb)
{
	vb->vb_kicked = true;
	if (vb->vb_out.kick)
		vb->vb_out.kick(vb->vb_arg);
}

void vmbs_get_stats(const struct vmbs *vb, struct vmbs_stats *out)
{
	*out = vb->vb_st;
}

enum vmbs_conn_state vmbs_state(const struct vmbs *vb)
{
	return vb->vb_state;
}

uint32_t vmbs_version(const struct vmbs *vb)
{
	return vb->vb_version;
}

uint32_t vmbs_msg_vp(const struct vmbs *vb)
{
	return vb->vb_msg_vp;
}

uint32_t vmbs_gpadl_count(const struct vmbs *vb)
{
	return vb->vb_ngpadl;
}

uint32_t vmbs_outq_len(const struct vmbs *vb)
{
	return vb->vb_outq_len;
}

struct vmbs_chan *vmbs_chan_by_relid(struct vmbs *vb, uint32_t relid)
{
	return relid < VMBUS_RELID_LIMIT ? vb->vb_chan[relid] : NULL;
}

struct vmbs_chan *vmbs_chan_by_event_flag(struct vmbs *vb, uint32_t flag)
{
	/* We always use event flag == relid (OVMM's default; the 6.0
	 * guest-chosen flag is not implemented). */
	return vmbs_chan_by_relid(vb, flag);
}

/* ---- outbound messages ---------------------------------------------------------- */

/* Post the head of the queue until the SynIC refuses.  -ENOSPC is the
 * SINT queue being full (the guest is not taking messages): keep ours for
 * the next pump.  Anything else (bad VP) loses the message. */
void vmbs_outq_flush(struct vmbs *vb)
{
	if (vflt_on(vb) && vflt_outq_blocked(vb))
		return;
	while (vb->vb_outq_len) {
		struct vmbs_outmsg *om = &vb->vb_outq[vb->vb_outq_head];
		int rc = synic_post(vb->vb_part, om->om_vp, VMBUS_MESSAGE_SINT, HVMSG_VMBUS,
				    VMBUS_MESSAGE_CONNECTION_ID, om->om_buf, om->om_len);
		if (rc == -ENOSPC || rc == -ENOMEM) {
			vb->vb_st.outq_retries++;
			return;
		}
		if (rc == 0) {
			vb->vb_st.msgs_out++;
			if (vb->vb_cap_fn)
				vcap_msg(vb, VMBS_CAP_H2G, VMBUS_MESSAGE_CONNECTION_ID, om->om_vp,
					 om->om_buf, om->om_len);
		}
		vb->vb_outq_head = (vb->vb_outq_head + 1) % vb->vb_outq_cap;
		vb->vb_outq_len--;
	}
}

void vmbs_send_msg(struct vmbs *vb, const void *msg, uint32_t len)
{
	struct vmbus_msg_hdr h;
	memcpy(&h, msg, sizeof h);
	vmbs_trace(vb, "vmbs: -> type %u len %u vp %u", h.msgtype, len, vb->vb_msg_vp);
	if (vflt_on(vb) && vflt_out(vb, msg, len))
		return;
	if (vb->vb_outq_len >= vb->vb_outq_cap) {
		vmbs_reject(vb, VMBS_REJ_OUTQ_FULL);
		return;
	}
	struct vmbs_outmsg *om =
		&vb->vb_outq[(vb->vb_outq_head + vb->vb_outq_len) % vb->vb_outq_cap];
	memset(om, 0, sizeof *om);
	om->om_vp = vb->vb_msg_vp;
	om->om_len = len;
	memcpy(om->om_buf, msg, len);
	vb->vb_outq_len++;
	vmbs_outq_flush(vb);
}

/* ---- dispatch table -------------------------------------------------------------- */

#define ST(s) (1u << (s))
#define ST_ANY  (ST(VMBS_CONN_DISCONNECTED) | ST(VMBS_CONN_CONNECTED) | ST(VMBS_CONN_OFFERED))
#define ST_CONN (ST(VMBS_CONN_CONNECTED) | ST(VMBS_CONN_OFFERED))

typedef void vmbs_handler(struct vmbs *vb, const struct part_posted_msg *m, uint32_t conn);

struct vmbs_msg_entry {
	const char *name;
	uint32_t min_len;
	uint32_t states;       /* ST() mask of enum vmbs_conn_state */
	uint32_t min_version;  /* VMBUS_VERSION_*, checked once connected */
	bool host_only;        /* an H->G type: a guest sending it is dropped */
	vmbs_handler *handler; /* NULL: known but not implemented */
};

static void vmbs_h_tl_connect(struct vmbs *vb, const struct part_posted_msg *m, uint32_t conn);

/* Every guest message passes all checks here before a handler runs (the
 * handlers validate content: relids, handles, offsets). */
static const struct vmbs_msg_entry vmbs_msg_table[VMBUS_MSG_COUNT] = {
	[VMBUS_MSG_OFFERCHANNEL] = { "OFFERCHANNEL", 0, 0, 0, true, NULL },
	[VMBUS_MSG_RESCIND_CHANNELOFFER] = { "RESCIND", 0, 0, 0, true, NULL },
	[VMBUS_MSG_REQUESTOFFERS] = { "REQUESTOFFERS", sizeof(struct vmbus_msg_request_offers),
				      ST_CONN, VMBUS_VERSION_WS2008, false, vmbs_h_request_offers },
	[VMBUS_MSG_ALLOFFERS_DELIVERED] = { "ALLOFFERS_DELIVERED", 0, 0, 0, true, NULL },
	[VMBUS_MSG_OPENCHANNEL] = { "OPENCHANNEL", sizeof(struct vmbus_msg_open), ST_CONN,
				    VMBUS_VERSION_WS2008, false, vmbs_h_open },
	[VMBUS_MSG_OPENCHANNEL_RESULT] = { "OPEN_RESULT", 0, 0, 0, true, NULL },
	[VMBUS_MSG_CLOSECHANNEL] = { "CLOSECHANNEL", sizeof(struct vmbus_msg_close), ST_CONN,
				     VMBUS_VERSION_WS2008, false, vmbs_h_close },
	[VMBUS_MSG_GPADL_HEADER] = { "GPADL_HEADER", sizeof(struct vmbus_msg_gpadl_header),
				     ST_CONN, VMBUS_VERSION_WS2008, false, vmbs_h_gpadl_header },
	[VMBUS_MSG_GPADL_BODY] = { "GPADL_BODY", sizeof(struct vmbus_msg_gpadl_body), ST_CONN,
				   VMBUS_VERSION_WS2008, false, vmbs_h_gpadl_body },
	[VMBUS_MSG_GPADL_CREATED] = { "GPADL_CREATED", 0, 0, 0, true, NULL },
	[VMBUS_MSG_GPADL_TEARDOWN] = { "GPADL_TEARDOWN", sizeof(struct vmbus_msg_gpadl_teardown),
				       ST_CONN, VMBUS_VERSION_WS2008, false, vmbs_h_gpadl_teardown },
	[VMBUS_MSG_GPADL_TORNDOWN] = { "GPADL_TORNDOWN", 0, 0, 0, true, NULL },
	[VMBUS_MSG_RELID_RELEASED] = { "RELID_RELEASED", sizeof(struct vmbus_msg_relid_released),
				       ST_CONN, VMBUS_VERSION_WS2008, false, vmbs_h_relid_released },
	[VMBUS_MSG_INITIATE_CONTACT] = { "INITIATE_CONTACT",
					 sizeof(struct vmbus_msg_initiate_contact), ST_ANY, 0, false,
					 vmbs_h_initiate_contact },
	[VMBUS_MSG_VERSION_RESPONSE] = { "VERSION_RESPONSE", 0, 0, 0, true, NULL },
	[VMBUS_MSG_UNLOAD] = { "UNLOAD", sizeof(struct vmbus_msg_unload), ST_CONN,
			       VMBUS_VERSION_WS2008, false, vmbs_h_unload },
	[VMBUS_MSG_UNLOAD_RESPONSE] = { "UNLOAD_RESPONSE", 0, 0, 0, true, NULL },
	/* Reserved channels (hv_sock's kernel debugger transport): not offered. */
	[VMBUS_MSG_OPEN_RESERVED_CHANNEL] = { "OPEN_RESERVED_CHANNEL",
					      sizeof(struct vmbus_msg_open_reserved), ST_CONN,
					      VMBUS_VERSION_WIN10, false, NULL },
	[VMBUS_MSG_CLOSE_RESERVED_CHANNEL] = { "CLOSE_RESERVED_CHANNEL",
					       sizeof(struct vmbus_msg_close_reserved), ST_CONN,
					       VMBUS_VERSION_WIN10, false, NULL },
	[VMBUS_MSG_CLOSE_RESERVED_RESPONSE] = { "CLOSE_RESERVED_RESPONSE", 0, 0, 0, true, NULL },
	[VMBUS_MSG_TL_CONNECT_REQUEST] = { "TL_CONNECT_REQUEST",
					   sizeof(struct vmbus_msg_tl_connect_request), ST_CONN,
					   VMBUS_VERSION_WIN10, false, vmbs_h_tl_connect },
	[VMBUS_MSG_MODIFYCHANNEL] = { "MODIFYCHANNEL", sizeof(struct vmbus_msg_modify_channel),
				      ST_CONN, VMBUS_VERSION_WIN10_V4_1, false, vmbs_h_modify },
	[VMBUS_MSG_TL_CONNECT_RESULT] = { "TL_CONNECT_RESULT", 0, 0, 0, true, NULL },
	[VMBUS_MSG_MODIFYCHANNEL_RESPONSE] = { "MODIFYCHANNEL_RESPONSE", 0, 0, 0, true, NULL },
	/* 25-29 need 6.0 feature flags; we negotiate at most 5.3. */
	[VMBUS_MSG_MODIFY_CONNECTION] = { "MODIFY_CONNECTION",
					  sizeof(struct vmbus_msg_modify_connection), ST_CONN,
					  VMBUS_VERSION_WIN10_V6_0, false, NULL },
	[VMBUS_MSG_MODIFY_CONNECTION_RESPONSE] = { "MODIFY_CONNECTION_RESPONSE", 0, 0, 0, true,
						   NULL },
	[VMBUS_MSG_PAUSE] = { "PAUSE", sizeof(struct vmbus_msg_pause), ST_CONN,
			      VMBUS_VERSION_WIN10_V6_0, false, NULL },
	[VMBUS_MSG_PAUSE_RESPONSE] = { "PAUSE_RESPONSE", 0, 0, 0, true, NULL },
	[VMBUS_MSG_RESUME] = { "RESUME", sizeof(struct vmbus_msg_resume), ST_CONN,
			       VMBUS_VERSION_WIN10_V6_0, false, NULL },
};

/* hv_sock is not offered: refuse every connect so the guest's connect()
 * fails instead of waiting.  The result message exists from 4.1; at 4.0
 * the request is just dropped (nothing to answer with). */
static void vmbs_h_tl_connect(struct vmbs *vb, const struct part_posted_msg *m, uint32_t conn)
{
	(void)conn;
	struct vmbus_msg_tl_connect_request req;
	memcpy(&req, m->payload, sizeof req);
	if (vb->vb_version < VMBUS_VERSION_WIN10_V4_1)
		return;
	struct vmbus_msg_tl_connect_result res;
	memset(&res, 0, sizeof res);
	res.hdr.msgtype = VMBUS_MSG_TL_CONNECT_RESULT;
	res.guest_endpoint_id = req.guest_endpoint_id;
	res.host_service_id = req.host_service_id;
	res.status = (int32_t)VMBUS_STATUS_CONNECTION_REFUSED;
	vmbs_send_msg(vb, &res, sizeof res);
}

/* One message copied out of a port: table checks, then the handler. */
static void vmbs_dispatch(struct vmbs *vb, const struct part_posted_msg *m, uint32_t conn)
{
	if (vflt_on(vb) && vflt_in(vb, m, conn, vmbs_dispatch))
		return;
	vb->vb_st.msgs_in++;
	if (vb->vb_cap_fn)
		vcap_msg(vb, VMBS_CAP_G2H, conn, m->vp, m->payload,
			 m->payload_size < sizeof m->payload ? m->payload_size : sizeof m->payload);
	VCHK_HOOK(vb, vchk_msg_in(vb, m));
	if (m->message_type != HVMSG_VMBUS || m->payload_size < sizeof(struct vmbus_msg_hdr)) {
		vmbs_reject(vb, m->message_type != HVMSG_VMBUS ? VMBS_REJ_BAD_TYPE : VMBS_REJ_SHORT);
		return;
	}
	struct vmbus_msg_hdr h;
	memcpy(&h, m->payload, sizeof h);
	if (h.msgtype == VMBUS_MSG_INVALID || h.msgtype >= VMBUS_MSG_COUNT) {
		vmbs_reject(vb, VMBS_REJ_BAD_TYPE);
		return;
	}
	const struct vmbs_msg_entry *e = &vmbs_msg_table[h.msgtype];
	vmbs_trace(vb, "vmbs: <- %s len %u conn %u", e->name, m->payload_size, conn);
	if (e->host_only) {
		vmbs_reject(vb, VMBS_REJ_HOST_ONLY);
		return;
	}
	if (!e->handler) {
		vmbs_reject(vb, VMBS_REJ_BAD_TYPE);
		return;
	}
	if (m->payload_size < e->min_len) {
		vmbs_reject(vb, VMBS_REJ_SHORT);
		return;
	}
	if (!(e->states & ST(vb->vb_state))) {
		vmbs_reject(vb, VMBS_REJ_STATE);
		return;
	}
	if (vb->vb_state != VMBS_CONN_DISCONNECTED && vb->vb_version < e->min_version) {
		vmbs_reject(vb, VMBS_REJ_VERSION);
		return;
	}
	/* Connection 4 exists for INITIATE_CONTACT (5.0+); everything after
	 * goes to the id we returned (1). */
	if (conn == VMBUS_MESSAGE_CONNECTION_ID_4 && h.msgtype != VMBUS_MSG_INITIATE_CONTACT) {
		vmbs_reject(vb, VMBS_REJ_WRONG_PORT);
		return;
	}
	vb->vb_st.accepted[h.msgtype]++;
	e->handler(vb, m, conn);
}

/* ---- ports ------------------------------------------------------------------------ */

static void vmbs_port_ready(void *arg)
{
	vmbs_kick(arg);
}

/* 0.13: guest->host signals share connection 2 flag 0; the interrupt
 * page's second half says which channels. */
static void vmbs_legacy_event(void *arg, uint32_t vp, uint16_t flag)
{
	(void)vp;
	(void)flag;
	struct vmbs *vb = arg;
	vb->vb_legacy_signal = true;
	vmbs_kick(vb);
}

struct vmbs *vmbs_create(struct part *p, struct gmem *gm, const struct vmbs_config *cfg,
			 const struct vmbs_notify *out, void *arg)
{
	struct vmbs_config c = { 0 };
	if (cfg)
		c = *cfg;
	if (!c.max_channels)
		c.max_channels = VMBS_DEFAULT_MAX_CHANNELS;
	if (!c.max_gpadls)
		c.max_gpadls = VMBS_DEFAULT_MAX_GPADLS;
	if (!p || !gm || c.max_channels > VMBS_MAX_CHANNELS_LIMIT || !part_profile(p)) {
		errno = EINVAL;
		return NULL;
	}
	struct vmbs *vb = vmbs_zalloc(sizeof *vb);
	if (!vb)
		goto fail_nomem;
	vb->vb_part = p;
	vb->vb_gm = gm;
	vb->vb_prof = part_profile(p);
	vb->vb_ceiling = vb->vb_prof->vmbus_max_version;
	vb->vb_nvcpus = part_nvcpus(p);
	vb->vb_cfg = c;
	if (out)
		vb->vb_out = *out;
	vb->vb_arg = arg;
	vb->vb_outq_cap = c.max_channels + VMBS_OUTQ_SLACK;
	vb->vb_outq = vmbs_zalloc(sizeof *vb->vb_outq * vb->vb_outq_cap);
	if (!vb->vb_outq)
		goto fail_vb;
	int rc = part_msg_port_add(p, VMBUS_MESSAGE_CONNECTION_ID, vmbs_port_ready, vb);
	if (rc)
		goto fail_ports;
	vb->vb_port1 = true;
	if (vb->vb_ceiling >= VMBUS_VERSION_WIN10_V5) {
		rc = part_msg_port_add(p, VMBUS_MESSAGE_CONNECTION_ID_4, vmbs_port_ready, vb);
		if (rc)
			goto fail_ports;
		vb->vb_port4 = true;
	}
	rc = part_event_port_add(p, VMBUS_EVENT_CONNECTION_ID, 1, vmbs_legacy_event, vb);
	if (rc)
		goto fail_ports;
	vb->vb_port2 = true;
	return vb;

fail_ports:
	if (vb->vb_port1)
		part_port_remove(p, VMBUS_MESSAGE_CONNECTION_ID);
	if (vb->vb_port4)
		part_port_remove(p, VMBUS_MESSAGE_CONNECTION_ID_4);
	vmbs_free(vb->vb_outq);
	vmbs_free(vb);
	errno = rc == -ENOMEM ? ENOMEM : EEXIST;
	return NULL;
fail_vb:
	vmbs_free(vb);
fail_nomem:
	errno = ENOMEM;
	return NULL;
}

void vmbs_destroy(struct vmbs *vb)
{
	if (!vb)
		return;
	vmbs_bus_reset(vb);
	/* What is left are primaries of live devices. */
	for (uint32_t r = 1; r < VMBUS_RELID_LIMIT; r++)
		if (vb->vb_chan[r])
			vmbs_chan_free(vb->vb_chan[r]);
	if (vb->vb_port1)
		part_port_remove(vb->vb_part, VMBUS_MESSAGE_CONNECTION_ID);
	if (vb->vb_port4)
		part_port_remove(vb->vb_part, VMBUS_MESSAGE_CONNECTION_ID_4);
	if (vb->vb_port2)
		part_port_remove(vb->vb_part, VMBUS_EVENT_CONNECTION_ID);
	vmbs_free(vb->vb_outq);
	vchk_destroy(vb);
	vflt_destroy(vb);
	vmbs_free(vb);
}

/* ---- the pump ----------------------------------------------------------------------- */

static void vmbs_drain_port(struct vmbs *vb, uint32_t conn)
{
	struct part_posted_msg m;
	/* Bounded: a port holds at most PART_PORT_QUEUE_DEPTH, and nothing
	 * in here posts guest messages. */
	for (unsigned i = 0; i < PART_PORT_QUEUE_DEPTH; i++) {
		if (part_port_recv(vb->vb_part, conn, &m) != 0)
			return;
		vmbs_dispatch(vb, &m, conn);
	}
}

bool vmbs_pump(struct vmbs *vb)
{
	vb->vb_kicked = false;
	if (vflt_on(vb))
		vflt_pump(vb, vmbs_dispatch);
	if (vb->vb_port4)
		vmbs_drain_port(vb, VMBUS_MESSAGE_CONNECTION_ID_4);
	vmbs_drain_port(vb, VMBUS_MESSAGE_CONNECTION_ID);
	if (vb->vb_legacy_signal) {
		vb->vb_legacy_signal = false;
		vmbs_legacy_poll(vb);
	}
	vmbs_monitor_poll(vb);

	bool more = false;
	/* Only channels set pending bits, so none lies past vb_relid_end. */
	for (uint32_t w = 0; w < (vb->vb_relid_end + 63) / 64; w++) {
		uint64_t bits = vb->vb_pending[w];
		vb->vb_pending[w] = 0;
		while (bits) {
			uint32_t relid = w * 64 + (uint32_t)__builtin_ctzll(bits);
			bits &= bits - 1;
			struct vmbs_chan *ch = vb->vb_chan[relid];
			if (!ch)
				continue;
			ch->ch_pending = false;
			if (vmbs_chan_process(ch)) {
				vmbs_chan_mark(ch);
				more = true;
			}
		}
	}
	vmbs_outq_flush(vb);
	if (part_port_queued(vb->vb_part, VMBUS_MESSAGE_CONNECTION_ID) > 0)
		more = true;
	return more || vb->vb_kicked;
}
