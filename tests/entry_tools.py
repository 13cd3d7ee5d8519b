"""A real MCP client (the official Python SDK) starting an entry exactly as Cursor would.

Run by tests/doctor.rs as:
    python tests/entry_tools.py <Cursor's mcp.json> <server name>

Reads the entry (`command`, `args`, `env`) from the client's own file, starts it over stdio with
the caller's environment plus the entry's `env` (as Cursor does), lists the tools and prints their
names as a JSON array on stdout. Any failure raises, so the exit status is non-zero.
"""

import asyncio
import json
import os
import sys

from mcp import ClientSession, StdioServerParameters, stdio_client


async def main(config_path, name):
    with open(config_path, encoding="utf-8") as config:
        entry = json.load(config)["mcpServers"][name]
    env = dict(os.environ)
    env.update(entry.get("env") or {})
    params = StdioServerParameters(command=entry["command"], args=entry.get("args") or [], env=env)
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            listed = await session.list_tools()
            print(json.dumps(sorted(tool.name for tool in listed.tools)))


if __name__ == "__main__":
    asyncio.run(asyncio.wait_for(main(sys.argv[1], sys.argv[2]), timeout=60))
