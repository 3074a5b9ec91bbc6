#!/usr/bin/env bash
# split_daemon_cli.sh BUILD_DIR SOURCE_DIR -- hvsim-hostd's command line and
# lifetime: strict flags (exit 2), socket path limits, one daemon per socket,
# SIGTERM stops in order, a stale socket from a killed daemon is reused.
set -uo pipefail
build=$1
bin=$build/hvsim-hostd
work=$(mktemp -d /tmp/hvsim-cli-XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

expect_exit() { # CODE ARGS... : run the daemon, expect CODE and a message
  local want=$1; shift
  "$bin" "$@" >"$work/out" 2>"$work/err"
  local rc=$?
  [ "$rc" = "$want" ] || fail "hvsim-hostd $* -> exit $rc, want $want ($(cat "$work/err"))"
  [ "$want" = 0 ] || [ -s "$work/err" ] || fail "hvsim-hostd $* -> no message on stderr"
}

wait_socket() { # PATH PID
  for _ in $(seq 1 500); do
    [ -S "$1" ] && return 0
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.01
  done
  return 1
}

sock=$work/h.sock
# --- 5.12 item 110/111: bad flags and numbers -> exit 2 with usage
expect_exit 2 --bogus
expect_exit 2 --socket
expect_exit 2
expect_exit 2 --socket "$sock" --socket "$sock"
for n in 0 -1 0x 1e3 99999999999999999999 "" " 4" 4x 1025; do
  expect_exit 2 --socket "$sock" --max-guests "$n"
done
grep -q usage "$work/err" || fail "no usage text"
expect_exit 0 --help
# --- item 112: socket path limits
long=$work/$(printf 'x%.0s' $(seq 1 120))
expect_exit 2 --socket "$long"
grep -q "at most 107" "$work/err" || fail "long path message: $(cat "$work/err")"
expect_exit 1 --socket "$work/no/such/dir/s"
touch "$work/regular"
expect_exit 1 --socket "$work/regular"
[ -f "$work/regular" ] || fail "a regular file at the socket path was removed"

# --- start, second daemon refused (item 113), first unaffected
"$bin" --socket "$sock" --foreground -v 2>"$work/d1.err" &
d1=$!; pids+=("$d1")
wait_socket "$sock" "$d1" || fail "daemon did not create $sock"
expect_exit 1 --socket "$sock" --foreground
grep -q "already serves" "$work/err" || fail "second daemon message: $(cat "$work/err")"
kill -0 "$d1" || fail "first daemon died"
[ -S "$sock" ] || fail "second daemon removed the live socket"

# --- SIGHUP is ignored, SIGTERM stops in order: exit 0, socket and lock gone
kill -HUP "$d1"; sleep 0.05
kill -0 "$d1" || fail "SIGHUP killed the daemon"
kill -TERM "$d1"
wait "$d1"; rc=$?
[ "$rc" = 0 ] || fail "SIGTERM exit status $rc"
[ -e "$sock" ] && fail "socket left behind after SIGTERM"
[ -e "$sock.lock" ] && fail "lock file left behind after SIGTERM"

# --- a daemon killed with SIGKILL leaves a stale socket; the next one reuses it
"$bin" --socket "$sock" --foreground 2>/dev/null &
d2=$!; pids+=("$d2")
wait_socket "$sock" "$d2" || fail "daemon 2 did not start"
kill -9 "$d2"; wait "$d2" 2>/dev/null
[ -S "$sock" ] || fail "expected a stale socket after SIGKILL"
"$bin" --socket "$sock" --foreground 2>"$work/d3.err" &
d3=$!; pids+=("$d3")
sleep 0.2
kill -0 "$d3" || fail "daemon 3 refused the stale socket: $(cat "$work/d3.err")"
kill -INT "$d3"
wait "$d3"; rc=$?
[ "$rc" = 0 ] || fail "SIGINT exit status $rc"
[ -e "$sock" ] && fail "socket left behind after SIGINT"
echo "split_daemon_cli: ok"
