/* gmem.c -- guest physical memory: sealed memfd slots and the one
 * overflow-safe GPA range check every guest-supplied address goes through. */
#include "sim/hostd/gmem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define GMEM_PAGE 4096u
#define GMEM_SEALS_REQUIRED (F_SEAL_SHRINK | F_SEAL_GROW)

struct gmem_slot {
	uint64_t gs_gpa;
	uint64_t gs_size;
	int      gs_fd;   /* owned */
	uint8_t *gs_map;  /* MAP_SHARED view of [0, gs_size) of gs_fd */
};

struct gmem {
	struct gmem_slot gm_slot[GMEM_MAX_SLOTS];
	unsigned gm_nslots;
};

static bool gmem_aligned(uint64_t v)
{
	return (v & (GMEM_PAGE - 1)) == 0;
}

/* Map 'size' bytes of fd shared; NULL on failure (errno set). */
static uint8_t *gmem_map(int fd, uint64_t size)
{
	if (size > SIZE_MAX) {
		errno = ENOMEM;
		return NULL;
	}
	void *m = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	return m == MAP_FAILED ? NULL : m;
}

struct gmem *gmem_create(uint64_t size)
{
	if (size == 0 || !gmem_aligned(size) || size > (uint64_t)INT64_MAX) {
		errno = EINVAL;
		return NULL;
	}
	struct gmem *gm = calloc(1, sizeof *gm);
	if (!gm)
		return NULL;
	int fd = memfd_create("hvsim-guest-ram", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		goto fail_free;
	if (ftruncate(fd, (off_t)size) != 0)
		goto fail_close;
	/* Seal before anyone else can see the fd: a guest that could shrink
	 * it would turn every host access past the new EOF into SIGBUS. */
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0)
		goto fail_close;
	uint8_t *map = gmem_map(fd, size);
	if (!map)
		goto fail_close;
	gm->gm_slot[0] = (struct gmem_slot){ .gs_gpa = 0, .gs_size = size,
					     .gs_fd = fd, .gs_map = map };
	gm->gm_nslots = 1;
	return gm;

fail_close: {
	int e = errno;
	close(fd);
	errno = e;
}
fail_free: {
	int e = errno;
	free(gm);
	errno = e;
}
	return NULL;
}

void gmem_destroy(struct gmem *gm)
{
	if (!gm)
		return;
	for (unsigned i = 0; i < gm->gm_nslots; i++) {
		munmap(gm->gm_slot[i].gs_map, (size_t)gm->gm_slot[i].gs_size);
		close(gm->gm_slot[i].gs_fd);
	}
	free(gm);
}

/* Do [a, a+alen) and [b, b+blen) intersect?  Both ranges are known not to
 * wrap. */
static bool gmem_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

int gmem_add_slot(struct gmem *gm, uint64_t gpa, uint64_t size, int fd)
{
	if (!gm || fd < 0 || size == 0 || !gmem_aligned(gpa) || !gmem_aligned(size) ||
	    gpa > UINT64_MAX - size || size > (uint64_t)INT64_MAX)
		return -EINVAL;
	int seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0 || (seals & GMEM_SEALS_REQUIRED) != GMEM_SEALS_REQUIRED)
		return -EINVAL; /* not a memfd, or one that can still shrink/grow */
	struct stat st;
	if (fstat(fd, &st) != 0)
		return -errno;
	if (st.st_size < 0 || (uint64_t)st.st_size < size)
		return -EINVAL;
	for (unsigned i = 0; i < gm->gm_nslots; i++)
		if (gmem_overlap(gpa, size, gm->gm_slot[i].gs_gpa, gm->gm_slot[i].gs_size))
			return -EEXIST;
	if (gm->gm_nslots >= GMEM_MAX_SLOTS)
		return -ENOSPC;
	int dfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (dfd < 0)
		return -errno;
	uint8_t *map = gmem_map(dfd, size);
	if (!map) {
		int e = errno;
		close(dfd);
		return -e;
	}
	gm->gm_slot[gm->gm_nslots++] = (struct gmem_slot){
		.gs_gpa = gpa, .gs_size = size, .gs_fd = dfd, .gs_map = map };
	return 0;
}

int gmem_fd(const struct gmem *gm)
{
	return gm->gm_slot[0].gs_fd;
}

uint64_t gmem_size(const struct gmem *gm)
{
	return gm->gm_slot[0].gs_size;
}

static const struct gmem_slot *gmem_find(const struct gmem *gm, uint64_t gpa, uint64_t len)
{
	if (!gm || len == 0)
		return NULL;
	for (unsigned i = 0; i < gm->gm_nslots; i++) {
		const struct gmem_slot *s = &gm->gm_slot[i];
		if (gpa < s->gs_gpa)
			continue;
		uint64_t off = gpa - s->gs_gpa;
		/* off <= size && len <= size - off: no addition can wrap. */
		if (off <= s->gs_size && len <= s->gs_size - off)
			return s;
	}
	return NULL;
}

void *gmem_ptr(struct gmem *gm, uint64_t gpa, uint64_t len)
{
	const struct gmem_slot *s = gmem_find(gm, gpa, len);
	return s ? s->gs_map + (gpa - s->gs_gpa) : NULL;
}

bool gmem_range_ok(const struct gmem *gm, uint64_t gpa, uint64_t len)
{
	return gmem_find(gm, gpa, len) != NULL;
}

bool gmem_pfn_ok(const struct gmem *gm, uint64_t pfn)
{
	if (pfn > (UINT64_MAX >> 12))
		return false;
	return gmem_range_ok(gm, pfn << 12, GMEM_PAGE);
}

int gmem_read(struct gmem *gm, uint64_t gpa, void *dst, size_t len)
{
	void *src = gmem_ptr(gm, gpa, len);
	if (!src)
		return -EFAULT;
	memcpy(dst, src, len);
	return 0;
}

int gmem_write(struct gmem *gm, uint64_t gpa, const void *src, size_t len)
{
	void *dst = gmem_ptr(gm, gpa, len);
	if (!dst)
		return -EFAULT;
	memcpy(dst, src, len);
	return 0;
}
