/* test_msr.c -- synthetic MSRs: #GP table, hypercall page, TSC page math. */
#include "part_fixture.h"

#include "sim/hostd/gmem.h"

struct gp_case {
	const char *what;
	uint32_t msr;
	uint64_t val;
};

static void test_msr__bad_values__gp_state_unchanged(void **state)
{
	(void)state;
	struct fx *f = fx_new("ws2019", 2);
	const struct gp_case cases[] = {
		{ "VP_INDEX is RO", HV_MSR_VP_INDEX, 1 },
		{ "TIME_REF_COUNT is RO", HV_MSR_TIME_REF_COUNT, 5 },
		{ "TSC_FREQUENCY is RO", HV_MSR_TSC_FREQUENCY, 1 },
		{ "APIC_FREQUENCY is RO", HV_MSR_APIC_FREQUENCY, 1 },
		{ "SVERSION is RO", HV_MSR_SVERSION, 1 },
		{ "hypercall enable w/o guest OS id", HV_MSR_HYPERCALL, FX_HCALL_GPA | 1 },
		{ "SIMP past end", HV_MSR_SIMP, FX_MEM | 1 },
		{ "SIMP far past end", HV_MSR_SIMP, 0xFFFFFFFFFFFFF000ull | 1 },
		{ "SIEFP past end", HV_MSR_SIEFP, FX_MEM | 1 },
		{ "SIMP reserved bit", HV_MSR_SIMP, FX_SIMP_GPA(0) | 1 | 0x10 },
		{ "REFERENCE_TSC past end", HV_MSR_REFERENCE_TSC, FX_MEM | 1 },
		{ "REFERENCE_TSC reserved", HV_MSR_REFERENCE_TSC, FX_TSC_GPA | 2 },
		{ "SCONTROL reserved", HV_MSR_SCONTROL, 3 },
		{ "SINT vector < 16", HV_MSR_SINT0 + 2, 0x0F },
		{ "SINT reserved 15:8", HV_MSR_SINT0 + 2, 0x1F3 },
		{ "SINT reserved 63:21", HV_MSR_SINT0 + 2, (1ull << 21) | 0xF3 },
		{ "STIMER reserved 15:13", HV_MSR_STIMER0_CONFIG, 1ull << 13 },
		{ "STIMER reserved 63:20", HV_MSR_STIMER0_CONFIG, 1ull << 40 },
		{ "STIMER direct vector < 16", HV_MSR_STIMER0_CONFIG,
		  HV_STIMER_ENABLE | HV_STIMER_DIRECT_MODE | (5ull << 4) },
		{ "unknown MSR", 0x400000FFu, 0 },
		{ "VP_ASSIST not offered", HV_MSR_VP_ASSIST_PAGE, 0 },
		{ "RESET not offered", HV_MSR_RESET, 1 },
		{ "CRASH_CTL not offered", HV_MSR_CRASH_CTL, 0 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint64_t before = 0;
		int rrc = part_rdmsr(f->p, 0, cases[i].msr, &before);
		int rc = part_wrmsr(f->p, 0, cases[i].msr, cases[i].val);
		if (rc != -EINVAL)
			fail_msg("%s: wrmsr 0x%x=0x%llx gave %d", cases[i].what, cases[i].msr,
				 (unsigned long long)cases[i].val, rc);
		uint64_t after = 0;
		if (rrc == 0) {
			assert_int_equal(part_rdmsr(f->p, 0, cases[i].msr, &after), 0);
			assert_int_equal(after, before);
		}
	}
	struct part_stats st;
	part_get_stats(f->p, &st);
	assert_true(st.msr_gp >= sizeof cases / sizeof cases[0]);
	/* bad vCPU index */
	uint64_t v;
	assert_int_equal(part_rdmsr(f->p, 2, HV_MSR_VP_INDEX, &v), -EINVAL);
	assert_int_equal(part_wrmsr(f->p, UINT32_MAX, HV_MSR_SCONTROL, 1), -EINVAL);
	fx_free(f);
}

static void test_msr__read_only_values__as_specified(void **state)
{
	(void)state;
	struct fx *f = fx_new("ws2019", 2);
	assert_int_equal(fx_rd(f, 1, HV_MSR_VP_INDEX), 1);
	assert_int_equal(fx_rd(f, 0, HV_MSR_SVERSION), 1);
	assert_int_equal(fx_rd(f, 0, HV_MSR_TSC_FREQUENCY), 2500000000ull);
	assert_int_equal(fx_rd(f, 0, HV_MSR_SINT0 + 5), HV_SINT_MASKED);
	assert_int_equal(fx_rd(f, 0, HV_MSR_SCONTROL), 0);
	assert_int_equal(fx_rd(f, 0, HV_MSR_TIME_REF_COUNT), 0);
	part_set_time(f->p, 12345);
	assert_int_equal(fx_rd(f, 1, HV_MSR_TIME_REF_COUNT), 12345);
	part_set_time(f->p, 100); /* backwards: ignored */
	assert_int_equal(part_time(f->p), 12345);
	fx_wr(f, 0, HV_MSR_EOM, 0x55);
	assert_int_equal(fx_rd(f, 0, HV_MSR_EOM), 0);
	/* a masked SINT may carry a vector < 16 */
	fx_wr(f, 0, HV_MSR_SINT0 + 3, HV_SINT_MASKED | 0x02);
	fx_free(f);
}

static void test_msr__hypercall_page__written_locked_and_disabled(void **state)
{
	(void)state;
	struct fx *f = fx_new("ws2019", 1);
	assert_int_equal(part_hypercall(f->p, 0, HVCALL_SIGNAL_EVENT | HV_HC_FAST, 1, 0),
			 UINT64_MAX); /* before the page: #UD */
	fx_hcall_enable(f);
	const uint8_t *pg = gmem_ptr(f->gm, FX_HCALL_GPA, 4096);
	const uint8_t code[] = { 0x0F, 0x01, 0xC1, 0xC3 };
	assert_memory_equal(pg, code, 4);
	assert_int_equal(pg[4], 0xCC);
	assert_int_equal(pg[4095], 0xCC);
	assert_int_equal(fx_rd(f, 0, HV_MSR_HYPERCALL), FX_HCALL_GPA | 1);
	assert_int_not_equal(part_hypercall(f->p, 0, 0xFFFF, 0, 0), UINT64_MAX);
	/* GUEST_OS_ID 0 disables the page */
	fx_wr(f, 0, HV_MSR_GUEST_OS_ID, 0);
	assert_int_equal(fx_rd(f, 0, HV_MSR_HYPERCALL) & 1, 0);
	assert_int_equal(part_hypercall(f->p, 0, 0xFFFF, 0, 0), UINT64_MAX);
	/* locked: no more writes */
	fx_wr(f, 0, HV_MSR_GUEST_OS_ID, 1);
	fx_wr(f, 0, HV_MSR_HYPERCALL, FX_HCALL_GPA | HV_HYPERCALL_ENABLE | HV_HYPERCALL_LOCKED);
	assert_int_equal(part_wrmsr(f->p, 0, HV_MSR_HYPERCALL, 0), -EINVAL);
	assert_int_equal(part_wrmsr(f->p, 0, HV_MSR_HYPERCALL, 0x5000 | 1), -EINVAL);
	fx_free(f);
}

static void test_msr__tsc_page__scale_at_2_5ghz_golden(void **state)
{
	(void)state;
	struct fx *f = fx_new("ws2019", 1);
	uint8_t *pg = gmem_ptr(f->gm, FX_TSC_GPA, 4096);
	memset(pg, 0xAB, 4096); /* stale bytes must not survive */
	fx_wr(f, 0, HV_MSR_REFERENCE_TSC, FX_TSC_GPA | 1);
	struct hv_ref_tsc_page t;
	memcpy(&t, pg, sizeof t);
	assert_int_not_equal(t.tsc_sequence, 0);
	assert_int_equal(t.tsc_scale, 0x010624DD2F1A9FBEull);
	assert_int_equal(t.tsc_offset, 0);
	assert_int_equal(t.reserved2[100], 0);
	uint32_t seq1 = t.tsc_sequence;
	/* re-enable: new, nonzero sequence */
	fx_wr(f, 0, HV_MSR_REFERENCE_TSC, FX_TSC_GPA | 1);
	memcpy(&t, pg, sizeof t);
	assert_int_not_equal(t.tsc_sequence, 0);
	assert_int_not_equal(t.tsc_sequence, seq1);
	/* reference time from the page matches TIME_REF_COUNT */
	part_set_time(f->p, 10000000); /* 1 s */
	uint64_t tsc = part_tsc_at(f->p, part_time(f->p));
	assert_int_equal(tsc, 2500000000ull);
	uint64_t ref = (uint64_t)(((unsigned __int128)tsc * t.tsc_scale) >> 64) + (uint64_t)t.tsc_offset;
	uint64_t msr = fx_rd(f, 0, HV_MSR_TIME_REF_COUNT);
	assert_true(ref <= msr && msr - ref <= 1);
	fx_free(f);
}

static void test_msr__tsc_hz_below_reference__create_einval(void **state)
{
	(void)state;
	struct gmem *gm = gmem_create(FX_MEM);
	struct part_config cfg = { .profile = hv_profile_find("ws2019"), .nvcpus = 1,
				   .tsc_hz = 1000000 };
	assert_null(part_create(gm, &cfg, NULL, NULL));
	cfg.tsc_hz = 3000000000ull;
	cfg.nvcpus = 0;
	assert_null(part_create(gm, &cfg, NULL, NULL));
	cfg.nvcpus = PART_MAX_VCPUS + 1;
	assert_null(part_create(gm, &cfg, NULL, NULL));
	cfg.nvcpus = 1;
	struct part *p = part_create(gm, &cfg, NULL, NULL);
	assert_non_null(p);
	assert_int_equal(part_tsc_hz(p), 3000000000ull);
	part_destroy(p);
	part_destroy(NULL);
	gmem_destroy(gm);
}

static void test_msr__allocation_failure__create_null_no_leak(void **state)
{
	(void)state;
	struct gmem *gm = gmem_create(FX_MEM);
	struct part_config cfg = { .profile = hv_profile_find("ws2019"), .nvcpus = 2 };
	for (long n = 0; n < 2; n++) {
		part_alloc_fail_after(n);
		assert_null(part_create(gm, &cfg, NULL, NULL));
		assert_int_equal(errno, ENOMEM);
	}
	part_alloc_fail_after(-1);
	fx_free(NULL);
	gmem_destroy(gm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_msr__bad_values__gp_state_unchanged),
		cmocka_unit_test(test_msr__read_only_values__as_specified),
		cmocka_unit_test(test_msr__hypercall_page__written_locked_and_disabled),
		cmocka_unit_test(test_msr__tsc_page__scale_at_2_5ghz_golden),
		cmocka_unit_test(test_msr__tsc_hz_below_reference__create_einval),
		cmocka_unit_test(test_msr__allocation_failure__create_null_no_leak),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
