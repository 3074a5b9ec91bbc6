/* hostd.h -- the hvsim-hostd daemon as a library: a libevent loop serving
 * one partition per connected guest process over the split transport
 * (ctl_proto.h).  hostd_main.c is a thin CLI around it; tests can run it in
 * a thread. */
#ifndef SIM_HOSTD_DAEMON_HOSTD_H
#define SIM_HOSTD_DAEMON_HOSTD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;
struct hostd;
struct hsess_ext;

#define HOSTD_DEFAULT_MAX_GUESTS 16u
#define HOSTD_MAX_GUESTS_LIMIT   1024u
/* sun_path holds 108 bytes including the NUL. */
#define HOSTD_SOCKET_PATH_MAX    107u

struct hostd_config {
	const char *socket_path;  /* borrowed for the call; copied */
	/* The operator's JSON-lines control socket (hctl.c); NULL or "" =
	 * socket_path + ".ctl" when that fits in a socket path. */
	const char *control_path;
	uint32_t max_guests;      /* sessions past HELLO; 0 = default */
	uint64_t max_mem_bytes;   /* per guest; 0 = CTL_MAX_MEM_BYTES */
	int      verbose;         /* 0 quiet, 1 session events, 2 traces */
	bool     test_hooks;      /* accept CTL_ECHO_PORT */
	bool     handle_signals;  /* SIGTERM/SIGINT stop the loop (the exe) */
	/* Per-session host component (the VMBus server and devices), see
	 * hsess.h; borrowed, must outlive the daemon.  NULL: partition only. */
	const struct hsess_ext *ext;
};

/* Take the lock file (socket_path + ".lock"), bind and listen.  On failure
 * returns NULL with a message in err and *exit_code set: 2 for a bad
 * configuration (path too long), 1 for anything else (another daemon
 * serves this socket, bind failed).  The loop does not run yet. */
struct hostd *hostd_create(const struct hostd_config *cfg, char *err,
			   size_t errlen, int *exit_code);
/* Run the loop until hostd_stop() or a handled signal.  0 or -errno. */
int hostd_run(struct hostd *d);
/* Ask the loop to stop; safe from any thread and from signal context. */
void hostd_stop(struct hostd *d);
/* Close every session, unlink the socket and the lock file, free.  NULL ok. */
void hostd_destroy(struct hostd *d);

/* Daemon-wide counters (for tests and CTL_STATS).  Read them only from the
 * loop's thread or after hostd_run returned. */
struct hostd_stats {
	uint64_t sessions_live;   /* past HELLO */
	uint64_t conns_live;      /* accepted, not yet closed */
	uint64_t conns_total;
	uint64_t dropped;         /* closed for bad input or a stuck peer */
	uint64_t polls;           /* periodic pumps run (monitor-page polls) */
};
void hostd_get_stats(const struct hostd *d, struct hostd_stats *out);

#endif /* SIM_HOSTD_DAEMON_HOSTD_H */
