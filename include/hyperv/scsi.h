/* scsi.h -- the SCSI (T10 SPC/SBC) wire formats storvsp and storvsc speak
 * inside SRBs: opcodes, status bytes, sense keys and ASC/ASCQ, fixed-format
 * sense data, CDB byte offsets, INQUIRY / VPD / READ CAPACITY / MODE SENSE /
 * REPORT LUNS / UNMAP layouts.  From shared/protocol/devices.md C.9-C.11 and
 * the T10 standards.  Header only: no code.
 *
 * Multi-byte SCSI fields are BIG-endian: layouts here are byte offsets
 * (SCSI_<CMD>_OFF_*) or structs of uint8_t arrays, never host integers. */
#ifndef HYPERV_SCSI_H
#define HYPERV_SCSI_H

#include <stddef.h>
#include <stdint.h>

/* ---- Opcodes (C.11) -------------------------------------------------------- */
#define SCSI_OP_TEST_UNIT_READY     0x00u
#define SCSI_OP_REQUEST_SENSE       0x03u
#define SCSI_OP_READ_6              0x08u
#define SCSI_OP_WRITE_6             0x0Au
#define SCSI_OP_INQUIRY             0x12u
#define SCSI_OP_MODE_SELECT_6       0x15u
#define SCSI_OP_MODE_SENSE_6        0x1Au
#define SCSI_OP_START_STOP_UNIT     0x1Bu
#define SCSI_OP_SEND_DIAGNOSTIC     0x1Du
#define SCSI_OP_PREVENT_ALLOW       0x1Eu
#define SCSI_OP_READ_CAPACITY_10    0x25u
#define SCSI_OP_READ_10             0x28u
#define SCSI_OP_WRITE_10            0x2Au
#define SCSI_OP_VERIFY_10           0x2Fu
#define SCSI_OP_SYNCHRONIZE_CACHE_10 0x35u
#define SCSI_OP_WRITE_SAME_10       0x41u
#define SCSI_OP_UNMAP               0x42u
#define SCSI_OP_MODE_SELECT_10      0x55u
#define SCSI_OP_MODE_SENSE_10       0x5Au
#define SCSI_OP_PERSISTENT_RESERVE_IN  0x5Eu
#define SCSI_OP_PERSISTENT_RESERVE_OUT 0x5Fu
#define SCSI_OP_READ_16             0x88u
#define SCSI_OP_WRITE_16            0x8Au
#define SCSI_OP_VERIFY_16           0x8Fu
#define SCSI_OP_SYNCHRONIZE_CACHE_16 0x91u
#define SCSI_OP_WRITE_SAME_16       0x93u
#define SCSI_OP_SERVICE_ACTION_IN_16 0x9Eu
#define SCSI_OP_REPORT_LUNS         0xA0u
#define SCSI_OP_MAINTENANCE_IN      0xA3u
#define SCSI_OP_READ_12             0xA8u
#define SCSI_OP_WRITE_12            0xAAu
#define SCSI_OP_VERIFY_12           0xAFu

/* SERVICE ACTION IN(16) service actions (CDB byte 1, bits 4-0). */
#define SCSI_SAI_READ_CAPACITY_16   0x10u
#define SCSI_SAI_GET_LBA_STATUS     0x12u
#define SCSI_SAI_MASK               0x1Fu

/* CDB lengths by opcode group (bits 7-5 of the opcode). */
#define SCSI_CDB6_LEN   6u
#define SCSI_CDB10_LEN  10u
#define SCSI_CDB12_LEN  12u
#define SCSI_CDB16_LEN  16u

/* ---- Status byte (srb.scsi_status) ------------------------------------------ */
#define SCSI_STATUS_GOOD                 0x00u
#define SCSI_STATUS_CHECK_CONDITION      0x02u
#define SCSI_STATUS_CONDITION_MET        0x04u
#define SCSI_STATUS_BUSY                 0x08u
#define SCSI_STATUS_RESERVATION_CONFLICT 0x18u
#define SCSI_STATUS_TASK_SET_FULL        0x28u
#define SCSI_STATUS_TASK_ABORTED         0x40u

/* ---- Sense keys ------------------------------------------------------------- */
#define SCSI_SENSE_NO_SENSE         0x0u
#define SCSI_SENSE_RECOVERED_ERROR  0x1u
#define SCSI_SENSE_NOT_READY        0x2u
#define SCSI_SENSE_MEDIUM_ERROR     0x3u
#define SCSI_SENSE_HARDWARE_ERROR   0x4u
#define SCSI_SENSE_ILLEGAL_REQUEST  0x5u
#define SCSI_SENSE_UNIT_ATTENTION   0x6u
#define SCSI_SENSE_DATA_PROTECT     0x7u
#define SCSI_SENSE_ABORTED_COMMAND  0xBu

/* ---- Additional sense code / qualifier pairs (ASC << 8 | ASCQ) -------------- */
#define SCSI_ASCQ(asc, ascq)          ((uint16_t)(((asc) << 8) | (ascq)))
#define SCSI_ASC_OF(v)                ((uint8_t)((v) >> 8))
#define SCSI_ASCQ_OF(v)               ((uint8_t)((v) & 0xffu))
#define SCSI_ASC_NONE                 0x0000u /* NO ADDITIONAL SENSE INFORMATION */
#define SCSI_ASC_NOT_READY_CAUSE_NA   0x0400u /* LOGICAL UNIT NOT READY, CAUSE NOT REPORTABLE */
#define SCSI_ASC_NOT_READY_INIT_REQ   0x0402u /* ... INITIALIZING COMMAND REQUIRED (stopped) */
#define SCSI_ASC_WRITE_ERROR          0x0C00u /* WRITE ERROR */
#define SCSI_ASC_UNRECOVERED_READ     0x1100u /* UNRECOVERED READ ERROR */
#define SCSI_ASC_PARAM_LIST_LENGTH    0x1A00u /* PARAMETER LIST LENGTH ERROR */
#define SCSI_ASC_INVALID_OPCODE       0x2000u /* INVALID COMMAND OPERATION CODE */
#define SCSI_ASC_LBA_OUT_OF_RANGE     0x2100u /* LOGICAL BLOCK ADDRESS OUT OF RANGE */
#define SCSI_ASC_INVALID_FIELD_CDB    0x2400u /* INVALID FIELD IN CDB */
#define SCSI_ASC_LUN_NOT_SUPPORTED    0x2500u /* LOGICAL UNIT NOT SUPPORTED */
#define SCSI_ASC_INVALID_FIELD_PARAM  0x2600u /* INVALID FIELD IN PARAMETER LIST */
#define SCSI_ASC_WRITE_PROTECTED      0x2700u /* WRITE PROTECTED */
#define SCSI_ASC_SPACE_ALLOC_FAILED   0x2707u /* SPACE ALLOCATION FAILED WRITE PROTECT */
#define SCSI_ASC_POWER_ON_RESET       0x2900u /* POWER ON, RESET, OR BUS DEVICE RESET OCCURRED */
#define SCSI_ASC_CAPACITY_CHANGED     0x2A09u /* CAPACITY DATA HAS CHANGED */
#define SCSI_ASC_SAVING_NOT_SUPPORTED 0x3900u /* SAVING PARAMETERS NOT SUPPORTED */
#define SCSI_ASC_REPORTED_LUNS_CHANGED 0x3F0Eu /* REPORTED LUNS DATA HAS CHANGED */
#define SCSI_ASC_INTERNAL_TARGET_FAILURE 0x4400u /* INTERNAL TARGET FAILURE */

/* ---- Fixed-format sense data (SPC 4.5.3) ------------------------------------ */
#define SCSI_SENSE_RESPONSE_FIXED     0x70u /* current error, fixed format */
#define SCSI_SENSE_RESPONSE_DEFERRED  0x71u
#define SCSI_SENSE_VALID              0x80u /* byte 0: INFORMATION field valid */
#define SCSI_SENSE_KEY_MASK           0x0Fu /* byte 2 */
#define SCSI_SENSE_FIXED_SIZE         18u
#define SCSI_SENSE_FIXED_ADD_LEN      10u   /* byte 7 for an 18-byte sense */

struct scsi_sense_fixed {
	uint8_t response_code;   /* @0, SCSI_SENSE_RESPONSE_FIXED | VALID */
	uint8_t obsolete;        /* @1 */
	uint8_t key;             /* @2, bits 3-0 sense key; 0x80 FILEMARK, 0x40 EOM, 0x20 ILI */
	uint8_t information[4];  /* @3, BE */
	uint8_t additional_len;  /* @7, bytes after this one (10) */
	uint8_t cmd_specific[4]; /* @8, BE */
	uint8_t asc;             /* @12 */
	uint8_t ascq;            /* @13 */
	uint8_t fru;             /* @14 */
	uint8_t sks[3];          /* @15, sense-key specific (SKSV 0x80 in byte 15) */
} __attribute__((packed));
_Static_assert(sizeof(struct scsi_sense_fixed) == SCSI_SENSE_FIXED_SIZE, "fixed sense");
_Static_assert(offsetof(struct scsi_sense_fixed, additional_len) == 7, "");
_Static_assert(offsetof(struct scsi_sense_fixed, asc) == 12, "");
_Static_assert(offsetof(struct scsi_sense_fixed, ascq) == 13, "");

/* ---- CDB byte offsets -------------------------------------------------------
 * READ/WRITE(6): LBA 21 bits BE in bytes 1-3 (byte 1 bits 4-0), length @4
 * (0 means 256 blocks).  (10): flags @1, LBA BE32 @2, group @6, length BE16
 * @7.  (12): LBA BE32 @2, length BE32 @6.  (16): flags @1, LBA BE64 @2,
 * length BE32 @10.  Flags byte: FUA 0x08, DPO 0x10. */
#define SCSI_CDB_FLAG_FUA     0x08u
#define SCSI_CDB_FLAG_DPO     0x10u
#define SCSI_CDB6_LBA_MASK    0x1FFFFFu
#define SCSI_CDB6_OFF_LEN     4u
#define SCSI_CDB10_OFF_LBA    2u
#define SCSI_CDB10_OFF_LEN    7u
#define SCSI_CDB12_OFF_LBA    2u
#define SCSI_CDB12_OFF_LEN    6u
#define SCSI_CDB16_OFF_LBA    2u
#define SCSI_CDB16_OFF_LEN    10u
/* SYNCHRONIZE CACHE(10/16): IMMED 0x02 @1; LBA and block count as READ. */
#define SCSI_SYNC_FLAG_IMMED  0x02u
/* WRITE SAME(16) @1: UNMAP 0x08, ANCHOR 0x10, NDOB 0x01. */
#define SCSI_WS_FLAG_NDOB     0x01u
#define SCSI_WS_FLAG_UNMAP    0x08u
#define SCSI_WS_FLAG_ANCHOR   0x10u
/* INQUIRY: EVPD 0x01 @1, page code @2, allocation length BE16 @3. */
#define SCSI_INQ_FLAG_EVPD    0x01u
#define SCSI_INQ_OFF_PAGE     2u
#define SCSI_INQ_OFF_ALLOC    3u
/* REPORT LUNS: select report @2, allocation length BE32 @6 (SPC: >= 16). */
#define SCSI_RL_OFF_SELECT    2u
#define SCSI_RL_OFF_ALLOC     6u
#define SCSI_RL_MIN_ALLOC     16u
/* READ CAPACITY(16) (SERVICE ACTION IN): allocation length BE32 @10. */
#define SCSI_RC16_OFF_ALLOC   10u
/* MODE SENSE(6): DBD 0x08 @1, PC bits 7-6 | page code 5-0 @2, subpage @3,
 * allocation length @4.  MODE SENSE(10): LLBAA 0x10 | DBD 0x08 @1, same @2
 * @3, allocation length BE16 @7. */
#define SCSI_MS_FLAG_DBD      0x08u
#define SCSI_MS_FLAG_LLBAA    0x10u
#define SCSI_MS_OFF_PAGE      2u
#define SCSI_MS_OFF_SUBPAGE   3u
#define SCSI_MS6_OFF_ALLOC    4u
#define SCSI_MS10_OFF_ALLOC   7u
#define SCSI_MS_PAGE_MASK     0x3Fu
#define SCSI_MS_PC_SHIFT      6u    /* 0 current, 1 changeable, 2 default, 3 saved */
#define SCSI_MS_PC_SAVED      3u
/* UNMAP: ANCHOR 0x01 @1, group @6, parameter list length BE16 @7. */
#define SCSI_UNMAP_OFF_PLEN   7u
/* START STOP UNIT: IMMED 0x01 @1, power condition bits 7-4 | LOEJ 0x02 |
 * START 0x01 @4. */
#define SCSI_SSU_OFF_FLAGS    4u
#define SCSI_SSU_START        0x01u
#define SCSI_SSU_LOEJ         0x02u
/* REQUEST SENSE: DESC 0x01 @1, allocation length @4. */
#define SCSI_RS_FLAG_DESC     0x01u
#define SCSI_RS_OFF_ALLOC     4u

/* ---- INQUIRY standard data (SPC 6.6.2), 36 bytes ---------------------------- */
#define SCSI_PQ_CONNECTED      0x00u /* byte 0 bits 7-5 */
#define SCSI_PQ_NOT_CONNECTED  0x20u
#define SCSI_PQ_NOT_CAPABLE    0x60u
#define SCSI_TYPE_DISK         0x00u /* byte 0 bits 4-0 */
#define SCSI_TYPE_UNKNOWN      0x1Fu
#define SCSI_INQ_NO_LUN        (SCSI_PQ_NOT_CAPABLE | SCSI_TYPE_UNKNOWN) /* 0x7F */
#define SCSI_VERSION_SPC2      0x04u
#define SCSI_VERSION_SPC3      0x05u
#define SCSI_VERSION_SPC4      0x06u
#define SCSI_INQ_RESP_FORMAT   0x02u /* byte 3 bits 3-0 */
#define SCSI_INQ_HISUP         0x10u /* byte 3 */
#define SCSI_INQ_CMDQUE        0x02u /* byte 7 */
#define SCSI_INQ_STD_SIZE      36u

struct scsi_inquiry_std {
	uint8_t peripheral;      /* @0, PQ | device type */
	uint8_t rmb;             /* @1, 0x80 removable */
	uint8_t version;         /* @2, SCSI_VERSION_* */
	uint8_t resp_format;     /* @3, NORMACA 0x20 | HISUP 0x10 | format 2 */
	uint8_t additional_len;  /* @4, n - 5 (31 for 36 bytes) */
	uint8_t flags5;          /* @5, SCCS TPGS 3PC PROTECT */
	uint8_t flags6;          /* @6, ENCSERV MULTIP */
	uint8_t flags7;          /* @7, CMDQUE 0x02 */
	uint8_t vendor[8];       /* @8, ASCII, space padded */
	uint8_t product[16];     /* @16 */
	uint8_t revision[4];     /* @32 */
} __attribute__((packed));
_Static_assert(sizeof(struct scsi_inquiry_std) == SCSI_INQ_STD_SIZE, "standard INQUIRY");
_Static_assert(offsetof(struct scsi_inquiry_std, vendor) == 8, "");
_Static_assert(offsetof(struct scsi_inquiry_std, product) == 16, "");
_Static_assert(offsetof(struct scsi_inquiry_std, revision) == 32, "");

/* ---- VPD pages (SPC 7.8, SBC 6.6) -------------------------------------------
 * Header: @0 peripheral, @1 page code, @2 page length BE16 (bytes after 4). */
#define SCSI_VPD_SUPPORTED     0x00u
#define SCSI_VPD_SERIAL        0x80u
#define SCSI_VPD_DEVICE_ID     0x83u
#define SCSI_VPD_BLOCK_LIMITS  0xB0u
#define SCSI_VPD_BLOCK_CHARS   0xB1u
#define SCSI_VPD_LB_PROVISIONING 0xB2u
#define SCSI_VPD_HDR_SIZE      4u

struct scsi_vpd_hdr {
	uint8_t peripheral;      /* @0 */
	uint8_t page;            /* @1 */
	uint8_t length[2];       /* @2, BE */
} __attribute__((packed));
_Static_assert(sizeof(struct scsi_vpd_hdr) == SCSI_VPD_HDR_SIZE, "VPD header");

/* 0x83 designation descriptor header: @0 protocol id (7-4) | code set (3-0),
 * @1 PIV 0x80 | association (5-4) | designator type (3-0), @2 reserved,
 * @3 designator length. */
#define SCSI_DESIG_CODESET_BINARY 0x1u
#define SCSI_DESIG_CODESET_ASCII  0x2u
#define SCSI_DESIG_ASSOC_LUN      0x00u
#define SCSI_DESIG_TYPE_T10       0x1u
#define SCSI_DESIG_TYPE_NAA       0x3u
#define SCSI_DESIG_HDR_SIZE       4u
#define SCSI_NAA_IEEE_REGISTERED  0x6u /* NAA 6: 16-byte designator, high nibble */
#define SCSI_NAA6_LEN             16u
/* Microsoft's IEEE OUI 00-22-48, as openvmm uses in its NAA identifiers. */
#define SCSI_OUI_MICROSOFT        0x002248u

/* 0xB0 block limits: page length 0x3C (64 bytes in all). */
#define SCSI_VPD_B0_LEN              0x3Cu
#define SCSI_VPD_B0_OFF_OPT_GRAN     6u  /* BE16, optimal transfer length granularity */
#define SCSI_VPD_B0_OFF_MAX_XFER     8u  /* BE32, blocks */
#define SCSI_VPD_B0_OFF_OPT_XFER     12u /* BE32 */
#define SCSI_VPD_B0_OFF_MAX_UNMAP    20u /* BE32, max unmap LBA count */
#define SCSI_VPD_B0_OFF_MAX_UNMAP_DESC 24u /* BE32, max unmap block descriptors */
#define SCSI_VPD_B0_OFF_UNMAP_GRAN   28u /* BE32, optimal unmap granularity */
#define SCSI_VPD_B0_OFF_MAX_WS       36u /* BE64, max write same length */
/* 0xB1 block device characteristics: page length 0x3C; rotation rate BE16
 * @4 (1 = non-rotating medium). */
#define SCSI_VPD_B1_LEN              0x3Cu
#define SCSI_VPD_B1_OFF_ROTATION     4u
#define SCSI_ROTATION_NONE           0x0001u
/* 0xB2 logical block provisioning: page length 4; @5 LBPU 0x80 | LBPWS 0x40 |
 * LBPWS10 0x20 | LBPRZ (bits 4-2); @6 provisioning type (bits 2-0). */
#define SCSI_VPD_B2_LEN              0x04u
#define SCSI_VPD_B2_OFF_FLAGS        5u
#define SCSI_VPD_B2_OFF_PTYPE        6u
#define SCSI_LBP_LBPU                0x80u
#define SCSI_LBP_LBPWS               0x40u
#define SCSI_LBP_LBPWS10             0x20u
#define SCSI_LBP_LBPRZ               0x04u
#define SCSI_PTYPE_FULL              0x0u
#define SCSI_PTYPE_THIN              0x2u

/* ---- READ CAPACITY data (SBC 5.15, 5.16) ------------------------------------ */
#define SCSI_RC10_SIZE   8u  /* last LBA BE32 (0xFFFFFFFF: use RC16), block length BE32 */
#define SCSI_RC10_LBA_MAX 0xFFFFFFFFu
#define SCSI_RC16_SIZE   32u
struct scsi_read_capacity16 {
	uint8_t last_lba[8];     /* @0, BE */
	uint8_t block_len[4];    /* @8, BE */
	uint8_t prot;            /* @12, P_TYPE | PROT_EN */
	uint8_t exponents;       /* @13, P_I_EXPONENT | LB per physical block exponent (3-0) */
	uint8_t lbp_align[2];    /* @14, LBPME 0x80 | LBPRZ 0x40 | lowest aligned LBA (13 bits) */
	uint8_t reserved[16];    /* @16 */
} __attribute__((packed));
_Static_assert(sizeof(struct scsi_read_capacity16) == SCSI_RC16_SIZE, "READ CAPACITY(16)");
_Static_assert(offsetof(struct scsi_read_capacity16, lbp_align) == 14, "");
#define SCSI_RC16_LBPME  0x80u
#define SCSI_RC16_LBPRZ  0x40u

/* ---- MODE SENSE data (SPC 7.5) ----------------------------------------------
 * (6) header 4 bytes: @0 mode data length (n - 1), @1 medium type, @2
 * device-specific (WP 0x80, DPOFUA 0x10), @3 block descriptor length.
 * (10) header 8 bytes: @0 mode data length BE16 (n - 2), @2 medium type, @3
 * device-specific, @4 LONGLBA, @6 block descriptor length BE16.
 * Short block descriptor 8 bytes: @0 density, @1 number of blocks BE24
 * (0xFFFFFF: too many), @5 block length BE24. */
#define SCSI_MS6_HDR_SIZE     4u
#define SCSI_MS10_HDR_SIZE    8u
#define SCSI_MS_BLKDESC_SIZE  8u
#define SCSI_MS_DEVSPEC_WP    0x80u
#define SCSI_MS_DEVSPEC_DPOFUA 0x10u
#define SCSI_MPAGE_CACHING    0x08u
#define SCSI_MPAGE_CONTROL    0x0Au
#define SCSI_MPAGE_ALL        0x3Fu
/* Caching page: @0 page code, @1 page length 0x12, @2 WCE 0x04 | RCD 0x01. */
#define SCSI_MPAGE_CACHING_LEN  0x12u /* 20 bytes in all */
#define SCSI_CACHING_WCE      0x04u
#define SCSI_CACHING_RCD      0x01u
/* Control page: @0 page code, @1 page length 0x0A. */
#define SCSI_MPAGE_CONTROL_LEN  0x0Au /* 12 bytes in all */

/* ---- REPORT LUNS data (SPC 6.33) --------------------------------------------
 * @0 LUN list length BE32 (8 x n), @4 reserved, then n 8-byte LUNs; a
 * single-level LUN < 256 sits in byte 1 (peripheral addressing). */
#define SCSI_RL_HDR_SIZE    8u
#define SCSI_RL_ENTRY_SIZE  8u

/* ---- UNMAP parameter list (SBC 5.28) ----------------------------------------
 * @0 unmap data length BE16 (n - 2), @2 block descriptor data length BE16
 * (16 x k), @4 reserved, @8 descriptors {LBA BE64, count BE32, 4 reserved}. */
#define SCSI_UNMAP_HDR_SIZE   8u
#define SCSI_UNMAP_DESC_SIZE  16u

#endif /* HYPERV_SCSI_H */
