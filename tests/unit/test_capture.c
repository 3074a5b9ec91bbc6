/* test_capture.c -- the VMBus capture: the pcapng writer against golden
 * bytes, the server's tap on a booted inproc guest (both directions,
 * messages and packets, off again), capture.start/stop through the host
 * command table with the file read back, and the NIC pcap tap's clock. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <pcap/pcap.h>

#include "hyperv/vmbus_guid.h"
#include "hyperv/vmbus_msg.h"
#include "hyperv/vmbus_ring.h"
#include "sim/devices/capture/capture.h"
#include "sim/devices/capture/capture_var.h"
#include "sim/devices/capture/capture_wire.h"
#include "sim/devices/hostcmd.h"
#include "sim/devices/hostside.h"
#include "sim/devices/net/netbe.h"
#include "sim/guest/guest_actions.h"
#include "sim/guest/guest_ic.h"
#include "sim/guest/guest_vmbus.h"
#include "sim/guest/runtime.h"
#include "sim/guest/transport.h"
#include "sim/hostd/gmem.h"
#include "sim/hostd/partition.h"
#include "sim/hostd/profile.h"
#include "sim/hostd/vmbs.h"
#include "sim/hostd/vmbs_capture.h"

#define MEM   (32u << 20)
#define MS_NS 1000000ull

/* ---- files -------------------------------------------------------------------- */

static char *tmpdir(void)
{
	char *d = strdup("/tmp/test_capture.XXXXXX");
	assert_non_null(d);
	assert_non_null(mkdtemp(d));
	return d;
}

static void rm_dir(char *d)
{
	static const char *const names[] = { CAP_VMBUS_FILE, "hn0.pcap", "x.pcapng", "n.pcap" };
	char p[256];
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(p, sizeof p, "%s/%s", d, names[i]);
		unlink(p);
	}
	rmdir(d);
	free(d);
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	uint8_t *b = malloc(1 << 20);
	assert_non_null(b);
	*len = fread(b, 1, 1 << 20, f);
	fclose(f);
	return b;
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* ---- the writer ------------------------------------------------------------------- */

static void test_cap_pcapng__headers_and_one_record__golden_bytes(void **state)
{
	(void)state;
	char *d = tmpdir();
	char path[256];
	snprintf(path, sizeof path, "%s/x.pcapng", d);
	struct cap_pcapng *w = NULL;
	assert_int_equal(cap_pcapng_open(path, CAP_LINKTYPE, "vmbus", "hvsim", &w), 0);
	static const uint8_t a[3] = { 0xaa, 0xbb, 0xcc }, b[2] = { 0xdd, 0xee };
	struct cap_piece pc[2] = { { a, 3 }, { b, 2 } };
	assert_int_equal(cap_pcapng_write(w, 0x0000000100000002ull, pc, 2), 0);
	assert_int_equal(cap_pcapng_close(w), 0);

	static const uint8_t golden[] = {
		/* SHB: type, length 44, magic, 1.0, section length -1 */
		0x0a, 0x0d, 0x0d, 0x0a, 44, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		/* shb_userappl "hvsim" padded to 8, opt_endofopt, length */
		4, 0, 5, 0, 'h', 'v', 's', 'i', 'm', 0, 0, 0, 0, 0, 0, 0, 44, 0, 0, 0,
		/* IDB: type 1, length 44, link type 147, reserved, snaplen 262144 */
		1, 0, 0, 0, 44, 0, 0, 0, 147, 0, 0, 0, 0x00, 0x00, 0x04, 0x00,
		/* if_name "vmbus", if_tsresol 7, opt_endofopt, length */
		2, 0, 5, 0, 'v', 'm', 'b', 'u', 's', 0, 0, 0,
		9, 0, 1, 0, 7, 0, 0, 0, 0, 0, 0, 0, 44, 0, 0, 0,
		/* EPB: type 6, length 40, interface 0, ts high 1, ts low 2,
		 * captured 5, original 5, data padded to 8, length */
		6, 0, 0, 0, 40, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 5, 0, 0, 0, 5, 0, 0, 0,
		0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0, 0, 0, 40, 0, 0, 0,
	};
	size_t len;
	uint8_t *got = slurp(path, &len);
	assert_int_equal(len, sizeof golden);
	assert_memory_equal(got, golden, sizeof golden);
	free(got);
	rm_dir(d);
}

static void test_cap_pcapng__unwritable_path__errno(void **state)
{
	(void)state;
	struct cap_pcapng *w = NULL;
	assert_int_equal(cap_pcapng_open("/nonexistent-dir/x.pcapng", CAP_LINKTYPE, "vmbus", "hvsim",
					 &w), -ENOENT);
	assert_null(w);
	assert_int_equal(cap_pcapng_close(NULL), 0);
}

static void test_cap_dev_class__known_guids__mapped(void **state)
{
	(void)state;
	static const uint8_t net[16] = VMBUS_GUID_NETVSC, scsi[16] = VMBUS_GUID_STORVSC,
			     kvp[16] = VMBUS_GUID_KVP, other[16] = VMBUS_GUID_BALLOON;
	assert_int_equal(cap_dev_class(net), CAP_DEV_NET);
	assert_int_equal(cap_dev_class(scsi), CAP_DEV_SCSI);
	assert_int_equal(cap_dev_class(kvp), CAP_DEV_KVP);
	assert_int_equal(cap_dev_class(other), CAP_DEV_UNKNOWN);
	assert_int_equal(cap_dev_class(NULL), CAP_DEV_UNKNOWN);
}

/* ---- a booted inproc guest ----------------------------------------------------------- */

struct cfx {
	struct gmem *gm;
	struct gk_transport *t;
	struct part *p;
	struct hostside *hs;
	struct gk_runtime *rt;
};

static bool cfx_pump(void *arg)
{
	bool did = false;
	for (int i = 0; i < 16 && hostside_pump(arg); i++)
		did = true;
	return did;
}

static struct cfx *cfx_new(void)
{
	struct cfx *x = calloc(1, sizeof *x);
	assert_non_null(x);
	x->gm = gmem_create(MEM);
	assert_non_null(x->gm);
	x->t = gk_inproc_create(gmem_ptr(x->gm, 0, MEM), MEM, 1);
	struct part_config pc = { .profile = hv_profile_find("ws2019"), .nvcpus = 1 };
	x->p = part_create(x->gm, &pc, gk_inproc_part_notify(), x->t);
	assert_non_null(x->p);
	gk_inproc_attach(x->t, x->p);
	struct hostside_config hc = { .vmbus = true, .ic = { .heartbeat = true } };
	x->hs = hostside_create(x->p, x->gm, &hc, NULL, NULL);
	assert_non_null(x->hs);
	gk_inproc_set_pump(x->t, cfx_pump, x->hs);
	struct gk_runtime_config rc = { .sched = GK_SCHED_INPROC, .seed = 1 };
	x->rt = gk_runtime_create(x->t, &rc);
	assert_non_null(x->rt);
	return x;
}

/* Boot, connect the bus (the heartbeat channel opens), run a while,
 * disconnect (close, teardown, UNLOAD). */
static void cfx_run(struct cfx *x)
{
	struct gk_boot_report br;
	assert_int_equal(gk_guest_boot(x->rt, &br), 0);
	assert_int_equal(br.status, 0);
	assert_int_equal(gk_guest_ic_start(x->rt, NULL), 0);
	struct gk_vmbus_report vr;
	assert_int_equal(gk_guest_vmbus_connect(x->rt, 0, false, &vr), 0);
	assert_int_equal(vr.status, 0);
	assert_int_equal(gk_guest_sleep(x->rt, 20 * MS_NS), 0);
	assert_int_equal(gk_guest_ic_stop(x->rt), 0);
	assert_int_equal(gk_guest_vmbus_disconnect(x->rt), 0);
}

static void cfx_free(struct cfx *x)
{
	assert_int_equal(gk_guest_shutdown(x->rt), 0);
	gk_runtime_destroy(x->rt);
	hostside_destroy(x->hs);
	part_destroy(x->p);
	x->t->ops->close(x->t);
	gmem_destroy(x->gm);
	free(x);
}

#define MAX_RECS 512u
struct seen {
	unsigned n;
	struct vmbs_cap_rec r[MAX_RECS];
	uint32_t len[MAX_RECS];
	uint8_t  first[MAX_RECS][16];  /* the first bytes, gathered over the pieces */
	uint8_t  dev[MAX_RECS];
};

static void on_rec(void *arg, const struct vmbs_cap_rec *r, const struct vmbs_cap_seg *seg,
		   unsigned nseg)
{
	struct seen *s = arg;
	if (s->n >= MAX_RECS)
		return;
	unsigned i = s->n++;
	s->r[i] = *r;
	s->r[i].class_id = NULL;
	s->dev[i] = cap_dev_class(r->class_id);
	uint32_t len = 0;
	for (unsigned k = 0; k < nseg; k++) {
		for (uint32_t j = 0; j < seg[k].len && len + j < 16; j++)
			s->first[i][len + j] = ((const uint8_t *)seg[k].base)[j];
		len += seg[k].len;
	}
	s->len[i] = len;
}

static int find(const struct seen *s, uint8_t kind, uint8_t dir, uint16_t type, unsigned from)
{
	for (unsigned i = from; i < s->n; i++)
		if (s->r[i].kind == kind && s->r[i].dir == dir && s->r[i].type == type)
			return (int)i;
	return -1;
}

static void test_vmbs_capture__booted_guest__every_kind_both_ways(void **state)
{
	(void)state;
	struct cfx *x = cfx_new();
	struct seen *s = calloc(1, sizeof *s);
	assert_non_null(s);
	vmbs_capture_set(hostside_vmbs(x->hs), on_rec, s);
	cfx_run(x);

	/* The handshake, in order: contact (on connection 4 at 5.x), the
	 * answer, offers asked for, the heartbeat offered, its GPADL. */
	int ic = find(s, VMBS_CAP_MSG, VMBS_CAP_G2H, VMBUS_MSG_INITIATE_CONTACT, 0);
	assert_int_equal(ic, 0);
	assert_int_equal(s->r[ic].conn, VMBUS_MESSAGE_CONNECTION_ID_4);
	assert_int_equal(s->len[ic], sizeof(struct vmbus_msg_initiate_contact));
	int vr = find(s, VMBS_CAP_MSG, VMBS_CAP_H2G, VMBUS_MSG_VERSION_RESPONSE, 0);
	assert_true(vr > ic);
	assert_int_equal(s->r[vr].conn, VMBUS_MESSAGE_CONNECTION_ID);
	int off = find(s, VMBS_CAP_MSG, VMBS_CAP_H2G, VMBUS_MSG_OFFERCHANNEL, 0);
	assert_true(off > vr);
	assert_int_equal(s->r[off].relid, 1);
	assert_true(find(s, VMBS_CAP_MSG, VMBS_CAP_G2H, VMBUS_MSG_GPADL_HEADER, 0) > off);
	int op = find(s, VMBS_CAP_MSG, VMBS_CAP_G2H, VMBUS_MSG_OPENCHANNEL, 0);
	assert_true(op > off);
	assert_int_equal(s->r[op].relid, 1);

	/* Heartbeat packets both ways, in-band, with their descriptor. */
	int h2g = find(s, VMBS_CAP_PKT, VMBS_CAP_H2G, VMBUS_PKT_DATA_INBAND, 0);
	int g2h = find(s, VMBS_CAP_PKT, VMBS_CAP_G2H, VMBUS_PKT_DATA_INBAND, 0);
	assert_true(h2g > op);
	assert_true(g2h > h2g);
	for (int i = h2g; i >= 0; i = (i == h2g) ? g2h : -1) {
		assert_int_equal(s->r[i].relid, 1);
		assert_int_equal(s->r[i].subidx, 0);
		assert_int_equal(s->dev[i], CAP_DEV_HEARTBEAT);
		assert_int_equal(s->first[i][0], VMBUS_PKT_DATA_INBAND);
		assert_int_equal(s->first[i][2], 2);        /* offset8: after the descriptor */
		assert_true(s->len[i] >= 16 + 28);          /* pipe + IC headers */
	}
	/* The end: UNLOAD answered. */
	int ul = find(s, VMBS_CAP_MSG, VMBS_CAP_G2H, VMBUS_MSG_UNLOAD, 0);
	assert_true(ul > g2h);
	assert_true(find(s, VMBS_CAP_MSG, VMBS_CAP_H2G, VMBUS_MSG_UNLOAD_RESPONSE, (unsigned)ul) > ul);
	/* Virtual time never goes back. */
	for (unsigned i = 1; i < s->n; i++)
		assert_true(s->r[i].ref_time >= s->r[i - 1].ref_time);
	assert_true(s->r[s->n - 1].ref_time >= 20 * 10000ull); /* the 20 ms sleep */

	/* Off: nothing more is seen. */
	unsigned n = s->n;
	vmbs_capture_set(hostside_vmbs(x->hs), NULL, NULL);
	struct gk_vmbus_report r2;
	assert_int_equal(gk_guest_vmbus_connect(x->rt, 0, false, &r2), 0);
	assert_int_equal(gk_guest_vmbus_disconnect(x->rt), 0);
	assert_int_equal(s->n, n);
	free(s);
	cfx_free(x);
}

/* ---- host commands ------------------------------------------------------------------ */

static json_t *cmd(struct hostside *hs, const char *text)
{
	json_t *r = hostcmd_exec_text(hs, text, strlen(text));
	assert_non_null(r);
	return r;
}

static void test_hostcmd_capture__start_run_stop__file_holds_every_record(void **state)
{
	(void)state;
	struct cfx *x = cfx_new();
	char *d = tmpdir();
	char req[512];
	snprintf(req, sizeof req, "{\"cmd\": \"capture.start\", \"dir\": \"%s\"}", d);
	json_t *r = cmd(x->hs, req);
	assert_true(json_is_true(json_object_get(r, "ok")));
	assert_string_equal(json_string_value(json_array_get(json_object_get(r, "files"), 0)),
			    CAP_VMBUS_FILE);
	json_decref(r);
	/* One at a time. */
	r = cmd(x->hs, req);
	assert_true(json_is_false(json_object_get(r, "ok")));
	assert_non_null(strstr(json_string_value(json_object_get(r, "error")), "already running"));
	json_decref(r);
	r = cmd(x->hs, "{\"cmd\": \"capture.status\"}");
	assert_true(json_is_true(json_object_get(r, "running")));
	json_decref(r);

	cfx_run(x);

	r = cmd(x->hs, "{\"cmd\": \"capture.stop\"}");
	assert_true(json_is_true(json_object_get(r, "ok")));
	json_t *st = json_object_get(r, "stats");
	json_int_t records = json_integer_value(json_object_get(st, "records"));
	json_int_t msgs = json_integer_value(json_object_get(st, "messages"));
	json_int_t pkts = json_integer_value(json_object_get(st, "packets"));
	assert_true(msgs > 10);
	assert_true(pkts >= 4);
	assert_int_equal(records, msgs + pkts);
	assert_int_equal(json_integer_value(json_object_get(st, "write_errors")), 0);
	json_decref(r);
	r = cmd(x->hs, "{\"cmd\": \"capture.stop\"}");
	assert_true(json_is_false(json_object_get(r, "ok")));
	json_decref(r);

	/* Walk the blocks: SHB, IDB (147, tsresol 7), then one EPB per record
	 * starting with our header; the first is the guest's INITIATE_CONTACT. */
	char path[256];
	snprintf(path, sizeof path, "%s/%s", d, CAP_VMBUS_FILE);
	size_t len;
	uint8_t *b = slurp(path, &len);
	assert_true(len > 100);
	assert_int_equal(rd32(b), PCAPNG_BT_SHB);
	size_t o = rd32(b + 4);
	assert_int_equal(rd32(b + o), PCAPNG_BT_IDB);
	assert_int_equal(b[o + 8], CAP_LINKTYPE);
	o += rd32(b + o + 4);
	json_int_t n = 0, n_pkt = 0;
	uint64_t last_ts = 0;
	while (o < len) {
		assert_true(o + 28 <= len);
		assert_int_equal(rd32(b + o), PCAPNG_BT_EPB);
		uint32_t blen = rd32(b + o + 4), cap = rd32(b + o + 20);
		assert_true(o + blen <= len);
		assert_int_equal(rd32(b + o + blen - 4), blen);
		uint64_t ts = (uint64_t)rd32(b + o + 12) << 32 | rd32(b + o + 16);
		assert_true(ts >= last_ts);
		last_ts = ts;
		const uint8_t *rec = b + o + 28;
		assert_true(cap >= 16 + 8);
		assert_int_equal(rec[0], CAP_REC_VERSION);
		assert_int_equal(rec[1], 16);
		if (n == 0) {
			assert_int_equal(rec[2], CAP_KIND_MSG);
			assert_int_equal(rec[3], CAP_DIR_G2H);
			assert_int_equal(rec[8], VMBUS_MSG_INITIATE_CONTACT);
			assert_int_equal(rec[14], VMBUS_MESSAGE_CONNECTION_ID_4);
			assert_int_equal(rd32(rec + 16), VMBUS_MSG_INITIATE_CONTACT);
		}
		if (rec[2] == CAP_KIND_PKT) {
			n_pkt++;
			assert_int_equal(rd32(rec + 4), 1);           /* the heartbeat's relid */
			assert_int_equal(rec[12], CAP_DEV_HEARTBEAT);
		}
		n++;
		o += blen;
	}
	assert_int_equal(n, records);
	assert_int_equal(n_pkt, pkts);
	free(b);
	rm_dir(d);
	cfx_free(x);
}

static void test_hostcmd_capture__bad_requests__refused_with_reason(void **state)
{
	(void)state;
	struct cfx *x = cfx_new();
	static const struct { const char *req, *why; } bad[] = {
		{ "{\"cmd\": \"capture.start\"}", "missing \"dir\"" },
		{ "{\"cmd\": \"capture.start\", \"dir\": \"rel/dir\"}", "absolute" },
		{ "{\"cmd\": \"capture.start\", \"dir\": \"\"}", "empty" },
		{ "{\"cmd\": \"capture.start\", \"dir\": 7}", "string" },
		{ "{\"cmd\": \"capture.start\", \"dir\": \"/proc/no/such\"}", "capture directory" },
		{ "{\"cmd\": \"capture.start\", \"dir\": \"/tmp\", \"x\": 1}", "unknown argument" },
		{ "{\"cmd\": \"capture.stop\"}", "no capture" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		json_t *r = cmd(x->hs, bad[i].req);
		assert_true(json_is_false(json_object_get(r, "ok")));
		const char *e = json_string_value(json_object_get(r, "error"));
		if (!strstr(e, bad[i].why))
			fail_msg("%s: \"%s\" does not say \"%s\"", bad[i].req, e, bad[i].why);
		json_decref(r);
	}
	/* No guest at all (hvsim ctl before a HELLO). */
	json_t *r = cmd(NULL, "{\"cmd\": \"capture.start\", \"dir\": \"/tmp/x\"}");
	assert_true(json_is_false(json_object_get(r, "ok")));
	json_decref(r);
	r = cmd(NULL, "{\"cmd\": \"capture.status\"}");
	assert_true(json_is_false(json_object_get(r, "running")));
	json_decref(r);
	cfx_free(x);
}

static void test_capture__host_destroyed_while_running__files_closed(void **state)
{
	(void)state;
	struct cfx *x = cfx_new();
	char *d = tmpdir();
	char err[256];
	assert_int_equal(capture_start(x->hs, d, err, sizeof err), 0);
	assert_string_equal(capture_dir(x->hs), d);
	cfx_run(x);
	struct capture_stats st;
	assert_int_equal(capture_get_stats(x->hs, &st), 0);
	assert_true(st.records > 0);
	cfx_free(x); /* hostside_destroy frees the capture: LeakSanitizer checks */
	rm_dir(d);
}

/* ---- the NIC tap ------------------------------------------------------------------------ */

static uint64_t fake_now(void *arg)
{
	return *(const uint64_t *)arg;
}

static void test_netbe_capture__frame__stamped_with_the_given_clock(void **state)
{
	(void)state;
	char *d = tmpdir();
	char path[256];
	snprintf(path, sizeof path, "%s/n.pcap", d);
	struct netbe_config cfg = { .kind = NETBE_NULL };
	static const struct netbe_cb cb = { 0 };
	struct netbe *be = NULL;
	assert_int_equal(netbe_open(&cfg, &cb, NULL, &be), 0);
	uint64_t now = 12345678; /* 1.2345678 s */
	assert_int_equal(netbe_capture_start(be, path, fake_now, &now), 0);
	assert_int_equal(netbe_capture_start(be, path, fake_now, &now), -EBUSY);
	uint8_t frame[60];
	for (unsigned i = 0; i < sizeof frame; i++)
		frame[i] = (uint8_t)i;
	assert_int_equal(netbe_send(be, frame, sizeof frame, NULL), 0);
	netbe_capture_stop(be);
	netbe_capture_stop(be); /* nothing running: nothing happens */
	assert_int_equal(netbe_send(be, frame, sizeof frame, NULL), 0); /* not captured */
	netbe_close(be);

	char eb[PCAP_ERRBUF_SIZE];
	pcap_t *pc = pcap_open_offline(path, eb);
	assert_non_null(pc);
	assert_int_equal(pcap_datalink(pc), DLT_EN10MB);
	struct pcap_pkthdr *h;
	const u_char *data;
	assert_int_equal(pcap_next_ex(pc, &h, &data), 1);
	assert_int_equal(h->ts.tv_sec, 1);
	assert_int_equal(h->ts.tv_usec, 234567);
	assert_int_equal(h->caplen, sizeof frame);
	assert_memory_equal(data, frame, sizeof frame);
	assert_int_equal(pcap_next_ex(pc, &h, &data), PCAP_ERROR_BREAK);
	pcap_close(pc);
	rm_dir(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cap_pcapng__headers_and_one_record__golden_bytes),
		cmocka_unit_test(test_cap_pcapng__unwritable_path__errno),
		cmocka_unit_test(test_cap_dev_class__known_guids__mapped),
		cmocka_unit_test(test_vmbs_capture__booted_guest__every_kind_both_ways),
		cmocka_unit_test(test_hostcmd_capture__start_run_stop__file_holds_every_record),
		cmocka_unit_test(test_hostcmd_capture__bad_requests__refused_with_reason),
		cmocka_unit_test(test_capture__host_destroyed_while_running__files_closed),
		cmocka_unit_test(test_netbe_capture__frame__stamped_with_the_given_clock),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
