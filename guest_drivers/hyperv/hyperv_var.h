/* hyperv_var.h -- internal state of the guest's Hyper-V platform driver,
 * shared by its files (detect/init, SynIC and ISR, clock, hypercalls). */
#ifndef GUEST_DRIVERS_HYPERV_HYPERV_VAR_H
#define GUEST_DRIVERS_HYPERV_HYPERV_VAR_H

#include "guest_drivers/hyperv/hyperv.h"
#include "guest_drivers/kern.h"
#include "hyperv/hv_tlfs.h"

/* Bounded retries of the TSC page sequence protocol before falling back
 * to the MSR: a host that rewrites the page forever must not hang us. */
#define HYPERV_TSC_RETRIES 64

struct hyperv_cpu {
	uint32_t vp_index;
	struct kern_dma simp, siefp;   /* SynIC overlay pages */
	struct kern_dma hcin;          /* hypercall input page */
	struct kern_lock *hcin_lock;   /* one user of the input page at a time */
	bool simp_on, siefp_on, sint_on, scontrol_on;
	struct hyperv_stats stats;
};

struct hyperv_consumer {
	hyperv_msg_fn   *msg;
	hyperv_event_fn *ev;
	void            *arg;
};

enum hyperv_clock_kind {
	HYPERV_CLOCK_RUNTIME,   /* nothing offered: the runtime's own clock */
	HYPERV_CLOCK_REF_COUNT, /* HV_MSR_TIME_REF_COUNT */
	HYPERV_CLOCK_TSC_PAGE,  /* reference TSC page, MSR when sequence is 0 */
};

struct hyperv_softc {
	bool up;
	struct hyperv_info info;
	uint32_t ncpus;
	bool auto_eoi;
	bool intr_on;
	bool guest_os_id_on;
	struct kern_dma hcpage;
	bool hcpage_on;
	enum hyperv_clock_kind clock;
	struct kern_dma tscpage;
	bool tscpage_on;
	uint16_t sint_mask;            /* SINTs whose slots the ISR scans */
	struct hyperv_consumer sint[HV_SINT_COUNT];
	struct hyperv_cpu cpu[HYPERV_MAX_CPUS];
};

extern struct hyperv_softc hyperv_sc;

/* hyperv_synic.c */
int  hyperv_synic_cpu_init(void *arg, int cpu);
int  hyperv_synic_cpu_fini(void *arg, int cpu);
void hyperv_isr(void *arg, int cpu, uint8_t vector);

/* hyperv_clock.c */
int  hyperv_clock_init(struct hyperv_softc *sc);
void hyperv_clock_fini(struct hyperv_softc *sc);

#endif /* GUEST_DRIVERS_HYPERV_HYPERV_VAR_H */
