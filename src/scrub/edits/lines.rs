//! Service-line fields: modifiers, units, charges, duplicate lines.

use crate::scrub::{Ctx, Severity::Error, Severity::Warning};

/// Most modifiers a service line carries (837P SV101-3..6).
pub const MAX_MODIFIERS: usize = 4;

pub fn run(ctx: &mut Ctx) {
    let today = ctx.today;
    for i in 0..ctx.lines.len() {
        let Some(li) = ctx.lines.get(i) else { continue };
        let line = li.line;
        let date = li.date.unwrap_or(today);
        let n_modifiers = li.modifiers.len();
        if line.modifiers.len() > MAX_MODIFIERS {
            ctx.report(
                "MOD-COUNT",
                Error,
                line.modifiers_path,
                vec![],
                format!("The line has {} modifiers; at most {MAX_MODIFIERS} are allowed.", line.modifiers.len()),
                vec![],
            );
        }
        for k in 0..n_modifiers {
            let (Some(m), Some(field)) = (ctx.lines.get(i).and_then(|l| l.modifiers.get(k)), line.modifiers.get(k))
            else {
                break;
            };
            if ctx.tables.modifier_valid_on(m, date) == Some(true) {
                continue;
            }
            let why = if ctx.tables.modifiers.contains_key(m.as_ref()) {
                format!("is not valid on {date}")
            } else {
                "is not a known modifier".into()
            };
            let (m, path) = (m.to_string(), field.path);
            ctx.report("MOD-INVALID", Error, path, vec![m.clone()], format!("Modifier {m:?} {why}."), vec![]);
        }
        match &line.units {
            None => ctx.report(
                "UNITS-INVALID",
                Error,
                line.units_path,
                vec![],
                "The line's units are missing.".into(),
                vec![],
            ),
            Some(u) if u.value <= 0.0 => ctx.report(
                "UNITS-INVALID",
                Error,
                u.path,
                vec![],
                format!("The line's units ({}) must be greater than zero.", u.value),
                vec![],
            ),
            _ => {}
        }
        match &line.charge {
            None => ctx.report(
                "CHARGE-INVALID",
                Error,
                line.charge_path,
                vec![],
                "The line's charge is missing.".into(),
                vec![],
            ),
            Some(c) if c.value <= 0.0 => ctx.report(
                "CHARGE-INVALID",
                Error,
                c.path,
                vec![],
                format!("The line's charge ({}) must be greater than zero.", c.value),
                vec![],
            ),
            _ => {}
        }
    }
    duplicates(ctx);
}

fn duplicates(ctx: &mut Ctx) {
    let mut found = Vec::new();
    for (j, b) in ctx.lines.iter().enumerate() {
        let Some(kb) = &b.key else { continue };
        let same = |a: &crate::scrub::context::LineInfo| {
            a.key.as_ref() == Some(kb)
                && a.sorted_modifiers == b.sorted_modifiers
                && a.date == b.date
                && a.date_to.or(a.date) == b.date_to.or(b.date)
        };
        if let Some(i) = ctx.lines.get(..j).and_then(|before| before.iter().position(same)) {
            found.push((i, j, *kb));
        }
    }
    for (i, j, code) in found {
        let Some(path) = ctx.lines.get(j).map(|l| l.line.path) else { continue };
        ctx.report(
            "LINE-DUPLICATE",
            Warning,
            path,
            vec![code.to_string()],
            format!("Lines {} and {} bill {code} with the same modifiers and dates; combine them into one line with more units, or add a modifier that tells them apart.", i + 1, j + 1),
            vec![],
        );
    }
}
