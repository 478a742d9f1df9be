//! A structural check of an fst index from an untrusted pack, before the
//! `fst` crate walks it.
//!
//! `fst` trusts its bytes: `Fst::verify` checks a CRC (accidental damage),
//! but a crafted index with a correct CRC makes its node decoding index out
//! of bounds or overflow (a panic natively, a trap in WebAssembly; found by
//! `fuzz/fuzz_targets/pack_open.rs`). This walks every node reachable from
//! the root as fst 0.4 (format 3, `src/raw/node.rs`) decodes it and checks
//! that every byte it reads lies inside the index, that every transition
//! points to an earlier node (so walks end) and leads to some key (so a walk
//! over the keys takes steps in proportion to them), that no key's output
//! overflows a u64 and that the index holds as many keys as its header says. An index
//! written by `fst::MapBuilder` always passes.
//!
//! Its node decoder, [`RawNode`], also serves the walk over a pack's keys
//! at open ([`super::keys::key_lengths`]): it reads a node's
//! layout once, without allocating, where `fst`'s node API decodes it again
//! for each transition.

use std::collections::HashMap;

/// Bytes after the last node: key count, root address (u64 each), checksum (u32).
const TRAILER: usize = 20;
/// fst's format version with a checksum, the only one packs are written in.
const VERSION: u64 = 3;
/// Above this many transitions an any-transition node carries a 256-byte index.
const TRANS_INDEX_THRESHOLD: usize = 32;
/// fst's common inputs (`COMMON_INPUTS_INV` in `src/raw/common_inputs.rs`):
/// a one-transition node numbers its input 1–63 here instead of storing it.
const COMMON_INPUTS: &[u8; 63] = b"te/oasripcnw.hlm-du012g=:bf3y5&_4v9678k%?xCDASFIBEjPTzRNM+LOqHG";

/// One decoded node: whether a key ends here, with which output, and its
/// transitions as (output, target address).
struct Node {
    final_output: Option<u64>,
    trans: Vec<(u64, usize)>,
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    let s = b.get(at..at.checked_add(8)?)?;
    Some(u64::from_le_bytes(s.try_into().ok()?))
}

/// fst's `unpack_uint`: `n` (1..=8) little-endian bytes at `at`.
fn uint_at(b: &[u8], at: usize, n: usize) -> Option<u64> {
    if !(1..=8).contains(&n) {
        return None;
    }
    let s = b.get(at..at.checked_add(n)?)?;
    Some(s.iter().rev().fold(0u64, |v, &x| (v << 8) | x as u64))
}

/// The target of a delta-coded transition of a node ending at `end`
/// (0 is the empty final node).
fn target(delta: u64, end: usize) -> Option<usize> {
    match usize::try_from(delta).ok()? {
        0 => Some(0),
        d => end.checked_sub(d),
    }
}

/// A node's layout, decoded from its state byte without allocating, so a
/// walk can read its transitions one by one ([`super::keys::key_lengths`]
/// reads every node of a code set's keys at open).
#[derive(Clone, Copy)]
pub(crate) struct RawNode {
    /// The output of a key ending here, if one does.
    pub(crate) final_output: Option<u64>,
    pub(crate) ntrans: usize,
    layout: Layout,
}

#[derive(Clone, Copy)]
enum Layout {
    /// No transitions (the empty final node at address 0).
    Empty,
    /// One transition on this input with this output to this node.
    One(u8, u64, usize),
    /// Any number: transition `i`'s input, delta and output lie
    /// `ntrans - 1 - i` slots above these positions (fst writes the last
    /// one first).
    Any { tsize: usize, osize: usize, inputs_at: usize, addrs_at: usize, outs_at: usize, end: usize },
}

impl RawNode {
    /// Decodes the node whose state byte is at `start` (0: the empty final
    /// node), or `None` when a byte it needs lies outside `b` or a field is
    /// out of range.
    pub(crate) fn decode(b: &[u8], start: usize) -> Option<RawNode> {
        if start == 0 {
            return Some(RawNode { final_output: Some(0), ntrans: 0, layout: Layout::Empty });
        }
        let v = *b.get(start)?;
        // A one-transition node's input: one of fst's 63 common bytes,
        // numbered in the state byte, or the byte below it.
        let common = v & 0b0011_1111;
        let input_len = usize::from(common == 0);
        let input = || match common {
            0 => b.get(start.checked_sub(1)?).copied(),
            i => COMMON_INPUTS.get(usize::from(i) - 1).copied(),
        };
        let one = |input: u8, out: u64, target: usize| RawNode {
            final_output: None,
            ntrans: 1,
            layout: Layout::One(input, out, target),
        };
        match v >> 6 {
            // One transition to the node just below, no output.
            0b11 => Some(one(input()?, 0, start.checked_sub(input_len)?.checked_sub(1)?)),
            // One transition with an output.
            0b10 => {
                let sizes_at = start.checked_sub(input_len + 1)?;
                let sizes = *b.get(sizes_at)?;
                let (tsize, osize) = ((sizes >> 4) as usize, (sizes & 0x0f) as usize);
                if !(1..=8).contains(&tsize) || osize > 8 {
                    return None;
                }
                let end = sizes_at.checked_sub(tsize + osize)?;
                let delta = uint_at(b, sizes_at - tsize, tsize)?;
                let out = if osize == 0 { 0 } else { uint_at(b, end, osize)? };
                Some(one(input()?, out, target(delta, end)?))
            }
            // Any number of transitions, maybe final.
            _ => {
                let is_final = v & 0b0100_0000 != 0;
                let (ntrans, ntrans_len) = match v & 0b0011_1111 {
                    0 => match *b.get(start.checked_sub(1)?)? {
                        1 => (256, 1),
                        n => (n as usize, 1),
                    },
                    n => (n as usize, 0),
                };
                let sizes_at = start.checked_sub(ntrans_len + 1)?;
                let sizes = *b.get(sizes_at)?;
                let (tsize, osize) = ((sizes >> 4) as usize, (sizes & 0x0f) as usize);
                if (ntrans > 0 && !(1..=8).contains(&tsize)) || tsize > 8 || osize > 8 {
                    return None;
                }
                let index = if ntrans > TRANS_INDEX_THRESHOLD { 256 } else { 0 };
                let inputs_at = sizes_at.checked_sub(index + ntrans)?;
                let addrs_at = inputs_at.checked_sub(ntrans * tsize)?;
                let outs_at = addrs_at.checked_sub(ntrans * osize)?;
                let final_osize = if is_final { osize } else { 0 };
                let end = outs_at.checked_sub(final_osize)?;
                let final_output = match (is_final, osize) {
                    (false, _) => None,
                    (true, 0) => Some(0),
                    (true, _) => Some(uint_at(b, end, osize)?),
                };
                let layout = Layout::Any { tsize, osize, inputs_at, addrs_at, outs_at, end };
                Some(RawNode { final_output, ntrans, layout })
            }
        }
    }

    /// Transition `i` (in input order) as (output, target address).
    pub(crate) fn transition(&self, b: &[u8], i: usize) -> Option<(u64, usize)> {
        match self.layout {
            Layout::Empty => None,
            Layout::One(_, out, target) => (i == 0).then_some((out, target)),
            Layout::Any { tsize, osize, addrs_at, outs_at, end, .. } => {
                let slot = self.ntrans.checked_sub(i + 1)?;
                let delta = uint_at(b, addrs_at + slot * tsize, tsize)?;
                let out = if osize == 0 { 0 } else { uint_at(b, outs_at + slot * osize, osize)? };
                Some((out, target(delta, end)?))
            }
        }
    }

    /// The input byte of transition `i`.
    pub(crate) fn input(&self, b: &[u8], i: usize) -> Option<u8> {
        match self.layout {
            Layout::Empty => None,
            Layout::One(input, _, _) => (i == 0).then_some(input),
            Layout::Any { inputs_at, .. } => b.get(inputs_at + self.ntrans.checked_sub(i + 1)?).copied(),
        }
    }
}

/// Decodes the node whose state byte is at `start` (> 0) with its
/// transitions, or `None` when any byte it needs lies outside `b`.
fn node(b: &[u8], start: usize) -> Option<Node> {
    let raw = RawNode::decode(b, start)?;
    let trans = (0..raw.ntrans).map(|i| raw.transition(b, i)).collect::<Option<Vec<_>>>()?;
    Some(Node { final_output: raw.final_output, trans })
}

/// Checks the fst in `b` (see the module documentation); the error says what is wrong.
pub fn check(b: &[u8]) -> Result<(), &'static str> {
    let n = b.len();
    if n < 36 || u64_at(b, 0) != Some(VERSION) {
        return Err("not an fst of format 3");
    }
    let len = u64_at(b, n - TRAILER).ok_or("truncated")?;
    let root = usize::try_from(u64_at(b, n - TRAILER + 8).ok_or("truncated")?).map_err(|_| "root out of range")?;
    // What `fst::raw::Fst::new` means to check: the root is the last node
    // written (or the empty final node of an index holding only "").
    let root_ok = if root == 0 { n == 36 } else { root.checked_add(TRAILER + 1) == Some(n) };
    if !root_ok {
        return Err("the root is not the last node");
    }
    // Every node reachable from the root, decoded once.
    let mut nodes: HashMap<usize, Node> = HashMap::new();
    let mut stack = vec![root];
    while let Some(a) = stack.pop() {
        if a == 0 || nodes.contains_key(&a) {
            continue;
        }
        let nd = node(b, a).ok_or("a node lies outside the index")?;
        for &(_, t) in &nd.trans {
            // Transitions point strictly downwards: walks end.
            if t >= a {
                return Err("a transition points forward");
            }
            stack.push(t);
        }
        nodes.insert(a, nd);
    }
    // Keys below each node and their largest output, lowest address first
    // (transitions point down, so a node's targets are done before it).
    let mut addrs: Vec<usize> = nodes.keys().copied().collect();
    addrs.sort_unstable();
    let mut below: HashMap<usize, (u64, u64)> = HashMap::with_capacity(addrs.len() + 1);
    below.insert(0, (1, 0));
    for a in addrs {
        let Some(nd) = nodes.get(&a) else { continue };
        let (mut keys, mut max_out) = match nd.final_output {
            Some(o) => (1u64, o),
            None => (0, 0),
        };
        for &(out, t) in &nd.trans {
            // Targets lie below `a` and were all walked, so each is already in `below`.
            let &(k, m) = below.get(&t).ok_or("a transition points to no node")?;
            // A builder never writes one; through shared nodes such dead
            // ends could make a walk over every key take exponentially long.
            if k == 0 {
                return Err("a transition leads to no key");
            }
            keys = keys.checked_add(k).ok_or("too many keys")?;
            max_out = max_out.max(out.checked_add(m).ok_or("an output overflows")?);
        }
        below.insert(a, (keys, max_out));
    }
    if below.get(&root).map(|&(keys, _)| keys) != Some(len) {
        return Err("the key count differs from the header's");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(keys: &[(&str, u64)]) -> Vec<u8> {
        let mut b = fst::MapBuilder::memory();
        for &(k, v) in keys {
            b.insert(k, v).unwrap();
        }
        b.into_inner().unwrap()
    }

    #[test]
    fn indexes_fst_writes_pass() {
        assert_eq!(check(&build(&[])), Ok(()));
        assert_eq!(check(&build(&[("", 0)])), Ok(()));
        assert_eq!(check(&build(&[("", 7)])), Ok(()));
        assert_eq!(check(&build(&[("a", 1), ("ab", 2), ("b", u64::MAX)])), Ok(()));
        // Many transitions from one node (the 256-byte index), long keys, big outputs.
        let many: Vec<String> = (0..=255u8).map(|c| format!("{}x{}", c as char, "y".repeat(c as usize % 7))).collect();
        let mut keys: Vec<(&str, u64)> = many.iter().enumerate().map(|(i, k)| (k.as_str(), (i as u64) << 40)).collect();
        keys.sort();
        keys.dedup_by(|a, b| a.0 == b.0);
        let mut b = fst::MapBuilder::memory();
        for &(k, v) in &keys {
            b.insert(k.as_bytes(), v).unwrap();
        }
        assert_eq!(check(&b.into_inner().unwrap()), Ok(()));
        let words: Vec<String> = (0..5000).map(|i| format!("w{i:05}{}", i % 13)).collect();
        let keys: Vec<(&str, u64)> = words.iter().enumerate().map(|(i, w)| (w.as_str(), i as u64 * 3)).collect();
        assert_eq!(check(&build(&keys)), Ok(()));
    }

    /// Keys below `node`, counted by walking every path (small fsts only).
    fn keys_below(f: &fst::raw::Fst<Vec<u8>>, node: fst::raw::Node<'_>, dead_end: &mut bool) -> u64 {
        let mut keys = u64::from(node.is_final());
        for t in node.transitions() {
            let k = keys_below(f, f.node(t.addr), dead_end);
            *dead_end |= k == 0;
            keys += k;
        }
        keys
    }

    #[test]
    fn accepted_indexes_have_a_key_below_every_transition() {
        let good = build(&[("a", 0), ("ab", 1), ("abc", 2), ("ac", 3), ("b", 4), ("bcd", 5)]);
        let mut accepted = 0;
        for i in 0..good.len() {
            for x in 0..=255u8 {
                let mut b = good.clone();
                b[i] = x;
                if check(&b).is_err() {
                    continue;
                }
                let Ok(f) = fst::raw::Fst::new(b) else { continue };
                let mut dead_end = false;
                keys_below(&f, f.root(), &mut dead_end);
                assert!(!dead_end, "byte {i} set to {x}: a transition with no key below passed");
                accepted += 1;
            }
        }
        assert!(accepted > good.len(), "the mutations should include accepted ones");
    }

    #[test]
    fn damaged_indexes_fail_without_panicking() {
        let good = build(&[("apple", 1), ("apply", 2), ("banana", 300), ("band", 70_000)]);
        for i in 0..good.len() {
            for x in [0u8, 1, 0x3f, 0x40, 0x7f, 0x80, 0xbf, 0xc0, 0xff] {
                let mut b = good.clone();
                b[i] = x;
                let _ = check(&b);
            }
        }
        let mut b = good.clone();
        let n = b.len();
        b[n - 12..n - 4].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(check(&b).is_err());
        b = good.clone();
        b[n - 20..n - 12].copy_from_slice(&5u64.to_le_bytes());
        assert_eq!(check(&b), Err("the key count differs from the header's"));
    }
}
