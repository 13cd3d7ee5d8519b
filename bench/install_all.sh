#!/usr/bin/env bash
# Issue 10's installer benchmark, side by side in one hyperfine run, each run from a fresh home in
# which every client tray-mcp supports is installed (its folder exists):
#   (a) `tray-mcp -c all` (every client) against the durable floor, bench/durable_floor.rs: the
#       same files, byte for byte and mode for mode, written with temp file, fsync, rename and
#       folder fsync and nothing else (target: tray-mcp at most 1.25x the floor);
#   (b) tray-mcp into the clients add-mcp@2.4.0 also supports, against add-mcp into the same
#       clients (target: tray-mcp at least 25x faster).
# Both tools write the mcp-remote bridge entry (the one entry add-mcp can write to every client).
# Needs hyperfine (apt-get install hyperfine), node/npm, python3 and rustc. RUNS=30 by default.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${RUNS:-30}"
command -v hyperfine >/dev/null || { echo "bench: hyperfine is needed (apt-get install hyperfine)" >&2; exit 1; }

# TRAY_MCP_BIN=path measures another build (e.g. an older one kept outside /tmp: a binary run from
# a temporary folder installs itself to ~/.local/bin first).
if [ -n "${TRAY_MCP_BIN:-}" ]; then
  tray="$TRAY_MCP_BIN"
else
  cargo build --release --locked --quiet
  tray="$PWD/target/release/tray-mcp"
fi
tools="$PWD/target/bench-tools"
mkdir -p "$tools"
if [ ! -x "$tools/node_modules/.bin/add-mcp" ]; then
  [ -f "$tools/package.json" ] || echo '{"private":true}' >"$tools/package.json"
  (cd "$tools" && npm install --silent --no-audit --no-fund --save-exact add-mcp@2.4.0)
fi
add_mcp="$tools/node_modules/.bin/add-mcp"
# shellcheck source=bench/floor_lib.sh
. bench/floor_lib.sh
floor="$tools/durable_floor"
floor_build "$floor"

work="$(mktemp -d /tmp/tray-bench.XXXXXX)"
trap 'rm -rf "$work"' EXIT
home="$work/home"
export HOME="$home" XDG_CONFIG_HOME="$home/.config" APPDATA="$home/AppData" USERPROFILE="$home" \
  TRAY_MCP_TOKEN_STORE=file TRAY_API_TOKEN="bench-token-0123456789"
workspace="3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718"

# Every client's install folder on Linux (what `-c all` detects). The check below fails when a
# client is added without its folder in bench/floor_lib.sh.
skeleton="$work/skeleton"
floor_skeleton "$skeleton"
fresh="sh -c 'rm -rf $home && cp -a $skeleton $home && sync'"
sh -c "rm -rf $home && cp -a $skeleton $home"
"$tray" clients --json | python3 -c '
import json, sys
missing = [c["id"] for c in json.load(sys.stdin)["clients"] if not c["installed"]]
if missing:
    sys.exit("bench: not detected in the fresh home: " + ", ".join(missing) + " (add their folders to bench/floor_lib.sh)")
'
clients_all=$("$tray" clients --json | python3 -c 'import json, sys; print(len(json.load(sys.stdin)["clients"]))')

# The clients both tools support (tray-mcp id = add-mcp agent). add-mcp writes Copilot CLI's file
# under $XDG_CONFIG_HOME and OpenCode's as opencode.jsonc; every other pair is the same file.
shared="claude=claude-desktop claude-code=claude-code cursor=cursor windsurf=windsurf vscode=vscode \
codex=codex gemini=gemini-cli copilot=github-copilot-cli opencode=opencode kilo=kilo-code \
cline=cline-cli zed=zed kiro=kiro-cli"
ours=""; theirs=""; count=0
for pair in $shared; do
  ours="$ours${ours:+,}${pair%%=*}"; theirs="$theirs -a ${pair#*=}"; count=$((count + 1))
done
tray_all="$tray -w $workspace -c all --transport bridge"
tray_shared="$tray -w $workspace -c $ours --transport bridge"
add_mcp_shared="node $add_mcp mcp-remote@0.15.1 --args https://$workspace.mcp.tray.ai --args --header \
--args Authorization:\${TRAY_AUTH_HEADER} --env TRAY_AUTH_HEADER=Bearer-bench-token -g -y -n tray-workspace$theirs"

# The floor's manifests: exactly the files one tray-mcp run writes, with their modes, and a check
# that the floor leaves the same tree (same files, modes and bytes): bench/floor_lib.sh.
manifest() { # NAME COMMAND...
  local name="$1"; shift
  floor_manifest "$home" "$work/$name.manifest" "rm -rf $home && cp -a $skeleton $home" "$@"
}
# shellcheck disable=SC2086
files=$(manifest all $tray_all)
# shellcheck disable=SC2086
shared_files=$(manifest shared $tray_shared)
echo "bench: $clients_all clients, $files files; add-mcp shares $count clients" >&2

# TRAY_MCP_BASELINE=path adds an older build's `-c all` to the same run, for before/after.
baseline=()
if [ -n "${TRAY_MCP_BASELINE:-}" ]; then
  baseline=(--prepare "$fresh" -n "baseline: $(basename "$TRAY_MCP_BASELINE") -c all" "$TRAY_MCP_BASELINE -w $workspace -c all --transport bridge")
fi

hyperfine -N --style basic --warmup 3 --runs "$runs" --export-json "$work/all.json" \
  --prepare "$fresh" -n "tray-mcp -c all ($clients_all clients)" "$tray_all" \
  --prepare "$fresh" -n "durable floor (the same $files files)" "$floor $work/all.manifest $home" \
  --prepare "$fresh" -n "tray-mcp ($count clients add-mcp shares)" "$tray_shared" \
  --prepare "$fresh" -n "durable floor (the same $shared_files files)" "$floor $work/shared.manifest $home" \
  --prepare "$fresh" -n "add-mcp@2.4.0 ($count clients)" "$add_mcp_shared" \
  "${baseline[@]}" >&2

python3 - "$work/all.json" <<'PY'
import json, statistics, sys
results = json.load(open(sys.argv[1]))["results"]
rows = [(r["command"], statistics.median(r["times"]) * 1000, r["mean"] * 1000, r["min"] * 1000, r["max"] * 1000) for r in results]
print("| command | median (ms) | mean | min | max |")
print("|---|---|---|---|---|")
for name, median, mean, low, high in rows:
    print(f"| {name} | {median:.1f} | {mean:.1f} | {low:.1f} | {high:.1f} |")
print()
(_, all_ms, *_), (_, floor_ms, *_), (_, shared_ms, *_), (_, shared_floor_ms, *_), (_, add_ms, *_) = rows[:5]
print(f"(a) tray-mcp -c all takes {all_ms / floor_ms:.2f}x the durable floor (target: at most 1.25x)")
print(f"(b) tray-mcp is {add_ms / shared_ms:.1f}x faster than add-mcp on the clients both support (target: at least 25x);")
print(f"    the durable floor of the same files is {add_ms / shared_floor_ms:.1f}x faster than add-mcp, and tray-mcp takes {shared_ms / shared_floor_ms:.2f}x it")
for name, median, *_ in rows[5:]:
    print(f"{name} takes {median / floor_ms:.2f}x the durable floor")
PY
