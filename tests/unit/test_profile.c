/* test_profile.c -- host profiles and the CPUID answers they give. */
#include "part_fixture.h"

static const char *const names[] = { "ws2008r2", "ws2012r2", "ws2016", "ws2019",
				     "ws2022", "azure", "kvm", "none" };

static void test_hvprof__every_name__found(void **state)
{
	(void)state;
	assert_int_equal(hv_profile_count(), sizeof names / sizeof names[0]);
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		const struct hv_profile *pr = hv_profile_find(names[i]);
		assert_non_null(pr);
		assert_string_equal(pr->name, names[i]);
		assert_ptr_equal(hv_profile_at(i), pr);
	}
	assert_null(hv_profile_find("ws2003"));
	assert_null(hv_profile_find(NULL));
	assert_null(hv_profile_at(hv_profile_count()));
}

static void test_hvprof__releases__versions_as_shipped(void **state)
{
	(void)state;
	const struct { const char *n; uint32_t vmbus, nvsp, vstor, build; uint16_t maj, min; } t[] = {
		{ "ws2008r2", 0x00010001, 0x00030002, 0x0402, 7601, 6, 1 },
		{ "ws2012r2", 0x00030000, 0x00040000, 0x0600, 9600, 6, 3 },
		{ "ws2016", 0x00040000, 0x00050000, 0x0602, 14393, 10, 0 },
		{ "ws2019", 0x00050002, 0x00060001, 0x0602, 17763, 10, 0 },
		{ "ws2022", 0x00050003, 0x00060001, 0x0602, 20348, 10, 0 },
		{ "azure", 0x00050003, 0x00060001, 0x0602, 20348, 10, 0 },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		const struct hv_profile *pr = hv_profile_find(t[i].n);
		assert_int_equal(pr->kind, HV_PROFILE_HYPERV);
		assert_int_equal(pr->vmbus_max_version, t[i].vmbus);
		assert_int_equal(pr->nvsp_max_version, t[i].nvsp);
		assert_int_equal(pr->vstor_max_version, t[i].vstor);
		assert_int_equal(pr->build_number, t[i].build);
		assert_int_equal(pr->version_major, t[i].maj);
		assert_int_equal(pr->version_minor, t[i].min);
		assert_int_equal(pr->features_ebx, 0x30);
		/* Linux needs EAX bits 5 and 6 to detect Hyper-V at all */
		assert_int_equal(pr->features_eax & 0x60, 0x60);
	}
	assert_int_equal(hv_profile_find("ws2008r2")->features_eax, 0x6E);
	assert_int_equal(hv_profile_find("ws2012r2")->features_eax, 0xA6E);
	assert_int_equal(hv_profile_find("ws2019")->features_eax, 0xA6E);
	assert_true(hv_profile_find("ws2016")->quirks & HV_QUIRK_PHANTOM_LUNS);
	assert_false(hv_profile_find("ws2019")->quirks & HV_QUIRK_PHANTOM_LUNS);
}

static void test_hvprof__hyperv_cpuid__microsoft_hv_signature(void **state)
{
	(void)state;
	struct fx *f = fx_new("ws2019", 1);
	uint32_t r[4];
	part_cpuid(f->p, 0, 1, 0, r);
	assert_int_equal(r[2], HV_CPUID_FEATURES_ECX_HYPERVISOR);
	part_cpuid(f->p, 0, 0x40000000, 0, r);
	assert_true(r[0] >= 0x40000005);
	char vendor[13] = { 0 };
	memcpy(vendor, &r[1], 4);
	memcpy(vendor + 4, &r[2], 4);
	memcpy(vendor + 8, &r[3], 4);
	assert_string_equal(vendor, "Microsoft Hv");
	part_cpuid(f->p, 0, 0x40000001, 0, r);
	assert_memory_equal(&r[0], "Hv#1", 4);
	part_cpuid(f->p, 0, 0x40000002, 0, r);
	assert_int_equal(r[0], 17763);
	assert_int_equal(r[1], 0x000A0000);
	part_cpuid(f->p, 0, 0x40000003, 0, r);
	assert_int_equal(r[0], 0xA6E);
	assert_int_equal(r[1], 0x30);
	part_cpuid(f->p, 0, 0x40000100, 0, r); /* out of range */
	assert_int_equal(r[0] | r[1] | r[2] | r[3], 0);
	fx_free(f);
}

static void test_hvprof__kvm_cpuid__other_vendor_no_hyperv_leaves(void **state)
{
	(void)state;
	struct fx *f = fx_new("kvm", 1);
	uint32_t r[4];
	part_cpuid(f->p, 0, 1, 0, r);
	assert_int_equal(r[2], HV_CPUID_FEATURES_ECX_HYPERVISOR);
	part_cpuid(f->p, 0, 0x40000000, 0, r);
	assert_memory_equal(&r[1], "KVMKVMKVM\0\0\0", 12);
	part_cpuid(f->p, 0, 0x40000003, 0, r);
	assert_int_equal(r[0] | r[1] | r[2] | r[3], 0);
	uint64_t v;
	assert_int_equal(part_rdmsr(f->p, 0, HV_MSR_GUEST_OS_ID, &v), -EINVAL);
	assert_int_equal(part_wrmsr(f->p, 0, HV_MSR_SIMP, 0), -EINVAL);
	assert_int_equal(part_hypercall(f->p, 0, HVCALL_SIGNAL_EVENT | HV_HC_FAST, 1, 0), UINT64_MAX);
	fx_free(f);
}

static void test_hvprof__none_cpuid__no_hypervisor_bit(void **state)
{
	(void)state;
	struct fx *f = fx_new("none", 1);
	uint32_t r[4];
	part_cpuid(f->p, 0, 1, 0, r);
	assert_int_equal(r[2] & HV_CPUID_FEATURES_ECX_HYPERVISOR, 0);
	for (uint32_t leaf = 0x40000000; leaf <= 0x4000000A; leaf++) {
		part_cpuid(f->p, 0, leaf, 0, r);
		assert_int_equal(r[0] | r[1] | r[2] | r[3], 0);
	}
	uint64_t v;
	assert_int_equal(part_rdmsr(f->p, 0, HV_MSR_TIME_REF_COUNT, &v), -EINVAL);
	fx_free(f);
}

static void test_hvprof__ws2008r2__no_tsc_page_no_frequency_msrs(void **state)
{
	(void)state;
	struct fx *f = fx_new("ws2008r2", 1);
	uint64_t v;
	assert_int_equal(part_wrmsr(f->p, 0, HV_MSR_REFERENCE_TSC, FX_TSC_GPA | 1), -EINVAL);
	assert_int_equal(part_rdmsr(f->p, 0, HV_MSR_TSC_FREQUENCY, &v), -EINVAL);
	assert_int_equal(part_rdmsr(f->p, 0, HV_MSR_TIME_REF_COUNT, &v), 0);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hvprof__every_name__found),
		cmocka_unit_test(test_hvprof__releases__versions_as_shipped),
		cmocka_unit_test(test_hvprof__hyperv_cpuid__microsoft_hv_signature),
		cmocka_unit_test(test_hvprof__kvm_cpuid__other_vendor_no_hyperv_leaves),
		cmocka_unit_test(test_hvprof__none_cpuid__no_hypervisor_bit),
		cmocka_unit_test(test_hvprof__ws2008r2__no_tsc_page_no_frequency_msrs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
