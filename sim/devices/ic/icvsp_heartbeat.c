/* icvsp_heartbeat.c -- host heartbeat IC: a beat every interval with a
 * sequence number, the guest answers seq + 1; after N beats in a row go
 * unanswered the guest is "unresponsive" (RELIABILITY 90). */
#include <errno.h>
#include <string.h>

#include "sim/devices/ic/icvsp_var.h"
#include "sim/hostd/partition.h"

static const char *const hb_health_names[] = { "unknown", "healthy", "unresponsive" };

const char *icvsp_hb_health_name(enum icvsp_hb_health h)
{
	return (unsigned)h <= ICVSP_HB_UNRESPONSIVE ? hb_health_names[h] : "?";
}

static void hb_set_health(struct icvsp *s, enum icvsp_hb_health h)
{
	if (s->s_hb.health == h)
		return;
	icvsp_trace(s, "ic heartbeat: guest %s -> %s", icvsp_hb_health_name(s->s_hb.health),
		    icvsp_hb_health_name(h));
	s->s_hb.health = h;
	s->s_hb.transitions++;
	s->s_hb.last_transition = icvsp_now(s);
	if (h == ICVSP_HB_UNRESPONSIVE)
		s->s_hb.unresponsive_events++;
}

static void hb_missed(struct icvsp *s)
{
	s->s_hb.missed++;
	s->s_hb.missed_total++;
	if (s->s_hb.missed >= s->s_cfg.hb_max_missed)
		hb_set_health(s, ICVSP_HB_UNRESPONSIVE);
}

static void hb_arm(struct icvsp_dev *d)
{
	part_host_timer_arm(d->d_tick, icvsp_now(d->d_set) + d->d_set->s_cfg.hb_interval);
}

static void hb_send(struct icvsp_dev *d)
{
	struct icvsp *s = d->d_set;
	struct vmbus_ic_heartbeat hb;
	memset(&hb, 0, sizeof hb);
	hb.seq_num = s->s_hb_next_seq;
	if (icvsp_send_request(d, &hb, sizeof hb) == 0) {
		s->s_hb.beats_sent++;
		s->s_hb.last_seq_sent = hb.seq_num;
		/* u64 arithmetic wraps: UINT64_MAX is followed by 0. */
		s->s_hb_next_seq = hb.seq_num + 1;
	}
}

static void hb_tick(struct icvsp_dev *d)
{
	struct icvsp *s = d->d_set;
	/* The beat (or the NEGOTIATE) of the last interval is still unanswered:
	 * one more missed; its late reply will be dropped as stale. */
	if (d->d_busy) {
		hb_missed(s);
		if (d->d_state == ICVSP_ST_READY)
			icvsp_abandon(d);
	}
	if (d->d_state == ICVSP_ST_READY)
		hb_send(d);
	else if (d->d_state == ICVSP_ST_FAILED)
		hb_missed(s);
	hb_arm(d);
}

static void hb_ready(struct icvsp_dev *d)
{
	hb_send(d);
}

static void hb_reply(struct icvsp_dev *d, const struct vmbus_icmsg_hdr *h, const uint8_t *body,
		     uint32_t len)
{
	struct icvsp *s = d->d_set;
	uint64_t seq;
	if (len < VMBUS_IC_HEARTBEAT_MIN_SIZE || h->status != VMBUS_IC_S_OK) {
		d->d_st.drop[ICVSP_DROP_BODY]++;
		hb_missed(s);
		return;
	}
	memcpy(&seq, body, sizeof seq);
	if (seq != s->s_hb.last_seq_sent + 1) {
		s->s_hb.bad_seq++;
		icvsp_trace(s, "ic heartbeat: answer %llu to beat %llu",
			    (unsigned long long)seq, (unsigned long long)s->s_hb.last_seq_sent);
		hb_missed(s);
		return;
	}
	s->s_hb.beats_answered++;
	s->s_hb.last_seq_answered = seq;
	s->s_hb.missed = 0;
	hb_set_health(s, ICVSP_HB_HEALTHY);
}

/* The interval timer runs from open: a guest that opens and never
 * negotiates is missing beats too. */
static void hb_opened(struct icvsp_dev *d)
{
	hb_arm(d);
}

const struct icvsp_ic icvsp_ic_heartbeat = {
	.name = "heartbeat",
	.msgtype = VMBUS_ICMSG_HEARTBEAT,
	.class_id = VMBUS_GUID_HEARTBEAT,
	.instance_id = VMBUS_INST_HEARTBEAT,
	.versions = { 0x00010000u, 0x00030000u },
	.nversions = 2,
	.reply_timer = false,
	.ready = hb_ready,
	.reply = hb_reply,
	.opened = hb_opened,
	.tick = hb_tick,
};

int icvsp_hb_info(const struct icvsp *s, struct icvsp_hb_info *out)
{
	if (!s->s_dev[ICVSP_HEARTBEAT])
		return -EINVAL;
	*out = s->s_hb;
	return 0;
}
