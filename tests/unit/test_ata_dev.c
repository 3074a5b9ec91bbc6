/* test_ata_dev.c -- the emulated ATA disk's register file: signature, IDENTIFY words, PIO read/write LBA28/48, errors, reset. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hw/ata_reg.h"
#include "sim/devices/ata/ata.h"
#include "sim/devices/blk/blk.h"
#include "sim/hostd/gmem.h"
#include "sim/hostd/partition.h"
#include "sim/hostd/profile.h"

#define P(r) (uint16_t)(ATA_PRI_CMD_BASE + (r))

struct fx {
	struct blk *mem, *b;       /* b: fault wrapper over mem */
	struct ata_dev *d;
};

static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	assert_int_equal(blk_open_mem(1 << 22, 512, &f->mem), 0);   /* 8192 sectors */
	assert_int_equal(blk_wrap_fault(f->mem, &f->b), 0);
	struct ata_config cfg = { .serial = "SER-123", .model = "Test Disk" };
	assert_int_equal(ata_create(f->b, &cfg, &f->d), 0);
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;
	ata_destroy(f->d);
	blk_close(f->b);
	free(f);
	return 0;
}

static uint8_t st(struct ata_dev *d)
{
	return (uint8_t)ata_pio_read(d, P(ATA_REG_STATUS), 1);
}

static uint8_t wait_not_busy(struct ata_dev *d)
{
	uint8_t s;
	for (int i = 0; i < 1000000; i++)
		if (!((s = st(d)) & ATA_ST_BSY))
			return s;
	fail_msg("still busy");
	return 0;
}

static void lba28(struct ata_dev *d, uint32_t lba, uint8_t n)
{
	ata_pio_write(d, P(ATA_REG_DEVICE), 1, ATA_DEV_OBS | ATA_DEV_LBA | ((lba >> 24) & 0xF));
	ata_pio_write(d, P(ATA_REG_NSECT), 1, n);
	ata_pio_write(d, P(ATA_REG_LBAL), 1, lba & 0xFF);
	ata_pio_write(d, P(ATA_REG_LBAM), 1, (lba >> 8) & 0xFF);
	ata_pio_write(d, P(ATA_REG_LBAH), 1, (lba >> 16) & 0xFF);
}

static void lba48(struct ata_dev *d, uint64_t lba, uint16_t n)
{
	ata_pio_write(d, P(ATA_REG_DEVICE), 1, ATA_DEV_OBS | ATA_DEV_LBA);
	ata_pio_write(d, P(ATA_REG_NSECT), 1, n >> 8);
	ata_pio_write(d, P(ATA_REG_LBAL), 1, (lba >> 24) & 0xFF);
	ata_pio_write(d, P(ATA_REG_LBAM), 1, (lba >> 32) & 0xFF);
	ata_pio_write(d, P(ATA_REG_LBAH), 1, (lba >> 40) & 0xFF);
	ata_pio_write(d, P(ATA_REG_NSECT), 1, n & 0xFF);
	ata_pio_write(d, P(ATA_REG_LBAL), 1, lba & 0xFF);
	ata_pio_write(d, P(ATA_REG_LBAM), 1, (lba >> 8) & 0xFF);
	ata_pio_write(d, P(ATA_REG_LBAH), 1, (lba >> 16) & 0xFF);
}

static void pio_in(struct ata_dev *d, void *buf, size_t nsec)
{
	uint8_t *p = buf;
	for (size_t s = 0; s < nsec; s++) {
		uint8_t x = wait_not_busy(d);
		assert_int_equal(x & (ATA_ST_DRQ | ATA_ST_ERR), ATA_ST_DRQ);
		for (int i = 0; i < 256; i++) {
			uint16_t w = (uint16_t)ata_pio_read(d, P(ATA_REG_DATA), 2);
			p[s * 512 + 2 * i] = (uint8_t)w;
			p[s * 512 + 2 * i + 1] = (uint8_t)(w >> 8);
		}
	}
}

static void pio_out(struct ata_dev *d, const void *buf, size_t nsec)
{
	const uint8_t *p = buf;
	for (size_t s = 0; s < nsec; s++) {
		uint8_t x = wait_not_busy(d);
		assert_int_equal(x & (ATA_ST_DRQ | ATA_ST_ERR), ATA_ST_DRQ);
		for (int i = 0; i < 256; i++)
			ata_pio_write(d, P(ATA_REG_DATA), 2, (uint32_t)(p[s * 512 + 2 * i] | p[s * 512 + 2 * i + 1] << 8));
	}
}

static void test_ata_dev__power_on__ata_signature_drdy(void **state)
{
	struct fx *f = *state;
	assert_int_equal(st(f->d), ATA_ST_DRDY | ATA_ST_DSC);
	assert_int_equal(ata_pio_read(f->d, P(ATA_REG_NSECT), 1), 1);
	assert_int_equal(ata_pio_read(f->d, P(ATA_REG_LBAL), 1), 1);
	assert_int_equal(ata_pio_read(f->d, P(ATA_REG_LBAM), 1), 0);   /* 0x14/0xEB would be ATAPI */
	assert_int_equal(ata_pio_read(f->d, P(ATA_REG_LBAH), 1), 0);
	assert_int_equal(ata_pio_read(f->d, P(ATA_REG_ERROR), 1), 1);
	/* device 1 is absent: status reads 0 and commands are ignored */
	ata_pio_write(f->d, P(ATA_REG_DEVICE), 1, ATA_DEV_OBS | ATA_DEV_DEV);
	assert_int_equal(st(f->d), 0);
	ata_pio_write(f->d, P(ATA_REG_CMD), 1, ATA_CMD_IDENTIFY);
	ata_pio_write(f->d, P(ATA_REG_DEVICE), 1, ATA_DEV_OBS);
	assert_int_equal(st(f->d), ATA_ST_DRDY | ATA_ST_DSC);
}

static void test_ata_dev__identify__golden_words(void **state)
{
	struct fx *f = *state;
	ata_pio_write(f->d, P(ATA_REG_DEVICE), 1, ATA_DEV_OBS);
	ata_pio_write(f->d, P(ATA_REG_CMD), 1, ATA_CMD_IDENTIFY);
	uint16_t id[256];
	pio_in(f->d, id, 1);
	assert_int_equal(st(f->d) & (ATA_ST_DRQ | ATA_ST_BSY | ATA_ST_ERR), 0);
	assert_int_equal(id[0], 0x0040);
	assert_int_equal(id[1], 8);            /* 8192 / (16*63) = 8 cylinders */
	assert_int_equal(id[3], 16);
	assert_int_equal(id[6], 63);
	/* "SER-123" byte-swapped per word, space padded */
	assert_int_equal(id[10], ('S' << 8) | 'E');
	assert_int_equal(id[11], ('R' << 8) | '-');
	assert_int_equal(id[12], ('1' << 8) | '2');
	assert_int_equal(id[13], ('3' << 8) | ' ');
	assert_int_equal(id[19], 0x2020);
	assert_int_equal(id[27], ('T' << 8) | 'e');
	assert_int_equal(id[49], 0x0200);      /* LBA */
	assert_int_equal(id[60], 8192);
	assert_int_equal(id[61], 0);
	assert_int_equal(id[83], 0x7400);      /* LBA48, FLUSH, FLUSH EXT, bit 14 */
	assert_int_equal(id[85], 0x0020);      /* write cache enabled */
	assert_int_equal(id[86], 0x3400);
	assert_int_equal(id[100], 8192);
	assert_int_equal(id[101], 0);
	assert_int_equal(id[102], 0);
	assert_int_equal(id[103], 0);
}

static void test_ata_dev__write_read_lba28__roundtrip_and_on_disk(void **state)
{
	struct fx *f = *state;
	uint8_t w[3 * 512], r[3 * 512];
	for (unsigned i = 0; i < sizeof w; i++)
		w[i] = (uint8_t)(i * 13 + 1);
	lba28(f->d, 100, 3);
	ata_pio_write(f->d, P(ATA_REG_CMD), 1, ATA_CMD_WRITE_SECTORS);
	pio_out(f->d, w, 3);
	assert_int_equal(wait_not_busy(f->d), ATA_ST_DRDY | ATA_ST_DSC);
	lba28(f->d, 100, 3);
	ata_pio_write(f->d, P(ATA_REG_CMD), 1, ATA_CMD_READ_SECTORS);
	pio_in(f->d, r, 3);
	assert_int_equal(wait_not_busy(f->d), ATA_ST_DRDY | ATA_ST_DSC);
	assert_memory_equal(w, r, sizeof w);
	struct ata_stats s;
	ata_get_stats(f->d, &s);
	assert_int_equal(s.sectors_written, 3);
	assert_int_equal(s.sectors_read, 3);
}

static void test_ata_dev__lba48_count_over_chunk__roundtrip(void **state)
{
	struct fx *f = *state;
	enum { N = 300 };                       /* three back-end chunks */
	uint8_t *w = malloc(N * 512), *r = malloc(N * 512);
	for (unsigned i = 0; i < N * 512; i++)
		w[i] = (uint8_t)(i ^ (i >> 9));
	lba48(f->d, 7000, N);
	ata_pio_write(f->d, P(ATA_REG_CMD), 1, ATA_CMD_WRITE_SECTORS_EXT);
	pio_out(f->d, w, N);
	assert_int_equal(wait_not_busy(f->d), ATA_ST_DRDY | ATA_ST_DSC);
	/* HOB reads back the high bytes */
	ata_pio_write(f->d, ATA_PRI_CTL, 1, ATA_CTL_NIEN | ATA_CTL_HOB);
	lba48(f->d, 7000, N);
	ata_pio_write(f->d, ATA_PRI_CTL, 1, ATA_CTL_NIEN | ATA_CTL_HOB);
	assert_int_equal(ata_pio_read(f->d, P(ATA_REG_NSECT), 1), N >> 8);
	ata_pio_write(f->d, ATA_PRI_CTL, 1, ATA_CTL_NIEN);
	assert_int_equal(ata_pio_read(f->d, P(ATA_REG_NSECT), 1), N & 0xFF);
	ata_pio_write(f->d, P(ATA_REG_CMD), 1, ATA_CMD_READ_SECTORS_EXT);
	pio_in(f->d, r, N);
	assert_memory_equal(w, r, N * 512);
	free(w);
	free(r);
}

static void test_ata_dev__past_end__idnf_err(void **state)
{
	struct fx *f = *state;
	lba28(f->d, 8190, 3);
	ata_pio_write(f->d, P(ATA_REG_CMD), 1, ATA_CMD_READ_SECTORS);
	assert_int_equal(wait_not_busy(f->d), ATA_ST_DRDY | ATA_ST_DSC | ATA_ST_ERR);
	assert_int_equal(ata_pio_read(f->d, P(ATA_REG_ERROR), 1), ATA_ER_IDNF);
	lba48(f->d, 1ull << 40, 1);
	ata_pio_write(f->d, P(ATA_REG_CMD), 1, ATA_CMD_WRITE_SECTORS_EXT);
	assert_int_equal(wait_not_busy(f->d), ATA_ST_DRDY | ATA_ST_DSC | ATA_ST_ERR);
	assert_int_equal(ata_pio_read(f->d, P(ATA_REG_ERROR), 1), ATA_ER_IDNF);
	/* CHS addressing (LBA bit clear) is not offered */
	ata_pio_write(f->d, P(ATA_REG_DEVICE), 1, ATA_DEV_OBS);
	ata_pio_write(f->d, P(ATA_REG_CMD), 1, ATA_CMD_READ_SECTORS);
	assert_int_equal(ata_pio_read(f->d, P(ATA_REG_ERROR), 1), ATA_ER_ABRT);
}

static void test_ata_dev__unknown_and_packet_cmds__abrt(void **state)
{
	struct fx *f = *state;
	uint8_t cmds[] = { ATA_CMD_ID_PACKET, ATA_CMD_PACKET, 0xC8 /* READ DMA */, 0x00, 0xFF };
	for (unsigned i = 0; i < sizeof cmds; i++) {
		ata_pio_write(f->d, P(ATA_REG_CMD), 1, cmds[i]);
		assert_int_equal(st(f->d), ATA_ST_DRDY | ATA_ST_DSC | ATA_ST_ERR);
		assert_int_equal(ata_pio_read(f->d, P(ATA_REG_ERROR), 1), ATA_ER_ABRT);
	}
	/* the next good command clears ERR */
	ata_pio_write(f->d, P(ATA_REG_CMD), 1, ATA_CMD_CHECK_POWER);
	assert_int_equal(st(f->d), ATA_ST_DRDY | ATA_ST_DSC);
	assert_int_equal(ata_pio_read(f->d, P(ATA_REG_NSECT), 1), 0xFF);
}

static void test_ata_dev__medium_error__unc_then_recovers(void **state)
{
	struct fx *f = *state;
	struct blk_fault fl = { .op = BLK_OP_READ, .nth = 1, .err = -EIO };
	assert_int_equal(blk_fault_arm(f->b, &fl), 0);
	lba28(f->d, 0, 1);
	ata_pio_write(f->d, P(ATA_REG_CMD), 1, ATA_CMD_READ_SECTORS);
	assert_int_equal(wait_not_busy(f->d), ATA_ST_DRDY | ATA_ST_DSC | ATA_ST_ERR);
	assert_int_equal(ata_pio_read(f->d, P(ATA_REG_ERROR), 1), ATA_ER_UNC);
	uint8_t buf[512];
	lba28(f->d, 0, 1);
	ata_pio_write(f->d, P(ATA_REG_CMD), 1, ATA_CMD_READ_SECTORS);
	pio_in(f->d, buf, 1);
	struct ata_stats s;
	ata_get_stats(f->d, &s);
	assert_int_equal(s.io_errors, 1);
}

static void test_ata_dev__flush__reaches_disk_and_failure_is_err(void **state)
{
	struct fx *f = *state;
	uint8_t w[512];
	memset(w, 0x77, sizeof w);
	lba28(f->d, 5, 1);
	ata_pio_write(f->d, P(ATA_REG_CMD), 1, ATA_CMD_WRITE_SECTORS);
	pio_out(f->d, w, 1);
	wait_not_busy(f->d);
	ata_pio_write(f->d, P(ATA_REG_CMD), 1, ATA_CMD_FLUSH_CACHE);
	assert_int_equal(wait_not_busy(f->d), ATA_ST_DRDY | ATA_ST_DSC);
	/* the flushed write survives a power loss */
	assert_int_equal(blk_mem_crash(f->mem), 0);
	uint8_t r[512];
	lba28(f->d, 5, 1);
	ata_pio_write(f->d, P(ATA_REG_CMD), 1, ATA_CMD_READ_SECTORS);
	pio_in(f->d, r, 1);
	assert_memory_equal(w, r, 512);
	struct blk_fault fl = { .op = BLK_OP_FLUSH, .nth = 1, .err = -EIO, .sticky = true };
	assert_int_equal(blk_fault_arm(f->b, &fl), 0);
	ata_pio_write(f->d, P(ATA_REG_CMD), 1, ATA_CMD_FLUSH_CACHE_EXT);
	assert_int_equal(wait_not_busy(f->d), ATA_ST_DRDY | ATA_ST_DSC | ATA_ST_ERR);
	assert_int_equal(ata_pio_read(f->d, P(ATA_REG_ERROR), 1), ATA_ER_ABRT);
}

static void test_ata_dev__set_features_wce__blk_follows(void **state)
{
	struct fx *f = *state;
	struct blk_info in;
	ata_pio_write(f->d, P(ATA_REG_FEATURE), 1, ATA_SF_DISABLE_WCACHE);
	ata_pio_write(f->d, P(ATA_REG_CMD), 1, ATA_CMD_SET_FEATURES);
	assert_int_equal(st(f->d), ATA_ST_DRDY | ATA_ST_DSC);
	blk_get_info(f->b, &in);
	assert_false(in.wce);
	ata_pio_write(f->d, P(ATA_REG_CMD), 1, ATA_CMD_IDENTIFY);
	uint16_t id[256];
	pio_in(f->d, id, 1);
	assert_int_equal(id[85], 0);
	ata_pio_write(f->d, P(ATA_REG_FEATURE), 1, 0x55);     /* unknown subcommand */
	ata_pio_write(f->d, P(ATA_REG_CMD), 1, ATA_CMD_SET_FEATURES);
	assert_int_equal(ata_pio_read(f->d, P(ATA_REG_ERROR), 1), ATA_ER_ABRT);
}

static void test_ata_dev__srst_mid_transfer__signature_back_idle(void **state)
{
	struct fx *f = *state;
	lba28(f->d, 0, 4);
	ata_pio_write(f->d, P(ATA_REG_CMD), 1, ATA_CMD_WRITE_SECTORS);
	ata_pio_write(f->d, P(ATA_REG_DATA), 2, 0x1234);      /* half a sector */
	ata_pio_write(f->d, ATA_PRI_CTL, 1, ATA_CTL_SRST | ATA_CTL_NIEN);
	assert_int_equal(st(f->d), ATA_ST_BSY);
	ata_pio_write(f->d, ATA_PRI_CTL, 1, ATA_CTL_NIEN);
	assert_int_equal(st(f->d), ATA_ST_DRDY | ATA_ST_DSC);
	assert_int_equal(ata_pio_read(f->d, P(ATA_REG_NSECT), 1), 1);
	assert_int_equal(ata_pio_read(f->d, P(ATA_REG_LBAL), 1), 1);
	/* data port outside a data phase: reads float, writes vanish */
	assert_int_equal(ata_pio_read(f->d, P(ATA_REG_DATA), 2), 0xFFFF);
	ata_pio_write(f->d, P(ATA_REG_DATA), 2, 0);
	assert_int_equal(st(f->d), ATA_ST_DRDY | ATA_ST_DSC);
}

static void test_ata_dev__create_bad__einval_enomem(void **state)
{
	(void)state;
	struct blk *b4k;
	struct ata_dev *d;
	assert_int_equal(blk_open_mem(1 << 16, 4096, &b4k), 0);
	assert_int_equal(ata_create(b4k, NULL, &d), -EINVAL);
	blk_close(b4k);
	assert_int_equal(blk_open_mem(1 << 16, 512, &b4k), 0);
	for (long n = 0; n < 2; n++) {
		ata_alloc_fail_after(n);
		assert_int_equal(ata_create(b4k, NULL, &d), -ENOMEM);
	}
	ata_alloc_fail_after(-1);
	blk_close(b4k);
	ata_destroy(NULL);
}

static void test_ata_dev__partition_traps__ports_claimed(void **state)
{
	struct fx *f = *state;
	struct gmem *gm = gmem_create(1 << 20);
	struct part_config cfg = { .profile = hv_profile_find("ws2019"), .nvcpus = 1 };
	struct part *p = part_create(gm, &cfg, NULL, NULL);
	assert_non_null(p);
	assert_int_equal(ata_attach(f->d, p), 0);
	assert_int_equal(part_pio_read(p, 0, ATA_PRI_CMD_BASE + ATA_REG_STATUS, 1), ATA_ST_DRDY | ATA_ST_DSC);
	assert_int_equal(part_pio_read(p, 0, ATA_PRI_CTL, 1), ATA_ST_DRDY | ATA_ST_DSC);
	assert_int_equal(part_pio_read(p, 0, 0x170 + 7, 1), 0xFF);          /* secondary: nobody */
	assert_int_equal(part_pio_read(p, 0, 0x1F8, 2), 0xFFFF);
	static const struct part_pio_ops dummy = { NULL, NULL };
	assert_int_equal(part_pio_register(p, 0x1F4, 2, &dummy, NULL), -EINVAL);
	assert_true(part_pio_exits(p) >= 4);
	ata_destroy(f->d);          /* releases the ports */
	f->d = NULL;
	assert_int_equal(part_pio_read(p, 0, ATA_PRI_CMD_BASE + ATA_REG_STATUS, 1), 0xFF);
	part_destroy(p);
	gmem_destroy(gm);
	struct ata_config c = { 0 };
	assert_int_equal(ata_create(f->b, &c, &f->d), 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)
int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_ata_dev__power_on__ata_signature_drdy),
		T(test_ata_dev__identify__golden_words),
		T(test_ata_dev__write_read_lba28__roundtrip_and_on_disk),
		T(test_ata_dev__lba48_count_over_chunk__roundtrip),
		T(test_ata_dev__past_end__idnf_err),
		T(test_ata_dev__unknown_and_packet_cmds__abrt),
		T(test_ata_dev__medium_error__unc_then_recovers),
		T(test_ata_dev__flush__reaches_disk_and_failure_is_err),
		T(test_ata_dev__set_features_wce__blk_follows),
		T(test_ata_dev__srst_mid_transfer__signature_back_idle),
		cmocka_unit_test(test_ata_dev__create_bad__einval_enomem),
		T(test_ata_dev__partition_traps__ports_claimed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
