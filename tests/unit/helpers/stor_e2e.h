/* stor_e2e.h -- the storage end-to-end fixture: an inproc partition on a
 * profile, hostside with a real storvsp over memory disks and image files
 * (optionally behind a fault wrapper), a booted guest with VMBus and the
 * storvsc driver, and guest-context helpers for block I/O. */
#ifndef TESTS_UNIT_HELPERS_STOR_E2E_H
#define TESTS_UNIT_HELPERS_STOR_E2E_H

#include <stdbool.h>
#include <stdint.h>

#include "guest_drivers/storvsc/storvsc.h"
#include "sim/devices/storvsp/storvsp.h"

struct gmem;
struct gk_transport;
struct part;
struct hostside;
struct gk_runtime;
struct blk;

#define SEF_MAX_LUNS 16u

struct sef_lun {
	uint8_t  target, lun;
	uint64_t size;             /* bytes; 0 = 4 MiB */
	uint32_t sector;           /* 512 or 4096; 0 = 512 */
	bool     image;            /* an image file in the fixture's tmp dir (else a memory disk) */
	bool     read_only;
	bool     fault;            /* behind blk_wrap_fault (arm with sef_fault) */
	const char *serial;        /* VPD 0x80; NULL = from the id */
};

struct sef_cfg {
	const char *profile;       /* NULL = ws2022 */
	uint32_t ncpus;            /* 0 = 1 */
	uint16_t max_subchannels;  /* host's QUERY_PROPERTIES value; 0 = 8 */
	uint16_t host_queue_depth; /* storvsp per-channel depth; 0 = its default */
	bool     phantom;          /* override: phantom LUNs even off ws2016 */
	struct sef_lun lun[SEF_MAX_LUNS];
	unsigned nluns;
	struct storvsc_config sc;  /* the guest driver's config */
	bool     no_storvsc;       /* boot VMBus only (the test starts storvsc) */
	bool     ata;              /* also an emulated ATA disk (1 MiB memory disk) */
	const char *ata_serial;    /* its IDENTIFY serial */
	uint64_t seed;
};

struct sef {
	struct sef_cfg cfg;
	struct gmem *gm;
	struct gk_transport *t;
	struct part *p;
	struct hostside *hs;
	struct storvsp *sv;
	struct gk_runtime *rt;
	struct blk *inner[SEF_MAX_LUNS];  /* the disk under a fault wrapper (borrowed) */
	struct blk *outer[SEF_MAX_LUNS];  /* what the LUN sees (borrowed) */
	char dir[64];
	char img[SEF_MAX_LUNS][96];
	long heap_before;
	bool storvsc_up;
};

struct sef *sef_new(const struct sef_cfg *cfg);
/* storvsc_fini, VMBus down, runtime and host destroyed, tmp dir removed,
 * no guest heap or DMA page left behind. */
void sef_free(struct sef *x);

/* Guest context: start the storvsc driver (when cfg.no_storvsc). */
int sef_storvsc_start(struct sef *x);
/* Run fn in guest context. */
int sef_call(struct sef *x, int (*fn)(void *), void *arg);
/* Let guest time pass. */
void sef_sleep(struct sef *x, uint64_t ns);
/* Add a LUN on the host while the guest runs (hot add); index into x->outer. */
int sef_lun_add(struct sef *x, const struct sef_lun *l);

/* The disks the guest sees now (up to max), sorted by unit. */
unsigned sef_disks(struct sef *x, struct storvsc_disk_info *out, unsigned max);
/* Synchronous block I/O in guest context on disk 'name': the completion's
 * err (or the rejection); *out gets the bio's results when non-NULL. */
int sef_io(struct sef *x, const char *name, enum storvsc_op op, uint64_t lba, uint32_t n,
	   void *buf, bool fua, struct storvsc_bio *out);

/* Asynchronous batch: n I/Os submitted in guest context (from the vCPU
 * 'cpu', -1 = the caller's) and waited for; per-I/O errs in err[]. */
struct sef_aio {
	const char *disk;
	enum storvsc_op op;
	uint64_t lba[256];
	uint32_t nblocks[256];
	uint8_t *buf[256];
	int err[256];
	unsigned n;
	int cpu;
	/* private */
	struct storvsc_bio b[256];
	unsigned ndone;
	int submit_rc;
};
int sef_aio_run(struct sef *x, struct sef_aio *a);
/* Submit only (returns after submit; completions land in a->err as the
 * guest runs); sef_aio_wait waits for all of them (timeout_ns guest time). */
int sef_aio_submit(struct sef *x, struct sef_aio *a);
int sef_aio_wait(struct sef *x, struct sef_aio *a, uint64_t timeout_ns);

/* The blk of (target, lun) as the LUN sees it, or NULL. */
struct blk *sef_blk(struct sef *x, uint8_t target, uint8_t lun);
struct storvsc_stats sef_stats(unsigned unit);

#endif /* TESTS_UNIT_HELPERS_STOR_E2E_H */
