/* icvsp.c -- the host IC framework: one message-mode pipe channel per IC,
 * framing checks on every guest packet, version negotiation, and the one
 * outstanding transaction per IC with its reply timeout. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hyperv/vmbus_guid.h"
#include "hyperv/vmbus_msg.h"
#include "sim/devices/ic/icvsp_var.h"
#include "sim/hostd/partition.h"
#include "sim/hostd/vmbs_dev.h"

#define VER(maj, min) (((uint32_t)(maj) << 16) | (uint32_t)(min))

/* Framework versions (devices.md D.3): 1.0 (WS2008), 3.0. */
static const uint32_t icvsp_frameworks[] = { VER(1, 0), VER(3, 0) };

/* ---- allocation hook ---------------------------------------------------------- */

static long icvsp_fail_after = -1;

void icvsp_alloc_fail_after(long n)
{
	icvsp_fail_after = n;
}

void *icvsp_zalloc(size_t n)
{
	if (icvsp_fail_after >= 0 && icvsp_fail_after-- == 0)
		return NULL;
	return calloc(1, n);
}

void icvsp_free(void *p)
{
	free(p);
}

char *icvsp_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = icvsp_zalloc(n);
	if (d)
		memcpy(d, s, n);
	return d;
}

/* ---- names ------------------------------------------------------------------- */

const char *icvsp_kind_name(enum icvsp_kind k)
{
	static const char *const n[] = { "heartbeat", "shutdown", "timesync", "kvp" };
	return (unsigned)k < ICVSP_KIND_COUNT ? n[k] : "?";
}

const char *icvsp_state_name(enum icvsp_state st)
{
	static const char *const n[] = { "offered", "negotiating", "ready", "failed" };
	return (unsigned)st < ICVSP_ST_COUNT ? n[st] : "?";
}

const char *icvsp_drop_name(enum icvsp_drop d)
{
	static const char *const n[] = { "pkt_type", "short", "pipe", "size", "msgtype",
					  "flags", "unexpected", "body" };
	return (unsigned)d < ICVSP_DROP_COUNT ? n[d] : "?";
}

/* ---- helpers --------------------------------------------------------------------- */

void icvsp_trace(const struct icvsp *s, const char *fmt, ...)
{
	if (!s->s_out.trace)
		return;
	char line[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	s->s_out.trace(s->s_arg, line);
}

void icvsp_kick(struct icvsp *s)
{
	if (s->s_out.kick)
		s->s_out.kick(s->s_arg);
}

uint64_t icvsp_now(const struct icvsp *s)
{
	return part_time(s->s_part);
}

bool icvsp_ready(const struct icvsp_dev *d)
{
	return d && d->d_chan && d->d_state == ICVSP_ST_READY;
}

static void dev_set_state(struct icvsp_dev *d, enum icvsp_state st)
{
	if (d->d_state == st)
		return;
	icvsp_trace(d->d_set, "ic %s: %s -> %s", d->d_ic->name, icvsp_state_name(d->d_state),
		    icvsp_state_name(st));
	d->d_state = st;
}

static void dev_drop(struct icvsp_dev *d, enum icvsp_drop why)
{
	d->d_st.drop[why]++;
	icvsp_trace(d->d_set, "ic %s: dropped guest packet (%s)", d->d_ic->name,
		    icvsp_drop_name(why));
}

/* Write d_out (d_out_len bytes) as one in-band packet.  A full ring keeps
 * it for writable(). */
static int dev_write(struct icvsp_dev *d)
{
	int rc = vmbs_chan_send_inband(d->d_chan, d->d_busy_tid, d->d_out, d->d_out_len, false);
	d->d_resend = rc == -EAGAIN;
	if (rc == 0 || rc == -EAGAIN) {
		d->d_st.sent += rc == 0;
		return 0;
	}
	d->d_st.send_errors++;
	return rc;
}

/* Build pipe header + IC header + body into d_out and send it as the
 * outstanding transaction. */
static int dev_send(struct icvsp_dev *d, uint16_t msgtype, uint32_t fw, uint32_t mv,
		    const void *body, uint32_t len)
{
	if (!d->d_chan || !vmbs_chan_is_open(d->d_chan))
		return -ENOTCONN;
	if (d->d_busy)
		return -EBUSY;
	if (len > ICVSP_MSG_MAX - VMBUS_IC_HDRS_SIZE)
		return -EMSGSIZE;
	memset(d->d_out, 0, VMBUS_IC_HDRS_SIZE);
	struct vmbus_pipe_hdr ph = { .type = VMBUS_PIPE_TYPE_DATA,
				     .len = (uint32_t)sizeof(struct vmbus_icmsg_hdr) + len };
	struct vmbus_icmsg_hdr h;
	memset(&h, 0, sizeof h);
	h.framework_ver.major = (uint16_t)(fw >> 16);
	h.framework_ver.minor = (uint16_t)fw;
	h.msgtype = msgtype;
	h.msg_ver.major = (uint16_t)(mv >> 16);
	h.msg_ver.minor = (uint16_t)mv;
	h.msgsize = (uint16_t)len;
	h.flags = VMBUS_ICMSG_FLAG_TRANSACTION | VMBUS_ICMSG_FLAG_REQUEST;
	memcpy(d->d_out, &ph, sizeof ph);
	memcpy(d->d_out + sizeof ph, &h, sizeof h);
	if (len)
		memcpy(d->d_out + VMBUS_IC_HDRS_SIZE, body, len);
	d->d_out_len = VMBUS_IC_HDRS_SIZE + len;
	if (++d->d_next_tid == 0)
		d->d_next_tid = 1;
	d->d_busy = true;
	d->d_busy_type = msgtype;
	d->d_busy_tid = d->d_next_tid;
	int rc = dev_write(d);
	if (rc) {
		d->d_busy = false;
		return rc;
	}
	if (d->d_ic->reply_timer || msgtype == VMBUS_ICMSG_NEGOTIATE)
		part_host_timer_arm(d->d_reply_timer, icvsp_now(d->d_set) + d->d_set->s_cfg.reply_timeout);
	return 0;
}

int icvsp_send_request(struct icvsp_dev *d, const void *body, uint32_t len)
{
	if (!icvsp_ready(d))
		return -ENOTCONN;
	return dev_send(d, d->d_ic->msgtype, d->d_framework, d->d_msg_version, body, len);
}

void icvsp_abandon(struct icvsp_dev *d)
{
	d->d_busy = false;
	d->d_resend = false;
	part_host_timer_cancel(d->d_reply_timer);
}

/* ---- negotiation --------------------------------------------------------------- */

static uint32_t dev_max_version(const struct icvsp_dev *d)
{
	uint32_t m = d->d_set->s_cfg.max_msg_version[d->d_kind];
	return m ? m : UINT32_MAX;
}

static uint32_t fw_max(const struct icvsp *s)
{
	return s->s_cfg.max_framework ? s->s_cfg.max_framework : UINT32_MAX;
}

static int dev_send_negotiate(struct icvsp_dev *d)
{
	uint8_t body[sizeof(struct vmbus_ic_negotiate) + 4u * (2u + ICVSP_MAX_VERSIONS)];
	struct vmbus_ic_negotiate n;
	memset(&n, 0, sizeof n);
	uint32_t off = sizeof n;
	for (unsigned i = 0; i < sizeof icvsp_frameworks / sizeof icvsp_frameworks[0]; i++) {
		if (icvsp_frameworks[i] > fw_max(d->d_set))
			continue;
		struct vmbus_ic_version v = { (uint16_t)(icvsp_frameworks[i] >> 16),
					      (uint16_t)icvsp_frameworks[i] };
		memcpy(body + off, &v, sizeof v);
		off += sizeof v;
		n.icframe_vercnt++;
	}
	for (unsigned i = 0; i < d->d_ic->nversions; i++) {
		if (d->d_ic->versions[i] > dev_max_version(d))
			continue;
		struct vmbus_ic_version v = { (uint16_t)(d->d_ic->versions[i] >> 16),
					      (uint16_t)d->d_ic->versions[i] };
		memcpy(body + off, &v, sizeof v);
		off += sizeof v;
		n.icmsg_vercnt++;
	}
	memcpy(body, &n, sizeof n);
	/* Before agreement the header carries the WS2008 versions (1.0/1.0):
	 * every guest understands them. */
	int rc = dev_send(d, VMBUS_ICMSG_NEGOTIATE, VER(1, 0), VER(1, 0), body, off);
	if (rc == 0) {
		d->d_st.negotiations++;
		dev_set_state(d, ICVSP_ST_NEGOTIATING);
		icvsp_trace(d->d_set, "ic %s: NEGOTIATE sent (%u framework, %u message versions)",
			    d->d_ic->name, n.icframe_vercnt, n.icmsg_vercnt);
	}
	return rc;
}

static bool fw_offered(const struct icvsp *s, uint32_t v)
{
	for (unsigned i = 0; i < sizeof icvsp_frameworks / sizeof icvsp_frameworks[0]; i++)
		if (icvsp_frameworks[i] == v && v <= fw_max(s))
			return true;
	return false;
}

static bool msg_offered(const struct icvsp_dev *d, uint32_t v)
{
	for (unsigned i = 0; i < d->d_ic->nversions; i++)
		if (d->d_ic->versions[i] == v && v <= dev_max_version(d))
			return true;
	return false;
}

static void dev_negotiate_failed(struct icvsp_dev *d, const char *why)
{
	d->d_st.negotiate_failures++;
	icvsp_trace(d->d_set, "ic %s: negotiation failed: %s", d->d_ic->name, why);
	dev_set_state(d, ICVSP_ST_FAILED);
}

static void dev_negotiate_reply(struct icvsp_dev *d, const struct vmbus_icmsg_hdr *h,
				const uint8_t *body, uint32_t len)
{
	(void)h;
	struct vmbus_ic_negotiate n;
	if (len < sizeof n) {
		dev_drop(d, ICVSP_DROP_BODY);
		dev_negotiate_failed(d, "reply body too short");
		return;
	}
	memcpy(&n, body, sizeof n);
	if (n.icframe_vercnt == 0 || n.icmsg_vercnt == 0) {
		dev_negotiate_failed(d, "the guest supports none of our versions");
		return;
	}
	/* The guest answers with exactly one of each (devices.md D.3). */
	if (n.icframe_vercnt != 1 || n.icmsg_vercnt != 1 ||
	    len < VMBUS_IC_NEGOTIATE_REPLY_SIZE) {
		dev_drop(d, ICVSP_DROP_BODY);
		dev_negotiate_failed(d, "reply does not carry one version of each");
		return;
	}
	struct vmbus_ic_version fw, mv;
	memcpy(&fw, body + sizeof n, sizeof fw);
	memcpy(&mv, body + sizeof n + sizeof fw, sizeof mv);
	uint32_t f = VER(fw.major, fw.minor), m = VER(mv.major, mv.minor);
	if (!fw_offered(d->d_set, f) || !msg_offered(d, m)) {
		dev_drop(d, ICVSP_DROP_BODY);
		dev_negotiate_failed(d, "the guest chose a version we did not offer");
		return;
	}
	d->d_framework = f;
	d->d_msg_version = m;
	icvsp_trace(d->d_set, "ic %s: framework %u.%u, message version %u.%u", d->d_ic->name,
		    fw.major, fw.minor, mv.major, mv.minor);
	dev_set_state(d, ICVSP_ST_READY);
	if (d->d_ic->ready)
		d->d_ic->ready(d);
	icvsp_kick(d->d_set);
}

/* ---- guest packets --------------------------------------------------------------- */

int icvsp_parse(const uint8_t *payload, uint32_t len, struct vmbus_icmsg_hdr *h,
		uint32_t *body_off, uint32_t *body_len)
{
	struct vmbus_pipe_hdr ph;
	if (len < VMBUS_IC_HDRS_SIZE)
		return ICVSP_DROP_SHORT;
	memcpy(&ph, payload, sizeof ph);
	/* The payload is padded to 8 bytes: the pipe length may be shorter
	 * than what follows, never longer. */
	if (ph.type != VMBUS_PIPE_TYPE_DATA || ph.len > len - sizeof ph ||
	    ph.len < sizeof(struct vmbus_icmsg_hdr))
		return ICVSP_DROP_PIPE;
	memcpy(h, payload + sizeof ph, sizeof *h);
	if (h->msgsize > ph.len - sizeof *h)
		return ICVSP_DROP_SIZE;
	*body_off = VMBUS_IC_HDRS_SIZE;
	*body_len = h->msgsize;
	return -1;
}

static int dev_input(struct icvsp_dev *d, const struct vmbus_pkt_desc *desc, const uint8_t *pkt,
		     uint32_t len)
{
	if (desc->type != VMBUS_PKT_DATA_INBAND) {
		dev_drop(d, ICVSP_DROP_PKT_TYPE);
		return 0;
	}
	uint32_t off = desc->offset8 * 8u;
	if (off > len) { /* the server checked; stay safe anyway */
		dev_drop(d, ICVSP_DROP_SHORT);
		return 0;
	}
	/* 'pkt' is already the server's private copy of the ring packet. */
	const uint8_t *payload = pkt + off;
	uint32_t plen = len - off;
	struct vmbus_icmsg_hdr h;
	uint32_t boff, blen;
	int why = icvsp_parse(payload, plen, &h, &boff, &blen);
	if (why >= 0) {
		dev_drop(d, (enum icvsp_drop)why);
		return 0;
	}
	/* Allow-list of message types (RELIABILITY 87). */
	if (h.msgtype != VMBUS_ICMSG_NEGOTIATE && h.msgtype != d->d_ic->msgtype) {
		dev_drop(d, ICVSP_DROP_MSGTYPE);
		return 0;
	}
	/* Replies only: TRANSACTION|RESPONSE, never REQUEST; IC tid 0. */
	if ((h.flags & (VMBUS_ICMSG_FLAG_TRANSACTION | VMBUS_ICMSG_FLAG_RESPONSE)) !=
		    (VMBUS_ICMSG_FLAG_TRANSACTION | VMBUS_ICMSG_FLAG_RESPONSE) ||
	    (h.flags & VMBUS_ICMSG_FLAG_REQUEST) || h.trans_id != 0) {
		dev_drop(d, ICVSP_DROP_FLAGS);
		return 0;
	}
	/* Exactly once: the reply must match the outstanding transaction. */
	if (!d->d_busy || d->d_resend || h.msgtype != d->d_busy_type ||
	    desc->trans_id != d->d_busy_tid) {
		dev_drop(d, ICVSP_DROP_UNEXPECTED);
		return 0;
	}
	icvsp_abandon(d);
	d->d_st.replies++;
	if (h.msgtype == VMBUS_ICMSG_NEGOTIATE) {
		if (d->d_state != ICVSP_ST_NEGOTIATING) {
			dev_drop(d, ICVSP_DROP_UNEXPECTED);
			return 0;
		}
		dev_negotiate_reply(d, &h, payload + boff, blen);
	} else if (d->d_state == ICVSP_ST_READY) {
		d->d_ic->reply(d, &h, payload + boff, blen);
	} else {
		dev_drop(d, ICVSP_DROP_UNEXPECTED);
	}
	icvsp_kick(d->d_set);
	return 0;
}

static int dev_packet(struct vmbs_chan *ch, const struct vmbus_pkt_desc *desc,
		      const uint8_t *pkt, uint32_t len)
{
	struct icvsp_dev *d = vmbs_chan_ctx(ch);
	if (d->d_orphan)
		return 0;
	return dev_input(d, desc, pkt, len);
}

int icvsp_fuzz_input(struct icvsp *s, enum icvsp_kind k, int outstanding, bool ready,
		     const struct vmbus_pkt_desc *desc, const uint8_t *pkt, uint32_t len)
{
	struct icvsp_dev *d = (unsigned)k < ICVSP_KIND_COUNT ? s->s_dev[k] : NULL;
	if (!d)
		return -EINVAL;
	d->d_state = ready ? ICVSP_ST_READY : ICVSP_ST_NEGOTIATING;
	if (ready && !d->d_msg_version) {
		d->d_framework = VER(3, 0);
		d->d_msg_version = d->d_ic->versions[d->d_ic->nversions - 1];
	}
	d->d_busy = outstanding >= 0;
	d->d_resend = false;
	d->d_busy_type = outstanding == 0 ? VMBUS_ICMSG_NEGOTIATE : d->d_ic->msgtype;
	d->d_busy_tid = desc->trans_id;
	return dev_input(d, desc, pkt, len);
}

/* ---- channel lifetime -------------------------------------------------------------- */

static int dev_open(struct vmbs_chan *ch)
{
	struct icvsp_dev *d = vmbs_chan_ctx(ch);
	if (d->d_orphan)
		return -ENODEV;
	d->d_busy = false;
	d->d_resend = false;
	d->d_framework = d->d_msg_version = 0;
	d->d_need_negotiate = true;   /* after OPEN_RESULT went out: next pump */
	d->d_st.open = true;
	dev_set_state(d, ICVSP_ST_NEGOTIATING);
	if (d->d_ic->opened)
		d->d_ic->opened(d);
	icvsp_kick(d->d_set);
	return 0;
}

static void dev_closed(struct icvsp_dev *d)
{
	icvsp_abandon(d);
	part_host_timer_cancel(d->d_tick);
	d->d_need_negotiate = false;
	d->d_st.open = false;
	if (d->d_ic->closed)
		d->d_ic->closed(d);
	dev_set_state(d, ICVSP_ST_OFFERED);
}

static void dev_close(struct vmbs_chan *ch)
{
	struct icvsp_dev *d = vmbs_chan_ctx(ch);
	if (!d->d_orphan)
		dev_closed(d);
}

static void dev_rescinded(struct vmbs_chan *ch)
{
	struct icvsp_dev *d = vmbs_chan_ctx(ch);
	if (d->d_orphan) {
		icvsp_free(d);
		return;
	}
	if (d->d_st.open)
		dev_closed(d);
	d->d_chan = NULL;
	d->d_st.offered = false;
}

static void dev_writable(struct vmbs_chan *ch)
{
	struct icvsp_dev *d = vmbs_chan_ctx(ch);
	if (d->d_orphan)
		return;
	if (d->d_busy && d->d_resend && dev_write(d) != 0)
		icvsp_abandon(d);
}

static const struct vmbs_dev_ops icvsp_dev_ops = {
	.open = dev_open,
	.packet = dev_packet,
	.close = dev_close,
	.rescinded = dev_rescinded,
	.writable = dev_writable,
};

static void dev_reply_timeout(void *arg)
{
	struct icvsp_dev *d = arg;
	if (!d->d_busy)
		return;
	uint16_t type = d->d_busy_type;
	icvsp_abandon(d);
	d->d_st.timeouts++;
	icvsp_trace(d->d_set, "ic %s: no reply to message type %u in time", d->d_ic->name, type);
	if (type == VMBUS_ICMSG_NEGOTIATE)
		d->d_need_negotiate = true; /* a slow guest gets another chance */
	else if (d->d_ic->timeout)
		d->d_ic->timeout(d);
	icvsp_kick(d->d_set);
}

/* ---- the set ---------------------------------------------------------------------------- */

static const struct icvsp_ic *const icvsp_ics[ICVSP_KIND_COUNT] = {
	&icvsp_ic_heartbeat, &icvsp_ic_shutdown, &icvsp_ic_timesync, &icvsp_ic_kvp,
};

/* Free a device.  One the guest still knows about stays registered with
 * the server until its relid is released: it becomes an orphan, its ops do
 * nothing, and rescinded() frees it. */
static void dev_free(struct icvsp_dev *d)
{
	if (!d)
		return;
	part_host_timer_destroy(d->d_reply_timer);
	part_host_timer_destroy(d->d_tick);
	d->d_reply_timer = d->d_tick = NULL;
	if (d->d_chan) {
		struct vmbs_chan *ch = d->d_chan;
		d->d_orphan = true;
		d->d_set = NULL;
		if (vmbs_dev_remove(ch) == 0)
			return; /* rescinded() frees it, now or later */
	}
	icvsp_free(d);
}

static void dev_tick(void *arg)
{
	struct icvsp_dev *d = arg;
	if (d->d_ic->tick && d->d_chan && d->d_st.open)
		d->d_ic->tick(d);
}

static int dev_create(struct icvsp *s, enum icvsp_kind k)
{
	struct icvsp_dev *d = icvsp_zalloc(sizeof *d);
	if (!d)
		return -ENOMEM;
	d->d_set = s;
	d->d_kind = k;
	d->d_ic = icvsp_ics[k];
	d->d_reply_timer = part_host_timer_create(s->s_part, dev_reply_timeout, d);
	d->d_tick = part_host_timer_create(s->s_part, dev_tick, d);
	if (!d->d_reply_timer || !d->d_tick) {
		dev_free(d);
		return -ENOMEM;
	}
	s->s_dev[k] = d;
	struct vmbs_dev_params p;
	memset(&p, 0, sizeof p);
	memcpy(&p.class_id, d->d_ic->class_id, 16);
	memcpy(&p.instance_id, d->d_ic->instance_id, 16);
	p.chan_flags = VMBUS_OFFER_FLAGS_IC_PIPE;
	p.pipe = true;
	p.pipe_mode = VMBUS_PIPE_MODE_MESSAGE;
	d->d_chan = vmbs_dev_add(s->s_vb, &p, &icvsp_dev_ops, d);
	if (!d->d_chan)
		return errno ? -errno : -ENOMEM;
	icvsp_trace(s, "ic %s: offered (relid %u)", d->d_ic->name, vmbs_chan_relid(d->d_chan));
	d->d_st.offered = true;
	return 0;
}

struct icvsp *icvsp_create(struct vmbs *vb, struct part *p, const struct icvsp_config *cfg,
			   const struct icvsp_notify *out, void *arg)
{
	if (!vb || !p) {
		errno = EINVAL;
		return NULL;
	}
	struct icvsp *s = icvsp_zalloc(sizeof *s);
	if (!s) {
		errno = ENOMEM;
		return NULL;
	}
	s->s_vb = vb;
	s->s_part = p;
	if (cfg)
		s->s_cfg = *cfg;
	if (out)
		s->s_out = *out;
	s->s_arg = arg;
	struct icvsp_config *c = &s->s_cfg;
	if (!c->hb_interval)
		c->hb_interval = ICVSP_DEFAULT_HB_INTERVAL;
	if (!c->hb_max_missed)
		c->hb_max_missed = ICVSP_DEFAULT_HB_MAX_MISSED;
	if (!c->ts_sample_interval)
		c->ts_sample_interval = ICVSP_DEFAULT_TS_INTERVAL;
	if (!c->ts_wall_base)
		c->ts_wall_base = ICVSP_DEFAULT_WALL_BASE;
	if (!c->reply_timeout)
		c->reply_timeout = ICVSP_DEFAULT_REPLY_TIMEOUT;
	s->s_hb_next_seq = c->hb_first_seq;
	const bool want[ICVSP_KIND_COUNT] = { c->heartbeat, c->shutdown, c->timesync, c->kvp };
	for (unsigned k = 0; k < ICVSP_KIND_COUNT; k++) {
		if (!want[k])
			continue;
		int rc = dev_create(s, (enum icvsp_kind)k);
		if (rc) {
			icvsp_destroy(s);
			errno = -rc;
			return NULL;
		}
	}
	return s;
}

void icvsp_destroy(struct icvsp *s)
{
	if (!s)
		return;
	for (unsigned k = 0; k < ICVSP_KIND_COUNT; k++) {
		dev_free(s->s_dev[k]);
	}
	icvsp_kvp_free_all(s);
	icvsp_free(s);
}

bool icvsp_pump(struct icvsp *s)
{
	bool did = false;
	for (unsigned k = 0; k < ICVSP_KIND_COUNT; k++) {
		struct icvsp_dev *d = s->s_dev[k];
		if (!d || !d->d_chan || !vmbs_chan_is_open(d->d_chan))
			continue;
		if (d->d_need_negotiate && !d->d_busy) {
			d->d_need_negotiate = false;
			if (dev_send_negotiate(d) == 0)
				did = true;
		}
		if (d->d_state == ICVSP_ST_READY && !d->d_busy && d->d_ic->pump && d->d_ic->pump(d))
			did = true;
	}
	return did;
}

int icvsp_get_stats(const struct icvsp *s, enum icvsp_kind k, struct icvsp_stats *out)
{
	if ((unsigned)k >= ICVSP_KIND_COUNT || !s->s_dev[k])
		return -EINVAL;
	*out = s->s_dev[k]->d_st;
	out->state = s->s_dev[k]->d_state;
	out->framework = s->s_dev[k]->d_framework;
	out->msg_version = s->s_dev[k]->d_msg_version;
	return 0;
}
