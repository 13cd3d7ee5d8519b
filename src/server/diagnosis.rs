//! Reading a failed run's error message the way an on-call engineer would.
//!
//! Why: Tray's run log says *where* a run stopped and the raw error, but the agent (and the
//! person behind it) wants to know what kind of problem it is and what to try first. Like
//! Integrate.io's `explain_job_failure`, this is pattern matching, not magic: each category is
//! a few unambiguous markers, and the result says plainly that it is a heuristic.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

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
}
