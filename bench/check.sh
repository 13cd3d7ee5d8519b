#!/usr/bin/env bash
# The speed and memory budget (issue 27) in one command, printed against its goals. Run it before
# a release on a quiet machine (load < 1.5); it is not a timed test for CI.
#
#   bench/check.sh [RUNS]                  # RUNS=20 by default; builds the release binary
#   ROUNDS=5 bench/check.sh 40             # the installs in 5 rounds of 8 runs (5 by default)
#   TRAY_MCP_BIN=path bench/check.sh 30    # another build (keep it outside /tmp)
#
# In one hyperfine run, each job beside its durable floor (bench/durable_floor.rs: the same client
# files written with temp file + fsync + rename + folder fsync and nothing else; bench/floor_lib.sh):
#   - install into 5 clients (claude, claude-code, cursor, windsurf, vscode; bridge)
#   - install into every client (`-c all`, bridge)
#   - install into a ~20 MB ~/.claude.json (claude-code)
# then `serve --sandbox` against mcp-remote (bench/serve_startup.sh: start → initialize, peak
# RSS), the release binary's size, install verification (bench/verify_install.py) and
# `doctor --online` (bench/doctor_online.py) with Tray 300 ms away, in round trips.
#
# Needs hyperfine, python3, rustc, and the pinned tools from scripts/test.sh (mcp-remote and
# server-everything in target/test-tools, or TRAY_MCP_TEST_TOOLS). Everything it starts listens on
# 127.0.0.1 and is stopped on exit. Exits 1 when a goal is missed.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-20}"
command -v hyperfine >/dev/null || { echo "check: hyperfine is needed (apt-get install hyperfine)" >&2; exit 1; }
export TRAY_MCP_TEST_TOOLS="${TRAY_MCP_TEST_TOOLS:-$PWD/target/test-tools}"

if [ -n "${TRAY_MCP_BIN:-}" ]; then
  tray="$TRAY_MCP_BIN"
else
  cargo build --release --locked
  tray="$PWD/target/release/tray-mcp"
fi
echo "check: $tray ($(stat -c %s "$tray") bytes); load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2

work="$(mktemp -d /tmp/tray-check.XXXXXX)"
trap 'rm -rf "$work"' EXIT
results="$work/results"
: >"$results"
# shellcheck source=bench/floor_lib.sh
. bench/floor_lib.sh
floor="$work/durable_floor"
floor_build "$floor"

# The binary stays where it is (TRAY_MCP_INSTALL_DIR is its folder), as a `cargo install` or
# Homebrew binary does: no self-install copy in the figures.
orig_path="$PATH"
home="$work/home"
(
  export HOME="$home" XDG_CONFIG_HOME="$home/.config" APPDATA="$home/AppData" USERPROFILE="$home" \
    TRAY_MCP_TOKEN_STORE=file TRAY_API_TOKEN="bench-token-0123456789" \
    TRAY_MCP_INSTALL_DIR="$(dirname "$tray")" PATH="$orig_path"
  workspace="3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718"
  skeleton="$work/skeleton"
  floor_skeleton "$skeleton"
  big="$work/big.json"
  big_claude_state "$big"
  fresh="rm -rf $home && cp -a $skeleton $home"
  fresh_big="$fresh && cp $big $home/.claude.json"
  # --no-verify: the floor makes no requests, and verification's cost is measured on its own
  # below (offline here, with Tray 300 ms away further down).
  five="$tray -w $workspace -c claude,claude-code,cursor,windsurf,vscode --transport bridge --no-verify"
  all="$tray -w $workspace -c all --transport bridge --no-verify"
  state="$tray -w $workspace -c claude-code --no-verify"
  # Offline: every request goes to a proxy at a loopback port nobody listens on (no DNS).
  offline="env HTTPS_PROXY=http://127.0.0.1:9 ${five% --no-verify}"
  # shellcheck disable=SC2086
  files_five=$(floor_manifest "$home" "$work/five.manifest" "$fresh" $five)
  # shellcheck disable=SC2086
  files_all=$(floor_manifest "$home" "$work/all.manifest" "$fresh" $all)
  # shellcheck disable=SC2086
  files_big=$(floor_manifest "$home" "$work/big.manifest" "$fresh_big" $state)
  # In ROUNDS rounds (5 by default) of RUNS/ROUNDS runs each: hyperfine runs one command's runs
  # after another, so on a machine whose load changes, a long run can put a command and its
  # floor in different moments. Each round gives a ratio; the median of the rounds is printed.
  rounds="${ROUNDS:-5}"
  per_round=$(((runs + rounds - 1) / rounds))
  echo "check: installs ($rounds rounds of $per_round runs; floors of $files_five, $files_all and $files_big files)" >&2
  for round in $(seq 1 "$rounds"); do
    hyperfine -N --style basic --warmup 1 --runs "$per_round" --export-json "$work/installs-$round.json" \
      --prepare "sh -c '$fresh && sync'" -n "install, 5 clients" "$five" \
      --prepare "sh -c '$fresh && sync'" -n "floor, 5 clients" "$floor $work/five.manifest $home" \
      --prepare "sh -c '$fresh && sync'" -n "install, every client" "$all" \
      --prepare "sh -c '$fresh && sync'" -n "floor, every client" "$floor $work/all.manifest $home" \
      --prepare "sh -c '$fresh_big && sync'" -n "install, 20 MB ~/.claude.json" "$state" \
      --prepare "sh -c '$fresh_big && sync'" -n "floor, 20 MB ~/.claude.json" "$floor $work/big.manifest $home" \
      --prepare "sh -c '$fresh && sync'" -n "install, 5 clients, verified offline" "$offline" \
      --prepare "sh -c '$fresh && sync'" -n "install, 5 clients, --no-verify" "env HTTPS_PROXY=http://127.0.0.1:9 $five" \
      >/dev/null
  done
  python3 - "$(cut -d' ' -f1 /proc/loadavg)" "$work"/installs-*.json >>"$results" <<'PY'
import json, statistics, sys
load, files = sys.argv[1], sys.argv[2:]
rounds = [{r["command"]: statistics.median(r["times"]) * 1000 for r in json.load(open(f))["results"]} for f in files]
for job, goal in (("5 clients", 1.25), ("every client", 1.25), ("20 MB ~/.claude.json", 1.5)):
    ratios = sorted(r[f"install, {job}"] / r[f"floor, {job}"] for r in rounds)
    ours = statistics.median(r[f"install, {job}"] for r in rounds)
    floor = statistics.median(r[f"floor, {job}"] for r in rounds)
    ratio = statistics.median(ratios)
    spread = f"rounds {ratios[0]:.2f}-{ratios[-1]:.2f}x"
    print(f"install into {job} vs durable floor\t{ratio:.2f}x ({ours:.1f} vs {floor:.1f} ms; {spread}; load {load})\t<= {goal}x\t{ratio <= goal}")
added = sorted(r["install, 5 clients, verified offline"] - r["install, 5 clients, --no-verify"] for r in rounds)
extra = statistics.median(added)
print(f"install into 5 clients, verification offline (fails fast)\t+{extra:.1f} ms over --no-verify (rounds {added[0]:+.1f} to {added[-1]:+.1f})\t<= +10 ms\t{extra <= 10}")
PY
)

echo "check: serve --sandbox vs mcp-remote ($runs runs each)" >&2
BENCH_JSON="$work/serve.json" TRAY_MCP_BIN="$tray" bench/serve_startup.sh "$runs" >/dev/null
size=$(stat -c %s "$tray")
python3 - "$work/serve.json" "$size" "$(cut -d' ' -f1 /proc/loadavg)" >>"$results" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
size, load = int(sys.argv[2]), sys.argv[3]
ours, theirs = r["tray-mcp"], r["mcp-remote"]
rss, their_rss = ours["peak_rss_mib_median"], theirs["peak_rss_mib_median"]
start, their_start = ours["startup_ms_median"], theirs["startup_ms_median"]
print(f"serve --sandbox peak RSS\t{rss:.1f} MiB (load {load})\t<= 6 MiB\t{rss <= 6.0}")
print(f"serve --sandbox peak RSS vs mcp-remote\t{their_rss / rss:.1f}x less ({rss:.1f} vs {their_rss:.1f} MiB)\t>= 20x\t{their_rss / rss >= 20}")
print(f"serve --sandbox start -> initialize vs mcp-remote\t{their_start / start:.0f}x faster ({start:.1f} vs {their_start:.1f} ms)\t>= 100x\t{their_start / start >= 100}")
print(f"release binary size\t{size / 1e6:.2f} MB\t<= 7 MB\t{size <= 7_000_000}")
PY

echo "check: install verification and doctor --online, 300 ms per answer" >&2
delay=0.3
# (The fakes' tracebacks of clients that hung up first go to a log, shown only on failure.)
python3 bench/verify_install.py "$tray" 5 "$delay" >"$work/verify.txt" 2>"$work/verify.log" ||
  { cat "$work/verify.log" >&2; exit 1; }
python3 bench/doctor_online.py "$delay" 3 "check=$tray" >"$work/doctor.txt" 2>"$work/doctor.log" ||
  { cat "$work/doctor.log" >&2; exit 1; }
python3 - "$work/verify.txt" "$work/doctor.txt" "$delay" >>"$results" <<'PY'
import re, sys
verify, doctor, delay = open(sys.argv[1]).read(), open(sys.argv[2]).read(), float(sys.argv[3])
plain = float(re.search(r"--no-verify: median (\d+) ms", verify).group(1))
requests = int(re.search(r"\((\d+) requests in", verify).group(1))
verified = float(re.search(r"verified: +median (\d+) ms", verify).group(1))
rtt = (verified - plain) / 1000 / delay
print(f"install --no-verify: requests to Tray\t{requests} ({plain:.0f} ms)\t0\t{requests == 0}")
print(f"install verification\t{rtt:.1f} RTT ({verified:.0f} ms)\t<= 4 RTT\t{rtt <= 4}")
for home, entries, cell in re.findall(r"^\| (\S+) \| (\d+) \| [\d.]+ \(([\d.]+) RTT\) \|$", doctor, re.M):
    print(f"doctor --online, {home} ({entries} entries)\t{float(cell):.1f} RTT\t<= 4 RTT\t{float(cell) <= 4}")
PY

python3 - "$results" <<'PY'
import sys
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1]) if line.strip()]
print("| job | now | goal | met |")
print("|---|---|---|---|")
for job, now, goal, met in rows:
    print(f"| {job} | {now} | {goal} | {'yes' if met == 'True' else '**no**'} |")
sys.exit(0 if all(met == "True" for *_, met in rows) else 1)
PY
