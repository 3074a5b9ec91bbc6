/* fz_shm.c -- trapped reads of hostile shared memory (see fz_shm.h).
 * A read fault on a watched page: if the bytes at the address were read
 * before, overwrite them from the feed; open the page, set the trap flag,
 * return.  After that one instruction the SIGTRAP closes the page again.
 * Writes by the code under test are let through the same way. */
#include "fuzz/common/fz_shm.h"

#if defined(__x86_64__) && defined(__linux__)

#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

#define FZ_PAGE 4096u
#define FZ_WIN  16u   /* bytes one instruction may read (SSE memcpy) */
#define FZ_TF   0x100u

static uint8_t *fz_base;
static size_t fz_len;
static const uint8_t *fz_feed;
static size_t fz_feedlen, fz_feedpos, fz_served;
static uint8_t fz_seen[FZ_SHM_MAX / 8];
static uint8_t *fz_open[4];   /* pages opened for the current instruction */
static unsigned fz_nopen;
static struct sigaction fz_old_segv, fz_old_trap;
static bool fz_active;

static bool seen(size_t i) { return fz_seen[i / 8] & (1u << (i % 8)); }
static void mark(size_t i) { fz_seen[i / 8] |= (uint8_t)(1u << (i % 8)); }

static void fz_segv(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	uint8_t *a = si->si_addr;
	if (!fz_active || a < fz_base || a >= fz_base + fz_len || fz_nopen == 4) {
		/* Not ours: let the previous handler see the fault again. */
		sigaction(SIGSEGV, &fz_old_segv, NULL);
		(void)sig;
		return;
	}
	uint8_t *page = fz_base + ((size_t)(a - fz_base) & ~(size_t)(FZ_PAGE - 1));
	mprotect(page, FZ_PAGE, PROT_READ | PROT_WRITE);
	fz_open[fz_nopen++] = page;
	bool write = uc->uc_mcontext.gregs[REG_ERR] & 2;
	if (!write) {
		/* Only inside the page just opened: the next one may still be
		 * closed (it faults on its own if the instruction reaches it). */
		size_t off = (size_t)(a - fz_base);
		size_t pend = (size_t)(page - fz_base) + FZ_PAGE;
		size_t end = off + FZ_WIN > pend ? pend : off + FZ_WIN;
		for (size_t i = off; i < end; i++) {
			if (seen(i) && fz_feedpos < fz_feedlen) {
				fz_base[i] = fz_feed[fz_feedpos++];
				fz_served++;
			}
			mark(i);
		}
	}
	uc->uc_mcontext.gregs[REG_EFL] |= FZ_TF;
}

static void fz_trap(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	if (!fz_active || fz_nopen == 0) {
		sigaction(SIGTRAP, &fz_old_trap, NULL);
		(void)sig;
		(void)si;
		return;
	}
	for (unsigned i = 0; i < fz_nopen; i++)
		mprotect(fz_open[i], FZ_PAGE, PROT_NONE);
	fz_nopen = 0;
	uc->uc_mcontext.gregs[REG_EFL] &= ~(greg_t)FZ_TF;
}

bool fz_shm_supported(void)
{
	return true;
}

void fz_shm_watch(void *base, size_t len, const uint8_t *feed, size_t feedlen)
{
	if (len > FZ_SHM_MAX)
		len = FZ_SHM_MAX;
	fz_base = base;
	fz_len = len;
	fz_feed = feed;
	fz_feedlen = feedlen;
	fz_feedpos = fz_served = 0;
	fz_nopen = 0;
	memset(fz_seen, 0, sizeof fz_seen);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sa.sa_sigaction = fz_segv;
	sigaction(SIGSEGV, &sa, &fz_old_segv);
	sa.sa_sigaction = fz_trap;
	sigaction(SIGTRAP, &sa, &fz_old_trap);
	fz_active = true;
	mprotect(base, len, PROT_NONE);
}

size_t fz_shm_unwatch(void)
{
	if (!fz_active)
		return 0;
	fz_active = false;
	mprotect(fz_base, fz_len, PROT_READ | PROT_WRITE);
	sigaction(SIGSEGV, &fz_old_segv, NULL);
	sigaction(SIGTRAP, &fz_old_trap, NULL);
	return fz_served;
}

#else

bool fz_shm_supported(void)
{
	return false;
}

void fz_shm_watch(void *base, size_t len, const uint8_t *feed, size_t feedlen)
{
	(void)base;
	(void)len;
	(void)feed;
	(void)feedlen;
}

size_t fz_shm_unwatch(void)
{
	return 0;
}

#endif
