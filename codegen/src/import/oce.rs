//! The CMS outpatient code editor tables in pyoce's `pyoce.mdb.xz`: HCPCS
//! Level II codes, valid modifiers, Level II NCCI pairs, and ICD-10-CM short
//! descriptions.
//!
//! The file is an xz-compressed LMDB environment with named databases whose
//! values are Python `marshal` data. Row keys are `CODE|lo_version|hi_version`
//! and `version_range` maps a release number to its `date_started` and
//! `date_ended` (YYYYMMDD); the newest release ends on a far-future
//! placeholder, written here as the open end `9999-12-31`. Booleans stand in
//! for zero: an unset `lo_age` or `date_approved` is `False`.
//!
//! Licensing: only Level II codes (`[A-V]` + 4 digits) are kept, and the CDT
//! `D` codes among them are dropped: every CPT-format row and every pair
//! touching one is skipped while reading, so it never reaches [`Oce`].

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::lmdb::{Db, Env};
use super::marshal::{self, Value};
use crate::tsv::{clean, TsvWriter};

pub use super::mce::OPEN_END;

/// The `hi_age` pyoce uses for "no upper limit".
const NO_AGE_LIMIT: i64 = 124;

/// One quarterly OCE release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    /// pyoce's release number (76 = 2019-07-01 .. 103 = 2026-04-01).
    pub version: u32,
    /// CMS version id, e.g. `27.1.0`.
    pub id: String,
    pub start: String,
    /// [`OPEN_END`] for the newest release.
    pub end: String,
}

/// One `data_hcpcs` row of a Level II code (CDT removed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HcpcsRow {
    pub code: String,
    pub lo_version: u32,
    pub hi_version: u32,
    /// First day of `lo_version`.
    pub start: String,
    /// Last day of `hi_version` ([`OPEN_END`] for the newest release).
    pub end: String,
    /// Short descriptor (at most 28 characters), whitespace collapsed.
    pub description: String,
    /// `YYYY-MM-DD` or empty.
    pub approved: String,
    /// `YYYY-MM-DD` or empty.
    pub terminated: String,
    /// Lowest age in years, `None` when there is no lower limit (0).
    pub age_low: Option<i64>,
    /// Highest age in years, `None` when there is no upper limit (124).
    pub age_high: Option<i64>,
    /// Sorted: `bilateral`, `dme-only`, `noncovered`, `si=X`, `telehealth`.
    pub flags: Vec<String>,
}

/// A modifier valid over a date range (consecutive releases merged).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModifierRange {
    pub modifier: String,
    pub start: String,
    pub end: String,
}

/// An outpatient NCCI procedure-to-procedure pair, both codes Level II.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NcciPair {
    pub column1: String,
    pub column2: String,
    pub start: String,
    pub end: String,
    /// True when a modifier may bypass the edit (NCCI indicator 1), false for 0.
    pub modifier_indicator: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Oce {
    /// The releases, oldest first.
    pub releases: Vec<Release>,
    /// Sorted by code, then start.
    pub hcpcs: Vec<HcpcsRow>,
    /// Sorted by modifier, then start.
    pub modifiers: Vec<ModifierRange>,
    /// Sorted by column 1, column 2, start.
    pub ncci: Vec<NcciPair>,
    /// Dotless ICD-10-CM code → short description from its newest
    /// `data_dx10` row (deleted codes included).
    pub dx10_short: BTreeMap<String, String>,
    /// `data_hcpcs` rows skipped as CDT (`D` + 4 digits).
    pub cdt_rows_dropped: usize,
    /// `data_hcpcs` rows skipped as not Level II (CPT format and the like).
    pub other_rows_dropped: usize,
    /// `data_modifier` keys that are not two letters or digits (`#0` ..).
    pub modifiers_dropped: Vec<String>,
}

/// Reads `pyoce.mdb.xz` (or an already decompressed `pyoce.mdb`).
pub fn read(path: &Path) -> super::Result<Oce> {
    let raw = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let bytes = if raw.starts_with(b"\xFD7zXZ\x00") {
        let mut out = Vec::with_capacity(raw.len().saturating_mul(128).min(1 << 30));
        lzma_rs::xz_decompress(&mut std::io::BufReader::new(raw.as_slice()), &mut out)
            .map_err(|e| format!("{}: xz: {e}", path.display()))?;
        out
    } else {
        raw
    };
    read_bytes(bytes).map_err(|e| format!("{}: {e}", path.display()).into())
}

/// Reads the OCE tables from the bytes of an (uncompressed) pyoce LMDB file.
pub fn read_bytes(bytes: Vec<u8>) -> super::Result<Oce> {
    let env = Env::open(bytes)?;
    let releases = releases(&env)?;
    let by_version: BTreeMap<u32, &Release> = releases.iter().map(|r| (r.version, r)).collect();
    let span = |key: &str, lo: u32, hi: u32| -> super::Result<(String, String)> {
        match (by_version.get(&lo), by_version.get(&hi)) {
            (Some(a), Some(b)) if lo <= hi => Ok((a.start.clone(), b.end.clone())),
            _ => Err(format!("{key:?}: releases {lo}..{hi} are not in version_range").into()),
        }
    };

    let mut oce = Oce { releases: releases.clone(), ..Oce::default() };

    let db = table(&env, "data_hcpcs")?;
    env.for_each(&db, |k, v| {
        let text = key_text(k).map_err(lm)?;
        let (code, lo, hi) = split_key(text).map_err(lm)?;
        if !is_level2(code) {
            if code.len() == 5 && code.starts_with('D') && code[1..].bytes().all(|c| c.is_ascii_digit()) {
                oce.cdt_rows_dropped += 1;
            } else {
                oce.other_rows_dropped += 1;
            }
            return Ok(());
        }
        let row = hcpcs_row(code, lo, hi, v, &span).map_err(|e| lm(format!("data_hcpcs {text:?}: {e}")))?;
        oce.hcpcs.push(row);
        Ok(())
    })?;
    oce.hcpcs.sort_by(|a, b| (&a.code, &a.start).cmp(&(&b.code, &b.start)));

    let db = table(&env, "data_modifier")?;
    let mut mods: BTreeMap<String, Vec<(u32, u32)>> = BTreeMap::new();
    let mut dropped = BTreeSet::new();
    env.for_each(&db, |k, _| {
        let (m, lo, hi) = split_key(key_text(k).map_err(lm)?).map_err(lm)?;
        if m.len() == 2 && m.bytes().all(|c| c.is_ascii_digit() || c.is_ascii_uppercase()) {
            mods.entry(m.to_string()).or_default().push((lo, hi));
        } else {
            dropped.insert(m.to_string());
        }
        Ok(())
    })?;
    oce.modifiers_dropped = dropped.into_iter().collect();
    for (m, mut ranges) in mods {
        ranges.sort();
        let mut merged: Vec<(u32, u32)> = Vec::new();
        for (lo, hi) in ranges {
            match merged.last_mut() {
                Some(last) if lo <= last.1.saturating_add(1) => last.1 = last.1.max(hi),
                _ => merged.push((lo, hi)),
            }
        }
        for (lo, hi) in merged {
            let (start, end) = span(&m, lo, hi)?;
            oce.modifiers.push(ModifierRange { modifier: m.clone(), start, end });
        }
    }

    let db = table(&env, "map_ncci")?;
    let mut pairs = BTreeSet::new();
    env.for_each(&db, |k, v| {
        let column1 = key_text(k).map_err(lm)?;
        if !is_level2(column1) {
            return Ok(());
        }
        let list = marshal::loads(v).map_err(|e| lm(format!("map_ncci {column1:?}: {e}")))?;
        for item in list.as_seq().ok_or_else(|| lm(format!("map_ncci {column1:?}: not a list")))? {
            let pair = ncci_pair(column1, item, &span).map_err(|e| lm(format!("map_ncci {column1:?}: {e}")))?;
            if let Some(p) = pair {
                pairs.insert(p);
            }
        }
        Ok(())
    })?;
    oce.ncci = pairs
        .into_iter()
        .map(|(column1, column2, start, end, modifier_indicator)| NcciPair {
            column1,
            column2,
            start,
            end,
            modifier_indicator,
        })
        .collect();

    let db = table(&env, "data_dx10")?;
    let mut newest: BTreeMap<String, ((u32, u32), String)> = BTreeMap::new();
    env.for_each(&db, |k, v| {
        let text = key_text(k).map_err(lm)?;
        let (code, lo, hi) = split_key(text).map_err(lm)?;
        if !(3..=7).contains(&code.len()) || !code.bytes().all(|c| c.is_ascii_digit() || c.is_ascii_uppercase()) {
            return Err(lm(format!("data_dx10: bad code in key {text:?}")));
        }
        let row = marshal::loads(v).map_err(|e| lm(format!("data_dx10 {text:?}: {e}")))?;
        let desc = row
            .get("description")
            .and_then(Value::as_str)
            .ok_or_else(|| lm(format!("data_dx10 {text:?}: no description")))?;
        let slot = newest.entry(code.to_string()).or_insert_with(|| ((hi, lo), clean(desc)));
        if (hi, lo) > slot.0 {
            *slot = ((hi, lo), clean(desc));
        }
        Ok(())
    })?;
    oce.dx10_short = newest.into_iter().map(|(c, (_, d))| (c, d)).collect();
    Ok(oce)
}

/// Writes `codes.tsv`, `modifiers.tsv` and `ncci-ptp.tsv` into `dir` (`code-sets/hcpcs`).
pub fn write(oce: &Oce, dir: &Path) -> super::Result<()> {
    let mut rows: Vec<&HcpcsRow> = oce.hcpcs.iter().filter(|r| is_level2(&r.code)).collect();
    rows.sort_by(|a, b| (&a.code, &a.start).cmp(&(&b.code, &b.start)));
    let mut w = TsvWriter::new(&[
        "code",
        "start",
        "end",
        "description",
        "approved",
        "terminated",
        "age_low",
        "age_high",
        "flags",
    ]);
    let age = |a: Option<i64>| a.map(|a| a.to_string()).unwrap_or_default();
    for r in rows {
        w.row(&[
            r.code.clone(),
            r.start.clone(),
            r.end.clone(),
            r.description.clone(),
            r.approved.clone(),
            r.terminated.clone(),
            age(r.age_low),
            age(r.age_high),
            r.flags.join(","),
        ]);
    }
    w.write(&dir.join("codes.tsv"))?;

    let mut mods: Vec<&ModifierRange> = oce.modifiers.iter().collect();
    mods.sort_by(|a, b| (&a.modifier, &a.start).cmp(&(&b.modifier, &b.start)));
    let mut w = TsvWriter::new(&["modifier", "start", "end"]);
    for m in mods {
        w.row(&[&m.modifier, &m.start, &m.end]);
    }
    w.write(&dir.join("modifiers.tsv"))?;

    let mut pairs: Vec<&NcciPair> =
        oce.ncci.iter().filter(|p| is_level2(&p.column1) && is_level2(&p.column2)).collect();
    pairs.sort_by(|a, b| (&a.column1, &a.column2, &a.start).cmp(&(&b.column1, &b.column2, &b.start)));
    let mut w = TsvWriter::new(&["column1", "column2", "start", "end", "modifier_indicator"]);
    for p in pairs {
        let indicator = if p.modifier_indicator { "1" } else { "0" };
        w.row(&[p.column1.as_str(), &p.column2, &p.start, &p.end, indicator]);
    }
    w.write(&dir.join("ncci-ptp.tsv"))?;
    Ok(())
}

/// A HCPCS Level II code that medcode may ship: a letter A–V other than D
/// (D codes are CDT) and four digits.
pub fn is_level2(code: &str) -> bool {
    let b = code.as_bytes();
    b.len() == 5 && (b'A'..=b'V').contains(&b[0]) && b[0] != b'D' && b[1..].iter().all(u8::is_ascii_digit)
}

fn lm(msg: impl Into<String>) -> super::lmdb::Error {
    super::lmdb::Error(msg.into())
}

fn key_text(k: &[u8]) -> Result<&str, String> {
    std::str::from_utf8(k).map_err(|_| format!("key {k:?} is not UTF-8"))
}

/// `CODE|lo|hi` → (code, lo, hi).
fn split_key(key: &str) -> Result<(&str, u32, u32), String> {
    let mut parts = key.rsplitn(3, '|');
    let (hi, lo, code) = (parts.next(), parts.next(), parts.next());
    match (code, lo.and_then(|x| x.parse().ok()), hi.and_then(|x| x.parse().ok())) {
        (Some(code), Some(lo), Some(hi)) if !code.is_empty() && lo <= hi => Ok((code, lo, hi)),
        _ => Err(format!("key {key:?} is not CODE|lo_version|hi_version")),
    }
}

fn table(env: &Env, name: &str) -> super::Result<Db> {
    env.open_db(name.as_bytes())?.ok_or_else(|| format!("pyoce.mdb has no {name:?} table").into())
}

/// An int field where `False` (and a missing field) stands for 0.
fn int_field(row: &Value, name: &str) -> Result<i64, String> {
    match row.get(name) {
        None | Some(Value::None) | Some(Value::Bool(false)) => Ok(0),
        Some(Value::Int(i)) => Ok(*i),
        Some(v) => Err(format!("field {name} is a {}", v.type_name())),
    }
}

fn bool_field(row: &Value, name: &str) -> Result<bool, String> {
    match row.get(name) {
        None => Ok(false),
        Some(v) => v.as_bool().ok_or_else(|| format!("field {name} is a {}", v.type_name())),
    }
}

/// A YYYYMMDD int field as a date, empty when unset.
fn date_field(row: &Value, name: &str) -> Result<String, String> {
    match int_field(row, name)? {
        0 => Ok(String::new()),
        v => i32::try_from(v).ok().and_then(super::mce::date).ok_or_else(|| format!("field {name} is not a date: {v}")),
    }
}

type Span<'a> = dyn Fn(&str, u32, u32) -> super::Result<(String, String)> + 'a;

fn hcpcs_row(code: &str, lo: u32, hi: u32, value: &[u8], span: &Span) -> super::Result<HcpcsRow> {
    let row = marshal::loads(value)?;
    let (start, end) = span(code, lo, hi)?;
    let description = row.get("description").and_then(Value::as_str).ok_or("no description")?;
    let age_low = int_field(&row, "lo_age")?;
    let age_high = int_field(&row, "hi_age")?;
    let mut flags = Vec::new();
    for (field, flag) in [
        ("non_covered", "noncovered"),
        ("dmerc_billable_only", "dme-only"),
        ("bilateral_inherent", "bilateral"),
        ("telehealth", "telehealth"),
    ] {
        if bool_field(&row, field)? {
            flags.push(flag.to_string());
        }
    }
    match row.get("status_indicator") {
        Some(Value::Str(si)) if !si.trim().is_empty() => {
            let si = si.trim();
            if !si.bytes().all(|c| c.is_ascii_alphanumeric()) {
                return Err(format!("status indicator {si:?}").into());
            }
            flags.push(format!("si={si}"));
        }
        None | Some(Value::None) | Some(Value::Bool(false)) | Some(Value::Str(_)) => {}
        Some(v) => return Err(format!("status_indicator is a {}", v.type_name()).into()),
    }
    flags.sort();
    Ok(HcpcsRow {
        code: code.to_string(),
        lo_version: lo,
        hi_version: hi,
        start,
        end,
        description: clean(description),
        approved: date_field(&row, "date_approved")?,
        terminated: date_field(&row, "date_terminated")?,
        age_low: (age_low > 0).then_some(age_low),
        age_high: (age_high != NO_AGE_LIMIT).then_some(age_high),
        flags,
    })
}

type PairKey = (String, String, String, String, bool);

/// One `(code2 bytes, marshal dict bytes)` item of a `map_ncci` list; `None`
/// when column 2 is not Level II.
fn ncci_pair(column1: &str, item: &Value, span: &Span) -> super::Result<Option<PairKey>> {
    let (code2, entry) = match item.as_seq() {
        Some([a, b]) => (a, b),
        _ => return Err(format!("item is a {}, not a pair", item.type_name()).into()),
    };
    let code2 = code2.as_bytes().and_then(|b| std::str::from_utf8(b).ok()).ok_or("column 2 code is not text")?;
    if !is_level2(code2) {
        return Ok(None);
    }
    let entry = marshal::loads(entry.as_bytes().ok_or("entry is not bytes")?)?;
    if let Some(c) = entry.get("code2").and_then(Value::as_str) {
        if c != code2 {
            return Err(format!("entry for {code2} says code2 {c}").into());
        }
    }
    let version = |name: &str| -> super::Result<u32> {
        let v = int_field(&entry, name)?;
        u32::try_from(v).map_err(|_| format!("{name} {v}").into())
    };
    let (lo, hi) = (version("lo_version")?, version("hi_version")?);
    let (start, end) = span(&format!("{column1}|{code2}"), lo, hi)?;
    let modifier = bool_field(&entry, "mod_indicator")?;
    Ok(Some((column1.to_string(), code2.to_string(), start, end, modifier)))
}

/// `version_range`, checked to be consecutive quarters without gaps.
fn releases(env: &Env) -> super::Result<Vec<Release>> {
    let db = table(env, "version_range")?;
    let mut out = Vec::new();
    env.for_each(&db, |k, v| {
        let key = key_text(k).map_err(lm)?;
        let row = marshal::loads(v).map_err(|e| lm(format!("version_range {key:?}: {e}")))?;
        let version = int_field(&row, "version").map_err(lm)?;
        if key.parse::<i64>().ok() != Some(version) {
            return Err(lm(format!("version_range key {key:?} holds version {version}")));
        }
        let date = |name: &str| -> Result<String, super::lmdb::Error> {
            let d = date_field(&row, name).map_err(lm)?;
            if d.is_empty() {
                return Err(lm(format!("version_range {key:?}: no {name}")));
            }
            Ok(d)
        };
        out.push(Release {
            version: u32::try_from(version).map_err(|_| lm(format!("version {version}")))?,
            id: row.get("version_id").and_then(Value::as_str).unwrap_or_default().to_string(),
            start: date("date_started")?,
            end: date("date_ended")?,
        });
        Ok(())
    })?;
    out.sort_by_key(|r| r.version);
    if out.is_empty() {
        return Err("version_range is empty".into());
    }
    for w in out.windows(2) {
        if w[1].version != w[0].version + 1 || Some(w[1].start.as_str()) != next_day(&w[0].end).as_deref() {
            return Err(format!(
                "releases {} ({}..{}) and {} ({}..{}) are not consecutive",
                w[0].version, w[0].start, w[0].end, w[1].version, w[1].start, w[1].end
            )
            .into());
        }
    }
    if let Some(last) = out.last_mut() {
        last.end = OPEN_END.to_string();
    }
    Ok(out)
}

/// The day after a `YYYY-MM-DD` date.
fn next_day(d: &str) -> Option<String> {
    let n: i32 = d.replace('-', "").parse().ok()?;
    let (y, m, day) = (n / 10_000, n / 100 % 100, n % 100);
    [(y, m, day + 1), (y, m + 1, 1), (y + 1, 1, 1)]
        .into_iter()
        .find_map(|(y, m, d)| super::mce::date(y * 10_000 + m * 100 + d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level2_filter() {
        assert!(is_level2("A0021"));
        assert!(is_level2("G0439"));
        assert!(is_level2("V2020"));
        assert!(!is_level2("W1234"));
        assert!(!is_level2("G043"));
        assert!(!is_level2("g0439"));
        // No CDT code and no CPT-format code passes (built here, never written).
        for n in 0..10_000 {
            assert!(!is_level2(&format!("D{n:04}")));
            for last in ('0'..='9').chain('A'..='Z') {
                assert!(!is_level2(&format!("{n:04}{last}")));
            }
        }
    }

    #[test]
    fn keys_and_days() {
        assert_eq!(split_key("G0001|76|103").unwrap(), ("G0001", 76, 103));
        assert!(split_key("G0001|103|76").is_err());
        assert!(split_key("G0001|76").is_err());
        assert!(split_key("|1|2").is_err());
        assert_eq!(next_day("2019-09-30").as_deref(), Some("2019-10-01"));
        assert_eq!(next_day("2019-12-31").as_deref(), Some("2020-01-01"));
        assert_eq!(next_day("2020-02-28").as_deref(), Some("2020-02-29"));
    }

    fn span(_: &str, lo: u32, hi: u32) -> super::super::Result<(String, String)> {
        let day = |v: u32| format!("2020-{:02}-01", v);
        Ok((day(lo), if hi == 9 { OPEN_END.into() } else { day(hi + 1) }))
    }

    #[test]
    fn hcpcs_row_fields() {
        // marshal.dumps({'description': 'Made  up\tthing', 'lo_age': False,
        //   'hi_age': 10, 'non_covered': True, 'telehealth': False,
        //   'status_indicator': 'E1', 'date_approved': 20200301,
        //   'date_terminated': False})
        let mut d = b"{".to_vec();
        let mut kv = |k: &str, v: &[u8]| {
            d.push(b'z');
            d.push(k.len() as u8);
            d.extend_from_slice(k.as_bytes());
            d.extend_from_slice(v);
        };
        kv("description", b"z\x0eMade  up\tthing");
        kv("lo_age", b"F");
        kv("hi_age", b"i\x0a\x00\x00\x00");
        kv("non_covered", b"T");
        kv("telehealth", b"F");
        kv("status_indicator", b"z\x02E1");
        kv("date_approved", &[b'i', 0x6D, 0x3B, 0x34, 0x01]);
        kv("date_terminated", b"F");
        d.push(b'0');
        let r = hcpcs_row("G0001", 1, 9, &d, &span).unwrap();
        assert_eq!(r.description, "Made up thing");
        assert_eq!((r.start.as_str(), r.end.as_str()), ("2020-01-01", OPEN_END));
        assert_eq!(r.approved, "2020-03-01");
        assert_eq!(r.terminated, "");
        assert_eq!((r.age_low, r.age_high), (None, Some(10)));
        assert_eq!(r.flags, vec!["noncovered", "si=E1"]);
        assert!(hcpcs_row("G0001", 1, 9, b"{0", &span).is_err(), "no description");
        assert!(hcpcs_row("G0001", 1, 9, b"N", &span).is_err());
    }

    #[test]
    fn writes_sorted_files() {
        let oce = Oce {
            hcpcs: vec![
                HcpcsRow {
                    code: "G0002".into(),
                    lo_version: 1,
                    hi_version: 9,
                    start: "2020-01-01".into(),
                    end: OPEN_END.into(),
                    description: "Second".into(),
                    approved: String::new(),
                    terminated: String::new(),
                    age_low: Some(15),
                    age_high: None,
                    flags: vec!["bilateral".into(), "si=N".into()],
                },
                HcpcsRow {
                    code: "G0001".into(),
                    lo_version: 1,
                    hi_version: 2,
                    start: "2020-01-01".into(),
                    end: "2020-06-30".into(),
                    description: "First".into(),
                    approved: "2019-12-01".into(),
                    terminated: "2020-06-30".into(),
                    age_low: None,
                    age_high: None,
                    flags: vec![],
                },
            ],
            modifiers: vec![
                ModifierRange { modifier: "LT".into(), start: "2020-01-01".into(), end: OPEN_END.into() },
                ModifierRange { modifier: "GQ".into(), start: "2020-01-01".into(), end: "2020-03-31".into() },
            ],
            ncci: vec![NcciPair {
                column1: "G0001".into(),
                column2: "G0002".into(),
                start: "2020-01-01".into(),
                end: OPEN_END.into(),
                modifier_indicator: true,
            }],
            ..Oce::default()
        };
        let dir = std::env::temp_dir().join(format!("medcode-oce-test-{}", std::process::id()));
        write(&oce, &dir).unwrap();
        let codes = std::fs::read_to_string(dir.join("codes.tsv")).unwrap();
        assert_eq!(
            codes,
            "code\tstart\tend\tdescription\tapproved\tterminated\tage_low\tage_high\tflags\n\
             G0001\t2020-01-01\t2020-06-30\tFirst\t2019-12-01\t2020-06-30\t\t\t\n\
             G0002\t2020-01-01\t9999-12-31\tSecond\t\t\t15\t\tbilateral,si=N\n"
        );
        let mods = std::fs::read_to_string(dir.join("modifiers.tsv")).unwrap();
        assert_eq!(mods, "modifier\tstart\tend\nGQ\t2020-01-01\t2020-03-31\nLT\t2020-01-01\t9999-12-31\n");
        let ncci = std::fs::read_to_string(dir.join("ncci-ptp.tsv")).unwrap();
        assert_eq!(ncci, "column1\tcolumn2\tstart\tend\tmodifier_indicator\nG0001\tG0002\t2020-01-01\t9999-12-31\t1\n");
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// The pyoce 0.1.0 data file, when an import or a manual unpack left it.
    fn real_file() -> Option<std::path::PathBuf> {
        let inner = "pyoce/data/pyoce.mdb.xz";
        [
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/import/unpacked/pyoce-0.1.0").join(inner),
            Path::new("/tmp/wheels/x_pyoce_0.1.0").join(inner),
        ]
        .into_iter()
        .find(|p| p.exists())
    }

    #[test]
    fn real_pyoce_counts() {
        let Some(path) = real_file() else {
            eprintln!("pyoce.mdb.xz not unpacked; skipping");
            return;
        };
        let oce = read(&path).unwrap();
        assert_eq!(oce.releases.len(), 28);
        assert_eq!(oce.releases.last().map(|r| r.start.as_str()), Some("2026-04-01"));
        let newest = oce.releases.last().unwrap().version;
        let in_newest: BTreeSet<&str> = oce
            .hcpcs
            .iter()
            .filter(|r| r.lo_version <= newest && newest <= r.hi_version)
            .map(|r| r.code.as_str())
            .collect();
        assert_eq!(in_newest.len(), 7_409);
        let all: BTreeSet<&str> = oce.hcpcs.iter().map(|r| r.code.as_str()).collect();
        assert_eq!(all.len(), 8_204);
        assert!(oce.hcpcs.iter().all(|r| is_level2(&r.code)));
        assert!(oce.ncci.iter().all(|p| is_level2(&p.column1) && is_level2(&p.column2)));
        assert_eq!(oce.ncci.len(), 1_134);
        assert!(oce.modifiers.iter().any(|m| m.modifier == "LT" && m.end == OPEN_END));
        assert!(oce.dx10_short.contains_key("C61"));
    }
}
