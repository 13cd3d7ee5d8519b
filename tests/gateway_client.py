"""A real MCP client (the official Python SDK) driving `tray-mcp serve --gateway` in front of
@modelcontextprotocol/server-everything (streamableHttp, 127.0.0.1).

Run by tests/serve_gateway_everything.rs as:
    python tests/gateway_client.py <path to tray-mcp> [serve args...]

Checks: the merged tool list (built-in Tray tools plus the reference server's), forwarded calls,
progress notifications on a forwarded call's own stream, and a logging notification the
reference server sends on its GET stream (server to client, outside any request). Any failed
check raises; a JSON report goes to stdout.
"""

import asyncio
import json
import os
import sys

from mcp import ClientSession, StdioServerParameters, stdio_client

BUILTIN = {
    "get_authenticated_user",
    "list_workflows",
    "get_workflow_details",
    "list_workflow_executions",
    "list_integration_solutions",
    "list_available_connectors",
    "explain_workflow_failure",
}
FROM_GATEWAY = {"echo", "get-sum", "trigger-long-running-operation", "toggle-simulated-logging"}


def text_of(result):
    return "\n".join(block.text for block in result.content if getattr(block, "type", "") == "text")


async def main(command, args):
    report = {}
    logs = []
    got_log = asyncio.Event()

    async def on_log(params):
        logs.append(params.model_dump(mode="json"))
        got_log.set()

    params = StdioServerParameters(command=command, args=args, env=dict(os.environ))
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write, logging_callback=on_log) as session:
            init = await session.initialize()
            report["server"] = init.server_info.name

            listed = await session.list_tools()
            names = {tool.name for tool in listed.tools}
            assert BUILTIN <= names, f"built-in tools missing: {sorted(BUILTIN - names)}"
            assert FROM_GATEWAY <= names, f"gateway tools missing: {sorted(FROM_GATEWAY - names)}"
            report["tools"] = sorted(names)

            user = await session.call_tool("get_authenticated_user", {})
            assert not user.is_error and "Ada Lovelace" in text_of(user), text_of(user)

            echo = await session.call_tool("echo", {"message": "through tray-mcp ✓"})
            assert not echo.is_error and text_of(echo) == "Echo: through tray-mcp ✓", text_of(echo)
            total = await session.call_tool("get-sum", {"a": 2, "b": 40})
            assert "42" in text_of(total), text_of(total)
            report["echo"] = text_of(echo)

            progress = []

            async def on_progress(value, total, message):
                progress.append([value, total])

            long = await session.call_tool(
                "trigger-long-running-operation",
                {"duration": 0.4, "steps": 2},
                progress_callback=on_progress,
            )
            assert not long.is_error, text_of(long)
            assert progress == [[1, 2], [2, 2]], f"progress notifications: {progress}"
            report["progress"] = progress

            toggled = await session.call_tool("toggle-simulated-logging", {})
            assert "Started simulated" in text_of(toggled), text_of(toggled)
            await asyncio.wait_for(got_log.wait(), timeout=15)
            assert "SessionId" in str(logs[0].get("data")), logs[0]
            report["log"] = logs[0]

    print(json.dumps(report, indent=2, sort_keys=True, ensure_ascii=False))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2:]))
