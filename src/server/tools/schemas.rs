//! Tool schemas that every client accepts: schemars' output cleaned of what strict validators
//! (ajv in Claude Code, the inspector's `--strict`) warn about.

use std::sync::Arc;

use rmcp::handler::server::common::{schema_for_empty_input, schema_for_input};
use rmcp::handler::server::tool::schema_for_output;
use rmcp::model::JsonObject;
use schemars::JsonSchema;

/// Removes the `format` annotations schemars puts on Rust integer and float types (`uint32`,
/// `double`, ...). They are not JSON Schema formats: validators such as ajv (used by Claude
/// Code) log a warning for each one, and the range is already stated by `minimum`/`maximum`.
fn without_numeric_formats(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(object) => {
            let numeric = object
                .get("format")
                .and_then(serde_json::Value::as_str)
                .is_some_and(|format| {
                    matches!(
                        format,
                        "int8"
                            | "int16"
                            | "int32"
                            | "int64"
                            | "uint"
                            | "uint8"
                            | "uint16"
                            | "uint32"
                            | "uint64"
                            | "float"
                            | "double"
                    )
                });
            if numeric {
                object.remove("format");
            }
            object.values_mut().for_each(without_numeric_formats);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(without_numeric_formats),
        _ => {}
    }
}

fn portable(schema: &JsonObject) -> Arc<JsonObject> {
    let mut value = serde_json::Value::Object(schema.clone());
    without_numeric_formats(&mut value);
    match value {
        serde_json::Value::Object(object) => Arc::new(object),
        _ => Arc::new(schema.clone()),
    }
}

/// A tool's `inputSchema`, without non-standard numeric formats.
pub(super) fn portable_input_schema<T: JsonSchema + 'static>() -> Arc<JsonObject> {
    match schema_for_input::<T>() {
        Ok(schema) => portable(&schema),
        Err(error) => {
            tracing::error!(%error, "invalid input schema; advertising an empty one");
            schema_for_empty_input()
        }
    }
}

/// A tool's `outputSchema`, without non-standard numeric formats.
pub(super) fn portable_output_schema<T: JsonSchema + 'static>() -> Arc<JsonObject> {
    portable(&schema_for_output::<T>())
}
