//! `tray-mcp serve` against a fake Tray API on 127.0.0.1: every tool in every region, and
//! every way the API can fail (401, 403, 429, 500, timeout, malformed JSON, nothing
//! listening). The server must turn each failure into a readable tool error and keep serving.

use crate::support;

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::FakeHome;
use support::fake_tray::{Behavior, FakeTray, SchemaForm};
use support::serve::McpProcess;

const WORKSPACE: &str = "3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718";
const TOKEN: &str = "tok_live_9f8e7d6c5b4a";
const STRIPE_WORKFLOW: &str = "5e1c7a3b-3333-4c8e-9d2a-0a1b2c3d4e03";

/// `tray-mcp serve --workspace-id ... --region REGION` pointed at the fake.
fn serve_against(home: &FakeHome, fake: &FakeTray, region: &str) -> McpProcess {
    let mut command = home.serve_command(&[
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
        .envs(fake.api_variables())
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
    assert!(text.contains("This token can use every built-in tool."), "{text}");
    let tools = user.structured()["tools"].as_array().cloned().unwrap_or_default();
    assert_eq!(tools.len(), 7, "{tools:?}");
    assert!(tools.iter().all(|tool| tool["state"] == "allowed"), "{tools:?}");

    // Three workflows (one answer with Tray's published schema, two pages with the other form).
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

    // trayapi.yaml's own example answers GET /core/v1/connectors.
    let connectors = server.call_tool("list_available_connectors", json!({"search": "twilio"}));
    let text = connectors.expect_ok("list_available_connectors");
    assert!(text.contains("Twilio (twilio-output) v2.1"), "{text}");

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

/// Sends one HTTP request to the fake; returns the status and the JSON answer.
fn http(fake: &FakeTray, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
    use std::io::{Read, Write};
    let address = fake.rest_url().trim_start_matches("http://").to_string();
    let mut stream = std::net::TcpStream::connect(&address).expect("connect to the fake");
    let body = body.map(Value::to_string).unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .expect("send");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read");
    let status = answer
        .split_whitespace()
        .nth(1)
        .and_then(|status| status.parse().ok())
        .unwrap_or(0);
    let json = answer
        .split_once("\r\n\r\n")
        .and_then(|(_, json)| serde_json::from_str(json).ok())
        .unwrap_or(Value::Null);
    (status, json)
}

fn post_graphql(fake: &FakeTray, body: &Value) -> (u16, Value) {
    http(fake, "POST", "/graphql", Some(body))
}

#[test]
fn the_fake_refuses_the_operations_sent_before_they_were_checked_against_trays_schema() {
    let fake = FakeTray::start(Behavior::Normal);
    let old_workflows = "query Workflows($first: Int, $after: String) { viewer { workflows(first: $first, \
                         after: $after) { edges { node { id name enabled tags } } pageInfo { hasNextPage endCursor } } } }";
    let old_logs = "query WorkflowLogs($workflowId: ID!, $first: Int) { viewer { workflows(criteria: { ids: \
                    [$workflowId] }) { edges { node { id logs(first: $first) { edges { node { id created \
                    currentState errorMessage errorStepName } } } } } } } }";
    for (query, variables, expected) in [
        (old_workflows, json!({"first": 100, "after": null}), "first"),
        (old_logs, json!({"workflowId": STRIPE_WORKFLOW, "first": 20}), "String!"),
    ] {
        let (status, answer) = post_graphql(&fake, &json!({"query": query, "variables": variables}));
        assert_eq!(
            status, 200,
            "a GraphQL server answers a refused operation with 200: {answer}"
        );
        assert!(
            answer.get("data").is_none(),
            "no data for a refused operation: {answer}"
        );
        let messages = answer["errors"].to_string();
        assert!(messages.contains(expected), "{query}\n{messages}");
    }
    // A valid operation with a variable of the wrong type is refused too (values are coerced).
    let valid = "query WorkflowLogs($workflowId: String!) { viewer { workflows(criteria: { ids: [$workflowId] }) \
                 { edges { node { id } } } } }";
    let (_, answer) = post_graphql(&fake, &json!({"query": valid, "variables": {"workflowId": 7}}));
    assert!(
        answer.get("data").is_none() && answer["errors"][0]["message"].is_string(),
        "{answer}"
    );
    let (_, answer) = post_graphql(
        &fake,
        &json!({"query": valid, "variables": {"workflowId": STRIPE_WORKFLOW}}),
    );
    assert!(answer["data"]["viewer"]["workflows"].is_object(), "{answer}");
}

#[test]
fn the_fake_checks_rest_requests_against_trays_openapi_document() {
    let fake = FakeTray::start(Behavior::Normal);
    let get = |path: &str| http(&fake, "GET", path, None);
    let (status, body) = get("/core/v1/connectors");
    assert_eq!(status, 200);
    assert_eq!(body["elements"][0]["name"], json!("slack"), "{body}");
    let (status, body) = get("/core/v1/connectors?page=2");
    assert_eq!(status, 400, "{body}");
    assert!(body["message"].as_str().unwrap_or_default().contains("page"), "{body}");
    let (status, _) = get("/core/v1/conectors");
    assert_eq!(status, 404);
    let (status, _) = http(&fake, "DELETE", "/core/v1/connectors", None);
    assert_eq!(status, 405);
}

#[test]
fn a_schema_that_moved_on_is_met_by_the_other_documented_form_once_per_session() {
    let home = FakeHome::new();
    let fake = FakeTray::start_with_schema(Behavior::Normal, SchemaForm::MovedOn);
    let mut server = serve_against(&home, &fake, "us1");

    // viewer.workflows pages now: the published form's answer says there is a next page, and
    // the rest is read with the paginated form.
    let workflows = server.call_tool("list_workflows", json!({}));
    workflows.expect_ok("list_workflows");
    assert_eq!(workflows.structured()["total_matching"], json!(3));

    // viewer.solutions lost its pagination arguments: refused once, then the other form.
    let before = fake.requests().len();
    let solutions = server.call_tool("list_integration_solutions", json!({}));
    assert!(solutions.expect_ok("solutions").contains("Stripe Invoices to NetSuite"));
    assert_eq!(fake.requests().len() - before, 2, "one refused request, one answered");
    let before = fake.requests().len();
    server
        .call_tool("list_integration_solutions", json!({}))
        .expect_ok("solutions again");
    assert_eq!(
        fake.requests().len() - before,
        1,
        "the choice is remembered for the session"
    );

    // WorkflowSearchCriteria.ids is [ID!] now.
    let runs = server.call_tool("list_workflow_executions", json!({"workflow": STRIPE_WORKFLOW}));
    assert!(runs.expect_ok("runs").contains("log-003"));
    call_every_tool(&mut server, "us1");

    let (status, stderr) = server.finish();
    assert!(status.success(), "{stderr}");
    assert!(
        stderr.contains("trying the other documented form") && stderr.contains("no pagination arguments"),
        "the fallback is logged at debug level:\n{stderr}"
    );
    assert!(stderr.contains("ids: [ID!]"), "{stderr}");
}

#[test]
fn a_token_without_master_access_is_told_which_tools_need_which_token() {
    let home = FakeHome::new();
    let fake = FakeTray::start(Behavior::ApiUserToken);
    let mut server = serve_against(&home, &fake, "eu1");

    // The tools still appear...
    let listed = server.request("tools/list", json!({}));
    let names: Vec<&str> = listed["result"]["tools"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|tool| tool["name"].as_str())
        .collect();
    assert!(
        names.contains(&"list_workflows") && names.contains(&"get_workflow_details"),
        "{names:?}"
    );
    // ...and get_authenticated_user says up front which of them work.
    let user = server.call_tool("get_authenticated_user", json!({}));
    let text = user.expect_ok("viewer.details is allowed");
    assert!(text.contains("This token can use: get_authenticated_user."), "{text}");
    assert!(
        text.contains("- list_workflows (refused): GraphQL viewer.workflows needs a master token"),
        "{text}"
    );
    assert!(text.contains("tray-mcp token set"), "{text}");
    let tools = user.structured()["tools"].as_array().cloned().unwrap_or_default();
    let refused = tools.iter().filter(|tool| tool["state"] == "refused").count();
    assert_eq!(refused, 6, "{tools:?}");

    let text = server
        .call_tool("list_workflows", json!({}))
        .expect_error("master only");
    assert!(
        text.contains("needs a master token") && text.contains("access not allowed"),
        "{text}"
    );
    let text = server
        .call_tool("list_available_connectors", json!({}))
        .expect_error("403");
    assert!(
        text.contains("403") && text.contains("needs a master token or an end user's user token"),
        "{text}"
    );
    let (status, stderr) = server.finish();
    assert!(status.success(), "{stderr}");
    assert!(!stderr.contains(TOKEN));
}

#[test]
fn a_profile_supplies_workspace_region_and_token() {
    let home = FakeHome::new();
    home.write_profile(
        "acme",
        &json!({"workspace_id": WORKSPACE, "region": "eu1", "api_token": TOKEN}),
    );
    let fake = FakeTray::start(Behavior::Normal);
    let mut command = home.serve_command(&["serve", "--profile", "acme"]);
    command.envs(fake.api_variables());
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
    let mut command = home.serve_command(&["serve", "--workspace-id", WORKSPACE]);
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
