/* fake_vstor_host.c -- a scripted VSTOR device for guest storvsc tests (see
 * fake_vstor_host.h).  Replies are built at the sheet's byte offsets
 * (devices.md C.3/C.4, SPC/SBC layouts), not with the driver's code. */
#include "fake_vstor_host.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim/hostd/vmbs_dev.h"

/* vstor_packet offsets (C.3) and SRB offsets (C.4, +12). */
#define P_OP      0
#define P_FLAGS   4
#define P_STATUS  8
#define S_LEN     12
#define S_SRB     14
#define S_SCSI    15
#define S_TARGET  18
#define S_LUN     19
#define S_CDBLEN  20
#define S_SENSELEN 21
#define S_DATAIN  22
#define S_XFER    24
#define S_CDB     28

static void put16(uint8_t *b, unsigned off, uint16_t v) { b[off] = (uint8_t)v; b[off + 1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *b, unsigned off, uint32_t v) { for (int i = 0; i < 4; i++) b[off + i] = (uint8_t)(v >> (8 * i)); }
static uint32_t get32(const uint8_t *b, unsigned off) { return (uint32_t)b[off] | (uint32_t)b[off + 1] << 8 | (uint32_t)b[off + 2] << 16 | (uint32_t)b[off + 3] << 24; }
static uint16_t get16(const uint8_t *b, unsigned off) { return (uint16_t)(b[off] | b[off + 1] << 8); }
static void be32(uint8_t *b, uint32_t v) { b[0] = (uint8_t)(v >> 24); b[1] = (uint8_t)(v >> 16); b[2] = (uint8_t)(v >> 8); b[3] = (uint8_t)v; }
static uint32_t rbe32(const uint8_t *b) { return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3]; }
static uint64_t rbe64(const uint8_t *b) { return (uint64_t)rbe32(b) << 32 | rbe32(b + 4); }

static int send_reply(struct fvs *f, struct vmbs_chan *ch, uint64_t tid, uint8_t *r, uint32_t len, bool srb)
{
	if (srb && f->mangle)
		f->mangle(f, &tid, r, &len);
	if (srb && f->hold && f->nheld < FVS_HELD) {
		struct fvs_held *h = &f->held[f->nheld++];
		h->ch = ch;
		h->tid = tid;
		memcpy(h->reply, r, len > 64 ? 64 : len);
		h->len = len;
		return 0;
	}
	return vmbs_chan_send_completion(ch, tid, r, len);
}

/* Handshake ops: echo the request's size (≤ 64), status from the knobs. */
static int init_op(struct fvs *f, struct vmbs_chan *ch, uint64_t tid, const uint8_t *p, uint32_t plen)
{
	uint8_t r[64];
	memset(r, 0, sizeof r);
	uint32_t op = get32(p, P_OP);
	uint32_t status = 0;
	f->init_ops++;
	if (f->silent_init)
		return 0;
	switch (op) {
	case 7: /* BEGIN */
	case 8: /* END */
		if (op == 8)
			f->inited = true;
		break;
	case 9: { /* QUERY_PROTOCOL_VERSION */
		uint16_t v = get16(p, 12);
		f->versions_tried++;
		uint16_t mx = f->max_version ? f->max_version : 0x0602;
		static const uint16_t known[] = { 0x0200, 0x0402, 0x0501, 0x0600, 0x0602 };
		bool ok = false;
		for (unsigned i = 0; i < 5; i++)
			if (known[i] == v && v <= mx)
				ok = true;
		if (ok)
			f->version = v;
		else
			status = 0xC0000059u;
		put16(r, 12, v);
		break;
	}
	case 10: /* QUERY_PROPERTIES: @4 max channels, @8 flags, @12 max transfer */
		put16(r, 12 + 4, f->version >= 0x0501 ? f->max_sub : 0);
		put32(r, 12 + 8, f->multi && f->version >= 0x0501 ? 1 : 0);
		put32(r, 12 + 12, f->max_xfer);
		break;
	case 13: { /* CREATE_SUB_CHANNELS */
		uint16_t n = get16(p, 12);
		f->sub_requested = n;
		if (n == 0 || n > f->max_sub) {
			status = 0xC000000Du;
			break;
		}
		int got = vmbs_chan_offer_subchannels(ch, n);
		if (got > 0)
			f->sub_offered += (unsigned)got;
		else
			status = 0xC0000001u;
		break;
	}
	default:
		status = 0xC0000010u;
		break;
	}
	put32(r, P_OP, 1);
	put32(r, P_STATUS, status);
	return vmbs_chan_send_completion(ch, tid, r, plen > 64 ? 64 : (plen + 7) & ~7u);
}

static void sense(uint8_t *r, uint8_t key, uint8_t asc, uint8_t ascq)
{
	r[S_SRB] = 0x04 | 0x80;   /* ERROR | AUTOSENSE_VALID */
	r[S_SCSI] = 0x02;         /* CHECK CONDITION */
	r[S_SENSELEN] = 18;
	uint8_t *s = r + S_CDB;
	memset(s, 0, 20);
	s[0] = 0x70;
	s[2] = key;
	s[7] = 10;
	s[12] = asc;
	s[13] = ascq;
}

static int execute_srb(struct fvs *f, struct vmbs_chan *ch, const struct vmbus_pkt_desc *d,
		       const uint8_t *pkt, uint32_t len, const uint8_t *p, uint32_t plen)
{
	uint8_t r[64];
	memset(r, 0, sizeof r);
	memcpy(r, p, plen > 64 ? 64 : plen);
	f->nsrb++;
	f->srb_size_seen = plen;
	uint16_t sub = vmbs_chan_subidx(ch);
	if (sub < 16)
		f->chan_srbs[sub]++;
	uint32_t rlen = f->version >= 0x0501 ? 64 : 48;
	put32(r, P_OP, 1);
	put32(r, P_STATUS, 0);
	r[S_SENSELEN] = 0;
	uint8_t t = p[S_TARGET], l = p[S_LUN];
	const uint8_t *cdb = p + S_CDB;
	uint32_t xfer = get32(p, S_XFER);
	f->ncdb[cdb[0]]++;
	struct vmbs_gpa_list *gl = NULL;
	if (d->type == VMBUS_PKT_DATA_USING_GPA_DIRECT) {
		gl = calloc(1, sizeof *gl);
		if (!gl || vmbs_pkt_gpa_parse(ch, d, pkt, len, gl) || gl->nrange != 1 ||
		    gl->range[0].len < xfer) {
			free(gl);
			return -EINVAL;
		}
	} else if (xfer) {
		return -EINVAL;
	}
	uint8_t buf[4096];
	memset(buf, 0, sizeof buf);
	uint32_t out = 0;       /* bytes to write to the guest */
	r[S_SRB] = 0x01;
	r[S_SCSI] = 0;
	struct fvs_lun *lu = (t < FVS_TARGETS && l < FVS_LUNS) ? &f->lun[t][l] : NULL;
	bool present = lu && lu->present;
	if (f->busy_next) {
		f->busy_next--;
		r[S_SRB] = 0x05;
		r[S_SCSI] = 0x08;
		put32(r, S_XFER, 0);
		goto reply;
	}
	if (f->ua_next && present) {
		f->ua_next--;
		sense(r, 0x6, 0x2A, 0x09);
		put32(r, S_XFER, 0);
		goto reply;
	}
	if (cdb[0] == 0xA0) { /* REPORT LUNS */
		uint32_t n = 0;
		if (f->no_report_luns) {
			sense(r, 0x5, 0x20, 0);
			xfer = 0;
			goto done;
		}
		for (unsigned i = 0; i < FVS_LUNS; i++)
			if ((t < FVS_TARGETS && f->lun[t][i].present) || (f->report_all && i < 16)) {
				buf[8 + 8 * n + 1] = (uint8_t)i;
				n++;
			}
		be32(buf, 8 * n);
		out = 8 + 8 * n;
		goto data;
	}
	if (cdb[0] == 0x12 && !present) { /* INQUIRY of an empty slot */
		if (f->missing_inquiry == 1 && !(cdb[1] & 1)) {
			buf[0] = 0x7F; buf[2] = 0x05; buf[3] = 0x02; buf[4] = 0x1F;
			out = 36;
			goto data;
		}
		r[S_SRB] = 0x20;
		r[S_SCSI] = 0x02;
		xfer = 0;
		goto done;
	}
	if (!present) {
		r[S_SRB] = 0x20;
		r[S_SCSI] = 0x02;
		xfer = 0;
		goto done;
	}
	switch (cdb[0]) {
	case 0x12:
		if (cdb[1] & 1) {
			sense(r, 0x5, 0x24, 0);
			xfer = 0;
			goto done;
		}
		buf[0] = 0x00; buf[2] = 0x05; buf[3] = 0x02; buf[4] = 31; buf[7] = 0x02;
		memcpy(buf + 8, "Msft    Virtual Disk    1.0 ", 28);
		out = 36;
		goto data;
	case 0x00:
		xfer = 0;
		goto done;
	case 0x25:
		be32(buf, lu->nblocks - 1 > 0xFFFFFFFFull ? 0xFFFFFFFFu : (uint32_t)(lu->nblocks - 1));
		be32(buf + 4, lu->bs);
		out = 8;
		goto data;
	case 0x9E:
		if (f->no_rc16) {
			sense(r, 0x5, 0x20, 0);
			xfer = 0;
			goto done;
		}
		be32(buf, (uint32_t)((lu->nblocks - 1) >> 32));
		be32(buf + 4, (uint32_t)(lu->nblocks - 1));
		be32(buf + 8, lu->bs);
		buf[14] = lu->unmap ? 0x80 : 0;
		out = 32;
		goto data;
	case 0x1A:
		buf[0] = 3 + 20;
		buf[2] = (lu->ro ? 0x80 : 0) | 0x10;
		buf[4] = 0x08; buf[5] = 0x12; buf[6] = 0x04;
		out = 24;
		goto data;
	case 0x35: case 0x91:
		f->flushes++;
		xfer = 0;
		goto done;
	case 0x42: {
		uint8_t pl[24];
		if (!gl || xfer < 24 || vmbs_pages_read(ch, &gl->range[0], 0, pl, 24)) {
			sense(r, 0x5, 0x1A, 0);
			goto done;
		}
		uint64_t lba = rbe64(pl + 8);
		uint32_t n = rbe32(pl + 16);
		if (lba > lu->nblocks || n > lu->nblocks - lba) {
			sense(r, 0x5, 0x21, 0);
			goto done;
		}
		memset(lu->data + lba * lu->bs, 0, (size_t)n * lu->bs);
		f->unmaps++;
		goto done;
	}
	case 0x28: case 0x2A: case 0x88: case 0x8A: {
		bool wr = cdb[0] == 0x2A || cdb[0] == 0x8A;
		bool c16 = cdb[0] >= 0x88;
		uint64_t lba = c16 ? rbe64(cdb + 2) : rbe32(cdb + 2);
		uint32_t n = c16 ? rbe32(cdb + 10) : (uint32_t)(cdb[7] << 8 | cdb[8]);
		f->rw_count++;
		if (f->fail_nth && f->rw_count == f->fail_nth) {
			sense(r, f->fail_key, f->fail_asc, f->fail_ascq);
			xfer = 0;
			goto done;
		}
		if (lba > lu->nblocks || n > lu->nblocks - lba || (uint64_t)n * lu->bs != xfer || !gl) {
			sense(r, 0x5, 0x21, 0);
			xfer = 0;
			goto done;
		}
		if (wr && lu->ro) {
			sense(r, 0x7, 0x27, 0);
			xfer = 0;
			goto done;
		}
		uint8_t *disk = lu->data + lba * lu->bs;
		int rc = wr ? vmbs_pages_read(ch, &gl->range[0], 0, disk, xfer)
			    : vmbs_pages_write(ch, &gl->range[0], 0, disk, xfer);
		if (rc) {
			free(gl);
			return -EINVAL;
		}
		if (wr) {
			f->writes++;
			if (cdb[1] & 0x08)
				f->fua_writes++;
		} else {
			f->reads++;
		}
		goto done;
	}
	default:
		sense(r, 0x5, 0x20, 0);
		xfer = 0;
		goto done;
	}
data:
	if (out > xfer)
		out = xfer;
	if (out && vmbs_pages_write(ch, &gl->range[0], 0, buf, out)) {
		free(gl);
		return -EINVAL;
	}
	xfer = out;
done:
	put32(r, S_XFER, xfer);
reply:
	free(gl);
	return send_reply(f, ch, d->trans_id, r, rlen, true);
}

static int fvs_packet(struct vmbs_chan *ch, const struct vmbus_pkt_desc *d, const uint8_t *pkt,
		      uint32_t len)
{
	struct fvs *f = vmbs_chan_ctx(ch);
	uint32_t off = d->offset8 * 8u;
	if (off > len || len - off < 12)
		return -EINVAL;
	uint8_t p[64];
	memset(p, 0, sizeof p);
	uint32_t plen = len - off;
	memcpy(p, pkt + off, plen > 64 ? 64 : plen);
	if (d->type == VMBUS_PKT_COMP)
		return 0;
	uint32_t op = get32(p, P_OP);
	(void)get32(p, P_FLAGS);
	if (op == 3) {
		if (plen < 48)
			return -EINVAL;
		return execute_srb(f, ch, d, pkt, len, p, plen) ? -EINVAL : 0;
	}
	init_op(f, ch, d->trans_id, p, plen);
	return 0;
}

static void fvs_rescinded(struct vmbs_chan *ch)
{
	struct fvs *f = vmbs_chan_ctx(ch);
	if (ch == f->primary)
		f->primary = NULL;
}

static const struct vmbs_dev_ops fvs_ops = {
	.packet = fvs_packet,
	.rescinded = fvs_rescinded,
};

struct vmbs_chan *fvs_add(struct vmbs *vb, struct fvs *f)
{
	f->vb = vb;
	if (!f->max_sub && !f->multi) {
		f->max_sub = 8;
		f->multi = true;
	}
	if (!f->max_xfer)
		f->max_xfer = 256 * 1024;
	struct vmbs_dev_params p;
	memset(&p, 0, sizeof p);
	static const uint8_t scsi[16] = { 0xd9, 0x63, 0x61, 0xba, 0xa1, 0x04, 0x29, 0x4d,
					  0xb6, 0x05, 0x72, 0xe2, 0xff, 0xb1, 0xdc, 0x7f };
	memcpy(&p.class_id, scsi, 16);
	memset(&p.instance_id, 0x5c, sizeof p.instance_id);
	p.wants_monitor = true;
	p.max_subchannels = 16;
	f->primary = vmbs_dev_add(vb, &p, &fvs_ops, f);
	return f->primary;
}

void fvs_lun_add(struct fvs *f, unsigned target, unsigned lun, uint64_t nblocks, uint32_t bs)
{
	struct fvs_lun *l = &f->lun[target][lun];
	free(l->data);
	l->data = calloc(nblocks, bs);
	l->nblocks = nblocks;
	l->bs = bs;
	l->present = true;
	l->ro = false;
	l->unmap = true;
}

void fvs_lun_remove(struct fvs *f, unsigned target, unsigned lun)
{
	struct fvs_lun *l = &f->lun[target][lun];
	free(l->data);
	memset(l, 0, sizeof *l);
}

void fvs_free(struct fvs *f)
{
	for (unsigned t = 0; t < FVS_TARGETS; t++)
		for (unsigned l = 0; l < FVS_LUNS; l++)
			fvs_lun_remove(f, t, l);
}

int fvs_enumerate_bus(struct fvs *f)
{
	uint8_t r[64];
	memset(r, 0, sizeof r);
	put32(r, P_OP, 11);
	return vmbs_chan_send_inband(f->primary, 0, r, f->version >= 0x0501 ? 64 : 48, false);
}

void fvs_release_held(struct fvs *f, bool reverse)
{
	unsigned n = f->nheld;
	f->nheld = 0;
	for (unsigned i = 0; i < n; i++) {
		struct fvs_held *h = &f->held[reverse ? n - 1 - i : i];
		vmbs_chan_send_completion(h->ch, h->tid, h->reply, h->len);
	}
}

int fvs_send_comp(struct fvs *f, uint64_t tid, const void *p, uint32_t len)
{
	return vmbs_chan_send_completion(f->primary, tid, p, len);
}

int fvs_send_inband(struct fvs *f, uint64_t tid, const void *p, uint32_t len)
{
	return vmbs_chan_send_inband(f->primary, tid, p, len, false);
}
