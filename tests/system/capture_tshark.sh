#!/usr/bin/env bash
# capture_tshark.sh BUILD SRC -- `hvsim run --capture DIR` writes a VMBus
# pcapng that tshark decodes with tools/wireshark/hvsim_vmbus.lua (every
# record named, nothing malformed) and NIC pcaps with the ping in them; in
# both transports for boot, inproc for the ping (split gets NICs with devspec).
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

dir=$tmp/ping
out=$(timeout 120 "$hvsim" run --capture "$dir" "$src/scenarios/network/ping.json" 2>&1 </dev/null) ||
  { fail "ping with --capture"; echo "$out" | tail -20; }
if [ -s "$dir/vmbus.pcapng" ]; then
  decode "$dir/vmbus.pcapng"
  expect ping "netvsc DATA_INBAND .* NVSP INIT" "netvsc COMP .* NVSP INIT_COMPLETE" \
    "NVSP SEND_RNDIS_PKT (control)" "netvsc DATA_USING_XFER_PAGES .* NVSP SEND_RNDIS_PKT (data)" \
    "netvsc DATA_USING_GPA_DIRECT"
else
  fail "ping: no vmbus.pcapng"
fi
for nic in hn0 hn1; do
  [ -s "$dir/$nic.pcap" ] || fail "ping: no $dir/$nic.pcap"
done
if [ -s "$dir/hn0.pcap" ]; then
  req=$(tshark -r "$dir/hn0.pcap" -Y 'icmp.type == 8' 2>/dev/null | wc -l)
  rep=$(tshark -r "$dir/hn0.pcap" -Y 'icmp.type == 0' 2>/dev/null | wc -l)
  [ "$req" -ge 1 ] && [ "$rep" -ge 1 ] || fail "hn0.pcap: $req echo requests, $rep replies"
fi

# Several runs in one invocation: one sub-directory each, nothing overwritten.
dir=$tmp/multi
timeout 120 "$hvsim" run -q --seeds 2 --capture "$dir" "$src/scenarios/boot.json" >/dev/null 2>&1 </dev/null ||
  fail "--seeds 2 --capture"
for s in 1 2; do
  [ -s "$dir/boot-seed$s/vmbus.pcapng" ] || fail "--seeds 2: no $dir/boot-seed$s/vmbus.pcapng"
done

# A directory that cannot be made fails the run with a reason.
touch "$tmp/file"
out=$(timeout 60 "$hvsim" run --capture "$tmp/file/sub" "$src/scenarios/boot.json" 2>&1 </dev/null)
[ $? = 1 ] && echo "$out" | grep -q "capture directory" || { fail "--capture into a file"; echo "$out" | tail -5; }

[ "$fails" = 0 ] && echo "capture_tshark: all passed"
exit $((fails > 0))
