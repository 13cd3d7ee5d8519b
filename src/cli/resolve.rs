//! Resolve: the parsed arguments turned into an [`Action`] in the core's terms, reading what
//! the flags point to (a token on stdin, the environment, whether stdin is a terminal).
//!
//! Why apart from the clap definitions: those say what may be typed; this decides what it means,
//! and is where the process's stdin, TTY and environment are read.

use super::*;
use crate::token_input::{self, read_token_from_stdin, token_error};
use tray_mcp::context::Context;

impl Cli {
    /// Converts the parsed arguments into an action; `context` supplies the variables
    /// (`TRAY_API_TOKEN` to `token set`, the sign-in's client secret and browser, the token
    /// variable install reads) and the console (standard input, whether a prompt can be asked).
    pub fn into_action(self, context: &Context) -> Result<Action, CommandError> {
        match self.command {
            Some(Command::Install(args)) => install_action(args, context),
            None => install_action(self.install, context),
            Some(Command::List { name, clients }) => Ok(Action::List {
                name,
                clients: expand_clients(&clients),
            }),
            Some(Command::Clients { installed }) => Ok(Action::Clients { installed }),
            Some(Command::Remove { name, clients, dry_run }) => Ok(Action::Remove(RemoveRequest {
                name,
                clients: expand_clients(&clients),
                dry_run,
            })),
            Some(Command::Adopt {
                names,
                clients,
                dry_run,
                no_verify,
            }) => Ok(Action::Adopt(AdoptRequest {
                names,
                clients: expand_clients(&clients),
                dry_run,
                verify: !no_verify,
            })),
            Some(Command::Rename { old, new, dry_run }) => Ok(Action::Rename(RenameRequest { old, new, dry_run })),
            Some(Command::Token(TokenCommand::Set {
                name,
                api_token_stdin,
                dry_run,
            })) => {
                let api_token = token_input::new_token(&name, api_token_stdin, context)?;
                Ok(Action::TokenSet(TokenSetRequest {
                    name,
                    api_token,
                    dry_run,
                }))
            }
            Some(Command::Token(TokenCommand::Forget { name, dry_run })) => Ok(Action::TokenForget { name, dry_run }),
            Some(Command::Login(args)) => login_action(args, context),
            Some(Command::Logout { name, headless }) => Ok(Action::Logout(name, headless)),
            Some(Command::Doctor { name, online }) => Ok(Action::Doctor(DoctorRequest { name, online })),
            Some(Command::Apply(args)) => Ok(apply_action(args)),
            Some(Command::Export) => Ok(Action::Export),
            Some(Command::Serve(args)) => {
                let mut options = ServeOptions::from(args);
                options.log_level = options.log_level.or_else(|| self.globals.log_filter());
                Ok(Action::Serve(options))
            }
            Some(Command::Uninstall { all, dry_run }) => Ok(Action::Uninstall(UninstallRequest { all, dry_run })),
            Some(Command::Link(LinkArgs { install, markdown })) => link_action(install, markdown, context),
            Some(Command::Bundle {
                out,
                workspace_id,
                region,
                binary,
                platform,
            }) => Ok(Action::Bundle(BundleRequest {
                out,
                region: region_of(region, workspace_id.as_ref())?,
                workspace_id: workspace_id.map(|workspace| workspace.id),
                binary: binary.zip(platform),
            })),
            Some(Command::Completions { shell }) => Ok(completions(shell)),
            Some(Command::Man { dir }) => Ok(Action::Man(dir)),
        }
    }
}

/// `login`: the request, with the client secret and the browser from the environment.
fn login_action(args: LoginArgs, context: &Context) -> Result<Action, CommandError> {
    let LoginArgs {
        name,
        workspace_id,
        region,
        no_browser,
        client_id,
        client_metadata_url,
        headless,
        no_verify,
    } = args;
    Ok(Action::Login(LoginRequest {
        name,
        region: region_of(region, workspace_id.as_ref())?,
        workspace_id: workspace_id.map(|workspace| workspace.id),
        client_secret: context.var(tray_mcp::oauth::CLIENT_SECRET_VARIABLE),
        client_id,
        client_metadata_url,
        no_browser,
        browser: browser(context),
        headless,
        verify: !no_verify,
    }))
}

/// `apply`.
fn apply_action(args: ApplyArgs) -> Action {
    let ApplyArgs {
        file,
        dry_run,
        prune,
        check,
        force,
        no_verify,
        allow_commands,
    } = args;
    Action::Apply {
        file,
        options: ApplyOptions {
            dry_run,
            prune,
            check,
            force,
            verify: !no_verify,
            allow_commands,
        },
    }
}

/// The region: the one given, else the pasted app URL's (`None`: neither, the caller's
/// default). A given region that contradicts the URL's is a usage error: one of the two is
/// wrong, and guessing would send every call to the wrong hosts.
pub(super) fn region_of(
    given: Option<Region>,
    workspace: Option<&WorkspaceArg>,
) -> Result<Option<Region>, CommandError> {
    match (given, workspace.and_then(|workspace| workspace.region)) {
        (Some(given), Some(from_url)) if given != from_url => Err(CommandError::usage(
            format!("--region {given} contradicts the workspace's app URL, which is in {from_url}"),
            format!("drop --region (and TRAY_REGION) to use {from_url}, or pass the workspace's bare UUID"),
        )),
        (given, from_url) => Ok(given.or(from_url)),
    }
}

/// What the user asked for, in the core's terms.
pub enum Action {
    /// Install an entry (checking its token with Tray first unless `verify` is false).
    Install {
        /// What to install.
        request: InstallRequest,
        /// Check the token with Tray before writing (not `--no-verify`).
        verify: bool,
    },
    /// Print the install links of the entry the request describes.
    Link {
        /// The entry, as install takes it.
        request: InstallRequest,
        /// Print Markdown badges.
        markdown: bool,
    },
    /// Write a Claude Desktop extension.
    Bundle(BundleRequest),
    /// List the entries (only those named `name`, in `clients`, when given).
    List {
        /// Only the entries with this name.
        name: Option<ServerName>,
        /// Only in these clients (all when empty).
        clients: Vec<ClientId>,
    },
    /// List the supported clients (only those installed here, with `installed`).
    Clients {
        /// Only the clients installed here.
        installed: bool,
    },
    /// Run the setup wizard (with the answers given as flags), then install what it built.
    Wizard(Box<Prefill>),
    /// Remove an entry.
    Remove(RemoveRequest),
    /// Adopt hand-written Tray entries.
    Adopt(AdoptRequest),
    /// Rename an entry.
    Rename(RenameRequest),
    /// Replace a token.
    TokenSet(TokenSetRequest),
    /// Forget a profile's token (`dry_run`: write nothing).
    TokenForget {
        /// The profile.
        name: ServerName,
        /// Show the diff; write nothing.
        dry_run: bool,
    },
    /// Sign an entry in (OAuth).
    Login(LoginRequest),
    /// Forget an entry's sign-ins (with `true`: only the Headless MCP's).
    Logout(ServerName, bool),
    /// Check the entries.
    Doctor(DoctorRequest),
    /// Apply (or check) a manifest.
    Apply {
        /// The manifest file, when not the default.
        file: Option<std::path::PathBuf>,
        /// What to do.
        options: ApplyOptions,
    },
    /// Print the entries as a manifest.
    Export,
    /// Run the MCP server.
    Serve(ServeOptions),
    /// Uninstall the binary (and with `all`, every entry and profile).
    Uninstall(UninstallRequest),
    /// Print a completion script.
    Completions(String),
    /// Write the man pages into this folder.
    Man(std::path::PathBuf),
}

pub(super) fn expand_clients(choices: &[ClientChoice]) -> Vec<ClientId> {
    let mut clients: Vec<ClientId> = Vec::new();
    for choice in choices {
        let kinds = match choice {
            ClientChoice::All => ClientId::all().to_vec(),
            ClientChoice::One(kind) => vec![*kind],
        };
        for kind in kinds {
            if !clients.contains(&kind) {
                clients.push(kind);
            }
        }
    }
    clients
}

/// What install's flags come to once read together: the values the wizard and a flags install
/// both start from.
struct Resolved {
    workspace_id: Option<WorkspaceId>,
    api_token: Option<String>,
    name: ServerName,
    region: Region,
    gateway: Option<bool>,
    token_variable: Option<String>,
    tools: Option<ToolFilter>,
}

pub(super) fn install_action(args: InstallArgs, context: &Context) -> Result<Action, CommandError> {
    let resolved = resolve_install(&args, context)?;
    let missing = !args.sandbox
        && !args.headless
        && (resolved.workspace_id.is_none()
            || (!args.sign_in && resolved.api_token.is_none() && !args.api_token_stdin));
    if args.interactive || missing && context.console().on_terminal() {
        return wizard_action(args, resolved, context);
    }
    let token_text = || {
        if args.api_token_stdin {
            read_token_from_stdin(context.console()).map(Some)
        } else {
            Ok(resolved.api_token.clone())
        }
    };
    let sign_in_options = args.sign_in.then(|| sign_in_options(args.no_browser, context));
    let workspace = workspace_choice(
        args.sandbox,
        args.headless,
        resolved.workspace_id.clone(),
        resolved.region,
        sign_in_options,
        token_text,
    )?;
    let request = InstallRequest {
        clients: expand_clients(&args.clients),
        every_client: args.clients.iter().any(|choice| matches!(choice, ClientChoice::All)),
        workspace,
        name: resolved.name,
        transport: if args.headless {
            Transport::Headless
        } else {
            transport_of(args.transport)
        },
        scope: scope_of(args.scope),
        gateway: resolved.gateway,
        dry_run: args.dry_run,
        skip: Vec::new(),
        editor_profile: args.vscode_profile,
        token_variable: resolved.token_variable,
        force: args.force,
        tools: resolved.tools,
        approve: args.approve,
        gateway_tools: Vec::new(),
    };
    Ok(Action::Install {
        request,
        verify: !args.no_verify,
    })
}

/// The values install's flags give together: the filter, the region (from a pasted app URL too),
/// the name (`--headless`'s own by default), the token variable and the token itself (read from
/// that variable when no `--api-token` is given; with `--sign-in`, none).
fn resolve_install(args: &InstallArgs, context: &Context) -> Result<Resolved, CommandError> {
    let tools = tool_filter_of(args.tools.as_deref(), args.exclude_tools.as_deref())?;
    if args.sign_in {
        check_sign_in_flags(
            &args.typed,
            args.api_token_stdin,
            args.sandbox,
            args.headless,
            args.token_from_env.is_some(),
        )?;
    }
    let typed = &args.typed;
    let region =
        region_of(typed.region_given.then_some(args.region), args.workspace_id.as_ref())?.unwrap_or(args.region);
    let name = if args.headless && !typed.name {
        ServerName::parse(ServerName::HEADLESS).map_err(|error| CommandError::usage(error.to_string(), ""))?
    } else {
        args.name.clone()
    };
    let token_variable = args.token_from_env.as_ref().map(|given| match given.trim() {
        "" => tray_mcp::clients::default_token_variable(name.as_str()),
        given => given.to_string(),
    });
    // With --sign-in, a TRAY_API_TOKEN in the environment is not this entry's. The variable the
    // entries will name holds the token where they run; without --api-token, it is read from
    // there (the binary is the one place that reads the environment).
    let api_token = args.api_token.clone().filter(|_| !args.sign_in).or_else(|| {
        let variable = token_variable.as_ref().filter(|_| !args.api_token_stdin)?;
        context.var(variable).filter(|value| !value.trim().is_empty())
    });
    Ok(Resolved {
        workspace_id: args.workspace_id.as_ref().map(|workspace| workspace.id.clone()),
        api_token,
        name,
        region,
        gateway: gateway_choice(args.gateway, args.no_gateway),
        token_variable,
        tools,
    })
}

/// The wizard, with the answers the flags already give.
fn wizard_action(args: InstallArgs, resolved: Resolved, context: &Context) -> Result<Action, CommandError> {
    check_wizard_can_run(args.vscode_profile.is_some(), context)?;
    let api_token = match (args.api_token_stdin, resolved.api_token) {
        (true, _) => Some(read_token_from_stdin(context.console())?),
        (false, token) => token,
    };
    let typed = &args.typed;
    let prefill = Prefill {
        clients: typed.clients.then(|| expand_clients(&args.clients)),
        every_client: args.clients.iter().any(|choice| matches!(choice, ClientChoice::All)),
        sandbox: args.sandbox,
        headless: args.headless,
        workspace_id: resolved.workspace_id,
        api_token: api_token
            .map(|text| ApiToken::parse(&text).map_err(token_error))
            .transpose()?,
        name: typed.name.then_some(resolved.name),
        transport: typed.transport.then_some(transport_of(args.transport)),
        region: typed.region.then_some(resolved.region),
        default_region: resolved.region,
        scope: scope_of(args.scope),
        gateway: resolved.gateway,
        dry_run: args.dry_run,
        verify: !args.no_verify,
        yes: args.yes,
        token_variable: resolved.token_variable,
        sign_in: args.sign_in,
        sign_in_options: sign_in_options(args.no_browser, context),
        tools: resolved.tools,
        approve: args.approve,
    };
    Ok(Action::Wizard(Box::new(prefill)))
}

/// The sign-in options install takes from the environment (a client secret, a metadata URL, the
/// browser to open), with `--no-browser`.
fn sign_in_options(no_browser: bool, context: &Context) -> SignInOptions {
    SignInOptions {
        client_id: None,
        client_secret: context.var(tray_mcp::oauth::CLIENT_SECRET_VARIABLE),
        client_metadata_url: context.var(tray_mcp::oauth::CLIENT_METADATA_URL_VARIABLE),
        no_browser,
        browser: browser(context),
        unattended: false,
    }
}

/// `BROWSER` as set (empty too: the sign-in decides what an empty one means).
fn browser(context: &Context) -> Option<String> {
    context.var_os("BROWSER").and_then(|value| value.into_string().ok())
}

/// Refuses the wizard where it cannot run: with `--vscode-profile` (it does not ask for one), or
/// off a terminal.
fn check_wizard_can_run(vscode_profile: bool, context: &Context) -> Result<(), CommandError> {
    if vscode_profile {
        return Err(CommandError::usage(
            "the setup wizard does not ask for a VS Code profile",
            "pass --workspace-id and --api-token-stdin (or --sandbox) with --vscode-profile to install without the wizard",
        ));
    }
    if !context.console().on_terminal() {
        return Err(CommandError::usage(
            wizard::texts::NEEDS_TERMINAL,
            "drop --interactive and pass --workspace-id and --api-token-stdin (or --sandbox)",
        ));
    }
    Ok(())
}

/// The workspace a non-interactive install serves: the sandbox, the Headless MCP, a sign-in
/// (`sign_in` given), or an API token (`token_text` reads it, from stdin when asked: only here).
fn workspace_choice(
    sandbox: bool,
    headless: bool,
    workspace_id: Option<WorkspaceId>,
    region: Region,
    sign_in: Option<SignInOptions>,
    token_text: impl FnOnce() -> Result<Option<String>, CommandError>,
) -> Result<WorkspaceChoice, CommandError> {
    if sandbox {
        return Ok(WorkspaceChoice::Sandbox);
    }
    if headless {
        return Ok(WorkspaceChoice::Headless { region });
    }
    if let Some(sign_in) = sign_in {
        let workspace_id = workspace_id.ok_or_else(|| missing_values(true, false))?;
        return Ok(WorkspaceChoice::SignIn {
            workspace_id,
            region,
            sign_in,
        });
    }
    match (workspace_id, token_text()?) {
        (Some(workspace_id), Some(token_text)) => Ok(WorkspaceChoice::Tray {
            workspace_id,
            api_token: ApiToken::parse(&token_text).map_err(token_error)?,
            region,
        }),
        (workspace_id, token_text) => Err(missing_values(workspace_id.is_none(), token_text.is_none())),
    }
}

/// `link`: install's request, never the wizard (a link is made for others, from flags).
pub(super) fn link_action(args: InstallArgs, markdown: bool, context: &Context) -> Result<Action, CommandError> {
    if args.interactive {
        return Err(CommandError::usage(
            "link does not run the setup wizard",
            "drop --interactive and give the entry's values as flags, as for `tray-mcp install`",
        ));
    }
    match install_action(args, context)? {
        Action::Install { request, .. } => Ok(Action::Link { request, markdown }),
        Action::Wizard(prefill) => Err(missing_values(
            prefill.workspace_id.is_none(),
            prefill.api_token.is_none() && !prefill.sign_in,
        )),
        _ => Err(CommandError::failure(
            "link: unexpected request",
            "report this as a bug",
        )),
    }
}

/// `--sign-in` takes no token of any kind and no other workspace: each is a usage error that
/// says what to do instead. (A bridge or http `--transport` is refused by the install itself,
/// which the wizard goes through too.)
pub(super) fn check_sign_in_flags(
    typed: &Typed,
    api_token_stdin: bool,
    sandbox: bool,
    headless: bool,
    token_from_env: bool,
) -> Result<(), CommandError> {
    let refused = if typed.api_token || api_token_stdin {
        Some((
            "--api-token / --api-token-stdin",
            "drop the token to sign in with Tray, or drop --sign-in to use the token".to_string(),
        ))
    } else if sandbox {
        Some((
            "--sandbox",
            format!("{}: drop --sign-in", SignInConflict::Sandbox.reason()),
        ))
    } else if headless {
        Some((
            "--headless",
            "a --headless entry is signed in by the client itself: drop --sign-in (or drop --headless for the bundled server's own sign-in)".to_string(),
        ))
    } else if token_from_env {
        Some((
            "--token-from-env",
            format!("{}: drop --token-from-env", SignInConflict::TokenVariable.reason()),
        ))
    } else {
        None
    };
    match refused {
        Some((flag, hint)) => Err(CommandError::usage(
            format!("--sign-in and {flag} do not go together"),
            hint,
        )),
        None => Ok(()),
    }
}

/// `--tools` / `--exclude-tools` as a filter: `None` when neither was given (a reinstall keeps
/// the profile's filter); giving one of them replaces the whole filter.
pub(super) fn tool_filter_of(
    tools: Option<&str>,
    exclude_tools: Option<&str>,
) -> Result<Option<ToolFilter>, CommandError> {
    if tools.is_none() && exclude_tools.is_none() {
        return Ok(None);
    }
    let usage = |error: tool_filter::PatternError| CommandError::usage(error.to_string(), error.hint());
    let included = tools
        .map(|text| tool_filter::parse_list("--tools", text))
        .transpose()
        .map_err(usage)?;
    let excluded = exclude_tools
        .map(|text| tool_filter::parse_list("--exclude-tools", text))
        .transpose()
        .map_err(usage)?;
    Ok(Some(ToolFilter::new(
        included.unwrap_or_default(),
        excluded.unwrap_or_default(),
    )))
}

/// `--gateway` / `--no-gateway` / neither (the default, decided by the install).
pub(super) fn gateway_choice(gateway: bool, no_gateway: bool) -> Option<bool> {
    match (gateway, no_gateway) {
        (true, _) => Some(true),
        (false, true) => Some(false),
        (false, false) => None,
    }
}

pub(super) fn transport_of(transport: TransportArg) -> Transport {
    match transport {
        TransportArg::Stdio => Transport::Stdio,
        TransportArg::Bridge => Transport::Bridge,
        TransportArg::Http => Transport::Http,
    }
}

pub(super) fn scope_of(scope: ScopeArg) -> Scope {
    match scope {
        ScopeArg::User => Scope::User,
        ScopeArg::Local => Scope::Local,
        ScopeArg::Project => Scope::Project,
    }
}

pub(super) fn missing_values(workspace_missing: bool, token_missing: bool) -> CommandError {
    let mut missing = Vec::new();
    if workspace_missing {
        missing.push("--workspace-id (or TRAY_WORKSPACE_ID)");
    }
    if token_missing {
        missing.push("--api-token / --api-token-stdin (or TRAY_API_TOKEN)");
    }
    CommandError::usage(
        format!("missing {}", missing.join(" and ")),
        "example: tray-mcp -w <WORKSPACE_UUID> --api-token-stdin -c claude < token.txt \
         (or --sandbox to try the demo workspace without an account)",
    )
}

/// `completions SHELL`: the script, for every flag (`Cli::command()`, install flags included).
fn completions(shell: clap_complete::Shell) -> Action {
    Action::Completions(crate::completions::script(&mut Cli::command(), shell))
}
