//! What every edit sees: the claim, the code sets, the tables, the dates and
//! codes already resolved once, and the findings collected so far.

use std::borrow::Cow;

use crate::lookup::edit_distance::EditDistance;
use fst::{IntoStreamer, Streamer};

use super::claim::{Claim, Field, Line, Ptr};
use super::tables::Tables;
use super::{Finding, Severity};
use crate::codeset::{Code, CodeSet, System};
use crate::date::Date;
use crate::MedCode;

/// A diagnosis resolved against ICD-10-CM.
pub struct Dx<'c> {
    pub field: &'c Field<&'c str>,
    /// Normalized key (upper case, no dot, no spaces).
    pub key: &'c str,
    /// Canonical display (`E11.9`), or the input trimmed when unknown.
    pub display: Shown<'c>,
    /// Ordinal in the ICD-10-CM set when the code exists in any edition.
    pub ord: Option<u32>,
}

/// A code as findings show it: the set's own form, or what was typed
/// (trimmed) when no set knows it.
#[derive(Clone, Copy)]
pub enum Shown<'c> {
    Code(Code),
    Typed(&'c str),
}

impl std::ops::Deref for Shown<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        match self {
            Shown::Code(c) => c.as_str(),
            Shown::Typed(t) => t,
        }
    }
}

impl std::fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self)
    }
}

/// The shape of a procedure code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PxShape {
    /// `[A-V][0-9]{4}`.
    LevelII,
    /// `[0-9]{4}[0-9A-Z]` (CPT and CPT-format codes).
    Cpt,
    Other,
}

/// A service line with its dates and code resolved.
pub struct LineInfo<'c> {
    pub line: &'c Line<'c>,
    pub date: Option<Date>,
    pub date_to: Option<Date>,
    /// Normalized procedure code.
    pub key: Option<&'c str>,
    pub shape: PxShape,
    /// Ordinal in the HCPCS set.
    pub ord: Option<u32>,
    /// Upper-cased modifiers.
    pub modifiers: Vec<Cow<'c, str>>,
    /// The same, sorted (LINE-DUPLICATE compares them as a set).
    pub sorted_modifiers: Vec<Cow<'c, str>>,
}

/// The scrub of one claim in progress.
pub struct Ctx<'a> {
    pub mc: &'a MedCode,
    pub tables: &'a Tables,
    pub claim: &'a Claim<'a>,
    pub today: Date,
    pub icd: Option<&'a CodeSet>,
    pub hcpcs: Option<&'a CodeSet>,
    pub pos: Option<&'a CodeSet>,
    pub dx: Vec<Dx<'a>>,
    pub lines: Vec<LineInfo<'a>>,
    /// The earliest valid service date: claim-level diagnoses are judged on it.
    pub claim_date: Date,
    pub birth_date: Option<Date>,
    findings: Vec<Finding>,
}

/// Appends `code` normalized as typed to `out`: trimmed, without dots and
/// inner spaces, upper-cased.
fn push_normalized(out: &mut String, code: &str) {
    if code.bytes().all(|b| b.is_ascii_alphanumeric()) {
        // The usual case, a byte at a time.
        out.extend(code.bytes().map(|b| b.to_ascii_uppercase() as char));
    } else {
        out.extend(code.chars().filter(|c| !c.is_whitespace() && *c != '.').map(|c| c.to_ascii_uppercase()));
    }
}

/// The normalized codes of a claim, one a line (none holds a line break):
/// its diagnoses, then its lines' procedure codes (empty for a line without one).
pub fn claim_keys(claim: &Claim) -> String {
    let mut out = String::with_capacity(8 * (claim.diagnoses.len() + claim.lines.len()));
    for d in &claim.diagnoses {
        push_normalized(&mut out, d.value);
        out.push('\n');
    }
    for l in &claim.lines {
        if let Some(c) = &l.code {
            push_normalized(&mut out, c.value);
        }
        out.push('\n');
    }
    out
}

/// A modifier as compared: trimmed and upper-cased (borrowed when it already is).
fn modifier_key(m: &str) -> Cow<'_, str> {
    let t = m.trim();
    if t.bytes().any(|b| b.is_ascii_lowercase()) {
        Cow::Owned(t.to_ascii_uppercase())
    } else {
        Cow::Borrowed(t)
    }
}

pub fn px_shape(key: &str) -> PxShape {
    let &[b0, b1, b2, b3, b4] = key.as_bytes() else { return PxShape::Other };
    if (b'A'..=b'V').contains(&b0) && [b1, b2, b3, b4].iter().all(u8::is_ascii_digit) {
        PxShape::LevelII
    } else if [b0, b1, b2, b3].iter().all(u8::is_ascii_digit) && b4.is_ascii_alphanumeric() {
        PxShape::Cpt
    } else {
        PxShape::Other
    }
}

impl<'a> Ctx<'a> {
    /// The context of a claim; `keys` are its normalized codes (see `claim_keys`).
    pub fn new(mc: &'a MedCode, claim: &'a Claim<'a>, keys: &'a str, today: Date) -> Ctx<'a> {
        let icd = mc.set(System::Icd10Cm);
        let hcpcs = mc.set(System::Hcpcs);
        let mut keys = keys.split('\n');
        let dx_keys: Vec<&str> = keys.by_ref().take(claim.diagnoses.len()).collect();
        let lines: Vec<LineInfo> = claim
            .lines
            .iter()
            .map(|line| {
                let key = keys.next().filter(|k| !k.is_empty());
                let shape = key.map(px_shape).unwrap_or(PxShape::Other);
                let ord = match (key, hcpcs) {
                    (Some(k), Some(set)) if shape == PxShape::LevelII => set.ordinal(k),
                    _ => None,
                };
                let modifiers: Vec<Cow<str>> = line.modifiers.iter().map(|m| modifier_key(m.value)).collect();
                let mut sorted_modifiers = modifiers.clone();
                sorted_modifiers.sort_unstable();
                LineInfo {
                    line,
                    date: line.service_date.as_ref().and_then(|d| Date::parse_opt(d.value.trim())),
                    date_to: line.service_date_to.as_ref().and_then(|d| Date::parse_opt(d.value.trim())),
                    key,
                    shape,
                    ord,
                    modifiers,
                    sorted_modifiers,
                }
            })
            .collect();
        let claim_date = lines.iter().filter_map(|l| l.date).min().unwrap_or(today);
        let dx = claim
            .diagnoses
            .iter()
            .zip(dx_keys)
            .map(|(field, key)| {
                let ord = icd.and_then(|s| s.ordinal(key));
                let display = match (ord, icd) {
                    (Some(o), Some(s)) => Shown::Code(s.code(o)),
                    _ => Shown::Typed(field.value.trim()),
                };
                Dx { field, key, display, ord }
            })
            .collect();
        Ctx {
            mc,
            tables: mc.tables(),
            claim,
            today,
            icd,
            hcpcs,
            pos: mc.set(System::PlaceOfService),
            dx,
            lines,
            claim_date,
            birth_date: claim.birth_date.as_ref().and_then(|b| Date::parse_opt(b.value.trim())),
            findings: Vec::new(),
        }
    }

    /// Records a finding.
    pub fn report(
        &mut self,
        edit: &'static str,
        severity: Severity,
        path: Ptr,
        codes: Vec<String>,
        message: String,
        suggestions: Vec<String>,
    ) {
        self.findings.push(Finding { edit, severity, path: path.to_string(), codes, message, suggestions });
    }

    pub fn into_findings(self) -> Vec<Finding> {
        self.findings
    }

    /// The patient's age in whole years on `date`, when the birth date is usable.
    pub fn age_on(&self, date: Date) -> Option<i32> {
        let b = self.birth_date?;
        (b <= date).then(|| date.years_since(b))
    }

    /// The patient's sex as `F`, `M` or `U`, when given in a known form.
    pub fn sex(&self) -> Option<char> {
        let s = self.claim.sex.as_ref()?.value.trim();
        ["f", "female"]
            .iter()
            .any(|w| s.eq_ignore_ascii_case(w))
            .then_some('F')
            .or_else(|| ["m", "male"].iter().any(|w| s.eq_ignore_ascii_case(w)).then_some('M'))
            .or_else(|| ["u", "unknown", "other"].iter().any(|w| s.eq_ignore_ascii_case(w)).then_some('U'))
    }

    /// Billable codes under `ord` on `date`, nearest level first (direct
    /// children, then grandchildren, …), within a level unspecified codes
    /// first, then code order; at most `max`.
    pub fn billable_under(&self, set: &CodeSet, ord: u32, date: Date, max: usize) -> Vec<String> {
        let mut out = Vec::new();
        let mut level = vec![ord];
        while !level.is_empty() && out.len() < max {
            let mut found: Vec<(bool, u32)> = Vec::new();
            let mut next = Vec::new();
            for &o in &level {
                for c in set.children(o) {
                    if set.billable_on(c, date) {
                        let unspecified = set.description(c).to_ascii_lowercase().contains("unspecified");
                        found.push((!unspecified, c));
                    } else if set.exists_on(c, date) {
                        next.push(c);
                    }
                }
            }
            found.sort_unstable();
            out.extend(found.into_iter().map(|(_, c)| set.code(c).to_string()).take(max - out.len()));
            level = next;
        }
        out
    }

    /// Valid codes within edit distance 1 (then 2) of `key` on `date`, at most `max`.
    pub fn nearest(&self, set: &CodeSet, key: &str, date: Date, max: usize) -> Vec<String> {
        for dist in 1..=2u8 {
            let Some(aut) = EditDistance::new(key, dist) else { return Vec::new() };
            let mut stream = set.keys().search(aut).into_stream();
            let mut out: Vec<(usize, u32)> = Vec::new();
            while let Some((k, v)) = stream.next() {
                let o = v as u32;
                if set.billable_on(o, date) {
                    // Prefer same-length neighbours (a changed character over an added one).
                    out.push((k.len().abs_diff(key.len()), o));
                }
                if out.len() > 200 {
                    break;
                }
            }
            if !out.is_empty() {
                out.sort_unstable();
                return out.into_iter().take(max).map(|(_, o)| set.code(o).to_string()).collect();
            }
        }
        Vec::new()
    }
}
