/* bench_netbe.c -- a relay around the network back ends, for real-traffic
 * tests and throughput: "tap-peer" answers pings from a TAP's namespace
 * with the built-in peer; "tap-pair" joins two TAPs (each in its own
 * namespace) through a NIC-to-NIC pair.  Runs for --seconds or until
 * SIGTERM/SIGINT, then prints the back-end counters.
 *
 *   bench_netbe tap-peer TAP NETNS PEER_IP [--pcap F] [--offload] [--seconds N]
 *   bench_netbe tap-pair TAP0 NETNS0 TAP1 NETNS1 [--pcap F] [--offload] [--seconds N] */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim/devices/net/netbe.h"

static volatile sig_atomic_t bn_stop;

static void bn_sig(int s)
{
	(void)s;
	bn_stop = 1;
}

/* Each back end's RX goes out on its partner. */
struct bn_end {
	struct netbe *be, *out;
	unsigned long drops;
};

static void bn_rx(void *arg, const uint8_t *f, size_t len, const struct netbe_meta *m)
{
	struct bn_end *e = arg;
	struct netbe_meta plain;
	memset(&plain, 0, sizeof plain);
	if (!e->out || netbe_send(e->out, f, len, &plain))
		e->drops++;
}

static const struct netbe_cb bn_cb = { .rx = bn_rx };

static void bn_stats(const char *name, struct netbe *be)
{
	struct netbe_stats s;
	netbe_get_stats(be, &s);
	printf("%s: tx %llu frames %llu bytes (dropped %llu), rx %llu frames %llu bytes (dropped %llu)\n",
	       name, (unsigned long long)s.tx_frames, (unsigned long long)s.tx_bytes,
	       (unsigned long long)s.tx_dropped, (unsigned long long)s.rx_frames,
	       (unsigned long long)s.rx_bytes, (unsigned long long)s.rx_dropped);
}

static double bn_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int bn_usage(void)
{
	fprintf(stderr, "usage: bench_netbe tap-peer TAP NETNS PEER_IP [--pcap F] [--offload] [--seconds N]\n"
			"       bench_netbe tap-pair TAP0 NETNS0 TAP1 NETNS1 [--pcap F] [--offload] [--seconds N]\n");
	return 2;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return bn_usage();
	bool pair = !strcmp(argv[1], "tap-pair");
	if (!pair && strcmp(argv[1], "tap-peer"))
		return bn_usage();
	int npos = pair ? 4 : 3;
	if (argc < 2 + npos)
		return bn_usage();
	const char *pcap = NULL;
	bool offload = false;
	double seconds = 30;
	for (int i = 2 + npos; i < argc; i++) {
		if (!strcmp(argv[i], "--pcap") && i + 1 < argc)
			pcap = argv[++i];
		else if (!strcmp(argv[i], "--offload"))
			offload = true;
		else if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
			seconds = atof(argv[++i]);
		else
			return bn_usage();
	}
	signal(SIGTERM, bn_sig);
	signal(SIGINT, bn_sig);

	struct bn_end e[4];
	memset(e, 0, sizeof e);
	struct netbe_config tc = { .kind = NETBE_TAP, .tap_name = argv[2], .netns = argv[3],
				   .accept_offload = offload, .pcap_path = pcap };
	int rc = netbe_open(&tc, &bn_cb, &e[0], &e[0].be);
	if (rc) {
		fprintf(stderr, "bench_netbe: tap %s in %s: %s\n", argv[2], argv[3], strerror(-rc));
		return 1;
	}
	int nends = 2;
	if (!pair) {
		struct in_addr a;
		if (inet_pton(AF_INET, argv[4], &a) != 1)
			return bn_usage();
		struct netbe_config pc = { .kind = NETBE_PEER, .peer_ipv4 = ntohl(a.s_addr),
					   .peer_mac = { 0x02, 0x00, 0x5e, 0x00, 0x00, 0x01 } };
		rc = netbe_open(&pc, &bn_cb, &e[1], &e[1].be);
		e[0].out = e[1].be;
		e[1].out = e[0].be;
	} else {
		/* TAP0 <-> pair end A ... pair end B <-> TAP1 */
		struct netbe_config t1 = { .kind = NETBE_TAP, .tap_name = argv[4], .netns = argv[5],
					   .accept_offload = offload };
		rc = netbe_open(&t1, &bn_cb, &e[3], &e[3].be);
		if (!rc)
			rc = netbe_pair(&bn_cb, &e[1], &bn_cb, &e[2], &e[1].be, &e[2].be);
		e[0].out = e[1].be;   /* TAP0 RX -> pair A TX */
		e[1].out = e[0].be;   /* pair A RX -> TAP0 TX */
		e[2].out = e[3].be;   /* pair B RX -> TAP1 TX */
		e[3].out = e[2].be;   /* TAP1 RX -> pair B TX */
		nends = 4;
	}
	if (rc) {
		fprintf(stderr, "bench_netbe: %s\n", strerror(-rc));
		for (int i = 0; i < nends; i++)
			netbe_close(e[i].be);
		return 1;
	}
	printf("bench_netbe: running\n");
	fflush(stdout);
	double end = bn_now() + seconds;
	while (!bn_stop && bn_now() < end) {
		struct pollfd pfd[4];
		int n = 0;
		for (int i = 0; i < nends; i++)
			if (netbe_fd(e[i].be) >= 0)
				pfd[n++] = (struct pollfd){ .fd = netbe_fd(e[i].be), .events = POLLIN };
		bool queued = false;
		for (int i = 0; i < nends; i++)
			queued |= netbe_rx_pending(e[i].be) > 0;
		if (poll(pfd, (nfds_t)n, queued ? 0 : 100) < 0 && errno != EINTR)
			break;
		for (int i = 0; i < nends; i++)
			netbe_poll(e[i].be, 256);
	}
	static const char *names[4] = { "tap0", "end1", "end2", "tap1" };
	unsigned long drops = 0;
	for (int i = 0; i < nends; i++) {
		bn_stats(pair ? names[i] : (i ? "peer" : "tap0"), e[i].be);
		drops += e[i].drops;
	}
	printf("relay drops: %lu\n", drops);
	for (int i = 0; i < nends; i++)
		netbe_close(e[i].be);
	return 0;
}
