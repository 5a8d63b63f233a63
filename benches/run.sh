#!/usr/bin/env bash
# End-to-end benchmark of `drplan analyze --max-failures K` on the synthetic 30-region estate
# (30 regions x 3 AZs, links to the four nearest regions, three services, one datastore of each
# kind: 187 components). Prints a markdown table for BENCHMARKS.md.
#
#   bash benches/run.sh            # all of K = 1, 2, 3
#
# Scenarios per second per core = scenarios / user CPU seconds (the machines are shared: CPU
# time is steadier than wall time; both are reported). Peak memory is the maximum resident set.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=target/release/drplan
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$bin" generate --regions 30 --azs 3 --links nearest:4 > "$dir/estate.yaml"
echo "| K | scenarios | threads | wall s | user CPU s | scenarios/s per core | peak RSS MiB |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for k in 1 2 3; do
  for threads in 1 2; do
    /usr/bin/time -f "%e %U %M" -o "$dir/time" "$bin" analyze "$dir/estate.yaml" --max-failures "$k" \
      --format jsonl --threads "$threads" --quiet > "$dir/out.jsonl" || true
    read -r wall user rss < "$dir/time"
    count=$(($(wc -l < "$dir/out.jsonl") - 1))
    rate=$(python3 -c "print(f'{$count / max($user, 0.01):,.0f}')")
    printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$k" "$count" "$threads" "$wall" "$user" "$rate" "$((rss / 1024))"
  done
done
