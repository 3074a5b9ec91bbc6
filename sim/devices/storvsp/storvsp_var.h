/* storvsp_var.h -- internal state of the storvsp controller, its channels
 * (one I/O queue each) and its in-flight requests. */
#ifndef SIM_DEVICES_STORVSP_VAR_H
#define SIM_DEVICES_STORVSP_VAR_H

#include "hyperv/vstor.h"
#include "sim/devices/storvsp/storvsp.h"
#include "sim/hostd/vmbs_dev.h"

/* Channel states (primary: the init handshake; sub-channels start READY). */
enum stvsp_state {
	STVSP_WAIT_BEGIN,     /* open, waiting for BEGIN_INITIALIZATION */
	STVSP_WAIT_VERSION,   /* QUERY_PROTOCOL_VERSION until one matches */
	STVSP_VERSIONED,      /* QUERY_PROPERTIES / CREATE_SUB_CHANNELS / END_INITIALIZATION */
	STVSP_READY,          /* EXECUTE_SRB, resets */
	STVSP_CLOSED,
};

struct stvsp_req;

struct stvsp_chan {
	struct storvsp *c_sv;
	struct vmbs_chan *c_ch;          /* NULL once rescinded */
	enum stvsp_state c_state;
	uint16_t c_version;              /* VSTOR_VERSION_* of this channel */
	uint32_t c_pkt_size;             /* VSTOR_PACKET_SIZE_* */
	unsigned c_inflight;             /* requests not yet completed */
	struct stvsp_req *c_wait_head, *c_wait_tail; /* completions waiting for ring space */
	bool c_orphan;                   /* rescinded with requests in flight */
	struct vmbs_gpa_list c_gl;       /* scratch for GPA-direct parsing */
};

struct stvsp_req {
	struct stvsp_chan *r_chan;
	uint64_t r_tid;
	struct vstor_srb r_srb;          /* the request's SRB (copied) */
	struct scsi_io r_io;
	struct iovec *r_iov;
	struct stvsp_req *r_next;        /* on c_wait_* */
	uint8_t r_reply[VSTOR_PACKET_SIZE_WIN8];
};

struct storvsp {
	struct vmbs *s_vb;
	struct vmbs_chan *s_primary;
	struct storvsp_config s_cfg;
	struct scsi_lun *s_lun[STORVSP_MAX_TARGETS][STORVSP_MAX_LUNS];
	bool s_subch_created;
	struct storvsp_stats s_stats;
};

/* storvsp_io.c */
int  stvsp_execute_srb(struct stvsp_chan *c, const struct vmbus_pkt_desc *d, const uint8_t *pkt,
		       uint32_t len, const struct vstor_packet *vp, uint32_t plen);
void stvsp_flush_waiting(struct stvsp_chan *c);
void stvsp_chan_put(struct stvsp_chan *c);
/* storvsp.c */
int  stvsp_send_reply(struct stvsp_chan *c, uint64_t tid, uint32_t status, const void *payload,
		      uint32_t plen, uint32_t size);

#endif /* SIM_DEVICES_STORVSP_VAR_H */
