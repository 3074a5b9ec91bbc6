/* fuzz_storvsp.c -- the host's VSTOR + SRB intake, stateful: a storvsp with
 * two LUNs (512 and 4096-byte sectors) is offered, its channel opened over
 * a real ring and negotiated (WIN10), then the input is a sequence of
 * records written into the guest->host ring as the guest would: raw VSTOR
 * packets in-band, EXECUTE_SRBs built on a valid template with input bytes
 * over it, GPA-direct ones whose page list points into guest memory, raw
 * ring bytes, writes to the data area, LUN hot remove / add, ring drains.
 * Invariants after each input: once the host->guest ring is drained and
 * the host pumped, nothing is left in flight; teardown frees everything
 * (LeakSanitizer). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hyperv/hv_tlfs.h"
#include "hyperv/vmbus_msg.h"
#include "hyperv/vmbus_ring.h"
#include "hyperv/vstor.h"
#include "sim/devices/blk/blk.h"
#include "sim/devices/storvsp/storvsp.h"
#include "sim/hostd/gmem.h"
#include "sim/hostd/partition.h"
#include "sim/hostd/profile.h"
#include "sim/hostd/vmbs.h"

#define MEM     (2u << 20)
#define SIMP    0x10000ull
#define SIEF    0x11000ull
#define MON1    0x21000ull
#define MON2    0x22000ull
#define RING    0x40000ull      /* 8 pages: G->H pages 0-3, H->G pages 4-7 */
#define RPAGES  4u
#define DATA    0x80000ull      /* 512 KiB the SRBs' page lists point into */
#define DPAGES  128u
#define CHAN_CONN (0x2000u + 1u) /* the server's connection id of relid 1 */
#define DSIZE   ((RPAGES - 1u) * 4096u)
/* 64 KiB disks: small enough for ASan's size-class allocator.  A 1 MiB
 * disk is mmap'ed, its shadow poisoned and unmapped again for every input,
 * which cost more than everything else the input did together. */
#define DISK    (64u << 10)

struct sfz {
	struct gmem *gm;
	struct part *p;
	struct vmbs *vb;
	struct storvsp *sv;
	uint64_t tid;
	bool lun1;
};

static struct gmem *sfz_gm;

static void post(struct sfz *z, uint32_t conn, const void *msg, uint32_t len)
{
	struct hv_input_post_message in;
	memset(&in, 0, sizeof in);
	in.connection_id = conn;
	in.message_type = HVMSG_VMBUS;
	in.payload_size = len > 240 ? 240 : len;
	memcpy(in.payload, msg, in.payload_size);
	gmem_write(z->gm, 0x20000, &in, sizeof in);
	(void)part_hypercall(z->p, 0, HVCALL_POST_MESSAGE, 0x20000, 0);
}

static void drain_simp(struct sfz *z)
{
	struct hv_message *m = gmem_ptr(z->gm, SIMP + 2 * 256, 256);
	if (m->header.message_type == HVMSG_NONE)
		return;
	m->header.message_type = HVMSG_NONE;
	if (m->header.flags & HV_MSG_FLAG_PENDING)
		(void)part_wrmsr(z->p, 0, HV_MSR_EOM, 0);
}

/* Empty the host->guest ring (read index = write index). */
static void drain_ring(struct sfz *z)
{
	uint32_t w;
	gmem_read(z->gm, RING + (uint64_t)RPAGES * 4096u, &w, 4);
	gmem_write(z->gm, RING + (uint64_t)RPAGES * 4096u + 4, &w, 4);
}

/* The host has read everything the guest put in its ring. */
static bool g2h_empty(struct sfz *z)
{
	uint32_t w, r;
	gmem_read(z->gm, RING, &w, 4);
	gmem_read(z->gm, RING + 4, &r, 4);
	return w == r;
}

static void pump(struct sfz *z)
{
	for (int k = 0; k < 8; k++) {
		bool more = vmbs_pump(z->vb);
		more |= storvsp_poll(z->sv);
		drain_simp(z);
		if (!more)
			break;
	}
}

static void signal_host(struct sfz *z)
{
	(void)part_hypercall(z->p, 0, HVCALL_SIGNAL_EVENT | HV_HC_FAST, CHAN_CONN, 0);
	pump(z);
}

/* Append one packet (len bytes, padded to 8) and its trailer to the
 * guest->host ring; false when it does not fit. */
static bool ring_put(struct sfz *z, const uint8_t *pkt, uint32_t len)
{
	uint32_t w, r;
	uint32_t plen = (len + 7u) & ~7u;
	gmem_read(z->gm, RING, &w, 4);
	gmem_read(z->gm, RING + 4, &r, 4);
	w %= DSIZE;
	r %= DSIZE;
	uint32_t used = (w + DSIZE - r) % DSIZE;
	if (plen + 8u >= DSIZE - used)
		return false;
	uint8_t tmp[DSIZE];
	memset(tmp, 0, plen + 8u);
	memcpy(tmp, pkt, len);
	uint64_t tr = (uint64_t)w << VMBUS_PKT_TRAILER_START_SHIFT;
	memcpy(tmp + plen, &tr, 8);
	/* At most two copies (the data area wraps once), not one per byte. */
	uint32_t first = DSIZE - w < plen + 8u ? DSIZE - w : plen + 8u;
	gmem_write(z->gm, RING + 4096u + w, tmp, first);
	if (first < plen + 8u)
		gmem_write(z->gm, RING + 4096u, tmp + first, plen + 8u - first);
	w = (w + plen + 8u) % DSIZE;
	gmem_write(z->gm, RING, &w, 4);
	return true;
}

static void send_inband(struct sfz *z, const void *payload, uint32_t plen, uint16_t flags)
{
	uint8_t pkt[16 + 256];
	if (plen > 256)
		plen = 256;
	struct vmbus_pkt_desc d = { .type = VMBUS_PKT_DATA_INBAND, .offset8 = 2,
				    .len8 = (uint16_t)((16 + plen + 7) / 8), .flags = flags,
				    .trans_id = ++z->tid };
	memcpy(pkt, &d, 16);
	memcpy(pkt + 16, payload, plen);
	if (ring_put(z, pkt, 16 + plen))
		signal_host(z);
}

static void vstor_op(struct sfz *z, uint32_t op, uint16_t version)
{
	struct vstor_packet p;
	memset(&p, 0, sizeof p);
	p.operation = op;
	p.flags = VSTOR_FLAG_REQUEST_COMPLETION;
	p.u.version.major_minor = version;
	send_inband(z, &p, VSTOR_PACKET_SIZE_WIN8, VMBUS_PKT_FLAG_COMPLETION_REQUESTED);
	drain_ring(z);
	pump(z);
}

static int add_lun(struct sfz *z, uint8_t lun, uint32_t sector)
{
	struct blk *b;
	if (blk_open_mem(DISK, sector, &b))
		return -1;
	struct scsi_lun_opts o = { .id = 0x42u + lun };
	return storvsp_lun_add(z->sv, 0, lun, b, &o);
}

static int setup(struct sfz *z)
{
	memset(z, 0, sizeof *z);
	if (!sfz_gm && !(sfz_gm = gmem_create(MEM)))
		return -1;
	z->gm = sfz_gm;
	memset(gmem_ptr(z->gm, 0, MEM), 0, MEM);
	blk_set_default_engine(BLK_ENGINE_SYNC);
	struct part_config pc = { .profile = hv_profile_find("ws2022"), .nvcpus = 1 };
	z->p = part_create(z->gm, &pc, NULL, NULL);
	if (!z->p)
		return -1;
	part_wrmsr(z->p, 0, HV_MSR_GUEST_OS_ID, 0x810000050F000000ull);
	part_wrmsr(z->p, 0, HV_MSR_HYPERCALL, 0x1000 | HV_HYPERCALL_ENABLE);
	part_wrmsr(z->p, 0, HV_MSR_SIMP, SIMP | HV_OVERLAY_ENABLE);
	part_wrmsr(z->p, 0, HV_MSR_SIEFP, SIEF | HV_OVERLAY_ENABLE);
	part_wrmsr(z->p, 0, HV_MSR_SINT0 + 2, 0xF3);
	part_wrmsr(z->p, 0, HV_MSR_SCONTROL, HV_SCONTROL_ENABLE);
	struct vmbs_config vc = { .max_channels = 16, .max_gpadls = 32 };
	z->vb = vmbs_create(z->p, z->gm, &vc, NULL, NULL);
	if (!z->vb)
		return -1;
	struct storvsp_config sc = { .vstor_max_version = VSTOR_VERSION_WIN10, .max_subchannels = 2,
				     .queue_depth = 16 };
	z->sv = storvsp_create(z->vb, &sc);
	if (!z->sv || add_lun(z, 0, 512) || add_lun(z, 1, 4096))
		return -1;
	z->lun1 = true;

	struct vmbus_msg_initiate_contact ic;
	memset(&ic, 0, sizeof ic);
	ic.hdr.msgtype = VMBUS_MSG_INITIATE_CONTACT;
	ic.version_requested = VMBUS_VERSION_WIN10_V5_3;
	ic.u.v5.msg_sint = 2;
	ic.monitor_page1 = MON1;
	ic.monitor_page2 = MON2;
	post(z, 4, &ic, sizeof ic);
	pump(z);
	struct vmbus_msg_request_offers ro = { .hdr.msgtype = VMBUS_MSG_REQUESTOFFERS };
	post(z, 1, &ro, sizeof ro);
	pump(z);
	uint8_t gm[240] = { 0 };
	struct vmbus_msg_gpadl_header gh = { .hdr.msgtype = VMBUS_MSG_GPADL_HEADER, .child_relid = 1,
					     .gpadl = 0x100, .range_buflen = 8 + 8 * 8, .rangecount = 1 };
	struct vmbus_gpa_range_hdr rh = { .byte_count = 8 * 4096 };
	memcpy(gm, &gh, sizeof gh);
	memcpy(gm + 20, &rh, sizeof rh);
	for (uint64_t i = 0; i < 8; i++) {
		uint64_t pfn = (RING >> 12) + i;
		memcpy(gm + 28 + i * 8, &pfn, 8);
	}
	post(z, 1, gm, 28 + 64);
	pump(z);
	struct vmbus_msg_open op = { .hdr.msgtype = VMBUS_MSG_OPENCHANNEL, .child_relid = 1,
				     .openid = 1, .ring_gpadl = 0x100, .target_vp = 0,
				     .downstream_ring_pageoff = RPAGES };
	post(z, 1, &op, sizeof op);
	pump(z);
	vstor_op(z, VSTOR_OP_BEGIN_INITIALIZATION, 0);
	vstor_op(z, VSTOR_OP_QUERY_PROTOCOL_VERSION, VSTOR_VERSION_WIN10);
	vstor_op(z, VSTOR_OP_QUERY_PROPERTIES, 0);
	vstor_op(z, VSTOR_OP_END_INITIALIZATION, 0);
	struct storvsp_stats st;
	storvsp_get_stats(z->sv, &st);
	return st.version == VSTOR_VERSION_WIN10 ? 0 : -1;
}

/* A GPA-direct EXECUTE_SRB: a READ(10) of 8 blocks at LUN 0 over the data
 * area, then 'n' input bytes laid over packet offset 'at' (descriptor,
 * range header, page list and VSTOR packet are all in reach). */
static void send_srb(struct sfz *z, const uint8_t *b, uint32_t n)
{
	uint8_t pkt[24 + 8 * 8 + VSTOR_PACKET_SIZE_WIN8];
	uint32_t npfn = 2 + (n ? b[0] % 6 : 0);
	uint32_t off = 24 + 8 * npfn;
	uint32_t len = off + VSTOR_PACKET_SIZE_WIN8;
	memset(pkt, 0, sizeof pkt);
	struct vmbus_pkt_desc d = { .type = VMBUS_PKT_DATA_USING_GPA_DIRECT, .offset8 = (uint16_t)(off / 8),
				    .len8 = (uint16_t)(len / 8),
				    .flags = VMBUS_PKT_FLAG_COMPLETION_REQUESTED, .trans_id = ++z->tid };
	memcpy(pkt, &d, 16);
	uint32_t rc = 1, bc = 4096;
	memcpy(pkt + 20, &rc, 4);
	memcpy(pkt + 24, &bc, 4);
	for (uint32_t i = 0; i < npfn; i++) {
		uint64_t pfn = (DATA >> 12) + (n > 1 ? b[1] + i : i) % DPAGES;
		memcpy(pkt + 32 + 8 * i, &pfn, 8);
	}
	struct vstor_packet p;
	memset(&p, 0, sizeof p);
	p.operation = VSTOR_OP_EXECUTE_SRB;
	p.flags = VSTOR_FLAG_REQUEST_COMPLETION;
	p.u.srb.length = VSTOR_SRB_SIZE_WIN8;
	p.u.srb.cdb_length = 10;
	p.u.srb.sense_info_length = VSTOR_SENSE_SIZE_WIN8;
	p.u.srb.data_in = VSTOR_DATA_READ;
	p.u.srb.data_transfer_length = 4096;
	p.u.srb.u.cdb[0] = 0x28;
	p.u.srb.u.cdb[8] = 8;
	memcpy(pkt + off, &p, VSTOR_PACKET_SIZE_WIN8);
	if (n > 3) {
		uint32_t at = b[2] % len, k = n - 3;
		if (k > len - at)
			k = len - at;
		memcpy(pkt + at, b + 3, k);
	}
	if (ring_put(z, pkt, len))
		signal_host(z);
}

static void record(struct sfz *z, uint8_t kind, const uint8_t *b, uint32_t n)
{
	switch (kind % 7) {
	case 0: /* raw VSTOR packet in-band, completion requested or not */
		send_inband(z, b, n, (kind & 0x80) ? 0 : VMBUS_PKT_FLAG_COMPLETION_REQUESTED);
		break;
	case 1:
		send_srb(z, b, n);
		break;
	case 2: /* raw packet bytes, descriptor included */
		if (n >= 16 && ring_put(z, b, n))
			signal_host(z);
		break;
	case 3: /* data area bytes */
		if (n >= 2) {
			uint32_t o = ((uint32_t)b[0] << 8 | b[1]) * 8u;
			uint32_t k = n - 2;
			if (o < DPAGES * 4096u && k <= DPAGES * 4096u - o)
				gmem_write(z->gm, DATA + o, b + 2, k);
		}
		break;
	case 4: /* hot remove / add of LUN 1 */
		if (z->lun1)
			(void)storvsp_lun_remove(z->sv, 0, 1);
		else
			(void)add_lun(z, 1, 4096);
		z->lun1 = !z->lun1;
		pump(z);
		break;
	case 5:
		drain_ring(z);
		signal_host(z);
		break;
	default: /* raw ring bytes: the guest scribbles on its own ring */
		if (n >= 2) {
			uint32_t o = ((uint32_t)b[0] << 8 | b[1]) % (RPAGES * 4096u);
			uint32_t k = n - 2;
			if (k > RPAGES * 4096u - o)
				k = RPAGES * 4096u - o;
			gmem_write(z->gm, RING + o, b + 2, k);
			signal_host(z);
		}
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sfz z;
	if (setup(&z))
		abort();
	size_t i = 0;
	unsigned nrec = 0;
	while (i + 2 <= size && nrec++ < 64) {
		uint8_t kind = data[i], n = data[i + 1];
		i += 2;
		if (n > size - i)
			n = (uint8_t)(size - i);
		record(&z, kind, data + i, n);
		i += n;
	}
	/* Invariant: with the guest reading everything the host sends, every
	 * accepted request has completed (or was dropped with its channel). */
	struct storvsp_stats st;
	for (int k = 0; k < 16; k++) {
		drain_ring(&z);
		signal_host(&z);
		/* Settled: nothing in flight and the host read every packet
		 * (more rounds would find no work). */
		storvsp_get_stats(z.sv, &st);
		if (st.inflight == 0 && g2h_empty(&z))
			break;
	}
	storvsp_get_stats(z.sv, &st);
	if (st.inflight != 0)
		abort();
	vmbs_destroy(z.vb);
	storvsp_destroy(z.sv);
	part_destroy(z.p);
	blk_set_default_engine(BLK_ENGINE_DEFAULT);
	return 0;
}
