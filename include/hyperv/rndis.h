/* rndis.h -- RNDIS messages, NDIS status codes, OIDs, NDIS structures (offload,
 * RSS, link state, config parameter) and per-packet info carried inside NVSP
 * SEND_RNDIS_PKT.  From shared/protocol/devices.md part B.  Header only.
 *
 * Every RNDIS message: @0 u32 type (RNDIS_MSG_*), @4 u32 message_length (whole
 * message).  Buffer offsets inside QUERY/SET/status/packet messages are relative
 * to byte 8 (RNDIS_OFFSET_BASE), not to the start of the message. */
#ifndef HYPERV_RNDIS_H
#define HYPERV_RNDIS_H

#include <stddef.h>
#include <stdint.h>

/* ---- Message types (B.1); completion = request | RNDIS_MSG_COMPLETION --- */
#define RNDIS_MSG_COMPLETION     0x80000000u
#define RNDIS_MSG_PACKET         0x00000001u /* both */
#define RNDIS_MSG_INIT           0x00000002u /* G->H */
#define RNDIS_MSG_INIT_C         0x80000002u /* H->G */
#define RNDIS_MSG_HALT           0x00000003u /* G->H, no reply */
#define RNDIS_MSG_QUERY          0x00000004u /* G->H */
#define RNDIS_MSG_QUERY_C        0x80000004u
#define RNDIS_MSG_SET            0x00000005u /* G->H */
#define RNDIS_MSG_SET_C          0x80000005u
#define RNDIS_MSG_RESET          0x00000006u /* G->H */
#define RNDIS_MSG_RESET_C        0x80000006u
#define RNDIS_MSG_INDICATE       0x00000007u /* H->G status indication */
#define RNDIS_MSG_KEEPALIVE      0x00000008u /* either */
#define RNDIS_MSG_KEEPALIVE_C    0x80000008u
#define RNDIS_MSG_SET_EX         0x00000009u
#define RNDIS_MSG_SET_EX_C       0x80000009u
#define RNDIS_MSG_BUS            0xFF000001u /* reserved */

#define RNDIS_MAJOR_VERSION      1u
#define RNDIS_MINOR_VERSION      0u
#define RNDIS_MEDIUM_802_3       0u
#define RNDIS_DF_CONNECTIONLESS      0x1u
#define RNDIS_DF_CONNECTION_ORIENTED 0x2u
#define RNDIS_DF_RAW_DATA            0x4u

#define RNDIS_HDR_SIZE     8u  /* type + message_length */
#define RNDIS_OFFSET_BASE  8u  /* info/status/data offsets count from here */

/* ---- Status codes (B.3) --------------------------------------------------- */
#define RNDIS_STATUS_SUCCESS              0x00000000u
#define RNDIS_STATUS_PENDING              0x00000103u
#define RNDIS_STATUS_NOT_RECOGNIZED       0x00010001u
#define RNDIS_STATUS_NOT_COPIED           0x00010002u
#define RNDIS_STATUS_NOT_ACCEPTED         0x00010003u
#define RNDIS_STATUS_CALL_ACTIVE          0x00010007u
#define RNDIS_STATUS_ONLINE               0x40010003u
#define RNDIS_STATUS_RESET_START          0x40010004u
#define RNDIS_STATUS_RESET_END            0x40010005u
#define RNDIS_STATUS_RING_STATUS          0x40010006u
#define RNDIS_STATUS_CLOSED               0x40010007u
#define RNDIS_STATUS_WAN_LINE_UP          0x40010008u
#define RNDIS_STATUS_WAN_LINE_DOWN        0x40010009u
#define RNDIS_STATUS_WAN_FRAGMENT         0x4001000Au
#define RNDIS_STATUS_MEDIA_CONNECT        0x4001000Bu
#define RNDIS_STATUS_MEDIA_DISCONNECT     0x4001000Cu
#define RNDIS_STATUS_HARDWARE_LINE_UP     0x4001000Du
#define RNDIS_STATUS_HARDWARE_LINE_DOWN   0x4001000Eu
#define RNDIS_STATUS_INTERFACE_UP         0x4001000Fu
#define RNDIS_STATUS_INTERFACE_DOWN       0x40010010u
#define RNDIS_STATUS_MEDIA_BUSY           0x40010011u
#define RNDIS_STATUS_MEDIA_SPECIFIC_INDICATION 0x40010012u
#define RNDIS_STATUS_LINK_SPEED_CHANGE    0x40010013u
#define RNDIS_STATUS_NETWORK_CHANGE       0x40010018u
#define RNDIS_STATUS_TASK_OFFLOAD_CURRENT_CONFIG 0x40020006u
#define RNDIS_STATUS_NOT_RESETTABLE       0x80010001u
#define RNDIS_STATUS_SOFT_ERRORS          0x80010003u
#define RNDIS_STATUS_HARD_ERRORS          0x80010004u
#define RNDIS_STATUS_BUFFER_OVERFLOW      0x80000005u
#define RNDIS_STATUS_FAILURE              0xC0000001u
#define RNDIS_STATUS_RESOURCES            0xC000009Au
#define RNDIS_STATUS_NOT_SUPPORTED        0xC00000BBu
#define RNDIS_STATUS_CLOSING              0xC0010002u
#define RNDIS_STATUS_BAD_VERSION          0xC0010004u
#define RNDIS_STATUS_BAD_CHARACTERISTICS  0xC0010005u
#define RNDIS_STATUS_ADAPTER_NOT_FOUND    0xC0010006u
#define RNDIS_STATUS_OPEN_FAILED          0xC0010007u
#define RNDIS_STATUS_DEVICE_FAILED        0xC0010008u
#define RNDIS_STATUS_MULTICAST_FULL       0xC0010009u
#define RNDIS_STATUS_MULTICAST_EXISTS     0xC001000Au
#define RNDIS_STATUS_MULTICAST_NOT_FOUND  0xC001000Bu
#define RNDIS_STATUS_REQUEST_ABORTED      0xC001000Cu
#define RNDIS_STATUS_RESET_IN_PROGRESS    0xC001000Du
#define RNDIS_STATUS_CLOSING_INDICATING   0xC001000Eu
#define RNDIS_STATUS_INVALID_PACKET       0xC001000Fu
#define RNDIS_STATUS_OPEN_LIST_FULL       0xC0010010u
#define RNDIS_STATUS_ADAPTER_NOT_READY    0xC0010011u
#define RNDIS_STATUS_ADAPTER_NOT_OPEN     0xC0010012u
#define RNDIS_STATUS_NOT_INDICATING       0xC0010013u
#define RNDIS_STATUS_INVALID_LENGTH       0xC0010014u
#define RNDIS_STATUS_INVALID_DATA         0xC0010015u
#define RNDIS_STATUS_BUFFER_TOO_SHORT     0xC0010016u
#define RNDIS_STATUS_INVALID_OID          0xC0010017u
#define RNDIS_STATUS_ADAPTER_REMOVED      0xC0010018u
#define RNDIS_STATUS_UNSUPPORTED_MEDIA    0xC0010019u
#define RNDIS_STATUS_NO_CABLE             0xC001001Fu

/* ---- OIDs (B.4) ------------------------------------------------------------ */
#define RNDIS_OID_GEN_SUPPORTED_LIST            0x00010101u
#define RNDIS_OID_GEN_HARDWARE_STATUS           0x00010102u
#define RNDIS_OID_GEN_MEDIA_SUPPORTED           0x00010103u
#define RNDIS_OID_GEN_MEDIA_IN_USE              0x00010104u
#define RNDIS_OID_GEN_MAXIMUM_LOOKAHEAD         0x00010105u
#define RNDIS_OID_GEN_MAXIMUM_FRAME_SIZE        0x00010106u /* u32, MTU without L2 header */
#define RNDIS_OID_GEN_LINK_SPEED                0x00010107u /* u32, 100 bit/s units */
#define RNDIS_OID_GEN_TRANSMIT_BUFFER_SPACE     0x00010108u
#define RNDIS_OID_GEN_RECEIVE_BUFFER_SPACE      0x00010109u
#define RNDIS_OID_GEN_TRANSMIT_BLOCK_SIZE       0x0001010Au
#define RNDIS_OID_GEN_RECEIVE_BLOCK_SIZE        0x0001010Bu
#define RNDIS_OID_GEN_VENDOR_ID                 0x0001010Cu
#define RNDIS_OID_GEN_VENDOR_DESCRIPTION        0x0001010Du
#define RNDIS_OID_GEN_CURRENT_PACKET_FILTER     0x0001010Eu /* u32 NDIS_PACKET_TYPE_* */
#define RNDIS_OID_GEN_CURRENT_LOOKAHEAD         0x0001010Fu
#define RNDIS_OID_GEN_DRIVER_VERSION            0x00010110u
#define RNDIS_OID_GEN_MAXIMUM_TOTAL_SIZE        0x00010111u /* u32, MTU with L2 header */
#define RNDIS_OID_GEN_PROTOCOL_OPTIONS          0x00010112u
#define RNDIS_OID_GEN_MAC_OPTIONS               0x00010113u
#define RNDIS_OID_GEN_MEDIA_CONNECT_STATUS      0x00010114u /* u32 RNDIS_MEDIA_STATE_* */
#define RNDIS_OID_GEN_MAXIMUM_SEND_PACKETS      0x00010115u
#define RNDIS_OID_GEN_VENDOR_DRIVER_VERSION     0x00010116u
#define RNDIS_OID_GEN_SUPPORTED_GUIDS           0x00010117u
#define RNDIS_OID_GEN_NETWORK_LAYER_ADDRESSES   0x00010118u
#define RNDIS_OID_GEN_TRANSPORT_HEADER_OFFSET   0x00010119u
#define RNDIS_OID_GEN_RECEIVE_SCALE_CAPABILITIES 0x00010203u
#define RNDIS_OID_GEN_RECEIVE_SCALE_PARAMETERS  0x00010204u
#define RNDIS_OID_GEN_MAX_LINK_SPEED            0x00010206u
#define RNDIS_OID_GEN_LINK_STATE                0x00010207u
#define RNDIS_OID_GEN_LINK_PARAMETERS           0x00010208u
#define RNDIS_OID_GEN_INTERRUPT_MODERATION      0x00010209u
#define RNDIS_OID_GEN_MACHINE_NAME              0x0001021Au
#define RNDIS_OID_GEN_RNDIS_CONFIG_PARAMETER    0x0001021Bu /* set; struct rndis_config_param */
#define RNDIS_OID_GEN_VLAN_ID                   0x0001021Cu
/* NOTE: CVE-2021-28476: Hyper-V's vmswitch trusted a 64-bit pointer inside this
 * host-internal OID when a guest sent it.  A host must answer it NOT_SUPPORTED.
 * Value 66160 [1src: Microsoft windows-rs metadata of ntddndis.h]. */
#define RNDIS_OID_SWITCH_NIC_REQUEST            0x00010270u
#define RNDIS_OID_GEN_XMIT_OK                   0x00020101u
#define RNDIS_OID_GEN_RCV_OK                    0x00020102u
#define RNDIS_OID_GEN_XMIT_ERROR                0x00020103u
#define RNDIS_OID_GEN_RCV_ERROR                 0x00020104u
#define RNDIS_OID_GEN_RCV_NO_BUFFER             0x00020105u
#define RNDIS_OID_GEN_FRIENDLY_NAME             0x00020216u
#define RNDIS_OID_GEN_BYTES_RCV                 0x00020219u
#define RNDIS_OID_GEN_BYTES_XMIT                0x0002021Au
#define RNDIS_OID_GEN_RCV_DISCARDS              0x0002021Bu
#define RNDIS_OID_GEN_XMIT_DISCARDS             0x0002021Cu
#define RNDIS_OID_802_3_PERMANENT_ADDRESS       0x01010101u /* 6 bytes */
#define RNDIS_OID_802_3_CURRENT_ADDRESS         0x01010102u /* 6 bytes */
#define RNDIS_OID_802_3_MULTICAST_LIST          0x01010103u
#define RNDIS_OID_802_3_MAXIMUM_LIST_SIZE       0x01010104u
#define RNDIS_OID_802_3_MAC_OPTIONS             0x01010105u
#define RNDIS_OID_OFFLOAD_ENCAPSULATION         0x0101010Au
#define RNDIS_OID_TCP_OFFLOAD_CURRENT_CONFIG    0xFC01020Bu
#define RNDIS_OID_TCP_OFFLOAD_PARAMETERS        0xFC01020Cu /* set; struct ndis_offload_params */
#define RNDIS_OID_TCP_OFFLOAD_HARDWARE_CAPABILITIES 0xFC01020Du /* struct ndis_offload */

/* OID_GEN_MEDIA_CONNECT_STATUS values */
#define RNDIS_MEDIA_STATE_CONNECTED    0u
#define RNDIS_MEDIA_STATE_DISCONNECTED 1u

/* OID_GEN_CURRENT_PACKET_FILTER bits (Ethernet-relevant ones agree in all sources) */
#define NDIS_PACKET_TYPE_DIRECTED       0x01u
#define NDIS_PACKET_TYPE_MULTICAST      0x02u
#define NDIS_PACKET_TYPE_ALL_MULTICAST  0x04u
#define NDIS_PACKET_TYPE_BROADCAST      0x08u
#define NDIS_PACKET_TYPE_SOURCE_ROUTING 0x10u
#define NDIS_PACKET_TYPE_PROMISCUOUS    0x20u
#define NDIS_PACKET_TYPE_SMT            0x40u
#define NDIS_PACKET_TYPE_ALL_LOCAL      0x80u

/* ---- Message layouts (B.2) ------------------------------------------------ */
struct rndis_msg_hdr {
	uint32_t type;          /* @0 RNDIS_MSG_* */
	uint32_t msg_len;       /* @4 whole message */
} __attribute__((packed));
_Static_assert(sizeof(struct rndis_msg_hdr) == 8, "rndis hdr");

/* RNDIS_MSG_INIT, G->H. */
struct rndis_init_req {
	struct rndis_msg_hdr hdr;   /* @0 */
	uint32_t request_id;        /* @8 */
	uint32_t major;             /* @12 */
	uint32_t minor;             /* @16 */
	uint32_t max_xfer_size;     /* @20 */
} __attribute__((packed));
_Static_assert(sizeof(struct rndis_init_req) == 24, "rndis init");

/* RNDIS_MSG_INIT_C, H->G. */
struct rndis_init_comp {
	struct rndis_msg_hdr hdr;   /* @0 */
	uint32_t request_id;        /* @8 */
	uint32_t status;            /* @12 */
	uint32_t major;             /* @16 */
	uint32_t minor;             /* @20 */
	uint32_t dev_flags;         /* @24 RNDIS_DF_* */
	uint32_t medium;            /* @28 */
	uint32_t max_pkts_per_msg;  /* @32 */
	uint32_t max_xfer_size;     /* @36 */
	uint32_t pkt_align_factor;  /* @40 log2 */
	uint32_t af_list_offset;    /* @44 */
	uint32_t af_list_size;      /* @48 */
} __attribute__((packed));
_Static_assert(sizeof(struct rndis_init_comp) == 52, "rndis init cmplt");
_Static_assert(offsetof(struct rndis_init_comp, pkt_align_factor) == 40, "");

/* RNDIS_MSG_HALT (G->H, no reply) and RNDIS_MSG_KEEPALIVE. */
struct rndis_halt_req {
	struct rndis_msg_hdr hdr;   /* @0 */
	uint32_t request_id;        /* @8 */
} __attribute__((packed));
_Static_assert(sizeof(struct rndis_halt_req) == 12, "rndis halt");
struct rndis_keepalive_req {
	struct rndis_msg_hdr hdr;   /* @0 */
	uint32_t request_id;        /* @8 */
} __attribute__((packed));
_Static_assert(sizeof(struct rndis_keepalive_req) == 12, "rndis keepalive");

/* RNDIS_MSG_QUERY / RNDIS_MSG_SET / RNDIS_MSG_SET_EX, G->H.  Info buffer at
 * byte 8 + info_buf_offset (normally 20 => byte 28). */
struct rndis_query_req {
	struct rndis_msg_hdr hdr;   /* @0 */
	uint32_t request_id;        /* @8 */
	uint32_t oid;               /* @12 */
	uint32_t info_buf_len;      /* @16 */
	uint32_t info_buf_offset;   /* @20 relative to byte 8 */
	uint32_t dev_vc_handle;     /* @24 0 */
} __attribute__((packed));
_Static_assert(sizeof(struct rndis_query_req) == 28, "rndis query");
#define rndis_set_req rndis_query_req

/* RNDIS_MSG_QUERY_C, H->G.  Data at byte 8 + info_buf_offset (we use 16 => 24). */
struct rndis_query_comp {
	struct rndis_msg_hdr hdr;   /* @0 */
	uint32_t request_id;        /* @8 */
	uint32_t status;            /* @12 */
	uint32_t info_buf_len;      /* @16 */
	uint32_t info_buf_offset;   /* @20 relative to byte 8 */
} __attribute__((packed));
_Static_assert(sizeof(struct rndis_query_comp) == 24, "rndis query cmplt");

/* RNDIS_MSG_SET_C, RNDIS_MSG_KEEPALIVE_C, H->G. */
struct rndis_set_comp {
	struct rndis_msg_hdr hdr;   /* @0 */
	uint32_t request_id;        /* @8 */
	uint32_t status;            /* @12 */
} __attribute__((packed));
_Static_assert(sizeof(struct rndis_set_comp) == 16, "rndis set cmplt");
#define rndis_keepalive_comp rndis_set_comp

/* RNDIS_MSG_RESET, G->H, and its completion (no request id). */
struct rndis_reset_req {
	struct rndis_msg_hdr hdr;   /* @0 */
	uint32_t reserved;          /* @8 */
} __attribute__((packed));
_Static_assert(sizeof(struct rndis_reset_req) == 12, "rndis reset");
struct rndis_reset_comp {
	struct rndis_msg_hdr hdr;   /* @0 */
	uint32_t status;            /* @8 */
	uint32_t addressing_reset;  /* @12 */
} __attribute__((packed));
_Static_assert(sizeof(struct rndis_reset_comp) == 16, "rndis reset cmplt");

/* RNDIS_MSG_INDICATE, H->G on the primary channel (channel_type CONTROL).
 * Status buffer at byte 8 + status_buf_offset (12 => byte 20), or offset 0
 * when empty.  NOTE: legacy hosts (before the "Fe" vSwitch) did not count the
 * LINK_SPEED_CHANGE buffer in msg_len: guests validate against the transfer
 * range length instead (netvsp quirk mode reproduces it). */
struct rndis_indicate_status {
	struct rndis_msg_hdr hdr;   /* @0 */
	uint32_t status;            /* @8 RNDIS_STATUS_* */
	uint32_t status_buf_len;    /* @12 */
	uint32_t status_buf_offset; /* @16 relative to byte 8 */
} __attribute__((packed));
_Static_assert(sizeof(struct rndis_indicate_status) == 20, "rndis indicate");

/* RNDIS_MSG_PACKET, both directions.  All offsets relative to byte 8, 4-byte
 * aligned, >= 36 when nonzero; OOB fields and vc_handle must be 0. */
struct rndis_packet {
	struct rndis_msg_hdr hdr;   /* @0 */
	uint32_t data_offset;       /* @8 */
	uint32_t data_len;          /* @12 */
	uint32_t oob_data_offset;   /* @16 */
	uint32_t oob_data_len;      /* @20 */
	uint32_t num_oob_elements;  /* @24 */
	uint32_t ppi_offset;        /* @28 */
	uint32_t ppi_len;           /* @32 */
	uint32_t vc_handle;         /* @36 */
	uint32_t reserved;          /* @40 */
} __attribute__((packed));
_Static_assert(sizeof(struct rndis_packet) == 44, "rndis packet");
#define RNDIS_PACKET_MIN_OFFSET 36u /* sizeof(struct rndis_packet) - 8 */
_Static_assert(RNDIS_PACKET_MIN_OFFSET + RNDIS_OFFSET_BASE == sizeof(struct rndis_packet), "");

/* ---- Per-packet info (B.7) ---------------------------------------------- */
struct rndis_ppi {
	uint32_t size;              /* @0 whole element incl. this header; multiple of 4 */
	uint32_t type;              /* @4 RNDIS_PPI_*; bit 31 = internal */
	uint32_t ppi_offset;        /* @8 data offset from element start (12) */
} __attribute__((packed));
_Static_assert(sizeof(struct rndis_ppi) == 12, "rndis ppi");
#define RNDIS_PPI_INTERNAL          0x80000000u
#define RNDIS_PPI_CHECKSUM          0u   /* u32 NDIS_TXCSUM_* / NDIS_RXCSUM_* */
#define RNDIS_PPI_IPSEC             1u
#define RNDIS_PPI_LSO               2u   /* u32 NDIS_LSO2_* */
#define RNDIS_PPI_CLASSIFICATION    3u
#define RNDIS_PPI_SG_LIST           5u
#define RNDIS_PPI_IEEE_8021Q        6u   /* u32 NDIS_VLAN_* */
#define RNDIS_PPI_ORIGINAL          7u
#define RNDIS_PPI_HASH_VALUE        8u   /* u32 Toeplitz hash (was PACKET_CANCEL_ID) */
#define RNDIS_PPI_HASH_INFO         9u   /* u32 function | type (was ORIGINAL_NET_BUFLIST) */
#define RNDIS_PPI_CACHED_NBL        10u
#define RNDIS_PPI_SHORT_PAD         11u
#define RNDIS_PPI_RSC_ID            (RNDIS_PPI_INTERNAL | 1u) /* struct rndis_pktinfo_id */
#define RNDIS_PPI_U32_SIZE          16u  /* header + u32 */

/* TX checksum request (guest -> host), u32. */
#define NDIS_TXCSUM_IPV4            0x00000001u
#define NDIS_TXCSUM_IPV6            0x00000002u
#define NDIS_TXCSUM_TCP             0x00000004u
#define NDIS_TXCSUM_UDP             0x00000008u
#define NDIS_TXCSUM_IP_HDR          0x00000010u
#define NDIS_TXCSUM_THOFF_SHIFT     16
#define NDIS_TXCSUM_THOFF_MASK      0x03FF0000u /* transport header offset from frame start */
/* RX checksum result (host -> guest), u32. */
#define NDIS_RXCSUM_TCP_FAILED      0x001u
#define NDIS_RXCSUM_UDP_FAILED      0x002u
#define NDIS_RXCSUM_IP_FAILED       0x004u
#define NDIS_RXCSUM_TCP_OK          0x008u
#define NDIS_RXCSUM_UDP_OK          0x010u
#define NDIS_RXCSUM_IP_OK           0x020u
#define NDIS_RXCSUM_LOOPBACK        0x040u
#define NDIS_RXCSUM_TCP_INVALID     0x080u
#define NDIS_RXCSUM_IP_INVALID      0x100u
/* LSOv2 request (guest -> host), u32. */
#define NDIS_LSO2_MSS_MASK          0x000FFFFFu
#define NDIS_LSO2_THOFF_SHIFT       20
#define NDIS_LSO2_THOFF_MASK        0x3FF00000u /* TCP header offset from frame start */
#define NDIS_LSO2_TYPE_V2           0x40000000u /* DPDK always sets; openvmm ignores */
#define NDIS_LSO2_IPV6              0x80000000u /* 0 = IPv4 */
/* 802.1Q info, u32; the frame itself carries no tag when this PPI is used. */
#define NDIS_VLAN_PRIO_MASK         0x00000007u
#define NDIS_VLAN_CFI               0x00000008u
#define NDIS_VLAN_ID_SHIFT          4
#define NDIS_VLAN_ID_MASK           0x0000FFF0u

/* Internal RSC fragment id PPI data. */
struct rndis_pktinfo_id {
	uint8_t  ver;               /* @0 1 */
	uint8_t  flags;             /* @1 RNDIS_PKTINFO_* */
	uint16_t pkt_id;            /* @2 */
} __attribute__((packed));
_Static_assert(sizeof(struct rndis_pktinfo_id) == 4, "pktinfo id");
#define RNDIS_PKTINFO_SUBALLOC      0x1u
#define RNDIS_PKTINFO_1ST_FRAG      0x2u
#define RNDIS_PKTINFO_LAST_FRAG     0x4u

/* ---- NDIS structures (B.5) ---------------------------------------------- */
struct ndis_obj_header {
	uint8_t  type;              /* @0 NDIS_OBJTYPE_* */
	uint8_t  revision;          /* @1 */
	uint16_t size;              /* @2 whole object */
} __attribute__((packed));
_Static_assert(sizeof(struct ndis_obj_header) == 4, "ndis obj hdr");
#define NDIS_OBJTYPE_DEFAULT        0x80u
#define NDIS_OBJTYPE_RSS_CAPS       0x88u
#define NDIS_OBJTYPE_RSS_PARAMS     0x89u
#define NDIS_OBJTYPE_OID_REQUEST    0x96u
#define NDIS_OBJTYPE_OFFLOAD        0xA7u
#define NDIS_OBJTYPE_OFFLOAD_ENCAP  0xA8u

/* NDIS_OFFLOAD (OID_TCP_OFFLOAD_HARDWARE_CAPABILITIES / _CURRENT_CONFIG and
 * the TASK_OFFLOAD_CURRENT_CONFIG indication), type NDIS_OBJTYPE_OFFLOAD. */
struct ndis_csum_offload {
	uint32_t ip4_txenc;         /* @0 NDIS_OFFLOAD_ENCAP_* */
	uint32_t ip4_txcsum;        /* @4 NDIS_TXCSUM_CAP_IP4_* */
	uint32_t ip4_rxenc;         /* @8 */
	uint32_t ip4_rxcsum;        /* @12 */
	uint32_t ip6_txenc;         /* @16 */
	uint32_t ip6_txcsum;        /* @20 NDIS_TXCSUM_CAP_IP6_* */
	uint32_t ip6_rxenc;         /* @24 */
	uint32_t ip6_rxcsum;        /* @28 */
} __attribute__((packed));
_Static_assert(sizeof(struct ndis_csum_offload) == 32, "csum offload");
struct ndis_lsov1_offload {
	uint32_t encap;             /* @0 */
	uint32_t maxsize;           /* @4 */
	uint32_t minsegs;           /* @8 */
	uint32_t opts;              /* @12 */
} __attribute__((packed));
struct ndis_ipsecv1_offload {
	uint32_t encap, ah_esp, xport_tun, ip4_opts, flags, ip4_ah, ip4_esp;
} __attribute__((packed));
_Static_assert(sizeof(struct ndis_ipsecv1_offload) == 28, "ipsecv1");
struct ndis_lsov2_offload {
	uint32_t ip4_encap;         /* @0 */
	uint32_t ip4_maxsz;         /* @4 */
	uint32_t ip4_minsg;         /* @8 */
	uint32_t ip6_encap;         /* @12 */
	uint32_t ip6_maxsz;         /* @16 */
	uint32_t ip6_minsg;         /* @20 */
	uint32_t ip6_opts;          /* @24 NDIS_LSOV2_CAP_IP6_* */
} __attribute__((packed));
_Static_assert(sizeof(struct ndis_lsov2_offload) == 28, "lsov2");
struct ndis_ipsecv2_offload {
	uint32_t encap;             /* @0 */
	uint8_t  ip6, ip4opt, ip6ext, ah, esp, ah_esp, xport, tun, xport_tun, lso, extseq;
	uint8_t  pad;               /* @15 */
	uint32_t udp_esp, auth, crypto, sa_caps; /* @16 */
} __attribute__((packed));
_Static_assert(sizeof(struct ndis_ipsecv2_offload) == 32, "ipsecv2");
struct ndis_rsc_offload {
	uint8_t  ip4;               /* @0 */
	uint8_t  ip6;               /* @1 */
	uint8_t  pad[2];
} __attribute__((packed));
struct ndis_encap_offload {
	uint32_t flags;             /* @0 */
	uint32_t maxhdr;            /* @4 */
} __attribute__((packed));
struct ndis_offload {
	struct ndis_obj_header hdr;        /* @0 */
	struct ndis_csum_offload csum;     /* @4 */
	struct ndis_lsov1_offload lsov1;   /* @36 */
	struct ndis_ipsecv1_offload ipsecv1; /* @52 */
	struct ndis_lsov2_offload lsov2;   /* @80 */
	uint32_t flags;                    /* @108 */
	/* NDIS 6.1 */
	struct ndis_ipsecv2_offload ipsecv2; /* @112 */
	/* NDIS 6.30 */
	struct ndis_rsc_offload rsc;       /* @144 */
	struct ndis_encap_offload encap_gre; /* @148 */
} __attribute__((packed));
_Static_assert(offsetof(struct ndis_offload, lsov1) == 36, "");
_Static_assert(offsetof(struct ndis_offload, lsov2) == 80, "");
_Static_assert(offsetof(struct ndis_offload, ipsecv2) == 112, "");
_Static_assert(offsetof(struct ndis_offload, rsc) == 144, "");
_Static_assert(sizeof(struct ndis_offload) == 156, "ndis offload rev 3");
#define NDIS_OFFLOAD_REV_1      1u
#define NDIS_OFFLOAD_SIZE_6_0   112u /* rev 1 */
#define NDIS_OFFLOAD_REV_2      2u
#define NDIS_OFFLOAD_SIZE_6_1   144u /* rev 2 */
#define NDIS_OFFLOAD_REV_3      3u
#define NDIS_OFFLOAD_SIZE_6_30  156u /* rev 3 */
_Static_assert(offsetof(struct ndis_offload, ipsecv2) == NDIS_OFFLOAD_SIZE_6_0, "");
_Static_assert(offsetof(struct ndis_offload, rsc) == NDIS_OFFLOAD_SIZE_6_1, "");

/* Encapsulation values */
#define NDIS_OFFLOAD_ENCAP_NONE       0x00u
#define NDIS_OFFLOAD_ENCAP_NULL       0x01u
#define NDIS_OFFLOAD_ENCAP_8023       0x02u
#define NDIS_OFFLOAD_ENCAP_8023PQ     0x04u
#define NDIS_OFFLOAD_ENCAP_8023PQ_OOB 0x08u
#define NDIS_OFFLOAD_ENCAP_RFC1483    0x10u
/* Checksum capability bits (2-bit fields, value 1 = supported). */
#define NDIS_TXCSUM_CAP_IP4_OPTS    0x001u
#define NDIS_TXCSUM_CAP_IP4_TCPOPTS 0x004u
#define NDIS_TXCSUM_CAP_IP4_TCP     0x010u
#define NDIS_TXCSUM_CAP_IP4_UDP     0x040u
#define NDIS_TXCSUM_CAP_IP4_IP      0x100u
#define NDIS_TXCSUM_CAP_IP6_EXT     0x001u
#define NDIS_TXCSUM_CAP_IP6_TCPOPTS 0x004u
#define NDIS_TXCSUM_CAP_IP6_TCP     0x010u
#define NDIS_TXCSUM_CAP_IP6_UDP     0x040u
#define NDIS_LSOV2_CAP_IP6_EXT      0x001u
#define NDIS_LSOV2_CAP_IP6_TCPOPTS  0x004u
#define NDIS_LSOV2_MAX_SIZE         0xF53Cu /* 62780, "same as vmswitch" (openvmm) */
#define NDIS_LSOV2_MIN_SEGS         2u

/* NDIS_OFFLOAD_PARAMETERS (OID_TCP_OFFLOAD_PARAMETERS set), type DEFAULT.
 * Revision sizes: rev 1 = 20, rev 2 = 22, rev 3 = 28 as Linux sends it
 * (Windows' canonical rev-3 size UNVERIFIED: accept >= 20). */
struct ndis_offload_params {
	struct ndis_obj_header hdr; /* @0 */
	uint8_t  ip4_csum;          /* @4 NDIS_OFFLOAD_PARAM_* */
	uint8_t  tcp4_csum;         /* @5 */
	uint8_t  udp4_csum;         /* @6 */
	uint8_t  tcp6_csum;         /* @7 */
	uint8_t  udp6_csum;         /* @8 */
	uint8_t  lsov1;             /* @9 NDIS_OFFLOAD_LSOV1_* */
	uint8_t  ipsecv1;           /* @10 */
	uint8_t  lsov2_ip4;         /* @11 NDIS_OFFLOAD_LSOV2_* */
	uint8_t  lsov2_ip6;         /* @12 */
	uint8_t  tcp_conn_ip4;      /* @13 */
	uint8_t  tcp_conn_ip6;      /* @14 */
	uint8_t  pad;               /* @15 */
	uint32_t flags;             /* @16 */
	/* rev 2 */
	uint8_t  ipsecv2;           /* @20 */
	uint8_t  ipsecv2_ip4;       /* @21 */
	/* rev 3 */
	uint8_t  rsc_ip4;           /* @22 */
	uint8_t  rsc_ip6;           /* @23 */
	uint8_t  encap;             /* @24 */
	uint8_t  encap_types;       /* @25 */
	uint8_t  pad2[2];           /* @26 */
} __attribute__((packed));
_Static_assert(sizeof(struct ndis_offload_params) == 28, "offload params");
#define NDIS_OFFLOAD_PARAMS_SIZE_REV1 20u
#define NDIS_OFFLOAD_PARAMS_SIZE_REV2 22u
#define NDIS_OFFLOAD_PARAMS_SIZE_REV3 28u
#define NDIS_OFFLOAD_PARAM_NOCHG       0u
#define NDIS_OFFLOAD_PARAM_OFF         1u
#define NDIS_OFFLOAD_PARAM_TX          2u
#define NDIS_OFFLOAD_PARAM_RX          3u
#define NDIS_OFFLOAD_PARAM_TXRX        4u
#define NDIS_OFFLOAD_LSOV1_OFF         1u
#define NDIS_OFFLOAD_LSOV1_ON          2u
#define NDIS_OFFLOAD_LSOV2_OFF         1u
#define NDIS_OFFLOAD_LSOV2_ON          2u
#define NDIS_OFFLOAD_RSC_OFF           1u
#define NDIS_OFFLOAD_RSC_ON            2u

/* NDIS_OFFLOAD_ENCAPSULATION (OID_OFFLOAD_ENCAPSULATION), type OFFLOAD_ENCAP, rev 1. */
struct ndis_offload_encap {
	struct ndis_obj_header hdr; /* @0 */
	uint32_t ip4_enabled;       /* @4 */
	uint32_t ip4_encap_type;    /* @8 */
	uint32_t ip4_hdr_size;      /* @12 */
	uint32_t ip6_enabled;       /* @16 */
	uint32_t ip6_encap_type;    /* @20 */
	uint32_t ip6_hdr_size;      /* @24 */
} __attribute__((packed));
_Static_assert(sizeof(struct ndis_offload_encap) == 28, "offload encap");

/* NDIS_RECEIVE_SCALE_CAPABILITIES, type RSS_CAPS; rev 1 = 16 B, rev 2 = 18 B. */
struct ndis_rss_caps {
	struct ndis_obj_header hdr; /* @0 */
	uint32_t caps;              /* @4 NDIS_RSS_CAP_* */
	uint32_t num_int_msgs;      /* @8 */
	uint32_t num_recv_que;      /* @12 */
	uint16_t num_ind_tbl_ent;   /* @16 rev 2 */
} __attribute__((packed));
_Static_assert(sizeof(struct ndis_rss_caps) == 18, "rss caps");
#define NDIS_RSS_CAPS_REV_1   1u
#define NDIS_RSS_CAPS_SIZE_1  16u
#define NDIS_RSS_CAPS_REV_2   2u
#define NDIS_RSS_CAPS_SIZE_2  18u
#define NDIS_RSS_CAP_HASH_TOEPLITZ  0x00000001u
#define NDIS_RSS_CAP_HASH_FUNC_MASK 0x000000FFu
#define NDIS_RSS_CAP_TCP_IPV4       0x00000100u
#define NDIS_RSS_CAP_TCP_IPV6       0x00000200u
#define NDIS_RSS_CAP_TCP_IPV6_EX    0x00000400u
#define NDIS_RSS_CAP_UDP_IPV4       0x00000800u
#define NDIS_RSS_CAP_UDP_IPV6       0x00001000u
#define NDIS_RSS_CAP_UDP_IPV6_EX    0x00002000u
#define NDIS_RSS_CAP_MSI            0x01000000u
#define NDIS_RSS_CAP_CLASSIFY_ISR   0x02000000u
#define NDIS_RSS_CAP_CLASSIFY_DPC   0x04000000u
#define NDIS_RSS_CAP_USING_MSIX     0x08000000u
#define NDIS_RSS_CAP_RSS_ON_PORTS   0x10000000u
#define NDIS_RSS_CAP_SUPPORTS_MSIX  0x20000000u
#define NDIS_RSS_CAP_IND_ENTRY_MOVE 0x40000000u

/* NDIS_RECEIVE_SCALE_PARAMETERS (OID_GEN_RECEIVE_SCALE_PARAMETERS set),
 * type RSS_PARAMS; rev 1 = 28, rev 2 = 40, rev 3 = 44.  Offsets are from the
 * start of this struct; itab_size is in BYTES (entries x 4). */
struct ndis_rss_params {
	struct ndis_obj_header hdr; /* @0 */
	uint16_t flags;             /* @4 NDIS_RSS_FLAG_* */
	uint16_t base_cpu;          /* @6 */
	uint32_t hash_info;         /* @8 function (low 8) | NDIS_HASH_* */
	uint16_t itab_size;         /* @12 bytes */
	uint16_t pad1;              /* @14 */
	uint32_t itab_offset;       /* @16 */
	uint16_t hash_key_size;     /* @20 */
	uint16_t pad2;              /* @22 */
	uint32_t hash_key_offset;   /* @24 */
	/* rev 2 */
	uint32_t proc_masks_offset; /* @28 */
	uint32_t num_proc_masks;    /* @32 */
	uint32_t proc_masks_entry_size; /* @36 */
} __attribute__((packed));
_Static_assert(sizeof(struct ndis_rss_params) == 40, "rss params rev 2");
_Static_assert(offsetof(struct ndis_rss_params, hash_key_offset) == 24, "");
#define NDIS_RSS_PARAMS_REV_1  1u
#define NDIS_RSS_PARAMS_SIZE_1 28u
#define NDIS_RSS_PARAMS_REV_2  2u
#define NDIS_RSS_PARAMS_SIZE_2 40u
#define NDIS_RSS_PARAMS_REV_3  3u
#define NDIS_RSS_PARAMS_SIZE_3 44u
#define NDIS_RSS_FLAG_BASE_CPU_UNCHANGED  0x0001u
#define NDIS_RSS_FLAG_HASH_INFO_UNCHANGED 0x0002u
#define NDIS_RSS_FLAG_ITABLE_UNCHANGED    0x0004u
#define NDIS_RSS_FLAG_HASH_KEY_UNCHANGED  0x0008u
#define NDIS_RSS_FLAG_DISABLE_RSS         0x0010u
#define NDIS_RSS_FLAG_DEFAULT_PROC_UNCHANGED 0x0020u
#define NDIS_RSS_KEY_SIZE       40u  /* Toeplitz */
#define NDIS_RSS_ITAB_MAX       128u /* entries per VMQ (host header) */
#define NDIS_RSS_ITAB_MIN       16u
/* Hash function and types (hash_info; also the HASH_INFO PPI). */
#define NDIS_HASH_FUNCTION_TOEPLITZ 0x00000001u
#define NDIS_HASH_FUNCTION_MASK     0x000000FFu
#define NDIS_HASH_IPV4              0x00000100u
#define NDIS_HASH_TCP_IPV4          0x00000200u
#define NDIS_HASH_IPV6              0x00000400u
#define NDIS_HASH_IPV6_EX           0x00000800u
#define NDIS_HASH_TCP_IPV6          0x00001000u
#define NDIS_HASH_TCP_IPV6_EX       0x00002000u
#define NDIS_HASH_UDP_IPV4          0x00004000u
#define NDIS_HASH_UDP_IPV6          0x00008000u
#define NDIS_HASH_UDP_IPV6_EX       0x00010000u
#define NDIS_HASH_TYPE_MASK         0x00FFFF00u

/* NDIS_LINK_STATE (OID_GEN_LINK_STATE), type DEFAULT rev 1 size 40 [1src openvmm]. */
struct ndis_link_state {
	struct ndis_obj_header hdr; /* @0 */
	uint32_t media_connect_state; /* @4 0 unknown, 1 connected, 2 disconnected */
	uint32_t duplex;            /* @8 0 unknown, 1 half, 2 full */
	uint32_t pad;               /* @12 */
	uint64_t xmit_speed;        /* @16 bit/s */
	uint64_t rcv_speed;         /* @24 bit/s */
	uint32_t pause_functions;   /* @32 */
	uint32_t autoneg_flags;     /* @36 */
} __attribute__((packed));
_Static_assert(sizeof(struct ndis_link_state) == 40, "link state");
#define NDIS_MEDIA_CONNECT_STATE_UNKNOWN      0u
#define NDIS_MEDIA_CONNECT_STATE_CONNECTED    1u
#define NDIS_MEDIA_CONNECT_STATE_DISCONNECTED 2u
#define NDIS_MEDIA_DUPLEX_FULL                2u

/* OID_GEN_RNDIS_CONFIG_PARAMETER set payload; offsets from the start of this
 * struct; name and string values are UTF-16LE, lengths in bytes. */
struct rndis_config_param {
	uint32_t name_offset;       /* @0 */
	uint32_t name_len;          /* @4 */
	uint32_t type;              /* @8 RNDIS_CONFIG_PARAM_TYPE_* */
	uint32_t value_offset;      /* @12 */
	uint32_t value_len;         /* @16 */
} __attribute__((packed));
_Static_assert(sizeof(struct rndis_config_param) == 20, "config param");
#define RNDIS_CONFIG_PARAM_TYPE_INTEGER     0u
#define RNDIS_CONFIG_PARAM_TYPE_HEXINTEGER  1u
#define RNDIS_CONFIG_PARAM_TYPE_STRING      2u
#define RNDIS_CONFIG_PARAM_TYPE_MULTISTRING 3u
#define RNDIS_CONFIG_PARAM_TYPE_BINARY      4u
#define RNDIS_CONFIG_PARAM_MAX_LEN          255u /* name/value bytes (openvmm) */

/* INITIALIZE_CMPLT values a host reports (openvmm; vmswitch's UNVERIFIED). */
#define RNDIS_HOST_MAX_PKTS_PER_MSG   8u
#define RNDIS_HOST_MAX_XFER_SIZE      0xEFFFFFFFu
#define RNDIS_HOST_PKT_ALIGN_FACTOR   3u

/* Toeplitz: the standard 40-byte key (Linux netvsc default, Microsoft's RSS
 * verification suite) as an initialiser list. */
#define NDIS_RSS_STANDARD_KEY_INIT { \
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, \
	0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, \
	0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30, \
	0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa }

#endif /* HYPERV_RNDIS_H */
