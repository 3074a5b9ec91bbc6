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

#endif /* SIM_GUEST_TRANSPORT_SPLIT_H */
