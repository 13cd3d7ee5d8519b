//! What doctor says about an entry's tools: the profile's tool filter (`install --tools`) and
//! the approvals `install --approve read-only` wrote for this entry's client, checked against
//! the client's file (a rule the user took out is said, with how to write it again).

use super::Check;
use crate::inventory::FoundEntry;
use crate::paths::Environment;
use crate::profiles::Profile;
use crate::tray::ServerName;

/// The filter and approval checks of a stdio entry whose profile loaded.
pub(super) fn tool_checks(
    environment: &Environment,
    entry: &FoundEntry,
    name: &ServerName,
    profile: &Profile,
) -> Vec<Check> {
    let mut checks = Vec::new();
    if !profile.filter.is_empty() {
        checks.push(Check::note(format!(
            "{name} serves only the tools its filter lets through ({}); --tools '*' serves every tool",
            profile.filter.describe()
        )));
    }
    for written in profile
        .approvals
        .iter()
        .filter(|written| written.client == entry.client.id())
    {
        let shown = environment.display_path(&written.file);
        let present = crate::approvals::rules_in(
            &written.file,
            &written.list,
            crate::clients::ClientId::parse(&written.client).and_then(|kind| kind.client().entry_approval_field()),
        );
        let missing: Vec<&String> = written.rules.iter().filter(|rule| !present.contains(rule)).collect();
        checks.push(if missing.is_empty() {
            Check::pass(format!(
                "{} read-only tools of {name} are approved ahead in {shown}: {}",
                written.rules.len(),
                written.rules.join(", ")
            ))
        } else {
            Check::fail(
                format!(
                    "{} of the approval rules tray-mcp wrote for {name} are no longer in {shown}: {}",
                    missing.len(),
                    missing.iter().map(|rule| rule.as_str()).collect::<Vec<_>>().join(", ")
                ),
                format!("install {name} again with --approve read-only to write them again (or leave them out: the client then asks before each call)"),
            )
        });
    }
    checks
}
