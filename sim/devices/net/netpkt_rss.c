/* netpkt_rss.c -- Toeplitz hashing and the NDIS RSS hash of a frame. */
#include "sim/devices/net/netpkt.h"

#include <string.h>

uint32_t netpkt_toeplitz(const uint8_t *key, size_t keylen, const uint8_t *input, size_t inlen)
{
	if (!key || !input || keylen < 4 || inlen > keylen - 4)
		return 0;
	/* A 32-bit window slides over the key one bit per input bit. */
	uint32_t win = ((uint32_t)key[0] << 24) | ((uint32_t)key[1] << 16) |
		       ((uint32_t)key[2] << 8) | key[3];
	uint32_t h = 0;
	for (size_t i = 0; i < inlen; i++) {
		uint8_t next = key[i + 4];
		for (int b = 7; b >= 0; b--) {
			if (input[i] & (1u << b))
				h ^= win;
			win = (win << 1) | ((next >> b) & 1u);
		}
	}
	return h;
}

uint32_t netpkt_rss_hash(const uint8_t *key, size_t keylen, uint32_t hash_types,
                         const uint8_t *frame, size_t len, uint32_t *hash)
{
	struct netpkt_info pi;
	uint8_t in[36];
	size_t n;
	uint32_t type;
	*hash = 0;
	if (netpkt_parse(frame, len, &pi) || !pi.ip_ver)
		return 0;
	const uint8_t *ip = frame + pi.l3_off;
	bool tcp = pi.l4_proto == 6 && pi.l4_off && !pi.frag;
	if (pi.ip_ver == 4) {
		memcpy(in, ip + 12, 8);            /* source, destination */
		n = 8;
		if (tcp && (hash_types & NETPKT_HASH_TCP_IPV4))
			type = NETPKT_HASH_TCP_IPV4;
		else if (hash_types & NETPKT_HASH_IPV4)
			type = NETPKT_HASH_IPV4;
		else
			return 0;
	} else {
		memcpy(in, ip + 8, 32);
		n = 32;
		if (tcp && (hash_types & NETPKT_HASH_TCP_IPV6))
			type = NETPKT_HASH_TCP_IPV6;
		else if (hash_types & NETPKT_HASH_IPV6)
			type = NETPKT_HASH_IPV6;
		else
			return 0;
	}
	if (type == NETPKT_HASH_TCP_IPV4 || type == NETPKT_HASH_TCP_IPV6) {
		memcpy(in + n, frame + pi.l4_off, 4);   /* source port, destination port */
		n += 4;
	}
	if (keylen < n + 4)
		return 0;
	*hash = netpkt_toeplitz(key, keylen, in, n);
	return type;
}
