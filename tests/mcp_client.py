"""A real MCP client (the official Python SDK) driving `tray-mcp serve --sandbox`.

Run by tests/serve_protocol.rs as:
    python tests/mcp_client.py <path to tray-mcp> [serve args...]

It lists the tools, checks each tool's metadata, calls every tool (the SDK itself validates
each structuredContent against the tool's outputSchema), checks that tool errors come back as
errors, and prints a JSON report on stdout. Any failed check raises, so the exit status is
non-zero and the traceback says what went wrong.
"""

import asyncio
import json
import sys

from mcp import ClientSession, StdioServerParameters, stdio_client

EXPECTED_TOOLS = {
    "get_authenticated_user",
    "list_workflows",
    "get_workflow_details",
    "list_workflow_executions",
    "list_integration_solutions",
    "list_available_connectors",
    "explain_workflow_failure",
}

# Every tool, with arguments, and a word its text result must contain.
CALLS = [
    ("get_authenticated_user", {}, "Sam Rivera"),
    ("list_workflows", {}, "Salesforce Lead Sync"),
    ("list_workflows", {"enabled": False}, "HubSpot Contact Enrichment"),
    ("list_workflows", {"limit": 2}, "cursor"),
    ("get_workflow_details", {"workflow": "wf-a1b2"}, "Find lead by email"),
    ("get_workflow_details", {"workflow": "Zendesk Ticket Router"}, "Assign to agent group"),
    ("list_workflow_executions", {"workflow": "wf-a1b2", "limit": 2}, "successful"),
    ("list_workflow_executions", {"workflow": "Stripe Financial Log", "status": "failed"}, "stripe-1"),
    ("list_integration_solutions", {}, "Zendesk Escalations to Slack"),
    ("list_integration_solutions", {"tag": "finance"}, "NetSuite"),
    ("list_available_connectors", {}, "Salesforce"),
    ("list_available_connectors", {"search": "stripe"}, "Stripe"),
    ("explain_workflow_failure", {"workflow": "wf-e5f6"}, "authentication"),
    ("explain_workflow_failure", {"workflow": "Zendesk Ticket Router"}, "rate limit"),
    ("explain_workflow_failure", {"workflow": "Salesforce Lead Sync"}, "No failed run"),
]

# Calls that must come back as tool errors (isError), with a word the message must contain.
ERROR_CALLS = [
    ("get_workflow_details", {"workflow": "Daily Digest"}, "wf-k1l2"),
    ("get_workflow_details", {"workflow": "Salesforce"}, "Did you mean"),
    ("list_workflow_executions", {"workflow": "wf-nope"}, "no workflow"),
    ("list_workflows", {"cursor": "bogus"}, "cursor"),
]


def text_of(result):
    return "\n".join(block.text for block in result.content if getattr(block, "type", "") == "text")


async def main(command, args):
    report = {"tools": {}, "calls": [], "errors": []}
    params = StdioServerParameters(command=command, args=args)
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            init = await session.initialize()
            report["server"] = init.server_info.name
            report["protocol_version"] = init.protocol_version

            listed = await session.list_tools()
            names = {tool.name for tool in listed.tools}
            assert names == EXPECTED_TOOLS, f"tools differ: {sorted(names ^ EXPECTED_TOOLS)}"
            for tool in listed.tools:
                dumped = tool.model_dump(by_alias=True, mode="json", exclude_none=True)
                assert dumped.get("description", "").strip(), f"{tool.name}: no description"
                assert dumped["inputSchema"].get("type") == "object", f"{tool.name}: inputSchema"
                assert dumped.get("outputSchema", {}).get("type") == "object", f"{tool.name}: outputSchema"
                assert dumped.get("annotations", {}).get("readOnlyHint") is True, f"{tool.name}: readOnlyHint"
                report["tools"][tool.name] = {
                    "readOnlyHint": True,
                    "input": sorted(dumped["inputSchema"].get("properties", {}).keys()),
                    "output": sorted(dumped["outputSchema"].get("properties", {}).keys()),
                }

            for name, arguments, needle in CALLS:
                result = await session.call_tool(name, arguments)
                text = text_of(result)
                assert not result.is_error, f"{name}({arguments}) failed: {text}"
                assert result.structured_content is not None, f"{name}: no structuredContent"
                assert needle in text, f"{name}({arguments}): {needle!r} not in {text!r}"
                report["calls"].append({"tool": name, "arguments": arguments, "ok": True})

            for name, arguments, needle in ERROR_CALLS:
                result = await session.call_tool(name, arguments)
                text = text_of(result)
                assert result.is_error, f"{name}({arguments}) should fail but returned {text!r}"
                assert needle in text, f"{name}({arguments}): {needle!r} not in {text!r}"
                report["errors"].append({"tool": name, "arguments": arguments, "message": text})

    print(json.dumps(report, indent=2, sort_keys=True))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2:]))
