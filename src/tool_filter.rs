//! Which tools an entry serves: `install --tools 'GLOB,…'` and `--exclude-tools 'GLOB,…'`.
//!
//! Why: a workspace's Agent Gateway (and Tray's Headless MCP) can add dozens of tools to the
//! seven built-in ones, and clients cap or drown in them. The filter is stored in the entry's
//! profile (and a manifest's `tools` / `exclude_tools`), never in the client's entry, and
//! `tray-mcp serve` applies it at the one place its tool list is assembled, so built-in,
//! gateway and Headless tools are filtered alike, also after a `list_changed`.
//!
//! A pattern is a simple glob: `*` matches any run of characters, `?` any one character,
//! everything else itself (case-sensitive, as tool names are). A tool passes when it matches
//! some `tools` pattern (or `tools` is empty) and no `exclude_tools` pattern. Names are the
//! ones the client sees (a gateway tool renamed `gateway_<name>` is matched by that name).

/// The patterns of one entry. Empty lists: every tool passes.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ToolFilter {
    /// Tools to serve (any pattern matches); empty means all.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<String>,
    /// Tools never to serve, even when `tools` matches them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude_tools: Vec<String>,
}

/// A pattern list could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{flag}: pattern {position} {problem}")]
pub struct PatternError {
    /// Where the list came from (`--tools`, `exclude_tools`, ...).
    pub flag: String,
    /// The pattern's 1-based position in the list.
    pub position: usize,
    /// What is wrong with it.
    pub problem: String,
}

impl PatternError {
    /// What the user can do about it.
    pub fn hint(&self) -> String {
        format!(
            "give {} as comma-separated tool names or globs (`*` any run, `?` one character), e.g. 'list_*,echo'",
            self.flag
        )
    }
}

impl crate::error::Advice for PatternError {
    fn hint(&self) -> Option<String> {
        Some(PatternError::hint(self))
    }
}

/// Splits a comma-separated list (`--tools 'list_*, echo'`) into checked patterns.
pub fn parse_list(flag: &str, text: &str) -> Result<Vec<String>, PatternError> {
    let patterns: Vec<String> = text.split(',').map(|part| part.trim().to_string()).collect();
    check_patterns(flag, &patterns)?;
    Ok(patterns)
}

/// Checks each pattern: not empty, no whitespace or control characters (no tool name has them).
pub fn check_patterns(flag: &str, patterns: &[String]) -> Result<(), PatternError> {
    for (index, pattern) in patterns.iter().enumerate() {
        let problem = if pattern.is_empty() {
            Some("is empty".to_string())
        } else if pattern.chars().any(|c| c.is_whitespace() || c.is_control()) {
            Some("contains whitespace or a control character".to_string())
        } else if pattern.chars().count() > 128 {
            Some("is longer than 128 characters".to_string())
        } else {
            None
        };
        if let Some(problem) = problem {
            return Err(PatternError {
                flag: flag.to_string(),
                position: index + 1,
                problem,
            });
        }
    }
    Ok(())
}

impl ToolFilter {
    /// A filter from the two lists; a `tools` list that is just `*` is left unsaid (all).
    pub fn new(tools: Vec<String>, exclude_tools: Vec<String>) -> Self {
        let tools = if tools.iter().all(|pattern| pattern == "*") {
            Vec::new()
        } else {
            tools
        };
        ToolFilter { tools, exclude_tools }
    }

    /// Whether every tool passes.
    pub fn is_empty(&self) -> bool {
        self.tools.is_empty() && self.exclude_tools.is_empty()
    }

    /// Whether the tool listed as `name` is served.
    pub fn allows(&self, name: &str) -> bool {
        let included = self.tools.is_empty() || self.tools.iter().any(|pattern| glob_matches(pattern, name));
        included && !self.exclude_tools.iter().any(|pattern| glob_matches(pattern, name))
    }

    /// The filter as shown to users: `--tools 'a,b' --exclude-tools 'c'`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if !self.tools.is_empty() {
            parts.push(format!("--tools '{}'", self.tools.join(",")));
        }
        if !self.exclude_tools.is_empty() {
            parts.push(format!("--exclude-tools '{}'", self.exclude_tools.join(",")));
        }
        parts.join(" ")
    }
}

/// A filter in exact tool names, as a client's own per-server filter takes them (Gemini CLI's
/// `includeTools`, Codex's `enabled_tools`, ...): for http and bridge entries, whose tools the
/// client gets from the Agent Gateway itself, so `tray-mcp serve` cannot filter them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExactFilter {
    /// The tools to use, when `--tools` named some (expanded against the listing when there
    /// was one); `None`: every tool.
    pub include: Option<Vec<String>>,
    /// The tools never to use.
    pub exclude: Vec<String>,
    /// Every tool the server listed, when the install's verification listed them.
    pub listed: Option<Vec<String>>,
}

impl ExactFilter {
    /// Whether it lets every tool through (`--tools '*'`: the client's filter is cleared).
    pub fn is_everything(&self) -> bool {
        self.include.is_none() && self.exclude.is_empty()
    }

    /// The tools served: the included ones less the excluded (`None` when nothing was included
    /// and the server's list is not known).
    pub fn served(&self) -> Option<Vec<String>> {
        let from = self.include.as_ref().or(self.listed.as_ref())?;
        Some(
            from.iter()
                .filter(|name| !self.exclude.contains(name))
                .cloned()
                .collect(),
        )
    }

    /// Every listed tool that is not served (`None` without the server's list).
    pub fn withheld(&self) -> Option<Vec<String>> {
        let served = self.served()?;
        let listed = self.listed.as_ref()?;
        Some(listed.iter().filter(|name| !served.contains(name)).cloned().collect())
    }
}

/// Why a filter could not become exact tool names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExactError {
    /// A pattern has a wildcard, and there is no list of the server's tools to expand it by.
    #[error(
        "{flag}: pattern {position} ('{pattern}') has a wildcard, and the client's own filter takes exact tool names: without the Agent Gateway's tool list (--no-verify, or it did not answer) it cannot be expanded"
    )]
    NeedsListing {
        /// `--tools` or `--exclude-tools`.
        flag: &'static str,
        /// The pattern's 1-based position.
        position: usize,
        /// The pattern.
        pattern: String,
    },
    /// A pattern matches none of the tools the server listed.
    #[error("{flag}: pattern {position} ('{pattern}') matches none of the {count} tools the Agent Gateway lists")]
    NoMatch {
        /// `--tools` or `--exclude-tools`.
        flag: &'static str,
        /// The pattern's 1-based position.
        position: usize,
        /// The pattern.
        pattern: String,
        /// How many tools were listed.
        count: usize,
        /// Some of the listed names, for the hint.
        some: Vec<String>,
    },
    /// The filter leaves no tool.
    #[error("--tools and --exclude-tools leave none of the Agent Gateway's tools")]
    Nothing,
}

impl ExactError {
    /// What the user can do about it.
    pub fn hint(&self) -> String {
        match self {
            ExactError::NeedsListing { .. } => "name the tools exactly (no * or ?), or install while the Agent Gateway answers (without --no-verify) so the wildcards expand to the tools it lists".to_string(),
            ExactError::NoMatch { some, .. } => format!("the Agent Gateway lists {}", some.join(", ")),
            ExactError::Nothing => "include at least one tool the Agent Gateway lists (`tray-mcp doctor --online NAME` shows them)".to_string(),
        }
    }
}

/// The filter in exact names: its patterns expanded against `listed` (the server's tool names,
/// when the install's verification listed them), else taken as they are, which only names
/// without wildcards can be.
pub fn exact(filter: &ToolFilter, listed: Option<&[String]>) -> Result<ExactFilter, ExactError> {
    let expand = |flag: &'static str, patterns: &[String]| -> Result<Vec<String>, ExactError> {
        let Some(listed) = listed else {
            if let Some((index, pattern)) = patterns
                .iter()
                .enumerate()
                .find(|(_, pattern)| pattern.contains(['*', '?']))
            {
                return Err(ExactError::NeedsListing {
                    flag,
                    position: index + 1,
                    pattern: pattern.clone(),
                });
            }
            return Ok(patterns.to_vec());
        };
        for (index, pattern) in patterns.iter().enumerate() {
            if !listed.iter().any(|name| glob_matches(pattern, name)) {
                return Err(ExactError::NoMatch {
                    flag,
                    position: index + 1,
                    pattern: pattern.clone(),
                    count: listed.len(),
                    some: listed.iter().take(8).cloned().collect(),
                });
            }
        }
        Ok(listed
            .iter()
            .filter(|name| patterns.iter().any(|pattern| glob_matches(pattern, name)))
            .cloned()
            .collect())
    };
    let exact = ExactFilter {
        include: (!filter.tools.is_empty())
            .then(|| expand("--tools", &filter.tools))
            .transpose()?,
        exclude: expand("--exclude-tools", &filter.exclude_tools)?,
        listed: listed.map(<[String]>::to_vec),
    };
    if exact.served().is_some_and(|served| served.is_empty()) {
        return Err(ExactError::Nothing);
    }
    Ok(exact)
}

/// Whether `name` matches `pattern` (`*` any run, `?` one character), by characters.
pub fn glob_matches(pattern: &str, name: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let name: Vec<char> = name.chars().collect();
    let (mut p, mut n) = (0, 0);
    // The last `*` seen, and the name position it was tried at: backtracking to it is enough.
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        if p < pattern.len() && (pattern[p] == '?' || pattern[p] == name[n]) {
            p += 1;
            n += 1;
        } else if p < pattern.len() && pattern[p] == '*' {
            star = Some((p, n));
            p += 1;
        } else if let Some((star_p, star_n)) = star {
            p = star_p + 1;
            n = star_n + 1;
            star = Some((star_p, star_n + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_runs_and_single_characters() {
        assert!(glob_matches("list_*", "list_workflows"));
        assert!(glob_matches("list_*", "list_"));
        assert!(!glob_matches("list_*", "gateway_list_workflows"));
        assert!(glob_matches("*_workflows", "gateway_list_workflows"));
        assert!(glob_matches("get-?um", "get-sum"));
        assert!(!glob_matches("get-?um", "get-sssum"));
        assert!(glob_matches("*a*b*", "xxaxxbxx"));
        assert!(!glob_matches("*a*b", "xxaxxbxx"));
        assert!(glob_matches("echo", "echo"));
        assert!(!glob_matches("echo", "echo2"));
        assert!(glob_matches("*", ""));
        assert!(glob_matches("é?", "éé"));
    }

    #[test]
    fn a_tool_passes_when_included_and_not_excluded() {
        let filter = ToolFilter::new(vec!["list_*".into(), "echo".into()], vec!["list_workflow_*".into()]);
        assert!(filter.allows("list_workflows"));
        assert!(filter.allows("echo"));
        assert!(!filter.allows("list_workflow_executions"));
        assert!(!filter.allows("get_authenticated_user"));
        let everything = ToolFilter::new(vec!["*".into()], Vec::new());
        assert!(everything.is_empty());
        assert!(everything.allows("anything"));
        let only_excluding = ToolFilter::new(Vec::new(), vec!["send_*".into()]);
        assert!(only_excluding.allows("list_workflows") && !only_excluding.allows("send_slack_message"));
    }

    #[test]
    fn lists_are_split_trimmed_and_bad_patterns_named_by_position() {
        assert_eq!(parse_list("--tools", "list_*, echo").unwrap(), ["list_*", "echo"]);
        let error = parse_list("--tools", "list_*,,echo").unwrap_err();
        assert_eq!(error.to_string(), "--tools: pattern 2 is empty");
        assert!(error.hint().contains("'list_*,echo'"));
        assert!(parse_list("--exclude-tools", "").is_err());
        assert!(parse_list("--tools", "a b").is_err());
    }

    #[test]
    fn globs_expand_against_the_listing_and_exact_names_need_none() {
        let listed: Vec<String> = ["list_workflows", "list_runs", "send_mail"].map(String::from).to_vec();
        let filter = ToolFilter::new(vec!["list_*".into()], vec!["list_runs".into()]);
        let exact = exact(&filter, Some(&listed)).unwrap();
        assert_eq!(
            exact.include,
            Some(vec!["list_workflows".to_string(), "list_runs".to_string()])
        );
        assert_eq!(exact.served(), Some(vec!["list_workflows".to_string()]));
        assert_eq!(
            exact.withheld(),
            Some(vec!["list_runs".to_string(), "send_mail".to_string()])
        );
        let error = super::exact(&filter, None).unwrap_err();
        assert!(matches!(error, ExactError::NeedsListing { position: 1, .. }), "{error}");
        let named = ToolFilter::new(vec!["send_mail".into()], Vec::new());
        assert_eq!(
            super::exact(&named, None).unwrap().served(),
            Some(vec!["send_mail".to_string()])
        );
        assert_eq!(super::exact(&named, None).unwrap().withheld(), None);
        let typo = ToolFilter::new(vec!["list_*".into(), "sendmail".into()], Vec::new());
        let error = super::exact(&typo, Some(&listed)).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("--tools: pattern 2 ('sendmail') matches none of the 3 tools"),
            "{error}"
        );
        let nothing = ToolFilter::new(vec!["send_mail".into()], vec!["send_*".into()]);
        assert_eq!(super::exact(&nothing, Some(&listed)), Err(ExactError::Nothing));
        assert!(super::exact(&ToolFilter::default(), None).unwrap().is_everything());
    }
}
