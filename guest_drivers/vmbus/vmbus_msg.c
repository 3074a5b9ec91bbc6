/* vmbus_msg.c -- the SINT2 consumers: channel messages from the host
 * (checked by a dispatch table for type, length and connection state
 * before any handler runs) and channel events (O(1) per relid from 2.4,
 * the interrupt page below).  Interrupt context: nothing here sleeps. */
#include <string.h>

#include "guest_drivers/vmbus/vmbus_var.h"

typedef void vmbus_msg_handler(struct vmbus_softc *sc, const void *msg, uint32_t len);

struct vmbus_msg_entry {
	const char *name;
	uint32_t min_len;      /* 0 = we never accept this type from the host */
	uint32_t states;       /* bit per enum vmbus_conn_state */
	vmbus_msg_handler *fn;
};

#define ST(s) (1u << (s))
#define ST_ENUM (ST(VMBUS_CS_REQUESTED) | ST(VMBUS_CS_READY))

static void on_version_response(struct vmbus_softc *sc, const void *msg, uint32_t len)
{
	(void)len;
	memcpy(&sc->vr, msg, sizeof sc->vr);
	sc->vr_done = true;
	kern_wakeup(sc->wq);
}

static void on_offer(struct vmbus_softc *sc, const void *msg, uint32_t len)
{
	(void)len;
	vmbus_handle_offer(sc, msg);
}

static void on_rescind(struct vmbus_softc *sc, const void *msg, uint32_t len)
{
	(void)len;
	const struct vmbus_msg_rescind *m = msg;
	vmbus_handle_rescind(sc, m->child_relid);
}

static void on_all_offers(struct vmbus_softc *sc, const void *msg, uint32_t len)
{
	(void)msg;
	(void)len;
	sc->offers_done = true;
	vmbus_set_state(sc, VMBUS_CS_READY);
	kern_wakeup(sc->wq);
}

static void on_open_result(struct vmbus_softc *sc, const void *msg, uint32_t len)
{
	(void)len;
	vmbus_handle_open_result(sc, msg);
}

static void on_gpadl_created(struct vmbus_softc *sc, const void *msg, uint32_t len)
{
	(void)len;
	vmbus_handle_gpadl_created(sc, msg);
}

static void on_gpadl_torndown(struct vmbus_softc *sc, const void *msg, uint32_t len)
{
	(void)len;
	const struct vmbus_msg_gpadl_torndown *m = msg;
	vmbus_handle_gpadl_torndown(sc, m->gpadl);
}

static void on_unload_response(struct vmbus_softc *sc, const void *msg, uint32_t len)
{
	(void)msg;
	(void)len;
	sc->unload_done = true;
	kern_wakeup(sc->wq);
}

/* Minimum lengths are the structure sizes (Linux's table, vmbus.md 5.1);
 * host-to-guest types we do not use (MODIFYCHANNEL_RESPONSE, TL connect,
 * reserved channels) are dropped as unexpected. */
static const struct vmbus_msg_entry msg_table[VMBUS_MSG_COUNT] = {
	[VMBUS_MSG_OFFERCHANNEL] = { "OFFERCHANNEL", sizeof(struct vmbus_msg_offer), ST_ENUM, on_offer },
	[VMBUS_MSG_RESCIND_CHANNELOFFER] = { "RESCIND", sizeof(struct vmbus_msg_rescind),
					     ST_ENUM | ST(VMBUS_CS_UNLOADING), on_rescind },
	[VMBUS_MSG_ALLOFFERS_DELIVERED] = { "ALLOFFERS_DELIVERED", sizeof(struct vmbus_msg_hdr),
					    ST(VMBUS_CS_REQUESTED), on_all_offers },
	[VMBUS_MSG_OPENCHANNEL_RESULT] = { "OPEN_RESULT", sizeof(struct vmbus_msg_open_result),
					   ST_ENUM, on_open_result },
	[VMBUS_MSG_GPADL_CREATED] = { "GPADL_CREATED", sizeof(struct vmbus_msg_gpadl_created),
				      ST_ENUM, on_gpadl_created },
	[VMBUS_MSG_GPADL_TORNDOWN] = { "GPADL_TORNDOWN", sizeof(struct vmbus_msg_gpadl_torndown),
				       ST_ENUM | ST(VMBUS_CS_UNLOADING), on_gpadl_torndown },
	[VMBUS_MSG_VERSION_RESPONSE] = { "VERSION_RESPONSE", sizeof(struct vmbus_msg_version_response),
					 ST(VMBUS_CS_CONTACTING), on_version_response },
	[VMBUS_MSG_UNLOAD_RESPONSE] = { "UNLOAD_RESPONSE", sizeof(struct vmbus_msg_hdr),
					ST(VMBUS_CS_UNLOADING), on_unload_response },
};

void vmbus_on_message(void *arg, int cpu, const struct hv_message *msg)
{
	struct vmbus_softc *sc = arg;
	(void)cpu;
	/* The platform ISR already copied the slot; copy the payload once
	 * more into a zeroed, aligned buffer so a short message reads zeros
	 * past its end, never stale bytes. */
	union {
		uint8_t b[HV_MESSAGE_PAYLOAD_BYTES];
		uint64_t align;
	} buf;
	memset(&buf, 0, sizeof buf);
	uint32_t len = msg->header.payload_size;
	if (len > sizeof buf.b)
		len = sizeof buf.b;
	memcpy(buf.b, msg->payload, len);

	kern_lock_acquire(sc->lock);
	VMBUS_STAT_INC(sc, msgs_in);
	if (msg->header.message_type != HVMSG_VMBUS || len < sizeof(struct vmbus_msg_hdr)) {
		VMBUS_STAT_INC(sc, msgs_short);
		goto out;
	}
	struct vmbus_msg_hdr hdr;
	memcpy(&hdr, buf.b, sizeof hdr);
	const struct vmbus_msg_entry *e = hdr.msgtype < VMBUS_MSG_COUNT ? &msg_table[hdr.msgtype] : NULL;
	if (!e || !e->fn) {
		VMBUS_STAT_INC(sc, msgs_bad_type);
		kern_log(KERN_WARN, "vmbus", "message type %u dropped", hdr.msgtype);
		goto out;
	}
	if (len < e->min_len) {
		VMBUS_STAT_INC(sc, msgs_short);
		kern_log(KERN_WARN, "vmbus", "%s: %u bytes, need %u: dropped", e->name, len, e->min_len);
		goto out;
	}
	if (!(e->states & ST(sc->state))) {
		VMBUS_STAT_INC(sc, msgs_unexpected);
		kern_log(KERN_WARN, "vmbus", "%s in state %s: dropped", e->name,
			 vmbus_conn_state_name(sc->state));
		goto out;
	}
	e->fn(sc, buf.b, len);
out:
	kern_lock_release(sc->lock);
}

/* Below 2.4 the host sets bit relid in the first half of the interrupt
 * page and event flag 0: take the bits word by word (test-and-clear). */
static void scan_int_page(struct vmbus_softc *sc, int cpu)
{
	uint64_t *w = sc->int_page.va;
	for (uint32_t i = 0; i < VMBUS_INT_PAGE_HALF_BYTES / 8; i++) {
		if (!__atomic_load_n(&w[i], __ATOMIC_RELAXED))
			continue;
		uint64_t bits = __atomic_exchange_n(&w[i], 0, __ATOMIC_ACQ_REL);
		while (bits) {
			uint32_t relid = i * 64 + (uint32_t)__builtin_ctzll(bits);
			bits &= bits - 1;
			struct vmbus_channel *ch = relid < VMBUS_RELID_LIMIT ? sc->relid[relid] : NULL;
			if (ch)
				vmbus_chan_event(sc, ch, cpu);
			else
				VMBUS_STAT_INC(sc, spurious_events);
		}
	}
}

void vmbus_on_event(void *arg, int cpu, uint32_t flag)
{
	struct vmbus_softc *sc = arg;
	kern_lock_acquire(sc->lock);
	if (sc->version >= VMBUS_VERSION_WIN8) {
		struct vmbus_channel *ch = flag < VMBUS_RELID_LIMIT ? sc->relid[flag] : NULL;
		if (ch)
			vmbus_chan_event(sc, ch, cpu);
		else
			VMBUS_STAT_INC(sc, spurious_events);
	} else if (sc->version && flag == VMBUS_LEGACY_EVENT_FLAG && sc->int_page.va) {
		scan_int_page(sc, cpu);
	} else {
		VMBUS_STAT_INC(sc, spurious_events);
	}
	kern_lock_release(sc->lock);
}
