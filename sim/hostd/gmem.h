/* gmem.h -- guest physical memory as the host sees it: a list of slots,
 * each a sealed memfd mapped at a GPA range, and the one accessor through
 * which every guest-supplied GPA/PFN range is validated before use. */
#ifndef SIM_HOSTD_GMEM_H
#define SIM_HOSTD_GMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct gmem;

#define GMEM_MAX_SLOTS 8

/* Create guest memory of 'size' bytes (a multiple of 4096, > 0) as slot 0
 * at GPA 0: a memfd sealed with F_SEAL_SHRINK|F_SEAL_GROW|F_SEAL_SEAL
 * before anyone else sees it, mapped shared.  NULL with errno set on
 * failure.  gmem_destroy(NULL) does nothing. */
struct gmem *gmem_create(uint64_t size);
void gmem_destroy(struct gmem *gm);

/* Add a slot backed by 'fd' (borrowed: the slot dup()s it) at [gpa,
 * gpa+size).  The fd must be a memfd carrying F_SEAL_SHRINK and
 * F_SEAL_GROW and at least 'size' bytes long; the range must be page
 * aligned and overlap no other slot.  0 or -EINVAL/-EEXIST/-ENOSPC/-errno. */
int gmem_add_slot(struct gmem *gm, uint64_t gpa, uint64_t size, int fd);

/* The memfd of slot 0 (owned by gm; dup it to hand it out) and the total
 * size of slot 0. */
int gmem_fd(const struct gmem *gm);
uint64_t gmem_size(const struct gmem *gm);

/* The host address of [gpa, gpa+len) when the whole range lies inside one
 * slot, else NULL.  len 0 is refused.  Overflow-safe for any inputs.  The
 * pointer lives as long as gm and points into memory the guest may change
 * at any time: copy before you validate. */
void *gmem_ptr(struct gmem *gm, uint64_t gpa, uint64_t len);
bool  gmem_range_ok(const struct gmem *gm, uint64_t gpa, uint64_t len);
/* True if PFN 'pfn' names a page inside guest memory. */
bool  gmem_pfn_ok(const struct gmem *gm, uint64_t pfn);

/* Copy between guest memory and host memory; 0 or -EFAULT (nothing copied). */
int gmem_read(struct gmem *gm, uint64_t gpa, void *dst, size_t len);
int gmem_write(struct gmem *gm, uint64_t gpa, const void *src, size_t len);

#endif /* SIM_HOSTD_GMEM_H */
