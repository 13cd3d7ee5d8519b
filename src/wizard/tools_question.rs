//! The tools question: once the token check has listed the Agent Gateway's tools, which of the
//! tools the entry would serve (the built-in ones and the gateway's, named as `serve` lists them)
//! it serves. The ticks start from the entry's current filter (every tool for a new entry); the
//! answer becomes the profile's filter, the same one `install --tools` writes, with exact names.
//! Why ask: a workspace's gateway can bring dozens of tools, and Cursor shows an agent at most 40
//! (Windsurf 100, VS Code 128), dropping the rest without a word.

use serde_json::Value;

use super::prompter::{ChoiceQuestion, Prompter};
use super::{cancelled, texts};
use crate::clients::ClientId;
use crate::commands::verify::Verification;
use crate::error::CommandError;
use crate::paths::Environment;
use crate::tool_filter::ToolFilter;
use crate::tray::ServerName;

/// [`ask`] when the token check listed the gateway's tools (`None`: it listed none, so there is
/// nothing to choose from), with the entry's current filter ticked.
pub fn ask_if_listed(
    environment: &Environment,
    prompter: &mut dyn Prompter,
    verification: &Verification,
    name: &ServerName,
    clients: &[ClientId],
) -> Result<Option<ToolFilter>, CommandError> {
    if verification.gateway_tools.is_empty() {
        return Ok(None);
    }
    let current = crate::profiles::load(environment, name)
        .ok()
        .map(|profile| profile.filter);
    ask(prompter, &verification.gateway_tools, current.as_ref(), clients).map(Some)
}

/// For a bridge or http entry, once the token check listed the gateway's tools (`None`
/// otherwise): which of them the clients use, written into each client's own filter in exact
/// names. Ticked: what the existing entry's filter lets through (every tool for a new one).
/// Not asked when a chosen client has no filter of its own (said instead: a named client
/// without one would refuse the filter); `None` also when every tool is ticked and no filter
/// was there, so the entry's filter keys are left as they are.
pub fn ask_client_filter(
    environment: &Environment,
    prompter: &mut dyn Prompter,
    verification: &Verification,
    name: &ServerName,
    clients: &[ClientId],
) -> Result<Option<ToolFilter>, CommandError> {
    if verification.gateway_tools.is_empty() {
        return Ok(None);
    }
    let unfiltered: Vec<&str> = clients
        .iter()
        .filter(|kind| kind.client().tool_filter().is_none())
        .map(|kind| kind.client().display_name())
        .collect();
    if !unfiltered.is_empty() {
        prompter.say(&texts::client_tools_unfiltered(&unfiltered));
        return Ok(None);
    }
    let names: Vec<String> = verification
        .gateway_tools
        .iter()
        .filter_map(|tool| Some(tool.get("name")?.as_str()?.to_string()))
        .collect();
    let current = current_client_filter(environment, name, clients, &names);
    let is_ticked = |tool: &String| current.as_ref().is_none_or(|passing| passing.contains(tool));
    let chosen = pick(prompter, texts::CLIENT_TOOLS_QUESTION, &names, is_ticked, clients)?;
    let filter = filter_for(&names, &chosen);
    Ok((!filter.is_empty() || current.is_some()).then_some(filter))
}

/// The listed tools the existing entry `name` of one of `clients` lets through by that
/// client's own filter, when it holds one that leaves some out.
fn current_client_filter(
    environment: &Environment,
    name: &ServerName,
    clients: &[ClientId],
    listed: &[String],
) -> Option<Vec<String>> {
    let inventory = crate::inventory::take_inventory(environment, clients);
    inventory
        .tray_entries()
        .filter(|entry| entry.name == name.as_str())
        .find_map(|entry| {
            let passing = entry.client.client().tool_filter()?.passes(&entry.value, listed);
            (passing.len() < listed.len()).then_some(passing)
        })
}

/// Asks which tools the entry serves, `current` ticked (all when `None`); the filter to store
/// (empty: every tool).
pub fn ask(
    prompter: &mut dyn Prompter,
    gateway_tools: &[Value],
    current: Option<&ToolFilter>,
    clients: &[ClientId],
) -> Result<ToolFilter, CommandError> {
    let served = crate::approvals::served_tools(gateway_tools, &ToolFilter::default());
    let names: Vec<String> = served
        .iter()
        .filter_map(|tool| tool.get("name").and_then(Value::as_str))
        .map(str::to_string)
        .collect();
    let is_ticked = |name: &String| current.is_none_or(|filter| filter.allows(name));
    let chosen = pick(prompter, texts::TOOLS_QUESTION, &names, is_ticked, clients)?;
    Ok(filter_for(&names, &chosen))
}

/// Asks `message` as a multi-select of `names`, those `is_ticked` says ticked; the indices
/// chosen.
fn pick(
    prompter: &mut dyn Prompter,
    message: &str,
    names: &[String],
    is_ticked: impl Fn(&String) -> bool,
    clients: &[ClientId],
) -> Result<Vec<usize>, CommandError> {
    let ticked: Vec<usize> = names
        .iter()
        .enumerate()
        .filter(|(_, name)| is_ticked(name))
        .map(|(index, _)| index)
        .collect();
    let help = help(names.len(), clients);
    let question = ChoiceQuestion {
        message,
        help: Some(&help),
        options: names,
        short: None,
        default: 0,
    };
    prompter.multi_select(&question, &ticked).map_err(cancelled)
}

/// The help line: how many tools, and the smallest cap of the chosen clients.
fn help(count: usize, clients: &[ClientId]) -> String {
    let smallest = clients
        .iter()
        .filter_map(|kind| kind.client().tool_cap().map(|cap| (cap, kind.client().display_name())))
        .min();
    match smallest {
        Some((cap, client)) if count > cap => format!(
            "{count} tools; {client} shows an agent at most {cap}. {}",
            texts::MULTI_SELECT_HELP
        ),
        _ => format!("{count} tools. {}", texts::MULTI_SELECT_HELP),
    }
}

/// The filter serving exactly the `chosen` of `names`: empty (every tool) when all are chosen.
fn filter_for(names: &[String], chosen: &[usize]) -> ToolFilter {
    if chosen.len() == names.len() {
        return ToolFilter::default();
    }
    let tools = chosen.iter().filter_map(|index| names.get(*index).cloned()).collect();
    ToolFilter::new(tools, Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Vec<String> {
        ["list_workflows", "gateway_list_workflows", "echo"]
            .map(String::from)
            .to_vec()
    }

    #[test]
    fn every_tool_chosen_is_no_filter_and_some_chosen_is_exactly_those() {
        assert!(filter_for(&names(), &[0, 1, 2]).is_empty());
        let some = filter_for(&names(), &[0, 2]);
        assert!(some.allows("list_workflows") && some.allows("echo"));
        assert!(!some.allows("gateway_list_workflows"));
    }

    #[test]
    fn the_help_names_the_smallest_cap_only_when_the_tools_pass_it() {
        let clients: Vec<ClientId> = ["cursor", "vscode"]
            .iter()
            .filter_map(|id| ClientId::all().iter().copied().find(|kind| kind.id() == *id))
            .collect();
        assert!(help(41, &clients).starts_with("41 tools; Cursor shows an agent at most 40."));
        assert!(help(12, &clients).starts_with("12 tools. "));
    }
}
