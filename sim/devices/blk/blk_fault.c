/* blk_fault.c -- fault-injecting wrapper: fail or delay the Nth I/O, optionally fail the disk for good. */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>

#include "sim/devices/blk/blk_var.h"

/*
 * Forwarded requests travel as a shadow request to the inner disk.  Held
 * (delayed) completions wait in fw_held until their CLOCK_MONOTONIC deadline;
 * a timerfd armed at the earliest deadline keeps the event fd honest.  The
 * event fd the owner sees is an epoll set over the inner disk's fd, our own
 * completion eventfd and the timerfd, so one fd covers all three.
 */
struct fw_shadow {
	struct blk_req s_req;
	struct blk_req *s_outer;
	struct blk *s_blk;
	uint64_t s_deadline;           /* 0: complete at once */
};

/* br_priv[] slots of a held outer request */
#define FW_PRIV_DEADLINE 2
#define FW_PRIV_ERR 3

struct blk_fw {
	struct blk *fw_inner;
	struct blk_fault fw_f;
	bool fw_armed;
	uint64_t fw_seen;              /* matching submits since arm */
	uint64_t fw_fired;
	struct blk_req *fw_held;       /* singly linked via br_next, any order */
	int fw_epfd, fw_tfd;
};

static const struct blk_ops blk_fw_ops;

static uint64_t fw_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void fw_rearm(struct blk_fw *fw)
{
	uint64_t first = 0;
	for (struct blk_req *r = fw->fw_held; r; r = r->br_next)
		if (!first || r->br_priv[FW_PRIV_DEADLINE] < first)
			first = r->br_priv[FW_PRIV_DEADLINE];
	struct itimerspec its = { 0 };
	if (first) {
		its.it_value.tv_sec = (time_t)(first / 1000000000ull);
		its.it_value.tv_nsec = (long)(first % 1000000000ull);
	}
	timerfd_settime(fw->fw_tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

static void fw_finish(struct blk *b, struct blk_req *outer, int err, uint64_t deadline)
{
	struct blk_fw *fw = b->b_be;
	if (deadline && deadline > fw_now()) {
		outer->br_priv[FW_PRIV_DEADLINE] = deadline;
		outer->br_priv[FW_PRIV_ERR] = (uint64_t)(int64_t)err;
		outer->br_next = fw->fw_held;
		fw->fw_held = outer;
		fw_rearm(fw);
		return;
	}
	blk_complete(b, outer, err);
}

static void fw_inner_done(struct blk_req *sr, int err)
{
	struct fw_shadow *s = sr->arg;
	struct blk *b = s->s_blk;
	struct blk_fw *fw = b->b_be;
	struct blk_req *outer = s->s_outer;
	uint64_t deadline = s->s_deadline;
	blk_free(s);
	if (blk_is_failed(fw->fw_inner))
		blk_mark_failed(b);
	fw_finish(b, outer, err, deadline);
}

static void fw_start(struct blk *b, struct blk_req *r)
{
	struct blk_fw *fw = b->b_be;
	const struct blk_fault *f = &fw->fw_f;
	bool fire = false;

	if (fw->fw_armed && (f->any_op || r->op == f->op)) {
		fw->fw_seen++;
		uint32_t count = f->count ? f->count : 1;
		if (fw->fw_seen >= f->nth && fw->fw_seen - f->nth < count)
			fire = true;
	}
	uint64_t deadline = 0;
	if (fire) {
		fw->fw_fired++;
		if (f->delay_ns)
			deadline = fw_now() + f->delay_ns;
		if (f->sticky)
			blk_mark_failed(b);
		if (f->err) {
			fw_finish(b, r, f->err, deadline);
			return;
		}
	}
	struct fw_shadow *s = blk_zalloc(sizeof *s);
	if (!s) {
		fw_finish(b, r, -EIO, deadline);
		return;
	}
	s->s_req.op = r->op;
	s->s_req.offset = r->offset;
	s->s_req.len = r->len;
	s->s_req.iov = r->iov;
	s->s_req.iovcnt = r->iovcnt;
	s->s_req.fua = r->fua;
	s->s_req.done = fw_inner_done;
	s->s_req.arg = s;
	s->s_outer = r;
	s->s_blk = b;
	s->s_deadline = deadline;
	int err = blk_submit(fw->fw_inner, &s->s_req);
	if (err) {
		blk_free(s);
		fw_finish(b, r, err, deadline);
	}
}

static void fw_poll(struct blk *b)
{
	struct blk_fw *fw = b->b_be;
	blk_poll(fw->fw_inner);
	uint64_t tok;
	ssize_t n = read(fw->fw_tfd, &tok, sizeof tok);
	(void)n;
	uint64_t now = fw_now();
	struct blk_req **pp = &fw->fw_held;
	while (*pp) {
		struct blk_req *r = *pp;
		if (r->br_priv[FW_PRIV_DEADLINE] <= now) {
			*pp = r->br_next;
			blk_complete(b, r, (int)(int64_t)r->br_priv[FW_PRIV_ERR]);
		} else {
			pp = &r->br_next;
		}
	}
	fw_rearm(fw);
}

static int fw_event_fd(const struct blk *b)
{
	const struct blk_fw *fw = b->b_be;
	return fw->fw_epfd;
}

static int fw_set_wce(struct blk *b, bool wce)
{
	struct blk_fw *fw = b->b_be;
	return blk_set_wce(fw->fw_inner, wce);
}

static void fw_free(struct blk_fw *fw)
{
	if (fw->fw_epfd >= 0)
		close(fw->fw_epfd);
	if (fw->fw_tfd >= 0)
		close(fw->fw_tfd);
	blk_free(fw);
}

static void fw_close(struct blk *b)
{
	struct blk_fw *fw = b->b_be;
	/* Inner completions (and cancellations) arrive through fw_inner_done. */
	blk_close(fw->fw_inner);
	while (fw->fw_held) {
		struct blk_req *r = fw->fw_held;
		fw->fw_held = r->br_next;
		blk_complete(b, r, (int)(int64_t)r->br_priv[FW_PRIV_ERR]);
	}
	fw_free(fw);
	b->b_be = NULL;
}

int blk_wrap_fault(struct blk *inner, struct blk **out)
{
	if (!inner || !out)
		return -EINVAL;
	struct blk_fw *fw = blk_zalloc(sizeof *fw);
	if (!fw)
		return -ENOMEM;
	fw->fw_inner = inner;
	fw->fw_tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	fw->fw_epfd = epoll_create1(EPOLL_CLOEXEC);
	int err = -ENOMEM;
	if (fw->fw_tfd < 0 || fw->fw_epfd < 0)
		goto fail_fw;
	struct blk_info info;
	blk_get_info(inner, &info);
	struct blk *b;
	err = blk_new(&blk_fw_ops, fw, &info, &b);
	if (err)
		goto fail_fw;
	int fds[3] = { blk_event_fd(inner), b->b_evfd, fw->fw_tfd };
	for (int i = 0; i < 3; i++) {
		struct epoll_event ev = { .events = EPOLLIN, .data.fd = fds[i] };
		if (fds[i] >= 0 && epoll_ctl(fw->fw_epfd, EPOLL_CTL_ADD, fds[i], &ev)) {
			err = -errno;
			/* b owns fw now; give inner back to the caller untouched */
			fw->fw_inner = NULL;
			fw_free(fw);
			close(b->b_evfd);
			pthread_mutex_destroy(&b->b_lock);
			blk_free(b);
			return err;
		}
	}
	*out = b;
	return 0;

fail_fw:
	fw_free(fw);
	return err;
}

int blk_fault_arm(struct blk *b, const struct blk_fault *f)
{
	if (!b || b->b_ops != &blk_fw_ops || !f || f->nth == 0)
		return -EINVAL;
	struct blk_fw *fw = b->b_be;
	fw->fw_f = *f;
	fw->fw_seen = 0;
	fw->fw_armed = true;
	return 0;
}

struct blk *blk_fault_inner(struct blk *b)
{
	if (!b || b->b_ops != &blk_fw_ops)
		return NULL;
	return ((struct blk_fw *)b->b_be)->fw_inner;
}

uint64_t blk_fault_fired(const struct blk *b)
{
	if (!b || b->b_ops != &blk_fw_ops)
		return 0;
	const struct blk_fw *fw = b->b_be;
	return fw->fw_fired;
}

static const struct blk_ops blk_fw_ops = {
	.name = "fault",
	.start = fw_start,
	.set_wce = fw_set_wce,
	.poll = fw_poll,
	.event_fd = fw_event_fd,
	.close = fw_close,
};
