//! Every string inside a JSON value, found by one walk.
//!
//! Why: finding inline tokens, following a renamed reference and spotting a gateway URL are all
//! "look at every string of an entry, wherever it sits" (`args`, `env`, `headers`, nested
//! objects). One walker, instead of one hand-written recursion per question, keeps them from
//! disagreeing about where a string can hide.

use serde_json::Value;

/// Every string in `value` (object values, array items, nested at any depth), in document order.
/// Object keys are not included.
pub fn strings(value: &Value) -> impl Iterator<Item = &str> {
    let mut pending = vec![value];
    std::iter::from_fn(move || {
        while let Some(value) = pending.pop() {
            match value {
                Value::String(text) => return Some(text.as_str()),
                Value::Array(items) => pending.extend(items.iter().rev()),
                Value::Object(map) => pending.extend(map.values().rev()),
                _ => {}
            }
        }
        None
    })
}

/// Calls `change` on every string in `value` (as [`strings`] finds them), letting it rewrite each.
pub fn strings_mut(value: &mut Value, change: &mut impl FnMut(&mut String)) {
    match value {
        Value::String(text) => change(text),
        Value::Array(items) => items.iter_mut().for_each(|item| strings_mut(item, change)),
        Value::Object(map) => map.values_mut().for_each(|item| strings_mut(item, change)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn finds_every_nested_string_in_order_but_no_key() {
        let value = json!({"command": "npx", "args": ["-y", {"deep": ["x"]}], "env": {"K": "v"}, "n": 1});
        assert_eq!(strings(&value).collect::<Vec<_>>(), ["npx", "-y", "x", "v"]);
        assert_eq!(strings(&json!("alone")).collect::<Vec<_>>(), ["alone"]);
        assert_eq!(strings(&json!([1, null, true])).count(), 0);
    }

    #[test]
    fn rewrites_every_string_in_place() {
        let mut value = json!({"a": ["one", {"b": "two"}], "c": 3});
        strings_mut(&mut value, &mut |text| text.push('!'));
        assert_eq!(value, json!({"a": ["one!", {"b": "two!"}], "c": 3}));
    }
}
