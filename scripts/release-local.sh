#!/usr/bin/env bash
# Builds into target/release-local/ every release artifact this machine (Linux x86_64) can build, with
# dist (cargo-dist), the tool that builds them all on a version tag (.github/workflows/release.yml):
#
#   scripts/release-local.sh            # the artifacts as a release ships them (fat LTO, minutes)
#   scripts/release-local.sh --quick    # the same artifacts from a quick build, for the tests
#
# - tray-mcp-x86_64-unknown-linux-gnu.tar.xz and its .sha256 (dist, profile `dist`)
# - tray-mcp-installer.sh (shell) and tray-mcp-installer.ps1 (PowerShell), tray-mcp.rb (Homebrew)
#   (dist; the installers download from the GitHub release, or from TRAY_MCP_DOWNLOAD_URL)
# - npm/tray-mcp-<version>.tgz and npm/tray-mcp-linux-x64-<version>.tgz (scripts/npm-packages.sh)
# - tray-mcp-<version>-linux.mcpb, the Claude Desktop extension (`tray-mcp bundle`)
# - sha256.sum over all of them
# The macOS, Windows, musl and arm64 archives need their own runners or toolchains: only the
# workflow builds them. dist comes from target/test-tools (scripts/test.sh installs it, pinned)
# or $DIST. Builds the release binary once; later runs only relink what changed.
#
# --quick (scripts/test.sh uses it): the same dist commands and profile, with the profile's code
# generation overridden through Cargo's environment configuration (no LTO, 16 codegen units,
# opt-level 0, incremental), so the packaging is tested for real in minutes rather than the
# half hour a cold fat-LTO build takes on two cores. Cargo.toml's [profile.dist] is unchanged:
# the workflow and a plain run still build what ships. A quick build is not for publishing.
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
case "${1:-}" in
  --quick) quick=1 ;;
  "") ;;
  *) echo "usage: scripts/release-local.sh [--quick]" >&2; exit 2 ;;
esac
if [ "$quick" = 1 ]; then
  # dist 0.33 builds with `cargo build --profile dist` ([profile.dist] in Cargo.toml); these
  # override that profile for this process only.
  export CARGO_PROFILE_DIST_LTO=off
  export CARGO_PROFILE_DIST_CODEGEN_UNITS=16
  export CARGO_PROFILE_DIST_OPT_LEVEL=0
  export CARGO_PROFILE_DIST_DEBUG=0
  export CARGO_PROFILE_DIST_INCREMENTAL=true
fi

dist="${DIST:-$PWD/target/test-tools/release-venv/bin/dist}"
if [ ! -x "$dist" ]; then
  echo "release-local.sh: dist not found at $dist (run scripts/test.sh once, or set DIST)" >&2
  exit 1
fi
target="x86_64-unknown-linux-gnu"
# Not target/dist/: with --target, cargo keeps the dist profile's build scripts and proc macros
# there, and clearing it made every run rebuild nearly everything.
out="$PWD/target/release-local"

# Reuse: when every input is what the last successful run built from (the content of every file
# git tracks or would track, the mode and its Cargo overrides, rustc and dist) and the artifacts
# still match their sha256.sum, they are kept as they are. Anything else rebuilds.
inputs_stamp="$PWD/target/release-local.inputs"
# The inputs' digest, or nothing (then no reuse) outside a git checkout or when a file is gone.
inputs_digest() {
  local listing
  listing="$(git ls-files --cached --others --exclude-standard -z | xargs -0 sha256sum)" || return 0
  printf '%s\n' "quick=$quick" "$(env | grep '^CARGO_PROFILE_DIST_' | sort)" "$(rustc -V)" \
    "$("$dist" --version)" "$listing" | sha256sum | cut -d' ' -f1
}
inputs="$(inputs_digest 2>/dev/null || true)"
if [ -n "$inputs" ] && [ -f "$inputs_stamp" ] && [ "$(cat "$inputs_stamp")" = "$inputs" ] &&
  (cd "$out" 2>/dev/null && sha256sum --quiet -c sha256.sum >/dev/null 2>&1); then
  echo "release-local.sh: inputs unchanged since the last build; reusing $out" >&2
  exit 0
fi
rm -f "$inputs_stamp"

rm -rf target/distrib
# The archive for this machine's target, then the installers and formula (which list every
# target of dist-workspace.toml; a target filter would drop the PowerShell installer).
"$dist" build --artifacts=local --target "$target" --output-format=json >target/dist-manifest-local.json
"$dist" build --artifacts=global --output-format=json >target/dist-manifest-global.json

rm -rf "$out"
mkdir -p "$out"
for file in "tray-mcp-$target.tar.xz" "tray-mcp-$target.tar.xz.sha256" \
  tray-mcp-installer.sh tray-mcp-installer.ps1 tray-mcp.rb; do
  if [ ! -f "target/distrib/$file" ]; then
    echo "release-local.sh: dist did not build $file" >&2
    exit 1
  fi
  cp "target/distrib/$file" "$out/"
done
(cd "$out" && sha256sum -c "tray-mcp-$target.tar.xz.sha256" >/dev/null)

version="$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)"
scripts/npm-packages.sh "$out" "$version" "$out/npm" >/dev/null

# The Claude Desktop extension of the archive's own binary (`tray-mcp bundle`; tests/it/bundle.rs
# checks what it writes with the official mcpb CLI).
unpacked="$(mktemp -d)"
tar -xJf "$out/tray-mcp-$target.tar.xz" -C "$unpacked"
"$unpacked/tray-mcp-$target/tray-mcp" bundle --out "$out/tray-mcp-$version-linux.mcpb" >/dev/null 2>&1
rm -rf "$unpacked"

(cd "$out" && find . -type f ! -name sha256.sum -printf '%P\n' | sort | xargs sha256sum >sha256.sum)
[ -n "$inputs" ] && echo "$inputs" >"$inputs_stamp"
kind="release build"; [ "$quick" = 1 ] && kind="quick build (tests only, not for publishing)"
echo "release-local.sh: $kind, into $out:" >&2
(cd "$out" && find . -type f -printf '  %P\n' | sort) >&2
