/* test_netbe_core.c -- the queue-backed back ends: null sink, pcap file,
 * built-in peer (ARP, ICMP echo, UDP echo), NIC-to-NIC pair, bounds. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <cmocka.h>

#include "sim/devices/net/netbe.h"
#include "sim/devices/net/netpkt.h"
#include "tests/unit/test_netpkt_frames.h"

struct rxlog {
	unsigned n, writable, ready;
	uint8_t last[2048];
	size_t last_len;
	struct netbe_meta last_m;
	size_t total;
};

static void rx_cb(void *arg, const uint8_t *f, size_t len, const struct netbe_meta *m)
{
	struct rxlog *l = arg;
	l->n++;
	l->total += len;
	l->last_len = len < sizeof l->last ? len : sizeof l->last;
	memcpy(l->last, f, l->last_len);
	l->last_m = *m;
}
static void wr_cb(void *arg) { ((struct rxlog *)arg)->writable++; }
static void ready_cb(void *arg) { ((struct rxlog *)arg)->ready++; }
static const struct netbe_cb cbs = { .rx = rx_cb, .writable = wr_cb, .rx_ready = ready_cb };

#define PEER_IP TF_IP(192, 0, 2, 1)
#define GUEST_IP TF_IP(192, 0, 2, 2)

static struct netbe *open_peer(struct rxlog *l)
{
	struct netbe_config c = { .kind = NETBE_PEER, .peer_ipv4 = PEER_IP };
	memcpy(c.peer_mac, tf_mac_b, 6);
	struct netbe *be;
	assert_int_equal(netbe_open(&c, &cbs, l, &be), 0);
	return be;
}

static void test_netbe_null__frames__counted_and_dropped(void **state)
{
	struct netbe_config c = { .kind = NETBE_NULL };
	struct netbe *be;
	struct rxlog l = { 0 };
	assert_int_equal(netbe_open(&c, &cbs, &l, &be), 0);
	uint8_t f[64] = { 0 };
	assert_int_equal(netbe_send(be, f, 60, NULL), 0);
	assert_int_equal(netbe_send(be, f, 13, NULL), -EINVAL);
	assert_int_equal(netbe_fd(be), -1);
	assert_int_equal(netbe_poll(be, 16), 0);
	struct netbe_stats s;
	netbe_get_stats(be, &s);
	assert_int_equal(s.tx_frames, 1);
	assert_int_equal(s.tx_bytes, 60);
	assert_int_equal(l.n, 0);
	struct netbe_caps caps;
	netbe_caps(be, &caps);
	assert_true(caps.tx_gso && caps.tx_csum_partial);
	netbe_close(be);
	netbe_close(NULL);
}

static void test_netbe_open__bad_config__einval(void **state)
{
	struct netbe *be = (void *)1;
	struct netbe_config c = { .kind = NETBE_PCAP };       /* no path */
	assert_int_equal(netbe_open(&c, &cbs, NULL, &be), -EINVAL);
	assert_null(be);
	c.kind = NETBE_PEER;                                   /* no MAC / address */
	assert_int_equal(netbe_open(&c, &cbs, NULL, &be), -EINVAL);
	c.kind = NETBE_PAIR;
	assert_int_equal(netbe_open(&c, &cbs, NULL, &be), -EINVAL);
	c.kind = (enum netbe_kind)99;
	assert_int_equal(netbe_open(&c, &cbs, NULL, &be), -EINVAL);
}

static void test_netbe_open__alloc_fails__enomem_no_leak(void **state)
{
	struct netbe *be;
	struct netbe_config c = { .kind = NETBE_NULL };
	netbe_alloc_fail_after(0);
	assert_int_equal(netbe_open(&c, &cbs, NULL, &be), -ENOMEM);
	netbe_alloc_fail_after(1);
	struct netbe *a, *b;
	assert_int_equal(netbe_pair(&cbs, NULL, &cbs, NULL, &a, &b), -ENOMEM);
	netbe_alloc_fail_after(-1);
}

static void test_netbe_send__oversized_or_bad_meta__rejected(void **state)
{
	struct netbe_config c = { .kind = NETBE_NULL };
	struct netbe *be;
	assert_int_equal(netbe_open(&c, NULL, NULL, &be), 0);
	uint8_t *big = calloc(1, NETBE_FRAME_MAX + 1);
	assert_int_equal(netbe_send(be, big, NETBE_FRAME_MAX + 1, NULL), -EMSGSIZE);
	struct netbe_meta m = { .csum_partial = true, .csum_start = 50, .csum_offset = 9 };
	assert_int_equal(netbe_send(be, big, 60, &m), -EINVAL);     /* field past the end */
	struct netbe_meta g = { .gso_type = NETBE_GSO_TCPV4, .gso_size = 0 };
	assert_int_equal(netbe_send(be, big, 60, &g), -EINVAL);     /* MSS 0 */
	struct netbe_meta u = { .gso_type = 77, .gso_size = 100 };
	assert_int_equal(netbe_send(be, big, 60, &u), -EINVAL);
	struct netbe_stats s;
	netbe_get_stats(be, &s);
	assert_int_equal(s.tx_dropped, 4);
	assert_int_equal(s.tx_frames, 0);
	free(big);
	netbe_close(be);
}

static void test_netbe_peer__arp_request__reply_with_peer_mac(void **state)
{
	struct rxlog l = { 0 };
	struct netbe *be = open_peer(&l);
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint8_t f[60] = { 0 };
	size_t o = tf_eth(f, bcast, tf_mac_a, 0x0806, -1);
	static const uint8_t arp[28] = {
		0, 1, 8, 0, 6, 4, 0, 1, 0x00, 0x15, 0x5d, 0, 0, 1, 192, 0, 2, 2,
		0, 0, 0, 0, 0, 0, 192, 0, 2, 1 };
	memcpy(f + o, arp, sizeof arp);
	assert_int_equal(netbe_send(be, f, 60, NULL), 0);
	assert_int_equal(l.ready, 1);
	assert_int_equal(l.n, 0);                  /* nothing delivered inside send */
	assert_int_equal(netbe_rx_pending(be), 1);
	assert_int_equal(netbe_poll(be, 8), 1);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.last_len, 60);
	static const uint8_t want[42] = {
		0x00, 0x15, 0x5d, 0, 0, 1,  0x00, 0x15, 0x5d, 0, 0, 2,  0x08, 0x06,
		0, 1, 8, 0, 6, 4, 0, 2,
		0x00, 0x15, 0x5d, 0, 0, 2, 192, 0, 2, 1,
		0x00, 0x15, 0x5d, 0, 0, 1, 192, 0, 2, 2 };
	assert_memory_equal(l.last, want, sizeof want);
	/* A request for another address is not answered. */
	f[o + 27] = 9;
	assert_int_equal(netbe_send(be, f, 60, NULL), 0);
	assert_int_equal(netbe_poll(be, 8), 0);
	netbe_close(be);
}

static void test_netbe_peer__icmp_echo__reply_with_valid_checksums(void **state)
{
	struct rxlog l = { 0 };
	struct netbe *be = open_peer(&l);
	uint8_t f[256];
	uint8_t pay[56];
	for (size_t i = 0; i < sizeof pay; i++)
		pay[i] = (uint8_t)i;
	size_t len = tf_ip4(f, -1, GUEST_IP, PEER_IP, 1, 0x77, 3, pay, sizeof pay);
	/* ICMP checksum is not covered by the pseudo header: compute by hand. */
	assert_int_equal(netpkt_fix_checksums(f, len, NETPKT_FIX_IP4), 0);
	uint8_t *icmp = f + 34;
	tf_wr16(icmp + 2, (uint16_t)~netpkt_csum(icmp, len - 34, 0));
	assert_int_equal(netbe_send(be, f, len, NULL), 0);
	assert_int_equal(netbe_poll(be, 8), 1);
	assert_int_equal(l.last_len, len);
	assert_memory_equal(l.last, tf_mac_a, 6);
	assert_int_equal(l.last[34], 0);          /* echo reply */
	assert_memory_equal(l.last + 26, f + 30, 4); /* src = old dst */
	assert_int_equal(netpkt_csum(l.last + 14, 20, 0), 0xffff);
	assert_int_equal(netpkt_csum(l.last + 34, len - 34, 0), 0xffff);
	assert_memory_equal(l.last + 42, pay, sizeof pay);
	assert_true(l.last_m.csum_valid);
	/* A bad ICMP checksum is ignored, as a real host would. */
	icmp[2] ^= 1;
	assert_int_equal(netbe_send(be, f, len, NULL), 0);
	assert_int_equal(netbe_poll(be, 8), 0);
	netbe_close(be);
}

static void test_netbe_peer__udp_port7__echoed_ports_swapped(void **state)
{
	struct rxlog l = { 0 };
	struct netbe *be = open_peer(&l);
	uint8_t f[128];
	size_t len = tf_ip4(f, -1, GUEST_IP, PEER_IP, 17, 40000, 7, (const uint8_t *)"hello", 5);
	assert_int_equal(netpkt_fix_checksums(f, len, NETPKT_FIX_IP4 | NETPKT_FIX_UDP), 0);
	assert_int_equal(netbe_send(be, f, len, NULL), 0);
	assert_int_equal(netbe_poll(be, 8), 1);
	assert_int_equal(l.last_len, 60);           /* padded to the minimum */
	assert_int_equal(tf_rd16(l.last + 34), 7);
	assert_int_equal(tf_rd16(l.last + 36), 40000);
	assert_memory_equal(l.last + 42, "hello", 5);
	/* The reply's UDP checksum verifies: recompute and compare. */
	uint8_t copy[60];
	memcpy(copy, l.last, 60);
	assert_int_equal(netpkt_fix_checksums(copy, 60, NETPKT_FIX_IP4 | NETPKT_FIX_UDP), 0);
	assert_memory_equal(copy, l.last, 60);
	/* Another port: dropped. */
	len = tf_ip4(f, -1, GUEST_IP, PEER_IP, 17, 40000, 9, (const uint8_t *)"hello", 5);
	assert_int_equal(netbe_send(be, f, len, NULL), 0);
	assert_int_equal(netbe_poll(be, 8), 0);
	netbe_close(be);
}

static void test_netbe_peer__reply_queue_full__replies_dropped_and_counted(void **state)
{
	struct rxlog l = { 0 };
	struct netbe *be = open_peer(&l);
	uint8_t f[128];
	size_t len = tf_ip4(f, -1, GUEST_IP, PEER_IP, 17, 1, 7, (const uint8_t *)"x", 1);
	netpkt_fix_checksums(f, len, NETPKT_FIX_IP4 | NETPKT_FIX_UDP);
	for (unsigned i = 0; i < NETBE_QUEUE_MAX + 10; i++)
		assert_int_equal(netbe_send(be, f, len, NULL), 0);
	assert_int_equal(netbe_rx_pending(be), NETBE_QUEUE_MAX);
	struct netbe_stats s;
	netbe_get_stats(be, &s);
	assert_int_equal(s.rx_dropped, 10);
	assert_int_equal(l.ready, 1);
	netbe_close(be);   /* queued replies freed (LeakSanitizer checks) */
}

static void test_netbe_pair__frames_cross__and_full_queue_eagain_then_writable(void **state)
{
	struct rxlog la = { 0 }, lb = { 0 };
	struct netbe *a, *b;
	assert_int_equal(netbe_pair(&cbs, &la, &cbs, &lb, &a, &b), 0);
	uint8_t f[60] = { 0 };
	f[0] = 0xaa;
	assert_int_equal(netbe_send(a, f, 60, NULL), 0);
	assert_int_equal(lb.ready, 1);
	assert_int_equal(netbe_poll(b, 4), 1);
	assert_int_equal(lb.n, 1);
	assert_int_equal(lb.last[0], 0xaa);
	assert_int_equal(la.n, 0);
	for (unsigned i = 0; i < NETBE_QUEUE_MAX; i++)
		assert_int_equal(netbe_send(b, f, 60, NULL), 0);
	assert_int_equal(netbe_send(b, f, 60, NULL), -EAGAIN);
	assert_int_equal(lb.writable, 0);
	assert_int_equal(netbe_poll(a, 10), 10);
	assert_int_equal(lb.writable, 1);
	assert_int_equal(la.n, 10);
	struct netbe_stats s;
	netbe_get_stats(b, &s);
	assert_int_equal(s.tx_frames, NETBE_QUEUE_MAX);
	assert_int_equal(s.tx_dropped, 0);
	netbe_close(a);
	/* b is now a sink. */
	assert_int_equal(netbe_send(b, f, 60, NULL), 0);
	netbe_close(b);
}

static void test_netbe_pair__gso_send__arrives_segmented_with_valid_checksums(void **state)
{
	struct rxlog la = { 0 }, lb = { 0 };
	struct netbe *a, *b;
	assert_int_equal(netbe_pair(&cbs, &la, &cbs, &lb, &a, &b), 0);
	static uint8_t f[4096];
	static uint8_t pay[3000];
	for (size_t i = 0; i < sizeof pay; i++)
		pay[i] = (uint8_t)(i * 7);
	size_t len = tf_ip4(f, -1, GUEST_IP, PEER_IP, 6, 1000, 80, pay, sizeof pay);
	struct netbe_meta m = { .gso_type = NETBE_GSO_TCPV4, .gso_size = 1448, .hdr_len = 54 };
	assert_int_equal(netbe_send(a, f, len, &m), 0);
	assert_int_equal(netbe_rx_pending(b), 3);
	assert_int_equal(netbe_poll(b, 8), 3);
	assert_int_equal(lb.total, 3 * 54 + 3000);
	assert_int_equal(lb.last_len, 54 + 3000 - 2 * 1448);
	uint8_t copy[256];
	memcpy(copy, lb.last, lb.last_len);
	assert_int_equal(netpkt_fix_checksums(copy, lb.last_len, NETPKT_FIX_IP4 | NETPKT_FIX_TCP), 0);
	assert_memory_equal(copy, lb.last, lb.last_len);
	netbe_close(a);
	netbe_close(b);
}

static void test_netbe_pcap__tx_and_rx__written_in_pcap_format(void **state)
{
	char path[] = "/tmp/netbe_pcap_XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	struct rxlog l = { 0 };
	struct netbe_config c = { .kind = NETBE_PEER, .peer_ipv4 = PEER_IP, .pcap_path = path };
	memcpy(c.peer_mac, tf_mac_b, 6);
	struct netbe *be;
	assert_int_equal(netbe_open(&c, &cbs, &l, &be), 0);
	uint8_t f[128];
	size_t len = tf_ip4(f, -1, GUEST_IP, PEER_IP, 17, 1, 7, (const uint8_t *)"abc", 3);
	netpkt_fix_checksums(f, len, NETPKT_FIX_IP4 | NETPKT_FIX_UDP);
	assert_int_equal(netbe_send(be, f, len, NULL), 0);
	assert_int_equal(netbe_poll(be, 8), 1);
	netbe_close(be);
	FILE *fp = fopen(path, "rb");
	uint8_t buf[512];
	size_t n = fread(buf, 1, sizeof buf, fp);
	fclose(fp);
	unlink(path);
	/* 24-byte file header + 2 x (16-byte record header + frame). */
	assert_int_equal(n, 24 + 16 + len + 16 + 60);
	uint32_t magic, link, caplen;
	memcpy(&magic, buf, 4);
	memcpy(&link, buf + 20, 4);
	assert_int_equal(magic, 0xa1b2c3d4);
	assert_int_equal(link, 1);
	memcpy(&caplen, buf + 24 + 8, 4);
	assert_int_equal(caplen, len);
	assert_memory_equal(buf + 40, f, len);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_netbe_null__frames__counted_and_dropped),
		cmocka_unit_test(test_netbe_open__bad_config__einval),
		cmocka_unit_test(test_netbe_open__alloc_fails__enomem_no_leak),
		cmocka_unit_test(test_netbe_send__oversized_or_bad_meta__rejected),
		cmocka_unit_test(test_netbe_peer__arp_request__reply_with_peer_mac),
		cmocka_unit_test(test_netbe_peer__icmp_echo__reply_with_valid_checksums),
		cmocka_unit_test(test_netbe_peer__udp_port7__echoed_ports_swapped),
		cmocka_unit_test(test_netbe_peer__reply_queue_full__replies_dropped_and_counted),
		cmocka_unit_test(test_netbe_pair__frames_cross__and_full_queue_eagain_then_writable),
		cmocka_unit_test(test_netbe_pair__gso_send__arrives_segmented_with_valid_checksums),
		cmocka_unit_test(test_netbe_pcap__tx_and_rx__written_in_pcap_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
