/* vmbs_check.h -- the protocol checker: the host watches what the guest's
 * VMBus driver does and records violations that need not crash anything
 * (lost wake-ups, interrupt_mask and pending_send_sz misuse, packets the
 * ring refused, transaction ids reused while in flight, leaked GPADLs and
 * channels, messages in the wrong state) plus one performance hint
 * (signals that were never needed).  docs/checker.md explains each code.
 *
 * Off until vmbs_check_enable().  Findings are aggregated per (code,
 * relid): a count and the explanation of the first occurrence.  The
 * checker only observes: it never changes what the server does. */
#ifndef SIM_HOSTD_VMBS_CHECK_H
#define SIM_HOSTD_VMBS_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vmbs;

/* Finding codes.  The names ("HV-CHK-...") are stable: scenarios and CI
 * match on them.  Append only. */
enum vmbs_chk {
	VMBS_CHK_LOST_WAKEUP = 0,  /* ring A holds data, host idle, no signal pending */
	VMBS_CHK_MASK_STUCK,       /* ring B masked while it holds unread data */
	VMBS_CHK_MASK_WRONG_RING,  /* guest set interrupt_mask of ring A (the host's) */
	VMBS_CHK_PSS_WRONG_RING,   /* guest wrote pending_send_sz of ring B (the host's) */
	VMBS_CHK_PSS_NO_FEATURE,   /* pending_send_sz set without the feature bit */
	VMBS_CHK_PSS_TOO_LARGE,    /* pending_send_sz the ring can never satisfy */
	VMBS_CHK_PKT_MISALIGNED,   /* write_index not 8-aligned or out of range */
	VMBS_CHK_PKT_OVERSIZE,     /* packet longer than written bytes / the ring */
	VMBS_CHK_RING_CORRUPT,     /* any other corrupt ring or descriptor */
	VMBS_CHK_CHAN_FAILED,      /* the device closed the channel (protocol error) */
	VMBS_CHK_TID_REUSE,        /* completion-requested tid reused while in flight */
	VMBS_CHK_COMP_UNSOLICITED, /* completion for no outstanding host request */
	VMBS_CHK_GPADL_LEAK,       /* GPADLs left after close, release or unload */
	VMBS_CHK_CHAN_LEAK,        /* channels still open at UNLOAD */
	VMBS_CHK_MSG_STATE,        /* channel message not valid in this state */
	VMBS_CHK_MSG_MALFORMED,    /* channel message refused as malformed */
	VMBS_CHK_SIGNAL_UNNEEDED,  /* hint: signal with nothing to do */
	VMBS_CHK_COUNT
};

#define VMBS_CHK_ANY_RELID UINT32_MAX
#define VMBS_CHK_MAX_FINDINGS 128u   /* distinct (code, relid) pairs kept */
#define VMBS_CHK_WHY_BYTES    128u

struct vmbs_finding {
	enum vmbs_chk code;
	const char *name;        /* "HV-CHK-LOST-WAKEUP" (static) */
	bool hint;               /* performance hint, not a violation */
	uint32_t relid;          /* 0: connection-level (messages, UNLOAD) */
	uint64_t count;
	char why[VMBS_CHK_WHY_BYTES]; /* first occurrence, one line */
};

/* Start checking (allocates; idempotent): 0 or -ENOMEM.  Findings so far
 * are kept across disable/enable; vmbs_destroy frees everything. */
int  vmbs_check_enable(struct vmbs *vb);
void vmbs_check_disable(struct vmbs *vb);
bool vmbs_check_enabled(const struct vmbs *vb);

/* The end-of-step sweep: call when the guest is idle and vmbs_pump() has
 * returned false (nothing pending).  Looks for data nobody was told about
 * (lost wake-ups), masks left set over unread data, pending_send_sz misuse
 * and GPADLs left behind on channels the guest closed. */
void vmbs_check_sweep(struct vmbs *vb);

/* Every finding, in order of first occurrence; returns how many.  cb may
 * be NULL (count only).  The pointer lives for the call. */
typedef void vmbs_finding_fn(void *arg, const struct vmbs_finding *f);
unsigned vmbs_check_findings(const struct vmbs *vb, vmbs_finding_fn *cb, void *arg);
/* Occurrences of 'code' on 'relid' (VMBS_CHK_ANY_RELID: all channels). */
uint64_t vmbs_check_count(const struct vmbs *vb, enum vmbs_chk code, uint32_t relid);
/* Occurrences of every violation (hints too when with_hints). */
uint64_t vmbs_check_total(const struct vmbs *vb, bool with_hints);
/* Distinct findings that did not fit VMBS_CHK_MAX_FINDINGS. */
uint64_t vmbs_check_overflow(const struct vmbs *vb);
void vmbs_check_clear(struct vmbs *vb);

const char *vmbs_chk_name(enum vmbs_chk code);   /* "?" if unknown */
/* Code for "HV-CHK-LOST-WAKEUP" (also without the "HV-CHK-" prefix, any
 * case), or -1. */
int  vmbs_chk_from_name(const char *name);
bool vmbs_chk_is_hint(enum vmbs_chk code);

/* Test hook: the Nth allocation of the checker and fault injector from
 * now fails (0 = the next one), -1 disables.  Process-wide. */
void vmbs_check_alloc_fail_after(long n);

#endif /* SIM_HOSTD_VMBS_CHECK_H */
