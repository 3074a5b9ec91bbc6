/* vmbus_ring.h -- VMBus ring buffer wire formats: the ring control page,
 * packet descriptor and trailer, packet types, GPA-direct / page-buffer /
 * multi-page-buffer and transfer-page packet headers, the legacy in-ring
 * GPADL packets, the pipe header and the IC message header.  From
 * shared/protocol/vmbus.md sections 6, 7, 9 and devices.md 0.1-0.4.
 * Header only: no code. */
#ifndef HYPERV_VMBUS_RING_H
#define HYPERV_VMBUS_RING_H

#include <stddef.h>
#include <stdint.h>

#include "hyperv/hv_tlfs.h"

/* ---- Ring layout (vmbus.md 6) ---------------------------------------------
 * The channel's ring GPADL holds ring A (G->H, pages [0, off)) then ring B
 * (H->G, pages [off, end)), off = OPENCHANNEL.downstream_ring_pageoff.  Each
 * ring is one control page followed by its data area of D bytes.  Both
 * indices are byte offsets into the data area, in [0, D), multiples of 8.
 * Empty <=> write_index == read_index; a producer never fills the ring
 * completely (it needs raw free space > packet + trailer). */

#define VMBUS_RING_CTL_SIZE      HV_PAGE_SIZE
#define VMBUS_RING_MIN_PAGES     2u  /* control page + one data page (QEMU) */
#define VMBUS_RING_INDEX_ALIGN   8u

/* feature_bits bit 0: the producer of this ring honours pending_send_sz.
 * Owned by the ring's producer. */
#define VMBUS_RING_FEATURE_PENDING_SEND_SZ 0x00000001u
/* OVMM masks the low 3 bits of pending_send_sz (some guests store size-1). */
#define VMBUS_RING_PENDING_SEND_SZ_MASK    (~0x7u)

/* First page of each ring. */
struct vmbus_ring_ctl {
	uint32_t write_index;      /* @0, producer advances */
	uint32_t read_index;       /* @4, consumer advances */
	uint32_t interrupt_mask;   /* @8, consumer: 1 = don't signal me */
	uint32_t pending_send_sz;  /* @12, producer: bytes it waits for, 0 = none */
	uint32_t reserved1[12];    /* @16 */
	uint32_t feature_bits;     /* @64, VMBUS_RING_FEATURE_* */
	uint8_t  reserved2[HV_PAGE_SIZE - 68]; /* @68; FBSD keeps a counter at 4088 */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_ring_ctl) == VMBUS_RING_CTL_SIZE, "ring control page");
_Static_assert(offsetof(struct vmbus_ring_ctl, interrupt_mask) == 8, "");
_Static_assert(offsetof(struct vmbus_ring_ctl, pending_send_sz) == 12, "");
_Static_assert(offsetof(struct vmbus_ring_ctl, reserved1) == 16, "");
_Static_assert(offsetof(struct vmbus_ring_ctl, feature_bits) == 64, "");

/* ---- Packets (vmbus.md 7) ------------------------------------------------- */

/* VMBUS_PKT_* packet types (field vmbus_pkt_desc.type). */
#define VMBUS_PKT_INVALID                0x0u
#define VMBUS_PKT_SYNCH                  0x1u
#define VMBUS_PKT_ADD_XFER_PAGESET       0x2u
#define VMBUS_PKT_RM_XFER_PAGESET        0x3u
#define VMBUS_PKT_ESTABLISH_GPADL        0x4u /* in-ring form, unused */
#define VMBUS_PKT_TEARDOWN_GPADL         0x5u /* in-ring form, unused */
#define VMBUS_PKT_DATA_INBAND            0x6u
#define VMBUS_PKT_DATA_USING_XFER_PAGES  0x7u
#define VMBUS_PKT_DATA_USING_GPADL       0x8u
#define VMBUS_PKT_DATA_USING_GPA_DIRECT  0x9u
#define VMBUS_PKT_CANCEL_REQUEST         0xAu
#define VMBUS_PKT_COMP                   0xBu
#define VMBUS_PKT_DATA_USING_ADDITIONAL_PKT 0xCu
#define VMBUS_PKT_ADDITIONAL_DATA        0xDu
/* OVMM accepts only 6, 7, 9 and 0xB. */

/* vmbus_pkt_desc.flags */
#define VMBUS_PKT_FLAG_COMPLETION_REQUESTED 0x0001u
#define VMBUS_PKT_FLAGS_KNOWN               0x0001u /* OVMM: others = corrupt */

#define VMBUS_PKT_ALIGN        8u
#define VMBUS_PKT_DESC_SIZE    16u
#define VMBUS_PKT_TRAILER_SIZE 8u
#define VMBUS_PKT_MIN_OFFSET8  2u               /* payload starts >= 16 */
#define VMBUS_PKT_MAX_LEN      (0xFFFFu * 8u)   /* len8 is a u16 */

/* Descriptor at the start of every packet.  The packet occupies len8 * 8
 * bytes (padding included, trailer not); the payload is
 * (len8 - offset8) * 8 bytes, zero-padded, so its exact length comes from
 * the device protocol. */
struct vmbus_pkt_desc {
	uint16_t type;     /* @0, VMBUS_PKT_* */
	uint16_t offset8;  /* @2, payload offset / 8, >= 2 */
	uint16_t len8;     /* @4, packet length / 8, without trailer */
	uint16_t flags;    /* @6, VMBUS_PKT_FLAG_* */
	uint64_t trans_id; /* @8, echoed in the completion */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_pkt_desc) == VMBUS_PKT_DESC_SIZE, "packet descriptor");
_Static_assert(offsetof(struct vmbus_pkt_desc, len8) == 4, "");
_Static_assert(offsetof(struct vmbus_pkt_desc, trans_id) == 8, "");

/* The 8 bytes after every packet: the u64 (start << 32). */
struct vmbus_pkt_trailer {
	uint32_t reserved;   /* @0, 0 */
	uint32_t pkt_start;  /* @4, ring offset where this packet starts */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_pkt_trailer) == VMBUS_PKT_TRAILER_SIZE, "trailer");
#define VMBUS_PKT_TRAILER_START_SHIFT 32u

/* A range inside a GPA-direct packet has the same layout as a GPADL range
 * (vmbus_msg.h struct vmbus_gpa_range_hdr): {u32 byte_count, u32 byte_offset}
 * then ceil((byte_offset + byte_count) / 4096) u64 PFNs. */
struct vmbus_pkt_range_hdr {
	uint32_t byte_count;   /* @0 */
	uint32_t byte_offset;  /* @4 */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_pkt_range_hdr) == 8, "GPA range header");

/* VMBUS_PKT_DATA_USING_GPA_DIRECT (9) header, 24 bytes; the ranges follow
 * and offset8 = (24 + size of the ranges) / 8.  Sent with completion
 * requested.  Also the 0x18-byte header of the multi-page-buffer form. */
struct vmbus_pkt_gpa_direct {
	struct vmbus_pkt_desc d;  /* @0 */
	uint32_t reserved;        /* @16, may be garbage (OVMM) */
	uint32_t range_count;     /* @20, >= 1 */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_pkt_gpa_direct) == 24, "GPA-direct header");
_Static_assert(offsetof(struct vmbus_pkt_gpa_direct, range_count) == 20, "");
#define VMBUS_PKT_GPA_DIRECT_HDR_SIZE 24u
#define VMBUS_PKT_MPB_HDR_SIZE        0x18u
_Static_assert(VMBUS_PKT_MPB_HDR_SIZE == sizeof(struct vmbus_pkt_gpa_direct), "");

/* Page-buffer entry: a range with exactly one PFN, 16 bytes. */
struct vmbus_page_buffer {
	uint32_t len;     /* @0, byte_count */
	uint32_t offset;  /* @4, byte_offset */
	uint64_t pfn;     /* @8 */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_page_buffer) == 16, "page buffer entry");
#define VMBUS_PAGEBUF_MAX 32u /* ranges in one page-buffer packet */

/* Page-buffer packet: GPA-direct header then range_count page buffers. */
struct vmbus_pkt_pagebuf {
	struct vmbus_pkt_gpa_direct h;     /* @0 */
	struct vmbus_page_buffer range[];  /* @24 */
} __attribute__((packed));
_Static_assert(offsetof(struct vmbus_pkt_pagebuf, range) == 24, "");

/* Multi-page-buffer packet: GPA-direct header, one range, its PFNs. */
struct vmbus_pkt_mpb {
	struct vmbus_pkt_gpa_direct h;     /* @0, range_count = 1 */
	struct vmbus_pkt_range_hdr range;  /* @24 */
	uint64_t pfn[];                    /* @32 */
} __attribute__((packed));
_Static_assert(offsetof(struct vmbus_pkt_mpb, pfn) == 32, "");

/* VMBUS_PKT_DATA_USING_XFER_PAGES (7) header, 24 bytes + 8 per range;
 * offset8 = (24 + 8n) / 8.  netvsc uses it H->G for receive-buffer frames. */
struct vmbus_xfer_page_range {
	uint32_t byte_count;   /* @0 (count first) */
	uint32_t byte_offset;  /* @4, into the page set */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_xfer_page_range) == 8, "xfer page range");

struct vmbus_pkt_xfer_pages {
	struct vmbus_pkt_desc d;            /* @0 */
	uint16_t xfer_pageset_id;           /* @16 */
	uint8_t  sender_owns_set;           /* @18, OVMM: reserved, may be garbage */
	uint8_t  reserved;                  /* @19 */
	uint32_t range_count;               /* @20 */
	struct vmbus_xfer_page_range range[]; /* @24 */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_pkt_xfer_pages) == 24, "xfer page header");
_Static_assert(offsetof(struct vmbus_pkt_xfer_pages, range_count) == 20, "");
_Static_assert(offsetof(struct vmbus_pkt_xfer_pages, range) == 24, "");

/* Legacy in-ring GPADL packets (LNX structs; not used by modern drivers). */
struct vmbus_pkt_establish_gpadl {
	struct vmbus_pkt_desc d;  /* @0, type VMBUS_PKT_ESTABLISH_GPADL */
	uint32_t gpadl;           /* @16 */
	uint32_t range_count;     /* @20; ranges follow at 24 */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_pkt_establish_gpadl) == 24, "");

struct vmbus_pkt_teardown_gpadl {
	struct vmbus_pkt_desc d;  /* @0, type VMBUS_PKT_TEARDOWN_GPADL */
	uint32_t gpadl;           /* @16 */
	uint32_t reserved;        /* @20 */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_pkt_teardown_gpadl) == 24, "");

struct vmbus_pkt_additional_data {
	struct vmbus_pkt_desc d;  /* @0, type VMBUS_PKT_ADDITIONAL_DATA */
	uint64_t total_bytes;     /* @16 */
	uint32_t offset;          /* @24 */
	uint32_t byte_count;      /* @28 */
	uint8_t  data[];          /* @32 */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_pkt_additional_data) == 32, "");

/* ---- Pipe header (devices.md 0.4, vmbus.md 9) ---------------------------
 * Message-mode pipe channels (ICs, mouse, synthvid; offer flag
 * NAMED_PIPE_MODE with pipe mode 4) start each in-band payload with it. */
#define VMBUS_PIPE_TYPE_DATA                1u
#define VMBUS_PIPE_TYPE_PARTIAL             2u
#define VMBUS_PIPE_TYPE_SETUP_GPA_DIRECT    3u
#define VMBUS_PIPE_TYPE_TEARDOWN_GPA_DIRECT 4u

struct vmbus_pipe_hdr {
	uint32_t type;  /* @0, VMBUS_PIPE_TYPE_* */
	uint32_t len;   /* @4, bytes that follow this header */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_pipe_hdr) == 8, "pipe header");

/* ---- IC message header (vmbus.md 9), follows the pipe header ------------ */
#define VMBUS_ICMSG_NEGOTIATE  0u
#define VMBUS_ICMSG_HEARTBEAT  1u
#define VMBUS_ICMSG_KVP        2u
#define VMBUS_ICMSG_SHUTDOWN   3u
#define VMBUS_ICMSG_TIMESYNC   4u
#define VMBUS_ICMSG_VSS        5u
#define VMBUS_ICMSG_FCOPY      7u

#define VMBUS_ICMSG_FLAG_TRANSACTION 0x01u
#define VMBUS_ICMSG_FLAG_REQUEST     0x02u
#define VMBUS_ICMSG_FLAG_RESPONSE    0x04u

struct vmbus_ic_version {
	uint16_t major;  /* @0 */
	uint16_t minor;  /* @2 */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_ic_version) == 4, "IC version");

struct vmbus_icmsg_hdr {
	struct vmbus_ic_version framework_ver; /* @0 */
	uint16_t msgtype;                      /* @4, VMBUS_ICMSG_* */
	struct vmbus_ic_version msg_ver;       /* @6 */
	uint16_t msgsize;                      /* @10 */
	uint32_t status;                       /* @12 */
	uint8_t  trans_id;                     /* @16 */
	uint8_t  flags;                        /* @17, VMBUS_ICMSG_FLAG_* */
	uint8_t  reserved[2];                  /* @18 */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_icmsg_hdr) == 20, "IC message header");
_Static_assert(offsetof(struct vmbus_icmsg_hdr, msgtype) == 4, "");
_Static_assert(offsetof(struct vmbus_icmsg_hdr, msgsize) == 10, "");
_Static_assert(offsetof(struct vmbus_icmsg_hdr, status) == 12, "");
_Static_assert(offsetof(struct vmbus_icmsg_hdr, trans_id) == 16, "");

#endif /* HYPERV_VMBUS_RING_H */
