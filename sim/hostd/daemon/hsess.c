/* hsess.c -- one hostd session: HELLO validation, resource creation, the
 * control-RPC dispatcher, doorbell delivery and the interrupt fast path. */
#include "sim/hostd/daemon/hsess_var.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "hyperv/hv_tlfs.h"
#include "sim/hostd/gmem.h"
#include "sim/hostd/partition.h"
#include "sim/hostd/profile.h"

const char *hsess_state_name(enum hsess_state st)
{
	switch (st) {
	case HSESS_AWAIT_HELLO: return "await-hello";
	case HSESS_READY: return "ready";
	case HSESS_FAILED: return "failed";
	}
	return "?";
}

static void hsess_log(const struct hsess *s, const char *fmt, const char *a)
{
	fprintf(stderr, "hvsim-hostd: %s: ", s->s_env.tag ? s->s_env.tag : "session");
	fprintf(stderr, fmt, a);
	fputc('\n', stderr);
}

static void hsess_set_state(struct hsess *s, enum hsess_state st)
{
	if (s->s_env.verbose >= 2)
		hsess_log(s, "state -> %s", hsess_state_name(st));
	s->s_state = st;
}

static uint64_t hsess_now(const struct hsess *s)
{
	if (s->s_env.now_ns)
		return s->s_env.now_ns(s->s_env.arg);
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

struct hsess *hsess_new(const struct hsess_env *env)
{
	struct hsess *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->s_env = *env;
	if (!s->s_env.max_mem_bytes || s->s_env.max_mem_bytes > CTL_MAX_MEM_BYTES)
		s->s_env.max_mem_bytes = CTL_MAX_MEM_BYTES;
	s->s_state = HSESS_AWAIT_HELLO;
	s->s_ctl_fd = -1;
	s->s_db_fd = -1;
	for (unsigned i = 0; i < CTL_MAX_VCPUS; i++)
		s->s_vcpu_fd[i] = -1;
	return s;
}

void hsess_free(struct hsess *s)
{
	if (!s)
		return;
	if (s->s_ext_attached && s->s_env.ext->detach)
		s->s_env.ext->detach(s->s_ext_ctx);
	part_destroy(s->s_part);
	gmem_destroy(s->s_gm);
	if (s->s_cp)
		munmap(s->s_cp, CTL_PAGE_BYTES);
	if (s->s_ctl_fd >= 0)
		close(s->s_ctl_fd);
	if (s->s_db_fd >= 0)
		close(s->s_db_fd);
	for (unsigned i = 0; i < CTL_MAX_VCPUS; i++)
		if (s->s_vcpu_fd[i] >= 0)
			close(s->s_vcpu_fd[i]);
	free(s);
}

enum hsess_state hsess_state(const struct hsess *s) { return s->s_state; }
int hsess_doorbell_fd(const struct hsess *s) { return s->s_db_fd; }
struct part *hsess_part(struct hsess *s) { return s->s_part; }
struct ctl_page *hsess_ctl_page(struct hsess *s) { return s->s_cp; }

/* Extension pumps per call: a pump that keeps saying "more" yields to the
 * loop and is kicked again instead of starving other sessions. */
#define HSESS_PUMP_ROUNDS 8

void hsess_pump(struct hsess *s)
{
	if (s->s_state != HSESS_READY || !s->s_ext_attached || !s->s_env.ext->pump)
		return;
	for (int i = 0; i < HSESS_PUMP_ROUNDS; i++)
		if (!s->s_env.ext->pump(s->s_ext_ctx))
			return;
	hsess_kick(s);
}

void hsess_kick(struct hsess *s)
{
	if (s->s_env.kick)
		s->s_env.kick(s->s_env.arg);
}
struct gmem *hsess_gmem(struct hsess *s) { return s->s_gm; }

bool hsess_wants_poll(struct hsess *s)
{
	const struct hsess_ext *ext = s->s_env.ext;
	if (s->s_state != HSESS_READY || !s->s_ext_attached || !ext->poll_ns)
		return false;
	return !ext->wants_poll || ext->wants_poll(s->s_ext_ctx);
}
uint64_t hsess_activity(struct hsess *s)
{
	const struct hsess_ext *ext = s->s_env.ext;
	if (s->s_state != HSESS_READY || !s->s_ext_attached || !ext->activity)
		return 0;
	return ext->activity(s->s_ext_ctx);
}
void *hsess_take_prepared(struct hsess *s)
{
	return s->s_env.take_prepared ? s->s_env.take_prepared(s->s_env.arg) : NULL;
}

void *hsess_ext_ctx(struct hsess *s) { return s->s_ext_attached ? s->s_ext_ctx : NULL; }

bool hsess_hello_info(const struct hsess *s, const char **profile, uint32_t *ncpus,
		      uint64_t *mem_bytes)
{
	if (s->s_state != HSESS_READY)
		return false;
	*profile = s->s_profile;
	*ncpus = s->s_ncpus;
	*mem_bytes = s->s_mem_bytes;
	return true;
}

/* ---- partition outputs ---------------------------------------------------- */

/* Set the vector's bit; kick the vCPU's eventfd only on the first bit since
 * the guest's last drain (ctl_proto.h). */
static void hsess_irq(void *arg, uint32_t vp, uint8_t vector)
{
	struct hsess *s = arg;
	if (vp >= s->s_ncpus || !s->s_cp)
		return;
	struct ctl_irq *ci = &s->s_cp->cp_irq[vp];
	__atomic_fetch_or(&ci->pending[vector / 64u], 1ull << (vector % 64u),
			  __ATOMIC_SEQ_CST);
	if (__atomic_exchange_n(&ci->kicked, 1u, __ATOMIC_SEQ_CST) == 0) {
		uint64_t one = 1;
		/* EAGAIN only when the counter is near 2^64: it is already set. */
		if (write(s->s_vcpu_fd[vp], &one, sizeof one) < 0 && errno != EAGAIN)
			hsess_log(s, "vcpu eventfd: %s", strerror(errno));
	}
}

static void hsess_deadline(void *arg, uint64_t ref_time)
{
	struct hsess *s = arg;
	uint64_t mono = UINT64_MAX;
	/* ref_time is in 100 ns units from s_origin_ns; saturate. */
	if (ref_time != UINT64_MAX && ref_time <= (UINT64_MAX - s->s_origin_ns) / 100u)
		mono = s->s_origin_ns + ref_time * 100u;
	if (s->s_env.deadline)
		s->s_env.deadline(s->s_env.arg, mono);
}

static void hsess_reset(void *arg)
{
	struct hsess *s = arg;
	if (s->s_env.verbose)
		hsess_log(s, "%s", "guest requested a partition reset");
}

static void hsess_trace(void *arg, const char *line)
{
	struct hsess *s = arg;
	if (s->s_env.verbose >= 2)
		hsess_log(s, "%s", line);
}

static const struct part_notify hsess_notify = {
	.irq = hsess_irq,
	.deadline = hsess_deadline,
	.reset = hsess_reset,
	.trace = hsess_trace,
};

void hsess_tick(struct hsess *s)
{
	if (s->s_state != HSESS_READY)
		return;
	uint64_t now = hsess_now(s);
	if (now > s->s_origin_ns)
		part_set_time(s->s_part, (now - s->s_origin_ns) / 100u);
}


/* ---- event ports and the doorbell valid bitmap ------------------------------ */

static void hsess_publish(struct hsess *s, uint32_t conn_id, bool valid)
{
	if (conn_id >= CTL_DB_CONNS)
		return;
	uint64_t bit = 1ull << (conn_id % 64u);
	uint32_t w = conn_id / 64u;
	if (valid) {
		s->s_db_valid[w] |= bit;
		__atomic_fetch_or(&s->s_cp->cp_db_valid[w], bit, __ATOMIC_SEQ_CST);
	} else {
		s->s_db_valid[w] &= ~bit;
		__atomic_fetch_and(&s->s_cp->cp_db_valid[w], ~bit, __ATOMIC_SEQ_CST);
	}
}

int hsess_event_port_add(struct hsess *s, uint32_t conn_id, uint16_t flag_count,
			 void (*signal)(void *arg, uint32_t vp, uint16_t flag),
			 void *arg)
{
	if (s->s_state != HSESS_READY)
		return -EINVAL;
	int rc = part_event_port_add(s->s_part, conn_id, flag_count, signal, arg);
	if (rc == 0 && flag_count > 0)
		hsess_publish(s, conn_id, true);
	return rc;
}

int hsess_event_port_remove(struct hsess *s, uint32_t conn_id)
{
	if (s->s_state != HSESS_READY)
		return -EINVAL;
	hsess_publish(s, conn_id, false);
	return part_port_remove(s->s_part, conn_id);
}

/* Echo ports only record the signal: a port callback runs inside the
 * hypercall and must not re-enter the partition. */
static void hsess_echo_signal(void *arg, uint32_t vp, uint16_t flag)
{
	struct hsess_echo *ep = arg;
	struct hsess *s = ep->ep_sess;
	s->s_echo_pending |= 1u << (uint32_t)(ep - s->s_echo);
}

static void hsess_echo_run(struct hsess *s)
{
	while (s->s_echo_pending) {
		unsigned i = (unsigned)__builtin_ctz(s->s_echo_pending);
		s->s_echo_pending &= ~(1u << i);
		struct hsess_echo *ep = &s->s_echo[i];
		(void)synic_signal(s->s_part, ep->ep_vp, ep->ep_sint, ep->ep_flag);
	}
}

static uint64_t hsess_signal_event(struct hsess *s, uint32_t vp, uint32_t conn_id)
{
	uint64_t rax = part_hypercall(s->s_part, vp,
				      HVCALL_SIGNAL_EVENT | HV_HC_FAST, conn_id, 0);
	hsess_echo_run(s);
	return rax;
}

void hsess_doorbell(struct hsess *s)
{
	if (s->s_state != HSESS_READY)
		return;
	uint64_t cnt;
	if (read(s->s_db_fd, &cnt, sizeof cnt) < 0 && errno != EAGAIN)
		hsess_log(s, "doorbell eventfd: %s", strerror(errno));
	hsess_tick(s);
	struct ctl_page *cp = s->s_cp;
	/* Clear the flag before taking the words: a signal after this point
	 * kicks again, one before it is in the words (ctl_proto.h). */
	__atomic_store_n(&cp->cp_db_kicked, 0u, __ATOMIC_SEQ_CST);
	for (uint32_t w = 0; w < CTL_DB_WORDS; w++) {
		if (!__atomic_load_n(&cp->cp_doorbell[w], __ATOMIC_RELAXED))
			continue;
		uint64_t bits = __atomic_exchange_n(&cp->cp_doorbell[w], 0,
						    __ATOMIC_SEQ_CST);
		/* Each iteration consumes one bit: at most 64 per word. */
		while (bits) {
			unsigned b = (unsigned)__builtin_ctzll(bits);
			bits &= bits - 1;
			uint32_t conn = w * 64u + b;
			if (!(s->s_db_valid[w] & (1ull << b))) {
				s->s_db_unknown++;
				continue;
			}
			if (!part_event_port_ok(s->s_part, conn, 0)) {
				/* The port went away behind our back: withdraw it,
				 * the guest's next signal takes the RPC and gets
				 * the real status. */
				hsess_publish(s, conn, false);
				s->s_db_unknown++;
				continue;
			}
			s->s_doorbells++;
			/* The doorbell does not say which vCPU rang: deliver as
			 * vCPU 0, as a guest with one signalling CPU would. */
			(void)hsess_signal_event(s, 0, conn);
		}
	}
	hsess_pump(s);
}

/* ---- HELLO ------------------------------------------------------------------ */

int hsess_parse_hello(const void *msg, size_t len, uint64_t max_mem,
		      struct ctl_hello *out)
{
	if (len != sizeof *out)
		return -EPROTO;
	memcpy(out, msg, sizeof *out);
	if (out->h.magic != CTL_MAGIC || out->h.type != CTL_HELLO ||
	    out->h.len != sizeof *out)
		return -EPROTO;
	if (out->version != CTL_PROTO_VERSION)
		return -EPROTONOSUPPORT;
	if (out->ncpus < 1 || out->ncpus > CTL_MAX_VCPUS || out->ncpus > PART_MAX_VCPUS)
		return -EINVAL;
	if (!max_mem || max_mem > CTL_MAX_MEM_BYTES)
		max_mem = CTL_MAX_MEM_BYTES;
	if (out->mem_bytes == 0 || out->mem_bytes % CTL_PAGE_SIZE ||
	    out->mem_bytes > max_mem)
		return -EINVAL;
	if (memchr(out->profile, '\0', sizeof out->profile) == NULL)
		return -EINVAL;
	if (!hv_profile_find(out->profile))
		return -ENOENT;
	return 0;
}

static int hsess_make_ctl(struct hsess *s)
{
	s->s_ctl_fd = memfd_create("hvsim-ctl", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (s->s_ctl_fd < 0)
		return -errno;
	if (ftruncate(s->s_ctl_fd, CTL_PAGE_BYTES) != 0 ||
	    fcntl(s->s_ctl_fd, F_ADD_SEALS,
		  F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0)
		return -errno;
	void *p = mmap(NULL, CTL_PAGE_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED,
		       s->s_ctl_fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	s->s_cp = p;
	return 0;
}

static int hsess_setup(struct hsess *s, const struct ctl_hello *hello)
{
	s->s_ncpus = hello->ncpus;
	memcpy(s->s_profile, hello->profile, sizeof s->s_profile);
	s->s_mem_bytes = hello->mem_bytes;
	s->s_gm = gmem_create(hello->mem_bytes);
	if (!s->s_gm)
		return errno ? -errno : -ENOMEM;
	int rc = hsess_make_ctl(s);
	if (rc)
		return rc;
	s->s_db_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s->s_db_fd < 0)
		return -errno;
	for (uint32_t i = 0; i < s->s_ncpus; i++) {
		s->s_vcpu_fd[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (s->s_vcpu_fd[i] < 0)
			return -errno;
	}
	s->s_origin_ns = hsess_now(s);
	struct part_config cfg = {
		.profile = hv_profile_find(hello->profile),
		.nvcpus = s->s_ncpus,
		.tsc_hz = 0,
	};
	s->s_part = part_create(s->s_gm, &cfg, &hsess_notify, s);
	if (!s->s_part)
		return errno ? -errno : -ENOMEM;
	struct ctl_page *cp = s->s_cp;
	cp->cp_magic = CTL_MAGIC;
	cp->cp_version = CTL_PROTO_VERSION;
	cp->cp_ncpus = s->s_ncpus;
	cp->cp_origin_ns = s->s_origin_ns;
	cp->cp_tsc_hz = part_tsc_hz(s->s_part);
	const struct hsess_ext *ext = s->s_env.ext;
	if (ext && ext->attach) {
		/* READY for the attach so it may add ports through hsess_*. */
		s->s_state = HSESS_READY;
		rc = ext->attach(s, ext->arg, &s->s_ext_ctx);
		s->s_state = HSESS_AWAIT_HELLO;
		if (rc)
			return rc;
		s->s_ext_attached = true;
	}
	return 0;
}

static void hsess_reply_hdr(struct ctl_hdr *h, const struct ctl_hdr *req, size_t len)
{
	h->magic = CTL_MAGIC;
	h->type = (uint16_t)(req->type | CTL_REPLY);
	h->len = (uint16_t)len;
	h->seq = req->seq;
	h->cpu = req->cpu;
}

static int hsess_hello(struct hsess *s, const void *msg, size_t len,
		       struct hsess_out *out)
{
	struct ctl_hello hello;
	int rc = hsess_parse_hello(msg, len, s->s_env.max_mem_bytes, &hello);
	if (rc == -EPROTO)
		return rc;
	if (rc == 0 && s->s_env.admit && !s->s_env.admit(s->s_env.arg))
		rc = -EBUSY;
	if (rc == 0)
		rc = hsess_setup(s, &hello);
	struct ctl_hello_reply rep;
	memset(&rep, 0, sizeof rep);
	hsess_reply_hdr(&rep.h, &hello.h, sizeof rep);
	rep.status = rc;
	if (rc == 0) {
		rep.nfds = CTL_FD_VCPU0 + s->s_ncpus;
		rep.mem_bytes = gmem_size(s->s_gm);
		rep.ctl_bytes = CTL_PAGE_BYTES;
		rep.tsc_hz = part_tsc_hz(s->s_part);
		out->fds[CTL_FD_MEM] = gmem_fd(s->s_gm);
		out->fds[CTL_FD_CTLPAGE] = s->s_ctl_fd;
		out->fds[CTL_FD_DOORBELL] = s->s_db_fd;
		for (uint32_t i = 0; i < s->s_ncpus; i++)
			out->fds[CTL_FD_VCPU0 + i] = s->s_vcpu_fd[i];
		out->nfds = rep.nfds;
		hsess_set_state(s, HSESS_READY);
		if (s->s_env.verbose) {
			char line[128];
			snprintf(line, sizeof line, "guest up: profile %s, %u vCPUs, %llu MiB",
				 hello.profile, hello.ncpus,
				 (unsigned long long)(hello.mem_bytes >> 20));
			hsess_log(s, "%s", line);
		}
	} else {
		hsess_log(s, "HELLO refused: %s", strerror(-rc));
		hsess_set_state(s, HSESS_FAILED);
	}
	memcpy(out->buf, &rep, sizeof rep);
	out->len = sizeof rep;
	return 0;
}

/* ---- RPCs ------------------------------------------------------------------- */

typedef void hsess_rpc_fn(struct hsess *s, const struct ctl_req *rq, struct ctl_rep *rp);

static void rpc_cpuid(struct hsess *s, const struct ctl_req *rq, struct ctl_rep *rp)
{
	if (rq->a[0] > UINT32_MAX || rq->a[1] > UINT32_MAX) {
		rp->status = -EINVAL;
		return;
	}
	uint32_t regs[4] = { 0, 0, 0, 0 };
	part_cpuid(s->s_part, rq->h.cpu, (uint32_t)rq->a[0], (uint32_t)rq->a[1], regs);
	for (int i = 0; i < 4; i++)
		rp->v[i] = regs[i];
}

static void rpc_rdmsr(struct hsess *s, const struct ctl_req *rq, struct ctl_rep *rp)
{
	if (rq->a[0] > UINT32_MAX) {
		rp->status = -EINVAL;
		return;
	}
	rp->status = part_rdmsr(s->s_part, rq->h.cpu, (uint32_t)rq->a[0], &rp->v[0]);
}

static void rpc_wrmsr(struct hsess *s, const struct ctl_req *rq, struct ctl_rep *rp)
{
	if (rq->a[0] > UINT32_MAX) {
		rp->status = -EINVAL;
		return;
	}
	rp->status = part_wrmsr(s->s_part, rq->h.cpu, (uint32_t)rq->a[0], rq->a[1]);
	/* A SINT unmask or EOM may have delivered: nothing else to do here,
	 * interrupts went out through hsess_irq. */
}

static void rpc_hypercall(struct hsess *s, const struct ctl_req *rq, struct ctl_rep *rp)
{
	rp->v[0] = part_hypercall(s->s_part, rq->h.cpu, rq->a[0], rq->a[1], rq->a[2]);
	hsess_echo_run(s);
	/* A fast HvSignalEvent that worked names an event port: give the
	 * guest the doorbell for it from now on. */
	if (rq->a[0] == (HVCALL_SIGNAL_EVENT | HV_HC_FAST) && rq->a[1] < CTL_DB_CONNS &&
	    (rp->v[0] & HV_HC_RESULT_STATUS_MASK) == HV_STATUS_SUCCESS &&
	    part_event_port_ok(s->s_part, (uint32_t)rq->a[1], 0))
		hsess_publish(s, (uint32_t)rq->a[1], true);
}

/* Port I/O: the partition's traps (the emulated IDE disk); unclaimed
 * ports read all ones and drop writes. */
static void rpc_pio_read(struct hsess *s, const struct ctl_req *rq, struct ctl_rep *rp)
{
	if (rq->a[0] > 0xFFFF || (rq->a[1] != 1 && rq->a[1] != 2 && rq->a[1] != 4)) {
		rp->status = -EINVAL;
		return;
	}
	rp->v[0] = part_pio_read(s->s_part, rq->h.cpu, (uint16_t)rq->a[0], (unsigned)rq->a[1]);
}

static void rpc_pio_write(struct hsess *s, const struct ctl_req *rq, struct ctl_rep *rp)
{
	if (rq->a[0] > 0xFFFF || (rq->a[1] != 1 && rq->a[1] != 2 && rq->a[1] != 4)) {
		rp->status = -EINVAL;
		return;
	}
	part_pio_write(s->s_part, rq->h.cpu, (uint16_t)rq->a[0], (unsigned)rq->a[1], (uint32_t)rq->a[2]);
}

static void rpc_stats(struct hsess *s, const struct ctl_req *rq, struct ctl_rep *rp)
{
	if (rq->a[0] == 0) {
		if (s->s_env.stats)
			s->s_env.stats(s->s_env.arg, rp->v);
	} else if (rq->a[0] == 1 && s->s_state == HSESS_READY) {
		struct part_stats ps;
		part_get_stats(s->s_part, &ps);
		rp->v[CTL_STAT_DOORBELLS] = s->s_doorbells;
		rp->v[CTL_STAT_DB_UNKNOWN] = s->s_db_unknown;
		rp->v[CTL_STAT_HYPERCALLS] = ps.hypercalls;
		rp->v[CTL_STAT_EVENTS] = ps.events_signalled;
	} else {
		rp->status = -EINVAL;
	}
}

static void rpc_echo_port(struct hsess *s, const struct ctl_req *rq, struct ctl_rep *rp)
{
	if (!s->s_env.test_hooks) {
		rp->status = -EPERM;
		return;
	}
	if (s->s_necho >= HSESS_MAX_ECHO) {
		rp->status = -ENOSPC;
		return;
	}
	if (rq->a[0] > 0xFFFFFF || rq->a[1] >= s->s_ncpus || rq->a[2] >= 16 ||
	    rq->a[3] >= 2048) {
		rp->status = -EINVAL;
		return;
	}
	struct hsess_echo *ep = &s->s_echo[s->s_necho];
	ep->ep_sess = s;
	ep->ep_conn = (uint32_t)rq->a[0];
	ep->ep_vp = (uint32_t)rq->a[1];
	ep->ep_sint = (uint32_t)rq->a[2];
	ep->ep_flag = (uint32_t)rq->a[3];
	rp->status = hsess_event_port_add(s, ep->ep_conn, 1, hsess_echo_signal, ep);
	if (rp->status == 0)
		s->s_necho++;
}

/* Dispatch table: RPCs need HSESS_READY unless 'pre_hello'; 'per_cpu'
 * ones need a valid vCPU in the header. */
static const struct {
	const char   *name;
	bool          per_cpu;
	bool          pre_hello;
	hsess_rpc_fn *fn;
} hsess_rpcs[CTL_TYPE_COUNT] = {
	[CTL_CPUID]     = { "cpuid", true, false, rpc_cpuid },
	[CTL_RDMSR]     = { "rdmsr", true, false, rpc_rdmsr },
	[CTL_WRMSR]     = { "wrmsr", true, false, rpc_wrmsr },
	[CTL_HYPERCALL] = { "hypercall", true, false, rpc_hypercall },
	[CTL_PIO_READ]  = { "pio-read", true, false, rpc_pio_read },
	[CTL_PIO_WRITE] = { "pio-write", true, false, rpc_pio_write },
	[CTL_STATS]     = { "stats", false, true, rpc_stats },
	[CTL_ECHO_PORT] = { "echo-port", false, false, rpc_echo_port },
};

int hsess_input(struct hsess *s, const void *msg, size_t len, struct hsess_out *out)
{
	out->len = 0;
	out->nfds = 0;
	if (s->s_state == HSESS_FAILED)
		return -EPIPE;
	struct ctl_hdr h;
	if (len < sizeof h)
		return -EPROTO;
	memcpy(&h, msg, sizeof h);
	size_t want = ctl_msg_len(h.type);
	if (h.magic != CTL_MAGIC || (h.type & CTL_REPLY) || want == 0 ||
	    want != len || h.len != len)
		return -EPROTO;
	if (h.type == CTL_HELLO) {
		if (s->s_state != HSESS_AWAIT_HELLO)
			return -EPROTO;
		return hsess_hello(s, msg, len, out);
	}
	if (!hsess_rpcs[h.type].fn ||
	    (s->s_state != HSESS_READY && !hsess_rpcs[h.type].pre_hello))
		return -EPROTO;
	struct ctl_req rq;
	memcpy(&rq, msg, sizeof rq);
	if (hsess_rpcs[h.type].per_cpu && rq.h.cpu >= s->s_ncpus)
		return -EPROTO;
	struct ctl_rep rp;
	memset(&rp, 0, sizeof rp);
	hsess_reply_hdr(&rp.h, &rq.h, sizeof rp);
	hsess_tick(s);
	hsess_rpcs[h.type].fn(s, &rq, &rp);
	hsess_pump(s);
	memcpy(out->buf, &rp, sizeof rp);
	out->len = sizeof rp;
	return 0;
}
