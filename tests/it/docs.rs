//! The README and `docs/` cannot drift: every relative link and `#anchor` in them resolves (by
//! GitHub's heading-anchor rules), and the clients table in `docs/clients.md` is exactly what the
//! registry says (`tray-mcp clients --json`: ids, names, transports).

use crate::support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use support::{FakeHome, outputs};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// README.md and every page under docs/.
fn pages() -> Vec<PathBuf> {
    let mut pages = vec![root().join("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root().join("docs"))
        .expect("docs/")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.extension().is_some_and(|extension| extension == "md"))
        .collect();
    docs.sort();
    assert!(!docs.is_empty(), "no docs/*.md");
    pages.extend(docs);
    pages
}

/// The text outside fenced code blocks and inline code spans (where `[x](y)` and `# x` are not
/// Markdown), line by line.
fn prose_lines(text: &str) -> Vec<String> {
    let mut fenced = false;
    let mut lines = Vec::new();
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if !fenced {
            lines.push(line.to_string());
        }
    }
    lines
}

fn without_code_spans(line: &str) -> String {
    line.split('`').step_by(2).collect::<Vec<_>>().join("")
}

/// GitHub's anchor of a heading: its text as rendered (code spans keep their text, links their
/// label), lowercased, with everything but letters, digits, `-`, `_` and spaces dropped, spaces
/// made `-`; the n-th repeat of an anchor gets `-n`.
fn slug(heading: &str) -> String {
    let rendered = heading.replace('`', "");
    let rendered = regex_free_link_labels(&rendered);
    rendered
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | ' '))
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// `[label](target)` → `label`.
fn regex_free_link_labels(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        let Some(close) = rest[open..].find("](").map(|at| open + at) else {
            break;
        };
        let Some(end) = rest[close..].find(')').map(|at| close + at) else {
            break;
        };
        out.push_str(&rest[..open]);
        out.push_str(&rest[open + 1..close]);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

fn anchors(path: &Path) -> BTreeSet<String> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    let mut seen: Vec<String> = Vec::new();
    let mut anchors = BTreeSet::new();
    for line in prose_lines(&text) {
        let Some(heading) = line.strip_prefix('#') else {
            continue;
        };
        let heading = heading.trim_start_matches('#');
        if !heading.starts_with(' ') {
            continue;
        }
        let base = slug(heading.trim());
        let repeats = seen.iter().filter(|earlier| **earlier == base).count();
        seen.push(base.clone());
        anchors.insert(if repeats == 0 {
            base
        } else {
            format!("{base}-{repeats}")
        });
    }
    anchors
}

/// Every `[label](target)` in the prose of `text`.
fn links(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for line in prose_lines(text) {
        let line = without_code_spans(&line);
        let mut rest = line.as_str();
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            let Some(end) = after.find(')') else { break };
            found.push(after[..end].to_string());
            rest = &after[end..];
        }
    }
    found
}

#[test]
fn the_slugs_follow_github() {
    assert_eq!(slug("Which token"), "which-token");
    assert_eq!(
        slug("Tokens or sign-in: `tray-mcp login`"),
        "tokens-or-sign-in-tray-mcp-login"
    );
    assert_eq!(
        slug("Teams and fleets: a manifest, `apply`, `--check`"),
        "teams-and-fleets-a-manifest-apply---check"
    );
    assert_eq!(slug("See [the docs](docs/x.md) now"), "see-the-docs-now");
}

#[test]
fn every_relative_link_and_anchor_resolves() {
    let mut broken = Vec::new();
    let mut checked = 0;
    for page in pages() {
        let text = std::fs::read_to_string(&page).expect("page");
        let folder = page.parent().expect("a folder");
        for target in links(&text) {
            if target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            checked += 1;
            let (file, anchor) = match target.split_once('#') {
                Some((file, anchor)) => (file, Some(anchor)),
                None => (target.as_str(), None),
            };
            let linked = if file.is_empty() {
                page.clone()
            } else {
                folder.join(file)
            };
            let shown = format!("{} -> {target}", page.strip_prefix(root()).unwrap_or(&page).display());
            if !linked.exists() {
                broken.push(format!("{shown}: no such file"));
                continue;
            }
            if let Some(anchor) = anchor
                && !anchors(&linked).contains(anchor)
            {
                broken.push(format!("{shown}: no such heading"));
            }
        }
    }
    assert_eq!(broken, Vec::<String>::new());
    assert!(
        checked >= 20,
        "only {checked} links found: is the link parser still right?"
    );
}

#[test]
fn the_readme_is_a_front_page() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README");
    let lines = readme.lines().count();
    assert!(lines <= 200, "README.md has {lines} lines (at most 200)");
    assert!(
        readme.contains("./scripts/test.sh"),
        "the README names the test command"
    );
}

/// The rows of the docs' clients table: (id, client, transports).
fn documented_clients() -> Vec<(String, String, String)> {
    let text = std::fs::read_to_string(root().join("docs/clients.md")).expect("docs/clients.md");
    let table: Vec<&str> = text
        .lines()
        .skip_while(|line| !line.starts_with("| id | client |"))
        .take_while(|line| line.starts_with('|'))
        .collect();
    assert!(table.len() > 2, "no clients table in docs/clients.md");
    let header: Vec<&str> = table[0].split('|').map(str::trim).collect();
    let column = |name: &str| header.iter().position(|cell| *cell == name).expect(name);
    let (id, client, transports) = (column("id"), column("client"), column("transports"));
    table[2..]
        .iter()
        .map(|row| {
            let cells: Vec<&str> = row.split('|').map(str::trim).collect();
            (
                cells[id].trim_matches('`').to_string(),
                cells[client].to_string(),
                cells[transports].to_string(),
            )
        })
        .collect()
}

#[test]
fn the_docs_clients_table_is_the_registry() {
    let home = FakeHome::new();
    let assert = home.command().args(["clients", "--json"]).assert().success();
    let json: serde_json::Value = serde_json::from_str(&outputs(&assert).0).expect("JSON");
    let every: BTreeSet<String> = json["clients"]
        .as_array()
        .expect("clients")
        .iter()
        .flat_map(|client| client["transports"].as_array().expect("transports").clone())
        .map(|transport| transport.as_str().expect("a name").to_string())
        .collect();
    let registry: Vec<(String, String, String)> = json["clients"]
        .as_array()
        .expect("clients")
        .iter()
        .map(|client| {
            let transports: Vec<String> = client["transports"]
                .as_array()
                .expect("transports")
                .iter()
                .map(|transport| transport.as_str().expect("a name").to_string())
                .collect();
            let shown = if transports.iter().cloned().collect::<BTreeSet<_>>() == every {
                "all".to_string()
            } else {
                transports.join(", ")
            };
            (
                client["id"].as_str().expect("id").to_string(),
                client["name"].as_str().expect("name").to_string(),
                shown,
            )
        })
        .collect();
    assert_eq!(
        documented_clients(),
        registry,
        "docs/clients.md's table (id, client, transports) against `tray-mcp clients --json`, in its order"
    );
}
