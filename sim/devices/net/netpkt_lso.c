/* netpkt_lso.c -- TCP segmentation of a large send (LSO/TSO in software):
 * each segment gets the headers of the original with its own lengths, IP
 * id, sequence number, flags and checksums. */
#include "sim/devices/net/netpkt_var.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_CWR 0x80

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

int netpkt_segment_tcp(const uint8_t *frame, size_t len, uint16_t mss,
                       int (*emit)(void *arg, const uint8_t *seg, size_t seglen), void *arg)
{
	struct netpkt_info pi;
	if (!mss || !emit || netpkt_parse(frame, len, &pi) || !pi.ip_ver || pi.frag ||
	    pi.l4_proto != 6 || !pi.l4_off)
		return -EINVAL;
	size_t hdr = (size_t)pi.l4_off + pi.l4_hdr_len;
	size_t pay = pi.ip_end > hdr ? pi.ip_end - hdr : 0;
	size_t seglen_max = hdr + (pay < mss ? pay : mss);
	uint8_t *seg = malloc(seglen_max ? seglen_max : 1);
	if (!seg)
		return -ENOMEM;
	const uint8_t *tcp0 = frame + pi.l4_off;
	uint32_t seq0 = ((uint32_t)tcp0[4] << 24) | ((uint32_t)tcp0[5] << 16) |
			((uint32_t)tcp0[6] << 8) | tcp0[7];
	uint8_t flags0 = tcp0[13];
	uint16_t id0 = pi.ip_ver == 4 ? rd16(frame + pi.l3_off + 4) : 0;
	size_t done = 0;
	unsigned n = 0;
	int rc = 0;
	do {
		size_t chunk = pay - done < mss ? pay - done : mss;
		bool first = done == 0, last = done + chunk >= pay;
		memcpy(seg, frame, hdr);
		memcpy(seg + hdr, frame + hdr + done, chunk);
		size_t iplen = hdr + chunk - pi.l3_off;
		uint8_t *ip = seg + pi.l3_off;
		if (pi.ip_ver == 4) {
			wr16(ip + 2, (uint16_t)iplen);
			wr16(ip + 4, (uint16_t)(id0 + n));
		} else {
			wr16(ip + 4, (uint16_t)(iplen - 40));
		}
		uint8_t *tcp = seg + pi.l4_off;
		uint32_t seq = seq0 + (uint32_t)done;
		tcp[4] = (uint8_t)(seq >> 24); tcp[5] = (uint8_t)(seq >> 16);
		tcp[6] = (uint8_t)(seq >> 8);  tcp[7] = (uint8_t)seq;
		uint8_t fl = flags0;
		if (!last)
			fl &= (uint8_t)~(TCP_FIN | TCP_PSH);
		if (!first)
			fl &= (uint8_t)~TCP_CWR;
		tcp[13] = fl;
		struct netpkt_info si = pi;
		si.ip_end = (uint32_t)(hdr + chunk);
		netpkt_fix_parsed(seg, &si, NETPKT_FIX_IP4 | NETPKT_FIX_TCP);
		rc = emit(arg, seg, hdr + chunk);
		done += chunk;
		n++;
	} while (!rc && done < pay);
	free(seg);
	return rc;
}
