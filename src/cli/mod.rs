//! The command line: clap definitions only; [`resolve`] converts them into the core's plain
//! request types, reading stdin, the TTY and the environment where a flag asks for it.
//!
//! Nothing below `cli` knows clap exists. Arguments are destructured in full when converted,
//! so a new flag cannot be added here and silently forgotten in the core.

mod resolve;

pub use resolve::Action;

use clap::parser::ValueSource;
use clap::{ArgMatches, Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

use tray_mcp::approvals::Approve;
use tray_mcp::clients::{ClientId, Scope, Transport};
use tray_mcp::commands::adopt::AdoptRequest;
use tray_mcp::commands::bundle::{BundleRequest, Platform};
use tray_mcp::commands::doctor::DoctorRequest;
use tray_mcp::commands::install::{InstallRequest, SignInConflict, WorkspaceChoice};
use tray_mcp::commands::login::{LoginRequest, SignInOptions};
use tray_mcp::commands::remove::RemoveRequest;
use tray_mcp::commands::rename::RenameRequest;
use tray_mcp::commands::token::TokenSetRequest;
use tray_mcp::commands::uninstall::UninstallRequest;
use tray_mcp::env::{self, LogFilter};
use tray_mcp::error::CommandError;
use tray_mcp::manifest::plan::ApplyOptions;
use tray_mcp::server::ServeOptions;
use tray_mcp::tool_filter::{self, ToolFilter};
use tray_mcp::tray::{ApiToken, Region, ServerName, WorkspaceId};

use crate::global_flags::GlobalArgs;
use crate::help_texts;
use tray_mcp::wizard::{self, Prefill};

/// The whole command line. Its help opens with how to start ([`help_texts::START`]); the install
/// flags it takes without `install` are listed under `install --help` only (see [`command`]).
#[derive(Debug, Parser)]
#[command(
    name = "tray-mcp",
    version,
    about = help_texts::ABOUT,
    before_help = help_texts::START,
    override_usage = help_texts::USAGE,
    help_template = help_texts::TOP_TEMPLATE,
    after_help = help_texts::TOP_AFTER
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,

    #[command(flatten)]
    install: InstallArgs,

    #[command(flatten)]
    globals: GlobalArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Add or update a Tray entry in the chosen clients (or the wizard).
    ///
    /// Writes one MCP server entry into each chosen client's config, after checking the token
    /// with Tray. On a terminal without a workspace or token, the setup wizard asks for them.
    /// The same flags work without `install`.
    #[command(after_help = help_texts::INSTALL)]
    Install(InstallArgs),
    /// Show every Tray entry in every client and scope.
    #[command(after_help = help_texts::LIST)]
    List {
        /// Only the entries with this name.
        #[arg(value_parser = ServerName::parse)]
        name: Option<ServerName>,
        /// Only in these clients.
        #[arg(short = 'c', long = "client", value_delimiter = ',', value_parser = ClientChoiceParser)]
        clients: Vec<ClientChoice>,
    },
    /// List the supported clients: ids for -c, files, installed or not.
    ///
    /// Each supported client: its id for -c, its config files here, whether it is installed,
    /// the transports it takes.
    #[command(after_help = help_texts::CLIENTS)]
    Clients {
        /// Only the clients installed here (their folder exists).
        #[arg(long)]
        installed: bool,
    },
    /// Take an entry out of the clients' configs.
    ///
    /// Takes a Tray entry out of the clients' configs, and its profile once no client uses it.
    #[command(after_help = help_texts::REMOVE)]
    Remove {
        /// The entry's name.
        #[arg(value_parser = ServerName::parse)]
        name: ServerName,
        /// Only from these clients (or all).
        #[arg(short = 'c', long = "client", value_delimiter = ',', value_parser = ClientChoiceParser)]
        clients: Vec<ClientChoice>,
        /// Show the diff of what would change; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Take over Tray entries written by hand or by Tray's setup utility.
    ///
    /// Takes over the Tray entries Tray's setup utility or your hands wrote (mcp-remote bridges
    /// and http entries holding the token): each becomes a tray-mcp entry of the same name, its
    /// token moved into tray-mcp's store.
    #[command(after_help = help_texts::ADOPT)]
    Adopt {
        /// Only the entries with these names (every adoptable entry when none is given).
        #[arg(value_parser = ServerName::parse)]
        names: Vec<ServerName>,
        /// Only in these clients (or all).
        #[arg(short = 'c', long = "client", value_delimiter = ',', value_parser = ClientChoiceParser)]
        clients: Vec<ClientChoice>,
        /// Show the diff of what would change (tokens redacted); write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Do not check each token with Tray first.
        #[arg(long)]
        no_verify: bool,
    },
    /// Rename an entry in every client that has it, and its profile.
    #[command(after_help = help_texts::RENAME)]
    Rename {
        /// The current name.
        #[arg(value_parser = ServerName::parse)]
        old: ServerName,
        /// The new name.
        #[arg(value_parser = ServerName::parse)]
        new: ServerName,
        /// Show the diff of what would change; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Replace or forget the API token of an entry.
    #[command(subcommand, after_help = help_texts::TOKEN)]
    Token(TokenCommand),
    /// Sign an entry in with your Tray account instead of a token.
    ///
    /// Opens the browser ($BROWSER), receives the redirect on 127.0.0.1, keeps the tokens in
    /// the OS keychain (else a 0600 file). `serve` refreshes them.
    #[command(after_help = help_texts::LOGIN)]
    Login(LoginArgs),
    /// Forget an entry's sign-in (revoked where the server can).
    #[command(after_help = help_texts::LOGOUT)]
    Logout {
        /// The entry's name.
        #[arg(value_parser = ServerName::parse)]
        name: ServerName,
        /// Forget only the Headless MCP's sign-in.
        #[arg(long)]
        headless: bool,
    },
    /// Check every Tray entry (or one); --online also asks Tray.
    ///
    /// Checks each entry's config, shape, command, profile and token; --online adds the token
    /// against Tray's API and the Agent Gateway.
    #[command(after_help = help_texts::DOCTOR)]
    Doctor {
        /// Only the entries with this name.
        #[arg(value_parser = ServerName::parse)]
        name: Option<ServerName>,
        /// Also check the token and the gateway over the network (each with a time limit).
        #[arg(long)]
        online: bool,
    },
    /// Make this machine's entries match a manifest (tray-mcp.toml).
    ///
    /// Brings every entry a manifest declares to its declared state, in one transaction across
    /// every file; --check only reports drift (exit 3).
    #[command(after_help = help_texts::APPLY)]
    Apply(ApplyArgs),
    /// Print this machine's entries as a manifest (tray-mcp.toml).
    ///
    /// Tokens appear as references to fill in.
    #[command(after_help = help_texts::EXPORT)]
    Export,
    /// Run the MCP server on stdin/stdout (what AI clients start).
    #[command(after_help = help_texts::SERVE)]
    Serve(ServeArgs),
    /// Remove the binary; with --all, every entry and profile first.
    ///
    /// Removes the tray-mcp binary installed in ~/.local/bin (Windows:
    /// %LOCALAPPDATA%\Programs\tray-mcp); with --all, first every Tray entry tray-mcp wrote
    /// and every tray-mcp profile.
    #[command(after_help = help_texts::UNINSTALL)]
    Uninstall {
        /// Also remove every Tray entry tray-mcp wrote and every profile (one transaction: all or
        /// nothing).
        #[arg(long)]
        all: bool,
        /// Show the diff of what would change; write and delete nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Print a one-click install link (Cursor, VS Code) for an entry
    ///
    /// Prints the link of exactly the entry `install` would write for the same flags; refused
    /// when the entry would hold the API token (a link is shared, so it never carries one).
    #[command(after_help = help_texts::LINK)]
    Link(LinkArgs),
    /// Write a Claude Desktop extension (.mcpb) of tray-mcp
    ///
    /// Claude Desktop installs it by double-click and asks for the workspace ID, region and API
    /// token (kept in its secure storage); it runs `serve` with the Agent Gateway on.
    #[command(after_help = help_texts::BUNDLE)]
    Bundle {
        /// Where to write it (default: tray-mcp-VERSION-PLATFORM.mcpb here).
        #[arg(long, value_name = "FILE")]
        out: Option<std::path::PathBuf>,
        /// Pre-fill the workspace ID field (a UUID, or a Tray app URL that contains it).
        #[arg(short = 'w', long, value_parser = parse_workspace, value_name = "UUID")]
        workspace_id: Option<WorkspaceArg>,
        /// Pre-fill the region field: us1 (default), eu1, apac1.
        #[arg(long, value_parser = parse_region)]
        region: Option<Region>,
        /// Bundle this tray-mcp binary (built for --platform) instead of the running one.
        #[arg(long, value_name = "PATH", requires = "platform")]
        binary: Option<std::path::PathBuf>,
        /// The platform of --binary: darwin, win32 or linux.
        #[arg(long, value_name = "OS", requires = "binary", value_parser = parse_platform)]
        platform: Option<Platform>,
    },
    /// Print a shell completion script (bash, zsh, fish, powershell).
    #[command(after_help = help_texts::COMPLETIONS)]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Write the man pages (tray-mcp.1 and one per command) into a folder: how `man/` is made.
    #[command(hide = true, after_help = help_texts::MAN)]
    Man {
        /// The folder (it must exist).
        dir: std::path::PathBuf,
    },
}

/// Arguments of `tray-mcp link`: install's, and how to print the link.
#[derive(Debug, Args)]
struct LinkArgs {
    #[command(flatten)]
    install: InstallArgs,
    /// Print a Markdown badge that opens the link.
    #[arg(long)]
    markdown: bool,
}

/// Arguments of `tray-mcp login`.
#[derive(Debug, clap::Args)]
struct LoginArgs {
    /// The entry's name (created for --workspace-id when it does not exist yet).
    #[arg(value_parser = ServerName::parse)]
    name: ServerName,
    /// The workspace, for an entry that does not exist yet.
    #[arg(short = 'w', long, value_parser = parse_workspace, value_name = "UUID")]
    workspace_id: Option<WorkspaceArg>,
    /// Its region: us1, eu1, apac1 (ap1).
    #[arg(long, value_parser = parse_region)]
    region: Option<Region>,
    /// Print the sign-in address instead of opening a browser.
    #[arg(long)]
    no_browser: bool,
    /// A client ID the authorization server's administrator registered for tray-mcp (its
    /// secret, if any, in TRAY_OAUTH_CLIENT_SECRET); by default tray-mcp registers itself.
    #[arg(long, value_name = "ID")]
    client_id: Option<String>,
    /// The HTTPS URL of a client ID metadata document that describes tray-mcp, used where
    /// the authorization server supports them.
    #[arg(long, env = "TRAY_OAUTH_CLIENT_METADATA_URL", value_name = "URL")]
    client_metadata_url: Option<String>,
    /// Sign in to Tray's Headless MCP (the platform tools) instead of the Agent Gateway:
    /// a separate sign-in, since a token is bound to the server it was asked for.
    #[arg(long)]
    headless: bool,
    /// Do not check the new sign-in with Tray afterwards (whom it signs in as, the gateway).
    #[arg(long)]
    no_verify: bool,
}

/// Arguments of `tray-mcp apply`.
#[derive(Debug, clap::Args)]
struct ApplyArgs {
    /// The manifest (default: tray-mcp.toml in the current folder).
    #[arg(short = 'f', long, value_name = "PATH")]
    file: Option<std::path::PathBuf>,
    /// Show the diff of what would change (tokens redacted); write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Also remove the Tray entries tray-mcp wrote that the manifest does not declare (never
    /// other servers, nor Tray entries written by hand).
    #[arg(long)]
    prune: bool,
    /// Change nothing: exit 0 when everything matches the manifest, 3 when anything drifted
    /// (naming each entry and file), 1 when a token source cannot be read.
    #[arg(long, conflicts_with = "dry_run")]
    check: bool,
    /// Replace declared entries' namesakes that tray-mcp did not write (servers of your own,
    /// Tray entries written by hand); without it such an entry is refused.
    #[arg(long)]
    force: bool,
    /// Do not check each declared token with Tray before writing.
    #[arg(long)]
    no_verify: bool,
    /// Run the manifest's token commands even in a dry run or --check, or when the manifest
    /// was found in the current folder rather than named with --file.
    #[arg(long)]
    allow_commands: bool,
}

/// Arguments of `tray-mcp serve`.
#[derive(Debug, clap::Args)]
struct ServeArgs {
    /// Serve the workspace stored in this profile (written by `tray-mcp install`).
    #[arg(long, value_name = "NAME", value_parser = ServerName::parse, conflicts_with_all = ["workspace_id", "sandbox"])]
    profile: Option<ServerName>,
    /// Serve this workspace (UUID), with the API token from TRAY_API_TOKEN.
    #[arg(long, value_name = "UUID", value_parser = WorkspaceId::parse, conflicts_with = "sandbox")]
    workspace_id: Option<WorkspaceId>,
    /// Tray region: us1 (default), eu1 or apac1. Overrides the profile's region.
    #[arg(long, value_name = "REGION", value_parser = parse_region)]
    region: Option<Region>,
    /// Serve the built-in demo workspace: no account, no token, no network.
    #[arg(long)]
    sandbox: bool,
    /// Also list and forward the workspace's Agent Gateway tools (https://<workspace-id>.mcp.tray.ai,
    /// or TRAY_GATEWAY_URL). On by default for profiles installed with --gateway.
    #[arg(long, conflicts_with = "sandbox")]
    gateway: bool,
    /// Log filter for stderr: error, warn, info (default), debug, trace, off, or directives
    /// such as tray_mcp=debug,warn. Default: -q / -v, else RUST_LOG.
    #[arg(long, value_name = "LEVEL", value_parser = parse_log_filter)]
    log_level: Option<LogFilter>,
}

impl From<ServeArgs> for ServeOptions {
    fn from(args: ServeArgs) -> Self {
        let ServeArgs {
            profile,
            workspace_id,
            region,
            sandbox,
            gateway,
            log_level,
        } = args;
        ServeOptions {
            profile,
            workspace_id,
            region,
            sandbox,
            gateway,
            log_level,
        }
    }
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Replace a profile's token; entries that hold it inline are rewritten too.
    #[command(after_help = help_texts::TOKEN_SET)]
    Set {
        /// The entry and profile name.
        #[arg(value_parser = ServerName::parse)]
        name: ServerName,
        /// Read the new token from standard input (otherwise TRAY_API_TOKEN, or a hidden prompt).
        #[arg(long)]
        api_token_stdin: bool,
        /// Show the diff of what would change (tokens redacted); write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Remove the token from a profile.
    #[command(after_help = help_texts::TOKEN_FORGET)]
    Forget {
        /// The entry and profile name.
        #[arg(value_parser = ServerName::parse)]
        name: ServerName,
        /// Show the diff of what would change; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Debug, Args)]
struct InstallArgs {
    /// Tray workspace ID (a UUID, or a Tray app URL that contains it).
    #[arg(help_heading = "Workspace", short = 'w', long, env = env::TRAY_WORKSPACE_ID, value_parser = parse_workspace, value_name = "UUID")]
    workspace_id: Option<WorkspaceArg>,

    /// Tray API token (prefer --api-token-stdin: a flag shows in shell history and `ps`).
    #[arg(
        help_heading = "Token",
        short = 't',
        long,
        env = env::TRAY_API_TOKEN,
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    api_token: Option<String>,

    /// Read the API token from standard input.
    #[arg(help_heading = "Token", long, conflicts_with = "api_token")]
    api_token_stdin: bool,

    /// Clients to configure (`tray-mcp clients` lists them), or all. Repeat or separate with
    /// commas.
    #[arg(help_heading = "Clients", short = 'c', long = "client", value_delimiter = ',', value_parser = ClientChoiceParser, default_value = "claude")]
    clients: Vec<ClientChoice>,

    /// How clients reach Tray: the bundled server (stdio), mcp-remote (bridge), or the
    /// client's own remote entry (http).
    #[arg(help_heading = "Clients", long, value_enum, default_value_t = TransportArg::Stdio)]
    transport: TransportArg,

    /// Tray region: us1, eu1, apac1 (ap1).
    #[arg(help_heading = "Workspace", long, env = env::TRAY_REGION, value_parser = parse_region, default_value = "us1")]
    region: Region,

    /// Which config: user (default), local (Claude Code, this project only), project
    /// (a file in the current folder).
    #[arg(help_heading = "Clients", long, value_enum, default_value_t = ScopeArg::User)]
    scope: ScopeArg,

    /// Name of the server entry (and of its profile).
    #[arg(help_heading = "Entry", short = 'n', long, default_value = ServerName::DEFAULT, value_parser = ServerName::parse)]
    name: ServerName,

    /// Use the embedded sandbox workspace: no Tray account or token needed.
    #[arg(help_heading = "Workspace", long, conflicts_with_all = ["workspace_id", "api_token", "api_token_stdin"])]
    sandbox: bool,

    /// Pass the workspace's Agent Gateway tools (its Workflow and Connector Tools) through the
    /// bundled server: the default for a new stdio entry of a real workspace; an existing
    /// profile keeps its setting unless this or --no-gateway is given.
    #[arg(help_heading = "Workspace", long, conflicts_with_all = ["no_gateway", "sandbox"])]
    gateway: bool,

    /// Serve only the built-in tools, without the workspace's Agent Gateway tools.
    #[arg(help_heading = "Workspace", long, conflicts_with = "sandbox")]
    no_gateway: bool,

    /// Install Tray's hosted Headless MCP (https://api.tray.io/mcp, per --region): the platform
    /// tools that build, run and debug workflows. The client signs you in with your Tray account
    /// (OAuth): no workspace ID or token. Default name: tray-headless.
    #[arg(help_heading = "Workspace", long, conflicts_with_all = ["workspace_id", "api_token", "api_token_stdin", "sandbox", "gateway", "no_gateway", "transport"])]
    headless: bool,

    /// VS Code, VS Code Insiders and VSCodium: write into this profile's mcp.json (a name from
    /// the Profiles menu; "Default" is the user folder's own file). Other clients ignore it.
    #[arg(help_heading = "Clients", long, value_name = "PROFILE")]
    vscode_profile: Option<String>,
    /// Bridge and http entries name an environment variable (default TRAY_TOKEN_<NAME>) for the
    /// client to read the token from, in its own syntax (`${VAR}`, `${env:VAR}`, ...), instead
    /// of holding the token; clients that expand no variables refuse it. Without --api-token,
    /// the token is read from that variable.
    #[arg(
        help_heading = "Token",
        long,
        value_name = "VAR",
        num_args = 0..=1,
        default_missing_value = "",
        conflicts_with_all = ["sandbox", "headless"]
    )]
    token_from_env: Option<String>,

    /// Sign the entry in with your Tray account in the browser (OAuth) instead of an API
    /// token, as `tray-mcp login` does, before anything is written: a stdio entry whose profile
    /// keeps the sign-in (OS keychain, else a 0600 file); no token anywhere.
    #[arg(help_heading = "Token", long)]
    sign_in: bool,

    /// With --sign-in: print the sign-in address instead of opening a browser.
    #[arg(help_heading = "Token", long, requires = "sign_in")]
    no_browser: bool,

    /// Show the diff of what would change (token redacted); write nothing.
    #[arg(help_heading = "Entry", long)]
    dry_run: bool,

    /// Serve only these tools: comma-separated names or globs (`*` any run, `?` one character),
    /// matched against the names the client sees, e.g. 'list_*,echo'. Kept in the entry's
    /// profile for stdio entries; for bridge and http entries, written in exact names into the
    /// client's own filter where it has one (Gemini CLI, Qwen Code, Codex, Copilot CLI, Crush,
    /// Roo Code, Kiro). '*' serves every tool again. Without it, a reinstall keeps the filter.
    #[arg(help_heading = "Tools", long, value_name = "GLOBS", conflicts_with_all = ["sandbox", "headless"])]
    tools: Option<String>,

    /// Never serve these tools (comma-separated names or globs), even when --tools matches them.
    #[arg(help_heading = "Tools", long, value_name = "GLOBS", conflicts_with_all = ["sandbox", "headless"])]
    exclude_tools: Option<String>,

    /// Write the clients' own approvals ahead for the tools annotated read-only (and not
    /// destructive): the built-in tools and, as the install's check lists them, the Agent
    /// Gateway's: Claude Code's permission rules (in the settings of the entry's scope), Cline's
    /// and Kiro's `autoApprove`, Roo's `alwaysAllow`, Codex's per-tool `approval_mode =
    /// "approve"`; `remove` takes them out again. The only
    /// value is read-only.
    #[arg(help_heading = "Tools", long, value_name = "WHICH", value_parser = parse_approve, conflicts_with_all = ["sandbox", "headless"])]
    approve: Option<Approve>,

    /// Do not check the token with Tray before writing (by default the install asks Tray's API
    /// whose token it is, and the Agent Gateway how many tools it has, in the entry's region).
    #[arg(help_heading = "Token", long)]
    no_verify: bool,

    /// Answer yes to confirmations (entries tray-mcp wrote are overwritten; others need --force).
    #[arg(help_heading = "Entry", short = 'y', long)]
    yes: bool,

    /// Replace an entry of the same name that tray-mcp did not write (a server of your own,
    /// or a Tray entry written by hand); without it such an entry is refused.
    #[arg(help_heading = "Entry", long)]
    force: bool,

    /// Start the setup wizard (on a terminal it also starts when the workspace or token is
    /// missing); values given as flags are not asked again.
    #[arg(help_heading = "Entry", long)]
    interactive: bool,

    /// Which values were typed on the command line (not defaults): the wizard skips those.
    #[arg(skip)]
    typed: Typed,
}

/// Which install values came from the command line rather than from a default.
#[derive(Debug, Clone, Copy, Default)]
struct Typed {
    clients: bool,
    name: bool,
    transport: bool,
    region: bool,
    /// The region was given at all (command line or `TRAY_REGION`), not defaulted: a pasted
    /// app URL of another region then contradicts it.
    region_given: bool,
    api_token: bool,
}

/// `--workspace-id`: the workspace, and the region of the app URL it was pasted from.
#[derive(Debug, Clone)]
struct WorkspaceArg {
    id: WorkspaceId,
    region: Option<Region>,
}

fn parse_workspace(input: &str) -> Result<WorkspaceArg, String> {
    let id = WorkspaceId::parse(input).map_err(|error| error.to_string())?;
    Ok(WorkspaceArg {
        id,
        region: Region::of_app_url(input),
    })
}

impl Typed {
    fn from_matches(matches: &ArgMatches) -> Self {
        let typed = |id: &str| matches.value_source(id) == Some(ValueSource::CommandLine);
        Typed {
            clients: typed("clients"),
            name: typed("name"),
            transport: typed("transport"),
            region: typed("region"),
            region_given: matches!(
                matches.value_source("region"),
                Some(ValueSource::CommandLine | ValueSource::EnvVariable)
            ),
            api_token: typed("api_token"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum TransportArg {
    Stdio,
    Bridge,
    Http,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ScopeArg {
    User,
    Local,
    Project,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ClientChoice {
    One(ClientId),
    All,
}

/// Parses `-c`: a client id or alias from the registry, or `all`. Its possible values (shown
/// by `--help` and in errors) come from the registry too.
#[derive(Debug, Clone, Copy)]
struct ClientChoiceParser;

impl clap::builder::TypedValueParser for ClientChoiceParser {
    type Value = ClientChoice;

    fn parse_ref(
        &self,
        command: &clap::Command,
        argument: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<ClientChoice, clap::Error> {
        let text = value.to_string_lossy();
        if text.trim().eq_ignore_ascii_case("all") {
            return Ok(ClientChoice::All);
        }
        if let Some(client) = ClientId::parse(&text) {
            return Ok(ClientChoice::One(client));
        }
        // Not a client: clap's own parser over the same values words the error (and suggests).
        let known: Vec<_> = self.possible_values().into_iter().flatten().collect();
        let worded = clap::builder::PossibleValuesParser::new(known)
            .parse_ref(command, argument, value)
            .err();
        Err(worded.unwrap_or_else(|| clap::Error::new(clap::error::ErrorKind::InvalidValue).with_cmd(command)))
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        let clients = ClientId::all().iter().map(|client| {
            clap::builder::PossibleValue::new(client.id())
                .help(client.client().display_name())
                .aliases(client.client().aliases().iter().copied())
        });
        let all = clap::builder::PossibleValue::new("all").help("every client installed here");
        Some(Box::new(clients.chain([all])))
    }
}

fn parse_log_filter(input: &str) -> Result<LogFilter, String> {
    LogFilter::parse_level_option(input).map_err(|error: env::InvalidLogFilter| format!("{error}; {}", error.fix()))
}

fn parse_platform(input: &str) -> Result<Platform, String> {
    Platform::parse(input).ok_or_else(|| {
        let names: Vec<&str> = Platform::ALL.iter().map(|platform| platform.as_str()).collect();
        format!("\"{input}\" is not a platform: use {}", names.join(", "))
    })
}

fn parse_region(input: &str) -> Result<Region, String> {
    input
        .parse()
        .map_err(|error: tray_mcp::tray::InvalidRegion| error.to_string())
}

impl Cli {
    /// Parses the process arguments like `Cli::parse`, also noting which install values were
    /// typed (the wizard does not ask those again).
    pub fn parse_args() -> Cli {
        let raw: Vec<std::ffi::OsString> = std::env::args_os().collect();
        let color = crate::global_flags::ColorWhen::from_raw_args(&raw);
        color.apply();
        if let Some(cli) = parse_without_command(&raw) {
            return cli;
        }
        let (command, install_ids) = command_and_install_ids();
        let mut command = command.color(color.for_clap());
        let matches = command
            .try_get_matches_from_mut(raw)
            .unwrap_or_else(|error| error.exit());
        if let Some(error) = install_flags_before_a_command(&mut command, &install_ids, &matches) {
            error.exit();
        }
        let mut cli = Cli::from_arg_matches(&matches).unwrap_or_else(|error| error.format(&mut command).exit());
        match (&mut cli.command, matches.subcommand()) {
            (Some(Command::Install(args)), Some((_, install_matches))) => {
                args.typed = Typed::from_matches(install_matches);
            }
            (Some(Command::Link(args)), Some((_, link_matches))) => {
                args.install.typed = Typed::from_matches(link_matches);
            }
            (None, _) => cli.install.typed = Typed::from_matches(&matches),
            _ => {}
        }
        cli
    }

    /// The global flags (`--json`, `-q`, `-v`, `--color`), wherever they were given.
    pub fn globals(&self) -> &GlobalArgs {
        &self.globals
    }
}

/// A command line that names no command (`tray-mcp -w … -c …`, the install), parsed by the
/// install and global flags alone: building all 20 commands' definitions as well cost every
/// such start ~0.1 ms and ~100 KiB of stack. `None` when a word of it is a command's name (or
/// `help`), or it does not parse so (`--help`, `--version`, a mistake): the whole definition
/// then parses it, and shows the help or says what is wrong. With no command's name among the
/// words the whole definition can only find the same flags, so both give the same [`Cli`]
/// (test `cli::tests::a_command_line_without_a_command_parses_the_same_either_way`).
fn parse_without_command(raw: &[std::ffi::OsString]) -> Option<Cli> {
    let names_a_command = raw.iter().skip(1).any(|word| {
        word.to_str()
            .is_none_or(|word| word == "help" || Command::has_subcommand(word))
    });
    if names_a_command {
        return None;
    }
    let mut command = GlobalArgs::augment_args(InstallArgs::augment_args(clap::Command::new("tray-mcp")));
    let mut matches = command.try_get_matches_from_mut(raw).ok()?;
    // Where each value came from is read first: taking the values out (`_mut`, rather than
    // clap's `from_arg_matches`, which takes them from a copy of all the matches) forgets it.
    let typed = Typed::from_matches(&matches);
    let mut install = InstallArgs::from_arg_matches_mut(&mut matches).ok()?;
    install.typed = typed;
    let globals = GlobalArgs::from_arg_matches_mut(&mut matches).ok()?;
    Some(Cli {
        command: None,
        install,
        globals,
    })
}

/// The command line's definition as parsed and shown: [`Cli`], with the install flags it takes
/// without `install` left out of its own help (they are under `install --help`, grouped).
/// Completions use `Cli::command()` itself, so they still offer them.
pub fn command() -> clap::Command {
    command_and_install_ids().0
}

/// [`command`], and the ids of the install flags (the arguments of [`InstallArgs`]), read from
/// its `install` command before it is built (so without the global flags a build adds). Clap
/// builds the install flags twice already (without a command and under `install`); a third
/// build just for their ids cost every start ~45 KiB of stack and its time.
fn command_and_install_ids() -> (clap::Command, Vec<clap::Id>) {
    let command = Cli::command();
    let install_ids: Vec<clap::Id> = command
        .find_subcommand("install")
        .map(|install| install.get_arguments().map(|arg| arg.get_id().clone()).collect())
        .unwrap_or_default();
    let command = command.mut_args(|arg| {
        if install_ids.contains(arg.get_id()) {
            arg.hide(true)
        } else {
            arg
        }
    });
    (command, install_ids)
}

/// Writes the man pages of [`command`] into `dir`: `tray-mcp.1` and `tray-mcp-COMMAND.1` for
/// each command, from the same definitions as `--help`.
pub fn write_man_pages(dir: &std::path::Path) -> std::io::Result<()> {
    clap_mangen::generate_to(command(), dir)
}

/// An install flag typed before a command's name (`tray-mcp -w X list`) belongs to no command:
/// a usage error rather than silently ignored. Global flags go anywhere.
fn install_flags_before_a_command(
    command: &mut clap::Command,
    install_ids: &[clap::Id],
    matches: &ArgMatches,
) -> Option<clap::Error> {
    let (name, _) = matches.subcommand()?;
    let typed = install_ids
        .iter()
        .find(|id| matches.value_source(id.as_str()) == Some(ValueSource::CommandLine))?;
    let flag = command
        .get_arguments()
        .find(|arg| arg.get_id() == typed)
        .and_then(|arg| arg.get_long())
        .map_or_else(|| typed.to_string(), |long| format!("--{long}"));
    Some(command.error(
        clap::error::ErrorKind::ArgumentConflict,
        format!(
            "the install flag {flag} cannot be used with the command '{name}'\n\n\
             hint: install flags go without a command or after `install`; global flags \
             (--json, -q, -v, --color) go anywhere"
        ),
    ))
}

/// `--approve read-only`.
fn parse_approve(text: &str) -> Result<Approve, String> {
    Approve::parse(text)
}

#[cfg(test)]
mod tests {
    use super::resolve::region_of;
    use super::*;
    use tray_mcp::context::Context;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        let (mut command, install_ids) = command_and_install_ids();
        let matches = command.try_get_matches_from_mut(args)?;
        if let Some(error) = install_flags_before_a_command(&mut command, &install_ids, &matches) {
            return Err(error);
        }
        Cli::from_arg_matches(&matches)
    }

    #[test]
    fn a_command_line_without_a_command_parses_the_same_either_way() {
        let full = |args: &[&str]| {
            let mut cli = parse(args).expect("parses");
            cli.install.typed = Typed::from_matches(&command().try_get_matches_from(args).expect("parses"));
            format!("{cli:?}")
        };
        let workspace = "3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718";
        for args in [
            &[
                "tray-mcp",
                "-w",
                workspace,
                "-c",
                "claude,cursor",
                "--transport",
                "bridge",
                "--no-verify",
            ][..],
            &["tray-mcp", "--sandbox", "--json", "-q"],
            &[
                "tray-mcp",
                "-w",
                workspace,
                "--token-from-env",
                "--name",
                "prod",
                "-c",
                "all",
                "--dry-run",
            ],
            &[
                "tray-mcp",
                "-w",
                workspace,
                "--token-from-env",
                "MY_TOKEN",
                "--color",
                "never",
                "-vv",
            ],
            &["tray-mcp"],
        ] {
            let words: Vec<std::ffi::OsString> = args.iter().map(Into::into).collect();
            let fast = parse_without_command(&words).map(|cli| format!("{cli:?}"));
            assert_eq!(fast, Some(full(args)), "{args:?}");
        }
        // A command's name anywhere, help, version and mistakes go to the whole definition.
        for args in [
            &["tray-mcp", "list"][..],
            &["tray-mcp", "--token-from-env", "list"],
            &["tray-mcp", "help"],
            &["tray-mcp", "--help"],
            &["tray-mcp", "-V"],
            &["tray-mcp", "--no-such-flag"],
            &["tray-mcp", "-w", "not-a-workspace"],
        ] {
            let words: Vec<std::ffi::OsString> = args.iter().map(Into::into).collect();
            assert!(parse_without_command(&words).is_none(), "{args:?}");
        }
    }

    #[test]
    fn global_flags_go_before_or_after_the_command() {
        for args in [
            &["tray-mcp", "--json", "--sandbox"][..],
            &["tray-mcp", "install", "--sandbox", "--json"],
            &["tray-mcp", "list", "--json"],
            &["tray-mcp", "--json", "list"],
            &["tray-mcp", "--json", "-q", "doctor"],
            &["tray-mcp", "token", "--json", "forget", "prod"],
            &["tray-mcp", "token", "forget", "prod", "--json"],
        ] {
            let cli = parse(args).expect("parses");
            assert!(cli.globals().json, "{args:?}");
        }
        assert!(!parse(&["tray-mcp", "list"]).expect("parses").globals().json);
        for args in [
            &["tray-mcp", "-vv", "serve", "--sandbox"][..],
            &["tray-mcp", "serve", "-vv", "--sandbox"],
        ] {
            assert_eq!(parse(args).expect("parses").globals().verbose, 2, "{args:?}");
        }
        let cli = parse(&["tray-mcp", "--color", "never", "list"]).expect("parses");
        assert_eq!(cli.globals().color, crate::global_flags::ColorWhen::Never);
        let error = parse(&["tray-mcp", "-q", "-v", "list"]).expect_err("-q and -v conflict");
        assert_eq!(error.exit_code(), 2);
    }

    #[test]
    fn an_install_flag_before_a_command_is_a_usage_error_naming_it() {
        let error = parse(&["tray-mcp", "-w", "3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718", "list"]).expect_err("refused");
        assert_eq!(error.exit_code(), 2);
        let text = error.to_string();
        assert!(text.contains("--workspace-id") && text.contains("'list'"), "{text}");
        // Without a command, they are the install's.
        assert!(parse(&["tray-mcp", "--sandbox", "-c", "cursor"]).is_ok());
    }

    /// A context whose variables and standard input are the test's (the process's are not read).
    fn scripted_context(variables: &'static [(&'static str, &'static str)], stdin: &str) -> Context {
        let environment =
            tray_mcp::paths::Environment::from_lookup(tray_mcp::paths::Os::Linux, "/work".into(), |name| {
                (name == "HOME").then(|| "/home/ada".into())
            })
            .expect("environment");
        let lookup = move |name: &str| {
            variables
                .iter()
                .find(|(set, _)| *set == name)
                .map(|(_, value)| value.into())
        };
        Context::from_environment(environment)
            .with_variables(Box::new(lookup))
            .with_console(Box::new(tray_mcp::context::ScriptedConsole {
                stdin: stdin.to_string(),
                terminal: false,
            }))
    }

    #[test]
    fn variables_and_standard_input_come_from_the_context() {
        const TOKEN: &str = "c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6";
        let context = scripted_context(
            &[
                ("BROWSER", "firefox"),
                (tray_mcp::oauth::CLIENT_SECRET_VARIABLE, "s3cret"),
                ("MY_TOKEN", TOKEN),
            ],
            &format!("{TOKEN}\n"),
        );
        let action = parse(&["tray-mcp", "login", "work"])
            .expect("parses")
            .into_action(&context);
        let Ok(Action::Login(login)) = action else {
            panic!("a login request");
        };
        assert_eq!(
            (login.browser.as_deref(), login.client_secret.as_deref()),
            (Some("firefox"), Some("s3cret"))
        );
        let action = parse(&["tray-mcp", "token", "set", "work", "--api-token-stdin"])
            .expect("parses")
            .into_action(&context);
        let Ok(Action::TokenSet(set)) = action else {
            panic!("a token set request");
        };
        assert_eq!(set.api_token.expose(), TOKEN);
        let workspace = "3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718";
        let args = [
            "tray-mcp",
            "-w",
            workspace,
            "-c",
            "cursor",
            "--transport",
            "bridge",
            "--token-from-env",
            "MY_TOKEN",
        ];
        let action = parse(&args).expect("parses").into_action(&context);
        let Ok(Action::Install { request, .. }) = action else {
            panic!("an install request");
        };
        let WorkspaceChoice::Tray { api_token, .. } = request.workspace else {
            panic!("a token install");
        };
        assert_eq!(api_token.expose(), TOKEN);
        // Off a terminal, a missing token is the usage error, not the wizard.
        let empty = scripted_context(&[], "");
        let error = parse(&["tray-mcp", "-w", workspace, "-c", "cursor"])
            .expect("parses")
            .into_action(&empty)
            .err()
            .expect("refused");
        assert_eq!(error.exit.code(), 2, "{}", error.message);
    }

    #[test]
    fn every_command_ends_its_help_with_examples() {
        fn walk(command: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for sub in command.get_subcommands().filter(|sub| sub.get_name() != "help") {
                let path = format!("{path} {}", sub.get_name());
                let examples = sub
                    .get_after_help()
                    .is_some_and(|text| text.to_string().contains("Examples"));
                if !examples {
                    missing.push(path.clone());
                }
                walk(sub, &path, missing);
            }
        }
        let mut missing = Vec::new();
        walk(&command(), "tray-mcp", &mut missing);
        assert_eq!(missing, Vec::<String>::new(), "commands without an Examples: block");
    }

    #[test]
    fn the_top_level_help_hides_the_install_flags_that_install_help_groups() {
        let top = command().render_long_help().to_string();
        assert!(!top.contains("--workspace-id"), "{top}");
        assert!(top.contains("--json") && top.contains("--quiet") && top.contains("--color"));
        let mut command = command();
        let install = command.find_subcommand_mut("install").expect("install");
        let text = install.render_long_help().to_string();
        for heading in ["Workspace:", "Token:", "Clients:", "Entry:"] {
            assert!(text.contains(heading), "{heading} in {text}");
        }
    }

    #[test]
    fn a_pasted_app_url_gives_the_region_and_a_given_one_must_agree() {
        let eu = parse_workspace("https://app.eu1.tray.io/workspaces/3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718/projects")
            .expect("a workspace");
        assert_eq!(region_of(None, Some(&eu)).expect("no conflict"), Some(Region::Eu1));
        assert_eq!(
            region_of(Some(Region::Eu1), Some(&eu)).expect("agrees"),
            Some(Region::Eu1)
        );
        let error = region_of(Some(Region::Us1), Some(&eu)).expect_err("contradicts");
        assert_eq!(error.exit.code(), 2);
        let bare = parse_workspace("3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718").expect("a workspace");
        assert_eq!(
            region_of(Some(Region::Apac1), Some(&bare)).expect("nothing to contradict"),
            Some(Region::Apac1)
        );
        assert_eq!(region_of(None, None).expect("nothing"), None);
    }

    #[test]
    fn a_bad_log_level_is_a_usage_error() {
        let error = Cli::try_parse_from(["tray-mcp", "serve", "--sandbox", "--log-level", "tray_mcp=loud"])
            .expect_err("refused");
        assert_eq!(error.exit_code(), 2);
    }
}
