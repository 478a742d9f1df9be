//! ICD-10-CM tabular conventions between the diagnoses of one claim:
//! Excludes1, code first, use additional code. They work from the note
//! references parsed at compile time (code prefixes and ranges) on the code
//! and every ancestor, never from note text.

use std::sync::Arc;

use crate::codeset::{note_kind, CodeSet};
use crate::scrub::tables::{ChainRefs, NamedCodes, NoteRef};
use crate::scrub::{Ctx, Severity::Info, Severity::Warning};

/// `a <= b`, bytewise (the keys are a few bytes: no call to `memcmp`).
#[inline]
fn le(a: &[u8], b: &[u8]) -> bool {
    for (x, y) in a.iter().zip(b) {
        if x != y {
            return x < y;
        }
    }
    a.len() <= b.len()
}

/// A key of a note reference as stored (NUL-padded), as `CodeRange` reads
/// it: a key that is not UTF-8 reads as "".
fn stored_key(b: &[u8]) -> ([u8; 8], u8) {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    let b = b.get(..end).unwrap_or(&[]);
    let b = if b.is_ascii() { b } else { std::str::from_utf8(b).map_or(&[][..], str::as_bytes) };
    let mut key = [0u8; 8];
    let n = b.len().min(8);
    if let (Some(dst), Some(src)) = (key.get_mut(..n), b.get(..n)) {
        dst.copy_from_slice(src);
    }
    (key, n as u8)
}

impl NoteRef {
    #[inline]
    fn lo(&self) -> &[u8] {
        self.lo.get(..self.lo_len as usize).unwrap_or(&[])
    }

    #[inline]
    fn hi(&self) -> &[u8] {
        self.hi.get(..self.hi_len as usize).unwrap_or(&[])
    }

    /// [`crate::codeset::CodeRange::contains`]: the normalized `key`'s prefix
    /// as long as `lo` is not below `lo`, its prefix as long as `hi` not above `hi`.
    #[inline]
    fn contains(&self, key: &str) -> bool {
        let (lo, hi) = (self.lo(), self.hi());
        let (Some(a), Some(b)) = (key.as_bytes().get(..lo.len()), key.as_bytes().get(..hi.len())) else {
            return false;
        };
        le(lo, a) && le(b, hi) && key.is_char_boundary(lo.len()) && key.is_char_boundary(hi.len())
    }
}

/// Where [`ChainRefs`] lists each note kind the edits use.
const EXCLUDES1: usize = 0;
const CODE_FIRST: usize = 1;
const USE_ADDITIONAL: usize = 2;

/// The references the edits use on the entry and its ancestors, nearest
/// first, with the entry they are written on.
fn chain_refs(set: &CodeSet, ord: u32) -> ChainRefs {
    let mut out = ChainRefs::default();
    for o in std::iter::once(ord).chain(set.ancestors_iter(ord)) {
        for (kind, _, lo, hi) in set.refs_raw(o) {
            let list = match kind {
                note_kind::EXCLUDES1 => EXCLUDES1,
                note_kind::CODE_FIRST => CODE_FIRST,
                note_kind::USE_ADDITIONAL => USE_ADDITIONAL,
                _ => continue,
            };
            let ((lo, lo_len), (hi, hi_len)) = (stored_key(lo), stored_key(hi));
            if let Some(l) = out.lists.get_mut(list) {
                l.push(NoteRef { on: o, lo, lo_len, hi, hi_len });
            }
        }
    }
    out
}

/// The references of each diagnosis of the claim (none for an unknown code).
struct Refs(Vec<Option<Arc<ChainRefs>>>);

impl Refs {
    /// The references of `kind` of diagnosis `i`.
    fn of(&self, i: usize, kind: usize) -> &[NoteRef] {
        self.0.get(i).and_then(Option::as_deref).and_then(|c| c.lists.get(kind)).map_or(&[], Vec::as_slice)
    }
}

fn display_ref(r: &NoteRef) -> String {
    let text = |b| std::str::from_utf8(b).unwrap_or("");
    let (lo, hi) = (text(r.lo()), text(r.hi()));
    use std::fmt::Write;
    let dotted = |out: &mut String, k: &str| {
        let _ = match (k.get(..3), k.get(3..)) {
            (Some(head), Some(tail)) if !tail.is_empty() => write!(out, "{head}.{tail}"),
            _ => write!(out, "{k}"),
        };
    };
    let mut out = String::with_capacity(lo.len() + hi.len() + 3);
    dotted(&mut out, lo);
    if lo != hi {
        out.push('-');
        dotted(&mut out, hi);
    }
    out
}

/// The entry a note is written on, as a biller reads it (`E11`, `I10-I1A`, `chapter 19`).
fn entry_name(set: &CodeSet, ord: u32) -> String {
    match set.kind(ord).name() {
        "chapter" => format!("chapter {}", set.code(ord)),
        _ => set.code(ord).to_string(),
    }
}

/// The codes and ranges `refs` name (without repeats) and those of them
/// that are billable codes themselves on `date` (ranges and headers dropped).
fn named_codes<'r>(
    set: &CodeSet,
    entry: String,
    refs: impl Iterator<Item = &'r NoteRef>,
    date: crate::date::Date,
) -> NamedCodes {
    let named = dedup(refs.map(display_ref));
    let mut key = String::new();
    let billable = named
        .iter()
        .filter(|c| {
            key.clear();
            key.extend(c.chars().filter(|&ch| ch != '.'));
            set.ordinal(&key).is_some_and(|n| set.billable_on(n, date))
        })
        .cloned()
        .collect();
    NamedCodes { entry, joined: named.join(", "), billable }
}

pub fn run(ctx: &mut Ctx) {
    let Some(set) = ctx.icd else { return };
    let date = ctx.claim_date;
    let valid: Vec<usize> = (0..ctx.dx.len()).filter(|&i| ctx.dx.get(i).is_some_and(|d| d.ord.is_some())).collect();
    let chains = &ctx.tables.chains;
    let refs = Refs(ctx.dx.iter().map(|d| d.ord.map(|o| chains.get_or(o, || chain_refs(set, o)))).collect());
    let key = |i: usize| ctx.dx.get(i).map_or("", |d| d.key);

    // Excludes1: a pair where either code's Excludes1 names the other.
    let mut pairs = Vec::new();
    for (a, &i) in valid.iter().enumerate() {
        for &j in valid.get(a + 1..).unwrap_or(&[]) {
            let (ki, kj) = (key(i), key(j));
            if ki == kj {
                continue;
            }
            let hit = |from: usize, other: &str| {
                refs.of(from, EXCLUDES1).iter().find(|r| r.contains(other)).map(|r| entry_name(set, r.on))
            };
            if let Some(on) = hit(i, kj).or_else(|| hit(j, ki)) {
                pairs.push((i, j, on));
            }
        }
    }

    // Code first: the condition named must be on the claim before this code.
    let mut code_first = Vec::new();
    for (pos, &j) in valid.iter().enumerate() {
        let cf = refs.of(j, CODE_FIRST);
        if cf.is_empty() {
            continue;
        }
        let before = valid.get(..pos).unwrap_or(&[]);
        let satisfied = before.iter().any(|&i| cf.iter().any(|r| r.contains(key(i))));
        if satisfied {
            continue;
        }
        let Some(o) = ctx.dx.get(j).and_then(|d| d.ord) else { continue };
        let named = ctx
            .tables
            .named
            .get_or((note_kind::CODE_FIRST, o, date.days()), || named_codes(set, String::new(), cf.iter(), date));
        code_first.push((j, named));
    }

    // Use additional code: one finding per entry whose instruction names no
    // code on the claim (the notes of one entry list alternatives).
    let mut use_additional = Vec::new();
    for &j in &valid {
        let ua = refs.of(j, USE_ADDITIONAL);
        let mut previous = None;
        for on in ua.iter().map(|r| r.on) {
            if previous == Some(on) {
                continue;
            }
            previous = Some(on);
            let group = ua.iter().filter(|r| r.on == on);
            let present = valid.iter().any(|&i| i != j && group.clone().any(|r| r.contains(key(i))));
            if present {
                continue;
            }
            // The instruction and its suggestions depend on the entry and the date only.
            let named = ctx.tables.named.get_or((note_kind::USE_ADDITIONAL, on, date.days()), || {
                named_codes(set, entry_name(set, on), group, date)
            });
            use_additional.push((j, named));
        }
    }

    for (i, j, on) in pairs {
        let (Some(di), Some(dj)) = (ctx.dx.get(i), ctx.dx.get(j)) else { continue };
        let (a, b, path) = (di.display, dj.display, dj.field.path);
        ctx.report(
            "DX-EXCLUDES1",
            Warning,
            path,
            vec![a.to_string(), b.to_string()],
            format!("{a} and {b} should not be reported together: an Excludes1 note at {on} says the conditions cannot occur together (report both only when they are unrelated)."),
            vec![],
        );
    }
    for (j, named) in code_first {
        let Some(d) = ctx.dx.get(j) else { continue };
        let (display, path) = (d.display, d.field.path);
        ctx.report(
            "DX-CODE-FIRST",
            Warning,
            path,
            vec![display.to_string()],
            format!(
                "{display} has a \"code first\" instruction: list the underlying condition ({}) before it.",
                named.joined
            ),
            named.billable.clone(),
        );
    }
    for (j, named) in use_additional {
        let Some(d) = ctx.dx.get(j) else { continue };
        let (display, path) = (d.display, d.field.path);
        ctx.report(
            "DX-USE-ADDITIONAL",
            Info,
            path,
            vec![display.to_string()],
            format!(
                "{display}: the tabular at {} says to use an additional code ({}); none is on the claim.",
                named.entry, named.joined
            ),
            named.billable.clone(),
        );
    }
}

fn dedup(it: impl Iterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in it {
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out
}
