#!/usr/bin/env bash
# drill_guest_kill.sh BUILD SRC -- short version of drill 1 (docs/drills.md):
# guests SIGKILLed at random moments while 3 others run VMBus cycles and
# RPCs; the daemon must free each victim's fds and guest memory within 1 s
# and the others must keep going.  The long version: tests/drills/run
# guest-kill --long.
set -u
build=$1
[ -x "$build/hvsim-drill" ] || { echo "no hvsim-drill in $build"; exit 1; }
exec "$build/hvsim-drill" guest-kill --guests 3 --iters 8
