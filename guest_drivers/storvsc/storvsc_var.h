/* storvsc_var.h -- internal state of the guest storvsc driver, shared by
 * storvsc.c (attach, handshake, channels, registry), storvsc_io.c (request
 * slots, send, completions, retries, timeouts), storvsc_scan.c (LUN scan,
 * disks, hot add / remove) and storvsc_sense.c.  Not an API. */
#ifndef GUEST_DRIVERS_STORVSC_STORVSC_VAR_H
#define GUEST_DRIVERS_STORVSC_STORVSC_VAR_H

#include <stdbool.h>
#include <stdint.h>

#include "guest_drivers/kern.h"
#include "guest_drivers/storvsc/storvsc.h"
#include "hyperv/vstor.h"

struct vmbus_channel;
struct vmbus_device;
struct vmbus_pkt;

#define STV_RING_BYTES        (128u * 1024u) /* per direction; Linux default */
#define STV_BOUNCE_CACHE_MAX  (64u * 1024u)  /* slot keeps bounce pages up to this */
#define STV_MAX_XFER_DEFAULT  (256u * 1024u) /* when the host reports 0 */
#define STV_MAX_XFER_CAP      (1024u * 1024u)
#define STV_MAX_LUNS          256u
#define STV_REPORT_LUNS_MAX   256u           /* entries we read */
#define STV_MAX_DISKS         1024u
#define STV_SCAN_TIMEOUT_NS   (60ull * 1000000000ull)

/* Controller states. */
enum stv_state {
	STV_ST_INIT = 0,     /* handshake under way */
	STV_ST_SCANNING,     /* channels up, first scan */
	STV_ST_READY,
	STV_ST_DYING,        /* detach under way: no new I/O */
	STV_ST_COUNT
};
const char *stv_state_name(enum stv_state s);

/* Request slot states. */
enum stv_rq_state {
	STV_RQ_FREE = 0,
	STV_RQ_SETUP,        /* built, being sent */
	STV_RQ_INFLIGHT,     /* on the host */
	STV_RQ_RETRY,        /* waiting to be sent again (BUSY) */
	STV_RQ_ZOMBIE,       /* timed out: owner told, pages kept until the host answers */
};

struct stv_ctrl;
struct stv_chan;
struct stv_cmd;

/* One SCSI command on the wire (a piece of a bio, or an internal command). */
struct stv_req {
	enum stv_rq_state r_state;
	uint32_t r_idx;
	uint32_t r_gen;              /* bumped at every reuse: stale tags miss */
	struct stv_chan *r_chan;
	/* what was asked */
	uint8_t  r_path, r_target, r_lun;
	uint8_t  r_cdb[VSTOR_CDB_MAX];
	uint8_t  r_cdb_len;
	uint8_t  r_data_in;          /* VSTOR_DATA_* */
	uint32_t r_len;              /* data bytes */
	void    *r_ubuf;             /* caller memory bounced through r_bounce (or NULL) */
	const struct kern_dma *r_ext;/* caller DMA (no bounce) */
	size_t   r_ext_off;
	struct kern_dma r_bounce;    /* cached between uses up to STV_BOUNCE_CACHE_MAX */
	uint8_t  r_cmd_param[24];    /* UNMAP parameter list (bounced like caller data) */
	/* owner */
	struct storvsc_bio *r_bio;
	uint64_t r_bio_off;          /* byte offset of this piece in the bio */
	struct stv_cmd *r_cmd;
	/* progress */
	uint32_t r_retries;
	uint64_t r_deadline, r_retry_at;
	/* what came back */
	uint8_t  r_srb_status, r_scsi_status, r_sense_len;
	uint8_t  r_sense[VSTOR_SENSE_SIZE_WIN8];
	uint32_t r_xfer;
	uint32_t r_vstatus;
	struct stv_req *r_next;      /* free list */
};

/* An internal (scan) command, run synchronously. */
struct stv_cmd {
	uint8_t  path, target, lun;
	uint8_t  cdb[VSTOR_CDB_MAX];
	uint8_t  cdb_len;
	uint8_t  data_in;
	void    *buf;
	uint32_t len;
	/* results */
	bool     done;
	int      err;                /* transport-level: -ENODEV, -ETIMEDOUT, -EIO */
	uint8_t  srb_status, scsi_status, sense_len;
	uint8_t  sense[VSTOR_SENSE_SIZE_WIN8];
	uint32_t xfer;
	struct kern_waitq *wq;
	struct stv_cmd *next;        /* c->cq_head queue */
};

struct stv_chan {
	struct stv_ctrl *c_ctrl;
	struct vmbus_channel *c_ch;
	unsigned c_index;            /* 0 = primary */
	int c_cpu;
	bool c_open;
	/* a handshake step on the primary */
	bool c_init_done;
	struct vstor_packet c_init_reply;
	uint32_t c_init_len;
};

struct storvsc_disk {
	unsigned d_refs;             /* under stv_g.lock */
	int d_unit;
	char d_name[16];
	struct stv_ctrl *d_ctrl;     /* NULL once gone */
	bool d_gone;
	bool d_seen;                 /* rescan mark */
	struct storvsc_disk_info d_info;
	struct storvsc_disk *d_next; /* controller's list */
};

struct stv_ctrl {
	unsigned refs;               /* atomic: detach, scans, senders */
	enum stv_state state;
	int unit;
	char name[24];
	struct vmbus_device *dev;
	struct kern_lock *lock;      /* slots, bios, retry, disks; never across kern_wait/send */
	struct kern_waitq *wq;       /* handshake replies, sub-channels */
	uint16_t version;
	uint32_t srb_size;           /* VSTOR_SRB_SIZE_* of the version */
	uint32_t pkt_size;           /* 12 + srb_size */
	uint8_t  sense_size;         /* VSTOR_SENSE_SIZE_* */
	struct vstor_channel_props props;
	uint32_t max_xfer;
	struct stv_chan chans[STORVSC_MAX_CHANNELS];
	unsigned nchans;
	unsigned rr;                 /* round robin */
	/* requests */
	struct stv_req *slots;
	uint32_t nslots;
	struct stv_req *free;
	struct stv_cmd *cq_head;     /* internal commands waiting for slots (first) */
	struct storvsc_bio *bq_head, *bq_tail;  /* bios waiting for slots */
	uint64_t init_tid;           /* the handshake step in flight (seq << 32), 0 = none */
	uint32_t init_seq;
	unsigned nretry;             /* slots in STV_RQ_RETRY */
	struct kern_timer *timer;
	bool timer_armed;
	uint64_t timer_due;
	/* disks */
	struct storvsc_disk *disks;
	struct kern_task rescan_task;
	bool rescan_wanted, scanning;
	struct storvsc_stats st;
	bool fuzz;                   /* channel-less instance: sends succeed silently, no rescans */
};

struct stv_globals {
	bool inited;
	struct storvsc_config cfg;
	struct kern_lock *lock;      /* registry: disks, units, refs */
	unsigned live;               /* attached controllers not yet freed, under lock:
				      * the lock outlives them (a scan can resume
				      * after storvsc_fini) */
	struct storvsc_disk *units[STV_MAX_DISKS];
	struct stv_ctrl *ctrls[STORVSC_MAX_CHANNELS];
	struct storvsc_stats last[STORVSC_MAX_CHANNELS];
	bool used[STORVSC_MAX_CHANNELS];
	storvsc_disk_hook *hook;
	void *hook_arg;
};
extern struct stv_globals stv_g;

#define STV_STAT_INC(c, f) __atomic_fetch_add(&(c)->st.f, 1, __ATOMIC_RELAXED)

/* storvsc.c */
void stv_ctrl_hold(struct stv_ctrl *c);
void stv_ctrl_put(struct stv_ctrl *c);
bool stv_dying(struct stv_ctrl *c);  /* detach has begun */
void stv_set_state(struct stv_ctrl *c, enum stv_state s);

/* storvsc_io.c */
int  stv_io_init(struct stv_ctrl *c);            /* slots + timer */
void stv_io_fini(struct stv_ctrl *c);            /* frees slots (after fail_all) */
void stv_io_fail_all(struct stv_ctrl *c, int err);
void stv_on_packet(struct vmbus_channel *ch, const struct vmbus_pkt *pkt, void *arg);
/* Run one internal command and wait: 0 (see cmd->err for transport errors). */
int  stv_cmd_run(struct stv_ctrl *c, struct stv_cmd *cmd);
void stv_init_reply(struct stv_chan *ch, const uint8_t *p, uint32_t len);
int  stv_send_req(struct stv_ctrl *c, struct stv_req *r, struct stv_chan *ch, uint64_t tid);
/* Queue bio b (validated by the disk layer): 0 or -ENODEV (dying). */
int  stv_bio_queue(struct stv_ctrl *c, struct storvsc_bio *b);
/* Forget bio b: its done() will not run (sync waiter gave up). */
bool stv_bio_orphan(struct stv_ctrl *c, struct storvsc_bio *b);

/* storvsc_scan.c */
int  stv_scan(struct stv_ctrl *c);
void stv_rescan_task(void *arg);
void stv_request_rescan(struct stv_ctrl *c);
void stv_disks_gone(struct stv_ctrl *c);

/* storvsc_sense.c */
struct stv_sense { bool valid; uint8_t key, asc, ascq; };
void stv_sense_parse(const uint8_t *s, uint32_t len, struct stv_sense *out);
/* The errno a finished command means for a block I/O (0 when fine). */
int  stv_io_errno(uint8_t srb_status, uint8_t scsi_status, const struct stv_sense *sn);
enum stv_verdict { STV_DONE = 0, STV_RETRY_NOW, STV_RETRY_LATER };
enum stv_verdict stv_verdict(uint8_t srb_status, uint8_t scsi_status, const struct stv_sense *sn,
			     bool *rescan);

/* Fuzzing entry (fuzz/targets/fuzz_storvsc_completion.c, storvsc_fuzz.c):
 * a channel-less controller with one 2048 x 512 disk whose commands "go
 * out" without a ring, so host packets can be aimed at live tags.  Guest
 * context; storvsc_init first.  _free fails what is left and frees all. */
struct stv_ctrl *stv_fuzz_ctrl_new(uint16_t version);
void stv_fuzz_ctrl_free(struct stv_ctrl *c);
/* Queue a heap bio: op 0..3, freed when it completes.  0 or -errno. */
int  stv_fuzz_submit(struct stv_ctrl *c, unsigned op, uint64_t lba, uint32_t n, bool fua);
/* The tid slot i would be answered with now (whatever its state). */
uint64_t stv_fuzz_tid(struct stv_ctrl *c, unsigned i);
void stv_fuzz_packet(struct stv_ctrl *c, unsigned chan, const struct vmbus_pkt *pkt);

#endif /* GUEST_DRIVERS_STORVSC_STORVSC_VAR_H */
