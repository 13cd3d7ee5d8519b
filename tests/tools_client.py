"""A real MCP client (the official Python SDK) driving an installed entry with a tool filter
(`tray-mcp install --tools ...`) in front of the fake Agent Gateway.

Run by tests/serve_tools.rs as:
    python tests/tools_client.py <marker file> <command> [args...]

It lists the tools, calls an allowed gateway tool, an allowed built-in tool and a filtered-out
tool, then writes the marker file and waits for `notifications/tools/list_changed` (the Rust
test makes the fake gateway change its list once the marker exists), lists again and calls a
newly added tool that passes and one that does not. Checks that depend on the expected sets are
left to the Rust test; the SDK's own checks (result shapes) raise here. A JSON report goes to
stdout.
"""

import asyncio
import json
import os
import sys

from mcp import ClientSession, StdioServerParameters, stdio_client, types


def text_of(result):
    return "\n".join(block.text for block in result.content if getattr(block, "type", "") == "text")


def outcome(result):
    return {"is_error": bool(result.is_error), "text": text_of(result)}


async def main(marker, command, args):
    report = {}
    changed = asyncio.Event()

    async def on_message(message):
        message = getattr(message, "root", message)
        if isinstance(message, types.ToolListChangedNotification) or (
            getattr(message, "method", None) == "notifications/tools/list_changed"
        ):
            changed.set()

    params = StdioServerParameters(command=command, args=args, env=dict(os.environ))
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write, message_handler=on_message) as session:
            await session.initialize()
            report["before"] = sorted(tool.name for tool in (await session.list_tools()).tools)
            report["echo"] = outcome(await session.call_tool("echo", {"message": "hi"}))
            report["list_workflows"] = outcome(await session.call_tool("list_workflows", {}))
            report["filtered_out"] = outcome(
                await session.call_tool("send_slack_message", {"channel": "#ops", "text": "hi"})
            )
            report["filtered_builtin"] = outcome(await session.call_tool("get_authenticated_user", {}))

            with open(marker, "w", encoding="utf-8") as file:
                file.write("listed\n")
            await asyncio.wait_for(changed.wait(), timeout=30)

            report["after"] = sorted(tool.name for tool in (await session.list_tools()).tools)
            report["added_allowed"] = outcome(await session.call_tool("list_added_later", {}))
            report["added_filtered_out"] = outcome(await session.call_tool("added_later", {}))
    return report


if __name__ == "__main__":
    report = asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3:]))
    print(json.dumps(report, indent=2, sort_keys=True, ensure_ascii=False))
