/* step_table.c -- every kind of scenario step, from each subsystem's
 * step_*.c, in the order `hvsim list steps` and the docs show them. */
#include <string.h>

#include "sim/runner/scn_step.h"

extern const struct scn_step_def scn_step_boot, scn_step_expect, scn_step_wait;
extern const struct scn_step_def scn_step_host, scn_step_host_expect;
extern const struct scn_step_def scn_step_guest_kvp, scn_step_guest_kvpd, scn_step_expect_ic,
	scn_step_expect_shutdown;
extern const struct scn_step_def scn_step_net_ping, scn_step_expect_net;
extern const struct scn_step_def scn_step_net_mtu, scn_step_net_udp, scn_step_net_send;

extern const struct scn_step_def scn_step_disk_write, scn_step_disk_read, scn_step_disk_flush,
	scn_step_disk_unmap, scn_step_expect_disks;
extern const struct scn_step_def scn_step_kill;

const struct scn_step_def *const scn_step_defs[] = {
	&scn_step_boot,
	&scn_step_expect,
	&scn_step_wait,
	&scn_step_host,
	&scn_step_host_expect,
	&scn_step_guest_kvp,
	&scn_step_guest_kvpd,
	&scn_step_expect_ic,
	&scn_step_expect_shutdown,
	&scn_step_net_ping,
	&scn_step_expect_net,
	&scn_step_net_mtu,
	&scn_step_net_udp,
	&scn_step_net_send,
	&scn_step_disk_write,
	&scn_step_disk_read,
	&scn_step_disk_flush,
	&scn_step_disk_unmap,
	&scn_step_expect_disks,
	&scn_step_kill,
	NULL,
};

const struct scn_step_def *scn_step_find(const char *key)
{
	for (const struct scn_step_def *const *d = scn_step_defs; *d; d++)
		if (strcmp((*d)->key, key) == 0)
			return *d;
	return NULL;
}
