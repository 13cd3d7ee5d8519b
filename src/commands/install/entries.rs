//! Entries: the entry each client file gets (its spec from the request, the edit that upserts
//! it), planned per file.

use super::*;

/// Everything one entry changes, before it becomes file tasks: the core both `install` (one
/// task per edit) and `apply` (the edits of every declared entry, grouped by file) build on.
pub struct EntryPlan {
    /// One edit per client config.
    pub configs: Vec<ConfigEdit>,
    /// The profile to write (stdio entries of a real workspace).
    pub profile: Option<Profile>,
    /// The keychain write that goes with the profile (when the token goes to the keychain).
    pub keychain_write: Option<(ServerName, ApiToken)>,
    /// Notes and warnings for stderr.
    pub notices: Vec<Notice>,
}

/// One entry's edit of one client's config.
pub struct ConfigEdit {
    /// Whose config, and which scope.
    pub owner: (ClientId, Scope),
    /// The config file.
    pub path: PathBuf,
    /// Who may read the file afterwards (owner only when the entry holds the token).
    pub privacy: Privacy,
    /// The entry to set.
    pub upsert: EntryUpsert,
}

impl ConfigEdit {
    /// Notes whether tray-mcp's record says it wrote the entry this edit replaces.
    pub fn note_record(&mut self, written: &crate::written::Written) {
        if let Some(guard) = &mut self.upsert.guard {
            guard.recorded = written.has(&self.path, &self.upsert.entry_path);
        }
    }

    /// The file task that makes this edit alone.
    pub fn into_task(self, environment: &Environment) -> LabeledTask {
        let ConfigEdit {
            owner,
            path,
            privacy,
            upsert,
        } = self;
        let edit = UpsertEntries {
            format: upsert.format,
            upserts: vec![upsert],
        };
        config_task(environment, owner, path, privacy, Box::new(edit))
    }
}

/// Plans one entry: its edit of each wanted client's config, its profile and keychain write.
/// Reads no config file (the caller checks names against what exists).
pub fn entry_plan(
    environment: &Context,
    request: &InstallRequest,
    binary: &Path,
    token_location: TokenLocation,
) -> Result<EntryPlan, CommandError> {
    request_spec(environment, request, binary)?;
    // The token store is not asked here: `token_location` says where the token goes.
    let snapshot = InstallSnapshot::read_entry(environment, request, Arc::new(TokenStore::file_only(String::new())))?;
    plan_entries(request, binary, &snapshot, token_location)
}

/// [`entry_plan`] from what `snapshot` read: no I/O.
pub(super) fn plan_entries(
    request: &InstallRequest,
    binary: &Path,
    snapshot: &InstallSnapshot<'_>,
    token_location: TokenLocation,
) -> Result<EntryPlan, CommandError> {
    let environment = snapshot.environment;
    let mut notices = Vec::new();
    let mut configs = Vec::new();
    let spec = request_spec(environment, request, binary)?;
    for target in &snapshot.targets {
        if let Some(config) = client_edit(request, &spec, target, &mut notices)? {
            configs.push(config);
        }
    }
    let inline: Vec<&Path> = configs
        .iter()
        .filter(|edit| edit.privacy == Privacy::OwnerOnly)
        .map(|edit| edit.path.as_path())
        .collect();
    notices.extend(inline_token_notices(environment, request, &inline));
    notices.extend(filter_notice(&spec, &configs));
    if let Some(variable) = &request.token_variable
        && !configs.is_empty()
        && !environment.variables.is_set(variable)
    {
        notices.push(Notice::warning(format!(
            "{variable} is not set here: set it to your Tray API token in the environment the clients start from, or they will send no valid token"
        )));
    }
    if request.transport == Transport::Bridge && !snapshot.npx_on_path {
        notices.push(Notice::warning(
            "npx is not on PATH: bridge entries need Node.js (https://nodejs.org); or use --transport stdio, which needs no Node.js",
        ));
    }
    notices.extend(sign_in_notices(request, &snapshot.profile));
    notices.extend(kept_sign_in_notice(request, &snapshot.profile));
    let mut keychain_write = None;
    let mut profile = None;
    let kept_gateway = kept_gateway_of(request, &snapshot.profile);
    if let Some(kept) = kept_gateway {
        notices.push(Notice::note(kept_gateway_note(&request.name, kept)));
    }
    if let Some((planned, token)) = profile_from(request, kept_gateway, token_location, &snapshot.profile) {
        if let Some(token) = token {
            notices.push(Notice::note(format!(
                "the API token goes to the OS keychain (service {}, account {}); the profile file records only that",
                crate::token_store::SERVICE,
                request.name
            )));
            keychain_write = Some((request.name.clone(), token));
        }
        profile = Some(planned);
    }
    Ok(EntryPlan {
        configs,
        profile,
        keychain_write,
        notices,
    })
}

/// The edit of one client's file for `request` (`None`: the client is left out, with a note).
fn client_edit(
    request: &InstallRequest,
    spec: &EntrySpec,
    target: &Target,
    notices: &mut Vec<Notice>,
) -> Result<Option<ConfigEdit>, CommandError> {
    let kind = target.kind;
    notices.extend(target.notices.iter().cloned());
    let Some(location) = target.location.clone()? else {
        return Ok(None);
    };
    let entry = match kind.client().entry(spec) {
        Ok(entry) => entry,
        // Asked for as "all": a client that cannot sign in by OAuth is left out, not fatal.
        Err(EntryError::NoOAuthSignIn { client, hint }) if request.every_client => {
            notices.push(Notice::note(format!("{client} skipped: {hint}")));
            return Ok(None);
        }
        Err(EntryError::NoTokenReference { client, hint, .. }) if request.every_client => {
            notices.push(Notice::note(format!("{client} skipped: {hint}")));
            return Ok(None);
        }
        Err(error @ (EntryError::NoToolFilter { .. } | EntryError::FilterNeedsListing { .. }))
            if request.every_client =>
        {
            notices.push(Notice::note(format!("skipped: {error}")));
            return Ok(None);
        }
        Err(error) => return Err(entry_error(error)),
    };
    notices.extend(entry.notice.iter().cloned().map(Notice::note));
    notices.extend(kind.client().caveat(request.scope).map(Notice::note));
    let privacy = if entry.holds_token {
        Privacy::OwnerOnly
    } else {
        Privacy::Ordinary
    };
    Ok(Some(ConfigEdit {
        owner: (kind, request.scope),
        privacy,
        upsert: EntryUpsert {
            format: kind.client().format(),
            entry_path: entry_path(&location.servers_key, request.name.as_str()),
            server: entry.server,
            companions: entry.companions,
            new_file: kind
                .client()
                .entry_files()
                .map(|files| (files.header)(request.name.as_str())),
            guard: Some(EntryGuard::new(kind, request.force).taking_filter(spec.tools.is_some())),
        },
        path: location.path,
    }))
}

/// What every client's entry for `request` is made from, checked as an install checks it
/// (`tray-mcp link` builds its entries from the same spec).
pub fn request_spec(
    environment: &Environment,
    request: &InstallRequest,
    binary: &Path,
) -> Result<EntrySpec, CommandError> {
    check_sign_in(request)?;
    check_token_variable(request)?;
    let mut spec = entry_spec(
        environment,
        &request.workspace,
        &request.name,
        request.transport,
        binary,
    );
    spec.token_variable = request.token_variable.clone();
    spec.tools = client_filter(request)?;
    Ok(spec)
}

/// For a bridge or http entry with `--tools` / `--exclude-tools`: the filter in the exact tool
/// names the clients' own filters take, its wildcards expanded against the Agent Gateway's
/// tools as the install's verification listed them (none listed: only exact names work).
fn client_filter(request: &InstallRequest) -> Result<Option<crate::tool_filter::ExactFilter>, CommandError> {
    let (Some(filter), Transport::Bridge | Transport::Http) = (&request.tools, request.transport) else {
        return Ok(None);
    };
    let listed: Vec<String> = request
        .gateway_tools
        .iter()
        .filter_map(|tool| tool.get("name")?.as_str().map(str::to_string))
        .collect();
    let listed = (!listed.is_empty()).then_some(listed.as_slice());
    crate::tool_filter::exact(filter, listed)
        .map(Some)
        .map_err(|error| CommandError::usage(error.to_string(), error.hint()))
}

/// What a client filter written into bridge or http entries says, in the exact names written.
fn filter_notice(spec: &EntrySpec, configs: &[ConfigEdit]) -> Option<Notice> {
    let filter = spec.tools.as_ref()?;
    let clients: Vec<&str> = configs
        .iter()
        .filter_map(|edit| {
            edit.owner
                .0
                .client()
                .tool_filter()
                .map(|_| edit.owner.0.client().display_name())
        })
        .collect();
    if clients.is_empty() {
        return None;
    }
    let clients = clients.join(", ");
    if filter.is_everything() {
        return Some(Notice::note(format!(
            "{clients}: the entry's own tool filter is cleared (every tool)"
        )));
    }
    let said = match (filter.served(), &filter.listed) {
        (Some(served), Some(listed)) => format!(
            "{} of the {} tools the Agent Gateway lists: {}",
            served.len(),
            listed.len(),
            served.join(", ")
        ),
        (Some(served), None) => format!("only {}", served.join(", ")),
        (None, _) => format!("every tool but {}", filter.exclude.join(", ")),
    };
    let later = if filter.include.is_some() {
        "; a tool the gateway adds later is not among them until you install again"
    } else {
        ""
    };
    Some(Notice::note(format!(
        "{clients}: the entry's own tool filter lets through {said} (exact names, as the client takes them){later}"
    )))
}

/// Whether the install writes the clients' own tool filter: a bridge or http entry with
/// `--tools` / `--exclude-tools`.
pub fn sets_client_filter(request: &InstallRequest) -> bool {
    matches!(request.transport, Transport::Bridge | Transport::Http) && request.tools.is_some()
}

/// Whether the install's filter needs the Agent Gateway's tool list before it can be planned:
/// a bridge or http entry whose `--tools` / `--exclude-tools` has a wildcard.
pub fn needs_tool_listing(request: &InstallRequest) -> bool {
    sets_client_filter(request)
        && request.tools.as_ref().is_some_and(|filter| {
            filter
                .tools
                .iter()
                .chain(&filter.exclude_tools)
                .any(|pattern| pattern.contains(['*', '?']))
        })
}

/// What an entry for `workspace` named `name` over `transport` is made from.
pub fn entry_spec(
    environment: &Environment,
    workspace: &WorkspaceChoice,
    name: &ServerName,
    transport: Transport,
    binary: &Path,
) -> EntrySpec {
    let (workspace_id, api_token, sandbox, region) = match workspace {
        WorkspaceChoice::Tray {
            workspace_id,
            api_token,
            region,
        } => (Some(workspace_id.clone()), Some(api_token.clone()), false, *region),
        WorkspaceChoice::SignIn {
            workspace_id, region, ..
        } => (Some(workspace_id.clone()), None, false, *region),
        WorkspaceChoice::Sandbox => (None, None, true, Region::default()),
        WorkspaceChoice::Headless { region } => (None, None, false, *region),
    };
    EntrySpec {
        name: name.clone(),
        transport,
        workspace_id,
        api_token,
        binary: binary.to_path_buf(),
        sandbox,
        os: environment.os,
        region,
        token_variable: None,
        tools: None,
    }
}

/// The error an install (or link) reports for an entry a client cannot have.
pub fn entry_error(error: EntryError) -> CommandError {
    match &error {
        EntryError::UnsupportedTransport { hint, .. } => CommandError::usage(error.to_string(), *hint),
        EntryError::SandboxNeedsStdio => CommandError::usage(
            error.to_string(),
            "drop --transport, or give --workspace-id and --api-token",
        ),
        EntryError::NoOAuthSignIn { hint, .. } | EntryError::NoTokenReference { hint, .. } => {
            CommandError::usage(error.to_string(), hint.clone())
        }
        EntryError::NoToolFilter { client, .. } => CommandError::usage(
            error.to_string(),
            format!(
                "install {client}'s entry as stdio (the default --transport), whose bundled server applies --tools, or drop --tools / --exclude-tools for it; `tray-mcp clients` and docs/tools.md say which clients have a filter of their own"
            ),
        ),
        EntryError::FilterNeedsListing { .. } => CommandError::usage(
            error.to_string(),
            "install while the Agent Gateway answers (without --no-verify), or use the other flag (--tools or --exclude-tools) that the client's filter can say as given",
        ),
    }
}

/// One entry to set in a client config, and the items the client keeps beside it (VS Code's
/// password input, added for http/bridge and taken out again for stdio).
#[derive(Debug, Clone)]
pub struct EntryUpsert {
    /// The config's format.
    pub format: Format,
    /// The keys leading to the entry.
    pub entry_path: Vec<String>,
    /// The entry's value.
    pub server: Value,
    /// The items kept in step beside it.
    pub companions: Vec<Companion>,
    /// For an entry in a file of its own ([`crate::clients::EntryFiles`]): the text the file
    /// starts from when it does not exist yet.
    pub new_file: Option<String>,
    /// Whose entry may be replaced, and which of its keys are ours (`None`: the value is set
    /// as it is, for a rename's move).
    pub guard: Option<EntryGuard>,
}

impl EntryUpsert {
    /// Sets the entry and its companions in `document`; what that did to the entry.
    pub fn apply_to(&self, document: &mut dyn ConfigDocument) -> Result<Change, FileProblem> {
        let path: Vec<&str> = self.entry_path.iter().map(String::as_str).collect();
        let server = match (&self.guard, path.last()) {
            (Some(guard), Some(name)) => guard.value_over(document.get(&path)?.as_ref(), &self.server, name)?,
            _ => self.server.clone(),
        };
        let mut change = document.set(&path, &server)?;
        for companion in &self.companions {
            if companion.apply(document)? && change == Change::Unchanged {
                change = Change::Updated;
            }
        }
        Ok(change)
    }
}

/// Sets entries in one client config (install: one; apply: every declared entry in the file).
pub struct UpsertEntries {
    /// The config's format.
    pub format: Format,
    /// The entries to set.
    pub upserts: Vec<EntryUpsert>,
}

impl UpsertEntries {
    /// Sets every entry in `document`: the file's change (`Added` only when every entry was).
    pub fn apply_to(&self, document: &mut dyn ConfigDocument) -> Result<Change, FileProblem> {
        let mut changes = Vec::new();
        for upsert in &self.upserts {
            changes.push(upsert.apply_to(document)?);
        }
        Ok(combined_change(&changes))
    }

    /// The keys of every entry it sets.
    pub fn entry_paths(&self) -> Vec<Vec<String>> {
        self.upserts.iter().map(|upsert| upsert.entry_path.clone()).collect()
    }

    /// The text the edit starts from: the file's, or for a missing file of its own entry, the
    /// header such a file starts with.
    pub fn starting_text<'a>(&'a self, current: Option<&'a str>) -> &'a str {
        current
            .or_else(|| self.upserts.iter().find_map(|upsert| upsert.new_file.as_deref()))
            .unwrap_or("")
    }
}

/// What several entry changes in one file amount to for the file.
pub fn combined_change(changes: &[Change]) -> Change {
    let changed: Vec<Change> = changes
        .iter()
        .copied()
        .filter(|change| *change != Change::Unchanged)
        .collect();
    match changed.first() {
        None => Change::Unchanged,
        Some(first) if changed.iter().all(|change| change == first) => *first,
        Some(_) => Change::Updated,
    }
}

impl FileEdit for UpsertEntries {
    fn apply(&self, current: Option<&str>) -> Result<Edited, FileProblem> {
        let mut document = crate::config::open(self.format, self.starting_text(current))?;
        let change = self.apply_to(document.as_mut())?;
        Ok(Edited {
            contents: Some(document.into_text()),
            change,
        })
    }

    fn secrets(&self, text: &str) -> Vec<String> {
        crate::commands::config_secrets(text, self.format, &self.entry_paths())
    }

    fn added_entries(&self) -> Vec<Vec<String>> {
        self.entry_paths()
    }
}
