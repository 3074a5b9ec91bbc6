/* bench_hostd.h -- the split-mode half the benchmarks share: a forked
 * process running hvsim-hostd's own loop (hostd_create / hostd_run) with
 * the bench's host extension, ready once its guest socket accepts, and
 * stopping it again. */
#ifndef BENCH_COMMON_BENCH_HOSTD_H
#define BENCH_COMMON_BENCH_HOSTD_H

#include <sys/types.h>

struct hostd_config;

/* Fork a daemon serving cfg->socket_path (cfg is used in the child only).
 * Its stderr goes to /dev/null unless the environment variable debug_env
 * is set.  Returns its pid once the socket accepts, or -1 (a child that
 * started is reaped). */
pid_t bench_hostd_fork(const struct hostd_config *cfg, const char *debug_env);
/* Wait up to 5 s for 'path' to accept guests while 'pid' lives: 0 or -1. */
int bench_hostd_wait(const char *path, pid_t pid);
/* SIGTERM, then SIGKILL after 3 s; reaps it.  pid <= 0 is ignored. */
void bench_hostd_stop(pid_t pid);
/* After bench_hostd_stop: remove the daemon's socket at 'path' (and its
 * .ctl and .lock) and the directory 'dir' holding them ("" = none). */
void bench_hostd_remove_files(const char *dir, const char *path);

#endif /* BENCH_COMMON_BENCH_HOSTD_H */
