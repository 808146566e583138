//! Qimen XML, hardened: no DTD and no entities beyond XML's five, bounded depth and size;
//! read into a JSON value (elements → members, repeated elements → lists, list containers such
//! as `<orderLines><orderLine/>…</orderLines>` → arrays) so that XML and JSON requests meet in
//! the same typed payloads; and written back from a JSON value for answers and pushes.

use quick_xml::events::Event;
use quick_xml::Reader;
use serde_json::{Map, Value};

/// Deeper documents are refused (Qimen requests are four or five levels deep).
const MAX_DEPTH: usize = 16;
/// More elements than this are refused, self-closing ones included.
const MAX_ELEMENTS: usize = 50_000;
/// More text than this (bytes, after unescaping, in all elements together) is refused.
const MAX_TEXT: usize = 4 * 1024 * 1024;

/// List containers and the name of their members, in Qimen's requests and answers.
pub const LISTS: &[(&str, &str)] = &[
    ("orderLines", "orderLine"),
    ("items", "item"),
    ("criteriaList", "criteria"),
    ("packages", "package"),
    ("relatedOrders", "relatedOrder"),
    ("batchs", "batch"),
    ("snList", "sn"),
    ("invoices", "invoice"),
    ("packageMaterialList", "packageMaterial"),
];

#[derive(Debug)]
struct Node {
    name: String,
    children: Vec<Node>,
    text: String,
}

/// Reads a Qimen XML document (its root is `<request>`) into a JSON object of its children.
pub fn read(xml: &str) -> Result<Value, String> {
    let mut reader = Reader::from_str(xml);
    let mut stack: Vec<Node> = Vec::new();
    let mut root: Option<Node> = None;
    let mut elements = 0usize;
    let mut text_bytes = 0usize;
    let too_large = || "the XML body is too deep or too large".to_string();
    loop {
        let event = reader
            .read_event()
            .map_err(|e| format!("the XML body is not well-formed: {e}"))?;
        match event {
            Event::Start(e) => {
                elements += 1;
                if stack.len() >= MAX_DEPTH || elements > MAX_ELEMENTS {
                    return Err(too_large());
                }
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                stack.push(Node {
                    name,
                    children: Vec::new(),
                    text: String::new(),
                });
            }
            Event::Empty(e) => {
                elements += 1;
                if stack.len() >= MAX_DEPTH || elements > MAX_ELEMENTS {
                    return Err(too_large());
                }
                let node = Node {
                    name: String::from_utf8_lossy(e.local_name().as_ref()).into_owned(),
                    children: Vec::new(),
                    text: String::new(),
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(node),
                    None => root = Some(node),
                }
            }
            Event::End(_) => {
                let node = stack.pop().ok_or("the XML body is not well-formed")?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(node),
                    None => root = Some(node),
                }
            }
            Event::Text(t) => {
                let text = t
                    .unescape()
                    .map_err(|e| format!("the XML body has an unknown entity or bad text: {e}"))?;
                text_bytes += text.len();
                if text_bytes > MAX_TEXT {
                    return Err(too_large());
                }
                if let Some(n) = stack.last_mut() {
                    n.text.push_str(&text);
                } else if !text.trim().is_empty() {
                    return Err("the XML body has text outside its root element".into());
                }
            }
            Event::CData(c) => {
                let text = String::from_utf8(c.into_inner().into_owned())
                    .map_err(|_| "the XML body is not UTF-8")?;
                text_bytes += text.len();
                if text_bytes > MAX_TEXT {
                    return Err(too_large());
                }
                if let Some(n) = stack.last_mut() {
                    n.text.push_str(&text);
                }
            }
            Event::DocType(_) => return Err("DTDs are not accepted in XML bodies".into()),
            Event::Decl(_) | Event::Comment(_) | Event::PI(_) => {}
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err("the XML body ends before its elements are closed".into());
    }
    let root = root.ok_or("the XML body has no root element")?;
    match to_value(&root.name, root.children, root.text) {
        Value::String(s) if s.is_empty() => Ok(Value::Object(Map::new())),
        v @ Value::Object(_) => Ok(v),
        _ => Err("the XML root element must hold elements".into()),
    }
}

/// An element's value; its name (`name`) decides whether it is a list container. Taken
/// apart so that each name moves into its parent's map instead of being copied (#21).
fn to_value(name: &str, children: Vec<Node>, text: String) -> Value {
    if children.is_empty() {
        return Value::String(text);
    }
    let list_member = LISTS.iter().find(|(c, _)| *c == name).map(|(_, m)| *m);
    if let Some(member) = list_member {
        if children.iter().all(|c| c.name == member) {
            return Value::Array(
                children
                    .into_iter()
                    .map(|c| to_value(&c.name, c.children, c.text))
                    .collect(),
            );
        }
    }
    let mut m = Map::new();
    for Node {
        name,
        children,
        text,
    } in children
    {
        let v = to_value(&name, children, text);
        match m.get_mut(&name) {
            Some(Value::Array(a)) => a.push(v),
            Some(existing) => {
                let first = existing.take();
                *existing = Value::Array(vec![first, v]);
            }
            None => {
                m.insert(name, v);
            }
        }
    }
    Value::Object(m)
}

/// Brings a JSON request to the shape XML requests are read into: list containers as arrays
/// (`{"orderLines": {"orderLine": [...]}}` or a single member object → a list), and every
/// number or boolean as text, as XML has it.
pub fn normalise(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .map(|(k, v)| {
                    let v = match LISTS.iter().find(|(c, _)| *c == k) {
                        Some((_, member)) => as_list(v, member),
                        None => v,
                    };
                    (k, normalise(v))
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(normalise).collect()),
        Value::Number(n) => Value::String(n.to_string()),
        Value::Bool(b) => Value::String(b.to_string()),
        other => other,
    }
}

fn as_list(v: Value, member: &str) -> Value {
    match v {
        Value::Object(mut m) if m.len() == 1 && m.contains_key(member) => {
            match m.remove(member).unwrap_or_default() {
                a @ Value::Array(_) => a,
                single => Value::Array(vec![single]),
            }
        }
        other => other,
    }
}

/// A field path of a payload as the XML names it: `orderLines[2].planQty` →
/// `orderLines.orderLine[2].planQty`.
pub fn path(p: &str) -> String {
    let mut out = p.to_string();
    for (container, member) in LISTS {
        out = out.replace(&format!("{container}["), &format!("{container}.{member}["));
    }
    out
}

/// Escapes text for an XML element.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    escape_into(&mut out, s);
    out
}

/// Escapes text for an XML element onto `out`: answers are written in one buffer, with no
/// string per element (#21).
fn escape_into(out: &mut String, s: &str) {
    let mut rest = s;
    while let Some(i) = rest.find(['<', '>', '&', '"', '\'']) {
        out.push_str(&rest[..i]);
        out.push_str(match rest.as_bytes()[i] {
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'&' => "&amp;",
            b'"' => "&quot;",
            _ => "&apos;",
        });
        rest = &rest[i + 1..];
    }
    out.push_str(rest);
}

/// Writes `value` as the children of an element: members as elements, lists as repeated
/// elements of the member's name, nulls left out.
pub fn write_children(out: &mut String, value: &Value) {
    if let Value::Object(m) = value {
        for (k, v) in m {
            write_element(out, k, v);
        }
    }
}

fn write_element(out: &mut String, name: &str, v: &Value) {
    match v {
        Value::Null => {}
        Value::Array(items) => {
            for item in items {
                write_element(out, name, item);
            }
        }
        Value::Object(_) => {
            open_tag(out, name);
            write_children(out, v);
            close_tag(out, name);
        }
        Value::String(s) => {
            open_tag(out, name);
            escape_into(out, s);
            close_tag(out, name);
        }
        other => {
            open_tag(out, name);
            out.push_str(&other.to_string());
            close_tag(out, name);
        }
    }
}

fn open_tag(out: &mut String, name: &str) {
    out.push('<');
    out.push_str(name);
    out.push('>');
}

fn close_tag(out: &mut String, name: &str) {
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

/// A whole document: `<?xml …?><root>children</root>`.
pub fn document(root: &str, value: &Value) -> String {
    let mut out = String::with_capacity(256);
    out.push_str(r#"<?xml version="1.0" encoding="utf-8"?>"#);
    open_tag(&mut out, root);
    write_children(&mut out, value);
    close_tag(&mut out, root);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn qimen_requests_become_json_with_lists() {
        let v = read(r#"<?xml version="1.0" encoding="utf-8"?>
<request><entryOrder><entryOrderCode>IN-0001</entryOrderCode><remark>上海 &lt;急&gt; &amp; &quot;快&quot;</remark></entryOrder>
<orderLines><orderLine><itemCode>SKU-1</itemCode><planQty>10</planQty></orderLine></orderLines><empty/></request>"#)
        .unwrap();
        assert_eq!(v["entryOrder"]["remark"], "上海 <急> & \"快\"");
        assert_eq!(v["orderLines"][0]["planQty"], "10");
        assert_eq!(v["empty"], "");
        let v =
            read("<request><x>1</x><x>2</x><x><y>3</y></x><items><item>4</item></items></request>")
                .unwrap();
        assert_eq!(
            v,
            serde_json::json!({"x": ["1", "2", {"y": "3"}], "items": ["4"]})
        );
    }

    #[test]
    fn dtds_entities_and_garbage_are_refused() {
        assert!(read(r#"<!DOCTYPE x [<!ENTITY a "b">]><request>&a;</request>"#).is_err());
        assert!(read("<request>&bogus;</request>").is_err());
        assert!(read("<request><a></request>").is_err());
        assert!(read("not xml").is_err());
        let deep = format!(
            "<request>{}{}</request>",
            "<a>".repeat(40),
            "</a>".repeat(40)
        );
        assert!(read(&deep).is_err());
    }

    #[test]
    fn self_closing_elements_and_text_are_bounded_too() {
        let at_cap = format!("<request>{}</request>", "<a/>".repeat(MAX_ELEMENTS - 1));
        assert!(read(&at_cap).is_ok());
        let many = format!("<request>{}</request>", "<a/>".repeat(MAX_ELEMENTS));
        assert_eq!(
            read(&many).unwrap_err(),
            "the XML body is too deep or too large"
        );
        let deep_empty = format!(
            "<request>{}<b/>{}</request>",
            "<a>".repeat(15),
            "</a>".repeat(15)
        );
        assert!(read(&deep_empty).is_err());
        let text = format!(
            "<request><a>{}</a><b>{}</b></request>",
            "x".repeat(MAX_TEXT / 2),
            "y".repeat(MAX_TEXT / 2 + 1)
        );
        assert_eq!(
            read(&text).unwrap_err(),
            "the XML body is too deep or too large"
        );
        let cdata = format!(
            "<request><a><![CDATA[{}]]></a></request>",
            "z".repeat(MAX_TEXT + 1)
        );
        assert!(read(&cdata).is_err());
    }

    #[test]
    fn json_meets_xml_and_paths_read_as_xml() {
        let v = normalise(
            json!({"orderLines": {"orderLine": {"planQty": 3}}, "criteriaList": [{"x": true}]}),
        );
        assert_eq!(
            v,
            json!({"orderLines": [{"planQty": "3"}], "criteriaList": [{"x": "true"}]})
        );
        assert_eq!(
            path("orderLines[2].planQty"),
            "orderLines.orderLine[2].planQty"
        );
    }

    #[test]
    fn answers_are_written_with_escaping() {
        let doc = document(
            "response",
            &json!({"flag": "failure", "message": "a<b", "items": {"item": [{"c": "1"}, {"c": "2"}]}}),
        );
        assert!(doc.contains("<message>a&lt;b</message>"), "{doc}");
        assert_eq!(
            escape(r#"上海 <急> & "快" 'x'"#),
            "上海 &lt;急&gt; &amp; &quot;快&quot; &apos;x&apos;"
        );
        assert!(
            doc.contains("<items><item><c>1</c></item><item><c>2</c></item></items>"),
            "{doc}"
        );
    }
}
