/* fuzz_synic_race.c -- the guest's SynIC message intake (hyperv_synic) with
 * a host that changes the SIMP slot between two reads of the same bytes
 * (fuzz/common/fz_shm.h): the copy-then-validate rule for hv_message
 * ("Copy the hv_message" in Linux).  One vCPU after hyperv_init on an
 * inproc partition; the SIMP page is watched while the SynIC interrupt is
 * taken and while the host posts.  Input: records {u8 op, ...}:
 *   0 SLOT  u8 n, n bytes over the SINT 2 slot (at most 256), then the
 *           interrupt, with the SIMP page watched
 *   1 POST  u8 len (mod 241), len bytes: a legitimate host post (watched)
 *   2 RUN   u8 t: let the guest run t x 1 us (watched)
 * and the feed (the bytes a re-read sees) is everything after the first
 * 0xFE byte at a record boundary (each watched step starts at its
 * beginning).  Invariants: the consumer never sees
 * payload_size > 240, no crash, no leak (as fuzz_synic_intake). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/common/fz_shm.h"
#include "guest_drivers/hyperv/hyperv.h"
#include "guest_drivers/kern.h"
#include "hyperv/hv_tlfs.h"
#include "sim/guest/runtime.h"
#include "sim/guest/transport.h"
#include "sim/hostd/gmem.h"
#include "sim/hostd/partition.h"
#include "sim/hostd/profile.h"

#define FZ_MEM (2u << 20)
#define FZ_MAX_OPS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fz_msg(void *arg, int cpu, const struct hv_message *m)
{
	(void)arg;
	(void)cpu;
	if (m->header.payload_size > HV_MESSAGE_PAYLOAD_BYTES)
		__builtin_trap();
	volatile uint8_t sum = 0;
	for (unsigned i = 0; i < m->header.payload_size; i++)
		sum = (uint8_t)(sum + m->payload[i]);
}

static void fz_event(void *arg, int cpu, uint32_t flag)
{
	(void)arg;
	(void)cpu;
	if (flag >= HV_EVENT_FLAGS_PER_SINT)
		__builtin_trap();
}

static bool fz_never(void *arg)
{
	(void)arg;
	return false;
}

static int fz_boot(void *arg)
{
	return hyperv_init(arg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Records up to the first 0xFE op, the feed after it. */
	size_t nrec = 0;
	while (nrec < size && data[nrec] != 0xFE) {
		uint8_t op = data[nrec] % 3;
		size_t n = op == 2 ? 1 : (nrec + 1 < size ? 1u + data[nrec + 1] : 1);
		nrec += 1 + n;
	}
	if (nrec > size)
		nrec = size;
	const uint8_t *feed = data + (nrec < size ? nrec + 1 : size);
	size_t feedlen = nrec < size ? size - nrec - 1 : 0;

	struct gmem *gm = gmem_create(FZ_MEM);
	if (!gm)
		abort();
	uint8_t *mem = gmem_ptr(gm, 0, FZ_MEM);
	struct gk_transport *t = gk_inproc_create(mem, FZ_MEM, 1);
	struct part_config pc = { .profile = hv_profile_find("ws2019"), .nvcpus = 1 };
	struct part *p = part_create(gm, &pc, gk_inproc_part_notify(), t);
	if (!t || !p)
		abort();
	gk_inproc_attach(t, p);
	struct gk_runtime_config rc = { .sched = GK_SCHED_INPROC, .seed = 1, .log_level = -1 };
	struct gk_runtime *rt = gk_runtime_create(t, &rc);
	if (!rt)
		abort();
	long base = gk_alloc_outstanding();
	struct hyperv_info info;
	if (gk_runtime_call(rt, fz_boot, &info) != 0)
		abort();
	hyperv_set_sint_handler(HV_SINT_VMBUS, fz_msg, fz_event, NULL);
	uint8_t *simp = mem + info.cpu[0].simp_gpa;

	size_t i = 0, served = 0;
	for (int ops = 0; i < nrec && ops < FZ_MAX_OPS; ops++) {
		uint8_t op = data[i++] % 3;
		size_t n = 0;
		if (op != 2 && i < nrec)
			n = data[i++];
		if (n > nrec - i)
			n = nrec - i;
		const uint8_t *b = data + i;
		i += n;
		switch (op) {
		case 0:
			memcpy(simp + HV_SINT_VMBUS * 256, b, n > 256 ? 256 : n);
			fz_shm_watch(simp, HV_PAGE_SIZE, feed, feedlen);
			t->irq(t->irq_arg, 0, HYPERV_SINT_VECTOR);
			kern_wait(NULL, fz_never, NULL, 10000);
			served += fz_shm_unwatch();
			break;
		case 1: {
			uint8_t buf[HV_MESSAGE_PAYLOAD_BYTES] = { 0 };
			uint32_t len = (uint32_t)n % (HV_MESSAGE_PAYLOAD_BYTES + 1);
			memcpy(buf, b, len < n ? len : n);
			fz_shm_watch(simp, HV_PAGE_SIZE, feed, feedlen);
			synic_post(p, 0, HV_SINT_VMBUS, HVMSG_VMBUS, 0, buf, len);
			kern_wait(NULL, fz_never, NULL, 10000);
			served += fz_shm_unwatch();
			break;
		}
		case 2:
			fz_shm_watch(simp, HV_PAGE_SIZE, feed, feedlen);
			kern_wait(NULL, fz_never, NULL, (uint64_t)(i < nrec ? data[i++] : 1) * 1000);
			served += fz_shm_unwatch();
			break;
		}
	}
	kern_wait(NULL, fz_never, NULL, 100000);
	if (getenv("FZ_SHM_STATS"))
		fprintf(stderr, "synic_race: %zu re-read bytes changed\n", served);

	hyperv_fini();
	if (gk_dma_pages_used() != 0 || gk_alloc_outstanding() != base)
		__builtin_trap();
	gk_runtime_destroy(rt);
	part_destroy(p);
	t->ops->close(t);
	gmem_destroy(gm);
	return 0;
}
