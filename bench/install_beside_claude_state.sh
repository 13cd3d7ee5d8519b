#!/usr/bin/env bash
# What the case-clash check costs (issue 9): install into Cursor only, once with a ~24 MB
# ~/.claude.json beside it (Claude Code's state file, which the check reads for its entries),
# once without it. Needs hyperfine (apt-get install hyperfine) and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${RUNS:-20}"
work="$(mktemp -d /tmp/tray-bench.XXXXXX)"
trap 'rm -rf "$work"' EXIT
cargo build --release --quiet
tray="$PWD/target/release/tray-mcp"
python3 - "$work/big.json" <<'PY'
import json, random, string, sys
random.seed(7)
projects = {f"/home/ada/src/project-{i}": {"mcpServers": {}, "history": [{"display": "".join(random.choices(string.ascii_letters + " ", k=300))} for _ in range(20)]} for i in range(3300)}
open(sys.argv[1], "w").write(json.dumps({"projects": projects, "mcpServers": {}}, indent=2))
PY
home="$work/home"
export HOME="$home" XDG_CONFIG_HOME="$home/.config" APPDATA="$home/AppData" USERPROFILE="$home" \
  TRAY_MCP_TOKEN_STORE=file TRAY_API_TOKEN="bench-token-0123456789"
workspace="3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718"
echo "bench: ~/.claude.json of $(stat -c %s "$work/big.json") bytes" >&2
hyperfine -N --style basic --warmup 2 --runs "$runs" \
  --prepare "sh -c 'rm -rf $home && mkdir -p $home/.cursor && cp $work/big.json $home/.claude.json && sync'" \
  -n "cursor, big ~/.claude.json beside it" "$tray -w $workspace -c cursor" \
  --prepare "sh -c 'rm -rf $home && mkdir -p $home/.cursor && sync'" \
  -n "cursor, no ~/.claude.json" "$tray -w $workspace -c cursor"
