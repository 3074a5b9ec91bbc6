/* vmbs_check.c -- the protocol checker's findings table and API, and the
 * connection-level checks (channel messages refused, leaks at UNLOAD and at
 * relid release). */
#include "sim/hostd/vmbs_check_var.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static long vchk_fail_countdown = -1;

void vmbs_check_alloc_fail_after(long n)
{
	vchk_fail_countdown = n < 0 ? -1 : n;
}

/* Separate from vmbs_zalloc so that turning the checker on does not shift
 * the server's own allocation-failure tests. */
void *vchk_zalloc(size_t size)
{
	if (vchk_fail_countdown == 0)
		return NULL;
	if (vchk_fail_countdown > 0)
		vchk_fail_countdown--;
	return calloc(1, size ? size : 1);
}

static const char *const vchk_names[VMBS_CHK_COUNT] = {
	[VMBS_CHK_LOST_WAKEUP] = "HV-CHK-LOST-WAKEUP",
	[VMBS_CHK_MASK_STUCK] = "HV-CHK-MASK-STUCK",
	[VMBS_CHK_MASK_WRONG_RING] = "HV-CHK-MASK-WRONG-RING",
	[VMBS_CHK_PSS_WRONG_RING] = "HV-CHK-PSS-WRONG-RING",
	[VMBS_CHK_PSS_NO_FEATURE] = "HV-CHK-PSS-NO-FEATURE",
	[VMBS_CHK_PSS_TOO_LARGE] = "HV-CHK-PSS-TOO-LARGE",
	[VMBS_CHK_PKT_MISALIGNED] = "HV-CHK-PKT-MISALIGNED",
	[VMBS_CHK_PKT_OVERSIZE] = "HV-CHK-PKT-OVERSIZE",
	[VMBS_CHK_RING_CORRUPT] = "HV-CHK-RING-CORRUPT",
	[VMBS_CHK_CHAN_FAILED] = "HV-CHK-CHAN-FAILED",
	[VMBS_CHK_TID_REUSE] = "HV-CHK-TID-REUSE",
	[VMBS_CHK_COMP_UNSOLICITED] = "HV-CHK-COMP-UNSOLICITED",
	[VMBS_CHK_GPADL_LEAK] = "HV-CHK-GPADL-LEAK",
	[VMBS_CHK_CHAN_LEAK] = "HV-CHK-CHAN-LEAK",
	[VMBS_CHK_MSG_STATE] = "HV-CHK-MSG-STATE",
	[VMBS_CHK_MSG_MALFORMED] = "HV-CHK-MSG-MALFORMED",
	[VMBS_CHK_SIGNAL_UNNEEDED] = "HV-CHK-SIGNAL-UNNEEDED",
};

const char *vmbs_chk_name(enum vmbs_chk code)
{
	return (unsigned)code < VMBS_CHK_COUNT ? vchk_names[code] : "?";
}

int vmbs_chk_from_name(const char *name)
{
	if (!name)
		return -1;
	for (unsigned i = 0; i < VMBS_CHK_COUNT; i++) {
		if (strcasecmp(name, vchk_names[i]) == 0 ||
		    strcasecmp(name, vchk_names[i] + strlen("HV-CHK-")) == 0)
			return (int)i;
	}
	return -1;
}

bool vmbs_chk_is_hint(enum vmbs_chk code)
{
	return code == VMBS_CHK_SIGNAL_UNNEEDED;
}

/* ---- lifetime ------------------------------------------------------------ */

int vmbs_check_enable(struct vmbs *vb)
{
	if (!vb->vb_check) {
		vb->vb_check = vchk_zalloc(sizeof *vb->vb_check);
		if (!vb->vb_check)
			return -ENOMEM;
	}
	vb->vb_check->k_on = true;
	return 0;
}

void vmbs_check_disable(struct vmbs *vb)
{
	if (vb->vb_check)
		vb->vb_check->k_on = false;
}

bool vmbs_check_enabled(const struct vmbs *vb)
{
	return vchk_on(vb);
}

void vchk_destroy(struct vmbs *vb)
{
	struct vmbs_check *k = vb->vb_check;
	if (!k)
		return;
	for (uint32_t r = 0; r < VMBUS_RELID_LIMIT; r++)
		free(k->k_chan[r]);
	free(k);
	vb->vb_check = NULL;
}

struct vchk_chan *vchk_chan(struct vmbs *vb, uint32_t relid)
{
	struct vmbs_check *k = vb->vb_check;
	if (!k || relid >= VMBUS_RELID_LIMIT)
		return NULL;
	if (!k->k_chan[relid])
		k->k_chan[relid] = vchk_zalloc(sizeof *k->k_chan[relid]);
	return k->k_chan[relid];
}

/* ---- findings ---------------------------------------------------------------- */

static void vchk_vreport(struct vmbs *vb, enum vmbs_chk code, uint32_t relid, const char *fmt,
			 va_list ap)
{
	struct vmbs_check *k = vb->vb_check;
	if (!k || !k->k_on)
		return;
	struct vmbs_finding *f = NULL;
	for (unsigned i = 0; i < k->k_nf; i++) {
		if (k->k_f[i].code == code && k->k_f[i].relid == relid) {
			f = &k->k_f[i];
			break;
		}
	}
	if (!f) {
		if (k->k_nf == VMBS_CHK_MAX_FINDINGS) {
			k->k_overflow++;
			return;
		}
		f = &k->k_f[k->k_nf++];
		f->code = code;
		f->name = vchk_names[code];
		f->hint = vmbs_chk_is_hint(code);
		f->relid = relid;
		vsnprintf(f->why, sizeof f->why, fmt, ap);
		vmbs_trace(vb, "vmbs: check: %s relid %u: %s", f->name, relid, f->why);
	}
	f->count++;
}

void vchk_report(struct vmbs *vb, enum vmbs_chk code, uint32_t relid, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vchk_vreport(vb, code, relid, fmt, ap);
	va_end(ap);
}

void vchk_report_once(struct vmbs_chan *ch, enum vmbs_chk code, const char *fmt, ...)
{
	struct vchk_chan *c = vchk_chan(ch->ch_vb, ch->ch_relid);
	if (c) {
		if (c->c_reported & (1u << code))
			return;
		c->c_reported |= 1u << code;
	}
	va_list ap;
	va_start(ap, fmt);
	vchk_vreport(ch->ch_vb, code, ch->ch_relid, fmt, ap);
	va_end(ap);
}

unsigned vmbs_check_findings(const struct vmbs *vb, vmbs_finding_fn *cb, void *arg)
{
	const struct vmbs_check *k = vb->vb_check;
	if (!k)
		return 0;
	if (cb)
		for (unsigned i = 0; i < k->k_nf; i++)
			cb(arg, &k->k_f[i]);
	return k->k_nf;
}

uint64_t vmbs_check_count(const struct vmbs *vb, enum vmbs_chk code, uint32_t relid)
{
	const struct vmbs_check *k = vb->vb_check;
	uint64_t n = 0;
	if (!k)
		return 0;
	for (unsigned i = 0; i < k->k_nf; i++)
		if (k->k_f[i].code == code && (relid == VMBS_CHK_ANY_RELID || k->k_f[i].relid == relid))
			n += k->k_f[i].count;
	return n;
}

uint64_t vmbs_check_total(const struct vmbs *vb, bool with_hints)
{
	const struct vmbs_check *k = vb->vb_check;
	uint64_t n = 0;
	if (!k)
		return 0;
	for (unsigned i = 0; i < k->k_nf; i++)
		if (with_hints || !k->k_f[i].hint)
			n += k->k_f[i].count;
	return n;
}

uint64_t vmbs_check_overflow(const struct vmbs *vb)
{
	return vb->vb_check ? vb->vb_check->k_overflow : 0;
}

void vmbs_check_clear(struct vmbs *vb)
{
	struct vmbs_check *k = vb->vb_check;
	if (!k)
		return;
	k->k_nf = 0;
	k->k_overflow = 0;
	memset(k->k_f, 0, sizeof k->k_f);
	for (uint32_t r = 0; r < VMBUS_RELID_LIMIT; r++)
		if (k->k_chan[r])
			k->k_chan[r]->c_reported = 0;
}

/* ---- channel messages ------------------------------------------------------------ */

void vchk_msg_in(struct vmbs *vb, const struct part_posted_msg *m)
{
	struct vmbs_check *k = vb->vb_check;
	struct vmbus_msg_hdr h;
	k->k_msgtype = 0;
	k->k_msgrelid = 0;
	if (m->payload_size < sizeof h)
		return;
	memcpy(&h, m->payload, sizeof h);
	k->k_msgtype = h.msgtype;
	/* Every guest message that names a channel has child_relid at 8. */
	switch (h.msgtype) {
	case VMBUS_MSG_OPENCHANNEL:
	case VMBUS_MSG_CLOSECHANNEL:
	case VMBUS_MSG_GPADL_HEADER:
	case VMBUS_MSG_GPADL_TEARDOWN:
	case VMBUS_MSG_RELID_RELEASED:
	case VMBUS_MSG_MODIFYCHANNEL:
		if (m->payload_size >= 12)
			memcpy(&k->k_msgrelid, m->payload + 8, 4);
		if (k->k_msgrelid >= VMBUS_RELID_LIMIT)
			k->k_msgrelid = 0;
		break;
	default:
		break;
	}
	if (h.msgtype == VMBUS_MSG_GPADL_HEADER && k->k_msgrelid) {
		struct vchk_chan *c = vchk_chan(vb, k->k_msgrelid);
		if (c)
			c->c_guest_closed = false; /* building buffers again */
	}
}

void vchk_reject(struct vmbs *vb, enum vmbs_rej why)
{
	struct vmbs_check *k = vb->vb_check;
	enum vmbs_chk code;
	switch (why) {
	case VMBS_REJ_STATE:
	case VMBS_REJ_WRONG_PORT:
	case VMBS_REJ_OFFERS_TWICE:
	case VMBS_REJ_UNKNOWN_RELID:
	case VMBS_REJ_GPADL_DUP:
	case VMBS_REJ_GPADL_BODY_UNKNOWN:
	case VMBS_REJ_TEARDOWN_UNKNOWN:
	case VMBS_REJ_OPEN_STATE:
	case VMBS_REJ_CLOSE_NOT_OPEN:
	case VMBS_REJ_RELEASE_NOT_RESCINDED:
		code = VMBS_CHK_MSG_STATE;
		break;
	case VMBS_REJ_BAD_TYPE:
	case VMBS_REJ_HOST_ONLY:
	case VMBS_REJ_SHORT:
	case VMBS_REJ_VERSION:
	case VMBS_REJ_CONTACT_PARAMS:
	case VMBS_REJ_GPADL_CAP:
	case VMBS_REJ_GPADL_HEADER:
	case VMBS_REJ_GPADL_RANGE:
	case VMBS_REJ_GPADL_PFN:
	case VMBS_REJ_OPEN_GPADL:
	case VMBS_REJ_OPEN_OFFSET:
	case VMBS_REJ_OPEN_VP:
		code = VMBS_CHK_MSG_MALFORMED;
		break;
	default:
		/* A refused version is normal fallback; a device refusing open,
		 * our own queue or memory are not the guest's fault. */
		return;
	}
	vchk_report(vb, code, k->k_msgrelid, "message type %u refused: %s", k->k_msgtype,
		    vmbs_rej_name(why));
}

void vchk_unload(struct vmbs *vb)
{
	for (uint32_t r = 1; r < VMBUS_RELID_LIMIT; r++) {
		struct vmbs_chan *ch = vb->vb_chan[r];
		if (!ch)
			continue;
		if (ch->ch_state == VMBS_CHS_OPEN)
			vchk_report(vb, VMBS_CHK_CHAN_LEAK, r, "channel still open at UNLOAD");
		if (ch->ch_ngpadl)
			vchk_report(vb, VMBS_CHK_GPADL_LEAK, r, "%u GPADL(s) not torn down at UNLOAD",
				    ch->ch_ngpadl);
	}
}

void vchk_released(struct vmbs_chan *ch)
{
	if (ch->ch_state != VMBS_CHS_CLOSED)
		vchk_report(ch->ch_vb, VMBS_CHK_CHAN_LEAK, ch->ch_relid,
			    "RELID_RELEASED while the channel is still open");
	if (ch->ch_ngpadl)
		vchk_report(ch->ch_vb, VMBS_CHK_GPADL_LEAK, ch->ch_relid,
			    "%u GPADL(s) not torn down before RELID_RELEASED", ch->ch_ngpadl);
}
