//! Medicare Code Editor age and sex edits, each judged by the MCE flags and
//! age categories in force on the date of service (CMS dropped the sex
//! edits from 2024-10-01, so C61 for a female patient is flagged only before).

use crate::scrub::{Ctx, Severity::Warning};

const AGE_FLAGS: [&str; 4] = ["newborn", "pediatric", "maternity", "adult"];

pub fn run(ctx: &mut Ctx) {
    let Some(set) = ctx.icd else { return };
    let date = ctx.claim_date;
    let age = ctx.age_on(date);
    let sex = ctx.sex();
    let age_masks = AGE_FLAGS.map(|f| set.flag_mask(f));
    let (male, female) = (set.flag_mask("male"), set.flag_mask("female"));
    for i in 0..ctx.dx.len() {
        let Some(d) = ctx.dx.get(i) else { break };
        let Some(o) = d.ord else { continue };
        let (display, path) = (d.display, d.field.path);
        let bits = set.flag_bits_on(o, date);
        if let Some(age) = age {
            for (flag, mask) in AGE_FLAGS.iter().zip(age_masks) {
                if bits & mask == 0 {
                    continue;
                }
                let Some(cat) = ctx.tables.age_category(flag, date) else { continue };
                if age < cat.age_from || age > cat.age_to {
                    let (from, to) = (cat.age_from, cat.age_to);
                    ctx.report(
                        "DX-AGE",
                        Warning,
                        path,
                        vec![display.to_string()],
                        format!("{display} is a {flag} diagnosis (ages {from}–{to} in the Medicare Code Editor on {date}); the patient is {age}."),
                        vec![],
                    );
                }
            }
        }
        let wrong = match sex {
            Some('F') if bits & male != 0 => Some(("male", "female")),
            Some('M') if bits & female != 0 => Some(("female", "male")),
            _ => None,
        };
        if let Some((code_sex, patient_sex)) = wrong {
            ctx.report(
                "DX-SEX",
                Warning,
                path,
                vec![display.to_string()],
                format!("{display} is a {code_sex}-only diagnosis in the Medicare Code Editor on {date}; the patient is {patient_sex}."),
                vec![],
            );
        }
    }
}
