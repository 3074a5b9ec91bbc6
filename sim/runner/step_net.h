/* step_net.h -- what the network steps (step_net.c, step_net_tx.c) share:
 * validation of a NIC unit and a MAC address. */
#ifndef SIM_RUNNER_STEP_NET_H
#define SIM_RUNNER_STEP_NET_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/runner/scn_json.h"

/* Fail unless hn<unit> is one of the scenario's devices.nics. */
void net_check_unit(struct scn_vctx *v, uint64_t unit);
/* "00:15:5d:00:00:01" -> mac.  False when absent or invalid (then failed). */
bool net_get_mac(struct scn_vctx *v, json_t *obj, const char *key, uint8_t mac[6]);

#endif /* SIM_RUNNER_STEP_NET_H */
