/* icvsp_shutdown.c -- host shutdown IC: one shutdown / reboot / hibernate
 * request at a time, the guest's status recorded (S_OK: it goes down). */
#include <errno.h>
#include <string.h>

#include "sim/devices/ic/icvsp_var.h"

const char *icvsp_sd_result_name(enum icvsp_sd_result r)
{
	static const char *const n[] = { "none", "pending", "sent", "accepted", "refused",
					  "timeout" };
	return (unsigned)r <= ICVSP_SD_TIMEOUT ? n[r] : "?";
}

static bool sd_try_send(struct icvsp_dev *d)
{
	struct icvsp *s = d->d_set;
	if (s->s_sd.result != ICVSP_SD_PENDING)
		return false;
	struct vmbus_ic_shutdown m;
	memset(&m, 0, sizeof m);
	m.reason_code = s->s_sd_reason;
	m.timeout_seconds = s->s_sd_timeout;
	m.flags = s->s_sd.flags;
	memcpy(m.display_message, s->s_sd_msg, sizeof m.display_message);
	if (icvsp_send_request(d, &m, sizeof m) != 0)
		return false;
	s->s_sd.result = ICVSP_SD_SENT;
	icvsp_trace(s, "ic shutdown: request flags 0x%x reason 0x%x", m.flags, m.reason_code);
	return true;
}

int icvsp_shutdown_request(struct icvsp *s, uint32_t flags, uint32_t reason, uint32_t timeout_s,
			   const char *message)
{
	struct icvsp_dev *d = s->s_dev[ICVSP_SHUTDOWN];
	if (!d)
		return -EINVAL;
	if (s->s_sd.result == ICVSP_SD_PENDING || s->s_sd.result == ICVSP_SD_SENT)
		return -EBUSY;
	s->s_sd.result = ICVSP_SD_PENDING;
	s->s_sd.flags = flags;
	s->s_sd.status = 0;
	s->s_sd.requests++;
	s->s_sd_reason = reason;
	s->s_sd_timeout = timeout_s;
	memset(s->s_sd_msg, 0, sizeof s->s_sd_msg);
	if (message)
		strncpy(s->s_sd_msg, message, sizeof s->s_sd_msg - 1);
	if (icvsp_ready(d) && !d->d_busy)
		sd_try_send(d);
	icvsp_kick(s);
	return 0;
}

static bool sd_pump(struct icvsp_dev *d)
{
	return sd_try_send(d);
}

static void sd_reply(struct icvsp_dev *d, const struct vmbus_icmsg_hdr *h, const uint8_t *body,
		     uint32_t len)
{
	(void)body;
	(void)len;
	struct icvsp *s = d->d_set;
	if (s->s_sd.result != ICVSP_SD_SENT)
		return;
	s->s_sd.status = h->status;
	s->s_sd.result = h->status == VMBUS_IC_S_OK ? ICVSP_SD_ACCEPTED : ICVSP_SD_REFUSED;
	icvsp_trace(s, "ic shutdown: guest answered 0x%08x (%s)", h->status,
		    icvsp_sd_result_name(s->s_sd.result));
}

static void sd_timeout(struct icvsp_dev *d)
{
	if (d->d_set->s_sd.result == ICVSP_SD_SENT)
		d->d_set->s_sd.result = ICVSP_SD_TIMEOUT;
}

static void sd_closed(struct icvsp_dev *d)
{
	/* A guest that goes down closes the channel after answering; a
	 * request still waiting for its answer stays unanswered. */
	if (d->d_set->s_sd.result == ICVSP_SD_SENT)
		d->d_set->s_sd.result = ICVSP_SD_TIMEOUT;
}

const struct icvsp_ic icvsp_ic_shutdown = {
	.name = "shutdown",
	.msgtype = VMBUS_ICMSG_SHUTDOWN,
	.class_id = VMBUS_GUID_SHUTDOWN,
	.instance_id = VMBUS_INST_SHUTDOWN,
	.versions = { 0x00010000u, 0x00030000u, 0x00030001u, 0x00030002u },
	.nversions = 4,
	.reply_timer = true,
	.reply = sd_reply,
	.timeout = sd_timeout,
	.closed = sd_closed,
	.pump = sd_pump,
};

int icvsp_sd_info(const struct icvsp *s, struct icvsp_sd_info *out)
{
	if (!s->s_dev[ICVSP_SHUTDOWN])
		return -EINVAL;
	*out = s->s_sd;
	return 0;
}
