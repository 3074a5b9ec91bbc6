#!/usr/bin/env bash
# net_bridge.sh BUILD SRC -- real Linux traffic across the whole synthetic
# NIC stack: namespace G's TCP/IP -> TAP -> guest hn bridge -> hn driver ->
# VMBus rings -> host netvsp -> TAP -> namespace H.  Real `ping` and a
# bounded `iperf3 -t 2` between the namespaces.  Needs root, /dev/net/tun,
# iproute2, ping and iperf3 (skipped with a note otherwise).  Namespaces are
# removed and the session stopped by a trap, even on failure.
set -u
build=$1
bin=$build/tests/test_net_bridge
if [ "$(id -u)" -ne 0 ] || [ ! -c /dev/net/tun ] || ! command -v ip >/dev/null ||
   ! command -v ping >/dev/null || ! command -v iperf3 >/dev/null; then
  echo "SKIP: needs root, /dev/net/tun, iproute2, ping, iperf3"; exit 0
fi
[ -x "$bin" ] || { echo "FAIL: $bin not built"; exit 1; }
tmp=$(mktemp -d)
sfx=$$
nsG=hvbrG$sfx nsH=hvbrH$sfx
pid= ipid=
cleanup() {
  [ -n "$ipid" ] && kill "$ipid" 2>/dev/null && wait "$ipid" 2>/dev/null
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  ip netns del "$nsG" 2>/dev/null; ip netns del "$nsH" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
wait_link() { # ns dev
  for _ in $(seq 1 200); do ip -n "$1" link show "$2" >/dev/null 2>&1 && return 0; sleep 0.05; done
  return 1
}

ip netns add "$nsG" && ip netns add "$nsH" || { echo "SKIP: cannot make namespaces"; exit 0; }
HN_BRIDGE_NSG=$nsG HN_BRIDGE_NSH=$nsH HN_BRIDGE_SECONDS=${HN_BRIDGE_SECONDS:-12} \
  timeout 60 "$bin" >"$tmp/session.out" 2>&1 &
pid=$!
if ! wait_link "$nsG" hvg0 || ! wait_link "$nsH" hvh0; then
  fail "TAP devices did not appear"; cat "$tmp/session.out"; exit 1
fi
for _ in $(seq 1 100); do grep -q READY "$tmp/session.out" && break; sleep 0.05; done
ip -n "$nsG" addr add 10.252.0.2/24 dev hvg0 && ip -n "$nsG" link set hvg0 up
ip -n "$nsH" addr add 10.252.0.1/24 dev hvh0 && ip -n "$nsH" link set hvh0 up
ip -n "$nsG" link set lo up; ip -n "$nsH" link set lo up

if ip netns exec "$nsG" ping -c 3 -W 1 -i 0.2 10.252.0.1 >"$tmp/ping" 2>&1; then
  echo "ok: ping G -> H through hn, VMBus and netvsp"
else
  fail "ping G -> H"; cat "$tmp/ping"
fi
ip netns exec "$nsH" iperf3 -s -1 -B 10.252.0.1 >"$tmp/iperf-s" 2>&1 &
ipid=$!
sleep 0.3
if timeout 20 ip netns exec "$nsG" iperf3 -c 10.252.0.1 -t 2 -f m >"$tmp/iperf" 2>&1; then
  echo "ok: iperf3 G -> H: $(grep -E 'receiver' "$tmp/iperf" | awk '{print $(NF-2), $(NF-1)}')"
else
  fail "iperf3 G -> H"; tail -5 "$tmp/iperf"
fi
wait "$ipid" 2>/dev/null; ipid=
wait "$pid"; rc=$?; pid=
grep -E "READY|STATS" "$tmp/session.out"
[ $rc -eq 0 ] || { fail "bridge session exited $rc"; tail -20 "$tmp/session.out"; }
[ $fails -eq 0 ] && echo "PASS" || exit 1
