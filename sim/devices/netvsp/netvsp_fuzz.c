/* netvsp_fuzz.c -- entry points for the fuzz targets and tests: a NIC put
 * straight into a negotiated state over caller-provided guest pages, packet
 * intake by queue, and the invariants checked after every input. */
#include <errno.h>
#include <string.h>

#include "sim/devices/netvsp/netvsp_var.h"

int netvsp_fuzz_ready(struct netvsp *nic, const uint64_t *rpfn, uint32_t rn,
		      const uint64_t *spfn, uint32_t sn, bool rndis)
{
	if (!nic || !rpfn || !rn)
		return -EINVAL;
	netvsp_reset_protocol(nic);
	nic->n_nvsp_version = NVSP_PROTOCOL_VERSION_61;
	nic->n_ndis_version = NDIS_VERSION_6_30;
	nic->n_rbuf = (struct netvsp_buf){ .b_present = true, .b_gpadl = 0xF00D,
		.b_id = NVSP_RECV_BUF_ID_LINUX,
		.b_pages = { rpfn, rn, 0, (uint64_t)rn * 4096u } };
	nic->n_sub_size = NETVSP_RX_HDR_ROOM + nic->n_mtu + NETVSP_RX_TAIL_PAD;
	nic->n_sub_count = (uint32_t)(nic->n_rbuf.b_pages.len / nic->n_sub_size);
	if (nic->n_sub_count <= NETVSP_RX_CTRL_RESERVED)
		return -EINVAL;
	nic->n_sub_busy = netvsp_zalloc(nic->n_sub_count);
	if (!nic->n_sub_busy)
		return -ENOMEM;
	nic->n_sub_free = nic->n_sub_count;
	if (spfn && sn) {
		nic->n_sbuf = (struct netvsp_buf){ .b_present = true, .b_gpadl = 0xBEEF,
			.b_id = NVSP_SEND_BUF_ID_BSD,
			.b_pages = { spfn, sn, 0, (uint64_t)sn * 4096u } };
		nic->n_sec_size = NVSP_SEND_SECTION_SIZE_DEFAULT;
		nic->n_sec_count = (uint32_t)(nic->n_sbuf.b_pages.len / nic->n_sec_size);
	}
	nic->n_q[0].q_open = true;
	netvsp_nvsp_set_state(nic, NETVSP_NVSP_READY);
	if (rndis) {
		netvsp_rndis_set_state(nic, NETVSP_RNDIS_READY);
		nic->n_filter = NDIS_PACKET_TYPE_DIRECTED | NDIS_PACKET_TYPE_BROADCAST |
				NDIS_PACKET_TYPE_ALL_MULTICAST;
	}
	return 0;
}

int netvsp_fuzz_packet(struct netvsp *nic, uint16_t q, const struct vmbus_pkt_desc *desc,
		       const uint8_t *pkt, uint32_t len)
{
	if (q >= NETVSP_MAX_QUEUES || !nic->n_q[q].q_chan)
		q = 0;
	struct netvsp_queue *qq = &nic->n_q[q];
	if (desc->type == VMBUS_PKT_COMP) {
		uint32_t off = (uint32_t)desc->offset8 * 8u;
		netvsp_rx_complete(nic, qq, desc->trans_id, pkt + off, len - off);
		return 0;
	}
	return netvsp_nvsp_packet(nic, qq, desc, pkt, len);
}

bool netvsp_fuzz_invariants(const struct netvsp *nic)
{
	if (nic->n_ctrl_bytes > NETVSP_CTRL_QUEUE_BYTES)
		return false;
	if (nic->n_sub_free > nic->n_sub_count)
		return false;
	uint32_t busy = 0;
	for (uint32_t i = 0; nic->n_sub_busy && i < nic->n_sub_count; i++)
		busy += nic->n_sub_busy[i] != 0;
	if (nic->n_sub_busy && busy + nic->n_sub_free != nic->n_sub_count)
		return false;
	if (nic->n_subchannels > NVSP_MAX_SUBCHANNELS || nic->n_nqueues > NETVSP_MAX_QUEUES)
		return false;
	if (nic->n_rss_itab_n > NDIS_RSS_ITAB_MAX)
		return false;
	return true;
}
