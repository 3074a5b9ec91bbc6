/* echo_dev.c -- a trivial VMBus device for tests: every in-band packet the
 * guest sends comes back (as a completion when one was requested). */
#include <string.h>

#include "vmbs_fixture.h"

static int echo_open(struct vmbs_chan *ch)
{
	struct echo_dev *e = vmbs_chan_ctx(ch);
	e->opens++;
	return e->open_rc;
}

static int echo_packet(struct vmbs_chan *ch, const struct vmbus_pkt_desc *d, const uint8_t *pkt,
		       uint32_t len)
{
	struct echo_dev *e = vmbs_chan_ctx(ch);
	e->packets++;
	e->last_tid = d->trans_id;
	uint32_t off = d->offset8 * 8u;
	uint32_t plen = len - off;
	e->last_len = plen;
	memcpy(e->last, pkt + off, plen < sizeof e->last ? plen : sizeof e->last);
	if (e->packet_rc)
		return e->packet_rc;
	if (e->no_echo || d->type != VMBUS_PKT_DATA_INBAND)
		return 0;
	if (d->flags & VMBUS_PKT_FLAG_COMPLETION_REQUESTED)
		e->last_send_rc = vmbs_chan_send_completion(ch, d->trans_id, pkt + off, plen);
	else
		e->last_send_rc = vmbs_chan_send_inband(ch, d->trans_id, pkt + off, plen, false);
	if (e->reread)
		memcpy(e->last, pkt + off, plen < sizeof e->last ? plen : sizeof e->last);
	return 0;
}

static void echo_close(struct vmbs_chan *ch)
{
	struct echo_dev *e = vmbs_chan_ctx(ch);
	e->closes++;
}

static void echo_rescinded(struct vmbs_chan *ch)
{
	struct echo_dev *e = vmbs_chan_ctx(ch);
	e->rescinded++;
	if (ch == e->primary)
		e->primary = NULL;
}

static void echo_writable(struct vmbs_chan *ch)
{
	struct echo_dev *e = vmbs_chan_ctx(ch);
	e->writables++;
}

const struct vmbs_dev_ops echo_dev_ops = {
	.open = echo_open,
	.packet = echo_packet,
	.close = echo_close,
	.rescinded = echo_rescinded,
	.writable = echo_writable,
};

struct vmbs_chan *echo_dev_add(struct vmbs *vb, struct echo_dev *e, const uint8_t class_id[16],
			       uint8_t instance_last, bool wants_monitor, uint16_t max_sub)
{
	struct vmbs_dev_params p;
	memset(&p, 0, sizeof p);
	memcpy(&p.class_id, class_id, sizeof p.class_id);
	memset(&p.instance_id, 0x11, sizeof p.instance_id);
	((uint8_t *)&p.instance_id)[15] = instance_last;
	p.wants_monitor = wants_monitor;
	p.max_subchannels = max_sub;
	e->primary = vmbs_dev_add(vb, &p, &echo_dev_ops, e);
	return e->primary;
}
