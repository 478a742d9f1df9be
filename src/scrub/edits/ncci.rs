//! National Correct Coding Initiative procedure-to-procedure edits: a
//! column-1/column-2 pair billed on the same date of service. Modifier
//! indicator 0 never allows the pair; 1 allows it when either line carries an
//! NCCI-associated modifier; 9 means the edit does not apply. The pairs are
//! the bundled Level II ones and those of loaded NCCI PTP packs.

use crate::scrub::{Ctx, Severity};

/// Modifiers that may bypass an indicator-1 edit (NCCI Policy Manual, ch. I):
/// anatomic, global surgery and the distinct-service modifiers.
pub const NCCI_MODIFIERS: &[&str] = &[
    "E1", "E2", "E3", "E4", "FA", "F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8", "F9", "TA", "T1", "T2", "T3", "T4",
    "T5", "T6", "T7", "T8", "T9", "LT", "RT", "LC", "LD", "RC", "LM", "RI", "24", "25", "57", "58", "78", "79", "27",
    "59", "91", "XE", "XS", "XP", "XU",
];

pub fn run(ctx: &mut Ctx) {
    if !ctx.tables.has_ptp() {
        return;
    }
    let mut hits = Vec::new();
    // Without packs, only the bundled pairs count: skip a line whose code
    // starts none.
    let bundled_only = ctx.tables.ptp_packs.iter().all(|t| t.is_empty());
    for (i, a) in ctx.lines.iter().enumerate() {
        if bundled_only && a.key.is_none_or(|k| !ctx.tables.ptp.contains_key(k)) {
            continue;
        }
        for (j, b) in ctx.lines.iter().enumerate() {
            if i == j {
                continue;
            }
            let (Some(ka), Some(kb), Some(da), Some(db)) = (&a.key, &b.key, a.date, b.date) else { continue };
            if da != db || ka == kb {
                continue;
            }
            let Some(e) = ctx.tables.ptp_on(ka, kb, da) else { continue };
            let bypass = || a.modifiers.iter().chain(&b.modifiers).any(|m| NCCI_MODIFIERS.contains(&m.as_ref()));
            let severity = match e.modifier_indicator {
                0 => Severity::Error,
                1 if !bypass() => Severity::Warning,
                _ => continue,
            };
            hits.push((j, ka.to_string(), kb.to_string(), da, e.modifier_indicator, severity, e.rationale));
        }
    }
    for (j, c1, c2, date, ind, severity, rationale) in hits {
        let Some(line) = ctx.lines.get(j).map(|l| l.line) else { continue };
        let path = line.code.as_ref().map_or(line.path, |c| c.path);
        let message = if ind == 0 {
            format!("{c2} is bundled into {c1} on the same date ({date}) under an NCCI procedure-to-procedure edit with modifier indicator 0: the pair is never paid together.")
        } else {
            format!("{c2} is bundled into {c1} on the same date ({date}) under an NCCI procedure-to-procedure edit; if the services were distinct, add an NCCI-associated modifier (59, XE, XS, XP, XU or an anatomic modifier).")
        };
        let message = match rationale {
            Some(r) => format!("{message} CMS rationale: {}.", r.trim_end_matches('.')),
            None => message,
        };
        ctx.report("NCCI-PTP", severity, path, vec![c1, c2], message, vec![]);
    }
}
