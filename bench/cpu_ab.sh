#!/usr/bin/env bash
# What two builds cost in CPU, beside the durable floor: the 5-client and every-client installs of
# bench/check.sh, each run under `perf stat` (task-clock of every thread, page faults, wall), the
# commands taken in turn run after run, medians printed. Why beside check.sh: the wall time of an
# install is mostly fsync latency, which swings with the host's disk (the floor itself went 2.6 ->
# 3.7 ms between two quiet runs of 2026-12-06); the CPU a build spends does not, so a change that
# saves 0.1 ms shows here and not in check.sh's ratios.
#
#   bench/cpu_ab.sh RUNS BINARY...        # e.g. bench/cpu_ab.sh 40 /tmp/old/tray-mcp target/release/tray-mcp
#
# Needs perf, python3 and rustc. Writes only in a temp folder (removed on exit); makes no request.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { echo "usage: bench/cpu_ab.sh RUNS BINARY..." >&2; exit 2; }
runs="$1"
shift
command -v perf >/dev/null || { echo "cpu_ab: perf is needed (apt-get install linux-perf)" >&2; exit 1; }
binaries=()
for binary in "$@"; do binaries+=("$(realpath "$binary")"); done

work="$(mktemp -d /tmp/tray-cpu-ab.XXXXXX)"
trap 'rm -rf "$work"' EXIT
# shellcheck source=bench/floor_lib.sh
. bench/floor_lib.sh
floor="$work/durable_floor"
floor_build "$floor"
home="$work/home"
export HOME="$home" XDG_CONFIG_HOME="$home/.config" APPDATA="$home/AppData" USERPROFILE="$home" \
  TRAY_MCP_TOKEN_STORE=file TRAY_API_TOKEN="bench-token-0123456789" HTTPS_PROXY=http://127.0.0.1:9
floor_skeleton "$work/skeleton"
fresh="rm -rf $home && cp -a $work/skeleton $home"
workspace="3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718"
for clients in claude,claude-code,cursor,windsurf,vscode all; do
  # The floor writes what the first build writes (its folder is where it stays: no self-install).
  TRAY_MCP_INSTALL_DIR="$(dirname "${binaries[0]}")" floor_manifest "$home" "$work/$clients.manifest" "$fresh" \
    "${binaries[0]}" -w "$workspace" -c "$clients" --transport bridge --no-verify >/dev/null
done

python3 - "$runs" "$work" "$floor" "$workspace" "${binaries[@]}" <<'PY'
import os, statistics, subprocess, sys
runs, work, floor, workspace, binaries = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
home = f"{work}/home"
def measure(command, env):
    subprocess.run(["sh", "-c", f"rm -rf {home} && cp -a {work}/skeleton {home}"], check=True)
    err = subprocess.run(["perf", "stat", "-x,", "-e", "task-clock,page-faults,duration_time", *command],
                         env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True).stderr
    values = {}
    for line in err.splitlines():
        fields = line.split(",")
        if len(fields) > 3 and fields[0].replace(".", "").isdigit():
            values[fields[2].split(":")[0]] = float(fields[0])
    return values["task-clock"], values["page-faults"], values["duration_time"] / 1e6
for clients in ("claude,claude-code,cursor,windsurf,vscode", "all"):
    commands = {"floor": ([floor, f"{work}/{clients}.manifest", home], os.environ)}
    for index, binary in enumerate(binaries):
        env = dict(os.environ, TRAY_MCP_INSTALL_DIR=os.path.dirname(binary))
        commands[f"{index + 1}: {binary}"] = (
            [binary, "-w", workspace, "-c", clients, "--transport", "bridge", "--no-verify"], env)
    found = {name: [] for name in commands}
    for _ in range(runs):
        for name, (command, env) in commands.items():
            found[name].append(measure(command, env))
    print(f"-c {clients} ({runs} runs each, medians)")
    for name, rows in found.items():
        task, faults, wall = (statistics.median(column) for column in zip(*rows))
        print(f"  {name}: task-clock {task:.2f} ms, {faults:.0f} page faults, wall {wall:.2f} ms")
PY
