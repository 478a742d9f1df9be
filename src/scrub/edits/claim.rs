//! Claim-level edits: structure, patient, provider, place of service, dates.

use crate::date::Date;
use crate::scrub::claim::{Format, Ptr, K};
use crate::scrub::{Ctx, Severity::Error};

pub fn run(ctx: &mut Ctx) {
    malformed(ctx);
    patient(ctx);
    npi(ctx);
    place_of_service(ctx);
    dates(ctx);
}

fn malformed(ctx: &mut Ctx) {
    let claim = ctx.claim;
    for (path, what) in &claim.malformed {
        ctx.report("CLAIM-MALFORMED", Error, *path, vec![], format!("The value at {path} {what}."), vec![]);
    }
    if claim.lines.is_empty() {
        ctx.report(
            "CLAIM-MALFORMED",
            Error,
            claim.lines_path,
            vec![],
            "The claim has no service lines; add at least one line with a procedure code.".into(),
            vec![],
        );
    }
    for l in &claim.lines {
        if l.code.as_ref().is_none_or(|c| c.value.trim().is_empty()) {
            let path = match claim.format {
                Some(Format::Fhir) => l.path.key(K::ProductOrService),
                _ => l.path.key(K::Code),
            };
            ctx.report(
                "CLAIM-MALFORMED",
                Error,
                path,
                vec![],
                "The service line has no procedure code.".into(),
                vec![],
            );
        }
    }
}

fn patient(ctx: &mut Ctx) {
    let claim = ctx.claim;
    match &claim.birth_date {
        None => ctx.report(
            "PATIENT-DOB",
            Error,
            claim.birth_date_path,
            vec![],
            "The patient's birth date is missing.".into(),
            vec![],
        ),
        Some(b) => match Date::parse_opt(b.value.trim()) {
            None => ctx.report(
                "PATIENT-DOB",
                Error,
                b.path,
                vec![],
                format!("The patient's birth date {:?} is not a real date in YYYY-MM-DD form.", b.value),
                vec![],
            ),
            Some(birth) => {
                let first_service = ctx.lines.iter().filter_map(|l| l.date).min();
                if let Some(d) = first_service.filter(|&d| birth > d) {
                    ctx.report(
                        "PATIENT-DOB",
                        Error,
                        b.path,
                        vec![],
                        format!("The patient's birth date {birth} is after the service date {d}."),
                        vec![],
                    );
                } else if birth > ctx.today {
                    ctx.report(
                        "PATIENT-DOB",
                        Error,
                        b.path,
                        vec![],
                        format!("The patient's birth date {birth} is in the future."),
                        vec![],
                    );
                }
            }
        },
    }
    match &claim.sex {
        None => ctx.report(
            "PATIENT-SEX",
            Error,
            claim.sex_path,
            vec![],
            "The patient's sex is missing (F, M or U).".into(),
            vec![],
        ),
        Some(s) if ctx.sex().is_none() => ctx.report(
            "PATIENT-SEX",
            Error,
            s.path,
            vec![],
            format!("The patient's sex {:?} is not one of F, M, U (or female, male, unknown, other).", s.value),
            vec![],
        ),
        Some(_) => {}
    }
}

/// NPI check digit: Luhn over "80840" + the first nine digits.
pub fn npi_valid(npi: &str) -> bool {
    let b = npi.as_bytes();
    if b.len() != 10 || !b.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let sum: u32 = b"80840"
        .iter()
        .chain(b)
        .rev()
        .map(|&c| (c - b'0') as u32)
        .enumerate()
        .map(|(i, d)| {
            if i % 2 == 1 {
                if d * 2 > 9 {
                    d * 2 - 9
                } else {
                    d * 2
                }
            } else {
                d
            }
        })
        .sum();
    sum % 10 == 0
}

fn npi(ctx: &mut Ctx) {
    let claim = ctx.claim;
    match &claim.billing_npi {
        None => ctx.report(
            "NPI-INVALID",
            Error,
            claim.billing_npi_path,
            vec![],
            "The billing provider's NPI is missing.".into(),
            vec![],
        ),
        Some(n) => check_npi(ctx, n.value, n.path, "billing"),
    }
    if let Some(n) = &claim.rendering_npi {
        check_npi(ctx, n.value, n.path, "rendering");
    }
}

fn check_npi(ctx: &mut Ctx, npi: &str, path: Ptr, role: &str) {
    let npi = npi.trim();
    let why = if npi.len() != 10 || !npi.bytes().all(|c| c.is_ascii_digit()) {
        "is not 10 digits"
    } else if !npi_valid(npi) {
        "fails the NPI check digit (Luhn over 80840 + NPI)"
    } else {
        return;
    };
    ctx.report(
        "NPI-INVALID",
        Error,
        path,
        vec![npi.to_string()],
        format!("The {role} provider NPI {npi} {why}."),
        vec![],
    );
}

fn place_of_service(ctx: &mut Ctx) {
    let claim = ctx.claim;
    let check = |ctx: &mut Ctx, value: &str, path: Ptr| {
        let v = value.trim();
        let known = ctx.pos.is_some_and(|p| p.ordinal(v).is_some());
        if !known {
            ctx.report(
                "POS-INVALID",
                Error,
                path,
                vec![v.to_string()],
                format!("Place of service {v:?} is not in the CMS place-of-service code set."),
                vec![],
            );
        }
    };
    if let Some(p) = &claim.place_of_service {
        check(ctx, p.value, p.path);
    }
    let mut missing_reported = false;
    for l in &claim.lines {
        match &l.place_of_service {
            Some(p) => check(ctx, p.value, p.path),
            None if claim.place_of_service.is_none() => {
                let (path, once) = match claim.format {
                    Some(Format::Fhir) => (l.path.key(K::LocationCodeableConcept), false),
                    _ => (Ptr::root(K::PlaceOfService), true),
                };
                if once && missing_reported {
                    continue;
                }
                missing_reported = true;
                ctx.report("POS-INVALID", Error, path, vec![], "The place of service is missing.".into(), vec![]);
            }
            None => {}
        }
    }
}

fn dates(ctx: &mut Ctx) {
    let today = ctx.today;
    for i in 0..ctx.lines.len() {
        let Some(li) = ctx.lines.get(i) else { continue };
        let (line, date, date_to) = (li.line, li.date, li.date_to);
        match (&line.service_date, date) {
            (None, _) => ctx.report(
                "DATE-INVALID",
                Error,
                line.service_date_path,
                vec![],
                "The service date is missing.".into(),
                vec![],
            ),
            (Some(f), None) => ctx.report(
                "DATE-INVALID",
                Error,
                f.path,
                vec![],
                format!("The service date {:?} is not a real date in YYYY-MM-DD form.", f.value),
                vec![],
            ),
            (Some(f), Some(d)) if d > today => ctx.report(
                "DATE-FUTURE",
                Error,
                f.path,
                vec![],
                format!("The service date {d} is after today ({today})."),
                vec![],
            ),
            _ => {}
        }
        if let Some(t) = &line.service_date_to {
            match date_to {
                None => ctx.report(
                    "DATE-INVALID",
                    Error,
                    t.path,
                    vec![],
                    format!("The service end date {:?} is not a real date in YYYY-MM-DD form.", t.value),
                    vec![],
                ),
                Some(to) => {
                    if let Some(from) = date.filter(|&from| to < from) {
                        ctx.report(
                            "DATE-ORDER",
                            Error,
                            t.path,
                            vec![],
                            format!("The service end date {to} is before the start date {from}."),
                            vec![],
                        );
                    }
                    if to > today && date.is_none_or(|d| d <= today) {
                        ctx.report(
                            "DATE-FUTURE",
                            Error,
                            t.path,
                            vec![],
                            format!("The service end date {to} is after today ({today})."),
                            vec![],
                        );
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn npi_check_digit() {
        assert!(super::npi_valid("1234567893"));
        assert!(!super::npi_valid("1234567890"));
        assert!(!super::npi_valid("123456789"));
    }
}
