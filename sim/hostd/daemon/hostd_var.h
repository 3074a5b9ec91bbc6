/* hostd_var.h -- internal state of the daemon (hostd.c) and of one
 * connection's I/O glue (hconn.c). */
#ifndef SIM_HOSTD_DAEMON_HOSTD_VAR_H
#define SIM_HOSTD_DAEMON_HOSTD_VAR_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/hostd/daemon/hostd.h"
#include "sim/hostd/daemon/hsess.h"

struct event;
struct event_base;

/* Replies a peer may leave unread (beyond the socket buffer) before it is
 * dropped as "stopped reading". */
#define HCONN_OUTQ_MAX     16u
/* Messages handled per read callback before yielding to other sessions. */
#define HCONN_READ_BUDGET  64u
/* A connection that has not said HELLO by then is dropped. */
#define HCONN_HELLO_TIMEOUT_MS 10000u
/* fds accepted into one recvmsg's control buffer (all of them refused). */
#define HCONN_CMSG_FDS     8u
/* Device lists waiting for their guest's HELLO, and how long they wait. */
#define HOSTD_PREPARED_MAX     64u
#define HOSTD_PREPARED_TTL_MS  60000u

struct devspec;

struct hconn_outmsg {
	uint8_t m_buf[CTL_MSG_MAX];
	uint8_t m_len;
};

struct hconn {
	struct hostd    *c_d;
	struct hconn    *c_prev, *c_next;
	unsigned         c_id;
	int              c_pid;       /* the guest process (SO_PEERCRED), 0 unknown */
	char             c_tag[32];
	int              c_fd;
	struct hsess    *c_sess;
	bool             c_admitted;  /* counted in sessions_live */
	struct event    *c_ev_read;
	struct event    *c_ev_write;  /* armed while c_outq is non-empty */
	struct event    *c_ev_db;     /* doorbell eventfd, after HELLO */
	struct event    *c_ev_timer;  /* HELLO timeout, then partition deadline */
	uint64_t         c_deadline_ns; /* the partition's, CLOCK_MONOTONIC; UINT64_MAX none */
	struct event    *c_ev_kick;   /* one-shot: run the extension's pump */
	struct event    *c_ev_poll;   /* periodic pump (ext->poll_ns) while hsess_wants_poll */
	uint64_t         c_poll_ns;   /* its current period (adaptive: hconn_poll_next) */
	uint64_t         c_poll_seen; /* hsess_activity() at the last poll */
	struct hconn_outmsg c_outq[HCONN_OUTQ_MAX];
	unsigned         c_outq_head, c_outq_len;
};

struct hostd {
	struct hostd_config d_cfg;
	char             d_path[HOSTD_SOCKET_PATH_MAX + 1];
	char             d_lock_path[HOSTD_SOCKET_PATH_MAX + 8];
	int              d_lock_fd;
	int              d_listen_fd;
	bool             d_bound;     /* we created d_path: unlink it at exit */
	int              d_stop_fd;   /* eventfd: hostd_stop() */
	struct event_base *d_base;
	struct event    *d_ev_listen;
	struct event    *d_ev_listen_retry; /* re-arm accept after EMFILE */
	struct event    *d_ev_stop;
	struct event    *d_ev_sig[3];
	struct hconn    *d_conns;
	unsigned         d_next_id;
	struct hostd_stats d_stats;
	/* The operator's control socket (hctl.c): JSON lines. */
	char             d_ctl_path[HOSTD_SOCKET_PATH_MAX + 1];
	int              d_ctl_fd;
	bool             d_ctl_bound;
	struct event    *d_ev_ctl;
	struct hctl_client *d_ctl_clients;
	unsigned         d_nctl;
	/* Devices prepared for a guest pid that has not said HELLO yet
	 * ("guest.devices"); capped, and stale ones are dropped. */
	struct hostd_prepared {
		int      pid;
		uint64_t at_ms;
		struct devspec *spec;
	} d_prepared[HOSTD_PREPARED_MAX];
	unsigned         d_nprepared;
};

/* hctl.c */
/* Bind the control socket at d->d_ctl_path (mode 0600).  0 or -1 + err. */
int  hctl_open(struct hostd *d, char *err, size_t errlen);
void hctl_close(struct hostd *d);
/* Ask the connection's loop to run the session's pump (after a command). */
void hconn_kick_pump(struct hconn *c);

/* hconn.c */
struct hconn *hconn_new(struct hostd *d, int fd);
/* Close and free; 'why' is logged when non-NULL (a drop for bad input
 * counts in stats.dropped when 'dropped'). */
void hconn_close(struct hconn *c, const char *why, bool dropped);
/* The poll period after one at 'cur': 'fast' when the poll found work (or
 * the period is fixed: max <= fast), else doubled up to 'max'. */
uint64_t hconn_poll_next(uint64_t cur, uint64_t fast, uint64_t max, bool found_work);

/* hostd.c, for hconn.c and hctl.c */
/* Keep 'spec' (owned from now on) for the guest pid's HELLO, replacing an
 * earlier one.  0 or -ENOSPC (too many waiting). */
int  hostd_prepare_devices(struct hostd *d, int pid, struct devspec *spec);
/* Hand over what was prepared for pid (the caller frees it), or NULL. */
struct devspec *hostd_take_devices(struct hostd *d, int pid);
bool hostd_admit(struct hostd *d);
void hostd_fill_stats(struct hostd *d, uint64_t v[4]);

#endif /* SIM_HOSTD_DAEMON_HOSTD_VAR_H */
