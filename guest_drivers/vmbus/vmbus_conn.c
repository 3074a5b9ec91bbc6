/* vmbus_conn.c -- the bus connection: INITIATE_CONTACT newest version
 * first with fallback, REQUESTOFFERS, UNLOAD, bring-up and teardown of the
 * bus state, and the bounded post/wait helpers every other file uses. */
#include <string.h>

#include "guest_drivers/vmbus/vmbus_var.h"

struct vmbus_softc vmbus_sc;

/* Newest first (vmbus.md 5.3).  6.0 is not offered: its feature flags
 * and message forms are not implemented. */
static const uint32_t vmbus_versions[] = {
	VMBUS_VERSION_WIN10_V5_3, VMBUS_VERSION_WIN10_V5_2, VMBUS_VERSION_WIN10_V5_1,
	VMBUS_VERSION_WIN10_V5,   VMBUS_VERSION_WIN10_V4_1, VMBUS_VERSION_WIN10,
	VMBUS_VERSION_WIN8_1,     VMBUS_VERSION_WIN8,       VMBUS_VERSION_WIN7,
	VMBUS_VERSION_WS2008,
};

static const char *const conn_state_names[VMBUS_CS_COUNT] = {
	[VMBUS_CS_DOWN] = "down",           [VMBUS_CS_CONTACTING] = "contacting",
	[VMBUS_CS_CONNECTED] = "connected", [VMBUS_CS_REQUESTED] = "offers-requested",
	[VMBUS_CS_READY] = "ready",         [VMBUS_CS_UNLOADING] = "unloading",
};

const char *vmbus_conn_state_name(enum vmbus_conn_state s)
{
	return (unsigned)s < VMBUS_CS_COUNT ? conn_state_names[s] : "?";
}

/* Callers hold sc->lock (or are the only context, during bring-up). */
void vmbus_set_state(struct vmbus_softc *sc, enum vmbus_conn_state s)
{
	if (sc->state != s)
		kern_log(KERN_DEBUG, "vmbus", "connection %s -> %s", vmbus_conn_state_name(sc->state),
			 vmbus_conn_state_name(s));
	sc->state = s;
}

static bool never(void *arg)
{
	(void)arg;
	return false;
}

/* HvPostMessage on 'conn', retrying while the host's port is full (it
 * drains while we sleep) for at most the timeout.  0; -ENOTCONN for
 * INVALID_CONNECTION_ID; -ETIMEDOUT; -EIO for any other status. */
static int post_on(struct vmbus_softc *sc, uint32_t conn, const void *msg, uint32_t len)
{
	uint64_t waited = 0;
	for (;;) {
		uint16_t st = hyperv_post_message(conn, HVMSG_VMBUS, msg, len);
		if (st == HV_STATUS_SUCCESS)
			return 0;
		if (st == HV_STATUS_INVALID_CONNECTION_ID)
			return -ENOTCONN;
		if (st != HV_STATUS_INSUFFICIENT_BUFFERS) {
			kern_log(KERN_ERR, "vmbus", "HvPostMessage(conn %u) failed: status %#x", conn, st);
			return -EIO;
		}
		if (waited >= sc->cfg.timeout_ns)
			return -ETIMEDOUT;
		sc->stats.post_retries++;
		int rc = kern_wait(sc->wq, never, NULL, VMBUS_POST_RETRY_NS);
		if (rc != -ETIMEDOUT)
			return rc ? rc : -EIO;
		waited += VMBUS_POST_RETRY_NS;
	}
}

int vmbus_post(struct vmbus_softc *sc, const void *msg, uint32_t len)
{
	return post_on(sc, sc->msg_conn_id, msg, len);
}

int vmbus_wait(struct vmbus_softc *sc, struct kern_waitq *wq, bool (*cond)(void *), void *arg)
{
	return kern_wait(wq, cond, arg, sc->cfg.timeout_ns);
}

static int read_vp_index(void *arg, int cpu)
{
	struct vmbus_softc *sc = arg;
	uint64_t v;
	if (cpu < 0 || cpu >= VMBUS_MAX_CPUS)
		return 0;
	if (kern_rdmsr(HV_MSR_VP_INDEX, &v))
		return -EIO;
	sc->vp_index[cpu] = (uint32_t)v;
	return 0;
}

static bool vr_arrived(void *arg)
{
	struct vmbus_softc *sc = arg;
	kern_lock_acquire(sc->lock);
	bool done = sc->vr_done;
	kern_lock_release(sc->lock);
	return done;
}

/* One INITIATE_CONTACT.  0 accepted; 1 refused (try lower); <0 error. */
static int contact(struct vmbus_softc *sc, uint32_t ver)
{
	struct vmbus_msg_initiate_contact ic;
	memset(&ic, 0, sizeof ic);
	ic.hdr.msgtype = VMBUS_MSG_INITIATE_CONTACT;
	ic.version_requested = ver;
	ic.target_vcpu = sc->vp_index[0];
	if (ver >= VMBUS_VERSION_WIN10_V5) {
		ic.u.v5.msg_sint = VMBUS_MESSAGE_SINT;
		ic.u.v5.msg_vtl = 0;
	} else if (ver < VMBUS_VERSION_WIN8) {
		ic.u.interrupt_page = sc->int_page.gpa;
	}
	ic.monitor_page1 = sc->monitor.gpa;
	ic.monitor_page2 = sc->monitor.gpa + HV_PAGE_SIZE;
	uint32_t conn = ver >= VMBUS_VERSION_WIN10_V5 ? VMBUS_MESSAGE_CONNECTION_ID_4
						       : VMBUS_MESSAGE_CONNECTION_ID;
	kern_lock_acquire(sc->lock);
	sc->vr_done = false;
	sc->version = ver;  /* what the reply answers; the dispatcher checks state only */
	vmbus_set_state(sc, VMBUS_CS_CONTACTING);
	kern_lock_release(sc->lock);

	int rc = post_on(sc, conn, &ic, sizeof ic);
	if (rc == -ENOTCONN && ver >= VMBUS_VERSION_WIN10_V5) {
		/* No port 4: a host older than 5.0.  Try the next version. */
		kern_log(KERN_INFO, "vmbus", "version %u.%u: no connection 4, falling back",
			 ver >> 16, ver & 0xFFFF);
		rc = 1;
		goto out;
	}
	if (rc)
		goto out;
	rc = vmbus_wait(sc, sc->wq, vr_arrived, sc);
	if (rc) {
		kern_log(KERN_ERR, "vmbus", "no VERSION_RESPONSE for %u.%u (%d)", ver >> 16,
			 ver & 0xFFFF, rc);
		goto out;
	}
	kern_lock_acquire(sc->lock);
	struct vmbus_msg_version_response vr = sc->vr;
	kern_lock_release(sc->lock);
	if (!vr.version_supported) {
		rc = 1;
		goto out;
	}
	if (vr.connection_state != VMBUS_CONN_STATE_SUCCESS) {
		kern_log(KERN_ERR, "vmbus", "version %u.%u accepted with connection_state %u",
			 ver >> 16, ver & 0xFFFF, vr.connection_state);
		rc = -ECONNREFUSED;
		goto out;
	}
	uint32_t msg_conn = VMBUS_MESSAGE_CONNECTION_ID;
	if (ver >= VMBUS_VERSION_WIN10_V5) {
		msg_conn = vr.msg_conn_id;
		if (msg_conn == 0 || msg_conn > 0xFFFFFFu) {
			kern_log(KERN_ERR, "vmbus", "VERSION_RESPONSE: bad message connection id %#x",
				 msg_conn);
			rc = -EPROTO;
			goto out;
		}
	}
	kern_lock_acquire(sc->lock);
	sc->msg_conn_id = msg_conn;
	vmbus_set_state(sc, VMBUS_CS_CONNECTED);
	kern_lock_release(sc->lock);
	return 0;
out:
	kern_lock_acquire(sc->lock);
	sc->version = 0;
	vmbus_set_state(sc, VMBUS_CS_DOWN);
	kern_lock_release(sc->lock);
	return rc;
}

static int negotiate(struct vmbus_softc *sc)
{
	uint32_t max = sc->cfg.max_version ? sc->cfg.max_version : vmbus_versions[0];
	bool tried = false;
	for (size_t i = 0; i < sizeof vmbus_versions / sizeof vmbus_versions[0]; i++) {
		uint32_t v = vmbus_versions[i];
		if (v > max)
			continue;
		tried = true;
		int rc = contact(sc, v);
		if (rc == 0) {
			kern_log(KERN_INFO, "vmbus", "negotiated version %u.%u, message connection %u",
				 v >> 16, v & 0xFFFF, sc->msg_conn_id);
			return 0;
		}
		if (rc < 0)
			return rc;
	}
	kern_log(KERN_ERR, "vmbus", "host refused every version%s", tried ? "" : " (none tried)");
	return -EPROTONOSUPPORT;
}

static bool offers_arrived(void *arg)
{
	struct vmbus_softc *sc = arg;
	kern_lock_acquire(sc->lock);
	bool done = sc->offers_done;
	kern_lock_release(sc->lock);
	return done;
}

static int request_offers(struct vmbus_softc *sc)
{
	struct vmbus_msg_request_offers ro;
	memset(&ro, 0, sizeof ro);
	ro.hdr.msgtype = VMBUS_MSG_REQUESTOFFERS;
	kern_lock_acquire(sc->lock);
	vmbus_set_state(sc, VMBUS_CS_REQUESTED);
	kern_lock_release(sc->lock);
	int rc = vmbus_post(sc, &ro, sizeof ro);
	if (!rc)
		rc = vmbus_wait(sc, sc->wq, offers_arrived, sc);
	if (rc)
		kern_log(KERN_ERR, "vmbus", "offers not delivered (%d)", rc);
	return rc;
}

static bool unload_arrived(void *arg)
{
	struct vmbus_softc *sc = arg;
	kern_lock_acquire(sc->lock);
	bool done = sc->unload_done;
	kern_lock_release(sc->lock);
	return done;
}

/* UNLOAD from 3.0 (older hosts cannot reconnect, vmbus.md 5.3). */
static void unload(struct vmbus_softc *sc)
{
	if (sc->version < VMBUS_VERSION_WIN8_1)
		return;
	struct vmbus_msg_unload u;
	memset(&u, 0, sizeof u);
	u.hdr.msgtype = VMBUS_MSG_UNLOAD;
	kern_lock_acquire(sc->lock);
	sc->unload_done = false;
	vmbus_set_state(sc, VMBUS_CS_UNLOADING);
	kern_lock_release(sc->lock);
	int rc = vmbus_post(sc, &u, sizeof u);
	if (!rc)
		rc = vmbus_wait(sc, sc->wq, unload_arrived, sc);
	if (rc)
		kern_log(KERN_WARN, "vmbus", "UNLOAD not answered (%d)", rc);
}

/* Free everything the bus holds; the handler goes first so no interrupt
 * sees half-freed state. */
static void teardown(struct vmbus_softc *sc)
{
	if (sc->handler_on) {
		hyperv_set_sint_handler(HV_SINT_VMBUS, NULL, NULL, NULL);
		sc->handler_on = false;
	}
	kern_task_cancel(&sc->bus_task);
	vmbus_channels_free(sc);
	while (sc->gpadl_waits) {
		struct vmbus_gpadl_wait *gw = sc->gpadl_waits;
		sc->gpadl_waits = gw->gw_next;
		kern_free(gw);
	}
	kern_free(sc->devs);
	kern_dma_free(&sc->int_page);
	kern_dma_free(&sc->monitor);
	kern_waitq_destroy(sc->wq);
	kern_lock_destroy(sc->lock);
	memset(sc, 0, sizeof *sc);
}

int vmbus_init(const struct vmbus_config *cfg)
{
	struct vmbus_softc *sc = &vmbus_sc;
	if (sc->up || sc->lock)
		return -EBUSY;
	if (!hyperv_present())
		return -ENODEV;
	memset(sc, 0, sizeof *sc);
	if (cfg)
		sc->cfg = *cfg;
	if (!sc->cfg.timeout_ns)
		sc->cfg.timeout_ns = VMBUS_DEFAULT_TIMEOUT_NS;
	sc->chans_tail = &sc->chans;
	sc->next_gpadl = VMBUS_GPADL_FIRST_HANDLE;
	sc->next_openid = 1;
	sc->msg_conn_id = VMBUS_MESSAGE_CONNECTION_ID;
	sc->ncpus = kern_ncpus() < VMBUS_MAX_CPUS ? kern_ncpus() : VMBUS_MAX_CPUS;
	kern_task_init(&sc->bus_task, vmbus_bus_task, sc);
	int rc = -ENOMEM;
	sc->lock = kern_lock_create("vmbus");
	sc->wq = kern_waitq_create();
	if (!sc->lock || !sc->wq)
		goto fail;
	if ((rc = kern_dma_alloc(2, &sc->monitor)) || (rc = kern_dma_alloc(1, &sc->int_page)))
		goto fail;
	if ((rc = kern_on_each_cpu(read_vp_index, sc)))
		goto fail;
	if ((rc = hyperv_set_sint_handler(HV_SINT_VMBUS, vmbus_on_message, vmbus_on_event, sc)))
		goto fail;
	sc->handler_on = true;
	if ((rc = negotiate(sc)))
		goto fail;
	if ((rc = request_offers(sc)))
		goto fail_unload;
	sc->up = true;
	vmbus_attach_pending(sc);
	vmbus_report_subchannels(sc);
	return 0;

fail_unload:
	unload(sc);
fail:
	kern_log(KERN_ERR, "vmbus", "bus bring-up failed (%d), undone", rc);
	teardown(sc);
	return rc;
}

struct settle_wait {
	struct vmbus_softc *sc;
	const struct vmbus_driver *drv;
};

static bool binds_settled(void *arg)
{
	struct settle_wait *w = arg;
	struct vmbus_softc *sc = w->sc;
	kern_lock_acquire(sc->lock);
	bool busy = false;
	for (unsigned i = 0; i < sc->ndevs && !busy; i++)
		busy = sc->devs[i]->dv_attaching &&
		       (!w->drv || sc->devs[i]->dv_driver == w->drv);
	kern_lock_release(sc->lock);
	return !busy;
}

/* Detach every device bound to drv (NULL: to any driver), last offered
 * first, rescanning after each (a detach waits, and meanwhile rescinds
 * free devices).  A device whose attach or detach is under way elsewhere
 * is waited for, then detached. */
void vmbus_detach_driver(struct vmbus_softc *sc, const struct vmbus_driver *drv)
{
	struct settle_wait w = { sc, drv };
	for (unsigned guard = 0; guard <= VMBUS_RELID_LIMIT; guard++) {
		struct vmbus_device *dev = NULL;
		bool busy = false;
		kern_lock_acquire(sc->lock);
		for (unsigned i = sc->ndevs; i-- > 0 && !dev;) {
			struct vmbus_device *d = sc->devs[i];
			if (!d->dv_driver || (drv && d->dv_driver != drv))
				continue;
			if (d->dv_attaching)
				busy = true;
			else
				dev = d;
		}
		kern_lock_release(sc->lock);
		if (dev) {
			vmbus_detach_device(sc, dev);
			continue;
		}
		if (!busy)
			return;
		if (vmbus_wait(sc, sc->wq, binds_settled, &w)) {
			kern_log(KERN_WARN, "vmbus", "an attach or detach under way did not finish");
			return;
		}
	}
}

void vmbus_fini(void)
{
	struct vmbus_softc *sc = &vmbus_sc;
	if (!sc->lock)
		return;
	/* Drivers first, last offered first, then whatever is still open.
	 * No attach starts from now on: an offer handled while a detach
	 * below waits for the host used to attach behind the loop and was
	 * never detached (its GPADLs leaked, its channel freed under it). */
	kern_lock_acquire(sc->lock);
	sc->stopping = true;
	kern_lock_release(sc->lock);
	vmbus_detach_driver(sc, NULL);
	/* From the head after every close: a close waits, and meanwhile the
	 * bus task may free a rescinded channel the walk stood on. */
	for (unsigned guard = 0; guard <= VMBUS_RELID_LIMIT; guard++) {
		struct vmbus_channel *open = NULL;
		kern_lock_acquire(sc->lock);
		for (struct vmbus_channel *ch = sc->chans; ch && !open; ch = ch->ch_next)
			if (ch->ch_state == VMBUS_CHS_OPEN)
				open = ch;
		kern_lock_release(sc->lock);
		if (!open)
			break;
		vmbus_chan_close(open);
	}
	if (sc->state >= VMBUS_CS_CONNECTED)
		unload(sc);
	teardown(sc);
}

bool vmbus_up(void)
{
	return vmbus_sc.up;
}

uint32_t vmbus_version(void)
{
	return vmbus_sc.up ? vmbus_sc.version : 0;
}

uint32_t vmbus_msg_conn_id(void)
{
	return vmbus_sc.msg_conn_id;
}

void vmbus_get_stats(struct vmbus_stats *out)
{
	struct vmbus_softc *sc = &vmbus_sc;
	if (sc->lock)
		kern_lock_acquire(sc->lock);
	*out = sc->stats;
	if (sc->lock)
		kern_lock_release(sc->lock);
}

uint64_t vmbus_cpu_intr_count(int cpu)
{
	if (cpu < 0 || cpu >= VMBUS_MAX_CPUS)
		return 0;
	return __atomic_load_n(&vmbus_sc.cpu_intrs[cpu], __ATOMIC_RELAXED);
}
