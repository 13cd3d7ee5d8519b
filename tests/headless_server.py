"""A local stand-in for Tray's Headless MCP (the official Python SDK's MCPServer over Streamable
HTTP on 127.0.0.1), for tests/serve_headless.rs.

Run as:
    python tests/headless_server.py <port> <bearer>

Like the real one, most tools take a `workspaceId` argument and the ones that change things
carry `destructiveHint`. Every tool answers with the arguments it received, as JSON text, so
the test sees exactly what reached the server. Requests without `Authorization: Bearer
<bearer>` get 401. It prints "ready" once it listens, and runs until killed.
"""

import json
import sys
from typing import Annotated

import uvicorn
from pydantic import Field

from mcp.server.mcpserver import MCPServer
from mcp.types import ToolAnnotations

server = MCPServer("headless-stand-in")

WORKSPACE = Annotated[str, Field(description="The workspace to work in.")]


def received(tool, **arguments):
    return json.dumps({"tool": tool, "arguments": arguments}, sort_keys=True)


@server.tool(
    description="List the projects of a workspace.",
    annotations=ToolAnnotations(readOnlyHint=True, openWorldHint=False),
)
def list_projects(workspaceId: WORKSPACE, search: str | None = None) -> str:
    return received("list_projects", workspaceId=workspaceId, search=search)


@server.tool(
    description="Create a project in a workspace.",
    annotations=ToolAnnotations(readOnlyHint=False, destructiveHint=True, idempotentHint=False),
    meta={"tray/category": "projects"},
)
def create_project(workspaceId: WORKSPACE, name: str, description: str = "") -> str:
    return received("create_project", workspaceId=workspaceId, name=name, description=description)


@server.tool(
    description="Describe a connector (not workspace-scoped).",
    annotations=ToolAnnotations(readOnlyHint=True),
)
def list_connectors(connector_names: list[str]) -> str:
    return received("list_connectors", connector_names=connector_names)


@server.tool(
    description="Headless MCP's own workflow listing (the name clashes with a built-in tool).",
    annotations=ToolAnnotations(readOnlyHint=True),
)
def list_workflows(workspaceId: WORKSPACE, project_id: str) -> str:
    return received("list_workflows", workspaceId=workspaceId, project_id=project_id)


@server.tool(
    description="A tool the Agent Gateway also has (the name clashes with a gateway tool).",
    annotations=ToolAnnotations(destructiveHint=True),
)
def send_slack_message(workspaceId: WORKSPACE, channel: str) -> str:
    return received("send_slack_message", workspaceId=workspaceId, channel=channel)


def require_bearer(app, bearer):
    expected = f"Bearer {bearer}".encode()

    async def checked(scope, receive, send):
        if scope["type"] == "http":
            headers = dict(scope.get("headers") or [])
            if headers.get(b"authorization") != expected:
                await send({"type": "http.response.start", "status": 401,
                            "headers": [(b"content-type", b"application/json")]})
                await send({"type": "http.response.body", "body": b'{"error":"invalid_token"}'})
                return
        await app(scope, receive, send)

    return checked


def main():
    port, bearer = int(sys.argv[1]), sys.argv[2]
    app = require_bearer(server.streamable_http_app(host="127.0.0.1"), bearer)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    instance = uvicorn.Server(config)
    original = instance.startup

    async def startup(sockets=None):
        await original(sockets=sockets)
        print("ready", flush=True)

    instance.startup = startup
    instance.run()


if __name__ == "__main__":
    main()
