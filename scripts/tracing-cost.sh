#!/usr/bin/env bash
# Measures what tracing adds to the client's CPU per streamed request:
# runs BenchmarkRequestPath's cases alternately (so a busy machine affects
# them alike) and prints the median ratio of each case's cpu-us/op to the
# "off" run next to it.
#   scripts/tracing-cost.sh [rounds]     (default 10 rounds, ~2 min)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-10}
bin=$(mktemp -d)/telemetry.test
trap 'rm -rf "$(dirname "$bin")"' EXIT
go test -c -o "$bin" ./internal/telemetry
cases=(on_100pct on_10pct on_always_off)
declare -A ratios
for ((r = 0; r < rounds; r++)); do
  for c in "${cases[@]}"; do
    out=$("$bin" -test.run XXX -test.bench "RequestPath/(off|$c)\$" -test.benchtime 3000x)
    off=$(awk '/RequestPath\/off-/ {print $5}' <<<"$out")
    on=$(awk -v c="$c" '$1 ~ "RequestPath/"c"-" {print $5}' <<<"$out")
    ratios[$c]+="$(awk -v a="$on" -v b="$off" 'BEGIN {printf "%.4f ", a/b}')"
  done
done
for c in "${cases[@]}"; do
  # shellcheck disable=SC2086
  median=$(printf '%s\n' ${ratios[$c]} | sort -n | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}')
  echo "$c: median CPU per request vs off = $median over $rounds rounds (each: ${ratios[$c]})"
done
