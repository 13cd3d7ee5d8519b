#!/bin/sh
# Builds tray-mcp from this checkout and installs it into ~/.local/bin (or $TRAY_MCP_ROOT/bin).
#
# On a terminal it then offers to start the setup wizard; without one (CI, a pipe) it just
# installs and prints the next step. Extra arguments go to `cargo install` (e.g. --debug).
set -eu
cd "$(dirname "$0")"

root="${TRAY_MCP_ROOT:-$HOME/.local}"
cargo install --locked --quiet --path . --root "$root" "$@"
binary="$root/bin/tray-mcp"
echo "installed $binary" >&2

case ":$PATH:" in
  *":$root/bin:"*) ;;
  *) echo "note: $root/bin is not on PATH; add it, or run $binary by its full path" >&2 ;;
esac

if [ -t 0 ] && [ -t 2 ]; then
  printf 'Start the setup wizard now to connect your AI clients? [Y/n] ' >&2
  read -r answer || answer=n
  case "$answer" in
    [nN]*) ;;
    *) exec "$binary" install --interactive ;;
  esac
fi
echo "next: run \`tray-mcp\` on a terminal to connect your AI clients (or \`tray-mcp --help\` for flags)" >&2
