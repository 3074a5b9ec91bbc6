/* vmbus_offer.c -- offers become channels (and primaries become child
 * devices), checked against a hostile host: relid range and reuse,
 * sub-channels need a live primary, duplicates refused.  Rescinds mark
 * the channel; the bus task detaches, closes, releases the relid and frees
 * it once nobody is inside a call on it. */
#include <string.h>

#include "guest_drivers/vmbus/vmbus_var.h"

static bool same_device(const struct vmbus_msg_offer *a, const struct vmbus_msg_offer *b)
{
	return !memcmp(&a->if_type, &b->if_type, sizeof a->if_type) &&
	       !memcmp(&a->if_instance, &b->if_instance, sizeof a->if_instance);
}

static void refuse(struct vmbus_softc *sc, const struct vmbus_msg_offer *o, const char *why)
{
	VMBUS_STAT_INC(sc, offers_refused);
	kern_log(KERN_WARN, "vmbus", "offer relid %u (sub-channel %u) refused: %s", o->child_relid,
		 o->sub_channel_index, why);
}

static int devs_append(struct vmbus_softc *sc, struct vmbus_device *dev)
{
	if (sc->ndevs == sc->devs_cap) {
		unsigned cap = sc->devs_cap ? sc->devs_cap * 2 : 16;
		struct vmbus_device **n = kern_malloc(cap * sizeof *n);
		if (!n)
			return -ENOMEM;
		if (sc->ndevs)
			memcpy(n, sc->devs, sc->ndevs * sizeof *n);
		kern_free(sc->devs);
		sc->devs = n;
		sc->devs_cap = cap;
	}
	sc->devs[sc->ndevs++] = dev;
	return 0;
}

/* Called with sc->lock held, in interrupt context. */
void vmbus_handle_offer(struct vmbus_softc *sc, const struct vmbus_msg_offer *o)
{
	VMBUS_STAT_INC(sc, offers);
	uint32_t relid = o->child_relid;
	if (relid == 0 || relid >= VMBUS_RELID_LIMIT) {
		refuse(sc, o, "relid out of range");
		return;
	}
	if (sc->relid[relid]) {
		refuse(sc, o, "relid in use");
		return;
	}
	struct vmbus_channel *primary = NULL;
	unsigned nsubs = 0;
	for (struct vmbus_channel *c = sc->chans; c; c = c->ch_next) {
		if (c->ch_rescinded || !same_device(&c->ch_offer, o))
			continue;
		if (c->ch_subidx == o->sub_channel_index) {
			refuse(sc, o, "duplicate of a live channel");
			return;
		}
		if (c->ch_subidx == 0)
			primary = c;
		else
			nsubs++;
	}
	if (o->sub_channel_index != 0) {
		if (!primary) {
			refuse(sc, o, "sub-channel without a known primary");
			return;
		}
		if (nsubs >= VMBUS_MAX_SUBCHANNELS) {
			refuse(sc, o, "too many sub-channels");
			return;
		}
	} else {
		primary = NULL;
	}

	struct vmbus_channel *ch = kern_zalloc(sizeof *ch);
	struct vmbus_device *dev = NULL;
	if (!ch)
		goto nomem;
	ch->ch_wq = kern_waitq_create();
	ch->ch_txlock = kern_lock_create("vmbus_tx");
	if (!ch->ch_wq || !ch->ch_txlock)
		goto nomem;
	if (!primary) {
		dev = kern_zalloc(sizeof *dev);
		if (!dev || devs_append(sc, dev))
			goto nomem;
		dev->dv_chan = ch;
		dev->dv_unit = -1;
	}
	ch->ch_sc = sc;
	ch->ch_offer = *o;
	ch->ch_relid = relid;
	ch->ch_subidx = o->sub_channel_index;
	ch->ch_primary = primary ? primary : ch;
	ch->ch_dev = primary ? primary->ch_dev : dev;
	ch->ch_state = VMBUS_CHS_OFFERED;
	/* A monitor id past the page's 128 monitors cannot be signalled
	 * through it: use the hypercall for that channel. */
	ch->ch_monitor = (o->monitor_allocated & VMBUS_OFFER_MONITOR_ALLOCATED) &&
			 o->monitorid < VMBUS_MONITOR_COUNT;
	ch->ch_monitor_id = o->monitorid;
	ch->ch_target_cpu = 0;
	ch->ch_target_vp = sc->vp_index[0];
	kern_task_init(&ch->ch_rx_task, vmbus_chan_rx_task, ch);
	*sc->chans_tail = ch;
	sc->chans_tail = &ch->ch_next;
	sc->relid[relid] = ch;
	sc->relid_refused[relid / 8] &= (uint8_t)~(1u << (relid % 8));
	sc->nchans++;
	kern_log(KERN_DEBUG, "vmbus", "offer relid %u sub-channel %u conn %u monitor %s", relid,
		 ch->ch_subidx, o->connection_id, ch->ch_monitor ? "yes" : "no");
	/* After enumeration an offer is a hot add or a new sub-channel. */
	if (sc->state == VMBUS_CS_READY)
		vmbus_kick_bus_task(sc);
	kern_wakeup(sc->wq);
	return;
nomem:
	if (ch) {
		kern_waitq_destroy(ch->ch_wq);
		kern_lock_destroy(ch->ch_txlock);
		kern_free(ch);
	}
	kern_free(dev);
	refuse(sc, o, "out of memory");
	/* The relid stays the host's: hand it back when the host rescinds it
	 * (found by fuzz_netvsc_attach; Linux releases it at once instead,
	 * which a host may reject as "released before rescinded"). */
	sc->relid_refused[relid / 8] |= (uint8_t)(1u << (relid % 8));
}

/* Called with sc->lock held, in interrupt context. */
void vmbus_handle_rescind(struct vmbus_softc *sc, uint32_t relid)
{
	struct vmbus_channel *ch = relid < VMBUS_RELID_LIMIT ? sc->relid[relid] : NULL;
	if (!ch && relid < VMBUS_RELID_LIMIT &&
	    (sc->relid_refused[relid / 8] & (1u << (relid % 8)))) {
		sc->relid_refused[relid / 8] &= (uint8_t)~(1u << (relid % 8));
		sc->relid_release_due[relid / 8] |= (uint8_t)(1u << (relid % 8));
		VMBUS_STAT_INC(sc, rescinds);
		vmbus_kick_bus_task(sc);
		return;
	}
	if (!ch || ch->ch_rescinded) {
		VMBUS_STAT_INC(sc, msgs_unexpected);
		kern_log(KERN_WARN, "vmbus", "RESCIND of %s relid %u dropped",
			 ch ? "an already rescinded" : "an unknown", relid);
		return;
	}
	ch->ch_rescinded = true;
	VMBUS_STAT_INC(sc, rescinds);
	vmbus_gpadl_waits_fail(sc, relid);
	/* Whoever waits on this channel (OPEN_RESULT, ring space) gives up. */
	kern_wakeup(ch->ch_wq);
	kern_wakeup(sc->wq);
	vmbus_kick_bus_task(sc);
}

void vmbus_kick_bus_task(struct vmbus_softc *sc)
{
	if (sc->handler_on)
		kern_task_enqueue(0, &sc->bus_task);
}

void vmbus_chan_put(struct vmbus_channel *ch)
{
	struct vmbus_softc *sc = ch->ch_sc;
	kern_lock_acquire(sc->lock);
	if (ch->ch_busy)
		ch->ch_busy--;
	if (!ch->ch_busy && ch->ch_rescinded)
		vmbus_kick_bus_task(sc);
	kern_lock_release(sc->lock);
}

static bool has_live_subs(struct vmbus_softc *sc, struct vmbus_channel *primary)
{
	for (struct vmbus_channel *c = sc->chans; c; c = c->ch_next)
		if (c != primary && c->ch_primary == primary)
			return true;
	return false;
}

static void unlink_chan(struct vmbus_softc *sc, struct vmbus_channel *ch)
{
	for (struct vmbus_channel **pp = &sc->chans; *pp; pp = &(*pp)->ch_next) {
		if (*pp == ch) {
			*pp = ch->ch_next;
			if (sc->chans_tail == &ch->ch_next)
				sc->chans_tail = pp;
			break;
		}
	}
	sc->relid[ch->ch_relid] = NULL;
	sc->nchans--;
	if (ch->ch_primary != ch)
		return;
	for (unsigned i = 0; i < sc->ndevs; i++) {
		if (sc->devs[i] == ch->ch_dev) {
			memmove(&sc->devs[i], &sc->devs[i + 1], (sc->ndevs - i - 1) * sizeof sc->devs[0]);
			sc->ndevs--;
			break;
		}
	}
}

static void post_relid_released(struct vmbus_softc *sc, uint32_t relid)
{
	struct vmbus_msg_relid_released rr;
	memset(&rr, 0, sizeof rr);
	rr.hdr.msgtype = VMBUS_MSG_RELID_RELEASED;
	rr.child_relid = relid;
	if (vmbus_post(sc, &rr, sizeof rr) == 0)
		VMBUS_STAT_INC(sc, relids_released);
}

/* One step of rescind processing.  Returns true when it did something
 * (call again), false when nothing rescinded can make progress now. */
static bool rescind_step(struct vmbus_softc *sc)
{
	kern_lock_acquire(sc->lock);
	for (uint32_t i = 0; i < VMBUS_RELID_LIMIT / 8; i++) {
		if (!sc->relid_release_due[i])
			continue;
		uint32_t bit = (uint32_t)__builtin_ctz(sc->relid_release_due[i]);
		sc->relid_release_due[i] &= (uint8_t)~(1u << bit);
		kern_lock_release(sc->lock);
		post_relid_released(sc, i * 8 + bit);
		kern_log(KERN_INFO, "vmbus", "relid %u (refused offer) rescinded and released",
			 i * 8 + bit);
		return true;
	}
	for (struct vmbus_channel *ch = sc->chans; ch; ch = ch->ch_next) {
		if (!ch->ch_rescinded || ch->ch_busy)
			continue;
		struct vmbus_device *dev = ch->ch_primary == ch ? ch->ch_dev : NULL;
		if (dev && dev->dv_attaching)
			continue; /* attach fails on its own, then kicks us */
		/* A sub-channel belongs to its primary's driver while one is
		 * bound (attaching, attached or detaching): the driver holds
		 * it (hn's queue) and closes it at detach, whose close kicks
		 * us again.  Closing and freeing it here left the driver a
		 * dangling channel when the host rescinded the sub-channels
		 * ahead of the primary. */
		if (ch->ch_primary != ch && ch->ch_dev && ch->ch_dev->dv_driver)
			continue;
		if (dev && dev->dv_driver) {
			kern_lock_release(sc->lock);
			vmbus_detach_device(sc, dev);
			return true;
		}
		if (ch->ch_state == VMBUS_CHS_OPEN) {
			kern_lock_release(sc->lock);
			vmbus_chan_close(ch);
			return true;
		}
		if (ch->ch_state != VMBUS_CHS_OFFERED)
			continue;
		if (dev && has_live_subs(sc, ch))
			continue; /* the host rescinds sub-channels first */
		unlink_chan(sc, ch);
		uint32_t relid = ch->ch_relid;
		kern_lock_release(sc->lock);
		post_relid_released(sc, relid);
		kern_log(KERN_INFO, "vmbus", "relid %u rescinded and released", relid);
		vmbus_chan_free(ch);
		kern_free(dev);
		return true;
	}
	kern_lock_release(sc->lock);
	return false;
}

void vmbus_bus_task(void *arg)
{
	struct vmbus_softc *sc = arg;
	/* Bounded: each step frees, detaches or closes something. */
	for (unsigned i = 0; i < 4 * VMBUS_RELID_LIMIT && rescind_step(sc); i++)
		;
	if (sc->up) {
		vmbus_attach_pending(sc);
		vmbus_report_subchannels(sc);
	}
}

/* Teardown: free every channel and device, whatever their state. */
void vmbus_channels_free(struct vmbus_softc *sc)
{
	while (sc->chans) {
		struct vmbus_channel *ch = sc->chans;
		sc->chans = ch->ch_next;
		vmbus_chan_free(ch);
	}
	sc->chans_tail = &sc->chans;
	for (unsigned i = 0; i < sc->ndevs; i++)
		kern_free(sc->devs[i]);
	sc->ndevs = 0;
	memset(sc->relid, 0, sizeof sc->relid);
	sc->nchans = 0;
}

/* ---- accessors ---------------------------------------------------------------- */

unsigned vmbus_device_count(void)
{
	return vmbus_sc.ndevs;
}

struct vmbus_device *vmbus_device_at(unsigned i)
{
	return i < vmbus_sc.ndevs ? vmbus_sc.devs[i] : NULL;
}

const struct vmbus_guid *vmbus_device_class(const struct vmbus_device *dev)
{
	return &dev->dv_chan->ch_offer.if_type;
}

const struct vmbus_guid *vmbus_device_instance(const struct vmbus_device *dev)
{
	return &dev->dv_chan->ch_offer.if_instance;
}

const char *vmbus_device_name(const struct vmbus_device *dev)
{
	return dev->dv_driver && dev->dv_unit >= 0 ? dev->dv_name : NULL;
}

int vmbus_device_unit(const struct vmbus_device *dev)
{
	return dev->dv_driver ? dev->dv_unit : -1;
}

struct vmbus_channel *vmbus_device_channel(struct vmbus_device *dev)
{
	return dev->dv_chan;
}

void vmbus_device_set_softc(struct vmbus_device *dev, void *softc)
{
	dev->dv_softc = softc;
}

void *vmbus_device_softc(const struct vmbus_device *dev)
{
	return dev->dv_softc;
}

uint32_t vmbus_chan_relid(const struct vmbus_channel *ch)
{
	return ch->ch_relid;
}

uint16_t vmbus_chan_subidx(const struct vmbus_channel *ch)
{
	return ch->ch_subidx;
}

struct vmbus_device *vmbus_chan_device(const struct vmbus_channel *ch)
{
	return ch->ch_dev;
}

const uint8_t *vmbus_chan_user_defined(const struct vmbus_channel *ch)
{
	return ch->ch_offer.user_defined;
}

uint16_t vmbus_chan_offer_flags(const struct vmbus_channel *ch)
{
	return ch->ch_offer.chan_flags;
}

bool vmbus_chan_rescinded(const struct vmbus_channel *ch)
{
	return __atomic_load_n(&ch->ch_rescinded, __ATOMIC_ACQUIRE);
}

struct vmbus_channel *vmbus_chan_subchannel(struct vmbus_channel *primary, uint16_t idx)
{
	struct vmbus_softc *sc = primary->ch_sc;
	struct vmbus_channel *found = NULL;
	kern_lock_acquire(sc->lock);
	for (struct vmbus_channel *c = sc->chans; c; c = c->ch_next)
		if (c->ch_primary == primary && c != primary && c->ch_subidx == idx && !c->ch_rescinded)
			found = c;
	kern_lock_release(sc->lock);
	return found;
}

struct subwait {
	struct vmbus_channel *primary;
	unsigned n;
};

static bool enough_subs(void *arg)
{
	struct subwait *w = arg;
	struct vmbus_softc *sc = w->primary->ch_sc;
	unsigned n = 0;
	kern_lock_acquire(sc->lock);
	for (struct vmbus_channel *c = sc->chans; c; c = c->ch_next)
		if (c->ch_primary == w->primary && c != w->primary && !c->ch_rescinded)
			n++;
	bool done = n >= w->n || w->primary->ch_rescinded;
	kern_lock_release(sc->lock);
	return done;
}

int vmbus_chan_wait_subchannels(struct vmbus_channel *primary, unsigned n)
{
	struct subwait w = { primary, n };
	int rc = vmbus_wait(primary->ch_sc, primary->ch_sc->wq, enough_subs, &w);
	if (!rc && primary->ch_rescinded)
		rc = -ENODEV;
	return rc;
}
