/* drill_durable.c -- placeholder. */
#include "tests/drills/drill.h"

int drill_durability(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return -1;
}
