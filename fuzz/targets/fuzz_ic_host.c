/* fuzz_ic_host.c -- the host ICs' parsers of guest replies (framing,
 * NEGOTIATE answers, heartbeat/shutdown/timesync/KVP bodies), through the
 * same entry the channel uses.  Input: records {u8 sel, u16 len, len bytes}:
 *   sel & 3        the IC (heartbeat, shutdown, timesync, KVP)
 *   sel >> 2 & 3   outstanding: 0 none, 1 a NEGOTIATE, 2-3 its own request
 *   sel & 0x10     the IC is past negotiation
 *   sel & 0x20     KVP: queue a GET and a refresh first
 *   sel & 0x40     let 1 s pass (interval and reply timers fire)
 *   sel & 0x80     send it as a completion packet instead of in-band
 * Invariants: KVP queue and pools within their caps; no leak after destroy. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hyperv/vmbus_ic.h"
#include "sim/devices/ic/icvsp.h"
#include "sim/devices/ic/icvsp_var.h"
#include "sim/hostd/gmem.h"
#include "sim/hostd/partition.h"
#include "sim/hostd/profile.h"
#include "sim/hostd/vmbs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gmem *gm = gmem_create(1u << 20);
	if (!gm)
		return 0;
	struct part_config pc = { .profile = hv_profile_find("ws2019"), .nvcpus = 1 };
	struct part *p = part_create(gm, &pc, NULL, NULL);
	struct vmbs *vb = p ? vmbs_create(p, gm, NULL, NULL, NULL) : NULL;
	struct icvsp_config cfg = { .heartbeat = true, .shutdown = true, .timesync = true,
				    .kvp = true, .reply_timeout = 10000000 };
	struct icvsp *ic = vb ? icvsp_create(vb, p, &cfg, NULL, NULL) : NULL;
	static uint8_t pkt[16 + 65536 + 8];
	uint64_t now = 0;
	size_t off = 0;
	while (ic && size - off >= 3) {
		uint8_t sel = data[off];
		uint32_t len = (uint32_t)data[off + 1] | (uint32_t)data[off + 2] << 8;
		off += 3;
		if (len > size - off)
			len = (uint32_t)(size - off);
		enum icvsp_kind k = (enum icvsp_kind)(sel & 3);
		int outstanding = ((sel >> 2) & 3) == 0 ? -1 : ((sel >> 2) & 3) == 1 ? 0 : 1;
		bool ready = sel & 0x10;
		if (sel & 0x40) {
			now += 10000000;
			part_set_time(p, now);
		}
		if ((sel & 0x20) && k == ICVSP_KVP && ready) {
			struct vmbus_pkt_desc nd = { .type = VMBUS_PKT_DATA_INBAND, .offset8 = 2,
						     .len8 = 2 };
			icvsp_fuzz_input(ic, k, -1, true, &nd, pkt, 0); /* force ready */
			icvsp_kvp_query(ic, VMBUS_KVP_POOL_GUEST, "key");
			icvsp_kvp_refresh(ic);
		}
		uint32_t plen = (len + 7u) & ~7u;
		memset(pkt, 0, 16 + plen);
		struct vmbus_pkt_desc d = {
			.type = (sel & 0x80) ? VMBUS_PKT_COMP : VMBUS_PKT_DATA_INBAND,
			.offset8 = 2,
			.len8 = (uint16_t)((16 + plen) / 8),
			.trans_id = 0x77,
		};
		memcpy(pkt, &d, sizeof d);
		memcpy(pkt + 16, data + off, len);
		off += len;
		icvsp_fuzz_input(ic, k, outstanding, ready, &d, pkt, 16 + plen);
		icvsp_pump(ic);
		struct icvsp_kvp_info ki;
		if (icvsp_kvp_info(ic, &ki) == 0 && ki.queued > ICVSP_KVP_QUEUE_MAX)
			abort();
		for (uint8_t pool = 0; pool < VMBUS_KVP_POOL_COUNT; pool++)
			if (icvsp_kvp_count(ic, pool) > ICVSP_KVP_MAX_ITEMS)
				abort();
	}
	vmbs_destroy(vb);
	icvsp_destroy(ic);
	part_destroy(p);
	gmem_destroy(gm);
	return 0;
}
