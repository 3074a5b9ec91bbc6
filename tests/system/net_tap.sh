#!/usr/bin/env bash
# net_tap.sh BUILD SRC -- real Linux traffic through the network back ends:
# (1) ping from a namespace over a TAP to the built-in peer; (2) two
# namespaces joined TAP -> NIC-to-NIC pair -> TAP with offloads on: ping,
# then a bounded iperf3 TCP run; the capture of tap0 is checked by tshark
# for malformed frames and bad IP/TCP/UDP checksums.  Needs root and
# /dev/net/tun; skipped (exit 0 with a note) without them.  Cleans up
# namespaces even on failure.
set -u
build=$1 src=$2
relay=$build/bench/bench_netbe
if [ "$(id -u)" -ne 0 ] || [ ! -c /dev/net/tun ] || ! command -v ip >/dev/null; then
  echo "SKIP: needs root, /dev/net/tun and iproute2"; exit 0
fi
[ -x "$relay" ] || { echo "FAIL: $relay not built"; exit 1; }
tmp=$(mktemp -d)
sfx=$$
nsA=hvnbA$sfx nsB=hvnbB$sfx
relay_pid=
cleanup() {
  [ -n "$relay_pid" ] && kill "$relay_pid" 2>/dev/null && wait "$relay_pid" 2>/dev/null
  ip netns del "$nsA" 2>/dev/null; ip netns del "$nsB" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

wait_link() { # ns dev
  for _ in $(seq 1 100); do ip -n "$1" link show "$2" >/dev/null 2>&1 && return 0; sleep 0.05; done
  return 1
}

stop_relay() {
  kill "$relay_pid" 2>/dev/null; wait "$relay_pid" 2>/dev/null; relay_pid=
}

# 1. ping the built-in peer.
ip netns add "$nsA" || { echo "SKIP: cannot make namespaces"; exit 0; }
"$relay" tap-peer nbp0 "$nsA" 10.250.0.1 --pcap "$tmp/peer.pcap" --seconds 60 >"$tmp/peer.out" 2>&1 &
relay_pid=$!
if wait_link "$nsA" nbp0; then
  ip -n "$nsA" addr add 10.250.0.2/24 dev nbp0
  if ip netns exec "$nsA" ping -c 3 -W 1 -i 0.2 10.250.0.1 >"$tmp/ping1" 2>&1; then
    echo "ok: ping to the built-in peer"
  else
    fail "ping to the built-in peer"; cat "$tmp/ping1"
  fi
else
  fail "tap nbp0 did not appear"; cat "$tmp/peer.out"
fi
stop_relay
ip netns del "$nsA"

# 2. two namespaces through TAP -> pair -> TAP, offloads on.
ip netns add "$nsA"; ip netns add "$nsB"
"$relay" tap-pair nbt0 "$nsA" nbt1 "$nsB" --offload --pcap "$tmp/pair.pcap" --seconds 120 >"$tmp/pair.out" 2>&1 &
relay_pid=$!
if wait_link "$nsA" nbt0 && wait_link "$nsB" nbt1; then
  ip -n "$nsA" addr add 10.251.0.1/24 dev nbt0
  ip -n "$nsB" addr add 10.251.0.2/24 dev nbt1
  ip -n "$nsA" link set lo up; ip -n "$nsB" link set lo up
  if ip netns exec "$nsA" ping -c 3 -W 1 -i 0.2 10.251.0.2 >"$tmp/ping2" 2>&1; then
    echo "ok: ping across the NIC-to-NIC pair"
  else
    fail "ping across the pair"; cat "$tmp/ping2"
  fi
  if command -v iperf3 >/dev/null; then
    ip netns exec "$nsB" timeout 20 iperf3 -s -1 -B 10.251.0.2 >"$tmp/iperf_s" 2>&1 &
    srv=$!
    sleep 0.5
    if ip netns exec "$nsA" timeout 20 iperf3 -c 10.251.0.2 -n 8M -f m >"$tmp/iperf_c" 2>&1; then
      echo "ok: iperf3 across the pair: $(grep -E 'receiver' "$tmp/iperf_c" | awk '{print $(NF-2), $(NF-1)}')"
    else
      fail "iperf3 across the pair"; tail -5 "$tmp/iperf_c"
    fi
    wait "$srv" 2>/dev/null
  else
    echo "note: iperf3 not installed, TCP run skipped"
  fi
else
  fail "taps did not appear"; cat "$tmp/pair.out"
fi
stop_relay
cat "$tmp/pair.out"

# 3. The captures: tshark finds no malformed frame and no bad checksum.
if command -v tshark >/dev/null; then
  for cap in "$tmp/peer.pcap" "$tmp/pair.pcap"; do
    [ -s "$cap" ] || { fail "no capture $cap"; continue; }
    total=$(tshark -r "$cap" 2>/dev/null | wc -l)
    bad=$(tshark -r "$cap" -o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE \
            -o udp.check_checksum:TRUE \
            -Y 'ip.checksum.status == "Bad" || tcp.checksum.status == "Bad" || udp.checksum.status == "Bad" || _ws.malformed || _ws.expert.severity >= error' \
            2>/dev/null | wc -l)
    if [ "$total" -gt 0 ] && [ "$bad" -eq 0 ]; then
      echo "ok: tshark: $(basename "$cap"): $total frames, none malformed or with a bad checksum"
    else
      fail "tshark: $(basename "$cap"): $bad bad of $total"
      tshark -r "$cap" -o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE -o udp.check_checksum:TRUE \
        -Y 'ip.checksum.status == "Bad" || tcp.checksum.status == "Bad" || udp.checksum.status == "Bad" || _ws.malformed || _ws.expert.severity >= error' 2>/dev/null | head -5
    fi
  done
else
  echo "note: tshark not installed, capture check skipped"
fi

[ "$fails" -eq 0 ] && echo "net_tap: all passed" || echo "net_tap: $fails failed"
exit $((fails > 0))
