/* test_wire_vstor.c -- golden bytes for the storage wire headers
 * (include/hyperv/vstor.h, scsi.h): structs filled field by field and
 * compared with byte images written by hand from devices.md C.3-C.11 and
 * the T10 layouts; every constant the sheet gives a value for is checked. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hyperv/scsi.h"
#include "hyperv/vstor.h"

static void test_vstor__operation_and_version_values__match_sheet(void **state)
{
	(void)state;
	assert_int_equal(VSTOR_OP_COMPLETE_IO, 1);
	assert_int_equal(VSTOR_OP_REMOVE_DEVICE, 2);
	assert_int_equal(VSTOR_OP_EXECUTE_SRB, 3);
	assert_int_equal(VSTOR_OP_RESET_LUN, 4);
	assert_int_equal(VSTOR_OP_RESET_ADAPTER, 5);
	assert_int_equal(VSTOR_OP_RESET_BUS, 6);
	assert_int_equal(VSTOR_OP_BEGIN_INITIALIZATION, 7);
	assert_int_equal(VSTOR_OP_END_INITIALIZATION, 8);
	assert_int_equal(VSTOR_OP_QUERY_PROTOCOL_VERSION, 9);
	assert_int_equal(VSTOR_OP_QUERY_PROPERTIES, 10);
	assert_int_equal(VSTOR_OP_ENUMERATE_BUS, 11);
	assert_int_equal(VSTOR_OP_FCHBA_DATA, 12);
	assert_int_equal(VSTOR_OP_CREATE_SUB_CHANNELS, 13);
	assert_int_equal(VSTOR_VERSION_WIN6, VSTOR_VERSION(2, 0));
	assert_int_equal(VSTOR_VERSION_WIN7, VSTOR_VERSION(4, 2));
	assert_int_equal(VSTOR_VERSION_WIN8, VSTOR_VERSION(5, 1));
	assert_int_equal(VSTOR_VERSION_WIN8_1, VSTOR_VERSION(6, 0));
	assert_int_equal(VSTOR_VERSION_WIN10, VSTOR_VERSION(6, 2));
	assert_int_equal(VSTOR_VERSION_MAJOR(VSTOR_VERSION_WIN10), 6);
	assert_int_equal(VSTOR_VERSION_MINOR(VSTOR_VERSION_WIN7), 2);
	assert_int_equal(VSTOR_SRB_SIZE_WIN7, 36);
	assert_int_equal(VSTOR_SRB_SIZE_WIN8, 52);
	assert_int_equal(VSTOR_PACKET_SIZE_WIN7, 48);
	assert_int_equal(VSTOR_PACKET_SIZE_WIN8, 64);
	assert_int_equal(VSTOR_SENSE_SIZE_WIN7, 18);
	assert_int_equal(VSTOR_SENSE_SIZE_WIN8, 20);
}

static void test_vstor__status_values__match_sheet(void **state)
{
	(void)state;
	assert_int_equal(VSTOR_SRB_STATUS_SUCCESS, 0x01);
	assert_int_equal(VSTOR_SRB_STATUS_ERROR, 0x04);
	assert_int_equal(VSTOR_SRB_STATUS_BUSY, 0x05);
	assert_int_equal(VSTOR_SRB_STATUS_INVALID_REQUEST, 0x06);
	assert_int_equal(VSTOR_SRB_STATUS_SELECTION_TIMEOUT, 0x0A);
	assert_int_equal(VSTOR_SRB_STATUS_BUS_RESET, 0x0E);
	assert_int_equal(VSTOR_SRB_STATUS_DATA_OVERRUN, 0x12);
	assert_int_equal(VSTOR_SRB_STATUS_REQUEST_FLUSHED, 0x16);
	assert_int_equal(VSTOR_SRB_STATUS_INVALID_LUN, 0x20);
	assert_int_equal(VSTOR_SRB_STATUS_INTERNAL_ERROR, 0x30);
	assert_int_equal(VSTOR_SRB_STATUS_AUTOSENSE_VALID, 0x80);
	assert_int_equal(VSTOR_SRB_STATUS_QUEUE_FROZEN, 0x40);
	assert_int_equal(VSTOR_SRB_FLAG_DATA_IN, 0x40);
	assert_int_equal(VSTOR_SRB_FLAG_DATA_OUT, 0x80);
	assert_int_equal(VSTOR_SRB_FLAG_DISABLE_SYNCH_TRANSFER, 0x8);
	assert_int_equal(VSTOR_STATUS_REVISION_MISMATCH, 0xC0000059u);
	assert_int_equal(VSTOR_STATUS_INVALID_DEVICE_STATE, 0xC0000184u);
	assert_int_equal(VSTOR_STATUS_DEVICE_DOES_NOT_EXIST, 0xC00000C0u);
	assert_int_equal(VSTOR_STATUS_IO_DEVICE_ERROR, 0xC0000185u);
	assert_int_equal(VSTOR_STATUS_DEVICE_BUSY, 0x80000011u);
}

/* A Win8 EXECUTE_SRB: READ(10) of 8 blocks at LBA 0x12345678 on path 0,
 * target 1, LUN 3, 4096 bytes, tagged, as Linux fills it. */
static void test_vstor__execute_srb_read10_win8__golden(void **state)
{
	static const uint8_t golden[64] = {
		0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, /* op 3, flags 1 */
		0x00, 0x00, 0x00, 0x00,                         /* status */
		0x34, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, /* len 52, port/path 0, target 1, lun 3 */
		0x0a, 0x14, 0x01, 0x00,                         /* cdb 10, sense 20, READ */
		0x00, 0x10, 0x00, 0x00,                         /* 4096 bytes */
		0x28, 0x00, 0x12, 0x34, 0x56, 0x78, 0x00, 0x00, /* READ(10) */
		0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00,                         /* union tail */
		0x00, 0x00, 0xff, 0x20,                         /* reserve, tag 0xff, simple */
		0x4a, 0x01, 0x00, 0x00,                         /* flags QAE|DSYNC|DATA_IN|NOFREEZE */
		0x3c, 0x00, 0x00, 0x00,                         /* 60 s */
		0x00, 0x00, 0x00, 0x00,
	};
	struct vstor_packet p;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.operation = VSTOR_OP_EXECUTE_SRB;
	p.flags = VSTOR_FLAG_REQUEST_COMPLETION;
	p.u.srb.length = (uint16_t)VSTOR_SRB_SIZE_WIN8;
	p.u.srb.target_id = 1;
	p.u.srb.lun = 3;
	p.u.srb.cdb_length = 10;
	p.u.srb.sense_info_length = VSTOR_SENSE_SIZE_WIN8;
	p.u.srb.data_in = VSTOR_DATA_READ;
	p.u.srb.data_transfer_length = 4096;
	p.u.srb.u.cdb[0] = SCSI_OP_READ_10;
	p.u.srb.u.cdb[2] = 0x12;
	p.u.srb.u.cdb[3] = 0x34;
	p.u.srb.u.cdb[4] = 0x56;
	p.u.srb.u.cdb[5] = 0x78;
	p.u.srb.u.cdb[SCSI_CDB10_OFF_LEN + 1] = 8;
	p.u.srb.queue_tag = VSTOR_QUEUE_TAG_UNTAGGED;
	p.u.srb.queue_action = VSTOR_QUEUE_ACTION_SIMPLE;
	p.u.srb.srb_flags = VSTOR_SRB_FLAG_QUEUE_ACTION_ENABLE | VSTOR_SRB_FLAG_DISABLE_SYNCH_TRANSFER |
			    VSTOR_SRB_FLAG_DATA_IN | VSTOR_SRB_FLAG_NO_QUEUE_FREEZE;
	p.u.srb.time_out_value = 60;
	assert_memory_equal(&p, golden, sizeof(golden));
}

/* The same request before WIN8: 48 bytes, no extension. */
static void test_vstor__execute_srb_win7_prefix__golden(void **state)
{
	static const uint8_t golden[48] = {
		0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00,
		0x24, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* len 36, lun 0 */
		0x06, 0x12, 0x02, 0x00,                         /* cdb 6, sense 18, no data */
		0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* TEST UNIT READY */
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00,
	};
	struct vstor_packet p;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.operation = VSTOR_OP_EXECUTE_SRB;
	p.flags = VSTOR_FLAG_REQUEST_COMPLETION;
	p.u.srb.length = (uint16_t)VSTOR_SRB_SIZE_WIN7;
	p.u.srb.cdb_length = 6;
	p.u.srb.sense_info_length = VSTOR_SENSE_SIZE_WIN7;
	p.u.srb.data_in = VSTOR_DATA_UNKNOWN;
	p.u.srb.u.cdb[0] = SCSI_OP_TEST_UNIT_READY;
	assert_memory_equal(&p, golden, VSTOR_PACKET_SIZE_WIN7);
}

/* Host reply: CHECK CONDITION with autosense (ILLEGAL REQUEST / LBA OUT OF
 * RANGE), SRB ERROR, no data moved. */
static void test_vstor__complete_io_with_sense__golden(void **state)
{
	static const uint8_t golden[64] = {
		0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x85, 0x01, 0x00, 0xc0,                         /* IO_DEVICE_ERROR */
		0x34, 0x00, 0x84, 0x02, 0x00, 0x00, 0x00, 0x00, /* ERROR|AUTOSENSE, CHECK */
		0x10, 0x12, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x70, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x0a, /* fixed sense */
		0x00, 0x00, 0x00, 0x00, 0x21, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	};
	struct vstor_packet p;
	struct scsi_sense_fixed s;

	(void)state;
	memset(&p, 0, sizeof(p));
	memset(&s, 0, sizeof(s));
	s.response_code = SCSI_SENSE_RESPONSE_FIXED;
	s.key = SCSI_SENSE_ILLEGAL_REQUEST;
	s.additional_len = SCSI_SENSE_FIXED_ADD_LEN;
	s.asc = SCSI_ASC_OF(SCSI_ASC_LBA_OUT_OF_RANGE);
	s.ascq = SCSI_ASCQ_OF(SCSI_ASC_LBA_OUT_OF_RANGE);
	p.operation = VSTOR_OP_COMPLETE_IO;
	p.status = VSTOR_STATUS_IO_DEVICE_ERROR;
	p.u.srb.length = (uint16_t)VSTOR_SRB_SIZE_WIN8;
	p.u.srb.srb_status = VSTOR_SRB_STATUS_ERROR | VSTOR_SRB_STATUS_AUTOSENSE_VALID;
	p.u.srb.scsi_status = SCSI_STATUS_CHECK_CONDITION;
	p.u.srb.cdb_length = 16;
	p.u.srb.sense_info_length = SCSI_SENSE_FIXED_SIZE;
	p.u.srb.data_in = VSTOR_DATA_READ;
	memcpy(p.u.srb.u.sense, &s, sizeof(s));
	assert_memory_equal(&p, golden, sizeof(golden));
}

static void test_vstor__properties_version_subchannels__golden(void **state)
{
	static const uint8_t props[24] = {
		0x00, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, /* max 7 sub-channels */
		0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, /* multi-channel, 256 KiB */
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	};
	static const uint8_t ver[16] = {
		0x09, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x02, 0x06, 0x00, 0x00, /* 0x0602, rev 0 */
	};
	static const uint8_t sub[14] = {
		0x0d, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x03, 0x00,
	};
	struct vstor_packet p;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.u.props.max_channel_count = 7;
	p.u.props.flags = VSTOR_PROP_FLAG_MULTI_CHANNEL;
	p.u.props.max_transfer_bytes = 0x40000;
	assert_memory_equal(&p.u.props, props, sizeof(props));

	memset(&p, 0, sizeof(p));
	p.operation = VSTOR_OP_QUERY_PROTOCOL_VERSION;
	p.flags = VSTOR_FLAG_REQUEST_COMPLETION;
	p.u.version.major_minor = VSTOR_VERSION_WIN10;
	assert_memory_equal(&p, ver, sizeof(ver));

	memset(&p, 0, sizeof(p));
	p.operation = VSTOR_OP_CREATE_SUB_CHANNELS;
	p.flags = VSTOR_FLAG_REQUEST_COMPLETION;
	p.u.sub_channel_count = 3;
	assert_memory_equal(&p, sub, sizeof(sub));
}

static void test_scsi__opcodes_and_codes__match_sheet(void **state)
{
	(void)state;
	assert_int_equal(SCSI_OP_INQUIRY, 0x12);
	assert_int_equal(SCSI_OP_REPORT_LUNS, 0xA0);
	assert_int_equal(SCSI_OP_READ_CAPACITY_10, 0x25);
	assert_int_equal(SCSI_OP_SERVICE_ACTION_IN_16, 0x9E);
	assert_int_equal(SCSI_SAI_READ_CAPACITY_16, 0x10);
	assert_int_equal(SCSI_OP_MODE_SENSE_6, 0x1A);
	assert_int_equal(SCSI_OP_MODE_SENSE_10, 0x5A);
	assert_int_equal(SCSI_OP_READ_16, 0x88);
	assert_int_equal(SCSI_OP_WRITE_16, 0x8A);
	assert_int_equal(SCSI_OP_SYNCHRONIZE_CACHE_10, 0x35);
	assert_int_equal(SCSI_OP_SYNCHRONIZE_CACHE_16, 0x91);
	assert_int_equal(SCSI_OP_UNMAP, 0x42);
	assert_int_equal(SCSI_OP_WRITE_SAME_16, 0x93);
	assert_int_equal(SCSI_OP_START_STOP_UNIT, 0x1B);
	assert_int_equal(SCSI_OP_REQUEST_SENSE, 0x03);
	assert_int_equal(SCSI_INQ_NO_LUN, 0x7F);
	assert_int_equal(SCSI_SENSE_DATA_PROTECT, 7);
	assert_int_equal(SCSI_SENSE_MEDIUM_ERROR, 3);
	assert_int_equal(SCSI_ASC_LBA_OUT_OF_RANGE, 0x2100);
	assert_int_equal(SCSI_ASC_INVALID_FIELD_CDB, 0x2400);
	assert_int_equal(SCSI_ASC_INVALID_OPCODE, 0x2000);
	assert_int_equal(SCSI_ASC_WRITE_PROTECTED, 0x2700);
	assert_int_equal(SCSI_ASC_CAPACITY_CHANGED, 0x2A09);
}

/* Standard INQUIRY of a present disk as openvmm answers it (C.11). */
static void test_scsi__inquiry_std_msft_disk__golden(void **state)
{
	static const uint8_t golden[36] = {
		0x00, 0x00, 0x05, 0x12, 0x1f, 0x00, 0x00, 0x02,
		'M', 's', 'f', 't', ' ', ' ', ' ', ' ',
		'V', 'i', 'r', 't', 'u', 'a', 'l', ' ', 'D', 'i', 's', 'k', ' ', ' ', ' ', ' ',
		'1', '.', '0', ' ',
	};
	struct scsi_inquiry_std q;

	(void)state;
	memset(&q, 0, sizeof(q));
	q.peripheral = SCSI_PQ_CONNECTED | SCSI_TYPE_DISK;
	q.version = SCSI_VERSION_SPC3;
	q.resp_format = SCSI_INQ_HISUP | SCSI_INQ_RESP_FORMAT;
	q.additional_len = SCSI_INQ_STD_SIZE - 5;
	q.flags7 = SCSI_INQ_CMDQUE;
	memcpy(q.vendor, "Msft    ", 8);
	memcpy(q.product, "Virtual Disk    ", 16);
	memcpy(q.revision, "1.0 ", 4);
	assert_memory_equal(&q, golden, sizeof(golden));
}

static void test_scsi__read_capacity16__golden(void **state)
{
	static const uint8_t golden[32] = {
		0x00, 0x00, 0x00, 0x00, 0x00, 0x1f, 0xff, 0xff, /* last LBA 0x1fffff */
		0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x80, 0x00, /* 4096, LBPME */
	};
	struct scsi_read_capacity16 r;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.last_lba[5] = 0x1f;
	r.last_lba[6] = 0xff;
	r.last_lba[7] = 0xff;
	r.block_len[2] = 0x10;
	r.lbp_align[0] = SCSI_RC16_LBPME;
	assert_memory_equal(&r, golden, sizeof(golden));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vstor__operation_and_version_values__match_sheet),
		cmocka_unit_test(test_vstor__status_values__match_sheet),
		cmocka_unit_test(test_vstor__execute_srb_read10_win8__golden),
		cmocka_unit_test(test_vstor__execute_srb_win7_prefix__golden),
		cmocka_unit_test(test_vstor__complete_io_with_sense__golden),
		cmocka_unit_test(test_vstor__properties_version_subchannels__golden),
		cmocka_unit_test(test_scsi__opcodes_and_codes__match_sheet),
		cmocka_unit_test(test_scsi__inquiry_std_msft_disk__golden),
		cmocka_unit_test(test_scsi__read_capacity16__golden),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
