//! Reading a failed run's error message the way an on-call engineer would.
//!
//! Why: Tray's run log says *where* a run stopped and the raw error, but the agent (and the
//! person behind it) wants to know what kind of problem it is and what to try first. Like
//! Integrate.io's `explain_job_failure`, this is pattern matching, not magic: each category is
//! a few unambiguous markers, and the result says plainly that it is a heuristic.
//!
//! Everything here is pure: `explain_workflow_failure` reads the runs and the definition, and
//! [`failed_run_index`], [`explain_failure`] and [`no_failure`] turn them into the answer, so
//! the analysis is unit-tested without a backend.

use std::fmt::Write as _;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::remote::model::{Execution, ExecutionStatus, StepSummary, WorkflowDetails, WorkflowSummary};

/// The kind of problem an error message points to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FailureCategory {
    /// Credentials were refused: expired, revoked or wrong (HTTP 401/403, "unauthorized").
    Authentication,
    /// The service throttled the workflow (HTTP 429, "rate limit").
    RateLimit,
    /// A required value was missing or had the wrong shape.
    MissingField,
    /// The service did not answer in time.
    Timeout,
    /// The record or resource the step looked for does not exist (HTTP 404).
    NotFound,
    /// The service failed on its side (HTTP 5xx).
    ServiceError,
    /// Nothing recognisable in the message.
    Unknown,
}

impl FailureCategory {
    /// Classifies an error message.
    pub fn classify(message: &str) -> Self {
        let lower = message.to_ascii_lowercase();
        let has = |markers: &[&str]| markers.iter().any(|marker| lower.contains(marker));
        if has(&[
            "401",
            "403",
            "unauthorized",
            "unauthorised",
            "forbidden",
            "invalid api key",
            "expired api key",
            "invalid_grant",
            "token expired",
            "authentication failed",
            "needs to be reconnected",
            "invalid credentials",
        ]) {
            FailureCategory::Authentication
        } else if has(&["429", "rate limit", "too many requests", "throttl"]) {
            FailureCategory::RateLimit
        } else if has(&[
            "timed out",
            "timeout",
            "etimedout",
            "esockettimedout",
            "deadline exceeded",
        ]) {
            FailureCategory::Timeout
        } else if has(&[
            "missing required",
            "is required",
            "required field",
            "undefined",
            "cannot read propert",
            "must not be null",
            "validation error",
            "invalid value",
        ]) {
            FailureCategory::MissingField
        } else if has(&["404", "not found", "does not exist", "no such"]) {
            FailureCategory::NotFound
        } else if has(&[
            "500",
            "502",
            "503",
            "504",
            "internal server error",
            "bad gateway",
            "service unavailable",
        ]) {
            FailureCategory::ServiceError
        } else {
            FailureCategory::Unknown
        }
    }

    /// A one-line description of the category.
    pub fn summary(self) -> &'static str {
        match self {
            FailureCategory::Authentication => "an authentication problem",
            FailureCategory::RateLimit => "a rate limit",
            FailureCategory::MissingField => "a missing or malformed input value",
            FailureCategory::Timeout => "a timeout",
            FailureCategory::NotFound => "a record or resource that does not exist",
            FailureCategory::ServiceError => "an error on the connected service's side",
            FailureCategory::Unknown => "an error this server has no rule for",
        }
    }

    /// Suggested next steps, most useful first. `step_title` and `connector` name the failing
    /// step so the advice is concrete.
    pub fn next_steps(self, step_title: &str, connector: &str) -> Vec<String> {
        match self {
            FailureCategory::Authentication => vec![
                format!(
                    "Reconnect or replace the {connector} authentication used by step \
                     \"{step_title}\" (Tray app > Authentications); keys and OAuth grants expire \
                     or get revoked."
                ),
                format!(
                    "Check that the {connector} account still has the permissions this \
                     operation needs."
                ),
                "Re-run the workflow once the authentication works.".to_string(),
            ],
            FailureCategory::RateLimit => vec![
                format!(
                    "The {connector} API throttled step \"{step_title}\"; if failures are rare, \
                     re-running is enough."
                ),
                format!(
                    "If it repeats, turn on the step's error handling with retry and backoff, \
                     or add a delay inside loops that call {connector}."
                ),
                "Check whether other workflows share the same account and its quota.".to_string(),
            ],
            FailureCategory::MissingField => vec![
                format!(
                    "Open the failing run's log and look at the input of step \"{step_title}\": \
                     a value mapped from an earlier step was empty or missing."
                ),
                "Add a default value or a boolean condition before the step for records \
                 that lack the field."
                    .to_string(),
                "Check whether the upstream data or its schema changed recently.".to_string(),
            ],
            FailureCategory::Timeout => vec![
                format!(
                    "Step \"{step_title}\" waited too long for {connector}; check the service's \
                     status page, then re-run."
                ),
                "If it repeats, make each call smaller (pagination, smaller batches) or turn on \
                 retry in the step's error handling."
                    .to_string(),
            ],
            FailureCategory::NotFound => vec![
                format!(
                    "Step \"{step_title}\" referred to something {connector} does not have: \
                     check the ID or name it was given."
                ),
                "If records can be deleted upstream, handle the not-found case with a \
                 boolean condition or the step's error handling."
                    .to_string(),
            ],
            FailureCategory::ServiceError => vec![
                format!("{connector} failed on its side; check its status page and re-run."),
                "Turn on retry in the step's error handling if these are frequent.".to_string(),
            ],
            FailureCategory::Unknown => vec![
                format!(
                    "Read the full error and the input of step \"{step_title}\" in the run's log \
                     in the Tray app."
                ),
                "Compare with the last successful run to see what changed.".to_string(),
            ],
        }
    }
}

/// A failed run, explained.
#[derive(Debug, Serialize, JsonSchema)]
pub struct FailureExplanation {
    /// The failed run.
    pub execution: Execution,
    /// The step the run stopped at, when the workflow's definition names it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "StepSummary")]
    pub failed_step: Option<StepSummary>,
    /// The trigger and the steps placed before the failing step, in order. In a workflow with
    /// branches, not all of them ran on every run.
    pub steps_before: Vec<StepSummary>,
    /// The kind of problem the error message points to (a heuristic).
    pub category: FailureCategory,
    /// Suggested next steps, most useful first.
    pub next_steps: Vec<String>,
    /// How many runs in a row have failed, counting back from this one (itself included).
    pub consecutive_failures: usize,
}

/// Output of `explain_workflow_failure`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ExplainFailureOutput {
    /// The workflow's ID.
    pub workflow_id: String,
    /// The workflow's name.
    pub workflow_name: String,
    /// How many recent runs were examined.
    pub runs_examined: usize,
    /// The explained failure; absent when no recent run failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "FailureExplanation")]
    pub failure: Option<FailureExplanation>,
    /// The most recent successful run before the failure (or overall, when none failed).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Execution")]
    pub last_successful_run: Option<Execution>,
}

/// Why the run asked for cannot be explained.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunChoiceError {
    /// No run has that ID among those examined.
    NoSuchRun {
        /// The ID asked for.
        id: String,
    },
    /// The run did not fail.
    DidNotFail {
        /// The ID asked for.
        id: String,
        /// Its status.
        status: ExecutionStatus,
    },
}

impl RunChoiceError {
    /// The message for the agent, naming the workflow and how many runs were examined.
    pub fn message(&self, workflow: &WorkflowSummary, examined: usize) -> String {
        match self {
            RunChoiceError::NoSuchRun { id } => format!(
                "no run {id:?} among the last {examined} runs of \"{}\" ({}); \
                 list_workflow_executions shows their IDs",
                workflow.name, workflow.id
            ),
            RunChoiceError::DidNotFail { id, status } => format!(
                "run {id} of \"{}\" did not fail (its status is {}); there is nothing to explain",
                workflow.name,
                status.as_str()
            ),
        }
    }
}

/// The index of the run to explain in `runs` (newest first): `wanted` when given, which must
/// have failed, else the newest failed run; `None` when no run failed.
pub fn failed_run_index(runs: &[Execution], wanted: Option<&str>) -> Result<Option<usize>, RunChoiceError> {
    match wanted.map(str::trim).filter(|id| !id.is_empty()) {
        Some(id) => {
            let index = runs
                .iter()
                .position(|run| run.id == id)
                .ok_or_else(|| RunChoiceError::NoSuchRun { id: id.to_string() })?;
            if runs[index].status != ExecutionStatus::Failed {
                return Err(RunChoiceError::DidNotFail {
                    id: id.to_string(),
                    status: runs[index].status,
                });
            }
            Ok(Some(index))
        }
        None => Ok(runs.iter().position(|run| run.status == ExecutionStatus::Failed)),
    }
}

/// The answer when none of `runs` failed.
pub fn no_failure(workflow: &WorkflowSummary, runs: &[Execution]) -> (String, ExplainFailureOutput) {
    let last_successful_run = runs
        .iter()
        .find(|run| run.status == ExecutionStatus::Successful)
        .cloned();
    let mut text = format!(
        "No failed run among the last {} runs of \"{}\" ({}).",
        runs.len(),
        workflow.name,
        workflow.id
    );
    if let Some(run) = &last_successful_run {
        let _ = write!(text, " Last successful run: {} at {}.", run.id, run.started_at);
    }
    let output = ExplainFailureOutput {
        workflow_id: workflow.id.clone(),
        workflow_name: workflow.name.clone(),
        runs_examined: runs.len(),
        failure: None,
        last_successful_run,
    };
    (text, output)
}

/// Where the failing step sits in the workflow's definition, when it could be read: the step
/// and the steps before it (trigger first).
fn locate_step(definition: &WorkflowDetails, failed_step: Option<&str>) -> (Option<StepSummary>, Vec<StepSummary>) {
    let ordered: Vec<StepSummary> = definition
        .trigger
        .iter()
        .chain(definition.steps.iter())
        .cloned()
        .collect();
    match failed_step.and_then(|name| ordered.iter().position(|step| step.name == name)) {
        Some(position) => (Some(ordered[position].clone()), ordered[..position].to_vec()),
        None => (None, Vec::new()),
    }
}

/// Explains `runs[failed_index]` (runs newest first). `definition` is the workflow's
/// definition, or why it could not be read: without it the explanation is thinner but still
/// useful, so that is reported, not fatal.
pub fn explain_failure(
    workflow: &WorkflowSummary,
    runs: &[Execution],
    failed_index: usize,
    definition: Result<&WorkflowDetails, String>,
) -> (String, ExplainFailureOutput) {
    let failed_run = runs[failed_index].clone();
    // Runs are newest first, so the streak counts back in time from this run.
    let consecutive_failures = runs[failed_index..]
        .iter()
        .take_while(|run| run.status == ExecutionStatus::Failed)
        .count();
    let last_successful_run = runs[failed_index..]
        .iter()
        .find(|run| run.status == ExecutionStatus::Successful)
        .cloned();
    let (failed_step, steps_before, definition_note) = match definition {
        Ok(definition) => {
            let (step, before) = locate_step(definition, failed_run.failed_step.as_deref());
            (step, before, None)
        }
        Err(error) => (
            None,
            Vec::new(),
            Some(format!("(The workflow's definition could not be read: {error})")),
        ),
    };
    let message = failed_run.error_message.clone().unwrap_or_default();
    let category = FailureCategory::classify(&message);
    let step_title = failed_step
        .as_ref()
        .map(|step| step.title.clone())
        .or_else(|| failed_run.failed_step.clone())
        .unwrap_or_else(|| "the failing step".to_string());
    let connector = failed_step
        .as_ref()
        .map(|step| step.connector.clone())
        .unwrap_or_else(|| "the connected service".to_string());
    let next_steps = category.next_steps(&step_title, &connector);
    let explanation = FailureExplanation {
        execution: failed_run,
        failed_step,
        steps_before,
        category,
        next_steps,
        consecutive_failures,
    };
    let text = failure_text(
        workflow,
        runs.len(),
        &explanation,
        &message,
        last_successful_run.as_ref(),
        definition_note.as_deref(),
    );
    let output = ExplainFailureOutput {
        workflow_id: workflow.id.clone(),
        workflow_name: workflow.name.clone(),
        runs_examined: runs.len(),
        failure: Some(explanation),
        last_successful_run,
    };
    (text, output)
}

/// The explanation as text for the model.
fn failure_text(
    workflow: &WorkflowSummary,
    examined: usize,
    explanation: &FailureExplanation,
    message: &str,
    last_successful_run: Option<&Execution>,
    definition_note: Option<&str>,
) -> String {
    let run = &explanation.execution;
    let mut text = format!(
        "Run {} of \"{}\" ({}) failed, started {}.\n",
        run.id, workflow.name, workflow.id, run.started_at
    );
    match (&explanation.failed_step, &run.failed_step) {
        (Some(step), _) => {
            let _ = writeln!(text, "Failing step: {}", step.describe());
        }
        (None, Some(name)) => {
            let _ = writeln!(text, "Failing step: {name}");
        }
        (None, None) => text.push_str("Failing step: not recorded by Tray\n"),
    }
    let shown = if message.is_empty() {
        "(no error message recorded)"
    } else {
        message
    };
    let _ = writeln!(text, "Error: {shown}");
    if !explanation.steps_before.is_empty() {
        let names: Vec<String> = explanation
            .steps_before
            .iter()
            .map(|step| format!("\"{}\" ({})", step.title, step.connector))
            .collect();
        let _ = writeln!(text, "Steps before it: {}.", names.join(" → "));
    }
    if explanation.consecutive_failures > 1 {
        let _ = writeln!(text, "{} runs in a row have failed.", explanation.consecutive_failures);
    }
    match last_successful_run {
        Some(run) => {
            let _ = writeln!(text, "Last successful run before it: {} at {}.", run.id, run.started_at);
        }
        None => {
            let _ = writeln!(text, "No successful run among the {examined} runs examined.");
        }
    }
    let _ = writeln!(
        text,
        "Likely cause (heuristic, from the error message): {}.",
        explanation.category.summary()
    );
    text.push_str("Next steps:\n");
    for (index, step) in explanation.next_steps.iter().enumerate() {
        let _ = writeln!(text, "{}. {step}", index + 1);
    }
    if let Some(note) = definition_note {
        let _ = writeln!(text, "{note}");
    }
    text.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_common_messages() {
        let cases = [
            (
                "401 Unauthorized: Expired API Key provided",
                FailureCategory::Authentication,
            ),
            ("429 Too Many Requests: rate limit exceeded", FailureCategory::RateLimit),
            ("Missing required field: \"channel\"", FailureCategory::MissingField),
            ("ETIMEDOUT: request timed out after 30000ms", FailureCategory::Timeout),
            ("404 Not Found: no such record", FailureCategory::NotFound),
            ("503 Service Unavailable", FailureCategory::ServiceError),
            ("something odd happened", FailureCategory::Unknown),
        ];
        for (message, expected) in cases {
            assert_eq!(FailureCategory::classify(message), expected, "{message}");
        }
    }

    fn run(id: &str, status: ExecutionStatus, error: Option<&str>, step: Option<&str>) -> Execution {
        Execution {
            id: id.to_string(),
            status,
            started_at: format!("2026-10-0{}T02:00:00Z", id.len()),
            duration_seconds: None,
            error_message: error.map(str::to_string),
            failed_step: step.map(str::to_string),
        }
    }

    fn step(name: &str, title: &str, connector: &str) -> StepSummary {
        StepSummary {
            name: name.to_string(),
            title: title.to_string(),
            connector: connector.to_string(),
            connector_version: None,
            operation: None,
        }
    }

    fn workflow() -> WorkflowSummary {
        WorkflowSummary {
            id: "wf-1".to_string(),
            name: "Stripe Financial Log".to_string(),
            enabled: true,
            tags: Vec::new(),
        }
    }

    fn runs() -> Vec<Execution> {
        vec![
            run("r4", ExecutionStatus::Successful, None, None),
            run(
                "r3",
                ExecutionStatus::Failed,
                Some("401 Unauthorized: Expired API Key"),
                Some("stripe-1"),
            ),
            run(
                "r2",
                ExecutionStatus::Failed,
                Some("401 Unauthorized"),
                Some("stripe-1"),
            ),
            run("r1", ExecutionStatus::Successful, None, None),
        ]
    }

    #[test]
    fn the_newest_failed_run_is_chosen_unless_one_is_named() {
        let runs = runs();
        assert_eq!(failed_run_index(&runs, None), Ok(Some(1)));
        assert_eq!(failed_run_index(&runs, Some(" r2 ")), Ok(Some(2)));
        assert_eq!(
            failed_run_index(&runs, Some("r4")),
            Err(RunChoiceError::DidNotFail {
                id: "r4".into(),
                status: ExecutionStatus::Successful
            })
        );
        let missing = failed_run_index(&runs, Some("r9")).expect_err("no such run");
        assert!(
            missing
                .message(&workflow(), 4)
                .contains("no run \"r9\" among the last 4 runs")
        );
        assert_eq!(failed_run_index(&runs[..1], None), Ok(None));
    }

    #[test]
    fn a_failure_is_explained_with_its_step_streak_and_last_success() {
        let runs = runs();
        let definition = WorkflowDetails {
            id: "wf-1".to_string(),
            name: "Stripe Financial Log".to_string(),
            enabled: true,
            tags: Vec::new(),
            created: None,
            description: None,
            trigger: Some(step("trigger", "Every day", "scheduled")),
            steps: vec![
                step("stripe-1", "List balance transactions", "stripe"),
                step("sheets-1", "Append", "sheets"),
            ],
        };
        let (text, output) = explain_failure(&workflow(), &runs, 1, Ok(&definition));
        let failure = output.failure.expect("a failure");
        assert_eq!(failure.category, FailureCategory::Authentication);
        assert_eq!(failure.consecutive_failures, 2);
        assert_eq!(failure.failed_step.map(|step| step.name), Some("stripe-1".to_string()));
        assert_eq!(failure.steps_before.len(), 1);
        assert_eq!(output.last_successful_run.map(|run| run.id), Some("r1".to_string()));
        assert!(
            text.starts_with("Run r3 of \"Stripe Financial Log\" (wf-1) failed"),
            "{text}"
        );
        assert!(text.contains("2 runs in a row have failed."), "{text}");
        assert!(text.contains("Steps before it: \"Every day\" (scheduled)."), "{text}");

        let (text, output) = explain_failure(&workflow(), &runs, 2, Err("HTTP 500".to_string()));
        assert!(output.failure.is_some_and(|failure| failure.failed_step.is_none()));
        assert!(text.contains("Failing step: stripe-1"), "{text}");
        assert!(
            text.ends_with("(The workflow's definition could not be read: HTTP 500)"),
            "{text}"
        );
    }

    #[test]
    fn no_failure_names_the_last_successful_run() {
        let runs = runs();
        let (text, output) = no_failure(&workflow(), &runs[..1]);
        assert!(output.failure.is_none());
        assert_eq!(
            text,
            "No failed run among the last 1 runs of \"Stripe Financial Log\" (wf-1). Last successful run: r4 at 2026-10-02T02:00:00Z."
        );
    }
}
