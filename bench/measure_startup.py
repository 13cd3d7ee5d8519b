"""Start-up time and peak memory of a stdio MCP server, as a client sees them.

    python3 bench/measure_startup.py RUNS -- COMMAND [ARGS...]

For each run: start the command, write one `initialize` request to its stdin, and time until the
first line comes back on stdout (the initialize response). Right then, read the process's peak
resident memory so far (VmHWM in /proc/PID/status), then close stdin and give it 2 s to exit
(else terminate it). Prints one JSON object: the median and min/max of both, and every sample.

Why VmHWM and not wait4()'s ru_maxrss: Linux carries ru_maxrss across exec, so a child forked
from this Python process reports Python's own ~14 MiB as its peak. VmHWM belongs to the
executed program's memory map alone.
"""

import json
import os
import signal
import statistics
import subprocess
import sys
import time

INITIALIZE = json.dumps({
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "tray-mcp-bench", "version": "0"},
    },
}) + "\n"


def one_run(command):
    started = time.perf_counter()
    process = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    process.stdin.write(INITIALIZE.encode())
    process.stdin.flush()
    line = process.stdout.readline()
    elapsed = time.perf_counter() - started
    response = json.loads(line)
    assert "result" in response, f"initialize failed: {line!r}"
    peak_kib = peak_rss_kib(process.pid)
    process.stdin.close()
    deadline = time.monotonic() + 2.0
    while True:
        pid, status, _ = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            process.send_signal(signal.SIGTERM)
            pid, status, _ = os.wait4(process.pid, 0)
            break
        time.sleep(0.01)
    process.returncode = status  # already reaped; keep Popen from waiting again
    return elapsed * 1000.0, peak_kib / 1024.0  # ms, MiB


def peak_rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmHWM for process {pid}")


def main():
    runs = int(sys.argv[1])
    command = sys.argv[sys.argv.index("--") + 1:]
    one_run(command)  # warm the page cache; not counted
    samples = [one_run(command) for _ in range(runs)]
    times = [ms for ms, _ in samples]
    memory = [mib for _, mib in samples]
    print(json.dumps({
        "runs": runs,
        "startup_ms_median": round(statistics.median(times), 2),
        "startup_ms_min": round(min(times), 2),
        "startup_ms_max": round(max(times), 2),
        "peak_rss_mib_median": round(statistics.median(memory), 2),
        "peak_rss_mib_max": round(max(memory), 2),
        "samples": [[round(ms, 2), round(mib, 2)] for ms, mib in samples],
    }))


if __name__ == "__main__":
    main()
