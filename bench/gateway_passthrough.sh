#!/usr/bin/env bash
# Benchmark: `tray-mcp serve --gateway` (release build) versus mcp-remote@0.15.1, both bridging
# stdio to the same local MCP server (@modelcontextprotocol/server-everything@2026.8.31,
# streamableHttp, bound to 127.0.0.1 by bench/loopback_only.mjs), in the same run:
# start to first tools/list answer, peak memory, and the median and p99 latency that each
# bridge adds to 1,000 tools/call round trips over calling the server directly.
#
#   bench/gateway_passthrough.sh [RUNS] [CALLS]     (default 20 start-ups, 1000 calls)
#
# Needs the pinned tools from scripts/test.sh (target/test-tools, or TRAY_MCP_TEST_TOOLS) and
# builds the release binary once. Everything listens on 127.0.0.1 and is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

runs="${1:-20}"
calls="${2:-1000}"
tools="${TRAY_MCP_TEST_TOOLS:-$PWD/target/test-tools}"
bin_dir="$tools/npm/node_modules/.bin"
for tool in mcp-remote mcp-server-everything; do
  [ -x "$bin_dir/$tool" ] || { echo "gateway_passthrough.sh: $bin_dir/$tool missing; run scripts/test.sh first" >&2; exit 1; }
done

cargo build --release --locked --quiet
tray_mcp="$PWD/target/release/tray-mcp"

scratch="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$scratch"
}
trap cleanup EXIT

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')"
PORT="$port" NODE_OPTIONS="--import $PWD/bench/loopback_only.mjs" \
  "$bin_dir/mcp-server-everything" streamableHttp >"$scratch/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
  grep -q "listening on port" "$scratch/server.log" 2>/dev/null && break
  sleep 0.1
done
grep -q "listening on port" "$scratch/server.log" || { cat "$scratch/server.log" >&2; exit 1; }
url="http://127.0.0.1:$port/mcp"

export HOME="$scratch/home"   # mcp-remote keeps state under ~/.mcp-auth
mkdir -p "$HOME"
# tray-mcp's built-in tools need a workspace and a token; neither is used at start-up.
export TRAY_API_TOKEN="bench-token" TRAY_GATEWAY_URL="$url"

report="$(python3 bench/measure_gateway.py "$url" "$runs" "$calls" -- \
  "tray-mcp=$tray_mcp serve --workspace-id 3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718 --gateway --log-level error" \
  "mcp-remote=$bin_dir/mcp-remote $url --transport http-only")"

python3 - "$report" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
ours, theirs = r["tray-mcp"], r["mcp-remote"]
hs = r["direct_handshake_ms_median"]
print(f"| | start → first `tools/list` answer (median of {r['runs']}) | of which the bridge's own (minus the server's {hs:.1f} ms handshake) | peak RSS | added latency, median of {r['calls']} calls | added latency, p99 |")
print("|---|---|---|---|---|---|")
for label, b in (("`tray-mcp serve --gateway`", ours), ("`mcp-remote@0.15.1`", theirs)):
    print(f"| {label} | {b['startup_ms_median']:.1f} ms (min {b['startup_ms_min']:.1f}, max {b['startup_ms_max']:.1f}) | {b['startup_ms_median'] - hs:.1f} ms | {b['peak_rss_mib']:.1f} MiB | {b['added_median_ms']:+.3f} ms (call {b['calls']['median_ms']:.3f} vs direct {b['direct_before']['median_ms']:.3f}/{b['direct_after']['median_ms']:.3f}) | {b['added_p99_ms']:+.3f} ms |")
print(f"| ratio | **{theirs['startup_ms_median'] / ours['startup_ms_median']:.0f}× faster** | {(theirs['startup_ms_median'] - hs) / max(ours['startup_ms_median'] - hs, 0.1):.0f}× | **{theirs['peak_rss_mib'] / ours['peak_rss_mib']:.0f}× less memory** | | |")
print()
print("raw:", json.dumps(r))
PY
