//! The default server name: `tray-workspace`, or the next free `tray-<something>`.
//!
//! Why: a second workspace installed under the default name would silently replace the first
//! one's entry (and, for stdio entries, its profile). So the wizard proposes a name that is
//! either unused or already points to the chosen workspace (re-running the wizard then updates
//! in place). A name is taken when, in a chosen client's config, an entry of that name reaches
//! another workspace or is not Tray's, or when tray-mcp's profile of that name does.

use crate::clients::{ClientId, EntryWorkspace, Scope};
use crate::commands::install::WorkspaceChoice;
use crate::inventory::{FoundEntry, Inventory};
use crate::paths::Environment;
use crate::profiles::{self, Profile};
use crate::tray::{Region, ServerName, WorkspaceId};

/// What a server name reaches.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    /// A real workspace.
    Workspace(WorkspaceId),
    /// The embedded sandbox.
    Sandbox,
    /// Tray's hosted Headless MCP.
    Headless,
    /// Something else: another server, or a Tray entry whose workspace cannot be read.
    Other,
}

impl Target {
    fn of_choice(choice: &WorkspaceChoice) -> Self {
        match choice {
            WorkspaceChoice::Tray { workspace_id, .. } | WorkspaceChoice::SignIn { workspace_id, .. } => {
                Target::Workspace(workspace_id.clone())
            }
            WorkspaceChoice::Sandbox => Target::Sandbox,
            WorkspaceChoice::Headless { .. } => Target::Headless,
        }
    }

    fn of_profile(profile: &Profile) -> Self {
        match (&profile.workspace_id, profile.sandbox) {
            (_, true) => Target::Sandbox,
            (Some(id), false) => Target::Workspace(id.clone()),
            (None, false) => Target::Other,
        }
    }
}

/// Proposes the entry name for `choice` in `clients` (at `scope`).
pub fn suggest(
    environment: &Environment,
    inventory: &Inventory,
    clients: &[ClientId],
    scope: Scope,
    choice: &WorkspaceChoice,
) -> ServerName {
    let wanted = Target::of_choice(choice);
    candidates(choice)
        .filter_map(|candidate| ServerName::parse(&candidate).ok())
        .find(|name| is_free(environment, inventory, clients, scope, name, &wanted))
        .unwrap_or_else(|| ServerName::parse(ServerName::DEFAULT).expect("the default name is valid"))
}

/// `tray-workspace`, `tray-<first block of the workspace ID>` (or `tray-sandbox`), then
/// `tray-workspace-2`, `-3`, ...; for the Headless MCP `tray-headless`, `tray-headless-<region>`,
/// `tray-headless-2`, ...
fn candidates(choice: &WorkspaceChoice) -> impl Iterator<Item = String> {
    let specific = match choice {
        WorkspaceChoice::Tray { workspace_id, .. } | WorkspaceChoice::SignIn { workspace_id, .. } => {
            let block = workspace_id.as_str().split('-').next().unwrap_or_default();
            format!("tray-{block}")
        }
        WorkspaceChoice::Sandbox => "tray-sandbox".to_string(),
        WorkspaceChoice::Headless { region } => format!("{}-{region}", ServerName::HEADLESS),
    };
    let first = match choice {
        WorkspaceChoice::Headless { .. } => ServerName::HEADLESS,
        _ => ServerName::DEFAULT,
    };
    [first.to_string(), specific]
        .into_iter()
        .chain((2..100).map(move |number| format!("{first}-{number}")))
}

/// True when nothing under `name` reaches anything but `wanted`.
fn is_free(
    environment: &Environment,
    inventory: &Inventory,
    clients: &[ClientId],
    scope: Scope,
    name: &ServerName,
    wanted: &Target,
) -> bool {
    let profile_ok = match profiles::load(environment, name) {
        Ok(profile) => Target::of_profile(&profile) == *wanted,
        Err(profiles::ProfileError::NotFound { .. }) => true,
        Err(_) => false,
    };
    profile_ok
        && existing_entries(environment, inventory, clients, scope, name)
            .all(|entry| entry_target(environment, entry) == *wanted)
}

/// The entries of that name in the places the install would write.
pub fn existing_entries<'a>(
    environment: &'a Environment,
    inventory: &'a Inventory,
    clients: &'a [ClientId],
    scope: Scope,
    name: &'a ServerName,
) -> impl Iterator<Item = &'a FoundEntry> {
    inventory.entries.iter().filter(move |entry| {
        entry.name == name.as_str()
            && clients.contains(&entry.client)
            && entry
                .client
                .client()
                .entry_location(environment, scope, name.as_str())
                .is_some_and(|location| location.path == entry.path && location.servers_key == entry.servers_key)
    })
}

fn entry_target(environment: &Environment, entry: &FoundEntry) -> Target {
    let Some(tray) = &entry.tray else {
        return Target::Other;
    };
    match &tray.workspace {
        EntryWorkspace::Workspace(id) => Target::Workspace(id.clone()),
        EntryWorkspace::Sandbox => Target::Sandbox,
        EntryWorkspace::Headless(_) => Target::Headless,
        EntryWorkspace::FromProfile => tray
            .profile
            .as_ref()
            .and_then(|profile| profiles::load(environment, profile).ok())
            .map_or(Target::Other, |profile| Target::of_profile(&profile)),
    }
}

/// What overwriting `entry` with `choice` changes, for the overwrite question: `workspace A
/// (us1) → workspace B (eu1)`, or `same workspace and region`. A region the entry does not say
/// (an Agent Gateway URL is the same in every region) is not compared.
pub fn what_changes(environment: &Environment, entry: &FoundEntry, choice: &WorkspaceChoice) -> String {
    let (before, before_region) = entry_side(environment, entry);
    let (after, after_region) = match choice {
        WorkspaceChoice::Tray {
            workspace_id, region, ..
        }
        | WorkspaceChoice::SignIn {
            workspace_id, region, ..
        } => (format!("workspace {workspace_id}"), Some(*region)),
        WorkspaceChoice::Sandbox => ("the sandbox".to_string(), None),
        WorkspaceChoice::Headless { region } => ("the Headless MCP".to_string(), Some(*region)),
    };
    let same_region = before_region.is_none() || before_region == after_region;
    if before == after && same_region {
        return "same workspace and region".to_string();
    }
    let shown = |what: &str, region: Option<Region>| match region {
        Some(region) => format!("{what} ({region})"),
        None => what.to_string(),
    };
    format!("{} → {}", shown(&before, before_region), shown(&after, after_region))
}

/// What an existing entry reaches, and its region when it says.
fn entry_side(environment: &Environment, entry: &FoundEntry) -> (String, Option<Region>) {
    let Some(tray) = &entry.tray else {
        return ("another server".to_string(), None);
    };
    match &tray.workspace {
        EntryWorkspace::Workspace(id) => (format!("workspace {id}"), None),
        EntryWorkspace::Sandbox => ("the sandbox".to_string(), None),
        EntryWorkspace::Headless(region) => ("the Headless MCP".to_string(), Some(*region)),
        EntryWorkspace::FromProfile => {
            match tray
                .profile
                .as_ref()
                .and_then(|name| profiles::load(environment, name).ok())
            {
                Some(profile) if profile.sandbox => ("the sandbox".to_string(), None),
                Some(Profile {
                    workspace_id: Some(id),
                    region,
                    ..
                }) => (format!("workspace {id}"), Some(region)),
                _ => ("a profile without a workspace".to_string(), None),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::take_inventory;
    use crate::paths::Os;
    use crate::tray::ApiToken;

    const ONE: &str = "3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718";
    const TWO: &str = "9d8c7b6a-5e4f-4a3b-9c2d-1e0f9a8b7c6d";

    fn environment(home: &std::path::Path) -> Environment {
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

    fn tray(id: &str) -> WorkspaceChoice {
        WorkspaceChoice::Tray {
            workspace_id: WorkspaceId::parse(id).expect("id"),
            api_token: ApiToken::parse("abc123").expect("token"),
            region: Region::Us1,
        }
    }

    fn write_cursor(home: &std::path::Path, servers: &str) {
        std::fs::create_dir_all(home.join(".cursor")).expect("mkdir");
        std::fs::write(home.join(".cursor/mcp.json"), format!("{{\"mcpServers\": {servers}}}")).expect("write");
    }

    fn suggestion(home: &std::path::Path, choice: &WorkspaceChoice) -> String {
        let environment = environment(home);
        let clients = [ClientId::parse("cursor").unwrap()];
        let inventory = take_inventory(&environment, &clients);
        suggest(&environment, &inventory, &clients, Scope::User, choice).to_string()
    }

    fn change(home: &std::path::Path, choice: &WorkspaceChoice) -> String {
        let environment = environment(home);
        let clients = [ClientId::parse("cursor").unwrap()];
        let inventory = take_inventory(&environment, &clients);
        let entry = inventory.entries.first().expect("an entry");
        what_changes(&environment, entry, choice)
    }

    #[test]
    fn the_overwrite_question_says_what_changes() {
        let home = tempfile::tempdir().expect("tempdir");
        write_cursor(
            home.path(),
            &format!("{{\"tray-workspace\": {{\"url\": \"https://{TWO}.mcp.tray.ai\"}}}}"),
        );
        assert_eq!(
            change(home.path(), &tray(ONE)),
            format!("workspace {TWO} → workspace {ONE} (us1)")
        );
        assert_eq!(change(home.path(), &tray(TWO)), "same workspace and region");
        write_cursor(
            home.path(),
            "{\"tray-workspace\": {\"command\": \"/bin/tray-mcp\", \"args\": [\"serve\", \"--sandbox\"]}}",
        );
        assert_eq!(
            change(home.path(), &tray(ONE)),
            format!("the sandbox → workspace {ONE} (us1)")
        );
        assert_eq!(
            change(home.path(), &WorkspaceChoice::Sandbox),
            "same workspace and region"
        );
    }

    #[test]
    fn default_when_free_or_same_workspace() {
        let home = tempfile::tempdir().expect("tempdir");
        assert_eq!(suggestion(home.path(), &tray(ONE)), "tray-workspace");
        write_cursor(
            home.path(),
            &format!("{{\"tray-workspace\": {{\"url\": \"https://{ONE}.mcp.tray.ai\"}}}}"),
        );
        assert_eq!(suggestion(home.path(), &tray(ONE)), "tray-workspace");
    }

    #[test]
    fn next_free_name_when_the_default_reaches_another_workspace() {
        let home = tempfile::tempdir().expect("tempdir");
        write_cursor(
            home.path(),
            &format!(
                "{{\"tray-workspace\": {{\"url\": \"https://{TWO}.mcp.tray.ai\"}}, \"tray-3f2a9c1e\": {{\"command\": \"other\"}}}}"
            ),
        );
        assert_eq!(suggestion(home.path(), &tray(ONE)), "tray-workspace-2");
        assert_eq!(suggestion(home.path(), &WorkspaceChoice::Sandbox), "tray-sandbox");
    }
}
