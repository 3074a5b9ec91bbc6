/* guest_vmbus.c -- the runner's VMBus requests, carried out in guest
 * context by the guest's bus driver (see guest_vmbus.h). */
#include "sim/guest/guest_vmbus.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "guest_drivers/kern.h"
#include "guest_drivers/vmbus/vmbus.h"
#include "guest_drivers/vmbus/vmbus_var.h"
#include "sim/guest/runtime.h"

void gk_vmbus_version_str(uint32_t version, char *buf, unsigned len)
{
	snprintf(buf, len, "%u.%u", version >> VMBUS_VERSION_MAJOR_SHIFT,
		 version & VMBUS_VERSION_MINOR_MASK);
}

static void fill(struct gk_vmbus_report *r)
{
	struct vmbus_softc *sc = &vmbus_sc;
	r->version = vmbus_version();
	gk_vmbus_version_str(r->version, r->version_str, sizeof r->version_str);
	r->msg_conn_id = r->version ? vmbus_msg_conn_id() : 0;
	r->noffers = 0;
	if (!sc->lock)
		return;
	kern_lock_acquire(sc->lock);
	for (struct vmbus_channel *ch = sc->chans; ch && r->noffers < GK_VMBUS_MAX_OFFERS;
	     ch = ch->ch_next) {
		struct gk_vmbus_offer *o = &r->offer[r->noffers++];
		memset(o, 0, sizeof *o);
		o->relid = ch->ch_relid;
		vmbus_guid_format(&ch->ch_offer.if_type, o->class_id);
		vmbus_guid_format(&ch->ch_offer.if_instance, o->instance_id);
		o->subidx = ch->ch_subidx;
		o->flags = ch->ch_offer.chan_flags;
		o->monitor = ch->ch_monitor && !sc->cfg.force_hypercall;
		o->conn_id = ch->ch_offer.connection_id;
		const char *name = ch->ch_dev ? vmbus_device_name(ch->ch_dev) : NULL;
		if (name)
			snprintf(o->driver, sizeof o->driver, "%s", name);
	}
	kern_lock_release(sc->lock);
}

struct connect_call {
	uint32_t max_version;
	bool force_hypercall;
	struct gk_vmbus_report *out;
};

static int connect_in_guest(void *arg)
{
	struct connect_call *c = arg;
	struct vmbus_config cfg = { .max_version = c->max_version,
				    .force_hypercall = c->force_hypercall };
	c->out->status = vmbus_init(&cfg);
	fill(c->out);
	return 0;
}

int gk_guest_vmbus_connect(struct gk_runtime *rt, uint32_t max_version, bool force_hypercall,
			   struct gk_vmbus_report *out)
{
	struct connect_call c = { max_version, force_hypercall, out };
	memset(out, 0, sizeof *out);
	return gk_runtime_call(rt, connect_in_guest, &c);
}

static int list_in_guest(void *arg)
{
	fill(arg);
	return 0;
}

int gk_guest_vmbus_list(struct gk_runtime *rt, struct gk_vmbus_report *out)
{
	memset(out, 0, sizeof *out);
	out->status = 0;
	return gk_runtime_call(rt, list_in_guest, out);
}

static int disconnect_in_guest(void *arg)
{
	(void)arg;
	vmbus_fini();
	return 0;
}

int gk_guest_vmbus_disconnect(struct gk_runtime *rt)
{
	return gk_runtime_call(rt, disconnect_in_guest, NULL);
}
