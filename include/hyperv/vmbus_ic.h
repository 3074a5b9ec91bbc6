/* vmbus_ic.h -- integration component message bodies (negotiate,
 * heartbeat, shutdown, timesync, KVP) that follow the pipe header and the
 * IC message header of vmbus_ring.h.  From shared/protocol/devices.md part D.
 * Header only: no code.
 *
 * A packet's in-band payload on an IC channel:
 *   @0  8   struct vmbus_pipe_hdr   {type = DATA, len = bytes after it}
 *   @8  20  struct vmbus_icmsg_hdr
 *   @28 ..  body (icmsg_hdr.msgsize bytes)
 * Host requests carry flags TRANSACTION|REQUEST, guest replies echo the
 * buffer with TRANSACTION|RESPONSE and a status. */
#ifndef HYPERV_VMBUS_IC_H
#define HYPERV_VMBUS_IC_H

#include <stddef.h>
#include <stdint.h>

#include "hyperv/vmbus_ring.h"

#define VMBUS_IC_HDRS_SIZE 28u /* pipe header + icmsg header */
/* openvmm MAX_MESSAGE_SIZE; the largest message we build (IP info, 7428 B
 * body) fits. */
#define VMBUS_IC_MAX_MESSAGE 13312u

/* Status (HRESULT) in icmsg_hdr.status (devices.md D.2). */
#define VMBUS_IC_S_OK                 0x00000000u
#define VMBUS_IC_E_FAIL               0x80004005u
#define VMBUS_IC_S_CONT               0x80070103u /* also "no more items" */
#define VMBUS_IC_E_NOT_SUPPORTED      0x80070032u
#define VMBUS_IC_E_GUID_NOT_FOUND     0x80041002u
#define VMBUS_IC_E_INVALIDARG         0x80070057u
#define VMBUS_IC_E_ALREADY_EXISTS     0x80070050u
#define VMBUS_IC_E_DISK_FULL          0x80070070u
#define VMBUS_IC_E_MACHINE_LOCKED     0x800704F7u
#define VMBUS_IC_E_DEVICE_NOT_CONNECTED 0x8007048Fu

/* ---- NEGOTIATE (msgtype 0), both directions (D.3) ------------------------
 * Host: its framework versions then its message versions.  Guest: counts
 * 1/1 and the chosen pair (msgsize 16), or counts 0/0 when nothing matches. */
struct vmbus_ic_negotiate {
	uint16_t icframe_vercnt;  /* @0 */
	uint16_t icmsg_vercnt;    /* @2 */
	uint32_t reserved;        /* @4 */
	/* @8: struct vmbus_ic_version[icframe_vercnt + icmsg_vercnt] */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_ic_negotiate) == 8, "IC negotiate");
#define VMBUS_IC_NEGOTIATE_REPLY_SIZE 16u /* counts + 2 versions */

/* ---- HEARTBEAT (msgtype 1) (D.4) -----------------------------------------
 * Linux body 40 B; openvmm 16 B (u32 application state @8); a guest must
 * accept 8. */
struct vmbus_ic_heartbeat {
	uint64_t seq_num;         /* @0, the guest answers seq_num + 1 */
	uint32_t reserved[8];     /* @8 (openvmm: @8 application state) */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_ic_heartbeat) == 40, "heartbeat");
#define VMBUS_IC_HEARTBEAT_MIN_SIZE 8u

/* ---- SHUTDOWN (msgtype 3) (D.5) -------------------------------------------- */
#define VMBUS_IC_SHUTDOWN_FLAG_FORCE     0x1u
#define VMBUS_IC_SHUTDOWN_FLAG_RESTART   0x2u
#define VMBUS_IC_SHUTDOWN_FLAG_HIBERNATE 0x4u
#define VMBUS_IC_SHUTDOWN_FLAGS_KNOWN    0x7u
#define VMBUS_IC_SHUTDOWN_REASON_PLANNED 0x80000000u /* SHTDN_REASON_FLAG_PLANNED */
#define VMBUS_IC_SHUTDOWN_MSG_BYTES      2048u

struct vmbus_ic_shutdown {
	uint32_t reason_code;     /* @0 */
	uint32_t timeout_seconds; /* @4 */
	uint32_t flags;           /* @8, VMBUS_IC_SHUTDOWN_FLAG_* */
	uint8_t  display_message[VMBUS_IC_SHUTDOWN_MSG_BYTES]; /* @12 */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_ic_shutdown) == 2060, "shutdown");
_Static_assert(offsetof(struct vmbus_ic_shutdown, flags) == 8, "");
#define VMBUS_IC_SHUTDOWN_MIN_SIZE 12u /* through flags */

/* ---- TIMESYNC (msgtype 4) (D.6) ---------------------------------------------
 * Times are 100 ns units; parent_time is UTC since 1601-01-01. */
#define VMBUS_IC_TIMESYNC_PROBE  0x0u
#define VMBUS_IC_TIMESYNC_SYNC   0x1u
#define VMBUS_IC_TIMESYNC_SAMPLE 0x2u
#define VMBUS_IC_TIMESYNC_FLAGS_KNOWN 0x3u
#define VMBUS_IC_WLTIMEDELTA     116444736000000000ull /* 1601 -> 1970 */

/* Message versions below 4.0. */
struct vmbus_ic_timesync {
	uint64_t parent_time;     /* @0 */
	uint64_t child_time;      /* @8, unused */
	uint64_t round_trip_time; /* @16 */
	uint8_t  flags;           /* @24, VMBUS_IC_TIMESYNC_* */
	uint8_t  reserved[3];     /* @25, openvmm (Linux packs to 25 B) */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_ic_timesync) == 28, "timesync < 4.0");
#define VMBUS_IC_TIMESYNC_MIN_SIZE 25u

/* Message version 4.0 and later. */
struct vmbus_ic_timesync4 {
	uint64_t parent_time;       /* @0 */
	uint64_t vm_reference_time; /* @8, partition reference time at sampling */
	uint8_t  flags;             /* @16, VMBUS_IC_TIMESYNC_* */
	uint8_t  leap_indicator;    /* @17, NTP */
	uint8_t  stratum;           /* @18, NTP */
	uint8_t  reserved[5];       /* @19, openvmm 5 (Linux 3: 22 B) */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_ic_timesync4) == 24, "timesync 4.0");
_Static_assert(offsetof(struct vmbus_ic_timesync4, flags) == 16, "");
#define VMBUS_IC_TIMESYNC4_MIN_SIZE 17u /* through flags */

/* ---- KVP (msgtype 2) (D.7) ---------------------------------------------------- */
#define VMBUS_KVP_OP_GET         0u
#define VMBUS_KVP_OP_SET         1u
#define VMBUS_KVP_OP_DELETE      2u
#define VMBUS_KVP_OP_ENUMERATE   3u
#define VMBUS_KVP_OP_GET_IP_INFO 4u
#define VMBUS_KVP_OP_SET_IP_INFO 5u
#define VMBUS_KVP_OP_COUNT       6u

#define VMBUS_KVP_POOL_EXTERNAL      0u /* host writes (SET/DELETE), guest reads */
#define VMBUS_KVP_POOL_GUEST         1u /* guest writes, host reads (ENUMERATE/GET) */
#define VMBUS_KVP_POOL_AUTO          2u /* guest intrinsic items, host reads */
#define VMBUS_KVP_POOL_AUTO_EXTERNAL 3u /* host intrinsic items (host name ...) */
#define VMBUS_KVP_POOL_AUTO_INTERNAL 4u /* never on the wire (openvmm) */
#define VMBUS_KVP_POOL_COUNT         5u

#define VMBUS_KVP_REG_SZ        1u
#define VMBUS_KVP_REG_EXPAND_SZ 2u
#define VMBUS_KVP_REG_U32       4u
/* NOTE: 64-bit values are 8 in Linux, 11 (REG_QWORD) in openvmm: accept both. */
#define VMBUS_KVP_REG_U64       8u
#define VMBUS_KVP_REG_QWORD     11u

#define VMBUS_KVP_MAX_KEY_SIZE   512u  /* bytes of UTF-16 incl. NUL */
#define VMBUS_KVP_MAX_VALUE_SIZE 2048u

struct vmbus_kvp_hdr {
	uint8_t  operation;  /* @0, VMBUS_KVP_OP_* */
	uint8_t  pool;       /* @1, VMBUS_KVP_POOL_* */
	uint16_t pad;        /* @2 */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_kvp_hdr) == 4, "KVP header");

struct vmbus_kvp_value {
	uint32_t value_type;                        /* @0, VMBUS_KVP_REG_* */
	uint32_t key_size;                          /* @4, bytes incl. UTF-16 NUL */
	uint32_t value_size;                        /* @8 */
	uint8_t  key[VMBUS_KVP_MAX_KEY_SIZE];       /* @12, UTF-16LE */
	uint8_t  value[VMBUS_KVP_MAX_VALUE_SIZE];   /* @524 */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_kvp_value) == 2572, "KVP value record");
_Static_assert(offsetof(struct vmbus_kvp_value, value) == 524, "");

/* GET and SET */
struct vmbus_kvp_msg_getset {
	struct vmbus_kvp_hdr   hdr;   /* @0 */
	struct vmbus_kvp_value data;  /* @4 */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_kvp_msg_getset) == 2576, "KVP GET/SET");

struct vmbus_kvp_msg_delete {
	struct vmbus_kvp_hdr hdr;                  /* @0 */
	uint32_t key_size;                         /* @4 */
	uint8_t  key[VMBUS_KVP_MAX_KEY_SIZE];      /* @8 */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_kvp_msg_delete) == 520, "KVP DELETE");

struct vmbus_kvp_msg_enumerate {
	struct vmbus_kvp_hdr   hdr;   /* @0 */
	uint32_t               index; /* @4 */
	struct vmbus_kvp_value data;  /* @8 */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_kvp_msg_enumerate) == 2580, "KVP ENUMERATE");
_Static_assert(offsetof(struct vmbus_kvp_msg_enumerate, data) == 8, "");

/* GET_IP_INFO / SET_IP_INFO: no pad after op/pool. */
struct vmbus_kvp_msg_ip_info {
	uint8_t  operation;              /* @0 */
	uint8_t  pool;                   /* @1 */
	uint16_t adapter_id[128];        /* @2 */
	uint8_t  addr_family;            /* @258 */
	uint8_t  dhcp_enabled;           /* @259 */
	uint16_t ip_addr[1024];          /* @260 */
	uint16_t sub_net[1024];          /* @2308 */
	uint16_t gate_way[512];          /* @4356 */
	uint16_t dns_addr[1024];         /* @5380 */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_kvp_msg_ip_info) == 7428, "KVP IP info");
_Static_assert(offsetof(struct vmbus_kvp_msg_ip_info, dns_addr) == 5380, "");

/* Largest KVP body: IP info. */
#define VMBUS_KVP_MAX_BODY 7428u
_Static_assert(VMBUS_IC_HDRS_SIZE + VMBUS_KVP_MAX_BODY <= VMBUS_IC_MAX_MESSAGE, "");

#endif /* HYPERV_VMBUS_IC_H */
