#!/usr/bin/env python3
"""Benchmark: the wall time install verification adds with Tray 300 ms away.

Starts one loopback fake (127.0.0.1 only) that answers Tray's GraphQL API (viewer.details and
viewer.solutions, from fixtures/tray_api/) and an Agent Gateway (initialize, the initialized
notification, tools/list with 12 tools, DELETE of the session), every answer held back by
DELAY seconds (default 0.3: one round trip to a far-away Tray). Then runs

    tray-mcp -w <UUID> --api-token-stdin -c cursor [--no-verify]

RUNS times each, in a fresh fake home, with TRAY_API_URL, TRAY_GRAPHQL_URL and
TRAY_GATEWAY_URL at the fake, and prints the median wall time of each, the difference, and
what the checks would take one after another (the number of requests the fake answered per
verified install, times DELAY).

    python3 bench/verify_install.py BINARY [RUNS] [DELAY]
"""

import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures" / "tray_api"
WORKSPACE = "3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718"
TOKEN = "bench-token-5f9c2a7e1d"
DELAY = 0.3
REQUESTS = []


class Fake(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, body=b"", headers=()):
        time.sleep(DELAY)
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        REQUESTS.append("GET")
        self.answer(405)

    def do_DELETE(self):
        REQUESTS.append("DELETE")
        self.answer(200)

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        if self.path.startswith("/graphql"):
            query = body.get("query", "")
            REQUESTS.append("graphql")
            fixture = "solutions.json" if "solutions" in query else "user.json"
            self.answer(200, (FIXTURES / fixture).read_bytes(), [("Content-Type", "application/json")])
            return
        method = body.get("method")
        REQUESTS.append(method)
        json_type = [("Content-Type", "application/json"), ("Mcp-Session-Id", "bench-session")]
        if method == "initialize":
            result = {"protocolVersion": body["params"]["protocolVersion"], "capabilities": {"tools": {}},
                      "serverInfo": {"name": "fake-gateway", "version": "1"}}
        elif method == "tools/list":
            result = {"tools": [{"name": f"tool_{i}", "inputSchema": {"type": "object"}} for i in range(12)]}
        else:
            self.answer(202, b"", json_type)
            return
        reply = json.dumps({"jsonrpc": "2.0", "id": body.get("id"), "result": result}).encode()
        self.answer(200, reply, json_type)


def install(binary, port, extra):
    with tempfile.TemporaryDirectory() as home:
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": home,
            "XDG_CONFIG_HOME": f"{home}/.config",
            "TRAY_MCP_TOKEN_STORE": "file",
            "TRAY_MCP_INSTALL_DIR": str(pathlib.Path(binary).resolve().parent),
            "TRAY_API_URL": f"http://127.0.0.1:{port}",
            "TRAY_GRAPHQL_URL": f"http://127.0.0.1:{port}/graphql",
            "TRAY_GATEWAY_URL": f"http://127.0.0.1:{port}/mcp",
            "NO_COLOR": "1",
        }
        started = time.perf_counter()
        done = subprocess.run([binary, "-w", WORKSPACE, "--api-token-stdin", "-c", "cursor", *extra],
                              input=TOKEN + "\n", env=env, capture_output=True, text=True, cwd=home)
        elapsed = time.perf_counter() - started
        if done.returncode != 0:
            sys.exit(f"install failed ({done.returncode}):\n{done.stderr}")
        return elapsed, done.stderr


def main():
    global DELAY
    binary = str(pathlib.Path(sys.argv[1]).resolve())
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    DELAY = float(sys.argv[3]) if len(sys.argv) > 3 else DELAY
    server = ThreadingHTTPServer(("127.0.0.1", 0), Fake)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    plain = [install(binary, port, ["--no-verify"])[0] for _ in range(runs)]
    plain_requests = len(REQUESTS)
    REQUESTS.clear()
    verified, stderr = [], ""
    for _ in range(runs):
        elapsed, stderr = install(binary, port, [])
        verified.append(elapsed)
    per_install = len(REQUESTS) / runs
    server.shutdown()
    line = next((line for line in stderr.splitlines() if "token of" in line), "(no owner line)")
    print(f"delay per answer: {DELAY * 1000:.0f} ms; {runs} installs each")
    print(f"--no-verify: median {statistics.median(plain) * 1000:.0f} ms  ({plain_requests} requests in {runs} installs)")
    print(f"verified:    median {statistics.median(verified) * 1000:.0f} ms  ({line.strip()})")
    print(f"verification adds {(statistics.median(verified) - statistics.median(plain)) * 1000:.0f} ms;"
          f" its {per_install:.0f} requests one after another would take {per_install * DELAY * 1000:.0f} ms")


if __name__ == "__main__":
    main()
