#!/usr/bin/env bash
# Benchmark of the installer (issue 2), side by side in one run:
#   (a) one install into all five clients in a fresh fake home: tray-mcp vs add-mcp@2.4.0
#       (the same entry for both: the mcp-remote bridge, which every client accepts);
#   (b) one install into a 20 MB ~/.claude.json vs copying that file with cp.
# Needs hyperfine (apt-get install hyperfine), node/npm, python3. Prints a Markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."

runs="${RUNS:-30}"
work="$(mktemp -d /tmp/tray-bench.XXXXXX)"
trap 'rm -rf "$work"' EXIT
command -v hyperfine >/dev/null || { echo "bench: hyperfine is needed (apt-get install hyperfine)" >&2; exit 1; }

cargo build --release --quiet
tray="$PWD/target/release/tray-mcp"

tools="$PWD/target/bench-tools"
if [ ! -x "$tools/node_modules/.bin/add-mcp" ]; then
  mkdir -p "$tools" && [ -f "$tools/package.json" ] || echo '{"private":true}' >"$tools/package.json"
  (cd "$tools" && npm install --silent --no-audit --no-fund --save-exact add-mcp@2.4.0)
fi
add_mcp="$tools/node_modules/.bin/add-mcp"

workspace="3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718"
home="$work/home"
export HOME="$home" XDG_CONFIG_HOME="$home/.config" TRAY_API_TOKEN="bench-token-0123456789"
fresh="sh -c 'rm -rf $home && mkdir -p $home && sync'"

hyperfine -N --style basic --warmup 3 --runs "$runs" --prepare "$fresh" --export-json "$work/a.json" \
  -n "tray-mcp (5 clients)" \
  "$tray -w $workspace -c claude,claude-code,cursor,windsurf,vscode --transport bridge" \
  -n "add-mcp@2.4.0 (5 clients)" \
  "node $add_mcp mcp-remote@0.15.1 --args https://$workspace.mcp.tray.ai --args --header --args Authorization:\${TRAY_AUTH_HEADER} --env TRAY_AUTH_HEADER=Bearer-bench-token -g -y -n tray-workspace -a claude-desktop -a claude-code -a cursor -a windsurf -a vscode" \
  >&2

# shellcheck source=bench/floor_lib.sh
. bench/floor_lib.sh
big_claude_state "$work/big.json"
big_size=$(stat -c %s "$work/big.json")
with_big="sh -c 'rm -rf $home && mkdir -p $home && cp $work/big.json $home/.claude.json && sync'"
hyperfine -N --style basic --warmup 2 --runs "$runs" --prepare "$with_big" --export-json "$work/b.json" \
  -n "tray-mcp (20 MB ~/.claude.json)" "$tray -w $workspace -c claude-code" \
  -n "cp (same file)" "cp $work/big.json $home/copy.json" \
  >&2

python3 - "$work/a.json" "$work/b.json" "$big_size" <<'PY'
import json, statistics, sys
def medians(path):
    return [(r["command"], statistics.median(r["times"]) * 1000) for r in json.load(open(path))["results"]]
a, b = medians(sys.argv[1]), medians(sys.argv[2])
print("| job | command | median (ms) |")
print("|---|---|---|")
for name, ms in a + b:
    print(f"| {'a' if (name, ms) in a else 'b'} | {name} | {ms:.1f} |")
print()
print(f"(a) tray-mcp is {a[1][1] / a[0][1]:.1f}x faster than add-mcp (target: at least 50x)")
print(f"(b) tray-mcp takes {b[0][1] / b[1][1]:.1f}x the time of cp on a {int(sys.argv[3]) / 1e6:.1f} MB file (target: under 3x)")
PY
