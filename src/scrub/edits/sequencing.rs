//! Sequencing rules: what may (not) be listed first.

use crate::scrub::{Ctx, Severity::Error, Severity::Warning};

pub fn run(ctx: &mut Ctx) {
    let Some(set) = ctx.icd else { return };
    let date = ctx.claim_date;
    if let Some(first) = ctx.dx.first() {
        let (display, path, ord) = (first.display, first.field.path, first.ord);
        if ord.is_some() && matches!(first.key.as_bytes().first(), Some(b'V' | b'W' | b'X' | b'Y')) {
            let sugg = other_codes(ctx, |k| !matches!(k.as_bytes().first(), Some(b'V' | b'W' | b'X' | b'Y')));
            ctx.report(
                "DX-EXTERNAL-CAUSE-FIRST",
                Error,
                path,
                vec![display.to_string()],
                format!("{display} is an external-cause code (V00–Y99); it describes how an injury happened and may never be the first-listed diagnosis. List the injury or condition first."),
                sugg,
            );
        }
        if let Some(o) = ord {
            if set.has_flag_on(o, "manifestation", date) {
                ctx.report(
                    "DX-MANIFESTATION-FIRST",
                    Error,
                    path,
                    vec![display.to_string()],
                    format!("{display} is a manifestation code and may not be listed first; code the underlying condition first."),
                    vec![],
                );
            }
        }
    }
    let first_is_first_listed = ctx.dx.first().is_some_and(|d| ctx.tables.first_listed_only(d.key));
    for j in 1..ctx.dx.len() {
        let Some(d) = ctx.dx.get(j) else { continue };
        if d.ord.is_none() || !ctx.tables.first_listed_only(d.key) || first_is_first_listed {
            continue;
        }
        let (display, path) = (d.display, d.field.path);
        ctx.report(
            "DX-FIRST-LISTED-ONLY",
            Warning,
            path,
            vec![display.to_string()],
            format!("{display} is a Z code that may only be reported as the first-listed diagnosis (ICD-10-CM guidelines I.C.21.c.16); move it to the first position."),
            vec![],
        );
    }
}

/// Other diagnoses of the claim whose key satisfies `keep`, as displayed.
fn other_codes(ctx: &Ctx, keep: impl Fn(&str) -> bool) -> Vec<String> {
    ctx.dx.iter().skip(1).filter(|d| d.ord.is_some() && keep(d.key)).map(|d| d.display.to_string()).take(3).collect()
}
