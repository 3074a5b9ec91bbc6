/* storvsp.c -- the storvsp controller: VMBus device ops, the VSTOR
 * operation table (state and size checks before any handler), the init
 * handshake, sub-channels, LUN hot add/remove and polling. */
#include "sim/devices/storvsp/storvsp_var.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const struct vmbus_guid stvsp_default_instance = { {
	0x5a, 0x11, 0x5c, 0x5c, 0x00, 0x00, 0x53, 0x48,
	0x56, 0x53, 0x49, 0x4d, 0x00, 0x00, 0x00, 0x01,
} };

static bool stvsp_version_ok(uint16_t v, uint16_t ceiling)
{
	switch (v) {
	case VSTOR_VERSION_WIN6:
	case VSTOR_VERSION_WIN7:
	case VSTOR_VERSION_WIN8:
	case VSTOR_VERSION_WIN8_1:
	case VSTOR_VERSION_WIN10:
		return v <= ceiling;
	default:
		return false;
	}
}

static uint32_t stvsp_pkt_size(uint16_t version)
{
	return version >= VSTOR_VERSION_WIN8 ? VSTOR_PACKET_SIZE_WIN8 : VSTOR_PACKET_SIZE_WIN7;
}

/* A reply of 'size' bytes (zeroed; rule 9) with the given payload. */
int stvsp_send_reply(struct stvsp_chan *c, uint64_t tid, uint32_t status, const void *payload,
		     uint32_t plen, uint32_t size)
{
	struct vstor_packet p;

	memset(&p, 0, sizeof(p));
	p.operation = VSTOR_OP_COMPLETE_IO;
	p.status = status;
	if (plen)
		memcpy(&p.u, payload, plen);
	c->c_sv->s_stats.completions++;
	return vmbs_chan_send_completion(c->c_ch, tid, &p, size);
}

/* ---- control operations --------------------------------------------------- */

struct stvsp_ctx {
	struct stvsp_chan *c;
	const struct vmbus_pkt_desc *d;
	const uint8_t *pkt;
	uint32_t len;
	const struct vstor_packet *vp;   /* private copy, zero-padded to 64 */
	uint32_t plen;                   /* bytes of the request actually sent */
	uint32_t rsize;                  /* reply size */
};

static int stvsp_op_begin(struct stvsp_ctx *x)
{
	x->c->c_state = STVSP_WAIT_VERSION;
	return stvsp_send_reply(x->c, x->d->trans_id, VSTOR_STATUS_SUCCESS, NULL, 0, x->rsize);
}

static int stvsp_op_version(struct stvsp_ctx *x)
{
	struct stvsp_chan *c = x->c;
	struct storvsp *sv = c->c_sv;
	uint16_t v = x->vp->u.version.major_minor;

	if (!stvsp_version_ok(v, sv->s_cfg.vstor_max_version))
		/* openvmm: stay in the version-query state. */
		return stvsp_send_reply(c, x->d->trans_id, VSTOR_STATUS_REVISION_MISMATCH,
					&x->vp->u.version, sizeof(x->vp->u.version), x->rsize);
	c->c_version = v;
	c->c_pkt_size = stvsp_pkt_size(v);
	c->c_state = STVSP_VERSIONED;
	sv->s_stats.version = v;
	sv->s_stats.pkt_size = c->c_pkt_size;
	return stvsp_send_reply(c, x->d->trans_id, VSTOR_STATUS_SUCCESS, &x->vp->u.version,
				sizeof(x->vp->u.version), x->rsize);
}

static int stvsp_op_properties(struct stvsp_ctx *x)
{
	struct storvsp *sv = x->c->c_sv;
	struct vstor_channel_props pr;

	memset(&pr, 0, sizeof(pr));
	if (x->c->c_version >= VSTOR_VERSION_WIN8 && sv->s_cfg.max_subchannels) {
		pr.max_channel_count = sv->s_cfg.max_subchannels;
		pr.flags = VSTOR_PROP_FLAG_MULTI_CHANNEL;
	}
	pr.max_transfer_bytes = sv->s_cfg.max_transfer_bytes;
	return stvsp_send_reply(x->c, x->d->trans_id, VSTOR_STATUS_SUCCESS, &pr, sizeof(pr), x->rsize);
}

static int stvsp_op_end(struct stvsp_ctx *x)
{
	x->c->c_state = STVSP_READY;
	return stvsp_send_reply(x->c, x->d->trans_id, VSTOR_STATUS_SUCCESS, NULL, 0, x->rsize);
}

/* RELIABILITY #82: more than advertised, on a sub-channel, or twice. */
static int stvsp_op_subchannels(struct stvsp_ctx *x)
{
	struct stvsp_chan *c = x->c;
	struct storvsp *sv = c->c_sv;
	uint16_t n = x->vp->u.sub_channel_count;
	int rc;

	if (vmbs_chan_subidx(c->c_ch) != 0 || sv->s_subch_created ||
	    c->c_version < VSTOR_VERSION_WIN8)
		return stvsp_send_reply(c, x->d->trans_id, VSTOR_STATUS_INVALID_DEVICE_STATE, NULL, 0,
					x->rsize);
	if (n == 0 || n > sv->s_cfg.max_subchannels)
		return stvsp_send_reply(c, x->d->trans_id, VSTOR_STATUS_INVALID_PARAMETER, NULL, 0,
					x->rsize);
	sv->s_subch_created = true;
	rc = stvsp_send_reply(c, x->d->trans_id, VSTOR_STATUS_SUCCESS, NULL, 0, x->rsize);
	if (rc < 0)
		return rc;
	rc = vmbs_chan_offer_subchannels(c->c_ch, n);
	if (rc > 0)
		sv->s_stats.subchannels = (uint16_t)(sv->s_stats.subchannels + rc);
	return 0;
}

/* Resets: nothing is queued inside the host beyond the back end, which
 * finishes every accepted request exactly once on its own (RELIABILITY #83). */
static int stvsp_op_reset(struct stvsp_ctx *x)
{
	return stvsp_send_reply(x->c, x->d->trans_id, VSTOR_STATUS_SUCCESS, NULL, 0, x->rsize);
}

static int stvsp_op_srb(struct stvsp_ctx *x)
{
	return stvsp_execute_srb(x->c, x->d, x->pkt, x->len, x->vp, x->plen);
}

#define ST_BIT(s) (1u << (s))

struct stvsp_op_ent {
	const char *name;
	uint32_t op;
	uint32_t min_len;        /* bytes of payload the operation needs */
	uint32_t states;         /* ST_BIT(enum stvsp_state) */
	int (*handler)(struct stvsp_ctx *x);
};

static const struct stvsp_op_ent stvsp_ops_table[] = {
	{ "BEGIN_INITIALIZATION", VSTOR_OP_BEGIN_INITIALIZATION, VSTOR_PACKET_HDR_SIZE,
	  ST_BIT(STVSP_WAIT_BEGIN), stvsp_op_begin },
	{ "QUERY_PROTOCOL_VERSION", VSTOR_OP_QUERY_PROTOCOL_VERSION, VSTOR_PACKET_HDR_SIZE + 4,
	  ST_BIT(STVSP_WAIT_VERSION), stvsp_op_version },
	{ "QUERY_PROPERTIES", VSTOR_OP_QUERY_PROPERTIES, VSTOR_PACKET_HDR_SIZE,
	  ST_BIT(STVSP_VERSIONED), stvsp_op_properties },
	{ "END_INITIALIZATION", VSTOR_OP_END_INITIALIZATION, VSTOR_PACKET_HDR_SIZE,
	  ST_BIT(STVSP_VERSIONED), stvsp_op_end },
	{ "CREATE_SUB_CHANNELS", VSTOR_OP_CREATE_SUB_CHANNELS, VSTOR_PACKET_HDR_SIZE + 2,
	  ST_BIT(STVSP_VERSIONED) | ST_BIT(STVSP_READY), stvsp_op_subchannels },
	{ "EXECUTE_SRB", VSTOR_OP_EXECUTE_SRB, VSTOR_PACKET_SIZE_WIN7,
	  ST_BIT(STVSP_READY), stvsp_op_srb },
	{ "RESET_LUN", VSTOR_OP_RESET_LUN, VSTOR_PACKET_HDR_SIZE, ST_BIT(STVSP_READY), stvsp_op_reset },
	{ "RESET_BUS", VSTOR_OP_RESET_BUS, VSTOR_PACKET_HDR_SIZE, ST_BIT(STVSP_READY), stvsp_op_reset },
	{ "RESET_ADAPTER", VSTOR_OP_RESET_ADAPTER, VSTOR_PACKET_HDR_SIZE, ST_BIT(STVSP_READY),
	  stvsp_op_reset },
};

static int stvsp_packet(struct vmbs_chan *ch, const struct vmbus_pkt_desc *d, const uint8_t *pkt,
			uint32_t len)
{
	struct stvsp_chan *c = vmbs_chan_priv(ch);
	struct storvsp *sv = c->c_sv;
	uint32_t off = (uint32_t)d->offset8 * 8u;
	struct vstor_packet vp;
	struct stvsp_ctx x;
	uint32_t plen;

	sv->s_stats.requests++;
	if (d->type == VMBUS_PKT_COMP)
		return 0;  /* completions of our ENUMERATE_BUS: none requested; ignore */
	if (off > len || len - off < VSTOR_PACKET_HDR_SIZE) {
		sv->s_stats.closes++;
		return -EPROTO;             /* #70: shorter than the VSTOR header */
	}
	if (!(d->flags & VMBUS_PKT_FLAG_COMPLETION_REQUESTED)) {
		sv->s_stats.closes++;
		return -EPROTO;             /* #71: not transactional */
	}
	plen = len - off;
	memset(&vp, 0, sizeof(vp));
	memcpy(&vp, pkt + off, plen < sizeof(vp) ? plen : sizeof(vp));
	memset(&x, 0, sizeof(x));
	x.c = c;
	x.d = d;
	x.pkt = pkt;
	x.len = len;
	x.vp = &vp;
	x.plen = plen;
	/* Before a version exists the reply echoes the request's size (Linux
	 * sends 64 bytes from the start); afterwards the version's size. */
	x.rsize = c->c_pkt_size ? c->c_pkt_size : (plen < sizeof(vp) ? plen : (uint32_t)sizeof(vp));
	for (size_t i = 0; i < sizeof(stvsp_ops_table) / sizeof(stvsp_ops_table[0]); i++) {
		const struct stvsp_op_ent *e = &stvsp_ops_table[i];
		uint32_t need = e->min_len;
		if (e->op != vp.operation)
			continue;
		if (e->op == VSTOR_OP_EXECUTE_SRB && c->c_pkt_size)
			need = c->c_pkt_size;
		if (plen < need) {
			sv->s_stats.closes++;
			return -EPROTO;
		}
		if (!(e->states & ST_BIT(c->c_state))) {
			sv->s_stats.invalid_state++;
			return stvsp_send_reply(c, d->trans_id, VSTOR_STATUS_INVALID_DEVICE_STATE, NULL, 0,
						x.rsize) == -EIO ? -EIO : 0;
		}
		{
			int rc = e->handler(&x);
			/* A full ring for a control reply: the guest waits for one
			 * reply at a time, so this cannot repeat; count it. */
			if (rc == -EAGAIN)
				sv->s_stats.dropped_completions++;
			return rc == -EIO ? -EIO : 0;
		}
	}
	sv->s_stats.invalid_state++;
	return stvsp_send_reply(c, d->trans_id, VSTOR_STATUS_INVALID_DEVICE_REQUEST, NULL, 0,
				x.rsize) == -EIO ? -EIO : 0;
}

/* ---- channel lifetime -------------------------------------------------------- */

static int stvsp_open(struct vmbs_chan *ch)
{
	struct storvsp *sv = vmbs_chan_ctx(ch);
	struct stvsp_chan *c = vmbs_chan_priv(ch);
	struct stvsp_chan *pc;

	if (!c) {
		c = scsi_zalloc(sizeof(*c));
		if (!c)
			return -ENOMEM;
		c->c_sv = sv;
		c->c_ch = ch;
		vmbs_chan_set_priv(ch, c);
	}
	c->c_state = STVSP_WAIT_BEGIN;
	c->c_version = 0;
	c->c_pkt_size = 0;
	if (vmbs_chan_subidx(ch) != 0) {
		/* A sub-channel speaks the version its primary negotiated. */
		pc = vmbs_chan_priv(vmbs_chan_primary(ch));
		if (!pc || pc->c_state != STVSP_READY)
			return -EPROTO;
		c->c_version = pc->c_version;
		c->c_pkt_size = pc->c_pkt_size;
		c->c_state = STVSP_READY;
	} else {
		sv->s_subch_created = false;
	}
	return 0;
}

static void stvsp_close(struct vmbs_chan *ch)
{
	struct stvsp_chan *c = vmbs_chan_priv(ch);

	if (!c)
		return;
	c->c_state = STVSP_CLOSED;
	stvsp_flush_waiting(c);    /* sends fail now: the waiting replies are dropped */
}

static void stvsp_rescinded(struct vmbs_chan *ch)
{
	struct stvsp_chan *c = vmbs_chan_priv(ch);
	struct storvsp *sv = vmbs_chan_ctx(ch);

	if (ch == sv->s_primary)
		sv->s_primary = NULL;
	if (!c)
		return;
	vmbs_chan_set_priv(ch, NULL);
	c->c_ch = NULL;
	c->c_state = STVSP_CLOSED;
	c->c_orphan = true;
	stvsp_chan_put(c);
}

static void stvsp_writable(struct vmbs_chan *ch)
{
	struct stvsp_chan *c = vmbs_chan_priv(ch);
	if (c)
		stvsp_flush_waiting(c);
}

static const struct vmbs_dev_ops stvsp_dev_ops = {
	.open = stvsp_open,
	.packet = stvsp_packet,
	.close = stvsp_close,
	.rescinded = stvsp_rescinded,
	.writable = stvsp_writable,
};

/* ---- controller -------------------------------------------------------------- */

struct storvsp *storvsp_create(struct vmbs *vb, const struct storvsp_config *cfg)
{
	static const uint8_t scsi_class[16] = VMBUS_GUID_STORVSC;
	static const struct vmbus_guid zero;
	struct vmbs_dev_params p;
	struct storvsp *sv;

	if (!vb || !cfg || cfg->max_subchannels > STORVSP_MAX_SUBCH) {
		errno = EINVAL;
		return NULL;
	}
	sv = scsi_zalloc(sizeof(*sv));
	if (!sv) {
		errno = ENOMEM;
		return NULL;
	}
	sv->s_vb = vb;
	sv->s_cfg = *cfg;
	if (!sv->s_cfg.vstor_max_version)
		sv->s_cfg.vstor_max_version = VSTOR_VERSION_WIN10;
	if (!sv->s_cfg.max_transfer_bytes)
		sv->s_cfg.max_transfer_bytes = 0x40000u;
	if (!sv->s_cfg.queue_depth || sv->s_cfg.queue_depth > STORVSP_QUEUE_DEPTH)
		sv->s_cfg.queue_depth = STORVSP_QUEUE_DEPTH;
	if (!memcmp(&sv->s_cfg.instance_id, &zero, sizeof(zero)))
		sv->s_cfg.instance_id = stvsp_default_instance;
	memset(&p, 0, sizeof(p));
	memcpy(&p.class_id, scsi_class, 16);
	p.instance_id = sv->s_cfg.instance_id;
	p.wants_monitor = true;   /* real Hyper-V gives storage a monitor id */
	p.max_subchannels = sv->s_cfg.max_subchannels;
	sv->s_primary = vmbs_dev_add(vb, &p, &stvsp_dev_ops, sv);
	if (!sv->s_primary) {
		int e = errno;
		free(sv);
		errno = e;
		return NULL;
	}
	return sv;
}

void storvsp_destroy(struct storvsp *sv)
{
	if (!sv)
		return;
	for (unsigned t = 0; t < STORVSP_MAX_TARGETS; t++)
		for (unsigned l = 0; l < STORVSP_MAX_LUNS; l++) {
			struct scsi_lun *lun = sv->s_lun[t][l];
			sv->s_lun[t][l] = NULL;
			scsi_lun_destroy(lun);
		}
	if (sv->s_primary)
		vmbs_dev_remove(sv->s_primary);
	free(sv);
}

/* Host-initiated rescan: in-band, transaction id 0, no completion. */
static void stvsp_enumerate(struct storvsp *sv)
{
	struct stvsp_chan *c;
	struct vstor_packet p;

	if (!sv->s_primary || !vmbs_chan_is_open(sv->s_primary))
		return;
	c = vmbs_chan_priv(sv->s_primary);
	if (!c || c->c_state != STVSP_READY)
		return;
	memset(&p, 0, sizeof(p));
	p.operation = VSTOR_OP_ENUMERATE_BUS;
	if (vmbs_chan_send_inband(sv->s_primary, 0, &p, c->c_pkt_size, false) == 0)
		sv->s_stats.enumerates++;
}

int storvsp_lun_add(struct storvsp *sv, uint8_t target, uint8_t lun, struct blk *b,
		    const struct scsi_lun_opts *o)
{
	struct scsi_lun *l;
	int rc;

	if (target >= STORVSP_MAX_TARGETS || lun >= STORVSP_MAX_LUNS) {
		blk_close(b);
		return -EINVAL;
	}
	if (sv->s_lun[target][lun]) {
		blk_close(b);
		return -EEXIST;
	}
	rc = scsi_lun_create(b, o, &l);
	if (rc)
		return rc;
	sv->s_lun[target][lun] = l;
	stvsp_enumerate(sv);
	return 0;
}

int storvsp_lun_remove(struct storvsp *sv, uint8_t target, uint8_t lun)
{
	struct scsi_lun *l;

	if (target >= STORVSP_MAX_TARGETS || lun >= STORVSP_MAX_LUNS || !sv->s_lun[target][lun])
		return -ENOENT;
	l = sv->s_lun[target][lun];
	sv->s_lun[target][lun] = NULL;
	scsi_lun_destroy(l);      /* in-flight I/O completes (aborted) now */
	stvsp_enumerate(sv);
	return 0;
}

int storvsp_rescind(struct storvsp *sv)
{
	if (!sv->s_primary)
		return -ENOENT;
	return vmbs_dev_remove(sv->s_primary);
}

struct scsi_lun *storvsp_lun(struct storvsp *sv, uint8_t target, uint8_t lun)
{
	if (target >= STORVSP_MAX_TARGETS || lun >= STORVSP_MAX_LUNS)
		return NULL;
	return sv->s_lun[target][lun];
}

bool storvsp_poll(struct storvsp *sv)
{
	unsigned n = 0;

	for (unsigned t = 0; t < STORVSP_MAX_TARGETS; t++)
		for (unsigned l = 0; l < STORVSP_MAX_LUNS; l++)
			if (sv->s_lun[t][l])
				n += scsi_lun_poll(sv->s_lun[t][l]);
	return n != 0;
}

void storvsp_get_stats(const struct storvsp *sv, struct storvsp_stats *out)
{
	*out = sv->s_stats;
}
