/* hvic_utf.c -- the guest's UTF-16LE <-> UTF-8 conversion for KVP keys and
 * values: even sizes, a final NUL unit, paired surrogates (RELIABILITY 91). */
#include <errno.h>
#include <string.h>

#include "guest_drivers/utils/hvic_var.h"

int hvic_utf16_to_utf8(const uint8_t *in, uint32_t size, char *out, uint32_t cap)
{
	if (cap == 0)
		return -ENOSPC;
	if (size < 2 || (size & 1u) || in[size - 2] || in[size - 1])
		return -EINVAL;
	uint32_t o = 0;
	for (uint32_t i = 0; i + 1 < size; i += 2) {
		uint32_t u = in[i] | (uint32_t)in[i + 1] << 8;
		if (u == 0)
			break;
		if (u >= 0xDC00 && u <= 0xDFFF)
			return -EINVAL;
		if (u >= 0xD800 && u <= 0xDBFF) {
			if (i + 3 >= size)
				return -EINVAL;
			uint32_t lo = in[i + 2] | (uint32_t)in[i + 3] << 8;
			if (lo < 0xDC00 || lo > 0xDFFF)
				return -EINVAL;
			u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
			i += 2;
		}
		unsigned n = u < 0x80 ? 1 : u < 0x800 ? 2 : u < 0x10000 ? 3 : 4;
		if (cap - o <= n)
			return -ENOSPC;
		if (n == 1) {
			out[o++] = (char)u;
			continue;
		}
		static const uint8_t lead[5] = { 0, 0, 0xC0, 0xE0, 0xF0 };
		for (unsigned k = n; k-- > 1;) {
			out[o + k] = (char)(0x80 | (u & 0x3F));
			u >>= 6;
		}
		out[o] = (char)(lead[n] | u);
		o += n;
	}
	out[o] = '\0';
	return 0;
}

int hvic_utf8_to_utf16(const char *in, uint8_t *out, uint32_t cap, uint32_t *size)
{
	const uint8_t *p = (const uint8_t *)in;
	uint32_t o = 0;
	for (;;) {
		uint32_t c = *p, n, min;
		if (c < 0x80)
			n = 1, min = 0;
		else if ((c & 0xE0) == 0xC0)
			n = 2, c &= 0x1F, min = 0x80;
		else if ((c & 0xF0) == 0xE0)
			n = 3, c &= 0x0F, min = 0x800;
		else if ((c & 0xF8) == 0xF0)
			n = 4, c &= 0x07, min = 0x10000;
		else
			return -EINVAL;
		for (uint32_t k = 1; k < n; k++) {
			if ((p[k] & 0xC0) != 0x80)
				return -EINVAL;
			c = c << 6 | (p[k] & 0x3Fu);
		}
		if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
			return -EINVAL;
		uint32_t units = c >= 0x10000 ? 2 : 1;
		if (o > cap || cap - o < 2 * units)
			return -ENOSPC;
		if (units == 2) {
			uint32_t v = c - 0x10000, hi = 0xD800 | v >> 10, lo = 0xDC00 | (v & 0x3FF);
			out[o] = (uint8_t)hi, out[o + 1] = (uint8_t)(hi >> 8);
			out[o + 2] = (uint8_t)lo, out[o + 3] = (uint8_t)(lo >> 8);
		} else {
			out[o] = (uint8_t)c, out[o + 1] = (uint8_t)(c >> 8);
		}
		o += 2 * units;
		if (c == 0)
			break;
		p += n;
	}
	*size = o;
	return 0;
}
