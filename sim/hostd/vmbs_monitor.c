/* vmbs_monitor.c -- the guest->host signals that do not arrive as
 * hypercalls: monitor-page pending bits (MNF, vmbus.md 8) and the 0.13
 * interrupt page; plus the host->guest half of the interrupt page.
 *
 * Monitor pages: a guest signals a channel with monitor_allocated by
 * setting bit (id % 32) of trigger_group[id / 32].pending in the
 * child->parent page instead of calling HvSignalEvent.  OVMM write-protects
 * that page; we cannot trap writes to shared memory, so vmbs_pump polls it
 * whenever it runs, and takes the bits with an atomic fetch-and that clears
 * only the bits of monitors we allocated (so the guest's next set is a new
 * event and no unrelated bit is touched).  Whether Hyper-V clears pending
 * bits is UNVERIFIED (vmbus.md 8); Linux never clears them itself, so
 * clearing is the only way to tell a new signal from an old one. */
#include "sim/hostd/vmbs_var.h"
#include "sim/hostd/vmbs_check_var.h"

#include <string.h>

#include "sim/hostd/gmem.h"

void vmbs_monitor_assign(struct vmbs *vb, struct vmbs_chan *ch)
{
	if (ch->ch_monitor_id != VMBUS_MONITOR_ID_NONE)
		return;
	/* Without monitor pages a monitored offer would send the guest to
	 * pages it never gave us. */
	if (!vb->vb_mon2)
		return;
	/* Before 2.4 (WS2008/WS2008R2 era) channels are monitored; from 2.4
	 * Hyper-V still monitors network and storage (device's choice). */
	if (!ch->ch_params->wants_monitor && vb->vb_version >= VMBUS_VERSION_WIN8)
		return;
	for (uint32_t m = 0; m < VMBUS_MONITOR_COUNT; m++) {
		uint32_t g = m / VMBUS_MONITORS_PER_GROUP, bit = 1u << (m % VMBUS_MONITORS_PER_GROUP);
		if (vb->vb_mon_mask[g] & bit)
			continue;
		vb->vb_mon_mask[g] |= bit;
		vb->vb_mon_chan[m] = ch;
		ch->ch_monitor_id = (uint8_t)m;
		return;
	}
	/* 128 monitors used: this channel uses HvSignalEvent. */
}

void vmbs_monitor_release(struct vmbs *vb, struct vmbs_chan *ch)
{
	uint8_t m = ch->ch_monitor_id;
	if (m == VMBUS_MONITOR_ID_NONE || m >= VMBUS_MONITOR_COUNT)
		return;
	vb->vb_mon_mask[m / VMBUS_MONITORS_PER_GROUP] &= ~(1u << (m % VMBUS_MONITORS_PER_GROUP));
	vb->vb_mon_chan[m] = NULL;
	ch->ch_monitor_id = VMBUS_MONITOR_ID_NONE;
}

void vmbs_monitor_poll(struct vmbs *vb)
{
	if (!vb->vb_mon2)
		return;
	struct vmbus_monitor_page *mp = gmem_ptr(vb->vb_gm, vb->vb_mon2, HV_PAGE_SIZE);
	if (!mp)
		return; /* checked at contact; memory does not shrink */
	for (uint32_t g = 0; g < VMBUS_MONITOR_GROUPS; g++) {
		uint32_t mine = vb->vb_mon_mask[g];
		if (!mine)
			continue;
		/* The page is 4 KiB aligned, so every pending word is aligned. */
		uint32_t *pend = (uint32_t *)((uint8_t *)mp +
			offsetof(struct vmbus_monitor_page, trigger_group) +
			g * sizeof(struct vmbus_monitor_trigger_group));
		if (!(__atomic_load_n(pend, __ATOMIC_RELAXED) & mine))
			continue;
		uint32_t hits = __atomic_fetch_and(pend, ~mine, __ATOMIC_ACQ_REL) & mine;
		while (hits) {
			uint32_t b = (uint32_t)__builtin_ctz(hits);
			hits &= hits - 1;
			struct vmbs_chan *ch = vb->vb_mon_chan[g * VMBUS_MONITORS_PER_GROUP + b];
			if (!ch)
				continue;
			vb->vb_st.signals_in++;
			vb->vb_st.monitor_hits++;
			VCHK_HOOK(vb, vchk_signal(ch));
			vmbs_chan_mark(ch);
		}
	}
}

bool vmbs_monitor_active(const struct vmbs *vb)
{
	if (!vb || !vb->vb_mon2)
		return false;
	for (uint32_t g = 0; g < VMBUS_MONITOR_GROUPS; g++) {
		uint32_t mine = vb->vb_mon_mask[g];
		while (mine) {
			uint32_t b = (uint32_t)__builtin_ctz(mine);
			mine &= mine - 1;
			const struct vmbs_chan *ch = vb->vb_mon_chan[g * VMBUS_MONITORS_PER_GROUP + b];
			if (ch && ch->ch_state == VMBS_CHS_OPEN)
				return true;
		}
	}
	return false;
}

/* 0.13 (and 1.1 channels without a dedicated interrupt): the guest sets
 * bit relid in the second half of the interrupt page, then signals
 * connection 2.  Take the bits word by word with an atomic exchange. */
void vmbs_legacy_poll(struct vmbs *vb)
{
	if (!vb->vb_int_page)
		return;
	uint64_t *g2h = gmem_ptr(vb->vb_gm, vb->vb_int_page + VMBUS_INT_PAGE_HALF_BYTES,
				 VMBUS_INT_PAGE_HALF_BYTES);
	if (!g2h)
		return;
	for (uint32_t w = 0; w < VMBUS_RELID_LIMIT / 64; w++) {
		if (!__atomic_load_n(&g2h[w], __ATOMIC_RELAXED))
			continue;
		uint64_t bits = __atomic_exchange_n(&g2h[w], 0, __ATOMIC_ACQ_REL);
		while (bits) {
			uint32_t relid = w * 64 + (uint32_t)__builtin_ctzll(bits);
			bits &= bits - 1;
			struct vmbs_chan *ch = vb->vb_chan[relid];
			if (!ch)
				continue;
			vb->vb_st.signals_in++;
			VCHK_HOOK(vb, vchk_signal(ch));
			vmbs_chan_mark(ch);
		}
	}
}

void vmbs_int_page_set(struct vmbs *vb, uint32_t relid)
{
	if (!vb->vb_int_page || relid >= VMBUS_RELID_LIMIT)
		return;
	uint8_t *b = gmem_ptr(vb->vb_gm, vb->vb_int_page + relid / 8, 1);
	if (b)
		__atomic_fetch_or(b, (uint8_t)(1u << (relid % 8)), __ATOMIC_SEQ_CST);
}
