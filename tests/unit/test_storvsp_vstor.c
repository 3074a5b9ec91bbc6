/* test_storvsp_vstor.c -- storvsp driven through the real VMBus server by a
 * fake guest (vmbs_fixture): the VSTOR handshake per version, EXECUTE_SRB
 * with GPA-direct data, out-of-order completion, sub-channels, hot add and
 * the VSTOR bad inputs of RELIABILITY.md 5.8 (#70-#76, #82-#84). */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hyperv/scsi.h"
#include "hyperv/vstor.h"
#include "sim/devices/storvsp/storvsp.h"
#include "tests/unit/helpers/vmbs_fixture.h"

struct sfx {
	struct vfx *f;
	struct storvsp *sv;
	struct vfx_ring r;
	uint32_t conn;
	uint64_t buf_gpa;    /* 16 pages of data buffer */
	uint16_t version;
	uint32_t pkt_size;
	bool hold;           /* kick without storvsp_poll: I/O stays in flight */
};

static struct sfx *sfx_new(const char *profile, uint16_t ceiling, uint16_t maxsub, bool phantom)
{
	struct sfx *x = calloc(1, sizeof(*x));
	struct storvsp_config cfg = { .vstor_max_version = ceiling, .max_subchannels = maxsub,
				      .phantom_luns = phantom };
	struct vmbus_msg_offer offers[4];
	struct blk *b;

	assert_non_null(x);
	(void)profile; /* the VSTOR ceiling is the config's; VMBus stays 5.3 */
	x->f = vfx_new("ws2022", 1, NULL);
	x->sv = storvsp_create(x->f->vb, &cfg);
	assert_non_null(x->sv);
	assert_int_equal(blk_open_mem(1u << 20, 512, &b), 0);
	assert_int_equal(storvsp_lun_add(x->sv, 0, 0, b, NULL), 0);
	assert_int_equal(vfx_connect(x->f, VMBUS_VERSION_WIN10_V5_3), 1);
	assert_int_equal(vfx_request_offers(x->f, offers, 4), 1);
	x->conn = offers[0].connection_id;
	assert_int_equal(vfx_ring_open(x->f, &x->r, offers[0].child_relid, 16, 8, false, 0), 0);
	x->buf_gpa = vfx_alloc(x->f, 17);
	return x;
}

static void sfx_free(struct sfx *x)
{
	vfx_free(x->f);          /* server first: it rescinds our channels */
	storvsp_destroy(x->sv);
	free(x);
}

static void sfx_kick(struct sfx *x)
{
	vfx_signal(x->f, x->conn);
	for (int i = 0; i < 100 && !x->hold && storvsp_poll(x->sv); i++)
		vfx_pump(x->f);
	vfx_pump(x->f);
}

/* Send a control/in-band request of 'size' bytes. */
static void send_req(struct sfx *x, const struct vstor_packet *p, uint32_t size, uint64_t tid, bool completion)
{
	assert_true(vfx_ring_send(&x->r, VMBUS_PKT_DATA_INBAND,
				  completion ? VMBUS_PKT_FLAG_COMPLETION_REQUESTED : 0, tid, p, size) >= 0);
	sfx_kick(x);
}

/* Receive one packet; returns payload length, fills p and tid. */
static int recv_pkt(struct sfx *x, struct vstor_packet *p, uint64_t *tid, uint16_t *type)
{
	uint8_t buf[256];
	struct vmbus_pkt_desc d;
	int n = vfx_ring_recv(&x->r, buf, sizeof(buf));
	if (n < 0)
		return n;
	memcpy(&d, buf, sizeof(d));
	if (tid)
		*tid = d.trans_id;
	if (type)
		*type = d.type;
	memset(p, 0, sizeof(*p));
	uint32_t off = d.offset8 * 8u;
	uint32_t plen = (uint32_t)n - off;
	memcpy(p, buf + off, plen < sizeof(*p) ? plen : sizeof(*p));
	return (int)plen;
}

static uint32_t op(struct sfx *x, uint32_t operation, uint16_t arg, uint32_t size)
{
	struct vstor_packet p, r;
	uint64_t tid = 0;
	memset(&p, 0, sizeof(p));
	p.operation = operation;
	p.flags = VSTOR_FLAG_REQUEST_COMPLETION;
	if (operation == VSTOR_OP_QUERY_PROTOCOL_VERSION)
		p.u.version.major_minor = arg;
	else
		p.u.sub_channel_count = arg;
	send_req(x, &p, size, 0x100 + operation, true);
	int n = recv_pkt(x, &r, &tid, NULL);
	assert_true(n > 0);
	assert_int_equal(tid, 0x100 + operation);
	assert_int_equal(r.operation, VSTOR_OP_COMPLETE_IO);
	return r.status;
}

/* The Linux handshake; returns the negotiated version. */
static uint16_t handshake(struct sfx *x, const uint16_t *tries, unsigned n)
{
	assert_int_equal(op(x, VSTOR_OP_BEGIN_INITIALIZATION, 0, 64), 0);
	for (unsigned i = 0; i < n; i++) {
		if (op(x, VSTOR_OP_QUERY_PROTOCOL_VERSION, tries[i], 64) == 0) {
			x->version = tries[i];
			x->pkt_size = tries[i] >= VSTOR_VERSION_WIN8 ? 64 : 48;
			assert_int_equal(op(x, VSTOR_OP_QUERY_PROPERTIES, 0, x->pkt_size), 0);
			assert_int_equal(op(x, VSTOR_OP_END_INITIALIZATION, 0, x->pkt_size), 0);
			return tries[i];
		}
	}
	return 0;
}

static const uint16_t linux_tries[] = { VSTOR_VERSION_WIN10, VSTOR_VERSION_WIN8_1, VSTOR_VERSION_WIN8,
					VSTOR_VERSION_WIN7, VSTOR_VERSION_WIN6 };

/* EXECUTE_SRB of cdb; data over one GPA range at buf_gpa+off of len bytes. */
static void srb_send(struct sfx *x, uint64_t tid, uint8_t lun, const uint8_t *cdb, uint8_t cdb_len,
		     uint8_t data_in, uint32_t xfer, uint32_t range_len, uint32_t off)
{
	struct vstor_packet p;
	memset(&p, 0, sizeof(p));
	p.operation = VSTOR_OP_EXECUTE_SRB;
	p.flags = VSTOR_FLAG_REQUEST_COMPLETION;
	p.u.srb.length = (uint16_t)(x->pkt_size - 12);
	p.u.srb.lun = lun;
	p.u.srb.cdb_length = cdb_len;
	p.u.srb.sense_info_length = x->version >= VSTOR_VERSION_WIN8 ? 20 : 18;
	p.u.srb.data_in = data_in;
	p.u.srb.data_transfer_length = xfer;
	memcpy(p.u.srb.u.cdb, cdb, cdb_len);
	if (!range_len) {
		send_req(x, &p, x->pkt_size, tid, true);
		return;
	}
	uint8_t pkt[512];
	uint32_t npfn = (off % 4096 + range_len + 4095) / 4096;
	uint32_t hdr = 24 + 8 + 8 * npfn;
	uint32_t total = (hdr + x->pkt_size + 7) & ~7u;
	struct vmbus_pkt_desc d = { .type = VMBUS_PKT_DATA_USING_GPA_DIRECT, .offset8 = (uint16_t)(hdr / 8),
				    .len8 = (uint16_t)(total / 8),
				    .flags = VMBUS_PKT_FLAG_COMPLETION_REQUESTED, .trans_id = tid };
	uint32_t one = 1, boff = off % 4096;
	memset(pkt, 0, sizeof(pkt));
	memcpy(pkt, &d, sizeof(d));
	memcpy(pkt + 20, &one, 4);
	memcpy(pkt + 24, &range_len, 4);
	memcpy(pkt + 28, &boff, 4);
	for (uint32_t i = 0; i < npfn; i++) {
		uint64_t pfn = ((x->buf_gpa + off) >> 12) + i;
		memcpy(pkt + 32 + 8 * i, &pfn, 8);
	}
	memcpy(pkt + hdr, &p, x->pkt_size);
	assert_true(vfx_ring_send_pkt(&x->r, pkt, total) >= 0);
	sfx_kick(x);
}

static void srb_recv(struct sfx *x, uint64_t tid, struct vstor_packet *r)
{
	uint64_t t = 0;
	int n = recv_pkt(x, r, &t, NULL);
	assert_int_equal(n, (int)x->pkt_size);
	assert_int_equal(t, tid);
	assert_int_equal(r->operation, VSTOR_OP_COMPLETE_IO);
}

static uint8_t *bufp(struct sfx *x, uint32_t off)
{
	return gmem_ptr(x->f->gm, x->buf_gpa + off, 1);
}

/* ---- handshake ----------------------------------------------------------------- */

static void check_handshake(const char *profile, uint16_t ceiling, uint16_t expect)
{
	struct sfx *x = sfx_new(profile, ceiling, 0, false);
	assert_int_equal(handshake(x, linux_tries, 5), expect);
	struct storvsp_stats st;
	storvsp_get_stats(x->sv, &st);
	assert_int_equal(st.version, expect);
	sfx_free(x);
}

static void test_storvsp__handshake_win10_host__win10(void **s) { (void)s; check_handshake("ws2022", VSTOR_VERSION_WIN10, VSTOR_VERSION_WIN10); }
static void test_storvsp__handshake_win8_1_host__falls_back(void **s) { (void)s; check_handshake("ws2012r2", VSTOR_VERSION_WIN8_1, VSTOR_VERSION_WIN8_1); }
static void test_storvsp__handshake_win7_host__48_byte_packets(void **s) { (void)s; check_handshake("ws2008r2", VSTOR_VERSION_WIN7, VSTOR_VERSION_WIN7); }

static void test_storvsp__unsupported_version__revision_mismatch_state_kept(void **state)
{
	(void)state;
	struct sfx *x = sfx_new("ws2022", VSTOR_VERSION_WIN8_1, 0, false);
	assert_int_equal(op(x, VSTOR_OP_BEGIN_INITIALIZATION, 0, 64), 0);
	assert_int_equal(op(x, VSTOR_OP_QUERY_PROTOCOL_VERSION, 0x0603, 64), VSTOR_STATUS_REVISION_MISMATCH);
	assert_int_equal(op(x, VSTOR_OP_QUERY_PROTOCOL_VERSION, VSTOR_VERSION_WIN10, 64), VSTOR_STATUS_REVISION_MISMATCH);
	assert_int_equal(op(x, VSTOR_OP_QUERY_PROTOCOL_VERSION, VSTOR_VERSION_WIN8_1, 64), 0);
	sfx_free(x);
}

static void test_storvsp__properties_win8__multichannel_and_max_transfer(void **state)
{
	(void)state;
	struct sfx *x = sfx_new("ws2022", VSTOR_VERSION_WIN10, 3, false);
	struct vstor_packet p, r;
	assert_int_equal(op(x, VSTOR_OP_BEGIN_INITIALIZATION, 0, 64), 0);
	assert_int_equal(op(x, VSTOR_OP_QUERY_PROTOCOL_VERSION, VSTOR_VERSION_WIN10, 64), 0);
	memset(&p, 0, sizeof(p));
	p.operation = VSTOR_OP_QUERY_PROPERTIES;
	p.flags = 1;
	send_req(x, &p, 64, 9, true);
	assert_int_equal(recv_pkt(x, &r, NULL, NULL), 64);
	assert_int_equal(r.u.props.max_channel_count, 3);
	assert_int_equal(r.u.props.flags, VSTOR_PROP_FLAG_MULTI_CHANNEL);
	assert_int_equal(r.u.props.max_transfer_bytes, 0x40000);
	sfx_free(x);
}

/* ---- I/O -------------------------------------------------------------------------- */

static void test_storvsp__write_then_read_gpa_direct__data_roundtrip(void **state)
{
	(void)state;
	struct sfx *x = sfx_new("ws2022", VSTOR_VERSION_WIN10, 0, false);
	static const uint8_t w10[10] = { 0x2a, 0, 0, 0, 0, 8, 0, 0, 16, 0 };   /* LBA 8, 16 blocks */
	static const uint8_t r10[10] = { 0x28, 0, 0, 0, 0, 8, 0, 0, 16, 0 };
	struct vstor_packet r;

	handshake(x, linux_tries, 5);
	for (uint32_t i = 0; i < 8192; i++)
		*bufp(x, 100 + i) = (uint8_t)(i * 13);
	srb_send(x, 11, 0, w10, 10, VSTOR_DATA_WRITE, 8192, 8192, 100);  /* unaligned start: 3 pages */
	srb_recv(x, 11, &r);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.u.srb.srb_status, VSTOR_SRB_STATUS_SUCCESS);
	assert_int_equal(r.u.srb.data_transfer_length, 8192);
	memset(bufp(x, 20000), 0, 8192);
	srb_send(x, 12, 0, r10, 10, VSTOR_DATA_READ, 8192, 8192, 20000);
	srb_recv(x, 12, &r);
	assert_int_equal(r.u.srb.srb_status, VSTOR_SRB_STATUS_SUCCESS);
	for (uint32_t i = 0; i < 8192; i++)
		assert_int_equal(*bufp(x, 20000 + i), (uint8_t)(i * 13));
	sfx_free(x);
}

static void test_storvsp__check_condition__autosense_and_ntstatus(void **state)
{
	(void)state;
	struct sfx *x = sfx_new("ws2022", VSTOR_VERSION_WIN10, 0, false);
	static const uint8_t r10[10] = { 0x28, 0, 0, 0, 0x08, 0, 0, 0, 1, 0 };  /* LBA 2048: past end */
	struct vstor_packet r;
	handshake(x, linux_tries, 5);
	srb_send(x, 5, 0, r10, 10, VSTOR_DATA_READ, 512, 512, 0);
	srb_recv(x, 5, &r);
	assert_int_equal(r.status, VSTOR_STATUS_IO_DEVICE_ERROR);
	assert_int_equal(r.u.srb.srb_status, VSTOR_SRB_STATUS_ERROR | VSTOR_SRB_STATUS_AUTOSENSE_VALID);
	assert_int_equal(r.u.srb.scsi_status, SCSI_STATUS_CHECK_CONDITION);
	assert_int_equal(r.u.srb.sense_info_length, 18);
	assert_memory_equal(r.u.srb.u.sense, "\x70\x00\x05\x00\x00\x00\x00\x0a\x00\x00\x00\x00\x21\x00", 14);
	assert_int_equal(r.u.srb.data_transfer_length, 0);
	sfx_free(x);
}

static void test_storvsp__absent_lun__inquiry_7f_and_invalid_lun(void **state)
{
	(void)state;
	struct sfx *x = sfx_new("ws2022", VSTOR_VERSION_WIN10, 0, false);
	static const uint8_t inq[6] = { 0x12, 0, 0, 0, 36, 0 };
	static const uint8_t tur[6] = { 0 };
	struct vstor_packet r;
	handshake(x, linux_tries, 5);
	srb_send(x, 1, 3, inq, 6, VSTOR_DATA_READ, 36, 36, 0);
	srb_recv(x, 1, &r);
	assert_int_equal(r.u.srb.srb_status, VSTOR_SRB_STATUS_SUCCESS);
	assert_int_equal(*bufp(x, 0), 0x7f);
	srb_send(x, 2, 3, tur, 6, VSTOR_DATA_UNKNOWN, 0, 0, 0);
	srb_recv(x, 2, &r);
	assert_int_equal(r.u.srb.srb_status, VSTOR_SRB_STATUS_INVALID_LUN);
	assert_int_equal(r.status, VSTOR_STATUS_DEVICE_DOES_NOT_EXIST);
	sfx_free(x);
}

static void test_storvsp__phantom_quirk__tur_good_on_absent_lun(void **state)
{
	(void)state;
	struct sfx *x = sfx_new("ws2016", VSTOR_VERSION_WIN10, 0, true);
	static const uint8_t tur[6] = { 0 };
	struct vstor_packet r;
	handshake(x, linux_tries, 5);
	srb_send(x, 2, 9, tur, 6, VSTOR_DATA_UNKNOWN, 0, 0, 0);
	srb_recv(x, 2, &r);
	assert_int_equal(r.u.srb.srb_status, VSTOR_SRB_STATUS_SUCCESS);
	sfx_free(x);
}

static void test_storvsp__report_luns_any_lun_address__target_list(void **state)
{
	(void)state;
	struct sfx *x = sfx_new("ws2022", VSTOR_VERSION_WIN10, 0, false);
	static const uint8_t rl[12] = { 0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 64, 0, 0 };
	struct vstor_packet r;
	struct blk *b;
	handshake(x, linux_tries, 5);
	assert_int_equal(blk_open_mem(65536, 512, &b), 0);
	assert_int_equal(storvsp_lun_add(x->sv, 0, 7, b, NULL), 0);
	/* Hot add told the guest: ENUMERATE_BUS in-band, tid 0. */
	{
		uint64_t tid = 1;
		uint16_t type = 0;
		assert_int_equal(recv_pkt(x, &r, &tid, &type), 64);
		assert_int_equal(type, VMBUS_PKT_DATA_INBAND);
		assert_int_equal(tid, 0);
		assert_int_equal(r.operation, VSTOR_OP_ENUMERATE_BUS);
	}
	srb_send(x, 3, 5, rl, 12, VSTOR_DATA_READ, 64, 64, 0);
	srb_recv(x, 3, &r);
	assert_int_equal(r.u.srb.data_transfer_length, 24);
	assert_memory_equal(bufp(x, 0), "\x00\x00\x00\x10\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x07", 18);
	assert_int_equal(storvsp_lun_remove(x->sv, 0, 7), 0);
	assert_int_equal(recv_pkt(x, &r, NULL, NULL), 64);
	assert_int_equal(r.operation, VSTOR_OP_ENUMERATE_BUS);
	sfx_free(x);
}

/* Two writes and a flush in flight at once over the thread engine: each
 * completes exactly once with its own tid, in whatever order. */
static void test_storvsp__many_in_flight__each_completed_once(void **state)
{
	(void)state;
	struct sfx *x = sfx_new("ws2022", VSTOR_VERSION_WIN10, 0, false);
	struct vstor_packet r;
	unsigned seen[8] = { 0 };
	handshake(x, linux_tries, 5);
	for (uint64_t t = 1; t <= 8; t++) {
		uint8_t w10[10] = { 0x2a, 0, 0, 0, 0, (uint8_t)t, 0, 0, 1, 0 };
		srb_send(x, t, 0, w10, 10, VSTOR_DATA_WRITE, 512, 512, (uint32_t)(t * 512));
	}
	for (int i = 0; i < 8; i++) {
		uint64_t tid = 0;
		int n = recv_pkt(x, &r, &tid, NULL);
		for (int k = 0; n < 0 && k < 1000; k++) {
			sfx_kick(x);
			n = recv_pkt(x, &r, &tid, NULL);
		}
		assert_int_equal(n, 64);
		assert_true(tid >= 1 && tid <= 8);
		seen[tid - 1]++;
		assert_int_equal(r.u.srb.srb_status, VSTOR_SRB_STATUS_SUCCESS);
	}
	for (int i = 0; i < 8; i++)
		assert_int_equal(seen[i], 1);
	struct storvsp_stats st;
	storvsp_get_stats(x->sv, &st);
	assert_int_equal(st.inflight, 0);
	sfx_free(x);
}

static void test_storvsp__subchannels__offered_once_then_refused(void **state)
{
	(void)state;
	struct sfx *x = sfx_new("ws2022", VSTOR_VERSION_WIN10, 2, false);
	handshake(x, linux_tries, 5);
	assert_int_equal(op(x, VSTOR_OP_CREATE_SUB_CHANNELS, 3, 64), VSTOR_STATUS_INVALID_PARAMETER);
	assert_int_equal(op(x, VSTOR_OP_CREATE_SUB_CHANNELS, 2, 64), 0);
	assert_int_equal(op(x, VSTOR_OP_CREATE_SUB_CHANNELS, 1, 64), VSTOR_STATUS_INVALID_DEVICE_STATE);
	struct storvsp_stats st;
	storvsp_get_stats(x->sv, &st);
	assert_int_equal(st.subchannels, 2);
	sfx_free(x);
}

/* ---- bad inputs ------------------------------------------------------------------- */

static void test_storvsp__srb_before_end_init__invalid_device_state(void **state)
{
	(void)state;
	struct sfx *x = sfx_new("ws2022", VSTOR_VERSION_WIN10, 0, false);
	assert_int_equal(op(x, VSTOR_OP_BEGIN_INITIALIZATION, 0, 64), 0);
	assert_int_equal(op(x, VSTOR_OP_EXECUTE_SRB, 0, 64), VSTOR_STATUS_INVALID_DEVICE_STATE);
	assert_int_equal(op(x, VSTOR_OP_END_INITIALIZATION, 0, 64), VSTOR_STATUS_INVALID_DEVICE_STATE);
	sfx_free(x);
}

static void expect_closed(struct sfx *x)
{
	struct storvsp_stats st;
	storvsp_get_stats(x->sv, &st);
	assert_int_equal(st.closes, 1);
}

static void test_storvsp__packet_shorter_than_header__closed(void **state)
{
	(void)state;
	struct sfx *x = sfx_new("ws2022", VSTOR_VERSION_WIN10, 0, false);
	struct vstor_packet p = { .operation = VSTOR_OP_BEGIN_INITIALIZATION };
	send_req(x, &p, 8, 1, true);
	expect_closed(x);
	sfx_free(x);
}

static void test_storvsp__srb_not_transactional__closed(void **state)
{
	(void)state;
	struct sfx *x = sfx_new("ws2022", VSTOR_VERSION_WIN10, 0, false);
	struct vstor_packet p;
	handshake(x, linux_tries, 5);
	memset(&p, 0, sizeof(p));
	p.operation = VSTOR_OP_EXECUTE_SRB;
	p.u.srb.cdb_length = 6;
	send_req(x, &p, 64, 1, false);
	expect_closed(x);
	sfx_free(x);
}

static void test_storvsp__srb_length_past_packet__closed(void **state)
{
	(void)state;
	struct sfx *x = sfx_new("ws2022", VSTOR_VERSION_WIN7, 0, false);
	struct vstor_packet p;
	handshake(x, linux_tries, 5);
	assert_int_equal(x->pkt_size, 48);
	memset(&p, 0, sizeof(p));
	p.operation = VSTOR_OP_EXECUTE_SRB;
	p.u.srb.length = 52;   /* Win8 size on a Win7 channel sending 48 bytes */
	p.u.srb.cdb_length = 6;
	send_req(x, &p, 48, 1, true);
	expect_closed(x);
	sfx_free(x);
}

static void srb_bad(struct sfx *x, uint8_t cdb_len, uint8_t sense_len, uint8_t data_in, uint32_t xfer,
		    uint32_t range)
{
	struct vstor_packet r;
	static const uint8_t r10[16] = { 0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0 };
	struct vstor_packet p;
	if (sense_len == 20 && cdb_len && cdb_len <= 16 && data_in < 3) {
		srb_send(x, 77, 0, r10, cdb_len, data_in, xfer, range, 0);
	} else {
		memset(&p, 0, sizeof(p));
		p.operation = VSTOR_OP_EXECUTE_SRB;
		p.flags = 1;
		p.u.srb.length = 52;
		p.u.srb.cdb_length = cdb_len;
		p.u.srb.sense_info_length = sense_len;
		p.u.srb.data_in = data_in;
		p.u.srb.data_transfer_length = xfer;
		memcpy(p.u.srb.u.cdb, r10, 16);
		send_req(x, &p, 64, 77, true);
	}
	srb_recv(x, 77, &r);
	assert_int_equal(r.u.srb.srb_status & VSTOR_SRB_STATUS_MASK, VSTOR_SRB_STATUS_INVALID_REQUEST);
	assert_int_equal(r.u.srb.data_transfer_length, 0);
}

static void test_storvsp__bad_srb_fields__invalid_request(void **state)
{
	(void)state;
	struct sfx *x = sfx_new("ws2022", VSTOR_VERSION_WIN10, 0, false);
	handshake(x, linux_tries, 5);
	srb_bad(x, 0, 20, VSTOR_DATA_READ, 0, 0);        /* cdb_length 0 */
	srb_bad(x, 17, 20, VSTOR_DATA_READ, 0, 0);       /* cdb_length 17 */
	srb_bad(x, 10, 21, VSTOR_DATA_READ, 0, 0);       /* sense > buffer */
	srb_bad(x, 10, 20, 3, 0, 0);                     /* data_in 3 */
	srb_bad(x, 10, 20, VSTOR_DATA_READ, 512, 0);     /* data without a page list */
	srb_bad(x, 10, 20, VSTOR_DATA_READ, 1024, 512);  /* transfer > GPA range */
	srb_bad(x, 10, 20, VSTOR_DATA_WRITE, 512, 512);  /* data_in inconsistent with READ */
	struct storvsp_stats st;
	storvsp_get_stats(x->sv, &st);
	assert_int_equal(st.closes, 0);
	sfx_free(x);
}

static void test_storvsp__reset_bus__success(void **state)
{
	(void)state;
	struct sfx *x = sfx_new("ws2022", VSTOR_VERSION_WIN10, 0, false);
	handshake(x, linux_tries, 5);
	assert_int_equal(op(x, VSTOR_OP_RESET_BUS, 0, 64), 0);
	assert_int_equal(op(x, VSTOR_OP_RESET_LUN, 0, 64), 0);
	assert_int_equal(op(x, VSTOR_OP_RESET_ADAPTER, 0, 64), 0);
	assert_int_equal(op(x, 0x77, 0, 64), VSTOR_STATUS_INVALID_DEVICE_REQUEST);
	sfx_free(x);
}

/* Collect completions until n arrived (or the back end stops producing);
 * seen[tid - 1] counts each tid, the statuses must all be 'srb_status'. */
static unsigned collect(struct sfx *x, unsigned *seen, unsigned nseen, unsigned n, uint8_t srb_status)
{
	struct vstor_packet r;
	unsigned got = 0;
	for (int idle = 0; got < n && idle < 1000;) {
		uint64_t tid = 0;
		uint16_t type = 0;
		int len = recv_pkt(x, &r, &tid, &type);
		if (len < 0) {
			sfx_kick(x);
			idle++;
			continue;
		}
		assert_int_equal(len, 64);
		assert_int_equal(type, VMBUS_PKT_COMP);
		assert_int_equal(r.operation, VSTOR_OP_COMPLETE_IO);
		assert_true(tid >= 1 && tid <= nseen);
		assert_int_equal(r.u.srb.srb_status & VSTOR_SRB_STATUS_MASK, srb_status);
		seen[tid - 1]++;
		got++;
	}
	return got;
}

/* RELIABILITY #83: a bus, LUN and adapter reset while 256 SRBs (the queue
 * depth) are in flight: the resets are answered, every SRB completes
 * exactly once (this host lets the back end finish them: success), none
 * twice, nothing is left in flight. */
static void test_storvsp__reset_with_256_in_flight__each_completed_once(void **state)
{
	(void)state;
	struct sfx *x = sfx_new("ws2022", VSTOR_VERSION_WIN10, 0, false);
	handshake(x, linux_tries, 5);
	static unsigned seen[256];
	memset(seen, 0, sizeof seen);
	x->hold = true;
	for (uint64_t t = 1; t <= 256; t++) {
		uint8_t r10[10] = { 0x28, 0, 0, 0, (uint8_t)(t >> 8), (uint8_t)t, 0, 0, 1, 0 };
		srb_send(x, t, 0, r10, 10, VSTOR_DATA_READ, 512, 512, (uint32_t)((t % 16) * 512));
	}
	struct storvsp_stats st;
	storvsp_get_stats(x->sv, &st);
	assert_int_equal(st.inflight, 256);
	assert_int_equal(st.busy, 0);
	/* The resets' replies are in-band completions of their own ids. */
	static const uint32_t resets[3] = { VSTOR_OP_RESET_BUS, VSTOR_OP_RESET_LUN,
					    VSTOR_OP_RESET_ADAPTER };
	for (unsigned i = 0; i < 3; i++) {
		struct vstor_packet p, r;
		uint64_t tid = 0;
		memset(&p, 0, sizeof p);
		p.operation = resets[i];
		p.flags = VSTOR_FLAG_REQUEST_COMPLETION;
		send_req(x, &p, 64, 0x1000 + i, true);
		int n;
		/* SRB completions may come first once the back end finished. */
		while ((n = recv_pkt(x, &r, &tid, NULL)) > 0 && tid != 0x1000 + i) {
			assert_true(tid >= 1 && tid <= 256);
			seen[tid - 1]++;
		}
		assert_int_equal(n, 64);
		assert_int_equal(r.operation, VSTOR_OP_COMPLETE_IO);
		assert_int_equal(r.status, 0);
	}
	x->hold = false;
	unsigned before = 0;
	for (unsigned i = 0; i < 256; i++)
		before += seen[i];
	assert_int_equal(collect(x, seen, 256, 256 - before, VSTOR_SRB_STATUS_SUCCESS), 256 - before);
	for (unsigned i = 0; i < 256; i++)
		assert_int_equal(seen[i], 1);
	/* Nothing more arrives: none completed twice. */
	struct vstor_packet r;
	sfx_kick(x);
	assert_true(recv_pkt(x, &r, NULL, NULL) < 0);
	storvsp_get_stats(x->sv, &st);
	assert_int_equal(st.inflight, 0);
	assert_int_equal(st.closes, 0);
	sfx_free(x);
}

/* RELIABILITY #84: the guest reuses a transaction id while the first
 * request with it is still in flight: the host does not care (ids are
 * opaque to it) and echoes the id in both completions; both writes land. */
static void test_storvsp__tid_reused_in_flight__both_echoed(void **state)
{
	(void)state;
	struct sfx *x = sfx_new("ws2022", VSTOR_VERSION_WIN10, 0, false);
	handshake(x, linux_tries, 5);
	memset(bufp(x, 0), 0xA1, 512);
	memset(bufp(x, 512), 0xB2, 512);
	x->hold = true;
	uint8_t w1[10] = { 0x2a, 0, 0, 0, 0, 3, 0, 0, 1, 0 };
	uint8_t w2[10] = { 0x2a, 0, 0, 0, 0, 4, 0, 0, 1, 0 };
	srb_send(x, 7, 0, w1, 10, VSTOR_DATA_WRITE, 512, 512, 0);
	srb_send(x, 7, 0, w2, 10, VSTOR_DATA_WRITE, 512, 512, 512);
	struct storvsp_stats st;
	storvsp_get_stats(x->sv, &st);
	assert_int_equal(st.inflight, 2);
	x->hold = false;
	unsigned seen[7] = { 0 };
	assert_int_equal(collect(x, seen, 7, 2, VSTOR_SRB_STATUS_SUCCESS), 2);
	assert_int_equal(seen[6], 2);
	/* Read both blocks back: each write went to its own LBA. */
	uint8_t r10[10] = { 0x28, 0, 0, 0, 0, 3, 0, 0, 2, 0 };
	memset(bufp(x, 4096), 0, 1024);
	srb_send(x, 1, 0, r10, 10, VSTOR_DATA_READ, 1024, 1024, 4096);
	memset(seen, 0, sizeof seen);
	assert_int_equal(collect(x, seen, 7, 1, VSTOR_SRB_STATUS_SUCCESS), 1);
	for (unsigned i = 0; i < 512; i++) {
		assert_int_equal(bufp(x, 4096)[i], 0xA1);
		assert_int_equal(bufp(x, 4096 + 512)[i], 0xB2);
	}
	storvsp_get_stats(x->sv, &st);
	assert_int_equal(st.inflight, 0);
	assert_int_equal(st.closes, 0);
	sfx_free(x);
}

/* RELIABILITY #75/#76, "count 0 with non-zero transfer length": READ(10)
 * and WRITE(10) of 0 blocks with a 512-byte buffer.  SBC: a transfer
 * length of 0 moves nothing and is not an error, so this host answers GOOD
 * with data_transfer_length 0 (the whole buffer is residual) and leaves
 * the guest buffer and the disk untouched; never a read past the buffer. */
static void test_storvsp__count_0_nonzero_transfer_length__good_nothing_moved(void **state)
{
	(void)state;
	struct sfx *x = sfx_new("ws2022", VSTOR_VERSION_WIN10, 0, false);
	struct vstor_packet r;
	handshake(x, linux_tries, 5);
	memset(bufp(x, 0), 0x5C, 512);
	uint8_t rd0[10] = { 0x28, 0, 0, 0, 0, 2, 0, 0, 0, 0 };
	srb_send(x, 1, 0, rd0, 10, VSTOR_DATA_READ, 512, 512, 0);
	srb_recv(x, 1, &r);
	assert_int_equal(r.u.srb.srb_status & VSTOR_SRB_STATUS_MASK, VSTOR_SRB_STATUS_SUCCESS);
	assert_int_equal(r.u.srb.scsi_status, 0);
	assert_int_equal(r.u.srb.data_transfer_length, 0);
	for (unsigned i = 0; i < 512; i++)
		assert_int_equal(bufp(x, 0)[i], 0x5C);
	uint8_t wr0[10] = { 0x2a, 0, 0, 0, 0, 2, 0, 0, 0, 0 };
	srb_send(x, 2, 0, wr0, 10, VSTOR_DATA_WRITE, 512, 512, 0);
	srb_recv(x, 2, &r);
	assert_int_equal(r.u.srb.srb_status & VSTOR_SRB_STATUS_MASK, VSTOR_SRB_STATUS_SUCCESS);
	assert_int_equal(r.u.srb.data_transfer_length, 0);
	/* The disk still reads zeros at LBA 2. */
	uint8_t rd1[10] = { 0x28, 0, 0, 0, 0, 2, 0, 0, 1, 0 };
	srb_send(x, 3, 0, rd1, 10, VSTOR_DATA_READ, 512, 512, 0);
	srb_recv(x, 3, &r);
	assert_int_equal(r.u.srb.data_transfer_length, 512);
	for (unsigned i = 0; i < 512; i++)
		assert_int_equal(bufp(x, 0)[i], 0);
	/* Count 0 at an LBA past the end is still out of range (05/21/00). */
	uint8_t rdx[10] = { 0x28, 0, 0, 0x10, 0, 0, 0, 0, 0, 0 };
	srb_send(x, 4, 0, rdx, 10, VSTOR_DATA_READ, 512, 512, 0);
	srb_recv(x, 4, &r);
	assert_int_equal(r.u.srb.scsi_status, SCSI_STATUS_CHECK_CONDITION);
	assert_int_equal(r.u.srb.data_transfer_length, 0);
	sfx_free(x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_storvsp__handshake_win10_host__win10),
		cmocka_unit_test(test_storvsp__handshake_win8_1_host__falls_back),
		cmocka_unit_test(test_storvsp__handshake_win7_host__48_byte_packets),
		cmocka_unit_test(test_storvsp__unsupported_version__revision_mismatch_state_kept),
		cmocka_unit_test(test_storvsp__properties_win8__multichannel_and_max_transfer),
		cmocka_unit_test(test_storvsp__write_then_read_gpa_direct__data_roundtrip),
		cmocka_unit_test(test_storvsp__check_condition__autosense_and_ntstatus),
		cmocka_unit_test(test_storvsp__absent_lun__inquiry_7f_and_invalid_lun),
		cmocka_unit_test(test_storvsp__phantom_quirk__tur_good_on_absent_lun),
		cmocka_unit_test(test_storvsp__report_luns_any_lun_address__target_list),
		cmocka_unit_test(test_storvsp__many_in_flight__each_completed_once),
		cmocka_unit_test(test_storvsp__subchannels__offered_once_then_refused),
		cmocka_unit_test(test_storvsp__srb_before_end_init__invalid_device_state),
		cmocka_unit_test(test_storvsp__packet_shorter_than_header__closed),
		cmocka_unit_test(test_storvsp__srb_not_transactional__closed),
		cmocka_unit_test(test_storvsp__srb_length_past_packet__closed),
		cmocka_unit_test(test_storvsp__bad_srb_fields__invalid_request),
		cmocka_unit_test(test_storvsp__reset_bus__success),
		cmocka_unit_test(test_storvsp__reset_with_256_in_flight__each_completed_once),
		cmocka_unit_test(test_storvsp__tid_reused_in_flight__both_echoed),
		cmocka_unit_test(test_storvsp__count_0_nonzero_transfer_length__good_nothing_moved),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
