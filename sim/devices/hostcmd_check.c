/* hostcmd_check.c -- host commands for the protocol checker (what the
 * guest driver did wrong, even when nothing crashed) and for fault
 * injection at the VMBus server. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sim/devices/hostcmd.h"
#include "sim/devices/hostside.h"
#include "sim/hostd/vmbs.h"
#include "sim/hostd/vmbs_check.h"
#include "sim/hostd/vmbs_fault.h"

static struct vmbs *need_vmbs(struct hostside *hs, char *err, size_t errlen)
{
	struct vmbs *vb = hs ? hostside_vmbs(hs) : NULL;
	if (!vb)
		snprintf(err, errlen, "no VMBus on this host (profile without Hyper-V?)");
	return vb;
}

static void add_finding(void *arg, const struct vmbs_finding *f)
{
	json_array_append_new(arg, json_pack("{s:s, s:i, s:I, s:b, s:s}", "code", f->name,
					     "relid", (int)f->relid, "count", (json_int_t)f->count,
					     "hint", f->hint, "why", f->why));
}

static int cmd_findings(struct hostside *hs, json_t *req, json_t *reply, char *err,
			size_t errlen)
{
	(void)req;
	struct vmbs *vb = need_vmbs(hs, err, errlen);
	if (!vb)
		return -1;
	/* A sweep first: lost wake-ups only show when the guest is idle. */
	vmbs_check_sweep(vb);
	json_t *list = json_array();
	vmbs_check_findings(vb, add_finding, list);
	json_object_set_new(reply, "enabled", json_boolean(vmbs_check_enabled(vb)));
	json_object_set_new(reply, "violations", json_integer((json_int_t)vmbs_check_total(vb, false)));
	json_object_set_new(reply, "hints", json_integer((json_int_t)(vmbs_check_total(vb, true) -
								    vmbs_check_total(vb, false))));
	json_object_set_new(reply, "findings", list);
	return 0;
}

static int cmd_check_enable(struct hostside *hs, json_t *req, json_t *reply, char *err,
			    size_t errlen)
{
	(void)req; (void)reply;
	struct vmbs *vb = need_vmbs(hs, err, errlen);
	if (!vb)
		return -1;
	if (vmbs_check_enable(vb) != 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

static int cmd_check_clear(struct hostside *hs, json_t *req, json_t *reply, char *err,
			   size_t errlen)
{
	(void)req; (void)reply;
	struct vmbs *vb = need_vmbs(hs, err, errlen);
	if (!vb)
		return -1;
	vmbs_check_clear(vb);
	return 0;
}

static const char *const arm_keys[] = { "spec", NULL };
static int cmd_fault_arm(struct hostside *hs, json_t *req, json_t *reply, char *err,
			 size_t errlen)
{
	struct vmbs *vb = need_vmbs(hs, err, errlen);
	const char *spec;
	if (!vb || hostcmd_get_str(req, "spec", &spec, true, err, errlen) < 0)
		return -1;
	struct vmbs_fault f;
	if (vmbs_fault_parse(spec, &f) != 0) {
		snprintf(err, errlen, "bad fault spec \"%s\" (docs/checker.md lists the kinds and keys)",
			 spec);
		return -1;
	}
	int id = vmbs_fault_arm(vb, &f);
	if (id < 0) {
		snprintf(err, errlen, "%s", id == -ENOSPC ? "too many faults armed"
				       : id == -ENOENT ? "no such channel" : strerror(-id));
		return -1;
	}
	json_object_set_new(reply, "id", json_integer(id));
	return 0;
}

static void add_fault(void *arg, const struct vmbs_fault_info *fi)
{
	json_array_append_new(arg, json_pack("{s:i, s:s, s:i, s:i, s:b}", "id", fi->id, "kind",
					     vmbs_fault_kind_name(fi->f.kind), "fired", (int)fi->fired,
					     "count", (int)(fi->f.count ? fi->f.count : 1),
					     "done", fi->done));
}

static int cmd_fault_list(struct hostside *hs, json_t *req, json_t *reply, char *err,
			  size_t errlen)
{
	(void)req;
	struct vmbs *vb = need_vmbs(hs, err, errlen);
	if (!vb)
		return -1;
	json_t *list = json_array();
	vmbs_fault_list(vb, add_fault, list);
	json_object_set_new(reply, "faults", list);
	return 0;
}

static int cmd_fault_clear(struct hostside *hs, json_t *req, json_t *reply, char *err,
			   size_t errlen)
{
	(void)req; (void)reply;
	struct vmbs *vb = need_vmbs(hs, err, errlen);
	if (!vb)
		return -1;
	vmbs_fault_clear(vb);
	return 0;
}

const struct hostcmd_def hostcmd_check_findings = {
	.name = "check.findings", .args = "",
	.help = "protocol-checker findings (after a sweep): code, relid, count, why",
	.run = cmd_findings,
};
const struct hostcmd_def hostcmd_check_enable = {
	.name = "check.enable", .args = "", .help = "start the protocol checker",
	.run = cmd_check_enable,
};
const struct hostcmd_def hostcmd_check_clear = {
	.name = "check.clear", .args = "", .help = "forget the findings so far",
	.run = cmd_check_clear,
};
const struct hostcmd_def hostcmd_fault_arm = {
	.name = "fault.arm", .args = "spec (e.g. \"drop,dir=h2g,msg=GPADL_CREATED,count=1\")",
	.help = "arm a fault at the VMBus server; returns its id", .keys = arm_keys,
	.run = cmd_fault_arm,
};
const struct hostcmd_def hostcmd_fault_list = {
	.name = "fault.list", .args = "", .help = "armed faults and how often each fired",
	.run = cmd_fault_list,
};
const struct hostcmd_def hostcmd_fault_clear = {
	.name = "fault.clear", .args = "", .help = "disarm every fault", .run = cmd_fault_clear,
};
