/* vstor.h -- VSTOR (synthetic SCSI over VMBus) wire formats: operations,
 * protocol versions, the vstor_packet and its SRB (vmscsi_request) with the
 * Win8 extension, channel properties, SRB status and flags, and the NTSTATUS
 * values hosts put in vstor_packet.status.  From shared/protocol/devices.md
 * part C (checked against Linux storvsc_drv.c).  Header only: no code.
 *
 * Framing: every VSTOR message is the payload of a VMBus packet (no pipe
 * header).  Guest requests are in-band (type 6) or, with data, GPA direct
 * (type 9, one range covering the data buffer); the host answers each with a
 * completion (type 0xB) carrying the request's transaction id and operation
 * VSTOR_OP_COMPLETE_IO.  Host-initiated ENUMERATE_BUS / REMOVE_DEVICE go
 * in-band with transaction id 0 and no completion requested.
 *
 * Sizes depend on the negotiated version (named sizes below):
 *   packet = 12-byte header + SRB; SRB 36 bytes before WIN8, 52 from WIN8. */
#ifndef HYPERV_VSTOR_H
#define HYPERV_VSTOR_H

#include <stddef.h>
#include <stdint.h>

/* ---- Operations (vstor_packet.operation) (C.1) ---------------------------- */
#define VSTOR_OP_COMPLETE_IO            1u  /* H->G: every reply */
#define VSTOR_OP_REMOVE_DEVICE          2u  /* H->G: in-band, tid 0 */
#define VSTOR_OP_EXECUTE_SRB            3u  /* G->H */
#define VSTOR_OP_RESET_LUN              4u  /* G->H */
#define VSTOR_OP_RESET_ADAPTER          5u  /* G->H */
#define VSTOR_OP_RESET_BUS              6u  /* G->H */
#define VSTOR_OP_BEGIN_INITIALIZATION   7u  /* G->H */
#define VSTOR_OP_END_INITIALIZATION     8u  /* G->H */
#define VSTOR_OP_QUERY_PROTOCOL_VERSION 9u  /* G->H */
#define VSTOR_OP_QUERY_PROPERTIES       10u /* G->H */
#define VSTOR_OP_ENUMERATE_BUS          11u /* H->G: in-band, tid 0 */
#define VSTOR_OP_FCHBA_DATA             12u /* G->H: FC only */
#define VSTOR_OP_CREATE_SUB_CHANNELS    13u /* G->H: primary channel, WIN8+ */
#define VSTOR_OP_EVENT_NOTIFICATION     14u /* openvmm only */
#define VSTOR_OP_MAX                    14u

/* vstor_packet.flags */
#define VSTOR_FLAG_REQUEST_COMPLETION   0x1u /* guests set it on every request */

/* ---- Protocol versions (C.2): u16 major << 8 | minor ---------------------- */
#define VSTOR_VERSION(maj, min)  ((uint16_t)((((maj) & 0xffu) << 8) | ((min) & 0xffu)))
#define VSTOR_VERSION_WIN6       0x0200u /* WS2008 */
#define VSTOR_VERSION_WIN7       0x0402u /* WS2008 R2 */
#define VSTOR_VERSION_WIN8       0x0501u /* WS2012: SRB grows to 52, sense 0x14 */
#define VSTOR_VERSION_WIN8_1     0x0600u /* WS2012 R2 ("Blue") */
#define VSTOR_VERSION_WIN10      0x0602u /* WS2016+ ("Threshold") */
#define VSTOR_VERSION_MAJOR(v)   (((v) >> 8) & 0xffu)
#define VSTOR_VERSION_MINOR(v)   ((v) & 0xffu)

/* ---- SRB (vmscsi_request) (C.4) -------------------------------------------
 * Offsets within the vstor_packet payload (add 12 for the packet offset). */
#define VSTOR_CDB_MAX            16u
#define VSTOR_SENSE_SIZE_WIN7    0x12u /* 18: before WIN8 */
#define VSTOR_SENSE_SIZE_WIN8    0x14u /* 20: WIN8 and later */
#define VSTOR_SRB_UNION_SIZE     20u   /* CDB / sense union */

/* srb.data_in */
#define VSTOR_DATA_WRITE         0u /* to the device */
#define VSTOR_DATA_READ          1u /* from the device */
#define VSTOR_DATA_UNKNOWN       2u /* no data */

/* srb.queue_tag / queue_action as Linux fills them */
#define VSTOR_QUEUE_TAG_UNTAGGED 0xFFu
#define VSTOR_QUEUE_ACTION_SIMPLE 0x20u

struct vstor_srb {
	uint16_t length;               /* @0, VSTOR_SRB_SIZE_* of the negotiated version */
	uint8_t  srb_status;           /* @2, VSTOR_SRB_STATUS_* | _QUEUE_FROZEN | _AUTOSENSE_VALID */
	uint8_t  scsi_status;          /* @3, SCSI_STATUS_* (scsi.h) */
	uint8_t  port_number;          /* @4 */
	uint8_t  path_id;              /* @5, bus / channel */
	uint8_t  target_id;            /* @6 */
	uint8_t  lun;                  /* @7 */
	uint8_t  cdb_length;           /* @8, 1..16 */
	uint8_t  sense_info_length;    /* @9, request: buffer size; reply: bytes returned */
	uint8_t  data_in;              /* @10, VSTOR_DATA_* */
	uint8_t  reserved;             /* @11 */
	uint32_t data_transfer_length; /* @12, request: buffer length; reply: bytes moved */
	union {
		uint8_t cdb[VSTOR_CDB_MAX];        /* request */
		uint8_t sense[VSTOR_SENSE_SIZE_WIN8]; /* reply */
		uint8_t raw[VSTOR_SRB_UNION_SIZE];
	} u;                           /* @16 */
	/* Win8 extension: not on the wire before VSTOR_VERSION_WIN8. */
	uint16_t reserve;              /* @36 */
	uint8_t  queue_tag;            /* @38, VSTOR_QUEUE_TAG_UNTAGGED = untagged */
	uint8_t  queue_action;         /* @39 */
	uint32_t srb_flags;            /* @40, VSTOR_SRB_FLAG_* */
	uint32_t time_out_value;       /* @44, seconds */
	uint32_t queue_sort_key;       /* @48 */
} __attribute__((packed));
_Static_assert(offsetof(struct vstor_srb, srb_status) == 2, "");
_Static_assert(offsetof(struct vstor_srb, lun) == 7, "");
_Static_assert(offsetof(struct vstor_srb, cdb_length) == 8, "");
_Static_assert(offsetof(struct vstor_srb, data_in) == 10, "");
_Static_assert(offsetof(struct vstor_srb, data_transfer_length) == 12, "");
_Static_assert(offsetof(struct vstor_srb, u) == 16, "");
_Static_assert(offsetof(struct vstor_srb, reserve) == 36, "");
_Static_assert(offsetof(struct vstor_srb, srb_flags) == 40, "");
_Static_assert(offsetof(struct vstor_srb, queue_sort_key) == 48, "");
_Static_assert(sizeof(struct vstor_srb) == 52, "vmscsi_request");

/* Versioned SRB sizes: up to the Win8 extension, or all of it. */
#define VSTOR_SRB_SIZE_WIN7      ((uint32_t)offsetof(struct vstor_srb, reserve)) /* 36 */
#define VSTOR_SRB_SIZE_WIN8      ((uint32_t)sizeof(struct vstor_srb))            /* 52 */
#define VSTOR_SRB_WIN8_DELTA     (VSTOR_SRB_SIZE_WIN8 - VSTOR_SRB_SIZE_WIN7)     /* 16 */
_Static_assert(VSTOR_SRB_SIZE_WIN7 == 36, "pre-Win8 vmscsi size");
_Static_assert(VSTOR_SRB_WIN8_DELTA == 16, "vmscsi_size_delta");

/* SRB status (srb.srb_status low 6 bits) (C.8) */
#define VSTOR_SRB_STATUS_MASK              0x3Fu
#define VSTOR_SRB_STATUS_QUEUE_FROZEN      0x40u
#define VSTOR_SRB_STATUS_AUTOSENSE_VALID   0x80u
#define VSTOR_SRB_STATUS_PENDING           0x00u
#define VSTOR_SRB_STATUS_SUCCESS           0x01u
#define VSTOR_SRB_STATUS_ABORTED           0x02u
#define VSTOR_SRB_STATUS_ABORT_FAILED      0x03u
#define VSTOR_SRB_STATUS_ERROR             0x04u
#define VSTOR_SRB_STATUS_BUSY              0x05u
#define VSTOR_SRB_STATUS_INVALID_REQUEST   0x06u
#define VSTOR_SRB_STATUS_INVALID_PATH_ID   0x07u
#define VSTOR_SRB_STATUS_NO_DEVICE         0x08u
#define VSTOR_SRB_STATUS_TIMEOUT           0x09u
#define VSTOR_SRB_STATUS_SELECTION_TIMEOUT 0x0Au
#define VSTOR_SRB_STATUS_COMMAND_TIMEOUT   0x0Bu
#define VSTOR_SRB_STATUS_MESSAGE_REJECTED  0x0Du
#define VSTOR_SRB_STATUS_BUS_RESET         0x0Eu
#define VSTOR_SRB_STATUS_PARITY_ERROR      0x0Fu
#define VSTOR_SRB_STATUS_REQUEST_SENSE_FAILED 0x10u
#define VSTOR_SRB_STATUS_NO_HBA            0x11u
#define VSTOR_SRB_STATUS_DATA_OVERRUN      0x12u
#define VSTOR_SRB_STATUS_UNEXPECTED_BUS_FREE 0x13u
#define VSTOR_SRB_STATUS_PHASE_SEQUENCE_FAILURE 0x14u
#define VSTOR_SRB_STATUS_BAD_SRB_BLOCK_LENGTH 0x15u
#define VSTOR_SRB_STATUS_REQUEST_FLUSHED   0x16u
#define VSTOR_SRB_STATUS_INVALID_LUN       0x20u
#define VSTOR_SRB_STATUS_INVALID_TARGET_ID 0x21u
#define VSTOR_SRB_STATUS_BAD_FUNCTION      0x22u
#define VSTOR_SRB_STATUS_ERROR_RECOVERY    0x23u
#define VSTOR_SRB_STATUS_NOT_POWERED       0x24u
#define VSTOR_SRB_STATUS_LINK_DOWN         0x25u
#define VSTOR_SRB_STATUS_INTERNAL_ERROR    0x30u /* port-driver only */

/* srb.srb_flags (C.4) */
#define VSTOR_SRB_FLAG_QUEUE_ACTION_ENABLE    0x00000002u
#define VSTOR_SRB_FLAG_DISABLE_DISCONNECT     0x00000004u
#define VSTOR_SRB_FLAG_DISABLE_SYNCH_TRANSFER 0x00000008u
#define VSTOR_SRB_FLAG_BYPASS_FROZEN_QUEUE    0x00000010u
#define VSTOR_SRB_FLAG_DISABLE_AUTOSENSE      0x00000020u
#define VSTOR_SRB_FLAG_DATA_IN                0x00000040u
#define VSTOR_SRB_FLAG_DATA_OUT               0x00000080u
#define VSTOR_SRB_FLAG_NO_DATA_TRANSFER       0x00000000u
#define VSTOR_SRB_FLAG_UNSPECIFIED_DIRECTION  0x000000C0u
#define VSTOR_SRB_FLAG_NO_QUEUE_FREEZE        0x00000100u
#define VSTOR_SRB_FLAG_ADAPTER_CACHE_ENABLE   0x00000200u
#define VSTOR_SRB_FLAG_FREE_SENSE_BUFFER      0x00000400u
#define VSTOR_SRB_FLAG_D3_PROCESSING          0x00000800u
#define VSTOR_SRB_FLAG_IS_ACTIVE              0x00010000u
#define VSTOR_SRB_FLAG_PORT_DRIVER_RESERVED   0x0F000000u
#define VSTOR_SRB_FLAG_CLASS_DRIVER_RESERVED  0xF0000000u

/* ---- Channel properties: QUERY_PROPERTIES reply payload (C.6) ------------- */
#define VSTOR_PROP_FLAG_MULTI_CHANNEL  0x1u /* SUPPORTS_MULTI_CHANNEL */

struct vstor_channel_props {
	uint32_t reserved;            /* @0 (FreeBSD reads proto/path/target: UNVERIFIED) */
	uint16_t max_channel_count;   /* @4, max sub-channels */
	uint16_t reserved1;           /* @6 */
	uint32_t flags;               /* @8, VSTOR_PROP_FLAG_* */
	uint32_t max_transfer_bytes;  /* @12 */
	uint64_t reserved2;           /* @16 */
} __attribute__((packed));
_Static_assert(sizeof(struct vstor_channel_props) == 24, "channel properties");
_Static_assert(offsetof(struct vstor_channel_props, max_channel_count) == 4, "");
_Static_assert(offsetof(struct vstor_channel_props, flags) == 8, "");
_Static_assert(offsetof(struct vstor_channel_props, max_transfer_bytes) == 12, "");

/* QUERY_PROTOCOL_VERSION payload, both directions (C.6). */
struct vstor_proto_version {
	uint16_t major_minor;         /* @0, VSTOR_VERSION_* */
	uint16_t revision;            /* @2, 0 */
} __attribute__((packed));
_Static_assert(sizeof(struct vstor_proto_version) == 4, "protocol version");

/* FCHBA_DATA payload (op 12), FC only (C.6). */
struct vstor_fc_wwn {
	uint8_t primary_active;       /* @0 */
	uint8_t reserved[3];          /* @1 */
	uint8_t primary_port_wwn[8];  /* @4 */
	uint8_t primary_node_wwn[8];  /* @12 */
	uint8_t secondary_port_wwn[8]; /* @20 */
	uint8_t secondary_node_wwn[8]; /* @28 */
} __attribute__((packed));
_Static_assert(sizeof(struct vstor_fc_wwn) == 36, "FC WWN");
_Static_assert(offsetof(struct vstor_fc_wwn, secondary_node_wwn) == 28, "");

/* ---- vstor_packet (C.3) ----------------------------------------------------
 * Both directions.  Payload by operation: EXECUTE_SRB -> srb; QUERY_PROPERTIES
 * reply -> props; QUERY_PROTOCOL_VERSION -> version; FCHBA_DATA -> wwn;
 * CREATE_SUB_CHANNELS -> sub_channel_count; others carry none. */
#define VSTOR_PACKET_HDR_SIZE  12u

struct vstor_packet {
	uint32_t operation;           /* @0, VSTOR_OP_* */
	uint32_t flags;               /* @4, VSTOR_FLAG_* */
	uint32_t status;              /* @8, VSTOR_STATUS_* (NTSTATUS) from the host */
	union {
		struct vstor_srb srb;
		struct vstor_channel_props props;
		struct vstor_proto_version version;
		struct vstor_fc_wwn wwn;
		uint16_t sub_channel_count;
		uint8_t raw[52];
	} u;                          /* @12 */
} __attribute__((packed));
_Static_assert(offsetof(struct vstor_packet, status) == 8, "");
_Static_assert(offsetof(struct vstor_packet, u) == VSTOR_PACKET_HDR_SIZE, "");
_Static_assert(sizeof(struct vstor_packet) == 64, "vstor_packet");

/* Versioned packet sizes. */
#define VSTOR_PACKET_SIZE_WIN7 (VSTOR_PACKET_HDR_SIZE + VSTOR_SRB_SIZE_WIN7) /* 48 */
#define VSTOR_PACKET_SIZE_WIN8 (VSTOR_PACKET_HDR_SIZE + VSTOR_SRB_SIZE_WIN8) /* 64 */
_Static_assert(VSTOR_PACKET_SIZE_WIN7 == 48, "");
_Static_assert(VSTOR_PACKET_SIZE_WIN8 == 64, "");

/* ---- NTSTATUS values in vstor_packet.status (C.8) --------------------------
 * openvmm's SRB status -> NTSTATUS mapping is noted per value. */
#define VSTOR_STATUS_SUCCESS                0x00000000u /* SRB SUCCESS */
#define VSTOR_STATUS_BUFFER_OVERFLOW        0x80000005u /* SRB DATA_OVERRUN */
#define VSTOR_STATUS_DEVICE_BUSY            0x80000011u /* SRB BUSY */
#define VSTOR_STATUS_UNSUCCESSFUL           0xC0000001u /* SRB REQUEST_FLUSHED */
#define VSTOR_STATUS_INVALID_PARAMETER      0xC000000Du
#define VSTOR_STATUS_INVALID_DEVICE_REQUEST 0xC0000010u /* SRB BAD_FUNCTION, BAD_SRB_BLOCK_LENGTH */
#define VSTOR_STATUS_REVISION_MISMATCH      0xC0000059u /* unsupported version */
#define VSTOR_STATUS_DEVICE_NOT_CONNECTED   0xC000009Du /* SRB SELECTION_TIMEOUT */
#define VSTOR_STATUS_IO_TIMEOUT             0xC00000B5u /* SRB TIMEOUT, COMMAND_TIMEOUT */
#define VSTOR_STATUS_DEVICE_DOES_NOT_EXIST  0xC00000C0u /* SRB INVALID_LUN/TARGET_ID, NO_DEVICE, NO_HBA */
#define VSTOR_STATUS_CANCELLED              0xC0000120u /* SRB ABORTED */
#define VSTOR_STATUS_INVALID_DEVICE_STATE   0xC0000184u /* request out of order */
#define VSTOR_STATUS_IO_DEVICE_ERROR        0xC0000185u /* any other SRB status */

#endif /* HYPERV_VSTOR_H */
