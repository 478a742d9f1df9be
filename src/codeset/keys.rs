//! Ordinal → code, read back from the KEYS fst instead of a table.
//!
//! KEYS maps each normalized code to its ordinal, and ordinals are numbered
//! in key order. In an fst built that way, the output gathered on the way
//! into any node is the ordinal of the first key below it. So the key of an
//! ordinal is found by walking down from the root, taking at each node the
//! last transition whose output does not pass the ordinal: at most eight
//! steps. A table of displayed codes would cost about 1.2 MB of linear
//! memory for the embedded sets, and rebuilding it at open was half of the
//! open time.
//!
//! [`key_lengths`] walks the whole fst once when a pack is opened and checks
//! the property the walk relies on, so a crafted pack cannot make it answer
//! wrongly. The embedded sets, which the test suite checks, ship their key
//! lengths instead (KLEN).

use std::fmt;

use fst::raw::Fst;

use super::fst_check::RawNode;

use crate::format::Bytes;

/// The longest normalized key (ICD-10-CM's seven characters and room for packs).
pub const MAX_KEY: usize = 8;

/// A code as displayed (`S72.001A`): a key and at most one dot, kept inline.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Code {
    bytes: [u8; MAX_KEY + 1],
    len: u8,
}

impl Code {
    pub(crate) fn new(key: &[u8], dot_after: Option<usize>) -> Code {
        let mut code = Code { bytes: [0; MAX_KEY + 1], len: 0 };
        for (i, &b) in key.iter().take(MAX_KEY).enumerate() {
            if dot_after == Some(i) {
                code.push(b'.');
            }
            code.push(b);
        }
        code
    }

    fn push(&mut self, b: u8) {
        if let Some(slot) = self.bytes.get_mut(self.len as usize) {
            *slot = b;
            self.len += 1;
        }
    }

    pub fn as_str(&self) -> &str {
        // Keys were checked to be UTF-8 at open and a dot goes between characters.
        std::str::from_utf8(self.bytes.get(..self.len as usize).unwrap_or(&[])).unwrap_or("")
    }
}

impl std::ops::Deref for Code {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Code {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl PartialEq<str> for Code {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// The key of `ord` into `out`, its length returned (0 when the fst has no
/// such ordinal). Relies on what [`key_lengths`] checked.
pub(crate) fn key_of(fst: &Fst<Bytes>, ord: u64, out: &mut [u8; MAX_KEY]) -> usize {
    let mut node = fst.root();
    let mut at = 0u64;
    for n in 0..=MAX_KEY {
        if node.is_final() && at + node.final_output().value() == ord {
            return n;
        }
        // The first key under a transition is numbered `at + out`, rising
        // from one transition to the next; the ordinal lies under the last
        // transition that does not pass it (a binary search: nodes near the
        // root have dozens of transitions, and decoding one is not free).
        let (mut lo, mut hi) = (0, node.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if at + node.transition(mid).out.value() <= ord {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        let Some(last) = lo.checked_sub(1) else { return 0 };
        let t = node.transition(last);
        let Some(slot) = out.get_mut(n) else { return 0 };
        *slot = t.inp;
        at += t.out.value();
        node = fst.node(t.addr);
    }
    0
}

/// The length of every key in ordinal order, from one depth-first walk over
/// the fst's nodes. Checks that keys are UTF-8, at most [`MAX_KEY`] bytes,
/// numbered 0, 1, 2… in key order, and that every transition's output names
/// the first key below it (what [`key_of`] relies on). Nodes are decoded
/// from the raw bytes ([`RawNode`]): through `fst`'s node API this walk was
/// half of the instructions of opening the embedded sets.
#[inline(never)] // a pack's path only (see `check_fst`)
pub(crate) fn key_lengths(fst: &Fst<Bytes>) -> Result<Vec<u8>, &'static str> {
    let b = fst.as_bytes();
    let mut lens = Vec::with_capacity(fst.len());
    let mut key = [0u8; MAX_KEY];
    // (node, its next transition, the output gathered on the way into it)
    let mut stack: Vec<(RawNode, usize, u64)> = Vec::with_capacity(MAX_KEY + 1);
    // In an fst built from keys every transition leads to a key, so a walk
    // takes at most MAX_KEY steps per key; a crafted one (a DAG of shared
    // nodes that end in no key) could take exponentially many.
    let mut steps_left = fst.len().saturating_mul(MAX_KEY);
    let root = RawNode::decode(b, fst.root().addr()).ok_or(DAMAGED)?;
    enter(&root, 0, 0, &key, &mut lens)?;
    stack.push((root, 0, 0));
    while let Some((node, next, at)) = stack.last_mut() {
        if *next == node.ntrans {
            stack.pop();
            continue;
        }
        let i = *next;
        *next += 1;
        let (out, addr) = node.transition(b, i).ok_or(DAMAGED)?;
        let input = node.input(b, i).ok_or(DAMAGED)?;
        let at = *at + out;
        steps_left = steps_left.checked_sub(1).ok_or("KEYS has paths that end in no key")?;
        let depth = stack.len();
        if at != lens.len() as u64 {
            return Err("KEYS are not numbered in order");
        }
        *key.get_mut(depth - 1).ok_or("a key is longer than 8 bytes")? = input;
        let child = RawNode::decode(b, addr).ok_or(DAMAGED)?;
        enter(&child, depth, at, &key, &mut lens)?;
        if child.ntrans > 0 {
            if depth >= MAX_KEY {
                return Err("a key is longer than 8 bytes");
            }
            stack.push((child, 0, at));
        }
    }
    Ok(lens)
}

const DAMAGED: &str = "a KEYS node lies outside the index";

/// A node reached with `depth` key bytes: when final, its key comes next.
fn enter(node: &RawNode, depth: usize, at: u64, key: &[u8; MAX_KEY], lens: &mut Vec<u8>) -> Result<(), &'static str> {
    if let Some(out) = node.final_output {
        if at + out != lens.len() as u64 {
            return Err("KEYS are not numbered in order");
        }
        let key = key.get(..depth).unwrap_or(&[]);
        // Codes are ASCII; anything else must at least be UTF-8.
        if !key.is_ascii() {
            std::str::from_utf8(key).map_err(|_| "a key is not UTF-8")?;
        }
        lens.push(depth as u8);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use fst::Streamer;

    /// Every ordinal of every embedded set reads back the key the fst
    /// streams for it, and the lengths agree.
    #[test]
    fn every_embedded_key_reads_back_from_its_ordinal() {
        let mc = crate::MedCode::embedded().expect("sets");
        for set in mc.sets() {
            let fst = set.keys().as_fst();
            let lens = key_lengths(fst).expect("lengths");
            assert_eq!(lens.len(), set.len());
            let mut stream = set.keys().stream();
            let mut buf = [0u8; MAX_KEY];
            while let Some((k, v)) = stream.next() {
                let n = key_of(fst, v, &mut buf);
                assert_eq!(&buf[..n], k, "{} ordinal {v}", set.system);
                assert_eq!(lens[v as usize] as usize, k.len());
            }
            assert_eq!(key_of(fst, set.len() as u64, &mut buf), 0, "past the end");
        }
    }

    #[test]
    fn maps_not_numbered_in_key_order_are_refused() {
        let build = |pairs: &[(&str, u64)]| {
            let mut b = fst::MapBuilder::memory();
            for &(k, v) in pairs {
                b.insert(k, v).expect("insert");
            }
            fst::Map::new(Bytes::from_vec(b.into_inner().expect("fst"))).expect("map")
        };
        let good = build(&[("A0", 0), ("A01", 1), ("B", 2)]);
        assert_eq!(key_lengths(good.as_fst()), Ok(vec![2, 3, 1]));
        let mut buf = [0u8; MAX_KEY];
        let n = key_of(good.as_fst(), 1, &mut buf);
        assert_eq!(&buf[..n], b"A01");
        assert!(key_lengths(build(&[("A0", 1), ("A01", 0), ("B", 2)]).as_fst()).is_err());
        assert!(key_lengths(build(&[("A0", 0), ("A01", 2), ("B", 3)]).as_fst()).is_err());
        assert!(key_lengths(build(&[("ABCDEFGHI", 0)]).as_fst()).is_err());
        // Reading the keys back walks each key's path once.
        let many: Vec<(String, u64)> = (0..500u64).map(|i| (format!("K{i:05}"), i)).collect();
        let many = build(&many.iter().map(|(k, v)| (k.as_str(), *v)).collect::<Vec<_>>());
        assert_eq!(key_lengths(many.as_fst()).map(|l| l.len()), Ok(500));
    }

    #[test]
    fn keys_that_are_not_utf8_are_refused_wherever_their_bytes_sit() {
        let lengths = |keys: &[&[u8]]| {
            let mut b = fst::MapBuilder::memory();
            for (i, k) in keys.iter().enumerate() {
                b.insert(k, i as u64).expect("insert");
            }
            key_lengths(fst::Map::new(Bytes::from_vec(b.into_inner().expect("fst"))).expect("map").as_fst())
        };
        assert_eq!(lengths(&[b"A\xc3\xa9", b"B"]), Ok(vec![3, 1]));
        // Each branch's own byte: read the other way round, "Ab" would end in 0xc3.
        assert_eq!(lengths(&[b"Ab", b"A\xc3\xa9"]), Ok(vec![2, 3]));
        // fst's common inputs ("t", "e") are numbered, not stored.
        assert_eq!(lengths(&[b"te", b"tet"]), Ok(vec![2, 3]));
        // In a one-transition node, and in a node with several.
        assert_eq!(lengths(&[b"A\xc3", b"B"]), Err("a key is not UTF-8"));
        assert_eq!(lengths(&[b"A\xc3\xa9", b"A\xff", b"B"]), Err("a key is not UTF-8"));
        assert_eq!(lengths(&[b"t\xff"]), Err("a key is not UTF-8"));
    }

    #[test]
    fn codes_display_with_their_dot() {
        assert_eq!(Code::new(b"S72001A", Some(3)).as_str(), "S72.001A");
        assert_eq!(Code::new(b"G0439", None), "G0439");
        assert_eq!(Code::new(b"", None), "");
    }
}
