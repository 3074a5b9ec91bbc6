#!/usr/bin/env bash
# drill_durability.sh BUILD SRC -- short version of drill 3 (docs/drills.md):
# an inproc guest writing through storvsc with FLUSH and FUA is SIGKILLed at
# random moments and every write acked as durable is found in the image;
# the same workload on a memory disk with a volatile cache survives
# simulated power losses; and the checker's self-test (a lying writer) is
# caught; and a split guest writing to an image opened by hvsim-hostd
# survives the DAEMON's SIGKILL (checked in the file and through a
# restarted daemon).  Long version: tests/drills/run durability --long [--power].
set -u
build=$1
d="$build/hvsim-drill"
[ -x "$d" ] || { echo "no hvsim-drill in $build"; exit 1; }
rc=0
"$d" durability --iters 6 || rc=1
"$d" durability --split --iters 3 || rc=1
"$d" durability --power --iters 10 || rc=1
"$d" durability --selftest --iters 12 >/dev/null || { echo "FAIL: checker self-test"; rc=1; }
exit $rc
