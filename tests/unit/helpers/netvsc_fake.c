/* netvsc_fake.c -- the scripted netvsp host and the hn test fixture (see
 * netvsc_fake.h).  Replies are assembled with put32 at the offsets of the
 * protocol sheet, not with the wire structs the driver uses. */
#include "netvsc_fake.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "guest_drivers/netvsc/hn.h"
#include "hyperv/vmbus_guid.h"
#include "hyperv/vmbus_ring.h"
#include "sim/devices/hostside.h"
#include "sim/guest/guest_actions.h"
#include "sim/guest/guest_vmbus.h"
#include "sim/guest/runtime.h"
#include "sim/guest/transport.h"
#include "sim/hostd/gmem.h"
#include "sim/hostd/partition.h"
#include "sim/hostd/profile.h"
#include "sim/hostd/vmbs.h"
#include "sim/hostd/vmbs_dev.h"

#define NF_MEM (48u << 20)

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

struct nf_dev {
	struct nf_host h;
	struct vmbs_pages rxpg, txpg;
	uint32_t rx_gpadl, tx_gpadl;
};

static struct nf_dev *dev_of(struct nf_host *h)
{
	return (struct nf_dev *)h;
}

static unsigned chan_idx(struct nf_host *h, struct vmbs_chan *ch)
{
	uint16_t i = vmbs_chan_subidx(ch);
	if (i < NF_MAX_CHANS) {
		h->chan[i] = ch;
		if (i >= h->nchan)
			h->nchan = i + 1u;
	}
	return i;
}

/* ---- receive buffer ------------------------------------------------------------------- */

static int rx_alloc(struct nf_host *h)
{
	for (uint32_t i = 0; i < h->rx_count; i++)
		if (!h->rx_busy[i]) {
			h->rx_busy[i] = 1;
			return (int)i;
		}
	return -1;
}

static int rx_write(struct nf_host *h, uint32_t off, const void *src, uint32_t len)
{
	struct nf_dev *d = dev_of(h);
	return vmbs_pages_write(h->chan[0], &d->rxpg, off, src, len);
}

/* One message into a free sub-allocation, sent as a transfer-page packet. */
static int rx_send_msg(struct nf_host *h, unsigned chan, const uint8_t *msg, uint32_t len,
		       uint32_t chtype)
{
	if (!h->have_rx || chan >= h->nchan || !h->chan[chan] || len > h->rx_sub)
		return -EINVAL;
	int s = rx_alloc(h);
	if (s < 0)
		return -ENOBUFS;
	uint32_t off = (uint32_t)s * h->rx_sub;
	int rc = rx_write(h, off, msg, len);
	if (rc)
		return rc;
	struct vmbus_xfer_page_range r = { len, off };
	uint8_t nv[40];
	memset(nv, 0, sizeof nv);
	put32(nv, 107);
	put32(nv + 4, chtype);
	put32(nv + 8, 0xFFFFFFFFu);
	rc = vmbs_chan_send_xfer_pages(h->chan[chan], 0x10000u + (uint32_t)s, 0xCAFE, &r, 1, nv,
				       h->nvsp >= 0x00060001u ? 40 : 28);
	if (rc)
		h->rx_busy[s] = 0;
	else
		h->rx_sent++;
	return rc;
}

/* ---- RNDIS ------------------------------------------------------------------------------ */

static void rndis_reply(struct nf_host *h, uint8_t *m, uint32_t len)
{
	if (h->mute_rndis)
		return;
	if (h->wrong_rid)
		put32(m + 8, get32(m + 8) + 1000);
	(void)rx_send_msg(h, 0, m, len, 1);
}

static uint32_t query_answer(struct nf_host *h, uint32_t oid, uint8_t *out)
{
	switch (oid) {
	case 0x00010106: {
		/* openvmm: the configured MTU minus the Ethernet header. */
		uint32_t v = h->ndis_mtu > 14 ? h->ndis_mtu - 14 : 1500;
		if (h->max_frame && h->max_frame < v)
			v = h->max_frame;
		put32(out, v);
		return 4;
	}
	case 0x01010101: memcpy(out, h->mac, 6); return 6;
	case 0x00010114: put32(out, h->link_up ? 0 : 1); return 4;
	case 0x00010107: put32(out, h->link_speed); return 4;
	case 0xFC01020D: {
		if (h->offload_none)
			return 0xFFFFFFFFu;
		memset(out, 0, 156);
		out[0] = 0xA7;
		out[1] = 3;
		out[2] = 156;
		uint32_t c4 = 0x14 | (h->offload_udp ? 0x40u : 0u);
		put32(out + 4, 2);        /* ip4 tx encap */
		put32(out + 8, c4);       /* ip4 tx caps */
		put32(out + 20, 2);
		put32(out + 24, c4);      /* ip6 tx caps */
		if (h->lso) {
			put32(out + 80, 2);       /* LSOv2 ip4 encap 802.3 */
			put32(out + 84, 62780);
			put32(out + 88, 2);
			put32(out + 92, 2);       /* ip6 encap */
			put32(out + 96, 62780);
			put32(out + 100, 2);
			put32(out + 104, 0x5);    /* ext headers + TCP options */
		}
		return 156;
	}
	case 0x00010203: {
		if (!h->rss_queues)
			return 0xFFFFFFFFu;
		memset(out, 0, 18);
		out[0] = 0x88;
		out[1] = 2;
		out[2] = 18;
		put32(out + 4, 0x301);
		put32(out + 8, 1);
		put32(out + 12, h->rss_queues);
		out[16] = 128;
		return 18;
	}
	default:
		return 0xFFFFFFFFu;
	}
}

static void set_request(struct nf_host *h, uint32_t oid, const uint8_t *in, uint32_t len,
			uint32_t *status)
{
	*status = 0;
	switch (oid) {
	case 0x0001010E:
		if (len >= 4)
			h->packet_filter = get32(in);
		return;
	case 0xFC01020C:
		if (len < 20) {
			*status = 0xC0010015u;
			return;
		}
		h->offload_params[0] = in[5];
		h->offload_params[1] = in[6];
		h->offload_params[2] = in[7];
		h->offload_params[3] = in[8];
		h->offload_params[4] = in[11];
		h->offload_params[5] = in[12];
		return;
	case 0x00010204: {
		if (len < 40) {
			*status = 0xC0010015u;
			return;
		}
		uint16_t isz, ksz;
		memcpy(&isz, in + 12, 2);
		memcpy(&ksz, in + 20, 2);
		uint32_t ioff = get32(in + 16), koff = get32(in + 24);
		if (ksz != 40 || isz == 0 || isz % 4 || isz / 4 > 256 || ioff > len ||
		    isz > len - ioff || koff > len || ksz > len - koff) {
			*status = 0xC0010015u;
			return;
		}
		h->rss_set = true;
		h->rss_hash_info = get32(in + 8);
		h->rss_itab_entries = isz / 4u;
		memcpy(h->rss_itab, in + ioff, isz);
		return;
	}
	default:
		*status = 0xC00000BBu;
		return;
	}
}

static void rndis_msg(struct nf_host *h, unsigned chan, const uint8_t *m, uint32_t len,
		      bool from_section)
{
	uint32_t type = get32(m), mlen = get32(m + 4);
	if (mlen < 8 || mlen > len) {
		h->bad_guest++;
		return;
	}
	if (h->nrndis < NF_LOG) {
		h->rndis_types[h->nrndis] = type;
		h->rndis_oids[h->nrndis] = (type == 4 || type == 5) && mlen >= 16 ? get32(m + 12) : 0;
		h->nrndis++;
	}
	uint8_t r[512];
	memset(r, 0, sizeof r);
	switch (type) {
	case 1: { /* PACKET */
		if (mlen < 44 || h->nframes >= NF_FRAMES) {
			h->bad_guest++;
			return;
		}
		uint32_t doff = 8 + get32(m + 8), dlen = get32(m + 12);
		uint32_t poff = 8 + get32(m + 28), plen = get32(m + 32);
		if (doff > mlen || dlen > mlen - doff || (plen && (poff > mlen || plen > mlen - poff))) {
			h->bad_guest++;
			return;
		}
		struct nf_frame *f = &h->frames[h->nframes++];
		memset(f, 0, sizeof *f);
		f->chan = (uint16_t)chan;
		f->from_section = from_section;
		f->len = dlen;
		f->data = malloc(dlen ? dlen : 1);
		assert_non_null(f->data);
		memcpy(f->data, m + doff, dlen);
		for (uint32_t p = 0; plen && p + 12 <= plen;) {
			uint32_t sz = get32(m + poff + p), t = get32(m + poff + p + 4);
			uint32_t o = get32(m + poff + p + 8);
			if (sz < 12 || sz > plen - p || o + 4 > sz)
				break;
			uint32_t v = get32(m + poff + p + o);
			if (t == 0) { f->has_csum = true; f->csum_ppi = v; }
			if (t == 2) { f->has_lso = true; f->lso_ppi = v; }
			if (t == 6) { f->has_vlan = true; f->vlan_ppi = v; }
			p += sz;
		}
		return;
	}
	case 2: /* INITIALIZE -> INITIALIZE_CMPLT, 52 bytes */
		put32(r, 0x80000002u);
		put32(r + 4, 52);
		put32(r + 8, get32(m + 8));
		put32(r + 12, 0);
		put32(r + 16, 1);
		put32(r + 24, 1);
		put32(r + 32, 8);
		put32(r + 36, 0xEFFFFFFFu);
		put32(r + 40, 3);
		rndis_reply(h, r, 52);
		return;
	case 3:
		h->halted = true;
		return;
	case 4: { /* QUERY -> QUERY_CMPLT, data at byte 24 */
		uint32_t n = query_answer(h, get32(m + 12), r + 24);
		put32(r, 0x80000004u);
		put32(r + 8, get32(m + 8));
		if (n == 0xFFFFFFFFu) {
			put32(r + 12, 0xC00000BBu);
			n = 0;
		}
		put32(r + 16, n);
		put32(r + 20, n ? 16 : 0);
		put32(r + 4, 24 + n);
		rndis_reply(h, r, 24 + n);
		return;
	}
	case 5: { /* SET -> SET_CMPLT, 16 bytes */
		uint32_t ilen = get32(m + 16), ioff = 8 + get32(m + 20), st;
		if (ioff > mlen || ilen > mlen - ioff) {
			st = 0xC0010015u;
		} else {
			set_request(h, get32(m + 12), m + ioff, ilen, &st);
		}
		put32(r, 0x80000005u);
		put32(r + 4, 16);
		put32(r + 8, get32(m + 8));
		put32(r + 12, st);
		rndis_reply(h, r, 16);
		return;
	}
	default:
		h->bad_guest++;
		return;
	}
}

/* ---- NVSP --------------------------------------------------------------------------------- */

static void nvsp_complete(struct nf_host *h, struct vmbs_chan *ch, uint64_t tid, uint8_t *m,
			  uint32_t len)
{
	(void)h;
	assert_int_equal(vmbs_chan_send_completion(ch, tid, m, len), 0);
}

static uint32_t reply_size(const struct nf_host *h)
{
	return h->nvsp >= 0x00060001u ? 40 : 28;
}

static int nvsp_msg(struct nf_host *h, struct vmbs_chan *ch, unsigned chan, uint64_t tid,
		    const uint8_t *m, uint32_t len, const uint8_t *data, uint32_t dlen)
{
	struct nf_dev *d = dev_of(h);
	uint8_t r[40];
	memset(r, 0, sizeof r);
	if (len < 4)
		return -EINVAL;
	uint32_t type = get32(m);
	switch (type) {
	case 1: { /* INIT */
		uint32_t v = get32(m + 4);
		uint32_t max = h->max_nvsp ? h->max_nvsp : 0x00060001u;
		if (h->ntried < 8)
			h->tried[h->ntried++] = v;
		bool ok = v <= max && v != h->refuse_nvsp;
		if (ok)
			h->nvsp = v;
		put32(r, 2);
		put32(r + 4, 0xFFFFFFFFu);
		put32(r + 8, 34);
		put32(r + 12, ok ? 1 : 0);
		nvsp_complete(h, ch, tid, r, ok && v >= 0x00060001u ? 40 : 28);
		return 0;
	}
	case 125:
		h->ndis_mtu = get32(m + 4);
		memcpy(&h->ndis_caps, m + 12, 8);
		return 0;
	case 100:
		h->ndis_major = get32(m + 4);
		h->ndis_minor = get32(m + 8);
		return 0;
	case 101: { /* SEND_RECV_BUF */
		uint32_t g = get32(m + 4);
		int rc = vmbs_gpadl_pin(ch, g, &d->rxpg);
		/* openvmm: RNDIS header room + MTU + 36 unusable bytes. */
		uint32_t sub = h->rx_sub_alloc ? h->rx_sub_alloc
					       : (h->ndis_mtu ? h->ndis_mtu : 1514) + 256 + 36;
		put32(r, 102);
		if (rc || h->have_rx) {
			put32(r + 4, 2);
			nvsp_complete(h, ch, tid, r, reply_size(h));
			return 0;
		}
		d->rx_gpadl = g;
		h->have_rx = true;
		h->rxbuf_len = (uint32_t)d->rxpg.len;
		h->rx_sub = sub;
		h->rx_count = h->rxbuf_len / sub;
		h->rx_busy = calloc(h->rx_count ? h->rx_count : 1, 1);
		assert_non_null(h->rx_busy);
		uint32_t cnt = h->rx_count_override ? h->rx_count_override : h->rx_count;
		put32(r + 4, 1);
		put32(r + 8, h->rx_num_sections ? h->rx_num_sections : 1);
		put32(r + 12, h->rx_offset);
		put32(r + 16, sub);
		put32(r + 20, cnt);
		put32(r + 24, sub * cnt);
		nvsp_complete(h, ch, tid, r, reply_size(h));
		return 0;
	}
	case 104: { /* SEND_SEND_BUF */
		uint32_t g = get32(m + 4);
		int rc = vmbs_gpadl_pin(ch, g, &d->txpg);
		put32(r, 105);
		if (rc || h->have_tx) {
			put32(r + 4, 2);
			nvsp_complete(h, ch, tid, r, reply_size(h));
			return 0;
		}
		d->tx_gpadl = g;
		h->have_tx = true;
		h->txbuf_len = (uint32_t)d->txpg.len;
		put32(r + 4, 1);
		put32(r + 8, h->tx_section ? h->tx_section : 6144);
		nvsp_complete(h, ch, tid, r, reply_size(h));
		return 0;
	}
	case 103:
		h->revoked_rx++;
		if (h->have_rx)
			vmbs_gpadl_unpin(h->chan[0], d->rx_gpadl);
		h->have_rx = false;
		return 0;
	case 106:
		h->revoked_tx++;
		if (h->have_tx)
			vmbs_gpadl_unpin(h->chan[0], d->tx_gpadl);
		h->have_tx = false;
		return 0;
	case 107: { /* SEND_RNDIS_PKT */
		uint32_t idx = get32(m + 8), size = get32(m + 12);
		uint8_t *buf = malloc(NF_FRAME_MAX);
		assert_non_null(buf);
		uint32_t n = 0;
		bool sec = idx != 0xFFFFFFFFu;
		uint32_t secsz = h->tx_section ? h->tx_section : 6144;
		if (sec) {
			if (!h->have_tx || size > secsz || (uint64_t)idx * secsz + size > h->txbuf_len ||
			    vmbs_pages_read(ch, &d->txpg, (uint64_t)idx * secsz, buf, size)) {
				h->bad_guest++;
				free(buf);
				return -EINVAL;
			}
			n = size;
		} else {
			if (!data || dlen > NF_FRAME_MAX) {
				h->bad_guest++;
				free(buf);
				return -EINVAL;
			}
			memcpy(buf, data, dlen);
			n = dlen;
		}
		rndis_msg(h, chan, buf, n, sec);
		free(buf);
		put32(r, 108);
		put32(r + 4, 1);
		nvsp_complete(h, ch, tid, r, reply_size(h));
		return 0;
	}
	case 133: { /* SUBCHANNEL */
		uint32_t want = get32(m + 8);
		h->sub_requested = want;
		uint32_t g = h->subchan_grant >= 0 ? (uint32_t)h->subchan_grant : want;
		put32(r, 133);
		put32(r + 4, 1);
		put32(r + 8, g);
		nvsp_complete(h, ch, tid, r, reply_size(h));
		uint32_t real = g < want ? g : want;
		if (real)
			assert_true(vmbs_chan_offer_subchannels(ch, (uint16_t)real) >= 0);
		return 0;
	}
	default:
		h->bad_guest++;
		return 0;
	}
}

static int nf_packet(struct vmbs_chan *ch, const struct vmbus_pkt_desc *desc, const uint8_t *pkt,
		     uint32_t len)
{
	struct nf_host *h = vmbs_chan_ctx(ch);
	unsigned chan = chan_idx(h, ch);
	uint32_t off = desc->offset8 * 8u;
	const uint8_t *pl = pkt + off;
	uint32_t plen = len - off;
	if (h->nlog < NF_LOG && desc->type != VMBUS_PKT_COMP) {
		struct nf_msg *l = &h->log[h->nlog++];
		l->pkt_type = desc->type;
		l->chan = (uint16_t)chan;
		l->len = plen;
		memcpy(l->b, pl, plen < sizeof l->b ? plen : sizeof l->b);
	}
	if (desc->type == VMBUS_PKT_COMP) {
		uint64_t s = desc->trans_id - 0x10000u;
		h->rx_completions++;
		if (plen >= 8 && get32(pl + 4) != 1)
			h->rx_completion_fail++;
		if (s < h->rx_count && h->rx_busy)
			h->rx_busy[s] = 0;
		return 0;
	}
	if (desc->type == VMBUS_PKT_DATA_USING_GPA_DIRECT) {
		struct vmbs_gpa_list *gl = malloc(sizeof *gl);
		uint8_t *data = malloc(NF_FRAME_MAX);
		assert_non_null(gl);
		assert_non_null(data);
		int rc = vmbs_pkt_gpa_parse(ch, desc, pkt, len, gl);
		uint32_t n = 0;
		for (uint32_t i = 0; !rc && i < gl->nrange; i++) {
			if (gl->range[i].len > NF_FRAME_MAX - n) {
				rc = -E2BIG;
				break;
			}
			rc = vmbs_pages_read(ch, &gl->range[i], 0, data + n, gl->range[i].len);
			n += (uint32_t)gl->range[i].len;
		}
		if (!rc)
			rc = nvsp_msg(h, ch, chan, desc->trans_id, pl, plen, data, n);
		free(gl);
		free(data);
		return rc;
	}
	if (desc->type != VMBUS_PKT_DATA_INBAND)
		return -EINVAL;
	return nvsp_msg(h, ch, chan, desc->trans_id, pl, plen, NULL, 0);
}

static int nf_open(struct vmbs_chan *ch)
{
	chan_idx(vmbs_chan_ctx(ch), ch);
	return 0;
}

static void nf_close(struct vmbs_chan *ch)
{
	struct nf_host *h = vmbs_chan_ctx(ch);
	if (vmbs_chan_subidx(ch) == 0) {
		h->have_rx = h->have_tx = false;
		free(h->rx_busy);
		h->rx_busy = NULL;
		h->rx_count = 0;
	}
}

static void nf_gpadl_teardown(struct vmbs_chan *ch, uint32_t handle)
{
	struct nf_host *h = vmbs_chan_ctx(ch);
	struct nf_dev *d = dev_of(h);
	if (handle == d->rx_gpadl && h->have_rx) {
		h->have_rx = false;
		vmbs_gpadl_unpin(ch, handle);
	} else if (handle == d->tx_gpadl && h->have_tx) {
		h->have_tx = false;
		vmbs_gpadl_unpin(ch, handle);
	}
}

static const struct vmbs_dev_ops nf_ops = {
	.open = nf_open,
	.packet = nf_packet,
	.close = nf_close,
	.gpadl_teardown = nf_gpadl_teardown,
};

/* ---- host actions ------------------------------------------------------------------------- */

int nf_rx_frame(struct nf_host *h, unsigned chan, const void *frame, uint32_t len, uint32_t csum,
		uint32_t hash, uint32_t hash_type)
{
	uint8_t *m = calloc(1, 44 + 48 + len);
	assert_non_null(m);
	uint32_t ppi = 0;
	uint8_t *p = m + 44;
	put32(p, 16); put32(p + 4, 0); put32(p + 8, 12); put32(p + 12, csum);
	ppi += 16;
	if (hash_type) {
		put32(p + ppi, 16); put32(p + ppi + 4, 8); put32(p + ppi + 8, 12);
		put32(p + ppi + 12, hash);
		ppi += 16;
		put32(p + ppi, 16); put32(p + ppi + 4, 9); put32(p + ppi + 8, 12);
		put32(p + ppi + 12, hash_type | 1u);
		ppi += 16;
	}
	put32(m, 1);
	put32(m + 4, 44 + ppi + len);
	put32(m + 8, 36 + ppi);
	put32(m + 12, len);
	put32(m + 28, 36);
	put32(m + 32, ppi);
	memcpy(m + 44 + ppi, frame, len);
	int rc = rx_send_msg(h, chan, m, 44 + ppi + len, 0);
	free(m);
	return rc;
}

int nf_indicate(struct nf_host *h, uint32_t status, const uint32_t *buf, bool legacy)
{
	uint8_t m[32];
	memset(m, 0, sizeof m);
	put32(m, 7);
	put32(m + 8, status);
	uint32_t len = 20;
	if (buf) {
		put32(m + 12, 4);
		put32(m + 16, 12);
		put32(m + 20, *buf);
		len = 24;
	}
	put32(m + 4, legacy ? 20 : len);
	return rx_send_msg(h, 0, m, len, 1);
}

int nf_raw_xfer(struct nf_host *h, unsigned chan, uint16_t pageset, const void *msg,
		uint32_t msglen, const uint32_t *ranges, uint32_t nranges, uint32_t nvsp_type)
{
	if (!h->have_rx || chan >= h->nchan)
		return -EINVAL;
	if (msglen && rx_write(h, 0, msg, msglen))
		return -EINVAL;
	struct vmbus_xfer_page_range *r = calloc(nranges ? nranges : 1, sizeof *r);
	assert_non_null(r);
	for (uint32_t i = 0; i < nranges; i++) {
		r[i].byte_count = ranges[2 * i];
		r[i].byte_offset = ranges[2 * i + 1];
	}
	uint8_t nv[28];
	memset(nv, 0, sizeof nv);
	put32(nv, nvsp_type);
	put32(nv + 8, 0xFFFFFFFFu);
	int rc = vmbs_chan_send_xfer_pages(h->chan[chan], 0x7777, pageset, r, nranges, nv,
					   sizeof nv);
	free(r);
	return rc;
}

int nf_raw_inband(struct nf_host *h, unsigned chan, const void *msg, uint32_t len)
{
	if (chan >= h->nchan)
		return -EINVAL;
	return vmbs_chan_send_inband(h->chan[chan], 0, msg, len, false);
}

int nf_raw_completion(struct nf_host *h, unsigned chan, uint64_t tid, const void *msg,
		      uint32_t len)
{
	if (chan >= h->nchan)
		return -EINVAL;
	return vmbs_chan_send_completion(h->chan[chan], tid, msg, len);
}

int nf_send_itab(struct nf_host *h, const uint32_t *tab, uint32_t offset, uint32_t len,
		 uint32_t count)
{
	uint8_t m[256];
	memset(m, 0, sizeof m);
	if (len > sizeof m)
		return -EINVAL;
	put32(m, 134);
	put32(m + 4, count);
	put32(m + 8, offset);
	for (uint32_t i = 0; i < 16 && offset + 4 * i + 4 <= len; i++)
		put32(m + offset + 4 * i, tab[i]);
	return nf_raw_inband(h, 0, m, len);
}

void nf_frames_clear(struct nf_host *h)
{
	for (unsigned i = 0; i < h->nframes; i++)
		free(h->frames[i].data);
	h->nframes = 0;
}

/* ---- fixture ---------------------------------------------------------------------------------- */

static bool nf_pump(void *arg)
{
	bool did = false;
	for (int i = 0; i < 16 && hostside_pump(arg); i++)
		did = true;
	return did;
}

struct nf_fix *nf_new(const char *profile, uint32_t ncpus, unsigned nnics,
		      const struct nf_host *knobs, uint64_t seed)
{
	struct nf_fix *x = calloc(1, sizeof *x);
	assert_non_null(x);
	x->ncpus = ncpus;
	x->gm = gmem_create(NF_MEM);
	assert_non_null(x->gm);
	x->t = gk_inproc_create(gmem_ptr(x->gm, 0, NF_MEM), NF_MEM, ncpus);
	struct part_config pc = { .profile = hv_profile_find(profile), .nvcpus = ncpus };
	assert_non_null(pc.profile);
	x->p = part_create(x->gm, &pc, gk_inproc_part_notify(), x->t);
	assert_non_null(x->p);
	gk_inproc_attach(x->t, x->p);
	struct hostside_config hc = { .vmbus = true };
	x->hs = hostside_create(x->p, x->gm, &hc, NULL, NULL);
	assert_non_null(x->hs);
	gk_inproc_set_pump(x->t, nf_pump, x->hs);
	for (unsigned i = 0; i < nnics && i < 2; i++) {
		struct nf_dev *d = calloc(1, sizeof *d);
		assert_non_null(d);
		if (knobs)
			d->h = *knobs;
		else {
			d->h.subchan_grant = -1;
			d->h.link_up = true;
			d->h.link_speed = 100000000; /* 10 Gbit/s */
		}
		static const uint8_t mac0[6] = { 0x00, 0x15, 0x5d, 0x00, 0x00, 0x10 };
		if (!d->h.mac[0] && !d->h.mac[1] && !d->h.mac[5]) {
			memcpy(d->h.mac, mac0, 6);
			d->h.mac[5] = (uint8_t)(0x10 + i);
		}
		struct vmbs_dev_params dp;
		memset(&dp, 0, sizeof dp);
		static const uint8_t cls[16] = VMBUS_GUID_NETVSC;
		memcpy(&dp.class_id, cls, 16);
		uint8_t inst[16] = { 0x11, 0x22, 0x33, 0x44, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
		inst[15] = (uint8_t)(i + 1);
		memcpy(&dp.instance_id, inst, 16);
		dp.wants_monitor = true;
		dp.max_subchannels = 8;
		struct vmbs_chan *ch = vmbs_dev_add(hostside_vmbs(x->hs), &dp, &nf_ops, &d->h);
		assert_non_null(ch);
		d->h.chan[0] = ch;
		d->h.nchan = 1;
		x->host[i] = &d->h;
		x->nhosts++;
	}
	struct gk_runtime_config rc = { .sched = GK_SCHED_INPROC, .seed = seed,
					.log_level = getenv("NF_LOG") ? atoi(getenv("NF_LOG")) : 0 };
	x->rt = gk_runtime_create(x->t, &rc);
	assert_non_null(x->rt);
	struct gk_boot_report br;
	assert_int_equal(gk_guest_boot(x->rt, &br), 0);
	assert_int_equal(br.status, 0);
	struct gk_vmbus_report *vr = calloc(1, sizeof *vr);
	assert_non_null(vr);
	assert_int_equal(gk_guest_vmbus_connect(x->rt, 0, false, vr), 0);
	assert_int_equal(vr->status, 0);
	free(vr);
	return x;
}

int nf_call(struct nf_fix *x, int (*fn)(void *), void *arg)
{
	return gk_runtime_call(x->rt, fn, arg);
}

void nf_sleep_ms(struct nf_fix *x, uint64_t ms)
{
	assert_int_equal(gk_guest_sleep(x->rt, ms * 1000000ull), 0);
}

struct start_arg {
	const struct hn_config *cfg;
	int rc;
};

static int start_in_guest(void *arg)
{
	struct start_arg *a = arg;
	a->rc = hn_init(a->cfg);
	return 0;
}

int nf_hn_start(struct nf_fix *x, const struct hn_config *cfg)
{
	struct start_arg a = { cfg, 0 };
	assert_int_equal(nf_call(x, start_in_guest, &a), 0);
	return a.rc;
}

static int stop_in_guest(void *arg)
{
	(void)arg;
	hn_fini();
	return 0;
}

void nf_hn_stop(struct nf_fix *x)
{
	assert_int_equal(nf_call(x, stop_in_guest, NULL), 0);
}

void nf_free(struct nf_fix *x)
{
	nf_hn_stop(x);
	assert_int_equal(gk_guest_vmbus_disconnect(x->rt), 0);
	assert_int_equal(gk_guest_shutdown(x->rt), 0);
	assert_int_equal(gk_dma_pages_used(), 0);
	gk_runtime_destroy(x->rt);
	hostside_destroy(x->hs);
	for (unsigned i = 0; i < x->nhosts; i++) {
		nf_frames_clear(x->host[i]);
		free(x->host[i]->rx_busy);
		free(dev_of(x->host[i]));
	}
	part_destroy(x->p);
	x->t->ops->close(x->t);
	gmem_destroy(x->gm);
	free(x);
}
