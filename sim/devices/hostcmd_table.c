/* hostcmd_table.c -- every host command, from each device's hostcmd_*.c,
 * in the order `hvsim ctl help` lists them. */
#include <stddef.h>

#include "sim/devices/hostcmd.h"

extern const struct hostcmd_def hostcmd_help, hostcmd_vmbus, hostcmd_channels;
extern const struct hostcmd_def hostcmd_ic_shutdown, hostcmd_ic_shutdown_status,
	hostcmd_ic_heartbeat, hostcmd_ic_time_jump, hostcmd_ic_timesync;
extern const struct hostcmd_def hostcmd_kvp_set, hostcmd_kvp_delete, hostcmd_kvp_get,
	hostcmd_kvp_list, hostcmd_kvp_refresh, hostcmd_kvp_status;
extern const struct hostcmd_def hostcmd_check_findings, hostcmd_check_enable,
	hostcmd_check_clear, hostcmd_fault_arm, hostcmd_fault_list, hostcmd_fault_clear;
extern const struct hostcmd_def hostcmd_nic_link, hostcmd_nic_stats, hostcmd_nic_add,
	hostcmd_nic_remove;
extern const struct hostcmd_def hostcmd_scsi_add, hostcmd_scsi_remove, hostcmd_scsi_stats,
	hostcmd_disk_fault, hostcmd_disk_crash;
extern const struct hostcmd_def hostcmd_capture_start, hostcmd_capture_stop,
	hostcmd_capture_status;

const struct hostcmd_def *const hostcmd_defs[] = {
	&hostcmd_help,
	&hostcmd_vmbus,
	&hostcmd_channels,
	&hostcmd_ic_shutdown,
	&hostcmd_ic_shutdown_status,
	&hostcmd_ic_heartbeat,
	&hostcmd_ic_time_jump,
	&hostcmd_ic_timesync,
	&hostcmd_kvp_set,
	&hostcmd_kvp_delete,
	&hostcmd_kvp_get,
	&hostcmd_kvp_list,
	&hostcmd_kvp_refresh,
	&hostcmd_kvp_status,
	&hostcmd_check_findings,
	&hostcmd_check_enable,
	&hostcmd_check_clear,
	&hostcmd_fault_arm,
	&hostcmd_fault_list,
	&hostcmd_fault_clear,
	&hostcmd_nic_link,
	&hostcmd_nic_stats,
	&hostcmd_nic_add,
	&hostcmd_nic_remove,
	&hostcmd_scsi_add,
	&hostcmd_scsi_remove,
	&hostcmd_scsi_stats,
	&hostcmd_disk_fault,
	&hostcmd_disk_crash,
	&hostcmd_capture_start,
	&hostcmd_capture_stop,
	&hostcmd_capture_status,
	NULL,
};
