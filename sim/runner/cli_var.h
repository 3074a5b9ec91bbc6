/* cli_var.h -- what the parts of the hvsim command line share. */
#ifndef SIM_RUNNER_CLI_VAR_H
#define SIM_RUNNER_CLI_VAR_H

#include <stddef.h>
#include <stdint.h>

#define CLI_MAX_FILES 4096

extern const char cli_usage_text[];

/* Print "hvsim: <msg>" and the usage; returns 2. */
int cli_usage_error(const char *fmt, const char *arg);
/* A whole decimal u64: no sign, no junk, no overflow.  0 or -EINVAL. */
int cli_parse_u64(const char *s, uint64_t *out);

struct file_list {
	char  *path[CLI_MAX_FILES];
	size_t n;
};
int  cli_add_path(struct file_list *fl, const char *path, unsigned depth);
/* Every FILE|DIR argument into fl; 0, or 2 after saying why. */
int  cli_collect(struct file_list *fl, int argc, char **argv);
void cli_free_list(struct file_list *fl);

int cli_run(int argc, char **argv);      /* hvsim run / replay */
int cli_ctl(int argc, char **argv);      /* hvsim ctl */

#endif /* SIM_RUNNER_CLI_VAR_H */
