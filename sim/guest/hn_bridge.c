/* hn_bridge.c -- hn <-> TAP bridge (see hn_bridge.h).  The TAP side reuses
 * the network back end code (sim/devices/net: netbe TAP with vnet header,
 * netpkt segmentation); everything runs in guest context: the TAP is
 * drained from a guest timer, hn frames arrive in its receive callback. */
#include "sim/guest/hn_bridge.h"

#include <errno.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <string.h>
#include <sys/ioctl.h>

#include "guest_drivers/kern.h"
#include "guest_drivers/netvsc/hn.h"
#include "sim/devices/net/netbe.h"
#include "sim/devices/net/netpkt.h"
#include "sim/guest/runtime.h"

static struct {
	bool on;
	struct hn_if *hn;
	struct netbe *be;
	struct kern_timer *timer;
	unsigned budget;
	uint64_t poll_ns;
	bool stopping;
	struct gk_hn_bridge_stats st;
} hb;

static int seg_emit(void *arg, const uint8_t *seg, size_t len)
{
	(void)arg;
	if (hn_send(hb.hn, seg, (uint32_t)len, NULL, 0)) {
		hb.st.to_hn_dropped++;
		return 0;
	}
	hb.st.to_hn_segmented++;
	return 0;
}

/* A frame the namespace sent (from netbe_poll, guest context). */
static void tap_rx(void *arg, const uint8_t *frame, size_t len, const struct netbe_meta *m)
{
	(void)arg;
	struct hn_txmeta tm = { .queue = -1 };
	if (m && m->csum_partial) {
		tm.csum_partial = true;
		tm.csum_start = m->csum_start;
		tm.csum_offset = m->csum_offset;
	}
	bool gso = m && (m->gso_type == NETBE_GSO_TCPV4 || m->gso_type == NETBE_GSO_TCPV6);
	if (gso)
		tm.mss = m->gso_size;
	if (len > UINT32_MAX) {
		hb.st.to_hn_dropped++;
		return;
	}
	/* No wait here: a full queue drops the frame and TCP recovers.
	 * (Waiting inside the poll timer stalls the inproc scheduler.) */
	int rc = hn_send(hb.hn, frame, (uint32_t)len, &tm, 0);
	if (rc == -EOPNOTSUPP && gso) {
		/* No LSO on this host: cut it here (netpkt fills every
		 * segment's checksums). */
		if (netpkt_segment_tcp(frame, len, m->gso_size, seg_emit, NULL))
			hb.st.to_hn_dropped++;
		return;
	}
	if (rc)
		hb.st.to_hn_dropped++;
	else
		hb.st.to_hn++;
}

static const struct netbe_cb hb_tap_cb = { .rx = tap_rx };

/* A frame hn received (task context). */
static void hn_rx(void *arg, struct hn_if *hn, const uint8_t *frame, uint32_t len,
		  const struct hn_rxmeta *m)
{
	(void)arg;
	(void)hn;
	struct netbe_meta nm;
	memset(&nm, 0, sizeof nm);
	nm.csum_valid = m->csum_ok;
	if (!hb.be || netbe_send(hb.be, frame, len, &nm))
		hb.st.to_tap_dropped++;
	else
		hb.st.to_tap++;
}

static void poll_tick(void *arg)
{
	(void)arg;
	if (!hb.on || hb.stopping)
		return;
	netbe_poll(hb.be, hb.budget);
	kern_timer_arm(hb.timer, hb.poll_ns);
}

static int start_in_guest(void *arg)
{
	const struct gk_hn_bridge_config *c = arg;
	if (hb.on)
		return -EBUSY;
	struct hn_if *hn = hn_find(c->unit);
	if (!hn)
		return -ENODEV;
	uint8_t mac[6];
	if (hn_get_mac(hn, mac))
		return -ENETDOWN;
	memset(&hb, 0, sizeof hb);
	hb.hn = hn;
	hb.budget = c->budget ? c->budget : 64;
	hb.poll_ns = c->poll_ns ? c->poll_ns : 200000;
	struct netbe_config nc;
	memset(&nc, 0, sizeof nc);
	nc.kind = NETBE_TAP;
	nc.tap_name = c->tap_name;
	nc.netns = c->netns;
	nc.accept_offload = c->offload;
	int rc = netbe_open(&nc, &hb_tap_cb, NULL, &hb.be);
	if (rc)
		return rc;
	/* The namespace's stack must use hn's address: the host delivers
	 * only frames directed to it (and broadcasts). */
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
	memcpy(ifr.ifr_hwaddr.sa_data, mac, 6);
	if (ioctl(netbe_fd(hb.be), SIOCSIFHWADDR, &ifr) < 0)
		kern_log(KERN_WARN, "hn_bridge", "cannot set the TAP's MAC (%d)", -errno);
	hb.timer = kern_timer_create(poll_tick, NULL);
	if (!hb.timer) {
		netbe_close(hb.be);
		hb.be = NULL;
		return -ENOMEM;
	}
	hb.on = true;
	hn_set_rx_cb(hn, hn_rx, NULL);
	kern_timer_arm(hb.timer, hb.poll_ns);
	kern_log(KERN_INFO, "hn_bridge", "%s <-> tap %s%s%s", hn_name(hn), c->tap_name,
		 c->netns ? " in " : "", c->netns ? c->netns : "");
	return 0;
}

int gk_hn_bridge_start(struct gk_runtime *rt, const struct gk_hn_bridge_config *cfg)
{
	return gk_runtime_call(rt, start_in_guest, (void *)cfg);
}

static int stop_in_guest(void *arg)
{
	(void)arg;
	if (!hb.on)
		return 0;
	hb.stopping = true;
	struct hn_if *hn = hn_find(0);
	for (unsigned u = 0; u < HN_MAX_UNITS; u++)
		if (hn_find(u) == hb.hn)
			hn = hb.hn;
	if (hn == hb.hn && hn)
		hn_set_rx_cb(hn, NULL, NULL);
	kern_timer_destroy(hb.timer);
	netbe_close(hb.be);
	hb.be = NULL;
	hb.timer = NULL;
	hb.on = false;
	return 0;
}

int gk_hn_bridge_stop(struct gk_runtime *rt)
{
	return gk_runtime_call(rt, stop_in_guest, NULL);
}

void gk_hn_bridge_stats(struct gk_hn_bridge_stats *out)
{
	*out = hb.st;
}
