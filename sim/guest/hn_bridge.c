/* hn_bridge.c -- hn <-> TAP bridge (see hn_bridge.h).  The TAP is read
 * here rather than through a netbe back end: netbe delivers only complete,
 * MTU-sized frames, and the point of the TAP's vnet header is to hand a
 * 64 KiB TCP send to hn as one LSO request.  Everything runs in guest
 * context: the TAP is drained from a guest timer, hn frames arrive in its
 * receive callback and are written to the TAP. */
#include "sim/guest/hn_bridge.h"

#include <errno.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include "guest_drivers/kern.h"
#include "guest_drivers/netvsc/hn.h"
#include "sim/devices/net/netbe.h"
#include "sim/devices/net/netpkt.h"
#include "sim/guest/runtime.h"

#define HB_VHDR  sizeof(struct virtio_net_hdr)     /* 10 bytes: what netbe_tap_create sets */
#define HB_BUF   (HB_VHDR + NETBE_FRAME_MAX)

/* The frame read last from the TAP, with what its vnet header asked for. */
struct hb_frame {
	size_t   len;            /* frame bytes after the vnet header */
	bool     csum_partial;
	uint16_t csum_start, csum_offset;
	uint16_t mss;            /* != 0: a TCP GSO frame */
	bool     held;           /* not yet taken by hn: the TAP is not read meanwhile */
	/* A GSO frame cut here: into MTU-sized segments (host without LSO)
	 * or into LSO sends of several mss each (larger than the host's LSO
	 * maximum: the TAP's own limit is 64 KiB). */
	enum { HB_CUT_NONE, HB_CUT_MTU, HB_CUT_LSO } cut;
	uint32_t seg_done;       /* pieces hn already took */
	uint32_t seg_idx;        /* piece being emitted (netpkt_segment_tcp pass) */
};

static struct {
	bool on;
	struct hn_if *hn;
	int fd;
	uint8_t *buf;            /* HB_BUF: vnet header + frame */
	struct hb_frame fr;
	struct kern_timer *timer;
	unsigned budget;
	uint64_t poll_ns;
	bool drop_when_full;
	uint32_t lso_max;        /* hn's largest LSO send (TCP payload + headers) */
	bool stopping;
	struct gk_hn_bridge_stats st;
} hb = { .fd = -1 };

static uint16_t rdle16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

/* hn had no room now: worth another try once completions come back. */
static bool hb_full(int rc)
{
	return rc == -ENOBUFS || rc == -EAGAIN;
}

/* One segment of a frame cut here (host without LSO, or a send larger
 * than the host's LSO maximum).  Segments hn took on an earlier pass are
 * skipped, so a held frame resumes where it stopped. */
static int seg_emit(void *arg, const uint8_t *seg, size_t len)
{
	(void)arg;
	if (hb.fr.seg_idx++ < hb.fr.seg_done)
		return 0;
	struct hn_txmeta tm = { .queue = -1 };
	if (hb.fr.cut == HB_CUT_LSO)
		tm.mss = hb.fr.mss;
	int rc = hn_send(hb.hn, seg, (uint32_t)len, &tm, 0);
	if (hb_full(rc) && !hb.drop_when_full)
		return -EAGAIN;
	hb.fr.seg_done++;
	if (rc)
		hb.st.to_hn_dropped++;
	else if (hb.fr.cut == HB_CUT_LSO)
		hb.st.to_hn_lso++;
	else
		hb.st.to_hn_segmented++;
	return 0;
}

/* Hand the current frame to hn.  0: done with it (sent or dropped);
 * -EAGAIN: hn is full, the frame stays held. */
static int hb_push(void)
{
	const uint8_t *f = hb.buf + HB_VHDR;
	struct hn_txmeta tm = { .queue = -1 };
	tm.csum_partial = hb.fr.csum_partial;
	tm.csum_start = hb.fr.csum_start;
	tm.csum_offset = hb.fr.csum_offset;
	tm.mss = hb.fr.mss;
	int rc = hb.fr.cut != HB_CUT_NONE ? 0 : hn_send(hb.hn, f, (uint32_t)hb.fr.len, &tm, 0);
	if (hb.fr.mss && hb.fr.cut == HB_CUT_NONE) {
		/* Too large for the host's LSO: LSO sends of as many whole
		 * segments as fit (60: the largest TCP header).  No LSO for
		 * this frame at all: MTU-sized segments. */
		uint32_t per = hb.lso_max > 60u ? (hb.lso_max - 60u) / hb.fr.mss : 0;
		if ((rc == -EINVAL || rc == -EMSGSIZE) && per > 1 && per * hb.fr.mss <= 0xFFFFu)
			hb.fr.cut = HB_CUT_LSO;
		else if (rc == -EOPNOTSUPP || rc == -EINVAL || rc == -EMSGSIZE)
			hb.fr.cut = HB_CUT_MTU;
	}
	if (hb.fr.cut != HB_CUT_NONE) {
		/* netpkt fills every piece's headers and checksums. */
		uint32_t mss = hb.fr.mss;
		if (hb.fr.cut == HB_CUT_LSO)
			mss = (hb.lso_max - 60u) / hb.fr.mss * hb.fr.mss;
		hb.fr.seg_idx = 0;
		rc = netpkt_segment_tcp(f, hb.fr.len, (uint16_t)mss, seg_emit, NULL);
		if (rc == -EAGAIN)
			return -EAGAIN;
		if (rc)
			hb.st.to_hn_dropped++;
		hb.fr.held = false;
		return 0;
	}
	if (hb_full(rc) && !hb.drop_when_full)
		return -EAGAIN;
	if (rc) {
		hb.st.to_hn_dropped++;
	} else {
		hb.st.to_hn++;
		if (hb.fr.mss)
			hb.st.to_hn_lso++;
	}
	hb.fr.held = false;
	return 0;
}

/* Parse what read() returned into hb.fr.  0 or -EINVAL (dropped). */
static int hb_parse(size_t n)
{
	memset(&hb.fr, 0, sizeof hb.fr);
	if (n < HB_VHDR + NETBE_FRAME_MIN)
		return -EINVAL;
	const uint8_t *vh = hb.buf;
	hb.fr.len = n - HB_VHDR;
	if (vh[0] & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
		hb.fr.csum_partial = true;
		hb.fr.csum_start = rdle16(vh + 6);
		hb.fr.csum_offset = rdle16(vh + 8);
	}
	uint8_t g = vh[1] & (uint8_t)~VIRTIO_NET_HDR_GSO_ECN;
	if (g == VIRTIO_NET_HDR_GSO_TCPV4 || g == VIRTIO_NET_HDR_GSO_TCPV6) {
		hb.fr.mss = rdle16(vh + 4);
		if (!hb.fr.mss)
			return -EINVAL;
	} else if (g != VIRTIO_NET_HDR_GSO_NONE) {
		return -EINVAL;   /* UDP fragmentation offload: never enabled */
	}
	hb.fr.held = true;
	return 0;
}

static void poll_tick(void *arg)
{
	(void)arg;
	if (!hb.on || hb.stopping)
		return;
	for (unsigned n = 0; n < hb.budget; n++) {
		if (hb.fr.held && hb_push() == -EAGAIN)
			break;
		ssize_t r = read(hb.fd, hb.buf, HB_BUF);
		if (r < 0)
			break;   /* EAGAIN: nothing more now */
		if (hb_parse((size_t)r)) {
			hb.st.tap_bad++;
			continue;
		}
		if (hb_push() == -EAGAIN) {
			hb.st.to_hn_held++;
			break;
		}
	}
	/* A held frame waits for send completions, which come back quickly:
	 * look again sooner than the idle period. */
	kern_timer_arm(hb.timer, hb.fr.held ? hb.poll_ns / 4 : hb.poll_ns);
}

/* A frame hn received (task context, possibly several vCPUs at once). */
static void hn_rx(void *arg, struct hn_if *hn, const uint8_t *frame, uint32_t len,
		  const struct hn_rxmeta *m)
{
	(void)arg;
	(void)hn;
	struct virtio_net_hdr vh;
	memset(&vh, 0, sizeof vh);
	if (m->csum_ok)
		vh.flags = VIRTIO_NET_HDR_F_DATA_VALID;
	struct iovec iov[2] = { { &vh, sizeof vh }, { (void *)frame, len } };
	int fd = __atomic_load_n(&hb.fd, __ATOMIC_ACQUIRE);
	if (fd < 0 || writev(fd, iov, 2) < 0)
		__atomic_add_fetch(&hb.st.to_tap_dropped, 1, __ATOMIC_RELAXED);
	else
		__atomic_add_fetch(&hb.st.to_tap, 1, __ATOMIC_RELAXED);
}

static void hb_release(void)
{
	/* Receive callbacks read fd once: they see it or -1. */
	int fd = __atomic_exchange_n(&hb.fd, -1, __ATOMIC_ACQ_REL);
	if (fd >= 0)
		close(fd);
	kern_free(hb.buf);
	hb.buf = NULL;
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
	struct hn_info info;
	if (hn_get_mac(hn, mac) || hn_get_info(hn, &info))
		return -ENETDOWN;
	memset(&hb, 0, sizeof hb);
	hb.lso_max = info.lso_max;
	hb.fd = -1;
	hb.hn = hn;
	hb.budget = c->budget ? c->budget : 64;
	hb.poll_ns = c->poll_ns ? c->poll_ns : 200000;
	hb.drop_when_full = c->drop_when_full;
	hb.buf = kern_zalloc(HB_BUF);
	if (!hb.buf)
		return -ENOMEM;
	int fd;
	int rc = netbe_tap_create(c->tap_name, c->netns, true, &fd);
	if (rc) {
		hb_release();
		return rc;
	}
	hb.fd = fd;
	/* Take partial checksums and TSO frames only when hn can pass them
	 * on (else the kernel completes and cuts them for us). */
	unsigned off = c->offload ? TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 : 0;
	if (ioctl(fd, TUNSETOFFLOAD, off) < 0) {
		rc = -errno;
		hb_release();
		return rc;
	}
	/* The namespace's stack must use hn's address: the host delivers
	 * only frames directed to it (and broadcasts). */
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
	memcpy(ifr.ifr_hwaddr.sa_data, mac, 6);
	if (ioctl(fd, SIOCSIFHWADDR, &ifr) < 0)
		kern_log(KERN_WARN, "hn_bridge", "cannot set the TAP's MAC (%d)", -errno);
	hb.timer = kern_timer_create(poll_tick, NULL);
	if (!hb.timer) {
		hb_release();
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
	/* The interface may have detached meanwhile: only a live one gets
	 * its callback cleared. */
	for (unsigned u = 0; u < HN_MAX_UNITS; u++)
		if (hn_find(u) == hb.hn && hb.hn)
			hn_set_rx_cb(hb.hn, NULL, NULL);
	kern_timer_destroy(hb.timer);
	hb.timer = NULL;
	hb_release();
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
