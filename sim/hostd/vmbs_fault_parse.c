/* vmbs_fault_parse.c -- fault specs as text ("drop,dir=h2g,msg=GPADL_CREATED,
 * count=2") for the scenario runner and the daemon's control socket, and
 * channel-message names. */
#include "sim/hostd/vmbs_fault.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hyperv/vmbus_msg.h"

static const char *const vflt_msg_names[VMBUS_MSG_COUNT] = {
	[VMBUS_MSG_OFFERCHANNEL] = "OFFERCHANNEL",
	[VMBUS_MSG_RESCIND_CHANNELOFFER] = "RESCIND_CHANNELOFFER",
	[VMBUS_MSG_REQUESTOFFERS] = "REQUESTOFFERS",
	[VMBUS_MSG_ALLOFFERS_DELIVERED] = "ALLOFFERS_DELIVERED",
	[VMBUS_MSG_OPENCHANNEL] = "OPENCHANNEL",
	[VMBUS_MSG_OPENCHANNEL_RESULT] = "OPENCHANNEL_RESULT",
	[VMBUS_MSG_CLOSECHANNEL] = "CLOSECHANNEL",
	[VMBUS_MSG_GPADL_HEADER] = "GPADL_HEADER",
	[VMBUS_MSG_GPADL_BODY] = "GPADL_BODY",
	[VMBUS_MSG_GPADL_CREATED] = "GPADL_CREATED",
	[VMBUS_MSG_GPADL_TEARDOWN] = "GPADL_TEARDOWN",
	[VMBUS_MSG_GPADL_TORNDOWN] = "GPADL_TORNDOWN",
	[VMBUS_MSG_RELID_RELEASED] = "RELID_RELEASED",
	[VMBUS_MSG_INITIATE_CONTACT] = "INITIATE_CONTACT",
	[VMBUS_MSG_VERSION_RESPONSE] = "VERSION_RESPONSE",
	[VMBUS_MSG_UNLOAD] = "UNLOAD",
	[VMBUS_MSG_UNLOAD_RESPONSE] = "UNLOAD_RESPONSE",
	[VMBUS_MSG_OPEN_RESERVED_CHANNEL] = "OPEN_RESERVED_CHANNEL",
	[VMBUS_MSG_CLOSE_RESERVED_CHANNEL] = "CLOSE_RESERVED_CHANNEL",
	[VMBUS_MSG_CLOSE_RESERVED_RESPONSE] = "CLOSE_RESERVED_RESPONSE",
	[VMBUS_MSG_TL_CONNECT_REQUEST] = "TL_CONNECT_REQUEST",
	[VMBUS_MSG_MODIFYCHANNEL] = "MODIFYCHANNEL",
	[VMBUS_MSG_TL_CONNECT_RESULT] = "TL_CONNECT_RESULT",
	[VMBUS_MSG_MODIFYCHANNEL_RESPONSE] = "MODIFYCHANNEL_RESPONSE",
	[VMBUS_MSG_MODIFY_CONNECTION] = "MODIFY_CONNECTION",
	[VMBUS_MSG_MODIFY_CONNECTION_RESPONSE] = "MODIFY_CONNECTION_RESPONSE",
	[VMBUS_MSG_PAUSE] = "PAUSE",
	[VMBUS_MSG_PAUSE_RESPONSE] = "PAUSE_RESPONSE",
	[VMBUS_MSG_RESUME] = "RESUME",
};

const char *vmbs_fault_msg_name(uint32_t msgtype)
{
	return msgtype < VMBUS_MSG_COUNT && vflt_msg_names[msgtype] ? vflt_msg_names[msgtype]
								    : "?";
}

int vmbs_fault_msg_from_name(const char *name)
{
	for (uint32_t i = 1; i < VMBUS_MSG_COUNT; i++)
		if (vflt_msg_names[i] && strcasecmp(name, vflt_msg_names[i]) == 0)
			return (int)i;
	return -1;
}

/* A decimal or 0x number that fits in max; 0 or -EINVAL. */
static int vflt_num(const char *s, uint64_t max, uint64_t *out)
{
	if (!*s || *s == '-' || *s == '+')
		return -EINVAL;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || *end || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int vflt_kv(const char *key, const char *val, struct vmbs_fault *f)
{
	uint64_t v;
	if (strcmp(key, "dir") == 0) {
		if (strcasecmp(val, "g2h") == 0)
			f->dir = VMBS_FAULT_G2H;
		else if (strcasecmp(val, "h2g") == 0)
			f->dir = VMBS_FAULT_H2G;
		else
			return -EINVAL;
		return 0;
	}
	if (strcmp(key, "msg") == 0) {
		int t = vmbs_fault_msg_from_name(val);
		if (t < 0) {
			if (vflt_num(val, VMBUS_MSG_COUNT - 1, &v) || v == 0)
				return -EINVAL;
			t = (int)v;
		}
		f->msgtype = (uint32_t)t;
		return 0;
	}
	if (strcmp(key, "relid") == 0) {
		if (vflt_num(val, VMBUS_RELID_LIMIT - 1, &v) || v == 0)
			return -EINVAL;
		f->relid = (uint32_t)v;
		return 0;
	}
	if (strcmp(key, "count") == 0) {
		if (vflt_num(val, 1000000, &v) || v == 0)
			return -EINVAL;
		f->count = (uint32_t)v;
		return 0;
	}
	/* Durations: at most an hour of virtual time. */
	if (strcmp(key, "ms") == 0) {
		if (vflt_num(val, 3600000, &v) || v == 0)
			return -EINVAL;
		f->time = v * 10000u;
		return 0;
	}
	if (strcmp(key, "us") == 0) {
		if (vflt_num(val, 3600000000ull, &v) || v == 0)
			return -EINVAL;
		f->time = v * 10u;
		return 0;
	}
	return -EINVAL;
}

int vmbs_fault_parse(const char *spec, struct vmbs_fault *out)
{
	char buf[256];
	if (!spec || strlen(spec) >= sizeof buf)
		return -EINVAL;
	strcpy(buf, spec);
	struct vmbs_fault f;
	memset(&f, 0, sizeof f);
	char *save = NULL;
	char *tok = strtok_r(buf, ",", &save);
	if (!tok)
		return -EINVAL;
	int kind = -1;
	for (int k = 0; k < VMBS_FAULT_KIND_COUNT; k++)
		if (strcasecmp(tok, vmbs_fault_kind_name((enum vmbs_fault_kind)k)) == 0)
			kind = k;
	if (kind < 0)
		return -EINVAL;
	f.kind = (enum vmbs_fault_kind)kind;
	while ((tok = strtok_r(NULL, ",", &save)) != NULL) {
		char *eq = strchr(tok, '=');
		if (!eq)
			return -EINVAL;
		*eq = '\0';
		if (vflt_kv(tok, eq + 1, &f))
			return -EINVAL;
	}
	*out = f;
	return 0;
}
