# The durable floor's shared parts, sourced by bench/install_all.sh and bench/check.sh (not run
# on its own). The floor (bench/durable_floor.rs) writes exactly the files one tray-mcp run
# writes, with temp file + fsync + rename + folder fsync and nothing else; these functions record
# what that run wrote and check that the floor leaves the same tree.
#
#   floor_build OUT                       # compile bench/durable_floor.rs to OUT
#   floor_skeleton DIR                    # a home in which every client's install folder exists
#   big_claude_state OUT                  # a ~20 MB ~/.claude.json (Claude Code's state file)
#   floor_manifest HOME MANIFEST PREPARE COMMAND...
#       run PREPARE (a shell command that makes a fresh HOME), then COMMAND, record every file
#       under HOME that COMMAND created or changed in MANIFEST, run PREPARE again, let the floor
#       write MANIFEST into HOME, and check the tree is the same. Prints the number of files.
#       tray-mcp's backups of the files it replaced (~/.config/tray-mcp/backups) are left out:
#       the floor writes the client files only, so any cost of the backups counts against
#       tray-mcp.

floor_build() {
  rustc -O -C strip=symbols --edition 2021 bench/durable_floor.rs -o "$1"
}

# Every client's install folder on Linux (what `-c all` detects). install_all.sh checks that a
# new client's folder is here.
floor_skeleton() {
  local skeleton="$1" folder
  for folder in .config/Claude .claude .cursor .codeium/windsurf .config/Code/User \
    ".config/Code - Insiders/User" .config/VSCodium/User .codex .gemini .copilot .config/opencode \
    .config/kilo .cline .config/Code/User/globalStorage/rooveterinaryinc.roo-cline .config/zed .qwen \
    .kiro .config/crush .lmstudio .junie .config/goose .continue; do
    mkdir -p "$skeleton/$folder"
  done
}

floor_manifest() {
  local home="$1" manifest="$2" prepare="$3"
  shift 3
  sh -c "$prepare"
  python3 - "$home" "$home.before" <<'PY'
import json, os, sys
home, out = sys.argv[1:]
state = {}
for folder, _, files in os.walk(home):
    for name in files:
        path = os.path.join(folder, name)
        info = os.stat(path)
        state[os.path.relpath(path, home)] = [info.st_ino, info.st_size, info.st_mtime_ns]
json.dump(state, open(out, "w"))
PY
  "$@" >/dev/null 2>&1 || { echo "bench: failed: $*" >&2; return 1; }
  python3 - "$home" "$manifest" "$home.before" <<'PY'
import json, os, sys
home, manifest, before = sys.argv[1:]
before = json.load(open(before))
count = 0
with open(manifest, "wb") as out:
    for folder, _, files in sorted(os.walk(home)):
        for name in sorted(files):
            path = os.path.join(folder, name)
            relative = os.path.relpath(path, home)
            info = os.stat(path)
            if relative.startswith(".config/tray-mcp/backups/"):
                continue
            if before.get(relative) == [info.st_ino, info.st_size, info.st_mtime_ns]:
                continue  # there before the run and untouched
            data = open(path, "rb").read()
            mode = info.st_mode & 0o7777
            out.write(f"{mode:o} {len(data)} {relative}\n".encode() + data + b"\n")
            count += 1
print(count)
PY
  sh -c "$prepare"
  "$floor" "$manifest" "$home"
  python3 - "$home" "$manifest" "$home.before" <<'PY'
import json, os, sys
home, manifest, before = sys.argv[1:]
before = json.load(open(before))
data = open(manifest, "rb").read()
expected = {}
while data:
    header, data = data.split(b"\n", 1)
    mode, length, relative = header.decode().split(" ", 2)
    expected[relative] = (int(mode, 8), data[: int(length)])
    data = data[int(length) + 1 :]
found = {}
for folder, _, files in os.walk(home):
    for name in files:
        path = os.path.join(folder, name)
        relative = os.path.relpath(path, home)
        if relative in before and relative not in expected:
            continue  # prepared, and not written by either
        found[relative] = (os.stat(path).st_mode & 0o7777, open(path, "rb").read())
if found != expected:
    sys.exit(f"bench: the floor wrote a different tree: {sorted(set(found) ^ set(expected))}")
PY
  rm -f "$home.before"
}

# ~1,300 projects with histories (Claude Code's state file as a long-time user has it), one
# server of the user's own at the top. The same file every run (seeded).
big_claude_state() {
  python3 - "$1" <<'PY'
import json, random, string, sys
random.seed(7)
projects, index = {}, 0
while True:
    projects[f"/home/ada/src/project-{index}"] = {
        "allowedTools": [], "mcpContextUris": [], "mcpServers": {}, "hasTrustDialogAccepted": True,
        "history": [{"display": "".join(random.choices(string.ascii_letters + " ", k=300)), "pastedContents": {}} for _ in range(20)],
    }
    index += 1
    if index % 50 == 0 and len(json.dumps(projects)) > 20 * 1024 * 1024:
        break
state = {"numStartups": 42, "projects": projects, "mcpServers": {"other": {"type": "stdio", "command": "node", "args": ["x.js"], "env": {}}}}
open(sys.argv[1], "w").write(json.dumps(state, indent=2))
PY
}
