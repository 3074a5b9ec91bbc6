#!/usr/bin/env bash
# capture_seeds.sh BUILD SRC -- fuzz seeds from a capture: a scenario with a
# NIC, a disk and the ICs, captured in both transports, becomes a seed for
# each of the nine targets fuzz_capture_seeds knows, and every seed replays
# cleanly through its target; bad inputs exit 2 with a reason.
set -u
build=$1 src=$2
gen=$build/fuzz/fuzz_capture_seeds
fails=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

want="vmbs_msg vmbus_guest_msg storvsp storvsc_completion netvsp_nvsp netvsc_nvsp netvsp_rndis ic_guest ic_host"
for mode in inproc split; do
  "$build/hvsim" run -q --mode $mode --capture "$tmp/cap-$mode" "$src/scenarios/quickstart.json" \
    >"$tmp/run.log" 2>&1 </dev/null || { fail "quickstart $mode"; cat "$tmp/run.log"; continue; }
  out=$("$gen" "$tmp/cap-$mode" "$tmp/seeds-$mode" quickstart 2>&1); rc=$?
  [ $rc -eq 0 ] || { fail "capture_seeds ($mode) exit $rc"; echo "$out"; continue; }
  for t in $want; do
    f=$tmp/seeds-$mode/$t/cap-quickstart
    [ -s "$f" ] || { fail "no seed for $t ($mode)"; continue; }
    # A seed is real traffic: at least a few records, each target's own format.
    grep -qE "/$t/cap-quickstart: ([3-9]|[1-9][0-9]+) records" <<<"$out" ||
      fail "$t ($mode): too few records: $(grep "/$t/" <<<"$out")"
    r=$("$build/fuzz/fuzz_${t}_replay" "$tmp/seeds-$mode/$t" 2>&1) ||
      { fail "replay of the $t seed ($mode)"; echo "$r" | tail -20; }
  done
done

# Bad inputs: no capture; a pcap that is not a VMBus capture; bad usage.
out=$("$gen" "$tmp/none" "$tmp/x" n 2>&1); rc=$?
[ $rc -eq 2 ] && grep -q 'vmbus.pcapng' <<<"$out" || fail "missing capture: exit $rc: $out"
mkdir -p "$tmp/notours" && cp "$tmp/cap-inproc/hn0.pcap" "$tmp/notours/vmbus.pcapng"
out=$("$gen" "$tmp/notours" "$tmp/x" n 2>&1); rc=$?
[ $rc -eq 2 ] && grep -q 'not hvsim' <<<"$out" || fail "foreign pcap: exit $rc: $out"
printf 'garbage' >"$tmp/notours/vmbus.pcapng"
out=$("$gen" "$tmp/notours" "$tmp/x" n 2>&1); rc=$?
[ $rc -eq 2 ] || fail "garbage file: exit $rc: $out"
out=$("$gen" "$tmp/cap-inproc" "$tmp/x" "a/b" 2>&1); rc=$?
[ $rc -eq 2 ] && grep -q usage <<<"$out" || fail "name with a slash: exit $rc"
[ -e "$tmp/x" ] && fail "a refused run wrote $tmp/x"

[ $fails -eq 0 ] && echo "capture_seeds: all checks passed"
exit $((fails > 0))
