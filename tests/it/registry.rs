//! `server.json`, the official MCP Registry's entry: it validates against the copy of the schema
//! it names (check-jsonschema from the release tools, pinned in scripts/test.sh), its version is
//! Cargo.toml's, its name is the repository's `io.github.<owner>/tray-mcp`, and the release's
//! version (scripts/server-json.py, which adds the `.mcpb` packages with their SHA-256) validates
//! too. The npm package's `mcpName` is checked in tests/release_artifacts.rs.

use crate::support;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn server_json() -> Value {
    serde_json::from_str(&std::fs::read_to_string(root().join("server.json")).expect("server.json")).expect("JSON")
}

/// check-jsonschema against the schema copy: whether `file` validates, and its output.
fn validate(tools: &Path, file: &Path) -> (bool, String) {
    let output = Command::new(tools.join("release-venv/bin/check-jsonschema"))
        .arg("--schemafile")
        .arg(root().join("schemas/mcp-registry/server.schema.json"))
        .arg(file)
        .output()
        .expect("run check-jsonschema");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

#[test]
fn server_json_names_this_version_repository_and_schema_copy() {
    let server = server_json();
    assert_eq!(server["version"], env!("CARGO_PKG_VERSION"));
    let owner = env!("CARGO_PKG_REPOSITORY")
        .trim_start_matches("https://github.com/")
        .split('/')
        .next()
        .expect("owner");
    assert_eq!(server["name"], format!("io.github.{owner}/tray-mcp"));
    assert_eq!(server["repository"]["url"], env!("CARGO_PKG_REPOSITORY"));
    let npm = &server["packages"][0];
    assert_eq!(
        (npm["registryType"].as_str(), npm["identifier"].as_str()),
        (Some("npm"), Some("tray-mcp"))
    );
    assert_eq!(npm["version"], env!("CARGO_PKG_VERSION"));
    let remote = &server["remotes"][0];
    assert_eq!(remote["url"], "https://{workspace_id}.mcp.tray.ai");
    assert_eq!(remote["headers"][0]["name"], "Authorization");
    assert_eq!(remote["headers"][0]["isSecret"], true);
    // The schema copy is the one server.json names, with its source noted beside it.
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("schemas/mcp-registry/server.schema.json")).expect("schema copy"),
    )
    .expect("JSON");
    assert_eq!(schema["$id"], server["$schema"]);
    let source = std::fs::read_to_string(root().join("schemas/mcp-registry/SOURCE.md")).expect("SOURCE.md");
    assert!(
        source.contains(server["$schema"].as_str().expect("$schema")),
        "{source}"
    );
}

#[test]
#[ignore = "needs scripts/test.sh"]
fn server_json_and_the_release_one_validate_against_the_schema_copy() {
    let tools = support::test_tools();
    let (valid, output) = validate(&tools, &root().join("server.json"));
    assert!(valid, "server.json: {output}");

    // The release's: one mcpb package per bundle, with its hash.
    let bundles = tempfile::tempdir().expect("temp dir");
    let bundle = bundles.path().join("tray-mcp-0-linux.mcpb");
    std::fs::write(&bundle, b"PK\x05\x06 a stand-in bundle").expect("write");
    let output = Command::new("python3")
        .arg(root().join("scripts/server-json.py"))
        .arg(bundles.path())
        .arg("https://github.com/tray-mcp/tray-mcp/releases/download/v0/")
        .output()
        .expect("run server-json.py");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let release: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let mcpb = &release["packages"][1];
    assert_eq!(mcpb["registryType"], "mcpb");
    assert_eq!(
        mcpb["identifier"],
        "https://github.com/tray-mcp/tray-mcp/releases/download/v0/tray-mcp-0-linux.mcpb"
    );
    assert_eq!(mcpb["fileSha256"], sha256_hex(&bundle).as_str());
    let release_file = bundles.path().join("server.json");
    std::fs::write(&release_file, &output.stdout).expect("write");
    let (valid, text) = validate(&tools, &release_file);
    assert!(valid, "the release's server.json: {text}");

    // The copy does check: a package whose hash is not a SHA-256 is refused.
    let mut broken = release.clone();
    broken["packages"][1]["fileSha256"] = Value::from("sha256:not-a-digest");
    let broken_file: PathBuf = bundles.path().join("broken.json");
    std::fs::write(&broken_file, broken.to_string()).expect("write");
    let (valid, text) = validate(&tools, &broken_file);
    assert!(!valid, "a package with a malformed fileSha256 validated: {text}");
}

/// The SHA-256 of a file, by `sha256sum`.
fn sha256_hex(path: &Path) -> String {
    let output = Command::new("sha256sum").arg(path).output().expect("sha256sum");
    String::from_utf8_lossy(&output.stdout)
        .split_whitespace()
        .next()
        .expect("a digest")
        .to_string()
}
