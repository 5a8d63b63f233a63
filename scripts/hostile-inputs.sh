#!/usr/bin/env bash
# Measures how drplan handles hostile inputs (the cases of tests/hostile.rs, plus the
# too-many-components fixture): the diagnostic, exit code, wall time and peak memory of
# `drplan validate` on each. Prints the markdown table of docs/robustness.md.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=$PWD/target/release/drplan
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
python3 - "$dir" <<'PY'
import sys, os
d = sys.argv[1]
base = open('topologies/active-passive.yaml').read()
def alt(a, b):
    assert a in base, a
    return base.replace(a, b, 1)
laughs = 'a: &a [x, x, x, x, x, x, x, x, x]\n'
for i, n in enumerate('bcdefghij'):
    p = chr(ord('a') + i)
    laughs += f'{n}: &{n} [' + ', '.join([f'*{p}'] * 9) + ']\n'
cases = {
    'billion-laughs': laughs,
    'deep-nesting': 'a: ' + '[' * 100000 + ']' * 100000 + '\n',
    'not-utf8': b'version: 1\nname: caf\xe9\n',
    'nan': alt('peak_rps: 3000', 'peak_rps: .nan'),
    'infinity': alt('peak_rps: 3000', 'peak_rps: .inf'),
    'integer-overflow': alt('per_az: 4', 'per_az: 99999999999999999999'),
    'duration-1e400s': alt('mttr: 4h', 'mttr: 1e400s'),
    'empty': '',
    'only-comments': '# nothing here\n',
    'several-documents': base + '---\n' + base,
    'duplicate-keys': alt('routing:\n', 'routing:\n  kind: geodns\n'),
    'not-a-mapping': '- just\n- a list\n',
    'over-size-limit (16 MiB + 1)': 'a' * (16 * 1024 * 1024 + 1),
}
for name, text in cases.items():
    data = text if isinstance(text, bytes) else text.encode()
    open(os.path.join(d, name.split(' ')[0] + '.yaml'), 'wb').write(data)
PY
cp tests/fixtures/invalid/too-many-components.yaml "$dir/too-many-components.yaml"
echo "| input | diagnostic | exit | wall ms | peak RSS MiB |"
echo "|---|---|---:|---:|---:|"
for f in "$dir"/*.yaml; do
  name=$(basename "$f" .yaml)
  start=$(date +%s%N)
  /usr/bin/time -f "%M" -o "$dir/rss" "$bin" validate "$f" > /dev/null 2> "$dir/err" && code=0 || code=$?
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  diag=$(grep -m1 -oE '^error\[[a-z0-9-]+\]' "$dir/err" || echo "-")
  printf '| %s | `%s` | %s | %s | %s |\n' "$name" "$diag" "$code" "$ms" "$(( $(tail -1 "$dir/rss") / 1024 ))"
done
