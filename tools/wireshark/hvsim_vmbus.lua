-- hvsim_vmbus.lua -- Wireshark/tshark dissector for hvsim's VMBus capture
-- (vmbus.pcapng written by `hvsim run --capture DIR` or the capture.start
-- host command).  Link type LINKTYPE_USER0 (147); each packet is a 16-byte
-- record header of hvsim's (sim/devices/capture/capture_wire.h) followed by
-- a VMBus channel message or a ring packet.  Decodes the record header,
-- channel messages by name (with the fields that matter), the ring packet
-- descriptor, and NVSP, VSTOR and IC message types by name.
--
-- Use:  tshark -X lua_script:tools/wireshark/hvsim_vmbus.lua -r DIR/vmbus.pcapng
--       wireshark -X lua_script:tools/wireshark/hvsim_vmbus.lua DIR/vmbus.pcapng
-- or copy it to ~/.local/lib/wireshark/plugins/.  Filter with "hvsim_vmbus",
-- e.g. hvsim_vmbus.relid == 5 or hvsim_vmbus.msg.type == 14.

local p = Proto("hvsim_vmbus", "hvsim VMBus capture")

local KIND = { [0] = "message", [1] = "packet" }
local DIR = { [0] = "guest->host", [1] = "host->guest" }
local DIR_SHORT = { [0] = "G->H", [1] = "H->G" }
local DEV = { [0] = "unknown", [1] = "netvsc", [2] = "storvsc", [3] = "ide",
	[4] = "heartbeat", [5] = "shutdown", [6] = "timesync", [7] = "kvp", [8] = "vss",
	[9] = "fcopy" }

local MSG = { [0] = "INVALID", [1] = "OFFERCHANNEL", [2] = "RESCIND_CHANNELOFFER",
	[3] = "REQUESTOFFERS", [4] = "ALLOFFERS_DELIVERED", [5] = "OPENCHANNEL",
	[6] = "OPENCHANNEL_RESULT", [7] = "CLOSECHANNEL", [8] = "GPADL_HEADER",
	[9] = "GPADL_BODY", [10] = "GPADL_CREATED", [11] = "GPADL_TEARDOWN",
	[12] = "GPADL_TORNDOWN", [13] = "RELID_RELEASED", [14] = "INITIATE_CONTACT",
	[15] = "VERSION_RESPONSE", [16] = "UNLOAD", [17] = "UNLOAD_RESPONSE",
	[18] = "OPEN_RESERVED_CHANNEL", [19] = "CLOSE_RESERVED_CHANNEL",
	[20] = "CLOSE_RESERVED_RESPONSE", [21] = "TL_CONNECT_REQUEST", [22] = "MODIFYCHANNEL",
	[23] = "TL_CONNECT_RESULT", [24] = "MODIFYCHANNEL_RESPONSE", [25] = "MODIFY_CONNECTION",
	[26] = "MODIFY_CONNECTION_RESPONSE", [27] = "PAUSE", [28] = "PAUSE_RESPONSE",
	[29] = "RESUME" }

local PKT = { [0] = "INVALID", [1] = "SYNCH", [2] = "ADD_XFER_PAGESET",
	[3] = "RM_XFER_PAGESET", [4] = "ESTABLISH_GPADL", [5] = "TEARDOWN_GPADL",
	[6] = "DATA_INBAND", [7] = "DATA_USING_XFER_PAGES", [8] = "DATA_USING_GPADL",
	[9] = "DATA_USING_GPA_DIRECT", [10] = "CANCEL_REQUEST", [11] = "COMP",
	[12] = "DATA_USING_ADDITIONAL_PKT", [13] = "ADDITIONAL_DATA" }

local VERSIONS = { [0x00000000] = "0.13 (WS2008)", [0x00010001] = "1.1 (WS2008 R2)",
	[0x00020004] = "2.4 (WS2012)", [0x00030000] = "3.0 (WS2012 R2)",
	[0x00040000] = "4.0 (WS2016)", [0x00040001] = "4.1 (RS3)", [0x00050000] = "5.0",
	[0x00050001] = "5.1", [0x00050002] = "5.2", [0x00050003] = "5.3", [0x00060000] = "6.0" }

local NVSP = { [0] = "NONE", [1] = "INIT", [2] = "INIT_COMPLETE",
	[100] = "SEND_NDIS_VERSION", [101] = "SEND_RECV_BUF", [102] = "SEND_RECV_BUF_COMPLETE",
	[103] = "REVOKE_RECV_BUF", [104] = "SEND_SEND_BUF", [105] = "SEND_SEND_BUF_COMPLETE",
	[106] = "REVOKE_SEND_BUF", [107] = "SEND_RNDIS_PKT", [108] = "SEND_RNDIS_PKT_COMPLETE",
	[109] = "SEND_CHIMNEY_DELEGATED_BUF", [122] = "FREE_RXBUF", [125] = "SEND_NDIS_CONFIG",
	[126] = "ALLOC_CHIMNEY_HANDLE", [127] = "ALLOC_CHIMNEY_HANDLE_COMP",
	[128] = "SEND_VF_ASSOCIATION", [129] = "SWITCH_DATA_PATH", [130] = "UPLINK_CONNECT_STATE",
	[131] = "OID_QUERY_EX", [132] = "OID_QUERY_EX_COMPLETE", [133] = "SUBCHANNEL",
	[134] = "SEND_INDIRECTION_TABLE", [135] = "PD_API", [136] = "PD_POST_BATCH" }
local NVSP_STATUS = { [0] = "NONE", [1] = "SUCCESS", [2] = "FAIL", [3] = "PROTOCOL_TOO_NEW",
	[4] = "PROTOCOL_TOO_OLD", [5] = "INVALID_RNDIS_PKT", [6] = "BUSY",
	[7] = "PROTOCOL_UNSUPPORTED" }
local NVSP_CHAN = { [0] = "data", [1] = "control" }

local VSTOR = { [1] = "COMPLETE_IO", [2] = "REMOVE_DEVICE", [3] = "EXECUTE_SRB",
	[4] = "RESET_LUN", [5] = "RESET_ADAPTER", [6] = "RESET_BUS",
	[7] = "BEGIN_INITIALIZATION", [8] = "END_INITIALIZATION",
	[9] = "QUERY_PROTOCOL_VERSION", [10] = "QUERY_PROPERTIES", [11] = "ENUMERATE_BUS",
	[12] = "FCHBA_DATA", [13] = "CREATE_SUB_CHANNELS", [14] = "EVENT_NOTIFICATION" }
local SCSI_OP = { [0x00] = "TEST_UNIT_READY", [0x03] = "REQUEST_SENSE", [0x12] = "INQUIRY",
	[0x1a] = "MODE_SENSE_6", [0x25] = "READ_CAPACITY_10", [0x28] = "READ_10",
	[0x2a] = "WRITE_10", [0x35] = "SYNCHRONIZE_CACHE_10", [0x42] = "UNMAP",
	[0x5a] = "MODE_SENSE_10", [0x88] = "READ_16", [0x8a] = "WRITE_16",
	[0x9e] = "SERVICE_ACTION_IN_16", [0xa0] = "REPORT_LUNS" }
local DATA_IN = { [0] = "write", [1] = "read", [2] = "none" }

local ICMSG = { [0] = "NEGOTIATE", [1] = "HEARTBEAT", [2] = "KVP", [3] = "SHUTDOWN",
	[4] = "TIMESYNC", [5] = "VSS", [7] = "FCOPY" }

local f = p.fields
f.version = ProtoField.uint8("hvsim_vmbus.version", "Record version")
f.hdr_len = ProtoField.uint8("hvsim_vmbus.hdr_len", "Record header length")
f.kind = ProtoField.uint8("hvsim_vmbus.kind", "Kind", base.DEC, KIND)
f.dir = ProtoField.uint8("hvsim_vmbus.dir", "Direction", base.DEC, DIR)
f.relid = ProtoField.uint32("hvsim_vmbus.relid", "Relid")
f.rtype = ProtoField.uint16("hvsim_vmbus.type", "Type")
f.subidx = ProtoField.uint16("hvsim_vmbus.subidx", "Sub-channel index")
f.dev = ProtoField.uint8("hvsim_vmbus.dev", "Device class", base.DEC, DEV)
f.conn = ProtoField.uint16("hvsim_vmbus.conn", "Message connection id")

f.msg_type = ProtoField.uint32("hvsim_vmbus.msg.type", "Message type", base.DEC, MSG)
f.msg_relid = ProtoField.uint32("hvsim_vmbus.msg.child_relid", "Child relid")
f.msg_version = ProtoField.uint32("hvsim_vmbus.msg.version", "VMBus version", base.HEX, VERSIONS)
f.msg_supported = ProtoField.uint8("hvsim_vmbus.msg.version_supported", "Version supported")
f.msg_target_vp = ProtoField.uint32("hvsim_vmbus.msg.target_vp", "Target VP")
f.msg_openid = ProtoField.uint32("hvsim_vmbus.msg.openid", "Open id")
f.msg_gpadl = ProtoField.uint32("hvsim_vmbus.msg.gpadl", "GPADL handle", base.HEX)
f.msg_status = ProtoField.int32("hvsim_vmbus.msg.status", "Status")
f.msg_if_type = ProtoField.guid("hvsim_vmbus.msg.if_type", "Interface type")
f.msg_if_inst = ProtoField.guid("hvsim_vmbus.msg.if_instance", "Interface instance")
f.msg_offer_sub = ProtoField.uint16("hvsim_vmbus.msg.sub_channel_index", "Sub-channel index")
f.msg_monitor = ProtoField.uint8("hvsim_vmbus.msg.monitor_id", "Monitor id")
f.msg_offer_conn = ProtoField.uint32("hvsim_vmbus.msg.connection_id", "Channel connection id", base.HEX)

f.pkt_type = ProtoField.uint16("hvsim_vmbus.pkt.type", "Packet type", base.HEX, PKT)
f.pkt_offset8 = ProtoField.uint16("hvsim_vmbus.pkt.offset8", "Payload offset / 8")
f.pkt_len8 = ProtoField.uint16("hvsim_vmbus.pkt.len8", "Packet length / 8")
f.pkt_flags = ProtoField.uint16("hvsim_vmbus.pkt.flags", "Flags", base.HEX)
f.pkt_tid = ProtoField.uint64("hvsim_vmbus.pkt.trans_id", "Transaction id", base.HEX)
f.pkt_pageset = ProtoField.uint16("hvsim_vmbus.pkt.xfer_pageset_id", "Transfer page set id")
f.pkt_ranges = ProtoField.uint32("hvsim_vmbus.pkt.range_count", "Range count")
f.pkt_payload = ProtoField.bytes("hvsim_vmbus.pkt.payload", "Payload")

f.nvsp_type = ProtoField.uint32("hvsim_vmbus.nvsp.type", "NVSP message", base.DEC, NVSP)
f.nvsp_version = ProtoField.uint32("hvsim_vmbus.nvsp.version", "NVSP version", base.HEX)
f.nvsp_status = ProtoField.uint32("hvsim_vmbus.nvsp.status", "NVSP status", base.DEC, NVSP_STATUS)
f.nvsp_chan = ProtoField.uint32("hvsim_vmbus.nvsp.channel_type", "RNDIS channel", base.DEC, NVSP_CHAN)
f.nvsp_section = ProtoField.uint32("hvsim_vmbus.nvsp.section", "Send-buffer section", base.HEX)
f.nvsp_size = ProtoField.uint32("hvsim_vmbus.nvsp.section_size", "Section bytes")

f.vstor_op = ProtoField.uint32("hvsim_vmbus.vstor.op", "VSTOR operation", base.DEC, VSTOR)
f.vstor_flags = ProtoField.uint32("hvsim_vmbus.vstor.flags", "VSTOR flags", base.HEX)
f.vstor_status = ProtoField.uint32("hvsim_vmbus.vstor.status", "VSTOR status", base.HEX)
f.vstor_lun = ProtoField.uint8("hvsim_vmbus.vstor.lun", "LUN")
f.vstor_target = ProtoField.uint8("hvsim_vmbus.vstor.target", "Target")
f.vstor_srb_status = ProtoField.uint8("hvsim_vmbus.vstor.srb_status", "SRB status", base.HEX)
f.vstor_scsi_status = ProtoField.uint8("hvsim_vmbus.vstor.scsi_status", "SCSI status", base.HEX)
f.vstor_data_in = ProtoField.uint8("hvsim_vmbus.vstor.data_in", "Data direction", base.DEC, DATA_IN)
f.vstor_xfer = ProtoField.uint32("hvsim_vmbus.vstor.data_transfer_length", "Data length")
f.vstor_cdb_op = ProtoField.uint8("hvsim_vmbus.vstor.cdb_op", "CDB opcode", base.HEX, SCSI_OP)

f.ic_type = ProtoField.uint16("hvsim_vmbus.ic.type", "IC message", base.DEC, ICMSG)
f.ic_size = ProtoField.uint16("hvsim_vmbus.ic.size", "IC message size")
f.ic_status = ProtoField.uint32("hvsim_vmbus.ic.status", "IC status", base.HEX)
f.ic_flags = ProtoField.uint8("hvsim_vmbus.ic.flags", "IC flags", base.HEX)

local function name(t, v)
	return t[v] or string.format("0x%x", v)
end

-- Little-endian field of 'len' bytes at 'off' if it fits, else nil.
local function le(tvb, off, len)
	if off + len > tvb:len() then return nil end
	return tvb(off, len):le_uint()
end

local function add_le(tree, field, tvb, off, len)
	if off + len <= tvb:len() then tree:add_le(field, tvb(off, len)) end
end

-- A channel message: returns the text for the info column.
local function dissect_msg(tvb, tree)
	local t = le(tvb, 0, 4)
	if not t then return "short message" end
	local st = tree:add(p, tvb(), "Channel message " .. name(MSG, t))
	st:add_le(f.msg_type, tvb(0, 4))
	local info = name(MSG, t)
	local relid_at = nil
	if t == 1 then -- OFFERCHANNEL
		if tvb:len() >= 196 then
			st:add(f.msg_if_type, tvb(8, 16))
			st:add(f.msg_if_inst, tvb(24, 16))
			st:add_le(f.msg_offer_sub, tvb(180, 2))
			st:add_le(f.msg_monitor, tvb(188, 1))
			st:add_le(f.msg_offer_conn, tvb(192, 4))
		end
		relid_at = 184
	elseif t == 2 or t == 6 or t == 7 or t == 13 or t == 24 then
		relid_at = 8
	elseif t == 5 then -- OPENCHANNEL
		relid_at = 8
		add_le(st, f.msg_openid, tvb, 12, 4)
		add_le(st, f.msg_gpadl, tvb, 16, 4)
		add_le(st, f.msg_target_vp, tvb, 20, 4)
	elseif t == 8 or t == 11 then -- GPADL_HEADER / TEARDOWN
		relid_at = 8
		add_le(st, f.msg_gpadl, tvb, 12, 4)
		local g = le(tvb, 12, 4)
		if g then info = info .. string.format(" gpadl 0x%x", g) end
	elseif t == 9 or t == 12 then -- GPADL_BODY / TORNDOWN
		add_le(st, f.msg_gpadl, tvb, t == 9 and 12 or 8, 4)
	elseif t == 10 then -- GPADL_CREATED
		relid_at = 8
		add_le(st, f.msg_gpadl, tvb, 12, 4)
		add_le(st, f.msg_status, tvb, 16, 4)
	elseif t == 14 then -- INITIATE_CONTACT
		add_le(st, f.msg_version, tvb, 8, 4)
		add_le(st, f.msg_target_vp, tvb, 12, 4)
		local v = le(tvb, 8, 4)
		if v then info = info .. " " .. name(VERSIONS, v) end
	elseif t == 15 then -- VERSION_RESPONSE
		add_le(st, f.msg_supported, tvb, 8, 1)
		local s = le(tvb, 8, 1)
		if s then info = info .. (s ~= 0 and " accepted" or " refused") end
	elseif t == 22 then -- MODIFYCHANNEL
		relid_at = 8
		add_le(st, f.msg_target_vp, tvb, 12, 4)
	end
	if t == 6 then -- OPENCHANNEL_RESULT: relid, openid, status
		add_le(st, f.msg_openid, tvb, 12, 4)
		add_le(st, f.msg_status, tvb, 16, 4)
		local s = le(tvb, 16, 4)
		if s then info = info .. (s == 0 and " ok" or " failed") end
	end
	if relid_at then
		add_le(st, f.msg_relid, tvb, relid_at, 4)
		local r = le(tvb, relid_at, 4)
		if r then info = info .. " relid " .. r end
	end
	return info
end

local function dissect_nvsp(tvb, tree)
	local t = le(tvb, 0, 4)
	if not t then return "" end
	local st = tree:add(p, tvb(), "NVSP " .. name(NVSP, t))
	st:add_le(f.nvsp_type, tvb(0, 4))
	if t == 1 then
		add_le(st, f.nvsp_version, tvb, 4, 4)
	elseif t == 2 then
		add_le(st, f.nvsp_status, tvb, 12, 4)
	elseif t == 102 or t == 105 or t == 108 then
		add_le(st, f.nvsp_status, tvb, 4, 4)
	elseif t == 107 then
		add_le(st, f.nvsp_chan, tvb, 4, 4)
		add_le(st, f.nvsp_section, tvb, 8, 4)
		add_le(st, f.nvsp_size, tvb, 12, 4)
		local c = le(tvb, 4, 4)
		if c then return " NVSP SEND_RNDIS_PKT (" .. name(NVSP_CHAN, c) .. ")" end
	end
	return " NVSP " .. name(NVSP, t)
end

local function dissect_vstor(tvb, tree)
	local op = le(tvb, 0, 4)
	if not op then return "" end
	local st = tree:add(p, tvb(), "VSTOR " .. name(VSTOR, op))
	st:add_le(f.vstor_op, tvb(0, 4))
	add_le(st, f.vstor_flags, tvb, 4, 4)
	add_le(st, f.vstor_status, tvb, 8, 4)
	local info = " VSTOR " .. name(VSTOR, op)
	if (op == 3 or op == 1) and tvb:len() >= 12 + 17 then
		-- the SRB follows at 12: status @2/@3, target @6, lun @7, data_in @10,
		-- length @12, CDB (request) at @16
		st:add_le(f.vstor_srb_status, tvb(14, 1))
		st:add_le(f.vstor_scsi_status, tvb(15, 1))
		st:add_le(f.vstor_target, tvb(18, 1))
		st:add_le(f.vstor_lun, tvb(19, 1))
		st:add_le(f.vstor_data_in, tvb(22, 1))
		st:add_le(f.vstor_xfer, tvb(24, 4))
		if op == 3 then
			st:add(f.vstor_cdb_op, tvb(28, 1))
			info = info .. " " .. name(SCSI_OP, tvb(28, 1):uint()) .. " lun " .. tvb(19, 1):uint()
		end
	end
	return info
end

local function dissect_ic(tvb, tree)
	-- pipe header (8) then the IC message header (20)
	if tvb:len() < 28 then return "" end
	local t = tvb(12, 2):le_uint()
	local st = tree:add(p, tvb(), "IC " .. name(ICMSG, t))
	st:add_le(f.ic_type, tvb(12, 2))
	st:add_le(f.ic_size, tvb(18, 2))
	st:add_le(f.ic_status, tvb(20, 4))
	st:add_le(f.ic_flags, tvb(25, 1))
	return " IC " .. name(ICMSG, t)
end

-- A ring packet of a channel of device class 'dev'.
local function dissect_pkt(tvb, tree, dev)
	if tvb:len() < 16 then return "short packet" end
	local t = tvb(0, 2):le_uint()
	local off = tvb(2, 2):le_uint() * 8
	local st = tree:add(p, tvb(), "Ring packet " .. name(PKT, t))
	st:add_le(f.pkt_type, tvb(0, 2))
	st:add_le(f.pkt_offset8, tvb(2, 2))
	st:add_le(f.pkt_len8, tvb(4, 2))
	st:add_le(f.pkt_flags, tvb(6, 2))
	st:add_le(f.pkt_tid, tvb(8, 8))
	local info = name(PKT, t) .. string.format(" tid 0x%x", tvb(8, 8):le_uint64():tonumber())
	if t == 7 and tvb:len() >= 24 then
		st:add_le(f.pkt_pageset, tvb(16, 2))
		st:add_le(f.pkt_ranges, tvb(20, 4))
	elseif t == 9 and tvb:len() >= 24 then
		st:add_le(f.pkt_ranges, tvb(20, 4))
	end
	if off < 16 or off >= tvb:len() then return info end
	local pl = tvb(off)
	st:add(f.pkt_payload, pl)
	if dev == 1 then
		info = info .. dissect_nvsp(pl:tvb(), tree)
	elseif dev == 2 or dev == 3 then
		info = info .. dissect_vstor(pl:tvb(), tree)
	elseif dev >= 4 and dev <= 9 then
		info = info .. dissect_ic(pl:tvb(), tree)
	end
	return info
end

function p.dissector(tvb, pinfo, tree)
	if tvb:len() < 16 then return 0 end
	local hl = tvb(1, 1):uint()
	if hl < 16 or hl > tvb:len() then return 0 end
	pinfo.cols.protocol:set("VMBus")
	local kind, dir = tvb(2, 1):uint(), tvb(3, 1):uint()
	local relid, dev = tvb(4, 4):le_uint(), tvb(12, 1):uint()
	local ht = tree:add(p, tvb(0, hl), "hvsim record: " .. name(KIND, kind) .. ", " .. name(DIR, dir))
	ht:add(f.version, tvb(0, 1))
	ht:add(f.hdr_len, tvb(1, 1))
	ht:add(f.kind, tvb(2, 1))
	ht:add(f.dir, tvb(3, 1))
	ht:add_le(f.relid, tvb(4, 4))
	ht:add_le(f.rtype, tvb(8, 2))
	ht:add_le(f.subidx, tvb(10, 2))
	ht:add(f.dev, tvb(12, 1))
	ht:add_le(f.conn, tvb(14, 2))
	local body = tvb(hl):tvb()
	local info
	if kind == 0 then
		info = name(DIR_SHORT, dir) .. " " .. dissect_msg(body, tree)
	else
		info = string.format("%s relid %d %s ", name(DIR_SHORT, dir), relid, name(DEV, dev)) ..
			dissect_pkt(body, tree, dev)
	end
	pinfo.cols.info:set(info)
	return tvb:len()
end

DissectorTable.get("wtap_encap"):add(wtap.USER0, p)
