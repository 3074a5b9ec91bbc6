/* drill_hostile.c -- placeholder. */
#include "tests/drills/drill.h"

int drill_hostile(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return -1;
}
