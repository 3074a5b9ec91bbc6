/* vmbus_guid.h -- GUIDs in VMBus wire form: the 16-byte mixed-endian layout
 * and the device interface (class) and well-known instance GUIDs of
 * shared/protocol/vmbus.md section 9.  Header only: no code. */
#ifndef HYPERV_VMBUS_GUID_H
#define HYPERV_VMBUS_GUID_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* A GUID as it appears on the wire (offers, TL connect, INITIATE_CONTACT
 * client id).  Microsoft mixed-endian encoding of the text form
 * DDDDDDDD-WWWW-XXXX-YYYY-ZZZZZZZZZZZZ:
 *
 *   @0  4  Data1 = DDDDDDDD, little-endian
 *   @4  2  Data2 = WWWW, little-endian
 *   @6  2  Data3 = XXXX, little-endian
 *   @8  8  Data4 = YYYY ZZZZZZZZZZZZ, bytes in text order
 *
 * e.g. f8615163-df3e-46c5-913f-f2d2f965ed0e is
 * 63 51 61 f8 3e df c5 46 91 3f f2 d2 f9 65 ed 0e.
 * Kept as bytes so that no host byte order is involved; compare with memcmp. */
struct vmbus_guid {
	uint8_t bytes[16];
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_guid) == 16, "GUID");

#define VMBUS_GUID_DATA1_OFF 0u
#define VMBUS_GUID_DATA2_OFF 4u
#define VMBUS_GUID_DATA3_OFF 6u
#define VMBUS_GUID_DATA4_OFF 8u
#define VMBUS_GUID_STR_LEN   36u /* without the NUL */

/* Each VMBUS_GUID_x / VMBUS_INST_x below is a brace list of the 16 wire
 * bytes: use it as `struct vmbus_guid g = { VMBUS_GUID_NETVSC };` or
 * `uint8_t b[16] = VMBUS_GUID_NETVSC;`.  The _STR twin is the text form.
 * Interface GUIDs: LNX include/linux/hyperv.h, OVMM [2src]. */

/* Network (hv_netvsc): f8615163-df3e-46c5-913f-f2d2f965ed0e */
#define VMBUS_GUID_NETVSC { 0x63, 0x51, 0x61, 0xf8, 0x3e, 0xdf, 0xc5, 0x46, \
	0x91, 0x3f, 0xf2, 0xd2, 0xf9, 0x65, 0xed, 0x0e }
#define VMBUS_GUID_NETVSC_STR "f8615163-df3e-46c5-913f-f2d2f965ed0e"
/* SCSI (storvsc): ba6163d9-04a1-4d29-b605-72e2ffb1dc7f */
#define VMBUS_GUID_STORVSC { 0xd9, 0x63, 0x61, 0xba, 0xa1, 0x04, 0x29, 0x4d, \
	0xb6, 0x05, 0x72, 0xe2, 0xff, 0xb1, 0xdc, 0x7f }
#define VMBUS_GUID_STORVSC_STR "ba6163d9-04a1-4d29-b605-72e2ffb1dc7f"
/* IDE accelerator (storvsc fast path): 32412632-86cb-44a2-9b5c-50d1417354f5 */
#define VMBUS_GUID_IDE { 0x32, 0x26, 0x41, 0x32, 0xcb, 0x86, 0xa2, 0x44, \
	0x9b, 0x5c, 0x50, 0xd1, 0x41, 0x73, 0x54, 0xf5 }
#define VMBUS_GUID_IDE_STR "32412632-86cb-44a2-9b5c-50d1417354f5"
/* Heartbeat IC: 57164f39-9115-4e78-ab55-382f3bd5422d */
#define VMBUS_GUID_HEARTBEAT { 0x39, 0x4f, 0x16, 0x57, 0x15, 0x91, 0x78, 0x4e, \
	0xab, 0x55, 0x38, 0x2f, 0x3b, 0xd5, 0x42, 0x2d }
#define VMBUS_GUID_HEARTBEAT_STR "57164f39-9115-4e78-ab55-382f3bd5422d"
/* Shutdown IC: 0e0b6031-5213-4934-818b-38d90ced39db */
#define VMBUS_GUID_SHUTDOWN { 0x31, 0x60, 0x0b, 0x0e, 0x13, 0x52, 0x34, 0x49, \
	0x81, 0x8b, 0x38, 0xd9, 0x0c, 0xed, 0x39, 0xdb }
#define VMBUS_GUID_SHUTDOWN_STR "0e0b6031-5213-4934-818b-38d90ced39db"
/* Time sync IC: 9527e630-d0ae-497b-adce-e80ab0175caf */
#define VMBUS_GUID_TIMESYNC { 0x30, 0xe6, 0x27, 0x95, 0xae, 0xd0, 0x7b, 0x49, \
	0xad, 0xce, 0xe8, 0x0a, 0xb0, 0x17, 0x5c, 0xaf }
#define VMBUS_GUID_TIMESYNC_STR "9527e630-d0ae-497b-adce-e80ab0175caf"
/* KVP (data exchange) IC: a9a0f4e7-5a45-4d96-b827-8a841e8c03e6 */
#define VMBUS_GUID_KVP { 0xe7, 0xf4, 0xa0, 0xa9, 0x45, 0x5a, 0x96, 0x4d, \
	0xb8, 0x27, 0x8a, 0x84, 0x1e, 0x8c, 0x03, 0xe6 }
#define VMBUS_GUID_KVP_STR "a9a0f4e7-5a45-4d96-b827-8a841e8c03e6"
/* VSS (backup) IC: 35fa2e29-ea23-4236-96ae-3a6ebacba440 */
#define VMBUS_GUID_VSS { 0x29, 0x2e, 0xfa, 0x35, 0x23, 0xea, 0x36, 0x42, \
	0x96, 0xae, 0x3a, 0x6e, 0xba, 0xcb, 0xa4, 0x40 }
#define VMBUS_GUID_VSS_STR "35fa2e29-ea23-4236-96ae-3a6ebacba440"
/* File copy (guest services): 34d14be3-dee4-41c8-9ae7-6b174977c192 */
#define VMBUS_GUID_FCOPY { 0xe3, 0x4b, 0xd1, 0x34, 0xe4, 0xde, 0xc8, 0x41, \
	0x9a, 0xe7, 0x6b, 0x17, 0x49, 0x77, 0xc1, 0x92 }
#define VMBUS_GUID_FCOPY_STR "34d14be3-dee4-41c8-9ae7-6b174977c192"
/* Dynamic memory (hv_balloon): 525074dc-8985-46e2-8057-a307dc18a502 */
#define VMBUS_GUID_BALLOON { 0xdc, 0x74, 0x50, 0x52, 0x85, 0x89, 0xe2, 0x46, \
	0x80, 0x57, 0xa3, 0x07, 0xdc, 0x18, 0xa5, 0x02 }
#define VMBUS_GUID_BALLOON_STR "525074dc-8985-46e2-8057-a307dc18a502"
/* Synthetic keyboard: f912ad6d-2b17-48ea-bd65-f927a61c7684 */
#define VMBUS_GUID_KEYBOARD { 0x6d, 0xad, 0x12, 0xf9, 0x17, 0x2b, 0xea, 0x48, \
	0xbd, 0x65, 0xf9, 0x27, 0xa6, 0x1c, 0x76, 0x84 }
#define VMBUS_GUID_KEYBOARD_STR "f912ad6d-2b17-48ea-bd65-f927a61c7684"
/* Synthetic mouse / HID: cfa8b69e-5b4a-4cc0-b98b-8ba1a1f3f95a */
#define VMBUS_GUID_MOUSE { 0x9e, 0xb6, 0xa8, 0xcf, 0x4a, 0x5b, 0xc0, 0x4c, \
	0xb9, 0x8b, 0x8b, 0xa1, 0xa1, 0xf3, 0xf9, 0x5a }
#define VMBUS_GUID_MOUSE_STR "cfa8b69e-5b4a-4cc0-b98b-8ba1a1f3f95a"
/* Synthetic video: da0a7802-e377-4aac-8e77-0558eb1073f8 */
#define VMBUS_GUID_SYNTHVID { 0x02, 0x78, 0x0a, 0xda, 0x77, 0xe3, 0xac, 0x4a, \
	0x8e, 0x77, 0x05, 0x58, 0xeb, 0x10, 0x73, 0xf8 }
#define VMBUS_GUID_SYNTHVID_STR "da0a7802-e377-4aac-8e77-0558eb1073f8"
/* PCI pass-through (vPCI): 44c4f61d-4444-4400-9d52-802e27ede19f */
#define VMBUS_GUID_PCI { 0x1d, 0xf6, 0xc4, 0x44, 0x44, 0x44, 0x00, 0x44, \
	0x9d, 0x52, 0x80, 0x2e, 0x27, 0xed, 0xe1, 0x9f }
#define VMBUS_GUID_PCI_STR "44c4f61d-4444-4400-9d52-802e27ede19f"
/* Synthetic Fibre Channel: 2f9bcc4a-0069-4af3-b76b-6fd0be528cda */
#define VMBUS_GUID_SYNTHFC { 0x4a, 0xcc, 0x9b, 0x2f, 0x69, 0x00, 0xf3, 0x4a, \
	0xb7, 0x6b, 0x6f, 0xd0, 0xbe, 0x52, 0x8c, 0xda }
#define VMBUS_GUID_SYNTHFC_STR "2f9bcc4a-0069-4af3-b76b-6fd0be528cda"
/* NetworkDirect (RDMA): 8c2eaf3d-32a7-4b09-ab99-bd1f1c86b501 */
#define VMBUS_GUID_ND { 0x3d, 0xaf, 0x2e, 0x8c, 0xa7, 0x32, 0x09, 0x4b, \
	0xab, 0x99, 0xbd, 0x1f, 0x1c, 0x86, 0xb5, 0x01 }
#define VMBUS_GUID_ND_STR "8c2eaf3d-32a7-4b09-ab99-bd1f1c86b501"
/* AVMA #1 (Windows only): f8e65716-3cb3-4a06-9a60-1889c5cccab5 */
#define VMBUS_GUID_AVMA1 { 0x16, 0x57, 0xe6, 0xf8, 0xb3, 0x3c, 0x06, 0x4a, \
	0x9a, 0x60, 0x18, 0x89, 0xc5, 0xcc, 0xca, 0xb5 }
#define VMBUS_GUID_AVMA1_STR "f8e65716-3cb3-4a06-9a60-1889c5cccab5"
/* AVMA #2 (Windows only): 3375baf4-9e15-4b30-b765-67acb10d607b */
#define VMBUS_GUID_AVMA2 { 0xf4, 0xba, 0x75, 0x33, 0x15, 0x9e, 0x30, 0x4b, \
	0xb7, 0x65, 0x67, 0xac, 0xb1, 0x0d, 0x60, 0x7b }
#define VMBUS_GUID_AVMA2_STR "3375baf4-9e15-4b30-b765-67acb10d607b"
/* Remote Desktop Virtualization: 276aacf4-ac15-426c-98dd-7521ad3f01fe */
#define VMBUS_GUID_RDV { 0xf4, 0xac, 0x6a, 0x27, 0x15, 0xac, 0x6c, 0x42, \
	0x98, 0xdd, 0x75, 0x21, 0xad, 0x3f, 0x01, 0xfe }
#define VMBUS_GUID_RDV_STR "276aacf4-ac15-426c-98dd-7521ad3f01fe"
/* IMC / vmbfs (Windows only): c376c1c3-d276-48d2-90a9-c04748072c60 */
#define VMBUS_GUID_IMC { 0xc3, 0xc1, 0x76, 0xc3, 0x76, 0xd2, 0xd2, 0x48, \
	0x90, 0xa9, 0xc0, 0x47, 0x48, 0x07, 0x2c, 0x60 }
#define VMBUS_GUID_IMC_STR "c376c1c3-d276-48d2-90a9-c04748072c60"

/* hv_sock offers use the service id as interface and the endpoint id as
 * instance; sub-channels reuse the primary's two GUIDs. */

/* Instance GUIDs seen on real hosts (FIELD: Azure lsvmbus, FreeBSD devinfo;
 * some also used by OVMM).  Random per device on Hyper-V for NICs, SCSI
 * controllers and vPCI.  IDE instances encode the path in bytes 0-3 and the
 * target in bytes 4-5 (Linux storvsc). */
/* fd149e91-82e0-4a7d-afa6-2a4166cbd7c0 (FIELD) */
#define VMBUS_INST_HEARTBEAT { 0x91, 0x9e, 0x14, 0xfd, 0xe0, 0x82, 0x7d, 0x4a, \
	0xaf, 0xa6, 0x2a, 0x41, 0x66, 0xcb, 0xd7, 0xc0 }
#define VMBUS_INST_HEARTBEAT_STR "fd149e91-82e0-4a7d-afa6-2a4166cbd7c0"
/* b6650ff7-33bc-4840-8048-e0676786f393 (FIELD, OVMM) */
#define VMBUS_INST_SHUTDOWN { 0xf7, 0x0f, 0x65, 0xb6, 0xbc, 0x33, 0x40, 0x48, \
	0x80, 0x48, 0xe0, 0x67, 0x67, 0x86, 0xf3, 0x93 }
#define VMBUS_INST_SHUTDOWN_STR "b6650ff7-33bc-4840-8048-e0676786f393"
/* 2dd1ce17-079e-403c-b352-a1921ee207ee (FIELD, OVMM) */
#define VMBUS_INST_TIMESYNC { 0x17, 0xce, 0xd1, 0x2d, 0x9e, 0x07, 0x3c, 0x40, \
	0xb3, 0x52, 0xa1, 0x92, 0x1e, 0xe2, 0x07, 0xee }
#define VMBUS_INST_TIMESYNC_STR "2dd1ce17-079e-403c-b352-a1921ee207ee"
/* 242ff919-07db-4180-9c2e-b86cb68c8c55 (FIELD, OVMM) */
#define VMBUS_INST_KVP { 0x19, 0xf9, 0x2f, 0x24, 0xdb, 0x07, 0x80, 0x41, \
	0x9c, 0x2e, 0xb8, 0x6c, 0xb6, 0x8c, 0x8c, 0x55 }
#define VMBUS_INST_KVP_STR "242ff919-07db-4180-9c2e-b86cb68c8c55"
/* 2450ee40-33bf-4fbd-892e-9fb06e9214cf (FIELD) */
#define VMBUS_INST_VSS { 0x40, 0xee, 0x50, 0x24, 0xbf, 0x33, 0xbd, 0x4f, \
	0x89, 0x2e, 0x9f, 0xb0, 0x6e, 0x92, 0x14, 0xcf }
#define VMBUS_INST_VSS_STR "2450ee40-33bf-4fbd-892e-9fb06e9214cf"
/* eb765408-105f-49b6-b4aa-c123b64d17d4 (FIELD) */
#define VMBUS_INST_FCOPY { 0x08, 0x54, 0x76, 0xeb, 0x5f, 0x10, 0xb6, 0x49, \
	0xb4, 0xaa, 0xc1, 0x23, 0xb6, 0x4d, 0x17, 0xd4 }
#define VMBUS_INST_FCOPY_STR "eb765408-105f-49b6-b4aa-c123b64d17d4"
/* 1eccfd72-4b41-45ef-b73a-4a6e44c12924 (FIELD) */
#define VMBUS_INST_BALLOON { 0x72, 0xfd, 0xcc, 0x1e, 0x41, 0x4b, 0xef, 0x45, \
	0xb7, 0x3a, 0x4a, 0x6e, 0x44, 0xc1, 0x29, 0x24 }
#define VMBUS_INST_BALLOON_STR "1eccfd72-4b41-45ef-b73a-4a6e44c12924"
/* d34b2567-b9b6-42b9-8778-0a4ec0b955bf (FIELD, OVMM) */
#define VMBUS_INST_KEYBOARD { 0x67, 0x25, 0x4b, 0xd3, 0xb6, 0xb9, 0xb9, 0x42, \
	0x87, 0x78, 0x0a, 0x4e, 0xc0, 0xb9, 0x55, 0xbf }
#define VMBUS_INST_KEYBOARD_STR "d34b2567-b9b6-42b9-8778-0a4ec0b955bf"
/* 58f75a6d-d949-4320-99e1-a2a2576d581c (FIELD, OVMM) */
#define VMBUS_INST_MOUSE { 0x6d, 0x5a, 0xf7, 0x58, 0x49, 0xd9, 0x20, 0x43, \
	0x99, 0xe1, 0xa2, 0xa2, 0x57, 0x6d, 0x58, 0x1c }
#define VMBUS_INST_MOUSE_STR "58f75a6d-d949-4320-99e1-a2a2576d581c"
/* 5620e0c7-8062-4dce-aeb7-520c7ef76171 (FIELD) */
#define VMBUS_INST_SYNTHVID { 0xc7, 0xe0, 0x20, 0x56, 0x62, 0x80, 0xce, 0x4d, \
	0xae, 0xb7, 0x52, 0x0c, 0x7e, 0xf7, 0x61, 0x71 }
#define VMBUS_INST_SYNTHVID_STR "5620e0c7-8062-4dce-aeb7-520c7ef76171"
/* 99221fa0-24ad-11e2-be98-001aa01bbf6e (FIELD) */
#define VMBUS_INST_AVMA1 { 0xa0, 0x1f, 0x22, 0x99, 0xad, 0x24, 0xe2, 0x11, \
	0xbe, 0x98, 0x00, 0x1a, 0xa0, 0x1b, 0xbf, 0x6e }
#define VMBUS_INST_AVMA1_STR "99221fa0-24ad-11e2-be98-001aa01bbf6e"
/* 4487b255-b88c-403f-bb51-d1f69cf17f87 (FIELD) */
#define VMBUS_INST_AVMA2 { 0x55, 0xb2, 0x87, 0x44, 0x8c, 0xb8, 0x3f, 0x40, \
	0xbb, 0x51, 0xd1, 0xf6, 0x9c, 0xf1, 0x7f, 0x87 }
#define VMBUS_INST_AVMA2_STR "4487b255-b88c-403f-bb51-d1f69cf17f87"
/* f5bee29c-1741-4aad-a4c2-8fdedb46dcc2 (FIELD) */
#define VMBUS_INST_RDV { 0x9c, 0xe2, 0xbe, 0xf5, 0x41, 0x17, 0xad, 0x4a, \
	0xa4, 0xc2, 0x8f, 0xde, 0xdb, 0x46, 0xdc, 0xc2 }
#define VMBUS_INST_RDV_STR "f5bee29c-1741-4aad-a4c2-8fdedb46dcc2"
/* c4e5e7d1-d748-4afc-979d-683167910a55 (OVMM) */
#define VMBUS_INST_IMC { 0xd1, 0xe7, 0xe5, 0xc4, 0x48, 0xd7, 0xfc, 0x4a, \
	0x97, 0x9d, 0x68, 0x31, 0x67, 0x91, 0x0a, 0x55 }
#define VMBUS_INST_IMC_STR "c4e5e7d1-d748-4afc-979d-683167910a55"
/* 00000000-0000-8899-0000-000000000000 (FIELD: IDE controller 0) */
#define VMBUS_INST_IDE0 { 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x99, 0x88, \
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 }
#define VMBUS_INST_IDE0_STR "00000000-0000-8899-0000-000000000000"
/* 00000000-0001-8899-0000-000000000000 (FIELD: IDE controller 1) */
#define VMBUS_INST_IDE1 { 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x99, 0x88, \
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 }
#define VMBUS_INST_IDE1_STR "00000000-0001-8899-0000-000000000000"
/* f8b3781a-1e82-4818-a1c3-63d806ec15bb (FIELD: Azure first SCSI controller) */
#define VMBUS_INST_AZURE_SCSI0 { 0x1a, 0x78, 0xb3, 0xf8, 0x82, 0x1e, 0x18, 0x48, \
	0xa1, 0xc3, 0x63, 0xd8, 0x06, 0xec, 0x15, 0xbb }
#define VMBUS_INST_AZURE_SCSI0_STR "f8b3781a-1e82-4818-a1c3-63d806ec15bb"

/* The usual text form.  The first three fields are little endian on the
 * wire, so their bytes print in reverse. */
static inline void vmbus_guid_format(const struct vmbus_guid *g, char out[37])
{
	const uint8_t *b = g->bytes;
	snprintf(out, 37,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6], b[8], b[9], b[10], b[11], b[12],
		 b[13], b[14], b[15]);
}

#endif /* HYPERV_VMBUS_GUID_H */
