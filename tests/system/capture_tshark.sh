#!/usr/bin/env bash
# capture_tshark.sh BUILD SRC -- `hvsim run --capture DIR` writes a VMBus
# pcapng that tshark decodes with tools/wireshark/hvsim_vmbus.lua (every
# record named, nothing malformed) and NIC pcaps with the ping in them; in
# in both transports (split: hvsim-hostd writes the files).
# tshark as root: Debian's build only warns ("could be dangerous") and still
# runs Lua given with -X lua_script:, so no special option is needed in CI.
set -u
build=$1 src=$2
hvsim=$build/hvsim
lua=$src/tools/wireshark/hvsim_vmbus.lua
fails=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

if ! command -v tshark >/dev/null; then
  echo "FAIL: tshark is not installed (scripts/install-deps installs it)"
  exit 1
fi

# decode FILE -> one summary line per record, in $tmp/decoded
decode() {
  tshark -X "lua_script:$lua" -r "$1" 2>"$tmp/tshark.err" >"$tmp/decoded"
  local rc=$?
  [ $rc -eq 0 ] || { fail "tshark -r $1 -> $rc"; cat "$tmp/tshark.err"; }
  # Lua errors show on stderr; the root warning is the only allowed line.
  if grep -v -e 'Running as user "root"' "$tmp/tshark.err" | grep -q .; then
    fail "tshark complained about $1:"; cat "$tmp/tshark.err"
  fi
  if tshark -X "lua_script:$lua" -r "$1" -V 2>/dev/null | grep -qi -e malformed -e 'Lua Error'; then
    fail "$1 has malformed records"
  fi
}

expect() { # expect FILE PATTERN...: each pattern appears in the decoded records
  local what=$1; shift
  for pat in "$@"; do
    grep -q -- "$pat" "$tmp/decoded" || fail "$what: no \"$pat\" in the decode"
  done
}

for mode in inproc split; do
  dir=$tmp/boot-$mode
  out=$(timeout 120 "$hvsim" run --mode "$mode" --capture "$dir" "$src/scenarios/boot.json" 2>&1 </dev/null) ||
    { fail "boot $mode with --capture"; echo "$out" | tail -20; continue; }
  [ -s "$dir/vmbus.pcapng" ] || { fail "boot $mode: no $dir/vmbus.pcapng"; continue; }
  decode "$dir/vmbus.pcapng"
  expect "boot $mode" "G->H INITIATE_CONTACT 5.3" "H->G VERSION_RESPONSE accepted" \
    "G->H REQUESTOFFERS" "H->G OFFERCHANNEL relid 1" "H->G ALLOFFERS_DELIVERED" \
    "G->H GPADL_HEADER" "H->G GPADL_CREATED relid 4" "G->H OPENCHANNEL relid 1" \
    "H->G OPENCHANNEL_RESULT ok relid 1" "heartbeat DATA_INBAND tid 0x1 IC NEGOTIATE" \
    "kvp DATA_INBAND .* IC KVP" "G->H CLOSECHANNEL relid 4" "H->G GPADL_TORNDOWN" \
    "G->H UNLOAD" "H->G UNLOAD_RESPONSE"
  # Every record has our link type and a name: none falls back to "Data".
  n=$(wc -l <"$tmp/decoded")
  v=$(grep -c ' VMBus ' "$tmp/decoded")
  [ "$n" -gt 20 ] && [ "$n" = "$v" ] || fail "boot $mode: $v of $n records decoded as VMBus"
done

for mode in inproc split; do
  dir=$tmp/ping-$mode
  out=$(timeout 120 "$hvsim" run --mode "$mode" --capture "$dir" "$src/scenarios/network/ping.json" 2>&1 </dev/null) ||
    { fail "ping $mode with --capture"; echo "$out" | tail -20; }
  if [ -s "$dir/vmbus.pcapng" ]; then
    decode "$dir/vmbus.pcapng"
    expect "ping $mode" "netvsc DATA_INBAND .* NVSP INIT" "netvsc COMP .* NVSP INIT_COMPLETE" \
      "NVSP SEND_RNDIS_PKT (control)" "netvsc DATA_USING_XFER_PAGES .* NVSP SEND_RNDIS_PKT (data)" \
      "netvsc DATA_USING_GPA_DIRECT"
  else
    fail "ping $mode: no vmbus.pcapng"
  fi
  for nic in hn0 hn1; do
    [ -s "$dir/$nic.pcap" ] || fail "ping $mode: no $dir/$nic.pcap"
  done
  if [ -s "$dir/hn0.pcap" ]; then
    req=$(tshark -r "$dir/hn0.pcap" -Y 'icmp.type == 8' 2>/dev/null | wc -l)
    rep=$(tshark -r "$dir/hn0.pcap" -Y 'icmp.type == 0' 2>/dev/null | wc -l)
    [ "$req" -ge 1 ] && [ "$rep" -ge 1 ] || fail "ping $mode hn0.pcap: $req echo requests, $rep replies"
  fi
done

# Several runs in one invocation: one sub-directory each, nothing overwritten.
dir=$tmp/multi
timeout 120 "$hvsim" run -q --seeds 2 --capture "$dir" "$src/scenarios/boot.json" >/dev/null 2>&1 </dev/null ||
  fail "--seeds 2 --capture"
for s in 1 2; do
  [ -s "$dir/boot-seed$s/vmbus.pcapng" ] || fail "--seeds 2: no $dir/boot-seed$s/vmbus.pcapng"
done

# Hand-made records for what no scenario drives yet (storvsc): a VSTOR
# EXECUTE_SRB (READ_10, LUN 0) and a hostile one cut short after the
# descriptor; the dissector names the first and does not call the second
# malformed.  hex WORDS... -> bytes; le32 N -> 4 bytes little-endian.
hex() { printf "$(echo "$*" | tr -d ' ' | sed 's/../\\x&/g')"; }
le32() { hex "$(printf '%02x%02x%02x%02x' $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255)))"; }
epb() { # epb HEXBYTES: one enhanced packet block at time 0
  local n=$(( $(echo "$1" | tr -d ' ' | wc -c) / 2 ))
  local pad=$(( (4 - n % 4) % 4 )) total=$(( 28 + n + (4 - n % 4) % 4 + 4 ))
  hex 06000000; le32 $total; hex 00000000 00000000 00000000; le32 $n; le32 $n
  hex "$1"; [ $pad -gt 0 ] && hex "$(printf '%0*d' $((pad * 2)) 0)"; le32 $total
}
{
  # SHB (no options) and IDB: link type 147, snaplen 0
  hex 0a0d0d0a 1c000000 4d3c2b1a 01000000 ffffffffffffffff 1c000000
  hex 01000000 14000000 9300 0000 00000000 14000000
  # record: v1, 16, packet, G->H, relid 5, type 6, sub 0, dev 2 (storvsc)
  rec="01100100 05000000 0600 0000 02 00 0000"
  # descriptor: in-band, offset8 2, len8 10, completion requested, tid 7
  desc="0600 0200 0a00 0100 0700000000000000"
  # VSTOR: EXECUTE_SRB, flags 1, status 0; SRB: length 52, target 0,
  # LUN 0, CDB length 10, sense 20, read, 4096 bytes, CDB 28 (READ_10)
  srb="03000000 01000000 00000000 3400 00 00 00 00 00 00 0a 14 01 00 00100000"
  cdb="28000000000000000800 0000000000000000000000"
  epb "$rec $desc $srb $cdb 0000 ff 20 00000000 00000000 00000000"
  epb "$rec 0600 0200 0a00 0100 0800000000000000"
} >"$tmp/synthetic.pcapng"
decode "$tmp/synthetic.pcapng"
expect synthetic "G->H relid 5 storvsc DATA_INBAND tid 0x7 VSTOR EXECUTE_SRB READ_10 lun 0" \
  "G->H relid 5 storvsc DATA_INBAND tid 0x8"

# A directory that cannot be made fails the run with a reason.
touch "$tmp/file"
out=$(timeout 60 "$hvsim" run --capture "$tmp/file/sub" "$src/scenarios/boot.json" 2>&1 </dev/null)
[ $? = 1 ] && echo "$out" | grep -q "capture directory" || { fail "--capture into a file"; echo "$out" | tail -5; }

[ "$fails" = 0 ] && echo "capture_tshark: all passed"
exit $((fails > 0))
