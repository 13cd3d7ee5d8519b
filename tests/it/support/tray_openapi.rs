//! Tray's published REST API description (OpenAPI, `trayapi.yaml`), as the fake Tray API's
//! judge: a request whose path, method or query parameters the document does not have is
//! refused the way Tray's error schemas describe (`{"message", "code"}`), and a valid one is
//! answered with the document's own example.
//!
//! The fixture is a verbatim excerpt of Tray's `trayapi.yaml` (see
//! `fixtures/tray_api/README.md`): the paths the server uses and the components they refer to.
//! A new REST call therefore needs its path copied from Tray's document before any test of it
//! can pass.

use serde_json::Value;

use super::tray_schema::published;

/// The published REST document.
pub struct TrayOpenApi {
    document: Value,
}

/// A request the document does not describe: the HTTP status and JSON body to answer with.
#[derive(Debug, Clone)]
pub struct Refusal {
    /// 404 (no such path), 405 (no such method) or 400 (unknown or missing parameter).
    pub status: u16,
    /// `{"message", "code"}`, the shape of Tray's error schemas.
    pub body: String,
}

impl TrayOpenApi {
    /// Loads `fixtures/tray_api/published/trayapi.connectors.yaml`.
    pub fn load() -> Self {
        let document: Value =
            serde_norway::from_str(&published("trayapi.connectors.yaml")).expect("trayapi excerpt parses");
        TrayOpenApi { document }
    }

    /// Checks `method target` (target = path plus optional query) and returns the 200 example.
    pub fn answer(&self, method: &str, target: &str) -> Result<Value, Refusal> {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let Some((template, item)) = self.path_item(path) else {
            return Err(refusal(
                404,
                "not_found",
                &format!("no such path in trayapi.yaml: {path}"),
            ));
        };
        let Some(operation) = item.get(method.to_ascii_lowercase()) else {
            return Err(refusal(
                405,
                "method_not_allowed",
                &format!("trayapi.yaml has no {method} {template}"),
            ));
        };
        let parameters: Vec<&Value> = operation
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .collect();
        let declared_query = |name: &str| {
            parameters
                .iter()
                .any(|parameter| parameter["in"] == "query" && parameter["name"] == name)
        };
        let given: Vec<&str> = query
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| pair.split_once('=').map_or(pair, |(name, _)| name))
            .collect();
        if let Some(unknown) = given.iter().find(|name| !declared_query(name)) {
            return Err(refusal(
                400,
                "invalid_input",
                &format!("{method} {template} takes no query parameter `{unknown}`"),
            ));
        }
        for parameter in &parameters {
            let name = parameter["name"].as_str().unwrap_or_default();
            if parameter["in"] == "query" && parameter["required"] == true && !given.contains(&name) {
                return Err(refusal(
                    400,
                    "invalid_input",
                    &format!("{method} {template} needs the query parameter `{name}`"),
                ));
            }
        }
        operation
            .pointer("/responses/200/content/application~1json/examples")
            .and_then(Value::as_object)
            .and_then(|examples| examples.values().next())
            .and_then(|example| example.get("value"))
            .cloned()
            .ok_or_else(|| {
                refusal(
                    500,
                    "internal_error",
                    &format!("trayapi.yaml has no example for {template}"),
                )
            })
    }

    /// The path template matching `path` (`{name}` matches one segment) and its path item.
    fn path_item(&self, path: &str) -> Option<(&str, &Value)> {
        let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
        self.document["paths"]
            .as_object()?
            .iter()
            .find(|(template, _)| {
                let parts: Vec<&str> = template.split('/').collect();
                parts.len() == segments.len()
                    && parts
                        .iter()
                        .zip(&segments)
                        .all(|(part, segment)| part.starts_with('{') || part == segment)
            })
            .map(|(template, item)| (template.as_str(), item))
    }
}

fn refusal(status: u16, code: &str, message: &str) -> Refusal {
    Refusal {
        status,
        body: serde_json::json!({ "message": message, "code": code }).to_string(),
    }
}
