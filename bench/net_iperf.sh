#!/usr/bin/env bash
# net_iperf.sh BUILD [-t SECONDS] [-q QUEUES] [-m inproc|split] [--drop] -- iperf3 TCP
# between two network namespaces through hvsim (namespace G's stack -> TAP
# -> guest hn bridge -> hn -> VMBus -> netvsp -> TAP -> namespace H, the
# session is `bench_net --bridge`) beside iperf3 over a plain veth pair
# between two other namespaces in the same run; prints both rates and the
# ratio for G->H and H->G, then the bridge's counters (frames held for an
# hn slot, frames dropped).  --drop runs the old drop-when-full bridge.
# Needs root, /dev/net/tun, iproute2, iperf3.  Every namespace and process
# it made is removed by the EXIT trap, whatever happens.
set -u
build=${1:?usage: net_iperf.sh BUILD [-t SECONDS] [-q QUEUES] [-m inproc|split] [--drop]}
shift
secs=5 queues=1 mode=inproc drop=
while [ $# -gt 0 ]; do
  case $1 in
    -t) secs=$2; shift 2 ;;
    -q) queues=$2; shift 2 ;;
    -m) mode=$2; shift 2 ;;
    --drop) drop=--drop; shift ;;
    *) echo "net_iperf.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
bin=$build/bench/bench_net
if [ "$(id -u)" -ne 0 ] || [ ! -c /dev/net/tun ] || ! command -v ip >/dev/null ||
   ! command -v iperf3 >/dev/null; then
  echo "SKIP: needs root, /dev/net/tun, iproute2, iperf3"; exit 0
fi
[ -x "$bin" ] || { echo "net_iperf.sh: $bin not built" >&2; exit 1; }
tmp=$(mktemp -d)
sfx=$$
nsG=nipG$sfx nsH=nipH$sfx nsA=nipA$sfx nsB=nipB$sfx
pid= spids=
cleanup() {
  for p in $spids; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; fi
  for n in "$nsG" "$nsH" "$nsA" "$nsB"; do ip netns del "$n" 2>/dev/null; done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_link() { # ns dev
  for _ in $(seq 1 200); do ip -n "$1" link show "$2" >/dev/null 2>&1 && return 0; sleep 0.05; done
  return 1
}

# One bounded iperf3 run: ns_server addr ns_client [-R]; prints Mbit/s at the receiver.
run_iperf() {
  local nss=$1 addr=$2 nsc=$3 rev=${4:-}
  ip netns exec "$nss" timeout $((secs + 20)) iperf3 -s -1 -B "$addr" >"$tmp/srv" 2>&1 &
  local sp=$!
  spids="$spids $sp"
  for _ in $(seq 1 50); do
    ip netns exec "$nss" ss -ltn 2>/dev/null | grep -q ":5201" && break; sleep 0.05
  done
  if timeout $((secs + 15)) ip netns exec "$nsc" iperf3 -c "$addr" -t "$secs" -f m $rev \
      >"$tmp/cli" 2>&1; then
    grep -E ' receiver$' "$tmp/cli" | tail -1 | awk '{print $(NF-2)}'
  else
    echo 0; tail -3 "$tmp/cli" >&2
  fi
  wait "$sp" 2>/dev/null
}

ip netns add "$nsG" && ip netns add "$nsH" && ip netns add "$nsA" && ip netns add "$nsB" ||
  { echo "SKIP: cannot make namespaces"; exit 0; }
for n in "$nsG" "$nsH" "$nsA" "$nsB"; do ip -n "$n" link set lo up; done

# Baseline: a veth pair, same kernel, same iperf3, same seconds.
ip link add nipa$sfx type veth peer name nipb$sfx
ip link set nipa$sfx netns "$nsA"; ip link set nipb$sfx netns "$nsB"
ip -n "$nsA" addr add 10.253.0.1/24 dev nipa$sfx && ip -n "$nsA" link set nipa$sfx up
ip -n "$nsB" addr add 10.253.0.2/24 dev nipb$sfx && ip -n "$nsB" link set nipb$sfx up

# hvsim: the bridge session runs until we stop it (SIGTERM prints STATS).
"$bin" --bridge "$nsG" "$nsH" -s 600 -q "$queues" -m "$mode" $drop >"$tmp/session" 2>&1 &
pid=$!
if ! wait_link "$nsG" hvg0 || ! wait_link "$nsH" hvh0; then
  echo "net_iperf.sh: TAP devices did not appear" >&2; cat "$tmp/session" >&2; exit 1
fi
for _ in $(seq 1 100); do grep -q READY "$tmp/session" && break; sleep 0.05; done
ip -n "$nsG" addr add 10.252.0.2/24 dev hvg0 && ip -n "$nsG" link set hvg0 up
ip -n "$nsH" addr add 10.252.0.1/24 dev hvh0 && ip -n "$nsH" link set hvh0 up
ip netns exec "$nsG" ping -c 1 -W 2 10.252.0.1 >/dev/null 2>&1 ||
  ip netns exec "$nsG" ping -c 1 -W 2 10.252.0.1 >/dev/null 2>&1 ||
  { echo "net_iperf.sh: no ping through hvsim" >&2; cat "$tmp/session" >&2; exit 1; }

echo "iperf3 TCP, $secs s each, $(nproc) CPUs; hvsim: $(grep READY "$tmp/session" | sed 's/^READY //')"
printf '%-6s  %14s  %14s  %6s\n' dir "hvsim Mbit/s" "veth Mbit/s" ratio
rc=0
for dir in fwd rev; do
  r=; [ $dir = rev ] && r=-R
  v=$(run_iperf "$nsB" 10.253.0.2 "$nsA" $r)
  h=$(run_iperf "$nsH" 10.252.0.1 "$nsG" $r)
  name="G->H"; [ $dir = rev ] && name="H->G"
  ratio=$(awk -v h="$h" -v v="$v" 'BEGIN { printf "%.2f", (v > 0) ? h / v : 0 }')
  printf '%-6s  %14s  %14s  %6s\n' "$name" "$h" "$v" "$ratio"
  [ "$h" = 0 ] && rc=1
done
kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; pid=
grep STATS "$tmp/session" | sed 's/^STATS /bridge: /'
exit $rc
