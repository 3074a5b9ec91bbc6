#!/usr/bin/env bash
# teardown_soak.sh BUILD SRC -- short version of the teardown soak
# (tests/drills/soak, docs/drills.md): the scenarios that end right after a
# host action (hot add/remove, link flap, KVP set, shutdown request, MTU
# change), 3 seeds each in split mode (real vCPU threads) and inproc, so
# the guest's shutdown races the drivers still handling the action.
set -u
build=$1 src=$2
[ -x "$build/hvsim" ] || { echo "no hvsim in $build"; exit 1; }
exec timeout 120 "$src/tests/drills/soak" --build "$build" --rounds 1 --seeds 3 --mode both
