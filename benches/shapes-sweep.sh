#!/usr/bin/env bash
# The shape sweep of BENCHMARKS.md ("Availability for every shape"): every generated estate of
# 3 to 16 regions, 2 or 3 AZs, four link shapes and four routing kinds (192 in all), analyzed;
# prints one line per estate (regions, AZs, links, routing, method, error bound, seconds) and
# the counts: exact (bound at most 1e-12) and intervals, with the widest half-width.
# Usage: benches/shapes-sweep.sh [path/to/drplan]   (default: a fresh release build)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-}
if [[ -z $bin ]]; then
  cargo build --release --quiet
  bin=target/release/drplan
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for r in 3 4 6 8 12 16; do for a in 2 3; do for l in mesh ring nearest:4 hub; do
  for k in geodns failover-dns anycast global-lb; do
    "$bin" generate --regions "$r" --azs "$a" --links "$l" --routing "$k" >"$tmp/t.yaml"
    start=$(date +%s.%N)
    line=$("$bin" analyze "$tmp/t.yaml" -f json 2>/dev/null | python3 -c '
import json, sys
s = json.load(sys.stdin)["summary"]
print(s["availability_method"], "%.1e" % s["availability_error_bound"])' || true)
    end=$(date +%s.%N)
    echo "$r $a $l $k $line $(python3 -c "print('%.2f' % ($end - $start))")"
  done
done; done; done | tee "$tmp/out"
awk '{ if ($6 + 0 <= 1e-12) e++; else { i++; if ($6 + 0 > w) w = $6 + 0 } }
  END { printf "exact %d, interval %d, widest half-width %.1e\n", e, i, w }' "$tmp/out"
