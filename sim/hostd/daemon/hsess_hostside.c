/* hsess_hostside.c -- hostside as a session extension (hsess_hostside.h). */
#include "sim/hostd/daemon/hsess_hostside.h"

#include "sim/devices/hostside.h"

static void hh_kick(void *arg)
{
	hsess_kick(arg);
}

const struct hostside_notify *hsess_hostside_notify(void)
{
	static const struct hostside_notify out = { .kick = hh_kick };
	return &out;
}

static bool hh_pump(void *ctx)
{
	return hostside_pump(ctx);
}

static void hh_detach(void *ctx)
{
	hostside_destroy(ctx);
}

static bool hh_wants_poll(void *ctx)
{
	return hostside_wants_poll(ctx);
}

static uint64_t hh_activity(void *ctx)
{
	return hostside_activity(ctx);
}

struct hsess_ext hsess_hostside_ext(int (*attach)(struct hsess *s, void *arg, void **ctx),
				    void *arg)
{
	return (struct hsess_ext){
		.attach = attach, .pump = hh_pump, .detach = hh_detach,
		.poll_ns = HOSTSIDE_POLL_NS, .poll_max_ns = HOSTSIDE_POLL_MAX_NS,
		.wants_poll = hh_wants_poll, .activity = hh_activity, .arg = arg,
	};
}
