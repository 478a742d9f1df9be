//! Diagnosis validity: count, duplicates, unknown codes, headers, 7th
//! characters, placeholders, and codes not in effect on the date of service.
//! Claim-level diagnoses are judged on the earliest service date.

use crate::codeset::record::with_seventh;
use crate::codeset::CodeSet;
use crate::date::Date;
use crate::scrub::claim::Ptr;
use crate::scrub::{Ctx, Severity::Error, Severity::Warning};

/// Most diagnoses a professional claim carries (837P / CMS-1500 A–L).
pub const MAX_DIAGNOSES: usize = 12;

pub fn run(ctx: &mut Ctx) {
    count(ctx);
    duplicates(ctx);
    let Some(set) = ctx.icd else { return };
    let date = ctx.claim_date;
    for i in 0..ctx.dx.len() {
        let Some(d) = ctx.dx.get(i) else { break };
        let (path, display, ord) = (d.field.path, d.display, d.ord);
        match ord {
            Some(o) => known(ctx, set, o, &display, path, date),
            None => {
                let key = d.key;
                unknown(ctx, set, key, &display, path, date)
            }
        }
    }
}

fn count(ctx: &mut Ctx) {
    let n = ctx.claim.diagnoses.len();
    let path = ctx.claim.diagnoses_path;
    if n == 0 {
        ctx.report(
            "DX-COUNT",
            Error,
            path,
            vec![],
            "The claim has no diagnosis; at least one is required.".into(),
            vec![],
        );
    } else if n > MAX_DIAGNOSES {
        ctx.report(
            "DX-COUNT",
            Error,
            path,
            vec![],
            format!("The claim has {n} diagnoses; a professional claim holds at most {MAX_DIAGNOSES} (A–L)."),
            vec![],
        );
    }
}

fn duplicates(ctx: &mut Ctx) {
    let mut found = Vec::new();
    for (j, b) in ctx.dx.iter().enumerate() {
        if b.key.is_empty() {
            continue;
        }
        if let Some(i) = ctx.dx.iter().take(j).position(|a| a.key == b.key) {
            found.push((i, j));
        }
    }
    for (i, j) in found {
        let Some(dj) = ctx.dx.get(j) else { continue };
        let (d, path) = (dj.display, dj.field.path);
        ctx.report(
            "DX-DUPLICATE",
            Warning,
            path,
            vec![d.to_string()],
            format!("{d} is listed twice (diagnoses {} and {}); list each diagnosis once.", i + 1, j + 1),
            vec![],
        );
    }
}

fn known(ctx: &mut Ctx, set: &CodeSet, o: u32, display: &str, path: Ptr, date: Date) {
    if set.billable_on(o, date) {
        return;
    }
    if set.exists_on(o, date) {
        if set.needs_seventh(o) {
            let sugg = completions(set, o, date);
            ctx.report(
                "DX-7TH-CHAR",
                Error,
                path,
                vec![display.to_string()],
                format!("{display} requires a 7th character (for example the encounter type); choose a complete code."),
                sugg,
            );
        } else {
            let sugg = ctx.billable_under(set, o, date, 10);
            let what = match set.kind(o).name() {
                "chapter" | "block" => "a range of categories",
                "category" => "a category",
                _ => "a subcategory",
            };
            ctx.report(
                "DX-NOT-BILLABLE",
                Error,
                path,
                vec![display.to_string()],
                format!("{display} is {what}, not a billable code on {date}; choose a more specific code."),
                sugg,
            );
        }
        return;
    }
    // Deleted, or not yet in effect.
    let ranges = set.billable_ranges(o);
    let ranges = if ranges.is_empty() { set.exists_ranges(o) } else { ranges };
    let message = match (ranges.first(), ranges.last()) {
        (Some(first), _) if first.from > date => {
            format!("{display} is not in effect on {date}: it takes effect on {}.", first.from)
        }
        (_, Some(last)) => format!("{display} is not valid on {date}: it was deleted after {}.", last.to),
        _ => format!("{display} is not valid on {date}."),
    };
    let mut sugg: Vec<String> = Vec::new();
    let key: String = display.chars().filter(|&c| c != '.').collect();
    if let Some(news) = ctx.tables.conversions.get(&key) {
        for (new, _) in news {
            if let Some(n) = set.ordinal(new) {
                if set.billable_on(n, date) {
                    sugg.push(set.code(n).to_string());
                } else if set.exists_on(n, date) {
                    sugg.extend(ctx.billable_under(set, n, date, 10));
                }
            }
        }
    }
    sugg.dedup();
    ctx.report("DX-NOT-VALID-ON-DOS", Error, path, vec![display.to_string()], message, sugg);
}

/// The complete codes (7th character added) under a code that needs one, valid on `date`.
fn completions(set: &CodeSet, o: u32, date: Date) -> Vec<String> {
    set.children(o).filter(|&c| set.billable_on(c, date)).map(|c| set.code(c).to_string()).collect()
}

/// The entry a 7th-character code is built on: the key without its 7th
/// character and trailing placeholders, if that entry needs a 7th character.
fn seventh_base(set: &CodeSet, stem: &str) -> Option<u32> {
    let trimmed = stem.trim_end_matches('X');
    [stem, trimmed].into_iter().filter_map(|k| set.ordinal(k)).find(|&o| set.needs_seventh(o))
}

fn unknown(ctx: &mut Ctx, set: &CodeSet, key: &str, display: &str, path: Ptr, date: Date) {
    if key.is_empty() {
        ctx.report("DX-INVALID", Error, path, vec![], "The diagnosis code is empty.".into(), vec![]);
        return;
    }
    let shown = if display.is_empty() { key } else { display };
    // A 7th character without its placeholders: S020A → S02.0XXA.
    if (5..=7).contains(&key.len()) && key.is_ascii() {
        let (stem, last) = key.split_at(key.len() - 1);
        if stem.len() < 6 {
            let padded = with_seventh(stem, last).replace('.', "");
            if let Some(p) = set.ordinal(&padded) {
                if set.exists_on(p, date) || set.ever_billable(p) {
                    let full = set.code(p).to_string();
                    ctx.report(
                        "DX-PLACEHOLDER",
                        Error,
                        path,
                        vec![shown.to_string()],
                        format!("{shown} is missing its placeholder X: a 7th character must be the 7th position; the code is {full}."),
                        vec![full],
                    );
                    return;
                }
            }
        }
    }
    // A 7th character that is not allowed, or a code cut short of it (S02.0XX).
    if key.is_ascii() {
        let base = if key.len() == 7 { seventh_base(set, &key[..6]) } else { seventh_base(set, key) };
        if let Some(b) = base {
            let bcode = set.code(b).to_string();
            let message = if key.len() == 7 {
                format!(
                    "{shown}: 7th character {:?} is not allowed for {bcode}; choose one of its valid 7th characters.",
                    &key[6..]
                )
            } else {
                format!("{shown} requires a 7th character; choose a complete code under {bcode}.")
            };
            let sugg = completions(set, b, date);
            ctx.report("DX-7TH-CHAR", Error, path, vec![shown.to_string()], message, sugg);
            return;
        }
    }
    let sugg = if key.len() <= 8 { ctx.nearest(set, key, date, 5) } else { Vec::new() };
    ctx.report(
        "DX-INVALID",
        Error,
        path,
        vec![shown.to_string()],
        format!("{shown} is not an ICD-10-CM code in any edition medcode knows (FY2016–FY2027)."),
        sugg,
    );
}
