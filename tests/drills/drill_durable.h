/* drill_durable.h -- the durability drill's pieces shared by its inproc
 * modes (drill_durable.c) and the split mode with the daemon killed
 * (drill_durable_split.c): the write log, the guest writer, the checker. */
#ifndef TESTS_DRILLS_DRILL_DURABLE_H
#define TESTS_DRILLS_DRILL_DURABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "tests/drills/drill.h"

#include "guest_drivers/storvsc/storvsc.h"

struct kern_waitq;

#define DU_BS       512u
#define DU_BLOCKS   8192u           /* 4 MiB disk */
#define DU_SLOT     8u              /* a write covers 1..8 blocks of one slot */
#define DU_BATCH    8u
#define DU_LOG_MAX  (1u << 18)
#define DU_MAGIC    0x44524c4c44555241ull
#define DU_MEM      (32ull << 20)

enum { DU_ISSUED = 1, DU_DURABLE = 2 };
struct du_rec {
	uint32_t kind, nblocks;
	uint64_t lba, seq;
};
struct du_log {
	volatile uint64_t n;            /* records published */
	volatile uint32_t ready;        /* the disk is up, writes start */
	volatile uint32_t wce, fua;     /* what the guest driver saw */
	volatile uint64_t writes, fua_writes, flushes, errors;
	struct du_rec r[DU_LOG_MAX];
};

struct du_guest {
	struct du_log *lg;
	struct kern_waitq *wq;
	struct storvsc_disk *disk;
	struct storvsc_bio bio[DU_BATCH];
	uint8_t *buf[DU_BATCH];
	unsigned pending;
	int errs;
	uint64_t seq;
	uint64_t max_ops;              /* 0 = until killed */
	bool lie;                      /* --selftest: claim unflushed writes durable */
	/* acked, not yet durable */
	struct du_rec unflushed[4096];
	unsigned nunflushed;
};

/* Guest context: register storvsc (arg unused); unregister. */
int du_start(void *arg);
int du_fini(void *arg);
/* Guest context: the writer on disk 0 (arg: struct du_guest), until its
 * max_ops or a failed wait (a lost host).  0 or -errno. */
int du_writer(void *arg);

/* The checker: every durable record's blocks hold that write or a later
 * one.  Returns the missing blocks; *checked counts durable records. */
typedef int du_read_fn(void *arg, uint64_t lba, uint8_t *buf);
unsigned du_check(const struct du_log *lg, du_read_fn *rd, void *arg, uint64_t *checked);
/* du_read_fn over a file descriptor (arg: int *). */
int du_read_file(void *arg, uint64_t lba, uint8_t *buf);

/* --split: one round with hvsim-hostd killed under the writer and
 * restarted; the image checked directly and through the new daemon.
 * 0 = passed. */
int du_split_round(const struct dr_opts *o, const char *dir, struct du_log *lg,
		   unsigned max_ms, unsigned round, uint64_t *durable_total);
/* Worst time from the daemon's SIGKILL to the writer's return, all rounds. */
extern uint64_t dr_split_worst_return_ns;

#endif /* TESTS_DRILLS_DRILL_DURABLE_H */
