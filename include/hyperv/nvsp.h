/* nvsp.h -- NVSP (network VSP protocol) wire formats carried in VMBus packets on the
 * synthetic NIC's channels.  From shared/protocol/devices.md part A.  Header only.
 *
 * Every NVSP message starts with a u32 type (NVSP_MSG_*), followed by the body of
 * that type.  Senders pad messages: Linux/DPDK always send 40 bytes (NVSP_MSG_SIZE),
 * FreeBSD >= 32; the host sends 28 bytes below NVSP 6.1 and 40 from 6.1
 * (NVSP_MSG_SIZE_LEGACY / NVSP_MSG_SIZE_V61).  A receiver accepts any length that
 * covers 4 + the body it reads. */
#ifndef HYPERV_NVSP_H
#define HYPERV_NVSP_H

#include <stddef.h>
#include <stdint.h>

/* ---- Protocol versions (u32 major << 16 | minor) (A.1) ------------------- */
#define NVSP_PROTOCOL_VERSION_1   0x00000002u
#define NVSP_PROTOCOL_VERSION_2   0x00030002u
#define NVSP_PROTOCOL_VERSION_4   0x00040000u
#define NVSP_PROTOCOL_VERSION_5   0x00050000u
#define NVSP_PROTOCOL_VERSION_6   0x00060000u
#define NVSP_PROTOCOL_VERSION_61  0x00060001u
#define NVSP_PROTOCOL_VERSION_INVALID 0xFFFFFFFFu
/* Linux probes 6.1, 6, 5, 4, 2, 1 (each INIT with both fields = the candidate). */
#define NVSP_PROTOCOL_VERSION_COUNT 6u

/* NDIS versions a guest announces in SEND_NDIS_VERSION (A.5). */
#define NDIS_VERSION_MAJOR_6      0x0006u
#define NDIS_VERSION_MINOR_1      0x0001u  /* guests send 6.1 when NVSP <= 4 */
#define NDIS_VERSION_MINOR_20     0x0014u
#define NDIS_VERSION_MINOR_30     0x001Eu  /* guests send 6.30 when NVSP >= 5 */
#define NDIS_VERSION_6_1          0x00060001u
#define NDIS_VERSION_6_20         0x00060014u
#define NDIS_VERSION_6_30         0x0006001Eu

/* ---- Message types (A.2); comment = direction, first NVSP version ------- */
#define NVSP_MSG_NONE                     0u
#define NVSP_MSG_INIT                     1u   /* G->H, any */
#define NVSP_MSG_INIT_COMPLETE            2u   /* H->G completion */
#define NVSP_MSG1_SEND_NDIS_VERSION       100u /* G->H, v1 */
#define NVSP_MSG1_SEND_RECV_BUF           101u /* G->H, v1 */
#define NVSP_MSG1_SEND_RECV_BUF_COMPLETE  102u /* H->G completion, v1 */
#define NVSP_MSG1_REVOKE_RECV_BUF         103u /* G->H, v1 */
#define NVSP_MSG1_SEND_SEND_BUF           104u /* G->H, v1 */
#define NVSP_MSG1_SEND_SEND_BUF_COMPLETE  105u /* H->G completion, v1 */
#define NVSP_MSG1_REVOKE_SEND_BUF         106u /* G->H, v1 */
#define NVSP_MSG1_SEND_RNDIS_PKT          107u /* both, v1 */
#define NVSP_MSG1_SEND_RNDIS_PKT_COMPLETE 108u /* both (completion), v1 */
/* 109..124: chimney / VMQ messages, deprecated, never sent by guests we know (v2). */
#define NVSP_MSG2_SEND_CHIMNEY_DELEGATED_BUF 109u
#define NVSP_MSG2_FREE_RXBUF              122u
#define NVSP_MSG2_SEND_NDIS_CONFIG        125u /* G->H, v2 */
#define NVSP_MSG2_ALLOC_CHIMNEY_HANDLE    126u
#define NVSP_MSG2_ALLOC_CHIMNEY_HANDLE_COMP 127u
#define NVSP_MSG4_SEND_VF_ASSOCIATION     128u /* H->G, v4 */
#define NVSP_MSG4_SWITCH_DATA_PATH        129u /* both, v4 */
#define NVSP_MSG4_UPLINK_CONNECT_STATE    130u /* deprecated, v4 */
#define NVSP_MSG5_OID_QUERY_EX            131u /* G->H, v5 */
#define NVSP_MSG5_OID_QUERY_EX_COMPLETE   132u /* H->G, v5 */
#define NVSP_MSG5_SUBCHANNEL              133u /* both (request and completion), v5 */
#define NVSP_MSG5_SEND_INDIRECTION_TABLE  134u /* H->G, v5 */
#define NVSP_MSG6_PD_API                  135u /* v6 */
#define NVSP_MSG6_PD_POST_BATCH           136u /* v6 */
#define NVSP_MSG_MAX                      136u

/* ---- Status codes (A.3), in completions -------------------------------- */
#define NVSP_STAT_NONE            0u
#define NVSP_STAT_SUCCESS         1u
#define NVSP_STAT_FAIL            2u
#define NVSP_STAT_PROTOCOL_TOO_NEW 3u
#define NVSP_STAT_PROTOCOL_TOO_OLD 4u
#define NVSP_STAT_INVALID_RNDIS_PKT 5u
#define NVSP_STAT_BUSY            6u
#define NVSP_STAT_PROTOCOL_UNSUPPORTED 7u

/* ---- Sizes (A.4) --------------------------------------------------------- */
#define NVSP_MSG_SIZE_LEGACY 28u  /* host messages below NVSP 6.1 */
#define NVSP_MSG_SIZE_V61    40u  /* host messages from NVSP 6.1 */
#define NVSP_MSG_SIZE        40u  /* what Linux sends: sizeof(union nvsp_msg) */
#define NVSP_HDR_SIZE        4u

/* Fixed ids guests give their buffers (A.5). */
#define NVSP_RECV_BUF_ID_LINUX   0xCAFEu
#define NVSP_SEND_BUF_ID_LINUX   0x0000u
#define NVSP_SEND_BUF_ID_BSD     0xFACEu

/* ---- Limits and host constants (A.7, A.8, A.10, A.11) -------------------- */
#define NVSP_MAX_PACKETS_PER_RECEIVE      375u /* ranges per transfer-page packet, NDIS >= 6.0 */
#define NVSP_MAX_PACKETS_PER_RECEIVE_NDIS5 64u
#define NVSP_MAX_PACKETS_PER_RECEIVE_RSC  562u
#define NVSP_MAX_MDL_CHAIN_LENGTH         34u  /* INIT_COMPLETE value (openvmm) */
#define NVSP_SEND_SECTION_SIZE_DEFAULT    6144u
#define NVSP_SEND_SECTION_INVALID         0xFFFFFFFFu
#define NVSP_MTU_MIN                      1514u /* NDIS_CONFIG mtu includes the 14-byte header */
#define NVSP_MTU_MAX                      9216u
#define NVSP_MAX_SUBCHANNELS              64u   /* per vNIC (RELIABILITY 4.4) */
#define NVSP_INDIRECTION_TABLE_COUNT      16u   /* send indirection entries */
#define NVSP_VF_ASSOCIATION_TID           0x8000000000000000ull
#define NVSP_SWITCH_DATA_PATH_TID         0x8000000000000001ull

/* SEND_RNDIS_PKT channel_type */
#define NVSP_CHANNEL_TYPE_DATA    0u
#define NVSP_CHANNEL_TYPE_CONTROL 1u

/* SEND_NDIS_CONFIG capability bits (u64) */
#define NVSP_NDIS_CAP_VMQ               0x01ull
#define NVSP_NDIS_CAP_CHIMNEY           0x02ull
#define NVSP_NDIS_CAP_SRIOV             0x04ull
#define NVSP_NDIS_CAP_IEEE8021Q         0x08ull
#define NVSP_NDIS_CAP_CORRELATION_ID    0x10ull
#define NVSP_NDIS_CAP_TEAMING           0x20ull
#define NVSP_NDIS_CAP_VIRTUAL_SUBNET_ID 0x40ull
#define NVSP_NDIS_CAP_RSC               0x80ull

/* SWITCH_DATA_PATH active_datapath */
#define NVSP_DATAPATH_SYNTHETIC 0u
#define NVSP_DATAPATH_VF        1u

/* SUBCHANNEL op */
#define NVSP_SUBCHANNEL_OP_NONE     0u
#define NVSP_SUBCHANNEL_OP_ALLOCATE 1u

/* ---- Message bodies (A.5), offsets from the start of the NVSP message ---- */

/* NVSP_MSG_INIT, G->H. */
struct nvsp_init {
	uint32_t type;                 /* @0 NVSP_MSG_INIT */
	uint32_t protocol_version;     /* @4 (was "min"); the one a host checks */
	uint32_t protocol_version2;    /* @8 (was "max") */
} __attribute__((packed));
_Static_assert(sizeof(struct nvsp_init) == 12, "nvsp init");

/* NVSP_MSG_INIT_COMPLETE, H->G in the completion of INIT. */
struct nvsp_init_complete {
	uint32_t type;                 /* @0 NVSP_MSG_INIT_COMPLETE */
	uint32_t negotiated_version;   /* @4 deprecated: 0xFFFFFFFF (2 for v1) */
	uint32_t max_mdl_chain_length; /* @8 */
	uint32_t status;               /* @12 NVSP_STAT_*; guests check == SUCCESS */
} __attribute__((packed));
_Static_assert(sizeof(struct nvsp_init_complete) == 16, "nvsp init complete");
_Static_assert(offsetof(struct nvsp_init_complete, status) == 12, "");

/* NVSP_MSG1_SEND_NDIS_VERSION, G->H, no completion expected. */
struct nvsp_ndis_version {
	uint32_t type;                 /* @0 */
	uint32_t ndis_major;           /* @4 */
	uint32_t ndis_minor;           /* @8 */
} __attribute__((packed));
_Static_assert(sizeof(struct nvsp_ndis_version) == 12, "ndis version");

/* NVSP_MSG1_SEND_RECV_BUF / NVSP_MSG1_SEND_SEND_BUF, G->H. */
struct nvsp_send_buf {
	uint32_t type;                 /* @0 */
	uint32_t gpadl_handle;         /* @4 */
	uint16_t id;                   /* @8 */
	uint16_t reserved;             /* @10 */
} __attribute__((packed));
_Static_assert(sizeof(struct nvsp_send_buf) == 12, "send buf");

/* One receive-buffer section of SEND_RECV_BUF_COMPLETE. */
struct nvsp_recv_section {
	uint32_t offset;               /* @0 within the buffer; 0 in practice */
	uint32_t sub_alloc_size;       /* @4 */
	uint32_t num_sub_allocs;       /* @8 */
	uint32_t end_offset;           /* @12 = offset + size * count */
} __attribute__((packed));
_Static_assert(sizeof(struct nvsp_recv_section) == 16, "recv section");

/* NVSP_MSG1_SEND_RECV_BUF_COMPLETE, H->G in the completion of SEND_RECV_BUF.
 * Exactly one section in practice (Linux rejects anything else). */
struct nvsp_recv_buf_complete {
	uint32_t type;                 /* @0 */
	uint32_t status;               /* @4 NVSP_STAT_* */
	uint32_t num_sections;         /* @8 */
	struct nvsp_recv_section sections[1]; /* @12 */
} __attribute__((packed));
_Static_assert(sizeof(struct nvsp_recv_buf_complete) == 28, "recv buf complete");
_Static_assert(offsetof(struct nvsp_recv_buf_complete, sections) == 12, "");

/* NVSP_MSG1_REVOKE_RECV_BUF / NVSP_MSG1_REVOKE_SEND_BUF, G->H, no completion. */
struct nvsp_revoke_buf {
	uint32_t type;                 /* @0 */
	uint16_t id;                   /* @4 */
} __attribute__((packed));
_Static_assert(sizeof(struct nvsp_revoke_buf) == 6, "revoke buf");

/* NVSP_MSG1_SEND_SEND_BUF_COMPLETE, H->G in the completion of SEND_SEND_BUF.
 * The guest derives the section count as buffer size / section_size. */
struct nvsp_send_buf_complete {
	uint32_t type;                 /* @0 */
	uint32_t status;               /* @4 */
	uint32_t section_size;         /* @8 */
} __attribute__((packed));
_Static_assert(sizeof(struct nvsp_send_buf_complete) == 12, "send buf complete");

/* NVSP_MSG1_SEND_RNDIS_PKT, both directions.  G->H: data from send-buffer
 * section 'section_index' (section_size bytes used) or, with index
 * NVSP_SEND_SECTION_INVALID and size 0, from the packet's GPA ranges.
 * H->G: in a transfer-page packet, index INVALID, size 0. */
struct nvsp_rndis_pkt {
	uint32_t type;                 /* @0 */
	uint32_t channel_type;         /* @4 NVSP_CHANNEL_TYPE_* */
	uint32_t section_index;        /* @8 */
	uint32_t section_size;         /* @12 */
} __attribute__((packed));
_Static_assert(sizeof(struct nvsp_rndis_pkt) == 16, "rndis pkt");

/* NVSP_MSG1_SEND_RNDIS_PKT_COMPLETE, both directions (in completion packets). */
struct nvsp_rndis_pkt_complete {
	uint32_t type;                 /* @0 */
	uint32_t status;               /* @4 NVSP_STAT_* */
} __attribute__((packed));
_Static_assert(sizeof(struct nvsp_rndis_pkt_complete) == 8, "rndis pkt complete");

/* NVSP_MSG2_SEND_NDIS_CONFIG, G->H, no completion expected.  mtu includes
 * the Ethernet header (1514 default). */
struct nvsp_ndis_config {
	uint32_t type;                 /* @0 */
	uint32_t mtu;                  /* @4 */
	uint32_t reserved;             /* @8 */
	uint64_t capabilities;         /* @12 NVSP_NDIS_CAP_*, unaligned */
} __attribute__((packed));
_Static_assert(sizeof(struct nvsp_ndis_config) == 20, "ndis config");
_Static_assert(offsetof(struct nvsp_ndis_config, capabilities) == 12, "");

/* NVSP_MSG4_SEND_VF_ASSOCIATION, H->G. */
struct nvsp_vf_association {
	uint32_t type;                 /* @0 */
	uint32_t allocated;            /* @4 1/0 */
	uint32_t serial;               /* @8 */
} __attribute__((packed));
_Static_assert(sizeof(struct nvsp_vf_association) == 12, "vf association");

/* NVSP_MSG4_SWITCH_DATA_PATH; completed with an EMPTY completion. */
struct nvsp_switch_data_path {
	uint32_t type;                 /* @0 */
	uint32_t active_datapath;      /* @4 NVSP_DATAPATH_* */
} __attribute__((packed));
_Static_assert(sizeof(struct nvsp_switch_data_path) == 8, "switch data path");

/* NVSP_MSG5_OID_QUERY_EX, G->H, and its completion. */
struct nvsp_oid_query_ex {
	uint32_t type;                 /* @0 */
	uint32_t ndis_header;          /* @4 NDIS object header */
	uint32_t oid;                  /* @8 */
} __attribute__((packed));
_Static_assert(sizeof(struct nvsp_oid_query_ex) == 12, "oid query ex");
struct nvsp_oid_query_ex_complete {
	uint32_t type;                 /* @0 NVSP_MSG5_OID_QUERY_EX_COMPLETE */
	uint32_t status;               /* @4 an RNDIS_STATUS_* */
	uint32_t bytes;                /* @8 */
} __attribute__((packed));
_Static_assert(sizeof(struct nvsp_oid_query_ex_complete) == 12, "oid query ex complete");

/* NVSP_MSG5_SUBCHANNEL request, G->H on the primary channel. */
struct nvsp_subchannel_req {
	uint32_t type;                 /* @0 */
	uint32_t op;                   /* @4 NVSP_SUBCHANNEL_OP_* */
	uint32_t num_subchannels;      /* @8 requested */
} __attribute__((packed));
_Static_assert(sizeof(struct nvsp_subchannel_req) == 12, "subchannel req");

/* NVSP_MSG5_SUBCHANNEL completion, H->G; the host then offers that many
 * sub-channels (offer sub_channel_index 1..n). */
struct nvsp_subchannel_complete {
	uint32_t type;                 /* @0 NVSP_MSG5_SUBCHANNEL */
	uint32_t status;               /* @4 */
	uint32_t num_subchannels;      /* @8 granted */
} __attribute__((packed));
_Static_assert(sizeof(struct nvsp_subchannel_complete) == 12, "subchannel complete");

/* NVSP_MSG5_SEND_INDIRECTION_TABLE, H->G in-band, no completion.  'offset' is
 * from the start of the NVSP message.  Quirk (A.10): Linux ignores 'offset' below
 * NVSP 6.1 when the message is >= 104 bytes and reads the table at 40, so a host
 * that puts the table at 40 with offset 40 (NVSP_INDIRECTION_MSG_SIZE) satisfies
 * every guest; openvmm sends offset 12 (76 bytes). */
struct nvsp_indirection_table {
	uint32_t type;                 /* @0 */
	uint32_t count;                /* @4 = 16 */
	uint32_t offset;               /* @8 */
} __attribute__((packed));
_Static_assert(sizeof(struct nvsp_indirection_table) == 12, "indirection table");
#define NVSP_INDIRECTION_TABLE_OFFSET 40u
#define NVSP_INDIRECTION_MSG_SIZE \
	(NVSP_INDIRECTION_TABLE_OFFSET + 4u * NVSP_INDIRECTION_TABLE_COUNT)
_Static_assert(NVSP_INDIRECTION_MSG_SIZE == 104, "");

/* The largest body any guest->host message uses: 4 + 16 (NDIS config). */
_Static_assert(sizeof(struct nvsp_ndis_config) <= NVSP_MSG_SIZE_LEGACY, "");
_Static_assert(sizeof(struct nvsp_recv_buf_complete) == NVSP_MSG_SIZE_LEGACY, "");

#endif /* HYPERV_NVSP_H */
