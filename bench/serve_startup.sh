#!/usr/bin/env bash
# Benchmark: start-to-initialize-response time and peak memory of `tray-mcp serve --sandbox`
# (release build) versus mcp-remote@0.15.1 bridging stdio to a local MCP server
# (@modelcontextprotocol/server-everything in streamableHttp mode on 127.0.0.1), same run.
#
#   bench/serve_startup.sh [RUNS]        (default 20 runs each)
#
# Needs the pinned tools from scripts/test.sh (target/test-tools, or TRAY_MCP_TEST_TOOLS) and
# builds the release binary once. Everything listens on 127.0.0.1 and is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

runs="${1:-20}"
tools="${TRAY_MCP_TEST_TOOLS:-$PWD/target/test-tools}"
bin_dir="$tools/npm/node_modules/.bin"
for tool in mcp-remote mcp-server-everything; do
  [ -x "$bin_dir/$tool" ] || { echo "serve_startup.sh: $bin_dir/$tool missing; run scripts/test.sh first" >&2; exit 1; }
done

# TRAY_MCP_BIN=path measures another build; BENCH_JSON=file also writes both runs' figures there
# (bench/check.sh reads them).
if [ -n "${TRAY_MCP_BIN:-}" ]; then
  tray_mcp="$TRAY_MCP_BIN"
else
  cargo build --release --locked --quiet
  tray_mcp="$PWD/target/release/tray-mcp"
fi
# The binary's pages as after a reboot: written back and dropped from the page cache, then read
# from disk by the first run. A binary just written (by the linker, cp, an installer) measured
# up to 0.5 MiB more resident than the same file read back (5.9 against 5.4 MiB, 2026-12-06), so
# two builds compare only in the same state.
sync "$tray_mcp"
python3 -c 'import os, sys; fd = os.open(sys.argv[1], os.O_RDONLY); os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)' "$tray_mcp"

scratch="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$scratch"
}
trap cleanup EXIT

# A free loopback port for the reference server.
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')"
PORT="$port" NODE_OPTIONS="--import $PWD/bench/loopback_only.mjs" \
  "$bin_dir/mcp-server-everything" streamableHttp >"$scratch/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
  grep -q "listening on port" "$scratch/server.log" 2>/dev/null && break
  sleep 0.1
done
grep -q "listening on port" "$scratch/server.log" || { cat "$scratch/server.log" >&2; exit 1; }

export HOME="$scratch/home"   # mcp-remote keeps state under ~/.mcp-auth
mkdir -p "$HOME"

echo "tray-mcp serve --sandbox ($runs runs)..." >&2
ours="$(python3 bench/measure_startup.py "$runs" -- "$tray_mcp" serve --sandbox --log-level error)"
echo "mcp-remote -> server-everything on 127.0.0.1:$port ($runs runs)..." >&2
theirs="$(python3 bench/measure_startup.py "$runs" -- "$bin_dir/mcp-remote" "http://127.0.0.1:$port/mcp" --transport http-only)"

if [ -n "${BENCH_JSON:-}" ]; then
  printf '{"tray-mcp": %s, "mcp-remote": %s}\n' "$ours" "$theirs" >"$BENCH_JSON"
fi
python3 - "$ours" "$theirs" <<'PY'
import json, sys
ours, theirs = json.loads(sys.argv[1]), json.loads(sys.argv[2])
speed = theirs["startup_ms_median"] / ours["startup_ms_median"]
memory = theirs["peak_rss_mib_median"] / ours["peak_rss_mib_median"]
print(f"| | start → initialize response (median of {ours['runs']}) | peak RSS (median) |")
print("|---|---|---|")
print(f"| `tray-mcp serve --sandbox` | {ours['startup_ms_median']:.1f} ms (min {ours['startup_ms_min']:.1f}, max {ours['startup_ms_max']:.1f}) | {ours['peak_rss_mib_median']:.1f} MiB |")
print(f"| `mcp-remote@0.15.1` → server-everything (127.0.0.1) | {theirs['startup_ms_median']:.1f} ms (min {theirs['startup_ms_min']:.1f}, max {theirs['startup_ms_max']:.1f}) | {theirs['peak_rss_mib_median']:.1f} MiB |")
print(f"| ratio | **{speed:.0f}× faster** | **{memory:.0f}× less memory** |")
PY
