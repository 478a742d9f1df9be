//! The claim scrubber against its golden fixtures (`tests/fixtures/claims/`).
//!
//! Every edit of the catalogue but NCCI-MUE (which needs an MUE pack; this
//! harness scrubs without packs, so its tests are in `packs.rs`) has a directory named after its id
//! with `fires.json` (a claim the edit must flag) and `clean.json` (a
//! near-identical claim it must not flag), their FHIR R4 twins
//! (`*.fhir.json`, generated with `medcode::scrub::convert::to_fhir`) and the
//! exact pretty JSON of each scrub with today = 2026-11-27 (`*.out.json`,
//! `*.fhir.out.json`). `base.json` is the clean 4-line claim they are all
//! derived from.
//!
//! `MEDCODE_BLESS=1 cargo test --test it golden` rewrites the generated files
//! (the FHIR twins and the outputs); `fires.json`/`clean.json` are written by hand.
//!
//! Licensing: the fixtures hold no CPT code; the one CPT-format code used,
//! `00000`, is made up (no such CPT code exists).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use medcode::scrub::convert::to_fhir;
use medcode::scrub::{ScrubOptions, CATALOGUE};
use medcode::{ScrubResult, Severity};
use serde_json::Value;

use crate::{date, mc};

pub const TODAY: &str = "2026-11-27";

/// Where each edit's `fires.json` is expected to be flagged (a pointer into
/// the medcode claim) and the codes the finding names.
const EXPECT: &[(&str, &str, &[&str])] = &[
    ("CLAIM-MALFORMED", "/renderingProvider/npi", &[]),
    ("PATIENT-DOB", "/patient/birthDate", &[]),
    ("PATIENT-SEX", "/patient/sex", &[]),
    ("NPI-INVALID", "/billingProvider/npi", &["1234567890"]),
    ("POS-INVALID", "/lines/1/placeOfService", &["35"]),
    ("DATE-INVALID", "/lines/2/serviceDate", &[]),
    ("DATE-ORDER", "/lines/3/serviceDateTo", &[]),
    ("DATE-FUTURE", "/lines/2/serviceDate", &[]),
    ("DX-COUNT", "/diagnoses", &[]),
    ("DX-DUPLICATE", "/diagnoses/3", &["E11.9"]),
    ("DXPTR-INVALID", "/lines/2/diagnosisPointers/1", &[]),
    ("DXPTR-COUNT", "/lines/1/diagnosisPointers", &[]),
    ("MOD-COUNT", "/lines/3/modifiers", &[]),
    ("MOD-INVALID", "/lines/3/modifiers/1", &["ZZ"]),
    ("UNITS-INVALID", "/lines/2/units", &[]),
    ("CHARGE-INVALID", "/lines/1/charge", &[]),
    ("LINE-DUPLICATE", "/lines/4", &["J3420"]),
    ("DX-INVALID", "/diagnoses/1", &["E78.55"]),
    ("DX-NOT-BILLABLE", "/diagnoses/0", &["E11"]),
    ("DX-7TH-CHAR", "/diagnoses/3", &["S72.001"]),
    ("DX-PLACEHOLDER", "/diagnoses/3", &["S020A"]),
    ("DX-NOT-VALID-ON-DOS", "/diagnoses/3", &["S30.1XXA"]),
    ("DX-EXTERNAL-CAUSE-FIRST", "/diagnoses/0", &["W19.XXXA"]),
    ("DX-MANIFESTATION-FIRST", "/diagnoses/0", &["F02.80"]),
    ("DX-FIRST-LISTED-ONLY", "/diagnoses/1", &["Z00.00"]),
    ("DX-EXCLUDES1", "/diagnoses/3", &["E11.9", "E10.9"]),
    ("DX-CODE-FIRST", "/diagnoses/3", &["N18.30"]),
    ("DX-USE-ADDITIONAL", "/diagnoses/0", &["E11.9"]),
    ("DX-AGE", "/diagnoses/3", &["Z33.1"]),
    ("DX-SEX", "/diagnoses/3", &["C61"]),
    ("DX-UNPOINTED", "/diagnoses/4", &["K21.9"]),
    ("PX-FORMAT", "/lines/1/code", &["G-444"]),
    ("PX-INVALID", "/lines/0/code", &["G0349"]),
    ("PX-NOT-VALID-ON-DOS", "/lines/1/code", &["G2012"]),
    ("PX-CPT-UNCHECKED", "/lines/1/code", &["00000"]),
    ("PX-AGE", "/lines/3/code", &["E0602"]),
    ("NCCI-PTP", "/lines/1/code", &["G0438", "G0444"]),
];

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/claims")
}

pub fn bless() -> bool {
    std::env::var("MEDCODE_BLESS").is_ok_and(|v| !v.is_empty() && v != "0")
}

pub fn opts() -> ScrubOptions {
    ScrubOptions { today: date(TODAY), format: None }
}

pub fn scrub(doc: &Value) -> ScrubResult {
    mc().scrub_value(doc, &opts(), "1").expect("a readable claim")
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn pretty(v: &impl serde::Serialize) -> String {
    serde_json::to_string_pretty(v).unwrap() + "\n"
}

/// The catalogue ids that have fixtures (all but NCCI-MUE, which needs an MUE pack).
fn fixture_edits() -> Vec<&'static str> {
    CATALOGUE.iter().map(|(id, _)| *id).filter(|id| *id != "NCCI-MUE").collect()
}

/// The claim files: `base.json` and every edit's `fires.json` and `clean.json`.
fn claim_files() -> Vec<PathBuf> {
    let dir = fixtures();
    let mut v = vec![dir.join("base.json")];
    for e in fixture_edits() {
        v.push(dir.join(e).join("fires.json"));
        v.push(dir.join(e).join("clean.json"));
    }
    v
}

/// `fires.json` → `fires.<suffix>`.
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let stem = path.file_stem().unwrap().to_str().unwrap();
    path.with_file_name(format!("{stem}.{suffix}"))
}

fn fhir_twin(path: &Path) -> Value {
    read_json(&sibling(path, "fhir.json"))
}

/// Writes through a temporary file, so tests reading `path` at the same
/// time never see it half written.
pub fn write_atomic(path: &Path, text: &str) {
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, text).unwrap_or_else(|e| panic!("{}: {e}", tmp.display()));
    std::fs::rename(&tmp, path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

/// Compares `text` with a golden file (or rewrites it when blessing); a
/// mismatch is added to `bad`.
fn golden(path: &Path, text: &str, bad: &mut Vec<String>) {
    if bless() {
        write_atomic(path, text);
        return;
    }
    match std::fs::read_to_string(path) {
        Ok(old) if old == text => {}
        Ok(_) => bad.push(format!("{} differs", path.display())),
        Err(e) => bad.push(format!("{}: {e}", path.display())),
    }
}

fn has(res: &ScrubResult, edit: &str) -> bool {
    res.findings.iter().any(|f| f.edit == edit)
}

fn edit_ids(res: &ScrubResult) -> Vec<&'static str> {
    let mut v: Vec<&'static str> = res.findings.iter().map(|f| f.edit).collect();
    v.sort();
    v
}

/// The parts of a finding that do not depend on the input shape.
fn shape_free(res: &ScrubResult) -> Vec<String> {
    let mut v: Vec<String> =
        res.findings.iter().map(|f| format!("{} {:?} {:?} {:?}", f.edit, f.severity, f.codes, f.suggestions)).collect();
    v.sort();
    v
}

fn assert_paths_resolve(doc: &Value, res: &ScrubResult, what: &str) {
    for f in &res.findings {
        assert!(
            doc.pointer(&f.path).is_some(),
            "{what}: {} path {:?} does not resolve in the document",
            f.edit,
            f.path
        );
    }
}

#[test]
fn golden_outputs_and_fhir_twins_are_up_to_date() {
    let mut bad = Vec::new();
    for path in claim_files() {
        let doc = read_json(&path);
        let fhir = to_fhir(&doc).expect("a medcode claim converts to FHIR");
        golden(&sibling(&path, "fhir.json"), &pretty(&fhir), &mut bad);
        golden(&sibling(&path, "out.json"), &pretty(&scrub(&doc)), &mut bad);
        golden(&sibling(&path, "fhir.out.json"), &pretty(&scrub(&fhir)), &mut bad);
    }
    assert!(bad.is_empty(), "golden files out of date (rerun with MEDCODE_BLESS=1 to rewrite):\n{}", bad.join("\n"));
}

#[test]
fn every_edit_but_mue_has_a_fixture_and_an_expectation() {
    let dirs: Vec<String> = std::fs::read_dir(fixtures())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    for e in fixture_edits() {
        assert!(dirs.iter().any(|d| d == e), "no fixture directory for {e}");
        assert!(EXPECT.iter().any(|(x, _, _)| *x == e), "no expectation for {e}");
    }
    for d in &dirs {
        assert!(fixture_edits().contains(&d.as_str()), "fixture directory {d} is not a catalogue edit");
    }
    assert_eq!(EXPECT.len(), fixture_edits().len());
    assert_eq!(fixture_edits().len(), 37);
}

#[test]
fn the_base_claim_is_clean() {
    let path = fixtures().join("base.json");
    for (what, doc) in [("medcode", read_json(&path)), ("fhir", fhir_twin(&path))] {
        let res = scrub(&doc);
        assert!(!res.has_errors(), "{what}: {:#?}", res.findings);
        assert!(res.findings.is_empty(), "{what}: the base claim should have no finding at all: {:#?}", res.findings);
    }
}

#[test]
fn each_fixture_fires_its_edit_where_expected() {
    for &(edit, path, codes) in EXPECT {
        let doc = read_json(&fixtures().join(edit).join("fires.json"));
        let res = scrub(&doc);
        let hits: Vec<_> = res.findings.iter().filter(|f| f.edit == edit).collect();
        assert!(!hits.is_empty(), "{edit}: fires.json gives {:?}", edit_ids(&res));
        assert!(
            hits.iter().any(|f| f.path == path && f.codes == codes),
            "{edit}: expected a finding at {path} naming {codes:?}, got {hits:#?}"
        );
        let severity = CATALOGUE.iter().find(|(e, _)| *e == edit).unwrap().1;
        for f in &hits {
            assert_eq!(serde_json::to_value(f.severity).unwrap(), severity, "{edit}: severity");
            assert!(!f.message.is_empty(), "{edit}: empty message");
        }
        assert_paths_resolve(&doc, &res, &format!("{edit}/fires.json"));
    }
}

#[test]
fn each_clean_fixture_does_not_fire_its_edit_and_has_no_error() {
    for edit in fixture_edits() {
        let doc = read_json(&fixtures().join(edit).join("clean.json"));
        let res = scrub(&doc);
        assert!(!has(&res, edit), "{edit}: clean.json fires it: {:#?}", res.findings);
        assert!(!res.has_errors(), "{edit}: clean.json has an error finding: {:#?}", res.findings);
        assert_paths_resolve(&doc, &res, &format!("{edit}/clean.json"));
    }
}

#[test]
fn fhir_twins_give_the_same_edits_with_paths_into_the_fhir_document() {
    for path in claim_files() {
        let doc = read_json(&path);
        let fhir = fhir_twin(&path);
        assert_eq!(fhir["resourceType"], "Claim");
        let (a, b) = (scrub(&doc), scrub(&fhir));
        let name = path.strip_prefix(fixtures()).unwrap().display().to_string();
        assert_eq!(a.claim, b.claim, "{name}: claim id");
        assert_eq!(edit_ids(&a), edit_ids(&b), "{name}: edit ids differ between medcode and FHIR");
        assert_eq!(shape_free(&a), shape_free(&b), "{name}: codes/suggestions differ between medcode and FHIR");
        assert_paths_resolve(&doc, &a, &name);
        assert_paths_resolve(&fhir, &b, &format!("{name} (FHIR)"));
        for f in &b.findings {
            assert!(
                f.path.is_empty()
                    || ["/contained/", "/diagnosis", "/item", "/provider"].iter().any(|p| f.path.starts_with(p)),
                "{name}: FHIR path {} does not look like a FHIR path",
                f.path
            );
        }
    }
}

#[test]
fn the_fhir_twins_are_fhir_claims() {
    let doc = fhir_twin(&fixtures().join("base.json"));
    assert_eq!(doc["resourceType"], "Claim");
    assert_eq!(doc["diagnosis"][0]["diagnosisCodeableConcept"]["coding"][0]["code"], "E11.9");
    assert_eq!(doc["item"][0]["productOrService"]["coding"][0]["code"], "G0439");
    // And a FHIR finding points at the FHIR element.
    let res = scrub(&fhir_twin(&fixtures().join("DX-NOT-BILLABLE/fires.json")));
    let f = res.findings.iter().find(|f| f.edit == "DX-NOT-BILLABLE").unwrap();
    assert_eq!(f.path, "/diagnosis/0/diagnosisCodeableConcept/coding/0/code");
}

// ---- date-aware cases (issue 3, "Must show") ----

fn base() -> Value {
    read_json(&fixtures().join("base.json"))
}

/// The base claim with diagnosis `i` replaced and every line on `dos`.
fn with_dx(i: usize, code: &str, dos: &str) -> Value {
    let mut c = base();
    c["diagnoses"][i] = Value::from(code);
    for l in c["lines"].as_array_mut().unwrap() {
        l["serviceDate"] = Value::from(dos);
    }
    c
}

fn findings_at<'r>(res: &'r ScrubResult, path: &str) -> Vec<&'r medcode::Finding> {
    res.findings.iter().filter(|f| f.path == path).collect()
}

#[test]
fn e11_a_is_valid_from_fy2026_only() {
    let res = scrub(&with_dx(0, "E11.A", "2025-06-01"));
    let f = findings_at(&res, "/diagnoses/0");
    assert!(
        f.iter().any(|f| f.edit == "DX-NOT-VALID-ON-DOS" && f.codes == ["E11.A"] && f.message.contains("2025-10-01")),
        "{f:#?}"
    );
    let res = scrub(&with_dx(0, "E11.A", "2026-05-01"));
    assert!(findings_at(&res, "/diagnoses/0").iter().all(|f| f.severity != Severity::Error), "{:#?}", res.findings);
    assert!(!has(&res, "DX-NOT-VALID-ON-DOS"));
}

#[test]
fn c61_for_a_female_patient_is_a_sex_edit_only_before_fy2025() {
    let res = scrub(&with_dx(3, "C61", "2024-05-01"));
    assert!(res.findings.iter().any(|f| f.edit == "DX-SEX" && f.path == "/diagnoses/3" && f.codes == ["C61"]));
    let res = scrub(&with_dx(3, "C61", "2025-05-01"));
    assert!(!has(&res, "DX-SEX"), "{:#?}", res.findings);
}

#[test]
fn m54_5_is_valid_before_its_fy2022_expansion() {
    let res = scrub(&with_dx(3, "M54.5", "2021-06-01"));
    assert!(!res.has_errors(), "{:#?}", res.findings);
    // After the expansion it is a header whose billable children are suggested.
    let res = scrub(&with_dx(3, "M54.5", "2026-05-01"));
    let f = res.findings.iter().find(|f| f.edit == "DX-NOT-BILLABLE").expect("M54.5 is a header in FY2026");
    assert!(f.suggestions.iter().any(|s| s == "M54.50"), "{f:#?}");
}

#[test]
fn e11_is_not_billable_and_suggests_e11_9() {
    let res = scrub(&with_dx(0, "E11", "2026-05-01"));
    let f = res.findings.iter().find(|f| f.edit == "DX-NOT-BILLABLE").expect("DX-NOT-BILLABLE");
    assert_eq!(f.path, "/diagnoses/0");
    assert!(f.suggestions.iter().any(|s| s == "E11.9"), "{:?}", f.suggestions);
    assert!(f.suggestions.len() <= 10);
}

#[test]
fn s020a_is_a_missing_placeholder_for_s02_0xxa() {
    let res = scrub(&with_dx(3, "S020A", "2026-05-01"));
    let f = res.findings.iter().find(|f| f.edit == "DX-PLACEHOLDER").expect("DX-PLACEHOLDER");
    assert_eq!(f.path, "/diagnoses/3");
    assert_eq!(f.suggestions, ["S02.0XXA"]);
}

#[test]
fn ncci_indicator_1_is_a_warning_that_a_distinct_service_modifier_clears() {
    // G0439 / G0250 is an indicator-1 pair in the bundled Level II edits.
    let mut c = base();
    c["lines"][1]["code"] = Value::from("G0250");
    let res = scrub(&c);
    let f = res.findings.iter().find(|f| f.edit == "NCCI-PTP").expect("NCCI-PTP");
    assert_eq!((f.severity, f.path.as_str()), (Severity::Warning, "/lines/1/code"));
    c["lines"][1]["modifiers"] = serde_json::json!(["59"]);
    assert!(!has(&scrub(&c), "NCCI-PTP"));
}

// ---- determinism ----

#[test]
fn the_same_input_gives_byte_identical_output() {
    for path in claim_files() {
        let doc = read_json(&path);
        let text = std::fs::read_to_string(&path).unwrap();
        let compact = serde_json::to_string(&doc).unwrap();
        let a = serde_json::to_string(&scrub(&doc)).unwrap();
        let b = serde_json::to_string(&scrub(&doc)).unwrap();
        let c = serde_json::to_string(&mc().scrub_str(&text, &opts(), "1").unwrap()).unwrap();
        let d = serde_json::to_string(&mc().scrub_str(&compact, &opts(), "1").unwrap()).unwrap();
        assert_eq!(a, b, "{}", path.display());
        assert_eq!(a, c, "{}", path.display());
        assert_eq!(a, d, "{}", path.display());
    }
}

#[test]
fn findings_are_sorted_by_path_then_edit() {
    for path in claim_files() {
        for doc in [read_json(&path), fhir_twin(&path)] {
            let res = scrub(&doc);
            for w in res.findings.windows(2) {
                let o = medcode::scrub::compare_paths(&w[0].path, &w[1].path).then(w[0].edit.cmp(w[1].edit));
                assert!(o.is_le(), "{}: {:?} before {:?}", path.display(), w[0], w[1]);
            }
        }
    }
}

// ---- the CLI ----

fn run_scrub(stdin: &str, args: &[&str]) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_medcode"))
        .args(["scrub", "-", "--today", TODAY])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run medcode");
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn ndjson(files: &[PathBuf]) -> String {
    files.iter().map(|p| serde_json::to_string(&read_json(p)).unwrap() + "\n").collect()
}

#[test]
fn cli_fires_every_edit_from_its_fixture_like_the_library() {
    let files: Vec<PathBuf> = fixture_edits().iter().map(|e| fixtures().join(e).join("fires.json")).collect();
    let fhir: Vec<String> =
        files.iter().map(|p| serde_json::to_string(&fhir_twin(p)).unwrap() + "\n").collect::<Vec<_>>();
    let input = ndjson(&files) + &fhir.concat();
    let (code, out, err) = run_scrub(&input, &[]);
    assert_eq!(code, 1, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2 * files.len());
    for (i, line) in lines.iter().enumerate() {
        let edit = fixture_edits()[i % files.len()];
        let got: Value = serde_json::from_str(line).unwrap();
        let golden = if i < files.len() { "fires.out.json" } else { "fires.fhir.out.json" };
        let want = read_json(&fixtures().join(edit).join(golden));
        assert_eq!(got, want, "line {}: {edit}", i + 1);
        assert!(got["findings"].as_array().unwrap().iter().any(|f| f["edit"] == edit), "{edit}");
    }
}

#[test]
fn cli_ndjson_keeps_order_reports_garbage_and_exits_2() {
    let dir = fixtures();
    let mut input = ndjson(&[dir.join("base.json"), dir.join("DX-NOT-BILLABLE/fires.json")]);
    input.push_str("{\"patient\": oops}\n");
    input.push_str(&ndjson(&[dir.join("DX-UNPOINTED/fires.json")]));
    input.push_str(&(serde_json::to_string(&fhir_twin(&dir.join("NCCI-PTP/fires.json"))).unwrap() + "\n"));
    input.push_str("[1, 2]\n");
    let (code, out, err) = run_scrub(&input, &[]);
    assert_eq!(code, 2, "{out}{err}");
    let lines: Vec<Value> = out.lines().map(|l| serde_json::from_str(l).expect("each output line is JSON")).collect();
    assert_eq!(lines.len(), 6);
    assert_eq!(lines[0]["claim"], "base");
    assert_eq!(lines[1]["claim"], "DX-NOT-BILLABLE-fires");
    assert_eq!(lines[2]["line"], 3);
    assert!(lines[2]["error"].as_str().unwrap().contains("JSON"), "{}", lines[2]);
    assert_eq!(lines[3]["claim"], "DX-UNPOINTED-fires");
    assert_eq!(lines[4]["claim"], "NCCI-PTP-fires");
    assert_eq!(lines[5]["line"], 6);
    assert!(err.contains("line 3"), "{err}");
}

#[test]
fn cli_exit_0_when_clean_and_1_on_an_error_finding() {
    let dir = fixtures();
    // Clean claims (info findings at most), one of them as FHIR.
    let clean = [dir.join("base.json"), dir.join("DX-UNPOINTED/fires.json"), dir.join("NCCI-PTP/clean.json")];
    let mut input = ndjson(&clean);
    input.push_str(&(serde_json::to_string(&fhir_twin(&dir.join("base.json"))).unwrap() + "\n"));
    let (code, out, err) = run_scrub(&input, &[]);
    assert_eq!((code, out.lines().count()), (0, 4), "{out}{err}");

    let (code, out, _) = run_scrub(&ndjson(&[dir.join("base.json"), dir.join("NPI-INVALID/fires.json")]), &[]);
    assert_eq!((code, out.lines().count()), (1, 2), "{out}");

    // One pretty-printed claim as the whole input.
    let text = std::fs::read_to_string(dir.join("DX-NOT-BILLABLE/fires.json")).unwrap();
    let (code, out, _) = run_scrub(&text, &["--pretty"]);
    assert_eq!(code, 1);
    let want = std::fs::read_to_string(dir.join("DX-NOT-BILLABLE/fires.out.json")).unwrap();
    assert_eq!(out, want);
}

#[test]
fn only_error_edits_make_their_fires_fixture_an_error_claim() {
    // Each fixture changes one thing, so a warning or info edit's fixture has
    // no error finding, and an error edit's fixture has one.
    for edit in fixture_edits() {
        let res = scrub(&read_json(&fixtures().join(edit).join("fires.json")));
        let severity = CATALOGUE.iter().find(|(e, _)| *e == edit).unwrap().1;
        assert_eq!(res.has_errors(), severity == "error", "{edit}: {:#?}", res.findings);
    }
}
