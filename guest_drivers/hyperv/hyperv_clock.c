/* hyperv_clock.c -- the guest's clock on Hyper-V: reference TSC page read
 * with the sequence protocol, TIME_REF_COUNT as the fallback, and the TSC
 * frequency from its MSR (no legacy-timer calibration). */
#include "guest_drivers/hyperv/hyperv_var.h"

static uint64_t ref_count_msr(void)
{
	uint64_t v;
	return kern_rdmsr(HV_MSR_TIME_REF_COUNT, &v) ? 0 : v;
}

static uint32_t ld32(const void *p)
{
	return __atomic_load_n((const uint32_t *)p, __ATOMIC_ACQUIRE);
}

static uint64_t ld64(const void *p)
{
	return __atomic_load_n((const uint64_t *)p, __ATOMIC_RELAXED);
}

/* ReferenceTime = ((TSC * scale) >> 64) + offset (vmbus.md 4), read
 * between two equal non-zero sequence numbers; sequence 0 means the page
 * is invalid right now and the MSR is the source. */
static uint64_t tsc_page_read(const uint8_t *pg)
{
	for (int i = 0; i < HYPERV_TSC_RETRIES; i++) {
		uint32_t seq = ld32(pg + offsetof(struct hv_ref_tsc_page, tsc_sequence));
		if (seq == 0)
			break;
		uint64_t scale = ld64(pg + offsetof(struct hv_ref_tsc_page, tsc_scale));
		int64_t offset = (int64_t)ld64(pg + offsetof(struct hv_ref_tsc_page, tsc_offset));
		uint64_t tsc = kern_rdtsc();
		kern_rmb();
		if (ld32(pg + offsetof(struct hv_ref_tsc_page, tsc_sequence)) != seq)
			continue;
		uint64_t hi = (uint64_t)(((unsigned __int128)tsc * scale) >> 64);
		return hi + (uint64_t)offset;
	}
	return ref_count_msr();
}

uint64_t hyperv_ref_time(void)
{
	struct hyperv_softc *sc = &hyperv_sc;
	switch (sc->clock) {
	case HYPERV_CLOCK_TSC_PAGE:
		return tsc_page_read(sc->tscpage.va);
	case HYPERV_CLOCK_REF_COUNT:
		return ref_count_msr();
	case HYPERV_CLOCK_RUNTIME:
		break;
	}
	return kern_uptime_ns() / 100;
}

static uint64_t clock_read_ns(void *arg)
{
	(void)arg;
	uint64_t ref = hyperv_ref_time();
	return ref > UINT64_MAX / 100 ? UINT64_MAX : ref * 100;
}

int hyperv_clock_init(struct hyperv_softc *sc)
{
	uint32_t priv = sc->info.features_eax;
	uint64_t v;
	if (priv & HV_PRIV_FREQUENCY_REGS) {
		if (!kern_rdmsr(HV_MSR_TSC_FREQUENCY, &v))
			sc->info.tsc_hz = v;
	}
	if (priv & HV_PRIV_REFERENCE_TSC) {
		int err = kern_dma_alloc(1, &sc->tscpage);
		if (err)
			return err;
		if (kern_rdmsr(HV_MSR_REFERENCE_TSC, &v) ||
		    kern_wrmsr(HV_MSR_REFERENCE_TSC,
			       (v & 0xFFEull) | sc->tscpage.gpa | HV_OVERLAY_ENABLE)) {
			kern_dma_free(&sc->tscpage);
			return -EIO;
		}
		sc->tscpage_on = true;
		sc->clock = HYPERV_CLOCK_TSC_PAGE;
		kern_clock_register("hyperv_tsc_page", clock_read_ns, sc);
	} else if (priv & HV_PRIV_TIME_REF_COUNT) {
		sc->clock = HYPERV_CLOCK_REF_COUNT;
		kern_clock_register("hyperv_ref_count", clock_read_ns, sc);
	} else {
		sc->clock = HYPERV_CLOCK_RUNTIME;
	}
	return 0;
}

void hyperv_clock_fini(struct hyperv_softc *sc)
{
	uint64_t v;
	if (sc->clock != HYPERV_CLOCK_RUNTIME)
		kern_clock_register(NULL, NULL, NULL);
	sc->clock = HYPERV_CLOCK_RUNTIME;
	if (sc->tscpage_on && !kern_rdmsr(HV_MSR_REFERENCE_TSC, &v))
		kern_wrmsr(HV_MSR_REFERENCE_TSC, v & 0xFFEull);
	sc->tscpage_on = false;
	kern_dma_free(&sc->tscpage);
}
