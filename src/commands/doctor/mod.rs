//! `tray-mcp doctor [NAME] [--online]`: why does a client show no Tray tools?
//!
//! One line per check, ✓ or ✗, and a fix under every ✗. The checks follow the path a client
//! takes: read its config file, find the entry in the shape it expects, start the command, let
//! the command find its profile and token, reach Tray. `--online` adds the two network checks
//! (the token against Tray's API with per-tool readiness, and the Agent Gateway's `initialize`),
//! each under a time limit.
//!
//! Layout: this file holds the report and its rendering and runs the checks in order;
//! [`offline`] has the checks of the files on this machine, [`online`] the network ones, which
//! use the server's own clients (`TrayApi`, `GatewayClient`) so `doctor` sees what `serve` sees.

mod as_client;
mod offline;
mod online;
mod tools;

use std::path::Path;

use serde_json::{Value, json};

use crate::clients::ClientId;
use crate::context::Context;
use crate::inventory::{FoundEntry, take_inventory};
use crate::paths::Environment;
use crate::tray::ServerName;
use offline::{entry_checks, shadowing, trust_check};
use online::OnlineChecker;

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
    /// Nothing was checked: something to know about the client (a caveat of its scope).
    pub note: bool,
}

impl Check {
    fn pass(label: impl Into<String>) -> Self {
        Check {
            label: label.into(),
            ok: true,
            fix: None,
            note: false,
        }
    }

    fn fail(label: impl Into<String>, fix: impl Into<String>) -> Self {
        Check {
            label: label.into(),
            ok: false,
            fix: Some(fix.into()),
            note: false,
        }
    }

    /// Something to know, which neither passes nor fails the entry.
    fn note(label: impl Into<String>) -> Self {
        Check {
            label: label.into(),
            ok: true,
            fix: None,
            note: true,
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
    /// `doctor NAME` for a name no Tray entry has: the name, and the names Tray entries do
    /// have (so the report says the name is wrong rather than that there are no entries).
    pub unknown_name: Option<(String, Vec<String>)>,
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
        let (pass, fail, note) = if plain {
            ("[ok]", "[x]", "[note]")
        } else {
            ("✓", "✗", "i")
        };
        let mut text = String::new();
        for subject in &self.subjects {
            let client = subject.client.map_or("", |kind| kind.client().display_name());
            match &subject.name {
                Some(name) if subject.client.is_none() => text.push_str(&format!("{name}\n")),
                Some(name) => text.push_str(&format!(
                    "{name} · {client} ({}) · {}\n",
                    subject.scope, subject.shown_path
                )),
                None => text.push_str(&format!("{client} config · {}\n", subject.shown_path)),
            }
            for check in &subject.checks {
                let mark = match (check.note, check.ok) {
                    (true, _) => note,
                    (false, true) => pass,
                    (false, false) => fail,
                };
                text.push_str(&format!("  {mark} {}\n", check.label));
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
        if let Some((name, known)) = &self.unknown_name {
            let known = if known.is_empty() {
                "there are none".to_string()
            } else {
                format!("the Tray entries here: {}", known.join(", "))
            };
            text.push_str(&format!(
                "no Tray entry is named \"{name}\" ({known}); `tray-mcp list` shows every entry\n"
            ));
        } else if self.subjects.is_empty() {
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
            "unknown_name": self.unknown_name.as_ref().map(|(name, _)| name),
            "entries": self.subjects.iter().map(|subject| json!({
                "name": subject.name,
                "client": subject.client.map(ClientId::id),
                "scope": subject.scope,
                "path": subject.shown_path,
                "checks": subject.checks.iter().map(|check| json!({
                    "check": check.label,
                    "ok": check.ok,
                    "fix": check.fix,
                    "note": check.note,
                })).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        })
    }
}

/// Runs the checks. `progress` is told what is being checked online (for a spinner).
pub fn doctor(context: &Context, request: &DoctorRequest, progress: &dyn Fn(&str)) -> DoctorReport {
    let inventory = take_inventory(context, ClientId::all());
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
    if let (Some(name), true) = (&request.name, candidates.is_empty()) {
        let mut known: Vec<String> = inventory
            .entries
            .iter()
            .filter(|entry| looks_like_tray(entry))
            .map(|entry| entry.name.clone())
            .collect();
        known.sort();
        known.dedup();
        report.unknown_name = Some((name.to_string(), known));
    }
    let mut online = if request.online {
        progress("checking the entries online, side by side");
        let checks = online_checks(context, &candidates);
        progress("");
        checks
    } else {
        Vec::new()
    };
    online.reverse();
    for entry in &candidates {
        let mut checks = vec![Check::pass("the config file parses")];
        checks.extend(entry_checks(context, entry));
        checks.extend(shadowing(entry, &candidates));
        checks.extend(trust_check(context, entry));
        checks.extend(online.pop().unwrap_or_default());
        report.subjects.push(Subject {
            name: Some(entry.name.clone()),
            client: Some(entry.client),
            scope: match &entry.project {
                Some(project) => format!("local: {}", context.display_path(Path::new(project))),
                None => entry.scope.as_str().to_string(),
            },
            shown_path: entry.shown_path.clone(),
            checks,
        });
    }
    if request.name.is_none() {
        report.subjects.extend(plugin_subjects(context, &candidates));
    }
    report
}

/// Tray's plugin-provided Headless MCP servers, each with what tray-mcp's entries say about it
/// (a duplicate `--headless` entry, another region).
fn plugin_subjects(environment: &Environment, entries: &[&FoundEntry]) -> Vec<Subject> {
    crate::tray_plugin::find(environment)
        .into_iter()
        .map(|plugin| {
            let mut checks = vec![Check::note(format!(
                "provided by Tray's plugin, not by tray-mcp: {}",
                plugin.describe()
            ))];
            for clash in crate::tray_plugin::clashes(environment, &plugin, entries) {
                let (problem, fix) = clash.explain(&plugin);
                checks.push(Check::fail(problem, fix));
            }
            Subject {
                name: Some(plugin.server.server.clone()),
                client: Some(plugin.client),
                scope: "plugin".to_string(),
                shown_path: environment.display_path(&plugin.server.source),
                checks,
            }
        })
        .collect()
}

/// The network checks of every entry, in `entries`' order: Tray's API and the gateway per
/// distinct credentials, and each stdio entry started as its client starts it, per distinct
/// launch; every distinct check runs once, all of them side by side (each under the network
/// checks' own time limit).
fn online_checks(context: &Context, entries: &[&FoundEntry]) -> Vec<Vec<Check>> {
    let keys: Vec<String> = entries.iter().map(|entry| online::check_key(entry)).collect();
    let mut unique: Vec<(&String, &FoundEntry)> = Vec::new();
    for (key, entry) in keys.iter().zip(entries) {
        if !unique.iter().any(|(known, _)| *known == key) {
            unique.push((key, entry));
        }
    }
    let launches: Vec<Option<Result<as_client::Launch, Check>>> = entries
        .iter()
        .map(|entry| as_client::launch_of(context, entry))
        .collect();
    let mut distinct: Vec<as_client::Launch> = Vec::new();
    for launch in launches.iter().flatten().flatten() {
        if !distinct.contains(launch) {
            distinct.push(launch.clone());
        }
    }
    let (network, started) = std::thread::scope(|scope| {
        let started = scope.spawn(|| as_client::run_all(&distinct, online::ONLINE_TIMEOUT));
        let network: Vec<_> = unique
            .iter()
            .map(|(_, entry)| scope.spawn(move || OnlineChecker::new().check(context, entry, &|_| {})))
            .collect();
        let network: Vec<online::Online> = network
            .into_iter()
            .map(|handle| handle.join().unwrap_or_default())
            .collect();
        (network, started.join().unwrap_or_default())
    });
    let counted: Vec<Option<usize>> = launches
        .iter()
        .map(|launch| {
            let launch = launch.as_ref()?.as_ref().ok()?;
            let at = distinct.iter().position(|known| known == launch)?;
            Some(started.get(at)?.as_ref().ok()?.served())
        })
        .collect();
    let mut together = summed_caps(entries, &counted);
    entries
        .iter()
        .zip(&keys)
        .zip(&launches)
        .enumerate()
        .map(|(index, ((entry, key), launch))| {
            let at = unique.iter().position(|(known, _)| *known == key);
            let online = at.and_then(|at| network.get(at).cloned()).unwrap_or_default();
            let mut checks = online.checks;
            match launch {
                Some(Ok(launch)) => {
                    let at = distinct.iter().position(|known| known == launch);
                    if let Some(result) = at.and_then(|at| started.get(at)) {
                        checks.push(as_client::check(entry, result, online.whose.as_deref()));
                        checks.extend(as_client::cap_check(entry, result));
                    }
                }
                Some(Err(note)) => checks.push(note.clone()),
                None => {}
            }
            checks.extend(
                together
                    .iter_mut()
                    .find(|(at, _)| *at == index)
                    .and_then(|(_, check)| check.take()),
            );
            checks
        })
        .collect()
}

/// Per client whose Tray entries together list more tools than it shows: a failed check for
/// the last of them (each name counted once, as the client uses one entry of a name), at its
/// index in `entries`. `counted` is what each entry listed when started as its client starts
/// it (`None`: not started, not counted).
fn summed_caps(entries: &[&FoundEntry], counted: &[Option<usize>]) -> Vec<(usize, Option<Check>)> {
    let mut found = Vec::new();
    for client in ClientId::all() {
        let mut names: Vec<String> = Vec::new();
        let mut total = 0;
        let mut last = None;
        for (index, (entry, count)) in entries.iter().zip(counted).enumerate() {
            if entry.client != *client || names.contains(&entry.name) {
                continue;
            }
            if let Some(count) = count {
                names.push(entry.name.clone());
                total += count;
                last = Some(index);
            }
        }
        if let (Some(at), Some((problem, fix))) = (
            last,
            crate::commands::tool_caps::over_cap_together(*client, &names, total),
        ) {
            found.push((at, Some(Check::fail(problem, fix))));
        }
    }
    found
}

/// Recognised Tray entries, and broken ones that still point at Tray.
fn looks_like_tray(entry: &FoundEntry) -> bool {
    entry.tray.is_some() || {
        let text = entry.value.to_string();
        text.contains(".mcp.tray.ai") || text.contains("tray-mcp")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subject(checks: Vec<Check>) -> Subject {
        Subject {
            name: Some("tray-production".to_string()),
            client: ClientId::all().first().copied(),
            scope: "user".to_string(),
            shown_path: "~/.config/Claude/claude_desktop_config.json".to_string(),
            checks,
        }
    }

    #[test]
    fn a_report_passes_only_when_there_are_checks_and_all_pass() {
        assert!(!DoctorReport::default().all_ok());
        let healthy = DoctorReport {
            subjects: vec![subject(vec![Check::pass("the config file parses")])],
            ..DoctorReport::default()
        };
        assert!(healthy.all_ok());
        assert!(healthy.to_human(true).ends_with("everything checks out\n"));
        let broken = DoctorReport {
            subjects: vec![subject(vec![
                Check::pass("the config file parses"),
                Check::fail("the command does not exist", "reinstall it"),
            ])],
            ..DoctorReport::default()
        };
        assert!(!broken.all_ok());
        let text = broken.to_human(false);
        assert!(
            text.contains("  ✗ the command does not exist\n      fix: reinstall it\n"),
            "{text}"
        );
        assert!(text.ends_with("1 problem(s) found\n"), "{text}");
        assert!(broken.to_human(true).contains("[x] the command does not exist"));
    }

    #[test]
    fn the_json_report_lists_every_check_with_its_fix() {
        let report = DoctorReport {
            subjects: vec![subject(vec![Check::fail("no token", "tray-mcp token set NAME")])],
            ..DoctorReport::default()
        };
        let json = report.to_json();
        assert_eq!(json["ok"], json!(false));
        assert_eq!(json["entries"][0]["checks"][0]["fix"], json!("tray-mcp token set NAME"));
        assert_eq!(json["entries"][0]["name"], json!("tray-production"));
    }

    #[test]
    fn no_entries_says_how_to_add_one() {
        assert!(DoctorReport::default().to_human(true).contains("no Tray entries found"));
    }
}
