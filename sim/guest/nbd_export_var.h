/* nbd_export_var.h -- internal state of the NBD export: export, connection, request, output queue. */
#ifndef SIM_GUEST_NBD_EXPORT_VAR_H
#define SIM_GUEST_NBD_EXPORT_VAR_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "sim/guest/nbd_export.h"
#include "sim/guest/nbd_export_wire.h"

#define NBDX_OPT_DATA_MAX (NBD_MAX_STRING + 64u) /* longest option data taken */
#define NBDX_ZERO_CHUNK   (1u << 20)             /* WRITE_ZEROES: bytes per disk write */
#define NBDX_NAME_MAX     255u

struct nbdx_entry {
	char name[NBDX_NAME_MAX + 1];
	struct nbd_disk disk;
};

struct kern_waitq;

struct nbd_export {
	struct nbd_export_config cfg;    /* defaults filled in */
	struct nbdx_entry disk[NBD_EXPORT_MAX_DISKS];
	unsigned ndisks;
	int      lfd;                    /* listening socket, -1 */
	char    *path;                   /* its file, unlinked at destroy */
	int      stopfd;                 /* eventfd: nbd_export_stop */
	bool     stop;                   /* atomic */
	struct kern_waitq *wq;           /* the loop sleeps here while I/O is out */
	uint64_t kicks;                  /* atomic: completions signalled */
	pthread_t thread;
	bool     thread_started;
	int      thread_rc;
	uint32_t thread_max_clients;
	struct gk_runtime *rt;
	pthread_mutex_t st_mu;           /* stats */
	struct nbd_export_stats st;
};

/* One queued piece of output: 'inl' bytes first, then 'data' (owned). */
struct nbdx_out {
	struct nbdx_out *next;
	uint8_t  inl[NBD_REP_HDR_LEN + 24];
	size_t   inl_len;
	uint8_t *data;
	size_t   data_len;
	size_t   off;                    /* bytes of inl+data already sent */
	uint64_t acct;                   /* counted in c->buffered until freed */
};

/* NBDC_*: the connection's input state. */
enum nbdx_conn_state {
	NBDC_CLIENT_FLAGS,   /* greeting sent, waiting for the client's u32 flags */
	NBDC_OPT_HDR,        /* option haggling: next option header */
	NBDC_OPT_DATA,       /* reading an option's data */
	NBDC_REQ_HDR,        /* transmission: next request header */
	NBDC_REQ_PAYLOAD,    /* reading a WRITE payload */
	NBDC_DRAINING,       /* soft end (DISC, ABORT, EOF): finish I/O, flush output, close */
	NBDC_CLOSED,         /* hard end: finish I/O, drop output, close */
};

/* NBDR_*: where a request is. */
enum nbdx_req_state { NBDR_PAYLOAD, NBDR_IO, NBDR_POSTFLUSH };

struct nbdx_req {
	struct nbd_conn *c;
	struct nbdx_req *next;           /* done list */
	enum nbdx_req_state st;
	uint16_t type, flags;
	uint64_t cookie, off;
	uint32_t len;
	uint64_t pos;                    /* PAYLOAD: bytes received; WRITE_ZEROES: bytes written */
	uint32_t chunk;                  /* WRITE_ZEROES: the write out now */
	uint8_t *buf;                    /* READ/WRITE data (len bytes) */
	uint64_t acct;                   /* bytes counted in c->buffered */
	uint32_t early_err;              /* NBD_E*: reply this once the payload is in */
	int      err;                    /* set by the completion */
};

struct nbd_conn {
	struct nbd_export *x;
	enum nbdx_conn_state state;
	bool     no_zeroes;
	const struct nbdx_entry *exp;    /* chosen export (transmission) */
	uint16_t tflags;
	uint8_t  hdr[NBD_REQUEST_LEN];   /* header being assembled */
	uint32_t hdr_have, hdr_need;
	uint32_t opt, opt_len;           /* option being read */
	uint8_t  opt_data[NBDX_OPT_DATA_MAX];
	uint32_t nopts;
	struct nbdx_req *cur;            /* WRITE whose payload is arriving */
	unsigned inflight;               /* requests accepted and not yet answered */
	uint64_t buffered;
	struct nbdx_out *out_head, *out_tail;
	bool     paused;                 /* last input stopped at a cap */
	pthread_mutex_t mu;              /* done list: completions may come from any thread */
	struct nbdx_req *done_head, *done_tail;
	void   (*notify)(void *arg);
	void    *notify_arg;
};

/* nbd_export_conn.c */
void nbdx_set_state(struct nbd_conn *c, enum nbdx_conn_state s);
void nbdx_queue(struct nbd_conn *c, struct nbdx_out *o);
struct nbdx_out *nbdx_out_new(const void *inl, size_t inl_len, const void *data, size_t data_len);
void nbdx_stat_add(struct nbd_export *x, uint64_t *field, uint64_t n);
uint16_t nbdx_tflags(const struct nbd_disk *d);

/* nbd_export_io.c */
void nbdx_req_header(struct nbd_conn *c);
size_t nbdx_req_payload(struct nbd_conn *c, const uint8_t *p, size_t len);
bool nbdx_can_take_request(struct nbd_conn *c);

/* big-endian helpers */
static inline void nbdx_put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline void nbdx_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}
static inline void nbdx_put64(uint8_t *p, uint64_t v) { nbdx_put32(p, (uint32_t)(v >> 32)); nbdx_put32(p + 4, (uint32_t)v); }
static inline uint16_t nbdx_get16(const uint8_t *p) { return (uint16_t)((p[0] << 8) | p[1]); }
static inline uint32_t nbdx_get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}
static inline uint64_t nbdx_get64(const uint8_t *p) { return ((uint64_t)nbdx_get32(p) << 32) | nbdx_get32(p + 4); }

#endif /* SIM_GUEST_NBD_EXPORT_VAR_H */
