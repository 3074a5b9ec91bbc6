/* blk.h -- block back ends for the host's disk devices (storvsp LUNs, the emulated ATA disk). */
#ifndef HVSIM_BLK_H
#define HVSIM_BLK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

/*
 * A struct blk is a disk: a memory disk, a raw image file, or a wrapper
 * around another blk.  Every call is made from the owner's thread.  I/O is
 * asynchronous: blk_submit() accepts a request and its done() callback runs
 * later, from blk_poll() (or blk_close()), never from inside blk_submit().
 * Completions may come in any order.
 */
struct blk;                      /* a disk */

enum blk_op { BLK_OP_READ, BLK_OP_WRITE, BLK_OP_FLUSH, BLK_OP_UNMAP, BLK_OP_WRITE_ZEROES };

struct blk_req {
	enum blk_op op;
	uint64_t offset, len;          /* bytes; multiples of the sector size; FLUSH: both 0 */
	const struct iovec *iov;       /* READ fills, WRITE reads; total == len; NULL for others */
	int iovcnt;
	bool fua;                      /* WRITE: durable before done() */
	/* Called once, from blk_poll() on the owner's thread, never from inside blk_submit.  err: 0 or
	 * -EIO (medium error), -EROFS, -ENOSPC, -EINVAL, -ECANCELED (blk_close with I/O pending). */
	void (*done)(struct blk_req *r, int err);
	void *arg;
	/* private to blk */
	struct blk_req *br_next; uint64_t br_priv[4];
};

struct blk_info { uint64_t size; uint32_t sector; bool read_only; bool wce; bool can_unmap; bool failed; };

/* Which engine an image uses.  THREADS: a small worker pool (the event loop
 * never blocks on the disk).  SYNC: the I/O runs inside blk_submit() (for the
 * deterministic inproc runner), but done() is still only called from
 * blk_poll().  DEFAULT: whatever blk_set_default_engine() chose (THREADS
 * unless changed). */
enum blk_engine { BLK_ENGINE_DEFAULT, BLK_ENGINE_THREADS, BLK_ENGINE_SYNC };

struct blk_image_opts {
	bool read_only;
	uint32_t sector;               /* 512 or 4096, 0 = 512 */
	bool create;                   /* create the file (create_size bytes) if it does not exist */
	uint64_t create_size;
	/* additions */
	enum blk_engine engine;
};

/* Open a raw image file.  The size is the file size rounded down to the
 * sector size (an empty image is an error: -EINVAL).  A writable image is
 * locked exclusively (flock), a read-only one shared: -EBUSY when another
 * owner holds it.  Returns 0, -ENOENT, -EACCES, -EBUSY, -EINVAL, -ENOMEM. */
int  blk_open_image(const char *path, const struct blk_image_opts *o, struct blk **out); /* -ENOENT etc, clear errors */
/* A zero-filled memory disk (size a non-zero multiple of sector; sector 512
 * or 4096, 0 = 512).  0, -EINVAL, -ENOMEM. */
int  blk_open_mem(uint64_t size, uint32_t sector, struct blk **out);
void blk_get_info(const struct blk *b, struct blk_info *out);
int  blk_set_wce(struct blk *b, bool wce);
/* From now on every request but READ is refused (-EROFS); one way only
 * (a read-only memory disk; images are opened read-only instead). */
void blk_set_read_only(struct blk *b);    /* WCE=0: every write durable before done() */
/* 0 = accepted (done() follows); <0 = rejected now, done() is not called:
 * -EINVAL (unknown op, misaligned, past the end, iov total != len, FLUSH with
 * a range), -EROFS (a write to a read-only disk), -ENOMEM.  Once an image has
 * failed (a flush failed) every request is accepted and completes with -EIO. */
int  blk_submit(struct blk *b, struct blk_req *r);   /* 0 = accepted (done() follows); <0 = rejected now */
int  blk_event_fd(const struct blk *b);      /* readable when completions wait (-1 for purely synchronous engines) */
unsigned blk_poll(struct blk *b);            /* run waiting completions; returns how many */
unsigned blk_inflight(const struct blk *b);
void blk_close(struct blk *b);               /* waits for the engine, cancels what's queued (done(-ECANCELED)) */

/* Fault wrapper: a blk that forwards to 'inner' (owned) and injects faults. */
int  blk_wrap_fault(struct blk *inner, struct blk **out);
struct blk_fault { enum blk_op op; /* which ops count */ bool any_op; uint64_t nth; /* fail the nth (1-based) */
                   uint32_t count; /* how many in a row */ int err; uint64_t delay_ns;
                   /* additions */
                   bool sticky;    /* after the first fault, the disk is failed: every later I/O -EIO */
};
/* Arm (replacing any armed fault): counting starts at the next submit.
 * err 0 with delay_ns > 0 only delays the matching I/Os (completions are held
 * for delay_ns of CLOCK_MONOTONIC time); err != 0 fails them without doing
 * the I/O.  0 or -EINVAL (not a fault wrapper, nth 0). */
int  blk_fault_arm(struct blk *fault_blk, const struct blk_fault *f);
uint64_t blk_fault_fired(const struct blk *fault_blk);
/* The disk a fault wrapper forwards to (for blk_mem_crash behind it), or
 * NULL when b is not a fault wrapper. */
struct blk *blk_fault_inner(struct blk *fault_blk);

/* ---- additions ---- */

/* The engine an image opened with BLK_ENGINE_DEFAULT uses (process-wide). */
void blk_set_default_engine(enum blk_engine e);

/* Memory disk with a volatile write cache, for durability checkers: with
 * WCE=1, writes land in a cache and only FLUSH (or FUA, or WCE=0) makes them
 * durable; blk_mem_crash() models a power loss: every write not yet durable
 * is lost (reads then return the durable contents).  -EINVAL on other disks. */
int  blk_mem_crash(struct blk *b);

/* Test hook: the next n fdatasync calls of an image fail with EIO (as a
 * dying disk would).  -EINVAL on other disks. */
int  blk_image_fail_syncs(struct blk *b, uint32_t n);

/* Test hook: the Nth allocation of the blk layer from now fails (0 = the
 * next one); negative turns the hook off. */
void blk_alloc_fail_after(long n);

#endif /* HVSIM_BLK_H */
