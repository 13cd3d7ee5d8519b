"""A real MCP client (the official Python SDK) driving `tray-mcp serve --gateway` in front of
@modelcontextprotocol/server-everything (streamableHttp, 127.0.0.1).

Run by tests/serve_gateway_everything.rs as:
    python tests/gateway_client.py <scenario> <path to tray-mcp> [serve args...]

Scenarios (TRAY_GATEWAY_URL names the reference server, which `prompts-resources` also asks
directly, to compare):
- tools: the merged tool list (built-in Tray tools plus the reference server's), forwarded
  calls, progress notifications on a forwarded call's own stream, and a logging notification the
  reference server sends on its GET stream (server to client, outside any request);
- prompts-resources: the reference server's prompts, resources and resource templates listed
  through tray-mcp exactly as the server lists them to a direct client; prompts/get,
  resources/read (text and a dynamic template), and a subscription whose
  notifications/resources/updated arrives;
- sampling-roots: the reference server asks this client for a sampling/createMessage (its
  trigger-sampling-request tool) and for roots/list (get-roots-list); the answers of this
  client's callbacks come back in the tools' results.
Any failed check raises; a JSON report goes to stdout.
"""

import asyncio
import json
import os
import sys

from mcp import ClientSession, StdioServerParameters, stdio_client, types
from mcp.client.streamable_http import streamable_http_client

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


async def tools_scenario(command, args):
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

    return report


def dump(items):
    return [item.model_dump(mode="json", by_alias=True, exclude_none=True) for item in items]


async def listed_directly(url):
    """What the reference server lists to a client that connects to it directly."""
    async with streamable_http_client(url) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            return {
                "prompts": dump((await session.list_prompts()).prompts),
                "resources": dump((await session.list_resources()).resources),
                "templates": dump((await session.list_resource_templates()).resource_templates),
            }


async def prompts_resources_scenario(command, args):
    report = {}
    updated = []
    got_update = asyncio.Event()

    async def on_message(message):
        if isinstance(message, types.ResourceUpdatedNotification):
            updated.append(message.params.uri)
            got_update.set()

    direct = await listed_directly(os.environ["TRAY_GATEWAY_URL"])
    params = StdioServerParameters(command=command, args=args, env=dict(os.environ))
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write, message_handler=on_message) as session:
            init = await session.initialize()
            capabilities = init.capabilities
            assert capabilities.prompts and capabilities.prompts.list_changed, capabilities
            assert capabilities.resources and capabilities.resources.subscribe, capabilities

            prompts = dump((await session.list_prompts()).prompts)
            assert prompts == direct["prompts"], f"prompts differ:\n{prompts}\n{direct['prompts']}"
            names = {prompt["name"] for prompt in prompts}
            assert {"simple-prompt", "args-prompt", "resource-prompt"} <= names, names
            report["prompts"] = sorted(names)

            asked = await session.get_prompt("args-prompt", {"city": "Lyon", "state": "Rhône"})
            text = asked.messages[0].content.text
            assert text == "What's weather in Lyon, Rhône?", text
            report["prompt_text"] = text
            assert capabilities.completions is not None, capabilities
            prompt_ref = types.PromptReference(type="ref/prompt", name="completable-prompt")
            departments = await session.complete(prompt_ref, {"name": "department", "value": "S"})
            assert departments.completion.values == ["Sales", "Support"], departments
            members = await session.complete(
                prompt_ref, {"name": "name", "value": ""}, context_arguments={"department": "Sales"}
            )
            report["completed"] = members.completion.values
            template_ref = types.ResourceTemplateReference(
                type="ref/resource", uri="demo://resource/dynamic/text/{resourceId}"
            )
            ids = await session.complete(template_ref, {"name": "resourceId", "value": "7"})
            assert ids.completion.values == ["7"], ids
            unknown = await session.complete(
                types.PromptReference(type="ref/prompt", name="no-such-prompt"), {"name": "x", "value": ""}
            )
            assert unknown.completion.values == [], unknown
            embedded = await session.get_prompt("resource-prompt", {"resourceType": "Text", "resourceId": "3"})
            kinds = [message.content.type for message in embedded.messages]
            assert "resource" in kinds, kinds

            resources = dump((await session.list_resources()).resources)
            assert resources == direct["resources"], f"resources differ:\n{resources}\n{direct['resources']}"
            uris = [resource["uri"] for resource in resources]
            features = "demo://resource/static/document/features.md"
            assert features in uris, uris
            report["resources"] = len(uris)

            templates = dump((await session.list_resource_templates()).resource_templates)
            assert templates == direct["templates"], f"templates differ:\n{templates}\n{direct['templates']}"
            report["templates"] = sorted(template["uriTemplate"] for template in templates)

            document = await session.read_resource(features)
            assert "# Everything Server - Features" in document.contents[0].text, document
            dynamic = await session.read_resource("demo://resource/dynamic/text/7")
            assert dynamic.contents[0].text.startswith("Resource 7: This is a plaintext resource"), dynamic
            report["read"] = dynamic.contents[0].text.split(" created at")[0]

            await session.subscribe_resource("demo://resource/dynamic/text/7")
            toggled = await session.call_tool("toggle-subscriber-updates", {})
            assert not toggled.is_error, text_of(toggled)
            await asyncio.wait_for(got_update.wait(), timeout=15)
            assert updated[0] == "demo://resource/dynamic/text/7", updated
            report["updated"] = updated[0]
            await session.unsubscribe_resource("demo://resource/dynamic/text/7")
    return report


SAMPLED_REPLY = "a sampled answer from the stdio client ✓"
ROOT = "file:///home/ada/projects/tray"


async def sampling_roots_scenario(command, args):
    report = {"sampling_requests": [], "roots_requests": 0}

    async def on_sampling(context, params):
        report["sampling_requests"].append(params.messages[0].content.text)
        return types.CreateMessageResult(
            role="assistant",
            content=types.TextContent(type="text", text=SAMPLED_REPLY),
            model="stdio-client-model",
            stop_reason="endTurn",
        )

    async def on_roots(context):
        report["roots_requests"] += 1
        return types.ListRootsResult(roots=[types.Root(uri=ROOT, name="tray project")])

    params = StdioServerParameters(command=command, args=args, env=dict(os.environ))
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write, sampling_callback=on_sampling, list_roots_callback=on_roots) as session:
            await session.initialize()
            names = {tool.name for tool in (await session.list_tools()).tools}
            assert {"trigger-sampling-request", "get-roots-list"} <= names, names

            sampled = await session.call_tool("trigger-sampling-request", {"prompt": "Say hello", "maxTokens": 20})
            assert not sampled.is_error, text_of(sampled)
            assert SAMPLED_REPLY in text_of(sampled), text_of(sampled)
            assert "stdio-client-model" in text_of(sampled), text_of(sampled)
            # The request the server sent reached this client's callback (its prompt inside).
            assert len(report["sampling_requests"]) == 1, report
            assert report["sampling_requests"][0].endswith("Say hello"), report

            roots = await session.call_tool("get-roots-list", {})
            assert not roots.is_error, text_of(roots)
            assert ROOT in text_of(roots), text_of(roots)
            assert report["roots_requests"] >= 1, report
            report["roots_text"] = text_of(roots)
    return report


SCENARIOS = {
    "tools": tools_scenario,
    "prompts-resources": prompts_resources_scenario,
    "sampling-roots": sampling_roots_scenario,
}


if __name__ == "__main__":
    report = asyncio.run(SCENARIOS[sys.argv[1]](sys.argv[2], sys.argv[3:]))
    print(json.dumps(report, indent=2, sort_keys=True, ensure_ascii=False))
