/* netpkt_var.h -- helpers shared between the netpkt files. */
#ifndef SIM_DEVICES_NET_NETPKT_VAR_H
#define SIM_DEVICES_NET_NETPKT_VAR_H

#include "sim/devices/net/netpkt.h"

/* Fix the checksums 'flags' names in a frame already parsed into pi. */
void netpkt_fix_parsed(uint8_t *frame, const struct netpkt_info *pi, unsigned flags);

#endif
