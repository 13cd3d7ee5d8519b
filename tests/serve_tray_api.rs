//! `tray-mcp serve` against a fake Tray API on 127.0.0.1: every tool in every region, and
//! every way the API can fail (401, 403, 429, 500, timeout, malformed JSON, nothing
//! listening). The server must turn each failure into a readable tool error and keep serving.

mod serve_support;

use std::time::{Duration, Instant};

use serde_json::json;
use serve_support::fake_tray::{Behavior, FakeTray};
use serve_support::{FakeHome, McpProcess};

const WORKSPACE: &str = "3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718";
const TOKEN: &str = "tok_live_9f8e7d6c5b4a";
const STRIPE_WORKFLOW: &str = "5e1c7a3b-3333-4c8e-9d2a-0a1b2c3d4e03";

/// `tray-mcp serve --workspace-id ... --region REGION` pointed at the fake.
fn serve_against(home: &FakeHome, fake: &FakeTray, region: &str) -> McpProcess {
    let mut command = home.command(&[
        "serve",
        "--workspace-id",
        WORKSPACE,
        "--region",
        region,
        "--log-level",
        "trace",
    ]);
    command
        .env("TRAY_API_TOKEN", TOKEN)
        .env("TRAY_API_URL", fake.rest_url())
        .env("TRAY_GRAPHQL_URL", fake.graphql_url())
        .env("TRAY_API_TIMEOUT_SECS", "0.5");
    let mut server = McpProcess::start(command);
    server.initialize();
    server
}

/// Calls every tool and checks what the fixtures say.
fn call_every_tool(server: &mut McpProcess, region: &str) {
    let user = server.call_tool("get_authenticated_user", json!({}));
    let text = user.expect_ok("get_authenticated_user");
    assert!(text.contains("Ada Lovelace"), "{text}");
    assert!(text.contains(WORKSPACE) && text.contains(region), "{text}");
    assert_eq!(user.structured()["region"], json!(region));
    assert_eq!(user.structured()["backend"], json!("tray_api"));

    // Two pages in the API; the tool shows all three workflows.
    let workflows = server.call_tool("list_workflows", json!({}));
    let text = workflows.expect_ok("list_workflows");
    assert!(text.contains("Stripe Financial Log"), "page 2 missing: {text}");
    assert_eq!(workflows.structured()["total_matching"], json!(3));

    let disabled = server.call_tool("list_workflows", json!({"enabled": false}));
    assert_eq!(disabled.structured()["total_matching"], json!(1));

    let details = server.call_tool("get_workflow_details", json!({"workflow": "Stripe Financial Log"}));
    let text = details.expect_ok("get_workflow_details");
    assert!(text.contains("List balance transactions"), "{text}");
    assert_eq!(details.structured()["trigger"]["connector"], json!("scheduled"));
    let steps: Vec<&str> = details.structured()["steps"]
        .as_array()
        .map(|steps| steps.iter().filter_map(|step| step["name"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(steps, ["stripe-1", "boolean-condition-1", "google-sheets-1"]);

    let runs = server.call_tool("list_workflow_executions", json!({"workflow": STRIPE_WORKFLOW}));
    let text = runs.expect_ok("list_workflow_executions");
    assert!(text.contains("log-003") && text.contains("failed"), "{text}");
    let statuses: Vec<&str> = runs.structured()["executions"]
        .as_array()
        .map(|runs| runs.iter().filter_map(|run| run["status"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(statuses, ["failed", "successful", "aborted"]);

    let solutions = server.call_tool("list_integration_solutions", json!({"tag": "finance"}));
    let text = solutions.expect_ok("list_integration_solutions");
    assert!(text.contains("Stripe Invoices to NetSuite"), "{text}");

    let connectors = server.call_tool("list_available_connectors", json!({"search": "sales"}));
    let text = connectors.expect_ok("list_available_connectors");
    assert!(text.contains("Salesforce (salesforce) v8.7"), "{text}");

    let explained = server.call_tool("explain_workflow_failure", json!({"workflow": "Stripe Financial Log"}));
    let text = explained.expect_ok("explain_workflow_failure");
    assert!(text.contains("List balance transactions"), "{text}");
    assert_eq!(explained.structured()["failure"]["category"], json!("authentication"));
    assert_eq!(
        explained.structured()["failure"]["steps_before"][0]["name"],
        json!("trigger")
    );
}

#[test]
fn every_tool_works_against_the_fake_api_in_every_region() {
    for region in ["us1", "eu1", "apac1"] {
        let home = FakeHome::new();
        let fake = FakeTray::start(Behavior::Normal);
        let mut server = serve_against(&home, &fake, region);
        call_every_tool(&mut server, region);
        let (status, stderr) = server.finish();
        assert!(status.success(), "exit {status:?}; stderr:\n{stderr}");

        let requests = fake.requests();
        assert!(requests.len() >= 8, "{requests:?}");
        for request in &requests {
            assert_eq!(
                request.authorization.as_deref(),
                Some(format!("Bearer {TOKEN}").as_str()),
                "{} {}",
                request.method,
                request.path
            );
        }
        assert!(
            requests
                .iter()
                .any(|request| request.method == "GET" && request.path == "/core/v1/connectors")
        );
        // Even at trace level (which logs every request), the token never reaches the logs.
        assert!(stderr.contains("Tray API answered"), "trace logs missing:\n{stderr}");
        assert!(!stderr.contains(TOKEN), "token in stderr:\n{stderr}");
    }
}

#[test]
fn a_profile_supplies_workspace_region_and_token() {
    let home = FakeHome::new();
    home.write_profile(
        "acme",
        &json!({"workspace_id": WORKSPACE, "region": "eu1", "api_token": TOKEN}),
    );
    let fake = FakeTray::start(Behavior::Normal);
    let mut command = home.command(&["serve", "--profile", "acme"]);
    command
        .env("TRAY_API_URL", fake.rest_url())
        .env("TRAY_GRAPHQL_URL", fake.graphql_url());
    let mut server = McpProcess::start(command);
    server.initialize();
    call_every_tool(&mut server, "eu1");
    let (status, stderr) = server.finish();
    assert!(status.success(), "{stderr}");
    assert!(!stderr.contains(TOKEN));
}

#[test]
fn rejected_tokens_become_tool_errors_and_the_server_keeps_serving() {
    let home = FakeHome::new();
    let fake = FakeTray::start(Behavior::Status(
        401,
        r#"{"message":"Unauthorized","code":"unauthorized"}"#.to_string(),
    ));
    let mut server = serve_against(&home, &fake, "us1");

    let text = server
        .call_tool("get_authenticated_user", json!({}))
        .expect_error("401");
    assert!(
        text.contains("rejected the API token") && text.contains("401"),
        "{text}"
    );
    assert!(text.contains("hint:"), "{text}");

    fake.set_behavior(Behavior::Status(
        403,
        r#"{"message":"Forbidden","code":"forbidden"}"#.to_string(),
    ));
    let text = server
        .call_tool("list_available_connectors", json!({}))
        .expect_error("403");
    assert!(text.contains("403") && text.contains(WORKSPACE), "{text}");
    assert!(text.contains("region (us1)"), "{text}");

    // Same process, API healthy again: the next call works.
    fake.set_behavior(Behavior::Normal);
    server
        .call_tool("get_authenticated_user", json!({}))
        .expect_ok("after recovery");
    let (status, stderr) = server.finish();
    assert!(status.success());
    assert!(!stderr.contains(TOKEN));
}

#[test]
fn rate_limits_are_retried_with_backoff_then_reported() {
    let home = FakeHome::new();
    let fake = FakeTray::start(Behavior::RateLimitedFor(2));
    let mut server = serve_against(&home, &fake, "eu1");

    server
        .call_tool("list_available_connectors", json!({}))
        .expect_ok("429 twice, then 200");
    assert_eq!(fake.requests().len(), 3, "two 429s and one success");

    fake.set_behavior(Behavior::RateLimitedFor(100));
    let before = fake.requests().len();
    let text = server
        .call_tool("list_available_connectors", json!({}))
        .expect_error("429 forever");
    assert!(text.contains("429") && text.contains("4 attempts"), "{text}");
    assert_eq!(fake.requests().len() - before, 4, "bounded retries");
    server.finish();
}

#[test]
fn server_errors_timeouts_and_malformed_bodies_are_tool_errors() {
    let home = FakeHome::new();
    let fake = FakeTray::start(Behavior::Status(
        500,
        r#"{"message":"Internal error, reference 8c1f","code":"internal"}"#.to_string(),
    ));
    let mut server = serve_against(&home, &fake, "apac1");

    let text = server.call_tool("list_workflows", json!({})).expect_error("500");
    assert!(text.contains("HTTP 500") && text.contains("reference 8c1f"), "{text}");

    fake.set_behavior(Behavior::Hang(Duration::from_secs(5)));
    let started = Instant::now();
    let text = server
        .call_tool("list_available_connectors", json!({}))
        .expect_error("timeout");
    assert!(text.contains("did not answer within 0.5 seconds"), "{text}");
    assert!(started.elapsed() < Duration::from_secs(4), "{:?}", started.elapsed());

    fake.set_behavior(Behavior::NotJson);
    let text = server
        .call_tool("get_authenticated_user", json!({}))
        .expect_error("malformed");
    assert!(text.contains("could not understand"), "{text}");

    fake.set_behavior(Behavior::Status(
        200,
        r#"{"errors":[{"message":"Field 'logs' is not available"}]}"#.to_string(),
    ));
    let text = server
        .call_tool("list_integration_solutions", json!({}))
        .expect_error("graphql errors");
    assert!(text.contains("Field 'logs' is not available"), "{text}");

    fake.set_behavior(Behavior::Normal);
    server.call_tool("list_workflows", json!({})).expect_ok("still serving");
    let (status, _) = server.finish();
    assert!(status.success());
}

#[test]
fn an_unreachable_api_is_a_tool_error() {
    // Bind and drop a listener: nothing listens on that port any more.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("free port");
    let home = FakeHome::new();
    let mut command = home.command(&["serve", "--workspace-id", WORKSPACE]);
    command
        .env("TRAY_API_TOKEN", TOKEN)
        .env("TRAY_API_URL", format!("http://127.0.0.1:{port}"))
        .env("TRAY_GRAPHQL_URL", format!("http://127.0.0.1:{port}/graphql"));
    let mut server = McpProcess::start(command);
    server.initialize();
    let text = server
        .call_tool("list_available_connectors", json!({}))
        .expect_error("connection refused");
    assert!(text.contains("could not reach Tray"), "{text}");
    assert!(!text.contains(TOKEN));
    let (status, _) = server.finish();
    assert!(status.success());
}
