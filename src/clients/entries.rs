//! The entry shapes every client shares (the bundled server, the `mcp-remote` bridge, a remote
//! URL with a bearer header), and reading an entry back to tell whether it is Tray's.
//!
//! Why recognition looks at what an entry runs rather than at the binary's file name: people
//! install tray-mcp as `tray-mcp-0.2.0`, behind version-manager shims, or under another name,
//! and an entry that `list` cannot see cannot be renamed, rotated or removed either. An entry is
//! ours when it runs `serve` with tray-mcp's own flags (or runs a binary named tray-mcp), runs
//! `mcp-remote` against an Agent Gateway URL, or points at one.

use serde_json::{Value, json};

use super::{EntryError, EntrySpec, Transport};
use crate::paths::Os;
use crate::tray::{Region, ServerName, WorkspaceId};

/// The pinned `mcp-remote` used by bridge entries (pinned: on Node 20, npm silently picks old
/// versions when left to choose).
pub const MCP_REMOTE_PACKAGE: &str = "mcp-remote@0.15.1";

/// The environment variable a bridge entry passes the `Authorization` header through.
pub const BRIDGE_HEADER_VARIABLE: &str = "TRAY_AUTH_HEADER";

/// The arguments of the bundled server: `serve --profile NAME`, or `serve --sandbox`.
pub fn serve_args(spec: &EntrySpec) -> Vec<String> {
    if spec.sandbox {
        vec!["serve".into(), "--sandbox".into()]
    } else {
        vec!["serve".into(), "--profile".into(), spec.name.to_string()]
    }
}

/// A stdio entry running the bundled server. `with_type` adds `"type": "stdio"` for clients
/// whose schema uses it.
pub fn stdio_entry(spec: &EntrySpec, with_type: bool) -> Value {
    let mut entry = serde_json::Map::new();
    if with_type {
        entry.insert("type".into(), json!("stdio"));
    }
    entry.insert("command".into(), json!(spec.binary.to_string_lossy()));
    entry.insert("args".into(), json!(serve_args(spec)));
    Value::Object(entry)
}

/// The command and arguments of a bridge: `npx -y mcp-remote@VERSION URL --header
/// Authorization:${TRAY_AUTH_HEADER}` (through `cmd /c` on Windows).
pub fn bridge_command(spec: &EntrySpec) -> Result<(String, Vec<String>), EntryError> {
    // No space inside the argument: some clients split arguments on spaces.
    bridge_command_with_header(spec, format!("Authorization:${{{BRIDGE_HEADER_VARIABLE}}}"))
}

/// A bridge whose `--header` argument is `header` (`Authorization:Bearer ${VAR}` for clients
/// that forward the token's variable to `mcp-remote`, which expands it).
pub fn bridge_command_with_header(spec: &EntrySpec, header: String) -> Result<(String, Vec<String>), EntryError> {
    let workspace_id = spec.workspace_id.as_ref().ok_or(EntryError::SandboxNeedsStdio)?;
    let mut args = vec![
        "-y".to_string(),
        MCP_REMOTE_PACKAGE.to_string(),
        workspace_id.gateway_url(),
        "--header".to_string(),
        header,
    ];
    if spec.os == Os::Windows {
        args.splice(0..0, ["/c".to_string(), "npx".to_string()]);
        return Ok(("cmd".to_string(), args));
    }
    Ok(("npx".to_string(), args))
}

/// A bridge entry, with the header's value in `env`. `header_value` is `Bearer <token>` or an
/// input reference.
pub fn bridge_entry(spec: &EntrySpec, with_type: bool, header_value: String) -> Result<Value, EntryError> {
    let (command, args) = bridge_command(spec)?;
    let mut entry = serde_json::Map::new();
    if with_type {
        entry.insert("type".into(), json!("stdio"));
    }
    entry.insert("command".into(), json!(command));
    entry.insert("args".into(), json!(args));
    entry.insert("env".into(), json!({ BRIDGE_HEADER_VARIABLE: header_value }));
    Ok(Value::Object(entry))
}

/// `Bearer <token>` for entries that must hold the token inline.
pub fn bearer(spec: &EntrySpec) -> Result<String, EntryError> {
    let token = spec.api_token.as_ref().ok_or(EntryError::SandboxNeedsStdio)?;
    Ok(format!("Bearer {}", token.expose()))
}

/// The gateway URL of the spec's workspace.
pub fn gateway_url(spec: &EntrySpec) -> Result<String, EntryError> {
    spec.workspace_id
        .as_ref()
        .map(WorkspaceId::gateway_url)
        .ok_or(EntryError::SandboxNeedsStdio)
}

/// Whether a client can use Tray's Headless MCP, which needs the client to sign in by OAuth on
/// its own (there is no token to put in the entry).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Headless {
    /// It can: the one step that signs the user in, with `{name}` for the entry's name.
    SignIn(&'static str),
    /// It cannot; the hint says what to do instead, with `{url}` for the Headless MCP's URL
    /// (`None`: the generic hint).
    Refused(Option<&'static str>),
}

impl Headless {
    /// The sign-in step for the entry `name`, when the client has one.
    pub fn sign_in(self, name: &str) -> Option<String> {
        match self {
            Headless::SignIn(step) => Some(step.replace("{name}", name)),
            Headless::Refused(_) => None,
        }
    }
}

/// The keys clients keep a remote server's URL under.
const URL_KEYS: [&str; 4] = ["url", "serverUrl", "httpUrl", "uri"];

/// Reads a Tray entry back: which transport it uses, its workspace and its profile. `None` for
/// entries that are not Tray's. Reads every shape the clients use: `command` + `args`, a
/// `command` array (OpenCode), `cmd` + `args` (Goose), and any of the URL keys.
pub fn recognize(entry: &Value) -> Option<RecognizedEntry> {
    if let Some(url) = URL_KEYS.iter().find_map(|key| entry.get(*key).and_then(Value::as_str)) {
        if let Some(region) = Region::of_headless_url(url) {
            return Some(RecognizedEntry {
                transport: Transport::Headless,
                workspace: EntryWorkspace::Headless(region),
                profile: None,
            });
        }
        return gateway_workspace(url).map(|workspace| RecognizedEntry {
            transport: Transport::Http,
            workspace: EntryWorkspace::Workspace(workspace),
            profile: None,
        });
    }
    let (command, args) = command_line(entry);
    if args.first() == Some(&"serve") && (runs_tray_mcp(command) || is_our_serve(&args[1..])) {
        return Some(RecognizedEntry {
            transport: Transport::Stdio,
            workspace: if args.contains(&"--sandbox") {
                EntryWorkspace::Sandbox
            } else {
                EntryWorkspace::FromProfile
            },
            profile: flag_value(&args, "--profile").and_then(|name| ServerName::parse(name).ok()),
        });
    }
    if args.iter().any(|arg| arg.starts_with("mcp-remote")) {
        return args
            .iter()
            .find_map(|arg| gateway_workspace(arg))
            .map(|workspace| RecognizedEntry {
                transport: Transport::Bridge,
                workspace: EntryWorkspace::Workspace(workspace),
                profile: None,
            });
    }
    None
}

/// The program and its arguments, in whichever shape the entry keeps them (`command` +
/// `args`, a `command` array, or `cmd` + `args`).
pub fn command_line(entry: &Value) -> (&str, Vec<&str>) {
    fn strings(value: Option<&Value>) -> Vec<&str> {
        value
            .and_then(Value::as_array)
            .map(|items| items.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default()
    }
    match entry.get("command").or_else(|| entry.get("cmd")) {
        Some(Value::Array(_)) => {
            let mut line = strings(entry.get("command"));
            let program = if line.is_empty() { "" } else { line.remove(0) };
            (program, line)
        }
        command => (
            command.and_then(Value::as_str).unwrap_or_default(),
            strings(entry.get("args")),
        ),
    }
}

/// Whether the program's file name is tray-mcp (either separator, so a Windows entry reads the
/// same on any machine).
fn runs_tray_mcp(command: &str) -> bool {
    let file_name = command
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    file_name.strip_suffix(".exe").unwrap_or(&file_name) == "tray-mcp"
}

/// The flags `tray-mcp serve` takes with a value, and without.
const SERVE_VALUE_FLAGS: [&str; 4] = ["--profile", "--workspace-id", "--region", "--log-level"];
const SERVE_SWITCHES: [&str; 2] = ["--sandbox", "--gateway"];

/// Whether the arguments after `serve` are tray-mcp's own, naming what to serve.
fn is_our_serve(args: &[&str]) -> bool {
    let mut names_a_workspace = false;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let flag = arg.split_once('=').map_or(*arg, |(flag, _)| flag);
        if SERVE_SWITCHES.contains(&flag) && !arg.contains('=') {
            names_a_workspace |= flag == "--sandbox";
        } else if SERVE_VALUE_FLAGS.contains(&flag) {
            if !arg.contains('=') && rest.next().is_none() {
                return false;
            }
            names_a_workspace |= flag == "--profile" || flag == "--workspace-id";
        } else {
            return false;
        }
    }
    names_a_workspace
}

/// The value of `--flag VALUE` or `--flag=VALUE`.
fn flag_value<'a>(args: &[&'a str], flag: &str) -> Option<&'a str> {
    args.iter().enumerate().find_map(|(index, arg)| {
        if *arg == flag {
            args.get(index + 1).copied()
        } else {
            arg.strip_prefix(flag).and_then(|rest| rest.strip_prefix('='))
        }
    })
}

/// The workspace ID in an Agent Gateway URL (`https://<id>.mcp.tray.ai`).
fn gateway_workspace(url: &str) -> Option<WorkspaceId> {
    let host = url.strip_prefix("https://")?.split(['/', ':']).next()?;
    let id = host.strip_suffix(".mcp.tray.ai")?;
    WorkspaceId::parse(id).ok()
}

/// The entry with its `--profile OLD` (in `args`, or in a `command` array) pointing at `new`.
pub(super) fn follow_profile_rename(entry: &Value, old: &str, new: &str) -> Value {
    let mut updated = entry.clone();
    for key in ["args", "command"] {
        let Some(args) = updated.get_mut(key).and_then(Value::as_array_mut) else {
            continue;
        };
        let profile_index = args.iter().position(|arg| arg == "--profile").map(|index| index + 1);
        if let Some(profile) = profile_index.and_then(|index| args.get_mut(index))
            && profile == old
        {
            *profile = Value::String(new.to_string());
        }
    }
    updated
}

/// A Tray entry found in a config.
#[derive(Debug, Clone, PartialEq)]
pub struct RecognizedEntry {
    /// How it reaches Tray.
    pub transport: Transport,
    /// Which workspace.
    pub workspace: EntryWorkspace,
    /// The profile it runs with (stdio entries); `None` when it names none, or a name no
    /// profile can have.
    pub profile: Option<ServerName>,
}

/// The workspace of a recognized entry.
#[derive(Debug, Clone, PartialEq)]
pub enum EntryWorkspace {
    /// Named in the entry itself.
    Workspace(WorkspaceId),
    /// Kept in the entry's profile.
    FromProfile,
    /// The embedded sandbox.
    Sandbox,
    /// Tray's hosted Headless MCP in a region: the workspace is the signed-in user's choice.
    Headless(Region),
}
