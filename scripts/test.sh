#!/usr/bin/env bash
# The one test command (README and .ci/run both call it).
#
# Installs the real clients the tests drive, pinned, into target/test-tools/ (once; later runs
# reuse them), checks formatting and lints, then runs the whole test suite. Tests find the tools
# through TRAY_MCP_TEST_TOOLS.
set -euo pipefail
cd "$(dirname "$0")/.."

tools="$PWD/target/test-tools"
mkdir -p "$tools"

# Pinned versions: on Node 20, npm silently picks old ones if we let it choose.
PYTHON_MCP_VERSION="2.3.0"
# The fleet example (examples/ansible/, tests/it/ansible.rs); 2.19 is the newest line that runs on
# Python 3.11.
ANSIBLE_CORE_VERSION="2.19.14"
NPM_PACKAGES=(
  "@anthropic-ai/claude-code@2.1.197"
  "@modelcontextprotocol/inspector@2.12.0"
  "@modelcontextprotocol/server-everything@2026.8.31"
  "mcp-remote@0.15.1"
  # The official MCP conformance suite; tests/it/conformance.rs runs its client scenarios against
  # `tray-mcp serve --gateway`.
  "@modelcontextprotocol/conformance@0.1.13"
  # Real clients that read back what we write (tests/it/real_*.rs): about 1.6 GB and 4 minutes on
  # the first run (codex alone ~420 MB), reused after.
  "@openai/codex@0.171.0"
  "@google/gemini-cli@0.61.0"
  "@github/copilot@1.0.102"
  "opencode-ai@1.18.33"
  "cline@3.0.65"
  "@qwen-code/qwen-code@0.24.4"
  # The official MCP Bundle CLI: tests/it/bundle.rs validates and unpacks `tray-mcp bundle`'s .mcpb.
  "@anthropic-ai/mcpb@2.1.2"
)

if [ ! -x "$tools/venv/bin/python" ] || ! "$tools/venv/bin/python" -c "import mcp" 2>/dev/null; then
  echo "test.sh: installing Python mcp==$PYTHON_MCP_VERSION into $tools/venv" >&2
  python3 -m venv "$tools/venv"
  "$tools/venv/bin/pip" install --quiet --disable-pip-version-check "mcp==$PYTHON_MCP_VERSION"
fi

if [ ! -x "$tools/ansible/bin/ansible-playbook" ] || [ "$("$tools/ansible/bin/python" -c 'import ansible.release; print(ansible.release.__version__)' 2>/dev/null)" != "$ANSIBLE_CORE_VERSION" ]; then
  echo "test.sh: installing ansible-core==$ANSIBLE_CORE_VERSION into $tools/ansible" >&2
  python3 -m venv "$tools/ansible"
  "$tools/ansible/bin/pip" install --quiet --disable-pip-version-check "ansible-core==$ANSIBLE_CORE_VERSION"
fi

# A real Secret Service for tests/it/keychain.rs (the default build keeps tokens in the OS keychain):
# gnome-keyring under dbus-run-session, looked up with secret-tool. Debian packages, installed
# only when missing (CI runs as root).
# dbus-send (package dbus-bin, a dependency of dbus) tells when the keyring is ready.
KEYCHAIN_DEBIAN_PACKAGES=(dbus gnome-keyring libsecret-tools)
if ! command -v dbus-run-session >/dev/null || ! command -v dbus-send >/dev/null ||
  ! command -v gnome-keyring-daemon >/dev/null || ! command -v secret-tool >/dev/null; then
  echo "test.sh: installing ${KEYCHAIN_DEBIAN_PACKAGES[*]} (apt-get)" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${KEYCHAIN_DEBIAN_PACKAGES[@]}" >/dev/null
fi

stamp="$tools/npm/.installed-$(printf '%s\n' "${NPM_PACKAGES[@]}" | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "test.sh: installing ${NPM_PACKAGES[*]} into $tools/npm" >&2
  mkdir -p "$tools/npm"
  [ -f "$tools/npm/package.json" ] || echo '{"private":true}' >"$tools/npm/package.json"
  (cd "$tools/npm" && npm install --silent --no-audit --no-fund --save-exact "${NPM_PACKAGES[@]}")
  touch "$stamp"
fi

# Release tooling, pinned (issue 12): dist (cargo-dist) builds the release artifacts;
# check-jsonschema and zizmor validate and audit the GitHub workflows offline.
RELEASE_PYPI_PACKAGES=(
  "astral-dev-toolchain-cargo-dist==0.33.0" # dist, the version dist-workspace.toml names
  "check-jsonschema==0.39.0"
  "zizmor==1.32.0"
)
release_venv="$tools/release-venv"
release_stamp="$release_venv/.installed-$(printf '%s\n' "${RELEASE_PYPI_PACKAGES[@]}" | sha256sum | cut -c1-16)"
if [ ! -f "$release_stamp" ]; then
  echo "test.sh: installing ${RELEASE_PYPI_PACKAGES[*]} into $release_venv" >&2
  rm -rf "$release_venv"
  python3 -m venv "$release_venv"
  "$release_venv/bin/pip" install --quiet --disable-pip-version-check "${RELEASE_PYPI_PACKAGES[@]}"
  touch "$release_stamp"
fi

# The workflows cannot run here: validate them against GitHub's schema and audit them
# (unpinned actions, credentials, template injection); any finding above low fails.
"$release_venv/bin/check-jsonschema" --builtin-schema vendor.github-workflows .github/workflows/*.yml
"$release_venv/bin/zizmor" --offline --quiet --min-severity medium .github/workflows/

# Formatting and lints are enforced, not claimed (the [lints] table in Cargo.toml is the policy).
cargo fmt --all -- --check
cargo clippy --all-targets --locked --quiet -- -D warnings

# The release artifacts this machine can build (Linux x86_64), for tests/it/release_artifacts.rs:
# the same dist packaging as a release, from a quick build of the dist profile (no LTO; see
# release-local.sh), reused as they are when no input changed. Measured here (2 cores, load ~17):
# 16.6 min cold, 1.8 min after a merge that changed 40 files, 0.3 s when nothing changed.
if [ "$(uname -s)-$(uname -m)" = "Linux-x86_64" ]; then
  DIST="$release_venv/bin/dist" scripts/release-local.sh --quick
  export TRAY_MCP_DIST_DIR="$PWD/target/release-local"
fi

export TRAY_MCP_TEST_TOOLS="$tools"
# Tests that need the tools above are #[ignore = "needs scripts/test.sh"] (a plain `cargo test`
# lists them as ignored, not passed); here they run too. libtest's flag goes after cargo's own
# arguments and after the `--` a caller may already have passed (`./scripts/test.sh -- FILTER`).
case " $* " in
  *" -- "*) cargo test --locked "$@" --include-ignored ;;
  *) cargo test --locked "$@" -- --include-ignored ;;
esac
# The OS-keychain token store is in the default build (its unit tests, on keyring-core's mock
# store, ran above; tests/it/keychain.rs uses a real Secret Service). A build without it must still
# compile cleanly: every token then goes to the profile file.
cargo clippy --locked --quiet --no-default-features --lib -- -D warnings
