/* test_gmem.c -- guest memory: sealing, slots, overflow-safe range checks. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>

#include "sim/hostd/gmem.h"

#define MEM (1u << 20)

static void test_gmem__create_bad_size__einval(void **state)
{
	(void)state;
	assert_null(gmem_create(0));
	assert_int_equal(errno, EINVAL);
	assert_null(gmem_create(4095));
	assert_null(gmem_create(MEM + 1));
	gmem_destroy(NULL);
}

static void test_gmem__guest_ftruncate__eperm(void **state)
{
	(void)state;
	struct gmem *gm = gmem_create(MEM);
	assert_non_null(gm);
	int fd = gmem_fd(gm);
	int seals = fcntl(fd, F_GET_SEALS);
	assert_true(seals & F_SEAL_SHRINK);
	assert_true(seals & F_SEAL_GROW);
	assert_true(seals & F_SEAL_SEAL);
	/* A hostile guest holding a dup of the fd cannot resize it. */
	int dfd = dup(fd);
	assert_int_equal(ftruncate(dfd, 4096), -1);
	assert_int_equal(errno, EPERM);
	assert_int_equal(ftruncate(dfd, MEM * 2), -1);
	assert_int_equal(errno, EPERM);
	/* nor drop the seals */
	assert_int_equal(fcntl(dfd, F_ADD_SEALS, F_SEAL_WRITE), -1);
	assert_int_equal(errno, EPERM);
	close(dfd);
	assert_int_equal(gmem_size(gm), MEM);
	gmem_destroy(gm);
}

static void test_gmem__range_checks__overflow_safe(void **state)
{
	(void)state;
	struct gmem *gm = gmem_create(MEM);
	assert_true(gmem_range_ok(gm, 0, MEM));
	assert_true(gmem_range_ok(gm, MEM - 1, 1));
	assert_false(gmem_range_ok(gm, MEM - 1, 2));      /* past the end */
	assert_false(gmem_range_ok(gm, MEM, 1));
	assert_false(gmem_range_ok(gm, 0, 0));            /* len 0 */
	assert_false(gmem_range_ok(gm, 16, UINT64_MAX));  /* gpa + len wraps */
	assert_false(gmem_range_ok(gm, UINT64_MAX, 2));   /* wraps to 0 */
	assert_false(gmem_range_ok(gm, UINT64_MAX - 4095, 4096));
	assert_null(gmem_ptr(gm, UINT64_MAX, 1));
	assert_non_null(gmem_ptr(gm, 4096, 4096));
	assert_true(gmem_pfn_ok(gm, MEM / 4096 - 1));
	assert_false(gmem_pfn_ok(gm, MEM / 4096));
	assert_false(gmem_pfn_ok(gm, 0xFFFFFFFFFFFFFull));
	assert_false(gmem_pfn_ok(gm, UINT64_MAX));
	gmem_destroy(gm);
}

static void test_gmem__read_write__roundtrip_and_efault(void **state)
{
	(void)state;
	struct gmem *gm = gmem_create(MEM);
	uint8_t b[16] = { 1, 2, 3 }, c[16];
	assert_int_equal(gmem_write(gm, 0x1000, b, sizeof b), 0);
	assert_int_equal(gmem_read(gm, 0x1000, c, sizeof c), 0);
	assert_memory_equal(b, c, sizeof b);
	/* page crossing inside one slot is fine for plain copies */
	assert_int_equal(gmem_write(gm, 0x1FF8, b, sizeof b), 0);
	assert_int_equal(gmem_write(gm, MEM - 8, b, sizeof b), -EFAULT);
	assert_int_equal(gmem_read(gm, UINT64_MAX - 7, c, sizeof c), -EFAULT);
	gmem_destroy(gm);
}

static int sealed_memfd(uint64_t size, unsigned seals)
{
	int fd = memfd_create("t", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)size), 0);
	if (seals)
		assert_int_equal(fcntl(fd, F_ADD_SEALS, seals), 0);
	return fd;
}

static void test_gmem__add_slot__validated(void **state)
{
	(void)state;
	struct gmem *gm = gmem_create(MEM);
	int good = sealed_memfd(0x10000, F_SEAL_SHRINK | F_SEAL_GROW);
	int unsealed = sealed_memfd(0x10000, 0);
	assert_int_equal(gmem_add_slot(gm, 0x10000000, 0x10000, unsealed), -EINVAL);
	assert_int_equal(gmem_add_slot(gm, 0x10000000, 0x20000, good), -EINVAL); /* fd too short */
	assert_int_equal(gmem_add_slot(gm, 0x10000001, 0x10000, good), -EINVAL); /* unaligned */
	assert_int_equal(gmem_add_slot(gm, UINT64_MAX - 0xFFFF, 0x10000, good), -EINVAL);
	assert_int_equal(gmem_add_slot(gm, MEM - 0x1000, 0x10000, good), -EEXIST); /* overlap */
	assert_int_equal(gmem_add_slot(gm, 0x10000000, 0x10000, -1), -EINVAL);
	assert_int_equal(gmem_add_slot(gm, 0x10000000, 0x10000, good), 0);
	close(good); /* the slot holds its own dup */
	close(unsealed);

	uint32_t v = 0x12345678, r = 0;
	assert_int_equal(gmem_write(gm, 0x1000FFFC, &v, 4), 0);
	assert_int_equal(gmem_read(gm, 0x1000FFFC, &r, 4), 0);
	assert_int_equal(r, v);
	/* a range spanning a hole between slots is refused */
	assert_false(gmem_range_ok(gm, MEM - 8, 16));
	assert_false(gmem_range_ok(gm, 0x1000FFFC, 8));
	assert_true(gmem_pfn_ok(gm, 0x10000));
	assert_false(gmem_pfn_ok(gm, 0x10010));

	/* fill the table */
	int more = sealed_memfd(0x1000, F_SEAL_SHRINK | F_SEAL_GROW);
	int rc = 0;
	for (uint64_t i = 0; i < GMEM_MAX_SLOTS && rc == 0; i++)
		rc = gmem_add_slot(gm, 0x20000000 + i * 0x1000, 0x1000, more);
	assert_int_equal(rc, -ENOSPC);
	close(more);
	gmem_destroy(gm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gmem__create_bad_size__einval),
		cmocka_unit_test(test_gmem__guest_ftruncate__eperm),
		cmocka_unit_test(test_gmem__range_checks__overflow_safe),
		cmocka_unit_test(test_gmem__read_write__roundtrip_and_efault),
		cmocka_unit_test(test_gmem__add_slot__validated),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
