#!/usr/bin/env bash
# Regenerates the pictures and the schema under docs/ from the real tool:
#   docs/drplan.schema.json          drplan schema
#   docs/graph-active-passive.svg    drplan graph topologies/active-passive.yaml | dot -Tsvg
#   docs/graph-active-passive-region-us-east.svg   the same after region:us-east fails
#   docs/table-active-passive.png    drplan analyze --color always, the terminal as a picture
#   docs/report-active-passive.png   drplan analyze --format html, screenshot in headless Chromium
# Needs graphviz (dot), chromium and python3 (Debian packages graphviz, chromium, python3).
# Run from anywhere: scripts/regenerate-docs.sh
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --quiet
drplan=target/debug/drplan
example=topologies/active-passive.yaml
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

chrome() {
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$tmp/profile" --hide-scrollbars "$@" 2>/dev/null
}

echo "docs/drplan.schema.json"
"$drplan" schema --output docs/drplan.schema.json

echo "docs/graph-active-passive.svg"
"$drplan" graph "$example" | dot -Tsvg > docs/graph-active-passive.svg
echo "docs/graph-active-passive-region-us-east.svg"
"$drplan" graph "$example" --scenario region:us-east | dot -Tsvg > docs/graph-active-passive-region-us-east.svg

echo "docs/report-active-passive.png"
"$drplan" analyze "$example" --format html --output "$tmp/report.html"
chrome --window-size=1280,2300 --screenshot="$tmp/report.png" "file://$tmp/report.html"
mv "$tmp/report.png" docs/report-active-passive.png

echo "docs/table-active-passive.png"
# The terminal output with its colors, as HTML (ANSI SGR codes to spans), then a screenshot.
"$drplan" --color always analyze "$example" > "$tmp/table.ansi"
python3 - "$tmp/table.ansi" "$tmp/table.html" <<'PY'
import html, re, sys
text = open(sys.argv[1], encoding="utf-8").read()
colors = {"31": "#e06c75", "32": "#98c379", "33": "#e5c07b", "34": "#61afef",
          "35": "#c678dd", "36": "#56b6c2", "90": "#7f848e", "91": "#e06c75",
          "92": "#98c379", "93": "#e5c07b"}
out, style = [], {}
for part in re.split(r"(\x1b\[[0-9;]*m)", text):
    m = re.fullmatch(r"\x1b\[([0-9;]*)m", part)
    if m:
        codes = (m.group(1) or "0").split(";")
        while codes:
            code = codes.pop(0)
            if code in ("0", ""): style = {}
            elif code == "1": style["font-weight"] = "bold"
            elif code == "22": style.pop("font-weight", None)
            elif code == "38" and codes[:1] == ["5"]:
                n = int(codes[1]) if len(codes) > 1 else 7
                codes = codes[2:]
                base = n - 8 if 8 <= n < 16 else n
                style["color"] = colors.get(str(30 + base), "#dcdfe4") if base < 8 else "#dcdfe4"
            elif code in colors: style["color"] = colors[code]
            elif code == "39": style.pop("color", None)
        continue
    if part:
        css = ";".join(f"{k}:{v}" for k, v in style.items())
        out.append(f'<span style="{css}">{html.escape(part)}</span>' if css else html.escape(part))
page = ("<!doctype html><meta charset=utf-8><body style='margin:0;background:#1e2127'>"
        "<pre style='margin:0;padding:16px 20px;color:#dcdfe4;"
        "font:13px/1.35 \"DejaVu Sans Mono\",monospace;display:inline-block'>"
        "<span style='color:#7f848e'>$ drplan analyze topologies/active-passive.yaml</span>\n"
        + "".join(out) + "</pre>")
open(sys.argv[2], "w", encoding="utf-8").write(page)
PY
lines=$(wc -l < "$tmp/table.ansi")
chrome --window-size=1500,$(( lines * 18 + 50 )) --screenshot="$tmp/table.png" "file://$tmp/table.html"
mv "$tmp/table.png" docs/table-active-passive.png
echo "done"
