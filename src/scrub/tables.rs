//! The small tables the edits look things up in (modifiers, NCCI pairs,
//! conversions, MCE age categories, first-listed-only Z codes), read from
//! their blob sections once per [`MedCode`](crate::MedCode).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, RwLock};

use crate::codeset::{CodeSet, System};
use crate::date::Date;
use crate::pack::{MueTable, PackData, PtpTable};

/// A date range, inclusive.
pub type Span = (Date, Date);

/// A hash map for the short code keys of the tables (built from the
/// embedded data, looked up per claim).
pub type CodeMap<K, V> = HashMap<K, V, BuildHasherDefault<CodeHasher>>;

/// A fast multiplicative hash (FxHash) for short keys.
#[derive(Clone, Copy, Default)]
pub struct CodeHasher(u64);

impl Hasher for CodeHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            if let Some(dst) = w.get_mut(..rest.len()) {
                dst.copy_from_slice(rest);
            }
            self.add(u64::from_le_bytes(w) ^ ((rest.len() as u64) << 59));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

impl CodeHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

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
    pub modifiers: CodeMap<String, Vec<Span>>,
    /// Column 1 → column 2 → edits.
    pub ptp: CodeMap<String, CodeMap<String, Vec<PtpEdit>>>,
    /// Old code key → (new code key, effective date).
    pub conversions: HashMap<String, Vec<(String, Date)>>,
    pub age_categories: Vec<AgeCategory>,
    /// (dotless prefix, dotless exceptions).
    pub first_listed_only: Vec<(String, Vec<String>)>,
    /// NCCI PTP edits of loaded packs, in load order.
    pub ptp_packs: Vec<PtpTable>,
    /// Medically unlikely edits of loaded packs, in load order.
    pub mue_packs: Vec<MueTable>,
    /// What the convention edits worked out from the code set alone, kept for later claims.
    pub(crate) named: Memo<(u8, u32, i32), NamedCodes>,
    /// The note references of ICD-10-CM entries and their ancestors, by ordinal.
    pub(crate) chains: Memo<u32, ChainRefs>,
}

/// The codes an ICD-10-CM instruction names ("use additional code", "code
/// first"), as the findings show them.
#[derive(Debug, Default)]
pub(crate) struct NamedCodes {
    /// The entry the instruction is written on, as a biller reads it.
    pub entry: String,
    /// The codes and ranges named, in note order, without repeats, joined by ", ".
    pub joined: String,
    /// Those that are billable codes themselves on the date.
    pub billable: Vec<String>,
}

/// A note reference as the convention edits keep it: the entry it is
/// written on and the range's normalized keys (`lo == hi` for one code).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct NoteRef {
    pub on: u32,
    pub lo: [u8; 8],
    pub lo_len: u8,
    pub hi: [u8; 8],
    pub hi_len: u8,
}

/// The Excludes1, code-first and use-additional references (in that order)
/// of an entry and its ancestors, nearest first.
#[derive(Debug, Default)]
pub(crate) struct ChainRefs {
    pub lists: [Vec<NoteRef>; 3],
}

/// Most results a [`Memo`] keeps (it starts over when full).
const MEMO_MAX: usize = 2048;

/// A bounded memo of values that depend on the code sets (and a date) only:
/// a stream of claims names the same few codes again and again. Threads
/// scrubbing with one `MedCode` share it (reads take a shared lock).
pub(crate) struct Memo<K, V> {
    map: RwLock<CodeMap<K, Arc<V>>>,
}

impl<K, V> Default for Memo<K, V> {
    fn default() -> Self {
        Memo { map: RwLock::new(CodeMap::default()) }
    }
}

impl<K: std::hash::Hash + Eq, V> Memo<K, V> {
    /// The value for `key`, made by `make` the first time.
    pub fn get_or(&self, key: K, make: impl FnOnce() -> V) -> Arc<V> {
        if let Some(hit) = self.map.read().ok().and_then(|m| m.get(&key).cloned()) {
            return hit;
        }
        let made = Arc::new(make());
        if let Ok(mut m) = self.map.write() {
            if m.len() >= MEMO_MAX {
                m.clear();
            }
            m.insert(key, Arc::clone(&made));
        }
        made
    }
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
    let b = b.split(|&c| c == 0).next().unwrap_or(b);
    String::from_utf8_lossy(b).into_owned()
}

fn day(b: [u8; 2]) -> Date {
    Date::from_days(u16::from_le_bytes(b) as i32)
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
                            let &[m0, m1, f0, f1, t0, t1] = r else { continue };
                            t.modifiers.entry(nul_str(&[m0, m1])).or_default().push((day([f0, f1]), day([t0, t1])));
                        }
                    }
                    if let Some(n) = blob.try_section(b"NCCI") {
                        for r in n.as_ref().chunks_exact(16) {
                            let Some((col1, r)) = r.split_first_chunk::<5>() else { continue };
                            let Some((col2, r)) = r.split_first_chunk::<5>() else { continue };
                            let &[f0, f1, t0, t1, modifier_indicator, _] = r else { continue };
                            t.add_ptp(
                                nul_str(col1),
                                nul_str(col2),
                                PtpEdit { from: day([f0, f1]), to: day([t0, t1]), modifier_indicator },
                            );
                        }
                    }
                }
                System::Icd10Cm => {
                    if let Some(c) = blob.try_section(b"CONV") {
                        for r in c.as_ref().chunks_exact(18) {
                            let Some((from, r)) = r.split_first_chunk::<8>() else { continue };
                            let Some((to, r)) = r.split_first_chunk::<8>() else { continue };
                            let &[d0, d1] = r else { continue };
                            t.conversions.entry(nul_str(from)).or_default().push((nul_str(to), day([d0, d1])));
                        }
                    }
                    if let Some(a) = blob.try_section(b"AGES") {
                        for line in String::from_utf8_lossy(a.as_ref()).lines().skip(1) {
                            let f: Vec<&str> = line.split('\t').collect();
                            if let &[name, lo, hi, from, to] = f.as_slice() {
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
        self.ptp.entry(column1).or_default().entry(column2).or_default().push(edit);
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
        let edits = self.ptp.get(column1)?.get(column2)?;
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
        let first = key.as_bytes().first();
        self.first_listed_only.iter().any(|(p, except)| {
            (p.is_empty() || p.as_bytes().first() == first)
                && key.starts_with(p.as_str())
                && !except.iter().any(|e| key.starts_with(e.as_str()))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_memo_makes_each_value_once_and_stays_bounded() {
        let memo: Memo<u32, u32> = Memo::default();
        let mut made = 0;
        for _ in 0..3 {
            assert_eq!(
                *memo.get_or(7, || {
                    made += 1;
                    49
                }),
                49
            );
        }
        assert_eq!(made, 1);
        for k in 100..100 + MEMO_MAX as u32 * 2 {
            assert_eq!(*memo.get_or(k, || k + 1), k + 1);
        }
        assert!(memo.map.read().map(|m| m.len()).unwrap_or(0) <= MEMO_MAX);
    }

    #[test]
    fn code_maps_find_what_was_put_in() {
        let mut m: CodeMap<String, u32> = CodeMap::default();
        for (i, k) in ["G0439", "G0444", "J3420", "A4253", "E11.9X", "a-much-longer-key-than-eight"].iter().enumerate()
        {
            m.insert(k.to_string(), i as u32);
        }
        assert_eq!(m.get("J3420"), Some(&2));
        assert_eq!(m.get("a-much-longer-key-than-eight"), Some(&5));
        assert_eq!(m.get("G043"), None);
    }
}
