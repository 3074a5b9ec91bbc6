/* hvic.c -- the guest IC framework: one driver per IC on the VMBus bus,
 * framing checks on every host packet (copied first), the NEGOTIATE
 * answer, and replies echoed in-band with the request's transaction id. */
#include <string.h>

#include "guest_drivers/kern.h"
#include "guest_drivers/utils/hvic_var.h"
#include "guest_drivers/vmbus/vmbus.h"

#define VER(maj, min) (((uint32_t)(maj) << 16) | (uint32_t)(min))

struct hvic_globals hvic_g;

static const uint32_t hvic_frameworks[] = { VER(1, 0), VER(3, 0) };
static const struct hvic_ic *const hvic_ics[HVIC_KIND_COUNT] = {
	&hvic_ic_heartbeat, &hvic_ic_shutdown, &hvic_ic_timesync, &hvic_ic_kvp,
};

static void sc_drop(struct hvic_sc *sc, enum hvic_drop why)
{
	sc->sc_st.drop[why]++;
	kern_log(KERN_DEBUG, "hvic", "%s: dropped host packet (reason %d)", sc->sc_ic->name, why);
}

int hvic_send_reply(struct hvic_sc *sc, uint8_t *buf, uint32_t len, uint64_t tid, uint32_t status)
{
	struct vmbus_icmsg_hdr h;
	memcpy(&h, buf + sizeof(struct vmbus_pipe_hdr), sizeof h);
	h.flags = VMBUS_ICMSG_FLAG_TRANSACTION | VMBUS_ICMSG_FLAG_RESPONSE;
	h.status = status;
	memcpy(buf + sizeof(struct vmbus_pipe_hdr), &h, sizeof h);
	int rc = vmbus_chan_send(sc->sc_ch, buf, len, tid, false);
	if (rc) {
		sc->sc_st.send_errors++;
		kern_log(KERN_WARN, "hvic", "%s: reply not sent (%d)", sc->sc_ic->name, rc);
	} else {
		sc->sc_st.replies++;
	}
	return rc;
}

/* ---- negotiation ----------------------------------------------------------------- */

static uint32_t ceiling(uint32_t c)
{
	return c ? c : UINT32_MAX;
}

/* The highest version in the host's array (n entries at 'a') that is also
 * in ours, or 0. */
static uint32_t pick(const uint8_t *a, unsigned n, const uint32_t *ours, unsigned nours,
		     uint32_t ceil)
{
	uint32_t best = 0;
	for (unsigned i = 0; i < n; i++) {
		struct vmbus_ic_version v;
		memcpy(&v, a + 4u * i, sizeof v);
		uint32_t x = VER(v.major, v.minor);
		for (unsigned j = 0; j < nours; j++)
			if (ours[j] == x && x <= ceil && x > best)
				best = x;
	}
	return best;
}

static uint32_t sc_negotiate(struct hvic_sc *sc, uint8_t *body, uint32_t blen)
{
	struct vmbus_ic_negotiate n;
	if (blen < sizeof n) {
		sc->sc_st.negotiate_failures++;
		return VMBUS_IC_E_FAIL;
	}
	memcpy(&n, body, sizeof n);
	uint32_t fw = 0, mv = 0;
	/* Both arrays must lie inside the message (RELIABILITY 86): counts
	 * are capped before they are multiplied. */
	if (n.icframe_vercnt <= HVIC_MAX_VERCNT && n.icmsg_vercnt <= HVIC_MAX_VERCNT &&
	    sizeof n + 4u * ((uint32_t)n.icframe_vercnt + n.icmsg_vercnt) <= blen) {
		fw = pick(body + sizeof n, n.icframe_vercnt, hvic_frameworks,
			  sizeof hvic_frameworks / sizeof hvic_frameworks[0],
			  ceiling(hvic_g.cfg.max_framework));
		mv = pick(body + sizeof n + 4u * n.icframe_vercnt, n.icmsg_vercnt,
			  sc->sc_ic->versions, sc->sc_ic->nversions,
			  ceiling(hvic_g.cfg.max_msg_version[sc->sc_kind]));
	}
	struct vmbus_ic_negotiate r;
	memset(&r, 0, sizeof r);
	if (!fw || !mv) {
		/* Counts 0/0 tell the host nothing matched. */
		memcpy(body, &r, sizeof r);
		sc->sc_st.negotiate_failures++;
		sc->sc_ready = false;
		kern_log(KERN_WARN, "hvic", "%s: no common IC version", sc->sc_ic->name);
		return VMBUS_IC_E_FAIL;
	}
	r.icframe_vercnt = 1;
	r.icmsg_vercnt = 1;
	struct vmbus_ic_version v[2] = { { (uint16_t)(fw >> 16), (uint16_t)fw },
					 { (uint16_t)(mv >> 16), (uint16_t)mv } };
	memcpy(body, &r, sizeof r);
	memcpy(body + sizeof r, v, sizeof v);  /* fits: both counts were >= 1 */
	uint16_t sz = VMBUS_IC_NEGOTIATE_REPLY_SIZE;
	memcpy(sc->sc_buf + sizeof(struct vmbus_pipe_hdr) +
		       offsetof(struct vmbus_icmsg_hdr, msgsize), &sz, sizeof sz);
	sc->sc_framework = fw;
	sc->sc_msg_version = mv;
	sc->sc_ready = true;
	kern_log(KERN_INFO, "hvic", "%s: framework %u.%u, message %u.%u", sc->sc_ic->name,
		 fw >> 16, fw & 0xFFFF, mv >> 16, mv & 0xFFFF);
	return VMBUS_IC_S_OK;
}

/* ---- receive -------------------------------------------------------------------------- */

static void hvic_cb(struct vmbus_channel *ch, const struct vmbus_pkt *pkt, void *arg)
{
	(void)ch;
	struct hvic_sc *sc = arg;
	if (pkt->type != VMBUS_PKT_DATA_INBAND) {
		sc_drop(sc, HVIC_DROP_PKT_TYPE);
		return;
	}
	uint32_t len = pkt->payload_len;
	struct vmbus_pipe_hdr ph;
	if (len < VMBUS_IC_HDRS_SIZE) {
		sc_drop(sc, HVIC_DROP_SHORT);
		return;
	}
	memcpy(&ph, pkt->payload, sizeof ph);
	if (ph.type != VMBUS_PIPE_TYPE_DATA || ph.len > len - sizeof ph ||
	    ph.len < sizeof(struct vmbus_icmsg_hdr)) {
		sc_drop(sc, HVIC_DROP_PIPE);
		return;
	}
	uint32_t total = (uint32_t)sizeof ph + ph.len;
	if (total > sizeof sc->sc_buf) {
		sc_drop(sc, HVIC_DROP_SIZE);
		return;
	}
	/* pkt is already the bus driver's private copy; ours outlives the
	 * callback (a KVP request waits for user level). */
	memcpy(sc->sc_buf, pkt->payload, total);
	sc->sc_len = total;
	struct vmbus_icmsg_hdr h;
	memcpy(&h, sc->sc_buf + sizeof ph, sizeof h);
	if (h.msgsize > ph.len - sizeof h) {
		sc_drop(sc, HVIC_DROP_SIZE);
		return;
	}
	/* Requests only (RELIABILITY 87): a response flag on a request, or
	 * no request flag, is dropped. */
	if ((h.flags & VMBUS_ICMSG_FLAG_RESPONSE) || !(h.flags & VMBUS_ICMSG_FLAG_REQUEST) ||
	    !(h.flags & VMBUS_ICMSG_FLAG_TRANSACTION)) {
		sc_drop(sc, HVIC_DROP_FLAGS);
		return;
	}
	uint8_t *body = sc->sc_buf + VMBUS_IC_HDRS_SIZE;
	uint32_t status;
	if (h.msgtype == VMBUS_ICMSG_NEGOTIATE) {
		sc->sc_st.requests++;
		status = sc_negotiate(sc, body, h.msgsize);
	} else if (h.msgtype == sc->sc_ic->msgtype) {
		if (!sc->sc_ready) {
			sc_drop(sc, HVIC_DROP_STATE);
			return;
		}
		sc->sc_st.requests++;
		status = sc->sc_ic->request(sc, body, h.msgsize, pkt->trans_id);
		if (status == HVIC_NO_REPLY)
			return;
	} else {
		sc_drop(sc, HVIC_DROP_MSGTYPE);
		return;
	}
	hvic_send_reply(sc, sc->sc_buf, sc->sc_len, pkt->trans_id, status);
}

/* ---- drivers ------------------------------------------------------------------------------ */

static int hvic_kind_of(const struct vmbus_device *dev)
{
	for (unsigned k = 0; k < HVIC_KIND_COUNT; k++)
		if (memcmp(vmbus_device_class(dev), hvic_ics[k]->class_id, 16) == 0)
			return (int)k;
	return -1;
}

static int hvic_attach(struct vmbus_device *dev)
{
	int k = hvic_kind_of(dev);
	if (k < 0 || hvic_g.sc[k])
		return -ENXIO; /* one instance per IC */
	struct hvic_sc *sc = kern_zalloc(sizeof *sc);
	if (!sc)
		return -ENOMEM;
	sc->sc_kind = (enum hvic_kind)k;
	sc->sc_ic = hvic_ics[k];
	sc->sc_dev = dev;
	sc->sc_ch = vmbus_device_channel(dev);
	sc->sc_st.attached = true;
	hvic_g.sc[k] = sc;
	vmbus_device_set_softc(dev, sc);
	int rc = vmbus_chan_open(sc->sc_ch, HVIC_RING_BYTES, HVIC_RING_BYTES, NULL, 0, hvic_cb, sc);
	if (rc) {
		kern_log(KERN_WARN, "hvic", "%s: open failed (%d)", sc->sc_ic->name, rc);
		hvic_g.sc[k] = NULL;
		vmbus_device_set_softc(dev, NULL);
		kern_free(sc);
		return rc;
	}
	return 0;
}

static void hvic_detach(struct vmbus_device *dev)
{
	struct hvic_sc *sc = vmbus_device_softc(dev);
	if (!sc)
		return;
	if (sc->sc_ic->detach)
		sc->sc_ic->detach(sc);
	vmbus_chan_close(sc->sc_ch);
	sc->sc_st.attached = false;
	sc->sc_st.ready = false;
	hvic_g.last[sc->sc_kind] = sc->sc_st;
	hvic_g.sc[sc->sc_kind] = NULL;
	vmbus_device_set_softc(dev, NULL);
	kern_free(sc);
}

static struct vmbus_driver hvic_drivers[HVIC_KIND_COUNT] = {
	{ .name = "heartbeat", .class_id = { VMBUS_GUID_HEARTBEAT } },
	{ .name = "shutdown", .class_id = { VMBUS_GUID_SHUTDOWN } },
	{ .name = "timesync", .class_id = { VMBUS_GUID_TIMESYNC } },
	{ .name = "kvp", .class_id = { VMBUS_GUID_KVP } },
};

int hvic_init(const struct hvic_config *cfg)
{
	if (hvic_g.inited)
		return -EBUSY;
	hvic_shutdown_fn *hook = hvic_g.sd_hook;
	void *hook_arg = hvic_g.sd_arg;
	memset(&hvic_g, 0, sizeof hvic_g);
	hvic_g.sd_hook = hook;
	hvic_g.sd_arg = hook_arg;
	if (cfg)
		hvic_g.cfg = *cfg;
	if (!hvic_g.cfg.kvp_timeout_ns)
		hvic_g.cfg.kvp_timeout_ns = HVIC_DEFAULT_KVP_TIMEOUT_NS;
	if (!hvic_g.cfg.ts_slew_max)
		hvic_g.cfg.ts_slew_max = HVIC_DEFAULT_SLEW_MAX;
	if (!hvic_g.cfg.ts_step_min)
		hvic_g.cfg.ts_step_min = HVIC_DEFAULT_STEP_MIN;
	hvic_ts_reset();
	int rc = hvic_kvp_global_init();
	if (rc)
		return rc;
	hvic_g.inited = true;
	for (unsigned k = 0; k < HVIC_KIND_COUNT; k++) {
		hvic_drivers[k].attach = hvic_attach;
		hvic_drivers[k].detach = hvic_detach;
		rc = vmbus_driver_register(&hvic_drivers[k]);
		if (rc) {
			while (k-- > 0)
				vmbus_driver_unregister(&hvic_drivers[k]);
			hvic_kvp_global_fini();
			hvic_g.inited = false;
			return rc;
		}
	}
	return 0;
}

void hvic_fini(void)
{
	if (!hvic_g.inited)
		return;
	for (unsigned k = HVIC_KIND_COUNT; k-- > 0;)
		vmbus_driver_unregister(&hvic_drivers[k]);
	hvic_kvp_global_fini();
	hvic_g.inited = false;
}

void hvic_set_shutdown_hook(hvic_shutdown_fn *fn, void *arg)
{
	hvic_g.sd_hook = fn;
	hvic_g.sd_arg = arg;
}

void hvic_get_stats(enum hvic_kind k, struct hvic_stats *out)
{
	memset(out, 0, sizeof *out);
	if ((unsigned)k >= HVIC_KIND_COUNT)
		return;
	const struct hvic_sc *sc = hvic_g.sc[k];
	if (!sc) {
		*out = hvic_g.last[k];
		return;
	}
	*out = sc->sc_st;
	out->ready = sc->sc_ready;
	out->framework = sc->sc_framework;
	out->msg_version = sc->sc_msg_version;
}

/* ---- fuzzing ------------------------------------------------------------------------------- */

static struct hvic_sc hvic_fz_sc[HVIC_KIND_COUNT];

void hvic_fuzz_packet(enum hvic_kind k, bool ready, const struct vmbus_pkt *pkt)
{
	if ((unsigned)k >= HVIC_KIND_COUNT)
		return;
	struct hvic_sc *sc = &hvic_fz_sc[k];
	sc->sc_kind = k;
	sc->sc_ic = hvic_ics[k];
	sc->sc_ch = NULL; /* replies fail with -EINVAL: only the parsers run */
	if (ready && !sc->sc_ready) {
		sc->sc_ready = true;
		sc->sc_framework = VER(3, 0);
		sc->sc_msg_version = sc->sc_ic->versions[sc->sc_ic->nversions - 1];
	}
	hvic_cb(NULL, pkt, sc);
}

void hvic_fuzz_reset(void)
{
	if (hvic_ics[HVIC_KVP]->detach)
		hvic_ics[HVIC_KVP]->detach(&hvic_fz_sc[HVIC_KVP]);
	memset(hvic_fz_sc, 0, sizeof hvic_fz_sc);
}
