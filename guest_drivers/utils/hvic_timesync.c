/* hvic_timesync.c -- guest timesync: step the clock offset on SYNC, slew it
 * by a bounded amount on SAMPLE, ignore implausible times (RELIABILITY 89).
 * The guest's wall clock is the partition reference time plus the offset. */
#include <string.h>

#include "guest_drivers/hyperv/hyperv.h"
#include "guest_drivers/kern.h"
#include "guest_drivers/utils/hvic_var.h"

/* Plausible parent times: from 1970 to the start of year 9999 (100 ns since
 * 1601); "year 30000", 0 and negative values fall outside. */
#define TS_MIN_PARENT VMBUS_IC_WLTIMEDELTA
#define TS_MAX_PARENT 2650467744000000000ull /* 9999-01-01 */
/* The host reads the reference counter a little ahead of our TSC-page
 * view of it; a sample "from the future" by more than this is garbage. */
#define TS_REF_SLACK  10000000ull /* 1 s */

static struct hvic_ts_state ts;

void hvic_ts_reset(void)
{
	memset(&ts, 0, sizeof ts);
}

void hvic_ts_get(struct hvic_ts_state *out)
{
	*out = ts;
}

uint64_t hvic_wall_time(void)
{
	return ts.synced ? hyperv_ref_time() + (uint64_t)ts.offset : 0;
}

static void ts_apply(uint8_t flags, uint64_t parent, uint64_t sample_ref, bool have_ref)
{
	uint64_t now = hyperv_ref_time();
	if (parent < TS_MIN_PARENT || parent > TS_MAX_PARENT ||
	    (flags & ~VMBUS_IC_TIMESYNC_FLAGS_KNOWN) ||
	    (have_ref && sample_ref > now && sample_ref - now > TS_REF_SLACK)) {
		ts.ignored++;
		return;
	}
	/* v4: the host's time was taken at sample_ref; it is later now. */
	uint64_t target = parent + (have_ref && now > sample_ref ? now - sample_ref : 0);
	int64_t want = (int64_t)(target - now);
	if (flags & VMBUS_IC_TIMESYNC_SYNC) {
		ts.syncs++;
		ts.steps++;
		ts.offset = want;
		ts.synced = true;
		return;
	}
	if (!(flags & VMBUS_IC_TIMESYNC_SAMPLE))
		return; /* PROBE */
	ts.samples++;
	int64_t delta = want - ts.offset;
	uint64_t mag = delta < 0 ? (uint64_t)0 - (uint64_t)delta : (uint64_t)delta;
	/* Hosts may omit SYNC after a resume: far off (or never synced) steps. */
	if (!ts.synced || mag >= hvic_g.cfg.ts_step_min) {
		ts.steps++;
		ts.offset = want;
		ts.synced = true;
		return;
	}
	int64_t lim = (int64_t)hvic_g.cfg.ts_slew_max;
	ts.slews++;
	ts.offset += delta > lim ? lim : delta < -lim ? -lim : delta;
}

static uint32_t ts_request(struct hvic_sc *sc, uint8_t *body, uint32_t len, uint64_t tid)
{
	(void)tid;
	if (sc->sc_msg_version >= 0x00040000u) {
		struct vmbus_ic_timesync4 m;
		memset(&m, 0, sizeof m);
		if (len < VMBUS_IC_TIMESYNC4_MIN_SIZE) {
			sc->sc_st.bad_body++;
			return VMBUS_IC_E_FAIL;
		}
		memcpy(&m, body, len < sizeof m ? len : sizeof m);
		ts_apply(m.flags, m.parent_time, m.vm_reference_time, true);
	} else {
		struct vmbus_ic_timesync m;
		memset(&m, 0, sizeof m);
		if (len < VMBUS_IC_TIMESYNC_MIN_SIZE) {
			sc->sc_st.bad_body++;
			return VMBUS_IC_E_FAIL;
		}
		memcpy(&m, body, len < sizeof m ? len : sizeof m);
		ts_apply(m.flags, m.parent_time, 0, false);
	}
	return VMBUS_IC_S_OK; /* echoed either way (devices.md D.6) */
}

const struct hvic_ic hvic_ic_timesync = {
	.name = "timesync",
	.msgtype = VMBUS_ICMSG_TIMESYNC,
	.class_id = VMBUS_GUID_TIMESYNC,
	.versions = { 0x00010000u, 0x00030000u, 0x00040000u },
	.nversions = 3,
	.request = ts_request,
};
