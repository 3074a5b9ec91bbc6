/* netbe_tap.c -- a Linux TAP device (IFF_VNET_HDR, so checksum and
 * segmentation offloads cross in both directions), optionally created
 * inside a named network namespace.  Non-blocking; netbe_poll reads. */
#include "sim/devices/net/netbe_var.h"
#include "sim/devices/net/netpkt.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#define TAP_VHDR  sizeof(struct virtio_net_hdr)     /* 10 bytes, the default */
#define TAP_BUF   (TAP_VHDR + 65535u + 18u)

static int if_up(const char *name)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", name);
	int rc = 0;
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) {
		rc = -errno;
	} else {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
			rc = -errno;
	}
	close(s);
	return rc;
}

static int tap_open_here(const char *name, bool vnet_hdr, int *fd)
{
	int f = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (f < 0)
		return -errno;
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", name);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | (vnet_hdr ? IFF_VNET_HDR : 0);
	int rc = 0;
	if (ioctl(f, TUNSETIFF, &ifr) < 0) {
		rc = -errno;
		goto fail;
	}
	if (vnet_hdr) {
		int sz = (int)TAP_VHDR;
		if (ioctl(f, TUNSETVNETHDRSZ, &sz) < 0) {
			rc = -errno;
			goto fail;
		}
	}
	rc = if_up(name);
	if (rc)
		goto fail;
	*fd = f;
	return 0;
fail:
	close(f);
	return rc;
}

int netbe_tap_create(const char *name, const char *netns, bool vnet_hdr, int *fd)
{
	if (!name || !*name || strlen(name) >= IFNAMSIZ || !fd)
		return -EINVAL;
	if (!netns)
		return tap_open_here(name, vnet_hdr, fd);
	if (strchr(netns, '/') || !*netns)
		return -EINVAL;
	/* Create the device from inside the namespace: the fd keeps working
	 * from ours, and no netlink move is needed.  setns is per thread. */
	char path[256];
	snprintf(path, sizeof path, "/var/run/netns/%s", netns);
	int target = open(path, O_RDONLY | O_CLOEXEC);
	if (target < 0)
		return -errno;
	int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0) {
		int e = -errno;
		close(target);
		return e;
	}
	int rc = 0;
	if (setns(target, CLONE_NEWNET) < 0) {
		rc = -errno;
	} else {
		rc = tap_open_here(name, vnet_hdr, fd);
		if (setns(self, CLONE_NEWNET) < 0 && !rc) {
			/* Stuck in the wrong namespace: nothing sane to continue with. */
			close(*fd);
			rc = -errno;
		}
	}
	close(self);
	close(target);
	return rc;
}

int netbe_tap_init(struct netbe *be, const struct netbe_config *cfg)
{
	int fd;
	int rc = netbe_tap_create(cfg->tap_name, cfg->netns, true, &fd);
	if (rc)
		return rc;
	if (cfg->accept_offload) {
		/* What we take from the kernel: partial checksums and TSO frames
		 * (segmented in netbe_poll before delivery). */
		unsigned off = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6;
		if (ioctl(fd, TUNSETOFFLOAD, off) < 0) {
			rc = -errno;
			close(fd);
			return rc;
		}
	}
	be->be_rxbuf = netbe_zalloc(TAP_BUF);
	if (!be->be_rxbuf) {
		close(fd);
		return -ENOMEM;
	}
	be->be_fd = fd;
	be->be_vnet = true;
	be->be_caps.tx_csum_partial = be->be_caps.tx_gso = cfg->accept_offload;
	be->be_raw = be->be_caps;
	return 0;
}

static void le16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static uint16_t rdle16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }

static int tap_send(struct netbe *be, const uint8_t *frame, size_t len, const struct netbe_meta *m)
{
	uint8_t vh[TAP_VHDR];
	uint8_t tag[16];
	memset(vh, 0, sizeof vh);
	unsigned shift = m->vlan ? 4 : 0;   /* the tag moves every offset by 4 */
	if (m->csum_partial) {
		vh[0] = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		le16(vh + 6, (uint16_t)(m->csum_start + shift));
		le16(vh + 8, m->csum_offset);
	}
	if (m->gso_type != NETBE_GSO_NONE) {
		vh[1] = m->gso_type == NETBE_GSO_TCPV4 ? VIRTIO_NET_HDR_GSO_TCPV4 : VIRTIO_NET_HDR_GSO_TCPV6;
		le16(vh + 2, (uint16_t)(m->hdr_len + shift));
		le16(vh + 4, m->gso_size);
	}
	struct iovec iov[3];
	int n = 0;
	iov[n++] = (struct iovec){ vh, sizeof vh };
	if (m->vlan) {
		memcpy(tag, frame, 12);
		tag[12] = 0x81; tag[13] = 0x00;
		tag[14] = (uint8_t)(m->vlan_tci >> 8); tag[15] = (uint8_t)m->vlan_tci;
		iov[n++] = (struct iovec){ tag, 16 };
		iov[n++] = (struct iovec){ (void *)(frame + 12), len - 12 };
	} else {
		iov[n++] = (struct iovec){ (void *)frame, len };
	}
	if (writev(be->be_fd, iov, n) < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)
			return -EAGAIN;
		return errno == EINVAL ? -EINVAL : -EIO;
	}
	return 0;
}

static int tap_rx_emit(void *arg, const uint8_t *f, size_t len)
{
	struct netbe_meta m = { .csum_valid = true };
	netbe_deliver(arg, f, len, &m);
	return 0;
}

static unsigned tap_poll(struct netbe *be, unsigned budget)
{
	unsigned n = 0;
	if (be->be_want_writable) {
		/* The kernel side never blocks a TAP write for long: retry now. */
		be->be_want_writable = false;
		if (be->be_cb && be->be_cb->writable)
			be->be_cb->writable(be->be_arg);
	}
	while (n < budget) {
		ssize_t r = read(be->be_fd, be->be_rxbuf, TAP_BUF);
		if (r < 0)
			break;             /* EAGAIN, or the device went away */
		if ((size_t)r < TAP_VHDR + NETBE_FRAME_MIN) {
			be->be_stats.rx_dropped++;
			continue;
		}
		const uint8_t *vh = be->be_rxbuf;
		const uint8_t *f = be->be_rxbuf + TAP_VHDR;
		size_t len = (size_t)r - TAP_VHDR;
		struct netbe_meta m;
		memset(&m, 0, sizeof m);
		m.csum_partial = (vh[0] & VIRTIO_NET_HDR_F_NEEDS_CSUM) != 0;
		m.csum_start = rdle16(vh + 6);
		m.csum_offset = rdle16(vh + 8);
		uint8_t g = vh[1] & (uint8_t)~VIRTIO_NET_HDR_GSO_ECN;
		m.gso_type = g == VIRTIO_NET_HDR_GSO_TCPV4 ? NETBE_GSO_TCPV4 :
			     g == VIRTIO_NET_HDR_GSO_TCPV6 ? NETBE_GSO_TCPV6 : NETBE_GSO_NONE;
		m.gso_size = rdle16(vh + 4);
		m.hdr_len = rdle16(vh + 2);
		n++;
		if (g != VIRTIO_NET_HDR_GSO_NONE && m.gso_type == NETBE_GSO_NONE) {
			be->be_stats.rx_dropped++;    /* UDP fragmentation offload: not taken */
			continue;
		}
		if (!m.csum_partial && m.gso_type == NETBE_GSO_NONE) {
			m.csum_valid = (vh[0] & VIRTIO_NET_HDR_F_DATA_VALID) != 0;
			netbe_deliver(be, f, len, &m);
			continue;
		}
		/* Deliver complete frames only: segment / checksum in software. */
		if (netbe_soft_offload(f, len, &m, false, tap_rx_emit, be))
			be->be_stats.rx_dropped++;
	}
	return n;
}

static void tap_close(struct netbe *be)
{
	if (be->be_fd >= 0)
		close(be->be_fd);
	be->be_fd = -1;
	netbe_free(be->be_rxbuf);
	be->be_rxbuf = NULL;
}

const struct netbe_ops netbe_tap_ops = { .send = tap_send, .poll = tap_poll, .close = tap_close };
