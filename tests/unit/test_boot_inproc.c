/* test_boot_inproc.c -- boot the guest platform (hyperv_init) on the
 * in-process transport across host profiles and vCPU counts, and check
 * both what the guest reports and what the host partition now holds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "guest_drivers/hyperv/hyperv.h"
#include "guest_drivers/kern.h"
#include "hyperv/hv_tlfs.h"
#include "sim/guest/runtime.h"
#include "sim/guest/transport.h"
#include "sim/hostd/gmem.h"
#include "sim/hostd/partition.h"
#include "sim/hostd/profile.h"

#define MEM (16u << 20)

/* The transport's ops, wrapped to count the guest's MSR writes. */
static const struct gk_transport_ops *real_ops;
static struct gk_transport_ops counting_ops;
static int nwrmsr;

static int counting_wrmsr(struct gk_transport *t, uint32_t cpu, uint32_t msr, uint64_t val)
{
	nwrmsr++;
	return real_ops->wrmsr(t, cpu, msr, val);
}

struct bfx {
	struct gmem *gm;
	struct gk_transport *t;
	struct part *p;
	struct gk_runtime *rt;
};

static struct bfx *bfx_new(const char *profile, uint32_t ncpus)
{
	struct bfx *f = calloc(1, sizeof *f);
	assert_non_null(f);
	f->gm = gmem_create(MEM);
	assert_non_null(f->gm);
	f->t = gk_inproc_create(gmem_ptr(f->gm, 0, MEM), MEM, ncpus);
	assert_non_null(f->t);
	real_ops = f->t->ops;
	counting_ops = *real_ops;
	counting_ops.wrmsr = counting_wrmsr;
	f->t->ops = &counting_ops;
	nwrmsr = 0;
	struct part_config pc = { .profile = hv_profile_find(profile), .nvcpus = ncpus };
	assert_non_null(pc.profile);
	f->p = part_create(f->gm, &pc, gk_inproc_part_notify(), f->t);
	assert_non_null(f->p);
	gk_inproc_attach(f->t, f->p);
	struct gk_runtime_config rc = { .sched = GK_SCHED_INPROC, .seed = 3 };
	f->rt = gk_runtime_create(f->t, &rc);
	assert_non_null(f->rt);
	return f;
}

static void bfx_free(struct bfx *f)
{
	hyperv_fini();
	assert_int_equal(gk_dma_pages_used(), 0);
	gk_runtime_destroy(f->rt);
	part_destroy(f->p);
	f->t->ops = real_ops;
	f->t->ops->close(f->t);
	gmem_destroy(f->gm);
	free(f);
}

static bool never(void *arg)
{
	(void)arg;
	return false;
}

struct boot {
	struct hyperv_info info;
	int rc;
};

static int boot_fn(void *arg)
{
	struct boot *b = arg;
	b->rc = hyperv_init(&b->info);
	return b->rc;
}

static void boot_hyperv(const char *profile, uint32_t ncpus, bool tsc_page, bool auto_eoi)
{
	struct bfx *f = bfx_new(profile, ncpus);
	struct boot b;
	assert_int_equal(gk_runtime_call(f->rt, boot_fn, &b), 0);
	const struct hv_profile *prof = part_profile(f->p);
	struct hyperv_info *in = &b.info;
	assert_true(in->hypervisor_bit);
	assert_true(in->hyperv);
	assert_string_equal(in->vendor, "Microsoft Hv");
	assert_int_equal(in->interface, HV_CPUID_INTERFACE_HV1);
	assert_int_equal(in->max_leaf, prof->max_leaf);
	assert_int_equal(in->build, prof->build_number);
	assert_int_equal(in->features_eax, prof->features_eax);
	assert_true(in->hypercall_page);
	assert_int_equal(in->ncpus, ncpus);
	assert_true(hyperv_present());
	/* Open-source encoding, Linux OS type, hvsim's OS id 0x48. */
	assert_int_equal(in->guest_os_id >> 48, 0x8148);

	uint64_t v;
	assert_int_equal(part_rdmsr(f->p, 0, HV_MSR_GUEST_OS_ID, &v), 0);
	assert_int_equal(v, in->guest_os_id);
	assert_int_equal(part_rdmsr(f->p, 0, HV_MSR_HYPERCALL, &v), 0);
	assert_true(v & HV_HYPERCALL_ENABLE);
	for (uint32_t i = 0; i < ncpus; i++) {
		assert_int_equal(in->cpu[i].vp_index, i);
		assert_true(in->cpu[i].synic);
		assert_int_equal(in->cpu[i].vector, HYPERV_SINT_VECTOR);
		for (uint32_t j = 0; j < i; j++) {
			assert_int_not_equal(in->cpu[i].simp_gpa, in->cpu[j].simp_gpa);
			assert_int_not_equal(in->cpu[i].siefp_gpa, in->cpu[j].siefp_gpa);
		}
		struct synic_state ss;
		assert_int_equal(synic_get_state(f->p, i, &ss), 0);
		assert_true(ss.scontrol_enabled);
		assert_int_equal(ss.simp, in->cpu[i].simp_gpa | HV_OVERLAY_ENABLE);
		assert_int_equal(ss.siefp, in->cpu[i].siefp_gpa | HV_OVERLAY_ENABLE);
		assert_int_equal(ss.sint[HV_SINT_VMBUS],
				 HYPERV_SINT_VECTOR | (auto_eoi ? HV_SINT_AUTO_EOI : 0));
		for (uint32_t s = 0; s < HV_SINT_COUNT; s++)
			if (s != HV_SINT_VMBUS)
				assert_true(ss.sint[s] & HV_SINT_MASKED);
	}
	if (tsc_page) {
		assert_string_equal(in->clock, "hyperv_tsc_page");
		assert_int_equal(part_rdmsr(f->p, 0, HV_MSR_REFERENCE_TSC, &v), 0);
		assert_true(v & HV_OVERLAY_ENABLE);
	} else {
		assert_string_equal(in->clock, "hyperv_ref_count");
	}
	assert_string_equal(kern_clock_name(), in->clock);
	if (prof->features_eax & HV_PRIV_FREQUENCY_REGS)
		assert_int_equal(in->tsc_hz, part_tsc_hz(f->p));
	else
		assert_int_equal(in->tsc_hz, 0);

	/* One virtual millisecond later the guest clock moved 10000 units. */
	uint64_t before = hyperv_ref_time();
	assert_int_equal(kern_wait(NULL, never, NULL, 1000000), -ETIMEDOUT);
	uint64_t after = hyperv_ref_time();
	assert_true(after - before >= 9999 && after - before <= 10001);

	hyperv_fini();
	assert_false(hyperv_present());
	for (uint32_t i = 0; i < ncpus; i++) {
		struct synic_state ss;
		synic_get_state(f->p, i, &ss);
		assert_false(ss.scontrol_enabled);
		assert_int_equal(ss.simp & HV_OVERLAY_ENABLE, 0);
		assert_true(ss.sint[HV_SINT_VMBUS] & HV_SINT_MASKED);
	}
	assert_int_equal(part_rdmsr(f->p, 0, HV_MSR_GUEST_OS_ID, &v), 0);
	assert_int_equal(v, 0);
	assert_string_equal(kern_clock_name(), "runtime");
	bfx_free(f);
}

static void test_boot__ws2019_1cpu__platform_up_tsc_page(void **state)
{
	(void)state;
	boot_hyperv("ws2019", 1, true, true);
}

static void test_boot__ws2019_2cpus__synic_on_every_vcpu(void **state)
{
	(void)state;
	boot_hyperv("ws2019", 2, true, true);
}

static void test_boot__ws2019_4cpus__synic_on_every_vcpu(void **state)
{
	(void)state;
	boot_hyperv("ws2019", 4, true, true);
}

static void test_boot__ws2008r2_no_tsc_page_privilege__falls_back_to_ref_count(void **state)
{
	(void)state;
	const struct hv_profile *p = hv_profile_find("ws2008r2");
	assert_non_null(p);
	assert_int_equal(p->features_eax & HV_PRIV_REFERENCE_TSC, 0);
	boot_hyperv("ws2008r2", 2, false, true);
}

static void test_boot__ws2022_deprecates_auto_eoi__sint_without_auto_eoi(void **state)
{
	(void)state;
	boot_hyperv("ws2022", 2, true, false);
}

static void boot_not_hyperv(const char *profile, bool hv_bit, const char *vendor)
{
	struct bfx *f = bfx_new(profile, 2);
	struct boot b;
	assert_int_equal(gk_runtime_call(f->rt, boot_fn, &b), -ENODEV);
	assert_int_equal(b.info.hypervisor_bit, hv_bit);
	assert_string_equal(b.info.vendor, vendor);
	assert_false(b.info.hyperv);
	assert_false(hyperv_present());
	assert_int_equal(nwrmsr, 0);
	assert_int_equal(gk_dma_pages_used(), 0);
	assert_string_equal(kern_clock_name(), "runtime");
	bfx_free(f);
}

static void test_boot__kvm_profile__enodev_vendor_seen_no_msr_writes(void **state)
{
	(void)state;
	boot_not_hyperv("kvm", true, "KVMKVMKVM");
}

static void test_boot__none_profile__enodev_no_hypervisor_bit_no_msr_writes(void **state)
{
	(void)state;
	boot_not_hyperv("none", false, "");
}

static void test_boot__every_hyperv_profile__boots_on_2_cpus(void **state)
{
	(void)state;
	for (size_t i = 0; i < hv_profile_count(); i++) {
		const struct hv_profile *p = hv_profile_at(i);
		if (p->kind != HV_PROFILE_HYPERV)
			continue;
		boot_hyperv(p->name, 2, (p->features_eax & HV_PRIV_REFERENCE_TSC) != 0,
			    !(p->recommendations & HV_REC_DEPRECATE_AUTO_EOI));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_boot__ws2019_1cpu__platform_up_tsc_page),
		cmocka_unit_test(test_boot__ws2019_2cpus__synic_on_every_vcpu),
		cmocka_unit_test(test_boot__ws2019_4cpus__synic_on_every_vcpu),
		cmocka_unit_test(test_boot__ws2008r2_no_tsc_page_privilege__falls_back_to_ref_count),
		cmocka_unit_test(test_boot__ws2022_deprecates_auto_eoi__sint_without_auto_eoi),
		cmocka_unit_test(test_boot__kvm_profile__enodev_vendor_seen_no_msr_writes),
		cmocka_unit_test(test_boot__none_profile__enodev_no_hypervisor_bit_no_msr_writes),
		cmocka_unit_test(test_boot__every_hyperv_profile__boots_on_2_cpus),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
