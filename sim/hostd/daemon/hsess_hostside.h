/* hsess_hostside.h -- the host-side aggregate (sim/devices/hostside) as a
 * session extension: pumped after every guest input, polled for monitor
 * pages at the adaptive period, its activity counted.  hvsim-hostd uses
 * it, and so do the benchmarks' daemons; each supplies only the attach
 * that decides which devices a session gets. */
#ifndef SIM_HOSTD_DAEMON_HSESS_HOSTSIDE_H
#define SIM_HOSTD_DAEMON_HSESS_HOSTSIDE_H

#include "sim/hostd/daemon/hsess.h"

struct hostside_notify;

/* The notify hooks a session's hostside wants (pass s as their argument):
 * a device with work kicks the session's pump. */
const struct hostside_notify *hsess_hostside_notify(void);

/* An extension whose per-session context is a struct hostside *: attach
 * creates it (hostside_create with hsess_hostside_notify()); pump, detach,
 * wants_poll and activity are hostside's; HOSTSIDE_POLL_NS backing off to
 * HOSTSIDE_POLL_MAX_NS. */
struct hsess_ext hsess_hostside_ext(int (*attach)(struct hsess *s, void *arg, void **ctx),
				    void *arg);

#endif /* SIM_HOSTD_DAEMON_HSESS_HOSTSIDE_H */
