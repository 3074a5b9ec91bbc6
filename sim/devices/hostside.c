/* hostside.c -- the per-guest host aggregate: VMBus server plus devices. */
#include "sim/devices/hostside.h"

#include <errno.h>
#include <stdlib.h>

#include "sim/hostd/vmbs.h"

struct hostside {
	struct part          *hs_part;
	struct vmbs          *hs_vmbs;
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
	}
	return hs;
}

void hostside_destroy(struct hostside *hs)
{
	if (!hs)
		return;
	vmbs_destroy(hs->hs_vmbs);
	free(hs);
}

bool hostside_pump(struct hostside *hs)
{
	return hs->hs_vmbs ? vmbs_pump(hs->hs_vmbs) : false;
}

struct vmbs *hostside_vmbs(struct hostside *hs)
{
	return hs->hs_vmbs;
}
