#!/usr/bin/env python3
"""Prints the release's server.json for the official MCP Registry (published with mcp-publisher).

    scripts/server-json.py BUNDLE_DIR DOWNLOAD_URL > server.json

Starts from the repository's server.json (the npm package and the Agent Gateway remote; its
version is Cargo.toml's) and adds one `mcpb` package per `*.mcpb` file in BUNDLE_DIR (the Claude
Desktop extensions `tray-mcp bundle` writes), each with its download address DOWNLOAD_URL/FILE
and the SHA-256 of the file, which the registry requires of MCPB packages. The result is checked
against the schema copy in schemas/mcp-registry/ by tests/it/registry.rs.
"""

import hashlib
import json
import pathlib
import sys


def main(bundle_dir, download_url):
    root = pathlib.Path(__file__).resolve().parent.parent
    server = json.loads((root / "server.json").read_text(encoding="utf-8"))
    bundles = sorted(pathlib.Path(bundle_dir).glob("*.mcpb"))
    if not bundles:
        sys.exit(f"server-json.py: no .mcpb file in {bundle_dir}")
    for bundle in bundles:
        server["packages"].append(
            {
                "registryType": "mcpb",
                "identifier": f"{download_url.rstrip('/')}/{bundle.name}",
                "version": server["version"],
                "fileSha256": hashlib.sha256(bundle.read_bytes()).hexdigest(),
                "transport": {"type": "stdio"},
            }
        )
    print(json.dumps(server, indent=2))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: scripts/server-json.py BUNDLE_DIR DOWNLOAD_URL")
    main(sys.argv[1], sys.argv[2])
