//! A read-only JSON document for the claim reader: parsed by `serde_json`
//! (so syntax errors, numbers and limits are exactly serde_json's) into two
//! flat arenas, with strings borrowed from the text where they hold no
//! escape. Building it costs a few allocations per claim instead of one or
//! more per key, string and container of a [`serde_json::Value`].
//!
//! Objects keep their entries as written, duplicates included; a lookup
//! finds the last one, as `serde_json::Value` keeps the last.

use std::borrow::Cow;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Number, Value};

/// One JSON value; containers name a run of their arena.
#[derive(Clone, Debug)]
enum Node<'a> {
    Null,
    Bool(bool),
    Number(Number),
    String(Cow<'a, str>),
    /// `arrays[start..start + len]`.
    Array(usize, usize),
    /// `objects[start..start + len]`.
    Object(usize, usize),
    /// A subtree of a caller's `Value` deeper than the reader ever looks.
    Opaque(&'a Value),
}

/// A parsed JSON document.
#[derive(Debug)]
pub struct Doc<'a> {
    arrays: Vec<Node<'a>>,
    objects: Vec<(Cow<'a, str>, Node<'a>)>,
    root: Node<'a>,
    /// The deepest nesting of arrays and objects (0 for a scalar).
    depth: usize,
}

/// How deep a `Value` is copied before the rest is kept by reference (the
/// reader looks at most 8 levels down).
const VALUE_DEPTH: usize = 32;

impl<'a> Doc<'a> {
    /// Parses JSON text, as `serde_json::from_str::<Value>` would.
    pub fn parse(text: &'a str) -> serde_json::Result<Doc<'a>> {
        // Room for a typical claim's values up front (an object member takes
        // at least 6 bytes of text, an array item 2); bigger texts grow.
        let guess = |per: usize| (text.len() / per).clamp(8, 4096);
        let mut b = Builder {
            arrays: Vec::with_capacity(guess(32)),
            objects: Vec::with_capacity(guess(16)),
            array_stack: Vec::with_capacity(guess(64)),
            object_stack: Vec::with_capacity(guess(64)),
            depth: 0,
            max_depth: 0,
        };
        let mut de = serde_json::Deserializer::from_str(text);
        let root = NodeSeed { b: &mut b }.deserialize(&mut de)?;
        de.end()?;
        Ok(Doc { arrays: b.arrays, objects: b.objects, root, depth: b.max_depth })
    }

    /// The deepest nesting of arrays and objects in a parsed text (0 for a
    /// scalar); for a document made from a `Value`, 0.
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// A document over an already parsed `Value` (strings borrowed from it).
    pub fn from_value(v: &'a Value) -> Doc<'a> {
        let mut doc = Doc { arrays: Vec::new(), objects: Vec::new(), root: Node::Null, depth: 0 };
        doc.root = doc.add_value(v, 0);
        doc
    }

    fn add_value(&mut self, v: &'a Value, depth: usize) -> Node<'a> {
        match v {
            Value::Null => Node::Null,
            Value::Bool(b) => Node::Bool(*b),
            Value::Number(n) => Node::Number(n.clone()),
            Value::String(s) => Node::String(Cow::Borrowed(s)),
            _ if depth >= VALUE_DEPTH => Node::Opaque(v),
            Value::Array(a) => {
                let items: Vec<Node<'a>> = a.iter().map(|x| self.add_value(x, depth + 1)).collect();
                let start = self.arrays.len();
                self.arrays.extend(items);
                Node::Array(start, a.len())
            }
            Value::Object(o) => {
                let entries: Vec<(Cow<'a, str>, Node<'a>)> =
                    o.iter().map(|(k, x)| (Cow::Borrowed(k.as_str()), self.add_value(x, depth + 1))).collect();
                let start = self.objects.len();
                self.objects.extend(entries);
                Node::Object(start, o.len())
            }
        }
    }

    /// The root value.
    pub fn root(&self) -> Val<'_> {
        let v = Val { doc: self, at: At::Node(&self.root) };
        v.node(&self.root)
    }
}

/// A value in a [`Doc`].
#[derive(Clone, Copy)]
pub struct Val<'d> {
    doc: &'d Doc<'d>,
    at: At<'d>,
}

/// Where a value is: in the arenas, or in a caller's `Value` below [`VALUE_DEPTH`].
#[derive(Clone, Copy)]
enum At<'d> {
    Node(&'d Node<'d>),
    Value(&'d Value),
}

impl fmt::Debug for Val<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.to_value())
    }
}

impl<'d> Val<'d> {
    fn node(self, node: &'d Node<'d>) -> Val<'d> {
        match node {
            Node::Opaque(v) => Val { doc: self.doc, at: At::Value(v) },
            _ => Val { doc: self.doc, at: At::Node(node) },
        }
    }

    fn value(self, v: &'d Value) -> Val<'d> {
        Val { doc: self.doc, at: At::Value(v) }
    }

    /// The member `key` of an object (the last one when the key repeats).
    pub fn get(self, key: &str) -> Option<Val<'d>> {
        match self.at {
            At::Node(Node::Object(start, len)) => {
                let entries = self.doc.objects.get(*start..start + len)?;
                entries.iter().rev().find(|(k, _)| k == key).map(|(_, v)| self.node(v))
            }
            At::Node(_) => None,
            At::Value(v) => v.as_object()?.get(key).map(|v| self.value(v)),
        }
    }

    /// The items of an array.
    pub fn items(self) -> Option<Items<'d>> {
        let (nodes, values): (&'d [Node<'d>], &'d [Value]) = match self.at {
            At::Node(Node::Array(start, len)) => (self.doc.arrays.get(*start..start + len)?, &[]),
            At::Value(Value::Array(a)) => (&[], a),
            _ => return None,
        };
        Some(Items { of: self, nodes: nodes.iter(), values: values.iter() })
    }

    pub fn is_null(self) -> bool {
        matches!(self.at, At::Node(Node::Null) | At::Value(Value::Null))
    }

    pub fn is_object(self) -> bool {
        matches!(self.at, At::Node(Node::Object(..)) | At::Value(Value::Object(_)))
    }

    pub fn is_array(self) -> bool {
        matches!(self.at, At::Node(Node::Array(..)) | At::Value(Value::Array(_)))
    }

    pub fn as_str(self) -> Option<&'d str> {
        match self.at {
            At::Node(Node::String(s)) => Some(s),
            At::Node(_) => None,
            At::Value(v) => v.as_str(),
        }
    }

    pub fn as_number(self) -> Option<&'d Number> {
        match self.at {
            At::Node(Node::Number(n)) | At::Value(Value::Number(n)) => Some(n),
            _ => None,
        }
    }

    pub fn as_i64(self) -> Option<i64> {
        self.as_number().and_then(Number::as_i64)
    }

    /// The type, as the CLAIM-MALFORMED messages name it.
    pub fn type_name(self) -> &'static str {
        match self.at {
            At::Node(Node::Null) | At::Value(Value::Null) => "null",
            At::Node(Node::Bool(_)) | At::Value(Value::Bool(_)) => "a boolean",
            At::Node(Node::Number(_)) | At::Value(Value::Number(_)) => "a number",
            At::Node(Node::String(_)) | At::Value(Value::String(_)) => "a string",
            At::Node(Node::Array(..)) | At::Value(Value::Array(_)) => "an array",
            At::Node(Node::Object(..)) | At::Value(Value::Object(_)) => "an object",
            At::Node(Node::Opaque(v)) => self.value(v).type_name(),
        }
    }

    /// The value as a `serde_json::Value` (for messages that quote it).
    pub fn to_value(self) -> Value {
        match self.at {
            At::Node(Node::Null) => Value::Null,
            At::Node(Node::Bool(b)) => Value::Bool(*b),
            At::Node(Node::Number(n)) => Value::Number(n.clone()),
            At::Node(Node::String(s)) => Value::String(s.to_string()),
            At::Node(Node::Array(..)) => Value::Array(self.items().into_iter().flatten().map(Val::to_value).collect()),
            At::Node(Node::Object(start, len)) => {
                let mut m = serde_json::Map::new();
                for (k, v) in self.doc.objects.get(*start..start + len).unwrap_or(&[]) {
                    m.insert(k.to_string(), self.node(v).to_value());
                }
                Value::Object(m)
            }
            At::Node(Node::Opaque(v)) => (*v).clone(),
            At::Value(v) => v.clone(),
        }
    }
}

/// The items of an array, in order.
pub struct Items<'d> {
    of: Val<'d>,
    nodes: std::slice::Iter<'d, Node<'d>>,
    values: std::slice::Iter<'d, Value>,
}

impl<'d> Iterator for Items<'d> {
    type Item = Val<'d>;

    fn next(&mut self) -> Option<Val<'d>> {
        match self.nodes.next() {
            Some(n) => Some(self.of.node(n)),
            None => self.values.next().map(|v| self.of.value(v)),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.nodes.len() + self.values.len();
        (n, Some(n))
    }
}

impl ExactSizeIterator for Items<'_> {}

/// The arenas being filled, and the children of the containers still open.
struct Builder<'a> {
    arrays: Vec<Node<'a>>,
    objects: Vec<(Cow<'a, str>, Node<'a>)>,
    array_stack: Vec<Node<'a>>,
    object_stack: Vec<(Cow<'a, str>, Node<'a>)>,
    depth: usize,
    max_depth: usize,
}

impl Builder<'_> {
    fn enter(&mut self) {
        self.depth += 1;
        self.max_depth = self.max_depth.max(self.depth);
    }
}

struct NodeSeed<'b, 'a> {
    b: &'b mut Builder<'a>,
}

impl<'de> DeserializeSeed<'de> for NodeSeed<'_, 'de> {
    type Value = Node<'de>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Node<'de>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for NodeSeed<'_, 'de> {
    type Value = Node<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any valid JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Node<'de>, E> {
        Ok(Node::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Node<'de>, E> {
        Ok(Node::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Node<'de>, E> {
        Ok(Node::Number(v.into()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Node<'de>, E> {
        // As `serde_json::Value` does: a non-finite float would be null.
        Ok(Number::from_f64(v).map_or(Node::Null, Node::Number))
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Node<'de>, E> {
        Ok(Node::String(Cow::Borrowed(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Node<'de>, E> {
        Ok(Node::String(Cow::Owned(v.to_string())))
    }

    fn visit_string<E>(self, v: String) -> Result<Node<'de>, E> {
        Ok(Node::String(Cow::Owned(v)))
    }

    fn visit_none<E>(self) -> Result<Node<'de>, E> {
        Ok(Node::Null)
    }

    fn visit_unit<E>(self) -> Result<Node<'de>, E> {
        Ok(Node::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node<'de>, A::Error> {
        let b = self.b;
        b.enter();
        let mark = b.array_stack.len();
        while let Some(node) = seq.next_element_seed(NodeSeed { b: &mut *b })? {
            b.array_stack.push(node);
        }
        b.depth -= 1;
        let start = b.arrays.len();
        b.arrays.extend(b.array_stack.drain(mark..));
        Ok(Node::Array(start, b.arrays.len() - start))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node<'de>, A::Error> {
        let b = self.b;
        b.enter();
        let mark = b.object_stack.len();
        while let Some(key) = map.next_key_seed(KeySeed)? {
            let value = map.next_value_seed(NodeSeed { b: &mut *b })?;
            b.object_stack.push((key, value));
        }
        b.depth -= 1;
        let start = b.objects.len();
        b.objects.extend(b.object_stack.drain(mark..));
        Ok(Node::Object(start, b.objects.len() - start))
    }
}

/// An object key, borrowed when it holds no escape.
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Cow<'de, str>, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string key")
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(v.to_string()))
    }

    fn visit_string<E>(self, v: String) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_like_serde_json_value() {
        let text = r#"{"a": [1, -2, 2.5, "x\"y", null, true, {"b": {}}], "a": {"c": "d"}, "e": 1e300}"#;
        let doc = Doc::parse(text).unwrap();
        assert_eq!(doc.depth(), 4);
        let v: Value = serde_json::from_str(text).unwrap();
        assert_eq!(doc.root().to_value(), v);
        assert_eq!(doc.root().get("a").and_then(|a| a.get("c")).and_then(Val::as_str), Some("d"));
        let from_value = Doc::from_value(&v);
        assert_eq!(from_value.root().to_value(), v);
    }

    #[test]
    fn errors_are_serde_json_errors() {
        for text in ["", "{", "[1,]", "{}}", "{\"a\" 1}", "\"\\ud800\"", "1e400", "[[[[]]]"] {
            let a = Doc::parse(text).map(|_| ()).map_err(|e| e.to_string());
            let b = serde_json::from_str::<Value>(text).map(|_| ()).map_err(|e| e.to_string());
            assert_eq!(a, b, "{text:?}");
        }
    }

    #[test]
    fn deep_values_stay_whole() {
        let mut v = Value::from(1);
        for _ in 0..100 {
            v = Value::Array(vec![v]);
        }
        let doc = Doc::from_value(&v);
        assert_eq!(doc.root().to_value(), v);
    }
}
