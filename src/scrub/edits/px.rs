//! Procedure codes: format, existence and validity on the date of service
//! (HCPCS Level II releases), age limits; CPT-format codes are only checked
//! when a CPT pack is loaded.

use crate::codeset::System;
use crate::scrub::context::PxShape;
use crate::scrub::{Ctx, Severity::Error, Severity::Info, Severity::Warning};

pub fn run(ctx: &mut Ctx) {
    let cpt = ctx.mc.set(System::Cpt);
    for i in 0..ctx.lines.len() {
        let li = &ctx.lines[i];
        let (Some(key), Some(field)) = (li.key.clone(), li.line.code.as_ref()) else { continue };
        let path = field.path.clone();
        let date = li.date.unwrap_or(ctx.today);
        match li.shape {
            PxShape::Other => ctx.report(
                "PX-FORMAT",
                Error,
                &path,
                vec![key.clone()],
                format!("{key:?} is not a procedure code: HCPCS Level II is a letter A–V and 4 digits (G0439), CPT is 5 characters (4 digits then a digit or letter)."),
                vec![],
            ),
            PxShape::Cpt => match cpt {
                None => ctx.report(
                    "PX-CPT-UNCHECKED",
                    Info,
                    &path,
                    vec![key.clone()],
                    format!("{key} is a CPT-format code; load a CPT pack to check it (CPT is licensed by the AMA and not shipped)."),
                    vec![],
                ),
                Some(set) => match set.ordinal(&key) {
                    None => ctx.report("PX-INVALID", Error, &path, vec![key.clone()], format!("{key} is not in the loaded CPT pack."), vec![]),
                    Some(o) if !set.billable_on(o, date) => ctx.report(
                        "PX-NOT-VALID-ON-DOS",
                        Error,
                        &path,
                        vec![key.clone()],
                        format!("{key} is not in effect on {date} in the loaded CPT pack."),
                        vec![],
                    ),
                    Some(_) => {}
                },
            },
            PxShape::LevelII => {
                let Some(set) = ctx.hcpcs else { continue };
                match li.ord {
                    None => {
                        let sugg = ctx.nearest(set, &key, date, 5);
                        ctx.report(
                            "PX-INVALID",
                            Error,
                            &path,
                            vec![key.clone()],
                            format!("{key} is not a HCPCS Level II code in any release medcode knows (2019-07 to 2026-04)."),
                            sugg,
                        );
                    }
                    Some(o) if !set.billable_on(o, date) => {
                        let ranges = set.billable_ranges(o);
                        let msg = match (ranges.first(), ranges.last()) {
                            (Some(f), _) if f.from > date => format!("{key} is not in effect on {date}: it takes effect on {}.", f.from),
                            (_, Some(l)) => format!("{key} is not valid on {date}: it was terminated after {}.", l.to),
                            _ => format!("{key} is not valid on {date}."),
                        };
                        ctx.report("PX-NOT-VALID-ON-DOS", Error, &path, vec![key.clone()], msg, vec![]);
                    }
                    Some(o) => {
                        let (lo, hi) = set.age_limits(o);
                        if let Some(age) = ctx.age_on(date) {
                            let below = lo.is_some_and(|l| age < l as i32);
                            let above = hi.is_some_and(|h| age > h as i32);
                            if below || above {
                                let range = match (lo, hi) {
                                    (Some(l), Some(h)) => format!("ages {l}–{h}"),
                                    (Some(l), None) => format!("age {l} and over"),
                                    (None, Some(h)) => format!("age {h} and under"),
                                    (None, None) => String::new(),
                                };
                                ctx.report(
                                    "PX-AGE",
                                    Warning,
                                    &path,
                                    vec![key.clone()],
                                    format!("{key} is limited to {range}; the patient is {age} on {date}."),
                                    vec![],
                                );
                            }
                        }
                    }
                }
            }
        }
    }
}
