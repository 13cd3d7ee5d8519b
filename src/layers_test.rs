//! The crate's layering, checked: every `crate::` path in `src/**/*.rs` (test code aside) may
//! name its own layer or a lower one, and the top-level modules form no cycle; plus the size
//! limits (800 lines of code per file, 80 lines per function) as a ratchet.
//!
//! Why a test and not a picture alone: the picture in `src/lib.rs` bent once already (the sign-in
//! imported the server while the server imported the sign-in) without anyone seeing it. Reading
//! the sources is crude but needs no tool: comments, string contents and `#[cfg(test)]` items are
//! blanked first, so a doc link or a test helper is not an import.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layers of the library, highest first; a module may import its own layer and those below.
/// The binary (`main`, `cli`: the interface) sits above them all and is not part of the library.
const LAYERS: &[(&str, &[&str])] = &[
    ("front ends", &["wizard", "manifest"]),
    ("commands", &["commands"]),
    (
        "domain and server",
        &[
            "approvals",
            "clients",
            "context",
            "created",
            "inventory",
            "oauth",
            "profiles",
            "self_install",
            "server",
            "token_store",
            "tray_plugin",
            "written",
        ],
    ),
    ("remote", &["remote"]),
    (
        "ground",
        &[
            "config",
            "env",
            "error",
            "fit",
            "notice",
            "paths",
            "progress",
            "remote_text",
            "secrets",
            "tool_filter",
            "tray",
        ],
    ),
];

/// Modules that import nothing of the crate.
const LEAVES: &[&str] = &["config"];

/// Lines of code (outside test items) a file may hold.
const FILE_LIMIT: usize = 800;

/// Lines a function may take, signature to closing brace.
const FUNCTION_LIMIT: usize = 80;

/// Files and functions over the limits today, with the size they may not grow past: each goes
/// when it is split, and the list may only shrink.
const OVER_LIMIT: &[(&str, usize)] = &[];

/// One source file of the library: its path under `src/`, its module path and its code with
/// comments, string contents and test items blanked (lines kept, so line numbers still hold).
struct Source {
    relative: String,
    module: Vec<String>,
    code: String,
    lines_of_code: usize,
}

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The top-level modules `src/lib.rs` declares.
fn library_modules() -> BTreeSet<String> {
    let lib = std::fs::read_to_string(src_dir().join("lib.rs")).expect("src/lib.rs reads");
    lib.lines()
        .filter_map(|line| {
            let line = line.trim();
            let rest = line.strip_prefix("pub mod ").or_else(|| line.strip_prefix("mod "))?;
            rest.strip_suffix(';').map(str::to_string)
        })
        .filter(|name| !name.ends_with("_test"))
        .collect()
}

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).expect("src/ lists");
    for entry in entries {
        let path = entry.expect("entry reads").path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|extension| extension == "rs") {
            found.push(path);
        }
    }
}

/// Every source file, the binary's too, but test-only ones (`tests.rs`, `*_tests.rs`, `*_test.rs`).
fn sources() -> Vec<Source> {
    let mut files = Vec::new();
    rust_files(&src_dir(), &mut files);
    files.sort();
    let mut sources = Vec::new();
    for path in files {
        let relative = path
            .strip_prefix(src_dir())
            .expect("under src")
            .to_string_lossy()
            .replace('\\', "/");
        let stem = relative.trim_end_matches(".rs");
        let mut module: Vec<String> = stem.split('/').map(str::to_string).collect();
        if module.last().is_some_and(|last| last == "mod") {
            module.pop();
        }
        let file_name = module.last().cloned().unwrap_or_default();
        let test_only = file_name == "tests" || file_name.ends_with("_tests") || file_name.ends_with("_test");
        if test_only {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("source reads");
        let comments_blanked = blank_comments_and_strings(&text);
        let lines_of_code = lines_of_code(&text, &comments_blanked);
        let code = without_test_items(&comments_blanked);
        sources.push(Source {
            relative,
            module,
            code,
            lines_of_code,
        });
    }
    sources
}

/// `text` with comments and the contents of string and char literals replaced by spaces
/// (newlines kept).
fn blank_comments_and_strings(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut index = 0;
    let blank = |out: &mut String, slice: &[char]| {
        out.extend(slice.iter().map(|&c| if c == '\n' { '\n' } else { ' ' }));
    };
    while index < chars.len() {
        let end = literal_or_comment_end(&chars, index);
        if end > index {
            blank(&mut out, &chars[index..end]);
            index = end;
        } else {
            out.push(chars[index]);
            index += 1;
        }
    }
    out
}

/// Where the comment or literal starting at `at` ends, or `at` when none starts there.
fn literal_or_comment_end(chars: &[char], at: usize) -> usize {
    let next = |offset: usize| chars.get(at + offset).copied();
    let ident_before = at > 0 && (chars[at - 1].is_alphanumeric() || chars[at - 1] == '_');
    match (chars[at], next(1)) {
        ('/', Some('/')) => (at..chars.len()).find(|&i| chars[i] == '\n').unwrap_or(chars.len()),
        ('/', Some('*')) => block_comment_end(chars, at),
        ('"', _) => quoted_end(chars, at + 1, '"'),
        ('r', Some('"' | '#')) if !ident_before => raw_string_end(chars, at).unwrap_or(at),
        ('b', Some('"')) if !ident_before => quoted_end(chars, at + 2, '"'),
        ('\'', _) => char_literal_end(chars, at).unwrap_or(at),
        _ => at,
    }
}

fn block_comment_end(chars: &[char], at: usize) -> usize {
    let (mut depth, mut index) = (0usize, at);
    while index + 1 < chars.len() {
        match (chars[index], chars[index + 1]) {
            ('/', '*') => (depth, index) = (depth + 1, index + 2),
            ('*', '/') => {
                depth -= 1;
                index += 2;
                if depth == 0 {
                    return index;
                }
            }
            _ => index += 1,
        }
    }
    chars.len()
}

fn quoted_end(chars: &[char], mut index: usize, quote: char) -> usize {
    while index < chars.len() {
        match chars[index] {
            '\\' => index += 2,
            c if c == quote => return index + 1,
            _ => index += 1,
        }
    }
    chars.len()
}

fn raw_string_end(chars: &[char], at: usize) -> Option<usize> {
    let hashes = chars[at + 1..].iter().take_while(|&&c| c == '#').count();
    if chars.get(at + 1 + hashes) != Some(&'"') {
        return None;
    }
    let closing: Vec<char> = std::iter::once('"').chain(std::iter::repeat_n('#', hashes)).collect();
    let body = at + 2 + hashes;
    (body..chars.len())
        .find(|&i| chars[i..].starts_with(&closing))
        .map(|i| i + closing.len())
        .or(Some(chars.len()))
}

/// A char literal (`'{'`, `'\n'`, `'\u{7f}'`), told from a lifetime (`'a`).
fn char_literal_end(chars: &[char], at: usize) -> Option<usize> {
    if chars.get(at + 1) == Some(&'\\') {
        return (at + 2..chars.len().min(at + 12))
            .find(|&i| chars[i] == '\'')
            .map(|i| i + 1);
    }
    (chars.get(at + 2) == Some(&'\'')).then_some(at + 3)
}

/// The char ranges of every `#[cfg(test)]` item: up to its `;`, or through its braces.
fn test_items(code: &str) -> Vec<std::ops::Range<usize>> {
    let chars: Vec<char> = code.chars().collect();
    let marker: Vec<char> = "#[cfg(test)]".chars().collect();
    let mut ranges = Vec::new();
    let mut index = 0;
    while index + marker.len() <= chars.len() {
        if chars[index..].starts_with(&marker) {
            let end = item_end(&chars, index + marker.len());
            ranges.push(index..end);
            index = end;
        } else {
            index += 1;
        }
    }
    ranges
}

/// `code` with every `#[cfg(test)]` item blanked (newlines kept).
fn without_test_items(code: &str) -> String {
    let ranges = test_items(code);
    code.chars()
        .enumerate()
        .map(|(index, c)| {
            if c != '\n' && ranges.iter().any(|range| range.contains(&index)) {
                ' '
            } else {
                c
            }
        })
        .collect()
}

/// Non-blank lines of `text` outside test items (comments count: a reader reads them).
fn lines_of_code(text: &str, comments_blanked: &str) -> usize {
    let ranges = test_items(comments_blanked);
    let mut count = 0;
    let mut offset = 0;
    for line in text.split('\n') {
        let in_test = ranges.iter().any(|range| range.contains(&offset));
        if !in_test && !line.trim().is_empty() {
            count += 1;
        }
        offset += line.chars().count() + 1;
    }
    count
}

fn item_end(chars: &[char], from: usize) -> usize {
    let mut depth = 0usize;
    let mut bracket = 0usize;
    for (index, &c) in chars.iter().enumerate().skip(from) {
        match c {
            '[' => bracket += 1,
            ']' => bracket = bracket.saturating_sub(1),
            ';' if depth == 0 && bracket == 0 => return index + 1,
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return index + 1;
                }
            }
            _ => {}
        }
    }
    chars.len()
}

/// The top-level modules a file names through `crate::` and through `super::` chains that
/// climb out of its top-level module.
fn imported_modules(source: &Source) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let code = &source.code;
    for (at, _) in code.match_indices("crate::") {
        let boundary = code[..at]
            .chars()
            .next_back()
            .is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
        if boundary {
            collect_path_heads(&code[at + "crate::".len()..], &mut found);
        }
    }
    for (at, _) in code.match_indices("super::") {
        let before = code[..at].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
            continue;
        }
        let mut rest = &code[at..];
        let mut climbs = 0;
        while let Some(tail) = rest.strip_prefix("super::") {
            climbs += 1;
            rest = tail;
        }
        if climbs >= source.module.len() {
            collect_path_heads(rest, &mut found);
        }
    }
    found.remove(&source.module[0]);
    found
}

/// The first segment of the path at the start of `rest`, or of each path in a `{…}` group.
fn collect_path_heads(rest: &str, found: &mut BTreeSet<String>) {
    let ident = |text: &str| -> String { text.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect() };
    let Some(group) = rest.strip_prefix('{') else {
        found.insert(ident(rest));
        return;
    };
    let mut depth = 0usize;
    let mut start = 0;
    for (index, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => {
                found.insert(ident(group[start..index].trim_start()));
                break;
            }
            '}' => depth -= 1,
            ',' if depth == 0 => {
                found.insert(ident(group[start..index].trim_start()));
                start = index + 1;
            }
            _ => {}
        }
    }
    found.remove("");
    found.remove("self");
}

/// Top-level module → the top-level modules it imports, and the files where it does.
type Graph = BTreeMap<String, BTreeMap<String, BTreeSet<String>>>;

fn import_graph(sources: &[Source]) -> Graph {
    let modules = library_modules();
    let mut graph = Graph::new();
    for source in sources.iter().filter(|source| modules.contains(&source.module[0])) {
        let entry = graph.entry(source.module[0].clone()).or_default();
        for imported in imported_modules(source)
            .into_iter()
            .filter(|name| modules.contains(name))
        {
            entry.entry(imported).or_default().insert(source.relative.clone());
        }
    }
    graph
}

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|(_, modules)| modules.contains(&module))
}

/// Every import of a higher layer, or of anything from a leaf, as "file: a (layer) imports b".
fn layering_violations(graph: &Graph) -> Vec<String> {
    let mut violations = Vec::new();
    for (module, imports) in graph {
        let Some(own) = layer_of(module) else {
            violations.push(format!("{module}: in no layer (add it to LAYERS)"));
            continue;
        };
        for (imported, files) in imports {
            let upward = layer_of(imported).is_some_and(|layer| layer < own);
            if upward || LEAVES.contains(&module.as_str()) {
                let files: Vec<&str> = files.iter().map(String::as_str).collect();
                violations.push(format!(
                    "{}: `{module}` ({}) imports `{imported}` ({})",
                    files.join(", "),
                    LAYERS[own].0,
                    layer_of(imported).map_or("no layer", |layer| LAYERS[layer].0),
                ));
            }
        }
    }
    violations
}

/// The strongly connected components of more than one module (Tarjan's algorithm).
fn cycles(graph: &Graph) -> Vec<Vec<String>> {
    struct State<'a> {
        graph: &'a Graph,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        found: Vec<Vec<String>>,
    }
    fn visit<'a>(state: &mut State<'a>, node: &'a str) {
        let number = state.index.len();
        state.index.insert(node, number);
        state.low.insert(node, number);
        state.stack.push(node);
        for next in state.graph.get(node).into_iter().flat_map(BTreeMap::keys) {
            if !state.index.contains_key(next.as_str()) {
                visit(state, next);
                let low = state.low[node].min(state.low[next.as_str()]);
                state.low.insert(node, low);
            } else if state.stack.contains(&next.as_str()) {
                let low = state.low[node].min(state.index[next.as_str()]);
                state.low.insert(node, low);
            }
        }
        if state.low[node] == state.index[node] {
            let at = state
                .stack
                .iter()
                .rposition(|&item| item == node)
                .expect("on the stack");
            let component: Vec<String> = state.stack.split_off(at).into_iter().map(str::to_string).collect();
            if component.len() > 1 {
                state.found.push(component);
            }
        }
    }
    let mut state = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        found: Vec::new(),
    };
    for node in graph.keys() {
        if !state.index.contains_key(node.as_str()) {
            visit(&mut state, node);
        }
    }
    state.found
}

/// Functions longer than [`FUNCTION_LIMIT`] in a file, as (`file::name`, lines).
fn long_functions(source: &Source) -> Vec<(String, usize)> {
    let chars: Vec<char> = source.code.chars().collect();
    let mut found = Vec::new();
    let mut index = 0;
    while let Some(at) = find_fn(&chars, index) {
        let name: String = chars[at + 3..]
            .iter()
            .take_while(|c| c.is_alphanumeric() || **c == '_')
            .collect();
        let Some(open) = body_start(&chars, at) else {
            index = at + 3;
            continue;
        };
        let close = item_end(&chars, open) - 1;
        let first = chars[..at].iter().filter(|&&c| c == '\n').count();
        let last = chars[..close].iter().filter(|&&c| c == '\n').count();
        if last - first + 1 > FUNCTION_LIMIT {
            found.push((format!("{}::{name}", source.relative), last - first + 1));
        }
        index = at + 3;
    }
    found
}

fn find_fn(chars: &[char], from: usize) -> Option<usize> {
    (from..chars.len().saturating_sub(3)).find(|&i| {
        chars[i..].starts_with(&['f', 'n', ' ']) && (i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '_'))
    })
}

/// The `{` opening a function's body, or `None` for a declaration ending in `;`.
fn body_start(chars: &[char], at: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (index, &c) in chars.iter().enumerate().skip(at) {
        match c {
            '(' | '<' | '[' => depth += 1,
            ')' | ']' => depth = depth.saturating_sub(1),
            '>' if index > 0 && chars[index - 1] != '-' && chars[index - 1] != '=' => depth = depth.saturating_sub(1),
            '{' if depth == 0 => return Some(index),
            ';' if depth == 0 => return None,
            _ => {}
        }
    }
    None
}

/// Every file and function over its limit, with its size.
fn over_limit() -> Vec<(String, usize)> {
    let mut found = Vec::new();
    for source in sources() {
        if source.lines_of_code > FILE_LIMIT {
            found.push((source.relative.clone(), source.lines_of_code));
        }
        found.extend(long_functions(&source));
    }
    found
}

#[test]
fn no_module_imports_a_higher_layer_and_config_is_a_leaf() {
    let graph = import_graph(&sources());
    for module in library_modules() {
        assert!(
            layer_of(&module).is_some(),
            "`{module}` is in no layer: add it to LAYERS"
        );
    }
    let violations = layering_violations(&graph);
    assert!(
        violations.is_empty(),
        "imports against the layering:\n{}",
        violations.join("\n")
    );
}

#[test]
fn the_top_level_modules_form_no_cycle() {
    let graph = import_graph(&sources());
    assert_eq!(
        cycles(&graph),
        Vec::<Vec<String>>::new(),
        "import cycles among top-level modules"
    );
    // The reader sees imports at all (a blanked file would pass any layering).
    assert!(graph["commands"].contains_key("profiles"), "{graph:?}");
    assert!(graph["server"].contains_key("remote"), "{graph:?}");
}

#[test]
fn no_file_or_function_grows_past_its_limit() {
    let found = over_limit();
    let allowed: BTreeMap<&str, usize> = OVER_LIMIT.iter().copied().collect();
    let grown: Vec<String> = found
        .iter()
        .filter(|(name, size)| allowed.get(name.as_str()).is_none_or(|ceiling| size > ceiling))
        .map(|(name, size)| format!("{name}: {size}"))
        .collect();
    let listed: Vec<String> = found.iter().map(|(name, size)| format!("{name}: {size}")).collect();
    let stale: Vec<&str> = OVER_LIMIT
        .iter()
        .map(|(name, _)| *name)
        .filter(|name| !found.iter().any(|(over, _)| over == name))
        .collect();
    assert!(
        stale.is_empty(),
        "within the limits now, take them out of OVER_LIMIT: {stale:?}"
    );
    assert!(
        grown.is_empty(),
        "over {FILE_LIMIT} lines of code per file or {FUNCTION_LIMIT} per function:\n{}\n(all over: {listed:#?})",
        grown.join("\n")
    );
}

#[test]
fn the_reader_blanks_comments_strings_and_test_items() {
    let code = "use crate::a; // crate::b\nlet s = \"crate::c\"; let c = '{';\n#[cfg(test)]\nmod tests { use crate::d; }\nfn f() { crate::e::x(); }\n";
    let blanked = without_test_items(&blank_comments_and_strings(code));
    let source = Source {
        relative: "x.rs".into(),
        module: vec!["x".into(), "y".into()],
        code: blanked,
        lines_of_code: 0,
    };
    let found: Vec<String> = imported_modules(&source).into_iter().collect();
    assert_eq!(found, ["a", "e"]);
    let group = Source {
        relative: "x.rs".into(),
        module: vec!["x".into(), "y".into()],
        code: "use crate::{f::g, h::{i, j}, self};\nuse super::super::k;".into(),
        lines_of_code: 0,
    };
    assert_eq!(
        imported_modules(&group).into_iter().collect::<Vec<_>>(),
        ["f", "h", "k"]
    );
}
