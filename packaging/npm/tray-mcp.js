#!/usr/bin/env node
// The `tray-mcp` command of the npm package: runs the prebuilt binary that npm installed with
// the package for this platform (@tray-mcp/<platform>-<arch>, an optional dependency; npm
// installs only the one whose `os` and `cpu` match). Nothing is downloaded here, so it works
// offline once installed. `tray-mcp install` copies the binary out of npm's folders to
// ~/.local/bin (Windows: %LOCALAPPDATA%\Programs\tray-mcp) before writing client entries,
// because npm prunes its cache. (scripts/npm-packages.sh fills in @REPOSITORY_URL@ from
// Cargo.toml's repository.)
"use strict";

const { spawnSync } = require("node:child_process");

const PACKAGES = {
  "darwin arm64": "@tray-mcp/darwin-arm64",
  "darwin x64": "@tray-mcp/darwin-x64",
  "linux arm64": "@tray-mcp/linux-arm64",
  "linux x64": "@tray-mcp/linux-x64",
  "win32 arm64": "@tray-mcp/win32-arm64",
  "win32 x64": "@tray-mcp/win32-x64",
};

const platform = `${process.platform} ${process.arch}`;
const name = PACKAGES[platform];
if (!name) {
  console.error(`tray-mcp: there is no prebuilt binary for ${platform}.`);
  console.error("hint: build it from source with cargo: see @REPOSITORY_URL@#from-source");
  process.exit(1);
}

const file = process.platform === "win32" ? "tray-mcp.exe" : "tray-mcp";
let binary;
try {
  binary = require.resolve(`${name}/bin/${file}`);
} catch {
  console.error(`tray-mcp: the package ${name} is not installed next to tray-mcp.`);
  console.error("hint: reinstall without --omit=optional / --no-optional (it holds the binary for this platform)");
  process.exit(1);
}

const result = spawnSync(binary, process.argv.slice(2), { stdio: "inherit", windowsHide: true });
if (result.error) {
  console.error(`tray-mcp: could not run ${binary}: ${result.error.message}`);
  process.exit(1);
}
if (result.signal) {
  process.kill(process.pid, result.signal);
}
process.exit(result.status === null ? 1 : result.status);
