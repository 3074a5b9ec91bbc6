/* test_devspec.c -- the one device-description parser (scenario "devices"
 * and the daemon's "guest.devices"): strict validation with the JSON path
 * of the first error, the JSON form round trip, path resolution, image
 * checks, the hostside configuration per profile, and LUNs attached to a
 * real SCSI controller. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "hyperv/vstor.h"
#include "sim/devices/devspec.h"
#include "sim/devices/hostside.h"
#include "sim/devices/storvsp/storvsp.h"
#include "sim/hostd/gmem.h"
#include "sim/hostd/partition.h"
#include "sim/hostd/profile.h"

static int parse_text(const char *text, struct devspec *d, char *why, size_t cap)
{
	json_error_t je;
	json_t *j = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
	assert_non_null(j);
	struct devspec_err e;
	int rc = devspec_parse(j, d, &e);
	if (rc)
		devspec_err_format(&e, why, cap);
	json_decref(j);
	return rc;
}

static void want_error(const char *text, const char *fragment)
{
	static struct devspec d; /* static: fail_msg does not return */
	char why[512] = "";
	assert_int_equal(parse_text(text, &d, why, sizeof why), -EINVAL);
	if (!strstr(why, fragment))
		fail_msg("error \"%s\" lacks \"%s\"", why, fragment);
}

static void test_devspec__full_description__every_field(void **state)
{
	(void)state;
	struct devspec *d = malloc(sizeof *d);
	char why[512];
	int rc = parse_text("{\"nics\": [{\"backend\": \"null\"}, {\"peer_ip\": \"192.168.7.9\","
			    " \"queues\": 4, \"link_down\": true, \"pcap\": \"x.pcap\"}],"
			    " \"scsi\": {\"subchannels\": 3, \"luns\": [{\"lun\": 0, \"size_mb\": 8},"
			    " {\"target\": 1, \"lun\": 5, \"image\": \"d.img\", \"sector\": 4096,"
			    " \"read_only\": true, \"serial\": \"SER-1\"}]},"
			    " \"ata\": {\"size_mb\": 2, \"serial\": \"ATA1\"}}", d, why, sizeof why);
	assert_int_equal(rc, 0);
	assert_int_equal(d->nnics, 2);
	assert_int_equal(d->nics[0].backend, DEVSPEC_NIC_NULL);
	assert_int_equal(d->nics[0].peer_ip, 0x0A000001u);
	assert_int_equal(d->nics[1].backend, DEVSPEC_NIC_PEER);
	assert_int_equal(d->nics[1].peer_ip, 0xC0A80709u);
	assert_int_equal(d->nics[1].queues, 4);
	assert_true(d->nics[1].link_down);
	assert_string_equal(d->nics[1].pcap, "x.pcap");
	assert_true(d->scsi);
	assert_int_equal(d->scsi_subchannels, 3);
	assert_int_equal(d->nluns, 2);
	assert_int_equal(d->luns[0].disk.size_mb, 8);
	assert_int_equal(d->luns[0].disk.sector, 512);
	assert_int_equal(d->luns[1].target, 1);
	assert_int_equal(d->luns[1].lun, 5);
	assert_string_equal(d->luns[1].disk.image, "d.img");
	assert_int_equal(d->luns[1].disk.sector, 4096);
	assert_true(d->luns[1].disk.read_only);
	assert_string_equal(d->luns[1].disk.serial, "SER-1");
	assert_true(d->ata);
	assert_int_equal(d->ata_disk.size_mb, 2);
	assert_string_equal(d->ata_disk.serial, "ATA1");
	free(d);
}

static void test_devspec__bad_inputs__path_and_reason(void **state)
{
	(void)state;
	want_error("[]", "$: must be an object");
	want_error("{\"disks\": []}", "$.disks: unknown key");
	want_error("{\"nics\": {}}", "$.nics: must be an array");
	want_error("{\"nics\": [{}, {\"queues\": 65}]}", "$.nics[1].queues: must be an integer in 1..64");
	want_error("{\"nics\": [{\"backend\": \"tap\"}]}", "$.nics[0].backend: \"tap\" is not");
	want_error("{\"nics\": [{\"peer_ip\": \"10.0.0\"}]}", "$.nics[0].peer_ip: \"10.0.0\" is not");
	want_error("{\"nics\": [{\"link_down\": 1}]}", "$.nics[0].link_down: must be true or false");
	want_error("{\"nics\": [{\"pcap\": \"\"}]}", "$.nics[0].pcap: must be 1..");
	want_error("{\"nics\": [{},{},{},{},{},{},{},{},{}]}", "at most 8 NICs");
	want_error("{\"scsi\": {\"luns\": [{\"size_mb\": 1}]}}", "$.scsi.luns[0]: missing required key \"lun\"");
	want_error("{\"scsi\": {\"luns\": [{\"lun\": 64, \"size_mb\": 1}]}}", "$.scsi.luns[0].lun: must be an integer in 0..63");
	want_error("{\"scsi\": {\"luns\": [{\"lun\": 0, \"target\": 2, \"size_mb\": 1}]}}", "$.scsi.luns[0].target");
	want_error("{\"scsi\": {\"luns\": [{\"lun\": 0}]}}", "exactly one of \"image\"");
	want_error("{\"scsi\": {\"luns\": [{\"lun\": 0, \"size_mb\": 1, \"image\": \"a\"}]}}", "exactly one of");
	want_error("{\"scsi\": {\"luns\": [{\"lun\": 0, \"size_mb\": 0}]}}", "$.scsi.luns[0].size_mb");
	want_error("{\"scsi\": {\"luns\": [{\"lun\": 0, \"size_mb\": 1, \"sector\": 1024}]}}", "$.scsi.luns[0].sector: must be 512 or 4096");
	want_error("{\"scsi\": {\"luns\": [{\"lun\": 0, \"size_mb\": 1, \"serial\": \"a\\u0001\"}]}}", "printable");
	want_error("{\"scsi\": {\"luns\": [{\"lun\": 3, \"size_mb\": 1}, {\"lun\": 3, \"size_mb\": 1}]}}", "$.scsi.luns[1]: target 0 lun 3 is given twice");
	want_error("{\"scsi\": {\"luns\": [{\"lun\": 0, \"size_mb\": 1, \"wce\": true}]}}", "$.scsi.luns[0].wce: unknown key");
	want_error("{\"ata\": {\"size_mb\": 1, \"sector\": 4096}}", "$.ata.sector: unknown key");
	want_error("{\"ata\": {\"image\": \"a\\u0000b\"}}", "without NUL");
}

static void test_devspec__json_form__round_trips(void **state)
{
	(void)state;
	struct devspec *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b);
	char why[512];
	assert_int_equal(parse_text("{\"nics\": [{\"backend\": \"null\", \"queues\": 2, \"pcap\": \"/p\"},"
				    " {}], \"scsi\": {\"luns\": [{\"target\": 1, \"lun\": 2,"
				    " \"image\": \"/i\", \"sector\": 4096, \"serial\": \"S\"}]},"
				    " \"ata\": {\"size_mb\": 3, \"read_only\": true}}", a, why,
				    sizeof why), 0);
	json_t *j = devspec_to_json(a);
	assert_non_null(j);
	struct devspec_err e;
	assert_int_equal(devspec_parse(j, b, &e), 0);
	json_decref(j);
	assert_memory_equal(a, b, sizeof *a);
	free(a);
	free(b);
}

static int truncate_new(const char *path, off_t size)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return -1;
	int rc = ftruncate(fd, size);
	close(fd);
	return rc;
}

static void test_devspec__relative_paths__resolved_and_checked(void **state)
{
	(void)state;
	struct devspec *d = malloc(sizeof *d);
	char why[512];
	assert_int_equal(parse_text("{\"nics\": [{\"pcap\": \"out.pcap\"}], \"scsi\": {\"luns\":"
				    " [{\"lun\": 0, \"image\": \"disk.img\"}, {\"lun\": 1,"
				    " \"image\": \"/abs/x.img\"}]}}", d, why, sizeof why), 0);
	assert_int_equal(devspec_resolve(d, "/in", "/out"), 0);
	assert_string_equal(d->nics[0].pcap, "/out/out.pcap");
	assert_string_equal(d->luns[0].disk.image, "/in/disk.img");
	assert_string_equal(d->luns[1].disk.image, "/abs/x.img");
	assert_int_equal(devspec_check_files(d, NULL, why, sizeof why), -ENOENT);
	assert_non_null(strstr(why, "/in/disk.img"));

	/* An image that exists passes; an empty one is refused. */
	char path[] = "/tmp/hvsim-devspec-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	snprintf(d->luns[0].disk.image, sizeof d->luns[0].disk.image, "%s", path);
	d->nluns = 1;
	assert_int_equal(devspec_check_files(d, NULL, why, sizeof why), -EINVAL);
	assert_non_null(strstr(why, "smaller than one sector"));
	assert_int_equal(ftruncate(fd, 1 << 20), 0);
	assert_int_equal(devspec_check_files(d, NULL, why, sizeof why), 0);
	close(fd);
	unlink(path);

	char longdir[DEVSPEC_PATH_MAX];
	memset(longdir, 'a', sizeof longdir - 1);
	longdir[0] = '/';
	longdir[sizeof longdir - 1] = '\0';
	assert_int_equal(parse_text("{\"scsi\": {\"luns\": [{\"lun\": 0, \"image\": \"d\"}]}}", d, why,
				    sizeof why), 0);
	assert_int_equal(devspec_resolve(d, longdir, "/"), -ENAMETOOLONG);
	free(d);
}

/* RELIABILITY row 106: only regular files of whole sectors under the root. */
static void test_devspec__image_outside_root_or_not_a_file__refused(void **state)
{
	(void)state;
	char root[] = "/tmp/hvsim-imgroot-XXXXXX";
	assert_non_null(mkdtemp(root));
	char in[600], out[600], link_out[600], link_in[600], fifo[600], sub[600], odd[600],
		dotdot[700], why[512];
	snprintf(in, sizeof in, "%s/in.img", root);
	snprintf(sub, sizeof sub, "%s/sub", root);
	snprintf(out, sizeof out, "%s-outside.img", root);
	snprintf(link_out, sizeof link_out, "%s/to-outside.img", root);
	snprintf(link_in, sizeof link_in, "%s/to-in.img", root);
	snprintf(fifo, sizeof fifo, "%s/fifo.img", root);
	snprintf(odd, sizeof odd, "%s/odd.img", root);
	snprintf(dotdot, sizeof dotdot, "%s/sub/../../%s", root, strrchr(out, '/') + 1);
	assert_int_equal(mkdir(sub, 0700), 0);
	assert_int_equal(truncate_new(in, 1 << 20), 0);
	assert_int_equal(truncate_new(out, 1 << 20), 0);
	assert_int_equal(truncate_new(odd, 4096 + 100), 0);
	assert_int_equal(symlink(out, link_out), 0);
	assert_int_equal(symlink(in, link_in), 0);
	assert_int_equal(mkfifo(fifo, 0600), 0);

	assert_int_equal(devspec_check_image(in, 512, false, root, why, sizeof why), 0);
	assert_int_equal(devspec_check_image(link_in, 4096, true, root, why, sizeof why), 0);
	assert_int_equal(devspec_check_image(out, 512, false, root, why, sizeof why), -EACCES);
	assert_non_null(strstr(why, "outside"));
	assert_int_equal(devspec_check_image(link_out, 512, false, root, why, sizeof why), -EACCES);
	assert_int_equal(devspec_check_image(dotdot, 512, false, root, why, sizeof why), -EACCES);
	assert_int_equal(devspec_check_image("/dev/zero", 512, true, root, why, sizeof why), -EACCES);
	/* Without a root the file's kind still counts. */
	assert_int_equal(devspec_check_image("/dev/zero", 512, true, NULL, why, sizeof why), -EINVAL);
	assert_non_null(strstr(why, "not a regular file"));
	assert_int_equal(devspec_check_image(fifo, 512, false, root, why, sizeof why), -EINVAL);
	assert_non_null(strstr(why, "not a regular file"));
	assert_int_equal(devspec_check_image(sub, 512, true, root, why, sizeof why), -EINVAL);
	assert_int_equal(devspec_check_image(odd, 512, false, root, why, sizeof why), -EINVAL);
	assert_non_null(strstr(why, "not a multiple of the 512-byte sector"));
	assert_int_equal(devspec_check_image(in, 4096, false, "/", why, sizeof why), 0);

	unlink(link_out);
	unlink(link_in);
	unlink(fifo);
	unlink(odd);
	unlink(in);
	unlink(out);
	rmdir(sub);
	rmdir(root);
}

static void test_devspec__host_config__follows_the_profile(void **state)
{
	(void)state;
	struct devspec *d = malloc(sizeof *d);
	char why[512];
	assert_int_equal(parse_text("{\"nics\": [{\"queues\": 2}], \"scsi\": {},"
				    " \"ata\": {\"size_mb\": 4}}", d, why, sizeof why), 0);
	struct hostside_config hc = { .vmbus = true };
	devspec_host_config(d, hv_profile_find("ws2016"), &hc);
	assert_int_equal(hc.nnics, 1);
	assert_int_equal(hc.nic[0].max_queues, 2);
	assert_int_equal(hc.nic[0].mac[0], 0x00);
	assert_int_equal(hc.nic[0].mac[2], 0x5D);
	assert_true(hc.scsi);
	assert_true(hc.scsi_cfg.phantom_luns);
	assert_int_equal(hc.scsi_cfg.vstor_max_version, hv_profile_find("ws2016")->vstor_max_version);
	assert_int_equal(hc.scsi_cfg.max_subchannels, 16);
	assert_true(hc.ata);
	assert_int_equal(hc.ata_mem_size, 4u << 20);

	/* Before VSTOR WIN8 there are no sub-channels to offer. */
	struct hostside_config old = { .vmbus = true };
	devspec_host_config(d, hv_profile_find("ws2008r2"), &old);
	assert_int_equal(old.scsi_cfg.max_subchannels, 0);
	assert_false(old.scsi_cfg.phantom_luns);

	/* No VMBus (KVM): only the emulated disk is there. */
	struct hostside_config kvm = { .vmbus = false };
	devspec_host_config(d, hv_profile_find("kvm"), &kvm);
	assert_int_equal(kvm.nnics, 0);
	assert_false(kvm.scsi);
	assert_true(kvm.ata);
	free(d);
}

static void test_devspec__luns__attached_to_the_controller(void **state)
{
	(void)state;
	struct devspec *d = malloc(sizeof *d);
	char why[512];
	assert_int_equal(parse_text("{\"scsi\": {\"luns\": [{\"lun\": 0, \"size_mb\": 1},"
				    " {\"target\": 1, \"lun\": 7, \"size_mb\": 2, \"sector\": 4096}]}}",
				    d, why, sizeof why), 0);
	struct gmem *gm = gmem_create(16u << 20);
	struct part_config pc = { .profile = hv_profile_find("ws2022"), .nvcpus = 1 };
	struct part *p = part_create(gm, &pc, NULL, NULL);
	assert_non_null(p);
	struct hostside_config hc = { .vmbus = true };
	devspec_host_config(d, pc.profile, &hc);
	struct hostside *hs = hostside_create(p, gm, &hc, NULL, NULL);
	assert_non_null(hs);
	assert_int_equal(devspec_attach_luns(d, hs, why, sizeof why), 0);
	assert_non_null(storvsp_lun(hostside_storvsp(hs), 0, 0));
	assert_non_null(storvsp_lun(hostside_storvsp(hs), 1, 7));
	assert_null(storvsp_lun(hostside_storvsp(hs), 0, 1));
	/* The same addresses again: refused with the address named. */
	assert_int_equal(devspec_attach_luns(d, hs, why, sizeof why), -EEXIST);
	assert_non_null(strstr(why, "target 0 lun 0"));
	hostside_destroy(hs);

	/* A missing image fails the attach with its path. */
	assert_int_equal(parse_text("{\"scsi\": {\"luns\": [{\"lun\": 0, \"image\":"
				    " \"/nonexistent/hvsim.img\"}]}}", d, why, sizeof why), 0);
	devspec_host_config(d, pc.profile, &hc);
	hs = hostside_create(p, gm, &hc, NULL, NULL);
	assert_non_null(hs);
	assert_int_equal(devspec_attach_luns(d, hs, why, sizeof why), -ENOENT);
	assert_non_null(strstr(why, "/nonexistent/hvsim.img"));
	hostside_destroy(hs);
	part_destroy(p);
	gmem_destroy(gm);
	free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_devspec__full_description__every_field),
		cmocka_unit_test(test_devspec__bad_inputs__path_and_reason),
		cmocka_unit_test(test_devspec__json_form__round_trips),
		cmocka_unit_test(test_devspec__relative_paths__resolved_and_checked),
		cmocka_unit_test(test_devspec__image_outside_root_or_not_a_file__refused),
		cmocka_unit_test(test_devspec__host_config__follows_the_profile),
		cmocka_unit_test(test_devspec__luns__attached_to_the_controller),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
