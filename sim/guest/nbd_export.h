/* nbd_export.h -- serve guest disks to real NBD clients (nbdinfo, nbdcopy,
 * fio, nbdfuse) on a Unix socket: fixed newstyle handshake (EXPORT_NAME,
 * INFO, GO, LIST, ABORT), simple replies, READ / WRITE (FUA) / FLUSH / TRIM /
 * WRITE_ZEROES / DISC.
 *
 * Layers: a disk is a small ops table (struct nbd_disk) with adapters for
 * a memory disk, the guest ata driver and storvsc disks; a connection
 * (struct nbd_conn) is a sans-I/O state machine that takes client bytes
 * and yields reply bytes (tests and the fuzzer drive it directly); the
 * export (struct nbd_export) owns the listening socket and a poll loop.
 *
 * Where it runs: in the guest runtime's loop.  nbd_export_run() must be
 * called in guest context (from gk_runtime_call, vCPU 0); while I/O is in
 * flight it sleeps in kern_wait (inproc: the simulation runs until a
 * completion), while idle it blocks in poll() on the sockets (inproc:
 * virtual time stands still; threads: at most 1 ms, then vCPU 0's
 * interrupts and tasks run).  nbd_export_start() runs the same loop from a
 * thread of its own that enters guest context through gk_runtime_call; in
 * inproc mode nobody else may use the runtime until nbd_export_join(). */
#ifndef SIM_GUEST_NBD_EXPORT_H
#define SIM_GUEST_NBD_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

struct gk_runtime;

/* ---- disks -------------------------------------------------------------------- */

/* Completion of one disk operation: err 0 or a negative errno (-EIO,
 * -EROFS, -ENOSPC, -EINVAL, -ENODEV, -ETIMEDOUT, ...).  May be called
 * before the submitting call returns, or later from any thread. */
typedef void nbd_done_fn(void *arg, int err);

/* Byte offsets and lengths, multiples of the sector size, inside the disk
 * (the export checks before it calls).  0: done() follows exactly once;
 * <0: rejected, done() is not called. */
struct nbd_disk_ops {
	int  (*read)(void *ctx, uint64_t off, uint32_t len, void *buf, nbd_done_fn *done, void *arg);
	int  (*write)(void *ctx, uint64_t off, uint32_t len, const void *buf, bool fua,
		      nbd_done_fn *done, void *arg);
	int  (*flush)(void *ctx, nbd_done_fn *done, void *arg);              /* NULL: no cache */
	int  (*trim)(void *ctx, uint64_t off, uint64_t len, nbd_done_fn *done, void *arg); /* NULL: none */
	void (*release)(void *ctx);                                          /* NULL ok */
};

struct nbd_disk {
	const struct nbd_disk_ops *ops;
	void    *ctx;
	uint64_t size;          /* bytes */
	uint32_t sector;        /* 512 or 4096: the alignment every request must have */
	bool     read_only;
	bool     fua;           /* write(fua=true) is durable on its own; else FUA = write + flush */
};

/* A zero-filled memory disk that completes inside the call (tests, fuzzing).
 * 0, -EINVAL, -ENOMEM.  Freed by its release op (nbd_export_destroy). */
int nbd_disk_mem(uint64_t size, uint32_t sector, struct nbd_disk *out);
/* The guest ata driver's disk (borrowed: must outlive the export); call
 * the ops in guest context.  0 or -EINVAL. */
struct ata_disk;
int nbd_disk_ata(struct ata_disk *d, struct nbd_disk *out);
/* A storvsc disk: takes a reference, dropped by release.  Guest context.
 * 0, -EINVAL, -ENODEV (gone). */
struct storvsc_disk;
int nbd_disk_storvsc(struct storvsc_disk *d, struct nbd_disk *out);

/* ---- the export ------------------------------------------------------------------ */

struct nbd_export_config {
	uint32_t max_conns;      /* clients at once; 0 = 4 */
	uint32_t max_inflight;   /* requests in flight per connection; 0 = 32 */
	uint64_t max_buffered;   /* data bytes held per connection (write payloads,
				    read data, queued replies); 0 = 64 MiB */
	uint32_t max_payload;    /* largest READ/WRITE; 0 = 32 MiB */
	const char *description; /* NBD_INFO_DESCRIPTION; NULL = "hvsim guest disk" */
};
#define NBD_EXPORT_MAX_DISKS 8u
#define NBD_EXPORT_MAX_OPTS  256u  /* options per connection before a hard close */

struct nbd_export;
/* NULL on out of memory.  The export listens on nothing yet. */
struct nbd_export *nbd_export_create(const struct nbd_export_config *cfg);
/* Export 'd' (copied; its release runs at destroy, also when this fails)
 * as 'name' (<= 255 bytes); the first disk is also the default export "".
 * 0, -EINVAL, -EEXIST, -ENOSPC. */
int  nbd_export_add(struct nbd_export *x, const char *name, const struct nbd_disk *d);
/* Bind and listen on a Unix socket (a stale socket file is replaced).
 * 0 or -errno (-ENAMETOOLONG). */
int  nbd_export_listen(struct nbd_export *x, const char *path);
/* Serve until nbd_export_stop(), or until max_clients connections have
 * been accepted and all closed (0 = no limit).  Guest context.  0 or
 * -errno (-ENODEV: the host went away). */
int  nbd_export_run(struct nbd_export *x, uint32_t max_clients);
/* Run nbd_export_run(x, max_clients) through gk_runtime_call on a thread
 * of its own.  0 or -errno. */
int  nbd_export_start(struct nbd_export *x, struct gk_runtime *rt, uint32_t max_clients);
/* Ask the loop to stop (any thread): open connections are closed once
 * their I/O in flight has completed. */
void nbd_export_stop(struct nbd_export *x);
/* Wait for the thread of nbd_export_start; returns the loop's result. */
int  nbd_export_join(struct nbd_export *x);
/* Stops and joins if needed, closes the socket (and unlinks it), releases
 * the disks.  NULL-tolerant. */
void nbd_export_destroy(struct nbd_export *x);

struct nbd_export_stats {
	uint64_t conns, opts, opt_errors, requests, replies, errors;
	uint64_t reads, writes, flushes, trims, zeroes, fua;
	uint64_t bytes_read, bytes_written;
	uint64_t hard_closes;   /* protocol violations answered by closing */
	uint64_t backpressure;  /* times input was paused for in-flight/buffer caps */
};
void nbd_export_get_stats(const struct nbd_export *x, struct nbd_export_stats *out);

/* ---- one connection, sans-I/O (the loop, tests, fuzzing) ------------------------- */

struct nbd_conn;
/* A connection to x; the greeting is queued as output.  NULL: ENOMEM. */
struct nbd_conn *nbd_conn_create(struct nbd_export *x);
/* Take client bytes; returns how many were consumed (fewer than len while
 * paused by the caps: offer the rest again after nbd_conn_reap). */
size_t nbd_conn_input(struct nbd_conn *c, const void *buf, size_t len);
/* The client closed its sending side. */
void   nbd_conn_eof(struct nbd_conn *c);
/* Turn finished disk I/O into replies (and follow-up I/O).  Call on the
 * connection's thread.  Returns true when it did something. */
bool   nbd_conn_reap(struct nbd_conn *c);
/* Pending output as up to max iovecs (0: nothing to send); then report
 * how many bytes went out. */
int    nbd_conn_output(struct nbd_conn *c, struct iovec *iov, int max);
void   nbd_conn_sent(struct nbd_conn *c, size_t n);
/* The output side failed (peer gone): drop queued output, accept nothing. */
void   nbd_conn_abort(struct nbd_conn *c);
bool   nbd_conn_wants_input(const struct nbd_conn *c);
unsigned nbd_conn_inflight(const struct nbd_conn *c);
/* Finished: no I/O in flight, nothing left to send, nothing more to read. */
bool   nbd_conn_done(const struct nbd_conn *c);
/* Told (from the completing thread) whenever a disk I/O finishes. */
void   nbd_conn_set_notify(struct nbd_conn *c, void (*fn)(void *arg), void *arg);
/* Only once nbd_conn_inflight() is 0 (the I/O holds the connection). */
void   nbd_conn_destroy(struct nbd_conn *c);
const char *nbd_conn_state_name(const struct nbd_conn *c);

#endif /* SIM_GUEST_NBD_EXPORT_H */
