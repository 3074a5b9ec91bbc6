/* vmbus_msg.h -- VMBus channel-management messages (the payload of SynIC
 * message type 1), protocol versions, connection ids, offer and feature
 * flags, the monitor page and the interrupt page.  Numbers and offsets from
 * shared/protocol/vmbus.md sections 3.6, 5 and 8.  Header only: no code.
 *
 * Every message starts with struct vmbus_msg_hdr and is at most
 * HV_MESSAGE_PAYLOAD_BYTES (240) long.  Offsets in the comments include the
 * 8-byte header.  G->H messages are posted with HvPostMessage on the message
 * connection id; H->G messages are written into SIMP slot VMBUS_MESSAGE_SINT
 * with PayloadSize = the message length. */
#ifndef HYPERV_VMBUS_MSG_H
#define HYPERV_VMBUS_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "hyperv/hv_tlfs.h"
#include "hyperv/vmbus_guid.h"

/* ---- Message types (vmbus.md 5.1) ---------------------------------------
 * Direction and the lowest protocol version at which OVMM's parse table
 * accepts the message.  1-24 agree across LNX, OVMM, QEMU (1-17) and FBSD
 * (1-23); 25-29 are OVMM only. */
#define VMBUS_MSG_INVALID                     0u  /* never valid */
#define VMBUS_MSG_OFFERCHANNEL                1u  /* H->G, 0.13 */
#define VMBUS_MSG_RESCIND_CHANNELOFFER        2u  /* H->G, 0.13 */
#define VMBUS_MSG_REQUESTOFFERS               3u  /* G->H, 0.13 */
#define VMBUS_MSG_ALLOFFERS_DELIVERED         4u  /* H->G, 0.13 */
#define VMBUS_MSG_OPENCHANNEL                 5u  /* G->H, 0.13 (156-byte form 6.0) */
#define VMBUS_MSG_OPENCHANNEL_RESULT          6u  /* H->G, 0.13 */
#define VMBUS_MSG_CLOSECHANNEL                7u  /* G->H, 0.13; no reply */
#define VMBUS_MSG_GPADL_HEADER                8u  /* G->H, 0.13 */
#define VMBUS_MSG_GPADL_BODY                  9u  /* G->H, 0.13 */
#define VMBUS_MSG_GPADL_CREATED               10u /* H->G, 0.13 */
#define VMBUS_MSG_GPADL_TEARDOWN              11u /* G->H, 0.13 */
#define VMBUS_MSG_GPADL_TORNDOWN              12u /* H->G, 0.13 */
#define VMBUS_MSG_RELID_RELEASED              13u /* G->H, 0.13 */
#define VMBUS_MSG_INITIATE_CONTACT            14u /* G->H, any (version not known yet) */
#define VMBUS_MSG_VERSION_RESPONSE            15u /* H->G, any */
#define VMBUS_MSG_UNLOAD                      16u /* G->H, 0.13 (Linux sends it from 3.0) */
#define VMBUS_MSG_UNLOAD_RESPONSE             17u /* H->G, 1.1 (OVMM "UNLOAD_COMPLETE") */
#define VMBUS_MSG_OPEN_RESERVED_CHANNEL       18u /* G->H, 4.0 */
#define VMBUS_MSG_CLOSE_RESERVED_CHANNEL      19u /* G->H, OVMM accepts at any version */
#define VMBUS_MSG_CLOSE_RESERVED_RESPONSE     20u /* H->G, 4.0 */
#define VMBUS_MSG_TL_CONNECT_REQUEST          21u /* G->H, 4.0 (silo form 5.2) */
#define VMBUS_MSG_MODIFYCHANNEL               22u /* G->H, 4.1 */
#define VMBUS_MSG_TL_CONNECT_RESULT           23u /* H->G, 4.1 */
#define VMBUS_MSG_MODIFYCHANNEL_RESPONSE      24u /* H->G, 5.3 */
#define VMBUS_MSG_MODIFY_CONNECTION           25u /* G->H, 6.0 + MODIFY_CONNECTION */
#define VMBUS_MSG_MODIFY_CONNECTION_RESPONSE  26u /* H->G, 6.0 + MODIFY_CONNECTION */
#define VMBUS_MSG_PAUSE                       27u /* G->H, 6.0 + PAUSE_RESUME */
#define VMBUS_MSG_PAUSE_RESPONSE              28u /* H->G, 6.0 + PAUSE_RESUME */
#define VMBUS_MSG_RESUME                      29u /* G->H, 6.0 + PAUSE_RESUME */
/* One past the highest type.  NOTE: Linux 5.3-era headers stop at 25 and
 * QEMU at 18; a dispatcher must still gate each type by version. */
#define VMBUS_MSG_COUNT                       30u
/* PAUSE/RESUME direction: the sheet's table marks it UNVERIFIED; OVMM's
 * client sends Pause and Resume and its server answers PauseResponse
 * (vmbus_client/src/lib.rs, vmbus_server/src/channels.rs), as in sheet 11. */

/* ---- Protocol versions (vmbus.md 5.3): major << 16 | minor ------------- */
#define VMBUS_VERSION_WS2008      0x0000000Du /* 0.13, OVMM V1 */
#define VMBUS_VERSION_WIN7        0x00010001u /* 1.1 */
#define VMBUS_VERSION_WIN8        0x00020004u /* 2.4: per-channel SIEF bits */
#define VMBUS_VERSION_WIN8_1      0x00030000u /* 3.0: target_vcpu honoured */
#define VMBUS_VERSION_WIN10       0x00040000u /* 4.0: hv_sock, reserved channels */
#define VMBUS_VERSION_WIN10_V4_1  0x00040001u /* 4.1: MODIFYCHANNEL, TL result */
#define VMBUS_VERSION_WIN10_V5    0x00050000u /* 5.0: connection 4, SINT/VTL */
#define VMBUS_VERSION_WIN10_V5_1  0x00050001u /* 5.1: message VTL */
#define VMBUS_VERSION_WIN10_V5_2  0x00050002u /* 5.2: TL connect silo id */
#define VMBUS_VERSION_WIN10_V5_3  0x00050003u /* 5.3: MODIFYCHANNEL_RESPONSE */
#define VMBUS_VERSION_WIN10_V6_0  0x00060000u /* 6.0: feature flags */
#define VMBUS_VERSION_MAJOR_SHIFT 16u
#define VMBUS_VERSION_MINOR_MASK  0xFFFFu

/* ---- Connection ids, ports, SINT (vmbus.md 3.6) ------------------------- */
#define VMBUS_MESSAGE_SINT            2u  /* == HV_SINT_VMBUS */
#define VMBUS_MESSAGE_CONNECTION_ID   1u  /* < 5.0; OVMM's VTL0 answer for >= 5.0 */
#define VMBUS_MESSAGE_CONNECTION_ID_4 4u  /* INITIATE_CONTACT for >= 5.0 */
#define VMBUS_MESSAGE_PORT_ID         1u
#define VMBUS_EVENT_CONNECTION_ID     2u  /* shared G->H event, 0.13 only */
#define VMBUS_EVENT_PORT_ID           2u
#define VMBUS_MONITOR_CONNECTION_ID   3u  /* defined by LNX/QEMU, no known use */
#define VMBUS_MONITOR_PORT_ID         3u
/* Host->guest event flag used by 0.13 and 1.1 (with the interrupt page). */
#define VMBUS_LEGACY_EVENT_FLAG       0u
_Static_assert(VMBUS_MESSAGE_SINT == HV_SINT_VMBUS, "VMBus SINT");

/* Relids start at 1 and stay below this. */
#define VMBUS_RELID_LIMIT             2048u
/* OpenChannel.target_vp value meaning "no interrupts" (OVMM). */
#define VMBUS_TARGET_VP_NO_INTERRUPT  0xFFFFFFFFu
/* Offer monitorid when there is no monitor (OVMM). */
#define VMBUS_MONITOR_ID_NONE         0xFFu

/* Status values in OPENCHANNEL_RESULT, GPADL_CREATED, MODIFYCHANNEL_RESPONSE,
 * TL_CONNECT_RESULT: 0 success, else NTSTATUS-style failure (OVMM). */
#define VMBUS_STATUS_SUCCESS            0x00000000u
#define VMBUS_STATUS_UNSUCCESSFUL       0x8000FFFFu
#define VMBUS_STATUS_CONNECTION_REFUSED 0xC0000236u

/* VERSION_RESPONSE.connection_state */
#define VMBUS_CONN_STATE_SUCCESS         0u
#define VMBUS_CONN_STATE_LOW_RESOURCES   1u
#define VMBUS_CONN_STATE_UNKNOWN_FAILURE 2u

/* ---- 6.0 feature flags: INITIATE_CONTACT @20, VERSION_RESPONSE2 @16 ------ */
#define VMBUS_FEATURE_GUEST_SIGNAL_PARAMS     (1u << 0)
#define VMBUS_FEATURE_INTERRUPT_REDIRECTION   (1u << 1)
#define VMBUS_FEATURE_MODIFY_CONNECTION       (1u << 2)
#define VMBUS_FEATURE_CLIENT_ID               (1u << 3)
#define VMBUS_FEATURE_CONFIDENTIAL_CHANNELS   (1u << 4)
#define VMBUS_FEATURE_PAUSE_RESUME            (1u << 5)
#define VMBUS_FEATURE_SERVER_MONITOR_PAGES    (1u << 6)
#define VMBUS_FEATURE_GPA_PINNING             (1u << 7)

/* ---- Offer channel flags (offer @56) ------------------------------------ */
#define VMBUS_OFFER_FLAG_ENUMERATE_DEVICE_INTERFACE 0x0001u
/* NOTE: 0x2/0x4 are "server supports transfer pages / GPADLs" in LNX/QEMU
 * but confidential ring / external memory in OVMM 6.0: set them only when
 * VMBUS_FEATURE_CONFIDENTIAL_CHANNELS was negotiated. */
#define VMBUS_OFFER_FLAG_CONFIDENTIAL_RING          0x0002u
#define VMBUS_OFFER_FLAG_CONFIDENTIAL_EXT_MEMORY    0x0004u
#define VMBUS_OFFER_FLAG_REQUIRE_PINNED_MEMORY      0x0008u /* OVMM, gpa_pinning */
#define VMBUS_OFFER_FLAG_NAMED_PIPE_MODE            0x0010u
#define VMBUS_OFFER_FLAG_LOOPBACK                   0x0100u
#define VMBUS_OFFER_FLAG_PARENT                     0x0200u
#define VMBUS_OFFER_FLAG_REQUEST_MONITORED_NOTIFY   0x0400u
#define VMBUS_OFFER_FLAG_TLNPI_PROVIDER             0x2000u /* hv_sock */
/* hv_sock offers carry TLNPI | NAMED_PIPE | ENUMERATE. */
#define VMBUS_OFFER_FLAGS_HVSOCK                    0x2011u
/* Integration components (OVMM): ENUMERATE | NAMED_PIPE, pipe mode message. */
#define VMBUS_OFFER_FLAGS_IC_PIPE                   0x0011u

/* Offer user-defined area @60 in pipe mode: u32 pipe_mode first. */
#define VMBUS_PIPE_MODE_BYTE    0u
#define VMBUS_PIPE_MODE_MESSAGE 4u
#define VMBUS_OFFER_USER_DEFINED_BYTES 120u
#define VMBUS_OPEN_USER_DATA_BYTES     120u

/* OPENCHANNEL 6.0 form, flags @154. */
#define VMBUS_OPEN_FLAG_REDIRECT_INTERRUPT 0x0001u

/* ---- Message header ------------------------------------------------------ */

struct vmbus_msg_hdr {
	uint32_t msgtype;  /* @0, VMBUS_MSG_* */
	uint32_t padding;  /* @4, 0 */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_msg_hdr) == 8, "channel message header");

/* ---- Layouts (vmbus.md 5.2) ---------------------------------------------- */

/* VMBUS_MSG_OFFERCHANNEL (1), H->G, 196 bytes. */
struct vmbus_msg_offer {
	struct vmbus_msg_hdr hdr;         /* @0 */
	struct vmbus_guid if_type;        /* @8, interface (class) GUID */
	struct vmbus_guid if_instance;    /* @24, instance GUID */
	uint64_t reserved1;               /* @40, FBSD: interrupt latency; send 0 */
	uint64_t reserved2;               /* @48, FBSD: revision, server ctx size; send 0 */
	uint16_t chan_flags;              /* @56, VMBUS_OFFER_FLAG_* */
	uint16_t mmio_megabytes;          /* @58 */
	uint8_t  user_defined[VMBUS_OFFER_USER_DEFINED_BYTES]; /* @60, pipe: u32 mode */
	uint16_t sub_channel_index;       /* @180, 0 = primary (Win8+) */
	uint16_t reserved3;               /* @182, OVMM mmio_megabytes_optional */
	uint32_t child_relid;             /* @184 */
	uint8_t  monitorid;               /* @188, VMBUS_MONITOR_ID_NONE if none */
	uint8_t  monitor_allocated;       /* @189, bit 0 */
	uint16_t is_dedicated_interrupt;  /* @190, bit 0 (Win7+) */
	uint32_t connection_id;           /* @192, G->H HvSignalEvent conn (Win7+) */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_msg_offer) == 196, "OFFERCHANNEL");
_Static_assert(offsetof(struct vmbus_msg_offer, if_instance) == 24, "");
_Static_assert(offsetof(struct vmbus_msg_offer, chan_flags) == 56, "");
_Static_assert(offsetof(struct vmbus_msg_offer, user_defined) == 60, "");
_Static_assert(offsetof(struct vmbus_msg_offer, sub_channel_index) == 180, "");
_Static_assert(offsetof(struct vmbus_msg_offer, child_relid) == 184, "");
_Static_assert(offsetof(struct vmbus_msg_offer, monitorid) == 188, "");
_Static_assert(offsetof(struct vmbus_msg_offer, is_dedicated_interrupt) == 190, "");
_Static_assert(offsetof(struct vmbus_msg_offer, connection_id) == 192, "");
#define VMBUS_OFFER_MONITOR_ALLOCATED 0x01u
#define VMBUS_OFFER_DEDICATED_INTERRUPT 0x0001u

/* VMBUS_MSG_RESCIND_CHANNELOFFER (2), H->G, 12 bytes. */
struct vmbus_msg_rescind {
	struct vmbus_msg_hdr hdr;  /* @0 */
	uint32_t child_relid;      /* @8 */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_msg_rescind) == 12, "RESCIND");

/* VMBUS_MSG_REQUESTOFFERS (3), G->H, 8 bytes. */
struct vmbus_msg_request_offers {
	struct vmbus_msg_hdr hdr;
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_msg_request_offers) == 8, "REQUESTOFFERS");

/* VMBUS_MSG_ALLOFFERS_DELIVERED (4), H->G, 8 bytes. */
struct vmbus_msg_all_offers_delivered {
	struct vmbus_msg_hdr hdr;
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_msg_all_offers_delivered) == 8, "ALLOFFERS");

/* VMBUS_MSG_OPENCHANNEL (5), G->H, 148 bytes. */
struct vmbus_msg_open {
	struct vmbus_msg_hdr hdr;         /* @0 */
	uint32_t child_relid;             /* @8 */
	uint32_t openid;                  /* @12, echoed in the result */
	uint32_t ring_gpadl;              /* @16, ring-buffer GPADL handle */
	uint32_t target_vp;               /* @20, from 2.4; VMBUS_TARGET_VP_NO_INTERRUPT */
	uint32_t downstream_ring_pageoff; /* @24, pages in the G->H ring */
	uint8_t  user_data[VMBUS_OPEN_USER_DATA_BYTES]; /* @28 */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_msg_open) == 148, "OPENCHANNEL");
_Static_assert(offsetof(struct vmbus_msg_open, ring_gpadl) == 16, "");
_Static_assert(offsetof(struct vmbus_msg_open, downstream_ring_pageoff) == 24, "");
_Static_assert(offsetof(struct vmbus_msg_open, user_data) == 28, "");

/* VMBUS_MSG_OPENCHANNEL (5), G->H, 6.0 form (OVMM OpenChannel2), 156 bytes.
 * Parsed only with VMBUS_FEATURE_GUEST_SIGNAL_PARAMS or
 * VMBUS_FEATURE_INTERRUPT_REDIRECTION negotiated. */
struct vmbus_msg_open2 {
	struct vmbus_msg_open open;  /* @0 */
	uint32_t connection_id;      /* @148, GUEST_SIGNAL_PARAMS */
	uint16_t event_flag;         /* @152, GUEST_SIGNAL_PARAMS */
	uint16_t open_flags;         /* @154, VMBUS_OPEN_FLAG_* */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_msg_open2) == 156, "OPENCHANNEL 6.0");
_Static_assert(offsetof(struct vmbus_msg_open2, connection_id) == 148, "");
_Static_assert(offsetof(struct vmbus_msg_open2, event_flag) == 152, "");
_Static_assert(offsetof(struct vmbus_msg_open2, open_flags) == 154, "");

/* VMBUS_MSG_OPENCHANNEL_RESULT (6), H->G, 20 bytes. */
struct vmbus_msg_open_result {
	struct vmbus_msg_hdr hdr;  /* @0 */
	uint32_t child_relid;      /* @8 */
	uint32_t openid;           /* @12 */
	uint32_t status;           /* @16, VMBUS_STATUS_* */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_msg_open_result) == 20, "OPEN_RESULT");
_Static_assert(offsetof(struct vmbus_msg_open_result, status) == 16, "");

/* VMBUS_MSG_CLOSECHANNEL (7), G->H, 12 bytes. */
struct vmbus_msg_close {
	struct vmbus_msg_hdr hdr;  /* @0 */
	uint32_t child_relid;      /* @8 */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_msg_close) == 12, "CLOSECHANNEL");

/* One GPA range as carried in GPADL_HEADER (and, with the same layout, in
 * GPA-direct ring packets): followed by
 * ceil((byte_offset + byte_count) / 4096) u64 PFNs. */
struct vmbus_gpa_range_hdr {
	uint32_t byte_count;   /* @0 */
	uint32_t byte_offset;  /* @4, within the first page */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_gpa_range_hdr) == 8, "GPA range header");
#define VMBUS_GPA_RANGE_MAX_OFFSET 0xFFFu

/* VMBUS_MSG_GPADL_HEADER (8), G->H, 20 bytes + ranges.  range_buflen counts
 * all range bytes, including PFNs that follow in GPADL_BODY messages. */
struct vmbus_msg_gpadl_header {
	struct vmbus_msg_hdr hdr;  /* @0 */
	uint32_t child_relid;      /* @8 */
	uint32_t gpadl;            /* @12, handle chosen by the guest */
	uint16_t range_buflen;     /* @16 */
	uint16_t rangecount;       /* @18 */
	/* @20: struct vmbus_gpa_range_hdr + u64 pfn[] per range */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_msg_gpadl_header) == 20, "GPADL_HEADER");
_Static_assert(offsetof(struct vmbus_msg_gpadl_header, range_buflen) == 16, "");
_Static_assert(offsetof(struct vmbus_msg_gpadl_header, rangecount) == 18, "");

/* With one range (what Linux always sends) PFNs start at 28; 26 fit. */
#define VMBUS_GPADL_HEADER_MAX_PFNS 26u
struct vmbus_msg_gpadl_header_1range {
	struct vmbus_msg_gpadl_header gh;                /* @0 */
	struct vmbus_gpa_range_hdr range;                /* @20 */
	uint64_t pfn[VMBUS_GPADL_HEADER_MAX_PFNS];       /* @28 */
} __attribute__((packed));
#define VMBUS_GPADL_HEADER_PFN_OFF 28u
_Static_assert(offsetof(struct vmbus_msg_gpadl_header_1range, pfn) ==
	       VMBUS_GPADL_HEADER_PFN_OFF, "");
_Static_assert(sizeof(struct vmbus_msg_gpadl_header_1range) == 236, "");
/* The 26th PFN still fits in the SynIC payload, a 27th would not. */
_Static_assert(VMBUS_GPADL_HEADER_PFN_OFF + VMBUS_GPADL_HEADER_MAX_PFNS * 8u <=
	       HV_MESSAGE_PAYLOAD_BYTES, "GPADL_HEADER PFN 26 fits");
_Static_assert(VMBUS_GPADL_HEADER_PFN_OFF + (VMBUS_GPADL_HEADER_MAX_PFNS + 1u) * 8u >
	       HV_MESSAGE_PAYLOAD_BYTES, "GPADL_HEADER max is exact");

/* VMBUS_MSG_GPADL_BODY (9), G->H, 16 + 8n bytes, n <= 28. */
struct vmbus_msg_gpadl_body {
	struct vmbus_msg_hdr hdr;  /* @0 */
	uint32_t msgnumber;        /* @8, Linux 0, OVMM ignores */
	uint32_t gpadl;            /* @12, no relid: in-progress handles are unique */
	uint64_t pfn[];            /* @16 */
} __attribute__((packed));
#define VMBUS_GPADL_BODY_MAX_PFNS 28u
#define VMBUS_GPADL_BODY_PFN_OFF  16u
_Static_assert(sizeof(struct vmbus_msg_gpadl_body) == 16, "GPADL_BODY");
_Static_assert(offsetof(struct vmbus_msg_gpadl_body, pfn) == VMBUS_GPADL_BODY_PFN_OFF, "");
_Static_assert(VMBUS_GPADL_BODY_PFN_OFF + VMBUS_GPADL_BODY_MAX_PFNS * 8u <=
	       HV_MESSAGE_PAYLOAD_BYTES, "GPADL_BODY PFN 28 fits");
_Static_assert(VMBUS_GPADL_BODY_PFN_OFF + (VMBUS_GPADL_BODY_MAX_PFNS + 1u) * 8u >
	       HV_MESSAGE_PAYLOAD_BYTES, "GPADL_BODY max is exact");

/* VMBUS_MSG_GPADL_CREATED (10), H->G, 20 bytes. */
struct vmbus_msg_gpadl_created {
	struct vmbus_msg_hdr hdr;  /* @0 */
	uint32_t child_relid;      /* @8 */
	uint32_t gpadl;            /* @12 */
	uint32_t creation_status;  /* @16, VMBUS_STATUS_* */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_msg_gpadl_created) == 20, "GPADL_CREATED");

/* VMBUS_MSG_GPADL_TEARDOWN (11), G->H, 16 bytes. */
struct vmbus_msg_gpadl_teardown {
	struct vmbus_msg_hdr hdr;  /* @0 */
	uint32_t child_relid;      /* @8 */
	uint32_t gpadl;            /* @12 */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_msg_gpadl_teardown) == 16, "GPADL_TEARDOWN");

/* VMBUS_MSG_GPADL_TORNDOWN (12), H->G, 12 bytes. */
struct vmbus_msg_gpadl_torndown {
	struct vmbus_msg_hdr hdr;  /* @0 */
	uint32_t gpadl;            /* @8 */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_msg_gpadl_torndown) == 12, "GPADL_TORNDOWN");

/* VMBUS_MSG_RELID_RELEASED (13), G->H, 12 bytes. */
struct vmbus_msg_relid_released {
	struct vmbus_msg_hdr hdr;  /* @0 */
	uint32_t child_relid;      /* @8 */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_msg_relid_released) == 12, "RELID_RELEASED");

/* VMBUS_MSG_INITIATE_CONTACT (14), G->H, 40 bytes.  Offset 16 is the
 * interrupt-page GPA below 5.0 (used by the host only below 2.4), and
 * SINT / VTL / 6.0 feature flags from 5.0. */
struct vmbus_msg_initiate_contact {
	struct vmbus_msg_hdr hdr;   /* @0 */
	uint32_t version_requested; /* @8, VMBUS_VERSION_* */
	uint32_t target_vcpu;       /* @12, honoured from 3.0 */
	union {
		uint64_t interrupt_page; /* @16, < 5.0 */
		struct {
			uint8_t  msg_sint;      /* @16, >= 5.0; Linux 2 */
			uint8_t  msg_vtl;       /* @17, >= 5.1 */
			uint16_t reserved;      /* @18 */
			uint32_t feature_flags; /* @20, 6.0, VMBUS_FEATURE_* */
		} __attribute__((packed)) v5;
	} u;
	uint64_t monitor_page1;     /* @24, parent->child (H->G) */
	uint64_t monitor_page2;     /* @32, child->parent (G->H); both or neither */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_msg_initiate_contact) == 40, "INITIATE_CONTACT");
_Static_assert(offsetof(struct vmbus_msg_initiate_contact, u.interrupt_page) == 16, "");
_Static_assert(offsetof(struct vmbus_msg_initiate_contact, u.v5.msg_sint) == 16, "");
_Static_assert(offsetof(struct vmbus_msg_initiate_contact, u.v5.msg_vtl) == 17, "");
_Static_assert(offsetof(struct vmbus_msg_initiate_contact, u.v5.feature_flags) == 20, "");
_Static_assert(offsetof(struct vmbus_msg_initiate_contact, monitor_page1) == 24, "");
_Static_assert(offsetof(struct vmbus_msg_initiate_contact, monitor_page2) == 32, "");

/* VMBUS_MSG_INITIATE_CONTACT (14), G->H, 6.0 with VMBUS_FEATURE_CLIENT_ID,
 * 56 bytes (OVMM InitiateContact2; told apart by size). */
struct vmbus_msg_initiate_contact2 {
	struct vmbus_msg_initiate_contact ic; /* @0 */
	struct vmbus_guid client_id;          /* @40 */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_msg_initiate_contact2) == 56, "INITIATE_CONTACT 6.0");
_Static_assert(offsetof(struct vmbus_msg_initiate_contact2, client_id) == 40, "");

/* VMBUS_MSG_VERSION_RESPONSE (15), H->G, 16 bytes. */
struct vmbus_msg_version_response {
	struct vmbus_msg_hdr hdr;   /* @0 */
	uint8_t  version_supported; /* @8, 1 accepted, 0 refused */
	uint8_t  connection_state;  /* @9, VMBUS_CONN_STATE_* */
	uint16_t padding;           /* @10 */
	uint32_t msg_conn_id;       /* @12, >= 5.0: message connection id to use;
				     * < 5.0: OVMM puts the version, Linux ignores */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_msg_version_response) == 16, "VERSION_RESPONSE");
_Static_assert(offsetof(struct vmbus_msg_version_response, connection_state) == 9, "");
_Static_assert(offsetof(struct vmbus_msg_version_response, msg_conn_id) == 12, "");

/* VMBUS_MSG_VERSION_RESPONSE (15), H->G, 6.0 accepted, 20 bytes
 * (OVMM VersionResponse2). */
struct vmbus_msg_version_response2 {
	struct vmbus_msg_version_response vr; /* @0 */
	uint32_t supported_features;          /* @16, VMBUS_FEATURE_* */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_msg_version_response2) == 20, "VERSION_RESPONSE2");

/* VMBUS_MSG_VERSION_RESPONSE (15), H->G, 6.0 with
 * VMBUS_FEATURE_SERVER_MONITOR_PAGES, 40 bytes (OVMM VersionResponse3). */
struct vmbus_msg_version_response3 {
	struct vmbus_msg_version_response2 vr2; /* @0 */
	uint32_t padding;                       /* @20 */
	uint64_t monitor_page1;                 /* @24, parent->child GPA */
	uint64_t monitor_page2;                 /* @32, child->parent GPA */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_msg_version_response3) == 40, "VERSION_RESPONSE3");
_Static_assert(offsetof(struct vmbus_msg_version_response3, monitor_page1) == 24, "");

/* VMBUS_MSG_UNLOAD (16), G->H, 8 bytes. */
struct vmbus_msg_unload {
	struct vmbus_msg_hdr hdr;
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_msg_unload) == 8, "UNLOAD");

/* VMBUS_MSG_UNLOAD_RESPONSE (17), H->G, 8 bytes. */
struct vmbus_msg_unload_response {
	struct vmbus_msg_hdr hdr;
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_msg_unload_response) == 8, "UNLOAD_RESPONSE");

/* VMBUS_MSG_OPEN_RESERVED_CHANNEL (18), G->H, 28 bytes. */
struct vmbus_msg_open_reserved {
	struct vmbus_msg_hdr hdr;         /* @0 */
	uint32_t child_relid;             /* @8 */
	uint32_t target_vp;               /* @12 */
	uint32_t target_sint;             /* @16 */
	uint32_t ring_gpadl;              /* @20 */
	uint32_t downstream_ring_pageoff; /* @24 */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_msg_open_reserved) == 28, "OPEN_RESERVED");

/* VMBUS_MSG_CLOSE_RESERVED_CHANNEL (19), G->H, 20 bytes. */
struct vmbus_msg_close_reserved {
	struct vmbus_msg_hdr hdr;  /* @0 */
	uint32_t child_relid;      /* @8 */
	uint32_t target_vp;        /* @12 */
	uint32_t target_sint;      /* @16 */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_msg_close_reserved) == 20, "CLOSE_RESERVED");

/* VMBUS_MSG_CLOSE_RESERVED_RESPONSE (20), H->G, 12 bytes. */
struct vmbus_msg_close_reserved_response {
	struct vmbus_msg_hdr hdr;  /* @0 */
	uint32_t child_relid;      /* @8 */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_msg_close_reserved_response) == 12, "");

/* VMBUS_MSG_TL_CONNECT_REQUEST (21), G->H, 40 bytes (hv_sock). */
struct vmbus_msg_tl_connect_request {
	struct vmbus_msg_hdr hdr;       /* @0 */
	struct vmbus_guid guest_endpoint_id; /* @8 */
	struct vmbus_guid host_service_id;   /* @24 */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_msg_tl_connect_request) == 40, "TL_CONNECT");

/* VMBUS_MSG_TL_CONNECT_REQUEST (21), G->H, 5.2+ with silo id, 56 bytes.
 * Some clients send the 40-byte form at newer versions (OVMM). */
struct vmbus_msg_tl_connect_request2 {
	struct vmbus_msg_tl_connect_request req; /* @0 */
	struct vmbus_guid silo_id;               /* @40 */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_msg_tl_connect_request2) == 56, "TL_CONNECT 5.2");

/* VMBUS_MSG_TL_CONNECT_RESULT (23), H->G, 44 bytes. */
struct vmbus_msg_tl_connect_result {
	struct vmbus_msg_hdr hdr;            /* @0 */
	struct vmbus_guid guest_endpoint_id; /* @8 */
	struct vmbus_guid host_service_id;   /* @24 */
	int32_t status;                      /* @40 */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_msg_tl_connect_result) == 44, "TL_CONNECT_RESULT");
_Static_assert(offsetof(struct vmbus_msg_tl_connect_result, status) == 40, "");

/* VMBUS_MSG_MODIFYCHANNEL (22), G->H, 16 bytes. */
struct vmbus_msg_modify_channel {
	struct vmbus_msg_hdr hdr;  /* @0 */
	uint32_t child_relid;      /* @8 */
	uint32_t target_vp;        /* @12 */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_msg_modify_channel) == 16, "MODIFYCHANNEL");

/* VMBUS_MSG_MODIFYCHANNEL_RESPONSE (24), H->G, 16 bytes. */
struct vmbus_msg_modify_channel_response {
	struct vmbus_msg_hdr hdr;  /* @0 */
	uint32_t child_relid;      /* @8 */
	int32_t  status;           /* @12 */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_msg_modify_channel_response) == 16, "");

/* VMBUS_MSG_MODIFY_CONNECTION (25), G->H, 24 bytes. */
struct vmbus_msg_modify_connection {
	struct vmbus_msg_hdr hdr;  /* @0 */
	uint64_t monitor_page1;    /* @8, parent->child GPA */
	uint64_t monitor_page2;    /* @16, child->parent GPA */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_msg_modify_connection) == 24, "MODIFY_CONNECTION");

/* VMBUS_MSG_MODIFY_CONNECTION_RESPONSE (26), H->G, 9 bytes. */
struct vmbus_msg_modify_connection_response {
	struct vmbus_msg_hdr hdr;  /* @0 */
	uint8_t connection_state;  /* @8, VMBUS_CONN_STATE_* */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_msg_modify_connection_response) == 9, "");

/* VMBUS_MSG_PAUSE (27), G->H, 8 bytes. */
struct vmbus_msg_pause {
	struct vmbus_msg_hdr hdr;
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_msg_pause) == 8, "PAUSE");

/* VMBUS_MSG_PAUSE_RESPONSE (28), H->G, 8 bytes. */
struct vmbus_msg_pause_response {
	struct vmbus_msg_hdr hdr;
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_msg_pause_response) == 8, "PAUSE_RESPONSE");

/* VMBUS_MSG_RESUME (29), G->H, 8 bytes. */
struct vmbus_msg_resume {
	struct vmbus_msg_hdr hdr;
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_msg_resume) == 8, "RESUME");

/* Every message must fit a SynIC payload. */
_Static_assert(sizeof(struct vmbus_msg_offer) <= HV_MESSAGE_PAYLOAD_BYTES, "");
_Static_assert(sizeof(struct vmbus_msg_open2) <= HV_MESSAGE_PAYLOAD_BYTES, "");

/* ---- Interrupt page (INITIATE_CONTACT @16 below 5.0; used below 2.4) ---- */

/* One page; bit relid set means "channel relid has something".  The first
 * half is host->guest, the second guest->host (LNX recv/send_int_page). */
#define VMBUS_INT_PAGE_HALF_BYTES (HV_PAGE_SIZE / 2u)
struct vmbus_int_page {
	uint8_t h2g[VMBUS_INT_PAGE_HALF_BYTES]; /* @0, host sets, guest clears */
	uint8_t g2h[VMBUS_INT_PAGE_HALF_BYTES]; /* @2048, guest sets, host clears */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_int_page) == HV_PAGE_SIZE, "interrupt page");
_Static_assert(offsetof(struct vmbus_int_page, g2h) == 2048, "");

/* ---- Monitor page (vmbus.md 8) ------------------------------------------- */

#define VMBUS_MONITOR_GROUPS         4u
#define VMBUS_MONITORS_PER_GROUP     32u
#define VMBUS_MONITOR_COUNT          128u /* id m: group m / 32, bit m % 32 */
#define VMBUS_MONITOR_TRIGGER_GROUP_ENABLE_MASK 0xFu

struct vmbus_monitor_trigger_group {
	uint32_t pending;  /* @0, guest sets bit (id % 32) instead of signalling */
	uint32_t armed;    /* @4 */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_monitor_trigger_group) == 8, "");

struct vmbus_monitor_param {
	uint32_t connection_id; /* @0 */
	uint16_t flag_number;   /* @4 */
	uint16_t reserved;      /* @6 */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_monitor_param) == 8, "");

/* Both monitor pages (parent->child and child->parent) use this layout. */
struct vmbus_monitor_page {
	uint32_t trigger_state;  /* @0x000, [3:0] group enable */
	uint32_t reserved1;      /* @0x004 */
	struct vmbus_monitor_trigger_group trigger_group[VMBUS_MONITOR_GROUPS]; /* @0x008 */
	uint8_t  reserved2[24];  /* @0x028 */
	int32_t  next_check_time[VMBUS_MONITOR_GROUPS][VMBUS_MONITORS_PER_GROUP]; /* @0x040 */
	uint16_t latency[VMBUS_MONITOR_GROUPS][VMBUS_MONITORS_PER_GROUP]; /* @0x240, 100 ns */
	uint8_t  reserved3[256]; /* @0x340 */
	struct vmbus_monitor_param parameter[VMBUS_MONITOR_GROUPS][VMBUS_MONITORS_PER_GROUP]; /* @0x440 */
	uint8_t  reserved4[1984]; /* @0x840 */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_monitor_page) == HV_PAGE_SIZE, "monitor page");
_Static_assert(offsetof(struct vmbus_monitor_page, trigger_group) == 0x008, "");
_Static_assert(offsetof(struct vmbus_monitor_page, next_check_time) == 0x040, "");
_Static_assert(offsetof(struct vmbus_monitor_page, latency) == 0x240, "");
_Static_assert(offsetof(struct vmbus_monitor_page, parameter) == 0x440, "");
_Static_assert(offsetof(struct vmbus_monitor_page, reserved4) == 0x840, "");

#endif /* HYPERV_VMBUS_MSG_H */
