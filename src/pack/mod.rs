//! Packs: licensed or large data the user loads at run time — CPT codes,
//! NCCI procedure-to-procedure (PTP) edits, medically unlikely edits (MUE).
//! medcode never ships them (CPT and anything keyed by CPT codes is licensed
//! by the AMA); a licensee turns the publishers' files into a pack with
//! `medcode pack build` ([`build`], native only) and loads it with
//! [`MedCode::load_pack`](crate::MedCode::load_pack).
//!
//! A pack is a blob of the same container as the embedded code sets
//! ([`crate::format`]: magic, format version, kind, checksum, sections), so
//! one reader serves both:
//!
//! | kind | sections |
//! |------|----------|
//! | 16 `cpt` | a code set: the sections of `codegen/src/compile.rs`, opened by [`CodeSet::open`] |
//! | 17 `ncci-ptp` | META, RATN, PTPR |
//! | 18 `mue` | META, RATN, MUER |
//!
//! - META: `key=value` lines: `pack` (the kind's name), `edition`,
//!   `setting` (practitioner, outpatient hospital, DME; when known),
//!   `source` (a one-line description), one `file=NAME<TAB>ROWS` per source
//!   file, `validFrom`/`validTo` (the data's date range), `built`.
//! - RATN: the distinct rationales, one per line; rows refer to them by index.
//! - PTPR: [`PTP_ROW`]-byte rows sorted by (column 1, column 2, from):
//!   column 1 and column 2 (5 bytes each), from and to (u16 LE days since
//!   1970, inclusive; `u16::MAX` for no deletion date), modifier indicator
//!   (0, 1 or 9), then a byte whose low 7 bits index RATN (127: none) and
//!   whose high bit is the "in existence before 1996" flag.
//! - MUER: [`MUE_ROW`]-byte rows sorted by (code, from): code (5 bytes),
//!   MUE adjudication indicator (1, 2, 3), from, to (u16 LE), MUE value
//!   (u32 LE), rationale index (127: none), one zero byte.
//!
//! Opening never trusts the bytes: every header field, section and row is
//! checked before use, and a bad pack is an error with a stable code
//! (`PACK-CORRUPT`, `PACK-VERSION`, `PACK-KIND`), never a panic.

#[cfg(not(target_arch = "wasm32"))]
pub mod build;

use serde::Serialize;

use crate::codeset::{CodeSet, System};
use crate::date::Date;
use crate::error::{Error, Result};
use crate::format::{self, Blob, Bytes};

/// Bytes of one PTPR row.
pub const PTP_ROW: usize = 16;
/// Bytes of one MUER row.
pub const MUE_ROW: usize = 16;
/// The rationale index of a row without one.
pub const NO_RATIONALE: u8 = 127;
/// The PTPR flag bit: the edit's codes were in existence before 1996 ("*").
pub const BEFORE_1996: u8 = 0x80;
/// The stored "to" of an edit with no deletion date.
pub const OPEN_END: u16 = u16::MAX;

/// What a pack holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PackKind {
    /// CPT codes and descriptors: a code set searchable as `system: "cpt"`.
    Cpt,
    /// NCCI procedure-to-procedure edits.
    NcciPtp,
    /// Medically unlikely edits.
    Mue,
}

impl PackKind {
    pub const ALL: [PackKind; 3] = [PackKind::Cpt, PackKind::NcciPtp, PackKind::Mue];

    /// `cpt`, `ncci-ptp`, `mue`.
    pub fn name(self) -> &'static str {
        match self {
            PackKind::Cpt => "cpt",
            PackKind::NcciPtp => "ncci-ptp",
            PackKind::Mue => "mue",
        }
    }

    pub fn parse(s: &str) -> Option<PackKind> {
        match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "cpt" => Some(PackKind::Cpt),
            "ncci-ptp" | "ncci" | "ptp" => Some(PackKind::NcciPtp),
            "mue" => Some(PackKind::Mue),
            _ => None,
        }
    }

    /// The blob kind in the header.
    pub fn blob_kind(self) -> u16 {
        match self {
            PackKind::Cpt => 16,
            PackKind::NcciPtp => 17,
            PackKind::Mue => 18,
        }
    }

    pub fn from_blob_kind(kind: u16) -> Option<PackKind> {
        PackKind::ALL.into_iter().find(|k| k.blob_kind() == kind)
    }
}

impl std::fmt::Display for PackKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for PackKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// One source file a pack was built from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PackSource {
    pub file: String,
    /// Rows of the file that went into the pack.
    pub rows: usize,
}

/// What a loaded pack holds, as `info()`, `loadPack` and `medcode info --pack` report it.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PackInfo {
    pub kind: PackKind,
    /// The name it was loaded under (the file name on the command line).
    pub name: String,
    pub edition: String,
    /// Practitioner, outpatient hospital or DME, when the source files say.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub setting: Option<String>,
    /// The source files and the rows each contributed.
    pub sources: Vec<PackSource>,
    /// CPT codes, or edit rows (PTP pairs by date range, MUE values by date range).
    pub entries: usize,
    /// Distinct codes (CPT codes; column-1 and column-2 codes; MUE codes).
    pub codes: usize,
    pub valid_from: Date,
    pub valid_to: Date,
    /// The container checksum, hex: the same pack bytes give the same value.
    pub checksum: String,
    pub bytes: usize,
    /// What built it (`medcode 0.1.0 pack build`).
    pub built: String,
}

/// An opened pack.
pub struct Pack {
    pub info: PackInfo,
    pub data: PackData,
}

/// The data of an opened pack.
pub enum PackData {
    Cpt(Box<CodeSet>),
    Ptp(PtpTable),
    Mue(MueTable),
}

/// NCCI PTP edits of a pack, searched in place (binary search over sorted rows).
#[derive(Clone)]
pub struct PtpTable {
    rows: Bytes,
    rationales: std::sync::Arc<[String]>,
}

/// One PTP edit row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PtpRow<'a> {
    pub column1: &'a str,
    pub column2: &'a str,
    pub from: Date,
    /// Last day in effect (the day before the deletion date).
    pub to: Date,
    pub modifier_indicator: u8,
    pub before_1996: bool,
    pub rationale: Option<&'a str>,
}

/// Medically unlikely edits of a pack, searched in place.
#[derive(Clone)]
pub struct MueTable {
    rows: Bytes,
    rationales: std::sync::Arc<[String]>,
}

/// One MUE row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MueRow<'a> {
    pub code: &'a str,
    /// Units of service allowed (per line or per date of service, by `mai`).
    pub value: u32,
    /// MUE adjudication indicator: 1 line edit; 2 date of service edit, policy; 3 date of service edit, clinical.
    pub mai: u8,
    pub from: Date,
    pub to: Date,
    pub rationale: Option<&'a str>,
}

fn day(lo: u8, hi: u8) -> Date {
    Date::from_days(u16::from_le_bytes([lo, hi]) as i32)
}

/// A fixed-width code field: ASCII letters and digits, NUL-padded.
fn code_str(b: &[u8]) -> Option<&str> {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    let (code, pad) = b.split_at(end);
    (!code.is_empty() && code.iter().all(u8::is_ascii_alphanumeric) && pad.iter().all(|&c| c == 0))
        .then(|| std::str::from_utf8(code).ok())
        .flatten()
}

/// The CPT code shape: 4 digits, then a digit or an upper-case letter.
pub fn is_cpt_format(code: &str) -> bool {
    match *code.as_bytes() {
        [b0, b1, b2, b3, b4] => {
            [b0, b1, b2, b3].iter().all(u8::is_ascii_digit) && (b4.is_ascii_digit() || b4.is_ascii_uppercase())
        }
        _ => false,
    }
}

/// A code as a fixed 5-byte key, or `None` when it cannot be one.
fn key5(code: &str) -> Option<[u8; 5]> {
    let b = code.as_bytes();
    if b.is_empty() || b.len() > 5 {
        return None;
    }
    let mut k = [0u8; 5];
    for (k, &c) in k.iter_mut().zip(b) {
        *k = c;
    }
    Some(k)
}

fn rationale(list: &[String], idx: u8) -> Option<&str> {
    list.get(idx as usize).map(String::as_str)
}

impl PtpTable {
    pub fn len(&self) -> usize {
        self.rows.as_ref().len() / PTP_ROW
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn raw(&self, i: usize) -> Option<&[u8; PTP_ROW]> {
        self.rows.as_ref().get(i.checked_mul(PTP_ROW)?..i.checked_mul(PTP_ROW)?.checked_add(PTP_ROW)?)?.try_into().ok()
    }

    /// Row `i` (in sorted order).
    pub fn row(&self, i: usize) -> Option<PtpRow<'_>> {
        let r = self.raw(i)?;
        Some(PtpRow {
            column1: code_str(&r[0..5])?,
            column2: code_str(&r[5..10])?,
            from: day(r[10], r[11]),
            to: day(r[12], r[13]),
            modifier_indicator: r[14],
            before_1996: r[15] & BEFORE_1996 != 0,
            rationale: rationale(&self.rationales, r[15] & !BEFORE_1996),
        })
    }

    /// Every row of the pair (column 1, column 2), oldest first.
    pub fn pair(&self, column1: &str, column2: &str) -> impl Iterator<Item = PtpRow<'_>> + '_ {
        let key = match (key5(column1), key5(column2)) {
            (Some(a), Some(b)) => {
                let mut k = [0u8; 10];
                k[..5].copy_from_slice(&a);
                k[5..].copy_from_slice(&b);
                Some(k)
            }
            _ => None,
        };
        let n = if key.is_some() { self.len() } else { 0 };
        let start = key.map_or(0, |k| partition(n, |i| self.raw(i).is_some_and(|r| r[..10] < k[..])));
        (start..n).map_while(move |i| {
            let r = self.raw(i)?;
            (key.is_some_and(|k| r[..10] == k[..])).then(|| self.row(i)).flatten()
        })
    }

    /// The edit of the pair in effect on `date` (the most recent one when several are).
    pub fn find(&self, column1: &str, column2: &str, date: Date) -> Option<PtpRow<'_>> {
        self.pair(column1, column2).filter(|r| r.from <= date && date <= r.to).last()
    }

    /// Rows in effect on `date`.
    pub fn count_on(&self, date: Date) -> usize {
        (0..self.len()).filter_map(|i| self.row(i)).filter(|r| r.from <= date && date <= r.to).count()
    }
}

impl MueTable {
    pub fn len(&self) -> usize {
        self.rows.as_ref().len() / MUE_ROW
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn raw(&self, i: usize) -> Option<&[u8; MUE_ROW]> {
        self.rows.as_ref().get(i.checked_mul(MUE_ROW)?..i.checked_mul(MUE_ROW)?.checked_add(MUE_ROW)?)?.try_into().ok()
    }

    pub fn row(&self, i: usize) -> Option<MueRow<'_>> {
        let r = self.raw(i)?;
        Some(MueRow {
            code: code_str(&r[0..5])?,
            mai: r[5],
            from: day(r[6], r[7]),
            to: day(r[8], r[9]),
            value: u32::from_le_bytes([r[10], r[11], r[12], r[13]]),
            rationale: rationale(&self.rationales, r[14]),
        })
    }

    /// The MUE of `code` in effect on `date` (the most recent one when several are).
    pub fn find(&self, code: &str, date: Date) -> Option<MueRow<'_>> {
        let k = key5(code)?;
        let n = self.len();
        let start = partition(n, |i| self.raw(i).is_some_and(|r| r[..5] < k[..]));
        (start..n)
            .map_while(|i| self.raw(i).filter(|r| r[..5] == k[..]).and_then(|_| self.row(i)))
            .filter(|r| r.from <= date && date <= r.to)
            .last()
    }

    /// Rows in effect on `date`.
    pub fn count_on(&self, date: Date) -> usize {
        (0..self.len()).filter_map(|i| self.row(i)).filter(|r| r.from <= date && date <= r.to).count()
    }
}

/// The first index in `0..n` for which `before` is false (`before` is true then false).
fn partition(n: usize, before: impl Fn(usize) -> bool) -> usize {
    let (mut lo, mut hi) = (0, n);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if before(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

/// What the first bytes of a file that is not a medcode blob say it is.
fn foreign(b: &[u8]) -> String {
    let text_start = b.iter().find(|c| !c.is_ascii_whitespace()).copied();
    if b.is_empty() {
        "the file is empty".into()
    } else if b.starts_with(b"\x89PNG") {
        "it is a PNG image, not a medcode pack".into()
    } else if b.starts_with(b"PK\x03\x04") {
        "it is a ZIP archive, not a medcode pack (the publishers ship their files zipped: unzip it and turn the files into a pack with `medcode pack build`)".into()
    } else if b.starts_with(&[0x1f, 0x8b]) {
        "it is gzip-compressed; decompress it first".into()
    } else if b.starts_with(b"%PDF") {
        "it is a PDF document, not a medcode pack".into()
    } else if matches!(text_start, Some(b'{' | b'[')) {
        "it is JSON text, not a medcode pack".into()
    } else if b.iter().take(512).all(|&c| c >= 0x20 || matches!(c, b'\t' | b'\n' | b'\r')) {
        "it is a text file, not a medcode pack (to turn a source file into a pack, run `medcode pack build`)".into()
    } else if MAGIC.starts_with(b.get(..MAGIC.len()).unwrap_or(b)) {
        format!("{} bytes is shorter than the {HEADER_LEN}-byte header (the file was cut short)", b.len())
    } else {
        "it does not start with the medcode magic bytes (not a medcode pack)".into()
    }
}

const MAGIC: &[u8; 8] = format::MAGIC;
const HEADER_LEN: usize = 24;

/// The `key=value` lines of META.
struct Meta<'a>(Vec<(&'a str, &'a str)>);

impl<'a> Meta<'a> {
    fn parse(text: &'a str) -> Meta<'a> {
        Meta(text.lines().filter_map(|l| l.split_once('=')).collect())
    }

    fn get(&self, key: &str) -> Option<&'a str> {
        self.0.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }

    fn all(&self, key: &'a str) -> impl Iterator<Item = &'a str> + '_ {
        self.0.iter().filter(move |(k, _)| *k == key).map(|(_, v)| *v)
    }
}

/// Opens and checks a pack. `name` names it in errors and in its [`PackInfo`].
pub fn open(bytes: Bytes, name: &str) -> Result<Pack> {
    let what = format!("pack {name}");
    let b = bytes.as_ref();
    let Some(h) = b.first_chunk::<HEADER_LEN>().filter(|h| &h[..8] == MAGIC) else {
        return Err(Error::PackCorrupt { what, detail: foreign(b) });
    };
    let size = b.len();
    // The header's checksum, verified by Blob::open: the pack's identity.
    let checksum = format!("{:016x}", u64::from_le_bytes([h[12], h[13], h[14], h[15], h[16], h[17], h[18], h[19]]));
    let blob = Blob::open(bytes.clone(), &what).map_err(Error::in_pack)?;
    let kind = PackKind::from_blob_kind(blob.kind).ok_or_else(|| Error::PackKind {
        what: what.clone(),
        detail: match blob.kind {
            1 => "this is medcode's embedded icd10cm code set, not a pack".into(),
            2 => "this is medcode's embedded hcpcs code set, not a pack".into(),
            3 => "this is medcode's embedded icd10pcs code set, not a pack".into(),
            4 => "this is medcode's embedded place-of-service set, not a pack".into(),
            5 => "this is medcode's embedded synonym list, not a pack".into(),
            k => format!("kind {k} is not a pack kind this medcode knows (cpt 16, ncci-ptp 17, mue 18)"),
        },
    })?;
    let corrupt = |detail: String| Error::PackCorrupt { what: what.clone(), detail };

    let meta_bytes = blob.section(b"META").map_err(Error::in_pack)?;
    let meta_text =
        std::str::from_utf8(meta_bytes.as_ref()).map_err(|_| corrupt("its META section is not UTF-8".into()))?;
    let meta = Meta::parse(meta_text);
    match meta.get("pack") {
        Some(k) if k == kind.name() => {}
        Some(k) => {
            return Err(corrupt(format!(
                "its header says it is a {kind} pack but its META says {:?}",
                crate::date::truncate(k)
            )))
        }
        None => return Err(corrupt("its META section does not name the pack kind".into())),
    }
    let date = |key: &str| {
        meta.get(key).and_then(Date::parse_opt).ok_or_else(|| corrupt(format!("META {key} is not a YYYY-MM-DD date")))
    };
    let (valid_from, valid_to) = (date("validFrom")?, date("validTo")?);
    let mut sources = Vec::new();
    for f in meta.all("file") {
        let (file, rows) = f.rsplit_once('\t').unwrap_or((f, ""));
        let rows = rows.parse().map_err(|_| corrupt(format!("META file {f:?} has no row count")))?;
        sources.push(PackSource { file: file.to_string(), rows });
    }
    let text = |key: &str| meta.get(key).unwrap_or("").to_string();

    let rationales = || -> Result<std::sync::Arc<[String]>> {
        let r = blob.section(b"RATN").map_err(Error::in_pack)?;
        let t = std::str::from_utf8(r.as_ref()).map_err(|_| corrupt("its RATN section is not UTF-8".into()))?;
        let list: Vec<String> = t.lines().map(str::to_string).collect();
        if list.len() >= NO_RATIONALE as usize {
            return Err(corrupt(format!("{} rationales; the format holds {}", list.len(), NO_RATIONALE - 1)));
        }
        Ok(list.into())
    };

    let (data, entries, codes) = match kind {
        PackKind::Cpt => {
            let set = CodeSet::open_pack(blob.clone(), &what).map_err(Error::in_pack)?;
            if set.system != System::Cpt {
                return Err(corrupt("its code set is not CPT".into()));
            }
            for o in 0..set.len() as u32 {
                if !is_cpt_format(&set.code(o)) {
                    return Err(corrupt(format!("{:?} is not a CPT-format code", crate::date::truncate(&set.code(o)))));
                }
            }
            let n = set.len();
            (PackData::Cpt(Box::new(set)), n, n)
        }
        PackKind::NcciPtp => {
            let rows = blob.section(b"PTPR").map_err(Error::in_pack)?;
            let t = PtpTable { rows, rationales: rationales()? };
            if t.rows.as_ref().len() % PTP_ROW != 0 {
                return Err(corrupt(format!("its PTPR section is not a whole number of {PTP_ROW}-byte rows")));
            }
            let mut codes = std::collections::HashSet::new();
            let mut prev: Option<&[u8; PTP_ROW]> = None;
            for i in 0..t.len() {
                let raw = t.raw(i).ok_or_else(|| corrupt("PTPR is truncated".into()))?;
                let r = t.row(i).ok_or_else(|| {
                    corrupt(format!("PTPR row {} holds a code that is not letters and digits", i + 1))
                })?;
                if !matches!(r.modifier_indicator, 0 | 1 | 9) {
                    return Err(corrupt(format!("PTPR row {}: modifier indicator {}", i + 1, r.modifier_indicator)));
                }
                let rat = raw[15] & !BEFORE_1996;
                if rat != NO_RATIONALE && rat as usize >= t.rationales.len() {
                    return Err(corrupt(format!("PTPR row {} names a rationale RATN does not hold", i + 1)));
                }
                if r.from > r.to {
                    return Err(corrupt(format!("PTPR row {} ends before it starts", i + 1)));
                }
                if prev.is_some_and(|p| (&p[..10], &p[10..12]) > (&raw[..10], &raw[10..12])) {
                    return Err(corrupt("PTPR rows are not sorted".into()));
                }
                prev = Some(raw);
                codes.insert(r.column1);
                codes.insert(r.column2);
            }
            let (n, c) = (t.len(), codes.len());
            (PackData::Ptp(t), n, c)
        }
        PackKind::Mue => {
            let rows = blob.section(b"MUER").map_err(Error::in_pack)?;
            let t = MueTable { rows, rationales: rationales()? };
            if t.rows.as_ref().len() % MUE_ROW != 0 {
                return Err(corrupt(format!("its MUER section is not a whole number of {MUE_ROW}-byte rows")));
            }
            let mut codes = 0;
            let mut prev: Option<&[u8; MUE_ROW]> = None;
            for i in 0..t.len() {
                let raw = t.raw(i).ok_or_else(|| corrupt("MUER is truncated".into()))?;
                let r = t.row(i).ok_or_else(|| {
                    corrupt(format!("MUER row {} holds a code that is not letters and digits", i + 1))
                })?;
                if !matches!(r.mai, 1..=3) {
                    return Err(corrupt(format!("MUER row {}: adjudication indicator {}", i + 1, r.mai)));
                }
                if raw[14] != NO_RATIONALE && raw[14] as usize >= t.rationales.len() || raw[15] != 0 {
                    return Err(corrupt(format!("MUER row {} names a rationale RATN does not hold", i + 1)));
                }
                if r.from > r.to {
                    return Err(corrupt(format!("MUER row {} ends before it starts", i + 1)));
                }
                match prev {
                    Some(p) if (&p[..5], &p[6..8]) > (&raw[..5], &raw[6..8]) => {
                        return Err(corrupt("MUER rows are not sorted".into()))
                    }
                    Some(p) if p[..5] == raw[..5] => {}
                    _ => codes += 1,
                }
                prev = Some(raw);
            }
            let n = t.len();
            (PackData::Mue(t), n, codes)
        }
    };

    let setting = meta.get("setting").filter(|s| !s.is_empty()).map(str::to_string);
    let info = PackInfo {
        kind,
        name: name.to_string(),
        edition: text("edition"),
        setting,
        sources,
        entries,
        codes,
        valid_from,
        valid_to,
        checksum,
        bytes: size,
        built: text("built"),
    };
    Ok(Pack { info, data })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_finds_the_first_false() {
        let v = [1, 3, 3, 5, 9];
        assert_eq!(partition(v.len(), |i| v[i] < 3), 1);
        assert_eq!(partition(v.len(), |i| v[i] < 10), 5);
        assert_eq!(partition(v.len(), |i| v[i] < 0), 0);
        assert_eq!(partition(0, |_| true), 0);
    }

    #[test]
    fn kinds_round_trip() {
        for k in PackKind::ALL {
            assert_eq!(PackKind::parse(k.name()), Some(k));
            assert_eq!(PackKind::from_blob_kind(k.blob_kind()), Some(k));
        }
        assert_eq!(PackKind::from_blob_kind(1), None);
    }

    #[test]
    fn foreign_files_are_named() {
        assert!(foreign(b"\x89PNG\r\n\x1a\n").contains("PNG"));
        assert!(foreign(b"  {\"a\": 1}").contains("JSON"));
        assert!(foreign(b"PK\x03\x04....").contains("ZIP"));
        assert!(foreign(b"MEDCODE\0\x01").contains("cut short"));
        assert!(foreign(b"").contains("empty"));
    }
}
