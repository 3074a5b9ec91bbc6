/* drill_io.c -- the disk + network load of a drill guest (DR_WORK_IO):
 * devices asked of hvsim-hostd by pid before HELLO (guest.devices), then a
 * stream of storvsc reads and writes (IO_DEPTH always in flight, each
 * completion checked against a per-block model of what this session wrote
 * and put out again) on a memory-disk LUN, while the worker's rounds send
 * UDP echoes through hn to the built-in peer and collect the stream's
 * verdict.  Counters and the in-flight count go
 * to the worker's shared slot so the drill can see what a kill caught. */
#include "tests/drills/drill.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "guest_drivers/kern.h"
#include "guest_drivers/storvsc/storvsc.h"
#include "sim/guest/guest_actions.h"
#include "sim/guest/guest_net.h"
#include "sim/guest/guest_vmbus.h"
#include "sim/guest/runtime.h"

#define IO_BS       512u
#define IO_SLOT     8u               /* one I/O covers 1..8 blocks of one slot */
#define IO_DEPTH    8u               /* requests always in flight */
#define IO_MAGIC    0x4452494f4c4f4144ull
#define IO_WAIT_NS  (10ull * 1000000000ull)
#define PEER_IP     0x0a000001u      /* the built-in peer (devspec default) */
#define GUEST_IP    0x0a000002u

/* Default devices: one NIC on the peer, one 2 MiB memory-disk LUN (small,
 * so the steady guests' disks are all touched early and the daemon's RSS
 * after the kills says something). */
const char dr_io_devices_default[] =
	"{\"nics\":[{\"backend\":\"peer\"}],\"scsi\":{\"luns\":[{\"lun\":0,\"size_mb\":2}]}}";

/* One session's guest state (one runtime per process, so one of these). */
static struct {
	struct dr_slot *s;
	struct kern_waitq *wq;
	struct storvsc_disk *disk;
	uint64_t nblocks;
	uint32_t *model;               /* gen last written per block, 0 = zeros */
	uint32_t gen;
	struct storvsc_bio bio[IO_DEPTH];
	uint32_t bgen[IO_DEPTH];
	uint64_t bslot[IO_DEPTH];      /* the slot each bio covers (UINT64_MAX: idle) */
	uint8_t *buf[IO_DEPTH];
	unsigned pending;
	bool stopping;
	int first_err;                 /* of the stream, reported by the next round */
	bool net;
} io;

static void io_fill(uint8_t *b, uint64_t lba, uint32_t gen)
{
	uint64_t h[3] = { IO_MAGIC, lba, gen };
	memcpy(b, h, sizeof h);
	memset(b + sizeof h, (int)(uint8_t)(gen ^ lba), IO_BS - sizeof h);
}

static bool io_block_ok(const uint8_t *b, uint64_t lba, uint32_t gen)
{
	static const uint8_t zero[IO_BS];
	if (!gen)
		return memcmp(b, zero, IO_BS) == 0;
	uint8_t want[IO_BS];
	io_fill(want, lba, gen);
	return memcmp(b, want, IO_BS) == 0;
}

static void io_done(struct storvsc_bio *b, int err);

/* Put bio i out again on a slot no other bio in flight covers, so the
 * model stays exact.  0, or submit's rejection (then i is idle). */
static int io_issue(unsigned i)
{
	uint64_t nslots = io.nblocks / IO_SLOT, sl;
	bool busy;
	io.bslot[i] = UINT64_MAX;
	do {
		sl = dr_rand(nslots);
		busy = false;
		for (unsigned j = 0; j < IO_DEPTH; j++)
			busy |= io.bslot[j] == sl;
	} while (busy);
	io.bslot[i] = sl;
	uint32_t n = 1 + (uint32_t)dr_rand(IO_SLOT);
	uint64_t lba = sl * IO_SLOT + dr_rand(IO_SLOT - n + 1);
	bool wr = dr_rand(2) == 0;
	struct storvsc_bio *b = &io.bio[i];
	io.bgen[i] = 0;
	if (wr) {
		io.bgen[i] = ++io.gen;
		for (uint32_t j = 0; j < n; j++)
			io_fill(io.buf[i] + j * IO_BS, lba + j, io.bgen[i]);
	} else {
		memset(io.buf[i], 0xEE, IO_SLOT * IO_BS);
	}
	*b = (struct storvsc_bio){ .op = wr ? STORVSC_OP_WRITE : STORVSC_OP_READ, .lba = lba,
				   .nblocks = n, .buf = io.buf[i], .fua = wr && dr_rand(4) == 0,
				   .done = io_done };
	io.pending++;
	__atomic_fetch_add(&io.s->io_inflight, 1, __ATOMIC_SEQ_CST);
	int rc = storvsc_disk_submit(io.disk, b);
	if (rc) {
		io.pending--;
		__atomic_fetch_sub(&io.s->io_inflight, 1, __ATOMIC_SEQ_CST);
		io.bslot[i] = UINT64_MAX;
	}
	return rc;
}

/* A completion: check it against the model, and put the bio out again
 * (a stream of IO_DEPTH requests always in flight) until stopped. */
static void io_done(struct storvsc_bio *b, int err)
{
	unsigned i = (unsigned)(b - io.bio);
	io.s->io_last_done_ns = dr_now_ns();
	if (err && !io.first_err)
		io.first_err = err;
	if (!err) {
		io.s->ios++;
		for (uint32_t j = 0; j < b->nblocks; j++) {
			uint64_t lba = b->lba + j;
			if (b->op == STORVSC_OP_WRITE) {
				io.model[lba] = io.bgen[i];
			} else if (!io_block_ok(io.buf[i] + j * IO_BS, lba, io.model[lba]) &&
				   !io.first_err) {
				snprintf(io.s->msg, sizeof io.s->msg,
					 "read of block %llu does not hold write %u",
					 (unsigned long long)lba, io.model[lba]);
				io.first_err = -EILSEQ;
			}
		}
	}
	io.pending--;
	__atomic_fetch_sub(&io.s->io_inflight, 1, __ATOMIC_SEQ_CST);
	io.bslot[i] = UINT64_MAX;
	if (!err && !io.stopping && io_issue(i) != 0 && !io.first_err)
		io.first_err = -EIO;
	kern_wakeup(io.wq);
}

static bool io_idle(void *arg)
{
	(void)arg;
	return io.pending == 0;
}

static bool io_have_disk(void *arg)
{
	(void)arg;
	return storvsc_disk_count() > 0;
}

static int io_start_in_guest(void *arg)
{
	(void)arg;
	struct storvsc_config sc;
	memset(&sc, 0, sizeof sc);
	int rc = storvsc_init(&sc);
	if (rc)
		return rc;
	io.wq = kern_waitq_create();
	if (!io.wq)
		return -ENOMEM;
	/* The LUN scan runs after the controller attaches: poll for the disk. */
	for (unsigned i = 0; i < 500 && !io_have_disk(NULL); i++) {
		rc = kern_wait(io.wq, io_have_disk, NULL, 10000000);
		if (rc && rc != -ETIMEDOUT)
			return rc;
	}
	io.disk = storvsc_disk_get(0);
	if (!io.disk)
		return -ENXIO;
	struct storvsc_disk_info di;
	rc = storvsc_disk_info(io.disk, &di);
	if (rc)
		return rc;
	if (di.block_size != IO_BS || di.nblocks < 64 * IO_DEPTH)
		return -EMEDIUMTYPE;
	io.nblocks = di.nblocks;
	io.model = calloc(io.nblocks, sizeof *io.model);
	if (!io.model)
		return -ENOMEM;
	for (unsigned i = 0; i < IO_DEPTH; i++) {
		io.bslot[i] = UINT64_MAX;
		io.buf[i] = malloc(IO_SLOT * IO_BS);
		if (!io.buf[i])
			return -ENOMEM;
	}
	for (unsigned i = 0; i < IO_DEPTH; i++) {
		rc = io_issue(i);
		if (rc)
			return rc;
	}
	return 0;
}

int dr_io_up(struct gk_runtime *rt, struct dr_slot *s, struct gk_vmbus_report *vr)
{
	memset(&io, 0, sizeof io);
	io.s = s;
	/* hn registered before the bus comes up, as the runner does. */
	struct gk_net_config nc = { .max_queues = 1 };
	int rc = gk_guest_net_start(rt, &nc);
	if (rc)
		return rc;
	io.net = true;
	rc = gk_guest_vmbus_connect(rt, 0, false, vr);
	if (rc == 0 && vr->status)
		rc = vr->status < 0 ? vr->status : -EIO;
	if (rc)
		return rc;
	return gk_runtime_call(rt, io_start_in_guest, NULL);
}

/* The stream's verdict since the last round: 0 or its first error. */
static int io_check_in_guest(void *arg)
{
	(void)arg;
	int rc = io.first_err;
	io.first_err = 0;
	if (!rc && io.pending == 0 && !io.stopping)
		rc = -EIO; /* the stream stopped by itself */
	return rc;
}

int dr_io_round(struct gk_runtime *rt, struct dr_slot *s)
{
	/* UDP echoes to the peer while the disk stream runs. */
	struct gk_net_udp_req q = { .unit = 0, .src_ip = GUEST_IP, .dst_ip = PEER_IP,
				    .sport = (uint16_t)(20000 + dr_rand(1000)), .flows = 2,
				    .count = 4, .size = (uint32_t)(64 + dr_rand(1024)),
				    .timeout_ns = 2000000000ull };
	struct gk_net_udp u;
	int nrc = gk_guest_net_udp(rt, &q, &u);
	if (nrc == 0) {
		s->net_sent += u.sent;
		s->net_recv += u.received;
		if (u.status)
			nrc = u.status;
		else if (u.send_error)
			nrc = u.send_error;
		else if (u.received < u.sent)
			nrc = -ETIMEDOUT;
		if (nrc)
			snprintf(s->msg, sizeof s->msg, "udp echo: status %d, send error %d, %u/%u "
				 "replies", u.status, u.send_error, u.received, u.sent);
	} else {
		snprintf(s->msg, sizeof s->msg, "udp echo: %s", strerror(-nrc));
	}
	int rc = gk_runtime_call(rt, io_check_in_guest, NULL);
	if (rc && rc != -EILSEQ)
		snprintf(s->msg, sizeof s->msg, "disk stream: %s", strerror(-rc));
	return rc ? rc : nrc;
}

static int io_stop_in_guest(void *arg)
{
	bool host_there = *(bool *)arg;
	io.stopping = true;
	/* With a host, the stream drains; without one (or if it does not
	 * answer), storvsc_fini fails what is left with -ENODEV.  The
	 * reference keeps the disk valid until then. */
	if (host_there && io.wq)
		(void)kern_wait(io.wq, io_idle, NULL, IO_WAIT_NS);
	storvsc_fini();
	storvsc_disk_put(io.disk);
	io.disk = NULL;
	if (io.wq)
		kern_waitq_destroy(io.wq);
	io.wq = NULL;
	return 0;
}

void dr_io_down(struct gk_runtime *rt, bool host_there)
{
	if (io.s)
		(void)gk_runtime_call(rt, io_stop_in_guest, &host_there);
	if (io.net)
		(void)gk_guest_net_stop(rt);
	for (unsigned i = 0; i < IO_DEPTH; i++)
		free(io.buf[i]);
	free(io.model);
	memset(&io, 0, sizeof io);
}

int dr_io_devices(const char *sock, const char *devices)
{
	char ctl[256], req[4096];
	snprintf(ctl, sizeof ctl, "%s.ctl", sock);
	int n = snprintf(req, sizeof req, "{\"cmd\":\"guest.devices\",\"pid\":%d,\"devices\":%s}",
			 (int)getpid(), devices ? devices : dr_io_devices_default);
	if (n < 0 || (size_t)n >= sizeof req)
		return -E2BIG;
	return dr_ctl(ctl, req, NULL, NULL);
}
