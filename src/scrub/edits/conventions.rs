//! ICD-10-CM tabular conventions between the diagnoses of one claim:
//! Excludes1, code first, use additional code. They work from the note
//! references parsed at compile time (code prefixes and ranges) on the code
//! and every ancestor, never from note text.

use crate::codeset::{note_kind, CodeRange, CodeSet};
use crate::scrub::{Ctx, Severity::Info, Severity::Warning};

/// The references of `kind` on the entry and its ancestors, with the entry they are written on.
fn refs_of(set: &CodeSet, ord: u32, kind: u8) -> Vec<(u32, CodeRange<'_>)> {
    std::iter::once(ord)
        .chain(set.ancestors(ord))
        .flat_map(|o| set.refs(o).into_iter().filter(move |r| r.kind == kind).map(move |r| (o, r)))
        .collect()
}

fn display_ref(r: &CodeRange) -> String {
    let dotted = |k: &str| if k.len() > 3 { format!("{}.{}", &k[..3], &k[3..]) } else { k.to_string() };
    if r.lo == r.hi {
        dotted(r.lo)
    } else {
        format!("{}-{}", dotted(r.lo), dotted(r.hi))
    }
}

/// The entry a note is written on, as a biller reads it (`E11`, `I10-I1A`, `chapter 19`).
fn entry_name(set: &CodeSet, ord: u32) -> String {
    match set.kind(ord).name() {
        "chapter" => format!("chapter {}", set.code(ord)),
        _ => set.code(ord).to_string(),
    }
}

/// The named codes that are billable themselves on `date` (ranges and headers dropped).
fn billable_named(set: &CodeSet, named: &[String], date: crate::date::Date) -> Vec<String> {
    named
        .iter()
        .filter(|c| set.ordinal(&c.replace('.', "")).is_some_and(|n| set.billable_on(n, date)))
        .cloned()
        .collect()
}

pub fn run(ctx: &mut Ctx) {
    let Some(set) = ctx.icd else { return };
    let date = ctx.claim_date;
    let valid: Vec<usize> = (0..ctx.dx.len()).filter(|&i| ctx.dx[i].ord.is_some()).collect();
    // Excludes1 references of each diagnosis (own and inherited), read once.
    let excludes: Vec<Vec<(u32, CodeRange)>> = (0..ctx.dx.len())
        .map(|i| ctx.dx[i].ord.map(|o| refs_of(set, o, note_kind::EXCLUDES1)).unwrap_or_default())
        .collect();

    // Excludes1: a pair where either code's Excludes1 names the other.
    let mut pairs = Vec::new();
    for (a, &i) in valid.iter().enumerate() {
        for &j in &valid[a + 1..] {
            let (ki, kj) = (&ctx.dx[i].key, &ctx.dx[j].key);
            if ki == kj {
                continue;
            }
            let hit = |from: usize, other: &str| {
                excludes[from].iter().find(|(_, r)| r.contains(other)).map(|(o, _)| entry_name(set, *o))
            };
            if let Some(on) = hit(i, kj).or_else(|| hit(j, ki)) {
                pairs.push((i, j, on));
            }
        }
    }
    for (i, j, on) in pairs {
        let (a, b) = (ctx.dx[i].display.clone(), ctx.dx[j].display.clone());
        let path = ctx.dx[j].field.path.clone();
        ctx.report(
            "DX-EXCLUDES1",
            Warning,
            &path,
            vec![a.clone(), b.clone()],
            format!("{a} and {b} should not be reported together: an Excludes1 note at {on} says the conditions cannot occur together (report both only when they are unrelated)."),
            vec![],
        );
    }

    // Code first: the condition named must be on the claim before this code.
    for (pos, &j) in valid.iter().enumerate() {
        let Some(o) = ctx.dx[j].ord else { continue };
        let refs = refs_of(set, o, note_kind::CODE_FIRST);
        if refs.is_empty() {
            continue;
        }
        let before = &valid[..pos];
        let satisfied = before.iter().any(|&i| refs.iter().any(|(_, r)| r.contains(&ctx.dx[i].key)));
        if satisfied {
            continue;
        }
        let display = ctx.dx[j].display.clone();
        let named: Vec<String> = dedup(refs.iter().map(|(_, r)| display_ref(r)));
        let path = ctx.dx[j].field.path.clone();
        let sugg = billable_named(set, &named, date);
        ctx.report(
            "DX-CODE-FIRST",
            Warning,
            &path,
            vec![display.clone()],
            format!(
                "{display} has a \"code first\" instruction: list the underlying condition ({}) before it.",
                named.join(", ")
            ),
            sugg,
        );
    }

    // Use additional code: one finding per entry whose instruction names no
    // code on the claim (the notes of one entry list alternatives).
    for &j in &valid {
        let Some(o) = ctx.dx[j].ord else { continue };
        let refs = refs_of(set, o, note_kind::USE_ADDITIONAL);
        let mut entries: Vec<u32> = refs.iter().map(|(on, _)| *on).collect();
        entries.dedup();
        for on in entries {
            let group: Vec<&CodeRange> = refs.iter().filter(|(o2, _)| *o2 == on).map(|(_, r)| r).collect();
            let present = valid.iter().any(|&i| i != j && group.iter().any(|r| r.contains(&ctx.dx[i].key)));
            if present {
                continue;
            }
            let named: Vec<String> = dedup(group.iter().map(|r| display_ref(r)));
            // Suggest only codes that are billable themselves on the date.
            let sugg = billable_named(set, &named, date);
            let display = ctx.dx[j].display.clone();
            let path = ctx.dx[j].field.path.clone();
            ctx.report(
                "DX-USE-ADDITIONAL",
                Info,
                &path,
                vec![display.clone()],
                format!(
                    "{display}: the tabular at {} says to use an additional code ({}); none is on the claim.",
                    entry_name(set, on),
                    named.join(", ")
                ),
                sugg,
            );
        }
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
