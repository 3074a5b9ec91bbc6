/* capture_wire.h -- the VMBus capture file format: pcapng (one section,
 * one interface) with link type CAP_LINKTYPE, each packet our 16-byte
 * record header followed by the raw bytes.  tools/wireshark/hvsim_vmbus.lua
 * reads it; docs/scenarios.md ("Capture") describes it for users.
 *
 * Record header, little-endian:
 *   @0  u8   version   CAP_REC_VERSION
 *   @1  u8   hdr_len   bytes before the raw bytes (16; a reader skips
 *                      hdr_len, so later versions may append fields)
 *   @2  u8   kind      CAP_KIND_MSG (SynIC channel message) / CAP_KIND_PKT (ring packet)
 *   @3  u8   dir       CAP_DIR_G2H / CAP_DIR_H2G
 *   @4  u32  relid     packet: its channel; message: the relid it names (0 none)
 *   @8  u16  type      message: VMBUS_MSG_*; packet: descriptor type VMBUS_PKT_*
 *   @10 u16  subidx    packet: sub-channel index (0: the primary)
 *   @12 u8   dev       packet: device class of the channel, CAP_DEV_*
 *   @13 u8   reserved  0
 *   @14 u16  conn      message: SynIC connection id (1; 4 for a 5.0+ INITIATE_CONTACT)
 *
 * Raw bytes: a message's payload (240 bytes at most, starting with
 * struct vmbus_msg_hdr); a packet as it sits in the ring, descriptor first
 * (guest packets with their padding to 8, host packets without it).
 *
 * Timestamps: the partition's reference time (virtual clock, 100 ns units
 * since the partition was created), stated by if_tsresol = 7, so a tool
 * shows them as seconds after 1970-01-01 00:00:00. */
#ifndef SIM_DEVICES_CAPTURE_CAPTURE_WIRE_H
#define SIM_DEVICES_CAPTURE_CAPTURE_WIRE_H

#include <stddef.h>
#include <stdint.h>

/* LINKTYPE_USER0 (DLT_USER0, 147): the user range 147..162 is reserved for
 * private formats, so no stock dissector claims it. */
#define CAP_LINKTYPE        147u
#define CAP_REC_VERSION     1u
#define CAP_SNAPLEN         262144u  /* Wireshark's largest packet; ring packets stay far below */

enum { CAP_KIND_MSG = 0, CAP_KIND_PKT = 1 };
enum { CAP_DIR_G2H = 0, CAP_DIR_H2G = 1 };

/* Device classes (by interface GUID); append only, the dissector knows them. */
enum {
	CAP_DEV_UNKNOWN = 0,
	CAP_DEV_NET = 1,        /* netvsc: NVSP, RNDIS inside */
	CAP_DEV_SCSI = 2,       /* storvsc: VSTOR */
	CAP_DEV_IDE = 3,        /* storvsc IDE accelerator: VSTOR */
	CAP_DEV_HEARTBEAT = 4,
	CAP_DEV_SHUTDOWN = 5,
	CAP_DEV_TIMESYNC = 6,
	CAP_DEV_KVP = 7,
	CAP_DEV_VSS = 8,
	CAP_DEV_FCOPY = 9,
};

struct cap_rec_hdr {
	uint8_t  version;
	uint8_t  hdr_len;
	uint8_t  kind;
	uint8_t  dir;
	uint32_t relid;
	uint16_t type;
	uint16_t subidx;
	uint8_t  dev;
	uint8_t  reserved;
	uint16_t conn;
} __attribute__((packed));
_Static_assert(sizeof(struct cap_rec_hdr) == 16, "capture record header");
_Static_assert(offsetof(struct cap_rec_hdr, relid) == 4, "relid @4");
_Static_assert(offsetof(struct cap_rec_hdr, type) == 8, "type @8");
_Static_assert(offsetof(struct cap_rec_hdr, dev) == 12, "dev @12");
_Static_assert(offsetof(struct cap_rec_hdr, conn) == 14, "conn @14");

/* pcapng block types and options used (pcapng spec, IETF draft
 * draft-ietf-opsawg-pcapng). */
#define PCAPNG_BT_SHB        0x0A0D0D0Au
#define PCAPNG_BT_IDB        0x00000001u
#define PCAPNG_BT_EPB        0x00000006u
#define PCAPNG_BYTE_ORDER    0x1A2B3C4Du
#define PCAPNG_OPT_END       0u
#define PCAPNG_OPT_SHB_USERAPPL 4u
#define PCAPNG_OPT_IF_NAME   2u
#define PCAPNG_OPT_IF_TSRESOL 9u

#endif /* SIM_DEVICES_CAPTURE_CAPTURE_WIRE_H */
