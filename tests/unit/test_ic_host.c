/* test_ic_host.c -- the host ICs (sim/devices/ic) driven through the real
 * VMBus server by the test fixture playing the guest: offers, byte-exact
 * requests from devices.md part D, negotiation, every RELIABILITY 5.9 bad
 * input on the host side, heartbeat misses and wrap, shutdown, timesync,
 * KVP pools; and the partition's host timers. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hyperv/vmbus_guid.h"
#include "hyperv/vmbus_ic.h"
#include "sim/devices/ic/icvsp.h"
#include "tests/unit/helpers/vmbs_fixture.h"

#define SEC 10000000ull

struct ifx {
	struct vfx *f;
	struct icvsp *ic;
	struct vmbus_msg_offer offers[8];
	unsigned noffers;
	struct vfx_ring r;
	uint32_t relid, conn;
	uint64_t now;
	uint8_t pkt[16384];
	int pkt_len;
};

static void ifx_trace(void *arg, const char *line)
{
	(void)arg;
	(void)line;
}

static struct ifx *ifx_new(struct icvsp_config *cfg)
{
	struct ifx *x = calloc(1, sizeof *x);
	assert_non_null(x);
	x->f = vfx_new("ws2019", 1, NULL);
	static const struct icvsp_notify out = { .trace = ifx_trace };
	x->ic = icvsp_create(x->f->vb, x->f->p, cfg, &out, x);
	assert_non_null(x->ic);
	assert_int_equal(vfx_connect(x->f, VMBUS_VERSION_WIN10_V5_2), 1);
	x->noffers = vfx_request_offers(x->f, x->offers, 8);
	return x;
}

static void ifx_free(struct ifx *x)
{
	vfx_free(x->f);       /* the server first: its ops still reach the ICs */
	icvsp_destroy(x->ic);
	free(x);
}

/* Open the offer with class 'cls' (8-page ring, 4 + 4). */
static void ifx_open(struct ifx *x, const uint8_t cls[16])
{
	for (unsigned i = 0; i < x->noffers; i++) {
		if (memcmp(&x->offers[i].if_type, cls, 16) == 0) {
			x->relid = x->offers[i].child_relid;
			x->conn = x->offers[i].connection_id;
		}
	}
	assert_int_not_equal(x->relid, 0);
	assert_int_equal(vfx_ring_open(x->f, &x->r, x->relid, 8, 4, false, 0), 0);
	icvsp_pump(x->ic);
}

/* Next host->guest packet; returns its payload (after the descriptor). */
static const uint8_t *ifx_next(struct ifx *x, uint64_t *tid, uint32_t *plen)
{
	x->pkt_len = vfx_ring_recv(&x->r, x->pkt, sizeof x->pkt);
	assert_true(x->pkt_len > 16);
	struct vmbus_pkt_desc d;
	memcpy(&d, x->pkt, sizeof d);
	assert_int_equal(d.type, VMBUS_PKT_DATA_INBAND);
	assert_int_equal(d.flags, 0);
	if (tid)
		*tid = d.trans_id;
	*plen = (uint32_t)x->pkt_len - d.offset8 * 8u;
	return x->pkt + d.offset8 * 8u;
}

static void ifx_none(struct ifx *x)
{
	assert_int_equal(vfx_ring_recv(&x->r, x->pkt, sizeof x->pkt), -EAGAIN);
}

/* The guest sends raw payload bytes in-band with tid, then the host runs. */
static void ifx_send(struct ifx *x, uint64_t tid, const void *payload, uint32_t len)
{
	assert_true(vfx_ring_send(&x->r, VMBUS_PKT_DATA_INBAND, 0, tid, payload, len) >= 0);
	vfx_signal(x->f, x->conn);
	icvsp_pump(x->ic);
}

/* Turn a received request (in x->pkt) into the reply a Linux guest sends:
 * same buffer, TRANSACTION|RESPONSE, status. */
static void ifx_reply(struct ifx *x, uint64_t tid, uint8_t *msg, uint32_t len, uint32_t status)
{
	msg[8 + 17] = VMBUS_ICMSG_FLAG_TRANSACTION | VMBUS_ICMSG_FLAG_RESPONSE;
	memcpy(msg + 8 + 12, &status, 4);
	ifx_send(x, tid, msg, len);
}

/* Answer the NEGOTIATE in the ring with framework fw and message mv. */
static void ifx_negotiate(struct ifx *x, uint16_t fw, uint16_t mv)
{
	uint64_t tid;
	uint32_t len;
	const uint8_t *p = ifx_next(x, &tid, &len);
	uint8_t m[128];
	assert_true(len <= sizeof m);
	memcpy(m, p, len);
	assert_int_equal(m[8 + 4], VMBUS_ICMSG_NEGOTIATE);
	uint16_t one = 1, sz = 16;
	memcpy(m + 28, &one, 2);
	memcpy(m + 30, &one, 2);
	uint8_t v[8] = { (uint8_t)fw, 0, 0, 0, (uint8_t)mv, 0, 0, 0 };
	memcpy(m + 36, v, 8);
	memcpy(m + 8 + 10, &sz, 2);
	ifx_reply(x, tid, m, len, 0);
}

static void ifx_time(struct ifx *x, uint64_t t)
{
	x->now = t;
	part_set_time(x->f->p, t);
	icvsp_pump(x->ic);
}

static struct icvsp_stats ifx_stats(struct ifx *x, enum icvsp_kind k)
{
	struct icvsp_stats st;
	assert_int_equal(icvsp_get_stats(x->ic, k, &st), 0);
	return st;
}

static const uint8_t hb_cls[16] = VMBUS_GUID_HEARTBEAT;
static const uint8_t sd_cls[16] = VMBUS_GUID_SHUTDOWN;
static const uint8_t ts_cls[16] = VMBUS_GUID_TIMESYNC;
static const uint8_t kvp_cls[16] = VMBUS_GUID_KVP;

/* ---- offers and negotiation ------------------------------------------------------ */

static void test_icvsp__offers__message_pipes_with_well_known_instances(void **state)
{
	(void)state;
	struct icvsp_config cfg = { .heartbeat = true, .shutdown = true, .timesync = true,
				    .kvp = true };
	struct ifx *x = ifx_new(&cfg);
	assert_int_equal(x->noffers, 4);
	static const uint8_t inst[4][16] = { VMBUS_INST_HEARTBEAT, VMBUS_INST_SHUTDOWN,
					     VMBUS_INST_TIMESYNC, VMBUS_INST_KVP };
	static const uint8_t cls[4][16] = { VMBUS_GUID_HEARTBEAT, VMBUS_GUID_SHUTDOWN,
					    VMBUS_GUID_TIMESYNC, VMBUS_GUID_KVP };
	for (unsigned i = 0; i < 4; i++) {
		assert_memory_equal(&x->offers[i].if_type, cls[i], 16);
		assert_memory_equal(&x->offers[i].if_instance, inst[i], 16);
		assert_int_equal(x->offers[i].chan_flags, 0x0011);
		static const uint8_t mode[4] = { 4, 0, 0, 0 };
		assert_memory_equal(x->offers[i].user_defined, mode, 4);
	}
	ifx_free(x);
}

static void test_icvsp__open__negotiate_request_golden_bytes(void **state)
{
	(void)state;
	struct icvsp_config cfg = { .heartbeat = true };
	struct ifx *x = ifx_new(&cfg);
	ifx_open(x, hb_cls);
	uint64_t tid;
	uint32_t len;
	const uint8_t *p = ifx_next(x, &tid, &len);
	static const uint8_t golden[] = {
		0x01, 0, 0, 0, 0x2c, 0, 0, 0,             /* pipe: DATA, 44 bytes follow */
		0x01, 0, 0x00, 0, 0x00, 0,                /* framework 1.0, NEGOTIATE */
		0x01, 0, 0x00, 0, 0x18, 0,                /* message 1.0, size 24 */
		0, 0, 0, 0, 0x00, 0x03, 0, 0,             /* status, tid, TRANSACTION|REQUEST */
		0x02, 0, 0x02, 0, 0, 0, 0, 0,             /* 2 framework, 2 message versions */
		0x01, 0, 0x00, 0, 0x03, 0, 0x00, 0,       /* framework 1.0, 3.0 */
		0x01, 0, 0x00, 0, 0x03, 0, 0x00, 0,       /* heartbeat 1.0, 3.0 */
	};
	assert_true(len >= sizeof golden && len < sizeof golden + 8);
	assert_memory_equal(p, golden, sizeof golden);
	assert_int_not_equal(tid, 0);
	assert_int_equal(ifx_stats(x, ICVSP_HEARTBEAT).state, ICVSP_ST_NEGOTIATING);
	ifx_free(x);
}

static void test_icvsp__negotiate_reply_3_0__ready_with_versions(void **state)
{
	(void)state;
	struct icvsp_config cfg = { .heartbeat = true };
	struct ifx *x = ifx_new(&cfg);
	ifx_open(x, hb_cls);
	ifx_negotiate(x, 3, 3);
	struct icvsp_stats st = ifx_stats(x, ICVSP_HEARTBEAT);
	assert_int_equal(st.state, ICVSP_ST_READY);
	assert_int_equal(st.framework, 0x00030000);
	assert_int_equal(st.msg_version, 0x00030000);
	assert_int_equal(st.replies, 1);
	ifx_free(x);
}

static void test_icvsp__negotiate_counts_zero__failed(void **state)
{
	(void)state;
	struct icvsp_config cfg = { .shutdown = true };
	struct ifx *x = ifx_new(&cfg);
	ifx_open(x, sd_cls);
	uint64_t tid;
	uint32_t len;
	uint8_t m[128];
	{ const uint8_t *in_ = ifx_next(x, &tid, &len); memcpy(m, in_, len); }
	memset(m + 28, 0, 4); /* counts 0/0: nothing in common */
	ifx_reply(x, tid, m, len, 0);
	struct icvsp_stats st = ifx_stats(x, ICVSP_SHUTDOWN);
	assert_int_equal(st.state, ICVSP_ST_FAILED);
	assert_int_equal(st.negotiate_failures, 1);
	/* A failed IC sends nothing: a shutdown request waits. */
	assert_int_equal(icvsp_shutdown_request(x->ic, 0, 0, 0, NULL), 0);
	icvsp_pump(x->ic);
	ifx_none(x);
	ifx_free(x);
}

static void test_icvsp__negotiate_version_not_offered__failed(void **state)
{
	(void)state;
	struct icvsp_config cfg = { .shutdown = true };
	struct ifx *x = ifx_new(&cfg);
	ifx_open(x, sd_cls);
	ifx_negotiate(x, 3, 7); /* shutdown 7.0 was never offered */
	struct icvsp_stats st = ifx_stats(x, ICVSP_SHUTDOWN);
	assert_int_equal(st.state, ICVSP_ST_FAILED);
	assert_int_equal(st.drop[ICVSP_DROP_BODY], 1);
	ifx_free(x);
}

static void test_icvsp__version_ceiling__only_lower_versions_offered(void **state)
{
	(void)state;
	struct icvsp_config cfg = { .timesync = true, .max_framework = 0x00010000 };
	cfg.max_msg_version[ICVSP_TIMESYNC] = 0x00030000;
	struct ifx *x = ifx_new(&cfg);
	ifx_open(x, ts_cls);
	uint32_t len;
	const uint8_t *p = ifx_next(x, NULL, &len);
	static const uint8_t body[] = { 1, 0, 2, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 3, 0, 0, 0 };
	assert_memory_equal(p + 28, body, sizeof body);
	ifx_free(x);
}

static void test_icvsp__negotiate_timeout__sent_again(void **state)
{
	(void)state;
	struct icvsp_config cfg = { .shutdown = true, .reply_timeout = 2 * SEC };
	struct ifx *x = ifx_new(&cfg);
	ifx_open(x, sd_cls);
	uint32_t len;
	ifx_next(x, NULL, &len);
	ifx_time(x, 2 * SEC);
	ifx_next(x, NULL, &len);
	struct icvsp_stats st = ifx_stats(x, ICVSP_SHUTDOWN);
	assert_int_equal(st.timeouts, 1);
	assert_int_equal(st.negotiations, 2);
	ifx_free(x);
}

/* ---- RELIABILITY 5.9, host side ------------------------------------------------------ */

static void test_icvsp__reply_shorter_than_headers__dropped(void **state)
{
	(void)state;
	struct icvsp_config cfg = { .heartbeat = true };
	struct ifx *x = ifx_new(&cfg);
	ifx_open(x, hb_cls);
	/* 20 bytes, padded to 24 in the ring: still short of 28 */
	uint8_t m[20] = { 1, 0, 0, 0, 12 };
	ifx_send(x, 1, m, sizeof m);
	struct icvsp_stats st = ifx_stats(x, ICVSP_HEARTBEAT);
	assert_int_equal(st.drop[ICVSP_DROP_SHORT], 1);
	assert_int_equal(st.state, ICVSP_ST_NEGOTIATING);
	ifx_free(x);
}

static void test_icvsp__pipe_len_past_packet__dropped(void **state)
{
	(void)state;
	struct icvsp_config cfg = { .heartbeat = true };
	struct ifx *x = ifx_new(&cfg);
	ifx_open(x, hb_cls);
	uint64_t tid;
	uint32_t len;
	uint8_t m[128];
	{ const uint8_t *in_ = ifx_next(x, &tid, &len); memcpy(m, in_, len); }
	uint32_t big = 0x10000;
	memcpy(m + 4, &big, 4);
	ifx_reply(x, tid, m, len, 0);
	assert_int_equal(ifx_stats(x, ICVSP_HEARTBEAT).drop[ICVSP_DROP_PIPE], 1);
	/* pipe type 2 (partial) is not for us either */
	memcpy(m + 4, &(uint32_t){ 44 }, 4);
	m[0] = 2;
	ifx_reply(x, tid, m, len, 0);
	assert_int_equal(ifx_stats(x, ICVSP_HEARTBEAT).drop[ICVSP_DROP_PIPE], 2);
	ifx_free(x);
}

static void test_icvsp__msgsize_past_pipe__dropped(void **state)
{
	(void)state;
	struct icvsp_config cfg = { .heartbeat = true };
	struct ifx *x = ifx_new(&cfg);
	ifx_open(x, hb_cls);
	uint64_t tid;
	uint32_t len;
	uint8_t m[128];
	{ const uint8_t *in_ = ifx_next(x, &tid, &len); memcpy(m, in_, len); }
	uint16_t sz = 0xFFFF;
	memcpy(m + 8 + 10, &sz, 2);
	ifx_reply(x, tid, m, len, 0);
	assert_int_equal(ifx_stats(x, ICVSP_HEARTBEAT).drop[ICVSP_DROP_SIZE], 1);
	ifx_free(x);
}

static void test_icvsp__unknown_msgtype__dropped(void **state)
{
	(void)state;
	struct icvsp_config cfg = { .heartbeat = true };
	struct ifx *x = ifx_new(&cfg);
	ifx_open(x, hb_cls);
	uint64_t tid;
	uint32_t len;
	uint8_t m[128];
	{ const uint8_t *in_ = ifx_next(x, &tid, &len); memcpy(m, in_, len); }
	m[8 + 4] = 0x77;
	ifx_reply(x, tid, m, len, 0);
	m[8 + 4] = VMBUS_ICMSG_KVP; /* a known type, but not this IC's */
	ifx_reply(x, tid, m, len, 0);
	struct icvsp_stats st = ifx_stats(x, ICVSP_HEARTBEAT);
	assert_int_equal(st.drop[ICVSP_DROP_MSGTYPE], 2);
	assert_int_equal(st.state, ICVSP_ST_NEGOTIATING);
	ifx_free(x);
}

static void test_icvsp__reply_with_request_flag__dropped(void **state)
{
	(void)state;
	struct icvsp_config cfg = { .heartbeat = true };
	struct ifx *x = ifx_new(&cfg);
	ifx_open(x, hb_cls);
	uint64_t tid;
	uint32_t len;
	uint8_t m[128];
	{ const uint8_t *in_ = ifx_next(x, &tid, &len); memcpy(m, in_, len); }
	/* the request echoed unchanged (REQUEST, no RESPONSE) */
	ifx_send(x, tid, m, len);
	/* RESPONSE|REQUEST together */
	m[8 + 17] = 0x7;
	ifx_send(x, tid, m, len);
	/* non-zero IC transaction id */
	m[8 + 17] = 0x5;
	m[8 + 16] = 9;
	ifx_send(x, tid, m, len);
	assert_int_equal(ifx_stats(x, ICVSP_HEARTBEAT).drop[ICVSP_DROP_FLAGS], 3);
	ifx_free(x);
}

static void test_icvsp__reply_with_other_tid__dropped_unexpected(void **state)
{
	(void)state;
	struct icvsp_config cfg = { .heartbeat = true };
	struct ifx *x = ifx_new(&cfg);
	ifx_open(x, hb_cls);
	uint64_t tid;
	uint32_t len;
	uint8_t m[128];
	{ const uint8_t *in_ = ifx_next(x, &tid, &len); memcpy(m, in_, len); }
	ifx_reply(x, tid + 5, m, len, 0);
	assert_int_equal(ifx_stats(x, ICVSP_HEARTBEAT).drop[ICVSP_DROP_UNEXPECTED], 1);
	/* A completion packet is not a reply. */
	assert_true(vfx_ring_send(&x->r, VMBUS_PKT_COMP, 0, tid, m, len) >= 0);
	vfx_signal(x->f, x->conn);
	assert_int_equal(ifx_stats(x, ICVSP_HEARTBEAT).drop[ICVSP_DROP_PKT_TYPE], 1);
	ifx_free(x);
}

static void test_icvsp__reply_twice__second_dropped(void **state)
{
	(void)state;
	struct icvsp_config cfg = { .shutdown = true };
	struct ifx *x = ifx_new(&cfg);
	ifx_open(x, sd_cls);
	uint64_t tid;
	uint32_t len;
	uint8_t m[128];
	{ const uint8_t *in_ = ifx_next(x, &tid, &len); memcpy(m, in_, len); }
	uint16_t one = 1, sz = 16;
	memcpy(m + 28, &one, 2);
	memcpy(m + 30, &one, 2);
	memcpy(m + 18, &sz, 2);
	memcpy(m + 36, (uint8_t[8]){ 3, 0, 0, 0, 3, 0, 2, 0 }, 8);
	ifx_reply(x, tid, m, len, 0);
	ifx_reply(x, tid, m, len, 0);
	struct icvsp_stats st = ifx_stats(x, ICVSP_SHUTDOWN);
	assert_int_equal(st.state, ICVSP_ST_READY);
	assert_int_equal(st.msg_version, 0x00030002);
	assert_int_equal(st.replies, 1);
	assert_int_equal(st.drop[ICVSP_DROP_UNEXPECTED], 1);
	ifx_free(x);
}

/* ---- heartbeat ------------------------------------------------------------------ */

static void test_icvsp_hb__beat_golden_and_seq_plus_one__healthy(void **state)
{
	(void)state;
	struct icvsp_config cfg = { .heartbeat = true, .hb_first_seq = 0x1122 };
	struct ifx *x = ifx_new(&cfg);
	ifx_open(x, hb_cls);
	ifx_negotiate(x, 3, 3);
	uint64_t tid;
	uint32_t len;
	const uint8_t *p = ifx_next(x, &tid, &len);
	static const uint8_t golden[] = {
		0x01, 0, 0, 0, 0x3c, 0, 0, 0,             /* pipe: DATA, 60 */
		0x03, 0, 0x00, 0, 0x01, 0,                /* framework 3.0, HEARTBEAT */
		0x03, 0, 0x00, 0, 0x28, 0,                /* message 3.0, size 40 */
		0, 0, 0, 0, 0x00, 0x03, 0, 0,
		0x22, 0x11, 0, 0, 0, 0, 0, 0,             /* seq 0x1122 */
	};
	assert_int_equal(len, 8 + 20 + 40 + 4); /* padded to 8 */
	assert_memory_equal(p, golden, sizeof golden);
	uint8_t m[128];
	memcpy(m, p, len);
	uint64_t seq = 0x1123;
	memcpy(m + 28, &seq, 8);
	ifx_reply(x, tid, m, len, 0);
	struct icvsp_hb_info hb;
	assert_int_equal(icvsp_hb_info(x->ic, &hb), 0);
	assert_int_equal(hb.health, ICVSP_HB_HEALTHY);
	assert_int_equal(hb.beats_answered, 1);
	assert_int_equal(hb.last_seq_answered, 0x1123);
	/* Next interval: seq 0x1123 goes out. */
	ifx_time(x, SEC);
	p = ifx_next(x, &tid, &len);
	memcpy(&seq, p + 28, 8);
	assert_int_equal(seq, 0x1123);
	ifx_free(x);
}

static void test_icvsp_hb__guest_never_answers__unresponsive_after_3(void **state)
{
	(void)state;
	struct icvsp_config cfg = { .heartbeat = true, .hb_interval = SEC / 10 };
	struct ifx *x = ifx_new(&cfg);
	ifx_open(x, hb_cls);
	ifx_negotiate(x, 3, 3);
	uint32_t len;
	struct icvsp_hb_info hb;
	for (unsigned i = 1; i <= 10; i++) {
		ifx_next(x, NULL, &len); /* read each beat, never answer */
		ifx_time(x, i * SEC / 10);
		assert_int_equal(icvsp_hb_info(x->ic, &hb), 0);
		assert_int_equal(hb.missed, i);
		assert_int_equal(hb.health, i >= 3 ? ICVSP_HB_UNRESPONSIVE : ICVSP_HB_UNKNOWN);
	}
	assert_int_equal(hb.unresponsive_events, 1);
	assert_int_equal(hb.transitions, 1);
	assert_int_equal(hb.last_transition, 3 * SEC / 10);
	assert_int_equal(hb.beats_sent, 11);
	ifx_free(x);
}

static void test_icvsp_hb__answers_again__healthy_transition_recorded(void **state)
{
	(void)state;
	struct icvsp_config cfg = { .heartbeat = true, .hb_max_missed = 2 };
	struct ifx *x = ifx_new(&cfg);
	ifx_open(x, hb_cls);
	ifx_negotiate(x, 1, 1);
	uint32_t len;
	uint64_t tid;
	ifx_next(x, NULL, &len);
	ifx_time(x, SEC);
	ifx_next(x, NULL, &len);
	ifx_time(x, 2 * SEC);
	struct icvsp_hb_info hb;
	icvsp_hb_info(x->ic, &hb);
	assert_int_equal(hb.health, ICVSP_HB_UNRESPONSIVE);
	uint8_t m[128];
	{ const uint8_t *in_ = ifx_next(x, &tid, &len); memcpy(m, in_, len); }
	uint64_t seq;
	memcpy(&seq, m + 28, 8);
	seq++;
	memcpy(m + 28, &seq, 8);
	ifx_reply(x, tid, m, len, 0);
	icvsp_hb_info(x->ic, &hb);
	assert_int_equal(hb.health, ICVSP_HB_HEALTHY);
	assert_int_equal(hb.transitions, 2);
	assert_int_equal(hb.missed, 0);
	assert_int_equal(hb.missed_total, 2);
	ifx_free(x);
}

static void test_icvsp_hb__seq_wraps__max_then_zero(void **state)
{
	(void)state;
	struct icvsp_config cfg = { .heartbeat = true, .hb_first_seq = UINT64_MAX };
	struct ifx *x = ifx_new(&cfg);
	ifx_open(x, hb_cls);
	ifx_negotiate(x, 3, 3);
	for (unsigned i = 0; i < 3; i++) {
		uint64_t tid, seq;
		uint32_t len;
		uint8_t m[128];
		{ const uint8_t *in_ = ifx_next(x, &tid, &len); memcpy(m, in_, len); }
		memcpy(&seq, m + 28, 8);
		assert_true(seq == UINT64_MAX + (uint64_t)i);
		seq++;
		memcpy(m + 28, &seq, 8);
		ifx_reply(x, tid, m, len, 0);
		ifx_time(x, (i + 1) * SEC);
	}
	struct icvsp_hb_info hb;
	icvsp_hb_info(x->ic, &hb);
	assert_int_equal(hb.beats_answered, 3);
	assert_int_equal(hb.bad_seq, 0);
	assert_int_equal(hb.health, ICVSP_HB_HEALTHY);
	ifx_free(x);
}

static void test_icvsp_hb__wrong_seq__counted_not_healthy(void **state)
{
	(void)state;
	struct icvsp_config cfg = { .heartbeat = true, .hb_first_seq = 10 };
	struct ifx *x = ifx_new(&cfg);
	ifx_open(x, hb_cls);
	ifx_negotiate(x, 3, 3);
	uint64_t tid;
	uint32_t len;
	uint8_t m[128];
	{ const uint8_t *in_ = ifx_next(x, &tid, &len); memcpy(m, in_, len); }
	/* seq echoed unchanged */
	ifx_reply(x, tid, m, len, 0);
	struct icvsp_hb_info hb;
	icvsp_hb_info(x->ic, &hb);
	assert_int_equal(hb.bad_seq, 1);
	assert_int_equal(hb.beats_answered, 0);
	assert_int_equal(hb.health, ICVSP_HB_UNKNOWN);
	ifx_free(x);
}

static void test_icvsp_hb__opened_never_negotiates__unresponsive(void **state)
{
	(void)state;
	struct icvsp_config cfg = { .heartbeat = true };
	struct ifx *x = ifx_new(&cfg);
	ifx_open(x, hb_cls);
	for (unsigned i = 1; i <= 3; i++)
		ifx_time(x, i * SEC);
	struct icvsp_hb_info hb;
	icvsp_hb_info(x->ic, &hb);
	assert_int_equal(hb.health, ICVSP_HB_UNRESPONSIVE);
	assert_int_equal(hb.beats_sent, 0);
	ifx_free(x);
}

/* ---- shutdown ------------------------------------------------------------------- */

static void test_icvsp_sd__reboot_request_golden__accepted(void **state)
{
	(void)state;
	struct icvsp_config cfg = { .shutdown = true };
	struct ifx *x = ifx_new(&cfg);
	ifx_open(x, sd_cls);
	/* Requested before the IC is ready: waits for negotiation. */
	assert_int_equal(icvsp_shutdown_request(x->ic, VMBUS_IC_SHUTDOWN_FLAG_RESTART,
						VMBUS_IC_SHUTDOWN_REASON_PLANNED, 30, "bye"), 0);
	assert_int_equal(icvsp_shutdown_request(x->ic, 0, 0, 0, NULL), -EBUSY);
	ifx_negotiate(x, 3, 3);
	uint64_t tid;
	uint32_t len;
	const uint8_t *p = ifx_next(x, &tid, &len);
	static const uint8_t golden[] = {
		0x01, 0, 0, 0, 0x20, 0x08, 0, 0,          /* pipe: DATA, 20 + 2060 */
		0x03, 0, 0x00, 0, 0x03, 0,                /* framework 3.0, SHUTDOWN */
		0x03, 0, 0x00, 0, 0x0c, 0x08,             /* message 3.0, size 2060 */
		0, 0, 0, 0, 0x00, 0x03, 0, 0,
		0x00, 0, 0, 0x80,                         /* reason PLANNED */
		0x1e, 0, 0, 0,                            /* 30 s */
		0x02, 0, 0, 0,                            /* RESTART */
		'b', 'y', 'e', 0,
	};
	assert_int_equal(len, 2088 + 0);
	assert_memory_equal(p, golden, sizeof golden);
	struct icvsp_sd_info sd;
	icvsp_sd_info(x->ic, &sd);
	assert_int_equal(sd.result, ICVSP_SD_SENT);
	uint8_t m[2100];
	memcpy(m, p, len);
	ifx_reply(x, tid, m, len, VMBUS_IC_S_OK);
	icvsp_sd_info(x->ic, &sd);
	assert_int_equal(sd.result, ICVSP_SD_ACCEPTED);
	assert_int_equal(sd.flags, 2);
	ifx_free(x);
}

static void test_icvsp_sd__guest_answers_efail__refused(void **state)
{
	(void)state;
	struct icvsp_config cfg = { .shutdown = true };
	struct ifx *x = ifx_new(&cfg);
	ifx_open(x, sd_cls);
	ifx_negotiate(x, 3, 3);
	assert_int_equal(icvsp_shutdown_request(x->ic, 0x80, 0, 0, NULL), 0);
	icvsp_pump(x->ic);
	uint64_t tid;
	uint32_t len;
	static uint8_t m[2100];
	{ const uint8_t *in_ = ifx_next(x, &tid, &len); memcpy(m, in_, len); }
	assert_int_equal(m[28 + 8], 0x80); /* unknown flags go out as asked */
	ifx_reply(x, tid, m, len, VMBUS_IC_E_FAIL);
	struct icvsp_sd_info sd;
	icvsp_sd_info(x->ic, &sd);
	assert_int_equal(sd.result, ICVSP_SD_REFUSED);
	assert_int_equal(sd.status, VMBUS_IC_E_FAIL);
	/* Another request may follow. */
	assert_int_equal(icvsp_shutdown_request(x->ic, 4, 0, 0, NULL), 0);
	ifx_free(x);
}

static void test_icvsp_sd__no_answer__timeout(void **state)
{
	(void)state;
	struct icvsp_config cfg = { .shutdown = true, .reply_timeout = SEC };
	struct ifx *x = ifx_new(&cfg);
	ifx_open(x, sd_cls);
	ifx_negotiate(x, 3, 3);
	assert_int_equal(icvsp_shutdown_request(x->ic, 0, 0, 0, NULL), 0);
	ifx_time(x, 2 * SEC);
	struct icvsp_sd_info sd;
	icvsp_sd_info(x->ic, &sd);
	assert_int_equal(sd.result, ICVSP_SD_TIMEOUT);
	ifx_free(x);
}

/* ---- timesync ------------------------------------------------------------------- */

static void test_icvsp_ts__v4_sync_then_samples_golden(void **state)
{
	(void)state;
	struct icvsp_config cfg = { .timesync = true, .ts_wall_base = 0x0102030405060708ull,
				    .ts_sample_interval = 5 * SEC };
	struct ifx *x = ifx_new(&cfg);
	ifx_time(x, 100);
	ifx_open(x, ts_cls);
	ifx_negotiate(x, 3, 4);
	uint64_t tid;
	uint32_t len;
	const uint8_t *p = ifx_next(x, &tid, &len);
	static const uint8_t golden[] = {
		0x01, 0, 0, 0, 0x2c, 0, 0, 0,             /* pipe: DATA, 44 */
		0x03, 0, 0x00, 0, 0x04, 0,                /* framework 3.0, TIMESYNC */
		0x04, 0, 0x00, 0, 0x18, 0,                /* message 4.0, size 24 */
		0, 0, 0, 0, 0x00, 0x03, 0, 0,
		0x6c, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01, /* parent = base + 100 */
		0x64, 0, 0, 0, 0, 0, 0, 0,                /* reference time 100 */
		0x01, 0, 0, 0, 0, 0, 0, 0,                /* SYNC */
	};
	assert_int_equal(len, sizeof golden + 4);
	assert_memory_equal(p, golden, sizeof golden);
	uint8_t m[128];
	memcpy(m, p, len);
	ifx_reply(x, tid, m, len, 0);
	ifx_time(x, 100 + 5 * SEC);
	p = ifx_next(x, &tid, &len);
	assert_int_equal(p[28 + 16], VMBUS_IC_TIMESYNC_SAMPLE);
	uint64_t ref;
	memcpy(&ref, p + 28 + 8, 8);
	assert_int_equal(ref, 100 + 5 * SEC);
	struct icvsp_ts_info ts;
	icvsp_ts_info(x->ic, &ts);
	assert_int_equal(ts.syncs_sent, 1);
	assert_int_equal(ts.samples_sent, 1);
	ifx_free(x);
}

static void test_icvsp_ts__v3_layout_and_jump_sends_sync(void **state)
{
	(void)state;
	struct icvsp_config cfg = { .timesync = true, .ts_wall_base = 1000 };
	struct ifx *x = ifx_new(&cfg);
	ifx_open(x, ts_cls);
	ifx_negotiate(x, 3, 3);
	uint64_t tid;
	uint32_t len;
	uint8_t m[128];
	{ const uint8_t *in_ = ifx_next(x, &tid, &len); memcpy(m, in_, len); }
	assert_int_equal(len, 8 + 20 + 28 + 0);
	assert_int_equal(m[18], 28);  /* msgsize */
	assert_int_equal(m[28 + 24], VMBUS_IC_TIMESYNC_SYNC);
	ifx_reply(x, tid, m, len, 0);
	assert_int_equal(icvsp_ts_jump(x->ic, -500), 0);
	{ const uint8_t *in_ = ifx_next(x, &tid, &len); memcpy(m, in_, len); }
	uint64_t parent;
	memcpy(&parent, m + 28, 8);
	assert_int_equal(parent, 500);
	assert_int_equal(m[28 + 24], VMBUS_IC_TIMESYNC_SYNC);
	ifx_free(x);
}

/* ---- KVP --------------------------------------------------------------------------- */

/* Reply to the KVP request in the ring with status and, for GET/ENUMERATE,
 * a REG_SZ record key=value (ASCII). */
static void kvp_answer(struct ifx *x, uint32_t status, const char *key, const char *value,
		       uint8_t *op_out)
{
	uint64_t tid;
	uint32_t len;
	static uint8_t m[4096];
	{ const uint8_t *in_ = ifx_next(x, &tid, &len); memcpy(m, in_, len); }
	if (op_out)
		*op_out = m[28];
	if (key) {
		uint32_t off = 28 + (m[28] == VMBUS_KVP_OP_ENUMERATE ? 8u : 4u);
		struct vmbus_kvp_value v;
		memset(&v, 0, sizeof v);
		v.value_type = VMBUS_KVP_REG_SZ;
		v.key_size = (uint32_t)(strlen(key) + 1) * 2;
		v.value_size = (uint32_t)(strlen(value) + 1) * 2;
		for (size_t i = 0; key[i]; i++)
			v.key[2 * i] = (uint8_t)key[i];
		for (size_t i = 0; value[i]; i++)
			v.value[2 * i] = (uint8_t)value[i];
		memcpy(m + off, &v, sizeof v);
	}
	ifx_reply(x, tid, m, len, status);
}

static void test_icvsp_kvp__set_request_golden_bytes(void **state)
{
	(void)state;
	struct icvsp_config cfg = { .kvp = true };
	struct ifx *x = ifx_new(&cfg);
	assert_int_equal(icvsp_kvp_set(x->ic, VMBUS_KVP_POOL_AUTO_EXTERNAL, "Host", "hv1"), 0);
	ifx_open(x, kvp_cls);
	ifx_negotiate(x, 3, 5);
	uint64_t tid;
	uint32_t len;
	const uint8_t *p = ifx_next(x, &tid, &len);
	static const uint8_t golden[] = {
		0x01, 0, 0, 0, 0x24, 0x0a, 0, 0,          /* pipe: DATA, 20 + 2576 */
		0x03, 0, 0x00, 0, 0x02, 0,                /* framework 3.0, KVP */
		0x05, 0, 0x00, 0, 0x10, 0x0a,             /* message 5.0, size 2576 */
		0, 0, 0, 0, 0x00, 0x03, 0, 0,
		0x01, 0x03, 0, 0,                         /* SET, pool AUTO_EXTERNAL */
		0x01, 0, 0, 0,                            /* REG_SZ */
		0x0a, 0, 0, 0,                            /* key 10 bytes */
		0x08, 0, 0, 0,                            /* value 8 bytes */
		'H', 0, 'o', 0, 's', 0, 't', 0, 0, 0,
	};
	assert_int_equal(len, 8 + 20 + 2576 + 4);
	assert_memory_equal(p, golden, sizeof golden);
	static const uint8_t val[] = { 'h', 0, 'v', 0, '1', 0, 0, 0 };
	assert_memory_equal(p + 28 + 4 + 524, val, sizeof val);
	ifx_free(x);
}

static void test_icvsp_kvp__ready__pushes_then_enumerates_guest_pools(void **state)
{
	(void)state;
	struct icvsp_config cfg = { .kvp = true };
	struct ifx *x = ifx_new(&cfg);
	assert_int_equal(icvsp_kvp_set(x->ic, VMBUS_KVP_POOL_EXTERNAL, "a", "1"), 0);
	assert_int_equal(icvsp_kvp_set(x->ic, VMBUS_KVP_POOL_EXTERNAL, "b", "2"), 0);
	assert_int_equal(icvsp_kvp_set(x->ic, VMBUS_KVP_POOL_GUEST, "c", "3"), -EINVAL);
	ifx_open(x, kvp_cls);
	ifx_negotiate(x, 3, 4);
	uint8_t op;
	kvp_answer(x, 0, NULL, NULL, &op);
	assert_int_equal(op, VMBUS_KVP_OP_SET);
	kvp_answer(x, 0, NULL, NULL, &op);
	assert_int_equal(op, VMBUS_KVP_OP_SET);
	/* Pool GUEST: two items, then the end. */
	kvp_answer(x, 0, "g1", "v1", &op);
	assert_int_equal(op, VMBUS_KVP_OP_ENUMERATE);
	kvp_answer(x, 0, "g2", "v2", &op);
	kvp_answer(x, VMBUS_IC_S_CONT, NULL, NULL, &op);
	/* Pool AUTO: one item. */
	kvp_answer(x, 0, "OSName", "hvsim", &op);
	kvp_answer(x, VMBUS_IC_S_CONT, NULL, NULL, &op);
	ifx_none(x);
	char buf[64];
	assert_int_equal(icvsp_kvp_get(x->ic, VMBUS_KVP_POOL_GUEST, "g2", buf, sizeof buf), 0);
	assert_string_equal(buf, "v2");
	assert_int_equal(icvsp_kvp_get(x->ic, VMBUS_KVP_POOL_AUTO, "OSName", buf, sizeof buf), 0);
	assert_string_equal(buf, "hvsim");
	assert_int_equal(icvsp_kvp_count(x->ic, VMBUS_KVP_POOL_GUEST), 2);
	struct icvsp_kvp_info ki;
	icvsp_kvp_info(x->ic, &ki);
	assert_int_equal(ki.enumerations, 2);
	assert_int_equal(ki.errors, 0);
	ifx_free(x);
}

static void test_icvsp_kvp__reply_key_size_odd__rejected_not_stored(void **state)
{
	(void)state;
	struct icvsp_config cfg = { .kvp = true };
	struct ifx *x = ifx_new(&cfg);
	ifx_open(x, kvp_cls);
	ifx_negotiate(x, 3, 4);
	/* first ENUMERATE of pool GUEST: a record with an odd key size */
	uint64_t tid;
	uint32_t len;
	static uint8_t m[4096];
	{ const uint8_t *in_ = ifx_next(x, &tid, &len); memcpy(m, in_, len); }
	assert_int_equal(m[28], VMBUS_KVP_OP_ENUMERATE);
	struct vmbus_kvp_value v;
	memset(&v, 0, sizeof v);
	v.value_type = VMBUS_KVP_REG_SZ;
	v.key_size = 3;
	v.value_size = 2;
	v.key[0] = 'k';
	memcpy(m + 36, &v, sizeof v);
	ifx_reply(x, tid, m, len, 0);
	assert_int_equal(icvsp_kvp_count(x->ic, VMBUS_KVP_POOL_GUEST), 0);
	struct icvsp_stats st = ifx_stats(x, ICVSP_KVP);
	assert_int_equal(st.drop[ICVSP_DROP_BODY], 1);
	/* key_size > 512 on the AUTO pool's enumeration */
	{ const uint8_t *in_ = ifx_next(x, &tid, &len); memcpy(m, in_, len); }
	assert_int_equal(m[29], VMBUS_KVP_POOL_AUTO);
	v.key_size = 514;
	memcpy(m + 36, &v, sizeof v);
	ifx_reply(x, tid, m, len, 0);
	assert_int_equal(ifx_stats(x, ICVSP_KVP).drop[ICVSP_DROP_BODY], 2);
	ifx_none(x);
	ifx_free(x);
}

static void test_icvsp_kvp__no_reply__timeout_next_request_goes(void **state)
{
	(void)state;
	struct icvsp_config cfg = { .kvp = true, .reply_timeout = SEC };
	struct ifx *x = ifx_new(&cfg);
	ifx_open(x, kvp_cls);
	ifx_negotiate(x, 3, 4);
	uint32_t len;
	uint64_t tid;
	ifx_next(x, &tid, &len); /* ENUMERATE GUEST: never answered */
	ifx_time(x, SEC);
	uint8_t op;
	kvp_answer(x, VMBUS_IC_S_CONT, NULL, NULL, &op); /* ENUMERATE AUTO goes out */
	assert_int_equal(op, VMBUS_KVP_OP_ENUMERATE);
	struct icvsp_kvp_info ki;
	icvsp_kvp_info(x->ic, &ki);
	assert_int_equal(ki.timeouts, 1);
	/* The late reply to the first one is stale. */
	static uint8_t m[4096];
	memset(m, 0, sizeof m);
	memcpy(m, (uint8_t[8]){ 1, 0, 0, 0, (20 + 2580) & 0xFF, (20 + 2580) >> 8 }, 8);
	ifx_reply(x, tid, m, 8 + 20 + 2580, 0);
	assert_int_equal(ifx_stats(x, ICVSP_KVP).drop[ICVSP_DROP_MSGTYPE] +
				 ifx_stats(x, ICVSP_KVP).drop[ICVSP_DROP_UNEXPECTED],
			 1);
	/* And the IC keeps working. */
	assert_int_equal(icvsp_kvp_query(x->ic, VMBUS_KVP_POOL_GUEST, "k"), 0);
	icvsp_pump(x->ic);
	kvp_answer(x, 0, "k", "v", &op);
	assert_int_equal(op, VMBUS_KVP_OP_GET);
	char buf[8];
	assert_int_equal(icvsp_kvp_get(x->ic, VMBUS_KVP_POOL_GUEST, "k", buf, sizeof buf), 0);
	assert_string_equal(buf, "v");
	ifx_free(x);
}

static void test_icvsp_kvp__api_limits__refused(void **state)
{
	(void)state;
	struct icvsp_config cfg = { .kvp = true };
	struct ifx *x = ifx_new(&cfg);
	char big[600];
	memset(big, 'k', sizeof big - 1);
	big[sizeof big - 1] = 0;
	assert_int_equal(icvsp_kvp_set(x->ic, 0, big, "v"), -EINVAL);  /* key > 512 B UTF-16 */
	assert_int_equal(icvsp_kvp_set(x->ic, 5, "k", "v"), -EINVAL);
	assert_int_equal(icvsp_kvp_set(x->ic, 0, "", "v"), -EINVAL);
	assert_int_equal(icvsp_kvp_set(x->ic, 0, "\xff", "v"), -EINVAL); /* not UTF-8 */
	assert_int_equal(icvsp_kvp_set(x->ic, 4, "local", "v"), 0);
	assert_int_equal(icvsp_kvp_delete(x->ic, 4, "local"), 0);
	assert_int_equal(icvsp_kvp_delete(x->ic, 4, "local"), -ENOENT);
	for (unsigned i = 0; i < ICVSP_KVP_MAX_ITEMS; i++) {
		char k[16];
		snprintf(k, sizeof k, "k%u", i);
		assert_int_equal(icvsp_kvp_set(x->ic, 0, k, "v"), 0);
	}
	assert_int_equal(icvsp_kvp_set(x->ic, 0, "one-more", "v"), -ENOSPC);
	ifx_free(x);
}

/* ---- host timers ------------------------------------------------------------------ */

static unsigned fired;
static struct part_host_timer *rearm_t;

static void on_fire(void *arg)
{
	(void)arg;
	fired++;
}

static void on_fire_rearm_past(void *arg)
{
	struct part *p = arg;
	fired++;
	part_host_timer_arm(rearm_t, 0); /* already past: next part_set_time */
	(void)p;
}

static void test_host_timer__armed__fires_once_and_counts_in_deadline(void **state)
{
	(void)state;
	struct vfx *f = vfx_new("ws2019", 1, NULL);
	fired = 0;
	struct part_host_timer *t = part_host_timer_create(f->p, on_fire, NULL);
	assert_non_null(t);
	assert_int_equal(part_next_deadline(f->p), UINT64_MAX);
	part_host_timer_arm(t, 500);
	assert_true(part_host_timer_armed(t));
	assert_int_equal(part_next_deadline(f->p), 500);
	part_set_time(f->p, 499);
	assert_int_equal(fired, 0);
	part_set_time(f->p, 500);
	assert_int_equal(fired, 1);
	assert_false(part_host_timer_armed(t));
	part_set_time(f->p, 1000);
	assert_int_equal(fired, 1);
	part_host_timer_arm(t, 2000);
	part_host_timer_cancel(t);
	assert_int_equal(part_next_deadline(f->p), UINT64_MAX);
	part_set_time(f->p, 3000);
	assert_int_equal(fired, 1);
	/* A callback re-arming for a past time fires again on the next call,
	 * not in a loop. */
	rearm_t = part_host_timer_create(f->p, on_fire_rearm_past, f->p);
	part_host_timer_arm(rearm_t, 3000);
	part_set_time(f->p, 3000);
	assert_int_equal(fired, 2);
	part_set_time(f->p, 3001);
	assert_int_equal(fired, 3);
	part_host_timer_destroy(rearm_t);
	part_host_timer_destroy(t);
	vfx_free(f);
}

static void test_host_timer__outlives_partition__destroy_safe(void **state)
{
	(void)state;
	struct vfx *f = vfx_new("ws2019", 1, NULL);
	struct part_host_timer *t = part_host_timer_create(f->p, on_fire, NULL);
	part_host_timer_arm(t, 5);
	vfx_free(f);
	part_host_timer_destroy(t);
	part_host_timer_destroy(NULL);
}

/* RELIABILITY #86 (host side): a NEGOTIATE reply claiming 0xFFFF framework
 * and message versions, far more than its body holds: negotiation fails,
 * nothing is read past the body (ASan), the IC sends nothing more. */
static void test_icvsp__negotiate_vercnt_ffff__failed_no_oob(void **state)
{
	(void)state;
	struct icvsp_config cfg = { .shutdown = true };
	struct ifx *x = ifx_new(&cfg);
	ifx_open(x, sd_cls);
	uint64_t tid;
	uint32_t len;
	uint8_t m[128];
	{ const uint8_t *in_ = ifx_next(x, &tid, &len); memcpy(m, in_, len); }
	memset(m + 28, 0xFF, 4); /* icframe_vercnt = icmsg_vercnt = 0xFFFF */
	ifx_reply(x, tid, m, len, 0);
	struct icvsp_stats st = ifx_stats(x, ICVSP_SHUTDOWN);
	assert_int_equal(st.state, ICVSP_ST_FAILED);
	assert_int_equal(st.negotiate_failures, 1);
	assert_int_equal(st.drop[ICVSP_DROP_BODY], 1);
	assert_int_equal(st.framework, 0);
	ifx_none(x);
	ifx_free(x);
}

/* RELIABILITY #91 (host side): KVP replies naming a pool >= 5 or an
 * unknown operation are errors: counted, nothing stored, the next request
 * goes out. */
static void test_icvsp_kvp__reply_bad_pool_or_operation__error_not_stored(void **state)
{
	(void)state;
	struct icvsp_config cfg = { .kvp = true };
	struct ifx *x = ifx_new(&cfg);
	ifx_open(x, kvp_cls);
	ifx_negotiate(x, 3, 4);
	uint64_t tid;
	uint32_t len;
	static uint8_t m[4096];
	struct vmbus_kvp_value v;
	memset(&v, 0, sizeof v);
	v.value_type = VMBUS_KVP_REG_SZ;
	v.key_size = 4;
	v.value_size = 4;
	v.key[0] = 'k';
	v.value[0] = 'v';
	/* ENUMERATE of pool GUEST answered for pool 7 */
	{ const uint8_t *in_ = ifx_next(x, &tid, &len); memcpy(m, in_, len); }
	assert_int_equal(m[28], VMBUS_KVP_OP_ENUMERATE);
	assert_int_equal(m[29], VMBUS_KVP_POOL_GUEST);
	m[29] = 7;
	memcpy(m + 36, &v, sizeof v);
	ifx_reply(x, tid, m, len, 0);
	assert_int_equal(ifx_stats(x, ICVSP_KVP).drop[ICVSP_DROP_BODY], 1);
	/* ENUMERATE of pool AUTO answered with operation 0x55 */
	{ const uint8_t *in_ = ifx_next(x, &tid, &len); memcpy(m, in_, len); }
	assert_int_equal(m[29], VMBUS_KVP_POOL_AUTO);
	m[28] = 0x55;
	memcpy(m + 36, &v, sizeof v);
	ifx_reply(x, tid, m, len, 0);
	assert_int_equal(ifx_stats(x, ICVSP_KVP).drop[ICVSP_DROP_BODY], 2);
	struct icvsp_kvp_info ki;
	assert_int_equal(icvsp_kvp_info(x->ic, &ki), 0);
	assert_int_equal(ki.errors, 2);
	assert_int_equal(ki.ok, 0);
	assert_int_equal(ki.queued, 0);
	for (uint8_t pool = 0; pool < VMBUS_KVP_POOL_COUNT; pool++)
		assert_int_equal(icvsp_kvp_count(x->ic, pool), 0);
	/* The channel still works: a GET goes out. */
	assert_int_equal(icvsp_kvp_query(x->ic, VMBUS_KVP_POOL_GUEST, "k"), 0);
	icvsp_pump(x->ic);
	{ const uint8_t *in_ = ifx_next(x, &tid, &len); memcpy(m, in_, len); }
	assert_int_equal(m[28], VMBUS_KVP_OP_GET);
	ifx_free(x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_icvsp__offers__message_pipes_with_well_known_instances),
		cmocka_unit_test(test_icvsp__open__negotiate_request_golden_bytes),
		cmocka_unit_test(test_icvsp__negotiate_reply_3_0__ready_with_versions),
		cmocka_unit_test(test_icvsp__negotiate_counts_zero__failed),
		cmocka_unit_test(test_icvsp__negotiate_version_not_offered__failed),
		cmocka_unit_test(test_icvsp__negotiate_vercnt_ffff__failed_no_oob),
		cmocka_unit_test(test_icvsp__version_ceiling__only_lower_versions_offered),
		cmocka_unit_test(test_icvsp__negotiate_timeout__sent_again),
		cmocka_unit_test(test_icvsp__reply_shorter_than_headers__dropped),
		cmocka_unit_test(test_icvsp__pipe_len_past_packet__dropped),
		cmocka_unit_test(test_icvsp__msgsize_past_pipe__dropped),
		cmocka_unit_test(test_icvsp__unknown_msgtype__dropped),
		cmocka_unit_test(test_icvsp__reply_with_request_flag__dropped),
		cmocka_unit_test(test_icvsp__reply_with_other_tid__dropped_unexpected),
		cmocka_unit_test(test_icvsp__reply_twice__second_dropped),
		cmocka_unit_test(test_icvsp_hb__beat_golden_and_seq_plus_one__healthy),
		cmocka_unit_test(test_icvsp_hb__guest_never_answers__unresponsive_after_3),
		cmocka_unit_test(test_icvsp_hb__answers_again__healthy_transition_recorded),
		cmocka_unit_test(test_icvsp_hb__seq_wraps__max_then_zero),
		cmocka_unit_test(test_icvsp_hb__wrong_seq__counted_not_healthy),
		cmocka_unit_test(test_icvsp_hb__opened_never_negotiates__unresponsive),
		cmocka_unit_test(test_icvsp_sd__reboot_request_golden__accepted),
		cmocka_unit_test(test_icvsp_sd__guest_answers_efail__refused),
		cmocka_unit_test(test_icvsp_sd__no_answer__timeout),
		cmocka_unit_test(test_icvsp_ts__v4_sync_then_samples_golden),
		cmocka_unit_test(test_icvsp_ts__v3_layout_and_jump_sends_sync),
		cmocka_unit_test(test_icvsp_kvp__set_request_golden_bytes),
		cmocka_unit_test(test_icvsp_kvp__ready__pushes_then_enumerates_guest_pools),
		cmocka_unit_test(test_icvsp_kvp__reply_key_size_odd__rejected_not_stored),
		cmocka_unit_test(test_icvsp_kvp__reply_bad_pool_or_operation__error_not_stored),
		cmocka_unit_test(test_icvsp_kvp__no_reply__timeout_next_request_goes),
		cmocka_unit_test(test_icvsp_kvp__api_limits__refused),
		cmocka_unit_test(test_host_timer__armed__fires_once_and_counts_in_deadline),
		cmocka_unit_test(test_host_timer__outlives_partition__destroy_safe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
