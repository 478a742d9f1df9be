//! Medicare Code Editor age and sex edits, each judged by the MCE flags and
//! age categories in force on the date of service (CMS dropped the sex
//! edits from 2024-10-01, so C61 for a female patient is flagged only before).

use crate::scrub::{Ctx, Severity::Warning};

const AGE_FLAGS: &[&str] = &["newborn", "pediatric", "maternity", "adult"];

pub fn run(ctx: &mut Ctx) {
    let Some(set) = ctx.icd else { return };
    let date = ctx.claim_date;
    let age = ctx.age_on(date);
    let sex = ctx.sex();
    for i in 0..ctx.dx.len() {
        let Some(o) = ctx.dx[i].ord else { continue };
        let (display, path) = (ctx.dx[i].display.clone(), ctx.dx[i].field.path.clone());
        if let Some(age) = age {
            for flag in AGE_FLAGS {
                if !set.has_flag_on(o, flag, date) {
                    continue;
                }
                let Some(cat) = ctx.tables.age_category(flag, date) else { continue };
                if age < cat.age_from || age > cat.age_to {
                    let (from, to) = (cat.age_from, cat.age_to);
                    ctx.report(
                        "DX-AGE",
                        Warning,
                        &path,
                        vec![display.clone()],
                        format!("{display} is a {flag} diagnosis (ages {from}–{to} in the Medicare Code Editor on {date}); the patient is {age}."),
                        vec![],
                    );
                }
            }
        }
        let wrong = match sex {
            Some('F') if set.has_flag_on(o, "male", date) => Some(("male", "female")),
            Some('M') if set.has_flag_on(o, "female", date) => Some(("female", "male")),
            _ => None,
        };
        if let Some((code_sex, patient_sex)) = wrong {
            ctx.report(
                "DX-SEX",
                Warning,
                &path,
                vec![display.clone()],
                format!("{display} is a {code_sex}-only diagnosis in the Medicare Code Editor on {date}; the patient is {patient_sex}."),
                vec![],
            );
        }
    }
}
