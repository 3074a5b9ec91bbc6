/* icvsp_timesync.c -- host timesync IC: one SYNC after negotiation (and
 * after every host clock jump), then a SAMPLE every interval; layout by
 * the negotiated message version (devices.md D.6). */
#include <errno.h>
#include <string.h>

#include "sim/devices/ic/icvsp_var.h"
#include "sim/hostd/partition.h"

static uint64_t ts_wall(const struct icvsp *s)
{
	/* Wraps like the u64 it is; a hostile scenario may jump anywhere. */
	return s->s_cfg.ts_wall_base + icvsp_now(s) + (uint64_t)s->s_ts.host_offset;
}

static int ts_send(struct icvsp_dev *d, uint8_t flags, uint64_t parent, uint64_t ref)
{
	int rc;
	if (d->d_msg_version >= 0x00040000u) {
		struct vmbus_ic_timesync4 m;
		memset(&m, 0, sizeof m);
		m.parent_time = parent;
		m.vm_reference_time = ref;
		m.flags = flags;
		rc = icvsp_send_request(d, &m, sizeof m);
	} else {
		/* Before 4.0 there is no reference time: the guest takes
		 * parent_time as "now". */
		struct vmbus_ic_timesync m;
		memset(&m, 0, sizeof m);
		m.parent_time = parent;
		m.flags = flags;
		rc = icvsp_send_request(d, &m, sizeof m);
	}
	if (rc == 0) {
		struct icvsp *s = d->d_set;
		s->s_ts.last_parent_time = parent;
		if (flags & VMBUS_IC_TIMESYNC_SYNC)
			s->s_ts.syncs_sent++;
		if (flags & VMBUS_IC_TIMESYNC_SAMPLE)
			s->s_ts.samples_sent++;
	}
	return rc;
}

static bool ts_pump(struct icvsp_dev *d)
{
	struct icvsp *s = d->d_set;
	if (s->s_ts_raw_due) {
		if (ts_send(d, s->s_ts_raw_flags, s->s_ts_raw_parent, s->s_ts_raw_ref) == 0) {
			s->s_ts_raw_due = false;
			return true;
		}
		return false;
	}
	if (s->s_ts_sync_due &&
	    ts_send(d, VMBUS_IC_TIMESYNC_SYNC, ts_wall(s), icvsp_now(s)) == 0) {
		s->s_ts_sync_due = false;
		return true;
	}
	return false;
}

static void ts_arm(struct icvsp_dev *d)
{
	part_host_timer_arm(d->d_tick, icvsp_now(d->d_set) + d->d_set->s_cfg.ts_sample_interval);
}

static void ts_ready(struct icvsp_dev *d)
{
	d->d_set->s_ts_sync_due = true;
	ts_pump(d);
	ts_arm(d);
}

static void ts_tick(struct icvsp_dev *d)
{
	struct icvsp *s = d->d_set;
	/* An unanswered message keeps its slot until its timeout. */
	if (icvsp_ready(d) && !d->d_busy)
		ts_send(d, VMBUS_IC_TIMESYNC_SAMPLE, ts_wall(s), icvsp_now(s));
	ts_arm(d);
}

static void ts_reply(struct icvsp_dev *d, const struct vmbus_icmsg_hdr *h, const uint8_t *body,
		     uint32_t len)
{
	(void)body;
	(void)len;
	if (h->status != VMBUS_IC_S_OK)
		icvsp_trace(d->d_set, "ic timesync: guest answered 0x%08x", h->status);
}

static void ts_closed(struct icvsp_dev *d)
{
	d->d_set->s_ts_sync_due = false;
}

const struct icvsp_ic icvsp_ic_timesync = {
	.name = "timesync",
	.msgtype = VMBUS_ICMSG_TIMESYNC,
	.class_id = VMBUS_GUID_TIMESYNC,
	.instance_id = VMBUS_INST_TIMESYNC,
	.versions = { 0x00010000u, 0x00030000u, 0x00040000u },
	.nversions = 3,
	.reply_timer = true,
	.ready = ts_ready,
	.reply = ts_reply,
	.closed = ts_closed,
	.pump = ts_pump,
	.tick = ts_tick,
};

int icvsp_ts_jump(struct icvsp *s, int64_t delta_100ns)
{
	struct icvsp_dev *d = s->s_dev[ICVSP_TIMESYNC];
	if (!d)
		return -EINVAL;
	s->s_ts.host_offset = (int64_t)((uint64_t)s->s_ts.host_offset + (uint64_t)delta_100ns);
	if (icvsp_ready(d)) {
		s->s_ts_sync_due = true;
		if (!d->d_busy)
			ts_pump(d);
		icvsp_kick(s);
	}
	return 0;
}

int icvsp_ts_send_raw(struct icvsp *s, uint8_t flags, uint64_t parent_time, uint64_t ref_time)
{
	struct icvsp_dev *d = s->s_dev[ICVSP_TIMESYNC];
	if (!d)
		return -EINVAL;
	if (!icvsp_ready(d))
		return -ENOTCONN;
	if (s->s_ts_raw_due)
		return -EBUSY;
	s->s_ts_raw_due = true;
	s->s_ts_raw_flags = flags;
	s->s_ts_raw_parent = parent_time;
	s->s_ts_raw_ref = ref_time;
	if (!d->d_busy)
		ts_pump(d);
	icvsp_kick(s);
	return 0;
}

int icvsp_ts_info(const struct icvsp *s, struct icvsp_ts_info *out)
{
	if (!s->s_dev[ICVSP_TIMESYNC])
		return -EINVAL;
	*out = s->s_ts;
	out->wall_now = ts_wall(s);
	return 0;
}
