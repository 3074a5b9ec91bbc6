/* fz_vmbs.h -- a negotiated host VMBus server for fuzz targets: partition
 * (ws2022, 2 vCPUs, SynIC on), server at 5.3, two devices offered, channel 1
 * open on an 8-page ring (GPADL 0x100), with a device whose packet handler
 * exercises the guest-memory API.  Everything is created per input and
 * destroyed after it (no state carries over). */
#ifndef FUZZ_COMMON_FZ_VMBS_H
#define FUZZ_COMMON_FZ_VMBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct gmem;
struct part;
struct vmbs;
struct vmbs_chan;

#define FZ_VMBS_MEM    (2u << 20)
#define FZ_VMBS_SIMP(vp) (0x10000ull + (vp) * 0x2000ull)
#define FZ_VMBS_SIEF(vp) (0x11000ull + (vp) * 0x2000ull)
#define FZ_VMBS_IN     0x20000ull
#define FZ_VMBS_MON1   0x21000ull
#define FZ_VMBS_MON2   0x22000ull
#define FZ_VMBS_RING   0x40000ull  /* 8 pages: GPADL 0x100, channel 1's rings */
#define FZ_VMBS_AREA   0x40000ull  /* 64 KiB the input may scribble on */
#define FZ_VMBS_MAX_GPADLS 32u

struct fz_vmbs {
	struct gmem *gm;           /* process-wide, zeroed per input */
	struct part *p;
	struct vmbs *vb;
	struct vmbs_chan *dev1;    /* monitored, up to 4 sub-channels */
	struct vmbs_chan *dev2;    /* removable */
};

/* Build the negotiated state; aborts on failure (a fixture bug).  With
 * check, the protocol checker runs from the server's creation on. */
void fz_vmbs_setup(struct fz_vmbs *f, bool check);
void fz_vmbs_teardown(struct fz_vmbs *f);

/* HvPostMessage of up to 240 bytes on connection conn. */
void fz_vmbs_post(struct fz_vmbs *f, uint32_t conn, const void *msg, uint32_t len);
/* Take (and EOM) whatever sits in both vCPUs' SINT 2 slots. */
void fz_vmbs_drain(struct fz_vmbs *f);
/* Pump until idle or 4 rounds, then check the GPADL cap (abort if broken). */
void fz_vmbs_pump(struct fz_vmbs *f);

/* One generic action {op, bytes} shared by the host targets:
 *   op % 8 == 0/1: post on connection 1/4; 2: u16 offset + bytes written to
 *   the ring area; 3: signal events; 4: drain the SIMP slots; 5: device 2
 *   removed/added; 6: the monitor page's pending words; 7: sub-channels
 *   offered for device 1. */
void fz_vmbs_action(struct fz_vmbs *f, uint8_t op, const uint8_t *b, uint8_t len);

#endif /* FUZZ_COMMON_FZ_VMBS_H */
