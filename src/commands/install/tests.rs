//! Unit tests of the pure install plan ([`plan::plan`]): each builds an [`InstallSnapshot`] in
//! memory (files as text, the existing profile as a value, the names the inventory found) for a
//! home that does not exist, so nothing here reads a file.

use super::snapshot::{InstallSnapshot, ProfileState, Target};
use super::*;

use crate::config::file_reads::{FileRead, FileReads};
use crate::inventory::NamedEntry;
use crate::paths::Os;
use crate::paths::tests::environment_for;

const WORKSPACE: &str = "3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718";
const TOKEN: &str = "unit-token-0123456789";

/// A context on a fake Linux home whose token store is the profile file.
fn context_for(os: Os) -> Context {
    Context::with_store(environment_for(os), TokenStore::file_only("unit test"))
}

fn cursor() -> ClientId {
    ClientId::parse("cursor").expect("cursor")
}

fn name() -> ServerName {
    ServerName::parse("tray-workspace").expect("name")
}

fn workspace_id() -> WorkspaceId {
    WorkspaceId::parse(WORKSPACE).expect("workspace")
}

/// `tray-mcp -w WORKSPACE -c cursor` with an API token, stdio.
fn request() -> InstallRequest {
    InstallRequest::stdio(
        vec![cursor()],
        WorkspaceChoice::Tray {
            workspace_id: workspace_id(),
            api_token: ApiToken::parse(TOKEN).expect("token"),
            region: Region::default(),
        },
        name(),
    )
}

fn cursor_path(environment: &Environment) -> PathBuf {
    cursor()
        .client()
        .entry_location(environment, Scope::User, "tray-workspace")
        .expect("cursor has a user scope")
        .path
}

/// A snapshot of a home where Cursor's file holds `cursor` and the profile is `existing`.
fn snapshot<'a>(
    environment: &'a Context,
    request: &InstallRequest,
    cursor_text: Option<&str>,
    existing: Option<Profile>,
) -> InstallSnapshot<'a> {
    let mut reads = FileReads::default();
    let path = cursor_path(environment);
    reads.insert(path.clone(), FileRead::in_memory(&path, cursor_text));
    let profile_path = profiles::profile_path(environment, &request.name);
    let profile_text = existing.as_ref().map(profiles::render);
    reads.insert(
        profile_path.clone(),
        FileRead::in_memory(&profile_path, profile_text.as_deref()),
    );
    let location = cursor()
        .client()
        .entry_location(environment, Scope::User, request.name.as_str());
    InstallSnapshot {
        environment,
        profile: ProfileState {
            existing,
            ..ProfileState::default()
        },
        targets: vec![Target {
            kind: cursor(),
            location: Ok(location),
            notices: Vec::new(),
            scope_files: Vec::new(),
        }],
        npx_on_path: true,
        plugins: Vec::new(),
        token_store: Arc::new(TokenStore::file_only("unit test")),
        written: Default::default(),
        profile_names: Vec::new(),
        names: Vec::new(),
        reads,
    }
}

fn existing_profile() -> Profile {
    let mut profile = Profile {
        workspace_id: Some(workspace_id()),
        region: Region::default(),
        api_token: None,
        token_store: TokenLocation::Profile,
        sandbox: false,
        gateway: DEFAULT_GATEWAY,
        auth: AuthMethod::Token,
        sign_in_store: SignInLocation::default(),
        headless: None,
        filter: ToolFilter::default(),
        approvals: Vec::new(),
    };
    profile.set_token(
        &ApiToken::parse("old-token-0123456789").expect("token"),
        TokenLocation::Profile,
    );
    profile
}

/// The profile the plan writes.
fn planned_profile(plan: &InstallPlan) -> Profile {
    let file = plan
        .files
        .iter()
        .find(|planned| planned.file.task.role == "tray-mcp profile")
        .expect("a profile is planned");
    profiles::parse(file.file.after.as_deref().expect("written")).expect("parses")
}

fn notes(plan: &InstallPlan) -> Vec<String> {
    plan.notices.iter().map(|notice| notice.to_string()).collect()
}

#[test]
fn plans_the_entry_and_the_profile_from_the_snapshot() {
    let environment = context_for(Os::Linux);
    let request = request();
    let read = snapshot(&environment, &request, Some("{\"mcpServers\":{}}"), None);
    let plan = plan::plan(&request, Path::new("/bin/tray-mcp"), read).expect("planned");
    let cursor = plan
        .files
        .iter()
        .find(|planned| planned.file.task.path == cursor_path(&environment))
        .expect("cursor planned");
    assert_eq!(cursor.file.change, Change::Added);
    let after = cursor.file.after.as_deref().expect("text");
    assert!(
        after.contains("\"tray-workspace\"") && after.contains("/bin/tray-mcp"),
        "{after}"
    );
    assert!(!after.contains(TOKEN), "a stdio entry holds no token: {after}");
    let profile = planned_profile(&plan);
    assert_eq!(profile.gateway, DEFAULT_GATEWAY);
    assert!(plan.sign_in.is_none());
}

#[test]
fn refuses_a_users_own_entry_of_the_same_name() {
    let environment = context_for(Os::Linux);
    let request = request();
    let mine = "{\"mcpServers\":{\"tray-workspace\":{\"command\":\"my-own-server\"}}}";
    let error = plan::plan(
        &request,
        Path::new("/bin/tray-mcp"),
        snapshot(&environment, &request, Some(mine), None),
    )
    .err()
    .expect("refused");
    assert!(
        error.message.contains("Cursor config") && error.message.contains("that tray-mcp did not write"),
        "{}",
        error.message
    );
    assert!(
        error
            .hint
            .as_deref()
            .is_some_and(|hint| hint.contains("no file was changed"))
    );
    // With --force the same snapshot plans.
    let forced = InstallRequest { force: true, ..request };
    plan::plan(
        &forced,
        Path::new("/bin/tray-mcp"),
        snapshot(&environment, &forced, Some(mine), None),
    )
    .expect("forced");
}

#[test]
fn refuses_a_name_that_differs_only_in_case() {
    let environment = context_for(Os::Linux);
    let request = request();
    let mut read = snapshot(&environment, &request, None, None);
    let claude = PathBuf::from("/home/ada/.config/Claude/claude_desktop_config.json");
    read.names.push(NamedEntry {
        name: "Tray-Workspace".to_string(),
        client: ClientId::parse("claude").expect("claude"),
        shown_path: environment.display_path(&claude),
        path: claude,
    });
    let error = plan::plan(&request, Path::new("/bin/tray-mcp"), read)
        .err()
        .expect("refused");
    assert!(error.message.contains("Tray-Workspace"), "{}", error.message);
    assert!(
        error.message.contains("claude_desktop_config.json"),
        "{}",
        error.message
    );
}

#[test]
fn a_profile_name_differing_only_in_case_is_refused_too() {
    let environment = context_for(Os::Linux);
    let request = request();
    let mut read = snapshot(&environment, &request, None, None);
    read.profile_names
        .push(ServerName::parse("TRAY-workspace").expect("name"));
    let error = plan::plan(&request, Path::new("/bin/tray-mcp"), read)
        .err()
        .expect("refused");
    assert!(error.message.contains("TRAY-workspace"), "{}", error.message);
}

#[test]
fn keeps_the_existing_profiles_gateway_and_tool_filter() {
    let environment = context_for(Os::Linux);
    let request = request();
    let filter = ToolFilter::new(vec!["list_*".to_string()], Vec::new());
    let existing = Profile {
        gateway: !DEFAULT_GATEWAY,
        filter: filter.clone(),
        ..existing_profile()
    };
    let kept = snapshot(&environment, &request, None, Some(existing));
    let plan = plan::plan(&request, Path::new("/bin/tray-mcp"), kept).expect("planned");
    let profile = planned_profile(&plan);
    assert_eq!(profile.gateway, !DEFAULT_GATEWAY);
    assert_eq!(profile.filter, filter);
    assert!(
        notes(&plan)
            .iter()
            .any(|note| note.contains("keeps the Agent Gateway off")),
        "{:?}",
        notes(&plan)
    );
    // Asked for, the request wins, and nothing is said about keeping.
    let asked = InstallRequest {
        gateway: Some(DEFAULT_GATEWAY),
        tools: Some(ToolFilter::default()),
        ..request
    };
    let existing = Profile {
        gateway: !DEFAULT_GATEWAY,
        filter,
        ..existing_profile()
    };
    let plan = plan::plan(
        &asked,
        Path::new("/bin/tray-mcp"),
        snapshot(&environment, &asked, None, Some(existing)),
    )
    .expect("planned");
    let profile = planned_profile(&plan);
    assert_eq!(profile.gateway, DEFAULT_GATEWAY);
    assert!(profile.filter.is_empty());
    assert!(!notes(&plan).iter().any(|note| note.contains("keeps the Agent Gateway")));
}

#[test]
fn another_workspaces_profile_keeps_nothing() {
    let environment = context_for(Os::Linux);
    let request = request();
    let existing = Profile {
        workspace_id: Some(WorkspaceId::parse("00000000-0000-4000-8000-000000000000").expect("workspace")),
        gateway: !DEFAULT_GATEWAY,
        filter: ToolFilter::new(vec!["list_*".to_string()], Vec::new()),
        ..existing_profile()
    };
    let plan = plan::plan(
        &request,
        Path::new("/bin/tray-mcp"),
        snapshot(&environment, &request, None, Some(existing)),
    )
    .expect("planned");
    let profile = planned_profile(&plan);
    assert_eq!(profile.gateway, DEFAULT_GATEWAY);
    assert!(profile.filter.is_empty());
}

#[test]
fn a_token_install_over_a_signed_in_profile_says_the_sign_in_is_kept() {
    let environment = context_for(Os::Linux);
    let request = request();
    let signed_in = Profile {
        auth: AuthMethod::OAuth,
        api_token: None,
        ..existing_profile()
    };
    let mut kept = snapshot(&environment, &request, None, Some(signed_in.clone()));
    kept.profile.sign_in_saved = true;
    let plan = plan::plan(&request, Path::new("/bin/tray-mcp"), kept).expect("planned");
    let kept_notes = notes(&plan);
    assert!(
        kept_notes
            .iter()
            .any(|note| note.contains("its Tray sign-in is kept, unused")),
        "{kept_notes:?}"
    );
    // No sign-in saved: nothing to say.
    let plan = plan::plan(
        &request,
        Path::new("/bin/tray-mcp"),
        snapshot(&environment, &request, None, Some(signed_in)),
    )
    .expect("planned");
    assert!(!notes(&plan).iter().any(|note| note.contains("sign-in is kept")));
}

#[test]
fn a_sign_in_install_signs_in_first_unless_the_profile_holds_a_valid_sign_in() {
    let environment = context_for(Os::Linux);
    let request = InstallRequest {
        workspace: WorkspaceChoice::SignIn {
            workspace_id: workspace_id(),
            region: Region::default(),
            sign_in: SignInOptions::default(),
        },
        ..request()
    };
    let plan = plan::plan(
        &request,
        Path::new("/bin/tray-mcp"),
        snapshot(&environment, &request, None, None),
    )
    .expect("planned");
    assert!(plan.sign_in.is_some_and(|step| !step.was_oauth));
    assert_eq!(planned_profile(&plan).auth, AuthMethod::OAuth);
    let signed_in = Profile {
        auth: AuthMethod::OAuth,
        api_token: None,
        ..existing_profile()
    };
    let mut valid = snapshot(&environment, &request, None, Some(signed_in));
    valid.profile.holds_valid_sign_in = true;
    let plan = plan::plan(&request, Path::new("/bin/tray-mcp"), valid).expect("planned");
    assert!(plan.sign_in.is_none());
    assert!(
        notes(&plan)
            .iter()
            .any(|note| note.contains("already signed in to this workspace")),
        "{:?}",
        notes(&plan)
    );
}
