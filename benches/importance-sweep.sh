#!/usr/bin/env bash
# Importance on split networks: two drplan binaries on the same generated estates (40-, 32- and
# 24-region rings, chains, nearest:2, nearest:3 and hubs, every routing kind, 3 AZs), each
# `analyze -f json` with importance, one after the other per estate. Prints per estate and
# binary: wall seconds, peak RSS and the number of rows in the importance table (0: none).
#
#   benches/importance-sweep.sh OLD_DRPLAN NEW_DRPLAN
set -euo pipefail
old=${1:?usage: importance-sweep.sh OLD_DRPLAN NEW_DRPLAN}
new=${2:?usage: importance-sweep.sh OLD_DRPLAN NEW_DRPLAN}
old=$(realpath "$old")
new=$(realpath "$new")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
for links in ring chain nearest:2 nearest:3 hub; do
 for routing in geodns failover-dns anycast global-lb; do
  for n in 24 32 40; do
   f="e-$links-$routing-$n.yaml"
   "$new" generate --regions "$n" --azs 3 --links "$links" --routing "$routing" >"$f"
   line="$links $routing $n"
   for b in old new; do
     bin=${!b}
     /usr/bin/time -f "%e %M" -o "t.$b" timeout 300 "$bin" analyze "$f" -q -f json >"$f.$b.json" 2>/dev/null || true
     rows=$(python3 -c "
import json
d=json.load(open('$f.$b.json')); print(len(d.get('importance') or []))")
     line="$line | $(awk '{printf "%.2f s %d MiB", $1, $2/1024}' "t.$b") $rows"
   done
   echo "$line"
  done
 done
done
