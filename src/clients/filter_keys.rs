//! A client's own per-server tool filter: the keys of its entry that say which of the server's
//! tools it uses (a client fact, declared in each client's file).
//!
//! Why: an http or bridge entry has the client talk to the Agent Gateway itself (directly or
//! through `mcp-remote`), so `tray-mcp serve`, which applies `--tools` to stdio entries, is
//! not in the way to filter. Where the client has a filter of its own, `install --tools` writes
//! it, in exact tool names ([`crate::tool_filter::exact`]). The keys are tray-mcp's only when an
//! install sets a filter (`--tools`, `--exclude-tools`, or `--tools '*'` to clear it): a
//! reinstall without either leaves whatever the user or the client has there
//! ([`crate::clients::ownership`] does not count them as tray-mcp's keys).

use serde_json::{Value, json};

use crate::tool_filter::ExactFilter;

/// Where a client's entry lists the server's tools it uses or leaves out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FilterKeys {
    /// The key of the list of tools to use (an allow list), if it has one.
    pub include: Option<&'static str>,
    /// The key of the list of tools never to use, if it has one.
    pub exclude: Option<&'static str>,
    /// The item of an include list that means every tool, for a client that wants the include
    /// key on every entry (Copilot CLI's `["*"]`); without it, no include key means every tool.
    pub all: Option<&'static str>,
}

/// The include list cannot say what the filter means without the server's tool list (an
/// exclude-only client given `--tools`, or an include-only client given `--exclude-tools`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NeedsListing;

impl FilterKeys {
    /// Every key of the filter (what an install that sets a filter takes over).
    pub fn keys(&self) -> Vec<&'static str> {
        self.include.into_iter().chain(self.exclude).collect()
    }

    /// The value of each key for `filter`: `Some` to set, `None` to take the key out.
    pub fn values(&self, filter: &ExactFilter) -> Result<Vec<(&'static str, Option<Value>)>, NeedsListing> {
        let all = self.all.map(|item| json!([item]));
        let list = |names: Vec<String>| (!names.is_empty()).then(|| json!(names));
        match (self.include, self.exclude) {
            (Some(include), exclude) => {
                let include_value = if filter.include.is_some() {
                    list(filter.served().unwrap_or_default())
                } else if exclude.is_some() || filter.exclude.is_empty() {
                    all
                } else {
                    Some(json!(filter.served().ok_or(NeedsListing)?))
                };
                let mut values = vec![(include, include_value)];
                if let Some(exclude) = exclude {
                    let excluded = if filter.include.is_some() {
                        None
                    } else {
                        list(filter.exclude.clone())
                    };
                    values.push((exclude, excluded));
                }
                Ok(values)
            }
            (None, Some(exclude)) => {
                let excluded = if filter.include.is_some() {
                    filter.withheld().ok_or(NeedsListing)?
                } else {
                    filter.exclude.clone()
                };
                Ok(vec![(exclude, list(excluded))])
            }
            (None, None) => Ok(Vec::new()),
        }
    }

    /// `entry` with the filter written into it (an entry that is not an object is left as is).
    pub fn write(&self, entry: &mut Value, filter: &ExactFilter) -> Result<(), NeedsListing> {
        let values = self.values(filter)?;
        if let Some(object) = entry.as_object_mut() {
            for (key, value) in values {
                match value {
                    Some(value) => object.insert(key.to_string(), value),
                    None => object.remove(key),
                };
            }
        }
        Ok(())
    }

    /// The filter `entry` holds in these keys, as `tools` / `exclude_tools` of exact names (an
    /// include list of just the "every tool" item is no filter); empty when it holds none.
    pub fn read(&self, entry: &Value) -> crate::tool_filter::ToolFilter {
        let names = |key: Option<&str>| -> Vec<String> {
            key.and_then(|key| entry.get(key)?.as_array().cloned())
                .unwrap_or_default()
                .iter()
                .filter_map(Value::as_str)
                .filter(|name| self.all != Some(*name))
                .map(str::to_string)
                .collect()
        };
        crate::tool_filter::ToolFilter::new(names(self.include), names(self.exclude))
    }

    /// The tools an entry's filter lets through of `listed` (the server's tool names): what
    /// the client will show of the server.
    pub fn passes(&self, entry: &Value, listed: &[String]) -> Vec<String> {
        let names = |key: Option<&str>| -> Option<Vec<String>> {
            let items = entry.get(key?)?.as_array()?;
            Some(items.iter().filter_map(Value::as_str).map(str::to_string).collect())
        };
        let included =
            names(self.include).filter(|names| self.all.is_none_or(|all| !names.iter().any(|name| name == all)));
        let excluded = names(self.exclude).unwrap_or_default();
        listed
            .iter()
            .filter(|name| included.as_ref().is_none_or(|included| included.contains(name)))
            .filter(|name| !excluded.contains(name))
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOTH: FilterKeys = FilterKeys {
        include: Some("includeTools"),
        exclude: Some("excludeTools"),
        all: None,
    };
    const INCLUDE_ONLY: FilterKeys = FilterKeys {
        include: Some("tools"),
        exclude: None,
        all: Some("*"),
    };
    const EXCLUDE_ONLY: FilterKeys = FilterKeys {
        include: None,
        exclude: Some("disabledTools"),
        all: None,
    };

    fn names(items: &[&str]) -> Vec<String> {
        items.iter().map(|item| item.to_string()).collect()
    }

    fn filter(include: Option<&[&str]>, exclude: &[&str], listed: Option<&[&str]>) -> ExactFilter {
        ExactFilter {
            include: include.map(names),
            exclude: names(exclude),
            listed: listed.map(names),
        }
    }

    #[test]
    fn each_kind_of_client_filter_says_the_same_tools() {
        let listed = ["a", "b", "c"];
        let include = filter(Some(&["a", "b"]), &["b"], Some(&listed));
        let exclude = filter(None, &["c"], Some(&listed));
        for keys in [BOTH, INCLUDE_ONLY, EXCLUDE_ONLY] {
            for (filter, served) in [(&include, names(&["a"])), (&exclude, names(&["a", "b"]))] {
                let mut entry = json!({"url": "u", "tools": ["*"], "disabledTools": ["z"]});
                keys.write(&mut entry, filter).expect("writes");
                assert_eq!(keys.passes(&entry, &names(&listed)), served, "{keys:?} {entry}");
            }
        }
        let mut entry = json!({"url": "u"});
        BOTH.write(&mut entry, &include).expect("writes");
        assert_eq!(entry, json!({"url": "u", "includeTools": ["a"]}));
    }

    #[test]
    fn a_written_filter_reads_back_as_the_same_exact_names() {
        let listed = ["a", "b", "c"];
        let include = filter(Some(&["a", "b"]), &[], Some(&listed));
        let exclude = filter(None, &["c"], Some(&listed));
        let mut entry = json!({"url": "u"});
        BOTH.write(&mut entry, &include).expect("writes");
        assert_eq!(
            BOTH.read(&entry),
            crate::tool_filter::ToolFilter::new(names(&["a", "b"]), Vec::new())
        );
        let mut entry = json!({"url": "u"});
        INCLUDE_ONLY.write(&mut entry, &exclude).expect("writes");
        assert_eq!(
            INCLUDE_ONLY.read(&entry),
            crate::tool_filter::ToolFilter::new(names(&["a", "b"]), Vec::new())
        );
        let mut entry = json!({"url": "u"});
        EXCLUDE_ONLY.write(&mut entry, &exclude).expect("writes");
        assert_eq!(
            EXCLUDE_ONLY.read(&entry),
            crate::tool_filter::ToolFilter::new(Vec::new(), names(&["c"]))
        );
        // The include-only client's "every tool" item is no filter.
        assert!(INCLUDE_ONLY.read(&json!({"tools": ["*"]})).is_empty());
    }

    #[test]
    fn everything_clears_the_keys_and_a_missing_listing_is_said() {
        let mut entry = json!({"url": "u", "tools": ["a"], "includeTools": ["a"], "excludeTools": ["b"]});
        BOTH.write(&mut entry, &ExactFilter::default()).expect("writes");
        INCLUDE_ONLY.write(&mut entry, &ExactFilter::default()).expect("writes");
        assert_eq!(entry, json!({"url": "u", "tools": ["*"]}));
        let named = filter(Some(&["a"]), &[], None);
        assert_eq!(EXCLUDE_ONLY.values(&named), Err(NeedsListing));
        assert_eq!(INCLUDE_ONLY.values(&filter(None, &["a"], None)), Err(NeedsListing));
        assert!(BOTH.values(&named).is_ok() && INCLUDE_ONLY.values(&named).is_ok());
    }
}
