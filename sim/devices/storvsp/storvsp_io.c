/* storvsp_io.c -- EXECUTE_SRB: the SRB and its GPA-direct data buffer are
 * copied and checked, the command goes to the LUN (or the absent-LUN
 * answer), and the completion carries SRB status, SCSI status, autosense
 * and the bytes moved.  Completions go out in any order; those that find
 * the ring full wait on the channel until it is writable. */
#include "sim/devices/storvsp/storvsp_var.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* openvmm's SRB status -> NTSTATUS mapping (devices.md C.8). */
static uint32_t stvsp_ntstatus(uint8_t srb)
{
	switch (srb & VSTOR_SRB_STATUS_MASK) {
	case VSTOR_SRB_STATUS_SUCCESS:
		return VSTOR_STATUS_SUCCESS;
	case VSTOR_SRB_STATUS_BUSY:
		return VSTOR_STATUS_DEVICE_BUSY;
	case VSTOR_SRB_STATUS_INVALID_LUN:
	case VSTOR_SRB_STATUS_INVALID_TARGET_ID:
	case VSTOR_SRB_STATUS_NO_DEVICE:
	case VSTOR_SRB_STATUS_NO_HBA:
		return VSTOR_STATUS_DEVICE_DOES_NOT_EXIST;
	case VSTOR_SRB_STATUS_TIMEOUT:
	case VSTOR_SRB_STATUS_COMMAND_TIMEOUT:
		return VSTOR_STATUS_IO_TIMEOUT;
	case VSTOR_SRB_STATUS_SELECTION_TIMEOUT:
		return VSTOR_STATUS_DEVICE_NOT_CONNECTED;
	case VSTOR_SRB_STATUS_BAD_FUNCTION:
	case VSTOR_SRB_STATUS_BAD_SRB_BLOCK_LENGTH:
		return VSTOR_STATUS_INVALID_DEVICE_REQUEST;
	case VSTOR_SRB_STATUS_DATA_OVERRUN:
		return VSTOR_STATUS_BUFFER_OVERFLOW;
	case VSTOR_SRB_STATUS_REQUEST_FLUSHED:
		return VSTOR_STATUS_UNSUCCESSFUL;
	case VSTOR_SRB_STATUS_ABORTED:
		return VSTOR_STATUS_CANCELLED;
	default:
		return VSTOR_STATUS_IO_DEVICE_ERROR;
	}
}

void stvsp_chan_put(struct stvsp_chan *c)
{
	if (c->c_orphan && c->c_inflight == 0 && !c->c_wait_head)
		free(c);
}

static void stvsp_req_free(struct stvsp_req *r)
{
	struct stvsp_chan *c = r->r_chan;

	free(r->r_iov);
	free(r);
	c->c_inflight--;
	c->c_sv->s_stats.inflight--;
	stvsp_chan_put(c);
}

/* Build the reply into r->r_reply (zeroed; only what the guest may see). */
static void stvsp_build_reply(struct stvsp_req *r)
{
	struct stvsp_chan *c = r->r_chan;
	struct vstor_packet *p = (struct vstor_packet *)r->r_reply;
	struct scsi_io *io = &r->r_io;
	uint32_t sense_max = c->c_version >= VSTOR_VERSION_WIN8 ? VSTOR_SENSE_SIZE_WIN8 : VSTOR_SENSE_SIZE_WIN7;
	uint32_t ns = io->sense_len;
	uint8_t srb = io->srb_status;

	memset(r->r_reply, 0, sizeof(r->r_reply));
	p->operation = VSTOR_OP_COMPLETE_IO;
	p->status = stvsp_ntstatus(srb);
	p->u.srb.length = (uint16_t)(c->c_pkt_size - VSTOR_PACKET_HDR_SIZE);
	p->u.srb.port_number = r->r_srb.port_number;
	p->u.srb.path_id = r->r_srb.path_id;
	p->u.srb.target_id = r->r_srb.target_id;
	p->u.srb.lun = r->r_srb.lun;
	p->u.srb.cdb_length = r->r_srb.cdb_length;
	p->u.srb.data_in = r->r_srb.data_in;
	p->u.srb.scsi_status = io->status;
	if (ns > r->r_srb.sense_info_length)
		ns = r->r_srb.sense_info_length;
	if (ns > sense_max)
		ns = sense_max;
	if (ns) {
		memcpy(p->u.srb.u.sense, io->sense, ns);
		srb |= VSTOR_SRB_STATUS_AUTOSENSE_VALID;
	}
	p->u.srb.sense_info_length = (uint8_t)ns;
	p->u.srb.srb_status = srb;
	p->u.srb.data_transfer_length = io->xferred;
	if (c->c_version >= VSTOR_VERSION_WIN8) {
		p->u.srb.queue_tag = r->r_srb.queue_tag;
		p->u.srb.queue_action = r->r_srb.queue_action;
		p->u.srb.srb_flags = r->r_srb.srb_flags;
		p->u.srb.time_out_value = r->r_srb.time_out_value;
	}
}

/* Send (or queue) the completion; frees r once it is out or dropped. */
static void stvsp_complete(struct stvsp_req *r)
{
	struct stvsp_chan *c = r->r_chan;
	int rc;

	stvsp_build_reply(r);
	if (!c->c_ch || c->c_state == STVSP_CLOSED) {
		c->c_sv->s_stats.dropped_completions++;
		stvsp_req_free(r);
		return;
	}
	if (c->c_wait_head) {
		/* Keep completions behind the ones already waiting. */
		r->r_next = NULL;
		c->c_wait_tail->r_next = r;
		c->c_wait_tail = r;
		return;
	}
	c->c_sv->s_stats.completions++;
	rc = vmbs_chan_send_completion(c->c_ch, r->r_tid, r->r_reply, c->c_pkt_size);
	if (rc == -EAGAIN) {
		c->c_sv->s_stats.send_deferred++;
		r->r_next = NULL;
		c->c_wait_head = c->c_wait_tail = r;
		return;
	}
	if (rc)
		c->c_sv->s_stats.dropped_completions++;
	stvsp_req_free(r);
}

void stvsp_flush_waiting(struct stvsp_chan *c)
{
	while (c->c_wait_head) {
		struct stvsp_req *r = c->c_wait_head;
		int rc = -ENOTCONN;
		if (c->c_ch && c->c_state != STVSP_CLOSED)
			rc = vmbs_chan_send_completion(c->c_ch, r->r_tid, r->r_reply, c->c_pkt_size);
		if (rc == -EAGAIN)
			return;
		if (rc)
			c->c_sv->s_stats.dropped_completions++;
		c->c_wait_head = r->r_next;
		if (!c->c_wait_head)
			c->c_wait_tail = NULL;
		stvsp_req_free(r);
	}
}

static void stvsp_io_done(struct scsi_io *io)
{
	stvsp_complete(io->arg);
}

/* Fail the request now with an SRB status and no sense. */
static void stvsp_fail(struct stvsp_req *r, uint8_t srb)
{
	r->r_chan->c_sv->s_stats.invalid_srb++;
	r->r_io.status = SCSI_STATUS_GOOD;
	r->r_io.srb_status = srb;
	r->r_io.sense_len = 0;
	r->r_io.xferred = 0;
	stvsp_complete(r);
}

/* The data buffer as host iovecs over guest pages: range 0, first 'len'
 * bytes, adjacent pieces merged. */
static int stvsp_build_iov(struct stvsp_chan *c, struct stvsp_req *r, const struct vmbs_pages *pg,
			   uint32_t len)
{
	uint32_t max = pg->npfn + 1, n = 0;
	uint64_t off = 0;

	r->r_iov = scsi_zalloc((size_t)max * sizeof(struct iovec));
	if (!r->r_iov)
		return -ENOMEM;
	while (off < len) {
		size_t avail;
		uint8_t *p = vmbs_pages_ptr(c->c_ch, pg, off, &avail);
		if (!p || avail == 0)
			return -EFAULT;
		if (avail > len - off)
			avail = len - off;
		if (n && (uint8_t *)r->r_iov[n - 1].iov_base + r->r_iov[n - 1].iov_len == p) {
			r->r_iov[n - 1].iov_len += avail;
		} else {
			if (n == max)
				return -EFAULT;
			r->r_iov[n].iov_base = p;
			r->r_iov[n].iov_len = avail;
			n++;
		}
		off += avail;
	}
	r->r_io.iov = r->r_iov;
	r->r_io.iovcnt = (int)n;
	r->r_io.buf_len = len;
	return 0;
}

int stvsp_execute_srb(struct stvsp_chan *c, const struct vmbus_pkt_desc *d, const uint8_t *pkt,
		      uint32_t len, const struct vstor_packet *vp, uint32_t plen)
{
	struct storvsp *sv = c->c_sv;
	uint32_t srb_size = c->c_pkt_size - VSTOR_PACKET_HDR_SIZE;
	uint32_t sense_max = c->c_version >= VSTOR_VERSION_WIN8 ? VSTOR_SENSE_SIZE_WIN8 : VSTOR_SENSE_SIZE_WIN7;
	struct stvsp_req *r;
	struct scsi_lun *lun = NULL;
	const struct vstor_srb *s = &vp->u.srb;
	int rc;

	/* #70: the SRB's own length field beyond what was sent. */
	if (s->length > plen - VSTOR_PACKET_HDR_SIZE) {
		sv->s_stats.closes++;
		return -EPROTO;
	}
	sv->s_stats.srbs++;
	{
		uint16_t si = c->c_ch ? vmbs_chan_subidx(c->c_ch) : 0;
		if (si <= STORVSP_MAX_SUBCH)
			sv->s_stats.chan_srbs[si]++;
	}
	r = scsi_zalloc(sizeof(*r));
	if (!r) {
		/* No memory for the request: answer BUSY from the stack. */
		struct vstor_packet p;
		memset(&p, 0, sizeof(p));
		p.u.srb = *s;
		p.u.srb.srb_status = VSTOR_SRB_STATUS_BUSY;
		p.u.srb.scsi_status = SCSI_STATUS_BUSY;
		p.u.srb.sense_info_length = 0;
		p.u.srb.data_transfer_length = 0;
		memset(p.u.srb.u.raw, 0, sizeof(p.u.srb.u.raw));
		sv->s_stats.busy++;
		rc = stvsp_send_reply(c, d->trans_id, VSTOR_STATUS_DEVICE_BUSY, &p.u.srb, srb_size,
				      c->c_pkt_size);
		return rc == -EIO ? -EIO : 0;
	}
	r->r_chan = c;
	r->r_tid = d->trans_id;
	memcpy(&r->r_srb, s, srb_size);
	c->c_inflight++;
	sv->s_stats.inflight++;
	if (c->c_inflight > sv->s_cfg.queue_depth) {
		sv->s_stats.busy++;
		r->r_io.status = SCSI_STATUS_BUSY;
		r->r_io.srb_status = VSTOR_SRB_STATUS_BUSY;
		stvsp_complete(r);
		return 0;
	}
	/* #73: CDB and sense sizes, data direction. */
	if (r->r_srb.cdb_length == 0 || r->r_srb.cdb_length > VSTOR_CDB_MAX ||
	    r->r_srb.sense_info_length > sense_max || r->r_srb.data_in > VSTOR_DATA_UNKNOWN) {
		stvsp_fail(r, VSTOR_SRB_STATUS_INVALID_REQUEST);
		return 0;
	}
	memcpy(r->r_io.cdb, r->r_srb.u.cdb, r->r_srb.cdb_length);
	r->r_io.cdb_len = r->r_srb.cdb_length;
	r->r_io.dir = r->r_srb.data_in == VSTOR_DATA_WRITE ? SCSI_DIR_OUT :
		      r->r_srb.data_in == VSTOR_DATA_READ ? SCSI_DIR_IN : SCSI_DIR_NONE;
	r->r_io.done = stvsp_io_done;
	r->r_io.arg = r;
	if (d->type == VMBUS_PKT_DATA_USING_GPA_DIRECT) {
		rc = vmbs_pkt_gpa_parse(c->c_ch, d, pkt, len, &c->c_gl);
		if (rc) {
			/* A malformed or out-of-memory page list: protocol violation. */
			sv->s_stats.closes++;
			c->c_inflight--;
			sv->s_stats.inflight--;
			free(r);
			return -EPROTO;
		}
		if (c->c_gl.nrange != 1 || c->c_gl.range[0].len < r->r_srb.data_transfer_length) {
			stvsp_fail(r, VSTOR_SRB_STATUS_INVALID_REQUEST);
			return 0;
		}
		if (r->r_srb.data_transfer_length) {
			rc = stvsp_build_iov(c, r, &c->c_gl.range[0], r->r_srb.data_transfer_length);
			if (rc) {
				stvsp_fail(r, rc == -ENOMEM ? VSTOR_SRB_STATUS_BUSY : VSTOR_SRB_STATUS_INVALID_REQUEST);
				return 0;
			}
		}
	} else if (r->r_srb.data_transfer_length) {
		/* Data promised but no page list to carry it. */
		stvsp_fail(r, VSTOR_SRB_STATUS_INVALID_REQUEST);
		return 0;
	}
	if (r->r_srb.data_transfer_length && r->r_io.dir == SCSI_DIR_NONE) {
		stvsp_fail(r, VSTOR_SRB_STATUS_INVALID_REQUEST);
		return 0;
	}
	if (r->r_srb.path_id == 0 && r->r_srb.target_id < STORVSP_MAX_TARGETS &&
	    r->r_srb.lun < STORVSP_MAX_LUNS)
		lun = sv->s_lun[r->r_srb.target_id][r->r_srb.lun];
	if (r->r_io.cdb[0] == SCSI_OP_REPORT_LUNS && r->r_srb.path_id == 0 &&
	    r->r_srb.target_id < STORVSP_MAX_TARGETS) {
		/* Answered for the target, whichever LUN address it came to. */
		uint8_t list[STORVSP_MAX_LUNS];
		unsigned n = 0;
		for (unsigned l = 0; l < STORVSP_MAX_LUNS; l++)
			if (sv->s_lun[r->r_srb.target_id][l])
				list[n++] = (uint8_t)l;
		if (r->r_io.dir != SCSI_DIR_IN && r->r_io.buf_len) {
			stvsp_fail(r, VSTOR_SRB_STATUS_INVALID_REQUEST);
			return 0;
		}
		scsi_report_luns(list, n, &r->r_io);
		stvsp_complete(r);
		return 0;
	}
	if (!lun) {
		scsi_absent_exec(sv->s_cfg.phantom_luns ? SCSI_ABSENT_PHANTOM :
				 c->c_version >= VSTOR_VERSION_WIN10 ? SCSI_ABSENT_WIN10 :
				 SCSI_ABSENT_HYPERV, &r->r_io);
		stvsp_complete(r);
		return 0;
	}
	if (scsi_lun_exec(lun, &r->r_io) == SCSI_EXEC_DONE)
		stvsp_complete(r);
	return 0;
}
