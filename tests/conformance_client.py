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
- auth/*: sign in first, as a user would: `tray-mcp login conformance --workspace-id ...`
  with the scenario's URL as TRAY_GATEWAY_URL (as given: its metadata names `localhost`) and
  tests/oauth_browser.py as $BROWSER (it follows the authorization redirect to tray-mcp's
  loopback listener); a pre-registered client's ID and secret come from the scenario's context
  (MCP_CONFORMANCE_CONTEXT). Then `serve --profile conformance`, list the tools and call
  test-tool. When the call's error says to run `tray-mcp login conformance` (more permissions
  wanted), the user does, and calls again: tray-mcp, not this script, decides when signing in
  again stops helping (MAX_ROUNDS only keeps a broken tray-mcp from looping forever).
A failed step raises (non-zero exit); a JSON report of what the client saw goes to stdout.
"""

import asyncio
import json
import os
import subprocess
import sys

from mcp import ClientSession, StdioServerParameters, stdio_client, types

ELICITED_NAME = "Ada from the stdio client"
PROFILE = "conformance"
WORKSPACE = "3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718"
# The client ID metadata document tray-mcp is configured with (the suite's own example URL).
CLIENT_METADATA_URL = "https://conformance-test.local/client-metadata.json"
MAX_ROUNDS = 6


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


def sign_in(command, env, report):
    context = json.loads(os.environ.get("MCP_CONFORMANCE_CONTEXT") or "{}")
    # --no-verify: the scenarios count every authorized request the server sees (scope-retry-limit
    # answers 410 after three), so the check `login` runs afterwards would spend the client's budget.
    args = [command, "login", PROFILE, "--workspace-id", WORKSPACE, "--no-verify"]
    if context.get("client_id"):
        args += ["--client-id", context["client_id"]]
        env["TRAY_OAUTH_CLIENT_SECRET"] = context.get("client_secret", "")
    done = subprocess.run(args, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=90)
    report.setdefault("logins", []).append({"status": done.returncode, "stderr": done.stderr})
    sys.stderr.write(done.stderr)
    return done.returncode == 0


async def call_signed_in(command, env, report):
    params = StdioServerParameters(command=command, args=["serve", "--profile", PROFILE], env=env)
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            listed = await session.list_tools()
            report["tools"] = sorted(tool.name for tool in listed.tools)
            result = await session.call_tool("test-tool", {})
            return result.is_error, text_of(result)


async def auth_scenario(command, url, report):
    env = dict(os.environ)
    env["TRAY_GATEWAY_URL"] = url
    env["BROWSER"] = f"{sys.executable} {os.path.join(os.path.dirname(os.path.abspath(__file__)), 'oauth_browser.py')}"
    env["TRAY_OAUTH_CLIENT_METADATA_URL"] = CLIENT_METADATA_URL
    if not sign_in(command, env, report):
        raise SystemExit("tray-mcp login failed")
    for _ in range(MAX_ROUNDS):
        failed, text = await call_signed_in(command, env, report)
        report.setdefault("calls", []).append({"is_error": failed, "text": text})
        if not failed:
            report["result"] = text
            return
        if f"tray-mcp login {PROFILE}" not in text or not sign_in(command, env, report):
            raise SystemExit(f"test-tool failed: {text}")
    raise SystemExit("tray-mcp kept asking to sign in again")


async def main(command, args, url):
    scenario = os.environ.get("MCP_CONFORMANCE_SCENARIO", "")
    if scenario.startswith("auth/"):
        report = {"scenario": scenario}
        try:
            await auth_scenario(command, url, report)
        finally:
            print(json.dumps(report, sort_keys=True, ensure_ascii=False))
        return
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
