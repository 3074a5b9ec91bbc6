/* vmbs_conn.c -- the VMBus connection: INITIATE_CONTACT and version
 * negotiation against the profile's ceiling, UNLOAD, and bus reset. */
#include "sim/hostd/vmbs_var.h"
#include "sim/hostd/vmbs_check_var.h"

#include <string.h>

#include "sim/hostd/gmem.h"

/* Versions a guest may ask for (vmbus.md 5.3).  6.0 needs feature flags,
 * OpenChannel2 and VersionResponse2; not implemented, so it is refused
 * like any version above the ceiling. */
static const uint32_t vmbs_versions[] = {
	VMBUS_VERSION_WS2008,    VMBUS_VERSION_WIN7,       VMBUS_VERSION_WIN8,
	VMBUS_VERSION_WIN8_1,    VMBUS_VERSION_WIN10,      VMBUS_VERSION_WIN10_V4_1,
	VMBUS_VERSION_WIN10_V5,  VMBUS_VERSION_WIN10_V5_1, VMBUS_VERSION_WIN10_V5_2,
	VMBUS_VERSION_WIN10_V5_3,
};

static bool vmbs_version_known(uint32_t v)
{
	for (size_t i = 0; i < sizeof vmbs_versions / sizeof vmbs_versions[0]; i++)
		if (vmbs_versions[i] == v)
			return true;
	return false;
}

/* A guest page the host will write or poll: page aligned, inside memory. */
static bool vmbs_page_ok(const struct vmbs *vb, uint64_t gpa)
{
	return (gpa & (HV_PAGE_SIZE - 1)) == 0 && gmem_range_ok(vb->vb_gm, gpa, HV_PAGE_SIZE);
}

void vmbs_bus_reset(struct vmbs *vb)
{
	/* Close first, so devices see close() before any channel goes away. */
	for (uint32_t r = 1; r < vb->vb_relid_end; r++) {
		struct vmbs_chan *ch = vb->vb_chan[r];
		if (ch && ch->ch_state != VMBS_CHS_CLOSED)
			vmbs_chan_shutdown(ch);
	}
	vmbs_gpadl_free_all(vb, NULL);
	/* Sub-channels belong to the connection (the device protocol asked for
	 * them); removed devices were only waiting for their relids. */
	for (uint32_t r = 1; r < vb->vb_relid_end; r++) {
		struct vmbs_chan *ch = vb->vb_chan[r];
		if (ch && ch->ch_primary != ch)
			vmbs_chan_free(ch);
	}
	for (uint32_t r = 1; r < vb->vb_relid_end; r++) {
		struct vmbs_chan *ch = vb->vb_chan[r];
		if (!ch)
			continue;
		if (ch->ch_removed) {
			vmbs_chan_free(ch);
			continue;
		}
		vmbs_monitor_release(vb, ch);
		ch->ch_offered = false;
		ch->ch_rescinded = false;
		ch->ch_nsub = 0;
	}
	memset(vb->vb_pending, 0, sizeof vb->vb_pending);
	vb->vb_legacy_signal = false;
	vb->vb_outq_len = 0; /* replies to the old connection are void */
	vb->vb_version = 0;
	vb->vb_int_page = 0;
	vb->vb_mon1 = vb->vb_mon2 = 0;
	if (vb->vb_state != VMBS_CONN_DISCONNECTED)
		vmbs_trace(vb, "vmbs: state %s -> %s", vmbs_conn_state_name(vb->vb_state),
			   vmbs_conn_state_name(VMBS_CONN_DISCONNECTED));
	vb->vb_state = VMBS_CONN_DISCONNECTED;
}

static void vmbs_version_reply(struct vmbs *vb, bool supported, uint8_t conn_state,
			       uint32_t msg_conn_id)
{
	struct vmbus_msg_version_response vr;
	memset(&vr, 0, sizeof vr);
	vr.hdr.msgtype = VMBUS_MSG_VERSION_RESPONSE;
	vr.version_supported = supported ? 1 : 0;
	vr.connection_state = conn_state;
	vr.msg_conn_id = msg_conn_id;
	vmbs_send_msg(vb, &vr, sizeof vr);
}

void vmbs_h_initiate_contact(struct vmbs *vb, const struct part_posted_msg *m, uint32_t conn)
{
	struct vmbus_msg_initiate_contact ic;
	memcpy(&ic, m->payload, sizeof ic);
	uint32_t ver = ic.version_requested;
	vb->vb_st.contacts++;

	/* A second INITIATE_CONTACT tears the old connection down first, with
	 * no UNLOAD_RESPONSE (QEMU, OVMM): a firmware or kexec'd kernel may
	 * reconnect without unloading. */
	if (vb->vb_state != VMBS_CONN_DISCONNECTED) {
		vb->vb_st.bus_resets++;
		vmbs_bus_reset(vb);
	}

	bool vp_ok = ic.target_vcpu < vb->vb_nvcpus;
	/* target_vcpu is honoured from 3.0; before that replies go to VP 0. */
	vb->vb_msg_vp = (ver >= VMBUS_VERSION_WIN8_1 && vp_ok) ? ic.target_vcpu : 0;

	/* Connection 4 is how a 5.0+ guest reaches us; an older version on it
	 * is not something a real guest sends: refuse it as a version. */
	if (!vmbs_version_known(ver) || ver > vb->vb_ceiling ||
	    (conn == VMBUS_MESSAGE_CONNECTION_ID_4 && ver < VMBUS_VERSION_WIN10_V5)) {
		vmbs_reject(vb, VMBS_REJ_VERSION_REFUSED);
		vmbs_trace(vb, "vmbs: version 0x%x refused (ceiling 0x%x)", ver, vb->vb_ceiling);
		vmbs_version_reply(vb, false, VMBUS_CONN_STATE_SUCCESS, 0);
		return;
	}

	const char *bad = NULL;
	if (!vp_ok)
		bad = "target_vcpu >= vCPU count";
	/* SINT and VTL bytes are honoured only on connection 4 (OVMM); we
	 * deliver on SINT 2 in VTL 0 and refuse anything else. */
	else if (ver >= VMBUS_VERSION_WIN10_V5 && conn == VMBUS_MESSAGE_CONNECTION_ID_4 &&
		 ic.u.v5.msg_sint != VMBUS_MESSAGE_SINT)
		bad = "message SINT is not 2";
	else if (ver >= VMBUS_VERSION_WIN10_V5_1 && conn == VMBUS_MESSAGE_CONNECTION_ID_4 &&
		 ic.u.v5.msg_vtl != 0)
		bad = "message VTL is not 0";
	/* Below 2.4 host->guest signals go through the interrupt page. */
	else if (ver < VMBUS_VERSION_WIN8 &&
		 (ic.u.interrupt_page == 0 || !vmbs_page_ok(vb, ic.u.interrupt_page)))
		bad = "interrupt page missing, misaligned or outside memory";
	else if ((ic.monitor_page1 == 0) != (ic.monitor_page2 == 0))
		bad = "exactly one monitor page";
	else if (ic.monitor_page1 &&
		 (!vmbs_page_ok(vb, ic.monitor_page1) || !vmbs_page_ok(vb, ic.monitor_page2) ||
		  ic.monitor_page1 == ic.monitor_page2))
		bad = "monitor page misaligned, outside memory or shared";
	if (bad) {
		vmbs_reject(vb, VMBS_REJ_CONTACT_PARAMS);
		vmbs_trace(vb, "vmbs: INITIATE_CONTACT 0x%x refused: %s", ver, bad);
		/* Below 2.4 a refusal can only say "unsupported"; from 2.4 OVMM
		 * accepts the version and reports the failure in
		 * connection_state, and the guest must check both. */
		if (ver < VMBUS_VERSION_WIN8)
			vmbs_version_reply(vb, false, VMBUS_CONN_STATE_SUCCESS, 0);
		else
			vmbs_version_reply(vb, true, VMBUS_CONN_STATE_UNKNOWN_FAILURE, 0);
		return;
	}

	vb->vb_version = ver;
	vb->vb_int_page = ver < VMBUS_VERSION_WIN8 ? ic.u.interrupt_page : 0;
	vb->vb_mon1 = ic.monitor_page1;
	vb->vb_mon2 = ic.monitor_page2;
	vmbs_trace(vb, "vmbs: state %s -> %s, version 0x%x, vp %u",
		   vmbs_conn_state_name(vb->vb_state), vmbs_conn_state_name(VMBS_CONN_CONNECTED),
		   ver, vb->vb_msg_vp);
	vb->vb_state = VMBS_CONN_CONNECTED;
	/* From 5.0 the reply names the message connection the guest uses
	 * from now on.  We answer 1, as OpenVMM's VTL0 server does: port 1
	 * then carries everything after contact, the same as below 5.0.  The
	 * value real Hyper-V returns is UNVERIFIED (vmbus.md 10 item 1).
	 * Below 5.0 the field is unused; OVMM puts the version there. */
	vmbs_version_reply(vb, true, VMBUS_CONN_STATE_SUCCESS,
			   ver >= VMBUS_VERSION_WIN10_V5 ? VMBUS_MESSAGE_CONNECTION_ID : ver);
}

void vmbs_h_unload(struct vmbs *vb, const struct part_posted_msg *m, uint32_t conn)
{
	(void)m;
	(void)conn;
	/* The table lets UNLOAD through only while connected, so a repeated
	 * UNLOAD gets no second response (OVMM ignores UNLOAD when no version
	 * is negotiated). */
	vb->vb_st.unloads++;
	VCHK_HOOK(vb, vchk_unload(vb));
	uint32_t vp = vb->vb_msg_vp;
	vmbs_bus_reset(vb);
	vb->vb_msg_vp = vp;
	struct vmbus_msg_unload_response ur;
	memset(&ur, 0, sizeof ur);
	ur.hdr.msgtype = VMBUS_MSG_UNLOAD_RESPONSE;
	vmbs_send_msg(vb, &ur, sizeof ur);
}
