#!/usr/bin/env bash
# run-ctest.sh BINARY CORPUS DICT SECONDS -- a short libFuzzer run for ctest:
# fuzz a scratch copy of the corpus (the committed corpus stays as it is).
set -euo pipefail
bin=$1 corpus=$2 dict=$3 secs=$4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus"
[ -d "$corpus" ] && cp -r "$corpus/." "$work/corpus/"
args=(-max_total_time="$secs" -timeout=5 -rss_limit_mb=2048 -print_final_stats=1
      -artifact_prefix="$work/")
[ -f "$dict" ] && args+=(-dict="$dict")
if ! "$bin" "${args[@]}" "$work/corpus" >"$work/log" 2>&1; then
  tail -60 "$work/log"
  for f in "$work"/crash-* "$work"/leak-* "$work"/timeout-*; do
    [ -e "$f" ] && { echo "artifact: $f"; od -An -tx1 "$f" | head -20; }
  done
  exit 1
fi
grep -E 'stat::number_of_executed_units|stat::average_exec_per_sec' "$work/log" || true
