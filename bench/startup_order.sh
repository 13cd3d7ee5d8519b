#!/usr/bin/env bash
# Regenerates link/startup.order, the functions a `tray-mcp serve --sandbox` session runs (then
# those an install into every client adds), which
# build.rs has the linker put first in release builds (why: build.rs). Run it after changes to
# what `serve` does at start-up or to dependencies, then rebuild and compare with
# bench/check.sh. Needs valgrind (apt-get install valgrind).
#
#   bench/startup_order.sh
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "startup_order: valgrind is needed (apt-get install valgrind)" >&2; exit 1; }
work="$(mktemp -d /tmp/tray-order.XXXXXX)"
trap 'rm -rf "$work"' EXIT
# The map of exactly the binary that is traced (build.rs passes -Map when this is set).
TRAY_MCP_LINK_MAP="$work/link.map" cargo build --release --locked
# shellcheck source=bench/floor_lib.sh
. bench/floor_lib.sh
floor_skeleton "$work/skeleton"
python3 bench/startup_order.py target/release/tray-mcp "$work/link.map" "$work/skeleton" >"$work/startup.order"
mv "$work/startup.order" link/startup.order
# Link again without the map, with the new order.
cargo build --release --locked
