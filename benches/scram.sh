#!/usr/bin/env bash
# SCRAM beside drplan on the same topologies: each synthetic topology is exported with
# `drplan export --format open-psa`, SCRAM computes the exact top-event probability
# (`--probability true -l 1`, BDD) and `drplan analyze --format json --quiet --cut-order 1
# --no-importance` runs on the YAML (exact availability plus the single-failure scenarios; cut
# sets of two or more and importance off, as SCRAM computes only the probability).
# Prints a markdown table (see docs/scram.md).
#
#   bash benches/scram.sh
#
# Needs scram (apt-get install scram), GNU time (/usr/bin/time) and cc (for the shim that gives
# SCRAM's printed probability full precision, tests/scram/full_precision.c). Each SCRAM run is
# cut at 60 s. The last column gives drplan's unavailability, its method (enumeration up to 22
# components, factored above) and whether it agrees with SCRAM to 1e-9; "absent" means drplan
# declined (out of the exact methods' reach).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=$PWD/target/release/drplan
command -v scram >/dev/null || { echo "scram is not installed (apt-get install scram)" >&2; exit 2; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cc -shared -fPIC -O2 -o "$dir/full_precision.so" tests/scram/full_precision.c

# field NAME FILE: a value from /usr/bin/time -v output.
field() { grep -F "$1" "$2" | sed 's/.*: //'; }
# seconds H:MM:SS.ss or M:SS.ss -> seconds.
seconds() { python3 -c "
p='$1'.split(':'); s=0.0
for x in p: s=s*60+float(x)
print(f'{s:.2f}')"; }

row() {
  local label=$1
  shift
  "$bin" generate "$@" > "$dir/t.yaml"
  "$bin" export "$dir/t.yaml" --format open-psa -o "$dir/t.xml"
  local events gates
  events=$(grep -c '<define-basic-event' "$dir/t.xml")
  gates=$(grep -c '<define-gate' "$dir/t.xml")
  rm -f "$dir/r.xml"
  local status=0
  /usr/bin/time -v -o "$dir/scram.time" timeout 60 \
    env LD_PRELOAD="$dir/full_precision.so" scram --probability true -l 1 "$dir/t.xml" -o "$dir/r.xml" \
    > /dev/null 2> "$dir/scram.err" || status=$?
  local scram_s scram_rss p
  scram_s=$(seconds "$(field 'Elapsed (wall clock)' "$dir/scram.time")")
  scram_rss=$(( $(field 'Maximum resident set size' "$dir/scram.time") / 1024 ))
  if [ "$status" -eq 0 ]; then
    p=$(grep -o '<sum-of-products [^>]*' "$dir/r.xml" | grep -o ' probability="[^"]*"' | cut -d'"' -f2)
  elif [ "$status" -eq 124 ]; then
    p=timeout; scram_s=">60"
  else
    p="error $status"
  fi
  local dstatus=0
  /usr/bin/time -v -o "$dir/drplan.time" "$bin" analyze "$dir/t.yaml" --format json --quiet \
    --cut-order 1 --no-importance \
    > "$dir/a.json" 2> /dev/null || dstatus=$?
  local drplan_s drplan_rss
  drplan_s=$(seconds "$(field 'Elapsed (wall clock)' "$dir/drplan.time")")
  drplan_rss=$(( $(field 'Maximum resident set size' "$dir/drplan.time") / 1024 ))
  local verdict
  verdict=$(python3 - "$dir/a.json" "$p" "$dstatus" <<'PY'
import json, sys
path, p, status = sys.argv[1], sys.argv[2], int(sys.argv[3])
if status not in (0, 1):
    print(f"drplan exited {status}"); sys.exit()
s = json.load(open(path))["summary"]
u = s.get("unavailability")
if u is None and s.get("availability") is not None:
    u = 1 - s["availability"]
if u is None:
    print("absent: " + s.get("availability_note", "").split(";")[0])
    sys.exit()
try:
    q = float(p)
except ValueError:
    print(f"{u:.6e} (SCRAM: {p})"); sys.exit()
rel = abs(q - u) / u if u else abs(q)
method = s.get("availability_method", "?")
print(f"{u:.6e} ({method}), {'agrees' if rel <= 1e-9 else 'DIFFERS'} (rel {rel:.1e})")
PY
)
  printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$label" "$events" "$gates" \
    "$scram_s" "$scram_rss" "$p" "$drplan_s" "$drplan_rss" "$verdict"
}

echo "| topology | basic events | gates | SCRAM s | SCRAM RSS MiB | SCRAM P(down) | drplan s | drplan RSS MiB | drplan unavailability |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---|"
# Within drplan's exact enumeration (<= 20 components): both compute it.
row "3 regions x 2 AZs, ring" --regions 3 --azs 2 --links ring
row "4 regions x 2 AZs, mesh" --regions 4 --azs 2 --links mesh --shared-fate 0 --externals 0
# Simple regional structures (no store spanning every region), growing.
plain=(--links nearest:4 --datastores single-az,multi-az,active-passive,active-active)
for n in 10 20 40 60; do
  row "$n regions x 3 AZs, nearest:4, no consensus" --regions "$n" --azs 3 "${plain[@]}"
done
for azs in 10 50 100; do
  row "20 regions x $azs AZs, nearest:4, no consensus" --regions 20 --azs "$azs" "${plain[@]}"
done
# A consensus store over every region.
for n in 10 12 13 15 20 22 30 50; do
  row "$n regions x 3 AZs, nearest:4, consensus over all" --regions "$n" --azs 3 --links nearest:4
done
