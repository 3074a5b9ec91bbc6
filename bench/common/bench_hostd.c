/* bench_hostd.c -- a forked hvsim-hostd loop for the split-mode benches. */
#include "bench/common/bench_hostd.h"

#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sim/hostd/daemon/hostd.h"

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };
	nanosleep(&ts, NULL);
}

static bool socket_accepts(const char *path)
{
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
	bool ok = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
	close(fd);
	return ok;
}

int bench_hostd_wait(const char *path, pid_t pid)
{
	for (int i = 0; i < 1000; i++) {
		if (socket_accepts(path))
			return 0;
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return -1;
		sleep_ms(5);
	}
	return -1;
}

pid_t bench_hostd_fork(const struct hostd_config *cfg, const char *debug_env)
{
	pid_t pid = fork();
	if (pid == 0) {
		int nul = debug_env && getenv(debug_env) ? -1 : open("/dev/null", O_WRONLY);
		if (nul >= 0)
			dup2(nul, STDERR_FILENO);
		char err[256];
		int code = 1;
		struct hostd *d = hostd_create(cfg, err, sizeof err, &code);
		if (!d) {
			fprintf(stderr, "bench daemon: %s\n", err);
			_exit(code);
		}
		int rc = hostd_run(d);
		hostd_destroy(d);
		_exit(rc ? 1 : 0);
	}
	if (pid < 0)
		return -1;
	if (bench_hostd_wait(cfg->socket_path, pid) != 0) {
		bench_hostd_stop(pid);
		return -1;
	}
	return pid;
}

void bench_hostd_stop(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	for (int i = 0; i < 600; i++) {
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return;
		sleep_ms(5);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

void bench_hostd_remove_files(const char *dir, const char *path)
{
	if (!dir[0])
		return;
	char p[512];
	snprintf(p, sizeof p, "%s.ctl", path);
	unlink(p);
	snprintf(p, sizeof p, "%s.lock", path);
	unlink(p);
	unlink(path);
	rmdir(dir);
}
