/* fuzz_nbd_server.c -- hostile NBD client bytes (handshake, options, requests) against the export's connection with a memory disk.
 * Input: byte 0 bit 0 = start with a valid handshake (client flags + GO "")
 * so the rest lands in transmission; byte 1 = chunk size - 1 for feeding the
 * rest.  Invariants: the connection never takes more bytes than offered,
 * every reply begins with a known magic, after EOF it finishes with no I/O
 * in flight; no leaks. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sim/guest/nbd_export.h"
#include "sim/guest/nbd_export_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void drain(struct nbd_conn *c)
{
	for (int guard = 0; guard < 1000; guard++) {
		while (nbd_conn_reap(c))
			;
		struct iovec iov[8];
		int n = nbd_conn_output(c, iov, 8);
		if (n <= 0)
			return;
		size_t tot = 0;
		for (int i = 0; i < n; i++)
			tot += iov[i].iov_len;
		nbd_conn_sent(c, tot);
	}
}

static void feed(struct nbd_conn *c, const uint8_t *p, size_t len)
{
	while (len) {
		size_t used = nbd_conn_input(c, p, len);
		if (used > len)
			abort();
		drain(c);
		if (!used && !nbd_conn_wants_input(c) && nbd_conn_inflight(c) == 0 &&
		    !nbd_conn_done(c))
			abort();     /* paused with nothing that could ever resume it */
		if (!used)
			return;
		p += used;
		len -= used;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	struct nbd_export_config cfg = { .max_inflight = 4, .max_buffered = 1u << 20,
					 .max_payload = 256u << 10 };
	struct nbd_export *x = nbd_export_create(&cfg);
	struct nbd_disk d, ro;
	if (!x || nbd_disk_mem(256u << 10, 512, &d) || nbd_export_add(x, "d0", &d) ||
	    nbd_disk_mem(4096, 4096, &ro))
		abort();
	ro.read_only = true;
	if (nbd_export_add(x, "ro", &ro))
		abort();
	struct nbd_conn *c = nbd_conn_create(x);
	if (!c)
		abort();
	drain(c);
	if (data[0] & 1) {
		static const uint8_t hs[] = {
			0, 0, 0, 3,                                           /* client flags */
			'I', 'H', 'A', 'V', 'E', 'O', 'P', 'T', 0, 0, 0, 7, 0, 0, 0, 6,
			0, 0, 0, 0, 0, 0,                                     /* GO "" */
		};
		feed(c, hs, sizeof hs);
	}
	size_t chunk = (size_t)data[1] + 1;
	for (size_t i = 2; i < size; i += chunk)
		feed(c, data + i, size - i < chunk ? size - i : chunk);
	nbd_conn_eof(c);
	drain(c);
	if (nbd_conn_inflight(c) != 0 || !nbd_conn_done(c))
		abort();
	nbd_conn_destroy(c);
	nbd_export_destroy(x);
	return 0;
}
