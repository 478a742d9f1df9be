//! Search semantics on the real data.

use medcode::{SearchOptions, System};

use super::{date, mc};

fn search(q: &str) -> Vec<String> {
    search_with(q, None, "2026-05-01")
}

fn search_with(q: &str, system: Option<System>, d: &str) -> Vec<String> {
    let opts = SearchOptions { system, limit: 20, date: date(d), billable_only: false, within: None };
    mc().search(q, &opts).results.into_iter().map(|r| r.code).collect()
}

#[test]
fn a_code_in_any_form_comes_first() {
    for (q, want) in [
        ("E11.9", "E11.9"),
        ("e119", "E11.9"),
        ("S72.001A", "S72.001A"),
        ("s72001a", "S72.001A"),
        ("G0439", "G0439"),
        ("g0439", "G0439"),
        ("I21.", "I21"),
    ] {
        assert_eq!(search(q).first().map(String::as_str), Some(want), "query {q:?}");
    }
}

#[test]
fn a_partial_code_lists_the_codes_under_it_shortest_first() {
    let hits = search("E11.6");
    assert_eq!(hits[0], "E11.6");
    assert!(hits[1..].iter().all(|c| c.starts_with("E11.6")), "{hits:?}");
    assert!(hits.contains(&"E11.65".to_string()));
}

#[test]
fn words_match_as_prefixes_in_any_order() {
    let a = search("diab mell 2 kid");
    assert!(a.iter().any(|c| c.starts_with("E11.2")), "{a:?}");
    let b = search("kid 2 mell diab");
    assert_eq!(a, b);
}

#[test]
fn inclusion_terms_are_searchable_synonyms() {
    // "Fracture of frontal bone" is an inclusion term of S02.0.
    let hits = search("frontal bone fracture");
    assert!(hits.iter().any(|c| c.starts_with("S02.0")), "{hits:?}");
}

#[test]
fn the_date_filters_codes_in_effect() {
    // E11.A (type 2 diabetes in remission) took effect 2025-10-01.
    assert!(search_with("E11.A", Some(System::Icd10Cm), "2026-05-01").contains(&"E11.A".to_string()));
    assert!(!search_with("E11.A", Some(System::Icd10Cm), "2025-06-01").contains(&"E11.A".to_string()));
}

#[test]
fn billable_only_drops_headers() {
    let opts = SearchOptions { system: None, limit: 20, date: date("2026-05-01"), billable_only: true, within: None };
    let res = mc().search("diabetes", &opts);
    assert!(!res.results.is_empty());
    assert!(res.results.iter().all(|r| r.billable));
}

#[test]
fn all_systems_are_searched_when_none_is_given() {
    let hits = mc().search(
        "wheelchair",
        &SearchOptions { system: None, limit: 50, date: date("2026-05-01"), billable_only: false, within: None },
    );
    let systems: std::collections::BTreeSet<&str> = hits.results.iter().map(|r| r.system).collect();
    assert!(systems.contains("hcpcs") && systems.contains("icd10cm"), "{systems:?}");
}

/// A word one code set does not know ("noner", HCPCS shorthand, whose
/// expansion "nonemergency" ICD-10-CM lacks too) must not drop that set:
/// its codes matching the other words rank by the same rules as everyone
/// else's, ICD-10-CM first among equals. (It once counted as a word that
/// names candidates, named none, and ICD-10-CM returned nothing.)
#[test]
fn a_word_one_system_lacks_does_not_hide_that_systems_matches() {
    let hits = mc()
        .search(
            "noner fra",
            &SearchOptions { system: None, limit: 20, date: date("2026-05-01"), billable_only: false, within: None },
        )
        .results;
    let icd: Vec<&str> = hits.iter().filter(|r| r.system == "icd10cm").map(|r| r.code.as_str()).collect();
    assert!(icd.contains(&"S72.001A"), "ICD-10-CM fracture codes are listed: {icd:?}");
    // Equal scores (one word of two matched): ICD-10-CM's come first.
    for (i, a) in hits.iter().enumerate() {
        for b in hits.iter().skip(i + 1) {
            assert!(
                !(a.system == "hcpcs" && b.system == "icd10cm" && b.score >= a.score),
                "{} before {}: {hits:?}",
                a.code,
                b.code
            );
        }
    }
}

#[test]
fn results_are_deterministic() {
    assert_eq!(search("fracture femur"), search("fracture femur"));
}

#[test]
fn empty_and_junk_queries_return_nothing_without_error() {
    assert!(search("").is_empty());
    assert!(search("   ").is_empty());
    assert!(search("!!!").is_empty());
    let long = "x".repeat(10_000);
    let _ = search(&long);
}
