/* transport_split.h -- the guest-process end of the split transport: a
 * Unix socket to hvsim-hostd for control-plane calls, shared guest memory
 * and a shared control page for doorbells and interrupts. */
#ifndef SIM_GUEST_TRANSPORT_SPLIT_H
#define SIM_GUEST_TRANSPORT_SPLIT_H

#include <stddef.h>
#include <stdint.h>

struct gk_transport;

/* Connect to the daemon at socket_path and ask for a partition on host
 * profile 'profile' with ncpus vCPUs and mem_bytes of guest memory.  NULL
 * with a one-line reason in err on failure.  Close with t->ops->close(t). */
struct gk_transport *gk_split_connect(const char *socket_path, const char *profile,
				      uint32_t ncpus, uint64_t mem_bytes, char *err,
				      size_t errlen);

/* A raw control RPC on t's socket (ctl_proto.h type, a[] = request
 * arguments, v[] = reply values), for CTL_STATS and the daemon's test hooks
 * (CTL_ECHO_PORT).  Returns the reply status (0 or -errno from the host),
 * or -EIO when the host is gone. */
int gk_split_rpc(struct gk_transport *t, uint16_t type, uint32_t cpu,
		 const uint64_t a[4], uint64_t v[4]);

#endif /* SIM_GUEST_TRANSPORT_SPLIT_H */
