/* devspec.c -- the one parser of a guest's device description (scenario
 * "devices" section and the daemon's "guest.devices" command) and its
 * translation into a hostside configuration. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hyperv/vstor.h"
#include "sim/devices/blk/blk.h"
#include "sim/devices/devspec.h"
#include "sim/devices/hostside.h"
#include "sim/hostd/profile.h"

/* ---- error context ------------------------------------------------------- */

struct dctx {
	struct devspec_err *e;
	bool failed;
};

static void d_push_key(struct dctx *c, const char *key)
{
	if (c->e->depth < DEVSPEC_ERR_DEPTH) {
		c->e->path[c->e->depth].key = key;
		c->e->path[c->e->depth].index = 0;
	}
	c->e->depth++;
}

static void d_push_index(struct dctx *c, size_t i)
{
	if (c->e->depth < DEVSPEC_ERR_DEPTH) {
		c->e->path[c->e->depth].key = NULL;
		c->e->path[c->e->depth].index = i;
	}
	c->e->depth++;
}

/* The path stays where the first error was found. */
static void d_pop(struct dctx *c)
{
	if (!c->failed && c->e->depth > 0)
		c->e->depth--;
}

__attribute__((format(printf, 2, 3)))
static void d_fail(struct dctx *c, const char *fmt, ...)
{
	if (c->failed)
		return;
	c->failed = true;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->e->msg, sizeof c->e->msg, fmt, ap);
	va_end(ap);
}

static const char *d_kind(const json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT:  return "an object";
	case JSON_ARRAY:   return "an array";
	case JSON_STRING:  return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL:    return "a real number";
	case JSON_TRUE:
	case JSON_FALSE:   return "a boolean";
	case JSON_NULL:    return "null";
	}
	return "?";
}

void devspec_err_format(const struct devspec_err *e, char *buf, size_t cap)
{
	size_t n = (size_t)snprintf(buf, cap, "$");
	size_t d = e->depth < DEVSPEC_ERR_DEPTH ? e->depth : DEVSPEC_ERR_DEPTH;
	for (size_t i = 0; i < d && n < cap; i++)
		n += e->path[i].key
			? (size_t)snprintf(buf + n, cap - n, ".%s", e->path[i].key)
			: (size_t)snprintf(buf + n, cap - n, "[%zu]", e->path[i].index);
	if (n < cap)
		snprintf(buf + n, cap - n, ": %s", e->msg);
}

/* ---- typed getters (absent: false, no error) ----------------------------- */

static bool d_object(struct dctx *c, const json_t *j, const char *const *keys)
{
	if (!json_is_object(j)) {
		d_fail(c, "must be an object, not %s", d_kind(j));
		return false;
	}
	const char *key;
	json_t *val;
	json_object_foreach((json_t *)j, key, val) {
		bool ok = false;
		for (const char *const *k = keys; *k && !ok; k++)
			ok = strcmp(*k, key) == 0;
		if (!ok) {
			d_push_key(c, key);
			d_fail(c, "unknown key");
			return false;
		}
	}
	return true;
}

static bool d_uint(struct dctx *c, const json_t *obj, const char *key, uint64_t lo, uint64_t hi,
		   uint64_t *out)
{
	json_t *j = json_object_get(obj, key);
	if (!j || c->failed)
		return false;
	d_push_key(c, key);
	if (!json_is_integer(j) || json_integer_value(j) < 0 ||
	    (uint64_t)json_integer_value(j) < lo || (uint64_t)json_integer_value(j) > hi)
		d_fail(c, "must be an integer in %llu..%llu", (unsigned long long)lo,
		       (unsigned long long)hi);
	else
		*out = (uint64_t)json_integer_value(j);
	d_pop(c);
	return !c->failed;
}

static bool d_bool(struct dctx *c, const json_t *obj, const char *key, bool *out)
{
	json_t *j = json_object_get(obj, key);
	if (!j || c->failed)
		return false;
	d_push_key(c, key);
	if (!json_is_boolean(j))
		d_fail(c, "must be true or false, not %s", d_kind(j));
	else
		*out = json_is_true(j);
	d_pop(c);
	return !c->failed;
}

static bool d_string(struct dctx *c, const json_t *obj, const char *key, char *out, size_t cap)
{
	json_t *j = json_object_get(obj, key);
	if (!j || c->failed)
		return false;
	d_push_key(c, key);
	if (!json_is_string(j))
		d_fail(c, "must be a string, not %s", d_kind(j));
	else if (json_string_length(j) == 0 || json_string_length(j) >= cap ||
		 strlen(json_string_value(j)) != json_string_length(j))
		d_fail(c, "must be 1..%zu characters without NUL", cap - 1);
	else
		memcpy(out, json_string_value(j), json_string_length(j) + 1);
	d_pop(c);
	return !c->failed;
}

/* ---- sections ------------------------------------------------------------- */

static void parse_nic(struct dctx *c, const json_t *j, struct devspec_nic *n)
{
	memset(n, 0, sizeof *n);
	static const char *const keys[] = { "backend", "peer_ip", "queues", "link_down", "pcap",
					    NULL };
	if (!d_object(c, j, keys))
		return;
	char s[32] = "";
	n->peer_ip = 0x0A000001u; /* 10.0.0.1 */
	if (d_string(c, j, "backend", s, sizeof s)) {
		if (strcmp(s, "peer") == 0)
			n->backend = DEVSPEC_NIC_PEER;
		else if (strcmp(s, "null") == 0)
			n->backend = DEVSPEC_NIC_NULL;
		else {
			d_push_key(c, "backend");
			d_fail(c, "\"%s\" is not a NIC back end (expected peer or null)", s);
		}
	}
	s[0] = '\0';
	if (d_string(c, j, "peer_ip", s, sizeof s)) {
		struct in_addr a;
		if (inet_pton(AF_INET, s, &a) != 1) {
			d_push_key(c, "peer_ip");
			d_fail(c, "\"%s\" is not a dotted IPv4 address", s);
		} else {
			n->peer_ip = ntohl(a.s_addr);
		}
	}
	uint64_t q;
	if (d_uint(c, j, "queues", 1, 64, &q))
		n->queues = (uint16_t)q;
	d_bool(c, j, "link_down", &n->link_down);
	d_string(c, j, "pcap", n->pcap, sizeof n->pcap);
}

static void parse_disk(struct dctx *c, const json_t *j, struct devspec_disk *dd, bool ata)
{
	uint64_t v;
	bool has_image = d_string(c, j, "image", dd->image, sizeof dd->image);
	bool has_size = d_uint(c, j, "size_mb", 1, DEVSPEC_MAX_MEM_DISK_MB, &dd->size_mb);
	if (!c->failed && has_image == has_size)
		d_fail(c, "give exactly one of \"image\" (a raw image file) or \"size_mb\" "
			  "(a memory disk)");
	dd->sector = 512;
	if (!ata && d_uint(c, j, "sector", 0, UINT32_MAX, &v)) {
		if (v != 512 && v != 4096) {
			d_push_key(c, "sector");
			d_fail(c, "must be 512 or 4096");
		}
		dd->sector = (uint32_t)v;
	}
	d_bool(c, j, "read_only", &dd->read_only);
	if (d_string(c, j, "serial", dd->serial, sizeof dd->serial)) {
		for (const char *p = dd->serial; *p; p++)
			if (*p < 0x20 || *p > 0x7E) {
				d_push_key(c, "serial");
				d_fail(c, "must be printable ASCII");
				break;
			}
	}
}

int devspec_parse_nic(const json_t *j, struct devspec_nic *out, struct devspec_err *e)
{
	memset(e, 0, sizeof *e);
	struct dctx c = { .e = e };
	parse_nic(&c, j, out);
	return c.failed ? -EINVAL : 0;
}

int devspec_parse_lun(const json_t *j, struct devspec_lun *out, struct devspec_err *e)
{
	static const char *const keys[] = { "target", "lun", "image", "size_mb", "sector",
					    "read_only", "serial", NULL };
	memset(out, 0, sizeof *out);
	memset(e, 0, sizeof *e);
	struct dctx c = { .e = e };
	if (d_object(&c, j, keys)) {
		uint64_t v;
		if (d_uint(&c, j, "target", 0, 1, &v)) /* Hyper-V SCSI: targets 0 and 1 */
			out->target = (uint8_t)v;
		if (d_uint(&c, j, "lun", 0, DEVSPEC_MAX_LUNS - 1, &v))
			out->lun = (uint8_t)v;
		else if (!c.failed)
			d_fail(&c, "missing required key \"lun\"");
		parse_disk(&c, j, &out->disk, false);
	}
	return c.failed ? -EINVAL : 0;
}

static void parse_scsi(struct dctx *c, const json_t *j, struct devspec *d)
{
	static const char *const keys[] = { "subchannels", "luns", NULL };
	if (!d_object(c, j, keys))
		return;
	d->scsi = true;
	uint64_t v;
	if (d_uint(c, j, "subchannels", 0, 64, &v))
		d->scsi_subchannels = (uint16_t)v;
	json_t *luns = json_object_get(j, "luns");
	if (!luns || c->failed)
		return;
	d_push_key(c, "luns");
	if (!json_is_array(luns) || json_array_size(luns) > DEVSPEC_MAX_LUNS) {
		d_fail(c, "must be an array of at most %u LUNs", DEVSPEC_MAX_LUNS);
		return;
	}
	size_t i;
	json_t *l;
	json_array_foreach(luns, i, l) {
		d_push_index(c, i);
		struct devspec_err sub;
		struct devspec_lun *lun = &d->luns[i];
		if (devspec_parse_lun(l, lun, &sub) != 0) {
			/* Splice the LUN's own path under ours. */
			for (size_t k = 0; k < sub.depth && k < DEVSPEC_ERR_DEPTH; k++) {
				if (sub.path[k].key)
					d_push_key(c, sub.path[k].key);
				else
					d_push_index(c, sub.path[k].index);
			}
			d_fail(c, "%s", sub.msg);
			return;
		}
		for (size_t k = 0; k < i; k++)
			if (d->luns[k].target == lun->target && d->luns[k].lun == lun->lun) {
				d_fail(c, "target %u lun %u is given twice (also luns[%zu])",
				       lun->target, lun->lun, k);
				return;
			}
		d->nluns = (unsigned)i + 1;
		d_pop(c);
	}
	d_pop(c);
}

int devspec_parse(const json_t *devices, struct devspec *out, struct devspec_err *e)
{
	static const char *const keys[] = { "nics", "scsi", "ata", NULL };
	static const char *const ata_keys[] = { "image", "size_mb", "read_only", "serial", NULL };
	memset(out, 0, sizeof *out);
	memset(e, 0, sizeof *e);
	struct dctx c = { .e = e };
	if (!d_object(&c, devices, keys))
		return -EINVAL;
	json_t *nics = json_object_get(devices, "nics");
	if (nics) {
		d_push_key(&c, "nics");
		if (!json_is_array(nics) || json_array_size(nics) > DEVSPEC_MAX_NICS)
			d_fail(&c, "must be an array of at most %u NICs", DEVSPEC_MAX_NICS);
		size_t i;
		json_t *n;
		json_array_foreach(nics, i, n) {
			if (c.failed)
				break;
			d_push_index(&c, i);
			parse_nic(&c, n, &out->nics[i]);
			d_pop(&c);
			out->nnics = (unsigned)i + 1;
		}
		d_pop(&c);
	}
	json_t *scsi = json_object_get(devices, "scsi");
	if (scsi && !c.failed) {
		d_push_key(&c, "scsi");
		parse_scsi(&c, scsi, out);
		d_pop(&c);
	}
	json_t *ata = json_object_get(devices, "ata");
	if (ata && !c.failed) {
		d_push_key(&c, "ata");
		if (d_object(&c, ata, ata_keys)) {
			out->ata = true;
			parse_disk(&c, ata, &out->ata_disk, true);
		}
		d_pop(&c);
	}
	return c.failed ? -EINVAL : 0;
}

/* ---- paths and files ------------------------------------------------------ */

static int make_abs(char *path, size_t cap, const char *dir)
{
	if (!path[0] || path[0] == '/' || !dir)
		return 0;
	char tmp[DEVSPEC_PATH_MAX];
	int n = snprintf(tmp, sizeof tmp, "%s/%s", dir, path);
	if (n < 0 || (size_t)n >= sizeof tmp || (size_t)n >= cap)
		return -ENAMETOOLONG;
	memcpy(path, tmp, (size_t)n + 1);
	return 0;
}

int devspec_resolve(struct devspec *d, const char *in_dir, const char *out_dir)
{
	int rc = 0;
	for (unsigned i = 0; i < d->nnics && !rc; i++)
		rc = make_abs(d->nics[i].pcap, sizeof d->nics[i].pcap, out_dir);
	for (unsigned i = 0; i < d->nluns && !rc; i++)
		rc = make_abs(d->luns[i].disk.image, sizeof d->luns[i].disk.image, in_dir);
	if (!rc && d->ata)
		rc = make_abs(d->ata_disk.image, sizeof d->ata_disk.image, in_dir);
	return rc;
}

int devspec_check_image(const char *image, uint32_t sector, bool read_only, const char *root,
			char *err, size_t errlen)
{
	char real[PATH_MAX], rroot[PATH_MAX];
	if (!realpath(image, real)) {
		int e = errno;
		snprintf(err, errlen, "image %s: %s", image, strerror(e));
		return -e;
	}
	if (root) {
		if (!realpath(root, rroot)) {
			int e = errno;
			snprintf(err, errlen, "image directory %s: %s", root, strerror(e));
			return -e;
		}
		/* Symlinks and ".." resolved: the file itself must be under
		 * the root, not just the name. */
		size_t n = strlen(rroot);
		bool inside = strcmp(rroot, "/") == 0 ||
			      (strncmp(real, rroot, n) == 0 && (real[n] == '/' || !real[n]));
		if (!inside) {
			snprintf(err, errlen, "image %s is %s, outside %s (where this run's images must be)",
				 image, real, rroot);
			return -EACCES;
		}
	}
	struct stat st;
	if (stat(real, &st) == 0 && !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "image %s: not a regular file (FIFOs, directories and devices "
			 "are refused)", image);
		return -EINVAL;
	}
	/* O_NONBLOCK: a FIFO swapped in since must not block the open; the
	 * fstat below refuses it. */
	int fd = open(real, (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		int e = errno;
		snprintf(err, errlen, "image %s: %s", image, strerror(e));
		return -e;
	}
	int rc = 0;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "image %s: not a regular file (FIFOs, directories and devices "
			 "are refused)", image);
		rc = -EINVAL;
	} else if (st.st_size < (off_t)sector) {
		snprintf(err, errlen, "image %s: smaller than one sector", image);
		rc = -EINVAL;
	} else if (st.st_size % sector) {
		snprintf(err, errlen, "image %s: %lld bytes is not a multiple of the %u-byte sector",
			 image, (long long)st.st_size, sector);
		rc = -EINVAL;
	}
	close(fd);
	return rc;
}

static int check_disk(const struct devspec_disk *dd, const char *root, char *err, size_t errlen)
{
	if (!dd->image[0])
		return 0;
	return devspec_check_image(dd->image, dd->sector, dd->read_only, root, err, errlen);
}

int devspec_check_files(const struct devspec *d, const char *root, char *err, size_t errlen)
{
	int rc = 0;
	for (unsigned i = 0; i < d->nluns && !rc; i++)
		rc = check_disk(&d->luns[i].disk, root, err, errlen);
	if (!rc && d->ata)
		rc = check_disk(&d->ata_disk, root, err, errlen);
	return rc;
}

/* ---- back to JSON --------------------------------------------------------- */

static json_t *disk_json(const struct devspec_disk *dd, bool sector)
{
	json_t *j = json_object();
	if (dd->image[0])
		json_object_set_new(j, "image", json_string(dd->image));
	else
		json_object_set_new(j, "size_mb", json_integer((json_int_t)dd->size_mb));
	if (sector)
		json_object_set_new(j, "sector", json_integer(dd->sector));
	json_object_set_new(j, "read_only", json_boolean(dd->read_only));
	if (dd->serial[0])
		json_object_set_new(j, "serial", json_string(dd->serial));
	return j;
}

json_t *devspec_to_json(const struct devspec *d)
{
	json_t *root = json_object();
	if (!root)
		return NULL;
	if (d->nnics) {
		json_t *nics = json_array();
		for (unsigned i = 0; i < d->nnics; i++) {
			const struct devspec_nic *n = &d->nics[i];
			struct in_addr a = { .s_addr = htonl(n->peer_ip) };
			char ip[INET_ADDRSTRLEN];
			inet_ntop(AF_INET, &a, ip, sizeof ip);
			json_t *j = json_pack("{s:s, s:s, s:b}", "backend",
					      n->backend == DEVSPEC_NIC_NULL ? "null" : "peer",
					      "peer_ip", ip, "link_down", n->link_down);
			if (j && n->queues)
				json_object_set_new(j, "queues", json_integer(n->queues));
			if (j && n->pcap[0])
				json_object_set_new(j, "pcap", json_string(n->pcap));
			json_array_append_new(nics, j);
		}
		json_object_set_new(root, "nics", nics);
	}
	if (d->scsi) {
		json_t *luns = json_array();
		for (unsigned i = 0; i < d->nluns; i++) {
			json_t *j = disk_json(&d->luns[i].disk, true);
			json_object_set_new(j, "target", json_integer(d->luns[i].target));
			json_object_set_new(j, "lun", json_integer(d->luns[i].lun));
			json_array_append_new(luns, j);
		}
		json_t *scsi = json_object();
		json_object_set_new(scsi, "luns", luns);
		if (d->scsi_subchannels)
			json_object_set_new(scsi, "subchannels", json_integer(d->scsi_subchannels));
		json_object_set_new(root, "scsi", scsi);
	}
	if (d->ata)
		json_object_set_new(root, "ata", disk_json(&d->ata_disk, false));
	return root;
}

/* ---- to the host side ----------------------------------------------------- */

void devspec_nic_config(const struct devspec_nic *n, unsigned index, struct netvsp_config *nc)
{
	/* Hyper-V's own OUI, as a real host hands out; a locally administered
	 * peer behind every NIC. */
	static const uint8_t oui[3] = { 0x00, 0x15, 0x5D };
	static const uint8_t peer_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0xFE };
	memset(nc, 0, sizeof *nc);
	memcpy(nc->mac, oui, 3);
	nc->mac[5] = (uint8_t)(index + 1);
	nc->instance_id.bytes[0] = 0x4E;
	nc->instance_id.bytes[15] = (uint8_t)(index + 1);
	nc->max_queues = n->queues;
	nc->link_down = n->link_down;
	nc->be.kind = n->backend == DEVSPEC_NIC_PEER ? NETBE_PEER : NETBE_NULL;
	nc->be.peer_ipv4 = n->peer_ip;
	memcpy(nc->be.peer_mac, peer_mac, 6);
	nc->be.pcap_path = n->pcap[0] ? n->pcap : NULL;
}

void devspec_host_config(const struct devspec *d, const struct hv_profile *prof,
			 struct hostside_config *hc)
{
	for (unsigned i = 0; hc->vmbus && i < d->nnics && i < HOSTSIDE_MAX_NICS; i++) {
		devspec_nic_config(&d->nics[i], i, &hc->nic[i]);
		hc->nnics = i + 1;
	}
	if (hc->vmbus && d->scsi) {
		hc->scsi = true;
		memset(&hc->scsi_cfg, 0, sizeof hc->scsi_cfg);
		hc->scsi_cfg.instance_id.bytes[0] = 0x53;
		hc->scsi_cfg.instance_id.bytes[15] = 1;
		hc->scsi_cfg.vstor_max_version = (uint16_t)prof->vstor_max_version;
		hc->scsi_cfg.phantom_luns = (prof->quirks & HV_QUIRK_PHANTOM_LUNS) != 0;
		/* Sub-channels exist from VSTOR WIN8 on; the guest asks for at
		 * most one per extra vCPU, so a generous ceiling is harmless. */
		hc->scsi_cfg.max_subchannels =
			prof->vstor_max_version >= VSTOR_VERSION_WIN8
				? (d->scsi_subchannels ? d->scsi_subchannels : 16) : 0;
	}
	if (d->ata) {
		hc->ata = true;
		hc->ata_image = d->ata_disk.image[0] ? d->ata_disk.image : NULL;
		hc->ata_mem_size = d->ata_disk.size_mb << 20;
		hc->ata_read_only = d->ata_disk.read_only;
		hc->ata_serial = d->ata_disk.serial[0] ? d->ata_disk.serial : NULL;
	}
}

int devspec_open_disk(const struct devspec_disk *dd, struct blk **out, char *err,
		      size_t errlen)
{
	int rc;
	struct blk *b;
	if (dd->image[0]) {
		struct blk_image_opts o = { .read_only = dd->read_only, .sector = dd->sector };
		rc = blk_open_image(dd->image, &o, &b);
		if (rc) {
			snprintf(err, errlen, "image %s: %s", dd->image,
				 rc == -EBUSY ? "in use by another owner" : strerror(-rc));
			return rc;
		}
	} else {
		rc = blk_open_mem(dd->size_mb << 20, dd->sector, &b);
		if (rc) {
			snprintf(err, errlen, "memory disk of %llu MiB: %s",
				 (unsigned long long)dd->size_mb, strerror(-rc));
			return rc;
		}
		if (dd->read_only)
			blk_set_read_only(b);
	}
	rc = blk_wrap_fault(b, out); /* owns b once it succeeded */
	if (rc) {
		blk_close(b);
		snprintf(err, errlen, "fault wrapper: %s", strerror(-rc));
	}
	return rc;
}

int devspec_attach_luns(const struct devspec *d, struct hostside *hs, char *err,
			size_t errlen)
{
	struct storvsp *sv = hostside_storvsp(hs);
	if (d->nluns && !sv) {
		snprintf(err, errlen, "the profile has no VMBus: a SCSI controller cannot be offered");
		return -ENODEV;
	}
	for (unsigned i = 0; i < d->nluns; i++) {
		const struct devspec_lun *l = &d->luns[i];
		struct blk *b;
		int rc = devspec_open_disk(&l->disk, &b, err, errlen);
		if (rc)
			return rc;
		struct scsi_lun_opts o = {
			.id = 0x5000000000000000ull | ((uint64_t)l->target << 8) | l->lun,
			.serial = l->disk.serial[0] ? l->disk.serial : NULL,
		};
		rc = storvsp_lun_add(sv, l->target, l->lun, b, &o);
		if (rc) {
			snprintf(err, errlen, "target %u lun %u: %s", l->target, l->lun,
				 strerror(-rc));
			return rc;
		}
	}
	return 0;
}
