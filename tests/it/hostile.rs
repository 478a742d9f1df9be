//! Hostile input: nothing a user or a file can send makes medcode panic or
//! hang. Each case must come back as findings or a clear error, quickly.

use std::time::{Duration, Instant};

use medcode::scrub::ScrubOptions;
use medcode::{GetOptions, SearchOptions};

use super::{date, mc};

fn opts() -> ScrubOptions {
    ScrubOptions { today: date("2026-11-27"), format: None }
}

/// Scrubs text; returns Ok(number of findings) or Err(message), within a time bound.
fn scrub(text: &str) -> Result<usize, String> {
    let t = Instant::now();
    let r = mc().scrub_str(text, &opts(), "1").map(|r| r.findings.len()).map_err(|e| e.0);
    assert!(t.elapsed() < Duration::from_secs(10), "took {:?}", t.elapsed());
    r
}

#[test]
fn empty_truncated_and_non_json_input_is_an_error_not_a_panic() {
    for text in ["", " ", "{", "{\"diagnoses\": [", "null", "42", "\"claim\"", "[1,2]", "not json", "{}}"] {
        let r = scrub(text);
        match text {
            "{}}" | "{" | "" | " " | "{\"diagnoses\": [" | "not json" | "null" | "42" | "\"claim\"" | "[1,2]" => {
                assert!(r.is_err(), "{text:?} gave {r:?}")
            }
            _ => {}
        }
    }
    // An empty object is a claim with every required field missing: findings.
    assert!(scrub("{}").unwrap() > 3);
}

#[test]
fn deep_nesting_is_refused_quickly() {
    let deep = "[".repeat(100_000) + &"]".repeat(100_000);
    assert!(scrub(&deep).unwrap_err().contains("nested deeper"));
    let deep_obj = format!("{{\"diagnoses\": {}{}}}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(scrub(&deep_obj).is_err());
}

#[test]
fn a_30_mb_string_is_refused_or_judged() {
    let big = format!("{{\"id\": \"{}\", \"diagnoses\": [\"E11.9\"]}}", "x".repeat(30 << 20));
    assert!(scrub(&big).unwrap_err().contains("bytes"));
    // A long code value inside the size limit is just an invalid code.
    let long = format!("{{\"diagnoses\": [\"{}\"], \"lines\": []}}", "E".repeat(1 << 20));
    assert!(scrub(&long).is_ok());
}

#[test]
fn many_lines_and_diagnoses_are_bounded() {
    let line = r#"{"code":"G0439","units":1,"charge":1,"serviceDate":"2026-05-01","diagnosisPointers":[1]}"#;
    let lines = vec![line; 20_000].join(",");
    let text = format!("{{\"diagnoses\": [\"E11.9\"], \"lines\": [{lines}]}}");
    assert!(scrub(&text).unwrap_err().contains("service lines"));
    let dx = vec!["\"E11.9\""; 100_000].join(",");
    let text = format!("{{\"diagnoses\": [{dx}], \"lines\": []}}");
    assert!(scrub(&text).unwrap_err().contains("diagnoses"));
    // Within the limits, many diagnoses are judged (DX-COUNT) without blowing up.
    let dx = vec!["\"E11.9\""; 900].join(",");
    let text = format!("{{\"diagnoses\": [{dx}], \"lines\": [{line}]}}");
    assert!(scrub(&text).unwrap() > 1);
}

#[test]
fn odd_characters_wrong_types_and_impossible_values_become_findings() {
    for text in [
        r#"{"diagnoses": ["E11\u0000.9", "\u202eE11.9", "é11.9", "💥"], "lines": [{"code": "G0439\u0000"}]}"#,
        r#"{"patient": [], "diagnoses": {"a": 1}, "lines": "none", "billingProvider": 5}"#,
        r#"{"patient": {"birthDate": "2026-02-30", "sex": 7}, "lines": [{"units": -1e308, "charge": 1e308, "serviceDate": "9999-99-99", "diagnosisPointers": [0, -5, 99999999999999999999, "Z", "", null, {}]}]}"#,
        r#"{"lines": [{"units": "NaN", "charge": "Infinity", "modifiers": [1, null, "25", "XXXXXXXXXXXX"], "serviceDate": "2026-05-01", "serviceDateTo": "1900-01-01"}]}"#,
        r#"{"diagnoses": ["E11.9"], "diagnoses": ["I10"], "lines": [], "lines": [{}]}"#,
        r#"{"resourceType": "Claim", "diagnosis": 5, "item": [{"productOrService": "x"}, null, 3], "contained": "no"}"#,
        r#"{"resourceType": "Claim", "item": [{"diagnosisSequence": [1e300, -1, "A"], "quantity": {"value": "x"}, "servicedPeriod": {"start": 5}}]}"#,
    ] {
        let r = scrub(text);
        assert!(r.is_ok(), "{text}: {r:?}");
    }
}

#[test]
fn invalid_utf8_on_the_command_line_is_a_clean_error() {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_medcode"))
        .args(["scrub", "-", "--today", "2026-11-27"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run medcode");
    child.stdin.take().expect("stdin").write_all(b"{\"diagnoses\": [\"\xff\xfe\"]}\n").expect("write");
    let out = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.starts_with("medcode: ") && !stderr.contains("panicked"), "{stderr}");
}

#[test]
fn hostile_queries_and_codes_do_not_panic() {
    let o = SearchOptions::on(date("2026-05-01"));
    let g = GetOptions { system: None, date: date("2026-05-01") };
    for q in [
        "",
        "\u{0}",
        "\u{202e}diab",
        "ééééé",
        "💥💥",
        ".",
        "...........",
        "-",
        "E",
        "E11.9.9.9",
        "S72.001AAAAAAAAA",
        "a b c d e f g h i j k l m n o p q r s t u v w x y z",
        &"x".repeat(100_000),
        &"diab ".repeat(1_000),
        "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz",
    ] {
        let t = Instant::now();
        let _ = mc().search(q, &o);
        let _ = mc().get(q, &g);
        let _ = mc().tree(q, &g);
        let _ = mc().seventh(q, &g);
        assert!(t.elapsed() < Duration::from_secs(2), "{:?} took {:?}", &q[..q.len().min(20)], t.elapsed());
    }
}

/// The inputs under `tests/fixtures/hostile/`, by extension: each once made
/// medcode panic (most were found by the fuzz targets, `fuzz/README.md`).
/// `*.mcpack` is loaded as a pack, `*.json` scrubbed as a claim; each must
/// come back as an error or a result, quickly.
fn hostile_fixtures(ext: &str) -> Vec<(String, Vec<u8>)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hostile");
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .expect("tests/fixtures/hostile")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.to_string_lossy().ends_with(ext))
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).expect("read")))
        .collect();
    out.sort();
    out
}

/// Found by `fuzz_targets/pack_open.rs`: CPT packs whose KEYS index carries
/// a correct CRC but a root address outside the index
/// (`pack-cpt-fst-root-outside-index`: index out of bounds) or a transition
/// pointing below the start of the index (`pack-cpt-fst-transition-below-start`:
/// subtraction overflow) made fst panic while medcode read the keys (a trap
/// in WebAssembly). Crafted fst indexes are now checked node by node before
/// fst walks them (`src/codeset/fst_check.rs`).
#[test]
fn crafted_packs_are_refused_not_panicked_on() {
    let packs = hostile_fixtures(".mcpack");
    for name in ["pack-cpt-fst-root-outside-index.mcpack", "pack-cpt-fst-transition-below-start.mcpack"] {
        assert!(packs.iter().any(|(n, _)| n == name), "{name} is missing");
    }
    let mut mc = medcode::MedCode::embedded().expect("embedded sets");
    for (name, bytes) in packs {
        let t = Instant::now();
        let r = mc.load_pack_as(bytes, &name);
        assert!(t.elapsed() < Duration::from_secs(10), "{name} took {:?}", t.elapsed());
        if name.starts_with("pack-") {
            let e = r.expect_err(&name);
            assert_eq!(e.code(), "PACK-CORRUPT", "{name}: {e}");
        }
    }
}

/// Claims that crashed a scrub fuzz target go here as `*.json` (none so far):
/// each is scrubbed within the time bound of [`scrub`], without a panic.
#[test]
fn hostile_claim_fixtures_do_not_panic() {
    for (name, bytes) in hostile_fixtures(".json") {
        let text = String::from_utf8(bytes).unwrap_or_else(|_| panic!("{name} is not UTF-8"));
        let _ = scrub(&text);
    }
}
