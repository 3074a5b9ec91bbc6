/* netbe_pcap.c -- the capture file: libpcap's savefile writer over a dead
 * DLT_EN10MB handle, flushed per frame so a capture survives a crash. */
#include "sim/devices/net/netbe_var.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <string.h>
#include <sys/time.h>

#define PCAP_SNAPLEN 262144

struct netbe_pcap {
	pcap_t        *pc_dead;
	pcap_dumper_t *pc_dump;
	uint64_t     (*pc_now)(void *arg);   /* 100 ns units; NULL: wall clock */
	void          *pc_now_arg;
};

int netbe_pcap_open(const char *path, struct netbe_pcap **out)
{
	struct netbe_pcap *pc = netbe_zalloc(sizeof *pc);
	if (!pc)
		return -ENOMEM;
	pc->pc_dead = pcap_open_dead(DLT_EN10MB, PCAP_SNAPLEN);
	if (!pc->pc_dead) {
		netbe_free(pc);
		return -ENOMEM;
	}
	errno = 0;
	pc->pc_dump = pcap_dump_open(pc->pc_dead, path);
	if (!pc->pc_dump) {
		int e = errno ? errno : EIO;
		pcap_close(pc->pc_dead);
		netbe_free(pc);
		return -e;
	}
	*out = pc;
	return 0;
}

void netbe_pcap_close(struct netbe_pcap *pc)
{
	if (!pc)
		return;
	pcap_dump_close(pc->pc_dump);
	pcap_close(pc->pc_dead);
	netbe_free(pc);
}

void netbe_pcap_write(struct netbe_pcap *pc, const uint8_t *frame, size_t len)
{
	struct pcap_pkthdr h;
	memset(&h, 0, sizeof h);
	if (pc->pc_now) {
		uint64_t t = pc->pc_now(pc->pc_now_arg);
		h.ts.tv_sec = (time_t)(t / 10000000u);
		h.ts.tv_usec = (suseconds_t)(t % 10000000u / 10u);
	} else {
		gettimeofday(&h.ts, NULL);
	}
	h.len = (bpf_u_int32)len;
	h.caplen = len > PCAP_SNAPLEN ? PCAP_SNAPLEN : (bpf_u_int32)len;
	pcap_dump((u_char *)pc->pc_dump, &h, frame);
	pcap_dump_flush(pc->pc_dump);
}

static int pcap_emit(void *arg, const uint8_t *f, size_t len)
{
	netbe_pcap_write(arg, f, len);
	return 0;
}

void netbe_pcap_write_meta(struct netbe_pcap *pc, const uint8_t *frame, size_t len, const struct netbe_meta *m)
{
	/* Capture what the wire carries: segmented, checksummed, tagged. */
	if (!m || (!m->csum_partial && m->gso_type == NETBE_GSO_NONE && !m->vlan)) {
		netbe_pcap_write(pc, frame, len);
		return;
	}
	if (netbe_soft_offload(frame, len, m, true, pcap_emit, pc))
		netbe_pcap_write(pc, frame, len);
}

void netbe_pcap_set_clock(struct netbe_pcap *pc, uint64_t (*now)(void *arg), void *arg)
{
	pc->pc_now = now;
	pc->pc_now_arg = arg;
}

int netbe_capture_start(struct netbe *be, const char *path, uint64_t (*now)(void *arg), void *arg)
{
	if (!be || !path)
		return -EINVAL;
	if (be->be_cap)
		return -EBUSY;
	int rc = netbe_pcap_open(path, &be->be_cap);
	if (rc)
		return rc;
	netbe_pcap_set_clock(be->be_cap, now, arg);
	return 0;
}

void netbe_capture_stop(struct netbe *be)
{
	if (!be)
		return;
	netbe_pcap_close(be->be_cap);
	be->be_cap = NULL;
}
