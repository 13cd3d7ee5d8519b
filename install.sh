#!/usr/bin/env bash
# Builds and installs tray-mcp from this checkout. Needs only the Rust toolchain (cargo).
#
#   ./install.sh            build, install into cargo's bin folder, say where it went
#
# Works without a terminal (CI, scripts): then it just installs and prints the next step.
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v cargo >/dev/null 2>&1; then
  echo "install.sh: cargo was not found. Install Rust first: https://rustup.rs" >&2
  exit 1
fi

echo "install.sh: building tray-mcp (release) and installing it with cargo install..." >&2
cargo install --path . --locked --force --quiet

bin_dir="${CARGO_INSTALL_ROOT:-${CARGO_HOME:-$HOME/.cargo}}/bin"
binary="$bin_dir/tray-mcp"
if [ ! -x "$binary" ]; then
  echo "install.sh: cargo install finished, but $binary is missing" >&2
  exit 1
fi
echo "installed: $binary ($("$binary" --version))"

case ":$PATH:" in
  *":$bin_dir:"*) ;;
  *)
    echo ""
    echo "$bin_dir is not on your PATH. Add it, e.g. for bash:"
    echo "  echo 'export PATH=\"$bin_dir:\$PATH\"' >> ~/.bashrc && source ~/.bashrc"
    echo "(Client configs written by tray-mcp use the absolute path, so they work either way.)"
    ;;
esac

next_step="next: $binary -w <WORKSPACE_UUID> --api-token-stdin -c claude < token.txt    (or: $binary --sandbox -c claude-code to try it without an account)"
if [ -t 0 ] && [ -t 1 ] && "$binary" install --help 2>/dev/null | grep -q -- "--interactive"; then
  printf '\nStart the setup wizard now? [Y/n] '
  read -r answer || answer="n"
  case "$answer" in
    ""|y|Y|yes|Yes) exec "$binary" install --interactive ;;
    *) echo "$next_step" ;;
  esac
else
  echo "$next_step"
fi
