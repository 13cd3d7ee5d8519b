//! The AI clients tray-mcp configures, one module each behind the [`Client`] trait.
//!
//! Why one module per client: each client keeps its config in its own place per operating
//! system and scope, under its own key, with its own shape for a remote server. Putting each
//! client's facts in one small file makes them easy to check against the client's docs, and a
//! new client is one new module plus one line in [`all_clients`].

mod claude_code;
mod claude_desktop;
mod cursor;
mod vscode;
mod windsurf;

pub use vscode::{token_input as vscode_token_input, token_input_id as vscode_token_input_id};

use std::path::PathBuf;

use serde_json::{Value, json};

use crate::config::Dialect;
use crate::paths::{Environment, Os};
use crate::tray::{ApiToken, ServerName, WorkspaceId};

/// The pinned `mcp-remote` used by bridge entries (pinned: on Node 20, npm silently picks old
/// versions when left to choose).
pub const MCP_REMOTE_PACKAGE: &str = "mcp-remote@0.15.1";

/// The environment variable a bridge entry passes the `Authorization` header through.
pub const BRIDGE_HEADER_VARIABLE: &str = "TRAY_AUTH_HEADER";

/// Which client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ClientKind {
    /// Anthropic's desktop app.
    ClaudeDesktop,
    /// Anthropic's command-line coding agent.
    ClaudeCode,
    /// The Cursor editor.
    Cursor,
    /// The Windsurf editor.
    Windsurf,
    /// Visual Studio Code.
    VsCode,
}

impl ClientKind {
    /// Every client, in the order they are shown.
    pub const ALL: [ClientKind; 5] = [
        ClientKind::ClaudeDesktop,
        ClientKind::ClaudeCode,
        ClientKind::Cursor,
        ClientKind::Windsurf,
        ClientKind::VsCode,
    ];

    /// The identifier used on the command line and in JSON output.
    pub fn id(self) -> &'static str {
        match self {
            ClientKind::ClaudeDesktop => "claude",
            ClientKind::ClaudeCode => "claude-code",
            ClientKind::Cursor => "cursor",
            ClientKind::Windsurf => "windsurf",
            ClientKind::VsCode => "vscode",
        }
    }

    /// The client's implementation.
    pub fn client(self) -> &'static dyn Client {
        match self {
            ClientKind::ClaudeDesktop => &claude_desktop::ClaudeDesktop,
            ClientKind::ClaudeCode => &claude_code::ClaudeCode,
            ClientKind::Cursor => &cursor::Cursor,
            ClientKind::Windsurf => &windsurf::Windsurf,
            ClientKind::VsCode => &vscode::VsCode,
        }
    }

    /// Parses a command-line client name (`claude`, `claude-desktop`, `claude-code`, ...).
    pub fn parse(input: &str) -> Option<ClientKind> {
        match input.trim().to_ascii_lowercase().as_str() {
            "claude" | "claude-desktop" | "claude_desktop" => Some(ClientKind::ClaudeDesktop),
            "claude-code" | "claude_code" | "claudecode" => Some(ClientKind::ClaudeCode),
            "cursor" => Some(ClientKind::Cursor),
            "windsurf" => Some(ClientKind::Windsurf),
            "vscode" | "vs-code" | "code" => Some(ClientKind::VsCode),
            _ => None,
        }
    }
}

/// Which config of a client: the user's own, one project's private one, or the shared one in
/// the project folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Scope {
    /// The user's config, for every project.
    #[default]
    User,
    /// Claude Code: private to one project, kept in `~/.claude.json`.
    Local,
    /// A file in the project folder, usually committed and shared.
    Project,
}

impl Scope {
    /// The name used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::User => "user",
            Scope::Local => "local",
            Scope::Project => "project",
        }
    }
}

/// How the client reaches Tray.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Transport {
    /// The bundled server: `tray-mcp serve --profile NAME`, token in tray-mcp's profile store.
    #[default]
    Stdio,
    /// `npx mcp-remote` bridging to the workspace's Agent Gateway.
    Bridge,
    /// The client's own remote (Streamable HTTP) entry for the Agent Gateway.
    Http,
}

impl Transport {
    /// The name used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Stdio => "stdio",
            Transport::Bridge => "bridge",
            Transport::Http => "http",
        }
    }
}

/// Where a client keeps its servers for one scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigLocation {
    /// The config file.
    pub path: PathBuf,
    /// The keys leading to the object of servers, e.g. `["mcpServers"]`.
    pub servers_key: Vec<String>,
}

/// What one entry is made from.
#[derive(Debug, Clone)]
pub struct EntrySpec {
    /// The entry's name (also its profile's name).
    pub name: ServerName,
    /// How the client reaches Tray.
    pub transport: Transport,
    /// The workspace (absent for the sandbox).
    pub workspace_id: Option<WorkspaceId>,
    /// The token (absent for the sandbox and for stdio, whose token lives in the profile).
    pub api_token: Option<ApiToken>,
    /// Absolute path of the tray-mcp binary, for stdio entries.
    pub binary: PathBuf,
    /// Run the embedded sandbox workspace instead of a real one.
    pub sandbox: bool,
    /// Operating system of the client (decides `cmd /c npx` on Windows).
    pub os: Os,
}

/// The JSON a client needs for one server.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientEntry {
    /// The value stored under the server's name.
    pub server: Value,
    /// A VS Code `inputs` item (a password prompt), when the token is asked for at run time.
    pub input: Option<Value>,
    /// Whether the entry holds the token itself (the file must then be private).
    pub holds_token: bool,
}

/// Why an entry cannot be made for a client.
#[derive(Debug, Clone, thiserror::Error)]
pub enum EntryError {
    /// The client has no entry shape for this transport.
    #[error("{client} cannot use the {transport} transport")]
    UnsupportedTransport {
        /// The client's display name.
        client: &'static str,
        /// The transport asked for.
        transport: &'static str,
        /// What to do instead.
        hint: &'static str,
    },
    /// The transport needs a workspace and token, and this is the sandbox.
    #[error("the sandbox workspace runs only in the bundled server (--transport stdio)")]
    SandboxNeedsStdio,
}

/// One AI client: where its config lives and how its entries look.
pub trait Client: Sync {
    /// Which client this is.
    fn kind(&self) -> ClientKind;

    /// The name shown to users ("Claude Desktop").
    fn display_name(&self) -> &'static str;

    /// Which syntax its config parser accepts.
    fn dialect(&self) -> Dialect;

    /// The scopes this client has (the first is its default).
    fn scopes(&self) -> &'static [Scope];

    /// Where its servers live for a scope (`None` for a scope it does not have).
    fn location(&self, environment: &Environment, scope: Scope) -> Option<ConfigLocation>;

    /// The folder whose presence shows the client is installed.
    fn install_marker(&self, environment: &Environment) -> PathBuf;

    /// The entry for a server.
    fn entry(&self, spec: &EntrySpec) -> Result<ClientEntry, EntryError>;

    /// What the user must do for the client to pick up a change.
    fn reload_hint(&self) -> &'static str;

    /// For clients with a local scope (Claude Code): the key pattern of every project's
    /// servers in the user-scope file, with `*` standing for the project directory.
    fn local_servers_pattern(&self) -> Option<&'static [&'static str]> {
        None
    }
}

/// Every client.
pub fn all_clients() -> impl Iterator<Item = &'static dyn Client> {
    ClientKind::ALL.into_iter().map(ClientKind::client)
}

/// A stdio entry running the bundled server. `with_type` adds `"type": "stdio"` for clients
/// whose schema uses it.
pub(crate) fn stdio_entry(spec: &EntrySpec, with_type: bool) -> Value {
    let args: Vec<String> = if spec.sandbox {
        vec!["serve".into(), "--sandbox".into()]
    } else {
        vec!["serve".into(), "--profile".into(), spec.name.to_string()]
    };
    let mut entry = serde_json::Map::new();
    if with_type {
        entry.insert("type".into(), json!("stdio"));
    }
    entry.insert("command".into(), json!(spec.binary.to_string_lossy()));
    entry.insert("args".into(), json!(args));
    Value::Object(entry)
}

/// A bridge entry: `npx -y mcp-remote@VERSION URL --header Authorization:${TRAY_AUTH_HEADER}`,
/// with the header's value in `env`. `header_value` is `Bearer <token>` or an input reference.
pub(crate) fn bridge_entry(spec: &EntrySpec, with_type: bool, header_value: String) -> Result<Value, EntryError> {
    let workspace_id = spec.workspace_id.as_ref().ok_or(EntryError::SandboxNeedsStdio)?;
    let mut args = vec![
        "-y".to_string(),
        MCP_REMOTE_PACKAGE.to_string(),
        workspace_id.gateway_url(),
        "--header".to_string(),
        // No space inside the argument: some clients split arguments on spaces.
        format!("Authorization:${{{BRIDGE_HEADER_VARIABLE}}}"),
    ];
    let command = if spec.os == Os::Windows {
        args.insert(0, "npx".to_string());
        args.insert(0, "/c".to_string());
        "cmd"
    } else {
        "npx"
    };
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
pub(crate) fn bearer(spec: &EntrySpec) -> Result<String, EntryError> {
    let token = spec.api_token.as_ref().ok_or(EntryError::SandboxNeedsStdio)?;
    Ok(format!("Bearer {}", token.expose()))
}

/// The gateway URL of the spec's workspace.
pub(crate) fn gateway_url(spec: &EntrySpec) -> Result<String, EntryError> {
    spec.workspace_id
        .as_ref()
        .map(WorkspaceId::gateway_url)
        .ok_or(EntryError::SandboxNeedsStdio)
}

/// The standard entry shapes shared by most clients; `url_key` is `url` or `serverUrl`, and
/// `remote_type` the `type` value a client wants on remote entries.
pub(crate) fn standard_entry(
    spec: &EntrySpec,
    stdio_type: bool,
    url_key: &str,
    remote_type: Option<&str>,
) -> Result<ClientEntry, EntryError> {
    if spec.sandbox && spec.transport != Transport::Stdio {
        return Err(EntryError::SandboxNeedsStdio);
    }
    let (server, holds_token) = match spec.transport {
        Transport::Stdio => (stdio_entry(spec, stdio_type), false),
        Transport::Bridge => (bridge_entry(spec, stdio_type, bearer(spec)?)?, true),
        Transport::Http => {
            let mut entry = serde_json::Map::new();
            if let Some(remote_type) = remote_type {
                entry.insert("type".into(), json!(remote_type));
            }
            entry.insert(url_key.into(), json!(gateway_url(spec)?));
            entry.insert("headers".into(), json!({ "Authorization": bearer(spec)? }));
            (Value::Object(entry), true)
        }
    };
    Ok(ClientEntry {
        server,
        input: None,
        holds_token,
    })
}

/// Reads a Tray entry back: which transport it uses, its workspace and its profile.
/// `None` for entries that are not Tray's.
pub fn recognize(entry: &Value) -> Option<RecognizedEntry> {
    let command = entry.get("command").and_then(Value::as_str).unwrap_or_default();
    let args: Vec<&str> = entry
        .get("args")
        .and_then(Value::as_array)
        .map(|args| args.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let url = ["url", "serverUrl"]
        .iter()
        .find_map(|key| entry.get(*key).and_then(Value::as_str));
    if let Some(url) = url {
        return gateway_workspace(url).map(|workspace| RecognizedEntry {
            transport: Transport::Http,
            workspace: EntryWorkspace::Workspace(workspace),
            profile: None,
        });
    }
    // Either separator: a Windows entry is read the same way on any machine.
    let file_name = command
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let program = file_name.strip_suffix(".exe").unwrap_or(&file_name);
    if program == "tray-mcp" && args.first() == Some(&"serve") {
        let profile = args
            .iter()
            .position(|arg| *arg == "--profile")
            .and_then(|index| args.get(index + 1))
            .map(|name| name.to_string());
        let workspace = if args.contains(&"--sandbox") {
            EntryWorkspace::Sandbox
        } else {
            EntryWorkspace::FromProfile
        };
        return Some(RecognizedEntry {
            transport: Transport::Stdio,
            workspace,
            profile,
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

/// The workspace ID in an Agent Gateway URL (`https://<id>.mcp.tray.ai`).
fn gateway_workspace(url: &str) -> Option<WorkspaceId> {
    let host = url.strip_prefix("https://")?.split(['/', ':']).next()?;
    let id = host.strip_suffix(".mcp.tray.ai")?;
    WorkspaceId::parse(id).ok()
}

/// A Tray entry found in a config.
#[derive(Debug, Clone, PartialEq)]
pub struct RecognizedEntry {
    /// How it reaches Tray.
    pub transport: Transport,
    /// Which workspace.
    pub workspace: EntryWorkspace,
    /// The profile it runs with (stdio entries).
    pub profile: Option<String>,
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::paths::tests::environment_for;

    fn location(kind: ClientKind, os: Os, scope: Scope) -> Option<(String, String)> {
        kind.client().location(&environment_for(os), scope).map(|location| {
            (
                location.path.to_string_lossy().into_owned(),
                location.servers_key.join("."),
            )
        })
    }

    #[test]
    fn config_paths_for_every_client_and_os() {
        let table = [
            (
                ClientKind::ClaudeDesktop,
                Os::MacOs,
                "/Users/ada/Library/Application Support/Claude/claude_desktop_config.json",
            ),
            (
                ClientKind::ClaudeDesktop,
                Os::Windows,
                r"C:\Users\ada\AppData\Roaming\Claude\claude_desktop_config.json",
            ),
            (
                ClientKind::ClaudeDesktop,
                Os::Linux,
                "/home/ada/.config/Claude/claude_desktop_config.json",
            ),
            (ClientKind::ClaudeCode, Os::MacOs, "/Users/ada/.claude.json"),
            (ClientKind::ClaudeCode, Os::Windows, r"C:\Users\ada\.claude.json"),
            (ClientKind::ClaudeCode, Os::Linux, "/home/ada/.claude.json"),
            (ClientKind::Cursor, Os::MacOs, "/Users/ada/.cursor/mcp.json"),
            (ClientKind::Cursor, Os::Windows, r"C:\Users\ada\.cursor\mcp.json"),
            (ClientKind::Cursor, Os::Linux, "/home/ada/.cursor/mcp.json"),
            (
                ClientKind::Windsurf,
                Os::MacOs,
                "/Users/ada/.codeium/windsurf/mcp_config.json",
            ),
            (
                ClientKind::Windsurf,
                Os::Windows,
                r"C:\Users\ada\.codeium\windsurf\mcp_config.json",
            ),
            (
                ClientKind::Windsurf,
                Os::Linux,
                "/home/ada/.codeium/windsurf/mcp_config.json",
            ),
            (
                ClientKind::VsCode,
                Os::MacOs,
                "/Users/ada/Library/Application Support/Code/User/mcp.json",
            ),
            (
                ClientKind::VsCode,
                Os::Windows,
                r"C:\Users\ada\AppData\Roaming\Code\User\mcp.json",
            ),
            (ClientKind::VsCode, Os::Linux, "/home/ada/.config/Code/User/mcp.json"),
        ];
        for (kind, os, expected) in table {
            let (path, _) = location(kind, os, Scope::User).expect("user scope exists");
            assert_eq!(path, expected, "{kind:?} on {os:?}");
        }
    }

    #[test]
    fn scoped_locations() {
        assert_eq!(
            location(ClientKind::ClaudeCode, Os::Linux, Scope::Local),
            Some((
                "/home/ada/.claude.json".into(),
                "projects./home/ada/project.mcpServers".into()
            ))
        );
        assert_eq!(
            location(ClientKind::ClaudeCode, Os::Windows, Scope::Project),
            Some((r"C:\Users\ada\project\.mcp.json".into(), "mcpServers".into()))
        );
        assert_eq!(
            location(ClientKind::Cursor, Os::MacOs, Scope::Project),
            Some(("/Users/ada/project/.cursor/mcp.json".into(), "mcpServers".into()))
        );
        assert_eq!(
            location(ClientKind::VsCode, Os::Linux, Scope::Project),
            Some(("/home/ada/project/.vscode/mcp.json".into(), "servers".into()))
        );
        assert_eq!(location(ClientKind::ClaudeDesktop, Os::Linux, Scope::Project), None);
        assert_eq!(location(ClientKind::Windsurf, Os::Linux, Scope::Local), None);
    }

    fn spec(transport: Transport, os: Os) -> EntrySpec {
        EntrySpec {
            name: ServerName::parse("tray-workspace").unwrap(),
            transport,
            workspace_id: Some(WorkspaceId::parse("3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718").unwrap()),
            api_token: Some(ApiToken::parse("secret-token").unwrap()),
            binary: PathBuf::from(r"C:\Users\ada\.cargo\bin\tray-mcp.exe"),
            sandbox: false,
            os,
        }
    }

    #[test]
    fn windows_bridge_runs_npx_through_cmd() {
        let entry = ClientKind::Cursor
            .client()
            .entry(&spec(Transport::Bridge, Os::Windows))
            .unwrap();
        assert_eq!(entry.server["command"], "cmd");
        assert_eq!(entry.server["args"][0], "/c");
        assert_eq!(entry.server["args"][1], "npx");
        assert_eq!(entry.server["args"][3], MCP_REMOTE_PACKAGE);
        assert!(entry.holds_token);
        let linux = ClientKind::Cursor
            .client()
            .entry(&spec(Transport::Bridge, Os::Linux))
            .unwrap();
        assert_eq!(linux.server["command"], "npx");
    }

    #[test]
    fn windows_stdio_entry_is_recognized_by_its_exe_name() {
        let entry = ClientKind::ClaudeDesktop
            .client()
            .entry(&spec(Transport::Stdio, Os::Windows))
            .unwrap();
        let recognized = recognize(&entry.server).expect("a Tray entry");
        assert_eq!(recognized.transport, Transport::Stdio);
        assert_eq!(recognized.profile.as_deref(), Some("tray-workspace"));
    }

    #[test]
    fn recognizes_each_transport_and_ignores_others() {
        let stdio = json!({"command": "/usr/local/bin/tray-mcp", "args": ["serve", "--profile", "prod"]});
        assert_eq!(recognize(&stdio).unwrap().profile.as_deref(), Some("prod"));
        let bridge = json!({"command": "npx", "args": ["-y", "mcp-remote@0.15.1", "https://3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718.mcp.tray.ai"]});
        assert_eq!(recognize(&bridge).unwrap().transport, Transport::Bridge);
        let http = json!({"serverUrl": "https://3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718.mcp.tray.ai"});
        assert_eq!(recognize(&http).unwrap().transport, Transport::Http);
        assert_eq!(
            recognize(&json!({"command": "npx", "args": ["-y", "@other/server"]})),
            None
        );
        assert_eq!(recognize(&json!({"url": "https://evil.example/x.mcp.tray.ai"})), None);
    }
}
