//! Diagnosis pointers: each line points to 1–4 diagnoses that exist, and
//! every diagnosis is pointed to.

use crate::scrub::claim::Pointer;
use crate::scrub::{Ctx, Severity::Error, Severity::Info};

/// Most pointers a service line carries (837P SV107).
pub const MAX_POINTERS: usize = 4;

pub fn run(ctx: &mut Ctx) {
    let n = ctx.claim.diagnoses.len() as i64;
    let mut pointed = vec![false; ctx.claim.diagnoses.len()];
    for line in &ctx.claim.lines {
        let count = line.pointers.len();
        if count == 0 || count > MAX_POINTERS {
            let msg = if count == 0 {
                "The service line points to no diagnosis; point it to 1–4 diagnoses.".to_string()
            } else {
                format!("The service line has {count} diagnosis pointers; at most {MAX_POINTERS} are allowed.")
            };
            ctx.report("DXPTR-COUNT", Error, line.pointers_path, vec![], msg, vec![]);
        }
        for p in &line.pointers {
            match &p.value {
                Pointer::Index(i) if (1..=n).contains(i) => {
                    if let Some(slot) = pointed.get_mut((*i - 1) as usize) {
                        *slot = true;
                    }
                }
                Pointer::Index(i) => ctx.report(
                    "DXPTR-INVALID",
                    Error,
                    p.path,
                    vec![],
                    format!("Diagnosis pointer {i} names no diagnosis; the claim has {n} (1–{n} or A–{}).", letter(n)),
                    vec![],
                ),
                Pointer::UnknownSequence(seq) => ctx.report(
                    "DXPTR-INVALID",
                    Error,
                    p.path,
                    vec![],
                    format!(
                        "Diagnosis sequence {seq} names no diagnosis; no diagnosis on the claim has that sequence."
                    ),
                    vec![],
                ),
                Pointer::Invalid(s) => ctx.report(
                    "DXPTR-INVALID",
                    Error,
                    p.path,
                    vec![],
                    format!("Diagnosis pointer {s:?} is neither a number nor a letter A–L."),
                    vec![],
                ),
            }
        }
    }
    for (i, was) in pointed.iter().enumerate() {
        let Some(dx) = ctx.dx.get(i) else { continue };
        if *was || dx.key.is_empty() {
            continue;
        }
        let (display, path) = (dx.display, dx.field.path);
        ctx.report(
            "DX-UNPOINTED",
            Info,
            path,
            vec![display.to_string()],
            format!("Diagnosis {} ({display}) is not pointed to by any service line.", i + 1),
            vec![],
        );
    }
}

fn letter(n: i64) -> char {
    if (1..=26).contains(&n) {
        (b'A' + (n - 1) as u8) as char
    } else {
        '?'
    }
}
