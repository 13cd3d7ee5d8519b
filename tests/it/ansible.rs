//! The Ansible example (`examples/ansible/playbook.yml`) run by a pinned `ansible-core`
//! (`ansible-playbook -c local`, installed by scripts/test.sh) against a fake home: the first run
//! reports the apply task changed, the second ok, and after a hand edit `--check` mode reports the
//! drift as a change without writing anything.

use crate::support;

use std::path::Path;
use std::process::Command;

use support::{FakeHome, TOKEN, WORKSPACE, test_tools};

/// The status line (`ok`, `changed`, `skipping`, `fatal`) of the task named `task` in
/// ansible-playbook's default output.
fn task_status<'a>(output: &'a str, task: &str) -> &'a str {
    let header = format!("TASK [{task}]");
    let after = output
        .split_once(&header)
        .unwrap_or_else(|| panic!("no task {task} in:\n{output}"))
        .1;
    after
        .lines()
        .map(str::trim)
        .find_map(|line| {
            ["changed", "ok", "skipping", "fatal"]
                .into_iter()
                .find(|status| line.starts_with(&format!("{status}:")))
        })
        .unwrap_or_else(|| panic!("no status for {task} in:\n{output}"))
}

fn playbook(home: &FakeHome, tools: &Path, manifest: &Path, check: bool) -> (bool, String) {
    let venv = tools.join("ansible/bin");
    let binary = assert_cmd::cargo::cargo_bin("tray-mcp");
    let playbook = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/ansible/playbook.yml");
    let mut command = Command::new(venv.join("ansible-playbook"));
    command
        .current_dir(home.project())
        .env_clear()
        .env(
            "PATH",
            format!("{}:{}", venv.display(), std::env::var("PATH").unwrap_or_default()),
        )
        .env("HOME", home.home())
        .env("XDG_CONFIG_HOME", home.home().join(".config"))
        .env("TRAY_MCP_TOKEN_STORE", "file")
        .env("LC_ALL", "C.UTF-8")
        .env("ANSIBLE_HOME", home.home().join(".ansible"))
        .env("ANSIBLE_LOCAL_TEMP", home.home().join(".ansible/tmp"))
        .env("ANSIBLE_NOCOLOR", "1")
        .env("ANSIBLE_PYTHON_INTERPRETER", venv.join("python"))
        .env("ANSIBLE_RETRY_FILES_ENABLED", "0")
        .args(["-c", "local", "-i", "localhost,"])
        .arg(&playbook)
        .arg("-e")
        .arg(format!("tray_mcp_binary_src={}", binary.display()))
        .arg("-e")
        .arg(format!("tray_mcp_manifest={}", manifest.display()))
        .arg("-e")
        .arg(format!(r#"{{"tray_mcp_environment": {{"PROD_TOKEN": "{TOKEN}"}}}}"#));
    if check {
        command.arg("--check");
    }
    let output = command.output().expect("ansible-playbook runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

#[test]
#[ignore = "needs scripts/test.sh"]
fn the_ansible_playbook_applies_then_is_idempotent_then_check_mode_finds_a_hand_edit() {
    let tools = test_tools();
    let home = FakeHome::new();
    let manifest = home.write(
        "team/tray-mcp.toml",
        format!(
            "[servers.tray-production]\nworkspace = \"{WORKSPACE}\"\nclients = [\"cursor\", \"codex\"]\ntoken = {{ env = \"PROD_TOKEN\" }}\n"
        ),
    );
    let (ok, first) = playbook(&home, &tools, &manifest, false);
    assert!(ok, "{first}");
    assert_eq!(task_status(&first, "Apply the manifest"), "changed", "{first}");
    assert!(home.read(".cursor/mcp.json").contains("tray-production"));
    assert!(
        home.read(".codex/config.toml")
            .contains("[mcp_servers.tray-production]")
    );

    let before = home.snapshot_files();
    let (ok, second) = playbook(&home, &tools, &manifest, false);
    assert!(ok, "{second}");
    assert_eq!(task_status(&second, "Apply the manifest"), "ok", "{second}");
    assert!(second.contains("changed=0"), "{second}");

    let (ok, clean_check) = playbook(&home, &tools, &manifest, true);
    assert!(ok, "{clean_check}");
    assert_eq!(
        task_status(&clean_check, "Check the manifest for drift"),
        "ok",
        "{clean_check}"
    );

    let cursor = ".cursor/mcp.json";
    home.write(
        cursor,
        home.read(cursor)
            .replace("\"--profile\"", "\"--log-level\", \"debug\", \"--profile\""),
    );
    let edited = home.read(cursor);
    let (ok, check) = playbook(&home, &tools, &manifest, true);
    assert!(ok, "{check}");
    assert_eq!(
        task_status(&check, "Check the manifest for drift"),
        "changed",
        "{check}"
    );
    assert!(check.contains("differs from the manifest"), "{check}");
    assert_eq!(home.read(cursor), edited, "check mode writes nothing");
    assert!(!first.contains(TOKEN) && !second.contains(TOKEN) && !check.contains(TOKEN));
    let _ = before;
}
