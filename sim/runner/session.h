/* session.h -- one guest against one simulated host, in either transport:
 * inproc (host model in this process, virtual time) or split (hvsim-hostd
 * in another process, real time).  The steps of a scenario run on it. */
#ifndef SIM_RUNNER_SESSION_H
#define SIM_RUNNER_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct scenario;
struct gk_runtime;

enum run_mode { RUN_INPROC, RUN_SPLIT };

struct session_opts {
	enum run_mode mode;
	uint64_t      seed;
	int           verbose;        /* 0 normal, 1 -v (guest info log), 2 -vv (debug) */
	const char   *socket_path;    /* split: a running daemon; NULL = start one */
	const char   *hostd_path;     /* split: the daemon binary; NULL = beside hvsim */
};

struct session;

/* Build the host and the guest for scenario s.  NULL with a reason in err. */
struct session *session_open(const struct session_opts *o, const struct scenario *s,
			     char *err, size_t errlen);
void session_close(struct session *ss); /* NULL-tolerant; stops a daemon it started */

struct gk_runtime *session_runtime(struct session *ss);
/* Run a host command (sim/devices/hostcmd.h) on this guest's host: a
 * direct call inproc, the daemon's control socket in split mode.  Returns
 * the reply (new reference; it may say "ok": false), or NULL with a reason
 * in err when the host could not be asked at all. */
json_t *session_host_cmd(struct session *ss, json_t *req, char *err, size_t errlen);
/* Guest time since the session began, ns. */
uint64_t session_now_ns(struct session *ss);
/* SIGKILL the daemon this run started (split mode), as a crash would:
 * 0, or -1 with the reason (inproc, or a shared daemon not ours to kill). */
int session_kill_host(struct session *ss, char *err, size_t errlen);

#endif /* SIM_RUNNER_SESSION_H */
