/* drill_restart.c -- placeholder. */
#include "tests/drills/drill.h"

int drill_daemon_restart(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return -1;
}
