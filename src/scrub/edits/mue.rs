//! Medically unlikely edits (NCCI MUE), from a loaded MUE pack: the most
//! units of service of a code a provider would report for one patient on one
//! date of service. The MUE adjudication indicator (MAI) says what is
//! counted: 1, the units of each line on its own; 2 (policy) and 3
//! (clinical), the units of every line of the claim with that code and date
//! of service added together. A line's date of service is its `serviceDate`.

use std::collections::BTreeMap;

use crate::date::Date;
use crate::scrub::tables::MueHit;
use crate::scrub::{Ctx, Severity};

fn mai_name(mai: u8) -> &'static str {
    match mai {
        1 => "MAI 1, line edit",
        2 => "MAI 2, date of service edit: policy",
        _ => "MAI 3, date of service edit: clinical",
    }
}

fn rationale(m: &MueHit) -> String {
    m.rationale.as_deref().map(|r| format!(" CMS rationale: {}.", r.trim_end_matches('.'))).unwrap_or_default()
}

pub fn run(ctx: &mut Ctx) {
    if !ctx.tables.has_mue() {
        return;
    }
    let mut reports = Vec::new();
    // (code, date) → (lines, units so far, the MUE) for MAI 2 and 3.
    let mut groups: BTreeMap<(String, Date), (Vec<usize>, f64, MueHit)> = BTreeMap::new();
    for (i, li) in ctx.lines.iter().enumerate() {
        let (Some(key), Some(date), Some(units)) = (&li.key, li.date, &li.line.units) else { continue };
        if !(units.value > 0.0 && units.value.is_finite()) {
            continue; // UNITS-INVALID reports it
        }
        let Some(mue) = ctx.tables.mue_on(key, date) else { continue };
        if mue.mai == 1 {
            if units.value > mue.value as f64 {
                let msg = format!(
                    "{key} is billed {} units on one line on {date}; its medically unlikely edit allows {} per line ({}), so the line will be denied. Bill the units actually rendered, on separate lines only where the services were distinct.{}",
                    units.value,
                    mue.value,
                    mai_name(1),
                    rationale(&mue)
                );
                reports.push((units.path, key.to_string(), msg));
            }
        } else {
            let g = groups.entry((key.to_string(), date)).or_insert_with(|| (Vec::new(), 0.0, mue));
            g.0.push(i);
            g.1 += units.value;
        }
    }
    for ((key, date), (lines, total, mue)) in groups {
        if total <= mue.value as f64 {
            continue;
        }
        let Some(&last) = lines.last() else { continue };
        let Some(units) = ctx.lines.get(last).and_then(|l| l.line.units.as_ref()) else { continue };
        let on = if lines.len() == 1 { "on one line".to_string() } else { format!("across {} lines", lines.len()) };
        let msg = format!(
            "{key} is billed {total} units {on} on {date}; its medically unlikely edit allows {} per date of service ({}): the units of every line with the code on that date count together.{}",
            mue.value,
            mai_name(mue.mai),
            rationale(&mue)
        );
        reports.push((units.path, key, msg));
    }
    for (path, key, msg) in reports {
        ctx.report("NCCI-MUE", Severity::Error, path, vec![key], msg, vec![]);
    }
}
