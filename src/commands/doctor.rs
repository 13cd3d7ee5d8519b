//! `tray-mcp doctor [NAME] [--online]`: why does a client show no Tray tools?
//!
//! One line per check, ✓ or ✗, and a fix under every ✗. The checks follow the path a client
//! takes: read its config file, find the entry in the shape it expects, start the command, let
//! the command find its profile and token, reach Tray. `--online` adds the two network checks
//! (the token against Tray's API, and the Agent Gateway's `initialize`), each under a time limit.

use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};

use crate::clients::{ClientId, EntrySpec, EntryWorkspace, Scope, Transport};
use crate::error::Advice as _;
use crate::inventory::{FoundEntry, take_inventory};
use crate::paths::Environment;
use crate::profiles::{self, Profile};
use crate::token_store::{SERVICE, TokenLocation, TokenStore};
use crate::tray::{ApiToken, Region, ServerName, WorkspaceId};

/// What to check.
#[derive(Debug, Clone, Default)]
pub struct DoctorRequest {
    /// Only entries of this name (all Tray entries when `None`).
    pub name: Option<ServerName>,
    /// Also check the token and the gateway over the network.
    pub online: bool,
}

/// One check's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// What was checked, and what was found.
    pub label: String,
    /// Whether it passed.
    pub ok: bool,
    /// What to do when it did not.
    pub fix: Option<String>,
}

impl Check {
    fn pass(label: impl Into<String>) -> Self {
        Check {
            label: label.into(),
            ok: true,
            fix: None,
        }
    }

    fn fail(label: impl Into<String>, fix: impl Into<String>) -> Self {
        Check {
            label: label.into(),
            ok: false,
            fix: Some(fix.into()),
        }
    }
}

/// The checks of one entry (or of one config file that could not be read).
#[derive(Debug, Clone)]
pub struct Subject {
    /// The entry's name, or `None` for a whole file.
    pub name: Option<String>,
    /// The client.
    pub client: Option<ClientId>,
    /// The scope (with the project for Claude Code's local scope).
    pub scope: String,
    /// The config file.
    pub shown_path: String,
    /// The results.
    pub checks: Vec<Check>,
}

/// Everything `doctor` found.
#[derive(Debug, Clone, Default)]
pub struct DoctorReport {
    /// Per entry (and per unreadable file).
    pub subjects: Vec<Subject>,
}

impl DoctorReport {
    /// Whether every check passed (and there was something to check).
    pub fn all_ok(&self) -> bool {
        !self.subjects.is_empty()
            && self
                .subjects
                .iter()
                .all(|subject| subject.checks.iter().all(|check| check.ok))
    }

    /// The text for people; `plain` uses ASCII marks for dumb terminals.
    pub fn to_human(&self, plain: bool) -> String {
        let (pass, fail) = if plain { ("[ok]", "[x]") } else { ("✓", "✗") };
        let mut text = String::new();
        for subject in &self.subjects {
            let client = subject.client.map_or("", |kind| kind.client().display_name());
            match &subject.name {
                Some(name) => text.push_str(&format!(
                    "{name} · {client} ({}) · {}\n",
                    subject.scope, subject.shown_path
                )),
                None => text.push_str(&format!("{client} config · {}\n", subject.shown_path)),
            }
            for check in &subject.checks {
                text.push_str(&format!("  {} {}\n", if check.ok { pass } else { fail }, check.label));
                if let Some(fix) = &check.fix {
                    text.push_str(&format!("      fix: {fix}\n"));
                }
            }
        }
        let failed: usize = self
            .subjects
            .iter()
            .map(|subject| subject.checks.iter().filter(|check| !check.ok).count())
            .sum();
        if self.subjects.is_empty() {
            text.push_str(
                "no Tray entries found: add one with `tray-mcp -w <WORKSPACE_UUID> --api-token-stdin -c <client>`\n",
            );
        } else if failed == 0 {
            text.push_str("everything checks out\n");
        } else {
            text.push_str(&format!("{failed} problem(s) found\n"));
        }
        text
    }

    /// The `--json` output.
    pub fn to_json(&self) -> Value {
        json!({
            "ok": self.all_ok(),
            "entries": self.subjects.iter().map(|subject| json!({
                "name": subject.name,
                "client": subject.client.map(ClientId::id),
                "scope": subject.scope,
                "path": subject.shown_path,
                "checks": subject.checks.iter().map(|check| json!({
                    "check": check.label,
                    "ok": check.ok,
                    "fix": check.fix,
                })).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        })
    }
}

/// Runs the checks. `progress` is told what is being checked online (for a spinner).
pub fn doctor(environment: &Environment, request: &DoctorRequest, progress: &dyn Fn(&str)) -> DoctorReport {
    let inventory = take_inventory(environment, ClientId::all());
    let mut report = DoctorReport::default();
    for problem in &inventory.problems {
        report.subjects.push(Subject {
            name: None,
            client: None,
            scope: String::new(),
            shown_path: problem.shown_path.clone(),
            checks: vec![Check::fail(
                format!("the file does not parse: {problem}"),
                problem.hint(),
            )],
        });
    }
    let candidates: Vec<&FoundEntry> = inventory
        .entries
        .iter()
        .filter(|entry| match &request.name {
            Some(name) => entry.name == name.as_str() && looks_like_tray(entry),
            None => looks_like_tray(entry),
        })
        .collect();
    let online = request.online.then(OnlineChecker::new);
    for entry in &candidates {
        let mut checks = vec![Check::pass("the config file parses")];
        checks.extend(entry_checks(environment, entry));
        checks.extend(shadowing(entry, &candidates));
        if let Some(online) = &online {
            checks.extend(online.check(environment, entry, progress));
        }
        report.subjects.push(Subject {
            name: Some(entry.name.clone()),
            client: Some(entry.client),
            scope: match &entry.project {
                Some(project) => format!("local: {}", environment.display_path(Path::new(project))),
                None => entry.scope.as_str().to_string(),
            },
            shown_path: entry.shown_path.clone(),
            checks,
        });
    }
    report
}

/// Recognised Tray entries, and broken ones that still point at Tray.
fn looks_like_tray(entry: &FoundEntry) -> bool {
    entry.tray.is_some() || {
        let text = entry.value.to_string();
        text.contains(".mcp.tray.ai") || text.contains("tray-mcp")
    }
}

/// The offline checks of one entry.
fn entry_checks(environment: &Environment, entry: &FoundEntry) -> Vec<Check> {
    let client = entry.client.client();
    let Some(tray) = entry.tray.clone() else {
        let mut checks = vec![Check::fail(
            format!(
                "the entry does not have a shape {} can use for Tray",
                client.display_name()
            ),
            reinstall_fix(entry, None),
        )];
        if let Some(url) = gateway_like_url(&entry.value) {
            checks.push(Check::fail(
                format!("the workspace ID in {url} is not a UUID"),
                "copy the workspace ID from the Tray app (or paste its URL to `tray-mcp -w`)",
            ));
        }
        return checks;
    };
    let mut checks = vec![shape_check(environment, entry, tray.transport)];
    match tray.transport {
        Transport::Stdio => {
            checks.push(binary_check(&entry.value));
            if tray.workspace != EntryWorkspace::Sandbox {
                checks.extend(profile_checks(environment, entry, tray.profile.as_deref()));
            }
        }
        Transport::Bridge => checks.extend(node_checks(environment)),
        Transport::Http => {}
    }
    if let EntryWorkspace::Workspace(workspace_id) = &tray.workspace {
        checks.push(Check::pass(format!("the workspace ID {workspace_id} is a UUID")));
    }
    checks
}

/// A string of the entry that looks like an Agent Gateway URL.
fn gateway_like_url(value: &Value) -> Option<String> {
    match value {
        Value::String(text) if text.contains(".mcp.tray.ai") => Some(text.clone()),
        Value::Array(items) => items.iter().find_map(gateway_like_url),
        Value::Object(map) => map.values().find_map(gateway_like_url),
        _ => None,
    }
}

/// Compares the entry with what tray-mcp writes for this client and transport: the same keys,
/// the same `type`, the URL under the key this client reads.
fn shape_check(environment: &Environment, entry: &FoundEntry, transport: Transport) -> Check {
    let client = entry.client.client();
    let spec = EntrySpec {
        name: ServerName::parse(&entry.name).unwrap_or_else(|_| fallback_name()),
        transport,
        workspace_id: WorkspaceId::parse("00000000-0000-4000-8000-000000000000").ok(),
        api_token: ApiToken::parse("doctor-placeholder-value").ok(),
        binary: Path::new("tray-mcp").to_path_buf(),
        sandbox: false,
        os: environment.os,
    };
    let expected = match client.entry(&spec) {
        Ok(expected) => expected.server,
        Err(error) => {
            return Check::fail(format!("{error}"), reinstall_fix(entry, Some(Transport::Stdio)));
        }
    };
    let keys = |value: &Value| -> Vec<String> {
        let mut keys: Vec<String> = value
            .as_object()
            .map(|map| map.keys().cloned().collect())
            .unwrap_or_default();
        keys.sort();
        keys
    };
    let missing: Vec<String> = keys(&expected)
        .into_iter()
        .filter(|key| entry.value.get(key).is_none())
        .collect();
    let type_differs = expected.get("type").is_some() && entry.value.get("type") != expected.get("type");
    if missing.is_empty() && !type_differs {
        Check::pass(format!(
            "the entry has the shape {} expects ({})",
            client.display_name(),
            transport.as_str()
        ))
    } else {
        let mut problems = Vec::new();
        if !missing.is_empty() {
            problems.push(format!("missing {}", missing.join(", ")));
        }
        if type_differs {
            problems.push(format!("\"type\" should be {}", expected["type"]));
        }
        Check::fail(
            format!(
                "the entry is not what {} expects: {}",
                client.display_name(),
                problems.join("; ")
            ),
            reinstall_fix(entry, Some(transport)),
        )
    }
}

fn fallback_name() -> ServerName {
    ServerName::parse(ServerName::DEFAULT).unwrap_or_else(|_| unreachable!("the default name is valid"))
}

fn reinstall_fix(entry: &FoundEntry, transport: Option<Transport>) -> String {
    let transport = transport
        .map(|transport| format!(" --transport {}", transport.as_str()))
        .unwrap_or_default();
    let scope = match entry.scope {
        Scope::User => String::new(),
        other => format!(" --scope {}", other.as_str()),
    };
    format!(
        "rewrite it: tray-mcp -n {} -c {}{scope}{transport} -w <WORKSPACE_UUID> --api-token-stdin < token.txt",
        entry.name,
        entry.client.id()
    )
}

fn binary_check(entry: &Value) -> Check {
    let (command, _) = crate::clients::command_line(entry);
    let path = Path::new(command);
    if !path.is_absolute() {
        return Check::fail(
            format!("the command {command:?} is not an absolute path (GUI apps do not search your shell's PATH)"),
            "re-run the install so the entry names the binary by its full path",
        );
    }
    if is_executable(path) {
        Check::pass(format!("the command exists: {command}"))
    } else {
        Check::fail(
            format!("the command does not exist or is not executable: {command}"),
            "tray-mcp moved or was uninstalled: reinstall it (./install.sh), then re-run the install to update the path",
        )
    }
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|metadata| metadata.is_file() && metadata.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}

fn profile_checks(environment: &Environment, entry: &FoundEntry, profile: Option<&str>) -> Vec<Check> {
    let Some(name) = profile.and_then(|name| ServerName::parse(name).ok()) else {
        return vec![Check::fail(
            "the entry names no profile (`--profile NAME`)",
            reinstall_fix(entry, Some(Transport::Stdio)),
        )];
    };
    match profiles::load(environment, &name) {
        Ok(profile) => loaded_profile_checks(&name, &profile, &TokenStore::system(environment)),
        Err(error) => vec![Check::fail(error.to_string(), error.hint())],
    }
}

fn loaded_profile_checks(name: &ServerName, profile: &Profile, store: &TokenStore) -> Vec<Check> {
    let mut checks = vec![Check::pass(format!(
        "the profile {name} exists and only you can read it"
    ))];
    if profile.sandbox {
        return checks;
    }
    checks.push(match (profile.token_store, store.token(name, profile)) {
        (TokenLocation::Profile, Ok(Some(_))) => Check::pass(format!("the profile {name} holds a token")),
        (TokenLocation::Keychain, Ok(Some(_))) => Check::pass(format!(
            "the token of profile {name} is in the OS keychain ({SERVICE}/{name})"
        )),
        (TokenLocation::Profile, Ok(None)) => Check::fail(
            format!("the profile {name} holds no token"),
            format!("tray-mcp token set {name} --api-token-stdin < token.txt"),
        ),
        (TokenLocation::Keychain, Ok(None)) => Check::fail(
            format!("the profile {name} keeps its token in the OS keychain, but the entry {SERVICE}/{name} is missing"),
            format!("tray-mcp token set {name} --api-token-stdin < token.txt"),
        ),
        (_, Err(error)) => Check::fail(error.to_string(), error.hint()),
    });
    checks.push(match &profile.workspace_id {
        Some(workspace_id) => Check::pass(format!("the workspace ID {workspace_id} is a UUID")),
        None => Check::fail(
            format!("the profile {name} names no workspace"),
            format!("tray-mcp -n {name} -w <WORKSPACE_UUID> --api-token-stdin < token.txt"),
        ),
    });
    checks
}

/// Bridge entries need `npx` and a Node.js that mcp-remote supports (18 or newer).
fn node_checks(environment: &Environment) -> Vec<Check> {
    let Some(npx) = environment.find_on_path("npx") else {
        return vec![Check::fail(
            "npx is not on PATH (bridge entries run `npx mcp-remote`)",
            "install Node.js 18 or newer (https://nodejs.org), or switch to the bundled server: --transport stdio",
        )];
    };
    let mut checks = vec![Check::pass(format!("npx exists: {}", npx.display()))];
    let version = std::process::Command::new("node")
        .arg("--version")
        .output()
        .ok()
        .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_string());
    let major = version
        .as_deref()
        .and_then(|text| text.trim_start_matches('v').split('.').next()?.parse::<u32>().ok());
    checks.push(match (major, version) {
        (Some(major), Some(version)) if major >= 18 => Check::pass(format!("Node.js {version} is supported")),
        (_, version) => Check::fail(
            format!(
                "Node.js {} is too old or missing (mcp-remote needs 18 or newer)",
                version.unwrap_or_default()
            ),
            "install Node.js 18 or newer, or switch to the bundled server: --transport stdio",
        ),
    });
    checks
}

/// For a client that uses one entry per name across its scopes (its
/// [`scope_precedence`](crate::clients::Client::scope_precedence), e.g. Claude Code's
/// local > project > user for the current folder): whether another scope's entry wins.
fn shadowing(entry: &FoundEntry, all: &[&FoundEntry]) -> Option<Check> {
    let client = entry.client.client();
    let order = client.scope_precedence();
    let rank = |candidate: &FoundEntry| order.iter().position(|scope| *scope == candidate.scope);
    rank(entry)?;
    let applies_here = |candidate: &FoundEntry| candidate.scope != Scope::Local || candidate.project.is_some();
    let winner = all
        .iter()
        .filter(|other| other.client == entry.client && other.name == entry.name && applies_here(other))
        .min_by_key(|other| rank(other))?;
    if std::ptr::eq(*winner, entry) || rank(winner) == rank(entry) {
        return Some(Check::pass(format!(
            "no other {} scope shadows this name",
            client.display_name()
        )));
    }
    let precedence: Vec<&str> = order.iter().map(|scope| scope.as_str()).collect();
    Some(Check::fail(
        format!(
            "shadowed: {} uses the {} entry of the same name ({})",
            client.display_name(),
            winner.scope.as_str(),
            precedence.join(" > ")
        ),
        format!(
            "keep one: `tray-mcp rename {} <NEW_NAME>` or remove the other with `tray-mcp remove {} -c {}`",
            entry.name,
            entry.name,
            entry.client.id()
        ),
    ))
}

/// The network checks, on a small runtime of their own.
struct OnlineChecker {
    runtime: Option<tokio::runtime::Runtime>,
}

/// The most a network check may take.
const ONLINE_TIMEOUT: Duration = Duration::from_secs(10);

impl OnlineChecker {
    fn new() -> Self {
        OnlineChecker {
            runtime: tokio::runtime::Builder::new_current_thread().enable_all().build().ok(),
        }
    }

    fn check(&self, environment: &Environment, entry: &FoundEntry, progress: &dyn Fn(&str)) -> Vec<Check> {
        let Some((workspace_id, region, token)) = credentials(environment, entry) else {
            return Vec::new();
        };
        let Some(runtime) = &self.runtime else {
            return vec![Check::fail("could not start the network checks", "try again")];
        };
        // The same time limit as serve (TRAY_API_TIMEOUT_SECS), at most ONLINE_TIMEOUT.
        let variables = &environment.variables;
        let mut config = crate::server::tray_api_config(variables, workspace_id.clone(), region, token.clone());
        config.timeout = config.timeout.min(ONLINE_TIMEOUT);
        let timeout = config.timeout;
        progress("checking the token against Tray's API");
        let mut checks = runtime.block_on(check_token(config));
        progress("checking the Agent Gateway");
        let url = variables
            .gateway_url
            .clone()
            .unwrap_or_else(|| workspace_id.gateway_url());
        checks.push(runtime.block_on(check_gateway(&url, &token, timeout)));
        progress("");
        checks
    }
}

/// The workspace, region and token an entry uses (from its profile or its inline header).
fn credentials(environment: &Environment, entry: &FoundEntry) -> Option<(WorkspaceId, Region, ApiToken)> {
    let tray = entry.tray.as_ref()?;
    match &tray.workspace {
        EntryWorkspace::Sandbox => None,
        EntryWorkspace::FromProfile => {
            let name = ServerName::parse(tray.profile.as_deref()?).ok()?;
            let profile = profiles::load(environment, &name).ok()?;
            let token = TokenStore::system(environment).token(&name, &profile).ok()??;
            Some((profile.workspace_id?, profile.region, token))
        }
        EntryWorkspace::Workspace(workspace_id) => {
            let token = inline_token(&entry.value)?;
            Some((workspace_id.clone(), Region::default(), token))
        }
    }
}

fn inline_token(value: &Value) -> Option<ApiToken> {
    match value {
        Value::String(text) => text
            .strip_prefix("Bearer ")
            .filter(|token| !token.starts_with("${"))
            .and_then(|token| ApiToken::parse(token).ok()),
        Value::Array(items) => items.iter().find_map(inline_token),
        Value::Object(map) => map.values().find_map(inline_token),
        _ => None,
    }
}

/// The token against Tray's API, then per built-in tool whether the token can use it.
async fn check_token(mut config: crate::server::tray_api::TrayApiConfig) -> Vec<Check> {
    use crate::server::backend::{Backend, BackendError};
    config.max_attempts = 2;
    let api = crate::server::tray_api::TrayApi::new(config);
    let user = match api.current_user().await {
        Ok(user) => Check::pass(format!("Tray's API accepts the token ({} <{}>)", user.name, user.email)),
        Err(error) => {
            let refused = matches!(error, BackendError::Forbidden { .. });
            let check = Check::fail(
                format!("Tray's API: {error}"),
                error
                    .hint()
                    .unwrap_or_else(|| "check the token and the network".to_string()),
            );
            if !refused {
                return vec![check];
            }
            check
        }
    };
    let mut checks = vec![user];
    if let Ok(tools) = api.tool_access().await {
        checks.extend(tools.iter().map(tool_check));
    }
    checks
}

/// One built-in tool's readiness for this token.
fn tool_check(tool: &crate::server::access::ToolAccess) -> Check {
    use crate::server::access::AccessState;
    let endpoints = tool.endpoints.join(", ");
    let detail = tool.access.detail.clone().unwrap_or_default();
    match tool.access.state {
        AccessState::Allowed => Check::pass(format!(
            "built-in tool {}: this token can use it ({endpoints})",
            tool.tool
        )),
        AccessState::Refused => Check::fail(
            format!("built-in tool {}: Tray refuses this token ({endpoints})", tool.tool),
            detail,
        ),
        AccessState::Unknown => Check::pass(format!("built-in tool {}: not checked ({detail})", tool.tool)),
    }
}

/// Sends the gateway an `initialize` and reads the HTTP status (and ends the session again).
async fn check_gateway(url: &str, token: &ApiToken, timeout: Duration) -> Check {
    let client = match crate::server::http::client_for([url], crate::server::http::Limits::both(timeout)) {
        Ok(client) => client,
        Err(error) => {
            return Check::fail(
                format!("could not set up HTTPS: {error}"),
                "check the machine's TLS setup",
            );
        }
    };
    let initialize = json!({
        "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "tray-mcp-doctor", "version": env!("CARGO_PKG_VERSION")}}
    });
    let response = client
        .post(url)
        .bearer_auth(token.expose())
        .header("Accept", "application/json, text/event-stream")
        .json(&initialize)
        .send()
        .await;
    match response {
        Ok(response) if response.status().is_success() => {
            if let Some(session) = response.headers().get("mcp-session-id").cloned() {
                let _ = client
                    .delete(url)
                    .bearer_auth(token.expose())
                    .header("mcp-session-id", session)
                    .send()
                    .await;
            }
            Check::pass(format!("the Agent Gateway answers initialize ({url})"))
        }
        Ok(response) => {
            let status = response.status();
            let fix = match status.as_u16() {
                401 => "the gateway rejected the token: create a new one and run `tray-mcp token set NAME`",
                403 => {
                    "Agent Gateway is not enabled for this workspace or your user: ask your Tray account team, and check Access Management on the MCP server"
                }
                404 => "no MCP server at this address: check the workspace ID",
                _ => "Tray's gateway had a problem: try again later",
            };
            Check::fail(format!("the Agent Gateway answered HTTP {status} ({url})"), fix)
        }
        Err(error) if error.is_timeout() => Check::fail(
            format!(
                "the Agent Gateway did not answer within {} s ({url})",
                timeout.as_secs_f32()
            ),
            "check your network or proxy, then try again",
        ),
        Err(error) => Check::fail(
            format!(
                "could not reach the Agent Gateway ({url}): {}",
                crate::server::http::error_chain(&error)
            ),
            "check your network or proxy, then try again",
        ),
    }
}
