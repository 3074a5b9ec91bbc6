/* fz_shm.h -- hostile shared memory for ring fuzzing: every read of a
 * watched range is trapped (page protection + one single-stepped
 * instruction), and each time the code reads bytes it has read before,
 * they are first replaced by the next bytes of a feed taken from the input:
 * a peer that changes memory between two fetches of the same place (the
 * double-fetch class), decided by the fuzzer instead of by timing.  A
 * reader that copies once and validates the copy is unaffected; one that
 * validates a field and fetches it again gets a different value.
 *
 * x86-64 Linux only (EFLAGS.TF); elsewhere fz_shm_supported() is false and
 * fz_shm_watch does nothing.  One watched range per process, one thread. */
#ifndef FUZZ_COMMON_FZ_SHM_H
#define FUZZ_COMMON_FZ_SHM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

bool fz_shm_supported(void);
/* Watch [base, base+len) (page aligned, at most FZ_SHM_MAX bytes); re-reads
 * take their bytes from feed[0..feedlen) in order (borrowed until
 * fz_shm_unwatch).  Installs SIGSEGV/SIGTRAP handlers; faults outside the
 * range go to the handlers that were there before. */
#define FZ_SHM_MAX (64u * 4096u)
void fz_shm_watch(void *base, size_t len, const uint8_t *feed, size_t feedlen);
/* Stop watching: pages readable and writable again, handlers restored.
 * Returns how many re-reads were served new bytes. */
size_t fz_shm_unwatch(void);

#endif /* FUZZ_COMMON_FZ_SHM_H */
