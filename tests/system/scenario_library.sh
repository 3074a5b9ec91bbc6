#!/usr/bin/env bash
# scenario_library.sh BUILD SRC -- the regression library: every scenario
# under scenarios/ in both transports (inproc under several seeds), and the
# CLI's run-many features: -j, --seeds, --shard, --junit, --tap, replay of a
# failing seed, and `hvsim ctl` against a daemon.
set -u
build=$1 src=$2
hvsim=$build/hvsim
fails=0
tmp=$(mktemp -d)
daemon=
cleanup() {
  [ -n "$daemon" ] && kill "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

check() { # check DESCRIPTION EXPECTED_STATUS ACTUAL_STATUS [OUTPUT]
  if [ "$2" != "$3" ]; then
    echo "FAIL: $1: exit $3 (want $2)"
    # The failing runs first (a long library's tail is mostly passes).
    [ -n "${4-}" ] && { echo "$4" | grep -E -A6 '\] FAIL|^FAIL' | head -60; echo "$4" | tail -10; }
    fails=$((fails + 1))
  fi
}
has() { # has DESCRIPTION TEXT PATTERN
  if ! grep -qE -- "$3" <<<"$2"; then
    echo "FAIL: $1: no /$3/ in:"; echo "$2" | tail -20; fails=$((fails + 1))
  fi
}

# Output to a file, not a pipe: a process left behind holding the pipe
# would keep the test waiting after the run itself ended.
timeout 300 "$hvsim" run -q -j 2 --seeds 3 "$src/scenarios" >"$tmp/lib.out" 2>&1 </dev/null; rc=$?
check "library inproc x3 seeds" 0 $rc "$(cat "$tmp/lib.out")"
# Split mode: the daemon builds each guest's devices from "guest.devices".
timeout 300 "$hvsim" run -q -j 2 --mode split "$src/scenarios" >"$tmp/lib.out" 2>&1 </dev/null; rc=$?
check "library split" 0 $rc "$(cat "$tmp/lib.out")"
# Teardown while a rescan waits for the host, many times in split (real
# threads): the rescan once outlived the driver (UBSan: NULL registry lock)
# in about one run in four.
timeout 120 "$hvsim" run -q -j 2 --mode split --seeds 24 \
  "$src/scenarios/storage/shutdown-mid-rescan.json" >"$tmp/lib.out" 2>&1 </dev/null; rc=$?
check "shutdown mid-rescan x24 split" 0 $rc "$(cat "$tmp/lib.out")"

# A hung run is stopped, named by its step, and takes its daemon with it.
# kvp_hang.json waits 10 s for a KVP answer in split mode; 1 s is its limit
# here.  The wrapper records the daemon's pid.
printf '#!/bin/sh\necho $$ >"%s/hostd.pid"\nexec "%s/hvsim-hostd" "$@"\n' "$tmp" "$build" >"$tmp/hostd-wrap"
chmod +x "$tmp/hostd-wrap"
for j in 1 2; do # one job runs in this process (a watchdog thread), two are forked
  rm -f "$tmp/hostd.pid"
  files="$src/scenarios/ic/kvp_hang.json"; [ $j = 2 ] && files="$files $src/scenarios/boot.json"
  timeout 60 "$hvsim" run --mode split --job-timeout 1 --hostd "$tmp/hostd-wrap" $files \
    >"$tmp/hang.out" 2>&1 </dev/null; rc=$?
  out=$(cat "$tmp/hang.out")
  check "hung run ($j jobs)" 1 $rc "$out"
  has "hung run names its step ($j jobs)" "$out" 'hung in step 6 \(expect_ic, line 11\): stopped after 1 s'
  has "hung run replay line ($j jobs)" "$out" 'replay: hvsim replay --mode split --seed 1 .*kvp_hang.json'
  [ $j = 2 ] && has "the other run passes" "$out" 'PASS .*boot.json'
  pid=$(cat "$tmp/hostd.pid" 2>/dev/null)
  for _ in $(seq 100); do [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  if [ -z "$pid" ] || kill -0 "$pid" 2>/dev/null; then
    echo "FAIL: the hung run's daemon (pid ${pid:-unknown}) outlived it ($j jobs)"
    [ -n "$pid" ] && kill "$pid"; fails=$((fails + 1))
  fi
done

# Shards partition the library.
n_all=$("$hvsim" run --tap "$src/scenarios/platform" 2>/dev/null | grep -c '^ok ')
n1=$("$hvsim" run --tap --shard 1/2 "$src/scenarios/platform" 2>/dev/null | grep -c '^ok ')
n2=$("$hvsim" run --tap --shard 2/2 "$src/scenarios/platform" 2>/dev/null | grep -c '^ok ')
check "shards add up ($n1 + $n2 vs $n_all)" "$n_all" $((n1 + n2))

# A failing scenario: exit 1, TAP "not ok", JUnit failure, a replay line that replays.
cat >"$tmp/fail.json" <<'J'
{ "name": "fails-on-purpose", "steps": [ { "boot": {} }, { "expect": { "vcpus": 3 } } ] }
J
out=$("$hvsim" run --seeds 2 -j 2 --tap --junit "$tmp/r.xml" "$tmp/fail.json" "$src/scenarios/boot.json" 2>"$tmp/err"); rc=$?
check "failing run" 1 $rc "$out"
has "tap plan" "$out" '^1\.\.4$'
has "tap not ok" "$out" '^not ok [0-9]+ - .*fail.json \(seed 2\)'
has "tap ok" "$out" '^ok [0-9]+ - .*boot.json \(seed 1\)'
has "tap reason" "$out" "message: 'step 2 \(expect, line 1\): vcpus: expected 3, found 1'"
has "replay line" "$(cat "$tmp/err")" 'replay: hvsim replay --seed 1 .*fail.json'
xml=$(cat "$tmp/r.xml" 2>/dev/null)
has "junit totals" "$xml" '<testsuites tests="4" failures="2"'
has "junit failure" "$xml" '<failure message="step 2 \(expect, line 1\): vcpus: expected 3'
out=$("$hvsim" replay --seed 2 "$tmp/fail.json" 2>&1); rc=$?
check "replay" 1 $rc "$out"
has "replay is verbose" "$out" 'vcpu0 info hyperv'

# Bad CLI input: exit 2 with a reason.
for args in "--seeds 0" "--seeds x" "-j 0" "-j 999" "--shard 3/2" "--shard 1/0" "--shard a" \
            "--job-timeout 0" "--job-timeout 1x" "--job-timeout 86401"; do
  out=$("$hvsim" run $args "$src/scenarios/boot.json" 2>&1); rc=$?
  check "run $args" 2 $rc "$out"
done
out=$("$hvsim" replay --seeds 2 "$src/scenarios/boot.json" 2>&1); check "replay --seeds" 2 $?
out=$("$hvsim" replay "$src/scenarios/ic" 2>&1); check "replay of a directory" 2 $?
out=$("$hvsim" list steps); has "list steps" "$out" 'host_expect'
out=$("$hvsim" list commands); has "list commands" "$out" 'kvp.set'

# hvsim ctl against a daemon.
sock=$tmp/h.sock
"$build/hvsim-hostd" --socket "$sock" 2>"$tmp/hostd.err" &
daemon=$!
for _ in $(seq 100); do [ -S "$sock.ctl" ] && break; sleep 0.05; done
out=$("$hvsim" ctl --control "$sock.ctl" guests); rc=$?
check "ctl guests" 0 $rc "$out"; has "ctl guests reply" "$out" '"guests": \[\]'
out=$("$hvsim" ctl --control "$sock.ctl" kvp.set pool=0 key=a value=b guest=99); rc=$?
check "ctl no such guest" 1 $rc "$out"; has "ctl says why" "$out" 'no such guest'
out=$("$hvsim" ctl --control "$sock.ctl" --json '{"cmd":"nope"}'); check "ctl unknown" 1 $? "$out"
out=$("$hvsim" ctl --control "$sock.ctl" kvp.set novalue 2>&1); check "ctl bad arg" 2 $? "$out"
out=$("$hvsim" ctl --control "$tmp/none.ctl" guests 2>&1); check "ctl no daemon" 2 $? "$out"
# guest.devices: checked before anything is kept.
gd() { "$hvsim" ctl --control "$sock.ctl" --json "$1" 2>&1; }
out=$(gd '{"cmd":"guest.devices","pid":0,"devices":{}}'); check "devices bad pid" 1 $? "$out"
has "devices bad pid says why" "$out" 'process id'
out=$(gd '{"cmd":"guest.devices","pid":4242,"devices":{"scsi":{"luns":[{"lun":0,"image":"rel.img"}]}}}')
check "devices relative path" 1 $? "$out"; has "devices relative says why" "$out" 'absolute'
out=$(gd '{"cmd":"guest.devices","pid":4242,"devices":{"nics":[{"queues":99}]}}')
check "devices bad value" 1 $? "$out"; has "devices bad value path" "$out" 'nics\[0\]\.queues'
out=$(gd '{"cmd":"guest.devices","pid":4242,"devices":{"scsi":{"luns":[{"lun":1,"size_mb":1},{"lun":1,"size_mb":2}]}}}')
check "devices duplicate lun" 1 $? "$out"; has "devices duplicate says why" "$out" 'twice'
out=$(gd '{"cmd":"guest.devices","pid":4242,"devices":{"nics":[{}]},"extra":1}')
check "devices unknown key" 1 $? "$out"
out=$(gd '{"cmd":"guest.devices","pid":4242,"devices":{"nics":[{"backend":"null"}],"scsi":{"luns":[{"lun":0,"size_mb":4}]}}}')
check "devices kept" 0 $? "$out"; has "devices kept reply" "$out" '"luns": 1'
# A garbage line and an over-long line get error replies; the daemon lives on.
if command -v python3 >/dev/null; then
  out=$(python3 - "$sock.ctl" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); f = s.makefile('rwb')
f.write(b'garbage\n{"cmd":"daemon"}\n'); f.flush()
print(f.readline().decode().strip()); print(f.readline().decode().strip())
f.write(b'x' * 70000); f.flush(); print(f.readline().decode().strip())
# The same line arriving whole, newline included, is told too.
t = socket.socket(socket.AF_UNIX); t.connect(sys.argv[1]); t.settimeout(5); g = t.makefile('rwb')
g.write(b'y' * 70000 + b'\n'); g.flush()
try:
    print('whole: ' + g.readline().decode().strip())
except OSError:
    print('whole: no reply within 5 s')
PY
)
  has "ctl garbage" "$out" 'not JSON'
  has "ctl next line still served" "$out" '"sessions_live":0'
  has "ctl long line" "$out" 'longer than 65536'
  has "ctl long whole line" "$out" '^whole: .*longer than 65536'
fi
# A split run against this daemon, with its host steps over the control socket.
out=$(timeout 60 "$hvsim" run -q --mode split --socket "$sock" "$src/scenarios/ic/kvp.json" 2>&1); rc=$?
check "split run on a shared daemon" 0 $rc "$out"
out=$(timeout 60 "$hvsim" run -q --mode split --socket "$sock" "$src/scenarios/network/ping.json" 2>&1); rc=$?
check "split run with NICs on a shared daemon" 0 $rc "$out"
# The waiting lists are capped (after the runs above: it fills the table).
for i in $(seq 70); do gd "{\"cmd\":\"guest.devices\",\"pid\":$((5000 + i)),\"devices\":{}}" >/dev/null; done
out=$(gd '{"cmd":"guest.devices","pid":9999,"devices":{}}'); check "devices capped" 1 $? "$out"
has "devices cap says why" "$out" 'already wait'
out=$("$hvsim" ctl --control "$sock.ctl" stop); check "ctl stop" 0 $? "$out"
wait "$daemon"; check "daemon exit after stop" 0 $?
daemon=
[ -e "$sock.ctl" ] && { echo "FAIL: control socket left behind"; fails=$((fails + 1)); }

[ $fails -eq 0 ] && echo "scenario_library: all checks passed"
exit $((fails > 0))
