/* fz_hn.h -- hostile host packets into a channel-less hn interface in a
 * booted inproc guest (fuzz_netvsc_rx, fuzz_netvsc_nvsp).  Input: u8 cfg
 * (bits 0-1: queues - 1; bit 2: NVSP 5 instead of 6.1), then records
 * {u8 sel, u16 len, len bytes}:
 *   sel & 3        queue
 *   sel & 4        the bytes go into the receive buffer at offset u16(first 2 bytes)
 *                  (else a packet: u8 offset8, u64 transaction id, bytes 16.. of it)
 *   sel >> 3 & 3   packet type: opts->types[]
 *   sel & 0x20     requests outstanding first (always with opts->always_expect)
 * Invariants: no crash, no sanitizer report, no leak. */
#ifndef FUZZ_COMMON_FZ_HN_H
#define FUZZ_COMMON_FZ_HN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fz_hn_opts {
	uint16_t types[4];   /* VMBUS_PKT_* for sel >> 3 & 3 */
	bool always_expect;  /* requests outstanding before every record */
};

int fz_hn_run(const uint8_t *data, size_t size, const struct fz_hn_opts *o);

#endif /* FUZZ_COMMON_FZ_HN_H */
