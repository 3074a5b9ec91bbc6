/* blk_image.c -- raw image files (placeholder until the engine lands). */
#include <errno.h>

#include "sim/devices/blk/blk_var.h"

static enum blk_engine blk_default_engine = BLK_ENGINE_THREADS;

void blk_set_default_engine(enum blk_engine e)
{
	blk_default_engine = e == BLK_ENGINE_DEFAULT ? BLK_ENGINE_THREADS : e;
}

int blk_open_image(const char *path, const struct blk_image_opts *o, struct blk **out)
{
	(void)path; (void)o; (void)out;
	return -ENOSYS;
}
