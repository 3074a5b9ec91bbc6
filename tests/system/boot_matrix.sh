#!/usr/bin/env bash
# boot_matrix.sh BUILD SRC -- boot on 1, 2 and 4 vCPUs in both transports,
# and every platform scenario in both; the same seed must print the same
# run twice in inproc mode.
set -u
build=$1 src=$2
hvsim=$build/hvsim
fails=0 n=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

run() { # run EXPECTED_STATUS ARGS...
  local want=$1; shift
  n=$((n + 1))
  out=$(timeout 120 "$hvsim" run "$@" 2>&1 </dev/null); got=$?
  if [ "$got" != "$want" ]; then
    echo "FAIL: hvsim run $* -> $got (want $want)"; echo "$out" | tail -20
    fails=$((fails + 1))
  fi
}

for cpus in 1 2 4; do
  sed -e "s/\"vcpus\": 2/\"vcpus\": $cpus/g" "$src/scenarios/boot.json" >"$tmp/boot-$cpus.json"
  for mode in inproc split; do
    run 0 --mode "$mode" "$tmp/boot-$cpus.json"
  done
done
for mode in inproc split; do
  run 0 --mode "$mode" "$src/scenarios/platform"
done

# An expectation that does not hold fails with status 1.
sed -e 's/"hyperv_tsc_page"/"pit"/' "$src/scenarios/boot.json" >"$tmp/wrong.json"
run 1 "$tmp/wrong.json"

# Same seed, same run (inproc is deterministic; wall times differ, so
# compare everything but them).
strip() { sed -E 's/ +[0-9.]+ (ms|s) wall//g'; }
a=$("$hvsim" run --seed 42 "$src/scenarios/boot.json" 2>&1 | strip)
b=$("$hvsim" run --seed 42 "$src/scenarios/boot.json" 2>&1 | strip)
n=$((n + 1))
if [ "$a" != "$b" ]; then
  echo "FAIL: two runs with seed 42 differ"; diff <(echo "$a") <(echo "$b") | head
  fails=$((fails + 1))
fi

echo "$((n - fails)) passed, $fails failed"
[ "$fails" -eq 0 ]
