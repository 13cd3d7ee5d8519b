"""Gateway pass-through benchmark: a stdio bridge in front of a Streamable HTTP MCP server,
as a client sees it.

    python3 bench/measure_gateway.py URL RUNS CALLS -- LABEL=COMMAND ... (one argument per bridge,
                                                     the command split on spaces)

For each bridge:
- start-up, RUNS times: spawn it, write `initialize`, `notifications/initialized` and
  `tools/list`; time from spawn to the `tools/list` answer (which must list the server's `echo`);
- then, in one more session, 50 warm-up and CALLS timed `tools/call echo` round trips (one at a
  time), and the peak resident memory of the bridge's process tree (VmHWM, summed over the
  process and its children, read from /proc after the calls).
Directly: the same CALLS round trips as HTTP POSTs to URL over one keep-alive connection
(Python's http.client, SSE or JSON answers), the baseline the added latency is measured over.
The server (node) speeds up as its JIT warms, so one direct pass is discarded, and a direct pass
runs right before and right after each bridge: the baseline is their mean. The handshake
(`initialize`, `notifications/initialized`, `tools/list`) is also timed directly, RUNS times:
the part of a bridge's start-up that is the server's own.

Prints one JSON object.
"""

import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import time
import urllib.parse

INIT = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "tray-mcp-bench", "version": "0"},
    },
}
INITIALIZED = {"jsonrpc": "2.0", "method": "notifications/initialized"}
WARM_UP = 50


def call(id_):
    return {"jsonrpc": "2.0", "id": id_, "method": "tools/call",
            "params": {"name": "echo", "arguments": {"message": f"ping {id_}"}}}


def percentile(values, fraction):
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def summary(samples_ms):
    return {
        "median_ms": round(statistics.median(samples_ms), 3),
        "p99_ms": round(percentile(samples_ms, 0.99), 3),
        "min_ms": round(min(samples_ms), 3),
        "max_ms": round(max(samples_ms), 3),
    }


class Bridge:
    def __init__(self, command):
        self.started = time.perf_counter()
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL)

    def send(self, message):
        self.process.stdin.write((json.dumps(message) + "\n").encode())
        self.process.stdin.flush()

    def response(self, id_):
        while True:
            line = self.process.stdout.readline()
            if not line:
                raise RuntimeError("the bridge closed stdout")
            message = json.loads(line)
            if message.get("id") == id_ and "method" not in message:
                return message

    def start(self):
        self.send(INIT)
        assert "result" in self.response(1)
        self.send(INITIALIZED)
        self.send({"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {}})
        listed = self.response(2)
        elapsed = (time.perf_counter() - self.started) * 1000.0
        names = {tool["name"] for tool in listed["result"]["tools"]}
        assert "echo" in names, f"echo not listed: {sorted(names)}"
        return elapsed

    def peak_rss_mib(self):
        return tree_peak_kib(self.process.pid) / 1024.0

    def stop(self):
        self.process.stdin.close()
        try:
            self.process.wait(timeout=3)
        except subprocess.TimeoutExpired:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait()


def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as file:
            return [int(child) for child in file.read().split()]
    except OSError:
        return []


def tree_peak_kib(pid):
    total = 0
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1])
    except OSError:
        pass
    return total + sum(tree_peak_kib(child) for child in children(pid))


def measure_bridge(command, runs, calls):
    startups = []
    for run in range(runs + 1):
        bridge = Bridge(command)
        elapsed = bridge.start()
        bridge.stop()
        if run:  # the first run warms the page cache
            startups.append(elapsed)
    bridge = Bridge(command)
    bridge.start()
    latencies = []
    for index in range(WARM_UP + calls):
        id_ = 100 + index
        began = time.perf_counter()
        bridge.send(call(id_))
        answer = bridge.response(id_)
        took = (time.perf_counter() - began) * 1000.0
        assert answer["result"]["content"][0]["text"] == f"Echo: ping {id_}", answer
        if index >= WARM_UP:
            latencies.append(took)
    peak = bridge.peak_rss_mib()
    bridge.stop()
    return {
        "startup_ms_median": round(statistics.median(startups), 2),
        "startup_ms_min": round(min(startups), 2),
        "startup_ms_max": round(max(startups), 2),
        "peak_rss_mib": round(peak, 2),
        "calls": summary(latencies),
    }


def sse_or_json(response):
    body = response.read()
    if response.getheader("Content-Type", "").startswith("text/event-stream"):
        messages = [json.loads(line[5:]) for line in body.decode().splitlines() if line.startswith("data:")]
        return messages[-1] if messages else None
    return json.loads(body) if body else None


def direct_handshake_ms(url):
    parsed = urllib.parse.urlparse(url)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port)
    headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
    began = time.perf_counter()
    connection.request("POST", parsed.path, json.dumps(INIT), headers)
    response = connection.getresponse()
    sse_or_json(response)
    headers["Mcp-Session-Id"] = response.getheader("Mcp-Session-Id")
    headers["MCP-Protocol-Version"] = "2025-06-18"
    for message in (INITIALIZED, {"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {}}):
        connection.request("POST", parsed.path, json.dumps(message), headers)
        sse_or_json(connection.getresponse())
    elapsed = (time.perf_counter() - began) * 1000.0
    connection.request("DELETE", parsed.path, headers=headers)
    connection.getresponse().read()
    connection.close()
    return elapsed


def measure_direct(url, calls):
    parsed = urllib.parse.urlparse(url)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port)
    headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}

    def post(message):
        connection.request("POST", parsed.path, json.dumps(message), headers)
        response = connection.getresponse()
        return response, sse_or_json(response)

    response, _ = post(INIT)
    headers["Mcp-Session-Id"] = response.getheader("Mcp-Session-Id")
    headers["MCP-Protocol-Version"] = "2025-06-18"
    post(INITIALIZED)
    latencies = []
    for index in range(WARM_UP + calls):
        id_ = 100 + index
        began = time.perf_counter()
        _, answer = post(call(id_))
        took = (time.perf_counter() - began) * 1000.0
        assert answer["result"]["content"][0]["text"] == f"Echo: ping {id_}", answer
        if index >= WARM_UP:
            latencies.append(took)
    connection.request("DELETE", parsed.path, headers=headers)
    connection.getresponse().read()
    connection.close()
    return {"calls": summary(latencies)}


def main():
    url, runs, calls = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    bridges = sys.argv[sys.argv.index("--") + 1:]
    measure_direct(url, calls)  # warms the server's JIT; not counted
    handshakes = [direct_handshake_ms(url) for _ in range(runs)]
    report = {"runs": runs, "calls": calls,
              "direct_handshake_ms_median": round(statistics.median(handshakes), 2)}
    before = measure_direct(url, calls)
    for bridge in bridges:
        label, command = bridge.split("=", 1)
        print(f"measuring {label}...", file=sys.stderr)
        result = measure_bridge(command.split(" "), runs, calls)
        after = measure_direct(url, calls)
        result["direct_before"], result["direct_after"] = before["calls"], after["calls"]
        for key in ("median_ms", "p99_ms"):
            baseline = (before["calls"][key] + after["calls"][key]) / 2
            result[f"added_{key}"] = round(result["calls"][key] - baseline, 3)
        report[label] = result
        before = after
    print(json.dumps(report))


if __name__ == "__main__":
    main()
