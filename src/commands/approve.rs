//! Planning the client approvals of `install --approve read-only` and taking them away again
//! (`remove`): one edit of each client's approval list, and the record kept in the profile.
//!
//! Why apart from `install`: the rules live in files that are not the client's MCP config (Claude
//! Code's settings), and only the rules tray-mcp added are ever taken out, so which ones those
//! are is decided here, from the file as it is and the profile's record ([`WrittenRules`]).

use std::path::PathBuf;

use crate::approvals::{self, Approve, RuleEdit};
use crate::clients::{ClientId, Scope};
use crate::config::safe_write::Privacy;
use crate::config::transaction::FileTask;
use crate::paths::Environment;
use crate::profiles::WrittenRules;
use crate::tool_filter::ToolFilter;
use crate::tray::ServerName;

use super::install::ConfigEdit;
use super::own_entry::ApprovalTable;
use super::{FileOwner, LabeledTask, config_folder};
use crate::notice::Notice;

/// One edit of one approval list (see [`into_tasks`]).
pub struct RuleFileEdit {
    /// The client and the scope of the entry.
    pub owner: (ClientId, Scope),
    /// The client's file.
    pub path: PathBuf,
    /// The rules added and taken out.
    pub edit: RuleEdit,
}

/// What the approvals of one install change.
#[derive(Default)]
pub struct ApprovalPlan {
    /// One edit per approval list (see [`into_tasks`]).
    pub edits: Vec<RuleFileEdit>,
    /// What the profile records afterwards.
    pub written: Vec<WrittenRules>,
    /// What the report says.
    pub notices: Vec<Notice>,
}

/// The approvals for an install of `name` into `clients` (each with its scope): with
/// `approve`, the read-only tools among the built-in ones and `gateway_tools` that `filter`
/// lets through; without, the profile's record (`previous`) is kept as it is.
pub fn plan(
    environment: &Environment,
    name: &ServerName,
    configs: &mut [ConfigEdit],
    approve: Option<Approve>,
    (gateway_tools, filter): (&[serde_json::Value], &ToolFilter),
    previous: &[WrittenRules],
) -> ApprovalPlan {
    let Some(Approve::ReadOnly) = approve else {
        return ApprovalPlan {
            written: previous.to_vec(),
            ..ApprovalPlan::default()
        };
    };
    let tools = approvals::read_only_tools(gateway_tools, filter);
    let mut plan = ApprovalPlan::default();
    for config in configs.iter_mut() {
        let (kind, scope) = config.owner;
        let client = kind.client();
        if let Some(key) = client.entry_approval_key() {
            plan.written.push(in_entry(config, key, &tools, previous));
            plan.notices
                .push(approved_note(environment, client.display_name(), &tools, &config.path));
            continue;
        }
        let Some((file, list)) = client.approval_list(environment, scope) else {
            plan.notices.push(Notice::note(format!(
                "{}: tray-mcp writes no approvals for it yet; approve the read-only tools in the client itself",
                client.display_name()
            )));
            continue;
        };
        let ours = recorded(previous, kind, &file, &list);
        let theirs = approvals::rules_in(&file, &list, None);
        let rules: Vec<String> = tools
            .iter()
            .filter_map(|tool| client.approval_rule(name.as_str(), tool))
            .filter(|rule| ours.contains(rule) || !theirs.contains(rule))
            .collect();
        let stale: Vec<String> = ours.into_iter().filter(|rule| !rules.contains(rule)).collect();
        plan.notices
            .push(approved_note(environment, client.display_name(), &rules, &file));
        plan.edits.push(RuleFileEdit {
            owner: (kind, scope),
            path: file.clone(),
            edit: RuleEdit {
                list: list.clone(),
                add: rules.clone(),
                remove: stale,
            },
        });
        plan.written.push(WrittenRules {
            client: kind.id().to_string(),
            file,
            list,
            rules,
        });
    }
    plan
}

/// "Claude Code: approved 8 read-only tools ahead in FILE".
fn approved_note(environment: &Environment, client: &str, rules: &[String], file: &std::path::Path) -> Notice {
    Notice::note(format!(
        "{client}: approved {} read-only tools ahead in {} (tools that may change anything still ask)",
        rules.len(),
        environment.display_path(file)
    ))
}

/// The rules recorded for `kind` in the list at `list` of `file`.
fn recorded(previous: &[WrittenRules], kind: ClientId, file: &std::path::Path, list: &[String]) -> Vec<String> {
    previous
        .iter()
        .filter(|written| written.file == file && written.client == kind.id() && written.list == list)
        .flat_map(|written| written.rules.iter().cloned())
        .collect()
}

/// An approval list inside the entry itself (Cline's `autoApprove`, Roo's `alwaysAllow`): set in
/// the entry this install writes, as the tool names. What the user listed there stays; what
/// tray-mcp listed before and no longer approves goes. The entry's removal takes it along.
fn in_entry(config: &mut ConfigEdit, key: &'static str, tools: &[String], previous: &[WrittenRules]) -> WrittenRules {
    let (kind, _) = config.owner;
    let mut list = config.upsert.entry_path.clone();
    list.push(key.to_string());
    let ours = recorded(previous, kind, &config.path, &list);
    if let Some(field) = kind.client().entry_approval_field() {
        return in_entry_table(config, (key, field), tools, (list, ours));
    }
    let listed = approvals::rules_in(&config.path, &list, None);
    let rules: Vec<String> = tools
        .iter()
        .filter(|tool| ours.contains(tool) || !listed.contains(tool))
        .cloned()
        .collect();
    let mut value: Vec<String> = listed
        .into_iter()
        .filter(|item| !ours.contains(item) || rules.contains(item))
        .collect();
    for rule in &rules {
        if !value.contains(rule) {
            value.push(rule.clone());
        }
    }
    if let Some(entry) = config.upsert.server.as_object_mut() {
        entry.insert(key.to_string(), serde_json::json!(value));
    }
    WrittenRules {
        client: kind.id().to_string(),
        file: config.path.clone(),
        list,
        rules,
    }
}

/// A table of tools inside the entry (Codex's `tools.<tool>.approval_mode = "approve"`): the
/// table as the file has it, with ours set for `tools` and taken out for the tools tray-mcp
/// approved before and no longer does. A tool whose table already has the field (the user's
/// choice, whatever it is) is left alone and not recorded. The install takes the key over.
fn in_entry_table(
    config: &mut ConfigEdit,
    (key, (field, approves)): (&'static str, (&'static str, &'static str)),
    tools: &[String],
    (list, ours): (Vec<String>, Vec<String>),
) -> WrittenRules {
    let (kind, _) = config.owner;
    let path: Vec<&str> = list.iter().map(String::as_str).collect();
    let table = match approvals::value_in(&config.path, &path) {
        Some(serde_json::Value::Object(table)) => table,
        _ => serde_json::Map::new(),
    };
    let theirs = |table: &serde_json::Map<String, serde_json::Value>, tool: &str| {
        !ours.iter().any(|known| known == tool) && table.get(tool).and_then(|tool| tool.get(field)).is_some()
    };
    let rules: Vec<String> = tools.iter().filter(|tool| !theirs(&table, tool)).cloned().collect();
    let approvals = ApprovalTable {
        key,
        field,
        approves,
        set: rules.clone(),
        drop: ours.iter().filter(|tool| !rules.contains(tool)).cloned().collect(),
    };
    // A new entry gets the table as planned; over an entry in the file, the guard applies the
    // same changes to the table as the file has it when it is written (under the lock).
    if let Some(entry) = config.upsert.server.as_object_mut() {
        entry.insert(key.to_string(), serde_json::Value::Object(table));
        approvals.apply(entry);
    }
    if let Some(guard) = &mut config.upsert.guard {
        guard.approval_table = Some(approvals);
    }
    WrittenRules {
        client: kind.id().to_string(),
        file: config.path.clone(),
        list,
        rules,
    }
}

/// Whether the rules are a list inside the client's entry (which goes, and moves, with it).
pub fn is_in_entry(rules: &WrittenRules) -> bool {
    ClientId::parse(&rules.client)
        .and_then(|kind| kind.client().entry_approval_key())
        .is_some_and(|key| rules.list.last().map(String::as_str) == Some(key))
}

/// The tasks of `edits`, one per file: edits of the same file (several entries approved into
/// one settings file by `apply`) are made one edit, in order.
pub fn into_tasks(environment: &Environment, edits: Vec<RuleFileEdit>) -> Vec<LabeledTask> {
    let mut merged: Vec<RuleFileEdit> = Vec::new();
    for next in edits {
        match merged
            .iter_mut()
            .find(|known| known.path == next.path && known.edit.list == next.edit.list)
        {
            Some(known) => {
                known.edit.add.extend(next.edit.add);
                known.edit.remove.extend(next.edit.remove);
            }
            None => merged.push(next),
        }
    }
    merged
        .into_iter()
        .map(|edit| rule_task(environment, edit.owner, edit.path, edit.edit))
        .collect()
}

/// The edits that take every recorded rule out again (`remove`, `uninstall`, `apply --prune`);
/// several records of one file become one edit (see [`into_tasks`]).
pub fn removal(environment: &Environment, written: &[WrittenRules]) -> Vec<RuleFileEdit> {
    written
        .iter()
        .filter(|rules| !is_in_entry(rules))
        .filter_map(|rules| {
            let kind = ClientId::parse(&rules.client)?;
            Some(RuleFileEdit {
                owner: (kind, scope_of_file(environment, kind, &rules.file)),
                path: rules.file.clone(),
                edit: RuleEdit {
                    list: rules.list.clone(),
                    add: Vec::new(),
                    remove: rules.rules.clone(),
                },
            })
        })
        .collect()
}

/// The scope whose approval file `file` is, as seen from here; a file of another project (or
/// of none) counts as the user's: it is edited where it is.
fn scope_of_file(environment: &Environment, kind: ClientId, file: &std::path::Path) -> Scope {
    let client = kind.client();
    client
        .scopes()
        .iter()
        .copied()
        .find(|&scope| {
            client
                .approval_list(environment, scope)
                .is_some_and(|(path, _)| path == file)
        })
        .unwrap_or(Scope::User)
}

/// The edits that rename the recorded rules of server `old` to `new` (`rename`), and the
/// records changed to match.
pub fn renaming(environment: &Environment, written: &mut [WrittenRules], (old, new): (&str, &str)) -> Vec<LabeledTask> {
    let mut tasks = Vec::new();
    for rules in written.iter_mut() {
        let Some(kind) = ClientId::parse(&rules.client) else {
            continue;
        };
        if is_in_entry(rules) {
            // The list moves with the entry: only where it is changes.
            let at = rules.list.len().saturating_sub(2);
            if rules.list.get(at).is_some_and(|segment| segment == old) {
                rules.list[at] = new.to_string();
            }
            continue;
        }
        let client = kind.client();
        let (Some(old_prefix), Some(new_prefix)) = (client.approval_rule(old, ""), client.approval_rule(new, ""))
        else {
            continue;
        };
        let renamed: Vec<String> = rules
            .rules
            .iter()
            .map(|rule| match rule.strip_prefix(&old_prefix) {
                Some(tool) => format!("{new_prefix}{tool}"),
                None => rule.clone(),
            })
            .collect();
        tasks.push(rule_task(
            environment,
            (kind, scope_of_file(environment, kind, &rules.file)),
            rules.file.clone(),
            RuleEdit {
                list: rules.list.clone(),
                add: renamed.clone(),
                remove: rules.rules.clone(),
            },
        ));
        rules.rules = renamed;
    }
    tasks
}

/// The task that edits one approval list: the client's settings file, backed up like its
/// config, in the folder of the entry's scope.
fn rule_task(
    environment: &Environment,
    (kind, scope): (ClientId, Scope),
    path: PathBuf,
    edit: RuleEdit,
) -> LabeledTask {
    LabeledTask {
        task: FileTask {
            shown_path: environment.display_path(&path),
            path,
            role: format!("{} settings", kind.client().display_name()),
            privacy: Privacy::Ordinary,
            backup: true,
            folder: config_folder(environment, scope),
            named_by_others: false,
            edit: Box::new(edit),
        },
        owner: FileOwner::Client(kind, scope),
    }
}

/// The warning when an entry named `name` serves `served` tools and `client` shows fewer (its
/// documented cap): the problem and the fix, suggesting `--tools`.
pub fn over_cap(client: &dyn crate::clients::Client, name: &str, served: usize) -> Option<(String, String)> {
    let cap = client.tool_cap()?;
    (served > cap).then(|| {
        (
            format!(
                "{name} serves {served} tools and {} shows at most {cap} (it drops the rest without a word)",
                client.display_name()
            ),
            format!(
                "serve fewer: install the entry again as before with `--tools 'GLOB,...'` (or --exclude-tools), e.g. `tray-mcp install --name {name} ... --tools 'GLOB,...'`; see docs/tools.md"
            ),
        )
    })
}
