"""`doctor --online` with Tray far away: a loopback fake of Tray's API and Agent Gateway that
answers every request after DELAY seconds (one round trip), and `tray-mcp doctor --online` run
over homes of 1 and 6 entries, by each binary given.

    python3 bench/doctor_online.py DELAY RUNS LABEL=BINARY ...

The fake answers GraphQL from fixtures/tray_api/ (as tests/it/support/fake_tray.rs does),
REST with an empty page, and the gateway's MCP (initialize, tools/list with 12 tools) as JSON.
Homes (entries installed with the first binary, stdio, gateway on):
- one:        1 entry (Claude Desktop)
- six-shared: 6 entries of one profile (Claude Desktop, Claude Code, Cursor, Windsurf, VS Code,
              Gemini CLI)
- six-apart:  6 entries of 3 profiles (each in Claude Desktop and Cursor)
Each run is timed from spawn to exit (wall clock), RUNS times; the median is printed per
binary and home, with the round trips it amounts to (median / DELAY). Prints Markdown.
"""

import http.server
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "fixtures", "tray_api")
WORKSPACE = "3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718"
TOKEN = "bench-token-5f9c2a7e1d"
CLIENTS = ["claude", "claude-code", "cursor", "windsurf", "vscode", "gemini"]


def fixture(name):
    with open(os.path.join(FIXTURES, name), encoding="utf-8") as file:
        return file.read()


def graphql_answer(query, variables):
    if "exportWorkflows" in query:
        return json.dumps({"data": {"exportWorkflows": {"exportedWorkflowsJson": fixture("workflow_export.json")}}})
    if "logs(" in query:
        return fixture("logs.json")
    if "workflows" in query:
        return fixture("workflows_page2.json" if (variables or {}).get("after") else "workflows_page1.json")
    if "solutions" in query:
        return fixture("solutions.json")
    return fixture("user.json")


def mcp_answer(message):
    method = message.get("method", "")
    if method == "initialize":
        return {"protocolVersion": "2025-06-18", "capabilities": {"tools": {}},
                "serverInfo": {"name": "fake-gateway", "version": "0"}}
    if method == "tools/list":
        tools = [{"name": f"tool_{index}", "description": "a tool",
                  "inputSchema": {"type": "object"}} for index in range(12)]
        return {"tools": tools}
    return {}


def handler(delay):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def reply(self, status, body, headers=()):
            time.sleep(delay)
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers:
                self.send_header(name, value)
            self.end_headers()
            try:
                self.wfile.write(data)
            except BrokenPipeError:
                pass  # a client that did not wait for the end of its session (DELETE)

        def do_GET(self):
            if self.path.startswith("/mcp"):
                self.reply(405, "{}")
            else:
                self.reply(200, json.dumps({"elements": [], "pageInfo": {"hasNextPage": False}}))

        def do_DELETE(self):
            self.reply(200, "{}")

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0") or 0))
            request = json.loads(body or b"{}")
            if self.path.startswith("/graphql"):
                self.reply(200, graphql_answer(request.get("query", ""), request.get("variables")))
            elif "id" not in request:
                time.sleep(delay)
                self.send_response(202)
                self.send_header("Content-Length", "0")
                self.end_headers()
            else:
                answer = {"jsonrpc": "2.0", "id": request["id"], "result": mcp_answer(request)}
                self.reply(200, json.dumps(answer), [("Mcp-Session-Id", "bench-session")])

    return Handler


class Server(http.server.ThreadingHTTPServer):
    # The default backlog (5) drops the SYNs of a burst of side-by-side connections, which
    # the kernel then retries after one second: the fake, not tray-mcp, would be measured.
    request_queue_size = 256
    daemon_threads = True


def command_env(home, port):
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": home,
        "XDG_CONFIG_HOME": os.path.join(home, ".config"),
        "TRAY_MCP_TOKEN_STORE": "file",
        "NO_COLOR": "1",
        "TRAY_API_URL": f"http://127.0.0.1:{port}",
        "TRAY_GRAPHQL_URL": f"http://127.0.0.1:{port}/graphql",
        "TRAY_GATEWAY_URL": f"http://127.0.0.1:{port}/mcp",
    }


def make_home(binary, port, layout):
    home = tempfile.mkdtemp(prefix="tray-bench-doctor-")
    env = command_env(home, port)
    env["TRAY_MCP_INSTALL_DIR"] = os.path.dirname(binary)
    for folder in [".config/Claude", ".claude", ".cursor", ".codeium/windsurf", ".config/Code/User", ".gemini"]:
        os.makedirs(os.path.join(home, folder), exist_ok=True)
    for name, clients in layout:
        subprocess.run([binary, "-w", WORKSPACE, "--api-token-stdin", "-n", name, "-c", ",".join(clients)],
                       input=TOKEN.encode(), env=env, cwd=home, check=True, capture_output=True)
    return home


def timed(binary, home, port):
    started = time.perf_counter()
    done = subprocess.run([binary, "doctor", "--online"], env=command_env(home, port), cwd=home,
                          capture_output=True, timeout=120)
    elapsed = time.perf_counter() - started
    if TOKEN.encode() in done.stdout + done.stderr:
        sys.exit("the token leaked into doctor's output")
    return elapsed


def main():
    delay, runs = float(sys.argv[1]), int(sys.argv[2])
    binaries = [argument.split("=", 1) for argument in sys.argv[3:]]
    server = Server(("127.0.0.1", 0), handler(delay))
    port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    layouts = {
        "one": [("tray-prod", ["claude"])],
        "six-shared": [("tray-prod", CLIENTS)],
        "six-apart": [(f"tray-{index}", ["claude", "cursor"]) for index in range(3)],
    }
    print(f"| home | entries | {' | '.join(label + ' (s)' for label, _ in binaries)} |")
    print(f"|---|---|{'---|' * len(binaries)}")
    for home_name, layout in layouts.items():
        home = make_home(binaries[0][1], port, layout)
        entries = sum(len(clients) for _, clients in layout)
        cells = []
        for _, binary in binaries:
            times = [timed(binary, home, port) for _ in range(runs)]
            median = statistics.median(times)
            cells.append(f"{median:.2f} ({median / delay:.1f} RTT)")
        print(f"| {home_name} | {entries} | {' | '.join(cells)} |")
    server.shutdown()


if __name__ == "__main__":
    main()
