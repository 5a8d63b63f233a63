#!/usr/bin/env bash
# Two drplan binaries side by side, in one run, on the same generated estates (the machines are
# shared and noisy: only the ratio in one run means something).
#
#   benches/side-by-side.sh OLD_DRPLAN NEW_DRPLAN [RUNS]
#
# Build OLD from a worktree of the previous release (git worktree add /tmp/old REV && cargo build
# --release there) and NEW with cargo build --release here. The estates are written by NEW's
# `drplan generate`, so both binaries read the same files. Each measurement alternates OLD and NEW
# RUNS times (default 5) and prints the median wall seconds of each and NEW / OLD.
#   - scenarios: analyze of the 30-region estate with --max-failures 3 on one thread (1,090,028
#     scenario evaluations; the scenarios benchmark of BENCHMARKS.md);
#   - availability N x 3: analyze --no-importance of the N-region estate with a consensus store
#     over all regions (the factored engine; the availability benchmark of BENCHMARKS.md);
#   - issue 12's two split networks, 40 x 3: a ring (`--links ring`) and a `global-lb` estate
#     linked to the two nearest regions (`--links nearest:2 --routing global-lb`), each with
#     --no-importance and with importance.
set -euo pipefail
old=${1:?usage: side-by-side.sh OLD_DRPLAN NEW_DRPLAN [RUNS]}
new=${2:?usage: side-by-side.sh OLD_DRPLAN NEW_DRPLAN [RUNS]}
runs=${3:-5}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
seconds() {
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null
  end=$(date +%s.%N)
  echo "$end - $start" | bc -l
}
measure() {
  local label=$1
  shift
  : >"$tmp/old.txt"
  : >"$tmp/new.txt"
  for _ in $(seq "$runs"); do
    seconds "$old" "$@" >>"$tmp/old.txt"
    seconds "$new" "$@" >>"$tmp/new.txt"
  done
  local o n
  o=$(median <"$tmp/old.txt")
  n=$(median <"$tmp/new.txt")
  printf '| %s | %.3f | %.3f | %.2f |\n' "$label" "$o" "$n" "$(echo "$n / $o" | bc -l)"
}

"$new" generate --regions 30 --azs 3 >"$tmp/scenarios.yaml"
for n in 10 20 30 50; do
  "$new" generate --regions "$n" --azs 3 --links nearest:4 >"$tmp/estate-$n.yaml"
done
"$new" generate --regions 40 --azs 3 --links ring >"$tmp/ring-40.yaml"
"$new" generate --regions 40 --azs 3 --links nearest:2 --routing global-lb >"$tmp/glb-40.yaml"

echo "| measurement | old s (median) | new s (median) | new / old |"
echo "|---|---:|---:|---:|"
measure "scenarios: 30 x 3, --max-failures 3, 1 thread" \
  analyze "$tmp/scenarios.yaml" --max-failures 3 --threads 1 --no-importance -f json
for n in 10 20 30 50; do
  measure "availability: $n x 3, consensus over all" \
    analyze "$tmp/estate-$n.yaml" --no-importance -f json
done
for estate in ring-40 glb-40; do
  measure "$estate x 3, --no-importance" analyze "$tmp/$estate.yaml" --no-importance -f json
  measure "$estate x 3, with importance" analyze "$tmp/$estate.yaml" -f json
done
