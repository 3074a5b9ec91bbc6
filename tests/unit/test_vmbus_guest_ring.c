/* test_vmbus_guest_ring.c -- the guest's ring code against a byte-level
 * model of the host end written from vmbus.md 6-7: wrap-around and
 * full-ring properties in both directions, the signalling rules,
 * pending_send_sz (strict >), the largest packet, and every corrupt index
 * or descriptor of RELIABILITY 5.5. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "guest_drivers/vmbus/vmbus_br.h"
#include "tests/unit/helpers/fake_vmbus_host.h"

#define PG 4096u

/* Control-page words at their sheet offsets. */
#define W_WRITE 0
#define W_READ 4
#define W_MASK 8
#define W_PENDING 12
#define W_FEAT 64

struct model {
	uint8_t *mem;        /* control page + data */
	uint32_t d;          /* data size */
	uint64_t rng;
};

static uint32_t rnd(struct model *m)
{
	m->rng = m->rng * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(m->rng >> 33);
}

static uint32_t ctl(struct model *m, size_t off)
{
	return fvh_get32(m->mem, off);
}

static void set_ctl(struct model *m, size_t off, uint32_t v)
{
	fvh_put32(m->mem, off, v);
}

static uint8_t *data(struct model *m)
{
	return m->mem + PG;
}

static uint32_t used(struct model *m)
{
	uint32_t w = ctl(m, W_WRITE), r = ctl(m, W_READ);
	return w >= r ? w - r : m->d - r + w;
}

static void model_get(struct model *m, uint32_t off, void *dst, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++)
		((uint8_t *)dst)[i] = data(m)[(off + i) % m->d];
}

static void model_put(struct model *m, uint32_t off, const void *src, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++)
		data(m)[(off + i) % m->d] = ((const uint8_t *)src)[i];
}

static struct model *model_new(uint32_t pages, uint64_t seed)
{
	struct model *m = calloc(1, sizeof *m);
	assert_non_null(m);
	m->mem = aligned_alloc(PG, (size_t)pages * PG);
	assert_non_null(m->mem);
	memset(m->mem, 0, (size_t)pages * PG);
	m->d = (pages - 1) * PG;
	m->rng = seed;
	return m;
}

static void model_free(struct model *m)
{
	free(m->mem);
	free(m);
}

/* Host consumer (ring A): take one packet, check it against what we
 * expect, advance read_index past packet and trailer. */
static void host_take(struct model *m, const uint8_t *want, uint32_t want_len)
{
	uint32_t r = ctl(m, W_READ);
	uint8_t desc[16];
	model_get(m, r, desc, 16);
	uint16_t len8 = (uint16_t)(desc[4] | desc[5] << 8);
	assert_int_equal(len8 * 8u, (want_len + 7u) & ~7u);
	uint8_t *got = malloc(len8 * 8u);
	model_get(m, r, got, len8 * 8u);
	assert_memory_equal(got, want, want_len);
	for (uint32_t i = want_len; i < len8 * 8u; i++)
		assert_int_equal(got[i], 0); /* zero padding */
	uint8_t tr[8];
	model_get(m, r + len8 * 8u, tr, 8);
	assert_int_equal(fvh_get64(tr, 0), (uint64_t)r << 32);
	free(got);
	set_ctl(m, W_READ, (r + len8 * 8u + 8u) % m->d);
}

/* ---- guest -> host ----------------------------------------------------------- */

struct sent {
	uint8_t b[4096];
	uint32_t len;
};

static void test_vmbus_guest_ring__tx_random_sizes__bytes_wrap_and_full_rule(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 20; seed++) {
		struct model *m = model_new(2 + seed % 3, seed);
		struct vmbus_br br;
		assert_int_equal(vmbus_br_init(&br, m->mem, (size_t)(m->d + PG), true), 0);
		assert_int_equal(ctl(m, W_FEAT) & 1, 1);
		struct sent q[64];
		unsigned qh = 0, qt = 0, wraps = 0, fulls = 0;
		for (int step = 0; step < 2000; step++) {
			if (rnd(m) % 3 && qt - qh < 64) {
				struct sent *s = &q[qt % 64];
				s->len = 16 + rnd(m) % 2000;
				for (uint32_t i = 0; i < s->len; i++)
					s->b[i] = (uint8_t)rnd(m);
				/* The ring copies bytes; the model finds the
				 * packet length in the descriptor's len8. */
				fvh_put16(s->b, 4, (uint16_t)((s->len + 7) / 8));
				uint32_t old = ctl(m, W_WRITE);
				uint32_t need = ((s->len + 7) & ~7u) + 8;
				uint32_t free_before = m->d - used(m);
				set_ctl(m, W_MASK, rnd(m) % 4 == 0);
				struct vmbus_br_iov iov = { s->b, s->len };
				bool sig;
				int rc = vmbus_br_write(&br, &iov, 1, &sig);
				if (free_before <= need) {
					assert_int_equal(rc, -EAGAIN);
					assert_int_equal(ctl(m, W_WRITE), old);
					fulls++;
					continue;
				}
				assert_int_equal(rc, 0);
				assert_int_equal(ctl(m, W_WRITE), (old + need) % m->d);
				assert_true(used(m) != 0); /* never looks empty */
				bool want_sig = !ctl(m, W_MASK) && ctl(m, W_READ) == old;
				assert_int_equal(sig, want_sig);
				if (ctl(m, W_WRITE) < old)
					wraps++;
				qt++;
			} else if (qh != qt) {
				host_take(m, q[qh % 64].b, q[qh % 64].len);
				qh++;
			}
		}
		assert_true(wraps > 0);
		assert_true(fulls > 0);
		model_free(m);
	}
}

static void test_vmbus_guest_ring__tx_largest_packet__d_minus_16_only(void **state)
{
	(void)state;
	struct model *m = model_new(3, 1);
	struct vmbus_br br;
	vmbus_br_init(&br, m->mem, 3 * PG, true);
	assert_int_equal(vmbus_br_max_packet(&br), m->d - 16);
	uint8_t *buf = calloc(1, m->d);
	struct vmbus_br_iov iov = { buf, m->d - 8 };
	bool sig;
	assert_int_equal(vmbus_br_write(&br, &iov, 1, &sig), -EMSGSIZE);
	iov.len = m->d - 15; /* pads to D - 8 */
	assert_int_equal(vmbus_br_write(&br, &iov, 1, &sig), -EMSGSIZE);
	iov.len = m->d - 16;
	assert_int_equal(vmbus_br_write(&br, &iov, 1, &sig), 0);
	assert_true(sig);
	assert_int_equal(m->d - used(m), 8); /* exactly the slack the rule leaves */
	free(buf);
	model_free(m);
}

static void test_vmbus_guest_ring__tx_bad_read_index__broken(void **state)
{
	(void)state;
	static const uint32_t bad[] = { 4, 8192 + 4096, 0xFFFFFFF8u, 12 };
	for (size_t i = 0; i < 4; i++) {
		struct model *m = model_new(3, 1);
		struct vmbus_br br;
		vmbus_br_init(&br, m->mem, 3 * PG, true);
		set_ctl(m, W_READ, bad[i]);
		uint8_t b[32] = { 0 };
		struct vmbus_br_iov iov = { b, 32 };
		bool sig;
		assert_int_equal(vmbus_br_write(&br, &iov, 1, &sig), -EIO);
		assert_true(br.br_broken);
		set_ctl(m, W_READ, 0); /* stays broken */
		assert_int_equal(vmbus_br_write(&br, &iov, 1, &sig), -EIO);
		model_free(m);
	}
}

static void test_vmbus_guest_ring__tx_pending__set_and_room_is_strict(void **state)
{
	(void)state;
	struct model *m = model_new(2, 1);
	struct vmbus_br br;
	vmbus_br_init(&br, m->mem, 2 * PG, true);
	assert_int_equal(vmbus_br_need(100), 112);
	vmbus_br_set_pending(&br, 112);
	assert_int_equal(ctl(m, W_PENDING), 112);
	/* Free space exactly 112 is not room; 120 is. */
	set_ctl(m, W_WRITE, 0);
	br.br_windex = m->d - 112;
	set_ctl(m, W_READ, 0);
	assert_false(vmbus_br_has_room(&br, 112));
	br.br_windex = m->d - 120;
	assert_true(vmbus_br_has_room(&br, 112));
	vmbus_br_clear_pending(&br);
	assert_int_equal(ctl(m, W_PENDING), 0);
	model_free(m);
}

/* ---- host -> guest ------------------------------------------------------------ */

/* Host producer (ring B) by the sheet: returns false when full. */
static bool host_put(struct model *m, uint16_t type, uint64_t tid, const uint8_t *p, uint32_t plen)
{
	uint32_t len = ((16 + plen + 7) & ~7u), need = len + 8;
	if (m->d - used(m) <= need)
		return false;
	uint8_t *pkt = calloc(1, len);
	fvh_put16(pkt, 0, type);
	fvh_put16(pkt, 2, 2);
	fvh_put16(pkt, 4, (uint16_t)(len / 8));
	fvh_put16(pkt, 6, 0);
	fvh_put64(pkt, 8, tid);
	memcpy(pkt + 16, p, plen);
	uint32_t w = ctl(m, W_WRITE);
	model_put(m, w, pkt, len);
	uint8_t tr[8];
	fvh_put64(tr, 0, (uint64_t)w << 32);
	model_put(m, w + len, tr, 8);
	set_ctl(m, W_WRITE, (w + need) % m->d);
	free(pkt);
	return true;
}

static void test_vmbus_guest_ring__rx_random__copies_match_and_index_published_per_batch(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 20; seed++) {
		struct model *m = model_new(2 + seed % 4, seed * 77);
		struct vmbus_br br;
		assert_int_equal(vmbus_br_init(&br, m->mem, (size_t)(m->d + PG), false), 0);
		assert_int_equal(ctl(m, W_FEAT), 0); /* the host owns this ring's feature bit */
		uint8_t *buf = malloc(m->d);
		uint8_t pay[64][1500];
		uint32_t plen[64];
		uint64_t put = 0, got = 0;
		unsigned wraps = 0;
		for (int step = 0; step < 3000; step++) {
			if (rnd(m) % 2) {
				unsigned k = (unsigned)(put % 64);
				if (put - got >= 64)
					continue;
				plen[k] = rnd(m) % 1500;
				for (uint32_t i = 0; i < plen[k]; i++)
					pay[k][i] = (uint8_t)rnd(m);
				uint32_t w = ctl(m, W_WRITE);
				if (host_put(m, 6, put + 1, pay[k], plen[k])) {
					put++;
					wraps += ctl(m, W_WRITE) < w;
				}
			} else {
				uint32_t r0 = ctl(m, W_READ);
				unsigned n = rnd(m) % 4;
				for (unsigned i = 0; i < n && got < put; i++) {
					uint32_t len;
					assert_int_equal(vmbus_br_read(&br, buf, m->d, &len), 0);
					unsigned k = (unsigned)(got % 64);
					assert_int_equal(fvh_get64(buf, 8), got + 1);
					assert_int_equal(len, (16 + plen[k] + 7) & ~7u);
					assert_memory_equal(buf + 16, pay[k], plen[k]);
					got++;
					/* Not published until the batch ends. */
					assert_int_equal(ctl(m, W_READ), r0);
				}
				vmbus_br_read_commit(&br);
				if (got == put) {
					uint32_t len;
					assert_int_equal(vmbus_br_read(&br, buf, m->d, &len), -EAGAIN);
					assert_int_equal(ctl(m, W_READ), ctl(m, W_WRITE));
				}
			}
		}
		assert_true(wraps > 0);
		free(buf);
		model_free(m);
	}
}

static void test_vmbus_guest_ring__rx_pending_send_sz__signal_only_on_strict_crossing(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 200; seed++) {
		struct model *m = model_new(2, seed);
		struct vmbus_br br;
		vmbus_br_init(&br, m->mem, 2 * PG, false);
		uint8_t p[512] = { 0 }, buf[4096];
		/* Fill with random packets until full. */
		while (host_put(m, 6, 1, p, rnd(m) % 500))
			;
		bool feat = rnd(m) % 4 != 0;
		set_ctl(m, W_FEAT, feat);
		uint32_t pending = rnd(m) % 3 == 0 ? 0 : 8 * (1 + rnd(m) % 512);
		set_ctl(m, W_PENDING, pending);
		uint32_t free_before = m->d - used(m);
		unsigned n = 1 + rnd(m) % 3;
		for (unsigned i = 0; i < n; i++) {
			uint32_t len;
			if (vmbus_br_read(&br, buf, sizeof buf, &len))
				break;
		}
		/* Free space after, by the host's view of our published index. */
		uint32_t w = ctl(m, W_WRITE), r = br.br_rindex;
		uint32_t free_after = m->d - (w >= r ? w - r : m->d - r + w);
		bool want = feat && pending && free_before <= pending && free_after > pending;
		assert_int_equal(vmbus_br_read_commit(&br), want);
		model_free(m);
	}
}

static void test_vmbus_guest_ring__rx_mask_unmask__recheck_sees_late_data(void **state)
{
	(void)state;
	struct model *m = model_new(2, 1);
	struct vmbus_br br;
	vmbus_br_init(&br, m->mem, 2 * PG, false);
	vmbus_br_mask(&br);
	assert_int_equal(ctl(m, W_MASK), 1);
	uint8_t p[8] = { 1 };
	host_put(m, 6, 1, p, 8); /* arrives while masked: no signal from a host */
	assert_true(vmbus_br_unmask(&br));
	assert_int_equal(ctl(m, W_MASK), 0);
	uint8_t buf[64];
	uint32_t len;
	assert_int_equal(vmbus_br_read(&br, buf, sizeof buf, &len), 0);
	vmbus_br_read_commit(&br);
	assert_false(vmbus_br_unmask(&br));
	model_free(m);
}

struct bad_desc {
	uint16_t type, offset8, len8;
	uint32_t write_extra; /* bytes published */
};

static void test_vmbus_guest_ring__rx_corrupt_descriptors_and_indices__broken(void **state)
{
	(void)state;
	static const struct bad_desc cases[] = {
		{ 6, 1, 4, 40 },       /* offset8 < 2 */
		{ 6, 4, 3, 32 },       /* len8 < offset8 */
		{ 6, 2, 100, 40 },     /* longer than published */
		{ 0x8, 2, 4, 40 },     /* GPADL packet type */
		{ 0xC, 2, 4, 40 },     /* additional-data packet */
		{ 0, 2, 4, 40 },       /* INVALID */
		{ 6, 2, 2, 16 },       /* fewer bytes than descriptor + trailer */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct model *m = model_new(2, 1);
		struct vmbus_br br;
		vmbus_br_init(&br, m->mem, 2 * PG, false);
		fvh_put16(data(m), 0, cases[i].type);
		fvh_put16(data(m), 2, cases[i].offset8);
		fvh_put16(data(m), 4, cases[i].len8);
		set_ctl(m, W_WRITE, cases[i].write_extra);
		uint8_t buf[4096];
		uint32_t len;
		assert_int_equal(vmbus_br_read(&br, buf, sizeof buf, &len), -EIO);
		assert_true(br.br_broken);
		assert_int_equal(vmbus_br_read(&br, buf, sizeof buf, &len), -EIO);
		assert_int_equal(vmbus_br_avail(&br), 0);
		model_free(m);
	}
	static const uint32_t bad_w[] = { 4, 4096, 0x80000000u, 4095 };
	for (size_t i = 0; i < 4; i++) {
		struct model *m = model_new(2, 1);
		struct vmbus_br br;
		vmbus_br_init(&br, m->mem, 2 * PG, false);
		set_ctl(m, W_WRITE, bad_w[i]);
		uint8_t buf[64];
		uint32_t len;
		assert_int_equal(vmbus_br_read(&br, buf, sizeof buf, &len), -EIO);
		assert_true(br.br_broken);
		model_free(m);
	}
}

static void test_vmbus_guest_ring__init_bad_sizes__einval(void **state)
{
	(void)state;
	struct vmbus_br br;
	uint8_t *mem = aligned_alloc(PG, 2 * PG);
	assert_int_equal(vmbus_br_init(&br, mem, PG, true), -EINVAL);
	assert_int_equal(vmbus_br_init(&br, mem, PG + 8, true), -EINVAL);
	assert_int_equal(vmbus_br_init(&br, NULL, 2 * PG, true), -EINVAL);
	free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vmbus_guest_ring__tx_random_sizes__bytes_wrap_and_full_rule),
		cmocka_unit_test(test_vmbus_guest_ring__tx_largest_packet__d_minus_16_only),
		cmocka_unit_test(test_vmbus_guest_ring__tx_bad_read_index__broken),
		cmocka_unit_test(test_vmbus_guest_ring__tx_pending__set_and_room_is_strict),
		cmocka_unit_test(test_vmbus_guest_ring__rx_random__copies_match_and_index_published_per_batch),
		cmocka_unit_test(test_vmbus_guest_ring__rx_pending_send_sz__signal_only_on_strict_crossing),
		cmocka_unit_test(test_vmbus_guest_ring__rx_mask_unmask__recheck_sees_late_data),
		cmocka_unit_test(test_vmbus_guest_ring__rx_corrupt_descriptors_and_indices__broken),
		cmocka_unit_test(test_vmbus_guest_ring__init_bad_sizes__einval),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
