/* vmbus_var.h -- internal state of the guest VMBus bus driver, shared by
 * its files (connection, message dispatch, offers, GPADLs, channels,
 * drivers). */
#ifndef GUEST_DRIVERS_VMBUS_VMBUS_VAR_H
#define GUEST_DRIVERS_VMBUS_VMBUS_VAR_H

#include "guest_drivers/hyperv/hyperv.h"
#include "guest_drivers/kern.h"
#include "guest_drivers/vmbus/vmbus.h"
#include "guest_drivers/vmbus/vmbus_br.h"
#include "hyperv/hv_tlfs.h"
#include "hyperv/vmbus_msg.h"
#include "hyperv/vmbus_ring.h"

#define VMBUS_MAX_CPUS       HYPERV_MAX_CPUS
#define VMBUS_RX_BUDGET      64u   /* packets per receive task run */
#define VMBUS_POST_RETRY_NS  20000ull /* wait before re-posting to a full port */
#define VMBUS_MAX_SUBCHANNELS 64u  /* per primary (RELIABILITY 6: capped) */
#define VMBUS_UNIT_NAME_MAX  24

/* Connection states (one per bus). */
enum vmbus_conn_state {
	VMBUS_CS_DOWN = 0,       /* nothing negotiated */
	VMBUS_CS_CONTACTING,     /* INITIATE_CONTACT out, VERSION_RESPONSE awaited */
	VMBUS_CS_CONNECTED,      /* a version accepted */
	VMBUS_CS_REQUESTED,      /* REQUESTOFFERS out, offers arriving */
	VMBUS_CS_READY,          /* ALLOFFERS_DELIVERED seen: hot add from now */
	VMBUS_CS_UNLOADING,      /* UNLOAD out, UNLOAD_RESPONSE awaited */
	VMBUS_CS_COUNT
};
const char *vmbus_conn_state_name(enum vmbus_conn_state s);

/* Channel states. */
enum vmbus_chan_state {
	VMBUS_CHS_OFFERED = 0,   /* known, closed */
	VMBUS_CHS_OPENING,       /* OPENCHANNEL out, OPEN_RESULT awaited */
	VMBUS_CHS_OPEN,
	VMBUS_CHS_CLOSING,       /* close under way */
	VMBUS_CHS_COUNT
};
const char *vmbus_chan_state_name(enum vmbus_chan_state s);

struct vmbus_softc;

struct vmbus_channel {
	struct vmbus_softc *ch_sc;
	struct vmbus_msg_offer ch_offer;     /* private copy of the offer */
	uint32_t ch_relid;
	uint16_t ch_subidx;
	struct vmbus_channel *ch_primary;    /* self for a primary */
	struct vmbus_device *ch_dev;         /* the device (primary's, for subs too) */
	struct vmbus_channel *ch_next;       /* all channels, offer order */
	enum vmbus_chan_state ch_state;
	bool ch_rescinded;                   /* RESCIND seen */
	bool ch_reported;                    /* driver told about this sub-channel */
	bool ch_monitor;                     /* signal through the monitor page */
	uint8_t ch_monitor_id;
	unsigned ch_busy;                    /* callers inside open/close/gpadl/send */
	int ch_target_cpu;
	uint32_t ch_target_vp;
	/* open state */
	struct kern_dma ch_ring;             /* tx pages then rx pages */
	uint32_t ch_ring_gpadl;
	uint32_t ch_txpages;
	struct vmbus_br ch_tx, ch_rx;
	struct kern_lock *ch_txlock;
	uint8_t *ch_rxbuf;
	uint32_t ch_rxcap;
	vmbus_chan_cb *ch_cb;
	void *ch_cb_arg;
	bool ch_open_done;
	uint32_t ch_open_status;
	bool ch_rx_running;
	bool ch_cb_active;                   /* inside the receive callback */
	uint32_t ch_gen;                     /* bumped by every open and close */
	uint32_t ch_openid;
	struct kern_task ch_rx_task;
	struct kern_waitq *ch_wq;            /* open result, tx space, rx idle */
	uint64_t ch_intrs;
};

struct vmbus_device {
	struct vmbus_channel *dv_chan;        /* primary */
	struct vmbus_driver *dv_driver;       /* attached driver, NULL if none */
	int dv_unit;
	bool dv_attaching;
	bool dv_tried;                        /* probe/attach ran and failed: don't retry */
	char dv_name[VMBUS_UNIT_NAME_MAX];
	void *dv_softc;
};

/* A GPADL create or teardown waiting for the host's answer. */
struct vmbus_gpadl_wait {
	uint32_t gw_handle;
	uint32_t gw_relid;
	bool gw_teardown;                     /* waiting for TORNDOWN, not CREATED */
	bool gw_done;
	bool gw_rescinded;                    /* the channel went away meanwhile */
	uint32_t gw_status;
	struct vmbus_gpadl_wait *gw_next;
};

struct vmbus_softc {
	bool up;
	struct vmbus_config cfg;
	struct kern_lock *lock;               /* everything below; never held across kern_wait */
	struct kern_waitq *wq;                /* control-message replies */
	enum vmbus_conn_state state;
	uint32_t version;
	uint32_t msg_conn_id;
	uint32_t vp_index[VMBUS_MAX_CPUS];
	int ncpus;
	struct kern_dma int_page;             /* < 2.4 */
	struct kern_dma monitor;              /* 2 pages: parent->child, child->parent */
	bool handler_on;
	/* replies */
	bool vr_done;
	struct vmbus_msg_version_response vr;
	bool offers_done;
	bool unload_done;
	/* channels */
	struct vmbus_channel *relid[VMBUS_RELID_LIMIT];
	struct vmbus_channel *chans, **chans_tail; /* offer order */
	unsigned nchans;
	/* Offers refused for lack of memory: the host still counts them as
	 * offered, so their RESCIND is answered with RELID_RELEASED from the
	 * bus task (else the host holds the relid forever).  Bit per relid. */
	uint8_t relid_refused[VMBUS_RELID_LIMIT / 8];
	uint8_t relid_release_due[VMBUS_RELID_LIMIT / 8];
	struct vmbus_gpadl_wait *gpadl_waits;
	uint32_t next_gpadl;
	uint32_t next_openid;
	/* devices in offer order */
	struct vmbus_device **devs;
	unsigned ndevs, devs_cap;
	struct kern_task bus_task;            /* attach, sub-channels, rescinds */
	bool attaching, attach_again;         /* attach pass under way / asked again */
	bool stopping;                        /* vmbus_fini under way: attach nothing new */
	struct vmbus_stats stats;
	uint64_t cpu_intrs[VMBUS_MAX_CPUS];
};

extern struct vmbus_softc vmbus_sc;

/* Counters are bumped from interrupt and task context alike. */
#define VMBUS_STAT_INC(sc, f) __atomic_fetch_add(&(sc)->stats.f, 1, __ATOMIC_RELAXED)
extern struct vmbus_driver *vmbus_drivers;

/* vmbus_conn.c */
int  vmbus_post(struct vmbus_softc *sc, const void *msg, uint32_t len);
int  vmbus_wait(struct vmbus_softc *sc, struct kern_waitq *wq, bool (*cond)(void *), void *arg);
void vmbus_detach_driver(struct vmbus_softc *sc, const struct vmbus_driver *drv);
void vmbus_set_state(struct vmbus_softc *sc, enum vmbus_conn_state s);

/* vmbus_msg.c */
void vmbus_on_message(void *arg, int cpu, const struct hv_message *msg);
void vmbus_on_event(void *arg, int cpu, uint32_t flag);

/* vmbus_offer.c */
void vmbus_handle_offer(struct vmbus_softc *sc, const struct vmbus_msg_offer *o);
void vmbus_handle_rescind(struct vmbus_softc *sc, uint32_t relid);
void vmbus_bus_task(void *arg);
void vmbus_kick_bus_task(struct vmbus_softc *sc);
void vmbus_chan_put(struct vmbus_channel *ch);   /* leave ch_busy; may queue the bus task */
void vmbus_channels_free(struct vmbus_softc *sc);

/* vmbus_gpadl.c */
void vmbus_handle_gpadl_created(struct vmbus_softc *sc, const struct vmbus_msg_gpadl_created *m);
void vmbus_handle_gpadl_torndown(struct vmbus_softc *sc, uint32_t handle);
void vmbus_gpadl_waits_fail(struct vmbus_softc *sc, uint32_t relid);

/* vmbus_chan.c */
void vmbus_handle_open_result(struct vmbus_softc *sc, const struct vmbus_msg_open_result *m);
void vmbus_chan_event(struct vmbus_softc *sc, struct vmbus_channel *ch, int cpu);
void vmbus_chan_signal(struct vmbus_channel *ch);
void vmbus_chan_free(struct vmbus_channel *ch);
void vmbus_chan_rx_task(void *arg);

/* vmbus_driver.c */
void vmbus_attach_pending(struct vmbus_softc *sc);
void vmbus_report_subchannels(struct vmbus_softc *sc);
void vmbus_detach_device(struct vmbus_softc *sc, struct vmbus_device *dev);

#endif /* GUEST_DRIVERS_VMBUS_VMBUS_VAR_H */
