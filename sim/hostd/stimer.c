/* stimer.c -- synthetic timers (STIMER0-3 per vCPU) and the partition's
 * reference time: arming, expiry in message or direct mode, held expiries
 * while the SINT slot is busy, and the earliest-deadline notifier.  Time
 * moves only through part_set_time(). */
#include "sim/hostd/partition_var.h"

#include <errno.h>
#include <string.h>

#include "sim/hostd/profile.h"

static unsigned stimer_sintx(uint64_t config)
{
	return (unsigned)((config & HV_STIMER_SINT_MASK) >> HV_STIMER_SINT_SHIFT);
}

static bool stimer_direct(uint64_t config)
{
	return config & HV_STIMER_DIRECT_MODE;
}

int stimer_held_for(const struct part_vcpu *v, uint32_t sint)
{
	for (unsigned i = 0; i < HV_STIMER_COUNT; i++) {
		const struct part_stimer *t = &v->vc_stimer[i];
		if (t->st_held && stimer_sintx(t->st_config) == sint)
			return (int)i;
	}
	return -1;
}

void stimer_held_message(const struct part *p, const struct part_vcpu *v, unsigned i,
			 struct hv_message *m)
{
	struct hv_timer_message_payload pl = {
		.timer_index = i,
		.expiration_time = v->vc_stimer[i].st_held_exp,
		.delivery_time = p->p_now,
	};
	memset(m, 0, sizeof *m);
	m->header.message_type = HVMSG_TIMER_EXPIRED;
	m->header.payload_size = sizeof pl;
	m->header.origination_id = 0;
	memcpy(m->payload, &pl, sizeof pl);
}

/* Next deadline of a periodic timer that expired at 'exp': one period
 * later, or one period from now if the driver skipped whole periods (no
 * burst of catch-up expiries). */
static uint64_t stimer_next_period(const struct part *p, uint64_t exp, uint64_t period)
{
	uint64_t next = exp > UINT64_MAX - period ? PART_NO_DEADLINE - 1 : exp + period;
	if (next <= p->p_now)
		next = p->p_now > UINT64_MAX - 1 - period ? PART_NO_DEADLINE - 1 : p->p_now + period;
	return next;
}

void stimer_held_delivered(struct part *p, struct part_vcpu *v, unsigned i)
{
	struct part_stimer *t = &v->vc_stimer[i];
	t->st_held = false;
	if ((t->st_config & HV_STIMER_ENABLE) && (t->st_config & HV_STIMER_PERIODIC))
		t->st_deadline = stimer_next_period(p, t->st_held_exp, t->st_count);
	stimer_deadline_update(p);
}

/* Timer i of v reached its deadline. */
static void stimer_expire(struct part *p, struct part_vcpu *v, unsigned i)
{
	struct part_stimer *t = &v->vc_stimer[i];
	uint64_t exp = t->st_deadline;
	bool periodic = t->st_config & HV_STIMER_PERIODIC;
	p->p_st.timer_expiries++;
	t->st_deadline = PART_NO_DEADLINE;
	if (!periodic)
		t->st_config &= ~HV_STIMER_ENABLE; /* one-shot: auto-disable */
	if (stimer_direct(t->st_config)) {
		if (p->p_out.irq)
			p->p_out.irq(p->p_arg, v->vc_index,
				     (uint8_t)((t->st_config & HV_STIMER_APIC_VECTOR_MASK) >>
					       HV_STIMER_APIC_VECTOR_SHIFT));
		if (periodic)
			t->st_deadline = stimer_next_period(p, exp, t->st_count);
		return;
	}
	/* Message mode: the expiry is held until the slot takes it; a
	 * periodic timer rearms only once its message is out. */
	t->st_held = true;
	t->st_held_exp = exp;
	synic_flush(p, v, stimer_sintx(t->st_config));
}

/* Arm an enabled timer from its count; fires at once if already due. */
static void stimer_arm(struct part *p, struct part_vcpu *v, unsigned i)
{
	struct part_stimer *t = &v->vc_stimer[i];
	if (t->st_config & HV_STIMER_PERIODIC)
		t->st_deadline = p->p_now > UINT64_MAX - 1 - t->st_count ? PART_NO_DEADLINE - 1
									 : p->p_now + t->st_count;
	else
		t->st_deadline = t->st_count; /* absolute; UINT64_MAX never fires */
	if (t->st_deadline != PART_NO_DEADLINE && t->st_deadline <= p->p_now)
		stimer_expire(p, v, i);
}

/* After a CONFIG or COUNT write: apply the enable rules and (re)arm. */
static void stimer_reprogram(struct part *p, struct part_vcpu *v, unsigned i)
{
	struct part_stimer *t = &v->vc_stimer[i];
	/* Reprogramming cancels an armed deadline and a held expiry (as KVM). */
	t->st_deadline = PART_NO_DEADLINE;
	t->st_held = false;
	if (t->st_count == 0)
		t->st_config &= ~HV_STIMER_ENABLE;
	else if (t->st_config & HV_STIMER_AUTOENABLE)
		t->st_config |= HV_STIMER_ENABLE;
	/* WDK: an enabled message-mode timer with SINTx 0 is disabled. */
	if (!stimer_direct(t->st_config) && stimer_sintx(t->st_config) == 0)
		t->st_config &= ~HV_STIMER_ENABLE;
	if (t->st_config & HV_STIMER_ENABLE)
		stimer_arm(p, v, i);
	stimer_deadline_update(p);
}

int stimer_rdmsr(struct part *p, struct part_vcpu *v, uint32_t msr, uint64_t *val)
{
	uint32_t off = msr - HV_MSR_STIMER0_CONFIG;
	if (msr < HV_MSR_STIMER0_CONFIG || off >= 2 * HV_STIMER_COUNT)
		return -EINVAL;
	const struct part_stimer *t = &v->vc_stimer[off / 2];
	*val = (off & 1) ? t->st_count : t->st_config;
	return 0;
}

int stimer_wrmsr(struct part *p, struct part_vcpu *v, uint32_t msr, uint64_t val)
{
	uint32_t off = msr - HV_MSR_STIMER0_CONFIG;
	if (msr < HV_MSR_STIMER0_CONFIG || off >= 2 * HV_STIMER_COUNT)
		return -EINVAL;
	unsigned i = off / 2;
	struct part_stimer *t = &v->vc_stimer[i];
	if (off & 1) {
		t->st_count = val; /* 0 stops and disables */
	} else {
		if (val & HV_STIMER_RSVD_MASK)
			return -EINVAL;
		if ((val & HV_STIMER_DIRECT_MODE) &&
		    !(p->p_prof->features_edx & HV_FEAT_EDX_STIMER_DIRECT_MODE))
			return -EINVAL;
		if ((val & HV_STIMER_DIRECT_MODE) && (val & HV_STIMER_ENABLE) &&
		    ((val & HV_STIMER_APIC_VECTOR_MASK) >> HV_STIMER_APIC_VECTOR_SHIFT) <
			    HV_SINT_VECTOR_MIN)
			return -EINVAL;
		t->st_config = val;
	}
	stimer_reprogram(p, v, i);
	return 0;
}

static uint64_t stimer_earliest(const struct part *p)
{
	uint64_t d = host_timer_earliest(p); /* host timers share the notifier */
	for (uint32_t vp = 0; vp < p->p_nvcpus; vp++)
		for (unsigned i = 0; i < HV_STIMER_COUNT; i++)
			if (p->p_vcpu[vp].vc_stimer[i].st_deadline < d)
				d = p->p_vcpu[vp].vc_stimer[i].st_deadline;
	return d;
}

void stimer_deadline_update(struct part *p)
{
	uint64_t d = stimer_earliest(p);
	if (d == p->p_notified_deadline)
		return;
	p->p_notified_deadline = d;
	if (p->p_out.deadline)
		p->p_out.deadline(p->p_arg, d);
}

uint64_t part_next_deadline(const struct part *p)
{
	return stimer_earliest(p);
}

uint64_t part_time(const struct part *p)
{
	return p->p_now;
}

void part_set_time(struct part *p, uint64_t ref_time)
{
	if (ref_time < p->p_now)
		return; /* reference time is monotonic */
	p->p_now = ref_time;
	/* Each timer fires at most once per call: a periodic deadline moves
	 * past now, a message-mode expiry parks until delivered. */
	for (uint32_t vp = 0; vp < p->p_nvcpus; vp++) {
		struct part_vcpu *v = &p->p_vcpu[vp];
		for (unsigned i = 0; i < HV_STIMER_COUNT; i++)
			if (v->vc_stimer[i].st_deadline != PART_NO_DEADLINE &&
			    v->vc_stimer[i].st_deadline <= p->p_now)
				stimer_expire(p, v, i);
	}
	host_timer_run(p);
	stimer_deadline_update(p);
}
