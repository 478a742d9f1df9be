//! The small tables the edits look things up in (modifiers, NCCI pairs,
//! conversions, MCE age categories, first-listed-only Z codes), read from
//! their blob sections once per [`MedCode`](crate::MedCode).

use std::collections::HashMap;

use crate::codeset::{CodeSet, System};
use crate::date::Date;
use crate::pack::{MueTable, PackData, PtpTable};

/// A date range, inclusive.
pub type Span = (Date, Date);

/// An NCCI procedure-to-procedure edit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PtpEdit {
    pub from: Date,
    pub to: Date,
    /// 0: never allowed together; 1: allowed with an NCCI-associated modifier; 9: not applicable.
    pub modifier_indicator: u8,
}

/// An MCE age category on a date range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgeCategory {
    pub name: String,
    pub age_from: i32,
    pub age_to: i32,
    pub from: Date,
    pub to: Date,
}

/// Everything the edits need beyond the per-code records.
#[derive(Default)]
pub struct Tables {
    /// Modifier → the date ranges it is valid on.
    pub modifiers: HashMap<String, Vec<Span>>,
    /// (column 1, column 2) → edits.
    pub ptp: HashMap<(String, String), Vec<PtpEdit>>,
    /// Old code key → (new code key, effective date).
    pub conversions: HashMap<String, Vec<(String, Date)>>,
    pub age_categories: Vec<AgeCategory>,
    /// (dotless prefix, dotless exceptions).
    pub first_listed_only: Vec<(String, Vec<String>)>,
    /// NCCI PTP edits of loaded packs, in load order.
    pub ptp_packs: Vec<PtpTable>,
    /// Medically unlikely edits of loaded packs, in load order.
    pub mue_packs: Vec<MueTable>,
}

/// The PTP edit that applies to a pair on a date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PtpHit {
    pub modifier_indicator: u8,
    /// CMS's rationale (pack edits only).
    pub rationale: Option<String>,
}

/// The MUE of a code on a date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MueHit {
    pub value: u32,
    /// 1 line edit; 2 date of service edit, policy; 3 date of service edit, clinical.
    pub mai: u8,
    pub rationale: Option<String>,
}

fn nul_str(b: &[u8]) -> String {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    String::from_utf8_lossy(&b[..end]).into_owned()
}

fn day(b: &[u8]) -> Date {
    Date::from_days(u16::from_le_bytes([b[0], b[1]]) as i32)
}

impl Tables {
    /// Reads the tables from the embedded sets (missing sections give empty tables).
    pub fn read(sets: &[CodeSet]) -> Tables {
        let mut t = Tables::default();
        for set in sets {
            let blob = set.blob();
            match set.system {
                System::Hcpcs => {
                    if let Some(m) = blob.try_section(b"MODS") {
                        for r in m.as_ref().chunks_exact(6) {
                            t.modifiers.entry(nul_str(&r[..2])).or_default().push((day(&r[2..4]), day(&r[4..6])));
                        }
                    }
                    if let Some(n) = blob.try_section(b"NCCI") {
                        for r in n.as_ref().chunks_exact(16) {
                            t.add_ptp(
                                nul_str(&r[..5]),
                                nul_str(&r[5..10]),
                                PtpEdit { from: day(&r[10..12]), to: day(&r[12..14]), modifier_indicator: r[14] },
                            );
                        }
                    }
                }
                System::Icd10Cm => {
                    if let Some(c) = blob.try_section(b"CONV") {
                        for r in c.as_ref().chunks_exact(18) {
                            t.conversions
                                .entry(nul_str(&r[..8]))
                                .or_default()
                                .push((nul_str(&r[8..16]), day(&r[16..18])));
                        }
                    }
                    if let Some(a) = blob.try_section(b"AGES") {
                        for line in String::from_utf8_lossy(a.as_ref()).lines().skip(1) {
                            let f: Vec<&str> = line.split('\t').collect();
                            if let [name, lo, hi, from, to] = f[..] {
                                if let (Ok(lo), Ok(hi), Some(from), Some(to)) =
                                    (lo.parse(), hi.parse(), Date::parse_opt(from), Date::parse_opt(to))
                                {
                                    t.age_categories.push(AgeCategory {
                                        name: name.to_ascii_lowercase(),
                                        age_from: lo,
                                        age_to: hi,
                                        from,
                                        to,
                                    });
                                }
                            }
                        }
                    }
                    if let Some(f) = blob.try_section(b"FRST") {
                        for line in String::from_utf8_lossy(f.as_ref()).lines().skip(1) {
                            let mut cols = line.split('\t');
                            let code = cols.next().unwrap_or("").replace('.', "");
                            let except = cols
                                .next()
                                .unwrap_or("")
                                .split(' ')
                                .filter(|s| !s.is_empty())
                                .map(|s| s.replace('.', ""))
                                .collect();
                            if !code.is_empty() {
                                t.first_listed_only.push((code, except));
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        t
    }

    /// Adds a procedure-to-procedure edit (bundled Level II pairs, or a pack's).
    pub fn add_ptp(&mut self, column1: String, column2: String, edit: PtpEdit) {
        self.ptp.entry((column1, column2)).or_default().push(edit);
    }

    /// Adds a loaded pack's edits (its rows stay where they are; lookups search them in place).
    pub fn add_pack(&mut self, data: &PackData) {
        match data {
            PackData::Ptp(t) => self.ptp_packs.push(t.clone()),
            PackData::Mue(t) => self.mue_packs.push(t.clone()),
            PackData::Cpt(_) => {}
        }
    }

    /// Whether any PTP edit is known (bundled or from a pack).
    pub fn has_ptp(&self) -> bool {
        !self.ptp.is_empty() || self.ptp_packs.iter().any(|t| !t.is_empty())
    }

    /// The PTP edit of (column 1, column 2) in effect on `date`: the most
    /// recently loaded pack that has one decides, then the bundled pairs.
    pub fn ptp_on(&self, column1: &str, column2: &str, date: Date) -> Option<PtpHit> {
        for t in self.ptp_packs.iter().rev() {
            if let Some(r) = t.find(column1, column2, date) {
                return Some(PtpHit {
                    modifier_indicator: r.modifier_indicator,
                    rationale: r.rationale.map(str::to_string),
                });
            }
        }
        let edits = self.ptp.get(&(column1.to_string(), column2.to_string()))?;
        let e = edits.iter().find(|e| e.from <= date && date <= e.to)?;
        Some(PtpHit { modifier_indicator: e.modifier_indicator, rationale: None })
    }

    /// Whether any MUE is known.
    pub fn has_mue(&self) -> bool {
        self.mue_packs.iter().any(|t| !t.is_empty())
    }

    /// The MUE of `code` on `date`: the most recently loaded pack that has one decides.
    pub fn mue_on(&self, code: &str, date: Date) -> Option<MueHit> {
        self.mue_packs.iter().rev().find_map(|t| t.find(code, date)).map(|r| MueHit {
            value: r.value,
            mai: r.mai,
            rationale: r.rationale.map(str::to_string),
        })
    }

    pub fn modifier_valid_on(&self, modifier: &str, date: Date) -> Option<bool> {
        let spans = self.modifiers.get(modifier)?;
        Some(spans.iter().any(|&(f, t)| f <= date && date <= t))
    }

    /// The MCE age category `name` in force on `date`.
    pub fn age_category(&self, name: &str, date: Date) -> Option<&AgeCategory> {
        self.age_categories.iter().find(|a| a.name == name && a.from <= date && date <= a.to)
    }

    /// Whether a dotless ICD-10-CM key may only be first-listed.
    pub fn first_listed_only(&self, key: &str) -> bool {
        self.first_listed_only
            .iter()
            .any(|(p, except)| key.starts_with(p.as_str()) && !except.iter().any(|e| key.starts_with(e.as_str())))
    }
}
