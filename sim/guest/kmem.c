/* kmem.c -- guest heap and DMA pages: the one allocation hook tests can
 * make fail, and a first-fit page allocator over guest memory. */
#include <stdlib.h>
#include <string.h>

#include "sim/guest/runtime_var.h"

#define GK_PAGE 4096u

/* Countdown to the injected failure: -1 off, 0 = the next allocation fails.
 * Process-wide and atomic because vCPU threads allocate concurrently. */
static long gk_fail_n = -1;
static bool gk_fail_hit;
static long gk_outstanding;

void gk_alloc_fail_after(long n)
{
	__atomic_store_n(&gk_fail_hit, false, __ATOMIC_SEQ_CST);
	__atomic_store_n(&gk_fail_n, n < 0 ? -1 : n, __ATOMIC_SEQ_CST);
}

bool gk_alloc_failed(void)
{
	return __atomic_load_n(&gk_fail_hit, __ATOMIC_SEQ_CST);
}

long gk_alloc_outstanding(void)
{
	return __atomic_load_n(&gk_outstanding, __ATOMIC_SEQ_CST);
}

/* Exactly one allocation fails per gk_alloc_fail_after(n >= 0): the one
 * that finds the countdown at 0.  Later ones succeed again, so an unwind
 * path that allocates (it should not) is not failed a second time. */
bool gk_alloc_take(void)
{
	long n = __atomic_load_n(&gk_fail_n, __ATOMIC_SEQ_CST);
	while (n >= 0) {
		long next = n == 0 ? -1 : n - 1;
		if (__atomic_compare_exchange_n(&gk_fail_n, &n, next, false,
						__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
			if (n == 0) {
				__atomic_store_n(&gk_fail_hit, true, __ATOMIC_SEQ_CST);
				return false;
			}
			return true;
		}
	}
	return true;
}

void *kern_malloc(size_t size)
{
	if (!gk_alloc_take())
		return NULL;
	void *p = malloc(size ? size : 1);
	if (p)
		__atomic_add_fetch(&gk_outstanding, 1, __ATOMIC_RELAXED);
	return p;
}

void *kern_zalloc(size_t size)
{
	void *p = kern_malloc(size);
	if (p)
		memset(p, 0, size);
	return p;
}

void kern_free(void *p)
{
	if (!p)
		return;
	__atomic_sub_fetch(&gk_outstanding, 1, __ATOMIC_RELAXED);
	free(p);
}

/* ---- DMA pages ------------------------------------------------------------ */

static bool map_test(const uint8_t *m, uint64_t i)
{
	return m[i / 8] & (1u << (i % 8));
}

static void map_set(uint8_t *m, uint64_t i, bool v)
{
	if (v)
		m[i / 8] |= (uint8_t)(1u << (i % 8));
	else
		m[i / 8] &= (uint8_t)~(1u << (i % 8));
}

int gk_dma_init(struct gk_runtime *rt)
{
	struct gk_transport *t = rt->t;
	uint64_t base = rt->cfg.dma_base;
	if (!t->mem || base >= t->mem_size) {
		rt->dma_npages = 0; /* no guest memory: every dma alloc fails */
		return 0;
	}
	rt->dma_npages = (t->mem_size - base) / GK_PAGE;
	rt->dma_map = calloc(rt->dma_npages / 8 + 1, 1);
	return rt->dma_map ? 0 : -ENOMEM;
}

void gk_dma_fini(struct gk_runtime *rt)
{
	free(rt->dma_map);
	rt->dma_map = NULL;
}

size_t gk_dma_pages_used(void)
{
	struct gk_runtime *rt = gk_cur;
	return rt ? (size_t)rt->dma_used : 0;
}

int kern_dma_alloc(size_t npages, struct kern_dma *out)
{
	struct gk_runtime *rt = gk_cur;
	memset(out, 0, sizeof *out);
	if (!rt || npages == 0)
		return -EINVAL;
	if (!gk_alloc_take())
		return -ENOMEM;
	pthread_mutex_lock(&rt->mu);
	uint64_t run = 0, start = 0;
	bool found = false;
	for (uint64_t i = 0; i < rt->dma_npages; i++) {
		/* Whole bytes of used pages at once: first fit walks past every
		 * ring and buffer allocated before it. */
		if (i % 8 == 0 && rt->dma_map[i / 8] == 0xFF) {
			run = 0;
			i += 7;
			continue;
		}
		if (map_test(rt->dma_map, i)) {
			run = 0;
			continue;
		}
		if (run++ == 0)
			start = i;
		if (run == npages) {
			found = true;
			break;
		}
	}
	if (!found) {
		pthread_mutex_unlock(&rt->mu);
		return -ENOMEM;
	}
	for (uint64_t i = start; i < start + npages; i++)
		map_set(rt->dma_map, i, true);
	rt->dma_used += npages;
	pthread_mutex_unlock(&rt->mu);

	out->gpa = rt->cfg.dma_base + start * GK_PAGE;
	out->va = (uint8_t *)rt->t->mem + out->gpa;
	out->npages = npages;
	memset(out->va, 0, npages * GK_PAGE);
	return 0;
}

void kern_dma_free(struct kern_dma *d)
{
	struct gk_runtime *rt = gk_cur;
	if (!d || d->npages == 0 || !rt)
		return;
	uint64_t base = rt->cfg.dma_base;
	if (d->gpa < base || (d->gpa - base) % GK_PAGE ||
	    (d->gpa - base) / GK_PAGE > rt->dma_npages ||
	    d->npages > rt->dma_npages - (d->gpa - base) / GK_PAGE) {
		kern_log(KERN_ERR, "kmem", "dma free of a range never allocated (gpa %#llx, %zu pages)",
			 (unsigned long long)d->gpa, d->npages);
		return;
	}
	uint64_t first = (d->gpa - base) / GK_PAGE;
	pthread_mutex_lock(&rt->mu);
	for (uint64_t i = first; i < first + d->npages; i++) {
		if (!map_test(rt->dma_map, i)) {
			kern_log(KERN_ERR, "kmem", "double dma free of page %#llx",
				 (unsigned long long)(base + i * GK_PAGE));
			continue;
		}
		map_set(rt->dma_map, i, false);
		rt->dma_used--;
	}
	pthread_mutex_unlock(&rt->mu);
	memset(d, 0, sizeof *d);
}
