/* hypercall.c -- the hypercall instruction: control-word decode, input
 * GPA checks, and the two calls a VMBus guest makes (HvPostMessage and
 * HvSignalEvent) with the status codes Hyper-V returns.
 *
 * Choices where sources differ (vmbus.md 3.3/3.4):
 * - HvPostMessage in the fast form: INVALID_HYPERCALL_INPUT (the control
 *   word asks for a form the call does not have; QEMU answers
 *   INVALID_HYPERCALL_CODE instead).
 * - Bad type/size in HvPostMessage: INVALID_PARAMETER (TLFS, OVMM; QEMU
 *   says INVALID_HYPERCALL_INPUT).  Nonzero RsvdZ words/bits in either
 *   input: INVALID_HYPERCALL_INPUT.
 * - A message or event reaching the wrong kind of port: INVALID_PORT_ID.
 * - The nested bit (31): INVALID_HYPERCALL_INPUT; we are not nested.
 * - Neither call has output; R8 must then be 0 or a valid, aligned GPA
 *   that does not overlap the input block, else INVALID_ALIGNMENT /
 *   INVALID_PARAMETER (RELIABILITY 5.1 item 6). */
#include "sim/hostd/partition_var.h"

#include <string.h>

#include "sim/hostd/gmem.h"
#include "sim/hostd/profile.h"

/* Smallest output block we check for calls without output. */
#define HCALL_OUT_MIN 8u

/* A memory-form parameter block at 'gpa' of 'len' bytes: 8-byte aligned,
 * within one page, inside guest memory. */
static bool hcall_gpa_ok(const struct part *p, uint64_t gpa, uint64_t len)
{
	if (gpa & 7)
		return false;
	if ((gpa & (HV_PAGE_SIZE - 1)) + len > HV_PAGE_SIZE)
		return false;
	return gmem_range_ok(p->p_gm, gpa, len);
}

static uint16_t hcall_out_check(const struct part *p, uint64_t in, uint64_t in_len, uint64_t out)
{
	if (out == 0)
		return HV_STATUS_SUCCESS;
	if (!hcall_gpa_ok(p, out, HCALL_OUT_MIN))
		return HV_STATUS_INVALID_ALIGNMENT;
	/* Both blocks lie within one page each, so no sum can wrap. */
	if (out < in + in_len && in < out + HCALL_OUT_MIN)
		return HV_STATUS_INVALID_PARAMETER;
	return HV_STATUS_SUCCESS;
}

static uint16_t hcall_post_message(struct part *p, struct part_vcpu *v, bool fast,
				   uint64_t in, uint64_t out)
{
	if (!(p->p_prof->features_ebx & HV_PRIV_EBX_POST_MESSAGES))
		return HV_STATUS_ACCESS_DENIED;
	if (fast)
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	if (!hcall_gpa_ok(p, in, sizeof(struct hv_input_post_message)))
		return HV_STATUS_INVALID_ALIGNMENT;
	uint16_t st = hcall_out_check(p, in, sizeof(struct hv_input_post_message), out);
	if (st != HV_STATUS_SUCCESS)
		return st;

	/* Copy first: the guest may change the block while we look at it. */
	struct hv_input_post_message msg;
	if (gmem_read(p->p_gm, in, &msg, sizeof msg) != 0)
		return HV_STATUS_INVALID_ALIGNMENT;
	if (msg.reserved != 0)
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	if (msg.message_type == HVMSG_NONE || (msg.message_type & HVMSG_HYPERVISOR_RESERVED) ||
	    msg.payload_size > HV_MESSAGE_PAYLOAD_BYTES)
		return HV_STATUS_INVALID_PARAMETER;
	struct part_port *port = part_port_find(p, msg.connection_id & HV_CONNECTION_ID_MASK);
	if (!port)
		return HV_STATUS_INVALID_CONNECTION_ID;
	if (port->pt_kind != PART_PORT_MSG)
		return HV_STATUS_INVALID_PORT_ID;
	if (port->pt_count >= PART_PORT_QUEUE_DEPTH)
		return HV_STATUS_INSUFFICIENT_BUFFERS;

	struct part_posted_msg *pm =
		&port->pt_q[(port->pt_head + port->pt_count) % PART_PORT_QUEUE_DEPTH];
	memset(pm, 0, sizeof *pm);
	pm->vp = v->vc_index;
	pm->message_type = msg.message_type;
	pm->payload_size = msg.payload_size;
	memcpy(pm->payload, msg.payload, msg.payload_size);
	bool was_empty = port->pt_count++ == 0;
	p->p_st.messages_posted++;
	/* Last: the owner may drain (or even remove) the port from here. */
	if (was_empty && port->pt_ready)
		port->pt_ready(port->pt_arg);
	return HV_STATUS_SUCCESS;
}

static uint16_t hcall_signal_event(struct part *p, struct part_vcpu *v, bool fast,
				   uint64_t in, uint64_t out)
{
	if (!(p->p_prof->features_ebx & HV_PRIV_EBX_SIGNAL_EVENTS))
		return HV_STATUS_ACCESS_DENIED;
	struct hv_input_signal_event ev;
	if (fast) {
		/* RDX = connection | flag << 32 | RsvdZ << 48; R8 unused. */
		ev.connection_id = (uint32_t)in;
		ev.flag_number = (uint16_t)(in >> 32);
		ev.reserved = (uint16_t)(in >> 48);
	} else {
		if (!hcall_gpa_ok(p, in, sizeof ev))
			return HV_STATUS_INVALID_ALIGNMENT;
		uint16_t st = hcall_out_check(p, in, sizeof ev, out);
		if (st != HV_STATUS_SUCCESS)
			return st;
		if (gmem_read(p->p_gm, in, &ev, sizeof ev) != 0)
			return HV_STATUS_INVALID_ALIGNMENT;
	}
	/* Bits 31:24 of the connection id and 63:48 are RsvdZ (QEMU). */
	if (ev.reserved != 0 || (ev.connection_id & ~HV_CONNECTION_ID_MASK))
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	struct part_port *port = part_port_find(p, ev.connection_id);
	if (!port)
		return HV_STATUS_INVALID_CONNECTION_ID;
	if (port->pt_kind != PART_PORT_EVENT)
		return HV_STATUS_INVALID_PORT_ID;
	if (ev.flag_number >= port->pt_flag_count)
		return HV_STATUS_INVALID_PARAMETER;
	p->p_st.events_signalled++;
	if (port->pt_signal)
		port->pt_signal(port->pt_arg, v->vc_index, ev.flag_number);
	return HV_STATUS_SUCCESS;
}

static uint16_t hcall_dispatch(struct part *p, struct part_vcpu *v, uint64_t control,
			       uint64_t in, uint64_t out)
{
	if (control & (HV_HC_RSVDZ_MASK | HV_HC_NESTED))
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	uint16_t code = (uint16_t)(control & HV_HC_CODE_MASK);
	bool fast = control & HV_HC_FAST;
	if (code != HVCALL_POST_MESSAGE && code != HVCALL_SIGNAL_EVENT)
		return HV_STATUS_INVALID_HYPERCALL_CODE;
	/* Both are simple calls without a variable header: rep count, rep
	 * start and header size must all be 0. */
	if (control & (HV_HC_REP_COUNT_MASK | HV_HC_REP_START_MASK | HV_HC_VARHDR_MASK))
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	return code == HVCALL_POST_MESSAGE ? hcall_post_message(p, v, fast, in, out)
					   : hcall_signal_event(p, v, fast, in, out);
}

uint64_t part_hypercall(struct part *p, uint32_t vp, uint64_t control, uint64_t in, uint64_t out)
{
	struct part_vcpu *v = part_vcpu_get(p, vp);
	if (!v || !part_is_hyperv(p) || !(p->p_hypercall & HV_HYPERCALL_ENABLE))
		return UINT64_MAX; /* no hypercall page: the guest would #UD */
	p->p_st.hypercalls++;
	uint16_t st = hcall_dispatch(p, v, control, in, out);
	if (st != HV_STATUS_SUCCESS) {
		p->p_st.hc_errors++;
		part_trace(p, "vp%u hypercall 0x%llx -> status 0x%x", vp,
			   (unsigned long long)control, st);
	}
	return st; /* reps completed: 0, simple calls */
}
