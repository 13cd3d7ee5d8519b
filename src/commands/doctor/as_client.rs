//! `doctor --online`'s last word on a stdio entry: start it exactly as its client starts it and
//! ask it for its tools, as the seed guide's "Verifying the Connection" asks the user to do by
//! hand in every client.
//!
//! Why start the entry rather than check its parts: the parts can all pass while the whole
//! fails (a binary the client cannot run, an `env` the bridge reads under another name, a
//! gateway the bundled server does not list). So the command, arguments and `env` come from the
//! client's own file, the process gets `initialize`, `notifications/initialized` and
//! `tools/list` on its stdin as an MCP client sends them, and the answer is counted: the
//! bundled server's built-in tools and the Agent Gateway's tools passed through.
//!
//! A check shared by several entries (one profile in five clients, written the same way) runs
//! once; every start runs side by side, all under one time limit. Values the client itself
//! fills in (VS Code's `${input:…}`, `${env:…}`, OpenCode's `{env:…}`) cannot be filled in
//! here, and a bridge needs `npx`: such entries are said to be unchecked, never failed.

use std::collections::{BTreeMap, HashSet};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::Check;
use crate::clients::{Transport, command_line};
use crate::inventory::FoundEntry;
use crate::paths::Environment;

/// How a client starts a stdio entry: the program, its arguments, the variables it adds to its
/// own environment.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct Launch {
    program: String,
    args: Vec<String>,
    env: BTreeMap<String, String>,
}

/// The tools one start listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Listed {
    builtin: usize,
    gateway: usize,
}

impl Listed {
    /// How many tools it listed, built-in and gateway together.
    pub(super) fn served(&self) -> usize {
        self.builtin + self.gateway
    }
}

/// How `entry`'s client starts it; `None` for entries the client does not start (http and
/// headless entries: the gateway check is what their client does); a note when it cannot be
/// started as the client would.
pub(super) fn launch_of(environment: &Environment, entry: &FoundEntry) -> Option<Result<Launch, Check>> {
    let tray = entry.tray.as_ref()?;
    if !matches!(tray.transport, Transport::Stdio | Transport::Bridge) {
        return None;
    }
    let (program, args) = command_line(&entry.value);
    let env: BTreeMap<String, String> = ["env", "envs", "environment"]
        .iter()
        .find_map(|key| entry.value.get(*key).and_then(Value::as_object))
        .map(|values| {
            values
                .iter()
                .filter_map(|(key, value)| Some((key.clone(), value.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default();
    let client = entry.client.client().display_name();
    let filled_by_client = std::iter::once(program)
        .chain(args.iter().copied())
        .chain(env.values().map(String::as_str))
        .any(|text| text.contains("${input:") || text.contains("${env:") || text.contains("{env:"));
    if filled_by_client {
        return Some(Err(Check::note(format!(
            "not started as {client} starts it: it holds a value {client} fills in itself (an input or a variable)"
        ))));
    }
    if tray.transport == Transport::Bridge && environment.variables.gateway_url.is_some() {
        // The bridge would go to the URL in its args, not where TRAY_GATEWAY_URL moves the
        // gateway (a test's fake, a proxy): starting it would not check what was asked.
        return Some(Err(Check::note(format!(
            "not started as {client} starts it: TRAY_GATEWAY_URL moves the gateway, and the bridge would go to the URL in its arguments instead"
        ))));
    }
    if tray.transport == Transport::Bridge && environment.find_on_path(program).is_none() {
        return Some(Err(Check::note(format!(
            "not started as {client} starts it: the bridge runs {program} (Node.js), which is not on PATH here"
        ))));
    }
    Some(Ok(Launch {
        program: program.to_string(),
        args: args.iter().map(|arg| (*arg).to_string()).collect(),
        env,
    }))
}

/// Starts every distinct launch side by side, all within `limit`; each one's tools, or why it
/// listed none.
pub(super) fn run_all(launches: &[Launch], limit: Duration) -> Vec<Result<Listed, String>> {
    let deadline = Instant::now() + limit;
    let builtin = builtin_tool_names();
    std::thread::scope(|scope| {
        let running: Vec<_> = launches
            .iter()
            .map(|launch| scope.spawn(|| run_one(launch, &builtin, deadline)))
            .collect();
        running
            .into_iter()
            .map(|handle| {
                handle
                    .join()
                    .unwrap_or_else(|_| Err("the check stopped unexpectedly".to_string()))
            })
            .collect()
    })
}

/// The check of one entry, from its launch's result; `whose` is whose token it is and the
/// region ("Olive Ops, us1"), when the network checks found out.
pub(super) fn check(entry: &FoundEntry, result: &Result<Listed, String>, whose: Option<&str>) -> Check {
    let client = entry.client.client().display_name();
    match result {
        Ok(listed) if listed.builtin + listed.gateway > 0 => {
            let tools = match (listed.builtin, listed.gateway) {
                (0, gateway) => format!("{gateway} gateway tools"),
                (builtin, gateway) => format!("{builtin} built-in + {gateway} gateway tools"),
            };
            let whose = whose.map(|whose| format!(" ({whose})")).unwrap_or_default();
            Check::pass(format!(
                "{client} · {}: {tools}{whose}, started as {client} starts it",
                entry.name
            ))
        }
        Ok(_) => Check::fail(
            format!(
                "{client} · {}: started as {client} starts it, it lists no tools",
                entry.name
            ),
            "run `tray-mcp doctor --online` again; if the gateway's tools stay missing, check that its Workflow and Connector Tools are enabled",
        ),
        Err(why) => Check::fail(
            format!("{client} · {}: started as {client} starts it, {why}", entry.name),
            format!("start it by hand as {client} does (the command and args in its file) to see its errors"),
        ),
    }
}

/// When the entry serves more tools than its client shows (a documented cap, see
/// [`crate::clients::Client::tool_cap`]): a failed check suggesting `--tools`.
pub(super) fn cap_check(entry: &FoundEntry, result: &Result<Listed, String>) -> Option<Check> {
    let listed = result.as_ref().ok()?;
    let client = entry.client.client();
    let (problem, fix) = crate::commands::approve::over_cap(client, &entry.name, listed.builtin + listed.gateway)?;
    Some(Check::fail(problem, fix))
}

/// The names of the bundled server's built-in tools (what the rest of a `tools/list` is not).
fn builtin_tool_names() -> HashSet<String> {
    let Ok(sandbox) = crate::server::sandbox::Sandbox::load() else {
        return HashSet::new();
    };
    crate::server::tools::TrayTools::new(std::sync::Arc::new(sandbox))
        .tools_json()
        .iter()
        .filter_map(|tool| Some(tool.get("name")?.as_str()?.to_string()))
        .collect()
}

/// Starts one launch, lists its tools, stops it.
fn run_one(launch: &Launch, builtin: &HashSet<String>, deadline: Instant) -> Result<Listed, String> {
    let mut child = Command::new(&launch.program)
        .args(&launch.args)
        .envs(&launch.env)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|error| format!("it does not start: {error}"))?;
    let listed = list_tools(&mut child, deadline);
    child.kill().ok();
    child.wait().ok();
    let tools = listed?;
    let builtin_count = tools
        .iter()
        .filter(|tool| {
            tool.get("name")
                .and_then(Value::as_str)
                .is_some_and(|name| builtin.contains(name))
        })
        .count();
    Ok(Listed {
        builtin: builtin_count,
        gateway: tools.len() - builtin_count,
    })
}

/// The MCP handshake on the child's stdin and stdout, then `tools/list`.
fn list_tools(child: &mut Child, deadline: Instant) -> Result<Vec<Value>, String> {
    let (Some(mut stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
        return Err("its input and output could not be opened".to_string());
    };
    let (lines, received) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let initialize = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "tray-mcp-doctor", "version": env!("CARGO_PKG_VERSION")}}});
    send(&mut stdin, &initialize)?;
    answer(&received, 1, deadline)?;
    send(
        &mut stdin,
        &json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
    )?;
    send(&mut stdin, &json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}))?;
    let listed = answer(&received, 2, deadline)?;
    Ok(listed
        .get("tools")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default())
}

fn send(stdin: &mut std::process::ChildStdin, message: &Value) -> Result<(), String> {
    writeln!(stdin, "{message}")
        .and_then(|()| stdin.flush())
        .map_err(|_| "it stopped before answering".to_string())
}

/// The result of the answer with `id`, skipping notifications and log lines.
fn answer(received: &Receiver<String>, id: u64, deadline: Instant) -> Result<Value, String> {
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = match received.recv_timeout(left) {
            Ok(line) => line,
            Err(mpsc::RecvTimeoutError::Timeout) => return Err("it did not answer in time".to_string()),
            Err(mpsc::RecvTimeoutError::Disconnected) => return Err("it stopped before answering".to_string()),
        };
        let Ok(message) = serde_json::from_str::<Value>(&line) else {
            continue;
        };
        if message.get("id").and_then(Value::as_u64) != Some(id) {
            continue;
        }
        if let Some(error) = message.get("error") {
            let text = error.get("message").and_then(Value::as_str).unwrap_or("an error");
            return Err(format!("it answered with an error: {text}"));
        }
        return Ok(message.get("result").cloned().unwrap_or(Value::Null));
    }
}
