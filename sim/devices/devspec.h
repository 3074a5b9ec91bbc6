/* devspec.h -- a guest's devices (synthetic NICs, a SCSI controller with
 * LUNs, an emulated ATA disk) in one JSON form.  A scenario's "devices"
 * section is this form; hvsim run turns it into the host side itself
 * (inproc) or hands it to hvsim-hostd over the control socket before the
 * guest's HELLO (command "guest.devices"), so both transports build the
 * same devices from the same parser.
 *
 *   {"nics": [{"backend": "peer"|"null", "peer_ip": "10.0.0.1", "queues": 4,
 *              "link_down": false, "pcap": "/abs/out.pcap"}],
 *    "scsi": {"subchannels": 4, "luns": [{"target": 0, "lun": 0,
 *              "size_mb": 64 | "image": "/abs/disk.img", "sector": 512,
 *              "read_only": false, "serial": "..."}]},
 *    "ata":  {"size_mb": 8 | "image": "/abs/disk.img", "read_only": false,
 *             "serial": "..."}}
 *
 * Paths are used as given: the caller makes them absolute (devspec_resolve)
 * because the daemon's working directory is not the scenario's. */
#ifndef SIM_DEVICES_DEVSPEC_H
#define SIM_DEVICES_DEVSPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct hostside;
struct hostside_config;
struct hv_profile;

#define DEVSPEC_MAX_NICS     8u
#define DEVSPEC_MAX_LUNS     64u
#define DEVSPEC_PATH_MAX     1024u
#define DEVSPEC_SERIAL_MAX   20u      /* ATA IDENTIFY's serial field */
#define DEVSPEC_MAX_MEM_DISK_MB 4096u /* memory disks live in the host's RAM */

enum devspec_nic_backend { DEVSPEC_NIC_PEER = 0, DEVSPEC_NIC_NULL };

struct devspec_nic {
	enum devspec_nic_backend backend;
	uint32_t peer_ip;            /* host byte order; default 10.0.0.1 */
	uint16_t queues;             /* host's vRSS ceiling, 0 = default */
	bool     link_down;          /* cable out at boot */
	char     pcap[DEVSPEC_PATH_MAX]; /* "" = none */
};

/* A disk's back end: an image file, or a zeroed memory disk. */
struct devspec_disk {
	char     image[DEVSPEC_PATH_MAX]; /* "" = memory disk of size_mb */
	uint64_t size_mb;
	uint32_t sector;             /* 512 or 4096 */
	bool     read_only;
	char     serial[DEVSPEC_SERIAL_MAX + 1]; /* "" = derived from the address */
};

struct devspec_lun {
	uint8_t  target, lun;
	struct devspec_disk disk;
};

struct devspec {
	unsigned nnics;
	struct devspec_nic nics[DEVSPEC_MAX_NICS];
	bool     scsi;               /* a controller is offered (even with no LUN) */
	uint16_t scsi_subchannels;   /* advertised; 0 = the profile's default */
	unsigned nluns;
	struct devspec_lun luns[DEVSPEC_MAX_LUNS];
	bool     ata;
	struct devspec_disk ata_disk;
};

/* Where a parse error is: the JSON path (keys point into the parsed tree,
 * valid while it lives) and why. */
#define DEVSPEC_ERR_DEPTH 6u
struct devspec_err {
	struct { const char *key; size_t index; } path[DEVSPEC_ERR_DEPTH];
	size_t depth;
	char   msg[256];
};

/* Validate a "devices" object into *out (zeroed first).  Strict: unknown
 * keys, wrong types, out-of-range values and duplicate LUN addresses are
 * errors.  0, or -EINVAL with *e filled. */
int devspec_parse(const json_t *devices, struct devspec *out, struct devspec_err *e);
/* One NIC object (the "nic.add" host command uses the same keys). */
int devspec_parse_nic(const json_t *j, struct devspec_nic *out, struct devspec_err *e);
/* One LUN object (the "scsi.add" host command uses the same keys). */
int devspec_parse_lun(const json_t *j, struct devspec_lun *out, struct devspec_err *e);
/* "$.nics[1].queues: why" */
void devspec_err_format(const struct devspec_err *e, char *buf, size_t cap);

/* Make relative image paths relative to 'in_dir' and pcap paths relative
 * to 'out_dir', both absolute.  -ENAMETOOLONG. */
int devspec_resolve(struct devspec *d, const char *in_dir, const char *out_dir);
/* Check one image file (an absolute path): it exists, resolves (symlinks
 * and ".." followed) to a place under 'root' when root is not NULL, is a
 * regular file (no FIFO, directory or device), opens as asked, and holds
 * a whole number of sectors, at least one.  0 or -errno with
 * "image PATH: why" in err. */
int devspec_check_image(const char *image, uint32_t sector, bool read_only, const char *root,
			char *err, size_t errlen);
/* devspec_check_image for every image of d. */
int devspec_check_files(const struct devspec *d, const char *root, char *err, size_t errlen);

/* The JSON form back (for the control socket).  New reference or NULL. */
json_t *devspec_to_json(const struct devspec *d);

/* Fill hc's device part (NICs, SCSI controller, ATA disk) for 'prof'.
 * Pointers in hc point into d: keep d until hostside_create returns.
 * Does nothing for a profile without VMBus except the ATA disk. */
void devspec_host_config(const struct devspec *d, const struct hv_profile *prof,
			 struct hostside_config *hc);
/* NIC 'index' (0-based) of the host: MAC 00:15:5d:00:00:<index+1>, its
 * instance id, queues, back end.  Pointers point into n. */
struct netvsp_config;
void devspec_nic_config(const struct devspec_nic *n, unsigned index, struct netvsp_config *nc);
/* After hostside_create: open each LUN's back end and attach it.  0 or
 * -errno with the reason in err. */
int devspec_attach_luns(const struct devspec *d, struct hostside *hs, char *err,
			size_t errlen);
/* Open one disk's back end (image or memory) behind a fault wrapper, so
 * that "disk.fault" can arm faults on it later (blk_fault_inner reaches
 * the disk itself): 0 or -errno + err. */
struct blk;
int devspec_open_disk(const struct devspec_disk *dd, struct blk **out, char *err,
		      size_t errlen);

#endif /* SIM_DEVICES_DEVSPEC_H */
