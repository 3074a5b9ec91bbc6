/* vmbus_chan.c -- the channel API: open (ring GPADL + OPENCHANNEL, bounded
 * wait, rescind aborts it), close, the send paths (in-band, completion,
 * page buffer, multi-page buffer) with pending_send_sz flow control,
 * signalling of every protocol era, and the receive task that drains the
 * inbound ring in batches and hands private copies to the driver. */
#include <string.h>

#include "guest_drivers/vmbus/vmbus_var.h"

static const char *const chan_state_names[VMBUS_CHS_COUNT] = {
	[VMBUS_CHS_OFFERED] = "offered", [VMBUS_CHS_OPENING] = "opening",
	[VMBUS_CHS_OPEN] = "open",       [VMBUS_CHS_CLOSING] = "closing",
};

const char *vmbus_chan_state_name(enum vmbus_chan_state s)
{
	return (unsigned)s < VMBUS_CHS_COUNT ? chan_state_names[s] : "?";
}

/* Called with sc->lock held. */
static void chan_set_state(struct vmbus_channel *ch, enum vmbus_chan_state s)
{
	if (ch->ch_state != s)
		kern_log(KERN_DEBUG, "vmbus", "relid %u: %s -> %s", ch->ch_relid,
			 vmbus_chan_state_name(ch->ch_state), vmbus_chan_state_name(s));
	ch->ch_state = s;
}

/* ---- signalling (vmbus.md 5.5) ----------------------------------------------- */

static void set_bit_u8(uint8_t *base, uint32_t bit)
{
	__atomic_fetch_or(&base[bit / 8], (uint8_t)(1u << (bit % 8)), __ATOMIC_SEQ_CST);
}

void vmbus_chan_signal(struct vmbus_channel *ch)
{
	struct vmbus_softc *sc = ch->ch_sc;
	struct vmbus_int_page *ip = sc->int_page.va;
	VMBUS_STAT_INC(sc, signals_out);
	if (sc->version == VMBUS_VERSION_WS2008) {
		/* 0.13: the shared interrupt page and the one event connection. */
		set_bit_u8(ip->g2h, ch->ch_relid);
		hyperv_signal_event(VMBUS_EVENT_CONNECTION_ID, 0);
		return;
	}
	/* Below 2.4 the host also looks at the interrupt page for channels
	 * without a dedicated interrupt. */
	if (sc->version < VMBUS_VERSION_WIN8 &&
	    !(ch->ch_offer.is_dedicated_interrupt & VMBUS_OFFER_DEDICATED_INTERRUPT))
		set_bit_u8(ip->g2h, ch->ch_relid);
	if (ch->ch_monitor && !sc->cfg.force_hypercall) {
		/* The child->parent page; a byte-computed pointer, not a packed
		 * member, because the pending word is updated atomically. */
		uint32_t id = ch->ch_monitor_id;
		uint8_t *page2 = (uint8_t *)sc->monitor.va + HV_PAGE_SIZE;
		uint32_t *pending = (uint32_t *)(void *)(page2 +
			offsetof(struct vmbus_monitor_page, trigger_group) +
			(id / VMBUS_MONITORS_PER_GROUP) * sizeof(struct vmbus_monitor_trigger_group) +
			offsetof(struct vmbus_monitor_trigger_group, pending));
		__atomic_fetch_or(pending, 1u << (id % VMBUS_MONITORS_PER_GROUP), __ATOMIC_SEQ_CST);
		VMBUS_STAT_INC(sc, monitor_signals);
		return;
	}
	hyperv_signal_event(ch->ch_offer.connection_id, 0);
}

/* ---- events ----------------------------------------------------------------- */

/* Called with sc->lock held, in interrupt context: count, wake a blocked
 * sender, schedule the receive task on the channel's vCPU. */
void vmbus_chan_event(struct vmbus_softc *sc, struct vmbus_channel *ch, int cpu)
{
	__atomic_fetch_add(&ch->ch_intrs, 1, __ATOMIC_RELAXED);
	if (cpu >= 0 && cpu < VMBUS_MAX_CPUS)
		__atomic_fetch_add(&sc->cpu_intrs[cpu], 1, __ATOMIC_RELAXED);
	kern_wakeup(ch->ch_wq);
	if (ch->ch_state == VMBUS_CHS_OPEN)
		kern_task_enqueue(ch->ch_target_cpu, &ch->ch_rx_task);
	else
		VMBUS_STAT_INC(sc, spurious_events);
}

uint64_t vmbus_chan_intr_count(const struct vmbus_channel *ch)
{
	return __atomic_load_n(&ch->ch_intrs, __ATOMIC_RELAXED);
}

bool vmbus_chan_broken(const struct vmbus_channel *ch)
{
	return ch->ch_tx.br_broken || ch->ch_rx.br_broken;
}

int vmbus_chan_set_target_cpu(struct vmbus_channel *ch, int cpu)
{
	struct vmbus_softc *sc = ch->ch_sc;
	if (cpu < 0 || cpu >= sc->ncpus)
		return -EINVAL;
	kern_lock_acquire(sc->lock);
	int rc = ch->ch_state == VMBUS_CHS_OFFERED ? 0 : -EBUSY;
	if (!rc) {
		ch->ch_target_cpu = cpu;
		ch->ch_target_vp = sc->vp_index[cpu];
	}
	kern_lock_release(sc->lock);
	return rc;
}

/* ---- receive ---------------------------------------------------------------- */

static void rx_deliver(struct vmbus_channel *ch, uint32_t len)
{
	const struct vmbus_pkt_desc *d = (const void *)ch->ch_rxbuf;
	struct vmbus_pkt p = {
		.type = d->type,
		.flags = d->flags,
		.trans_id = d->trans_id,
		.pkt = ch->ch_rxbuf,
		.pkt_len = len,
		.payload = ch->ch_rxbuf + d->offset8 * 8u,
		.payload_len = len - d->offset8 * 8u,
	};
	__atomic_store_n(&ch->ch_cb_active, true, __ATOMIC_RELEASE);
	ch->ch_cb(ch, &p, ch->ch_cb_arg);
	__atomic_store_n(&ch->ch_cb_active, false, __ATOMIC_RELEASE);
}

/* The receive task: mask, drain up to the budget, publish the read index
 * (signal the host if it waits for room), unmask and re-check.  The
 * callback may close the channel: after it returns nothing of the open
 * state is touched unless the generation is unchanged. */
void vmbus_chan_rx_task(void *arg)
{
	struct vmbus_channel *ch = arg;
	struct vmbus_softc *sc = ch->ch_sc;
	kern_lock_acquire(sc->lock);
	if (ch->ch_state != VMBUS_CHS_OPEN || ch->ch_rx_running) {
		kern_lock_release(sc->lock);
		return;
	}
	ch->ch_rx_running = true;
	ch->ch_busy++;
	uint32_t gen = ch->ch_gen;
	kern_lock_release(sc->lock);

	struct vmbus_br *rx = &ch->ch_rx;
	unsigned n = 0;
	bool again = false;
	vmbus_br_mask(rx);
	for (;;) {
		int rc = 0;
		while (n < VMBUS_RX_BUDGET) {
			uint32_t len;
			rc = vmbus_br_read(rx, ch->ch_rxbuf, ch->ch_rxcap, &len);
			if (rc)
				break;
			VMBUS_STAT_INC(sc, pkts_in);
			n++;
			rx_deliver(ch, len);
			if (__atomic_load_n(&ch->ch_gen, __ATOMIC_ACQUIRE) != gen)
				goto out; /* closed (and maybe reopened) by the callback */
		}
		if (vmbus_br_read_commit(rx))
			vmbus_chan_signal(ch);
		if (rc == -EIO) {
			VMBUS_STAT_INC(sc, rings_broken);
			kern_wakeup(ch->ch_wq);
			goto out;
		}
		if (n >= VMBUS_RX_BUDGET) {
			again = true; /* stay masked: we come back */
			break;
		}
		if (!vmbus_br_unmask(rx))
			break;
		vmbus_br_mask(rx);
	}
out:
	kern_lock_acquire(sc->lock);
	ch->ch_rx_running = false;
	if (again && ch->ch_gen == gen && ch->ch_state == VMBUS_CHS_OPEN)
		kern_task_enqueue(ch->ch_target_cpu, &ch->ch_rx_task);
	kern_lock_release(sc->lock);
	kern_wakeup(ch->ch_wq);
	vmbus_chan_put(ch);
}

/* ---- open / close --------------------------------------------------------- */

struct open_wait {
	struct vmbus_channel *ch;
};

static bool open_answered(void *arg)
{
	struct vmbus_channel *ch = arg;
	struct vmbus_softc *sc = ch->ch_sc;
	kern_lock_acquire(sc->lock);
	bool done = ch->ch_open_done || ch->ch_rescinded;
	kern_lock_release(sc->lock);
	return done;
}

static void ring_free(struct vmbus_channel *ch)
{
	kern_dma_free(&ch->ch_ring);
	kern_free(ch->ch_rxbuf);
	ch->ch_rxbuf = NULL;
	ch->ch_rxcap = 0;
	memset(&ch->ch_tx, 0, sizeof ch->ch_tx);
	memset(&ch->ch_rx, 0, sizeof ch->ch_rx);
}

static uint32_t ring_pages(uint32_t bytes)
{
	uint64_t p = ((uint64_t)bytes + HV_PAGE_SIZE - 1) / HV_PAGE_SIZE;
	return p < VMBUS_RING_MIN_PAGES ? VMBUS_RING_MIN_PAGES : (uint32_t)p;
}

static void post_close(struct vmbus_channel *ch)
{
	struct vmbus_msg_close cm;
	memset(&cm, 0, sizeof cm);
	cm.hdr.msgtype = VMBUS_MSG_CLOSECHANNEL;
	cm.child_relid = ch->ch_relid;
	vmbus_post(ch->ch_sc, &cm, sizeof cm);
}

int vmbus_chan_open(struct vmbus_channel *ch, uint32_t tx_bytes, uint32_t rx_bytes,
		    const void *udata, uint32_t udata_len, vmbus_chan_cb *cb, void *arg)
{
	if (!ch || !cb || udata_len > VMBUS_OPEN_USER_DATA_BYTES || (udata_len && !udata) ||
	    !tx_bytes || !rx_bytes)
		return -EINVAL;
	uint32_t txp = ring_pages(tx_bytes), rxp = ring_pages(rx_bytes);
	if ((uint64_t)txp + rxp > VMBUS_GPADL_MAX_PFNS)
		return -EINVAL;
	struct vmbus_softc *sc = ch->ch_sc;
	kern_lock_acquire(sc->lock);
	int rc = ch->ch_rescinded ? -ENODEV : ch->ch_state != VMBUS_CHS_OFFERED ? -EBUSY : 0;
	if (!rc) {
		chan_set_state(ch, VMBUS_CHS_OPENING);
		ch->ch_busy++;
		ch->ch_open_done = false;
		ch->ch_openid = ch->ch_relid; /* Linux's choice; the host echoes it */
	}
	kern_lock_release(sc->lock);
	if (rc)
		return rc;

	bool have_gpadl = false;
	if ((rc = kern_dma_alloc(txp + rxp, &ch->ch_ring)))
		goto fail;
	ch->ch_rxcap = (rxp - 1) * HV_PAGE_SIZE;
	ch->ch_rxbuf = kern_malloc(ch->ch_rxcap);
	if (!ch->ch_rxbuf) {
		rc = -ENOMEM;
		goto fail;
	}
	vmbus_br_init(&ch->ch_tx, ch->ch_ring.va, (size_t)txp * HV_PAGE_SIZE, true);
	vmbus_br_init(&ch->ch_rx, (uint8_t *)ch->ch_ring.va + (size_t)txp * HV_PAGE_SIZE,
		      (size_t)rxp * HV_PAGE_SIZE, false);
	ch->ch_txpages = txp;
	ch->ch_cb = cb;
	ch->ch_cb_arg = arg;
	if ((rc = vmbus_gpadl_create_dma(ch, &ch->ch_ring, &ch->ch_ring_gpadl)))
		goto fail;
	have_gpadl = true;

	struct vmbus_msg_open om;
	memset(&om, 0, sizeof om);
	om.hdr.msgtype = VMBUS_MSG_OPENCHANNEL;
	om.child_relid = ch->ch_relid;
	om.openid = ch->ch_openid;
	om.ring_gpadl = ch->ch_ring_gpadl;
	om.target_vp = ch->ch_target_vp;
	om.downstream_ring_pageoff = txp;
	if (udata_len)
		memcpy(om.user_data, udata, udata_len);
	if ((rc = vmbus_post(sc, &om, sizeof om)))
		goto fail;
	rc = vmbus_wait(sc, ch->ch_wq, open_answered, ch);
	kern_lock_acquire(sc->lock);
	if (ch->ch_rescinded)
		rc = -ENODEV;
	else if (!rc && ch->ch_open_status != VMBUS_STATUS_SUCCESS)
		rc = -EIO;
	if (!rc) {
		ch->ch_gen++;
		chan_set_state(ch, VMBUS_CHS_OPEN);
	}
	kern_lock_release(sc->lock);
	if (rc == -ETIMEDOUT)
		post_close(ch); /* in case the host opens it after all */
	if (rc)
		goto fail;
	VMBUS_STAT_INC(sc, opens);
	/* Anything the host wrote before we were open is waiting. */
	kern_task_enqueue(ch->ch_target_cpu, &ch->ch_rx_task);
	vmbus_chan_put(ch);
	return 0;

fail:
	kern_log(KERN_ERR, "vmbus", "open of relid %u failed (%d)", ch->ch_relid, rc);
	VMBUS_STAT_INC(sc, open_failures);
	if (have_gpadl)
		vmbus_gpadl_destroy(ch, ch->ch_ring_gpadl);
	ring_free(ch);
	ch->ch_cb = NULL;
	kern_lock_acquire(sc->lock);
	chan_set_state(ch, VMBUS_CHS_OFFERED);
	kern_lock_release(sc->lock);
	vmbus_chan_put(ch);
	return rc;
}

static bool rx_idle(void *arg)
{
	struct vmbus_channel *ch = arg;
	return !__atomic_load_n(&ch->ch_rx_running, __ATOMIC_ACQUIRE);
}

void vmbus_chan_close(struct vmbus_channel *ch)
{
	if (!ch)
		return;
	struct vmbus_softc *sc = ch->ch_sc;
	kern_lock_acquire(sc->lock);
	if (ch->ch_state != VMBUS_CHS_OPEN) {
		kern_lock_release(sc->lock);
		return;
	}
	chan_set_state(ch, VMBUS_CHS_CLOSING);
	ch->ch_gen++;
	ch->ch_busy++;
	kern_lock_release(sc->lock);

	/* Also after a rescind: the guest closes, then releases the relid
	 * (vmbus.md 5.4 step 8), and a host may hold the ring GPADL's
	 * teardown until the close. */
	post_close(ch);
	kern_task_cancel(&ch->ch_rx_task);
	/* A receive task in progress elsewhere finishes first; one we are
	 * called from (the callback closes) sees the new generation. */
	if (!__atomic_load_n(&ch->ch_cb_active, __ATOMIC_ACQUIRE))
		vmbus_wait(sc, ch->ch_wq, rx_idle, ch);
	vmbus_gpadl_destroy(ch, ch->ch_ring_gpadl);
	ring_free(ch);
	ch->ch_cb = NULL;
	kern_lock_acquire(sc->lock);
	chan_set_state(ch, VMBUS_CHS_OFFERED);
	kern_lock_release(sc->lock);
	VMBUS_STAT_INC(sc, closes);
	kern_wakeup(ch->ch_wq);
	vmbus_chan_put(ch);
}

/* Called with sc->lock held. */
void vmbus_handle_open_result(struct vmbus_softc *sc, const struct vmbus_msg_open_result *m)
{
	struct vmbus_channel *ch = m->child_relid < VMBUS_RELID_LIMIT ? sc->relid[m->child_relid] : NULL;
	if (!ch || ch->ch_state != VMBUS_CHS_OPENING || ch->ch_open_done || m->openid != ch->ch_openid) {
		VMBUS_STAT_INC(sc, msgs_unexpected);
		kern_log(KERN_WARN, "vmbus", "OPEN_RESULT relid %u openid %u nobody waits for: dropped",
			 m->child_relid, m->openid);
		return;
	}
	ch->ch_open_status = m->status;
	ch->ch_open_done = true;
	kern_wakeup(ch->ch_wq);
}

/* Free a channel that is unlinked (or the bus is going away). */
void vmbus_chan_free(struct vmbus_channel *ch)
{
	if (!ch)
		return;
	kern_task_cancel(&ch->ch_rx_task);
	ring_free(ch);
	kern_waitq_destroy(ch->ch_wq);
	kern_lock_destroy(ch->ch_txlock);
	kern_free(ch);
}

/* ---- send ------------------------------------------------------------------- */

struct room_wait {
	struct vmbus_channel *ch;
	uint32_t need;
	uint32_t gen;
};

static bool room_or_gone(void *arg)
{
	struct room_wait *w = arg;
	struct vmbus_channel *ch = w->ch;
	if (__atomic_load_n(&ch->ch_gen, __ATOMIC_ACQUIRE) != w->gen ||
	    __atomic_load_n(&ch->ch_rescinded, __ATOMIC_ACQUIRE))
		return true;
	kern_lock_acquire(ch->ch_txlock);
	bool ok = ch->ch_tx.br_broken || vmbus_br_has_room(&ch->ch_tx, w->need);
	kern_lock_release(ch->ch_txlock);
	return ok;
}

static int chan_send_iov(struct vmbus_channel *ch, const struct vmbus_br_iov *iov, unsigned n,
			 uint32_t pktlen)
{
	struct vmbus_softc *sc = ch->ch_sc;
	kern_lock_acquire(sc->lock);
	int rc = ch->ch_rescinded ? -ENODEV : ch->ch_state != VMBUS_CHS_OPEN ? -ENOTCONN : 0;
	uint32_t gen = ch->ch_gen;
	if (!rc)
		ch->ch_busy++;
	kern_lock_release(sc->lock);
	if (rc)
		return rc;
	struct room_wait w = { ch, vmbus_br_need(pktlen), gen };
	bool pending = false;
	for (;;) {
		bool sig = false;
		kern_lock_acquire(ch->ch_txlock);
		if (__atomic_load_n(&ch->ch_gen, __ATOMIC_ACQUIRE) != gen) {
			kern_lock_release(ch->ch_txlock);
			rc = ch->ch_rescinded ? -ENODEV : -ENOTCONN;
			break;
		}
		rc = vmbus_br_write(&ch->ch_tx, iov, n, &sig);
		if (rc == -EAGAIN && !pending) {
			/* Tell the host what we need, then look again: it may
			 * have freed space before it could see the request. */
			vmbus_br_set_pending(&ch->ch_tx, w.need);
			pending = true;
			rc = vmbus_br_write(&ch->ch_tx, iov, n, &sig);
		}
		if (rc != -EAGAIN && pending) {
			vmbus_br_clear_pending(&ch->ch_tx);
			pending = false;
		}
		kern_lock_release(ch->ch_txlock);
		if (rc == 0) {
			VMBUS_STAT_INC(sc, pkts_out);
			if (sig)
				vmbus_chan_signal(ch);
			break;
		}
		if (rc != -EAGAIN)
			break;
		rc = vmbus_wait(sc, ch->ch_wq, room_or_gone, &w);
		if (rc)
			break;
		if (ch->ch_rescinded) {
			rc = -ENODEV;
			break;
		}
	}
	if (pending && __atomic_load_n(&ch->ch_gen, __ATOMIC_ACQUIRE) == gen) {
		kern_lock_acquire(ch->ch_txlock);
		vmbus_br_clear_pending(&ch->ch_tx);
		kern_lock_release(ch->ch_txlock);
	}
	if (rc == -EIO)
		VMBUS_STAT_INC(sc, rings_broken);
	vmbus_chan_put(ch);
	return rc;
}

static uint16_t len8(uint32_t bytes)
{
	return (uint16_t)((bytes + 7u) / 8u);
}

int vmbus_chan_send(struct vmbus_channel *ch, const void *data, uint32_t len, uint64_t trans_id,
		    bool want_completion)
{
	/* Id 0 is never ours to allocate for a request we want completed
	 * (RELIABILITY 48); a reply without completion echoes whatever id the
	 * host's request carried, 0 included (IC hosts send 0). */
	if (!ch || (want_completion && trans_id == 0) || (len && !data) ||
	    len > VMBUS_PKT_MAX_LEN - VMBUS_PKT_DESC_SIZE)
		return -EINVAL;
	struct vmbus_pkt_desc d = {
		.type = VMBUS_PKT_DATA_INBAND,
		.offset8 = VMBUS_PKT_DESC_SIZE / 8,
		.len8 = len8(VMBUS_PKT_DESC_SIZE + len),
		.flags = want_completion ? VMBUS_PKT_FLAG_COMPLETION_REQUESTED : 0,
		.trans_id = trans_id,
	};
	struct vmbus_br_iov iov[2] = { { &d, sizeof d }, { data, len } };
	return chan_send_iov(ch, iov, 2, VMBUS_PKT_DESC_SIZE + len);
}

int vmbus_chan_send_comp(struct vmbus_channel *ch, const void *data, uint32_t len,
			 uint64_t trans_id)
{
	if (!ch || (len && !data) || len > VMBUS_PKT_MAX_LEN - VMBUS_PKT_DESC_SIZE)
		return -EINVAL;
	struct vmbus_pkt_desc d = {
		.type = VMBUS_PKT_COMP,
		.offset8 = VMBUS_PKT_DESC_SIZE / 8,
		.len8 = len8(VMBUS_PKT_DESC_SIZE + len),
		.flags = 0,
		.trans_id = trans_id,
	};
	struct vmbus_br_iov iov[2] = { { &d, sizeof d }, { data, len } };
	return chan_send_iov(ch, iov, 2, VMBUS_PKT_DESC_SIZE + len);
}

int vmbus_chan_send_pagebuf(struct vmbus_channel *ch, const struct vmbus_gpa *pb, uint32_t n,
			    const void *data, uint32_t len, uint64_t trans_id)
{
	if (!ch || !pb || n == 0 || n > VMBUS_PAGEBUF_MAX || trans_id == 0 || (len && !data))
		return -EINVAL;
	struct vmbus_page_buffer r[VMBUS_PAGEBUF_MAX];
	for (uint32_t i = 0; i < n; i++) {
		if (pb[i].len == 0 || pb[i].offset >= HV_PAGE_SIZE ||
		    pb[i].len > HV_PAGE_SIZE - pb[i].offset)
			return -EINVAL;
		r[i].len = pb[i].len;
		r[i].offset = pb[i].offset;
		r[i].pfn = pb[i].pfn;
	}
	uint32_t hdr = VMBUS_PKT_GPA_DIRECT_HDR_SIZE + n * (uint32_t)sizeof r[0];
	if (len > VMBUS_PKT_MAX_LEN - hdr)
		return -EINVAL;
	struct vmbus_pkt_gpa_direct h = {
		.d = {
			.type = VMBUS_PKT_DATA_USING_GPA_DIRECT,
			.offset8 = (uint16_t)(hdr / 8),
			.len8 = len8(hdr + len),
			.flags = VMBUS_PKT_FLAG_COMPLETION_REQUESTED,
			.trans_id = trans_id,
		},
		.reserved = 0,
		.range_count = n,
	};
	struct vmbus_br_iov iov[3] = { { &h, sizeof h }, { r, n * (uint32_t)sizeof r[0] }, { data, len } };
	return chan_send_iov(ch, iov, 3, hdr + len);
}

int vmbus_chan_send_mpb(struct vmbus_channel *ch, uint32_t offset, uint32_t byte_len,
			const uint64_t *pfn, uint32_t npfn, const void *data, uint32_t len,
			uint64_t trans_id)
{
	if (!ch || !pfn || npfn == 0 || trans_id == 0 || byte_len == 0 ||
	    offset > VMBUS_GPA_RANGE_MAX_OFFSET || (len && !data))
		return -EINVAL;
	/* The range needs exactly ceil((offset + len) / 4096) PFNs. */
	uint64_t pages = ((uint64_t)offset + byte_len + HV_PAGE_SIZE - 1) / HV_PAGE_SIZE;
	if (pages != npfn || npfn > (VMBUS_PKT_MAX_LEN - VMBUS_PKT_MPB_HDR_SIZE - 8u) / 8u)
		return -EINVAL;
	uint32_t hdr = VMBUS_PKT_MPB_HDR_SIZE + (uint32_t)sizeof(struct vmbus_pkt_range_hdr) + 8u * npfn;
	if (len > VMBUS_PKT_MAX_LEN - hdr)
		return -EINVAL;
	struct {
		struct vmbus_pkt_gpa_direct h;
		struct vmbus_pkt_range_hdr r;
	} __attribute__((packed)) m = {
		.h = {
			.d = {
				.type = VMBUS_PKT_DATA_USING_GPA_DIRECT,
				.offset8 = (uint16_t)(hdr / 8),
				.len8 = len8(hdr + len),
				.flags = VMBUS_PKT_FLAG_COMPLETION_REQUESTED,
				.trans_id = trans_id,
			},
			.reserved = 0,
			.range_count = 1,
		},
		.r = { .byte_count = byte_len, .byte_offset = offset },
	};
	struct vmbus_br_iov iov[3] = { { &m, sizeof m }, { pfn, 8u * npfn }, { data, len } };
	return chan_send_iov(ch, iov, 3, hdr + len);
}
