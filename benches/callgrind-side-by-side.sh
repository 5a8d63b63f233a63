#!/usr/bin/env bash
# Instruction counts (valgrind callgrind) of two drplan binaries on the same generated estates:
# repeatable whatever else the machine runs, unlike wall time on a shared machine.
#
#   benches/callgrind-side-by-side.sh OLD_DRPLAN NEW_DRPLAN
#
# Rows: the whole analyze run, and the part spent in the stage the row is about (inclusive
# cost of Engine::evaluate_into for the scenario sweep, of availability::compute for availability).
# Needs valgrind and bc (Debian packages).
set -euo pipefail
old=$1; new=$2
dir=$(mktemp -d)
"$new" generate --regions 30 --azs 3 > "$dir/s30.yaml"
for n in 10 20 30 50; do "$new" generate --regions $n --azs 3 --links nearest:4 > "$dir/e$n.yaml"; done
count() { valgrind --tool=callgrind --callgrind-out-file="$dir/cg.out" "$@" 2>&1 >/dev/null | sed -n 's/.*Collected : //p'; }
# awk reads the whole listing: `grep -m1` closed the pipe early, and under pipefail the
# annotator's SIGPIPE ended the script after the rows whose listing was short.
incl() { callgrind_annotate --inclusive=yes "$dir/cg.out" 2>/dev/null | awk -v f="$1" '!done && index($0, f) {gsub(",","",$1); print $1; done=1}'; }
row() {
  local label=$1 fn=$2; shift 2
  local o n oi ni
  o=$(count "$old" "$@"); oi=$(incl "$fn")
  n=$(count "$new" "$@"); ni=$(incl "$fn")
  printf '| %s | %s | %s | %.3f | %s | %s | %.3f |\n' "$label" "$o" "$n" "$(echo "$n / $o" | bc -l)" "$oi" "$ni" "$(echo "$ni / $oi" | bc -l)"
}
echo "| run | old Ir | new Ir | new/old | old Ir (part) | new Ir (part) | new/old (part) |"
echo "|---|---:|---:|---:|---:|---:|---:|"
row "scenarios: 30 x 3, --max-failures 2, 1 thread (part: Engine::evaluate_into)" "drplan::evaluate::Engine::evaluate_into" analyze "$dir/s30.yaml" --max-failures 2 --threads 1 --no-importance -f json
for n in 10 20 30 50; do
  row "availability: $n x 3, consensus over all (part: availability::compute)" "drplan::availability::compute " analyze "$dir/e$n.yaml" --threads 1 --no-importance -f json
done
