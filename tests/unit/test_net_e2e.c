/* test_net_e2e.c -- the guest hn driver against the real host netvsp in
 * inproc mode: attach on every Hyper-V profile with the NVSP ceiling it
 * has, ping the built-in peer (ARP + ICMP echo), link down/up and speed
 * seen by the guest, MTU change, vRSS spreading received flows over the
 * sub-channels, names of two NICs under many seeds, and checksum offload
 * behind NAT (a forwarded TCP frame with only the pseudo-header sum leaves
 * correct; UDP on a TCP-only host is completed by the driver). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "guest_drivers/netvsc/hn.h"
#include "hyperv/nvsp.h"
#include "hyperv/rndis.h"
#include "sim/devices/hostside.h"
#include "sim/devices/net/netbe.h"
#include "sim/devices/net/netpkt.h"
#include "sim/devices/netvsp/netvsp.h"
#include "sim/guest/guest_actions.h"
#include "sim/guest/guest_net.h"
#include "sim/guest/guest_vmbus.h"
#include "sim/guest/runtime.h"
#include "sim/guest/transport.h"
#include "sim/hostd/gmem.h"
#include "sim/hostd/partition.h"
#include "sim/hostd/profile.h"
#include "sim/hostd/vmbs.h"

#define MEM (48u << 20)
#define MAXF 256

static const uint8_t peer_mac[6] = { 0x02, 0x00, 0x5e, 0x00, 0x00, 0x01 };
#define PEER_IP  0x0A000001u   /* 10.0.0.1 */
#define GUEST_IP 0x0A000002u   /* 10.0.0.2 */

struct ex {
	struct gmem *gm;
	struct gk_transport *t;
	struct part *p;
	struct hostside *hs;
	struct gk_runtime *rt;
	struct netvsp *nic[2];
	struct netbe *far[2];      /* the test's end of a NIC-to-NIC pair */
	unsigned nnics;
	uint8_t *tx[MAXF];         /* frames the guest sent, as the far end got them */
	size_t txlen[MAXF];
	unsigned ntx;
};

static void far_rx(void *arg, const uint8_t *frame, size_t len, const struct netbe_meta *m)
{
	(void)m;
	struct ex *x = arg;
	if (x->ntx >= MAXF)
		return;
	x->tx[x->ntx] = malloc(len);
	assert_non_null(x->tx[x->ntx]);
	memcpy(x->tx[x->ntx], frame, len);
	x->txlen[x->ntx++] = len;
}

static const struct netbe_cb far_cb = { .rx = far_rx };

static bool ex_pump(void *arg)
{
	struct ex *x = arg;
	bool did = false;
	for (int i = 0; i < 16; i++) {
		bool any = hostside_pump(x->hs);
		for (unsigned n = 0; n < x->nnics; n++) {
			any |= netvsp_pump(x->nic[n]);
			if (x->far[n])
				any |= netbe_poll(x->far[n], 64) > 0;
		}
		if (!any)
			break;
		did = true;
	}
	return did;
}

enum ex_be { EX_PAIR, EX_PEER };
static bool ex_legacy; /* next NICs send legacy-length status indications */

static struct ex *ex_new(const char *profile, uint32_t ncpus, unsigned nnics, enum ex_be be,
			 uint64_t seed, const struct hn_config *hc);

static int start_in_guest(void *arg)
{
	return hn_init(arg);
}

static struct ex *ex_new(const char *profile, uint32_t ncpus, unsigned nnics, enum ex_be be,
			 uint64_t seed, const struct hn_config *hc)
{
	struct ex *x = calloc(1, sizeof *x);
	assert_non_null(x);
	x->gm = gmem_create(MEM);
	assert_non_null(x->gm);
	x->t = gk_inproc_create(gmem_ptr(x->gm, 0, MEM), MEM, ncpus);
	const struct hv_profile *prof = hv_profile_find(profile);
	assert_non_null(prof);
	struct part_config pc = { .profile = prof, .nvcpus = ncpus };
	x->p = part_create(x->gm, &pc, gk_inproc_part_notify(), x->t);
	assert_non_null(x->p);
	gk_inproc_attach(x->t, x->p);
	struct hostside_config hsc = { .vmbus = true };
	x->hs = hostside_create(x->p, x->gm, &hsc, NULL, NULL);
	assert_non_null(x->hs);
	for (unsigned i = 0; i < nnics; i++) {
		struct netvsp_config c;
		memset(&c, 0, sizeof c);
		c.instance_id.bytes[0] = 0x5e;
		c.instance_id.bytes[15] = (uint8_t)(i + 1);
		uint8_t mac[6] = { 0x00, 0x15, 0x5d, 0x00, 0x01, (uint8_t)(0x10 + i) };
		memcpy(c.mac, mac, 6);
		c.legacy_status_len = ex_legacy;
		if (be == EX_PEER) {
			c.be.kind = NETBE_PEER;
			memcpy(c.be.peer_mac, peer_mac, 6);
			c.be.peer_ipv4 = PEER_IP;
		} else {
			c.no_backend = true;
		}
		assert_int_equal(netvsp_create(hostside_vmbs(x->hs), prof, &c, NULL, NULL, &x->nic[i]),
				 0);
		if (be == EX_PAIR) {
			struct netbe *a;
			assert_int_equal(netbe_pair(netvsp_be_cb(), x->nic[i], &far_cb, x, &a,
						    &x->far[i]), 0);
			netvsp_attach_backend(x->nic[i], a);
		}
		x->nnics++;
	}
	gk_inproc_set_pump(x->t, ex_pump, x);
	struct gk_runtime_config rc = { .sched = GK_SCHED_INPROC, .seed = seed,
					.log_level = getenv("EX_LOG") ? atoi(getenv("EX_LOG")) : 0 };
	x->rt = gk_runtime_create(x->t, &rc);
	assert_non_null(x->rt);
	struct gk_boot_report br;
	assert_int_equal(gk_guest_boot(x->rt, &br), 0);
	assert_int_equal(br.status, 0);
	struct gk_vmbus_report *vr = calloc(1, sizeof *vr);
	assert_non_null(vr);
	assert_int_equal(gk_guest_vmbus_connect(x->rt, 0, false, vr), 0);
	assert_int_equal(vr->status, 0);
	free(vr);
	struct hn_config dflt;
	memset(&dflt, 0, sizeof dflt);
	assert_int_equal(gk_runtime_call(x->rt, start_in_guest, hc ? (void *)hc : &dflt), 0);
	assert_int_equal(gk_guest_sleep(x->rt, 2000000), 0);
	return x;
}

static int stop_in_guest(void *arg)
{
	(void)arg;
	hn_fini();
	return 0;
}

static void ex_free(struct ex *x)
{
	assert_int_equal(gk_runtime_call(x->rt, stop_in_guest, NULL), 0);
	assert_int_equal(gk_guest_vmbus_disconnect(x->rt), 0);
	assert_int_equal(gk_guest_shutdown(x->rt), 0);
	assert_int_equal(gk_dma_pages_used(), 0);
	gk_runtime_destroy(x->rt);
	for (unsigned i = 0; i < x->nnics; i++) {
		netvsp_destroy(x->nic[i]);
		netbe_close(x->far[i]);
	}
	hostside_destroy(x->hs);
	part_destroy(x->p);
	x->t->ops->close(x->t);
	gmem_destroy(x->gm);
	for (unsigned i = 0; i < x->ntx; i++)
		free(x->tx[i]);
	free(x);
}

static void ex_sleep_ms(struct ex *x, uint64_t ms)
{
	assert_int_equal(gk_guest_sleep(x->rt, ms * 1000000ull), 0);
}

/* ---- guest calls ------------------------------------------------------------------------- */

struct gcall {
	unsigned unit;
	int rc;
	bool found;
	struct hn_info info;
	struct hn_link link;
	struct hn_stats st;
	const uint8_t *frame;
	uint32_t len;
	struct hn_txmeta m;
	bool meta;
	uint32_t mtu;
	uint8_t buf[2048];
	struct hn_rxmeta rm;
	char name[16];
};

static int info_in_guest(void *arg)
{
	struct gcall *c = arg;
	struct hn_if *hn = hn_find(c->unit);
	c->found = hn != NULL;
	if (!hn)
		return 0;
	c->rc = hn_get_info(hn, &c->info);
	hn_link_state(hn, &c->link);
	hn_get_stats(hn, &c->st);
	snprintf(c->name, sizeof c->name, "%s", hn_name(hn));
	return 0;
}

static struct gcall *ginfo(struct ex *x, unsigned unit)
{
	static struct gcall c;
	memset(&c, 0, sizeof c);
	c.unit = unit;
	assert_int_equal(gk_runtime_call(x->rt, info_in_guest, &c), 0);
	return &c;
}

static int send_in_guest(void *arg)
{
	struct gcall *c = arg;
	struct hn_if *hn = hn_find(c->unit);
	c->rc = hn_send(hn, c->frame, c->len, c->meta ? &c->m : NULL, HN_TX_WAIT);
	if (!c->rc)
		c->rc = hn_tx_drain(hn);
	return 0;
}

static int gsend(struct ex *x, unsigned unit, const uint8_t *f, size_t len,
		 const struct hn_txmeta *m)
{
	struct gcall *c = calloc(1, sizeof *c);
	assert_non_null(c);
	c->unit = unit;
	c->frame = f;
	c->len = (uint32_t)len;
	if (m) {
		c->m = *m;
		c->meta = true;
	}
	assert_int_equal(gk_runtime_call(x->rt, send_in_guest, c), 0);
	int rc = c->rc;
	free(c);
	return rc;
}

static int recv_in_guest(void *arg)
{
	struct gcall *c = arg;
	c->rc = hn_recv(hn_find(c->unit), c->buf, sizeof c->buf, &c->rm);
	return 0;
}

static int grecv(struct ex *x, unsigned unit, struct gcall *c)
{
	memset(c, 0, sizeof *c);
	c->unit = unit;
	assert_int_equal(gk_runtime_call(x->rt, recv_in_guest, c), 0);
	return c->rc;
}

static int mtu_in_guest(void *arg)
{
	struct gcall *c = arg;
	c->rc = hn_set_mtu(hn_find(c->unit), c->mtu);
	return 0;
}

/* ---- frames ------------------------------------------------------------------------------- */

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32be(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static size_t mk_arp(uint8_t *f, const uint8_t *mac)
{
	memset(f, 0, 60);
	memset(f, 0xFF, 6);
	memcpy(f + 6, mac, 6);
	put16(f + 12, 0x0806);
	put16(f + 14, 1);
	put16(f + 16, 0x0800);
	f[18] = 6;
	f[19] = 4;
	put16(f + 20, 1);
	memcpy(f + 22, mac, 6);
	put32be(f + 28, GUEST_IP);
	put32be(f + 38, PEER_IP);
	return 60;
}

/* IPv4 + proto with 'pl' payload bytes; L4 checksum holds the pseudo-header
 * sum (CHECKSUM_PARTIAL), IP header checksum complete. */
static size_t mk_ip(uint8_t *f, const uint8_t *src, const uint8_t *dst, uint32_t sip,
		    uint32_t dip, uint8_t proto, uint16_t sport, uint16_t dport, size_t pl)
{
	size_t l4 = proto == 6 ? 20 : proto == 17 ? 8 : 8;
	size_t tot = 20 + l4 + pl;
	memset(f, 0, 14 + tot);
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	put16(f + 12, 0x0800);
	uint8_t *ip = f + 14;
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)tot);
	put16(ip + 4, 0x1234);
	ip[8] = 64;
	ip[9] = proto;
	put32be(ip + 12, sip);
	put32be(ip + 16, dip);
	put16(ip + 10, (uint16_t)~netpkt_csum(ip, 20, 0));
	uint8_t *t = ip + 20;
	for (size_t i = 0; i < pl; i++)
		t[l4 + i] = (uint8_t)(i * 13 + 1);
	if (proto == 1) { /* ICMP echo request: checksum complete */
		t[0] = 8;
		put16(t + 4, 0x77);
		put16(t + 6, 1);
		put16(t + 2, (uint16_t)~netpkt_csum(t, l4 + pl, 0));
		return 14 + tot;
	}
	put16(t, sport);
	put16(t + 2, dport);
	if (proto == 6) {
		put32be(t + 4, 1000);
		t[12] = 0x50;
		t[13] = 0x18;
		put16(t + 14, 0xFFFF);
	} else {
		put16(t + 4, (uint16_t)(l4 + pl));
	}
	/* pseudo-header sum, not inverted */
	uint8_t ph[12];
	memcpy(ph, ip + 12, 8);
	ph[8] = 0;
	ph[9] = proto;
	put16(ph + 10, (uint16_t)(l4 + pl));
	uint16_t ps = (uint16_t)~netpkt_csum(ph, 12, 0);
	put16(t + (proto == 6 ? 16 : 6), (uint16_t)~ps);
	return 14 + tot;
}

static bool l4_ok(const uint8_t *f, size_t len)
{
	const uint8_t *ip = f + 14;
	size_t tot = (size_t)(ip[2] << 8 | ip[3]);
	assert_true(tot + 14 <= len);
	uint8_t ph[12];
	memcpy(ph, ip + 12, 8);
	ph[8] = 0;
	ph[9] = ip[9];
	put16(ph + 10, (uint16_t)(tot - 20));
	uint16_t a = netpkt_csum(ph, 12, 0);
	return netpkt_csum(ip + 20, tot - 20, a) == 0xFFFF;
}

/* ---- tests --------------------------------------------------------------------------------- */

static void test_net_e2e__attach_every_profile__nvsp_ceiling_agreed_both_sides(void **state)
{
	(void)state;
	static const struct { const char *prof; uint32_t nvsp; } m[] = {
		{ "ws2008r2", NVSP_PROTOCOL_VERSION_2 }, { "ws2012r2", NVSP_PROTOCOL_VERSION_4 },
		{ "ws2016", NVSP_PROTOCOL_VERSION_5 },   { "ws2019", NVSP_PROTOCOL_VERSION_61 },
		{ "ws2022", NVSP_PROTOCOL_VERSION_61 },  { "azure", NVSP_PROTOCOL_VERSION_61 },
	};
	for (unsigned i = 0; i < sizeof m / sizeof m[0]; i++) {
		struct ex *x = ex_new(m[i].prof, 1, 1, EX_PAIR, 1 + i, NULL);
		struct gcall *c = ginfo(x, 0);
		if (!c->found)
			fail_msg("%s: hn0 did not attach", m[i].prof);
		assert_string_equal(c->name, "hn0");
		assert_int_equal(c->info.nvsp_version, m[i].nvsp);
		struct netvsp_info ni;
		netvsp_get_info(x->nic[0], &ni);
		assert_int_equal(ni.nvsp_version, m[i].nvsp);
		assert_true(ni.rndis_initialized);
		assert_int_equal(ni.packet_filter, 0x0D);
		assert_int_equal(ni.mtu, 1514);
		assert_memory_equal(c->info.mac, ni.current_mac, 6);
		assert_true(c->link.up);
		assert_int_equal(c->link.speed_bps, ni.link_speed_bps);
		ex_free(x);
	}
}

static void test_net_e2e__ping_builtin_peer__arp_and_echo_answered(void **state)
{
	(void)state;
	struct ex *x = ex_new("ws2019", 1, 1, EX_PEER, 2, NULL);
	struct gcall *c = ginfo(x, 0);
	assert_true(c->found);
	uint8_t mac[6];
	memcpy(mac, c->info.mac, 6);
	uint8_t f[256];
	size_t n = mk_arp(f, mac);
	assert_int_equal(gsend(x, 0, f, n, NULL), 0);
	ex_sleep_ms(x, 5);
	struct gcall *r = calloc(1, sizeof *r);
	assert_non_null(r);
	int len = grecv(x, 0, r);
	assert_true(len >= 42);
	assert_int_equal(r->buf[12] << 8 | r->buf[13], 0x0806);
	assert_int_equal(r->buf[20] << 8 | r->buf[21], 2); /* reply */
	assert_memory_equal(r->buf + 22, peer_mac, 6);
	/* Three echo requests, three replies with the same payload. */
	for (unsigned i = 0; i < 3; i++) {
		n = mk_ip(f, mac, peer_mac, GUEST_IP, PEER_IP, 1, 0, 0, 56);
		f[14 + 20 + 7] = (uint8_t)(i + 1);
		put16(f + 14 + 22, 0);
		put16(f + 14 + 22, (uint16_t)~netpkt_csum(f + 34, 64, 0));
		assert_int_equal(gsend(x, 0, f, n, NULL), 0);
		ex_sleep_ms(x, 5);
		len = grecv(x, 0, r);
		assert_int_equal(len, (int)n);
		assert_int_equal(r->buf[23], 1);   /* ICMP */
		assert_int_equal(r->buf[34], 0);   /* echo reply */
		assert_int_equal(r->buf[41], i + 1);
		assert_memory_equal(r->buf + 42, f + 42, 56);
	}
	free(r);
	ex_free(x);
}

static void test_net_e2e__link_down_up_and_speed__guest_sees_each(void **state)
{
	(void)state;
	struct ex *x = ex_new("ws2019", 1, 1, EX_PAIR, 3, NULL);
	assert_int_equal(netvsp_set_link(x->nic[0], false, 0), 0);
	ex_sleep_ms(x, 5);
	struct gcall *c = ginfo(x, 0);
	assert_false(c->link.up);
	assert_int_equal(c->link.changes, 1);
	assert_int_equal(netvsp_set_link(x->nic[0], true, 1000000000ull), 0);
	ex_sleep_ms(x, 5);
	c = ginfo(x, 0);
	assert_true(c->link.up);
	assert_int_equal(c->link.changes, 2);
	assert_int_equal(c->link.speed_bps, 1000000000ull);
	for (unsigned d = 0; d < HN_DROP_COUNT; d++)
		assert_int_equal(c->st.drop[d], 0);
	ex_free(x);
}

static void test_net_e2e__legacy_status_length_host__speed_still_read(void **state)
{
	(void)state;
	/* LINK_SPEED_CHANGE with msg_len not counting its buffer (pre-"Fe"
	 * vSwitch): the guest reads it within the transfer range. */
	ex_legacy = true;
	struct ex *x = ex_new("ws2012r2", 1, 1, EX_PAIR, 4, NULL);
	ex_legacy = false;
	assert_int_equal(netvsp_set_link(x->nic[0], true, 100000000ull), 0);
	ex_sleep_ms(x, 5);
	struct gcall *c = ginfo(x, 0);
	assert_int_equal(c->link.speed_bps, 100000000ull);
	assert_int_equal(c->st.drop[HN_DROP_INDICATION], 0);
	ex_free(x);
}

static void test_net_e2e__mtu_change__host_sees_new_ndis_mtu_and_jumbo_passes(void **state)
{
	(void)state;
	struct ex *x = ex_new("ws2019", 1, 1, EX_PAIR, 5, NULL);
	struct gcall *c = calloc(1, sizeof *c);
	assert_non_null(c);
	c->mtu = 9000;
	assert_int_equal(gk_runtime_call(x->rt, mtu_in_guest, c), 0);
	assert_int_equal(c->rc, 0);
	struct netvsp_info ni;
	netvsp_get_info(x->nic[0], &ni);
	assert_int_equal(ni.mtu, 9014);
	assert_int_equal(ginfo(x, 0)->info.mtu, 9000);
	uint8_t *f = calloc(1, 9100);
	assert_non_null(f);
	size_t n = mk_ip(f, ginfo(x, 0)->info.mac, peer_mac, GUEST_IP, PEER_IP, 17, 5000, 7, 8000);
	assert_int_equal(gsend(x, 0, f, n, NULL), 0);
	ex_sleep_ms(x, 5);
	assert_int_equal(x->ntx, 1);
	assert_int_equal(x->txlen[0], n);
	free(f);
	free(c);
	ex_free(x);
}

static void test_net_e2e__vrss_four_vcpus__flows_spread_over_subchannels(void **state)
{
	(void)state;
	struct ex *x = ex_new("ws2019", 4, 1, EX_PAIR, 6, NULL);
	struct gcall *c = ginfo(x, 0);
	assert_int_equal(c->info.nqueues, 4);
	assert_true(c->info.rss);
	struct netvsp_info ni;
	netvsp_get_info(x->nic[0], &ni);
	assert_true(ni.rss_enabled);
	assert_int_equal(ni.open_queues, 4);
	uint8_t mac[6];
	memcpy(mac, c->info.mac, 6);
	uint8_t f[256];
	unsigned per_q[HN_MAX_QUEUES] = { 0 };
	struct gcall *r = calloc(1, sizeof *r);
	assert_non_null(r);
	for (unsigned i = 0; i < 64; i++) {
		size_t n = mk_ip(f, peer_mac, mac, PEER_IP + i, GUEST_IP, 6, (uint16_t)(1000 + i * 7),
				 80, 20);
		/* complete the TCP checksum: the far end sends finished frames */
		uint8_t *t = f + 34;
		put16(t + 16, 0);
		uint8_t ph[12];
		memcpy(ph, f + 26, 8);
		ph[8] = 0;
		ph[9] = 6;
		put16(ph + 10, 40);
		uint16_t s = netpkt_csum(ph, 12, 0);
		put16(t + 16, (uint16_t)~netpkt_csum(t, 40, s));
		assert_int_equal(netbe_send(x->far[0], f, n, NULL), 0);
		ex_sleep_ms(x, 1);
		int len = grecv(x, 0, r);
		assert_int_equal(len, (int)n);
		assert_true(r->rm.hash_valid);
		/* The host put it on the queue its table names for the hash. */
		assert_int_equal(r->rm.queue, (r->rm.hash & 127u) % 4u);
		per_q[r->rm.queue]++;
	}
	unsigned used = 0;
	for (unsigned q = 0; q < 4; q++)
		used += per_q[q] > 0;
	assert_true(used >= 3);
	free(r);
	ex_free(x);
}

static int names_in_guest(void *arg)
{
	char *out = arg;
	snprintf(out, 64, "%s,%s", hn_name(hn_find(0)), hn_name(hn_find(1)));
	return 0;
}

static void test_net_e2e__two_nics_many_seeds__names_follow_offer_order(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 100; seed++) {
		struct ex *x = ex_new("ws2019", 2, 2, EX_PAIR, seed, NULL);
		char names[64];
		assert_int_equal(gk_runtime_call(x->rt, names_in_guest, names), 0);
		assert_string_equal(names, "hn0,hn1");
		assert_int_equal(ginfo(x, 0)->info.mac[5], 0x10);
		assert_int_equal(ginfo(x, 1)->info.mac[5], 0x11);
		ex_free(x);
	}
}

static void test_net_e2e__nat_forwarded_tcp_partial_csum__leaves_correct(void **state)
{
	(void)state;
	static const char *const prof[] = { "ws2019", "ws2012r2" };
	for (unsigned p = 0; p < 2; p++) {
		struct ex *x = ex_new(prof[p], 1, 1, EX_PAIR, 7, NULL);
		struct gcall *c = ginfo(x, 0);
		uint8_t mac[6];
		memcpy(mac, c->info.mac, 6);
		uint8_t f[1600];
		/* Forwarded from 192.168.1.5 (NAT'ed): only the pseudo-header sum. */
		size_t n = mk_ip(f, mac, peer_mac, 0xC0A80105u, PEER_IP, 6, 40000, 443, 1000);
		assert_false(l4_ok(f, n));
		struct hn_txmeta m = { .csum_partial = true, .csum_start = 34, .csum_offset = 16,
				       .queue = -1 };
		assert_int_equal(gsend(x, 0, f, n, &m), 0);
		/* UDP too: TCP-only hosts leave it to the driver. */
		size_t nu = mk_ip(f + 0, mac, peer_mac, 0xC0A80105u, PEER_IP, 17, 40000, 53, 300);
		struct hn_txmeta mu = { .csum_partial = true, .csum_start = 34, .csum_offset = 6,
					.queue = -1 };
		assert_int_equal(gsend(x, 0, f, nu, &mu), 0);
		ex_sleep_ms(x, 5);
		assert_int_equal(x->ntx, 2);
		assert_true(l4_ok(x->tx[0], x->txlen[0]));
		assert_true(l4_ok(x->tx[1], x->txlen[1]));
		c = ginfo(x, 0);
		assert_int_equal(c->st.q[0].tx_csum_offload + c->st.q[0].tx_csum_sw, 2);
		if (!c->info.csum_udp4)
			assert_true(c->st.q[0].tx_csum_sw >= 1);
		ex_free(x);
	}
}

static void test_net_e2e__runner_actions__status_ping_mtu(void **state)
{
	(void)state;
	struct ex *x = ex_new("ws2016", 2, 1, EX_PEER, 8, NULL);
	struct gk_net_config nc = { 0 };
	assert_int_equal(gk_guest_net_start(x->rt, &nc), -EBUSY); /* ex_new started it */
	struct gk_net_status st;
	assert_int_equal(gk_guest_net_status(x->rt, 0, &st), 0);
	assert_true(st.present);
	assert_true(st.running);
	assert_string_equal(st.name, "hn0");
	assert_int_equal(st.nvsp_version, NVSP_PROTOCOL_VERSION_5);
	assert_true(st.link_up);
	assert_int_equal(gk_guest_net_status(x->rt, 1, &st), 0);
	assert_false(st.present);
	struct gk_net_ping pr;
	assert_int_equal(gk_guest_net_ping(x->rt, 0, GUEST_IP, PEER_IP, 3, 100000000, &pr), 0);
	assert_int_equal(pr.status, 0);
	assert_int_equal(pr.sent, 3);
	assert_int_equal(pr.received, 3);
	assert_memory_equal(pr.dst_mac, peer_mac, 6);
	/* Nobody answers for 10.0.0.9. */
	assert_int_equal(gk_guest_net_ping(x->rt, 0, GUEST_IP, 0x0A000009u, 1, 20000000, &pr), 0);
	assert_int_equal(pr.status, -EHOSTUNREACH);
	int r;
	assert_int_equal(gk_guest_net_set_mtu(x->rt, 0, 4000, &r), 0);
	assert_int_equal(r, 0);
	assert_int_equal(gk_guest_net_status(x->rt, 0, &st), 0);
	assert_int_equal(st.mtu, 4000);
	assert_int_equal(gk_guest_net_ping(x->rt, 0, GUEST_IP, PEER_IP, 1, 100000000, &pr), 0);
	assert_int_equal(pr.received, 1);
	assert_int_equal(st.drops, 0);
	ex_free(x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_net_e2e__attach_every_profile__nvsp_ceiling_agreed_both_sides),
		cmocka_unit_test(test_net_e2e__ping_builtin_peer__arp_and_echo_answered),
		cmocka_unit_test(test_net_e2e__link_down_up_and_speed__guest_sees_each),
		cmocka_unit_test(test_net_e2e__legacy_status_length_host__speed_still_read),
		cmocka_unit_test(test_net_e2e__mtu_change__host_sees_new_ndis_mtu_and_jumbo_passes),
		cmocka_unit_test(test_net_e2e__vrss_four_vcpus__flows_spread_over_subchannels),
		cmocka_unit_test(test_net_e2e__two_nics_many_seeds__names_follow_offer_order),
		cmocka_unit_test(test_net_e2e__nat_forwarded_tcp_partial_csum__leaves_correct),
		cmocka_unit_test(test_net_e2e__runner_actions__status_ping_mtu),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
