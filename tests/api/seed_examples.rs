//! The seeds' own examples, read from the copies in `docs/seeds/` (#24): the JSON blocks of
//! seeds 001 and 003 as written — comments, trailing commas and a repeated key included —, the
//! XML blocks and SDK calls of seed 002, and the one comparison every fixture test uses: each
//! key an example shows is in the real answer, at the same path, with the same JSON type.

use serde_json::Value;
use std::collections::BTreeSet;

/// The text of seed `NNN` (`docs/seeds/NNN_….txt`).
pub fn seed(number: &str) -> String {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/seeds");
    let entry = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(&format!("{number}_"))
        })
        .unwrap_or_else(|| panic!("no seed {number} in {dir}"));
    std::fs::read_to_string(entry).unwrap()
}

/// One JSON block of a seed, with what precedes it: the last `请求 URL` and the last line that
/// says what the block is (调用成功示例, 调用失败示例, …结构如下, …回调结果, …返回报文, 返回示例).
#[derive(Debug, Clone)]
pub struct JsonExample {
    pub line: usize,
    pub url: Option<String>,
    pub context: String,
    pub value: Value,
}

impl JsonExample {
    pub fn is_failure(&self) -> bool {
        self.context.contains("调用失败示例")
    }
    pub fn is_success(&self) -> bool {
        self.context.contains("调用成功示例") || self.context.trim() == "返回示例"
    }
}

const CONTEXTS: &[&str] = &[
    "调用成功示例",
    "调用失败示例",
    "结构如下",
    "回调结果",
    "返回报文",
    "返回示例",
];

/// Every JSON block of a seed that starts a line with `{`, in order.
pub fn json_examples(text: &str) -> Vec<JsonExample> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let (mut url, mut context) = (None, String::new());
    let mut i = 0;
    while i < lines.len() {
        let l = lines[i];
        if let Some(rest) = l.split("请求 URL:").nth(1) {
            let u = rest.replace(['`', '*'], "");
            url = Some(u.trim().to_string());
        }
        if CONTEXTS.iter().any(|c| l.contains(c)) {
            context = l.trim().to_string();
        }
        if l.starts_with('{') {
            let (block, end) = balanced(&lines, i);
            let value =
                relaxed(&block).unwrap_or_else(|e| panic!("seed line {}: {e}\n{block}", i + 1));
            out.push(JsonExample {
                line: i + 1,
                url: url.clone(),
                context: context.clone(),
                value,
            });
            i = end + 1;
            continue;
        }
        i += 1;
    }
    out
}

/// The text from `lines[start]` up to the brace that closes the first one (strings and
/// comments skipped); the rest of that last line (the seed runs the next heading on) dropped.
fn balanced(lines: &[&str], start: usize) -> (String, usize) {
    let mut depth = 0i32;
    let mut block = String::new();
    let (mut in_str, mut esc, mut block_comment) = (false, false, false);
    for (n, l) in lines.iter().enumerate().skip(start) {
        let chars: Vec<char> = l.chars().collect();
        let mut j = 0;
        while j < chars.len() {
            let c = chars[j];
            block.push(c);
            if block_comment {
                if c == '*' && chars.get(j + 1) == Some(&'/') {
                    block.push('/');
                    j += 1;
                    block_comment = false;
                }
            } else if in_str {
                match (esc, c) {
                    (true, _) => esc = false,
                    (false, '\\') => esc = true,
                    (false, '"') => in_str = false,
                    _ => {}
                }
            } else {
                match c {
                    '"' => in_str = true,
                    '/' if chars.get(j + 1) == Some(&'/') => {
                        block.extend(&chars[j + 1..]);
                        break;
                    }
                    '/' if chars.get(j + 1) == Some(&'*') => {
                        block.push('*');
                        j += 1;
                        block_comment = true;
                    }
                    '{' | '[' => depth += 1,
                    '}' | ']' => {
                        depth -= 1;
                        if depth == 0 {
                            return (block, n);
                        }
                    }
                    _ => {}
                }
            }
            j += 1;
        }
        block.push('\n');
    }
    panic!("seed line {}: the block never closes", start + 1)
}

/// Reads the seeds' JSON as their authors wrote it: `//` and `/* */` comments and trailing
/// commas are dropped; a key given twice keeps its last value.
pub fn relaxed(text: &str) -> Result<Value, serde_json::Error> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let (mut i, mut in_str, mut esc) = (0, false, false);
    while i < chars.len() {
        let c = chars[i];
        if in_str {
            out.push(c);
            match (esc, c) {
                (true, _) => esc = false,
                (false, '\\') => esc = true,
                (false, '"') => in_str = false,
                _ => {}
            }
            i += 1;
            continue;
        }
        match c {
            '"' => {
                in_str = true;
                out.push(c);
            }
            '/' if chars.get(i + 1) == Some(&'/') => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
                continue;
            }
            '/' if chars.get(i + 1) == Some(&'*') => {
                i += 2;
                while i + 1 < chars.len() && !(chars[i] == '*' && chars[i + 1] == '/') {
                    i += 1;
                }
                i += 2;
                continue;
            }
            '}' | ']' => {
                // A trailing comma before the close goes.
                let trimmed = out.trim_end().len();
                if out[..trimmed].ends_with(',') {
                    out.truncate(trimmed - 1);
                }
                out.push(c);
            }
            _ => out.push(c),
        }
        i += 1;
    }
    serde_json::from_str(&out)
}

/// The key names a seed shows as `null` in any of its examples: a real answer may carry null
/// there (the seed itself does), wherever the key appears.
pub fn nullable_keys<'a>(examples: impl IntoIterator<Item = &'a Value>) -> BTreeSet<String> {
    fn walk(v: &Value, out: &mut BTreeSet<String>) {
        match v {
            Value::Object(m) => {
                for (k, x) in m {
                    if x.is_null() {
                        out.insert(k.clone());
                    }
                    walk(x, out);
                }
            }
            Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    let mut out = BTreeSet::new();
    examples.into_iter().for_each(|v| walk(v, &mut out));
    out
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// What `real` lacks of `example`'s shape: every key of every object the example shows must be
/// in `real` at the same path with the same JSON type. A null in the example says nothing of
/// the type; a null in `real` is taken only for a key in `nullable`. Every element of a real
/// array is held to the example's first element; an example's non-empty array met by an empty
/// real one is a gap too (nothing was compared), so the fixtures arrange data that fills them.
pub fn shape_gaps(example: &Value, real: &Value, nullable: &BTreeSet<String>) -> Vec<String> {
    let mut gaps = Vec::new();
    compare(example, real, "$", None, nullable, &mut gaps);
    gaps
}

fn compare(
    ex: &Value,
    real: &Value,
    path: &str,
    key: Option<&str>,
    nullable: &BTreeSet<String>,
    gaps: &mut Vec<String>,
) {
    if ex.is_null() {
        return;
    }
    if real.is_null() {
        if !key.is_some_and(|k| nullable.contains(k)) {
            gaps.push(format!("{path}: null, the seed shows {}", kind(ex)));
        }
        return;
    }
    if kind(ex) != kind(real) {
        gaps.push(format!(
            "{path}: {} ({real}), the seed shows {} ({ex})",
            kind(real),
            kind(ex)
        ));
        return;
    }
    match (ex, real) {
        (Value::Object(e), Value::Object(r)) => {
            for (k, x) in e {
                let p = format!("{path}.{k}");
                match r.get(k) {
                    None => gaps.push(format!("{p}: missing")),
                    Some(y) => compare(x, y, &p, Some(k), nullable, gaps),
                }
            }
        }
        (Value::Array(e), Value::Array(r)) => {
            if let Some(first) = e.first() {
                if r.is_empty() {
                    gaps.push(format!("{path}: empty, the seed shows elements"));
                }
                for (i, y) in r.iter().enumerate() {
                    compare(first, y, &format!("{path}[{i}]"), key, nullable, gaps);
                }
            }
        }
        _ => {}
    }
}

/// Fails with every gap of every compared pair at once, so one run shows all that differs.
#[track_caller]
pub fn assert_shapes(checked: &[(String, Vec<String>)]) {
    let bad: Vec<String> = checked
        .iter()
        .filter(|(_, g)| !g.is_empty())
        .map(|(what, g)| format!("{what}:\n  {}", g.join("\n  ")))
        .collect();
    assert!(
        bad.is_empty(),
        "answers unlike the seed's examples:\n{}",
        bad.join("\n")
    );
}

/// The XML elements an example shows, as paths (`response/flag`), for seed 002's answers.
pub fn xml_paths(xml: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut stack: Vec<String> = Vec::new();
    let mut rest = xml;
    while let Some(start) = rest.find('<') {
        let end = rest[start..].find('>').unwrap() + start;
        let tag = &rest[start + 1..end];
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(stack.pop().as_deref(), Some(name.trim()), "{xml}");
        } else if !tag.starts_with('?') {
            let self_closing = tag.ends_with('/');
            let name = tag.trim_end_matches('/').split_whitespace().next().unwrap();
            stack.push(name.to_string());
            out.insert(stack.join("/"));
            if self_closing {
                stack.pop();
            }
        }
        rest = &rest[end + 1..];
    }
    out
}

/// The XML blocks of a seed that start with `<name>` and end with `</name>`.
pub fn xml_examples(text: &str, name: &str) -> Vec<String> {
    let (open, close) = (format!("<{name}>"), format!("</{name}>"));
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(s) = rest.find(&open) {
        let e = rest[s..].find(&close).unwrap() + s + close.len();
        out.push(rest[s..e].to_string());
        rest = &rest[e..];
    }
    out
}

/// The calls of seed 002's Java example, `(object, setter, value)` in order:
/// `req.setOwnerCode("…")` gives `("req", "ownerCode", "…")`.
pub fn java_setters(text: &str) -> Vec<(String, String, String)> {
    text.lines()
        .filter_map(|l| {
            let l = l.trim();
            let (obj, rest) = l.split_once(".set")?;
            let (name, arg) = rest.split_once('(')?;
            let arg = arg.strip_suffix(");")?;
            let value = arg.strip_prefix('"')?.strip_suffix('"')?;
            let mut name = name.to_string();
            name[..1].make_ascii_lowercase();
            Some((obj.to_string(), name, value.to_string()))
        })
        .collect()
}

#[test]
fn the_relaxed_reader_takes_what_the_seeds_write() {
    let v =
        relaxed("{\n \"a\": 1, // one\n \"b\": {\"c\": \"x//y\", /* two */ \"d\": [1, 2,],},\n}")
            .unwrap();
    assert_eq!(
        v,
        serde_json::json!({"a": 1, "b": {"c": "x//y", "d": [1, 2]}})
    );
    let mut gaps = shape_gaps(
        &serde_json::json!({"a": 1, "b": [{"c": "s"}], "n": null, "m": 2}),
        &serde_json::json!({"a": "1", "b": [{"c": "s"}, {}], "n": 5, "m": null}),
        &BTreeSet::new(),
    );
    gaps.sort();
    assert_eq!(
        gaps,
        [
            "$.a: string (\"1\"), the seed shows number (1)",
            "$.b[1].c: missing",
            "$.m: null, the seed shows number"
        ]
    );
}
