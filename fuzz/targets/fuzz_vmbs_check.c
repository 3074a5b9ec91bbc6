/* fuzz_vmbs_check.c -- the protocol checker and the host fault hooks under
 * a hostile guest: the negotiated server of fuzz/common/fz_vmbs.h with
 * vmbs_check_enable on, faults armed from text specs (vmbs_fault_parse) or
 * binary fields taken from the input, virtual time moving so delays and
 * stalls end.  Input: records {u8 op, u8 len, len bytes}:
 *   op % 16 <  8: the shared host actions (post, ring bytes, signals, ...)
 *            8: arm the fault whose text spec is the bytes
 *            9: time moves by u16 x 100 us
 *           10: the end-of-step sweep
 *           11: disarm every fault (held messages go out)
 *           12: checker cleared / disabled / enabled (byte 0 % 3)
 *           13: the checker's and injector's Nth allocation fails (byte 0)
 *           14: arm a fault from binary fields {kind, dir, msg, relid, count, time}
 *           15: finding-name lookup of the bytes
 * Invariants after every record: each finding is well formed (known code,
 * its own name, count >= 1, terminated text), counts add up to no more than
 * the totals, no fault fired more often than armed; no leak after teardown. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/common/fz_vmbs.h"
#include "sim/hostd/partition.h"
#include "sim/hostd/vmbs.h"
#include "sim/hostd/vmbs_check.h"
#include "sim/hostd/vmbs_fault.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fz_sum {
	uint64_t violations;
	uint64_t all;
};

static void fz_finding(void *arg, const struct vmbs_finding *fi)
{
	struct fz_sum *s = arg;
	if ((unsigned)fi->code >= VMBS_CHK_COUNT || fi->count == 0 ||
	    strcmp(fi->name, vmbs_chk_name(fi->code)) != 0 ||
	    vmbs_chk_from_name(fi->name) != (int)fi->code ||
	    fi->hint != vmbs_chk_is_hint(fi->code) ||
	    memchr(fi->why, '\0', sizeof fi->why) == NULL)
		abort();
	s->all += fi->count;
	if (!fi->hint)
		s->violations += fi->count;
}

static void fz_fault(void *arg, const struct vmbs_fault_info *fi)
{
	int *last = arg;
	uint32_t max = fi->f.count ? fi->f.count : 1;
	if (fi->id <= *last || fi->fired > max || (unsigned)fi->f.kind >= VMBS_FAULT_KIND_COUNT)
		abort();
	*last = fi->id;
	if (strcmp(vmbs_fault_kind_name(fi->f.kind), "?") == 0)
		abort();
}

static void fz_invariants(struct vmbs *vb)
{
	struct fz_sum s = { 0, 0 };
	vmbs_check_findings(vb, fz_finding, &s);
	if (s.violations > vmbs_check_total(vb, false) || s.all > vmbs_check_total(vb, true))
		abort();
	if (vmbs_check_overflow(vb) == 0 &&
	    (s.violations != vmbs_check_total(vb, false) || s.all != vmbs_check_total(vb, true)))
		abort();
	int last = 0;
	vmbs_fault_list(vb, fz_fault, &last);
}

static void fz_text(char *dst, size_t cap, const uint8_t *b, uint8_t len)
{
	size_t n = len < cap - 1 ? len : cap - 1;
	memcpy(dst, b, n);
	dst[n] = '\0';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_vmbs f;
	fz_vmbs_setup(&f, true);
	size_t i = 0;
	while (i + 2 <= size) {
		uint8_t op = data[i], len = data[i + 1];
		i += 2;
		if (len > size - i)
			len = (uint8_t)(size - i);
		const uint8_t *b = data + i;
		i += len;
		char txt[256];
		struct vmbs_fault flt;
		switch (op % 16) {
		case 8:
			fz_text(txt, sizeof txt, b, len);
			if (vmbs_fault_parse(txt, &flt) == 0) {
				if ((unsigned)flt.kind >= VMBS_FAULT_KIND_COUNT || flt.dir > VMBS_FAULT_H2G)
					abort();
				(void)vmbs_fault_arm(f.vb, &flt);
			}
			break;
		case 9: {
			uint16_t t = 0;
			memcpy(&t, b, len < 2 ? len : 2);
			part_set_time(f.p, part_time(f.p) + (uint64_t)t * 1000u);
			break;
		}
		case 10:
			vmbs_check_sweep(f.vb);
			break;
		case 11:
			vmbs_fault_clear(f.vb);
			break;
		case 12:
			switch (len ? b[0] % 3 : 0) {
			case 0: vmbs_check_clear(f.vb); break;
			case 1: vmbs_check_disable(f.vb); break;
			default: (void)vmbs_check_enable(f.vb); break;
			}
			break;
		case 13:
			vmbs_check_alloc_fail_after(len ? b[0] : -1);
			break;
		case 14:
			memset(&flt, 0, sizeof flt);
			if (len >= 6) {
				flt.kind = (enum vmbs_fault_kind)(b[0] % (VMBS_FAULT_KIND_COUNT + 1));
				flt.dir = (enum vmbs_fault_dir)(b[1] % 3);
				flt.msgtype = b[2] % 32;
				flt.relid = b[3] % 8;
				flt.count = b[4] % 4;
				flt.time = (uint64_t)b[5] * 10000u;
				(void)vmbs_fault_arm(f.vb, &flt);
			}
			break;
		case 15: {
			fz_text(txt, sizeof txt, b, len);
			int c = vmbs_chk_from_name(txt);
			if (c >= 0 && vmbs_chk_from_name(vmbs_chk_name((enum vmbs_chk)c)) != c)
				abort();
			int m = vmbs_fault_msg_from_name(txt);
			if (m >= 0 && vmbs_fault_msg_from_name(vmbs_fault_msg_name((uint32_t)m)) != m)
				abort();
			break;
		}
		default:
			fz_vmbs_action(&f, op, b, len);
			break;
		}
		fz_vmbs_pump(&f);
		fz_invariants(f.vb);
	}
	vmbs_check_alloc_fail_after(-1);
	vmbs_check_sweep(f.vb);
	fz_invariants(f.vb);
	vmbs_fault_clear(f.vb);
	fz_vmbs_pump(&f);
	fz_vmbs_teardown(&f);
	return 0;
}
