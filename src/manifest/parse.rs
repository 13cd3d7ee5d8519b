//! Reading `tray-mcp.toml`: serde (with `deny_unknown_fields`) over `toml_edit`, which knows
//! where every value came from; then each value is checked, and every error names its
//! line:column and says what to do.
//!
//! No error shows a value from the file: a misplaced token must not reach a CI log through
//! the message that complains about it.

use std::fmt;
use std::ops::Range;
use std::path::PathBuf;

use serde::Deserialize;
use serde_spanned::Spanned;

use super::raw::{RawClients, RawManifest, RawReference, RawServer, RawToken, RawTokenFromEnv};
use super::source::TokenSource;
use super::{DeclaredClients, DeclaredServer, DeclaredWorkspace, Manifest};
use crate::approvals::Approve;
use crate::clients::{ClientId, Scope, Transport};
use crate::commands::install::SignInConflict;
use crate::error::{Advice, ExitKind};
use crate::tool_filter::{self, ToolFilter};
use crate::tray::{Region, ServerName, WorkspaceId};

/// The manifest could not be read, or declares something tray-mcp cannot do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestError {
    /// The file as shown.
    pub shown_path: String,
    /// Where (1-based line and column), when known.
    pub position: Option<(usize, usize)>,
    /// What is wrong, without any value from the file.
    pub message: String,
    /// What to do about it.
    pub hint: String,
}

impl fmt::Display for ManifestError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some((line, column)) => write!(
                formatter,
                "invalid manifest {}:{line}:{column}: {}",
                self.shown_path, self.message
            ),
            None => write!(formatter, "invalid manifest {}: {}", self.shown_path, self.message),
        }
    }
}

impl std::error::Error for ManifestError {}

impl Advice for ManifestError {
    fn hint(&self) -> Option<String> {
        Some(format!("{}; no file was changed", self.hint))
    }

    fn exit(&self) -> ExitKind {
        ExitKind::Usage
    }
}

/// The keys a server table takes, for hints.
const SERVER_KEYS: &str =
    "workspace, region, kind, gateway, clients, scope, token, token_from_env, sign_in, tools, exclude_tools, approve";

/// Parses and checks manifest text. `shown_path` names the file in messages; `folder` is where
/// relative token files are looked for.
pub fn parse(text: &str, shown_path: &str, folder: PathBuf) -> Result<Manifest, ManifestError> {
    let lines = Lines::new(text);
    let at = |span: Option<Range<usize>>, message: String, hint: &str| ManifestError {
        shown_path: shown_path.to_string(),
        position: span.map(|span| lines.line_column(span.start)),
        message,
        hint: hint.to_string(),
    };
    let document: toml_edit::Document<&str> = toml_edit::Document::parse(text).map_err(|error| {
        at(
            error.span(),
            format!("not valid TOML: {}", error.message().trim_end()),
            "fix the file at that position (see examples/tray-mcp.toml for the format)",
        )
    })?;
    let raw = RawManifest::deserialize(toml_edit::de::Deserializer::from(document)).map_err(|error| {
        let message = without_values(error.message().trim_end());
        let hint = if message.contains("unknown field") {
            format!("check the spelling: a server takes {SERVER_KEYS}; a token takes env, keychain, file or command; the file takes [servers.NAME] tables")
        } else {
            "see examples/tray-mcp.toml for the format".to_string()
        };
        at(error.span(), message, &hint)
    })?;
    let mut servers = Vec::new();
    for (name, server) in raw.servers {
        let position = lines.line_column(name.span().start);
        let name_span = name.span();
        let name = ServerName::parse(name.get_ref()).map_err(|_| {
            at(
                Some(name_span),
                "invalid server name".to_string(),
                "a name is 1-64 letters, digits, `-` and `_`, not starting with `-`",
            )
        })?;
        let table = server.span();
        servers.push(check_server(name, server.into_inner(), table, position, &at)?);
    }
    check_case_unique(&servers, shown_path)?;
    Ok(Manifest {
        shown_path: shown_path.to_string(),
        folder,
        servers,
        origin: super::trust::Origin::default(),
    })
}

/// Refuses two declared names that differ only in case, at the later one, as `install` refuses
/// such a name ([`crate::commands::check_case_unique`]: on macOS and Windows their profiles
/// would be one file). Linear: one set of lowercased names.
fn check_case_unique(servers: &[DeclaredServer], shown_path: &str) -> Result<(), ManifestError> {
    let mut in_file_order: Vec<&DeclaredServer> = servers.iter().collect();
    in_file_order.sort_by_key(|server| server.position);
    let mut seen: std::collections::HashMap<String, &DeclaredServer> = std::collections::HashMap::new();
    for server in in_file_order {
        if let Some(first) = seen.insert(server.name.as_str().to_ascii_lowercase(), server) {
            let (line, _) = first.position;
            return Err(ManifestError {
                shown_path: shown_path.to_string(),
                position: Some(server.position),
                message: format!(
                    "server \"{}\" differs only in case from \"{}\" (line {line})",
                    server.name, first.name
                ),
                hint: "names are compared ignoring case (on macOS and Windows they would be one profile file): rename one of them".to_string(),
            });
        }
    }
    Ok(())
}

type At<'a> = dyn Fn(Option<Range<usize>>, String, &str) -> ManifestError + 'a;

fn check_server(
    name: ServerName,
    raw: RawServer,
    table: Range<usize>,
    position: (usize, usize),
    at: &At<'_>,
) -> Result<DeclaredServer, ManifestError> {
    let RawServer {
        workspace,
        region,
        kind,
        gateway,
        clients,
        scope,
        token,
        token_from_env,
        sign_in,
        tools,
        exclude_tools,
        approve,
    } = raw;
    let transport = check_kind(&name, kind.as_ref(), at)?;
    let scope = check_scope(&name, scope.as_ref(), at)?;
    let clients = check_clients(&name, clients, at)?;
    let sandbox = workspace
        .as_ref()
        .is_some_and(|workspace| workspace.get_ref().trim() == "sandbox");
    let runs_serve = transport == Transport::Stdio && !sandbox;
    let (filter, tools_position) = check_tool_lists(&name, [tools, exclude_tools], (transport, sandbox), at)?;
    let approve = check_approve(&name, approve, runs_serve, at)?;
    let sign_in = sign_in.filter(|sign_in| *sign_in.get_ref());
    if let Some(sign_in) = &sign_in {
        check_sign_in(
            &name,
            sign_in.span(),
            SignInParts {
                kind: kind.as_ref().filter(|_| transport != Transport::Stdio),
                transport,
                workspace: workspace.as_ref(),
                token: token.as_ref().map(Spanned::span),
                token_from_env: token_from_env.as_ref().map(Spanned::span),
            },
            at,
        )?;
    }
    let token_env = token.as_ref().and_then(token_env_variable);
    let token_variable = check_token_from_env(&name, token_from_env, token_env, transport, at)?;
    let region = check_region(&name, region.as_ref(), workspace.as_ref(), at)?;
    let workspace = if transport == Transport::Headless {
        check_headless(&name, workspace.as_ref(), token.as_ref(), gateway, at)?;
        DeclaredWorkspace::Headless { region }
    } else if sign_in.is_some() {
        // check_sign_in refused an entry without a workspace.
        let workspace = workspace.unwrap_or_else(|| Spanned::new(table.clone(), String::new()));
        let workspace_id = check_workspace_id(&name, &workspace, at)?;
        DeclaredWorkspace::SignIn { workspace_id, region }
    } else {
        let workspace = workspace.ok_or_else(|| {
            at(
                Some(table),
                format!("server \"{name}\": no workspace"),
                "add workspace = \"<WORKSPACE_UUID>\" (or \"sandbox\"), or kind = \"headless\"",
            )
        })?;
        check_workspace(&name, workspace, region, token, at)?
    };
    Ok(DeclaredServer {
        name,
        workspace,
        transport,
        gateway,
        clients,
        scope,
        position,
        token_variable,
        tools: filter,
        tools_position,
        approve,
    })
}

/// The variable a token reference (`token = { env = "NAME" }`) names.
fn token_env_variable(token: &Spanned<RawToken>) -> Option<String> {
    match token.get_ref() {
        RawToken::Reference(RawReference {
            env: Some(variable), ..
        }) => Some(variable.clone()),
        _ => None,
    }
}

/// The entry's `kind` (stdio when not given).
fn check_kind(name: &ServerName, kind: Option<&Spanned<String>>, at: &At<'_>) -> Result<Transport, ManifestError> {
    match kind {
        None => Ok(Transport::Stdio),
        Some(kind) => Transport::EVERY
            .into_iter()
            .find(|transport| transport.as_str() == kind.get_ref().trim())
            .ok_or_else(|| {
                at(
                    Some(kind.span()),
                    format!("server \"{name}\": unknown kind"),
                    "kind is stdio (the bundled server, the default), bridge (mcp-remote), http (the client's own remote entry) or headless (Tray's hosted Headless MCP, signed in by the client)",
                )
            }),
    }
}

/// The entry's `scope` (user when not given).
fn check_scope(name: &ServerName, scope: Option<&Spanned<String>>, at: &At<'_>) -> Result<Scope, ManifestError> {
    match scope {
        None => Ok(Scope::User),
        Some(scope) => [Scope::User, Scope::Local, Scope::Project]
            .into_iter()
            .find(|known| known.as_str() == scope.get_ref().trim())
            .ok_or_else(|| {
                at(
                    Some(scope.span()),
                    format!("server \"{name}\": unknown scope"),
                    "scope is user (the default), local (Claude Code, this project only) or project",
                )
            }),
    }
}

/// The entry's `region`: the one declared, which must agree with a pasted app URL's, else the
/// URL's, else us1.
fn check_region(
    name: &ServerName,
    region: Option<&Spanned<String>>,
    workspace: Option<&Spanned<String>>,
    at: &At<'_>,
) -> Result<Region, ManifestError> {
    // A pasted app URL (`app.eu1.tray.io/...`) says the region; a declared one must agree.
    let url_region = workspace.and_then(|workspace| Region::of_app_url(workspace.get_ref()));
    match region {
        None => Ok(url_region.unwrap_or_default()),
        Some(region) => {
            let declared: Region = region.get_ref().parse().map_err(|_| {
                at(
                    Some(region.span()),
                    format!("server \"{name}\": unknown region"),
                    "region is us1 (the default), eu1 or apac1 (ap1)",
                )
            })?;
            if let Some(from_url) = url_region.filter(|from_url| *from_url != declared) {
                return Err(at(
                    Some(region.span()),
                    format!(
                        "server \"{name}\": region {declared} contradicts the workspace's app URL, which is in {from_url}"
                    ),
                    "drop region (the URL's is used), or give the workspace's bare UUID",
                ));
            }
            Ok(declared)
        }
    }
}

/// A signed-in entry's workspace, which must be a workspace UUID (or an app URL with one).
fn check_workspace_id(
    name: &ServerName,
    workspace: &Spanned<String>,
    at: &At<'_>,
) -> Result<WorkspaceId, ManifestError> {
    WorkspaceId::parse(workspace.get_ref()).map_err(|_| {
        at(
            Some(workspace.span()),
            format!("server \"{name}\": the workspace is not a workspace UUID"),
            "give the workspace's UUID (or a Tray app URL containing it)",
        )
    })
}

/// `approve = "read-only"`, for a stdio entry of a real workspace.
fn check_approve(
    name: &ServerName,
    approve: Option<Spanned<String>>,
    runs_serve: bool,
    at: &At<'_>,
) -> Result<Option<Approve>, ManifestError> {
    let Some(approve) = approve else {
        return Ok(None);
    };
    let refused = |message: String, hint: &str| at(Some(approve.span()), format!("server \"{name}\": {message}"), hint);
    if !runs_serve {
        return Err(refused(
            "approve is for a stdio entry of a real workspace".to_string(),
            "drop it: the approvals go by the tools `tray-mcp serve` lists, and this entry does not run it",
        ));
    }
    Approve::parse(approve.get_ref())
        .map(Some)
        .map_err(|message| refused(message, "approve = \"read-only\""))
}

/// `tools` / `exclude_tools`: lists of names or globs, for a stdio entry of a real workspace
/// (the filter lives in the profile `tray-mcp serve` reads) or a bridge or http one (the
/// filter goes into the clients' own filter keys); sandbox and Headless entries have none.
/// Also where the first list that holds a wildcard starts (what `apply` names when it has no
/// tool list to expand it with), or else the first list given (`None`: neither is).
fn check_tool_lists(
    name: &ServerName,
    lists: [Option<Spanned<Vec<String>>>; 2],
    (transport, sandbox): (Transport, bool),
    at: &At<'_>,
) -> Result<(ToolFilter, Option<(usize, usize)>), ManifestError> {
    let takes_filter = matches!(transport, Transport::Stdio | Transport::Bridge | Transport::Http) && !sandbox;
    let mut checked = [Vec::new(), Vec::new()];
    let mut list_at = None;
    let mut first_wildcard = false;
    for (slot, (key, list)) in checked
        .iter_mut()
        .zip(["tools", "exclude_tools"].into_iter().zip(lists))
    {
        let Some(list) = list else { continue };
        if !takes_filter {
            return Err(at(
                Some(list.span()),
                format!(
                    "server \"{name}\": {key} is for a stdio entry of a real workspace (or a bridge or http one, written into the client's own filter)"
                ),
                "drop it: the tool filter is kept in the profile `tray-mcp serve` reads or in the client's own filter keys, and a sandbox or Headless entry has neither",
            ));
        }
        let span = list.span();
        let patterns = list.into_inner();
        tool_filter::check_patterns(key, &patterns)
            .map_err(|error| at(Some(span.clone()), format!("server \"{name}\": {error}"), &error.hint()))?;
        let wildcard = patterns.iter().any(|pattern| pattern.contains(['*', '?']));
        if list_at.is_none() || (wildcard && !first_wildcard) {
            list_at = at(Some(span), String::new(), "").position;
            first_wildcard = wildcard;
        }
        *slot = patterns;
    }
    let [tools, exclude_tools] = checked;
    Ok((ToolFilter::new(tools, exclude_tools), list_at))
}

/// What `sign_in = true` must not come with, and where each is.
struct SignInParts<'a> {
    kind: Option<&'a Spanned<String>>,
    transport: Transport,
    workspace: Option<&'a Spanned<String>>,
    token: Option<Range<usize>>,
    token_from_env: Option<Range<usize>>,
}

/// `sign_in = true` is `install --sign-in` declared: a stdio entry of a real workspace with no
/// token of any kind. Refused as install's flags are, for the same reasons
/// ([`SignInConflict`]), at the key that conflicts.
fn check_sign_in(
    name: &ServerName,
    sign_in: Range<usize>,
    parts: SignInParts<'_>,
    at: &At<'_>,
) -> Result<(), ManifestError> {
    let no_workspace = || {
        at(
            Some(sign_in.clone()),
            format!("server \"{name}\": sign_in needs a workspace"),
            "add workspace = \"<WORKSPACE_UUID>\": a signed-in entry reaches that workspace's Agent Gateway",
        )
    };
    let (span, key, conflict, hint) = if let Some(kind) = parts.kind {
        let conflict = if parts.transport == Transport::Headless {
            SignInConflict::Headless
        } else {
            SignInConflict::Transport
        };
        (
            kind.span(),
            "kind",
            conflict,
            "drop kind (stdio: the bundled server keeps and refreshes the sign-in), or drop sign_in",
        )
    } else if let Some(token) = parts.token {
        (
            token,
            "token",
            SignInConflict::Token,
            "drop the token to sign in with Tray, or drop sign_in to use the token",
        )
    } else if let Some(token_from_env) = parts.token_from_env {
        (
            token_from_env,
            "token_from_env",
            SignInConflict::TokenVariable,
            "drop token_from_env",
        )
    } else {
        match parts.workspace {
            None => return Err(no_workspace()),
            Some(workspace) if workspace.get_ref().trim().eq_ignore_ascii_case("sandbox") => {
                (workspace.span(), "the sandbox", SignInConflict::Sandbox, "drop sign_in")
            }
            Some(_) => return Ok(()),
        }
    };
    Err(at(
        Some(span),
        format!(
            "server \"{name}\": sign_in = true and {key} do not go together: {}",
            conflict.reason()
        ),
        hint,
    ))
}

/// A Headless MCP entry has no workspace, token or gateway: the client signs the user in and the
/// user picks the workspace there.
fn check_headless(
    name: &ServerName,
    workspace: Option<&Spanned<String>>,
    token: Option<&Spanned<RawToken>>,
    gateway: Option<bool>,
    at: &At<'_>,
) -> Result<(), ManifestError> {
    let hint = "drop it: a Headless MCP entry has no workspace, token or gateway (the client signs in to Tray, and the user picks the workspace there)";
    if let Some(workspace) = workspace {
        return Err(at(
            Some(workspace.span()),
            format!("server \"{name}\": kind = \"headless\" takes no workspace"),
            hint,
        ));
    }
    if let Some(token) = token {
        return Err(at(
            Some(token.span()),
            format!("server \"{name}\": kind = \"headless\" takes no token"),
            hint,
        ));
    }
    if gateway.is_some() {
        return Err(at(
            None,
            format!("server \"{name}\": kind = \"headless\" takes no gateway"),
            hint,
        ));
    }
    Ok(())
}

/// The workspace of a stdio, bridge or http entry: the sandbox (no token), or a UUID with its
/// token source.
fn check_workspace(
    name: &ServerName,
    workspace: Spanned<String>,
    region: Region,
    token: Option<Spanned<RawToken>>,
    at: &At<'_>,
) -> Result<DeclaredWorkspace, ManifestError> {
    if workspace.get_ref().trim().eq_ignore_ascii_case("sandbox") {
        if let Some(token) = &token {
            return Err(at(
                Some(token.span()),
                format!("server \"{name}\": the sandbox takes no token"),
                "drop the token, or give a workspace UUID",
            ));
        }
        return Ok(DeclaredWorkspace::Sandbox);
    }
    let workspace_id = WorkspaceId::parse(workspace.get_ref()).map_err(|_| {
        at(
            Some(workspace.span()),
            format!("server \"{name}\": the workspace is not a workspace UUID"),
            "give the workspace's UUID (or a Tray app URL containing it), or \"sandbox\"",
        )
    })?;
    let Some(token) = token else {
        return Err(at(
            Some(workspace.span()),
            format!("server \"{name}\": no token source"),
            "add token = { env = \"VAR\" } (or keychain, file, command) to the server",
        ));
    };
    Ok(DeclaredWorkspace::Tray {
        workspace_id,
        region,
        token: check_token(name, token, at)?,
    })
}

/// `token_from_env`: the variable bridge and http entries name for the token (the token's own
/// `env` variable, `TRAY_TOKEN_<NAME>`, or the one given).
fn check_token_from_env(
    name: &ServerName,
    raw: Option<Spanned<RawTokenFromEnv>>,
    token_env: Option<String>,
    transport: Transport,
    at: &At<'_>,
) -> Result<Option<String>, ManifestError> {
    let Some(raw) = raw else {
        return Ok(None);
    };
    let span = raw.span();
    let variable = match raw.into_inner() {
        RawTokenFromEnv::Switch(false) => return Ok(None),
        RawTokenFromEnv::Switch(true) => {
            token_env.unwrap_or_else(|| crate::clients::default_token_variable(name.as_str()))
        }
        RawTokenFromEnv::Variable(variable) => variable.trim().to_string(),
    };
    if !matches!(transport, Transport::Bridge | Transport::Http) {
        return Err(at(
            Some(span),
            format!("server \"{name}\": token_from_env is for kind = \"bridge\" or \"http\""),
            "a stdio entry holds no token (the bundled server reads it from tray-mcp's profile store): drop token_from_env, or set kind",
        ));
    }
    if !crate::clients::is_variable_name(&variable) {
        return Err(at(
            Some(span),
            format!("server \"{name}\": token_from_env does not name an environment variable"),
            "use letters, digits and _ (not starting with a digit), or true for the token's own env variable",
        ));
    }
    Ok(Some(variable))
}

fn check_clients(
    name: &ServerName,
    clients: Spanned<RawClients>,
    at: &At<'_>,
) -> Result<DeclaredClients, ManifestError> {
    let span = clients.span();
    let unknown = || {
        at(
            Some(span.clone()),
            format!("server \"{name}\": unknown client"),
            &format!(
                "clients is \"detected\" (every client installed here) or a list of ids: {}",
                ClientId::ids_for_help()
            ),
        )
    };
    match clients.into_inner() {
        RawClients::One(one) if one.trim().eq_ignore_ascii_case("detected") => Ok(DeclaredClients::Detected),
        RawClients::One(_) => Err(unknown()),
        RawClients::Many(many) if many.is_empty() => Err(at(
            Some(span),
            format!("server \"{name}\": no clients"),
            "list at least one client id, or say clients = \"detected\"",
        )),
        RawClients::Many(many) => {
            let mut ids = Vec::new();
            for client in many {
                let id = ClientId::parse(&client).ok_or_else(unknown)?;
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
            Ok(DeclaredClients::Named(ids))
        }
    }
}

fn check_token(name: &ServerName, token: Spanned<RawToken>, at: &At<'_>) -> Result<TokenSource, ManifestError> {
    let span = token.span();
    let reference = match token.into_inner() {
        RawToken::Inline => {
            return Err(at(
                Some(span),
                format!("server \"{name}\": an inline token is refused (manifests get committed)"),
                "refer to the token instead: token = { env = \"VAR\" }, { keychain = \"SERVICE/ACCOUNT\" }, { file = \"PATH\" } (readable by you alone) or { command = [\"op\", \"read\", \"...\"] }; and rotate the token if this file was shared",
            ));
        }
        RawToken::Reference(reference) => reference,
    };
    let RawReference {
        env,
        keychain,
        file,
        command,
    } = reference;
    let mut sources = Vec::new();
    sources.extend(env.map(TokenSource::Env));
    if let Some(item) = keychain {
        let (service, account) = item
            .split_once('/')
            .filter(|(service, account)| !service.is_empty() && !account.is_empty())
            .ok_or_else(|| {
                at(
                    Some(span.clone()),
                    format!("server \"{name}\": a keychain source names SERVICE/ACCOUNT"),
                    "write keychain = \"SERVICE/ACCOUNT\", e.g. \"tray/production\"",
                )
            })?;
        sources.push(TokenSource::Keychain {
            service: service.to_string(),
            account: account.to_string(),
        });
    }
    sources.extend(file.map(|file| TokenSource::File(PathBuf::from(file))));
    if let Some(command) = command {
        if command.is_empty() {
            return Err(at(
                Some(span),
                format!("server \"{name}\": the token command is empty"),
                "give the program and its arguments: command = [\"op\", \"read\", \"op://vault/item/token\"]",
            ));
        }
        sources.push(TokenSource::Command(command));
    }
    if sources.len() != 1 {
        return Err(at(
            Some(span),
            format!("server \"{name}\": a token takes exactly one source"),
            "give one of env, keychain, file or command",
        ));
    }
    Ok(sources.remove(0))
}

/// 1-based line and column (in characters) of a byte offset.
/// Where each line of a text starts, so that the position of every declared entry is found
/// without counting the text before it again (a manifest of 10,000 entries).
struct Lines<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(at, _)| at + 1))
            .collect();
        Lines { text, starts }
    }

    /// 1-based line and column (in characters) of a byte offset.
    fn line_column(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|start| *start <= offset);
        let start = self.starts.get(line.saturating_sub(1)).copied().unwrap_or(0);
        let column = self.text.get(start..offset).map_or(0, |before| before.chars().count());
        (line, column + 1)
    }
}

/// A serde message with any quoted string value taken out (`invalid type: string "x"` becomes
/// `invalid type: a string`).
fn without_values(message: &str) -> String {
    let mut out = String::new();
    let mut rest = message;
    while let Some(at) = rest.find("string \"") {
        out.push_str(&rest[..at]);
        out.push_str("a string");
        let after = &rest[at + "string \"".len()..];
        rest = match after.find('"') {
            Some(end) => &after[end + 1..],
            None => "",
        };
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
[servers.tray-production]
workspace = "3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718"
clients = ["claude", "cursor", "codex"]
token = { env = "TRAY_PROD_TOKEN" }

[servers.tray-sandbox]
workspace = "sandbox"
clients = "detected"
"#;

    fn parsed(text: &str) -> Result<Manifest, ManifestError> {
        parse(text, "tray-mcp.toml", PathBuf::from("."))
    }

    #[test]
    fn a_manifest_declares_servers_by_name() {
        let manifest = parsed(GOOD).expect("parses");
        assert_eq!(manifest.servers.len(), 2);
        let production = &manifest.servers[0];
        assert_eq!(production.name.as_str(), "tray-production");
        assert_eq!(production.position, (2, 10));
        assert!(matches!(
            &production.workspace,
            DeclaredWorkspace::Tray { token: TokenSource::Env(variable), region: Region::Us1, .. } if variable == "TRAY_PROD_TOKEN"
        ));
        assert_eq!(manifest.servers[1].clients, DeclaredClients::Detected);
    }

    #[test]
    fn a_workspace_pasted_as_an_eu_app_url_is_in_eu1_and_another_region_contradicts_it() {
        let url = "https://app.eu1.tray.io/workspaces/3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718/projects";
        let manifest =
            parsed(&GOOD.replace("\"3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718\"", &format!("\"{url}\""))).expect("parses");
        assert!(matches!(
            &manifest.servers[0].workspace,
            DeclaredWorkspace::Tray {
                region: Region::Eu1,
                ..
            }
        ));
        let contradicting = GOOD.replace(
            "workspace = \"3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718\"",
            &format!("workspace = \"{url}\"\nregion = \"us1\""),
        );
        let error = parsed(&contradicting).expect_err("refused");
        assert!(
            error
                .to_string()
                .contains("contradicts the workspace's app URL, which is in eu1"),
            "{error}"
        );
    }

    #[test]
    fn the_documented_example_parses() {
        let manifest = parsed(include_str!("../../examples/tray-mcp.toml")).expect("the example parses");
        assert_eq!(manifest.servers.len(), 4);
        assert!(manifest.servers.iter().any(|server| server.gateway == Some(true)));
        assert!(
            manifest
                .servers
                .iter()
                .any(|server| matches!(server.workspace, DeclaredWorkspace::Headless { region: Region::Eu1 }))
        );
    }

    #[test]
    fn an_unknown_key_names_its_line_and_column() {
        let error = parsed(&GOOD.replace("clients = [", "clientz = [")).expect_err("refused");
        assert_eq!(error.position, Some((4, 1)), "{error}");
        assert!(error.message.contains("unknown field `clientz`"), "{error}");
        assert!(error.hint.contains("check the spelling"), "{}", error.hint);
    }

    #[test]
    fn an_inline_token_is_refused_without_echoing_it() {
        let error =
            parsed(&GOOD.replace("{ env = \"TRAY_PROD_TOKEN\" }", "\"secret-token-123\"")).expect_err("refused");
        assert_eq!(error.position, Some((5, 9)), "{error}");
        assert!(error.message.contains("inline token"), "{error}");
        assert!(!error.to_string().contains("secret-token-123"));
    }

    #[test]
    fn type_errors_never_show_the_value() {
        let error = parsed(&GOOD.replace(
            "workspace = \"sandbox\"",
            "workspace = \"sandbox\"\ngateway = \"secret-value\"",
        ))
        .expect_err("refused");
        assert!(!error.to_string().contains("secret-value"), "{error}");
        assert_eq!(error.position.map(|(line, _)| line), Some(9), "{error}");
    }

    /// Issue 21 (14): `apply` accepted names that differ only in case, which `install` refuses.
    #[test]
    fn names_that_differ_only_in_case_are_refused_at_the_later_one() {
        let text = format!("{GOOD}\n[servers.Tray-Production]\nworkspace = \"sandbox\"\nclients = \"detected\"\n");
        let error = parsed(&text).expect_err("refused");
        assert_eq!(error.position, Some((11, 10)), "{error}");
        assert!(
            error
                .message
                .contains("\"Tray-Production\" differs only in case from \"tray-production\" (line 2)"),
            "{error}"
        );
        let error = parsed("[servers.-abc]\nworkspace = \"sandbox\"\nclients = \"detected\"\n").expect_err("refused");
        assert_eq!(error.position, Some((1, 10)), "{error}");
        assert!(error.hint.contains("not starting with `-`"), "{}", error.hint);
    }

    /// Issue 21 (17c): these said "data did not match any variant of untagged enum RawClients".
    #[test]
    fn a_type_error_says_what_the_key_takes_at_its_position() {
        for (from, to, wanted, line) in [
            (
                "clients = \"detected\"",
                "clients = 3",
                "`clients` to be a client name",
                9,
            ),
            (
                "clients = \"detected\"",
                "clients = { a = 1 }",
                "`clients` to be a client name",
                9,
            ),
            (
                "clients = \"detected\"",
                "clients = \"detected\"\ntoken_from_env = 7",
                "`token_from_env` to be true",
                10,
            ),
        ] {
            let error = parsed(&GOOD.replace(from, to)).expect_err(wanted);
            assert!(error.message.contains(wanted), "{error}");
            assert!(!error.message.contains("untagged"), "{error}");
            assert_eq!(error.position.map(|(at, _)| at), Some(line), "{error}");
        }
        let error = parsed(&GOOD.replace("[\"claude\", \"cursor\"", "[\"claude\", 5")).expect_err("not a name");
        assert_eq!(error.position.map(|(at, _)| at), Some(4), "{error}");
        assert!(error.message.contains("string"), "{error}");
    }

    #[test]
    fn a_syntax_error_names_its_position() {
        let error = parsed("[servers.x]\nworkspace = \n").expect_err("refused");
        assert_eq!(error.position.map(|(line, _)| line), Some(2), "{error}");
    }

    #[test]
    fn bad_values_are_named() {
        for (from, to, wanted) in [
            ("\"cursor\"", "\"cursr\"", "unknown client"),
            ("3f2a9c1e-8b7d", "3f2a9c1e-zzzz", "not a workspace UUID"),
            (
                "{ env = \"TRAY_PROD_TOKEN\" }",
                "{ env = \"A\", file = \"b\" }",
                "exactly one source",
            ),
            (
                "{ env = \"TRAY_PROD_TOKEN\" }",
                "{ keychain = \"nope\" }",
                "SERVICE/ACCOUNT",
            ),
            (
                "clients = \"detected\"",
                "clients = \"detected\"\ntoken = { env = \"X\" }",
                "sandbox takes no token",
            ),
        ] {
            let error = parsed(&GOOD.replace(from, to)).expect_err(wanted);
            assert!(error.message.contains(wanted), "{error}");
            assert!(error.position.is_some(), "{error}");
        }
    }
}
