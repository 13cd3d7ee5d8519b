//! The interactive setup wizard: first-time onboarding that gets a new user right on the first
//! try.
//!
//! Why it is built this way: the wizard only *fills in* an [`InstallRequest`], the same one flags
//! mode builds, and then goes through exactly [`install::plan`] and [`install::finish`]. So the
//! installer's promise (change exactly the entry asked for, or nothing) holds here too, and
//! nothing is written before the review is answered. Values given on the command line arrive as
//! a [`Prefill`] and their questions are skipped. The questions go through the [`Prompter`]
//! trait, so the flow knows nothing of the prompt library ([`terminal`] is the inquire one), and
//! every text lives in [`texts`].
//!
//! Steps: clients, workspace (or the sandbox), API token or sign-in with Tray, server name,
//! transport (not asked for a sign-in: stdio), region, review (with the overwrite questions),
//! the browser sign-in (when chosen, before anything is written), done.

pub mod adopt_first;
mod line_edit;
mod line_prompt;
pub mod names;
pub mod prompter;
pub mod terminal;
pub mod texts;
mod tools_question;
mod verify_token;

use std::path::Path;

use crate::clients::{ClientId, Scope, Transport};
use crate::commands::install::{self, InstallPlan, InstallRequest, WorkspaceChoice};
use crate::commands::login::SignInOptions;
use crate::commands::own_entry::shown_entry;
use crate::commands::report::{self, Report};
use crate::commands::{FileOwner, redactor_for};
use crate::config::Change;
use crate::context::Context;
use crate::error::CommandError;
use crate::inventory::take_inventory;
use crate::paths::Environment;
use crate::profiles;
use crate::self_install::Placement;
use crate::tray::{ApiToken, InvalidApiToken, Region, ServerName, WorkspaceId};

pub use prompter::{PromptError, Prompter};

use prompter::{ChoiceQuestion, SecretQuestion, TextQuestion};

/// Answers known before the wizard starts (from flags and environment variables); `None`
/// means "ask".
#[derive(Debug, Clone, Default)]
pub struct Prefill {
    /// The clients (`--client`).
    pub clients: Option<Vec<ClientId>>,
    /// `--client all` was given (see [`InstallRequest::every_client`]).
    pub every_client: bool,
    /// The sandbox was asked for (`--sandbox`).
    pub sandbox: bool,
    /// Tray's Headless MCP was asked for (`--headless`).
    pub headless: bool,
    /// The workspace (`--workspace-id` or `TRAY_WORKSPACE_ID`).
    pub workspace_id: Option<WorkspaceId>,
    /// The token (`--api-token`, `--api-token-stdin` or `TRAY_API_TOKEN`).
    pub api_token: Option<ApiToken>,
    /// The entry's name (`--name`).
    pub name: Option<ServerName>,
    /// The transport (`--transport`).
    pub transport: Option<Transport>,
    /// The region, when typed on the command line (`--region`).
    pub region: Option<Region>,
    /// The region offered as the default (`TRAY_REGION`, else us1).
    pub default_region: Region,
    /// Check the token with Tray as soon as it is entered, and before writing (not
    /// `--no-verify`).
    pub verify: bool,
    /// Which config of each client (`--scope`).
    pub scope: Scope,
    /// Pass the Agent Gateway tools through (`--gateway`: `Some(true)`, `--no-gateway`:
    /// `Some(false)`); `None` asks.
    pub gateway: Option<bool>,
    /// Show the diff instead of writing (`--dry-run`).
    pub dry_run: bool,
    /// Overwrite existing entries and write without asking (`--yes`).
    pub yes: bool,
    /// `--token-from-env`: the variable bridge and http entries name for the token (not asked).
    pub token_variable: Option<String>,
    /// `--sign-in`: the entry signs in with Tray (OAuth) instead of a token (not asked).
    pub sign_in: bool,
    /// How a sign-in runs (`--no-browser`, `$BROWSER`, the OAuth client settings), when the
    /// entry signs in (given or chosen).
    pub sign_in_options: SignInOptions,
    /// `--tools` / `--exclude-tools`, when given: the entry's tool filter.
    pub tools: Option<crate::tool_filter::ToolFilter>,
    /// `--approve read-only`, when given (see [`crate::approvals`]).
    pub approve: Option<crate::approvals::Approve>,
}

/// Runs the wizard and the install it builds, whose stdio entries launch the binary
/// `placement` names (copied there by the install's commit when it runs from a transient
/// folder). Nothing is written, and nothing copied, unless the review is accepted; Esc or
/// Ctrl-C at any question returns [`CommandError::interrupted`].
pub fn run(
    context: &Context,
    prompter: &mut dyn Prompter,
    prefill: &Prefill,
    placement: &Placement,
) -> Result<Report, CommandError> {
    let binary = placement.entry_binary.as_path();
    let adopted = match prefill.yes {
        true => None,
        false => adopt_first::offer(context, prompter, placement, prefill.verify)?,
    };
    if let Some(adopted) = &adopted
        && !prompter.confirm(texts::ADD_ANOTHER, false).map_err(cancelled)?
    {
        return Ok(adopted.clone());
    }
    let mut checked = None;
    let mut request = ask_checked(context, prompter, prefill, binary, &mut checked)?;
    if (request.approve.is_some() || install::sets_client_filter(&request))
        && let Some(checked) = &checked
    {
        // The approvals and the clients' own filter go by the gateway's tools as the token
        // check listed them.
        request.gateway_tools = checked.verification.gateway_tools.clone();
    }
    let copy = crate::self_install::pending_copy(context, placement);
    let Some(plan) = review(context, prompter, &mut request, binary, copy.as_deref(), prefill.yes)? else {
        return Ok(adopted.unwrap_or_else(nothing_left));
    };
    let verified = verify_token::before_writing(context, &request, checked.as_ref(), prefill.verify)?;
    let signed_in = sign_in(context, prompter, &request, &plan)?;
    let mut report = install::finish_signed_in(context, &request, plan, placement, signed_in)?;
    report.notices.extend(verified);
    if let Some(adopted) = adopted {
        report.files.splice(0..0, adopted.files);
        report.notices.splice(0..0, adopted.notices);
        report.next_steps.retain(|step| !adopted.next_steps.contains(step));
        report.next_steps.splice(0..0, adopted.next_steps);
    }
    prompter.say(texts::DONE);
    Ok(report)
}

/// Steps 1 to 6: builds the request.
pub fn ask(
    environment: &Environment,
    prompter: &mut dyn Prompter,
    prefill: &Prefill,
    binary: &Path,
) -> Result<InstallRequest, CommandError> {
    ask_checked(environment, prompter, prefill, binary, &mut None)
}

/// [`ask`], keeping what Tray said about the token when it was entered in `checked`.
fn ask_checked(
    environment: &Environment,
    prompter: &mut dyn Prompter,
    prefill: &Prefill,
    binary: &Path,
    checked: &mut Option<verify_token::Checked>,
) -> Result<InstallRequest, CommandError> {
    prompter.say(texts::WELCOME);
    let clients = match &prefill.clients {
        Some(clients) => clients.clone(),
        None => ask_clients(environment, prompter, prefill.scope)?,
    };
    let mut workspace = ask_workspace(environment, prompter, prefill, checked)?;
    let name = match &prefill.name {
        Some(name) => name.clone(),
        None => ask_name(environment, prompter, &clients, prefill.scope, &workspace)?,
    };
    let transport = match (&workspace, prefill.transport) {
        (WorkspaceChoice::Sandbox, _) => Transport::Stdio,
        (WorkspaceChoice::SignIn { .. }, given) => {
            if given.is_none() {
                prompter.say(texts::SIGN_IN_STDIO);
            }
            given.unwrap_or(Transport::Stdio)
        }
        (WorkspaceChoice::Headless { .. }, _) => Transport::Headless,
        (_, Some(transport)) => transport,
        (WorkspaceChoice::Tray { .. }, None) => {
            ask_transport(environment, prompter, &clients, &workspace, &name, binary)?
        }
    };
    set_region(prompter, prefill.region, transport, &mut workspace)?;
    // The pass-through runs inside the bundled server, so it is a question for stdio entries only.
    let gateway = match (workspace.workspace_id(), transport, prefill.gateway) {
        (Some(workspace_id), Transport::Stdio, None) => {
            // An existing profile's setting is the answer's default: Enter keeps what it has.
            let default =
                install::existing_gateway(environment, &name, workspace_id).unwrap_or(install::DEFAULT_GATEWAY);
            Some(prompter.confirm(texts::GATEWAY_QUESTION, default).map_err(cancelled)?)
        }
        (_, _, given) => given,
    };
    let tools = match (&prefill.tools, transport, gateway, checked.as_ref()) {
        (Some(given), ..) => Some(given.clone()),
        (None, Transport::Stdio, Some(true), Some(checked)) => {
            tools_question::ask_if_listed(environment, prompter, &checked.verification, &name, &clients)?
        }
        (None, Transport::Bridge | Transport::Http, _, Some(checked))
            if !matches!(workspace, WorkspaceChoice::Sandbox) =>
        {
            tools_question::ask_client_filter(environment, prompter, &checked.verification, &name, &clients)?
        }
        _ => None,
    };
    Ok(InstallRequest {
        clients,
        every_client: prefill.every_client,
        workspace,
        name,
        transport,
        scope: prefill.scope,
        gateway,
        dry_run: prefill.dry_run,
        skip: Vec::new(),
        editor_profile: None,
        token_variable: prefill.token_variable.clone(),
        force: false,
        tools,
        approve: prefill.approve,
        gateway_tools: Vec::new(),
    })
}

/// The workspace's region: the one given as a flag, else asked (the pasted app URL's region the
/// default) where it matters.
fn set_region(
    prompter: &mut dyn Prompter,
    given: Option<Region>,
    transport: Transport,
    workspace: &mut WorkspaceChoice,
) -> Result<(), CommandError> {
    match workspace {
        WorkspaceChoice::Tray { region, .. } | WorkspaceChoice::SignIn { region, .. } => {
            *region = match given {
                Some(given) => given,
                // Only the bundled server calls Tray's regional API; the gateway has one address.
                // The default is the pasted app URL's region, when it had one.
                None if transport == Transport::Stdio => ask_region(prompter, *region)?,
                None => *region,
            };
        }
        // Each region hosts its own Headless MCP.
        WorkspaceChoice::Headless { region } => {
            *region = match given {
                Some(given) => given,
                None => ask_region(prompter, *region)?,
            };
        }
        WorkspaceChoice::Sandbox => {}
    }
    Ok(())
}

/// After the review: the browser sign-in of an entry that signs in with Tray (the same one
/// `install --sign-in` runs), before anything is written.
fn sign_in(
    context: &Context,
    prompter: &mut dyn Prompter,
    request: &InstallRequest,
    plan: &InstallPlan,
) -> Result<Option<install::SignedIn>, CommandError> {
    // The plan's snapshot says whether a sign-in is still needed: the profile is not read again.
    if request.dry_run || plan.sign_in.is_none() {
        return Ok(None);
    }
    prompter.say(texts::SIGN_IN_NOW);
    let prompter = std::cell::RefCell::new(prompter);
    install::sign_in_first(context, request, plan, &|line| prompter.borrow_mut().say(line))
}

fn cancelled(error: PromptError) -> CommandError {
    match error {
        PromptError::Cancelled => CommandError::interrupted(),
        PromptError::NotTerminal => CommandError::usage(texts::NEEDS_TERMINAL, ""),
        PromptError::Terminal(message) => CommandError::failure(
            format!("the setup wizard could not use the terminal: {message}"),
            "pass the values as flags instead (see tray-mcp --help)",
        ),
    }
}

/// Step 1: a multi-select of the clients that have a config at this scope.
fn ask_clients(
    environment: &Environment,
    prompter: &mut dyn Prompter,
    scope: Scope,
) -> Result<Vec<ClientId>, CommandError> {
    let mut kinds = Vec::new();
    let mut options = Vec::new();
    let mut short = Vec::new();
    let mut found = Vec::new();
    // The clients found on this machine first (pre-selected, so none sits below the page),
    // each group in the registry's order.
    let mut candidates: Vec<(ClientId, bool)> = ClientId::all()
        .iter()
        .map(|&kind| (kind, kind.client().install_marker(environment).exists()))
        .collect();
    candidates.sort_by_key(|(_, detected)| !detected);
    for (kind, detected) in candidates {
        let client = kind.client();
        let Some(location) = client.location(environment, scope) else {
            continue;
        };
        if detected {
            found.push(kinds.len());
        }
        let marker = if detected { texts::CLIENT_FOUND } else { "" };
        let path = environment.display_path(&location.path);
        options.push(
            format!("{:<15} {path:<44} {marker}", client.display_name())
                .trim_end()
                .to_string(),
        );
        short.push(client.display_name().to_string());
        kinds.push(kind);
    }
    let question = ChoiceQuestion {
        message: texts::CLIENTS_QUESTION,
        help: Some(texts::CLIENTS_HELP),
        options: &options,
        short: Some(&short),
        default: 0,
    };
    let chosen = prompter.multi_select(&question, &found).map_err(cancelled)?;
    Ok(chosen
        .into_iter()
        .filter_map(|index| kinds.get(index).copied())
        .collect())
}

/// Steps 2 and 3: the sandbox, or a workspace ID and token, checked with Tray (the region is
/// asked later; a pasted app URL's is its default).
fn ask_workspace(
    environment: &Environment,
    prompter: &mut dyn Prompter,
    prefill: &Prefill,
    checked: &mut Option<verify_token::Checked>,
) -> Result<WorkspaceChoice, CommandError> {
    if prefill.sandbox {
        return Ok(WorkspaceChoice::Sandbox);
    }
    let headless = WorkspaceChoice::Headless {
        region: prefill.default_region,
    };
    if prefill.headless {
        return Ok(headless);
    }
    let mut region = prefill.region.unwrap_or(prefill.default_region);
    let workspace_id = match &prefill.workspace_id {
        Some(workspace_id) => workspace_id.clone(),
        None => {
            let options = [
                texts::WORKSPACE_KIND_TRAY.to_string(),
                texts::WORKSPACE_KIND_SANDBOX.to_string(),
                texts::WORKSPACE_KIND_HEADLESS.to_string(),
            ];
            let question = ChoiceQuestion {
                message: texts::WORKSPACE_KIND_QUESTION,
                help: None,
                options: &options,
                short: None,
                default: 0,
            };
            match prompter.select(&question).map_err(cancelled)? {
                1 => return Ok(WorkspaceChoice::Sandbox),
                2 => return Ok(headless),
                _ => {}
            }
            let (workspace_id, url_region) = ask_workspace_id(prompter)?;
            region = prefill.region.or(url_region).unwrap_or(region);
            workspace_id
        }
    };
    let api_token = match &prefill.api_token {
        Some(api_token) => api_token.clone(),
        None if prefill.sign_in || ask_sign_in(prompter, prefill)? => {
            return Ok(WorkspaceChoice::SignIn {
                workspace_id,
                region,
                sign_in: prefill.sign_in_options.clone(),
            });
        }
        None => {
            let (token, found) =
                verify_token::ask_checked(environment, prompter, &workspace_id, region, prefill.verify)?;
            *checked = found;
            token
        }
    };
    Ok(WorkspaceChoice::Tray {
        workspace_id,
        api_token,
        region,
    })
}

/// Step 3: an API token (the default) or a sign-in with Tray. Not asked when the command line
/// already chose what only a token can do (a bridge or http transport, `--token-from-env`).
fn ask_sign_in(prompter: &mut dyn Prompter, prefill: &Prefill) -> Result<bool, CommandError> {
    let token_only =
        prefill.token_variable.is_some() || prefill.transport.is_some_and(|given| given != Transport::Stdio);
    if token_only {
        return Ok(false);
    }
    let options = [texts::AUTH_TOKEN.to_string(), texts::AUTH_SIGN_IN.to_string()];
    let question = ChoiceQuestion {
        message: texts::AUTH_QUESTION,
        help: Some(texts::AUTH_HELP),
        options: &options,
        short: None,
        default: 0,
    };
    Ok(prompter.select(&question).map_err(cancelled)? == 1)
}

fn check_workspace_id(input: &str) -> Result<(), String> {
    WorkspaceId::parse(input)
        .map(|_| ())
        .map_err(|_| texts::WORKSPACE_INVALID.to_string())
}

fn show_workspace_id(input: &str) -> String {
    WorkspaceId::parse(input).map_or_else(|_| input.to_string(), |id| id.to_string())
}

fn preview_workspace_id(input: &str) -> Option<String> {
    if input.trim().is_empty() {
        return None;
    }
    Some(match WorkspaceId::parse(input) {
        Ok(id) => format!("{} {id}", texts::WORKSPACE_FOUND),
        Err(_) => texts::WORKSPACE_NOT_YET.to_string(),
    })
}

/// Step 2: the workspace ID (or a pasted app URL, whose region is returned too), checked as it
/// is typed.
fn ask_workspace_id(prompter: &mut dyn Prompter) -> Result<(WorkspaceId, Option<Region>), CommandError> {
    let question = TextQuestion {
        message: texts::WORKSPACE_QUESTION,
        help: Some(texts::WORKSPACE_HELP),
        default: None,
        check: check_workspace_id,
        preview: Some(preview_workspace_id),
        shown: Some(show_workspace_id),
    };
    let answer = prompter.text(&question).map_err(cancelled)?;
    let workspace_id = WorkspaceId::parse(&answer).map_err(|error| CommandError::usage(error.to_string(), ""))?;
    Ok((workspace_id, Region::of_app_url(&answer)))
}

fn check_token(input: &str) -> Result<(), String> {
    ApiToken::parse(input).map(|_| ()).map_err(|error| {
        match error {
            InvalidApiToken::Empty => texts::TOKEN_EMPTY,
            InvalidApiToken::ContainsWhitespace => texts::TOKEN_WHITESPACE,
            InvalidApiToken::Placeholder => texts::TOKEN_PLACEHOLDER,
        }
        .to_string()
    })
}

/// Step 3: the API token, hidden, trimmed, placeholders refused (also `tray-mcp token set`).
pub fn ask_token(prompter: &mut dyn Prompter) -> Result<ApiToken, CommandError> {
    let question = SecretQuestion {
        message: texts::TOKEN_QUESTION,
        help: Some(texts::TOKEN_HELP),
        check: check_token,
    };
    let answer = prompter.secret(&question).map_err(cancelled)?;
    ApiToken::parse(&answer).map_err(|error| CommandError::usage(error.to_string(), ""))
}

fn check_name(input: &str) -> Result<(), String> {
    ServerName::parse(input)
        .map(|_| ())
        .map_err(|_| texts::NAME_INVALID.to_string())
}

/// Step 4: the entry's name, defaulting to the next free one.
fn ask_name(
    environment: &Environment,
    prompter: &mut dyn Prompter,
    clients: &[ClientId],
    scope: Scope,
    workspace: &WorkspaceChoice,
) -> Result<ServerName, CommandError> {
    let inventory = take_inventory(environment, clients);
    let suggested = names::suggest(environment, &inventory, clients, scope, workspace);
    let question = TextQuestion {
        message: texts::NAME_QUESTION,
        help: Some(texts::NAME_HELP),
        default: Some(suggested.as_str()),
        check: check_name,
        preview: None,
        shown: None,
    };
    let answer = prompter.text(&question).map_err(cancelled)?;
    ServerName::parse(&answer).map_err(|error| CommandError::usage(error.to_string(), ""))
}

/// True when every client has an entry shape for direct HTTP.
fn all_support_http(
    environment: &Environment,
    clients: &[ClientId],
    workspace: &WorkspaceChoice,
    name: &ServerName,
    binary: &Path,
) -> bool {
    if matches!(workspace, WorkspaceChoice::Sandbox) {
        return false;
    }
    let spec = install::entry_spec(environment, workspace, name, Transport::Http, binary);
    clients.iter().all(|kind| kind.client().entry(&spec).is_ok())
}

/// The names of the chosen clients that cannot take a remote (http) entry.
fn http_refusers(clients: &[ClientId]) -> Vec<&'static str> {
    clients
        .iter()
        .map(|kind| kind.client())
        .filter(|client| client.refuses(Transport::Http).is_some())
        .map(|client| client.display_name())
        .collect()
}

/// Step 5: stdio (recommended), the bridge (with what was found of Node.js), or HTTP when
/// every chosen client supports it.
fn ask_transport(
    environment: &Environment,
    prompter: &mut dyn Prompter,
    clients: &[ClientId],
    workspace: &WorkspaceChoice,
    name: &ServerName,
    binary: &Path,
) -> Result<Transport, CommandError> {
    let npx_found = environment.find_on_path("npx").is_some();
    let node = install::node_version(environment);
    let mut transports = vec![Transport::Stdio, Transport::Bridge];
    let mut options = vec![
        texts::TRANSPORT_STDIO.to_string(),
        texts::transport_bridge(node.as_deref(), npx_found),
    ];
    let http = all_support_http(environment, clients, workspace, name, binary);
    let no_http = (!http).then(|| texts::transport_no_http(&http_refusers(clients)));
    if http {
        transports.push(Transport::Http);
        options.push(texts::TRANSPORT_HTTP.to_string());
    }
    let question = ChoiceQuestion {
        message: texts::TRANSPORT_QUESTION,
        help: no_http.as_deref(),
        options: &options,
        short: None,
        default: 0,
    };
    loop {
        let index = prompter.select(&question).map_err(cancelled)?;
        let transport = transports.get(index).copied().unwrap_or_default();
        if transport != Transport::Bridge || npx_found {
            return Ok(transport);
        }
        prompter.say(texts::BRIDGE_NO_NPX);
        if prompter.confirm(texts::BRIDGE_ANYWAY, false).map_err(cancelled)? {
            return Ok(transport);
        }
    }
}

/// Step 6: the region.
fn ask_region(prompter: &mut dyn Prompter, default: Region) -> Result<Region, CommandError> {
    let options: Vec<String> = Region::ALL.iter().map(|region| region.to_string()).collect();
    let question = ChoiceQuestion {
        message: texts::REGION_QUESTION,
        help: Some(texts::REGION_HELP),
        options: &options,
        short: None,
        default: Region::ALL.iter().position(|region| *region == default).unwrap_or(0),
    };
    let index = prompter.select(&question).map_err(cancelled)?;
    Ok(Region::ALL.get(index).copied().unwrap_or(default))
}

/// Step 7: the overwrite questions, one line per file, and the final yes (or the diff).
/// Returns `None` when every client was left untouched.
fn review(
    context: &Context,
    prompter: &mut dyn Prompter,
    request: &mut InstallRequest,
    binary: &Path,
    copy: Option<&str>,
    yes: bool,
) -> Result<Option<InstallPlan>, CommandError> {
    // Asked, each entry tray-mcp did not write is replaced only with the user's yes below
    // (a no skips its client); unasked (--yes), it is refused.
    request.force = !yes;
    let first = install::plan(context, request, binary)?;
    if !yes {
        ask_overwrites(context, prompter, request, &first)?;
    }
    if request.clients.iter().all(|kind| request.skip.contains(kind)) {
        prompter.say(texts::NOTHING_LEFT);
        return Ok(None);
    }
    let plan = if request.skip.is_empty() {
        first
    } else {
        check_shared_profile(prompter, request, &first)?;
        install::plan(context, request, binary)?
    };
    show_plan(prompter, &plan, copy);
    if yes
        || plan
            .files
            .iter()
            .all(|planned| planned.file.change == Change::Unchanged)
    {
        return Ok(Some(plan));
    }
    confirm_write(prompter, request, &plan)?;
    Ok(Some(plan))
}

/// Asks, for each client whose file would replace an entry of the same name, whether to
/// overwrite it; a "no" puts the client in `request.skip`.
fn ask_overwrites(
    environment: &Environment,
    prompter: &mut dyn Prompter,
    request: &mut InstallRequest,
    plan: &InstallPlan,
) -> Result<(), CommandError> {
    let inventory = take_inventory(environment, &request.clients);
    for planned in &plan.files {
        let Some(kind) = planned.owner.client() else { continue };
        let existing = names::existing_entries(environment, &inventory, &request.clients, request.scope, &request.name)
            .find(|entry| entry.client == kind);
        let Some(existing) = existing.filter(|_| planned.file.change != Change::Unchanged) else {
            continue;
        };
        let display_name = kind.client().display_name();
        // An entry tray-mcp did not write shows what it is before the user gives it away.
        let question = if existing.ours {
            texts::overwrite_question(
                &request.name,
                display_name,
                &names::what_changes(environment, existing, &request.workspace),
            )
        } else {
            texts::replace_question(&request.name, display_name, &shown_entry(&existing.value))
        };
        if !prompter.confirm(&question, false).map_err(cancelled)? {
            prompter.say(&texts::overwrite_declined(display_name, &planned.file.task.shown_path));
            request.skip.push(kind);
        }
    }
    Ok(())
}

/// When entries were kept and the profile of their name would now reach another workspace,
/// asks before rewriting it (a "no" cancels).
fn check_shared_profile(
    prompter: &mut dyn Prompter,
    request: &InstallRequest,
    plan: &InstallPlan,
) -> Result<(), CommandError> {
    let Some(workspace_id) = request.workspace.workspace_id() else {
        return Ok(());
    };
    let profile_elsewhere = plan
        .files
        .iter()
        .filter(|planned| planned.owner == FileOwner::TrayMcp)
        .filter_map(|planned| planned.file.before.as_deref())
        .any(|before| profiles::parse(before).map_or(true, |old| old.workspace_id.as_ref() != Some(workspace_id)));
    if profile_elsewhere
        && !prompter
            .confirm(&texts::shared_profile_question(&request.name), false)
            .map_err(cancelled)?
    {
        let mut error = CommandError::interrupted();
        error.hint = Some(texts::SHARED_PROFILE_HINT.to_string());
        return Err(error);
    }
    Ok(())
}

/// One line per file: `Added     ~/.cursor/mcp.json  (Cursor config)`, and the binary's copy
/// when there is one to make (`Install   ~/.local/bin/tray-mcp  (...)`).
fn show_plan(prompter: &mut dyn Prompter, plan: &InstallPlan, copy: Option<&str>) {
    if plan
        .files
        .iter()
        .all(|planned| planned.file.change == Change::Unchanged)
    {
        prompter.say(texts::REVIEW_NOTHING);
    } else {
        prompter.say(texts::REVIEW_HEADING);
    }
    for file in plan.files.iter().map(|planned| &planned.file) {
        prompter.say(&format!(
            "  {:<10} {}  ({})",
            report::change_word(file.change),
            file.task.shown_path,
            file.task.role
        ));
    }
    if let Some(copy) = copy {
        prompter.say(&format!("  {:<10} {copy}", texts::REVIEW_INSTALL_BINARY));
    }
}

/// Write, show the diff (token redacted) and ask again, or cancel.
fn confirm_write(
    prompter: &mut dyn Prompter,
    request: &InstallRequest,
    plan: &InstallPlan,
) -> Result<(), CommandError> {
    let options = [
        texts::REVIEW_WRITE.to_string(),
        texts::REVIEW_DIFF.to_string(),
        texts::REVIEW_CANCEL.to_string(),
    ];
    let question = ChoiceQuestion {
        message: texts::REVIEW_QUESTION,
        help: None,
        options: &options,
        short: None,
        default: 0,
    };
    let redactor = redactor_for(&install::redactor(request), &plan.files);
    loop {
        match prompter.select(&question).map_err(cancelled)? {
            0 => return Ok(()),
            1 => {
                for diff in plan
                    .files
                    .iter()
                    .filter_map(|planned| report::diff(&planned.file, &redactor))
                {
                    prompter.show_verbatim(&diff);
                }
            }
            _ => return Err(CommandError::interrupted()),
        }
    }
}

/// The report when every client was left untouched.
fn nothing_left() -> Report {
    Report {
        files: Vec::new(),
        diffs: Vec::new(),
        notices: Vec::new(),
        next_steps: Vec::new(),
        dry_run: false,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;

    use super::*;
    use crate::paths::Os;

    const WORKSPACE: &str = "3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718";

    /// Answers from a script and records every question and its options.
    #[derive(Default)]
    struct Scripted {
        answers: VecDeque<&'static str>,
        asked: Vec<String>,
    }

    impl Scripted {
        fn new(answers: &[&'static str]) -> Self {
            Scripted {
                answers: answers.iter().copied().collect(),
                asked: Vec::new(),
            }
        }

        fn next(&mut self, asked: String) -> Result<&'static str, PromptError> {
            self.asked.push(asked);
            self.answers.pop_front().ok_or(PromptError::Cancelled)
        }
    }

    impl Prompter for Scripted {
        fn multi_select(&mut self, question: &ChoiceQuestion, _: &[usize]) -> Result<Vec<usize>, PromptError> {
            let answer = self.next(format!("{} {:?}", question.message, question.options))?;
            Ok(answer.split(',').filter_map(|index| index.parse().ok()).collect())
        }

        fn select(&mut self, question: &ChoiceQuestion) -> Result<usize, PromptError> {
            let answer = self.next(format!("{} {:?}", question.message, question.options))?;
            answer.parse().map_err(|_| PromptError::Cancelled)
        }

        fn text(&mut self, question: &TextQuestion) -> Result<String, PromptError> {
            let answer = self.next(question.message.to_string())?;
            let answer = if answer.is_empty() {
                question.default.unwrap_or("")
            } else {
                answer
            };
            (question.check)(answer).map_err(|_| PromptError::Cancelled)?;
            Ok(answer.to_string())
        }

        fn secret(&mut self, question: &SecretQuestion) -> Result<String, PromptError> {
            let answer = self.next(question.message.to_string())?;
            (question.check)(answer).map_err(|_| PromptError::Cancelled)?;
            Ok(answer.to_string())
        }

        fn confirm(&mut self, message: &str, _: bool) -> Result<bool, PromptError> {
            Ok(self.next(message.to_string())? == "y")
        }

        fn say(&mut self, _: &str) {}
    }

    fn environment(home: &Path) -> Environment {
        Environment {
            os: Os::Linux,
            home: home.to_path_buf(),
            appdata: None,
            xdg_config_home: None,
            current_dir: home.to_path_buf(),
            path_var: None,
            variables: crate::env::Variables::default(),
        }
    }

    #[test]
    fn http_is_offered_only_when_every_client_supports_it() {
        let home = tempfile::tempdir().expect("tempdir");
        let environment = environment(home.path());
        for (clients, offered) in [("0,2", false), ("1,2,3,4", true)] {
            let mut prompter = Scripted::new(&[clients, "0", WORKSPACE, "0", "token-123", "", "0", "0", "n"]);
            let request = ask(
                &environment,
                &mut prompter,
                &Prefill::default(),
                Path::new("/bin/tray-mcp"),
            )
            .expect("request");
            let transport = prompter
                .asked
                .iter()
                .find(|asked| asked.starts_with(texts::TRANSPORT_QUESTION))
                .expect("transport asked");
            assert_eq!(
                transport.contains(texts::TRANSPORT_HTTP),
                offered,
                "{clients}: {transport}"
            );
            assert_eq!(request.transport, Transport::Stdio);
        }
    }

    #[test]
    fn signing_in_asks_no_token_or_transport_and_makes_a_stdio_sign_in_request() {
        let home = tempfile::tempdir().expect("tempdir");
        // Cursor, a Tray workspace, sign in, the default name, us1, the gateway on.
        let mut prompter = Scripted::new(&["2", "0", WORKSPACE, "1", "", "0", "y"]);
        let request = ask(
            &environment(home.path()),
            &mut prompter,
            &Prefill::default(),
            Path::new("/bin/tray-mcp"),
        )
        .expect("request");
        assert!(
            matches!(request.workspace, WorkspaceChoice::SignIn { .. }),
            "{:?}",
            request.workspace
        );
        assert_eq!(request.transport, Transport::Stdio);
        for question in [texts::TOKEN_QUESTION, texts::TRANSPORT_QUESTION] {
            assert!(
                !prompter.asked.iter().any(|asked| asked.starts_with(question)),
                "{question} asked: {:?}",
                prompter.asked
            );
        }
    }

    #[test]
    fn a_token_only_transport_on_the_command_line_skips_the_sign_in_question() {
        let home = tempfile::tempdir().expect("tempdir");
        let prefill = Prefill {
            clients: Some(vec![ClientId::parse("cursor").unwrap()]),
            workspace_id: WorkspaceId::parse(WORKSPACE).ok(),
            transport: Some(Transport::Http),
            name: ServerName::parse("tray-prod").ok(),
            ..Prefill::default()
        };
        let mut prompter = Scripted::new(&["token-123"]);
        let request = ask(
            &environment(home.path()),
            &mut prompter,
            &prefill,
            Path::new("/bin/tray-mcp"),
        )
        .expect("request");
        assert!(matches!(request.workspace, WorkspaceChoice::Tray { .. }));
        assert_eq!(prompter.asked, [texts::TOKEN_QUESTION.to_string()]);
    }

    #[test]
    fn prefilled_values_are_not_asked() {
        let home = tempfile::tempdir().expect("tempdir");
        let prefill = Prefill {
            clients: Some(vec![ClientId::parse("cursor").unwrap()]),
            workspace_id: WorkspaceId::parse(WORKSPACE).ok(),
            api_token: ApiToken::parse("token-123").ok(),
            name: ServerName::parse("tray-prod").ok(),
            transport: Some(Transport::Bridge),
            ..Prefill::default()
        };
        let mut prompter = Scripted::new(&[]);
        let request = ask(
            &environment(home.path()),
            &mut prompter,
            &prefill,
            Path::new("/bin/tray-mcp"),
        )
        .expect("nothing to ask");
        assert!(prompter.asked.is_empty(), "asked {:?}", prompter.asked);
        assert_eq!(request.name.as_str(), "tray-prod");
        assert_eq!(request.transport, Transport::Bridge);
    }

    #[test]
    fn cancelling_any_question_is_an_interruption() {
        let home = tempfile::tempdir().expect("tempdir");
        let mut prompter = Scripted::new(&["2", "0", WORKSPACE, "0"]);
        let error = ask(
            &environment(home.path()),
            &mut prompter,
            &Prefill::default(),
            Path::new("/bin/tray-mcp"),
        )
        .expect_err("the token question is cancelled");
        assert_eq!(error.exit.code(), 130);
        assert!(
            std::fs::read_dir(home.path()).expect("home").next().is_none(),
            "a file was written"
        );
    }
}
