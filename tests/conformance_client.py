"""The client under test in the official MCP conformance suite
(@modelcontextprotocol/conformance@0.1.13, client scenarios): `tray-mcp serve --gateway`, with the
scenario's server as its Agent Gateway, driven over stdio by a real MCP client (the official
Python SDK, mcp==2.3.0).

Run by the suite (started by tests/conformance.rs) as:
    python tests/conformance_client.py <path to tray-mcp> [serve args...] <scenario server URL>

The suite appends the URL and names the scenario in MCP_CONFORMANCE_SCENARIO. The URL goes to
TRAY_GATEWAY_URL, with `localhost` spelled 127.0.0.1 (the scenario servers are bound to loopback
IPv4 only). What each scenario asks of the client:
- initialize: initialise and list the tools;
- tools_call: call add_numbers;
- sse-retry: call test_reconnection, whose answer comes on a resumed stream;
- elicitation-sep1034-client-defaults: call test_client_elicitation_defaults, accepting its
  elicitation with one field filled in (the others are left to their defaults).
A failed step raises (non-zero exit); a JSON report of what the client saw goes to stdout.
"""

import asyncio
import json
import os
import sys

from mcp import ClientSession, StdioServerParameters, stdio_client, types

ELICITED_NAME = "Ada from the stdio client"


def text_of(result):
    return "\n".join(block.text for block in result.content if getattr(block, "type", "") == "text")


async def accept_with_one_field(context, params):
    """Accepts, filling in only `name`: tray-mcp must add the other fields' defaults."""
    return types.ElicitResult(action="accept", content={"name": ELICITED_NAME})


async def call(session, report, name, arguments):
    listed = await session.list_tools()
    names = {tool.name for tool in listed.tools}
    assert name in names, f"{name} is not listed: {sorted(names)}"
    result = await session.call_tool(name, arguments)
    assert not result.is_error, text_of(result)
    report["result"] = text_of(result)


async def main(command, args, url):
    scenario = os.environ.get("MCP_CONFORMANCE_SCENARIO", "")
    env = dict(os.environ)
    env["TRAY_GATEWAY_URL"] = url.replace("//localhost:", "//127.0.0.1:", 1)
    report = {"scenario": scenario}
    params = StdioServerParameters(command=command, args=args, env=env)
    elicitation = accept_with_one_field if scenario.startswith("elicitation") else None
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write, elicitation_callback=elicitation) as session:
            await session.initialize()
            if scenario == "initialize":
                listed = await session.list_tools()
                report["tools"] = sorted(tool.name for tool in listed.tools)
            elif scenario == "tools_call":
                await call(session, report, "add_numbers", {"a": 2, "b": 40})
            elif scenario == "sse-retry":
                await call(session, report, "test_reconnection", {})
            elif scenario == "elicitation-sep1034-client-defaults":
                await call(session, report, "test_client_elicitation_defaults", {})
            else:
                raise SystemExit(f"unknown scenario {scenario!r}")
    print(json.dumps(report, sort_keys=True, ensure_ascii=False))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2:-1], sys.argv[-1]))
