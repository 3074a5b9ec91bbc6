/* icvsp_utf.c -- the host's UTF-8 <-> UTF-16LE conversion for KVP keys and
 * values, strict on both sides (RELIABILITY 91). */
#include <errno.h>
#include <string.h>

#include "sim/devices/ic/icvsp_var.h"

/* Decode one UTF-8 sequence; returns its length or 0 when malformed
 * (overlong, surrogate, > U+10FFFF, truncated). */
static unsigned utf8_decode(const unsigned char *p, uint32_t *cp)
{
	unsigned n;
	uint32_t c = p[0], min;
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if ((c & 0xE0) == 0xC0) {
		n = 2, c &= 0x1F, min = 0x80;
	} else if ((c & 0xF0) == 0xE0) {
		n = 3, c &= 0x0F, min = 0x800;
	} else if ((c & 0xF8) == 0xF0) {
		n = 4, c &= 0x07, min = 0x10000;
	} else {
		return 0;
	}
	for (unsigned i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80) /* also stops at the NUL */
			return 0;
		c = (c << 6) | (p[i] & 0x3Fu);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return n;
}

static int put16(uint8_t *out, uint32_t cap, uint32_t *pos, uint32_t u)
{
	if (*pos > cap || cap - *pos < 2)
		return -ENOSPC;
	out[*pos] = (uint8_t)u;
	out[*pos + 1] = (uint8_t)(u >> 8);
	*pos += 2;
	return 0;
}

int icvsp_utf8_to_utf16(const char *in, uint8_t *out, uint32_t cap, uint32_t *size)
{
	const unsigned char *p = (const unsigned char *)in;
	uint32_t pos = 0;
	while (*p) {
		uint32_t cp;
		unsigned n = utf8_decode(p, &cp);
		if (!n)
			return -EINVAL;
		p += n;
		int rc;
		if (cp >= 0x10000) {
			cp -= 0x10000;
			if ((rc = put16(out, cap, &pos, 0xD800 | (cp >> 10))) ||
			    (rc = put16(out, cap, &pos, 0xDC00 | (cp & 0x3FF))))
				return rc;
		} else if ((rc = put16(out, cap, &pos, cp))) {
			return rc;
		}
	}
	int rc = put16(out, cap, &pos, 0);
	if (rc)
		return rc;
	*size = pos;
	return 0;
}

static int put8(char *out, size_t cap, size_t *pos, const unsigned char *b, unsigned n)
{
	if (*pos >= cap || cap - *pos <= n) /* keep room for the NUL */
		return -ENOSPC;
	memcpy(out + *pos, b, n);
	*pos += n;
	return 0;
}

int icvsp_utf16_to_utf8(const uint8_t *in, uint32_t size, char *out, size_t cap)
{
	if (cap == 0)
		return -ENOSPC;
	if (size < 2 || size % 2 || in[size - 2] || in[size - 1])
		return -EINVAL; /* odd, empty or not NUL-terminated */
	size_t pos = 0;
	for (uint32_t i = 0; i + 1 < size; i += 2) {
		uint32_t u = (uint32_t)in[i] | ((uint32_t)in[i + 1] << 8);
		if (u == 0)
			break;
		if (u >= 0xDC00 && u <= 0xDFFF)
			return -EINVAL; /* lone low surrogate */
		if (u >= 0xD800 && u <= 0xDBFF) {
			if (i + 3 >= size)
				return -EINVAL;
			uint32_t lo = (uint32_t)in[i + 2] | ((uint32_t)in[i + 3] << 8);
			if (lo < 0xDC00 || lo > 0xDFFF)
				return -EINVAL;
			u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
			i += 2;
		}
		unsigned char b[4];
		unsigned n;
		if (u < 0x80) {
			b[0] = (unsigned char)u, n = 1;
		} else if (u < 0x800) {
			b[0] = (unsigned char)(0xC0 | (u >> 6));
			b[1] = (unsigned char)(0x80 | (u & 0x3F)), n = 2;
		} else if (u < 0x10000) {
			b[0] = (unsigned char)(0xE0 | (u >> 12));
			b[1] = (unsigned char)(0x80 | ((u >> 6) & 0x3F));
			b[2] = (unsigned char)(0x80 | (u & 0x3F)), n = 3;
		} else {
			b[0] = (unsigned char)(0xF0 | (u >> 18));
			b[1] = (unsigned char)(0x80 | ((u >> 12) & 0x3F));
			b[2] = (unsigned char)(0x80 | ((u >> 6) & 0x3F));
			b[3] = (unsigned char)(0x80 | (u & 0x3F)), n = 4;
		}
		int rc = put8(out, cap, &pos, b, n);
		if (rc)
			return rc;
	}
	out[pos] = '\0';
	return 0;
}
