/* vmbs_var.h -- internal state of the VMBus server (connection, relid table,
 * channels, GPADLs, outbound queue) shared by the vmbs*.c files.  Not an API. */
#ifndef SIM_HOSTD_VMBS_VAR_H
#define SIM_HOSTD_VMBS_VAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hyperv/vmbus_msg.h"
#include "hyperv/vmbus_ring.h"
#include "sim/hostd/hring.h"
#include "sim/hostd/partition.h"
#include "sim/hostd/vmbs.h"
#include "sim/hostd/vmbs_capture.h"
#include "sim/hostd/vmbs_dev.h"

struct hv_profile;
struct vmbs_check;
struct vmbs_faults;

/* Per-channel guest->host event connection: 0x2000 + relid as OpenVMM
 * assigns it.  UNVERIFIED for real Hyper-V (vmbus.md 10 item 2); guests only
 * echo the value, so any unique 24-bit id works. */
#define VMBS_CHAN_CONN_BASE 0x2000u

/* Channel states; one setter (vmbs_chan_set_state) traces each change. */
enum vmbs_chan_state {
	VMBS_CHS_CLOSED = 0,  /* offered (or waiting to be), not open */
	VMBS_CHS_OPEN,        /* ring mapped, device open */
	VMBS_CHS_FAILED,      /* closed by the host (corrupt ring / device); guest must CLOSE */
	VMBS_CHS_COUNT
};

/* GPADL states. */
enum vmbs_gpadl_state {
	VMBS_GP_BUILDING = 0, /* header seen, waiting for BODY messages */
	VMBS_GP_READY,        /* complete and validated, GPADL_CREATED sent */
	VMBS_GP_TEARDOWN,     /* TEARDOWN received while the ring is in use */
};

struct vmbs_gpadl {
	struct vmbs_gpadl *gp_next;      /* server list */
	struct vmbs_chan *gp_chan;       /* owner */
	uint32_t gp_handle;
	enum vmbs_gpadl_state gp_state;
	uint16_t gp_rangecount;
	uint32_t gp_buflen;              /* range_buflen */
	uint32_t gp_have;                /* bytes of gp_buf received */
	uint8_t *gp_buf;                 /* the ranges, gp_buflen bytes, 8-aligned */
	bool     gp_in_use;              /* mapped as an open channel's ring */
	uint32_t gp_pins;                /* vmbs_gpadl_pin by the device */
};

struct vmbs_chan {
	struct vmbs *ch_vb;
	struct vmbs_chan *ch_primary;    /* itself for a primary */
	const struct vmbs_dev_ops *ch_ops;
	void *ch_ctx, *ch_priv;
	struct vmbs_dev_params *ch_params; /* owned by the primary, shared by subs */
	uint32_t ch_relid;
	uint16_t ch_subidx;
	uint16_t ch_nsub;                /* primary: highest sub-channel index offered */
	enum vmbs_chan_state ch_state;
	bool ch_offered;                 /* OFFERCHANNEL sent on this connection */
	bool ch_rescinded;               /* RESCIND sent; waiting for RELID_RELEASED */
	bool ch_removed;                 /* the device removed it */
	bool ch_port;                    /* event port ch_conn_id registered */
	bool ch_pending;                 /* in vb_pending */
	bool ch_closing;                 /* inside ops->close */
	bool ch_in_packet;               /* inside ops->packet: ch_pktbuf is the
					  * device's packet, so a stop (a send
					  * that finds the out ring corrupt)
					  * leaves it to vmbs_chan_process */
	uint8_t ch_monitor_id;           /* VMBUS_MONITOR_ID_NONE if none */
	uint32_t ch_conn_id;
	uint32_t ch_target_vp;
	uint32_t ch_openid;
	uint8_t ch_open_data[VMBUS_OPEN_USER_DATA_BYTES];
	struct vmbs_gpadl *ch_ring_gpadl;
	struct hring ch_in, ch_out;      /* guest->host (we read), host->guest (we write) */
	uint8_t *ch_pktbuf;
	uint32_t ch_pktcap;
	uint32_t ch_ngpadl;
};

struct vmbs_outmsg {
	uint32_t om_vp;
	uint32_t om_len;
	uint8_t  om_buf[HV_MESSAGE_PAYLOAD_BYTES];
};

struct vmbs {
	struct part *vb_part;
	struct gmem *vb_gm;
	const struct hv_profile *vb_prof;
	uint32_t vb_ceiling;             /* profile's vmbus_max_version */
	uint32_t vb_nvcpus;
	struct vmbs_notify vb_out;
	void *vb_arg;
	struct vmbs_config vb_cfg;
	bool vb_port1, vb_port2, vb_port4;

	enum vmbs_conn_state vb_state;
	uint32_t vb_version;             /* 0 when disconnected */
	uint32_t vb_msg_vp;              /* VP for channel messages */
	uint64_t vb_int_page;            /* < 2.4: interrupt page GPA, else 0 */
	uint64_t vb_mon1, vb_mon2;       /* monitor pages (0 = none) */

	struct vmbs_chan *vb_chan[VMBUS_RELID_LIMIT]; /* by relid; [0] unused */
	uint32_t vb_nchan;
	/* One past the highest relid ever handed out (never shrinks): scans of
	 * vb_chan stop here instead of walking all 2048 slots (relids are
	 * dense from 1, so this is the device count, not the limit). */
	uint32_t vb_relid_end;
	struct vmbs_chan *vb_mon_chan[VMBUS_MONITOR_COUNT];
	uint32_t vb_mon_mask[VMBUS_MONITOR_GROUPS];    /* allocated monitor bits */
	uint64_t vb_pending[VMBUS_RELID_LIMIT / 64];   /* channels to process */
	bool vb_legacy_signal;           /* connection 2 was signalled (0.13) */
	bool vb_kicked;

	struct vmbs_gpadl *vb_gpadls;
	uint32_t vb_ngpadl;

	struct vmbs_outmsg *vb_outq;
	uint32_t vb_outq_cap, vb_outq_head, vb_outq_len;

	struct vmbs_stats vb_st;

	struct vmbs_check *vb_check;     /* protocol checker (vmbs_check*.c), NULL: off */
	struct vmbs_faults *vb_fault;    /* armed faults (vmbs_fault*.c), NULL: none */

	/* capture tap (vmbs_capture.c), NULL: off */
	vmbs_capture_fn *vb_cap_fn;
	void *vb_cap_arg;
};

/* vmbs.c */
void *vmbs_zalloc(size_t size);
void *vmbs_malloc(size_t size);   /* not zeroed; same failure hook */
void  vmbs_free(void *ptr);
void  vmbs_trace(const struct vmbs *vb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void  vmbs_reject(struct vmbs *vb, enum vmbs_rej why);
/* Queue a message for the guest's message VP (or 'vp'); keeps order. */
void  vmbs_send_msg(struct vmbs *vb, const void *msg, uint32_t len);
void  vmbs_kick(struct vmbs *vb);
void  vmbs_outq_flush(struct vmbs *vb);

/* vmbs_conn.c */
void vmbs_h_initiate_contact(struct vmbs *vb, const struct part_posted_msg *m, uint32_t conn);
void vmbs_h_unload(struct vmbs *vb, const struct part_posted_msg *m, uint32_t conn);
/* Tear everything of the connection down (channels closed, GPADLs freed,
 * sub-channels and removed devices freed, offers forgotten). */
void vmbs_bus_reset(struct vmbs *vb);

/* vmbs_offer.c */
void vmbs_h_request_offers(struct vmbs *vb, const struct part_posted_msg *m, uint32_t conn);
void vmbs_h_relid_released(struct vmbs *vb, const struct part_posted_msg *m, uint32_t conn);
void vmbs_offer_send(struct vmbs *vb, struct vmbs_chan *ch);
/* A channel the guest may address: offered on this connection, relid known. */
struct vmbs_chan *vmbs_chan_lookup(struct vmbs *vb, uint32_t relid);
/* Free a channel object: relid, monitor id, GPADLs; calls ops->rescinded. */
void vmbs_chan_free(struct vmbs_chan *ch);
/* Rescind one channel (hot remove of a primary uses vmbs_dev_remove). */
void vmbs_chan_rescind(struct vmbs_chan *ch);

/* vmbs_gpadl.c */
void vmbs_h_gpadl_header(struct vmbs *vb, const struct part_posted_msg *m, uint32_t conn);
void vmbs_h_gpadl_body(struct vmbs *vb, const struct part_posted_msg *m, uint32_t conn);
void vmbs_h_gpadl_teardown(struct vmbs *vb, const struct part_posted_msg *m, uint32_t conn);
struct vmbs_gpadl *vmbs_gpadl_find(struct vmbs *vb, struct vmbs_chan *ch, uint32_t handle);
/* The ring GPADL of a channel that just closed: send TORNDOWN if deferred. */
void vmbs_gpadl_ring_released(struct vmbs *vb, struct vmbs_gpadl *gp);
/* Free every GPADL of 'ch' (NULL: all), without messages. */
void vmbs_gpadl_free_all(struct vmbs *vb, struct vmbs_chan *ch);
/* The channel closed: its device's pins go (deferred teardowns finish). */
void vmbs_gpadl_drop_pins(struct vmbs *vb, struct vmbs_chan *ch);
/* A ring GPADL: one range, offset 0, whole pages.  Page count or 0. */
uint32_t vmbs_gpadl_pages(const struct vmbs_gpadl *gp, const uint64_t **pfns);

/* vmbs_chan.c */
void vmbs_h_open(struct vmbs *vb, const struct part_posted_msg *m, uint32_t conn);
void vmbs_h_close(struct vmbs *vb, const struct part_posted_msg *m, uint32_t conn);
void vmbs_h_modify(struct vmbs *vb, const struct part_posted_msg *m, uint32_t conn);
void vmbs_chan_set_state(struct vmbs_chan *ch, enum vmbs_chan_state s);
const char *vmbs_chan_state_name(enum vmbs_chan_state s);
/* Close an open (or failed) channel host-side: device close, unmap, port. */
void vmbs_chan_shutdown(struct vmbs_chan *ch);
/* Mark a channel signalled by the guest. */
void vmbs_chan_mark(struct vmbs_chan *ch);
/* Process one signalled channel; true if its budget ran out. */
bool vmbs_chan_process(struct vmbs_chan *ch);
/* Signal the guest for channel 'ch' by the negotiated era's rules. */
void vmbs_chan_signal_guest(struct vmbs_chan *ch);

/* vmbs_monitor.c */
void vmbs_monitor_assign(struct vmbs *vb, struct vmbs_chan *ch);
void vmbs_monitor_release(struct vmbs *vb, struct vmbs_chan *ch);
/* Take monitor pending bits and 0.13 interrupt-page bits. */
void vmbs_monitor_poll(struct vmbs *vb);
void vmbs_legacy_poll(struct vmbs *vb);
/* Host->guest signal below 2.4: relid bit in the interrupt page. */
void vmbs_int_page_set(struct vmbs *vb, uint32_t relid);

/* vmbs_capture.c: hand one record to the tap (callers test vb_cap_fn
 * first, so an idle tap costs one NULL test). */
void vcap_msg(struct vmbs *vb, uint8_t dir, uint32_t conn, uint32_t vp, const void *msg,
	      uint32_t len);
void vcap_pkt(struct vmbs_chan *ch, uint8_t dir, const struct hring_iov *iov, unsigned niov);

static inline bool vmbs_relid_ok(uint32_t relid)
{
	return relid != 0 && relid < VMBUS_RELID_LIMIT;
}

#endif /* SIM_HOSTD_VMBS_VAR_H */
