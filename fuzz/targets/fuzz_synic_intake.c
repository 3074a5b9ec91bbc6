/* fuzz_synic_intake.c -- the GUEST side taking SynIC traffic from a
 * hostile host: after hyperv_init on an inproc partition, the input writes
 * bytes straight into the SIMP slots and SIEF pages (bypassing every host
 * check), raises interrupts and lets the ISR run.  Invariants: the
 * consumer never sees payload_size > 240, no crash, and after
 * hyperv_fini no DMA page or kern_malloc block is left.
 *
 * Input: byte 0 picks 1 or 2 vCPUs (bit 0); then operations, each an
 * opcode byte followed by its operands (missing bytes read as 0):
 *   0 SLOT   cpu, sint, then up to 256 bytes copied over that SIMP slot
 *   1 FLAGS  cpu, off lo, off hi (mod 4096), len, len bytes into the SIEF page
 *   2 IRQ    cpu, vector (low bit of a third byte: use the SynIC vector)
 *   3 RUN    time byte: let the guest run (time * 1000 ns of virtual time)
 *   4 POST   cpu, type lo, len (mod 241), bytes: a legitimate host post
 *   5 SIGNAL cpu, flag lo, flag hi: a legitimate host event
 *   6 EOMSLOT cpu: set MessagePending in the SIMP slot of SINT2 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "guest_drivers/hyperv/hyperv.h"
#include "guest_drivers/kern.h"
#include "hyperv/hv_tlfs.h"
#include "sim/guest/runtime.h"
#include "sim/guest/transport.h"
#include "sim/hostd/gmem.h"
#include "sim/hostd/partition.h"
#include "sim/hostd/profile.h"

#define FUZZ_MEM (2u << 20)
#define FUZZ_MAX_OPS 256

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct cursor {
	const uint8_t *p;
	size_t n;
};

static uint8_t take(struct cursor *c)
{
	if (!c->n)
		return 0;
	c->n--;
	return *c->p++;
}

static uint64_t fuzz_msgs;

static void on_msg(void *arg, int cpu, const struct hv_message *m)
{
	(void)arg; (void)cpu;
	if (m->header.payload_size > HV_MESSAGE_PAYLOAD_BYTES)
		__builtin_trap(); /* the invariant under test */
	/* Touch what the consumer would parse. */
	volatile uint8_t sum = 0;
	for (unsigned i = 0; i < m->header.payload_size; i++)
		sum = (uint8_t)(sum + m->payload[i]);
	fuzz_msgs++;
}

static void on_event(void *arg, int cpu, uint32_t flag)
{
	(void)arg; (void)cpu;
	if (flag >= HV_EVENT_FLAGS_PER_SINT)
		__builtin_trap();
}

static bool never(void *arg)
{
	(void)arg;
	return false;
}

static int boot(void *arg)
{
	return hyperv_init(arg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	struct cursor c = { data, size };
	uint32_t ncpus = 1 + (take(&c) & 1);
	struct gmem *gm = gmem_create(FUZZ_MEM);
	if (!gm)
		abort();
	uint8_t *mem = gmem_ptr(gm, 0, FUZZ_MEM);
	struct gk_transport *t = gk_inproc_create(mem, FUZZ_MEM, ncpus);
	struct part_config pc = { .profile = hv_profile_find("ws2019"), .nvcpus = ncpus };
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
	if (gk_runtime_call(rt, boot, &info) != 0)
		abort();
	hyperv_set_sint_handler(HV_SINT_VMBUS, on_msg, on_event, NULL);

	for (int ops = 0; c.n && ops < FUZZ_MAX_OPS; ops++) {
		uint8_t op = take(&c) % 7;
		uint32_t cpu = take(&c) % ncpus;
		uint8_t *simp = mem + info.cpu[cpu].simp_gpa;
		uint8_t *sief = mem + info.cpu[cpu].siefp_gpa;
		switch (op) {
		case 0: {
			uint32_t sint = take(&c) % HV_SINT_COUNT;
			size_t n = c.n < 256 ? c.n : 256;
			memcpy(simp + sint * 256, c.p, n);
			c.p += n;
			c.n -= n;
			break;
		}
		case 1: {
			uint32_t off = (take(&c) | (uint32_t)take(&c) << 8) % HV_PAGE_SIZE;
			size_t n = take(&c);
			if (n > c.n)
				n = c.n;
			if (n > HV_PAGE_SIZE - off)
				n = HV_PAGE_SIZE - off;
			memcpy(sief + off, c.p, n);
			c.p += n;
			c.n -= n;
			break;
		}
		case 2: {
			uint8_t vec = take(&c);
			if (take(&c) & 1)
				vec = HYPERV_SINT_VECTOR;
			t->irq(t->irq_arg, cpu, vec);
			break;
		}
		case 3:
			kern_wait(NULL, never, NULL, (uint64_t)take(&c) * 1000);
			break;
		case 4: {
			uint32_t type = take(&c);
			uint32_t len = take(&c) % (HV_MESSAGE_PAYLOAD_BYTES + 1);
			uint8_t buf[HV_MESSAGE_PAYLOAD_BYTES] = { 0 };
			size_t n = len < c.n ? len : c.n;
			memcpy(buf, c.p, n);
			c.p += n;
			c.n -= n;
			synic_post(p, cpu, HV_SINT_VMBUS, type ? type : HVMSG_VMBUS, 0, buf, len);
			break;
		}
		case 5: {
			uint32_t flag = (take(&c) | (uint32_t)take(&c) << 8) % HV_EVENT_FLAGS_PER_SINT;
			synic_signal(p, cpu, HV_SINT_VMBUS, flag);
			break;
		}
		case 6:
			simp[HV_SINT_VMBUS * 256 + 5] |= HV_MSG_FLAG_PENDING;
			break;
		}
	}
	kern_wait(NULL, never, NULL, 100000);

	hyperv_fini();
	if (gk_dma_pages_used() != 0 || gk_alloc_outstanding() != base)
		__builtin_trap(); /* leaked guest pages or heap blocks */
	gk_runtime_destroy(rt);
	part_destroy(p);
	t->ops->close(t);
	gmem_destroy(gm);
	return 0;
}
