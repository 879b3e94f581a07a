//! Writes a [`Scenario`] as formatted RON a person can read and edit: one
//! element per line where it fits, a `//` comment with its source above each
//! element, and a comment block at the top.
//!
//! Values go through serde into a small tree ([`Node`]) that is printed with
//! the scenario file's conventions (struct names, `implicit_some`). Fields
//! equal to their default are left out, and that is *verified*, not assumed:
//! a field is dropped only if the element read back without it serialises
//! exactly as before. So the writer follows the schema as it changes, with no
//! list of defaults of its own.
//!
//! Owns: RON text out of schema values. Must not: decide what an element is
//! (that is the import builder's job) or validate a scenario.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::de::DeserializeOwned;
use serde::ser::{self, Serialize};

use crate::scenario::{ron_options, Scenario};

/// Lines longer than this are broken over several lines.
const WIDTH: usize = 100;

/// A serialised value, as RON sees it.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Unit,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    None,
    Some(Box<Node>),
    Seq(Vec<Node>),
    Tuple(Vec<Node>),
    Map(Vec<(Node, Node)>),
    /// A struct, or an enum's struct variant: `Name(field: value, ...)`.
    Struct(String, Vec<(String, Node)>),
    /// A tuple struct or an enum's tuple / newtype variant: `Name(a, b)`.
    Call(String, Vec<Node>),
    /// A unit struct or unit variant: `Name`.
    Ident(String),
}

/// Why a value could not be written.
#[derive(Debug, thiserror::Error)]
#[error("cannot write RON: {0}")]
pub struct WriteError(String);

impl ser::Error for WriteError {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        WriteError(msg.to_string())
    }
}

/// The tree of a serialisable value.
pub fn to_node<T: Serialize + ?Sized>(value: &T) -> Result<Node, WriteError> {
    value.serialize(NodeSer)
}

/// Element comments by field path (`vpcs[0]`, `vpcs[0].subnets[1]`).
pub type Comments = BTreeMap<String, String>;

/// Formats a whole scenario: `header` (comment lines without `//`) first,
/// then `Scenario(...)` with `comments` above the elements they name.
pub fn write_scenario(
    s: &Scenario,
    header: &[String],
    comments: &Comments,
) -> Result<String, WriteError> {
    let node = pruned_scenario(s)?;
    let mut out = String::new();
    for line in header {
        out.push_str(&comment_line(line));
        out.push('\n');
    }
    let p = Printer { comments };
    p.node(&mut out, &node, 0, "");
    out.push('\n');
    Ok(out)
}

fn comment_line(text: &str) -> String {
    let one_line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if one_line.trim().is_empty() {
        "//".to_string()
    } else {
        format!("// {}", one_line.trim_end())
    }
}

/// The scenario's tree with default-valued fields left out: list elements
/// pruned one by one with their own type, header fields against the whole.
fn pruned_scenario(s: &Scenario) -> Result<Node, WriteError> {
    let Node::Struct(name, mut fields) = to_node(s)? else {
        return Err(WriteError("a scenario serialises as a struct".into()));
    };
    for (field, value) in fields.iter_mut() {
        let pruned = match field.as_str() {
            "settings" => Some(vec![prune(&s.settings)?]),
            "quota_overrides" => Some(vec![prune(&s.quota_overrides)?]),
            "azs" => Some(prune_all(&s.azs)?),
            "accounts" => Some(prune_all(&s.accounts)?),
            "vpcs" => Some(prune_all(&s.vpcs)?),
            "security_groups" => Some(prune_all(&s.security_groups)?),
            "workloads" => Some(prune_all(&s.workloads)?),
            "load_balancers" => Some(prune_all(&s.load_balancers)?),
            "services" => Some(prune_all(&s.services)?),
            "endpoints" => Some(prune_all(&s.endpoints)?),
            "gateway_endpoints" => Some(prune_all(&s.gateway_endpoints)?),
            "peerings" => Some(prune_all(&s.peerings)?),
            "transit_gateways" => Some(prune_all(&s.transit_gateways)?),
            "nat_gateways" => Some(prune_all(&s.nat_gateways)?),
            "sites" => Some(prune_all(&s.sites)?),
            "direct_connects" => Some(prune_all(&s.direct_connects)?),
            "traffic" => Some(prune_all(&s.traffic)?),
            "events" => Some(prune_all(&s.events)?),
            "expect" => Some(prune_all(&s.expect)?),
            _ => None,
        };
        match (pruned, value) {
            (Some(mut one), v @ (Node::Struct(..) | Node::Some(_))) if one.len() == 1 => {
                *v = one.remove(0)
            }
            (Some(items), Node::Seq(old)) => *old = items,
            _ => {}
        }
    }
    // Header fields (and empty lists) that equal their default go too.
    let full = reference(s)?;
    let mut node = Node::Struct(name, fields);
    let names: Vec<String> = match &node {
        Node::Struct(_, f) => f.iter().map(|(n, _)| n.clone()).collect(),
        _ => Vec::new(),
    };
    for field in names {
        try_remove::<Scenario>(&mut node, &[Step::Field(field)], &full);
    }
    Ok(node)
}

fn prune_all<T: Serialize + DeserializeOwned>(items: &[T]) -> Result<Vec<Node>, WriteError> {
    items.iter().map(prune).collect()
}

/// One step of a path into a tree.
#[derive(Debug, Clone)]
enum Step {
    Field(String),
    Index(usize),
}

/// The tree of `value` without the fields whose removal changes nothing.
pub fn prune<T: Serialize + DeserializeOwned>(value: &T) -> Result<Node, WriteError> {
    let full = reference(value)?;
    let mut node = to_node(value)?;
    let mut paths = Vec::new();
    field_paths(&node, &mut Vec::new(), &mut paths);
    for path in paths {
        try_remove::<T>(&mut node, &path, &full);
    }
    Ok(node)
}

/// The canonical text of a value, to compare read-backs against.
fn reference<T: Serialize>(value: &T) -> Result<String, WriteError> {
    ron::to_string(value).map_err(|e| WriteError(e.to_string()))
}

/// Removes the field at `path` if the element still reads back the same.
fn try_remove<T: Serialize + DeserializeOwned>(node: &mut Node, path: &[Step], full: &str) {
    let mut candidate = node.clone();
    if !remove_at(&mut candidate, path) {
        return;
    }
    let text = inline(&candidate);
    let same = ron_options()
        .from_str::<T>(&text)
        .ok()
        .and_then(|v| reference(&v).ok())
        .is_some_and(|again| again == full);
    if same {
        *node = candidate;
    }
}

/// Paths of every struct field, parents before children.
fn field_paths(node: &Node, at: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
    match node {
        Node::Struct(_, fields) => {
            for (name, value) in fields {
                at.push(Step::Field(name.clone()));
                out.push(at.clone());
                field_paths(value, at, out);
                at.pop();
            }
        }
        Node::Seq(items) | Node::Tuple(items) | Node::Call(_, items) => {
            for (i, item) in items.iter().enumerate() {
                at.push(Step::Index(i));
                field_paths(item, at, out);
                at.pop();
            }
        }
        Node::Some(inner) => field_paths(inner, at, out),
        _ => {}
    }
}

fn remove_at(node: &mut Node, path: &[Step]) -> bool {
    let Some((first, rest)) = path.split_first() else {
        return false;
    };
    match (node, first) {
        (Node::Some(inner), _) => remove_at(inner, path),
        (Node::Struct(_, fields), Step::Field(name)) => {
            let Some(i) = fields.iter().position(|(n, _)| n == name) else {
                return false;
            };
            if rest.is_empty() {
                fields.remove(i);
                true
            } else {
                remove_at(&mut fields[i].1, rest)
            }
        }
        (Node::Seq(items) | Node::Tuple(items) | Node::Call(_, items), Step::Index(i)) => {
            items.get_mut(*i).is_some_and(|item| remove_at(item, rest))
        }
        _ => false,
    }
}

// ---------------------------------------------------------------------------
// Printing
// ---------------------------------------------------------------------------

/// The node on one line.
pub fn inline(node: &Node) -> String {
    let mut s = String::new();
    write_inline(&mut s, node);
    s
}

fn write_inline(s: &mut String, node: &Node) {
    match node {
        Node::Unit => s.push_str("()"),
        Node::Bool(b) => s.push_str(if *b { "true" } else { "false" }),
        Node::Int(i) => {
            let _ = write!(s, "{i}");
        }
        Node::Float(f) => s.push_str(&float(*f)),
        Node::Str(t) => s.push_str(&quote(t)),
        Node::None => s.push_str("None"),
        Node::Some(inner) => write_inline(s, inner),
        Node::Ident(name) => s.push_str(name),
        Node::Seq(items) => {
            s.push('[');
            list(s, items.iter(), write_inline);
            s.push(']');
        }
        Node::Tuple(items) => {
            s.push('(');
            list(s, items.iter(), write_inline);
            s.push(')');
        }
        Node::Call(name, items) => {
            s.push_str(name);
            s.push('(');
            list(s, items.iter(), write_inline);
            s.push(')');
        }
        Node::Struct(name, fields) => {
            s.push_str(name);
            s.push('(');
            list(s, fields.iter(), |s, (k, v)| {
                s.push_str(k);
                s.push_str(": ");
                write_inline(s, v);
            });
            s.push(')');
        }
        Node::Map(entries) => {
            s.push('{');
            list(s, entries.iter(), |s, (k, v)| {
                write_inline(s, k);
                s.push_str(": ");
                write_inline(s, v);
            });
            s.push('}');
        }
    }
}

fn list<I: Iterator>(s: &mut String, items: I, mut each: impl FnMut(&mut String, I::Item)) {
    for (i, item) in items.enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        each(s, item);
    }
}

/// A float RON reads back as the same float (always with a `.` or exponent).
fn float(f: f64) -> String {
    let t = format!("{f:?}");
    if t.contains(['.', 'e', 'E', 'N', 'i']) {
        t
    } else {
        format!("{t}.0")
    }
}

/// A RON string literal.
pub fn quote(t: &str) -> String {
    let mut s = String::with_capacity(t.len() + 2);
    s.push('"');
    for c in t.chars() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            '\n' => s.push_str("\\n"),
            '\r' => s.push_str("\\r"),
            '\t' => s.push_str("\\t"),
            c if c.is_control() => s.push(' '),
            c => s.push(c),
        }
    }
    s.push('"');
    s
}

struct Printer<'a> {
    comments: &'a Comments,
}

impl Printer<'_> {
    /// Whether any comment sits at `path` or below it.
    fn commented_below(&self, path: &str) -> bool {
        self.comments
            .range(path.to_string()..)
            .next()
            .is_some_and(|(k, _)| k.starts_with(path))
    }

    fn node(&self, out: &mut String, node: &Node, indent: usize, path: &str) {
        let one = inline(node);
        let children_commented = self.commented_below(&format!("{path}["))
            || (!path.is_empty() && self.commented_below(&format!("{path}.")));
        if indent + one.len() <= WIDTH && !children_commented {
            out.push_str(&one);
            return;
        }
        match node {
            Node::Struct(name, fields) => {
                out.push_str(name);
                out.push_str("(\n");
                for (k, v) in fields {
                    pad(out, indent + 4);
                    out.push_str(k);
                    out.push_str(": ");
                    let child = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    self.node(out, v, indent + 4, &child);
                    out.push_str(",\n");
                }
                pad(out, indent);
                out.push(')');
            }
            Node::Seq(items) => {
                out.push_str("[\n");
                for (i, item) in items.iter().enumerate() {
                    let child = format!("{path}[{i}]");
                    if let Some(c) = self.comments.get(&child) {
                        pad(out, indent + 4);
                        out.push_str(&comment_line(c));
                        out.push('\n');
                    }
                    pad(out, indent + 4);
                    self.node(out, item, indent + 4, &child);
                    out.push_str(",\n");
                }
                pad(out, indent);
                out.push(']');
            }
            Node::Some(inner) => self.node(out, inner, indent, path),
            Node::Call(name, items) if items.len() == 1 => {
                out.push_str(name);
                out.push('(');
                self.node(out, &items[0], indent, path);
                out.push(')');
            }
            _ => out.push_str(&one),
        }
    }
}

fn pad(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

// ---------------------------------------------------------------------------
// serde → Node
// ---------------------------------------------------------------------------

struct NodeSer;

/// Collects the parts of a compound value.
pub struct Parts {
    name: Option<String>,
    items: Vec<Node>,
    fields: Vec<(String, Node)>,
    entries: Vec<(Node, Node)>,
    key: Option<Node>,
}

impl Parts {
    fn new(name: Option<&str>) -> Self {
        Parts {
            name: name.map(str::to_string),
            items: Vec::new(),
            fields: Vec::new(),
            entries: Vec::new(),
            key: None,
        }
    }
}

type R = Result<Node, WriteError>;

impl ser::Serializer for NodeSer {
    type Ok = Node;
    type Error = WriteError;
    type SerializeSeq = Parts;
    type SerializeTuple = Parts;
    type SerializeTupleStruct = Parts;
    type SerializeTupleVariant = Parts;
    type SerializeMap = Parts;
    type SerializeStruct = Parts;
    type SerializeStructVariant = Parts;

    fn serialize_bool(self, v: bool) -> R {
        Ok(Node::Bool(v))
    }
    fn serialize_i8(self, v: i8) -> R {
        Ok(Node::Int(v.into()))
    }
    fn serialize_i16(self, v: i16) -> R {
        Ok(Node::Int(v.into()))
    }
    fn serialize_i32(self, v: i32) -> R {
        Ok(Node::Int(v.into()))
    }
    fn serialize_i64(self, v: i64) -> R {
        Ok(Node::Int(v.into()))
    }
    fn serialize_u8(self, v: u8) -> R {
        Ok(Node::Int(v.into()))
    }
    fn serialize_u16(self, v: u16) -> R {
        Ok(Node::Int(v.into()))
    }
    fn serialize_u32(self, v: u32) -> R {
        Ok(Node::Int(v.into()))
    }
    fn serialize_u64(self, v: u64) -> R {
        Ok(Node::Int(v.into()))
    }
    fn serialize_f32(self, v: f32) -> R {
        Ok(Node::Float(v.into()))
    }
    fn serialize_f64(self, v: f64) -> R {
        Ok(Node::Float(v))
    }
    fn serialize_char(self, v: char) -> R {
        Ok(Node::Str(v.to_string()))
    }
    fn serialize_str(self, v: &str) -> R {
        Ok(Node::Str(v.to_string()))
    }
    fn serialize_bytes(self, v: &[u8]) -> R {
        Ok(Node::Seq(
            v.iter().map(|b| Node::Int((*b).into())).collect(),
        ))
    }
    fn serialize_none(self) -> R {
        Ok(Node::None)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> R {
        Ok(Node::Some(Box::new(v.serialize(NodeSer)?)))
    }
    fn serialize_unit(self) -> R {
        Ok(Node::Unit)
    }
    fn serialize_unit_struct(self, name: &'static str) -> R {
        Ok(Node::Ident(name.to_string()))
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> R {
        Ok(Node::Ident(variant.to_string()))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, name: &'static str, v: &T) -> R {
        Ok(Node::Call(name.to_string(), vec![v.serialize(NodeSer)?]))
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        v: &T,
    ) -> R {
        Ok(Node::Call(variant.to_string(), vec![v.serialize(NodeSer)?]))
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Parts, WriteError> {
        Ok(Parts::new(None))
    }
    fn serialize_tuple(self, _: usize) -> Result<Parts, WriteError> {
        Ok(Parts::new(None))
    }
    fn serialize_tuple_struct(self, name: &'static str, _: usize) -> Result<Parts, WriteError> {
        Ok(Parts::new(Some(name)))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Parts, WriteError> {
        Ok(Parts::new(Some(variant)))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Parts, WriteError> {
        Ok(Parts::new(None))
    }
    fn serialize_struct(self, name: &'static str, _: usize) -> Result<Parts, WriteError> {
        Ok(Parts::new(Some(name)))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Parts, WriteError> {
        Ok(Parts::new(Some(variant)))
    }
}

impl ser::SerializeSeq for Parts {
    type Ok = Node;
    type Error = WriteError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), WriteError> {
        self.items.push(v.serialize(NodeSer)?);
        Ok(())
    }
    fn end(self) -> R {
        Ok(Node::Seq(self.items))
    }
}

impl ser::SerializeTuple for Parts {
    type Ok = Node;
    type Error = WriteError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), WriteError> {
        self.items.push(v.serialize(NodeSer)?);
        Ok(())
    }
    fn end(self) -> R {
        Ok(Node::Tuple(self.items))
    }
}

impl ser::SerializeTupleStruct for Parts {
    type Ok = Node;
    type Error = WriteError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), WriteError> {
        self.items.push(v.serialize(NodeSer)?);
        Ok(())
    }
    fn end(self) -> R {
        Ok(Node::Call(self.name.unwrap_or_default(), self.items))
    }
}

impl ser::SerializeTupleVariant for Parts {
    type Ok = Node;
    type Error = WriteError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), WriteError> {
        self.items.push(v.serialize(NodeSer)?);
        Ok(())
    }
    fn end(self) -> R {
        Ok(Node::Call(self.name.unwrap_or_default(), self.items))
    }
}

impl ser::SerializeMap for Parts {
    type Ok = Node;
    type Error = WriteError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, k: &T) -> Result<(), WriteError> {
        self.key = Some(k.serialize(NodeSer)?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), WriteError> {
        let key = self
            .key
            .take()
            .ok_or_else(|| WriteError("a map value without its key".into()))?;
        self.entries.push((key, v.serialize(NodeSer)?));
        Ok(())
    }
    fn end(self) -> R {
        Ok(Node::Map(self.entries))
    }
}

impl ser::SerializeStruct for Parts {
    type Ok = Node;
    type Error = WriteError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        v: &T,
    ) -> Result<(), WriteError> {
        self.fields.push((key.to_string(), v.serialize(NodeSer)?));
        Ok(())
    }
    fn end(self) -> R {
        Ok(Node::Struct(self.name.unwrap_or_default(), self.fields))
    }
}

impl ser::SerializeStructVariant for Parts {
    type Ok = Node;
    type Error = WriteError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        v: &T,
    ) -> Result<(), WriteError> {
        self.fields.push((key.to_string(), v.serialize(NodeSer)?));
        Ok(())
    }
    fn end(self) -> R {
        Ok(Node::Struct(self.name.unwrap_or_default(), self.fields))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{parse_str, Subnet, Workload};

    #[test]
    fn defaults_are_left_out_and_the_rest_kept() {
        let w: Workload = ron_options()
            .from_str(r#"Workload(name: "web", subnets: ["a"], instances: 3)"#)
            .unwrap();
        // instances 3 differs from the default 1 and stays; nic, security
        // groups, placement group and role are defaults and go.
        assert_eq!(
            inline(&prune(&w).unwrap()),
            r#"Workload(name: "web", subnets: ["a"], instances: 3)"#
        );
        let s: Subnet = ron_options()
            .from_str(
                r#"Subnet(name: "a", az: "use1-az1", cidr: "10.0.1.0/24", route_table: "rt")"#,
            )
            .unwrap();
        assert_eq!(
            inline(&prune(&s).unwrap()),
            r#"Subnet(name: "a", az: "use1-az1", cidr: "10.0.1.0/24", route_table: "rt")"#
        );
    }

    #[test]
    fn a_written_scenario_reads_back_the_same() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/good/every-element.ron"
        ))
        .unwrap();
        let s = parse_str(&text, "every-element.ron").unwrap();
        let mut comments = Comments::new();
        comments.insert("vpcs[0]".into(), "from somewhere".into());
        comments.insert("vpcs[0].subnets[1]".into(), "a subnet".into());
        let out = write_scenario(&s, &["header".into()], &comments).unwrap();
        let back = parse_str(&out, "written.ron").unwrap();
        // Same value: the canonical serialisations agree byte for byte.
        assert_eq!(ron::to_string(&s).unwrap(), ron::to_string(&back).unwrap());
        assert!(out.starts_with("// header\n"));
        assert!(out.contains("// from somewhere\n"));
        assert!(out.contains("// a subnet\n"));
    }

    #[test]
    fn strings_are_escaped() {
        assert_eq!(quote("a\"b\\c\nd"), r#""a\"b\\c\nd""#);
        assert_eq!(float(20.0), "20.0");
        assert_eq!(float(0.25), "0.25");
    }
}
