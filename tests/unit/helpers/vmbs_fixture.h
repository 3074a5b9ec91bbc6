/* vmbs_fixture.h -- drives the host VMBus server the way a guest would,
 * without a guest driver: messages go in through HvPostMessage hypercalls
 * with the input page in guest memory, replies come out of SIMP slots with
 * EOM, rings are written by a minimal test-only guest ring end. */
#ifndef TESTS_UNIT_HELPERS_VMBS_FIXTURE_H
#define TESTS_UNIT_HELPERS_VMBS_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hyperv/hv_tlfs.h"
#include "hyperv/vmbus_msg.h"
#include "hyperv/vmbus_ring.h"
#include "sim/hostd/gmem.h"
#include "sim/hostd/partition.h"
#include "sim/hostd/vmbs.h"
#include "sim/hostd/vmbs_dev.h"

#define VFX_MEM          (8u << 20)
#define VFX_HCALL_GPA    0x1000ull
#define VFX_SIMP_GPA(vp)  (0x10000ull + (uint64_t)(vp) * 0x2000)
#define VFX_SIEFP_GPA(vp) (0x11000ull + (uint64_t)(vp) * 0x2000)
#define VFX_IN_GPA       0x90000ull
#define VFX_INT_PAGE     0x91000ull
#define VFX_MON1         0x92000ull
#define VFX_MON2         0x93000ull
#define VFX_HEAP_GPA     0x100000ull
#define VFX_VECTOR       0xF3u

struct vfx {
	struct gmem *gm;
	struct part *p;
	struct vmbs *vb;
	uint32_t nvcpus;
	uint64_t heap;          /* next free GPA for rings and buffers */
	unsigned nkick, ntrace, nerror;
	char last_error[256];
};

/* A partition of nvcpus on 'profile' with SynIC enabled on every VP (SINT2
 * unmasked) and the hypercall page set, plus a server. */
struct vfx *vfx_new(const char *profile, uint32_t nvcpus, const struct vmbs_config *cfg);
void vfx_free(struct vfx *f);

/* HvPostMessage of msg on connection 'conn' from vp, then vmbs_pump.
 * Returns the hypercall status. */
uint16_t vfx_post(struct vfx *f, uint32_t vp, uint32_t conn, const void *msg, uint32_t len);
/* HvSignalEvent (fast) on conn flag 0 from VP 0, then vmbs_pump. */
uint16_t vfx_signal(struct vfx *f, uint32_t conn);
/* Pump until nothing is left (bounded). */
void vfx_pump(struct vfx *f);

/* Take the VMBus message in vp's SINT2 slot (copy, clear, EOM if pending,
 * pump).  Returns its VMBus msgtype and fills buf (240 bytes) and len, or 0
 * when the slot is empty. */
uint32_t vfx_recv(struct vfx *f, uint32_t vp, void *buf, uint32_t *len);
/* Same, asserting the type. */
void vfx_expect(struct vfx *f, uint32_t vp, uint32_t type, void *buf, uint32_t *len);
/* Assert vp's slot is empty. */
void vfx_expect_none(struct vfx *f, uint32_t vp);

/* Test-and-clear SIEF flag 'flag' of SINT 2 on vp. */
bool vfx_sief_take(struct vfx *f, uint32_t vp, uint32_t flag);

/* INITIATE_CONTACT with Linux's defaults (target VP 0, interrupt page
 * below 5.0, both monitor pages, connection 4 from 5.0, SINT 2) and read
 * the VERSION_RESPONSE.  Returns version_supported. */
int vfx_connect(struct vfx *f, uint32_t version);
/* The same with everything chosen by the caller. */
void vfx_contact_msg(struct vmbus_msg_initiate_contact *ic, uint32_t version);
int vfx_connect_msg(struct vfx *f, uint32_t conn, const struct vmbus_msg_initiate_contact *ic,
		    uint32_t reply_vp, struct vmbus_msg_version_response *vr);
/* REQUESTOFFERS; collects offers until ALLOFFERS_DELIVERED. Returns count. */
unsigned vfx_request_offers(struct vfx *f, struct vmbus_msg_offer *offers, unsigned max);

/* Allocate n zeroed guest pages from the heap; returns the GPA. */
uint64_t vfx_alloc(struct vfx *f, uint32_t npages);

/* Post a GPADL (header + bodies) of one range covering npfn whole pages
 * and read GPADL_CREATED.  Returns creation_status. */
uint32_t vfx_gpadl(struct vfx *f, uint32_t relid, uint32_t handle, const uint64_t *pfns,
		   uint32_t npfn);
/* OPENCHANNEL; returns OPEN_RESULT status (asserting relid and openid echo). */
uint32_t vfx_open(struct vfx *f, uint32_t relid, uint32_t openid, uint32_t gpadl,
		  uint32_t target_vp, uint32_t pageoff);
void vfx_close(struct vfx *f, uint32_t relid);
/* GPADL_TEARDOWN; no reply read. */
void vfx_teardown(struct vfx *f, uint32_t relid, uint32_t handle);

/* A channel's ring pair as the guest sees it. */
struct vfx_ring {
	uint32_t npages, off;   /* total pages, pages of ring A */
	uint64_t pfn[512];      /* the GPADL's pages, in GPADL order */
	uint8_t *pg[512];       /* host pointers of those pages */
	uint32_t relid, gpadl;
};
/* Allocate a ring GPADL (scattered: pages in reverse order, so the host
 * cannot use one flat mapping), create it and open the channel.  Returns
 * the OPEN_RESULT status. */
uint32_t vfx_ring_open(struct vfx *f, struct vfx_ring *r, uint32_t relid, uint32_t npages,
		       uint32_t off, bool scattered, uint32_t target_vp);
/* Control page of ring A (guest->host) or B (host->guest), as u32 words. */
#define VFX_W_WRITE    0u
#define VFX_W_READ     1u
#define VFX_W_MASK     2u
#define VFX_W_PENDING  3u
#define VFX_W_FEATURES 16u
uint32_t *vfx_ring_ctl(struct vfx_ring *r, bool ring_b);
uint32_t vfx_ring_dsize(const struct vfx_ring *r, bool ring_b);
/* Guest producer on ring A: write a packet (descriptor built here unless
 * raw); returns 1 if the guest must signal, 0 if not, -EAGAIN if full. */
int vfx_ring_send(struct vfx_ring *r, uint16_t type, uint16_t flags, uint64_t tid,
		  const void *payload, uint32_t len);
/* Guest producer on ring A: a whole packet built by the caller (descriptor
 * included, len a multiple of 8 and equal to len8 * 8); as vfx_ring_send. */
int vfx_ring_send_pkt(struct vfx_ring *r, const void *pkt, uint32_t len);
/* Write raw bytes into ring A's data at offset off (wrapping). */
void vfx_ring_poke(struct vfx_ring *r, uint32_t off, const void *src, uint32_t len);
/* Guest consumer on ring B: copy the next packet (descriptor included)
 * into buf; returns its length, -EAGAIN when empty. */
int vfx_ring_recv(struct vfx_ring *r, void *buf, uint32_t cap);

/* ---- the echo device (echo_dev.c) ---------------------------------------- */

struct echo_dev {
	struct vmbs_chan *primary;
	unsigned opens, closes, rescinded, packets, writables;
	int open_rc;            /* what open() returns */
	int packet_rc;          /* what packet() returns */
	bool no_echo;           /* only count */
	bool reread;            /* read the packet again after the echo (a device may) */
	int last_send_rc;
	uint64_t last_tid;
	uint32_t last_len;
	uint8_t last[512];
};
/* Register an echo device: in-band packets come back as completions (when
 * requested) or as in-band packets. */
struct vmbs_chan *echo_dev_add(struct vmbs *vb, struct echo_dev *e, const uint8_t class_id[16],
			       uint8_t instance_last, bool wants_monitor, uint16_t max_sub);
extern const struct vmbs_dev_ops echo_dev_ops;

#endif /* TESTS_UNIT_HELPERS_VMBS_FIXTURE_H */
