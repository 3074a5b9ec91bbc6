/* vmbs_mem.c -- guest memory for device back ends: GPA-direct packet ranges
 * parsed into an owned, checked list, and bounded copies between guest pages
 * and host buffers. */
#include <errno.h>
#include <string.h>

#include "hyperv/hv_tlfs.h"
#include "sim/hostd/gmem.h"
#include "sim/hostd/vmbs_dev.h"
#include "sim/hostd/vmbs_var.h"

static struct gmem *vmbs_mem_gm(struct vmbs_chan *ch)
{
	return ch->ch_vb->vb_gm;
}

int vmbs_pkt_gpa_parse(struct vmbs_chan *ch, const struct vmbus_pkt_desc *desc,
		       const uint8_t *pkt, uint32_t len, struct vmbs_gpa_list *out)
{
	out->nrange = 0;
	out->npfn = 0;
	if (desc->type != VMBUS_PKT_DATA_USING_GPA_DIRECT)
		return -EINVAL;
	/* The ranges live between the 24-byte header and the payload. */
	uint64_t end = (uint64_t)desc->offset8 * 8u;
	if (end > len || end < VMBUS_PKT_GPA_DIRECT_HDR_SIZE)
		return -EINVAL;
	uint32_t count;
	memcpy(&count, pkt + offsetof(struct vmbus_pkt_gpa_direct, range_count), sizeof count);
	if (count == 0)
		return -EINVAL;
	if (count > VMBS_GPA_MAX_RANGES)
		return -E2BIG;
	uint64_t pos = VMBUS_PKT_GPA_DIRECT_HDR_SIZE;
	for (uint32_t i = 0; i < count; i++) {
		struct vmbus_pkt_range_hdr rh;
		if (end - pos < sizeof rh)
			return -EINVAL;
		memcpy(&rh, pkt + pos, sizeof rh);
		pos += sizeof rh;
		if (rh.byte_count == 0 || rh.byte_offset >= HV_PAGE_SIZE)
			return -EINVAL;
		uint64_t npfn = ((uint64_t)rh.byte_offset + rh.byte_count + HV_PAGE_SIZE - 1) /
				HV_PAGE_SIZE;
		if (npfn > (end - pos) / 8u)
			return -EINVAL;
		if (npfn > VMBS_GPA_MAX_PFNS - out->npfn)
			return -E2BIG;
		struct vmbs_pages *r = &out->range[i];
		r->npfn = (uint32_t)npfn;
		r->offset = rh.byte_offset;
		r->len = rh.byte_count;
		for (uint64_t k = 0; k < npfn; k++) {
			uint64_t pfn;
			memcpy(&pfn, pkt + pos, sizeof pfn);
			pos += sizeof pfn;
			if (!gmem_pfn_ok(vmbs_mem_gm(ch), pfn))
				return -EFAULT;
			out->pfn[out->npfn + k] = pfn;
		}
		r->pfn = &out->pfn[out->npfn];
		out->npfn += (uint32_t)npfn;
		out->nrange = i + 1;
	}
	return 0;
}

void vmbs_gpa_list_fix(struct vmbs_gpa_list *gl)
{
	uint32_t at = 0;
	for (uint32_t i = 0; i < gl->nrange && i < VMBS_GPA_MAX_RANGES; i++) {
		gl->range[i].pfn = &gl->pfn[at];
		at += gl->range[i].npfn;
	}
}

void *vmbs_pages_ptr(struct vmbs_chan *ch, const struct vmbs_pages *pg, uint64_t off,
		     size_t *avail)
{
	*avail = 0;
	if (off >= pg->len)
		return NULL;
	uint64_t abs = (uint64_t)pg->offset + off;
	uint64_t idx = abs / HV_PAGE_SIZE, in = abs % HV_PAGE_SIZE;
	if (idx >= pg->npfn)
		return NULL;
	uint64_t n = HV_PAGE_SIZE - in;
	if (n > pg->len - off)
		n = pg->len - off;
	void *p = gmem_ptr(vmbs_mem_gm(ch), pg->pfn[idx] * HV_PAGE_SIZE + in, n);
	if (p)
		*avail = (size_t)n;
	return p;
}

/* Walk [off, off+len) page by page; 'to_guest' picks the direction. */
static int vmbs_pages_copy(struct vmbs_chan *ch, const struct vmbs_pages *pg, uint64_t off,
			   uint8_t *host, size_t len, bool to_guest)
{
	if (off > pg->len || len > pg->len - off)
		return -EINVAL;
	while (len) {
		size_t avail;
		uint8_t *g = vmbs_pages_ptr(ch, pg, off, &avail);
		if (!g)
			return -EFAULT;
		size_t n = avail < len ? avail : len;
		if (to_guest)
			memcpy(g, host, n);
		else
			memcpy(host, g, n);
		host += n;
		off += n;
		len -= n;
	}
	return 0;
}

int vmbs_pages_read(struct vmbs_chan *ch, const struct vmbs_pages *pg, uint64_t off,
		    void *dst, size_t len)
{
	return vmbs_pages_copy(ch, pg, off, dst, len, false);
}

int vmbs_pages_write(struct vmbs_chan *ch, const struct vmbs_pages *pg, uint64_t off,
		     const void *src, size_t len)
{
	return vmbs_pages_copy(ch, pg, off, (uint8_t *)(uintptr_t)src, len, true);
}
