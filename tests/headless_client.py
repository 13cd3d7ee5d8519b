"""A real MCP client (the official Python SDK) driving `tray-mcp serve --gateway` with the
Headless MCP pass-through on, in front of tests/headless_server.py and the fake Agent Gateway.

Run by tests/serve_headless.rs as:
    python tests/headless_client.py <pinned|failing> <workspace id> <path to tray-mcp> [serve args...]

`pinned`: the Headless MCP's tools are listed without `workspaceId` (annotations and every other
field kept), clashing names are renamed, every call reaches the server with the entry's
workspace, and a call naming another workspace is refused. `failing`: the Headless MCP is down;
the built-in and gateway tools are listed and answer, and a Headless MCP tool's call is a tool
error. Any failed check raises; a JSON report goes to stdout.
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
FROM_GATEWAY = {"send_slack_message", "gateway_list_workflows", "drop_mid_stream"}
FROM_HEADLESS = {
    "list_projects",
    "create_project",
    "list_connectors",
    "headless_list_workflows",
    "headless_send_slack_message",
}


def text_of(result):
    return "\n".join(block.text for block in result.content if getattr(block, "type", "") == "text")


async def call_ok(session, name, arguments):
    result = await session.call_tool(name, arguments)
    assert not result.is_error, f"{name} failed: {text_of(result)}"
    return result


async def received(session, name, arguments):
    """What the Headless stand-in says it received for this call."""
    return json.loads(text_of(await call_ok(session, name, arguments)))


async def common(session, report):
    user = await call_ok(session, "get_authenticated_user", {})
    report["user"] = text_of(user)
    slack = await call_ok(session, "send_slack_message", {"channel": "#ops", "text": "hi"})
    assert slack.structured_content["tool"] == "send_slack_message", slack.structured_content
    report["gateway_call"] = slack.structured_content


async def pinned(session, workspace, report):
    listed = {tool.name: tool for tool in (await session.list_tools()).tools}
    names = set(listed)
    for group, expected in (("built-in", BUILTIN), ("gateway", FROM_GATEWAY), ("headless", FROM_HEADLESS)):
        assert expected <= names, f"{group} tools missing: {sorted(expected - names)}"
    for name in FROM_HEADLESS:
        schema = listed[name].input_schema
        assert "workspaceId" not in schema.get("properties", {}), f"{name} still lists workspaceId: {schema}"
        assert "workspaceId" not in schema.get("required", []), f"{name} still requires workspaceId: {schema}"

    create = listed["create_project"]
    report["create_project_schema"] = create.input_schema
    annotations = create.annotations.model_dump(by_alias=True, exclude_none=True)
    report["create_project_annotations"] = annotations
    report["create_project_meta"] = create.meta
    report["list_projects_annotations"] = listed["list_projects"].annotations.model_dump(
        by_alias=True, exclude_none=True
    )
    report["headless_send_slack_message_annotations"] = listed["headless_send_slack_message"].annotations.model_dump(
        by_alias=True, exclude_none=True
    )

    report["create_project"] = await received(session, "create_project", {"name": "Demo"})
    report["list_projects"] = await received(session, "list_projects", {})
    report["renamed_builtin_clash"] = await received(session, "headless_list_workflows", {"project_id": "p-1"})
    report["renamed_gateway_clash"] = await received(session, "headless_send_slack_message", {"channel": "#a"})
    report["not_workspace_scoped"] = await received(session, "list_connectors", {"connector_names": ["slack"]})
    report["same_workspace_given"] = await received(
        session, "create_project", {"name": "Again", "workspaceId": workspace}
    )

    other = await session.call_tool(
        "create_project", {"name": "Elsewhere", "workspaceId": "00000000-0000-4000-8000-000000000000"}
    )
    assert other.is_error, f"a call naming another workspace went through: {text_of(other)}"
    report["other_workspace_refusal"] = text_of(other)
    await common(session, report)


async def failing(session, report):
    names = {tool.name for tool in (await session.list_tools()).tools}
    assert BUILTIN <= names, f"built-in tools missing: {sorted(BUILTIN - names)}"
    assert FROM_GATEWAY <= names, f"gateway tools missing: {sorted(FROM_GATEWAY - names)}"
    assert not (FROM_HEADLESS & names), f"a down Headless MCP listed tools: {sorted(FROM_HEADLESS & names)}"
    report["tools"] = sorted(names)
    await common(session, report)
    create = await session.call_tool("create_project", {"name": "Demo"})
    assert create.is_error, text_of(create)
    report["headless_call"] = text_of(create)
    await common(session, report)


async def main(mode, workspace, command, args):
    report = {}
    params = StdioServerParameters(command=command, args=args, env=dict(os.environ))
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            if mode == "pinned":
                await pinned(session, workspace, report)
            else:
                await failing(session, report)
    print(json.dumps(report))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]))
