/* nbd_export_wire.h -- NBD protocol constants (fixed newstyle handshake, simple replies), from the NBD project's doc/proto.md. */
#ifndef SIM_GUEST_NBD_EXPORT_WIRE_H
#define SIM_GUEST_NBD_EXPORT_WIRE_H

#include <stdint.h>

/* All fields are big-endian on the wire. */

/* Greeting (S->C, 18 bytes): NBDMAGIC, IHAVEOPT, u16 handshake flags. */
#define NBD_MAGIC               0x4e42444d41474943ull  /* "NBDMAGIC" */
#define NBD_OPTS_MAGIC          0x49484156454f5054ull  /* "IHAVEOPT" */
#define NBD_GREETING_LEN        18u
/* handshake flags (S->C) */
#define NBD_FLAG_FIXED_NEWSTYLE (1u << 0)
#define NBD_FLAG_NO_ZEROES      (1u << 1)
/* client flags (C->S, u32) */
#define NBD_FLAG_C_FIXED_NEWSTYLE (1u << 0)
#define NBD_FLAG_C_NO_ZEROES      (1u << 1)

/* Option request (C->S): u64 IHAVEOPT, u32 option, u32 length, data. */
#define NBD_OPT_HDR_LEN         16u
#define NBD_OPT_EXPORT_NAME     1u
#define NBD_OPT_ABORT           2u
#define NBD_OPT_LIST            3u
#define NBD_OPT_STARTTLS        5u
#define NBD_OPT_INFO            6u
#define NBD_OPT_GO              7u
#define NBD_OPT_STRUCTURED_REPLY 8u
#define NBD_OPT_LIST_META_CONTEXT 9u
#define NBD_OPT_SET_META_CONTEXT 10u

/* Option reply (S->C): u64 magic, u32 option, u32 reply type, u32 length, data. */
#define NBD_REP_MAGIC           0x0003e889045565a9ull
#define NBD_REP_HDR_LEN         20u
#define NBD_REP_ACK             1u
#define NBD_REP_SERVER          2u
#define NBD_REP_INFO            3u
#define NBD_REP_ERR_BIT         0x80000000u
#define NBD_REP_ERR_UNSUP       (NBD_REP_ERR_BIT + 1u)
#define NBD_REP_ERR_POLICY      (NBD_REP_ERR_BIT + 2u)
#define NBD_REP_ERR_INVALID     (NBD_REP_ERR_BIT + 3u)
#define NBD_REP_ERR_UNKNOWN     (NBD_REP_ERR_BIT + 6u)
#define NBD_REP_ERR_TOO_BIG     (NBD_REP_ERR_BIT + 9u)

/* NBD_REP_INFO payloads: u16 type, then per type. */
#define NBD_INFO_EXPORT         0u   /* u64 size, u16 transmission flags */
#define NBD_INFO_NAME           1u   /* name */
#define NBD_INFO_DESCRIPTION    2u   /* text */
#define NBD_INFO_BLOCK_SIZE     3u   /* u32 minimum, u32 preferred, u32 maximum */

/* EXPORT_NAME answer: u64 size, u16 transmission flags, 124 zero bytes
 * unless both sides set NO_ZEROES. */
#define NBD_EXPORT_NAME_REPLY_LEN 10u
#define NBD_ZERO_PAD_LEN        124u

/* transmission flags (u16) */
#define NBD_FLAG_HAS_FLAGS      (1u << 0)
#define NBD_FLAG_READ_ONLY      (1u << 1)
#define NBD_FLAG_SEND_FLUSH     (1u << 2)
#define NBD_FLAG_SEND_FUA       (1u << 3)
#define NBD_FLAG_ROTATIONAL     (1u << 4)
#define NBD_FLAG_SEND_TRIM      (1u << 5)
#define NBD_FLAG_SEND_WRITE_ZEROES (1u << 6)

/* Request (C->S, 28 bytes): u32 magic, u16 flags, u16 type, u64 cookie,
 * u64 offset, u32 length, then length bytes for WRITE. */
#define NBD_REQUEST_MAGIC       0x25609513u
#define NBD_REQUEST_LEN         28u
#define NBD_CMD_READ            0u
#define NBD_CMD_WRITE           1u
#define NBD_CMD_DISC            2u
#define NBD_CMD_FLUSH           3u
#define NBD_CMD_TRIM            4u
#define NBD_CMD_CACHE           5u
#define NBD_CMD_WRITE_ZEROES    6u
#define NBD_CMD_BLOCK_STATUS    7u
/* command flags */
#define NBD_CMD_FLAG_FUA        (1u << 0)
#define NBD_CMD_FLAG_NO_HOLE    (1u << 1)

/* Simple reply (S->C, 16 bytes): u32 magic, u32 error, u64 cookie, then
 * the data of a successful READ (none after an error). */
#define NBD_SIMPLE_REPLY_MAGIC  0x67446698u
#define NBD_SIMPLE_REPLY_LEN    16u

/* error values (not host errno: the protocol's own list) */
#define NBD_EPERM               1u
#define NBD_EIO                 5u
#define NBD_ENOMEM              12u
#define NBD_EINVAL              22u
#define NBD_ENOSPC              28u
#define NBD_EOVERFLOW           75u
#define NBD_ENOTSUP             95u
#define NBD_ESHUTDOWN           108u

/* A client should keep READ/WRITE at or below 32 MiB unless told otherwise. */
#define NBD_DEFAULT_MAX_PAYLOAD (32u << 20)
/* Strings (export names) must be at most 4096 bytes. */
#define NBD_MAX_STRING          4096u

#endif /* SIM_GUEST_NBD_EXPORT_WIRE_H */
