/* capture_pcapng.c -- a minimal pcapng writer: one section header, one
 * interface (link type, name, 100 ns timestamps), enhanced packet blocks.
 * libpcap only writes classic pcap, which has no timestamp resolution
 * below 1 ns and no interface name, so the blocks are written here; every
 * field is little-endian (the section's byte-order magic says so). */
#include "sim/devices/capture/capture_var.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/devices/capture/capture_wire.h"

struct cap_pcapng {
	FILE *w_f;
	int   w_err;       /* first write error (negative errno), sticky */
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	for (unsigned i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t pad4(uint32_t n)
{
	return (n + 3u) & ~3u;
}

/* One option (code, length, value padded to 4) at p; returns its size. */
static uint32_t put_opt(uint8_t *p, uint16_t code, const void *val, uint16_t len)
{
	put16(p, code);
	put16(p + 2, len);
	memset(p + 4, 0, pad4(len));
	memcpy(p + 4, val, len);
	return 4 + pad4(len);
}

static int w_put(struct cap_pcapng *w, const void *p, size_t n)
{
	if (w->w_err)
		return w->w_err;
	if (n && fwrite(p, 1, n, w->w_f) != n)
		w->w_err = errno ? -errno : -EIO;
	return w->w_err;
}

/* Section header + interface description, as one buffer each. */
static int w_headers(struct cap_pcapng *w, uint16_t linktype, const char *ifname,
		     const char *appl)
{
	uint8_t b[512];
	size_t nl = strlen(ifname), al = strlen(appl);
	if (nl > 200 || al > 200)
		return -EINVAL;
	/* SHB: type, length, byte-order magic, version 1.0, section length
	 * -1 (unknown), options, length again. */
	uint32_t n = 0;
	put32(b, PCAPNG_BT_SHB);
	put32(b + 8, PCAPNG_BYTE_ORDER);
	put16(b + 12, 1);
	put16(b + 14, 0);
	memset(b + 16, 0xff, 8);
	n = 24;
	n += put_opt(b + n, PCAPNG_OPT_SHB_USERAPPL, appl, (uint16_t)al);
	n += put_opt(b + n, PCAPNG_OPT_END, "", 0);
	put32(b + n, n + 4);
	put32(b + 4, n + 4);
	if (w_put(w, b, n + 4))
		return w->w_err;
	/* IDB: link type, reserved, snaplen, if_name, if_tsresol = 7
	 * (10^-7 s, the reference time's unit). */
	static const uint8_t tsresol = 7;
	put32(b, PCAPNG_BT_IDB);
	put16(b + 8, linktype);
	put16(b + 10, 0);
	put32(b + 12, CAP_SNAPLEN);
	n = 16;
	n += put_opt(b + n, PCAPNG_OPT_IF_NAME, ifname, (uint16_t)nl);
	n += put_opt(b + n, PCAPNG_OPT_IF_TSRESOL, &tsresol, 1);
	n += put_opt(b + n, PCAPNG_OPT_END, "", 0);
	put32(b + n, n + 4);
	put32(b + 4, n + 4);
	return w_put(w, b, n + 4);
}

int cap_pcapng_open(const char *path, uint16_t linktype, const char *ifname, const char *appl,
		    struct cap_pcapng **out)
{
	struct cap_pcapng *w = calloc(1, sizeof *w);
	if (!w)
		return -ENOMEM;
	w->w_f = fopen(path, "wb");
	if (!w->w_f) {
		int e = errno ? -errno : -EIO;
		free(w);
		return e;
	}
	int rc = w_headers(w, linktype, ifname, appl);
	if (rc == 0 && fflush(w->w_f) != 0)
		rc = -errno;
	if (rc) {
		fclose(w->w_f);
		free(w);
		return rc;
	}
	*out = w;
	return 0;
}

int cap_pcapng_write(struct cap_pcapng *w, uint64_t ts, const struct cap_piece *pc, unsigned n)
{
	uint64_t orig = 0;
	for (unsigned i = 0; i < n; i++)
		orig += pc[i].len;
	uint32_t caplen = orig > CAP_SNAPLEN ? CAP_SNAPLEN : (uint32_t)orig;
	/* EPB: type, length, interface 0, timestamp high/low, captured and
	 * original length, data padded to 4, no options, length again. */
	uint8_t h[28];
	uint32_t total = 28 + pad4(caplen) + 4;
	put32(h, PCAPNG_BT_EPB);
	put32(h + 4, total);
	put32(h + 8, 0);
	put32(h + 12, (uint32_t)(ts >> 32));
	put32(h + 16, (uint32_t)ts);
	put32(h + 20, caplen);
	put32(h + 24, orig > UINT32_MAX ? UINT32_MAX : (uint32_t)orig);
	w_put(w, h, sizeof h);
	uint32_t left = caplen;
	for (unsigned i = 0; i < n && left; i++) {
		uint32_t k = pc[i].len < left ? pc[i].len : left;
		w_put(w, pc[i].base, k);
		left -= k;
	}
	static const uint8_t zero[3];
	uint8_t t[4];
	put32(t, total);
	w_put(w, zero, pad4(caplen) - caplen);
	w_put(w, t, 4);
	/* Flushed per record: a capture must survive the crash it documents. */
	if (!w->w_err && fflush(w->w_f) != 0)
		w->w_err = errno ? -errno : -EIO;
	return w->w_err;
}

int cap_pcapng_close(struct cap_pcapng *w)
{
	if (!w)
		return 0;
	int rc = w->w_err;
	if (fclose(w->w_f) != 0 && !rc)
		rc = errno ? -errno : -EIO;
	free(w);
	return rc;
}
