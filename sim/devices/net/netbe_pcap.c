/* netbe_pcap.c -- the capture file: classic pcap (LINKTYPE_ETHERNET),
 * written directly (the format is 24 + 16 bytes of header) so the host
 * library needs no libpcap; tshark, tcpdump and libpcap read it. */
#include "sim/devices/net/netbe_var.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#define PCAP_MAGIC_USEC   0xa1b2c3d4u
#define PCAP_SNAPLEN      262144u
#define PCAP_LINK_EN10MB  1u

static void put32(uint8_t *p, uint32_t v)   /* native order, as pcap writers do */
{
	memcpy(p, &v, 4);
}

int netbe_pcap_open(const char *path, FILE **out)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return -errno;
	uint8_t h[24];
	uint16_t vmaj = 2, vmin = 4;
	put32(h, PCAP_MAGIC_USEC);
	memcpy(h + 4, &vmaj, 2);
	memcpy(h + 6, &vmin, 2);
	put32(h + 8, 0);                /* thiszone */
	put32(h + 12, 0);               /* sigfigs */
	put32(h + 16, PCAP_SNAPLEN);
	put32(h + 20, PCAP_LINK_EN10MB);
	if (fwrite(h, sizeof h, 1, f) != 1 || fflush(f)) {
		int e = errno ? errno : EIO;
		fclose(f);
		return -e;
	}
	*out = f;
	return 0;
}

void netbe_pcap_write(FILE *f, const uint8_t *frame, size_t len)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	uint32_t cap = len > PCAP_SNAPLEN ? PCAP_SNAPLEN : (uint32_t)len;
	uint8_t h[16];
	put32(h, (uint32_t)ts.tv_sec);
	put32(h + 4, (uint32_t)(ts.tv_nsec / 1000));
	put32(h + 8, cap);
	put32(h + 12, (uint32_t)len);
	/* Flushed per frame: a capture must survive the process dying. */
	if (fwrite(h, sizeof h, 1, f) == 1 && fwrite(frame, cap, 1, f) == 1)
		fflush(f);
}

static int pcap_emit(void *arg, const uint8_t *f, size_t len)
{
	netbe_pcap_write(arg, f, len);
	return 0;
}

void netbe_pcap_write_meta(FILE *f, const uint8_t *frame, size_t len, const struct netbe_meta *m)
{
	/* Capture what the wire carries: segmented, checksummed, tagged. */
	if (!m || (!m->csum_partial && m->gso_type == NETBE_GSO_NONE && !m->vlan)) {
		netbe_pcap_write(f, frame, len);
		return;
	}
	if (netbe_soft_offload(frame, len, m, true, pcap_emit, f))
		netbe_pcap_write(f, frame, len);
}
