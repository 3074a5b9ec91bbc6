/* netvsp_oid.c -- the OID allow-list: QUERY and SET answers for the OIDs a
 * synthetic NIC supports; everything else (host-internal switch OIDs such as
 * the CVE-2021-28476 one included) is NOT_SUPPORTED without looking at the
 * buffer. */
#include <errno.h>
#include <string.h>

#include "sim/devices/netvsp/netvsp_var.h"

static const uint32_t query_oids[] = {
	RNDIS_OID_GEN_SUPPORTED_LIST, RNDIS_OID_GEN_HARDWARE_STATUS,
	RNDIS_OID_GEN_MEDIA_SUPPORTED, RNDIS_OID_GEN_MEDIA_IN_USE,
	RNDIS_OID_GEN_MAXIMUM_LOOKAHEAD, RNDIS_OID_GEN_MAXIMUM_FRAME_SIZE,
	RNDIS_OID_GEN_LINK_SPEED, RNDIS_OID_GEN_TRANSMIT_BUFFER_SPACE,
	RNDIS_OID_GEN_RECEIVE_BUFFER_SPACE, RNDIS_OID_GEN_VENDOR_ID,
	RNDIS_OID_GEN_CURRENT_PACKET_FILTER, RNDIS_OID_GEN_MAXIMUM_TOTAL_SIZE,
	RNDIS_OID_GEN_MAC_OPTIONS, RNDIS_OID_GEN_MEDIA_CONNECT_STATUS,
	RNDIS_OID_GEN_MAXIMUM_SEND_PACKETS, RNDIS_OID_GEN_LINK_STATE,
	RNDIS_OID_GEN_MAX_LINK_SPEED, RNDIS_OID_GEN_XMIT_OK, RNDIS_OID_GEN_RCV_OK,
	RNDIS_OID_802_3_PERMANENT_ADDRESS, RNDIS_OID_802_3_CURRENT_ADDRESS,
	RNDIS_OID_802_3_MAXIMUM_LIST_SIZE, RNDIS_OID_TCP_OFFLOAD_HARDWARE_CAPABILITIES,
	RNDIS_OID_TCP_OFFLOAD_CURRENT_CONFIG, RNDIS_OID_GEN_RECEIVE_SCALE_CAPABILITIES,
};
static const uint32_t set_oids[] = {
	RNDIS_OID_GEN_CURRENT_PACKET_FILTER, RNDIS_OID_TCP_OFFLOAD_PARAMETERS,
	RNDIS_OID_OFFLOAD_ENCAPSULATION, RNDIS_OID_GEN_RECEIVE_SCALE_PARAMETERS,
	RNDIS_OID_GEN_RNDIS_CONFIG_PARAMETER, RNDIS_OID_802_3_MULTICAST_LIST,
};

static bool in_list(const uint32_t *l, size_t n, uint32_t oid)
{
	for (size_t i = 0; i < n; i++)
		if (l[i] == oid)
			return true;
	return false;
}

static bool rss_capable(const struct netvsp *nic)
{
	return nic->n_nvsp_version >= NVSP_PROTOCOL_VERSION_5 &&
	       nic->n_ndis_version >= NDIS_VERSION_6_30 && nic->n_cfg.max_queues > 1;
}

bool netvsp_oid_supported(const struct netvsp *nic, uint32_t oid)
{
	if (oid == RNDIS_OID_GEN_RECEIVE_SCALE_CAPABILITIES ||
	    oid == RNDIS_OID_GEN_RECEIVE_SCALE_PARAMETERS)
		return rss_capable(nic);
	return in_list(query_oids, sizeof query_oids / sizeof query_oids[0], oid) ||
	       in_list(set_oids, sizeof set_oids / sizeof set_oids[0], oid);
}

/* The NDIS_OFFLOAD this host offers.  NOTE: hosts before WS2016 offer TCP
 * checksum offload only; newer ones TCP and UDP. */
static void hw_offload(const struct netvsp *nic, struct ndis_offload *o, bool current)
{
	memset(o, 0, sizeof *o);
	o->hdr = (struct ndis_obj_header){ NDIS_OBJTYPE_OFFLOAD, NDIS_OFFLOAD_REV_3,
					   NDIS_OFFLOAD_SIZE_6_30 };
	uint32_t v4 = NDIS_TXCSUM_CAP_IP4_OPTS | NDIS_TXCSUM_CAP_IP4_TCPOPTS |
		      NDIS_TXCSUM_CAP_IP4_TCP | NDIS_TXCSUM_CAP_IP4_IP;
	uint32_t v6 = NDIS_TXCSUM_CAP_IP6_EXT | NDIS_TXCSUM_CAP_IP6_TCPOPTS |
		      NDIS_TXCSUM_CAP_IP6_TCP;
	if (nic->n_udp_csum) {
		v4 |= NDIS_TXCSUM_CAP_IP4_UDP;
		v6 |= NDIS_TXCSUM_CAP_IP6_UDP;
	}
	if (current) {
		/* Only what the guest switched on. */
		v4 = ((nic->n_tx_csum_v4 & NDIS_TXCSUM_TCP) ? NDIS_TXCSUM_CAP_IP4_TCP : 0) |
		     ((nic->n_tx_csum_v4 & NDIS_TXCSUM_UDP) ? NDIS_TXCSUM_CAP_IP4_UDP : 0);
		v6 = ((nic->n_tx_csum_v6 & NDIS_TXCSUM_TCP) ? NDIS_TXCSUM_CAP_IP6_TCP : 0) |
		     ((nic->n_tx_csum_v6 & NDIS_TXCSUM_UDP) ? NDIS_TXCSUM_CAP_IP6_UDP : 0);
	}
	o->csum.ip4_txenc = o->csum.ip4_rxenc = NDIS_OFFLOAD_ENCAP_8023;
	o->csum.ip6_txenc = o->csum.ip6_rxenc = NDIS_OFFLOAD_ENCAP_8023;
	o->csum.ip4_txcsum = o->csum.ip4_rxcsum = v4;
	o->csum.ip6_txcsum = o->csum.ip6_rxcsum = v6;
	if (!current || nic->n_lso_v4) {
		o->lsov2.ip4_encap = NDIS_OFFLOAD_ENCAP_8023;
		o->lsov2.ip4_maxsz = NDIS_LSOV2_MAX_SIZE;
		o->lsov2.ip4_minsg = NDIS_LSOV2_MIN_SEGS;
	}
	if (!current || nic->n_lso_v6) {
		o->lsov2.ip6_encap = NDIS_OFFLOAD_ENCAP_8023;
		o->lsov2.ip6_maxsz = NDIS_LSOV2_MAX_SIZE;
		o->lsov2.ip6_minsg = NDIS_LSOV2_MIN_SEGS;
		o->lsov2.ip6_opts = NDIS_LSOV2_CAP_IP6_EXT | NDIS_LSOV2_CAP_IP6_TCPOPTS;
	}
}

static uint32_t put(uint8_t *out, uint32_t cap, uint32_t *outlen, const void *v, uint32_t n)
{
	if (n > cap)
		return RNDIS_STATUS_BUFFER_TOO_SHORT;
	memcpy(out, v, n);
	*outlen = n;
	return RNDIS_STATUS_SUCCESS;
}

static uint32_t put32(uint8_t *out, uint32_t cap, uint32_t *outlen, uint32_t v)
{
	return put(out, cap, outlen, &v, 4);
}

uint32_t netvsp_oid_query(struct netvsp *nic, uint32_t oid, const uint8_t *in, uint32_t inlen,
			  uint8_t *out, uint32_t cap, uint32_t *outlen)
{
	*outlen = 0;
	if (!netvsp_oid_supported(nic, oid) ||
	    !in_list(query_oids, sizeof query_oids / sizeof query_oids[0], oid)) {
		nic->n_st.oid_unsupported++;
		netvsp_trace(nic, "netvsp: QUERY OID 0x%08x not supported", oid);
		return RNDIS_STATUS_NOT_SUPPORTED;
	}
	uint64_t bps = nic->n_link_speed;
	switch (oid) {
	case RNDIS_OID_GEN_SUPPORTED_LIST: {
		uint32_t l[sizeof query_oids / sizeof query_oids[0] + sizeof set_oids / sizeof set_oids[0]];
		uint32_t n = 0;
		for (size_t i = 0; i < sizeof query_oids / sizeof query_oids[0]; i++)
			if (netvsp_oid_supported(nic, query_oids[i]))
				l[n++] = query_oids[i];
		for (size_t i = 0; i < sizeof set_oids / sizeof set_oids[0]; i++)
			if (netvsp_oid_supported(nic, set_oids[i]) &&
			    !in_list(l, n, set_oids[i]))
				l[n++] = set_oids[i];
		return put(out, cap, outlen, l, n * 4);
	}
	case RNDIS_OID_GEN_HARDWARE_STATUS:
	case RNDIS_OID_GEN_MEDIA_SUPPORTED:
	case RNDIS_OID_GEN_MEDIA_IN_USE:
		return put32(out, cap, outlen, 0);
	case RNDIS_OID_GEN_MAXIMUM_LOOKAHEAD:
	case RNDIS_OID_GEN_MAXIMUM_FRAME_SIZE:
		return put32(out, cap, outlen, nic->n_mtu - 14u);
	case RNDIS_OID_GEN_MAXIMUM_TOTAL_SIZE:
		return put32(out, cap, outlen, nic->n_mtu);
	case RNDIS_OID_GEN_LINK_SPEED:
		return put32(out, cap, outlen, bps / 100u > UINT32_MAX ? UINT32_MAX
						: (uint32_t)(bps / 100u));
	case RNDIS_OID_GEN_TRANSMIT_BUFFER_SPACE:
	case RNDIS_OID_GEN_RECEIVE_BUFFER_SPACE:
		return put32(out, cap, outlen, 256u * 1024u);
	case RNDIS_OID_GEN_VENDOR_ID:
		return put32(out, cap, outlen, 0x0000155Du);
	case RNDIS_OID_GEN_CURRENT_PACKET_FILTER:
		return put32(out, cap, outlen, nic->n_filter);
	case RNDIS_OID_GEN_MAC_OPTIONS:
		return put32(out, cap, outlen, 0x10u | 0x200u); /* full duplex, 802.1Q */
	case RNDIS_OID_GEN_MEDIA_CONNECT_STATUS:
		return put32(out, cap, outlen, nic->n_link_up ? RNDIS_MEDIA_STATE_CONNECTED
							  : RNDIS_MEDIA_STATE_DISCONNECTED);
	case RNDIS_OID_GEN_MAXIMUM_SEND_PACKETS:
		return put32(out, cap, outlen, RNDIS_HOST_MAX_PKTS_PER_MSG);
	case RNDIS_OID_802_3_MAXIMUM_LIST_SIZE:
		return put32(out, cap, outlen, 32);
	case RNDIS_OID_GEN_XMIT_OK:
		return put(out, cap, outlen, &nic->n_st.tx_frames, 8);
	case RNDIS_OID_GEN_RCV_OK:
		return put(out, cap, outlen, &nic->n_st.rx_frames, 8);
	case RNDIS_OID_GEN_MAX_LINK_SPEED: {
		uint64_t s[2] = { bps, bps };
		return put(out, cap, outlen, s, sizeof s);
	}
	case RNDIS_OID_GEN_LINK_STATE: {
		struct ndis_link_state ls = { .hdr = { NDIS_OBJTYPE_DEFAULT, 1, sizeof ls },
			.media_connect_state = nic->n_link_up ? NDIS_MEDIA_CONNECT_STATE_CONNECTED
						: NDIS_MEDIA_CONNECT_STATE_DISCONNECTED,
			.duplex = NDIS_MEDIA_DUPLEX_FULL, .xmit_speed = bps, .rcv_speed = bps };
		return put(out, cap, outlen, &ls, sizeof ls);
	}
	case RNDIS_OID_802_3_PERMANENT_ADDRESS:
		return put(out, cap, outlen, nic->n_cfg.mac, 6);
	case RNDIS_OID_802_3_CURRENT_ADDRESS:
		return put(out, cap, outlen, nic->n_mac, 6);
	case RNDIS_OID_TCP_OFFLOAD_HARDWARE_CAPABILITIES:
	case RNDIS_OID_TCP_OFFLOAD_CURRENT_CONFIG: {
		struct ndis_offload o;
		hw_offload(nic, &o, oid == RNDIS_OID_TCP_OFFLOAD_CURRENT_CONFIG);
		/* Answer in the revision the guest's pre-filled header asks
		 * for (Linux sizes its buffer by its NVSP version). */
		uint32_t n = NDIS_OFFLOAD_SIZE_6_30;
		if (inlen >= sizeof(struct ndis_obj_header)) {
			struct ndis_obj_header h;
			memcpy(&h, in, sizeof h);
			if (h.type == NDIS_OBJTYPE_OFFLOAD && h.size >= NDIS_OFFLOAD_SIZE_6_0 &&
			    h.size < NDIS_OFFLOAD_SIZE_6_30)
				n = h.size >= NDIS_OFFLOAD_SIZE_6_1 ? NDIS_OFFLOAD_SIZE_6_1
								    : NDIS_OFFLOAD_SIZE_6_0;
		}
		o.hdr.size = (uint16_t)n;
		o.hdr.revision = n == NDIS_OFFLOAD_SIZE_6_30 ? NDIS_OFFLOAD_REV_3
				 : n == NDIS_OFFLOAD_SIZE_6_1 ? NDIS_OFFLOAD_REV_2 : NDIS_OFFLOAD_REV_1;
		return put(out, cap, outlen, &o, n);
	}
	case RNDIS_OID_GEN_RECEIVE_SCALE_CAPABILITIES: {
		struct ndis_rss_caps c = { .hdr = { NDIS_OBJTYPE_RSS_CAPS, NDIS_RSS_CAPS_REV_2,
			NDIS_RSS_CAPS_SIZE_2 }, .caps = NDIS_RSS_CAP_HASH_TOEPLITZ |
			NDIS_RSS_CAP_TCP_IPV4 | NDIS_RSS_CAP_TCP_IPV6, .num_int_msgs = 1,
			.num_recv_que = nic->n_cfg.max_queues, .num_ind_tbl_ent = NDIS_RSS_ITAB_MAX };
		return put(out, cap, outlen, &c, sizeof c);
	}
	default:
		nic->n_st.oid_unsupported++;
		return RNDIS_STATUS_NOT_SUPPORTED;
	}
}

/* ---- SET ------------------------------------------------------------------------------ */

/* One checksum parameter (NDIS_OFFLOAD_PARAM_*) applied to TX bits 'bit'. */
static void csum_param(uint32_t *tx, uint32_t bit, uint8_t v, bool offered)
{
	if (v == NDIS_OFFLOAD_PARAM_TX || v == NDIS_OFFLOAD_PARAM_TXRX) {
		if (offered)
			*tx |= bit;
	} else if (v == NDIS_OFFLOAD_PARAM_OFF || v == NDIS_OFFLOAD_PARAM_RX) {
		*tx &= ~bit;
	}
}

static uint32_t set_offload(struct netvsp *nic, const uint8_t *in, uint32_t inlen)
{
	struct ndis_offload_params p;
	if (inlen < NDIS_OFFLOAD_PARAMS_SIZE_REV1)
		return RNDIS_STATUS_INVALID_LENGTH;
	memset(&p, 0, sizeof p);
	memcpy(&p, in, inlen < sizeof p ? inlen : sizeof p);
	if (p.hdr.type != NDIS_OBJTYPE_DEFAULT || p.hdr.size < NDIS_OFFLOAD_PARAMS_SIZE_REV1 ||
	    p.hdr.size > inlen)
		return RNDIS_STATUS_INVALID_DATA;
	if (p.tcp4_csum > 4 || p.udp4_csum > 4 || p.tcp6_csum > 4 || p.udp6_csum > 4 ||
	    p.lsov2_ip4 > 2 || p.lsov2_ip6 > 2)
		return RNDIS_STATUS_INVALID_DATA;
	if (p.lsov1 == NDIS_OFFLOAD_LSOV1_ON)
		return RNDIS_STATUS_NOT_SUPPORTED;
	csum_param(&nic->n_tx_csum_v4, NDIS_TXCSUM_TCP, p.tcp4_csum, true);
	csum_param(&nic->n_tx_csum_v4, NDIS_TXCSUM_UDP, p.udp4_csum, nic->n_udp_csum);
	csum_param(&nic->n_tx_csum_v6, NDIS_TXCSUM_TCP, p.tcp6_csum, true);
	csum_param(&nic->n_tx_csum_v6, NDIS_TXCSUM_UDP, p.udp6_csum, nic->n_udp_csum);
	if (p.lsov2_ip4)
		nic->n_lso_v4 = p.lsov2_ip4 == NDIS_OFFLOAD_LSOV2_ON;
	if (p.lsov2_ip6)
		nic->n_lso_v6 = p.lsov2_ip6 == NDIS_OFFLOAD_LSOV2_ON;
	return RNDIS_STATUS_SUCCESS;
}

static uint32_t set_rss(struct netvsp *nic, const uint8_t *in, uint32_t inlen)
{
	struct ndis_rss_params p;
	if (inlen < NDIS_RSS_PARAMS_SIZE_1)
		return RNDIS_STATUS_INVALID_LENGTH;
	memset(&p, 0, sizeof p);
	memcpy(&p, in, inlen < sizeof p ? inlen : sizeof p);
	if (p.hdr.type != NDIS_OBJTYPE_RSS_PARAMS)
		return RNDIS_STATUS_INVALID_DATA;
	if ((p.flags & NDIS_RSS_FLAG_DISABLE_RSS) ||
	    (!(p.flags & NDIS_RSS_FLAG_HASH_INFO_UNCHANGED) &&
	     (p.hash_info & NDIS_HASH_FUNCTION_MASK) == 0)) {
		nic->n_rss_enabled = false;
		return RNDIS_STATUS_SUCCESS;
	}
	uint32_t hash_info = nic->n_rss_hash_info;
	if (!(p.flags & NDIS_RSS_FLAG_HASH_INFO_UNCHANGED)) {
		if ((p.hash_info & NDIS_HASH_FUNCTION_MASK) != NDIS_HASH_FUNCTION_TOEPLITZ)
			return RNDIS_STATUS_INVALID_DATA;
		hash_info = p.hash_info;
	}
	uint32_t itab[NDIS_RSS_ITAB_MAX];
	uint32_t n = nic->n_rss_itab_n;
	memcpy(itab, nic->n_rss_itab, sizeof itab);
	if (!(p.flags & NDIS_RSS_FLAG_ITABLE_UNCHANGED)) {
		n = p.itab_size / 4u;
		/* Zero entries would divide by zero (an OpenVMM bug); the mask
		 * needs a power of two. */
		if (p.itab_size % 4u || n == 0 || n > NDIS_RSS_ITAB_MAX || (n & (n - 1u)) ||
		    p.itab_offset > inlen || p.itab_size > inlen - p.itab_offset)
			return RNDIS_STATUS_INVALID_DATA;
		memcpy(itab, in + p.itab_offset, p.itab_size);
		for (uint32_t i = 0; i < n; i++)
			if (itab[i] > nic->n_subchannels)
				return RNDIS_STATUS_INVALID_DATA;
	}
	uint8_t key[NDIS_RSS_KEY_SIZE];
	memcpy(key, nic->n_rss_key, sizeof key);
	if (!(p.flags & NDIS_RSS_FLAG_HASH_KEY_UNCHANGED)) {
		if (p.hash_key_size != NDIS_RSS_KEY_SIZE || p.hash_key_offset > inlen ||
		    p.hash_key_size > inlen - p.hash_key_offset)
			return RNDIS_STATUS_INVALID_DATA;
		memcpy(key, in + p.hash_key_offset, sizeof key);
	}
	if (n == 0)
		return RNDIS_STATUS_INVALID_DATA;  /* "unchanged" before any table */
	nic->n_rss_hash_info = hash_info;
	memcpy(nic->n_rss_itab, itab, sizeof itab);
	nic->n_rss_itab_n = n;
	memcpy(nic->n_rss_key, key, sizeof key);
	nic->n_rss_enabled = true;
	return RNDIS_STATUS_SUCCESS;
}

/* UTF-16LE name equals ASCII 'a' (case-insensitive). */
static bool u16_eq(const uint8_t *u, uint32_t ulen, const char *a)
{
	size_t n = strlen(a);
	if (ulen != 2 * n)
		return false;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = u[2 * i];
		if (u[2 * i + 1] != 0)
			return false;
		if (c >= 'a' && c <= 'z')
			c = (uint8_t)(c - 32);
		char d = a[i];
		if (d >= 'a' && d <= 'z')
			d = (char)(d - 32);
		if (c != (uint8_t)d)
			return false;
	}
	return true;
}

static int hexv(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static uint32_t set_config_param(struct netvsp *nic, const uint8_t *in, uint32_t inlen)
{
	struct rndis_config_param p;
	if (inlen < sizeof p)
		return RNDIS_STATUS_INVALID_LENGTH;
	memcpy(&p, in, sizeof p);
	if (p.name_len == 0 || p.name_len % 2 || p.name_len > RNDIS_CONFIG_PARAM_MAX_LEN ||
	    p.name_offset > inlen || p.name_len > inlen - p.name_offset ||
	    p.value_len > RNDIS_CONFIG_PARAM_MAX_LEN || p.value_offset > inlen ||
	    p.value_len > inlen - p.value_offset || p.type > RNDIS_CONFIG_PARAM_TYPE_BINARY ||
	    ((p.type == RNDIS_CONFIG_PARAM_TYPE_STRING ||
	      p.type == RNDIS_CONFIG_PARAM_TYPE_MULTISTRING) && p.value_len % 2))
		return RNDIS_STATUS_INVALID_DATA;
	const uint8_t *name = in + p.name_offset, *val = in + p.value_offset;
	if (u16_eq(name, p.name_len, "NetworkAddress")) {
		uint8_t mac[6];
		if (p.type != RNDIS_CONFIG_PARAM_TYPE_STRING || p.value_len != 24)
			return RNDIS_STATUS_INVALID_DATA;
		for (unsigned i = 0; i < 12; i++) {
			int h = val[2 * i + 1] ? -1 : hexv(val[2 * i]);
			if (h < 0)
				return RNDIS_STATUS_INVALID_DATA;
			if (i % 2 == 0)
				mac[i / 2] = (uint8_t)(h << 4);
			else
				mac[i / 2] |= (uint8_t)h;
		}
		if (mac[0] & 1)
			return RNDIS_STATUS_INVALID_DATA; /* multicast address */
		memcpy(nic->n_mac, mac, 6);
		netvsp_trace(nic, "netvsp: MAC changed by the guest");
	}
	/* Other keywords are registry-style settings: accepted, no effect. */
	return RNDIS_STATUS_SUCCESS;
}

uint32_t netvsp_oid_set(struct netvsp *nic, uint32_t oid, const uint8_t *in, uint32_t inlen)
{
	if (!netvsp_oid_supported(nic, oid) ||
	    !in_list(set_oids, sizeof set_oids / sizeof set_oids[0], oid)) {
		nic->n_st.oid_unsupported++;
		netvsp_trace(nic, "netvsp: SET OID 0x%08x not supported", oid);
		return RNDIS_STATUS_NOT_SUPPORTED;
	}
	switch (oid) {
	case RNDIS_OID_GEN_CURRENT_PACKET_FILTER: {
		uint32_t f;
		if (inlen < 4)
			return RNDIS_STATUS_INVALID_LENGTH;
		memcpy(&f, in, 4);
		nic->n_filter = f;
		return RNDIS_STATUS_SUCCESS;
	}
	case RNDIS_OID_TCP_OFFLOAD_PARAMETERS:
		return set_offload(nic, in, inlen);
	case RNDIS_OID_OFFLOAD_ENCAPSULATION:
		return inlen < sizeof(struct ndis_offload_encap) ? RNDIS_STATUS_INVALID_LENGTH
								 : RNDIS_STATUS_SUCCESS;
	case RNDIS_OID_GEN_RECEIVE_SCALE_PARAMETERS:
		return set_rss(nic, in, inlen);
	case RNDIS_OID_GEN_RNDIS_CONFIG_PARAMETER:
		return set_config_param(nic, in, inlen);
	case RNDIS_OID_802_3_MULTICAST_LIST:
		return inlen % 6 ? RNDIS_STATUS_INVALID_LENGTH : RNDIS_STATUS_SUCCESS;
	default:
		return RNDIS_STATUS_NOT_SUPPORTED;
	}
}
