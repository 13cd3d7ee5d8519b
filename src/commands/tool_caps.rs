//! A client's documented tool cap ([`crate::clients::Client::tool_cap`]) against every Tray entry
//! of that client together: the client shows an agent the tools of all its servers at once, so
//! three entries of 20 tools each are over Cursor's 40 although none of them is.
//!
//! Why two counts: the install knows the Agent Gateway's tools of the workspace it installs (its
//! verification listed them), so it counts each Tray entry of the same workspace with that list
//! and its own filter (the profile's for stdio entries, the client's own filter keys for bridge
//! and http ones) and says how many entries it could not count (other workspaces, the Headless
//! MCP). `doctor --online` starts every stdio and bridge entry as its client does and adds up
//! what they list.

use serde_json::Value;

use crate::approvals::served_tools;
use crate::clients::{ClientId, EntryWorkspace, Transport};
use crate::inventory::FoundEntry;
use crate::notice::Notice;
use crate::paths::Environment;
use crate::tool_filter::ToolFilter;
use crate::tray::WorkspaceId;

/// The warning when the Tray entries of `client` serve `total` tools together (`names`, the
/// entries counted), more than it shows; `None` under its cap or when it has none.
pub fn over_cap_together(client: ClientId, names: &[String], total: usize) -> Option<(String, String)> {
    let cap = client.client().tool_cap()?;
    (names.len() > 1 && total > cap).then(|| {
        (
            format!(
                "the {} Tray entries of {} ({}) together serve {total} tools and {} shows at most {cap} (it drops the rest without a word)",
                names.len(),
                client.client().display_name(),
                names.join(", "),
                client.client().display_name(),
            ),
            "serve fewer: give one or more of them a --tools / --exclude-tools filter (install it again with the filter), or remove the entries you do not use; see docs/tools.md".to_string(),
        )
    })
}

/// How many tools `entry` gives its client, counted with `gateway_tools` (the Agent Gateway's
/// list of `workspace`): `None` for an entry of another workspace, or one not counted so.
pub fn served_by(
    environment: &Environment,
    entry: &FoundEntry,
    workspace: &WorkspaceId,
    gateway_tools: &[Value],
) -> Option<usize> {
    let tray = entry.tray.as_ref()?;
    match (&tray.workspace, tray.transport) {
        (EntryWorkspace::Workspace(id), Transport::Bridge | Transport::Http) if id == workspace => {
            let names: Vec<String> = gateway_tools
                .iter()
                .filter_map(|tool| Some(tool.get("name")?.as_str()?.to_string()))
                .collect();
            Some(match entry.client.client().tool_filter() {
                Some(keys) => keys.passes(&entry.value, &names).len(),
                None => names.len(),
            })
        }
        (EntryWorkspace::FromProfile, Transport::Stdio) => {
            let profile = crate::profiles::load(environment, tray.profile.as_ref()?).ok()?;
            if profile.workspace_id.as_ref() != Some(workspace) {
                return None;
            }
            let gateway: &[Value] = if profile.gateway { gateway_tools } else { &[] };
            Some(served_tools(gateway, &profile.filter).len())
        }
        _ => None,
    }
}

/// The install's warning for `client` when its Tray entries, the one being installed (`name`,
/// serving `served`) and the others found, together serve more than it shows.
pub fn install_warning(
    environment: &Environment,
    client: ClientId,
    (name, served): (&str, usize),
    workspace: &WorkspaceId,
    gateway_tools: &[Value],
) -> Option<Notice> {
    client.client().tool_cap()?;
    let inventory = crate::inventory::take_inventory(environment, &[client]);
    let mut names = vec![name.to_string()];
    let mut total = served;
    let mut uncounted = Vec::new();
    for entry in inventory.entries.iter().filter(|entry| entry.tray.is_some()) {
        if names.contains(&entry.name) || uncounted.contains(&entry.name) {
            continue;
        }
        match served_by(environment, entry, workspace, gateway_tools) {
            Some(count) => {
                names.push(entry.name.clone());
                total += count;
            }
            None => uncounted.push(entry.name.clone()),
        }
    }
    let (problem, fix) = over_cap_together(client, &names, total)?;
    let more = if uncounted.is_empty() {
        String::new()
    } else {
        format!(
            " ({} not counted: {}; `tray-mcp doctor --online` counts every entry)",
            uncounted.join(", "),
            "another workspace or the Headless MCP"
        )
    };
    Some(Notice::warning(format!("{problem}{more}; {fix}")))
}

/// The tool filter an install gives a stdio entry: the request's, else the profile's.
pub fn stdio_filter(
    environment: &Environment,
    name: &crate::tray::ServerName,
    asked: Option<&ToolFilter>,
) -> ToolFilter {
    asked.cloned().unwrap_or_else(|| {
        crate::profiles::load(environment, name)
            .map(|profile| profile.filter)
            .unwrap_or_default()
    })
}
