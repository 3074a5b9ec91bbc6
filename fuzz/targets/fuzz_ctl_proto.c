/* fuzz_ctl_proto.c -- hvsim-hostd's control-message parser and session
 * dispatcher (hsess_input) fed arbitrary datagrams, plus doorbell bits, with
 * no socket: what a hostile guest process can send to the daemon.
 *
 * Input: byte 0 bit 0 = start with a valid HELLO (ws2022, 1 + (byte0 >> 1)
 * % 4 vCPUs, 64 KiB) so the fuzzer reaches the RPCs; then records
 * [len u8][len bytes] each handed over as one datagram, except len 0xFF:
 * [0xFF][conn u16 LE] sets that doorbell bit in the shared control page
 * and runs the doorbell.  Stops at the first message the daemon would drop
 * the connection for. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sim/hostd/daemon/ctl_proto.h"
#include "sim/hostd/daemon/hsess.h"

#define FUZZ_MEM (64u << 10)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t fuzz_clock;

static uint64_t fuzz_now(void *arg)
{
	return fuzz_clock;
}

static void fuzz_deadline(void *arg, uint64_t mono_ns)
{
	uint64_t *d = arg;
	*d = mono_ns;
}

static bool fuzz_admit(void *arg) { return true; }

static void fuzz_stats(void *arg, uint64_t v[4])
{
	memset(v, 0, 4 * sizeof v[0]);
}

/* Ring doorbell bit 'conn' the way the guest would (ctl_proto.h); the
 * eventfd itself is not needed, hsess_doorbell tolerates an empty one. */
static void fuzz_ring(struct hsess *s, uint16_t conn)
{
	struct ctl_page *cp = hsess_ctl_page(s);
	if (!cp || hsess_state(s) != HSESS_READY || conn >= CTL_DB_CONNS)
		return;
	__atomic_fetch_or(&cp->cp_doorbell[conn / 64u], 1ull << (conn % 64u),
			  __ATOMIC_SEQ_CST);
	__atomic_store_n(&cp->cp_db_kicked, 1u, __ATOMIC_SEQ_CST);
	hsess_doorbell(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	/* The pure HELLO parser on the raw input, too. */
	struct ctl_hello parsed;
	(void)hsess_parse_hello(data, size, FUZZ_MEM, &parsed);

	uint64_t deadline = UINT64_MAX;
	fuzz_clock = 1000000000ull;
	struct hsess_env env = {
		.max_mem_bytes = FUZZ_MEM,
		.test_hooks = true,
		.tag = "fuzz",
		.now_ns = fuzz_now,
		.deadline = fuzz_deadline,
		.admit = fuzz_admit,
		.stats = fuzz_stats,
		.arg = &deadline,
	};
	struct hsess *s = hsess_new(&env);
	if (!s)
		return 0;
	struct hsess_out out;
	memset(&out, 0, sizeof out);
	int rc = 0;
	if (data[0] & 1) {
		struct ctl_hello h;
		memset(&h, 0, sizeof h);
		h.h.magic = CTL_MAGIC;
		h.h.type = CTL_HELLO;
		h.h.len = sizeof h;
		h.version = CTL_PROTO_VERSION;
		h.ncpus = 1u + (data[0] >> 1) % 4u;
		h.mem_bytes = FUZZ_MEM;
		memcpy(h.profile, "ws2022", 7);
		rc = hsess_input(s, &h, sizeof h, &out);
	}
	size_t off = 1;
	while (rc == 0 && hsess_state(s) != HSESS_FAILED && off < size) {
		uint8_t len = data[off++];
		if (len == 0xFF) {
			if (size - off < 2)
				break;
			uint16_t conn = (uint16_t)(data[off] | data[off + 1] << 8);
			off += 2;
			fuzz_ring(s, conn);
			continue;
		}
		if (len > size - off)
			len = (uint8_t)(size - off);
		/* A private copy of exactly len bytes so ASan sees overreads. */
		uint8_t *msg = malloc(len ? len : 1);
		if (!msg)
			break;
		memcpy(msg, data + off, len);
		off += len;
		rc = hsess_input(s, msg, len, &out);
		free(msg);
		fuzz_clock += 1000000u; /* 1 ms per message: timers can expire */
		if (deadline != UINT64_MAX && deadline <= fuzz_clock)
			hsess_tick(s);
	}
	hsess_free(s);
	return 0;
}
