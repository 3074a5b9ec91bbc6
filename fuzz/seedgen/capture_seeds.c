/* capture_seeds.c -- fuzz seeds from a scenario's capture: reads the
 * DIR/vmbus.pcapng and DIR/hn<i>.pcap that `hvsim run --capture DIR` wrote
 * and re-encodes the real traffic in each fuzz target's record format, so
 * a target's corpus starts from what drivers and devices really exchange.
 *
 *   fuzz_capture_seeds CAPTURE_DIR OUT_DIR NAME
 *
 * writes OUT_DIR/<target>/cap-NAME for every target the capture has
 * traffic for, and prints one line per file.  Exit 0, or 2 on bad input
 * (no capture, a file that is not ours).
 *
 * Which traffic goes where (each target's top comment has its format):
 *   vmbs_msg            guest->host channel messages        {op conn, u8 len, bytes}
 *   vmbus_guest_msg     host->guest messages, offers first   {u8 len, bytes}, 0xFF
 *   storvsp             guest->host VSTOR packets            {2 (raw packet), u8 len, packet}
 *   storvsc_completion  host->guest VSTOR packets            {sel, arg, u16 len, payload}
 *   netvsp_nvsp         guest->host NVSP packets             {sel, u16 len, bytes}
 *   netvsc_nvsp         host->guest NVSP packets             {sel, u16 len, off8 tid bytes}
 *   netvsp_rndis        NIC frames (hn<i>.pcap) as receives  {sel, u16 len, frame}
 *   ic_guest            host->guest IC packets               {sel, u16 len, payload}
 *   ic_host             guest->host IC packets               {sel, u16 len, payload}
 * A record that does not fit its target's length field is left out. */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hyperv/vmbus_msg.h"
#include "hyperv/vmbus_ring.h"
#include "sim/devices/capture/capture_wire.h"

#define SEED_MAX_BYTES   (256u * 1024u) /* per seed: corpora stay small */
#define SEED_MAX_RECORDS 64u            /* the stateful targets stop there */
#define MAX_NICS         8u

enum target {
	T_VMBS_MSG, T_VMBUS_GUEST_MSG, T_STORVSP, T_STORVSC_COMPLETION, T_NETVSP_NVSP,
	T_NETVSC_NVSP, T_NETVSP_RNDIS, T_IC_GUEST, T_IC_HOST, T_COUNT
};

static const char *const target_name[T_COUNT] = {
	"vmbs_msg", "vmbus_guest_msg", "storvsp", "storvsc_completion", "netvsp_nvsp",
	"netvsc_nvsp", "netvsp_rndis", "ic_guest", "ic_host",
};

struct seed {
	uint8_t *buf;
	size_t len, cap;
	unsigned records;
	bool full;
};

struct gen {
	struct seed seed[T_COUNT];
	struct seed offers_late;        /* vmbus_guest_msg: after the 0xFF */
	bool all_offers_seen;
	bool ic_negotiated[4];          /* per IC: its NEGOTIATE went by */
	unsigned skipped;
};

static bool seed_room(struct seed *s, size_t n)
{
	if (s->full || s->records >= SEED_MAX_RECORDS || n > SEED_MAX_BYTES - s->len) {
		s->full = true;
		return false;
	}
	if (s->len + n > s->cap) {
		size_t cap = s->cap ? s->cap : 4096;
		while (cap < s->len + n)
			cap *= 2;
		uint8_t *b = realloc(s->buf, cap);
		if (!b)
			return false;
		s->buf = b;
		s->cap = cap;
	}
	return true;
}

static void put_bytes(struct seed *s, const void *p, size_t n)
{
	memcpy(s->buf + s->len, p, n);
	s->len += n;
}

/* {u8 a, u8 len, bytes} */
static void rec_u8(struct gen *g, struct seed *s, uint8_t a, const uint8_t *b, size_t n)
{
	if (n > 255 || !seed_room(s, n + 2)) {
		g->skipped++;
		return;
	}
	uint8_t h[2] = { a, (uint8_t)n };
	put_bytes(s, h, 2);
	put_bytes(s, b, n);
	s->records++;
}

/* {prefix bytes, u16 len, bytes} */
static void rec_u16(struct gen *g, struct seed *s, const uint8_t *pre, size_t npre,
		    const uint8_t *b, size_t n)
{
	if (n > 0xFFFF || !seed_room(s, npre + 2 + n)) {
		g->skipped++;
		return;
	}
	put_bytes(s, pre, npre);
	uint8_t l[2] = { (uint8_t)n, (uint8_t)(n >> 8) };
	put_bytes(s, l, 2);
	put_bytes(s, b, n);
	s->records++;
}

/* ---- VMBus channel messages ---------------------------------------------------------- */

static void on_msg(struct gen *g, const struct cap_rec_hdr *h, const uint8_t *b, size_t n)
{
	if (h->dir == CAP_DIR_G2H) {
		rec_u8(g, &g->seed[T_VMBS_MSG], h->conn == 4 ? 1 : 0, b, n);
		return;
	}
	/* The target's own host answers INITIATE_CONTACT and sends
	 * ALLOFFERS_DELIVERED at its 0xFF; a message longer than 254 bytes
	 * would read as the separator. */
	if (h->type == VMBUS_MSG_VERSION_RESPONSE || n > 254)
		return;
	if (h->type == VMBUS_MSG_ALLOFFERS_DELIVERED) {
		g->all_offers_seen = true;
		return;
	}
	struct seed *s = g->all_offers_seen ? &g->offers_late : &g->seed[T_VMBUS_GUEST_MSG];
	if (!seed_room(s, n + 1)) {
		g->skipped++;
		return;
	}
	uint8_t l = (uint8_t)n;
	put_bytes(s, &l, 1);
	put_bytes(s, b, n);
	s->records++;
}

/* ---- ring packets -------------------------------------------------------------------- */

static int ic_index(uint8_t dev)
{
	switch (dev) {
	case CAP_DEV_HEARTBEAT: return 0;
	case CAP_DEV_SHUTDOWN:  return 1;
	case CAP_DEV_TIMESYNC:  return 2;
	case CAP_DEV_KVP:       return 3;
	default:                return -1;
	}
}

static void on_pkt(struct gen *g, const struct cap_rec_hdr *h, const uint8_t *b, size_t n)
{
	struct vmbus_pkt_desc d;
	if (n < sizeof d)
		return;
	memcpy(&d, b, sizeof d);
	size_t off = (size_t)d.offset8 * 8u;
	if (off < sizeof d || off > n)
		return;
	const uint8_t *pl = b + off;
	size_t npl = n - off;
	bool g2h = h->dir == CAP_DIR_G2H;
	bool comp = d.type == VMBUS_PKT_COMP;
	int ic = ic_index(h->dev);

	if (h->dev == CAP_DEV_SCSI || h->dev == CAP_DEV_IDE) {
		if (g2h) {
			rec_u8(g, &g->seed[T_STORVSP], 2, b, n);
		} else if (comp || d.type == VMBUS_PKT_DATA_INBAND) {
			/* sel: completion (0) or in-band (1); 4: the tid of live
			 * slot 'arg' (0), as the real completion carries. */
			uint8_t pre[2] = { (uint8_t)((comp ? 0 : 1) | 4), 0 };
			rec_u16(g, &g->seed[T_STORVSC_COMPLETION], pre, 2, pl, npl);
		}
	} else if (h->dev == CAP_DEV_NET) {
		if (g2h) {
			uint8_t sel;
			const uint8_t *body = pl;
			size_t nbody = npl;
			if (d.type == VMBUS_PKT_DATA_INBAND) {
				sel = (d.flags & VMBUS_PKT_FLAG_COMPLETION_REQUESTED) ? 4 : 0;
			} else if (d.type == VMBUS_PKT_DATA_USING_GPA_DIRECT && d.offset8 >= 3 &&
				   d.offset8 - 3u <= 31u) {
				/* The target rebuilds the descriptor and takes the
				 * range header and ranges as they are. */
				sel = (uint8_t)(((d.offset8 - 3u) << 3) | 1u);
				body = b + sizeof d;
				nbody = n - sizeof d;
			} else if (comp) {
				uint8_t tid[8];
				memcpy(tid, &d.trans_id, 8);
				uint8_t pre[1] = { 2 };
				uint8_t *cat = malloc(8 + npl);
				if (!cat)
					return;
				memcpy(cat, tid, 8);
				memcpy(cat + 8, pl, npl);
				rec_u16(g, &g->seed[T_NETVSP_NVSP], pre, 1, cat, 8 + npl);
				free(cat);
				return;
			} else {
				return;
			}
			rec_u16(g, &g->seed[T_NETVSP_NVSP], &sel, 1, body, nbody);
		} else if (comp || d.type == VMBUS_PKT_DATA_INBAND) {
			/* Queue from the sub-channel index; packet type 0
			 * completion, 1 in-band; the record is u8 offset8,
			 * u64 tid, then the packet after its descriptor. */
			uint8_t sel = (uint8_t)((h->subidx & 3u) | (comp ? 0u : 1u << 3));
			uint8_t *cat = malloc(9 + (n - sizeof d));
			if (!cat)
				return;
			cat[0] = (uint8_t)d.offset8;
			memcpy(cat + 1, &d.trans_id, 8);
			memcpy(cat + 9, b + sizeof d, n - sizeof d);
			rec_u16(g, &g->seed[T_NETVSC_NVSP], &sel, 1, cat, 9 + (n - sizeof d));
			free(cat);
		}
	} else if (ic >= 0) {
		if (!g2h) {
			/* The first host packet of an IC is its NEGOTIATE. */
			uint8_t sel = (uint8_t)(ic | (g->ic_negotiated[ic] ? 4 : 0) | (comp ? 8 : 0));
			g->ic_negotiated[ic] = true;
			rec_u16(g, &g->seed[T_IC_GUEST], &sel, 1, pl, npl);
		} else {
			/* The guest answers the host's request: a NEGOTIATE
			 * (outstanding 1) before, its own request (2) after. */
			bool ready = g->ic_negotiated[ic];
			uint8_t sel = (uint8_t)(ic | (ready ? (2 << 2) | 0x10 : 1 << 2) |
						(comp ? 0x80 : 0));
			rec_u16(g, &g->seed[T_IC_HOST], &sel, 1, pl, npl);
		}
	}
}

/* ---- files --------------------------------------------------------------------------- */

static int read_vmbus(struct gen *g, const char *path)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline(path, err);
	if (!p) {
		fprintf(stderr, "capture_seeds: %s: %s\n", path, err);
		return -ENOENT;
	}
	if (pcap_datalink(p) != (int)CAP_LINKTYPE) {
		fprintf(stderr, "capture_seeds: %s: link type %d, not hvsim's VMBus capture (%u)\n",
			path, pcap_datalink(p), CAP_LINKTYPE);
		pcap_close(p);
		return -EINVAL;
	}
	struct pcap_pkthdr *ph;
	const u_char *data;
	int rc;
	unsigned bad = 0;
	while ((rc = pcap_next_ex(p, &ph, &data)) == 1) {
		struct cap_rec_hdr h;
		if (ph->caplen < sizeof h) {
			bad++;
			continue;
		}
		memcpy(&h, data, sizeof h);
		if (h.version != CAP_REC_VERSION || h.hdr_len < sizeof h || h.hdr_len > ph->caplen) {
			bad++;
			continue;
		}
		const uint8_t *b = data + h.hdr_len;
		size_t n = ph->caplen - h.hdr_len;
		if (h.kind == CAP_KIND_MSG)
			on_msg(g, &h, b, n);
		else if (h.kind == CAP_KIND_PKT)
			on_pkt(g, &h, b, n);
	}
	if (rc == -1)
		fprintf(stderr, "capture_seeds: %s: %s (read up to there)\n", path, pcap_geterr(p));
	if (bad)
		fprintf(stderr, "capture_seeds: %s: %u records not understood, skipped\n", path, bad);
	pcap_close(p);
	return 0;
}

/* Every frame of a NIC, as the back end would deliver it to netvsp. */
static void read_nic(struct gen *g, const char *path)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline(path, err);
	if (!p)
		return;
	if (pcap_datalink(p) == DLT_EN10MB) {
		struct pcap_pkthdr *ph;
		const u_char *data;
		while (pcap_next_ex(p, &ph, &data) == 1) {
			uint8_t sel = 1 | 2; /* a receive, checksum valid */
			rec_u16(g, &g->seed[T_NETVSP_RNDIS], &sel, 1, data, ph->caplen);
		}
	}
	pcap_close(p);
}

static int write_seed(const char *out, const char *target, const char *name,
		      const uint8_t *pre, size_t npre, const struct seed *s, const struct seed *tail)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", out, target);
	if (mkdir(path, 0777) != 0 && errno != EEXIST) {
		fprintf(stderr, "capture_seeds: mkdir %s: %s\n", path, strerror(errno));
		return -errno;
	}
	int n = snprintf(path, sizeof path, "%s/%s/cap-%s", out, target, name);
	if (n < 0 || (size_t)n >= sizeof path)
		return -ENAMETOOLONG;
	FILE *f = fopen(path, "wb");
	if (!f) {
		fprintf(stderr, "capture_seeds: %s: %s\n", path, strerror(errno));
		return -errno;
	}
	fwrite(pre, 1, npre, f);
	fwrite(s->buf, 1, s->len, f);
	if (tail) {
		uint8_t sep = 0xFF;
		fwrite(&sep, 1, 1, f);
		fwrite(tail->buf, 1, tail->len, f);
	}
	if (fclose(f) != 0) {
		fprintf(stderr, "capture_seeds: %s: %s\n", path, strerror(errno));
		return -EIO;
	}
	printf("%s: %u records, %zu bytes\n", path, s->records + (tail ? tail->records : 0),
	       npre + s->len + (tail ? tail->len + 1 : 0));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 4 || !argv[3][0] || strchr(argv[3], '/')) {
		fprintf(stderr, "usage: fuzz_capture_seeds CAPTURE_DIR OUT_DIR NAME\n"
			"  CAPTURE_DIR  what `hvsim run --capture DIR` wrote (vmbus.pcapng, hn<i>.pcap)\n"
			"  OUT_DIR      corpora root: writes OUT_DIR/<target>/cap-NAME\n");
		return 2;
	}
	struct gen g;
	memset(&g, 0, sizeof g);
	char path[4096];
	snprintf(path, sizeof path, "%s/vmbus.pcapng", argv[1]);
	int rc = read_vmbus(&g, path);
	for (unsigned i = 0; rc == 0 && i < MAX_NICS; i++) {
		snprintf(path, sizeof path, "%s/hn%u.pcap", argv[1], i);
		read_nic(&g, path);
	}
	if (rc == 0 && mkdir(argv[2], 0777) != 0 && errno != EEXIST) {
		fprintf(stderr, "capture_seeds: mkdir %s: %s\n", argv[2], strerror(errno));
		rc = -errno;
	}
	int wrote = 0;
	for (int t = 0; rc == 0 && t < T_COUNT; t++) {
		struct seed *s = &g.seed[t];
		if (!s->records && !(t == T_VMBUS_GUEST_MSG && g.offers_late.records))
			continue;
		/* Leading mode bytes: netvsp_nvsp starts fresh (the capture
		 * has the whole INIT exchange); netvsp_rndis with RNDIS up;
		 * netvsc_nvsp with one queue on NVSP 6.1. */
		uint8_t pre = t == T_NETVSP_RNDIS ? 1 : 0;
		bool has_pre = t == T_NETVSP_NVSP || t == T_NETVSP_RNDIS || t == T_NETVSC_NVSP;
		int r = write_seed(argv[2], target_name[t], argv[3], &pre, has_pre ? 1 : 0, s,
				   t == T_VMBUS_GUEST_MSG ? &g.offers_late : NULL);
		if (r)
			rc = r;
		else
			wrote++;
	}
	for (int t = 0; t < T_COUNT; t++)
		free(g.seed[t].buf);
	free(g.offers_late.buf);
	if (rc)
		return 2;
	if (g.skipped)
		printf("%u records did not fit their target's format or size cap\n", g.skipped);
	if (!wrote)
		fprintf(stderr, "capture_seeds: %s: no traffic for any target\n", argv[1]);
	return 0;
}
