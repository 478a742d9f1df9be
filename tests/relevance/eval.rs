//! The relevance suite's one implementation: load the queries of
//! `tests/relevance/*.json` and the floors of `floors.json`, run every query
//! through [`MedCode::search`], compute top-1/top-5/top-10 hit rates per
//! category and overall, and compare them with the floors.
//!
//! Included with `#[path]` by `examples/relevance.rs` (the command that
//! prints the table) and by `tests/relevance.rs` (the test that fails below
//! the floors), so both judge the same way.
//!
//! A query file is a JSON array of cases:
//!
//! ```json
//! {"query": "hbp", "system": null, "date": "2026-05-01", "expect": ["I10"], "rank": 10, "note": "why", "must": true}
//! ```
//!
//! `expect` lists what counts as a right answer: a code as displayed
//! (`I10`, `S72.001A`, `E1390`, `0DTJ4ZZ`), a family by prefix (`S72.0*`),
//! or an inclusive range of codes of one shape (`E0250-E0260`: HCPCS codes;
//! `M05-M19`: ICD-10-CM codes whose category falls in the range). A query
//! hits at position n when the n-th result is the first that matches;
//! `rank` is the position that is still acceptable; `must` marks the
//! queries the issue requires to succeed (a miss fails the suite on its own).

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use medcode::{Date, MedCode, SearchOptions, System};
use serde::Deserialize;
use serde_json::{json, Value};

/// Results asked for per query (at least; a case's `rank` may ask for more).
pub const TOP: usize = 10;
/// The suite must hold at least this many queries.
pub const MIN_QUERIES: usize = 220;
/// The queries issue 5 names under "Must show".
pub const MUST_SHOW: &[&str] = &["hbp", "stroke", "copd exac", "fx hip", "hypertention", "o2 concentrator", "hosp bed"];

/// One query of the suite.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    pub query: String,
    pub system: Option<String>,
    pub date: String,
    pub expect: Vec<String>,
    pub rank: usize,
    pub note: String,
    #[serde(default)]
    pub must: bool,
}

/// The queries of one file, named after it (`abbreviations.json` → `abbreviations`).
#[derive(Clone, Debug)]
pub struct Category {
    pub name: String,
    pub cases: Vec<Case>,
}

/// Minimum hit rates (0..1) of one category or of the whole suite.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Floor {
    pub top1: Option<f64>,
    pub top5: Option<f64>,
    pub top10: Option<f64>,
    /// Share of queries answered within their own acceptable rank.
    pub in_rank: Option<f64>,
}

/// `floors.json`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Floors {
    #[serde(default)]
    pub note: Option<String>,
    pub overall: Floor,
    pub categories: BTreeMap<String, Floor>,
}

/// `tests/relevance/` of this checkout.
pub fn suite_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("relevance")
}

/// Every `*.json` of `dir` but `floors.json`, sorted by name.
pub fn load_suite(dir: &Path) -> Result<Vec<Category>, String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .filter(|p| p.file_name().is_some_and(|n| n != "floors.json"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).map_err(|e| format!("{}: {e}", f.display()))?;
        let cases: Vec<Case> = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", f.display()))?;
        let name = f.file_stem().unwrap_or_default().to_string_lossy().into_owned();
        out.push(Category { name, cases });
    }
    if out.is_empty() {
        return Err(format!("{}: no query files", dir.display()));
    }
    Ok(out)
}

pub fn load_floors(dir: &Path) -> Result<Floors, String> {
    let f = dir.join("floors.json");
    let text = std::fs::read_to_string(&f).map_err(|e| format!("{}: {e}", f.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", f.display()))
}

// ---------------------------------------------------------------- patterns

/// One entry of `expect`.
#[derive(Clone, Debug, PartialEq)]
pub enum Pattern {
    Exact(String),
    Prefix(String),
    /// Inclusive; compares the first `lo.len()` characters of codes of the same shape.
    Range(String, String),
}

/// What a code looks like: ICD-10-CM (dotted, or a 3-character category),
/// HCPCS (5 characters), ICD-10-PCS (7 characters, no dot).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    Cm,
    Hcpcs,
    Pcs,
    Other,
}

fn shape(code: &str) -> Shape {
    if code.contains('.') || code.len() == 3 {
        Shape::Cm
    } else if code.len() == 5 {
        Shape::Hcpcs
    } else if code.len() == 7 {
        Shape::Pcs
    } else {
        Shape::Other
    }
}

impl Pattern {
    pub fn parse(s: &str) -> Result<Pattern, String> {
        let t = s.trim().to_ascii_uppercase();
        let ok = |x: &str| !x.is_empty() && x.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.');
        if let Some(p) = t.strip_suffix('*') {
            return if ok(p) { Ok(Pattern::Prefix(p.to_string())) } else { Err(format!("bad prefix {s:?}")) };
        }
        if let Some((lo, hi)) = t.split_once('-') {
            if !ok(lo) || !ok(hi) || lo.len() != hi.len() || lo > hi || shape(lo) != shape(hi) {
                return Err(format!("bad range {s:?} (two codes of one length, low first)"));
            }
            return Ok(Pattern::Range(lo.to_string(), hi.to_string()));
        }
        if ok(&t) {
            Ok(Pattern::Exact(t))
        } else {
            Err(format!("bad code {s:?}"))
        }
    }

    /// Does the displayed `code` count as right?
    pub fn matches(&self, code: &str) -> bool {
        match self {
            Pattern::Exact(c) => code == c,
            Pattern::Prefix(p) => code.starts_with(p.as_str()),
            Pattern::Range(lo, hi) => {
                let k = lo.len();
                code.len() >= k
                    && code.is_char_boundary(k)
                    && shape(code) == shape(lo)
                    && (lo.as_str()..=hi.as_str()).contains(&&code[..k])
            }
        }
    }

    /// Written for ICD-10-PCS (starts with a digit, or 7 characters without a dot).
    pub fn is_pcs(&self) -> bool {
        let s = match self {
            Pattern::Exact(s) | Pattern::Prefix(s) | Pattern::Range(s, _) => s,
        };
        s.as_bytes()[0].is_ascii_digit() || (matches!(self, Pattern::Exact(_)) && shape(s) == Shape::Pcs)
    }
}

/// The code as displayed, ICD-10-CM always dotted (whatever the search returns).
fn display_code(system: &str, code: &str) -> String {
    let c = code.trim().to_ascii_uppercase();
    if system == "icd10cm" && !c.contains('.') && c.len() > 3 {
        format!("{}.{}", &c[..3], &c[3..])
    } else {
        c
    }
}

// ---------------------------------------------------------------- evaluation

/// One query's result.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub case: Case,
    /// 1-based position of the first right result.
    pub position: Option<usize>,
    /// The first result: system, code, display.
    pub first: Option<(String, String, String)>,
    /// Why the query was not run (its code set is not in this build).
    pub skipped: Option<String>,
}

impl Outcome {
    fn within(&self, k: usize) -> bool {
        self.position.is_some_and(|p| p <= k)
    }
    pub fn in_rank(&self) -> bool {
        self.within(self.case.rank)
    }
}

/// Counts over a set of outcomes.
#[derive(Clone, Copy, Debug, Default)]
pub struct Rates {
    pub queries: usize,
    pub skipped: usize,
    pub top1: usize,
    pub top5: usize,
    pub top10: usize,
    pub in_rank: usize,
}

impl Rates {
    fn add(&mut self, o: &Outcome) {
        self.queries += 1;
        if o.skipped.is_some() {
            self.skipped += 1;
            return;
        }
        self.top1 += o.within(1) as usize;
        self.top5 += o.within(5) as usize;
        self.top10 += o.within(10) as usize;
        self.in_rank += o.in_rank() as usize;
    }

    fn merge(&mut self, r: &Rates) {
        self.queries += r.queries;
        self.skipped += r.skipped;
        self.top1 += r.top1;
        self.top5 += r.top5;
        self.top10 += r.top10;
        self.in_rank += r.in_rank;
    }

    /// Queries actually run.
    pub fn run(&self) -> usize {
        self.queries - self.skipped
    }

    /// The rate of a metric (`top1`, `top5`, `top10`, `in_rank`), `None` when nothing ran.
    pub fn rate(&self, metric: &str) -> Option<f64> {
        let n = match metric {
            "top1" => self.top1,
            "top5" => self.top5,
            "top10" => self.top10,
            "in_rank" => self.in_rank,
            _ => return None,
        };
        (self.run() > 0).then(|| n as f64 / self.run() as f64)
    }
}

pub struct CategoryReport {
    pub name: String,
    pub rates: Rates,
    pub outcomes: Vec<Outcome>,
}

pub struct Report {
    pub categories: Vec<CategoryReport>,
    pub overall: Rates,
    pub elapsed: Duration,
    /// Systems present in this build.
    pub systems: Vec<&'static str>,
}

fn parse_system(s: &str) -> Result<System, String> {
    System::parse(s).map_err(|e| format!("system {s:?}: {e}"))
}

/// Runs every query of `suite` against `mc`.
pub fn evaluate(mc: &MedCode, suite: &[Category]) -> Result<Report, String> {
    let systems: Vec<&'static str> = mc.sets().iter().map(|s| s.system.name()).collect();
    let has_pcs = mc.set(System::Icd10Pcs).is_some();
    let start = Instant::now();
    let mut categories = Vec::new();
    let mut overall = Rates::default();
    for cat in suite {
        let mut rates = Rates::default();
        let mut outcomes = Vec::new();
        for case in &cat.cases {
            let o = run_case(mc, case, has_pcs).map_err(|e| format!("{}: {:?}: {e}", cat.name, case.query))?;
            rates.add(&o);
            outcomes.push(o);
        }
        overall.merge(&rates);
        categories.push(CategoryReport { name: cat.name.clone(), rates, outcomes });
    }
    Ok(Report { categories, overall, elapsed: start.elapsed(), systems })
}

fn run_case(mc: &MedCode, case: &Case, has_pcs: bool) -> Result<Outcome, String> {
    let patterns = case.expect.iter().map(|s| Pattern::parse(s)).collect::<Result<Vec<_>, _>>()?;
    let system = case.system.as_deref().map(parse_system).transpose()?;
    let date = Date::parse("date", &case.date).map_err(|e| e.to_string())?;
    let skip = |why: &str| Outcome { case: case.clone(), position: None, first: None, skipped: Some(why.to_string()) };
    if let Some(sys) = system {
        if mc.set(sys).is_none() {
            return Ok(skip(&format!("{} is not in this build", sys.name())));
        }
    }
    if !has_pcs && (system == Some(System::Icd10Pcs) || patterns.iter().all(Pattern::is_pcs)) {
        return Ok(skip("icd10pcs is not in this build (--features icd10pcs)"));
    }
    let opts = SearchOptions { system, limit: TOP.max(case.rank), billable_only: false, ..SearchOptions::on(date) };
    let res = mc.search(&case.query, &opts);
    let mut position = None;
    for (i, r) in res.results.iter().enumerate() {
        let code = display_code(r.system, &r.code);
        if patterns.iter().any(|p| p.matches(&code)) {
            position = Some(i + 1);
            break;
        }
    }
    let first = res.results.first().map(|r| (r.system.to_string(), display_code(r.system, &r.code), r.display.clone()));
    Ok(Outcome { case: case.clone(), position, first, skipped: None })
}

// ---------------------------------------------------------------- floors

pub const METRICS: &[&str] = &["top1", "top5", "top10", "in_rank"];

fn floor_of(f: &Floor, metric: &str) -> Option<f64> {
    match metric {
        "top1" => f.top1,
        "top5" => f.top5,
        "top10" => f.top10,
        "in_rank" => f.in_rank,
        _ => None,
    }
}

/// Everything that fails the suite: a rate below its floor, a category
/// without a floor (or a floor without a category), a missed must-show query.
pub fn failures(report: &Report, floors: &Floors) -> Vec<String> {
    let mut out = Vec::new();
    let check = |out: &mut Vec<String>, name: &str, rates: &Rates, floor: &Floor| {
        for m in METRICS {
            if let (Some(min), Some(got)) = (floor_of(floor, m), rates.rate(m)) {
                if got + 1e-9 < min {
                    out.push(format!("{name}: {m} {:.2} % is below the floor {}", got * 100.0, pct(min)));
                }
            }
        }
    };
    for c in &report.categories {
        match floors.categories.get(&c.name) {
            Some(f) => check(&mut out, &c.name, &c.rates, f),
            None => out.push(format!("{}: no floor in floors.json", c.name)),
        }
    }
    check(&mut out, "overall", &report.overall, &floors.overall);
    for name in floors.categories.keys() {
        if !report.categories.iter().any(|c| &c.name == name) {
            out.push(format!("{name}: floors.json names a category with no query file"));
        }
    }
    for c in &report.categories {
        for o in &c.outcomes {
            if o.case.must && o.skipped.is_none() && !o.in_rank() {
                out.push(format!(
                    "{}: must-show query {:?} did not return {} within {}",
                    c.name,
                    o.case.query,
                    o.case.expect.join(", "),
                    o.case.rank
                ));
            }
        }
    }
    out
}

// ---------------------------------------------------------------- output

fn pct(x: f64) -> String {
    format!("{:.1} %", x * 100.0)
}

fn cell(r: &Rates, m: &str) -> String {
    r.rate(m).map(pct).unwrap_or_else(|| "n/a".into())
}

fn floor_cell(f: Option<&Floor>) -> String {
    let Some(f) = f else { return "none".into() };
    let parts: Vec<String> = METRICS
        .iter()
        .filter_map(|m| floor_of(f, m).map(|v| format!("{} ≥ {}", m.replace("top", "top-").replace('_', " "), pct(v))))
        .collect();
    if parts.is_empty() {
        "—".into()
    } else {
        parts.join(", ")
    }
}

/// The misses: queries not answered within their acceptable rank.
pub fn misses(report: &Report) -> Vec<(&str, &Outcome)> {
    report
        .categories
        .iter()
        .flat_map(|c| c.outcomes.iter().map(move |o| (c.name.as_str(), o)))
        .filter(|(_, o)| o.skipped.is_none() && !o.in_rank())
        .collect()
}

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|")
}

/// The table, the misses and the failures, in Markdown.
pub fn markdown(report: &Report, floors: &Floors) -> String {
    let mut s = String::new();
    s.push_str("| category | queries | top-1 | top-5 | top-10 | in rank | floor |\n");
    s.push_str("|---|---:|---:|---:|---:|---:|---|\n");
    let row = |s: &mut String, name: &str, r: &Rates, f: Option<&Floor>| {
        let q = if r.skipped > 0 { format!("{} ({} skipped)", r.run(), r.skipped) } else { r.queries.to_string() };
        s.push_str(&format!(
            "| {name} | {q} | {} | {} | {} | {} | {} |\n",
            cell(r, "top1"),
            cell(r, "top5"),
            cell(r, "top10"),
            cell(r, "in_rank"),
            floor_cell(f)
        ));
    };
    for c in &report.categories {
        row(&mut s, &c.name, &c.rates, floors.categories.get(&c.name));
    }
    row(&mut s, "**overall**", &report.overall, Some(&floors.overall));
    s.push_str(&format!(
        "\n{} queries in {:.2} s; systems: {}.\n",
        report.overall.run(),
        report.elapsed.as_secs_f64(),
        report.systems.join(", ")
    ));
    if report.overall.skipped > 0 {
        s.push_str(&format!(
            "{} queries skipped: their code set is not in this build (ICD-10-PCS needs `--features icd10pcs`).\n",
            report.overall.skipped
        ));
    }
    let ms = misses(report);
    s.push_str(&format!("\n### Misses ({})\n\n", ms.len()));
    if ms.is_empty() {
        s.push_str("None.\n");
    } else {
        s.push_str("| category | query | system | expected | rank | got | first result |\n");
        s.push_str("|---|---|---|---|---:|---|---|\n");
        for (cat, o) in ms {
            let got =
                o.position.map(|p| format!("#{p}")).unwrap_or_else(|| format!("not in top {}", TOP.max(o.case.rank)));
            let first = o
                .first
                .as_ref()
                .map(|(_, c, d)| format!("{c} {}", md_escape(d)))
                .unwrap_or_else(|| "(no results)".into());
            s.push_str(&format!(
                "| {cat} | `{}` | {} | {} | {} | {got} | {first} |\n",
                md_escape(&o.case.query),
                o.case.system.as_deref().unwrap_or("all"),
                md_escape(&o.case.expect.join(", ")),
                o.case.rank,
            ));
        }
    }
    let fails = failures(report, floors);
    s.push_str(&format!("\n### Floors: {}\n", if fails.is_empty() { "all met" } else { "FAILED" }));
    for f in fails {
        s.push_str(&format!("- {f}\n"));
    }
    s
}

fn rates_json(r: &Rates) -> Value {
    json!({
        "queries": r.queries,
        "skipped": r.skipped,
        "run": r.run(),
        "top1": r.rate("top1"),
        "top5": r.rate("top5"),
        "top10": r.rate("top10"),
        "in_rank": r.rate("in_rank"),
    })
}

fn floor_json(f: Option<&Floor>) -> Value {
    match f {
        None => Value::Null,
        Some(f) => json!({"top1": f.top1, "top5": f.top5, "top10": f.top10, "in_rank": f.in_rank}),
    }
}

/// The same as [`markdown`], for machines; every query's outcome included.
pub fn to_json(report: &Report, floors: &Floors) -> Value {
    let cats: Vec<Value> = report
        .categories
        .iter()
        .map(|c| {
            let mut v = rates_json(&c.rates);
            v["name"] = json!(c.name);
            v["floor"] = floor_json(floors.categories.get(&c.name));
            v["outcomes"] = c
                .outcomes
                .iter()
                .map(|o| {
                    json!({
                        "query": o.case.query,
                        "system": o.case.system,
                        "expect": o.case.expect,
                        "rank": o.case.rank,
                        "must": o.case.must,
                        "position": o.position,
                        "in_rank": o.skipped.is_none() && o.in_rank(),
                        "skipped": o.skipped,
                        "first": o.first.as_ref().map(|(s, c, d)| json!({"system": s, "code": c, "display": d})),
                    })
                })
                .collect();
            v
        })
        .collect();
    let mut overall = rates_json(&report.overall);
    overall["floor"] = floor_json(Some(&floors.overall));
    let fails = failures(report, floors);
    json!({
        "systems": report.systems,
        "elapsed_ms": report.elapsed.as_millis() as u64,
        "categories": cats,
        "overall": overall,
        "failures": fails,
        "ok": fails.is_empty(),
    })
}

// ---------------------------------------------------------------- suite checks

/// `[0-9]{4}[0-9AFTU]`: the CPT code format.
fn is_cpt_format(t: &str) -> bool {
    let b = t.as_bytes();
    b.len() == 5 && b[..4].iter().all(u8::is_ascii_digit) && (b[4].is_ascii_digit() || b"AFTU".contains(&b[4]))
}

/// `D` + 4 digits: a CDT (HCPCS D) code.
fn is_cdt(t: &str) -> bool {
    let b = t.as_bytes();
    b.len() == 5 && (b[0] == b'D' || b[0] == b'd') && b[1..].iter().all(u8::is_ascii_digit)
}

/// Problems with the suite itself: malformed entries, a CPT or CDT code
/// anywhere, an expectation that matches no code in effect on its date, a
/// missing must-show query, too few queries.
pub fn check_suite(mc: &MedCode, suite: &[Category]) -> Vec<String> {
    let mut out = Vec::new();
    let total: usize = suite.iter().map(|c| c.cases.len()).sum();
    if total < MIN_QUERIES {
        out.push(format!("{total} queries; the suite needs at least {MIN_QUERIES}"));
    }
    for must in MUST_SHOW {
        if !suite.iter().flat_map(|c| &c.cases).any(|c| c.query == *must && c.must) {
            out.push(format!("must-show query {must:?} is missing (or not marked \"must\": true)"));
        }
    }
    // Codes in effect per system and date, computed once per date.
    let mut in_effect: BTreeMap<String, Vec<(&'static str, Vec<String>)>> = BTreeMap::new();
    for cat in suite {
        let mut seen = std::collections::HashSet::new();
        for case in &cat.cases {
            let at = format!("{}: {:?}", cat.name, case.query);
            if !seen.insert((case.query.clone(), case.system.clone())) {
                out.push(format!("{at}: duplicate query"));
            }
            if case.query.trim().is_empty() || case.expect.is_empty() || case.note.trim().is_empty() {
                out.push(format!("{at}: empty query, expect or note"));
            }
            if !(1..=50).contains(&case.rank) {
                out.push(format!("{at}: rank {} is not within 1..=50", case.rank));
            }
            for text in std::iter::once(&case.query).chain(&case.expect).chain(std::iter::once(&case.note)) {
                for t in text.split(|c: char| !c.is_ascii_alphanumeric()) {
                    if is_cpt_format(t) || is_cdt(t) {
                        out.push(format!("{at}: {t:?} has the shape of a CPT or CDT code"));
                    }
                }
            }
            let system = match case.system.as_deref().map(parse_system).transpose() {
                Ok(s) => s,
                Err(e) => {
                    out.push(format!("{at}: {e}"));
                    continue;
                }
            };
            let Ok(date) = Date::parse("date", &case.date) else {
                out.push(format!("{at}: bad date {:?}", case.date));
                continue;
            };
            let codes = in_effect.entry(case.date.clone()).or_insert_with(|| {
                mc.sets()
                    .iter()
                    .filter(|s| s.system != System::PlaceOfService)
                    .map(|s| {
                        let v = (0..s.len() as u32)
                            .filter(|&o| s.exists_on(o, date))
                            .map(|o| display_code(s.system.name(), &s.code(o)))
                            .collect();
                        (s.system.name(), v)
                    })
                    .collect()
            });
            for e in &case.expect {
                let p = match Pattern::parse(e) {
                    Ok(p) => p,
                    Err(err) => {
                        out.push(format!("{at}: {err}"));
                        continue;
                    }
                };
                let searchable = |sys: &str| system.is_none_or(|s| s.name() == sys);
                let found =
                    codes.iter().filter(|(sys, _)| searchable(sys)).any(|(_, v)| v.iter().any(|c| p.matches(c)));
                let pcs_absent = p.is_pcs() && mc.set(System::Icd10Pcs).is_none();
                if !found && !pcs_absent {
                    out.push(format!("{at}: {e:?} matches no code in effect on {}", case.date));
                }
            }
        }
    }
    out
}
