//! `medcode pack build` (native only): the publishers' files → one pack.
//!
//! Reads the files as they are shipped:
//!
//! - **CPT** (AMA descriptor files): tab-separated `code<TAB>descriptor`
//!   lines (the long, medium and short descriptor files; header lines
//!   allowed, columns found by name when the header names them, e.g.
//!   `CPT Code`, `Long Descriptor`), lines of a code, a space and the
//!   descriptor, or a CSV with code and descriptor columns. Optional
//!   effective/end date columns. With several files the first that lists a
//!   code gives its description; other files' wordings become synonyms.
//! - **NCCI PTP** (CMS quarterly tab-delimited files, several parts into
//!   one pack): header lines, then column 1, column 2, the `*` prior-1996
//!   flag, effective date (YYYYMMDD), deletion date (YYYYMMDD or `*` for
//!   none), modifier indicator (0, 1, 9), rationale. An edit applies from its
//!   effective date to the day before its deletion date. Rows with indicator
//!   9 and rows deleted on their effective date are left out (they never
//!   apply); of two rows for one pair and effective date the later wins.
//! - **MUE** (CMS practitioner, DME and outpatient hospital files, CSV or
//!   tab-delimited): notice lines, a header, then code, MUE value, MUE
//!   adjudication indicator (`1 Line Edit`, `2 Date of Service Edit: Policy`,
//!   `3 Date of Service Edit: Clinical`, or the digit), rationale, and
//!   effective/end dates where the file has such columns.
//!
//! Dates may be YYYYMMDD, YYYY-MM-DD or MM/DD/YYYY. Text is UTF-8, or
//! Latin-1 when it is not. Problems in a row are errors naming `file:line`;
//! rows that are well formed but never apply are skipped and counted by reason.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use medcode_codegen::blob::{BlobWriter, Kind};
use medcode_codegen::compile::{compile_code_set, CodeItem};
use serde::Serialize;
use serde_json::{json, Map, Value};

use super::{is_cpt_format, PackKind, BEFORE_1996, NO_RATIONALE, OPEN_END};
use crate::date::Date;
use crate::error::{Error, Result};

/// One input file: the name shown in errors and recorded in the pack, and its bytes.
pub struct Source {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// Options of [`build`].
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The edition recorded in the pack (default: the kind and the file names).
    pub edition: Option<String>,
}

/// Where a build is, for a progress display.
#[derive(Clone, Debug)]
pub struct Progress<'a> {
    pub file: &'a str,
    /// 0-based index of the file among the inputs.
    pub file_index: usize,
    pub files: usize,
    /// Bytes of this file read so far, and its size.
    pub done: usize,
    pub size: usize,
    /// Rows read from this file so far.
    pub rows: usize,
}

/// Rows of one input file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FileSummary {
    pub file: String,
    /// Notice and header lines before the first row.
    pub header_lines: usize,
    pub rows_read: usize,
    /// Rows that went into the pack.
    pub rows_used: usize,
}

/// Rows left out for one reason.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Skipped {
    pub reason: &'static str,
    pub rows: usize,
    /// `file:line` of the first such row.
    pub first: String,
}

/// What a build read and wrote.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    pub kind: PackKind,
    pub edition: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub setting: Option<String>,
    pub files: Vec<FileSummary>,
    pub rows_read: usize,
    pub rows_used: usize,
    pub skipped: Vec<Skipped>,
    /// CPT codes, or edit rows, in the pack.
    pub entries: usize,
    /// Distinct codes.
    pub codes: usize,
    pub valid_from: Date,
    pub valid_to: Date,
    pub bytes: usize,
}

/// Builds a pack of `kind` from `sources`; `progress` is called every few
/// tens of thousands of rows and at the end of each file.
pub fn build(
    kind: PackKind,
    sources: &[Source],
    opts: &Options,
    progress: &mut dyn FnMut(&Progress),
) -> Result<(Vec<u8>, Summary)> {
    if sources.is_empty() {
        return Err(input("pack build", "no input files"));
    }
    let mut st = State { files: Vec::new(), skipped: Vec::new() };
    let built = match kind {
        PackKind::Cpt => cpt(sources, &mut st, progress)?,
        PackKind::NcciPtp => ptp(sources, &mut st, progress)?,
        PackKind::Mue => mue(sources, &mut st, progress)?,
    };
    let names: Vec<&str> = sources.iter().map(|s| s.name.as_str()).collect();
    let edition = opts.edition.clone().filter(|e| !e.trim().is_empty()).unwrap_or_else(|| {
        let what = match kind {
            PackKind::Cpt => "CPT codes".to_string(),
            PackKind::NcciPtp => "NCCI procedure-to-procedure edits".to_string(),
            PackKind::Mue => "Medically unlikely edits".to_string(),
        };
        let what = match &built.setting {
            Some(s) => format!("{what} ({s})"),
            None => what,
        };
        let shown: Vec<&str> = names.iter().take(4).copied().collect();
        let more = if names.len() > 4 { format!(" and {} more", names.len() - 4) } else { String::new() };
        format!("{what} from {}{more}", shown.join(", "))
    });
    let (from, to) = built.range;
    let mut meta = String::new();
    let line = |meta: &mut String, k: &str, v: &str| {
        meta.push_str(k);
        meta.push('=');
        meta.push_str(&one_line(v));
        meta.push('\n');
    };
    line(&mut meta, "pack", kind.name());
    if kind == PackKind::Cpt {
        line(&mut meta, "system", "cpt");
    }
    line(&mut meta, "edition", &edition);
    if let Some(s) = &built.setting {
        line(&mut meta, "setting", s);
    }
    let desc: Vec<String> = st.files.iter().map(|f| format!("{} ({} rows)", f.file, f.rows_used)).collect();
    line(&mut meta, "source", &desc.join(", "));
    for f in &st.files {
        line(&mut meta, "file", &format!("{}\t{}", one_line(&f.file).replace('\t', " "), f.rows_used));
    }
    line(&mut meta, "rows", &built.entries.to_string());
    line(&mut meta, "codes", &built.codes.to_string());
    line(&mut meta, "validFrom", &show(from));
    line(&mut meta, "validTo", &show(to));
    line(&mut meta, "built", &format!("medcode {} pack build", env!("CARGO_PKG_VERSION")));

    let bytes = match built.body {
        Body::Cpt(items) => compile_code_set(Kind::Cpt, meta, items)
            .map_err(|e| input("pack build", &format!("cannot compile the CPT codes: {e}")))?,
        Body::Rows { kind: k, tag, rationales, rows } => {
            let mut w = BlobWriter::new(k);
            w.section(b"META", meta.into_bytes());
            w.section(b"RATN", rationales.join("\n").into_bytes());
            w.section(tag, rows);
            w.finish()
        }
    };
    let rows_read = st.files.iter().map(|f| f.rows_read).sum();
    let rows_used = st.files.iter().map(|f| f.rows_used).sum();
    let summary = Summary {
        kind,
        edition,
        setting: built.setting,
        files: st.files,
        rows_read,
        rows_used,
        skipped: st.skipped,
        entries: built.entries,
        codes: built.codes,
        valid_from: Date::from_days(from as i32),
        valid_to: Date::from_days(to as i32),
        bytes: bytes.len(),
    };
    Ok((bytes, summary))
}

fn input(location: &str, detail: &str) -> Error {
    Error::PackInput { location: location.to_string(), detail: detail.to_string() }
}

fn one_line(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}

fn show(d: u16) -> String {
    Date::from_days(d as i32).to_string()
}

/// Counters shared by the readers.
struct State {
    files: Vec<FileSummary>,
    skipped: Vec<Skipped>,
}

impl State {
    fn skip(&mut self, reason: &'static str, at: String) {
        match self.skipped.iter_mut().find(|s| s.reason == reason) {
            Some(s) => s.rows += 1,
            None => self.skipped.push(Skipped { reason, rows: 1, first: at }),
        }
    }
}

/// What a reader produced.
struct Built {
    body: Body,
    entries: usize,
    codes: usize,
    range: (u16, u16),
    setting: Option<String>,
}

enum Body {
    Cpt(Vec<CodeItem>),
    Rows { kind: Kind, tag: &'static [u8; 4], rationales: Vec<String>, rows: Vec<u8> },
}

/// A file's text: UTF-8 without its byte-order mark, or Latin-1 when it is not UTF-8.
fn decode(bytes: &[u8]) -> Cow<'_, str> {
    let b = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(b) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => Cow::Owned(b.iter().map(|&c| c as char).collect()),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Delim {
    Tab,
    Comma,
    /// `CODE descriptor`: a code, white space, the rest of the line.
    Space,
}

/// How the file separates its columns: tabs when its first lines have any,
/// commas for a `.csv` file or a comma-separated header, else a code and
/// the rest of the line.
fn delimiter(name: &str, text: &str) -> Delim {
    let head: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).take(50).collect();
    if name.to_ascii_lowercase().ends_with(".csv") {
        Delim::Comma
    } else if head.iter().any(|l| l.contains('\t')) {
        Delim::Tab
    } else if head.iter().any(|l| l.split(',').count() >= 3 || l.to_ascii_lowercase().contains("code,")) {
        Delim::Comma
    } else {
        Delim::Space
    }
}

/// A field trimmed, with surrounding double quotes removed (`""` inside is one quote).
fn unquote(f: &str) -> Cow<'_, str> {
    let t = f.trim();
    match t.strip_prefix('"').and_then(|x| x.strip_suffix('"')) {
        Some(inner) if inner.contains("\"\"") => Cow::Owned(inner.replace("\"\"", "\"").trim().to_string()),
        Some(inner) => Cow::Borrowed(inner.trim()),
        None => Cow::Borrowed(t),
    }
}

/// Calls `f(line number, byte offset after the record, fields)` for every
/// record of `text`; blank records are passed too (as one empty field).
fn records<'t>(
    text: &'t str,
    delim: Delim,
    mut f: impl FnMut(usize, usize, &[Cow<'t, str>]) -> Result<()>,
) -> Result<()> {
    match delim {
        Delim::Tab | Delim::Space => {
            let mut offset = 0;
            let mut fields: Vec<Cow<'t, str>> = Vec::new();
            let mut lines = text.split('\n').enumerate().peekable();
            while let Some((i, raw)) = lines.next() {
                if raw.is_empty() && lines.peek().is_none() {
                    break; // the newline that ends the file
                }
                offset += raw.len() + 1;
                let line = raw.strip_suffix('\r').unwrap_or(raw);
                fields.clear();
                if delim == Delim::Tab {
                    fields.extend(line.split('\t').map(unquote));
                } else {
                    let t = line.trim();
                    match t.split_once(|c: char| c.is_whitespace()) {
                        Some((code, rest)) => {
                            fields.push(Cow::Borrowed(code));
                            fields.push(Cow::Borrowed(rest.trim()));
                        }
                        None => fields.push(Cow::Borrowed(t)),
                    }
                }
                f(i + 1, offset.min(text.len()), &fields)?;
            }
            Ok(())
        }
        Delim::Comma => {
            let mut fields: Vec<Cow<'t, str>> = Vec::new();
            let mut field = String::new();
            let (mut in_quotes, mut was_quoted) = (false, false);
            let (mut line, mut start_line) = (1usize, 1usize);
            let mut chars = text.char_indices().peekable();
            let finish = |field: &mut String, was_quoted: bool| -> Cow<'t, str> {
                let v = if was_quoted { std::mem::take(field) } else { std::mem::take(field).trim().to_string() };
                Cow::Owned(v)
            };
            while let Some((at, c)) = chars.next() {
                if in_quotes {
                    match c {
                        '"' if chars.peek().is_some_and(|&(_, n)| n == '"') => {
                            chars.next();
                            field.push('"');
                        }
                        '"' => in_quotes = false,
                        '\n' => {
                            line += 1;
                            field.push('\n');
                        }
                        _ => field.push(c),
                    }
                    continue;
                }
                match c {
                    '"' if field.trim().is_empty() => {
                        field.clear();
                        in_quotes = true;
                        was_quoted = true;
                    }
                    ',' => {
                        fields.push(finish(&mut field, was_quoted));
                        was_quoted = false;
                    }
                    '\r' => {}
                    '\n' => {
                        fields.push(finish(&mut field, was_quoted));
                        was_quoted = false;
                        f(start_line, at + 1, &fields)?;
                        fields.clear();
                        line += 1;
                        start_line = line;
                    }
                    _ => field.push(c),
                }
            }
            if in_quotes {
                return Err(input(&format!("line {start_line}"), "a quoted field is not closed"));
            }
            if !field.trim().is_empty() || !fields.is_empty() {
                fields.push(finish(&mut field, was_quoted));
                f(start_line, text.len(), &fields)?;
            }
            Ok(())
        }
    }
}

fn blank(fields: &[Cow<str>]) -> bool {
    fields.iter().all(|f| f.trim().is_empty())
}

/// The name of source `i` (always one of `sources`: rows remember where they came from).
fn source_name(sources: &[Source], i: usize) -> &str {
    sources.get(i).map_or("", |s| s.name.as_str())
}

/// A procedure code as the publishers write it: 5 letters and digits (upper-cased).
fn code5(s: &str) -> Option<String> {
    let t = s.trim();
    (t.len() == 5 && t.bytes().all(|b| b.is_ascii_alphanumeric())).then(|| t.to_ascii_uppercase())
}

/// A date cell: `Ok(None)` when empty or `*`, else YYYYMMDD, YYYY-MM-DD or MM/DD/YYYY as stored days.
fn date_cell(s: &str) -> std::result::Result<Option<u16>, String> {
    let t = s.trim();
    if t.is_empty() || t == "*" {
        return Ok(None);
    }
    let num = |x: &str| x.parse::<u32>().ok().filter(|_| !x.is_empty() && x.bytes().all(|b| b.is_ascii_digit()));
    let ymd = if t.len() == 8 && t.bytes().all(|b| b.is_ascii_digit()) {
        Some((num(&t[..4]), num(&t[4..6]), num(&t[6..])))
    } else if t.len() == 10 && t.as_bytes().get(4) == Some(&b'-') && t.as_bytes().get(7) == Some(&b'-') {
        Some((num(&t[..4]), num(&t[5..7]), num(&t[8..])))
    } else {
        let p: Vec<&str> = t.split('/').collect();
        match p.as_slice() {
            &[m, d, y] if y.len() == 4 => Some((num(y), num(m), num(d))),
            _ => None,
        }
    };
    let date = match ymd {
        Some((Some(y), Some(m), Some(d))) => Date::from_ymd(y as i32, m, d),
        _ => None,
    };
    let date = date.ok_or_else(|| format!("{t:?} is not a date (YYYYMMDD, YYYY-MM-DD or MM/DD/YYYY)"))?;
    u16::try_from(date.days())
        .ok()
        .filter(|&d| d != OPEN_END)
        .map(Some)
        .ok_or_else(|| format!("{t} is outside the dates a pack holds (1970-01-01 to 2149-06-05)"))
}

/// Calls `progress` every 50,000 rows.
struct Ticker<'p> {
    progress: &'p mut dyn FnMut(&Progress),
    file_index: usize,
    files: usize,
    rows: usize,
}

impl Ticker<'_> {
    fn row(&mut self, file: &str, done: usize, size: usize) {
        self.rows += 1;
        if self.rows % 50_000 == 0 {
            self.report(file, done, size);
        }
    }

    fn report(&mut self, file: &str, done: usize, size: usize) {
        (self.progress)(&Progress {
            file,
            file_index: self.file_index,
            files: self.files,
            done,
            size,
            rows: self.rows,
        });
    }
}

/// Finds the column whose header matches `pred`.
fn column(header: &[String], pred: impl Fn(&str) -> bool) -> Option<usize> {
    header.iter().position(|h| pred(h))
}

fn is_id(h: &str) -> bool {
    h.ends_with(" id") || h.ends_with("_id") || h == "id"
}

fn is_end_header(h: &str) -> bool {
    ["end", "termination", "terminated", "delet", "expir", "thru", "through"].iter().any(|w| h.contains(w))
}

fn is_start_header(h: &str) -> bool {
    !is_end_header(h) && ["effective", "begin", "start", "add date", "from"].iter().any(|w| h.contains(w))
}

// ---- CPT ----

#[derive(Clone, Copy)]
struct CptCols {
    code: usize,
    desc: usize,
    from: Option<usize>,
    to: Option<usize>,
}

#[derive(Default)]
struct CptCode {
    description: String,
    /// From-date of the row the description came from.
    desc_from: u16,
    first_file: usize,
    synonyms: Vec<String>,
    descriptors: Vec<(usize, String)>,
    dated: Vec<(u16, u16)>,
    undated: bool,
}

/// One row of a CPT file as remembered to find repeated rows: file, code, descriptor, dates.
type SeenRow = (usize, String, String, Option<u16>, Option<u16>);

/// The CPT codes read so far.
#[derive(Default)]
struct CptAcc {
    codes: BTreeMap<String, CptCode>,
    seen: std::collections::HashSet<SeenRow>,
}

fn cpt(sources: &[Source], st: &mut State, progress: &mut dyn FnMut(&Progress)) -> Result<Built> {
    let mut acc = CptAcc::default();
    for (fi, src) in sources.iter().enumerate() {
        let text = decode(&src.bytes);
        let delim = delimiter(&src.name, &text);
        let mut fs = FileSummary { file: src.name.clone(), header_lines: 0, rows_read: 0, rows_used: 0 };
        let mut cols: Option<CptCols> = None;
        let mut tick = Ticker { progress: &mut *progress, file_index: fi, files: sources.len(), rows: 0 };
        records(&text, delim, |line, done, f| {
            if blank(f) {
                return Ok(());
            }
            if cols.is_none() {
                if f.len() >= 2 && f.first().and_then(|c| code5(c)).is_some_and(|k| is_cpt_format(&k)) {
                    // No header: code, then descriptor.
                    cols = Some(DEFAULT_CPT);
                } else {
                    // A notice line, or the header that names the columns.
                    let header: Vec<String> = f.iter().map(|h| h.trim().to_ascii_lowercase()).collect();
                    let code = column(&header, |h| h.contains("code") && !is_id(h));
                    let desc = column(&header, |h| (h.contains("descr") || h.contains("title")) && !is_id(h));
                    if let (Some(code), Some(desc), false) = (code, desc, delim == Delim::Space) {
                        cols = Some(CptCols {
                            code,
                            desc,
                            from: column(&header, is_start_header),
                            to: column(&header, is_end_header),
                        });
                    }
                    fs.header_lines += 1;
                    return Ok(());
                }
            }
            let c = cols.as_ref().unwrap_or(&DEFAULT_CPT);
            fs.rows_read += 1;
            tick.row(&src.name, done, text.len());
            acc.row(fi, &format!("{}:{line}", src.name), f, c, st, &mut fs)
        })
        .map_err(|e| locate(e, &src.name))?;
        if cols.is_none() || fs.rows_read == 0 {
            return Err(input(
                &src.name,
                "no CPT rows found: expected a CPT-format code (4 digits and a digit or letter) and a descriptor on each line, tab- or comma-separated, or a header naming code and descriptor columns",
            ));
        }
        tick.report(&src.name, text.len(), text.len());
        st.files.push(fs);
    }
    let codes = acc.codes;
    if codes.is_empty() {
        return Err(input("pack build", "no CPT code in the files (every row was skipped; see the reasons above)"));
    }
    let mut items = Vec::with_capacity(codes.len());
    let (mut lo, mut hi) = (u16::MAX, 0u16);
    for (code, c) in codes {
        let mut billable = c.dated.clone();
        if c.undated || billable.is_empty() {
            billable.push((0, OPEN_END));
        }
        for &(s, e) in &billable {
            lo = lo.min(s);
            hi = hi.max(e);
        }
        let mut extra = Map::new();
        if c.descriptors.len() > 1 {
            let list: Vec<Value> = c
                .descriptors
                .iter()
                .map(|(fi, d)| json!({"file": source_name(sources, *fi), "descriptor": d}))
                .collect();
            extra.insert("descriptors".into(), Value::Array(list));
        }
        items.push(CodeItem { code, description: c.description, synonyms: c.synonyms, billable, extra });
    }
    let n = items.len();
    Ok(Built { body: Body::Cpt(items), entries: n, codes: n, range: (lo.min(hi), hi), setting: None })
}

const DEFAULT_CPT: CptCols = CptCols { code: 0, desc: 1, from: None, to: None };

impl CptAcc {
    /// Takes one row (`at` is its `file:line`).
    fn row(
        &mut self,
        fi: usize,
        at: &str,
        f: &[Cow<str>],
        c: &CptCols,
        st: &mut State,
        fs: &mut FileSummary,
    ) -> Result<()> {
        let cell = |i: usize| f.get(i).map(|s| s.trim()).unwrap_or("");
        let Some(code) = code5(cell(c.code)).filter(|k| is_cpt_format(k)) else {
            st.skip("not a CPT-format code (4 digits, then a digit or letter)", at.to_string());
            return Ok(());
        };
        let desc = cell(c.desc).split_whitespace().collect::<Vec<_>>().join(" ");
        if desc.is_empty() {
            st.skip("no descriptor", at.to_string());
            return Ok(());
        }
        let date = |i: Option<usize>| -> Result<Option<u16>> {
            match i {
                None => Ok(None),
                Some(i) => date_cell(cell(i)).map_err(|e| input(at, &e)),
            }
        };
        let (from, to) = (date(c.from)?, date(c.to)?);
        if let (Some(a), Some(b)) = (from, to) {
            if b < a {
                return Err(input(at, &format!("{code} ends ({}) before it starts ({})", show(b), show(a))));
            }
        }
        if !self.seen.insert((fi, code.clone(), desc.clone(), from, to)) {
            st.skip("the same row twice in one file", at.to_string());
            return Ok(());
        }
        fs.rows_used += 1;
        let dated = c.from.is_some() || c.to.is_some();
        let start = from.unwrap_or(0);
        let e = self.codes.entry(code).or_insert_with(|| CptCode {
            first_file: fi,
            desc_from: start,
            ..CptCode::default()
        });
        if e.description.is_empty() {
            e.description = desc.clone();
        } else if e.first_file == fi && start >= e.desc_from {
            // A later row of the same file: the newest wording wins, the older stays searchable.
            if e.description != desc {
                let old = std::mem::replace(&mut e.description, desc.clone());
                if !e.synonyms.contains(&old) {
                    e.synonyms.push(old);
                }
            }
            e.desc_from = start;
        } else if e.description != desc && !e.synonyms.contains(&desc) {
            e.synonyms.push(desc.clone());
        }
        if !e.descriptors.iter().any(|(f, d)| *f == fi && *d == desc) {
            e.descriptors.push((fi, desc));
        }
        if dated {
            e.dated.push((start, to.unwrap_or(OPEN_END)));
        } else {
            e.undated = true;
        }
        Ok(())
    }
}

/// Prefixes a `line N` location from the CSV reader with the file name.
fn locate(e: Error, file: &str) -> Error {
    match e {
        Error::PackInput { location, detail } if location.starts_with("line ") => {
            Error::PackInput { location: format!("{file}:{}", &location[5..]), detail }
        }
        other => other,
    }
}

/// Interns rationales (at most 126 distinct ones).
#[derive(Default)]
struct Rationales {
    list: Vec<String>,
    index: HashMap<String, u8>,
}

impl Rationales {
    fn get(&mut self, text: &str, at: &str) -> Result<u8> {
        let t = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if t.is_empty() {
            return Ok(NO_RATIONALE);
        }
        if let Some(&i) = self.index.get(&t) {
            return Ok(i);
        }
        if self.list.len() + 1 >= NO_RATIONALE as usize {
            return Err(input(at, &format!("more than {} distinct rationales", NO_RATIONALE - 1)));
        }
        let i = self.list.len() as u8;
        self.index.insert(t.clone(), i);
        self.list.push(t);
        Ok(i)
    }
}

fn fixed5(code: &str) -> [u8; 5] {
    let mut k = [0u8; 5];
    for (o, b) in k.iter_mut().zip(code.bytes()) {
        *o = b;
    }
    k
}

/// The setting a file name or header speaks of.
fn setting_of(text: &str) -> Option<&'static str> {
    let t = text.to_ascii_lowercase();
    if t.contains("practitioner") || t.starts_with("ccipra") {
        Some("practitioner")
    } else if t.contains("dme") {
        Some("DME supplier")
    } else if t.contains("hospital") || t.contains("facility") || t.starts_with("ccioph") || t.starts_with("ccihos") {
        Some("outpatient hospital")
    } else {
        None
    }
}

/// One setting when every file names the same one.
fn common_setting(settings: &[Option<&'static str>]) -> Option<String> {
    let first = settings.first().copied().flatten()?;
    settings.iter().all(|s| *s == Some(first)).then(|| first.to_string())
}

// ---- NCCI PTP ----

struct PtpVal {
    del: Option<u16>,
    ind: u8,
    flags: u8,
    at: (u16, u32),
}

fn ptp(sources: &[Source], st: &mut State, progress: &mut dyn FnMut(&Progress)) -> Result<Built> {
    let mut rows: HashMap<([u8; 5], [u8; 5], u16), PtpVal> = HashMap::new();
    let mut rats = Rationales::default();
    let mut settings = Vec::new();
    for (fi, src) in sources.iter().enumerate() {
        let text = decode(&src.bytes);
        let delim = match delimiter(&src.name, &text) {
            Delim::Space => Delim::Tab,
            d => d,
        };
        settings.push(setting_of(&src.name));
        let mut fs = FileSummary { file: src.name.clone(), header_lines: 0, rows_read: 0, rows_used: 0 };
        let mut data = false;
        let mut tick = Ticker { progress: &mut *progress, file_index: fi, files: sources.len(), rows: 0 };
        records(&text, delim, |line, done, f| {
            if blank(f) {
                return Ok(());
            }
            let at = format!("{}:{line}", src.name);
            let (Some(c1), Some(c2)) = (f.first().and_then(|c| code5(c)), f.get(1).and_then(|c| code5(c))) else {
                if data {
                    fs.rows_read += 1;
                    st.skip("not an edit row (column 1 and column 2 are not codes)", at);
                } else {
                    fs.header_lines += 1;
                }
                return Ok(());
            };
            data = true;
            fs.rows_read += 1;
            tick.row(&src.name, done, text.len());
            let [_, _, prior_cell, eff_cell, del_cell, ind_cell, ..] = f else {
                return Err(input(&at, &format!("a PTP row has {} columns; expected 7: column 1, column 2, the prior-1996 flag, effective date, deletion date, modifier indicator, rationale", f.len())));
            };
            let prior = match prior_cell.trim() {
                "*" => true,
                "" => false,
                other => return Err(input(&at, &format!("the prior-1996 column holds {other:?}; expected \"*\" or nothing"))),
            };
            let eff = date_cell(eff_cell)
                .map_err(|e| input(&at, &format!("effective date: {e}")))?
                .ok_or_else(|| input(&at, "the effective date is missing"))?;
            let del = date_cell(del_cell).map_err(|e| input(&at, &format!("deletion date: {e}")))?;
            let ind = match ind_cell.trim() {
                "0" => 0,
                "1" => 1,
                "9" => 9,
                other => {
                    return Err(input(&at, &format!("modifier indicator {other:?}; expected 0, 1 or 9")));
                }
            };
            let rat = rats.get(f.get(6).map(|r| r.as_ref()).unwrap_or(""), &at)?;
            let flags = rat | if prior { BEFORE_1996 } else { 0 };
            let v = PtpVal { del, ind, flags, at: (fi as u16, line as u32) };
            if let Some(old) = rows.insert((fixed5(&c1), fixed5(&c2), eff), v) {
                st.skip(
                    "replaced by a later row for the same pair and effective date",
                    format!("{}:{}", source_name(sources, old.at.0 as usize), old.at.1),
                );
                match st.files.get_mut(old.at.0 as usize) {
                    Some(earlier) => earlier.rows_used -= 1,
                    None => fs.rows_used -= 1,
                }
            }
            fs.rows_used += 1;
            Ok(())
        })
        .map_err(|e| locate(e, &src.name))?;
        if !data {
            return Err(input(
                &src.name,
                "no PTP rows found: expected tab-delimited rows of column 1 code, column 2 code, prior-1996 flag, effective date, deletion date, modifier indicator, rationale",
            ));
        }
        tick.report(&src.name, text.len(), text.len());
        st.files.push(fs);
    }
    let mut keys: Vec<_> = rows.keys().copied().collect();
    keys.sort_unstable();
    let mut out = Vec::with_capacity(keys.len() * super::PTP_ROW);
    let mut codes = std::collections::HashSet::new();
    let (mut lo, mut hi, mut n) = (u16::MAX, 0u16, 0usize);
    // Rows that never apply, reported in file order.
    let mut never: Vec<((u16, u32), &'static str)> = Vec::new();
    for k in keys {
        let Some(v) = rows.get(&k) else { continue };
        if v.ind == 9 {
            never.push((v.at, "modifier indicator 9 (the edit does not apply)"));
            continue;
        }
        let to = match v.del {
            Some(d) if d <= k.2 => {
                never.push((v.at, "deleted on or before its effective date (never in effect)"));
                continue;
            }
            Some(d) => d - 1,
            None => OPEN_END,
        };
        out.extend_from_slice(&k.0);
        out.extend_from_slice(&k.1);
        out.extend_from_slice(&k.2.to_le_bytes());
        out.extend_from_slice(&to.to_le_bytes());
        out.push(v.ind);
        out.push(v.flags);
        codes.insert(k.0);
        codes.insert(k.1);
        lo = lo.min(k.2);
        hi = hi.max(to);
        n += 1;
    }
    never.sort_unstable();
    for ((file, line), reason) in never {
        st.skip(reason, format!("{}:{line}", source_name(sources, file as usize)));
        if let Some(f) = st.files.get_mut(file as usize) {
            f.rows_used -= 1;
        }
    }
    if n == 0 {
        return Err(input(
            "pack build",
            "no edit in the files is ever in effect (every row has indicator 9 or was deleted on its effective date)",
        ));
    }
    Ok(Built {
        body: Body::Rows { kind: Kind::NcciPtp, tag: b"PTPR", rationales: rats.list, rows: out },
        entries: n,
        codes: codes.len(),
        range: (lo, hi),
        setting: common_setting(&settings),
    })
}

// ---- MUE ----

struct MueCols {
    code: usize,
    value: usize,
    mai: usize,
    rationale: Option<usize>,
    from: Option<usize>,
    to: Option<usize>,
}

struct MueVal {
    to: Option<u16>,
    value: u32,
    mai: u8,
    rationale: u8,
    at: (u16, u32),
}

fn mai_cell(s: &str) -> Option<u8> {
    let t = s.trim();
    let mut chars = t.chars();
    let d = chars.next()?;
    let rest = chars.as_str();
    (matches!(d, '1'..='3') && !rest.starts_with(|c: char| c.is_ascii_digit())).then(|| d as u8 - b'0')
}

fn mue(sources: &[Source], st: &mut State, progress: &mut dyn FnMut(&Progress)) -> Result<Built> {
    let mut rows: HashMap<([u8; 5], u16), MueVal> = HashMap::new();
    let mut rats = Rationales::default();
    let mut settings = Vec::new();
    for (fi, src) in sources.iter().enumerate() {
        let text = decode(&src.bytes);
        let delim = match delimiter(&src.name, &text) {
            Delim::Space => Delim::Tab,
            d => d,
        };
        let mut setting = setting_of(&src.name);
        let mut fs = FileSummary { file: src.name.clone(), header_lines: 0, rows_read: 0, rows_used: 0 };
        let mut cols: Option<MueCols> = None;
        let mut data = false;
        let mut tick = Ticker { progress: &mut *progress, file_index: fi, files: sources.len(), rows: 0 };
        records(&text, delim, |line, done, f| {
            if blank(f) {
                return Ok(());
            }
            let at = format!("{}:{line}", src.name);
            if cols.is_none() {
                let header: Vec<String> = f.iter().map(|h| h.trim().to_ascii_lowercase()).collect();
                let code = column(&header, |h| h.contains("code"));
                let value = column(&header, |h| h.contains("value"));
                let mai = column(&header, |h| h.contains("adjudication") || h == "mai");
                if let (Some(code), Some(value), Some(mai)) = (code, value, mai) {
                    // The header names the columns (and the value column the setting).
                    if let Some(s) = header.get(value).and_then(|h| setting_of(h)) {
                        setting = Some(s);
                    }
                    cols = Some(MueCols {
                        code,
                        value,
                        mai,
                        rationale: column(&header, |h| h.contains("rationale")),
                        from: column(&header, is_start_header),
                        to: column(&header, is_end_header),
                    });
                    fs.header_lines += 1;
                    return Ok(());
                }
                if f.first().and_then(|c| code5(c)).is_none()
                    || f.len() < 3
                    || f.get(1).is_none_or(|v| v.trim().parse::<u32>().is_err())
                {
                    fs.header_lines += 1; // a notice line
                    return Ok(());
                }
                // No header: the official column order, then any effective and end dates.
                let col = |i: usize| (f.len() > i).then_some(i);
                cols = Some(MueCols { code: 0, value: 1, mai: 2, rationale: col(3), from: col(4), to: col(5) });
            }
            let c = cols.as_ref().unwrap_or(&DEFAULT_MUE);
            let cell = |i: usize| f.get(i).map(|s| s.trim()).unwrap_or("");
            let Some(code) = code5(cell(c.code)) else {
                if data {
                    fs.rows_read += 1;
                    st.skip("not an MUE row (the code column holds no code)", at);
                } else {
                    fs.header_lines += 1;
                }
                return Ok(());
            };
            data = true;
            fs.rows_read += 1;
            tick.row(&src.name, done, text.len());
            let value: u32 = cell(c.value)
                .parse()
                .map_err(|_| input(&at, &format!("MUE value {:?} is not a whole number", cell(c.value))))?;
            let mai = mai_cell(cell(c.mai)).ok_or_else(|| {
                input(
                    &at,
                    &format!("MUE adjudication indicator {:?}: expected 1 (line edit), 2 (date of service edit: policy) or 3 (date of service edit: clinical)", cell(c.mai)),
                )
            })?;
            let date = |i: Option<usize>, what: &str| -> Result<Option<u16>> {
                match i {
                    None => Ok(None),
                    Some(i) => date_cell(cell(i)).map_err(|e| input(&at, &format!("{what}: {e}"))),
                }
            };
            let from = date(c.from, "effective date")?.unwrap_or(0);
            let to = date(c.to, "end date")?;
            if to.is_some_and(|t| t < from) {
                return Err(input(&at, &format!("{code}: the end date is before the effective date")));
            }
            let rationale = rats.get(c.rationale.map(cell).unwrap_or(""), &at)?;
            let v = MueVal { to, value, mai, rationale, at: (fi as u16, line as u32) };
            if let Some(old) = rows.insert((fixed5(&code), from), v) {
                st.skip(
                    "replaced by a later row for the same code and effective date",
                    format!("{}:{}", source_name(sources, old.at.0 as usize), old.at.1),
                );
                match st.files.get_mut(old.at.0 as usize) {
                    Some(earlier) => earlier.rows_used -= 1,
                    None => fs.rows_used -= 1,
                }
            }
            fs.rows_used += 1;
            Ok(())
        })
        .map_err(|e| locate(e, &src.name))?;
        if !data {
            return Err(input(
                &src.name,
                "no MUE rows found: expected rows of code, MUE value, MUE adjudication indicator, rationale (after the notice and header lines)",
            ));
        }
        settings.push(setting);
        tick.report(&src.name, text.len(), text.len());
        st.files.push(fs);
    }
    let mut keys: Vec<_> = rows.keys().copied().collect();
    keys.sort_unstable();
    let mut out = Vec::with_capacity(keys.len() * super::MUE_ROW);
    let (mut lo, mut hi) = (u16::MAX, 0u16);
    let mut codes = 0;
    let mut last: Option<[u8; 5]> = None;
    for k in &keys {
        let Some(v) = rows.get(k) else { continue };
        let to = v.to.unwrap_or(OPEN_END);
        out.extend_from_slice(&k.0);
        out.push(v.mai);
        out.extend_from_slice(&k.1.to_le_bytes());
        out.extend_from_slice(&to.to_le_bytes());
        out.extend_from_slice(&v.value.to_le_bytes());
        out.push(v.rationale);
        out.push(0);
        if last != Some(k.0) {
            codes += 1;
            last = Some(k.0);
        }
        lo = lo.min(k.1);
        hi = hi.max(to);
    }
    Ok(Built {
        body: Body::Rows { kind: Kind::Mue, tag: b"MUER", rationales: rats.list, rows: out },
        entries: keys.len(),
        codes,
        range: (lo.min(hi), hi),
        setting: common_setting(&settings),
    })
}

const DEFAULT_MUE: MueCols = MueCols { code: 0, value: 1, mai: 2, rationale: None, from: None, to: None };

#[cfg(test)]
mod tests {
    use super::*;

    fn recs(text: &str, d: Delim) -> Vec<(usize, Vec<String>)> {
        let mut out = Vec::new();
        records(text, d, |l, _, f| {
            out.push((l, f.iter().map(|x| x.to_string()).collect()));
            Ok(())
        })
        .unwrap();
        out
    }

    #[test]
    fn csv_fields_keep_quoted_commas_and_quotes() {
        let r = recs("a,\"b, c\",\"say \"\"hi\"\"\"\r\n1,2,3\n", Delim::Comma);
        assert_eq!(
            r,
            [(1, vec!["a".into(), "b, c".into(), "say \"hi\"".into()]), (2, vec!["1".into(), "2".into(), "3".into()])]
        );
    }

    #[test]
    fn tab_lines_are_numbered_from_one() {
        let r = recs("x\ty\r\n\n00000\tMade-up\n", Delim::Tab);
        assert_eq!(r.len(), 3);
        assert_eq!(r[2], (3, vec!["00000".into(), "Made-up".into()]));
    }

    #[test]
    fn dates_in_three_forms() {
        assert_eq!(date_cell("19700102"), Ok(Some(1)));
        assert_eq!(date_cell("1970-01-02"), Ok(Some(1)));
        assert_eq!(date_cell("1/2/1970"), Ok(Some(1)));
        assert_eq!(date_cell("*"), Ok(None));
        assert!(date_cell("20230230").is_err());
        assert!(date_cell("2023").is_err());
    }

    #[test]
    fn mai_cells() {
        assert_eq!(mai_cell("1 Line Edit"), Some(1));
        assert_eq!(mai_cell("3 Date of Service Edit: Clinical"), Some(3));
        assert_eq!(mai_cell("2"), Some(2));
        assert_eq!(mai_cell("12"), None);
        assert_eq!(mai_cell("Line"), None);
    }

    #[test]
    fn latin1_text_is_read() {
        assert_eq!(decode(b"caf\xe9"), "café");
        assert_eq!(decode(b"\xEF\xBB\xBFok"), "ok");
    }
}
