/* test_netvsc_attach.c -- the hn driver against a scripted netvsp host
 * (helpers/netvsc_fake): bring-up bytes (NVSP INIT fallback, NDIS config
 * and version, buffers, RNDIS queries and sets), refusals and bad section
 * reports (RELIABILITY 95), vRSS sub-channels (98), MTU change, names in
 * offer order, link state and indications (99, legacy length quirk). */
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
#include "helpers/netvsc_fake.h"
#include "hyperv/nvsp.h"
#include "hyperv/rndis.h"
#include "sim/guest/runtime.h"

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static struct nf_host knobs_default(void)
{
	struct nf_host k;
	memset(&k, 0, sizeof k);
	k.subchan_grant = -1;
	k.link_up = true;
	k.link_speed = 100000000;
	return k;
}

/* ---- guest-context helpers ----------------------------------------------------------------- */

struct gq {
	unsigned unit;
	int rc;
	bool found;
	struct hn_info info;
	struct hn_link link;
	struct hn_stats st;
	uint32_t mtu;
};

static int q_in_guest(void *arg)
{
	struct gq *q = arg;
	struct hn_if *hn = hn_find(q->unit);
	q->found = hn != NULL;
	if (!hn)
		return 0;
	q->rc = hn_get_info(hn, &q->info);
	hn_link_state(hn, &q->link);
	hn_get_stats(hn, &q->st);
	return 0;
}

static struct gq gquery(struct nf_fix *x, unsigned unit)
{
	struct gq q;
	memset(&q, 0, sizeof q);
	q.unit = unit;
	assert_int_equal(nf_call(x, q_in_guest, &q), 0);
	return q;
}

static int mtu_in_guest(void *arg)
{
	struct gq *q = arg;
	q->rc = hn_set_mtu(hn_find(q->unit), q->mtu);
	return 0;
}

static const struct nf_msg *find_msg(const struct nf_host *h, uint32_t type, unsigned nth)
{
	for (unsigned i = 0; i < h->nlog; i++)
		if (h->log[i].len >= 4 && get32(h->log[i].b) == type && nth-- == 0)
			return &h->log[i];
	return NULL;
}

static unsigned count_msg(const struct nf_host *h, uint32_t type)
{
	unsigned n = 0;
	for (unsigned i = 0; i < h->nlog; i++)
		if (h->log[i].len >= 4 && get32(h->log[i].b) == type)
			n++;
	return n;
}

/* ---- bring-up ----------------------------------------------------------------------------------- */

static void test_hn__attach_newest_host__golden_nvsp_and_rndis_sequence(void **state)
{
	(void)state;
	struct nf_fix *x = nf_new("ws2019", 1, 1, NULL, 1);
	assert_int_equal(nf_hn_start(x, NULL), 0);
	struct nf_host *h = x->host[0];
	/* INIT 6.1: 40 bytes, both version fields, zero padding. */
	static const uint8_t init61[40] = { 1, 0, 0, 0, 1, 0, 6, 0, 1, 0, 6, 0 };
	const struct nf_msg *m = find_msg(h, NVSP_MSG_INIT, 0);
	assert_non_null(m);
	assert_int_equal(m->len, 40);
	assert_memory_equal(m->b, init61, 40);
	assert_int_equal(h->nvsp, NVSP_PROTOCOL_VERSION_61);
	/* NDIS config: MTU 1514, 802.1Q + teaming; NDIS 6.30. */
	static const uint8_t cfg[20] = { 125, 0, 0, 0, 0xEA, 0x05, 0, 0, 0, 0, 0, 0,
					 0x28, 0, 0, 0, 0, 0, 0, 0 };
	m = find_msg(h, NVSP_MSG2_SEND_NDIS_CONFIG, 0);
	assert_non_null(m);
	assert_memory_equal(m->b, cfg, 20);
	static const uint8_t ver[12] = { 100, 0, 0, 0, 6, 0, 0, 0, 0x1E, 0, 0, 0 };
	m = find_msg(h, NVSP_MSG1_SEND_NDIS_VERSION, 0);
	assert_non_null(m);
	assert_memory_equal(m->b, ver, 12);
	/* Receive buffer id 0xCAFE, send buffer id 0. */
	m = find_msg(h, NVSP_MSG1_SEND_RECV_BUF, 0);
	assert_non_null(m);
	assert_int_equal(m->b[8] | (m->b[9] << 8), 0xCAFE);
	m = find_msg(h, NVSP_MSG1_SEND_SEND_BUF, 0);
	assert_non_null(m);
	assert_int_equal(m->b[8] | (m->b[9] << 8), 0);
	/* Order: INIT, config, version, recv buf, send buf, then RNDIS. */
	assert_int_equal(get32(h->log[0].b), NVSP_MSG_INIT);
	assert_int_equal(get32(h->log[1].b), NVSP_MSG2_SEND_NDIS_CONFIG);
	assert_int_equal(get32(h->log[2].b), NVSP_MSG1_SEND_NDIS_VERSION);
	assert_int_equal(get32(h->log[3].b), NVSP_MSG1_SEND_RECV_BUF);
	assert_int_equal(get32(h->log[4].b), NVSP_MSG1_SEND_SEND_BUF);
	/* RNDIS: INITIALIZE first, the packet filter last (0x0D). */
	assert_true(h->nrndis >= 6);
	assert_int_equal(h->rndis_types[0], RNDIS_MSG_INIT);
	assert_int_equal(h->rndis_oids[1], RNDIS_OID_GEN_MAXIMUM_FRAME_SIZE);
	assert_int_equal(h->rndis_oids[2], RNDIS_OID_802_3_PERMANENT_ADDRESS);
	assert_int_equal(h->rndis_oids[3], RNDIS_OID_TCP_OFFLOAD_HARDWARE_CAPABILITIES);
	assert_int_equal(h->rndis_oids[4], RNDIS_OID_TCP_OFFLOAD_PARAMETERS);
	assert_int_equal(h->rndis_oids[h->nrndis - 1], RNDIS_OID_GEN_CURRENT_PACKET_FILTER);
	assert_int_equal(h->packet_filter, 0x0D);
	/* TCP checksums on (TX+RX), UDP not offered: no change asked. */
	assert_int_equal(h->offload_params[0], 4);
	assert_int_equal(h->offload_params[1], 0);
	struct gq q = gquery(x, 0);
	assert_true(q.found);
	assert_int_equal(q.rc, 0);
	assert_int_equal(q.info.nvsp_version, NVSP_PROTOCOL_VERSION_61);
	assert_int_equal(q.info.ndis_version, 0x0006001E);
	assert_int_equal(q.info.mtu, 1500);
	assert_int_equal(q.info.rx_section_size, 1806);
	assert_int_equal(q.info.tx_section_size, 6144);
	assert_int_equal(q.info.nqueues, 1);
	assert_true(q.info.csum_tcp4);
	assert_false(q.info.csum_udp4);
	static const uint8_t mac[6] = { 0x00, 0x15, 0x5d, 0x00, 0x00, 0x10 };
	assert_memory_equal(q.info.mac, mac, 6);
	assert_true(q.link.up);
	assert_int_equal(q.link.speed_bps, 10000000000ull);
	assert_int_equal(h->bad_guest, 0);
	nf_free(x);
}

static void test_hn__host_caps_at_nvsp5__fallback_61_6_5(void **state)
{
	(void)state;
	struct nf_host k = knobs_default();
	k.max_nvsp = NVSP_PROTOCOL_VERSION_5;
	struct nf_fix *x = nf_new("ws2016", 1, 1, &k, 2);
	assert_int_equal(nf_hn_start(x, NULL), 0);
	struct nf_host *h = x->host[0];
	assert_int_equal(h->ntried, 3);
	assert_int_equal(h->tried[0], NVSP_PROTOCOL_VERSION_61);
	assert_int_equal(h->tried[1], NVSP_PROTOCOL_VERSION_6);
	assert_int_equal(h->tried[2], NVSP_PROTOCOL_VERSION_5);
	assert_int_equal(gquery(x, 0).info.nvsp_version, NVSP_PROTOCOL_VERSION_5);
	nf_free(x);
}

static void test_hn__every_nvsp_ceiling__attaches_with_that_version_and_ndis(void **state)
{
	(void)state;
	static const uint32_t v[] = { NVSP_PROTOCOL_VERSION_61, NVSP_PROTOCOL_VERSION_6,
				      NVSP_PROTOCOL_VERSION_5, NVSP_PROTOCOL_VERSION_4,
				      NVSP_PROTOCOL_VERSION_2, NVSP_PROTOCOL_VERSION_1 };
	for (unsigned i = 0; i < 6; i++) {
		struct nf_host k = knobs_default();
		k.max_nvsp = v[i];
		struct nf_fix *x = nf_new("ws2019", 1, 1, &k, 10 + i);
		assert_int_equal(nf_hn_start(x, NULL), 0);
		struct gq q = gquery(x, 0);
		assert_true(q.found);
		assert_int_equal(q.info.nvsp_version, v[i]);
		assert_int_equal(q.info.ndis_version,
				 v[i] >= NVSP_PROTOCOL_VERSION_5 ? 0x0006001E : 0x00060001);
		/* NVSP 1 has no NDIS config message. */
		assert_int_equal(count_msg(x->host[0], NVSP_MSG2_SEND_NDIS_CONFIG),
				 v[i] >= NVSP_PROTOCOL_VERSION_2 ? 1 : 0);
		nf_free(x);
	}
}

static void test_hn__guest_ceiling_nvsp4__never_tries_newer(void **state)
{
	(void)state;
	struct nf_fix *x = nf_new("ws2019", 1, 1, NULL, 3);
	struct hn_config c = { .max_nvsp = NVSP_PROTOCOL_VERSION_4 };
	assert_int_equal(nf_hn_start(x, &c), 0);
	assert_int_equal(x->host[0]->ntried, 1);
	assert_int_equal(x->host[0]->tried[0], NVSP_PROTOCOL_VERSION_4);
	nf_free(x);
}

static void test_hn__host_refuses_every_version__not_attached_nothing_leaks(void **state)
{
	(void)state;
	struct nf_host k = knobs_default();
	k.max_nvsp = 1; /* below NVSP 1 */
	struct nf_fix *x = nf_new("ws2019", 1, 1, &k, 4);
	assert_int_equal(nf_hn_start(x, NULL), 0);
	assert_int_equal(x->host[0]->ntried, 6);
	assert_false(gquery(x, 0).found);
	nf_free(x); /* asserts no DMA page left */
}

static void bad_sections(uint32_t nsec, uint32_t offset, uint32_t sub, uint32_t count)
{
	struct nf_host k = knobs_default();
	k.rx_num_sections = nsec;
	k.rx_offset = offset;
	k.rx_sub_alloc = sub;
	k.rx_count_override = count;
	struct nf_fix *x = nf_new("ws2019", 1, 1, &k, 5);
	assert_int_equal(nf_hn_start(x, NULL), 0);
	assert_false(gquery(x, 0).found);
	/* Nothing RNDIS happened: the probe stopped at the receive buffer. */
	assert_int_equal(x->host[0]->nrndis, 0);
	nf_free(x);
}

static void test_hn__recv_buf_bad_sections__probe_fails_cleanly(void **state)
{
	(void)state;
	bad_sections(2, 0, 0, 0);              /* num_sections != 1 */
	bad_sections(1, 4096, 0, 0);           /* offset != 0 */
	bad_sections(1, 0, 1000, 0);           /* sub-allocation smaller than the MTU */
	bad_sections(1, 0, 0, 0x7FFFFFFF);     /* size x count past the buffer */
	bad_sections(1, 0, 0x10000000, 0x10);  /* 64-bit product, huge size */
}

/* ---- vRSS ------------------------------------------------------------------------------------------ */

static void test_hn__vrss_four_vcpus__three_subchannels_rss_table_set(void **state)
{
	(void)state;
	struct nf_host k = knobs_default();
	k.rss_queues = 8;
	struct nf_fix *x = nf_new("ws2019", 4, 1, &k, 6);
	assert_int_equal(nf_hn_start(x, NULL), 0);
	struct nf_host *h = x->host[0];
	assert_int_equal(h->sub_requested, 3);
	struct gq q = gquery(x, 0);
	assert_int_equal(q.info.nqueues, 4);
	assert_true(q.info.rss);
	assert_true(h->rss_set);
	assert_int_equal(h->rss_itab_entries, 128);
	assert_int_equal(h->rss_hash_info, 0x1701);
	for (unsigned i = 0; i < 128; i++)
		assert_int_equal(h->rss_itab[i], i % 4);
	assert_int_equal(h->nchan, 4);
	nf_free(x);
}

static void test_hn__subchannel_grant_above_request__einval_single_queue(void **state)
{
	(void)state;
	struct nf_host k = knobs_default();
	k.rss_queues = 8;
	k.subchan_grant = 7; /* asked for 1 */
	struct nf_fix *x = nf_new("ws2019", 2, 1, &k, 7);
	assert_int_equal(nf_hn_start(x, NULL), 0);
	struct gq q = gquery(x, 0);
	assert_true(q.found);
	assert_int_equal(q.info.nqueues, 1);
	assert_false(q.info.rss);
	assert_int_equal(q.st.subchan_refused, 1);
	nf_free(x);
}

static void test_hn__old_host_nvsp4__no_vrss_even_with_cpus(void **state)
{
	(void)state;
	struct nf_host k = knobs_default();
	k.rss_queues = 8;
	k.max_nvsp = NVSP_PROTOCOL_VERSION_4;
	struct nf_fix *x = nf_new("ws2012r2", 2, 1, &k, 8);
	assert_int_equal(nf_hn_start(x, NULL), 0);
	assert_int_equal(gquery(x, 0).info.nqueues, 1);
	assert_int_equal(count_msg(x->host[0], NVSP_MSG5_SUBCHANNEL), 0);
	nf_free(x);
}

/* ---- MTU, names ------------------------------------------------------------------------------------ */

static void test_hn__mtu_change__reinit_with_new_ndis_config(void **state)
{
	(void)state;
	struct nf_host k = knobs_default();
	k.max_frame = 4000;
	struct nf_fix *x = nf_new("ws2019", 1, 1, &k, 9);
	assert_int_equal(nf_hn_start(x, NULL), 0);
	struct gq q;
	memset(&q, 0, sizeof q);
	q.mtu = 9000;
	assert_int_equal(nf_call(x, mtu_in_guest, &q), 0);
	assert_int_equal(q.rc, 0);
	assert_int_equal(gquery(x, 0).info.mtu, 4000); /* the host's limit wins */
	nf_free(x);

	x = nf_new("ws2019", 1, 1, NULL, 9);
	assert_int_equal(nf_hn_start(x, NULL), 0);
	memset(&q, 0, sizeof q);
	q.mtu = 9000;
	assert_int_equal(nf_call(x, mtu_in_guest, &q), 0);
	assert_int_equal(q.rc, 0);
	struct nf_host *h = x->host[0];
	assert_int_equal(count_msg(h, NVSP_MSG2_SEND_NDIS_CONFIG), 2);
	assert_int_equal(h->ndis_mtu, 9014);
	/* HALT was completed before the channel closed.  (The REVOKEs that
	 * follow it race the close, as on a real host.) */
	assert_true(h->halted);
	q = gquery(x, 0);
	assert_int_equal(q.info.mtu, 9000);
	assert_int_equal(q.st.reinits, 1);
	/* Out of range. */
	q.mtu = 20;
	assert_int_equal(nf_call(x, mtu_in_guest, &q), 0);
	assert_int_equal(q.rc, -EINVAL);
	nf_free(x);
}

static int names_in_guest(void *arg)
{
	char *out = arg;
	snprintf(out, 64, "%s,%s", hn_name(hn_find(0)), hn_name(hn_find(1)));
	return 0;
}

static void test_hn__two_nics_100_seeds__hn0_hn1_in_offer_order(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 100; seed++) {
		struct nf_fix *x = nf_new("ws2019", 2, 2, NULL, seed);
		assert_int_equal(nf_hn_start(x, NULL), 0);
		char names[64];
		assert_int_equal(nf_call(x, names_in_guest, names), 0);
		assert_string_equal(names, "hn0,hn1");
		/* hn0 is the first offer: its MAC ends in 0x10. */
		assert_int_equal(gquery(x, 0).info.mac[5], 0x10);
		assert_int_equal(gquery(x, 1).info.mac[5], 0x11);
		nf_free(x);
	}
}

/* ---- link ------------------------------------------------------------------------------------------------ */

static void test_hn__link_indications__down_up_speed_legacy_length(void **state)
{
	(void)state;
	struct nf_fix *x = nf_new("ws2019", 1, 1, NULL, 11);
	assert_int_equal(nf_hn_start(x, NULL), 0);
	struct nf_host *h = x->host[0];
	assert_int_equal(nf_indicate(h, RNDIS_STATUS_MEDIA_DISCONNECT, NULL, false), 0);
	nf_sleep_ms(x, 5);
	struct gq q = gquery(x, 0);
	assert_false(q.link.up);
	assert_int_equal(q.link.changes, 1);
	assert_int_equal(nf_indicate(h, RNDIS_STATUS_MEDIA_CONNECT, NULL, false), 0);
	nf_sleep_ms(x, 5);
	q = gquery(x, 0);
	assert_true(q.link.up);
	assert_int_equal(q.link.changes, 2);
	/* 1 Gbit/s = 10^7 units of 100 bit/s, message length without the buffer. */
	uint32_t sp = 10000000;
	assert_int_equal(nf_indicate(h, RNDIS_STATUS_LINK_SPEED_CHANGE, &sp, true), 0);
	nf_sleep_ms(x, 5);
	q = gquery(x, 0);
	assert_int_equal(q.link.speed_bps, 1000000000ull);
	assert_int_equal(q.link.speed_changes, 1);
	assert_int_equal(q.st.drop[HN_DROP_INDICATION], 0);
	/* Every indication's section came back. */
	assert_int_equal(h->rx_completions, h->rx_sent);
	nf_free(x);
}

static void test_hn__link_down_at_attach__reported_down(void **state)
{
	(void)state;
	struct nf_host k = knobs_default();
	k.link_up = false;
	struct nf_fix *x = nf_new("ws2019", 1, 1, &k, 12);
	assert_int_equal(nf_hn_start(x, NULL), 0);
	assert_false(gquery(x, 0).link.up);
	nf_free(x);
}

static void test_hn__rndis_never_answers__attach_times_out_cleanly(void **state)
{
	(void)state;
	struct nf_host k = knobs_default();
	k.mute_rndis = true;
	struct nf_fix *x = nf_new("ws2019", 1, 1, &k, 13);
	struct hn_config c = { .timeout_ns = 50000000 };
	assert_int_equal(nf_hn_start(x, &c), 0);
	assert_false(gquery(x, 0).found);
	nf_free(x);
}

static void test_hn__rndis_reply_wrong_request_id__dropped_attach_fails(void **state)
{
	(void)state;
	struct nf_host k = knobs_default();
	k.wrong_rid = true;
	struct nf_fix *x = nf_new("ws2019", 1, 1, &k, 14);
	struct hn_config c = { .timeout_ns = 50000000 };
	assert_int_equal(nf_hn_start(x, &c), 0);
	assert_false(gquery(x, 0).found);
	nf_free(x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hn__attach_newest_host__golden_nvsp_and_rndis_sequence),
		cmocka_unit_test(test_hn__host_caps_at_nvsp5__fallback_61_6_5),
		cmocka_unit_test(test_hn__every_nvsp_ceiling__attaches_with_that_version_and_ndis),
		cmocka_unit_test(test_hn__guest_ceiling_nvsp4__never_tries_newer),
		cmocka_unit_test(test_hn__host_refuses_every_version__not_attached_nothing_leaks),
		cmocka_unit_test(test_hn__recv_buf_bad_sections__probe_fails_cleanly),
		cmocka_unit_test(test_hn__vrss_four_vcpus__three_subchannels_rss_table_set),
		cmocka_unit_test(test_hn__subchannel_grant_above_request__einval_single_queue),
		cmocka_unit_test(test_hn__old_host_nvsp4__no_vrss_even_with_cpus),
		cmocka_unit_test(test_hn__mtu_change__reinit_with_new_ndis_config),
		cmocka_unit_test(test_hn__two_nics_100_seeds__hn0_hn1_in_offer_order),
		cmocka_unit_test(test_hn__link_indications__down_up_speed_legacy_length),
		cmocka_unit_test(test_hn__link_down_at_attach__reported_down),
		cmocka_unit_test(test_hn__rndis_never_answers__attach_times_out_cleanly),
		cmocka_unit_test(test_hn__rndis_reply_wrong_request_id__dropped_attach_fails),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
