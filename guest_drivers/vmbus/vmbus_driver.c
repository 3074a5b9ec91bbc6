/* vmbus_driver.c -- the driver registry: drivers matched by interface
 * GUID, attached to devices strictly in offer order (never in interrupt or
 * timing order), with units numbered per driver name, lowest free first,
 * so the first offered NIC is hn0 under every seed. */
#include <stdio.h>
#include <string.h>

#include "guest_drivers/vmbus/vmbus_var.h"

struct vmbus_driver *vmbus_drivers;

static struct vmbus_driver *match(const struct vmbus_device *dev)
{
	for (struct vmbus_driver *d = vmbus_drivers; d; d = d->vd_next)
		if (!memcmp(&d->class_id, &dev->dv_chan->ch_offer.if_type, sizeof d->class_id))
			return d;
	return NULL;
}

/* Lowest unit no other device of a driver with this name holds.  Called
 * with sc->lock held. */
static int free_unit(struct vmbus_softc *sc, const char *name)
{
	for (int u = 0;; u++) {
		bool taken = false;
		for (unsigned i = 0; i < sc->ndevs && !taken; i++) {
			struct vmbus_device *o = sc->devs[i];
			taken = o->dv_driver && o->dv_unit == u && !strcmp(o->dv_driver->name, name);
		}
		if (!taken)
			return u;
	}
}

/* Attach the first device (in offer order) that has a driver and none
 * attached.  Returns true if it tried one. */
static bool attach_one(struct vmbus_softc *sc)
{
	kern_lock_acquire(sc->lock);
	struct vmbus_device *dev = NULL;
	struct vmbus_driver *drv = NULL;
	for (unsigned i = 0; i < sc->ndevs; i++) {
		struct vmbus_device *d = sc->devs[i];
		if (d->dv_driver || d->dv_tried || d->dv_chan->ch_rescinded)
			continue;
		if ((drv = match(d))) {
			dev = d;
			break;
		}
	}
	if (!dev || sc->stopping) {
		kern_lock_release(sc->lock);
		return false;
	}
	/* Claim the unit now, so a nested pass cannot hand it out twice. */
	dev->dv_driver = drv;
	dev->dv_unit = free_unit(sc, drv->name);
	snprintf(dev->dv_name, sizeof dev->dv_name, "%s%d", drv->name, dev->dv_unit);
	dev->dv_attaching = true;
	kern_lock_release(sc->lock);

	int rc = drv->probe ? drv->probe(dev) : 0;
	if (!rc)
		rc = drv->attach ? drv->attach(dev) : 0;
	kern_lock_acquire(sc->lock);
	dev->dv_attaching = false;
	if (rc) {
		kern_log(KERN_WARN, "vmbus", "%s: attach failed (%d)", dev->dv_name, rc);
		dev->dv_driver = NULL;
		dev->dv_unit = -1;
		dev->dv_name[0] = '\0';
		dev->dv_tried = true;
	} else {
		kern_log(KERN_INFO, "vmbus", "%s at relid %u", dev->dv_name, dev->dv_chan->ch_relid);
	}
	if (dev->dv_chan->ch_rescinded)
		vmbus_kick_bus_task(sc);
	kern_lock_release(sc->lock);
	kern_wakeup(sc->wq); /* vmbus_fini waits for binds to settle */
	return true;
}

void vmbus_attach_pending(struct vmbus_softc *sc)
{
	kern_lock_acquire(sc->lock);
	if (sc->attaching) {
		sc->attach_again = true;
		kern_lock_release(sc->lock);
		return;
	}
	sc->attaching = true;
	kern_lock_release(sc->lock);
	for (;;) {
		/* Bounded: each pass attaches or marks one device. */
		for (unsigned i = 0; i <= VMBUS_RELID_LIMIT && attach_one(sc); i++)
			;
		kern_lock_acquire(sc->lock);
		bool again = sc->attach_again;
		sc->attach_again = false;
		if (!again)
			sc->attaching = false;
		kern_lock_release(sc->lock);
		if (!again)
			break;
	}
}

void vmbus_report_subchannels(struct vmbus_softc *sc)
{
	for (unsigned guard = 0; guard <= VMBUS_RELID_LIMIT; guard++) {
		struct vmbus_channel *sub = NULL;
		kern_lock_acquire(sc->lock);
		for (struct vmbus_channel *c = sc->chans; c; c = c->ch_next) {
			struct vmbus_device *d = c->ch_dev;
			if (c->ch_primary == c || c->ch_reported || c->ch_rescinded || !d ||
			    !d->dv_driver || d->dv_attaching)
				continue;
			c->ch_reported = true;
			if (d->dv_driver->subchannel) {
				sub = c;
				break;
			}
		}
		kern_lock_release(sc->lock);
		if (!sub)
			return;
		sub->ch_dev->dv_driver->subchannel(sub->ch_dev, sub);
	}
}

void vmbus_detach_device(struct vmbus_softc *sc, struct vmbus_device *dev)
{
	kern_lock_acquire(sc->lock);
	struct vmbus_driver *drv = dev->dv_driver;
	if (!drv || dev->dv_attaching) {
		kern_lock_release(sc->lock);
		return;
	}
	dev->dv_attaching = true; /* keeps the unit and a second detach out */
	kern_lock_release(sc->lock);
	if (drv->detach)
		drv->detach(dev);
	/* Whatever the driver left open. */
	for (struct vmbus_channel *c = sc->chans; c; c = c->ch_next)
		if (c->ch_dev == dev)
			vmbus_chan_close(c);
	kern_lock_acquire(sc->lock);
	kern_log(KERN_INFO, "vmbus", "%s detached", dev->dv_name);
	dev->dv_attaching = false;
	dev->dv_driver = NULL;
	dev->dv_unit = -1;
	dev->dv_name[0] = '\0';
	dev->dv_softc = NULL;
	bool kick = false;
	for (struct vmbus_channel *c = sc->chans; c; c = c->ch_next) {
		if (c->ch_dev == dev) {
			c->ch_reported = false;
			kick |= c->ch_rescinded; /* a sub-channel left to us, too */
		}
	}
	if (kick)
		vmbus_kick_bus_task(sc);
	kern_lock_release(sc->lock);
	kern_wakeup(sc->wq); /* vmbus_fini waits for binds to settle */
}

int vmbus_driver_register(struct vmbus_driver *drv)
{
	if (!drv || !drv->name || !drv->name[0] || strlen(drv->name) > VMBUS_UNIT_NAME_MAX - 8)
		return -EINVAL;
	struct vmbus_driver **pp = &vmbus_drivers;
	for (; *pp; pp = &(*pp)->vd_next)
		if (*pp == drv)
			return -EBUSY;
	drv->vd_next = NULL;
	*pp = drv;
	struct vmbus_softc *sc = &vmbus_sc;
	if (sc->up) {
		vmbus_attach_pending(sc);
		vmbus_report_subchannels(sc);
	}
	return 0;
}

void vmbus_driver_unregister(struct vmbus_driver *drv)
{
	struct vmbus_softc *sc = &vmbus_sc;
	/* Out of the registry first: an attach pass run while a detach below
	 * waits for the host must not bind this driver to another device
	 * behind the loop (it would outlive the driver). */
	for (struct vmbus_driver **pp = &vmbus_drivers; *pp; pp = &(*pp)->vd_next) {
		if (*pp == drv) {
			*pp = drv->vd_next;
			break;
		}
	}
	drv->vd_next = NULL;
	if (sc->lock)
		vmbus_detach_driver(sc, drv);
}
