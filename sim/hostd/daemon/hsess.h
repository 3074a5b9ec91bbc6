/* hsess.h -- one guest session of hvsim-hostd without the sockets: the
 * control-message parser and dispatcher, the partition, guest memory, the
 * shared control page and the eventfds.  The libevent glue (hconn.c) feeds
 * it datagrams; the fuzzer feeds it bytes. */
#ifndef SIM_HOSTD_DAEMON_HSESS_H
#define SIM_HOSTD_DAEMON_HSESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/hostd/daemon/ctl_proto.h"

struct hsess;
struct part;
struct gmem;

enum hsess_state {
	HSESS_AWAIT_HELLO, /* nothing but HELLO is legal */
	HSESS_READY,       /* partition exists; RPCs and doorbells flow */
	HSESS_FAILED,      /* a protocol violation: the owner drops it */
};
const char *hsess_state_name(enum hsess_state st);

/* A host component that lives per session on top of the partition (the
 * VMBus server and its devices): attached after HELLO, pumped after every
 * guest input, detached before the partition goes.  Runs on the loop's
 * thread only. */
struct hsess_ext {
	/* Create per-session state in *ctx.  0 or -errno (HELLO refused). */
	int  (*attach)(struct hsess *s, void *arg, void **ctx);
	/* Do pending work; true when some is left (called again, bounded). */
	bool (*pump)(void *ctx);
	void (*detach)(void *ctx);
	/* Also pump every poll_ns while attached (monitor pages), 0 = never. */
	uint64_t poll_ns;
	/* Optional: is that periodic pump needed now?  Asked after every
	 * guest input and every poll; NULL = always.  Lets an idle session
	 * cost no wake-ups. */
	bool (*wants_poll)(void *ctx);
	void *arg;
	/* Optional adaptive period: when above poll_ns, the owner doubles the
	 * period after every poll that found no work, up to poll_max_ns, and
	 * goes back to poll_ns as soon as a poll finds work or the guest sends
	 * anything (RPC, doorbell) or the extension kicks.  0 = a fixed
	 * poll_ns.  Lets a guest whose devices are idle cost few wake-ups
	 * while a busy one is polled fast. */
	uint64_t poll_max_ns;
	/* Optional: a counter that moves whenever the extension did work
	 * (packets, guest signals, back-end completions); a poll "found work"
	 * when it moved since the previous poll.  NULL: only guest input and
	 * kicks count. */
	uint64_t (*activity)(void *ctx);
};

/* What the owner supplies.  All callbacks may be NULL. */
struct hsess_env {
	uint64_t max_mem_bytes;        /* 0 = CTL_MAX_MEM_BYTES */
	bool     test_hooks;           /* accept CTL_ECHO_PORT */
	int      verbose;
	const char *tag;               /* log prefix, e.g. "conn 3" */
	/* Current CLOCK_MONOTONIC ns (NULL: the real clock). */
	uint64_t (*now_ns)(void *arg);
	/* The partition's earliest deadline moved (absolute CLOCK_MONOTONIC
	 * ns, UINT64_MAX for none): arm a timer and call hsess_tick(). */
	void (*deadline)(void *arg, uint64_t mono_ns);
	/* May this session take a partition?  (the daemon's guest cap) */
	bool (*admit)(void *arg);
	/* Fill the CTL_STATS page 0 values. */
	void (*stats)(void *arg, uint64_t v[4]);
	/* Call hsess_pump() soon from the loop (hsess_kick was called). */
	void (*kick)(void *arg);
	/* What the operator prepared for this guest before its HELLO (the
	 * daemon: a struct devspec from "guest.devices"), handed over once;
	 * NULL for none.  The extension's attach takes it with
	 * hsess_take_prepared() and owns it from then on. */
	void *(*take_prepared)(void *arg);
	const struct hsess_ext *ext;   /* borrowed; NULL for none */
	void *arg;
};

struct hsess *hsess_new(const struct hsess_env *env);
/* Frees the partition, memory, control page and every fd.  NULL ok. */
void hsess_free(struct hsess *s);
enum hsess_state hsess_state(const struct hsess *s);

/* A reply to send: bytes and, after HELLO, the fds to pass (still owned by
 * the session; the sender duplicates nothing and closes nothing). */
struct hsess_out {
	uint8_t  buf[CTL_MSG_MAX];
	size_t   len;                  /* 0: nothing to send */
	int      fds[CTL_MAX_FDS];
	unsigned nfds;
};

/* Handle one received message (copied before it is parsed).  Returns 0
 * with the reply in *out, or a negative errno when the connection must be
 * dropped (bad length, magic, type, state; a HELLO refused is answered
 * first and then returns -EPERM via hsess_state() == HSESS_FAILED). */
int hsess_input(struct hsess *s, const void *msg, size_t len, struct hsess_out *out);

/* The doorbell eventfd fired: consume it and deliver every doorbell bit. */
void hsess_doorbell(struct hsess *s);
/* Bring the partition clock to now and fire due timers. */
void hsess_tick(struct hsess *s);

/* Run the extension's pump now (bounded); hsess_kick asks the owner to
 * call it soon, for extension work that arrives outside a guest input. */
void hsess_pump(struct hsess *s);
void hsess_kick(struct hsess *s);
/* Should the owner run the periodic pump now (ext->poll_ns set and
 * ext->wants_poll absent or true)?  False before HELLO. */
bool hsess_wants_poll(struct hsess *s);
/* ext->activity's counter (0 without one, or before HELLO). */
uint64_t hsess_activity(struct hsess *s);
/* For ext->attach: env->take_prepared's answer (NULL without one). */
void *hsess_take_prepared(struct hsess *s);
/* Extension context from attach, NULL before HELLO or without one. */
void *hsess_ext_ctx(struct hsess *s);

/* -1 before HELLO. */
int hsess_doorbell_fd(const struct hsess *s);
struct part *hsess_part(struct hsess *s);
/* The shared control page (NULL before HELLO): for tests and the fuzzer,
 * which play the guest's side of it. */
struct ctl_page *hsess_ctl_page(struct hsess *s);
struct gmem *hsess_gmem(struct hsess *s);
/* What HELLO said: profile name, vCPUs, memory; false before HELLO. */
bool hsess_hello_info(const struct hsess *s, const char **profile, uint32_t *ncpus,
		      uint64_t *mem_bytes);

/* Event ports and the doorbell: a connection is published to the guest's
 * fast path (cp_db_valid) when added here, or lazily when the guest's
 * first HvSignalEvent RPC to it succeeds (so ports added with
 * part_event_port_add directly, e.g. by the VMBus server, get the fast
 * path from the second signal on); it is withdrawn when a doorbell finds
 * the port gone.  Same returns as the partition calls. */
int hsess_event_port_add(struct hsess *s, uint32_t conn_id, uint16_t flag_count,
			 void (*signal)(void *arg, uint32_t vp, uint16_t flag),
			 void *arg);
int hsess_event_port_remove(struct hsess *s, uint32_t conn_id);

/* Pure parser of a HELLO (exposed for tests and the fuzzer): 0 and the
 * copied request, or -EPROTO (bad framing), -EPROTONOSUPPORT, -EINVAL
 * (ncpus, memory), -ENOENT (profile). */
int hsess_parse_hello(const void *msg, size_t len, uint64_t max_mem,
		      struct ctl_hello *out);

#endif /* SIM_HOSTD_DAEMON_HSESS_H */
