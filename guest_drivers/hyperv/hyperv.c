/* hyperv.c -- Hyper-V detection and platform set-up/teardown: CPUID
 * checks, guest OS id, hypercall page, per-vCPU SynIC, clock; and the
 * two hypercalls the VMBus driver needs (post message, signal event). */
#include <string.h>

#include "guest_drivers/hyperv/hyperv_var.h"

struct hyperv_softc hyperv_sc;

/* GUEST_OS_ID, open-source encoding (vmbus.md 2): bit 63 set, OS type 1
 * in [62:56] because these drivers make Linux's protocol choices and
 * hosts key some behaviour on the OS type; OS id 0x48 ('H') in [55:48]
 * is hvsim's own (Linux writes 0 there) so host traces can tell this
 * guest apart; version 0.1.0 in [47:16]; build 0. */
#define HYPERV_GUEST_OS_ID                                                    \
	(HV_GUEST_OS_ID_OPENSOURCE | ((uint64_t)HV_GUEST_OS_TYPE_LINUX << 56) | \
	 (0x48ull << 48) | (0x000100ull << 16))

static void cpuid(uint32_t leaf, uint32_t r[4])
{
	kern_cpuid(leaf, 0, r);
}

/* Fill 'info' from CPUID.  0 when this is Hyper-V with the privileges we
 * cannot do without, else -ENODEV. */
static int hyperv_detect(struct hyperv_info *info)
{
	uint32_t r[4];
	cpuid(1, r);
	info->hypervisor_bit = (r[2] & HV_CPUID_FEATURES_ECX_HYPERVISOR) != 0;
	if (!info->hypervisor_bit)
		return -ENODEV;
	cpuid(HV_CPUID_VENDOR_AND_MAX, r);
	info->max_leaf = r[0];
	memcpy(info->vendor + 0, &r[1], 4);
	memcpy(info->vendor + 4, &r[2], 4);
	memcpy(info->vendor + 8, &r[3], 4);
	info->vendor[12] = '\0';
	if (r[1] != HV_CPUID_VENDOR_EBX || r[2] != HV_CPUID_VENDOR_ECX ||
	    r[3] != HV_CPUID_VENDOR_EDX || info->max_leaf < HV_CPUID_IMPLEMENT_LIMITS)
		return -ENODEV;
	cpuid(HV_CPUID_INTERFACE, r);
	info->interface = r[0];
	if (r[0] != HV_CPUID_INTERFACE_HV1)
		return -ENODEV;
	cpuid(HV_CPUID_VERSION, r);
	info->build = r[0];
	info->ver_major = (uint16_t)(r[1] >> 16);
	info->ver_minor = (uint16_t)r[1];
	cpuid(HV_CPUID_FEATURES, r);
	info->features_eax = r[0];
	info->features_ebx = r[1];
	info->features_edx = r[3];
	cpuid(HV_CPUID_ENLIGHTENMENT_INFO, r);
	info->recommendations = r[0];
	/* Without the hypercall MSRs and the VP index there is no VMBus. */
	uint32_t need = HV_PRIV_HYPERCALL_REGS | HV_PRIV_VP_INDEX;
	if ((info->features_eax & need) != need)
		return -ENODEV;
	info->hyperv = true;
	return 0;
}

static int hypercall_page_init(struct hyperv_softc *sc)
{
	static const uint8_t intel[] = HV_HYPERCALL_PAGE_INTEL;
	static const uint8_t amd[] = HV_HYPERCALL_PAGE_AMD;
	uint64_t v;
	int err = kern_dma_alloc(1, &sc->hcpage);
	if (err)
		return err;
	if (kern_rdmsr(HV_MSR_HYPERCALL, &v) ||
	    kern_wrmsr(HV_MSR_HYPERCALL, (v & 0xFFCull) | sc->hcpage.gpa | HV_HYPERCALL_ENABLE)) {
		kern_dma_free(&sc->hcpage);
		return -EIO;
	}
	sc->hcpage_on = true;
	if (kern_rdmsr(HV_MSR_HYPERCALL, &v) || !(v & HV_HYPERCALL_ENABLE)) {
		kern_log(KERN_ERR, "hyperv", "hypercall page did not enable");
		return -EIO;
	}
	uint8_t head[4];
	memcpy(head, sc->hcpage.va, sizeof head);
	if (memcmp(head, intel, 4) && memcmp(head, amd, 4))
		kern_log(KERN_WARN, "hyperv", "hypercall page starts %02x %02x %02x %02x, not vmcall;ret",
			 head[0], head[1], head[2], head[3]);
	return 0;
}

static void hypercall_page_fini(struct hyperv_softc *sc)
{
	uint64_t v;
	if (sc->hcpage_on) {
		if (!kern_rdmsr(HV_MSR_HYPERCALL, &v))
			kern_wrmsr(HV_MSR_HYPERCALL, v & 0xFFCull);
		sc->hcpage_on = false;
	}
	kern_dma_free(&sc->hcpage);
}

static void hcin_fini(struct hyperv_softc *sc)
{
	for (uint32_t i = 0; i < sc->ncpus; i++) {
		kern_dma_free(&sc->cpu[i].hcin);
		kern_lock_destroy(sc->cpu[i].hcin_lock);
		sc->cpu[i].hcin_lock = NULL;
	}
}

static int hcin_init(struct hyperv_softc *sc)
{
	for (uint32_t i = 0; i < sc->ncpus; i++) {
		struct hyperv_cpu *c = &sc->cpu[i];
		c->hcin_lock = kern_lock_create("hyperv_hcin");
		if (!c->hcin_lock || kern_dma_alloc(1, &c->hcin)) {
			hcin_fini(sc);
			return -ENOMEM;
		}
	}
	return 0;
}

/* Undo whatever of the set-up is done, in reverse order; every step knows
 * from the softc whether it happened. */
static void hyperv_teardown(struct hyperv_softc *sc)
{
	hyperv_clock_fini(sc);
	kern_on_each_cpu(hyperv_synic_cpu_fini, sc);
	if (sc->intr_on) {
		kern_intr_unregister(HYPERV_SINT_VECTOR);
		sc->intr_on = false;
	}
	hcin_fini(sc);
	hypercall_page_fini(sc);
	if (sc->guest_os_id_on) {
		kern_wrmsr(HV_MSR_GUEST_OS_ID, 0);
		sc->guest_os_id_on = false;
	}
	sc->up = false;
}

int hyperv_init(struct hyperv_info *info)
{
	struct hyperv_softc *sc = &hyperv_sc;
	struct hyperv_info local;
	if (!info)
		info = &local;
	memset(info, 0, sizeof *info);
	if (sc->up)
		return -EBUSY;
	int err = hyperv_detect(info);
	if (err) {
		kern_log(KERN_INFO, "hyperv", "no Hyper-V (hypervisor bit %d, vendor \"%s\")",
			 info->hypervisor_bit, info->vendor);
		return err;
	}
	/* Consumers registered before init survive it; the rest is fresh. */
	struct hyperv_consumer keep[HV_SINT_COUNT];
	memcpy(keep, sc->sint, sizeof keep);
	memset(sc, 0, sizeof *sc);
	memcpy(sc->sint, keep, sizeof keep);
	sc->info = *info; /* the steps below read the CPUID answers from here */
	sc->ncpus = (uint32_t)kern_ncpus();
	if (sc->ncpus > HYPERV_MAX_CPUS)
		sc->ncpus = HYPERV_MAX_CPUS;
	sc->auto_eoi = !(info->recommendations & HV_REC_DEPRECATE_AUTO_EOI);
	sc->sint_mask = 1u << HV_SINT_VMBUS;

	info->guest_os_id = HYPERV_GUEST_OS_ID;
	if (kern_wrmsr(HV_MSR_GUEST_OS_ID, info->guest_os_id)) {
		err = -EIO;
		goto fail;
	}
	sc->guest_os_id_on = true;
	if ((err = hypercall_page_init(sc)))
		goto fail;
	info->hypercall_page = true;
	if ((err = hcin_init(sc)))
		goto fail;
	/* The handler goes in before any SINT is unmasked: a message that
	 * arrived first would otherwise be a spurious interrupt and sit in
	 * its slot for good. */
	if ((err = kern_intr_register(HYPERV_SINT_VECTOR, hyperv_isr, sc)))
		goto fail;
	sc->intr_on = true;
	if ((err = kern_on_each_cpu(hyperv_synic_cpu_init, sc)))
		goto fail;
	if ((err = hyperv_clock_init(sc)))
		goto fail;

	info->ncpus = sc->ncpus;
	for (uint32_t i = 0; i < sc->ncpus; i++) {
		struct hyperv_cpu *c = &sc->cpu[i];
		info->cpu[i].vp_index = c->vp_index;
		info->cpu[i].synic = c->scontrol_on;
		info->cpu[i].simp_gpa = c->simp.gpa;
		info->cpu[i].siefp_gpa = c->siefp.gpa;
		info->cpu[i].vector = HYPERV_SINT_VECTOR;
	}
	info->clock = sc->clock == HYPERV_CLOCK_TSC_PAGE ? "hyperv_tsc_page"
		    : sc->clock == HYPERV_CLOCK_REF_COUNT ? "hyperv_ref_count" : "runtime";
	info->tsc_hz = sc->info.tsc_hz;
	sc->info = *info;
	sc->up = true;
	kern_log(KERN_INFO, "hyperv", "Hyper-V %u.%u build %u, %u vCPUs, clock %s",
		 info->ver_major, info->ver_minor, info->build, sc->ncpus, info->clock);
	return 0;

fail:
	kern_log(KERN_ERR, "hyperv", "platform set-up failed (%d), undone", err);
	hyperv_teardown(sc);
	info->hypercall_page = false;
	return err;
}

void hyperv_fini(void)
{
	struct hyperv_softc *sc = &hyperv_sc;
	if (!sc->up)
		return;
	hyperv_teardown(sc);
	memset(sc->sint, 0, sizeof sc->sint);
}

bool hyperv_present(void)
{
	return hyperv_sc.up;
}

int hyperv_set_sint_handler(uint32_t sint, hyperv_msg_fn *msg, hyperv_event_fn *ev, void *arg)
{
	struct hyperv_softc *sc = &hyperv_sc;
	/* Only SINT2 is programmed (VMBus and the legacy stimer share it). */
	if (sint != HV_SINT_VMBUS)
		return -EINVAL;
	struct hyperv_consumer *h = &sc->sint[sint];
	if ((msg || ev) && (h->msg || h->ev))
		return -EBUSY;
	h->arg = arg;
	__atomic_store_n(&h->msg, msg, __ATOMIC_RELEASE);
	__atomic_store_n(&h->ev, ev, __ATOMIC_RELEASE);
	return 0;
}

uint16_t hyperv_post_message(uint32_t conn_id, uint32_t type, const void *payload, uint32_t len)
{
	struct hyperv_softc *sc = &hyperv_sc;
	if (!sc->up)
		return HV_STATUS_INVALID_PARTITION_STATE;
	if (len > HV_MESSAGE_PAYLOAD_BYTES || (len && !payload))
		return HV_STATUS_INVALID_PARAMETER;
	int cpu = kern_curcpu();
	if (cpu < 0 || (uint32_t)cpu >= sc->ncpus)
		cpu = 0;
	struct hyperv_cpu *c = &sc->cpu[cpu];
	kern_lock_acquire(c->hcin_lock);
	struct hv_input_post_message *in = c->hcin.va;
	/* Zero the whole block: nothing stale goes to the host. */
	memset(in, 0, sizeof *in);
	in->connection_id = conn_id;
	in->message_type = type;
	in->payload_size = len;
	if (len)
		memcpy(in->payload, payload, len);
	uint64_t r = kern_hypercall(HVCALL_POST_MESSAGE, c->hcin.gpa, 0);
	kern_lock_release(c->hcin_lock);
	return (uint16_t)(r & HV_HC_RESULT_STATUS_MASK);
}

uint16_t hyperv_signal_event(uint32_t conn_id, uint16_t flag)
{
	if (!hyperv_sc.up)
		return HV_STATUS_INVALID_PARTITION_STATE;
	uint64_t in = (uint64_t)conn_id | ((uint64_t)flag << 32);
	uint64_t r = kern_hypercall(HVCALL_SIGNAL_EVENT | HV_HC_FAST, in, 0);
	return (uint16_t)(r & HV_HC_RESULT_STATUS_MASK);
}

void hyperv_get_stats(int cpu, struct hyperv_stats *out)
{
	memset(out, 0, sizeof *out);
	if (cpu < 0 || cpu >= HYPERV_MAX_CPUS)
		return;
	const struct hyperv_stats *s = &hyperv_sc.cpu[cpu].stats;
	out->messages = KERN_READ_ONCE(s->messages);
	out->events = KERN_READ_ONCE(s->events);
	out->eoms = KERN_READ_ONCE(s->eoms);
	out->bad_messages = KERN_READ_ONCE(s->bad_messages);
	out->timer_messages = KERN_READ_ONCE(s->timer_messages);
}
