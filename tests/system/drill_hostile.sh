#!/usr/bin/env bash
# drill_hostile.sh BUILD SRC -- short version of drill 4 (docs/drills.md):
# one attacker process per abuse kind against hvsim-hostd while two good
# guests run; the daemon must survive, the good guests must not fail, and
# fds/guest memory must come back to the baseline.  The throughput ratio is
# printed, never asserted.  Long version: tests/drills/run hostile --long.
set -u
build=$1
[ -x "$build/hvsim-drill" ] || { echo "no hvsim-drill in $build"; exit 1; }
exec "$build/hvsim-drill" hostile --secs 2
