/* pio.c -- port I/O traps: which host device answers an IN/OUT the guest executes. */
#include <errno.h>

#include "sim/hostd/partition.h"
#include "sim/hostd/partition_var.h"

struct part_pio_range {
	uint16_t r_base, r_count;
	const struct part_pio_ops *r_ops;
	void *r_arg;
};

struct part_pio {
	struct part_pio_range pi_r[PART_MAX_PIO_RANGES];
	unsigned pi_n;
	uint64_t pi_exits;
};

void part_pio_free(struct part *p)
{
	part_free(p->p_pio);
	p->p_pio = NULL;
}

int part_pio_register(struct part *p, uint16_t base, uint16_t count,
		      const struct part_pio_ops *ops, void *arg)
{
	if (!count || (uint32_t)base + count > 0x10000u || !ops || !ops->read || !ops->write)
		return -EINVAL;
	if (!p->p_pio) {
		p->p_pio = part_zalloc(sizeof *p->p_pio);
		if (!p->p_pio)
			return -ENOMEM;
	}
	struct part_pio *pi = p->p_pio;
	for (unsigned i = 0; i < pi->pi_n; i++) {
		const struct part_pio_range *r = &pi->pi_r[i];
		if (base < r->r_base + r->r_count && r->r_base < base + count)
			return -EEXIST;
	}
	if (pi->pi_n == PART_MAX_PIO_RANGES)
		return -ENOSPC;
	pi->pi_r[pi->pi_n++] = (struct part_pio_range){ base, count, ops, arg };
	part_trace(p, "pio register 0x%x+%u", base, count);
	return 0;
}

int part_pio_unregister(struct part *p, uint16_t base)
{
	struct part_pio *pi = p->p_pio;
	for (unsigned i = 0; pi && i < pi->pi_n; i++) {
		if (pi->pi_r[i].r_base == base) {
			pi->pi_r[i] = pi->pi_r[--pi->pi_n];
			return 0;
		}
	}
	return -ENOENT;
}

static const struct part_pio_range *pio_find(struct part *p, uint16_t port)
{
	struct part_pio *pi = p->p_pio;
	for (unsigned i = 0; pi && i < pi->pi_n; i++)
		if (port >= pi->pi_r[i].r_base && port - pi->pi_r[i].r_base < pi->pi_r[i].r_count)
			return &pi->pi_r[i];
	return NULL;
}

static uint32_t pio_mask(unsigned size)
{
	return size == 1 ? 0xFFu : size == 2 ? 0xFFFFu : 0xFFFFFFFFu;
}

uint32_t part_pio_read(struct part *p, uint32_t vp, uint16_t port, unsigned size)
{
	(void)vp;
	if (p->p_pio)
		p->p_pio->pi_exits++;
	if (size != 1 && size != 2 && size != 4)
		return 0xFFFFFFFFu;
	const struct part_pio_range *r = pio_find(p, port);
	if (!r)
		return pio_mask(size);
	return r->r_ops->read(r->r_arg, port, size) & pio_mask(size);
}

void part_pio_write(struct part *p, uint32_t vp, uint16_t port, unsigned size, uint32_t val)
{
	(void)vp;
	if (p->p_pio)
		p->p_pio->pi_exits++;
	if (size != 1 && size != 2 && size != 4)
		return;
	const struct part_pio_range *r = pio_find(p, port);
	if (r)
		r->r_ops->write(r->r_arg, port, size, val & pio_mask(size));
}

uint64_t part_pio_exits(const struct part *p)
{
	return p->p_pio ? p->p_pio->pi_exits : 0;
}
