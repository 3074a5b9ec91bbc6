/* hostside.c -- the per-guest host aggregate: VMBus server plus devices. */
#include "sim/devices/hostside.h"

#include <errno.h>
#include <stdlib.h>

#include "sim/hostd/vmbs.h"
#include "sim/hostd/vmbs_check.h"

struct hostside {
	struct part          *hs_part;
	struct vmbs          *hs_vmbs;
	struct icvsp         *hs_ic;
	struct hostside_notify hs_out;
	void                 *hs_arg;
};

static void hs_kick(void *arg)
{
	struct hostside *hs = arg;
	if (hs->hs_out.kick)
		hs->hs_out.kick(hs->hs_arg);
}

static void hs_trace(void *arg, const char *line)
{
	struct hostside *hs = arg;
	if (hs->hs_out.trace)
		hs->hs_out.trace(hs->hs_arg, line);
}

struct hostside *hostside_create(struct part *p, struct gmem *gm,
				 const struct hostside_config *cfg,
				 const struct hostside_notify *out, void *arg)
{
	struct hostside *hs = calloc(1, sizeof *hs);
	if (!hs)
		return NULL;
	hs->hs_part = p;
	if (out)
		hs->hs_out = *out;
	hs->hs_arg = arg;
	if (cfg && cfg->vmbus) {
		static const struct vmbs_notify vn = { .kick = hs_kick, .trace = hs_trace };
		struct vmbs_config vc = { .max_channels = cfg->max_channels };
		hs->hs_vmbs = vmbs_create(p, gm, &vc, &vn, hs);
		if (!hs->hs_vmbs) {
			int e = errno;
			free(hs);
			errno = e;
			return NULL;
		}
		if (cfg->check && vmbs_check_enable(hs->hs_vmbs) != 0) {
			vmbs_destroy(hs->hs_vmbs);
			free(hs);
			errno = ENOMEM;
			return NULL;
		}
		const struct icvsp_config *ic = &cfg->ic;
		if (ic->heartbeat || ic->shutdown || ic->timesync || ic->kvp) {
			static const struct icvsp_notify in = { .kick = hs_kick, .trace = hs_trace };
			hs->hs_ic = icvsp_create(hs->hs_vmbs, p, ic, &in, hs);
			if (!hs->hs_ic) {
				int e = errno;
				vmbs_destroy(hs->hs_vmbs);
				free(hs);
				errno = e;
				return NULL;
			}
		}
	}
	return hs;
}

void hostside_destroy(struct hostside *hs)
{
	if (!hs)
		return;
	/* The server first: its close/rescinded ops still reach the ICs. */
	vmbs_destroy(hs->hs_vmbs);
	icvsp_destroy(hs->hs_ic);
	free(hs);
}

bool hostside_pump(struct hostside *hs)
{
	bool more = hs->hs_vmbs ? vmbs_pump(hs->hs_vmbs) : false;
	/* After the server: an OPEN_RESULT goes out before the NEGOTIATE. */
	if (hs->hs_ic && icvsp_pump(hs->hs_ic))
		more = true;
	return more;
}

struct vmbs *hostside_vmbs(struct hostside *hs)
{
	return hs->hs_vmbs;
}

struct icvsp *hostside_ic(struct hostside *hs)
{
	return hs->hs_ic;
}

int hostside_ic_shutdown(struct hostside *hs, uint32_t flags, uint32_t reason, const char *message)
{
	return hs->hs_ic ? icvsp_shutdown_request(hs->hs_ic, flags, reason, 0, message) : -ENODEV;
}

int hostside_ic_shutdown_info(struct hostside *hs, struct icvsp_sd_info *out)
{
	return hs->hs_ic ? icvsp_sd_info(hs->hs_ic, out) : -ENODEV;
}

int hostside_ic_heartbeat(struct hostside *hs, struct icvsp_hb_info *out)
{
	return hs->hs_ic ? icvsp_hb_info(hs->hs_ic, out) : -ENODEV;
}

int hostside_ic_time_jump(struct hostside *hs, int64_t delta_100ns)
{
	return hs->hs_ic ? icvsp_ts_jump(hs->hs_ic, delta_100ns) : -ENODEV;
}

int hostside_ic_timesync(struct hostside *hs, struct icvsp_ts_info *out)
{
	return hs->hs_ic ? icvsp_ts_info(hs->hs_ic, out) : -ENODEV;
}

int hostside_ic_kvp_set(struct hostside *hs, uint8_t pool, const char *key, const char *value)
{
	return hs->hs_ic ? icvsp_kvp_set(hs->hs_ic, pool, key, value) : -ENODEV;
}

int hostside_ic_kvp_delete(struct hostside *hs, uint8_t pool, const char *key)
{
	return hs->hs_ic ? icvsp_kvp_delete(hs->hs_ic, pool, key) : -ENODEV;
}

int hostside_ic_kvp_get(struct hostside *hs, uint8_t pool, const char *key, char *buf, size_t cap)
{
	return hs->hs_ic ? icvsp_kvp_get(hs->hs_ic, pool, key, buf, cap) : -ENODEV;
}

int hostside_ic_kvp_refresh(struct hostside *hs)
{
	return hs->hs_ic ? icvsp_kvp_refresh(hs->hs_ic) : -ENODEV;
}
