#!/usr/bin/env bash
# net_scenarios.sh BUILD SRC -- the network scenarios beyond the library's
# three seeds: the NIC names (hn0..hn2 by MAC) under 100 interleavings.
set -u
build=$1 src=$2
out=$(timeout 300 "$build/hvsim" run -q -j 2 --seeds 100 "$src/scenarios/network/nic-names.json" 2>&1 </dev/null)
rc=$?
if [ $rc -ne 0 ]; then
  echo "FAIL: nic-names x100 seeds: exit $rc"; echo "$out" | tail -20; exit 1
fi
echo "$out" | tail -1
echo "net_scenarios: all checks passed"
