#!/usr/bin/env bash
# drill_daemon_restart.sh BUILD SRC -- short version of drill 2
# (docs/drills.md): hvsim-hostd SIGKILLed under 3 busy split guests, 3
# times; every guest must see the host gone and return its in-flight op
# within 5 s, then reconnect (fresh HELLO + boot) to the restarted daemon.
# Long version: tests/drills/run daemon-restart --long.
set -u
build=$1
[ -x "$build/hvsim-drill" ] || { echo "no hvsim-drill in $build"; exit 1; }
exec "$build/hvsim-drill" daemon-restart --guests 3 --iters 3
