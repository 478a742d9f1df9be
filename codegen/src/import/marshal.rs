//! A decoder for the subset of Python's `marshal` format that the pinned
//! packages store: `None`, `True`/`False`, ints (`i`, and `l` longs that fit
//! in an `i64`), floats (`g`, `f`), `bytes`, every `str` variant (`u`, `t`,
//! `a`, `A`, `z`, `Z`), tuples (`(`, `)`), lists, dicts, sets and back
//! references (`r`, objects flagged with `FLAG_REF` 0x80).
//!
//! Code objects, complex numbers and the other singletons are rejected with
//! an [`Error`]; so is anything truncated or inconsistent. Decoding never
//! panics.

use std::fmt;

const FLAG_REF: u8 = 0x80;
/// CPython's own limit (`MAX_MARSHAL_STACK_DEPTH`) is 2000; our data nests
/// three levels deep.
const MAX_DEPTH: usize = 500;

/// A decoded Python value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Bytes(Vec<u8>),
    Tuple(Vec<Value>),
    List(Vec<Value>),
    /// `set` or `frozenset`, in stored order.
    Set(Vec<Value>),
    /// Key/value pairs in stored order.
    Dict(Vec<(Value, Value)>),
}

impl Value {
    /// The value under the string key `key`, when `self` is a dict.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Dict(items) => items.iter().find(|(k, _)| matches!(k, Value::Str(s) if s == key)).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// An int; `bool` counts as 0/1 as in Python.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            Value::Bool(b) => Some(*b as i64),
            _ => None,
        }
    }

    /// Python truthiness for the scalar types, `None` for containers.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            Value::Int(i) => Some(*i != 0),
            Value::None => Some(false),
            _ => None,
        }
    }

    /// The bytes of a `bytes` value, or the UTF-8 of a `str`.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Value::Bytes(b) => Some(b),
            Value::Str(s) => Some(s.as_bytes()),
            _ => None,
        }
    }

    /// The items of a list, tuple or set.
    pub fn as_seq(&self) -> Option<&[Value]> {
        match self {
            Value::List(v) | Value::Tuple(v) | Value::Set(v) => Some(v),
            _ => None,
        }
    }

    pub fn type_name(&self) -> &'static str {
        match self {
            Value::None => "None",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::Str(_) => "str",
            Value::Bytes(_) => "bytes",
            Value::Tuple(_) => "tuple",
            Value::List(_) => "list",
            Value::Set(_) => "set",
            Value::Dict(_) => "dict",
        }
    }
}

/// Malformed or unsupported marshal data, with the byte offset concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub offset: usize,
    pub message: String,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "marshal data, byte {}: {}", self.offset, self.message)
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;

/// Decodes one value that must fill all of `data`.
pub fn loads(data: &[u8]) -> Result<Value> {
    let mut r = Reader { data, pos: 0, refs: Vec::new() };
    let v = r.value(0)?;
    if r.pos != data.len() {
        return r.fail(format!("{} bytes left after the value", data.len() - r.pos));
    }
    Ok(v)
}

struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    /// Objects flagged with FLAG_REF, by index; `None` while a container is
    /// still being read.
    refs: Vec<Option<Value>>,
}

impl Reader<'_> {
    fn fail<T>(&self, message: impl Into<String>) -> Result<T> {
        Err(Error { offset: self.pos, message: message.into() })
    }

    fn take(&mut self, n: usize) -> Result<&[u8]> {
        match self.pos.checked_add(n).filter(|&e| e <= self.data.len()) {
            Some(end) => {
                let s = &self.data[self.pos..end];
                self.pos = end;
                Ok(s)
            }
            None => self.fail(format!("need {n} bytes, {} left", self.data.len() - self.pos)),
        }
    }

    fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }

    fn i32(&mut self) -> Result<i32> {
        let b = self.take(4)?;
        Ok(i32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// A non-negative `i32` length or count, checked against the bytes left
    /// (every item takes at least `min_each` bytes).
    fn len(&mut self, min_each: usize) -> Result<usize> {
        let n = self.i32()?;
        if n < 0 {
            return self.fail(format!("negative length {n}"));
        }
        self.check_len(n as usize, min_each)
    }

    fn check_len(&self, n: usize, min_each: usize) -> Result<usize> {
        let left = self.data.len() - self.pos;
        if n.saturating_mul(min_each) > left {
            return self.fail(format!("length {n} exceeds the {left} bytes left"));
        }
        Ok(n)
    }

    fn text(&mut self, n: usize) -> Result<String> {
        let start = self.pos;
        let b = self.take(n)?;
        match std::str::from_utf8(b) {
            Ok(s) => Ok(s.to_owned()),
            Err(e) => Err(Error { offset: start, message: format!("string is not UTF-8: {e}") }),
        }
    }

    fn items(&mut self, n: usize, depth: usize) -> Result<Vec<Value>> {
        let mut v = Vec::with_capacity(n);
        for _ in 0..n {
            v.push(self.value(depth + 1)?);
        }
        Ok(v)
    }

    fn value(&mut self, depth: usize) -> Result<Value> {
        if depth > MAX_DEPTH {
            return self.fail("nested too deeply");
        }
        let at = self.pos;
        let code = self.u8()?;
        let slot = if code & FLAG_REF != 0 {
            self.refs.push(None);
            Some(self.refs.len() - 1)
        } else {
            None
        };
        let v = match code & !FLAG_REF {
            b'N' => Value::None,
            b'F' => Value::Bool(false),
            b'T' => Value::Bool(true),
            b'i' => Value::Int(self.i32()? as i64),
            b'l' => self.long()?,
            b'g' => {
                let b = self.take(8)?;
                let mut a = [0u8; 8];
                a.copy_from_slice(b);
                Value::Float(f64::from_le_bytes(a))
            }
            b'f' => {
                let n = self.u8()? as usize;
                let s = self.text(n)?;
                match s.parse::<f64>() {
                    Ok(f) => Value::Float(f),
                    Err(_) => return Err(Error { offset: at, message: format!("bad float literal {s:?}") }),
                }
            }
            b's' => {
                let n = self.len(1)?;
                Value::Bytes(self.take(n)?.to_vec())
            }
            b'u' | b't' | b'a' | b'A' => {
                let n = self.len(1)?;
                Value::Str(self.text(n)?)
            }
            b'z' | b'Z' => {
                let n = self.u8()? as usize;
                Value::Str(self.text(n)?)
            }
            b'(' => {
                let n = self.len(1)?;
                Value::Tuple(self.items(n, depth)?)
            }
            b')' => {
                let n = self.u8()? as usize;
                let n = self.check_len(n, 1)?;
                Value::Tuple(self.items(n, depth)?)
            }
            b'[' => {
                let n = self.len(1)?;
                Value::List(self.items(n, depth)?)
            }
            b'<' | b'>' => {
                let n = self.len(1)?;
                Value::Set(self.items(n, depth)?)
            }
            b'{' => {
                let mut items = Vec::new();
                loop {
                    if self.data.get(self.pos) == Some(&b'0') {
                        self.pos += 1;
                        break;
                    }
                    let k = self.value(depth + 1)?;
                    let v = self.value(depth + 1)?;
                    items.push((k, v));
                }
                Value::Dict(items)
            }
            b'r' => {
                if slot.is_some() {
                    return Err(Error { offset: at, message: "a reference cannot itself be flagged".into() });
                }
                let i = self.i32()?;
                match usize::try_from(i).ok().and_then(|i| self.refs.get(i)) {
                    Some(Some(v)) => v.clone(),
                    Some(None) => {
                        return Err(Error {
                            offset: at,
                            message: format!("reference {i} to a container still being read"),
                        })
                    }
                    None => {
                        return Err(Error {
                            offset: at,
                            message: format!("reference {i} but only {} objects are flagged", self.refs.len()),
                        })
                    }
                }
            }
            b'0' => return Err(Error { offset: at, message: "NULL outside a dict".into() }),
            other => {
                let what = match other {
                    b'c' => "code object",
                    b'x' | b'y' => "complex number",
                    b'S' => "StopIteration",
                    b'.' => "Ellipsis",
                    _ => "unknown type",
                };
                return Err(Error { offset: at, message: format!("unsupported {what} (type byte {code:#04x})") });
            }
        };
        if let Some(i) = slot {
            self.refs[i] = Some(v.clone());
        }
        Ok(v)
    }

    /// `l`: an `i32` digit count (its sign is the number's) and that many
    /// 15-bit digits, least significant first.
    fn long(&mut self) -> Result<Value> {
        let at = self.pos - 1;
        let n = self.i32()?;
        let count = self.check_len(n.unsigned_abs() as usize, 2)?;
        let mut value: i128 = 0;
        for i in 0..count {
            let b = self.take(2)?;
            let d = u16::from_le_bytes([b[0], b[1]]);
            if d >= 1 << 15 {
                return Err(Error { offset: self.pos - 2, message: format!("long digit {d} out of range") });
            }
            if d == 0 && i + 1 == count {
                return Err(Error { offset: self.pos - 2, message: "long with a leading zero digit".into() });
            }
            if i >= 5 {
                return Err(Error { offset: at, message: "integer does not fit in 64 bits".into() });
            }
            value |= (d as i128) << (15 * i);
        }
        if n < 0 {
            value = -value;
        }
        match i64::try_from(value) {
            Ok(v) => Ok(Value::Int(v)),
            Err(_) => Err(Error { offset: at, message: "integer does not fit in 64 bits".into() }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> Value {
        Value::Str(x.into())
    }

    #[test]
    fn scalars() {
        assert_eq!(loads(b"N").unwrap(), Value::None);
        assert_eq!(loads(b"T").unwrap(), Value::Bool(true));
        assert_eq!(loads(b"F").unwrap(), Value::Bool(false));
        assert_eq!(loads(b"i\x2a\x00\x00\x00").unwrap(), Value::Int(42));
        assert_eq!(loads(b"i\xff\xff\xff\xff").unwrap(), Value::Int(-1));
        // 2**40 = digits [0, 0, 1024]: marshal.dumps(2**40)
        assert_eq!(loads(b"l\x03\x00\x00\x00\x00\x00\x00\x00\x00\x04").unwrap(), Value::Int(1 << 40));
        assert_eq!(loads(b"l\xfd\xff\xff\xff\x00\x00\x00\x00\x00\x04").unwrap(), Value::Int(-(1 << 40)));
        assert_eq!(loads(b"g\x00\x00\x00\x00\x00\x00\xf8\x3f").unwrap(), Value::Float(1.5));
        assert_eq!(loads(b"s\x03\x00\x00\x00a\x00b").unwrap(), Value::Bytes(b"a\0b".to_vec()));
        assert_eq!(loads(b"u\x05\x00\x00\x00caf\xc3\xa9").unwrap(), s("caf\u{e9}"));
        assert_eq!(loads(b"a\x02\x00\x00\x00hi").unwrap(), s("hi"));
        assert_eq!(loads(b"A\x02\x00\x00\x00hi").unwrap(), s("hi"));
        assert_eq!(loads(b"t\x02\x00\x00\x00hi").unwrap(), s("hi"));
        assert_eq!(loads(b"z\x02hi").unwrap(), s("hi"));
        assert_eq!(loads(b"Z\x00").unwrap(), s(""));
    }

    #[test]
    fn containers_and_refs() {
        // marshal.dumps({'code2': 'G0001', 'mod_indicator': True, 'lo_version': 86})
        // as CPython 3.11 writes it, with interned keys flagged for reference.
        let d = b"{\xda\x05code2\xfa\x05G0001\xda\x0dmod_indicatorT\xda\x0alo_version\xe9V\x00\x00\x000";
        let v = loads(d).unwrap();
        assert_eq!(v.get("code2"), Some(&s("G0001")));
        assert_eq!(v.get("mod_indicator").and_then(Value::as_bool), Some(true));
        assert_eq!(v.get("lo_version").and_then(Value::as_int), Some(86));
        assert_eq!(v.get("missing"), None);

        // [('ab', 'ab')] with the second 'ab' a back reference to flagged
        // object 2 (the list is 0, the tuple 1, the first 'ab' 2).
        let l = b"\xdb\x01\x00\x00\x00\xa9\x02\xda\x02abr\x02\x00\x00\x00";
        let v = loads(l).unwrap();
        assert_eq!(v, Value::List(vec![Value::Tuple(vec![s("ab"), s("ab")])]));
        assert_eq!(v.as_seq().unwrap()[0].as_seq().unwrap().len(), 2);

        // Tuple via '(' and a set.
        assert_eq!(loads(b"(\x01\x00\x00\x00N").unwrap(), Value::Tuple(vec![Value::None]));
        assert_eq!(loads(b"<\x01\x00\x00\x00T").unwrap(), Value::Set(vec![Value::Bool(true)]));
        assert_eq!(loads(b"{0").unwrap(), Value::Dict(vec![]));
        // Non-string dict keys are kept.
        assert_eq!(loads(b"{NT0").unwrap(), Value::Dict(vec![(Value::None, Value::Bool(true))]));
    }

    #[test]
    fn malformed_input_gives_errors() {
        let bad: &[&[u8]] = &[
            b"",
            b"i\x01\x00",
            b"s\x05\x00\x00\x00abc",
            b"s\xff\xff\xff\xff",
            b"[\xff\xff\xff\x7f",
            b")\x03NN",
            b"{NT",
            b"{N",
            b"0",
            b"r\x00\x00\x00\x00",
            b"\xdb\x01\x00\x00\x00r\x00\x00\x00\x00", // list containing itself
            b"\xf2\x00\x00\x00\x00",
            b"c",
            b"y",
            b"?",
            b"u\x02\x00\x00\x00\xff\xfe",
            b"NN",
            b"l\x01\x00\x00\x00\x00\x80",
            b"l\x01\x00\x00\x00\x00\x00",
            b"l\x06\x00\x00\x00\x01\x00\x01\x00\x01\x00\x01\x00\x01\x00\x01\x00",
            b"f\x03abc",
        ];
        for b in bad {
            assert!(loads(b).is_err(), "{b:?} should not decode");
        }
        // Deep nesting stops with an error, not a stack overflow.
        let mut deep = Vec::new();
        for _ in 0..10_000 {
            deep.extend_from_slice(b"[\x01\x00\x00\x00");
        }
        deep.push(b'N');
        assert!(loads(&deep).is_err());
        // Every truncation of a valid value fails cleanly.
        let d = b"{\xda\x05code2\xfa\x05G0001\xda\x0dmod_indicatorT\xda\x0alo_version\xe9V\x00\x00\x000";
        for n in 0..d.len() {
            assert!(loads(&d[..n]).is_err());
        }
    }
}
