//! `install --tools` / `--exclude-tools` for bridge and http entries (issue 26): the client
//! talks to the Agent Gateway itself, so the filter goes into the client's own filter keys, in
//! exact tool names, its wildcards expanded against the tools the install's verification listed
//! (a loopback gateway here). One test per format family (JSON with both lists, TOML, an
//! include-only and an exclude-only client), the refusals, and the user's own keys.

use crate::support;

use serde_json::{Value, json};
use support::fake_gateway::FakeGateway;
use support::{FakeHome, TOKEN, WORKSPACE, assert_no_token, outputs};

/// The gateway's tools: the fake's usual three, and two customer tools.
fn gateway() -> FakeGateway {
    FakeGateway::start_listing(
        false,
        vec![
            json!({"name": "list_customers", "inputSchema": {"type": "object"}}),
            json!({"name": "lookup_customer", "inputSchema": {"type": "object"}}),
        ],
    )
}

/// `install -w WORKSPACE --api-token-stdin ARGS` verified against `gateway`.
fn install(home: &FakeHome, gateway: &FakeGateway, args: &[&str]) -> assert_cmd::assert::Assert {
    let mut command = home.command();
    command
        .args(["-w", WORKSPACE, "--api-token-stdin"])
        .args(args)
        .env("TRAY_GATEWAY_URL", gateway.url())
        .write_stdin(format!("{TOKEN}\n"));
    command.assert()
}

fn json_file(home: &FakeHome, path: &str) -> Value {
    serde_json::from_str(&home.read(path)).unwrap_or_else(|error| panic!("{path}: {error}"))
}

#[test]
fn gemini_and_qwen_get_include_and_exclude_lists_in_exact_names_and_a_reinstall_keeps_them() {
    let home = FakeHome::new();
    let gateway = gateway();
    let installed = install(
        &home,
        &gateway,
        &[
            "-c",
            "gemini",
            "-n",
            "tray",
            "--transport",
            "http",
            "--tools",
            "list_*,lookup_customer",
        ],
    )
    .success();
    assert_no_token(&installed);
    let (_, stderr) = outputs(&installed);
    assert!(
        stderr.contains(
            "lets through 3 of the 5 tools the Agent Gateway lists: list_workflows, list_customers, lookup_customer"
        ),
        "{stderr}"
    );
    let settings = json_file(&home, ".gemini/settings.json");
    assert_eq!(
        settings["mcpServers"]["tray"]["includeTools"],
        json!(["list_workflows", "list_customers", "lookup_customer"])
    );
    assert!(settings["mcpServers"]["tray"].get("excludeTools").is_none());

    // Switching to an exclusion takes the include list out: both keys are ours this time.
    install(
        &home,
        &gateway,
        &[
            "-c",
            "gemini",
            "-n",
            "tray",
            "--transport",
            "http",
            "--exclude-tools",
            "drop_*,send_*",
        ],
    )
    .success();
    let entry = json_file(&home, ".gemini/settings.json")["mcpServers"]["tray"].clone();
    assert_eq!(entry["excludeTools"], json!(["send_slack_message", "drop_mid_stream"]));
    assert!(entry.get("includeTools").is_none(), "{entry}");

    // A reinstall without either flag leaves the filter as it is; `--tools '*'` clears it.
    install(&home, &gateway, &["-c", "gemini", "-n", "tray", "--transport", "http"]).success();
    let entry = json_file(&home, ".gemini/settings.json")["mcpServers"]["tray"].clone();
    assert_eq!(entry["excludeTools"], json!(["send_slack_message", "drop_mid_stream"]));
    install(
        &home,
        &gateway,
        &["-c", "gemini", "-n", "tray", "--transport", "http", "--tools", "*"],
    )
    .success();
    let entry = json_file(&home, ".gemini/settings.json")["mcpServers"]["tray"].clone();
    assert!(
        entry.get("excludeTools").is_none() && entry.get("includeTools").is_none(),
        "{entry}"
    );

    // Qwen Code, a bridge entry: the same keys.
    install(
        &home,
        &gateway,
        &[
            "-c",
            "qwen",
            "-n",
            "tray",
            "--transport",
            "bridge",
            "--tools",
            "lookup_customer",
        ],
    )
    .success();
    let qwen = json_file(&home, ".qwen/settings.json")["mcpServers"]["tray"].clone();
    assert_eq!(qwen["includeTools"], json!(["lookup_customer"]));
    assert_eq!(qwen["command"], "npx");
}

#[test]
fn codex_gets_enabled_tools_in_its_table_and_every_other_byte_stays() {
    let home = FakeHome::new();
    let gateway = gateway();
    let config = "# my Codex settings\nmodel = \"o3\"\n\n[mcp_servers.docs]\ncommand = \"docs-mcp\"\nenabled_tools = [\"search\"]\n";
    home.write(".codex/config.toml", config);
    install(
        &home,
        &gateway,
        &[
            "-c",
            "codex",
            "-n",
            "tray",
            "--transport",
            "http",
            "--tools",
            "l*_customer*",
        ],
    )
    .success();
    let written = home.read(".codex/config.toml");
    assert!(written.starts_with(config), "{written}");
    let tray = &written[written.find("[mcp_servers.tray]").expect("our table")..];
    assert!(
        tray.contains("enabled_tools = [\"list_customers\", \"lookup_customer\"]"),
        "{written}"
    );
    assert!(!tray.contains("disabled_tools"), "{written}");
    home.command().args(["remove", "tray"]).assert().success();
    assert_eq!(home.read(".codex/config.toml"), config, "remove restores the file");
}

#[test]
fn an_include_only_and_an_exclude_only_client_say_the_same_tools() {
    let home = FakeHome::new();
    let gateway = gateway();
    // Copilot CLI lists only the tools to use: an exclusion is the listed tools less it.
    install(
        &home,
        &gateway,
        &[
            "-c",
            "copilot",
            "-n",
            "tray",
            "--transport",
            "http",
            "--exclude-tools",
            "send_*,drop_*",
        ],
    )
    .success();
    let copilot = json_file(&home, ".copilot/mcp-config.json")["mcpServers"]["tray"].clone();
    assert_eq!(
        copilot["tools"],
        json!(["list_workflows", "list_customers", "lookup_customer"])
    );
    // Roo Code lists only the tools to leave out: an inclusion is the listed tools it misses.
    install(
        &home,
        &gateway,
        &[
            "-c",
            "roo",
            "-n",
            "tray",
            "--transport",
            "bridge",
            "--tools",
            "list_*,lookup_customer",
        ],
    )
    .success();
    let roo_file = "AppData/Roaming/Code/User/globalStorage/rooveterinaryinc.roo-cline/settings/mcp_settings.json";
    let roo_path = if home.path(roo_file).exists() {
        roo_file
    } else {
        ".config/Code/User/globalStorage/rooveterinaryinc.roo-cline/settings/mcp_settings.json"
    };
    let roo = json_file(&home, roo_path)["mcpServers"]["tray"].clone();
    assert_eq!(roo["disabledTools"], json!(["send_slack_message", "drop_mid_stream"]));

    // `--tools '*'` gives Copilot its "every tool" back.
    install(
        &home,
        &gateway,
        &["-c", "copilot", "-n", "tray", "--transport", "http", "--tools", "*"],
    )
    .success();
    let copilot = json_file(&home, ".copilot/mcp-config.json")["mcpServers"]["tray"].clone();
    assert_eq!(copilot["tools"], json!(["*"]));
}

#[test]
fn a_client_without_a_filter_and_a_wildcard_without_a_listing_are_refused_and_nothing_is_written() {
    let home = FakeHome::new();
    let gateway = gateway();
    let refused = install(
        &home,
        &gateway,
        &[
            "-c",
            "gemini,cursor",
            "-n",
            "tray",
            "--transport",
            "http",
            "--tools",
            "list_*",
        ],
    )
    .failure()
    .code(2);
    let (_, stderr) = outputs(&refused);
    assert!(
        stderr.contains("Cursor has no per-server tool filter of its own"),
        "{stderr}"
    );
    assert!(stderr.contains("hint: install Cursor's entry as stdio"), "{stderr}");
    assert!(!home.path(".gemini/settings.json").exists() && !home.path(".cursor/mcp.json").exists());

    // No listing (--no-verify): a wildcard cannot become exact names; exact names can.
    let offline = [
        "--no-verify",
        "-c",
        "gemini",
        "-n",
        "tray",
        "--transport",
        "http",
        "--tools",
    ];
    let refused = home.install(&[&offline[..], &["lookup_customer,list_*"]].concat());
    let (_, stderr) = outputs(&refused.failure().code(2));
    assert!(
        stderr.contains("--tools: pattern 2 ('list_*') has a wildcard"),
        "{stderr}"
    );
    assert!(stderr.contains("hint: name the tools exactly"), "{stderr}");
    assert!(!home.path(".gemini/settings.json").exists());
    home.install(&[&offline[..], &["lookup_customer"]].concat()).success();
    let entry = json_file(&home, ".gemini/settings.json")["mcpServers"]["tray"].clone();
    assert_eq!(entry["includeTools"], json!(["lookup_customer"]));

    // A pattern that matches no listed tool is a typo, said with the names listed.
    let typo = install(
        &home,
        &gateway,
        &[
            "-c",
            "gemini",
            "-n",
            "tray",
            "--transport",
            "http",
            "--tools",
            "lookup_customers",
        ],
    )
    .failure();
    let (_, stderr) = outputs(&typo);
    assert!(stderr.contains("matches none of the 5 tools"), "{stderr}");
    assert!(stderr.contains("lookup_customer"), "{stderr}");
}

#[test]
fn the_user_s_own_filter_stays_when_the_install_sets_none_and_all_clients_skip_those_without_one() {
    let home = FakeHome::new();
    let gateway = gateway();
    install(&home, &gateway, &["-c", "gemini", "-n", "tray", "--transport", "http"]).success();
    // The user narrows the entry tray-mcp wrote by hand.
    let path = ".gemini/settings.json";
    let mut settings = json_file(&home, path);
    settings["mcpServers"]["tray"]["includeTools"] = json!(["lookup_customer"]);
    home.write(path, serde_json::to_string_pretty(&settings).expect("JSON"));
    install(&home, &gateway, &["-c", "gemini", "-n", "tray", "--transport", "http"]).success();
    assert_eq!(
        json_file(&home, path)["mcpServers"]["tray"]["includeTools"],
        json!(["lookup_customer"]),
        "an install without --tools leaves the user's filter"
    );

    // `-c all`: the clients with a filter of their own get it, the others are skipped, said.
    let other = FakeHome::new();
    for folder in [".gemini", ".cursor", ".codex"] {
        std::fs::create_dir_all(other.path(folder)).expect("client folder");
    }
    let installed = install(
        &other,
        &gateway,
        &["-c", "all", "-n", "tray", "--transport", "http", "--tools", "lookup_*"],
    )
    .success();
    let (_, stderr) = outputs(&installed);
    assert!(
        stderr.contains("skipped: Cursor has no per-server tool filter"),
        "{stderr}"
    );
    assert!(!other.path(".cursor/mcp.json").exists());
    assert_eq!(
        json_file(&other, ".gemini/settings.json")["mcpServers"]["tray"]["includeTools"],
        json!(["lookup_customer"])
    );
    assert!(
        other
            .read(".codex/config.toml")
            .contains("enabled_tools = [\"lookup_customer\"]")
    );
}

/// A pinned client CLI's stdout (and stderr after it, where Gemini CLI prints its list), which
/// must succeed.
fn client_output(home: &FakeHome, program: &str, args: &[&str]) -> String {
    let tools = support::test_tools();
    let output = support::client_cli(home, &tools, program)
        .args(args)
        .env("TRAY_TOKEN_TRAY", "unused")
        .output()
        .unwrap_or_else(|error| panic!("run {program}: {error}"));
    assert!(
        output.status.success(),
        "{program} {args:?} failed (exit {:?}):\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
    let mut printed = String::from_utf8_lossy(&output.stdout).into_owned();
    if program == "gemini" {
        printed.push_str(&String::from_utf8_lossy(&output.stderr));
    }
    printed
}

#[test]
#[ignore = "needs scripts/test.sh"]
fn the_real_codex_copilot_and_gemini_read_the_filters_we_wrote() {
    let home = FakeHome::new();
    let gateway = gateway();
    for client in ["codex", "copilot", "gemini"] {
        std::fs::create_dir_all(home.path(&format!(".{client}"))).expect("client folder");
    }
    install(
        &home,
        &gateway,
        &[
            "-c",
            "codex,copilot,gemini",
            "-n",
            "tray",
            "--transport",
            "http",
            "--tools",
            "l*_customer*",
        ],
    )
    .success();
    let customers = json!(["list_customers", "lookup_customer"]);

    let codex: Value = serde_json::from_str(&client_output(&home, "codex", &["mcp", "get", "tray", "--json"]))
        .expect("codex prints JSON");
    assert_eq!(codex["enabled_tools"], customers, "{codex}");
    assert!(codex["disabled_tools"].is_null(), "{codex}");
    let copilot: Value = serde_json::from_str(&client_output(&home, "copilot", &["mcp", "list", "--json"]))
        .expect("copilot prints JSON");
    assert_eq!(copilot["mcpServers"]["tray"]["tools"], customers, "{copilot}");
    // Gemini CLI shows no filter in `mcp list`, but refuses a settings file its schema rejects.
    let gemini = client_output(&home, "gemini", &["mcp", "list"]);
    assert!(gemini.contains("tray: https://"), "{gemini}");

    // An exclusion: Codex's disabled_tools; Copilot's tools lists the rest.
    install(
        &home,
        &gateway,
        &[
            "-c",
            "codex,copilot",
            "-n",
            "tray",
            "--transport",
            "http",
            "--exclude-tools",
            "send_*,drop_*",
        ],
    )
    .success();
    let codex: Value = serde_json::from_str(&client_output(&home, "codex", &["mcp", "get", "tray", "--json"]))
        .expect("codex prints JSON");
    assert_eq!(
        codex["disabled_tools"],
        json!(["send_slack_message", "drop_mid_stream"]),
        "{codex}"
    );
    assert!(codex["enabled_tools"].is_null(), "{codex}");
    let copilot: Value = serde_json::from_str(&client_output(&home, "copilot", &["mcp", "list", "--json"]))
        .expect("copilot prints JSON");
    assert_eq!(
        copilot["mcpServers"]["tray"]["tools"],
        json!(["list_workflows", "list_customers", "lookup_customer"]),
        "{copilot}"
    );
}
