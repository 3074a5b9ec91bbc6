/* netbe_pair.c -- NIC-to-NIC: one end's TX is queued as the other end's
 * RX, bounded; a full queue refuses with -EAGAIN and the sender's
 * writable() runs once the receiver polled. */
#include "sim/devices/net/netbe_var.h"

#include <errno.h>

static int pair_send(struct netbe *be, const uint8_t *frame, size_t len, const struct netbe_meta *m)
{
	struct netbe *dst = be->be_pair;
	if (!dst)
		return 0;        /* the other end closed: a sink */
	if (dst->be_rxq.q_count >= NETBE_QUEUE_MAX)
		return -EAGAIN;
	struct netbe_meta rx = { .csum_valid = true };
	if (!netbe_rxq_push(dst, frame, len, &rx))
		return -ENOMEM;
	return 0;
}

/* The whole of a (possibly GSO) send must fit, or none of it is queued:
 * a retry after -EAGAIN must not duplicate segments. */
int netbe_pair_room(struct netbe *be, size_t frames)
{
	struct netbe *dst = be->be_pair;
	if (!dst)
		return 0;
	if (frames > NETBE_QUEUE_MAX)
		return -EMSGSIZE;
	return NETBE_QUEUE_MAX - dst->be_rxq.q_count >= frames ? 0 : -EAGAIN;
}

const struct netbe_ops netbe_pair_ops = { .send = pair_send };
