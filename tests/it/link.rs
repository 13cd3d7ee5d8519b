//! `tray-mcp link`: each link decodes to exactly the entry `install` writes for the same flags
//! (compared with the file install wrote in another fake home), and no link holds the token.

use crate::support;

use base64::Engine;
use serde_json::Value;
use support::{FakeHome, TOKEN, WORKSPACE, assert_no_token, outputs};

/// Runs `link` with the install flags `args` (the test token on stdin).
fn link(home: &FakeHome, args: &[&str]) -> assert_cmd::assert::Assert {
    let mut command = home.command();
    command
        .arg("link")
        .args(["-w", WORKSPACE, "--api-token-stdin"])
        .args(args)
        .write_stdin(format!("{TOKEN}\n"));
    command.assert()
}

/// Decodes `%XX` escapes.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            let hex = std::str::from_utf8(&bytes[index + 1..index + 3]).expect("hex");
            out.push(u8::from_str_radix(hex, 16).expect("escape"));
            index += 3;
        } else {
            out.push(bytes[index]);
            index += 1;
        }
    }
    String::from_utf8(out).expect("utf-8")
}

/// The query parameter `key` of `link`, decoded.
fn query_param(link: &str, key: &str) -> String {
    let query = link.split_once('?').expect("a query").1;
    let value = query
        .split('&')
        .find_map(|pair| pair.strip_prefix(&format!("{key}=")))
        .unwrap_or_else(|| panic!("no {key} in {link}"));
    percent_decode(value)
}

/// A Cursor link: its name and entry.
fn decode_cursor(link: &str) -> (String, Value) {
    assert!(
        link.starts_with("cursor://anysphere.cursor-deeplink/mcp/install?name="),
        "{link}"
    );
    let config = base64::engine::general_purpose::STANDARD
        .decode(query_param(link, "config"))
        .expect("base64");
    (
        query_param(link, "name"),
        serde_json::from_slice(&config).expect("JSON"),
    )
}

/// A VS Code link of `scheme`: its JSON (name, the entry's keys, inputs).
fn decode_vscode(link: &str, scheme: &str) -> Value {
    let json = link
        .strip_prefix(&format!("{scheme}:mcp/install?"))
        .unwrap_or_else(|| panic!("not a {scheme} link: {link}"));
    assert!(!json.contains(['{', '"', ' ']), "the JSON is percent-encoded: {link}");
    serde_json::from_str(&percent_decode(json)).expect("JSON")
}

/// What `install` with `args` writes: the file's JSON.
fn installed(args: &[&str], file: &str) -> Value {
    let home = FakeHome::new();
    let assert = home.install(&[args, &["--no-verify"][..]].concat()).success();
    assert_no_token(&assert);
    serde_json::from_str(&home.read(file)).expect("config JSON")
}

/// The one link printed, checked for the token.
fn printed_link(home: &FakeHome, args: &[&str]) -> String {
    let assert = link(home, args).success();
    assert_no_token(&assert);
    let (stdout, _) = outputs(&assert);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "one link: {stdout}");
    lines[0].to_string()
}

const CURSOR_CASES: &[&[&str]] = &[
    &[],
    &["--no-gateway", "-n", "Tray_Prod-2"],
    &["--transport", "http", "--token-from-env", "TRAY_TOKEN_PROD"],
    &["--transport", "bridge", "--token-from-env", ""],
];

#[test]
fn cursor_links_decode_to_the_entry_install_writes() {
    let home = FakeHome::new();
    for &case in CURSOR_CASES {
        let args = [&["-c", "cursor"][..], case].concat();
        let link = printed_link(&home, &args);
        let (name, entry) = decode_cursor(&link);
        let config = installed(&args, ".cursor/mcp.json");
        let servers = config["mcpServers"].as_object().expect("servers");
        assert_eq!(servers.len(), 1);
        let (written_name, written) = servers.iter().next().expect("one entry");
        assert_eq!(&name, written_name, "{case:?}");
        assert_eq!(&entry, written, "{case:?}");
        assert!(!entry.to_string().contains(TOKEN));
    }
}

#[test]
fn headless_and_sandbox_links_need_no_token_at_all() {
    let home = FakeHome::new();
    for case in [&["--headless"][..], &["--sandbox"][..]] {
        let args = [&["-c", "cursor"][..], case].concat();
        let assert = home.command().arg("link").args(&args).assert().success();
        let (stdout, _) = outputs(&assert);
        let (name, entry) = decode_cursor(stdout.trim());
        let written = FakeHome::new();
        written.command().args(&args).arg("--no-verify").assert().success();
        let config: Value = serde_json::from_str(&written.read(".cursor/mcp.json")).expect("JSON");
        assert_eq!(config["mcpServers"][&name], entry, "{case:?}");
    }
}

#[test]
fn vscode_links_carry_the_entry_and_its_token_prompt() {
    let home = FakeHome::new();
    for (client, scheme, file) in [
        ("vscode", "vscode", ".config/Code/User/mcp.json"),
        (
            "vscode-insiders",
            "vscode-insiders",
            ".config/Code - Insiders/User/mcp.json",
        ),
    ] {
        for case in [
            &[][..],
            &["--transport", "http"],
            &["--transport", "bridge"],
            &["--headless"],
        ] {
            let args = [&["-c", client][..], case].concat();
            let (link, config) = if case.contains(&"--headless") {
                // No workspace and no token: the client signs in.
                let assert = home.command().arg("link").args(&args).assert().success();
                let written = FakeHome::new();
                written.command().args(&args).arg("--no-verify").assert().success();
                (
                    outputs(&assert).0.trim().to_string(),
                    serde_json::from_str(&written.read(file)).expect("JSON"),
                )
            } else {
                (printed_link(&home, &args), installed(&args, file))
            };
            let mut json = decode_vscode(&link, scheme);
            let name = json["name"].as_str().expect("name").to_string();
            let object = json.as_object_mut().expect("object");
            object.remove("name");
            let inputs = object.remove("inputs");
            assert_eq!(&json, &config["servers"][&name], "{client} {case:?}");
            // The token prompt the entry refers to comes with it; stdio and headless have none.
            assert_eq!(
                inputs.as_ref(),
                config
                    .get("inputs")
                    .filter(|inputs| inputs.as_array().is_some_and(|list| !list.is_empty())),
                "{client} {case:?}"
            );
            if case.contains(&"http") {
                assert!(inputs.is_some(), "an http entry's prompt is in the link");
            }
        }
    }
}

#[test]
fn an_entry_that_would_hold_the_token_gets_no_link() {
    let home = FakeHome::new();
    for args in [
        &["-c", "cursor", "--transport", "http"][..],
        &["-c", "cursor", "--transport", "bridge"],
        &["-c", "vscode,cursor", "--transport", "http"],
    ] {
        let before = home.snapshot_files();
        let assert = link(&home, args).code(2);
        assert_no_token(&assert);
        let (stdout, stderr) = outputs(&assert);
        assert!(stdout.is_empty(), "no link printed: {stdout}");
        assert!(
            stderr.contains("error: a Cursor") && stderr.contains("holds the API token"),
            "{stderr}"
        );
        assert!(stderr.contains("hint: use --transport stdio"), "{stderr}");
        assert_eq!(before, home.snapshot_files(), "link writes nothing");
    }
}

#[test]
fn kiro_links_decode_to_the_entry_install_writes() {
    let home = FakeHome::new();
    for args in [
        &["-c", "kiro"][..],
        &["-c", "kiro", "--no-gateway", "-n", "Tray_Prod-2"],
    ] {
        let config = installed(args, ".kiro/settings/mcp.json");
        let link = printed_link(&home, args);
        let prefix = "https://kiro.dev/launch/mcp/add?name=";
        assert!(link.starts_with(prefix), "{link}");
        let name = query_param(&link, "name");
        let entry: Value = serde_json::from_str(&query_param(&link, "config")).expect("JSON");
        assert_eq!(entry, config["mcpServers"][name.as_str()], "{link}");
    }
}

#[test]
fn lm_studio_links_decode_to_the_entry_install_writes() {
    let home = FakeHome::new();
    for args in [
        &["-c", "lmstudio"][..],
        &["-c", "lmstudio", "--no-gateway", "-n", "Tray_Prod-2"],
    ] {
        let config = installed(args, ".lmstudio/mcp.json");
        let link = printed_link(&home, args);
        assert!(link.starts_with("lmstudio://add_mcp?name="), "{link}");
        let name = query_param(&link, "name");
        let entry: Value = serde_json::from_slice(
            &base64::engine::general_purpose::STANDARD
                .decode(query_param(&link, "config"))
                .expect("base64"),
        )
        .expect("JSON");
        assert_eq!(entry, config["mcpServers"][name.as_str()], "{link}");
    }
}

#[test]
fn a_client_without_links_is_refused_with_the_ones_that_have_them() {
    let home = FakeHome::new();
    let assert = link(&home, &["-c", "claude"]).code(2);
    let (_, stderr) = outputs(&assert);
    assert!(
        stderr.contains("error: Claude Desktop has no one-click install link"),
        "{stderr}"
    );
    assert!(
        stderr.contains("hint: install links exist for: -c cursor, -c vscode"),
        "{stderr}"
    );
    assert!(stderr.contains("-c kiro"), "{stderr}");
}

#[test]
fn json_and_markdown_give_the_same_links() {
    let home = FakeHome::new();
    let plain = printed_link(&home, &["-c", "cursor"]);
    let markdown = printed_link(&home, &["-c", "cursor", "--markdown"]);
    assert_eq!(
        markdown,
        format!("[![Install in Cursor](https://img.shields.io/badge/Install_in-Cursor-0098FF)]({plain})")
    );
    let assert = link(&home, &["-c", "all", "--json"]).success();
    assert_no_token(&assert);
    let (stdout, stderr) = outputs(&assert);
    let json: Value = serde_json::from_str(&stdout).expect("JSON");
    let links = json["links"].as_array().expect("links");
    let clients: Vec<&str> = links.iter().map(|link| link["client"].as_str().expect("id")).collect();
    assert_eq!(
        clients,
        ["cursor", "vscode", "vscode-insiders", "vscodium", "kiro", "lmstudio"]
    );
    assert_eq!(links[0]["link"], plain.as_str());
    assert_eq!(links[0]["markdown"], markdown.as_str());
    assert_eq!(decode_cursor(&plain).1, links[0]["entry"]);
    assert!(
        links[3]["link"]
            .as_str()
            .expect("link")
            .starts_with("vscodium:mcp/install?")
    );
    // The note says what each machine needs, once, on stderr and in the JSON.
    assert!(
        stderr.contains("note: the entry runs") && stderr.contains("the link holds no token"),
        "{stderr}"
    );
    assert_eq!(json["notes"].as_array().map(Vec::len), Some(1));
}
