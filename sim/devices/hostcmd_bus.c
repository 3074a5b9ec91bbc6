/* hostcmd_bus.c -- host commands about the bus itself: help, the VMBus
 * server's state and counters, the channels on offer. */
#include <inttypes.h>
#include <stdio.h>

#include "hyperv/vmbus_guid.h"
#include "sim/devices/hostcmd.h"
#include "sim/devices/hostside.h"
#include "sim/hostd/vmbs.h"
#include "sim/hostd/vmbs_dev.h"

static int cmd_help(struct hostside *hs, json_t *req, json_t *reply, char *err, size_t errlen)
{
	(void)hs; (void)req; (void)err; (void)errlen;
	json_t *list = json_array();
	for (const struct hostcmd_def *const *d = hostcmd_defs; *d; d++) {
		json_t *c = json_pack("{s:s, s:s, s:s}", "cmd", (*d)->name, "args", (*d)->args,
				      "help", (*d)->help);
		json_array_append_new(list, c);
	}
	json_object_set_new(reply, "commands", list);
	return 0;
}

static struct vmbs *need_vmbs(struct hostside *hs, char *err, size_t errlen)
{
	struct vmbs *vb = hs ? hostside_vmbs(hs) : NULL;
	if (!vb)
		snprintf(err, errlen, "no VMBus on this host (profile without Hyper-V?)");
	return vb;
}

static int cmd_vmbus(struct hostside *hs, json_t *req, json_t *reply, char *err, size_t errlen)
{
	(void)req;
	struct vmbs *vb = need_vmbs(hs, err, errlen);
	if (!vb)
		return -1;
	struct vmbs_stats st;
	vmbs_get_stats(vb, &st);
	uint32_t v = vmbs_version(vb);
	char ver[16];
	snprintf(ver, sizeof ver, "%u.%u", v >> 16, v & 0xFFFF);
	json_object_set_new(reply, "state", json_string(vmbs_conn_state_name(vmbs_state(vb))));
	json_object_set_new(reply, "version", json_string(v ? ver : ""));
	json_object_set_new(reply, "gpadls", json_integer(vmbs_gpadl_count(vb)));
	json_t *c = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
			      "msgs_in", (json_int_t)st.msgs_in, "msgs_out", (json_int_t)st.msgs_out,
			      "offers_sent", (json_int_t)st.offers_sent,
			      "rescinds_sent", (json_int_t)st.rescinds_sent,
			      "opens", (json_int_t)st.opens, "closes", (json_int_t)st.closes,
			      "gpadls_created", (json_int_t)st.gpadls_created,
			      "pkts_in", (json_int_t)st.pkts_in, "pkts_out", (json_int_t)st.pkts_out,
			      "signals_in", (json_int_t)st.signals_in,
			      "signals_out", (json_int_t)st.signals_out,
			      "ring_corrupt", (json_int_t)st.ring_corrupt);
	uint64_t rejected = 0;
	for (unsigned i = 0; i < VMBS_REJ_COUNT; i++)
		rejected += st.rej[i];
	json_object_set_new(c, "rejected", json_integer((json_int_t)rejected));
	json_object_set_new(reply, "counters", c);
	return 0;
}

static int cmd_channels(struct hostside *hs, json_t *req, json_t *reply, char *err,
			size_t errlen)
{
	(void)req;
	struct vmbs *vb = need_vmbs(hs, err, errlen);
	if (!vb)
		return -1;
	json_t *list = json_array();
	for (uint32_t relid = 1; relid <= VMBS_MAX_CHANNELS_LIMIT; relid++) {
		struct vmbs_chan *ch = vmbs_chan_by_relid(vb, relid);
		if (!ch)
			continue;
		const struct vmbs_dev_params *p = vmbs_chan_params(ch);
		char cls[37], inst[37];
		vmbus_guid_format(&p->class_id, cls);
		vmbus_guid_format(&p->instance_id, inst);
		json_array_append_new(list, json_pack("{s:i, s:s, s:s, s:i, s:b, s:I}",
			"relid", (int)relid, "class", cls, "instance", inst,
			"sub", (int)vmbs_chan_subidx(ch), "open", vmbs_chan_is_open(ch),
			"target_vp", (json_int_t)vmbs_chan_target_vp(ch)));
	}
	json_object_set_new(reply, "channels", list);
	return 0;
}

const struct hostcmd_def hostcmd_help = {
	.name = "help", .args = "", .help = "list the commands", .run = cmd_help,
};
const struct hostcmd_def hostcmd_vmbus = {
	.name = "vmbus", .args = "", .help = "VMBus connection state, version and counters",
	.run = cmd_vmbus,
};
const struct hostcmd_def hostcmd_channels = {
	.name = "channels", .args = "",
	.help = "every channel: relid, class and instance GUIDs, sub-channel index, open, target VP",
	.run = cmd_channels,
};
