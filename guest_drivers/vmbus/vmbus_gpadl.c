/* vmbus_gpadl.c -- GPADLs: describe guest pages to the host (GPADL_HEADER
 * with up to 26 PFNs, then GPADL_BODY messages of up to 28), wait for
 * GPADL_CREATED; tear down and wait for GPADL_TORNDOWN.  Every wait is
 * bounded; a reply nobody waits for is dropped and counted. */
#include <string.h>

#include "guest_drivers/vmbus/vmbus_var.h"

/* Take a reference on a live channel for the duration of a call. */
static int chan_get(struct vmbus_channel *ch)
{
	struct vmbus_softc *sc = ch->ch_sc;
	kern_lock_acquire(sc->lock);
	int rc = ch->ch_rescinded ? -ENODEV : 0;
	if (!rc)
		ch->ch_busy++;
	kern_lock_release(sc->lock);
	return rc;
}

static struct vmbus_gpadl_wait *wait_add(struct vmbus_softc *sc, struct vmbus_channel *ch,
					 uint32_t handle, bool teardown)
{
	struct vmbus_gpadl_wait *gw = kern_zalloc(sizeof *gw);
	if (!gw)
		return NULL;
	gw->gw_relid = ch->ch_relid;
	gw->gw_teardown = teardown;
	kern_lock_acquire(sc->lock);
	gw->gw_handle = handle ? handle : sc->next_gpadl++;
	gw->gw_next = sc->gpadl_waits;
	sc->gpadl_waits = gw;
	kern_lock_release(sc->lock);
	return gw;
}

static void wait_remove(struct vmbus_softc *sc, struct vmbus_gpadl_wait *gw)
{
	kern_lock_acquire(sc->lock);
	for (struct vmbus_gpadl_wait **pp = &sc->gpadl_waits; *pp; pp = &(*pp)->gw_next) {
		if (*pp == gw) {
			*pp = gw->gw_next;
			break;
		}
	}
	kern_lock_release(sc->lock);
	kern_free(gw);
}

static bool gw_done(void *arg)
{
	struct vmbus_gpadl_wait *gw = arg;
	return __atomic_load_n(&gw->gw_done, __ATOMIC_ACQUIRE);
}

/* Header then bodies.  Returns 0 or the post error. */
static int send_gpadl(struct vmbus_softc *sc, uint32_t relid, uint32_t handle,
		      const uint64_t *pfn, uint32_t npfn)
{
	struct vmbus_msg_gpadl_header_1range h;
	memset(&h, 0, sizeof h);
	h.gh.hdr.msgtype = VMBUS_MSG_GPADL_HEADER;
	h.gh.child_relid = relid;
	h.gh.gpadl = handle;
	/* range_buflen counts the whole range, PFNs in bodies included. */
	h.gh.range_buflen = (uint16_t)(sizeof(struct vmbus_gpa_range_hdr) + 8u * npfn);
	h.gh.rangecount = 1;
	h.range.byte_count = npfn * HV_PAGE_SIZE;
	h.range.byte_offset = 0;
	uint32_t n = npfn < VMBUS_GPADL_HEADER_MAX_PFNS ? npfn : VMBUS_GPADL_HEADER_MAX_PFNS;
	memcpy(h.pfn, pfn, n * 8u);
	int rc = vmbus_post(sc, &h, VMBUS_GPADL_HEADER_PFN_OFF + n * 8u);
	for (uint32_t done = n; !rc && done < npfn; done += n) {
		uint8_t body[HV_MESSAGE_PAYLOAD_BYTES];
		struct vmbus_msg_gpadl_body b;
		memset(body, 0, sizeof body);
		memset(&b, 0, sizeof b);
		n = npfn - done < VMBUS_GPADL_BODY_MAX_PFNS ? npfn - done : VMBUS_GPADL_BODY_MAX_PFNS;
		b.hdr.msgtype = VMBUS_MSG_GPADL_BODY;
		b.msgnumber = 0;
		b.gpadl = handle;
		memcpy(body, &b, sizeof b);
		memcpy(body + VMBUS_GPADL_BODY_PFN_OFF, pfn + done, n * 8u);
		rc = vmbus_post(sc, body, VMBUS_GPADL_BODY_PFN_OFF + n * 8u);
	}
	return rc;
}

int vmbus_gpadl_create(struct vmbus_channel *ch, const uint64_t *pfn, uint32_t npfn,
		       uint32_t *handle)
{
	if (!ch || !pfn || !handle || npfn == 0 || npfn > VMBUS_GPADL_MAX_PFNS)
		return -EINVAL;
	struct vmbus_softc *sc = ch->ch_sc;
	int rc = chan_get(ch);
	if (rc)
		return rc;
	struct vmbus_gpadl_wait *gw = wait_add(sc, ch, 0, false);
	if (!gw) {
		vmbus_chan_put(ch);
		return -ENOMEM;
	}
	rc = send_gpadl(sc, ch->ch_relid, gw->gw_handle, pfn, npfn);
	bool posted = !rc;
	/* A rescind does not end this wait: the host still answers a
	 * GPADL_HEADER on a rescinded channel until the relid is released
	 * (vmbus.md 11), and what it made must be torn down before that. */
	if (!rc)
		rc = vmbus_wait(sc, ch->ch_wq, gw_done, gw);
	kern_lock_acquire(sc->lock);
	bool rescinded = gw->gw_rescinded || ch->ch_rescinded;
	kern_lock_release(sc->lock);
	bool made = !rc && gw->gw_status == VMBUS_STATUS_SUCCESS;
	if (!rc && gw->gw_status != VMBUS_STATUS_SUCCESS) {
		kern_log(KERN_ERR, "vmbus", "GPADL %#x on relid %u refused: status %#x", gw->gw_handle,
			 ch->ch_relid, gw->gw_status);
		rc = -EIO;
	}
	if (!rc && rescinded)
		rc = -ENODEV;
	uint32_t h = gw->gw_handle;
	wait_remove(sc, gw);
	/* The host may hold this GPADL though we give up on it: it made it
	 * before the rescind, or it made it and its GPADL_CREATED was lost or
	 * is late.  Tear it down now that the handle is known to both sides
	 * (the headers went out, in order, before this teardown).  A late
	 * GPADL_CREATED is then dropped and counted. */
	if (posted && (rc == -ETIMEDOUT || (made && rescinded))) {
		kern_log(KERN_WARN, "vmbus", "GPADL %#x on relid %u abandoned (%d): tearing it down", h,
			 ch->ch_relid, rc);
		VMBUS_STAT_INC(sc, gpadls_abandoned);
		vmbus_gpadl_destroy(ch, h);
	}
	if (rc)
		VMBUS_STAT_INC(sc, gpadls_failed);
	else {
		VMBUS_STAT_INC(sc, gpadls_created);
		*handle = h;
	}
	vmbus_chan_put(ch);
	return rc;
}

int vmbus_gpadl_create_dma(struct vmbus_channel *ch, const struct kern_dma *buf, uint32_t *handle)
{
	if (!buf || !buf->npages || buf->npages > VMBUS_GPADL_MAX_PFNS)
		return -EINVAL;
	uint64_t *pfn = kern_malloc(buf->npages * sizeof *pfn);
	if (!pfn)
		return -ENOMEM;
	for (size_t i = 0; i < buf->npages; i++)
		pfn[i] = buf->gpa / HV_PAGE_SIZE + i;
	int rc = vmbus_gpadl_create(ch, pfn, (uint32_t)buf->npages, handle);
	kern_free(pfn);
	return rc;
}

int vmbus_gpadl_destroy(struct vmbus_channel *ch, uint32_t handle)
{
	if (!ch)
		return -EINVAL;
	struct vmbus_softc *sc = ch->ch_sc;
	/* A rescinded channel still takes the teardown until its relid is
	 * released (vmbus.md 11): no chan_get refusal here. */
	kern_lock_acquire(sc->lock);
	ch->ch_busy++;
	kern_lock_release(sc->lock);
	int rc = -ENOMEM;
	struct vmbus_gpadl_wait *gw = wait_add(sc, ch, handle, true);
	if (!gw)
		goto out;
	struct vmbus_msg_gpadl_teardown td;
	memset(&td, 0, sizeof td);
	td.hdr.msgtype = VMBUS_MSG_GPADL_TEARDOWN;
	td.child_relid = ch->ch_relid;
	td.gpadl = handle;
	rc = vmbus_post(sc, &td, sizeof td);
	if (!rc)
		rc = vmbus_wait(sc, ch->ch_wq, gw_done, gw);
	if (rc)
		kern_log(KERN_WARN, "vmbus", "GPADL %#x teardown not answered (%d)", handle, rc);
	wait_remove(sc, gw);
out:
	vmbus_chan_put(ch);
	return rc;
}

/* Called with sc->lock held. */
void vmbus_handle_gpadl_created(struct vmbus_softc *sc, const struct vmbus_msg_gpadl_created *m)
{
	for (struct vmbus_gpadl_wait *gw = sc->gpadl_waits; gw; gw = gw->gw_next) {
		if (gw->gw_teardown || gw->gw_done || gw->gw_handle != m->gpadl ||
		    gw->gw_relid != m->child_relid)
			continue;
		gw->gw_status = m->creation_status;
		__atomic_store_n(&gw->gw_done, true, __ATOMIC_RELEASE);
		struct vmbus_channel *ch = sc->relid[gw->gw_relid];
		if (ch)
			kern_wakeup(ch->ch_wq);
		return;
	}
	VMBUS_STAT_INC(sc, msgs_unexpected);
	kern_log(KERN_WARN, "vmbus", "GPADL_CREATED for handle %#x relid %u nobody waits for: dropped",
		 m->gpadl, m->child_relid);
}

/* Called with sc->lock held. */
void vmbus_handle_gpadl_torndown(struct vmbus_softc *sc, uint32_t handle)
{
	for (struct vmbus_gpadl_wait *gw = sc->gpadl_waits; gw; gw = gw->gw_next) {
		if (!gw->gw_teardown || gw->gw_done || gw->gw_handle != handle)
			continue;
		__atomic_store_n(&gw->gw_done, true, __ATOMIC_RELEASE);
		struct vmbus_channel *ch = sc->relid[gw->gw_relid];
		if (ch)
			kern_wakeup(ch->ch_wq);
		return;
	}
	VMBUS_STAT_INC(sc, msgs_unexpected);
	kern_log(KERN_WARN, "vmbus", "GPADL_TORNDOWN for handle %#x nobody waits for: dropped", handle);
}

/* Called with sc->lock held: the channel was rescinded.  Creates waiting
 * on it are marked and keep waiting for their GPADL_CREATED (bounded by
 * the timeout): a GPADL the host made must be torn down before the relid
 * is released, and only its answer says whether it made one. */
void vmbus_gpadl_waits_fail(struct vmbus_softc *sc, uint32_t relid)
{
	for (struct vmbus_gpadl_wait *gw = sc->gpadl_waits; gw; gw = gw->gw_next) {
		if (gw->gw_relid != relid || gw->gw_done || gw->gw_teardown)
			continue;
		gw->gw_rescinded = true;
	}
}
