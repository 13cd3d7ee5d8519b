"""The functions a `tray-mcp serve --sandbox` session runs, in the order they first run, then the
ones an install into every client adds, as the linker's symbol ordering file
(link/startup.order; see build.rs for why).

    python3 bench/startup_order.py BINARY LINK_MAP SKELETON > link/startup.order

Runs BINARY under valgrind's callgrind for one session (initialize, notifications/initialized,
tools/list, one tool call, then stdin closed), takes the addresses of the code it ran, and names
each by the function section that holds it in LINK_MAP (lld's `-Map` of that same BINARY, which
bench/startup_order.sh has build.rs ask for). Then runs an install into every client (bridge,
`--no-verify`, in a copy of SKELETON, a home in which every client's folder exists) the same way; its
functions that serve did not run follow serve's, so serve's pages stay as few as they were and an
install's code sits together too (it faulted in 46 pages of code per run before). Needs valgrind.
"""

import bisect
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile


def session():
    messages = [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {},
            "clientInfo": {"name": "startup-order", "version": "0"}}},
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": 2, "method": "tools/list"},
        {"jsonrpc": "2.0", "id": 3, "method": "tools/call",
         "params": {"name": "list_workflows", "arguments": {}}},
    ]
    return [json.dumps(message) + "\n" for message in messages]


def callgrind(binary, arguments, feed=None, env=None):
    """Addresses of the instructions BINARY ran with ARGUMENTS (link-time addresses), in
    first-run order; FEED(process) talks to it over stdin/stdout."""
    with tempfile.NamedTemporaryFile(suffix=".callgrind") as out:
        process = subprocess.Popen(
            ["valgrind", "--tool=callgrind", "--dump-instr=yes", "--compress-pos=no",
             f"--callgrind-out-file={out.name}", binary, *arguments],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
        if feed:
            feed(process)
        process.stdin.close()
        process.wait(timeout=300)
        if process.returncode != 0:
            sys.exit(f"startup_order: {arguments[0]} exited {process.returncode}")
        return addresses_in(out.name, binary)


def addresses_in(profile, binary):
    objects, current, ours = {}, None, False
    addresses = []
    for line in open(profile, encoding="utf-8", errors="replace"):
        match = re.match(r"^(c?ob)=\((\d+)\)(?: (.*))?$", line.rstrip("\n"))
        if match:
            kind, number, name = match.groups()
            if name:
                objects[number] = name
            if kind == "ob":
                current = objects.get(number)
                ours = current is not None and current.endswith(binary.rsplit("/", 1)[-1])
            continue
        if ours and line.startswith("0x"):
            addresses.append(int(line.split()[0], 16))
    return addresses


def serve_session(process):
    for line in session():
        process.stdin.write(line.encode())
        process.stdin.flush()
        if '"id"' in line:
            answer = json.loads(process.stdout.readline())
            if "result" not in answer:
                sys.exit(f"startup_order: {answer}")


def install_run(binary, skeleton):
    """An install into every client, in a copy of SKELETON (a home in which every client's
    folder exists: bench/floor_lib.sh's floor_skeleton, which bench/install_all.sh keeps whole)."""
    with tempfile.TemporaryDirectory() as work:
        home = os.path.join(work, "home")
        shutil.copytree(skeleton, home, symlinks=True)
        env = {"PATH": os.environ["PATH"], "HOME": home, "XDG_CONFIG_HOME": f"{home}/.config",
               "TRAY_MCP_TOKEN_STORE": "file", "TRAY_API_TOKEN": "order-token-0123456789",
               "TRAY_MCP_INSTALL_DIR": os.path.dirname(os.path.abspath(binary)),
               "HTTPS_PROXY": "http://127.0.0.1:9"}
        return callgrind(binary, ["-w", "3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718", "-c", "all",
                                  "--transport", "bridge", "--no-verify"], env=env)


def sections(link_map):
    """(start, end, symbol) of every function section in the map, sorted."""
    found = []
    for line in open(link_map, encoding="utf-8", errors="replace"):
        fields = line.split()
        if len(fields) < 5:
            continue
        match = re.search(r":\(\.text\.(\S+)\)$", fields[-1])
        if not match:
            continue
        start, size = int(fields[0], 16), int(fields[2], 16)
        if size:
            found.append((start, start + size, match.group(1)))
    found.sort()
    return found


def main():
    binary, link_map, skeleton = sys.argv[1:4]
    table = sections(link_map)
    starts = [start for start, _, _ in table]
    order, seen = [], set()
    serve = callgrind(binary, ["serve", "--sandbox", "--log-level", "error"], feed=serve_session)
    for address in serve + install_run(binary, skeleton):
        index = bisect.bisect_right(starts, address) - 1
        if index >= 0 and address < table[index][1]:
            name = table[index][2]
            if name not in seen:
                seen.add(name)
                order.append(name)
    if len(order) < 100:
        sys.exit(f"startup_order: only {len(order)} functions found; is {link_map} the map of {binary}?")
    print("\n".join(order))
    total = sum(end - start for start, end, name in table if name in seen)
    print(f"startup_order: {len(order)} functions, {total // 1024} KiB", file=sys.stderr)


if __name__ == "__main__":
    main()
