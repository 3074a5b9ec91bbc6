/* partition.c -- partition lifetime, vCPU lookup, message/event ports,
 * counters, traces and the allocation hook the host core allocates through. */
#include "sim/hostd/partition_var.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/hostd/profile.h"

/* ---- allocation hook ------------------------------------------------------ */

static long part_fail_countdown = -1; /* -1: never fail */

void part_alloc_fail_after(long n)
{
	part_fail_countdown = n < 0 ? -1 : n;
}

void *part_zalloc(size_t size)
{
	if (part_fail_countdown == 0)
		return NULL;
	if (part_fail_countdown > 0)
		part_fail_countdown--;
	return calloc(1, size ? size : 1);
}

void part_free(void *ptr)
{
	free(ptr);
}

/* ---- lifetime -------------------------------------------------------------- */

struct part *part_create(struct gmem *gm, const struct part_config *cfg,
			 const struct part_notify *out, void *arg)
{
	if (!gm || !cfg || !cfg->profile || cfg->nvcpus == 0 || cfg->nvcpus > PART_MAX_VCPUS ||
	    (cfg->tsc_hz != 0 && cfg->tsc_hz < PART_REF_HZ)) {
		/* A TSC slower than the 10 MHz reference clock would need a
		 * TscScale >= 2^64. */
		errno = EINVAL;
		return NULL;
	}
	struct part *p = part_zalloc(sizeof *p);
	if (!p)
		goto fail;
	p->p_vcpu = part_zalloc(sizeof *p->p_vcpu * cfg->nvcpus);
	if (!p->p_vcpu)
		goto fail_part;
	p->p_gm = gm;
	p->p_prof = cfg->profile;
	if (out)
		p->p_out = *out;
	p->p_arg = arg;
	p->p_nvcpus = cfg->nvcpus;
	p->p_tsc_hz = cfg->tsc_hz ? cfg->tsc_hz : PART_DEFAULT_TSC_HZ;
	p->p_notified_deadline = PART_NO_DEADLINE;
	for (uint32_t i = 0; i < cfg->nvcpus; i++) {
		struct part_vcpu *v = &p->p_vcpu[i];
		v->vc_index = i;
		/* SCONTROL resets to 0 per TLFS (OVMM uses 1; vmbus.md
		 * section 10 item 4); every guest we know writes it. */
		for (unsigned s = 0; s < HV_SINT_COUNT; s++)
			v->vc_sint[s] = HV_SINT_RESET_VALUE;
		for (unsigned t = 0; t < HV_STIMER_COUNT; t++)
			v->vc_stimer[t].st_deadline = PART_NO_DEADLINE;
	}
	return p;

fail_part:
	part_free(p);
fail:
	errno = ENOMEM;
	return NULL;
}

void part_destroy(struct part *p)
{
	if (!p)
		return;
	host_timer_detach_all(p);
	part_pio_free(p);
	for (uint32_t i = 0; i < p->p_nvcpus; i++)
		for (unsigned s = 0; s < HV_SINT_COUNT; s++)
			part_free(p->p_vcpu[i].vc_q[s].sq_msgs);
	for (uint32_t i = 0; i < p->p_nports; i++)
		part_free(p->p_ports[i]);
	part_free(p->p_ports);
	part_free(p->p_vcpu);
	part_free(p);
}

uint32_t part_nvcpus(const struct part *p)
{
	return p->p_nvcpus;
}

const struct hv_profile *part_profile(const struct part *p)
{
	return p->p_prof;
}

struct part_vcpu *part_vcpu_get(struct part *p, uint32_t vp)
{
	return vp < p->p_nvcpus ? &p->p_vcpu[vp] : NULL;
}

bool part_is_hyperv(const struct part *p)
{
	return p->p_prof->kind == HV_PROFILE_HYPERV;
}

void part_trace(const struct part *p, const char *fmt, ...)
{
	if (!p->p_out.trace)
		return;
	char line[192];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	p->p_out.trace(p->p_arg, line);
}

void part_get_stats(const struct part *p, struct part_stats *out)
{
	*out = p->p_st;
}

/* ---- ports ------------------------------------------------------------------ */

/* Index of the first port with pt_conn >= conn_id. */
static uint32_t part_port_lower_bound(const struct part *p, uint32_t conn_id)
{
	uint32_t lo = 0, hi = p->p_nports;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (p->p_ports[mid]->pt_conn < conn_id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct part_port *part_port_find(struct part *p, uint32_t conn_id)
{
	uint32_t i = part_port_lower_bound(p, conn_id);
	return i < p->p_nports && p->p_ports[i]->pt_conn == conn_id ? p->p_ports[i] : NULL;
}

static int part_port_insert(struct part *p, struct part_port *port)
{
	uint32_t i = part_port_lower_bound(p, port->pt_conn);
	if (i < p->p_nports && p->p_ports[i]->pt_conn == port->pt_conn)
		return -EEXIST;
	if (p->p_nports >= PART_MAX_PORTS)
		return -ENOSPC;
	if (p->p_nports == p->p_ports_cap) {
		uint32_t cap = p->p_ports_cap ? p->p_ports_cap * 2 : 8;
		struct part_port **n = part_zalloc(sizeof *n * cap);
		if (!n)
			return -ENOMEM;
		if (p->p_nports)
			memcpy(n, p->p_ports, sizeof *n * p->p_nports);
		part_free(p->p_ports);
		p->p_ports = n;
		p->p_ports_cap = cap;
	}
	memmove(&p->p_ports[i + 1], &p->p_ports[i], sizeof *p->p_ports * (p->p_nports - i));
	p->p_ports[i] = port;
	p->p_nports++;
	return 0;
}

static int part_port_add(struct part *p, struct part_port *tmpl)
{
	if (tmpl->pt_conn > HV_CONNECTION_ID_MASK)
		return -EINVAL;
	if (part_port_find(p, tmpl->pt_conn))
		return -EEXIST;
	if (p->p_nports >= PART_MAX_PORTS)
		return -ENOSPC;
	struct part_port *port = part_zalloc(sizeof *port);
	if (!port)
		return -ENOMEM;
	*port = *tmpl;
	int rc = part_port_insert(p, port);
	if (rc != 0)
		part_free(port);
	return rc;
}

int part_msg_port_add(struct part *p, uint32_t conn_id, void (*ready)(void *arg), void *arg)
{
	struct part_port t = { .pt_conn = conn_id, .pt_kind = PART_PORT_MSG,
			       .pt_ready = ready, .pt_arg = arg };
	return part_port_add(p, &t);
}

int part_event_port_add(struct part *p, uint32_t conn_id, uint16_t flag_count,
			void (*signal)(void *arg, uint32_t vp, uint16_t flag), void *arg)
{
	if (flag_count == 0)
		return -EINVAL;
	struct part_port t = { .pt_conn = conn_id, .pt_kind = PART_PORT_EVENT,
			       .pt_flag_count = flag_count, .pt_signal = signal,
			       .pt_arg = arg };
	return part_port_add(p, &t);
}

int part_port_remove(struct part *p, uint32_t conn_id)
{
	uint32_t i = part_port_lower_bound(p, conn_id);
	if (i >= p->p_nports || p->p_ports[i]->pt_conn != conn_id)
		return -ENOENT;
	part_free(p->p_ports[i]); /* queued messages go with it */
	memmove(&p->p_ports[i], &p->p_ports[i + 1], sizeof *p->p_ports * (p->p_nports - i - 1));
	p->p_nports--;
	return 0;
}

bool part_event_port_ok(const struct part *p, uint32_t conn_id, uint16_t flag)
{
	struct part_port *port = part_port_find((struct part *)p, conn_id);
	return port && port->pt_kind == PART_PORT_EVENT && flag < port->pt_flag_count;
}

int part_port_recv(struct part *p, uint32_t conn_id, struct part_posted_msg *out)
{
	struct part_port *port = part_port_find(p, conn_id);
	if (!port || port->pt_kind != PART_PORT_MSG)
		return -ENOENT;
	if (port->pt_count == 0)
		return -EAGAIN;
	*out = port->pt_q[port->pt_head];
	port->pt_head = (port->pt_head + 1) % PART_PORT_QUEUE_DEPTH;
	port->pt_count--;
	return 0;
}

int part_port_queued(const struct part *p, uint32_t conn_id)
{
	struct part_port *port = part_port_find((struct part *)p, conn_id);
	if (!port || port->pt_kind != PART_PORT_MSG)
		return -ENOENT;
	return (int)port->pt_count;
}
