"""The functions a `tray-mcp serve --sandbox` session runs, in the order they first run, as the
linker's symbol ordering file (link/startup.order; see build.rs for why).

    python3 bench/startup_order.py BINARY LINK_MAP > link/startup.order

Runs BINARY under valgrind's callgrind for one session (initialize, notifications/initialized,
tools/list, one tool call, then stdin closed), takes the addresses of the code it ran, and names
each by the function section that holds it in LINK_MAP (lld's `-Map` of that same BINARY, which
bench/startup_order.sh has build.rs ask for). Needs valgrind.
"""

import bisect
import json
import re
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


def executed(binary):
    """Addresses of the instructions BINARY ran (link-time addresses), in first-run order."""
    with tempfile.NamedTemporaryFile(suffix=".callgrind") as out:
        process = subprocess.Popen(
            ["valgrind", "--tool=callgrind", "--dump-instr=yes", "--compress-pos=no",
             f"--callgrind-out-file={out.name}", binary, "serve", "--sandbox", "--log-level", "error"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        for line in session():
            process.stdin.write(line.encode())
            process.stdin.flush()
            if '"id"' in line:
                answer = json.loads(process.stdout.readline())
                if "result" not in answer:
                    sys.exit(f"startup_order: {answer}")
        process.stdin.close()
        process.wait(timeout=300)
        objects, current, ours = {}, None, False
        addresses = []
        for line in open(out.name, encoding="utf-8", errors="replace"):
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
    binary, link_map = sys.argv[1:3]
    table = sections(link_map)
    starts = [start for start, _, _ in table]
    order, seen = [], set()
    for address in executed(binary):
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
