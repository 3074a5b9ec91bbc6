/* blk_fault.c -- fault-injecting wrapper (placeholder until it lands). */
#include <errno.h>

#include "sim/devices/blk/blk_var.h"

int blk_wrap_fault(struct blk *inner, struct blk **out)
{
	(void)inner; (void)out;
	return -ENOSYS;
}

int blk_fault_arm(struct blk *fault_blk, const struct blk_fault *f)
{
	(void)fault_blk; (void)f;
	return -EINVAL;
}

uint64_t blk_fault_fired(const struct blk *fault_blk)
{
	(void)fault_blk;
	return 0;
}
