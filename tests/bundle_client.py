"""A real MCP client (the official Python SDK) starting a server as an MCP Bundle's manifest says.

Run by tests/bundle.rs as:
    python tests/bundle_client.py <mcp_config.json>

The file holds the manifest's `server.mcp_config` with its `${...}` variables already
substituted, as Claude Desktop substitutes them: `command`, `args`, and `env`, which is added to
this process's environment. The client initializes, lists the tools, and prints a JSON report
(server name and tool names) on stdout; any failure raises, so the exit status is non-zero.
"""

import asyncio
import json
import os
import sys

from mcp import ClientSession, StdioServerParameters, stdio_client


async def main(path):
    with open(path, encoding="utf-8") as file:
        config = json.load(file)
    env = dict(os.environ)
    env.update(config.get("env", {}))
    params = StdioServerParameters(command=config["command"], args=config.get("args", []), env=env)
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            init = await session.initialize()
            tools = await session.list_tools()
            print(json.dumps({"server": init.server_info.name, "tools": sorted(tool.name for tool in tools.tools)}))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
