/* ata_prio.c -- the driver-priority table and the disk registry (synthetic over native). */
#include <errno.h>
#include <string.h>

#include "guest_drivers/ata/ata_drv.h"
#include "guest_drivers/kern.h"

#define PRIO_ROWS 16
#define PRIO_DRIVERS 4
#define PRIO_NAME 16
#define CLAIMS 32

struct prio_row {
	char pr_platform[PRIO_NAME], pr_class[PRIO_NAME];
	char pr_driver[PRIO_DRIVERS][PRIO_NAME];
	unsigned pr_ndrivers;
};

/* The built-in copy of guest_drivers/ata/driver-priority.conf. */
static const char prio_builtin[] =
	"hyperv  disk  storvsc ata\n"
	"kvm     disk  ata\n"
	"none    disk  ata\n";

static struct prio_row prio_tab[PRIO_ROWS];
static unsigned prio_n;
static bool prio_loaded;

static struct { char serial[24]; char driver[PRIO_NAME]; } claims[CLAIMS];
static unsigned nclaims;

static int prio_parse(const char *text, struct prio_row *tab, unsigned *n)
{
	*n = 0;
	const char *p = text;
	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		char words[2 + PRIO_DRIVERS][PRIO_NAME];
		unsigned nw = 0;
		size_t i = 0;
		while (i < len && p[i] != '#') {
			while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r'))
				i++;
			if (i >= len || p[i] == '#')
				break;
			size_t s = i;
			while (i < len && p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '#')
				i++;
			if (nw == 2 + PRIO_DRIVERS || i - s >= PRIO_NAME)
				return -EINVAL;
			memcpy(words[nw], p + s, i - s);
			words[nw][i - s] = 0;
			nw++;
		}
		if (nw == 1 || nw == 2)
			return -EINVAL;            /* a platform and class need a driver */
		if (nw) {
			if (*n == PRIO_ROWS)
				return -EINVAL;
			struct prio_row *r = &tab[(*n)++];
			memset(r, 0, sizeof *r);
			strcpy(r->pr_platform, words[0]);
			strcpy(r->pr_class, words[1]);
			for (unsigned k = 2; k < nw; k++)
				strcpy(r->pr_driver[r->pr_ndrivers++], words[k]);
		}
		p += len + (eol ? 1 : 0);
	}
	return 0;
}

int ata_prio_load(const char *text)
{
	struct prio_row tab[PRIO_ROWS];
	unsigned n;
	int err = prio_parse(text ? text : prio_builtin, tab, &n);
	if (err)
		return err;
	memcpy(prio_tab, tab, sizeof tab);
	prio_n = n;
	prio_loaded = true;
	return 0;
}

const char *ata_platform_name(enum ata_platform p)
{
	switch (p) {
	case ATA_PLAT_HYPERV: return "hyperv";
	case ATA_PLAT_KVM:    return "kvm";
	case ATA_PLAT_NONE:   break;
	}
	return "none";
}

enum ata_platform ata_platform_detect(void)
{
	uint32_t r[4];
	kern_cpuid(1, 0, r);
	if (!(r[2] & (1u << 31)))
		return ATA_PLAT_NONE;
	kern_cpuid(0x40000000, 0, r);
	char vendor[13];
	memcpy(vendor, &r[1], 4);
	memcpy(vendor + 4, &r[2], 4);
	memcpy(vendor + 8, &r[3], 4);
	vendor[12] = 0;
	if (!strcmp(vendor, "Microsoft Hv"))
		return ATA_PLAT_HYPERV;
	if (!memcmp(vendor, "KVMKVMKVM", 9))
		return ATA_PLAT_KVM;
	return ATA_PLAT_NONE;
}

const char *ata_prio_winner(enum ata_platform p, const char *cls)
{
	if (!prio_loaded)
		ata_prio_load(NULL);
	const char *plat = ata_platform_name(p);
	for (unsigned i = 0; i < prio_n; i++)
		if (!strcmp(prio_tab[i].pr_platform, plat) && !strcmp(prio_tab[i].pr_class, cls))
			return prio_tab[i].pr_driver[0];
	return NULL;
}

int ata_disk_claim(const char *serial, const char *driver)
{
	if (!serial || !driver || strlen(serial) >= sizeof claims[0].serial ||
	    strlen(driver) >= PRIO_NAME)
		return -EINVAL;
	const char *by = ata_disk_claimed_by(serial);
	if (by)
		return strcmp(by, driver) ? -EEXIST : 0;
	if (nclaims == CLAIMS)
		return -ENOSPC;
	strcpy(claims[nclaims].serial, serial);
	strcpy(claims[nclaims].driver, driver);
	nclaims++;
	return 0;
}

void ata_disk_unclaim(const char *serial, const char *driver)
{
	for (unsigned i = 0; serial && driver && i < nclaims; i++)
		if (!strcmp(claims[i].serial, serial) && !strcmp(claims[i].driver, driver)) {
			claims[i] = claims[--nclaims];
			return;
		}
}

const char *ata_disk_claimed_by(const char *serial)
{
	for (unsigned i = 0; serial && i < nclaims; i++)
		if (!strcmp(claims[i].serial, serial))
			return claims[i].driver;
	return NULL;
}

void ata_disk_claims_reset(void)
{
	nclaims = 0;
}

bool ata_should_attach(enum ata_platform p, const char *serial)
{
	const char *w = ata_prio_winner(p, "disk");
	if (w && strcmp(w, "ata"))
		return false;
	const char *by = ata_disk_claimed_by(serial);
	return !by || !strcmp(by, "ata");
}
