/* cli.h -- the hvsim command line: run, check, list. */
#ifndef SIM_RUNNER_CLI_H
#define SIM_RUNNER_CLI_H

/* Exit status: 0 all passed, 1 a scenario failed, 2 bad input (usage,
 * unreadable or invalid scenario). */
int hvsim_main(int argc, char **argv);

#endif /* SIM_RUNNER_CLI_H */
