/* main.c -- the hvsim command (see cli.c). */
#include "sim/runner/cli.h"

int main(int argc, char **argv)
{
	return hvsim_main(argc, argv);
}
