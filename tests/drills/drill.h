/* drill.h -- shared pieces of hvsim-drill (docs/drills.md): the guest
 * worker processes and their shared-memory slots, the spawned
 * hvsim-hostd, its control socket, and /proc readings of it. */
#ifndef TESTS_DRILLS_DRILL_H
#define TESTS_DRILLS_DRILL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define DR_MAX_WORKERS 64u
#define DR_PROFILE     "ws2019"
#define DR_GUEST_MEM   (32ull << 20)

/* What a guest worker does in its loop. */
enum dr_work {
	DR_WORK_CYCLE = 1,  /* VMBus connect, 4 ICs open + negotiate, close, UNLOAD */
	DR_WORK_RPC = 2,    /* control RPC round trips (CTL_STATS), nothing else */
	DR_WORK_MIXED = 3,  /* both, alternating */
	DR_WORK_IO = 4,     /* disk + network: storvsc batches on a memory-disk
			       LUN in flight during UDP echoes via hn to the peer */
};

enum dr_wstate {
	DR_W_STARTING = 0,  /* forked, not connected yet */
	DR_W_RUNNING,       /* connected and booted: counting */
	DR_W_LOST,          /* host gone: tearing down, maybe reconnecting */
	DR_W_DONE,          /* exited its loop normally */
	DR_W_FAILED,        /* could not get going (message in msg) */
};

/* One worker's counters, in a MAP_SHARED page the drill process reads.
 * Written by the worker only (the drill writes 'stop'). */
struct dr_slot {
	volatile uint32_t stop;        /* drill -> worker: leave the loop */
	volatile uint32_t state;       /* enum dr_wstate */
	volatile int32_t  pid;
	volatile int32_t  last_err;
	volatile uint64_t cycles;      /* VMBus cycles completed */
	volatile uint64_t rpcs;        /* RPC round trips completed */
	volatile uint64_t errors;      /* ops that failed while the host was there */
	volatile uint64_t sessions;    /* successful connects (HELLO) */
	volatile uint64_t in_op;       /* nonzero while an op runs */
	volatile uint64_t op_start_ns; /* CLOCK_MONOTONIC of the current op */
	volatile uint64_t op_end_ns;   /* of the last finished op */
	volatile uint64_t lost_ns;     /* when the worker saw the host gone */
	volatile uint64_t up_ns;       /* when the last session became RUNNING */
	volatile uint64_t dma_pages;   /* guest DMA pages still held after the last teardown */
	/* DR_WORK_IO */
	volatile uint64_t ios;         /* storvsc I/Os completed and checked */
	volatile uint64_t net_sent, net_recv; /* UDP echo requests / replies */
	volatile int64_t  io_inflight; /* storvsc I/Os submitted, done() not yet run */
	volatile uint64_t io_last_done_ns; /* when the last done() ran */
	char msg[160];
};

struct dr_worker_cfg {
	const char *sock;
	enum dr_work work;
	bool reconnect;           /* after a lost host, connect again (else exit) */
	uint64_t reconnect_for_ns; /* keep trying this long */
	uint32_t ncpus;
	const char *log;          /* the guest runtime's messages go here (append) */
	const char *devices;      /* DR_WORK_IO: devspec JSON (NULL = dr_io_devices_default) */
};

/* drill_util.c */
uint64_t dr_now_ns(void);
void dr_sleep_ms(unsigned ms);
void dr_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
struct dr_slot *dr_slots_new(unsigned n);       /* MAP_SHARED, zeroed */
void dr_slots_free(struct dr_slot *s, unsigned n);
/* A private temporary directory (mkdtemp) for sockets and images. */
int dr_tmpdir(char *out, size_t cap);
/* A drill's files: its directory (given, or a new one under /tmp), the
 * daemon's socket, control socket and log, the guests' log. */
struct dr_paths {
	char dir[128], sock[200], ctl[220], log[220], glog[220];
};
int dr_paths_init(struct dr_paths *p, const char *given_dir);
void dr_rmtree(const char *dir);
/* Start hvsim-hostd (path 'exe') on sock, stderr to log; wait for the
 * socket.  Extra args (NULL-terminated list) go after --socket.  pid or -1. */
pid_t dr_hostd_start(const char *exe, const char *sock, const char *log, const char *const *extra);
bool dr_alive(pid_t pid);
void dr_kill_wait(pid_t pid, int sig);
/* /proc/<pid>: open fds, memfd mappings, RssAnon KiB (the heap; guest
 * memory is shared memfd pages and not in it).  -1 on error. */
int dr_proc_fds(pid_t pid);
int dr_proc_memfd_maps(pid_t pid);
long dr_proc_rss_kib(pid_t pid);
/* One JSON-lines request on the daemon's control socket; the reply's
 * integer field 'field' in *out (when field is set).  0, or -errno / -EPROTO
 * (reply not ok). */
int dr_ctl(const char *ctl_path, const char *req, const char *field, int64_t *out);
/* The daemon's own counters. */
int dr_ctl_sessions(const char *ctl_path, int64_t *sessions, int64_t *conns);
/* Uniform random in [0, n) from a per-run xorshift state. */
/* 0 when the daemon's log has no sanitizer report, -1 (and prints) else. */
int dr_log_clean(const char *log);
uint64_t dr_rand(uint64_t n);
void dr_rand_seed(uint64_t seed);

/* drill_guest.c: fork a guest worker on slot s; pid or -1. */
pid_t dr_worker_spawn(struct dr_slot *s, const struct dr_worker_cfg *cfg);
/* Wait until every slot in [0, n) is RUNNING (or one failed): 0, -1. */
int dr_workers_wait_up(struct dr_slot *s, unsigned n, unsigned timeout_ms);
/* Ask the workers to stop, wait for them (kill what does not go in time). */
void dr_workers_stop(struct dr_slot *s, unsigned n, unsigned timeout_ms);

/* drill_io.c: the DR_WORK_IO load. */
struct gk_runtime;
struct gk_vmbus_report;
extern const char dr_io_devices_default[];
/* guest.devices for this process (by pid) on sock's control socket. */
int dr_io_devices(const char *sock, const char *devices);
/* After boot: hn, VMBus connect, storvsc, the disk.  0 or -errno. */
int dr_io_up(struct gk_runtime *rt, struct dr_slot *s, struct gk_vmbus_report *vr);
/* One round: UDP echoes while the disk stream runs, then its verdict. */
int dr_io_round(struct gk_runtime *rt, struct dr_slot *s);
/* Teardown: the stream drains (host there) or fails (-ENODEV). */
void dr_io_down(struct gk_runtime *rt, bool host_there);
/* Progress of any kind. */
static inline uint64_t dr_progress(const struct dr_slot *s)
{
	return s->cycles + s->rpcs + s->ios;
}

/* The drills: argc/argv after the drill name.  0 = passed. */
int drill_guest_kill(int argc, char **argv);
int drill_daemon_restart(int argc, char **argv);
int drill_durability(int argc, char **argv);
int drill_hostile(int argc, char **argv);

/* Common options: --hostd PATH, --long, --seed N, and per-drill numbers. */
struct dr_opts {
	const char *hostd;
	bool        lng;
	uint64_t    seed;
	unsigned    guests;
	unsigned    iters;
	unsigned    secs;
	const char *dir;         /* keep files here instead of a temp dir */
};
int dr_parse_opts(int argc, char **argv, struct dr_opts *o);

#endif /* TESTS_DRILLS_DRILL_H */
