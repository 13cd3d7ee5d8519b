//! Tray's published GraphQL schema, and a real GraphQL validator over it (apollo-compiler).
//!
//! Why: a fake API that accepts whatever the server sends proves nothing about Tray. Every
//! operation the fake receives, and every operation string in `src/server/tray_api.rs` (a unit
//! test there includes this file), is validated against the schema Tray published
//! (`fixtures/tray_api/published/graphql.schema.json`, the 2018 introspection) extended by the
//! operations Tray's current docs add (`embedded_api_additions.graphql`). Variable values are
//! coerced against the operation too, as a GraphQL server does before executing.
//!
//! The introspection result is turned into SDL here (a mechanical walk over `__schema.types`)
//! so the published file stays byte-for-byte as Tray published it.

use std::fmt::Write as _;
use std::path::PathBuf;

use apollo_compiler::response::JsonMap;
use apollo_compiler::validation::Valid;
use apollo_compiler::{ExecutableDocument, Schema};
use serde_json::Value;

/// Which schema the fake Tray API has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemaForm {
    /// Exactly what Tray published: the 2018 introspection plus the documented additions.
    Published,
    /// A schema that has "moved on" in the ways the server must survive: `Viewer.workflows`
    /// takes `first`/`after` (and pages), `Viewer.solutions` takes no pagination arguments, and
    /// `WorkflowSearchCriteria.ids` is `[ID!]`.
    MovedOn,
}

/// A validated schema, ready to check operations.
pub struct TraySchema {
    schema: Valid<Schema>,
}

/// Why an operation was refused: the messages a GraphQL server would put in `errors`.
#[derive(Debug, Clone)]
pub struct Rejection {
    /// One message per error, as in `errors[].message`.
    pub messages: Vec<String>,
}

impl TraySchema {
    /// Loads the published files in the given form.
    pub fn load(form: SchemaForm) -> Self {
        let mut introspection: Value =
            serde_json::from_str(&published("graphql.schema.json")).expect("graphql.schema.json parses");
        if form == SchemaForm::MovedOn {
            move_on(&mut introspection);
        }
        let mut sdl = sdl_from_introspection(&introspection["data"]["__schema"]);
        sdl.push_str(&published("embedded_api_additions.graphql"));
        let schema = Schema::parse_and_validate(sdl, "tray.graphql")
            .unwrap_or_else(|errors| panic!("Tray's published schema does not validate:\n{errors}"));
        TraySchema { schema }
    }

    /// Validates `query` and coerces `variables` against it, as a server does before execution.
    pub fn check(&self, query: &str, operation_name: Option<&str>, variables: &Value) -> Result<(), Rejection> {
        let document =
            ExecutableDocument::parse_and_validate(&self.schema, query, "operation.graphql").map_err(|errors| {
                Rejection {
                    messages: errors.errors.iter().map(|error| error.error.to_string()).collect(),
                }
            })?;
        let operation = document.operations.get(operation_name).map_err(|error| Rejection {
            messages: vec![error.message().to_string()],
        })?;
        let values: JsonMap = match variables {
            Value::Null => JsonMap::new(),
            other => serde_json::from_value(other.clone()).map_err(|error| Rejection {
                messages: vec![format!("variables must be an object: {error}")],
            })?,
        };
        apollo_compiler::request::coerce_variable_values(&self.schema, operation, &values)
            .map(|_| ())
            .map_err(|error| Rejection {
                messages: vec![error.message().to_string()],
            })
    }
}

/// Reads a file from `fixtures/tray_api/published/`.
pub fn published(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/tray_api/published")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// Applies the [`SchemaForm::MovedOn`] changes to the introspection result.
fn move_on(introspection: &mut Value) {
    let Some(types) = introspection
        .pointer_mut("/data/__schema/types")
        .and_then(Value::as_array_mut)
    else {
        panic!("the introspection has no types");
    };
    let scalar = |name: &str| serde_json::json!({"kind": "SCALAR", "name": name, "ofType": null});
    let argument =
        |name: &str, kind: &str| serde_json::json!({"name": name, "type": scalar(kind), "defaultValue": null});
    for ty in types.iter_mut() {
        match ty["name"].as_str() {
            Some("Viewer") => {
                for field in ty["fields"].as_array_mut().into_iter().flatten() {
                    let name = field["name"].as_str().map(str::to_string);
                    let args = field["args"].as_array_mut().expect("args");
                    match name.as_deref() {
                        Some("workflows") => args.extend([argument("first", "Int"), argument("after", "String")]),
                        Some("solutions") => args
                            .retain(|arg| !matches!(arg["name"].as_str(), Some("first" | "last" | "before" | "after"))),
                        _ => {}
                    }
                }
            }
            Some("WorkflowSearchCriteria") => {
                for field in ty["inputFields"].as_array_mut().into_iter().flatten() {
                    if field["name"] == "ids" {
                        field["type"] = serde_json::json!({"kind": "LIST", "name": null, "ofType":
                            {"kind": "NON_NULL", "name": null, "ofType": scalar("ID")}});
                    }
                }
            }
            _ => {}
        }
    }
}

const BUILT_IN_SCALARS: [&str; 5] = ["String", "Int", "Float", "Boolean", "ID"];

/// SDL for the types of an introspection `__schema` (descriptions and directives left out:
/// they do not change what is valid).
fn sdl_from_introspection(schema: &Value) -> String {
    let mut sdl = String::new();
    let root = |key: &str| schema[key]["name"].as_str().map(str::to_string);
    sdl.push_str("schema {\n");
    for (operation, key) in [
        ("query", "queryType"),
        ("mutation", "mutationType"),
        ("subscription", "subscriptionType"),
    ] {
        if let Some(name) = root(key) {
            let _ = writeln!(sdl, "  {operation}: {name}");
        }
    }
    sdl.push_str("}\n\n");
    for ty in schema["types"].as_array().into_iter().flatten() {
        let name = ty["name"].as_str().unwrap_or_default();
        if name.starts_with("__") || BUILT_IN_SCALARS.contains(&name) {
            continue;
        }
        write_type(&mut sdl, name, ty);
    }
    sdl
}

fn write_type(sdl: &mut String, name: &str, ty: &Value) {
    let names = |key: &str| -> Vec<String> {
        ty[key]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|item| item["name"].as_str().map(str::to_string))
            .collect()
    };
    match ty["kind"].as_str().unwrap_or_default() {
        "SCALAR" => {
            let _ = writeln!(sdl, "scalar {name}\n");
        }
        "ENUM" => {
            let _ = writeln!(sdl, "enum {name} {{ {} }}\n", names("enumValues").join(" "));
        }
        "UNION" => {
            let _ = writeln!(sdl, "union {name} = {}\n", names("possibleTypes").join(" | "));
        }
        "INPUT_OBJECT" => {
            let _ = writeln!(sdl, "input {name} {{");
            for field in ty["inputFields"].as_array().into_iter().flatten() {
                let _ = writeln!(sdl, "  {}", input_value(field));
            }
            sdl.push_str("}\n\n");
        }
        kind @ ("OBJECT" | "INTERFACE") => {
            let keyword = if kind == "OBJECT" { "type" } else { "interface" };
            let interfaces = names("interfaces");
            let implements = if interfaces.is_empty() {
                String::new()
            } else {
                format!(" implements {}", interfaces.join(" & "))
            };
            let _ = writeln!(sdl, "{keyword} {name}{implements} {{");
            for field in ty["fields"].as_array().into_iter().flatten() {
                let args: Vec<String> = field["args"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(input_value)
                    .collect();
                let args = if args.is_empty() {
                    String::new()
                } else {
                    format!("({})", args.join(", "))
                };
                let _ = writeln!(
                    sdl,
                    "  {}{args}: {}",
                    field["name"].as_str().unwrap_or_default(),
                    type_ref(&field["type"])
                );
            }
            sdl.push_str("}\n\n");
        }
        other => panic!("unknown type kind {other} for {name}"),
    }
}

/// `name: Type = default` of an argument or input field.
fn input_value(value: &Value) -> String {
    let mut text = format!(
        "{}: {}",
        value["name"].as_str().unwrap_or_default(),
        type_ref(&value["type"])
    );
    if let Some(default) = value["defaultValue"].as_str() {
        let _ = write!(text, " = {default}");
    }
    text
}

/// `[Type!]!` from an introspection type reference.
fn type_ref(reference: &Value) -> String {
    match reference["kind"].as_str().unwrap_or_default() {
        "NON_NULL" => format!("{}!", type_ref(&reference["ofType"])),
        "LIST" => format!("[{}]", type_ref(&reference["ofType"])),
        _ => reference["name"].as_str().unwrap_or_default().to_string(),
    }
}
