/* netvsp_fuzz_env.h -- shared set-up of the netvsp fuzz targets: guest
 * memory, a partition, a VMBus server and one NIC, optionally put straight
 * into a negotiated state over fixed receive/send buffer pages. */
#ifndef FUZZ_NETVSP_FUZZ_ENV_H
#define FUZZ_NETVSP_FUZZ_ENV_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sim/devices/netvsp/netvsp.h"
#include "sim/devices/netvsp/netvsp_var.h"
#include "sim/hostd/gmem.h"
#include "sim/hostd/partition.h"
#include "sim/hostd/profile.h"
#include "sim/hostd/vmbs.h"

#define NFZ_RBUF_PFN 0x100u
#define NFZ_RBUF_N   32u
#define NFZ_SBUF_PFN 0x140u
#define NFZ_SBUF_N   8u

struct nfz {
	struct gmem *gm;
	struct part *p;
	struct vmbs *vb;
	struct netvsp *nic;
	uint64_t rpfn[NFZ_RBUF_N], spfn[NFZ_SBUF_N];
};

static inline int nfz_init(struct nfz *z, bool ready, bool rndis)
{
	memset(z, 0, sizeof *z);
	z->gm = gmem_create(2u << 20);
	if (!z->gm)
		return -1;
	struct part_config pc = { .profile = hv_profile_find("ws2022"), .nvcpus = 1 };
	z->p = part_create(z->gm, &pc, NULL, NULL);
	z->vb = z->p ? vmbs_create(z->p, z->gm, NULL, NULL, NULL) : NULL;
	struct netvsp_config cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.mac[0] = 0x00; cfg.mac[1] = 0x15; cfg.mac[2] = 0x5d; cfg.mac[5] = 1;
	cfg.be.kind = NETBE_NULL;
	if (!z->vb || netvsp_create(z->vb, pc.profile, &cfg, NULL, NULL, &z->nic))
		return -1;
	for (uint32_t i = 0; i < NFZ_RBUF_N; i++)
		z->rpfn[i] = NFZ_RBUF_PFN + i;
	for (uint32_t i = 0; i < NFZ_SBUF_N; i++)
		z->spfn[i] = NFZ_SBUF_PFN + i;
	if (ready && netvsp_fuzz_ready(z->nic, z->rpfn, NFZ_RBUF_N, z->spfn, NFZ_SBUF_N, rndis))
		return -1;
	return 0;
}

static inline void nfz_fini(struct nfz *z)
{
	if (z->nic && !netvsp_fuzz_invariants(z->nic))
		abort();
	netvsp_destroy(z->nic);
	vmbs_destroy(z->vb);
	part_destroy(z->p);
	gmem_destroy(z->gm);
}

#endif /* FUZZ_NETVSP_FUZZ_ENV_H */
