#!/usr/bin/env bash
# Builds the npm packages from dist's release archives, in the layout esbuild and biome use:
#
#   scripts/npm-packages.sh DISTRIB_DIR VERSION OUT_DIR
#
# - one package per platform, @tray-mcp/<os>-<cpu>, holding only the binary, with `os` and
#   `cpu` fields so npm installs just the matching one;
# - the main package `tray-mcp`: packaging/npm/tray-mcp.js as its `tray-mcp` command, and the
#   platform packages built here as optionalDependencies.
# Once installed nothing is downloaded (dist's own npm installer fetches the binary from the
# GitHub release on first run instead, which fails offline; hence this script).
# Writes OUT_DIR/*.tgz (npm pack). Used by scripts/release-local.sh and .github/workflows/publish-npm.yml.
set -euo pipefail
cd "$(dirname "$0")/.."

distrib="$1"
version="$2"
out="$3"
# The repository is configured once, in Cargo.toml (`repository`, a placeholder until the first
# release: see the README); the packages name it as npm's "github:OWNER/NAME".
repository_url="$(sed -n 's/^repository = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)"
case "$repository_url" in
  https://github.com/*/*) repository="github:${repository_url#https://github.com/}" ;;
  *) echo "npm-packages.sh: Cargo.toml's repository is not https://github.com/OWNER/NAME: $repository_url" >&2; exit 1 ;;
esac
# The MCP Registry name (server.json): the registry proves the package is ours by `mcpName`.
mcp_name="$(sed -n 's/^  "name": "\(.*\)",$/\1/p' server.json | head -n 1)"
[ -n "$mcp_name" ] || { echo "npm-packages.sh: no name in server.json" >&2; exit 1; }
mkdir -p "$out"
out="$(cd "$out" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# dist target triple -> npm os, cpu, libc ("" for any: musl builds are static).
platform_of() {
  case "$1" in
    x86_64-unknown-linux-musl) echo "linux x64 -" ;;
    aarch64-unknown-linux-musl) echo "linux arm64 -" ;;
    x86_64-unknown-linux-gnu) echo "linux x64 glibc" ;;
    aarch64-unknown-linux-gnu) echo "linux arm64 glibc" ;;
    x86_64-apple-darwin) echo "darwin x64 -" ;;
    aarch64-apple-darwin) echo "darwin arm64 -" ;;
    x86_64-pc-windows-msvc) echo "win32 x64 -" ;;
    aarch64-pc-windows-msvc) echo "win32 arm64 -" ;;
    *) return 1 ;;
  esac
}

declare -A chosen=()
for archive in "$distrib"/tray-mcp-*.tar.xz "$distrib"/tray-mcp-*.tar.gz "$distrib"/tray-mcp-*.zip; do
  [ -f "$archive" ] || continue
  base="$(basename "$archive")"
  triple="${base#tray-mcp-}"
  triple="${triple%.tar.xz}"; triple="${triple%.tar.gz}"; triple="${triple%.zip}"
  read -r os cpu libc < <(platform_of "$triple") || continue
  key="$os-$cpu"
  # A static musl build beats a glibc one for the same platform.
  if [ -n "${chosen[$key]:-}" ] && [ "$libc" = "glibc" ]; then continue; fi
  chosen[$key]="$archive $libc"
done
if [ "${#chosen[@]}" -eq 0 ]; then
  echo "npm-packages.sh: no tray-mcp-<target> archive in $distrib" >&2
  exit 1
fi

optional=""
for key in $(printf '%s\n' "${!chosen[@]}" | sort); do
  read -r archive libc <<<"${chosen[$key]}"
  os="${key%-*}"; cpu="${key#*-}"
  package="$work/$key"
  mkdir -p "$package/bin" "$package/unpack"
  case "$archive" in
    *.zip) (cd "$package/unpack" && python3 -m zipfile -e "$archive" .) ;;
    *) tar -xf "$archive" -C "$package/unpack" ;;
  esac
  file="tray-mcp"; [ "$os" = "win32" ] && file="tray-mcp.exe"
  found="$(find "$package/unpack" -type f -name "$file" | head -n 1)"
  [ -n "$found" ] || { echo "npm-packages.sh: no $file in $archive" >&2; exit 1; }
  cp "$found" "$package/bin/$file"
  chmod 755 "$package/bin/$file"
  rm -rf "$package/unpack"
  libc_field=""
  [ "$libc" = "glibc" ] && libc_field=$',\n  "libc": ["glibc"]'
  cat >"$package/package.json" <<JSON
{
  "name": "@tray-mcp/$key",
  "version": "$version",
  "description": "The tray-mcp binary for $os $cpu (installed by the tray-mcp package)",
  "license": "MIT",
  "repository": "$repository",
  "os": ["$os"],
  "cpu": ["$cpu"]$libc_field,
  "files": ["bin/$file"],
  "preferUnplugged": true
}
JSON
  (cd "$package" && npm pack --silent --pack-destination "$out" >/dev/null)
  optional="$optional${optional:+,}"$'\n'"    \"@tray-mcp/$key\": \"$version\""
done

main="$work/tray-mcp"
mkdir -p "$main/bin"
sed "s|@REPOSITORY_URL@|$repository_url|g" packaging/npm/tray-mcp.js >"$main/bin/tray-mcp.js"
chmod 755 "$main/bin/tray-mcp.js"
cp README.md "$main/README.md"
cat >"$main/package.json" <<JSON
{
  "name": "tray-mcp",
  "version": "$version",
  "mcpName": "$mcp_name",
  "description": "Connect AI clients (Claude Desktop, Claude Code, Cursor, Windsurf, VS Code, ...) to a Tray.io workspace",
  "license": "MIT",
  "repository": "$repository",
  "bin": { "tray-mcp": "bin/tray-mcp.js" },
  "files": ["bin/tray-mcp.js", "README.md"],
  "engines": { "node": ">=18" },
  "optionalDependencies": {$optional
  }
}
JSON
(cd "$main" && npm pack --silent --pack-destination "$out" >/dev/null)
ls "$out"/*.tgz
