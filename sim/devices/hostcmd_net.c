/* hostcmd_net.c -- host commands for the synthetic NICs: link state and
 * speed (the guest sees an RNDIS status indication), counters (the NIC's
 * and its back end's: frames on the wire, bad checksums the peer saw). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sim/devices/devspec.h"
#include "sim/devices/hostcmd.h"
#include "sim/devices/hostside.h"

static const char *const link_keys[] = { "nic", "up", "speed_bps", NULL };
static int cmd_nic_link(struct hostside *hs, json_t *req, json_t *reply, char *err,
			size_t errlen)
{
	(void)reply;
	long long nic, speed = 0;
	bool up = true;
	if (!hs || hostcmd_get_int(req, "nic", 0, 7, &nic, true, err, errlen) < 0 ||
	    hostcmd_get_bool(req, "up", &up, err, errlen) < 0 ||
	    hostcmd_get_int(req, "speed_bps", 0, 1000000000000000ll, &speed, false, err, errlen) < 0) {
		if (!hs)
			snprintf(err, errlen, "no guest");
		return -1;
	}
	if (hostside_nic_link(hs, (unsigned)nic, up, (uint64_t)speed) != 0) {
		snprintf(err, errlen, "no NIC %lld", nic);
		return -1;
	}
	return 0;
}

static const char *const nic_keys[] = { "nic", NULL };
static int cmd_nic_stats(struct hostside *hs, json_t *req, json_t *reply, char *err,
			 size_t errlen)
{
	long long nic;
	struct netvsp_stats st;
	struct netvsp_info in;
	if (!hs || hostcmd_get_int(req, "nic", 0, 7, &nic, true, err, errlen) < 0) {
		if (!hs)
			snprintf(err, errlen, "no guest");
		return -1;
	}
	if (hostside_nic_stats(hs, (unsigned)nic, &st, &in) != 0) {
		snprintf(err, errlen, "no NIC %lld", nic);
		return -1;
	}
	json_object_set_new(reply, "tx_frames", json_integer((json_int_t)st.tx_frames));
	json_object_set_new(reply, "tx_bytes", json_integer((json_int_t)st.tx_bytes));
	json_object_set_new(reply, "tx_dropped", json_integer((json_int_t)st.tx_dropped));
	json_object_set_new(reply, "tx_csum_fixed", json_integer((json_int_t)st.tx_csum_fixed));
	json_object_set_new(reply, "mtu", json_integer(in.mtu));
	json_object_set_new(reply, "open_queues", json_integer(in.open_queues));
	json_object_set_new(reply, "rss", json_boolean(in.rss_enabled));
	unsigned used = 0;
	for (unsigned q = 0; q < NETVSP_MAX_QUEUES; q++)
		used += st.rx_per_queue[q] != 0;
	json_object_set_new(reply, "rx_frames", json_integer((json_int_t)st.rx_frames));
	json_object_set_new(reply, "rx_dropped", json_integer((json_int_t)st.rx_dropped));
	json_object_set_new(reply, "rx_queues_used", json_integer(used));
	/* What the back end saw leave: the wire's view of the guest's frames. */
	struct netbe_stats bs = { 0 };
	struct netbe *be = netvsp_backend(hostside_nic(hs, (unsigned)nic));
	if (be)
		netbe_get_stats(be, &bs);
	json_object_set_new(reply, "wire_frames", json_integer((json_int_t)bs.tx_frames));
	json_object_set_new(reply, "wire_bad_csum", json_integer((json_int_t)bs.tx_bad_csum));
	return 0;
}

const struct hostcmd_def hostcmd_nic_link = {
	.name = "nic.link", .args = "nic, up, speed_bps",
	.help = "plug or pull a NIC's cable, change its speed (the guest gets a status indication)",
	.keys = link_keys, .run = cmd_nic_link,
};
const struct hostcmd_def hostcmd_nic_stats = {
	.name = "nic.stats", .args = "nic",
	.help = "a NIC's host-side counters and negotiated state", .keys = nic_keys,
	.run = cmd_nic_stats,
};

static const char *const add_keys[] = { "backend", "peer_ip", "queues", "link_down", "pcap",
					 NULL };
static int cmd_nic_add(struct hostside *hs, json_t *req, json_t *reply, char *err,
		       size_t errlen)
{
	if (!hs) {
		snprintf(err, errlen, "no guest");
		return -1;
	}
	/* The NIC keys are the devices section's (devspec), minus "cmd"/"id". */
	json_t *nj = json_deep_copy(req);
	if (!nj) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	json_object_del(nj, "cmd");
	json_object_del(nj, "id");
	struct devspec_nic n;
	struct devspec_err e;
	int rc = devspec_parse_nic(nj, &n, &e);
	json_decref(nj);
	if (rc) {
		char why[384];
		devspec_err_format(&e, why, sizeof why);
		snprintf(err, errlen, "%s", why[1] == ':' ? why + 3 : why + 2);
		return -1;
	}
	if (n.pcap[0] && n.pcap[0] != '/') {
		snprintf(err, errlen, "\"pcap\" must be an absolute path");
		return -1;
	}
	/* The MAC follows the slot the NIC takes, as the boot-time NICs' do. */
	unsigned slot = 0;
	while (slot < HOSTSIDE_MAX_NICS && hostside_nic(hs, slot))
		slot++;
	struct netvsp_config nc;
	devspec_nic_config(&n, slot, &nc);
	unsigned index;
	rc = hostside_nic_add(hs, &nc, &index);
	if (rc) {
		snprintf(err, errlen, "%s", rc == -ENOSPC ? "the host has 8 NICs already"
					   : rc == -ENODEV ? "this guest has no VMBus"
					   : strerror(-rc));
		return -1;
	}
	json_object_set_new(reply, "nic", json_integer(index));
	return 0;
}

static int cmd_nic_remove(struct hostside *hs, json_t *req, json_t *reply, char *err,
			  size_t errlen)
{
	(void)reply;
	long long nic;
	if (!hs || hostcmd_get_int(req, "nic", 0, 7, &nic, true, err, errlen) < 0) {
		if (!hs)
			snprintf(err, errlen, "no guest");
		return -1;
	}
	if (hostside_nic_remove(hs, (unsigned)nic) != 0) {
		snprintf(err, errlen, "no NIC %lld", nic);
		return -1;
	}
	return 0;
}

const struct hostcmd_def hostcmd_nic_add = {
	"nic.add", "[backend], [peer_ip], [queues], [link_down], [pcap]",
	"hot-add a synthetic NIC (the devices.nics keys); replies its index",
	add_keys, cmd_nic_add,
};
const struct hostcmd_def hostcmd_nic_remove = {
	"nic.remove", "nic", "hot-remove NIC nic: its offer is rescinded and the guest detaches it",
	nic_keys, cmd_nic_remove,
};
