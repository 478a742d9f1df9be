//! Procedure codes: format, existence and validity on the date of service
//! (HCPCS Level II releases), age limits; CPT-format codes are only checked
//! when a CPT pack is loaded.

use crate::codeset::{CodeSet, System};
use crate::scrub::claim::Ptr;
use crate::scrub::context::{LineInfo, PxShape};
use crate::scrub::{Ctx, Severity, Severity::Error, Severity::Info, Severity::Warning};

/// A finding of this family: edit, severity, message, suggestions.
type Px = (&'static str, Severity, String, Vec<String>);

pub fn run(ctx: &mut Ctx) {
    let cpt = ctx.mc.set(System::Cpt);
    for i in 0..ctx.lines.len() {
        let Some(li) = ctx.lines.get(i) else { break };
        let (Some(key), Some(field)) = (li.key, li.line.code.as_ref()) else { continue };
        let path: Ptr = field.path;
        if let Some((edit, severity, message, sugg)) = check(ctx, li, key, cpt) {
            let codes = vec![key.to_string()];
            ctx.report(edit, severity, path, codes, message, sugg);
        }
    }
}

/// The finding on one line's procedure code `key`, if any.
fn check(ctx: &Ctx, li: &LineInfo, key: &str, cpt: Option<&CodeSet>) -> Option<Px> {
    let date = li.date.unwrap_or(ctx.today);
    match li.shape {
        PxShape::Other => Some((
            "PX-FORMAT",
            Error,
            format!("{key:?} is not a procedure code: HCPCS Level II is a letter A–V and 4 digits (G0439), CPT is 5 characters (4 digits then a digit or letter)."),
            vec![],
        )),
        PxShape::Cpt => match cpt {
            None => Some((
                "PX-CPT-UNCHECKED",
                Info,
                format!("{key} is a CPT-format code; load a CPT pack to check it (CPT is licensed by the AMA and not shipped)."),
                vec![],
            )),
            Some(set) => match set.ordinal(key) {
                None => Some(("PX-INVALID", Error, format!("{key} is not in the loaded CPT pack."), vec![])),
                Some(o) if !set.billable_on(o, date) => Some((
                    "PX-NOT-VALID-ON-DOS",
                    Error,
                    format!("{key} is not in effect on {date} in the loaded CPT pack."),
                    vec![],
                )),
                Some(_) => None,
            },
        },
        PxShape::LevelII => {
            let set = ctx.hcpcs?;
            match li.ord {
                None => Some((
                    "PX-INVALID",
                    Error,
                    format!("{key} is not a HCPCS Level II code in any release medcode knows (2019-07 to 2026-04)."),
                    ctx.nearest(set, key, date, 5),
                )),
                Some(o) if !set.billable_on(o, date) => {
                    let ranges = set.billable_ranges(o);
                    let msg = match (ranges.first(), ranges.last()) {
                        (Some(f), _) if f.from > date => {
                            format!("{key} is not in effect on {date}: it takes effect on {}.", f.from)
                        }
                        (_, Some(l)) => format!("{key} is not valid on {date}: it was terminated after {}.", l.to),
                        _ => format!("{key} is not valid on {date}."),
                    };
                    Some(("PX-NOT-VALID-ON-DOS", Error, msg, vec![]))
                }
                Some(o) => {
                    let (lo, hi) = set.age_limits(o);
                    let age = ctx.age_on(date)?;
                    let below = lo.is_some_and(|l| age < l as i32);
                    let above = hi.is_some_and(|h| age > h as i32);
                    if !(below || above) {
                        return None;
                    }
                    let range = match (lo, hi) {
                        (Some(l), Some(h)) => format!("ages {l}–{h}"),
                        (Some(l), None) => format!("age {l} and over"),
                        (None, Some(h)) => format!("age {h} and under"),
                        (None, None) => String::new(),
                    };
                    Some((
                        "PX-AGE",
                        Warning,
                        format!("{key} is limited to {range}; the patient is {age} on {date}."),
                        vec![],
                    ))
                }
            }
        }
    }
}
