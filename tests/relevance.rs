//! The relevance suite as a test: fails when a category's hit rate drops
//! below its floor in `tests/relevance/floors.json`, when a must-show query
//! of issue 5 misses, or when the suite itself is malformed (a CPT-shaped
//! code, an expectation that names no real code, fewer than 220 queries).
//! The table itself: `cargo run --release --example relevance`.

#[path = "relevance/eval.rs"]
mod eval;

use std::sync::OnceLock;

fn mc() -> &'static medcode::MedCode {
    static MC: OnceLock<medcode::MedCode> = OnceLock::new();
    MC.get_or_init(|| medcode::MedCode::embedded().expect("embedded code sets open"))
}

fn suite() -> Vec<eval::Category> {
    eval::load_suite(&eval::suite_dir()).unwrap()
}

#[test]
fn the_suite_is_well_formed() {
    let problems = eval::check_suite(mc(), &suite());
    assert!(problems.is_empty(), "{} problems in tests/relevance/:\n{}", problems.len(), problems.join("\n"));
}

#[test]
fn every_category_meets_its_floor() {
    let dir = eval::suite_dir();
    let floors = eval::load_floors(&dir).unwrap();
    let report = eval::evaluate(mc(), &suite()).unwrap();
    let failures = eval::failures(&report, &floors);
    assert!(failures.is_empty(), "{}\n{}", failures.join("\n"), eval::markdown(&report, &floors));
}

#[test]
fn expectation_patterns_match_as_documented() {
    use eval::Pattern;
    let p = |s: &str| Pattern::parse(s).unwrap();
    assert!(p("I10").matches("I10") && !p("I10").matches("I10.1"));
    assert!(p("s72.0*").matches("S72.001A") && !p("S72.0*").matches("S72.1"));
    assert!(p("E0250-E0260").matches("E0255") && !p("E0250-E0260").matches("E0261"));
    // A HCPCS range does not take in ICD-10-CM codes that sort between its ends.
    assert!(!p("A0021-A0999").matches("A04.71") && !p("A0021-A0999").matches("A09"));
    // An ICD-10-CM category range takes in every code of its categories.
    assert!(p("M05-M19").matches("M06.9") && p("M05-M19").matches("M19") && !p("M05-M19").matches("M20.1"));
    assert!(p("0SR9*").is_pcs() && p("10E0XZZ").is_pcs() && !p("E1390").is_pcs() && !p("S72.0*").is_pcs());
    assert!(Pattern::parse("E0260-E0250").is_err() && Pattern::parse("E025-E0260").is_err());
}
