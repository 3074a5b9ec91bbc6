/* test_nbd_split.c -- the emulated ATA disk through the split daemon (hostside cfg.ata in hvsim-hostd's session, port I/O as control RPCs, guest on vCPU threads), exported over NBD and driven by nbdcopy. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "guest_drivers/ata/ata_drv.h"
#include "guest_drivers/kern.h"
#include "sim/devices/ata/ata.h"
#include "sim/devices/hostside.h"
#include "sim/guest/nbd_export.h"
#include "sim/guest/runtime.h"
#include "sim/guest/transport.h"
#include "sim/guest/transport_split.h"
#include "sim/hostd/daemon/hostd.h"
#include "sim/hostd/daemon/hsess.h"

static char img_path[128];

static int ext_attach(struct hsess *s, void *arg, void **ctx)
{
	(void)arg;
	struct hostside_config hc;
	memset(&hc, 0, sizeof hc);
	hc.ata = true;
	hc.ata_image = img_path;
	hc.ata_serial = "SPLIT-ATA";
	struct hostside *hs = hostside_create(hsess_part(s), hsess_gmem(s), &hc, NULL, NULL);
	if (!hs)
		return -errno;
	*ctx = hs;
	return 0;
}

static bool ext_pump(void *ctx) { return hostside_pump(ctx); }
static void ext_detach(void *ctx) { hostside_destroy(ctx); }

static const struct hsess_ext ata_ext = { .attach = ext_attach, .pump = ext_pump, .detach = ext_detach };

static pid_t spawn_daemon(const char *path)
{
	pid_t pid = fork();
	if (pid == 0) {
		struct hostd_config cfg = { .socket_path = path, .handle_signals = true, .ext = &ata_ext };
		char err[256];
		int code = 1;
		struct hostd *d = hostd_create(&cfg, err, sizeof err, &code);
		if (!d)
			_exit(code);
		int rc = hostd_run(d);
		hostd_destroy(d);
		_exit(rc ? 1 : 0);
	}
	for (int i = 0; i < 2000; i++) {
		int fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		snprintf(sa.sun_path, sizeof sa.sun_path, "%.100s", path);
		int ok = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
		close(fd);
		if (ok)
			return pid;
		usleep(5000);
	}
	return -1;
}

struct job { struct ata_disk *ad; struct nbd_export *x; const char *sock; int err; bool data_ok; };

static void on_done(void *arg, int err) { *(int *)arg = err; }

static int guest_attach_export(void *arg)
{
	struct job *j = arg;
	if (ata_platform_detect() != ATA_PLAT_NONE)
		return -EPROTO;
	int rc = ata_disk_attach(&j->ad);
	if (rc)
		return rc;
	/* a direct round trip first */
	static uint8_t w[64 * 512], r[64 * 512];
	for (unsigned i = 0; i < sizeof w; i++)
		w[i] = (uint8_t)(i ^ (i >> 8));
	int e1 = 1, e2 = 1;
	ata_disk_write(j->ad, 100, 64, w, on_done, &e1);
	ata_disk_read(j->ad, 100, 64, r, on_done, &e2);
	j->data_ok = !e1 && !e2 && !memcmp(w, r, sizeof w);
	struct nbd_disk d;
	rc = nbd_disk_ata(j->ad, &d);
	if (!rc)
		rc = nbd_export_add(j->x, "ata", &d);
	if (!rc)
		rc = nbd_export_listen(j->x, j->sock);
	return rc;
}

static int guest_free(void *arg)
{
	struct job *j = arg;
	ata_disk_free(j->ad);
	return 0;
}

static void test_nbd_split__ata_through_daemon__roundtrip_and_nbdcopy(void **state)
{
	(void)state;
	char dir[64] = "/tmp/hvsim-nbds-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[128], sock[128], cmd[1024];
	snprintf(path, sizeof path, "%s/hostd", dir);
	snprintf(sock, sizeof sock, "%s/nbd.sock", dir);
	snprintf(img_path, sizeof img_path, "%s/disk.img", dir);
	int fd = open(img_path, O_CREAT | O_RDWR, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 2 << 20), 0);
	close(fd);
	pid_t d = spawn_daemon(path);
	assert_true(d > 0);
	char err[256];
	struct gk_transport *t = gk_split_connect(path, "none", 1, 16 << 20, err, sizeof err);
	assert_non_null(t);
	struct gk_runtime_config rc = { .sched = GK_SCHED_THREADS };
	struct gk_runtime *rt = gk_runtime_create(t, &rc);
	assert_non_null(rt);
	ata_disk_claims_reset();
	ata_prio_load(NULL);
	struct job j = { .sock = sock };
	j.x = nbd_export_create(NULL);
	assert_int_equal(gk_runtime_call(rt, guest_attach_export, &j), 0);
	assert_true(j.data_ok);
	if (system("command -v nbdcopy >/dev/null 2>&1") == 0) {
		snprintf(cmd, sizeof cmd,
			 "head -c 2097152 /dev/urandom > %s/in && "
			 "timeout 120 nbdcopy %s/in 'nbd+unix:///ata?socket=%s' && "
			 "timeout 120 nbdcopy 'nbd+unix:///ata?socket=%s' %s/out && "
			 "cmp %s/in %s/out && cmp %s/in %s", dir, dir, sock, sock, dir, dir, dir, dir, img_path);
		assert_int_equal(nbd_export_start(j.x, rt, 2), 0);
		int st = system(cmd);
		assert_int_equal(nbd_export_join(j.x), 0);   /* served exactly the two clients */
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	nbd_export_destroy(j.x);
	assert_int_equal(gk_runtime_call(rt, guest_free, &j), 0);
	gk_runtime_destroy(rt);
	t->ops->close(t);
	kill(d, SIGTERM);
	int status;
	waitpid(d, &status, 0);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nbd_split__ata_through_daemon__roundtrip_and_nbdcopy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
