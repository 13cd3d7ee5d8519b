#!/usr/bin/env bash
# Issue 21 (12): `apply` with many declared entries in one client's file. A manifest of N sandbox
# entries (N=10000 by default), all in Cursor's ~/.cursor/mcp.json, in a fresh home:
#   first   `apply`            (every entry added: one file of N entries written)
#   again   `apply`            (every entry in step: nothing written)
#   check   `apply --check`    (every entry compared)
# Prints each step's wall time. Linear means doubling N doubles each time (try N=5000 then 10000).
#   bench/apply_many.sh [N]           # builds the release binary
#   TRAY_MCP_BIN=path bench/apply_many.sh 10000   # another build (e.g. main's, from its dist tarball)
set -euo pipefail
cd "$(dirname "$0")/.."
count="${1:-10000}"
if [ -n "${TRAY_MCP_BIN:-}" ]; then
  tray="$TRAY_MCP_BIN"
else
  cargo build --release --locked --quiet
  tray="$PWD/target/release/tray-mcp"
fi
work="$(mktemp -d /tmp/tray-bench-apply.XXXXXX)"
trap 'rm -rf "$work"' EXIT
home="$work/home"
mkdir -p "$home/project" "$home/.cursor"
for i in $(seq 1 "$count"); do
  printf '[servers.tray-%05d]\nworkspace = "sandbox"\nclients = ["cursor"]\n\n' "$i"
done >"$home/project/tray-mcp.toml"
run() {
  local label="$1"
  shift
  local start end
  start=$(date +%s.%N)
  (cd "$home/project" && env -i PATH="$PATH" HOME="$home" XDG_CONFIG_HOME="$home/.config" \
    TRAY_MCP_TOKEN_STORE=file TRAY_MCP_INSTALL_DIR="$(dirname "$tray")" \
    "$tray" apply --file tray-mcp.toml "$@" >/dev/null 2>&1) || { echo "bench: $label failed" >&2; exit 1; }
  end=$(date +%s.%N)
  printf '%-6s %6d entries  %8.2f s\n' "$label" "$count" "$(echo "$end - $start" | bc)"
}
run first
run again
run check --check
