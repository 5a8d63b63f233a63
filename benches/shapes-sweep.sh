#!/usr/bin/env bash
# The shape sweep of BENCHMARKS.md ("Availability for every shape"): generated estates, analyzed;
# how many get an exact availability (error bound at most 1e-12), how many a proven interval,
# and how many no figure at all (issue 12, "exact availability for every topology shape").
#
# Prints one line per estate:
#   regions AZs links routing variant method half-width seconds
# where the half-width is `summary.availability_error_bound` (half the width of the proven
# interval; 0 for enumeration), `-` when there is no figure (`summary.availability` null, or
# `method` is `error` when `drplan analyze` exits 2 or more, `generate-error` likewise), and the
# seconds are the wall time of `drplan analyze FILE -f json`. Then the counts per link shape,
# the number of estates and the total time, and last the counts:
#   exact N, interval M, widest half-width W, no figure K, invalid I
#
# Variants (`drplan generate` options beyond --regions --azs --links --routing):
#   default         everything at its default: shared-fate group, consensus over every region,
#                   the `orders` store with backups
#   no-shared-fate  --shared-fate 0
#   no-consensus    --datastores single-az,multi-az,active-passive,active-active
#   no-backups      --datastores single-az,multi-az,active-active,consensus (no `orders`)
# `--links none` leaves every region alone; with a consensus store over every region nothing
# serves even with nothing failed (`drplan analyze` exits 2, nothing-serves), so `none` runs
# only with `no-consensus` (its only region that serves is r00, which homes every store).
# `nearest:1` is not connected either from 6 regions up, so with consensus over every region it
# is `error` (nothing-serves: an invalid topology, refused with its diagnostic) there too; it
# stays in the plan, as the shape the issue names, and counts as invalid, not as no figure.
#
# The full plan (the default), sampled but covering the issue's acceptance space:
#   A. every shape (mesh, ring, hub, chain, nearest:1..4) x routing (geodns, failover-dns,
#      anycast, global-lb) x regions (3 4 6 8 12 16 24 40) at 3 AZs, default; and `none` the
#      same way with no-consensus (288 estates);
#   B. AZs 1, 2 and 4: every shape (none included) x routing at 6 and 16 regions, and every
#      shape at 3 4 8 12 24 40 regions with one routing kind each, in turn (378);
#   C. the variants no-shared-fate, no-consensus and no-backups: every shape x routing at 4, 12
#      and 24 regions, 3 AZs (288).
# --quick: the earlier set, 3 to 16 regions, 2 or 3 AZs, mesh ring nearest:4 hub, every routing
# kind, default (192 estates).
#
# Usage: benches/shapes-sweep.sh [--quick] [path/to/drplan]   (default: a fresh release build)
set -euo pipefail
cd "$(dirname "$0")/.."
quick=0
if [[ ${1:-} == --quick ]]; then
  quick=1
  shift
fi
bin=${1:-}
if [[ -z $bin ]]; then
  cargo build --release --quiet
  bin=target/release/drplan
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

shapes=(mesh ring hub chain nearest:1 nearest:2 nearest:3 nearest:4)
routings=(geodns failover-dns anycast global-lb)

# The plan: one estate a line, "regions azs links routing variant".
plan() {
  local r a l k v i
  if ((quick)); then
    for r in 3 4 6 8 12 16; do for a in 2 3; do for l in mesh ring nearest:4 hub; do
      for k in "${routings[@]}"; do echo "$r $a $l $k default"; done
    done; done; done
    return
  fi
  # A: every shape x routing x size at 3 AZs.
  for l in "${shapes[@]}" none; do
    v=default
    [[ $l == none ]] && v=no-consensus
    for k in "${routings[@]}"; do for r in 3 4 6 8 12 16 24 40; do
      echo "$r 3 $l $k $v"
    done; done
  done
  # B: the other AZ counts.
  for a in 1 2 4; do
    i=0
    for l in "${shapes[@]}" none; do
      v=default
      [[ $l == none ]] && v=no-consensus
      for r in 6 16; do for k in "${routings[@]}"; do echo "$r $a $l $k $v"; done; done
      for r in 3 4 8 12 24 40; do
        echo "$r $a $l ${routings[i % 4]} $v"
        i=$((i + 1))
      done
    done
  done
  # C: the variants.
  for v in no-shared-fate no-consensus no-backups; do
    for l in "${shapes[@]}"; do for k in "${routings[@]}"; do for r in 4 12 24; do
      echo "$r 3 $l $k $v"
    done; done; done
  done
}

variant_args() {
  case $1 in
    default) ;;
    no-shared-fate) echo "--shared-fate 0" ;;
    no-consensus) echo "--datastores single-az,multi-az,active-passive,active-active" ;;
    no-backups) echo "--datastores single-az,multi-az,active-active,consensus" ;;
    *) echo "unknown variant $1" >&2; exit 2 ;;
  esac
}

sweep_start=$EPOCHREALTIME
plan | while read -r r a l k v; do
  # shellcheck disable=SC2046 # the variant's options are separate words
  if ! "$bin" generate --regions "$r" --azs "$a" --links "$l" --routing "$k" \
    $(variant_args "$v") >"$tmp/t.yaml" 2>"$tmp/err"; then
    echo "$r $a $l $k $v generate-error - 0.00"
    continue
  fi
  start=$EPOCHREALTIME
  rc=0
  "$bin" analyze "$tmp/t.yaml" -f json >"$tmp/t.json" 2>"$tmp/err" || rc=$?
  end=$EPOCHREALTIME
  secs=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.2f", e - s }')
  if ((rc >= 2)); then
    echo "$r $a $l $k $v error - $secs"
    continue
  fi
  figure=$(python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))["summary"]
if s.get("availability") is None:
    print(s.get("availability_method") or "none", "-")
else:
    print(s["availability_method"], "%.1e" % s["availability_error_bound"])' "$tmp/t.json")
  echo "$r $a $l $k $v $figure $secs"
done | tee "$tmp/out"
sweep_end=$EPOCHREALTIME

# $3 links, $7 half-width ("-": no figure), $8 seconds.
awk -v total="$(awk -v s="$sweep_start" -v e="$sweep_end" 'BEGIN { printf "%.0f", e - s }')" '
  function count(key) {
    if ($6 ~ /error$/) invalid[key]++
    else if ($7 == "-") none[key]++
    else if ($7 + 0 <= 1e-12) exact[key]++
    else { interval[key]++; if ($7 + 0 > widest[key]) widest[key] = $7 + 0 }
  }
  function line(key) {
    printf "exact %d, interval %d, widest half-width %.1e, no figure %d, invalid %d\n",
      exact[key], interval[key], widest[key], none[key], invalid[key]
  }
  {
    if (!($3 in seen)) { seen[$3] = 1; order[++shapes] = $3 }
    count($3); count("all"); n++; analysis += $8; if ($6 ~ /error$/) errors++
  }
  END {
    for (i = 1; i <= shapes; i++) { printf "%s: ", order[i]; line(order[i]) }
    printf "%d estates (%d errors), %.0f s analyzing, %d s in all\n", n, errors, analysis, total
    line("all")
  }' "$tmp/out"
