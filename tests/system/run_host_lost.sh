#!/usr/bin/env bash
# run_host_lost.sh BUILD SRC -- the guest side of "the daemon died": a split
# run in the middle of a long wait must exit non-zero with a clear message
# soon after hvsim-hostd is killed, never hang; and a guest killed while
# booting must leave the daemon serving the next guest.
set -u
build=$1 src=$2
tmp=$(mktemp -d)
hostd_pid=
cleanup() { [ -n "$hostd_pid" ] && kill -9 "$hostd_pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
fails=0 n=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

start_hostd() {
  "$build/hvsim-hostd" --socket "$tmp/s" --foreground 2>"$tmp/hostd.log" &
  hostd_pid=$!
  for _ in $(seq 1 200); do [ -S "$tmp/s" ] && return 0; sleep 0.02; done
  fail "hvsim-hostd did not create its socket"; return 1
}

cat >"$tmp/long.json" <<'JSON'
{ "host": { "profile": "ws2019" }, "guest": { "vcpus": 2, "memory_mb": 64 },
  "limits": { "time_ms": 600000 },
  "steps": [ { "boot": {} }, { "timeout_ms": 600000, "wait": { "ms": 300000 } } ] }
JSON

# 1. Daemon killed under a running guest.
n=$((n + 1))
if start_hostd; then
  "$build/hvsim" run --mode split --socket "$tmp/s" "$tmp/long.json" >"$tmp/run.log" 2>&1 &
  run_pid=$!
  # Kill it once the guest is connected (a loaded machine may take a while),
  # and a little later so the guest is in its long wait.
  for _ in $(seq 1 500); do
    "$build/hvsim" ctl --control "$tmp/s.ctl" guests 2>/dev/null | grep -q '"guest"' && break
    sleep 0.02
  done
  sleep 0.5
  kill -9 "$hostd_pid"; hostd_pid=
  t0=$(date +%s%N)
  # Bounded wait: the promise is 2 s; allow slack for a loaded machine.
  for _ in $(seq 1 300); do kill -0 "$run_pid" 2>/dev/null || break; sleep 0.02; done
  if kill -0 "$run_pid" 2>/dev/null; then
    fail "hvsim still running 6 s after the daemon died"; kill -9 "$run_pid"
  fi
  wait "$run_pid"; rc=$?
  ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  echo "guest noticed the dead daemon and exited ($rc) after ${ms} ms"
  [ "$rc" -ne 0 ] || fail "hvsim exited 0 although its daemon died"
  grep -qiE "host|daemon" "$tmp/run.log" || { fail "no message about the host"; cat "$tmp/run.log"; }
fi

# 2. Guest killed while booting: the daemon serves the next guest.
n=$((n + 1))
if start_hostd; then
  for delay in 0.01 0.05 0.2; do
    "$build/hvsim" run --mode split --socket "$tmp/s" "$tmp/long.json" >/dev/null 2>&1 &
    p=$!; sleep "$delay"; kill -9 "$p"; wait "$p" 2>/dev/null
  done
  if ! timeout 60 "$build/hvsim" run --mode split --socket "$tmp/s" "$src/scenarios/boot.json" >"$tmp/second.log" 2>&1; then
    fail "second guest failed after killed guests"; tail -20 "$tmp/second.log"
  fi
  kill -0 "$hostd_pid" 2>/dev/null || fail "daemon died"
  kill -TERM "$hostd_pid"; wait "$hostd_pid"; rc=$?; hostd_pid=
  [ "$rc" -eq 0 ] || fail "daemon exit status $rc after SIGTERM"
  [ -e "$tmp/s" ] && fail "daemon left its socket behind"
fi

# 3. The kill step: the daemon a split run started dies mid-scenario with
# disk and NIC traffic done; the guest notices at once and the run passes
# (and leaves no socket directory behind); inproc says why it cannot.
n=$((n + 1))
cat >"$tmp/kill.json" <<'JSON'
{ "host": { "profile": "ws2022" },
  "devices": { "scsi": { "luns": [ { "lun": 0, "size_mb": 4 } ] }, "nics": [ {} ] },
  "steps": [ { "boot": {} },
             { "disk_write": { "disk": "da0", "lba": 0, "blocks": 8, "pattern": "a", "fua": true } },
             { "net_ping": { "unit": 0, "count": 1 } },
             { "timeout_ms": 10000, "kill": { "target": "daemon" } } ] }
JSON
before=$(ls -d /tmp/hvsim-?????? 2>/dev/null | wc -l)
out=$(timeout 60 "$build/hvsim" run --mode split "$tmp/kill.json" 2>&1); rc=$?
[ $rc -eq 0 ] || fail "kill step in split: exit $rc: $(echo "$out" | tail -5)"
grep -q "the guest saw the host go away" <<<"$out" || fail "kill step: no notice in: $out"
after=$(ls -d /tmp/hvsim-?????? 2>/dev/null | wc -l)
[ "$after" -le "$before" ] || fail "kill step left a /tmp/hvsim-* directory"
out=$(timeout 60 "$build/hvsim" run "$tmp/kill.json" 2>&1); rc=$?
[ $rc -eq 1 ] && grep -q "needs --mode split" <<<"$out" || fail "kill step inproc: exit $rc: $out"

echo "$((n - fails)) passed, $fails failed"
[ "$fails" -eq 0 ]
