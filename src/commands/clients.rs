//! `tray-mcp clients`: every client tray-mcp can configure, straight from the registry: its id
//! for `-c`, its config file per scope on this machine, whether it is installed here, and the
//! transports it takes.

use serde_json::{Value, json};

use crate::clients::{ClientId, Scope, Transport};
use crate::paths::Environment;

/// One supported client as it is on this machine.
#[derive(Debug, Clone)]
pub struct ClientRow {
    /// Which client.
    pub client: ClientId,
    /// Whether its folder exists here.
    pub installed: bool,
    /// Its config file per scope, as shown to the user.
    pub files: Vec<(Scope, String)>,
    /// The transports it takes.
    pub transports: Vec<Transport>,
    /// The dotted keys of its servers in the user-scope file (`mcpServers`).
    pub servers_key: String,
}

/// Every client in the registry.
pub fn clients(environment: &Environment) -> Vec<ClientRow> {
    ClientId::all()
        .iter()
        .map(|&client| {
            let implementation = client.client();
            ClientRow {
                client,
                installed: implementation.install_marker(environment).exists(),
                files: implementation
                    .scopes()
                    .iter()
                    .filter_map(|&scope| {
                        // A client with a file per entry shows the file an entry NAME gets.
                        let location = implementation.entry_location(environment, scope, "NAME")?;
                        Some((scope, environment.display_path(&location.path)))
                    })
                    .collect(),
                servers_key: implementation
                    .location(environment, Scope::User)
                    .map(|location| location.servers_key.join("."))
                    .unwrap_or_default(),
                transports: Transport::EVERY
                    .into_iter()
                    .filter(|transport| implementation.takes(*transport))
                    .collect(),
            }
        })
        .collect()
}

/// For a terminal `width` columns wide (`None`: not a terminal): the table when its rows fit,
/// else one block per client (id, name, installed; transports; a line per config file).
pub fn to_human_within(rows: &[ClientRow], width: Option<usize>) -> String {
    let table = to_human(rows);
    match width {
        Some(width) if table.lines().any(|line| line.chars().count() > width) => rows
            .iter()
            .map(|row| {
                let mut block = format!(
                    "{} · {}{}\n  transports: {}\n",
                    row.client.id(),
                    row.client.client().display_name(),
                    if row.installed { " · installed" } else { "" },
                    row.transports
                        .iter()
                        .map(|transport| transport.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                for (scope, path) in &row.files {
                    block.push_str(&format!("  {}: {path}\n", scope.as_str()));
                }
                block
            })
            .collect(),
        _ => table,
    }
}

/// A table for people: one line per client, its user-scope file.
pub fn to_human(rows: &[ClientRow]) -> String {
    let cells: Vec<[String; 5]> = rows
        .iter()
        .map(|row| {
            [
                row.client.id().to_string(),
                row.client.client().display_name().to_string(),
                if row.installed { "yes" } else { "no" }.to_string(),
                row.transports
                    .iter()
                    .map(|transport| transport.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
                row.files
                    .iter()
                    .map(|(scope, path)| format!("{}: {path}", scope.as_str()))
                    .collect::<Vec<_>>()
                    .join("  "),
            ]
        })
        .collect();
    super::report::table(["ID", "CLIENT", "INSTALLED", "TRANSPORTS", "CONFIG FILES"], &cells)
}

/// The `--json` output.
pub fn to_json(rows: &[ClientRow]) -> Value {
    json!({
        "clients": rows.iter().map(|row| {
            let implementation = row.client.client();
            json!({
                "id": row.client.id(),
                "aliases": implementation.aliases(),
                "name": implementation.display_name(),
                "format": implementation.format().as_str(),
                "installed": row.installed,
                "transports": row.transports.iter().map(|transport| transport.as_str()).collect::<Vec<_>>(),
                "servers_key": row.servers_key,
                // Each entry is a file of its own, named after it (`NAME` in `files`).
                "entry_files": implementation.entry_files().is_some(),
                // `--token-from-env`: the transports whose entries can name the token's variable,
                // and how the entry names it.
                "token_from_env": crate::clients::TOKEN_TRANSPORTS
                    .into_iter()
                    .filter_map(|transport| {
                        let form = implementation.token_reference(transport)?;
                        Some((transport.as_str().to_string(), json!(form.shown("VAR"))))
                    })
                    .collect::<serde_json::Map<_, _>>(),
                "files": row.files.iter().map(|(scope, path)| (scope.as_str().to_string(), json!(path))).collect::<serde_json::Map<_, _>>(),
            })
        }).collect::<Vec<_>>(),
    })
}
