//! The checks that need no network: the entry's shape for its client, the command it runs, the
//! profile and token it finds, Node.js for bridge entries, and shadowing between scopes.

use std::path::Path;

use serde_json::Value;

use super::Check;
use crate::clients::{EntrySpec, EntryWorkspace, Scope, ScopeTrust, Transport};
use crate::context::Context;
use crate::inventory::FoundEntry;
use crate::oauth::store::{self as oauth_store, SignInStatus, SignInStore};
use crate::paths::Environment;
use crate::profiles::{self, AuthMethod, Profile};
use crate::self_install;
use crate::token_store::{SERVICE, TokenLocation, TokenStore};
use crate::tray::{ApiToken, ServerName, WorkspaceId};

/// The offline checks of one entry.
pub(super) fn entry_checks(context: &Context, entry: &FoundEntry) -> Vec<Check> {
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
    let mut checks = vec![shape_check(context, entry, tray.transport)];
    match tray.transport {
        Transport::Stdio => {
            checks.push(binary_check(context, &entry.value));
            if tray.workspace != EntryWorkspace::Sandbox {
                checks.extend(profile_checks(context, entry, tray.profile.as_ref()));
            }
        }
        Transport::Bridge => {
            checks.extend(node_checks(context));
            checks.extend(token_variable_check(context, entry));
        }
        Transport::Http => checks.extend(token_variable_check(context, entry)),
        Transport::Headless => checks.push(no_authorization_check(entry)),
    }
    if let EntryWorkspace::Workspace(workspace_id) = &tray.workspace {
        checks.push(Check::pass(format!("the workspace ID {workspace_id} is a UUID")));
    }
    checks
}

/// For an entry that names the variable holding the token (`--token-from-env`): whether that
/// variable is set in doctor's own environment (its value is never read or shown).
fn token_variable_check(environment: &Environment, entry: &FoundEntry) -> Option<Check> {
    let client = entry.client.client();
    let variable = client.token_variable_in(&entry.value)?;
    Some(if environment.variables.is_set(&variable) {
        Check::pass(format!(
            "the token comes from ${variable}, which is set here (a client started from the desktop may not see your shell's variables)"
        ))
    } else {
        Check::fail(
            format!("the token comes from ${variable}, which is not set here"),
            format!(
                "set {variable} to your Tray API token where {} starts (e.g. in your shell profile), or reinstall without --token-from-env to write the token into the entry",
                client.display_name()
            ),
        )
    })
}

/// A Headless MCP entry must carry no Authorization header (nor a token for one): a static
/// header switches Tray's server to token auth and breaks the client's OAuth sign-in.
fn no_authorization_check(entry: &FoundEntry) -> Check {
    let value = &entry.value;
    let header = ["headers", "http_headers", "env_http_headers"]
        .iter()
        .filter_map(|key| value.get(*key).and_then(Value::as_object))
        .any(|headers| headers.keys().any(|name| name.eq_ignore_ascii_case("authorization")));
    let token_variable = value.get("bearer_token_env_var").is_some();
    if !header && !token_variable {
        return Check::pass("no Authorization header: the client signs in to Tray by OAuth");
    }
    let mut fix = format!(
        "rewrite it: tray-mcp install --headless -n {} -c {}{}",
        entry.name,
        entry.client.id(),
        force_flag(entry)
    );
    if entry.scope != Scope::User {
        fix.push_str(&format!(" --scope {}", entry.scope.as_str()));
    }
    Check::fail(
        "the entry sets an Authorization header: Tray's Headless MCP then expects a token and the client's OAuth sign-in breaks",
        fix,
    )
}

/// The client's own trust rule for the entry's scope here (Gemini CLI's folder trust, Codex's
/// trusted projects, Copilot CLI's trusted folders); for a client without one that checks
/// nothing, its caveat for the scope as a note (Qwen Code's approval of project servers).
pub(super) fn trust_check(environment: &Environment, entry: &FoundEntry) -> Option<Check> {
    let client = entry.client.client();
    Some(match client.trust(environment, entry.scope) {
        Some(ScopeTrust::Trusted(why)) => Check::pass(why),
        Some(ScopeTrust::Untrusted { finding, fix }) => Check::fail(finding, fix),
        None => Check::note(client.caveat(entry.scope)?),
    })
}

/// A string of the entry that looks like an Agent Gateway URL.
fn gateway_like_url(value: &Value) -> Option<String> {
    crate::config::strings(value)
        .find(|text| text.contains(".mcp.tray.ai"))
        .map(str::to_string)
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
        region: Default::default(),
        token_variable: client.token_variable_in(&entry.value),
        tools: None,
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
    if transport == Some(Transport::Headless) {
        return format!(
            "rewrite it: tray-mcp install --headless -n {} -c {}{}",
            entry.name,
            entry.client.id(),
            force_flag(entry)
        );
    }
    let transport = transport
        .map(|transport| format!(" --transport {}", transport.as_str()))
        .unwrap_or_default();
    let scope = match entry.scope {
        Scope::User => String::new(),
        other => format!(" --scope {}", other.as_str()),
    };
    format!(
        "rewrite it: tray-mcp -n {} -c {}{scope}{transport}{} -w <WORKSPACE_UUID> --api-token-stdin < token.txt",
        entry.name,
        entry.client.id(),
        force_flag(entry)
    )
}

/// ` --force` for a fix that rewrites an entry tray-mcp did not write (an install refuses to
/// replace it otherwise; `tray-mcp adopt NAME` is the other way).
fn force_flag(entry: &FoundEntry) -> &'static str {
    if entry.ours { "" } else { " --force" }
}

fn binary_check(environment: &Environment, entry: &Value) -> Check {
    binary_check_with(environment, entry, is_executable)
}

/// [`binary_check`] with the file-system probe given, so the checks of another OS's paths
/// (an npx cache on Windows or macOS) are tested anywhere.
fn binary_check_with(environment: &Environment, entry: &Value, is_executable: impl Fn(&Path) -> bool) -> Check {
    let (command, _) = crate::clients::command_line(entry);
    let path = Path::new(command);
    if !environment.is_absolute(path) {
        return Check::fail(
            format!("the command {command:?} is not an absolute path (GUI apps do not search your shell's PATH)"),
            "re-run the install so the entry names the binary by its full path",
        );
    }
    let reinstall = format!(
        "re-run the install (e.g. `npx tray-mcp install ...` or `tray-mcp install ...`): tray-mcp installs itself to {} and points the entry there",
        environment.display_path(&self_install::installed_binary(environment))
    );
    if !is_executable(path) {
        return Check::fail(
            format!("the command does not exist or is not executable: {command}"),
            format!("tray-mcp moved or was uninstalled: {reinstall}"),
        );
    }
    match self_install::transient(environment, path) {
        Some(reason) => Check::fail(
            format!(
                "the command is in {}, so the entry breaks when it goes: {command}",
                reason.describe()
            ),
            reinstall,
        ),
        None => Check::pass(format!("the command exists: {command}")),
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

fn profile_checks(context: &Context, entry: &FoundEntry, profile: Option<&ServerName>) -> Vec<Check> {
    let Some(name) = profile else {
        return vec![Check::fail(
            "the entry names no profile (`--profile NAME`)",
            reinstall_fix(entry, Some(Transport::Stdio)),
        )];
    };
    match profiles::load(context, name) {
        Ok(profile) => {
            let mut checks = if profile.auth == AuthMethod::OAuth {
                sign_in_checks(context, name, &profile)
            } else {
                loaded_profile_checks(name, &profile, context.store())
            };
            checks.extend(headless_sign_in_check(context, name, &profile));
            checks.extend(super::tools::tool_checks(context, entry, name, &profile));
            checks
        }
        Err(error) => vec![Check::fail(error.to_string(), error.hint())],
    }
}

/// The Headless MCP sign-in (`tray-mcp login NAME --headless`), checked only when one is stored.
fn headless_sign_in_check(context: &Context, name: &ServerName, profile: &Profile) -> Option<Check> {
    let store = SignInStore::new(context, name, profile.sign_in_store).for_headless();
    let login = format!("tray-mcp login {name} --headless");
    match oauth_store::status(&store, oauth_store::now()) {
        SignInStatus::Missing => None,
        status if status.is_valid() => Some(Check::pass(format!(
            "{name} is signed in to the Headless MCP; serve passes its tools through"
        ))),
        SignInStatus::Unreadable(message) => Some(Check::fail(message, login)),
        _ => Some(Check::fail(
            format!("the Headless MCP sign-in of {name} has expired"),
            login,
        )),
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

/// The checks of a profile that signs in by OAuth: its sign-in instead of a token.
fn sign_in_checks(context: &Context, name: &ServerName, profile: &Profile) -> Vec<Check> {
    let store = SignInStore::new(context, name, profile.sign_in_store);
    let login = format!("tray-mcp login {name}");
    let sign_in = match oauth_store::status(&store, oauth_store::now()) {
        SignInStatus::Valid { refreshable: true, .. } => Check::pass(format!(
            "{name} is signed in with OAuth (kept in the {}); serve refreshes its token",
            profile.sign_in_store.as_str()
        )),
        SignInStatus::Valid { expires_in, .. } => Check::pass(format!(
            "{name} is signed in with OAuth{}; without a refresh token it must sign in again then",
            expires_in.map_or(String::new(), |seconds| format!(" for {} more minutes", seconds / 60))
        )),
        SignInStatus::Expired => Check::fail(format!("the sign-in of {name} has expired"), login),
        SignInStatus::Missing => Check::fail(format!("{name} signs in with OAuth but is not signed in"), login),
        SignInStatus::Unreadable(message) => Check::fail(message, login),
    };
    let mut checks = vec![
        Check::pass(format!("the profile {name} exists and only you can read it")),
        sign_in,
    ];
    if profile.workspace_id.is_none() {
        checks.push(Check::fail(
            format!("the profile {name} names no workspace"),
            format!("tray-mcp login {name} --workspace-id <WORKSPACE_UUID>"),
        ));
    }
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
    let version = crate::commands::install::node_version(environment);
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
pub(super) fn shadowing(entry: &FoundEntry, all: &[&FoundEntry]) -> Option<Check> {
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_gateway_url_is_found_anywhere_in_the_entry() {
        let entry = json!({"command": "npx", "args": ["mcp-remote", "https://not-a-uuid.mcp.tray.ai"]});
        assert_eq!(
            gateway_like_url(&entry).as_deref(),
            Some("https://not-a-uuid.mcp.tray.ai")
        );
        assert_eq!(gateway_like_url(&json!({"url": "https://example.com"})), None);
    }

    #[test]
    fn the_command_must_be_an_absolute_path_to_an_executable() {
        let environment = crate::paths::tests::environment_for(crate::paths::Os::Linux);
        let relative = binary_check(&environment, &json!({"command": "tray-mcp", "args": ["serve"]}));
        assert!(
            !relative.ok && relative.label.contains("not an absolute path"),
            "{relative:?}"
        );
        let missing = binary_check(
            &environment,
            &json!({"command": "/nonexistent/tray-mcp", "args": ["serve"]}),
        );
        assert!(!missing.ok && missing.label.contains("does not exist"), "{missing:?}");
        assert!(
            missing
                .fix
                .as_deref()
                .is_some_and(|fix| fix.contains("~/.local/bin/tray-mcp")),
            "{missing:?}"
        );
    }

    #[test]
    fn a_command_in_a_transient_folder_is_flagged_with_the_fix() {
        let folder = tempfile::Builder::new().prefix("tray-npx-").tempdir().expect("dir");
        let binary = folder.path().join("node_modules/@tray-mcp/linux-x64/bin/tray-mcp");
        std::fs::create_dir_all(binary.parent().expect("parent")).expect("mkdir");
        std::fs::write(&binary, "#!/bin/sh\n").expect("write");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&binary, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        }
        let environment = crate::paths::tests::environment_for(crate::paths::Os::Linux);
        let check = binary_check(&environment, &json!({"command": binary, "args": ["serve"]}));
        assert!(!check.ok && check.label.contains("npm's package folders"), "{check:?}");
        assert!(
            check
                .fix
                .as_deref()
                .is_some_and(|fix| fix.contains("re-run the install"))
        );
    }

    #[test]
    fn a_command_in_the_npx_cache_is_flagged_on_every_os() {
        use crate::paths::Os;
        // Where `npx tray-mcp` runs the binary from: npm's cache (`~/.npm`, on Windows
        // `%LOCALAPPDATA%\npm-cache`, or a custom `npm_config_cache`), in its `_npx/<hash>`
        // folder, inside the platform package; and a global `npm install -g`.
        let cases = [
            (
                Os::Linux,
                "/home/ada/.npm/_npx/6a4f2c1e9b7d3a05/node_modules/@tray-mcp/linux-x64/bin/tray-mcp",
            ),
            (
                Os::Linux,
                "/srv/cache/npm/_npx/6a4f2c1e9b7d3a05/node_modules/tray-mcp/bin/tray-mcp",
            ),
            (
                Os::Linux,
                "/usr/lib/node_modules/tray-mcp/node_modules/@tray-mcp/linux-x64/bin/tray-mcp",
            ),
            (
                Os::MacOs,
                "/Users/ada/.npm/_npx/6a4f2c1e9b7d3a05/node_modules/@tray-mcp/darwin-arm64/bin/tray-mcp",
            ),
            (
                Os::MacOs,
                "/opt/homebrew/lib/node_modules/tray-mcp/node_modules/@tray-mcp/darwin-arm64/bin/tray-mcp",
            ),
            (
                Os::Windows,
                r"C:\Users\ada\AppData\Local\npm-cache\_npx\6a4f2c1e9b7d3a05\node_modules\@tray-mcp\win32-x64\bin\tray-mcp.exe",
            ),
            (
                Os::Windows,
                r"D:\npm\_npx\6a4f2c1e9b7d3a05\node_modules\@tray-mcp\win32-arm64\bin\tray-mcp.exe",
            ),
            (
                Os::Windows,
                r"C:\Users\ada\AppData\Roaming\npm\node_modules\tray-mcp\node_modules\@tray-mcp\win32-x64\bin\tray-mcp.exe",
            ),
        ];
        for (os, command) in cases {
            let environment = crate::paths::tests::environment_for(os);
            let check = binary_check_with(&environment, &json!({"command": command, "args": ["serve"]}), |_| true);
            assert!(
                !check.ok && check.label.contains("npm's package folders"),
                "{os:?} {command}: {check:?}"
            );
            let fix = check.fix.as_deref().unwrap_or_default();
            let installed = environment.display_path(&self_install::installed_binary(&environment));
            assert!(
                fix.contains("re-run the install") && fix.contains(&installed),
                "{os:?}: {fix}"
            );
        }
        // Where install puts it instead passes, on each OS.
        for os in [Os::Linux, Os::MacOs, Os::Windows] {
            let environment = crate::paths::tests::environment_for(os);
            let installed = self_install::installed_binary(&environment);
            let check = binary_check_with(&environment, &json!({"command": installed, "args": ["serve"]}), |_| {
                true
            });
            assert!(check.ok, "{os:?}: {check:?}");
        }
    }

    #[test]
    fn a_profile_without_a_workspace_or_token_gets_the_fix() {
        let store = TokenStore::file_only("no keychain in this test");
        let name = ServerName::parse("acme").expect("valid name");
        let profile: Profile = serde_json::from_value(json!({})).expect("an empty profile parses");
        let checks = loaded_profile_checks(&name, &profile, &store);
        let failed: Vec<&str> = checks
            .iter()
            .filter(|check| !check.ok)
            .filter_map(|check| check.fix.as_deref())
            .collect();
        assert!(
            failed.iter().any(|fix| fix.starts_with("tray-mcp token set acme")),
            "{checks:?}"
        );
        assert!(
            failed.iter().any(|fix| fix.starts_with("tray-mcp -n acme -w")),
            "{checks:?}"
        );
    }
}
